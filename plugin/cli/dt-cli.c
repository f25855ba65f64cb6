/* dt-cli.c: the dispatcher of dirtytrack(1) and the helpers its commands
 * share (see dt-cli.h).  A command's help, usage line, option sets and
 * argument count come from its row of the table, so `dirtytrack help CMD`,
 * `dirtytrack CMD --help` and the errors of a wrong call say the same. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "cli/dt-cli.h"
#include "model/dt-domain.h"
#include "model/dt-file.h"
#include "model/dt-util.h"

int
dt_cli_fail(const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    /* one line, whatever the message contained */
    g_strdelimit(msg, "\n", ' ');
    fprintf(stderr, "dirtytrack: %s\n", msg);
    return DT_CLI_EXIT_ERROR;
}

static void
args_clear(DtCliArgs *a)
{
    g_strfreev(a->args);
    g_free(a->format);
    g_free(a->sysroot);
    g_free(a->qemu_version);
    g_free(a->libvirt_version);
    g_free(a->config);
    g_free(a->role);
    g_free(a->via_daemon);
    g_free(a->daemon_timeout);
    g_free(a->bandwidth);
    g_free(a->dirty_rate);
    g_free(a->downtime_limit);
    g_free(a->resend_bandwidth);
    g_free(a->output);
    g_free(a->connect);
    g_free(a->format_help);
    memset(a, 0, sizeof(*a));
}

static const DtCliCommand *
find_command(const DtCliCommand *table, guint n, const char *name)
{
    for (guint i = 0; i < n; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

gboolean
dt_cli_use_color(const DtCliArgs *a)
{
    if (a->no_color)
        return FALSE;
    if (a->color)
        return TRUE;
    return isatty(STDOUT_FILENO) && !g_getenv("NO_COLOR");
}

/* ---- option sets ------------------------------------------------------------ */

/* A version the evaluation would refuse later is the option's fault, not
 * the domain file's: say so while the options are parsed. */
static gboolean
check_version(const char *option, const char *value, GError **error)
{
    DtVersion v;

    if (!value || !*value || dt_version_parse(value, &v))
        return TRUE;
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                _("invalid value '%s' for %s (a version such as 9.1.0)"), value, option);
    return FALSE;
}

static gboolean
eval_post_parse(GOptionContext *ctx, GOptionGroup *group, gpointer data, GError **error)
{
    const DtCliArgs *a = data;

    (void)ctx;
    (void)group;
    if (a->help)
        return TRUE;
    return check_version("--qemu-version", a->qemu_version, error) &&
           check_version("--libvirt-version", a->libvirt_version, error) &&
           (a->qemu_version || check_version("$DIRTYTRACK_QEMU_VERSION",
                                             g_getenv("DIRTYTRACK_QEMU_VERSION"), error)) &&
           (a->libvirt_version || check_version("$DIRTYTRACK_LIBVIRT_VERSION",
                                                g_getenv("DIRTYTRACK_LIBVIRT_VERSION"), error));
}

/* The options of every command that evaluates a domain or this host's
 * devices: one group, declared and checked here only. */
static GOptionGroup *
eval_group(DtCliArgs *a)
{
    GOptionEntry entries[] = {
        { "qemu-version", 0, 0, G_OPTION_ARG_STRING, &a->qemu_version,
          N_("Evaluate for this QEMU version instead of probing the binary"), N_("VERSION") },
        { "libvirt-version", 0, 0, G_OPTION_ARG_STRING, &a->libvirt_version,
          N_("Evaluate for this libvirt version"), N_("VERSION") },
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &a->config,
          N_("Configuration file (default: /etc/dirtytrack/dirtytrack.conf)"), N_("FILE") },
        { NULL }
    };
    /* GLib prints a group's headings as given: translated here */
    GOptionGroup *g = g_option_group_new("evaluation", _("Evaluation Options:"),
                                         _("Show the evaluation options"), a, NULL);

    g_option_group_set_translation_domain(g, GETTEXT_PACKAGE);
    g_option_group_add_entries(g, entries);
    g_option_group_set_parse_hooks(g, NULL, eval_post_parse);
    return g;
}

static gboolean
format_known(const char *formats, const char *f)
{
    g_auto(GStrv) v = g_strsplit(formats, " ", -1);

    return g_strv_contains((const char *const *)v, f);
}

static char *
format_list(const char *formats)
{
    g_auto(GStrv) v = g_strsplit(formats, " ", -1);

    return g_strjoinv(", ", v);
}

/* After the options: the command's format and argument count. */
static gboolean
main_post_parse(GOptionContext *ctx, GOptionGroup *group, gpointer data, GError **error)
{
    DtCliArgs *a = data;
    const DtCliCommand *cmd = a->cmd;

    (void)ctx;
    (void)group;
    if (a->help)
        return TRUE;
    a->n_args = a->args ? g_strv_length(a->args) : 0;
    if (cmd->formats) {
        g_autofree char *list = format_list(cmd->formats);

        if (!a->format && cmd->format_required) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        _("--format is required (%s)"), list);
            return FALSE;
        }
        if (!a->format)
            a->format = g_strndup(cmd->formats, strcspn(cmd->formats, " "));
        if (!format_known(cmd->formats, a->format)) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        _("unknown format '%s' (use %s)"), a->format, list);
            return FALSE;
        }
    }
    if (a->n_args > cmd->max_args) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                    _("unexpected argument '%s'"), a->args[cmd->max_args]);
        return FALSE;
    }
    if (a->n_args < cmd->min_args) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, _("missing argument %s"),
                    cmd->params ? _(cmd->params) : "");
        return FALSE;
    }
    return TRUE;
}

/* The parser of one command: its own options first, then the sets its row
 * names; --help is an ordinary option so the help shows every group. */
static GOptionContext *
command_context(const DtCliCommand *cmd, DtCliArgs *a)
{
    GOptionEntry sysroot[] = {
        { "sysroot", 0, 0, G_OPTION_ARG_FILENAME, &a->sysroot,
          N_("Read /sys, /dev, /proc and /lib/modules under DIR (default: $DIRTYTRACK_SYSROOT or /)"),
          N_("DIR") },
        { NULL }
    };
    GOptionEntry format[] = {
        { "format", 0, 0, G_OPTION_ARG_STRING, &a->format, NULL, N_("FORMAT") },
        { NULL }
    };
    GOptionEntry color[] = {
        { "color", 0, 0, G_OPTION_ARG_NONE, &a->color, N_("Always colour the text report"), NULL },
        { "no-color", 0, 0, G_OPTION_ARG_NONE, &a->no_color, N_("Never colour the text report"), NULL },
        { NULL }
    };
    GOptionEntry quiet[] = {
        { "quiet", 'q', 0, G_OPTION_ARG_NONE, &a->quiet,
          N_("Print nothing on standard output: the exit status is the answer (errors still go to standard error)"),
          NULL },
        { NULL }
    };
    GOptionEntry help[] = {
        { "help", 'h', 0, G_OPTION_ARG_NONE, &a->help, N_("Show the options of this command"), NULL },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &a->args, NULL, NULL },
        { NULL }
    };
    GOptionContext *ctx = g_option_context_new(cmd->params);
    GOptionGroup *main_group = g_option_group_new(NULL, NULL, NULL, a, NULL);

    a->cmd = cmd;
    g_option_context_set_translation_domain(ctx, GETTEXT_PACKAGE);
    g_option_context_set_help_enabled(ctx, FALSE);
    g_option_context_set_summary(ctx, cmd->description ? cmd->description : cmd->summary);
    g_option_group_set_translation_domain(main_group, GETTEXT_PACKAGE);
    g_option_group_set_parse_hooks(main_group, NULL, main_post_parse);
    if (cmd->options)
        cmd->options(main_group, a);
    if (cmd->option_sets & DT_CLI_OPT_SYSROOT)
        g_option_group_add_entries(main_group, sysroot);
    if (cmd->formats) {
        g_autofree char *list = format_list(cmd->formats);
        g_autofree char *dflt = g_strndup(cmd->formats, strcspn(cmd->formats, " "));

        /* only the formats this command writes */
        a->format_help = cmd->format_required
                             ? g_strdup_printf(_("Output format: %s (required)"), list)
                             : g_strdup_printf(_("Output format: %s (default: %s)"), list, dflt);
        format[0].description = a->format_help;
        g_option_group_add_entries(main_group, format);
    }
    if (cmd->option_sets & DT_CLI_OPT_COLOR)
        g_option_group_add_entries(main_group, color);
    if (cmd->option_sets & DT_CLI_OPT_QUIET)
        g_option_group_add_entries(main_group, quiet);
    g_option_group_add_entries(main_group, help);
    g_option_context_set_main_group(ctx, main_group);
    if (cmd->option_sets & DT_CLI_OPT_EVAL)
        g_option_context_add_group(ctx, eval_group(a));
    return ctx;
}

static int
print_command_help(GOptionContext *ctx, const DtCliCommand *cmd)
{
    g_autofree char *prg = g_strdup_printf("dirtytrack %s", cmd->name);
    g_autofree char *text = NULL;

    /* GLib's usage line is "PRGNAME [OPTION…] PARAMS" */
    g_set_prgname(prg);
    text = g_option_context_get_help(ctx, FALSE, NULL);
    g_set_prgname("dirtytrack");
    return dt_cli_write_output(NULL, text);
}

static void
usage(FILE *to, const DtCliCommand *table, guint n)
{
    fprintf(to, "%s\n", _("Usage: dirtytrack COMMAND [OPTIONS]"));
    fprintf(to, "\n%s\n", _("Commands:"));
    for (guint i = 0; i < n; i++)
        fprintf(to, "  %-10s %s\n", table[i].name, _(table[i].summary));
    fprintf(to, "\n%s\n", _("Run 'dirtytrack COMMAND --help' for the options of a command."));
    fprintf(to, "%s\n", _("Exit status of check: 0 allow, 1 allow with warnings, 2 deny, 3 error."));
}

int
dt_cli_help(const DtCliArgs *a)
{
    const DtCliCommand *cmd;
    DtCliArgs other = { 0 };
    g_autoptr(GOptionContext) ctx = NULL;
    int rc;

    if (a->n_args == 0) {
        usage(stdout, a->table, a->n_commands);
        return 0;
    }
    cmd = find_command(a->table, a->n_commands, a->args[0]);
    if (!cmd)
        return dt_cli_fail(_("unknown command '%s' (see 'dirtytrack --help')"), a->args[0]);
    ctx = command_context(cmd, &other);
    rc = print_command_help(ctx, cmd);
    args_clear(&other);
    return rc;
}

static int
run_command(const DtCliCommand *table, guint n, const DtCliCommand *cmd, int argc, char **argv)
{
    DtCliArgs a = { 0 };
    g_autoptr(GOptionContext) ctx = NULL;
    g_autoptr(GError) error = NULL;
    int rc;

    a.table = table;
    a.n_commands = n;
    ctx = command_context(cmd, &a);
    if (!g_option_context_parse(ctx, &argc, &argv, &error))
        rc = dt_cli_fail(_("%s: %s (see 'dirtytrack help %s')"), cmd->name, error->message,
                         cmd->name);
    else if (a.help)
        rc = print_command_help(ctx, cmd);
    else
        rc = cmd->run(&a);
    g_clear_pointer(&ctx, g_option_context_free);
    args_clear(&a);
    return rc;
}

int
dt_cli_main(const DtCliCommand *table, guint n, int argc, char **argv)
{
    const DtCliCommand *cmd;

    g_set_prgname("dirtytrack");
    if (argc < 2) {
        usage(stderr, table, n);
        return DT_CLI_EXIT_ERROR;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout, table, n);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("dirtytrack %s\n", PACKAGE_VERSION);
        return 0;
    }
    cmd = find_command(table, n, argv[1]);
    if (!cmd)
        return dt_cli_fail(_("unknown command '%s' (see 'dirtytrack --help')"), argv[1]);
    return run_command(table, n, cmd, argc - 1, argv + 1);
}

int
dt_cli_read_inputs(const DtCliArgs *a, DtConfig **cfg, char **xml, gsize *len)
{
    g_autoptr(GError) error = NULL;

    *cfg = dt_config_load(a->config, &error);
    if (!*cfg)
        return dt_cli_fail("%s", error->message);
    *xml = dt_domain_read_file(a->args[0], len, &error);
    if (!*xml) {
        g_clear_pointer(cfg, dt_config_free);
        return dt_cli_fail("%s", error->message);
    }
    return 0;
}

const char *
dt_cli_input_name(const DtCliArgs *a)
{
    return strcmp(a->args[0], "-") == 0 ? _("standard input") : a->args[0];
}

int
dt_cli_write_output(const char *path, const char *text)
{
    g_autoptr(GError) error = NULL;
    size_t n = strlen(text);

    if (!path || strcmp(path, "-") == 0) {
        if (fwrite(text, 1, n, stdout) != n || fflush(stdout) != 0)
            return dt_cli_fail(_("cannot write to standard output"));
        return 0;
    }
    if (!dt_file_replace(path, text, n, &error))
        return dt_cli_fail("%s", error->message);
    return 0;
}

void
dt_cli_note_evaluation(const DtEvaluation *ev)
{
    if (ev && ev->qemu_untrusted)
        g_printerr("dirtytrack: %s\n", ev->qemu_untrusted);
}
