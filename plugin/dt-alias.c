/* PLACEHOLDER: replaced by the module's real implementation. */
#include "config.h"
#include "dt-alias.h"
DtAliasTable *dt_alias_table_parse(const char *text, gsize len) { return NULL; }
DtAliasTable *dt_alias_table_load(const char *path, GError **error) { return NULL; }
void dt_alias_table_free(DtAliasTable *t) {}
guint dt_alias_table_size(const DtAliasTable *t) { return 0; }
const char *dt_alias_table_lookup(const DtAliasTable *t, const char *modalias) { return NULL; }
