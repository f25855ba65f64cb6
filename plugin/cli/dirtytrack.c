/* dirtytrack: the command-line face of the core library, for people and
 * scripts.  The table at the end is the whole command line: each row names
 * a command, its arguments, its one-line summary, the option sets it takes
 * and its handler; dt-cli.c parses, checks and prints help from it.
 *
 *   dirtytrack host    [--sysroot DIR] [--format text|json]
 *   dirtytrack check   [OPTION…] DOMAIN.xml|-
 *   dirtytrack explain [OPTION…] DOMAIN.xml|-
 *
 * Exit status of check/explain is the verdict (0 allow, 1 allow with
 * warnings, 2 deny) or 3 for an error, so a script can gate on it.  `host`
 * exits 0 when every check passes, 1 with warnings, 2 with failures, 3 on
 * error.  Errors are one line on stderr; reports go to stdout.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "cli/dt-cli.h"
#include "cli/dt-cli-extra.h"
#include "cli/dt-cli-predict.h"
#include "dbus/dt-client.h"
#include "model/dt-config.h"
#include "eval/dt-eval.h"
#include "probe/dt-host.h"
#include "probe/dt-platform.h"
#include "decide/dt-hostcheck.h"
#include "probe/dt-paths.h"
#include "render/dt-report.h"
#include "model/dt-util.h"
#include "model/dt-vdb.h"

static int
write_out(const DtCliArgs *a, char *text)
{
    int rc = a->quiet ? 0 : dt_cli_write_output(NULL, text);

    g_free(text);
    return rc;
}

static int
cmd_host(const DtCliArgs *a)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DtPaths) paths = NULL;
    g_autoptr(DtHost) host = NULL;
    g_autoptr(DtVdb) vdb = NULL;
    g_autoptr(GPtrArray) checks = NULL;
    int worst = 0;
    int rc;

    paths = dt_paths_new(a->sysroot);
    host = dt_host_probe(paths, &error);
    if (!host || !dt_host_probe_all_devices(host, paths, &error))
        return dt_cli_fail(_("cannot probe the host: %s"), error ? error->message : "?");
    dt_platform_probe(host, paths);
    vdb = dt_vdb_load_default(&error);
    if (!vdb)
        return dt_cli_fail(_("cannot load the variant-driver database: %s"), error->message);
    checks = dt_hostcheck_run(host, vdb);
    for (guint i = 0; i < checks->len; i++) {
        const DtCheck *c = g_ptr_array_index(checks, i);
        if (c->status == DT_CHECK_FAIL)
            worst = 2;
        else if (c->status == DT_CHECK_WARN && worst < 1)
            worst = 1;
    }
    if (strcmp(a->format, "json") == 0)
        rc = write_out(a, dt_report_host_json(host, checks));
    else
        rc = write_out(a, dt_report_host_text(host, checks, dt_cli_use_color(a)));
    return rc == 0 ? worst : rc;
}

/* The options only check and explain take (they share the handler). */
static void
check_options(GOptionGroup *g, DtCliArgs *a)
{
    GOptionEntry entries[] = {
        { "role", 0, 0, G_OPTION_ARG_STRING, &a->role,
          N_("source (can it leave this host) or destination (can this host receive it)"), N_("ROLE") },
        { "probe-ioctl", 0, 0, G_OPTION_ARG_NONE, &a->probe_ioctl,
          N_("Ask idle VFIO devices through ioctls (opening a device resets it)"), NULL },
        { "preflight", 0, 0, G_OPTION_ARG_NONE, &a->preflight,
          N_("Dry-run the chosen dirty tracking on free devices (opens and resets them)"), NULL },
        { "via-daemon", 0, 0, G_OPTION_ARG_STRING, &a->via_daemon,
          N_("Ask dirtytrackd: auto (if it runs), yes, no (default: $DIRTYTRACK_VIA_DAEMON or auto)"),
          N_("WHEN") },
        { "daemon-timeout", 0, 0, G_OPTION_ARG_STRING, &a->daemon_timeout,
          N_("Wait at most MS milliseconds for the bus and dirtytrackd (default: $DIRTYTRACK_DAEMON_TIMEOUT_MS or 1000)"),
          N_("MS") },
        { NULL }
    };

    g_option_group_add_entries(g, entries);
}

static int
cmd_check(const DtCliArgs *a)
{
    const gboolean explain = strcmp(a->cmd->name, "explain") == 0;
    g_autoptr(GError) error = NULL;
    g_autoptr(DtConfig) cfg = NULL;
    g_autoptr(DtEvaluation) ev = NULL;
    g_autoptr(DtDecision) daemon_dec = NULL;
    g_autoptr(DtDomain) daemon_dom = NULL;
    g_autoptr(DtClientAnswer) answer = NULL;
    const char *daemon_json = NULL;
    const DtDecision *dec = NULL;
    const DtDomain *dom = NULL;
    g_autofree char *xml = NULL;
    gsize len = 0;
    DtEvalOptions eo = { 0 };
    const char *via = a->via_daemon ? a->via_daemon : g_getenv("DIRTYTRACK_VIA_DAEMON");
    const char *timeout = a->daemon_timeout ? a->daemon_timeout
                                            : g_getenv("DIRTYTRACK_DAEMON_TIMEOUT_MS");
    guint timeout_ms = DT_CLIENT_DEFAULT_TIMEOUT_MS;
    /* The daemon evaluates its own host with its own configuration: a
     * sysroot, a config file or an ioctl probe asked for here is local. */
    const gboolean local_only = a->sysroot || (g_getenv("DIRTYTRACK_SYSROOT") &&
                                               *g_getenv("DIRTYTRACK_SYSROOT")) ||
                                a->config || a->probe_ioctl || a->preflight;
    int rc;

    if (!a->role)
        eo.role = DT_ROLE_SOURCE;
    else if (!dt_role_from_string(a->role, &eo.role))
        return dt_cli_fail(_("unknown role '%s' (use source or destination)"), a->role);
    if (!via || !*via)
        via = "auto";
    if (strcmp(via, "yes") != 0 && strcmp(via, "no") != 0 && strcmp(via, "auto") != 0)
        return dt_cli_fail(_("unknown --via-daemon value '%s' (use auto, yes or no)"), via);
    /* checked whether or not the daemon is asked: a typo is never silent */
    if (timeout && *timeout) {
        guint64 ms;

        if (!dt_parse_u64(timeout, 10, &ms) || ms < 1 || ms > 600000)
            return dt_cli_fail(_("invalid daemon timeout '%s' (milliseconds, 1 to 600000)"),
                               timeout);
        timeout_ms = (guint)ms;
    }
    if (strcmp(via, "yes") == 0 && local_only)
        return dt_cli_fail(_("--via-daemon=yes cannot be combined with --sysroot, --config, "
                             "--probe-ioctl or --preflight: the daemon evaluates its own host"));
    rc = dt_cli_read_inputs(a, &cfg, &xml, &len);
    if (rc != 0)
        return rc;

    if (strcmp(via, "yes") == 0 || (strcmp(via, "auto") == 0 && !local_only)) {
        DtClientOptions co = { .role = eo.role, .qemu_version = a->qemu_version,
                               .libvirt_version = a->libvirt_version, .timeout_ms = timeout_ms };
        g_autoptr(GError) derr = NULL;

        answer = dt_client_ask(xml, len, &co, &derr);
        if (answer) {
            /* the report carries what the text and XML forms show beyond
             * the typed verdict, mode and reasons */
            daemon_json = answer->report_json;
            dec = daemon_dec = dt_report_decision_from_json(daemon_json, &daemon_dom, &derr);
            dom = daemon_dom;
        }
        if (!dec && (strcmp(via, "yes") == 0 ||
                     g_error_matches(derr, DT_ERROR, DT_ERROR_INVALID_INPUT)))
            return dt_cli_fail("%s", derr->message);
        /* auto: a daemon that fails is no reason not to answer, but
         * the answer is then this process's, and the user is told;
         * no bus or no daemon at all is the ordinary host without the
         * service, and says nothing */
        if (!dec && !g_error_matches(derr, DT_ERROR, DT_ERROR_NOT_FOUND))
            fprintf(stderr, _("dirtytrack: %s; evaluating in-process\n"), derr->message);
    }

    if (!dec) {
        eo.sysroot = a->sysroot;
        eo.qemu_version = a->qemu_version;
        eo.libvirt_version = a->libvirt_version;
        eo.config = cfg;
        eo.probe_ioctl = a->probe_ioctl;
        eo.preflight = a->preflight;
        ev = dt_evaluate(xml, len, &eo, &error);
        if (!ev)
            return dt_cli_fail("%s: %s", dt_cli_input_name(a), error->message);
        dt_cli_note_evaluation(ev);
        dec = ev->decision;
        dom = ev->domain;
    }

    if (strcmp(a->format, "json") == 0)
        rc = write_out(a, daemon_json ? g_strdup(daemon_json) : dt_report_decision_json(dec, dom));
    else if (strcmp(a->format, "xml") == 0)
        rc = write_out(a, dt_report_decision_xml(dec, dom));
    else if (explain)
        rc = write_out(a, dt_report_explain_text(dec, dom, dt_cli_use_color(a)));
    else
        rc = write_out(a, dt_report_decision_text(dec, dom, dt_cli_use_color(a)));
    if (rc != 0)
        return rc;
    switch (dec->verdict) {
    case DT_VERDICT_ALLOW: return 0;
    case DT_VERDICT_WARN: return 1;
    case DT_VERDICT_DENY: return 2;
    }
    return DT_CLI_EXIT_ERROR;
}

/* The command line: dt-cli.c builds each command's parser, help and usage
 * line from its row.  Summaries are the lines of `dirtytrack --help`. */
static const DtCliCommand commands[] = {
    { "host", NULL, N_("report this host's readiness for VFIO live migration"), NULL,
      0, 0, DT_CLI_OPT_SYSROOT | DT_CLI_OPT_COLOR, "text json", FALSE, NULL, cmd_host },
    { "check", N_("DOMAIN.xml|-"),
      N_("evaluate one domain: verdict, tracking mode, VF policy"),
      N_("Evaluate one domain (a file, or - for standard input) for migration from this host, "
         "or to it with --role destination: verdict, tracking mode, per-device findings and the "
         "VF policy. Exit status 0 allow, 1 allow with warnings, 2 deny, 3 error."),
      1, 1, DT_CLI_OPT_SYSROOT | DT_CLI_OPT_EVAL | DT_CLI_OPT_COLOR | DT_CLI_OPT_QUIET,
      "text json xml", FALSE, check_options, cmd_check },
    { "explain", N_("DOMAIN.xml|-"),
      N_("the same evaluation as a chain of facts, rules and consequences"), NULL,
      1, 1, DT_CLI_OPT_SYSROOT | DT_CLI_OPT_EVAL | DT_CLI_OPT_COLOR, "text json xml", FALSE,
      check_options, cmd_check },
    { "predict", N_("DOMAIN.xml|-"),
      N_("predict pre-copy time and downtime, with the assumptions behind them"),
      N_("Predict pre-copy rounds, total time and the guest's downtime for migrating this "
         "domain, with the assumptions behind the numbers."),
      1, 1, DT_CLI_OPT_SYSROOT | DT_CLI_OPT_EVAL, "text json", FALSE, dt_cli_predict_options,
      dt_cli_predict },
    { "export", NULL, N_("write this host's capabilities for Nova, NFD or Prometheus"),
      N_("Write this host's VFIO migration capabilities for OpenStack Nova, Kubernetes Node "
         "Feature Discovery or Prometheus."),
      0, 0, DT_CLI_OPT_SYSROOT | DT_CLI_OPT_EVAL, "nova nfd prometheus", TRUE,
      dt_cli_export_options, dt_cli_export },
    { "apply", N_("DOMAIN"),
      N_("write this host's VF policy into a domain's definition (libvirt)"),
      N_("Write this host's VF policy and the dirtytrack metadata into the persistent "
         "definition of DOMAIN (a name or UUID) through libvirt."),
      1, 1, DT_CLI_OPT_SYSROOT | DT_CLI_OPT_EVAL, NULL, FALSE, dt_cli_apply_options,
      dt_cli_apply },
    { "config", N_("check [FILE]"),
      N_("config check [FILE]: validate the configuration as the hook reads it"),
      N_("Validate a configuration file exactly as the hook and dirtytrackd read it "
         "(default: $DIRTYTRACK_CONFIG or /etc/dirtytrack/dirtytrack.conf). Exit "
         "status 0 when it is valid, 1 when it is not (the hook then refuses what it "
         "gates)."),
      1, 2, 0, NULL, FALSE, NULL, dt_cli_config },
    { "help", N_("[COMMAND]"), N_("list the commands, or show the options of COMMAND"), NULL,
      0, 1, 0, NULL, FALSE, NULL, dt_cli_help },
};

int
main(int argc, char **argv)
{
    dt_i18n_init();
    return dt_cli_main(commands, G_N_ELEMENTS(commands), argc, argv);
}
