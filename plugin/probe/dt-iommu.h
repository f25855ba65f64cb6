/* dt-iommu.h: IOMMU dirty-tracking capability from raw registers.
 *
 * Pure functions over register values and the kernel version, mirroring
 * the kernel's own predicates (kernel-uapi.md §4): Intel ssads_supported()
 * and AMD amd_iommu_hd_support().  ARM SMMUv3 exposes nothing in sysfs.
 */
#pragma once

#include <glib.h>
#include "model/dt-model.h"

G_BEGIN_DECLS

/* Intel ECAP bits (drivers/iommu/intel/iommu.h) */
#define DT_VTD_ECAP_SMTS   43   /* scalable mode */
#define DT_VTD_ECAP_SLADS  45   /* second-stage A/D */
#define DT_VTD_ECAP_SLTS   46   /* second-stage translation */
#define DT_VTD_ECAP_SMPWC  48   /* scalable-mode page-walk coherency (6.18, 6.12.y, 6.17.y) */
/* AMD EFR bits */
#define DT_AMD_EFR_HASUP   49
#define DT_AMD_EFR_HDSUP   52

/* Intel: can this unit dirty-track on this kernel?  note gets a short
 * untranslated explanation ("ECAP.SLADS=0", "kernel < 6.7", ...). */
DtTri dt_iommu_intel_dirty(guint64 ecap, const DtVersion *kernel,
                           gboolean sm_off, char **note);
/* AMD sysfs `features`: "%llx" (5.10), "EFR2:EFR" (6.0..6.6), "EFR:EFR2" (6.7+). */
gboolean dt_iommu_amd_parse_features(const char *text, const DtVersion *kernel,
                                     guint64 *efr, guint64 *efr2);
DtTri dt_iommu_amd_dirty(guint64 efr, const DtVersion *kernel, char **note);
/* Does the kernel (by version) require SMPWC for Intel dirty tracking?
 * 6.18+, and 6.12.y / 6.17.y stable backports (conservatively: >= 6.12.0). */
gboolean dt_iommu_intel_needs_smpwc(const DtVersion *kernel);

G_END_DECLS
