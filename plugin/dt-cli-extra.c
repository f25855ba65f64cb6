/* dt-cli-extra.c: `dirtytrack export`, `apply` and `config check` (see
 * dt-cli-extra.h).  Option parsing and output only: the work is in
 * dt-export.c and dt-apply.c so the daemon can reuse it.
 *
 *   dirtytrack export [--sysroot DIR] --format nova|nfd|prometheus
 *                     [--qemu-version V] [--libvirt-version V] [--expiry SECONDS] [-o FILE]
 *   dirtytrack apply  [--connect URI] [--dry-run] [--print-result] [--sysroot DIR]
 *                     [--qemu-version V] [--libvirt-version V] [--config FILE] DOMAIN
 *   dirtytrack config check [FILE]
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dt-cli.h"
#include "dt-apply.h"
#include "dt-cli-extra.h"
#include "dt-config.h"
#include "dt-export.h"
#include "dt-util.h"

#define EXIT_ERROR DT_CLI_EXIT_ERROR

static gboolean
parse(const char *cmd, const char *summary, const char *description, GOptionEntry *entries,
      int argc, char **argv, GError **error)
{
    g_autofree char *param = g_strdup_printf("%s %s", cmd, summary);
    g_autoptr(GOptionContext) ctx = g_option_context_new(param);

    g_option_context_set_translation_domain(ctx, GETTEXT_PACKAGE);
    g_option_context_set_summary(ctx, description);
    g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
    return g_option_context_parse(ctx, &argc, &argv, error);
}

static int
print_line(const char *line)
{
    g_autofree char *text = g_strconcat(line, "\n", NULL);
    return dt_cli_write_output(NULL, text);
}

int
dt_cli_export(int argc, char **argv)
{
    g_autofree char *sysroot = NULL, *format = NULL, *qemu_version = NULL;
    g_autofree char *libvirt_version = NULL, *output = NULL, *config = NULL;
    g_auto(GStrv) rest = NULL;
    gint64 expiry = 0;
    GOptionEntry entries[] = {
        { "sysroot", 0, 0, G_OPTION_ARG_FILENAME, &sysroot,
          N_("Read /sys, /dev, /proc and /lib/modules under DIR"), N_("DIR") },
        { "format", 0, 0, G_OPTION_ARG_STRING, &format,
          N_("Output format: nova, nfd or prometheus"), N_("FORMAT") },
        { "qemu-version", 0, 0, G_OPTION_ARG_STRING, &qemu_version,
          N_("Assess for this QEMU version instead of probing the binary"), N_("VERSION") },
        { "libvirt-version", 0, 0, G_OPTION_ARG_STRING, &libvirt_version,
          N_("Assess for this libvirt version"), N_("VERSION") },
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &config,
          N_("Configuration file (default: /etc/dirtytrack/dirtytrack.conf)"), N_("FILE") },
        { "expiry", 0, 0, G_OPTION_ARG_INT64, &expiry,
          N_("nfd: features expire SECONDS after writing (0: never)"), N_("SECONDS") },
        { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
          N_("Write to FILE atomically (a regular file; - is standard output)"), N_("FILE") },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, NULL },
        { NULL }
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(DtConfig) cfg = NULL;
    g_autoptr(DtExport) ex = NULL;
    g_autofree char *text = NULL;
    DtExportOptions eo = { 0 };
    DtExportFormat fmt;

    if (!parse("export", "", _("Write this host's VFIO migration capabilities for OpenStack Nova, "
                               "Kubernetes Node Feature Discovery or Prometheus."),
               entries, argc, argv, &error))
        return dt_cli_fail("%s", error->message);
    if (rest && rest[0])
        return dt_cli_fail(_("export: unexpected argument '%s'"), rest[0]);
    if (!format)
        return dt_cli_fail(_("export: --format is required (nova, nfd or prometheus)"));
    if (!dt_export_format_from_string(format, &fmt))
        return dt_cli_fail(_("unknown format '%s' (use nova, nfd or prometheus)"), format);
    if (expiry < 0)
        return dt_cli_fail(_("export: --expiry must not be negative"));
    cfg = dt_config_load(config, &error);
    if (!cfg)
        return dt_cli_fail("%s", error->message);

    eo.sysroot = sysroot;
    eo.config = cfg;
    eo.qemu_version = qemu_version;
    eo.libvirt_version = libvirt_version;
    eo.expiry_s = (guint64)expiry;
    ex = dt_export_gather(&eo, &error);
    if (!ex)
        return dt_cli_fail("%s", error->message);
    text = dt_export_render(ex, fmt);
    return dt_cli_write_output(output, text);
}

int
dt_cli_apply(int argc, char **argv)
{
    g_autofree char *uri = NULL, *sysroot = NULL, *qemu_version = NULL;
    g_autofree char *libvirt_version = NULL, *config = NULL;
    g_auto(GStrv) rest = NULL;
    gboolean dry_run = FALSE, print_result = FALSE;
    GOptionEntry entries[] = {
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &uri,
          N_("libvirt connection URI (default: libvirt's default)"), N_("URI") },
        { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run,
          N_("Show the change as a unified diff and change nothing"), NULL },
        { "print-result", 0, 0, G_OPTION_ARG_NONE, &print_result,
          N_("Print the definition libvirt holds afterwards"), NULL },
        { "sysroot", 0, 0, G_OPTION_ARG_FILENAME, &sysroot,
          N_("Read /sys, /dev, /proc and /lib/modules under DIR"), N_("DIR") },
        { "qemu-version", 0, 0, G_OPTION_ARG_STRING, &qemu_version,
          N_("Evaluate for this QEMU version instead of probing the binary"), N_("VERSION") },
        { "libvirt-version", 0, 0, G_OPTION_ARG_STRING, &libvirt_version,
          N_("Evaluate for this libvirt version (default: the connected libvirt)"), N_("VERSION") },
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &config,
          N_("Configuration file (default: /etc/dirtytrack/dirtytrack.conf)"), N_("FILE") },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &rest, NULL, NULL },
        { NULL }
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(DtApplyResult) r = NULL;
    DtApplyOptions ao = { 0 };

    if (!parse("apply", _("DOMAIN"),
               _("Write this host's VF policy and the dirtytrack metadata into the persistent "
                 "definition of DOMAIN (a name or UUID) through libvirt."),
               entries, argc, argv, &error))
        return dt_cli_fail("%s", error->message);
    if (!rest || !rest[0] || rest[1])
        return dt_cli_fail(_("apply: give exactly one domain name or UUID"));
    if (dry_run && print_result)
        return dt_cli_fail(_("apply: --print-result shows a defined domain; it cannot go with --dry-run"));

    ao.uri = uri;
    ao.domain = rest[0];
    ao.dry_run = dry_run;
    ao.sysroot = sysroot;
    ao.qemu_version = qemu_version;
    ao.libvirt_version = libvirt_version;
    ao.config = config;
    r = dt_apply(&ao, &error);
    if (!r)
        return dt_cli_fail("%s", error->message);

    if (dry_run) {
        if (!r->changed || !*r->diff) {
            g_autofree char *msg = g_strdup_printf(_("Domain '%s' already carries this host's policy: nothing to change."),
                                                   r->name);
            return print_line(msg);
        }
        return dt_cli_write_output(NULL, r->diff);
    }
    if (print_result)
        return dt_cli_write_output(NULL, r->defined_xml ? r->defined_xml : r->old_xml);
    {
        g_autofree char *msg = r->defined
            ? g_strdup_printf(_("Domain '%s' defined with this host's policy (verdict %s, tracking %s)."),
                              r->name, dt_verdict_to_string(r->verdict), dt_mode_to_string(r->mode))
            : g_strdup_printf(_("Domain '%s' already carries this host's policy: nothing to change."),
                              r->name);
        return print_line(msg);
    }
}

int
dt_cli_config(int argc, char **argv)
{
    g_auto(GStrv) rest = NULL;
    GOptionEntry entries[] = {
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, NULL },
        { NULL }
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(DtConfig) cfg = NULL;
    const char *file;

    if (!parse("config", _("check [FILE]"),
               _("Validate a configuration file exactly as the hook and dirtytrackd read it "
                 "(default: $DIRTYTRACK_CONFIG or /etc/dirtytrack/dirtytrack.conf). Exit "
                 "status 0 when it is valid, 1 when it is not (the hook then refuses what it "
                 "gates)."),
               entries, argc, argv, &error))
        return dt_cli_fail("%s", error->message);
    if (!rest || g_strcmp0(rest[0], "check") != 0)
        return dt_cli_fail(_("config: the only action is 'check' (dirtytrack config check [FILE])"));
    if (rest[1] && rest[2])
        return dt_cli_fail(_("config check: give at most one file"));

    /* the same loader and the same rules as the hook and the daemon: an
     * absent default file means the built-in defaults, a named one must exist */
    file = rest[1] ? rest[1] : dt_config_default_path();
    cfg = dt_config_load(rest[1], &error);
    if (!cfg) {
        g_autofree char *line = g_strdup(error->message);

        g_strdelimit(line, "\n", ' ');
        fprintf(stderr, "%s\n", line);
        return 1;
    }
    if (!cfg->path) {
        g_autofree char *msg = g_strdup_printf(_("%s: not present: the built-in defaults apply"),
                                               file);
        return print_line(msg);
    }
    {
        g_autofree char *msg = g_strdup_printf(_("%s: ok"), cfg->path);
        return print_line(msg);
    }
}
