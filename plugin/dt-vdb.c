/* PLACEHOLDER: replaced by the module's real implementation. */
#include "config.h"
#include "dt-vdb.h"
DtVdb *dt_vdb_load(const char *path, GError **error) { return NULL; }
DtVdb *dt_vdb_parse(const char *buf, gsize len, GError **error) { return NULL; }
DtVdb *dt_vdb_load_default(GError **error) { return NULL; }
void dt_vdb_free(DtVdb *db) {}
guint dt_vdb_size(const DtVdb *db) { return 0; }
const DtVdbEntry *dt_vdb_get(const DtVdb *db, guint i) { return NULL; }
const DtVdbEntry *dt_vdb_find_driver(const DtVdb *db, const char *driver) { return NULL; }
const DtVdbEntry *dt_vdb_find_device(const DtVdb *db, guint16 vendor, guint16 device) { return NULL; }
guint32 dt_vdb_entry_flags_on(const DtVdbEntry *e, const DtVersion *kernel) { return 0; }
gboolean dt_vdb_entry_logs_on(const DtVdbEntry *e, const DtVersion *kernel) { return FALSE; }
