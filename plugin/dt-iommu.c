/* PLACEHOLDER: replaced by the module's real implementation. */
#include "config.h"
#include "dt-iommu.h"
DtTri dt_iommu_intel_dirty(guint64 ecap, const DtVersion *kernel, gboolean sm_off, char **note) { return DT_TRI_UNKNOWN; }
gboolean dt_iommu_amd_parse_features(const char *text, const DtVersion *kernel, guint64 *efr, guint64 *efr2) { return FALSE; }
DtTri dt_iommu_amd_dirty(guint64 efr, const DtVersion *kernel, char **note) { return DT_TRI_UNKNOWN; }
gboolean dt_iommu_intel_needs_smpwc(const DtVersion *kernel) { return FALSE; }
