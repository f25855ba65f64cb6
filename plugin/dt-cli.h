/* dt-cli.h: what every `dirtytrack` subcommand shares: the one-line error
 * convention (exit 3, "dirtytrack: ..." on stderr) and reading a domain XML
 * from a file or standard input within the parser's size limit; writing
 * an -o FILE safely.
 */
#pragma once

#include <glib.h>
#include "dt-eval.h"

G_BEGIN_DECLS

#define DT_CLI_EXIT_ERROR 3

/* Prints "dirtytrack: MESSAGE" as one line on stderr; returns 3. */
int dt_cli_fail(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* arg is a path or "-" for standard input.  Stops reading past
 * DT_XML_MAX_BYTES, so a 50 MB file never sits in memory. */
char *dt_cli_read_domain(const char *arg, gsize *len, GError **error);

/* The output of a subcommand's -o: path NULL or "-" is standard output,
 * anything else a regular file replaced atomically (dt_file_replace(): never
 * a device, FIFO, symlink or directory).  Returns 0, or 3 after the one
 * error line. */
int dt_cli_write_output(const char *path, const char *text);

/* Says on stderr what an evaluation chose not to do that the user should
 * know of: a domain's emulator not run (root runs only trusted QEMU). */
void dt_cli_note_evaluation(const DtEvaluation *ev);

G_END_DECLS
