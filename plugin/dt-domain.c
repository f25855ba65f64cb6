/* PLACEHOLDER: replaced by the module's real implementation. */
#include "config.h"
#include "dt-domain.h"
#include "dt-util.h"
DtDomain *dt_domain_parse(const char *buf, gsize len, GError **error) { g_set_error(error, DT_ERROR, DT_ERROR_FAILED, "x"); return NULL; }
DtDomain *dt_domain_parse_file(const char *path, GError **error) { g_set_error(error, DT_ERROR, DT_ERROR_FAILED, "x"); return NULL; }
DtDomain *dt_domain_from_doc(xmlDoc *doc, GError **error) { g_set_error(error, DT_ERROR, DT_ERROR_FAILED, "x"); return NULL; }
gboolean dt_metadata_parse_node(xmlNode *node, DtMetadata *out, GError **error) { return FALSE; }
void dt_metadata_apply_policy(const DtMetadata *m, DtPolicy *policy) {}
guint dt_domain_n_vfio(const DtDomain *d) { return 0; }
gboolean dt_domain_hostdev_uses_iommufd(const DtDomain *d, const DtHostdev *h) { return FALSE; }
