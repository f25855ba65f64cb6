/* PLACEHOLDER: replaced by the module's real implementation. */
#include "config.h"
#include "dt-config.h"
DtConfig *dt_config_new_defaults(void) { DtConfig *c = g_new0(DtConfig, 1); dt_policy_init_defaults(&c->policy); return c; }
DtConfig *dt_config_load(const char *path, GError **error) { return dt_config_new_defaults(); }
void dt_config_free(DtConfig *c) { g_free(c); }
const char *dt_perpetual_to_string(DtPerpetualPolicy p) { return ""; }
gboolean dt_perpetual_from_string(const char *s, DtPerpetualPolicy *out) { return FALSE; }
const char *dt_prefer_to_string(DtPreferMode p) { return ""; }
gboolean dt_prefer_from_string(const char *s, DtPreferMode *out) { return FALSE; }
