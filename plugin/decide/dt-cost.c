/* dt-cost.c: the convergence model (see dt-cost.h, docs/cost-model.md).
 *
 * The model follows QEMU's pre-copy loop round by round rather than a
 * closed form, because two things QEMU does break every closed form: the
 * device state it *counts* for the switch-over test is not the state it
 * *sends* (a failed MIG_DATA_SIZE query counts 100 GiB), and in perpetual
 * mode the residual never shrinks.  Arithmetic is in doubles over bytes and
 * seconds; results are rounded up to whole milliseconds (a downtime is
 * never rounded down to meet a budget).
 */
#include "config.h"

#include <inttypes.h>

#include <math.h>
#include <string.h>

#include "decide/dt-cost.h"
#include "model/dt-util.h"
#include "model/dt-versions.h"

#define MIB 1048576.0
#define DT_COST_MAX_ROUNDS_LIMIT 10000
/* relative slack for comparisons of quantities computed two ways */
#define EPS 1e-12

void
dt_cost_inputs_init(DtCostInputs *in)
{
    memset(in, 0, sizeof(*in));
    in->mode = DT_MODE_NONE;
    in->device_state_source = DT_SOURCE_NONE;
    in->page_size = 4096;
    in->tracking_granularity = 4096;
    in->pages_per_granule = DT_COST_DEFAULT_PAGES_PER_GRANULE;
    in->dma_share_percent = DT_COST_DEFAULT_DMA_SHARE_PERCENT;
    in->precopy_sync = TRUE;
    in->downtime_limit_ms = DT_COST_QEMU_DEFAULT_DOWNTIME_MS;
    in->max_rounds = DT_COST_DEFAULT_MAX_ROUNDS;
    in->setup_ms = DT_COST_DEFAULT_SETUP_MS;
    in->switchover_ms = DT_COST_DEFAULT_SWITCHOVER_MS;
}

/* A source's confidence, for "the weakest source wins". */
static int
source_rank(DtSource s)
{
    switch (s) {
    case DT_SOURCE_IOCTL:
    case DT_SOURCE_DEBUGFS:
        return 3;
    case DT_SOURCE_CONFIG:
        return 2;
    case DT_SOURCE_DATABASE:
        return 1;
    default:
        return 0;
    }
}

void
dt_cost_inputs_from_decision(DtCostInputs *out, const DtDecision *dec,
                             const DtPolicy *policy, const DtHost *host)
{
    const DtQemuBand *band;
    gboolean any_unknown = FALSE;
    DtSource weakest = DT_SOURCE_NONE;
    gboolean counts_state;

    dt_cost_inputs_init(out);
    out->mode = dec->mode;
    out->ram_bytes = dec->ram_bytes;
    out->device_state_bytes = dec->device_state_bytes;
    out->bandwidth_mib_s = policy->bandwidth_mib_s;
    /* the policy's bandwidth is the link's: callers that know a lower cap
     * for pre-copy set bandwidth_mib_s, the stop still gets the link */
    out->link_mib_s = policy->bandwidth_mib_s;
    out->dirty_rate_mib_s = policy->dirty_rate_mib_s;
    if (host && host->page_size)
        out->page_size = host->page_size;
    out->tracking_granularity = dec->tracking_granularity ? dec->tracking_granularity
                                                          : out->page_size;

    /* QEMU accounts the device state through vfio_state_pending_exact()
     * from the v2 protocol on (8.0); before that nothing here migrates. */
    band = dt_versions_qemu_band_by_name(dec->qemu_band);
    counts_state = band && band->v2;

    for (guint i = 0; dec->devices && i < dec->devices->len; i++) {
        const DtDeviceFinding *f = g_ptr_array_index(dec->devices, i);

        if (!f->present || f->migration.value != DT_TRI_YES)
            continue;
        out->n_devices++;
        out->device_mig_flags |= f->mig_flags;
        if (!f->stop_copy_bytes) {
            any_unknown = TRUE;
        } else if (weakest == DT_SOURCE_NONE ||
                   source_rank(f->stop_copy_source) < source_rank(weakest)) {
            weakest = f->stop_copy_source;
        }
    }
    out->device_state_source = any_unknown ? DT_SOURCE_NONE : weakest;
    /* MIG_DATA_SIZE appeared in kernel 6.2: before it the ioctl fails for
     * every device and QEMU counts its 100 GiB stand-in. */
    if (counts_state && host && dt_versions_kernel_has(DT_KF_PRE_COPY, &host->kernel) == DT_TRI_NO)
        out->n_state_query_fails = out->n_devices;

    /* VFIO maps all of guest RAM for DMA unless told otherwise. */
    out->mapped_bytes = (dec->devices && dec->devices->len) ? dec->ram_bytes : 0;

    for (guint i = 0; dec->vf_policy && i < dec->vf_policy->len; i++) {
        const DtVfPolicy *v = g_ptr_array_index(dec->vf_policy, i);
        for (guint j = 0; v->props && j < v->props->len; j++) {
            const DtProp *p = g_ptr_array_index(v->props, j);
            if (g_strcmp0(p->name, "x-pre-copy-dirty-page-tracking") == 0 &&
                g_strcmp0(p->value, "off") == 0)
                out->precopy_sync = FALSE;
        }
    }
}

/* Bytes per second of the link. */
static double
bytes_per_s(guint64 mib_s)
{
    return (double)mib_s * MIB;
}

/* ceil() of a millisecond figure, tolerant of the last bit of rounding so
 * that an exact 100125 ms does not become 100126. */
static guint64
ceil_ms(double ms)
{
    double c;

    if (ms <= 0)
        return 0;
    c = ceil(ms - ms * EPS);
    if (c >= 18446744073709549568.0)
        return G_MAXUINT64;
    return (guint64)c;
}

static guint64
round_u64(double v)
{
    if (v <= 0)
        return 0;
    if (v >= 18446744073709549568.0)
        return G_MAXUINT64;
    return (guint64)llround(v);
}

/* The dirty rate as the tracker reports it: a granule larger than a host
 * page turns each dirtied granule into granule/page dirty pages although
 * only pages_per_granule of them were written (DMA share only: the CPU's
 * writes are tracked by KVM at the host page size). */
static double
amplification_of(const DtCostInputs *in)
{
    double per_granule, written, dma_amp, s;

    if (in->mode == DT_MODE_PERPETUAL || in->tracking_granularity <= in->page_size)
        return 1.0;
    per_granule = (double)in->tracking_granularity / (double)in->page_size;
    written = MIN((double)in->pages_per_granule, per_granule);
    dma_amp = per_granule / written;
    s = in->dma_share_percent / 100.0;
    return (1.0 - s) + s * dma_amp;
}

typedef struct {
    guint n;            /* syncs modelled: x[0..n] */
    double *x;          /* RAM QEMU sees dirty right after sync k (k = 0: setup's), bytes */
    double *stop;       /* what it would send with the guest stopped at sync k, bytes */
    double *t;          /* seconds of pre-copy before sync k */
    double *sent;       /* bytes sent before sync k */
    double *cold;       /* of stop[k], bytes never sent before (the first pass's rest) */
    double bw;          /* pre-copy bytes/s */
    double bw_switch;   /* the rate QEMU's test multiplies the limit with, bytes/s */
    double link;        /* stop-and-copy bytes/s */
    double resend;      /* the same for pages sent before, bytes/s */
    double state;       /* device state sent, bytes */
    double counted;     /* device state counted for the switch test, bytes */
    double eff_rate;    /* bytes/s */
    double overhead_ms; /* the stop's fixed cost */
} Trajectory;

static void
trajectory_clear(Trajectory *t)
{
    g_free(t->x);
    g_free(t->stop);
    g_free(t->t);
    g_free(t->sent);
    g_free(t->cold);
}

static gboolean
check_inputs(const DtCostInputs *in, GError **error)
{
    if (in->bandwidth_mib_s == 0) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("the migration bandwidth must be at least 1 MiB/s"));
        return FALSE;
    }
    if (in->pages_per_granule == 0 || in->dma_share_percent > 100) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("the write-locality assumption is out of range (pages per granule >= 1, "
                      "DMA share 0..100%%)"));
        return FALSE;
    }
    if (in->max_rounds == 0 || in->max_rounds > DT_COST_MAX_ROUNDS_LIMIT) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("the model's round limit must be between 1 and %u"),
                    DT_COST_MAX_ROUNDS_LIMIT);
        return FALSE;
    }
    return TRUE;
}

/* QEMU's pre-copy loop (migration_iteration_run, QEMU 7.2 to 10.0), sync
 * by sync, for a downtime-limit of limit_ms:
 *
 *  - the threshold is the rate QEMU measured over its last 100 ms window
 *    (the pre-copy rate under a cap, or avail-switchover-bandwidth when
 *    set) times the limit (migration_update_counters);
 *  - it sends a chunk (one rate window's worth, or 50 ms without a cap),
 *    then compares the RAM still dirty in its bitmap with the threshold
 *    (the pending *estimate*, which counts no VFIO stop-copy state);
 *  - only below it does it sync the dirty bitmap (ram_state_pending_exact
 *    / ram_save_pending before 8.0: dirty-sync-count + 1), adding what the
 *    guest dirtied since the last sync, and ask the devices for their
 *    stop-copy size (vfio_state_pending_exact);
 *  - it switches when that exact pending is below the threshold.
 *
 * So a "round" ends when the estimate drops below the threshold, not when
 * the pass is empty, and the residual at the switch is up to a threshold's
 * worth, not the dirty rate times the last pass. */
static void
trajectory_build(const DtCostInputs *in, guint64 limit_ms, Trajectory *t)
{
    double ram = (double)in->ram_bytes;
    double data = in->ram_data_bytes ? MIN((double)in->ram_data_bytes, ram) : ram;
    /* re-sending mapped RAM costs its data: its zero pages stay flags */
    double mapped = in->mapped_bytes ? MIN((double)in->mapped_bytes, ram) * data / ram : 0.0;
    gboolean perpetual = in->mode == DT_MODE_PERPETUAL;
    gboolean capped;
    double threshold, chunk, r, cold, dirtied = 0, now = 0, sent = 0;
    guint k = 0;

    t->n = in->max_rounds;
    t->x = g_new0(double, t->n + 1);
    t->stop = g_new0(double, t->n + 1);
    t->t = g_new0(double, t->n + 1);
    t->sent = g_new0(double, t->n + 1);
    t->cold = g_new0(double, t->n + 1);
    t->bw = bytes_per_s(in->bandwidth_mib_s);
    t->link = MAX(t->bw, bytes_per_s(in->link_mib_s));
    t->resend = in->resend_mib_s ? MAX(t->bw, bytes_per_s(in->resend_mib_s)) : t->link;
    t->bw_switch = in->switchover_bandwidth_mib_s ? bytes_per_s(in->switchover_bandwidth_mib_s)
                                                  : t->bw;
    t->eff_rate = (double)in->dirty_rate_mib_s * MIB * amplification_of(in);
    t->state = (double)in->device_state_bytes;
    t->overhead_ms = (double)in->switchover_ms;
    if (in->n_state_query_fails >= in->n_devices && in->n_state_query_fails > 0)
        t->counted = (double)in->n_state_query_fails * (double)DT_COST_QEMU_UNKNOWN_STATE_BYTES;
    else
        t->counted = t->state + (double)in->n_state_query_fails *
                                (double)DT_COST_QEMU_UNKNOWN_STATE_BYTES;

    capped = in->link_mib_s > in->bandwidth_mib_s;
    chunk = t->bw * (capped ? DT_COST_QEMU_RATE_WINDOW_MS : DT_COST_QEMU_ITERATE_MAX_MS) / 1000.0;
    threshold = t->bw_switch * (double)limit_ms / 1000.0;

    /* setup's sync: every page is dirty, a zero page costs a flag only
     * (save_zero_page), so the bulk pass weighs the data; a running job
     * starts from what libvirt says is dirty now */
    r = in->pending_bytes ? MIN((double)in->pending_bytes, ram) : data;
    /* a job that starts sends every data page a first time; of a running
     * job's pending pages nothing tells which were sent before */
    cold = in->pending_bytes ? 0 : r;
    if (perpetual && in->precopy_sync)
        r = MAX(r, mapped);
    for (;;) {
        t->x[k] = r;
        t->t[k] = now;
        t->sent[k] = sent;
        /* With x-pre-copy-dirty-page-tracking=off QEMU only learns at the
         * stop that every mapped page is dirty: its test saw r, the guest
         * waits for all of it. */
        t->stop[k] = perpetual && !in->precopy_sync ? MIN(mapped + r, ram) : r;
        t->cold[k] = MIN(cold, t->stop[k]);
        if (k == t->n)
            break;
        /* after a failed test one chunk goes out, then chunks until the
         * estimate is below the threshold (setup's sync is followed by a
         * test at once: nothing is sent before it when the data fits) */
        if (r >= threshold || k > 0) {
            double n_chunks = r >= threshold ? floor((r - threshold) / chunk) + 1 : 1;
            double s = MIN(n_chunks * chunk, r);
            double dt = s / t->bw;

            now += dt;
            sent += s;
            /* QEMU walks the bitmap on from where it was: the first
             * pass's unsent pages all lie ahead, with the dirtied pages
             * that happen to lie there (their share: the part of RAM the
             * first pass has not reached), and go out with them */
            if (cold > 0) {
                double ahead = cold + (r - cold) * cold / data;

                cold = MAX(0.0, cold - s * cold / ahead);
            }
            r -= s;
            dirtied += t->eff_rate * dt;
        }
        /* the sync: newly dirtied pages join what is still unsent;
         * perpetual mode with pre-copy syncing marks all mapped RAM */
        r = MIN(r + dirtied, ram);
        if (perpetual && in->precopy_sync)
            r = MAX(r, mapped);
        dirtied = 0;
        k++;
    }
}

/* QEMU's test after sync k (k >= 1; setup's sync is not followed by one):
 * pending RAM plus the device state it counts, below bandwidth times
 * downtime-limit. */
static gboolean
fits(const Trajectory *t, guint k, guint64 limit_ms)
{
    double threshold = t->bw_switch * (double)limit_ms / 1000.0;

    return k > 0 && t->x[k] + t->counted < threshold;
}

/* The smallest whole-millisecond limit whose threshold exceeds sync k's
 * pending (QEMU's test is strict). */
static guint64
need_ms(const Trajectory *t, guint k)
{
    double ms = (t->x[k] + t->counted) * 1000.0 / t->bw_switch;

    if (ms >= 18446744073709549568.0)
        return G_MAXUINT64;
    return (guint64)floor(ms + ms * EPS) + 1;
}

/* The guest's freeze when QEMU stops it at sync k: the residual and the
 * device state at the link's rate, since migration_completion lifts the
 * rate limit first (qemu_file_set_rate_limit(INT64_MAX) in 7.2,
 * migration_rate_set(RATE_LIMIT_DISABLED) from 8.1), the pages the
 * destination already holds at their own rate, plus the stop's fixed
 * cost. */
static double
freeze_ms(const Trajectory *t, guint k)
{
    double warm = t->stop[k] - t->cold[k];

    return t->overhead_ms + (t->cold[k] + t->state) * 1000.0 / t->link +
           warm * 1000.0 / t->resend;
}

/* Where the run switches over and with which limit.  With the given limit
 * QEMU switches at the first sync that fits.  Where none does, the ramp's
 * plan: wait until the freeze the guest would really see is as good as the
 * model can get it (within the tolerance) or fits the limit anyway, then
 * give QEMU the limit its own accounting needs for that residual; QEMU
 * switches at its next sync, soon after, with about that residual.
 * *raise_at is the sync after which the ramp raises (G_MAXUINT: never). */
static guint
plan(const Trajectory *t, guint64 base, gboolean *natural, guint64 *limit_at_switch,
     guint *raise_at)
{
    double best = G_MAXDOUBLE, target;

    *raise_at = G_MAXUINT;
    for (guint k = 1; k <= t->n; k++) {
        if (fits(t, k, base)) {
            *natural = TRUE;
            *limit_at_switch = base;
            return k;
        }
    }
    *natural = FALSE;
    for (guint k = 0; k <= t->n; k++)
        best = MIN(best, freeze_ms(t, k));
    target = MAX((double)base, best * (100 + DT_COST_RAMP_TOLERANCE_PERCENT) / 100.0);
    for (guint k = 0; k <= t->n; k++) {
        if (freeze_ms(t, k) <= target * (1.0 + EPS)) {
            *limit_at_switch = MAX(base, need_ms(t, k));
            *raise_at = k;
            return k;
        }
    }
    /* unreachable: the sync with the best freeze always qualifies */
    *limit_at_switch = MAX(base, need_ms(t, t->n));
    *raise_at = t->n;
    return t->n;
}

gboolean
dt_cost_predict(const DtCostInputs *in, DtCostResult *out, GError **error)
{
    Trajectory t = { 0 };
    guint64 min_limit = G_MAXUINT64;
    guint raise_at;
    guint k;

    memset(out, 0, sizeof(*out));
    if (!check_inputs(in, error))
        return FALSE;
    trajectory_build(in, in->downtime_limit_ms, &t);

    for (guint i = 0; i <= t.n; i++)
        min_limit = MIN(min_limit, need_ms(&t, i));
    out->min_downtime_limit_ms = min_limit;

    k = plan(&t, in->downtime_limit_ms, &out->converges, &out->limit_used_ms, &raise_at);
    /* a raised limit takes effect at QEMU's next sync, right after */
    out->rounds = out->converges ? k : k + 1;
    out->iterations = out->rounds + 2;
    out->residual_bytes = round_u64(t.stop[k]);
    out->precopy_ms = ceil_ms(t.t[k] * 1000.0);
    out->downtime_ms = ceil_ms(freeze_ms(&t, k));
    out->total_time_ms = in->setup_ms + out->precopy_ms + out->downtime_ms;
    out->bytes_transferred = round_u64(t.sent[k] + t.stop[k] + t.state);

    out->amplification = amplification_of(in);
    out->effective_dirty_rate_mib_s = round_u64((double)in->dirty_rate_mib_s * out->amplification);
    out->counted_state_bytes = round_u64(t.counted);
    trajectory_clear(&t);
    return TRUE;
}

gboolean
dt_cost_over_budget(const DtCostResult *r, guint64 max_downtime_ms)
{
    return max_downtime_ms > 0 && r->downtime_ms > max_downtime_ms;
}

guint
dt_cost_downtime_ramp(const DtCostInputs *in, guint64 *limits_ms, guint n_limits)
{
    Trajectory t = { 0 };
    guint64 base = in->downtime_limit_ms;
    guint64 at_switch;
    gboolean natural;
    guint k, raise_at;

    if (!check_inputs(in, NULL)) {
        for (guint i = 0; i < n_limits; i++)
            limits_ms[i] = base;
        return n_limits;
    }
    trajectory_build(in, base, &t);
    k = plan(&t, base, &natural, &at_switch, &raise_at);
    for (guint i = 0; i < n_limits; i++) {
        if (natural || i < raise_at)
            limits_ms[i] = base;
        else
            limits_ms[i] = MAX(base, need_ms(&t, MIN(i, t.n)));
    }
    trajectory_clear(&t);
    return MIN(natural ? k : k + 1, n_limits);
}

/* ---- recommendations ------------------------------------------------------ */

void
dt_cost_advice_free(DtCostAdvice *a)
{
    if (!a)
        return;
    g_free(a->code);
    g_free(a->setting);
    g_free(a->value);
    g_free(a->message);
    g_free(a);
}

static void
advise(GPtrArray *out, const char *code, gboolean libvirt_can_set, const char *setting,
       char *value, char *message)
{
    DtCostAdvice *a = g_new0(DtCostAdvice, 1);

    a->code = g_strdup(code);
    a->libvirt_can_set = libvirt_can_set;
    a->setting = g_strdup(setting);
    a->value = value;
    a->message = message;
    g_ptr_array_add(out, a);
}

GPtrArray *
dt_cost_recommend(const DtCostInputs *in, const DtCostResult *r,
                  const DtVersion *qemu, const DtVersion *libvirt)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)dt_cost_advice_free);
    const DtQemuBand *band;

    if (in->n_devices == 0)
        return out;

    /* QEMU >= 8.2 fails the migration when post-copy is on with VFIO;
     * earlier ones have no post-copy for device state at all. */
    advise(out, DT_COST_ADV_NO_POSTCOPY, TRUE, "VIR_MIGRATE_POSTCOPY", g_strdup("off"),
           g_strdup(_("Do not use post-copy (--postcopy, VIR_MIGRATE_POSTCOPY): VFIO devices "
                      "cannot be migrated with it.")));

    if (!r->converges) {
        g_autofree char *why = NULL;

        if (in->n_state_query_fails)
            why = g_strdup_printf(_("this kernel cannot report the devices' state size "
                                    "(VFIO_DEVICE_FEATURE_MIG_DATA_SIZE needs 6.2), so QEMU "
                                    "counts 100 GiB per device (devices: %u)"), in->n_state_query_fails);
        else if (in->mode == DT_MODE_PERPETUAL)
            why = g_strdup(_("in perpetual mode every round re-sends all DMA-mapped RAM"));
        else
            why = g_strdup(_("the residual dirty memory and device state do not fit the "
                             "current limit"));
        advise(out, DT_COST_ADV_DOWNTIME_LIMIT, TRUE, "virDomainMigrateSetMaxDowntime",
               g_strdup_printf("%" PRIu64, r->min_downtime_limit_ms),
               g_strdup_printf(_("With downtime-limit %" PRIu64 " ms QEMU never "
                                 "switches over: %s. It needs at least %" PRIu64
                                 " ms (virsh migrate-setmaxdowntime while the job runs). Raised "
                                 "to %" PRIu64 " ms at round %u, as dirtytrackd's ramp "
                                 "does, the guest freezes for about %" PRIu64 " ms."),
                               in->downtime_limit_ms, why, r->min_downtime_limit_ms,
                               r->limit_used_ms, r->rounds, r->downtime_ms));
    }

    band = dt_versions_qemu_band(qemu);
    if ((in->device_mig_flags & DT_MIG_PRE_COPY) && band && band->switchover_ack)
        advise(out, DT_COST_ADV_SWITCHOVER_ACK, FALSE, "switchover-ack", g_strdup("on"),
               g_strdup(_("A device supports PRE_COPY: turn on QEMU's switchover-ack migration "
                          "capability (with return-path) on both source and destination, so "
                          "the source does not stop the guest before the destination has "
                          "loaded the device's initial data. libvirt has no flag or parameter "
                          "for it: set it with QMP migrate-set-capabilities (virsh "
                          "qemu-monitor-command) on both sides.")));

    if (band && band->multifd_device_state && in->device_state_bytes >= DT_COST_LARGE_STATE_BYTES) {
        gboolean can = dt_versions_libvirt_has(DT_LV_PARALLEL, libvirt);
        advise(out, DT_COST_ADV_PARALLEL, can, "VIR_MIGRATE_PARALLEL", NULL,
               can ? g_strdup_printf(_("The devices' stop-copy state is %" PRIu64
                                       " MiB: with QEMU 10.0 or newer it travels over multifd "
                                       "channels. Migrate with --parallel "
                                       "(VIR_MIGRATE_PARALLEL, parallel.connections) and no "
                                       "compression."),
                                     in->device_state_bytes >> 20)
                   : g_strdup_printf(_("The devices' stop-copy state is %" PRIu64
                                       " MiB and QEMU could send it over multifd channels, but "
                                       "this libvirt (before 5.2) cannot turn multifd on."),
                                     in->device_state_bytes >> 20));
    }

    if (band && band->avail_switchover_bw) {
        gboolean can = dt_versions_libvirt_has(DT_LV_AVAIL_SWITCHOVER, libvirt);
        advise(out, DT_COST_ADV_AVAIL_SWITCHOVER, can, "bandwidth.avail.switchover",
               g_strdup_printf("%" PRIu64, in->bandwidth_mib_s),
               can ? g_strdup_printf(_("Tell QEMU the link's real bandwidth for its switch-over "
                                       "test (%" PRIu64 " MiB/s here): the rate it "
                                       "measures while also fetching dirty bitmaps from the "
                                       "devices can be far lower and keep it iterating. Pass "
                                       "bandwidth.avail.switchover (VIR_MIGRATE_PARAM_BANDWIDTH_"
                                       "AVAIL_SWITCHOVER)."), in->bandwidth_mib_s)
                   : g_strdup_printf(_("QEMU can be told the link's real bandwidth for its "
                                       "switch-over test (avail-switchover-bandwidth, %"
                                       PRIu64 " MiB/s here), but this libvirt cannot "
                                       "pass it (needs 11.1): set the QEMU migration parameter "
                                       "with virsh qemu-monitor-command."),
                                     in->bandwidth_mib_s));
    }
    return out;
}

const char *
dt_cost_stop_rule(void)
{
    return "QEMU syncs the dirty bitmap when the RAM left in this pass drops below measured "
           "bandwidth x downtime-limit and switches over when the synced RAM plus counted "
           "device state is below it (migration_iteration_run); the stop-and-copy runs "
           "without the rate limit (migration_completion); QEMU has no iteration cap, so the "
           "model stops at max_rounds and calls that not converging";
}
