/* dt-cli.h: the command table of dirtytrack(1) and what every subcommand
 * shares: one dispatcher that parses a command's options, prints its help
 * and checks its argument count from the table (systemd's verbs.c idea),
 * the option sets several commands take (one GOptionGroup for the
 * evaluation options), the one-line error convention (exit 3,
 * "dirtytrack: ..." on stderr) and writing an -o FILE safely.
 *
 * Domain XML is read by dt_domain_read_file() (dt-domain.h), the bounded
 * reader the library's tests exercise.
 */
#pragma once

#include <glib.h>
#include "model/dt-config.h"
#include "eval/dt-eval.h"

G_BEGIN_DECLS

#define DT_CLI_EXIT_ERROR 3

/* The option sets a command takes besides its own; the dispatcher adds
 * them, so an option is declared, described and checked once. */
typedef enum {
    DT_CLI_OPT_SYSROOT = 1 << 0,  /* --sysroot: commands that read this host */
    DT_CLI_OPT_EVAL    = 1 << 1,  /* the evaluation group: --qemu-version, --libvirt-version, --config */
    DT_CLI_OPT_COLOR   = 1 << 2,  /* --color, --no-color */
    DT_CLI_OPT_QUIET   = 1 << 3,  /* --quiet: the exit status is the answer */
} DtCliOptionSet;

typedef struct DtCliCommand DtCliCommand;

/* Everything the options of any command fill in; a command reads the
 * fields of the sets and options it declares. */
typedef struct {
    const DtCliCommand *cmd;
    const DtCliCommand *table;   /* the whole table (help lists it) */
    guint n_commands;
    gboolean help;
    char **args;                 /* positional arguments, NULL when none */
    guint n_args;
    /* shared sets */
    char *format;                /* never NULL after parsing when the command has a default */
    gboolean color, no_color, quiet;
    char *sysroot;
    char *qemu_version, *libvirt_version, *config;
    /* check, explain */
    char *role, *via_daemon, *daemon_timeout;
    gboolean probe_ioctl, preflight;
    /* predict */
    char *bandwidth, *dirty_rate, *downtime_limit, *resend_bandwidth;
    /* export */
    gint64 expiry;
    char *output;
    /* apply */
    char *connect;
    gboolean dry_run, print_result;
    /* descriptions built at run time (they name the command's formats) */
    char *format_help;
} DtCliArgs;

struct DtCliCommand {
    const char *name;
    const char *params;          /* N_(): positional arguments of the usage line, or NULL */
    const char *summary;         /* N_(): the line in `dirtytrack --help` */
    const char *description;     /* N_(): the paragraph of `dirtytrack CMD --help`, or NULL */
    guint min_args, max_args;
    guint option_sets;           /* DtCliOptionSet */
    const char *formats;         /* "text json": --format values, the first the default; NULL: none */
    gboolean format_required;    /* no default format */
    /* adds the command's own options to its main group, or NULL */
    void (*options)(GOptionGroup *group, DtCliArgs *a);
    int (*run)(const DtCliArgs *a);
};

/* Runs argv[1] from table (or prints the usage): the exit status. */
int dt_cli_main(const DtCliCommand *table, guint n_commands, int argc, char **argv);

/* `dirtytrack help [COMMAND]`: the command list, or COMMAND's options. */
int dt_cli_help(const DtCliArgs *a);

/* TRUE when colour codes go into text reports (--color, --no-color, a
 * terminal on stdout and no NO_COLOR). */
gboolean dt_cli_use_color(const DtCliArgs *a);

/* What a command that evaluates one domain reads first: the configuration
 * (--config) and the domain XML named by the first argument ("-": standard
 * input; dt_domain_read_file(), bounded).  0, or 3 after the error line. */
int dt_cli_read_inputs(const DtCliArgs *a, DtConfig **cfg, char **xml, gsize *len);
/* The first argument as a message names it: the path, or "standard input". */
const char *dt_cli_input_name(const DtCliArgs *a);

/* Prints "dirtytrack: MESSAGE" as one line on stderr; returns 3. */
int dt_cli_fail(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* The output of a subcommand's -o: path NULL or "-" is standard output,
 * anything else a regular file replaced atomically (dt_file_replace(): never
 * a device, FIFO, symlink or directory).  Returns 0, or 3 after the one
 * error line. */
int dt_cli_write_output(const char *path, const char *text);

/* Says on stderr what an evaluation chose not to do that the user should
 * know of: a domain's emulator not run (root runs only trusted QEMU). */
void dt_cli_note_evaluation(const DtEvaluation *ev);

G_END_DECLS
