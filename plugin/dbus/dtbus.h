/* dtbus.h: a small libdbus <-> GLib glue for dirtytrackd.
 *
 * Two halves, in the shape BlueZ's gdbus has proven: (1) a DBusConnection
 * driven by a GLib main loop through watch, timeout and dispatch-status
 * functions, with dispatch always deferred to an idle source; (2) D-Bus
 * interfaces declared as tables (method name, argument names and
 * signatures, handler, flags) from which introspection XML, signature
 * checks, Properties and signal checks all follow, so the table is the one
 * place an interface is described.
 *
 * The prefix is dtbus_/Dtbus, never g_dbus_: those names belong to GIO.
 * Everything here is main-thread-only: workers hand results back through
 * the main loop before touching a connection.
 */
#pragma once

#include <dbus/dbus.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct {
    const char *name;
    const char *signature;
} DtbusArg;

/* A NULL-terminated argument list, written inline in a table. */
#define DTBUS_ARGS(...) ((const DtbusArg[]) { __VA_ARGS__, { NULL, NULL } })

typedef enum {
    /* The handler returns NULL and replies later with dtbus_send_message(). */
    DTBUS_METHOD_FLAG_ASYNC = 1 << 0,
    /* Only callers the connection's authorizer accepts get through; others
     * get the authorizer's error without the handler running. */
    DTBUS_METHOD_FLAG_PRIVILEGED = 1 << 1,
    /* Look up the caller's uid and groups (asynchronously) before the handler runs,
     * so it can decide what to record; implied by PRIVILEGED. */
    DTBUS_METHOD_FLAG_CALLER = 1 << 2,
} DtbusMethodFlags;

typedef struct {
    gboolean known;       /* the bus told us the uid */
    guint32 uid;
    gboolean privileged;  /* the authorizer accepted it */
} DtbusCaller;

/* Returns the reply (the glue sends and unrefs it), or NULL when the method
 * is ASYNC and the handler kept a ref on msg to answer later. */
typedef DBusMessage *(*DtbusMethodFunc)(DBusConnection *conn, DBusMessage *msg,
                                        const DtbusCaller *caller, gpointer user_data);

typedef struct {
    const char *name;
    DtbusMethodFunc func;
    const DtbusArg *in_args;    /* NULL: none */
    const DtbusArg *out_args;   /* NULL: none */
    guint flags;                /* DtbusMethodFlags */
} DtbusMethod;

typedef struct {
    const char *name;
    const DtbusArg *args;       /* NULL: none */
} DtbusSignal;

/* Writes the value (of the declared signature) into iter. */
typedef gboolean (*DtbusPropertyGetter)(DBusMessageIter *iter, gpointer user_data);

typedef enum {
    /* The value never changes while the service runs. */
    DTBUS_PROPERTY_FLAG_CONST = 1 << 0,
} DtbusPropertyFlags;

typedef struct {
    const char *name;
    const char *signature;
    DtbusPropertyGetter get;
    guint flags;                /* DtbusPropertyFlags */
} DtbusProperty;

/* gids: the caller's groups as the bus saw them (SO_PEERGROUPS), or NULL
 * when the bus did not say; the authorizer then looks them up itself. */
typedef gboolean (*DtbusAuthorizeFunc)(guint32 uid, const guint32 *gids, guint n_gids,
                                       gpointer user_data);
typedef void (*DtbusDisconnectFunc)(DBusConnection *conn, gpointer user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DBusMessage, dbus_message_unref)

/* ---- main loop (dtbus-mainloop.c) ---------------------------------------- */

/* Hooks conn into ctx (NULL: the default context) and schedules a dispatch
 * for anything already queued.  Turns exit_on_disconnect off. */
gboolean dtbus_setup_connection(DBusConnection *conn, GMainContext *ctx);
/* Called once with the connection when the bus goes away. */
void dtbus_set_disconnect_function(DBusConnection *conn, DtbusDisconnectFunc func,
                                   gpointer user_data);
/* Removes the loop integration and everything registered (before closing
 * a private connection). */
void dtbus_cleanup_connection(DBusConnection *conn);

/* ---- objects (dtbus-object.c) ---------------------------------------------- */

gboolean dtbus_register_interface(DBusConnection *conn, const char *path,
                                  const char *iface, const DtbusMethod *methods,
                                  const DtbusSignal *signals, const DtbusProperty *properties,
                                  gpointer user_data);
/* Authorizer for PRIVILEGED methods; denied_error is the error name a
 * refused caller receives. */
void dtbus_set_authorizer(DBusConnection *conn, DtbusAuthorizeFunc func,
                          const char *denied_error, gpointer user_data);
/* The introspection document served for path (newly allocated). */
char *dtbus_introspect(DBusConnection *conn, const char *path);

/* Sends msg and drops the caller's reference to it. */
gboolean dtbus_send_message(DBusConnection *conn, DBusMessage *msg);
DBusMessage *dtbus_error_reply(DBusMessage *msg, const char *name, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
/* Emits a declared signal with basic-typed arguments (dbus_message_append_args
 * conventions, DBUS_TYPE_INVALID terminated).  Undeclared signals and
 * arguments that do not match the declared signature are refused. */
gboolean dtbus_emit_signal(DBusConnection *conn, const char *path, const char *iface,
                           const char *name, int first_type, ...);

/* Internal, shared between the two halves. */
gboolean dtbus_object_handle_message(DBusConnection *conn, DBusMessage *msg);
void dtbus_object_cleanup(DBusConnection *conn);

G_END_DECLS
