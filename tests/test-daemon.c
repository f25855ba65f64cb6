/* test-daemon.c: dirtytrackd against a real bus.
 *
 * The plan: start two private dbus-daemons in a temporary directory and
 * one dirtytrackd from the build tree on each (--address), then talk to
 * them with plain libdbus as a client would.
 *   bus "open"   allows everything, so the daemon's own checks are what a
 *                caller meets; its dirtytrackd reads a *copy* of a fixture
 *                host, which a test edits to simulate a hot-unplug.
 *   bus "policy" is configured like the system bus (default deny) plus the
 *                shipped data/org.dirtytrack1.conf, to prove the policy.
 * Non-root callers are this same program re-executed under uid/gid 65534
 * with setpriv (--child mode), printing the error name it got.
 * The last tests SIGSTOP and then SIGKILL the daemon and time a client with
 * a 500 ms timeout.  Everything is stopped by pid at the end.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dbus/dbus.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "dbus/dt-dbus-api.h"
#include "model/dt-xml.h"

#define CALL_TIMEOUT_MS 20000
#define NOBODY_ID "65534"
#define FIXTURE_HOST "intel-dirty"
#define REMOVED_DEVICE "0000:6b:00.1"
#define STRESS_CALLS 10000
#define OPEN_MAX_QUEUE "16"
#define RSS_FIRST_SAMPLE 1000

typedef struct {
    const char *name;
    GPid bus_pid;
    GPid daemon_pid;
    char *address;
    char *log;      /* the daemon's stderr */
} Instance;

static struct {
    char *tmpdir;
    char *host_copy;
    Instance open;
    Instance policy;
    DBusConnection *conn;        /* root client on the open bus */
    DBusConnection *policy_conn; /* root client on the policy bus */
    gboolean ready;
} T;

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DBusMessage, dbus_message_unref)

/* ---- plumbing ------------------------------------------------------------- */

static char *
srcdir_file(const char *rel)
{
    return g_build_filename(ABS_TOP_SRCDIR, rel, NULL);
}

static char *
read_domain(const char *name)
{
    g_autofree char *path = NULL;
    g_autofree char *name_xml = g_strconcat(name, ".xml", NULL);
    char *buf = NULL;

    path = g_build_filename(ABS_TOP_SRCDIR, "tests", "data", "domains", name_xml, NULL);
    g_assert_true(g_file_get_contents(path, &buf, NULL, NULL));
    return buf;
}

static DBusConnection *
client_connect(const char *address)
{
    DBusError err;
    DBusConnection *c;

    dbus_error_init(&err);
    c = dbus_connection_open_private(address, &err);
    if (c && !dbus_bus_register(c, &err)) {
        dbus_connection_close(c);
        dbus_connection_unref(c);
        c = NULL;
    }
    if (!c) {
        g_printerr("cannot connect to %s: %s\n", address, err.message);
        dbus_error_free(&err);
        return NULL;
    }
    dbus_connection_set_exit_on_disconnect(c, FALSE);
    return c;
}

static void
client_close(DBusConnection *c)
{
    if (!c)
        return;
    dbus_connection_flush(c);
    dbus_connection_close(c);
    dbus_connection_unref(c);
}

static DBusMessage *
new_call(const char *iface, const char *method)
{
    return dbus_message_new_method_call(DT_DBUS_NAME, DT_DBUS_PATH, iface, method);
}

/* Sends call (consuming it) and waits; returns the reply or error message. */
static DBusMessage *
send_call(DBusConnection *c, DBusMessage *call, int timeout_ms)
{
    DBusPendingCall *pending = NULL;
    DBusMessage *reply;

    g_assert_true(dbus_connection_send_with_reply(c, call, &pending, timeout_ms));
    g_assert_nonnull(pending);
    dbus_message_unref(call);
    dbus_pending_call_block(pending);
    reply = dbus_pending_call_steal_reply(pending);
    dbus_pending_call_unref(pending);
    g_assert_nonnull(reply);
    return reply;
}

static const char *
error_name(DBusMessage *reply)
{
    return dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR
               ? dbus_message_get_error_name(reply)
               : NULL;
}

static void
assert_ok(DBusMessage *reply)
{
    if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR) {
        const char *text = NULL;

        dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID);
        g_error("unexpected error %s: %s", dbus_message_get_error_name(reply),
                text ? text : "");
    }
}

static void
append_options(DBusMessage *m, const char *const *kv)
{
    DBusMessageIter iter, dict, entry;

    dbus_message_iter_init_append(m, &iter);
    dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "{ss}", &dict);
    for (; kv && kv[0]; kv += 2) {
        dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
        dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &kv[0]);
        dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &kv[1]);
        dbus_message_iter_close_container(&dict, &entry);
    }
    dbus_message_iter_close_container(&iter, &dict);
}

static DBusMessage *
eval_call(const char *method, const char *xml, const char *const *options)
{
    DBusMessage *m = new_call(DT_DBUS_MANAGER_IFACE, method);

    dbus_message_append_args(m, DBUS_TYPE_STRING, &xml, DBUS_TYPE_INVALID);
    append_options(m, options);
    return m;
}

static DBusMessage *
string_call(const char *method, const char *arg)
{
    DBusMessage *m = new_call(DT_DBUS_MANAGER_IFACE, method);

    if (arg)
        dbus_message_append_args(m, DBUS_TYPE_STRING, &arg, DBUS_TYPE_INVALID);
    return m;
}

static DBusMessage *
hook_call(const char *name, const char *op, const char *subop, const char *xml)
{
    DBusMessage *m = new_call(DT_DBUS_MANAGER_IFACE, "HookEvent");

    dbus_message_append_args(m, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING, &op,
                             DBUS_TYPE_STRING, &subop, DBUS_TYPE_STRING, &xml,
                             DBUS_TYPE_INVALID);
    return m;
}

/* One string out of a reply (index-th argument). */
static const char *
reply_string(DBusMessage *reply, int index)
{
    DBusMessageIter iter;
    const char *s = NULL;

    g_assert_true(dbus_message_iter_init(reply, &iter));
    for (int i = 0; i < index; i++)
        g_assert_true(dbus_message_iter_next(&iter));
    g_assert_cmpint(dbus_message_iter_get_arg_type(&iter), ==, DBUS_TYPE_STRING);
    dbus_message_iter_get_basic(&iter, &s);
    return s;
}

static JsonObject *
parse_object(const char *json, JsonNode **keep)
{
    g_autoptr(GError) error = NULL;

    *keep = json_from_string(json, &error);
    g_assert_no_error(error);
    g_assert_nonnull(*keep);
    g_assert_true(JSON_NODE_HOLDS_OBJECT(*keep));
    return json_node_get_object(*keep);
}

/* A decision report is one JSON object, as json-glib renders it (pretty,
 * an indent of 2), ending with a newline like every line a tool prints. */
static void
assert_json_glib_form(const char *text)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) error = NULL;

    g_assert_true(json_parser_load_from_data(parser, text, -1, &error));
    g_assert_no_error(error);
    g_assert_true(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)));
    g_assert_true(g_str_has_suffix(text, "}\n"));
}

/* Waits for a Manager signal named name; returns it (caller unrefs) or NULL. */
static DBusMessage *
wait_signal(DBusConnection *c, const char *name, int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64) timeout_ms * 1000;

    while (g_get_monotonic_time() < deadline) {
        DBusMessage *m;

        while ((m = dbus_connection_pop_message(c))) {
            if (dbus_message_is_signal(m, DT_DBUS_MANAGER_IFACE, name))
                return m;
            dbus_message_unref(m);
        }
        dbus_connection_read_write(c, 50);
    }
    return NULL;
}

static void
drain_messages(DBusConnection *c)
{
    DBusMessage *m;

    dbus_connection_read_write(c, 0);
    while ((m = dbus_connection_pop_message(c)))
        dbus_message_unref(m);
}

static void
add_match(DBusConnection *c)
{
    DBusError err;

    dbus_error_init(&err);
    dbus_bus_add_match(c, "type='signal',interface='" DT_DBUS_MANAGER_IFACE "'", &err);
    g_assert_false(dbus_error_is_set(&err));
}

static long
vm_rss_kib(GPid pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", pid);
    g_autofree char *status = NULL;
    const char *line;

    g_assert_true(g_file_get_contents(path, &status, NULL, NULL));
    line = strstr(status, "VmRSS:");
    g_assert_nonnull(line);
    return strtol(line + strlen("VmRSS:"), NULL, 10);
}

static gboolean
under_valgrind(GPid pid)
{
    g_autofree char *link = g_strdup_printf("/proc/%d/exe", pid);
    g_autofree char *exe = g_file_read_link(link, NULL);

    return exe && !g_str_has_suffix(exe, "/dirtytrackd");
}

/* ---- setup ------------------------------------------------------------------ */

static const char open_bus_conf[] =
    "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN\"\n"
    " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
    "<busconfig>\n"
    "  <type>session</type>\n"
    "  <listen>unix:path=%s/open_bus_socket</listen>\n"
    "  <auth>EXTERNAL</auth>\n"
    "  <policy context=\"default\">\n"
    "    <allow user=\"*\"/>\n"
    "    <allow own=\"*\"/>\n"
    "    <allow send_destination=\"*\"/>\n"
    "    <allow receive_sender=\"*\"/>\n"
    "  </policy>\n"
    "</busconfig>\n";

/* The system bus's own defaults (Debian's system.conf), our policy file
 * included as installed; only the listen address differs. */
static const char policy_bus_conf[] =
    "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN\"\n"
    " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
    "<busconfig>\n"
    "  <type>system</type>\n"
    "  <listen>unix:path=%s/system_bus_socket</listen>\n"
    "  <auth>EXTERNAL</auth>\n"
    "  <policy context=\"default\">\n"
    "    <allow user=\"*\"/>\n"
    "    <deny own=\"*\"/>\n"
    "    <deny send_type=\"method_call\"/>\n"
    "    <allow send_type=\"signal\"/>\n"
    "    <allow send_requested_reply=\"true\" send_type=\"method_return\"/>\n"
    "    <allow send_requested_reply=\"true\" send_type=\"error\"/>\n"
    "    <allow receive_type=\"method_call\"/>\n"
    "    <allow receive_type=\"method_return\"/>\n"
    "    <allow receive_type=\"error\"/>\n"
    "    <allow receive_type=\"signal\"/>\n"
    "    <allow send_destination=\"org.freedesktop.DBus\"\n"
    "           send_interface=\"org.freedesktop.DBus\"/>\n"
    "    <allow send_destination=\"org.freedesktop.DBus\"\n"
    "           send_interface=\"org.freedesktop.DBus.Introspectable\"/>\n"
    "  </policy>\n"
    "  <include>%s</include>\n"
    "</busconfig>\n";

/* A test that aborts must not leave buses and daemons behind (holding
 * the TAP pipe open): they die with us. */
static void
die_with_parent(gpointer user_data)
{
    int log_fd = GPOINTER_TO_INT(user_data);

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (log_fd > 0)
        dup2(log_fd, STDERR_FILENO);
}

static gboolean
start_bus(const char *conf_path, Instance *inst)
{
    const char *argv[] = { DBUS_DAEMON, "--nofork", "--print-address", "--config-file",
                           conf_path, NULL };
    g_autoptr(GError) error = NULL;
    g_autoptr(GIOChannel) ch = NULL;
    int out_fd;
    char *line = NULL;

    if (!g_spawn_async_with_pipes(NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                  die_with_parent, GINT_TO_POINTER(-1), &inst->bus_pid, NULL, &out_fd, NULL, &error)) {
        g_printerr("cannot start dbus-daemon: %s\n", error->message);
        return FALSE;
    }
    ch = g_io_channel_unix_new(out_fd);
    g_io_channel_set_close_on_unref(ch, TRUE);
    if (g_io_channel_read_line(ch, &line, NULL, NULL, &error) != G_IO_STATUS_NORMAL || !line) {
        g_printerr("dbus-daemon printed no address\n");
        return FALSE;
    }
    inst->address = g_strstrip(line);
    return TRUE;
}

static gboolean
start_daemon(Instance *inst, const char *sysroot)
{
    g_autofree char *daemon = g_build_filename(ABS_TOP_BUILDDIR, "plugin", "daemon",
                                               "dirtytrackd", NULL);
    /* the open bus's daemon has a short work queue, for the Busy test; the
     * policy bus's keeps the default */
    const char *argv[] = { daemon, "--address", inst->address, "--sysroot", sysroot,
                           "--threads", "2", inst == &T.open ? "--max-queue" : NULL,
                           OPEN_MAX_QUEUE, NULL };
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) env = NULL;
    DBusConnection *c;
    gint64 deadline;
    int log_fd;
    gboolean spawned;

    g_free(inst->log);
    inst->log = g_strdup_printf("%s/daemon-%s.log", T.tmpdir, inst->name);
    log_fd = open(inst->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    g_assert_cmpint(log_fd, >=, 0);
    if (inst == &T.policy) {
        /* like a system daemon: no QEMU version pinned, so it probes the
         * QEMU binaries it trusts (into a cache of the test's own) */
        g_autofree char *cache = g_build_filename(T.tmpdir, "qemu-cache", NULL);

        env = g_environ_unsetenv(g_get_environ(), "DIRTYTRACK_QEMU_VERSION");
        env = g_environ_setenv(env, "DIRTYTRACK_CACHE_DIR", cache, TRUE);
    }
    spawned = g_spawn_async(NULL, (char **) argv, env,
                            G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_LEAVE_DESCRIPTORS_OPEN,
                            die_with_parent, GINT_TO_POINTER(log_fd), &inst->daemon_pid, &error);
    close(log_fd);
    if (!spawned) {
        g_printerr("cannot start dirtytrackd: %s\n", error->message);
        return FALSE;
    }
    c = client_connect(inst->address);
    if (!c)
        return FALSE;
    deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
    while (g_get_monotonic_time() < deadline) {
        if (dbus_bus_name_has_owner(c, DT_DBUS_NAME, NULL)) {
            client_close(c);
            return TRUE;
        }
        g_usleep(20 * 1000);
    }
    client_close(c);
    g_printerr("dirtytrackd did not take its name\n");
    return FALSE;
}

static void
stop_pid(GPid *pid, int sig)
{
    if (*pid <= 0)
        return;
    kill(*pid, SIGCONT);
    kill(*pid, sig);
    waitpid(*pid, NULL, 0);
    *pid = 0;
}

/* A failed assertion aborts without teardown: a helper that waits for
 * this process's end (its stdin pipe closing) removes the scratch tree. */
static void
remove_tmpdir_at_exit(const char *dir)
{
    const char *argv[] = { "/bin/sh", "-c", "cat >/dev/null; rm -rf \"$0\"", dir, NULL };
    int in_fd = -1;

    if (g_spawn_async_with_pipes(NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
                                 &in_fd, NULL, NULL, NULL))
        fcntl(in_fd, F_SETFD, FD_CLOEXEC);
    /* in_fd stays open until we exit, by design */
}

static gboolean
setup(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *open_conf = NULL, *policy_conf = NULL;
    g_autofree char *open_text = NULL, *policy_text = NULL;
    g_autofree char *policy_file = g_build_filename(ABS_TOP_BUILDDIR, "data",
                                                    "org.dirtytrack1.conf", NULL);
    g_autofree char *fixture = g_build_filename(ABS_TOP_SRCDIR, "tests", "data", "hosts",
                                                FIXTURE_HOST, NULL);
    const char *cp_argv[] = { "cp", "-a", fixture, NULL, NULL };
    int status = 0;

    /* The evaluation's QEMU and libvirt are pinned, not probed. */
    g_setenv("DIRTYTRACK_QEMU_VERSION", "9.2.0", TRUE);
    g_setenv("DIRTYTRACK_LIBVIRT_VERSION", "10.0.0", TRUE);

    T.open.name = "open";
    T.policy.name = "policy";
    T.tmpdir = g_dir_make_tmp("dt-daemon-XXXXXX", &error);
    if (!T.tmpdir)
        return FALSE;
    remove_tmpdir_at_exit(T.tmpdir);
    /* non-root clients must reach the sockets */
    g_chmod(T.tmpdir, 0755);
    T.host_copy = g_build_filename(T.tmpdir, "host", NULL);
    cp_argv[3] = T.host_copy;
    if (!g_spawn_sync(NULL, (char **) cp_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                      NULL, &status, &error) ||
        !g_spawn_check_wait_status(status, NULL))
        return FALSE;

    open_conf = g_build_filename(T.tmpdir, "open.conf", NULL);
    open_text = g_strdup_printf(open_bus_conf, T.tmpdir);
    policy_conf = g_build_filename(T.tmpdir, "policy.conf", NULL);
    policy_text = g_strdup_printf(policy_bus_conf, T.tmpdir, policy_file);
    if (!g_file_set_contents(open_conf, open_text, -1, NULL) ||
        !g_file_set_contents(policy_conf, policy_text, -1, NULL))
        return FALSE;

    if (!start_bus(open_conf, &T.open) || !start_bus(policy_conf, &T.policy))
        return FALSE;
    if (!start_daemon(&T.open, T.host_copy) || !start_daemon(&T.policy, fixture))
        return FALSE;
    T.conn = client_connect(T.open.address);
    T.policy_conn = client_connect(T.policy.address);
    if (!T.conn || !T.policy_conn)
        return FALSE;
    add_match(T.conn);
    return TRUE;
}

static void
teardown(void)
{
    client_close(T.conn);
    client_close(T.policy_conn);
    stop_pid(&T.open.daemon_pid, SIGTERM);
    stop_pid(&T.policy.daemon_pid, SIGTERM);
    stop_pid(&T.open.bus_pid, SIGTERM);
    stop_pid(&T.policy.bus_pid, SIGTERM);
    if (T.tmpdir) {
        const char *rm_argv[] = { "rm", "-rf", T.tmpdir, NULL };

        g_spawn_sync(NULL, (char **) rm_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                     NULL, NULL);
    }
    g_free(T.tmpdir);
    g_free(T.host_copy);
    g_free(T.open.address);
    g_free(T.policy.address);
    g_free(T.open.log);
    g_free(T.policy.log);
}

#define REQUIRE_READY()                                         \
    do {                                                        \
        if (!T.ready) {                                         \
            g_test_skip("private bus or daemon did not start"); \
            return;                                             \
        }                                                       \
    } while (0)

/* ---- non-root child ------------------------------------------------------- */

/* Runs as uid 65534: one call, prints "ok" or the error name.  For
 * Evaluate and Filter, file is the domain XML, and the answer's strings
 * follow "ok", one per line. */
static int
child_main(const char *address, const char *method, const char *file)
{
    DBusConnection *c = client_connect(address);
    g_autoptr(DBusMessage) reply = NULL;
    g_autofree char *xml = NULL;

    if (!c)
        return 2;
    if (file) {
        if (!g_file_get_contents(file, &xml, NULL, NULL))
            return 2;
        reply = send_call(c, eval_call(method, xml, NULL), CALL_TIMEOUT_MS);
        g_print("%s\n", error_name(reply) ? error_name(reply) : "ok");
        for (int i = 0; !error_name(reply) && i < 3; i++)
            g_print("%s\n", reply_string(reply, i));
        client_close(c);
        return 0;
    }
    if (g_str_equal(method, "HookEvent")) {
        xml = read_domain("mlx5-vf");
        reply = send_call(c, hook_call("mlx5-vf", "prepare", "begin", xml), CALL_TIMEOUT_MS);
    } else {
        reply = send_call(c, string_call(method, NULL), CALL_TIMEOUT_MS);
    }
    g_print("%s\n", error_name(reply) ? error_name(reply) : "ok");
    client_close(c);
    return 0;
}

/* Returns what the child printed, or NULL when it cannot run here.
 * gid: a supplementary group for the child, or NULL for none; file: the
 * domain XML of an Evaluate or Filter call, or NULL. */
static char *
run_as_nobody_with(const char *address, const char *method, const char *gid, const char *file)
{
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    g_autofree char *groups = gid ? g_strconcat("--groups=", gid, NULL) : g_strdup("--clear-groups");
    const char *argv[] = { "setpriv", "--reuid=" NOBODY_ID, "--regid=" NOBODY_ID,
                           groups, self, "--child", address, method, file, NULL };
    g_autoptr(GError) error = NULL;
    char *out = NULL;
    int status;

    g_autofree char *setpriv = g_find_program_in_path("setpriv");

    if (!self || getuid() != 0 || !setpriv)
        return NULL;
    if (!g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
                      &status, &error) ||
        !g_spawn_check_wait_status(status, NULL)) {
        g_free(out);
        return NULL;
    }
    return g_strstrip(out);
}

/* Whether PROGRAM is on PATH (the found path is freed, not kept). */
static gboolean
have_program(const char *program)
{
    g_autofree char *path = g_find_program_in_path(program);
    return path != NULL;
}

static char *
run_as_nobody_in(const char *address, const char *method, const char *gid)
{
    return run_as_nobody_with(address, method, gid, NULL);
}

static char *
run_as_nobody(const char *address, const char *method)
{
    return run_as_nobody_in(address, method, NULL);
}

/* ---- tests ---------------------------------------------------------------------- */

static char *
normalize_xml(const char *xml)
{
    g_autoptr(GRegex) comments = g_regex_new("<!--.*?-->", G_REGEX_DOTALL, 0, NULL);
    g_autoptr(GRegex) between = g_regex_new(">\\s+<", 0, 0, NULL);
    g_autoptr(GRegex) spaces = g_regex_new("\\s+", 0, 0, NULL);
    g_autofree char *a = g_regex_replace_literal(comments, xml, -1, 0, "", 0, NULL);
    g_autofree char *b = g_regex_replace_literal(between, a, -1, 0, "><", 0, NULL);

    return g_strstrip(g_regex_replace_literal(spaces, b, -1, 0, " ", 0, NULL));
}

/* The <interface name="org.dirtytrack1.Manager">...</interface> part. */
static char *
manager_interface(const char *xml)
{
    g_autofree char *norm = normalize_xml(xml);
    const char *start = strstr(norm, "<interface name=\"" DT_DBUS_MANAGER_IFACE "\">");
    const char *end = start ? strstr(start, "</interface>") : NULL;

    if (!end)
        return NULL;
    return g_strndup(start, end + strlen("</interface>") - start);
}

static void
test_introspect_matches_schema(void)
{
    g_autofree char *schema_path = srcdir_file("schemas/dbus/" DT_DBUS_MANAGER_IFACE ".xml");
    g_autofree char *schema = NULL;
    g_autofree char *want = NULL, *got = NULL;
    g_autoptr(DBusMessage) reply = NULL;

    REQUIRE_READY();
    g_assert_true(g_file_get_contents(schema_path, &schema, NULL, NULL));
    reply = send_call(T.conn, new_call(DBUS_INTERFACE_INTROSPECTABLE, "Introspect"),
                      CALL_TIMEOUT_MS);
    assert_ok(reply);
    want = manager_interface(schema);
    got = manager_interface(reply_string(reply, 0));
    g_assert_nonnull(want);
    g_assert_cmpstr(got, ==, want);
    /* and the standard interfaces a generic client needs */
    g_assert_nonnull(strstr(reply_string(reply, 0), DBUS_INTERFACE_PROPERTIES));
    g_assert_nonnull(strstr(reply_string(reply, 0), DBUS_INTERFACE_INTROSPECTABLE));
}

static void
test_introspect_root_lists_child(void)
{
    DBusMessage *call = dbus_message_new_method_call(DT_DBUS_NAME, "/",
                                                     DBUS_INTERFACE_INTROSPECTABLE, "Introspect");
    g_autoptr(DBusMessage) reply = NULL;

    REQUIRE_READY();
    reply = send_call(T.conn, call, CALL_TIMEOUT_MS);
    assert_ok(reply);
    g_assert_nonnull(strstr(reply_string(reply, 0), "<node name=\"org\"/>"));
}

static void
test_properties(void)
{
    DBusMessage *call = new_call(DBUS_INTERFACE_PROPERTIES, "GetAll");
    const char *iface = DT_DBUS_MANAGER_IFACE;
    g_autoptr(DBusMessage) reply = NULL;
    DBusMessageIter iter, dict;
    gboolean saw_version = FALSE, saw_api_version = FALSE, saw_sysroot = FALSE;

    REQUIRE_READY();
    dbus_message_append_args(call, DBUS_TYPE_STRING, &iface, DBUS_TYPE_INVALID);
    reply = send_call(T.conn, call, CALL_TIMEOUT_MS);
    assert_ok(reply);
    g_assert_cmpstr(dbus_message_get_signature(reply), ==, "a{sv}");
    dbus_message_iter_init(reply, &iter);
    dbus_message_iter_recurse(&iter, &dict);
    for (; dbus_message_iter_get_arg_type(&dict) == DBUS_TYPE_DICT_ENTRY;
         dbus_message_iter_next(&dict)) {
        DBusMessageIter entry, var;
        const char *name;

        dbus_message_iter_recurse(&dict, &entry);
        dbus_message_iter_get_basic(&entry, &name);
        dbus_message_iter_next(&entry);
        dbus_message_iter_recurse(&entry, &var);
        if (g_str_equal(name, "Version")) {
            const char *v;

            dbus_message_iter_get_basic(&var, &v);
            g_assert_cmpstr(v, ==, PACKAGE_VERSION);
            saw_version = TRUE;
        } else if (g_str_equal(name, DT_DBUS_PROP_API_VERSION)) {
            dbus_uint32_t v = 0;

            g_assert_cmpint(dbus_message_iter_get_arg_type(&var), ==, DBUS_TYPE_UINT32);
            dbus_message_iter_get_basic(&var, &v);
            g_assert_cmpuint(v, ==, DT_DBUS_API_VERSION);
            saw_api_version = TRUE;
        } else if (g_str_equal(name, "Config")) {
            DBusMessageIter arr;

            char *sig = dbus_message_iter_get_signature(&var);

            g_assert_cmpstr(sig, ==, "a{ss}");
            dbus_free(sig);
            dbus_message_iter_recurse(&var, &arr);
            for (; dbus_message_iter_get_arg_type(&arr) == DBUS_TYPE_DICT_ENTRY;
                 dbus_message_iter_next(&arr)) {
                DBusMessageIter kv;
                const char *k, *v;

                dbus_message_iter_recurse(&arr, &kv);
                dbus_message_iter_get_basic(&kv, &k);
                dbus_message_iter_next(&kv);
                dbus_message_iter_get_basic(&kv, &v);
                if (g_str_equal(k, "sysroot")) {
                    g_assert_cmpstr(v, ==, T.host_copy);
                    saw_sysroot = TRUE;
                }
            }
        }
    }
    g_assert_true(saw_version);
    g_assert_true(saw_api_version);
    g_assert_true(saw_sysroot);
}

static void
test_properties_get_and_set(void)
{
    const char *iface = DT_DBUS_MANAGER_IFACE, *prop = "Version";
    const char *value = "9.9";
    DBusMessage *get = new_call(DBUS_INTERFACE_PROPERTIES, "Get");
    DBusMessage *set = new_call(DBUS_INTERFACE_PROPERTIES, "Set");
    g_autoptr(DBusMessage) r1 = NULL, r2 = NULL;
    DBusMessageIter iter, var;

    REQUIRE_READY();
    dbus_message_append_args(get, DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING, &prop,
                             DBUS_TYPE_INVALID);
    r1 = send_call(T.conn, get, CALL_TIMEOUT_MS);
    assert_ok(r1);
    g_assert_cmpstr(dbus_message_get_signature(r1), ==, "v");

    dbus_message_append_args(set, DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING, &prop,
                             DBUS_TYPE_INVALID);
    dbus_message_iter_init_append(set, &iter);
    dbus_message_iter_open_container(&iter, DBUS_TYPE_VARIANT, "s", &var);
    dbus_message_iter_append_basic(&var, DBUS_TYPE_STRING, &value);
    dbus_message_iter_close_container(&iter, &var);
    r2 = send_call(T.conn, set, CALL_TIMEOUT_MS);
    g_assert_cmpstr(error_name(r2), ==, DBUS_ERROR_PROPERTY_READ_ONLY);
}

static void
test_peer_ping(void)
{
    g_autoptr(DBusMessage) reply = NULL;

    REQUIRE_READY();
    reply = send_call(T.conn, new_call(DBUS_INTERFACE_PEER, "Ping"), CALL_TIMEOUT_MS);
    assert_ok(reply);
}

/* The typed reasons (a(ssss) at argument index) equal the report's
 * reasons [{code, severity, device, message}] one by one, a null device
 * being ""; returns how many there are. */
static guint
assert_typed_reasons(DBusMessage *reply, int index, JsonObject *report)
{
    JsonArray *reasons = json_object_get_array_member(report, "reasons");
    DBusMessageIter iter, array;
    guint n = 0;

    g_assert_true(dbus_message_iter_init(reply, &iter));
    for (int i = 0; i < index; i++)
        g_assert_true(dbus_message_iter_next(&iter));
    g_assert_cmpint(dbus_message_iter_get_arg_type(&iter), ==, DBUS_TYPE_ARRAY);
    g_assert_cmpint(dbus_message_iter_get_element_type(&iter), ==, DBUS_TYPE_STRUCT);
    for (dbus_message_iter_recurse(&iter, &array);
         dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT;
         dbus_message_iter_next(&array), n++) {
        static const char *const keys[] = { "code", "severity", "device", "message" };
        JsonObject *r;
        DBusMessageIter st;

        g_assert_cmpuint(n, <, json_array_get_length(reasons));
        r = json_array_get_object_element(reasons, n);
        dbus_message_iter_recurse(&array, &st);
        for (guint k = 0; k < G_N_ELEMENTS(keys); k++) {
            const char *typed = NULL;
            const char *json = json_object_get_null_member(r, keys[k])
                                   ? ""
                                   : json_object_get_string_member(r, keys[k]);

            g_assert_cmpint(dbus_message_iter_get_arg_type(&st), ==, DBUS_TYPE_STRING);
            dbus_message_iter_get_basic(&st, &typed);
            g_assert_cmpstr(typed, ==, json);
            dbus_message_iter_next(&st);
        }
        g_assert_cmpint(dbus_message_iter_get_arg_type(&st), ==, DBUS_TYPE_INVALID);
    }
    g_assert_cmpuint(n, ==, json_array_get_length(reasons));
    return n;
}

static guint
check_evaluate(const char *domain)
{
    g_autofree char *xml = read_domain(domain);
    /* what the hook sends on prepare */
    const char *opts[] = { "role", "source", "op", "prepare", "qemu-version", "9.2.0",
                           "libvirt-version", "9.0.0", NULL };
    g_autoptr(DBusMessage) reply = NULL;
    g_autoptr(JsonNode) root = NULL;
    JsonObject *o;

    reply = send_call(T.conn, eval_call("Evaluate", xml, opts), CALL_TIMEOUT_MS);
    assert_ok(reply);
    /* API version 3: verdict, mode and reasons as D-Bus types besides the report */
    g_assert_cmpstr(dbus_message_get_signature(reply), ==, "sssa(ssss)");
    o = parse_object(reply_string(reply, 2), &root);
    assert_json_glib_form(reply_string(reply, 2));
    /* the report is the same decision the typed results summarise */
    g_assert_cmpstr(json_object_get_string_member(o, "verdict"), ==, reply_string(reply, 0));
    g_assert_cmpstr(json_object_get_string_member(o, "mode"), ==, reply_string(reply, 1));
    g_assert_true(json_object_has_member(o, "reasons"));
    return assert_typed_reasons(reply, 3, o);
}

static void
test_evaluate_mlx5(void)
{
    REQUIRE_READY();
    check_evaluate("mlx5-vf");
}

static void
test_evaluate_no_hostdev(void)
{
    REQUIRE_READY();
    check_evaluate("no-hostdev");
}

/* A domain whose device is not on this host: refused, with reasons, and
 * the typed reasons say the same as the report's. */
static void
test_evaluate_typed_reasons(void)
{
    REQUIRE_READY();
    g_assert_cmpuint(check_evaluate("missing-device"), >, 0);
}

static void
test_filter(void)
{
    g_autofree char *xml = read_domain("mlx5-vf");
    /* restore: a filter that does not start tracking the domain */
    const char *opts[] = { "op", "restore", NULL };
    g_autoptr(DBusMessage) reply = NULL;
    g_autoptr(JsonNode) root = NULL;
    const char *new_xml;
    JsonObject *o;

    REQUIRE_READY();
    reply = send_call(T.conn, eval_call("Filter", xml, opts), CALL_TIMEOUT_MS);
    assert_ok(reply);
    g_assert_cmpstr(dbus_message_get_signature(reply), ==, "ssssa(ssss)");
    o = parse_object(reply_string(reply, 1), &root);
    assert_json_glib_form(reply_string(reply, 1));
    g_assert_cmpstr(json_object_get_string_member(o, "verdict"), ==, reply_string(reply, 0));
    g_assert_cmpstr(json_object_get_string_member(o, "mode"), ==, reply_string(reply, 3));
    assert_typed_reasons(reply, 4, o);
    new_xml = reply_string(reply, 2);
    /* "" means unchanged; otherwise it carries our metadata */
    if (new_xml[0] != '\0') {
        g_assert_nonnull(strstr(new_xml, "<domain"));
        g_assert_nonnull(strstr(new_xml, "http://dirtytrack.org/xmlns/domain/1.0"));
    }
}

static const char *json_path_string(JsonObject *o, const char *member, const char *key);

/* mlx5-vf with another <name> and its first <hostdev> given twice (the
 * second time with another alias), for the report's member names. */
static char *
domain_renamed(const char *name, gboolean twice)
{
    g_autofree char *xml = read_domain("mlx5-vf");
    const char *n0 = strstr(xml, "<name>");
    const char *n1 = n0 ? strstr(n0, "</name>") : NULL;
    const char *h0 = strstr(xml, "<hostdev");
    const char *h1 = h0 ? strstr(h0, "</hostdev>") : NULL;
    const char *end = strstr(xml, "</devices>");
    GString *s = g_string_new(NULL);

    g_assert_nonnull(n1);
    g_assert_nonnull(h1);
    g_assert_nonnull(end);
    g_string_append_len(s, xml, n0 - xml);
    g_string_append_printf(s, "<name>%s", name);
    g_string_append_len(s, n1, end - n1);
    if (twice) {
        g_autofree char *dup = g_strndup(h0, h1 + strlen("</hostdev>") - h0);
        g_autoptr(GRegex) alias = g_regex_new("<alias name='[^']*'/>", 0, 0, NULL);
        g_autofree char *again = g_regex_replace_literal(alias, dup, -1, 0,
                                                         "<alias name='ua-again'/>", 0, NULL);

        g_string_append(s, again);
        g_string_append_c(s, '\n');
    }
    g_string_append(s, end);
    return g_string_free(s, FALSE);
}

static void
test_report_json_glib_form(void)
{
    /* quote, backslash, tab, newline, CR, DEL and UTF-8 in a string;
     * two <hostdev>s naming one address: one vf_policy member, where the
     * address first came, with the policy of the last (as JsonObject) */
    g_autofree char *xml = domain_renamed("q&quot;b\\s&#9;t&#10;n&#13;r\x7f\xc3\xa9", TRUE);
    const char *opts[] = { "qemu-version", "9.2.0", "libvirt-version", "10.0.0", NULL };
    g_autoptr(DBusMessage) reply = NULL;
    g_autoptr(JsonNode) root = NULL;
    JsonObject *o, *vf, *dev;

    REQUIRE_READY();
    reply = send_call(T.conn, eval_call("Evaluate", xml, opts), CALL_TIMEOUT_MS);
    assert_ok(reply);
    assert_json_glib_form(reply_string(reply, 2));
    o = parse_object(reply_string(reply, 2), &root);
    g_assert_cmpstr(json_path_string(o, "domain", "name"), ==, "q\"b\\s\tt\nn\rr\x7f\xc3\xa9");
    vf = json_object_get_object_member(o, "vf_policy");
    g_assert_nonnull(vf);
    g_assert_cmpuint(json_object_get_size(vf), ==, 1);
    dev = json_object_get_object_member(vf, "0000:3b:00.1");
    g_assert_nonnull(dev);
    g_assert_cmpstr(json_object_get_string_member(dev, "alias"), ==, "ua-again");
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "devices")), ==, 2);
}

/* Evaluate's answer for mlx5-vf (asked often enough to be answered from
 * the daemon's cache: the first call notes it, the second keeps it). */
static char *
evaluate_report(const char *xml, const char *const *opts, int times)
{
    char *first = NULL;

    for (int i = 0; i < times; i++) {
        g_autoptr(DBusMessage) reply = send_call(T.conn, eval_call("Evaluate", xml, opts),
                                                 CALL_TIMEOUT_MS);

        assert_ok(reply);
        if (!first)
            first = g_strdup(reply_string(reply, 2));
        else
            /* the same question, the same answer, cached or not */
            g_assert_cmpstr(reply_string(reply, 2), ==, first);
    }
    return first;
}

static const char *
report_device_driver(JsonObject *o, const char *address)
{
    JsonArray *devs = json_object_get_array_member(o, "devices");

    for (guint i = 0; devs && i < json_array_get_length(devs); i++) {
        JsonObject *d = json_array_get_object_element(devs, i);

        if (g_strcmp0(json_object_get_string_member(d, "address"), address) == 0)
            return json_object_get_string_member(d, "driver");
    }
    return NULL;
}

/* Lets the daemon's own re-probe (a changed fixture makes one) finish,
 * and forgets the signals it sent. */
static void
settle_host(void)
{
    g_autoptr(DBusMessage) r = send_call(T.conn, string_call("RefreshHost", NULL),
                                         CALL_TIMEOUT_MS);

    assert_ok(r);
    drain_messages(T.conn);
}

/* No uevent reaches a fixture sysroot: the daemon must see a driver
 * rebound under it (the link replaced) in the next answer, cached or not,
 * and the first answer again once the link is back. */
static void
test_evaluate_follows_rebind(void)
{
    const char *opts[] = { "role", "source", "qemu-version", "9.2.0", "libvirt-version",
                           "10.0.0", NULL };
    g_autofree char *xml = read_domain("mlx5-vf");
    g_autofree char *dev = g_build_filename(T.host_copy, "sys", "bus", "pci", "devices",
                                            "0000:3b:00.1", NULL);
    g_autofree char *real = realpath(dev, NULL);
    g_autofree char *link = g_build_filename(real, "driver", NULL);
    g_autofree char *saved = NULL, *moved = NULL;
    g_autofree char *before = NULL, *after = NULL, *back = NULL;
    g_autoptr(JsonNode) r1 = NULL, r2 = NULL;

    REQUIRE_READY();
    g_assert_nonnull(real);
    saved = g_file_read_link(link, NULL);
    g_assert_nonnull(saved);
    before = evaluate_report(xml, opts, 4);
    g_assert_cmpstr(report_device_driver(parse_object(before, &r1), "0000:3b:00.1"), ==,
                    "mlx5_vfio_pci");

    /* rebind to plain vfio-pci, as `driverctl` would: a new link */
    moved = g_strconcat(link, ".new", NULL);
    g_assert_cmpint(symlink("../../../../bus/pci/drivers/vfio-pci", moved), ==, 0);
    g_assert_cmpint(g_rename(moved, link), ==, 0);
    after = evaluate_report(xml, opts, 3);
    g_assert_cmpstr(after, !=, before);
    g_assert_cmpstr(report_device_driver(parse_object(after, &r2), "0000:3b:00.1"), ==,
                    "vfio-pci");

    g_assert_cmpint(symlink(saved, moved), ==, 0);
    g_assert_cmpint(g_rename(moved, link), ==, 0);
    back = evaluate_report(xml, opts, 3);
    g_assert_cmpstr(back, ==, before);
    settle_host();
}

/* The same for a host-wide fact: intel_iommu=sm_off on the fixture's
 * command line turns the VT-d units' dirty tracking off. */
static void
test_evaluate_follows_host_file(void)
{
    const char *opts[] = { "role", "source", "qemu-version", "9.2.0", "libvirt-version",
                           "10.0.0", NULL };
    g_autofree char *xml = read_domain("mlx5-vf");
    g_autofree char *cmdline = g_build_filename(T.host_copy, "proc", "cmdline", NULL);
    g_autofree char *saved = NULL, *line = NULL, *edited = NULL;
    g_autofree char *before = NULL, *after = NULL, *back = NULL;

    REQUIRE_READY();
    g_assert_true(g_file_get_contents(cmdline, &saved, NULL, NULL));
    before = evaluate_report(xml, opts, 4);
    line = g_strchomp(g_strdup(saved));
    edited = g_strconcat(line, " intel_iommu=sm_off\n", NULL);
    g_assert_true(g_file_set_contents(cmdline, edited, -1, NULL));
    after = evaluate_report(xml, opts, 3);
    g_assert_cmpstr(after, !=, before);
    g_assert_true(g_file_set_contents(cmdline, saved, -1, NULL));
    back = evaluate_report(xml, opts, 3);
    g_assert_cmpstr(back, ==, before);
    settle_host();
}

/* A privileged Evaluate of a tracked domain records the evaluation,
 * whether the daemon evaluated again or answered from its cache. */
static void
test_evaluate_cached_recorded(void)
{
    const char *opts[] = { "role", "destination", "qemu-version", "9.2.0", "libvirt-version",
                           "10.0.0", NULL };
    g_autofree char *xml = read_domain("mlx5-vf");
    g_autofree char *report = NULL;
    g_autoptr(DBusMessage) r = NULL;
    g_autoptr(JsonNode) root = NULL, rep = NULL;
    JsonObject *o, *ev, *ro;

    REQUIRE_READY();
    r = send_call(T.conn, hook_call("mlx5-vf", "started", "begin", xml), CALL_TIMEOUT_MS);
    assert_ok(r);
    g_clear_pointer(&r, dbus_message_unref);
    report = evaluate_report(xml, opts, 4);
    r = send_call(T.conn, string_call("GetDomainState", "mlx5-vf"), CALL_TIMEOUT_MS);
    assert_ok(r);
    o = parse_object(reply_string(r, 0), &root);
    ev = json_object_get_object_member(o, "evaluation");
    g_assert_nonnull(ev);
    ro = parse_object(report, &rep);
    g_assert_cmpstr(json_object_get_string_member(ev, "role"), ==, "destination");
    g_assert_cmpstr(json_object_get_string_member(ev, "verdict"), ==,
                    json_object_get_string_member(ro, "verdict"));
    g_assert_cmpstr(json_object_get_string_member(ev, "fingerprint"), ==,
                    json_object_get_string_member(ro, "fingerprint"));
    /* the report's reasons, object for object: one shape of a reason */
    {
        JsonArray *got = json_object_get_array_member(ev, "reasons");
        JsonArray *want = json_object_get_array_member(ro, "reasons");

        g_assert_cmpuint(json_array_get_length(got), ==, json_array_get_length(want));
        g_assert_cmpuint(json_array_get_length(want), >, 0);
        for (guint i = 0; i < json_array_get_length(want); i++)
            g_assert_true(json_node_equal(json_array_get_element(got, i),
                                          json_array_get_element(want, i)));
    }
    g_clear_pointer(&r, dbus_message_unref);
    r = send_call(T.conn, hook_call("mlx5-vf", "release", "end", ""), CALL_TIMEOUT_MS);
    assert_ok(r);
}

static const char *
json_path_string(JsonObject *o, const char *member, const char *key)
{
    JsonObject *sub = json_object_get_object_member(o, member);

    g_assert_nonnull(sub);
    return json_object_get_string_member(sub, key);
}

static void
test_hook_event_lifecycle(void)
{
    g_autofree char *xml = read_domain("mlx5-vf");
    g_autoptr(DBusMessage) r = NULL;
    g_autoptr(DBusMessage) sig = NULL;
    g_autoptr(JsonNode) root = NULL;
    const char *name, *verdict, *reasons;
    JsonObject *o;

    REQUIRE_READY();
    drain_messages(T.conn);

    r = send_call(T.conn, hook_call("mlx5-vf", "prepare", "begin", xml), CALL_TIMEOUT_MS);
    assert_ok(r);
    g_clear_pointer(&r, dbus_message_unref);
    r = send_call(T.conn, hook_call("mlx5-vf", "started", "begin", xml), CALL_TIMEOUT_MS);
    assert_ok(r);
    g_clear_pointer(&r, dbus_message_unref);

    r = send_call(T.conn, string_call("GetDomainState", "mlx5-vf"), CALL_TIMEOUT_MS);
    assert_ok(r);
    o = parse_object(reply_string(r, 0), &root);
    g_assert_true(json_object_get_boolean_member(o, "running"));
    g_assert_false(json_object_get_boolean_member(o, "migration-in-progress"));
    g_assert_cmpstr(json_path_string(o, "last-event", "op"), ==, "started");
    g_assert_cmpstr(json_path_string(o, "evaluation", "role"), ==, "source");
    g_assert_nonnull(json_path_string(o, "evaluation", "verdict"));
    g_clear_pointer(&root, json_node_unref);
    g_clear_pointer(&r, dbus_message_unref);

    /* an incoming migration is gated, announced, and remembered */
    r = send_call(T.conn, hook_call("mlx5-vf", "migrate", "begin", xml), CALL_TIMEOUT_MS);
    assert_ok(r);
    g_clear_pointer(&r, dbus_message_unref);
    sig = wait_signal(T.conn, DT_DBUS_SIGNAL_MIGRATION_GATED, 5000);
    g_assert_nonnull(sig);
    g_assert_true(dbus_message_get_args(sig, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING,
                                        &verdict, DBUS_TYPE_STRING, &reasons, DBUS_TYPE_INVALID));
    g_assert_cmpstr(name, ==, "mlx5-vf");
    g_assert_true(g_str_equal(verdict, "allow") || g_str_equal(verdict, "warn") ||
                  g_str_equal(verdict, "deny"));
    g_assert_true(reasons[0] == '[');

    r = send_call(T.conn, string_call("GetDomainState", "mlx5-vf"), CALL_TIMEOUT_MS);
    assert_ok(r);
    o = parse_object(reply_string(r, 0), &root);
    g_assert_true(json_object_get_boolean_member(o, "migration-in-progress"));
    g_assert_cmpstr(json_path_string(o, "evaluation", "role"), ==, "destination");
    g_assert_cmpstr(json_path_string(o, "evaluation", "verdict"), ==, verdict);
    g_clear_pointer(&r, dbus_message_unref);

    /* release forgets it */
    r = send_call(T.conn, hook_call("mlx5-vf", "release", "end", ""), CALL_TIMEOUT_MS);
    assert_ok(r);
    g_clear_pointer(&r, dbus_message_unref);
    r = send_call(T.conn, string_call("GetDomainState", "mlx5-vf"), CALL_TIMEOUT_MS);
    g_assert_cmpstr(error_name(r), ==, DT_DBUS_ERROR_NOT_FOUND);
}

static void
test_filter_migrate_gates(void)
{
    g_autofree char *xml = read_domain("plain-vf");
    const char *opts[] = { "op", "migrate", NULL };
    g_autoptr(DBusMessage) r = NULL;
    g_autoptr(DBusMessage) sig = NULL;
    const char *name = NULL;

    REQUIRE_READY();
    drain_messages(T.conn);
    r = send_call(T.conn, eval_call("Filter", xml, opts), CALL_TIMEOUT_MS);
    assert_ok(r);
    sig = wait_signal(T.conn, DT_DBUS_SIGNAL_MIGRATION_GATED, 5000);
    g_assert_nonnull(sig);
    dbus_message_get_args(sig, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID);
    g_assert_cmpstr(name, ==, "plain-vf");
}

static void
test_hook_event_name_mismatch(void)
{
    g_autofree char *xml = read_domain("mlx5-vf");
    g_autoptr(DBusMessage) r = NULL;

    REQUIRE_READY();
    r = send_call(T.conn, hook_call("someone-else", "prepare", "begin", xml), CALL_TIMEOUT_MS);
    g_assert_cmpstr(error_name(r), ==, DT_DBUS_ERROR_INVALID_ARGS);
}

static void
test_host_report(void)
{
    g_autoptr(DBusMessage) r1 = NULL, r2 = NULL, r3 = NULL;
    g_autoptr(JsonNode) root = NULL;

    REQUIRE_READY();
    r1 = send_call(T.conn, string_call("GetHostReport", NULL), CALL_TIMEOUT_MS);
    assert_ok(r1);
    parse_object(reply_string(r1, 0), &root);
    /* cached: the same document until something refreshes it */
    r2 = send_call(T.conn, string_call("GetHostReport", NULL), CALL_TIMEOUT_MS);
    assert_ok(r2);
    g_assert_cmpstr(reply_string(r1, 0), ==, reply_string(r2, 0));
    r3 = send_call(T.conn, string_call("RefreshHost", NULL), CALL_TIMEOUT_MS);
    assert_ok(r3);
}

static void
test_device_report(void)
{
    g_autoptr(DBusMessage) r = NULL, r_short = NULL, host = NULL;
    g_autoptr(JsonNode) root = NULL, host_root = NULL;
    JsonObject *o, *mig, *entry = NULL;
    JsonArray *devices;
    GList *keys;

    REQUIRE_READY();
    r = send_call(T.conn, string_call("GetDeviceReport", "0000:3b:00.1"), CALL_TIMEOUT_MS);
    assert_ok(r);
    o = parse_object(reply_string(r, 0), &root);
    g_assert_cmpstr(json_object_get_string_member(o, "address"), ==, "0000:3b:00.1");
    g_assert_cmpstr(json_object_get_string_member(o, "id"), ==, "15b3:101e");
    g_assert_cmpstr(json_object_get_string_member(o, "pf"), ==, "0000:3b:00.0");
    /* API version 2: the facts in the host report's shape and spelling */
    mig = json_object_get_object_member(o, "migration");
    g_assert_nonnull(mig);
    g_assert_true(json_object_has_member(mig, "supported"));
    g_assert_true(JSON_NODE_HOLDS_ARRAY(json_object_get_member(mig, "flags")));
    g_assert_nonnull(json_object_get_string_member(mig, "source"));
    g_assert_nonnull(json_object_get_object_member(o, "dma_logging"));
    g_assert_true(json_object_has_member(json_object_get_object_member(o, "dma_logging"),
                                         "supported"));
    /* every member the host report has for this device, the device report
     * has with the same value: one JSON shape for a device's facts */
    host = send_call(T.conn, string_call("GetHostReport", NULL), CALL_TIMEOUT_MS);
    assert_ok(host);
    devices = json_object_get_array_member(parse_object(reply_string(host, 0), &host_root),
                                           "devices");
    for (guint i = 0; devices && i < json_array_get_length(devices); i++) {
        JsonObject *d = json_array_get_object_element(devices, i);

        if (g_strcmp0(json_object_get_string_member(d, "address"), "0000:3b:00.1") == 0)
            entry = d;
    }
    g_assert_nonnull(entry);
    keys = json_object_get_members(entry);
    g_assert_nonnull(keys);
    for (GList *k = keys; k; k = k->next) {
        JsonNode *want = json_object_get_member(entry, k->data);
        JsonNode *got = json_object_get_member(o, k->data);

        g_test_message("device member %s", (const char *)k->data);
        g_assert_nonnull(got);
        g_assert_true(json_node_equal(want, got));
    }
    g_list_free(keys);
    /* the short form names the same function */
    r_short = send_call(T.conn, string_call("GetDeviceReport", "3b:00.1"), CALL_TIMEOUT_MS);
    assert_ok(r_short);
    g_assert_cmpstr(reply_string(r_short, 0), ==, reply_string(r, 0));
}

static void
test_device_not_found(void)
{
    g_autoptr(DBusMessage) r = NULL;

    REQUIRE_READY();
    r = send_call(T.conn, string_call("GetDeviceReport", "0000:99:00.0"), CALL_TIMEOUT_MS);
    g_assert_cmpstr(error_name(r), ==, DT_DBUS_ERROR_NOT_FOUND);
}

static void
test_hotunplug_host_changed(void)
{
    g_autofree char *link = g_build_filename(T.host_copy, "sys", "bus", "pci", "devices",
                                             REMOVED_DEVICE, NULL);
    g_autoptr(DBusMessage) before = NULL, refresh = NULL, after = NULL, sig = NULL;

    REQUIRE_READY();
    before = send_call(T.conn, string_call("GetDeviceReport", REMOVED_DEVICE), CALL_TIMEOUT_MS);
    assert_ok(before);
    drain_messages(T.conn);
    g_assert_cmpint(g_unlink(link), ==, 0);
    refresh = send_call(T.conn, string_call("RefreshHost", NULL), CALL_TIMEOUT_MS);
    assert_ok(refresh);
    sig = wait_signal(T.conn, DT_DBUS_SIGNAL_HOST_CHANGED, 5000);
    g_assert_nonnull(sig);
    after = send_call(T.conn, string_call("GetDeviceReport", REMOVED_DEVICE), CALL_TIMEOUT_MS);
    g_assert_cmpstr(error_name(after), ==, DT_DBUS_ERROR_NOT_FOUND);
}

static void
test_refresh_without_change_is_quiet(void)
{
    g_autoptr(DBusMessage) r = NULL, sig = NULL;

    REQUIRE_READY();
    drain_messages(T.conn);
    r = send_call(T.conn, string_call("RefreshHost", NULL), CALL_TIMEOUT_MS);
    assert_ok(r);
    sig = wait_signal(T.conn, DT_DBUS_SIGNAL_HOST_CHANGED, 300);
    g_assert_null(sig);
}

/* ---- malformed input --------------------------------------------------------- */

typedef struct {
    const char *what;
    DBusMessage *(*build)(void);
    const char *expect;   /* error name, NULL = any error */
} BadCall;

static char *big_xml;
static char *good_xml;

static DBusMessage *bad_signature(void)
{
    DBusMessage *m = new_call(DT_DBUS_MANAGER_IFACE, "Evaluate");
    dbus_int32_t i = 42;

    dbus_message_append_args(m, DBUS_TYPE_INT32, &i, DBUS_TYPE_INVALID);
    return m;
}
static DBusMessage *not_xml(void) { return eval_call("Evaluate", "hello, daemon", NULL); }
static DBusMessage *broken_xml(void) { return eval_call("Evaluate", "<domain><name>x</na", NULL); }
static DBusMessage *huge_xml(void) { return eval_call("Evaluate", big_xml, NULL); }
static DBusMessage *unknown_option(void)
{
    const char *o[] = { "colour", "blue", NULL };
    return eval_call("Evaluate", good_xml, o);
}
static DBusMessage *bad_role(void)
{
    const char *o[] = { "role", "sideways", NULL };
    return eval_call("Evaluate", good_xml, o);
}
static DBusMessage *bad_version(void)
{
    const char *o[] = { "qemu-version", "banana", NULL };
    return eval_call("Evaluate", good_xml, o);
}
static DBusMessage *duplicate_option(void)
{
    const char *o[] = { "role", "source", "role", "destination", NULL };
    return eval_call("Evaluate", good_xml, o);
}
static DBusMessage *filter_bad_op(void)
{
    const char *o[] = { "op", "start", NULL };
    return eval_call("Filter", good_xml, o);
}
static DBusMessage *evaluate_bad_op(void)
{
    const char *o[] = { "op", "explode", NULL };
    return eval_call("Evaluate", good_xml, o);
}
static DBusMessage *bad_address(void) { return string_call("GetDeviceReport", "zz:zz.z"); }
static DBusMessage *bad_function(void) { return string_call("GetDeviceReport", "0000:3b:00.9"); }
static DBusMessage *address_with_junk(void) { return string_call("GetDeviceReport", "0000:3b:00.1 "); }
static DBusMessage *empty_name(void) { return string_call("GetDomainState", ""); }
static DBusMessage *slash_name(void) { return hook_call("a/b", "prepare", "begin", ""); }
static DBusMessage *unknown_op(void) { return hook_call("x", "explode", "begin", ""); }
static DBusMessage *unknown_subop(void) { return hook_call("x", "prepare", "sideways", ""); }
static DBusMessage *undeclared_method(void) { return string_call("Frobnicate", NULL); }
static DBusMessage *unknown_property(void)
{
    DBusMessage *m = new_call(DBUS_INTERFACE_PROPERTIES, "Get");
    const char *i = DT_DBUS_MANAGER_IFACE, *p = "Nope";

    dbus_message_append_args(m, DBUS_TYPE_STRING, &i, DBUS_TYPE_STRING, &p, DBUS_TYPE_INVALID);
    return m;
}

static const BadCall bad_calls[] = {
    { "wrong signature", bad_signature, DBUS_ERROR_INVALID_ARGS },
    { "text that is not XML", not_xml, DT_DBUS_ERROR_INVALID_ARGS },
    { "truncated XML", broken_xml, DT_DBUS_ERROR_INVALID_ARGS },
    { "unknown option", unknown_option, DT_DBUS_ERROR_INVALID_ARGS },
    { "bad role", bad_role, DT_DBUS_ERROR_INVALID_ARGS },
    { "bad version", bad_version, DT_DBUS_ERROR_INVALID_ARGS },
    { "duplicate option", duplicate_option, DT_DBUS_ERROR_INVALID_ARGS },
    { "Filter op not migrate/restore", filter_bad_op, DT_DBUS_ERROR_INVALID_ARGS },
    { "Evaluate op not a hook operation", evaluate_bad_op, DT_DBUS_ERROR_INVALID_ARGS },
    { "bad PCI address", bad_address, DT_DBUS_ERROR_INVALID_ARGS },
    { "PCI function 9", bad_function, DT_DBUS_ERROR_INVALID_ARGS },
    { "PCI address with junk", address_with_junk, DT_DBUS_ERROR_INVALID_ARGS },
    { "empty domain name", empty_name, DT_DBUS_ERROR_INVALID_ARGS },
    { "domain name with '/'", slash_name, DT_DBUS_ERROR_INVALID_ARGS },
    { "unknown hook op", unknown_op, DT_DBUS_ERROR_INVALID_ARGS },
    { "unknown hook subop", unknown_subop, DT_DBUS_ERROR_INVALID_ARGS },
    { "undeclared method", undeclared_method, DBUS_ERROR_UNKNOWN_METHOD },
    { "unknown property", unknown_property, DBUS_ERROR_UNKNOWN_PROPERTY },
    { "XML over the size limit", huge_xml, DT_DBUS_ERROR_INVALID_ARGS },
};

static void
prepare_inputs(void)
{
    if (!good_xml)
        good_xml = read_domain("mlx5-vf");
    if (!big_xml) {
        big_xml = g_malloc(DT_XML_MAX_BYTES + 2);
        memset(big_xml, ' ', DT_XML_MAX_BYTES + 1);
        big_xml[0] = '<';
        big_xml[DT_XML_MAX_BYTES + 1] = '\0';
    }
}

static void
test_each_malformed_call(void)
{
    REQUIRE_READY();
    prepare_inputs();
    for (guint i = 0; i < G_N_ELEMENTS(bad_calls); i++) {
        g_autoptr(DBusMessage) r = send_call(T.conn, bad_calls[i].build(), CALL_TIMEOUT_MS);

        if (g_strcmp0(error_name(r), bad_calls[i].expect) != 0)
            g_error("%s: expected %s, got %s", bad_calls[i].what, bad_calls[i].expect,
                    error_name(r) ? error_name(r) : "a reply");
    }
}

/* A megabyte where a short word belongs: refused, and the error quotes a
 * short prefix of it, not the megabyte (each used to come back whole). */
static void
test_huge_bad_argument_quoted_short(void)
{
    enum { HUGE = 1024 * 1024 };
    g_autofree char *huge = g_malloc(HUGE + 1);
    g_autofree char *xml = read_domain("mlx5-vf");
    const char *opts[] = { huge, "x", NULL };
    DBusMessage *calls[3];

    REQUIRE_READY();
    memset(huge, 'x', HUGE);
    huge[HUGE] = '\0';
    calls[0] = string_call("GetDeviceReport", huge);
    calls[1] = hook_call("mlx5-vf", huge, "begin", "");
    calls[2] = eval_call("Evaluate", xml, opts);
    for (guint i = 0; i < G_N_ELEMENTS(calls); i++) {
        g_autoptr(DBusMessage) r = send_call(T.conn, calls[i], CALL_TIMEOUT_MS);
        const char *text = NULL;

        g_assert_cmpstr(error_name(r), ==, DT_DBUS_ERROR_INVALID_ARGS);
        g_assert_true(dbus_message_get_args(r, NULL, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID));
        g_test_message("%zu bytes: %.120s", strlen(text), text);
        g_assert_cmpuint(strlen(text), <=, 200);
        g_assert_nonnull(strstr(text, "xxxxxxxx\u2026"));
    }
}

/* One size limit for a domain XML on every path (DT_XML_MAX_BYTES): a
 * 10 MiB domain, which the CLI and the hook evaluate in-process, is
 * evaluated by the daemon too (it refused anything over 2 MiB). */
static void
test_evaluate_10mib_domain(void)
{
    g_autofree char *xml = read_domain("mlx5-vf");
    const char *end = strstr(xml, "</domain>");
    const char *opts[] = { "qemu-version", "9.2.0", NULL };
    g_autoptr(GString) big = g_string_new(NULL);
    g_autoptr(DBusMessage) r = NULL;

    REQUIRE_READY();
    g_assert_nonnull(end);
    g_string_append_len(big, xml, end - xml);
    /* many comments, not one: libxml2 caps a single text node at 10 MB */
    while (big->len < 10u * 1024 * 1024) {
        g_string_append(big, "<!--");
        for (guint i = 0; i < 64; i++)
            g_string_append(big, " a domain may carry large metadata and comments");
        g_string_append(big, " -->\n");
    }
    g_string_append(big, "</domain>\n");
    g_assert_cmpuint(big->len, <, DT_XML_MAX_BYTES);
    r = send_call(T.conn, eval_call("Evaluate", big->str, opts), CALL_TIMEOUT_MS);
    assert_ok(r);
    g_assert_cmpstr(reply_string(r, 0), !=, "");
}

static void
test_stress_malformed(void)
{
    long rss_first = 0, rss_last;
    gint64 t0, t1;
    g_autoptr(DBusMessage) after = NULL;
    /* the size-limit case costs 16 MiB per call on the bus: sample it */
    const guint n_cheap = G_N_ELEMENTS(bad_calls) - 1;

    REQUIRE_READY();
    prepare_inputs();
    t0 = g_get_monotonic_time();
    for (guint i = 1; i <= STRESS_CALLS; i++) {
        const BadCall *bc = i % 500 == 0 ? &bad_calls[n_cheap] : &bad_calls[i % n_cheap];
        g_autoptr(DBusMessage) r = send_call(T.conn, bc->build(), CALL_TIMEOUT_MS);

        if (!error_name(r))
            g_error("call %u (%s) was not refused", i, bc->what);
        if (i == RSS_FIRST_SAMPLE)
            rss_first = vm_rss_kib(T.open.daemon_pid);
    }
    t1 = g_get_monotonic_time();
    rss_last = vm_rss_kib(T.open.daemon_pid);
    g_test_message("%d malformed calls in %.2f s (%.0f calls/s); VmRSS %ld KiB at call %d, "
                   "%ld KiB at call %d (%+ld KiB)",
                   STRESS_CALLS, (t1 - t0) / 1e6, STRESS_CALLS / ((t1 - t0) / 1e6), rss_first,
                   RSS_FIRST_SAMPLE, rss_last, STRESS_CALLS, rss_last - rss_first);
    if (under_valgrind(T.open.daemon_pid))
        /* memcheck holds freed blocks back (--freelist-vol, 20 MB): RSS
         * says nothing there, leaks are its own report */
        g_test_message("daemon runs under valgrind: RSS not compared");
#if defined(__SANITIZE_ADDRESS__)
    else if (TRUE)
        /* the same for ASan's quarantine (256 MiB by default); LeakSanitizer
         * reports leaks in this build */
        g_test_message("AddressSanitizer build: RSS not compared");
#endif
    else
        g_assert_cmpint(labs(rss_last - rss_first), <=, 1024);
    /* still serving */
    after = send_call(T.conn, string_call("GetDeviceReport", "0000:3b:00.1"), CALL_TIMEOUT_MS);
    assert_ok(after);
}

/* Sends BURST Evaluate calls, each for another domain (so that none can be
 * answered from the decision cache without a worker), from several
 * clients of address at once while daemon is stopped, so that it finds
 * all of them waiting (on two cores its own workers would otherwise slow
 * its reading); counts answers and Busy errors, and fails on anything
 * else. */
static void
evaluate_burst(const char *address, GPid daemon, guint clients, guint per_client, guint *ok,
               guint *busy)
{
    const char *opts[] = { "qemu-version", "9.2.0", NULL };
    guint n = clients * per_client;
    g_autofree DBusConnection **conns = g_new0(DBusConnection *, clients);
    g_autofree DBusPendingCall **pending = g_new0(DBusPendingCall *, n);
    static guint serial;

    *ok = *busy = 0;
    for (guint c = 0; c < clients; c++) {
        conns[c] = client_connect(address);
        g_assert_nonnull(conns[c]);
    }
    g_assert_cmpint(kill(daemon, SIGSTOP), ==, 0);
    for (guint i = 0; i < n; i++) {
        g_autofree char *name = g_strdup_printf("burst-%05u", serial++);
        g_autofree char *xml = domain_renamed(name, FALSE);
        DBusMessage *m = eval_call("Evaluate", xml, opts);

        g_assert_true(dbus_connection_send_with_reply(conns[i % clients], m, &pending[i],
                                                      CALL_TIMEOUT_MS));
        dbus_message_unref(m);
    }
    for (guint c = 0; c < clients; c++)
        dbus_connection_flush(conns[c]);
    /* everything is with the bus: let the daemon find it */
    g_usleep(200 * 1000);
    g_assert_cmpint(kill(daemon, SIGCONT), ==, 0);
    for (guint i = 0; i < n; i++) {
        g_autoptr(DBusMessage) r = NULL;

        dbus_pending_call_block(pending[i]);
        r = dbus_pending_call_steal_reply(pending[i]);
        dbus_pending_call_unref(pending[i]);
        if (!error_name(r))
            (*ok)++;
        else if (g_str_equal(error_name(r), DT_DBUS_ERROR_BUSY))
            (*busy)++;
        else
            g_error("burst call %u: %s", i, error_name(r));
    }
    for (guint c = 0; c < clients; c++)
        client_close(conns[c]);
}

/* A burst far beyond the work queue (here 16 waiting) all at once: each
 * call gets its answer or Busy, never silence or another error, and the
 * daemon serves normally afterwards. */
static void
test_burst_is_bounded(void)
{
    enum { CLIENTS = 4, PER_CLIENT = 100 };
    const char *opts[] = { "qemu-version", "9.2.0", NULL };
    guint ok, busy;
    g_autoptr(DBusMessage) after = NULL;

    REQUIRE_READY();
    prepare_inputs();
    evaluate_burst(T.open.address, T.open.daemon_pid, CLIENTS, PER_CLIENT, &ok, &busy);
    g_test_message("burst of %d Evaluate calls, queue of %s: %u answered, %u Busy",
                   CLIENTS * PER_CLIENT, OPEN_MAX_QUEUE, ok, busy);
    g_assert_cmpuint(ok + busy, ==, CLIENTS * PER_CLIENT);
    g_assert_cmpuint(ok, >=, atoi(OPEN_MAX_QUEUE));
    g_assert_cmpuint(busy, >, 0);
    after = send_call(T.conn, eval_call("Evaluate", good_xml, opts), CALL_TIMEOUT_MS);
    assert_ok(after);
}

/* With the default queue (256 waiting), a host evacuation -- a hook of
 * each of 128 VMs asking at once, and more -- is never turned away: 240
 * calls cannot fill it, however slowly the workers go. */
static void
test_evacuation_not_busy(void)
{
    enum { CLIENTS = 2, PER_CLIENT = 120 };
    guint ok, busy;

    REQUIRE_READY();
    evaluate_burst(T.policy.address, T.policy.daemon_pid, CLIENTS, PER_CLIENT, &ok, &busy);
    g_test_message("burst of %d Evaluate calls, default queue: %u answered, %u Busy",
                   CLIENTS * PER_CLIENT, ok, busy);
    g_assert_cmpuint(busy, ==, 0);
    g_assert_cmpuint(ok, ==, CLIENTS * PER_CLIENT);
}

/* ---- policy --------------------------------------------------------------- */

static void
test_policy_nobody_may_read(void)
{
    g_autofree char *out = NULL;

    REQUIRE_READY();
    out = run_as_nobody(T.policy.address, "GetHostReport");
    if (!out) {
        g_test_skip("needs root and setpriv");
        return;
    }
    g_assert_cmpstr(out, ==, "ok");
}

static void
test_policy_nobody_refused_by_bus(void)
{
    const char *methods[] = { "HookEvent", "RefreshHost" };

    REQUIRE_READY();
    for (guint i = 0; i < G_N_ELEMENTS(methods); i++) {
        g_autofree char *out = run_as_nobody(T.policy.address, methods[i]);

        if (!out) {
            g_test_skip("needs root and setpriv");
            return;
        }
        g_assert_cmpstr(out, ==, DBUS_ERROR_ACCESS_DENIED);
    }
}

static void
test_policy_nobody_refused_by_daemon(void)
{
    const char *methods[] = { "HookEvent", "RefreshHost" };

    REQUIRE_READY();
    /* the open bus lets the call through: the daemon must refuse it */
    for (guint i = 0; i < G_N_ELEMENTS(methods); i++) {
        g_autofree char *out = run_as_nobody(T.open.address, methods[i]);

        if (!out) {
            g_test_skip("needs root and setpriv");
            return;
        }
        g_assert_cmpstr(out, ==, DT_DBUS_ERROR_PERMISSION_DENIED);
    }
}

static void
test_policy_group_member_may_change(void)
{
    struct group *gr = getgrnam(DT_DBUS_GROUP);
    g_autofree char *gid = NULL;
    g_autofree char *out = NULL;

    REQUIRE_READY();
    if (!gr) {
        g_test_skip("group " DT_DBUS_GROUP " does not exist here");
        return;
    }
    gid = g_strdup_printf("%u", (unsigned) gr->gr_gid);
    /* the bus policy lets the group through, and so does the daemon */
    out = run_as_nobody_in(T.policy.address, "RefreshHost", gid);
    if (!out) {
        g_test_skip("needs root and setpriv");
        return;
    }
    g_assert_cmpstr(out, ==, "ok");
}

static void
test_policy_root_may_change(void)
{
    g_autoptr(DBusMessage) r = NULL;
    DBusMessage *call = new_call(DT_DBUS_MANAGER_IFACE, "RefreshHost");

    REQUIRE_READY();
    if (getuid() != 0) {
        dbus_message_unref(call);
        g_test_skip("needs root");
        return;
    }
    r = send_call(T.policy_conn, call, CALL_TIMEOUT_MS);
    assert_ok(r);
}

/* A user's own program, named as the domain's <emulator>, is never run
 * by the root daemon: under the shipped policy an unprivileged caller's
 * Evaluate and Filter are answered without executing it (it would leave a
 * marker), and the answer names it under the reason qemu-untrusted. */
static void
test_policy_untrusted_emulator_not_run(void)
{
    const char *methods[] = { "Evaluate", "Filter" };
    g_autofree char *dir = g_build_filename(T.tmpdir, "nobody-home", NULL);
    g_autofree char *evil = g_build_filename(dir, "qemu-system-x86_64", NULL);
    g_autofree char *marker = g_build_filename(dir, "ran-as-root", NULL);
    g_autofree char *domain = g_build_filename(dir, "evil.xml", NULL);
    g_autofree char *script = g_strdup_printf("#!/bin/sh\nid -u >'%s'\n"
                                              "echo 'QEMU emulator version 9.2.0'\n", marker);
    g_autofree char *xml = read_domain("mlx5-vf");
    g_autofree char *emulator = g_strdup_printf("<emulator>%s</emulator>", evil);
    g_autoptr(GRegex) re = g_regex_new("<emulator>[^<]*</emulator>", 0, 0, NULL);
    g_autofree char *evil_xml = g_regex_replace_literal(re, xml, -1, 0, emulator, 0, NULL);

    REQUIRE_READY();
    if (getuid() != 0 || !have_program("setpriv")) {
        g_test_skip("needs root and setpriv");
        return;
    }
    /* the user's directory and files, as the user would make them */
    g_assert_cmpint(g_mkdir(dir, 0755), ==, 0);
    g_assert_true(g_file_set_contents(evil, script, -1, NULL));
    g_assert_true(g_file_set_contents(domain, evil_xml, -1, NULL));
    g_assert_cmpint(g_chmod(evil, 0755), ==, 0);
    g_assert_cmpint(chown(dir, 65534, 65534), ==, 0);
    g_assert_cmpint(chown(evil, 65534, 65534), ==, 0);
    g_assert_cmpint(chown(domain, 65534, 65534), ==, 0);
    g_assert_nonnull(strstr(evil_xml, emulator));

    for (guint i = 0; i < G_N_ELEMENTS(methods); i++) {
        g_autofree char *out = run_as_nobody_with(T.policy.address, methods[i], NULL, domain);

        g_assert_nonnull(out);
        g_test_message("%s as uid " NOBODY_ID " with <emulator> %s: %.40s...", methods[i], evil,
                       out);
        /* first: it did not run (before the fix it ran, as uid 0) */
        g_assert_false(g_file_test(marker, G_FILE_TEST_EXISTS));
        g_assert_true(g_str_has_prefix(out, "ok\n"));
        g_assert_nonnull(strstr(out, "\"qemu-untrusted\""));
        g_assert_nonnull(strstr(out, evil));
    }
    /* and nobody's Filter (op migrate) changed nothing the daemon knows */
    {
        g_autoptr(DBusMessage) r = send_call(T.policy_conn, string_call("GetDomainState",
                                                                        "mlx5-vf"),
                                             CALL_TIMEOUT_MS);

        g_assert_cmpstr(error_name(r), ==, DT_DBUS_ERROR_NOT_FOUND);
    }
}

/* A domain that costs the daemon real work: 8000 passthrough functions
 * (absent on the fixture host, each looked up), about 0.7 s of CPU per
 * evaluation here. */
static char *
write_slow_domain(const char *dir)
{
    g_autofree char *xml = read_domain("mlx5-vf");
    const char *end = strstr(xml, "</devices>");
    g_autoptr(GString) s = g_string_new(NULL);
    char *path = g_build_filename(dir, "slow-domain.xml", NULL);

    g_assert_nonnull(end);
    g_string_append_len(s, xml, end - xml);
    for (guint n = 0; n < 8000; n++)
        g_string_append_printf(s, "<hostdev mode='subsystem' type='pci' managed='yes'><source>"
                                  "<address domain='0x0000' bus='0x%02x' slot='0x%02x' "
                                  "function='0x%x'/></source></hostdev>\n",
                               0x40 + n / 256, (n / 8) % 32, n % 8);
    g_string_append(s, end);
    g_assert_true(g_file_set_contents(path, s->str, (gssize) s->len, NULL));
    g_assert_cmpint(g_chmod(path, 0644), ==, 0);
    return path;
}

/* Root's Filter (what libvirt's hook asks on migrate/restore), timed. */
static gint64
root_filter_ms(void)
{
    g_autofree char *xml = read_domain("mlx5-vf");
    const char *opts[] = { "op", "restore", NULL };
    gint64 t0 = g_get_monotonic_time();
    g_autoptr(DBusMessage) r = send_call(T.policy_conn, eval_call("Filter", xml, opts),
                                         CALL_TIMEOUT_MS);

    assert_ok(r);
    return (g_get_monotonic_time() - t0) / 1000;
}

/* 16 clients of an unprivileged user, each asking for a new expensive
 * evaluation the moment the last is answered, must not keep root's hook
 * call past the hook's deadline (2000 ms by default): root has its own
 * lane, the user's share is bounded and gets Busy beyond it.  Before, the
 * flood filled the shared workers and queue and root's call waited behind
 * it. */
static void
test_policy_flood_keeps_root_lane(void)
{
    g_autofree char *bench = g_build_filename(ABS_TOP_BUILDDIR, "bench", "dbus-bench", NULL);
    g_autofree char *domain = NULL;
    g_autofree char *out = NULL;
    g_autoptr(GError) error = NULL;
    const char *argv[] = { "setpriv", "--reuid=" NOBODY_ID, "--regid=" NOBODY_ID,
                           "--clear-groups", bench, "--address", T.policy.address, "--xml", NULL,
                           "--qemu", "9.2.0", "--clients", "16", "--seconds", "6", "flood", NULL };
    gint64 base = 0, worst = 0;
    int out_fd = -1;
    GPid pid;

    REQUIRE_READY();
    if (getuid() != 0 || !have_program("setpriv") ||
        !g_file_test(bench, G_FILE_TEST_IS_EXECUTABLE)) {
        g_test_skip("needs root, setpriv and bench/dbus-bench");
        return;
    }
    /* a deadline is a property of the real daemon: under memcheck every
     * call is tens of times slower and the bus gives up on the flood's and
     * root's calls alike (the normal and ASan lanes run this) */
    if (under_valgrind(T.policy.daemon_pid)) {
        g_test_skip("daemon runs under valgrind: deadlines not compared");
        return;
    }
    domain = write_slow_domain(T.tmpdir);
    argv[8] = domain;
    for (guint i = 0; i < 5; i++)
        base = MAX(base, root_filter_ms());
    g_assert_true(g_spawn_async_with_pipes(NULL, (char **) argv, NULL,
                                           G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                                           die_with_parent, GINT_TO_POINTER(-1), &pid, NULL,
                                           &out_fd, NULL, &error));
    /* let the flood fill whatever it can */
    g_usleep(1500 * 1000);
    for (guint i = 0; i < 10; i++) {
        worst = MAX(worst, root_filter_ms());
        g_usleep(200 * 1000);
    }
    {
        g_autoptr(GIOChannel) ch = g_io_channel_unix_new(out_fd);

        g_io_channel_set_close_on_unref(ch, TRUE);
        g_io_channel_read_to_end(ch, &out, NULL, NULL);
    }
    waitpid(pid, NULL, 0);
    g_spawn_close_pid(pid);
    g_test_message("root Filter: worst %" G_GINT64_FORMAT " ms alone, %" G_GINT64_FORMAT
                   " ms under the flood; flood: %s", base, worst, out ? out : "");
    g_assert_nonnull(out);
    /* the flood ran and was turned away, not answered in full (a call of
     * its own that waited too long in its niced lane may get the bus's
     * NoReply on a loaded machine: that is the flood's loss, not root's) */
    g_assert_nonnull(strstr(out, "busy="));
    g_assert_null(strstr(out, "\nbusy=0\n"));
    g_assert_cmpint(worst, <, 2000);
}

/* ---- losing the bus ------------------------------------------------------------ */

static void
test_bus_lost_daemon_exits(void)
{
    g_autofree char *log = NULL;
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    int status = 0;
    pid_t got = 0;

    REQUIRE_READY();
    /* libdbus would _exit() inside the library; the daemon must notice,
     * say so and leave through main() */
    stop_pid(&T.policy.bus_pid, SIGTERM);
    while (g_get_monotonic_time() < deadline &&
           (got = waitpid(T.policy.daemon_pid, &status, WNOHANG)) == 0)
        g_usleep(20 * 1000);
    g_assert_cmpint(got, ==, T.policy.daemon_pid);
    T.policy.daemon_pid = 0;
    g_assert_true(g_file_get_contents(T.policy.log, &log, NULL, NULL));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 1)
        /* what the daemon said on its way out (a sanitizer's report) */
        g_test_message("daemon status %d; its log:\n%s", status, log);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    g_assert_nonnull(strstr(log, "Lost the connection to the bus"));
}

/* ---- the real hook against the real daemon ------------------------------------ */

typedef struct {
    gboolean ran;
    int status;
    char *err;
    gint64 ms;
} HookRun;

static void
hook_run_clear(HookRun *h)
{
    g_free(h->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(HookRun, hook_run_clear)

/* Runs hooks/dirtytrack-hook NAME OP SUBOP - with the domain on stdin,
 * pointed at the open bus; ran = FALSE when it is not built. */
static HookRun
run_hook(const char *domain, const char *op, const char *subop, const char *deadline_ms)
{
    g_autofree char *hook = g_build_filename(ABS_TOP_BUILDDIR, "hooks", "dirtytrack-hook", NULL);
    g_autofree char *xml = read_domain(domain);
    g_autofree char *in_path = g_build_filename(T.tmpdir, "hook-stdin.xml", NULL);
    g_autofree char *cmd = NULL;
    g_auto(GStrv) env = g_get_environ();
    g_autoptr(GError) error = NULL;
    const char *argv[] = { "/bin/sh", "-c", NULL, NULL };
    HookRun h = { FALSE, -1, NULL, 0 };
    gint64 t0;

    if (!g_file_test(hook, G_FILE_TEST_IS_EXECUTABLE))
        return h;
    g_assert_true(g_file_set_contents(in_path, xml, -1, NULL));
    cmd = g_strdup_printf("exec '%s' '%s' '%s' '%s' - < '%s'", hook, domain, op, subop, in_path);
    argv[2] = cmd;
    env = g_environ_setenv(env, "DIRTYTRACK_BUS_ADDRESS", T.open.address, TRUE);
    env = g_environ_setenv(env, "DIRTYTRACK_HOOK_DEBUG", "1", TRUE);
    env = g_environ_setenv(env, "DIRTYTRACK_HOOK_DEADLINE_MS", deadline_ms, TRUE);
    env = g_environ_setenv(env, "DIRTYTRACK_SYSROOT", T.host_copy, TRUE);
    t0 = g_get_monotonic_time();
    g_assert_true(g_spawn_sync(NULL, (char **) argv, env, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, &h.err, &h.status, &error));
    h.ms = (g_get_monotonic_time() - t0) / 1000;
    h.ran = TRUE;
    return h;
}

static void
test_hook_asks_daemon(void)
{
    g_auto(HookRun) h = { 0 };

    REQUIRE_READY();
    h = run_hook("mlx5-vf", "migrate", "begin", "5000");
    if (!h.ran) {
        g_test_skip("hooks/dirtytrack-hook is not built");
        return;
    }
    g_test_message("%s", h.err);
    g_assert_nonnull(strstr(h.err, " via daemon "));
}

static void
test_hook_publishes_to_daemon(void)
{
    g_auto(HookRun) h = { 0 };
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    REQUIRE_READY();
    if (T.open.daemon_pid <= 0)
        g_assert_true(start_daemon(&T.open, T.host_copy));
    h = run_hook("plain-vf", "started", "begin", "5000");
    if (!h.ran) {
        g_test_skip("hooks/dirtytrack-hook is not built");
        return;
    }
    g_assert_nonnull(strstr(h.err, " via publish "));
    /* fire and forget: the state shows up shortly after */
    while (g_get_monotonic_time() < deadline) {
        g_autoptr(DBusMessage) r = send_call(T.conn, string_call("GetDomainState", "plain-vf"),
                                             CALL_TIMEOUT_MS);
        g_autoptr(JsonNode) root = NULL;

        if (!error_name(r)) {
            JsonObject *o = parse_object(reply_string(r, 0), &root);

            if (json_object_get_boolean_member(o, "running"))
                return;
        }
        g_usleep(20 * 1000);
    }
    /* The daemon authenticates HookEvent by asking the bus for the
     * sender's credentials; a sender that sent with no reply wanted and
     * closed its connection at once is gone by then and is refused. */
    g_test_fail_printf("the hook's 'started' event did not reach the domain state: %s "
                       "(a HookEvent must wait for its reply, or the daemon cannot "
                       "identify the sender)", h.err);
}

/* ---- a daemon that is down or hung ------------------------------------------ */

static gint64
timed_call_ms(const char *address, const char **err_out)
{
    DBusConnection *c = client_connect(address);
    g_autoptr(DBusMessage) r = NULL;
    gint64 t0;
    static char err_name[128];

    g_assert_nonnull(c);
    t0 = g_get_monotonic_time();
    r = send_call(c, string_call("GetHostReport", NULL), 500);
    t0 = (g_get_monotonic_time() - t0) / 1000;
    g_strlcpy(err_name, error_name(r) ? error_name(r) : "", sizeof(err_name));
    *err_out = err_name;
    client_close(c);
    return t0;
}

static void
test_hung_daemon_times_out(void)
{
    g_auto(HookRun) hook = { 0 };
    const char *err = NULL;
    gint64 ms;

    REQUIRE_READY();
    g_assert_cmpint(kill(T.open.daemon_pid, SIGSTOP), ==, 0);
    ms = timed_call_ms(T.open.address, &err);
    /* and the hook, with a 1 s deadline, still answers within it */
    hook = run_hook("mlx5-vf", "migrate", "begin", "1000");
    kill(T.open.daemon_pid, SIGCONT);
    g_test_message("stopped daemon: %s after %" G_GINT64_FORMAT " ms", err, ms);
    g_assert_cmpstr(err, ==, DBUS_ERROR_NO_REPLY);
    g_assert_cmpint(ms, >=, 450);
    g_assert_cmpint(ms, <=, 700);
    if (hook.ran) {
        g_test_message("hook with the daemon stopped: %s (%" G_GINT64_FORMAT " ms)", hook.err,
                       hook.ms);
        g_assert_null(strstr(hook.err, " via daemon "));
        g_assert_cmpint(hook.ms, <=, 1300);
    }
}

static void
test_killed_daemon_fails_fast(void)
{
    g_auto(HookRun) hook = { 0 };
    const char *err = NULL;
    gint64 ms;

    REQUIRE_READY();
    stop_pid(&T.open.daemon_pid, SIGKILL);
    ms = timed_call_ms(T.open.address, &err);
    hook = run_hook("mlx5-vf", "migrate", "begin", "1000");
    g_test_message("killed daemon: %s after %" G_GINT64_FORMAT " ms", err, ms);
    g_assert_cmpstr(err, ==, DBUS_ERROR_SERVICE_UNKNOWN);
    g_assert_cmpint(ms, <=, 500);
    if (hook.ran) {
        g_test_message("hook with the daemon killed: %s (%" G_GINT64_FORMAT " ms)", hook.err,
                       hook.ms);
        g_assert_nonnull(strstr(hook.err, " via in-process "));
        g_assert_cmpint(hook.ms, <=, 1300);
    }
}

int
main(int argc, char **argv)
{
    int ret;

    if ((argc == 4 || argc == 5) && g_str_equal(argv[1], "--child"))
        return child_main(argv[2], argv[3], argc == 5 ? argv[4] : NULL);

    g_test_init(&argc, &argv, NULL);
    if (!DBUS_DAEMON[0])
        g_printerr("dbus-daemon was not found at configure time\n");
    T.ready = DBUS_DAEMON[0] && setup();

    g_test_add_func("/daemon/introspect/manager-equals-schemas-dbus", test_introspect_matches_schema);
    g_test_add_func("/daemon/introspect/root-lists-org-node", test_introspect_root_lists_child);
    g_test_add_func("/daemon/properties/getall-version-and-config-sysroot", test_properties);
    g_test_add_func("/daemon/properties/get-ok-set-read-only", test_properties_get_and_set);
    g_test_add_func("/daemon/peer/ping-answered", test_peer_ping);
    g_test_add_func("/daemon/evaluate/mlx5-vf-report-agrees-with-verdict-mode", test_evaluate_mlx5);
    g_test_add_func("/daemon/evaluate/no-hostdev-report-agrees", test_evaluate_no_hostdev);
    g_test_add_func("/daemon/evaluate/missing-device-typed-reasons-equal-report",
                    test_evaluate_typed_reasons);
    g_test_add_func("/daemon/filter/mlx5-vf-new-xml-empty-or-with-metadata", test_filter);
    g_test_add_func("/daemon/report/json-glib-form-escapes-and-repeated-address",
                    test_report_json_glib_form);
    g_test_add_func("/daemon/evaluate/repeated-answer-follows-driver-rebind",
                    test_evaluate_follows_rebind);
    g_test_add_func("/daemon/evaluate/repeated-answer-follows-host-cmdline",
                    test_evaluate_follows_host_file);
    g_test_add_func("/daemon/evaluate/repeated-answer-recorded-for-tracked-domain",
                    test_evaluate_cached_recorded);
    g_test_add_func("/daemon/filter/privileged-migrate-emits-migration-gated", test_filter_migrate_gates);
    g_test_add_func("/daemon/hook-event/prepare-started-migrate-release-state-and-signal",
                    test_hook_event_lifecycle);
    g_test_add_func("/daemon/hook-event/name-differs-from-xml-invalid-args",
                    test_hook_event_name_mismatch);
    g_test_add_func("/daemon/host/report-cached-then-refresh", test_host_report);
    g_test_add_func("/daemon/host/refresh-without-change-no-host-changed",
                    test_refresh_without_change_is_quiet);
    g_test_add_func("/daemon/device/vf-report-long-and-short-address", test_device_report);
    g_test_add_func("/daemon/device/absent-address-not-found", test_device_not_found);
    g_test_add_func("/daemon/host/hot-unplug-refresh-emits-host-changed",
                    test_hotunplug_host_changed);
    g_test_add_func("/daemon/errors/each-malformed-call-its-error", test_each_malformed_call);
    g_test_add_func("/daemon/errors/10000-malformed-calls-refused-rss-flat", test_stress_malformed);
    g_test_add_func("/daemon/errors/1mb-bad-argument-quoted-64-chars",
                    test_huge_bad_argument_quoted_short);
    g_test_add_func("/daemon/evaluate/10mib-domain-within-the-one-limit", test_evaluate_10mib_domain);
    g_test_add_func("/daemon/errors/burst-beyond-queue-answered-or-busy", test_burst_is_bounded);
    g_test_add_func("/daemon/errors/evacuation-burst-fits-default-queue", test_evacuation_not_busy);
    g_test_add_func("/daemon/policy/nobody-may-read-reports", test_policy_nobody_may_read);
    g_test_add_func("/daemon/policy/nobody-refused-mutating-by-bus", test_policy_nobody_refused_by_bus);
    g_test_add_func("/daemon/policy/nobody-refused-mutating-by-daemon",
                    test_policy_nobody_refused_by_daemon);
    g_test_add_func("/daemon/policy/root-may-refresh-under-shipped-policy", test_policy_root_may_change);
    g_test_add_func("/daemon/policy/" DT_DBUS_GROUP "-member-may-refresh-under-shipped-policy",
                    test_policy_group_member_may_change);
    g_test_add_func("/daemon/policy/nobody-evaluate-own-emulator-never-run-qemu-untrusted",
                    test_policy_untrusted_emulator_not_run);
    g_test_add_func("/daemon/policy/16-nobody-clients-flood-root-filter-within-2000ms",
                    test_policy_flood_keeps_root_lane);
    g_test_add_func("/daemon/bus-lost/daemon-logs-and-exits-1", test_bus_lost_daemon_exits);
    g_test_add_func("/daemon/hook/migrate-begin-verdict-via-daemon", test_hook_asks_daemon);
    g_test_add_func("/daemon/deadline/sigstopped-daemon-no-reply-in-500ms-hook-within-deadline",
                    test_hung_daemon_times_out);
    g_test_add_func("/daemon/deadline/killed-daemon-service-unknown-fast-hook-in-process",
                    test_killed_daemon_fails_fast);
    /* last: it starts the daemon the test above killed */
    g_test_add_func("/daemon/hook-publish/started-reaches-domain-state", test_hook_publishes_to_daemon);

    ret = g_test_run();
    teardown();
    g_free(big_xml);
    g_free(good_xml);
    return ret;
}
