/* dt-vdb-builtin.h: the shipped variant-driver database as a C table.
 *
 * dt-vdb-compile (run by the build) loads data/variant-drivers.xml with
 * dt-vdb.c's own loader and writes what it read as dt-vdb-builtin.c,
 * together with the bytes it read.  dt_vdb_load() serves the table for a
 * file holding exactly those bytes; every other file is parsed.
 */
#pragma once

#include <glib.h>
#include "model/dt-vdb.h"

G_BEGIN_DECLS

typedef struct {
    const char *driver, *module, *arch, *conditions;
    DtVersion since, migration_since, pre_copy_since, dma_logging_since;
    guint32 mig_flags;
    gboolean dma_logging;
    guint64 stop_copy_bytes;
    const DtVdbId *ids;
    guint n_ids;
} DtVdbBuiltinEntry;

typedef struct {
    const char *source;      /* the file the table was compiled from, NULL: none */
    gsize source_len;
    const DtVdbBuiltinEntry *entries;
    guint n_entries;
} DtVdbBuiltin;

extern const DtVdbBuiltin dt_vdb_builtin;

G_END_DECLS
