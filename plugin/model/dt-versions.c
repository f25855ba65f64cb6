/* dt-versions.c: the version tables (see dt-versions.h).
 *
 * Three projects, one table each, oldest release first.  A row says when
 * something arrived (and for properties when it left) and where upstream
 * says so.  Where a release was inferred from a pull request's date rather
 * than read from a tag, the source says "inferred".
 */
#include "config.h"

#include <string.h>

#include "model/dt-util.h"
#include "model/dt-versions.h"

/* ---- QEMU bands ------------------------------------------------------------- */

static const DtQemuBand qemu_bands[] = {
    { .name = "7.2", .major = 0, .minor = 0,
      .changes = "VFIO migration protocol v1 only (migration region, x-enable-migration, "
                 "default off); no -object iommufd",
      .source = "QEMU v7.2.0 hw/vfio/migration.c vfio_migration_probe() (blocker \"VFIO device "
                "doesn't support migration\"); hw/vfio/common.c vfio_get_iommu_info_migration()" },
    { .name = "8.0", .major = 8, .minor = 0, .v2 = TRUE, .log_ranges = 2,
      .changes = "protocol v2; migration without IOMMU dirty tracking (QEMU marks RAM dirty); "
                 "device DMA logging over two ranges; blockers for several devices and for "
                 "any vIOMMU",
      .source = "QEMU pull vfio-updates-20230216 and 2023-03-07: hw/vfio/migration.c "
                "vfio_migration_realize(), hw/vfio/common.c vfio_devices_all_device_dirty_tracking(), "
                "vfio_block_multiple_devices_migration(), vfio_block_giommu_migration()" },
    { .name = "8.1", .major = 8, .minor = 1, .v2 = TRUE, .enable_migration = TRUE,
      .auto_needs_tracking = TRUE, .on_fails_realize = TRUE, .viommu_per_device = TRUE,
      .switchover_ack = TRUE, .log_ranges = 2,
      .changes = "enable-migration (OnOffAuto) replaces x-enable-migration; auto needs device "
                 "DMA logging; on turns blockers into realize errors; PRE_COPY; switchover-ack",
      .source = "QEMU commit 8bbcb64a71d8 (\"Make VFIO migration non-experimental\", June 2023, "
                "release inferred from the date): hw/vfio/migration.c vfio_migration_realize(), "
                "vfio_block_migration(); qapi/migration.json switchover-ack \"Since: 8.1\"" },
    { .name = "8.2", .major = 8, .minor = 2, .v2 = TRUE, .enable_migration = TRUE,
      .auto_needs_tracking = TRUE, .on_fails_realize = TRUE, .viommu_per_device = TRUE,
      .multi_p2p = TRUE, .postcopy_refused = TRUE, .switchover_ack = TRUE,
      .avail_switchover_bw = TRUE, .log_ranges = 3,
      .changes = "several devices allowed when all have P2P; post-copy and background snapshot "
                 "refused; third DMA-logging range for the 64-bit PCI hole",
      .source = "QEMU pull-vfio-20230911: hw/vfio/common.c vfio_multiple_devices_migration_is_supported(), "
                "vfio_dirty_tracking_update() (\"vfio/common: Separate vfio-pci ranges\"); "
                "hw/vfio/migration.c vfio_save_prepare(); qapi/migration.json "
                "avail-switchover-bandwidth \"Since: 8.2\"" },
    { .name = "9.0", .major = 9, .minor = 0, .v2 = TRUE, .enable_migration = TRUE,
      .auto_needs_tracking = TRUE, .on_fails_realize = TRUE, .viommu_per_device = TRUE,
      .multi_p2p = TRUE, .postcopy_refused = TRUE, .iommufd = TRUE, .switchover_ack = TRUE,
      .avail_switchover_bw = TRUE, .log_ranges = 3,
      .changes = "iommufd backend (-object iommufd, vfio-pci iommufd=, fd=) without dirty "
                 "tracking",
      .source = "QEMU v9.0.0 backends/iommufd.c iommufd_backend_connect(), hw/vfio/iommufd.c "
                "iommufd_cdev_attach(); docs/devel/vfio-iommufd.rst (\"Dirty page sync with "
                "iommufd backend is unsupported yet\")" },
    { .name = "9.1", .major = 9, .minor = 1, .v2 = TRUE, .enable_migration = TRUE,
      .auto_needs_tracking = TRUE, .on_fails_realize = TRUE, .viommu_per_device = TRUE,
      .multi_p2p = TRUE, .postcopy_refused = TRUE, .iommufd = TRUE, .iommufd_dirty = TRUE,
      .switchover_ack = TRUE, .avail_switchover_bw = TRUE, .log_ranges = 3,
      .changes = "iommufd HWPT dirty tracking; auto accepts device or IOMMU tracking; "
                 "x-device-dirty-page-tracking; migration-events",
      .source = "QEMU IOMMUFD dirty tracking series (Joao Martins, merged July 2024): "
                "hw/vfio/iommufd.c iommufd_cdev_autodomains_get() (IOMMU_HWPT_ALLOC_DIRTY_TRACKING), "
                "hw/vfio/migration.c vfio_migration_realize() (\"doesn't support device and IOMMU "
                "dirty tracking\"); qapi/vfio.json \"Since: 9.1\"" },
    { .name = "10.0", .major = 10, .minor = 0, .v2 = TRUE, .enable_migration = TRUE,
      .auto_needs_tracking = TRUE, .on_fails_realize = TRUE, .viommu_per_device = TRUE,
      .multi_p2p = TRUE, .postcopy_refused = TRUE, .iommufd = TRUE, .iommufd_dirty = TRUE,
      .switchover_ack = TRUE, .avail_switchover_bw = TRUE, .multifd_device_state = TRUE,
      .log_ranges = 3,
      .changes = "VFIO device state over multifd channels (x-migration-multifd-transfer)",
      .source = "QEMU docs/devel/migration/vfio.rst (\"Starting from QEMU version 10.0\"); "
                "hw/vfio/migration-multifd.c" },
    { .name = "10.1", .major = 10, .minor = 1, .v2 = TRUE, .enable_migration = TRUE,
      .auto_needs_tracking = TRUE, .on_fails_realize = TRUE, .viommu_per_device = TRUE,
      .multi_p2p = TRUE, .postcopy_refused = TRUE, .iommufd = TRUE, .iommufd_dirty = TRUE,
      .switchover_ack = TRUE, .avail_switchover_bw = TRUE, .multifd_device_state = TRUE,
      .log_ranges = 3,
      .changes = "dirty tracking moved to hw/vfio/listener.c and renamed; "
                 "x-migration-load-config-after-iter; no rule change",
      .source = "QEMU hw/vfio/listener.c vfio_listener_log_global_start(), "
                "hw/vfio/container-base.c vfio_container_devices_dirty_tracking_is_supported(); "
                "hw/core/machine.c hw_compat_10_0" },
    { .name = "10.2", .major = 10, .minor = 2, .v2 = TRUE, .enable_migration = TRUE,
      .auto_needs_tracking = TRUE, .on_fails_realize = TRUE, .viommu_per_device = TRUE,
      .multi_p2p = TRUE, .postcopy_refused = TRUE, .iommufd = TRUE, .iommufd_dirty = TRUE,
      .switchover_ack = TRUE, .avail_switchover_bw = TRUE, .multifd_device_state = TRUE,
      .log_ranges = 3,
      .changes = "VFIOContainerBase renamed VFIOContainer (hw/vfio/container.c), legacy type1 "
                 "in container-legacy.c; no rule change",
      .source = "QEMU hw/vfio/container.c, hw/vfio/container-legacy.c" },
    { .name = "11.0+", .major = 11, .minor = 0, .v2 = TRUE, .enable_migration = TRUE,
      .auto_needs_tracking = TRUE, .on_fails_realize = TRUE, .viommu_per_device = TRUE,
      .multi_p2p = TRUE, .postcopy_refused = TRUE, .iommufd = TRUE, .iommufd_dirty = TRUE,
      .viommu_relaxed = TRUE, .type1_ram_limit = TRUE, .switchover_ack = TRUE,
      .avail_switchover_bw = TRUE, .multifd_device_state = TRUE, .log_ranges = 3,
      .changes = "the vIOMMU blocker applies only to devices that use DMA logging; without "
                 "device and IOMMU tracking, type1 refuses RAM above its dirty-bitmap limit "
                 "(8 TiB); 11.1 and 11.2 change no rule here as far as their sources were read",
      .source = "QEMU commit 0e3c1e2b2b24 (pull-vfio-20260113): hw/vfio/migration.c "
                "vfio_migration_realize(), hw/vfio/device.c vfio_device_dirty_pages_disabled(); "
                "commit 46c763311419: hw/vfio/migration.c vfio_dirty_tracking_exceed_limit()" },
};

const DtQemuBand *
dt_versions_qemu_band(const DtVersion *v)
{
    if (!v || !v->known)
        return NULL;
    for (guint i = G_N_ELEMENTS(qemu_bands); i-- > 0;)
        if (dt_version_at_least(v, qemu_bands[i].major, qemu_bands[i].minor, 0))
            return &qemu_bands[i];
    return &qemu_bands[0];
}

const char *
dt_versions_qemu_band_name(const DtVersion *v)
{
    const DtQemuBand *b = dt_versions_qemu_band(v);
    return b ? b->name : "unknown";
}

const DtQemuBand *
dt_versions_qemu_band_by_name(const char *name)
{
    for (guint i = 0; name && i < G_N_ELEMENTS(qemu_bands); i++)
        if (strcmp(qemu_bands[i].name, name) == 0)
            return &qemu_bands[i];
    return NULL;
}

guint
dt_versions_qemu_n_bands(void)
{
    return G_N_ELEMENTS(qemu_bands);
}

const DtQemuBand *
dt_versions_qemu_band_at(guint i)
{
    return i < G_N_ELEMENTS(qemu_bands) ? &qemu_bands[i] : NULL;
}

/* ---- vfio-pci properties ---------------------------------------------------- */

static const DtQemuProp qemu_props[] = {
    { "x-enable-migration", 5, 2, 8, 1,
      "QEMU hw/vfio/pci.c vfio_pci_dev_properties; replaced by enable-migration in commit 8bbcb64a71d8" },
    { "x-pre-copy-dirty-page-tracking", 5, 2, 0, 0, "QEMU hw/vfio/pci.c vfio_pci_dev_properties" },
    { "enable-migration", 8, 1, 0, 0, "QEMU commit 8bbcb64a71d8, hw/vfio/pci.c" },
    { "vf-token", 8, 1, 0, 0, "QEMU hw/vfio/pci.c vfio_pci_dev_properties" },
    { "iommufd", 9, 0, 0, 0, "QEMU hw/vfio/pci.c (\"iommufd\" link, 9.0), docs/devel/vfio-iommufd.rst" },
    { "fd", 9, 0, 0, 0, "QEMU hw/vfio/pci.c vfio_pci_set_fd (9.0)" },
    { "x-device-dirty-page-tracking", 9, 1, 0, 0, "QEMU hw/vfio/pci.c, IOMMUFD dirty tracking series (9.1)" },
    { "migration-events", 9, 1, 0, 0, "QEMU hw/vfio/pci.c; qapi/vfio.json VFIO_MIGRATION \"Since: 9.1\"" },
    { "skip-vsc-check", 9, 1, 0, 0, "QEMU hw/vfio/pci.c vfio_add_vendor_specific_cap" },
    { "x-migration-multifd-transfer", 10, 0, 0, 0, "QEMU hw/vfio/pci.c; docs/devel/migration/vfio.rst" },
    { "x-migration-load-config-after-iter", 10, 1, 0, 0, "QEMU hw/vfio/pci.c; hw/core/machine.c hw_compat_10_0" },
    { "x-migration-max-queued-buffers-size", 10, 1, 0, 0,
      "QEMU hw/vfio/pci.c (release inferred from the posting date)" },
};

const DtQemuProp *
dt_versions_qemu_prop(const char *name)
{
    for (guint i = 0; name && i < G_N_ELEMENTS(qemu_props); i++)
        if (strcmp(qemu_props[i].name, name) == 0)
            return &qemu_props[i];
    return NULL;
}

static gboolean
release_ge(guint major, guint minor, guint ref_major, guint ref_minor)
{
    return major > ref_major || (major == ref_major && minor >= ref_minor);
}

gboolean
dt_versions_band_has_prop(const DtQemuBand *band, const char *name)
{
    const DtQemuProp *p = dt_versions_qemu_prop(name);
    guint major, minor;

    if (!p || !band)
        return FALSE;
    /* the 7.2 band stands for every release before 8.0 that has VFIO
     * migration at all: 5.2 to 7.2 */
    major = band->major ? band->major : 7;
    minor = band->major ? band->minor : 2;
    if (!release_ge(major, minor, p->since_major, p->since_minor))
        return FALSE;
    if ((p->until_major || p->until_minor) &&
        release_ge(major, minor, p->until_major, p->until_minor))
        return FALSE;
    return TRUE;
}

gboolean
dt_versions_qemu_has_prop(const DtVersion *qemu, const char *name)
{
    const DtQemuProp *p = dt_versions_qemu_prop(name);

    if (!p || !qemu || !qemu->known)
        return FALSE;
    if (!dt_version_at_least(qemu, p->since_major, p->since_minor, 0))
        return FALSE;
    if ((p->until_major || p->until_minor) &&
        dt_version_at_least(qemu, p->until_major, p->until_minor, 0))
        return FALSE;
    return TRUE;
}

/* ---- libvirt ------------------------------------------------------------------ */

static const DtLibvirtThreshold libvirt_thresholds[DT_LV_N] = {
    [DT_LV_PARALLEL] = { DT_LV_PARALLEL, "parallel-migration", 5, 2, 0,
        "libvirt include/libvirt/libvirt-domain.h VIR_MIGRATE_PARALLEL, "
        "VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS (5.2.0)" },
    [DT_LV_QEMU_OVERRIDE] = { DT_LV_QEMU_OVERRIDE, "qemu-override", 8, 2, 0,
        "libvirt docs/drvqemu.rst \"Overriding properties of QEMU devices\" (since 8.2.0)" },
    [DT_LV_BLOCKED_REASONS] = { DT_LV_BLOCKED_REASONS, "migration-blocked-reasons", 8, 6, 0,
        "libvirt src/qemu/qemu_migration.c qemuMigrationSrcIsAllowed(), "
        "qemuMigrationSrcIsAllowedHostdev(); commits \"qemu: introduce capability "
        "QEMU_CAPS_MIGRATION_BLOCKED_REASONS\" and \"qemu: skip hardcoded hostdev migration "
        "check if QEMU can do it for us\" (July 2022, 8.6.0; RHEL backport 8.5.0-3)" },
    [DT_LV_VARIANT_BASIC] = { DT_LV_VARIANT_BASIC, "variant-driver-prebound", 9, 7, 0,
        "libvirt NEWS.rst v9.7.0 (basic support for VFIO variant drivers)" },
    [DT_LV_VARIANT_MANAGED] = { DT_LV_VARIANT_MANAGED, "variant-driver-managed", 10, 0, 0,
        "libvirt NEWS.rst v10.0.0 (managed='yes' binds the most specific VFIO variant driver; "
        "<driver model>); src/util/virpci.c virPCIDeviceFindBestVFIOVariant()" },
    [DT_LV_VFIO_JOB_STATS] = { DT_LV_VFIO_JOB_STATS, "vfio-job-stats", 10, 6, 0,
        "libvirt include/libvirt/libvirt-domain.h VIR_DOMAIN_JOB_VFIO_DATA_TRANSFERRED (10.6.0)" },
    [DT_LV_AVAIL_SWITCHOVER] = { DT_LV_AVAIL_SWITCHOVER, "bandwidth-avail-switchover", 11, 1, 0,
        "libvirt include/libvirt/libvirt-domain.h VIR_MIGRATE_PARAM_BANDWIDTH_AVAIL_SWITCHOVER (11.1.0)" },
    [DT_LV_IOMMUFD_HOSTDEV] = { DT_LV_IOMMUFD_HOSTDEV, "iommufd-hostdev", 12, 1, 0,
        "libvirt NEWS.rst v12.1.0 (per-hostdev iommufd backend)" },
    [DT_LV_IOMMUFD_DOMAIN] = { DT_LV_IOMMUFD_DOMAIN, "iommufd-domain", 12, 2, 0,
        "libvirt NEWS.rst v12.2.0 (<iommufd enabled='yes'/>); "
        "tests/qemuxmlconfdata/iommufd-q35-fd.xml" },
};

const DtLibvirtThreshold *
dt_versions_libvirt(DtLibvirtFeature f)
{
    return f < DT_LV_N ? &libvirt_thresholds[f] : NULL;
}

gboolean
dt_versions_libvirt_has(DtLibvirtFeature f, const DtVersion *libvirt)
{
    const DtLibvirtThreshold *t = dt_versions_libvirt(f);

    if (!t)
        return FALSE;
    return dt_version_at_least(libvirt, t->major, t->minor, t->micro);
}

/* ---- kernel ------------------------------------------------------------------- */

static const DtKernelThreshold kernel_thresholds[DT_KF_N] = {
    [DT_KF_TYPE1_DIRTY] = { DT_KF_TYPE1_DIRTY, "type1-dirty-pages", { 5, 8, 0 }, { { 0 } }, FALSE,
        "drivers/vfio/vfio_iommu_type1.c vfio_iommu_type1_dirty_pages(), "
        "VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION (\"VFIO updates for v5.8-rc1\")" },
    [DT_KF_MIGRATION_V2] = { DT_KF_MIGRATION_V2, "vfio-migration-v2", { 5, 18, 0 }, { { 0 } }, FALSE,
        "include/uapi/linux/vfio.h VFIO_DEVICE_FEATURE_MIGRATION, VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE "
        "(\"VFIO updates for v5.18-rc1\"; the v1 region became VFIO_REGION_TYPE_MIGRATION_DEPRECATED)" },
    [DT_KF_DMA_LOGGING] = { DT_KF_DMA_LOGGING, "vfio-dma-logging", { 6, 1, 0 }, { { 0 } }, FALSE,
        "drivers/vfio/vfio_main.c vfio_ioctl_device_feature_logging_start() "
        "(\"VFIO updates for v6.1-rc1\")" },
    [DT_KF_PRE_COPY] = { DT_KF_PRE_COPY, "vfio-pre-copy", { 6, 2, 0 }, { { 0 } }, FALSE,
        "include/uapi/linux/vfio.h VFIO_MIGRATION_PRE_COPY, VFIO_DEVICE_FEATURE_MIG_DATA_SIZE "
        "(\"VFIO updates for v6.2-rc1\")" },
    [DT_KF_IOMMUFD] = { DT_KF_IOMMUFD, "iommufd", { 6, 2, 0 }, { { 0 } }, FALSE,
        "drivers/iommu/iommufd/main.c (\"iommufd for 6.2\")" },
    [DT_KF_VFIO_CDEV] = { DT_KF_VFIO_CDEV, "vfio-cdev", { 6, 6, 0 }, { { 0 } }, FALSE,
        "drivers/vfio/device_cdev.c vfio_device_fops_cdev_open() (\"VFIO updates for v6.6-rc1\")" },
    [DT_KF_HWPT_DIRTY] = { DT_KF_HWPT_DIRTY, "iommufd-dirty-tracking", { 6, 7, 0 }, { { 0 } }, FALSE,
        "drivers/iommu/iommufd/hw_pagetable.c IOMMU_HWPT_ALLOC_DIRTY_TRACKING, "
        "iommufd_hwpt_get_dirty_bitmap() (\"iommufd for 6.7\")" },
    [DT_KF_SMMUV3_DIRTY] = { DT_KF_SMMUV3_DIRTY, "smmuv3-dirty-tracking", { 6, 11, 0 }, { { 0 } }, FALSE,
        "drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_dbm_capable() "
        "(\"IOMMU Updates for Linux v6.11\")" },
    [DT_KF_INTEL_SMPWC_GATE] = { DT_KF_INTEL_SMPWC_GATE, "intel-smpwc-gate", { 6, 18, 0 },
        { { 6, 17, 3 }, { 6, 12, 53 }, { 0 } }, TRUE,
        "commit 57f55048e564 (drivers/iommu/intel/iommu.h ssads_supported(): second-stage "
        "dirty tracking also needs ECAP.SMPWC), 6.18; backported to the 6.17.y and 6.12.y "
        "stable series in October 2025 (stable releases inferred from the review series)" },
    [DT_KF_DEBUGFS_FEATURES] = { DT_KF_DEBUGFS_FEATURES, "vfio-debugfs-features", { 6, 18, 0 },
        { { 0 } }, FALSE, "Documentation/ABI/testing/debugfs-vfio (migration/features)" },
};

const DtKernelThreshold *
dt_versions_kernel(DtKernelFeature f)
{
    return f < DT_KF_N ? &kernel_thresholds[f] : NULL;
}

DtTri
dt_versions_kernel_has(DtKernelFeature f, const DtVersion *kernel)
{
    const DtKernelThreshold *t = dt_versions_kernel(f);

    if (!t || !kernel || !kernel->known)
        return DT_TRI_UNKNOWN;
    if (dt_version_at_least(kernel, t->since.major, t->since.minor, t->since.micro))
        return DT_TRI_YES;
    for (guint i = 0; i < G_N_ELEMENTS(t->backports) && t->backports[i].major; i++) {
        const DtRelease *b = &t->backports[i];
        if (kernel->major == b->major && kernel->minor == b->minor && kernel->micro >= b->micro)
            return DT_TRI_YES;
    }
    return DT_TRI_NO;
}

char *
dt_versions_kernel_describe(DtKernelFeature f)
{
    const DtKernelThreshold *t = dt_versions_kernel(f);
    GString *s;

    if (!t)
        return g_strdup("?");
    s = g_string_new(NULL);
    g_string_append_printf(s, "%u.%u", t->since.major, t->since.minor);
    for (guint i = 0; i < G_N_ELEMENTS(t->backports) && t->backports[i].major; i++)
        g_string_append_printf(s, "%s%u.%u.%u", i ? ", " : " (stable: ", t->backports[i].major,
                               t->backports[i].minor, t->backports[i].micro);
    if (t->backports[0].major)
        g_string_append_c(s, ')');
    return g_string_free(s, FALSE);
}
