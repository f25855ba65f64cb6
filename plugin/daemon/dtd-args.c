/* dtd-args.c: dirtytrackd's checks of what callers send, before any work.
 *
 * Cheap and on the main thread: sizes, names, option keys and values.  What
 * passes may be queued for a worker; what does not is answered InvalidArgs
 * at once with a message that quotes at most a short prefix of the argument
 * (dtd_quote()).  The limits are those docs/dbus-api.md documents
 * (dt-dbus-api.h, DT_XML_MAX_BYTES).
 */
#include "config.h"

#include <string.h>

#include "dbus/dt-dbus-api.h"
#include "model/dt-util.h"
#include "model/dt-xml.h"
#include "daemon/dtd.h"

static const char *const hook_ops[] = {
    "prepare", "start", "started", "stopped", "release", "migrate", "restore", "reconnect",
    "attach", NULL,
};
static const char *const hook_subops[] = { "begin", "end", "-", NULL };

gboolean
dtd_args_check_xml(const char *xml, GError **error)
{
    gsize len = strlen(xml);
    const char *p = xml;

    if (len > DT_XML_MAX_BYTES) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("Domain XML is %zu bytes, more than the limit of %u"),
                    len, DT_XML_MAX_BYTES);
        return FALSE;
    }
    while (g_ascii_isspace(*p))
        p++;
    if (*p != '<') {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("Domain XML must be an XML document"));
        return FALSE;
    }
    return TRUE;
}

gboolean
dtd_args_check_domain_name(const char *name, GError **error)
{
    gsize len = strlen(name);

    if (len == 0 || len > DT_DBUS_MAX_NAME_BYTES || strchr(name, '/')) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT, _("Invalid domain name"));
        return FALSE;
    }
    for (const char *p = name; *p; p++) {
        if ((guchar) *p < 0x20) {
            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT, _("Invalid domain name"));
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean
in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (g_str_equal(s, *list))
            return TRUE;
    return FALSE;
}

/* Reads the a{ss} options of Evaluate/Filter into args.  Keys are
 * known, unique, values well-formed; "op" differs between the two. */
gboolean
dtd_args_parse_options(DBusMessageIter *iter, gboolean filter, DtdEvalArgs *args,
                       GError **error)
{
    DBusMessageIter array;
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    guint n = 0;

    dbus_message_iter_recurse(iter, &array);
    while (dbus_message_iter_get_arg_type(&array) == DBUS_TYPE_DICT_ENTRY) {
        DBusMessageIter entry;
        const char *key, *value;
        DtVersion v;

        dbus_message_iter_recurse(&array, &entry);
        dbus_message_iter_get_basic(&entry, &key);
        dbus_message_iter_next(&entry);
        dbus_message_iter_get_basic(&entry, &value);
        dbus_message_iter_next(&array);

        if (++n > DT_DBUS_MAX_OPTIONS) {
            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT, _("Too many options"));
            return FALSE;
        }
        if (!g_hash_table_add(seen, (gpointer) key)) {
            g_autofree char *q = dtd_quote(key);

            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT, _("Option '%s' given twice"), q);
            return FALSE;
        }
        if (strlen(value) > DT_DBUS_MAX_OPTION_BYTES) {
            g_autofree char *q = dtd_quote(key);

            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                        _("Value of option '%s' is too long"), q);
            return FALSE;
        }
        if (g_str_equal(key, "role")) {
            if (!dt_role_from_string(value, &args->role)) {
                g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                            _("Option 'role' must be 'source' or 'destination'"));
                return FALSE;
            }
        } else if (g_str_equal(key, "qemu-version") || g_str_equal(key, "libvirt-version")) {
            if (!dt_version_parse(value, &v)) {
                g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                            _("Option '%s' is not a version: '%s'"), key, value);
                return FALSE;
            }
            if (key[0] == 'q')
                dt_set_str(&args->qemu_version, value);
            else
                dt_set_str(&args->libvirt_version, value);
        } else if (g_str_equal(key, "op")) {
            /* Filter rewrites XML only for incoming domains; Evaluate just
             * notes which hook operation asked */
            if (filter ? !g_str_equal(value, "migrate") && !g_str_equal(value, "restore")
                       : !in_list(value, hook_ops)) {
                g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                            filter ? _("Option 'op' must be 'migrate' or 'restore'")
                                   : _("Option 'op' must be a libvirt hook operation"));
                return FALSE;
            }
            dt_set_str(&args->op, value);
        } else {
            g_autofree char *q = dtd_quote(key);

            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT, _("Unknown option '%s'"), q);
            return FALSE;
        }
    }
    return TRUE;
}

gboolean
dtd_args_is_hook_op(const char *op)
{
    return in_list(op, hook_ops);
}

gboolean
dtd_args_is_hook_subop(const char *subop)
{
    return in_list(subop, hook_subops);
}
