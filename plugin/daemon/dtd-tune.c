/* dtd-tune.c: live tuning of outgoing migrations, and the capability
 * fingerprint a running VM carries to its next destination.
 *
 * libvirt's migration-iteration events (QEMU's dirty-sync-count) arrive on
 * the main thread through the read-only event connection.  Everything that
 * talks back to libvirt (reading the live XML, evaluating it, setting
 * downtime-limit and bandwidth, aborting the job, writing metadata) is a
 * task for a one-thread pool of its own with its own read-write connection,
 * so a slow libvirtd never holds up the bus, the hook's HookEvent replies
 * or the evaluation pool.  A task's result comes back with g_idle_add();
 * signals and the state GetDomainState reports change only there.
 *
 * Per domain, tasks run one at a time in arrival order (a newer ramp step
 * replaces a queued older one).  While a hook call for a domain is being
 * answered (HookEvent received, reply not yet sent) no task for that
 * domain is started: libvirt runs hooks holding the domain's job, so a call
 * for that domain would wait for the hook, which waits for us.  Nothing the
 * hook waits for ever waits for this pool, so even a call that races with a
 * hook only waits for it: see docs/live-tuning.md.
 *
 * The model (dt-cost.h) decides every number: the downtime-limit for
 * iteration k is the ramp's value for model sync k - 1.  From the second
 * iteration on QEMU has measured what the policy could only assume: each
 * iteration reads libvirt's job statistics (QEMU's dirty-page rate, its
 * measured bandwidth, the RAM still dirty, VFIO data sent), runs the
 * model again from there, publishes the new prediction, sets the new
 * ramp's limit and holds that prediction against the budget.  Until then
 * the limit is raised only in perpetual mode, where waiting never helps:
 * elsewhere a dirty rate that outruns the link is the policy's guess, and
 * one pass of waiting for QEMU's own figure costs no downtime.
 */
#include "config.h"

#include <inttypes.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "model/dt-util.h"
#include "decide/dt-cost.h"
#include "dbus/dt-dbus-api.h"
#include "decide/dt-decide.h"
#include "eval/dt-eval.h"
#include "model/dt-log.h"
#include "model/dt-metadata.h"
#include "model/dt-xml.h"
#include "render/dt-report.h"
#include "dbus/dtbus.h"
#include "daemon/dtd.h"

/* Syncs of the ramp kept per plan; later iterations keep the last value
 * (every iteration plans again from QEMU's numbers). */
#define DTD_TUNE_RAMP_LEN 64
/* Iterations past the model's switch-over round before the measured
 * residual is held against the budget (a real run is a round or two off). */
#define DTD_TUNE_GRACE_ROUNDS 2
/* libvirt reports an unlimited migration speed as about 2^43 MiB/s. */
#define DTD_TUNE_UNLIMITED_MIB_S (G_GUINT64_CONSTANT(1) << 30)

/* QEMU's own numbers for a running job (libvirt's job statistics), the
 * ones a prediction was last made from. */
typedef struct {
    guint iteration;
    guint64 dirty_mib_s;          /* memory_dirty_rate x memory_page_size, rounded up */
    guint64 bandwidth_mib_s;      /* memory_bps */
    guint64 remaining;            /* memory_remaining, bytes */
    guint64 vfio_bytes;           /* vfio_data_transferred */
    gboolean has_vfio;            /* libvirt >= 10.6 reports it */
} DtdObservation;

/* What the START of a job needs from an evaluation of the domain: made
 * when the domain starts (PUBLISH), so that the first iteration only runs
 * the model and sets the limit.  It holds while the live definition, the
 * variant-driver database and the host's capabilities are the ones it was
 * made from; otherwise the START evaluates again. */
typedef struct {
    gboolean valid;
    gboolean applicable;          /* the domain has VFIO devices */
    char *mode, *verdict;
    guint64 budget;               /* the policy's max-downtime-ms */
    char *block_code, *block_message;   /* the gate's first refusal, if any */
    DtCostInputs in;              /* the model's inputs from the decision */
    guint64 policy_bandwidth;     /* the metadata's bandwidth-mib-s, 0 = none */
    char *xml_sum;                /* SHA-256 of the live XML after publishing */
    guint64 vdb_gen;
    char *host_fp;                /* the host snapshot's fingerprint then */
} DtdPlan;

static void
plan_clear(DtdPlan *p)
{
    g_free(p->mode);
    g_free(p->verdict);
    g_free(p->block_code);
    g_free(p->block_message);
    g_free(p->xml_sum);
    g_free(p->host_fp);
    memset(p, 0, sizeof(*p));
}

static void
plan_copy(DtdPlan *dst, const DtdPlan *src)
{
    plan_clear(dst);
    *dst = *src;
    dst->mode = g_strdup(src->mode);
    dst->verdict = g_strdup(src->verdict);
    dst->block_code = g_strdup(src->block_code);
    dst->block_message = g_strdup(src->block_message);
    dst->xml_sum = g_strdup(src->xml_sum);
    dst->host_fp = g_strdup(src->host_fp);
}

typedef enum {
    TASK_PUBLISH,        /* write the fingerprint into the metadata */
    TASK_START,          /* first iteration: evaluate, model, first limit */
    TASK_STEP,           /* a later iteration: next limit, budget check */
    TASK_POSTCOPY,       /* post-copy started: stop it */
} DtdTaskKind;

typedef struct {
    DtdDaemon *d;
    DtdTaskKind kind;
    char *name;
    guint iteration;
    guint64 limit_ms;             /* STEP: limit to set, 0 = keep */
    guint64 budget_ms;            /* STEP: check the residual against it, 0 = no */
    guint64 device_state_bytes;   /* STEP: what the freeze adds to the RAM residual */
    DtCostInputs in;              /* START: the model's inputs (result); STEP: the plan's */
    guint64 limit_in_force;       /* STEP: the limit this daemon set last */
    guint64 policy_budget;        /* STEP: max-downtime-ms, held against the new prediction */

    /* results */
    char *time;
    gboolean applicable;          /* the domain has VFIO devices */
    char *fingerprint;
    guint64 limits[DTD_TUNE_RAMP_LEN];
    guint switch_round;
    guint64 predicted_downtime_ms, predicted_total_ms;
    guint64 state_bytes;          /* START: device state the freeze adds */
    guint64 model_bandwidth;      /* START: MiB/s the model used */
    guint64 bandwidth_set;        /* MiB/s set by this task, 0 = none */
    guint64 limit_set;            /* ms set by this task, 0 = none */
    guint64 measured_freeze_ms;   /* STEP with a budget check */
    gboolean observed;            /* STEP: QEMU's numbers read, the model run again */
    DtdObservation obs;
    gboolean aborted;
    char *abort_code, *abort_message;
    gboolean metadata_written;
    char *error;                  /* what failed, untranslated libvirt text */
    guint64 took_ms;              /* the task's run in the pool */
    DtdPlan plan;                 /* PUBLISH: made; START: given, or made */
    GPtrArray *dry_run;           /* PUBLISH: the dry run at the VM's start, NULL if none */
    gboolean plan_reused;         /* START: the domain start's plan held */
} DtdTuneTask;

typedef struct {
    char *name;
    GQueue queue;                 /* DtdTuneTask*, not yet started */
    gboolean busy;                /* a task of this domain is in the pool */

    /* the current (or last) outgoing migration job */
    gboolean job_active;
    gboolean started;             /* the START task came back */
    gboolean applicable;
    guint iteration;
    char *mode, *verdict;
    guint64 limits[DTD_TUNE_RAMP_LEN];
    guint switch_round;
    guint64 predicted_downtime_ms, predicted_total_ms, budget, model_bandwidth;
    guint64 state_bytes;
    DtCostInputs in;              /* the model's inputs, from START */
    guint plan_base;              /* limits[0] is for sync plan_base (iteration plan_base + 1) */
    gboolean observed;            /* QEMU's numbers came in (iteration >= 2) */
    DtdObservation obs;
    guint64 limit_ms;             /* downtime-limit in force, set by us */
    guint64 bandwidth_mib_s;      /* set by us, 0 = not touched */
    char *last_action, *last_detail, *action_time;
    char *abort_code, *abort_message, *abort_time;
    gboolean completed;
    guint64 completed_elapsed_ms, completed_downtime_ms;

    /* the fingerprint this daemon last wrote into the metadata */
    char *published_fingerprint, *published_time;
    /* the last task that failed: why the record lacks what it would set */
    char *error_task, *error, *error_time;
    guint error_iteration;
    guint64 error_took_ms;
    DtdPlan plan;                 /* from the last PUBLISH */
    const char *plan_source;      /* this job's: "domain-start" or "first-iteration" */
    guint64 start_task_ms;        /* how long this job's START took */
} DtdTune;

/* The read-write connection: only ever touched by the pool's one thread
 * (and at shutdown, after the pool is gone). */
static virConnectPtr rw_conn;

/* ---- helpers ------------------------------------------------------------------ */

static void
task_free(DtdTuneTask *t)
{
    g_free(t->name);
    g_free(t->time);
    g_free(t->fingerprint);
    g_free(t->abort_code);
    g_free(t->abort_message);
    g_free(t->error);
    plan_clear(&t->plan);
    if (t->dry_run)
        g_ptr_array_unref(t->dry_run);
    g_free(t);
}

static void
tune_free(DtdTune *t)
{
    g_queue_clear_full(&t->queue, (GDestroyNotify) task_free);
    g_free(t->name);
    g_free(t->mode);
    g_free(t->verdict);
    g_free(t->last_action);
    g_free(t->last_detail);
    g_free(t->action_time);
    g_free(t->abort_code);
    g_free(t->abort_message);
    g_free(t->abort_time);
    g_free(t->published_fingerprint);
    g_free(t->published_time);
    g_free(t->error_task);
    g_free(t->error);
    g_free(t->error_time);
    plan_clear(&t->plan);
    g_free(t);
}

static DtdTune *
tune_get(DtdDaemon *d, const char *name)
{
    DtdTune *t = g_hash_table_lookup(d->tunes, name);

    if (!t) {
        t = g_new0(DtdTune, 1);
        t->name = g_strdup(name);
        g_queue_init(&t->queue);
        g_hash_table_insert(d->tunes, t->name, t);
    }
    return t;
}

static gboolean
hook_in_flight(DtdDaemon *d, const char *name)
{
    return d->hooks_in_flight &&
           GPOINTER_TO_UINT(g_hash_table_lookup(d->hooks_in_flight, name)) > 0;
}

/* ---- the worker side: libvirt calls ------------------------------------------------ */

static void
task_error(DtdTuneTask *t, const char *what)
{
    const char *msg = virGetLastErrorMessage();

    g_free(t->error);
    t->error = g_strdup_printf("%s: %s", what, msg ? msg : "");
}

/* The read-write connection, opened on first use and again after it died. */
static virConnectPtr
rw_connection(DtdTuneTask *t)
{
    if (rw_conn && virConnectIsAlive(rw_conn) != 1) {
        virConnectClose(rw_conn);
        rw_conn = NULL;
    }
    if (!rw_conn) {
        rw_conn = virConnectOpen(t->d->libvirt_uri);
        if (!rw_conn)
            task_error(t, "virConnectOpen");
        else
            dtd_libvirt_keepalive(rw_conn);
    }
    return rw_conn;
}

/* The running domain evaluated as the source; its live XML in *xml_out and
 * the database load it used in *vdb_gen, when asked for. */
static DtEvaluation *
evaluate_live(DtdTuneTask *t, virDomainPtr dom, char **xml_out, guint64 *vdb_gen)
{
    DtdDaemon *d = t->d;
    g_autoptr(GError) error = NULL;
    /* the main thread may load a new database meanwhile: hold this one */
    DtdVdbRef *vdb = dtd_vdb_ref(d);
    DtEvalOptions opts = {
        .sysroot = d->sysroot,
        .role = DT_ROLE_SOURCE,
        .config = d->config,
        .vdb = vdb ? vdb->vdb : d->vdb,
        /* the devices are in use by the running VM: never ask them */
        .probe_ioctl = FALSE,
        .qemu_registry = d->qemu,
        /* what they answered while idle (the hook's pre-flight) */
        .recall = dtd_observed_recall,
        .recall_data = d->observed,
    };
    g_autofree char *xml = virDomainGetXMLDesc(dom, 0);
    DtEvaluation *e;

    if (!xml) {
        dtd_vdb_unref(vdb);
        task_error(t, "virDomainGetXMLDesc");
        return NULL;
    }
    e = dt_evaluate(xml, strlen(xml), &opts, &error);
    if (vdb_gen)
        *vdb_gen = vdb ? vdb->gen : 0;
    dtd_vdb_unref(vdb);
    if (!e) {
        g_free(t->error);
        t->error = g_strdup_printf("evaluation: %s", error ? error->message : "");
        return NULL;
    }
    if (xml_out)
        *xml_out = g_steal_pointer(&xml);
    return e;
}

/* The record of what the daemon did to a migration: its own namespace,
 * beside <dirtytrack:dirtytrack>, whose 1.0 schema is closed. */
static char *
tuning_fragment(const DtdTuneTask *t, const char *host, const char *action, const char *code,
                const char *message)
{
    g_autoptr(xmlDoc) frag = xmlNewDoc(BAD_CAST "1.0");
    xmlNode *root = xmlNewDocNode(frag, NULL, BAD_CAST "tuning", NULL);
    xmlNs *ns = xmlNewNs(root, BAD_CAST DTD_TUNING_NS, NULL);
    g_autofree char *iter = g_strdup_printf("%u", t->iteration);

    xmlSetNs(root, ns);
    xmlDocSetRootElement(frag, root);
    xmlNewProp(root, BAD_CAST "action", BAD_CAST action);
    if (code)
        xmlNewProp(root, BAD_CAST "code", BAD_CAST code);
    xmlNewProp(root, BAD_CAST "host", BAD_CAST host);
    xmlNewProp(root, BAD_CAST "time", BAD_CAST t->time);
    xmlNewProp(root, BAD_CAST "iteration", BAD_CAST iter);
    if (message)
        xmlNodeAddContent(root, BAD_CAST message);
    /* libvirt gives the fragment's root the prefix it is told and leaves
     * the children as they are: the namespace is the default one, which
     * the children inherit */
    return dt_xml_node_string(root);
}

static gboolean
set_metadata(DtdTuneTask *t, virDomainPtr dom, const char *fragment, const char *prefix,
             const char *uri)
{
    if (virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, fragment, prefix, uri,
                             VIR_DOMAIN_AFFECT_LIVE) < 0) {
        task_error(t, "virDomainSetMetadata");
        return FALSE;
    }
    return TRUE;
}

/* Writes the evaluation (fingerprint, devices) for dec into the live
 * metadata.  FALSE with t->error set on failure. */
static gboolean
publish(DtdTuneTask *t, virDomainPtr dom, const char *xml, const DtDecision *dec)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *frag = dt_metadata_fragment(xml, strlen(xml), dec, t->d->hostname,
                                                 t->time, &error);

    if (!frag) {
        g_free(t->error);
        t->error = g_strdup_printf("metadata: %s", error ? error->message : "");
        return FALSE;
    }
    return set_metadata(t, dom, frag, DT_METADATA_PREFIX, DT_METADATA_NS);
}

/* The dry run at the VM's start, where the destination's gate reads it
 * (DtOutgoing): written when it refused something; removed when it
 * refused nothing, or when the record the VM carries was written by
 * another host (it arrived with it).  A record of this host with no dry
 * run known (the daemon restarted since the VM started) stays. */
static gboolean
publish_dry_run(DtdTuneTask *t, virDomainPtr dom, const DtOutgoing *carried)
{
    g_autofree char *frag = NULL;

    if (t->dry_run && t->dry_run->len > 0) {
        frag = dt_outgoing_fragment(t->d->hostname, t->time, t->dry_run);
        return frag && set_metadata(t, dom, frag, DT_OUTGOING_PREFIX, DT_OUTGOING_NS);
    }
    if (!carried->present || (!t->dry_run && g_strcmp0(carried->host, t->d->hostname) == 0))
        return TRUE;
    if (virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, NULL, NULL, DT_OUTGOING_NS,
                             VIR_DOMAIN_AFFECT_LIVE) < 0) {
        task_error(t, "virDomainSetMetadata");
        return FALSE;
    }
    return TRUE;
}

/* Aborts the job for code/message and records why, in the metadata too. */
static void
abort_job(DtdTuneTask *t, virDomainPtr dom, const char *code, const char *message,
          gboolean postcopy)
{
    g_autofree char *frag = NULL;
    int rc;

    dt_set_str(&t->abort_code, code);
    dt_set_str(&t->abort_message, message);
    rc = postcopy ? virDomainAbortJobFlags(dom, VIR_DOMAIN_ABORT_JOB_POSTCOPY)
                  : virDomainAbortJob(dom);
    if (rc < 0) {
        task_error(t, postcopy ? "virDomainAbortJobFlags" : "virDomainAbortJob");
        return;
    }
    t->aborted = TRUE;
    dt_log_decision(DT_LOG_REFUSED, virDomainGetName(dom), "migrate/out", code, "daemon", message);
    /* A paused post-copy job stays active: a metadata change would wait
     * for it (libvirt allows none during migration); the signal and
     * GetDomainState carry the reason then.  An aborted pre-copy job ends
     * at once, so the record follows right after. */
    if (postcopy)
        return;
    frag = tuning_fragment(t, t->d->hostname, "abort", code, message);
    if (frag)
        t->metadata_written = set_metadata(t, dom, frag, DTD_TUNING_PREFIX, DTD_TUNING_NS);
}

static const DtReason *
first_error(const DtDecision *dec)
{
    for (guint i = 0; i < dec->reasons->len; i++) {
        const DtReason *r = g_ptr_array_index(dec->reasons, i);

        if (r->severity == DT_SEVERITY_ERROR)
            return r;
    }
    return NULL;
}

/* The plan for a job of the evaluated domain (DtdPlan). */
static void
make_plan(DtdPlan *p, const DtEvaluation *e)
{
    const DtDecision *dec = e->decision;
    const DtMetadata *m = e->domain->metadata;
    const DtReason *block;

    p->valid = TRUE;
    p->applicable = dec->devices->len > 0;
    if (!p->applicable)
        return;
    dt_set_str(&p->mode, dt_mode_to_string(dec->mode));
    dt_set_str(&p->verdict, dt_verdict_to_string(dec->verdict));
    p->budget = e->policy.max_downtime_ms;
    /* What the gate would refuse (perpetual mode the policy forbids, a
     * downtime over budget, a device that cannot migrate) is stopped at
     * the first iteration, before the bulk pass moved anything. */
    block = dec->verdict == DT_VERDICT_DENY ? first_error(dec) : NULL;
    if (block) {
        dt_set_str(&p->block_code, block->code);
        dt_set_str(&p->block_message, block->message);
    }
    dt_cost_inputs_from_decision(&p->in, dec, &e->policy, e->host);
    p->policy_bandwidth = m->present && m->has_bandwidth ? m->bandwidth_mib_s : 0;
}

/* SHA-256 of the live definition, NULL if libvirt cannot give it. */
static char *
live_xml_sum(DtdTuneTask *t, virDomainPtr dom)
{
    g_autofree char *xml = virDomainGetXMLDesc(dom, 0);

    if (!xml) {
        task_error(t, "virDomainGetXMLDesc");
        return NULL;
    }
    return g_compute_checksum_for_string(G_CHECKSUM_SHA256, xml, -1);
}

static void
run_publish(DtdTuneTask *t, virDomainPtr dom)
{
    g_autofree char *xml = NULL;
    guint64 vdb_gen = 0;
    g_autoptr(DtEvaluation) e = evaluate_live(t, dom, &xml, &vdb_gen);

    if (!e)
        return;
    /* a VM without passthrough devices and without our metadata: nothing
     * to compare on arrival, and its definition is not ours to touch */
    t->applicable = e->decision->devices->len > 0 || e->domain->metadata->present;
    if (!t->applicable)
        return;
    t->fingerprint = g_strdup(e->decision->fingerprint);
    t->metadata_written = publish(t, dom, xml, e->decision) &&
                          publish_dry_run(t, dom, e->domain->outgoing);
    make_plan(&t->plan, e);
    t->plan.vdb_gen = vdb_gen;
    /* what the START will compare: the definition with our element in it */
    t->plan.xml_sum = live_xml_sum(t, dom);
    if (!t->metadata_written || !t->plan.xml_sum)
        plan_clear(&t->plan);
}

static void
run_start(DtdTuneTask *t, virDomainPtr dom)
{
    g_autofree char *xml = NULL;
    g_autoptr(DtEvaluation) e = NULL;
    g_autoptr(GError) error = NULL;
    DtCostInputs in;
    DtCostResult r;
    unsigned long speed = 0;
    guint k;

    /* The plan made when the domain started holds while its definition is
     * the one it was made from; else evaluate now. */
    if (t->plan.valid) {
        g_autofree char *sum = live_xml_sum(t, dom);

        t->plan_reused = sum && g_strcmp0(sum, t->plan.xml_sum) == 0;
        if (!t->plan_reused)
            plan_clear(&t->plan);
    }
    if (!t->plan_reused) {
        e = evaluate_live(t, dom, &xml, NULL);
        if (!e)
            return;
        make_plan(&t->plan, e);
    }
    t->applicable = t->plan.applicable;
    if (!t->applicable)
        return;

    if (t->plan.block_code) {
        abort_job(t, dom, t->plan.block_code, t->plan.block_message, FALSE);
        /* after the abort: libvirt lets no metadata change into a running
         * migration job, it would wait for the job to end (a reused plan's
         * evaluation is in the metadata since the domain started) */
        if (t->aborted && e && !publish(t, dom, xml, e->decision))
            g_clear_pointer(&t->error, g_free);   /* the abort matters, not the record */
        return;
    }

    in = t->plan.in;
    if (t->plan.policy_bandwidth > 0) {
        if (virDomainMigrateSetMaxSpeed(dom, t->plan.policy_bandwidth, 0) < 0) {
            task_error(t, "virDomainMigrateSetMaxSpeed");
            return;
        }
        t->bandwidth_set = t->plan.policy_bandwidth;
        in.bandwidth_mib_s = t->plan.policy_bandwidth;
    } else if (virDomainMigrateGetMaxSpeed(dom, &speed, 0) == 0 && speed > 0 &&
               speed < DTD_TUNE_UNLIMITED_MIB_S) {
        /* the operator capped this migration: that is the link the
         * model must assume, not the policy's default */
        in.bandwidth_mib_s = speed;
    }
    t->model_bandwidth = in.bandwidth_mib_s;
    t->state_bytes = in.device_state_bytes;
    if (!dt_cost_predict(&in, &r, &error)) {
        g_free(t->error);
        t->error = g_strdup_printf("model: %s", error ? error->message : "");
        return;
    }
    t->predicted_downtime_ms = r.downtime_ms;
    t->predicted_total_ms = r.total_time_ms;
    t->in = in;
    t->switch_round = dt_cost_downtime_ramp(&in, t->limits, DTD_TUNE_RAMP_LEN);
    /* QEMU has not measured the dirty rate yet (it does at the first sync
     * after setup's): outside perpetual mode, where every sync re-dirties
     * the mapped RAM whatever the rate, the limit stays until it has */
    if (in.mode != DT_MODE_PERPETUAL)
        t->limits[0] = in.downtime_limit_ms;
    k = MIN(MAX(t->iteration, 1u), DTD_TUNE_RAMP_LEN) - 1;
    if (virDomainMigrateSetMaxDowntime(dom, t->limits[k], 0) < 0) {
        task_error(t, "virDomainMigrateSetMaxDowntime");
        return;
    }
    t->limit_set = t->limits[k];
}

/* libvirt's name for QEMU's vfio.transferred (libvirt 10.6); spelled out
 * so that the daemon builds against older headers, which never report it. */
#define DTD_JOB_VFIO_DATA_TRANSFERRED "vfio_data_transferred"

/* QEMU's own numbers for the running job, and the model run again from
 * them: the rate QEMU measured over its last window (the one its
 * switch-over threshold uses), the pages it found newly dirty per second
 * at its last sync, the RAM still dirty now.  The link for the stop, the
 * device state and the mode stay the START's.  FALSE when libvirt has no
 * usable numbers yet (no sync after setup's, nothing sent). */
static gboolean
observe(DtdTuneTask *t, virTypedParameterPtr params, int nparams, DtCostResult *r)
{
    unsigned long long remaining = 0, bps = 0, pages_s = 0, page_size = 4096, vfio = 0;
    DtCostInputs in = t->in;

    if (virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_MEMORY_REMAINING, &remaining) != 1 ||
        virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_MEMORY_BPS, &bps) != 1 ||
        virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE, &pages_s) != 1 ||
        bps < (1 << 20))
        return FALSE;
    virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_MEMORY_PAGE_SIZE, &page_size);
    t->obs.has_vfio = virTypedParamsGetULLong(params, nparams, DTD_JOB_VFIO_DATA_TRANSFERRED,
                                              &vfio) == 1;
    t->obs.iteration = t->iteration;
    t->obs.vfio_bytes = vfio;
    t->obs.remaining = remaining;
    t->obs.bandwidth_mib_s = bps >> 20;
    /* rounded up: a dirty rate is never understated */
    t->obs.dirty_mib_s = (pages_s * page_size + (1 << 20) - 1) >> 20;

    in.bandwidth_mib_s = t->obs.bandwidth_mib_s;
    in.dirty_rate_mib_s = t->obs.dirty_mib_s;
    /* nothing dirty is still "a running job", not a fresh one */
    in.pending_bytes = MAX(remaining, 1);
    in.setup_ms = 0;
    if (!dt_cost_predict(&in, r, NULL))
        return FALSE;
    t->in = in;
    t->switch_round = dt_cost_downtime_ramp(&in, t->limits, DTD_TUNE_RAMP_LEN);
    t->observed = TRUE;
    return TRUE;
}

static void
run_step(DtdTuneTask *t, virDomainPtr dom)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0, type = 0;
    unsigned long long remaining = 0, bps = 0, elapsed = 0;
    DtCostResult r;
    guint64 limit = t->limit_ms;

    if (virDomainGetJobStats(dom, &type, &params, &nparams, 0) < 0) {
        task_error(t, "virDomainGetJobStats");
        return;
    }
    if (type == VIR_DOMAIN_JOB_UNBOUNDED && observe(t, params, nparams, &r)) {
        virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_TIME_ELAPSED, &elapsed);
        t->predicted_downtime_ms = r.downtime_ms;
        t->predicted_total_ms = elapsed + r.total_time_ms;
        limit = t->limits[0];
        if (t->policy_budget && dt_cost_over_budget(&r, t->policy_budget)) {
            g_autofree char *msg = g_strdup_printf(
                _("At iteration %u QEMU measures %" PRIu64 " MiB/s of dirtying and %" PRIu64
                  " MiB/s of bandwidth with %" PRIu64 " MiB of RAM still dirty: the cost model, "
                  "run again on those numbers, predicts a freeze of %" PRIu64 " ms (%s), over "
                  "the budget of %" PRIu64 " ms (max-downtime-ms). Lower the guest's dirty rate "
                  "or raise the bandwidth before migrating again."),
                t->iteration, t->obs.dirty_mib_s, t->obs.bandwidth_mib_s, t->obs.remaining >> 20,
                r.downtime_ms,
                r.converges ? _("QEMU would switch over by itself")
                            : _("only with the downtime-limit raised"),
                t->policy_budget);

            abort_job(t, dom, DT_R_PREDICTED_DOWNTIME, msg, FALSE);
            virTypedParamsFree(params, nparams);
            return;
        }
    }
    if (limit && limit != t->limit_in_force) {
        if (virDomainMigrateSetMaxDowntime(dom, limit, 0) < 0) {
            task_error(t, "virDomainMigrateSetMaxDowntime");
            virTypedParamsFree(params, nparams);
            return;
        }
        t->limit_set = limit;
    }
    /* the model's plan overdue: the freeze QEMU's numbers imply now */
    if (t->budget_ms && type == VIR_DOMAIN_JOB_UNBOUNDED &&
        virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_MEMORY_REMAINING, &remaining) == 1 &&
        virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_MEMORY_BPS, &bps) == 1 && bps > 0) {
        t->measured_freeze_ms = (guint64) ((remaining + t->device_state_bytes) * 1000.0 / bps);
        if (t->measured_freeze_ms > t->budget_ms) {
            g_autofree char *msg = g_strdup_printf(
                _("Iteration %u and the migration still has not switched over: %llu MiB of RAM "
                  "and %" PRIu64 " MiB of device state left at %llu MiB/s would freeze "
                  "the guest for %" PRIu64 " ms, over the budget of %" PRIu64
                  " ms (max-downtime-ms). Lower the guest's dirty rate or raise the bandwidth "
                  "before migrating again."),
                t->iteration, remaining >> 20, t->device_state_bytes >> 20, bps >> 20,
                t->measured_freeze_ms, t->budget_ms);

            abort_job(t, dom, DT_R_PREDICTED_DOWNTIME, msg, FALSE);
        }
    }
    virTypedParamsFree(params, nparams);
}

static gboolean task_done(gpointer data);

static void
tune_worker(gpointer data, gpointer pool_data)
{
    DtdTuneTask *t = data;
    virConnectPtr conn;
    virDomainPtr dom = NULL;
    gint64 begun = g_get_monotonic_time();

    t->time = dt_timestamp_now();
    conn = rw_connection(t);
    if (conn)
        dom = virDomainLookupByName(conn, t->name);
    if (conn && !dom)
        task_error(t, "virDomainLookupByName");
    if (dom) {
        switch (t->kind) {
        case TASK_PUBLISH:
            run_publish(t, dom);
            break;
        case TASK_START:
            run_start(t, dom);
            break;
        case TASK_STEP:
            run_step(t, dom);
            break;
        case TASK_POSTCOPY:
            abort_job(t, dom, DT_R_POSTCOPY_UNSUPPORTED,
                      _("Post-copy started for a VM with VFIO devices: a device may write guest "
                        "pages the destination has not received yet. dirtytrackd paused the "
                        "migration; recover it with virsh migrate --postcopy-resume or destroy "
                        "one side, and migrate this VM with pre-copy only."), TRUE);
            break;
        }
        virDomainFree(dom);
    }
    t->took_ms = (guint64)(g_get_monotonic_time() - begun) / 1000;
    g_idle_add(task_done, t);
}

/* ---- the main-thread side -------------------------------------------------------- */

static void
emit(DtdDaemon *d, const char *signal, const char *name, const char *a, const char *b)
{
    if (!d->conn)
        return;
    dtbus_emit_signal(d->conn, DT_DBUS_PATH, DT_DBUS_MANAGER_IFACE, signal,
                      DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING, &a, DBUS_TYPE_STRING, &b,
                      DBUS_TYPE_INVALID);
}

static void
record_action(DtdDaemon *d, DtdTune *tune, const DtdTuneTask *t, const char *action,
              const char *detail)
{
    dt_set_str(&tune->last_action, action);
    dt_set_str(&tune->last_detail, detail);
    dt_set_str(&tune->action_time, t->time);
    g_message("Migration of %s: %s %s", tune->name, action, detail);
    emit(d, DTD_SIGNAL_MIGRATION_TUNED, tune->name, action, detail);
}

static void pump(DtdDaemon *d, DtdTune *tune);

static void
enqueue(DtdDaemon *d, DtdTune *tune, DtdTuneTask *task)
{
    if (task->kind == TASK_STEP) {
        /* only the newest iteration's limit matters */
        for (GList *l = tune->queue.head; l;) {
            GList *next = l->next;
            DtdTuneTask *old = l->data;

            if (old->kind == TASK_STEP) {
                task_free(old);
                g_queue_delete_link(&tune->queue, l);
            }
            l = next;
        }
    }
    g_queue_push_tail(&tune->queue, task);
    pump(d, tune);
}

static DtdTuneTask *
task_new(DtdDaemon *d, DtdTaskKind kind, const char *name)
{
    DtdTuneTask *t = g_new0(DtdTuneTask, 1);

    t->d = d;
    t->kind = kind;
    t->name = g_strdup(name);
    return t;
}

/* A PUBLISH carries what the dry run at the VM's start found. */
static DtdTuneTask *
publish_task_new(DtdDaemon *d, const char *name)
{
    DtdTuneTask *t = task_new(d, TASK_PUBLISH, name);

    t->dry_run = dtd_domains_dry_run(d, name);
    return t;
}

/* The STEP for the iteration the job is at now: from the second on QEMU
 * has numbers to read, so every iteration plans again. */
static void
step_for_iteration(DtdDaemon *d, DtdTune *tune)
{
    DtdTuneTask *t;
    guint64 limit;
    guint sync;
    gboolean overdue;

    if (!tune->started || !tune->applicable || tune->abort_code || tune->iteration == 0)
        return;
    sync = tune->iteration - 1;
    limit = tune->limits[MIN(sync - MIN(sync, tune->plan_base), DTD_TUNE_RAMP_LEN - 1)];
    overdue = tune->budget > 0 &&
              sync > tune->plan_base + tune->switch_round + DTD_TUNE_GRACE_ROUNDS;
    if (limit == tune->limit_ms && !overdue && tune->iteration < 2)
        return;
    t = task_new(d, TASK_STEP, tune->name);
    t->iteration = tune->iteration;
    t->limit_ms = limit;
    t->limit_in_force = tune->limit_ms;
    t->budget_ms = overdue ? tune->budget : 0;
    t->policy_budget = tune->budget;
    t->device_state_bytes = tune->state_bytes;
    t->in = tune->in;
    enqueue(d, tune, t);
}

/* The model's plan and prediction a START or an observing STEP made:
 * its limits[0] is for sync plan_base. */
static void
adopt_plan(DtdTune *tune, const DtdTuneTask *t, guint plan_base)
{
    tune->in = t->in;
    memcpy(tune->limits, t->limits, sizeof(tune->limits));
    tune->plan_base = plan_base;
    tune->switch_round = t->switch_round;
    tune->predicted_downtime_ms = t->predicted_downtime_ms;
    tune->predicted_total_ms = t->predicted_total_ms;
}

static void
apply_result(DtdDaemon *d, DtdTune *tune, DtdTuneTask *t)
{
    g_autofree char *detail = NULL;

    if (t->kind == TASK_PUBLISH) {
        if (t->plan.valid) {
            plan_copy(&tune->plan, &t->plan);
            dt_set_str(&tune->plan.host_fp, d->host ? d->host->fingerprint : NULL);
        }
        if (t->metadata_written) {
            dt_set_str(&tune->published_fingerprint, t->fingerprint);
            dt_set_str(&tune->published_time, t->time);
            g_message("Wrote the capability fingerprint of %s into its metadata (%s)",
                      tune->name, t->fingerprint);
        }
        return;
    }
    if (t->kind == TASK_START) {
        tune->started = TRUE;
        tune->plan_source = t->plan_reused ? "domain-start" : "first-iteration";
        tune->start_task_ms = t->took_ms;
        tune->applicable = t->applicable;
        if (!t->applicable) {
            if (!t->error)
                g_message("Migration of %s: no VFIO device, not tuned", tune->name);
            return;
        }
        /* the verdict, mode and budget the job is tuned by: the plan's */
        dt_set_str(&tune->mode, t->plan.mode);
        dt_set_str(&tune->verdict, t->plan.verdict);
        adopt_plan(tune, t, 0);
        tune->budget = t->plan.budget;
        tune->model_bandwidth = t->model_bandwidth;
        tune->state_bytes = t->state_bytes;
        tune->observed = FALSE;
        if (t->bandwidth_set) {
            tune->bandwidth_mib_s = t->bandwidth_set;
            detail = g_strdup_printf("bandwidth-mib-s=%" PRIu64, t->bandwidth_set);
            record_action(d, tune, t, "bandwidth", detail);
            g_clear_pointer(&detail, g_free);
        }
    }
    if (t->observed) {
        gboolean news = !tune->observed ||
                        t->predicted_downtime_ms != tune->predicted_downtime_ms ||
                        t->limits[0] != tune->limit_ms;

        tune->observed = TRUE;
        tune->obs = t->obs;
        adopt_plan(tune, t, t->iteration - 1);
        /* announced when it says something new, not on every sync */
        if (news) {
            g_autofree char *vfio = t->obs.has_vfio
                ? g_strdup_printf(" vfio-transferred-bytes=%" PRIu64, t->obs.vfio_bytes)
                : g_strdup("");

            detail = g_strdup_printf("iteration=%u observed-dirty-rate-mib-s=%" PRIu64
                                     " observed-bandwidth-mib-s=%" PRIu64
                                     " observed-remaining-mib=%" PRIu64 "%s"
                                     " model-switch-iteration=%u predicted-downtime-ms=%" PRIu64
                                     " predicted-total-ms=%" PRIu64,
                                     t->iteration, t->obs.dirty_mib_s, t->obs.bandwidth_mib_s,
                                     t->obs.remaining >> 20, vfio,
                                     tune->plan_base + tune->switch_round + 1,
                                     t->predicted_downtime_ms, t->predicted_total_ms);
            record_action(d, tune, t, "prediction", detail);
            g_clear_pointer(&detail, g_free);
        }
    }
    if (t->limit_set) {
        tune->limit_ms = t->limit_set;
        detail = g_strdup_printf("iteration=%u downtime-limit-ms=%" PRIu64
                                 " mode=%s model-switch-iteration=%u"
                                 " predicted-downtime-ms=%" PRIu64
                                 " predicted-total-ms=%" PRIu64,
                                 t->iteration, t->limit_set, tune->mode ? tune->mode : "none",
                                 tune->plan_base + tune->switch_round + 1, tune->predicted_downtime_ms,
                                 tune->predicted_total_ms);
        record_action(d, tune, t, "downtime-limit", detail);
    }
    if (t->aborted) {
        tune->job_active = FALSE;
        dt_set_str(&tune->abort_code, t->abort_code);
        dt_set_str(&tune->abort_message, t->abort_message);
        dt_set_str(&tune->abort_time, t->time);
        g_message("Migration of %s aborted [%s]: %s", tune->name, t->abort_code,
                  t->abort_message);
        emit(d, DTD_SIGNAL_MIGRATION_ABORTED, tune->name, t->abort_code, t->abort_message);
    }
    /* iterations that arrived while this task ran */
    if (t->kind == TASK_START || t->iteration < tune->iteration)
        step_for_iteration(d, tune);
}

static const char *
task_kind_name(DtdTaskKind kind)
{
    switch (kind) {
    case TASK_PUBLISH: return "publish";
    case TASK_START: return "start";
    case TASK_STEP: return "step";
    case TASK_POSTCOPY: return "postcopy";
    }
    return "?";
}

static gboolean
task_done(gpointer data)
{
    DtdTuneTask *t = data;
    DtdDaemon *d = t->d;
    DtdTune *tune = d->tunes ? g_hash_table_lookup(d->tunes, t->name) : NULL;

    if (t->error)
        g_warning("Tuning %s (%s task, iteration %u, %" PRIu64 " ms): %s", t->name,
                  task_kind_name(t->kind), t->iteration, t->took_ms, t->error);
    if (tune && t->error) {
        dt_set_str(&tune->error_task, task_kind_name(t->kind));
        dt_set_str(&tune->error, t->error);
        dt_set_str(&tune->error_time, t->time);
        tune->error_iteration = t->iteration;
        tune->error_took_ms = t->took_ms;
    }
    if (tune) {
        tune->busy = FALSE;
        apply_result(d, tune, t);
        pump(d, tune);
    }
    task_free(t);
    return G_SOURCE_REMOVE;
}

static void
pump(DtdDaemon *d, DtdTune *tune)
{
    g_autoptr(GError) error = NULL;
    DtdTuneTask *t;

    if (tune->busy || !d->tune_pool || hook_in_flight(d, tune->name))
        return;
    t = g_queue_pop_head(&tune->queue);
    if (!t)
        return;
    if (!g_thread_pool_push(d->tune_pool, t, &error)) {
        g_warning("Cannot queue tuning of %s: %s", tune->name, error->message);
        task_free(t);
        return;
    }
    tune->busy = TRUE;
}

/* ---- libvirt events (main thread) ---------------------------------------------------- */

static int
on_iteration(virConnectPtr conn, virDomainPtr dom, int iteration, void *opaque)
{
    DtdDaemon *d = opaque;
    const char *name = virDomainGetName(dom);
    DtdTune *tune;

    if (!name || iteration < 1 || !d->tunes)
        return 0;
    tune = tune_get(d, name);
    /* within a job the count only grows: anything else is the next job
     * (after a completed, failed or aborted one) */
    if (!tune->job_active || (guint) iteration <= tune->iteration) {
        DtdTuneTask *t = task_new(d, TASK_START, name);

        /* a new outgoing job: forget the last one's numbers */
        tune->job_active = TRUE;
        tune->started = FALSE;
        tune->applicable = FALSE;
        tune->limit_ms = 0;
        tune->bandwidth_mib_s = 0;
        tune->completed = FALSE;
        tune->observed = FALSE;
        tune->plan_base = 0;
        g_clear_pointer(&tune->abort_code, g_free);
        g_clear_pointer(&tune->abort_message, g_free);
        g_clear_pointer(&tune->abort_time, g_free);
        g_clear_pointer(&tune->error, g_free);
        tune->iteration = iteration;
        tune->plan_source = NULL;
        tune->start_task_ms = 0;
        t->iteration = iteration;
        /* the domain start's plan, unless the database or the host changed
         * since (the definition is compared in the task) */
        if (tune->plan.valid && tune->plan.vdb_gen == dtd_vdb_gen(d) &&
            g_strcmp0(tune->plan.host_fp, d->host ? d->host->fingerprint : NULL) == 0)
            plan_copy(&t->plan, &tune->plan);
        enqueue(d, tune, t);
        return 0;
    }
    tune->iteration = iteration;
    step_for_iteration(d, tune);
    return 0;
}

static int
on_job_completed(virConnectPtr conn, virDomainPtr dom, virTypedParameterPtr params,
                 int nparams, void *opaque)
{
    DtdDaemon *d = opaque;
    const char *name = virDomainGetName(dom);
    DtdTune *tune;
    unsigned long long v;

    /* the source's stopped-by-migration event may come first: no job_active test */
    if (!name || !d->tunes || !(tune = g_hash_table_lookup(d->tunes, name)))
        return 0;
    tune->job_active = FALSE;
    tune->completed = TRUE;
    tune->completed_elapsed_ms = tune->completed_downtime_ms = 0;
    if (virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_TIME_ELAPSED, &v) == 1)
        tune->completed_elapsed_ms = v;
    if (virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_DOWNTIME, &v) == 1)
        tune->completed_downtime_ms = v;
    return 0;
}

/* A hot-plugged or unplugged hostdev changes the device list the
 * destination matches by position: publish again. */
static int
on_device_changed(virConnectPtr conn, virDomainPtr dom, const char *alias, void *opaque)
{
    DtdDaemon *d = opaque;
    const char *name = virDomainGetName(dom);

    if (name && d->tunes)
        enqueue(d, tune_get(d, name), publish_task_new(d, name));
    return 0;
}

gboolean
dtd_tune_register_events(virConnectPtr conn, DtdDaemon *d)
{
    return virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION,
                                            VIR_DOMAIN_EVENT_CALLBACK(on_iteration),
                                            d, NULL) >= 0 &&
           virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
                                            VIR_DOMAIN_EVENT_CALLBACK(on_job_completed),
                                            d, NULL) >= 0 &&
           virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_DEVICE_ADDED,
                                            VIR_DOMAIN_EVENT_CALLBACK(on_device_changed),
                                            d, NULL) >= 0 &&
           virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
                                            VIR_DOMAIN_EVENT_CALLBACK(on_device_changed),
                                            d, NULL) >= 0;
}

void
dtd_tune_lifecycle(DtdDaemon *d, const char *name, int event, int detail)
{
    DtdTune *tune;

    if (!d->tunes)
        return;
    if ((event == VIR_DOMAIN_EVENT_STARTED && detail != VIR_DOMAIN_EVENT_STARTED_MIGRATED) ||
        (event == VIR_DOMAIN_EVENT_RESUMED && detail == VIR_DOMAIN_EVENT_RESUMED_MIGRATED)) {
        /* running here, from where it will leave next: publish what this
         * host offers (an arrival waits for the resume: during the incoming
         * job the definition is the hook's) */
        tune = tune_get(d, name);
        enqueue(d, tune, publish_task_new(d, name));
        return;
    }
    tune = g_hash_table_lookup(d->tunes, name);
    if (!tune)
        return;
    if (event == VIR_DOMAIN_EVENT_SUSPENDED && detail == VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY &&
        tune->job_active && tune->applicable) {
        DtdTuneTask *t = task_new(d, TASK_POSTCOPY, name);

        t->iteration = tune->iteration;
        enqueue(d, tune, t);
    } else if (event == VIR_DOMAIN_EVENT_STOPPED ||
               (event == VIR_DOMAIN_EVENT_RESUMED && detail != VIR_DOMAIN_EVENT_RESUMED_POSTCOPY)) {
        /* gone, or running on here after a failed/aborted job */
        tune->job_active = FALSE;
        if (event == VIR_DOMAIN_EVENT_STOPPED)
            plan_clear(&tune->plan);
    }
}

void
dtd_tune_hook_begin(DtdDaemon *d, const char *name)
{
    guint n;

    if (!d->hooks_in_flight)
        return;
    n = GPOINTER_TO_UINT(g_hash_table_lookup(d->hooks_in_flight, name));
    g_hash_table_replace(d->hooks_in_flight, g_strdup(name), GUINT_TO_POINTER(n + 1));
}

void
dtd_tune_hook_end(DtdDaemon *d, const char *name)
{
    guint n;
    DtdTune *tune;

    if (!d->hooks_in_flight)
        return;
    n = GPOINTER_TO_UINT(g_hash_table_lookup(d->hooks_in_flight, name));
    if (n <= 1)
        g_hash_table_remove(d->hooks_in_flight, name);
    else
        g_hash_table_replace(d->hooks_in_flight, g_strdup(name), GUINT_TO_POINTER(n - 1));
    if (n <= 1 && (tune = g_hash_table_lookup(d->tunes, name)))
        pump(d, tune);
}

char *
dtd_tune_state_json(DtdDaemon *d, const char *name)
{
    const DtdTune *t = d->tunes ? g_hash_table_lookup(d->tunes, name) : NULL;
    g_autoptr(JsonBuilder) b = NULL;

    if (!t || (!t->job_active && !t->started && !t->published_fingerprint))
        return NULL;
    b = json_builder_new();
    json_builder_begin_object(b);
    dt_json_add_bool(b, "job-active", t->job_active);
    dt_json_add_bool(b, "vfio", t->applicable);
    dt_json_add_uint(b, "iteration", t->iteration);
    dt_json_add_string(b, "mode", t->mode);
    dt_json_add_uint(b, "downtime-limit-ms", t->limit_ms);
    dt_json_add_uint(b, "bandwidth-mib-s", t->bandwidth_mib_s);
    dt_json_add_uint(b, "model-bandwidth-mib-s", t->model_bandwidth);
    dt_json_add_uint(b, "model-switch-iteration",
            t->started && t->applicable ? t->plan_base + t->switch_round + 1 : 0);
    dt_json_add_uint(b, "predicted-downtime-ms", t->predicted_downtime_ms);
    dt_json_add_uint(b, "predicted-total-ms", t->predicted_total_ms);
    dt_json_add_uint(b, "max-downtime-ms", t->budget);
    dt_json_add_string(b, "plan", t->plan_source);
    dt_json_add_uint(b, "start-task-ms", t->start_task_ms);
    json_builder_set_member_name(b, "observed");
    if (t->observed) {
        json_builder_begin_object(b);
        dt_json_add_uint(b, "iteration", t->obs.iteration);
        dt_json_add_uint(b, "dirty-rate-mib-s", t->obs.dirty_mib_s);
        dt_json_add_uint(b, "bandwidth-mib-s", t->obs.bandwidth_mib_s);
        dt_json_add_uint(b, "remaining-bytes", t->obs.remaining);
        json_builder_set_member_name(b, "vfio-transferred-bytes");
        if (t->obs.has_vfio)
            json_builder_add_int_value(b, (gint64) t->obs.vfio_bytes);
        else
            json_builder_add_null_value(b);
        json_builder_end_object(b);
    } else {
        json_builder_add_null_value(b);
    }
    json_builder_set_member_name(b, "last-action");
    if (t->last_action) {
        json_builder_begin_object(b);
        dt_json_add_string(b, "action", t->last_action);
        dt_json_add_string(b, "detail", t->last_detail);
        dt_json_add_string(b, "time", t->action_time);
        json_builder_end_object(b);
    } else {
        json_builder_add_null_value(b);
    }
    json_builder_set_member_name(b, "aborted");
    if (t->abort_code) {
        json_builder_begin_object(b);
        dt_json_add_string(b, "code", t->abort_code);
        dt_json_add_string(b, "message", t->abort_message);
        dt_json_add_string(b, "time", t->abort_time);
        json_builder_end_object(b);
    } else {
        json_builder_add_null_value(b);
    }
    json_builder_set_member_name(b, "completed");
    if (t->completed) {
        json_builder_begin_object(b);
        dt_json_add_uint(b, "time-elapsed-ms", t->completed_elapsed_ms);
        dt_json_add_uint(b, "downtime-ms", t->completed_downtime_ms);
        json_builder_end_object(b);
    } else {
        json_builder_add_null_value(b);
    }
    dt_json_add_string(b, "published-fingerprint", t->published_fingerprint);
    dt_json_add_string(b, "published-time", t->published_time);
    json_builder_set_member_name(b, "last-error");
    if (t->error) {
        json_builder_begin_object(b);
        dt_json_add_string(b, "task", t->error_task);
        dt_json_add_uint(b, "iteration", t->error_iteration);
        dt_json_add_uint(b, "task-ms", t->error_took_ms);
        dt_json_add_string(b, "message", t->error);
        dt_json_add_string(b, "time", t->error_time);
        json_builder_end_object(b);
    } else {
        json_builder_add_null_value(b);
    }
    json_builder_end_object(b);
    return dtd_json_string(b);
}

gboolean
dtd_tune_init(DtdDaemon *d, GError **error)
{
    d->tunes = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify) tune_free);
    d->hooks_in_flight = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    /* one thread: per-domain order for free, and at most one libvirt call
     * of ours waiting on any libvirtd at a time */
    d->tune_pool = g_thread_pool_new(tune_worker, d, 1, FALSE, error);
    return d->tune_pool != NULL;
}

void
dtd_tune_stop(DtdDaemon *d)
{
    if (d->tune_pool)
        g_thread_pool_free(g_steal_pointer(&d->tune_pool), FALSE, TRUE);
    /* results of tasks that finished: dropped with their domains' state */
    while (g_main_context_iteration(NULL, FALSE))
        ;
    if (rw_conn) {
        virConnectClose(rw_conn);
        rw_conn = NULL;
    }
    g_clear_pointer(&d->tunes, g_hash_table_unref);
    g_clear_pointer(&d->hooks_in_flight, g_hash_table_unref);
}
