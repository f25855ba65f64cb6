/* dt-export.h: this host's VFIO migration capabilities in the formats
 * fleet engines already read, so an orchestrator can place VMs without
 * knowing dirtytrack:
 *
 *   nova        OpenStack Nova `[pci] device_spec` entries (live_migratable)
 *   nfd         a Kubernetes Node Feature Discovery local feature file
 *   prometheus  a node_exporter textfile-collector file
 *
 * The assessment is per device and is the decision engine's: each device
 * is asked of dt_decide() as a VM with that device alone (see
 * dt_export_device_domain()), with the given QEMU and libvirt and the
 * configured policy, so `export` and `check` cannot disagree about it.
 * Rendering is pure; the only I/O is in dt_export_gather(); the CLI writes
 * the text (dt-file.h).
 */
#pragma once

#include <glib.h>
#include "model/dt-config.h"
#include "model/dt-model.h"
#include "model/dt-vdb.h"

G_BEGIN_DECLS

typedef enum {
    DT_EXPORT_NOVA,
    DT_EXPORT_NFD,
    DT_EXPORT_PROMETHEUS,
} DtExportFormat;

gboolean dt_export_format_from_string(const char *s, DtExportFormat *out);

/* One passthrough device (bound to a VFIO driver) as this host offers it. */
typedef struct {
    char *address;           /* "0000:3b:00.1" */
    guint16 vendor, device;
    char *driver;            /* bound VFIO driver */
    char *iommu_unit;        /* NULL if none */
    gboolean managed;        /* the hostdev asked about is managed='yes' */
    DtDecision *decision;    /* the engine's answer for a VM with this device alone */
    const DtDeviceFinding *finding; /* its facts, in decision (NULL if none) */
    gboolean live_migratable;/* verdict not deny, mode device or iommu */
    const char *reason;      /* code (in decision) that keeps it from that, else NULL */
    char *reasons;           /* every warning and refusal code, comma-separated */
} DtExportDevice;

void dt_export_device_free(DtExportDevice *d);

/* Everything a renderer needs; filled by dt_export_gather(). */
typedef struct {
    DtHost *host;            /* devices probed */
    DtQemuCaps *qemu;
    DtVersion libvirt;
    GPtrArray *devices;      /* DtExportDevice*, sorted by address */
    gint64 now;              /* seconds since the epoch, UTC */
    guint64 expiry_s;        /* nfd: "# +expiry-time" now + expiry_s; 0 = none */
} DtExport;

void dt_export_free(DtExport *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DtExport, dt_export_free)

typedef struct {
    const char *sysroot;          /* NULL: $DIRTYTRACK_SYSROOT or / */
    const DtConfig *config;       /* policy, QEMU binary, cache; NULL: built-in defaults */
    const char *qemu_version;     /* NULL: $DIRTYTRACK_QEMU_VERSION, else probe */
    const char *libvirt_version;  /* NULL: $DIRTYTRACK_LIBVIRT_VERSION, else the build's */
    const char *qemu_binary;      /* NULL: the configured or default binary for the arch */
    const char *cache_dir;        /* QEMU probe cache, NULL = none */
    const DtVdb *vdb;             /* NULL: the default database */
    guint64 expiry_s;
} DtExportOptions;

/* Probe the host and every PCI function, find QEMU and libvirt, assess. */
DtExport *dt_export_gather(const DtExportOptions *opts, GError **error);

/* The question asked for one device: a domain with that hostdev alone, as
 * an orchestrator defines it (q35, or virt on aarch64; 8 GiB; no vIOMMU,
 * no iommufd backend, QEMU's default properties; managed='yes' only for a
 * device on plain vfio-pci).  Built in code, no XML. */
DtDomain *dt_export_device_domain(const DtHost *host, const DtPciDev *dev);
gboolean dt_export_device_managed(const DtPciDev *dev);

/* Pure: ask the engine about every device bound to a VFIO driver in
 * host->devices.  policy NULL: the built-in defaults. */
GPtrArray *dt_export_assess(const DtHost *host, const DtVdb *vdb, const DtQemuCaps *qemu,
                            const DtVersion *libvirt, const DtPolicy *policy);

char *dt_export_render(const DtExport *e, DtExportFormat format);

G_END_DECLS
