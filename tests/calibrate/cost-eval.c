/* cost-eval: the cost model (plugin/dt-cost.h) on inputs given as
 * key=value arguments, for tests/calibrate.sh, which holds its answers
 * against real migrations.  Only the model is asked: the run's inputs are
 * facts of the run (RAM, dirty rate, bandwidth cap, the reference
 * migrations' rates and costs); a guest's VFIO device comes as what
 * `dirtytrack check --probe-ioctl` answered for it (mode, stop-copy size,
 * tracking granularity), which the script reads from that report.
 *
 *   cost-eval ram-mib=256 dirty-mib-s=4 bandwidth-mib-s=32 link-mib-s=160 \
 *             [resend-mib-s=N] [data-mib=N] [limit-ms=300] [setup-ms=N]
 *             [switchover-ms=N] [mode=none|device|iommu|perpetual] [devices=N] [state-bytes=N]
 *             [granularity=BYTES]
 *
 * prints one line: converges rounds iterations precopy_ms downtime_ms
 * total_ms.  Unknown keys are an error (exit 2).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide/dt-cost.h"
#include "model/dt-util.h"

int
main(int argc, char **argv)
{
    DtCostInputs in;
    DtCostResult r;
    g_autoptr(GError) error = NULL;

    dt_cost_inputs_init(&in);
    in.mode = DT_MODE_NONE;
    for (int i = 1; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        guint64 v;

        if (!eq) {
            fprintf(stderr, "cost-eval: %s: expected key=value\n", argv[i]);
            return 2;
        }
        v = g_ascii_strtoull(eq + 1, NULL, 10);
#define KEY(k) (strncmp(argv[i], k "=", strlen(k) + 1) == 0)
        if (KEY("mode")) {
            if (!dt_mode_from_string(eq + 1, &in.mode) || in.mode == DT_MODE_UNKNOWN) {
                fprintf(stderr, "cost-eval: %s: not a mode the model takes\n", argv[i]);
                return 2;
            }
        } else if (KEY("devices"))
            in.n_devices = (guint)v;
        else if (KEY("granularity"))
            in.tracking_granularity = v;
        else if (KEY("ram-mib"))
            in.ram_bytes = v << 20;
        else if (KEY("dirty-mib-s"))
            in.dirty_rate_mib_s = v;
        else if (KEY("bandwidth-mib-s"))
            in.bandwidth_mib_s = v;
        else if (KEY("link-mib-s"))
            in.link_mib_s = v;
        else if (KEY("resend-mib-s"))
            in.resend_mib_s = v;
        else if (KEY("data-mib"))
            in.ram_data_bytes = v << 20;
        else if (KEY("limit-ms"))
            in.downtime_limit_ms = v;
        else if (KEY("setup-ms"))
            in.setup_ms = v;
        else if (KEY("switchover-ms"))
            in.switchover_ms = v;
        else if (KEY("state-bytes")) {
            in.device_state_bytes = v;
            in.device_state_source = DT_SOURCE_IOCTL;
        }
        else {
            fprintf(stderr, "cost-eval: unknown key in %s\n", argv[i]);
            return 2;
        }
#undef KEY
    }
    if (!dt_cost_predict(&in, &r, &error)) {
        fprintf(stderr, "cost-eval: %s\n", error->message);
        return 1;
    }
    printf("%d %u %u %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT "\n",
           r.converges, r.rounds, r.iterations, r.precopy_ms, r.downtime_ms, r.total_time_ms);
    return 0;
}
