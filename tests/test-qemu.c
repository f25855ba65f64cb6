/* test-qemu.c: reading what a QEMU binary can do for VFIO migration.
 *
 * Three layers, each against real material where it exists:
 * - the parsers, on output captured from Debian 12's QEMU 7.2.22 and the
 *   excerpt in qemu-libvirt.md §2 (tests/data/qemu/), plus newer-band help
 *   texts constructed from the property table in §1.4 (marked as such);
 * - the version bands and what each implies (§1.3/§1.4);
 * - the probe itself: stand-in "binaries" (small shell scripts replaying
 *   the captures, hanging, or failing) to prove caching, cache
 *   invalidation and the hard timeout, and the real $QEMU_SYSTEM_X86_64
 *   when the build found one.
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include "probe/dt-qemu.h"
#include "model/dt-versions.h"
#include "model/dt-util.h"

static DtVersion
ver(const char *s)
{
    DtVersion v;
    g_assert_true(dt_version_parse(s, &v));
    return v;
}

static char *
data_file(const char *name)
{
    g_autofree char *path = g_test_build_filename(G_TEST_DIST, "data", "qemu", name, NULL);
    char *text = NULL;
    g_autoptr(GError) error = NULL;

    g_file_get_contents(path, &text, NULL, &error);
    g_assert_no_error(error);
    return text;
}

/* ---- help parsing ----------------------------------------------------------- */

static void
test_help_debian12(void)
{
    g_autofree char *text = data_file("qemu-7.2.22-debian12-vfio-pci-help.txt");
    g_autoptr(DtQemuCaps) caps = dt_qemu_caps_new();

    g_assert_true(dt_qemu_caps_parse_help(caps, text));
    g_assert_true(caps->props_known);
    g_assert_true(caps->has_x_enable_migration);
    g_assert_false(caps->has_enable_migration);
    g_assert_true(caps->has_x_pre_copy_dirty_page_tracking);
    g_assert_false(caps->has_x_device_dirty_page_tracking);
    g_assert_false(caps->has_iommufd);
    g_assert_false(caps->has_migration_events);
    g_assert_false(caps->has_multifd_transfer);
}

static void
test_help_reference_excerpt(void)
{
    g_autofree char *text = data_file("qemu-7.2-reference-excerpt-vfio-pci-help.txt");
    g_autoptr(DtQemuCaps) caps = dt_qemu_caps_new();

    g_assert_true(dt_qemu_caps_parse_help(caps, text));
    g_assert_true(caps->has_x_enable_migration);
    g_assert_false(caps->has_enable_migration);
    g_assert_true(caps->has_x_pre_copy_dirty_page_tracking);
}

typedef struct {
    const char *file;
    gboolean x_enable, enable, iommufd, x_device, events, multifd;
} HelpCase;

static const HelpCase help_cases[] = {
    { "qemu-8.1-constructed-vfio-pci-help.txt", FALSE, TRUE, FALSE, FALSE, FALSE, FALSE },
    { "qemu-9.1-constructed-vfio-pci-help.txt", FALSE, TRUE, TRUE, TRUE, TRUE, FALSE },
    { "qemu-10.0-constructed-vfio-pci-help.txt", FALSE, TRUE, TRUE, TRUE, TRUE, TRUE },
};

static void
test_help_constructed(gconstpointer data)
{
    const HelpCase *c = data;
    g_autofree char *text = data_file(c->file);
    g_autoptr(DtQemuCaps) caps = dt_qemu_caps_new();

    g_assert_true(dt_qemu_caps_parse_help(caps, text));
    g_assert_cmpint(caps->has_x_enable_migration, ==, c->x_enable);
    g_assert_cmpint(caps->has_enable_migration, ==, c->enable);
    g_assert_cmpint(caps->has_iommufd, ==, c->iommufd);
    g_assert_cmpint(caps->has_x_device_dirty_page_tracking, ==, c->x_device);
    g_assert_cmpint(caps->has_migration_events, ==, c->events);
    g_assert_cmpint(caps->has_multifd_transfer, ==, c->multifd);
}

static void
test_help_rejects_other_text(void)
{
    g_autofree char *version = data_file("qemu-7.2.22-debian12-version.txt");
    g_autoptr(DtQemuCaps) caps = dt_qemu_caps_new();

    /* a property named in prose, or without its "  NAME=<TYPE>" shape, is not one */
    g_assert_false(dt_qemu_caps_parse_help(caps, version));
    g_assert_false(dt_qemu_caps_parse_help(caps, ""));
    g_assert_false(dt_qemu_caps_parse_help(caps, "enable-migration=<OnOffAuto>\n"
                                                 "  enable-migration is not supported\n"
                                                 "   x-enable-migration=<bool>\n"));
    g_assert_false(caps->props_known);
    g_assert_false(caps->has_enable_migration);
    g_assert_false(caps->has_x_enable_migration);
}

/* ---- version bands ------------------------------------------------------------ */

typedef struct {
    const char *version;
    const char *band;
} BandCase;

static const BandCase band_cases[] = {
    { "6.2.0", "7.2" }, { "7.1.0", "7.2" }, { "7.2.22", "7.2" },
    { "8.0.0", "8.0" }, { "8.0.5", "8.0" }, { "8.1.0", "8.1" }, { "8.2.2", "8.2" },
    { "9.0.0", "9.0" }, { "9.1.0", "9.1" }, { "9.2.4", "9.1" },
    { "10.0.0", "10.0" }, { "10.1.0", "10.1" }, { "10.2.1", "10.2" }, { "11.0.0", "11.0+" },
    { "11.2.0", "11.0+" },
};

static void
test_band(gconstpointer data)
{
    const BandCase *c = data;
    DtVersion v = ver(c->version);

    g_assert_cmpstr(dt_versions_qemu_band_name(&v), ==, c->band);
}

static void
test_band_unknown(void)
{
    DtVersion v = { 0 };

    g_assert_cmpstr(dt_versions_qemu_band_name(&v), ==, "unknown");
    g_assert_cmpstr(dt_versions_qemu_band_name(NULL), ==, "unknown");
}

typedef struct {
    const char *version;
    gboolean x_enable, enable, iommufd, x_device, events, multifd, ack;
} FromVersionCase;

static const FromVersionCase from_cases[] = {
    { "7.2.22", TRUE, FALSE, FALSE, FALSE, FALSE, FALSE, FALSE },
    { "8.0.0", TRUE, FALSE, FALSE, FALSE, FALSE, FALSE, FALSE },
    { "8.1.0", FALSE, TRUE, FALSE, FALSE, FALSE, FALSE, TRUE },
    { "8.2.2", FALSE, TRUE, FALSE, FALSE, FALSE, FALSE, TRUE },
    { "9.0.0", FALSE, TRUE, TRUE, FALSE, FALSE, FALSE, TRUE },
    { "9.1.0", FALSE, TRUE, TRUE, TRUE, TRUE, FALSE, TRUE },
    { "10.0.0", FALSE, TRUE, TRUE, TRUE, TRUE, TRUE, TRUE },
    { "10.1.0", FALSE, TRUE, TRUE, TRUE, TRUE, TRUE, TRUE },
};

static void
test_from_version(gconstpointer data)
{
    const FromVersionCase *c = data;
    DtVersion v = ver(c->version);
    g_autoptr(DtQemuCaps) caps = dt_qemu_caps_from_version(&v);

    g_assert_cmpint(caps->source, ==, DT_SOURCE_CONFIG);
    g_assert_false(caps->props_known);
    g_assert_true(dt_version_cmp(&caps->version, &v) == 0);
    g_assert_cmpint(caps->has_x_enable_migration, ==, c->x_enable);
    g_assert_cmpint(caps->has_enable_migration, ==, c->enable);
    g_assert_cmpint(caps->has_iommufd, ==, c->iommufd);
    g_assert_cmpint(caps->has_x_device_dirty_page_tracking, ==, c->x_device);
    g_assert_cmpint(caps->has_migration_events, ==, c->events);
    g_assert_cmpint(caps->has_multifd_transfer, ==, c->multifd);
    g_assert_cmpint(caps->has_switchover_ack, ==, c->ack);
    g_assert_true(caps->has_x_pre_copy_dirty_page_tracking);
}

/* The constructed help texts and the version bands must tell the same story. */
static void
test_from_version_agrees_with_help(void)
{
    static const struct {
        const char *version, *file;
    } pairs[] = {
        { "7.2.22", "qemu-7.2.22-debian12-vfio-pci-help.txt" },
        { "8.1.0", "qemu-8.1-constructed-vfio-pci-help.txt" },
        { "9.1.0", "qemu-9.1-constructed-vfio-pci-help.txt" },
        { "10.0.0", "qemu-10.0-constructed-vfio-pci-help.txt" },
    };

    for (guint i = 0; i < G_N_ELEMENTS(pairs); i++) {
        DtVersion v = ver(pairs[i].version);
        g_autoptr(DtQemuCaps) inferred = dt_qemu_caps_from_version(&v);
        g_autoptr(DtQemuCaps) parsed = dt_qemu_caps_new();
        g_autofree char *text = data_file(pairs[i].file);

        g_assert_true(dt_qemu_caps_parse_help(parsed, text));
        g_assert_cmpint(parsed->has_x_enable_migration, ==, inferred->has_x_enable_migration);
        g_assert_cmpint(parsed->has_enable_migration, ==, inferred->has_enable_migration);
        g_assert_cmpint(parsed->has_iommufd, ==, inferred->has_iommufd);
        g_assert_cmpint(parsed->has_x_device_dirty_page_tracking, ==,
                        inferred->has_x_device_dirty_page_tracking);
        g_assert_cmpint(parsed->has_migration_events, ==, inferred->has_migration_events);
        g_assert_cmpint(parsed->has_multifd_transfer, ==, inferred->has_multifd_transfer);
    }
}

static void
test_from_version_unknown(void)
{
    DtVersion v = { 0 };
    g_autoptr(DtQemuCaps) caps = dt_qemu_caps_from_version(&v);

    g_assert_false(caps->version.known);
    g_assert_false(caps->has_enable_migration);
    g_assert_false(caps->has_x_enable_migration);
    g_assert_false(caps->has_switchover_ack);
}

static void
test_default_binary(void)
{
    g_autofree char *expect = g_find_program_in_path("qemu-system-x86_64");
    g_autofree char *got = dt_qemu_default_binary("x86_64");

    g_assert_cmpstr(got, ==, expect);
    g_assert_null(dt_qemu_default_binary("no_such_arch"));
    g_assert_null(dt_qemu_default_binary("../x86_64"));
    g_assert_null(dt_qemu_default_binary(NULL));
}

/* ---- probing stand-in binaries ---------------------------------------------- */

typedef struct {
    char *dir;        /* temporary directory for scripts and the cache */
    char *cache;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    f->dir = g_dir_make_tmp("dt-test-qemu-XXXXXX", &error);
    g_assert_no_error(error);
    f->cache = g_build_filename(f->dir, "cache", NULL);
}

static void
rm_rf(const char *path)
{
    GDir *d = g_dir_open(path, 0, NULL);
    const char *n;

    if (d) {
        while ((n = g_dir_read_name(d))) {
            g_autofree char *child = g_build_filename(path, n, NULL);
            rm_rf(child);
        }
        g_dir_close(d);
        g_rmdir(path);
    } else {
        g_unlink(path);
    }
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    rm_rf(f->dir);
    g_free(f->dir);
    g_free(f->cache);
}

static char *
write_script(const Fixture *f, const char *name, const char *body)
{
    g_autofree char *path = g_build_filename(f->dir, name, NULL);
    g_autofree char *text = g_strdup_printf("#!/bin/sh\n%s", body);
    g_autoptr(GError) error = NULL;

    g_file_set_contents(path, text, -1, &error);
    g_assert_no_error(error);
    g_assert_cmpint(g_chmod(path, 0755), ==, 0);
    return g_steal_pointer(&path);
}

/* A stand-in QEMU that replays files: -version, vfio-pci,help, and QMP
 * (reading its commands first, as QEMU does). */
static char *
write_replay_qemu(const Fixture *f, const char *name, const char *version_file,
                  const char *help_file, const char *qmp_file)
{
    g_autofree char *body = g_strdup_printf(
        "for a in \"$@\"; do\n"
        "  case \"$a\" in\n"
        "    -version) cat '%s'; exit 0;;\n"
        "    vfio-pci,help) cat '%s'; exit 0;;\n"
        "    stdio) cat >/dev/null; cat '%s'; exit 0;;\n"
        "  esac\n"
        "done\n"
        "echo 'unexpected arguments' >&2\n"
        "exit 1\n",
        version_file, help_file, qmp_file);
    return write_script(f, name, body);
}

static char *
dist_path(const char *name)
{
    return g_test_build_filename(G_TEST_DIST, "data", "qemu", name, NULL);
}

static char *
only_cache_file(const Fixture *f)
{
    g_autoptr(GDir) d = g_dir_open(f->cache, 0, NULL);
    const char *n;
    char *found = NULL;

    g_assert_nonnull(d);
    while ((n = g_dir_read_name(d))) {
        if (!g_str_has_suffix(n, ".caps"))
            continue;
        g_assert_null(found);   /* one cache file per binary */
        found = g_build_filename(f->cache, n, NULL);
    }
    g_assert_nonnull(found);
    return found;
}

static guint
count_cache_files(const Fixture *f)
{
    g_autoptr(GDir) d = g_dir_open(f->cache, 0, NULL);
    guint n = 0;

    while (d && g_dir_read_name(d))
        n++;
    return n;
}

/* Rewrite the version in a cache file (keeping it valid): a probe that then
 * reports this version has provably answered from the cache. */
static void
tamper_cache_version(const char *file, const char *version)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) error = NULL;
    g_autofree char *line = g_strdup_printf("QEMU emulator version %s", version);

    g_key_file_load_from_file(kf, file, G_KEY_FILE_KEEP_COMMENTS, &error);
    g_assert_no_error(error);
    g_key_file_set_string(kf, "caps", "version", line);
    g_key_file_save_to_file(kf, file, &error);
    g_assert_no_error(error);
}

static void
test_probe_replay_debian12(Fixture *f, gconstpointer data)
{
    g_autofree char *v = dist_path("qemu-7.2.22-debian12-version.txt");
    g_autofree char *h = dist_path("qemu-7.2.22-debian12-vfio-pci-help.txt");
    g_autofree char *q = dist_path("qemu-7.2.22-debian12-qmp-migrate-capabilities.txt");
    g_autofree char *bin = write_replay_qemu(f, "qemu-replay", v, h, q);
    g_autoptr(GError) error = NULL;
    g_autoptr(DtQemuCaps) caps = dt_qemu_caps_probe(bin, NULL, 10000, &error);

    g_assert_no_error(error);
    g_assert_cmpint(caps->source, ==, DT_SOURCE_BINARY);
    g_assert_cmpstr(caps->binary, ==, bin);
    g_assert_cmpuint(caps->version.major, ==, 7);
    g_assert_cmpuint(caps->version.minor, ==, 2);
    g_assert_cmpuint(caps->version.micro, ==, 22);
    g_assert_true(caps->props_known);
    g_assert_true(caps->has_x_enable_migration);
    g_assert_false(caps->has_enable_migration);
    /* the captured QMP reply lists 21 capabilities, none of them switchover-ack */
    g_assert_false(caps->has_switchover_ack);
}

static void
test_probe_replay_switchover_ack(Fixture *f, gconstpointer data)
{
    g_autofree char *h = dist_path("qemu-9.1-constructed-vfio-pci-help.txt");
    g_autofree char *v = g_build_filename(f->dir, "version.txt", NULL);
    g_autofree char *q = g_build_filename(f->dir, "qmp.txt", NULL);
    g_autofree char *bin = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(DtQemuCaps) caps = NULL;

    /* constructed: QMP's reply shape as captured, with the 8.1+ capability */
    g_assert_true(g_file_set_contents(v, "QEMU emulator version 9.1.2 (constructed)\n", -1, NULL));
    g_assert_true(g_file_set_contents(q,
        "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 2, \"minor\": 1, \"major\": 9}}, \"capabilities\": []}}\n"
        "{\"return\": {}}\n"
        "{\"return\": [{\"state\": false, \"capability\": \"xbzrle\"}, "
        "{\"state\": false, \"capability\": \"switchover-ack\"}]}\n"
        "{\"return\": {}}\n", -1, NULL));
    bin = write_replay_qemu(f, "qemu-91", v, h, q);
    caps = dt_qemu_caps_probe(bin, NULL, 10000, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(dt_versions_qemu_band_name(&caps->version), ==, "9.1");
    g_assert_true(caps->has_switchover_ack);
    g_assert_true(caps->has_enable_migration);
    g_assert_true(caps->has_x_device_dirty_page_tracking);
    g_assert_false(caps->has_x_enable_migration);
}

static void
test_probe_cache(Fixture *f, gconstpointer data)
{
    g_autofree char *v = dist_path("qemu-7.2.22-debian12-version.txt");
    g_autofree char *h = dist_path("qemu-7.2.22-debian12-vfio-pci-help.txt");
    g_autofree char *q = dist_path("qemu-7.2.22-debian12-qmp-migrate-capabilities.txt");
    g_autofree char *bin = write_replay_qemu(f, "qemu-cached", v, h, q);
    g_autofree char *file = NULL;
    g_autoptr(GError) error = NULL;
    DtQemuCaps *caps;

    caps = dt_qemu_caps_probe(bin, f->cache, 10000, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(caps->version.micro, ==, 22);
    dt_qemu_caps_free(caps);
    file = only_cache_file(f);

    /* second probe: answered from the cache */
    tamper_cache_version(file, "7.2.99");
    caps = dt_qemu_caps_probe(bin, f->cache, 10000, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(caps->version.micro, ==, 99);
    g_assert_true(caps->has_x_enable_migration);
    g_assert_cmpint(caps->source, ==, DT_SOURCE_BINARY);
    dt_qemu_caps_free(caps);

    /* the binary changes (size and mtime): the cache no longer applies */
    {
        g_autofree char *text = NULL;
        g_autofree char *longer = NULL;

        g_assert_true(g_file_get_contents(bin, &text, NULL, NULL));
        longer = g_strconcat(text, "# upgraded\n", NULL);
        g_assert_true(g_file_set_contents(bin, longer, -1, NULL));
        g_assert_cmpint(g_chmod(bin, 0755), ==, 0);
    }
    caps = dt_qemu_caps_probe(bin, f->cache, 10000, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(caps->version.micro, ==, 22);
    dt_qemu_caps_free(caps);
}

static void
test_probe_corrupt_cache(Fixture *f, gconstpointer data)
{
    g_autofree char *v = dist_path("qemu-7.2.22-debian12-version.txt");
    g_autofree char *h = dist_path("qemu-7.2.22-debian12-vfio-pci-help.txt");
    g_autofree char *q = dist_path("qemu-7.2.22-debian12-qmp-migrate-capabilities.txt");
    g_autofree char *bin = write_replay_qemu(f, "qemu-corrupt", v, h, q);
    g_autofree char *file = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GKeyFile) kf = g_key_file_new();
    static const char *const garbage[] = {
        "\x01\x02 not a key file [[[",
        "[binary]\nformat=1\n",                       /* valid key file, missing keys */
        "[binary]\nformat=1\npath=/elsewhere\n",
    };

    dt_qemu_caps_free(dt_qemu_caps_probe(bin, f->cache, 10000, &error));
    g_assert_no_error(error);
    file = only_cache_file(f);
    for (guint i = 0; i < G_N_ELEMENTS(garbage); i++) {
        g_autoptr(DtQemuCaps) caps = NULL;

        g_assert_true(g_file_set_contents(file, garbage[i], -1, NULL));
        caps = dt_qemu_caps_probe(bin, f->cache, 10000, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(caps->version.micro, ==, 22);
        g_assert_true(caps->has_x_enable_migration);
    }
    /* ... and rewritten whole */
    g_key_file_load_from_file(kf, file, G_KEY_FILE_NONE, &error);
    g_assert_no_error(error);
    g_assert_true(g_key_file_has_key(kf, "caps", "switchover-ack", NULL));
}

static void
test_probe_hung_binary(Fixture *f, gconstpointer data)
{
    /* not exec: the shell's own child must die with it (process group) */
    g_autofree char *bin = write_script(f, "qemu-hangs", "sleep 600\n");
    g_autoptr(GError) error = NULL;
    gint64 start = g_get_monotonic_time();
    DtQemuCaps *caps = dt_qemu_caps_probe(bin, f->cache, 300, &error);
    gint64 took_ms = (g_get_monotonic_time() - start) / 1000;

    g_assert_null(caps);
    g_assert_error(error, DT_ERROR, DT_ERROR_TIMEOUT);
    g_test_message("%s (after %" G_GINT64_FORMAT " ms)", error->message, took_ms);
    g_assert_nonnull(strstr(error->message, "qemu-hangs"));
    g_assert_nonnull(strstr(error->message, "in time"));
    g_assert_cmpint(took_ms, >=, 250);
    g_assert_cmpint(took_ms, <, 5000);
    /* nothing is cached for a binary that never answered */
    g_assert_cmpuint(count_cache_files(f), ==, 0);
}

static void
test_probe_hung_qmp(Fixture *f, gconstpointer data)
{
    g_autofree char *v = dist_path("qemu-7.2.22-debian12-version.txt");
    g_autofree char *h = dist_path("qemu-7.2.22-debian12-vfio-pci-help.txt");
    g_autofree char *body = g_strdup_printf(
        "for a in \"$@\"; do\n"
        "  case \"$a\" in\n"
        "    -version) cat '%s'; exit 0;;\n"
        "    vfio-pci,help) cat '%s'; exit 0;;\n"
        "    stdio) echo '{\"QMP\": {}}'; exec sleep 600;;\n"
        "  esac\n"
        "done\n", v, h);
    g_autofree char *bin = write_script(f, "qemu-qmp-hangs", body);
    g_autoptr(GError) error = NULL;
    gint64 start = g_get_monotonic_time();
    /* long enough for -version and help to answer on a loaded machine or
     * under valgrind, so that the deadline passes in the QMP exchange */
    DtQemuCaps *caps = dt_qemu_caps_probe(bin, f->cache, 3000, &error);

    g_assert_null(caps);
    g_assert_error(error, DT_ERROR, DT_ERROR_TIMEOUT);
    g_assert_nonnull(strstr(error->message, "QMP"));
    g_assert_cmpint((g_get_monotonic_time() - start) / 1000, <, 8000);
}

static void
test_probe_failing_binary(Fixture *f, gconstpointer data)
{
    g_autofree char *bad = write_script(f, "qemu-fails", "echo 'cannot start' >&2\nexit 3\n");
    g_autofree char *notqemu = write_script(f, "not-qemu", "echo 'hello'\n");
    g_autofree char *missing = g_build_filename(f->dir, "no-such-qemu", NULL);
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;
    g_autoptr(GError) e3 = NULL;

    g_assert_null(dt_qemu_caps_probe(bad, NULL, 5000, &e1));
    g_assert_error(e1, DT_ERROR, DT_ERROR_FAILED);
    g_assert_nonnull(strstr(e1->message, "cannot start"));
    g_assert_null(dt_qemu_caps_probe(notqemu, NULL, 5000, &e2));
    g_assert_error(e2, DT_ERROR, DT_ERROR_FAILED);
    g_assert_nonnull(strstr(e2->message, "QEMU emulator version"));
    g_assert_null(dt_qemu_caps_probe(missing, NULL, 5000, &e3));
    g_assert_error(e3, DT_ERROR, DT_ERROR_NOT_FOUND);
}

/* ---- the real binary ----------------------------------------------------------- */

static const char *
real_qemu(void)
{
    const char *q = g_getenv("QEMU_SYSTEM_X86_64");

    if (!q || !*q || !g_file_test(q, G_FILE_TEST_IS_EXECUTABLE)) {
        g_test_skip("QEMU_SYSTEM_X86_64 not set or not executable: no real QEMU to probe");
        return NULL;
    }
    return q;
}

static void
test_real_probe(Fixture *f, gconstpointer data)
{
    const char *q = real_qemu();
    g_autoptr(GError) error = NULL;
    g_autoptr(DtQemuCaps) caps = NULL;

    if (!q)
        return;
    caps = dt_qemu_caps_probe(q, NULL, 20000, &error);
    g_assert_no_error(error);
    g_assert_cmpint(caps->source, ==, DT_SOURCE_BINARY);
    g_assert_true(caps->props_known);
    g_test_message("probed %s: QEMU %u.%u.%u, band %s", q, caps->version.major,
                   caps->version.minor, caps->version.micro, dt_versions_qemu_band_name(&caps->version));
    if (caps->version.major == 7 && caps->version.minor == 2) {
        /* Debian 12, the reference platform */
        g_assert_true(caps->has_x_enable_migration);
        g_assert_false(caps->has_enable_migration);
        g_assert_false(caps->has_switchover_ack);
        g_assert_false(caps->has_iommufd);
    } else {
        /* another QEMU: what it says must match its version band */
        g_autoptr(DtQemuCaps) inferred = dt_qemu_caps_from_version(&caps->version);
        g_assert_cmpint(caps->has_x_enable_migration, ==, inferred->has_x_enable_migration);
        g_assert_cmpint(caps->has_enable_migration, ==, inferred->has_enable_migration);
        g_assert_cmpint(caps->has_switchover_ack, ==, inferred->has_switchover_ack);
    }
}

static void
test_real_probe_cache(Fixture *f, gconstpointer data)
{
    const char *q = real_qemu();
    g_autoptr(GError) error = NULL;
    g_autofree char *file = NULL;
    DtQemuCaps *first, *again;

    if (!q)
        return;
    first = dt_qemu_caps_probe(q, f->cache, 20000, &error);
    g_assert_no_error(error);
    file = only_cache_file(f);
    g_assert_true(g_file_test(file, G_FILE_TEST_IS_REGULAR));

    /* second probe hits the cache: same answer, and it is the cache talking */
    again = dt_qemu_caps_probe(q, f->cache, 20000, &error);
    g_assert_no_error(error);
    g_assert_true(dt_version_cmp(&first->version, &again->version) == 0);
    g_assert_cmpint(first->has_x_enable_migration, ==, again->has_x_enable_migration);
    g_assert_cmpint(first->has_switchover_ack, ==, again->has_switchover_ack);
    dt_qemu_caps_free(again);
    tamper_cache_version(file, "1.2.3");
    again = dt_qemu_caps_probe(q, f->cache, 20000, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(again->version.major, ==, 1);
    dt_qemu_caps_free(again);

    /* a corrupted cache file is ignored: the binary is asked again */
    g_assert_true(g_file_set_contents(file, "[binary]\nformat=banana\n", -1, NULL));
    again = dt_qemu_caps_probe(q, f->cache, 20000, &error);
    g_assert_no_error(error);
    g_assert_true(dt_version_cmp(&first->version, &again->version) == 0);
    dt_qemu_caps_free(again);
    dt_qemu_caps_free(first);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/qemu/help/7.2.22-debian12-capture -> x-enable-migration only",
                    test_help_debian12);
    g_test_add_func("/qemu/help/7.2-reference-excerpt -> x-enable-migration only",
                    test_help_reference_excerpt);
    for (guint i = 0; i < G_N_ELEMENTS(help_cases); i++) {
        g_autofree char *n = g_strdup_printf("/qemu/help/constructed/%s", help_cases[i].file);
        g_test_add_data_func(n, &help_cases[i], test_help_constructed);
    }
    g_test_add_func("/qemu/help/other-text -> not a property list", test_help_rejects_other_text);

    for (guint i = 0; i < G_N_ELEMENTS(band_cases); i++) {
        g_autofree char *n = g_strdup_printf("/qemu/band/%s -> %s", band_cases[i].version,
                                             band_cases[i].band);
        g_test_add_data_func(n, &band_cases[i], test_band);
    }
    g_test_add_func("/qemu/band/unknown", test_band_unknown);
    for (guint i = 0; i < G_N_ELEMENTS(from_cases); i++) {
        g_autofree char *n = g_strdup_printf("/qemu/from-version/%s", from_cases[i].version);
        g_test_add_data_func(n, &from_cases[i], test_from_version);
    }
    g_test_add_func("/qemu/from-version/agrees-with-help-texts", test_from_version_agrees_with_help);
    g_test_add_func("/qemu/from-version/unknown -> nothing", test_from_version_unknown);
    g_test_add_func("/qemu/default-binary/x86_64-from-path", test_default_binary);

#define ADD_PROBE(name, fn) \
    g_test_add(name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD_PROBE("/qemu/probe/replayed-debian12 -> 7.2.22, no switchover-ack", test_probe_replay_debian12);
    ADD_PROBE("/qemu/probe/replayed-9.1 -> switchover-ack from QMP", test_probe_replay_switchover_ack);
    ADD_PROBE("/qemu/probe/cache-hit-then-invalidated-by-binary-change", test_probe_cache);
    ADD_PROBE("/qemu/probe/corrupt-cache -> ignored and rewritten", test_probe_corrupt_cache);
    ADD_PROBE("/qemu/probe/hung-binary -> timeout error", test_probe_hung_binary);
    ADD_PROBE("/qemu/probe/hung-qmp -> timeout error", test_probe_hung_qmp);
    ADD_PROBE("/qemu/probe/failing-or-missing-binary -> clear error", test_probe_failing_binary);
    ADD_PROBE("/qemu/real/probe-qemu-system-x86_64", test_real_probe);
    ADD_PROBE("/qemu/real/second-probe-hits-cache-corrupt-cache-ignored", test_real_probe_cache);

    return g_test_run();
}
