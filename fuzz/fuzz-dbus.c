/* fuzz-dbus.c: method calls to dirtytrackd, through the daemon's own
 * dispatch and handlers.
 *
 * What any local user may send the daemon over the system bus is its
 * attack surface.  This target runs the daemon's real code on one DtdDaemon
 * pointed at a fixture sysroot: the dtbus glue (signature checks against
 * the method tables, the caller lookup, Properties, Introspect) and the
 * Manager handlers, workers and replies of dtd-manager.c.  There is no bus:
 * the daemon's connection is the server end of a private socket, and this
 * harness is both the caller and "the bus" -- it answers the daemon's
 * GetConnectionCredentials queries, so privileged methods see root, group
 * members, strangers and callers that vanished.
 *
 * Input: fields separated by NUL bytes (a D-Bus string cannot hold one).
 *   #OPT...         before the first call; host=<dir of tests/data/hosts>
 *                   (default intel-dirty), busy (a work queue of length 0)
 *   @Member OPT...  starts a call; iface=NAME ("iface=": none; default the
 *                   Manager), path=PATH, as=root|self|group|user|nogroups|
 *                   gone|anon (who the bus says sent it; default root),
 *                   noreply, signal (sent as a signal), after (sent once
 *                   every earlier call is answered and the daemon is idle)
 *   sTEXT oPATH gSIG             a string, object path, signature argument
 *   aK=V<LF>K=V...  AX<LF>Y...   an a{ss} (options), an as
 *   uN iN xN tN yN bN dN vTEXT   numbers, a variant holding a string
 * Up to 16 calls; all up to the next "after" are sent before any answer is
 * read, so they run at once like calls from many clients.  Strings libdbus would refuse (invalid
 * UTF-8) are made valid first; calls libdbus cannot build are dropped.
 *
 * What must hold (docs/dbus-api.md, schemas/dbus/org.dirtytrack1.Manager.xml):
 *   - each call that wants a reply gets exactly one: a method return with
 *     the out signature of the contract, or an error with a valid name of
 *     the documented families and a message; no-reply calls and signals
 *     get none;
 *   - a Manager call with another signature is refused by the glue
 *     (InvalidArgs); HookEvent/RefreshHost run for root, the daemon's user
 *     and its group and are PermissionDenied for anyone else;
 *   - JSON in replies is an object, GetDomainState is about the asked
 *     domain, Filter's new XML parses as a domain, Introspect is XML;
 *   - signals are declared ones with their declared arguments;
 *   - once everything is answered and every job ran, nothing waits, no hook
 *     is in flight, no probe runs and every tracked domain has a valid name.
 * ASan/UBSan/LSan catch memory errors and leaks; a GLib warning aborts.
 *
 * Replays are deterministic except where the daemon is not: the order in
 * which two workers finish.  The QEMU version comes from
 * DIRTYTRACK_QEMU_VERSION (unless an option names one) so that no input
 * runs a QEMU binary.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <json-glib/json-glib.h>

#include "model/dt-config.h"
#include "dbus/dt-dbus-api.h"
#include "model/dt-domain.h"
#include "dt-fuzz.h"
#include "model/dt-vdb.h"
#include "model/dt-xml.h"
#include "dbus/dtbus.h"
#include "daemon/dtd.h"

#define FUZZ_MAX_INPUT (128u * 1024u)
#define FUZZ_MAX_CALLS 16u
#define FUZZ_MAX_ARGS 8u
#define FUZZ_MAX_ENTRIES 32u
#define FUZZ_THREADS 2
#define FUZZ_QUEUE 64u
/* a small decision cache, so that eviction happens too */
#define FUZZ_CACHE_ENTRIES 4u
#define FUZZ_CACHE_BYTES (256u * 1024u)
#define FUZZ_QEMU_VERSION "9.1.0"
#define FUZZ_DEFAULT_HOST "intel-dirty"
#define FUZZ_GID_DAEMON 4243u   /* the daemon's group */
#define FUZZ_GID_OTHER 4244u
#ifdef DT_FUZZ_NO_MAIN
#define FUZZ_DEADLINE_S 300     /* the regression test runs under valgrind too */
#else
#define FUZZ_DEADLINE_S 8       /* below libFuzzer's -timeout=10 */
#endif

static const char *const fixture_hosts[] = {
    "intel-dirty", "intel-nodirty", "amd-hdsup", "arm-smmuv3", "no-iommu", "debian12", NULL,
};

/* Who the bus says sent a call (the daemon asks it by the sender's name). */
typedef enum {
    AS_ROOT,
    AS_SELF,      /* the daemon's own uid */
    AS_GROUP,     /* a user in the daemon's group */
    AS_USER,      /* a user outside it */
    AS_NOGROUPS,  /* a user the bus reports no groups for: the daemon looks them up */
    AS_GONE,      /* disconnected before the bus answered */
    AS_ANON,      /* no sender at all (peer to peer) */
    AS_N,
} Identity;

static const struct {
    const char *name;
    const char *sender;
    int privileged;   /* 1 yes, 0 no, -1 depends on this machine's user database */
} identities[AS_N] = {
    [AS_ROOT] = { "root", ":1.10", 1 },
    [AS_SELF] = { "self", ":1.11", 1 },
    [AS_GROUP] = { "group", ":1.12", 1 },
    [AS_USER] = { "user", ":1.13", 0 },
    [AS_NOGROUPS] = { "nogroups", ":1.14", -1 },
    [AS_GONE] = { "gone", ":1.15", 0 },
    [AS_ANON] = { "anon", NULL, 0 },
};

/* Manager methods only root and the group may call (docs/dbus-api.md). */
static const char *const privileged_methods[] = { "HookEvent", "RefreshHost", NULL };

typedef struct {
    char *in;
    char *out;
} Signature;

typedef struct {
    Identity as;
    gboolean want_reply;
    gboolean after;
    gboolean sent;
    char *iface;                 /* NULL: none given */
    char *path;
    char *member;
    DBusMessage *msg;
    guint n_args;
    dbus_uint32_t serial;
    DBusMessage *reply;
} Call;

static struct {
    DtdDaemon *d;
    DBusConnection *client;      /* the caller, and the bus the daemon asks */
    char *host;                  /* fixture the daemon's sysroot points at */
    guint32 user_uid;            /* a uid that is neither root nor ours */
    GHashTable *methods;         /* "iface member" -> Signature* */
    GHashTable *signals;         /* Manager signal -> signature */
    GPtrArray *calls;            /* Call*, this input's */
} F;

/* ---- the contract ------------------------------------------------------------- */

/* for messages: a NULL from libdbus prints as "(none)" */
static const char *
nn(const char *s)
{
    return s ? s : "(none)";
}

static void
signature_free(gpointer p)
{
    Signature *s = p;

    g_free(s->in);
    g_free(s->out);
    g_free(s);
}

static void
add_method(const char *iface, const char *member, const char *in, const char *out)
{
    Signature *s = g_new0(Signature, 1);

    s->in = g_strdup(in);
    s->out = g_strdup(out);
    g_hash_table_replace(F.methods, g_strdup_printf("%s %s", iface, member), s);
}

/* D-Bus introspection documents start with a DOCTYPE naming an external
 * DTD, which dt_xml_parse() refuses: read them with libxml2 directly, the
 * DTD neither loaded nor needed. */
static xmlDoc *
read_introspection(const char *text, gsize len, const char *what)
{
    xmlDoc *doc = xmlReadMemory(text, (int)len, what, NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;

    if (!root || !xmlStrEqual(root->name, BAD_CAST "node"))
        dt_fuzz_fail("%s is not an introspection document", what);
    return doc;
}

/* The Manager's methods and signals from the reviewed contract, so the
 * replies are checked against what clients were promised, not against the
 * daemon's own tables. */
static void
load_contract(void)
{
    g_autofree char *path = g_build_filename(ABS_TOP_SRCDIR, "schemas", "dbus",
                                             DT_DBUS_MANAGER_IFACE ".xml", NULL);
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    gsize len = 0;
    guint n = 0;

    F.methods = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, signature_free);
    F.signals = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    if (!g_file_get_contents(path, &text, &len, &error))
        dt_fuzz_fail("%s", error->message);
    doc = read_introspection(text, len, path);
    for (xmlNode *i = xmlDocGetRootElement(doc)->children; i; i = i->next) {
        g_autofree char *iname = NULL;

        if (i->type != XML_ELEMENT_NODE || !xmlStrEqual(i->name, BAD_CAST "interface"))
            continue;
        iname = dt_xml_prop(i, "name");
        if (g_strcmp0(iname, DT_DBUS_MANAGER_IFACE) != 0)
            continue;
        for (xmlNode *m = i->children; m; m = m->next) {
            g_autoptr(GString) in = g_string_new(NULL);
            g_autoptr(GString) out = g_string_new(NULL);
            g_autofree char *mname = NULL;
            gboolean is_method;

            if (m->type != XML_ELEMENT_NODE)
                continue;
            is_method = xmlStrEqual(m->name, BAD_CAST "method");
            if (!is_method && !xmlStrEqual(m->name, BAD_CAST "signal"))
                continue;
            mname = dt_xml_prop(m, "name");
            for (xmlNode *a = m->children; a; a = a->next) {
                g_autofree char *type = NULL;
                g_autofree char *dir = NULL;

                if (a->type != XML_ELEMENT_NODE || !xmlStrEqual(a->name, BAD_CAST "arg"))
                    continue;
                type = dt_xml_prop(a, "type");
                dir = dt_xml_prop(a, "direction");
                g_string_append(is_method && g_strcmp0(dir, "out") != 0 ? in : out,
                                type ? type : "");
            }
            if (!mname)
                continue;
            if (is_method)
                add_method(DT_DBUS_MANAGER_IFACE, mname, in->str, out->str);
            else
                g_hash_table_replace(F.signals, g_strdup(mname), g_strdup(out->str));
            n++;
        }
    }
    if (n == 0)
        dt_fuzz_fail("no %s members in %s", DT_DBUS_MANAGER_IFACE, path);
    /* the standard interfaces the glue and libdbus serve */
    add_method(DBUS_INTERFACE_INTROSPECTABLE, "Introspect", "", "s");
    add_method(DBUS_INTERFACE_PROPERTIES, "Get", "ss", "v");
    add_method(DBUS_INTERFACE_PROPERTIES, "GetAll", "s", "a{sv}");
    add_method(DBUS_INTERFACE_PROPERTIES, "Set", "ssv", "");
    add_method(DBUS_INTERFACE_PEER, "Ping", "", "");
    add_method(DBUS_INTERFACE_PEER, "GetMachineId", "", "s");
}

/* The contract entry a call reaches, and its interface.  Without an
 * interface the glue picks the Manager (its only interface with methods),
 * and libdbus counts a missing interface as matching Introspectable. */
static const Signature *
lookup_method(const Call *c, const char **iface)
{
    const char *const guesses[] = { DT_DBUS_MANAGER_IFACE, DBUS_INTERFACE_INTROSPECTABLE, NULL };

    for (guint i = 0; c->iface ? i == 0 : guesses[i] != NULL; i++) {
        g_autofree char *key = g_strdup_printf("%s %s", c->iface ? c->iface : guesses[i],
                                               c->member);
        const Signature *s = g_hash_table_lookup(F.methods, key);

        if (s) {
            *iface = c->iface ? c->iface : guesses[i];
            return s;
        }
    }
    *iface = NULL;
    return NULL;
}

/* ---- the connections ----------------------------------------------------------- */

static void
server_watch_free(void *p)
{
    GSource *s = p;

    if (s) {
        g_source_destroy(s);
        g_source_unref(s);
    }
}

static gboolean
server_watch_ready(gint fd, GIOCondition cond, gpointer user_data)
{
    dbus_watch_handle(user_data, DBUS_WATCH_READABLE);
    return G_SOURCE_CONTINUE;
}

static dbus_bool_t
server_add_watch(DBusWatch *w, void *user_data)
{
    GSource *s = NULL;

    if (dbus_watch_get_enabled(w)) {
        s = g_unix_fd_source_new(dbus_watch_get_unix_fd(w), G_IO_IN);
        g_source_set_callback(s, G_SOURCE_FUNC(server_watch_ready), w, NULL);
        g_source_attach(s, NULL);
    }
    dbus_watch_set_data(w, s, server_watch_free);
    return TRUE;
}

static void
server_remove_watch(DBusWatch *w, void *user_data)
{
    dbus_watch_set_data(w, NULL, NULL);
}

static void
server_toggle_watch(DBusWatch *w, void *user_data)
{
    server_add_watch(w, user_data);
}

static void
on_new_connection(DBusServer *server, DBusConnection *conn, void *user_data)
{
    /* the first one is the daemon's; libdbus drops any other */
    if (!F.d->conn)
        F.d->conn = dbus_connection_ref(conn);
}

static void
on_disconnect(DBusConnection *conn, gpointer user_data)
{
    dt_fuzz_fail("the %s end of the connection was closed", (const char *)user_data);
}

/* Wakes blocking loop iterations so that deadlines are noticed. */
static gboolean
tick(gpointer user_data)
{
    return G_SOURCE_CONTINUE;
}

static void
iterate_until(gboolean (*done)(void), const char *what)
{
    gint64 deadline = g_get_monotonic_time() + FUZZ_DEADLINE_S * G_USEC_PER_SEC;
    guint ticker = 0;

    while (!done()) {
        if (!ticker)
            ticker = g_timeout_add(50, tick, NULL);
        if (g_get_monotonic_time() > deadline)
            dt_fuzz_fail("no %s after %d s", what, FUZZ_DEADLINE_S);
        g_main_context_iteration(NULL, TRUE);
    }
    if (ticker)
        g_source_remove(ticker);
}

static gboolean
connected(void)
{
    return F.d->conn != NULL;
}

static gboolean
probed(void)
{
    return !F.d->probing && F.d->host != NULL;
}

/* ---- the bus's side: who is calling ------------------------------------------- */

static void
append_variant_u32(DBusMessageIter *dict, const char *key, guint32 v)
{
    DBusMessageIter entry, var;

    dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
    dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key);
    dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, "u", &var);
    dbus_message_iter_append_basic(&var, DBUS_TYPE_UINT32, &v);
    dbus_message_iter_close_container(&entry, &var);
    dbus_message_iter_close_container(dict, &entry);
}

static void
append_variant_gids(DBusMessageIter *dict, const guint32 *gids, guint n)
{
    const char *key = "UnixGroupIDs";
    DBusMessageIter entry, var, arr;

    dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
    dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key);
    dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, "au", &var);
    dbus_message_iter_open_container(&var, DBUS_TYPE_ARRAY, "u", &arr);
    for (guint i = 0; i < n; i++)
        dbus_message_iter_append_basic(&arr, DBUS_TYPE_UINT32, &gids[i]);
    dbus_message_iter_close_container(&var, &arr);
    dbus_message_iter_close_container(&entry, &var);
    dbus_message_iter_close_container(dict, &entry);
}

/* GetConnectionCredentials, as dbus-daemon answers it. */
static void
answer_credentials(DBusConnection *conn, DBusMessage *query)
{
    g_autoptr(DBusMessage) reply = NULL;
    const char *name = NULL;
    DBusMessageIter iter, dict;
    Identity as = AS_N;

    if (!dbus_message_is_method_call(query, DBUS_INTERFACE_DBUS, "GetConnectionCredentials") ||
        !dbus_message_has_destination(query, DBUS_SERVICE_DBUS) ||
        !dbus_message_get_args(query, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID))
        dt_fuzz_fail("the daemon called %s.%s(%s)", nn(dbus_message_get_interface(query)),
                     nn(dbus_message_get_member(query)), dbus_message_get_signature(query));
    for (guint i = 0; i < AS_N; i++)
        if (g_strcmp0(identities[i].sender, name) == 0)
            as = i;
    if (as == AS_N)
        dt_fuzz_fail("the daemon asked about %s, who sent nothing", name);
    if (as == AS_GONE) {
        reply = dbus_message_new_error(query, DBUS_ERROR_NAME_HAS_NO_OWNER,
                                       "Could not get credentials of unknown name");
    } else {
        const guint32 root_gids[] = { 0 };
        const guint32 self_gids[] = { (guint32)getgid() };
        const guint32 group_gids[] = { FUZZ_GID_OTHER, FUZZ_GID_DAEMON };
        const guint32 user_gids[] = { FUZZ_GID_OTHER };

        reply = dbus_message_new_method_return(query);
        dbus_message_iter_init_append(reply, &iter);
        dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "{sv}", &dict);
        switch (as) {
        case AS_ROOT:
            append_variant_u32(&dict, "UnixUserID", 0);
            append_variant_gids(&dict, root_gids, G_N_ELEMENTS(root_gids));
            break;
        case AS_SELF:
            append_variant_u32(&dict, "UnixUserID", (guint32)getuid());
            append_variant_gids(&dict, self_gids, G_N_ELEMENTS(self_gids));
            break;
        case AS_GROUP:
            append_variant_u32(&dict, "UnixUserID", F.user_uid);
            append_variant_gids(&dict, group_gids, G_N_ELEMENTS(group_gids));
            break;
        case AS_USER:
            append_variant_u32(&dict, "UnixUserID", F.user_uid);
            append_variant_gids(&dict, user_gids, G_N_ELEMENTS(user_gids));
            break;
        default:
            append_variant_u32(&dict, "UnixUserID", F.user_uid);
            break;
        }
        append_variant_u32(&dict, "ProcessID", 4242);
        dbus_message_iter_close_container(&iter, &dict);
    }
    dbus_connection_send(conn, reply, NULL);
}

static void
check_signal(DBusMessage *msg)
{
    const char *member = dbus_message_get_member(msg);
    const char *sig;

    if (!dbus_message_has_path(msg, DT_DBUS_PATH) ||
        !dbus_message_has_interface(msg, DT_DBUS_MANAGER_IFACE) || !member)
        dt_fuzz_fail("signal %s.%s on %s", nn(dbus_message_get_interface(msg)), nn(member),
                     nn(dbus_message_get_path(msg)));
    sig = g_hash_table_lookup(F.signals, member);
    if (!sig)
        dt_fuzz_fail("undeclared signal %s", member);
    if (!g_str_equal(sig, dbus_message_get_signature(msg)))
        dt_fuzz_fail("signal %s has arguments '%s', declared '%s'", member,
                     dbus_message_get_signature(msg), sig);
}

/* Everything the daemon sends arrives here: answers, signals, queries. */
static DBusHandlerResult
client_filter(DBusConnection *conn, DBusMessage *msg, void *user_data)
{
    dbus_uint32_t serial;

    switch (dbus_message_get_type(msg)) {
    case DBUS_MESSAGE_TYPE_METHOD_CALL:
        answer_credentials(conn, msg);
        return DBUS_HANDLER_RESULT_HANDLED;
    case DBUS_MESSAGE_TYPE_SIGNAL:
        check_signal(msg);
        return DBUS_HANDLER_RESULT_HANDLED;
    case DBUS_MESSAGE_TYPE_METHOD_RETURN:
    case DBUS_MESSAGE_TYPE_ERROR:
        serial = dbus_message_get_reply_serial(msg);
        for (guint i = 0; F.calls && i < F.calls->len; i++) {
            Call *c = g_ptr_array_index(F.calls, i);

            if (c->serial != serial)
                continue;
            if (!c->want_reply)
                dt_fuzz_fail("%s: a reply to a call that wanted none (%s)", c->member,
                             dbus_message_get_error_name(msg) ? dbus_message_get_error_name(msg)
                                                              : "method return");
            if (c->reply)
                dt_fuzz_fail("%s: a second reply (%s)", c->member,
                             dbus_message_get_error_name(msg) ? dbus_message_get_error_name(msg)
                                                              : "method return");
            c->reply = dbus_message_ref(msg);
            return DBUS_HANDLER_RESULT_HANDLED;
        }
        /* the previous inputs' calls were all answered before this one began */
        dt_fuzz_fail("a reply to serial %u, which no call of this input has (late or repeated)",
                     serial);
    default:
        return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
    }
}

/* ---- setup, once ------------------------------------------------------------------ */

static void
switch_host(const char *host)
{
    DtdDaemon *d = F.d;

    if (F.host && g_str_equal(F.host, host))
        return;
    g_free(F.host);
    F.host = g_strdup(host);
    g_free(d->sysroot);
    d->sysroot = g_build_filename(ABS_TOP_SRCDIR, "tests", "data", "hosts", host, NULL);
    /* as at the daemon's start: the first probe of this host, not a change */
    g_clear_pointer(&d->host, dtd_host_snapshot_free);
    dtd_host_refresh(d);
    iterate_until(probed, "host probe");
    if (d->host->error)
        dt_fuzz_fail("probing fixture %s failed: %s", host, d->host->error->message);
}

static void
setup(void)
{
    g_autoptr(GError) error = NULL;
    DBusError err = DBUS_ERROR_INIT;
    DBusServer *server;
    DtdDaemon *d;
    char *address;

    dbus_threads_init_default();
    /* no input may make the daemon run a QEMU binary (see the top) */
    g_setenv("DIRTYTRACK_QEMU_VERSION", FUZZ_QEMU_VERSION, TRUE);
    load_contract();
    F.user_uid = getuid() == 4242 ? 4241 : 4242;

    /* the daemon as main() sets it up, minus the bus, libvirt and uevents */
    d = F.d = g_new0(DtdDaemon, 1);
    d->virt_callback = -1;
    d->threads = FUZZ_THREADS;
    d->max_queue = FUZZ_QUEUE;
    g_mutex_init(&d->vdb_lock);
    d->group = g_strdup("dirtytrack-fuzz");
    d->have_gid = TRUE;
    d->gid = FUZZ_GID_DAEMON;
    d->self_uid = getuid();
    d->hostname = g_strdup("fuzz-host");
    d->config = dt_config_new_defaults();
    if (!dtd_vdb_load(d, &error))
        dt_fuzz_fail("cannot load the variant-driver database: %s", error->message);
    d->cache = dtd_cache_new(FUZZ_CACHE_ENTRIES, FUZZ_CACHE_BYTES);
    d->loop = g_main_loop_new(NULL, FALSE);
    /* settle() frees and recreates the pool after every input: its threads
     * must wait in GLib's unused-thread pool for the next one, not exit.  A
     * thread that exits frees libxml2's per-thread state from a key
     * destructor, racing libFuzzer's leak check (a false "direct leak"). */
    g_thread_pool_set_max_unused_threads(-1);
    g_thread_pool_set_max_idle_time(0);
    d->pool = g_thread_pool_new(dtd_jobs_worker, d, FUZZ_THREADS, FALSE, &error);
    if (!d->pool || !dtd_tune_init(d, &error))
        dt_fuzz_fail("cannot start the daemon's workers: %s", error->message);

    server = dbus_server_listen("unix:tmpdir=/tmp", &err);
    if (!server)
        dt_fuzz_fail("cannot listen: %s", err.message);
    dbus_server_set_new_connection_function(server, on_new_connection, NULL, NULL);
    if (!dbus_server_set_watch_functions(server, server_add_watch, server_remove_watch,
                                         server_toggle_watch, NULL, NULL))
        dt_fuzz_fail("cannot watch the server");
    address = dbus_server_get_address(server);
    F.client = dbus_connection_open_private(address, &err);
    dbus_free(address);
    if (!F.client)
        dt_fuzz_fail("cannot connect: %s", err.message);
    if (!dtbus_setup_connection(F.client, NULL) ||
        !dbus_connection_add_filter(F.client, client_filter, NULL, NULL))
        dt_fuzz_fail("cannot set up the calling end");
    dtbus_set_disconnect_function(F.client, on_disconnect, (gpointer) "calling");
    iterate_until(connected, "connection to the daemon");
    dbus_server_disconnect(server);
    dbus_server_unref(server);

    if (!dtbus_setup_connection(d->conn, NULL) || !dtd_manager_register(d))
        dt_fuzz_fail("cannot set up the daemon's objects");
    dtbus_set_disconnect_function(d->conn, on_disconnect, (gpointer) "daemon's");
    switch_host(FUZZ_DEFAULT_HOST);
}

/* ---- the input ------------------------------------------------------------------- */

static void
call_free(gpointer p)
{
    Call *c = p;

    g_free(c->iface);
    g_free(c->path);
    g_free(c->member);
    if (c->msg)
        dbus_message_unref(c->msg);
    if (c->reply)
        dbus_message_unref(c->reply);
    g_free(c);
}

/* libdbus aborts on strings that are not UTF-8 (or hold what it refuses). */
static char *
valid_string(const char *s)
{
    char *v;

    if (dbus_validate_utf8(s, NULL))
        return g_strdup(s);
    v = g_utf8_make_valid(s, -1);
    if (!dbus_validate_utf8(v, NULL))
        g_clear_pointer(&v, g_free);
    return v;
}

static Call *
parse_header(const char *field, gboolean *as_signal)
{
    g_auto(GStrv) words = g_strsplit(field + 1, " ", 16);
    Call *c = g_new0(Call, 1);

    c->as = AS_ROOT;
    c->want_reply = TRUE;
    c->iface = g_strdup(DT_DBUS_MANAGER_IFACE);
    c->path = g_strdup(DT_DBUS_PATH);
    c->member = valid_string(words[0] ? words[0] : "");
    *as_signal = FALSE;
    for (guint i = 1; words[0] && words[i]; i++) {
        const char *w = words[i];

        if (g_str_has_prefix(w, "iface=")) {
            g_free(c->iface);
            c->iface = w[6] ? valid_string(w + 6) : NULL;
        } else if (g_str_has_prefix(w, "path=")) {
            g_free(c->path);
            c->path = valid_string(w + 5);
        } else if (g_str_has_prefix(w, "as=")) {
            for (guint a = 0; a < AS_N; a++)
                if (g_str_equal(w + 3, identities[a].name))
                    c->as = a;
        } else if (g_str_equal(w, "noreply")) {
            c->want_reply = FALSE;
        } else if (g_str_equal(w, "after")) {
            c->after = TRUE;
        } else if (g_str_equal(w, "signal")) {
            *as_signal = TRUE;
        }
    }
    return c;
}

/* The message for a header, or none when libdbus could not build it. */
static DBusMessage *
new_message(Call *c, gboolean as_signal)
{
    DBusMessage *m;

    if (!c->member || !dbus_validate_member(c->member, NULL) || !c->path ||
        !dbus_validate_path(c->path, NULL) ||
        (c->iface && !dbus_validate_interface(c->iface, NULL)))
        return NULL;
    if (as_signal) {
        c->want_reply = FALSE;
        if (!c->iface)
            c->iface = g_strdup(DT_DBUS_MANAGER_IFACE);
        m = dbus_message_new_signal(c->path, c->iface, c->member);
    } else {
        m = dbus_message_new_method_call(DT_DBUS_NAME, c->path, c->iface, c->member);
        dbus_message_set_no_reply(m, !c->want_reply);
    }
    if (identities[c->as].sender)
        dbus_message_set_sender(m, identities[c->as].sender);
    return m;
}

static gboolean
append_string(DBusMessageIter *it, int type, const char *s)
{
    g_autofree char *v = valid_string(s);
    const char *p = v;

    if (!v)
        return FALSE;
    if (type == DBUS_TYPE_OBJECT_PATH && !dbus_validate_path(v, NULL))
        return FALSE;
    if (type == DBUS_TYPE_SIGNATURE && !dbus_signature_validate(v, NULL))
        return FALSE;
    return dbus_message_iter_append_basic(it, type, &p);
}

/* "K=V\nK=V": the a{ss} of Evaluate/Filter (or, with dict FALSE, an as). */
static gboolean
append_list(DBusMessageIter *it, const char *text, gboolean dict)
{
    g_auto(GStrv) items = g_strsplit(text, "\n", FUZZ_MAX_ENTRIES + 1);
    DBusMessageIter arr, entry;
    gboolean ok = TRUE;

    dbus_message_iter_open_container(it, DBUS_TYPE_ARRAY, dict ? "{ss}" : "s", &arr);
    for (guint i = 0; items[i] && i < FUZZ_MAX_ENTRIES && ok; i++) {
        if (!*text)
            break;   /* an empty field: an empty array */
        if (dict) {
            char *eq = strchr(items[i], '=');

            if (eq)
                *eq = '\0';
            dbus_message_iter_open_container(&arr, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
            ok = append_string(&entry, DBUS_TYPE_STRING, items[i]) &&
                 append_string(&entry, DBUS_TYPE_STRING, eq ? eq + 1 : "");
            if (ok)
                dbus_message_iter_close_container(&arr, &entry);
            else
                dbus_message_iter_abandon_container(&arr, &entry);
        } else {
            ok = append_string(&arr, DBUS_TYPE_STRING, items[i]);
        }
    }
    if (!ok) {
        dbus_message_iter_abandon_container(it, &arr);
        return FALSE;
    }
    return dbus_message_iter_close_container(it, &arr);
}

static gboolean
append_arg(DBusMessage *m, const char *field)
{
    DBusMessageIter it, var;
    const char *v = field + 1;
    gint64 n = g_ascii_strtoll(v, NULL, 0);
    guint64 un = g_ascii_strtoull(v, NULL, 0);
    dbus_bool_t b = n != 0;
    double dbl = g_ascii_strtod(v, NULL);
    guint8 y = (guint8)n;
    gint32 i32 = (gint32)n;
    guint32 u32 = (guint32)un;
    gboolean ok;

    dbus_message_iter_init_append(m, &it);
    switch (field[0]) {
    case 's':
        return append_string(&it, DBUS_TYPE_STRING, v);
    case 'o':
        return append_string(&it, DBUS_TYPE_OBJECT_PATH, v);
    case 'g':
        return append_string(&it, DBUS_TYPE_SIGNATURE, v);
    case 'a':
        return append_list(&it, v, TRUE);
    case 'A':
        return append_list(&it, v, FALSE);
    case 'u':
        return dbus_message_iter_append_basic(&it, DBUS_TYPE_UINT32, &u32);
    case 'i':
        return dbus_message_iter_append_basic(&it, DBUS_TYPE_INT32, &i32);
    case 'x':
        return dbus_message_iter_append_basic(&it, DBUS_TYPE_INT64, &n);
    case 't':
        return dbus_message_iter_append_basic(&it, DBUS_TYPE_UINT64, &un);
    case 'y':
        return dbus_message_iter_append_basic(&it, DBUS_TYPE_BYTE, &y);
    case 'b':
        return dbus_message_iter_append_basic(&it, DBUS_TYPE_BOOLEAN, &b);
    case 'd':
        return dbus_message_iter_append_basic(&it, DBUS_TYPE_DOUBLE, &dbl);
    case 'v':
        dbus_message_iter_open_container(&it, DBUS_TYPE_VARIANT, "s", &var);
        ok = append_string(&var, DBUS_TYPE_STRING, v);
        if (!ok) {
            dbus_message_iter_abandon_container(&it, &var);
            return FALSE;
        }
        return dbus_message_iter_close_container(&it, &var);
    default:
        return TRUE;   /* not a type: ignored */
    }
}

/* Splits the input into calls; returns the fixture host it asks for. */
static const char *
parse_input(const char *buf, gsize len, gboolean *busy)
{
    const char *host = FUZZ_DEFAULT_HOST;
    const char *p = buf, *end = buf + len;
    Call *cur = NULL;
    gboolean dropped = FALSE;   /* the current call cannot be built */

    *busy = FALSE;
    while (p < end) {
        const char *nul = memchr(p, '\0', (size_t)(end - p));
        g_autofree char *field = g_strndup(p, nul ? (gsize)(nul - p) : (gsize)(end - p));

        p = nul ? nul + 1 : end;
        if (field[0] == '#' && F.calls->len == 0 && !cur) {
            g_auto(GStrv) words = g_strsplit(field + 1, " ", 8);

            for (guint i = 0; words[i]; i++) {
                if (g_str_equal(words[i], "busy"))
                    *busy = TRUE;
                else if (g_str_has_prefix(words[i], "host="))
                    for (guint h = 0; fixture_hosts[h]; h++)
                        if (g_str_equal(words[i] + 5, fixture_hosts[h]))
                            host = fixture_hosts[h];
            }
        } else if (field[0] == '@') {
            gboolean as_signal;

            cur = NULL;
            if (F.calls->len >= FUZZ_MAX_CALLS)
                break;
            cur = parse_header(field, &as_signal);
            cur->msg = new_message(cur, as_signal);
            dropped = cur->msg == NULL;
            g_ptr_array_add(F.calls, cur);
        } else if (cur && !dropped && field[0] && cur->n_args < FUZZ_MAX_ARGS) {
            if (!append_arg(cur->msg, field))
                dropped = TRUE;
            cur->n_args++;
        }
        if (dropped && cur) {
            g_ptr_array_remove(F.calls, cur);
            cur = NULL;
        }
    }
    return host;
}

/* ---- the checks -------------------------------------------------------------------- */

static JsonObject *
json_object_of(JsonParser *parser, const char *text, const Call *c)
{
    g_autoptr(GError) error = NULL;

    if (!json_parser_load_from_data(parser, text, -1, &error))
        dt_fuzz_fail("%s: invalid JSON in the reply: %s", c->member, error->message);
    if (!JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
        dt_fuzz_fail("%s: the reply's JSON is not an object", c->member);
    return json_node_get_object(json_parser_get_root(parser));
}

static gboolean
in_list(const char *s, const char *const *list)
{
    for (; s && *list; list++)
        if (g_str_equal(s, *list))
            return TRUE;
    return FALSE;
}

static void
check_return(const Call *c, const char *iface)
{
    static const char *const verdicts[] = { "allow", "warn", "deny", NULL };
    static const char *const modes[] = { "device", "iommu", "perpetual", "none", "unknown", NULL };
    g_autoptr(JsonParser) parser = json_parser_new();
    const char *a = NULL, *b = NULL, *s3 = NULL;

    if (!g_str_equal(iface, DT_DBUS_MANAGER_IFACE)) {
        if (g_str_equal(c->member, "Introspect")) {
            g_autofree char *what = g_strdup_printf("the introspection of %s", c->path);
            g_autoptr(xmlDoc) doc = NULL;

            dbus_message_get_args(c->reply, NULL, DBUS_TYPE_STRING, &a, DBUS_TYPE_INVALID);
            doc = read_introspection(a, strlen(a), what);
        }
        return;
    }
    if (g_str_equal(c->member, "Evaluate") || g_str_equal(c->member, "Filter")) {
        gboolean filter = c->member[0] == 'F';

        dbus_message_get_args(c->reply, NULL, DBUS_TYPE_STRING, &a, DBUS_TYPE_STRING, &b,
                              DBUS_TYPE_STRING, &s3, DBUS_TYPE_INVALID);
        if (!in_list(a, verdicts))
            dt_fuzz_fail("%s: verdict '%s'", c->member, a);
        if (!filter && !in_list(b, modes))
            dt_fuzz_fail("%s: mode '%s'", c->member, b);
        json_object_of(parser, filter ? b : s3, c);
        if (filter && *s3) {
            g_autoptr(GError) error = NULL;
            g_autoptr(DtDomain) dom = dt_domain_parse(s3, strlen(s3), &error);

            if (!dom)
                dt_fuzz_fail("Filter: the new domain XML does not parse: %s", error->message);
        }
    } else if (g_str_equal(c->member, "GetHostReport") ||
               g_str_equal(c->member, "GetDeviceReport")) {
        dbus_message_get_args(c->reply, NULL, DBUS_TYPE_STRING, &a, DBUS_TYPE_INVALID);
        json_object_of(parser, a, c);
    } else if (g_str_equal(c->member, "GetDomainState")) {
        const char *name = NULL;
        JsonObject *o;

        dbus_message_get_args(c->msg, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID);
        dbus_message_get_args(c->reply, NULL, DBUS_TYPE_STRING, &a, DBUS_TYPE_INVALID);
        o = json_object_of(parser, a, c);
        if (g_strcmp0(json_object_get_string_member_with_default(o, "name", NULL), name) != 0)
            dt_fuzz_fail("GetDomainState(%s) answered for '%s'", name,
                         json_object_get_string_member_with_default(o, "name", "(none)"));
    }
}

static void
check_reply(const Call *c)
{
    const char *iface = NULL;
    const Signature *sig = lookup_method(c, &iface);
    const char *call_sig = dbus_message_get_signature(c->msg);
    const char *got = dbus_message_get_signature(c->reply);
    gboolean manager = iface && g_str_equal(iface, DT_DBUS_MANAGER_IFACE) &&
                       g_str_equal(c->path, DT_DBUS_PATH);
    gboolean privileged_method = manager && in_list(c->member, privileged_methods);
    int privileged = identities[c->as].privileged;

    if (dbus_message_get_type(c->reply) == DBUS_MESSAGE_TYPE_ERROR) {
        const char *name = dbus_message_get_error_name(c->reply);
        const char *text = NULL;

        if (!name || !dbus_validate_error_name(name, NULL))
            dt_fuzz_fail("%s: error reply without a valid name", c->member);
        if (!g_str_has_prefix(name, DT_DBUS_ERROR_PREFIX ".") &&
            !g_str_has_prefix(name, "org.freedesktop.DBus.Error."))
            dt_fuzz_fail("%s: error %s is none of the documented ones", c->member, name);
        if (!g_str_equal(got, "s") ||
            !dbus_message_get_args(c->reply, NULL, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID) ||
            !*text)
            dt_fuzz_fail("%s: error %s has no message (signature '%s')", c->member, name, got);
        if (manager && !g_str_equal(call_sig, sig->in) &&
            !g_str_equal(name, DBUS_ERROR_INVALID_ARGS))
            dt_fuzz_fail("%s(%s), declared (%s): %s, not the glue's %s", c->member, call_sig,
                         sig->in, name, DBUS_ERROR_INVALID_ARGS);
        if (privileged_method && g_str_equal(call_sig, sig->in)) {
            gboolean denied = g_str_equal(name, DT_DBUS_ERROR_PERMISSION_DENIED);

            if (privileged == 1 && denied)
                dt_fuzz_fail("%s denied to %s", c->member, identities[c->as].name);
            if (privileged == 0 && !denied)
                dt_fuzz_fail("%s as %s: %s, not %s", c->member, identities[c->as].name, name,
                             DT_DBUS_ERROR_PERMISSION_DENIED);
        }
        return;
    }
    if (!sig)
        dt_fuzz_fail("%s.%s: a method return from no such method", nn(c->iface), c->member);
    if (manager || g_str_equal(iface, DBUS_INTERFACE_PROPERTIES)) {
        if (!g_str_equal(c->path, DT_DBUS_PATH))
            dt_fuzz_fail("%s: a method return on %s", c->member, c->path);
    }
    if (!g_str_equal(iface, DBUS_INTERFACE_PEER) && !g_str_equal(call_sig, sig->in))
        dt_fuzz_fail("%s.%s ran with arguments '%s', declared '%s'", iface, c->member, call_sig,
                     sig->in);
    if (!g_str_equal(got, sig->out))
        dt_fuzz_fail("%s.%s returned '%s', declared '%s'", iface, c->member, got, sig->out);
    if (privileged_method && privileged == 0)
        dt_fuzz_fail("%s ran for %s", c->member, identities[c->as].name);
    check_return(c, iface);
}

/* What must hold when nothing is in flight. */
static void
check_daemon(void)
{
    DtdDaemon *d = F.d;
    GHashTableIter it;
    gpointer key, value;

    if (d->probing || d->probe_again || d->probe_waiters->len || d->queued_waiters->len)
        dt_fuzz_fail("settled, yet probing=%d again=%d waiters=%u+%u", d->probing,
                     d->probe_again, d->probe_waiters->len, d->queued_waiters->len);
    if (!d->host || d->host->error)
        dt_fuzz_fail("settled without a host report");
    if (g_hash_table_size(d->hooks_in_flight) != 0)
        dt_fuzz_fail("settled with %u domains' hook calls still in flight",
                     g_hash_table_size(d->hooks_in_flight));
    g_hash_table_iter_init(&it, d->domains);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        const DtdDomainState *s = value;

        if (key != s->name || !*s->name || strlen(s->name) > DT_DBUS_MAX_NAME_BYTES ||
            strchr(s->name, '/'))
            dt_fuzz_fail("tracked domain with an invalid name '%s'", s->name);
    }
}

/* ---- the run ------------------------------------------------------------------------- */

static gboolean
answered(void)
{
    for (guint i = 0; i < F.calls->len; i++) {
        const Call *c = g_ptr_array_index(F.calls, i);

        if (c->sent && c->want_reply && !c->reply)
            return FALSE;
    }
    return TRUE;
}

static void
fail_unanswered(void)
{
    for (guint i = 0; i < F.calls->len; i++) {
        const Call *c = g_ptr_array_index(F.calls, i);

        if (c->sent && c->want_reply && !c->reply)
            dt_fuzz_fail("%s.%s as %s: no reply after %d s", nn(c->iface),
                         c->member, identities[c->as].name, FUZZ_DEADLINE_S);
    }
}

static gboolean
queues_empty(void)
{
    return !dbus_connection_has_messages_to_send(F.client) &&
           !dbus_connection_has_messages_to_send(F.d->conn) &&
           dbus_connection_get_dispatch_status(F.client) == DBUS_DISPATCH_COMPLETE &&
           dbus_connection_get_dispatch_status(F.d->conn) == DBUS_DISPATCH_COMPLETE;
}

/* Until every call is answered and the daemon is idle: no job queued or
 * running (freeing a pool waits for its jobs), none of their results still
 * waiting for the loop, no message in flight. */
static void
settle(void)
{
    gint64 deadline = g_get_monotonic_time() + FUZZ_DEADLINE_S * G_USEC_PER_SEC;
    guint ticker = g_timeout_add(50, tick, NULL);

    for (;;) {
        g_autoptr(GError) error = NULL;

        while (!answered()) {
            if (g_get_monotonic_time() > deadline)
                fail_unanswered();
            g_main_context_iteration(NULL, TRUE);
        }
        g_thread_pool_free(F.d->pool, FALSE, TRUE);
        F.d->pool = g_thread_pool_new(dtd_jobs_worker, F.d, FUZZ_THREADS, FALSE, &error);
        if (!F.d->pool)
            dt_fuzz_fail("cannot restart the workers: %s", error->message);
        g_source_remove(ticker);
        ticker = 0;
        if (!g_main_context_iteration(NULL, FALSE) && queues_empty() && !F.d->probing)
            break;
        if (g_get_monotonic_time() > deadline)
            dt_fuzz_fail("the daemon did not settle in %d s", FUZZ_DEADLINE_S);
        ticker = g_timeout_add(50, tick, NULL);
    }
}

/* DT_FUZZ_TRACE=1: each call and its answer on stderr, to see what an
 * input does. */
static void
trace(const Call *c)
{
    const char *text = NULL;

    if (!c->reply) {
        g_printerr("dt-fuzz-dbus: %s.%s(%s) as %s: no reply wanted\n", nn(c->iface), c->member,
                   dbus_message_get_signature(c->msg), identities[c->as].name);
        return;
    }
    if (dbus_message_get_type(c->reply) == DBUS_MESSAGE_TYPE_ERROR)
        dbus_message_get_args(c->reply, NULL, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID);
    g_printerr("dt-fuzz-dbus: %s.%s(%s) as %s: %s (%s) %.160s\n", nn(c->iface), c->member,
               dbus_message_get_signature(c->msg), identities[c->as].name,
               nn(dbus_message_get_error_name(c->reply)), dbus_message_get_signature(c->reply),
               nn(text));
}

int
dt_fuzz_dbus(const uint8_t *data, size_t size)
{
    g_autofree char *buf = NULL;
    const char *host;
    gboolean busy;

    if (size > FUZZ_MAX_INPUT)
        return 0;
    if (!F.d)
        setup();
    buf = g_malloc(size + 1);   /* NULs are separators: no g_strndup */
    memcpy(buf, data, size);
    buf[size] = '\0';
    F.calls = g_ptr_array_new_with_free_func(call_free);
    host = parse_input(buf, size, &busy);

    /* every input starts from the same daemon: this host, nothing tracked,
     * no answer cached */
    switch_host(host);
    g_hash_table_remove_all(F.d->domains);
    dtd_cache_free(F.d->cache);
    F.d->cache = dtd_cache_new(FUZZ_CACHE_ENTRIES, FUZZ_CACHE_BYTES);
    F.d->max_queue = busy ? 0 : FUZZ_QUEUE;

    for (guint i = 0; i < F.calls->len; i++) {
        Call *c = g_ptr_array_index(F.calls, i);

        if (c->after)
            settle();
        if (!dbus_connection_send(F.client, c->msg, &c->serial))
            dt_fuzz_fail("cannot send %s", c->member);
        c->sent = TRUE;
    }
    settle();
    for (guint i = 0; i < F.calls->len; i++) {
        const Call *c = g_ptr_array_index(F.calls, i);

        if (g_getenv("DT_FUZZ_TRACE"))
            trace(c);
        if (c->want_reply)
            check_reply(c);
    }
    check_daemon();
    g_clear_pointer(&F.calls, g_ptr_array_unref);
    return 0;
}

DT_FUZZ_ENTRY(dt_fuzz_dbus)
