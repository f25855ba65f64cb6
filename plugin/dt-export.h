/* dt-export.h: this host's VFIO migration capabilities in the formats
 * fleet engines already read, so an orchestrator can place VMs without
 * knowing dirtytrack:
 *
 *   nova        OpenStack Nova `[pci] device_spec` entries (live_migratable)
 *   nfd         a Kubernetes Node Feature Discovery local feature file
 *   prometheus  a node_exporter textfile-collector file
 *
 * The assessment is per device, as a one-device VM without vIOMMU would
 * see it with the given QEMU and libvirt: it needs no domain XML, only the
 * host probe and the driver database.  Rendering is pure; the only I/O is
 * in dt_export_gather(); the CLI writes the text (dt-file.h).
 */
#pragma once

#include <glib.h>
#include "dt-model.h"
#include "dt-vdb.h"

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
    DtFact migration;        /* the driver migrates this device on this kernel */
    guint32 mig_flags;
    DtFact dma_logging;      /* the driver logs DMA (device tracking) */
    DtFact iommu_dirty;      /* its IOMMU unit can track dirty pages */
    gboolean iommufd_usable; /* /dev/iommu and a VFIO cdev for this device */
    DtMode mode;             /* what QEMU would use for a one-device VM */
    gboolean live_migratable;/* mode is device or iommu */
    const char *reason;      /* stable code when not live-migratable, else NULL */
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
    const char *qemu_version;     /* NULL: $DIRTYTRACK_QEMU_VERSION, else probe */
    const char *libvirt_version;  /* NULL: $DIRTYTRACK_LIBVIRT_VERSION, else the build's */
    const char *qemu_binary;      /* NULL: the configured or default binary for the arch */
    const char *cache_dir;        /* QEMU probe cache, NULL = none */
    const DtVdb *vdb;             /* NULL: the default database */
    guint64 expiry_s;
} DtExportOptions;

/* Probe the host and every PCI function, find QEMU and libvirt, assess. */
DtExport *dt_export_gather(const DtExportOptions *opts, GError **error);

/* Pure: assess every device bound to a VFIO driver in host->devices. */
GPtrArray *dt_export_assess(const DtHost *host, const DtVdb *vdb, const DtQemuCaps *qemu,
                            const DtVersion *libvirt);

char *dt_export_render(const DtExport *e, DtExportFormat format);

G_END_DECLS
