/* test-iommu.c: the IOMMU dirty-tracking predicates over real registers.
 *
 * Register values are taken from real machines (tests/data/hosts/README.md
 * names the sources); edge cases flip single bits of a real value so each
 * test isolates one rule of kernel-uapi.md §4: the Intel ECAP bits, the
 * SMPWC gate (6.18, stable 6.17.3 and 6.12.53), intel_iommu=sm_off, the 6.7 floor, AMD HDSup, the
 * HATS=3 hatdis rule of 7.x, and the three orders of the AMD features file.
 */
#include "config.h"

#include <string.h>

#include "probe/dt-iommu.h"
#include "model/dt-util.h"

/* Sapphire Rapids, intel/intel-device-plugins-for-kubernetes#1836 */
#define SPR_ECAP 0x3ee9e86f050dfULL
/* Cascade Lake-class Xeon, utcs-scea/LAKE#10 */
#define CLX_ECAP 0xf020dfULL
/* Ice Lake-SP "ver 4:0 cap 8ed008c40780466 ecap 60000f050df" */
#define ICX_ECAP 0x60000f050dfULL
/* AMD EPYC 9004-class, global EFR/EFR2 ("Using global IVHD EFR:..., EFR2:...") */
#define GENOA_EFR 0x25bf732fa2295afeULL
#define GENOA_EFR2 0x1dULL
/* AMD EPYC multi-segment server, 5.15 single-value print, openvelinux/kernel#50 */
#define EPYC_515_EFR 0xa5bf732fa2295afeULL
/* AMD client (HDSup clear), "Extended features (0xf77ef22294ada, 0x0)" */
#define CLIENT_EFR 0xf77ef22294adaULL

static DtVersion
ver(const char *s)
{
    DtVersion v;
    g_assert_true(dt_version_parse(s, &v));
    return v;
}

static void
assert_intel(guint64 ecap, const char *kernel, gboolean sm_off, DtTri want, const char *want_note)
{
    DtVersion k = { 0 };
    g_autofree char *note = NULL;

    if (kernel)
        k = ver(kernel);
    g_assert_cmpint(dt_iommu_intel_dirty(ecap, &k, sm_off, &note), ==, want);
    g_assert_nonnull(note);
    if (want_note)
        g_assert_cmpstr(note, ==, want_note);
}

static void
test_spr_bands(void)
{
    /* all four bits set: every kernel with iommufd dirty tracking says yes */
    assert_intel(SPR_ECAP, "6.7.0", FALSE, DT_TRI_YES, NULL);
    assert_intel(SPR_ECAP, "6.12.57+deb13-amd64", FALSE, DT_TRI_YES, NULL);
    assert_intel(SPR_ECAP, "6.18.0", FALSE, DT_TRI_YES, NULL);
    assert_intel(SPR_ECAP, "7.2.1", FALSE, DT_TRI_YES, NULL);
}

static void
test_spr_old_kernel(void)
{
    assert_intel(SPR_ECAP, "6.6.63", FALSE, DT_TRI_NO, "kernel < 6.7");
    assert_intel(SPR_ECAP, "6.1.0-28-amd64", FALSE, DT_TRI_NO, "kernel < 6.7");
    assert_intel(SPR_ECAP, "5.10.0", FALSE, DT_TRI_NO, "kernel < 6.7");
}

static void
test_spr_sm_off(void)
{
    assert_intel(SPR_ECAP, "6.12.57", TRUE, DT_TRI_NO, "intel_iommu=sm_off");
}

static void
test_spr_unknown_kernel(void)
{
    assert_intel(SPR_ECAP, NULL, FALSE, DT_TRI_UNKNOWN, "kernel version unknown");
}

static void
test_legacy_parts(void)
{
    /* Cascade Lake and Ice Lake-SP have no scalable mode at all */
    assert_intel(CLX_ECAP, "6.12.57", FALSE, DT_TRI_NO, "ECAP.SMTS=0 (no scalable mode)");
    assert_intel(ICX_ECAP, "6.12.57", FALSE, DT_TRI_NO, "ECAP.SMTS=0 (no scalable mode)");
    /* hardware is the reason even on an old kernel */
    assert_intel(CLX_ECAP, "6.1.0", FALSE, DT_TRI_NO, "ECAP.SMTS=0 (no scalable mode)");
}

static void
test_single_bits(void)
{
    assert_intel(SPR_ECAP & ~(1ULL << DT_VTD_ECAP_SLADS), "6.12.57", FALSE, DT_TRI_NO,
                 "ECAP.SLADS=0");
    assert_intel(SPR_ECAP & ~(1ULL << DT_VTD_ECAP_SLTS), "6.12.57", FALSE, DT_TRI_NO,
                 "ECAP.SLTS=0");
    assert_intel(SPR_ECAP & ~(1ULL << DT_VTD_ECAP_SMTS), "6.12.57", FALSE, DT_TRI_NO,
                 "ECAP.SMTS=0 (no scalable mode)");
}

static void
test_smpwc_band(void)
{
    guint64 no_smpwc = SPR_ECAP & ~(1ULL << DT_VTD_ECAP_SMPWC);

    /* 6.7..6.11 mainline did not look at SMPWC */
    assert_intel(no_smpwc, "6.7.0", FALSE, DT_TRI_YES, NULL);
    assert_intel(no_smpwc, "6.11.11", FALSE, DT_TRI_YES, NULL);
    /* upstream commit 57f55048e564 (6.18), backported to 6.17.3 and
     * 6.12.53 (October 2025 stable): older releases of both series and
     * 6.13..6.16 report dirty tracking without SMPWC */
    assert_intel(no_smpwc, "6.12.0", FALSE, DT_TRI_YES, NULL);
    assert_intel(no_smpwc, "6.12.52", FALSE, DT_TRI_YES, NULL);
    assert_intel(no_smpwc, "6.12.53", FALSE, DT_TRI_NO, "ECAP.SMPWC=0");
    assert_intel(no_smpwc, "6.12.107", FALSE, DT_TRI_NO, "ECAP.SMPWC=0");
    assert_intel(no_smpwc, "6.14.5", FALSE, DT_TRI_YES, NULL);
    assert_intel(no_smpwc, "6.16.12", FALSE, DT_TRI_YES, NULL);
    assert_intel(no_smpwc, "6.17.2", FALSE, DT_TRI_YES, NULL);
    assert_intel(no_smpwc, "6.17.3", FALSE, DT_TRI_NO, "ECAP.SMPWC=0");
    assert_intel(no_smpwc, "6.18.0", FALSE, DT_TRI_NO, "ECAP.SMPWC=0");
    /* unknown kernel: could be either side of the band */
    assert_intel(no_smpwc, NULL, FALSE, DT_TRI_UNKNOWN, NULL);
}

static void
test_needs_smpwc(void)
{
    DtVersion unknown = { 0 };
    DtVersion v;

    v = ver("6.11.11");
    g_assert_false(dt_iommu_intel_needs_smpwc(&v));
    v = ver("6.12.0");
    g_assert_false(dt_iommu_intel_needs_smpwc(&v));
    v = ver("6.12.53");
    g_assert_true(dt_iommu_intel_needs_smpwc(&v));
    v = ver("7.0");
    g_assert_true(dt_iommu_intel_needs_smpwc(&v));
    g_assert_false(dt_iommu_intel_needs_smpwc(&unknown));
}

static void
test_amd_single_value(void)
{
    DtVersion k = ver("5.10.0-33-amd64");
    guint64 efr = 1, efr2 = 1;

    g_assert_true(dt_iommu_amd_parse_features("a5bf732fa2295afe\n", &k, &efr, &efr2));
    g_assert_cmphex(efr, ==, EPYC_515_EFR);
    g_assert_cmphex(efr2, ==, 0);
}

static void
test_amd_efr2_first(void)
{
    guint64 efr = 0, efr2 = 0;

    /* 6.0 .. 6.6 print features2 first */
    for (guint i = 0; i < 3; i++) {
        static const char *const bands[] = { "6.0.0", "6.1.0-28-amd64", "6.6.63" };
        DtVersion k = ver(bands[i]);
        g_assert_true(dt_iommu_amd_parse_features("1d:25bf732fa2295afe\n", &k, &efr, &efr2));
        g_assert_cmphex(efr, ==, GENOA_EFR);
        g_assert_cmphex(efr2, ==, GENOA_EFR2);
    }
}

static void
test_amd_efr_first(void)
{
    guint64 efr = 0, efr2 = 0;

    for (guint i = 0; i < 3; i++) {
        static const char *const bands[] = { "6.7.0", "6.12.57+deb13-amd64", "7.2.0" };
        DtVersion k = ver(bands[i]);
        g_assert_true(dt_iommu_amd_parse_features("25bf732fa2295afe:1d\n", &k, &efr, &efr2));
        g_assert_cmphex(efr, ==, GENOA_EFR);
        g_assert_cmphex(efr2, ==, GENOA_EFR2);
    }
}

static void
test_amd_malformed(void)
{
    static const char *const bad[] = {
        "", "\n", "xyz", "25bf732fa2295afe:", ":1d", "1:2:3", "0x25bf732fa2295afe:1d",
        "25bf732fa2295afe:1d:", "125bf732fa2295afe:1d", "25bf 732f:1d", "-1:1d", "1d;25bf",
    };
    DtVersion k = ver("6.12.57");
    DtVersion unknown = { 0 };
    guint64 efr = 7, efr2 = 7;

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        if (g_test_verbose())
            g_test_message("features '%s'", bad[i]);
        g_assert_false(dt_iommu_amd_parse_features(bad[i], &k, &efr, &efr2));
    }
    g_assert_false(dt_iommu_amd_parse_features(NULL, &k, &efr, &efr2));
    /* two values but no kernel version: the order is unknowable */
    g_assert_false(dt_iommu_amd_parse_features("25bf732fa2295afe:1d", &unknown, &efr, &efr2));
    /* outputs untouched on failure */
    g_assert_cmphex(efr, ==, 7);
    g_assert_cmphex(efr2, ==, 7);
}

static void
assert_amd(guint64 efr, const char *kernel, DtTri want, const char *want_note)
{
    DtVersion k = { 0 };
    g_autofree char *note = NULL;

    if (kernel)
        k = ver(kernel);
    g_assert_cmpint(dt_iommu_amd_dirty(efr, &k, &note), ==, want);
    g_assert_nonnull(note);
    if (want_note)
        g_assert_cmpstr(note, ==, want_note);
}

static void
test_amd_dirty(void)
{
    assert_amd(GENOA_EFR, "6.12.57", DT_TRI_YES, "EFR.HDSup=1");
    assert_amd(EPYC_515_EFR, "6.7.0", DT_TRI_YES, NULL);
    assert_amd(GENOA_EFR, "6.6.63", DT_TRI_NO, "kernel < 6.7");
    assert_amd(GENOA_EFR, "6.1.0-28-amd64", DT_TRI_NO, "kernel < 6.7");
    assert_amd(GENOA_EFR, NULL, DT_TRI_UNKNOWN, "kernel version unknown");
    assert_amd(CLIENT_EFR, "6.12.57", DT_TRI_NO, "EFR.HDSup=0");
    assert_amd(GENOA_EFR & ~(1ULL << DT_AMD_EFR_HDSUP), "7.2.0", DT_TRI_NO, "EFR.HDSup=0");
}

static void
test_amd_hatdis(void)
{
    /* HATS=3 is what a vIOMMU guest sees; 7.x sets hatdis and refuses */
    guint64 hats3 = GENOA_EFR | (3ULL << 10);

    assert_amd(hats3, "7.0.0", DT_TRI_NO, "EFR.HATS=3 (hatdis)");
    assert_amd(hats3, "6.12.57", DT_TRI_YES, NULL);
    /* the real value has HATS=2 and stays capable on 7.x */
    assert_amd(GENOA_EFR, "7.2.0", DT_TRI_YES, NULL);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/iommu/intel/sapphire-rapids/kernel-6.7-and-later -> yes", test_spr_bands);
    g_test_add_func("/iommu/intel/sapphire-rapids/kernel-before-6.7 -> no", test_spr_old_kernel);
    g_test_add_func("/iommu/intel/sapphire-rapids/sm_off -> no", test_spr_sm_off);
    g_test_add_func("/iommu/intel/sapphire-rapids/unknown-kernel -> unknown", test_spr_unknown_kernel);
    g_test_add_func("/iommu/intel/cascade-and-ice-lake/no-scalable-mode -> no", test_legacy_parts);
    g_test_add_func("/iommu/intel/missing-slads-slts-smts -> no", test_single_bits);
    g_test_add_func("/iommu/intel/no-smpwc/needed-from-6.18-6.17.3-6.12.53", test_smpwc_band);
    g_test_add_func("/iommu/intel/needs-smpwc/bands", test_needs_smpwc);
    g_test_add_func("/iommu/amd/features/5.10-single-efr", test_amd_single_value);
    g_test_add_func("/iommu/amd/features/6.0-to-6.6-efr2-first", test_amd_efr2_first);
    g_test_add_func("/iommu/amd/features/6.7-on-efr-first", test_amd_efr_first);
    g_test_add_func("/iommu/amd/features/malformed-refused", test_amd_malformed);
    g_test_add_func("/iommu/amd/hdsup-and-kernel-floor", test_amd_dirty);
    g_test_add_func("/iommu/amd/hats3-hatdis-on-7.x -> no", test_amd_hatdis);
    return g_test_run();
}
