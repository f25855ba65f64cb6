/* dt-iommu.c: does an IOMMU unit do hardware dirty tracking, judged from
 * its registers and the running kernel's version.
 *
 * These mirror the kernel's own predicates (kernel-uapi.md §4): Intel's
 * ssads_supported() plus the SLTS gate on allocation, and AMD's
 * amd_iommu_hd_support().  They are pure so the whole band table can be
 * tested against real register values without a machine.  Hardware bits
 * are judged before the kernel version so that the note names what the
 * operator can actually change (firmware/hardware vs. kernel).
 */
#include "config.h"

#include <string.h>

#include "probe/dt-iommu.h"
#include "model/dt-versions.h"
#include "model/dt-util.h"

#define BIT_SET(v, b) ((((v) >> (b)) & 1ULL) != 0)

/* AMD EFR.HATS, bits 10..11; 3 = "invalid", which 7.x turns into hatdis */
#define DT_AMD_EFR_HATS_SHIFT 10
#define DT_AMD_EFR_HATS_MASK  3ULL

static void
set_note(char **note, const char *text)
{
    if (!note)
        return;
    g_free(*note);
    *note = g_strdup(text);
}

/* What the kernel alone says of IOMMU dirty tracking, for a unit whose
 * registers allow it: unknown for an unknown kernel, no before the
 * hw_pagetable's dirty tracking (6.7).  TRUE when that settles it. */
static gboolean
kernel_rules_out(const DtVersion *kernel, char **note, DtTri *answer)
{
    if (!kernel || !kernel->known) {
        set_note(note, "kernel version unknown");
        *answer = DT_TRI_UNKNOWN;
        return TRUE;
    }
    if (dt_versions_kernel_has(DT_KF_HWPT_DIRTY, kernel) != DT_TRI_YES) {
        set_note(note, "kernel < 6.7");
        *answer = DT_TRI_NO;
        return TRUE;
    }
    return FALSE;
}

gboolean
dt_iommu_intel_needs_smpwc(const DtVersion *kernel)
{
    /* Upstream 6.18 and the stable releases it went to (dt-versions.c);
     * older kernels report dirty tracking without SMPWC.  For an unknown
     * kernel dt_iommu_intel_dirty() answers "unknown" anyway. */
    return dt_versions_kernel_has(DT_KF_INTEL_SMPWC_GATE, kernel) == DT_TRI_YES;
}

DtTri
dt_iommu_intel_dirty(guint64 ecap, const DtVersion *kernel, gboolean sm_off, char **note)
{
    DtTri t;

    if (!BIT_SET(ecap, DT_VTD_ECAP_SMTS)) {
        set_note(note, "ECAP.SMTS=0 (no scalable mode)");
        return DT_TRI_NO;
    }
    if (!BIT_SET(ecap, DT_VTD_ECAP_SLADS)) {
        set_note(note, "ECAP.SLADS=0");
        return DT_TRI_NO;
    }
    if (!BIT_SET(ecap, DT_VTD_ECAP_SLTS)) {
        set_note(note, "ECAP.SLTS=0");
        return DT_TRI_NO;
    }
    if (!BIT_SET(ecap, DT_VTD_ECAP_SMPWC) && dt_iommu_intel_needs_smpwc(kernel)) {
        set_note(note, "ECAP.SMPWC=0");
        return DT_TRI_NO;
    }
    if (sm_off) {
        set_note(note, "intel_iommu=sm_off");
        return DT_TRI_NO;
    }
    /* SMPWC=0 would matter on 6.12+, so an unknown kernel is unknown */
    if (kernel_rules_out(kernel, note, &t))
        return t;
    set_note(note, "ECAP.SLADS=1");
    return DT_TRI_YES;
}

/* One hex field of the features file; the kernel prints %llx, no prefix. */
static gboolean
parse_hex_field(const char *s, guint64 *out)
{
    if (!s || !*s || strlen(s) > 16)
        return FALSE;
    for (const char *p = s; *p; p++)
        if (!g_ascii_isxdigit(*p))
            return FALSE;
    return dt_parse_u64(s, 16, out);
}

gboolean
dt_iommu_amd_parse_features(const char *text, const DtVersion *kernel,
                            guint64 *efr, guint64 *efr2)
{
    g_autofree char *copy = NULL;
    g_auto(GStrv) parts = NULL;
    guint64 a = 0, b = 0;

    if (!text)
        return FALSE;
    copy = g_strstrip(g_strdup(text));
    if (!*copy)
        return FALSE;
    parts = g_strsplit(copy, ":", -1);
    switch (g_strv_length(parts)) {
    case 1:
        /* 5.10 prints only the per-unit EFR */
        if (!parse_hex_field(parts[0], &a))
            return FALSE;
        *efr = a;
        *efr2 = 0;
        return TRUE;
    case 2:
        if (!parse_hex_field(parts[0], &a) || !parse_hex_field(parts[1], &b))
            return FALSE;
        if (!kernel || !kernel->known)
            return FALSE;   /* the order cannot be known */
        if (dt_version_at_least(kernel, 6, 7, 0)) {
            *efr = a;       /* 6.7+: global EFR:EFR2 */
            *efr2 = b;
        } else {
            *efr = b;       /* 6.0..6.6: EFR2:EFR */
            *efr2 = a;
        }
        return TRUE;
    default:
        return FALSE;
    }
}

DtTri
dt_iommu_amd_dirty(guint64 efr, const DtVersion *kernel, char **note)
{
    DtTri t;

    if (!BIT_SET(efr, DT_AMD_EFR_HDSUP)) {
        set_note(note, "EFR.HDSup=0");
        return DT_TRI_NO;
    }
    if (kernel_rules_out(kernel, note, &t))
        return t;
    if (dt_version_at_least(kernel, 7, 0, 0) &&
        ((efr >> DT_AMD_EFR_HATS_SHIFT) & DT_AMD_EFR_HATS_MASK) == 3) {
        set_note(note, "EFR.HATS=3 (hatdis)");
        return DT_TRI_NO;
    }
    set_note(note, "EFR.HDSup=1");
    return DT_TRI_YES;
}
