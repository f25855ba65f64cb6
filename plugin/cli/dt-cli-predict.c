/* dt-cli-predict.c: `dirtytrack predict` (see dt-cli-predict.h).
 *
 * The evaluation (dt_evaluate) gives the mode, RAM, device state and the
 * effective policy; the cost model (dt-cost.c) turns them into numbers.
 * What this file adds is provenance: a person reading "downtime 8000 ms"
 * must see that it rests on "1024 MiB/s, from the config file" and "device
 * state unknown", so every assumption is printed with its source.  Sources
 * are stable identifiers: option, metadata, config, default, probe,
 * database, domain, decision, vf-policy, qemu.
 */
#include "config.h"

#include <inttypes.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "cli/dt-cli.h"
#include "cli/dt-cli-predict.h"
#include "model/dt-config.h"
#include "decide/dt-cost.h"
#include "eval/dt-eval.h"
#include "model/dt-util.h"
#include "render/dt-report.h"

/* QEMU refuses a downtime-limit above 2000 s (MAX_MIGRATE_DOWNTIME_SECONDS). */
#define QEMU_MAX_DOWNTIME_MS G_GUINT64_CONSTANT(2000000)
#define PREDICT_MAX_MIB_S G_GUINT64_CONSTANT(10485760)

typedef struct {
    const char *name;      /* stable JSON key */
    guint64 value;
    const char *unit;      /* untranslated unit tag */
    const char *source;    /* stable source identifier */
    char *note;            /* translated, may be NULL */
} Assumption;

static void
assumption_clear(gpointer p)
{
    g_free(((Assumption *)p)->note);
}

static gboolean
parse_number_option(const char *opt, const char *s, guint64 min, guint64 max, guint64 *out,
                    GError **error)
{
    if (!dt_parse_u64(s, 10, out) || *out < min || *out > max) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("invalid value '%s' for %s (a whole number from %" PRIu64
                      " to %" PRIu64 ")"), s, opt, min, max);
        return FALSE;
    }
    return TRUE;
}

/* Where a [policy] value came from when no option gave it. */
static const char *
policy_source(const DtConfig *cfg, GKeyFile *kf, gboolean in_metadata, const char *key)
{
    if (in_metadata)
        return "metadata";
    if (cfg->path && kf && g_key_file_has_key(kf, "policy", key, NULL))
        return "config";
    return "default";
}

static const char *
state_source(const DtCostInputs *in)
{
    if (in->n_devices == 0)
        return "decision";
    switch (in->device_state_source) {
    case DT_SOURCE_IOCTL:
    case DT_SOURCE_DEBUGFS:
        return "probe";
    case DT_SOURCE_DATABASE:
        return "database";
    case DT_SOURCE_CONFIG:
        return "option";
    default:
        return "default";
    }
}

static void
add(GArray *a, const char *name, guint64 value, const char *unit, const char *source, char *note)
{
    Assumption x = { name, value, unit, source, note };
    g_array_append_val(a, x);
}

static GArray *
collect_assumptions(const DtEvaluation *ev, const DtConfig *cfg, const DtCostInputs *in,
                    gboolean opt_bw, gboolean opt_dirty, gboolean opt_limit,
                    gboolean opt_resend)
{
    GArray *a = g_array_new(FALSE, TRUE, sizeof(Assumption));
    const DtMetadata *md = ev->domain->metadata;
    g_autoptr(GKeyFile) kf = NULL;
    gboolean coarse = in->tracking_granularity > in->page_size;
    const char *bw_source;

    g_array_set_clear_func(a, assumption_clear);
    if (cfg->path) {
        kf = g_key_file_new();
        if (!g_key_file_load_from_file(kf, cfg->path, G_KEY_FILE_NONE, NULL))
            g_clear_pointer(&kf, g_key_file_unref);
    }

    add(a, "ram_bytes", in->ram_bytes, "bytes", "domain",
        g_strdup(_("guest <memory>")));
    add(a, "mapped_bytes", in->mapped_bytes, "bytes", "default",
        g_strdup(in->n_devices || ev->decision->devices->len
                     ? _("VFIO maps all of guest RAM for device DMA")
                     : _("no VFIO device: nothing is DMA-mapped")));
    bw_source = opt_bw ? "option"
                       : policy_source(cfg, kf, md->present && md->has_bandwidth, "bandwidth-mib-s");
    add(a, "bandwidth_mib_s", in->bandwidth_mib_s, "MiB/s", bw_source,
        g_strdup(_("migration link bandwidth, assumed fully available")));
    add(a, "link_mib_s", in->link_mib_s, "MiB/s", bw_source,
        g_strdup(_("the stop-and-copy's rate: QEMU lifts any cap for it (migration_completion)")));
    add(a, "resend_mib_s", in->resend_mib_s ? in->resend_mib_s : in->link_mib_s, "MiB/s",
        opt_resend ? "option" : "default",
        opt_resend ? NULL
                   : g_strdup(_("the stop-and-copy's rate for pages the destination already "
                                "holds; taken as the link's here, measured faster by make "
                                "calibrate where a first copy of a page costs the destination "
                                "a page fault")));
    add(a, "setup_ms", in->setup_ms, "ms", "default",
        g_strdup(_("fixed cost before the first pass (libvirt's begin and prepare, the "
                   "destination QEMU's start); a guess, measured by make calibrate")));
    add(a, "switchover_ms", in->switchover_ms, "ms", "default",
        g_strdup(_("fixed cost of the stop besides sending the residual; a guess")));
    add(a, "dirty_rate_mib_s", in->dirty_rate_mib_s, "MiB/s",
        opt_dirty ? "option" : policy_source(cfg, kf, md->present && md->has_dirty_rate,
                                             "dirty-rate-mib-s"),
        g_strdup(_("guest write rate in host pages; measure it with virsh domdirtyrate-calc")));
    add(a, "downtime_limit_ms", in->downtime_limit_ms, "ms", opt_limit ? "option" : "qemu",
        g_strdup(opt_limit ? NULL : _("QEMU's default downtime-limit")));
    add(a, "device_state_bytes", in->device_state_bytes, "bytes", state_source(in),
        in->n_devices && in->device_state_source == DT_SOURCE_NONE
            ? g_strdup(_("stop-copy size unknown (not probed, not in the database): counted as "
                         "0, so the downtime is a lower bound; dirtytrack-probe can read it"))
            : NULL);
    add(a, "counted_state_bytes", in->n_state_query_fails
                                      ? (guint64)in->n_state_query_fails * DT_COST_QEMU_UNKNOWN_STATE_BYTES
                                      : in->device_state_bytes,
        "bytes", in->n_state_query_fails ? "qemu" : state_source(in),
        in->n_state_query_fails
            ? g_strdup_printf(_("this kernel has no VFIO_DEVICE_FEATURE_MIG_DATA_SIZE (6.2): QEMU "
                                "counts 100 GiB per device in its switch-over test (devices: %u)"),
                              in->n_state_query_fails)
            : NULL);
    add(a, "page_size", in->page_size, "bytes", ev->host->page_size ? "probe" : "default", NULL);
    add(a, "tracking_granularity", in->tracking_granularity, "bytes", "decision",
        g_strdup(coarse ? _("IOMMU dirty bits over huge IOPTEs mark a whole huge page")
                        : _("dirty pages reported per host page")));
    if (coarse) {
        add(a, "pages_per_granule", in->pages_per_granule, "pages", "default",
            g_strdup(_("host pages really written in each dirtied huge page")));
        add(a, "dma_share_percent", in->dma_share_percent, "percent", "default",
            g_strdup(_("share of the dirty rate that is device DMA (the rest is tracked by KVM "
                       "per host page)")));
    }
    if (in->mode == DT_MODE_PERPETUAL)
        add(a, "precopy_sync", in->precopy_sync, "bool", in->precopy_sync ? "default" : "vf-policy",
            g_strdup(in->precopy_sync
                         ? _("every pre-copy sync marks all mapped RAM dirty")
                         : _("x-pre-copy-dirty-page-tracking=off: QEMU sees the mapped RAM "
                             "dirty only at the stop")));
    add(a, "max_rounds", in->max_rounds, "syncs", "default",
        g_strdup(_("QEMU never gives up; the model does after this many dirty-bitmap syncs")));
    add(a, "max_downtime_ms", ev->policy.max_downtime_ms, "ms",
        policy_source(cfg, kf, md->present && md->has_max_downtime_ms, "max-downtime-ms"),
        g_strdup(ev->policy.max_downtime_ms ? _("downtime budget") : _("no downtime budget")));
    return a;
}

typedef struct {
    const DtEvaluation *ev;
    const DtCostInputs *in;
    const DtCostResult *r;       /* NULL when migration is blocked */
    GArray *assumptions;
    const guint64 *ramp;
    guint n_ramp;
    GPtrArray *advice;
} Report;

static char *
report_json(const Report *rep)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonGenerator) g = json_generator_new();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *qv = dt_version_to_string(&rep->ev->qemu->version);
    g_autofree char *lv = dt_version_to_string(&rep->ev->libvirt);
    const DtPolicy *p = &rep->ev->policy;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "domain");
    json_builder_begin_object(b);
    dt_json_add_string(b, "name", rep->ev->domain->name);
    dt_json_add_string(b, "uuid", rep->ev->domain->uuid);
    json_builder_end_object(b);
    dt_json_add_string(b, "mode", dt_mode_to_string(rep->ev->decision->mode));
    dt_json_add_string(b, "verdict", dt_verdict_to_string(rep->ev->decision->verdict));
    dt_json_add_string(b, "qemu_version", qv);
    dt_json_add_string(b, "libvirt_version", lv);
    dt_json_add_bool(b, "blocked", rep->r == NULL);

    json_builder_set_member_name(b, "assumptions");
    json_builder_begin_object(b);
    for (guint i = 0; i < rep->assumptions->len; i++) {
        const Assumption *a = &g_array_index(rep->assumptions, Assumption, i);
        json_builder_set_member_name(b, a->name);
        json_builder_begin_object(b);
        dt_json_add_uint(b, "value", a->value);
        dt_json_add_string(b, "unit", a->unit);
        dt_json_add_string(b, "source", a->source);
        dt_json_add_string(b, "note", a->note);
        json_builder_end_object(b);
    }
    json_builder_end_object(b);

    json_builder_set_member_name(b, "prediction");
    if (!rep->r) {
        json_builder_add_null_value(b);
    } else {
        const DtCostResult *r = rep->r;
        json_builder_begin_object(b);
        dt_json_add_bool(b, "converges", r->converges);
        dt_json_add_uint(b, "rounds", r->rounds);
        dt_json_add_uint(b, "precopy_ms", r->precopy_ms);
        dt_json_add_uint(b, "downtime_ms", r->downtime_ms);
        dt_json_add_uint(b, "total_time_ms", r->total_time_ms);
        dt_json_add_uint(b, "min_downtime_limit_ms", r->min_downtime_limit_ms);
        dt_json_add_uint(b, "limit_used_ms", r->limit_used_ms);
        dt_json_add_uint(b, "bytes_transferred", r->bytes_transferred);
        dt_json_add_uint(b, "residual_bytes", r->residual_bytes);
        dt_json_add_uint(b, "effective_dirty_rate_mib_s", r->effective_dirty_rate_mib_s);
        json_builder_set_member_name(b, "amplification");
        json_builder_add_double_value(b, r->amplification);
        json_builder_set_member_name(b, "over_budget");
        if (p->max_downtime_ms)
            json_builder_add_boolean_value(b, dt_cost_over_budget(r, p->max_downtime_ms));
        else
            json_builder_add_null_value(b);
        json_builder_set_member_name(b, "downtime_limit_ramp");
        json_builder_begin_array(b);
        for (guint i = 0; i < rep->n_ramp; i++)
            json_builder_add_int_value(b, (gint64)MIN(rep->ramp[i], (guint64)G_MAXINT64));
        json_builder_end_array(b);
        dt_json_add_string(b, "stop_rule", dt_cost_stop_rule());
        json_builder_end_object(b);
    }

    json_builder_set_member_name(b, "recommendations");
    json_builder_begin_array(b);
    for (guint i = 0; rep->advice && i < rep->advice->len; i++) {
        const DtCostAdvice *x = g_ptr_array_index(rep->advice, i);
        json_builder_begin_object(b);
        dt_json_add_string(b, "code", x->code);
        dt_json_add_bool(b, "libvirt_can_set", x->libvirt_can_set);
        dt_json_add_string(b, "setting", x->setting);
        dt_json_add_string(b, "value", x->value);
        dt_json_add_string(b, "message", x->message);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);

    root = json_builder_get_root(b);
    json_generator_set_root(g, root);
    json_generator_set_pretty(g, TRUE);
    {
        char *s = json_generator_to_data(g, NULL);
        char *out = g_strconcat(s, "\n", NULL);
        g_free(s);
        return out;
    }
}

static char *
mib(guint64 bytes)
{
    if (bytes && bytes % (G_GUINT64_CONSTANT(1) << 20))
        return g_strdup_printf("%.1f MiB", (double)bytes / 1048576.0);
    return g_strdup_printf("%" PRIu64 " MiB", bytes >> 20);
}

/* "label: value" lines whose values share one column however wide the
 * translated labels are. */
typedef struct {
    const char *label;
    char *value;
} TextRow;

static void
text_row_clear(gpointer p)
{
    g_free(((TextRow *)p)->value);
}

static void
text_row(GArray *rows, const char *label, char *value)
{
    TextRow row = { label, value };

    g_array_append_val(rows, row);
}

static void
text_rows_append(GString *s, const GArray *rows)
{
    guint width = 0;

    for (guint i = 0; i < rows->len; i++)
        width = MAX(width, dt_utf8_width(g_array_index(rows, TextRow, i).label));
    for (guint i = 0; i < rows->len; i++) {
        const TextRow *row = &g_array_index(rows, TextRow, i);

        g_string_append_printf(s, "  %s", row->label);
        dt_string_pad(s, row->label, width + 1);
        g_string_append_printf(s, "%s\n", row->value);
    }
}

static char *
report_text(const Report *rep)
{
    GString *s = g_string_new(NULL);
    g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(TextRow));
    g_autofree char *qv = dt_version_to_string(&rep->ev->qemu->version);
    g_autofree char *lv = dt_version_to_string(&rep->ev->libvirt);
    const DtPolicy *p = &rep->ev->policy;

    g_array_set_clear_func(rows, text_row_clear);
    g_string_append_printf(s, _("Domain: %s   tracking mode: %s   verdict: %s   QEMU %s   libvirt %s\n"),
                           rep->ev->domain->name ? rep->ev->domain->name : "?",
                           dt_mode_to_string(rep->ev->decision->mode),
                           dt_verdict_to_string(rep->ev->decision->verdict), qv, lv);
    if (!rep->r) {
        g_string_append(s, _("Migration is blocked (run 'dirtytrack check' for the reasons): "
                             "there is nothing to predict.\n"));
    } else {
        const DtCostResult *r = rep->r;
        g_autofree char *sent = mib(r->bytes_transferred);
        g_autofree char *resid = mib(r->residual_bytes);

        g_string_append(s, _("Prediction:\n"));
        if (r->converges)
            g_string_append_printf(s, _("  converges with downtime-limit %" PRIu64
                                        " ms after %u dirty-bitmap syncs\n"),
                                   rep->in->downtime_limit_ms, r->rounds);
        else
            g_string_append_printf(s, _("  does NOT converge with downtime-limit %" PRIu64
                                        " ms; raising it to %" PRIu64 " ms at sync %u "
                                        "switches over\n"),
                                   rep->in->downtime_limit_ms, r->limit_used_ms, r->rounds);
        text_row(rows, _("downtime:"),
                 g_strdup_printf(_("%" PRIu64 " ms (stop-copy of %s RAM plus device state)"),
                                 r->downtime_ms, resid));
        text_row(rows, _("pre-copy time:"), g_strdup_printf(_("%" PRIu64 " ms"), r->precopy_ms));
        text_row(rows, _("total time:"), g_strdup_printf(_("%" PRIu64 " ms"), r->total_time_ms));
        text_row(rows, _("data transferred:"), g_steal_pointer(&sent));
        text_row(rows, _("smallest downtime-limit:"),
                 g_strdup_printf(_("%" PRIu64 " ms"), r->min_downtime_limit_ms));
        if (r->amplification > 1.0)
            text_row(rows, _("effective dirty rate:"),
                     g_strdup_printf(_("%" PRIu64 " MiB/s (%.1fx from coarse tracking)"),
                                     r->effective_dirty_rate_mib_s, r->amplification));
        if (p->max_downtime_ms)
            text_row(rows, _("budget:"),
                     g_strdup_printf(dt_cost_over_budget(r, p->max_downtime_ms)
                                         ? _("%" PRIu64 " ms: OVER")
                                         : _("%" PRIu64 " ms: within"),
                                     p->max_downtime_ms));
        text_rows_append(s, rows);
        if (rep->n_ramp && !r->converges) {
            g_string_append(s, _("  downtime-limit ramp (ms, by round):"));
            for (guint i = 0; i < rep->n_ramp; i++)
                g_string_append_printf(s, " %" PRIu64, rep->ramp[i]);
            g_string_append_c(s, '\n');
        }
    }
    g_string_append(s, _("Assumptions:\n"));
    for (guint i = 0; i < rep->assumptions->len; i++) {
        const Assumption *a = &g_array_index(rep->assumptions, Assumption, i);
        g_string_append_printf(s, "  %-22s %14" PRIu64 " %-7s [%s]%s%s\n", a->name,
                               a->value, a->unit, a->source, a->note ? "  " : "",
                               a->note ? a->note : "");
    }
    if (rep->advice && rep->advice->len) {
        g_string_append(s, _("Recommendations:\n"));
        for (guint i = 0; i < rep->advice->len; i++) {
            const DtCostAdvice *x = g_ptr_array_index(rep->advice, i);
            g_string_append_printf(s, "  - %s: %s\n", x->code, x->message);
        }
    }
    if (rep->r)
        g_string_append_printf(s, _("Model: %s (docs/cost-model.md).\n"), dt_cost_stop_rule());
    return g_string_free(s, FALSE);
}

void
dt_cli_predict_options(GOptionGroup *g, DtCliArgs *a)
{
    GOptionEntry entries[] = {
        { "bandwidth", 0, 0, G_OPTION_ARG_STRING, &a->bandwidth,
          N_("Migration link bandwidth (default: policy)"), N_("MIB_S") },
        { "dirty-rate", 0, 0, G_OPTION_ARG_STRING, &a->dirty_rate,
          N_("Guest dirty rate, e.g. from virsh domdirtyrate-calc (default: policy)"), N_("MIB_S") },
        { "downtime-limit", 0, 0, G_OPTION_ARG_STRING, &a->downtime_limit,
          N_("QEMU downtime-limit (default: 300, QEMU's)"), N_("MS") },
        { "resend-bandwidth", 0, 0, G_OPTION_ARG_STRING, &a->resend_bandwidth,
          N_("Stop-and-copy rate for pages the destination already holds, e.g. measured by "
             "make calibrate (default: the link's)"), N_("MIB_S") },
        { NULL }
    };

    g_option_group_add_entries(g, entries);
}

int
dt_cli_predict(const DtCliArgs *a)
{
    const char *bandwidth = a->bandwidth, *dirty_rate = a->dirty_rate;
    const char *downtime_limit = a->downtime_limit, *resend = a->resend_bandwidth;
    g_autoptr(GError) error = NULL;
    g_autoptr(DtConfig) cfg = NULL;
    g_autoptr(DtEvaluation) ev = NULL;
    g_autoptr(GArray) assumptions = NULL;
    g_autoptr(GPtrArray) advice = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *out = NULL;
    g_autofree guint64 *ramp = NULL;
    guint64 bw = 0, dr = 0, limit = 0, rs = 0;
    const gboolean json = strcmp(a->format, "json") == 0;
    gsize len = 0;
    DtEvalOptions eo = { 0 };
    DtCostInputs in;
    DtCostResult r;
    Report rep = { 0 };

    if ((bandwidth && !parse_number_option("--bandwidth", bandwidth, 1, PREDICT_MAX_MIB_S, &bw, &error)) ||
        (dirty_rate && !parse_number_option("--dirty-rate", dirty_rate, 0, PREDICT_MAX_MIB_S, &dr, &error)) ||
        (downtime_limit && !parse_number_option("--downtime-limit", downtime_limit, 1,
                                                QEMU_MAX_DOWNTIME_MS, &limit, &error)) ||
        (resend && !parse_number_option("--resend-bandwidth", resend, 1, PREDICT_MAX_MIB_S, &rs,
                                         &error)))
        return dt_cli_fail("%s", error->message);

    if (dt_cli_read_inputs(a, &cfg, &xml, &len) != 0)
        return DT_CLI_EXIT_ERROR;

    eo.sysroot = a->sysroot;
    eo.role = DT_ROLE_SOURCE;
    eo.qemu_version = a->qemu_version;
    eo.libvirt_version = a->libvirt_version;
    eo.config = cfg;
    ev = dt_evaluate(xml, len, &eo, &error);
    if (!ev)
        return dt_cli_fail("%s: %s", dt_cli_input_name(a), error->message);
    dt_cli_note_evaluation(ev);

    dt_cost_inputs_from_decision(&in, ev->decision, &ev->policy, ev->host);
    if (bandwidth)
        in.bandwidth_mib_s = bw;
    if (dirty_rate)
        in.dirty_rate_mib_s = dr;
    if (downtime_limit)
        in.downtime_limit_ms = limit;
    if (resend)
        in.resend_mib_s = rs;
    if (in.bandwidth_mib_s == 0)
        return dt_cli_fail(_("the policy's bandwidth is 0 MiB/s: give --bandwidth"));

    assumptions = collect_assumptions(ev, cfg, &in, bandwidth != NULL, dirty_rate != NULL,
                                      downtime_limit != NULL, resend != NULL);
    rep.ev = ev;
    rep.in = &in;
    rep.assumptions = assumptions;
    /* VFIO devices present but nothing can migrate: the decision blocked it. */
    if (!(ev->decision->mode == DT_MODE_NONE && ev->decision->devices->len > 0)) {
        if (!dt_cost_predict(&in, &r, &error))
            return dt_cli_fail("%s", error->message);
        rep.r = &r;
        rep.n_ramp = r.rounds + 1;
        ramp = g_new0(guint64, rep.n_ramp);
        dt_cost_downtime_ramp(&in, ramp, rep.n_ramp);
        rep.ramp = ramp;
        advice = dt_cost_recommend(&in, &r, &ev->qemu->version, &ev->libvirt);
        rep.advice = advice;
    }

    out = json ? report_json(&rep) : report_text(&rep);
    return dt_cli_write_output(NULL, out);
}
