/* dt-client.c: a blocking D-Bus call with an explicit timeout is right for
 * a short-lived CLI (style-anchors.md §7 pitfall 2 is about daemons).  A
 * private connection is used and closed, never the shared one.
 */
#include "config.h"

#include <dbus/dbus.h>
#include <string.h>

#include "dt-client.h"
#include "dt-dbus-api.h"
#include "dt-util.h"
#include "dt-xml.h"

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

gboolean
dt_client_daemon_running(void)
{
    DBusConnection *c = client_connect(NULL);
    DBusError err;
    gboolean owned;

    if (!c)
        return FALSE;
    dbus_error_init(&err);
    owned = dbus_bus_name_has_owner(c, DT_DBUS_NAME, &err);
    dbus_error_free(&err);
    client_close(c);
    return owned;
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

char *
dt_client_evaluate(const char *xml, gsize len, const DtClientOptions *opts, GError **error)
{
    DBusConnection *c = NULL;
    DBusMessage *call = NULL, *reply = NULL;
    DBusMessageIter it, dict;
    DBusError err;
    const char *verdict = NULL, *mode = NULL, *json = NULL;
    g_autofree char *copy = NULL;
    char *out = NULL;

    dbus_error_init(&err);
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

    c = client_connect(error);
    if (!c)
        return NULL;
    if (!dbus_bus_name_has_owner(c, DT_DBUS_NAME, NULL)) {
        g_set_error(error, DT_ERROR, DT_ERROR_NOT_FOUND, _("dirtytrackd is not running"));
        goto out;
    }
    call = dbus_message_new_method_call(DT_DBUS_NAME, DT_DBUS_PATH, DT_DBUS_MANAGER_IFACE,
                                        "Evaluate");
    /* never start the service just for a CLI question */
    dbus_message_set_auto_start(call, FALSE);
    dbus_message_iter_init_append(call, &it);
    {
        const char *x = copy;
        dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &x);
    }
    dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{ss}", &dict);
    append_option(&dict, "role", opts->role == DT_ROLE_DESTINATION ? "destination" : "source");
    append_option(&dict, "qemu-version", opts->qemu_version);
    append_option(&dict, "libvirt-version", opts->libvirt_version);
    dbus_message_iter_close_container(&it, &dict);

    reply = dbus_connection_send_with_reply_and_block(c, call, (int)opts->timeout_ms, &err);
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
    if (call)
        dbus_message_unref(call);
    if (reply)
        dbus_message_unref(reply);
    client_close(c);
    return out;
}
