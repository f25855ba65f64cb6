/* dt-cli-extra.c: `dirtytrack export`, `apply` and `config check` (see
 * dt-cli-extra.h).  Their own options and output only: parsing, help and
 * argument counts come from the command table (dirtytrack.c, dt-cli.c); the
 * work is in dt-export.c and dt-apply.c so the daemon can reuse it.
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

#include "cli/dt-cli.h"
#include "cli/dt-apply.h"
#include "cli/dt-cli-extra.h"
#include "model/dt-config.h"
#include "render/dt-export.h"
#include "model/dt-util.h"

static int
print_line(const char *line)
{
    g_autofree char *text = g_strconcat(line, "\n", NULL);
    return dt_cli_write_output(NULL, text);
}

void
dt_cli_export_options(GOptionGroup *g, DtCliArgs *a)
{
    GOptionEntry entries[] = {
        { "expiry", 0, 0, G_OPTION_ARG_INT64, &a->expiry,
          N_("nfd: features expire SECONDS after writing (0: never)"), N_("SECONDS") },
        { "output", 'o', 0, G_OPTION_ARG_FILENAME, &a->output,
          N_("Write to FILE atomically (a regular file; - is standard output)"), N_("FILE") },
        { NULL }
    };

    g_option_group_add_entries(g, entries);
}

int
dt_cli_export(const DtCliArgs *a)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DtConfig) cfg = NULL;
    g_autoptr(DtExport) ex = NULL;
    g_autofree char *text = NULL;
    DtExportOptions eo = { 0 };
    DtExportFormat fmt;

    /* the table admits only the names this parses */
    if (!dt_export_format_from_string(a->format, &fmt))
        return dt_cli_fail(_("unknown format '%s' (use nova, nfd or prometheus)"), a->format);
    if (a->expiry < 0)
        return dt_cli_fail(_("export: --expiry must not be negative"));
    cfg = dt_config_load(a->config, &error);
    if (!cfg)
        return dt_cli_fail("%s", error->message);

    eo.sysroot = a->sysroot;
    eo.config = cfg;
    eo.qemu_version = a->qemu_version;
    eo.libvirt_version = a->libvirt_version;
    eo.expiry_s = (guint64)a->expiry;
    ex = dt_export_gather(&eo, &error);
    if (!ex)
        return dt_cli_fail("%s", error->message);
    text = dt_export_render(ex, fmt);
    return dt_cli_write_output(a->output, text);
}

void
dt_cli_apply_options(GOptionGroup *g, DtCliArgs *a)
{
    GOptionEntry entries[] = {
        { "connect", 'c', 0, G_OPTION_ARG_STRING, &a->connect,
          N_("libvirt connection URI (default: libvirt's default)"), N_("URI") },
        { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &a->dry_run,
          N_("Show the change as a unified diff and change nothing"), NULL },
        { "print-result", 0, 0, G_OPTION_ARG_NONE, &a->print_result,
          N_("Print the definition libvirt holds afterwards"), NULL },
        { NULL }
    };

    g_option_group_add_entries(g, entries);
}

int
dt_cli_apply(const DtCliArgs *a)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DtApplyResult) r = NULL;
    DtApplyOptions ao = { 0 };

    if (a->dry_run && a->print_result)
        return dt_cli_fail(_("apply: --print-result shows a defined domain; it cannot go with --dry-run"));

    ao.uri = a->connect;
    ao.domain = a->args[0];
    ao.dry_run = a->dry_run;
    ao.sysroot = a->sysroot;
    ao.qemu_version = a->qemu_version;
    ao.libvirt_version = a->libvirt_version;
    ao.config = a->config;
    r = dt_apply(&ao, &error);
    if (!r)
        return dt_cli_fail("%s", error->message);

    if (a->dry_run) {
        if (!r->changed || !*r->diff) {
            g_autofree char *msg = g_strdup_printf(_("Domain '%s' already carries this host's policy: nothing to change."),
                                                   r->name);
            return print_line(msg);
        }
        return dt_cli_write_output(NULL, r->diff);
    }
    if (a->print_result)
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
dt_cli_config(const DtCliArgs *a)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DtConfig) cfg = NULL;
    const char *given = a->n_args > 1 ? a->args[1] : NULL;
    const char *file;

    if (strcmp(a->args[0], "check") != 0)
        return dt_cli_fail(_("config: the only action is 'check' (dirtytrack config check [FILE])"));

    /* the same loader and the same rules as the hook and the daemon: an
     * absent default file means the built-in defaults, a named one must exist */
    file = given ? given : dt_config_default_path();
    cfg = dt_config_load(given, &error);
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
