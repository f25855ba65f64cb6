/* dt-hostcheck.c: the readiness checks behind `dirtytrack host`.
 *
 * virt-host-validate taught operators to read one line per check with
 * PASS/WARN/FAIL and a hint; we keep that shape and add the source of each
 * fact.  The checks are pure over DtHost and the variant-driver database so
 * that every fixture host gives the same lines in tests.  Severity follows
 * what the operator loses: FAIL when VFIO or migration cannot work at all,
 * WARN when a tracking mode or interface is missing but another may serve,
 * NOTE when only the kernel can tell (ioctl) and we can only predict.
 * Stable ids are untranslated; titles, results and hints are translated.
 */
#include "config.h"

#include <string.h>

#include "dt-host.h"
#include "dt-hostcheck.h"
#include "dt-util.h"

const char *
dt_check_status_to_string(DtCheckStatus s)
{
    switch (s) {
    case DT_CHECK_PASS: return "PASS";
    case DT_CHECK_WARN: return "WARN";
    case DT_CHECK_FAIL: return "FAIL";
    case DT_CHECK_NOTE: return "NOTE";
    }
    return "NOTE";
}

void
dt_check_free(DtCheck *c)
{
    if (!c)
        return;
    g_free(c->id);
    g_free(c->title);
    g_free(c->result);
    g_free(c->hint);
    g_free(c->device);
    g_free(c);
}

/* Takes ownership of title, result and hint. */
static DtCheck *
add_check(GPtrArray *out, const char *id, DtCheckStatus status, char *title,
          char *result, char *hint, const char *device, DtSource source)
{
    DtCheck *c = g_new0(DtCheck, 1);
    c->id = g_strdup(id);
    c->status = status;
    c->title = title;
    c->result = result;
    if (status == DT_CHECK_PASS) {
        g_free(hint);
        hint = NULL;
    }
    c->hint = hint;
    c->device = g_strdup(device);
    c->source = source;
    g_ptr_array_add(out, c);
    return c;
}

static gboolean
cmdline_has_word(const DtHost *host, const char *word)
{
    g_auto(GStrv) words = NULL;

    if (!host->cmdline)
        return FALSE;
    words = g_strsplit_set(host->cmdline, " \t\n", -1);
    for (guint i = 0; words[i]; i++)
        if (strcmp(words[i], word) == 0)
            return TRUE;
    return FALSE;
}

static char *
iommu_enable_hint(const DtHost *host)
{
    if (cmdline_has_word(host, "intel_iommu=off"))
        return g_strdup(_("remove intel_iommu=off and boot with intel_iommu=on"));
    if (cmdline_has_word(host, "amd_iommu=off"))
        return g_strdup(_("remove amd_iommu=off from the kernel command line"));
    if (g_strcmp0(host->arch, "x86_64") == 0)
        return g_strdup(_("enable VT-d (or AMD-Vi) in the firmware setup and boot with intel_iommu=on"));
    return g_strdup(_("enable the IOMMU (SMMU) in the firmware setup"));
}

static void
check_iommu(const DtHost *host, GPtrArray *out)
{
    guint n = host->iommus->len;
    gboolean disabled = cmdline_has_word(host, "intel_iommu=off") ||
                        cmdline_has_word(host, "amd_iommu=off") ||
                        cmdline_has_word(host, "iommu=off");
    guint grouped = 0;

    if (n > 0)
        add_check(out, "iommu-present", DT_CHECK_PASS, g_strdup(_("Checking for an IOMMU")),
                  g_strdup_printf(dngettext(GETTEXT_PACKAGE, "yes (%u unit)", "yes (%u units)", n), n),
                  NULL, NULL, DT_SOURCE_SYSFS);
    else
        add_check(out, "iommu-present", DT_CHECK_FAIL, g_strdup(_("Checking for an IOMMU")),
                  g_strdup(_("no")), iommu_enable_hint(host), NULL, DT_SOURCE_SYSFS);

    for (guint i = 0; i < host->devices->len; i++) {
        const DtPciDev *d = g_ptr_array_index(host->devices, i);
        if (d->iommu_group >= 0)
            grouped++;
    }
    if (n > 0 && !disabled && (host->devices->len == 0 || grouped > 0))
        add_check(out, "iommu-enabled", DT_CHECK_PASS,
                  g_strdup(_("Checking if the IOMMU is enabled")), g_strdup(_("yes")),
                  NULL, NULL, DT_SOURCE_SYSFS);
    else
        add_check(out, "iommu-enabled", DT_CHECK_FAIL,
                  g_strdup(_("Checking if the IOMMU is enabled")),
                  g_strdup(host->devices->len > 0 && grouped == 0
                               ? _("no (no device is in an IOMMU group)") : _("no")),
                  iommu_enable_hint(host), NULL, DT_SOURCE_SYSFS);
}

static char *
unit_hint(const DtHost *host, const DtIommu *u)
{
    const char *note = u->dirty_note ? u->dirty_note : "";

    if (g_str_has_prefix(note, "kernel < 6.11"))
        return g_strdup(_("kernel >= 6.11 needed for SMMUv3 dirty tracking"));
    if (g_str_has_prefix(note, "kernel < 6.7"))
        return g_strdup(_("kernel >= 6.7 needed for IOMMU dirty tracking"));
    if (g_str_has_prefix(note, "kernel version unknown"))
        return g_strdup(_("cannot read the kernel version (/proc/sys/kernel/osrelease)"));
    if (host->intel_sm_off && u->vendor == DT_IOMMU_VENDOR_INTEL &&
        strcmp(note, "intel_iommu=sm_off") == 0)
        return g_strdup(_("remove intel_iommu=sm_off from the kernel command line: dirty tracking needs scalable mode"));
    if (u->vendor == DT_IOMMU_VENDOR_SMMUV3)
        return g_strdup(_("only the kernel can tell: run dirtytrack-probe on a device bound to a VFIO driver (IOMMU_GET_HW_INFO)"));
    if (!u->regs_known && u->vendor != DT_IOMMU_VENDOR_UNKNOWN)
        return g_strdup(_("the IOMMU registers could not be read from sysfs"));
    return g_strdup(_("this IOMMU cannot track dirty pages: migration needs devices with DMA logging (for example mlx5_vfio_pci), or copies all memory at switchover"));
}

static void
check_units(const DtHost *host, GPtrArray *out)
{
    for (guint i = 0; i < host->iommus->len; i++) {
        const DtIommu *u = g_ptr_array_index(host->iommus, i);
        g_autofree char *id = g_strdup_printf("iommu-dirty:%s", u->name);
        const char *note = u->dirty_note ? u->dirty_note : "";
        DtCheckStatus st;
        char *result;

        switch (u->dirty_tracking.value) {
        case DT_TRI_YES:
            st = DT_CHECK_PASS;
            result = g_strdup_printf(_("yes (%s)"), note);
            break;
        case DT_TRI_NO:
            st = DT_CHECK_WARN;
            result = g_strdup_printf(_("no (%s)"), note);
            break;
        case DT_TRI_UNKNOWN:
        default:
            st = DT_CHECK_NOTE;
            result = g_strdup_printf(_("unknown (%s)"), note);
            break;
        }
        add_check(out, id, st,
                  g_strdup_printf(_("Checking for IOMMU dirty tracking (%s)"), u->name),
                  result, st == DT_CHECK_PASS ? NULL : unit_hint(host, u), NULL,
                  u->dirty_tracking.source);
    }
}

static gboolean
any_smmuv3(const DtHost *host)
{
    for (guint i = 0; i < host->iommus->len; i++) {
        const DtIommu *u = g_ptr_array_index(host->iommus, i);
        if (u->vendor == DT_IOMMU_VENDOR_SMMUV3)
            return TRUE;
    }
    return FALSE;
}

/* A kernel feature that arrived in a known release. */
static void
check_kernel_band(const DtHost *host, GPtrArray *out, const char *id, char *title,
                  guint major, guint minor, DtCheckStatus missing, char *hint_missing)
{
    if (!host->kernel.known) {
        add_check(out, id, DT_CHECK_WARN, title, g_strdup(_("unknown")),
                  g_strdup(_("cannot read the kernel version (/proc/sys/kernel/osrelease)")),
                  NULL, DT_SOURCE_NONE);
        g_free(hint_missing);
    } else if (dt_version_at_least(&host->kernel, major, minor, 0)) {
        add_check(out, id, DT_CHECK_PASS, title,
                  g_strdup_printf(_("yes (kernel %s)"), host->kernel_release),
                  hint_missing, NULL, DT_SOURCE_PREDICTED);
    } else {
        add_check(out, id, missing, title,
                  g_strdup_printf(_("no (kernel %s)"), host->kernel_release),
                  hint_missing, NULL, DT_SOURCE_PREDICTED);
    }
}

static void
check_kernel(const DtHost *host, GPtrArray *out)
{
    gboolean smmu = any_smmuv3(host);

    check_kernel_band(host, out, "kernel-vfio-migration",
                      g_strdup(_("Checking for VFIO migration (v2) in the kernel")), 5, 18,
                      DT_CHECK_FAIL, g_strdup(_("kernel >= 5.18 needed for VFIO live migration")));
    check_kernel_band(host, out, "kernel-dma-logging",
                      g_strdup(_("Checking for the VFIO DMA logging uAPI")), 6, 1,
                      DT_CHECK_WARN,
                      g_strdup(_("kernel >= 6.1 needed for device dirty tracking (DMA logging)")));

    /* the node decides, not the version: iommufd may be a module not loaded */
    if (host->dev_iommu)
        add_check(out, "kernel-iommufd", DT_CHECK_PASS,
                  g_strdup(_("Checking for iommufd (/dev/iommu)")), g_strdup(_("yes")),
                  NULL, NULL, DT_SOURCE_SYSFS);
    else if (host->kernel.known && !dt_version_at_least(&host->kernel, 6, 2, 0))
        add_check(out, "kernel-iommufd", DT_CHECK_WARN,
                  g_strdup(_("Checking for iommufd (/dev/iommu)")),
                  g_strdup_printf(_("no (kernel %s)"), host->kernel_release),
                  g_strdup(_("kernel >= 6.2 needed for iommufd")), NULL, DT_SOURCE_SYSFS);
    else
        add_check(out, "kernel-iommufd", DT_CHECK_WARN,
                  g_strdup(_("Checking for iommufd (/dev/iommu)")), g_strdup(_("no")),
                  g_strdup(_("load the iommufd module: modprobe iommufd")), NULL, DT_SOURCE_SYSFS);

    if (host->vfio_cdev_support)
        add_check(out, "kernel-vfio-cdev", DT_CHECK_PASS,
                  g_strdup(_("Checking for VFIO device cdevs (/dev/vfio/devices)")),
                  g_strdup(_("yes")), NULL, NULL, DT_SOURCE_SYSFS);
    else if (host->kernel.known && !dt_version_at_least(&host->kernel, 6, 6, 0))
        add_check(out, "kernel-vfio-cdev", DT_CHECK_WARN,
                  g_strdup(_("Checking for VFIO device cdevs (/dev/vfio/devices)")),
                  g_strdup_printf(_("no (kernel %s)"), host->kernel_release),
                  g_strdup(_("kernel >= 6.6 needed for VFIO device cdevs (iommufd backend)")),
                  NULL, DT_SOURCE_SYSFS);
    else
        add_check(out, "kernel-vfio-cdev", DT_CHECK_NOTE,
                  g_strdup(_("Checking for VFIO device cdevs (/dev/vfio/devices)")),
                  g_strdup(_("no")),
                  g_strdup(_("the kernel lacks CONFIG_VFIO_DEVICE_CDEV or no device is bound to VFIO yet; QEMU can still use the group interface")),
                  NULL, DT_SOURCE_SYSFS);

    if (smmu)
        check_kernel_band(host, out, "kernel-iommufd-dirty",
                          g_strdup(_("Checking for iommufd dirty tracking in the kernel")), 6, 11,
                          DT_CHECK_WARN,
                          g_strdup(_("kernel >= 6.11 needed for SMMUv3 dirty tracking")));
    else
        check_kernel_band(host, out, "kernel-iommufd-dirty",
                          g_strdup(_("Checking for iommufd dirty tracking in the kernel")), 6, 7,
                          DT_CHECK_WARN,
                          g_strdup(_("kernel >= 6.7 needed for IOMMU dirty tracking")));
}

static char *
flags_string(guint32 f)
{
    GString *s = g_string_new(NULL);
    if (f & DT_MIG_STOP_COPY)
        g_string_append(s, "stop-copy");
    if (f & DT_MIG_P2P)
        g_string_append(s, s->len ? ",p2p" : "p2p");
    if (f & DT_MIG_PRE_COPY)
        g_string_append(s, s->len ? ",pre-copy" : "pre-copy");
    return g_string_free(s, FALSE);
}

static char *
bind_hint(const char *driver, const char *bdf)
{
    return g_strdup_printf(_("bind %s: echo %s > /sys/bus/pci/devices/%s/driver_override"),
                           driver, driver, bdf);
}

/* The variant entry that applies to this device on this host, if any. */
static const DtVdbEntry *
variant_for(const DtHost *host, const DtVdb *vdb, const DtPciDev *d)
{
    const DtVdbEntry *e;

    if (!vdb)
        return NULL;
    e = dt_vdb_find_device(vdb, d->vendor, d->device);
    if (!e)
        return NULL;
    if (e->arch && host->arch && strcmp(e->arch, host->arch) != 0)
        return NULL;
    return e;
}

static char *
first_line(const char *text)
{
    const char *nl;

    if (!text || !*text)
        return NULL;
    nl = strchr(text, '\n');
    return nl ? g_strndup(text, (gsize)(nl - text)) : g_strdup(text);
}

/* A migratable device still needs something to track its DMA: its own
 * logging, or the dirty bits of the IOMMU unit it sits behind. */
static void
check_tracking(const DtHost *host, const DtPciDev *d, const DtVdbEntry *e, char *title,
               const char *id, const char *bdf, const char *fl, gboolean logs, DtSource src,
               GPtrArray *out)
{
    const DtIommu *u = dt_host_find_iommu(host, d->iommu_unit);
    g_autofree char *cond = first_line(e->conditions);
    gboolean confirmed = d->migration.source == DT_SOURCE_IOCTL ||
                         d->migration.source == DT_SOURCE_DEBUGFS;
    char *result;

    if (logs) {
        result = g_strdup_printf(_("%s bound: migration %s, DMA logging yes"), d->driver, fl);
        add_check(out, id, confirmed || !cond ? DT_CHECK_PASS : DT_CHECK_NOTE, title, result,
                  cond ? g_strdup_printf(_("migration depends on: %s"), cond) : NULL, bdf, src);
        return;
    }
    if (u && u->dirty_tracking.value == DT_TRI_YES) {
        result = g_strdup_printf(_("%s bound: migration %s, DMA logging no, IOMMU dirty tracking yes (%s)"),
                                 d->driver, fl, u->name);
        add_check(out, id, DT_CHECK_PASS, title, result, NULL, bdf, src);
        return;
    }
    result = g_strdup_printf(_("%s bound: migration %s, DMA logging no, IOMMU dirty tracking %s"),
                             d->driver, fl,
                             !u ? _("none")
                                : u->dirty_tracking.value == DT_TRI_NO ? _("no") : _("unknown"));
    add_check(out, id, u && u->dirty_tracking.value == DT_TRI_UNKNOWN ? DT_CHECK_NOTE : DT_CHECK_WARN,
              title, result,
              u && u->dirty_tracking.value == DT_TRI_NO ? unit_hint(host, u)
                  : g_strdup(_("nothing tracks this device's DMA: migration copies all memory at switchover")),
              bdf, src);
}

static void
check_device(const DtHost *host, const DtVdb *vdb, const DtPciDev *d, GPtrArray *out)
{
    g_autofree char *bdf = dt_pci_addr_to_string(&d->addr);
    g_autofree char *id = g_strdup_printf("device:%s", bdf);
    char *title = g_strdup_printf(_("Checking device %s (%04x:%04x)"), bdf, d->vendor, d->device);
    const DtVdbEntry *e = variant_for(host, vdb, d);
    gboolean exists = e && (!e->since.known || dt_version_at_least(&host->kernel, e->since.major,
                                                                   e->since.minor, e->since.micro));
    guint32 flags = exists ? dt_vdb_entry_flags_on(e, &host->kernel) : 0;
    gboolean logs;
    DtSource src = e ? DT_SOURCE_DATABASE : DT_SOURCE_SYSFS;
    g_autofree char *fl = NULL;

    if (d->migration.source != DT_SOURCE_NONE) {
        /* the kernel (or debugfs) answered for this very device */
        flags = d->migration.value == DT_TRI_YES ? d->mig_flags : 0;
        src = d->migration.source;
    }
    logs = d->dma_logging.source != DT_SOURCE_NONE ? d->dma_logging.value == DT_TRI_YES
                                                  : (exists && dt_vdb_entry_logs_on(e, &host->kernel));
    fl = flags_string(flags);

    if (d->iommu_group < 0) {
        add_check(out, id, DT_CHECK_FAIL, title, g_strdup(_("not in an IOMMU group")),
                  iommu_enable_hint(host), bdf, DT_SOURCE_SYSFS);
        return;
    }
    if (!d->driver || !dt_driver_is_vfio(d->driver)) {
        const char *want = exists && flags ? e->driver : "vfio-pci";
        char *result = d->driver
            ? g_strdup_printf(_("bound to the host driver %s"), d->driver)
            : g_strdup(_("not bound to a driver"));
        add_check(out, id, DT_CHECK_NOTE, title, result, bind_hint(want, bdf), bdf, src);
        return;
    }
    if (e && strcmp(d->driver, e->driver) == 0) {
        if (d->migration.source != DT_SOURCE_NONE && d->migration.value == DT_TRI_NO) {
            g_autofree char *cond = first_line(e->conditions);
            g_autofree char *pf = d->is_vf ? dt_pci_addr_to_string(&d->pf) : NULL;
            char *hint;
            if (cond && pf)
                hint = g_strdup_printf(_("the driver offers no migration for this VF; on its PF %s: %s"),
                                       pf, cond);
            else if (cond)
                hint = g_strdup_printf(_("the driver offers no migration for this device: %s"), cond);
            else
                hint = g_strdup(_("the driver offers no migration for this device; check its firmware"));
            add_check(out, id, DT_CHECK_FAIL, title,
                      g_strdup_printf(_("%s bound, migration disabled"), d->driver), hint, bdf, src);
        } else if (flags == 0) {
            g_autofree char *need = dt_version_to_string(&e->migration_since);
            add_check(out, id, DT_CHECK_WARN, title,
                      g_strdup_printf(_("%s bound, no migration on this kernel"), d->driver),
                      e->migration_since.known
                          ? g_strdup_printf(_("kernel >= %s needed for migration with %s"), need, e->driver)
                          : g_strdup(_("this driver does not implement migration")),
                      bdf, src);
        } else {
            check_tracking(host, d, e, title, id, bdf, fl, logs, src, out);
        }
        return;
    }
    if (exists && flags) {
        add_check(out, id, DT_CHECK_WARN, title,
                  g_strdup_printf(_("bound to %s; %s would offer migration (%s)"), d->driver,
                                  e->driver, fl),
                  bind_hint(e->driver, bdf), bdf, DT_SOURCE_DATABASE);
        return;
    }
    if (e) {
        g_autofree char *need = dt_version_to_string(e->migration_since.known ? &e->migration_since
                                                                             : &e->since);
        add_check(out, id, DT_CHECK_WARN, title,
                  g_strdup_printf(_("bound to %s; no migration driver on this kernel"), d->driver),
                  g_strdup_printf(_("kernel >= %s needed for %s"), need, e->driver), bdf,
                  DT_SOURCE_DATABASE);
        return;
    }
    if (strcmp(d->driver, "vfio-pci") != 0) {
        /* a variant driver the database does not know (or no database) */
        add_check(out, id, DT_CHECK_NOTE, title,
                  g_strdup_printf(_("%s bound; migration support unknown"), d->driver),
                  g_strdup(_("the variant-driver database has no entry for this driver; dirtytrack-probe can ask the kernel")),
                  bdf, DT_SOURCE_NONE);
        return;
    }
    if (d->alias_driver) {
        /* modules.alias names a variant driver the database does not know */
        add_check(out, id, DT_CHECK_WARN, title,
                  g_strdup_printf(_("bound to %s; modules.alias offers %s"), d->driver, d->alias_driver),
                  bind_hint(d->alias_driver, bdf), bdf, DT_SOURCE_PREDICTED);
        return;
    }
    add_check(out, id, DT_CHECK_WARN, title,
              g_strdup_printf(_("bound to %s; no migration driver exists for this device"), d->driver),
              g_strdup(_("a VM using this device cannot be live-migrated; detach the device before migrating")),
              bdf, vdb ? DT_SOURCE_DATABASE : DT_SOURCE_PREDICTED);
}

GPtrArray *
dt_host_checks(const DtHost *host, const DtVdb *vdb)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)dt_check_free);

    g_return_val_if_fail(host != NULL, out);
    check_iommu(host, out);
    check_units(host, out);
    check_kernel(host, out);
    for (guint i = 0; i < host->devices->len; i++) {
        const DtPciDev *d = g_ptr_array_index(host->devices, i);
        if (dt_pcidev_is_vfio_candidate(d))
            check_device(host, vdb, d, out);
    }
    return out;
}
