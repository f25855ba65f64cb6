/* dt-decide.c: the decision engine.  Given plain structs (domain, host,
 * QEMU capabilities, libvirt version, driver database, policy) it predicts
 * what libvirt and QEMU of those versions will do with the domain's VFIO
 * devices: which driver gets bound, whether each device can migrate, which
 * dirty-tracking mode the container ends up in, which blockers QEMU raises,
 * and what dirtytrack recommends (the VF policy).
 *
 * Shape: the knowledge lives in two static tables, the QEMU version bands
 * (what each release changed) and the rules (each with the reference it
 * comes from); the code walks the same steps QEMU walks (realize, container,
 * log start) and cites a rule for every reason and every explain step.
 * Pure: no I/O, no clock, no environment, no globals written.  The same
 * input always gives the same output.
 */
#include "config.h"

#include <inttypes.h>

#include <string.h>

#include "decide/dt-cost.h"
#include "decide/dt-decide.h"
#include "model/dt-domain.h"
#include "model/dt-util.h"
#include "model/dt-versions.h"

/* ---- QEMU version bands: dt-versions.c -------------------------------------- */

typedef DtQemuBand DtBand;

static const DtBand *
band_by_name(const char *name)
{
    return dt_versions_qemu_band_by_name(name);
}

/* ---- the reason registry: every reason and every explain step cites one -- */

/* One row per rule: the reason code it produces (NULL: explain step only),
 * its usual severity, what the rule says, and where upstream says it.  A
 * source is always something a reader can open: a QEMU, libvirt or kernel
 * file and function, a commit, a NEWS entry, or this repository's data.
 * QEMU's own words for a rule come from qemu_words() below, by release. */
typedef enum {
    R_NO_VFIO,
    R_NOT_FOUND,
    R_BIND_MANAGED_NO,
    R_BIND_MANAGED_YES_OLD,
    R_BIND_ALIAS,
    R_BIND_MODEL,
    R_BIND_MODEL_OLD,
    R_BIND_NOT_CLAIMED,
    R_NO_IOMMU_GROUP,
    R_BIND_RESUME,
    R_PLAIN,
    R_DB,
    R_PROBED,
    R_UNKNOWN_DRIVER,
    R_PROTOCOL,
    R_XEM_DEFAULT,
    R_EM_OFF,
    R_EM_ON_NO_MIGRATION,
    R_PROP_TOO_NEW,
    R_PROP_REMOVED,
    R_OVERRIDE_OLD,
    R_IOMMUFD_XML_OLD,
    R_IOMMUFD_QEMU_OLD,
    R_IOMMUFD_90,
    R_IOMMUFD_NO_CDEV,
    R_IOMMUFD_NO_DEV,
    R_MULTI_ANY,
    R_MULTI_P2P,
    R_VIOMMU,
    R_VIOMMU_RELAXED,
    R_CACHING_MODE,
    R_NO_TRACK_AUTO_81,
    R_NO_TRACK_AUTO_91,
    R_NO_TRACK_ON,
    R_TYPE1_LIMIT,
    R_PERPETUAL_80,
    R_MODE_DEVICE,
    R_MODE_IOMMU,
    R_MODE_PERPETUAL,
    R_MIXED,
    R_IOMMU_PARTIAL,
    R_IOMMU_UNSUPPORTED,
    R_IOMMUFD_NOT_CONFIGURED,
    R_IOMMU_NEEDS_91,
    R_RANGES,
    R_RANGE_MAX,
    R_RANGE_DEVICE,
    R_RANGE_ASSUMED,
    R_DMA_REPORT,
    R_DMA_REPORT_PREDICTED,
    R_SOURCE_DMA_REPORT,
    R_POSTCOPY,
    R_POSTCOPY_OLD,
    R_PREDICTION,
    R_UNOBSERVED,
    R_BACKPORT,
    R_MDEV,
    R_FAILOVER,
    R_FAILOVER_SHARED,
    R_LIBVIRT_HOSTDEV,
    R_CONTAINER,
    R_PERPETUAL_NEVER,
    R_PERPETUAL_BUDGET,
    R_REQUIRE,
    R_DEST_LOAD,
    R_BAND_UNKNOWN,
    R_DOWNTIME_BUDGET,
    R_FP_MISMATCH,
    R_PREFLIGHT_LOG,
    R_PREFLIGHT_IOMMU,
    R_QEMU_UNTRUSTED,
    R_N
} DtRuleId;

typedef struct {
    const char *code;     /* reason code it produces (NULL: explain step only) */
    DtSeverity severity;  /* usual severity (the destination role may soften it) */
    const char *rule;     /* what the rule says, one line */
    const char *source;   /* where upstream says it */
} DtRule;

#define Q_MIG "QEMU hw/vfio/migration.c vfio_migration_realize()"
#define Q_LISTENER "QEMU hw/vfio/listener.c vfio_listener_log_global_start() (hw/vfio/common.c before 10.1)"
#define POLICY "dirtytrack policy, docs/man/dirtytrack.conf.5"

static const DtRule rules[R_N] = {
    [R_NO_VFIO] = { DT_R_NO_VFIO_DEVICES, DT_SEVERITY_INFO,
        "without VFIO devices QEMU tracks guest RAM itself",
        "QEMU hw/vfio/listener.c (VFIO dirty tracking exists per VFIO container only)" },
    [R_NOT_FOUND] = { DT_R_DEVICE_NOT_FOUND, DT_SEVERITY_WARNING,
        "a hostdev must exist on the host",
        "Linux drivers/pci/pci-sysfs.c (/sys/bus/pci/devices/<BDF>)" },
    [R_BIND_MANAGED_NO] = { DT_R_DRIVER_NOT_BINDABLE, DT_SEVERITY_ERROR,
        "managed='no': QEMU gets the driver bound now",
        "libvirt src/hypervisor/virhostdev.c virHostdevPreparePCIDevices() (managed='no' is used as bound)" },
    [R_BIND_MANAGED_YES_OLD] = { NULL, DT_SEVERITY_INFO,
        "libvirt before 10.0 binds vfio-pci for managed='yes'",
        "libvirt NEWS.rst v10.0.0 (variant drivers picked from modules.alias only since 10.0.0)" },
    [R_BIND_ALIAS] = { NULL, DT_SEVERITY_INFO,
        "libvirt 10.0+ binds the most specific modules.alias VFIO variant",
        "libvirt NEWS.rst v10.0.0; src/util/virpci.c virPCIDeviceFindBestVFIOVariant()" },
    [R_BIND_MODEL] = { NULL, DT_SEVERITY_INFO,
        "<driver model='X'/> forces the VFIO driver",
        "libvirt NEWS.rst v10.0.0 (<driver model> in <hostdev>)" },
    [R_BIND_MODEL_OLD] = { DT_R_LIBVIRT_TOO_OLD, DT_SEVERITY_WARNING,
        "libvirt before 10.0 ignores <driver model>",
        "libvirt NEWS.rst v10.0.0" },
    [R_BIND_NOT_CLAIMED] = { DT_R_DRIVER_NOT_BINDABLE, DT_SEVERITY_ERROR,
        "a driver binds only the ids in its table",
        "Linux drivers/pci/pci-driver.c pci_match_device() (driver_override still needs an id match "
        "for VFIO variant drivers' override_only table entries)" },
    [R_NO_IOMMU_GROUP] = { DT_R_DRIVER_NOT_BINDABLE, DT_SEVERITY_ERROR,
        "VFIO needs the device's IOMMU group",
        "Linux drivers/vfio/group.c vfio_group_find_or_alloc() (no iommu_group: no VFIO device)" },
    [R_BIND_RESUME] = { DT_R_DRIVER_NOT_BINDABLE, DT_SEVERITY_ERROR,
        "only the variant driver that saved a state can load it",
        "Linux drivers/vfio/pci/*/main.c *_set_device_state() (RESUMING parses the driver's own stream)" },
    [R_PLAIN] = { DT_R_NO_MIGRATION_DRIVER, DT_SEVERITY_ERROR,
        "plain vfio-pci has no migration ops",
        "Linux drivers/vfio/pci/vfio_pci.c (no mig_ops: VFIO_DEVICE_FEATURE_MIGRATION returns ENOTTY); "
        Q_MIG " (\"VFIO migration is not supported in kernel\")" },
    [R_DB] = { NULL, DT_SEVERITY_INFO,
        "what a variant driver offers, by kernel release",
        "data/variant-drivers.xml (each driver's upstream source is in its entry)" },
    [R_PROBED] = { NULL, DT_SEVERITY_INFO,
        "what the kernel answered for the device",
        "Linux drivers/vfio/vfio_main.c vfio_ioctl_device_feature() (VFIO_DEVICE_FEATURE_PROBE)" },
    [R_UNKNOWN_DRIVER] = { DT_R_NO_MIGRATION_DRIVER, DT_SEVERITY_ERROR,
        "a driver the database does not know is assumed to have no migration ops",
        "data/variant-drivers.xml" },
    [R_PROTOCOL] = { DT_R_QEMU_PROTOCOL_MISMATCH, DT_SEVERITY_ERROR,
        "QEMU 7.2 and older speak only migration protocol v1, which kernels since 5.18 do not offer",
        "QEMU v7.2.0 hw/vfio/migration.c vfio_migration_probe(); Linux commit \"vfio: Remove migration "
        "protocol v1\" (5.18, VFIO_REGION_TYPE_MIGRATION_DEPRECATED)" },
    [R_XEM_DEFAULT] = { DT_R_MIGRATION_DISABLED, DT_SEVERITY_ERROR,
        "before 8.1 VFIO migration needs x-enable-migration=on (default off)",
        "QEMU v8.0.0 hw/vfio/pci.c vfio_pci_dev_properties (x-enable-migration, default false)" },
    [R_EM_OFF] = { DT_R_MIGRATION_DISABLED, DT_SEVERITY_ERROR,
        "enable-migration=off blocks migration",
        Q_MIG " (\"Migration is disabled for VFIO device\")" },
    [R_EM_ON_NO_MIGRATION] = { DT_R_NO_MIGRATION_DRIVER, DT_SEVERITY_ERROR,
        "enable-migration=on turns a missing migration driver into a realize error",
        "QEMU hw/vfio/migration.c vfio_block_migration() (enable-migration=on propagates the error)" },
    [R_PROP_TOO_NEW] = { DT_R_QEMU_TOO_OLD, DT_SEVERITY_ERROR,
        "QEMU refuses a vfio-pci property it does not have",
        "QEMU hw/vfio/pci.c vfio_pci_dev_properties (see plugin/model/dt-versions.c for each property's release)" },
    [R_PROP_REMOVED] = { DT_R_QEMU_PROPERTY_UNKNOWN, DT_SEVERITY_ERROR,
        "x-enable-migration left QEMU in 8.1",
        "QEMU commit 8bbcb64a71d8 (enable-migration replaces x-enable-migration)" },
    [R_OVERRIDE_OLD] = { DT_R_LIBVIRT_TOO_OLD, DT_SEVERITY_WARNING,
        "libvirt before 8.2 ignores <qemu:override>",
        "libvirt docs/drvqemu.rst \"Overriding properties of QEMU devices\" (since 8.2.0)" },
    [R_IOMMUFD_XML_OLD] = { DT_R_LIBVIRT_TOO_OLD, DT_SEVERITY_WARNING,
        "iommufd XML needs libvirt 12.1 (hostdev) or 12.2 (domain)",
        "libvirt NEWS.rst v12.1.0 and v12.2.0" },
    [R_IOMMUFD_QEMU_OLD] = { DT_R_QEMU_TOO_OLD, DT_SEVERITY_ERROR,
        "QEMU before 9.0 has no iommufd object",
        "QEMU v9.0.0 backends/iommufd.c (TYPE_IOMMUFD_BACKEND); QEMU 7.2.22 refuses -object iommufd" },
    [R_IOMMUFD_90] = { DT_R_QEMU_TOO_OLD, DT_SEVERITY_WARNING,
        "QEMU 9.0 has iommufd without dirty tracking",
        "QEMU v9.0.0 docs/devel/vfio-iommufd.rst (\"Dirty page sync with iommufd backend is unsupported yet\")" },
    [R_IOMMUFD_NO_CDEV] = { DT_R_IOMMUFD_UNAVAILABLE, DT_SEVERITY_ERROR,
        "an iommufd device needs its VFIO cdev; without it the device does not realize",
        "QEMU hw/vfio/iommufd.c iommufd_cdev_attach(), hw/vfio/helpers.c vfio_cdev_get_fd() / "
        "iommufd_cdev_getfd(); Linux drivers/vfio/device_cdev.c (CONFIG_VFIO_DEVICE_CDEV)" },
    [R_IOMMUFD_NO_DEV] = { DT_R_IOMMUFD_UNAVAILABLE, DT_SEVERITY_ERROR,
        "an iommufd object needs /dev/iommu",
        "QEMU backends/iommufd.c iommufd_backend_connect(); Linux drivers/iommu/iommufd/main.c (CONFIG_IOMMUFD)" },
    [R_MULTI_ANY] = { DT_R_MULTI_DEVICE_NO_P2P, DT_SEVERITY_ERROR,
        "QEMU 8.0 and 8.1 migrate at most one VFIO device",
        "QEMU v8.0.0 hw/vfio/common.c vfio_block_multiple_devices_migration()" },
    [R_MULTI_P2P] = { DT_R_MULTI_DEVICE_NO_P2P, DT_SEVERITY_ERROR,
        "several migrating VFIO devices need VFIO_MIGRATION_P2P, all of them",
        "QEMU pull-vfio-20230911 hw/vfio/common.c vfio_multiple_devices_migration_is_supported() (8.2)" },
    [R_VIOMMU] = { DT_R_VIOMMU, DT_SEVERITY_ERROR,
        "a device behind a vIOMMU blocks migration",
        Q_MIG " vfio_viommu_preset(); QEMU v8.0.0 hw/vfio/common.c vfio_block_giommu_migration()" },
    [R_VIOMMU_RELAXED] = { NULL, DT_SEVERITY_INFO,
        "since 11.0 only devices that use DMA logging are blocked behind a vIOMMU",
        "QEMU commit 0e3c1e2b2b24 (pull-vfio-20260113): " Q_MIG ", hw/vfio/device.c "
        "vfio_device_dirty_pages_disabled()" },
    [R_CACHING_MODE] = { DT_R_VIOMMU, DT_SEVERITY_ERROR,
        "intel-iommu without caching-mode refuses VFIO devices",
        "QEMU hw/i386/intel_iommu.c vtd_iommu_notify_flag_changed() (\"We need to set caching-mode=on\")" },
    [R_NO_TRACK_AUTO_81] = { DT_R_NO_DIRTY_TRACKING, DT_SEVERITY_ERROR,
        "8.1-9.0, enable-migration=auto: a device without DMA logging is blocked",
        "QEMU commit 8bbcb64a71d8: " Q_MIG " (\"VFIO device doesn't support device dirty tracking\")" },
    [R_NO_TRACK_AUTO_91] = { DT_R_NO_DIRTY_TRACKING, DT_SEVERITY_ERROR,
        "9.1+, enable-migration=auto: a device with neither DMA logging nor IOMMU dirty tracking "
        "is blocked (type1's bitmap does not count)",
        Q_MIG " (\"VFIO device doesn't support device and IOMMU dirty tracking\", 9.1)" },
    [R_NO_TRACK_ON] = { DT_R_NO_DIRTY_TRACKING, DT_SEVERITY_WARNING,
        "enable-migration=on without tracking: QEMU warns and migrates with every page dirty",
        Q_MIG " (warn_report); hw/vfio/container.c vfio_container_query_dirty_bitmap() "
        "(physical_memory_set_dirty_range over the section)" },
    [R_TYPE1_LIMIT] = { DT_R_TYPE1_RAM_LIMIT, DT_SEVERITY_ERROR,
        "11.0+: without device and IOMMU tracking, a type1 container refuses RAM above its "
        "dirty-bitmap limit (256 MiB x 8 x 4 KiB = 8 TiB)",
        "QEMU commit 46c763311419: hw/vfio/migration.c vfio_dirty_tracking_exceed_limit(); Linux "
        "drivers/vfio/vfio_iommu_type1.c DIRTY_BITMAP_SIZE_MAX" },
    [R_PERPETUAL_80] = { DT_R_NO_DIRTY_TRACKING, DT_SEVERITY_WARNING,
        "8.0 migrates without dirty tracking by marking RAM dirty itself",
        "QEMU v8.0.0 commit \"vfio/migration: Allow migration without VFIO IOMMU dirty tracking support\"" },
    [R_MODE_DEVICE] = { NULL, DT_SEVERITY_INFO,
        "device DMA logging when every device of the container logs and none disables it",
        Q_LISTENER ", vfio_container_devices_dirty_tracking_is_supported()" },
    [R_MODE_IOMMU] = { NULL, DT_SEVERITY_INFO,
        "iommufd HWPT dirty tracking when the container has it",
        "QEMU hw/vfio/iommufd.c iommufd_cdev_autodomains_get() (IOMMU_HWPT_ALLOC_DIRTY_TRACKING), "
        "iommufd_set_dirty_page_tracking()" },
    [R_MODE_PERPETUAL] = { DT_R_NO_DIRTY_TRACKING, DT_SEVERITY_WARNING,
        "no tracking: every DMA-mapped page is dirty on every round",
        "QEMU hw/vfio/container.c vfio_container_query_dirty_bitmap(); docs/devel/migration/vfio.rst "
        "(\"all pages are perpetually marked dirty\"); Linux drivers/vfio/vfio_iommu_type1.c "
        "vfio_iova_dirty_bitmap() (type1 reports every pinned page)" },
    [R_MIXED] = { DT_R_MIXED_TRACKING, DT_SEVERITY_WARNING,
        "one device without DMA logging turns device tracking off for its container",
        Q_LISTENER },
    [R_IOMMU_PARTIAL] = { DT_R_IOMMU_DIRTY_UNSUPPORTED, DT_SEVERITY_ERROR,
        "a device whose HWPT has no dirty tracking is not seen by the container's IOMMU tracking",
        "QEMU hw/vfio/iommufd.c iommufd_cdev_autodomains_get() (\"IOMMU instance for device %s "
        "doesn't support dirty tracking\")" },
    [R_IOMMU_UNSUPPORTED] = { DT_R_IOMMU_DIRTY_UNSUPPORTED, DT_SEVERITY_WARNING,
        "IOMMU dirty tracking needs the kernel, /dev/iommu, a vfio cdev and IOMMU dirty bits",
        "Linux drivers/iommu/iommufd/hw_pagetable.c iommufd_hwpt_alloc() (IOMMU_HWPT_ALLOC_DIRTY_TRACKING, "
        "6.7); drivers/iommu/intel/iommu.c intel_iommu_capable(IOMMU_CAP_DIRTY_TRACKING); "
        "drivers/iommu/amd/iommu.c amd_iommu_hd_support()" },
    [R_IOMMUFD_NOT_CONFIGURED] = { DT_R_IOMMUFD_NOT_CONFIGURED, DT_SEVERITY_WARNING,
        "the legacy container has no IOMMU dirty tracking that counts; iommufd would",
        "QEMU docs/devel/vfio-iommufd.rst (vfio-pci iommufd=); libvirt NEWS.rst v12.1.0, v12.2.0" },
    [R_IOMMU_NEEDS_91] = { DT_R_QEMU_TOO_OLD, DT_SEVERITY_INFO,
        "iommufd HWPT dirty tracking needs QEMU 9.1",
        "QEMU hw/vfio/iommufd.c iommufd_cdev_autodomains_get() (9.1)" },
    [R_RANGES] = { NULL, DT_SEVERITY_INFO,
        "the IOVA ranges QEMU hands to DMA logging",
        "QEMU hw/vfio/listener.c vfio_dirty_tracking_update() (hw/vfio/common.c before 10.1); "
        "hw/i386/pc_q35.c pc_q35_init(), hw/i386/pc_piix.c pc_init1(), hw/i386/pc.c pc_pci_hole64_start()" },
    [R_RANGE_MAX] = { DT_R_DMA_LOGGING_RANGE, DT_SEVERITY_ERROR,
        "the kernel accepts at most PAGE_SIZE/16 DMA-logging ranges",
        "Linux drivers/vfio/vfio_main.c vfio_ioctl_device_feature_logging_start() (LOG_MAX_RANGES, E2BIG)" },
    [R_RANGE_DEVICE] = { DT_R_DMA_LOGGING_RANGE, DT_SEVERITY_ERROR,
        "mlx5 refuses DMA logging over more than the firmware's address space",
        "Linux drivers/vfio/pci/mlx5/cmd.c mlx5vf_start_page_tracker() (pg_track_log_max_addr_space, "
        "EOPNOTSUPP after vfio_combine_iova_ranges())" },
    [R_RANGE_ASSUMED] = { DT_R_FACT_NOT_OBSERVED, DT_SEVERITY_WARNING,
        "the mlx5 limit is a firmware capability; 2^42 is only a common value",
        "Linux drivers/vfio/pci/mlx5/cmd.c mlx5vf_start_page_tracker() (MLX5_CAP_ADV_VIRTUALIZATION "
        "pg_track_log_max_addr_space)" },
    [R_DMA_REPORT] = { DT_R_DMA_LOGGING_REPORT, DT_SEVERITY_ERROR,
        "DMA-logging reports need the kernel's iova_bitmap (CONFIG_IOMMUFD_DRIVER); without it "
        "REPORT fails with EOPNOTSUPP and migration setup fails",
        "Linux include/linux/iova_bitmap.h (stubs return -EOPNOTSUPP without CONFIG_IOMMUFD_DRIVER), "
        "drivers/vfio/vfio_main.c vfio_ioctl_device_feature_logging_report(); QEMU hw/vfio/listener.c "
        "vfio_devices_query_dirty_bitmap()" },
    [R_DMA_REPORT_PREDICTED] = { DT_R_FACT_NOT_OBSERVED, DT_SEVERITY_WARNING,
        "a kernel without /dev/iommu may lack IOMMUFD_DRIVER, unless the driver selects it",
        "Linux drivers/iommu/iommufd/Kconfig (IOMMUFD_DRIVER), drivers/vfio/pci/mlx5/Kconfig and "
        "drivers/vfio/pci/pds/Kconfig (select IOMMUFD_DRIVER)" },
    [R_SOURCE_DMA_REPORT] = { DT_R_DMA_LOGGING_REPORT, DT_SEVERITY_ERROR,
        "the source host's dry run at the VM's start saw DMA-logging reports fail: QEMU there "
        "starts the migration and fails at setup, after the destination started its QEMU",
        "Linux drivers/vfio/vfio_main.c vfio_ioctl_device_feature_logging_report(); QEMU "
        "hw/vfio/listener.c vfio_devices_query_dirty_bitmap(), migration/ram.c ram_save_setup()" },
    [R_POSTCOPY] = { DT_R_POSTCOPY_UNSUPPORTED, DT_SEVERITY_INFO,
        "QEMU 8.2+ refuses post-copy with VFIO devices",
        "QEMU hw/vfio/migration.c vfio_save_prepare() (8.2)" },
    [R_POSTCOPY_OLD] = { DT_R_POSTCOPY_UNSUPPORTED, DT_SEVERITY_INFO,
        "VFIO devices cannot be migrated in post-copy",
        "QEMU docs/devel/migration/vfio.rst (no post-copy support)" },
    [R_PREDICTION] = { DT_R_PREDICTION, DT_SEVERITY_INFO,
        "facts from the database or a prediction, not from the kernel",
        "data/variant-drivers.xml; docs/probing.md" },
    [R_UNOBSERVED] = { DT_R_FACT_NOT_OBSERVED, DT_SEVERITY_WARNING,
        "what decides the answer was not observed and cannot be predicted: probe it",
        "Linux drivers/vfio/vfio_main.c vfio_ioctl_device_feature() (the device's own answer decides); "
        "docs/probing.md" },
    [R_BACKPORT] = { DT_R_FACT_NOT_OBSERVED, DT_SEVERITY_WARNING,
        "a variant driver bound on a kernel older than its upstream release is a backport",
        "Linux drivers/vfio/pci/*/main.c (the driver's presence in sysfs proves it exists on this kernel)" },
    [R_MDEV] = { DT_R_FACT_NOT_OBSERVED, DT_SEVERITY_WARNING,
        "an mdev's migration support is its vendor driver's: probe it",
        "Linux drivers/vfio/mdev/mdev_core.c; samples/vfio-mdev/mtty.c (migration v2 and DMA logging ops)" },
    [R_FAILOVER] = { DT_R_FAILOVER_UNPLUGGED, DT_SEVERITY_INFO,
        "a failover VF gets no migration checks and is unplugged when migration starts",
        "QEMU hw/vfio/pci.c vfio_realize() (migration set up only without failover_pair_id), "
        "hw/net/virtio-net.c failover_unplug_primary(); libvirt src/qemu/qemu_migration.c "
        "qemuMigrationSrcIsAllowedHostdev() (teaming type='transient' allowed)" },
    [R_FAILOVER_SHARED] = { DT_R_FACT_NOT_OBSERVED, DT_SEVERITY_WARNING,
        "a failover VF sharing a container with a DMA-logging device: timing decides",
        "QEMU hw/net/virtio-net.c failover_unplug_primary() vs " Q_LISTENER },
    [R_LIBVIRT_HOSTDEV] = { DT_R_LIBVIRT_TOO_OLD, DT_SEVERITY_ERROR,
        "libvirt before 8.6 refuses every PCI and mdev hostdev without asking QEMU",
        "libvirt src/qemu/qemu_migration.c qemuMigrationSrcIsAllowedHostdev(); July 2022 commits "
        "\"qemu: skip hardcoded hostdev migration check if QEMU can do it for us\" (8.6.0)" },
    [R_CONTAINER] = { NULL, DT_SEVERITY_INFO,
        "QEMU puts devices into containers by backend and address space",
        "QEMU hw/vfio/container-legacy.c vfio_legacy_attach_device() (one type1 container per address "
        "space), hw/vfio/iommufd.c iommufd_cdev_attach() (per iommufd object), hw/vfio/common.c "
        "vfio_address_space_get() (per address space)" },
    [R_PERPETUAL_NEVER] = { DT_R_PERPETUAL_FORBIDDEN, DT_SEVERITY_ERROR,
        "policy perpetual='never'", POLICY },
    [R_PERPETUAL_BUDGET] = { DT_R_PERPETUAL_FORBIDDEN, DT_SEVERITY_ERROR,
        "perpetual downtime (R + S) / B over the budget", POLICY "; docs/cost-model.md" },
    [R_REQUIRE] = { DT_R_REQUIRE_MIGRATABLE, DT_SEVERITY_ERROR,
        "policy require-migratable", POLICY },
    [R_DEST_LOAD] = { DT_R_QEMU_PROTOCOL_MISMATCH, DT_SEVERITY_ERROR,
        "QEMU 7.2 and older cannot load a v2 VFIO stream",
        "QEMU v7.2.0 hw/vfio/migration.c (v1 load only)" },
    [R_DOWNTIME_BUDGET] = { DT_R_PREDICTED_DOWNTIME, DT_SEVERITY_ERROR,
        "QEMU switches over when the residual fits bandwidth x downtime-limit",
        "QEMU migration/migration.c migration_iteration_run(); docs/cost-model.md" },
    [R_BAND_UNKNOWN] = { DT_R_PREDICTION, DT_SEVERITY_WARNING,
        "an unknown QEMU version is judged by the oldest band its properties allow",
        "plugin/model/dt-versions.c (QEMU bands)" },
    [R_PREFLIGHT_LOG] = { DT_R_PREFLIGHT_FAILED, DT_SEVERITY_ERROR,
        "a device that refused a DMA-logging dry run refuses it when migration starts",
        "Linux drivers/vfio/vfio_main.c vfio_ioctl_device_feature_logging_start() "
        "(VFIO_DEVICE_FEATURE_DMA_LOGGING_START, the call QEMU's hw/vfio "
        "vfio_devices_dma_logging_start() makes when migration starts)" },
    [R_PREFLIGHT_IOMMU] = { DT_R_PREFLIGHT_FAILED, DT_SEVERITY_ERROR,
        "a device whose HWPT refused dirty tracking in a dry run refuses it when migration starts",
        "Linux drivers/iommu/iommufd/hw_pagetable.c iommufd_hwpt_alloc() "
        "(IOMMU_HWPT_ALLOC_DIRTY_TRACKING), iommufd_hwpt_set_dirty_tracking(); QEMU "
        "backends/iommufd.c iommufd_backend_set_dirty_tracking()" },
    [R_QEMU_UNTRUSTED] = { DT_R_QEMU_UNTRUSTED, DT_SEVERITY_WARNING,
        "root probes only QEMU binaries it trusts; the domain's own emulator was not run",
        "docs/security.md (what runs as root)" },
    [R_FP_MISMATCH] = { DT_R_FINGERPRINT_MISMATCH, DT_SEVERITY_ERROR,
        "a device's state loads only into the same device type and driver",
        "Linux drivers/vfio/pci/*/main.c (RESUMING parses the driver's own stream); docs/live-tuning.md" },
};

/* Known device limits on the DMA-logging address space, by driver. */
typedef struct {
    const char *driver;
    guint log2_max_addr_space;
    const char *source;
} DtLogLimit;

/* What a driver's firmware usually reports when the device was not asked
 * (DtPciDev.log_max_addr_space = 0): a labelled assumption, never a deny. */
static const DtLogLimit log_limits[] = {
    { "mlx5_vfio_pci", 42,
      "Linux drivers/vfio/pci/mlx5/cmd.c mlx5vf_start_page_tracker() (firmware "
      "pg_track_log_max_addr_space; 2^42 is a common value, QEMU commit 9ef497755afc)" },
};

/* ---- the decision under construction ----------------------------------- */

typedef enum {
    KIND_NOTE,      /* says something; changes nothing by itself */
    KIND_LEAVE,     /* QEMU blocks the migration away from this host */
    KIND_START,     /* QEMU or libvirt cannot even start the device */
    KIND_ARRIVE,    /* the destination cannot take the incoming stream */
    KIND_POLICY,    /* the policy refuses what QEMU would allow */
    KIND_SETUP,     /* migration starts and fails at setup (QEMU raises no blocker) */
} DtKind;

typedef enum { OOA_UNSET = -1, OOA_AUTO, OOA_ON, OOA_OFF } DtOnOffAuto;

typedef struct {
    const DtHostdev *h;
    const DtPciDev *pci;        /* NULL: mdev, or not on this host */
    const DtMdevDev *mdev;      /* probed mdev facts, NULL if none */
    DtDeviceFinding *f;         /* owned by the decision */
    const DtVdbEntry *entry;
    gboolean missing;
    gboolean failover;          /* unplugged at migration: takes no part */
    gboolean iommufd;           /* effective iommufd backend */
    DtOnOffAuto em;             /* enable-migration (8.1+) */
    int xem;                    /* x-enable-migration: -1 unset, 0, 1 */
    DtOnOffAuto dev_dirty;      /* x-device-dirty-page-tracking */
    gboolean capable;           /* the driver offers v2 migration (STOP_COPY) */
    gboolean uncertain;         /* whether it can migrate or log was not observed */
    gboolean migrates;          /* QEMU will set up migration for it */
    gboolean logs;              /* DMA logging usable */
    gboolean iommu_possible;    /* host could give it IOMMU dirty tracking */
    gboolean iommu_dirty;       /* it gets IOMMU dirty tracking as configured */
    gboolean tracked;           /* device or IOMMU tracking under this QEMU */
    gboolean blocked;           /* QEMU raised its (single) blocker for it */
    const char *variant;        /* a migration-capable driver it could have (database) */
    char *why_no_iommu;         /* untranslated short note */
    int cont;                   /* index into dec->containers, -1 for none */
} DevCtx;

typedef struct {
    const DtDecideInput *in;
    const DtBand *band;
    DtDecision *dec;
    DevCtx *devs;
    guint n_devs;
    gboolean overrides_effective;  /* libvirt >= 8.2 reads <qemu:override> */
    gboolean leave_blocked;        /* QEMU would not migrate away */
    gboolean fails_at_setup;       /* QEMU starts the migration with its mode, which then fails */
    gboolean caching_mode_refused; /* intel-iommu without caching-mode was reported */
    gboolean *cont_unknown;        /* per container: a deciding fact was not observed */
    gboolean *cont_blocked;        /* per container: a device in it is blocked */
} Ctx;

static void
add_step_src(Ctx *c, DtSource source, const char *rule, char *fact, char *consequence)
{
    DtStep *s = g_new0(DtStep, 1);
    s->fact = fact;
    s->source = source;
    s->rule = g_strdup(rule);
    s->consequence = consequence;
    g_ptr_array_add(c->dec->steps, s);
}

static void
add_step(Ctx *c, DtSource source, DtRuleId rule, char *fact, char *consequence)
{
    add_step_src(c, source, rules[rule].source, fact, consequence);
}

static DevCtx *
dev_by_addr(const Ctx *c, const char *addr)
{
    for (guint i = 0; addr && i < c->n_devs; i++)
        if (g_strcmp0(c->devs[i].f->address, addr) == 0)
            return &c->devs[i];
    return NULL;
}

/* The sysfs directory QEMU is given for a device (libvirt passes host= for
 * PCI and sysfsdev= for an mdev). */
static char *
qemu_sysfsdev(const DevCtx *d)
{
    if (d->h->type == DT_HOSTDEV_MDEV)
        return g_strdup_printf("/sys/bus/mdev/devices/%s", d->f->qemu_name);
    return g_strdup_printf("/sys/bus/pci/devices/%s", d->f->qemu_name);
}

/* What QEMU of this release prints for the rule, with the device named as
 * QEMU names it (vbasedev->name: the PCI address or the mdev uuid).  A
 * blocker that enable-migration=on turns into a realize error gets the
 * "vfio NAME: " prefix vfio_realize() prepends.  NULL where the release's
 * text is not known from its source. */
static char *
qemu_words(const Ctx *c, DtRuleId rule, const DevCtx *d, DtKind kind, const char **phase)
{
    const DtBand *b = c->band;
    const char *name = d ? d->f->qemu_name : NULL;
    gboolean realize = kind == KIND_START;
    g_autofree char *text = NULL;

    *phase = realize ? "realize" : "blocker";
    switch (rule) {
    case R_PROTOCOL:
    case R_XEM_DEFAULT:
        /* 7.2 vfio_migration_probe(): one text, no device name */
        if (!b->v2)
            return g_strdup("VFIO device doesn't support migration");
        return NULL;
    case R_PLAIN:
    case R_UNKNOWN_DRIVER:
    case R_EM_ON_NO_MIGRATION:
        if (!b->v2)
            return g_strdup("VFIO device doesn't support migration");
        if (!b->enable_migration || !name)
            return NULL;
        text = g_strdup_printf("%s: VFIO migration is not supported in kernel", name);
        break;
    case R_EM_OFF:
        if (!b->enable_migration || !name)
            return NULL;
        text = g_strdup_printf("%s: Migration is disabled for VFIO device", name);
        break;
    case R_NO_TRACK_AUTO_81:
        text = name ? g_strdup_printf("%s: VFIO device doesn't support device dirty tracking", name) : NULL;
        break;
    case R_NO_TRACK_AUTO_91:
        text = name ? g_strdup_printf("%s: VFIO device doesn't support device and IOMMU dirty "
                                      "tracking", name) : NULL;
        break;
    case R_NO_TRACK_ON:
        if (!name || !b->enable_migration)
            return NULL;
        *phase = "warning";
        return b->iommufd_dirty
               ? g_strdup_printf("%s: VFIO device doesn't support device and IOMMU dirty tracking", name)
               : g_strdup_printf("%s: VFIO device doesn't support device dirty tracking", name);
    case R_TYPE1_LIMIT:
        text = name ? g_strdup_printf("%s: Migration is currently not supported with large memory "
                                      "VM due to dirty tracking limitation in backend", name) : NULL;
        break;
    case R_MULTI_ANY:
        text = g_strdup("Migration is currently not supported with multiple VFIO devices");
        break;
    case R_MULTI_P2P:
        text = g_strdup("Multiple VFIO devices migration is supported only if all of them support "
                        "P2P migration");
        break;
    case R_VIOMMU:
        if (!b->viommu_per_device || !name)
            text = g_strdup("Migration is currently not supported with vIOMMU enabled");
        else
            text = g_strdup_printf("%s: Migration is currently not supported with vIOMMU enabled", name);
        break;
    case R_CACHING_MODE:
        *phase = "realize";
        return g_strdup("We need to set caching-mode=on for intel-iommu to enable device "
                        "assignment with IOMMU protection.");
    case R_IOMMUFD_NO_CDEV: {
        g_autofree char *dir = d ? qemu_sysfsdev(d) : NULL;
        const char *cdev = d && d->pci && d->pci->vfio_cdev ? d->pci->vfio_cdev :
                           d && d->mdev && d->mdev->vfio_cdev ? d->mdev->vfio_cdev : "vfio0";
        *phase = "realize";
        return dir ? g_strdup_printf("vfio %s/vfio-dev: failed to load \"%s/vfio-dev/%s/dev\"",
                                     dir, dir, cdev) : NULL;
    }
    case R_IOMMUFD_NO_DEV:
        *phase = "realize";
        return g_strdup("Could not open '/dev/iommu': No such file or directory");
    case R_IOMMUFD_QEMU_OLD:
        /* only a -object iommufd QEMU parses itself; libvirt XML never
         * reaches an old QEMU */
        if (!c->in->domain->cmdline_iommufd_id)
            return NULL;
        *phase = "cmdline";
        return g_strdup("Parameter 'qom-type' does not accept value 'iommufd'");
    case R_DMA_REPORT:
    case R_SOURCE_DMA_REPORT:
        *phase = "migrate";
        return name ? g_strdup_printf("%s: Failed to get DMA logging report", name) : NULL;
    case R_RANGE_DEVICE:
        *phase = "migrate";
        return name ? g_strdup_printf("vfio: Could not start dirty page tracking - %s: Failed to "
                                      "start DMA logging", name) : NULL;
    case R_POSTCOPY:
        *phase = "migrate";
        return name ? g_strdup_printf("%s: VFIO migration is not supported with postcopy "
                                      "migration", name) : NULL;
    default:
        return NULL;
    }
    if (!text)
        return NULL;
    if (realize && name)
        return g_strdup_printf("vfio %s: %s", name, text);
    return g_steal_pointer(&text);
}

static DtReason *add_reason(Ctx *c, DtRuleId rule, DtSeverity sev, DtKind kind,
                            const char *device, const char *fmt, ...) G_GNUC_PRINTF(6, 7);

static DtReason *
add_reason(Ctx *c, DtRuleId rule, DtSeverity sev, DtKind kind,
           const char *device, const char *fmt, ...)
{
    va_list ap;
    DtReason *r;
    DevCtx *d = dev_by_addr(c, device);
    const char *phase = NULL;

    if (sev == DT_SEVERITY_ERROR && (kind == KIND_LEAVE || kind == KIND_START))
        c->leave_blocked = TRUE;
    /* a migration that fails at setup has started: QEMU chose its tracking
     * mode and started it (the truth lane's QEMU 10.0.2 traced
     * vfio_device_dirty_tracking_start before the report failed), so the
     * mode stays what QEMU uses and the verdict is the reason's */
    if (sev == DT_SEVERITY_ERROR && kind == KIND_SETUP)
        c->fails_at_setup = TRUE;
    if (d && sev == DT_SEVERITY_ERROR && (kind == KIND_LEAVE || kind == KIND_START)) {
        d->blocked = TRUE;
        if (d->cont >= 0 && c->cont_blocked)
            c->cont_blocked[d->cont] = TRUE;
    }
    /* On a destination, what would keep the VM from leaving again is a
     * warning; the policy's require-migratable turns it back into a refusal. */
    if (c->in->role == DT_ROLE_DESTINATION && (kind == KIND_LEAVE || kind == KIND_SETUP) &&
        sev == DT_SEVERITY_ERROR && !c->in->policy.require_migratable)
        sev = DT_SEVERITY_WARNING;

    r = g_new0(DtReason, 1);
    r->code = g_strdup(rules[rule].code);
    r->severity = sev;
    r->device = g_strdup(device);
    va_start(ap, fmt);
    r->message = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    r->rule = g_strdup(rules[rule].source);
    r->qemu_message = qemu_words(c, rule, d, kind, &phase);
    if (r->qemu_message)
        r->qemu_phase = g_strdup(phase);
    if (d && d->cont >= 0 && (guint)d->cont < c->dec->containers->len)
        r->container = g_strdup(((DtContainer *)g_ptr_array_index(c->dec->containers, d->cont))->id);
    g_ptr_array_add(c->dec->reasons, r);
    return r;
}

/* A fact that decides the answer was not observed: the container's mode is
 * unknown, and the reason says what to probe. */
static void
mark_unknown(Ctx *c, const DevCtx *d)
{
    if (d && d->cont >= 0 && c->cont_unknown)
        c->cont_unknown[d->cont] = TRUE;
}

static gboolean
has_reason(const DtDecision *d, const char *code, const char *device)
{
    for (guint i = 0; i < d->reasons->len; i++) {
        const DtReason *r = g_ptr_array_index(d->reasons, i);
        if (g_strcmp0(r->code, code) == 0 && (!device || g_strcmp0(r->device, device) == 0))
            return TRUE;
    }
    return FALSE;
}

guint
dt_decide_n_rules(void)
{
    return R_N;
}

gboolean
dt_decide_rule_at(guint i, DtReasonInfo *out)
{
    if (i >= R_N || !out)
        return FALSE;
    out->code = rules[i].code;
    out->severity = rules[i].severity;
    out->rule = rules[i].rule;
    out->source = rules[i].source;
    return TRUE;
}

gboolean
dt_decide_rule_for_code(const char *code, DtReasonInfo *out)
{
    for (guint i = 0; code && i < R_N; i++)
        if (g_strcmp0(rules[i].code, code) == 0)
            return dt_decide_rule_at(i, out);
    return FALSE;
}

/* ---- small helpers ------------------------------------------------------ */

static gboolean
driver_is_plain(const char *drv)
{
    return g_strcmp0(drv, "vfio-pci") == 0 || g_strcmp0(drv, "vfio_pci") == 0;
}

static gboolean
driver_is_vfio(const DtVdb *vdb, const char *drv)
{
    if (!drv)
        return FALSE;
    if (driver_is_plain(drv) || strstr(drv, "vfio") != NULL)
        return TRUE;
    return vdb && dt_vdb_find_driver(vdb, drv) != NULL;
}

static gboolean
entry_claims(const DtVdbEntry *e, guint16 vendor, guint16 device)
{
    if (!e->ids)
        return FALSE;
    for (guint i = 0; i < e->ids->len; i++) {
        const DtVdbId *id = &g_array_index(e->ids, DtVdbId, i);
        if (id->vendor == vendor && (id->device == 0xffff || id->device == device))
            return TRUE;
    }
    return FALSE;
}

static DtOnOffAuto
parse_on_off_auto(const char *v)
{
    if (!v)
        return OOA_UNSET;
    if (g_ascii_strcasecmp(v, "on") == 0 || g_ascii_strcasecmp(v, "true") == 0 ||
        g_ascii_strcasecmp(v, "yes") == 0)
        return OOA_ON;
    if (g_ascii_strcasecmp(v, "off") == 0 || g_ascii_strcasecmp(v, "false") == 0 ||
        g_ascii_strcasecmp(v, "no") == 0)
        return OOA_OFF;
    if (g_ascii_strcasecmp(v, "auto") == 0)
        return OOA_AUTO;
    return OOA_UNSET;
}

/* The value a vfio-pci property gets for this hostdev: a device property
 * (<qemu:override>, read by libvirt >= 8.2 only) beats -global. */
static const char *
prop_value(const Ctx *c, const DtHostdev *h, const char *name, gboolean *is_set)
{
    const char *val = NULL;
    gboolean set = FALSE;

    if (c->overrides_effective && h->overrides) {
        for (guint i = 0; i < h->overrides->len; i++) {
            const DtProp *p = g_ptr_array_index(h->overrides, i);
            if (g_strcmp0(p->name, name) != 0)
                continue;
            if (g_strcmp0(p->type, "remove") == 0)
                break;   /* libvirt drops its own value; a -global still applies */
            if (is_set)
                *is_set = TRUE;
            return p->value;
        }
    }
    for (guint i = 0; c->in->domain->cmdline_globals && i < c->in->domain->cmdline_globals->len; i++) {
        const DtProp *p = g_ptr_array_index(c->in->domain->cmdline_globals, i);
        if (g_strcmp0(p->name, name) == 0) {
            val = p->value;
            set = TRUE;
        }
    }
    if (is_set)
        *is_set = set;
    return val;
}

static gboolean
prop_asked(const Ctx *c, const DtHostdev *h, const char *name)
{
    gboolean set = FALSE;
    prop_value(c, h, name, &set);
    return set;
}

/* Does this QEMU have the vfio-pci property?  The band says so, and when
 * the binary's property list was read it must agree (plugin/probe/dt-qemu.c reads
 * `-device vfio-pci,help`). */
static gboolean
qemu_has_prop(const Ctx *c, const char *name)
{
    const DtQemuCaps *q = c->in->qemu;
    gboolean band_has = dt_versions_band_has_prop(c->band, name);
    gboolean caps_has;

    if (!q->props_known)
        return band_has;
    if (strcmp(name, "x-enable-migration") == 0)
        caps_has = q->has_x_enable_migration;
    else if (strcmp(name, "enable-migration") == 0)
        caps_has = q->has_enable_migration;
    else if (strcmp(name, "x-device-dirty-page-tracking") == 0)
        caps_has = q->has_x_device_dirty_page_tracking;
    else if (strcmp(name, "x-pre-copy-dirty-page-tracking") == 0)
        caps_has = q->has_x_pre_copy_dirty_page_tracking;
    else if (strcmp(name, "iommufd") == 0)
        caps_has = q->has_iommufd;
    else
        caps_has = band_has;
    return band_has && caps_has;
}

static char *
addr_of(const DtHostdev *h)
{
    if (h->type == DT_HOSTDEV_MDEV)
        return g_strdup(h->mdev_uuid ? h->mdev_uuid : "mdev");
    if (h->has_addr)
        return dt_pci_addr_to_string(&h->addr);
    return g_strdup("unknown");
}

/* ---- DMA logging ranges -------------------------------------------------- */

#define GiB (G_GUINT64_CONSTANT(1) << 30)

static guint64
round_up(guint64 v, guint64 align)
{
    return (v + align - 1) / align * align;
}

/* The model, from QEMU's code:
 *  - RAM below 4 GiB.  q35 (hw/i386/pc_q35.c pc_q35_init): if RAM >=
 *    0xb0000000 the low part is 0x80000000 (2 GiB), else all of RAM up to
 *    0xb0000000 stays low.  i440fx (hw/i386/pc_piix.c pc_init1): the
 *    default max-ram-below-4g is 0xe0000000; if RAM reaches it, the split
 *    moves to 0xc0000000 (3 GiB; gigabyte_align, every machine type since
 *    2.1).  The rest of RAM starts at 4 GiB.
 *  - pci-hole64 (hw/i386/pc.c pc_pci_hole64_start): ROUND_UP(end of RAM
 *    above 4 GiB, or 4 GiB, plus the <maxMemory> device-memory region,
 *    1 GiB); its size is the host bridge default, 32 GiB on q35
 *    (Q35_PCI_HOST_HOLE64_SIZE_DEFAULT, 1 << 35) and 2 GiB on i440fx
 *    (I440FX_PCI_HOST_HOLE64_SIZE_DEFAULT, 1 << 31).  The VFIO BARs mapped
 *    there are bounded by that window; the model takes the whole window.
 *  - QEMU's memory listener (hw/vfio/common.c vfio_dirty_tracking_update)
 *    folds every DMA-mapped section into min/max pairs: sections ending at
 *    or below 0xffffffff form the 32-bit range, which runs from 0 to the
 *    firmware ROM mapped just below 4 GiB (SeaBIOS, libvirt's default);
 *    since 8.2 VFIO BARs above 4 GiB go to their own pci64 range, before
 *    that they widen the 64-bit one.  Lengths are max - min + 1.
 * The per-slot alignment of <maxMemory> hotplug slots (1 GiB each) and the
 * AMD 1 TiB hole relocation are not modelled. */
guint
dt_decide_dma_ranges(const char *band_name, const char *machine,
                     guint64 ram_bytes, guint64 max_ram_bytes, DtRange out[4])
{
    const DtBand *band = band_by_name(band_name);
    gboolean q35;
    guint64 lowmem, below, above, above_end, hole64_start, hole64_size, dev_mem = 0;
    guint n = 0;

    if (!band || band->log_ranges == 0 || !machine || ram_bytes == 0)
        return 0;
    if (strstr(machine, "q35"))
        q35 = TRUE;
    else if (g_str_has_prefix(machine, "pc"))
        q35 = FALSE;
    else
        return 0;

    if (q35) {
        lowmem = ram_bytes >= G_GUINT64_CONSTANT(0xb0000000) ?
                 G_GUINT64_CONSTANT(0x80000000) : G_GUINT64_CONSTANT(0xb0000000);
        hole64_size = G_GUINT64_CONSTANT(1) << 35;
    } else {
        lowmem = ram_bytes >= G_GUINT64_CONSTANT(0xe0000000) ?
                 G_GUINT64_CONSTANT(0xc0000000) : G_GUINT64_CONSTANT(0xe0000000);
        hole64_size = G_GUINT64_CONSTANT(1) << 31;
    }
    below = MIN(ram_bytes, lowmem);
    above = ram_bytes - below;
    above_end = 4 * GiB + above;
    if (max_ram_bytes > ram_bytes)
        dev_mem = max_ram_bytes - ram_bytes;
    hole64_start = round_up(round_up(above_end, GiB) + dev_mem, GiB);

    /* 32-bit range: [0, 0xffffffff] */
    out[n].iova = 0;
    out[n].length = 4 * GiB;
    n++;
    if (band->log_ranges == 2) {
        /* RAM above 4 GiB and the BAR window share the 64-bit range */
        out[n].iova = 4 * GiB;
        out[n].length = hole64_start + hole64_size - 4 * GiB;
        n++;
    } else {
        if (above > 0) {
            out[n].iova = 4 * GiB;
            out[n].length = above;
            n++;
        }
        out[n].iova = hole64_start;
        out[n].length = hole64_size;
        n++;
    }
    return n;
}

guint64
dt_decide_perpetual_downtime_ms(guint64 ram_bytes, guint64 device_state_bytes,
                                guint64 bandwidth_mib_s)
{
    guint64 bytes = ram_bytes + device_state_bytes;
    guint64 bps;

    if (bandwidth_mib_s == 0 || bandwidth_mib_s > (G_MAXUINT64 >> 20) / 1000)
        return bandwidth_mib_s == 0 ? G_MAXUINT64 : 0;
    bps = bandwidth_mib_s << 20;
    /* whole seconds first, then the remainder rounded up: no overflow for
     * any RAM size, and a budget is never met by rounding down */
    return bytes / bps * 1000 + ((bytes % bps) * 1000 + bps - 1) / bps;
}

/* ---- per device: driver, facts, properties ------------------------------- */

static void
resolve_driver(Ctx *c, DevCtx *d, const char *addr)
{
    const DtDecideInput *in = c->in;
    const DtHostdev *h = d->h;
    const DtPciDev *pci = d->pci;
    DtDeviceFinding *f = d->f;
    gboolean lv10 = dt_versions_libvirt_has(DT_LV_VARIANT_MANAGED, &in->libvirt);
    DtRuleId rule;

    if (!h->managed) {
        f->vfio_driver = g_strdup(pci->driver);
        f->vfio_driver_source = DT_SOURCE_SYSFS;
        rule = R_BIND_MANAGED_NO;
        if (!driver_is_vfio(in->vdb, pci->driver)) {
            add_reason(c, R_BIND_MANAGED_NO, DT_SEVERITY_ERROR, KIND_START, addr,
                       _("Device %s has managed='no' but is bound to %s, not to a VFIO driver: "
                         "libvirt will not bind it. Bind it first (virsh nodedev-detach --driver "
                         "<vfio driver>) or set managed='yes'."),
                       addr, pci->driver ? pci->driver : _("no driver"));
        }
    } else if (h->driver_model && lv10) {
        f->vfio_driver = g_strdup(h->driver_model);
        f->vfio_driver_source = DT_SOURCE_XML;
        rule = R_BIND_MODEL;
    } else if (lv10) {
        f->vfio_driver = g_strdup(pci->alias_driver ? pci->alias_driver : "vfio-pci");
        f->vfio_driver_source = DT_SOURCE_PREDICTED;
        rule = R_BIND_ALIAS;
    } else {
        if (h->driver_model) {
            g_autofree char *lv = dt_version_to_string(&in->libvirt);
            add_reason(c, R_BIND_MODEL_OLD, DT_SEVERITY_WARNING, KIND_NOTE, addr,
                       _("Device %s asks for <driver model='%s'/>, but libvirt %s ignores it "
                         "(needs 10.0) and binds vfio-pci. Upgrade libvirt, or pre-bind the "
                         "driver and use managed='no'."),
                       addr, h->driver_model, lv);
        }
        f->vfio_driver = g_strdup("vfio-pci");
        f->vfio_driver_source = DT_SOURCE_PREDICTED;
        rule = R_BIND_MANAGED_YES_OLD;
    }
    if (f->vfio_driver && pci->driver && g_strcmp0(f->vfio_driver, pci->driver) == 0)
        f->vfio_driver_source = DT_SOURCE_SYSFS;

    add_step(c, f->vfio_driver_source, rule,
             g_strdup_printf(_("%s (%04x:%04x) is bound to %s; hostdev managed='%s'%s%s"),
                             addr, pci->vendor, pci->device,
                             pci->driver ? pci->driver : _("no driver"),
                             h->managed ? "yes" : "no",
                             h->driver_model ? _(", driver model ") : "",
                             h->driver_model ? h->driver_model : ""),
             g_strdup_printf(_("QEMU will talk to %s through %s"), addr,
                             f->vfio_driver ? f->vfio_driver : _("no VFIO driver")));

    /* The database says which ids a variant driver claims; driver_override
     * binds nothing else. */
    if (f->vfio_driver && !driver_is_plain(f->vfio_driver)) {
        d->entry = in->vdb ? dt_vdb_find_driver(in->vdb, f->vfio_driver) : NULL;
        if (d->entry && !entry_claims(d->entry, pci->vendor, pci->device) &&
            g_strcmp0(pci->driver, f->vfio_driver) != 0) {
            add_reason(c, R_BIND_NOT_CLAIMED, DT_SEVERITY_ERROR, KIND_START, addr,
                       _("Device %s (%04x:%04x) is not claimed by %s, so it cannot be bound to "
                         "it. Remove <driver model='%s'/> or choose the driver for this device."),
                       addr, pci->vendor, pci->device, f->vfio_driver, f->vfio_driver);
            /* its facts say nothing about this device */
            d->entry = NULL;
        }
    }
}

void
dt_decide_device_facts(const DtHost *host, const DtVdbEntry *entry, const DtPciDev *pci,
                       const char *vfio_driver, DtDeviceFacts *out)
{
    gboolean probed_here = pci->driver && vfio_driver && g_strcmp0(pci->driver, vfio_driver) == 0;
    gboolean arch_ok = entry && (!entry->arch || !host->arch || g_strcmp0(entry->arch, host->arch) == 0);

    *out = (DtDeviceFacts){ .migration = DT_FACT_UNKNOWN, .dma_logging = DT_FACT_UNKNOWN };
    if (!vfio_driver) {
        out->migration = (DtFact){ DT_TRI_NO, DT_SOURCE_SYSFS };
        out->dma_logging = (DtFact){ DT_TRI_NO, DT_SOURCE_SYSFS };
    } else if (driver_is_plain(vfio_driver)) {
        DtSource s = probed_here ? DT_SOURCE_SYSFS : DT_SOURCE_PREDICTED;
        out->migration = (DtFact){ DT_TRI_NO, s };
        out->dma_logging = (DtFact){ DT_TRI_NO, s };
    } else if (entry) {
        guint32 flags = arch_ok ? dt_vdb_entry_flags_on(entry, &host->kernel) : 0;
        gboolean logs = arch_ok && dt_vdb_entry_logs_on(entry, &host->kernel);
        out->migration = (DtFact){ (flags & DT_MIG_STOP_COPY) ? DT_TRI_YES : DT_TRI_NO,
                                   DT_SOURCE_DATABASE };
        out->mig_flags = flags;
        out->dma_logging = (DtFact){ logs ? DT_TRI_YES : DT_TRI_NO, DT_SOURCE_DATABASE };
        if (entry->stop_copy_bytes) {
            out->stop_copy_bytes = entry->stop_copy_bytes;
            out->stop_copy_source = DT_SOURCE_DATABASE;
        }
    }
    /* A variant driver bound in sysfs on a kernel older than the release
     * the database gives for its migration support is a distribution
     * backport (RHEL 9's 5.14 carries mlx5_vfio_pci): the driver exists, so
     * "no migration on this kernel" is a guess.  Its flags are those of the
     * driver's upstream releases, and only a probe says more. */
    if (probed_here && arch_ok && out->migration.value == DT_TRI_NO && entry->mig_flags) {
        out->migration = (DtFact){ DT_TRI_UNKNOWN, DT_SOURCE_SYSFS };
        out->mig_flags = entry->mig_flags;
        out->dma_logging = (DtFact){ entry->dma_logging ? DT_TRI_UNKNOWN : DT_TRI_NO,
                                     DT_SOURCE_SYSFS };
        out->backport = TRUE;
    }
    /* Kernel-probed facts beat the database, but only for the driver that
     * is bound now: a probe of mlx5_core says nothing about mlx5_vfio_pci. */
    if (probed_here && dt_fact_is_probed(&pci->migration)) {
        out->migration = pci->migration;
        out->mig_flags = pci->migration.value == DT_TRI_YES ? pci->mig_flags : 0;
        out->backport = FALSE;
    }
    if (probed_here && dt_fact_is_probed(&pci->dma_logging))
        out->dma_logging = pci->dma_logging;
    if (out->backport && out->dma_logging.value == DT_TRI_UNKNOWN &&
        !(out->mig_flags & DT_MIG_STOP_COPY))
        out->backport = FALSE;
    if (probed_here && pci->stop_copy_bytes) {
        out->stop_copy_bytes = pci->stop_copy_bytes;
        out->stop_copy_source = dt_fact_is_probed(&pci->migration) ? pci->migration.source
                                                                : DT_SOURCE_IOCTL;
    }
}

static void
device_facts(Ctx *c, DevCtx *d, const char *addr)
{
    const DtHost *host = c->in->host;
    DtDeviceFinding *f = d->f;
    DtDeviceFacts facts;
    g_autofree char *kver = dt_version_to_string(&host->kernel);

    dt_decide_device_facts(host, d->entry, d->pci, f->vfio_driver, &facts);
    f->migration = facts.migration;
    f->mig_flags = facts.mig_flags;
    f->dma_logging = facts.dma_logging;
    f->stop_copy_bytes = facts.stop_copy_bytes;
    f->stop_copy_source = facts.stop_copy_source;
    d->uncertain = facts.backport;
    if (d->uncertain) {
        g_autofree char *since = dt_version_to_string(&d->entry->migration_since);
        d->capable = TRUE;   /* for the structure; the mode stays unknown */
        add_reason(c, R_BACKPORT, DT_SEVERITY_WARNING, KIND_NOTE, addr,
                   _("Device %s is bound to %s on kernel %s, older than the driver's upstream "
                     "migration support (%s): a distribution backport. Whether it migrates and "
                     "logs DMA here is not known; probe it (dirtytrack-probe --probe-ioctl on the "
                     "idle device) before relying on the answer."),
                   addr, f->vfio_driver, kver, since);
    }
    if (!d->uncertain)
        d->capable = f->migration.value == DT_TRI_YES && (f->mig_flags & DT_MIG_STOP_COPY);
    {
        g_autofree char *fl = dt_mig_flags_to_string(f->mig_flags);
        add_step(c, f->migration.source,
                 dt_fact_is_probed(&f->migration) ? R_PROBED :
                 (f->vfio_driver && driver_is_plain(f->vfio_driver)) ? R_PLAIN : R_DB,
                 g_strdup_printf(_("%s with %s on kernel %s: migration %s (flags %s), DMA logging %s"),
                                 addr, f->vfio_driver ? f->vfio_driver : _("no driver"), kver,
                                 dt_tri_to_string(f->migration.value), fl,
                                 dt_tri_to_string(f->dma_logging.value)),
                 g_strdup(d->capable ? _("the device can save and load its state (VFIO migration v2)")
                                     : _("the device cannot be migrated")));
    }
}

/* An mdev is judged like any VFIO device, from what its vendor driver
 * answered when probed; nothing is assumed from it being an mdev. */
static void
mdev_facts(Ctx *c, DevCtx *d, const char *addr)
{
    const DtMdevDev *m = dt_host_find_mdev(c->in->host, d->h->mdev_uuid);
    DtDeviceFinding *f = d->f;

    d->mdev = m;
    f->mdev_type = m ? g_strdup(m->type) : NULL;
    f->vfio_driver = g_strdup(d->h->mdev_model ? d->h->mdev_model : "vfio-pci");
    f->vfio_driver_source = DT_SOURCE_XML;
    f->migration = (DtFact){ DT_TRI_UNKNOWN, DT_SOURCE_NONE };
    f->dma_logging = (DtFact){ DT_TRI_UNKNOWN, DT_SOURCE_NONE };
    if (m && dt_fact_is_probed(&m->migration)) {
        f->migration = m->migration;
        f->mig_flags = m->migration.value == DT_TRI_YES ? m->mig_flags : 0;
        f->dma_logging = dt_fact_is_probed(&m->dma_logging) ? m->dma_logging
                                                          : (DtFact){ DT_TRI_UNKNOWN, DT_SOURCE_NONE };
        if (m->stop_copy_bytes) {
            f->stop_copy_bytes = m->stop_copy_bytes;
            f->stop_copy_source = m->migration.source;
        }
        d->capable = f->migration.value == DT_TRI_YES && (f->mig_flags & DT_MIG_STOP_COPY);
        /* without its DMA-logging answer the mode is open */
        d->uncertain = d->capable && f->dma_logging.value == DT_TRI_UNKNOWN;
    } else {
        d->uncertain = TRUE;
        d->capable = TRUE;   /* for the structure; the mode stays unknown */
    }
    {
        g_autofree char *fl = dt_mig_flags_to_string(f->mig_flags);
        add_step(c, f->migration.source, dt_fact_is_probed(&f->migration) ? R_PROBED : R_MDEV,
                 g_strdup_printf(_("%s is a mediated device (%s%s%s): migration %s (flags %s), "
                                   "DMA logging %s"),
                                 addr, m && m->type ? m->type : f->vfio_driver,
                                 m && m->vendor_driver ? _(", vendor driver ") : "",
                                 m && m->vendor_driver ? m->vendor_driver : "",
                                 dt_tri_to_string(f->migration.value), fl,
                                 dt_tri_to_string(f->dma_logging.value)),
                 g_strdup(d->uncertain ? _("not probed: what it can do is its vendor driver's")
                          : d->capable ? _("the device can save and load its state (VFIO migration v2)")
                                       : _("the device cannot be migrated")));
    }
    if (d->uncertain)
        add_reason(c, R_MDEV, DT_SEVERITY_WARNING, KIND_NOTE, addr,
                   _("mdev %s was not probed: whether it migrates and logs DMA depends on its "
                     "vendor driver. Probe it (dirtytrack-probe --probe-ioctl with the mdev idle: "
                     "VFIO_DEVICE_FEATURE MIGRATION and DMA_LOGGING_START) before relying on the "
                     "answer."), addr);
}

/* Which backend the device really gets: the domain may ask for iommufd in
 * three ways, each needing a libvirt new enough to read it. */
static void
device_backend(Ctx *c, DevCtx *d, const char *addr)
{
    const DtDecideInput *in = c->in;
    const DtDomain *dom = in->domain;
    const DtHostdev *h = d->h;
    gboolean asked = dt_domain_hostdev_uses_iommufd(dom, h);
    gboolean via_hostdev = h->driver_iommufd == DT_TRI_YES;
    gboolean via_domain = !via_hostdev && h->driver_iommufd != DT_TRI_NO && dom->iommufd_enabled;
    gboolean via_override = FALSE;
    gboolean ok;

    if (!asked)
        return;
    for (guint i = 0; h->overrides && i < h->overrides->len; i++) {
        const DtProp *p = g_ptr_array_index(h->overrides, i);
        if (g_strcmp0(p->name, "iommufd") == 0 && g_strcmp0(p->type, "remove") != 0)
            via_override = TRUE;
    }
    if (via_hostdev)
        ok = dt_versions_libvirt_has(DT_LV_IOMMUFD_HOSTDEV, &in->libvirt);
    else if (via_domain)
        ok = dt_versions_libvirt_has(DT_LV_IOMMUFD_DOMAIN, &in->libvirt);
    else if (via_override)
        ok = c->overrides_effective;
    else
        ok = TRUE;   /* -global vfio-pci.iommufd= in <qemu:commandline> */
    if (!ok) {
        g_autofree char *lv = dt_version_to_string(&in->libvirt);
        if (via_hostdev || via_domain)
            add_reason(c, R_IOMMUFD_XML_OLD, DT_SEVERITY_WARNING, KIND_NOTE, addr,
                       _("Device %s asks for the iommufd backend in the domain XML, but libvirt %s "
                         "does not know that XML (<driver iommufd='yes'/> needs 12.1, "
                         "<iommufd enabled='yes'/> 12.2): it uses the legacy VFIO container."),
                       addr, lv);
        return;
    }
    if (!c->band->iommufd) {
        add_reason(c, R_IOMMUFD_QEMU_OLD, DT_SEVERITY_ERROR, KIND_START, addr,
                   _("Device %s is configured for the iommufd backend, which QEMU %s does not have "
                     "(needs 9.0): the VM cannot start. Upgrade QEMU or remove the iommufd setting."),
                   addr, c->band->name);
        return;
    }
    d->iommufd = TRUE;

    /* QEMU opens the device's cdev (iommufd_cdev_getfd) and /dev/iommu
     * (iommufd_backend_connect); either missing and the device does not
     * realize.  A bound device shows its cdev in sysfs; one libvirt binds
     * later gets one if the kernel has VFIO_DEVICE_CDEV. */
    {
        const DtHost *host = in->host;
        gboolean bound_vfio = d->pci && d->pci->driver && d->f->vfio_driver &&
                              g_strcmp0(d->pci->driver, d->f->vfio_driver) == 0;
        gboolean no_cdev = !host->vfio_cdev_support ||
                           (bound_vfio && !d->pci->vfio_cdev) ||
                           (d->mdev && !d->mdev->vfio_cdev && c->in->host->mdevs->len);
        if (no_cdev)
            add_reason(c, R_IOMMUFD_NO_CDEV, DT_SEVERITY_ERROR, KIND_START, addr,
                       _("Device %s is configured for the iommufd backend, but this host has no "
                         "VFIO device cdev for it (kernel without VFIO_DEVICE_CDEV, or no "
                         "/dev/vfio/devices): QEMU cannot open it and the VM does not start. Use "
                         "the legacy container or a kernel with IOMMUFD and VFIO_DEVICE_CDEV."),
                       addr);
        else if (!host->dev_iommu)
            add_reason(c, R_IOMMUFD_NO_DEV, DT_SEVERITY_ERROR, KIND_START, addr,
                       _("Device %s is configured for the iommufd backend, but this host has no "
                         "/dev/iommu (kernel without IOMMUFD): QEMU cannot connect and the VM does "
                         "not start. Use the legacy container or a kernel with IOMMUFD."), addr);
    }
}

/* Could the host give this device IOMMU dirty tracking through iommufd? */
static void
device_iommu(Ctx *c, DevCtx *d)
{
    const DtHost *host = c->in->host;
    const DtPciDev *pci = d->pci;
    const DtIommu *unit = dt_host_find_iommu(host, pci->iommu_unit);
    gboolean kernel_ok;

    d->f->iommu_dirty = DT_FACT_UNKNOWN;
    if (unit)
        d->f->iommu_dirty = unit->dirty_tracking;
    if (dt_fact_is_probed(&pci->iommu_dirty))
        d->f->iommu_dirty = pci->iommu_dirty;

    kernel_ok = dt_versions_kernel_has(DT_KF_HWPT_DIRTY, &host->kernel) == DT_TRI_YES &&
                (!unit || unit->vendor != DT_IOMMU_VENDOR_SMMUV3 ||
                 dt_versions_kernel_has(DT_KF_SMMUV3_DIRTY, &host->kernel) == DT_TRI_YES);
    if (!unit && !dt_fact_is_probed(&pci->iommu_dirty))
        d->why_no_iommu = g_strdup("no IOMMU unit");
    else if (!kernel_ok)
        d->why_no_iommu = g_strdup("kernel older than 6.7 (6.11 for SMMUv3)");
    else if (!host->dev_iommu)
        d->why_no_iommu = g_strdup("no /dev/iommu");
    else if (!host->vfio_cdev_support)
        d->why_no_iommu = g_strdup("no vfio cdev (/dev/vfio/devices)");
    else if (d->f->iommu_dirty.value != DT_TRI_YES)
        d->why_no_iommu = g_strdup_printf("IOMMU %s: %s", unit ? unit->name : "unit",
                                          unit && unit->dirty_note ? unit->dirty_note
                                                                   : "no dirty tracking");
    d->iommu_possible = d->why_no_iommu == NULL;
}

/* QEMU's words for a -device property its type lacks: qom/object.c
 * object_property_find_err() ("Property '%s.%s' not found", type, name),
 * printed at start-up after the -device option; libvirt gives every
 * hostdev, mdevs included, the type vfio-pci.  Seen from the real QEMU
 * 7.2.22: "Property 'vfio-pci.x-device-dirty-page-tracking' not found". */
static void
property_not_found(const Ctx *c, DtReason *r, const char *prop)
{
    /* a QEMU without iommufd stops at -object iommufd, before any -device
     * (R_IOMMUFD_QEMU_OLD has those words) */
    if (g_str_equal(prop, "iommufd") && c->in->domain->cmdline_iommufd_id)
        return;
    g_free(r->qemu_message);
    g_free(r->qemu_phase);
    r->qemu_message = g_strdup_printf("Property 'vfio-pci.%s' not found", prop);
    r->qemu_phase = g_strdup("realize");
}

/* What the domain's own properties say for this device. */
static void
device_props(Ctx *c, DevCtx *d, const char *addr)
{
    const DtHostdev *h = d->h;
    static const char *const asked_props[] = {
        "enable-migration", "x-device-dirty-page-tracking", "iommufd",
    };

    d->em = OOA_UNSET;
    d->xem = -1;
    d->dev_dirty = OOA_UNSET;

    for (guint i = 0; i < G_N_ELEMENTS(asked_props); i++) {
        if (prop_asked(c, h, asked_props[i]) && !qemu_has_prop(c, asked_props[i]))
            property_not_found(c, add_reason(c, R_PROP_TOO_NEW, DT_SEVERITY_ERROR, KIND_START, addr,
                       _("Device %s sets the vfio-pci property %s, which QEMU %s does not have: "
                         "the VM will not start. Upgrade QEMU or remove the property."),
                       addr, asked_props[i], c->band->name), asked_props[i]);
    }
    if (prop_asked(c, h, "x-enable-migration") && !qemu_has_prop(c, "x-enable-migration"))
        property_not_found(c, add_reason(c, R_PROP_REMOVED, DT_SEVERITY_ERROR, KIND_START, addr,
                   _("Device %s sets x-enable-migration, which QEMU %s no longer has (replaced by "
                     "enable-migration in 8.1): the VM will not start. Use enable-migration instead."),
                   addr, c->band->name), "x-enable-migration");

    if (c->band->enable_migration) {
        d->em = parse_on_off_auto(prop_value(c, h, "enable-migration", NULL));
        if (d->em == OOA_UNSET)
            d->em = OOA_AUTO;
    } else {
        DtOnOffAuto v = parse_on_off_auto(prop_value(c, h, "x-enable-migration", NULL));
        d->xem = v == OOA_ON ? 1 : 0;
    }
    if (dt_versions_band_has_prop(c->band, "x-device-dirty-page-tracking"))
        d->dev_dirty = parse_on_off_auto(prop_value(c, h, "x-device-dirty-page-tracking", NULL));
}

/* ---- QEMU's realize: can each device take part in migration ------------- */

static gboolean
has_viommu(const Ctx *c)
{
    return c->in->domain->viommu_model != NULL;
}

/* vfio_migration_realize() raises at most one blocker per device, the first
 * check that fails: enable-migration=off, then the kernel's migration
 * support, then dirty tracking (decide_container), multiple devices, and
 * last the vIOMMU (QEMU 8.0 to 10.x).  The real QEMU 10.0.2 of the truth
 * lane showed it: an e1000e on vfio-pci behind intel-iommu got "VFIO
 * migration is not supported in kernel", an mtty mdev (which migrates) got
 * "Migration is currently not supported with vIOMMU enabled".  Since 11.0
 * the vIOMMU check needs to know whether the device logs DMA. */
static void
device_realize(Ctx *c, DevCtx *d, const char *addr)
{
    const DtBand *b = c->band;
    const DtDeviceFinding *f = d->f;
    const char *drv = f->vfio_driver ? f->vfio_driver : _("no driver");
    const char *variant = NULL;
    gboolean mdev = d->h->type == DT_HOSTDEV_MDEV;
    const char *what = mdev ? _("mdev") : _("Device");

    /* A variant driver with migration that this device could have had. */
    if (!d->capable && c->in->vdb && d->pci) {
        const DtVdbEntry *v = dt_vdb_find_device(c->in->vdb, d->pci->vendor, d->pci->device);
        if (v && (!v->arch || !c->in->host->arch || g_strcmp0(v->arch, c->in->host->arch) == 0) &&
            (dt_vdb_entry_flags_on(v, &c->in->host->kernel) & DT_MIG_STOP_COPY))
            variant = v->driver;
    }
    d->variant = variant;

    /* intel-iommu refuses every VFIO device unless caching-mode is on (its
     * default is off and libvirt does not turn it on by itself): the
     * device does not realize, QEMU stops at the first. */
    if (g_strcmp0(c->in->domain->viommu_model, "intel") == 0 &&
        c->in->domain->viommu_caching_mode != DT_TRI_YES) {
        if (!c->caching_mode_refused)
            add_reason(c, R_CACHING_MODE, DT_SEVERITY_ERROR, KIND_START, addr,
                       _("Device %s is assigned behind <iommu model='intel'/> without caching "
                         "mode: QEMU refuses the device and the VM does not start. Add <driver "
                         "caching_mode='on'/> to the <iommu> element."), addr);
        c->caching_mode_refused = TRUE;
        return;
    }

    if (!b->v2) {
        /* QEMU <= 7.2 speaks the v1 region protocol only; kernels >= 5.18
         * offer v2 only, so no driver can help: every VFIO device gets the
         * same blocker. */
        if (d->capable || variant)
            add_reason(c, R_PROTOCOL, DT_SEVERITY_ERROR, KIND_LEAVE, addr,
                       _("%s %s has a migration driver (%s) that offers only VFIO migration "
                         "protocol v2 (kernel >= 5.18), but QEMU %s speaks only the old v1 "
                         "protocol. Upgrade QEMU to 8.1 or newer."),
                       what, addr, d->capable ? drv : variant, b->name);
        else
            add_reason(c, R_PLAIN, DT_SEVERITY_ERROR, KIND_LEAVE, addr,
                       _("Device %s is driven by %s, which has no migration support, and QEMU %s "
                         "speaks only the old v1 protocol: QEMU blocks migration."),
                       addr, drv, b->name);
        return;
    }

    if (b->enable_migration && d->em == OOA_OFF) {
        add_reason(c, R_EM_OFF, DT_SEVERITY_ERROR, KIND_LEAVE, addr,
                   _("%s %s has enable-migration=off: QEMU blocks migration. Remove the property "
                     "or set it to auto."), what, addr);
        return;
    }
    if (!b->enable_migration && d->xem == 0) {
        add_reason(c, R_XEM_DEFAULT, DT_SEVERITY_ERROR, KIND_LEAVE, addr,
                   _("%s %s: QEMU %s migrates VFIO devices only with x-enable-migration=on "
                     "(default off), so it blocks migration. Apply the VF policy "
                     "(x-enable-migration=on) or upgrade QEMU to 8.1."),
                   what, addr, b->name);
        return;
    }
    if (!d->capable) {
        DtRuleId rule = mdev || d->entry || driver_is_plain(f->vfio_driver) || !f->vfio_driver
                        ? R_PLAIN : R_UNKNOWN_DRIVER;
        if (b->on_fails_realize && d->em == OOA_ON) {
            add_reason(c, R_EM_ON_NO_MIGRATION, DT_SEVERITY_ERROR, KIND_START, addr,
                       _("%s %s has enable-migration=on but %s has no migration support: QEMU "
                         "fails to realize the device and the VM does not start. Use a "
                         "migration-capable driver or remove enable-migration=on."),
                       what, addr, drv);
        } else if (mdev) {
            add_reason(c, R_PLAIN, DT_SEVERITY_ERROR, KIND_LEAVE, addr,
                       _("mdev %s: its vendor driver answered that it has no migration support: "
                         "QEMU blocks migration. Detach it before migrating."), addr);
        } else if (rule == R_UNKNOWN_DRIVER) {
            add_reason(c, R_UNKNOWN_DRIVER, DT_SEVERITY_ERROR, KIND_LEAVE, addr,
                       _("Device %s is driven by %s, which the variant-driver database does not "
                         "know: dirtytrack assumes it has no migration support. Add it to the "
                         "database if it has."),
                       addr, drv);
        } else if (variant) {
            add_reason(c, R_PLAIN, DT_SEVERITY_ERROR, KIND_LEAVE, addr,
                       _("Device %s will be driven by %s, which has no migration support, although "
                         "%s could migrate it. Bind %s: with libvirt 10.0 or newer managed='yes' "
                         "picks it (or <driver model='%s'/>); before, pre-bind it with virsh "
                         "nodedev-detach --driver %s and use managed='no'."),
                       addr, drv, variant, variant, variant, variant);
        } else {
            add_reason(c, R_PLAIN, DT_SEVERITY_ERROR, KIND_LEAVE, addr,
                       _("Device %s is driven by %s, which has no migration support on this "
                         "kernel: QEMU blocks migration. Use a device with a migration-capable "
                         "VFIO variant driver, or detach it before migrating."),
                       addr, drv);
        }
        return;
    }
    /* The vIOMMU check is vfio_migration_realize()'s last: decide_container
     * makes it after the tracking checks (viommu_blocker). */
    d->migrates = TRUE;
}

/* The vIOMMU blocker of QEMU before 11.0, for a device no earlier check
 * blocked. */
static void
viommu_blocker(Ctx *c, DevCtx *d)
{
    const DtBand *b = c->band;
    const char *addr = d->f->address;

    if (d->blocked)
        return;
    add_reason(c, R_VIOMMU, DT_SEVERITY_ERROR,
               b->on_fails_realize && d->em == OOA_ON ? KIND_START : KIND_LEAVE, addr,
               _("%s %s is behind a virtual IOMMU (<iommu model='%s'/>): QEMU %s blocks its "
                 "migration. Remove the vIOMMU to migrate (QEMU 11.0 allows it for devices "
                 "that do not log DMA)."),
               d->h->type == DT_HOSTDEV_MDEV ? _("mdev") : _("Device"), addr,
               c->in->domain->viommu_model, b->name);
}

/* ---- containers: which tracking mode each one gets ----------------------- */

/* QEMU attaches a device to a container of its backend in its address
 * space: without a vIOMMU all legacy devices share one type1 container and
 * all devices of one iommufd object share one iommufd container; behind a
 * vIOMMU every device's address space is its own. */
static void
assign_container(Ctx *c, DevCtx *d)
{
    const DtDomain *dom = c->in->domain;
    GPtrArray *conts = c->dec->containers;
    g_autofree char *id = NULL;
    const char *obj = d->iommufd ? (dom->cmdline_iommufd_id ? dom->cmdline_iommufd_id : "iommufd0")
                                 : NULL;
    DtContainer *ct;

    if (has_viommu(c))
        id = g_strdup_printf("viommu:%s", d->f->address);
    else if (d->iommufd)
        id = g_strdup_printf("iommufd:%s", obj);
    else
        id = g_strdup("legacy");
    for (guint i = 0; i < conts->len; i++) {
        ct = g_ptr_array_index(conts, i);
        if (strcmp(ct->id, id) == 0) {
            d->cont = (int)i;
            g_ptr_array_add(ct->devices, g_strdup(d->f->address));
            d->f->container = g_strdup(id);
            return;
        }
    }
    ct = g_new0(DtContainer, 1);
    ct->id = g_steal_pointer(&id);
    ct->backend = g_strdup(d->iommufd ? "iommufd" : "legacy");
    ct->iommufd_object = g_strdup(obj);
    ct->viommu = has_viommu(c);
    ct->mode = DT_MODE_NONE;
    ct->devices = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(ct->devices, g_strdup(d->f->address));
    d->f->container = g_strdup(ct->id);
    d->cont = (int)conts->len;
    g_ptr_array_add(conts, ct);
}

#define TIB (G_GUINT64_CONSTANT(1) << 40)
/* type1's DIRTY_BITMAP_SIZE_MAX (256 MiB) x 8 bits x 4 KiB pages */
#define TYPE1_DIRTY_LIMIT (G_GUINT64_CONSTANT(256) * 1024 * 1024 * 8 * 4096)

static DtMode
decide_container(Ctx *c, guint k)
{
    const DtBand *b = c->band;
    DtContainer *ct = g_ptr_array_index(c->dec->containers, k);
    guint n_mig = 0, n_logs = 0, n_iommu = 0, n_unc = 0;
    gboolean certain_untracked_legacy = FALSE;
    DtMode mode;

    for (guint i = 0; i < c->n_devs; i++) {
        DevCtx *d = &c->devs[i];
        if (d->cont != (int)k || !d->migrates)
            continue;
        n_mig++;
        d->logs = d->f->dma_logging.value == DT_TRI_YES && d->dev_dirty != OOA_OFF;
        /* iommufd attaches an mdev without a dirty-tracking HWPT */
        d->iommu_dirty = b->iommufd_dirty && d->iommufd && d->iommu_possible &&
                         d->h->type == DT_HOSTDEV_PCI;
        d->tracked = d->logs || d->iommu_dirty;
        n_logs += d->logs;
        n_iommu += d->iommu_dirty;
        if (d->uncertain && !d->tracked)
            n_unc++;
    }
    if (n_mig == 0)
        return ct->mode = DT_MODE_NONE;

    /* Per device at realize: is there any tracking for it? */
    for (guint i = 0; i < c->n_devs; i++) {
        DevCtx *d = &c->devs[i];
        const char *addr = d->f->address;
        if (d->cont != (int)k || !d->migrates || d->tracked || d->uncertain)
            continue;
        if (!d->iommufd && !d->logs)
            certain_untracked_legacy = TRUE;
        if (b->auto_needs_tracking && d->em == OOA_AUTO) {
            if (b->iommufd_dirty)
                add_reason(c, R_NO_TRACK_AUTO_91, DT_SEVERITY_ERROR, KIND_LEAVE, addr,
                           _("Device %s has neither DMA logging nor IOMMU dirty tracking, so QEMU %s "
                             "blocks migration. Use the iommufd backend on a dirty-tracking IOMMU, "
                             "or set enable-migration=on to accept perpetual mode."),
                           addr, b->name);
            else
                add_reason(c, R_NO_TRACK_AUTO_81, DT_SEVERITY_ERROR, KIND_LEAVE, addr,
                           _("Device %s has no DMA logging, so QEMU %s blocks migration. Upgrade "
                             "QEMU to 9.1 for IOMMU tracking, or set enable-migration=on to accept "
                             "perpetual mode."),
                           addr, b->name);
        } else if (b->enable_migration && d->em == OOA_ON) {
            if (b->type1_ram_limit && !d->iommufd && c->dec->ram_bytes > TYPE1_DIRTY_LIMIT)
                add_reason(c, R_TYPE1_LIMIT, DT_SEVERITY_ERROR, KIND_START, addr,
                           _("Device %s has no DMA logging or IOMMU dirty tracking and sits in the "
                             "legacy type1 container; with %" PRIu64 " GiB of RAM, more "
                             "than type1's 8 TiB dirty-bitmap limit, QEMU %s refuses it and with "
                             "enable-migration=on the VM does not start. Use the iommufd backend."),
                           addr, c->dec->ram_bytes >> 30, b->name);
            else
                add_reason(c, R_NO_TRACK_ON, DT_SEVERITY_WARNING, KIND_NOTE, addr,
                           _("Device %s has neither DMA logging nor IOMMU dirty tracking; with "
                             "enable-migration=on QEMU only warns and migrates with every page "
                             "dirty."), addr);
        }
        if (d->h->type != DT_HOSTDEV_PCI)
            continue;
        if (d->iommufd && !d->iommu_dirty) {
            if (!b->iommufd_dirty)
                add_reason(c, R_IOMMUFD_90, DT_SEVERITY_WARNING, KIND_NOTE, addr,
                           _("Device %s uses the iommufd backend, but QEMU %s has no dirty tracking "
                             "on iommufd. Upgrade QEMU to 9.1 or newer."), addr, b->name);
            else
                add_reason(c, R_IOMMU_UNSUPPORTED, DT_SEVERITY_WARNING, KIND_NOTE, addr,
                           _("Device %s uses the iommufd backend, but its IOMMU cannot track dirty "
                             "pages (%s). IOMMU tracking needs kernel 6.7 (6.11 on SMMUv3), "
                             "/dev/iommu, a vfio cdev and an IOMMU with dirty bits (VT-d SLADS, "
                             "AMD HDSup, SMMUv3 HTTU)."), addr, d->why_no_iommu ? d->why_no_iommu : "?");
        } else if (!d->iommufd && d->iommu_possible) {
            if (b->iommufd_dirty)
                add_reason(c, R_IOMMUFD_NOT_CONFIGURED, DT_SEVERITY_WARNING, KIND_NOTE, addr,
                           _("Device %s would get IOMMU dirty tracking if it used the iommufd "
                             "backend: add <iommufd enabled='yes'/> (libvirt 12.2), <driver "
                             "iommufd='yes'/> (12.1), or -object iommufd with an iommufd "
                             "<qemu:override> on the device."), addr);
            else
                add_reason(c, R_IOMMU_NEEDS_91, DT_SEVERITY_INFO, KIND_NOTE, addr,
                           _("This host's IOMMU could track device %s's DMA with QEMU 9.1 or newer "
                             "and the iommufd backend."), addr);
        }
    }

    if (has_viommu(c) && !b->viommu_relaxed)
        for (guint i = 0; i < c->n_devs; i++)
            if (c->devs[i].cont == (int)k && c->devs[i].migrates)
                viommu_blocker(c, &c->devs[i]);

    /* 11.0: behind a vIOMMU only a device that logs DMA itself is blocked
     * (its IOVAs are the guest's); IOMMU-tracked and perpetual ones pass. */
    if (has_viommu(c) && b->viommu_relaxed) {
        for (guint i = 0; i < c->n_devs; i++) {
            DevCtx *d = &c->devs[i];
            if (d->cont != (int)k || !d->migrates || d->blocked ||
                d->f->dma_logging.value == DT_TRI_NO || d->dev_dirty == OOA_OFF)
                continue;
            if (d->f->dma_logging.value == DT_TRI_UNKNOWN) {
                mark_unknown(c, d);
                continue;
            }
            add_reason(c, R_VIOMMU, DT_SEVERITY_ERROR,
                       d->em == OOA_ON ? KIND_START : KIND_LEAVE, d->f->address,
                       _("Device %s logs its own DMA and is behind a virtual IOMMU: QEMU %s blocks "
                         "its migration (only devices without DMA logging may migrate behind a "
                         "vIOMMU). Set x-device-dirty-page-tracking=off and use IOMMU tracking, or "
                         "remove the vIOMMU."),
                       d->f->address, b->name);
        }
        add_step(c, DT_SOURCE_XML, R_VIOMMU_RELAXED,
                 g_strdup_printf(_("vIOMMU %s, QEMU %s"), c->in->domain->viommu_model, b->name),
                 g_strdup(_("only devices that log DMA are blocked")));
    }

    if (n_logs == n_mig)
        mode = DT_MODE_DEVICE;
    else if (b->iommufd_dirty && n_iommu > 0 && g_strcmp0(ct->backend, "iommufd") == 0)
        mode = DT_MODE_IOMMU;
    else
        mode = DT_MODE_PERPETUAL;
    /* An unobserved device could change it, unless a device known to be
     * untracked already makes it perpetual. */
    if (n_unc > 0 && !(mode == DT_MODE_PERPETUAL && certain_untracked_legacy)) {
        mode = DT_MODE_UNKNOWN;
        c->cont_unknown[k] = TRUE;
    }

    /* iommufd dirty tracking reads only HWPTs allocated with the flag, so a
     * device on a unit without it is not tracked at all. */
    if (mode == DT_MODE_IOMMU) {
        for (guint i = 0; i < c->n_devs; i++) {
            DevCtx *d = &c->devs[i];
            if (d->cont == (int)k && d->migrates && !d->iommu_dirty && !d->uncertain)
                add_reason(c, R_IOMMU_PARTIAL, DT_SEVERITY_ERROR, KIND_LEAVE, d->f->address,
                           _("Device %s shares the iommufd container with IOMMU-tracked devices, but "
                             "its own IOMMU cannot track dirty pages (%s): its DMA writes would go "
                             "unseen. Move it to a dirty-tracking IOMMU or detach it."),
                           d->f->address, d->why_no_iommu ? d->why_no_iommu : _("an mdev"));
        }
    }
    if ((mode == DT_MODE_IOMMU || mode == DT_MODE_PERPETUAL) && n_logs > 0) {
        for (guint i = 0; i < c->n_devs; i++) {
            DevCtx *d = &c->devs[i];
            if (d->cont == (int)k && d->migrates && !d->logs && !d->uncertain)
                add_reason(c, R_MIXED, DT_SEVERITY_WARNING, KIND_NOTE, d->f->address,
                           _("Device %s does not log its DMA, so QEMU cannot use device dirty "
                             "tracking for its container even though other devices could: it falls "
                             "back to %s tracking. Pass through only devices with DMA logging to keep "
                             "device tracking, or prefer IOMMU tracking."),
                           d->f->address, mode == DT_MODE_IOMMU ? _("IOMMU") : _("perpetual"));
        }
    }

    add_step(c, DT_SOURCE_NONE,
             mode == DT_MODE_DEVICE ? R_MODE_DEVICE : mode == DT_MODE_IOMMU ? R_MODE_IOMMU
             : mode == DT_MODE_UNKNOWN ? R_UNOBSERVED : R_MODE_PERPETUAL,
             g_strdup_printf(_("QEMU %s, container %s: migrating devices: %u, logging DMA: %u, "
                               "with IOMMU dirty tracking: %u, not observed: %u"),
                             b->name, ct->id, n_mig, n_logs, n_iommu, n_unc),
             g_strdup_printf(_("the container uses %s tracking"), dt_mode_to_string(mode)));
    return ct->mode = mode;
}

/* After the mode is known: what only device tracking depends on.  A
 * DMA-logging REPORT needs the kernel's iova_bitmap (IOMMUFD_DRIVER);
 * mlx5 and pds select it, other drivers (the mtty sample, vendor mdevs)
 * get it only from a kernel built with IOMMUFD. */
static void
device_mode_checks(Ctx *c, guint k)
{
    const DtHost *host = c->in->host;
    DtContainer *ct = g_ptr_array_index(c->dec->containers, k);

    if (ct->mode != DT_MODE_DEVICE)
        return;
    for (guint i = 0; i < c->n_devs; i++) {
        DevCtx *d = &c->devs[i];
        const DtFact *rep;
        gboolean selects;

        if (d->cont != (int)k || !d->migrates || !d->logs)
            continue;
        rep = d->pci ? &d->pci->dma_logging_report : d->mdev ? &d->mdev->dma_logging_report : NULL;
        if (rep && dt_fact_is_probed(rep) && rep->value == DT_TRI_NO) {
            add_reason(c, R_DMA_REPORT, DT_SEVERITY_ERROR, KIND_SETUP, d->f->address,
                       _("Device %s starts DMA logging but its reports fail (EOPNOTSUPP was "
                         "observed): this kernel lacks the iova_bitmap of CONFIG_IOMMUFD_DRIVER, so "
                         "QEMU raises no blocker yet the migration fails at setup. Use a kernel with "
                         "IOMMUFD, or x-device-dirty-page-tracking=off with enable-migration=on."),
                       d->f->address);
            continue;
        }
        if (rep && dt_fact_is_probed(rep))
            continue;
        selects = g_strcmp0(d->f->vfio_driver, "mlx5_vfio_pci") == 0 ||
                  g_strcmp0(d->f->vfio_driver, "pds_vfio_pci") == 0;
        /* before 6.7 the iova_bitmap was part of VFIO itself */
        if (selects || dt_versions_kernel_has(DT_KF_HWPT_DIRTY, &host->kernel) != DT_TRI_YES)
            continue;
        if (host->iommufd_driver == DT_TRI_NO || (host->iommufd_driver == DT_TRI_UNKNOWN && !host->dev_iommu)) {
            add_reason(c, R_DMA_REPORT_PREDICTED, DT_SEVERITY_WARNING, KIND_NOTE, d->f->address,
                       _("Device %s would log its DMA, but this kernel has no /dev/iommu and may "
                         "lack CONFIG_IOMMUFD_DRIVER, without which DMA-logging reports fail and "
                         "the migration fails at setup. Probe a DMA_LOGGING_REPORT on the idle "
                         "device (dirtytrack-probe --probe-ioctl) to know."),
                       d->f->address);
            mark_unknown(c, d);
        }
    }
}

/* ---- blockers across devices ------------------------------------------- */

static void
multi_device(Ctx *c)
{
    const DtBand *b = c->band;
    guint n = 0;
    gboolean all_p2p = TRUE;

    if (!b->v2)
        return;
    for (guint i = 0; i < c->n_devs; i++) {
        const DevCtx *d = &c->devs[i];
        if (!d->migrates)
            continue;
        n++;
        if (!(d->f->mig_flags & DT_MIG_P2P) && !d->uncertain)
            all_p2p = FALSE;
    }
    if (n <= 1)
        return;
    if (!b->multi_p2p) {
        add_reason(c, R_MULTI_ANY, DT_SEVERITY_ERROR, KIND_LEAVE, NULL,
                   _("The domain has %u VFIO devices with migration, and QEMU %s migrates at most "
                     "one (\"Migration is currently not supported with multiple VFIO devices\"). "
                     "Upgrade QEMU to 8.2 with P2P-capable drivers, or detach all but one."),
                   n, b->name);
        return;
    }
    /* a device whose flags were not observed leaves it open */
    for (guint i = 0; i < c->n_devs; i++)
        if (c->devs[i].migrates && c->devs[i].uncertain && !(c->devs[i].f->mig_flags & DT_MIG_P2P))
            mark_unknown(c, &c->devs[i]);
    if (all_p2p)
        return;
    for (guint i = 0; i < c->n_devs; i++) {
        const DevCtx *d = &c->devs[i];
        if (d->migrates && !d->uncertain && !(d->f->mig_flags & DT_MIG_P2P))
            add_reason(c, R_MULTI_P2P, DT_SEVERITY_ERROR,
                       b->on_fails_realize && d->em == OOA_ON ? KIND_START : KIND_LEAVE,
                       d->f->address,
                       _("Device %s has no P2P migration state, and the domain has %u migrating VFIO "
                         "devices: QEMU blocks migration (\"Multiple VFIO devices migration is "
                         "supported only if all of them support P2P migration\"). Detach it "
                         "or the other devices."),
                       d->f->address, n);
    }
}

/* ---- DMA logging ranges and their limits -------------------------------- */

static void
dma_ranges(Ctx *c)
{
    const DtDecideInput *in = c->in;
    DtDecision *dec = c->dec;
    guint max_ranges = (in->host->page_size ? in->host->page_size : 4096) / 16;
    guint64 span;
    GString *txt = g_string_new(NULL);

    dec->n_ranges = dt_decide_dma_ranges(c->band->name, in->domain->machine,
                                         dec->ram_bytes, in->domain->max_memory_kib * 1024,
                                         dec->ranges);
    dec->log_page_size = in->host->page_size ? in->host->page_size : 4096;
    for (guint i = 0; i < dec->n_ranges; i++) {
        g_string_append_printf(txt, "%s[0x%" PRIx64 ", +0x%" PRIx64 ")",
                               i ? " " : "", dec->ranges[i].iova, dec->ranges[i].length);
    }
    add_step(c, DT_SOURCE_XML, R_RANGES,
             g_strdup_printf(_("machine %s with %" PRIu64 " MiB RAM"),
                             in->domain->machine ? in->domain->machine : "?",
                             dec->ram_bytes >> 20),
             g_strdup_printf(_("QEMU %s hands %u DMA-logging ranges to the devices: %s"),
                             c->band->name, dec->n_ranges, dec->n_ranges ? txt->str : _("not modelled")));
    g_string_free(txt, TRUE);

    if (dec->n_ranges > max_ranges)
        add_reason(c, R_RANGE_MAX, DT_SEVERITY_ERROR, KIND_LEAVE, NULL,
                   _("QEMU would pass %u DMA-logging ranges, more than the kernel accepts (%u): "
                     "starting dirty tracking fails with E2BIG."), dec->n_ranges, max_ranges);

    /* The device checks the span of the (combined) ranges: from 0 to the
     * end of the last one. */
    span = dec->n_ranges ? dec->ranges[dec->n_ranges - 1].iova + dec->ranges[dec->n_ranges - 1].length : 0;
    for (guint i = 0; i < c->n_devs; i++) {
        DevCtx *d = &c->devs[i];
        const DtContainer *ct;
        if (!d->logs || d->cont < 0)
            continue;
        ct = g_ptr_array_index(dec->containers, d->cont);
        if (ct->mode != DT_MODE_DEVICE)
            continue;
        if (d->pci && d->pci->log_max_addr_space) {
            if (span > d->pci->log_max_addr_space)
                add_reason(c, R_RANGE_DEVICE, DT_SEVERITY_ERROR, KIND_SETUP, d->f->address,
                           _("Device %s (%s) reports that it can log DMA over %" PRIu64 " GiB of "
                             "address space, but QEMU %s would ask it to cover %" PRIu64 " GiB: "
                             "starting dirty tracking fails. Reduce the guest memory, or use IOMMU "
                             "tracking (QEMU 9.1, iommufd)."),
                           d->f->address, d->f->vfio_driver, d->pci->log_max_addr_space >> 30,
                           c->band->name, span >> 30);
            continue;
        }
        for (guint j = 0; j < G_N_ELEMENTS(log_limits); j++) {
            if (g_strcmp0(log_limits[j].driver, d->f->vfio_driver) != 0)
                continue;
            if (span > (G_GUINT64_CONSTANT(1) << log_limits[j].log2_max_addr_space)) {
                add_reason(c, R_RANGE_ASSUMED, DT_SEVERITY_WARNING, KIND_NOTE, d->f->address,
                           _("Device %s (%s): QEMU %s would ask it to log DMA over %" PRIu64 " GiB "
                             "of address space. Its firmware's limit was not read; a common value "
                             "is 2^%u bytes (%" PRIu64 " GiB), which this exceeds. Read "
                             "pg_track_log_max_addr_space from the device (dirtytrack-probe) or "
                             "use IOMMU tracking (QEMU 9.1, iommufd)."),
                           d->f->address, d->f->vfio_driver, c->band->name, span >> 30,
                           log_limits[j].log2_max_addr_space,
                           (G_GUINT64_CONSTANT(1) << log_limits[j].log2_max_addr_space) >> 30);
                mark_unknown(c, d);
            }
        }
    }
}

/* ---- the VM from its containers ----------------------------------------- */

static char *
containers_list(const DtDecision *dec)
{
    GString *s = g_string_new(NULL);
    for (guint k = 0; k < dec->containers->len; k++) {
        const DtContainer *ct = g_ptr_array_index(dec->containers, k);
        g_string_append_printf(s, "%s%s [", k ? "; " : "", ct->id);
        for (guint i = 0; i < ct->devices->len; i++)
            g_string_append_printf(s, "%s%s", i ? " " : "", (const char *)g_ptr_array_index(ct->devices, i));
        g_string_append_c(s, ']');
    }
    return g_string_free(s, FALSE);
}

static gboolean
vm_has_device_mode(const DtDecision *dec)
{
    for (guint k = 0; k < dec->containers->len; k++)
        if (((const DtContainer *)g_ptr_array_index(dec->containers, k))->mode == DT_MODE_DEVICE)
            return TRUE;
    return FALSE;
}

/* The VM migrates as its worst container: one perpetual container re-sends
 * RAM every round whatever the others do. */
static DtMode
vm_mode(Ctx *c)
{
    static const int rank[] = {
        [DT_MODE_NONE] = -1, [DT_MODE_DEVICE] = 0, [DT_MODE_IOMMU] = 1,
        [DT_MODE_UNKNOWN] = 2, [DT_MODE_PERPETUAL] = 3,
    };
    DtMode worst = DT_MODE_NONE;

    for (guint k = 0; k < c->dec->containers->len; k++) {
        DtContainer *ct = g_ptr_array_index(c->dec->containers, k);
        if (c->cont_unknown[k] && (ct->mode == DT_MODE_DEVICE || ct->mode == DT_MODE_IOMMU))
            ct->mode = DT_MODE_UNKNOWN;
        if (rank[ct->mode] > rank[worst])
            worst = ct->mode;
    }
    return worst;
}

/* A failover VF in the legacy container of a DMA-logging device: whether
 * it is unplugged before QEMU asks every device of the container to log
 * DMA is a matter of timing. */
static void
failover_shared(Ctx *c)
{
    for (guint i = 0; i < c->n_devs; i++) {
        DevCtx *d = &c->devs[i];
        if (!d->failover || has_viommu(c) || dt_domain_hostdev_uses_iommufd(c->in->domain, d->h))
            continue;
        for (guint k = 0; k < c->dec->containers->len; k++) {
            DtContainer *ct = g_ptr_array_index(c->dec->containers, k);
            if (strcmp(ct->id, "legacy") != 0 || ct->mode != DT_MODE_DEVICE)
                continue;
            add_reason(c, R_FAILOVER_SHARED, DT_SEVERITY_WARNING, KIND_NOTE, d->f->address,
                       _("Failover VF %s shares the legacy container with devices that log DMA; "
                         "it has no DMA logging itself, so whether QEMU starts device tracking "
                         "depends on the VF being unplugged first. Test a migration."),
                       d->f->address);
            c->cont_unknown[k] = TRUE;
        }
    }
}

/* Per container: its verdict from the reasons about its devices, and the
 * cost of a perpetual one. */
static void
finish_containers(Ctx *c)
{
    DtDecision *dec = c->dec;

    for (guint k = 0; k < dec->containers->len; k++) {
        DtContainer *ct = g_ptr_array_index(dec->containers, k);
        guint64 state = 0;

        ct->verdict = DT_VERDICT_ALLOW;
        for (guint i = 0; i < dec->reasons->len; i++) {
            const DtReason *r = g_ptr_array_index(dec->reasons, i);
            if (g_strcmp0(r->container, ct->id) != 0)
                continue;
            if (r->severity == DT_SEVERITY_ERROR)
                ct->verdict = DT_VERDICT_DENY;
            else if (r->severity == DT_SEVERITY_WARNING && ct->verdict == DT_VERDICT_ALLOW)
                ct->verdict = DT_VERDICT_WARN;
        }
        if (ct->mode == DT_MODE_UNKNOWN && ct->verdict == DT_VERDICT_ALLOW)
            ct->verdict = DT_VERDICT_WARN;
        if (c->cont_blocked[k])
            ct->mode = DT_MODE_NONE;
        ct->tracking_granularity = c->in->host->page_size ? c->in->host->page_size : 4096;
        if (ct->mode == DT_MODE_IOMMU && c->in->domain->hugepages)
            ct->tracking_granularity = c->in->domain->hugepage_kib
                                       ? c->in->domain->hugepage_kib * 1024
                                       : G_GUINT64_CONSTANT(2) << 20;
        for (guint i = 0; i < c->n_devs; i++)
            if (c->devs[i].cont == (int)k && c->devs[i].migrates)
                state += c->devs[i].f->stop_copy_bytes;
        if (ct->mode == DT_MODE_PERPETUAL)
            ct->perpetual_downtime_ms = dt_decide_perpetual_downtime_ms(dec->ram_bytes, state,
                                                                        c->in->policy.bandwidth_mib_s);
    }
}

/* ---- VF policy ----------------------------------------------------------- */

static void
vf_prop(Ctx *c, DtVfPolicy *v, const char *name, const char *type, const char *value)
{
    if (qemu_has_prop(c, name))
        g_ptr_array_add(v->props, dt_prop_new(name, type, value));
}

static void
vf_policy(Ctx *c, DtMode mode, gboolean perpetual_ok)
{
    const DtDecideInput *in = c->in;
    const DtBand *b = c->band;
    gboolean must = in->policy.require_migratable;
    gboolean can_add_iommufd = in->domain->cmdline_iommufd_id && c->overrides_effective &&
                               qemu_has_prop(c, "iommufd");
    gboolean reach_iommu = b->iommufd_dirty;
    gboolean some_untracked = FALSE;
    gboolean want_iommu;

    /* IOMMU tracking is reachable for the whole container when every
     * migratable device sits on a dirty-tracking IOMMU and is on iommufd,
     * or the policy can put it there with the domain's own -object
     * iommufd (QEMU hw/vfio/iommufd.c, docs/devel/vfio-iommufd.rst). */
    for (guint i = 0; i < c->n_devs; i++) {
        const DevCtx *d = &c->devs[i];
        if (!d->capable || d->h->type != DT_HOSTDEV_PCI || d->missing)
            continue;
        if (!d->iommu_possible || !(d->iommufd || can_add_iommufd))
            reach_iommu = FALSE;
        if (!d->logs)
            some_untracked = TRUE;
    }
    want_iommu = reach_iommu &&
                 (in->policy.prefer == DT_PREFER_IOMMU ||
                  (some_untracked && in->policy.prefer != DT_PREFER_DEVICE));

    for (guint i = 0; i < c->n_devs; i++) {
        const DevCtx *d = &c->devs[i];
        const DtHostdev *h = d->h;
        DtVfPolicy *v;

        if (h->type != DT_HOSTDEV_PCI || d->missing)
            continue;
        v = g_new0(DtVfPolicy, 1);
        v->address = g_strdup(d->f->address);
        v->alias = h->alias ? g_strdup(h->alias)
                            : g_strdup_printf("ua-dt-%02x%02x%x", h->addr.bus, h->addr.slot,
                                              h->addr.function);
        /* the driver to bind: a migration-capable variant where the
         * database knows one this device lacks now */
        v->driver = g_strdup(!d->capable && d->variant ? d->variant : d->f->vfio_driver);
        v->must_migrate = must;
        v->props = g_ptr_array_new_with_free_func((GDestroyNotify)dt_prop_free);

        /* enable-migration: "on" where the policy wants QEMU to refuse a
         * device it cannot migrate, or to accept the perpetual mode the
         * policy allows; "auto" to keep QEMU's blockers; "off" for a
         * device that never migrates when nobody requires it. */
        if (b->enable_migration) {
            const char *em;
            if (!d->capable)
                em = must ? "on" : "off";
            else if (!d->logs && !want_iommu)
                em = perpetual_ok ? "on" : "auto";
            else
                em = must ? "on" : "auto";
            vf_prop(c, v, "enable-migration", "string", em);
        } else if (b->v2) {
            vf_prop(c, v, "x-enable-migration", "bool", d->capable ? "true" : "false");
        }

        if (want_iommu && d->capable) {
            if (!d->iommufd)
                vf_prop(c, v, "iommufd", "string", in->domain->cmdline_iommufd_id);
            if (in->policy.prefer == DT_PREFER_IOMMU && d->f->dma_logging.value == DT_TRI_YES)
                vf_prop(c, v, "x-device-dirty-page-tracking", "string", "off");
        } else if (in->policy.prefer == DT_PREFER_DEVICE && d->dev_dirty == OOA_OFF &&
                   d->f->dma_logging.value == DT_TRI_YES) {
            vf_prop(c, v, "x-device-dirty-page-tracking", "string", "on");
        }

        /* In perpetual mode every sync marks everything dirty: syncing
         * during pre-copy only re-sends RAM (QEMU hw/vfio/listener.c
         * vfio_log_sync_needed()). */
        if (mode == DT_MODE_PERPETUAL && d->migrates && b->v2)
            vf_prop(c, v, "x-pre-copy-dirty-page-tracking", "string", "off");

        g_ptr_array_add(c->dec->vf_policy, v);
    }
}

/* ---- fingerprint -------------------------------------------------------- */

static gint
cmp_finding(gconstpointer a, gconstpointer b)
{
    const DtDeviceFinding *x = *(const DtDeviceFinding *const *)a;
    const DtDeviceFinding *y = *(const DtDeviceFinding *const *)b;
    return g_strcmp0(x->address, y->address);
}

static char *
fingerprint(const DtDecision *dec)
{
    g_autoptr(GChecksum) ck = g_checksum_new(G_CHECKSUM_SHA256);
    g_autoptr(GPtrArray) sorted = g_ptr_array_new();
    const char *mode = dt_mode_to_string(dec->mode);

    for (guint i = 0; i < dec->devices->len; i++)
        g_ptr_array_add(sorted, g_ptr_array_index(dec->devices, i));
    g_ptr_array_sort(sorted, cmp_finding);
    g_checksum_update(ck, (const guchar *)mode, strlen(mode));
    for (guint i = 0; i < sorted->len; i++) {
        const DtDeviceFinding *f = g_ptr_array_index(sorted, i);
        /* no address: hosts number their devices differently, and the
         * destination compares this against the source's */
        g_autofree char *line = g_strdup_printf("\n%04x:%04x %s %u%s%s", f->vendor, f->device,
                                                f->vfio_driver ? f->vfio_driver : "-",
                                                f->mig_flags, f->mdev_type ? " " : "",
                                                f->mdev_type ? f->mdev_type : "");
        g_checksum_update(ck, (const guchar *)line, strlen(line));
    }
    return g_strdup(g_checksum_get_string(ck));
}

/* ---- destination: can this host take the stream ------------------------- */

static const DtFingerprintDevice *
source_device(const DtDomain *dom, const char *addr)
{
    const DtMetadata *m = dom->metadata;
    if (!m || !m->fp_devices)
        return NULL;
    for (guint i = 0; i < m->fp_devices->len; i++) {
        const DtFingerprintDevice *f = g_ptr_array_index(m->fp_devices, i);
        if (g_strcmp0(f->address, addr) == 0)
            return f;
    }
    return NULL;
}

/* The source wrote one <device> per hostdev, in the domain's order
 * (dt-rewrite.c), and the domain XML a destination receives keeps that
 * order while its addresses may name this host's functions: position, not
 * address, says which device of the source a hostdev here stands in for. */
static void
fingerprint_checks(Ctx *c)
{
    const DtMetadata *m = c->in->domain->metadata;

    if (!m || !m->present || !m->fp_devices || m->fp_devices->len == 0)
        return;
    if (m->fp_devices->len != c->n_devs) {
        add_reason(c, R_FP_MISMATCH, DT_SEVERITY_ERROR, KIND_ARRIVE, NULL,
                   _("The source host recorded %u passthrough devices for this VM and it arrives "
                     "with %u: the device state cannot be matched. Migrate with the same devices."),
                   m->fp_devices->len, c->n_devs);
        return;
    }
    for (guint i = 0; i < c->n_devs; i++) {
        const DevCtx *d = &c->devs[i];
        const DtFingerprintDevice *src = g_ptr_array_index(m->fp_devices, i);
        g_autofree char *id = NULL;

        if (d->missing || !d->f->present)
            continue;
        /* An mdev's state is its type's: mtty resumes only a stream with
         * its own number of ports (samples/vfio-mdev/mtty.c,
         * mtty_resume_write), vendor drivers check their type likewise. */
        if (d->h->type == DT_HOSTDEV_MDEV) {
            if (src->mdev_type && d->f->mdev_type && strcmp(src->mdev_type, d->f->mdev_type) != 0)
                add_reason(c, R_FP_MISMATCH, DT_SEVERITY_ERROR, KIND_ARRIVE, d->f->address,
                           _("Passthrough device %u of this VM was an mdev of type %s on the "
                             "source and is mdev %s of type %s here: its migration state cannot "
                             "be loaded into another type. Give the VM an mdev of type %s on "
                             "this host."),
                           i + 1, src->mdev_type, d->f->address, d->f->mdev_type, src->mdev_type);
            continue;
        }
        if (d->h->type != DT_HOSTDEV_PCI)
            continue;
        /* already refused, for the same cause, by the address rule */
        if (has_reason(c->dec, DT_R_DRIVER_NOT_BINDABLE, d->f->address))
            continue;
        id = g_strdup_printf("%04x:%04x", d->f->vendor, d->f->device);
        if (src->vendor_device && g_ascii_strcasecmp(src->vendor_device, id) != 0) {
            add_reason(c, R_FP_MISMATCH, DT_SEVERITY_ERROR, KIND_ARRIVE, d->f->address,
                       _("Passthrough device %u of this VM was PCI device %s on the source and is "
                         "%s (%s) here: its migration state cannot be loaded into another device "
                         "type. Give the VM the same device type on this host."),
                       i + 1, src->vendor_device, id, d->f->address);
        } else if (src->driver && d->f->vfio_driver &&
                   g_strcmp0(src->driver, d->f->vfio_driver) != 0) {
            add_reason(c, R_FP_MISMATCH, DT_SEVERITY_ERROR, KIND_ARRIVE, d->f->address,
                       _("Passthrough device %u of this VM was driven by %s on the source and "
                         "would be driven by %s here (%s): the state one variant driver saves "
                         "only that driver can resume. Bind %s here."),
                       i + 1, src->driver, d->f->vfio_driver, d->f->address, src->driver);
        }
    }
}

gboolean
dt_decide_code_fails_source_setup(const char *code)
{
    return g_strcmp0(code, DT_R_DMA_LOGGING_REPORT) == 0;
}

/* What the source's dry run at the VM's start recorded (DtOutgoing): a
 * device whose DMA-logging reports failed there makes QEMU on the source
 * fail at setup, with no blocker to stop `virsh migrate` first.  Only the
 * record of the host that also wrote the evaluation the VM carries counts:
 * one written elsewhere (the VM has moved since) says nothing of where it
 * leaves from now. */
static void
source_dry_run_checks(Ctx *c)
{
    const DtOutgoing *o = c->in->domain->outgoing;
    const DtMetadata *m = c->in->domain->metadata;

    if (!o || !o->present || !m->present || g_strcmp0(m->host, o->host) != 0)
        return;
    for (guint i = 0; i < o->reasons->len; i++) {
        const DtReason *r = g_ptr_array_index(o->reasons, i);

        if (!dt_decide_code_fails_source_setup(r->code))
            continue;
        add_reason(c, R_SOURCE_DMA_REPORT, DT_SEVERITY_ERROR, KIND_ARRIVE, NULL,
                   _("On the source host %s, the dry run at this VM's start (%s) found device "
                     "%s's DMA-logging reports failing (\"%s\"): QEMU there raises no blocker, "
                     "yet it would fail at setup (ram_save_setup) after this host had started "
                     "the VM's QEMU. Refused before the source sends anything. Migrate this VM "
                     "from a host whose kernel has IOMMUFD, or with "
                     "x-device-dirty-page-tracking=off and enable-migration=on."),
                   o->host, o->time ? o->time : "?", r->device ? r->device : "?", r->message);
    }
}

static void
destination_checks(Ctx *c)
{
    const DtDomain *dom = c->in->domain;

    if (!c->band->v2) {
        add_reason(c, R_DEST_LOAD, DT_SEVERITY_ERROR, KIND_ARRIVE, NULL,
                   _("QEMU %s on this host cannot load the VFIO migration stream of a newer QEMU "
                     "(protocol v2). Upgrade QEMU to 8.1 or newer here."), c->band->name);
    }
    for (guint i = 0; i < c->n_devs; i++) {
        const DevCtx *d = &c->devs[i];
        const DtFingerprintDevice *src;
        if (d->missing || d->h->type != DT_HOSTDEV_PCI)
            continue;
        src = source_device(dom, d->f->address);
        if (src && src->driver && g_strcmp0(src->driver, d->f->vfio_driver) != 0) {
            add_reason(c, R_BIND_RESUME, DT_SEVERITY_ERROR, KIND_ARRIVE, d->f->address,
                       _("Device %s was migrated by %s on the source, but this host would bind %s, "
                         "which cannot resume that state. Bind %s here (managed='no' after virsh "
                         "nodedev-detach --driver %s, or libvirt 10.0 with <driver model='%s'/>)."),
                       d->f->address, src->driver,
                       d->f->vfio_driver ? d->f->vfio_driver : _("no driver"),
                       src->driver, src->driver, src->driver);
        } else if (!d->capable && (!src || src->mig_flags)) {
            add_reason(c, R_BIND_RESUME, DT_SEVERITY_ERROR, KIND_ARRIVE, d->f->address,
                       _("Device %s would be driven by %s here, which cannot load a VFIO migration "
                         "stream: the incoming migration would fail. Provide a migration-capable "
                         "variant driver for it on this host."),
                       d->f->address, d->f->vfio_driver ? d->f->vfio_driver : _("no driver"));
        }
    }
}

/* ---- the engine ---------------------------------------------------------- */

/* The pre-flight dry run is an observed fact (dt_vfio_preflight records it
 * on the device, the caller decides again): a device that refused the
 * tracking this decision chose will refuse it when the migration starts.
 * The mode stays what was tried, so the report says what failed. */
static void
preflight_checks(Ctx *c)
{
    for (guint i = 0; i < c->n_devs; i++) {
        const DevCtx *d = &c->devs[i];
        DtMode mode;

        if (d->cont < 0 || !d->pci || d->pci->preflight.source == DT_SOURCE_NONE ||
            d->pci->preflight.value != DT_TRI_NO)
            continue;
        /* what its own container would start */
        mode = ((const DtContainer *)g_ptr_array_index(c->dec->containers, d->cont))->mode;
        if ((mode != DT_MODE_DEVICE && mode != DT_MODE_IOMMU) ||
            d->pci->preflight_iommu != (mode == DT_MODE_IOMMU))
            continue;
        add_reason(c, mode == DT_MODE_IOMMU ? R_PREFLIGHT_IOMMU : R_PREFLIGHT_LOG,
                   DT_SEVERITY_ERROR, KIND_NOTE, d->f->address,
                   _("The dry run of %s tracking on device %s failed: %s"),
                   dt_mode_to_string(mode), d->f->address,
                   d->pci->preflight_error ? d->pci->preflight_error : _("refused"));
    }
}

static const DtBand *
pick_band(Ctx *c)
{
    const DtQemuCaps *q = c->in->qemu;
    const DtBand *b = NULL;

    if (q && q->version.known)
        b = band_by_name(dt_versions_qemu_band_name(&q->version));
    if (b)
        return b;
    /* Version unknown: the binary's properties still bound the band
     * (plugin/model/dt-versions.c property table); take the oldest band they allow. */
    if (q && q->props_known) {
        if (q->has_x_device_dirty_page_tracking)
            b = band_by_name("9.1");
        else if (q->has_iommufd)
            b = band_by_name("9.0");
        else if (q->has_enable_migration)
            b = band_by_name("8.1");
    }
    if (!b)
        b = dt_versions_qemu_band_at(0);
    add_reason(c, R_BAND_UNKNOWN, DT_SEVERITY_WARNING, KIND_NOTE, NULL,
               _("The QEMU version is unknown; dirtytrack assumes the %s rules. Give the version "
                 "with --qemu-version or make the QEMU binary readable."), b->name);
    return b;
}

static gboolean
perpetual_policy(Ctx *c, DtMode mode, gboolean apply)
{
    const DtPolicy *p = &c->in->policy;
    guint64 est;

    if (p->perpetual == DT_PERPETUAL_NEVER) {
        if (apply && mode == DT_MODE_PERPETUAL)
            add_reason(c, R_PERPETUAL_NEVER, DT_SEVERITY_ERROR, KIND_POLICY, NULL,
                       _("This VM would migrate in perpetual mode (every DMA-mapped page re-sent "
                         "each round, all of RAM in the final stop), and its policy says "
                         "perpetual='never'. Give it device or IOMMU dirty tracking, or relax "
                         "the policy."));
        return FALSE;
    }
    if (p->perpetual == DT_PERPETUAL_ALLOW)
        return TRUE;
    est = dt_decide_perpetual_downtime_ms(c->dec->ram_bytes, c->dec->device_state_bytes,
                                          p->bandwidth_mib_s);
    if (p->max_downtime_ms && est > p->max_downtime_ms) {
        if (apply && mode == DT_MODE_PERPETUAL)
            add_reason(c, R_PERPETUAL_BUDGET, DT_SEVERITY_ERROR, KIND_POLICY, NULL,
                       _("In perpetual mode this VM's final stop would move %" PRIu64
                         " MiB at %" PRIu64 " MiB/s: about %" PRIu64
                         " ms of downtime, over its budget of %" PRIu64 " ms. Give it "
                         "device or IOMMU dirty tracking, a faster link, or a larger budget."),
                       (c->dec->ram_bytes + c->dec->device_state_bytes) >> 20,
                       p->bandwidth_mib_s, est, p->max_downtime_ms);
        return FALSE;
    }
    return TRUE;
}

/* The downtime budget for device and IOMMU tracking: the cost model
 * (dt-cost.h, pure like this engine) is asked whether QEMU can switch over
 * with the guest frozen no longer than the budget when the daemon sets the
 * budget as downtime-limit.  Perpetual mode has its own rule above. */
static void
downtime_budget(Ctx *c, DtMode mode)
{
    const DtPolicy *p = &c->in->policy;
    DtDecision view = *c->dec;
    DtCostInputs ci;
    DtCostResult r;

    if (!p->max_downtime_ms || (mode != DT_MODE_DEVICE && mode != DT_MODE_IOMMU))
        return;
    view.mode = mode;   /* dec->mode is only written when the decision ends */
    dt_cost_inputs_from_decision(&ci, &view, p, c->in->host);
    ci.downtime_limit_ms = p->max_downtime_ms;
    if (!dt_cost_predict(&ci, &r, NULL))
        return;
    if (!r.converges || dt_cost_over_budget(&r, p->max_downtime_ms))
        add_reason(c, R_DOWNTIME_BUDGET, DT_SEVERITY_ERROR, KIND_POLICY, NULL,
                   _("With %s tracking, a dirty rate of %" PRIu64 " MiB/s and %"
                     PRIu64 " MiB/s of bandwidth, this VM %s; its downtime budget is %"
                     PRIu64 " ms. Give it more bandwidth, a larger budget, or lower "
                     "its dirty rate (see 'dirtytrack predict')."),
                   dt_mode_to_string(mode), r.effective_dirty_rate_mib_s, ci.bandwidth_mib_s,
                   r.converges ? _("would still freeze longer than that")
                               : _("would not converge within that budget"),
                   p->max_downtime_ms);
}

static DtVerdict
verdict_of(const DtDecision *d)
{
    DtVerdict v = DT_VERDICT_ALLOW;
    for (guint i = 0; i < d->reasons->len; i++) {
        const DtReason *r = g_ptr_array_index(d->reasons, i);
        if (r->severity == DT_SEVERITY_ERROR)
            return DT_VERDICT_DENY;
        if (r->severity == DT_SEVERITY_WARNING)
            v = DT_VERDICT_WARN;
    }
    return v;
}

DtDecision *
dt_decide(const DtDecideInput *in)
{
    Ctx ctx = { 0 };
    Ctx *c = &ctx;
    const DtDomain *dom;
    DtDecision *dec;
    DtMode mode = DT_MODE_NONE;
    guint n_present = 0;
    gboolean any_overrides = FALSE;

    g_return_val_if_fail(in && in->domain && in->host && in->qemu, NULL);
    dom = in->domain;
    dec = dt_decision_new();
    dec->role = in->role;
    c->in = in;
    c->dec = dec;
    c->band = pick_band(c);
    if (in->qemu->untrusted)
        add_reason(c, R_QEMU_UNTRUSTED, DT_SEVERITY_WARNING, KIND_NOTE, NULL,
                   _("%s The QEMU version is taken as unknown. Only root-owned binaries that "
                     "nobody else may change, named in the [qemu] section of the configuration "
                     "or installed as the system's emulators, are probed."),
                   in->qemu->untrusted);
    dec->qemu_band = g_strdup(c->band->name);
    dec->ram_bytes = dom->memory_kib * 1024;
    dec->log_page_size = 0;
    dec->tracking_granularity = in->host->page_size ? in->host->page_size : 4096;
    c->overrides_effective = dt_versions_libvirt_has(DT_LV_QEMU_OVERRIDE, &in->libvirt);

    if (dt_domain_n_vfio(dom) == 0 || dom->hostdevs->len == 0) {
        add_reason(c, R_NO_VFIO, DT_SEVERITY_INFO, KIND_NOTE, NULL,
                   _("The domain has no VFIO devices: QEMU tracks its RAM itself and dirtytrack "
                     "has nothing to gate."));
        add_step(c, DT_SOURCE_XML, R_NO_VFIO, g_strdup(_("no <hostdev> of type pci or mdev")),
                 g_strdup(_("mode none, migration allowed")));
        goto finish;
    }

    for (guint i = 0; i < dom->hostdevs->len; i++) {
        const DtHostdev *h = g_ptr_array_index(dom->hostdevs, i);
        if (h->overrides && h->overrides->len)
            any_overrides = TRUE;
    }
    if (any_overrides && !c->overrides_effective) {
        g_autofree char *lv = dt_version_to_string(&in->libvirt);
        add_reason(c, R_OVERRIDE_OLD, DT_SEVERITY_WARNING, KIND_NOTE, NULL,
                   _("The domain sets device properties with <qemu:override>, which libvirt %s "
                     "ignores (needs 8.2): QEMU gets its defaults. Upgrade libvirt or use "
                     "-global in <qemu:commandline>."), lv);
    }

    c->n_devs = dom->hostdevs->len;
    c->devs = g_new0(DevCtx, c->n_devs);
    c->cont_unknown = g_new0(gboolean, c->n_devs);
    c->cont_blocked = g_new0(gboolean, c->n_devs);
    for (guint i = 0; i < c->n_devs; i++)
        c->devs[i].cont = -1;
    for (guint i = 0; i < c->n_devs; i++) {
        DevCtx *d = &c->devs[i];
        g_autofree char *addr = NULL;

        d->h = g_ptr_array_index(dom->hostdevs, i);
        addr = addr_of(d->h);
        d->f = g_new0(DtDeviceFinding, 1);
        d->f->address = g_strdup(addr);
        d->f->qemu_name = g_strdup(addr);
        d->f->is_mdev = d->h->type == DT_HOSTDEV_MDEV;
        d->f->migration = DT_FACT_UNKNOWN;
        d->f->dma_logging = DT_FACT_UNKNOWN;
        d->f->iommu_dirty = DT_FACT_UNKNOWN;
        g_ptr_array_add(dec->devices, d->f);

        if (d->h->type == DT_HOSTDEV_PCI) {
            d->pci = d->h->has_addr ? dt_host_find_device(in->host, &d->h->addr) : NULL;
            if (!d->pci) {
                d->missing = TRUE;
                add_reason(c, R_NOT_FOUND,
                           in->role == DT_ROLE_DESTINATION ? DT_SEVERITY_ERROR : DT_SEVERITY_WARNING,
                           in->role == DT_ROLE_DESTINATION ? KIND_ARRIVE : KIND_NOTE, addr,
                           _("PCI device %s is not present on this host: the VM cannot run here "
                             "with it. Check the address or the host's SR-IOV configuration."), addr);
                add_step(c, DT_SOURCE_SYSFS, R_NOT_FOUND,
                         g_strdup_printf(_("%s is absent from /sys/bus/pci/devices"), addr),
                         g_strdup(_("nothing can be predicted for it")));
                continue;
            }
            d->f->vendor = d->pci->vendor;
            d->f->device = d->pci->device;
            d->f->driver = g_strdup(d->pci->driver);
        }
        n_present++;
        d->f->present = TRUE;

        if (d->h->failover) {
            /* QEMU runs no migration checks for the VF of a failover pair
             * and virtio-net unplugs it when migration starts. */
            d->failover = d->f->failover = TRUE;
            add_reason(c, R_FAILOVER, DT_SEVERITY_INFO, KIND_NOTE, addr,
                       _("Device %s is the VF of a failover pair (<teaming type='transient'/>): "
                         "QEMU runs no migration checks for it and unplugs it when migration "
                         "starts; the guest's virtio-net carries the traffic meanwhile, and the "
                         "destination plugs its own VF back."), addr);
            add_step(c, DT_SOURCE_XML, R_FAILOVER,
                     g_strdup_printf(_("%s: <interface type='hostdev'> with <teaming type='transient'/>"), addr),
                     g_strdup(_("not migrated: unplugged at migration")));
            continue;
        }

        if (d->pci) {
            if (d->pci->iommu_group < 0)
                add_reason(c, R_NO_IOMMU_GROUP, DT_SEVERITY_ERROR, KIND_START, addr,
                           _("Device %s has no IOMMU group: VFIO cannot assign it and the VM does "
                             "not start. Enable the IOMMU (intel_iommu=on or amd_iommu=on, or "
                             "firmware VT-d/AMD-Vi)."), addr);
            resolve_driver(c, d, addr);
            device_facts(c, d, addr);
        } else {
            mdev_facts(c, d, addr);
        }
        device_props(c, d, addr);
        device_backend(c, d, addr);
        if (d->pci)
            device_iommu(c, d);
        assign_container(c, d);
        device_realize(c, d, addr);
    }

    if (n_present == 0) {
        mode = DT_MODE_NONE;
        goto policy;
    }

    {
        g_autofree char *list = containers_list(dec);
        add_step(c, DT_SOURCE_XML, R_CONTAINER,
                 g_strdup_printf(_("%u VFIO container(s): %s"), dec->containers->len, list),
                 g_strdup(_("QEMU picks the tracking mode per container")));
    }

    /* libvirt before 8.6 refuses the hostdev itself and never asks QEMU
     * (qemuMigrationSrcIsAllowedHostdev): the first one ends it. */
    if (in->libvirt.known && !dt_versions_libvirt_has(DT_LV_BLOCKED_REASONS, &in->libvirt)) {
        for (guint i = 0; i < c->n_devs; i++) {
            DevCtx *d = &c->devs[i];
            g_autofree char *lv = NULL;
            DtReason *r;
            if (d->missing || d->failover)
                continue;
            lv = dt_version_to_string(&in->libvirt);
            r = add_reason(c, R_LIBVIRT_HOSTDEV, DT_SEVERITY_ERROR, KIND_LEAVE, d->f->address,
                           _("libvirt %s refuses to migrate a domain with a VFIO hostdev (%s) "
                             "before asking QEMU; only libvirt 8.6 or newer lets QEMU decide. "
                             "Upgrade libvirt."), lv, d->f->address);
            r->libvirt_message = g_strdup_printf("cannot migrate a domain with <hostdev "
                                                 "mode='subsystem' type='%s'>",
                                                 d->h->type == DT_HOSTDEV_MDEV ? "mdev" : "pci");
            break;
        }
    }

    multi_device(c);
    if (c->band->v2) {
        for (guint k = 0; k < dec->containers->len; k++)
            decide_container(c, k);
        for (guint k = 0; k < dec->containers->len; k++)
            device_mode_checks(c, k);
        if (vm_has_device_mode(dec))
            dma_ranges(c);
        failover_shared(c);
        mode = vm_mode(c);
    }

    /* Perpetual mode: where QEMU allows it, say what it means. */
    if (mode == DT_MODE_PERPETUAL && !c->leave_blocked) {
        add_reason(c, !c->band->enable_migration ? R_PERPETUAL_80 : R_MODE_PERPETUAL,
                   DT_SEVERITY_WARNING, KIND_NOTE, NULL,
                   _("No device or IOMMU tracks DMA for this VM: QEMU counts every DMA-mapped page "
                     "dirty on every round, so pre-copy does not converge and the final stop "
                     "moves all of RAM. Use devices with DMA logging or IOMMU dirty tracking "
                     "(QEMU 9.1, iommufd)."));
    }

    if (mode == DT_MODE_UNKNOWN && !c->leave_blocked)
        add_step(c, DT_SOURCE_NONE, R_UNOBSERVED,
                 g_strdup(_("a fact that decides the mode was not observed")),
                 g_strdup(_("mode unknown: see the warnings for what to probe")));
    preflight_checks(c);

policy:
    /* Cost inputs. */
    for (guint i = 0; i < c->n_devs; i++)
        if (c->devs[i].migrates)
            dec->device_state_bytes += c->devs[i].f->stop_copy_bytes;
    if (mode == DT_MODE_IOMMU && dom->hugepages)
        /* huge IOPTEs carry one dirty bit each; the default hugepage is
         * 2 MiB on x86_64 and on aarch64 with 4 KiB pages */
        dec->tracking_granularity = dom->hugepage_kib ? dom->hugepage_kib * 1024
                                                      : G_GUINT64_CONSTANT(2) << 20;
    if (mode == DT_MODE_DEVICE && !dec->log_page_size)
        dec->log_page_size = dec->tracking_granularity;

    finish_containers(c);
    if (c->leave_blocked)
        mode = DT_MODE_NONE;
    {
        gboolean perpetual_ok = perpetual_policy(c, mode, TRUE);

        if (mode != DT_MODE_NONE && !c->leave_blocked && !c->fails_at_setup) {
            if (c->band->postcopy_refused)
                add_reason(c, R_POSTCOPY, DT_SEVERITY_INFO, KIND_NOTE, NULL,
                           _("QEMU %s refuses post-copy with VFIO devices: migrate this VM with "
                             "pre-copy only (no --postcopy)."), c->band->name);
            else
                add_reason(c, R_POSTCOPY_OLD, DT_SEVERITY_INFO, KIND_NOTE, NULL,
                           _("VFIO devices cannot be migrated in post-copy, and QEMU %s does not "
                             "refuse it yet: never enable post-copy for this VM."), c->band->name);
        }
        if (!c->leave_blocked && !c->fails_at_setup)
            downtime_budget(c, mode);
        if (in->role == DT_ROLE_DESTINATION) {
            destination_checks(c);
            fingerprint_checks(c);
            source_dry_run_checks(c);
        }
        if (in->policy.require_migratable && (c->leave_blocked || c->fails_at_setup ||
                                              mode == DT_MODE_NONE ||
                                              has_reason(dec, DT_R_PERPETUAL_FORBIDDEN, NULL)))
            add_reason(c, R_REQUIRE, DT_SEVERITY_ERROR, KIND_POLICY, NULL,
                       in->role == DT_ROLE_DESTINATION
                       ? _("The policy requires this VM to stay migratable, and from this host it "
                           "could not migrate again (see the other reasons). Choose another host.")
                       : _("The policy requires this VM to be migratable, and on this host it is "
                           "not (see the other reasons)."));
        /* A demand the operator made is not met by a guess: when the mode
         * depends on a fact nobody observed, the gate stays closed until a
         * probe establishes it (the warnings say what to probe). */
        else if (in->policy.require_migratable && mode == DT_MODE_UNKNOWN)
            add_reason(c, R_REQUIRE, DT_SEVERITY_ERROR, KIND_POLICY, NULL,
                       _("The policy requires this VM to be migratable, and whether it is depends "
                         "on facts nobody has probed yet (see the other reasons for what to "
                         "probe)."));
        vf_policy(c, mode, perpetual_ok);
    }

    /* `prediction`: facts that came from the database or were predicted. */
    for (guint i = 0; i < c->n_devs; i++) {
        const DtDeviceFinding *f = c->devs[i].f;
        if (c->devs[i].missing)
            continue;
        if (f->migration.source == DT_SOURCE_DATABASE || f->migration.source == DT_SOURCE_PREDICTED ||
            f->vfio_driver_source == DT_SOURCE_PREDICTED ||
            f->dma_logging.source == DT_SOURCE_DATABASE) {
            add_reason(c, R_PREDICTION, DT_SEVERITY_INFO, KIND_NOTE, f->address,
                       _("For device %s the driver (%s) and its migration facts (%s) come from "
                         "the database or a prediction, not from the kernel. Run the probe helper "
                         "on an idle device to confirm."),
                       f->address, dt_source_to_string(f->vfio_driver_source),
                       dt_source_to_string(f->migration.source));
        }
    }

finish:
    dec->mode = mode;
    if (c->n_devs > 0) {
        /* The chain ends on what decided it: the first refusal, if any. */
        const DtReason *block = NULL;
        for (guint i = 0; i < dec->reasons->len && !block; i++) {
            const DtReason *r = g_ptr_array_index(dec->reasons, i);
            if (r->severity == DT_SEVERITY_ERROR)
                block = r;
        }
        if (block)
            add_step_src(c, DT_SOURCE_NONE, block->rule,
                         g_strdup_printf(_("%s (%s)"), block->code,
                                         block->device ? block->device : _("domain")),
                         g_strdup_printf(_("tracking mode %s; migration %s"),
                                         dt_mode_to_string(mode),
                                         dt_verdict_to_string(verdict_of(dec))));
        else
            add_step(c, DT_SOURCE_NONE,
                     mode == DT_MODE_DEVICE ? R_MODE_DEVICE :
                     mode == DT_MODE_IOMMU ? R_MODE_IOMMU : R_MODE_PERPETUAL,
                     g_strdup_printf(_("VFIO devices: %u; nothing blocks migration"), c->n_devs),
                     g_strdup_printf(_("tracking mode %s; migration %s"),
                                     dt_mode_to_string(mode),
                                     dt_verdict_to_string(verdict_of(dec))));
    }
    dec->verdict = verdict_of(dec);
    dec->fingerprint = fingerprint(dec);
    if (c->devs) {
        for (guint i = 0; i < c->n_devs; i++)
            g_free(c->devs[i].why_no_iommu);
        g_free(c->devs);
    }
    g_free(c->cont_unknown);
    g_free(c->cont_blocked);
    return dec;
}
