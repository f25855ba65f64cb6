/* dtd-host.c: dirtytrackd's snapshot of the host, and the calls that wait
 * for it.
 *
 * The host is probed once at start, again on RefreshHost() or a kernel
 * uevent (dirtytrackd.c), and when an evaluation finds a device that
 * differs from the snapshot.  A snapshot is immutable once published and
 * shared by reference with the workers.  Besides the facts it records
 * what they were read from, taken before the probe read anything, so that
 * a change during the probe shows as a difference later: the files behind
 * the host-wide facts and each PCI function's links (dtd-cache.c).
 *
 * Evaluations start from the snapshot instead of probing the host again
 * (dt_evaluate()'s host_func, dtd_host_snapshot_host()): the host-wide
 * facts once the files behind them are seen unchanged, and each device
 * the domain references once its links (bus entry, driver, IOMMU group)
 * read as they did before the snapshot's probe.  A device that differs is
 * probed afresh, and the snapshot refreshed.  This matters without
 * uevents too: a fixture sysroot gets none, and tests rebind its drivers
 * under a running daemon.
 *
 * Probes run as jobs in root's lane (dtd-jobs.c).  Callers that arrive
 * while a probe runs (GetHostReport, GetDeviceReport, RefreshHost) wait
 * for it instead of starting their own; a RefreshHost waits for the probe
 * after the running one, which may have read the host before the call.
 */
#include "config.h"

#include <inttypes.h>

#include <fcntl.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "dbus/dt-dbus-api.h"
#include "probe/dt-host.h"
#include "probe/dt-platform.h"
#include "probe/dt-paths.h"
#include "render/dt-report.h"
#include "model/dt-util.h"
#include "dbus/dtbus.h"
#include "daemon/dtd.h"

typedef enum {
    WAIT_HOST_REPORT,
    WAIT_DEVICE_REPORT,
    WAIT_REFRESH,
} DtdWaitKind;

typedef struct {
    DtdWaitKind kind;
    DBusMessage *msg;
    DtPciAddr addr;
} DtdWaiter;

static void
waiter_free(DtdWaiter *w)
{
    if (w->msg)
        dbus_message_unref(w->msg);
    g_free(w);
}

DtdHostSnapshot *
dtd_host_snapshot_ref(DtdHostSnapshot *s)
{
    g_atomic_int_inc(&s->ref);
    return s;
}

void
dtd_host_snapshot_free(DtdHostSnapshot *s)
{
    if (!s || !g_atomic_int_dec_and_test(&s->ref))
        return;
    if (s->devices)
        g_hash_table_unref(s->devices);
    dtd_file_id_free(s->root_id);
    if (s->inputs)
        g_ptr_array_unref(s->inputs);
    if (s->host)
        dt_host_free(s->host);
    if (s->checks)
        g_ptr_array_unref(s->checks);
    dt_paths_free(s->paths);
    if (s->root_fd >= 0)
        close(s->root_fd);
    g_free(s->json);
    g_free(s->fingerprint);
    g_clear_error(&s->error);
    g_free(s);
}

static void
device_free(DtdDevice *dev)
{
    g_free(dev->sig);
    g_free(dev);
}

/* ---- the probe (in a worker) ------------------------------------------------------ */

static char *
host_fingerprint(const DtHost *h)
{
    g_autoptr(GString) s = g_string_new(NULL);

    /* The facts a report consumer acts on; not times or paths. */
    g_string_append_printf(s, "kernel=%s arch=%s cmdline=%s iommu=%d container=%d cdev=%d\n",
                           h->kernel_release ? h->kernel_release : "",
                           h->arch ? h->arch : "", h->cmdline ? h->cmdline : "",
                           h->dev_iommu, h->dev_vfio_container, h->vfio_cdev_support);
    for (guint i = 0; h->iommus && i < h->iommus->len; i++) {
        const DtIommu *u = g_ptr_array_index(h->iommus, i);

        g_string_append_printf(s, "unit=%s vendor=%d regs=%d %" PRIx64 " %"
                               PRIx64 " %" PRIx64 " %"
                               PRIx64 " dirty=%d/%d\n",
                               u->name ? u->name : "", u->vendor, u->regs_known, u->cap,
                               u->ecap, u->efr, u->efr2, u->dirty_tracking.value,
                               u->dirty_tracking.source);
    }
    for (guint i = 0; h->devices && i < h->devices->len; i++) {
        const DtPciDev *p = g_ptr_array_index(h->devices, i);
        g_autofree char *addr = dt_pci_addr_to_string(&p->addr);

        g_string_append_printf(s, "dev=%s id=%04x:%04x driver=%s group=%d unit=%s vf=%d vfs=%u "
                               "cdev=%s alias=%s use=%d mig=%d/%u log=%d dirty=%d\n",
                               addr, p->vendor, p->device, p->driver ? p->driver : "",
                               p->iommu_group, p->iommu_unit ? p->iommu_unit : "", p->is_vf,
                               p->num_vfs, p->vfio_cdev ? p->vfio_cdev : "",
                               p->alias_driver ? p->alias_driver : "", p->in_use,
                               p->migration.value, p->mig_flags, p->dma_logging.value,
                               p->iommu_dirty.value);
    }
    return g_compute_checksum_for_string(G_CHECKSUM_SHA256, s->str, s->len);
}

/* abs below the root: relative to root_fd when there is one */
static void
add_input(GPtrArray *inputs, const DtPaths *paths, int root_fd, const char *abs, DtdIdKind kind)
{
    g_autofree char *p = NULL;

    if (root_fd >= 0) {
        g_ptr_array_add(inputs, dtd_file_id_new_at(root_fd, abs + 1, kind));
        return;
    }
    p = dt_paths_get(paths, abs);
    g_ptr_array_add(inputs, dtd_file_id_new(p, kind));
}

/* The kernel release dt_host_probe() will read: a sysroot's osrelease
 * file, or the running kernel's. */
static char *
probe_release(const DtPaths *paths)
{
    g_autofree char *p = dt_paths_get(paths, "/proc/sys/kernel/osrelease");
    char *text = NULL;
    struct utsname uts;

    if (g_file_get_contents(p, &text, NULL, NULL) && *g_strchomp(text))
        return text;
    g_free(text);
    if (dt_paths_is_real_root(paths) && uname(&uts) == 0)
        return g_strdup(uts.release);
    return NULL;
}

/* The files behind the host-wide facts of dt_host_probe(), taken before
 * it runs.  On the real root the kernel's own files (release, command
 * line, IOMMU registers) do not change while it runs, and IOMMU units
 * come and go with uevents; what can change is which /dev nodes exist
 * (modules load) and modules.alias (packages).  A sysroot is plain files
 * that anyone may edit, so there every file the probe reads is watched. */
static GPtrArray *
snapshot_inputs(const DtPaths *paths, int root_fd, char **release)
{
    GPtrArray *in = g_ptr_array_new_with_free_func((GDestroyNotify) dtd_file_id_free);

    *release = probe_release(paths);
    add_input(in, paths, root_fd, "/dev/iommu", DTD_ID_NODE);
    add_input(in, paths, root_fd, "/dev/vfio/vfio", DTD_ID_NODE);
    add_input(in, paths, root_fd, "/dev/vfio/devices", DTD_ID_NODE);
    if (*release && !strchr(*release, '/') && (*release)[0] != '.') {
        g_autofree char *alias = g_strdup_printf("/lib/modules/%s/modules.alias", *release);
        add_input(in, paths, root_fd, alias, DTD_ID_FILE);
    }
    if (!dt_paths_is_real_root(paths)) {
        static const char *const files[] = {
            "/proc/sys/kernel/osrelease", "/proc/sys/kernel/arch", "/proc/cmdline",
            "/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "/sys/class/iommu",
        };
        /* a unit's directory (whose identity changes with the link, and
         * whose time with its entries: intel-iommu/, amd-iommu/) and the
         * register files in it */
        static const char *const regs[] = {
            "", "/intel-iommu/cap", "/intel-iommu/ecap", "/amd-iommu/features",
        };
        g_autofree char *cls = dt_paths_get(paths, "/sys/class/iommu");
        g_autoptr(GDir) dir = NULL;
        const char *name;

        for (guint i = 0; i < G_N_ELEMENTS(files); i++)
            add_input(in, paths, root_fd, files[i], DTD_ID_FILE);
        dir = g_dir_open(cls, 0, NULL);
        while (dir && (name = g_dir_read_name(dir))) {
            for (guint i = 0; i < G_N_ELEMENTS(regs); i++) {
                g_autofree char *reg = g_strdup_printf("/sys/class/iommu/%s%s", name, regs[i]);

                add_input(in, paths, root_fd, reg, DTD_ID_FILE);
            }
        }
    }
    return in;
}

/* Every PCI function's signature, taken before the probe reads it. */
static GHashTable *
snapshot_devices(const DtPaths *paths, int root_fd)
{
    GHashTable *t = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                          (GDestroyNotify) device_free);
    g_autofree char *bus = dt_paths_get(paths, "/sys/bus/pci/devices");
    g_autoptr(GDir) dir = g_dir_open(bus, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        DtdDevice *dev;
        DtPciAddr a;
        gint64 *key;

        if (!dt_pci_addr_parse(name, &a))
            continue;
        key = g_new(gint64, 1);
        *key = (gint64) dtd_pci_addr_pack(&a);
        dev = g_new0(DtdDevice, 1);
        dev->sig = dtd_device_sig(paths, root_fd, &a);
        g_hash_table_replace(t, key, dev);
    }
    return t;
}

gboolean
dtd_host_snapshot_unchanged(const DtdHostSnapshot *snap)
{
    if (!snap->inputs || (snap->root_id && !dtd_file_id_unchanged(snap->root_id)))
        return FALSE;
    for (guint i = 0; i < snap->inputs->len; i++)
        if (!dtd_file_id_unchanged(g_ptr_array_index(snap->inputs, i)))
            return FALSE;
    return TRUE;
}

/* The probe job's work, in a worker. */
static void
probe_run(DtdJob *job)
{
    DtdDaemon *d = job->d;
    DtdHostSnapshot *snap = g_new0(DtdHostSnapshot, 1);
    g_autoptr(DtHost) host = NULL;
    g_autoptr(GPtrArray) inputs = NULL;
    g_autoptr(GHashTable) devices = NULL;
    g_autofree char *release = NULL;

    snap->ref = 1;
    snap->serial = dtd_serial_next();
    snap->uevent_gen = job->uevent_gen;
    snap->paths = dt_paths_new(d->sysroot);
    snap->root_fd = dt_paths_is_real_root(snap->paths)
                        ? -1
                        : open(snap->paths->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    job->snapshot = snap;
    if (snap->root_fd >= 0)
        /* the root itself, by path: replaced or moved, it is another host */
        snap->root_id = dtd_file_id_new(snap->paths->root, DTD_ID_NODE);
    inputs = snapshot_inputs(snap->paths, snap->root_fd, &release);
    devices = snapshot_devices(snap->paths, snap->root_fd);
    host = dt_host_probe(snap->paths, &snap->error);
    if (!host) {
        if (!snap->error)
            g_set_error(&snap->error, DT_ERROR, DT_ERROR_FAILED, _("Probing the host failed"));
        return;
    }
    if (!dt_host_probe_all_devices(host, snap->paths, &snap->error)) {
        if (!snap->error)
            g_set_error(&snap->error, DT_ERROR, DT_ERROR_FAILED,
                        _("Probing the host's PCI devices failed"));
        return;
    }
    dt_platform_probe(host, snap->paths);
    if (job->vdb)
        snap->checks = dt_hostcheck_run(host, job->vdb);
    if (!snap->checks)
        snap->checks = g_ptr_array_new_with_free_func((GDestroyNotify) dt_hostcheck_free);
    snap->json = dt_report_host_json(host, snap->checks);
    if (!snap->json) {
        g_set_error(&snap->error, DT_ERROR, DT_ERROR_FAILED, _("Rendering the host report failed"));
        return;
    }
    snap->fingerprint = host_fingerprint(host);
    for (guint i = 0; i < host->devices->len; i++) {
        const DtPciDev *p = g_ptr_array_index(host->devices, i);
        gint64 key = (gint64) dtd_pci_addr_pack(&p->addr);
        DtdDevice *dev = g_hash_table_lookup(devices, &key);

        if (dev)
            dev->dev = p;
    }
    snap->devices = g_steal_pointer(&devices);
    /* inputs for another release than the probe read cannot vouch for it */
    if (g_strcmp0(release, host->kernel_release) == 0)
        snap->inputs = g_steal_pointer(&inputs);
    snap->host = g_steal_pointer(&host);
}

/* ---- an evaluation's host, from the snapshot ----------------------------------- */

/* dt_evaluate()'s host_func, over the snapshot use->base: its host-wide
 * facts and, for each address, the snapshot's device if its links read as
 * they did before the snapshot's probe, else a fresh probe of it.  Records
 * each device's signature as read here (before any fresh probe), for the
 * decision cache.  NULL (dt_evaluate() probes everything) when the
 * snapshot's own inputs changed. */
DtHost *
dtd_host_snapshot_host(const DtPciAddr *addrs, guint n_addrs, gpointer data)
{
    DtdHostUse *use = data;
    DtdHostSnapshot *snap = use->base;
    g_autoptr(GArray) fresh = NULL;
    DtHost *host;

    if (!snap || !snap->host || !snap->devices || !dtd_host_snapshot_unchanged(snap)) {
        use->stale = snap != NULL;
        return NULL;
    }
    host = dt_host_copy_base(snap->host);
    use->dev_addrs = g_array_sized_new(FALSE, FALSE, sizeof(DtPciAddr), n_addrs);
    use->dev_sigs = g_ptr_array_new_full(n_addrs, g_free);
    for (guint i = 0; i < n_addrs; i++) {
        gint64 key = (gint64) dtd_pci_addr_pack(&addrs[i]);
        const DtdDevice *dev = g_hash_table_lookup(snap->devices, &key);
        char *sig;
        gboolean seen = FALSE;

        for (guint j = 0; j < use->dev_addrs->len && !seen; j++)
            seen = dt_pci_addr_equal(&g_array_index(use->dev_addrs, DtPciAddr, j), &addrs[i]);
        if (seen)
            continue;
        sig = dtd_device_sig(snap->paths, snap->root_fd, &addrs[i]);
        g_array_append_val(use->dev_addrs, addrs[i]);
        g_ptr_array_add(use->dev_sigs, sig);
        if (dev && g_str_equal(dev->sig, sig)) {
            /* as the snapshot read it, present or not */
            if (dev->dev)
                g_ptr_array_add(host->devices, dt_pcidev_copy(dev->dev));
        } else if (dev || sig[0] != '!') {
            /* changed since, or new: read it now (after its signature) */
            if (!fresh)
                fresh = g_array_new(FALSE, FALSE, sizeof(DtPciAddr));
            g_array_append_val(fresh, addrs[i]);
            use->stale = TRUE;
        }
        /* else: absent then and now */
    }
    if (fresh)
        /* in_use is left unread: only pre-flight uses it, and pre-flight
         * never starts from the snapshot */
        dt_host_probe_devices(host, snap->paths, (const DtPciAddr *) (void *) fresh->data,
                              fresh->len, DT_HOST_PROBE_SKIP_IN_USE);
    use->used = TRUE;
    return host;
}

/* ---- the calls that wait for a probe ------------------------------------------- */

static DBusMessage *
device_report(DtdDaemon *d, DBusMessage *msg, const DtPciAddr *addr)
{
    const DtdHostSnapshot *snap = d->host;
    const DtPciDev *p = dt_host_find_device(snap->host, addr);
    const DtIommu *unit;
    g_autoptr(JsonBuilder) b = NULL;
    g_autofree char *address = dt_pci_addr_to_string(addr);
    g_autofree char *json = NULL;
    DBusMessage *reply;

    if (!p)
        return dtd_error_reply_code(msg, DT_ERROR_NOT_FOUND, _("No PCI device %s on this host"),
                                    address);
    unit = p->iommu_unit ? dt_host_find_iommu(snap->host, p->iommu_unit) : NULL;
    b = json_builder_new();
    json_builder_begin_object(b);
    /* the device's facts in the host report's shape (dt_json_add_pcidev),
     * then what the daemon adds: its IOMMU unit, its checks, the snapshot */
    dt_json_add_pcidev(b, p);
    dt_json_add_bool(b, "vfio_bound", dt_driver_is_vfio(p->driver));
    dt_json_add_bool(b, "vfio_candidate", dt_pcidev_is_vfio_candidate(p));
    json_builder_set_member_name(b, "iommu_unit");
    if (unit)
        dt_json_add_iommu(b, unit);
    else
        json_builder_add_null_value(b);
    json_builder_set_member_name(b, "checks");
    json_builder_begin_array(b);
    for (guint i = 0; snap->checks && i < snap->checks->len; i++) {
        const DtCheck *c = g_ptr_array_index(snap->checks, i);
        DtPciAddr caddr;

        if (!c->device || !dt_pci_addr_parse(c->device, &caddr) ||
            !dt_pci_addr_equal(&caddr, addr))
            continue;
        dt_json_add_check(b, c);
    }
    json_builder_end_array(b);
    dt_json_add_string(b, "host_fingerprint", snap->fingerprint);
    json_builder_end_object(b);

    json = dtd_json_string(b);
    reply = dbus_message_new_method_return(msg);
    dbus_message_append_args(reply, DBUS_TYPE_STRING, &json, DBUS_TYPE_INVALID);
    return reply;
}

/* Answers a host-report-dependent request from the current snapshot. */
static DBusMessage *
answer_waiter(DtdDaemon *d, DtdWaiter *w)
{
    DBusMessage *reply;

    if (w->kind == WAIT_REFRESH)
        return d->host->error ? dtd_error_reply(w->msg, d->host->error)
                              : dbus_message_new_method_return(w->msg);
    if (d->host->error)
        return dtd_error_reply(w->msg, d->host->error);
    if (w->kind == WAIT_DEVICE_REPORT)
        return device_report(d, w->msg, &w->addr);
    reply = dbus_message_new_method_return(w->msg);
    dbus_message_append_args(reply, DBUS_TYPE_STRING, &d->host->json, DBUS_TYPE_INVALID);
    return reply;
}

static void probe_done(DtdJob *job);

static gboolean
start_probe(DtdDaemon *d)
{
    DtdJob *job = dtd_job_new(d, probe_run, probe_done);

    g_autoptr(GError) error = NULL;

    job->uevent_gen = d->uevent_gen;
    /* the checks read the database in force */
    job->vdb = d->vdb;
    job->vdb_ref = dtd_vdb_ref(d);
    if (job->vdb_ref)
        job->vdb = job->vdb_ref->vdb;
    if (!dtd_jobs_push_root(d, job, &error)) {
        if (error)
            g_warning("Cannot start a host probe: %s", error->message);
        dtd_job_free(job);
        return FALSE;
    }
    d->probing = TRUE;
    return TRUE;
}

void
dtd_host_refresh(DtdDaemon *d)
{
    if (d->probing)
        d->probe_again = TRUE;
    else
        start_probe(d);
}

/* The probe job's answer, on the main thread: publishes the snapshot and
 * answers who waited for it. */
static void
probe_done(DtdJob *job)
{
    DtdDaemon *d = job->d;
    g_autoptr(GPtrArray) waiters = NULL;
    gboolean changed;

    changed = d->host && !d->host->error && !job->snapshot->error &&
              g_strcmp0(d->host->fingerprint, job->snapshot->fingerprint) != 0;
    if (job->snapshot->error)
        g_warning("Host probe failed: %s", job->snapshot->error->message);
    dtd_host_snapshot_free(d->host);
    d->host = g_steal_pointer(&job->snapshot);
    d->probing = FALSE;

    waiters = g_steal_pointer(&d->probe_waiters);
    d->probe_waiters = g_steal_pointer(&d->queued_waiters);
    d->queued_waiters = g_ptr_array_new_with_free_func((GDestroyNotify) waiter_free);
    for (guint i = 0; i < waiters->len; i++) {
        DtdWaiter *w = g_ptr_array_index(waiters, i);
        DBusMessage *reply = answer_waiter(d, w);

        /* a caller that asked for no reply gets none (found by fuzz/fuzz-dbus.c) */
        if (dbus_message_get_no_reply(w->msg))
            dbus_message_unref(reply);
        else
            dtbus_send_message(d->conn, reply);
    }
    if (changed) {
        g_message("Host capabilities changed (%s)", d->host->fingerprint);
        dtbus_emit_signal(d->conn, DT_DBUS_PATH, DT_DBUS_MANAGER_IFACE,
                          DT_DBUS_SIGNAL_HOST_CHANGED, DBUS_TYPE_INVALID);
    }
    if (d->probe_again) {
        d->probe_again = FALSE;
        start_probe(d);
    }
}

/* Answers msg from the snapshot now, or once the probe it needs ends. */
static DBusMessage *
wait_for_host(DtdDaemon *d, DBusMessage *msg, DtdWaitKind kind, const DtPciAddr *addr)
{
    DtdWaiter *w = g_new0(DtdWaiter, 1);

    w->kind = kind;
    w->msg = dbus_message_ref(msg);
    if (addr)
        w->addr = *addr;
    if (d->host && kind != WAIT_REFRESH) {
        DBusMessage *reply = answer_waiter(d, w);

        waiter_free(w);
        return reply;
    }
    if (kind == WAIT_REFRESH && d->probing) {
        /* the running probe may have read the host before this request */
        g_ptr_array_add(d->queued_waiters, w);
        d->probe_again = TRUE;
        return NULL;
    }
    if (!d->probing && !start_probe(d)) {
        waiter_free(w);
        return dtd_error_reply_code(msg, DT_ERROR_BUSY, _("Cannot probe the host now"));
    }
    g_ptr_array_add(d->probe_waiters, w);
    return NULL;
}

void
dtd_host_flush_waiters(DtdDaemon *d)
{
    GPtrArray *lists[] = { d->probe_waiters, d->queued_waiters };

    for (guint l = 0; l < G_N_ELEMENTS(lists); l++) {
        for (guint i = 0; lists[l] && i < lists[l]->len; i++) {
            DtdWaiter *w = g_ptr_array_index(lists[l], i);

            if (dbus_message_get_no_reply(w->msg))
                continue;
            dtbus_send_message(d->conn, dtd_error_reply_code(w->msg, DT_ERROR_FAILED,
                                                             _("The service is stopping")));
        }
        if (lists[l])
            g_ptr_array_set_size(lists[l], 0);
    }
}

DBusMessage *
dtd_host_report_reply(DtdDaemon *d, DBusMessage *msg)
{
    return wait_for_host(d, msg, WAIT_HOST_REPORT, NULL);
}

DBusMessage *
dtd_host_refresh_reply(DtdDaemon *d, DBusMessage *msg)
{
    return wait_for_host(d, msg, WAIT_REFRESH, NULL);
}

DBusMessage *
dtd_host_device_reply(DtdDaemon *d, DBusMessage *msg, const DtPciAddr *addr)
{
    return wait_for_host(d, msg, WAIT_DEVICE_REPORT, addr);
}

void
dtd_host_init(DtdDaemon *d)
{
    d->probe_waiters = g_ptr_array_new_with_free_func((GDestroyNotify) waiter_free);
    d->queued_waiters = g_ptr_array_new_with_free_func((GDestroyNotify) waiter_free);
}
