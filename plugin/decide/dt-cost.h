/* dt-cost.h: the cost model.  How long pre-copy runs, how long the guest
 * freezes, and which downtime-limit lets QEMU switch over at all, for a VM
 * whose devices are tracked one way or another (docs/cost-model.md has the
 * formulas and the worked examples the unit tests check).
 *
 * Pure: no I/O, no clock, no environment.  The daemon calls it on every
 * migration iteration and the gate calls it inside the decision engine, so
 * it takes plain numbers and answers plain numbers.  The one bridge to the
 * rest of dirtytrack is dt_cost_inputs_from_decision().
 */
#pragma once

#include <glib.h>
#include "model/dt-model.h"

G_BEGIN_DECLS

/* QEMU's downtime-limit default (migration parameter, milliseconds). */
#define DT_COST_QEMU_DEFAULT_DOWNTIME_MS 300
/* What QEMU counts for a device whose VFIO_DEVICE_FEATURE_MIG_DATA_SIZE
 * query fails (VFIO_MIG_STOP_COPY_SIZE, hw/vfio/migration.c). */
#define DT_COST_QEMU_UNKNOWN_STATE_BYTES (G_GUINT64_CONSTANT(100) << 30)
/* Where the model stops iterating: QEMU and libvirt themselves never give
 * up, so "not within this many rounds" is what "does not converge" means. */
#define DT_COST_DEFAULT_MAX_ROUNDS 1000
/* Write locality under coarse tracking: host pages actually written in a
 * tracking granule that gets dirtied (assumption, docs/cost-model.md §3). */
#define DT_COST_DEFAULT_PAGES_PER_GRANULE 64
/* Share of the dirty rate that is device DMA, in percent (assumption: all
 * of it, the upper bound, §3). */
#define DT_COST_DEFAULT_DMA_SHARE_PERCENT 100
/* The ramp raises the limit once the real residual is within this many
 * percent of the best the model can reach (§5). */
#define DT_COST_RAMP_TOLERANCE_PERCENT 10
/* QEMU's pacing of pre-copy (migration/migration.c, BUFFER_DELAY): the
 * rate limit hands out bandwidth/10 bytes per 100 ms window, and the
 * switch-over test runs between two such chunks. */
#define DT_COST_QEMU_RATE_WINDOW_MS 100
/* Without a cap ram_save_iterate() returns every 50 ms (migration/ram.c,
 * MAX_WAIT) and the test runs again. */
#define DT_COST_QEMU_ITERATE_MAX_MS 50
/* Fixed costs the bytes do not explain (assumptions, calibrated on real
 * libvirt migrations: docs/cost-model.md §7).  Setup: from the migration
 * call to the first byte of pre-copy (libvirt's Begin/Prepare, the
 * destination QEMU's start, QEMU's setup and first dirty-bitmap sync).
 * Switch-over: stopping the vCPUs, saving the non-iterable device state,
 * the destination loading it and libvirt resuming the guest there. */
#define DT_COST_DEFAULT_SETUP_MS 700
#define DT_COST_DEFAULT_SWITCHOVER_MS 15
/* Device state at or above this is "large" for multifd advice. */
#define DT_COST_LARGE_STATE_BYTES (G_GUINT64_CONSTANT(512) << 20)

typedef struct {
    DtMode mode;                   /* device | iommu | perpetual | none */
    guint64 ram_bytes;             /* guest RAM */
    guint64 mapped_bytes;          /* DMA-mapped share; VFIO maps all RAM, so = ram_bytes */
    guint64 dirty_rate_mib_s;      /* guest writes, counted in host pages */
    guint64 bandwidth_mib_s;       /* pre-copy rate: the migration's speed cap, else the link */
    guint64 link_mib_s;            /* the stop-and-copy's rate: QEMU lifts the cap there;
                                    * 0 = bandwidth_mib_s (never below it) */
    guint64 resend_mib_s;          /* the same for pages the destination already holds
                                    * (sent before, dirtied again): its QEMU writes them
                                    * into RAM it has touched, where a first copy also
                                    * faults the page in; 0 = link_mib_s */
    guint64 switchover_bandwidth_mib_s; /* avail-switchover-bandwidth (QEMU 8.2); 0 = QEMU
                                    * measures it: the pre-copy rate */
    guint64 ram_data_bytes;        /* RAM holding data; a zero page costs QEMU a flag,
                                    * not a page (0 = all of ram_bytes) */
    guint64 pending_bytes;         /* a running job: RAM dirty now (libvirt's
                                    * memory_remaining); 0 = a job that starts */
    guint64 setup_ms;              /* fixed cost before pre-copy (assumption) */
    guint64 switchover_ms;         /* fixed cost of the stop (assumption) */
    guint64 device_state_bytes;    /* stop-copy state the devices really send (best known) */
    DtSource device_state_source;  /* NONE when any migrating device's size is unknown */
    guint n_devices;               /* VFIO devices that migrate */
    guint n_state_query_fails;     /* of those, how many QEMU cannot ask MIG_DATA_SIZE */
    guint32 device_mig_flags;      /* union of DT_MIG_* over the migrating devices */
    guint64 page_size;             /* host page size */
    guint64 tracking_granularity;  /* bytes one dirty bit covers */
    guint pages_per_granule;       /* locality assumption, see above */
    guint dma_share_percent;       /* locality assumption, see above */
    gboolean precopy_sync;         /* FALSE: x-pre-copy-dirty-page-tracking=off */
    guint64 downtime_limit_ms;     /* QEMU downtime-limit */
    guint max_rounds;
} DtCostInputs;

typedef struct {
    gboolean converges;            /* switches over with the given downtime-limit */
    guint rounds;                  /* dirty-bitmap syncs after setup's before the stop: QEMU's
                                    * dirty-sync-count at the switch is rounds + 1 */
    guint iterations;              /* dirty-sync-count of the completed job (libvirt's
                                    * "Iteration"): the stop syncs once more */
    guint64 precopy_ms;
    guint64 downtime_ms;           /* the guest's freeze at the switch-over round */
    guint64 total_time_ms;         /* setup_ms + precopy_ms + downtime_ms */
    guint64 min_downtime_limit_ms; /* smallest limit with which QEMU switches over */
    guint64 bytes_transferred;     /* every pass, the final residual and the device state */
    guint64 residual_bytes;        /* RAM sent while the guest is stopped */
    guint64 counted_state_bytes;   /* device state as QEMU counts it for the switch */
    guint64 effective_dirty_rate_mib_s; /* after granularity amplification */
    double amplification;          /* effective / measured dirty rate */
    guint64 limit_used_ms;         /* the limit in force at the switch: downtime_limit_ms
                                    * when that converges, else the ramp's (see
                                    * dt_cost_downtime_ramp): the run every number describes */
} DtCostResult;

/* Defaults for everything that is not a fact about the VM. */
void dt_cost_inputs_init(DtCostInputs *in);

/* The bridge from the decision engine: mode, RAM, device state (probed,
 * else the database's estimate, else unknown), granularity and device
 * flags from the decision, bandwidth and dirty rate from the policy.
 * host (may be NULL) tells whether the kernel answers MIG_DATA_SIZE (6.2+);
 * without it the query is assumed to work.  downtime_limit_ms is QEMU's
 * default; callers with a better one set it afterwards. */
void dt_cost_inputs_from_decision(DtCostInputs *out, const DtDecision *dec,
                                  const DtPolicy *policy, const DtHost *host);

/* Run the model.  FALSE (with DT_ERROR_INVALID_INPUT) on a zero bandwidth
 * or locality parameter out of range. */
gboolean dt_cost_predict(const DtCostInputs *in, DtCostResult *out, GError **error);

/* The gate: TRUE when a budget is set and the predicted downtime exceeds
 * it.  A migration that only needs a larger downtime-limit is not over
 * budget as long as the guest's freeze fits: the daemon ramps the limit. */
gboolean dt_cost_over_budget(const DtCostResult *r, guint64 max_downtime_ms);

/* The downtime-limit to set when sync k has happened (k = 0 is setup's;
 * QEMU's dirty-sync-count, which libvirt's migration-iteration event
 * reports, is k + 1): it governs QEMU's test at the next sync.  Fills
 * limits_ms[0..n_limits-1] and returns the sync at which the model expects
 * the switch-over (n_limits if later).  The limit stays at
 * in->downtime_limit_ms until the residual the guest would really freeze
 * for stops improving, then becomes just what QEMU's own accounting
 * (device state included, 100 GiB phantoms too) needs. */
guint dt_cost_downtime_ramp(const DtCostInputs *in, guint64 *limits_ms, guint n_limits);

/* ---- recommendations ------------------------------------------------------ */

/* Stable codes (never translated). */
#define DT_COST_ADV_SWITCHOVER_ACK   "switchover-ack"
#define DT_COST_ADV_PARALLEL         "parallel-connections"
#define DT_COST_ADV_AVAIL_SWITCHOVER "avail-switchover-bandwidth"
#define DT_COST_ADV_NO_POSTCOPY      "no-postcopy"
#define DT_COST_ADV_DOWNTIME_LIMIT   "downtime-limit"

typedef struct {
    char *code;            /* DT_COST_ADV_* */
    gboolean libvirt_can_set;
    char *setting;         /* the knob, untranslated: "VIR_MIGRATE_PARALLEL", ... */
    char *value;           /* suggested value, untranslated, NULL if none */
    char *message;         /* translated */
} DtCostAdvice;

void dt_cost_advice_free(DtCostAdvice *a);

/* Pure: from the model's inputs and result and the QEMU and libvirt
 * versions.  Returns DtCostAdvice* (never NULL, may be empty). */
GPtrArray *dt_cost_recommend(const DtCostInputs *in, const DtCostResult *r,
                             const DtVersion *qemu, const DtVersion *libvirt);

const char *dt_cost_stop_rule(void);   /* one untranslated line for reports */

G_END_DECLS
