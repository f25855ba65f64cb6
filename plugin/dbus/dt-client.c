/* dt-client.c: blocking D-Bus calls are right for a short-lived CLI, but
 * not every step of libdbus takes a timeout: connecting and the
 * authentication before Hello block on a bus that is stopped (SIGSTOP, a
 * hung dbus-daemon), and the CLI then hung until killed.  So the whole
 * exchange runs in a thread of its own and the caller waits for it at most
 * its deadline; a thread still stuck then is left behind, with a private
 * connection nobody else uses, and ends with the process.  A private
 * connection is used and closed, never the shared one.
 */
#include "config.h"

#include <dbus/dbus.h>
#include <string.h>

#include "dbus/dt-client.h"
#include "dbus/dt-dbus-api.h"
#include "model/dt-util.h"
#include "model/dt-xml.h"

static DBusConnection *
client_connect(GError **error)
{
    DBusError err;
    DBusConnection *c;
    const char *addr = g_getenv("DIRTYTRACK_BUS_ADDRESS");

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
    return c;
}

static void
client_close(DBusConnection *c)
{
    if (!c)
        return;
    dbus_connection_close(c);
    dbus_connection_unref(c);
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

/* One exchange, shared by the caller and the thread doing it: whoever lets
 * go last frees it, since the caller may give up before the thread ends. */
typedef struct {
    gint refs;
    GMutex lock;
    GCond done_cond;
    gboolean done;
    char *xml;
    DtRole role;
    char *qemu_version;
    char *libvirt_version;
    gint64 deadline_us;       /* monotonic */
    guint timeout_ms;
    char *json;               /* the answer, or */
    GError *error;            /* why there is none */
} DtClientCall;

static void
client_call_unref(DtClientCall *call)
{
    if (!g_atomic_int_dec_and_test(&call->refs))
        return;
    g_free(call->xml);
    g_free(call->qemu_version);
    g_free(call->libvirt_version);
    g_free(call->json);
    g_clear_error(&call->error);
    g_mutex_clear(&call->lock);
    g_cond_clear(&call->done_cond);
    g_free(call);
}

/* libdbus' names for a call that used up its time */
static gboolean
client_timed_out(const DBusError *err)
{
    return dbus_error_has_name(err, DBUS_ERROR_NO_REPLY) ||
           dbus_error_has_name(err, DBUS_ERROR_TIMEOUT) ||
           dbus_error_has_name(err, DBUS_ERROR_TIMED_OUT);
}

static int
client_call_left_ms(const DtClientCall *call)
{
    gint64 left = (call->deadline_us - g_get_monotonic_time()) / 1000;

    return (int)CLAMP(left, 1, G_MAXINT);
}

/* In the thread: connect, is the name owned, Evaluate. */
static char *
client_exchange(DtClientCall *call, GError **error)
{
    DBusConnection *c = NULL;
    DBusMessage *m = NULL, *reply = NULL;
    DBusMessageIter it, dict;
    DBusError err;
    const char *verdict = NULL, *mode = NULL, *json = NULL;
    const char *name = DT_DBUS_NAME;
    dbus_bool_t owned = FALSE;
    char *out = NULL;

    dbus_error_init(&err);
    c = client_connect(error);
    if (!c)
        return NULL;

    /* NameHasOwner with our deadline (dbus_bus_name_has_owner() has none) */
    m = dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS,
                                     "NameHasOwner");
    dbus_message_append_args(m, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID);
    reply = dbus_connection_send_with_reply_and_block(c, m, client_call_left_ms(call), &err);
    dbus_message_unref(m);
    m = NULL;
    if (!reply && client_timed_out(&err)) {
        g_set_error(error, DT_ERROR, DT_ERROR_TIMEOUT,
                    _("the D-Bus bus did not answer within %u ms"), call->timeout_ms);
        goto out;
    }
    if (!reply || !dbus_message_get_args(reply, &err, DBUS_TYPE_BOOLEAN, &owned,
                                         DBUS_TYPE_INVALID)) {
        g_set_error(error, DT_ERROR, DT_ERROR_FAILED, _("the D-Bus bus did not answer: %s"),
                    err.message ? err.message : "?");
        goto out;
    }
    dbus_message_unref(reply);
    reply = NULL;
    if (!owned) {
        g_set_error(error, DT_ERROR, DT_ERROR_NOT_FOUND, _("dirtytrackd is not running"));
        goto out;
    }

    m = dbus_message_new_method_call(DT_DBUS_NAME, DT_DBUS_PATH, DT_DBUS_MANAGER_IFACE,
                                     "Evaluate");
    /* never start the service just for a CLI question */
    dbus_message_set_auto_start(m, FALSE);
    dbus_message_iter_init_append(m, &it);
    {
        const char *x = call->xml;
        dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &x);
    }
    dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{ss}", &dict);
    append_option(&dict, "role", dt_role_to_string(call->role));
    append_option(&dict, "qemu-version", call->qemu_version);
    append_option(&dict, "libvirt-version", call->libvirt_version);
    dbus_message_iter_close_container(&it, &dict);

    reply = dbus_connection_send_with_reply_and_block(c, m, client_call_left_ms(call), &err);
    if (!reply && client_timed_out(&err) && client_call_left_ms(call) <= 10) {
        g_set_error(error, DT_ERROR, DT_ERROR_TIMEOUT,
                    _("dirtytrackd did not answer within %u ms"), call->timeout_ms);
        goto out;
    }
    if (!reply) {
        gboolean is_input = err.name && g_str_has_suffix(err.name, ".InvalidArgs");
        g_set_error(error, DT_ERROR, is_input ? DT_ERROR_INVALID_INPUT : DT_ERROR_FAILED,
                    _("dirtytrackd: %s"), err.message ? err.message : err.name);
        goto out;
    }
    if (!dbus_message_get_args(reply, &err, DBUS_TYPE_STRING, &verdict, DBUS_TYPE_STRING, &mode,
                               DBUS_TYPE_STRING, &json, DBUS_TYPE_INVALID)) {
        g_set_error(error, DT_ERROR, DT_ERROR_FAILED,
                    _("dirtytrackd gave an unexpected answer: %s"), err.message);
        goto out;
    }
    out = g_strdup(json);
out:
    dbus_error_free(&err);
    if (m)
        dbus_message_unref(m);
    if (reply)
        dbus_message_unref(reply);
    client_close(c);
    return out;
}

static gpointer
client_thread(gpointer data)
{
    DtClientCall *call = data;
    GError *error = NULL;
    char *json = client_exchange(call, &error);

    g_mutex_lock(&call->lock);
    call->json = json;
    call->error = error;
    call->done = TRUE;
    g_cond_signal(&call->done_cond);
    g_mutex_unlock(&call->lock);
    client_call_unref(call);
    return NULL;
}

char *
dt_client_evaluate(const char *xml, gsize len, const DtClientOptions *opts, GError **error)
{
    g_autofree char *copy = NULL;
    DtClientCall *call;
    GThread *thread;
    char *out = NULL;

    if (len > DT_XML_MAX_BYTES) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("domain XML is larger than the daemon accepts (%u bytes)"),
                    DT_XML_MAX_BYTES);
        return NULL;
    }
    /* D-Bus strings must be valid UTF-8 without NUL; the daemon checks too. */
    copy = g_strndup(xml, len);
    if (strlen(copy) != len || !g_utf8_validate(copy, -1, NULL)) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("domain XML is not valid UTF-8 text"));
        return NULL;
    }

    /* libdbus >= 1.7 does this itself; older ones need it before threads */
    dbus_threads_init_default();
    call = g_new0(DtClientCall, 1);
    call->refs = 2;            /* the caller's and the thread's */
    g_mutex_init(&call->lock);
    g_cond_init(&call->done_cond);
    call->xml = g_steal_pointer(&copy);
    call->role = opts->role;
    call->qemu_version = g_strdup(opts->qemu_version);
    call->libvirt_version = g_strdup(opts->libvirt_version);
    call->deadline_us = g_get_monotonic_time() + (gint64)opts->timeout_ms * 1000;
    call->timeout_ms = opts->timeout_ms;

    thread = g_thread_try_new("dt-client", client_thread, call, error);
    if (!thread) {
        call->refs = 1;
        client_call_unref(call);
        return NULL;
    }
    g_thread_unref(thread);   /* detached: it may outlive the wait */

    g_mutex_lock(&call->lock);
    while (!call->done && g_cond_wait_until(&call->done_cond, &call->lock, call->deadline_us))
        ;
    if (call->done) {
        out = g_steal_pointer(&call->json);
        if (!out)
            g_propagate_error(error, g_steal_pointer(&call->error));
    } else {
        g_set_error(error, DT_ERROR, DT_ERROR_TIMEOUT,
                    _("neither the D-Bus bus nor dirtytrackd answered within %u ms"),
                    opts->timeout_ms);
    }
    g_mutex_unlock(&call->lock);
    client_call_unref(call);
    return out;
}
