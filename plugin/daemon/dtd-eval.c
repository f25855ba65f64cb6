/* dtd-eval.c: dirtytrackd's evaluations: the work behind Evaluate, Filter
 * and HookEvent, and their answers.
 *
 * A job is queued with what it starts from, taken on the main thread when
 * it gets its place (the host snapshot, the variant-driver database in
 * force, the uevent generation); a worker evaluates the domain from them
 * (dt_evaluate() with the snapshot as its host, dtd-host.c), renders the
 * report and, for Filter, rewrites the domain; the answer, back on the main
 * thread, sends the reply, records what a privileged caller's evaluation
 * says of a tracked domain (dtd-domains.c) and keeps an Evaluate answer in
 * the decision cache while nothing it was read from has moved (dtd-cache.c).
 *
 * Evaluate and Filter answer with the report and, since API version 3,
 * with the verdict, mode and reasons as D-Bus types (docs/dbus-api.md), so
 * that the hook reads its answer without a JSON parser.  A repeated
 * Evaluate is answered from the cache in the main loop, by a copy of the
 * reply first sent.  Pre-flight evaluations, which open devices, are never
 * cached.
 */
#include "config.h"

#include <string.h>

#include "eval/dt-eval.h"
#include "render/dt-report.h"
#include "render/dt-rewrite.h"
#include "model/dt-util.h"
#include "model/dt-xml.h"
#include "dbus/dtbus.h"
#include "daemon/dtd.h"

/* The hook's `start begin`: the devices are bound and QEMU does not hold
 * them yet, the one moment the source can dry-run what its migration
 * will need (DtOutgoing). */
static gboolean
dry_run_at_start(const DtdJob *job)
{
    return job->kind == DTD_JOB_EVALUATE && g_strcmp0(job->args.op, "start") == 0 &&
           job->args.role == DT_ROLE_SOURCE;
}

/* The hook's migrate filter dry-runs the tracking when the host's
 * configuration opts in.  Only for root (libvirt's hook): the dry run
 * opens idle devices, which resets them, and no other caller may make
 * the daemon touch a device. */
static gboolean
wants_preflight(const DtdDaemon *d, const DtdJob *job)
{
    return !job->user_lane && d->config && d->config->hook_preflight && job->args.op &&
           ((g_str_equal(job->args.op, "migrate") && job->args.role == DT_ROLE_DESTINATION) ||
            dry_run_at_start(job));
}

static void
evaluate(DtdJob *job)
{
    DtdDaemon *d = job->d;
    DtEvalOptions opts = {
        .sysroot = d->sysroot,
        .role = job->args.role,
        .qemu_version = job->args.qemu_version,
        .libvirt_version = job->args.libvirt_version,
        .config = d->config,
        .vdb = job->vdb,
        /* never from a bus request: probing idle devices resets them */
        .probe_ioctl = FALSE,
        .preflight = job->preflight,
        /* pre-flight opens devices: it reads their state afresh */
        .host_func = job->preflight ? NULL : dtd_host_snapshot_host,
        .host_data = &job->from,
        /* never what the caller's <emulator> names (dt-qemu-registry.h) */
        .qemu_registry = d->qemu,
        .recall = dtd_observed_recall,
        .recall_data = d->observed,
    };
    /* parsed once: Filter rewrites the document the evaluation read */
    g_autoptr(xmlDoc) doc = dt_xml_parse(job->xml, job->xml_len, _("domain XML"), "domain",
                                         &job->error);

    job->time = dt_timestamp_now();
    job->eval = doc ? dt_evaluate_doc(doc, &opts, &job->error) : NULL;
    if (job->eval && job->preflight) {
        /* the devices were idle and asked: remembered for when QEMU holds them */
        g_autoptr(DtPaths) paths = dt_paths_new(d->sysroot);

        dtd_observed_keep(d->observed, job->eval->host, paths);
    }
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
    if (job->kind == DTD_JOB_HOOK_EVENT)
        /* recorded, not answered: no report to render */
        return;
    job->report_json = dt_report_decision_json(job->eval->decision, job->eval->domain);
    if (!job->report_json) {
        g_set_error(&job->error, DT_ERROR, DT_ERROR_FAILED, _("Rendering the report failed"));
        return;
    }
    job->entry = dtd_cache_entry_new(job);
    if (job->kind == DTD_JOB_FILTER) {
        g_autofree char *out = NULL;

        if (!dt_rewrite_domain_doc(doc, job->eval->decision, d->hostname, job->time, &out,
                                   &job->error)) {
            if (!job->error)
                g_set_error(&job->error, DT_ERROR, DT_ERROR_FAILED,
                            _("Rewriting the domain XML failed"));
            return;
        }
        job->changed = out != NULL;
        job->new_xml = out ? g_steal_pointer(&out) : g_strdup("");
    }
}

/* What the evaluation starts from, as of its place in the queue. */
static void
eval_queued(DtdJob *job)
{
    DtdDaemon *d = job->d;

    if (!job->xml)
        return;
    job->preflight = wants_preflight(d, job);
    if (d->host && !d->host->error && d->host->host && d->host->uevent_gen == d->uevent_gen)
        job->from.base = dtd_host_snapshot_ref(d->host);
    job->vdb = dtd_vdb_current(d);
    job->vdb_ref = dtd_vdb_ref(d);
    if (job->vdb_ref)
        job->vdb = job->vdb_ref->vdb;
    job->vdb_gen = dtd_vdb_gen(d);
    job->observed_gen = dtd_observed_gen(d->observed);
    job->uevent_gen = d->uevent_gen;
}

static void
eval_run(DtdJob *job)
{
    if (job->kind != DTD_JOB_HOOK_EVENT || job->evaluate)
        evaluate(job);
    else
        job->time = dt_timestamp_now();
}

/* The decision's reasons as a(ssss): code, severity, device ("" for none),
 * message, in the report's order. */
static gboolean
append_reasons(DBusMessageIter *it, const DtDecision *dec)
{
    DBusMessageIter array, st;
    gboolean ok = dbus_message_iter_open_container(it, DBUS_TYPE_ARRAY, "(ssss)", &array);

    for (guint i = 0; ok && dec->reasons && i < dec->reasons->len; i++) {
        const DtReason *r = g_ptr_array_index(dec->reasons, i);
        const char *fields[] = { r->code ? r->code : "", dt_severity_to_string(r->severity),
                                 r->device ? r->device : "", r->message ? r->message : "" };

        ok = dbus_message_iter_open_container(&array, DBUS_TYPE_STRUCT, NULL, &st);
        for (guint f = 0; ok && f < G_N_ELEMENTS(fields); f++)
            ok = dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &fields[f]);
        ok = ok && dbus_message_iter_close_container(&array, &st);
    }
    return ok && dbus_message_iter_close_container(it, &array);
}

/* Evaluate -> (verdict, mode, report_json, reasons);
 * Filter -> (verdict, report_json, new_xml, mode, reasons). */
static DBusMessage *
eval_reply(const DtdJob *job)
{
    const DtDecision *dec = job->eval->decision;
    const char *verdict = dt_verdict_to_string(dec->verdict);
    const char *mode = dt_mode_to_string(dec->mode);
    DBusMessage *reply = dbus_message_new_method_return(job->msg);
    DBusMessageIter it;
    gboolean ok;

    if (!reply)
        return NULL;
    if (job->kind == DTD_JOB_EVALUATE)
        ok = dbus_message_append_args(reply, DBUS_TYPE_STRING, &verdict, DBUS_TYPE_STRING, &mode,
                                      DBUS_TYPE_STRING, &job->report_json, DBUS_TYPE_INVALID);
    else
        ok = dbus_message_append_args(reply, DBUS_TYPE_STRING, &verdict, DBUS_TYPE_STRING,
                                      &job->report_json, DBUS_TYPE_STRING, &job->new_xml,
                                      DBUS_TYPE_STRING, &mode, DBUS_TYPE_INVALID);
    dbus_message_iter_init_append(reply, &it);
    if (!ok || !append_reasons(&it, dec)) {
        dbus_message_unref(reply);
        return dtd_error_reply_code(job->msg, DT_ERROR_FAILED, _("Out of memory"));
    }
    return reply;
}

/* Back on the main thread: the reply, what it says of a tracked domain,
 * and the decision cache. */
static void
eval_answer(DtdJob *job)
{
    DtdDaemon *d = job->d;
    DBusMessage *reply = NULL;

    if (job->from.stale && job->from.base && d->host == job->from.base && !d->probing)
        /* a device (or a host file) changed without a uevent telling us */
        dtd_host_refresh(d);
    if (job->error) {
        reply = dtd_error_reply(job->msg, job->error);
    } else if (job->kind == DTD_JOB_EVALUATE) {
        gboolean dry_run = job->preflight && dry_run_at_start(job);
        const char *name = job->eval->domain->name;
        DtdDomainState *s = job->privileged && name && dtd_args_check_domain_name(name, NULL)
                                ? dtd_domains_get(d, name, dry_run)
                                : NULL;

        /* Only a privileged caller updates what we know of a domain, and
         * only of one we already track (or one that starts): anyone may
         * ask "what if". */
        if (s)
            dtd_domains_record(s, job->args.role, job->eval->decision, job->time);
        if (s && dry_run)
            dtd_domains_record_dry_run(s, job->eval->decision, job->time);
        reply = eval_reply(job);
        /* keep it if nothing it was read from has moved since */
        if (reply && job->entry && d->cache && d->host == job->from.base &&
            job->uevent_gen == d->uevent_gen && job->vdb_gen == dtd_vdb_gen(d)) {
            DtdCacheEntry *entry = g_steal_pointer(&job->entry);

            entry->reply = dbus_message_copy(reply);
            entry->decision = g_steal_pointer(&job->eval->decision);
            if (d->host->root_fd < 0 || dtd_cache_watch_entry(d, entry))
                dtd_cache_insert(d->cache, entry);
            else
                dtd_cache_entry_free(entry);
        }
    } else if (job->kind == DTD_JOB_FILTER) {
        const char *name = job->eval->domain->name;

        if (job->privileged && name && dtd_args_check_domain_name(name, NULL)) {
            gboolean incoming = job->args.op && g_str_equal(job->args.op, "migrate");
            DtdDomainState *s = dtd_domains_get(d, name, incoming);

            if (s) {
                dtd_domains_record(s, job->args.role, job->eval->decision, job->time);
                if (incoming) {
                    s->migrating = TRUE;
                    dtd_domains_emit_gated(d, s);
                }
            }
        }
        reply = eval_reply(job);
    } else {
        dtd_domains_hook_event(d, job);
        reply = dbus_message_new_method_return(job->msg);
    }
    if (reply && dbus_message_get_no_reply(job->msg))
        dbus_message_unref(reply);
    else if (reply)
        dtbus_send_message(d->conn, reply);
    if (job->kind == DTD_JOB_HOOK_EVENT)
        dtd_tune_hook_end(d, job->name);
}

DtdJob *
dtd_eval_job_new(DtdDaemon *d, DtdJobKind kind, DBusMessage *msg, const DtbusCaller *caller)
{
    DtdJob *job = dtd_job_new_call(d, eval_run, eval_answer, msg, caller);

    job->kind = kind;
    job->queued = eval_queued;
    /* HookEvent: libvirt's hook waits; a Busy for it is not held back */
    job->answer_now = kind == DTD_JOB_HOOK_EVENT;
    return job;
}

/* An Evaluate answered from the decision cache, in the main loop, or NULL. */
DBusMessage *
dtd_eval_cached_reply(DtdDaemon *d, DtdJob *job, const char *xml)
{
    DtdCacheKey key = {
        .role = job->args.role,
        .qemu_version = job->args.qemu_version,
        .libvirt_version = job->args.libvirt_version,
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
    if (!dtd_cache_entry_valid(d, e)) {
        dtd_cache_remove(d->cache, e);
        return NULL;
    }
    if (job->privileged && e->domain_name) {
        /* as eval_answer() records an evaluation */
        DtdDomainState *s = dtd_domains_get(d, e->domain_name, FALSE);

        if (s) {
            g_autofree char *now = dt_timestamp_now();

            if (!e->reasons_json)
                e->reasons_json = dtd_domains_reasons_json(e->decision);
            dtd_domains_record_result(s, job->args.role, dt_verdict_to_string(e->decision->verdict),
                                      dt_mode_to_string(e->decision->mode),
                                      e->decision->fingerprint, now, e->reasons_json);
        }
    }
    /* the same answer, addressed to this call; the body (the report) is
     * copied as it is, not marshalled and validated again */
    reply = dbus_message_copy(e->reply);
    if (!reply || !dbus_message_set_reply_serial(reply, dbus_message_get_serial(job->msg)) ||
        !dbus_message_set_destination(reply, dbus_message_get_sender(job->msg))) {
        if (reply)
            dbus_message_unref(reply);
        return NULL;
    }
    return reply;
}
