/* dtbus-mainloop.c: drives a libdbus DBusConnection from a GLib main loop.
 *
 * libdbus asks for three things: watch its file descriptors, run its
 * timeouts, and dispatch when messages are queued.  Each DBusWatch becomes
 * a unix-fd GSource, each DBusTimeout a timeout GSource, and dispatching is
 * never done inline: a dispatch-status change only queues an idle source
 * that drains the queue, so handlers never run re-entrantly from inside
 * libdbus's own I/O callbacks.  The connection is ref'd across
 * dbus_watch_handle() because a handler may drop the last reference.
 *
 * dbus_connection_read_write_dispatch() is deliberately not used: it blocks
 * and cannot share a loop with anything else.
 */
#include "config.h"

#include <glib-unix.h>

#include "dbus/dtbus.h"

typedef struct {
    GMainContext *ctx;
    GSource *dispatch_source;
    DtbusDisconnectFunc disconnect_func;
    gpointer disconnect_data;
    gboolean filter_added;
} DtbusConnData;

typedef struct {
    DBusConnection *conn;   /* not ref'd: the watch dies with the connection */
    DBusWatch *watch;
    GSource *source;
} DtbusWatchData;

typedef struct {
    DBusTimeout *timeout;
    GSource *source;
} DtbusTimeoutData;

static dbus_int32_t conn_slot = -1;

static DtbusConnData *
conn_data(DBusConnection *conn)
{
    if (conn_slot < 0)
        return NULL;
    return dbus_connection_get_data(conn, conn_slot);
}

static void
conn_data_free(void *p)
{
    DtbusConnData *d = p;

    if (d->dispatch_source) {
        g_source_destroy(d->dispatch_source);
        g_source_unref(d->dispatch_source);
    }
    if (d->ctx)
        g_main_context_unref(d->ctx);
    g_free(d);
}

/* ---- dispatch ------------------------------------------------------------- */

static gboolean
dispatch_idle(gpointer user_data)
{
    DBusConnection *conn = user_data;
    DtbusConnData *d = conn_data(conn);

    if (d && d->dispatch_source) {
        g_source_unref(d->dispatch_source);
        d->dispatch_source = NULL;
    }
    /* Handlers may queue more (replies to pending calls); drain it all so a
     * burst does not wait for one loop iteration per message. */
    while (dbus_connection_dispatch(conn) == DBUS_DISPATCH_DATA_REMAINS)
        ;
    return G_SOURCE_REMOVE;
}

static void
queue_dispatch(DBusConnection *conn)
{
    DtbusConnData *d = conn_data(conn);

    if (!d || d->dispatch_source)
        return;
    d->dispatch_source = g_idle_source_new();
    g_source_set_priority(d->dispatch_source, G_PRIORITY_DEFAULT);
    g_source_set_callback(d->dispatch_source, dispatch_idle,
                          dbus_connection_ref(conn),
                          (GDestroyNotify) dbus_connection_unref);
    g_source_attach(d->dispatch_source, d->ctx);
}

static void
dispatch_status_changed(DBusConnection *conn, DBusDispatchStatus status, void *user_data)
{
    if (status == DBUS_DISPATCH_DATA_REMAINS)
        queue_dispatch(conn);
}

static void
wakeup_main(void *user_data)
{
    g_main_context_wakeup(user_data);
}

/* ---- watches -------------------------------------------------------------- */

static gboolean
watch_ready(gint fd, GIOCondition cond, gpointer user_data)
{
    DtbusWatchData *w = user_data;
    DBusConnection *conn = w->conn;
    unsigned int flags = 0;

    if (cond & G_IO_IN)
        flags |= DBUS_WATCH_READABLE;
    if (cond & G_IO_OUT)
        flags |= DBUS_WATCH_WRITABLE;
    if (cond & G_IO_HUP)
        flags |= DBUS_WATCH_HANGUP;
    if (cond & G_IO_ERR)
        flags |= DBUS_WATCH_ERROR;

    /* The handle call may free w (the watch is removed) and may run code
     * that drops the last reference to the connection. */
    dbus_connection_ref(conn);
    dbus_watch_handle(w->watch, flags);
    if (dbus_connection_get_dispatch_status(conn) == DBUS_DISPATCH_DATA_REMAINS)
        queue_dispatch(conn);
    dbus_connection_unref(conn);
    return G_SOURCE_CONTINUE;
}

static void
watch_detach(DtbusWatchData *w)
{
    if (w->source) {
        g_source_destroy(w->source);
        g_source_unref(w->source);
        w->source = NULL;
    }
}

static void
watch_attach(DtbusWatchData *w)
{
    DtbusConnData *d = conn_data(w->conn);
    unsigned int flags;
    GIOCondition cond = G_IO_HUP | G_IO_ERR;

    watch_detach(w);
    if (!dbus_watch_get_enabled(w->watch))
        return;
    flags = dbus_watch_get_flags(w->watch);
    if (flags & DBUS_WATCH_READABLE)
        cond |= G_IO_IN;
    if (flags & DBUS_WATCH_WRITABLE)
        cond |= G_IO_OUT;
    w->source = g_unix_fd_source_new(dbus_watch_get_unix_fd(w->watch), cond);
    g_source_set_callback(w->source, G_SOURCE_FUNC(watch_ready), w, NULL);
    g_source_attach(w->source, d ? d->ctx : NULL);
}

static void
watch_data_free(void *p)
{
    DtbusWatchData *w = p;

    watch_detach(w);
    g_free(w);
}

static dbus_bool_t
add_watch(DBusWatch *watch, void *user_data)
{
    DtbusWatchData *w = g_new0(DtbusWatchData, 1);

    w->conn = user_data;
    w->watch = watch;
    dbus_watch_set_data(watch, w, watch_data_free);
    watch_attach(w);
    return TRUE;
}

static void
remove_watch(DBusWatch *watch, void *user_data)
{
    /* Replacing the data runs watch_data_free on the old one. */
    dbus_watch_set_data(watch, NULL, NULL);
}

static void
watch_toggled(DBusWatch *watch, void *user_data)
{
    DtbusWatchData *w = dbus_watch_get_data(watch);

    if (w)
        watch_attach(w);
}

/* ---- timeouts --------------------------------------------------------------- */

static gboolean
timeout_fired(gpointer user_data)
{
    DtbusTimeoutData *t = user_data;

    /* libdbus timeouts repeat until removed; handling may remove (and
     * free) this one, in which case the source is already destroyed. */
    dbus_timeout_handle(t->timeout);
    return G_SOURCE_CONTINUE;
}

static void
timeout_detach(DtbusTimeoutData *t)
{
    if (t->source) {
        g_source_destroy(t->source);
        g_source_unref(t->source);
        t->source = NULL;
    }
}

static void
timeout_attach(DtbusTimeoutData *t, GMainContext *ctx)
{
    timeout_detach(t);
    if (!dbus_timeout_get_enabled(t->timeout))
        return;
    t->source = g_timeout_source_new(dbus_timeout_get_interval(t->timeout));
    g_source_set_callback(t->source, timeout_fired, t, NULL);
    g_source_attach(t->source, ctx);
}

static void
timeout_data_free(void *p)
{
    DtbusTimeoutData *t = p;

    timeout_detach(t);
    g_free(t);
}

static dbus_bool_t
add_timeout(DBusTimeout *timeout, void *user_data)
{
    DtbusConnData *d = conn_data(user_data);
    DtbusTimeoutData *t = g_new0(DtbusTimeoutData, 1);

    t->timeout = timeout;
    dbus_timeout_set_data(timeout, t, timeout_data_free);
    timeout_attach(t, d ? d->ctx : NULL);
    return TRUE;
}

static void
remove_timeout(DBusTimeout *timeout, void *user_data)
{
    dbus_timeout_set_data(timeout, NULL, NULL);
}

static void
timeout_toggled(DBusTimeout *timeout, void *user_data)
{
    DtbusConnData *d = conn_data(user_data);
    DtbusTimeoutData *t = dbus_timeout_get_data(timeout);

    if (t)
        timeout_attach(t, d ? d->ctx : NULL);
}

/* ---- connection-level messages -------------------------------------------- */

static DBusHandlerResult
connection_filter(DBusConnection *conn, DBusMessage *msg, void *user_data)
{
    DtbusConnData *d = conn_data(conn);

    if (dbus_message_is_signal(msg, DBUS_INTERFACE_LOCAL, "Disconnected") &&
        dbus_message_has_path(msg, DBUS_PATH_LOCAL)) {
        if (d && d->disconnect_func)
            d->disconnect_func(conn, d->disconnect_data);
        return DBUS_HANDLER_RESULT_HANDLED;
    }
    return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

gboolean
dtbus_setup_connection(DBusConnection *conn, GMainContext *ctx)
{
    DtbusConnData *d;

    if (!dbus_connection_allocate_data_slot(&conn_slot))
        return FALSE;
    d = g_new0(DtbusConnData, 1);
    d->ctx = g_main_context_ref(ctx ? ctx : g_main_context_default());
    if (!dbus_connection_set_data(conn, conn_slot, d, conn_data_free)) {
        conn_data_free(d);
        return FALSE;
    }

    /* A lost bus must be a message we handle, not _exit() inside libdbus. */
    dbus_connection_set_exit_on_disconnect(conn, FALSE);
    if (!dbus_connection_add_filter(conn, connection_filter, NULL, NULL))
        return FALSE;
    d->filter_added = TRUE;

    if (!dbus_connection_set_watch_functions(conn, add_watch, remove_watch, watch_toggled,
                                             conn, NULL) ||
        !dbus_connection_set_timeout_functions(conn, add_timeout, remove_timeout,
                                               timeout_toggled, conn, NULL))
        return FALSE;
    dbus_connection_set_wakeup_main_function(conn, wakeup_main, d->ctx, NULL);
    dbus_connection_set_dispatch_status_function(conn, dispatch_status_changed, NULL, NULL);

    /* Messages may already be queued (e.g. arrived while RequestName
     * blocked); nothing would wake us for them otherwise. */
    if (dbus_connection_get_dispatch_status(conn) == DBUS_DISPATCH_DATA_REMAINS)
        queue_dispatch(conn);
    return TRUE;
}

void
dtbus_set_disconnect_function(DBusConnection *conn, DtbusDisconnectFunc func,
                              gpointer user_data)
{
    DtbusConnData *d = conn_data(conn);

    if (!d)
        return;
    d->disconnect_func = func;
    d->disconnect_data = user_data;
}

void
dtbus_cleanup_connection(DBusConnection *conn)
{
    DtbusConnData *d = conn_data(conn);

    dtbus_object_cleanup(conn);
    if (!d)
        return;
    if (d->filter_added)
        dbus_connection_remove_filter(conn, connection_filter, NULL);
    dbus_connection_set_dispatch_status_function(conn, NULL, NULL, NULL);
    dbus_connection_set_wakeup_main_function(conn, NULL, NULL, NULL);
    dbus_connection_set_watch_functions(conn, NULL, NULL, NULL, NULL, NULL);
    dbus_connection_set_timeout_functions(conn, NULL, NULL, NULL, NULL, NULL);
    dbus_connection_set_data(conn, conn_slot, NULL, NULL);
    dbus_connection_free_data_slot(&conn_slot);
}
