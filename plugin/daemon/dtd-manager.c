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
 */
#include "config.h"

#include <inttypes.h>

#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "dt-dbus-api.h"
#include "dt-eval.h"
#include "dt-host.h"
#include "dt-paths.h"
#include "dt-report.h"
#include "dt-rewrite.h"
#include "dt-util.h"
#include "dtbus.h"
#include "dtd.h"

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

    /* inputs (copies: the worker owns nothing shared but read-only config) */
    char *xml;
    gsize xml_len;
    DtRole role;
    char *qemu_version;
    char *libvirt_version;
    char *op, *subop, *name;
    gboolean evaluate;            /* HookEvent: the op carries XML worth evaluating */

    /* outputs */
    DtEvaluation *eval;
    char *report_json;
    char *new_xml;
    gboolean changed;
    char *time;
    DtdHostSnapshot *snapshot;
    GError *error;
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
    g_clear_error(&job->error);
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

void
dtd_host_snapshot_free(DtdHostSnapshot *s)
{
    if (!s)
        return;
    if (s->host)
        dt_host_free(s->host);
    if (s->checks)
        g_ptr_array_unref(s->checks);
    g_free(s->json);
    g_free(s->fingerprint);
    g_clear_error(&s->error);
    g_free(s);
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

static const char *
tri_to_string(DtTri t)
{
    switch (t) {
    case DT_TRI_YES:
        return "yes";
    case DT_TRI_NO:
        return "no";
    case DT_TRI_UNKNOWN:
        break;
    }
    return "unknown";
}

static char *
builder_to_json(JsonBuilder *b)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = json_builder_get_root(b);

    json_generator_set_root(gen, root);
    return json_generator_to_data(gen, NULL);
}

static void
add_fact(JsonBuilder *b, const char *key, DtFact f)
{
    json_builder_set_member_name(b, key);
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "value");
    json_builder_add_string_value(b, tri_to_string(f.value));
    json_builder_set_member_name(b, "source");
    json_builder_add_string_value(b, dt_source_to_string(f.source));
    json_builder_end_object(b);
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

    if (len > DT_DBUS_MAX_XML_BYTES) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("Domain XML is %zu bytes, more than the limit of %u"),
                    len, DT_DBUS_MAX_XML_BYTES);
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
            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                        _("Option '%s' given twice"), key);
            return FALSE;
        }
        if (strlen(value) > DT_DBUS_MAX_OPTION_BYTES) {
            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                        _("Value of option '%s' is too long"), key);
            return FALSE;
        }
        if (g_str_equal(key, "role")) {
            if (g_str_equal(value, "source")) {
                job->role = DT_ROLE_SOURCE;
            } else if (g_str_equal(value, "destination")) {
                job->role = DT_ROLE_DESTINATION;
            } else {
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
            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT, _("Unknown option '%s'"), key);
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

static void
probe_host(DtdJob *job)
{
    DtdDaemon *d = job->d;
    DtdHostSnapshot *snap = g_new0(DtdHostSnapshot, 1);
    g_autoptr(DtPaths) paths = dt_paths_new(d->sysroot);
    g_autoptr(DtHost) host = NULL;

    job->snapshot = snap;
    host = dt_host_probe(paths, &snap->error);
    if (!host) {
        if (!snap->error)
            g_set_error(&snap->error, DT_ERROR, DT_ERROR_FAILED, _("Probing the host failed"));
        return;
    }
    if (!dt_host_probe_all_devices(host, paths, &snap->error)) {
        if (!snap->error)
            g_set_error(&snap->error, DT_ERROR, DT_ERROR_FAILED,
                        _("Probing the host's PCI devices failed"));
        return;
    }
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
    snap->host = g_steal_pointer(&host);
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
        .vdb = d->vdb,
        /* never from a bus request: probing idle devices resets them */
        .probe_ioctl = FALSE,
        /* the hook's migrate filter, when the host's config opts in */
        .preflight = d->config && d->config->hook_preflight && job->op &&
                     g_str_equal(job->op, "migrate") && job->role == DT_ROLE_DESTINATION,
    };

    job->time = dt_timestamp_now();
    job->eval = dt_evaluate(job->xml, job->xml_len, &opts, &job->error);
    if (!job->eval) {
        if (!job->error)
            g_set_error(&job->error, DT_ERROR, DT_ERROR_FAILED, _("Evaluation failed"));
        return;
    }
    if (job->name && g_strcmp0(job->eval->domain->name, job->name) != 0) {
        g_set_error(&job->error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("Domain XML describes '%s', not '%s'"),
                    job->eval->domain->name ? job->eval->domain->name : "", job->name);
        return;
    }
    job->report_json = dt_report_decision_json(job->eval->decision, job->eval->domain);
    if (!job->report_json) {
        g_set_error(&job->error, DT_ERROR, DT_ERROR_FAILED, _("Rendering the report failed"));
        return;
    }
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
    g_idle_add(job_done, job);
}

/* Queues a request's job; on a full queue answers Busy and frees it. */
static DBusMessage *
submit(DtdDaemon *d, DtdJob *job)
{
    g_autoptr(GError) error = NULL;

    if (!d->pool || g_thread_pool_unprocessed(d->pool) >= d->max_queue) {
        DBusMessage *reply = dtd_error_reply_code(job->msg, DT_ERROR_BUSY,
                                                  _("Too many requests in progress, try again"));
        job_free(job);
        return reply;
    }
    if (!g_thread_pool_push(d->pool, job, &error)) {
        DBusMessage *reply = dtd_error_reply_code(job->msg, DT_ERROR_FAILED, "%s",
                                                  error->message);
        g_warning("Cannot queue work: %s", error->message);
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
record_evaluation(DtdDomainState *s, DtdJob *job)
{
    const DtDecision *dec = job->eval->decision;

    s->evaluated = TRUE;
    s->role = job->role;
    dt_set_str(&s->verdict, dt_verdict_to_string(dec->verdict));
    dt_set_str(&s->mode, dt_mode_to_string(dec->mode));
    dt_set_str(&s->fingerprint, dec->fingerprint);
    dt_set_str(&s->eval_time, job->time);
    g_free(s->reasons_json);
    s->reasons_json = reasons_to_json(dec);
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
    g_autofree char *id = NULL;
    DBusMessage *reply;

    if (!p)
        return dtd_error_reply_code(msg, DT_ERROR_NOT_FOUND, _("No PCI device %s on this host"),
                                    address);
    unit = p->iommu_unit ? dt_host_find_iommu(snap->host, p->iommu_unit) : NULL;
    b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "address");
    json_builder_add_string_value(b, address);
    id = g_strdup_printf("%04x:%04x", p->vendor, p->device);
    json_builder_set_member_name(b, "id");
    json_builder_add_string_value(b, id);
    dt_json_add_string(b, "driver", p->driver);
    json_builder_set_member_name(b, "vfio-driver");
    json_builder_add_boolean_value(b, dt_driver_is_vfio(p->driver));
    json_builder_set_member_name(b, "vfio-candidate");
    json_builder_add_boolean_value(b, dt_pcidev_is_vfio_candidate(p));
    json_builder_set_member_name(b, "iommu-group");
    json_builder_add_int_value(b, p->iommu_group);
    json_builder_set_member_name(b, "sriov-vf");
    json_builder_add_boolean_value(b, p->is_vf);
    if (p->is_vf) {
        g_autofree char *pf = dt_pci_addr_to_string(&p->pf);

        json_builder_set_member_name(b, "physfn");
        json_builder_add_string_value(b, pf);
    }
    json_builder_set_member_name(b, "num-vfs");
    json_builder_add_int_value(b, p->num_vfs);
    dt_json_add_string(b, "vfio-cdev", p->vfio_cdev);
    dt_json_add_string(b, "alias-driver", p->alias_driver);
    json_builder_set_member_name(b, "in-use");
    json_builder_add_boolean_value(b, p->in_use);
    add_fact(b, "migration", p->migration);
    dt_json_add_mig_flags(b, "migration-flags", p->mig_flags);
    add_fact(b, "dma-logging", p->dma_logging);
    add_fact(b, "iommu-dirty-tracking", p->iommu_dirty);
    json_builder_set_member_name(b, "stop-copy-bytes");
    json_builder_add_int_value(b, (gint64) p->stop_copy_bytes);
    json_builder_set_member_name(b, "iommu");
    if (unit) {
        json_builder_begin_object(b);
        dt_json_add_string(b, "name", unit->name);
        json_builder_set_member_name(b, "vendor");
        json_builder_add_string_value(b, dt_iommu_vendor_to_string(unit->vendor));
        add_fact(b, "dirty-tracking", unit->dirty_tracking);
        dt_json_add_string(b, "note", unit->dirty_note);
        json_builder_end_object(b);
    } else {
        json_builder_add_null_value(b);
    }
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
    json_builder_set_member_name(b, "host-fingerprint");
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

        dtbus_send_message(d->conn, answer_waiter(d, w));
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
    g_autoptr(DtdJob) job = user_data;
    DtdDaemon *d = job->d;
    DBusMessage *reply = NULL;

    if (job->kind == JOB_PROBE_HOST) {
        probe_done(d, job);
        return G_SOURCE_REMOVE;
    }
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
    return job;
}

static DBusMessage *
evaluate_common(DtdDaemon *d, DBusMessage *msg, const DtbusCaller *caller, DtdJobKind kind)
{
    g_autoptr(DtdJob) job = job_new(d, kind, msg, caller);
    g_autoptr(GError) error = NULL;
    DBusMessageIter iter;
    const char *xml;

    dbus_message_iter_init(msg, &iter);
    dbus_message_iter_get_basic(&iter, &xml);
    dbus_message_iter_next(&iter);
    job->role = kind == JOB_FILTER ? DT_ROLE_DESTINATION : DT_ROLE_SOURCE;
    if (!check_xml_arg(xml, &error) || !parse_options(&iter, job, kind == JOB_FILTER, &error))
        return dtd_error_reply(msg, error);
    if (kind == JOB_FILTER && !job->op)
        job->op = g_strdup("migrate");
    job->xml_len = strlen(xml);
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
    if (!in_list(op, hook_ops))
        return dtd_error_reply_code(msg, DT_ERROR_INVALID_INPUT, _("Unknown hook operation '%s'"),
                                    op);
    if (!in_list(subop, hook_subops))
        return dtd_error_reply_code(msg, DT_ERROR_INVALID_INPUT,
                                    _("Unknown hook sub-operation '%s'"), subop);
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
    if (!dt_pci_addr_parse(s, &addr))
        return dtd_error_reply_code(msg, DT_ERROR_INVALID_INPUT,
                                    _("Not a PCI address (DDDD:BB:SS.F): '%s'"), s);
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
        json_builder_add_string_value(b, s->role == DT_ROLE_SOURCE ? "source" : "destination");
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
    dtbus_set_authorizer(d->conn, dtd_authorize, DT_DBUS_ERROR_PERMISSION_DENIED, d);
    return dtbus_register_interface(d->conn, DT_DBUS_PATH, DT_DBUS_MANAGER_IFACE,
                                    manager_methods, manager_signals, manager_properties, d);
}
