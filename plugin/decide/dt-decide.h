/* dt-decide.h: the decision engine.  A pure function: no I/O, no clocks,
 * no environment.  Given the domain, host facts (devices already probed
 * into host->devices), QEMU capabilities, libvirt version, the driver
 * database and the effective policy, it decides the tracking mode, the
 * per-device findings, the VF policy, the verdict and the reasons, exactly
 * as QEMU of that version would (docs/decision-rules.md; every rule's
 * upstream source is in the reason registry of dt-decide.c).
 */
#pragma once

#include <glib.h>
#include "model/dt-model.h"
#include "model/dt-vdb.h"

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

/* What a PCI device can do when QEMU talks to it through vfio_driver (NULL:
 * no VFIO driver), on this host: its migration flags and DMA logging, from
 * the kernel's answer for the driver bound now, else from the database
 * entry of that driver (NULL: none).  The engine and the host checks
 * (dt-hostcheck.c) both ask this, so `dirtytrack host` and `check` cannot
 * tell two stories about one device. */
typedef struct {
    DtFact migration;           /* STOP_COPY offered */
    guint32 mig_flags;          /* DtMigBit */
    DtFact dma_logging;
    guint64 stop_copy_bytes;
    DtSource stop_copy_source;
    /* a variant driver bound on a kernel older than its upstream migration
     * support (a distribution backport): what it offers is not known */
    gboolean backport;
} DtDeviceFacts;

void dt_decide_device_facts(const DtHost *host, const DtVdbEntry *entry, const DtPciDev *pci,
                            const char *vfio_driver, DtDeviceFacts *out);

/* The reason registry: every rule the engine applies, with the code it
 * produces (NULL for explain-only rules), its usual severity, what it says
 * and its upstream source.  For docs, `explain` and tests. */
typedef struct {
    const char *code;
    DtSeverity severity;
    const char *rule;
    const char *source;
} DtReasonInfo;

guint dt_decide_n_rules(void);
gboolean dt_decide_rule_at(guint i, DtReasonInfo *out);
/* The first rule producing `code`, or FALSE. */
gboolean dt_decide_rule_for_code(const char *code, DtReasonInfo *out);

/* Whether a source's refusal with this code fails a migration at setup
 * with no QEMU blocker before it: what the source's dry run at a VM's
 * start records for the destination (DtOutgoing), and all the
 * destination's engine reads from that record. */
gboolean dt_decide_code_fails_source_setup(const char *code);

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
/* The answer depends on a fact nobody observed (backported driver, vendor
 * mdev, firmware limit): probe it.  The mode is "unknown". */
#define DT_R_FACT_NOT_OBSERVED      "fact-not-observed"
/* iommufd asked for where the host has no /dev/iommu or no vfio cdev. */
#define DT_R_IOMMUFD_UNAVAILABLE    "iommufd-unavailable"
/* QEMU 11.0: type1 without tracking refuses RAM over its bitmap limit. */
#define DT_R_TYPE1_RAM_LIMIT        "type1-ram-limit"
/* DMA_LOGGING_REPORT fails (kernel without IOMMUFD_DRIVER). */
#define DT_R_DMA_LOGGING_REPORT     "dma-logging-report-unsupported"
/* A failover VF (<teaming type='transient'>): unplugged, not migrated. */
#define DT_R_FAILOVER_UNPLUGGED     "failover-unplugged"
#define DT_R_PERPETUAL_FORBIDDEN    "perpetual-forbidden"
#define DT_R_REQUIRE_MIGRATABLE     "require-migratable"
#define DT_R_PREDICTED_DOWNTIME     "predicted-downtime"
/* Destination: the source's fingerprint (metadata) names another device
 * type or variant driver at the same hostdev position. */
#define DT_R_FINGERPRINT_MISMATCH   "fingerprint-mismatch"
/* The domain names a QEMU binary root does not trust, so it was not run
 * (dt-qemu-registry.h); added by the evaluation, not the engine. */
#define DT_R_QEMU_UNTRUSTED         "qemu-untrusted"
/* A property this QEMU does not have any more (x-enable-migration >= 8.1). */
#define DT_R_QEMU_PROPERTY_UNKNOWN  "qemu-property-unknown"
/* The kernel refused the pre-flight dry run of the chosen tracking
 * (DtPciDev.preflight, observed by dt_vfio_preflight). */
#define DT_R_PREFLIGHT_FAILED       "preflight-failed"

/* The IOVA ranges QEMU of `band` hands to VFIO DMA logging for an x86
 * guest of this machine type and memory (see dt-decide.c for the model and
 * its sources).  Returns the number of ranges written to out (0 when the
 * band has no DMA logging or the machine type is not modelled). */
guint dt_decide_dma_ranges(const char *band, const char *machine,
                           guint64 ram_bytes, guint64 max_ram_bytes,
                           DtRange out[4]);

/* Downtime of a perpetual-mode migration: everything is dirty, so the
 * stop-and-copy phase moves all of RAM plus the device state.  The full
 * cost model replaces this; it is one function so that stays one change. */
guint64 dt_decide_perpetual_downtime_ms(guint64 ram_bytes, guint64 device_state_bytes,
                                        guint64 bandwidth_mib_s);

G_END_DECLS
