/* test-cost: the cost model on exactly the worked examples written out in
 * docs/cost-model.md (§6), the downtime-limit ramp, the recommendations,
 * the bridge from a decision, and the monotonicity properties that hold
 * under QEMU's switch-over rule, plus the one that does not (and why).
 *
 * Every expected number below is derived by hand in the document; change
 * one and the other together.
 */
#include "config.h"

#include <string.h>

#include "decide/dt-cost.h"
#include "model/dt-util.h"

#define MiB (G_GUINT64_CONSTANT(1) << 20)
#define GiB (G_GUINT64_CONSTANT(1) << 30)
/* a MiB figure with a fraction, rounded to whole bytes as the model does */
#define MIB_F(x) ((guint64)((x) * 1048576.0 + 0.5))

/* The common setting of the examples: 8 GiB guest, 1024 MiB/s link,
 * QEMU's default 300 ms limit, 4 KiB pages. */
static void
base_inputs(DtCostInputs *in, DtMode mode, guint64 dirty_mib_s)
{
    dt_cost_inputs_init(in);
    in->mode = mode;
    in->ram_bytes = 8 * GiB;
    in->mapped_bytes = 8 * GiB;
    in->bandwidth_mib_s = 1024;
    in->dirty_rate_mib_s = dirty_mib_s;
    in->n_devices = 1;
    /* the worked examples leave out the fixed costs (docs §7 adds them) */
    in->setup_ms = 0;
    in->switchover_ms = 0;
}

static void
predict(const DtCostInputs *in, DtCostResult *r)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(dt_cost_predict(in, r, &error));
    g_assert_no_error(error);
}

/* Example 1: device tracking, 256 MiB/s, 64 MiB of probed device state. */
static void
test_example1_device_converges(void)
{
    DtCostInputs in;
    DtCostResult r;

    base_inputs(&in, DT_MODE_DEVICE, 256);
    in.device_state_bytes = 64 * MiB;
    in.device_state_source = DT_SOURCE_IOCTL;
    predict(&in, &r);
    g_assert_true(r.converges);
    g_assert_cmpuint(r.rounds, ==, 7);
    g_assert_cmpuint(r.iterations, ==, 9);
    g_assert_cmpuint(r.residual_bytes, ==, MIB_F(204.8));
    g_assert_cmpuint(r.precopy_ms, ==, 10400);
    g_assert_cmpuint(r.downtime_ms, ==, 263);        /* 262.5 rounded up */
    g_assert_cmpuint(r.total_time_ms, ==, 10663);
    g_assert_cmpuint(r.bytes_transferred, ==, MIB_F(10918.4));
    g_assert_cmpuint(r.min_downtime_limit_ms, ==, 63); /* 62.5 + a vanishing residual */
    g_assert_cmpuint(r.limit_used_ms, ==, 300);
    g_assert_cmpuint(r.counted_state_bytes, ==, 64 * MiB);
    g_assert_cmpfloat(r.amplification, ==, 1.0);
    g_assert_false(dt_cost_over_budget(&r, 0));
    g_assert_false(dt_cost_over_budget(&r, 263));
    g_assert_true(dt_cost_over_budget(&r, 262));

    /* the fixed costs and a link faster than the cap: pre-copy is paced
     * in 100 ms windows now, the stop runs at the link's rate */
    in.setup_ms = 700;
    in.switchover_ms = 15;
    in.link_mib_s = 4096;
    predict(&in, &r);
    g_assert_true(r.converges);
    g_assert_cmpuint(r.downtime_ms, <, 100);
    g_assert_cmpuint(r.total_time_ms, ==, 700 + r.precopy_ms + r.downtime_ms);
}

/* Example 2: the same VM on kernel 6.1: MIG_DATA_SIZE fails, QEMU counts
 * 100 GiB, the default limit never lets it switch. */
static void
test_example2_phantom_state(void)
{
    DtCostInputs in;
    DtCostResult r;
    guint64 limits[6];
    guint at;

    base_inputs(&in, DT_MODE_DEVICE, 256);
    in.n_state_query_fails = 1;
    predict(&in, &r);
    g_assert_false(r.converges);
    g_assert_cmpuint(r.counted_state_bytes, ==, 100 * GiB);
    g_assert_cmpuint(r.min_downtime_limit_ms, ==, 100001);
    g_assert_cmpuint(r.rounds, ==, 6);
    g_assert_cmpuint(r.limit_used_ms, ==, 100276);
    g_assert_cmpuint(r.downtime_ms, ==, 275);
    g_assert_cmpuint(r.precopy_ms, ==, 10300);
    g_assert_cmpuint(r.total_time_ms, ==, 10575);
    g_assert_cmpuint(r.bytes_transferred, ==, MIB_F(10828.8));
    g_assert_false(dt_cost_over_budget(&r, 300));

    at = dt_cost_downtime_ramp(&in, limits, G_N_ELEMENTS(limits));
    g_assert_cmpuint(at, ==, 6);
    for (guint i = 0; i < 5; i++)
        g_assert_cmpuint(limits[i], ==, 300);
    g_assert_cmpuint(limits[5], ==, 100276);   /* (281.6 + 102400) / 1024 s = 100275 ms */
}

/* Example 3: perpetual mode: every round re-sends all 8 GiB. */
static void
test_example3_perpetual(void)
{
    DtCostInputs in;
    DtCostResult r;
    guint64 limits[3];

    base_inputs(&in, DT_MODE_PERPETUAL, 64);
    predict(&in, &r);
    g_assert_false(r.converges);
    g_assert_cmpuint(r.min_downtime_limit_ms, ==, 8001);  /* QEMU's test is strict */
    g_assert_cmpuint(r.rounds, ==, 1);     /* raised after setup's sync, switch at the next */
    g_assert_cmpuint(r.iterations, ==, 3);
    g_assert_cmpuint(r.precopy_ms, ==, 0);
    g_assert_cmpuint(r.downtime_ms, ==, 8000);
    g_assert_cmpuint(r.total_time_ms, ==, 8000);
    g_assert_cmpuint(r.bytes_transferred, ==, 8 * GiB);
    g_assert_cmpuint(r.limit_used_ms, ==, 8001);
    g_assert_true(dt_cost_over_budget(&r, 300));

    /* with 64 MiB of state: (8192 + 64) / 1024 s = 8062.5 ms */
    in.device_state_bytes = 64 * MiB;
    predict(&in, &r);
    g_assert_cmpuint(r.downtime_ms, ==, 8063);
    g_assert_cmpuint(r.min_downtime_limit_ms, ==, 8063);

    /* Waiting never helps: the ramp raises the limit at once. */
    g_assert_cmpuint(dt_cost_downtime_ramp(&in, limits, 3), ==, 1);
    g_assert_cmpuint(limits[0], ==, 8063);
    g_assert_cmpuint(limits[2], ==, 8063);
}

/* Example 3b: perpetual with x-pre-copy-dirty-page-tracking=off: QEMU's
 * test only sees the CPU's writes and "converges", the guest still waits
 * for all of RAM. */
static void
test_example3b_perpetual_no_precopy_sync(void)
{
    DtCostInputs in;
    DtCostResult r;

    base_inputs(&in, DT_MODE_PERPETUAL, 64);
    in.precopy_sync = FALSE;
    predict(&in, &r);
    g_assert_true(r.converges);
    g_assert_cmpuint(r.rounds, ==, 3);
    g_assert_cmpuint(r.precopy_ms, ==, 8250);
    g_assert_cmpuint(r.residual_bytes, ==, 8 * GiB);
    g_assert_cmpuint(r.downtime_ms, ==, 8000);
    g_assert_cmpuint(r.total_time_ms, ==, 16250);
    g_assert_cmpuint(r.bytes_transferred, ==, 8448 * MiB + 8 * GiB);
}

/* Example 4: IOMMU tracking over 2 MiB IOPTEs, 64 MiB/s: 8x amplified. */
static void
test_example4_iommu_huge(void)
{
    DtCostInputs in;
    DtCostResult r;

    base_inputs(&in, DT_MODE_IOMMU, 64);
    in.tracking_granularity = 2 * MiB;
    predict(&in, &r);
    g_assert_cmpfloat(r.amplification, ==, 8.0);
    g_assert_cmpuint(r.effective_dirty_rate_mib_s, ==, 512);
    g_assert_true(r.converges);
    g_assert_cmpuint(r.rounds, ==, 9);
    g_assert_cmpuint(r.precopy_ms, ==, 15450);
    g_assert_cmpuint(r.downtime_ms, ==, 275);
    g_assert_cmpuint(r.total_time_ms, ==, 15725);
    g_assert_cmpuint(r.bytes_transferred, ==, MIB_F(16102.4));
    g_assert_cmpuint(r.min_downtime_limit_ms, ==, 1);

    /* the same VM with device tracking at 4 KiB */
    in.mode = DT_MODE_DEVICE;
    in.tracking_granularity = 4096;
    predict(&in, &r);
    g_assert_cmpuint(r.rounds, ==, 3);
    g_assert_cmpuint(r.precopy_ms, ==, 8250);
    g_assert_cmpuint(r.downtime_ms, ==, 266);        /* 265.625 */

    /* half the dirtying is the CPU's: 0.5 + 0.5 * 8 = 4.5x */
    in.mode = DT_MODE_IOMMU;
    in.tracking_granularity = 2 * MiB;
    in.dma_share_percent = 50;
    predict(&in, &r);
    g_assert_cmpfloat(r.amplification, ==, 4.5);
    g_assert_cmpuint(r.effective_dirty_rate_mib_s, ==, 288);
}

/* Example 5: QEMU switches as soon as the residual fits, so a faster link
 * can switch earlier with a larger residual: 1024 MiB/s freezes 275 ms,
 * 1400 MiB/s freezes 295 ms.  Both stay within the limit. */
static void
test_example5_switch_point_not_monotone(void)
{
    DtCostInputs in;
    DtCostResult slow, fast;

    base_inputs(&in, DT_MODE_DEVICE, 256);
    predict(&in, &slow);
    in.bandwidth_mib_s = 1400;
    predict(&in, &fast);
    g_assert_cmpuint(slow.rounds, ==, 5);
    g_assert_cmpuint(slow.downtime_ms, ==, 275);
    g_assert_cmpuint(fast.rounds, ==, 3);
    g_assert_cmpuint(fast.downtime_ms, ==, 295);     /* 294.86 */
    g_assert_cmpuint(fast.precopy_ms, <, slow.precopy_ms);
    g_assert_cmpuint(fast.downtime_ms, <=, 300);
}

/* The destination writes a page it already holds faster than one it
 * receives a first time (that one is faulted in too): a residual of pages
 * dirtied again goes at resend_mib_s, the first pass's rest at the link. */
static void
test_resend_rate(void)
{
    DtCostInputs in;
    DtCostResult link, fast;

    /* capped: QEMU switches after several syncs, every residual page was
     * sent before; twice the rate, half the freeze */
    dt_cost_inputs_init(&in);
    in.ram_bytes = 256 * MiB;
    in.dirty_rate_mib_s = 4;
    in.bandwidth_mib_s = 32;
    in.link_mib_s = 400;
    in.setup_ms = 0;
    in.switchover_ms = 0;
    predict(&in, &link);
    in.resend_mib_s = 800;
    predict(&in, &fast);
    g_assert_cmpuint(link.rounds, >, 1);
    g_assert_cmpuint(fast.rounds, ==, link.rounds);
    g_assert_cmpuint(fast.residual_bytes, ==, link.residual_bytes);
    g_assert_cmpfloat_with_epsilon((double)link.downtime_ms,
                                   link.residual_bytes * 1000.0 / (400.0 * MiB), 1.0);
    g_assert_cmpfloat_with_epsilon((double)fast.downtime_ms,
                                   link.residual_bytes * 1000.0 / (800.0 * MiB), 1.0);

    /* uncapped: the threshold (400 MiB/s x 300 ms = 120 MiB) is reached in
     * the first pass, whose unsent 116 MiB the destination has never held:
     * they go at the link's rate whatever resend_mib_s says */
    in.bandwidth_mib_s = 400;
    in.resend_mib_s = 0;
    predict(&in, &link);
    in.resend_mib_s = 800;
    predict(&in, &fast);
    g_assert_cmpuint(link.rounds, ==, 1);
    g_assert_cmpuint(link.downtime_ms, ==, 294);    /* 117.4 MiB at 400 MiB/s */
    g_assert_cmpuint(fast.downtime_ms, ==, 292);    /* 116 MiB at 400, 1.4 at 800 */
}

static void
test_invalid_inputs(void)
{
    DtCostInputs in;
    DtCostResult r;
    g_autoptr(GError) error = NULL;

    base_inputs(&in, DT_MODE_DEVICE, 64);
    in.bandwidth_mib_s = 0;
    g_assert_false(dt_cost_predict(&in, &r, &error));
    g_assert_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT);
    g_clear_error(&error);
    base_inputs(&in, DT_MODE_IOMMU, 64);
    in.pages_per_granule = 0;
    g_assert_false(dt_cost_predict(&in, &r, &error));
    g_assert_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT);
}

/* ---- properties ------------------------------------------------------------ */

static const guint64 grid_bw[] = { 100, 512, 1024, 1400, 3000, 12000 };
static const guint64 grid_dirty[] = { 0, 16, 64, 256, 700, 1024, 2048, 9000 };
static const guint64 grid_state[] = { 0, 64 * MiB, 2 * GiB };
static const guint grid_fails[] = { 0, 1 };
static const guint64 grid_gran[] = { 4096, 2 * MiB };

typedef void (*GridFn)(DtCostInputs *in, gpointer data);

static void
for_grid(DtMode mode, GridFn fn, gpointer data)
{
    for (guint b = 0; b < G_N_ELEMENTS(grid_bw); b++)
        for (guint d = 0; d < G_N_ELEMENTS(grid_dirty); d++)
            for (guint s = 0; s < G_N_ELEMENTS(grid_state); s++)
                for (guint f = 0; f < G_N_ELEMENTS(grid_fails); f++)
                    for (guint g = 0; g < G_N_ELEMENTS(grid_gran); g++) {
                        DtCostInputs in;
                        base_inputs(&in, mode, grid_dirty[d]);
                        in.bandwidth_mib_s = grid_bw[b];
                        in.device_state_bytes = grid_state[s];
                        in.n_state_query_fails = grid_fails[f];
                        in.tracking_granularity = grid_gran[g];
                        fn(&in, data);
                    }
}

static void
more_bandwidth(DtCostInputs *in, gpointer data)
{
    DtCostResult a, b;
    gboolean stuck_a, stuck_b;

    predict(in, &a);
    stuck_a = in->mode == DT_MODE_PERPETUAL || a.effective_dirty_rate_mib_s >= in->bandwidth_mib_s;
    in->bandwidth_mib_s = in->bandwidth_mib_s * 3 / 2;
    predict(in, &b);
    stuck_b = in->mode == DT_MODE_PERPETUAL || b.effective_dirty_rate_mib_s >= in->bandwidth_mib_s;
    g_assert_cmpuint(b.min_downtime_limit_ms, <=, a.min_downtime_limit_ms);
    /* Where the residual cannot shrink (perpetual, or dirtying at least as
     * fast as the link) the freeze is all of RAM plus state, and more
     * bandwidth only shortens it.  Elsewhere the switch round moves and
     * the freeze is not monotone (example 5). */
    if (stuck_a && stuck_b)
        g_assert_cmpuint(b.downtime_ms, <=, a.downtime_ms);
}

static void
test_property_bandwidth(void)
{
    for_grid(DT_MODE_DEVICE, more_bandwidth, NULL);
    for_grid(DT_MODE_IOMMU, more_bandwidth, NULL);
    for_grid(DT_MODE_PERPETUAL, more_bandwidth, NULL);
}

static void
more_dirtying(DtCostInputs *in, gpointer data)
{
    DtCostResult a, b;

    predict(in, &a);
    in->dirty_rate_mib_s = in->dirty_rate_mib_s * 2 + 1;
    predict(in, &b);
    g_assert_cmpuint(b.min_downtime_limit_ms, >=, a.min_downtime_limit_ms);
    g_assert_cmpuint(b.effective_dirty_rate_mib_s, >=, a.effective_dirty_rate_mib_s);
    /* once the dirtying outruns the link, more of it can only keep the
     * freeze at all of RAM plus state */
    if (a.effective_dirty_rate_mib_s >= in->bandwidth_mib_s)
        g_assert_cmpuint(b.downtime_ms, >=, a.downtime_ms);
    /* a VM that does not converge never starts converging by dirtying more */
    if (!a.converges)
        g_assert_false(b.converges);
}

static void
test_property_dirty_rate(void)
{
    for_grid(DT_MODE_DEVICE, more_dirtying, NULL);
    for_grid(DT_MODE_IOMMU, more_dirtying, NULL);
}

static void
perpetual_vs_device(DtCostInputs *in, gpointer data)
{
    DtCostResult dev, perp;

    in->tracking_granularity = 4096;
    predict(in, &dev);
    in->mode = DT_MODE_PERPETUAL;
    predict(in, &perp);
    g_assert_cmpuint(perp.downtime_ms, >=, dev.downtime_ms);
    g_assert_cmpuint(perp.min_downtime_limit_ms, >=, dev.min_downtime_limit_ms);
    if (perp.converges)
        g_assert_true(dev.converges);
}

static void
test_property_perpetual_never_beats_device(void)
{
    for_grid(DT_MODE_DEVICE, perpetual_vs_device, NULL);
}

static void
within_limit(DtCostInputs *in, gpointer data)
{
    DtCostResult r;

    predict(in, &r);
    /* The freeze never exceeds the limit in force when QEMU counts at
     * least the state it sends (always, except an unknown real size). */
    g_assert_cmpuint(r.downtime_ms, <=, r.limit_used_ms + in->switchover_ms + 1);
    g_assert_cmpuint(r.limit_used_ms, >=, r.min_downtime_limit_ms);
    g_assert_cmpuint(r.total_time_ms, ==, in->setup_ms + r.precopy_ms + r.downtime_ms);
    g_assert_cmpuint(r.iterations, ==, r.rounds + 2);
    if (r.converges)
        g_assert_cmpuint(r.limit_used_ms, ==, in->downtime_limit_ms);
}

static void
test_property_freeze_within_limit(void)
{
    for_grid(DT_MODE_DEVICE, within_limit, NULL);
    for_grid(DT_MODE_IOMMU, within_limit, NULL);
    for_grid(DT_MODE_PERPETUAL, within_limit, NULL);
}

static void
ramp_switches(DtCostInputs *in, gpointer data)
{
    guint64 limits[DT_COST_DEFAULT_MAX_ROUNDS + 1];
    DtCostResult r;
    guint at;

    predict(in, &r);
    at = dt_cost_downtime_ramp(in, limits, G_N_ELEMENTS(limits));
    g_assert_cmpuint(at, ==, MIN(r.rounds, G_N_ELEMENTS(limits)));
    if (r.converges) {
        for (guint k = 0; k < G_N_ELEMENTS(limits); k++)
            g_assert_cmpuint(limits[k], ==, in->downtime_limit_ms);
        return;
    }
    /* raised after the sync before the switch, for QEMU's test at it */
    g_assert_cmpuint(limits[at - 1], ==, r.limit_used_ms);
    for (guint k = 0; k + 1 < at; k++)
        g_assert_cmpuint(limits[k], ==, in->downtime_limit_ms);
    for (guint k = 0; k < G_N_ELEMENTS(limits); k++)
        g_assert_cmpuint(limits[k], >=, in->downtime_limit_ms);
}

static void
test_property_ramp_matches_prediction(void)
{
    for_grid(DT_MODE_DEVICE, ramp_switches, NULL);
    for_grid(DT_MODE_PERPETUAL, ramp_switches, NULL);
}

/* ---- recommendations ------------------------------------------------------- */

static const DtCostAdvice *
find_advice(GPtrArray *a, const char *code)
{
    for (guint i = 0; i < a->len; i++) {
        const DtCostAdvice *x = g_ptr_array_index(a, i);
        if (strcmp(x->code, code) == 0)
            return x;
    }
    return NULL;
}

static DtVersion
ver(guint major, guint minor)
{
    DtVersion v = { major, minor, 0, TRUE };
    return v;
}

static void
test_recommend_switchover_ack(void)
{
    DtCostInputs in;
    DtCostResult r;
    DtVersion q81 = ver(8, 1), q80 = ver(8, 0), lv = ver(10, 0);
    g_autoptr(GPtrArray) a = NULL;
    g_autoptr(GPtrArray) b = NULL;
    g_autoptr(GPtrArray) c = NULL;
    const DtCostAdvice *x;

    base_inputs(&in, DT_MODE_DEVICE, 64);
    in.device_mig_flags = DT_MIG_STOP_COPY | DT_MIG_P2P | DT_MIG_PRE_COPY;
    predict(&in, &r);
    a = dt_cost_recommend(&in, &r, &q81, &lv);
    x = find_advice(a, DT_COST_ADV_SWITCHOVER_ACK);
    g_assert_nonnull(x);
    g_assert_false(x->libvirt_can_set);
    g_assert_nonnull(find_advice(a, DT_COST_ADV_NO_POSTCOPY));
    g_assert_null(find_advice(a, DT_COST_ADV_DOWNTIME_LIMIT));   /* it converges */

    b = dt_cost_recommend(&in, &r, &q80, &lv);
    g_assert_null(find_advice(b, DT_COST_ADV_SWITCHOVER_ACK));
    in.device_mig_flags = DT_MIG_STOP_COPY | DT_MIG_P2P;
    c = dt_cost_recommend(&in, &r, &q81, &lv);
    g_assert_null(find_advice(c, DT_COST_ADV_SWITCHOVER_ACK));
}

static void
test_recommend_parallel_and_bandwidth(void)
{
    DtCostInputs in;
    DtCostResult r;
    DtVersion q10 = ver(10, 0), q92 = ver(9, 2), q81 = ver(8, 1);
    DtVersion lv111 = ver(11, 1), lv100 = ver(10, 0);
    g_autoptr(GPtrArray) a = NULL;
    g_autoptr(GPtrArray) b = NULL;
    g_autoptr(GPtrArray) c = NULL;
    g_autoptr(GPtrArray) d = NULL;
    const DtCostAdvice *x;

    base_inputs(&in, DT_MODE_DEVICE, 64);
    in.device_state_bytes = 1 * GiB;
    predict(&in, &r);
    a = dt_cost_recommend(&in, &r, &q10, &lv111);
    x = find_advice(a, DT_COST_ADV_PARALLEL);
    g_assert_nonnull(x);
    g_assert_true(x->libvirt_can_set);
    x = find_advice(a, DT_COST_ADV_AVAIL_SWITCHOVER);
    g_assert_nonnull(x);
    g_assert_true(x->libvirt_can_set);
    g_assert_cmpstr(x->value, ==, "1024");

    b = dt_cost_recommend(&in, &r, &q92, &lv100);
    g_assert_null(find_advice(b, DT_COST_ADV_PARALLEL));
    x = find_advice(b, DT_COST_ADV_AVAIL_SWITCHOVER);
    g_assert_nonnull(x);
    g_assert_false(x->libvirt_can_set);          /* libvirt 10.0 < 11.1 */

    c = dt_cost_recommend(&in, &r, &q81, &lv111);
    g_assert_null(find_advice(c, DT_COST_ADV_AVAIL_SWITCHOVER));   /* QEMU < 8.2 */

    in.device_state_bytes = 64 * MiB;
    predict(&in, &r);
    d = dt_cost_recommend(&in, &r, &q10, &lv111);
    g_assert_null(find_advice(d, DT_COST_ADV_PARALLEL));           /* small state */
}

static void
test_recommend_downtime_limit_and_none(void)
{
    DtCostInputs in;
    DtCostResult r;
    DtVersion q = ver(8, 1), lv = ver(9, 0);
    g_autoptr(GPtrArray) a = NULL;
    g_autoptr(GPtrArray) b = NULL;
    const DtCostAdvice *x;

    base_inputs(&in, DT_MODE_DEVICE, 256);
    in.n_state_query_fails = 1;
    predict(&in, &r);
    a = dt_cost_recommend(&in, &r, &q, &lv);
    x = find_advice(a, DT_COST_ADV_DOWNTIME_LIMIT);
    g_assert_nonnull(x);
    g_assert_cmpstr(x->value, ==, "100001");   /* QEMU's test is strict */
    g_assert_true(x->libvirt_can_set);

    in.n_devices = 0;
    in.n_state_query_fails = 0;
    predict(&in, &r);
    b = dt_cost_recommend(&in, &r, &q, &lv);
    g_assert_cmpuint(b->len, ==, 0);    /* no VFIO: nothing to say */
}

/* ---- the bridge from a decision --------------------------------------------- */

static void
test_inputs_from_decision(void)
{
    g_autoptr(DtDecision) dec = dt_decision_new();
    g_autoptr(DtHost) host = dt_host_new();
    DtDeviceFinding *f = g_new0(DtDeviceFinding, 1);
    DtVfPolicy *vp = g_new0(DtVfPolicy, 1);
    DtPolicy pol;
    DtCostInputs in;

    dt_policy_init_defaults(&pol);
    pol.bandwidth_mib_s = 2048;
    pol.dirty_rate_mib_s = 100;
    dec->mode = DT_MODE_PERPETUAL;
    dec->qemu_band = g_strdup("9.1");
    dec->ram_bytes = 8 * GiB;
    dec->device_state_bytes = 0;
    dec->tracking_granularity = 4096;
    f->address = g_strdup("0000:3b:00.1");
    f->present = TRUE;
    f->migration = (DtFact){ DT_TRI_YES, DT_SOURCE_DATABASE };
    f->mig_flags = DT_MIG_STOP_COPY | DT_MIG_P2P;
    g_ptr_array_add(dec->devices, f);
    vp->address = g_strdup("0000:3b:00.1");
    vp->props = g_ptr_array_new_with_free_func((GDestroyNotify)dt_prop_free);
    g_ptr_array_add(vp->props, dt_prop_new("x-pre-copy-dirty-page-tracking", "string", "off"));
    g_ptr_array_add(dec->vf_policy, vp);
    host->page_size = 4096;
    host->kernel = (DtVersion){ 6, 1, 0, TRUE };

    dt_cost_inputs_from_decision(&in, dec, &pol, host);
    g_assert_cmpint(in.mode, ==, DT_MODE_PERPETUAL);
    g_assert_cmpuint(in.ram_bytes, ==, 8 * GiB);
    g_assert_cmpuint(in.mapped_bytes, ==, 8 * GiB);    /* VFIO maps all RAM */
    g_assert_cmpuint(in.bandwidth_mib_s, ==, 2048);
    g_assert_cmpuint(in.dirty_rate_mib_s, ==, 100);
    g_assert_cmpuint(in.n_devices, ==, 1);
    g_assert_cmpuint(in.n_state_query_fails, ==, 1);   /* kernel 6.1 < 6.2 */
    g_assert_cmpint(in.device_state_source, ==, DT_SOURCE_NONE);
    g_assert_false(in.precopy_sync);
    g_assert_cmpuint(in.downtime_limit_ms, ==, DT_COST_QEMU_DEFAULT_DOWNTIME_MS);

    /* kernel 6.12 answers MIG_DATA_SIZE; no host: assumed to answer */
    host->kernel = (DtVersion){ 6, 12, 0, TRUE };
    dt_cost_inputs_from_decision(&in, dec, &pol, host);
    g_assert_cmpuint(in.n_state_query_fails, ==, 0);
    host->kernel = (DtVersion){ 6, 1, 0, TRUE };
    dt_cost_inputs_from_decision(&in, dec, &pol, NULL);
    g_assert_cmpuint(in.n_state_query_fails, ==, 0);

    /* QEMU 7.2 (v1 protocol) has no such accounting */
    g_free(dec->qemu_band);
    dec->qemu_band = g_strdup("7.2");
    dt_cost_inputs_from_decision(&in, dec, &pol, host);
    g_assert_cmpuint(in.n_state_query_fails, ==, 0);

    /* a known size: its source is reported */
    f->stop_copy_bytes = 32 * MiB;
    f->stop_copy_source = DT_SOURCE_IOCTL;
    dec->device_state_bytes = 32 * MiB;
    dt_cost_inputs_from_decision(&in, dec, &pol, host);
    g_assert_cmpint(in.device_state_source, ==, DT_SOURCE_IOCTL);
    g_assert_cmpuint(in.device_state_bytes, ==, 32 * MiB);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cost/example1/device-8G-256MiBs-converges-3-rounds-188ms",
                    test_example1_device_converges);
    g_test_add_func("/cost/example2/kernel-6.1-counts-100GiB-needs-100s-limit-ramp-freezes-125ms",
                    test_example2_phantom_state);
    g_test_add_func("/cost/example3/perpetual-8G-freezes-8000ms", test_example3_perpetual);
    g_test_add_func("/cost/example3b/perpetual-no-precopy-sync-fools-the-switch-test",
                    test_example3b_perpetual_no_precopy_sync);
    g_test_add_func("/cost/example4/iommu-2MiB-iopte-amplifies-8x", test_example4_iommu_huge);
    g_test_add_func("/cost/example5/faster-link-can-switch-earlier-with-larger-freeze",
                    test_example5_switch_point_not_monotone);
    g_test_add_func("/cost/resend/pages-sent-before-at-their-rate-first-pass-at-the-link",
                    test_resend_rate);
    g_test_add_func("/cost/invalid/zero-bandwidth-or-locality-is-an-error", test_invalid_inputs);
    g_test_add_func("/cost/property/more-bandwidth-never-raises-limit-or-forced-freeze",
                    test_property_bandwidth);
    g_test_add_func("/cost/property/more-dirtying-never-lowers-limit-or-forced-freeze",
                    test_property_dirty_rate);
    g_test_add_func("/cost/property/perpetual-never-beats-device",
                    test_property_perpetual_never_beats_device);
    g_test_add_func("/cost/property/freeze-within-limit-in-force", test_property_freeze_within_limit);
    g_test_add_func("/cost/property/ramp-switches-where-prediction-says",
                    test_property_ramp_matches_prediction);
    g_test_add_func("/cost/recommend/switchover-ack-needs-pre-copy-and-qemu-8.1",
                    test_recommend_switchover_ack);
    g_test_add_func("/cost/recommend/parallel-qemu-10-large-state-avail-switchover-libvirt-11.1",
                    test_recommend_parallel_and_bandwidth);
    g_test_add_func("/cost/recommend/downtime-limit-when-not-converging-nothing-without-vfio",
                    test_recommend_downtime_limit_and_none);
    g_test_add_func("/cost/bridge/inputs-from-decision", test_inputs_from_decision);
    return g_test_run();
}
