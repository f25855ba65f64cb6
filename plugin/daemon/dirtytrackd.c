/* dirtytrackd.c: the D-Bus capability service.
 *
 * main() owns all state: it reads the configuration, connects to the bus
 * (system by default; --session or --address for tests), registers the
 * Manager object before asking for the name so no call can arrive at an
 * object that is not there, and runs one GLib main loop that carries the
 * bus, libvirt's events, the uevent socket and the worker results.  Blocking work happens in
 * a bounded thread pool (dtd-jobs.c); calls back into libvirt (live tuning,
 * metadata) in a one-thread pool of their own (dtd-tune.c).
 *
 * Losing the bus ends the daemon: systemd (or bus activation) starts a new
 * one, which is simpler and safer than reconnecting with stale state.
 *
 * Stopping is bounded: the orderly part (workers finishing, tuning tasks,
 * closing libvirt's connections, answering what waits) runs in a thread of
 * its own, and if it has not finished within DTD_STOP_DEADLINE_MS (a
 * libvirtd that stopped answering: closing a connection is a call to it)
 * the process leaves at once; the kernel closes the bus socket, and the bus
 * releases the name.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <glib-unix.h>

#include "dbus/dt-dbus-api.h"
#include "model/dt-log.h"
#include "probe/dt-paths.h"
#include "dbus/dtbus.h"
#include "daemon/dtd.h"

#ifndef DT_DBUS_GROUP
#define DT_DBUS_GROUP "libvirt"
#endif

#define DTD_DEFAULT_THREADS 4
#define DTD_MAX_THREADS 64
/* Requests waiting for a worker beyond which callers get Busy (and a hook
 * evaluates in-process): by default enough for a host evacuation of 128
 * VMs whose hooks all ask at once, each with two calls in flight, and more
 * with more threads.  Answers from the decision cache never wait. */
#define DTD_QUEUE_PER_THREAD 16
/* SIGTERM to exit, at most (systemd's and the bound is 2 s) */
#define DTD_STOP_DEADLINE_MS 1000
#define DTD_QUEUE_MIN 256
#define DTD_QUEUE_MAX 65536

/* The kernel announced a PCI, IOMMU or VFIO change: what the host snapshot
 * and the cached answers say may be stale from now on (dtd-cache.c
 * compares this count); once the burst is over, probe the host again. */
static void
on_devices_changed(gpointer user_data)
{
    DtdDaemon *d = user_data;

    d->uevent_gen++;
}

static void
on_devices_settled(gpointer user_data)
{
    g_debug("Kernel reported device changes: refreshing the host report");
    dtd_host_refresh(user_data);
}

static gboolean
on_signal(gpointer user_data)
{
    DtdDaemon *d = user_data;

    g_message("Stopping on signal");
    g_main_loop_quit(d->loop);
    return G_SOURCE_CONTINUE;
}

static void
on_disconnect(DBusConnection *conn, gpointer user_data)
{
    DtdDaemon *d = user_data;

    g_warning("Lost the connection to the bus");
    d->exit_status = EXIT_FAILURE;
    g_main_loop_quit(d->loop);
}

static DBusConnection *
connect_bus(gboolean session, const char *address, GError **error)
{
    DBusError err;
    DBusConnection *conn;

    dbus_error_init(&err);
    if (address) {
        conn = dbus_connection_open_private(address, &err);
        if (conn && !dbus_bus_register(conn, &err)) {
            dbus_connection_close(conn);
            dbus_connection_unref(conn);
            conn = NULL;
        }
    } else {
        /* private, so that it may be closed at exit */
        conn = dbus_bus_get_private(session ? DBUS_BUS_SESSION : DBUS_BUS_SYSTEM, &err);
    }
    if (!conn) {
        g_set_error(error, DT_ERROR, DT_ERROR_IO, _("Cannot connect to the bus: %s"),
                    err.message ? err.message : "");
        dbus_error_free(&err);
    }
    return conn;
}

static gboolean
request_name(DBusConnection *conn, GError **error)
{
    DBusError err;
    int ret;

    /* Blocking is fine here: the loop is not running yet. */
    dbus_error_init(&err);
    ret = dbus_bus_request_name(conn, DT_DBUS_NAME, DBUS_NAME_FLAG_DO_NOT_QUEUE, &err);
    if (ret < 0) {
        g_set_error(error, DT_ERROR, DT_ERROR_PERMISSION, _("Cannot own %s: %s"), DT_DBUS_NAME,
                    err.message ? err.message : "");
        dbus_error_free(&err);
        return FALSE;
    }
    if (ret != DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER) {
        g_set_error(error, DT_ERROR, DT_ERROR_BUSY, _("%s is already owned by another process"),
                    DT_DBUS_NAME);
        return FALSE;
    }
    return TRUE;
}

static void
resolve_group(DtdDaemon *d)
{
    struct group gr, *res = NULL;
    char buf[4096];

    if (!d->group || !*d->group)
        return;
    if (getgrnam_r(d->group, &gr, buf, sizeof(buf), &res) == 0 && res) {
        d->gid = gr.gr_gid;
        d->have_gid = TRUE;
    } else {
        g_warning("Group '%s' does not exist: only root may change state", d->group);
    }
}

/* The trusted QEMU binaries, probed once at start (from the probe cache
 * when they have not changed) in a thread of their own, so neither the
 * loop nor a worker waits for them; an evaluation that needs one first
 * waits for that binary's probe only.  Not with a version pinned
 * ($DIRTYTRACK_QEMU_VERSION): then nothing is ever probed. */
static gpointer
qemu_probe_thread(gpointer data)
{
    DtdDaemon *d = data;
    guint n = dt_qemu_registry_refresh(d->qemu);

    g_debug("probed %u QEMU binaries", n);
    g_atomic_int_set(&d->qemu_probe_done, 1);
    return NULL;
}

static void
start_qemu_probe(DtdDaemon *d)
{
    const char *pinned = g_getenv("DIRTYTRACK_QEMU_VERSION");

    d->qemu = dt_qemu_registry_new_for_config(d->config);
    if (pinned && *pinned) {
        d->qemu_probe_done = 1;
        return;
    }
    d->qemu_probe = g_thread_new("qemu-probe", qemu_probe_thread, d);
}

static void
stop_qemu_probe(DtdDaemon *d)
{
    if (d->qemu_probe && !g_atomic_int_get(&d->qemu_probe_done)) {
        /* a probe still running (each is bounded, but shutdown must not
         * wait for it): the process ends with the thread and what it uses */
        g_thread_unref(g_steal_pointer(&d->qemu_probe));
        d->qemu = NULL;
        return;
    }
    if (d->qemu_probe)
        g_thread_join(g_steal_pointer(&d->qemu_probe));
    g_clear_pointer(&d->qemu, dt_qemu_registry_free);
}

static void
daemon_free(DtdDaemon *d)
{
    if (d->pool)
        g_thread_pool_free(g_steal_pointer(&d->pool), FALSE, TRUE);
    if (d->user_pool)
        g_thread_pool_free(g_steal_pointer(&d->user_pool), FALSE, TRUE);
    /* tuning tasks finish (their signals still go out) before the bus closes */
    dtd_tune_stop(d);
    /* finished jobs still queued on the loop: answer them while we can */
    while (g_main_context_iteration(NULL, FALSE))
        ;
    /* a connection that completed while we were stopping */
    dtd_libvirt_stop(d);
    if (d->conn) {
        dtd_host_flush_waiters(d);
        dbus_connection_flush(d->conn);
        dtbus_cleanup_connection(d->conn);
        dbus_connection_close(d->conn);
        dbus_connection_unref(d->conn);
    }
    g_clear_pointer(&d->probe_waiters, g_ptr_array_unref);
    g_clear_pointer(&d->queued_waiters, g_ptr_array_unref);
    g_clear_pointer(&d->domains, g_hash_table_unref);
    g_clear_pointer(&d->user_by_uid, g_hash_table_unref);
    g_clear_pointer(&d->user_by_name, g_hash_table_unref);
    dtd_host_snapshot_free(d->host);
    dtd_cache_free(d->cache);
    dtd_observed_free(d->observed);
    if (d->watch_source)
        g_source_remove(d->watch_source);
    dtd_watch_free(d->watch);
    if (d->loop)
        g_main_loop_unref(d->loop);
    dtd_vdb_clear(d);
    g_mutex_clear(&d->vdb_lock);
    stop_qemu_probe(d);
    if (d->config)
        dt_config_free(d->config);
    g_free(d->sysroot);
    g_free(d->config_path);
    g_free(d->group);
    g_free(d->hostname);
    g_free(d->libvirt_uri);
    g_free(d);
}

typedef struct {
    DtdDaemon *d;
    GMutex lock;
    GCond cond;
    gboolean done;
} DtdStop;

static gpointer
stop_thread(gpointer data)
{
    DtdStop *s = data;

    g_clear_pointer(&s->d->uevent, dtd_uevent_free);
    dtd_libvirt_stop(s->d);
    daemon_free(s->d);
    g_mutex_lock(&s->lock);
    s->done = TRUE;
    g_cond_signal(&s->cond);
    g_mutex_unlock(&s->lock);
    return NULL;
}

/* The orderly stop, or, past the deadline, an exit without it. */
static int
stop_within_deadline(DtdDaemon *d, int status)
{
    DtdStop s = { .d = d };
    gint64 end = g_get_monotonic_time() + DTD_STOP_DEADLINE_MS * G_TIME_SPAN_MILLISECOND;
    GThread *t;

    g_mutex_init(&s.lock);
    g_cond_init(&s.cond);
    /* the thread takes the main context over: this one no longer runs it */
    t = g_thread_new("dtd-stop", stop_thread, &s);
    g_mutex_lock(&s.lock);
    while (!s.done)
        if (!g_cond_wait_until(&s.cond, &s.lock, end))
            break;
    if (!s.done) {
        g_warning("Stopping took more than %d ms (libvirt not answering?): leaving now",
                  DTD_STOP_DEADLINE_MS);
        fflush(NULL);
        _exit(status);
    }
    g_mutex_unlock(&s.lock);
    g_thread_join(t);
    g_mutex_clear(&s.lock);
    g_cond_clear(&s.cond);
    return status;
}

int
main(int argc, char **argv)
{
    gboolean opt_system = FALSE, opt_session = FALSE;
    g_autofree char *opt_address = NULL;
    g_autofree char *opt_sysroot = NULL;
    g_autofree char *opt_config = NULL;
    g_autofree char *opt_group = NULL;
    g_autofree char *opt_libvirt_uri = NULL;
    gint opt_threads = DTD_DEFAULT_THREADS;
    gint opt_max_queue = -1;
    GOptionEntry entries[] = {
        { "system", 0, 0, G_OPTION_ARG_NONE, &opt_system,
          N_("Use the system bus (the default)"), NULL },
        { "session", 0, 0, G_OPTION_ARG_NONE, &opt_session,
          N_("Use the session bus"), NULL },
        { "address", 0, 0, G_OPTION_ARG_STRING, &opt_address,
          N_("Use the bus at this D-Bus address"), N_("ADDRESS") },
        { "sysroot", 0, 0, G_OPTION_ARG_FILENAME, &opt_sysroot,
          N_("Read sysfs, /dev and /proc below this directory"), N_("DIR") },
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &opt_config,
          N_("Configuration file"), N_("FILE") },
        { "threads", 0, 0, G_OPTION_ARG_INT, &opt_threads,
          N_("Worker threads for evaluations and probes"), N_("N") },
        { "max-queue", 0, 0, G_OPTION_ARG_INT, &opt_max_queue,
          N_("Requests that may wait for a worker before callers are told Busy "
             "(default: 256, or 16 per thread if more)"), N_("N") },
        { "libvirt-uri", 0, 0, G_OPTION_ARG_STRING, &opt_libvirt_uri,
          N_("Follow domain events of this libvirt URI (default with --system: "
             "qemu:///system; \"\" = none)"), N_("URI") },
        /* description filled in below: it names the build-time default */
        { "group", 0, 0, G_OPTION_ARG_STRING, &opt_group, NULL, N_("GROUP") },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *group_help = NULL;
    DtdDaemon *d;
    int status;

    dt_i18n_init();
    dt_log_init("dirtytrackd");
    /* translated here, with the group as an argument, so the catalog
     * entry is the same whatever group the build chose */
    group_help = g_strdup_printf(_("Group whose members may change state (default: %s)"),
                                 DT_DBUS_GROUP);
    for (guint i = 0; entries[i].long_name; i++)
        if (g_str_equal(entries[i].long_name, "group"))
            entries[i].description = group_help;
    ctx = g_option_context_new(NULL);
    g_option_context_set_summary(ctx, _("The dirtytrack D-Bus service."));
    g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        g_printerr("dirtytrackd: %s\n", error->message);
        return 2;
    }
    if ((opt_system + opt_session + (opt_address != NULL)) > 1) {
        g_printerr("dirtytrackd: %s\n", _("--system, --session and --address exclude each other"));
        return 2;
    }
    if (opt_threads < 1 || opt_threads > DTD_MAX_THREADS) {
        g_printerr("dirtytrackd: %s\n", _("--threads must be between 1 and 64"));
        return 2;
    }
    if (opt_max_queue != -1 && (opt_max_queue < 1 || opt_max_queue > DTD_QUEUE_MAX)) {
        g_printerr("dirtytrackd: %s\n", _("--max-queue must be between 1 and 65536"));
        return 2;
    }
    if (opt_sysroot && (!g_path_is_absolute(opt_sysroot) ||
                        !g_file_test(opt_sysroot, G_FILE_TEST_IS_DIR))) {
        g_printerr("dirtytrackd: %s\n", _("--sysroot must be an absolute directory"));
        return 2;
    }

    /* libdbus is thread-safe by default since 1.7.6, but asks to be told */
    dbus_threads_init_default();

    d = g_new0(DtdDaemon, 1);
    d->sysroot = g_steal_pointer(&opt_sysroot);
    d->config_path = g_steal_pointer(&opt_config);
    d->threads = opt_threads;
    d->max_queue = opt_max_queue > 0 ? (guint) opt_max_queue
                                     : MAX((guint) opt_threads * DTD_QUEUE_PER_THREAD, DTD_QUEUE_MIN);
    g_mutex_init(&d->vdb_lock);
    d->group = g_strdup(opt_group ? opt_group : DT_DBUS_GROUP);
    d->self_uid = getuid();
    d->hostname = g_strdup(g_get_host_name());
    d->exit_status = EXIT_SUCCESS;
    d->virt_callback = -1;
    if (opt_libvirt_uri)
        d->libvirt_uri = *opt_libvirt_uri ? g_steal_pointer(&opt_libvirt_uri) : NULL;
    else if (!opt_session && !opt_address)
        d->libvirt_uri = g_strdup("qemu:///system");

    d->config = dt_config_load(d->config_path, &error);
    if (!d->config) {
        g_printerr("dirtytrackd: %s\n", error ? error->message : _("Cannot read the configuration"));
        daemon_free(d);
        return EXIT_FAILURE;
    }
    if (!dtd_vdb_load(d, &error)) {
        g_warning("Variant-driver database unavailable, every evaluation loads its own: %s",
                  error ? error->message : "");
        g_clear_error(&error);
    }
    resolve_group(d);
    start_qemu_probe(d);

    /* before any libvirt connection exists, and before threads */
    dtd_libvirt_init();
    d->loop = g_main_loop_new(NULL, FALSE);
    d->pool = g_thread_pool_new(dtd_jobs_worker, d, opt_threads, FALSE, &error);
    /* exclusive: its niced threads never serve root's lane */
    d->user_threads = MAX(1, (guint) opt_threads / 2);
    d->user_max_queue = d->max_queue;
    if (d->pool)
        d->user_pool = g_thread_pool_new(dtd_jobs_user_worker, d, (gint) d->user_threads, TRUE,
                                         &error);
    if (!d->pool || !d->user_pool || !dtd_tune_init(d, &error))
        goto fail;

    d->conn = connect_bus(opt_session, opt_address, &error);
    if (!d->conn)
        goto fail;
    if (!dtbus_setup_connection(d->conn, NULL) || !dtd_manager_register(d)) {
        g_set_error(&error, DT_ERROR, DT_ERROR_FAILED, _("Cannot set up the D-Bus objects"));
        goto fail;
    }
    dtbus_set_disconnect_function(d->conn, on_disconnect, d);
    if (!request_name(d->conn, &error))
        goto fail;

    dtd_host_refresh(d);
    if (!d->sysroot) {
        g_autoptr(GError) uerr = NULL;

        d->uevent = dtd_uevent_new(on_devices_changed, on_devices_settled, d, &uerr);
        if (!d->uevent)
            g_warning("Hotplug changes will not refresh the host report: %s", uerr->message);
    }
    if (d->libvirt_uri)
        dtd_libvirt_schedule(d, 0);
    g_unix_signal_add(SIGTERM, on_signal, d);
    g_unix_signal_add(SIGINT, on_signal, d);

    g_message("Serving %s on %s", DT_DBUS_NAME,
              opt_address ? opt_address : opt_session ? "the session bus" : "the system bus");
    g_main_loop_run(d->loop);

    status = d->exit_status;
    return stop_within_deadline(d, status);

 fail:
    g_printerr("dirtytrackd: %s\n", error ? error->message : _("Startup failed"));
    daemon_free(d);
    return EXIT_FAILURE;
}
