/* dt-cli-extra.h: the `export`, `apply` and `config` subcommands of
 * dirtytrack(1), kept apart from dirtytrack.c because apply links libvirt's
 * client library, export writes files other programs read and config
 * validates what the hook and the daemon will read.
 *
 * argv[0] is the subcommand name.  Exit status: 0 done, 3 error (one line
 * on stderr starting "dirtytrack: "), like the other subcommands; `config
 * check` exits 1 with "FILE:LINE: [GROUP] KEY: error" for an invalid file.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

int dt_cli_export(int argc, char **argv);
int dt_cli_apply(int argc, char **argv);
int dt_cli_config(int argc, char **argv);

G_END_DECLS
