/* dtd-manager.c: the org.dirtytrack1.Manager interface of dirtytrackd.
 *
 * Each method validates its arguments on the main thread (cheap checks:
 * sizes, names, option keys, PCI address syntax), then hands blocking
 * work (XML parsing, evaluation, host probing) to a bounded GThreadPool.
 * A worker only fills in its job; the job goes back to the main loop with
 * g_idle_add(), where the reply is built and sent, state is recorded and
 * signals are emitted.  libdbus objects and DtdDaemon are therefore only
 * ever touched on the main thread.
 *
 * The host report is cached: one probe at start, again on RefreshHost()
 * or a kernel uevent (dtd-uevent.c).  Callers that arrive while the first
 * probe runs wait for it instead of starting their own.
 *
 * Evaluations start from that snapshot instead of probing the host again
 * (dt_evaluate()'s host_func): the host-wide facts once the files behind
 * them are seen unchanged, and each device the domain references once its
 * links (bus entry, driver, IOMMU group) read as they did before the
 * snapshot's probe.  A device that differs is probed afresh, and the
 * snapshot refreshed.  This matters without uevents too: a fixture sysroot
 * gets none, and tests rebind its drivers under a running daemon.
 *
 * Work runs in two lanes, so that no caller can keep the hook waiting:
 * root's (uid 0 or the daemon's own: libvirt's hook, the host probe) and
 * everyone else's, with its own workers, queue bound and lower CPU
 * priority (nice 10, per thread: setpriority(2) on Linux sets a thread's
 * nice value).  In the user lane each caller has a bounded share: at most
 * DTD_USER_PER_UID_FACTOR jobs per worker in flight per uid, and
 * DTD_USER_PER_NAME_FACTOR per worker per connection; beyond it the call
 * gets Busy at once.  An unprivileged caller's answer goes into the
 * decision cache the first time, so an input it repeats is never worked
 * out again while it holds.
 *
 * Evaluate answers are kept in a bounded decision cache (dtd-cache.c),
 * keyed by the whole input (XML, role, versions) and served in the main
 * loop, without a worker, only while everything the answer was read from
 * is unchanged: the snapshot (no uevent since), the variant-driver
 * database, the files behind the host-wide facts, each device's links,
 * the QEMU binary when one was probed, and the absence of kernel (debugfs)
 * facts, which change as devices run.  The configuration is read once at
 * start.  Pre-flight evaluations, which open devices, are never cached.
 */
#include "config.h"

#include <inttypes.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <glib-unix.h>
#include <json-glib/json-glib.h>

#include "dbus/dt-dbus-api.h"
#include "eval/dt-eval.h"
#include "probe/dt-host.h"
#include "probe/dt-platform.h"
#include "probe/dt-qemu.h"
#include "probe/dt-paths.h"
#include "render/dt-report.h"
#include "render/dt-rewrite.h"
#include "model/dt-util.h"
#include "model/dt-xml.h"
#include "dbus/dtbus.h"
#include "daemon/dtd.h"

typedef enum {
    JOB_EVALUATE,
    JOB_FILTER,
    JOB_HOOK_EVENT,
    JOB_PROBE_HOST,
} DtdJobKind;

typedef struct {
    DtdDaemon *d;
    DtdJobKind kind;
    DBusMessage *msg;             /* ref'd; only used on the main thread */
    gboolean privileged;
    gboolean user_lane;           /* a caller other than root: the user lane */
    gboolean share_taken;         /* counted in d->user_by_uid/_by_name */
    guint32 uid;

    /* inputs (copies: the worker owns nothing shared but read-only config) */
    char *xml;
    gsize xml_len;
    DtRole role;
    char *qemu_version;
    char *libvirt_version;
    char *op, *subop, *name;
    gboolean evaluate;            /* HookEvent: the op carries XML worth evaluating */
    gboolean preflight;           /* the evaluation opens devices */
    DtdHostSnapshot *base;        /* ref'd: the snapshot the host is built from, or NULL */
    DtdVdbRef *vdb_ref;           /* ref'd, or NULL */
    DtVdb *vdb;                   /* the database to use (NULL: load one) */
    guint64 uevent_gen;           /* when the job was queued */
    guint64 vdb_gen;              /* vdb's generation (vdb_gen()) */
    gboolean admit;               /* Evaluate: the answer may go into the cache */

    /* outputs */
    DtEvaluation *eval;
    char *report_json;
    char *new_xml;
    gboolean changed;
    char *time;
    DtdHostSnapshot *snapshot;
    GError *error;
    gboolean used_base;           /* the host came from base, every device checked */
    gboolean base_stale;          /* base disagreed with the host: refresh it */
    GArray *dev_addrs;            /* DtPciAddr: the devices asked for, checked */
    GPtrArray *dev_sigs;          /* char*: their signatures when checked */
    DtdCacheEntry *entry;         /* the answer, when it may be cached */
} DtdJob;

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

/* The decision cache's bounds: a few hosts' worth of distinct domains;
 * an entry is the XML, the report and little else (~25 KiB for 8 VFs). */
#define DTD_CACHE_ENTRIES 64
#define DTD_CACHE_BYTES (4u * 1024 * 1024)

/* The user lane's shares, per worker of that lane (dtd-manager.c head). */
#define DTD_USER_PER_UID_FACTOR 2
#define DTD_USER_PER_NAME_FACTOR 1
#define DTD_USER_NICE 10
/* Busy for a caller over its share waits this long (busy_for_caller()) */
#define DTD_BUSY_DELAY_MS 1000
#define DTD_HELD_MAX 256
/* A user's answer waits while this much is still to be written (job_done()) */
#define DTD_USER_OUTGOING_MAX (256 * 1024)
#define DTD_USER_RETRY_MS 10

static const char *const hook_ops[] = {
    "prepare", "start", "started", "stopped", "release", "migrate", "restore", "reconnect",
    "attach", NULL,
};
static const char *const hook_subops[] = { "begin", "end", "-", NULL };

/* ---- small helpers ----------------------------------------------------------- */

static void
job_free(DtdJob *job)
{
    if (job->msg)
        dbus_message_unref(job->msg);
    g_free(job->xml);
    g_free(job->qemu_version);
    g_free(job->libvirt_version);
    g_free(job->op);
    g_free(job->subop);
    g_free(job->name);
    if (job->eval)
        dt_evaluation_free(job->eval);
    g_free(job->report_json);
    g_free(job->new_xml);
    g_free(job->time);
    if (job->snapshot)
        dtd_host_snapshot_free(job->snapshot);
    if (job->base)
        dtd_host_snapshot_free(job->base);
    if (job->vdb_ref)
        dtd_vdb_unref(job->vdb_ref);
    g_clear_error(&job->error);
    if (job->dev_addrs)
        g_array_unref(job->dev_addrs);
    if (job->dev_sigs)
        g_ptr_array_unref(job->dev_sigs);
    dtd_cache_entry_free(job->entry);
    g_free(job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DtdJob, job_free)

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
dtd_device_free(DtdDevice *dev)
{
    g_free(dev->sig);
    g_free(dev);
}

/* ---- the variant-driver database ------------------------------------------------ */

/* Where dt_vdb_load_default() looks, so that the daemon can watch the file
 * it loads: $DIRTYTRACK_DATADIR, else the source tree when uninstalled,
 * else $(pkgdatadir). */
static char *
vdb_default_path(void)
{
    const char *dir = g_getenv("DIRTYTRACK_DATADIR");
    g_autofree char *uninstalled = NULL;

    if (dir && *dir)
        return g_build_filename(dir, "variant-drivers.xml", NULL);
    uninstalled = g_build_filename(ABS_TOP_SRCDIR, "data", "variant-drivers.xml", NULL);
    if (g_file_test(uninstalled, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer(&uninstalled);
    return g_strdup(PKGDATADIR "/variant-drivers.xml");
}

static guint64
next_serial(void)
{
    static gsize serial;   /* atomic */

    return (guint64) g_atomic_pointer_add(&serial, 1) + 1;
}

static void
vdb_install(DtdDaemon *d, DtVdb *vdb)
{
    DtdVdbRef *r = g_new0(DtdVdbRef, 1);
    DtdVdbRef *old;

    r->ref = 1;
    r->vdb = vdb;
    r->gen = next_serial();
    g_mutex_lock(&d->vdb_lock);
    old = d->vdb_ref;
    d->vdb_ref = r;
    d->vdb = vdb;
    g_mutex_unlock(&d->vdb_lock);
    if (old)
        dtd_vdb_unref(old);
}

gboolean
dtd_vdb_load(DtdDaemon *d, GError **error)
{
    DtVdb *vdb;

    g_free(d->vdb_path);
    d->vdb_path = vdb_default_path();
    /* the identity first: a change while loading shows next time */
    dtd_file_id_free(d->vdb_id);
    d->vdb_id = dtd_file_id_new(d->vdb_path, DTD_ID_FILE);
    vdb = dt_vdb_load(d->vdb_path, error);
    if (!vdb)
        return FALSE;
    vdb_install(d, vdb);
    return TRUE;
}

void
dtd_vdb_clear(DtdDaemon *d)
{
    if (d->vdb_ref) {
        dtd_vdb_unref(d->vdb_ref);
        d->vdb_ref = NULL;
        d->vdb = NULL;
    }
    g_clear_pointer(&d->vdb_id, dtd_file_id_free);
    g_clear_pointer(&d->vdb_path, g_free);
}

DtVdb *
dtd_vdb_current(DtdDaemon *d)
{
    g_autoptr(GError) error = NULL;
    DtVdb *vdb;

    if (!d->vdb_id || dtd_file_id_unchanged(d->vdb_id))
        return d->vdb;
    dtd_file_id_free(d->vdb_id);
    d->vdb_id = dtd_file_id_new(d->vdb_path, DTD_ID_FILE);
    vdb = dt_vdb_load(d->vdb_path, &error);
    if (!vdb) {
        /* keep the one in force; the next change of the file is tried again */
        g_warning("Variant-driver database %s changed but cannot be read, keeping the "
                  "previous one: %s", d->vdb_path, error ? error->message : "");
        return d->vdb;
    }
    g_message("Variant-driver database %s changed: reloaded", d->vdb_path);
    vdb_install(d, vdb);
    return d->vdb;
}

/* Which database is in force: its load's number, 0 for one that is not
 * watched (set by whoever built the DtdDaemon) and so never changes. */
static guint64
vdb_gen(const DtdDaemon *d)
{
    return d->vdb_ref ? d->vdb_ref->gen : 0;
}

DtdVdbRef *
dtd_vdb_ref(DtdDaemon *d)
{
    DtdVdbRef *r;

    g_mutex_lock(&d->vdb_lock);
    r = d->vdb_ref;
    if (r)
        g_atomic_int_inc(&r->ref);
    g_mutex_unlock(&d->vdb_lock);
    return r;
}

void
dtd_vdb_unref(DtdVdbRef *r)
{
    if (!r || !g_atomic_int_dec_and_test(&r->ref))
        return;
    dt_vdb_free(r->vdb);
    g_free(r);
}

void
dtd_domain_state_free(DtdDomainState *s)
{
    g_free(s->name);
    g_free(s->last_op);
    g_free(s->last_subop);
    g_free(s->event_time);
    g_free(s->verdict);
    g_free(s->mode);
    g_free(s->fingerprint);
    g_free(s->eval_time);
    g_free(s->reasons_json);
    g_free(s->virt_event);
    g_free(s->virt_time);
    g_free(s);
}

static char *
builder_to_json(JsonBuilder *b)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = json_builder_get_root(b);

    json_generator_set_root(gen, root);
    return json_generator_to_data(gen, NULL);
}

static char *
reasons_to_json(const DtDecision *dec)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_array(b);
    for (guint i = 0; dec && dec->reasons && i < dec->reasons->len; i++) {
        const DtReason *r = g_ptr_array_index(dec->reasons, i);

        json_builder_begin_object(b);
        dt_json_add_string(b, "code", r->code);
        json_builder_set_member_name(b, "severity");
        json_builder_add_string_value(b, dt_severity_to_string(r->severity));
        dt_json_add_string(b, "device", r->device);
        dt_json_add_string(b, "message", r->message);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    return builder_to_json(b);
}

/* ---- argument validation ------------------------------------------------------- */

static gboolean
check_xml_arg(const char *xml, GError **error)
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

static gboolean
check_domain_name(const char *name, GError **error)
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

/* Reads the a{ss} options of Evaluate/Filter into the job.  Keys are
 * known, unique, values well-formed; "op" differs between the two. */
static gboolean
parse_options(DBusMessageIter *iter, DtdJob *job, gboolean filter, GError **error)
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
            if (!dt_role_from_string(value, &job->role)) {
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
                dt_set_str(&job->qemu_version, value);
            else
                dt_set_str(&job->libvirt_version, value);
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
            dt_set_str(&job->op, value);
        } else {
            g_autofree char *q = dtd_quote(key);

            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT, _("Unknown option '%s'"), q);
            return FALSE;
        }
    }
    return TRUE;
}

/* ---- the worker side ------------------------------------------------------------- */

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
                                          (GDestroyNotify) dtd_device_free);
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

static gboolean
snapshot_inputs_unchanged(const DtdHostSnapshot *snap)
{
    if (!snap->inputs || (snap->root_id && !dtd_file_id_unchanged(snap->root_id)))
        return FALSE;
    for (guint i = 0; i < snap->inputs->len; i++)
        if (!dtd_file_id_unchanged(g_ptr_array_index(snap->inputs, i)))
            return FALSE;
    return TRUE;
}

static void
probe_host(DtdJob *job)
{
    DtdDaemon *d = job->d;
    DtdHostSnapshot *snap = g_new0(DtdHostSnapshot, 1);
    g_autoptr(DtHost) host = NULL;
    g_autoptr(GPtrArray) inputs = NULL;
    g_autoptr(GHashTable) devices = NULL;
    g_autofree char *release = NULL;

    snap->ref = 1;
    snap->serial = next_serial();
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
    dt_host_probe_platform(host, snap->paths);
    if (d->vdb)
        snap->checks = dt_host_checks(host, d->vdb);
    if (!snap->checks)
        snap->checks = g_ptr_array_new_with_free_func((GDestroyNotify) dt_check_free);
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

/* dt_evaluate()'s host_func: the snapshot's host-wide facts and, for each
 * address, the snapshot's device if its links read as they did before the
 * snapshot's probe, else a fresh probe of it.  Records each device's
 * signature as read here (before any fresh probe), for the decision cache.
 * NULL (dt_evaluate() probes everything) when the snapshot's own inputs
 * changed. */
static DtHost *
job_host(const DtPciAddr *addrs, guint n_addrs, gpointer data)
{
    DtdJob *job = data;
    DtdHostSnapshot *snap = job->base;
    g_autoptr(GArray) fresh = NULL;
    DtHost *host;

    if (!snap || !snap->host || !snap->devices || !snapshot_inputs_unchanged(snap)) {
        job->base_stale = snap != NULL;
        return NULL;
    }
    host = dt_host_copy_base(snap->host);
    job->dev_addrs = g_array_sized_new(FALSE, FALSE, sizeof(DtPciAddr), n_addrs);
    job->dev_sigs = g_ptr_array_new_full(n_addrs, g_free);
    for (guint i = 0; i < n_addrs; i++) {
        gint64 key = (gint64) dtd_pci_addr_pack(&addrs[i]);
        const DtdDevice *dev = g_hash_table_lookup(snap->devices, &key);
        char *sig;
        gboolean seen = FALSE;

        for (guint j = 0; j < job->dev_addrs->len && !seen; j++)
            seen = dt_pci_addr_equal(&g_array_index(job->dev_addrs, DtPciAddr, j), &addrs[i]);
        if (seen)
            continue;
        sig = dtd_device_sig(snap->paths, snap->root_fd, &addrs[i]);
        g_array_append_val(job->dev_addrs, addrs[i]);
        g_ptr_array_add(job->dev_sigs, sig);
        if (dev && g_str_equal(dev->sig, sig)) {
            /* as the snapshot read it, present or not */
            if (dev->dev)
                g_ptr_array_add(host->devices, dt_pcidev_copy(dev->dev));
        } else if (dev || sig[0] != '!') {
            /* changed since, or new: read it now (after its signature) */
            if (!fresh)
                fresh = g_array_new(FALSE, FALSE, sizeof(DtPciAddr));
            g_array_append_val(fresh, addrs[i]);
            job->base_stale = TRUE;
        }
        /* else: absent then and now */
    }
    if (fresh)
        /* in_use is left unread: only pre-flight uses it, and pre-flight
         * never starts from the snapshot */
        dt_host_probe_devices(host, snap->paths, (const DtPciAddr *) (void *) fresh->data,
                              fresh->len, DT_HOST_PROBE_SKIP_IN_USE);
    job->used_base = TRUE;
    return host;
}

static gboolean
kernel_fact(DtSource src)
{
    return src == DT_SOURCE_DEBUGFS || src == DT_SOURCE_IOCTL;
}

/* Fills job->entry when the answer may be served again: an Evaluate whose
 * host came from the snapshot, with a known database, QEMU facts that
 * only change with a file we can watch, and no kernel (debugfs) facts. */
static void
make_cache_entry(DtdJob *job)
{
    const DtEvaluation *e = job->eval;
    g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func((GDestroyNotify) dtd_file_id_free);
    g_autofree char *vfio_dbg = NULL;
    gboolean vfio_dbg_absent;
    DtdCacheEntry *entry;

    if (job->kind != JOB_EVALUATE || !job->admit || job->preflight || !job->used_base ||
        job->base_stale || !job->vdb)
        return;
    /* an answer that would fill a large part of the cache would not stay
     * in it, and checking it again (each device's links, on the main loop)
     * would cost more than it saves */
    if (job->xml_len + strlen(job->report_json) > DTD_CACHE_BYTES / 8)
        return;
    if (e->qemu->source == DT_SOURCE_BINARY && e->qemu->binary)
        /* the trusted binary probed (its path without links): its identity */
        g_ptr_array_add(ids, dtd_file_id_new(e->qemu->binary, DTD_ID_FILE));
    else if (e->qemu->source != DT_SOURCE_CONFIG && !e->qemu_untrusted)
        /* none found for the arch, or one that would not answer: that may
         * change without a file we watch */
        return;
    vfio_dbg = dt_paths_get(job->base->paths, "/sys/kernel/debug/vfio");
    /* dt_evaluate() reads vfio debugfs where it exists (6.18+): without
     * the directory none can, else each VFIO device's must stay absent */
    vfio_dbg_absent = !g_file_test(vfio_dbg, G_FILE_TEST_IS_DIR);
    if (vfio_dbg_absent)
        g_ptr_array_add(ids, dtd_file_id_new(vfio_dbg, DTD_ID_NO_DIR));
    for (guint i = 0; i < e->host->devices->len; i++) {
        const DtPciDev *p = g_ptr_array_index(e->host->devices, i);
        g_autofree char *addr = NULL;
        g_autofree char *dbg = NULL;

        if (kernel_fact(p->migration.source) || kernel_fact(p->dma_logging.source) ||
            kernel_fact(p->iommu_dirty.source))
            return;
        if (vfio_dbg_absent || !dt_driver_is_vfio(p->driver))
            continue;
        addr = dt_pci_addr_to_string(&p->addr);
        dbg = dt_paths_printf(job->base->paths, "/sys/kernel/debug/vfio/%s/migration", addr);
        g_ptr_array_add(ids, dtd_file_id_new(dbg, DTD_ID_NO_DIR));
    }

    entry = g_new0(DtdCacheEntry, 1);
    entry->key.role = job->role;
    entry->key.qemu_version = g_strdup(job->qemu_version);
    entry->key.libvirt_version = g_strdup(job->libvirt_version);
    entry->key.xml = g_strndup(job->xml, job->xml_len);
    entry->key.xml_len = job->xml_len;
    entry->key.hash = dtd_cache_key_hash(&entry->key);
    entry->report_bytes = strlen(job->report_json);
    entry->domain_name = g_strdup(e->domain->name);
    entry->snapshot_serial = job->base->serial;
    entry->uevent_gen = job->uevent_gen;
    entry->vdb_gen = job->vdb_gen;
    entry->dev_addrs = g_array_ref(job->dev_addrs);
    entry->dev_sigs = g_ptr_array_ref(job->dev_sigs);
    entry->ids = g_steal_pointer(&ids);
    job->entry = entry;
}

static void
evaluate(DtdJob *job)
{
    DtdDaemon *d = job->d;
    DtEvalOptions opts = {
        .sysroot = d->sysroot,
        .role = job->role,
        .qemu_version = job->qemu_version,
        .libvirt_version = job->libvirt_version,
        .config = d->config,
        .vdb = job->vdb,
        /* never from a bus request: probing idle devices resets them */
        .probe_ioctl = FALSE,
        .preflight = job->preflight,
        /* pre-flight opens devices: it reads their state afresh */
        .host_func = job->preflight ? NULL : job_host,
        .host_data = job,
        /* never what the caller's <emulator> names (dt-qemu-registry.h) */
        .qemu_registry = d->qemu,
    };

    job->time = dt_timestamp_now();
    job->eval = dt_evaluate(job->xml, job->xml_len, &opts, &job->error);
    if (!job->eval) {
        if (!job->error)
            g_set_error(&job->error, DT_ERROR, DT_ERROR_FAILED, _("Evaluation failed"));
        return;
    }
    if (job->name && g_strcmp0(job->eval->domain->name, job->name) != 0) {
        g_autofree char *q = dtd_quote(job->eval->domain->name);
        g_autofree char *qn = dtd_quote(job->name);

        g_set_error(&job->error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("Domain XML describes '%s', not '%s'"), q, qn);
        return;
    }
    if (job->kind == JOB_HOOK_EVENT)
        /* recorded, not answered: no report to render */
        return;
    job->report_json = dt_report_decision_json(job->eval->decision, job->eval->domain);
    if (!job->report_json) {
        g_set_error(&job->error, DT_ERROR, DT_ERROR_FAILED, _("Rendering the report failed"));
        return;
    }
    make_cache_entry(job);
    if (job->kind == JOB_FILTER) {
        g_autofree char *out = dt_rewrite_domain_xml(job->xml, job->xml_len, job->eval->decision,
                                                     d->hostname, job->time, &job->changed,
                                                     &job->error);

        if (!out) {
            if (!job->error)
                g_set_error(&job->error, DT_ERROR, DT_ERROR_FAILED,
                            _("Rewriting the domain XML failed"));
            return;
        }
        job->new_xml = job->changed ? g_steal_pointer(&out) : g_strdup("");
    }
}

static gboolean job_done(gpointer user_data);
static gboolean job_answer(DtdJob *pending);
static gboolean watch_entry(DtdDaemon *d, DtdCacheEntry *e);

void
dtd_worker_entry(gpointer data, gpointer pool_data)
{
    DtdJob *job = data;

    switch (job->kind) {
    case JOB_PROBE_HOST:
        probe_host(job);
        break;
    case JOB_EVALUATE:
    case JOB_FILTER:
        evaluate(job);
        break;
    case JOB_HOOK_EVENT:
        if (job->evaluate)
            evaluate(job);
        else
            job->time = dt_timestamp_now();
        break;
    }
    /* an idle source runs only when nothing else is ready: under a flood
     * of bus traffic root's answers would wait for it to end, so they come
     * back at the bus's own priority, and everyone else's after it */
    g_idle_add_full(job->user_lane ? G_PRIORITY_DEFAULT_IDLE : G_PRIORITY_DEFAULT, job_done, job,
                    NULL);
}

void
dtd_user_worker_entry(gpointer data, gpointer pool_data)
{
    static __thread gboolean niced;

    if (!niced) {
        /* this thread only (the pool is exclusive: its threads serve no
         * other pool); a failure leaves it at the normal priority */
        if (setpriority(PRIO_PROCESS, (id_t) gettid(), DTD_USER_NICE) < 0)
            g_debug("cannot lower a worker's priority: %s", g_strerror(errno));
        niced = TRUE;
    }
    dtd_worker_entry(data, pool_data);
}

/* ---- the user lane's shares ----------------------------------------------------- */

static guint
count_of(GHashTable *t, gconstpointer key)
{
    return GPOINTER_TO_UINT(g_hash_table_lookup(t, key));
}

static void
count_add(GHashTable *t, gpointer key, gint delta, gboolean dup_key)
{
    guint n = count_of(t, key) + (guint) delta;

    if (n == 0)
        g_hash_table_remove(t, key);
    else
        g_hash_table_replace(t, dup_key ? g_strdup(key) : key, GUINT_TO_POINTER(n));
}

/* Whether the job's caller has used up its share of the user lane. */
static gboolean
share_used_up(DtdDaemon *d, const DtdJob *job)
{
    const char *sender = dbus_message_get_sender(job->msg);
    guint workers = MAX(d->user_threads, 1);

    return job->user_lane &&
           (count_of(d->user_by_uid, GUINT_TO_POINTER(job->uid + 1)) >=
                workers * DTD_USER_PER_UID_FACTOR ||
            (sender && count_of(d->user_by_name, sender) >= workers * DTD_USER_PER_NAME_FACTOR));
}

typedef struct {
    DtdDaemon *d;
    DBusMessage *reply;
} DtdHeldReply;

static gboolean
send_held(gpointer data)
{
    DtdHeldReply *h = data;

    h->d->held_replies--;
    dtbus_send_message(h->d->conn, h->reply);
    g_free(h);
    return G_SOURCE_REMOVE;
}

/* Busy for a caller over its share.  Sent after a pause: a caller that
 * asks again the moment it is told Busy (a flood does) would otherwise
 * turn the daemon's loop and the bus into its own busy loop, and take the
 * CPU the hook needs.  At most DTD_HELD_MAX replies wait; beyond that they
 * go at once (the bus bounds how many calls one connection has pending). */
static DBusMessage *
busy_for_caller(DtdDaemon *d, DBusMessage *msg, gboolean may_hold)
{
    DBusMessage *reply = dtd_error_reply_code(msg, DT_ERROR_BUSY,
                                              _("Too many requests from this caller in "
                                                "progress, try again"));
    DtdHeldReply *h;

    if (!may_hold || dbus_message_get_no_reply(msg) || !d->conn ||
        d->held_replies >= DTD_HELD_MAX)
        return reply;
    h = g_new0(DtdHeldReply, 1);
    h->d = d;
    h->reply = reply;
    d->held_replies++;
    g_timeout_add(DTD_BUSY_DELAY_MS, send_held, h);
    return NULL;
}

/* Counts the job against its caller's share; FALSE when that is used up. */
static gboolean
share_take(DtdDaemon *d, DtdJob *job)
{
    const char *sender = dbus_message_get_sender(job->msg);
    gpointer uid = GUINT_TO_POINTER(job->uid + 1);   /* never NULL */

    if (share_used_up(d, job))
        return FALSE;
    count_add(d->user_by_uid, uid, 1, FALSE);
    if (sender)
        count_add(d->user_by_name, (gpointer) sender, 1, TRUE);
    job->share_taken = TRUE;
    return TRUE;
}

static void
share_release(DtdDaemon *d, DtdJob *job)
{
    const char *sender;

    if (!job->share_taken)
        return;
    sender = dbus_message_get_sender(job->msg);
    job->share_taken = FALSE;
    count_add(d->user_by_uid, GUINT_TO_POINTER(job->uid + 1), -1, FALSE);
    if (sender)
        count_add(d->user_by_name, (gpointer) sender, -1, TRUE);
}

/* The hook's migrate filter dry-runs the tracking when the host's
 * configuration opts in.  Only for root (libvirt's hook): the dry run
 * opens idle devices, which resets them, and no other caller may make
 * the daemon touch a device. */
static gboolean
wants_preflight(const DtdDaemon *d, const DtdJob *job)
{
    return !job->user_lane && d->config && d->config->hook_preflight && job->op &&
           g_str_equal(job->op, "migrate") && job->role == DT_ROLE_DESTINATION;
}

/* Queues a request's job; on a full queue answers Busy and frees it. */
static DBusMessage *
submit(DtdDaemon *d, DtdJob *job)
{
    g_autoptr(GError) error = NULL;
    /* a daemon built with one pool (fuzz/fuzz-dbus.c) runs both lanes in it */
    GThreadPool *pool = job->user_lane && d->user_pool ? d->user_pool : d->pool;
    guint max_queue = job->user_lane ? d->user_max_queue : d->max_queue;

    if (!pool || g_thread_pool_unprocessed(pool) >= max_queue) {
        DBusMessage *reply = dtd_error_reply_code(job->msg, DT_ERROR_BUSY,
                                                  _("Too many requests in progress, try again"));
        job_free(job);
        return reply;
    }
    if (job->user_lane && !share_take(d, job)) {
        /* a HookEvent's caller is answered now: its end is accounted for
         * when submit() returns a reply */
        DBusMessage *reply = busy_for_caller(d, job->msg, job->kind != JOB_HOOK_EVENT);

        job_free(job);
        return reply;
    }
    if (job->xml) {
        /* what the evaluation starts from, as of now */
        job->preflight = wants_preflight(d, job);
        if (d->host && !d->host->error && d->host->host && d->host->uevent_gen == d->uevent_gen)
            job->base = dtd_host_snapshot_ref(d->host);
        job->vdb = dtd_vdb_current(d);
        job->vdb_ref = dtd_vdb_ref(d);
        if (job->vdb_ref)
            job->vdb = job->vdb_ref->vdb;
        job->vdb_gen = vdb_gen(d);
        job->uevent_gen = d->uevent_gen;
    }
    if (!g_thread_pool_push(pool, job, &error)) {
        DBusMessage *reply = dtd_error_reply_code(job->msg, DT_ERROR_FAILED, "%s",
                                                  error->message);
        g_warning("Cannot queue work: %s", error->message);
        share_release(d, job);
        job_free(job);
        return reply;
    }
    return NULL;
}

/* ---- the main-thread side -------------------------------------------------------- */

static DtdDomainState *
domain_state(DtdDaemon *d, const char *name, gboolean create)
{
    DtdDomainState *s = g_hash_table_lookup(d->domains, name);

    if (!s && create) {
        s = g_new0(DtdDomainState, 1);
        s->name = g_strdup(name);
        g_hash_table_insert(d->domains, s->name, s);
    }
    return s;
}

static void
record_result(DtdDomainState *s, DtRole role, const char *verdict, const char *mode,
              const char *fingerprint, const char *time, const char *reasons_json)
{
    s->evaluated = TRUE;
    s->role = role;
    dt_set_str(&s->verdict, verdict);
    dt_set_str(&s->mode, mode);
    dt_set_str(&s->fingerprint, fingerprint);
    dt_set_str(&s->eval_time, time);
    dt_set_str(&s->reasons_json, reasons_json);
}

static void
record_evaluation(DtdDomainState *s, DtdJob *job)
{
    const DtDecision *dec = job->eval->decision;
    g_autofree char *reasons = reasons_to_json(dec);

    record_result(s, job->role, dt_verdict_to_string(dec->verdict), dt_mode_to_string(dec->mode),
                  dec->fingerprint, job->time, reasons);
}

static void
emit_gated(DtdDaemon *d, const DtdDomainState *s)
{
    const char *verdict = s->verdict;
    const char *reasons = s->reasons_json;

    dtbus_emit_signal(d->conn, DT_DBUS_PATH, DT_DBUS_MANAGER_IFACE,
                      DT_DBUS_SIGNAL_MIGRATION_GATED, DBUS_TYPE_STRING, &s->name,
                      DBUS_TYPE_STRING, &verdict, DBUS_TYPE_STRING, &reasons,
                      DBUS_TYPE_INVALID);
}

static void
apply_hook_event(DtdDaemon *d, DtdJob *job)
{
    DtdDomainState *s;

    if (g_str_equal(job->op, "release")) {
        /* libvirt is done with the domain: nothing left to report */
        g_hash_table_remove(d->domains, job->name);
        return;
    }
    s = domain_state(d, job->name, TRUE);
    dt_set_str(&s->last_op, job->op);
    dt_set_str(&s->last_subop, job->subop);
    dt_set_str(&s->event_time, job->time);
    if (g_str_equal(job->op, "started") || g_str_equal(job->op, "reconnect") ||
        g_str_equal(job->op, "attach"))
        s->running = TRUE;
    else if (g_str_equal(job->op, "stopped"))
        s->running = FALSE;
    if (g_str_equal(job->op, "migrate"))
        s->migrating = TRUE;
    else if (g_str_equal(job->op, "stopped") || g_str_equal(job->op, "restore"))
        s->migrating = FALSE;
    if (job->eval)
        record_evaluation(s, job);
    if (g_str_equal(job->op, "migrate") && job->eval)
        emit_gated(d, s);
}

void
dtd_domain_lifecycle(DtdDaemon *d, const char *name, const char *event, int detail,
                     gboolean running, gboolean migrated)
{
    DtdDomainState *s;

    if (!check_domain_name(name, NULL))
        return;
    s = domain_state(d, name, TRUE);
    s->running = running;
    if (migrated)
        /* started/suspended by a migration: it is under way (incoming QEMU
         * up, or the source paused for switchover); resumed/stopped: over */
        s->migrating = g_str_equal(event, "started") || g_str_equal(event, "suspended");
    else if (!running)
        s->migrating = FALSE;
    dt_set_str(&s->virt_event, event);
    s->virt_detail = detail;
    g_free(s->virt_time);
    s->virt_time = dt_timestamp_now();
}

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
    json_builder_set_member_name(b, "vfio_bound");
    json_builder_add_boolean_value(b, dt_driver_is_vfio(p->driver));
    json_builder_set_member_name(b, "vfio_candidate");
    json_builder_add_boolean_value(b, dt_pcidev_is_vfio_candidate(p));
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
    json_builder_set_member_name(b, "host_fingerprint");
    json_builder_add_string_value(b, snap->fingerprint);
    json_builder_end_object(b);

    json = builder_to_json(b);
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

static gboolean
start_probe(DtdDaemon *d)
{
    DtdJob *job = g_new0(DtdJob, 1);

    g_autoptr(GError) error = NULL;

    job->d = d;
    job->kind = JOB_PROBE_HOST;
    job->uevent_gen = d->uevent_gen;
    if (!d->pool) {
        job_free(job);
        return FALSE;
    }
    if (!g_thread_pool_push(d->pool, job, &error)) {
        g_warning("Cannot start a host probe: %s", error->message);
        job_free(job);
        return FALSE;
    }
    d->probing = TRUE;
    return TRUE;
}

void
dtd_manager_refresh_host(DtdDaemon *d)
{
    if (d->probing)
        d->probe_again = TRUE;
    else
        start_probe(d);
}

static void
probe_done(DtdDaemon *d, DtdJob *job)
{
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

static gboolean
job_done(gpointer user_data)
{
    DtdJob *pending = user_data;

    /* Everything goes out on one bus connection, in order: a user's answer
     * of megabytes ahead of root's would hold root's back for as long as
     * the bus takes to carry it.  So a user's answer waits while the
     * connection still has more than DTD_USER_OUTGOING_MAX to write, and
     * root's answers never wait behind more than one of them. */
    if (pending->user_lane && pending->d->conn &&
        dbus_connection_get_outgoing_size(pending->d->conn) > DTD_USER_OUTGOING_MAX) {
        g_timeout_add(DTD_USER_RETRY_MS, job_done, pending);
        return G_SOURCE_REMOVE;
    }
    return job_answer(pending);
}

static gboolean
job_answer(DtdJob *pending)
{
    g_autoptr(DtdJob) job = pending;
    DtdDaemon *d = job->d;
    DBusMessage *reply = NULL;

    share_release(d, job);
    if (job->kind == JOB_PROBE_HOST) {
        probe_done(d, job);
        return G_SOURCE_REMOVE;
    }
    if (job->base_stale && job->base && d->host == job->base && !d->probing)
        /* a device (or a host file) changed without a uevent telling us */
        dtd_manager_refresh_host(d);
    if (job->error) {
        reply = dtd_error_reply(job->msg, job->error);
    } else if (job->kind == JOB_EVALUATE) {
        const char *verdict = dt_verdict_to_string(job->eval->decision->verdict);
        const char *mode = dt_mode_to_string(job->eval->decision->mode);
        DtdDomainState *s = job->privileged && job->eval->domain->name
                                ? domain_state(d, job->eval->domain->name, FALSE)
                                : NULL;

        /* Only a privileged caller updates what we know of a domain, and
         * only of one we already track: anyone may ask "what if". */
        if (s)
            record_evaluation(s, job);
        reply = dbus_message_new_method_return(job->msg);
        dbus_message_append_args(reply, DBUS_TYPE_STRING, &verdict, DBUS_TYPE_STRING, &mode,
                                 DBUS_TYPE_STRING, &job->report_json, DBUS_TYPE_INVALID);
        /* keep it if nothing it was read from has moved since */
        if (job->entry && d->cache && d->host == job->base &&
            job->uevent_gen == d->uevent_gen && job->vdb_gen == vdb_gen(d)) {
            DtdCacheEntry *entry = g_steal_pointer(&job->entry);

            entry->reply = dbus_message_copy(reply);
            entry->decision = g_steal_pointer(&job->eval->decision);
            if (d->host->root_fd < 0 || watch_entry(d, entry))
                dtd_cache_insert(d->cache, entry);
            else
                dtd_cache_entry_free(entry);
        }
    } else if (job->kind == JOB_FILTER) {
        const char *verdict = dt_verdict_to_string(job->eval->decision->verdict);
        const char *name = job->eval->domain->name;

        if (job->privileged && name && check_domain_name(name, NULL)) {
            gboolean incoming = job->op && g_str_equal(job->op, "migrate");
            DtdDomainState *s = domain_state(d, name, incoming);

            if (s) {
                record_evaluation(s, job);
                if (incoming) {
                    s->migrating = TRUE;
                    emit_gated(d, s);
                }
            }
        }
        reply = dbus_message_new_method_return(job->msg);
        dbus_message_append_args(reply, DBUS_TYPE_STRING, &verdict, DBUS_TYPE_STRING,
                                 &job->report_json, DBUS_TYPE_STRING, &job->new_xml,
                                 DBUS_TYPE_INVALID);
    } else {
        apply_hook_event(d, job);
        reply = dbus_message_new_method_return(job->msg);
    }
    if (dbus_message_get_no_reply(job->msg))
        dbus_message_unref(reply);
    else
        dtbus_send_message(d->conn, reply);
    if (job->kind == JOB_HOOK_EVENT)
        dtd_tune_hook_end(d, job->name);
    return G_SOURCE_REMOVE;
}

/* ---- method handlers -------------------------------------------------------------- */

static DtdJob *
job_new(DtdDaemon *d, DtdJobKind kind, DBusMessage *msg, const DtbusCaller *caller)
{
    DtdJob *job = g_new0(DtdJob, 1);

    job->d = d;
    job->kind = kind;
    job->msg = dbus_message_ref(msg);
    job->privileged = caller->privileged;
    /* root's lane only for root (libvirt's hook) and ourselves; the group
     * may change state, but shares the lane of everyone else */
    job->uid = caller->uid;
    job->user_lane = !caller->known || (caller->uid != 0 && caller->uid != d->self_uid);
    return job;
}

/* Everything a cached answer was read from, read again (a few dozen
 * stat/readlink calls). */
static gboolean
entry_checked(DtdDaemon *d, const DtdCacheEntry *e)
{
    DtdHostSnapshot *snap = d->host;

    if (!snapshot_inputs_unchanged(snap))
        return FALSE;
    for (guint i = 0; i < e->ids->len; i++)
        if (!dtd_file_id_unchanged(g_ptr_array_index(e->ids, i)))
            return FALSE;
    for (guint i = 0; i < e->dev_addrs->len; i++) {
        g_autofree char *sig = dtd_device_sig(snap->paths, snap->root_fd,
                                              &g_array_index(e->dev_addrs, DtPciAddr, i));

        if (!g_str_equal(sig, g_ptr_array_index(e->dev_sigs, i)))
            return FALSE;
    }
    return TRUE;
}

static gboolean
watch_ready(gint fd, GIOCondition cond, gpointer user_data)
{
    DtdDaemon *d = user_data;

    /* keep the queue short; the generation is what answers read */
    dtd_watch_poll(d->watch);
    return G_SOURCE_CONTINUE;
}

/* On a sysroot, watches every directory behind a cached answer, then
 * checks it in full: from then on, while the watch's generation stays,
 * it holds without a check.  Returns whether it holds. */
static gboolean
watch_entry(DtdDaemon *d, DtdCacheEntry *e)
{
    DtdHostSnapshot *snap = d->host;
    const char *root = snap->paths->root;
    gboolean ok = TRUE;
    guint64 gen;

    e->watched = FALSE;
    if (!d->watch) {
        d->watch = dtd_watch_new();
        if (!d->watch)
            return entry_checked(d, e);
        d->watch_source = g_unix_fd_add(dtd_watch_fd(d->watch), G_IO_IN, watch_ready, d);
    }
    for (guint i = 0; ok && snap->inputs && i < snap->inputs->len; i++) {
        g_autofree char *p = dtd_file_id_abspath(g_ptr_array_index(snap->inputs, i), root);

        ok = dtd_watch_path(d->watch, root, p);
    }
    for (guint i = 0; ok && i < e->ids->len; i++) {
        g_autofree char *p = dtd_file_id_abspath(g_ptr_array_index(e->ids, i), root);

        ok = dtd_watch_path(d->watch, root, p);
    }
    for (guint i = 0; ok && i < e->dev_addrs->len; i++) {
        g_autofree char *bdf = dt_pci_addr_to_string(&g_array_index(e->dev_addrs, DtPciAddr, i));
        g_autofree char *drv = g_strdup_printf("%s/sys/bus/pci/devices/%s/driver", root, bdf);
        g_autofree char *grp = g_strdup_printf("%s/sys/bus/pci/devices/%s/iommu_group", root, bdf);

        ok = dtd_watch_path(d->watch, root, drv) && dtd_watch_path(d->watch, root, grp);
    }
    /* the generation before the check: a change during it moves it on */
    gen = dtd_watch_poll(d->watch);
    if (!entry_checked(d, e))
        return FALSE;
    if (ok) {
        e->watched = TRUE;
        e->watch_gen = gen;
    }
    return TRUE;
}

/* Whether a cached answer still holds.  The cheap parts always: the same
 * snapshot, no uevent since (read what the kernel queued first), the same
 * database, the same root directory.  Then, on a sysroot, no inotify event
 * since the answer was last checked in full (else watch and check it
 * again); on the real root, the full check. */
static gboolean
entry_valid(DtdDaemon *d, DtdCacheEntry *e)
{
    DtdHostSnapshot *snap = d->host;

    dtd_uevent_poll(d->uevent);
    if (!snap || snap->error || snap->serial != e->snapshot_serial ||
        e->uevent_gen != d->uevent_gen)
        return FALSE;
    if (!dtd_vdb_current(d) || vdb_gen(d) != e->vdb_gen)
        return FALSE;
    if (snap->root_id && !dtd_file_id_unchanged(snap->root_id))
        return FALSE;
    if (e->watched && d->watch && dtd_watch_poll(d->watch) == e->watch_gen)
        return TRUE;
    if (snap->root_fd >= 0)
        return watch_entry(d, e);
    return entry_checked(d, e);
}

/* An Evaluate answered from the decision cache, in the main loop, or NULL. */
static DBusMessage *
answer_from_cache(DtdDaemon *d, DBusMessage *msg, const DtbusCaller *caller, DtdJob *job,
                  const char *xml)
{
    DtdCacheKey key = {
        .role = job->role,
        .qemu_version = job->qemu_version,
        .libvirt_version = job->libvirt_version,
        .xml = xml,
        .xml_len = job->xml_len,
    };
    DtdCacheEntry *e;
    DBusMessage *reply;

    if (!d->cache || wants_preflight(d, job))
        return NULL;
    key.hash = dtd_cache_key_hash(&key);
    /* root's one-off questions (an evacuation) are kept once seen twice;
     * anyone else's at once, so no input of theirs is worked out twice */
    job->admit = dtd_cache_admit(d->cache, key.hash) || job->user_lane;
    e = dtd_cache_lookup(d->cache, &key);
    if (!e)
        return NULL;
    if (!entry_valid(d, e)) {
        dtd_cache_remove(d->cache, e);
        return NULL;
    }
    if (caller->privileged && e->domain_name) {
        /* as job_done() records an evaluation */
        DtdDomainState *s = domain_state(d, e->domain_name, FALSE);

        if (s) {
            g_autofree char *now = dt_timestamp_now();

            if (!e->reasons_json)
                e->reasons_json = reasons_to_json(e->decision);
            record_result(s, job->role, dt_verdict_to_string(e->decision->verdict),
                          dt_mode_to_string(e->decision->mode), e->decision->fingerprint, now,
                          e->reasons_json);
        }
    }
    /* the same answer, addressed to this call; the body (the report) is
     * copied as it is, not marshalled and validated again */
    reply = dbus_message_copy(e->reply);
    if (!reply || !dbus_message_set_reply_serial(reply, dbus_message_get_serial(msg)) ||
        !dbus_message_set_destination(reply, dbus_message_get_sender(msg))) {
        if (reply)
            dbus_message_unref(reply);
        return NULL;
    }
    return reply;
}

static DBusMessage *
evaluate_common(DtdDaemon *d, DBusMessage *msg, const DtbusCaller *caller, DtdJobKind kind)
{
    g_autoptr(DtdJob) job = job_new(d, kind, msg, caller);
    g_autoptr(GError) error = NULL;
    DBusMessageIter iter;
    const char *xml;

    /* a caller over its share is told so before its XML is even read */
    if (share_used_up(d, job))
        return busy_for_caller(d, msg, TRUE);
    dbus_message_iter_init(msg, &iter);
    dbus_message_iter_get_basic(&iter, &xml);
    dbus_message_iter_next(&iter);
    job->role = kind == JOB_FILTER ? DT_ROLE_DESTINATION : DT_ROLE_SOURCE;
    if (!check_xml_arg(xml, &error) || !parse_options(&iter, job, kind == JOB_FILTER, &error))
        return dtd_error_reply(msg, error);
    if (kind == JOB_FILTER && !job->op)
        job->op = g_strdup("migrate");
    job->xml_len = strlen(xml);
    if (kind == JOB_EVALUATE) {
        DBusMessage *reply = answer_from_cache(d, msg, caller, job, xml);

        if (reply)
            return reply;
    }
    job->xml = g_strndup(xml, job->xml_len);
    return submit(d, g_steal_pointer(&job));
}

static DBusMessage *
method_evaluate(DBusConnection *conn, DBusMessage *msg, const DtbusCaller *caller, gpointer data)
{
    return evaluate_common(data, msg, caller, JOB_EVALUATE);
}

static DBusMessage *
method_filter(DBusConnection *conn, DBusMessage *msg, const DtbusCaller *caller, gpointer data)
{
    return evaluate_common(data, msg, caller, JOB_FILTER);
}

static DBusMessage *
method_hook_event(DBusConnection *conn, DBusMessage *msg, const DtbusCaller *caller,
                  gpointer data)
{
    DtdDaemon *d = data;
    g_autoptr(DtdJob) job = job_new(d, JOB_HOOK_EVENT, msg, caller);
    g_autoptr(GError) error = NULL;
    const char *name, *op, *subop, *xml;
    DBusMessage *reply;

    dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING, &op,
                          DBUS_TYPE_STRING, &subop, DBUS_TYPE_STRING, &xml, DBUS_TYPE_INVALID);
    if (!check_domain_name(name, &error))
        return dtd_error_reply(msg, error);
    if (!in_list(op, hook_ops)) {
        g_autofree char *q = dtd_quote(op);

        return dtd_error_reply_code(msg, DT_ERROR_INVALID_INPUT, _("Unknown hook operation '%s'"),
                                    q);
    }
    if (!in_list(subop, hook_subops)) {
        g_autofree char *q = dtd_quote(subop);

        return dtd_error_reply_code(msg, DT_ERROR_INVALID_INPUT,
                                    _("Unknown hook sub-operation '%s'"), q);
    }
    job->name = g_strdup(name);
    job->op = g_strdup(op);
    job->subop = g_strdup(subop);
    /* stopped/release describe a domain that is going away: nothing to evaluate */
    job->evaluate = xml[0] != '\0' && !g_str_equal(op, "stopped") && !g_str_equal(op, "release");
    if (job->evaluate) {
        if (!check_xml_arg(xml, &error))
            return dtd_error_reply(msg, error);
        job->role = g_str_equal(op, "migrate") || g_str_equal(op, "restore") ? DT_ROLE_DESTINATION
                                                                               : DT_ROLE_SOURCE;
        job->xml_len = strlen(xml);
        job->xml = g_strndup(xml, job->xml_len);
    }
    /* until the reply is sent, libvirt holds the domain for its hook: no
     * libvirt call for it may start (dtd-tune.c) */
    dtd_tune_hook_begin(d, name);
    reply = submit(d, g_steal_pointer(&job));
    if (reply)
        dtd_tune_hook_end(d, name);
    return reply;
}

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

static DBusMessage *
method_get_host_report(DBusConnection *conn, DBusMessage *msg, const DtbusCaller *caller,
                       gpointer data)
{
    return wait_for_host(data, msg, WAIT_HOST_REPORT, NULL);
}

static DBusMessage *
method_refresh_host(DBusConnection *conn, DBusMessage *msg, const DtbusCaller *caller,
                    gpointer data)
{
    return wait_for_host(data, msg, WAIT_REFRESH, NULL);
}

static DBusMessage *
method_get_device_report(DBusConnection *conn, DBusMessage *msg, const DtbusCaller *caller,
                         gpointer data)
{
    const char *s;
    DtPciAddr addr;

    dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &s, DBUS_TYPE_INVALID);
    if (!dt_pci_addr_parse(s, &addr)) {
        g_autofree char *q = dtd_quote(s);

        return dtd_error_reply_code(msg, DT_ERROR_INVALID_INPUT,
                                    _("Not a PCI address (DDDD:BB:SS.F): '%s'"), q);
    }
    return wait_for_host(data, msg, WAIT_DEVICE_REPORT, &addr);
}

static DBusMessage *
method_get_domain_state(DBusConnection *conn, DBusMessage *msg, const DtbusCaller *caller,
                        gpointer data)
{
    DtdDaemon *d = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonBuilder) b = NULL;
    g_autofree char *json = NULL;
    g_autofree char *tuning = NULL;
    const DtdDomainState *s;
    const char *name;
    DBusMessage *reply;

    dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID);
    if (!check_domain_name(name, &error))
        return dtd_error_reply(msg, error);
    s = domain_state(d, name, FALSE);
    if (!s)
        return dtd_error_reply_code(msg, DT_ERROR_NOT_FOUND,
                                    _("No state for domain '%s': no hook or libvirt event seen"),
                                    name);
    b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b, s->name);
    json_builder_set_member_name(b, "running");
    json_builder_add_boolean_value(b, s->running);
    json_builder_set_member_name(b, "migration-in-progress");
    json_builder_add_boolean_value(b, s->migrating);
    json_builder_set_member_name(b, "last-event");
    if (s->last_op) {
        json_builder_begin_object(b);
        dt_json_add_string(b, "op", s->last_op);
        dt_json_add_string(b, "subop", s->last_subop);
        dt_json_add_string(b, "time", s->event_time);
        json_builder_end_object(b);
    } else {
        json_builder_add_null_value(b);
    }
    json_builder_set_member_name(b, "last-libvirt-event");
    if (s->virt_event) {
        json_builder_begin_object(b);
        dt_json_add_string(b, "event", s->virt_event);
        json_builder_set_member_name(b, "detail");
        json_builder_add_int_value(b, s->virt_detail);
        dt_json_add_string(b, "time", s->virt_time);
        json_builder_end_object(b);
    } else {
        json_builder_add_null_value(b);
    }
    json_builder_set_member_name(b, "tuning");
    tuning = dtd_tune_state_json(d, name);
    if (tuning) {
        g_autoptr(JsonNode) node = json_from_string(tuning, NULL);

        json_builder_add_value(b, g_steal_pointer(&node));
    } else {
        json_builder_add_null_value(b);
    }
    json_builder_set_member_name(b, "evaluation");
    if (s->evaluated) {
        g_autoptr(JsonNode) reasons = json_from_string(s->reasons_json, NULL);

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "role");
        json_builder_add_string_value(b, dt_role_to_string(s->role));
        dt_json_add_string(b, "verdict", s->verdict);
        dt_json_add_string(b, "mode", s->mode);
        dt_json_add_string(b, "fingerprint", s->fingerprint);
        dt_json_add_string(b, "time", s->eval_time);
        json_builder_set_member_name(b, "reasons");
        json_builder_add_value(b, g_steal_pointer(&reasons));
        json_builder_end_object(b);
    } else {
        json_builder_add_null_value(b);
    }
    json_builder_end_object(b);
    json = builder_to_json(b);
    reply = dbus_message_new_method_return(msg);
    dbus_message_append_args(reply, DBUS_TYPE_STRING, &json, DBUS_TYPE_INVALID);
    return reply;
}

/* ---- properties --------------------------------------------------------------- */

static gboolean
property_version(DBusMessageIter *iter, gpointer data)
{
    const char *v = PACKAGE_VERSION;

    return dbus_message_iter_append_basic(iter, DBUS_TYPE_STRING, &v);
}

static gboolean
property_api_version(DBusMessageIter *iter, gpointer data)
{
    dbus_uint32_t v = DT_DBUS_API_VERSION;

    return dbus_message_iter_append_basic(iter, DBUS_TYPE_UINT32, &v);
}

static void
append_entry(DBusMessageIter *dict, const char *key, const char *value)
{
    DBusMessageIter entry;

    dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
    dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key);
    dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &value);
    dbus_message_iter_close_container(dict, &entry);
}

static void
append_u64_entry(DBusMessageIter *dict, const char *key, guint64 value)
{
    g_autofree char *s = g_strdup_printf("%" PRIu64, value);

    append_entry(dict, key, s);
}

static gboolean
property_config(DBusMessageIter *iter, gpointer data)
{
    DtdDaemon *d = data;
    const DtPolicy *p = &d->config->policy;
    DBusMessageIter dict;

    if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "{ss}", &dict))
        return FALSE;
    append_entry(&dict, "config-file", d->config->path ? d->config->path : "");
    append_entry(&dict, "sysroot", d->sysroot ? d->sysroot : "/");
    append_u64_entry(&dict, "threads", d->threads);
    append_entry(&dict, "group", d->group ? d->group : "");
    append_entry(&dict, "policy.require-migratable", p->require_migratable ? "yes" : "no");
    append_entry(&dict, "policy.perpetual", dt_perpetual_to_string(p->perpetual));
    append_entry(&dict, "policy.prefer", dt_prefer_to_string(p->prefer));
    append_u64_entry(&dict, "policy.max-downtime-ms", p->max_downtime_ms);
    append_u64_entry(&dict, "policy.bandwidth-mib-s", p->bandwidth_mib_s);
    append_u64_entry(&dict, "policy.dirty-rate-mib-s", p->dirty_rate_mib_s);
    append_u64_entry(&dict, "hook.deadline-ms", d->config->hook_deadline_ms);
    append_entry(&dict, "hook.on-timeout", d->config->hook_fail_open ? "allow" : "deny");
    append_entry(&dict, "hook.use-daemon", d->config->hook_use_daemon ? "yes" : "no");
    append_entry(&dict, "hook.gate-start", d->config->gate_start ? "yes" : "no");
    append_entry(&dict, "qemu.binary", d->config->qemu_binary ? d->config->qemu_binary : "");
    append_entry(&dict, "qemu.trusted", d->config->qemu_trusted ? d->config->qemu_trusted : "");
    return dbus_message_iter_close_container(iter, &dict);
}

/* ---- the table ------------------------------------------------------------------- */

static const DtbusMethod manager_methods[] = {
    { "Evaluate", method_evaluate,
      DTBUS_ARGS({ "domain_xml", "s" }, { "options", "a{ss}" }),
      DTBUS_ARGS({ "verdict", "s" }, { "mode", "s" }, { "report_json", "s" }),
      DTBUS_METHOD_FLAG_ASYNC | DTBUS_METHOD_FLAG_CALLER },
    { "Filter", method_filter,
      DTBUS_ARGS({ "domain_xml", "s" }, { "options", "a{ss}" }),
      DTBUS_ARGS({ "verdict", "s" }, { "report_json", "s" }, { "new_xml", "s" }),
      DTBUS_METHOD_FLAG_ASYNC | DTBUS_METHOD_FLAG_CALLER },
    { "HookEvent", method_hook_event,
      DTBUS_ARGS({ "domain_name", "s" }, { "op", "s" }, { "subop", "s" }, { "domain_xml", "s" }),
      NULL,
      DTBUS_METHOD_FLAG_ASYNC | DTBUS_METHOD_FLAG_PRIVILEGED },
    { "GetHostReport", method_get_host_report,
      NULL,
      DTBUS_ARGS({ "report_json", "s" }),
      DTBUS_METHOD_FLAG_ASYNC },
    { "RefreshHost", method_refresh_host,
      NULL, NULL,
      DTBUS_METHOD_FLAG_ASYNC | DTBUS_METHOD_FLAG_PRIVILEGED },
    { "GetDeviceReport", method_get_device_report,
      DTBUS_ARGS({ "pci_address", "s" }),
      DTBUS_ARGS({ "report_json", "s" }),
      DTBUS_METHOD_FLAG_ASYNC },
    { "GetDomainState", method_get_domain_state,
      DTBUS_ARGS({ "domain_name", "s" }),
      DTBUS_ARGS({ "state_json", "s" }),
      0 },
    { NULL },
};

static const DtbusSignal manager_signals[] = {
    { DT_DBUS_SIGNAL_HOST_CHANGED, NULL },
    { DT_DBUS_SIGNAL_MIGRATION_GATED,
      DTBUS_ARGS({ "domain_name", "s" }, { "verdict", "s" }, { "reasons_json", "s" }) },
    { DTD_SIGNAL_MIGRATION_TUNED,
      DTBUS_ARGS({ "domain_name", "s" }, { "action", "s" }, { "detail", "s" }) },
    { DTD_SIGNAL_MIGRATION_ABORTED,
      DTBUS_ARGS({ "domain_name", "s" }, { "code", "s" }, { "message", "s" }) },
    { NULL },
};

static const DtbusProperty manager_properties[] = {
    { "Version", "s", property_version, DTBUS_PROPERTY_FLAG_CONST },
    { DT_DBUS_PROP_API_VERSION, "u", property_api_version, DTBUS_PROPERTY_FLAG_CONST },
    { "Config", "a{ss}", property_config, DTBUS_PROPERTY_FLAG_CONST },
    { NULL },
};

gboolean
dtd_authorize(guint32 uid, const guint32 *gids, guint n_gids, gpointer user_data)
{
    DtdDaemon *d = user_data;
    struct passwd pw, *res = NULL;
    char buf[4096];
    gid_t groups[256];
    int ngroups = G_N_ELEMENTS(groups);

    /* root, and the daemon's own user (it could ptrace us anyway) */
    if (uid == 0 || uid == d->self_uid)
        return TRUE;
    if (!d->have_gid)
        return FALSE;
    /* The groups the caller really has (what the bus policy judged) win
     * over what the user database says it could have. */
    if (gids) {
        for (guint i = 0; i < n_gids; i++)
            if (gids[i] == d->gid)
                return TRUE;
        return FALSE;
    }
    if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || !res)
        return FALSE;
    if (pw.pw_gid == d->gid)
        return TRUE;
    if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &ngroups) < 0)
        return FALSE;
    for (int i = 0; i < ngroups; i++)
        if (groups[i] == d->gid)
            return TRUE;
    return FALSE;
}

void
dtd_manager_flush_waiters(DtdDaemon *d)
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

gboolean
dtd_manager_register(DtdDaemon *d)
{
    d->probe_waiters = g_ptr_array_new_with_free_func((GDestroyNotify) waiter_free);
    d->queued_waiters = g_ptr_array_new_with_free_func((GDestroyNotify) waiter_free);
    d->domains = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify) dtd_domain_state_free);
    if (!d->cache)
        d->cache = dtd_cache_new(DTD_CACHE_ENTRIES, DTD_CACHE_BYTES);
    d->user_by_uid = g_hash_table_new(g_direct_hash, g_direct_equal);
    d->user_by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    dtbus_set_authorizer(d->conn, dtd_authorize, DT_DBUS_ERROR_PERMISSION_DENIED, d);
    return dtbus_register_interface(d->conn, DT_DBUS_PATH, DT_DBUS_MANAGER_IFACE,
                                    manager_methods, manager_signals, manager_properties, d);
}
