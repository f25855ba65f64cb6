/* dt-vdb.c: loads the variant-driver database (data/variant-drivers.xml).
 *
 * The database is the only place dirtytrack learns what a driver it cannot
 * question can do, so a typo in it would silently turn into a wrong verdict.
 * The loader is therefore stricter than the schema: every element and
 * attribute must be known, versions and ids must be exact, and facts must
 * agree with the uAPI history (no migration before v2 migration existed,
 * no PRE_COPY before the flag existed).  Each error names the line and the
 * driver entry so whoever edited the file can fix it.
 *
 * One reader: libxml2's tree (dt_xml_parse), whose line numbers every
 * message carries.  Speed comes from not reading at all: the shipped file
 * is compiled at build time by this very loader (dt-vdb-compile.c) into a
 * C table, and dt_vdb_load() serves that table when the file it reads holds
 * exactly the bytes the table was compiled from.  Any other file -- an
 * edited copy, DIRTYTRACK_DATADIR, a test fixture -- is parsed, so the
 * data file stays the one place the knowledge lives.
 */
#include "config.h"

#include <string.h>

#include "model/dt-util.h"
#include "model/dt-vdb.h"
#include "model/dt-vdb-builtin.h"
#include "model/dt-xml.h"

struct DtVdb {
    GPtrArray *entries;   /* DtVdbEntry* */
    gboolean builtin;     /* made from the compiled table */
};

/* Kernel releases where the uAPI pieces the database refers to appeared
 * (kernel-uapi.md §0).  An entry claiming one of them earlier is a typo. */
static const DtVersion mig_v2_since = { 5, 18, 0, TRUE };
static const DtVersion pre_copy_uapi_since = { 6, 2, 0, TRUE };
static const DtVersion dma_logging_uapi_since = { 6, 1, 0, TRUE };

static const char *const known_arches[] = { "x86_64", "aarch64", "s390x", "ppc64le", NULL };

static void
dt_vdb_entry_free(DtVdbEntry *e)
{
    if (!e)
        return;
    g_free(e->driver);
    g_free(e->module);
    g_free(e->arch);
    g_free(e->conditions);
    if (e->ids)
        g_array_unref(e->ids);
    g_free(e);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DtVdbEntry, dt_vdb_entry_free)

void
dt_vdb_free(DtVdb *db)
{
    if (!db)
        return;
    if (db->entries)
        g_ptr_array_unref(db->entries);
    g_free(db);
}

/* ---- strict scalar parsing ----------------------------------------------- */

/* "6.2" or "6.2.1": two or three runs of 1..4 digits, nothing else. */
static gboolean
parse_kernel_version(const char *s, DtVersion *out)
{
    guint parts = 0, digits = 0;

    if (!s || !*s)
        return FALSE;
    for (const char *p = s; ; p++) {
        if (g_ascii_isdigit(*p)) {
            if (++digits > 4)
                return FALSE;
        } else if (*p == '.' || *p == '\0') {
            if (digits == 0)
                return FALSE;
            parts++;
            digits = 0;
            if (*p == '\0')
                break;
        } else {
            return FALSE;
        }
    }
    if (parts < 2 || parts > 3)
        return FALSE;
    return dt_version_parse(s, out);
}

/* Exactly four hex digits, as lspci and modules.alias print ids. */
static gboolean
parse_hex16(const char *s, guint16 *out)
{
    guint v = 0;

    if (!s)
        return FALSE;
    for (guint i = 0; i < 4; i++) {
        int d = g_ascii_xdigit_value(s[i]);
        if (d < 0)
            return FALSE;
        v = v << 4 | (guint)d;
    }
    if (s[4] != '\0')
        return FALSE;
    *out = (guint16)v;
    return TRUE;
}

static gboolean
valid_name(const char *s, gboolean allow_dash)
{
    if (!s || !*s)
        return FALSE;
    for (const char *p = s; *p; p++) {
        if (g_ascii_islower(*p) || g_ascii_isdigit(*p) || *p == '_')
            continue;
        if (allow_dash && *p == '-')
            continue;
        return FALSE;
    }
    return TRUE;
}

/* ---- error helpers ------------------------------------------------------- */

typedef struct {
    const char *what;     /* file name or "variant-driver database" */
    const char *driver;   /* entry being parsed, NULL outside one */
    GPtrArray *values;    /* attribute values read, freed with the context */
} ParseCtx;

/* The attribute in no namespace, as xmlGetNoNsProp() gives it, or NULL;
 * it lives as long as the parse. */
static const char *
attr(const ParseCtx *ctx, xmlNode *node, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(node, (const xmlChar *)name);

    if (v)
        g_ptr_array_add(ctx->values, v);
    return (const char *)v;
}

/* Element children only: comments and white space between them are not
 * content here. */
#define FOR_EACH_ELEMENT(c, parent) \
    for (xmlNode *c = xmlFirstElementChild(parent); c; c = xmlNextElementSibling(c))

static void G_GNUC_PRINTF(4, 5)
set_error(GError **error, const ParseCtx *ctx, xmlNode *node, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;
    long line = node ? xmlGetLineNo(node) : -1;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (ctx->driver)
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("%s line %ld (driver %s): %s"), ctx->what, line, ctx->driver, msg);
    else
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("%s line %ld: %s"), ctx->what, line, msg);
}

/* Refuse attributes the grammar does not know: a misspelt "sinse" must not
 * silently mean "since the beginning". */
static gboolean
check_attributes(xmlNode *node, const char *const *allowed, const ParseCtx *ctx,
                 GError **error)
{
    for (xmlAttr *a = node->properties; a; a = a->next) {
        gboolean ok = FALSE;
        for (guint i = 0; allowed[i]; i++) {
            if (strcmp((const char *)a->name, allowed[i]) == 0) {
                ok = TRUE;
                break;
            }
        }
        if (!ok) {
            set_error(error, ctx, node, _("unknown attribute '%s' on <%s>"),
                      (const char *)a->name, (const char *)node->name);
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean
check_no_children(xmlNode *node, const ParseCtx *ctx, GError **error)
{
    xmlNode *c = xmlFirstElementChild(node);

    if (c) {
        set_error(error, ctx, c, _("unexpected element <%s> inside <%s>"), (const char *)c->name,
                  (const char *)node->name);
        return FALSE;
    }
    return TRUE;
}

/* Optional version attribute; *out stays unknown when it is absent. */
static gboolean
get_version_attr(xmlNode *node, const char *attr_name, gboolean required, DtVersion *out,
                 const ParseCtx *ctx, GError **error)
{
    const char *s = attr(ctx, node, attr_name);

    memset(out, 0, sizeof(*out));
    if (!s) {
        if (required) {
            set_error(error, ctx, node, _("<%s> needs a '%s' attribute"), (const char *)node->name,
                      attr_name);
            return FALSE;
        }
        return TRUE;
    }
    if (!parse_kernel_version(s, out)) {
        set_error(error, ctx, node, _("bad kernel version '%s' in %s= of <%s> (expected e.g. 6.2)"),
                  s, attr_name, (const char *)node->name);
        return FALSE;
    }
    return TRUE;
}

static gboolean
not_before(const DtVersion *v, const DtVersion *floor)
{
    return !v->known || !floor->known || dt_version_cmp(v, floor) >= 0;
}

/* ---- elements ------------------------------------------------------------ */

static gboolean
parse_device(xmlNode *node, DtVdbEntry *e, const ParseCtx *ctx, GError **error)
{
    static const char *const attrs[] = { "vendor", "device", "since", "label", NULL };
    const char *vendor = attr(ctx, node, "vendor");
    const char *device = attr(ctx, node, "device");
    DtVdbId id = { 0 };

    if (!check_attributes(node, attrs, ctx, error) || !check_no_children(node, ctx, error))
        return FALSE;
    if (!parse_hex16(vendor, &id.vendor)) {
        set_error(error, ctx, node, _("bad vendor id '%s' (expected four hex digits)"),
                  vendor ? vendor : "");
        return FALSE;
    }
    if (device && strcmp(device, "*") == 0) {
        id.device = 0xffff;
    } else if (!parse_hex16(device, &id.device)) {
        set_error(error, ctx, node, _("bad device id '%s' (expected four hex digits or *)"),
                  device ? device : "");
        return FALSE;
    }
    if (!get_version_attr(node, "since", FALSE, &id.since, ctx, error))
        return FALSE;
    if (!not_before(&id.since, &e->since)) {
        set_error(error, ctx, node, _("device %04x:%04x is dated before its driver"),
                  id.vendor, id.device);
        return FALSE;
    }
    for (guint i = 0; i < e->ids->len; i++) {
        const DtVdbId *o = &g_array_index(e->ids, DtVdbId, i);
        if (o->vendor == id.vendor && o->device == id.device) {
            set_error(error, ctx, node, _("device %04x:%04x is listed twice"),
                      id.vendor, id.device);
            return FALSE;
        }
    }
    g_array_append_val(e->ids, id);
    return TRUE;
}

static gboolean
parse_migration(xmlNode *node, DtVdbEntry *e, const ParseCtx *ctx, GError **error)
{
    static const char *const attrs[] = { "since", NULL };
    static const char *const flag_attrs[] = { "name", "since", NULL };

    if (!check_attributes(node, attrs, ctx, error))
        return FALSE;
    if (!get_version_attr(node, "since", TRUE, &e->migration_since, ctx, error))
        return FALSE;
    if (dt_version_cmp(&e->migration_since, &mig_v2_since) < 0) {
        set_error(error, ctx, node,
                  _("migration since %u.%u predates VFIO migration v2 (5.18)"),
                  e->migration_since.major, e->migration_since.minor);
        return FALSE;
    }
    if (!not_before(&e->migration_since, &e->since)) {
        set_error(error, ctx, node, _("migration is dated before the driver itself"));
        return FALSE;
    }

    FOR_EACH_ELEMENT(c, node) {
        const char *name;
        DtVersion since;
        DtMigBit b;
        guint32 bit;

        if (strcmp((const char *)c->name, "flag") != 0) {
            set_error(error, ctx, c, _("unexpected element <%s> inside <migration>"),
                      (const char *)c->name);
            return FALSE;
        }
        if (!check_attributes(c, flag_attrs, ctx, error) || !check_no_children(c, ctx, error))
            return FALSE;
        name = attr(ctx, c, "name");
        if (!dt_mig_bit_from_string(name, &b)) {
            /* the names of dt_mig_bit (dt-model.c), kept whole in the
             * message so that its translations stay */
            set_error(error, ctx, c,
                      _("unknown migration flag '%s' (known: stop-copy, p2p, pre-copy)"),
                      name ? name : "");
            return FALSE;
        }
        bit = 1u << b;
        if (e->mig_flags & bit) {
            set_error(error, ctx, c, _("migration flag '%s' is listed twice"), name);
            return FALSE;
        }
        if (!get_version_attr(c, "since", FALSE, &since, ctx, error))
            return FALSE;
        if (since.known && bit != DT_MIG_PRE_COPY) {
            /* The kernel never added STOP_COPY or P2P to a driver after its
             * migration support: both came with migration v2 itself. */
            set_error(error, ctx, c, _("only the pre-copy flag may have its own since="));
            return FALSE;
        }
        if (bit == DT_MIG_PRE_COPY) {
            e->pre_copy_since = since.known ? since : e->migration_since;
            if (dt_version_cmp(&e->pre_copy_since, &pre_copy_uapi_since) < 0) {
                set_error(error, ctx, c,
                          _("pre-copy since %u.%u predates the PRE_COPY uAPI (6.2)"),
                          e->pre_copy_since.major, e->pre_copy_since.minor);
                return FALSE;
            }
            if (dt_version_cmp(&e->pre_copy_since, &e->migration_since) < 0) {
                set_error(error, ctx, c, _("pre-copy is dated before migration itself"));
                return FALSE;
            }
        }
        e->mig_flags |= bit;
    }
    if (!(e->mig_flags & DT_MIG_STOP_COPY)) {
        /* vfio_pci_core_register_device() refuses migration ops without it. */
        set_error(error, ctx, node, _("a migrating driver must offer the stop-copy flag"));
        return FALSE;
    }
    return TRUE;
}

static gboolean
parse_dma_logging(xmlNode *node, DtVdbEntry *e, const ParseCtx *ctx, GError **error)
{
    static const char *const attrs[] = { "since", NULL };

    if (!check_attributes(node, attrs, ctx, error) || !check_no_children(node, ctx, error))
        return FALSE;
    if (!get_version_attr(node, "since", TRUE, &e->dma_logging_since, ctx, error))
        return FALSE;
    if (dt_version_cmp(&e->dma_logging_since, &dma_logging_uapi_since) < 0) {
        set_error(error, ctx, node,
                  _("DMA logging since %u.%u predates the DMA logging uAPI (6.1)"),
                  e->dma_logging_since.major, e->dma_logging_since.minor);
        return FALSE;
    }
    if (!not_before(&e->dma_logging_since, &e->since)) {
        set_error(error, ctx, node, _("DMA logging is dated before the driver itself"));
        return FALSE;
    }
    e->dma_logging = TRUE;
    return TRUE;
}

static gboolean
parse_stop_copy_size(xmlNode *node, DtVdbEntry *e, const ParseCtx *ctx, GError **error)
{
    static const char *const attrs[] = { "bytes", NULL };
    const char *s = attr(ctx, node, "bytes");
    gboolean digits = s && *s;

    if (!check_attributes(node, attrs, ctx, error) || !check_no_children(node, ctx, error))
        return FALSE;
    for (const char *p = s; digits && *p; p++)
        digits = g_ascii_isdigit(*p);
    if (!digits || !dt_parse_u64(s, 10, &e->stop_copy_bytes) || e->stop_copy_bytes == 0) {
        set_error(error, ctx, node, _("bad stop-copy size '%s' (expected a positive byte count)"),
                  s ? s : "");
        return FALSE;
    }
    return TRUE;
}

static DtVdbEntry *
parse_driver(xmlNode *node, ParseCtx *ctx, GError **error)
{
    static const char *const attrs[] = { "name", "module", "since", "source", NULL };
    g_autoptr(DtVdbEntry) e = g_new0(DtVdbEntry, 1);
    g_autoptr(GPtrArray) conditions = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *source = NULL;
    gboolean seen_migration = FALSE, seen_logging = FALSE, seen_arch = FALSE, seen_size = FALSE;

    e->ids = g_array_new(FALSE, TRUE, sizeof(DtVdbId));
    e->driver = g_strdup(attr(ctx, node, "name"));
    if (!valid_name(e->driver, TRUE)) {
        set_error(error, ctx, node, _("driver name '%s' is missing or not a kernel driver name"),
                  e->driver ? e->driver : "");
        return NULL;
    }
    ctx->driver = e->driver;
    if (!check_attributes(node, attrs, ctx, error))
        return NULL;
    e->module = g_strdup(attr(ctx, node, "module"));
    if (!valid_name(e->module, FALSE)) {
        set_error(error, ctx, node, _("module name '%s' is missing or invalid (modules use underscores)"),
                  e->module ? e->module : "");
        return NULL;
    }
    source = g_strdup(attr(ctx, node, "source"));
    if (!source || !*g_strstrip(source)) {
        set_error(error, ctx, node, _("every entry needs a source= saying where its facts come from"));
        return NULL;
    }
    if (!get_version_attr(node, "since", FALSE, &e->since, ctx, error))
        return NULL;

    FOR_EACH_ELEMENT(c, node) {
        const char *n = (const char *)c->name;

        if (strcmp(n, "device") == 0) {
            if (!parse_device(c, e, ctx, error))
                return NULL;
        } else if (strcmp(n, "migration") == 0) {
            if (seen_migration) {
                set_error(error, ctx, c, _("<migration> given twice"));
                return NULL;
            }
            seen_migration = TRUE;
            if (!parse_migration(c, e, ctx, error))
                return NULL;
        } else if (strcmp(n, "dma-logging") == 0) {
            if (seen_logging) {
                set_error(error, ctx, c, _("<dma-logging> given twice"));
                return NULL;
            }
            seen_logging = TRUE;
            if (!parse_dma_logging(c, e, ctx, error))
                return NULL;
        } else if (strcmp(n, "arch") == 0) {
            static const char *const none[] = { NULL };
            g_autofree char *arch = dt_xml_text(c);
            if (seen_arch) {
                set_error(error, ctx, c, _("<arch> given twice"));
                return NULL;
            }
            seen_arch = TRUE;
            if (!check_attributes(c, none, ctx, error) || !check_no_children(c, ctx, error))
                return NULL;
            if (!g_strv_contains(known_arches, arch)) {
                set_error(error, ctx, c, _("unknown architecture '%s'"), arch);
                return NULL;
            }
            e->arch = g_steal_pointer(&arch);
        } else if (strcmp(n, "condition") == 0) {
            static const char *const none[] = { NULL };
            g_autofree char *text = dt_xml_text(c);
            if (!check_attributes(c, none, ctx, error) || !check_no_children(c, ctx, error))
                return NULL;
            if (!*text) {
                set_error(error, ctx, c, _("empty <condition>"));
                return NULL;
            }
            g_ptr_array_add(conditions, g_steal_pointer(&text));
        } else if (strcmp(n, "stop-copy-size") == 0) {
            if (seen_size) {
                set_error(error, ctx, c, _("<stop-copy-size> given twice"));
                return NULL;
            }
            seen_size = TRUE;
            if (!parse_stop_copy_size(c, e, ctx, error))
                return NULL;
        } else {
            set_error(error, ctx, c, _("unexpected element <%s> inside <driver>"), n);
            return NULL;
        }
    }

    if (conditions->len > 0) {
        g_ptr_array_add(conditions, NULL);
        e->conditions = g_strjoinv("\n", (char **)conditions->pdata);
    }
    ctx->driver = NULL;
    return g_steal_pointer(&e);
}

/* Two entries claiming one id would make the answer depend on file order. */
static gboolean
check_unique(DtVdb *db, const DtVdbEntry *e, xmlNode *node, const ParseCtx *ctx,
             GError **error)
{
    for (guint i = 0; i < db->entries->len; i++) {
        const DtVdbEntry *o = g_ptr_array_index(db->entries, i);
        if (strcmp(o->driver, e->driver) == 0) {
            set_error(error, ctx, node, _("driver '%s' is listed twice"), e->driver);
            return FALSE;
        }
        for (guint j = 0; j < e->ids->len; j++) {
            const DtVdbId *a = &g_array_index(e->ids, DtVdbId, j);
            for (guint k = 0; k < o->ids->len; k++) {
                const DtVdbId *b = &g_array_index(o->ids, DtVdbId, k);
                if (a->vendor == b->vendor && a->device == b->device) {
                    set_error(error, ctx, node, _("device %04x:%04x is also claimed by %s"),
                              a->vendor, a->device, o->driver);
                    return FALSE;
                }
            }
        }
    }
    return TRUE;
}

static DtVdb *
dt_vdb_new(void)
{
    DtVdb *db = g_new0(DtVdb, 1);

    db->entries = g_ptr_array_new_with_free_func((GDestroyNotify)dt_vdb_entry_free);
    return db;
}

static DtVdb *
parse_root(xmlNode *root, ParseCtx *ctx, GError **error)
{
    static const char *const root_attrs[] = { "version", NULL };
    const char *version;
    g_autoptr(DtVdb) db = NULL;

    if (root->ns) {
        set_error(error, ctx, root, _("<variant-drivers> must not be in a namespace"));
        return NULL;
    }
    if (!check_attributes(root, root_attrs, ctx, error))
        return NULL;
    version = attr(ctx, root, "version");
    if (g_strcmp0(version, "1") != 0) {
        set_error(error, ctx, root, _("unsupported database version '%s' (this dirtytrack reads 1)"),
                  version ? version : "");
        return NULL;
    }

    db = dt_vdb_new();
    FOR_EACH_ELEMENT(c, root) {
        DtVdbEntry *e;

        if (strcmp((const char *)c->name, "driver") != 0) {
            set_error(error, ctx, c, _("unexpected element <%s>; expected <driver>"),
                      (const char *)c->name);
            return NULL;
        }
        e = parse_driver(c, ctx, error);
        ctx->driver = NULL;
        if (!e || !check_unique(db, e, c, ctx, error)) {
            dt_vdb_entry_free(e);
            return NULL;
        }
        g_ptr_array_add(db->entries, e);
    }
    return g_steal_pointer(&db);
}

DtVdb *
dt_vdb_parse_named(const char *buf, gsize len, const char *what, GError **error)
{
    g_autoptr(xmlDoc) doc = dt_xml_parse(buf, len, what, "variant-drivers", error);
    g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(xmlFree);
    ParseCtx ctx = { what, NULL, values };

    if (!doc)
        return NULL;
    return parse_root(xmlDocGetRootElement(doc), &ctx, error);
}

DtVdb *
dt_vdb_parse(const char *buf, gsize len, GError **error)
{
    return dt_vdb_parse_named(buf, len, _("variant-driver database"), error);
}

/* ---- the compiled table ---------------------------------------------------- */

/* A database owns its entries whatever their origin, so the table's
 * constants are copied (a dozen entries: a few microseconds). */
static DtVdb *
from_builtin(void)
{
    DtVdb *db = dt_vdb_new();

    db->builtin = TRUE;
    for (guint i = 0; i < dt_vdb_builtin.n_entries; i++) {
        const DtVdbBuiltinEntry *b = &dt_vdb_builtin.entries[i];
        DtVdbEntry *e = g_new0(DtVdbEntry, 1);

        e->driver = g_strdup(b->driver);
        e->module = g_strdup(b->module);
        e->since = b->since;
        e->migration_since = b->migration_since;
        e->mig_flags = b->mig_flags;
        e->pre_copy_since = b->pre_copy_since;
        e->dma_logging = b->dma_logging;
        e->dma_logging_since = b->dma_logging_since;
        e->arch = g_strdup(b->arch);
        e->conditions = g_strdup(b->conditions);
        e->stop_copy_bytes = b->stop_copy_bytes;
        e->ids = g_array_sized_new(FALSE, TRUE, sizeof(DtVdbId), b->n_ids);
        g_array_append_vals(e->ids, b->ids, b->n_ids);
        g_ptr_array_add(db->entries, e);
    }
    return db;
}

gboolean
dt_vdb_is_builtin(const DtVdb *db)
{
    return db && db->builtin;
}

DtVdb *
dt_vdb_load(const char *path, GError **error)
{
    g_autofree char *buf = NULL;
    gsize len = 0;
    g_autoptr(GError) local = NULL;

    if (!g_file_get_contents(path, &buf, &len, &local)) {
        g_set_error(error, DT_ERROR,
                    g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT) ?
                        DT_ERROR_NOT_FOUND : DT_ERROR_IO,
                    _("cannot read variant-driver database: %s"), local->message);
        return NULL;
    }
    /* the very bytes the table was compiled from: the loader's answer for
     * them is known (it wrote the table) */
    if (dt_vdb_builtin.source && len == dt_vdb_builtin.source_len &&
        memcmp(buf, dt_vdb_builtin.source, len) == 0)
        return from_builtin();
    return dt_vdb_parse_named(buf, len, path, error);
}

DtVdb *
dt_vdb_load_default(GError **error)
{
    const char *dir = g_getenv("DIRTYTRACK_DATADIR");
    g_autofree char *uninstalled = NULL;

    /* An explicit directory wins and is not second-guessed: falling back
     * to another copy would hide a broken override. */
    if (dir && *dir) {
        g_autofree char *path = g_build_filename(dir, "variant-drivers.xml", NULL);
        return dt_vdb_load(path, error);
    }
    uninstalled = g_build_filename(ABS_TOP_SRCDIR, "data", "variant-drivers.xml", NULL);
    if (g_file_test(uninstalled, G_FILE_TEST_IS_REGULAR))
        return dt_vdb_load(uninstalled, error);
    return dt_vdb_load(PKGDATADIR "/variant-drivers.xml", error);
}

guint
dt_vdb_size(const DtVdb *db)
{
    return db ? db->entries->len : 0;
}

const DtVdbEntry *
dt_vdb_get(const DtVdb *db, guint i)
{
    if (!db || i >= db->entries->len)
        return NULL;
    return g_ptr_array_index(db->entries, i);
}

static gboolean
version_eq(const DtVersion *a, const DtVersion *b)
{
    return a->known == b->known && (!a->known || dt_version_cmp(a, b) == 0);
}

gboolean
dt_vdb_equal(const DtVdb *x, const DtVdb *y)
{
    if (dt_vdb_size(x) != dt_vdb_size(y))
        return FALSE;
    for (guint i = 0; i < dt_vdb_size(x); i++) {
        const DtVdbEntry *a = dt_vdb_get(x, i), *b = dt_vdb_get(y, i);

        if (g_strcmp0(a->driver, b->driver) || g_strcmp0(a->module, b->module) ||
            g_strcmp0(a->arch, b->arch) || g_strcmp0(a->conditions, b->conditions) ||
            !version_eq(&a->since, &b->since) ||
            !version_eq(&a->migration_since, &b->migration_since) ||
            !version_eq(&a->pre_copy_since, &b->pre_copy_since) ||
            !version_eq(&a->dma_logging_since, &b->dma_logging_since) ||
            a->mig_flags != b->mig_flags || a->dma_logging != b->dma_logging ||
            a->stop_copy_bytes != b->stop_copy_bytes || a->ids->len != b->ids->len)
            return FALSE;
        for (guint j = 0; j < a->ids->len; j++) {
            const DtVdbId *p = &g_array_index(a->ids, DtVdbId, j);
            const DtVdbId *q = &g_array_index(b->ids, DtVdbId, j);

            if (p->vendor != q->vendor || p->device != q->device ||
                !version_eq(&p->since, &q->since))
                return FALSE;
        }
    }
    return TRUE;
}

const DtVdbEntry *
dt_vdb_find_driver(const DtVdb *db, const char *driver)
{
    if (!db || !driver)
        return NULL;
    for (guint i = 0; i < db->entries->len; i++) {
        const DtVdbEntry *e = g_ptr_array_index(db->entries, i);
        if (strcmp(e->driver, driver) == 0)
            return e;
    }
    return NULL;
}

const DtVdbEntry *
dt_vdb_find_device(const DtVdb *db, guint16 vendor, guint16 device)
{
    const DtVdbEntry *wildcard = NULL;

    if (!db)
        return NULL;
    /* An exact id beats a vendor-wide entry, whatever the file order. */
    for (guint i = 0; i < db->entries->len; i++) {
        const DtVdbEntry *e = g_ptr_array_index(db->entries, i);
        if (strcmp(e->driver, "vfio-pci") == 0)
            continue;
        for (guint j = 0; j < e->ids->len; j++) {
            const DtVdbId *id = &g_array_index(e->ids, DtVdbId, j);
            if (id->vendor != vendor)
                continue;
            if (id->device == device)
                return e;
            if (id->device == 0xffff && !wildcard)
                wildcard = e;
        }
    }
    return wildcard;
}

/* An unknown kernel is taken as new enough: callers that know nothing
 * better get the driver's full abilities and report the kernel as unknown. */
static gboolean
kernel_has(const DtVersion *kernel, const DtVersion *since)
{
    if (!kernel || !kernel->known || !since->known)
        return TRUE;
    return dt_version_cmp(kernel, since) >= 0;
}

guint32
dt_vdb_entry_flags_on(const DtVdbEntry *e, const DtVersion *kernel)
{
    guint32 flags;

    if (!e || !e->migration_since.known || e->mig_flags == 0)
        return 0;
    if (!kernel_has(kernel, &e->since) || !kernel_has(kernel, &e->migration_since))
        return 0;
    flags = e->mig_flags;
    if ((flags & DT_MIG_PRE_COPY) && !kernel_has(kernel, &e->pre_copy_since))
        flags &= ~DT_MIG_PRE_COPY;
    return flags;
}

gboolean
dt_vdb_entry_logs_on(const DtVdbEntry *e, const DtVersion *kernel)
{
    if (!e || !e->dma_logging)
        return FALSE;
    return kernel_has(kernel, &e->since) && kernel_has(kernel, &e->dma_logging_since);
}
