/* test-rewrite.c: dt_rewrite_domain_xml(), the hook's XML filter.
 *
 * Decisions are built by hand (the engine has its own tests), so each case
 * shows exactly what the rewrite does with a given VF policy and verdict.
 * Inputs and golden outputs live in tests/data/hook/rewrite/; run with
 * DIRTYTRACK_TEST_REGENERATE=1 to rewrite the golden files.  Outputs are
 * also checked with libvirt's virt-xml-validate when it is installed,
 * since libvirt parses whatever the hook prints.
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "model/dt-model.h"
#include "render/dt-rewrite.h"
#include "model/dt-util.h"

#define HOST "dest-host"
#define TIME1 "2026-11-21T06:00:00Z"
#define TIME2 "2026-11-21T07:30:00Z"

static char *
read_input(const char *name, gsize *len)
{
    g_autofree char *path = g_test_build_filename(G_TEST_DIST, "data", "hook", "rewrite", name,
                                                  NULL);
    g_autoptr(GError) error = NULL;
    char *buf = NULL;

    g_file_get_contents(path, &buf, len, &error);
    g_assert_no_error(error);
    return buf;
}

static void
check_golden(const char *name, const char *actual)
{
    g_autofree char *path = g_test_build_filename(G_TEST_DIST, "data", "hook", "rewrite", name,
                                                  NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *expected = NULL;

    if (g_getenv("DIRTYTRACK_TEST_REGENERATE")) {
        g_file_set_contents(path, actual, -1, &error);
        g_assert_no_error(error);
        return;
    }
    g_file_get_contents(path, &expected, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(actual, ==, expected);
}

/* libvirt's own schema check, when the tool is there. */
static void
check_valid(const char *xml)
{
    g_autofree char *tool = g_find_program_in_path("virt-xml-validate");
    g_autoptr(GError) error = NULL;
    g_autofree char *tmp = NULL;
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    const char *argv[4];
    int fd, status = -1;

    if (!tool)
        return;
    fd = g_file_open_tmp("dt-rewrite-XXXXXX.xml", &tmp, &error);
    g_assert_no_error(error);
    close(fd);
    g_file_set_contents(tmp, xml, -1, &error);
    g_assert_no_error(error);
    argv[0] = tool;
    argv[1] = tmp;
    argv[2] = "domain";
    argv[3] = NULL;
    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                 &error);
    g_assert_no_error(error);
    g_unlink(tmp);
    if (!g_spawn_check_wait_status(status, NULL))
        g_error("virt-xml-validate rejected the output: %s%s\n%s", out, err, xml);
}

static void
add_policy(DtDecision *d, const char *address, const char *alias, ...)
{
    DtVfPolicy *p = g_new0(DtVfPolicy, 1);
    va_list ap;
    const char *name;

    p->address = g_strdup(address);
    p->alias = g_strdup(alias);
    p->props = g_ptr_array_new_with_free_func((GDestroyNotify)dt_prop_free);
    va_start(ap, alias);
    while ((name = va_arg(ap, const char *)) != NULL) {
        const char *type = va_arg(ap, const char *);
        const char *value = va_arg(ap, const char *);

        g_ptr_array_add(p->props, dt_prop_new(name, type, value));
    }
    va_end(ap);
    g_ptr_array_add(d->vf_policy, p);
}

static void
add_finding(DtDecision *d, const char *address, guint16 vendor, guint16 device,
            const char *vfio_driver, DtTri migration, guint32 flags)
{
    DtDeviceFinding *f = g_new0(DtDeviceFinding, 1);

    f->address = g_strdup(address);
    f->present = TRUE;
    f->vendor = vendor;
    f->device = device;
    f->vfio_driver = g_strdup(vfio_driver);
    f->migration.value = migration;
    f->migration.source = DT_SOURCE_DATABASE;
    f->mig_flags = flags;
    g_ptr_array_add(d->devices, f);
}

/* The decision a Sapphire-Rapids-class destination gives mlx5 + QAT. */
static DtDecision *
decision_device_mode(void)
{
    DtDecision *d = dt_decision_new();

    d->role = DT_ROLE_DESTINATION;
    d->mode = DT_MODE_DEVICE;
    d->verdict = DT_VERDICT_ALLOW;
    d->fingerprint = g_strdup("9a3c5e7f00112233");
    add_finding(d, "0000:3b:00.1", 0x15b3, 0x101e, "mlx5_vfio_pci", DT_TRI_YES,
                DT_MIG_STOP_COPY | DT_MIG_P2P | DT_MIG_PRE_COPY);
    add_finding(d, "0000:6b:00.1", 0x8086, 0x4941, "qat_vfio_pci", DT_TRI_YES,
                DT_MIG_STOP_COPY | DT_MIG_PRE_COPY);
    add_policy(d, "0000:3b:00.1", NULL,
               "x-device-dirty-page-tracking", "string", "on",
               "enable-migration", "string", "on", NULL);
    add_policy(d, "0000:6b:00.1", NULL,
               "enable-migration", "string", "on", NULL);
    return d;
}

static char *
rewrite_ok(const char *xml, gsize len, const DtDecision *d, const char *stamp,
           gboolean *changed)
{
    g_autoptr(GError) error = NULL;
    char *out = dt_rewrite_domain_xml(xml, len, d, HOST, stamp, changed, &error);

    g_assert_no_error(error);
    g_assert_nonnull(out);
    return out;
}

static void
test_bare_gets_alias_namespace_override_metadata(void)
{
    gsize len;
    g_autofree char *in = read_input("in-bare.xml", &len);
    g_autoptr(DtDecision) d = decision_device_mode();
    gboolean changed = FALSE;
    g_autofree char *out = rewrite_ok(in, len, d, TIME1, &changed);

    g_assert_true(changed);
    /* the hostdev without alias got a user alias, and the override uses it */
    g_assert_nonnull(strstr(out, "<alias name=\"ua-dt-0000-3b-00-1\"/>"));
    g_assert_nonnull(strstr(out, "<qemu:device alias=\"ua-dt-0000-3b-00-1\">"));
    /* the existing user alias is reused, not replaced */
    g_assert_nonnull(strstr(out, "<qemu:device alias=\"ua-qat\">"));
    g_assert_nonnull(strstr(out, "xmlns:qemu=\"http://libvirt.org/schemas/domain/qemu/1.0\""));
    g_assert_nonnull(strstr(out, "time=\"" TIME1 "\""));
    check_golden("out-bare.xml", out);
    check_valid(out);
}

static void
test_existing_keeps_policy_and_user_properties(void)
{
    gsize len;
    g_autofree char *in = read_input("in-existing.xml", &len);
    g_autoptr(DtDecision) d = dt_decision_new();
    gboolean changed = FALSE;
    g_autofree char *out = NULL;

    d->mode = DT_MODE_DEVICE;
    d->verdict = DT_VERDICT_ALLOW;
    d->fingerprint = g_strdup("1234abcd");
    add_finding(d, "0000:3b:00.1", 0x15b3, 0x101e, "mlx5_vfio_pci", DT_TRI_YES,
                DT_MIG_STOP_COPY | DT_MIG_P2P);
    add_policy(d, "0000:3b:00.1", "ua-vf0",
               "x-device-dirty-page-tracking", "string", "on", NULL);
    out = rewrite_ok(in, len, d, TIME1, &changed);

    g_assert_true(changed);
    /* the user's own property stays, ours is replaced in place */
    g_assert_nonnull(strstr(out, "name=\"x-pre-copy-dirty-page-tracking\" type=\"string\" value=\"off\""));
    g_assert_nonnull(strstr(out, "name=\"x-device-dirty-page-tracking\" type=\"string\" value=\"on\""));
    g_assert_null(strstr(out, "name=\"x-device-dirty-page-tracking\" type=\"string\" value=\"off\""));
    /* one override element only (the schema allows one) */
    g_assert_true(strstr(out, "<qemu:override>") == g_strrstr(out, "<qemu:override>"));
    /* policy and foreign metadata kept, evaluation replaced */
    g_assert_nonnull(strstr(out, "<dirtytrack:policy require-migratable=\"yes\" perpetual=\"never\"/>"));
    g_assert_nonnull(strstr(out, "<app:owner>ops</app:owner>"));
    g_assert_null(strstr(out, "source-host"));
    g_assert_nonnull(strstr(out, "verdict=\"allow\" mode=\"device\" host=\"" HOST "\""));
    g_assert_nonnull(strstr(out, "<qemu:arg value=\"timestamp=on\"/>"));
    check_golden("out-existing.xml", out);
    check_valid(out);
}

static void
test_live_alias_and_mdev(void)
{
    gsize len;
    g_autofree char *in = read_input("in-live-alias.xml", &len);
    g_autoptr(DtDecision) d = dt_decision_new();
    gboolean changed = FALSE;
    g_autofree char *out = NULL;
    DtDeviceFinding *f;

    d->mode = DT_MODE_PERPETUAL;
    d->verdict = DT_VERDICT_WARN;
    add_finding(d, "0000:3b:00.2", 0x15b3, 0x101e, "vfio-pci", DT_TRI_NO, 0);
    f = g_new0(DtDeviceFinding, 1);
    f->address = g_strdup("c2177883-f1bb-47f0-914d-32a22e3a8804");
    f->is_mdev = TRUE;
    f->present = TRUE;
    f->migration.value = DT_TRI_UNKNOWN;
    g_ptr_array_add(d->devices, f);
    add_policy(d, "0000:3b:00.2", "ua-vf1", "enable-migration", "string", "off", NULL);
    add_policy(d, "c2177883-f1bb-47f0-914d-32a22e3a8804", NULL,
               "x-device-dirty-page-tracking", "remove", NULL, NULL);
    add_policy(d, "0000:17:02.0", NULL, "enable-migration", "string", "off", NULL);
    out = rewrite_ok(in, len, d, TIME1, &changed);

    g_assert_true(changed);
    /* a live, non-user alias is not kept by libvirt's inactive parse */
    g_assert_null(strstr(out, "hostdev0"));
    g_assert_nonnull(strstr(out, "<alias name=\"ua-vf1\"/>"));
    g_assert_nonnull(strstr(out, "<alias name=\"ua-dt-c2177883-f1bb-47f0-914d-32a22e3a8804\"/>"));
    g_assert_nonnull(strstr(out, "name=\"x-device-dirty-page-tracking\" type=\"remove\"/>"));
    /* an SR-IOV VF given as <interface type='hostdev'> is a hostdev too */
    g_assert_nonnull(strstr(out, "<alias name=\"ua-dt-0000-17-02-0\"/>\n    </interface>"));
    g_assert_nonnull(strstr(out, "<qemu:device alias=\"ua-dt-0000-17-02-0\">"));
    /* no fingerprint given: no attribute, no made-up value */
    g_assert_null(strstr(out, "fingerprint="));
    g_assert_nonnull(strstr(out, "migration=\"none\""));
    g_assert_nonnull(strstr(out, "migration=\"unknown\""));
    check_golden("out-live-alias.xml", out);
    check_valid(out);
}

/* The filter may run on its own output (restore after restore, migration
 * back and forth): the same decision must change nothing, not even the
 * time. */
static void
test_idempotent_on_own_output(gconstpointer data)
{
    const char *name = data;
    gsize len;
    g_autofree char *in = read_input(name, &len);
    g_autoptr(DtDecision) d = decision_device_mode();
    gboolean changed = FALSE;
    g_autofree char *first = NULL;
    g_autofree char *second = NULL;

    if (strcmp(name, "in-existing.xml") == 0) {
        dt_decision_free(g_steal_pointer(&d));
        d = dt_decision_new();
        add_policy(d, "0000:3b:00.1", NULL, "x-device-dirty-page-tracking", "string", "on",
                   NULL);
    }
    first = rewrite_ok(in, len, d, TIME1, &changed);
    g_assert_true(changed);
    second = rewrite_ok(first, strlen(first), d, TIME2, &changed);
    g_assert_false(changed);
    g_assert_cmpstr(second, ==, first);
    g_assert_null(strstr(second, TIME2));
}

static void
test_new_verdict_updates_time(void)
{
    gsize len;
    g_autofree char *in = read_input("in-bare.xml", &len);
    g_autoptr(DtDecision) d = decision_device_mode();
    gboolean changed = FALSE;
    g_autofree char *first = rewrite_ok(in, len, d, TIME1, &changed);
    g_autofree char *second = NULL;

    d->verdict = DT_VERDICT_WARN;
    second = rewrite_ok(first, strlen(first), d, TIME2, &changed);
    g_assert_true(changed);
    g_assert_nonnull(strstr(second, "verdict=\"warn\""));
    g_assert_nonnull(strstr(second, "time=\"" TIME2 "\""));
    g_assert_null(strstr(second, TIME1));
    /* still one evaluation element */
    g_assert_true(strstr(second, "<dirtytrack:evaluation") ==
                  g_strrstr(second, "<dirtytrack:evaluation"));
}

static void
test_no_vf_policy_touches_only_metadata(void)
{
    gsize len;
    g_autofree char *in = read_input("in-bare.xml", &len);
    g_autoptr(DtDecision) d = dt_decision_new();
    gboolean changed = FALSE;
    g_autofree char *out = NULL;

    d->mode = DT_MODE_NONE;
    d->verdict = DT_VERDICT_ALLOW;
    out = rewrite_ok(in, len, d, TIME1, &changed);
    g_assert_true(changed);
    g_assert_null(strstr(out, "qemu:"));
    g_assert_null(strstr(out, "<alias name=\"ua-dt"));
    g_assert_nonnull(strstr(out, "<dirtytrack:evaluation verdict=\"allow\" mode=\"none\""));
    check_valid(out);
}

static void
test_policy_for_absent_hostdev_is_an_error(void)
{
    gsize len;
    g_autofree char *in = read_input("in-bare.xml", &len);
    g_autoptr(DtDecision) d = dt_decision_new();
    g_autoptr(GError) error = NULL;
    gboolean changed = TRUE;
    g_autofree char *out = NULL;

    add_policy(d, "0000:17:02.0", NULL, "enable-migration", "string", "off", NULL);
    out = dt_rewrite_domain_xml(in, len, d, HOST, TIME1, &changed, &error);
    g_assert_null(out);
    g_assert_error(error, DT_ERROR, DT_ERROR_NOT_FOUND);
    g_assert_nonnull(strstr(error->message, "0000:17:02.0"));
    g_assert_false(changed);
}

static void
test_hostile_input_refused(void)
{
    static const char *const bad[] = {
        "<domain><name>x</name>",
        "<!DOCTYPE domain [<!ENTITY a 'x'>]><domain><name>&a;</name></domain>",
        "<network><name>x</name></network>",
    };
    g_autoptr(DtDecision) d = dt_decision_new();

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        gboolean changed = TRUE;
        g_autofree char *out = dt_rewrite_domain_xml(bad[i], strlen(bad[i]), d, HOST, TIME1,
                                                     &changed, &error);

        g_assert_null(out);
        g_assert_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT);
        g_assert_false(changed);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/rewrite/bare/alias+namespace+override+metadata added",
                    test_bare_gets_alias_namespace_override_metadata);
    g_test_add_func("/rewrite/existing/user properties and policy kept, evaluation replaced",
                    test_existing_keeps_policy_and_user_properties);
    g_test_add_func("/rewrite/live-alias/non-user alias replaced, mdev by uuid, interface type=hostdev",
                    test_live_alias_and_mdev);
    g_test_add_data_func("/rewrite/idempotent/bare -> second pass unchanged",
                         "in-bare.xml", test_idempotent_on_own_output);
    g_test_add_data_func("/rewrite/idempotent/existing -> second pass unchanged",
                         "in-existing.xml", test_idempotent_on_own_output);
    g_test_add_func("/rewrite/idempotent/new verdict -> evaluation and time updated",
                    test_new_verdict_updates_time);
    g_test_add_func("/rewrite/no-vf-policy -> only metadata",
                    test_no_vf_policy_touches_only_metadata);
    g_test_add_func("/rewrite/errors/policy for absent hostdev -> not-found",
                    test_policy_for_absent_hostdev_is_an_error);
    g_test_add_func("/rewrite/errors/hostile or wrong input -> invalid-input",
                    test_hostile_input_refused);
    return g_test_run();
}
