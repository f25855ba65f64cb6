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

#include "decide/dt-decide.h"
#include "decide/dt-hostcheck.h"
#include "model/dt-util.h"

const char *
dt_hostcheck_status_to_string(DtCheckStatus s)
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
dt_hostcheck_free(DtCheck *c)
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

/* TRUE if the command line passes OPTION to KEY ("intel_iommu", "off"):
 * these parameters take comma lists, and the last word of a key wins. */
static gboolean
cmdline_option(const DtHost *host, const char *key, const char *option)
{
    g_auto(GStrv) words = NULL;
    g_autofree char *prefix = g_strconcat(key, "=", NULL);
    gboolean found = FALSE;

    if (!host->cmdline)
        return FALSE;
    words = g_strsplit_set(host->cmdline, " \t\n", -1);
    for (guint i = 0; words[i]; i++) {
        g_auto(GStrv) opts = NULL;
        if (!g_str_has_prefix(words[i], prefix))
            continue;
        opts = g_strsplit(words[i] + strlen(prefix), ",", -1);
        found = g_strv_contains((const char *const *)opts, option);
    }
    return found;
}

static const char *
kconfig_value(DtKopt o)
{
    switch (o) {
    case DT_KOPT_BUILTIN: return "y";
    case DT_KOPT_MODULE: return "m";
    case DT_KOPT_UNSET:
    case DT_KOPT_UNKNOWN:
        break;
    }
    return NULL;
}

/* What the running kernel shows about one feature, strongest evidence
 * first: a device node it created, a module it runs, its module lists, its
 * configuration.  why is short, untranslated evidence for the result text. */
typedef struct {
    DtTri have;
    DtSource source;
    char *why;
} Observed;

static void
observed_clear(Observed *o)
{
    g_clear_pointer(&o->why, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Observed, observed_clear)

static void
observe(const DtHost *host, DtKfeat f, const char *node, Observed *o)
{
    const DtPlatform *pf = &host->platform;
    const char *cfg = dt_kfeat_config_name(f);
    const char *mod = dt_kfeat_module_name(f);
    DtKmod km = pf->kmod[f];
    DtKopt ko = pf->kconfig[f];

    o->have = DT_TRI_UNKNOWN;
    o->source = DT_SOURCE_NONE;
    if (node) {
        *o = (Observed){ DT_TRI_YES, DT_SOURCE_DEVNODE, g_strdup(node) };
    } else if (km == DT_KMOD_LOADED) {
        *o = (Observed){ DT_TRI_YES, DT_SOURCE_SYSFS, g_strdup_printf("/sys/module/%s", mod) };
    } else if (km == DT_KMOD_BUILTIN) {
        *o = (Observed){ DT_TRI_YES, DT_SOURCE_MODULES, g_strdup_printf("%s built in", mod) };
    } else if (km == DT_KMOD_AVAILABLE) {
        *o = (Observed){ DT_TRI_YES, DT_SOURCE_MODULES,
                         g_strdup_printf("module %s, not loaded", mod) };
    } else if (mod && km == DT_KMOD_ABSENT) {
        /* the lists are what modprobe reads: without an entry it cannot load it */
        *o = (Observed){ DT_TRI_NO, DT_SOURCE_MODULES,
                         g_strdup_printf("no %s module in /lib/modules/%s", mod,
                                         host->kernel_release) };
    } else if (ko == DT_KOPT_BUILTIN || ko == DT_KOPT_MODULE) {
        *o = (Observed){ DT_TRI_YES, DT_SOURCE_KCONFIG,
                         g_strdup_printf("%s=%s", cfg, kconfig_value(ko)) };
    } else if (ko == DT_KOPT_UNSET) {
        *o = (Observed){ DT_TRI_NO, DT_SOURCE_KCONFIG,
                         g_strdup_printf("%s not set in %s", cfg, pf->kconfig_path) };
    }
}

static gboolean
is_arm64(const DtHost *host)
{
    return g_strcmp0(host->arch, "aarch64") == 0;
}

/* The IOMMU driver of this platform, if the configuration says it is not
 * built: the one reason no command line can fix. */
static const char *
missing_iommu_driver(const DtHost *host)
{
    const DtPlatform *pf = &host->platform;
    DtKfeat f;

    switch (pf->cpu) {
    case DT_CPU_INTEL: f = DT_KFEAT_INTEL_IOMMU; break;
    case DT_CPU_AMD: f = DT_KFEAT_AMD_IOMMU; break;
    case DT_CPU_OTHER:
    default:
        if (!is_arm64(host))
            return NULL;
        f = DT_KFEAT_ARM_SMMU_V3;
        break;
    }
    return pf->kconfig[f] == DT_KOPT_UNSET ? dt_kfeat_config_name(f) : NULL;
}

/* A hint that works on this host for an IOMMU the platform has but the
 * kernel does not use.  The switches are the kernel's own: intel_iommu=off
 * and =on (drivers/iommu/intel/iommu.c, intel_iommu_setup), amd_iommu=off
 * (drivers/iommu/amd/init.c, parse_amd_iommu_options, which has no "on":
 * it logs "Unknown option" for it, the AMD driver being on whenever the
 * IVRS table is there), and iommu=off on x86 (arch/x86/kernel/pci-dma.c,
 * iommu_setup sets no_iommu, which both drivers honour). */
static char *
iommu_enable_hint(const DtHost *host)
{
    const DtPlatform *pf = &host->platform;
    const char *driver = missing_iommu_driver(host);

    if (pf->cpu == DT_CPU_INTEL && cmdline_option(host, "intel_iommu", "off"))
        return g_strdup(pf->kconfig[DT_KFEAT_INTEL_IOMMU_DEFAULT_ON] == DT_KOPT_BUILTIN
                            ? _("remove intel_iommu=off from the kernel command line")
                            : _("replace intel_iommu=off by intel_iommu=on on the kernel command line"));
    if (pf->cpu == DT_CPU_AMD && cmdline_option(host, "amd_iommu", "off"))
        return g_strdup(_("remove amd_iommu=off from the kernel command line"));
    if (pf->cpu != DT_CPU_OTHER && cmdline_option(host, "iommu", "off"))
        return g_strdup(_("remove iommu=off from the kernel command line"));
    if (driver)
        return g_strdup_printf(_("this kernel is built without %s: boot a kernel that has it"),
                               driver);
    if (pf->cpu == DT_CPU_OTHER && g_strcmp0(host->arch, "x86_64") == 0 &&
        pf->kconfig[DT_KFEAT_INTEL_IOMMU] == DT_KOPT_UNSET &&
        pf->kconfig[DT_KFEAT_AMD_IOMMU] == DT_KOPT_UNSET)
        return g_strdup_printf(_("this kernel has no x86 IOMMU driver (neither CONFIG_INTEL_IOMMU nor CONFIG_AMD_IOMMU is set in %s)"),
                               pf->kconfig_path);
    switch (pf->cpu) {
    case DT_CPU_INTEL:
        if (pf->kconfig[DT_KFEAT_INTEL_IOMMU_DEFAULT_ON] == DT_KOPT_BUILTIN)
            return g_strdup(_("VT-d is on by default in this kernel: look for DMAR errors in the kernel log (dmesg | grep -i dmar)"));
        return g_strdup(_("boot with intel_iommu=on on the kernel command line"));
    case DT_CPU_AMD:
        return g_strdup(_("the AMD IOMMU driver is on by default: look for AMD-Vi errors in the kernel log (dmesg | grep AMD-Vi)"));
    case DT_CPU_OTHER:
    default:
        break;
    }
    if (is_arm64(host))
        return g_strdup(_("enable the SMMU in the firmware setup and check that the kernel has its driver (CONFIG_ARM_SMMU_V3)"));
    return g_strdup(_("a virtual machine needs a virtual IOMMU from its host; on bare metal, enable the IOMMU in the firmware setup"));
}

/* The platform says it has no IOMMU: virt-host-validate's "No ACPI DMAR
 * (IVRS) table found" case, which only the firmware setup can change. */
static gboolean
firmware_has_none(const DtHost *host, guint groups)
{
    const DtPlatform *pf = &host->platform;

    if (host->iommus->len > 0 || groups > 0)
        return FALSE;
    return (pf->cpu == DT_CPU_INTEL && !pf->acpi_dmar) || (pf->cpu == DT_CPU_AMD && !pf->acpi_ivrs);
}

static char *
firmware_hint(const DtHost *host)
{
    return g_strdup(host->platform.cpu == DT_CPU_INTEL
                        ? _("enable VT-d in the firmware setup")
                        : _("enable the IOMMU (AMD-Vi) in the firmware setup"));
}

/* IOMMU groups the kernel made: /sys/kernel/iommu_groups, or where the
 * directory is missing (or was not read), the devices' own links. */
static guint
count_groups(const DtHost *host)
{
    guint groups = 0;

    if (host->platform.probed && host->platform.iommu_groups >= 0)
        return (guint)host->platform.iommu_groups;
    for (guint i = 0; i < host->devices->len; i++) {
        const DtPciDev *d = g_ptr_array_index(host->devices, i);
        if (d->iommu_group >= 0)
            groups++;
    }
    return groups;
}

/* The hint for whatever keeps devices out of IOMMU groups on this host. */
static char *
iommu_hint(const DtHost *host)
{
    return firmware_has_none(host, count_groups(host)) ? firmware_hint(host)
                                                       : iommu_enable_hint(host);
}

/* Units registered in /sys/class/iommu, else IOMMU groups: the kernel
 * uses an IOMMU.  Else the rule of virt-host-validate (tools/
 * virt-host-validate-common.c, virHostValidateIOMMU): with the vmx flag
 * the ACPI DMAR table, with svm the IVRS table tells whether the platform
 * has one; with neither nobody can tell, which is a WARN, not a FAIL.
 * Returns TRUE if the platform has an IOMMU. */
static gboolean
check_iommu_present(const DtHost *host, guint groups, GPtrArray *out)
{
    const DtPlatform *pf = &host->platform;
    guint n = host->iommus->len;
    char *title = g_strdup(_("Checking for an IOMMU"));

    if (n > 0) {
        add_check(out, "iommu-present", DT_CHECK_PASS, title,
                  g_strdup_printf(dngettext(GETTEXT_PACKAGE, "yes (%u unit)", "yes (%u units)", n), n),
                  NULL, NULL, DT_SOURCE_SYSFS);
        return TRUE;
    }
    if (groups > 0) {
        add_check(out, "iommu-present", DT_CHECK_PASS, title,
                  g_strdup_printf(dngettext(GETTEXT_PACKAGE, "yes (%u IOMMU group)",
                                            "yes (%u IOMMU groups)", groups), groups),
                  NULL, NULL, DT_SOURCE_SYSFS);
        return TRUE;
    }
    if (firmware_has_none(host, groups)) {
        add_check(out, "iommu-present", DT_CHECK_FAIL, title,
                  g_strdup(pf->cpu == DT_CPU_INTEL
                               ? _("no (no ACPI DMAR table: the IOMMU is disabled in the firmware or absent)")
                               : _("no (no ACPI IVRS table: the IOMMU is disabled in the firmware or absent)")),
                  firmware_hint(host), NULL, DT_SOURCE_SYSFS);
        return FALSE;
    }
    if (pf->cpu == DT_CPU_INTEL || pf->cpu == DT_CPU_AMD) {
        add_check(out, "iommu-present", DT_CHECK_PASS, title,
                  g_strdup(pf->cpu == DT_CPU_INTEL ? _("yes (ACPI DMAR table)")
                                                   : _("yes (ACPI IVRS table)")),
                  NULL, NULL, DT_SOURCE_SYSFS);
        return TRUE;
    }
    add_check(out, "iommu-present", DT_CHECK_WARN, title,
              g_strdup(_("unknown if this platform has IOMMU support (no IOMMU unit or group; the CPU shows neither the vmx nor the svm flag)")),
              iommu_enable_hint(host), NULL, DT_SOURCE_SYSFS);
    return FALSE;
}

static void
check_iommu(const DtHost *host, GPtrArray *out)
{
    guint groups = count_groups(host);

    /* as virt-host-validate, "enabled" is asked only of an IOMMU that exists */
    if (!check_iommu_present(host, groups, out))
        return;
    if (groups > 0)
        add_check(out, "iommu-enabled", DT_CHECK_PASS,
                  g_strdup(_("Checking if the IOMMU is enabled")),
                  g_strdup_printf(dngettext(GETTEXT_PACKAGE, "yes (%u IOMMU group)",
                                            "yes (%u IOMMU groups)", groups), groups),
                  NULL, NULL, DT_SOURCE_SYSFS);
    else
        add_check(out, "iommu-enabled", DT_CHECK_FAIL,
                  g_strdup(_("Checking if the IOMMU is enabled")),
                  g_strdup(_("no (no IOMMU groups)")), iommu_enable_hint(host), NULL,
                  DT_SOURCE_SYSFS);
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

/* A kernel feature that arrived in a known release: a prediction from the
 * version, asked only when nothing the kernel shows has answered. */
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

/* A line that cannot hold because the kernel shows a feature it needs is
 * missing: the fix is that feature's. */
static void
check_missing(GPtrArray *out, const char *id, char *title, DtCheckStatus st,
              const char *what, const Observed *o, const char *hint)
{
    add_check(out, id, st, title, g_strdup_printf(_("no (%s: %s)"), what, o->why),
              g_strdup(hint), NULL, o->source);
}

#define HINT_NO_VFIO N_("boot a kernel built with CONFIG_VFIO and CONFIG_VFIO_PCI: device passthrough and its migration need them")
#define HINT_NO_IOMMUFD N_("the iommufd backend needs a kernel built with CONFIG_IOMMUFD (Linux >= 6.2); QEMU can still use the VFIO group interface")

static void
check_vfio(const DtHost *host, const Observed *vfio, GPtrArray *out)
{
    char *title = g_strdup(_("Checking for VFIO in the kernel"));

    if (vfio->have == DT_TRI_YES)
        add_check(out, "kernel-vfio", DT_CHECK_PASS, title,
                  g_strdup_printf(_("yes (%s)"), vfio->why), NULL, NULL, vfio->source);
    else if (vfio->have == DT_TRI_NO)
        add_check(out, "kernel-vfio", DT_CHECK_FAIL, title,
                  g_strdup_printf(_("no (%s)"), vfio->why),
                  g_strdup(_(HINT_NO_VFIO)),
                  NULL, vfio->source);
    else
        add_check(out, "kernel-vfio", DT_CHECK_WARN, title,
                  g_strdup(_("unknown (no /dev/vfio/vfio, and no kernel configuration or module list to read)")),
                  host->kernel_release
                      ? g_strdup_printf(_("load vfio-pci if this kernel has it; /proc/config.gz, /boot/config-%s or /lib/modules/%s/modules.dep would tell"),
                                        host->kernel_release, host->kernel_release)
                      : NULL,
                  NULL, DT_SOURCE_DEVNODE);
}

static void
check_iommufd(const DtHost *host, const Observed *fd, GPtrArray *out)
{
    const DtPlatform *pf = &host->platform;
    char *title = g_strdup(_("Checking for iommufd (/dev/iommu)"));

    if (host->dev_iommu) {
        add_check(out, "kernel-iommufd", DT_CHECK_PASS, title, g_strdup(_("yes")), NULL, NULL,
                  DT_SOURCE_DEVNODE);
    } else if (pf->kmod[DT_KFEAT_IOMMUFD] == DT_KMOD_AVAILABLE) {
        /* the only case where modprobe works: the module is installed */
        add_check(out, "kernel-iommufd", DT_CHECK_WARN, title,
                  g_strdup_printf(_("no (%s)"), fd->why),
                  g_strdup(_("load the iommufd module: modprobe iommufd")), NULL, fd->source);
    } else if (fd->have == DT_TRI_NO) {
        add_check(out, "kernel-iommufd", DT_CHECK_WARN, title,
                  g_strdup_printf(_("no (%s)"), fd->why),
                  g_strdup(_(HINT_NO_IOMMUFD)),
                  NULL, fd->source);
    } else if (fd->have == DT_TRI_YES) {
        /* loaded or built in, yet no node: nothing for modprobe to do */
        add_check(out, "kernel-iommufd", DT_CHECK_WARN, title,
                  g_strdup_printf(_("no (/dev/iommu missing; %s)"), fd->why),
                  g_strdup(_("the kernel has iommufd but /dev/iommu is missing: check that devtmpfs is mounted on /dev")),
                  NULL, DT_SOURCE_DEVNODE);
    } else if (host->kernel.known && !dt_version_at_least(&host->kernel, 6, 2, 0)) {
        add_check(out, "kernel-iommufd", DT_CHECK_WARN, title,
                  g_strdup_printf(_("no (kernel %s)"), host->kernel_release),
                  g_strdup(_("kernel >= 6.2 needed for iommufd")), NULL, DT_SOURCE_PREDICTED);
    } else {
        add_check(out, "kernel-iommufd", DT_CHECK_WARN, title, g_strdup(_("no")),
                  g_strdup(_("no /dev/iommu, and no kernel configuration or module list tells whether this kernel has iommufd")),
                  NULL, DT_SOURCE_DEVNODE);
    }
}

static void
check_vfio_cdev(const DtHost *host, const Observed *vfio, GPtrArray *out)
{
    const DtPlatform *pf = &host->platform;
    DtKopt cdev = pf->kconfig[DT_KFEAT_VFIO_DEVICE_CDEV];
    char *title = g_strdup(_("Checking for VFIO device cdevs (/dev/vfio/devices)"));

    if (host->vfio_cdev_support)
        add_check(out, "kernel-vfio-cdev", DT_CHECK_PASS, title, g_strdup(_("yes")), NULL, NULL,
                  DT_SOURCE_DEVNODE);
    else if (vfio->have == DT_TRI_NO)
        check_missing(out, "kernel-vfio-cdev", title, DT_CHECK_WARN, _("no VFIO"), vfio,
                      _(HINT_NO_VFIO));
    else if (cdev == DT_KOPT_UNSET)
        add_check(out, "kernel-vfio-cdev", DT_CHECK_WARN, title,
                  g_strdup_printf(_("no (CONFIG_VFIO_DEVICE_CDEV not set in %s)"), pf->kconfig_path),
                  g_strdup(_("the iommufd backend needs a kernel built with CONFIG_VFIO_DEVICE_CDEV; QEMU can still use the group interface")),
                  NULL, DT_SOURCE_KCONFIG);
    else if (cdev == DT_KOPT_BUILTIN)
        add_check(out, "kernel-vfio-cdev", DT_CHECK_PASS, title,
                  g_strdup(_("yes (CONFIG_VFIO_DEVICE_CDEV=y; no device is bound to a VFIO driver yet)")),
                  NULL, NULL, DT_SOURCE_KCONFIG);
    else if (host->kernel.known && !dt_version_at_least(&host->kernel, 6, 6, 0))
        add_check(out, "kernel-vfio-cdev", DT_CHECK_WARN, title,
                  g_strdup_printf(_("no (kernel %s)"), host->kernel_release),
                  g_strdup(_("kernel >= 6.6 needed for VFIO device cdevs (iommufd backend)")),
                  NULL, DT_SOURCE_PREDICTED);
    else
        add_check(out, "kernel-vfio-cdev", DT_CHECK_NOTE, title, g_strdup(_("no")),
                  g_strdup(_("the kernel lacks CONFIG_VFIO_DEVICE_CDEV or no device is bound to VFIO yet; QEMU can still use the group interface")),
                  NULL, DT_SOURCE_DEVNODE);
}

static void
check_kernel(const DtHost *host, GPtrArray *out)
{
    gboolean smmu = any_smmuv3(host);
    const char *vfio_node = host->dev_vfio_container ? "/dev/vfio/vfio"
                          : host->vfio_cdev_support ? "/dev/vfio/devices" : NULL;
    g_auto(Observed) vfio = { DT_TRI_UNKNOWN, DT_SOURCE_NONE, NULL };
    g_auto(Observed) fd = { DT_TRI_UNKNOWN, DT_SOURCE_NONE, NULL };

    observe(host, DT_KFEAT_VFIO, vfio_node, &vfio);
    observe(host, DT_KFEAT_IOMMUFD, host->dev_iommu ? "/dev/iommu" : NULL, &fd);

    check_vfio(host, &vfio, out);
    if (vfio.have == DT_TRI_NO) {
        check_missing(out, "kernel-vfio-migration",
                      g_strdup(_("Checking for VFIO migration (v2) in the kernel")),
                      DT_CHECK_FAIL, _("no VFIO"), &vfio, _(HINT_NO_VFIO));
        check_missing(out, "kernel-dma-logging",
                      g_strdup(_("Checking for the VFIO DMA logging uAPI")), DT_CHECK_WARN,
                      _("no VFIO"), &vfio, _(HINT_NO_VFIO));
    } else {
        check_kernel_band(host, out, "kernel-vfio-migration",
                          g_strdup(_("Checking for VFIO migration (v2) in the kernel")), 5, 18,
                          DT_CHECK_FAIL, g_strdup(_("kernel >= 5.18 needed for VFIO live migration")));
        check_kernel_band(host, out, "kernel-dma-logging",
                          g_strdup(_("Checking for the VFIO DMA logging uAPI")), 6, 1,
                          DT_CHECK_WARN,
                          g_strdup(_("kernel >= 6.1 needed for device dirty tracking (DMA logging)")));
    }
    check_iommufd(host, &fd, out);
    check_vfio_cdev(host, &vfio, out);

    if (fd.have == DT_TRI_NO)
        check_missing(out, "kernel-iommufd-dirty",
                      g_strdup(_("Checking for iommufd dirty tracking in the kernel")),
                      DT_CHECK_WARN, _("no iommufd"), &fd, _(HINT_NO_IOMMUFD));
    else if (smmu)
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
    gboolean confirmed = dt_fact_is_probed(&d->migration);
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
    DtDeviceFacts facts;
    guint32 flags;
    gboolean logs;
    DtSource src;
    g_autofree char *fl = NULL;

    /* What the device offers through its variant driver (bound now or to
     * be bound), as the engine sees it: the kernel's answer for the driver
     * bound now, else the database. */
    dt_decide_device_facts(host, e, d, e ? e->driver : d->driver, &facts);
    flags = facts.migration.value == DT_TRI_YES ? facts.mig_flags : 0;
    logs = facts.dma_logging.value == DT_TRI_YES;
    src = facts.migration.source != DT_SOURCE_NONE ? facts.migration.source
          : e ? DT_SOURCE_DATABASE : DT_SOURCE_SYSFS;
    fl = dt_mig_flags_to_string(flags);

    if (d->iommu_group < 0) {
        add_check(out, id, DT_CHECK_FAIL, title, g_strdup(_("not in an IOMMU group")),
                  iommu_hint(host), bdf, DT_SOURCE_SYSFS);
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
        if (facts.backport) {
            g_autofree char *since = dt_version_to_string(&e->migration_since);
            add_check(out, id, DT_CHECK_NOTE, title,
                      g_strdup_printf(_("%s bound on a kernel older than its upstream migration "
                                        "support (%s): a distribution backport"),
                                      d->driver, since),
                      g_strdup(_("whether it migrates and logs DMA here is not known; "
                                 "dirtytrack-probe --ioctl asks the kernel")),
                      bdf, src);
        } else if (dt_fact_is_probed(&facts.migration) && facts.migration.value == DT_TRI_NO) {
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
dt_hostcheck_run(const DtHost *host, const DtVdb *vdb)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)dt_hostcheck_free);

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
