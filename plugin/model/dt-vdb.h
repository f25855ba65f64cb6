/* dt-vdb.h: the variant-driver database (data/variant-drivers.xml,
 * schema schemas/variant-drivers.rng).
 *
 * Knowledge, not code: for each VFIO driver the devices it claims, the
 * migration flags it offers, whether it implements DMA logging, conditions,
 * and the kernel version each capability arrived in.
 */
#pragma once

#include <glib.h>
#include "model/dt-model.h"

G_BEGIN_DECLS

typedef struct {
    guint16 vendor;
    guint16 device;          /* 0xffff = any device of the vendor */
    DtVersion since;         /* kernel that added this id; unknown = with the driver */
} DtVdbId;

typedef struct {
    char *driver;            /* pci_driver.name, e.g. "mlx5_vfio_pci", "xe-vfio-pci" */
    char *module;            /* module name, e.g. "mlx5_vfio_pci" */
    DtVersion since;         /* kernel the driver appeared in */
    DtVersion migration_since;/* kernel migration support arrived (unknown = none) */
    guint32 mig_flags;       /* DT_MIG_* the driver offers on a new enough kernel */
    DtVersion pre_copy_since;/* kernel PRE_COPY arrived (unknown = never) */
    gboolean dma_logging;    /* implements log_ops */
    DtVersion dma_logging_since;
    char *arch;              /* "x86_64", "aarch64", "s390x" or NULL = any */
    char *conditions;        /* human text: firmware caps, admin steps */
    guint64 stop_copy_bytes; /* typical device state estimate, 0 unknown */
    GArray *ids;             /* DtVdbId */
} DtVdbEntry;

typedef struct DtVdb DtVdb;

/* A file holding exactly the bytes the build compiled (the shipped
 * database) is served from that table (dt-vdb-builtin.h); any other file
 * is parsed.  Messages name the file and the line. */
DtVdb *dt_vdb_load(const char *path, GError **error);
/* Parses buf; messages name `what` (dt_vdb_parse: "variant-driver database"). */
DtVdb *dt_vdb_parse(const char *buf, gsize len, GError **error);
DtVdb *dt_vdb_parse_named(const char *buf, gsize len, const char *what, GError **error);
/* Load from $DIRTYTRACK_DATADIR, the source tree when uninstalled, or $(pkgdatadir). */
DtVdb *dt_vdb_load_default(GError **error);
/* Whether db came from the compiled table rather than a parse. */
gboolean dt_vdb_is_builtin(const DtVdb *db);
void dt_vdb_free(DtVdb *db);
guint dt_vdb_size(const DtVdb *db);
const DtVdbEntry *dt_vdb_get(const DtVdb *db, guint i);
/* Same entries in the same order, field by field. */
gboolean dt_vdb_equal(const DtVdb *a, const DtVdb *b);
const DtVdbEntry *dt_vdb_find_driver(const DtVdb *db, const char *driver);
/* Driver entry (not vfio-pci) claiming vendor:device, or NULL. */
const DtVdbEntry *dt_vdb_find_device(const DtVdb *db, guint16 vendor, guint16 device);
/* Migration flags the entry offers on this kernel (0 = none). */
guint32 dt_vdb_entry_flags_on(const DtVdbEntry *e, const DtVersion *kernel);
gboolean dt_vdb_entry_logs_on(const DtVdbEntry *e, const DtVersion *kernel);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DtVdb, dt_vdb_free)

G_END_DECLS
