/* dt-vfio.h: asking the kernel about a VFIO device, and a pre-flight dry
 * run of the dirty tracking QEMU is about to start.
 *
 * sysfs and the driver database predict; an ioctl on an open device fd is
 * the kernel's own answer.  But opening a VFIO device resets it and a
 * device can be opened once only, so probing follows a strict order:
 *
 *   1. in use (a process holds its group or cdev; EBUSY on the group open;
 *      EINVAL on a second cdev open)?  never touch it;
 *   2. idle and the caller opted in (DT_VFIO_PROBE_IOCTL)?  open it through
 *      its cdev (+ /dev/iommu, BIND_IOMMUFD) or its group (+ container,
 *      type1v2) and ask VFIO_DEVICE_FEATURE, IOMMU_GET_HW_INFO and type1
 *      VFIO_IOMMU_GET_INFO;
 *   3. otherwise read debugfs (vfio/BDF/migration/features, Linux 6.18+);
 *   4. otherwise leave the facts at DT_SOURCE_NONE: the decision engine
 *      falls back to the driver database.
 *
 * Every path goes through DtPaths, so a fixture sysroot plus the test mock
 * (tests/vfiomock.c) exercise exactly the production code.  Low-level
 * helpers return -errno; functions whose errors reach a person take GError.
 */
#pragma once

#include <glib.h>
#include "model/dt-model.h"
#include "probe/dt-paths.h"

G_BEGIN_DECLS

typedef enum {
    DT_VFIO_PROBE_IOCTL = 1 << 0,    /* open idle devices (this resets them) */
    DT_VFIO_PROBE_NO_DEBUGFS = 1 << 1,
    /* Do not scan /proc for a holder: in_use stays what the host probe
     * knew and in_use_by unset.  For callers that only read debugfs and
     * do not report the holder; ignored with DT_VFIO_PROBE_IOCTL, which
     * must never open a held device. */
    DT_VFIO_PROBE_NO_HOLDER = 1 << 2,
} DtVfioProbeFlags;

typedef enum {
    DT_VFIO_ACCESS_NONE,             /* not opened */
    DT_VFIO_ACCESS_CDEV,             /* /dev/vfio/devices/vfioN + /dev/iommu */
    DT_VFIO_ACCESS_GROUP,            /* /dev/vfio/N + /dev/vfio/vfio (type1v2) */
} DtVfioAccess;

const char *dt_vfio_access_to_string(DtVfioAccess a);   /* stable: none|cdev|group */

/* What one probe learnt beyond the DtPciDev facts it fills in. */
typedef struct {
    char *address;
    gboolean in_use;
    char *in_use_by;          /* "pid 4242 (/dev/vfio/12)", "EBUSY on /dev/vfio/12" */
    DtVfioAccess access;
    DtSource source;          /* IOCTL, DEBUGFS or NONE (the database decides) */
    char *note;               /* untranslated detail: why a step was skipped */
    /* iommufd IOMMU_GET_HW_INFO (cdev access only) */
    gboolean hw_info_known;
    guint32 hw_info_type;     /* DT_IOMMU_HW_INFO_TYPE_* */
    guint64 hw_capabilities;  /* out_capabilities */
    guint64 vtd_cap, vtd_ecap;
    guint32 smmu_idr[6];
    guint64 amd_efr, amd_efr2;
    /* legacy type1 VFIO_IOMMU_GET_INFO (group access only) */
    gboolean type1_known;
    guint64 type1_iova_pgsizes;
    gboolean type1_cap_migration;
    guint32 type1_mig_flags;
    guint64 type1_pgsize_bitmap;
    guint64 type1_max_dirty_bitmap_size;
} DtVfioReport;

void dt_vfio_report_free(DtVfioReport *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DtVfioReport, dt_vfio_report_free)

/* ---- low level: -errno, no messages ------------------------------------ */

/* ioctl() retried on EINTR; returns the result or -errno. */
int dt_vfio_ioctl(int fd, unsigned long request, void *arg);

/* Is this device held open by a process?  Scans ROOT/proc/<pid>/fd for
 * links to its group node or cdev.  1 = in use (holder described in
 * *holder if non-NULL), 0 = idle, -errno if /proc cannot be read. */
int dt_vfio_find_holder(const DtPaths *paths, const DtPciDev *dev, char **holder);
/* The same for any VFIO device (an mdev): its group number (-1: none) and
 * its cdev name ("vfio3", NULL: none). */
int dt_vfio_find_node_holder(const DtPaths *paths, int iommu_group, const char *vfio_cdev,
                             char **holder);

typedef struct DtVfioHandle DtVfioHandle;

/* Opens the device (cdev preferred when the host has /dev/iommu and the
 * device a vfioN cdev; else its group).  EBUSY (group) and EINVAL (second
 * cdev open) mean another process has it.  The handle owns every fd. */
int dt_vfio_open(const DtPaths *paths, const DtHost *host, const DtPciDev *dev,
                 DtVfioHandle **out);
/* The same for any VFIO device: name is what VFIO_GROUP_GET_DEVICE_FD
 * takes (the PCI address, an mdev's uuid). */
int dt_vfio_open_named(const DtPaths *paths, const DtHost *host, const char *name,
                       int iommu_group, const char *vfio_cdev, DtVfioHandle **out);
void dt_vfio_close(DtVfioHandle *h);
DtVfioAccess dt_vfio_handle_access(const DtVfioHandle *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DtVfioHandle, dt_vfio_close)

/* VFIO_DEVICE_FEATURE with PROBE|dir: 1 supported, 0 unsupported (ENOTTY
 * or EINVAL), other -errno. */
int dt_vfio_feature_supported(DtVfioHandle *h, guint32 feature, guint32 dir);
int dt_vfio_get_migration_flags(DtVfioHandle *h, guint64 *flags);
int dt_vfio_get_mig_data_size(DtVfioHandle *h, guint64 *bytes);
/* START with exactly these ranges; *page_size in: hint, out: chosen. */
int dt_vfio_dma_logging_start(DtVfioHandle *h, const DtRange *ranges, guint n,
                              guint64 *page_size);
int dt_vfio_dma_logging_stop(DtVfioHandle *h);
/* One DMA_LOGGING_REPORT of [iova, iova+length) into a scratch bitmap
 * (tracking must be started).  EOPNOTSUPP: the kernel has no iova_bitmap
 * (CONFIG_IOMMUFD_DRIVER unset, Linux 6.7+). */
int dt_vfio_dma_logging_report(DtVfioHandle *h, guint64 iova, guint64 length,
                               guint64 page_size);
/* Fills the hw_info_* fields (cdev access only, else -ENODEV). */
int dt_vfio_get_hw_info(DtVfioHandle *h, DtVfioReport *r);
/* Fills the type1_* fields (group access only, else -ENODEV). */
int dt_vfio_type1_get_info(DtVfioHandle *h, DtVfioReport *r);

/* What the VFIO_DEVICE_FEATURE questions answered on an open device. */
typedef struct {
    DtFact migration;
    guint32 mig_flags;
    DtFact dma_logging;
    guint64 stop_copy_bytes;
    DtFact iommu_dirty;
} DtVfioFeatures;

/* MIGRATION (flags), MIG_DATA_SIZE, DMA_LOGGING_START PROBE, and the
 * IOMMU's answer for the access used (GET_HW_INFO or type1 GET_INFO) into
 * f; details into r's note.  -errno if the device stopped answering. */
int dt_vfio_probe_features(DtVfioHandle *h, DtVfioReport *r, DtVfioFeatures *f);
/* Appends "; "-separated untranslated detail to r->note. */
void dt_vfio_report_note(DtVfioReport *r, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* ---- high level --------------------------------------------------------- */

/* Probe one VFIO-bound device in the order above, filling dev->migration,
 * mig_flags, dma_logging, stop_copy_bytes and iommu_dirty.  A busy device
 * or a refused open is not an error (the report says so); a device that
 * vanishes mid-probe (ENODEV) is, and leaves dev's facts unknown. */
DtVfioReport *dt_vfio_probe_device(const DtHost *host, const DtPaths *paths,
                                   DtPciDev *dev, DtVfioProbeFlags flags,
                                   GError **error);

/* The pre-flight dry run on one free device.  DEVICE mode: DMA_LOGGING_START
 * with exactly these ranges and page size, one DMA_LOGGING_REPORT over the
 * first range, then STOP; a REPORT refused with EOPNOTSUPP is recorded in
 * *report (NO) when report is given, else it is a refusal.  IOMMU mode: an IOAS
 * and a dirty-tracking HWPT for the device, tracking on, an empty bitmap
 * read, tracking off, teardown.  On refusal the error names the device,
 * the errno and the limit it hit (DT_ERROR_UNSUPPORTED, DT_ERROR_BUSY, ...). */
gboolean dt_vfio_dry_run(const DtHost *host, const DtPaths *paths, const DtPciDev *dev,
                         DtMode mode, const DtRange *ranges, guint n_ranges,
                         guint64 page_size, DtFact *report, GError **error);
/* Its two halves, for any VFIO device (an mdev): the open of a free device
 * (DT_ERROR_BUSY when a process holds it or the kernel refuses a second
 * open), and the DEVICE-mode run on an open one. */
gboolean dt_vfio_open_for_dry_run(const DtHost *host, const DtPaths *paths, const char *name,
                                  int iommu_group, const char *vfio_cdev, gboolean in_use,
                                  DtVfioHandle **h, GError **error);
gboolean dt_vfio_dry_run_logging(DtVfioHandle *h, const DtHost *host, const DtRange *ranges,
                                 guint n, guint64 page_size, DtFact *report, GError **error);

/* Dry run, on every device of a decision in DEVICE or IOMMU mode, of the
 * tracking that decision chose (devices held by a process are skipped:
 * they cannot be opened).  Nothing is decided here: the outcome is an
 * observed fact recorded on the host's device (DtPciDev.preflight,
 * preflight_iommu, preflight_error), and the caller asks dt_decide()
 * again, which turns a refusal into its preflight-failed reason.
 * Returns FALSE if any device refused (error holds the first refusal). */
gboolean dt_vfio_preflight(const DtDecision *d, DtHost *host, const DtPaths *paths,
                           GError **error);

/* What a pre-flight found.  NOT_TESTED is no pass: nothing was started
 * (the decision starts no tracking, or no device could be opened), so
 * nothing is known about the migration's tracking. */
typedef enum {
    DT_PREFLIGHT_PASSED,
    DT_PREFLIGHT_REFUSED,
    DT_PREFLIGHT_NOT_TESTED,
} DtPreflightResult;

/* Why nothing was tested; the codes are stable identifiers. */
typedef struct {
    const char *code;    /* "no-tracking", "no-vfio-device", "devices-in-use" */
    char *message;       /* translated */
} DtPreflightSkip;

const char *dt_vfio_preflight_result_to_string(DtPreflightResult r);   /* "passed" ... */

/* The outcome dt_vfio_preflight() recorded on the devices of decision d:
 * REFUSED if any device said no, PASSED if at least one was tried and none
 * refused, else NOT_TESTED with skip (if not NULL) saying why. */
DtPreflightResult dt_vfio_preflight_result(const DtDecision *d, const DtHost *host,
                                           DtPreflightSkip *skip);

G_END_DECLS
