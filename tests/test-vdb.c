/* test-vdb.c: the variant-driver database, data and loader together.
 *
 * The shipped data/variant-drivers.xml is what every verdict rests on, so
 * the tests here assert the facts from kernel-uapi.md §0/§5 against the
 * loaded file (not against a copy), check that version-dependent answers
 * follow the kernel, and that broken databases (tests/data/vdb/
 * *-invalid.xml) are refused by the loader AND by the RelaxNG schema with
 * a message that points at the line.
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <libxml/relaxng.h>

#include "model/dt-util.h"
#include "model/dt-vdb.h"
#include "model/dt-xml.h"

static DtVdb *shipped;

static DtVersion
ver(const char *s)
{
    DtVersion v;
    g_assert_true(dt_version_parse(s, &v));
    return v;
}

static const DtVdbEntry *
need_driver(const char *name)
{
    const DtVdbEntry *e = dt_vdb_find_driver(shipped, name);
    if (!e)
        g_error("driver %s missing from the shipped database", name);
    return e;
}

static gboolean
has_id(const DtVdbEntry *e, guint16 vendor, guint16 device)
{
    for (guint i = 0; i < e->ids->len; i++) {
        const DtVdbId *id = &g_array_index(e->ids, DtVdbId, i);
        if (id->vendor == vendor && id->device == device)
            return TRUE;
    }
    return FALSE;
}

static const DtVdbId *
get_id(const DtVdbEntry *e, guint16 vendor, guint16 device)
{
    for (guint i = 0; i < e->ids->len; i++) {
        const DtVdbId *id = &g_array_index(e->ids, DtVdbId, i);
        if (id->vendor == vendor && id->device == device)
            return id;
    }
    return NULL;
}

static guint32
flags_on(const DtVdbEntry *e, const char *kernel)
{
    DtVersion k = ver(kernel);
    return dt_vdb_entry_flags_on(e, &k);
}

static gboolean
logs_on(const DtVdbEntry *e, const char *kernel)
{
    DtVersion k = ver(kernel);
    return dt_vdb_entry_logs_on(e, &k);
}

static char *
schema_path(void)
{
    const char *dir = g_getenv("DIRTYTRACK_SCHEMADIR");
    if (dir && *dir)
        return g_build_filename(dir, "variant-drivers.rng", NULL);
    return g_test_build_filename(G_TEST_DIST, "..", "schemas", "variant-drivers.rng", NULL);
}

/* libxml2 2.12 made the error argument const */
#if LIBXML_VERSION >= 21200
#define DT_XML_ERROR_ARG const xmlError *
#else
#define DT_XML_ERROR_ARG xmlErrorPtr
#endif

static void
quiet_structured(void *ctx, DT_XML_ERROR_ARG err)
{
    /* schema complaints are expected for *-invalid.xml; the test reports */
}

/* TRUE if the file validates against schemas/variant-drivers.rng. */
static gboolean
schema_accepts(const char *path)
{
    g_autofree char *rng = schema_path();
    xmlRelaxNGParserCtxtPtr pctxt = xmlRelaxNGNewParserCtxt(rng);
    xmlRelaxNGPtr schema;
    xmlRelaxNGValidCtxtPtr vctxt;
    g_autoptr(xmlDoc) doc = NULL;
    int rc;

    g_assert_nonnull(pctxt);
    xmlRelaxNGSetParserStructuredErrors(pctxt, quiet_structured, NULL);
    schema = xmlRelaxNGParse(pctxt);
    xmlRelaxNGFreeParserCtxt(pctxt);
    if (!schema)
        g_error("schema %s does not parse", rng);
    doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    g_assert_nonnull(doc);
    vctxt = xmlRelaxNGNewValidCtxt(schema);
    xmlRelaxNGSetValidStructuredErrors(vctxt, quiet_structured, NULL);
    rc = xmlRelaxNGValidateDoc(vctxt, doc);
    xmlRelaxNGFreeValidCtxt(vctxt);
    xmlRelaxNGFree(schema);
    return rc == 0;
}

/* ---- the shipped database ----------------------------------------------- */

static void
test_shipped_loads(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DtVdb) db = dt_vdb_load_default(&error);

    g_assert_no_error(error);
    g_assert_nonnull(db);
    g_assert_cmpuint(dt_vdb_size(db), >=, 9);
    for (guint i = 0; i < dt_vdb_size(db); i++) {
        const DtVdbEntry *e = dt_vdb_get(db, i);
        g_assert_nonnull(e->driver);
        g_assert_nonnull(e->module);
    }
    g_assert_null(dt_vdb_get(db, dt_vdb_size(db)));
}

static void
test_shipped_validates(void)
{
    g_autofree char *path = g_test_build_filename(G_TEST_DIST, "..", "data",
                                                  "variant-drivers.xml", NULL);
    g_assert_true(schema_accepts(path));
}

static void
test_mlx5(void)
{
    const DtVdbEntry *e = need_driver("mlx5_vfio_pci");

    g_assert_cmpstr(e->module, ==, "mlx5_vfio_pci");
    g_assert_true(has_id(e, 0x15b3, 0x101e));
    g_assert_true(dt_vdb_find_device(shipped, 0x15b3, 0x101e) == e);
    g_assert_cmpuint(e->mig_flags, ==, DT_MIG_STOP_COPY | DT_MIG_P2P | DT_MIG_PRE_COPY);
    g_assert_true(e->dma_logging);
    g_assert_true(dt_version_at_least(&e->dma_logging_since, 6, 1, 0));
    g_assert_null(e->arch);
    /* logging depends on firmware: the database must say so */
    g_assert_nonnull(strstr(e->conditions, "adv_virtualization"));
    g_assert_nonnull(strstr(e->conditions, "migratable"));
    /* no published device-state size: the entry must not invent one */
    g_assert_cmpuint(e->stop_copy_bytes, ==, 0);
    /* the ConnectX-7 PF is not a migration device */
    g_assert_null(dt_vdb_find_device(shipped, 0x15b3, 0x1021));
}

static void
test_mlx5_kernels(void)
{
    const DtVdbEntry *e = need_driver("mlx5_vfio_pci");

    g_assert_cmpuint(flags_on(e, "5.17.15"), ==, 0);
    g_assert_false(logs_on(e, "5.17"));
    g_assert_cmpuint(flags_on(e, "5.18"), ==, DT_MIG_STOP_COPY | DT_MIG_P2P);
    g_assert_false(logs_on(e, "6.0.19"));
    /* Debian 12: migration and DMA logging, but no PRE_COPY yet */
    g_assert_cmpuint(flags_on(e, "6.1.0-28-amd64"), ==, DT_MIG_STOP_COPY | DT_MIG_P2P);
    g_assert_true(logs_on(e, "6.1.0-28-amd64"));
    g_assert_cmpuint(flags_on(e, "6.2"), ==, DT_MIG_STOP_COPY | DT_MIG_P2P | DT_MIG_PRE_COPY);
    g_assert_true(logs_on(e, "6.12.48"));
}

static void
test_hisi(void)
{
    const DtVdbEntry *e = need_driver("hisi_acc_vfio_pci");

    g_assert_true(has_id(e, 0x19e5, 0xa256));   /* SEC VF */
    g_assert_true(has_id(e, 0x19e5, 0xa259));   /* HPRE VF */
    g_assert_true(has_id(e, 0x19e5, 0xa251));   /* ZIP VF */
    g_assert_false(e->mig_flags & DT_MIG_P2P);
    g_assert_cmpuint(flags_on(e, "6.12"), ==, DT_MIG_STOP_COPY | DT_MIG_PRE_COPY);
    g_assert_cmpuint(flags_on(e, "6.1"), ==, DT_MIG_STOP_COPY);
    g_assert_false(e->dma_logging);
    g_assert_false(logs_on(e, "7.2"));
    g_assert_cmpstr(e->arch, ==, "aarch64");
    g_assert_nonnull(strstr(e->conditions, "QM"));
}

static void
test_pds(void)
{
    const DtVdbEntry *e = need_driver("pds_vfio_pci");

    g_assert_true(dt_vdb_find_device(shipped, 0x1dd8, 0x1003) == e);
    g_assert_cmpuint(e->mig_flags, ==, DT_MIG_STOP_COPY | DT_MIG_P2P);
    /* pds registers log_ops unconditionally, from its first release */
    g_assert_true(e->dma_logging);
    g_assert_true(logs_on(e, "6.6"));
    g_assert_false(logs_on(e, "6.5"));
    g_assert_cmpuint(flags_on(e, "6.5"), ==, 0);
    g_assert_nonnull(strstr(e->conditions, "max_regions"));
}

static void
test_virtio(void)
{
    const DtVdbEntry *e = need_driver("virtio_vfio_pci");

    g_assert_true(dt_vdb_find_device(shipped, 0x1af4, 0x1041) == e);
    g_assert_true(dt_vdb_find_device(shipped, 0x1af4, 0x1042) == e);
    /* a transitional (legacy id) virtio-net function is not claimed */
    g_assert_null(dt_vdb_find_device(shipped, 0x1af4, 0x1000));
    g_assert_false(e->dma_logging);
    g_assert_false(logs_on(e, "7.2"));
    /* the driver exists from 6.8, but migrates only from 6.13 */
    g_assert_cmpuint(flags_on(e, "6.8"), ==, 0);
    g_assert_cmpuint(flags_on(e, "6.13"), ==, DT_MIG_STOP_COPY | DT_MIG_P2P | DT_MIG_PRE_COPY);
    g_assert_nonnull(strstr(e->conditions, "IOMMUFD"));
}

static void
test_qat(void)
{
    const DtVdbEntry *e = need_driver("qat_vfio_pci");
    static const guint16 ids[] = { 0x4941, 0x4943, 0x4945, 0x4949 };
    const DtVdbId *gen6;

    for (guint i = 0; i < G_N_ELEMENTS(ids); i++)
        g_assert_true(dt_vdb_find_device(shipped, 0x8086, ids[i]) == e);
    /* qat_vf_vfio_pci_table (drivers/vfio/pci/qat/main.c) never had the
     * 420xx VF 0x4947: no variant driver claims it */
    g_assert_null(dt_vdb_find_device(shipped, 0x8086, 0x4947));
    /* the QAT PF is driven by the 4xxx driver, never by the VFIO variant */
    g_assert_null(dt_vdb_find_device(shipped, 0x8086, 0x4940));
    g_assert_cmpuint(e->mig_flags, ==, DT_MIG_STOP_COPY | DT_MIG_P2P | DT_MIG_PRE_COPY);
    g_assert_false(e->dma_logging);
    g_assert_cmpuint(flags_on(e, "6.9"), ==, 0);
    g_assert_cmpuint(flags_on(e, "6.10"), ==, e->mig_flags);
    gen6 = get_id(e, 0x8086, 0x4949);
    g_assert_true(gen6->since.known);
    g_assert_cmpuint(gen6->since.major, ==, 6);
    g_assert_cmpuint(gen6->since.minor, ==, 17);
    g_assert_false(get_id(e, 0x8086, 0x4941)->since.known);
}

static void
test_nvgrace(void)
{
    const DtVdbEntry *e = need_driver("nvgrace_gpu_vfio_pci");
    static const guint16 ids[] = { 0x2342, 0x2345, 0x2348, 0x2941, 0x31c2 };

    for (guint i = 0; i < G_N_ELEMENTS(ids); i++)
        g_assert_true(dt_vdb_find_device(shipped, 0x10de, ids[i]) == e);
    g_assert_cmpuint(e->mig_flags, ==, 0);
    g_assert_cmpuint(flags_on(e, "7.2"), ==, 0);
    g_assert_false(e->dma_logging);
    g_assert_cmpstr(e->arch, ==, "aarch64");
}

static void
test_xe(void)
{
    const DtVdbEntry *e = need_driver("xe-vfio-pci");

    /* driver_override needs the dashed pci_driver name; the module has underscores */
    g_assert_cmpstr(e->driver, ==, "xe-vfio-pci");
    g_assert_cmpstr(e->module, ==, "xe_vfio_pci");
    g_assert_null(dt_vdb_find_driver(shipped, "xe_vfio_pci"));
    g_assert_cmpuint(e->mig_flags, ==, DT_MIG_STOP_COPY | DT_MIG_P2P);
    g_assert_cmpuint(flags_on(e, "6.18"), ==, 0);
    g_assert_cmpuint(flags_on(e, "6.19"), ==, DT_MIG_STOP_COPY | DT_MIG_P2P);
    g_assert_false(e->dma_logging);
    g_assert_true(dt_vdb_find_device(shipped, 0x8086, 0xe202) == e);   /* BMG */
    g_assert_nonnull(strstr(e->conditions, "xe_sriov_vfio_migration_supported"));
}

static void
test_ism(void)
{
    const DtVdbEntry *e = need_driver("ism_vfio_pci");

    g_assert_cmpstr(e->arch, ==, "s390x");
    g_assert_cmpuint(e->mig_flags, ==, 0);
    g_assert_false(e->dma_logging);
}

static void
test_plain_vfio_pci(void)
{
    const DtVdbEntry *e = need_driver("vfio-pci");
    DtVersion newest = ver("99.0");

    g_assert_cmpstr(e->module, ==, "vfio_pci");
    g_assert_cmpuint(e->mig_flags, ==, 0);
    g_assert_cmpuint(dt_vdb_entry_flags_on(e, &newest), ==, 0);
    g_assert_false(dt_vdb_entry_logs_on(e, &newest));
    g_assert_null(dt_vdb_find_driver(shipped, "vfio_pci"));
    /* an X710 VF has no variant driver: lookup must not answer vfio-pci */
    g_assert_null(dt_vdb_find_device(shipped, 0x8086, 0x154c));
}

/* Every migrating entry starts at or after VFIO migration v2 (5.18). */
static void
test_nothing_before_v2(void)
{
    DtVersion k = ver("5.17.15");

    for (guint i = 0; i < dt_vdb_size(shipped); i++) {
        const DtVdbEntry *e = dt_vdb_get(shipped, i);
        g_assert_cmpuint(dt_vdb_entry_flags_on(e, &k), ==, 0);
        g_assert_false(dt_vdb_entry_logs_on(e, &k));
    }
}

/* ---- the small fixture ----------------------------------------------------- */

static void
test_fixture_minimal(void)
{
    g_autofree char *path = g_test_build_filename(G_TEST_DIST, "data", "vdb", "minimal.xml", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(DtVdb) db = dt_vdb_load(path, &error);
    const DtVdbEntry *e, *plain;

    g_assert_no_error(error);
    g_assert_cmpuint(dt_vdb_size(db), ==, 2);
    e = dt_vdb_find_driver(db, "example-vfio-pci");
    g_assert_nonnull(e);
    g_assert_cmpuint(e->stop_copy_bytes, ==, 1048576);
    g_assert_cmpstr(e->arch, ==, "x86_64");
    g_assert_cmpstr(e->conditions, ==, "Needs firmware 1.2.\nAdmin must enable migration on the PF.");
    g_assert_cmpuint(flags_on(e, "6.7"), ==, DT_MIG_STOP_COPY | DT_MIG_P2P);
    g_assert_cmpuint(flags_on(e, "6.8"), ==, DT_MIG_STOP_COPY | DT_MIG_P2P | DT_MIG_PRE_COPY);
    g_assert_false(logs_on(e, "6.6"));
    g_assert_true(logs_on(e, "6.7"));
    /* exact ids first, then the vendor-wide entry; other vendors never */
    g_assert_true(dt_vdb_find_device(db, 0xabcd, 0x0001) == e);
    g_assert_true(dt_vdb_find_device(db, 0xabcd, 0x7777) == e);
    plain = dt_vdb_find_device(db, 0xabcd, 0x1000);
    g_assert_nonnull(plain);
    g_assert_cmpstr(plain->driver, ==, "plain_vfio_pci");
    g_assert_null(dt_vdb_find_device(db, 0xabce, 0x0001));
    g_assert_false(plain->migration_since.known);
    g_assert_cmpuint(flags_on(plain, "7.0"), ==, 0);
    g_assert_true(schema_accepts(path));
}

/* ---- refusals --------------------------------------------------------------- */

typedef struct {
    const char *file;
    const char *needle;   /* the message must show what is wrong */
} InvalidCase;

static const InvalidCase invalid_cases[] = {
    { "unknown-flag-invalid.xml", "postcopy" },
    { "bad-hex-invalid.xml", "10g1" },
    { "short-hex-invalid.xml", "0x101e" },
    { "bad-version-invalid.xml", "6.x" },
    { "missing-source-invalid.xml", "source" },
    { "unknown-element-invalid.xml", "dirty-tracking" },
    { "misspelt-attribute-invalid.xml", "sinse" },
    { "dashed-module-invalid.xml", "xe-vfio-pci" },
    { "bad-arch-invalid.xml", "arm64" },
};

static void
test_invalid_file(gconstpointer data)
{
    const char *file = data;
    g_autofree char *path = g_test_build_filename(G_TEST_DIST, "data", "vdb", file, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(DtVdb) db = dt_vdb_load(path, &error);
    const char *needle = NULL;

    g_assert_null(db);
    g_assert_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT);
    g_test_message("%s: %s", file, error->message);
    /* the message names the file and the line */
    g_assert_nonnull(strstr(error->message, file));
    g_assert_nonnull(strstr(error->message, " line "));
    for (guint i = 0; i < G_N_ELEMENTS(invalid_cases); i++)
        if (strcmp(invalid_cases[i].file, file) == 0)
            needle = invalid_cases[i].needle;
    if (needle)
        g_assert_nonnull(strstr(error->message, needle));
    g_assert_false(schema_accepts(path));
}

/* Rules the grammar cannot express; the loader must still refuse them. */
typedef struct {
    const char *name;
    const char *xml;
    const char *needle;
} InlineCase;

#define DRV(body) "<driver name='a_vfio_pci' module='a_vfio_pci' since='6.6' source='t'>" body "</driver>"

static const InlineCase inline_cases[] = {
    { "duplicate-driver",
      "<variant-drivers version='1'>" DRV("") DRV("") "</variant-drivers>",
      "listed twice" },
    { "id-claimed-twice",
      "<variant-drivers version='1'>" DRV("<device vendor='abcd' device='0001'/>")
      "<driver name='b_vfio_pci' module='b_vfio_pci' source='t'><device vendor='abcd' device='0001'/></driver>"
      "</variant-drivers>",
      "also claimed by a_vfio_pci" },
    { "pre-copy-before-uapi",
      "<variant-drivers version='1'>" DRV("<migration since='6.6'><flag name='stop-copy'/></migration>")
      "<driver name='c_vfio_pci' module='c_vfio_pci' since='5.18' source='t'>"
      "<migration since='5.18'><flag name='stop-copy'/><flag name='pre-copy'/></migration></driver>"
      "</variant-drivers>",
      "PRE_COPY" },
    { "migration-before-v2",
      "<variant-drivers version='1'>"
      "<driver name='c_vfio_pci' module='c_vfio_pci' source='t'>"
      "<migration since='5.8'><flag name='stop-copy'/></migration></driver>"
      "</variant-drivers>",
      "5.18" },
    { "no-stop-copy",
      "<variant-drivers version='1'>" DRV("<migration since='6.6'><flag name='p2p'/></migration>")
      "</variant-drivers>",
      "stop-copy" },
    { "logging-before-uapi",
      "<variant-drivers version='1'>"
      "<driver name='c_vfio_pci' module='c_vfio_pci' since='5.18' source='t'><dma-logging since='5.19'/></driver>"
      "</variant-drivers>",
      "6.1" },
    { "migration-before-driver",
      "<variant-drivers version='1'>" DRV("<migration since='6.2'><flag name='stop-copy'/></migration>")
      "</variant-drivers>",
      "before the driver" },
    { "duplicate-flag",
      "<variant-drivers version='1'>"
      DRV("<migration since='6.6'><flag name='stop-copy'/><flag name='stop-copy'/></migration>")
      "</variant-drivers>",
      "twice" },
    { "wrong-version",
      "<variant-drivers version='2'/>",
      "version" },
    { "wrong-root",
      "<drivers version='1'/>",
      "variant-drivers" },
    { "zero-stop-copy-size",
      "<variant-drivers version='1'>" DRV("<stop-copy-size bytes='0'/>") "</variant-drivers>",
      "stop-copy size" },
};

static void
test_invalid_inline(gconstpointer data)
{
    const InlineCase *c = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(DtVdb) db = dt_vdb_parse(c->xml, strlen(c->xml), &error);

    g_assert_null(db);
    g_assert_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT);
    g_test_message("%s: %s", c->name, error->message);
    g_assert_nonnull(strstr(error->message, c->needle));
}

static void
test_default_env(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *old = g_strdup(g_getenv("DIRTYTRACK_DATADIR"));
    g_autofree char *fixtures = g_test_build_filename(G_TEST_DIST, "data", "vdb", NULL);
    g_autoptr(GError) error2 = NULL;
    DtVdb *db;

    /* a directory without the file: the override is not silently ignored */
    g_setenv("DIRTYTRACK_DATADIR", fixtures, TRUE);
    db = dt_vdb_load_default(&error);
    g_assert_null(db);
    g_assert_error(error, DT_ERROR, DT_ERROR_NOT_FOUND);

    /* unset: the uninstalled source tree copy is used */
    g_unsetenv("DIRTYTRACK_DATADIR");
    db = dt_vdb_load_default(&error2);
    g_assert_no_error(error2);
    g_assert_nonnull(dt_vdb_find_driver(db, "mlx5_vfio_pci"));
    dt_vdb_free(db);
    if (old)
        g_setenv("DIRTYTRACK_DATADIR", old, TRUE);
}

/* ---- the compiled table ------------------------------------------------------
 *
 * The build compiles the shipped file with this loader (dt-vdb-builtin.h);
 * dt_vdb_load() serves that table only for a file with the same bytes. */

static char *
read_test_file(const char *path, gsize *len)
{
    char *buf = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true(g_file_get_contents(path, &buf, len, &error));
    g_assert_no_error(error);
    return buf;
}

static char *
shipped_path(void)
{
    const char *dir = g_getenv("DIRTYTRACK_DATADIR");

    return g_build_filename(dir && *dir ? dir : ABS_TOP_SRCDIR "/data", "variant-drivers.xml",
                            NULL);
}

static void
test_builtin_is_the_shipped_file(void)
{
    g_autofree char *path = shipped_path();
    gsize len;
    g_autofree char *buf = read_test_file(path, &len);
    g_autoptr(GError) error = NULL;
    g_autoptr(DtVdb) parsed = dt_vdb_parse(buf, len, &error);

    /* every evaluation's database comes from the table, without a parse */
    g_assert_true(dt_vdb_is_builtin(shipped));
    g_assert_no_error(error);
    g_assert_false(dt_vdb_is_builtin(parsed));
    /* and the table holds every field the loader reads from the file */
    g_assert_true(dt_vdb_equal(shipped, parsed));
}

/* An edited copy takes effect: the table answers for its own bytes only. */
static void
test_builtin_edited_file_is_read(void)
{
    g_autofree char *path = shipped_path();
    gsize len;
    g_autofree char *buf = read_test_file(path, &len);
    g_autofree char *dir = g_dir_make_tmp("dt-vdb-XXXXXX", NULL);
    g_autofree char *copy = g_build_filename(dir, "variant-drivers.xml", NULL);
    g_autoptr(GString) edited = g_string_new_len(buf, (gssize)len);
    g_autoptr(GError) error = NULL;
    g_autoptr(DtVdb) same = NULL, db = NULL;
    const DtVdbEntry *e;
    gsize at;

    g_assert_nonnull(dir);
    /* the same bytes elsewhere: still the table */
    g_assert_true(g_file_set_contents(copy, buf, (gssize)len, NULL));
    same = dt_vdb_load(copy, &error);
    g_assert_no_error(error);
    g_assert_true(dt_vdb_is_builtin(same));

    /* mlx5_vfio_pci loses its DMA logging */
    at = (gsize)(strstr(edited->str, "<dma-logging since=\"6.1\"/>") - edited->str);
    g_string_erase(edited, (gssize)at, strlen("<dma-logging since=\"6.1\"/>"));
    g_assert_true(g_file_set_contents(copy, edited->str, (gssize)edited->len, NULL));
    db = dt_vdb_load(copy, &error);
    g_assert_no_error(error);
    g_assert_false(dt_vdb_is_builtin(db));
    e = dt_vdb_find_driver(db, "mlx5_vfio_pci");
    g_assert_nonnull(e);
    g_assert_false(e->dma_logging);
    g_assert_true(need_driver("mlx5_vfio_pci")->dma_logging);
    g_unlink(copy);
    g_rmdir(dir);
}

/* ---- what the file may look like ------------------------------------------- */

/* Every field, and text where line ends, references and UTF-8 matter. */
static const char sample[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!-- a comment \xe2\x80\x94 with UTF-8 -->\n"
    "<variant-drivers version=\"1\">\n"
    "  <driver name=\"x_vfio_pci\" module=\"x_vfio_pci\" since=\"6.2\"\n"
    "          source='\xc2\xa7""5 &amp; t\test'>\n"
    "    <device vendor=\"15b3\" device=\"101e\" label=\"VF &quot;one&quot;\"/>\n"
    "    <device vendor=\"15B3\" device=\"*\" since=\"6.6\" />\n"
    "    <migration since=\"6.2\">\n"
    "      <flag name=\"stop-copy\"/><flag name=\"pre-copy\" since=\"6.6\"/>\n"
    "    </migration>\n"
    "    <dma-logging since=\"6.2\"></dma-logging>\n"
    "    <arch> x86_64 </arch>\n"
    "    <condition>Needs &lt;caps&gt;&#x20;&#169; \xe2\x80\x94 see ]] <!-- x --> \xf0\x9f\x98\x80.</condition>\n"
    "    <stop-copy-size bytes=\"4096\"/>\n"
    "  </driver >\n"
    "</variant-drivers>\n";

static void
test_sample_every_field(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DtVdb) db = dt_vdb_parse(sample, sizeof(sample) - 1, &error);
    const DtVdbEntry *e;
    const DtVdbId *id;

    g_assert_no_error(error);
    g_assert_cmpuint(dt_vdb_size(db), ==, 1);
    e = dt_vdb_get(db, 0);
    g_assert_cmpstr(e->driver, ==, "x_vfio_pci");
    g_assert_cmpstr(e->module, ==, "x_vfio_pci");
    g_assert_cmpstr(e->arch, ==, "x86_64");
    /* references decoded, the comment inside left out */
    g_assert_cmpstr(e->conditions, ==,
                    "Needs <caps> \xc2\xa9 \xe2\x80\x94 see ]]  \xf0\x9f\x98\x80.");
    g_assert_cmpuint(e->ids->len, ==, 2);
    id = get_id(e, 0x15b3, 0x101e);
    g_assert_nonnull(id);
    g_assert_false(id->since.known);
    id = get_id(e, 0x15b3, 0xffff);
    g_assert_nonnull(id);
    g_assert_cmpuint(id->since.minor, ==, 6);
    g_assert_cmphex(e->mig_flags, ==, DT_MIG_STOP_COPY | DT_MIG_PRE_COPY);
    g_assert_cmpuint(e->pre_copy_since.minor, ==, 6);
    g_assert_true(e->dma_logging);
    g_assert_cmpuint(e->stop_copy_bytes, ==, 4096);
}

/* A copy saved with other line ends or indentation reads the same. */
static void
test_line_ends(void)
{
    g_autofree char *path = shipped_path();
    gsize len;
    g_autofree char *buf = read_test_file(path, &len);
    g_autoptr(GString) crlf = g_string_new(NULL);
    g_autoptr(GString) cr = g_string_new(NULL);
    g_autoptr(GString) tabs = g_string_new(NULL);
    const struct {
        const char *what;
        GString *text;
    } copies[] = { { "CR LF", crlf }, { "CR", cr }, { "tab indentation", tabs } };
    gboolean indent = TRUE;

    for (gsize i = 0; i < len; i++) {
        g_string_append(crlf, buf[i] == '\n' ? "\r\n" : (char[]){ buf[i], 0 });
        g_string_append_c(cr, buf[i] == '\n' ? '\r' : buf[i]);
        /* leading spaces only: inside a text a tab is a character */
        g_string_append_c(tabs, indent && buf[i] == ' ' ? '\t' : buf[i]);
        indent = buf[i] == '\n' || (indent && buf[i] == ' ');
    }
    for (guint i = 0; i < G_N_ELEMENTS(copies); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(DtVdb) db = dt_vdb_parse(copies[i].text->str, copies[i].text->len, &error);

        g_test_message("%s", copies[i].what);
        g_assert_no_error(error);
        g_assert_true(dt_vdb_equal(db, shipped));
    }
}

/* Damage anywhere in a file: loaded, or refused with a message naming the
 * database, never anything else. */
static const char *const snippets[] = {
    "&amp;", "&lt;", "&#10;", "&#x9;", "&#0;", "&#xD800;", "&#x110000;", "&#xFFFE;", "&bogus;",
    "&", "<", ">", "\r\n", "\r", "\n", "\t", "\x01", "\x7f", "\xc3\xa9", "\xc3",
    "\xef\xbf\xbe", "\xed\xa0\x80", "\xef\xbb\xbf", "]]>", "'", "\"", " ", "--", "-",
    "<!--c-->", "<![CDATA[x]]>", "<?pi x?>", "<!DOCTYPE v>", " xmlns='u'", " a:b='1'",
    ":", "/", "=", "<x/>", "</x>", "a", "0",
};

static void
test_mutations(void)
{
    const gsize len = sizeof(sample) - 1;
    guint loaded = 0, cases = 0;
    /* every snippet at every place with -m thorough; a quarter by default */
    const guint step = g_test_thorough() ? 1 : 4;

    for (gsize pos = 0; pos <= len; pos++) {
        for (guint k = 0; k < G_N_ELEMENTS(snippets); k++) {
            g_autoptr(GString) ins = NULL;
            g_autoptr(GError) error = NULL;
            g_autoptr(DtVdb) db = NULL;

            if ((pos * 7 + k) % step != 0)
                continue;
            ins = g_string_new_len(sample, (gssize)pos);
            g_string_append(ins, snippets[k]);
            g_string_append_len(ins, sample + pos, (gssize)(len - pos));
            db = dt_vdb_parse(ins->str, ins->len, &error);
            cases++;
            if (db) {
                g_assert_no_error(error);
                loaded++;
                continue;
            }
            g_assert_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT);
            if (!g_str_has_prefix(error->message, "variant-driver database")) {
                g_test_message("snippet %u at %zu: %s", k, pos, error->message);
                g_test_fail();
            }
        }
    }
    g_test_message("%u mutations, %u loaded", cases, loaded);
    /* both outcomes are exercised in numbers */
    g_assert_cmpuint(loaded, >, cases / 20);
    g_assert_cmpuint(loaded, <, cases);
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    int rc;

    g_test_init(&argc, &argv, NULL);
    shipped = dt_vdb_load_default(&error);
    g_assert_no_error(error);

    g_test_add_func("/vdb/shipped/loads", test_shipped_loads);
    g_test_add_func("/vdb/shipped/validates-against-schema", test_shipped_validates);
    g_test_add_func("/vdb/mlx5/claims-101e-logs-with-firmware-condition", test_mlx5);
    g_test_add_func("/vdb/mlx5/flags-and-logging-follow-kernel", test_mlx5_kernels);
    g_test_add_func("/vdb/hisi/no-p2p-no-logging-arm64", test_hisi);
    g_test_add_func("/vdb/pds/logs-unconditionally-from-6.6", test_pds);
    g_test_add_func("/vdb/virtio/migrates-from-6.13-never-logs", test_virtio);
    g_test_add_func("/vdb/qat/vf-ids-and-gen6-since-6.17", test_qat);
    g_test_add_func("/vdb/nvgrace/no-migration-arm64", test_nvgrace);
    g_test_add_func("/vdb/xe/dashed-driver-name-no-pre-copy", test_xe);
    g_test_add_func("/vdb/ism/s390x-no-migration", test_ism);
    g_test_add_func("/vdb/vfio-pci/never-migrates-never-matched-by-id", test_plain_vfio_pci);
    g_test_add_func("/vdb/all/nothing-before-5.18", test_nothing_before_v2);
    g_test_add_func("/vdb/fixture/minimal-loads-every-field", test_fixture_minimal);
    g_test_add_func("/vdb/default/datadir-override-is-honoured", test_default_env);
    g_test_add_func("/vdb/builtin/is-the-shipped-file-compiled", test_builtin_is_the_shipped_file);
    g_test_add_func("/vdb/builtin/an-edited-file-is-read", test_builtin_edited_file_is_read);
    g_test_add_func("/vdb/parse/every-field-and-markup", test_sample_every_field);
    g_test_add_func("/vdb/parse/line-ends-and-tabs-read-the-same", test_line_ends);
    g_test_add_func("/vdb/parse/damage-is-loaded-or-refused-with-a-line", test_mutations);

    /* every *-invalid.xml on disk, so a new fixture is tested without code */
    {
        g_autofree char *dir = g_test_build_filename(G_TEST_DIST, "data", "vdb", NULL);
        g_autoptr(GDir) d = g_dir_open(dir, 0, &error);
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        const char *n;

        g_assert_no_error(error);
        while ((n = g_dir_read_name(d)))
            if (g_str_has_suffix(n, "-invalid.xml"))
                g_ptr_array_add(names, g_strdup(n));
        g_assert_cmpuint(names->len, >=, G_N_ELEMENTS(invalid_cases));
        g_ptr_array_sort(names, compare_names);
        for (guint i = 0; i < names->len; i++) {
            char *file = g_ptr_array_index(names, i);
            g_autofree char *tname = g_strdup_printf("/vdb/invalid/%s -> refused", file);
            g_test_add_data_func_full(tname, g_strdup(file), test_invalid_file, g_free);
        }
    }
    for (guint i = 0; i < G_N_ELEMENTS(inline_cases); i++) {
        g_autofree char *tname = g_strdup_printf("/vdb/invalid-inline/%s -> refused",
                                                 inline_cases[i].name);
        g_test_add_data_func(tname, &inline_cases[i], test_invalid_inline);
    }

    rc = g_test_run();
    dt_vdb_free(shipped);
    return rc;
}
