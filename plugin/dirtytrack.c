/* dirtytrack: the command-line face of the core library, for people and
 * scripts.
 *
 *   dirtytrack host    [--sysroot DIR] [--format text|json]
 *   dirtytrack check   [options] DOMAIN.xml|-
 *   dirtytrack explain [options] DOMAIN.xml|-
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

#include "dt-cli.h"
#include "dt-cli-extra.h"
#include "dt-cli-predict.h"
#include "dt-client.h"
#include "dt-config.h"
#include "dt-eval.h"
#include "dt-host.h"
#include "dt-platform.h"
#include "dt-hostcheck.h"
#include "dt-paths.h"
#include "dt-report.h"
#include "dt-util.h"
#include "dt-vdb.h"

#define EXIT_ERROR DT_CLI_EXIT_ERROR

typedef enum {
    FORMAT_TEXT,
    FORMAT_JSON,
    FORMAT_XML,
} Format;

/* Options shared by the subcommands; filled by GOptionContext. */
typedef struct {
    char *sysroot;
    char *format;
    char *qemu_version;
    char *libvirt_version;
    char *role;
    char *config;
    gboolean probe_ioctl;
    gboolean preflight;
    char *via_daemon;
    char *daemon_timeout;
    gboolean color_always;
    gboolean color_never;
    char **args;
} Options;

static void
options_clear(Options *o)
{
    g_free(o->sysroot);
    g_free(o->format);
    g_free(o->qemu_version);
    g_free(o->libvirt_version);
    g_free(o->role);
    g_free(o->config);
    g_free(o->via_daemon);
    g_free(o->daemon_timeout);
    g_strfreev(o->args);
}

static gboolean
use_color(const Options *o)
{
    if (o->color_never)
        return FALSE;
    if (o->color_always)
        return TRUE;
    return isatty(STDOUT_FILENO) && !g_getenv("NO_COLOR");
}

static gboolean
parse_format(const char *s, gboolean allow_xml, Format *out)
{
    if (!s || strcmp(s, "text") == 0)
        *out = FORMAT_TEXT;
    else if (strcmp(s, "json") == 0)
        *out = FORMAT_JSON;
    else if (allow_xml && strcmp(s, "xml") == 0)
        *out = FORMAT_XML;
    else
        return FALSE;
    return TRUE;
}

static int
write_out(char *text)
{
    int rc = dt_cli_write_output(NULL, text);

    g_free(text);
    return rc;
}

static gboolean
parse_args(const char *cmd, const char *summary, GOptionEntry *extra, int argc, char **argv,
           Options *o, GError **error)
{
    GOptionEntry common[] = {
        { "sysroot", 0, 0, G_OPTION_ARG_FILENAME, &o->sysroot,
          N_("Read /sys, /dev, /proc and /lib/modules under DIR (default: $DIRTYTRACK_SYSROOT or /)"),
          N_("DIR") },
        { "format", 0, 0, G_OPTION_ARG_STRING, &o->format,
          N_("Output format: text, json (check, explain: also xml)"), N_("FORMAT") },
        { "color", 0, 0, G_OPTION_ARG_NONE, &o->color_always, N_("Always colour the text report"), NULL },
        { "no-color", 0, 0, G_OPTION_ARG_NONE, &o->color_never, N_("Never colour the text report"), NULL },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->args, NULL, NULL },
        { NULL }
    };
    g_autofree char *param = g_strdup_printf("%s %s", cmd, summary);
    g_autoptr(GOptionContext) ctx = g_option_context_new(param);

    g_option_context_set_translation_domain(ctx, GETTEXT_PACKAGE);
    g_option_context_add_main_entries(ctx, common, GETTEXT_PACKAGE);
    if (extra)
        g_option_context_add_main_entries(ctx, extra, GETTEXT_PACKAGE);
    return g_option_context_parse(ctx, &argc, &argv, error);
}

static int
cmd_host(int argc, char **argv)
{
    Options o = { 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(DtPaths) paths = NULL;
    g_autoptr(DtHost) host = NULL;
    g_autoptr(DtVdb) vdb = NULL;
    g_autoptr(GPtrArray) checks = NULL;
    Format fmt;
    int worst = 0;
    int rc;

    if (!parse_args("host", "", NULL, argc, argv, &o, &error)) {
        rc = dt_cli_fail("%s", error->message);
        goto out;
    }
    if (o.args && o.args[0]) {
        rc = dt_cli_fail(_("host: unexpected argument '%s'"), o.args[0]);
        goto out;
    }
    if (!parse_format(o.format, FALSE, &fmt)) {
        rc = dt_cli_fail(_("unknown format '%s' (use text or json)"), o.format);
        goto out;
    }
    paths = dt_paths_new(o.sysroot);
    host = dt_host_probe(paths, &error);
    if (!host || !dt_host_probe_all_devices(host, paths, &error)) {
        rc = dt_cli_fail(_("cannot probe the host: %s"), error ? error->message : "?");
        goto out;
    }
    dt_host_probe_platform(host, paths);
    vdb = dt_vdb_load_default(&error);
    if (!vdb) {
        rc = dt_cli_fail(_("cannot load the variant-driver database: %s"), error->message);
        goto out;
    }
    checks = dt_host_checks(host, vdb);
    for (guint i = 0; i < checks->len; i++) {
        const DtCheck *c = g_ptr_array_index(checks, i);
        if (c->status == DT_CHECK_FAIL)
            worst = 2;
        else if (c->status == DT_CHECK_WARN && worst < 1)
            worst = 1;
    }
    if (fmt == FORMAT_JSON)
        rc = write_out(dt_report_host_json(host, checks));
    else
        rc = write_out(dt_report_host_text(host, checks, use_color(&o)));
    if (rc == 0)
        rc = worst;
out:
    options_clear(&o);
    return rc;
}

static int
cmd_check(const char *cmd, gboolean explain, int argc, char **argv)
{
    Options o = { 0 };
    GOptionEntry extra[] = {
        { "qemu-version", 0, 0, G_OPTION_ARG_STRING, &o.qemu_version,
          N_("Evaluate for this QEMU version instead of probing the binary"), N_("VERSION") },
        { "libvirt-version", 0, 0, G_OPTION_ARG_STRING, &o.libvirt_version,
          N_("Evaluate for this libvirt version"), N_("VERSION") },
        { "role", 0, 0, G_OPTION_ARG_STRING, &o.role,
          N_("source (can it leave this host) or destination (can this host receive it)"), N_("ROLE") },
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &o.config,
          N_("Configuration file (default: /etc/dirtytrack/dirtytrack.conf)"), N_("FILE") },
        { "probe-ioctl", 0, 0, G_OPTION_ARG_NONE, &o.probe_ioctl,
          N_("Ask idle VFIO devices through ioctls (opening a device resets it)"), NULL },
        { "preflight", 0, 0, G_OPTION_ARG_NONE, &o.preflight,
          N_("Dry-run the chosen dirty tracking on free devices (opens and resets them)"), NULL },
        { "via-daemon", 0, 0, G_OPTION_ARG_STRING, &o.via_daemon,
          N_("Ask dirtytrackd: auto (if it runs), yes, no (default: $DIRTYTRACK_VIA_DAEMON or auto)"),
          N_("WHEN") },
        { "daemon-timeout", 0, 0, G_OPTION_ARG_STRING, &o.daemon_timeout,
          N_("Wait at most MS milliseconds for the bus and dirtytrackd (default: $DIRTYTRACK_DAEMON_TIMEOUT_MS or 1000)"),
          N_("MS") },
        { NULL }
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(DtConfig) cfg = NULL;
    g_autoptr(DtEvaluation) ev = NULL;
    g_autoptr(DtDecision) daemon_dec = NULL;
    g_autoptr(DtDomain) daemon_dom = NULL;
    g_autofree char *daemon_json = NULL;
    const DtDecision *dec = NULL;
    const DtDomain *dom = NULL;
    g_autofree char *xml = NULL;
    gsize len = 0;
    DtEvalOptions eo = { 0 };
    Format fmt;
    int rc;

    if (!parse_args(cmd, _("DOMAIN.xml|-"), extra, argc, argv, &o, &error)) {
        rc = dt_cli_fail("%s", error->message);
        goto out;
    }
    if (!o.args || !o.args[0] || o.args[1]) {
        rc = dt_cli_fail(_("%s: give exactly one domain XML file, or - for standard input"), cmd);
        goto out;
    }
    if (!parse_format(o.format, TRUE, &fmt)) {
        rc = dt_cli_fail(_("unknown format '%s' (use text, json or xml)"), o.format);
        goto out;
    }
    if (!o.role || strcmp(o.role, "source") == 0) {
        eo.role = DT_ROLE_SOURCE;
    } else if (strcmp(o.role, "destination") == 0) {
        eo.role = DT_ROLE_DESTINATION;
    } else {
        rc = dt_cli_fail(_("unknown role '%s' (use source or destination)"), o.role);
        goto out;
    }
    cfg = dt_config_load(o.config, &error);
    if (!cfg) {
        rc = dt_cli_fail("%s", error->message);
        goto out;
    }

    xml = dt_cli_read_domain(o.args[0], &len, &error);
    if (!xml) {
        rc = dt_cli_fail("%s", error->message);
        goto out;
    }

    {
        const char *via = o.via_daemon ? o.via_daemon : g_getenv("DIRTYTRACK_VIA_DAEMON");
        /* The daemon evaluates its own host with its own configuration: a
         * sysroot, a config file or an ioctl probe asked for here is local. */
        gboolean local_only = o.sysroot || (g_getenv("DIRTYTRACK_SYSROOT") &&
                                            *g_getenv("DIRTYTRACK_SYSROOT")) ||
                              o.config || o.probe_ioctl || o.preflight;

        if (!via || !*via)
            via = "auto";
        if (strcmp(via, "yes") != 0 && strcmp(via, "no") != 0 && strcmp(via, "auto") != 0) {
            rc = dt_cli_fail(_("unknown --via-daemon value '%s' (use auto, yes or no)"), via);
            goto out;
        }
        if (strcmp(via, "yes") == 0 && local_only) {
            rc = dt_cli_fail(_("--via-daemon=yes cannot be combined with --sysroot, --config or "
                        "--probe-ioctl: the daemon evaluates its own host"));
            goto out;
        }
        if (strcmp(via, "yes") == 0 || (strcmp(via, "auto") == 0 && !local_only)) {
            const char *t = o.daemon_timeout ? o.daemon_timeout
                                             : g_getenv("DIRTYTRACK_DAEMON_TIMEOUT_MS");
            DtClientOptions co = { eo.role, o.qemu_version, o.libvirt_version,
                                   DT_CLIENT_DEFAULT_TIMEOUT_MS };
            g_autoptr(GError) derr = NULL;
            guint64 ms;

            if (t && *t) {
                if (!dt_parse_u64(t, 10, &ms) || ms < 1 || ms > 600000) {
                    rc = dt_cli_fail(_("invalid daemon timeout '%s' (milliseconds, 1 to 600000)"),
                                     t);
                    goto out;
                }
                co.timeout_ms = (guint)ms;
            }
            daemon_json = dt_client_evaluate(xml, len, &co, &derr);
            if (daemon_json) {
                dec = daemon_dec = dt_report_decision_from_json(daemon_json, &daemon_dom, &derr);
                dom = daemon_dom;
            }
            if (!dec && (strcmp(via, "yes") == 0 ||
                         g_error_matches(derr, DT_ERROR, DT_ERROR_INVALID_INPUT))) {
                rc = dt_cli_fail("%s", derr->message);
                goto out;
            }
            /* auto: a daemon that fails is no reason not to answer, but
             * the answer is then this process's, and the user is told;
             * no bus or no daemon at all is the ordinary host without the
             * service, and says nothing */
            if (!dec && !g_error_matches(derr, DT_ERROR, DT_ERROR_NOT_FOUND))
                fprintf(stderr, _("dirtytrack: %s; evaluating in-process\n"), derr->message);
        }
    }

    if (!dec) {
        eo.sysroot = o.sysroot;
        eo.qemu_version = o.qemu_version;
        eo.libvirt_version = o.libvirt_version;
        eo.config = cfg;
        eo.probe_ioctl = o.probe_ioctl;
        eo.preflight = o.preflight;
        ev = dt_evaluate(xml, len, &eo, &error);
        if (!ev) {
            rc = dt_cli_fail("%s: %s", strcmp(o.args[0], "-") == 0 ? _("standard input") : o.args[0],
                      error->message);
            goto out;
        }
        dt_cli_note_evaluation(ev);
        dec = ev->decision;
        dom = ev->domain;
    }

    if (fmt == FORMAT_JSON)
        rc = write_out(daemon_json ? g_strdup(daemon_json) : dt_report_decision_json(dec, dom));
    else if (fmt == FORMAT_XML)
        rc = write_out(dt_report_decision_xml(dec, dom));
    else if (explain)
        rc = write_out(dt_report_explain_text(dec, dom, use_color(&o)));
    else
        rc = write_out(dt_report_decision_text(dec, dom, use_color(&o)));
    if (rc == 0) {
        switch (dec->verdict) {
        case DT_VERDICT_ALLOW: rc = 0; break;
        case DT_VERDICT_WARN: rc = 1; break;
        case DT_VERDICT_DENY: rc = 2; break;
        }
    }
out:
    options_clear(&o);
    return rc;
}

static void
usage(FILE *to)
{
    fprintf(to, "%s\n", _("Usage: dirtytrack COMMAND [OPTIONS]"));
    fprintf(to, "\n%s\n", _("Commands:"));
    fprintf(to, "  host       %s\n", _("report this host's readiness for VFIO live migration"));
    fprintf(to, "  check      %s\n", _("evaluate one domain: verdict, tracking mode, VF policy"));
    fprintf(to, "  explain    %s\n", _("the same evaluation as a chain of facts, rules and consequences"));
    fprintf(to, "  predict    %s\n", _("predict pre-copy time and downtime, with the assumptions behind them"));
    fprintf(to, "  export     %s\n", _("write this host's capabilities for Nova, NFD or Prometheus"));
    fprintf(to, "  apply      %s\n", _("write this host's VF policy into a domain's definition (libvirt)"));
    fprintf(to, "  config     %s\n", _("config check [FILE]: validate the configuration as the hook reads it"));
    fprintf(to, "\n%s\n", _("Run 'dirtytrack COMMAND --help' for the options of a command."));
    fprintf(to, "%s\n", _("Exit status of check: 0 allow, 1 allow with warnings, 2 deny, 3 error."));
}

int
main(int argc, char **argv)
{
    dt_i18n_init();

    if (argc < 2) {
        usage(stderr);
        return EXIT_ERROR;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("dirtytrack %s\n", PACKAGE_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "host") == 0)
        return cmd_host(argc - 1, argv + 1);
    if (strcmp(argv[1], "check") == 0)
        return cmd_check("check", FALSE, argc - 1, argv + 1);
    if (strcmp(argv[1], "explain") == 0)
        return cmd_check("explain", TRUE, argc - 1, argv + 1);
    if (strcmp(argv[1], "predict") == 0)
        return dt_cli_predict(argc - 1, argv + 1);
    if (strcmp(argv[1], "export") == 0)
        return dt_cli_export(argc - 1, argv + 1);
    if (strcmp(argv[1], "apply") == 0)
        return dt_cli_apply(argc - 1, argv + 1);
    if (strcmp(argv[1], "config") == 0)
        return dt_cli_config(argc - 1, argv + 1);
    return dt_cli_fail(_("unknown command '%s' (see 'dirtytrack --help')"), argv[1]);
}
