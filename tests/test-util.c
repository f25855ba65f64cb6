/* test-util: the strict parsers every input path relies on (PCI addresses,
 * versions, numbers, memory units), sysroot path redirection, the safe XML
 * parser, and the configuration file.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <unistd.h>
#include <string.h>

#include "model/dt-config.h"
#include "probe/dt-paths.h"
#include "model/dt-util.h"
#include "model/dt-xml.h"

static void
test_pci_addr_valid(void)
{
    DtPciAddr a;
    g_autofree char *s = NULL;

    g_assert_true(dt_pci_addr_parse("0000:3b:00.1", &a));
    g_assert_cmpuint(a.domain, ==, 0);
    g_assert_cmpuint(a.bus, ==, 0x3b);
    g_assert_cmpuint(a.slot, ==, 0);
    g_assert_cmpuint(a.function, ==, 1);
    s = dt_pci_addr_to_string(&a);
    g_assert_cmpstr(s, ==, "0000:3b:00.1");

    g_assert_true(dt_pci_addr_parse("3b:1f.7", &a));
    g_assert_cmpuint(a.slot, ==, 0x1f);
    g_assert_cmpuint(a.function, ==, 7);
    g_assert_true(dt_pci_addr_parse("ffff:ff:1f.7", &a));
    g_assert_cmpuint(a.domain, ==, 0xffff);
}

static void
test_pci_modalias_ids(void)
{
    static const char *const refused[] = {
        "pci:v000015b3d0000101Esv000015B3sd00000026bc02sc00i00",   /* lower case */
        "pci:v000015B3d0000101Esv000015B3sd00000026bc02sc00i00\n", /* trailing */
        "pci:v000015B3d0000101Esv000015B3sd00000026bc02sc00i0",    /* short */
        "pci:v000115B3d0000101Esv000015B3sd00000026bc02sc00i00",   /* > 16 bits */
        "pci:v00000000d0000101Esv000015B3sd00000026bc02sc00i00",   /* vendor 0 */
        "pci:v*d*sv*sd*bc*sc*i*",                                  /* a pattern */
        "pci:v000015B3d0000101Esv000015B3sd00000026bc02sc00i00x",
        "vfio_pci:v000015B3d0000101Esv000015B3sd00000026bc02sc00i00",
        "pci:v 00015B3d0000101Esv000015B3sd00000026bc02sc00i00",
        "",
    };
    const char *ok = "pci:v000015B3d0000101Esv000015B3sd00000026bc02sc00i00";
    g_autofree char *back = NULL;
    DtPciIds ids;

    g_assert_true(dt_pci_modalias_parse(ok, &ids));
    g_assert_cmphex(ids.vendor, ==, 0x15b3);
    g_assert_cmphex(ids.device, ==, 0x101e);
    g_assert_cmphex(ids.subsys_vendor, ==, 0x15b3);
    g_assert_cmphex(ids.subsys_device, ==, 0x0026);
    g_assert_cmphex(ids.class_code, ==, 0x020000);
    back = dt_pci_modalias_print(&ids);
    g_assert_cmpstr(back, ==, ok);
    for (guint i = 0; i < G_N_ELEMENTS(refused); i++)
        g_assert_false(dt_pci_modalias_parse(refused[i], &ids));
}

static void
test_pci_addr_hostile(void)
{
    static const char *const bad[] = {
        "", "0000:3b:00", "0000:3b:00.8", "0000:3b:20.0", "0000:3b:00.1/../..",
        "../../etc", "0000:3b:00.1 ", " 0000:3b:00.1", "0000:+3b:00.1", "0000:3b:00.-1",
        "10000:3b:00.1", "0000:3b:00.1.2", "0000:3b::00.1", "0x00:3b:00.1", "g000:3b:00.1",
        "0000:3b:00.1\n", "0000:03b:00.1", NULL,
    };
    DtPciAddr a;

    for (guint i = 0; bad[i]; i++) {
        if (dt_pci_addr_parse(bad[i], &a))
            g_error("accepted hostile PCI address '%s'", bad[i]);
    }
    g_assert_false(dt_pci_addr_parse(NULL, &a));
}

static void
test_version(void)
{
    DtVersion v, w;
    g_autofree char *s = NULL;

    g_assert_true(dt_version_parse("QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18)", &v));
    g_assert_cmpuint(v.major, ==, 7);
    g_assert_cmpuint(v.minor, ==, 2);
    g_assert_cmpuint(v.micro, ==, 22);
    g_assert_true(dt_version_parse("6.1.0-28-amd64", &v));
    g_assert_cmpuint(v.major, ==, 6);
    g_assert_cmpuint(v.minor, ==, 1);
    g_assert_cmpuint(v.micro, ==, 0);
    g_assert_true(dt_version_parse("9.0", &w));
    g_assert_cmpuint(w.micro, ==, 0);
    g_assert_true(dt_version_at_least(&w, 9, 0, 0));
    g_assert_false(dt_version_at_least(&w, 9, 0, 1));
    g_assert_cmpint(dt_version_cmp(&v, &w), <, 0);
    s = dt_version_to_string(&w);
    g_assert_cmpstr(s, ==, "9.0.0");
    g_assert_false(dt_version_parse("banana", &v));
    g_assert_false(dt_version_parse("", &v));
    g_assert_false(dt_version_parse("99999999999.1", &v));
    memset(&v, 0, sizeof(v));
    g_assert_false(dt_version_at_least(&v, 0, 0, 0));   /* unknown is never "at least" */
}

static void
test_parse_u64(void)
{
    guint64 v;

    g_assert_true(dt_parse_u64("d2008c40660462", 16, &v));
    g_assert_cmpuint(v, ==, 0xd2008c40660462ULL);
    g_assert_true(dt_parse_u64("0x1000\n", 16, &v));
    g_assert_cmpuint(v, ==, 0x1000);
    g_assert_true(dt_parse_u64("  42 ", 10, &v));
    g_assert_cmpuint(v, ==, 42);
    g_assert_false(dt_parse_u64("12zz", 16, &v));
    g_assert_false(dt_parse_u64("-1", 10, &v));
    g_assert_false(dt_parse_u64("", 16, &v));
    g_assert_false(dt_parse_u64("0x", 16, &v));
    g_assert_false(dt_parse_u64("1ffffffffffffffff", 16, &v));
    g_assert_false(dt_parse_u64("1e3", 10, &v));
}

static void
test_memory_units(void)
{
    guint64 k;

    g_assert_true(dt_memory_to_kib(219100, NULL, &k));
    g_assert_cmpuint(k, ==, 219100);
    g_assert_true(dt_memory_to_kib(8, "GiB", &k));
    g_assert_cmpuint(k, ==, 8ULL * 1024 * 1024);
    g_assert_true(dt_memory_to_kib(8, "G", &k));
    g_assert_cmpuint(k, ==, 8ULL * 1024 * 1024);
    g_assert_true(dt_memory_to_kib(512, "MiB", &k));
    g_assert_cmpuint(k, ==, 512ULL * 1024);
    g_assert_true(dt_memory_to_kib(1, "GB", &k));
    g_assert_cmpuint(k, ==, 976563);   /* 10^9 bytes rounded up to KiB */
    g_assert_true(dt_memory_to_kib(4096, "bytes", &k));
    g_assert_cmpuint(k, ==, 4);
    g_assert_false(dt_memory_to_kib(1, "furlongs", &k));
    g_assert_false(dt_memory_to_kib(G_MAXUINT64, "EiB", &k));
}

static void
test_paths(void)
{
    g_autoptr(DtPaths) real = dt_paths_new("/");
    g_autoptr(DtPaths) fx = dt_paths_new("/tmp/host/");
    g_autofree char *a = dt_paths_get(real, "/sys/class/iommu");
    g_autofree char *b = dt_paths_get(fx, "/sys/class/iommu");
    g_autofree char *c = dt_paths_printf(fx, "/sys/bus/pci/devices/%s/driver", "0000:3b:00.1");

    g_assert_cmpstr(a, ==, "/sys/class/iommu");
    g_assert_true(dt_paths_is_real_root(real));
    g_assert_cmpstr(b, ==, "/tmp/host/sys/class/iommu");
    g_assert_cmpstr(c, ==, "/tmp/host/sys/bus/pci/devices/0000:3b:00.1/driver");
    g_assert_false(dt_paths_is_real_root(fx));
}

static void
test_paths_env(void)
{
    g_autoptr(DtPaths) p = NULL;
    g_autofree char *s = NULL;

    g_setenv("DIRTYTRACK_SYSROOT", "/srv/fixture", TRUE);
    p = dt_paths_new(NULL);
    s = dt_paths_get(p, "/dev/iommu");
    g_assert_cmpstr(s, ==, "/srv/fixture/dev/iommu");
    g_unsetenv("DIRTYTRACK_SYSROOT");
}

static void
expect_xml_error(const char *buf, gsize len, const char *fragment)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(xmlDoc) doc = dt_xml_parse(buf, len, "test XML", "domain", &error);

    g_assert_null(doc);
    g_assert_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT);
    g_assert_null(strchr(error->message, '\n'));
    if (fragment && !strstr(error->message, fragment))
        g_error("message '%s' lacks '%s'", error->message, fragment);
}

static void
test_xml_hostile(void)
{
    const char *laughs =
        "<?xml version='1.0'?><!DOCTYPE domain [<!ENTITY a 'xxxxxxxxxx'>"
        "<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'><!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;'>"
        "<!ENTITY d '&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;'>]><domain><name>&d;</name></domain>";
    const char *xxe =
        "<?xml version='1.0'?><!DOCTYPE domain [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
        "<domain><name>&x;</name></domain>";
    gsize big = DT_XML_MAX_BYTES + 10;
    g_autofree char *huge = g_malloc(big);

    expect_xml_error(laughs, strlen(laughs), "DTD");
    expect_xml_error(xxe, strlen(xxe), "DTD");
    expect_xml_error("", 0, "empty");
    expect_xml_error("<dom", 4, "well-formed");
    expect_xml_error("<network/>", 10, "<domain>");
    expect_xml_error("<domain>\0</domain>", 18, "NUL");
    memset(huge, ' ', big);
    expect_xml_error(huge, big, "too large");
}

static void
test_xml_ok(void)
{
    const char *x = "<domain type='kvm'><name> vm1 </name><devices/></domain>";
    g_autoptr(GError) error = NULL;
    g_autoptr(xmlDoc) doc = dt_xml_parse(x, strlen(x), "test", "domain", &error);
    g_autofree char *type = NULL;
    g_autofree char *name = NULL;
    xmlNode *root;

    g_assert_no_error(error);
    g_assert_nonnull(doc);
    root = xmlDocGetRootElement(doc);
    type = dt_xml_prop(root, "type");
    g_assert_cmpstr(type, ==, "kvm");
    name = dt_xml_text(dt_xml_child(root, "name", NULL));
    g_assert_cmpstr(name, ==, "vm1");
    g_assert_null(dt_xml_child(root, "nothere", NULL));
}

static char *
write_tmp(const char *contents)
{
    g_autoptr(GError) error = NULL;
    char *path = NULL;
    int fd = g_file_open_tmp("dt-conf-XXXXXX.conf", &path, &error);

    g_assert_no_error(error);
    close(fd);
    g_assert_true(g_file_set_contents(path, contents, -1, NULL));
    return path;
}

static void
test_config_defaults(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DtConfig) c = NULL;

    g_setenv("DIRTYTRACK_CONFIG", "/nonexistent/dirtytrack.conf", TRUE);
    c = dt_config_load(NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(c->hook_deadline_ms, ==, 2000);
    g_assert_true(c->hook_fail_open);
    g_assert_cmpint(c->policy.perpetual, ==, DT_PERPETUAL_BUDGET);
    g_assert_null(c->path);
}

static void
test_config_values(void)
{
    g_autofree char *p = write_tmp("[policy]\nrequire-migratable = yes\nperpetual = never\n"
                                   "prefer = iommu\nmax-downtime-ms = 300\n"
                                   "[hook]\ndeadline-ms = 750\non-timeout = deny\n"
                                   "[qemu]\nbinary = /usr/bin/qemu-system-x86_64\n");
    g_autoptr(GError) error = NULL;
    g_autoptr(DtConfig) c = dt_config_load(p, &error);

    g_assert_no_error(error);
    g_assert_true(c->policy.require_migratable);
    g_assert_cmpint(c->policy.perpetual, ==, DT_PERPETUAL_NEVER);
    g_assert_cmpint(c->policy.prefer, ==, DT_PREFER_IOMMU);
    g_assert_cmpuint(c->policy.max_downtime_ms, ==, 300);
    g_assert_cmpuint(c->hook_deadline_ms, ==, 750);
    g_assert_false(c->hook_fail_open);
    g_assert_cmpstr(c->qemu_binary, ==, "/usr/bin/qemu-system-x86_64");
    g_unlink(p);
}

static void
test_config_errors(void)
{
    static const char *const bad[] = {
        "[policy]\nperpetual = sometimes\n",
        "[policy]\npepretual = never\n",
        "[polciy]\nperpetual = never\n",
        "[hook]\ndeadline-ms = -5\n",
        "[hook]\ndeadline-ms = 99999999999\n",
        "[hook]\non-timeout = maybe\n",
        "[policy]\nrequire-migratable = perhaps\n",
        "this is not a key file\n",
        /* out of range is an error, never a silent default (0 used to mean 2000) */
        "[hook]\ndeadline-ms = 0\n",
        "[hook]\ndeadline-ms = 1\n",
        "[hook]\ndeadline-ms = 99\n",
        "[hook]\ndeadline-ms = 30001\n",
        "[policy]\nbandwidth-mib-s = 0\n",
        NULL,
    };

    for (guint i = 0; bad[i]; i++) {
        g_autofree char *p = write_tmp(bad[i]);
        g_autoptr(GError) error = NULL;
        g_autoptr(DtConfig) c = dt_config_load(p, &error);

        if (c)
            g_error("accepted bad config: %s", bad[i]);
        g_assert_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT);
        g_assert_nonnull(strstr(error->message, p));
        g_unlink(p);
    }
    {
        g_autoptr(GError) error = NULL;
        g_autoptr(DtConfig) c = dt_config_load("/nonexistent/explicit.conf", &error);
        g_assert_null(c);
        g_assert_error(error, DT_ERROR, DT_ERROR_NOT_FOUND);
    }
}

/* The hook prints this one line when it refuses: file, line and key. */
static void
test_config_error_names_line_and_key(void)
{
    static const struct {
        const char *text;
        const char *want;    /* after "FILE:" */
    } cases[] = {
        { "# strict\n[policy]\nrequire-migratable = true\n\n[hook]\ngate-start = true\n"
          "on-timeout = deny\ndeadlin-ms = 500\n",
          "8: [hook] deadlin-ms: unknown key" },
        { "[hook]\n  deadline-ms   =   1\n",
          "2: [hook] deadline-ms: invalid value '1' (expected an integer from 100 to 30000)" },
        { "[policy]\nperpetual = never\n[hook]\non-timeout = maybe\n",
          "4: [hook] on-timeout: invalid value 'maybe' (expected one of allow,deny)" },
        { "[hook]\nuse-daemon = true\n[hooks]\nuse-daemon = true\n",
          "3: [hooks]: unknown section" },
        { "[hook]\nuse-daemon = true\nthis line has no equals sign\n",
          "3: syntax error: " },
        /* GKeyFile keeps the last of two: so does the line named */
        { "[hook]\ndeadline-ms = 500\ndeadline-ms = 0\n",
          "3: [hook] deadline-ms: invalid value '0'" },
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *p = write_tmp(cases[i].text);
        g_autofree char *want = g_strdup_printf("%s:%s", p, cases[i].want);
        g_autoptr(GError) error = NULL;
        g_autoptr(DtConfig) c = dt_config_load(p, &error);

        g_assert_null(c);
        g_assert_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT);
        if (!g_str_has_prefix(error->message, want))
            g_error("case %u: got \"%s\", want a prefix \"%s\"", i, error->message, want);
        g_assert_null(strchr(error->message, '\n'));
        g_unlink(p);
    }
}

static void
test_sample_config(void)
{
    /* The shipped sample documents every key and loads as-is. */
    g_autofree char *p = g_test_build_filename(G_TEST_DIST, "..", "data", "dirtytrack.conf", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(DtConfig) c = dt_config_load(p, &error);
    g_autofree char *text = NULL;
    static const char *const keys[] = {
        "require-migratable", "perpetual", "prefer", "max-downtime-ms", "bandwidth-mib-s",
        "dirty-rate-mib-s", "deadline-ms", "on-timeout", "use-daemon", "gate-start", "preflight", "binary",
        "trusted", "cache-dir", NULL,
    };

    g_assert_no_error(error);
    g_assert_nonnull(c);
    g_assert_true(g_file_get_contents(p, &text, NULL, NULL));
    for (guint i = 0; keys[i]; i++)
        if (!strstr(text, keys[i]))
            g_error("sample config does not document '%s'", keys[i]);
}

static GKeyFile *
load_conf_schema(void)
{
    g_autofree char *p = g_test_build_filename(G_TEST_DIST, "..", "schemas",
                                               "dirtytrack-conf.schema", NULL);
    g_autoptr(GError) error = NULL;
    GKeyFile *kf = g_key_file_new();

    g_assert_true(g_key_file_load_from_file(kf, p, G_KEY_FILE_NONE, &error));
    g_assert_no_error(error);
    return kf;
}

static void
test_config_schema_matches_loader(void)
{
    g_autoptr(GKeyFile) schema = load_conf_schema();
    g_auto(GStrv) sections = g_key_file_get_groups(schema, NULL);

    g_assert_cmpuint(g_strv_length(sections), ==, dt_config_n_keys());
    for (guint i = 0; i < dt_config_n_keys(); i++) {
        const char *group, *key, *type;
        g_autofree char *values = NULL;
        guint64 min, max;
        g_autofree char *sec = NULL;
        g_autofree char *stype = NULL;

        dt_config_key_info(i, &group, &key, &type, &values, &min, &max);
        sec = g_strdup_printf("%s.%s", group, key);
        if (!g_key_file_has_group(schema, sec))
            g_error("schema lacks [%s]", sec);
        stype = g_key_file_get_string(schema, sec, "type", NULL);
        g_assert_cmpstr(stype, ==, type);
        if (values) {
            g_autofree char *sv = g_key_file_get_string(schema, sec, "values", NULL);
            g_assert_cmpstr(sv, ==, values);
        }
        if (g_str_equal(type, "uint")) {
            g_assert_cmpuint((guint64)g_key_file_get_uint64(schema, sec, "max", NULL), ==, max);
            g_assert_cmpuint((guint64)g_key_file_get_uint64(schema, sec, "min", NULL), ==, min);
        }
    }
}

/* Every key of the sample file and every schema default must be accepted
 * by the loader, and the loader's defaults must be the schema's. */
static void
test_config_schema_defaults(void)
{
    g_autoptr(GKeyFile) schema = load_conf_schema();
    g_auto(GStrv) sections = g_key_file_get_groups(schema, NULL);
    g_autoptr(DtConfig) defaults = dt_config_new_defaults();
    GString *conf = g_string_new(NULL);
    g_autofree char *path = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(DtConfig) c = NULL;
    const char *last_group = "";

    for (guint i = 0; sections[i]; i++) {
        g_auto(GStrv) gk = g_strsplit(sections[i], ".", 2);
        g_autofree char *def = g_key_file_get_value(schema, sections[i], "default", NULL);

        if (!g_str_equal(gk[0], last_group)) {
            g_string_append_printf(conf, "[%s]\n", gk[0]);
            last_group = g_intern_string(gk[0]);
        }
        g_string_append_printf(conf, "%s = %s\n", gk[1], def ? def : "");
    }
    path = write_tmp(conf->str);
    g_string_free(conf, TRUE);
    c = dt_config_load(path, &error);
    g_assert_no_error(error);
    g_assert_true(c->policy.require_migratable == defaults->policy.require_migratable);
    g_assert_cmpint(c->policy.perpetual, ==, defaults->policy.perpetual);
    g_assert_cmpint(c->policy.prefer, ==, defaults->policy.prefer);
    g_assert_cmpuint(c->policy.max_downtime_ms, ==, defaults->policy.max_downtime_ms);
    g_assert_cmpuint(c->policy.bandwidth_mib_s, ==, defaults->policy.bandwidth_mib_s);
    g_assert_cmpuint(c->policy.dirty_rate_mib_s, ==, defaults->policy.dirty_rate_mib_s);
    g_assert_cmpuint(c->hook_deadline_ms, ==, defaults->hook_deadline_ms);
    g_assert_true(c->hook_fail_open == defaults->hook_fail_open);
    g_assert_true(c->hook_use_daemon == defaults->hook_use_daemon);
    g_assert_true(c->gate_start == defaults->gate_start);
    g_assert_true(c->hook_preflight == defaults->hook_preflight);
    g_assert_null(c->qemu_binary);
    g_unlink(path);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/util/pci-addr/valid", test_pci_addr_valid);
    g_test_add_func("/util/pci-addr/hostile-refused", test_pci_addr_hostile);
    g_test_add_func("/util/pci-modalias/ids", test_pci_modalias_ids);
    g_test_add_func("/util/version/parse-and-compare", test_version);
    g_test_add_func("/util/u64/strict", test_parse_u64);
    g_test_add_func("/util/memory/units-to-kib", test_memory_units);
    g_test_add_func("/paths/sysroot-prefix", test_paths);
    g_test_add_func("/paths/env-DIRTYTRACK_SYSROOT", test_paths_env);
    g_test_add_func("/xml/hostile/refused-with-one-line", test_xml_hostile);
    g_test_add_func("/xml/ok", test_xml_ok);
    g_test_add_func("/config/missing-default-file-gives-defaults", test_config_defaults);
    g_test_add_func("/config/values", test_config_values);
    g_test_add_func("/config/bad-values-name-the-file", test_config_errors);
    g_test_add_func("/config/error-names-file-line-and-key", test_config_error_names_line_and_key);
    g_test_add_func("/config/sample-documents-every-key", test_sample_config);
    g_test_add_func("/config/schema-matches-loader-table", test_config_schema_matches_loader);
    g_test_add_func("/config/schema-defaults-are-the-loader-defaults", test_config_schema_defaults);
    return g_test_run();
}
