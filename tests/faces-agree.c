/* faces-agree.c: every face of dirtytrack gives the one engine's answer.
 *
 * The plan: for each case of the scenario matrix (tests/scenarios.h) a
 * domain XML is written from the row, and the host is the fixture tree of
 * tests/data/hosts the row names, copied once per variant (another kernel
 * release in proc/sys/kernel/osrelease; kernel-probed mlx5 facts as vfio
 * debugfs files, the way Linux 6.18 shows them).  Then the real programs
 * are asked, each the way a user or libvirt asks it:
 *   check    `dirtytrack check --format json` (and its exit status)
 *   explain  `dirtytrack explain`, the text a person reads
 *   predict  `dirtytrack predict --format json` (source role only)
 *   hook     the libvirt hook, `NAME migrate begin -`, evaluating in-process
 *            (compared with check in the destination role, which it is)
 *   daemon   dirtytrackd's Evaluate on a private bus, through the CLI client
 *            (`check --via-daemon=yes` prints the daemon's report as is)
 * and the verdict, the tracking mode and the reason codes must be the same
 * wherever a face shows them.  A second set asks `dirtytrack export` about
 * every VFIO device of every fixture host for several QEMU/libvirt pairs
 * and compares each device's nova, nfd and prometheus lines with `check`
 * of the one-device domain export says it asks about.
 *
 * Nothing here knows what the answer should be (tests/test-decide does):
 * only that the faces cannot disagree.  Processes are stopped by pid.
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dbus/dbus.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "dbus/dt-dbus-api.h"
#include "render/dt-export.h"
#include "probe/dt-host.h"
#include "probe/dt-paths.h"
#include "model/dt-util.h"

#include "scenarios.h"

/* The programs asked: this build's, or another build's when
 * FACES_AGREE_BUILDDIR names one (to run an older tree's faces against
 * this matrix and see where they disagreed). */
#define DT_BIN bin("plugin/dirtytrack")
#define HOOK_BIN bin("hooks/dirtytrack-hook")
#define DAEMON_BIN bin("plugin/daemon/dirtytrackd")
#define HOSTS ABS_TOP_SRCDIR "/tests/data/hosts"

static struct {
    char *tmp;
    char *conf;            /* [hook] use-daemon=no: the hook evaluates in-process */
    char *bus_addr;
    GPid bus_pid;
    GPid daemon_pid;
    char *daemon_root;     /* the sysroot the running daemon reads */
    GHashTable *roots;     /* variant key -> sysroot copy */
    DBusConnection *conn;  /* to see when the daemon owns its name */
    guint n_domains;
} T;

static const char *
bin(const char *rel)
{
    static GHashTable *paths;
    const char *dir = g_getenv("FACES_AGREE_BUILDDIR");
    char *p;

    if (!paths)
        paths = g_hash_table_new(g_str_hash, g_str_equal);
    p = g_hash_table_lookup(paths, rel);
    if (!p) {
        p = g_build_filename(dir && *dir ? dir : ABS_TOP_BUILDDIR, rel, NULL);
        g_hash_table_insert(paths, (gpointer)rel, p);
    }
    return p;
}

/* Every disagreement is logged, not only the last one. */
static void fail(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static void
fail(const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_test_message("FAIL: %s", msg);
    g_test_fail_printf("%s", msg);
}

/* What one face said.  NULL fields: the face does not show that. */
typedef struct {
    const char *face;
    char *verdict;
    char *mode;
    char *codes;       /* warning and error codes, sorted, unique, comma-separated */
    char *all_codes;   /* every code including info, same form */
} Answer;

static void
answer_clear(Answer *a)
{
    g_free(a->verdict);
    g_free(a->mode);
    g_free(a->codes);
    g_free(a->all_codes);
    memset(a, 0, sizeof(*a));
}

static gint
cmp_str_slot(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

static char *
codes_join(GPtrArray *codes)
{
    GString *s = g_string_new(NULL);

    g_ptr_array_sort(codes, cmp_str_slot);
    for (guint i = 0; i < codes->len; i++) {
        const char *c = g_ptr_array_index(codes, i);
        if (i > 0 && g_strcmp0(c, g_ptr_array_index(codes, i - 1)) == 0)
            continue;
        if (s->len)
            g_string_append_c(s, ',');
        g_string_append(s, c);
    }
    return g_string_free(s, FALSE);
}

/* ---- processes -------------------------------------------------------------- */

static int
run(const char *const *argv, char **envp, const char *input, char **out, char **err)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(
        G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE |
        (input ? G_SUBPROCESS_FLAGS_STDIN_PIPE : G_SUBPROCESS_FLAGS_NONE));
    g_autoptr(GSubprocess) p = NULL;

    g_subprocess_launcher_set_environ(l, envp);
    p = g_subprocess_launcher_spawnv(l, argv, &error);
    g_assert_no_error(error);
    g_assert_true(g_subprocess_communicate_utf8(p, input, NULL, out, err, &error));
    g_assert_no_error(error);
    g_assert_true(g_subprocess_get_if_exited(p));
    return g_subprocess_get_exit_status(p);
}

static char **
base_env(void)
{
    char **env = g_get_environ();

    env = g_environ_setenv(env, "LC_ALL", "C", TRUE);
    env = g_environ_setenv(env, "DIRTYTRACK_CONFIG", T.conf, TRUE);
    env = g_environ_unsetenv(env, "DIRTYTRACK_SYSROOT");
    env = g_environ_unsetenv(env, "DIRTYTRACK_QEMU_VERSION");
    env = g_environ_unsetenv(env, "DIRTYTRACK_LIBVIRT_VERSION");
    /* no daemon unless a face asks for it by name */
    env = g_environ_setenv(env, "DIRTYTRACK_BUS_ADDRESS", "unix:path=/nonexistent/bus", TRUE);
    return env;
}

static void
stop_pid(GPid *pid)
{
    if (*pid <= 0)
        return;
    kill(*pid, SIGTERM);
    waitpid(*pid, NULL, 0);
    g_spawn_close_pid(*pid);
    *pid = 0;
}

/* ---- hosts: the fixture trees, one copy per variant ------------------------ */

static const char *
host_dir(ScHost h)
{
    switch (h) {
    case H_INTEL_DIRTY: return "intel-dirty";
    case H_INTEL_NODIRTY: return "intel-nodirty";
    case H_AMD_HDSUP: return "amd-hdsup";
    case H_ARM_SMMUV3: return "arm-smmuv3";
    case H_NO_IOMMU: return "no-iommu";
    case H_DEBIAN12: return "debian12";
    }
    g_assert_not_reached();
}

static char *
bound_driver(const char *root, const char *addr)
{
    g_autofree char *link = g_strdup_printf("%s/sys/bus/pci/devices/%s/driver", root, addr);
    g_autofree char *target = g_file_read_link(link, NULL);

    return target ? g_path_get_basename(target) : NULL;
}

/* The sysroot for a row: the fixture itself when nothing changes, else a
 * copy with the release the row names and, for the probed rows, what
 * vfio debugfs says for every VF bound to mlx5_vfio_pci. */
static const char *
sysroot_for(const Scenario *sc)
{
    const char *probed = (sc->mods & M_PROBED_LOG) ? "log" : (sc->mods & M_PROBED_NOLOG) ? "nolog" : "";
    g_autofree char *key = g_strdup_printf("%s-%s-%s", host_dir(sc->host),
                                           sc->kernel ? sc->kernel : "", probed);
    g_autofree char *fixture = g_build_filename(HOSTS, host_dir(sc->host), NULL);
    char *root = g_hash_table_lookup(T.roots, key);

    if (root)
        return root;
    if (!sc->kernel && !*probed) {
        root = g_steal_pointer(&fixture);
    } else {
        g_autofree char *cmd = NULL;
        g_autofree char *rel = NULL;

        root = g_strdup_printf("%s/host-%u", T.tmp, g_hash_table_size(T.roots));
        cmd = g_strdup_printf("cp -a '%s' '%s'", fixture, root);
        g_assert_cmpint(system(cmd), ==, 0);
        if (sc->kernel) {
            rel = g_strdup_printf("%s/proc/sys/kernel/osrelease", root);
            g_assert_true(g_file_set_contents(rel, sc->kernel, -1, NULL));
        }
        if (*probed) {
            static const char *const vfs[] = { "0000:3b:00.1", "0000:3b:00.2" };
            for (guint i = 0; i < G_N_ELEMENTS(vfs); i++) {
                g_autofree char *drv = bound_driver(root, vfs[i]);
                g_autofree char *dir = NULL;
                g_autofree char *feat = NULL;

                if (g_strcmp0(drv, "mlx5_vfio_pci") != 0)
                    continue;
                dir = g_strdup_printf("%s/sys/kernel/debug/vfio/%s/migration", root, vfs[i]);
                g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
                feat = g_build_filename(dir, "features", NULL);
                g_assert_true(g_file_set_contents(feat, (sc->mods & M_PROBED_LOG)
                                                  ? "stop-copy\np2p\npre-copy\ndirty-tracking\n"
                                                  : "stop-copy\np2p\npre-copy\n", -1, NULL));
            }
        }
    }
    g_hash_table_insert(T.roots, g_steal_pointer(&key), root);
    return root;
}

/* ---- domains: the row as libvirt domain XML -------------------------------- */


#define MDEV_UUID "c2177883-f1bb-47f0-914d-32a22e3a8804"

static void
append_pci_address(GString *x, const char *bdf)
{
    DtPciAddr a;

    g_assert_true(dt_pci_addr_parse(bdf, &a));
    g_string_append_printf(x, "        <address domain='0x%04x' bus='0x%02x' slot='0x%02x' "
                              "function='0x%x'/>\n", a.domain, a.bus, a.slot, a.function);
}

/* "name=value;..." as -global arguments or as <qemu:property> elements */
static void
append_props(GString *x, const char *spec, gboolean global)
{
    g_auto(GStrv) parts = spec ? g_strsplit(spec, ";", -1) : NULL;

    for (guint i = 0; parts && parts[i]; i++) {
        g_auto(GStrv) kv = g_strsplit(parts[i], "=", 2);
        const char *v = kv[1] ? kv[1] : "";

        if (!kv[0] || !*kv[0])
            continue;
        if (global)
            g_string_append_printf(x, "    <qemu:arg value='-global'/>\n"
                                      "    <qemu:arg value='vfio-pci.%s=%s'/>\n", kv[0], v);
        else
            g_string_append_printf(x, "        <qemu:property name='%s' type='string' "
                                      "value='%s'/>\n", kv[0], v);
    }
}

static char *
domain_xml(const Scenario *sc)
{
    GString *x = g_string_new(NULL);
    g_autoptr(GPtrArray) aliases = g_ptr_array_new_with_free_func(g_free);
    gboolean arm = sc->host == H_ARM_SMMUV3;
    guint64 kib = (sc->mods & M_RAM_64G) ? 64ull << 20 : (sc->mods & M_RAM_2G) ? 2ull << 20
                : (sc->mods & M_RAM_4T) ? 4ull << 30 : 8ull << 20;
    gboolean cmdline = sc->mods & (M_GLOBAL | M_IOMMUFD_CMDLINE | M_IOMMUFD_GLOBAL);
    guint n = 0;

    g_string_append_printf(x, "<domain type='kvm'%s>\n  <name>sc%u</name>\n",
                           cmdline || sc->props
                               ? " xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'" : "",
                           T.n_domains++);
    g_string_append_printf(x, "  <memory unit='KiB'>%" G_GUINT64_FORMAT "</memory>\n"
                              "  <currentMemory unit='KiB'>%" G_GUINT64_FORMAT "</currentMemory>\n",
                           kib, kib);
    if (sc->mods & M_HUGEPAGES)
        g_string_append(x, "  <memoryBacking><hugepages><page size='1' unit='G'/></hugepages>"
                           "</memoryBacking>\n");
    g_string_append_printf(x, "  <vcpu>4</vcpu>\n  <os><type arch='%s' machine='%s'>hvm</type></os>\n",
                           arm ? "aarch64" : "x86_64",
                           arm ? "virt" : (sc->mods & M_PC) ? "pc-i440fx-8.2" : "pc-q35-8.2");
    if (sc->mods & M_IOMMUFD_NATIVE)
        g_string_append(x, "  <iommufd enabled='yes'/>\n");
    if (sc->mods & (M_FP_SOURCE | M_FP_MDEV_1 | M_FP_MDEV_2) || sc->pol) {
        g_string_append(x, "  <metadata>\n    <dirtytrack:dirtytrack "
                           "xmlns:dirtytrack='http://dirtytrack.org/xmlns/domain/1.0'>\n");
        if (sc->pol) {
            g_string_append(x, "      <dirtytrack:policy");
            if (sc->pol & P_REQUIRE)
                g_string_append(x, " require-migratable='yes'");
            if (sc->pol & (P_NEVER | P_ALLOW))
                g_string_append_printf(x, " perpetual='%s'", (sc->pol & P_NEVER) ? "never" : "allow");
            if (sc->pol & (P_BUDGET_300 | P_BUDGET_60S))
                g_string_append_printf(x, " max-downtime-ms='%s'",
                                       (sc->pol & P_BUDGET_300) ? "300" : "60000");
            if (sc->pol & P_HOT)
                g_string_append(x, " dirty-rate-mib-s='2048'");
            if (sc->pol & (P_PREFER_IOMMU | P_PREFER_DEVICE))
                g_string_append_printf(x, " prefer='%s'", (sc->pol & P_PREFER_IOMMU) ? "iommu" : "device");
            g_string_append(x, "/>\n");
        }
        if (sc->mods & (M_FP_SOURCE | M_FP_MDEV_1 | M_FP_MDEV_2)) {
            guint k = 0;

            g_string_append(x, "      <dirtytrack:evaluation verdict='allow' mode='device'>\n");
            for (guint i = 0; (sc->mods & M_FP_SOURCE) && i < G_N_ELEMENTS(sc_dev_table); i++) {
                g_autofree char *addr = NULL;
                const char *id = "15b3:101e";
                const char *drv = (sc->devs & DEV_QAT) && i == 2 ? "qat_vfio_pci" : "mlx5_vfio_pci";

                if (!(sc->devs & sc_dev_table[i].bit))
                    continue;
                addr = (sc->mods & M_FP_MOVED) ? g_strdup_printf("0000:5e:00.%u", i + 1)
                                               : g_strdup(sc_dev_table[i].addr);
                if ((sc->mods & M_FP_OTHER_ID) && k == 0) {
                    id = "8086:4941";
                    drv = "qat_vfio_pci";
                    if (!(sc->mods & M_FP_MOVED)) {
                        g_free(addr);
                        addr = g_strdup("0000:6b:00.1");
                    }
                }
                g_string_append_printf(x, "        <dirtytrack:device address='%s' id='%s' "
                                          "driver='%s' migration='stop-copy,p2p,pre-copy'/>\n",
                                       addr, id, drv);
                k++;
            }
            if ((sc->devs & DEV_MDEV) && (sc->mods & (M_FP_MDEV_1 | M_FP_MDEV_2)))
                g_string_append_printf(x, "        <dirtytrack:device address='" MDEV_UUID "' "
                                          "driver='vfio-pci' mdev-type='%s' "
                                          "migration='stop-copy,p2p,pre-copy'/>\n",
                                       (sc->mods & M_FP_MDEV_1) ? "mtty-1" : "mtty-2");
            g_string_append(x, "      </dirtytrack:evaluation>\n");
        }
        g_string_append(x, "    </dirtytrack:dirtytrack>\n  </metadata>\n");
    }
    g_string_append(x, "  <devices>\n");
    if (sc->mods & M_VIOMMU)
        g_string_append(x, "    <iommu model='intel'/>\n");
    for (guint i = 0; i < G_N_ELEMENTS(sc_dev_table); i++) {
        if (!(sc->devs & sc_dev_table[i].bit))
            continue;
        g_string_append_printf(x, "    <hostdev mode='subsystem' type='pci' managed='%s'>\n"
                                  "      <driver name='vfio'",
                               (sc->mods & M_MANAGED_NO) ? "no" : "yes");
        if ((sc->mods & M_MODEL) && sc_dev_table[i].model)
            g_string_append_printf(x, " model='%s'", sc_dev_table[i].model);
        if (sc->mods & M_IOMMUFD_HOSTDEV)
            g_string_append(x, " iommufd='yes'");
        g_string_append(x, "/>\n      <source>\n");
        append_pci_address(x, sc_dev_table[i].addr);
        g_string_append(x, "      </source>\n");
        if (!(sc->mods & M_NO_ALIAS)) {
            g_string_append_printf(x, "      <alias name='ua-vf%u'/>\n", n);
            g_ptr_array_add(aliases, g_strdup_printf("ua-vf%u", n));
        }
        n++;
        g_string_append(x, "    </hostdev>\n");
    }
    if (sc->devs & DEV_MDEV) {
        g_string_append(x, "    <hostdev mode='subsystem' type='mdev' managed='no' model='vfio-pci'>\n"
                           "      <source><address uuid='" MDEV_UUID "'/></source>\n"
                           "      <alias name='ua-mdev0'/>\n    </hostdev>\n");
    }
    g_string_append(x, "  </devices>\n");
    if (cmdline) {
        g_string_append(x, "  <qemu:commandline>\n");
        if (sc->mods & (M_IOMMUFD_CMDLINE | M_IOMMUFD_GLOBAL))
            g_string_append(x, "    <qemu:arg value='-object'/>\n"
                               "    <qemu:arg value='iommufd,id=iommufd0'/>\n");
        if (sc->mods & M_IOMMUFD_GLOBAL)
            g_string_append(x, "    <qemu:arg value='-global'/>\n"
                               "    <qemu:arg value='vfio-pci.iommufd=iommufd0'/>\n");
        if (sc->mods & M_GLOBAL)
            append_props(x, sc->props, TRUE);
        g_string_append(x, "  </qemu:commandline>\n");
    }
    /* device properties: every PCI hostdev (and the mdev) with an alias */
    if ((sc->props && !(sc->mods & M_GLOBAL)) || (sc->mods & M_IOMMUFD_CMDLINE)) {
        if (sc->devs & DEV_MDEV)
            g_ptr_array_add(aliases, g_strdup("ua-mdev0"));
        g_string_append(x, "  <qemu:override>\n");
        for (guint i = 0; i < aliases->len; i++) {
            const char *alias = g_ptr_array_index(aliases, i);
            g_string_append_printf(x, "    <qemu:device alias='%s'>\n      <qemu:frontend>\n", alias);
            if (!(sc->mods & M_GLOBAL))
                append_props(x, sc->props, FALSE);
            if ((sc->mods & M_IOMMUFD_CMDLINE) && !g_str_equal(alias, "ua-mdev0"))
                g_string_append(x, "        <qemu:property name='iommufd' type='string' "
                                   "value='iommufd0'/>\n");
            g_string_append(x, "      </qemu:frontend>\n    </qemu:device>\n");
        }
        g_string_append(x, "  </qemu:override>\n");
    }
    g_string_append(x, "</domain>\n");
    return g_string_free(x, FALSE);
}

/* ---- reading each face -------------------------------------------------------- */

static gboolean
from_report_json(const char *json, Answer *a)
{
    g_autoptr(JsonParser) p = json_parser_new();
    g_autoptr(GPtrArray) codes = g_ptr_array_new();
    g_autoptr(GPtrArray) all = g_ptr_array_new();
    JsonObject *o;
    JsonArray *reasons;

    if (!json || !json_parser_load_from_data(p, json, -1, NULL) ||
        !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)))
        return FALSE;
    o = json_node_get_object(json_parser_get_root(p));
    a->verdict = g_strdup(json_object_get_string_member_with_default(o, "verdict", NULL));
    a->mode = g_strdup(json_object_get_string_member_with_default(o, "mode", NULL));
    if (!json_object_has_member(o, "reasons"))
        return a->verdict != NULL;
    reasons = json_object_get_array_member(o, "reasons");
    for (guint i = 0; i < json_array_get_length(reasons); i++) {
        JsonObject *r = json_array_get_object_element(reasons, i);
        const char *code = json_object_get_string_member_with_default(r, "code", NULL);
        const char *sev = json_object_get_string_member_with_default(r, "severity", "");

        g_ptr_array_add(all, (gpointer)code);
        if (!g_str_equal(sev, "info"))
            g_ptr_array_add(codes, (gpointer)code);
    }
    a->codes = codes_join(codes);
    a->all_codes = codes_join(all);
    return a->verdict != NULL;
}

/* `explain` in the C locale: "Verdict: ALLOW   Tracking mode: device", then
 * "Reasons:" and one "  SEVERITY code: message" line per reason. */
static gboolean
from_explain(const char *text, Answer *a)
{
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
    g_autoptr(GPtrArray) codes = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GRegex) head = g_regex_new("^Verdict: ([A-Z]+) +Tracking mode: ([a-z]+)", 0, 0, NULL);
    g_autoptr(GRegex) reason = g_regex_new("^  (INFO|WARNING|ERROR) +([a-z0-9-]+):", 0, 0, NULL);
    gboolean in_reasons = FALSE;

    for (guint i = 0; lines[i]; i++) {
        /* g_regex_match() stores a match info even when nothing matched:
         * one for each pattern tried */
        g_autoptr(GMatchInfo) mh = NULL;
        g_autoptr(GMatchInfo) mr = NULL;

        if (g_regex_match(head, lines[i], 0, &mh)) {
            g_autofree char *v = g_match_info_fetch(mh, 1);
            a->verdict = g_ascii_strdown(v, -1);
            a->mode = g_match_info_fetch(mh, 2);
        } else if (g_str_equal(lines[i], "Reasons:")) {
            in_reasons = TRUE;
        } else if (in_reasons && g_regex_match(reason, lines[i], 0, &mr)) {
            g_autofree char *sev = g_match_info_fetch(mr, 1);
            if (!g_str_equal(sev, "INFO"))
                g_ptr_array_add(codes, g_match_info_fetch(mr, 2));
            g_ptr_array_add(all, g_match_info_fetch(mr, 2));
        }
    }
    a->codes = codes_join(codes);
    a->all_codes = codes_join(all);
    return a->verdict != NULL;
}

/* The hook: exit 1 and "dirtytrack: refused [code]" lines for a refusal
 * (the errors only), else "dirtytrack: warning [code]" lines; the
 * rewritten definition carries <dirtytrack:evaluation verdict= mode=>. */
static gboolean
from_hook(int status, const char *out, const char *err, Answer *a)
{
    g_autoptr(GRegex) line = g_regex_new("^dirtytrack: (refused|warning) \\[([^]]+)\\]",
                                         G_REGEX_MULTILINE, 0, NULL);
    g_autoptr(GRegex) ev = g_regex_new("<dirtytrack:evaluation verdict=.([a-z]+). mode=.([a-z]+).",
                                       0, 0, NULL);
    g_autoptr(GMatchInfo) m = NULL;
    g_autoptr(GPtrArray) refusals = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);

    if (status != 0 && status != 1)
        return FALSE;
    g_regex_match(line, err ? err : "", 0, &m);
    while (g_match_info_matches(m)) {
        g_autofree char *kind = g_match_info_fetch(m, 1);
        /* beside a refusal by require-migratable alone the hook also
         * prints the warnings that caused it: they explain, not refuse */
        g_ptr_array_add(g_str_equal(kind, "refused") ? refusals : warnings,
                        g_match_info_fetch(m, 2));
        g_match_info_next(m, NULL);
    }
    if (status == 1 && !refusals->len)
        return FALSE;
    a->verdict = g_strdup(status == 1 ? "deny" : warnings->len ? "warn" : "allow");
    a->codes = codes_join(status == 1 ? refusals : warnings);
    g_clear_pointer(&m, g_match_info_unref);
    if (status == 0 && g_regex_match(ev, out ? out : "", 0, &m)) {
        g_autofree char *v = g_match_info_fetch(m, 1);
        /* what the hook wrote into the definition is what it decided */
        if (!g_str_equal(v, a->verdict))
            return FALSE;
        a->mode = g_match_info_fetch(m, 2);
    }
    return TRUE;
}

/* ---- asking the faces ------------------------------------------------------------ */

typedef struct {
    const char *root;
    const char *qemu;       /* NULL: the faces probe the same binary */
    const char *libvirt;
    const char *role;
    const char *xml_path;
    const char *xml;
} Ask;

static GPtrArray *
cli_args(const char *cmd, const Ask *q, gboolean local, const char *role)
{
    GPtrArray *a = g_ptr_array_new();

    g_ptr_array_add(a, (gpointer)DT_BIN);
    g_ptr_array_add(a, (gpointer)cmd);
    if (local) {
        g_ptr_array_add(a, (gpointer)"--sysroot");
        g_ptr_array_add(a, (gpointer)q->root);
        g_ptr_array_add(a, (gpointer)"--config");
        g_ptr_array_add(a, (gpointer)T.conf);
    }
    if (q->qemu) {
        g_ptr_array_add(a, (gpointer)"--qemu-version");
        g_ptr_array_add(a, (gpointer)q->qemu);
    }
    g_ptr_array_add(a, (gpointer)"--libvirt-version");
    g_ptr_array_add(a, (gpointer)q->libvirt);
    if (role) {
        g_ptr_array_add(a, (gpointer)"--role");
        g_ptr_array_add(a, (gpointer)role);
    }
    return a;
}

static void
ask_check(const Ask *q, const char *role, gboolean via_daemon, Answer *a, char **json)
{
    g_autoptr(GPtrArray) argv = cli_args("check", q, !via_daemon, role);
    g_auto(GStrv) env = base_env();
    g_autofree char *out = NULL, *err = NULL;
    int rc;

    g_ptr_array_add(argv, (gpointer)"--format=json");
    g_ptr_array_add(argv, (gpointer)(via_daemon ? "--via-daemon=yes" : "--via-daemon=no"));
    g_ptr_array_add(argv, (gpointer)q->xml_path);
    g_ptr_array_add(argv, NULL);
    if (via_daemon)
        env = g_environ_setenv(env, "DIRTYTRACK_BUS_ADDRESS", T.bus_addr, TRUE);
    rc = run((const char *const *)argv->pdata, env, NULL, &out, &err);
    if (!from_report_json(out, a)) {
        fail("%s gave no report (exit %d): %s", a->face, rc, err);
        return;
    }
    /* the exit status is the verdict, as the man page says */
    if (rc != (g_str_equal(a->verdict, "allow") ? 0 : g_str_equal(a->verdict, "warn") ? 1 : 2))
        fail("%s: exit status %d for verdict %s", a->face, rc, a->verdict);
    if (json)
        *json = g_steal_pointer(&out);
}

static void
ask_explain(const Ask *q, Answer *a)
{
    g_autoptr(GPtrArray) argv = cli_args("explain", q, TRUE, q->role);
    g_auto(GStrv) env = base_env();
    g_autofree char *out = NULL, *err = NULL;

    g_ptr_array_add(argv, (gpointer)"--via-daemon=no");
    g_ptr_array_add(argv, (gpointer)q->xml_path);
    g_ptr_array_add(argv, NULL);
    run((const char *const *)argv->pdata, env, NULL, &out, &err);
    if (!from_explain(out, a))
        fail("explain said nothing readable: %s", err);
}

static void
ask_predict(const Ask *q, Answer *a)
{
    g_autoptr(GPtrArray) argv = cli_args("predict", q, TRUE, NULL);
    g_auto(GStrv) env = base_env();
    g_autofree char *out = NULL, *err = NULL;

    g_ptr_array_add(argv, (gpointer)"--format=json");
    g_ptr_array_add(argv, (gpointer)q->xml_path);
    g_ptr_array_add(argv, NULL);
    run((const char *const *)argv->pdata, env, NULL, &out, &err);
    if (!from_report_json(out, a))
        fail("predict gave no report: %s", err);
}

static void
ask_hook(const Ask *q, Answer *a)
{
    const char *argv[] = { HOOK_BIN, "sc", "migrate", "begin", "-", NULL };
    g_auto(GStrv) env = base_env();
    g_autofree char *out = NULL, *err = NULL;
    int rc;

    env = g_environ_setenv(env, "DIRTYTRACK_SYSROOT", q->root, TRUE);
    if (q->qemu)
        env = g_environ_setenv(env, "DIRTYTRACK_QEMU_VERSION", q->qemu, TRUE);
    env = g_environ_setenv(env, "DIRTYTRACK_LIBVIRT_VERSION", q->libvirt, TRUE);
    rc = run(argv, env, q->xml, &out, &err);
    if (!from_hook(rc, out, err, a))
        fail("the hook's answer cannot be read (exit %d): %s", rc, err);
}

/* ---- the daemon: one private bus, one dirtytrackd per sysroot ------------------- */

static void
daemon_for(const char *root)
{
    const char *argv[] = { DAEMON_BIN, "--address", T.bus_addr, "--sysroot", root,
                           "--config", T.conf, "--libvirt-uri", "", "--threads", "1", NULL };
    g_autoptr(GError) error = NULL;
    gint64 deadline;

    if (T.daemon_pid && g_strcmp0(T.daemon_root, root) == 0)
        return;
    stop_pid(&T.daemon_pid);
    g_assert_true(g_spawn_async(NULL, (char **)argv, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                                G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &T.daemon_pid, &error));
    g_free(T.daemon_root);
    T.daemon_root = g_strdup(root);
    /* ready when it owns its name */
    deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
    while (g_get_monotonic_time() < deadline) {
        if (dbus_bus_name_has_owner(T.conn, DT_DBUS_NAME, NULL))
            return;
        g_usleep(20 * 1000);
    }
    g_error("dirtytrackd did not take its name on %s", T.bus_addr);
}

static gboolean
start_bus(void)
{
    g_autofree char *conf = g_build_filename(T.tmp, "bus.conf", NULL);
    g_autofree char *sock = g_build_filename(T.tmp, "bus", NULL);
    g_autofree char *text = g_strdup_printf(
        "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
        " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
        "<busconfig><type>session</type><listen>unix:path=%s</listen><auth>EXTERNAL</auth>\n"
        "<policy context='default'><allow send_destination='*' eavesdrop='true'/>\n"
        "<allow eavesdrop='true'/><allow own='*'/></policy>\n"
        "</busconfig>\n", sock);
    const char *argv[] = { DBUS_DAEMON, "--nofork", "--nopidfile", "--config-file", conf, NULL };
    DBusError e;

    g_assert_true(g_file_set_contents(conf, text, -1, NULL));
    if (!g_spawn_async(NULL, (char **)argv, NULL,
                       G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                       NULL, NULL, &T.bus_pid, NULL))
        return FALSE;
    T.bus_addr = g_strdup_printf("unix:path=%s", sock);
    for (guint i = 0; i < 200 && !g_file_test(sock, G_FILE_TEST_EXISTS); i++)
        g_usleep(25 * 1000);
    dbus_error_init(&e);
    T.conn = dbus_connection_open_private(T.bus_addr, &e);
    if (!T.conn || !dbus_bus_register(T.conn, &e)) {
        g_printerr("%s: %s\n", T.bus_addr, e.message ? e.message : "?");
        dbus_error_free(&e);
        return FALSE;
    }
    dbus_connection_set_exit_on_disconnect(T.conn, FALSE);
    return TRUE;
}

/* ---- comparing ---------------------------------------------------------------------- */

static void
describe(GString *s, const Answer *a)
{
    g_string_append_printf(s, "\n  %-8s verdict=%s mode=%s codes=[%s] all=[%s]", a->face,
                           a->verdict ? a->verdict : "-", a->mode ? a->mode : "-",
                           a->codes ? a->codes : "-", a->all_codes ? a->all_codes : "-");
}

/* Every field a face shows must equal the reference's. */
static gboolean
agree(const Answer *ref, const Answer *a)
{
    if (g_strcmp0(ref->verdict, a->verdict) != 0)
        return FALSE;
    if (a->mode && g_strcmp0(ref->mode, a->mode) != 0)
        return FALSE;
    if (a->all_codes && ref->all_codes && g_strcmp0(ref->all_codes, a->all_codes) != 0)
        return FALSE;
    return !a->codes || g_strcmp0(ref->codes, a->codes) == 0;
}

static void
compare(const char *what, const Answer *ref, Answer *faces, guint n)
{
    g_autoptr(GString) s = g_string_new(NULL);
    gboolean ok = TRUE;

    describe(s, ref);
    for (guint i = 0; i < n; i++) {
        describe(s, &faces[i]);
        ok &= agree(ref, &faces[i]);
    }
    g_test_message("%s:%s", what, s->str);
    if (!ok)
        fail("the faces disagree on %s:%s", what, s->str);
}

/* The hook refuses with the errors only. */
static char *
error_codes(const char *json)
{
    g_autoptr(JsonParser) p = json_parser_new();
    g_autoptr(GPtrArray) codes = g_ptr_array_new();
    JsonArray *reasons;

    g_assert_true(json_parser_load_from_data(p, json, -1, NULL));
    reasons = json_object_get_array_member(json_node_get_object(json_parser_get_root(p)), "reasons");
    for (guint i = 0; i < json_array_get_length(reasons); i++) {
        JsonObject *r = json_array_get_object_element(reasons, i);
        if (g_str_equal(json_object_get_string_member(r, "severity"), "error"))
            g_ptr_array_add(codes, (gpointer)json_object_get_string_member(r, "code"));
    }
    return codes_join(codes);
}

static void
test_scenario(gconstpointer data)
{
    const Scenario *sc = data;
    g_autofree char *xml = domain_xml(sc);
    g_autofree char *path = g_strdup_printf("%s/domain-%u.xml", T.tmp, T.n_domains);
    Ask q = { sysroot_for(sc), sc->qemu, sc->libvirt, sc->role == DT_ROLE_SOURCE ? "source" : "destination",
              path, xml };
    Answer ref = { "check" }, dst = { "check-dst" };
    Answer faces[4] = { { "explain" }, { "daemon" }, { "predict" }, { "hook" } };
    g_autofree char *ref_json = NULL, *dst_json = NULL;
    guint n = 2;

    g_assert_true(g_file_set_contents(path, xml, -1, NULL));
    g_test_message("source of the row: %s", sc->source);
    ask_check(&q, q.role, FALSE, &ref, &ref_json);
    if (g_test_failed()) {
        g_test_message("domain:\n%s", xml);
        return;
    }
    /* Not this test's question, but worth a line: where the fixture tree
     * gives another answer than the row (tests/test-decide builds its
     * hosts in memory), the two have drifted apart. */
    if (g_strcmp0(ref.verdict, dt_verdict_to_string(sc->verdict)) != 0 ||
        g_strcmp0(ref.mode, dt_mode_to_string(sc->mode)) != 0)
        g_test_message("DRIFT: on the fixture tree %s/%s, the row expects %s/%s", ref.verdict,
                       ref.mode, dt_verdict_to_string(sc->verdict), dt_mode_to_string(sc->mode));
    ask_explain(&q, &faces[0]);
    daemon_for(q.root);
    ask_check(&q, q.role, TRUE, &faces[1], NULL);
    if (sc->role == DT_ROLE_SOURCE)
        ask_predict(&q, &faces[n++]);
    compare("the row's role", &ref, faces, n);

    /* the hook's migrate begin is the destination's question */
    if (sc->role == DT_ROLE_SOURCE) {
        ask_check(&q, "destination", FALSE, &dst, &dst_json);
    } else {
        dst.verdict = g_strdup(ref.verdict);
        dst.mode = g_strdup(ref.mode);
        dst.codes = g_strdup(ref.codes);
        dst_json = g_strdup(ref_json);
    }
    ask_hook(&q, &faces[3]);
    if (g_strcmp0(dst.verdict, "deny") == 0 && dst_json) {
        /* a refusal lists the errors only, and rewrites nothing */
        g_free(dst.codes);
        dst.codes = error_codes(dst_json);
    }
    compare("migrate begin (destination)", &dst, &faces[3], 1);
    if (g_test_failed())
        g_test_message("domain:\n%s", xml);

    answer_clear(&ref);
    answer_clear(&dst);
    for (guint i = 0; i < G_N_ELEMENTS(faces); i++)
        answer_clear(&faces[i]);
}

/* ---- export: every device of every host, against check of its question ----------- */

typedef struct {
    const char *host;
    const char *qemu;
    const char *libvirt;
} ExportCase;

static const ExportCase export_cases[] = {
    /* libvirt before 8.6 (blocked-reasons) refuses every PCI hostdev: the
     * audit's case where check said allow and export said no */
    { "intel-dirty", "9.1.3", "8.0.0" },
    { "intel-dirty", "9.1.3", "10.0.0" },
    { "intel-dirty", "7.2.22", "9.0.0" },
    { "intel-dirty", "8.0.5", "10.0.0" },
    { "intel-dirty", "10.0.3", "12.2.0" },
    { "intel-nodirty", "9.1.3", "10.0.0" },
    { "amd-hdsup", "10.0.3", "11.0.0" },
    { "arm-smmuv3", "9.1.3", "10.0.0" },
    { "debian12", "8.2.2", "9.0.0" },
    { "debian12", "9.1.3", "10.0.0" },
    { "no-iommu", "9.1.3", "10.0.0" },
};

/* The one-device domain export asks about, as XML for `check`. */
static char *
export_question_xml(const DtHost *host, const DtPciDev *dev)
{
    g_autoptr(DtDomain) d = dt_export_device_domain(host, dev);
    const DtHostdev *h = g_ptr_array_index(d->hostdevs, 0);
    g_autofree char *bdf = dt_pci_addr_to_string(&h->addr);
    GString *x = g_string_new(NULL);

    g_assert_cmpuint(d->hostdevs->len, ==, 1);
    g_assert_false(d->viommu_model || d->hugepages || d->iommufd_enabled || h->driver_model);
    g_string_append_printf(x, "<domain type='%s'>\n  <name>%s</name>\n"
                              "  <memory unit='KiB'>%" G_GUINT64_FORMAT "</memory>\n"
                              "  <currentMemory unit='KiB'>%" G_GUINT64_FORMAT "</currentMemory>\n"
                              "  <vcpu>%u</vcpu>\n"
                              "  <os><type arch='%s' machine='%s'>hvm</type></os>\n"
                              "  <devices>\n    <hostdev mode='subsystem' type='pci' managed='%s'>\n"
                              "      <driver name='%s'/>\n      <source>\n",
                           d->type, d->name, d->memory_kib, d->current_memory_kib, d->vcpus,
                           d->arch, d->machine, h->managed ? "yes" : "no", h->driver_name);
    append_pci_address(x, bdf);
    g_string_append(x, "      </source>\n    </hostdev>\n  </devices>\n</domain>\n");
    return g_string_free(x, FALSE);
}

static char *
export_run(const ExportCase *c, const char *root, const char *format)
{
    const char *argv[] = { DT_BIN, "export", "--sysroot", root, "--config", T.conf,
                           "--format", format, "--qemu-version", c->qemu,
                           "--libvirt-version", c->libvirt, NULL };
    g_auto(GStrv) env = base_env();
    char *out = NULL;
    g_autofree char *err = NULL;

    g_assert_cmpint(run(argv, env, NULL, &out, &err), ==, 0);
    return out;
}

static char *
line_value(const char *text, const char *pattern)
{
    g_autoptr(GRegex) re = g_regex_new(pattern, G_REGEX_MULTILINE, 0, NULL);
    g_autoptr(GMatchInfo) m = NULL;

    return g_regex_match(re, text, 0, &m) ? g_match_info_fetch(m, 1) : NULL;
}

static void
test_export(gconstpointer data)
{
    const ExportCase *c = data;
    g_autofree char *root = g_build_filename(HOSTS, c->host, NULL);
    g_autoptr(DtPaths) paths = dt_paths_new(root);
    g_autoptr(GError) error = NULL;
    g_autoptr(DtHost) host = dt_host_probe(paths, &error);
    g_autofree char *nova = export_run(c, root, "nova");
    g_autofree char *nfd = export_run(c, root, "nfd");
    g_autofree char *prom = export_run(c, root, "prometheus");
    g_autofree char *nfd_live = NULL;
    guint n_live = 0, n_vfio = 0;

    g_assert_no_error(error);
    g_assert_true(dt_host_probe_all_devices(host, paths, &error));
    for (guint i = 0; i < host->devices->len; i++) {
        const DtPciDev *dev = g_ptr_array_index(host->devices, i);
        g_autofree char *bdf = dt_pci_addr_to_string(&dev->addr);
        g_autofree char *xml = NULL;
        g_autofree char *path = NULL;
        g_autofree char *pat = NULL;
        g_autofree char *live = NULL;
        g_autofree char *line = NULL;
        Ask q = { root, c->qemu, c->libvirt, "source", NULL, NULL };
        Answer ref = { "check" }, ex[1] = { { "export" } };
        gboolean want_live;

        if (!dev->driver || !dt_driver_is_vfio(dev->driver))
            continue;
        n_vfio++;
        xml = export_question_xml(host, dev);
        path = g_strdup_printf("%s/export-%s-%s.xml", T.tmp, c->host, bdf);
        g_assert_true(g_file_set_contents(path, xml, -1, NULL));
        q.xml_path = path;
        q.xml = xml;
        ask_check(&q, "source", FALSE, &ref, NULL);
        if (!ref.verdict)
            return;

        /* prometheus: the engine's verdict, mode and warning/refusal codes */
        pat = g_strdup_printf("^(dirtytrack_device_tracking_mode\\{address=\"%s\",[^}]*\\} 1)$", bdf);
        line = line_value(prom, pat);
        if (!line) {
            fail("export prometheus has no decision line for %s", bdf);
            continue;
        }
        ex[0].verdict = line_value(line, "verdict=\"([a-z]+)\"");
        ex[0].mode = line_value(line, "mode=\"([a-z]+)\"");
        {
            g_autofree char *list = line_value(line, "reasons=\"([a-z0-9,-]*)\"");
            g_auto(GStrv) parts = g_strsplit(list ? list : "", ",", -1);
            g_autoptr(GPtrArray) codes = g_ptr_array_new();
            for (guint k = 0; parts[k]; k++)
                if (*parts[k])
                    g_ptr_array_add(codes, parts[k]);
            ex[0].codes = codes_join(codes);
        }
        compare(bdf, &ref, ex, 1);

        /* nova and the live-migratable gauge: what the engine's answer means */
        want_live = !g_str_equal(ref.verdict, "deny") &&
                    (g_strcmp0(ref.mode, "device") == 0 || g_strcmp0(ref.mode, "iommu") == 0);
        n_live += want_live;
        g_free(pat);
        pat = g_strdup_printf("\"address\": \"%s\".*\"live_migratable\": \"([a-z]+)\"", bdf);
        live = line_value(nova, pat);
        if (g_strcmp0(live, want_live ? "yes" : "no") != 0)
            fail("%s: nova live_migratable %s, check says %s/%s", bdf,
                               live ? live : "(none)", ref.verdict, ref.mode);
        g_free(pat);
        g_free(live);
        pat = g_strdup_printf("^dirtytrack_device_live_migratable\\{address=\"%s\",[^}]*\\} ([01])$", bdf);
        live = line_value(prom, pat);
        if (g_strcmp0(live, want_live ? "1" : "0") != 0)
            fail("%s: prometheus live_migratable %s, check says %s/%s", bdf,
                               live ? live : "(none)", ref.verdict, ref.mode);
        answer_clear(&ref);
        answer_clear(&ex[0]);
    }
    nfd_live = line_value(nfd, "^dirtytrack.io/vfio-live-migratable-devices=([0-9]+)$");
    if (n_vfio && (!nfd_live || (guint)atoi(nfd_live) != n_live))
        fail("nfd vfio-live-migratable-devices=%s, check finds %u",
                           nfd_live ? nfd_live : "(none)", n_live);
}

/* ---- main ------------------------------------------------------------------------- */

static gint
cmp_variant(gconstpointer a, gconstpointer b)
{
    const Scenario *x = *(const Scenario *const *)a, *y = *(const Scenario *const *)b;
    int c = (int)x->host - (int)y->host;

    if (c)
        return c;
    c = g_strcmp0(x->kernel, y->kernel);
    if (c)
        return c;
    return (int)(x->mods & (M_PROBED_LOG | M_PROBED_NOLOG)) - (int)(y->mods & (M_PROBED_LOG | M_PROBED_NOLOG));
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) rows = g_ptr_array_new();
    g_autofree char *cmd = NULL;
    int rc;

    g_test_init(&argc, &argv, NULL);
    T.tmp = g_dir_make_tmp("faces-agree-XXXXXX", NULL);
    g_assert_nonnull(T.tmp);
    T.conf = g_build_filename(T.tmp, "dirtytrack.conf", NULL);
    g_assert_true(g_file_set_contents(T.conf, "[hook]\nuse-daemon=no\n", -1, NULL));
    T.roots = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    if (!start_bus()) {
        g_printerr("cannot start a private dbus-daemon\n");
        return 77;
    }

    for (guint i = 0; i < G_N_ELEMENTS(scenarios); i++)
        g_ptr_array_add(rows, (gpointer)&scenarios[i]);
    /* one daemon per host variant: rows of a variant run together */
    g_ptr_array_sort(rows, cmp_variant);
    for (guint i = 0; i < rows->len; i++) {
        const Scenario *sc = g_ptr_array_index(rows, i);
        /* one flat suite, so the rows run in this order */
        g_autofree char *p = g_strdup_printf("/faces/%s", sc->path + strlen("/decide/"));
        g_strdelimit(p + strlen("/faces/"), "/", ':');
        g_test_add_data_func(p, sc, test_scenario);
    }
    for (guint i = 0; i < G_N_ELEMENTS(export_cases); i++) {
        const ExportCase *c = &export_cases[i];
        g_autofree char *p = g_strdup_printf("/faces/export/%s/qemu-%s/libvirt-%s", c->host,
                                             c->qemu, c->libvirt);
        g_test_add_data_func(p, c, test_export);
    }
    rc = g_test_run();

    stop_pid(&T.daemon_pid);
    if (T.conn) {
        dbus_connection_close(T.conn);
        dbus_connection_unref(T.conn);
    }
    stop_pid(&T.bus_pid);
    cmd = g_strdup_printf("rm -rf '%s'", T.tmp);
    if (system(cmd) != 0)
        g_printerr("cannot remove %s\n", T.tmp);
    return rc;
}
