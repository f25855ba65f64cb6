/* dt-alias.h: which VFIO variant driver modules.alias picks for a device.
 *
 * The documented userspace algorithm (kernel-uapi.md §5.1): take the
 * device's modalias, replace "pci:" with "vfio_pci:", fnmatch it against
 * the "alias vfio_pci:..." lines and prefer the most specific match;
 * vfio_pci's catch-all always matches.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct DtAliasTable DtAliasTable;

/* Parse modules.alias text; only vfio_pci: lines are kept. */
DtAliasTable *dt_alias_table_parse(const char *text, gsize len);
DtAliasTable *dt_alias_table_load(const char *path, GError **error);
void dt_alias_table_free(DtAliasTable *t);
guint dt_alias_table_size(const DtAliasTable *t);

/* Module name of the most specific vfio_pci: match for modalias ("pci:v..."),
 * or NULL when nothing but the generic vfio_pci entry matches (or no match).
 * Returned string belongs to the table. */
const char *dt_alias_table_lookup(const DtAliasTable *t, const char *modalias);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DtAliasTable, dt_alias_table_free)

G_END_DECLS
