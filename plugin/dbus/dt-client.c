/* dt-client.c: the one client of dirtytrackd (dt-client.h).
 *
 * A private connection is used and closed, never the shared one: the
 * process may be a forked worker (the hook) or give up on a thread that
 * still holds it (dt_client_ask()).  A call that runs out of time is told
 * apart from one whose daemon died: libdbus says NoReply for both, so only
 * one that used up the deadline counts as a timeout.
 */
#include "config.h"

#include <dbus/dbus.h>
#include <string.h>

#include "dbus/dt-client.h"
#include "dbus/dt-dbus-api.h"
#include "model/dt-util.h"
#include "model/dt-xml.h"

struct DtClient {
    DBusConnection *conn;
    gint64 deadline_us;        /* monotonic */
    guint timeout_ms;          /* what the messages quote */
};

void
dt_client_answer_free(DtClientAnswer *a)
{
    if (!a)
        return;
    if (a->reasons)
        g_ptr_array_unref(a->reasons);
    g_free(a->report_json);
    g_free(a->new_xml);
    g_free(a);
}

DtClient *
dt_client_open(guint timeout_ms, GError **error)
{
    DBusError err;
    DBusConnection *c;
    DtClient *client;
    const char *addr = g_getenv("DIRTYTRACK_BUS_ADDRESS");
    gint64 start = g_get_monotonic_time();

    dbus_error_init(&err);
    if (addr && *addr) {
        c = dbus_connection_open_private(addr, &err);
        if (c && !dbus_bus_register(c, &err)) {
            dbus_connection_close(c);
            dbus_connection_unref(c);
            c = NULL;
        }
    } else {
        c = dbus_bus_get_private(DBUS_BUS_SYSTEM, &err);
    }
    if (!c) {
        g_set_error(error, DT_ERROR, DT_ERROR_NOT_FOUND, _("cannot reach the D-Bus bus: %s"),
                    err.message ? err.message : "?");
        dbus_error_free(&err);
        return NULL;
    }
    dbus_connection_set_exit_on_disconnect(c, FALSE);
    client = g_new0(DtClient, 1);
    client->conn = c;
    client->deadline_us = start + (gint64)timeout_ms * 1000;
    client->timeout_ms = timeout_ms;
    return client;
}

void
dt_client_close(DtClient *c)
{
    if (!c)
        return;
    dbus_connection_close(c->conn);
    dbus_connection_unref(c->conn);
    g_free(c);
}

static int
left_ms(const DtClient *c)
{
    gint64 left = (c->deadline_us - g_get_monotonic_time()) / 1000;

    return (int)CLAMP(left, 1, G_MAXINT);
}

/* libdbus' names for a call that used up its time */
static gboolean
timed_out(const DBusError *err)
{
    return dbus_error_has_name(err, DBUS_ERROR_NO_REPLY) ||
           dbus_error_has_name(err, DBUS_ERROR_TIMEOUT) ||
           dbus_error_has_name(err, DBUS_ERROR_TIMED_OUT);
}

/* A call to dirtytrackd's object (never starting it), or NULL. */
static DBusMessage *
new_call(const char *iface, const char *method)
{
    DBusMessage *m = dbus_message_new_method_call(DT_DBUS_NAME, DT_DBUS_PATH, iface, method);

    if (m)
        dbus_message_set_auto_start(m, FALSE);
    return m;
}

/* Sends m (and drops it) with what is left of the deadline; the reply, or
 * NULL with the error (see dt-client.h).  bus: the call is to the bus
 * itself, which the messages say. */
static DBusMessage *
call(DtClient *c, DBusMessage *m, gboolean bus, GError **error)
{
    DBusMessage *reply;
    DBusError err;

    if (!m) {
        g_set_error(error, DT_ERROR, DT_ERROR_FAILED, _("out of memory"));
        return NULL;
    }
    dbus_error_init(&err);
    reply = dbus_connection_send_with_reply_and_block(c->conn, m, left_ms(c), &err);
    dbus_message_unref(m);
    if (reply)
        return reply;
    if (timed_out(&err) && left_ms(c) <= 10)
        g_set_error(error, DT_ERROR, DT_ERROR_TIMEOUT,
                    bus ? _("the D-Bus bus did not answer within %u ms")
                        : _("dirtytrackd did not answer within %u ms"),
                    c->timeout_ms);
    else
        g_set_error(error, DT_ERROR,
                    !bus && err.name && g_str_has_suffix(err.name, ".InvalidArgs")
                        ? DT_ERROR_INVALID_INPUT
                        : DT_ERROR_FAILED,
                    bus ? _("the D-Bus bus did not answer: %s") : _("dirtytrackd: %s"),
                    err.message ? err.message : err.name ? err.name : "?");
    dbus_error_free(&err);
    return NULL;
}

gboolean
dt_client_daemon_running(DtClient *c, GError **error)
{
    const char *name = DT_DBUS_NAME;
    DBusMessage *m, *reply;
    dbus_bool_t owned = FALSE;
    gboolean ok;

    /* NameHasOwner with our deadline (dbus_bus_name_has_owner() has none) */
    m = dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS,
                                     "NameHasOwner");
    if (m)
        dbus_message_append_args(m, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID);
    reply = call(c, m, TRUE, error);
    if (!reply)
        return FALSE;
    ok = dbus_message_get_args(reply, NULL, DBUS_TYPE_BOOLEAN, &owned, DBUS_TYPE_INVALID);
    if (!ok)
        g_set_error(error, DT_ERROR, DT_ERROR_FAILED, _("the D-Bus bus did not answer: %s"),
                    dbus_message_get_signature(reply));
    else if (!owned)
        g_set_error(error, DT_ERROR, DT_ERROR_NOT_FOUND, _("dirtytrackd is not running"));
    dbus_message_unref(reply);
    return ok && owned;
}

gboolean
dt_client_daemon_sysroot(DtClient *c, char **sysroot, GError **error)
{
    const char *iface = DT_DBUS_MANAGER_IFACE, *prop = "Config";
    DBusMessage *m = new_call(DBUS_INTERFACE_PROPERTIES, "Get");
    DBusMessage *reply;
    DBusMessageIter it, var, dict, entry;

    *sysroot = NULL;
    if (m)
        dbus_message_append_args(m, DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING, &prop,
                                 DBUS_TYPE_INVALID);
    reply = call(c, m, FALSE, error);
    if (!reply)
        return FALSE;
    /* a{ss} in a variant */
    if (dbus_message_iter_init(reply, &it) &&
        dbus_message_iter_get_arg_type(&it) == DBUS_TYPE_VARIANT) {
        dbus_message_iter_recurse(&it, &var);
        if (dbus_message_iter_get_arg_type(&var) == DBUS_TYPE_ARRAY) {
            for (dbus_message_iter_recurse(&var, &dict);
                 !*sysroot && dbus_message_iter_get_arg_type(&dict) == DBUS_TYPE_DICT_ENTRY;
                 dbus_message_iter_next(&dict)) {
                const char *k = NULL, *v = NULL;

                dbus_message_iter_recurse(&dict, &entry);
                if (dbus_message_iter_get_arg_type(&entry) != DBUS_TYPE_STRING)
                    continue;
                dbus_message_iter_get_basic(&entry, &k);
                if (!dbus_message_iter_next(&entry) ||
                    dbus_message_iter_get_arg_type(&entry) != DBUS_TYPE_STRING)
                    continue;
                dbus_message_iter_get_basic(&entry, &v);
                if (g_strcmp0(k, "sysroot") == 0)
                    *sysroot = g_strdup(v);
            }
        }
    }
    dbus_message_unref(reply);
    return TRUE;
}

static void
append_option(DBusMessageIter *dict, const char *key, const char *value)
{
    DBusMessageIter entry;

    if (!value || !*value)
        return;
    dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
    dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key);
    dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &value);
    dbus_message_iter_close_container(dict, &entry);
}

/* What the daemon would refuse in any case, before a call is made. */
static gboolean
check_xml(const char *xml, gsize len, GError **error)
{
    if (len > DT_XML_MAX_BYTES) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("domain XML is larger than the daemon accepts (%u bytes)"),
                    DT_XML_MAX_BYTES);
        return FALSE;
    }
    /* D-Bus strings must be valid UTF-8 without NUL (libdbus refuses to
     * send others); the daemon checks too. */
    if (memchr(xml, '\0', len) || !g_utf8_validate(xml, (gssize)len, NULL)) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("domain XML is not valid UTF-8 text"));
        return FALSE;
    }
    return TRUE;
}

/* Evaluate or Filter with the domain and the options, or NULL. */
static DBusMessage *
new_eval_call(const char *method, const char *xml, gsize len, const DtClientOptions *opts,
              GError **error)
{
    DBusMessage *m;
    DBusMessageIter it, dict;

    if (!check_xml(xml, len, error))
        return NULL;
    m = new_call(DT_DBUS_MANAGER_IFACE, method);
    if (!m) {
        g_set_error(error, DT_ERROR, DT_ERROR_FAILED, _("out of memory"));
        return NULL;
    }
    dbus_message_iter_init_append(m, &it);
    dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &xml);
    dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{ss}", &dict);
    append_option(&dict, "role", dt_role_to_string(opts->role));
    append_option(&dict, "op", opts->op);
    append_option(&dict, "qemu-version", opts->qemu_version);
    append_option(&dict, "libvirt-version", opts->libvirt_version);
    dbus_message_iter_close_container(&it, &dict);
    return m;
}

/* The typed reasons, a(ssss) at it. */
static gboolean
read_reasons(DBusMessageIter *it, GPtrArray *reasons)
{
    DBusMessageIter array, st;

    if (dbus_message_iter_get_arg_type(it) != DBUS_TYPE_ARRAY ||
        dbus_message_iter_get_element_type(it) != DBUS_TYPE_STRUCT)
        return FALSE;
    for (dbus_message_iter_recurse(it, &array);
         dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_STRUCT;
         dbus_message_iter_next(&array)) {
        const char *f[4] = { NULL };
        DtReason *r;

        dbus_message_iter_recurse(&array, &st);
        for (guint i = 0; i < G_N_ELEMENTS(f); i++) {
            if (dbus_message_iter_get_arg_type(&st) != DBUS_TYPE_STRING)
                return FALSE;
            dbus_message_iter_get_basic(&st, &f[i]);
            dbus_message_iter_next(&st);
        }
        r = g_new0(DtReason, 1);
        g_ptr_array_add(reasons, r);
        if (!dt_severity_from_string(f[1], &r->severity))
            return FALSE;
        r->code = g_strdup(f[0]);
        r->device = *f[2] ? g_strdup(f[2]) : NULL;
        r->message = g_strdup(f[3]);
    }
    return TRUE;
}

/* Evaluate -> (verdict, mode, report_json, reasons);
 * Filter -> (verdict, report_json, new_xml, mode, reasons). */
static DtClientAnswer *
read_answer(DBusMessage *reply, gboolean filter, GError **error)
{
    g_autoptr(DtClientAnswer) a = g_new0(DtClientAnswer, 1);
    const char *s[4] = { NULL };
    const char *verdict, *mode, *report, *new_xml = NULL;
    DBusMessageIter it;
    gboolean ok = dbus_message_iter_init(reply, &it);

    for (guint i = 0; ok && i < (filter ? 4u : 3u); i++) {
        ok = dbus_message_iter_get_arg_type(&it) == DBUS_TYPE_STRING;
        if (ok) {
            dbus_message_iter_get_basic(&it, &s[i]);
            ok = dbus_message_iter_next(&it);
        }
    }
    verdict = s[0];
    mode = filter ? s[3] : s[1];
    report = filter ? s[1] : s[2];
    if (filter)
        new_xml = s[2];
    a->reasons = g_ptr_array_new_with_free_func((GDestroyNotify)dt_reason_free);
    if (!ok || !dt_verdict_from_string(verdict, &a->verdict) ||
        !dt_mode_from_string(mode, &a->mode) || !read_reasons(&it, a->reasons)) {
        g_set_error(error, DT_ERROR, DT_ERROR_FAILED, _("dirtytrackd gave an unexpected answer: %s"),
                    dbus_message_get_signature(reply));
        return NULL;
    }
    a->report_json = g_strdup(report);
    a->new_xml = new_xml && *new_xml ? g_strdup(new_xml) : NULL;
    return g_steal_pointer(&a);
}

static DtClientAnswer *
evaluate_or_filter(DtClient *c, const char *method, const char *xml, gsize len,
                   const DtClientOptions *opts, GError **error)
{
    DBusMessage *m = new_eval_call(method, xml, len, opts, error);
    DBusMessage *reply;
    DtClientAnswer *a;

    if (!m)
        return NULL;
    reply = call(c, m, FALSE, error);
    if (!reply)
        return NULL;
    a = read_answer(reply, g_str_equal(method, "Filter"), error);
    dbus_message_unref(reply);
    return a;
}

DtClientAnswer *
dt_client_evaluate(DtClient *c, const char *xml, gsize len, const DtClientOptions *opts,
                   GError **error)
{
    return evaluate_or_filter(c, "Evaluate", xml, len, opts, error);
}

DtClientAnswer *
dt_client_filter(DtClient *c, const char *xml, gsize len, const DtClientOptions *opts,
                 GError **error)
{
    return evaluate_or_filter(c, "Filter", xml, len, opts, error);
}

gboolean
dt_client_hook_event(DtClient *c, const char *name, const char *op, const char *subop,
                     const char *xml, GError **error)
{
    DBusMessage *m = new_call(DT_DBUS_MANAGER_IFACE, "HookEvent");
    DBusMessage *reply;

    if (m && !dbus_message_append_args(m, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING, &op,
                                       DBUS_TYPE_STRING, &subop, DBUS_TYPE_STRING, &xml,
                                       DBUS_TYPE_INVALID)) {
        dbus_message_unref(m);
        m = NULL;
    }
    reply = call(c, m, FALSE, error);
    if (!reply)
        return FALSE;
    dbus_message_unref(reply);
    return TRUE;
}

/* ---- the CLI's bounded exchange ------------------------------------------------- */

/* One exchange, shared by the caller and the thread doing it: whoever lets
 * go last frees it, since the caller may give up before the thread ends. */
typedef struct {
    gint refs;
    GMutex lock;
    GCond done_cond;
    gboolean done;
    char *xml;
    gsize len;
    DtClientOptions opts;      /* its strings owned */
    DtClientAnswer *answer;    /* the answer, or */
    GError *error;             /* why there is none */
} DtClientCall;

static void
client_call_unref(DtClientCall *cc)
{
    if (!g_atomic_int_dec_and_test(&cc->refs))
        return;
    g_free(cc->xml);
    g_free((char *)cc->opts.qemu_version);
    g_free((char *)cc->opts.libvirt_version);
    g_free((char *)cc->opts.op);
    dt_client_answer_free(cc->answer);
    g_clear_error(&cc->error);
    g_mutex_clear(&cc->lock);
    g_cond_clear(&cc->done_cond);
    g_free(cc);
}

/* In the thread: connect, is the name owned, Evaluate. */
static gpointer
client_thread(gpointer data)
{
    DtClientCall *cc = data;
    GError *error = NULL;
    DtClientAnswer *answer = NULL;
    g_autoptr(DtClient) c = dt_client_open(cc->opts.timeout_ms, &error);

    if (c && dt_client_daemon_running(c, &error))
        answer = dt_client_evaluate(c, cc->xml, cc->len, &cc->opts, &error);
    g_mutex_lock(&cc->lock);
    cc->answer = answer;
    cc->error = error;
    cc->done = TRUE;
    g_cond_signal(&cc->done_cond);
    g_mutex_unlock(&cc->lock);
    client_call_unref(cc);
    return NULL;
}

DtClientAnswer *
dt_client_ask(const char *xml, gsize len, const DtClientOptions *opts, GError **error)
{
    DtClientCall *cc;
    GThread *thread;
    DtClientAnswer *out = NULL;
    gint64 deadline_us = g_get_monotonic_time() + (gint64)opts->timeout_ms * 1000;

    /* a document the daemon would refuse is refused here, daemon or not */
    if (!check_xml(xml, len, error))
        return NULL;
    /* libdbus >= 1.7 does this itself; older ones need it before threads */
    dbus_threads_init_default();
    cc = g_new0(DtClientCall, 1);
    cc->refs = 2;              /* the caller's and the thread's */
    g_mutex_init(&cc->lock);
    g_cond_init(&cc->done_cond);
    cc->xml = g_strndup(xml, len);
    cc->len = len;
    cc->opts = *opts;
    cc->opts.qemu_version = g_strdup(opts->qemu_version);
    cc->opts.libvirt_version = g_strdup(opts->libvirt_version);
    cc->opts.op = g_strdup(opts->op);

    thread = g_thread_try_new("dt-client", client_thread, cc, error);
    if (!thread) {
        cc->refs = 1;
        client_call_unref(cc);
        return NULL;
    }
    g_thread_unref(thread);    /* detached: it may outlive the wait */

    g_mutex_lock(&cc->lock);
    while (!cc->done && g_cond_wait_until(&cc->done_cond, &cc->lock, deadline_us))
        ;
    if (cc->done) {
        out = g_steal_pointer(&cc->answer);
        if (!out)
            g_propagate_error(error, g_steal_pointer(&cc->error));
    } else {
        g_set_error(error, DT_ERROR, DT_ERROR_TIMEOUT,
                    _("neither the D-Bus bus nor dirtytrackd answered within %u ms"),
                    opts->timeout_ms);
    }
    g_mutex_unlock(&cc->lock);
    client_call_unref(cc);
    return out;
}
