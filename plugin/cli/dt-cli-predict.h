/* dt-cli-predict.h: the `predict` subcommand of dirtytrack(1): the cost
 * model's numbers for one domain, with every assumption behind them and
 * where it came from.  Kept out of dirtytrack.c so the subcommand and its
 * output formats live next to each other.
 *
 *   dirtytrack predict [--sysroot DIR] [--qemu-version V] [--libvirt-version V]
 *                      [--config FILE] [--bandwidth MIB_S] [--dirty-rate MIB_S]
 *                      [--downtime-limit MS] [--format text|json] DOMAIN.xml|-
 *
 * A row of the command table (dirtytrack.c).  Exit status: 0 printed, 3 error (one line on
 * stderr starting "dirtytrack: ").  A prediction is information, not a
 * gate: `check` carries the verdict in its exit status.
 */
#pragma once

#include <glib.h>
#include "cli/dt-cli.h"

G_BEGIN_DECLS

void dt_cli_predict_options(GOptionGroup *g, DtCliArgs *a);
int dt_cli_predict(const DtCliArgs *a);

G_END_DECLS
