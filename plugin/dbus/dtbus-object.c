/* dtbus-object.c: object paths, interface tables and what follows from
 * them: introspection, signature checks before dispatch, Properties
 * Get/GetAll, declared-only signals and the caller lookup for privileged
 * methods.
 *
 * The tables are the single description of an interface: the XML served by
 * Introspect is generated from them, so it cannot drift from what is
 * dispatched (a test also compares it with schemas/dbus/).  A call whose
 * signature differs from the table never reaches a handler.
 *
 * The caller's uid and groups come from the bus (GetConnectionCredentials:
 * the same credentials the bus policy judged) through a pending call, never
 * a blocking round trip on the main thread.  The answer is kept per unique
 * name: the bus fixes a connection's credentials when it authenticates and
 * never gives a unique name to a second connection, so a client that calls
 * again is judged without asking the bus again.  The table is bounded
 * (emptied when full); a forgotten caller is only asked about again.
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "dbus/dtbus.h"

#define DTBUS_CALLER_TIMEOUT_MS 5000
#define DTBUS_CALLER_CACHE_MAX 1024
#define DTBUS_ERROR_MAX_BYTES 1024     /* an error message, at most */

typedef struct {
    char *name;
    const DtbusMethod *methods;
    const DtbusSignal *signals;
    const DtbusProperty *properties;
    gpointer user_data;
} DtbusInterface;

typedef struct {
    char *path;
    GPtrArray *interfaces;   /* DtbusInterface* */
} DtbusObject;

typedef struct {
    GHashTable *objects;     /* path -> DtbusObject* */
    gboolean fallback_registered;
    DtbusAuthorizeFunc authorize;
    gpointer authorize_data;
    char *denied_error;
    GHashTable *callers;     /* unique name -> DtbusCaller* (known callers only) */
} DtbusRegistry;

typedef struct {
    DBusConnection *conn;
    DBusMessage *msg;
    const DtbusMethod *method;
    const DtbusInterface *iface;
} DtbusPendingDispatch;

static dbus_int32_t registry_slot = -1;

static void
interface_free(DtbusInterface *i)
{
    g_free(i->name);
    g_free(i);
}

static void
object_free(DtbusObject *o)
{
    g_free(o->path);
    g_ptr_array_unref(o->interfaces);
    g_free(o);
}

static void
registry_free(void *p)
{
    DtbusRegistry *r = p;

    g_hash_table_unref(r->objects);
    g_hash_table_unref(r->callers);
    g_free(r->denied_error);
    g_free(r);
}

static DtbusRegistry *
registry_get(DBusConnection *conn, gboolean create)
{
    DtbusRegistry *r;

    if (registry_slot >= 0) {
        r = dbus_connection_get_data(conn, registry_slot);
        if (r || !create)
            return r;
    } else if (!create) {
        return NULL;
    }
    if (!dbus_connection_allocate_data_slot(&registry_slot))
        return NULL;
    r = g_new0(DtbusRegistry, 1);
    r->objects = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify) object_free);
    r->callers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    if (!dbus_connection_set_data(conn, registry_slot, r, registry_free)) {
        registry_free(r);
        return NULL;
    }
    return r;
}

static char *
args_signature(const DtbusArg *args)
{
    GString *s = g_string_new(NULL);

    for (; args && args->name; args++)
        g_string_append(s, args->signature);
    return g_string_free(s, FALSE);
}

/* ---- replies ------------------------------------------------------------ */

gboolean
dtbus_send_message(DBusConnection *conn, DBusMessage *msg)
{
    gboolean ok;

    if (!msg)
        return FALSE;
    ok = dbus_connection_send(conn, msg, NULL);
    dbus_message_unref(msg);
    return ok;
}

DBusMessage *
dtbus_error_reply(DBusMessage *msg, const char *name, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *text = NULL;
    g_autofree char *valid = NULL;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    /* libdbus refuses (and aborts on) strings that are not UTF-8; messages
     * can quote the caller's input, so they are also cut short (at a
     * character boundary) whatever a handler quoted. */
    valid = g_utf8_make_valid(text, -1);
    if (strlen(valid) > DTBUS_ERROR_MAX_BYTES) {
        const char *end = g_utf8_find_prev_char(valid, valid + DTBUS_ERROR_MAX_BYTES);

        valid[end ? end - valid : 0] = '\0';
    }
    return dbus_message_new_error(msg, name, valid);
}

static void
reply_and_unref(DBusConnection *conn, DBusMessage *msg, DBusMessage *reply)
{
    if (!reply)
        return;
    if (dbus_message_get_no_reply(msg))
        dbus_message_unref(reply);
    else
        dtbus_send_message(conn, reply);
}

/* ---- introspection ---------------------------------------------------------- */

static void
append_args_xml(GString *xml, const DtbusArg *args, const char *direction)
{
    for (; args && args->name; args++) {
        if (direction)
            g_string_append_printf(xml, "      <arg name=\"%s\" type=\"%s\" direction=\"%s\"/>\n",
                                   args->name, args->signature, direction);
        else
            g_string_append_printf(xml, "      <arg name=\"%s\" type=\"%s\"/>\n",
                                   args->name, args->signature);
    }
}

static void
append_interface_xml(GString *xml, const DtbusInterface *iface)
{
    g_string_append_printf(xml, "  <interface name=\"%s\">\n", iface->name);
    for (const DtbusMethod *m = iface->methods; m && m->name; m++) {
        if (!m->in_args && !m->out_args) {
            g_string_append_printf(xml, "    <method name=\"%s\"/>\n", m->name);
            continue;
        }
        g_string_append_printf(xml, "    <method name=\"%s\">\n", m->name);
        append_args_xml(xml, m->in_args, "in");
        append_args_xml(xml, m->out_args, "out");
        g_string_append(xml, "    </method>\n");
    }
    for (const DtbusSignal *s = iface->signals; s && s->name; s++) {
        if (!s->args) {
            g_string_append_printf(xml, "    <signal name=\"%s\"/>\n", s->name);
            continue;
        }
        g_string_append_printf(xml, "    <signal name=\"%s\">\n", s->name);
        append_args_xml(xml, s->args, NULL);
        g_string_append(xml, "    </signal>\n");
    }
    for (const DtbusProperty *p = iface->properties; p && p->name; p++) {
        if (p->flags & DTBUS_PROPERTY_FLAG_CONST) {
            g_string_append_printf(xml, "    <property name=\"%s\" type=\"%s\" access=\"read\">\n",
                                   p->name, p->signature);
            g_string_append(xml, "      <annotation name=\"org.freedesktop.DBus.Property."
                                 "EmitsChangedSignal\" value=\"const\"/>\n");
            g_string_append(xml, "    </property>\n");
        } else {
            g_string_append_printf(xml, "    <property name=\"%s\" type=\"%s\" access=\"read\"/>\n",
                                   p->name, p->signature);
        }
    }
    g_string_append(xml, "  </interface>\n");
}

static const char standard_interfaces_xml[] =
    "  <interface name=\"" DBUS_INTERFACE_INTROSPECTABLE "\">\n"
    "    <method name=\"Introspect\">\n"
    "      <arg name=\"xml\" type=\"s\" direction=\"out\"/>\n"
    "    </method>\n"
    "  </interface>\n"
    "  <interface name=\"" DBUS_INTERFACE_PEER "\">\n"
    "    <method name=\"Ping\"/>\n"
    "    <method name=\"GetMachineId\">\n"
    "      <arg name=\"machine_uuid\" type=\"s\" direction=\"out\"/>\n"
    "    </method>\n"
    "  </interface>\n";

static const char properties_interface_xml[] =
    "  <interface name=\"" DBUS_INTERFACE_PROPERTIES "\">\n"
    "    <method name=\"Get\">\n"
    "      <arg name=\"interface_name\" type=\"s\" direction=\"in\"/>\n"
    "      <arg name=\"property_name\" type=\"s\" direction=\"in\"/>\n"
    "      <arg name=\"value\" type=\"v\" direction=\"out\"/>\n"
    "    </method>\n"
    "    <method name=\"GetAll\">\n"
    "      <arg name=\"interface_name\" type=\"s\" direction=\"in\"/>\n"
    "      <arg name=\"properties\" type=\"a{sv}\" direction=\"out\"/>\n"
    "    </method>\n"
    "    <method name=\"Set\">\n"
    "      <arg name=\"interface_name\" type=\"s\" direction=\"in\"/>\n"
    "      <arg name=\"property_name\" type=\"s\" direction=\"in\"/>\n"
    "      <arg name=\"value\" type=\"v\" direction=\"in\"/>\n"
    "    </method>\n"
    "    <signal name=\"PropertiesChanged\">\n"
    "      <arg name=\"interface_name\" type=\"s\"/>\n"
    "      <arg name=\"changed_properties\" type=\"a{sv}\"/>\n"
    "      <arg name=\"invalidated_properties\" type=\"as\"/>\n"
    "    </signal>\n"
    "  </interface>\n";

static gint
compare_names(gconstpointer a, gconstpointer b)
{
    /* g_ptr_array_sort hands pointers to the elements */
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

char *
dtbus_introspect(DBusConnection *conn, const char *path)
{
    DtbusRegistry *r = registry_get(conn, FALSE);
    DtbusObject *obj = r ? g_hash_table_lookup(r->objects, path) : NULL;
    g_autoptr(GHashTable) children = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    GString *xml = g_string_new(DBUS_INTROSPECT_1_0_XML_DOCTYPE_DECL_NODE);
    g_autofree char *prefix = NULL;
    GHashTableIter it;
    gpointer key;

    g_string_append(xml, "<node>\n");
    if (obj) {
        gboolean has_props = FALSE;

        for (guint i = 0; i < obj->interfaces->len; i++) {
            const DtbusInterface *iface = g_ptr_array_index(obj->interfaces, i);

            append_interface_xml(xml, iface);
            if (iface->properties && iface->properties->name)
                has_props = TRUE;
        }
        if (has_props)
            g_string_append(xml, properties_interface_xml);
    }
    g_string_append(xml, standard_interfaces_xml);

    /* Child nodes: the next path element of every registered object below. */
    prefix = g_str_equal(path, "/") ? g_strdup("/") : g_strconcat(path, "/", NULL);
    if (r) {
        g_hash_table_iter_init(&it, r->objects);
        while (g_hash_table_iter_next(&it, &key, NULL)) {
            const char *p = key;
            const char *rest, *slash;

            if (!g_str_has_prefix(p, prefix) || strlen(p) == strlen(prefix))
                continue;
            rest = p + strlen(prefix);
            slash = strchr(rest, '/');
            g_hash_table_add(children, slash ? g_strndup(rest, slash - rest) : g_strdup(rest));
        }
    }
    g_hash_table_iter_init(&it, children);
    while (g_hash_table_iter_next(&it, &key, NULL))
        g_ptr_array_add(names, key);
    g_ptr_array_sort(names, compare_names);
    for (guint i = 0; i < names->len; i++)
        g_string_append_printf(xml, "  <node name=\"%s\"/>\n", (const char *) names->pdata[i]);
    g_string_append(xml, "</node>\n");
    return g_string_free(xml, FALSE);
}

static gboolean
path_has_children(DtbusRegistry *r, const char *path)
{
    g_autofree char *prefix = g_str_equal(path, "/") ? g_strdup("/") : g_strconcat(path, "/", NULL);
    GHashTableIter it;
    gpointer key;

    g_hash_table_iter_init(&it, r->objects);
    while (g_hash_table_iter_next(&it, &key, NULL))
        if (g_str_has_prefix(key, prefix))
            return TRUE;
    return FALSE;
}

/* ---- properties ---------------------------------------------------------- */

static const DtbusInterface *
find_interface(DtbusObject *obj, const char *name)
{
    for (guint i = 0; i < obj->interfaces->len; i++) {
        const DtbusInterface *iface = g_ptr_array_index(obj->interfaces, i);

        if (g_str_equal(iface->name, name))
            return iface;
    }
    return NULL;
}

static gboolean
append_property_variant(DBusMessageIter *iter, const DtbusInterface *iface,
                        const DtbusProperty *p)
{
    DBusMessageIter var;

    if (!dbus_message_iter_open_container(iter, DBUS_TYPE_VARIANT, p->signature, &var))
        return FALSE;
    if (!p->get(&var, iface->user_data)) {
        dbus_message_iter_abandon_container(iter, &var);
        return FALSE;
    }
    return dbus_message_iter_close_container(iter, &var);
}

static DBusMessage *
properties_call(DtbusObject *obj, DBusMessage *msg)
{
    const char *member = dbus_message_get_member(msg);
    const char *sig = dbus_message_get_signature(msg);
    const char *iface_name = NULL, *prop_name = NULL;
    const DtbusInterface *iface;
    DBusMessage *reply;
    DBusMessageIter iter, dict, entry;

    if (g_str_equal(member, "Get")) {
        if (!g_str_equal(sig, "ss"))
            return dtbus_error_reply(msg, DBUS_ERROR_INVALID_ARGS,
                                     "Expected signature 'ss', got '%s'", sig);
        dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &iface_name,
                              DBUS_TYPE_STRING, &prop_name, DBUS_TYPE_INVALID);
        iface = find_interface(obj, iface_name);
        if (!iface)
            return dtbus_error_reply(msg, DBUS_ERROR_UNKNOWN_INTERFACE,
                                     "No such interface '%s'", iface_name);
        for (const DtbusProperty *p = iface->properties; p && p->name; p++) {
            if (!g_str_equal(p->name, prop_name))
                continue;
            reply = dbus_message_new_method_return(msg);
            dbus_message_iter_init_append(reply, &iter);
            if (!append_property_variant(&iter, iface, p)) {
                dbus_message_unref(reply);
                return dtbus_error_reply(msg, DBUS_ERROR_FAILED,
                                         "Property '%s' is unavailable", prop_name);
            }
            return reply;
        }
        return dtbus_error_reply(msg, DBUS_ERROR_UNKNOWN_PROPERTY,
                                 "No such property '%s'", prop_name);
    }
    if (g_str_equal(member, "GetAll")) {
        if (!g_str_equal(sig, "s"))
            return dtbus_error_reply(msg, DBUS_ERROR_INVALID_ARGS,
                                     "Expected signature 's', got '%s'", sig);
        dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &iface_name, DBUS_TYPE_INVALID);
        iface = find_interface(obj, iface_name);
        if (!iface)
            return dtbus_error_reply(msg, DBUS_ERROR_UNKNOWN_INTERFACE,
                                     "No such interface '%s'", iface_name);
        reply = dbus_message_new_method_return(msg);
        dbus_message_iter_init_append(reply, &iter);
        dbus_message_iter_open_container(&iter, DBUS_TYPE_ARRAY, "{sv}", &dict);
        for (const DtbusProperty *p = iface->properties; p && p->name; p++) {
            dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
            dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &p->name);
            if (!append_property_variant(&entry, iface, p)) {
                dbus_message_iter_abandon_container(&dict, &entry);
                dbus_message_iter_abandon_container(&iter, &dict);
                dbus_message_unref(reply);
                return dtbus_error_reply(msg, DBUS_ERROR_FAILED,
                                         "Property '%s' is unavailable", p->name);
            }
            dbus_message_iter_close_container(&dict, &entry);
        }
        dbus_message_iter_close_container(&iter, &dict);
        return reply;
    }
    if (g_str_equal(member, "Set")) {
        if (!g_str_equal(sig, "ssv"))
            return dtbus_error_reply(msg, DBUS_ERROR_INVALID_ARGS,
                                     "Expected signature 'ssv', got '%s'", sig);
        return dtbus_error_reply(msg, DBUS_ERROR_PROPERTY_READ_ONLY,
                                 "All properties are read-only");
    }
    return dtbus_error_reply(msg, DBUS_ERROR_UNKNOWN_METHOD,
                             "No method '%s' in interface '%s'", member, DBUS_INTERFACE_PROPERTIES);
}

/* ---- dispatch ------------------------------------------------------------- */

static void
invoke_method(DBusConnection *conn, DBusMessage *msg, const DtbusMethod *m,
              const DtbusInterface *iface, const DtbusCaller *caller)
{
    DBusMessage *reply = m->func(conn, msg, caller, iface->user_data);

    if (!reply && !(m->flags & DTBUS_METHOD_FLAG_ASYNC)) {
        g_warning("D-Bus method %s.%s returned no reply", iface->name, m->name);
        reply = dtbus_error_reply(msg, DBUS_ERROR_FAILED, "Internal error");
    }
    reply_and_unref(conn, msg, reply);
}

/* UnixUserID and UnixGroupIDs out of a GetConnectionCredentials reply. */
static void
parse_credentials(DBusMessage *reply, DtbusCaller *caller, GArray **gids)
{
    DBusMessageIter iter, dict;

    dbus_message_iter_init(reply, &iter);
    dbus_message_iter_recurse(&iter, &dict);
    for (; dbus_message_iter_get_arg_type(&dict) == DBUS_TYPE_DICT_ENTRY;
         dbus_message_iter_next(&dict)) {
        DBusMessageIter entry, var, arr;
        const char *key;

        dbus_message_iter_recurse(&dict, &entry);
        dbus_message_iter_get_basic(&entry, &key);
        dbus_message_iter_next(&entry);
        dbus_message_iter_recurse(&entry, &var);
        if (g_str_equal(key, "UnixUserID") &&
            dbus_message_iter_get_arg_type(&var) == DBUS_TYPE_UINT32) {
            dbus_uint32_t uid;

            dbus_message_iter_get_basic(&var, &uid);
            caller->uid = uid;
            caller->known = TRUE;
        } else if (g_str_equal(key, "UnixGroupIDs") &&
                   dbus_message_iter_get_arg_type(&var) == DBUS_TYPE_ARRAY &&
                   dbus_message_iter_get_element_type(&var) == DBUS_TYPE_UINT32) {
            if (!*gids)
                *gids = g_array_new(FALSE, FALSE, sizeof(guint32));
            dbus_message_iter_recurse(&var, &arr);
            for (; dbus_message_iter_get_arg_type(&arr) == DBUS_TYPE_UINT32;
                 dbus_message_iter_next(&arr)) {
                dbus_uint32_t gid;

                dbus_message_iter_get_basic(&arr, &gid);
                g_array_append_val(*gids, gid);
            }
        }
    }
}

/* Runs the method for a caller whose identity is settled. */
static void
dispatch_judged(DBusConnection *conn, DBusMessage *msg, const DtbusMethod *m,
                const DtbusInterface *iface, const DtbusCaller *caller)
{
    DtbusRegistry *r = registry_get(conn, FALSE);

    if ((m->flags & DTBUS_METHOD_FLAG_PRIVILEGED) && !caller->privileged) {
        const char *name = r && r->denied_error ? r->denied_error : DBUS_ERROR_ACCESS_DENIED;

        reply_and_unref(conn, msg,
                        dtbus_error_reply(msg, name, "%s.%s is not allowed for this caller",
                                          iface->name, m->name));
    } else {
        invoke_method(conn, msg, m, iface, caller);
    }
}

static void
remember_caller(DtbusRegistry *r, const char *sender, const DtbusCaller *caller)
{
    if (!r || !sender || !caller->known)
        return;
    if (g_hash_table_size(r->callers) >= DTBUS_CALLER_CACHE_MAX)
        g_hash_table_remove_all(r->callers);
    g_hash_table_replace(r->callers, g_strdup(sender), g_memdup2(caller, sizeof(*caller)));
}

static void
caller_reply(DBusPendingCall *pending, void *user_data)
{
    DtbusPendingDispatch *pd = user_data;
    DtbusRegistry *r = registry_get(pd->conn, FALSE);
    DBusMessage *bus_reply = dbus_pending_call_steal_reply(pending);
    DtbusCaller caller = { FALSE, 0, FALSE };
    g_autoptr(GArray) gids = NULL;

    if (bus_reply && dbus_message_get_type(bus_reply) == DBUS_MESSAGE_TYPE_METHOD_RETURN &&
        g_str_equal(dbus_message_get_signature(bus_reply), "a{sv}"))
        parse_credentials(bus_reply, &caller, &gids);
    if (caller.known && r && r->authorize)
        caller.privileged = r->authorize(caller.uid, gids ? (const guint32 *) gids->data : NULL,
                                         gids ? gids->len : 0, r->authorize_data);
    if (!caller.known)
        /* typically a sender that disconnected before the bus answered */
        g_debug("Cannot identify the caller of %s.%s: %s", pd->iface->name, pd->method->name,
                bus_reply && dbus_message_get_type(bus_reply) == DBUS_MESSAGE_TYPE_ERROR
                    ? dbus_message_get_error_name(bus_reply)
                    : "no credentials");
    if (bus_reply)
        dbus_message_unref(bus_reply);
    remember_caller(r, dbus_message_get_sender(pd->msg), &caller);
    dispatch_judged(pd->conn, pd->msg, pd->method, pd->iface, &caller);
}

static void
pending_dispatch_free(void *p)
{
    DtbusPendingDispatch *pd = p;

    dbus_message_unref(pd->msg);
    dbus_connection_unref(pd->conn);
    g_free(pd);
}

/* Asks the bus who sent msg, then runs the method from the reply. */
static void
dispatch_with_caller(DBusConnection *conn, DBusMessage *msg, const DtbusMethod *m,
                     const DtbusInterface *iface)
{
    const char *sender = dbus_message_get_sender(msg);
    g_autoptr(DBusMessage) query = NULL;
    DBusPendingCall *pending = NULL;
    DtbusPendingDispatch *pd;
    DtbusRegistry *reg = registry_get(conn, FALSE);
    const DtbusCaller *known = sender && reg ? g_hash_table_lookup(reg->callers, sender) : NULL;

    if (known) {
        DtbusCaller caller = *known;   /* the table may change under the handler */

        dispatch_judged(conn, msg, m, iface, &caller);
        return;
    }

    if (!sender) {
        /* Peer-to-peer: nobody to ask; treat as unknown and unprivileged. */
        DtbusCaller caller = { FALSE, 0, FALSE };
        DtbusRegistry *r = registry_get(conn, FALSE);

        if (m->flags & DTBUS_METHOD_FLAG_PRIVILEGED)
            reply_and_unref(conn, msg,
                            dtbus_error_reply(msg, r && r->denied_error ? r->denied_error
                                                                          : DBUS_ERROR_ACCESS_DENIED,
                                              "Caller unknown"));
        else
            invoke_method(conn, msg, m, iface, &caller);
        return;
    }
    query = dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS,
                                         "GetConnectionCredentials");
    if (!query || !dbus_message_append_args(query, DBUS_TYPE_STRING, &sender, DBUS_TYPE_INVALID) ||
        !dbus_connection_send_with_reply(conn, query, &pending, DTBUS_CALLER_TIMEOUT_MS) ||
        !pending) {
        reply_and_unref(conn, msg, dtbus_error_reply(msg, DBUS_ERROR_NO_MEMORY, "Out of memory"));
        return;
    }
    pd = g_new0(DtbusPendingDispatch, 1);
    pd->conn = dbus_connection_ref(conn);
    pd->msg = dbus_message_ref(msg);
    pd->method = m;
    pd->iface = iface;
    if (!dbus_pending_call_set_notify(pending, caller_reply, pd, pending_dispatch_free)) {
        pending_dispatch_free(pd);
        reply_and_unref(conn, msg, dtbus_error_reply(msg, DBUS_ERROR_NO_MEMORY, "Out of memory"));
    }
    dbus_pending_call_unref(pending);
}

gboolean
dtbus_object_handle_message(DBusConnection *conn, DBusMessage *msg)
{
    DtbusRegistry *r = registry_get(conn, FALSE);
    const char *path = dbus_message_get_path(msg);
    const char *iface_name = dbus_message_get_interface(msg);
    const char *member = dbus_message_get_member(msg);
    const char *sig = dbus_message_get_signature(msg);
    DtbusObject *obj;

    if (dbus_message_get_type(msg) != DBUS_MESSAGE_TYPE_METHOD_CALL || !r || !path || !member)
        return FALSE;
    obj = g_hash_table_lookup(r->objects, path);

    if (dbus_message_is_method_call(msg, DBUS_INTERFACE_INTROSPECTABLE, "Introspect") &&
        (obj || path_has_children(r, path))) {
        g_autofree char *xml = NULL;
        DBusMessage *reply;

        if (sig[0] != '\0') {
            reply_and_unref(conn, msg, dtbus_error_reply(msg, DBUS_ERROR_INVALID_ARGS,
                                                         "Expected signature '', got '%s'", sig));
            return TRUE;
        }
        xml = dtbus_introspect(conn, path);
        reply = dbus_message_new_method_return(msg);
        dbus_message_append_args(reply, DBUS_TYPE_STRING, &xml, DBUS_TYPE_INVALID);
        reply_and_unref(conn, msg, reply);
        return TRUE;
    }
    if (!obj) {
        reply_and_unref(conn, msg, dtbus_error_reply(msg, DBUS_ERROR_UNKNOWN_OBJECT,
                                                     "No such object path '%s'", path));
        return TRUE;
    }
    if (iface_name && g_str_equal(iface_name, DBUS_INTERFACE_PROPERTIES)) {
        reply_and_unref(conn, msg, properties_call(obj, msg));
        return TRUE;
    }

    for (guint i = 0; i < obj->interfaces->len; i++) {
        const DtbusInterface *iface = g_ptr_array_index(obj->interfaces, i);

        /* A call without an interface goes to the first that has the member. */
        if (iface_name && !g_str_equal(iface_name, iface->name))
            continue;
        for (const DtbusMethod *m = iface->methods; m && m->name; m++) {
            g_autofree char *expected = NULL;

            if (!g_str_equal(m->name, member))
                continue;
            expected = args_signature(m->in_args);
            if (!g_str_equal(expected, sig)) {
                reply_and_unref(conn, msg,
                                dtbus_error_reply(msg, DBUS_ERROR_INVALID_ARGS,
                                                  "%s.%s expects signature '%s', got '%s'",
                                                  iface->name, m->name, expected, sig));
                return TRUE;
            }
            if (m->flags & (DTBUS_METHOD_FLAG_PRIVILEGED | DTBUS_METHOD_FLAG_CALLER)) {
                dispatch_with_caller(conn, msg, m, iface);
            } else {
                DtbusCaller caller = { FALSE, 0, FALSE };

                invoke_method(conn, msg, m, iface, &caller);
            }
            return TRUE;
        }
    }
    reply_and_unref(conn, msg, dtbus_error_reply(msg, iface_name && !find_interface(obj, iface_name)
                                                          ? DBUS_ERROR_UNKNOWN_INTERFACE
                                                          : DBUS_ERROR_UNKNOWN_METHOD,
                                                 "No method '%s' with signature '%s' in '%s'",
                                                 member, sig, iface_name ? iface_name : "(none)"));
    return TRUE;
}

static DBusHandlerResult
fallback_message(DBusConnection *conn, DBusMessage *msg, void *user_data)
{
    /* Peer is answered by libdbus itself before object dispatch. */
    return dtbus_object_handle_message(conn, msg) ? DBUS_HANDLER_RESULT_HANDLED
                                                  : DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

static const DBusObjectPathVTable fallback_vtable = {
    .message_function = fallback_message,
};

/* ---- registration -------------------------------------------------------- */

gboolean
dtbus_register_interface(DBusConnection *conn, const char *path, const char *iface_name,
                         const DtbusMethod *methods, const DtbusSignal *signals,
                         const DtbusProperty *properties, gpointer user_data)
{
    DtbusRegistry *r = registry_get(conn, TRUE);
    DtbusObject *obj;
    DtbusInterface *iface;

    if (!r || !dbus_validate_path(path, NULL) || !dbus_validate_interface(iface_name, NULL))
        return FALSE;
    if (!r->fallback_registered) {
        /* One fallback at the root sees every path, so unknown objects and
         * parents of registered ones are answered here too. */
        if (!dbus_connection_register_fallback(conn, "/", &fallback_vtable, NULL))
            return FALSE;
        r->fallback_registered = TRUE;
    }
    obj = g_hash_table_lookup(r->objects, path);
    if (!obj) {
        obj = g_new0(DtbusObject, 1);
        obj->path = g_strdup(path);
        obj->interfaces = g_ptr_array_new_with_free_func((GDestroyNotify) interface_free);
        g_hash_table_insert(r->objects, obj->path, obj);
    } else if (find_interface(obj, iface_name)) {
        return FALSE;
    }
    iface = g_new0(DtbusInterface, 1);
    iface->name = g_strdup(iface_name);
    iface->methods = methods;
    iface->signals = signals;
    iface->properties = properties;
    iface->user_data = user_data;
    g_ptr_array_add(obj->interfaces, iface);
    return TRUE;
}

void
dtbus_set_authorizer(DBusConnection *conn, DtbusAuthorizeFunc func, const char *denied_error,
                     gpointer user_data)
{
    DtbusRegistry *r = registry_get(conn, TRUE);

    if (!r)
        return;
    r->authorize = func;
    r->authorize_data = user_data;
    g_free(r->denied_error);
    r->denied_error = g_strdup(denied_error);
}

void
dtbus_object_cleanup(DBusConnection *conn)
{
    DtbusRegistry *r = registry_get(conn, FALSE);

    if (!r)
        return;
    if (r->fallback_registered)
        dbus_connection_unregister_object_path(conn, "/");
    dbus_connection_set_data(conn, registry_slot, NULL, NULL);
    dbus_connection_free_data_slot(&registry_slot);
}

/* ---- signals ---------------------------------------------------------------- */

gboolean
dtbus_emit_signal(DBusConnection *conn, const char *path, const char *iface_name,
                  const char *name, int first_type, ...)
{
    DtbusRegistry *r = registry_get(conn, FALSE);
    DtbusObject *obj = r ? g_hash_table_lookup(r->objects, path) : NULL;
    const DtbusInterface *iface = obj ? find_interface(obj, iface_name) : NULL;
    const DtbusSignal *sig = NULL;
    g_autofree char *expected = NULL;
    DBusMessage *msg;
    va_list ap;
    gboolean ok;

    for (const DtbusSignal *s = iface ? iface->signals : NULL; s && s->name; s++)
        if (g_str_equal(s->name, name))
            sig = s;
    if (!sig) {
        g_warning("Refusing to emit undeclared signal %s.%s on %s", iface_name, name, path);
        return FALSE;
    }
    msg = dbus_message_new_signal(path, iface_name, name);
    if (!msg)
        return FALSE;
    va_start(ap, first_type);
    ok = dbus_message_append_args_valist(msg, first_type, ap);
    va_end(ap);
    expected = args_signature(sig->args);
    if (!ok || !g_str_equal(expected, dbus_message_get_signature(msg))) {
        g_warning("Signal %s.%s: arguments '%s' do not match declared '%s'", iface_name, name,
                  dbus_message_get_signature(msg), expected);
        dbus_message_unref(msg);
        return FALSE;
    }
    return dtbus_send_message(conn, msg);
}
