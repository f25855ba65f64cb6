/* dt-mdev.h: the mediated devices (mdevs) a domain passes through, probed
 * like any VFIO device, and the kernel piece DMA-logging reports need.
 *
 * An mdev's migration support is its vendor driver's (the mtty sample has
 * migration v2 and DMA logging; a vendor vGPU may have neither), so nothing
 * is assumed from it being an mdev:
 *
 *   1. sysfs (always, cheap): /sys/bus/mdev/devices/UUID gives the type
 *      (mdev_type), the parent device, the vendor driver, the vfio cdev and
 *      the IOMMU group;
 *   2. with DT_MDEV_PROBE_IOCTL, an idle mdev is opened through its cdev or
 *      its group (VFIO_GROUP_GET_DEVICE_FD with the uuid) and asked what a
 *      PCI device is asked (dt_vfio_probe_features): never one a process
 *      holds;
 *   3. the pre-flight (dt_mdev_preflight) starts DMA logging with the VM's
 *      ranges, asks one DMA_LOGGING_REPORT and stops: a kernel without
 *      CONFIG_IOMMUFD_DRIVER answers the REPORT with EOPNOTSUPP.
 *
 * Host-wide, dt_mdev_iommufd_driver() says whether the running kernel has
 * the iova_bitmap those reports need, from what the kernel shows.
 * Every path goes through DtPaths (fixture sysroots, tests/vfiomock.c).
 */
#pragma once

#include <glib.h>
#include "model/dt-model.h"
#include "probe/dt-paths.h"
#include "probe/dt-vfio.h"

G_BEGIN_DECLS

typedef enum {
    DT_MDEV_PROBE_IOCTL = 1 << 0,   /* open idle mdevs and ask the kernel */
} DtMdevProbeFlags;

/* Reads /sys/bus/mdev/devices/UUID.  *iommu_group (may be NULL) gets its
 * group number, -1 if none.  NULL with DT_ERROR_NOT_FOUND when the host has
 * no such mdev, DT_ERROR_INVALID_INPUT for a malformed uuid. */
DtMdevDev *dt_mdev_probe_sysfs(const DtPaths *paths, const char *uuid, int *iommu_group,
                               GError **error);

/* Asks the kernel about one mdev already read from sysfs (DT_VFIO_PROBE_*
 * semantics of dt_vfio_probe_device): fills m->migration, mig_flags,
 * dma_logging and stop_copy_bytes when the mdev is idle.  A held mdev is
 * never opened (the report says who holds it).  NULL only when the mdev
 * vanished mid-probe (ENODEV). */
DtVfioReport *dt_mdev_probe_ioctl(const DtHost *host, const DtPaths *paths, DtMdevDev *m,
                                  GError **error);

/* Does the running kernel have the iova_bitmap DMA_LOGGING_REPORT needs
 * (CONFIG_IOMMUFD_DRIVER on Linux 6.7+)?  From the kernel's symbol table
 * (/proc/kallsyms) first, else /dev/iommu beside an IOMMU driver that
 * selects it; UNKNOWN when nothing shows it.  *how (may be NULL) names the
 * evidence, untranslated. */
DtTri dt_mdev_iommufd_driver(const DtHost *host, const DtPaths *paths, const char **how);

/* For every <hostdev type='mdev'> of dom not yet in host->mdevs: sysfs,
 * then the kernel with DT_MDEV_PROBE_IOCTL; and host->iommufd_driver when
 * the domain has an mdev and it is still unknown.  Absent mdevs are left
 * out (the engine reports them). */
void dt_mdev_probe_domain(DtHost *host, const DtPaths *paths, const DtDomain *dom,
                          DtMdevProbeFlags flags);

/* The pre-flight dry run on every free mdev of a DEVICE-mode decision:
 * DMA_LOGGING_START with the decision's ranges and page size, one
 * DMA_LOGGING_REPORT over the first range, STOP.  The outcome is an
 * observed fact on host->mdevs (dma_logging_report: NO for EOPNOTSUPP);
 * nothing is decided here.  Returns TRUE if a fact changed (the caller
 * decides again); a refusal of START or another REPORT error goes to
 * error (the first one). */
gboolean dt_mdev_preflight(const DtDecision *d, DtHost *host, const DtPaths *paths,
                           GError **error);

G_END_DECLS
