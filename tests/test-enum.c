/* test-enum: every vocabulary table (dt-enum.h, dt-model.c) reads back what
 * it writes, refuses words it does not have, and names exactly the enum's
 * values; the migration flag set has one spelling. */
#include "config.h"

#include <string.h>

#include "model/dt-model.h"

/* For one vocabulary: every value from first to last has a distinct name
 * that reads back as the same value; the values just outside have none;
 * unknown words, NULL and a wrong case are refused and leave *out alone. */
#define CHECK_VOCABULARY(name, type, first, last) \
    G_STMT_START { \
        g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal); \
        guint n_names; \
        const char *const *names = name##_names(&n_names); \
        type out; \
        g_assert_cmpuint(n_names, ==, (guint)((last) - (first) + 1)); \
        for (int v = (first); v <= (last); v++) { \
            const char *s = name##_to_string((type)v); \
            g_assert_nonnull(s); \
            g_assert_cmpstr(s, ==, names[v - (first)]); \
            g_assert_true(g_hash_table_add(seen, (gpointer)s)); \
            g_assert_true(name##_from_string(s, &out)); \
            g_assert_cmpint((int)out, ==, v); \
        } \
        g_assert_null(name##_to_string((type)((first) - 1))); \
        g_assert_null(name##_to_string((type)((last) + 1))); \
        out = (type)(first); \
        g_assert_false(name##_from_string("no-such-word", &out)); \
        g_assert_false(name##_from_string("", &out)); \
        g_assert_false(name##_from_string(NULL, &out)); \
        g_assert_cmpint((int)out, ==, (first)); \
    } G_STMT_END

static void
test_round_trip(void)
{
    CHECK_VOCABULARY(dt_source, DtSource, DT_SOURCE_NONE, DT_SOURCE_LAST);
    CHECK_VOCABULARY(dt_tri, DtTri, DT_TRI_UNKNOWN, DT_TRI_YES);
    CHECK_VOCABULARY(dt_iommu_vendor, DtIommuVendor, DT_IOMMU_VENDOR_UNKNOWN,
                     DT_IOMMU_VENDOR_SMMUV3);
    CHECK_VOCABULARY(dt_mode, DtMode, DT_MODE_NONE, DT_MODE_UNKNOWN);
    CHECK_VOCABULARY(dt_verdict, DtVerdict, DT_VERDICT_ALLOW, DT_VERDICT_DENY);
    CHECK_VOCABULARY(dt_severity, DtSeverity, DT_SEVERITY_INFO, DT_SEVERITY_ERROR);
    CHECK_VOCABULARY(dt_role, DtRole, DT_ROLE_SOURCE, DT_ROLE_DESTINATION);
    CHECK_VOCABULARY(dt_perpetual, DtPerpetualPolicy, DT_PERPETUAL_NEVER, DT_PERPETUAL_ALLOW);
    CHECK_VOCABULARY(dt_prefer, DtPreferMode, DT_PREFER_AUTO, DT_PREFER_IOMMU);
    CHECK_VOCABULARY(dt_mig_bit, DtMigBit, DT_MIG_BIT_STOP_COPY, DT_MIG_BIT_PRE_COPY);
}

/* The words are a contract (reports, metadata, D-Bus, config): pin them. */
static void
test_stable_words(void)
{
    g_assert_cmpstr(dt_mode_to_string(DT_MODE_PERPETUAL), ==, "perpetual");
    g_assert_cmpstr(dt_verdict_to_string(DT_VERDICT_WARN), ==, "warn");
    g_assert_cmpstr(dt_role_to_string(DT_ROLE_DESTINATION), ==, "destination");
    g_assert_cmpstr(dt_tri_to_string(DT_TRI_UNKNOWN), ==, "unknown");
    g_assert_cmpstr(dt_perpetual_to_string(DT_PERPETUAL_BUDGET), ==, "within-budget");
    g_assert_cmpstr(dt_prefer_to_string(DT_PREFER_IOMMU), ==, "iommu");
    g_assert_cmpstr(dt_source_to_string(DT_SOURCE_DEVNODE), ==, "devnode");
    g_assert_cmpstr(dt_mig_bit_to_string(DT_MIG_BIT_PRE_COPY), ==, "pre-copy");
    g_assert_cmpuint(DT_MIG_STOP_COPY, ==, 1);   /* VFIO_MIGRATION_STOP_COPY */
    g_assert_cmpuint(DT_MIG_P2P, ==, 2);         /* VFIO_MIGRATION_P2P */
    g_assert_cmpuint(DT_MIG_PRE_COPY, ==, 4);    /* VFIO_MIGRATION_PRE_COPY */
}

/* Every flag set (all eight) is written one way and reads back. */
static void
test_mig_flags_round_trip(void)
{
    for (guint32 f = 0; f <= DT_MIG_ALL; f++) {
        g_autofree char *s = dt_mig_flags_to_string(f);
        guint32 back = 0xffff;

        g_assert_true(dt_mig_flags_from_string(s, &back));
        g_assert_cmpuint(back, ==, f);
        g_assert_null(strchr(s, ' '));
    }
    {
        g_autofree char *none = dt_mig_flags_to_string(0);
        g_autofree char *all = dt_mig_flags_to_string(DT_MIG_ALL);
        g_autofree char *two = dt_mig_flags_to_string(DT_MIG_PRE_COPY | DT_MIG_STOP_COPY);

        g_assert_cmpstr(none, ==, "none");
        g_assert_cmpstr(all, ==, "stop-copy,p2p,pre-copy");
        g_assert_cmpstr(two, ==, "stop-copy,pre-copy");
    }
}

static void
test_mig_flags_refused(void)
{
    static const char *const bad[] = {
        "postcopy", "stop-copy,postcopy", "stop_copy", "STOP-COPY", "stop-copy,",
        ",p2p", "stop-copy,,p2p", "stop-copy, p2p", "p2p,p2p", "none,p2p", "unknown",
    };
    guint32 out;

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        out = 7;
        g_test_message("refusing '%s'", bad[i]);
        g_assert_false(dt_mig_flags_from_string(bad[i], &out));
        g_assert_cmpuint(out, ==, 7);
    }
    g_assert_false(dt_mig_flags_from_string(NULL, &out));
    /* the order written is bit order, but any order reads */
    g_assert_true(dt_mig_flags_from_string("pre-copy,stop-copy", &out));
    g_assert_cmpuint(out, ==, DT_MIG_PRE_COPY | DT_MIG_STOP_COPY);
    g_assert_true(dt_mig_flags_from_string("", &out));
    g_assert_cmpuint(out, ==, 0);
}

static void
test_join(void)
{
    guint n;
    const char *const *names = dt_prefer_names(&n);
    g_autofree char *s = dt_enum_join(names, n, "|");

    g_assert_cmpstr(s, ==, "auto|device|iommu");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/enum/every-table/round-trip-and-refuse-unknown", test_round_trip);
    g_test_add_func("/enum/stable-words", test_stable_words);
    g_test_add_func("/enum/mig-flags/every-set-round-trips", test_mig_flags_round_trip);
    g_test_add_func("/enum/mig-flags/malformed-refused", test_mig_flags_refused);
    g_test_add_func("/enum/join", test_join);
    return g_test_run();
}
