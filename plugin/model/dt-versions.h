/* dt-versions.h: what each release of QEMU, libvirt and the kernel changed
 * for VFIO live migration, as one table per project.
 *
 * Every version literal a rule depends on lives in dt-versions.c: the QEMU
 * bands (lower bound and what the band can do), the vfio-pci properties
 * (since/until), libvirt's thresholds and the kernel's (with the stable
 * backports a rule depends on).  The engine, the QEMU probe, the cost model
 * and the host check ask these functions instead of comparing numbers of
 * their own, so a release that changes a rule is one row here.  Each row
 * names the upstream source a reader can open.
 */
#pragma once

#include <glib.h>
#include "model/dt-model.h"

G_BEGIN_DECLS

/* ---- QEMU ----------------------------------------------------------------- */

typedef struct {
    const char *name;             /* band name: "7.2", "8.0", ... "11.0+" */
    guint major, minor;           /* lowest release in the band */
    gboolean v2;                  /* VFIO migration protocol v2 (8.0) */
    gboolean enable_migration;    /* OnOffAuto enable-migration (8.1) */
    gboolean auto_needs_tracking; /* auto: a device without tracking is blocked (8.1) */
    gboolean on_fails_realize;    /* enable-migration=on: blockers fail realize (8.1) */
    gboolean viommu_per_device;   /* the vIOMMU blocker names its device (8.1) */
    gboolean multi_p2p;           /* several devices allowed if all have P2P (8.2) */
    gboolean postcopy_refused;    /* vfio_save_prepare refuses post-copy (8.2) */
    gboolean iommufd;             /* -object iommufd, vfio-pci iommufd= (9.0) */
    gboolean iommufd_dirty;       /* iommufd HWPT dirty tracking; auto accepts it (9.1) */
    gboolean viommu_relaxed;      /* vIOMMU blocks only device-DMA-logging users (11.0) */
    gboolean type1_ram_limit;     /* type1 bitmap limit (8 TiB) is a blocker (11.0) */
    gboolean switchover_ack;      /* switchover-ack capability (8.1) */
    gboolean multifd_device_state;/* VFIO state over multifd channels (10.0) */
    gboolean avail_switchover_bw; /* avail-switchover-bandwidth parameter (8.2) */
    guint log_ranges;             /* DMA-logging ranges: 0 none, 2 (8.0), 3 (8.2) */
    const char *changes;          /* what the band's first release changed */
    const char *source;           /* upstream: commit, pull, file and function */
} DtQemuBand;

/* The band of a QEMU version; NULL when the version is unknown. */
const DtQemuBand *dt_versions_qemu_band(const DtVersion *v);
/* Its name: "7.2" (and older), "8.0", ..., "11.0+"; "unknown". */
const char *dt_versions_qemu_band_name(const DtVersion *v);
const DtQemuBand *dt_versions_qemu_band_by_name(const char *name);
/* The bands, oldest first. */
guint dt_versions_qemu_n_bands(void);
const DtQemuBand *dt_versions_qemu_band_at(guint i);

typedef struct {
    const char *name;             /* vfio-pci property */
    guint since_major, since_minor;
    guint until_major, until_minor; /* first release without it; 0.0 = still there */
    const char *source;
} DtQemuProp;

const DtQemuProp *dt_versions_qemu_prop(const char *name);
/* Whether QEMU of this band has the vfio-pci property (FALSE for a
 * property the table does not know). */
gboolean dt_versions_band_has_prop(const DtQemuBand *band, const char *name);
gboolean dt_versions_qemu_has_prop(const DtVersion *qemu, const char *name);

/* ---- libvirt ---------------------------------------------------------------- */

typedef enum {
    DT_LV_PARALLEL,               /* VIR_MIGRATE_PARALLEL, multifd (5.2.0) */
    DT_LV_QEMU_OVERRIDE,          /* <qemu:override> device properties (8.2.0) */
    DT_LV_BLOCKED_REASONS,        /* asks QEMU's blocked-reasons instead of refusing hostdevs (8.6.0) */
    DT_LV_VARIANT_BASIC,          /* pre-bound variant drivers, managed='no' (9.7.0) */
    DT_LV_VARIANT_MANAGED,        /* managed='yes' binds the modules.alias variant; <driver model> (10.0.0) */
    DT_LV_VFIO_JOB_STATS,         /* vfio_data_transferred job statistic (10.6.0) */
    DT_LV_AVAIL_SWITCHOVER,       /* bandwidth.avail.switchover (11.1.0) */
    DT_LV_IOMMUFD_HOSTDEV,        /* <hostdev><driver iommufd='yes'/> (12.1.0) */
    DT_LV_IOMMUFD_DOMAIN,         /* <iommufd enabled='yes'/> (12.2.0) */
    DT_LV_N
} DtLibvirtFeature;

typedef struct {
    DtLibvirtFeature id;
    const char *name;             /* stable identifier */
    guint major, minor, micro;
    const char *source;
} DtLibvirtThreshold;

const DtLibvirtThreshold *dt_versions_libvirt(DtLibvirtFeature f);
/* FALSE for an unknown libvirt version, like dt_version_at_least(). */
gboolean dt_versions_libvirt_has(DtLibvirtFeature f, const DtVersion *libvirt);

/* ---- kernel ----------------------------------------------------------------- */

typedef enum {
    DT_KF_TYPE1_DIRTY,            /* type1 VFIO_IOMMU_DIRTY_PAGES, CAP_MIGRATION (5.8) */
    DT_KF_MIGRATION_V2,           /* VFIO migration v2; v1 removed (5.18) */
    DT_KF_DMA_LOGGING,            /* VFIO_DEVICE_FEATURE_DMA_LOGGING_* (6.1) */
    DT_KF_PRE_COPY,               /* PRE_COPY, MIG_DATA_SIZE (6.2) */
    DT_KF_IOMMUFD,                /* /dev/iommu (6.2) */
    DT_KF_VFIO_CDEV,              /* /dev/vfio/devices/vfioN (6.6) */
    DT_KF_HWPT_DIRTY,             /* iommufd dirty tracking, Intel and AMD (6.7) */
    DT_KF_SMMUV3_DIRTY,           /* SMMUv3 HTTU dirty tracking (6.11) */
    DT_KF_INTEL_SMPWC_GATE,       /* VT-d dirty tracking also needs ECAP.SMPWC (6.18; 6.17.3, 6.12.53) */
    DT_KF_DEBUGFS_FEATURES,       /* debugfs vfio/<dev>/migration/features (6.18) */
    DT_KF_N
} DtKernelFeature;

typedef struct {
    guint major, minor, micro;
} DtRelease;

typedef struct {
    DtKernelFeature id;
    const char *name;             /* stable identifier */
    DtRelease since;              /* mainline */
    DtRelease backports[3];       /* stable series that got it, 0.0.0 ends */
    gboolean backports_inferred;  /* the stable release was inferred, not read from a tag */
    const char *source;
} DtKernelThreshold;

const DtKernelThreshold *dt_versions_kernel(DtKernelFeature f);
/* YES: mainline or a listed stable release has it; NO: older; UNKNOWN: the
 * version is unknown. */
DtTri dt_versions_kernel_has(DtKernelFeature f, const DtVersion *kernel);
/* "6.18 (stable: 6.17.3, 6.12.53)" for messages; caller frees. */
char *dt_versions_kernel_describe(DtKernelFeature f);

G_END_DECLS
