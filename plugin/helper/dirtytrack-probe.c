/* dirtytrack-probe: the privileged helper that asks the kernel.
 *
 * It prints what this host's IOMMUs and VFIO devices can do for dirty
 * tracking, with the source of every fact, and optionally runs the
 * pre-flight dry run of the tracking QEMU would start for a domain.  It
 * is separate from the CLI because it needs root and, with --ioctl, it
 * opens (and so resets) idle devices: that must be an explicit choice.
 *
 * Exit status: 0 report printed (and a dry run passed), 2 a dry run failed
 * (the migration would be refused), 3 an error (bad option, unreadable
 * host, vanished device), 4 a dry run tested nothing (no tracking to
 * start, or no device free): never reported as passed.
 */
#include "config.h"

#include <inttypes.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "render/dt-report.h"
#include "model/dt-domain.h"
#include "eval/dt-eval.h"
#include "probe/dt-host.h"
#include "probe/dt-paths.h"
#include "probe/dt-uapi.h"
#include "model/dt-util.h"
#include "decide/dt-decide.h"
#include "probe/dt-vfio.h"

#define EXIT_DRY_RUN_FAILED 2
#define EXIT_ERROR 3
#define EXIT_DRY_RUN_NOT_TESTED 4

typedef struct {
    char *domain;
    DtMode mode;
    DtRange ranges[G_N_ELEMENTS(((DtDecision *)NULL)->ranges)];
    guint n_ranges;
    guint64 page_size;
    DtPreflightResult result;
    DtPreflightSkip skip;     /* why, when NOT_TESTED */
    GPtrArray *failures;      /* DtReason* (borrowed from the decision) */
    DtDecision *decision;     /* owner of failures */
} DryRun;

static void
add_hex(JsonBuilder *b, const char *key, guint64 v)
{
    g_autofree char *s = g_strdup_printf("0x%" PRIx64, v);

    json_builder_set_member_name(b, key);
    json_builder_add_string_value(b, s);
}

static const char *
hw_info_type_name(guint32 t)
{
    switch (t) {
    case DT_IOMMU_HW_INFO_TYPE_INTEL_VTD:
        return "intel-vtd";
    case DT_IOMMU_HW_INFO_TYPE_ARM_SMMUV3:
        return "arm-smmuv3";
    case DT_IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV:
        return "tegra241-cmdqv";
    case DT_IOMMU_HW_INFO_TYPE_AMD:
        return "amd";
    default:
        return "none";
    }
}

static char *
render_json(const DtHost *host, GPtrArray *devs, GPtrArray *reports, const DryRun *dry)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = NULL;

    json_builder_begin_object(b);

    dt_json_add_host(b, host);

    json_builder_set_member_name(b, "devices");
    json_builder_begin_array(b);
    for (guint i = 0; i < devs->len; i++) {
        const DtPciDev *d = g_ptr_array_index(devs, i);
        const DtVfioReport *r = g_ptr_array_index(reports, i);

        json_builder_begin_object(b);
        /* the device's facts in the host report's shape; then what this
         * probe adds: who holds it, how it was opened, what answered */
        dt_json_add_pcidev(b, d);
        if (!r) {
            dt_json_add_string(b, "error", "vanished");
            json_builder_end_object(b);
            continue;
        }
        dt_json_add_string(b, "in_use_by", r->in_use_by);
        dt_json_add_string(b, "access", dt_vfio_access_to_string(r->access));
        dt_json_add_string(b, "source", dt_source_to_string(r->source));

        if (r->hw_info_known) {
            json_builder_set_member_name(b, "iommu_hw_info");
            json_builder_begin_object(b);
            dt_json_add_string(b, "type", hw_info_type_name(r->hw_info_type));
            add_hex(b, "capabilities", r->hw_capabilities);
            if (r->hw_info_type == DT_IOMMU_HW_INFO_TYPE_INTEL_VTD) {
                add_hex(b, "cap", r->vtd_cap);
                add_hex(b, "ecap", r->vtd_ecap);
            } else if (r->hw_info_type == DT_IOMMU_HW_INFO_TYPE_AMD) {
                add_hex(b, "efr", r->amd_efr);
                add_hex(b, "efr2", r->amd_efr2);
            } else if (r->hw_info_type == DT_IOMMU_HW_INFO_TYPE_ARM_SMMUV3) {
                json_builder_set_member_name(b, "idr");
                json_builder_begin_array(b);
                for (guint k = 0; k < G_N_ELEMENTS(r->smmu_idr); k++) {
                    g_autofree char *s = g_strdup_printf("0x%08x", r->smmu_idr[k]);

                    json_builder_add_string_value(b, s);
                }
                json_builder_end_array(b);
            }
            json_builder_end_object(b);
        }
        if (r->type1_known) {
            json_builder_set_member_name(b, "type1");
            json_builder_begin_object(b);
            add_hex(b, "iova_pgsizes", r->type1_iova_pgsizes);
            dt_json_add_bool(b, "cap_migration", r->type1_cap_migration);
            if (r->type1_cap_migration) {
                dt_json_add_int(b, "flags", r->type1_mig_flags);
                dt_json_add_int(b, "pgsize_bitmap", (gint64)r->type1_pgsize_bitmap);
                dt_json_add_int(b, "max_dirty_bitmap_size", (gint64)r->type1_max_dirty_bitmap_size);
            }
            json_builder_end_object(b);
        }
        dt_json_add_string(b, "note", r->note);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);

    if (dry) {
        json_builder_set_member_name(b, "dry_run");
        json_builder_begin_object(b);
        dt_json_add_string(b, "domain", dry->domain);
        dt_json_add_string(b, "mode", dt_mode_to_string(dry->mode));
        json_builder_set_member_name(b, "ranges");
        json_builder_begin_array(b);
        for (guint i = 0; i < dry->n_ranges; i++) {
            json_builder_begin_object(b);
            add_hex(b, "iova", dry->ranges[i].iova);
            add_hex(b, "length", dry->ranges[i].length);
            json_builder_end_object(b);
        }
        json_builder_end_array(b);
        dt_json_add_int(b, "page_size", (gint64)dry->page_size);
        /* what the dry run found, and the engine's verdict over it; a dry
         * run that tried nothing says so: "not-tested" is never "passed" */
        dt_json_add_string(b, "result", dt_vfio_preflight_result_to_string(dry->result));
        dt_json_add_string(b, "verdict", dt_verdict_to_string(dry->decision->verdict));
        if (dry->result == DT_PREFLIGHT_NOT_TESTED) {
            json_builder_set_member_name(b, "not_tested");
            json_builder_begin_object(b);
            dt_json_add_string(b, "code", dry->skip.code);
            dt_json_add_string(b, "message", dry->skip.message);
            json_builder_end_object(b);
        }
        json_builder_set_member_name(b, "reasons");
        dt_json_add_reasons(b, dry->failures);
        json_builder_end_object(b);
    }
    json_builder_end_object(b);

    root = json_builder_get_root(b);
    json_generator_set_root(gen, root);
    json_generator_set_pretty(gen, TRUE);
    return json_generator_to_data(gen, NULL);
}

static char *
render_text(const DtHost *host, GPtrArray *devs, GPtrArray *reports, const DryRun *dry)
{
    GString *s = g_string_new(NULL);

    g_string_append_printf(s, _("Kernel %s (%s); /dev/iommu: %s; /dev/vfio/vfio: %s; "
                                "VFIO cdevs: %s\n"),
                           host->kernel_release ? host->kernel_release : "?",
                           host->arch ? host->arch : "?",
                           host->dev_iommu ? _("yes") : _("no"),
                           host->dev_vfio_container ? _("yes") : _("no"),
                           host->vfio_cdev_support ? _("yes") : _("no"));
    for (guint i = 0; host->iommus && i < host->iommus->len; i++) {
        const DtIommu *u = g_ptr_array_index(host->iommus, i);

        g_string_append_printf(s, _("IOMMU %s (%s): dirty tracking %s [%s]"),
                               u->name, dt_iommu_vendor_to_string(u->vendor),
                               dt_tri_to_string(u->dirty_tracking.value),
                               dt_source_to_string(u->dirty_tracking.source));
        if (u->regs_known && u->vendor == DT_IOMMU_VENDOR_INTEL)
            g_string_append_printf(s, " cap=0x%" PRIx64 " ecap=0x%" PRIx64,
                                   u->cap, u->ecap);
        else if (u->regs_known && u->vendor == DT_IOMMU_VENDOR_AMD)
            g_string_append_printf(s, " efr=0x%" PRIx64 " efr2=0x%" PRIx64,
                                   u->efr, u->efr2);
        if (u->dirty_note)
            g_string_append_printf(s, " (%s)", u->dirty_note);
        g_string_append_c(s, '\n');
    }
    if (devs->len == 0)
        g_string_append(s, _("No VFIO devices.\n"));
    for (guint i = 0; i < devs->len; i++) {
        const DtPciDev *d = g_ptr_array_index(devs, i);
        const DtVfioReport *r = g_ptr_array_index(reports, i);
        g_autofree char *addr = dt_pci_addr_to_string(&d->addr);
        g_autofree char *flags = dt_mig_flags_to_string(d->mig_flags);

        g_string_append_printf(s, _("Device %s %04x:%04x driver %s\n"), addr, d->vendor,
                               d->device, d->driver ? d->driver : "-");
        if (!r) {
            g_string_append(s, _("  vanished while being probed\n"));
            continue;
        }
        if (r->in_use)
            g_string_append_printf(s, _("  in use: %s (not opened)\n"),
                                   r->in_use_by ? r->in_use_by : "?");
        g_string_append_printf(s, _("  opened through: %s\n"), dt_vfio_access_to_string(r->access));
        g_string_append_printf(s, _("  migration: %s %s [%s]\n"), dt_tri_to_string(d->migration.value),
                               flags, dt_source_to_string(d->migration.source));
        g_string_append_printf(s, _("  DMA logging: %s [%s]\n"), dt_tri_to_string(d->dma_logging.value),
                               dt_source_to_string(d->dma_logging.source));
        g_string_append_printf(s, _("  IOMMU dirty tracking: %s [%s]\n"),
                               dt_tri_to_string(d->iommu_dirty.value),
                               dt_source_to_string(d->iommu_dirty.source));
        if (d->stop_copy_bytes)
            g_string_append_printf(s, _("  stop-copy state: %" PRIu64 " bytes\n"),
                                   d->stop_copy_bytes);
        if (r->hw_info_known)
            g_string_append_printf(s, _("  IOMMU_GET_HW_INFO: type %s, capabilities 0x%"
                                        PRIx64 "\n"),
                                   hw_info_type_name(r->hw_info_type), r->hw_capabilities);
        if (r->type1_known && r->type1_cap_migration)
            g_string_append_printf(s, _("  type1 CAP_MIGRATION: pgsize_bitmap 0x%" PRIx64
                                        ", max_dirty_bitmap_size %" PRIu64 "\n"),
                                   r->type1_pgsize_bitmap, r->type1_max_dirty_bitmap_size);
        else if (r->type1_known)
            g_string_append(s, _("  type1: no CAP_MIGRATION\n"));
        if (r->note)
            g_string_append_printf(s, _("  note: %s\n"), r->note);
    }
    if (dry) {
        g_autofree char *outcome =
            dry->result == DT_PREFLIGHT_PASSED ? g_strdup(_("passed"))
            : dry->result == DT_PREFLIGHT_REFUSED ? g_strdup(_("REFUSED"))
            : g_strdup_printf(_("not tested (%s)"), dry->skip.message);

        g_string_append_printf(s, _("Dry run for %s: mode %s, %u ranges, page size %" PRIu64
                                    ": %s\n"),
                               dry->domain ? dry->domain : "?", dt_mode_to_string(dry->mode),
                               dry->n_ranges, dry->page_size, outcome);
        for (guint i = 0; dry->failures && i < dry->failures->len; i++) {
            const DtReason *reason = g_ptr_array_index(dry->failures, i);

            g_string_append_printf(s, "  %s: %s\n", reason->code, reason->message);
        }
    }
    return g_string_free(s, FALSE);
}

static gboolean
run_dry_run(const char *file, const char *sysroot, gboolean ioctl_ok, DryRun *dry, GError **error)
{
    g_autofree char *xml = NULL;
    gsize len = 0;
    g_autoptr(DtEvaluation) ev = NULL;
    DtEvalOptions opts = { 0 };

    if (g_str_equal(file, "-")) {
        GString *in = g_string_new(NULL);
        char buf[4096];
        size_t n;

        while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
            g_string_append_len(in, buf, n);
        len = in->len;
        xml = g_string_free(in, FALSE);
    } else if (!g_file_get_contents(file, &xml, &len, error)) {
        return FALSE;
    }

    opts.sysroot = sysroot;
    opts.role = DT_ROLE_DESTINATION;
    opts.probe_ioctl = ioctl_ok;
    /* the evaluation dry-runs the tracking it chose and decides again over
     * what the kernel said (dt-eval.c) */
    opts.preflight = TRUE;
    ev = dt_evaluate(xml, len, &opts, error);
    if (!ev)
        return FALSE;

    dry->domain = g_strdup(ev->domain && ev->domain->name ? ev->domain->name : file);
    dry->mode = ev->decision->mode;
    dry->n_ranges = MIN(ev->decision->n_ranges, G_N_ELEMENTS(dry->ranges));
    memcpy(dry->ranges, ev->decision->ranges, dry->n_ranges * sizeof(DtRange));
    dry->page_size = ev->decision->log_page_size;
    dry->decision = g_steal_pointer(&ev->decision);
    dry->failures = g_ptr_array_new();
    for (guint i = 0; i < dry->decision->reasons->len; i++) {
        DtReason *r = g_ptr_array_index(dry->decision->reasons, i);

        if (g_str_equal(r->code, DT_R_PREFLIGHT_FAILED))
            g_ptr_array_add(dry->failures, r);
    }
    /* the evaluation recorded on each device what the kernel said */
    dry->result = dt_vfio_preflight_result(dry->decision, ev->host, &dry->skip);
    return TRUE;
}

int
main(int argc, char **argv)
{
    g_autofree char *sysroot = NULL;
    g_autofree char *format = NULL;
    g_autofree char *dry_file = NULL;
    g_auto(GStrv) bdfs = NULL;
    gboolean use_ioctl = FALSE;
    GOptionEntry entries[] = {
        { "sysroot", 0, 0, G_OPTION_ARG_FILENAME, &sysroot,
          N_("Read the host from DIR instead of /"), N_("DIR") },
        { "ioctl", 0, 0, G_OPTION_ARG_NONE, &use_ioctl,
          N_("Open idle VFIO devices and ask the kernel (this resets them)"), NULL },
        { "dry-run", 0, 0, G_OPTION_ARG_FILENAME, &dry_file,
          N_("Dry-run the dirty tracking QEMU would start for this domain"), N_("DOMAIN.xml") },
        { "format", 0, 0, G_OPTION_ARG_STRING, &format, N_("Output format: text or json"),
          N_("FORMAT") },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &bdfs, NULL, N_("[BDF...]") },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(DtPaths) paths = NULL;
    g_autoptr(DtHost) host = NULL;
    g_autoptr(GPtrArray) devs = g_ptr_array_new();
    g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func((GDestroyNotify)dt_vfio_report_free);
    DryRun dry = { 0 };
    gboolean json, failed = FALSE;
    g_autofree char *out = NULL;
    int status = EXIT_SUCCESS;

    dt_i18n_init();
    ctx = g_option_context_new(NULL);
    g_option_context_set_summary(ctx, _("Report what the kernel says about this host's IOMMUs "
                                        "and VFIO devices, with the source of every fact."));
    g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
    g_option_context_set_translation_domain(ctx, GETTEXT_PACKAGE);
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        g_printerr("dirtytrack-probe: %s\n", error->message);
        return EXIT_ERROR;
    }
    if (format && !g_str_equal(format, "text") && !g_str_equal(format, "json")) {
        g_printerr(_("dirtytrack-probe: unknown format '%s' (use text or json)\n"), format);
        return EXIT_ERROR;
    }
    json = format && g_str_equal(format, "json");

    paths = dt_paths_new(sysroot);
    host = dt_host_probe(paths, &error);
    if (!host) {
        g_printerr("dirtytrack-probe: %s\n", error->message);
        return EXIT_ERROR;
    }

    if (bdfs && bdfs[0]) {
        for (guint i = 0; bdfs[i]; i++) {
            DtPciAddr a;

            if (!dt_pci_addr_parse(bdfs[i], &a)) {
                g_printerr(_("dirtytrack-probe: '%s' is not a PCI address\n"), bdfs[i]);
                return EXIT_ERROR;
            }
            if (!dt_host_probe_device(host, paths, &a, &error)) {
                g_printerr("dirtytrack-probe: %s\n", error->message);
                return EXIT_ERROR;
            }
            g_ptr_array_add(devs, (gpointer)dt_host_find_device(host, &a));
        }
    } else {
        if (!dt_host_probe_all_devices(host, paths, &error)) {
            g_printerr("dirtytrack-probe: %s\n", error->message);
            return EXIT_ERROR;
        }
        for (guint i = 0; i < host->devices->len; i++) {
            DtPciDev *d = g_ptr_array_index(host->devices, i);

            if (dt_driver_is_vfio(d->driver))
                g_ptr_array_add(devs, d);
        }
    }

    for (guint i = 0; i < devs->len; i++) {
        DtPciDev *d = g_ptr_array_index(devs, i);
        g_autoptr(GError) perr = NULL;
        DtVfioReport *r = dt_vfio_probe_device(host, paths, d,
                                               use_ioctl ? DT_VFIO_PROBE_IOCTL : 0, &perr);

        if (!r) {
            g_printerr("dirtytrack-probe: %s\n", perr->message);
            failed = TRUE;
        }
        g_ptr_array_add(reports, r);
    }

    if (dry_file) {
        g_autoptr(GError) derr = NULL;

        if (!run_dry_run(dry_file, sysroot, use_ioctl, &dry, &derr)) {
            g_printerr("dirtytrack-probe: %s\n", derr->message);
            return EXIT_ERROR;
        }
        if (dry.result == DT_PREFLIGHT_REFUSED) {
            for (guint i = 0; i < dry.failures->len; i++)
                g_printerr(_("dirtytrack-probe: dry run refused: %s\n"),
                           ((DtReason *)g_ptr_array_index(dry.failures, i))->message);
            status = EXIT_DRY_RUN_FAILED;
        } else if (dry.result == DT_PREFLIGHT_NOT_TESTED) {
            g_printerr(_("dirtytrack-probe: dry run not tested: %s\n"), dry.skip.message);
            status = EXIT_DRY_RUN_NOT_TESTED;
        }
    }

    out = json ? render_json(host, devs, reports, dry_file ? &dry : NULL)
               : render_text(host, devs, reports, dry_file ? &dry : NULL);
    fputs(out, stdout);
    if (json)
        fputc('\n', stdout);

    g_free(dry.domain);
    g_free(dry.skip.message);
    if (dry.failures)
        g_ptr_array_unref(dry.failures);
    dt_decision_free(dry.decision);
    if (failed)
        return EXIT_ERROR;
    return status;
}
