/* dtd-domains.c: what dirtytrackd knows of each domain.
 *
 * Filled from the hook's HookEvent calls, from privileged Evaluate and
 * Filter calls about a domain already tracked (an incoming migrate's Filter
 * starts tracking it), and from libvirt's lifecycle events (dtd-libvirt.c);
 * read by GetDomainState.  Main thread only.  Only privileged callers
 * change it: anyone may ask "what if", but not rewrite the record.
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "dbus/dt-dbus-api.h"
#include "render/dt-report.h"
#include "decide/dt-decide.h"
#include "model/dt-util.h"
#include "dbus/dtbus.h"
#include "daemon/dtd.h"

void
dtd_domains_state_free(DtdDomainState *s)
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
    g_clear_pointer(&s->dry_run, g_ptr_array_unref);
    g_free(s->dry_run_time);
    g_free(s);
}

static DtReason *
reason_copy(const DtReason *r)
{
    DtReason *c = g_new0(DtReason, 1);

    c->code = g_strdup(r->code);
    c->severity = r->severity;
    c->device = g_strdup(r->device);
    c->message = g_strdup(r->message);
    return c;
}

void
dtd_domains_record_dry_run(DtdDomainState *s, const DtDecision *dec, const char *time)
{
    g_clear_pointer(&s->dry_run, g_ptr_array_unref);
    s->dry_run = g_ptr_array_new_with_free_func((GDestroyNotify)dt_reason_free);
    /* only what fails a migration at setup with no blocker before it: the
     * rest QEMU refuses by itself, with its own words, before sending;
     * the code that tells (dt_decide_code_fails_source_setup) is the one
     * the destination reads the record with */
    for (guint i = 0; dec && i < dec->reasons->len; i++) {
        const DtReason *r = g_ptr_array_index(dec->reasons, i);

        if (r->severity == DT_SEVERITY_ERROR && dt_decide_code_fails_source_setup(r->code))
            g_ptr_array_add(s->dry_run, reason_copy(r));
    }
    dt_set_str(&s->dry_run_time, time);
}

GPtrArray *
dtd_domains_dry_run(DtdDaemon *d, const char *name)
{
    DtdDomainState *s = dtd_domains_get(d, name, FALSE);

    /* never changed once recorded (a new dry run is a new array): the
     * tuning thread may read it while the main thread replaces it */
    return s && s->dry_run ? g_ptr_array_ref(s->dry_run) : NULL;
}

char *
dtd_domains_reasons_json(const DtDecision *dec)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    dt_json_add_reasons(b, dec ? dec->reasons : NULL);
    return dtd_json_string(b);
}

DtdDomainState *
dtd_domains_get(DtdDaemon *d, const char *name, gboolean create)
{
    DtdDomainState *s = g_hash_table_lookup(d->domains, name);

    if (!s && create) {
        s = g_new0(DtdDomainState, 1);
        s->name = g_strdup(name);
        g_hash_table_insert(d->domains, s->name, s);
    }
    return s;
}

void
dtd_domains_record_result(DtdDomainState *s, DtRole role, const char *verdict, const char *mode,
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

void
dtd_domains_record(DtdDomainState *s, DtRole role, const DtDecision *dec, const char *time)
{
    g_autofree char *reasons = dtd_domains_reasons_json(dec);

    dtd_domains_record_result(s, role, dt_verdict_to_string(dec->verdict),
                              dt_mode_to_string(dec->mode), dec->fingerprint, time, reasons);
}

void
dtd_domains_emit_gated(DtdDaemon *d, const DtdDomainState *s)
{
    const char *verdict = s->verdict;
    const char *reasons = s->reasons_json;

    dtbus_emit_signal(d->conn, DT_DBUS_PATH, DT_DBUS_MANAGER_IFACE,
                      DT_DBUS_SIGNAL_MIGRATION_GATED, DBUS_TYPE_STRING, &s->name,
                      DBUS_TYPE_STRING, &verdict, DBUS_TYPE_STRING, &reasons,
                      DBUS_TYPE_INVALID);
}

void
dtd_domains_hook_event(DtdDaemon *d, const DtdJob *job)
{
    DtdDomainState *s;

    if (g_str_equal(job->args.op, "release")) {
        /* libvirt is done with the domain: nothing left to report */
        g_hash_table_remove(d->domains, job->name);
        return;
    }
    s = dtd_domains_get(d, job->name, TRUE);
    dt_set_str(&s->last_op, job->args.op);
    dt_set_str(&s->last_subop, job->subop);
    dt_set_str(&s->event_time, job->time);
    if (g_str_equal(job->args.op, "started") || g_str_equal(job->args.op, "reconnect") ||
        g_str_equal(job->args.op, "attach"))
        s->running = TRUE;
    else if (g_str_equal(job->args.op, "stopped"))
        s->running = FALSE;
    if (g_str_equal(job->args.op, "migrate"))
        s->migrating = TRUE;
    else if (g_str_equal(job->args.op, "stopped") || g_str_equal(job->args.op, "restore"))
        s->migrating = FALSE;
    if (job->eval)
        dtd_domains_record(s, job->args.role, job->eval->decision, job->time);
    if (g_str_equal(job->args.op, "migrate") && job->eval)
        dtd_domains_emit_gated(d, s);
}

void
dtd_domains_lifecycle(DtdDaemon *d, const char *name, const char *event, int detail,
                     gboolean running, gboolean migrated)
{
    DtdDomainState *s;

    if (!dtd_args_check_domain_name(name, NULL))
        return;
    s = dtd_domains_get(d, name, TRUE);
    s->running = running;
    if (migrated)
        /* started/suspended by a migration: it is under way (incoming QEMU
         * up, or the source paused for switchover); resumed/stopped: over */
        s->migrating = g_str_equal(event, "started") || g_str_equal(event, "suspended");
    else if (!running)
        s->migrating = FALSE;
    /* the next run of the VM gets a dry run of its own */
    if (g_str_equal(event, "stopped")) {
        g_clear_pointer(&s->dry_run, g_ptr_array_unref);
        g_clear_pointer(&s->dry_run_time, g_free);
    }
    dt_set_str(&s->virt_event, event);
    s->virt_detail = detail;
    g_free(s->virt_time);
    s->virt_time = dt_timestamp_now();
}

char *
dtd_domains_state_json(DtdDaemon *d, const DtdDomainState *s)
{
    g_autoptr(JsonBuilder) b = NULL;
    g_autofree char *tuning = NULL;

    b = json_builder_new();
    json_builder_begin_object(b);
    dt_json_add_string(b, "name", s->name);
    dt_json_add_bool(b, "running", s->running);
    dt_json_add_bool(b, "migration-in-progress", s->migrating);
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
        dt_json_add_int(b, "detail", s->virt_detail);
        dt_json_add_string(b, "time", s->virt_time);
        json_builder_end_object(b);
    } else {
        json_builder_add_null_value(b);
    }
    json_builder_set_member_name(b, "tuning");
    tuning = dtd_tune_state_json(d, s->name);
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
        dt_json_add_string(b, "role", dt_role_to_string(s->role));
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
    json_builder_set_member_name(b, "dry-run");
    if (s->dry_run) {
        json_builder_begin_object(b);
        dt_json_add_string(b, "time", s->dry_run_time);
        json_builder_set_member_name(b, "reasons");
        dt_json_add_reasons(b, s->dry_run);
        json_builder_end_object(b);
    } else {
        json_builder_add_null_value(b);
    }
    json_builder_end_object(b);
    return dtd_json_string(b);
}

void
dtd_domains_init(DtdDaemon *d)
{
    d->domains = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify) dtd_domains_state_free);
}
