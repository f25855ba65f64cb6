/* scenarios.h: the decision engine's scenario matrix, as data.
 *
 * One row = one situation an operator can be in: a fixture host (the
 * topology of tests/data/hosts), the VFIO devices the domain passes
 * through, the QEMU and libvirt versions, optionally another kernel, the
 * domain's configuration, the policy and the role.  Each row says what
 * QEMU and libvirt would do (mode, verdict), which reason codes must be
 * there and which must not, and where that expectation comes from.
 *
 * Sweeps run one configuration across every QEMU band so a rule that
 * changed in one release shows up as exactly one changed row.  Reason
 * codes listed as present may be info-level (prediction, postcopy-
 * unsupported, qemu-too-old as a hint); the verdict says what counts.
 */
#pragma once

#include "model/dt-model.h"

typedef enum {
    H_INTEL_DIRTY,
    H_INTEL_NODIRTY,
    H_AMD_HDSUP,
    H_ARM_SMMUV3,
    H_NO_IOMMU,
    H_DEBIAN12,
} ScHost;

/* devices passed through (fixture addresses, tests/data/hosts/README.md) */
#define DEV_MLX5    (1u << 0)   /* 0000:3b:00.1 ConnectX VF, mlx5_vfio_pci */
#define DEV_MLX5B   (1u << 1)   /* 0000:3b:00.2 ConnectX VF (vfio-pci on debian12, intel-nodirty) */
#define DEV_QAT     (1u << 2)   /* 0000:6b:00.1 QAT VF, qat_vfio_pci (>= 6.10) */
#define DEV_PLAIN   (1u << 3)   /* 0000:17:02.0 X710 VF, vfio-pci only */
#define DEV_MISSING (1u << 4)   /* 0000:99:00.0, on no host */
#define DEV_MDEV    (1u << 5)   /* an mdev (type='mdev', vfio-pci model) */
#define DEV_MDEV2   (1u << 6)   /* a second mdev of the same type */

/* The PCI devices' fixture addresses and the driver <driver model> names
 * for them (M_MODEL), for the faces that write the row as domain XML. */
static const struct {
    guint bit;
    const char *addr;
    const char *model;
} sc_dev_table[] = {
    { DEV_MLX5, "0000:3b:00.1", "mlx5_vfio_pci" },
    { DEV_MLX5B, "0000:3b:00.2", "mlx5_vfio_pci" },
    { DEV_QAT, "0000:6b:00.1", "qat_vfio_pci" },
    { DEV_PLAIN, "0000:17:02.0", "mlx5_vfio_pci" },
    { DEV_MISSING, "0000:99:00.0", NULL },
};

/* domain and host modifiers */
#define M_PC              (1u << 0)   /* i440fx machine instead of q35 */
#define M_VIOMMU          (1u << 1)   /* <iommu model='intel'/> */
#define M_IOMMUFD_NATIVE  (1u << 2)   /* <iommufd enabled='yes'/> (libvirt 12.2) */
#define M_IOMMUFD_HOSTDEV (1u << 3)   /* <driver iommufd='yes'/> (libvirt 12.1) */
#define M_IOMMUFD_CMDLINE (1u << 4)   /* -object iommufd + <qemu:override> iommufd (libvirt 8.2) */
#define M_MANAGED_NO      (1u << 5)   /* managed='no' */
#define M_MODEL           (1u << 6)   /* <driver model='...'/> (mlx5/qat driver; mlx5 for the X710) */
#define M_RAM_64G         (1u << 7)
#define M_RAM_2G          (1u << 8)
#define M_RAM_4T          (1u << 9)
#define M_HUGEPAGES       (1u << 10)  /* 1 GiB hugepages */
#define M_FP_SOURCE       (1u << 11)  /* metadata fingerprint: the source used the variant drivers */
#define M_GLOBAL          (1u << 12)  /* props go to -global vfio-pci.* instead of <qemu:override> */
#define M_NO_ALIAS        (1u << 13)  /* hostdevs without <alias> */
#define M_PROBED_LOG      (1u << 14)  /* mlx5 VFs probed by ioctl: migration + DMA logging */
#define M_PROBED_NOLOG    (1u << 15)  /* mlx5 VFs probed by ioctl: migration, no DMA logging */
#define M_IOMMUFD_GLOBAL  (1u << 16)  /* -object iommufd + -global vfio-pci.iommufd= */
#define M_FP_MOVED        (1u << 17)  /* with M_FP_SOURCE: the source's devices sat at other PCI addresses */
#define M_LOG_LIMIT_READ  (1u << 19)  /* mlx5 VFs: firmware pg_track_log_max_addr_space read: 2^42 */
#define M_VIOMMU_NO_CM    (1u << 20)  /* <iommu model='intel'/> without caching_mode='on' */
#define M_FAILOVER        (1u << 21)  /* the X710 VF is <interface type='hostdev'> with <teaming type='transient'/> */
#define M_MTTY            (1u << 22)  /* the mdevs were probed: mtty (migration v2 STOP_COPY|P2P|PRE_COPY, DMA logging) */
#define M_REPORT_FAILS    (1u << 23)  /* with M_MTTY: a DMA_LOGGING_REPORT was tried and failed (EOPNOTSUPP) */
#define M_MLX5_LEGACY     (1u << 24)  /* the mlx5 hostdev opts out of iommufd (<driver iommufd='no'/>) */
#define M_RAM_16T         (1u << 25)
#define M_NO_IOMMUFD_HOST (1u << 26)  /* a 6.12 kernel without CONFIG_IOMMUFD: no /dev/iommu, no vfio cdev */
#define M_FP_MDEV_1       (1u << 27)  /* metadata fingerprint: the source's mdev was of type mtty-1 */
#define M_FP_MDEV_2       (1u << 28)  /* metadata fingerprint: the source's mdev was of type mtty-2 */
#define M_SOURCE_REPORT   (1u << 29)  /* the VM carries the source's dry-run record: its mdev's
                                       * DMA-logging reports failed on host lv-src */
#define M_SOURCE_ELSEWHERE (1u << 30) /* with M_SOURCE_REPORT: the record is another host's than
                                       * the one that wrote the evaluation (the VM moved since) */
#define M_FP_OTHER_ID     (1u << 18)  /* with M_FP_SOURCE: the source had a QAT VF (8086:4941,
                                       * qat_vfio_pci) where this host has the first device */

/* policy */
#define P_REQUIRE       (1u << 0)
#define P_NEVER         (1u << 1)
#define P_ALLOW         (1u << 2)
#define P_BUDGET_300    (1u << 3)    /* max-downtime-ms 300 */
#define P_BUDGET_60S    (1u << 4)    /* max-downtime-ms 60000 */
#define P_PREFER_IOMMU  (1u << 5)
#define P_PREFER_DEVICE (1u << 6)
#define P_HOT           (1u << 7)    /* dirty-rate-mib-s 2048: faster than the 1 GiB/s link */

typedef struct {
    const char *path;          /* g_test path */
    ScHost host;
    guint devs;
    const char *qemu;          /* QEMU version, NULL = unknown */
    const char *libvirt;
    const char *kernel;        /* NULL = the fixture host's kernel */
    guint mods;
    const char *props;         /* "name=value;..." vfio-pci properties */
    guint pol;
    DtRole role;
    DtMode mode;
    DtVerdict verdict;
    const char *present;       /* reason codes that must be present */
    const char *absent;        /* reason codes that must not */
    const char *source;        /* where the expectation comes from */
} Scenario;

#define SRC (DT_ROLE_SOURCE)
#define DST (DT_ROLE_DESTINATION)
#define NONE DT_MODE_NONE
#define DEVICE DT_MODE_DEVICE
#define IOMMU DT_MODE_IOMMU
#define PERP DT_MODE_PERPETUAL
#define UNKNOWN DT_MODE_UNKNOWN
#define ALLOW DT_VERDICT_ALLOW
#define WARN DT_VERDICT_WARN
#define DENY DT_VERDICT_DENY

#define S(path, host, devs, q, lv, mods, props, pol, role, mode, verdict, present, absent, src) \
    { path, host, devs, q, lv, NULL, mods, props, pol, role, mode, verdict, present, absent, src }
#define SK(path, host, devs, q, lv, kernel, mods, props, pol, role, mode, verdict, present, absent, src) \
    { path, host, devs, q, lv, kernel, mods, props, pol, role, mode, verdict, present, absent, src }

#define Q52  "5.2.0"
#define Q72  "7.2.22"
#define Q80  "8.0.5"
#define Q81  "8.1.5"
#define Q82  "8.2.2"
#define Q90  "9.0.2"
#define Q91  "9.1.3"
#define Q100 "10.0.3"
#define Q101 "10.1.2"
#define Q102 "10.2.1"
#define Q110 "11.0.0"

#define LV90  "9.0.0"
#define LV100 "10.0.0"
#define LV121 "12.1.0"
#define LV122 "12.2.0"

#define R_13   "QEMU hw/vfio/migration.c vfio_migration_realize() by release (plugin/model/dt-versions.c)"
#define R_12   "QEMU hw/vfio/migration.c vfio_migration_realize()"
#define R_11   "QEMU hw/vfio/listener.c vfio_listener_log_global_start()"
#define R_4    "libvirt NEWS.rst, src/qemu/qemu_migration.c"

static const Scenario scenarios[] = {
    /* ---- S1: one mlx5 VF (DMA logging, P2P) on a dirty-tracking Intel host, every band */
    S("/decide/qemu-5.2/mlx5/v1-protocol -> deny", H_INTEL_DIRTY, DEV_MLX5, Q52, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "qemu-protocol-mismatch", "no-migration-driver", R_13 " 5.2-7.2 v1; Linux VFIO pulls by release (plugin/model/dt-versions.c) v2 since 5.18"),
    S("/decide/qemu-7.2/mlx5/v1-protocol -> deny", H_INTEL_DIRTY, DEV_MLX5, Q72, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "qemu-protocol-mismatch", "viommu,no-dirty-tracking", R_13 " 5.2-7.2 v1, §6"),
    S("/decide/qemu-8.0/mlx5/x-enable-migration-default-off -> deny", H_INTEL_DIRTY, DEV_MLX5, Q80, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "migration-disabled", "qemu-protocol-mismatch", R_13 " 8.0 still x-enable-migration (bool, default false); §1.4"),
    S("/decide/qemu-8.1/mlx5/all-devices-log -> device", H_INTEL_DIRTY, DEV_MLX5, Q81, LV100, 0, NULL, 0, SRC,
      DEVICE, ALLOW, "postcopy-unsupported,prediction", "no-dirty-tracking,mixed-tracking", R_11 " step 2; " R_13 " 8.1"),
    S("/decide/qemu-8.2/mlx5/all-devices-log -> device", H_INTEL_DIRTY, DEV_MLX5, Q82, LV100, 0, NULL, 0, SRC,
      DEVICE, ALLOW, "postcopy-unsupported", "no-dirty-tracking,dma-logging-range", R_11 " step 2; " R_12 " row 6"),
    S("/decide/qemu-9.0/mlx5/all-devices-log -> device", H_INTEL_DIRTY, DEV_MLX5, Q90, LV100, 0, NULL, 0, SRC,
      DEVICE, ALLOW, "postcopy-unsupported", "iommufd-not-configured", R_11 " step 2"),
    S("/decide/qemu-9.1/mlx5/all-devices-log -> device", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, 0, NULL, 0, SRC,
      DEVICE, ALLOW, "postcopy-unsupported", "iommufd-not-configured,mixed-tracking", R_11 " step 2 (device before IOMMU)"),
    S("/decide/qemu-10.0/mlx5/all-devices-log -> device", H_INTEL_DIRTY, DEV_MLX5, Q100, LV100, 0, NULL, 0, SRC,
      DEVICE, ALLOW, "postcopy-unsupported", "no-dirty-tracking", R_11 " step 2"),
    S("/decide/qemu-10.1/mlx5/all-devices-log -> device", H_INTEL_DIRTY, DEV_MLX5, Q101, LV100, 0, NULL, 0, SRC,
      DEVICE, ALLOW, "postcopy-unsupported", "no-dirty-tracking", R_11 " step 2 (current logic)"),
    S("/decide/qemu-10.2/mlx5/all-devices-log -> device", H_INTEL_DIRTY, DEV_MLX5, Q102, LV100, 0, NULL, 0, SRC,
      DEVICE, ALLOW, "postcopy-unsupported", "no-dirty-tracking", "QEMU hw/vfio/listener.c vfio_listener_log_global_start() (10.2 renames only)"),
    S("/decide/qemu-11.0/mlx5/all-devices-log -> device", H_INTEL_DIRTY, DEV_MLX5, Q110, LV100, 0, NULL, 0, SRC,
      DEVICE, ALLOW, "postcopy-unsupported", "no-dirty-tracking", R_11 " (same since 10.1)"),

    /* ---- S2: x-enable-migration=on through <qemu:override> */
    S("/decide/qemu-7.2/mlx5/x-enable-migration-on -> deny", H_INTEL_DIRTY, DEV_MLX5, Q72, LV100, 0, "x-enable-migration=on", 0, SRC,
      NONE, DENY, "qemu-protocol-mismatch", "qemu-property-unknown", R_13 " 5.2-7.2: v1 region absent on kernels >= 5.18"),
    S("/decide/qemu-8.0/mlx5/x-enable-migration-on -> device", H_INTEL_DIRTY, DEV_MLX5, Q80, LV100, 0, "x-enable-migration=on", 0, SRC,
      DEVICE, ALLOW, "postcopy-unsupported", "migration-disabled", R_13 " 8.0: v2 + DMA logging (2 ranges)"),
    S("/decide/qemu-8.1/mlx5/x-enable-migration-removed -> deny", H_INTEL_DIRTY, DEV_MLX5, Q81, LV100, 0, "x-enable-migration=on", 0, SRC,
      NONE, DENY, "qemu-property-unknown", "migration-disabled", "QEMU hw/vfio/pci.c vfio_pci_dev_properties (x-enable-migration removed in 8.1)"),
    S("/decide/qemu-9.1/mlx5/x-enable-migration-removed -> deny", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, 0, "x-enable-migration=on", 0, SRC,
      NONE, DENY, "qemu-property-unknown", NULL, "QEMU hw/vfio/pci.c vfio_pci_dev_properties"),

    /* ---- S3: one QAT VF (migration, no DMA logging), legacy container, enable-migration=auto */
    S("/decide/qemu-7.2/qat/legacy -> deny", H_INTEL_DIRTY, DEV_QAT, Q72, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "qemu-protocol-mismatch", NULL, R_13 " 5.2-7.2; data/variant-drivers.xml (Linux drivers/vfio/pci/*/main.c) qat_vfio_pci 6.10 (v2)"),
    S("/decide/qemu-8.0/qat/legacy-default -> deny", H_INTEL_DIRTY, DEV_QAT, Q80, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "migration-disabled", NULL, R_13 " 8.0 x-enable-migration default false"),
    S("/decide/qemu-8.1/qat/legacy-auto -> deny", H_INTEL_DIRTY, DEV_QAT, Q81, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "no-dirty-tracking,qemu-too-old", "iommufd-not-configured", R_13 " 8.1: auto needs device dirty tracking"),
    S("/decide/qemu-8.2/qat/legacy-auto -> deny", H_INTEL_DIRTY, DEV_QAT, Q82, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "no-dirty-tracking", "postcopy-unsupported", R_13 " 8.1-9.0 auto rule"),
    S("/decide/qemu-9.0/qat/legacy-auto -> deny", H_INTEL_DIRTY, DEV_QAT, Q90, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "no-dirty-tracking", NULL, R_13 " 9.0: no iommufd dirty tracking yet"),
    S("/decide/qemu-9.1/qat/legacy-auto -> deny", H_INTEL_DIRTY, DEV_QAT, Q91, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "no-dirty-tracking,iommufd-not-configured", NULL, R_12 " row 3; type1 does not count under auto"),
    S("/decide/qemu-10.0/qat/legacy-auto -> deny", H_INTEL_DIRTY, DEV_QAT, Q100, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "no-dirty-tracking,iommufd-not-configured", NULL, R_12 " row 3"),
    S("/decide/qemu-10.1/qat/legacy-auto -> deny", H_INTEL_DIRTY, DEV_QAT, Q101, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "no-dirty-tracking,iommufd-not-configured", NULL, R_12 " row 3"),

    /* ---- S4: QAT with enable-migration=on: perpetual where QEMU allows it */
    S("/decide/qemu-7.2/qat/enable-migration-on -> deny", H_INTEL_DIRTY, DEV_QAT, Q72, LV100, 0, "enable-migration=on", 0, SRC,
      NONE, DENY, "qemu-too-old,qemu-protocol-mismatch", NULL, "QEMU hw/vfio/pci.c vfio_pci_dev_properties (enable-migration since 8.1)"),
    S("/decide/qemu-8.0/qat/enable-migration-on -> deny", H_INTEL_DIRTY, DEV_QAT, Q80, LV100, 0, "enable-migration=on", 0, SRC,
      NONE, DENY, "qemu-too-old", NULL, "QEMU hw/vfio/pci.c vfio_pci_dev_properties"),
    S("/decide/qemu-8.0/qat/x-enable-migration-on -> perpetual", H_INTEL_DIRTY, DEV_QAT, Q80, LV100, 0, "x-enable-migration=on", 0, SRC,
      PERP, WARN, "no-dirty-tracking", "migration-disabled", R_13 " 8.0: migration without dirty tracking allowed"),
    S("/decide/qemu-8.1/qat/enable-migration-on -> perpetual", H_INTEL_DIRTY, DEV_QAT, Q81, LV100, 0, "enable-migration=on", 0, SRC,
      PERP, WARN, "no-dirty-tracking,postcopy-unsupported", NULL, R_12 " row 3 (on: warn_report)"),
    S("/decide/qemu-8.2/qat/enable-migration-on -> perpetual", H_INTEL_DIRTY, DEV_QAT, Q82, LV100, 0, "enable-migration=on", 0, SRC,
      PERP, WARN, "no-dirty-tracking", NULL, R_12 " row 3"),
    S("/decide/qemu-9.0/qat/enable-migration-on -> perpetual", H_INTEL_DIRTY, DEV_QAT, Q90, LV100, 0, "enable-migration=on", 0, SRC,
      PERP, WARN, "no-dirty-tracking", NULL, R_12 " row 3"),
    S("/decide/qemu-9.1/qat/enable-migration-on -> perpetual", H_INTEL_DIRTY, DEV_QAT, Q91, LV100, 0, "enable-migration=on", 0, SRC,
      PERP, WARN, "no-dirty-tracking,iommufd-not-configured", NULL, R_12 " row 3; " R_11 " step 4"),
    S("/decide/qemu-10.1/qat/enable-migration-on -> perpetual", H_INTEL_DIRTY, DEV_QAT, Q101, LV100, 0, "enable-migration=on", 0, SRC,
      PERP, WARN, "no-dirty-tracking", NULL, R_12 " row 3"),
    S("/decide/qemu-9.1/qat/global-enable-migration-on -> perpetual", H_INTEL_DIRTY, DEV_QAT, Q91, LV100, M_GLOBAL, "enable-migration=on", 0, SRC,
      PERP, WARN, "no-dirty-tracking", NULL, R_4 " (-global vfio-pci.* reaches every device)"),

    /* ---- S5: QAT on the iommufd backend, libvirt 12.2 <iommufd enabled='yes'/> */
    S("/decide/qemu-7.2/qat/iommufd -> deny", H_INTEL_DIRTY, DEV_QAT, Q72, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      NONE, DENY, "qemu-too-old,qemu-protocol-mismatch", NULL, R_13 " 9.0 iommufd backend"),
    S("/decide/qemu-8.0/qat/iommufd -> deny", H_INTEL_DIRTY, DEV_QAT, Q80, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      NONE, DENY, "qemu-too-old", NULL, R_13 " 9.0 iommufd backend"),
    S("/decide/qemu-8.2/qat/iommufd -> deny", H_INTEL_DIRTY, DEV_QAT, Q82, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      NONE, DENY, "qemu-too-old", NULL, R_13 " 9.0 iommufd backend"),
    S("/decide/qemu-9.0/qat/iommufd-no-dirty-yet -> deny", H_INTEL_DIRTY, DEV_QAT, Q90, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      NONE, DENY, "no-dirty-tracking,qemu-too-old", NULL, R_13 " 9.0: \"Dirty page sync with iommufd backend is unsupported yet\""),
    S("/decide/qemu-9.1/qat/iommufd-dirty -> iommu", H_INTEL_DIRTY, DEV_QAT, Q91, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      IOMMU, ALLOW, "postcopy-unsupported", "no-dirty-tracking,iommufd-not-configured,mixed-tracking", R_11 " step 3; " R_13 " 9.1"),
    S("/decide/qemu-10.0/qat/iommufd-dirty -> iommu", H_INTEL_DIRTY, DEV_QAT, Q100, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      IOMMU, ALLOW, NULL, "no-dirty-tracking", R_11 " step 3"),
    S("/decide/qemu-10.1/qat/iommufd-dirty -> iommu", H_INTEL_DIRTY, DEV_QAT, Q101, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      IOMMU, ALLOW, NULL, "no-dirty-tracking", R_11 " step 3"),
    S("/decide/qemu-11.0/qat/iommufd-dirty -> iommu", H_INTEL_DIRTY, DEV_QAT, Q110, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      IOMMU, ALLOW, NULL, "no-dirty-tracking", R_11 " step 3"),

    /* ---- how the domain asks for iommufd, and which libvirt reads it */
    S("/decide/qemu-9.1/qat/iommufd-native-libvirt-12.1 -> deny", H_INTEL_DIRTY, DEV_QAT, Q91, LV121, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      NONE, DENY, "libvirt-too-old,no-dirty-tracking", NULL, R_4 " (<iommufd enabled='yes'/> 12.2.0)"),
    S("/decide/qemu-9.1/qat/iommufd-hostdev-libvirt-12.1 -> iommu", H_INTEL_DIRTY, DEV_QAT, Q91, LV121, M_IOMMUFD_HOSTDEV, NULL, 0, SRC,
      IOMMU, ALLOW, NULL, "libvirt-too-old", R_4 " (<driver iommufd='yes'/> 12.1.0)"),
    S("/decide/qemu-9.1/qat/iommufd-hostdev-libvirt-11.0 -> deny", H_INTEL_DIRTY, DEV_QAT, Q91, "11.0.0", M_IOMMUFD_HOSTDEV, NULL, 0, SRC,
      NONE, DENY, "libvirt-too-old,no-dirty-tracking", NULL, R_4 " (12.1.0)"),
    S("/decide/qemu-9.1/qat/iommufd-cmdline -> iommu", H_INTEL_DIRTY, DEV_QAT, Q91, LV100, M_IOMMUFD_CMDLINE, NULL, 0, SRC,
      IOMMU, ALLOW, NULL, "libvirt-too-old,iommufd-not-configured", R_4 " (<qemu:override> 8.2); §1.5"),
    S("/decide/qemu-9.1/qat/iommufd-cmdline-libvirt-8.0 -> deny", H_INTEL_DIRTY, DEV_QAT, Q91, "8.0.0", M_IOMMUFD_CMDLINE | M_MANAGED_NO, NULL, 0, SRC,
      NONE, DENY, "libvirt-too-old,no-dirty-tracking", NULL, R_4 " (<qemu:override> ignored before 8.2)"),
    S("/decide/qemu-9.1/qat/iommufd-global-libvirt-8.0 -> deny", H_INTEL_DIRTY, DEV_QAT, Q91, "8.0.0", M_IOMMUFD_GLOBAL | M_MANAGED_NO, NULL, 0, SRC,
      NONE, DENY, "libvirt-too-old", "no-dirty-tracking", "libvirt qemuMigrationSrcIsAllowedHostdev() before 8.6.0; <qemu:commandline> -global reaches QEMU"),
    S("/decide/qemu-9.1/mlx5-qat/iommufd-global -> iommu", H_AMD_HDSUP, DEV_MLX5 | DEV_QAT, Q91, LV100, M_IOMMUFD_GLOBAL, NULL, 0, SRC,
      IOMMU, WARN, "mixed-tracking", "no-dirty-tracking", R_4 "; " R_11 " step 3"),
    S("/decide/qemu-9.0/qat/iommufd-cmdline -> deny", H_INTEL_DIRTY, DEV_QAT, Q90, LV100, M_IOMMUFD_CMDLINE, NULL, 0, SRC,
      NONE, DENY, "qemu-too-old,no-dirty-tracking", NULL, R_13 " 9.0"),
    S("/decide/qemu-8.2/qat/iommufd-cmdline -> deny", H_INTEL_DIRTY, DEV_QAT, Q82, LV100, M_IOMMUFD_CMDLINE, NULL, 0, SRC,
      NONE, DENY, "qemu-too-old", NULL, "QEMU hw/vfio/pci.c vfio_pci_dev_properties (iommufd property since 9.0)"),

    /* ---- IOMMU hardware on the other fixture hosts */
    S("/decide/qemu-9.1/qat/intel-nodirty-iommufd -> deny", H_INTEL_NODIRTY, DEV_QAT, Q91, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      NONE, DENY, "iommu-dirty-unsupported,no-dirty-tracking", "iommufd-not-configured", "Linux drivers/iommu/intel/iommu.c (ECAP.SLADS) (SLADS); " R_12 " row 3"),
    S("/decide/qemu-9.1/qat/intel-nodirty-enable-on -> perpetual", H_INTEL_NODIRTY, DEV_QAT, Q91, LV100, 0, "enable-migration=on", 0, SRC,
      PERP, WARN, "no-dirty-tracking", "iommufd-not-configured", "Linux drivers/iommu/intel/iommu.c (ECAP.SLADS); " R_11 " step 4"),
    S("/decide/qemu-9.1/qat/amd-hdsup-iommufd -> iommu", H_AMD_HDSUP, DEV_QAT, Q91, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      IOMMU, ALLOW, NULL, "iommu-dirty-unsupported", "Linux drivers/iommu/amd/iommu.c (EFR.HDSup) (EFR HDSup)"),
    S("/decide/qemu-9.1/qat/amd-hdsup-legacy -> deny", H_AMD_HDSUP, DEV_QAT, Q91, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "iommufd-not-configured,no-dirty-tracking", NULL, "Linux drivers/iommu/amd/iommu.c (EFR.HDSup), §7"),
    SK("/decide/qemu-9.1/qat/amd-kernel-6.5-iommufd -> deny", H_AMD_HDSUP, DEV_QAT, Q91, LV122, "6.5.0", M_IOMMUFD_NATIVE | M_MANAGED_NO, NULL, 0, SRC,
      NONE, DENY, "no-migration-driver", NULL, "data/variant-drivers.xml (Linux drivers/vfio/pci/*/main.c) (qat_vfio_pci 6.10)"),
    S("/decide/qemu-9.1/qat/smmuv3-unknown-iommufd -> deny", H_ARM_SMMUV3, DEV_QAT, Q91, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      NONE, DENY, "iommu-dirty-unsupported,no-dirty-tracking", NULL, "Linux drivers/iommu/arm/arm-smmu-v3 (HTTU) (no HTTU in sysfs)"),
    S("/decide/qemu-9.1/mlx5/smmuv3-logs -> device", H_ARM_SMMUV3, DEV_MLX5, Q91, LV100, 0, NULL, 0, SRC,
      DEVICE, ALLOW, NULL, "iommu-dirty-unsupported", R_11 " step 2 (device tracking needs no IOMMU)"),
    S("/decide/qemu-9.1/mlx5/no-iommu-group -> deny", H_NO_IOMMU, DEV_MLX5, Q91, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "driver-not-bindable", NULL, "Linux drivers/vfio/group.c (iommu_group) (iommu_group)"),
    S("/decide/qemu-9.1/qat/no-iommu-group -> deny", H_NO_IOMMU, DEV_QAT, Q91, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "driver-not-bindable", NULL, "Linux drivers/vfio/group.c (iommu_group) (iommu_group)"),

    /* ---- S6: plain vfio-pci (X710 VF): no migration driver in any band */
    S("/decide/qemu-7.2/plain/no-driver -> deny", H_INTEL_DIRTY, DEV_PLAIN, Q72, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "no-migration-driver", "qemu-protocol-mismatch", "data/variant-drivers.xml (Linux drivers/vfio/pci/*/main.c) (no variant for 8086:154c)"),
    S("/decide/qemu-8.0/plain/x-enable-migration-default -> deny", H_INTEL_DIRTY, DEV_PLAIN, Q80, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "migration-disabled", NULL, "QEMU v8.0.0 hw/vfio/migration.c vfio_migration_realize() (x-enable-migration is checked before the kernel)"),
    S("/decide/qemu-8.0/plain/x-enable-migration-on -> deny", H_INTEL_DIRTY, DEV_PLAIN, Q80, LV100, 0, "x-enable-migration=on", 0, SRC,
      NONE, DENY, "no-migration-driver", "migration-disabled", "QEMU v8.0.0 hw/vfio/migration.c vfio_migration_init() (no mig_ops: ENOTTY)"),
    S("/decide/qemu-8.1/plain/no-driver -> deny", H_INTEL_DIRTY, DEV_PLAIN, Q81, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "no-migration-driver", "no-dirty-tracking", R_12 " row 2 (auto: blocker)"),
    S("/decide/qemu-8.2/plain/no-driver -> deny", H_INTEL_DIRTY, DEV_PLAIN, Q82, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "no-migration-driver", "postcopy-unsupported", R_12 " row 2"),
    S("/decide/qemu-9.0/plain/no-driver -> deny", H_INTEL_DIRTY, DEV_PLAIN, Q90, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "no-migration-driver", NULL, R_12 " row 2"),
    S("/decide/qemu-9.1/plain/no-driver -> deny", H_INTEL_DIRTY, DEV_PLAIN, Q91, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "no-migration-driver", "iommufd-not-configured", R_12 " row 2"),
    S("/decide/qemu-10.0/plain/no-driver -> deny", H_INTEL_DIRTY, DEV_PLAIN, Q100, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "no-migration-driver", NULL, R_12 " row 2"),
    S("/decide/qemu-10.1/plain/no-driver -> deny", H_INTEL_DIRTY, DEV_PLAIN, Q101, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "no-migration-driver", NULL, R_12 " row 2"),
    S("/decide/qemu-8.2/plain/enable-migration-on-realize-fails -> deny", H_INTEL_DIRTY, DEV_PLAIN, Q82, LV100, 0, "enable-migration=on", 0, SRC,
      NONE, DENY, "no-migration-driver", NULL, R_12 " row 2 (on: device realize fails)"),
    S("/decide/qemu-9.1/plain/enable-migration-off -> deny", H_INTEL_DIRTY, DEV_PLAIN, Q91, LV100, 0, "enable-migration=off", 0, SRC,
      NONE, DENY, "migration-disabled", "no-migration-driver", R_12 " row 1 (off: blocker)"),
    S("/decide/qemu-9.1/plain/require-migratable -> deny", H_INTEL_DIRTY, DEV_PLAIN, Q91, LV100, 0, NULL, P_REQUIRE, SRC,
      NONE, DENY, "no-migration-driver,require-migratable", NULL, "docs/man/dirtytrack.conf.5 (require-migratable)"),
    S("/decide/qemu-9.1/plain/driver-model-not-claimed -> deny", H_INTEL_DIRTY, DEV_PLAIN, Q91, LV100, M_MODEL, NULL, 0, SRC,
      NONE, DENY, "driver-not-bindable", NULL, "Linux drivers/pci/pci-driver.c pci_match_device() (driver_override matches the id table only)"),

    /* ---- S7: two mlx5 VFs (both P2P) */
    S("/decide/qemu-7.2/mlx5-two/v1 -> deny", H_INTEL_DIRTY, DEV_MLX5 | DEV_MLX5B, Q72, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "qemu-protocol-mismatch", "multi-device-no-p2p", R_13 " 5.2-7.2"),
    S("/decide/qemu-8.0/mlx5-two/multiple-blocked -> deny", H_INTEL_DIRTY, DEV_MLX5 | DEV_MLX5B, Q80, LV100, 0, "x-enable-migration=on", 0, SRC,
      NONE, DENY, "multi-device-no-p2p", NULL, R_13 " 8.0 (any multiple VFIO devices blocked)"),
    S("/decide/qemu-8.1/mlx5-two/multiple-blocked -> deny", H_INTEL_DIRTY, DEV_MLX5 | DEV_MLX5B, Q81, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "multi-device-no-p2p", NULL, R_13 " 8.1 unchanged; P2P relaxation is 8.2"),
    S("/decide/qemu-8.2/mlx5-two/all-p2p -> device", H_INTEL_DIRTY, DEV_MLX5 | DEV_MLX5B, Q82, LV100, 0, NULL, 0, SRC,
      DEVICE, ALLOW, NULL, "multi-device-no-p2p", R_13 " 8.2: allowed if all support P2P"),
    S("/decide/qemu-9.0/mlx5-two/all-p2p -> device", H_INTEL_DIRTY, DEV_MLX5 | DEV_MLX5B, Q90, LV100, 0, NULL, 0, SRC,
      DEVICE, ALLOW, NULL, "multi-device-no-p2p", R_12 " row 4"),
    S("/decide/qemu-9.1/mlx5-two/all-p2p -> device", H_INTEL_DIRTY, DEV_MLX5 | DEV_MLX5B, Q91, LV100, 0, NULL, 0, SRC,
      DEVICE, ALLOW, NULL, "multi-device-no-p2p", R_12 " row 4"),
    S("/decide/qemu-10.1/mlx5-two/all-p2p -> device", H_INTEL_DIRTY, DEV_MLX5 | DEV_MLX5B, Q101, LV100, 0, NULL, 0, SRC,
      DEVICE, ALLOW, NULL, "multi-device-no-p2p", R_12 " row 4"),
    S("/decide/qemu-8.2/mlx5-two/intel-nodirty-libvirt-9.0 -> deny", H_INTEL_NODIRTY, DEV_MLX5 | DEV_MLX5B, Q82, LV90, 0, NULL, 0, SRC,
      NONE, DENY, "no-migration-driver", NULL, R_4 " (libvirt < 10.0 binds vfio-pci for managed='yes')"),
    S("/decide/qemu-8.2/mlx5-two/intel-nodirty-libvirt-10.0 -> device", H_INTEL_NODIRTY, DEV_MLX5 | DEV_MLX5B, Q82, LV100, 0, NULL, 0, SRC,
      DEVICE, ALLOW, "prediction", "no-migration-driver", R_4 " (10.0 picks the modules.alias variant)"),
    S("/decide/qemu-8.2/mlx5-two/intel-nodirty-managed-no -> deny", H_INTEL_NODIRTY, DEV_MLX5 | DEV_MLX5B, Q82, LV100, M_MANAGED_NO, NULL, 0, SRC,
      NONE, DENY, "no-migration-driver", "multi-device-no-p2p", R_4 " (managed='no': what is bound now; 3b:00.2 is on vfio-pci)"),

    /* ---- S8: mlx5 + QAT on iommufd (libvirt 12.2) */
    S("/decide/qemu-7.2/mlx5-qat/iommufd -> deny", H_INTEL_DIRTY, DEV_MLX5 | DEV_QAT, Q72, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      NONE, DENY, "qemu-protocol-mismatch,qemu-too-old", NULL, R_13),
    S("/decide/qemu-8.1/mlx5-qat/iommufd -> deny", H_INTEL_DIRTY, DEV_MLX5 | DEV_QAT, Q81, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      NONE, DENY, "qemu-too-old,multi-device-no-p2p", NULL, R_13 " 8.1 multiple devices; 9.0 iommufd"),
    S("/decide/qemu-8.2/mlx5-qat/iommufd -> deny", H_INTEL_DIRTY, DEV_MLX5 | DEV_QAT, Q82, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      NONE, DENY, "qemu-too-old", "multi-device-no-p2p", R_13 " 9.0 iommufd"),
    S("/decide/qemu-9.0/mlx5-qat/iommufd-no-dirty -> deny", H_INTEL_DIRTY, DEV_MLX5 | DEV_QAT, Q90, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      NONE, DENY, "no-dirty-tracking,qemu-too-old", NULL, R_13 " 9.0"),
    S("/decide/qemu-9.1/mlx5-qat/iommufd-dirty -> iommu", H_INTEL_DIRTY, DEV_MLX5 | DEV_QAT, Q91, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      IOMMU, WARN, "mixed-tracking,postcopy-unsupported", "no-dirty-tracking,multi-device-no-p2p", R_11 " steps 2-3 (one device without logging: container tracking)"),
    S("/decide/qemu-10.0/mlx5-qat/iommufd-dirty -> iommu", H_INTEL_DIRTY, DEV_MLX5 | DEV_QAT, Q100, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      IOMMU, WARN, "mixed-tracking", "no-dirty-tracking", R_11 " steps 2-3"),
    S("/decide/qemu-10.1/mlx5-qat/iommufd-dirty -> iommu", H_INTEL_DIRTY, DEV_MLX5 | DEV_QAT, Q101, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      IOMMU, WARN, "mixed-tracking", "no-dirty-tracking", R_11 " steps 2-3"),
    S("/decide/qemu-9.1/mlx5-qat/iommufd-device-tracking-off -> iommu", H_INTEL_DIRTY, DEV_MLX5 | DEV_QAT, Q91, LV122, M_IOMMUFD_NATIVE | M_GLOBAL, "x-device-dirty-page-tracking=off", 0, SRC,
      IOMMU, ALLOW, NULL, "mixed-tracking,qemu-too-old", R_11 " step 2 (x-device-dirty-page-tracking=off)"),
    S("/decide/qemu-9.1/mlx5-qat/intel-nodirty-iommufd -> deny", H_INTEL_NODIRTY, DEV_MLX5 | DEV_QAT, Q91, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      NONE, DENY, "no-dirty-tracking,iommu-dirty-unsupported,mixed-tracking", NULL, "Linux drivers/iommu/intel/iommu.c (ECAP.SLADS); " R_12 " row 3"),
    S("/decide/qemu-9.1/mlx5-qat/amd-iommufd -> iommu", H_AMD_HDSUP, DEV_MLX5 | DEV_QAT, Q91, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      IOMMU, WARN, "mixed-tracking", NULL, "Linux drivers/iommu/amd/iommu.c (EFR.HDSup); " R_11 " step 3"),
    S("/decide/qemu-9.1/mlx5-qat/iommufd-prefer-iommu -> iommu", H_INTEL_DIRTY, DEV_MLX5 | DEV_QAT, Q91, LV122, M_IOMMUFD_NATIVE, NULL, P_PREFER_IOMMU, SRC,
      IOMMU, WARN, "mixed-tracking", NULL, R_11 " step 3"),

    /* ---- S11: mlx5 + QAT on the legacy container */
    S("/decide/qemu-8.2/mlx5-qat/legacy-auto -> deny", H_INTEL_DIRTY, DEV_MLX5 | DEV_QAT, Q82, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "no-dirty-tracking,mixed-tracking", "multi-device-no-p2p", R_13 " 8.1 auto rule; " R_11 " step 2"),
    S("/decide/qemu-9.0/mlx5-qat/legacy-auto -> deny", H_INTEL_DIRTY, DEV_MLX5 | DEV_QAT, Q90, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "no-dirty-tracking", NULL, R_13),
    S("/decide/qemu-9.1/mlx5-qat/legacy-auto -> deny", H_INTEL_DIRTY, DEV_MLX5 | DEV_QAT, Q91, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "no-dirty-tracking,iommufd-not-configured", NULL, R_12 " row 3"),
    S("/decide/qemu-10.1/mlx5-qat/legacy-auto -> deny", H_INTEL_DIRTY, DEV_MLX5 | DEV_QAT, Q101, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "no-dirty-tracking,iommufd-not-configured", NULL, R_12 " row 3"),
    S("/decide/qemu-8.2/mlx5-qat/legacy-enable-on -> perpetual", H_INTEL_DIRTY, DEV_MLX5 | DEV_QAT, Q82, LV100, M_GLOBAL, "enable-migration=on", 0, SRC,
      PERP, WARN, "no-dirty-tracking,mixed-tracking", NULL, R_11 " steps 2-4 (type1: perpetual in effect)"),
    S("/decide/qemu-9.1/mlx5-qat/iommufd-cmdline -> iommu", H_INTEL_DIRTY, DEV_MLX5 | DEV_QAT, Q91, LV100, M_IOMMUFD_CMDLINE, NULL, 0, SRC,
      IOMMU, WARN, "mixed-tracking", "no-dirty-tracking", R_4 " <qemu:override>; " R_11 " step 3"),
    S("/decide/qemu-8.1/mlx5-qat/legacy -> deny", H_INTEL_DIRTY, DEV_MLX5 | DEV_QAT, Q81, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "multi-device-no-p2p,no-dirty-tracking", NULL, R_13 " 8.1"),

    /* ---- S9: no VFIO devices at all */
    S("/decide/qemu-7.2/no-hostdev -> none", H_DEBIAN12, 0, Q72, LV90, 0, NULL, 0, SRC,
      NONE, ALLOW, "no-vfio-devices", "qemu-protocol-mismatch", R_11),
    S("/decide/qemu-8.0/no-hostdev -> none", H_INTEL_DIRTY, 0, Q80, LV100, 0, NULL, 0, SRC,
      NONE, ALLOW, "no-vfio-devices", NULL, R_11),
    S("/decide/qemu-8.2/no-hostdev -> none", H_INTEL_DIRTY, 0, Q82, LV100, 0, NULL, 0, SRC,
      NONE, ALLOW, "no-vfio-devices", "postcopy-unsupported", R_11),
    S("/decide/qemu-9.1/no-hostdev -> none", H_INTEL_DIRTY, 0, Q91, LV100, 0, NULL, 0, SRC,
      NONE, ALLOW, "no-vfio-devices", NULL, R_11),
    S("/decide/qemu-10.1/no-hostdev -> none", H_NO_IOMMU, 0, Q101, LV122, 0, NULL, 0, SRC,
      NONE, ALLOW, "no-vfio-devices", NULL, R_11),
    S("/decide/qemu-9.1/no-hostdev-never -> none", H_INTEL_DIRTY, 0, Q91, LV100, 0, NULL, P_NEVER | P_REQUIRE, SRC,
      NONE, ALLOW, "no-vfio-devices", "perpetual-forbidden,require-migratable", R_11 "; docs/man/dirtytrack.conf.5"),
    S("/decide/qemu-9.1/no-hostdev-destination -> none", H_INTEL_DIRTY, 0, Q91, LV100, 0, NULL, 0, DST,
      NONE, ALLOW, "no-vfio-devices", NULL, R_11),
    S("/decide/qemu-9.1/no-hostdev-viommu -> none", H_INTEL_DIRTY, 0, Q91, LV100, M_VIOMMU, NULL, 0, SRC,
      NONE, ALLOW, "no-vfio-devices", "viommu", R_12 " row 5 (only VFIO devices are blocked)"),

    /* ---- S10: vIOMMU */
    S("/decide/qemu-7.2/mlx5/viommu -> deny", H_INTEL_DIRTY, DEV_MLX5, Q72, LV100, M_VIOMMU, NULL, 0, SRC,
      NONE, DENY, "qemu-protocol-mismatch", "viommu", R_13),
    S("/decide/qemu-8.0/mlx5/viommu -> deny", H_INTEL_DIRTY, DEV_MLX5, Q80, LV100, M_VIOMMU, "x-enable-migration=on", 0, SRC,
      NONE, DENY, "viommu", NULL, R_13 " 8.0 (global vIOMMU blocker)"),
    S("/decide/qemu-8.1/mlx5/viommu -> deny", H_INTEL_DIRTY, DEV_MLX5, Q81, LV100, M_VIOMMU, NULL, 0, SRC,
      NONE, DENY, "viommu", NULL, R_13 " 8.1 (per-device)"),
    S("/decide/qemu-8.2/mlx5/viommu -> deny", H_INTEL_DIRTY, DEV_MLX5, Q82, LV100, M_VIOMMU, NULL, 0, SRC,
      NONE, DENY, "viommu", "postcopy-unsupported", R_12 " row 5"),
    S("/decide/qemu-9.1/mlx5/viommu -> deny", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, M_VIOMMU, NULL, 0, SRC,
      NONE, DENY, "viommu", NULL, R_12 " row 5 (relaxation series not merged)"),
    S("/decide/qemu-10.1/mlx5/viommu -> deny", H_INTEL_DIRTY, DEV_MLX5, Q101, LV100, M_VIOMMU, NULL, 0, SRC,
      NONE, DENY, "viommu", NULL, R_12 " row 5"),
    S("/decide/qemu-9.1/mlx5/viommu-enable-on -> deny", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, M_VIOMMU, "enable-migration=on", 0, SRC,
      NONE, DENY, "viommu", NULL, R_12 " row 5 (on: realize fails)"),
    S("/decide/qemu-9.1/qat/viommu-iommufd -> deny", H_INTEL_DIRTY, DEV_QAT, Q91, LV122, M_VIOMMU | M_IOMMUFD_NATIVE, NULL, 0, SRC,
      NONE, DENY, "viommu", NULL, R_12 " row 5"),
    S("/decide/qemu-9.1/mlx5/viommu-destination -> warn", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, M_VIOMMU, NULL, 0, DST,
      NONE, WARN, "viommu", "require-migratable", "docs/hook.md (destination role) (could not leave again: warning)"),
    S("/decide/qemu-9.1/mlx5/viommu-destination-require -> deny", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, M_VIOMMU, NULL, P_REQUIRE, DST,
      NONE, DENY, "viommu,require-migratable", NULL, "docs/hook.md (destination role) + require-migratable"),

    /* ---- S12: x-device-dirty-page-tracking=off on the legacy container */
    S("/decide/qemu-8.2/mlx5/device-tracking-off-unknown-prop -> deny", H_INTEL_DIRTY, DEV_MLX5, Q82, LV100, 0, "x-device-dirty-page-tracking=off", 0, SRC,
      NONE, DENY, "qemu-too-old", NULL, "QEMU hw/vfio/pci.c vfio_pci_dev_properties (since 9.1)"),
    S("/decide/qemu-9.0/mlx5/device-tracking-off-unknown-prop -> deny", H_INTEL_DIRTY, DEV_MLX5, Q90, LV100, 0, "x-device-dirty-page-tracking=off", 0, SRC,
      NONE, DENY, "qemu-too-old", NULL, "QEMU hw/vfio/pci.c vfio_pci_dev_properties (since 9.1)"),
    S("/decide/qemu-9.1/mlx5/device-tracking-off-legacy -> deny", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, 0, "x-device-dirty-page-tracking=off", 0, SRC,
      NONE, DENY, "no-dirty-tracking,iommufd-not-configured", "qemu-too-old", R_12 " row 3 (forced off counts as no logging)"),
    S("/decide/qemu-10.1/mlx5/device-tracking-off-legacy -> deny", H_INTEL_DIRTY, DEV_MLX5, Q101, LV100, 0, "x-device-dirty-page-tracking=off", 0, SRC,
      NONE, DENY, "no-dirty-tracking", NULL, R_12 " row 3"),
    S("/decide/qemu-9.1/mlx5/device-tracking-off-iommufd -> iommu", H_INTEL_DIRTY, DEV_MLX5, Q91, LV122, M_IOMMUFD_NATIVE, "x-device-dirty-page-tracking=off", 0, SRC,
      IOMMU, ALLOW, NULL, "no-dirty-tracking,mixed-tracking", R_11 " steps 2-3"),
    S("/decide/qemu-9.1/mlx5/device-tracking-off-enable-on -> perpetual", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, 0, "x-device-dirty-page-tracking=off;enable-migration=on", 0, SRC,
      PERP, WARN, "no-dirty-tracking", NULL, R_12 " row 3 (on: warning)"),
    S("/decide/qemu-9.1/mlx5/iommufd-logs -> device", H_INTEL_DIRTY, DEV_MLX5, Q91, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      DEVICE, ALLOW, NULL, "mixed-tracking,iommu-dirty-unsupported", R_11 " step 2 (device tracking first)"),

    /* ---- S13: Debian 12 (kernel 6.1, QEMU 7.2, libvirt 9.0) and its upgrades */
    S("/decide/qemu-7.2/debian12/mlx5 -> deny protocol mismatch", H_DEBIAN12, DEV_MLX5, Q72, LV90, 0, NULL, 0, SRC,
      NONE, DENY, "qemu-protocol-mismatch", "viommu", R_13 " 5.2-7.2 v1; §6 \"stock Debian 12 cannot live-migrate VFIO devices\""),
    S("/decide/qemu-7.2/debian12/mlx5-managed-no -> deny protocol mismatch", H_DEBIAN12, DEV_MLX5, Q72, LV90, M_MANAGED_NO, NULL, 0, SRC,
      NONE, DENY, "qemu-protocol-mismatch", "no-migration-driver", R_13 "; §6"),
    S("/decide/qemu-7.2/debian12/mlx5-x-enable-migration -> deny", H_DEBIAN12, DEV_MLX5, Q72, LV90, M_MANAGED_NO | M_GLOBAL, "x-enable-migration=on", 0, SRC,
      NONE, DENY, "qemu-protocol-mismatch", NULL, R_13 "; Linux VFIO pulls by release (plugin/model/dt-versions.c) (v1 removed at 5.18)"),
    S("/decide/qemu-7.2/debian12/qat -> deny", H_DEBIAN12, DEV_QAT, Q72, LV90, 0, NULL, 0, SRC,
      NONE, DENY, "no-migration-driver", "qemu-protocol-mismatch", "data/variant-drivers.xml (Linux drivers/vfio/pci/*/main.c) (qat_vfio_pci 6.10 > 6.1)"),
    S("/decide/qemu-7.2/debian12/plain -> deny", H_DEBIAN12, DEV_PLAIN, Q72, LV90, 0, NULL, 0, SRC,
      NONE, DENY, "no-migration-driver", NULL, "data/variant-drivers.xml (Linux drivers/vfio/pci/*/main.c)"),
    S("/decide/qemu-8.2/debian12/mlx5-libvirt-9.0 -> deny", H_DEBIAN12, DEV_MLX5, Q82, LV90, 0, NULL, 0, SRC,
      NONE, DENY, "no-migration-driver", "qemu-protocol-mismatch", R_4 " (libvirt 9.0 managed='yes' binds vfio-pci)"),
    S("/decide/qemu-8.2/debian12/mlx5-managed-no -> device", H_DEBIAN12, DEV_MLX5, Q82, LV90, M_MANAGED_NO, NULL, 0, SRC,
      DEVICE, ALLOW, "prediction", "no-migration-driver", "Linux VFIO pulls by release (plugin/model/dt-versions.c) (DMA logging 6.1); " R_4),
    S("/decide/qemu-8.2/debian12/mlx5-driver-model-libvirt-9.0 -> deny", H_DEBIAN12, DEV_MLX5, Q82, LV90, M_MODEL, NULL, 0, SRC,
      NONE, DENY, "libvirt-too-old,no-migration-driver", NULL, R_4 " (<driver model> 10.0)"),
    S("/decide/qemu-9.1/debian12/mlx5-libvirt-10.0 -> device", H_DEBIAN12, DEV_MLX5, Q91, LV100, 0, NULL, 0, SRC,
      DEVICE, ALLOW, NULL, "iommufd-not-configured", "Linux drivers/iommu/iommufd (6.1: no iommufd dirty tracking)"),
    S("/decide/qemu-9.1/debian12/mlx5-two-libvirt-10.0 -> device", H_DEBIAN12, DEV_MLX5 | DEV_MLX5B, Q91, LV100, 0, NULL, 0, SRC,
      DEVICE, ALLOW, "prediction", "multi-device-no-p2p", R_4 " (10.0 alias pick for 3b:00.2); " R_12 " row 4"),
    S("/decide/qemu-9.1/debian12/qat-iommufd -> deny", H_DEBIAN12, DEV_QAT, Q91, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      NONE, DENY, "no-migration-driver", NULL, "data/variant-drivers.xml (Linux drivers/vfio/pci/*/main.c) (qat_vfio_pci 6.10)"),
    S("/decide/qemu-8.1/debian12/mlx5-managed-no-no-precopy -> device", H_DEBIAN12, DEV_MLX5, Q81, LV90, M_MANAGED_NO, NULL, 0, SRC,
      DEVICE, ALLOW, "postcopy-unsupported", NULL, "Linux VFIO pulls by release (plugin/model/dt-versions.c) (PRE_COPY 6.2; not required)"),

    /* ---- kernel versions on an otherwise modern host */
    SK("/decide/qemu-9.1/mlx5/kernel-5.15-bound-backport -> unknown", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, "5.15.0", 0, NULL, 0, SRC,
      UNKNOWN, WARN, "fact-not-observed", "no-migration-driver,no-dirty-tracking", "a driver bound in sysfs beats data/variant-drivers.xml's since (RHEL 9 5.14 carries mlx5_vfio_pci); Linux drivers/vfio/pci/mlx5/main.c"),
    SK("/decide/qemu-9.1/mlx5/kernel-5.15-bound-probed -> device", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, "5.15.0", M_PROBED_LOG, NULL, 0, SRC,
      DEVICE, ALLOW, NULL, "no-migration-driver,fact-not-observed", "Linux drivers/vfio/vfio_main.c vfio_ioctl_device_feature(): the ioctl answer beats the version"),
    SK("/decide/qemu-7.2/mlx5/kernel-5.15-backport -> deny", H_INTEL_DIRTY, DEV_MLX5, Q72, LV100, "5.15.0", 0, NULL, 0, SRC,
      NONE, DENY, "qemu-protocol-mismatch,fact-not-observed", "no-migration-driver", "QEMU v7.2.0 hw/vfio/migration.c vfio_migration_probe() (v1 only; mlx5_vfio_pci bound in sysfs is a backport)"),
    SK("/decide/qemu-8.2/mlx5/kernel-6.0-no-logging -> deny", H_INTEL_DIRTY, DEV_MLX5, Q82, LV100, "6.0.0", 0, NULL, 0, SRC,
      NONE, DENY, "no-dirty-tracking", NULL, "Linux VFIO pulls by release (plugin/model/dt-versions.c) (DMA logging 6.1); " R_13 " 8.1 auto"),
    SK("/decide/qemu-8.2/mlx5/kernel-6.0-enable-on -> perpetual", H_INTEL_DIRTY, DEV_MLX5, Q82, LV100, "6.0.0", 0, "enable-migration=on", 0, SRC,
      PERP, WARN, "no-dirty-tracking", NULL, "Linux VFIO pulls by release (plugin/model/dt-versions.c); " R_12 " row 3"),
    SK("/decide/qemu-8.2/mlx5/kernel-6.1-logs -> device", H_INTEL_DIRTY, DEV_MLX5, Q82, LV100, "6.1.0", 0, NULL, 0, SRC,
      DEVICE, ALLOW, NULL, "no-dirty-tracking", "Linux VFIO pulls by release (plugin/model/dt-versions.c) (DMA logging 6.1)"),
    SK("/decide/qemu-9.1/qat/kernel-6.6-no-qat-driver -> deny", H_INTEL_DIRTY, DEV_QAT, Q91, LV122, "6.6.0", M_IOMMUFD_NATIVE, NULL, 0, SRC,
      NONE, DENY, "no-migration-driver", NULL, "data/variant-drivers.xml (Linux drivers/vfio/pci/*/main.c) (qat_vfio_pci 6.10)"),
    SK("/decide/qemu-9.1/qat/kernel-6.10-iommufd -> iommu", H_INTEL_DIRTY, DEV_QAT, Q91, LV122, "6.10.0", M_IOMMUFD_NATIVE, NULL, 0, SRC,
      IOMMU, ALLOW, NULL, "iommu-dirty-unsupported", "Linux VFIO pulls by release (plugin/model/dt-versions.c) (HWPT dirty 6.7), §5 (qat 6.10)"),

    /* ---- mdev */
    S("/decide/qemu-7.2/mdev/v1 -> deny", H_INTEL_DIRTY, DEV_MDEV, Q72, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "qemu-protocol-mismatch", NULL, R_13 " 5.2-7.2"),
    S("/decide/qemu-8.0/mdev/x-enable-migration-default -> deny", H_INTEL_DIRTY, DEV_MDEV, Q80, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "migration-disabled", NULL, R_13 " 8.0"),
    S("/decide/qemu-8.2/mdev/not-probed -> unknown", H_INTEL_DIRTY, DEV_MDEV, Q82, LV100, 0, NULL, 0, SRC,
      UNKNOWN, WARN, "fact-not-observed", "no-migration-driver,no-dirty-tracking,mdev-pinned-scope", "no mdev exception in QEMU hw/vfio/migration.c vfio_migration_realize(); the vendor driver decides"),
    S("/decide/qemu-9.1/mdev/not-probed -> unknown", H_INTEL_DIRTY, DEV_MDEV, Q91, LV100, 0, NULL, 0, SRC,
      UNKNOWN, WARN, "fact-not-observed", "no-dirty-tracking", "QEMU hw/vfio/migration.c vfio_migration_realize() (no mdev exception)"),
    S("/decide/qemu-9.1/mdev/enable-migration-off -> deny", H_INTEL_DIRTY, DEV_MDEV, Q91, LV100, 0, "enable-migration=off", 0, SRC,
      NONE, DENY, "migration-disabled", "mdev-pinned-scope", R_12 " row 1"),
    S("/decide/qemu-8.2/mdev-mlx5/mdev-not-probed -> unknown", H_INTEL_DIRTY, DEV_MDEV | DEV_MLX5, Q82, LV100, 0, NULL, 0, SRC,
      UNKNOWN, WARN, "fact-not-observed", "multi-device-no-p2p", "QEMU hw/vfio/common.c vfio_multiple_devices_migration_is_supported() (P2P is the mdev's answer)"),
    S("/decide/qemu-9.1/mdev/perpetual-never-not-probed -> unknown", H_INTEL_DIRTY, DEV_MDEV, Q91, LV100, 0, NULL, P_NEVER, SRC,
      UNKNOWN, WARN, "fact-not-observed", "perpetual-forbidden", "docs/man/dirtytrack.conf.5 (never forbids perpetual, not an unknown mode)"),
    S("/decide/qemu-9.1/mdev/require-migratable-not-probed -> deny", H_INTEL_DIRTY, DEV_MDEV, Q91, LV100, 0, NULL, P_REQUIRE, SRC,
      UNKNOWN, DENY, "fact-not-observed,require-migratable", NULL, "docs/man/dirtytrack.conf.5 (require-migratable: a guess does not meet the demand)"),

    /* ---- missing devices */
    S("/decide/qemu-9.1/missing/source -> warn", H_INTEL_DIRTY, DEV_MISSING, Q91, LV100, 0, NULL, 0, SRC,
      NONE, WARN, "device-not-found", "prediction", "docs/hook.md (device-not-found; deny only as destination)"),
    S("/decide/qemu-9.1/missing/destination -> deny", H_INTEL_DIRTY, DEV_MISSING, Q91, LV100, 0, NULL, 0, DST,
      NONE, DENY, "device-not-found", NULL, "docs/hook.md (destination role) (device present)"),
    S("/decide/qemu-9.1/missing-mlx5/source -> device", H_INTEL_DIRTY, DEV_MISSING | DEV_MLX5, Q91, LV100, 0, NULL, 0, SRC,
      DEVICE, WARN, "device-not-found", "no-dirty-tracking", "docs/hook.md; " R_11 " step 2"),
    S("/decide/qemu-9.1/missing-mlx5/destination -> deny", H_INTEL_DIRTY, DEV_MISSING | DEV_MLX5, Q91, LV100, 0, NULL, 0, DST,
      DEVICE, DENY, "device-not-found", NULL, "docs/hook.md (destination role)"),
    S("/decide/qemu-7.2/missing/source -> warn", H_DEBIAN12, DEV_MISSING, Q72, LV90, 0, NULL, 0, SRC,
      NONE, WARN, "device-not-found", "qemu-protocol-mismatch", "docs/hook.md"),

    /* ---- policy: perpetual never / within-budget / allow, require, prefer */
    S("/decide/qemu-9.1/qat/perpetual-never -> deny", H_INTEL_DIRTY, DEV_QAT, Q91, LV100, 0, "enable-migration=on", P_NEVER, SRC,
      PERP, DENY, "perpetual-forbidden,no-dirty-tracking", NULL, "docs/man/dirtytrack.conf.5 (perpetual='never')"),
    S("/decide/qemu-9.1/qat/perpetual-budget-300ms -> deny", H_INTEL_DIRTY, DEV_QAT, Q91, LV100, 0, "enable-migration=on", P_BUDGET_300, SRC,
      PERP, DENY, "perpetual-forbidden", NULL, "docs/man/dirtytrack.conf.5 (R+S)/B: 8 GiB at 1 GiB/s = 8 s > 300 ms"),
    S("/decide/qemu-9.1/qat/perpetual-budget-60s -> warn", H_INTEL_DIRTY, DEV_QAT, Q91, LV100, 0, "enable-migration=on", P_BUDGET_60S, SRC,
      PERP, WARN, "no-dirty-tracking", "perpetual-forbidden", "docs/man/dirtytrack.conf.5 (R+S)/B: 8 s < 60 s"),
    S("/decide/qemu-9.1/qat/perpetual-allow -> warn", H_INTEL_DIRTY, DEV_QAT, Q91, LV100, 0, "enable-migration=on", P_ALLOW | P_BUDGET_300, SRC,
      PERP, WARN, "no-dirty-tracking", "perpetual-forbidden", "docs/man/dirtytrack.conf.5 (perpetual='allow')"),
    S("/decide/qemu-8.0/qat/perpetual-never -> deny", H_INTEL_DIRTY, DEV_QAT, Q80, LV100, 0, "x-enable-migration=on", P_NEVER, SRC,
      PERP, DENY, "perpetual-forbidden", NULL, R_13 " 8.0; docs/man/dirtytrack.conf.5"),
    S("/decide/qemu-9.1/qat/perpetual-64g-over-60s -> deny", H_INTEL_DIRTY, DEV_QAT, Q91, LV100, M_RAM_64G, "enable-migration=on", P_BUDGET_60S, SRC,
      PERP, DENY, "perpetual-forbidden,no-dirty-tracking", NULL, "docs/man/dirtytrack.conf.5 (R+S)/B: 64 GiB at 1 GiB/s = 64 s > 60 s"),
    S("/decide/qemu-9.1/mlx5/device-budget-300ms-fits -> allow", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, 0, NULL, P_BUDGET_300, SRC,
      DEVICE, ALLOW, NULL, "predicted-downtime", "docs/cost-model.md (64 MiB/s dirty vs 1 GiB/s converges)"),
    S("/decide/qemu-9.1/mlx5/device-hot-guest-over-budget -> deny", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, 0, NULL, P_BUDGET_300 | P_HOT, SRC,
      DEVICE, DENY, "predicted-downtime", NULL, "docs/cost-model.md (dirty rate above bandwidth never converges)"),
    S("/decide/qemu-9.1/mlx5/device-hot-guest-no-budget -> allow", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, 0, NULL, P_HOT, SRC,
      DEVICE, ALLOW, NULL, "predicted-downtime", "docs/cost-model.md (the gate applies only with a budget)"),
    S("/decide/qemu-9.1/mlx5/destination-hot-guest-over-budget -> deny", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, 0, NULL, P_BUDGET_300 | P_HOT, DST,
      DEVICE, DENY, "predicted-downtime", NULL, "docs/cost-model.md (gate on the destination hook)"),
    S("/decide/qemu-9.1/mlx5/perpetual-never-device -> allow", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, 0, NULL, P_NEVER, SRC,
      DEVICE, ALLOW, NULL, "perpetual-forbidden", "docs/man/dirtytrack.conf.5 (never only forbids perpetual)"),
    S("/decide/qemu-9.1/qat/iommu-perpetual-never -> allow", H_INTEL_DIRTY, DEV_QAT, Q91, LV122, M_IOMMUFD_NATIVE, NULL, P_NEVER, SRC,
      IOMMU, ALLOW, NULL, "perpetual-forbidden", "docs/man/dirtytrack.conf.5"),
    S("/decide/qemu-9.1/mlx5/require-migratable-ok -> allow", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, 0, NULL, P_REQUIRE, SRC,
      DEVICE, ALLOW, NULL, "require-migratable", "docs/man/dirtytrack.conf.5 (require-migratable)"),
    S("/decide/qemu-9.1/qat/require-migratable-blocked -> deny", H_INTEL_DIRTY, DEV_QAT, Q91, LV100, 0, NULL, P_REQUIRE, SRC,
      NONE, DENY, "require-migratable,no-dirty-tracking", NULL, "docs/man/dirtytrack.conf.5 (require-migratable)"),
    S("/decide/qemu-9.1/qat/require-and-never -> deny", H_INTEL_DIRTY, DEV_QAT, Q91, LV100, 0, "enable-migration=on", P_REQUIRE | P_NEVER, SRC,
      PERP, DENY, "require-migratable,perpetual-forbidden", NULL, "docs/man/dirtytrack.conf.5"),
    S("/decide/qemu-9.1/mlx5/prefer-iommu-iommufd -> device", H_INTEL_DIRTY, DEV_MLX5, Q91, LV122, M_IOMMUFD_NATIVE, NULL, P_PREFER_IOMMU, SRC,
      DEVICE, ALLOW, NULL, "mixed-tracking", "docs/hook.md (prefer iommu changes the VF policy, not QEMU's choice as configured)"),
    S("/decide/qemu-8.2/mlx5/prefer-iommu-too-old -> device", H_INTEL_DIRTY, DEV_MLX5, Q82, LV100, 0, NULL, P_PREFER_IOMMU, SRC,
      DEVICE, ALLOW, NULL, "qemu-too-old", R_13 " 9.1"),
    S("/decide/qemu-9.1/mlx5/prefer-device -> device", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, 0, NULL, P_PREFER_DEVICE, SRC,
      DEVICE, ALLOW, NULL, NULL, R_11 " step 2"),

    /* ---- DMA logging ranges against device limits */
    S("/decide/qemu-8.2/mlx5/64g-ranges-fit -> device", H_INTEL_DIRTY, DEV_MLX5, Q82, LV100, M_RAM_64G, NULL, 0, SRC,
      DEVICE, ALLOW, NULL, "dma-logging-range", R_11 " step 6; QEMU commit 9ef497755afc (mlx5 2^42)"),
    S("/decide/qemu-8.2/mlx5/4t-over-assumed-2^42 -> unknown", H_INTEL_DIRTY, DEV_MLX5, Q82, LV100, M_RAM_4T, NULL, 0, SRC,
      UNKNOWN, WARN, "fact-not-observed", "dma-logging-range", "Linux drivers/vfio/pci/mlx5/cmd.c mlx5vf_start_page_tracker() (pg_track_log_max_addr_space is firmware's; 2^42 only assumed)"),
    S("/decide/qemu-8.2/mlx5/4t-over-read-limit -> deny", H_INTEL_DIRTY, DEV_MLX5, Q82, LV100, M_RAM_4T | M_LOG_LIMIT_READ, NULL, 0, SRC,
      DEVICE, DENY, "dma-logging-range", "fact-not-observed", "Linux drivers/vfio/pci/mlx5/cmd.c mlx5vf_start_page_tracker() (EOPNOTSUPP over the limit the device reported); QEMU hw/vfio/common.c vfio_listener_log_global_start() starts device logging and the migration fails there"),
    S("/decide/qemu-8.1/mlx5/4t-over-assumed-2^42 -> unknown", H_INTEL_DIRTY, DEV_MLX5, Q81, LV100, M_RAM_4T, NULL, 0, SRC,
      UNKNOWN, WARN, "fact-not-observed", "dma-logging-range", "Linux drivers/vfio/pci/mlx5/cmd.c mlx5vf_start_page_tracker() (pg_track_log_max_addr_space is firmware's; 2^42 only assumed)"),
    S("/decide/qemu-8.1/mlx5/4t-over-read-limit -> deny", H_INTEL_DIRTY, DEV_MLX5, Q81, LV100, M_RAM_4T | M_LOG_LIMIT_READ, NULL, 0, SRC,
      DEVICE, DENY, "dma-logging-range", "fact-not-observed", "Linux drivers/vfio/pci/mlx5/cmd.c mlx5vf_start_page_tracker() (EOPNOTSUPP over the limit the device reported); QEMU hw/vfio/common.c vfio_listener_log_global_start() starts device logging and the migration fails there"),
    S("/decide/qemu-9.1/mlx5/pc-4t-over-read-limit -> deny", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, M_RAM_4T | M_PC | M_LOG_LIMIT_READ, NULL, 0, SRC,
      DEVICE, DENY, "dma-logging-range", NULL, "Linux drivers/vfio/pci/mlx5/cmd.c mlx5vf_start_page_tracker(); QEMU hw/vfio/common.c vfio_listener_log_global_start() starts device logging and the migration fails there"),
    S("/decide/qemu-9.1/mlx5/64g-within-read-limit -> device", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, M_RAM_64G | M_LOG_LIMIT_READ, NULL, 0, SRC,
      DEVICE, ALLOW, NULL, "dma-logging-range,fact-not-observed", "Linux drivers/vfio/pci/mlx5/cmd.c mlx5vf_start_page_tracker()"),
    S("/decide/qemu-9.1/qat/4t-iommu-no-range-limit -> iommu", H_INTEL_DIRTY, DEV_QAT, Q91, LV122, M_RAM_4T | M_IOMMUFD_NATIVE, NULL, 0, SRC,
      IOMMU, ALLOW, NULL, "dma-logging-range", R_11 " step 3 (no DMA logging ranges in IOMMU mode)"),
    S("/decide/qemu-8.2/mlx5/pc-64g -> device", H_INTEL_DIRTY, DEV_MLX5, Q82, LV100, M_RAM_64G | M_PC, NULL, 0, SRC,
      DEVICE, ALLOW, NULL, "dma-logging-range", R_11 " step 6"),
    S("/decide/qemu-8.0/mlx5/2g-ranges -> device", H_INTEL_DIRTY, DEV_MLX5, Q80, LV100, M_RAM_2G, "x-enable-migration=on", 0, SRC,
      DEVICE, ALLOW, NULL, "dma-logging-range", R_11 " step 6"),

    /* ---- kernel-probed facts beat the database */
    S("/decide/qemu-9.1/mlx5/probed-logs -> device", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, M_PROBED_LOG, NULL, 0, SRC,
      DEVICE, ALLOW, NULL, "prediction", "Linux drivers/vfio/vfio_main.c vfio_ioctl_device_feature() (ioctl probe)"),
    S("/decide/qemu-9.1/mlx5/probed-no-logging-legacy -> deny", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, M_PROBED_NOLOG, NULL, 0, SRC,
      NONE, DENY, "no-dirty-tracking,iommufd-not-configured", "prediction", "data/variant-drivers.xml (Linux drivers/vfio/pci/*/main.c) (mlx5 log_ops need adv_virtualization)"),
    S("/decide/qemu-9.1/mlx5/probed-no-logging-iommufd -> iommu", H_INTEL_DIRTY, DEV_MLX5, Q91, LV122, M_PROBED_NOLOG | M_IOMMUFD_NATIVE, NULL, 0, SRC,
      IOMMU, ALLOW, NULL, "no-dirty-tracking,prediction", R_11 " step 3"),
    S("/decide/qemu-8.2/mlx5/probed-no-logging -> deny", H_INTEL_DIRTY, DEV_MLX5, Q82, LV100, M_PROBED_NOLOG, NULL, 0, SRC,
      NONE, DENY, "no-dirty-tracking", NULL, R_13 " 8.1 auto"),
    S("/decide/qemu-9.1/mlx5-two/probed -> device", H_INTEL_DIRTY, DEV_MLX5 | DEV_MLX5B, Q91, LV100, M_PROBED_LOG, NULL, 0, SRC,
      DEVICE, ALLOW, NULL, "prediction,multi-device-no-p2p", "Linux drivers/vfio/vfio_main.c vfio_ioctl_device_feature()"),

    /* ---- libvirt's part */
    S("/decide/qemu-9.1/mlx5/libvirt-9.0-managed-yes -> deny", H_INTEL_DIRTY, DEV_MLX5, Q91, LV90, 0, NULL, 0, SRC,
      NONE, DENY, "no-migration-driver", NULL, R_4 " (variant auto-selection 10.0)"),
    S("/decide/qemu-9.1/mlx5/libvirt-9.0-managed-no -> device", H_INTEL_DIRTY, DEV_MLX5, Q91, LV90, M_MANAGED_NO, NULL, 0, SRC,
      DEVICE, ALLOW, "prediction", "no-migration-driver", R_4 " (9.7 basic support: pre-bound driver)"),
    S("/decide/qemu-9.1/mlx5/libvirt-9.0-driver-model -> deny", H_INTEL_DIRTY, DEV_MLX5, Q91, LV90, M_MODEL, NULL, 0, SRC,
      NONE, DENY, "libvirt-too-old,no-migration-driver", NULL, R_4 " (<driver model> 10.0)"),
    S("/decide/qemu-9.1/mlx5/libvirt-10.0-driver-model -> device", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, M_MODEL, NULL, 0, SRC,
      DEVICE, ALLOW, NULL, "libvirt-too-old", R_4 " (<driver model> 10.0)"),
    S("/decide/qemu-9.1/mlx5/libvirt-8.0-refuses-hostdev -> deny", H_INTEL_DIRTY, DEV_MLX5, Q91, "8.0.0", M_MANAGED_NO, "enable-migration=off", 0, SRC,
      NONE, DENY, "libvirt-too-old", "migration-disabled", "libvirt src/qemu/qemu_migration.c qemuMigrationSrcIsAllowedHostdev() (before 8.6.0); <qemu:override> ignored before 8.2.0"),
    S("/decide/qemu-9.1/mlx5/libvirt-8.0-global-applies -> deny", H_INTEL_DIRTY, DEV_MLX5, Q91, "8.0.0", M_MANAGED_NO | M_GLOBAL, "enable-migration=off", 0, SRC,
      NONE, DENY, "migration-disabled,libvirt-too-old", NULL, "libvirt docs/drvqemu.rst (<qemu:commandline>); qemuMigrationSrcIsAllowedHostdev() before 8.6.0"),
    S("/decide/qemu-9.1/mlx5/libvirt-8.2-override -> deny", H_INTEL_DIRTY, DEV_MLX5, Q91, "8.2.0", M_MANAGED_NO, "enable-migration=off", 0, SRC,
      NONE, DENY, "migration-disabled,libvirt-too-old", NULL, "libvirt docs/drvqemu.rst (<qemu:override> 8.2.0); qemuMigrationSrcIsAllowedHostdev() before 8.6.0"),
    S("/decide/qemu-9.1/mlx5/libvirt-8.6-asks-qemu -> device", H_INTEL_DIRTY, DEV_MLX5, Q91, "8.6.0", M_MANAGED_NO, NULL, 0, SRC,
      DEVICE, ALLOW, NULL, "libvirt-too-old", "libvirt src/qemu/qemu_migration.c qemuMigrationSrcIsAllowed() (8.6.0: QEMU's blocked-reasons)"),
    S("/decide/qemu-9.1/mlx5/libvirt-8.5-refuses -> deny", H_INTEL_DIRTY, DEV_MLX5, Q91, "8.5.0", M_MANAGED_NO, NULL, 0, SRC,
      NONE, DENY, "libvirt-too-old", NULL, "libvirt qemuMigrationSrcIsAllowedHostdev() (\"cannot migrate a domain with <hostdev mode='subsystem' type='pci'>\")"),
    S("/decide/qemu-9.1/qat/libvirt-9.0-managed-yes -> deny", H_INTEL_DIRTY, DEV_QAT, Q91, LV90, 0, NULL, 0, SRC,
      NONE, DENY, "no-migration-driver", NULL, R_4),
    S("/decide/qemu-9.1/mlx5-two/intel-nodirty-model -> device", H_INTEL_NODIRTY, DEV_MLX5 | DEV_MLX5B, Q91, LV100, M_MODEL, NULL, 0, SRC,
      DEVICE, ALLOW, NULL, "no-migration-driver", R_4 " (<driver model> forces mlx5_vfio_pci)"),

    /* ---- destination role */
    S("/decide/qemu-9.1/mlx5/destination-same-driver -> device", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, M_FP_SOURCE, NULL, 0, DST,
      DEVICE, ALLOW, NULL, "driver-not-bindable,device-not-found", "docs/hook.md (destination role)"),
    S("/decide/qemu-9.1/mlx5b/destination-libvirt-9.0-vfio-pci -> deny", H_INTEL_NODIRTY, DEV_MLX5B, Q91, LV90, M_FP_SOURCE, NULL, 0, DST,
      NONE, DENY, "driver-not-bindable", NULL, "docs/hook.md (bindable to a driver that can resume the stream); " R_4),
    S("/decide/qemu-9.1/mlx5b/destination-libvirt-10.0-alias -> device", H_INTEL_NODIRTY, DEV_MLX5B, Q91, LV100, M_FP_SOURCE, NULL, 0, DST,
      DEVICE, ALLOW, "prediction", "driver-not-bindable", R_4 " (10.0 alias pick)"),
    S("/decide/qemu-7.2/mlx5/destination-cannot-load -> deny", H_DEBIAN12, DEV_MLX5, Q72, LV90, M_FP_SOURCE | M_MANAGED_NO, NULL, 0, DST,
      NONE, DENY, "qemu-protocol-mismatch", NULL, R_13 " (7.2 cannot load a v2 stream)"),
    S("/decide/qemu-9.1/qat/destination-cannot-leave -> warn", H_INTEL_DIRTY, DEV_QAT, Q91, LV100, 0, NULL, 0, DST,
      NONE, WARN, "no-dirty-tracking", "require-migratable,driver-not-bindable", "docs/hook.md (destination role)"),
    S("/decide/qemu-9.1/qat/destination-cannot-leave-require -> deny", H_INTEL_DIRTY, DEV_QAT, Q91, LV100, 0, NULL, P_REQUIRE, DST,
      NONE, DENY, "no-dirty-tracking,require-migratable", NULL, "docs/hook.md (destination role) + require-migratable"),
    S("/decide/qemu-9.1/plain/destination -> deny", H_INTEL_DIRTY, DEV_PLAIN, Q91, LV100, 0, NULL, 0, DST,
      NONE, DENY, "driver-not-bindable", NULL, "docs/hook.md (a driver that can resume the stream)"),
    S("/decide/qemu-8.1/mlx5-two/destination-cannot-leave -> warn", H_INTEL_DIRTY, DEV_MLX5 | DEV_MLX5B, Q81, LV100, M_FP_SOURCE, NULL, 0, DST,
      NONE, WARN, "multi-device-no-p2p", "driver-not-bindable", R_13 " 8.1; docs/hook.md (destination role)"),
    S("/decide/qemu-9.1/qat/destination-iommufd -> iommu", H_AMD_HDSUP, DEV_QAT, Q91, LV122, M_IOMMUFD_NATIVE, NULL, P_REQUIRE, DST,
      IOMMU, ALLOW, NULL, "require-migratable", "docs/hook.md (destination role)"),
    S("/decide/qemu-9.1/mlx5/destination-fingerprint-moved-address -> device", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, M_FP_SOURCE | M_FP_MOVED, NULL, 0, DST,
      DEVICE, ALLOW, NULL, "fingerprint-mismatch,driver-not-bindable", "docs/live-tuning.md (fingerprint) (same type and driver at the same position)"),
    S("/decide/qemu-9.1/mlx5/destination-fingerprint-other-device -> deny", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, M_FP_SOURCE | M_FP_OTHER_ID, NULL, 0, DST,
      DEVICE, DENY, "fingerprint-mismatch", "driver-not-bindable", "docs/live-tuning.md (fingerprint) (another device type at the same position)"),
    S("/decide/qemu-9.1/mlx5-two/destination-fingerprint-first-differs-second-matches -> deny", H_INTEL_DIRTY, DEV_MLX5 | DEV_MLX5B, Q91, LV100, M_FP_SOURCE | M_FP_OTHER_ID | M_FP_MOVED, NULL, 0, DST,
      DEVICE, DENY, "fingerprint-mismatch", "driver-not-bindable", "docs/live-tuning.md (fingerprint) (position 1 differs, position 2 matches)"),
    S("/decide/qemu-9.1/mlx5/destination-plain-here-require -> deny", H_INTEL_DIRTY, DEV_MLX5, Q91, LV90, M_FP_SOURCE, NULL, P_REQUIRE, DST,
      NONE, DENY, "driver-not-bindable,require-migratable", NULL, "docs/hook.md (destination role); " R_4),

    /* ---- the same two configurations on every fixture host (QEMU 10.1) */
    S("/decide/qemu-10.1/hosts/intel-nodirty-mlx5 -> device", H_INTEL_NODIRTY, DEV_MLX5, Q101, LV100, 0, NULL, 0, SRC,
      DEVICE, ALLOW, NULL, "iommufd-not-configured", R_11 " step 2 (needs no IOMMU dirty bits)"),
    S("/decide/qemu-10.1/hosts/amd-hdsup-mlx5 -> device", H_AMD_HDSUP, DEV_MLX5, Q101, LV100, 0, NULL, 0, SRC,
      DEVICE, ALLOW, NULL, NULL, R_11 " step 2"),
    S("/decide/qemu-10.1/hosts/arm-smmuv3-mlx5 -> device", H_ARM_SMMUV3, DEV_MLX5, Q101, LV100, 0, NULL, 0, SRC,
      DEVICE, ALLOW, NULL, NULL, R_11 " step 2"),
    S("/decide/qemu-10.1/hosts/no-iommu-mlx5 -> deny", H_NO_IOMMU, DEV_MLX5, Q101, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "driver-not-bindable", NULL, "Linux drivers/vfio/group.c (iommu_group) (iommu_group)"),
    S("/decide/qemu-10.1/hosts/debian12-kernel-mlx5 -> device", H_DEBIAN12, DEV_MLX5, Q101, LV100, 0, NULL, 0, SRC,
      DEVICE, ALLOW, NULL, "iommufd-not-configured", "Linux VFIO pulls by release (plugin/model/dt-versions.c) (DMA logging 6.1)"),
    S("/decide/qemu-10.1/hosts/intel-nodirty-qat-iommufd -> deny", H_INTEL_NODIRTY, DEV_QAT, Q101, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      NONE, DENY, "iommu-dirty-unsupported,no-dirty-tracking", NULL, "Linux drivers/iommu/intel/iommu.c (ECAP.SLADS) (no SLADS)"),
    S("/decide/qemu-10.1/hosts/amd-hdsup-qat-iommufd -> iommu", H_AMD_HDSUP, DEV_QAT, Q101, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      IOMMU, ALLOW, NULL, "iommu-dirty-unsupported", "Linux drivers/iommu/amd/iommu.c (EFR.HDSup) (HDSup)"),
    S("/decide/qemu-10.1/hosts/arm-smmuv3-qat-iommufd -> deny", H_ARM_SMMUV3, DEV_QAT, Q101, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      NONE, DENY, "iommu-dirty-unsupported", NULL, "Linux drivers/iommu/arm/arm-smmu-v3 (HTTU) (HTTU not readable: not assumed)"),
    S("/decide/qemu-10.1/hosts/no-iommu-qat-iommufd -> deny", H_NO_IOMMU, DEV_QAT, Q101, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      NONE, DENY, "driver-not-bindable", NULL, "Linux drivers/vfio/group.c (iommu_group)"),
    S("/decide/qemu-10.1/hosts/debian12-kernel-qat-iommufd -> deny", H_DEBIAN12, DEV_QAT, Q101, LV122, M_IOMMUFD_NATIVE, NULL, 0, SRC,
      NONE, DENY, "no-migration-driver", NULL, "data/variant-drivers.xml (Linux drivers/vfio/pci/*/main.c) (qat_vfio_pci 6.10)"),
    S("/decide/qemu-10.1/hosts/amd-hdsup-mlx5-destination -> device", H_AMD_HDSUP, DEV_MLX5, Q101, LV100, M_FP_SOURCE, NULL, P_REQUIRE, DST,
      DEVICE, ALLOW, NULL, "driver-not-bindable,require-migratable", "docs/hook.md (destination role)"),
    S("/decide/qemu-10.1/hosts/arm-smmuv3-qat-destination -> warn", H_ARM_SMMUV3, DEV_QAT, Q101, LV100, 0, NULL, 0, DST,
      NONE, WARN, "no-dirty-tracking", "driver-not-bindable", "docs/hook.md (destination role) (cannot leave: warning)"),

    /* ---- machine type, hugepages, aliases: same verdicts */
    S("/decide/qemu-9.1/mlx5/pc-machine -> device", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, M_PC, NULL, 0, SRC,
      DEVICE, ALLOW, NULL, "dma-logging-range", R_11 " step 6"),
    S("/decide/qemu-9.1/qat/iommufd-hugepages -> iommu", H_INTEL_DIRTY, DEV_QAT, Q91, LV122, M_IOMMUFD_NATIVE | M_HUGEPAGES, NULL, 0, SRC,
      IOMMU, ALLOW, NULL, NULL, "docs/man/dirtytrack.conf.5 (huge IOPTEs coarsen tracking)"),
    S("/decide/qemu-9.1/mlx5/no-alias -> device", H_INTEL_DIRTY, DEV_MLX5, Q91, LV100, M_NO_ALIAS, NULL, 0, SRC,
      DEVICE, ALLOW, NULL, NULL, "docs/hook.md VF policy alias ua-dt-*"),
    S("/decide/qemu-unknown/mlx5 -> deny", H_INTEL_DIRTY, DEV_MLX5, NULL, LV100, 0, NULL, 0, SRC,
      NONE, DENY, "prediction", NULL, "plugin/model/dt-versions.c (unknown version: oldest band)"),
    /* ---- failover pairs (<teaming type='transient'/>) */
    S("/decide/qemu-10.0/failover/vf-alone -> none", H_INTEL_DIRTY, DEV_PLAIN, Q100, LV100, M_FAILOVER, NULL, 0, SRC,
      NONE, ALLOW, "failover-unplugged", "no-migration-driver,libvirt-too-old", "QEMU hw/vfio/pci.c vfio_realize() (no migration checks with failover_pair_id); hw/net/virtio-net.c failover_unplug_primary()"),
    S("/decide/qemu-10.0/failover/libvirt-8.0 -> none", H_INTEL_DIRTY, DEV_PLAIN, Q100, "8.0.0", M_FAILOVER, NULL, 0, SRC,
      NONE, ALLOW, "failover-unplugged", "libvirt-too-old", "libvirt src/qemu/qemu_migration.c qemuMigrationSrcIsAllowedHostdev() (teaming type='transient' is let through)"),
    S("/decide/qemu-7.2/failover/vf-alone -> none", H_DEBIAN12, DEV_PLAIN, Q72, LV90, M_FAILOVER, NULL, 0, SRC,
      NONE, ALLOW, "failover-unplugged", "qemu-protocol-mismatch,no-migration-driver", "QEMU v7.2.0 hw/vfio/pci.c vfio_realize() (vfio_migration_probe only without failover_pair_id)"),
    S("/decide/qemu-10.0/failover-mlx5/shared-legacy-container -> unknown", H_INTEL_DIRTY, DEV_PLAIN | DEV_MLX5, Q100, LV100, M_FAILOVER, NULL, 0, SRC,
      UNKNOWN, WARN, "failover-unplugged,fact-not-observed", "no-migration-driver,mixed-tracking", "QEMU hw/net/virtio-net.c failover_unplug_primary() vs hw/vfio/listener.c vfio_listener_log_global_start(): timing is open"),
    S("/decide/qemu-10.0/failover-qat/iommufd -> iommu", H_INTEL_DIRTY, DEV_PLAIN | DEV_QAT, Q100, LV122, M_FAILOVER | M_IOMMUFD_NATIVE, NULL, 0, SRC,
      IOMMU, ALLOW, "failover-unplugged", "no-migration-driver,fact-not-observed", "QEMU hw/vfio/pci.c vfio_realize(); hw/vfio/iommufd.c iommufd_cdev_autodomains_get()"),

    /* ---- one decision per container */
    S("/decide/qemu-10.0/mlx5-legacy-qat-iommufd/per-container -> iommu", H_INTEL_DIRTY, DEV_MLX5 | DEV_QAT, Q100, LV122, M_IOMMUFD_NATIVE | M_MLX5_LEGACY, NULL, 0, SRC,
      IOMMU, ALLOW, NULL, "mixed-tracking,no-dirty-tracking", "QEMU hw/vfio/listener.c vfio_listener_log_global_start() per container; hw/vfio/container-legacy.c vs hw/vfio/iommufd.c"),
    S("/decide/qemu-9.0/mlx5-legacy-qat-iommufd/per-container -> deny", H_INTEL_DIRTY, DEV_MLX5 | DEV_QAT, Q90, LV122, M_IOMMUFD_NATIVE | M_MLX5_LEGACY, NULL, 0, SRC,
      NONE, DENY, "no-dirty-tracking", "mixed-tracking", "QEMU v9.0.0 docs/devel/vfio-iommufd.rst (no dirty tracking on iommufd yet)"),
    S("/decide/qemu-10.0/mlx5-legacy-qat-iommufd-enable-on -> perpetual", H_INTEL_DIRTY, DEV_MLX5 | DEV_QAT, Q100, LV122, M_IOMMUFD_NATIVE | M_MLX5_LEGACY | M_NO_IOMMUFD_HOST, NULL, 0, SRC,
      NONE, DENY, "iommufd-unavailable", NULL, "QEMU hw/vfio/iommufd.c iommufd_cdev_attach() (no cdev: the QAT VF does not realize)"),

    /* ---- QEMU 11.0 vIOMMU relaxation and the type1 limit */
    S("/decide/qemu-11.0/qat/viommu-iommufd -> iommu", H_INTEL_DIRTY, DEV_QAT, Q110, LV122, M_VIOMMU | M_IOMMUFD_NATIVE, NULL, 0, SRC,
      IOMMU, ALLOW, NULL, "viommu", "QEMU commit 0e3c1e2b2b24 (hw/vfio/migration.c vfio_migration_realize, vfio_device_dirty_pages_disabled)"),
    S("/decide/qemu-10.2/qat/viommu-iommufd -> deny", H_INTEL_DIRTY, DEV_QAT, Q102, LV122, M_VIOMMU | M_IOMMUFD_NATIVE, NULL, 0, SRC,
      NONE, DENY, "viommu", NULL, "QEMU hw/vfio/migration.c vfio_migration_realize() before commit 0e3c1e2b2b24"),
    S("/decide/qemu-11.0/mlx5/viommu-logs -> deny", H_INTEL_DIRTY, DEV_MLX5, Q110, LV100, M_VIOMMU, NULL, 0, SRC,
      NONE, DENY, "viommu", NULL, "QEMU commit 0e3c1e2b2b24 (devices that use device dirty tracking stay blocked)"),
    S("/decide/qemu-11.0/mlx5/viommu-device-tracking-off-iommufd -> iommu", H_INTEL_DIRTY, DEV_MLX5, Q110, LV122, M_VIOMMU | M_IOMMUFD_NATIVE, "x-device-dirty-page-tracking=off", 0, SRC,
      IOMMU, ALLOW, NULL, "viommu,no-dirty-tracking", "QEMU hw/vfio/device.c vfio_device_dirty_pages_disabled() (x-device-dirty-page-tracking=off)"),
    S("/decide/qemu-11.0/qat/viommu-enable-on -> perpetual", H_INTEL_DIRTY, DEV_QAT, Q110, LV100, M_VIOMMU, "enable-migration=on", 0, SRC,
      PERP, WARN, "no-dirty-tracking", "viommu", "QEMU commit 0e3c1e2b2b24 (perpetual devices with enable-migration=on may migrate)"),
    S("/decide/qemu-11.0/qat/viommu-auto -> deny", H_INTEL_DIRTY, DEV_QAT, Q110, LV100, M_VIOMMU, NULL, 0, SRC,
      NONE, DENY, "no-dirty-tracking", "viommu", "QEMU hw/vfio/migration.c vfio_migration_realize() (auto still needs tracking)"),
    S("/decide/qemu-10.0/mlx5/viommu-no-caching-mode -> deny", H_INTEL_DIRTY, DEV_MLX5, Q100, LV100, M_VIOMMU_NO_CM, NULL, 0, SRC,
      NONE, DENY, "viommu", NULL, "QEMU hw/i386/intel_iommu.c vtd_iommu_notify_flag_changed() (caching-mode=on needed for VFIO)"),
    S("/decide/qemu-11.0/qat/16t-enable-on-type1 -> deny", H_INTEL_DIRTY, DEV_QAT, Q110, LV100, M_RAM_16T, "enable-migration=on", 0, SRC,
      NONE, DENY, "type1-ram-limit", NULL, "QEMU commit 46c763311419 hw/vfio/migration.c vfio_dirty_tracking_exceed_limit() (8 TiB)"),
    S("/decide/qemu-10.2/qat/16t-enable-on-type1 -> perpetual", H_INTEL_DIRTY, DEV_QAT, Q102, LV100, M_RAM_16T, "enable-migration=on", P_ALLOW, SRC,
      PERP, WARN, "no-dirty-tracking", "type1-ram-limit", "QEMU before commit 46c763311419 (no limit check)"),
    S("/decide/qemu-11.0/qat/16t-iommufd -> iommu", H_INTEL_DIRTY, DEV_QAT, Q110, LV122, M_RAM_16T | M_IOMMUFD_NATIVE, NULL, 0, SRC,
      IOMMU, ALLOW, NULL, "type1-ram-limit", "QEMU commit 46c763311419 (iommufd has no bitmap limit)"),
    S("/decide/qemu-11.0/mlx5/16t-device-tracking -> unknown", H_INTEL_DIRTY, DEV_MLX5, Q110, LV100, M_RAM_16T, NULL, 0, SRC,
      UNKNOWN, WARN, "fact-not-observed", "type1-ram-limit", "QEMU vfio_dirty_tracking_exceed_limit() skips devices that log DMA; mlx5 limit not read"),

    /* ---- iommufd the host cannot serve */
    S("/decide/qemu-10.0/mlx5/iommufd-kernel-without-iommufd -> deny", H_INTEL_DIRTY, DEV_MLX5, Q100, LV122, M_IOMMUFD_NATIVE | M_NO_IOMMUFD_HOST, NULL, 0, SRC,
      NONE, DENY, "iommufd-unavailable", NULL, "QEMU hw/vfio/iommufd.c iommufd_cdev_attach() (vfio cdev), backends/iommufd.c iommufd_backend_connect()"),
    S("/decide/qemu-7.2/mlx5/iommufd-object -> deny", H_INTEL_DIRTY, DEV_MLX5, Q72, LV100, M_IOMMUFD_GLOBAL, NULL, 0, SRC,
      NONE, DENY, "qemu-too-old", NULL, "QEMU v7.2.22 has no iommufd object (\"Parameter 'qom-type' does not accept value 'iommufd'\")"),

    /* ---- mdevs judged from what their vendor driver answered (mtty) */
    S("/decide/qemu-10.0/mtty/probed -> device", H_INTEL_DIRTY, DEV_MDEV, Q100, LV100, M_MTTY, NULL, 0, SRC,
      DEVICE, ALLOW, NULL, "fact-not-observed,no-dirty-tracking,prediction", "Linux samples/vfio-mdev/mtty.c (mtty_migration_ops, mtty_log_ops); QEMU hw/vfio/listener.c"),
    /* the fixture's mdevs are of type mtty-2; the truth lane's libvirt
     * scenario sends an mtty-1 domain to an mtty-2 mdev */
    S("/decide/qemu-10.0/mtty/destination-fingerprint-same-mdev-type -> device", H_INTEL_DIRTY, DEV_MDEV, Q100, LV100, M_MTTY | M_FP_MDEV_2, NULL, 0, DST,
      DEVICE, ALLOW, NULL, "fingerprint-mismatch", "docs/live-tuning.md (fingerprint) (an mdev of the source's type)"),
    S("/decide/qemu-10.0/mtty/destination-fingerprint-other-mdev-type -> deny", H_INTEL_DIRTY, DEV_MDEV, Q100, LV100, M_MTTY | M_FP_MDEV_1, NULL, 0, DST,
      DEVICE, DENY, "fingerprint-mismatch", NULL, "Linux samples/vfio-mdev/mtty.c mtty_resume_write() (the stream's nr_ports must be this mdev's)"),
    /* the truth lane's report-unsupported scenario: the source (Debian's
     * kernel) dry-ran the mdev at the VM's start; the destination can log
     * and report, but the migration would fail at setup on the source */
    S("/decide/qemu-10.0/mtty/destination-source-dry-run-report-failed -> deny", H_INTEL_DIRTY, DEV_MDEV, Q100, LV100, M_MTTY | M_SOURCE_REPORT, NULL, 0, DST,
      DEVICE, DENY, "dma-logging-report-unsupported", "fingerprint-mismatch", "QEMU migration/ram.c ram_save_setup() fails after the destination started (the truth lane's QEMU 10.0.2 on Debian's 6.12: \"ram_save_setup failed\")"),
    S("/decide/qemu-10.0/mtty/destination-dry-run-of-another-host -> device", H_INTEL_DIRTY, DEV_MDEV, Q100, LV100, M_MTTY | M_SOURCE_REPORT | M_SOURCE_ELSEWHERE, NULL, 0, DST,
      DEVICE, ALLOW, NULL, "dma-logging-report-unsupported", "docs/live-tuning.md (the dry run at start): only the host that wrote the evaluation speaks for where the VM leaves from"),
    S("/decide/qemu-10.0/mtty/kernel-without-iommufd -> unknown", H_INTEL_DIRTY, DEV_MDEV, Q100, LV100, M_MTTY | M_NO_IOMMUFD_HOST, NULL, 0, SRC,
      UNKNOWN, WARN, "fact-not-observed", "dma-logging-report-unsupported", "Linux include/linux/iova_bitmap.h (EOPNOTSUPP without IOMMUFD_DRIVER); report not probed"),
    /* the truth lane's QEMU 10.0.2 on Debian's 6.12: no blocker, DMA logging
     * started (trace vfio_device_dirty_tracking_start), then "Failed to get
     * DMA logging report, iova: 0x0, size: 0xc0000: Operation not supported"
     * and ram_save_setup failed: mode device, the migration fails */
    S("/decide/qemu-10.0/mtty/report-fails -> deny", H_INTEL_DIRTY, DEV_MDEV, Q100, LV100, M_MTTY | M_NO_IOMMUFD_HOST | M_REPORT_FAILS, NULL, 0, SRC,
      DEVICE, DENY, "dma-logging-report-unsupported", "no-dirty-tracking,postcopy-unsupported", "Linux drivers/vfio/vfio_main.c vfio_ioctl_device_feature_logging_report(); QEMU 10.0.2 in the truth lane: device tracking started, \"Failed to get DMA logging report\""),
    S("/decide/qemu-10.0/mtty-two/report-fails -> deny", H_INTEL_DIRTY, DEV_MDEV | DEV_MDEV2, Q100, LV100, M_MTTY | M_NO_IOMMUFD_HOST | M_REPORT_FAILS, NULL, 0, SRC,
      DEVICE, DENY, "dma-logging-report-unsupported", "multi-device-no-p2p", "QEMU 10.0.2 in the truth lane: two mttys (P2P) start device tracking, the first report fails"),
    S("/decide/qemu-10.0/mtty/report-fails-require -> deny", H_INTEL_DIRTY, DEV_MDEV, Q100, LV100, M_MTTY | M_NO_IOMMUFD_HOST | M_REPORT_FAILS, NULL, P_REQUIRE, SRC,
      DEVICE, DENY, "dma-logging-report-unsupported,require-migratable", NULL, "docs/decision-rules.md (require-migratable: a migration that fails at setup is not migratable)"),
    /* the truth lane's QEMU 7.2.22: realize error "Property
     * 'vfio-pci.x-device-dirty-page-tracking' not found" (7.2 has no such property) */
    S("/decide/qemu-7.2/mtty/device-tracking-off -> deny", H_INTEL_DIRTY, DEV_MDEV, Q72, LV100, M_MTTY, "x-device-dirty-page-tracking=off", 0, SRC,
      NONE, DENY, "qemu-too-old", NULL, "QEMU 7.2.22 in the truth lane; qom/object.c object_property_find_err()"),
    /* the truth lane's QEMU 10.0.2: an e1000e on vfio-pci behind intel-iommu
     * (caching-mode=on) got only "VFIO migration is not supported in kernel":
     * the kernel's answer is checked before the vIOMMU */
    S("/decide/qemu-10.0/plain/viommu -> deny", H_INTEL_DIRTY, DEV_PLAIN, Q100, LV100, M_VIOMMU, NULL, 0, SRC,
      NONE, DENY, "no-migration-driver", "viommu", "QEMU 10.0.2 in the truth lane; hw/vfio/migration.c vfio_migration_realize() (vfio_viommu_preset() comes last)"),
    S("/decide/qemu-10.0/qat/viommu-auto -> deny", H_INTEL_DIRTY, DEV_QAT, Q100, LV100, M_VIOMMU, NULL, 0, SRC,
      NONE, DENY, "no-dirty-tracking", "viommu", "QEMU v10.0.0 hw/vfio/migration.c vfio_migration_realize() (the tracking blocker precedes vfio_viommu_preset())"),
    S("/decide/qemu-10.0/mtty-two/p2p -> device", H_INTEL_DIRTY, DEV_MDEV | DEV_MDEV2, Q100, LV100, M_MTTY, NULL, 0, SRC,
      DEVICE, ALLOW, NULL, "multi-device-no-p2p", "QEMU hw/vfio/common.c vfio_multiple_devices_migration_is_supported() (mtty has P2P)"),
    S("/decide/qemu-10.0/mtty-plain/only-plain-blocked -> deny", H_INTEL_DIRTY, DEV_MDEV | DEV_PLAIN, Q100, LV100, M_MTTY, NULL, 0, SRC,
      NONE, DENY, "no-migration-driver", "multi-device-no-p2p", "QEMU hw/vfio/migration.c vfio_migration_realize() (the plain device's own blocker only)"),
    S("/decide/qemu-10.0/mtty/device-tracking-off -> deny", H_INTEL_DIRTY, DEV_MDEV, Q100, LV100, M_MTTY, "x-device-dirty-page-tracking=off", 0, SRC,
      NONE, DENY, "no-dirty-tracking", NULL, "QEMU hw/vfio/migration.c vfio_migration_realize() (type1's bitmap does not count under auto)"),
    S("/decide/qemu-10.0/mtty/device-tracking-off-enable-on -> perpetual", H_INTEL_DIRTY, DEV_MDEV, Q100, LV100, M_MTTY, "x-device-dirty-page-tracking=off;enable-migration=on", 0, SRC,
      PERP, WARN, "no-dirty-tracking", NULL, "QEMU hw/vfio/migration.c vfio_migration_realize() (warn_report)"),
    S("/decide/qemu-10.0/mtty/enable-migration-off -> deny", H_INTEL_DIRTY, DEV_MDEV, Q100, LV100, M_MTTY, "enable-migration=off", 0, SRC,
      NONE, DENY, "migration-disabled", NULL, "QEMU hw/vfio/migration.c vfio_migration_realize()"),
    S("/decide/qemu-10.0/mtty/iommufd -> device", H_INTEL_DIRTY, DEV_MDEV, Q100, LV122, M_MTTY | M_IOMMUFD_NATIVE, NULL, 0, SRC,
      DEVICE, ALLOW, NULL, "iommufd-unavailable,fact-not-observed", "QEMU hw/vfio/iommufd.c (mdev attached without dirty tracking; device logging)"),
    S("/decide/qemu-10.0/mtty/viommu -> deny", H_INTEL_DIRTY, DEV_MDEV, Q100, LV100, M_MTTY | M_VIOMMU, NULL, 0, SRC,
      NONE, DENY, "viommu", NULL, "QEMU hw/vfio/migration.c vfio_migration_realize() vfio_viommu_preset()"),
    S("/decide/qemu-10.0/mtty/libvirt-8.0 -> deny", H_INTEL_DIRTY, DEV_MDEV, Q100, "8.0.0", M_MTTY, NULL, 0, SRC,
      NONE, DENY, "libvirt-too-old", NULL, "libvirt qemuMigrationSrcIsAllowedHostdev() (type='mdev' refused before 8.6.0)"),
    S("/decide/qemu-7.2/mtty -> deny", H_INTEL_DIRTY, DEV_MDEV, Q72, LV100, M_MTTY, NULL, 0, SRC,
      NONE, DENY, "qemu-protocol-mismatch", NULL, "QEMU v7.2.22: \"VFIO device doesn't support migration\" for every device"),
};
