/* dt-hook-lazy.c: the forwarders of dt-hook-lazy.h.
 *
 * Each forwarder has the prototype of the library's header (the compiler
 * rejects one that differs) and calls through a pointer of the same type,
 * filled by dlsym() when the library is loaded.  The two variadic libdbus
 * calls go to their va_list twins.  The forwarders are hidden (the two
 * headers are read under a hidden visibility pragma, glib.h before them,
 * since GLib itself is linked): were the executable to export them, the
 * libraries' own calls, once loaded, would bind to them.  tests/hook-libs.sh
 * checks that the hook exports none.
 *
 * The hook's daemon path loads explicitly, so that a library that cannot
 * be loaded is a reason on stderr and a fallback.  The core library's own
 * JSON reading (a `-object {...}` on a domain's qemu:commandline, QEMU's
 * QMP answer when a binary is probed) just calls, and a library that
 * cannot be loaded then goes to the fatal handler.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

#include "dt-hook-lazy.h"
#include "model/dt-util.h"

#pragma GCC visibility push(hidden)
#include <dbus/dbus.h>
#include <json-glib/json-glib.h>
#pragma GCC visibility pop

/* R(return type, name, parameters, arguments): a forwarder returning a
 * value; V(...): one returning nothing; S(name): a symbol only called by
 * a hand-written forwarder. */
#define DT_LAZY_DBUS_SYMBOLS(R, V, S) \
    R(DBusConnection *, dbus_bus_get_private, (DBusBusType type, DBusError *error), (type, error)) \
    R(dbus_bool_t, dbus_bus_register, (DBusConnection *c, DBusError *error), (c, error)) \
    V(dbus_connection_close, (DBusConnection *c), (c)) \
    R(DBusConnection *, dbus_connection_open_private, (const char *address, DBusError *error), \
      (address, error)) \
    R(DBusMessage *, dbus_connection_send_with_reply_and_block, \
      (DBusConnection *c, DBusMessage *m, int timeout_ms, DBusError *error), \
      (c, m, timeout_ms, error)) \
    V(dbus_connection_set_exit_on_disconnect, (DBusConnection *c, dbus_bool_t exit_on_disconnect), \
      (c, exit_on_disconnect)) \
    V(dbus_connection_unref, (DBusConnection *c), (c)) \
    V(dbus_error_free, (DBusError *error), (error)) \
    R(dbus_bool_t, dbus_error_has_name, (const DBusError *error, const char *name), (error, name)) \
    V(dbus_error_init, (DBusError *error), (error)) \
    R(const char *, dbus_message_get_signature, (DBusMessage *m), (m)) \
    R(int, dbus_message_get_type, (DBusMessage *m), (m)) \
    R(dbus_bool_t, dbus_message_iter_append_basic, (DBusMessageIter *iter, int type, \
      const void *value), (iter, type, value)) \
    R(dbus_bool_t, dbus_message_iter_close_container, (DBusMessageIter *iter, \
      DBusMessageIter *sub), (iter, sub)) \
    R(int, dbus_message_iter_get_arg_type, (DBusMessageIter *iter), (iter)) \
    R(int, dbus_message_iter_get_element_type, (DBusMessageIter *iter), (iter)) \
    V(dbus_message_iter_get_basic, (DBusMessageIter *iter, void *value), (iter, value)) \
    R(dbus_bool_t, dbus_message_iter_init, (DBusMessage *m, DBusMessageIter *iter), (m, iter)) \
    R(dbus_bool_t, dbus_message_iter_next, (DBusMessageIter *iter), (iter)) \
    V(dbus_message_iter_recurse, (DBusMessageIter *iter, DBusMessageIter *sub), (iter, sub)) \
    V(dbus_message_iter_init_append, (DBusMessage *m, DBusMessageIter *iter), (m, iter)) \
    R(dbus_bool_t, dbus_message_iter_open_container, (DBusMessageIter *iter, int type, \
      const char *contained_signature, DBusMessageIter *sub), \
      (iter, type, contained_signature, sub)) \
    R(DBusMessage *, dbus_message_new_method_call, (const char *bus_name, const char *path, \
      const char *iface, const char *method), (bus_name, path, iface, method)) \
    V(dbus_message_set_auto_start, (DBusMessage *m, dbus_bool_t auto_start), (m, auto_start)) \
    V(dbus_message_unref, (DBusMessage *m), (m)) \
    R(dbus_bool_t, dbus_threads_init_default, (void), ()) \
    S(dbus_message_append_args_valist) \
    S(dbus_message_get_args_valist)

/* g_object_unref comes with json-glib (gobject is its dependency): the
 * g_autoptr() cleanup of a JsonParser calls it. */
#define DT_LAZY_JSON_SYMBOLS(R, V, S) \
    R(JsonNode *, json_array_get_element, (JsonArray *array, guint index_), (array, index_)) \
    R(guint, json_array_get_length, (JsonArray *array), (array)) \
    R(JsonArray *, json_node_get_array, (JsonNode *node), (node)) \
    R(JsonNodeType, json_node_get_node_type, (JsonNode *node), (node)) \
    R(JsonObject *, json_node_get_object, (JsonNode *node), (node)) \
    R(const gchar *, json_node_get_string, (JsonNode *node), (node)) \
    R(GType, json_node_get_value_type, (JsonNode *node), (node)) \
    R(JsonArray *, json_object_get_array_member, (JsonObject *object, const gchar *member_name), \
      (object, member_name)) \
    R(JsonNode *, json_object_get_member, (JsonObject *object, const gchar *member_name), \
      (object, member_name)) \
    R(const char *, json_object_get_string_member_with_default, (JsonObject *object, \
      const char *member_name, const char *default_value), \
      (object, member_name, default_value)) \
    R(gboolean, json_object_has_member, (JsonObject *object, const gchar *member_name), \
      (object, member_name)) \
    R(JsonNode *, json_parser_get_root, (JsonParser *parser), (parser)) \
    R(gboolean, json_parser_load_from_data, (JsonParser *parser, const gchar *data, \
      gssize length, GError **error), (parser, data, length, error)) \
    R(JsonParser *, json_parser_new, (void), ()) \
    V(g_object_unref, (gpointer object), (object))

#define DT_LAZY_SLOT_R(ret, name, params, args) __typeof__(name) *name;
#define DT_LAZY_SLOT_V(name, params, args) __typeof__(name) *name;
#define DT_LAZY_SLOT_S(name) __typeof__(name) *name;

static struct {
    DT_LAZY_DBUS_SYMBOLS(DT_LAZY_SLOT_R, DT_LAZY_SLOT_V, DT_LAZY_SLOT_S)
} dbus_fn;

static struct {
    DT_LAZY_JSON_SYMBOLS(DT_LAZY_SLOT_R, DT_LAZY_SLOT_V, DT_LAZY_SLOT_S)
} json_fn;

typedef struct {
    const char *soname;
    gboolean loaded;
    char *error;        /* the first failure, given again */
} DtLazyLib;

static DtLazyLib dbus_lib = { DT_LAZY_DBUS_SONAME, FALSE, NULL };
static DtLazyLib json_lib = { DT_LAZY_JSON_SONAME, FALSE, NULL };

static void dt_lazy_default_fatal(const char *why);
static DtLazyFatalFunc dt_lazy_fatal = dt_lazy_default_fatal;

static void
dt_lazy_default_fatal(const char *why)
{
    fprintf(stderr, "dirtytrack: %s\n", why);
    abort();
}

void
dt_lazy_set_fatal_handler(DtLazyFatalFunc func)
{
    dt_lazy_fatal = func ? func : dt_lazy_default_fatal;
}

static gboolean
dt_lazy_failed(DtLazyLib *lib, GError **error)
{
    g_set_error_literal(error, DT_ERROR, DT_ERROR_NOT_FOUND, lib->error);
    return FALSE;
}

/* dlopen()s the library; NULL with lib->error set on failure. */
static void *
dt_lazy_open(DtLazyLib *lib)
{
    void *handle;

    dlerror();
    handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *why = dlerror();

        lib->error = g_strdup_printf("%s: %s", lib->soname, why ? why : "cannot be loaded");
    }
    return handle;
}

/* One symbol; NULL with lib->error set on failure (the handle is closed). */
static void *
dt_lazy_sym(DtLazyLib *lib, void *handle, const char *name)
{
    void *p;

    dlerror();
    p = dlsym(handle, name);
    if (!p) {
        const char *why = dlerror();

        lib->error = why ? g_strdup(why) : g_strdup_printf("%s: no symbol %s", lib->soname, name);
        dlclose(handle);
    }
    return p;
}

/* One loader per library: opens it and resolves every symbol of its list
 * into its table (fn), or fails with lib.error set. */
#define DT_LAZY_LOAD_ONE(name) \
    do { \
        void *p_ = dt_lazy_sym(lib_, handle, #name); \
        if (!p_) \
            return dt_lazy_failed(lib_, error); \
        fn_->name = (__typeof__(fn_->name))p_; \
    } while (0);
#define DT_LAZY_LOAD_R(ret, name, params, args) DT_LAZY_LOAD_ONE(name)
#define DT_LAZY_LOAD_V(name, params, args) DT_LAZY_LOAD_ONE(name)
#define DT_LAZY_LOAD_S(name) DT_LAZY_LOAD_ONE(name)
#define DT_LAZY_LOADER(func, fn, lib, SYMBOLS) \
    gboolean \
    func(GError **error) \
    { \
        DtLazyLib *lib_ = &(lib); \
        __typeof__(fn) *fn_ = &(fn); \
        void *handle; \
        \
        if (lib_->loaded) \
            return TRUE; \
        if (lib_->error || !(handle = dt_lazy_open(lib_))) \
            return dt_lazy_failed(lib_, error); \
        SYMBOLS(DT_LAZY_LOAD_R, DT_LAZY_LOAD_V, DT_LAZY_LOAD_S) \
        lib_->loaded = TRUE; \
        return TRUE; \
    }

DT_LAZY_LOADER(dt_lazy_load_dbus, dbus_fn, dbus_lib, DT_LAZY_DBUS_SYMBOLS)
DT_LAZY_LOADER(dt_lazy_load_json, json_fn, json_lib, DT_LAZY_JSON_SYMBOLS)

/* A forwarder's library, loaded or the fatal handler called. */
static void
dt_lazy_need(gboolean (*load)(GError **))
{
    g_autoptr(GError) error = NULL;

    if (load(&error))
        return;
    dt_lazy_fatal(error->message);
    abort();   /* the handler must not return */
}

/* ---- the forwarders ------------------------------------------------------- */

#define DT_LAZY_FWD_R(fn, lib, load, ret, name, params, args) \
    ret name params \
    { \
        if (G_UNLIKELY(!(lib).loaded)) \
            dt_lazy_need(load); \
        return (fn).name args; \
    }
#define DT_LAZY_FWD_V(fn, lib, load, name, params, args) \
    void name params \
    { \
        if (G_UNLIKELY(!(lib).loaded)) \
            dt_lazy_need(load); \
        (fn).name args; \
    }

#define DT_LAZY_DBUS_R(ret, name, params, args) \
    DT_LAZY_FWD_R(dbus_fn, dbus_lib, dt_lazy_load_dbus, ret, name, params, args)
#define DT_LAZY_DBUS_V(name, params, args) \
    DT_LAZY_FWD_V(dbus_fn, dbus_lib, dt_lazy_load_dbus, name, params, args)
#define DT_LAZY_NONE_S(name)
DT_LAZY_DBUS_SYMBOLS(DT_LAZY_DBUS_R, DT_LAZY_DBUS_V, DT_LAZY_NONE_S)

#define DT_LAZY_JSON_R(ret, name, params, args) \
    DT_LAZY_FWD_R(json_fn, json_lib, dt_lazy_load_json, ret, name, params, args)
#define DT_LAZY_JSON_V(name, params, args) \
    DT_LAZY_FWD_V(json_fn, json_lib, dt_lazy_load_json, name, params, args)
DT_LAZY_JSON_SYMBOLS(DT_LAZY_JSON_R, DT_LAZY_JSON_V, DT_LAZY_NONE_S)

dbus_bool_t
dbus_message_append_args(DBusMessage *m, int first_arg_type, ...)
{
    va_list ap;
    dbus_bool_t ok;

    if (G_UNLIKELY(!dbus_lib.loaded))
        dt_lazy_need(dt_lazy_load_dbus);
    va_start(ap, first_arg_type);
    ok = dbus_fn.dbus_message_append_args_valist(m, first_arg_type, ap);
    va_end(ap);
    return ok;
}

dbus_bool_t
dbus_message_get_args(DBusMessage *m, DBusError *error, int first_arg_type, ...)
{
    va_list ap;
    dbus_bool_t ok;

    if (G_UNLIKELY(!dbus_lib.loaded))
        dt_lazy_need(dt_lazy_load_dbus);
    va_start(ap, first_arg_type);
    ok = dbus_fn.dbus_message_get_args_valist(m, error, first_arg_type, ap);
    va_end(ap);
    return ok;
}
