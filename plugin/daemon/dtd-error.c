/* dtd-error.c: the one place internal errors become D-Bus error names.
 *
 * The table is indexed by DtErrorCode and static-asserted against
 * DT_ERROR_NUM, so adding a code without a name fails to compile.  Names
 * are stable identifiers (never translated); the message text is the
 * GError's, which is translated.  A message that quotes a caller's
 * argument quotes a short prefix of it (dtd_quote()): an error reply must
 * not become a way to make the daemon copy a megabyte back onto the bus.
 * Beside them, the one writer of the compact JSON documents that answers
 * and signals carry (dtd_json_string()).
 */
#include "config.h"

#include <stdarg.h>

#include <json-glib/json-glib.h>

#include "model/dt-error.h"
#include "dbus/dt-dbus-api.h"
#include "daemon/dtd.h"
#include "dbus/dtbus.h"

static const char *const error_names[] = {
    [DT_ERROR_FAILED] = DT_DBUS_ERROR_FAILED,
    [DT_ERROR_INVALID_INPUT] = DT_DBUS_ERROR_INVALID_ARGS,
    [DT_ERROR_NOT_FOUND] = DT_DBUS_ERROR_NOT_FOUND,
    [DT_ERROR_BUSY] = DT_DBUS_ERROR_BUSY,
    [DT_ERROR_PERMISSION] = DT_DBUS_ERROR_PERMISSION_DENIED,
    [DT_ERROR_IO] = DT_DBUS_ERROR_IO,
    [DT_ERROR_TIMEOUT] = DT_DBUS_ERROR_TIMEOUT,
    [DT_ERROR_UNSUPPORTED] = DT_DBUS_ERROR_NOT_SUPPORTED,
};
G_STATIC_ASSERT(G_N_ELEMENTS(error_names) == DT_ERROR_NUM);

const char *
dtd_error_name(const GError *error)
{
    if (error && error->domain == DT_ERROR && error->code >= 0 && error->code < DT_ERROR_NUM &&
        error_names[error->code])
        return error_names[error->code];
    if (error && error->domain == G_FILE_ERROR) {
        switch (error->code) {
        case G_FILE_ERROR_NOENT:
            return error_names[DT_ERROR_NOT_FOUND];
        case G_FILE_ERROR_ACCES:
        case G_FILE_ERROR_PERM:
            return error_names[DT_ERROR_PERMISSION];
        default:
            return error_names[DT_ERROR_IO];
        }
    }
    return error_names[DT_ERROR_FAILED];
}

DBusMessage *
dtd_error_reply(DBusMessage *msg, const GError *error)
{
    return dtbus_error_reply(msg, dtd_error_name(error), "%s",
                             error && error->message ? error->message : _("Unknown error"));
}

DBusMessage *
dtd_error_reply_code(DBusMessage *msg, DtErrorCode code, const char *fmt, ...)
{
    g_autoptr(GError) error = NULL;
    va_list ap;

    va_start(ap, fmt);
    error = g_error_new_valist(DT_ERROR, code, fmt, ap);
    va_end(ap);
    return dtd_error_reply(msg, error);
}

#define DTD_QUOTE_CHARS 64

char *
dtd_quote(const char *arg)
{
    g_autofree char *valid = g_utf8_make_valid(arg ? arg : "", -1);
    g_autofree char *head = NULL;

    if (g_utf8_strlen(valid, -1) <= DTD_QUOTE_CHARS)
        return g_steal_pointer(&valid);
    head = g_utf8_substring(valid, 0, DTD_QUOTE_CHARS);
    /* the cut is marked, so a reader does not take the prefix for all */
    return g_strconcat(head, "\u2026", NULL);
}

char *
dtd_json_string(JsonBuilder *b)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = json_builder_get_root(b);

    json_generator_set_root(gen, root);
    return json_generator_to_data(gen, NULL);
}
