/* dtd-libvirt.c: libvirt's event loop on dirtytrackd's GLib loop, and the
 * domain lifecycle events that keep GetDomainState honest.
 *
 * libvirt needs an event implementation before any connection is opened
 * (keepalive and event delivery run on it).  Rather than a second loop in
 * a thread, libvirt's handles and timers become GSources on the default
 * context, so lifecycle callbacks arrive on the main thread next to the
 * bus.  libvirt may add, update or remove them from any thread (a worker
 * opening the connection does), hence the mutex; callbacks run without it
 * held because they re-enter these functions.  Free callbacks are deferred
 * to an idle: libvirt forbids calling them from inside remove.
 *
 * Opening the connection and registering the callbacks are RPCs, so they
 * run in a worker thread; a lost connection is retried every few seconds.
 * Every connection (this one and dtd-tune.c's) has libvirt's keepalive on
 * (virConnectSetKeepAlive, DTD_LIBVIRT_KEEPALIVE_*): a libvirtd that stops
 * answering closes the connection after about interval * (count + 1)
 * seconds, and every call waiting on it fails instead of hanging (libvirt's
 * client loop waits with the keepalive's timeout, src/rpc/virnetclient.c
 * virNetClientIOEventLoop()).  Shutdown does not even wait that long
 * (dirtytrackd.c).
 * The connection is read-only: events (lifecycle here, migration iteration
 * and job completion for dtd-tune.c) are all it is used for; the tuning
 * opens its own read-write connection in its own thread.
 */
#include "config.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdlib.h>

#include <glib-unix.h>

#include "daemon/dtd.h"

#define DTD_LIBVIRT_RETRY_S 5

typedef struct {
    int id;
    int fd;
    int events;               /* VIR_EVENT_HANDLE_* */
    virEventHandleCallback cb;
    void *opaque;
    virFreeCallback ff;
    GSource *source;
    gboolean removed;
} DtdVirHandle;

typedef struct {
    int id;
    int interval;             /* ms, -1 = disabled */
    virEventTimeoutCallback cb;
    void *opaque;
    virFreeCallback ff;
    GSource *source;
    gboolean removed;
} DtdVirTimer;

static GMutex vir_lock;
static GHashTable *vir_handles;   /* id -> DtdVirHandle* */
static GHashTable *vir_timers;    /* id -> DtdVirTimer* */
static int vir_next_id = 1;

/* ---- handles ---------------------------------------------------------------- */

static gboolean
handle_ready(gint fd, GIOCondition cond, gpointer user_data)
{
    int id = GPOINTER_TO_INT(user_data);
    DtdVirHandle *h;
    virEventHandleCallback cb;
    void *opaque;
    int events = 0;

    g_mutex_lock(&vir_lock);
    h = g_hash_table_lookup(vir_handles, GINT_TO_POINTER(id));
    if (!h || h->removed) {
        g_mutex_unlock(&vir_lock);
        return G_SOURCE_CONTINUE;
    }
    cb = h->cb;
    opaque = h->opaque;
    g_mutex_unlock(&vir_lock);

    if (cond & G_IO_IN)
        events |= VIR_EVENT_HANDLE_READABLE;
    if (cond & G_IO_OUT)
        events |= VIR_EVENT_HANDLE_WRITABLE;
    if (cond & G_IO_HUP)
        events |= VIR_EVENT_HANDLE_HANGUP;
    if (cond & G_IO_ERR)
        events |= VIR_EVENT_HANDLE_ERROR;
    cb(id, fd, events, opaque);
    return G_SOURCE_CONTINUE;
}

/* Called with vir_lock held. */
static void
handle_arm(DtdVirHandle *h)
{
    GIOCondition cond = 0;

    if (h->source) {
        g_source_destroy(h->source);
        g_source_unref(h->source);
        h->source = NULL;
    }
    if (h->removed || h->events == 0)
        return;
    if (h->events & VIR_EVENT_HANDLE_READABLE)
        cond |= G_IO_IN;
    if (h->events & VIR_EVENT_HANDLE_WRITABLE)
        cond |= G_IO_OUT;
    cond |= G_IO_HUP | G_IO_ERR;
    h->source = g_unix_fd_source_new(h->fd, cond);
    g_source_set_callback(h->source, G_SOURCE_FUNC(handle_ready), GINT_TO_POINTER(h->id), NULL);
    g_source_attach(h->source, NULL);
}

static int
vir_add_handle(int fd, int events, virEventHandleCallback cb, void *opaque, virFreeCallback ff)
{
    DtdVirHandle *h = g_new0(DtdVirHandle, 1);
    int id;

    g_mutex_lock(&vir_lock);
    h->id = id = vir_next_id++;
    h->fd = fd;
    h->events = events;
    h->cb = cb;
    h->opaque = opaque;
    h->ff = ff;
    g_hash_table_insert(vir_handles, GINT_TO_POINTER(id), h);
    handle_arm(h);
    g_mutex_unlock(&vir_lock);
    return id;
}

static void
vir_update_handle(int id, int events)
{
    DtdVirHandle *h;

    g_mutex_lock(&vir_lock);
    h = g_hash_table_lookup(vir_handles, GINT_TO_POINTER(id));
    if (h && !h->removed && h->events != events) {
        h->events = events;
        handle_arm(h);
    }
    g_mutex_unlock(&vir_lock);
}

static gboolean
handle_free_idle(gpointer user_data)
{
    DtdVirHandle *h = user_data;

    if (h->ff)
        h->ff(h->opaque);
    g_free(h);
    return G_SOURCE_REMOVE;
}

static int
vir_remove_handle(int id)
{
    DtdVirHandle *h;

    g_mutex_lock(&vir_lock);
    h = g_hash_table_lookup(vir_handles, GINT_TO_POINTER(id));
    if (!h || h->removed) {
        g_mutex_unlock(&vir_lock);
        return -1;
    }
    h->removed = TRUE;
    handle_arm(h);
    g_hash_table_steal(vir_handles, GINT_TO_POINTER(id));
    g_mutex_unlock(&vir_lock);
    g_idle_add(handle_free_idle, h);
    return 0;
}

/* ---- timers ------------------------------------------------------------------ */

static gboolean
timer_fired(gpointer user_data)
{
    int id = GPOINTER_TO_INT(user_data);
    DtdVirTimer *t;
    virEventTimeoutCallback cb;
    void *opaque;

    g_mutex_lock(&vir_lock);
    t = g_hash_table_lookup(vir_timers, GINT_TO_POINTER(id));
    if (!t || t->removed) {
        g_mutex_unlock(&vir_lock);
        return G_SOURCE_CONTINUE;
    }
    cb = t->cb;
    opaque = t->opaque;
    g_mutex_unlock(&vir_lock);
    cb(id, opaque);
    return G_SOURCE_CONTINUE;
}

/* Called with vir_lock held.  0 ms means "every iteration" to libvirt. */
static void
timer_arm(DtdVirTimer *t)
{
    if (t->source) {
        g_source_destroy(t->source);
        g_source_unref(t->source);
        t->source = NULL;
    }
    if (t->removed || t->interval < 0)
        return;
    t->source = t->interval == 0 ? g_idle_source_new() : g_timeout_source_new(t->interval);
    g_source_set_callback(t->source, timer_fired, GINT_TO_POINTER(t->id), NULL);
    g_source_attach(t->source, NULL);
}

static int
vir_add_timeout(int interval, virEventTimeoutCallback cb, void *opaque, virFreeCallback ff)
{
    DtdVirTimer *t = g_new0(DtdVirTimer, 1);
    int id;

    g_mutex_lock(&vir_lock);
    t->id = id = vir_next_id++;
    t->interval = interval;
    t->cb = cb;
    t->opaque = opaque;
    t->ff = ff;
    g_hash_table_insert(vir_timers, GINT_TO_POINTER(id), t);
    timer_arm(t);
    g_mutex_unlock(&vir_lock);
    return id;
}

static void
vir_update_timeout(int id, int interval)
{
    DtdVirTimer *t;

    g_mutex_lock(&vir_lock);
    t = g_hash_table_lookup(vir_timers, GINT_TO_POINTER(id));
    if (t && !t->removed && t->interval != interval) {
        t->interval = interval;
        timer_arm(t);
    }
    g_mutex_unlock(&vir_lock);
}

static gboolean
timer_free_idle(gpointer user_data)
{
    DtdVirTimer *t = user_data;

    if (t->ff)
        t->ff(t->opaque);
    g_free(t);
    return G_SOURCE_REMOVE;
}

static int
vir_remove_timeout(int id)
{
    DtdVirTimer *t;

    g_mutex_lock(&vir_lock);
    t = g_hash_table_lookup(vir_timers, GINT_TO_POINTER(id));
    if (!t || t->removed) {
        g_mutex_unlock(&vir_lock);
        return -1;
    }
    t->removed = TRUE;
    timer_arm(t);
    g_hash_table_steal(vir_timers, GINT_TO_POINTER(id));
    g_mutex_unlock(&vir_lock);
    g_idle_add(timer_free_idle, t);
    return 0;
}

/* ---- the connection ------------------------------------------------------------ */

static const char *
lifecycle_name(int event)
{
    switch (event) {
    case VIR_DOMAIN_EVENT_DEFINED:
        return "defined";
    case VIR_DOMAIN_EVENT_UNDEFINED:
        return "undefined";
    case VIR_DOMAIN_EVENT_STARTED:
        return "started";
    case VIR_DOMAIN_EVENT_SUSPENDED:
        return "suspended";
    case VIR_DOMAIN_EVENT_RESUMED:
        return "resumed";
    case VIR_DOMAIN_EVENT_STOPPED:
        return "stopped";
    case VIR_DOMAIN_EVENT_SHUTDOWN:
        return "shutdown";
    case VIR_DOMAIN_EVENT_PMSUSPENDED:
        return "pmsuspended";
    case VIR_DOMAIN_EVENT_CRASHED:
        return "crashed";
    default:
        return "other";
    }
}

/* Runs on the main thread (our event loop delivers it). */
static int
on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
    DtdDaemon *d = opaque;
    const char *name = virDomainGetName(dom);
    gboolean migrated = FALSE;
    gboolean running;

    if (!name)
        return 0;
    switch (event) {
    case VIR_DOMAIN_EVENT_STARTED:
        migrated = detail == VIR_DOMAIN_EVENT_STARTED_MIGRATED;
        running = TRUE;
        break;
    case VIR_DOMAIN_EVENT_RESUMED:
        migrated = detail == VIR_DOMAIN_EVENT_RESUMED_MIGRATED;
        running = TRUE;
        break;
    case VIR_DOMAIN_EVENT_SUSPENDED:
        migrated = detail == VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED;
        running = TRUE;
        break;
    case VIR_DOMAIN_EVENT_STOPPED:
        migrated = detail == VIR_DOMAIN_EVENT_STOPPED_MIGRATED;
        running = FALSE;
        break;
    case VIR_DOMAIN_EVENT_CRASHED:
    case VIR_DOMAIN_EVENT_SHUTDOWN:
        running = event == VIR_DOMAIN_EVENT_SHUTDOWN;
        break;
    default:
        return 0;   /* defined/undefined/pmsuspended change nothing we track */
    }
    dtd_domains_lifecycle(d, name, lifecycle_name(event), detail, running, migrated);
    dtd_tune_lifecycle(d, name, event, detail);
    return 0;
}

typedef struct {
    DtdDaemon *d;
    virConnectPtr conn;
    int callback_id;
    char *error;
    GPtrArray *running;   /* names of active domains at connect time */
} DtdVirConnect;

static void
on_close(virConnectPtr conn, int reason, void *opaque)
{
    DtdDaemon *d = opaque;

    g_warning("Lost the libvirt connection (reason %d); retrying in %d s", reason,
              DTD_LIBVIRT_RETRY_S);
    d->virt_lost = TRUE;
    dtd_libvirt_schedule(d, DTD_LIBVIRT_RETRY_S);
}

static gboolean
connect_done(gpointer user_data)
{
    DtdVirConnect *c = user_data;
    DtdDaemon *d = c->d;

    if (!c->conn) {
        /* once per outage, not every retry */
        if (!d->virt_warned)
            g_warning("Cannot follow libvirt (%s): %s; retrying every %d s", d->libvirt_uri,
                      c->error ? c->error : "", DTD_LIBVIRT_RETRY_S);
        d->virt_warned = TRUE;
        dtd_libvirt_schedule(d, DTD_LIBVIRT_RETRY_S);
    } else {
        d->virt_warned = FALSE;
        if (d->virt)
            virConnectClose(d->virt);
        d->virt = c->conn;
        d->virt_callback = c->callback_id;
        d->virt_lost = FALSE;
        for (guint i = 0; i < c->running->len; i++)
            dtd_domains_lifecycle(d, g_ptr_array_index(c->running, i), "running", 0, TRUE, FALSE);
        g_message("Following domain events of %s", d->libvirt_uri);
    }
    d->virt_connecting = FALSE;
    g_free(c->error);
    g_ptr_array_unref(c->running);
    g_free(c);
    return G_SOURCE_REMOVE;
}

static void
connect_thread(DtdDaemon *d)
{
    DtdVirConnect *c = g_new0(DtdVirConnect, 1);
    virDomainPtr *doms = NULL;
    int n;

    c->d = d;
    c->running = g_ptr_array_new_with_free_func(g_free);
    c->conn = virConnectOpenReadOnly(d->libvirt_uri);
    if (!c->conn) {
        c->error = g_strdup(virGetLastErrorMessage());
        goto out;
    }
    dtd_libvirt_keepalive(c->conn);
    c->callback_id = virConnectDomainEventRegisterAny(c->conn, NULL,
                                                      VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                      VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle),
                                                      d, NULL);
    if (c->callback_id < 0 || !dtd_tune_register_events(c->conn, d) ||
        virConnectRegisterCloseCallback(c->conn, on_close, d, NULL) < 0) {
        c->error = g_strdup(virGetLastErrorMessage());
        virConnectClose(c->conn);
        c->conn = NULL;
        goto out;
    }
    n = virConnectListAllDomains(c->conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
    for (int i = 0; i < n; i++) {
        g_ptr_array_add(c->running, g_strdup(virDomainGetName(doms[i])));
        virDomainFree(doms[i]);
    }
    free(doms);
 out:
    g_idle_add(connect_done, c);
}

static gpointer
connect_thread_main(gpointer data)
{
    connect_thread(data);
    return NULL;
}

static gboolean
retry_fired(gpointer user_data)
{
    DtdDaemon *d = user_data;

    d->virt_retry = 0;
    if (d->virt_connecting)
        return G_SOURCE_REMOVE;
    if (d->virt && d->virt_lost) {
        virConnectUnregisterCloseCallback(d->virt, on_close);
        virConnectClose(d->virt);
        d->virt = NULL;
    }
    if (d->virt)
        return G_SOURCE_REMOVE;
    d->virt_connecting = TRUE;
    /* its own short-lived thread: the pool's queue limit must not keep
     * the connection from coming back */
    g_thread_unref(g_thread_new("dtd-libvirt", connect_thread_main, d));
    return G_SOURCE_REMOVE;
}

void
dtd_libvirt_keepalive(virConnectPtr conn)
{
    /* fails only where keepalive is not supported (not a remote
     * connection): then there is nothing to time out */
    if (virConnectSetKeepAlive(conn, DTD_LIBVIRT_KEEPALIVE_INTERVAL_S,
                               DTD_LIBVIRT_KEEPALIVE_COUNT) < 0)
        g_debug("libvirt keepalive not set: %s", virGetLastErrorMessage());
}

void
dtd_libvirt_schedule(DtdDaemon *d, guint seconds)
{
    if (d->virt_retry)
        return;
    d->virt_retry = seconds ? g_timeout_add_seconds(seconds, retry_fired, d)
                            : g_idle_add(retry_fired, d);
}

static void
silence_errors(void *opaque, virErrorPtr err)
{
    /* errors are reported where they matter, not printed by libvirt */
}

void
dtd_libvirt_init(void)
{
    vir_handles = g_hash_table_new(g_direct_hash, g_direct_equal);
    vir_timers = g_hash_table_new(g_direct_hash, g_direct_equal);
    virSetErrorFunc(NULL, silence_errors);
    virEventRegisterImpl(vir_add_handle, vir_update_handle, vir_remove_handle,
                         vir_add_timeout, vir_update_timeout, vir_remove_timeout);
}

void
dtd_libvirt_stop(DtdDaemon *d)
{
    if (d->virt_retry)
        g_source_remove(d->virt_retry);
    d->virt_retry = 0;
    if (d->virt) {
        if (d->virt_callback >= 0)
            virConnectDomainEventDeregisterAny(d->virt, d->virt_callback);
        virConnectUnregisterCloseCallback(d->virt, on_close);
        virConnectClose(d->virt);
        d->virt = NULL;
    }
}
