/* dt-cli-extra.h: the `export`, `apply` and `config` subcommands of
 * dirtytrack(1), kept apart from dirtytrack.c because apply links libvirt's
 * client library, export writes files other programs read and config
 * validates what the hook and the daemon will read.
 *
 * Rows of the command table (dirtytrack.c).  Exit status: 0 done, 3 error (one line
 * on stderr starting "dirtytrack: "), like the other subcommands; `config
 * check` exits 1 with "FILE:LINE: [GROUP] KEY: error" for an invalid file.
 */
#pragma once

#include <glib.h>
#include "cli/dt-cli.h"

G_BEGIN_DECLS

void dt_cli_export_options(GOptionGroup *g, DtCliArgs *a);
int dt_cli_export(const DtCliArgs *a);
void dt_cli_apply_options(GOptionGroup *g, DtCliArgs *a);
int dt_cli_apply(const DtCliArgs *a);
int dt_cli_config(const DtCliArgs *a);

G_END_DECLS
