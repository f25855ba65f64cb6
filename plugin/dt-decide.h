/* dt-decide.h: the decision engine.  A pure function: no I/O, no clocks,
 * no environment.  Given the domain, host facts (devices already probed
 * into host->devices), QEMU capabilities, libvirt version, the driver
 * database and the effective policy, it decides the tracking mode, the
 * per-device findings, the VF policy, the verdict and the reasons, exactly
 * as QEMU of that version would (qemu-libvirt.md §1, kernel-uapi.md §7).
 */
#pragma once

#include <glib.h>
#include "dt-model.h"
#include "dt-vdb.h"

G_BEGIN_DECLS

typedef struct {
    DtRole role;
    const DtDomain *domain;
    const DtHost *host;
    const DtQemuCaps *qemu;
    DtVersion libvirt;
    const DtVdb *vdb;
    DtPolicy policy;         /* effective: config defaults with metadata applied */
} DtDecideInput;

DtDecision *dt_decide(const DtDecideInput *in);

/* Stable reason codes (never translated). */
#define DT_R_NO_VFIO_DEVICES        "no-vfio-devices"
#define DT_R_NO_MIGRATION_DRIVER    "no-migration-driver"
#define DT_R_QEMU_PROTOCOL_MISMATCH "qemu-protocol-mismatch"
#define DT_R_QEMU_TOO_OLD           "qemu-too-old"
#define DT_R_DEVICE_NOT_FOUND       "device-not-found"
#define DT_R_MULTI_DEVICE_NO_P2P    "multi-device-no-p2p"
#define DT_R_VIOMMU                 "viommu"
#define DT_R_NO_DIRTY_TRACKING      "no-dirty-tracking"
#define DT_R_MIXED_TRACKING         "mixed-tracking"
#define DT_R_DMA_LOGGING_RANGE      "dma-logging-range"
#define DT_R_IOMMU_DIRTY_UNSUPPORTED "iommu-dirty-unsupported"
#define DT_R_IOMMUFD_NOT_CONFIGURED "iommufd-not-configured"
#define DT_R_POSTCOPY_UNSUPPORTED   "postcopy-unsupported"
#define DT_R_PREDICTION             "prediction"
#define DT_R_MIGRATION_DISABLED     "migration-disabled"
#define DT_R_LIBVIRT_TOO_OLD        "libvirt-too-old"
#define DT_R_DRIVER_NOT_BINDABLE    "driver-not-bindable"
#define DT_R_MDEV_PINNED            "mdev-pinned-scope"
#define DT_R_PERPETUAL_FORBIDDEN    "perpetual-forbidden"
#define DT_R_REQUIRE_MIGRATABLE     "require-migratable"

G_END_DECLS
