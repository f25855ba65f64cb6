/* test-metadata: dirtytrack's <metadata> element has one form.  Whatever
 * the schema accepts parses, builds and parses again to the same facts;
 * the rewrite (hook, `apply`) and the daemon's live fragment write the same
 * evaluation, keeping "none" and "unknown" apart.
 */
#include "config.h"

#include <string.h>

#include "model/dt-domain.h"
#include "model/dt-metadata.h"
#include "render/dt-rewrite.h"
#include "model/dt-util.h"
#include "model/dt-xml.h"

#define NS "http://dirtytrack.org/xmlns/domain/1.0"

static DtMetadata *
parse_string(const char *xml)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(xmlDoc) doc = dt_xml_parse(xml, strlen(xml), "metadata", NULL, &error);
    DtMetadata *m = dt_metadata_new();

    g_assert_no_error(error);
    g_assert_nonnull(doc);
    if (!dt_metadata_parse_node(xmlDocGetRootElement(doc), m, &error))
        g_error("does not parse: %s\n%s", error->message, xml);
    return m;
}

static char *
build_string(const DtMetadata *m)
{
    g_autoptr(xmlDoc) doc = xmlNewDoc(BAD_CAST "1.0");
    g_autoptr(xmlBuffer) buf = xmlBufferCreate();
    xmlNode *root = dt_metadata_build(doc, m);

    xmlDocSetRootElement(doc, root);
    g_assert_cmpint(xmlNodeDump(buf, doc, root, 0, 0), >=, 0);
    return g_strdup((const char *)xmlBufferContent(buf));
}

static void
assert_same(const DtMetadata *a, const DtMetadata *b)
{
    g_assert_cmpint(a->present, ==, b->present);
    g_assert_cmpint(a->has_policy, ==, b->has_policy);
    g_assert_cmpint(a->has_evaluation, ==, b->has_evaluation);
    g_assert_cmpint(a->has_require_migratable, ==, b->has_require_migratable);
    g_assert_cmpint(a->require_migratable, ==, b->require_migratable);
    g_assert_cmpint(a->has_perpetual, ==, b->has_perpetual);
    if (a->has_perpetual)
        g_assert_cmpint(a->perpetual, ==, b->perpetual);
    g_assert_cmpint(a->has_prefer, ==, b->has_prefer);
    if (a->has_prefer)
        g_assert_cmpint(a->prefer, ==, b->prefer);
    g_assert_cmpint(a->has_max_downtime_ms, ==, b->has_max_downtime_ms);
    g_assert_cmpuint(a->max_downtime_ms, ==, b->max_downtime_ms);
    g_assert_cmpint(a->has_bandwidth, ==, b->has_bandwidth);
    g_assert_cmpuint(a->bandwidth_mib_s, ==, b->bandwidth_mib_s);
    g_assert_cmpint(a->has_dirty_rate, ==, b->has_dirty_rate);
    g_assert_cmpuint(a->dirty_rate_mib_s, ==, b->dirty_rate_mib_s);
    g_assert_cmpstr(a->verdict, ==, b->verdict);
    g_assert_cmpstr(a->mode, ==, b->mode);
    g_assert_cmpstr(a->host, ==, b->host);
    g_assert_cmpstr(a->time, ==, b->time);
    g_assert_cmpstr(a->fingerprint, ==, b->fingerprint);
    g_assert_cmpuint(a->fp_devices->len, ==, b->fp_devices->len);
    for (guint i = 0; i < a->fp_devices->len; i++) {
        const DtFingerprintDevice *x = g_ptr_array_index(a->fp_devices, i);
        const DtFingerprintDevice *y = g_ptr_array_index(b->fp_devices, i);

        g_assert_cmpstr(x->address, ==, y->address);
        g_assert_cmpstr(x->vendor_device, ==, y->vendor_device);
        g_assert_cmpstr(x->driver, ==, y->driver);
        g_assert_cmpint(x->has_migration, ==, y->has_migration);
        g_assert_cmpint(x->migration, ==, y->migration);
        g_assert_cmpuint(x->mig_flags, ==, y->mig_flags);
    }
}

/* parse -> build -> parse gives the same facts, and building again the
 * same bytes (one written form). */
static void
round_trip(const char *xml)
{
    g_autoptr(DtMetadata) first = parse_string(xml);
    g_autofree char *built = build_string(first);
    g_autoptr(DtMetadata) second = parse_string(built);
    g_autofree char *again = build_string(second);

    g_test_message("%s\n  -> %s", xml, built);
    assert_same(first, second);
    g_assert_cmpstr(built, ==, again);
}

/* round_trip() of before NAME after for each of the names. */
static void
round_trip_each(const char *before, const char *const *names, guint n, const char *after)
{
    for (guint i = 0; i < n; i++) {
        g_autofree char *x = g_strconcat(before, names[i], after, NULL);

        round_trip(x);
    }
}

/* Every value of every attribute the schema (schemas/domain-metadata.rng)
 * has a list for, and the forms of the free ones. */
static void
test_round_trip_every_value(void)
{
    static const char *const yes_no[] = { "yes", "no" };
    static const char *const migrations[] = {
        "none", "unknown", "", "stop-copy", "p2p", "pre-copy", "stop-copy,p2p",
        "stop-copy,p2p,pre-copy", "pre-copy,stop-copy",
    };
    guint n;
    const char *const *names;

    round_trip("<dirtytrack xmlns='" NS "'/>");
    round_trip("<dirtytrack xmlns='" NS "'><policy/></dirtytrack>");
    round_trip("<dirtytrack xmlns='" NS "'><evaluation/></dirtytrack>");
    round_trip_each("<dirtytrack xmlns='" NS "'><policy require-migratable='", yes_no,
                    G_N_ELEMENTS(yes_no), "'/></dirtytrack>");
    names = dt_perpetual_names(&n);
    round_trip_each("<dirtytrack xmlns='" NS "'><policy perpetual='", names, n,
                    "' max-downtime-ms='0' bandwidth-mib-s='18446744073709551615' "
                    "dirty-rate-mib-s='512'/></dirtytrack>");
    names = dt_prefer_names(&n);
    round_trip_each("<dirtytrack xmlns='" NS "'><policy prefer='", names, n,
                    "'/></dirtytrack>");
    names = dt_verdict_names(&n);
    round_trip_each("<dirtytrack xmlns='" NS "'><evaluation verdict='", names, n,
                    "' time='2026-12-07T01:02:03.5+01:00' host='h'/></dirtytrack>");
    names = dt_mode_names(&n);
    round_trip_each("<dirtytrack xmlns='" NS "'><evaluation mode='", names, n,
                    "' fingerprint='0aF9'/></dirtytrack>");
    for (guint i = 0; i < G_N_ELEMENTS(migrations); i++) {
        g_autofree char *x = g_strdup_printf(
            "<d:dirtytrack xmlns:d='" NS "'><d:evaluation>"
            "<d:device address='3b:00.1' id='15B3:101E' driver='mlx5_vfio_pci' migration='%s'/>"
            "<d:device address='C0FFEE00-0000-4000-8000-00000000000A' migration='%s'/>"
            "<d:device address='0000:3b:00.2'/>"
            "</d:evaluation></d:dirtytrack>", migrations[i], migrations[i]);
        round_trip(x);
    }
}

/* The fixtures the schema test validates: every valid one round-trips. */
static void
test_round_trip_fixtures(void)
{
    g_autofree char *dir = g_test_build_filename(G_TEST_DIST, "data", "metadata", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    guint n = 0;

    g_assert_nonnull(d);
    while ((name = g_dir_read_name(d))) {
        g_autofree char *path = NULL, *buf = NULL;

        if (!g_str_has_suffix(name, ".xml") || g_str_has_suffix(name, "-invalid.xml"))
            continue;
        path = g_build_filename(dir, name, NULL);
        g_assert_true(g_file_get_contents(path, &buf, NULL, NULL));
        round_trip(buf);
        n++;
    }
    g_assert_cmpuint(n, >=, 5);
}

/* "none" and "unknown" are different facts about the source's device; the
 * parser keeps them apart. */
static void
test_unknown_is_not_none(void)
{
    g_autoptr(DtMetadata) m = parse_string(
        "<dirtytrack xmlns='" NS "'><evaluation>"
        "<device address='0000:3b:00.1' migration='none'/>"
        "<device address='0000:3b:00.2' migration='unknown'/>"
        "<device address='0000:3b:00.3' migration=''/>"
        "<device address='0000:3b:00.4' migration='p2p,stop-copy'/>"
        "<device address='0000:3b:00.5'/>"
        "</evaluation></dirtytrack>");
    const DtFingerprintDevice *f;

    f = g_ptr_array_index(m->fp_devices, 0);
    g_assert_true(f->has_migration);
    g_assert_cmpint(f->migration, ==, DT_TRI_NO);
    f = g_ptr_array_index(m->fp_devices, 1);
    g_assert_true(f->has_migration);
    g_assert_cmpint(f->migration, ==, DT_TRI_UNKNOWN);
    f = g_ptr_array_index(m->fp_devices, 2);
    g_assert_cmpint(f->migration, ==, DT_TRI_NO);
    f = g_ptr_array_index(m->fp_devices, 3);
    g_assert_cmpint(f->migration, ==, DT_TRI_YES);
    g_assert_cmpuint(f->mig_flags, ==, DT_MIG_STOP_COPY | DT_MIG_P2P);
    f = g_ptr_array_index(m->fp_devices, 4);
    g_assert_false(f->has_migration);
}

static DtDeviceFinding *
finding(const char *address, DtTri migration, guint32 flags)
{
    DtDeviceFinding *f = g_new0(DtDeviceFinding, 1);

    f->address = g_strdup(address);
    f->present = TRUE;
    f->vendor = 0x15b3;
    f->device = 0x101e;
    f->vfio_driver = g_strdup("mlx5_vfio_pci");
    f->migration = (DtFact){ migration, DT_SOURCE_IOCTL };
    f->mig_flags = flags;
    return f;
}

static const char domain_xml[] =
    "<domain type='kvm'>\n"
    "  <name>vm</name>\n"
    "  <metadata>\n"
    "    <dirtytrack:dirtytrack xmlns:dirtytrack='" NS "'>\n"
    "      <dirtytrack:policy perpetual='never' max-downtime-ms='300'/>\n"
    "    </dirtytrack:dirtytrack>\n"
    "  </metadata>\n"
    "  <memory>1048576</memory>\n"
    "  <os><type arch='x86_64' machine='q35'>hvm</type></os>\n"
    "</domain>\n";

/* The daemon's live fragment (virDomainSetMetadata) and the rewrite the
 * hook and `apply` write carry the same element: the policy kept, and each
 * device's migration as the decision knew it.  Before dt-metadata, the
 * daemon rewrote the domain, parsed it again and "normalised" the devices:
 * migration='none' became '' and migration='unknown' was dropped, so this
 * test failed on the 'none' and 'unknown' assertions. */
static void
test_fragment_equals_rewrite(void)
{
    g_autoptr(DtDecision) d = dt_decision_new();
    g_autoptr(GError) error = NULL;
    g_autofree char *frag = NULL, *rewritten = NULL;
    g_autoptr(DtMetadata) from_frag = NULL;
    g_autoptr(DtDomain) dom = NULL;
    gboolean changed = FALSE;
    const DtFingerprintDevice *f;

    d->verdict = DT_VERDICT_WARN;
    d->mode = DT_MODE_PERPETUAL;
    d->fingerprint = g_strdup("abc123");
    g_ptr_array_add(d->devices, finding("0000:3b:00.1", DT_TRI_NO, 0));
    g_ptr_array_add(d->devices, finding("0000:3b:00.2", DT_TRI_UNKNOWN, 0));
    g_ptr_array_add(d->devices, finding("0000:3b:00.3", DT_TRI_YES,
                                        DT_MIG_STOP_COPY | DT_MIG_PRE_COPY));

    frag = dt_metadata_fragment(domain_xml, strlen(domain_xml), d, "host-a",
                                "2026-12-07T01:00:00Z", &error);
    g_assert_no_error(error);
    g_test_message("%s", frag);
    g_assert_nonnull(strstr(frag, "migration=\"none\""));
    g_assert_nonnull(strstr(frag, "migration=\"unknown\""));
    g_assert_nonnull(strstr(frag, "migration=\"stop-copy,pre-copy\""));
    /* libvirt gives the root the prefix: no prefix bound in the fragment */
    g_assert_true(g_str_has_prefix(frag, "<dirtytrack xmlns=\"" NS "\">"));
    from_frag = parse_string(frag);

    rewritten = dt_rewrite_domain_xml(domain_xml, strlen(domain_xml), d, "host-a",
                                      "2026-12-07T01:00:00Z", &changed, &error);
    g_assert_no_error(error);
    g_assert_true(changed);
    dom = dt_domain_parse(rewritten, strlen(rewritten), &error);
    g_assert_no_error(error);
    assert_same(dom->metadata, from_frag);

    g_assert_true(from_frag->has_perpetual);
    g_assert_cmpint(from_frag->perpetual, ==, DT_PERPETUAL_NEVER);
    g_assert_cmpuint(from_frag->max_downtime_ms, ==, 300);
    g_assert_cmpstr(from_frag->host, ==, "host-a");
    g_assert_cmpuint(from_frag->fp_devices->len, ==, 3);
    f = g_ptr_array_index(from_frag->fp_devices, 1);
    g_assert_true(f->has_migration);
    g_assert_cmpint(f->migration, ==, DT_TRI_UNKNOWN);
    f = g_ptr_array_index(from_frag->fp_devices, 0);
    g_assert_cmpint(f->migration, ==, DT_TRI_NO);
}

/* Built from a decision, parsed back: the facts the destination compares. */
static void
test_set_evaluation_round_trip(void)
{
    g_autoptr(DtDecision) d = dt_decision_new();
    g_autoptr(DtMetadata) m = dt_metadata_new();
    g_autoptr(DtMetadata) back = NULL;
    g_autofree char *xml = NULL;
    DtDeviceFinding *mdev = finding("c0ffee00-0000-4000-8000-00000000000a", DT_TRI_YES,
                                    DT_MIG_STOP_COPY);
    DtDeviceFinding *noaddr = finding("", DT_TRI_YES, DT_MIG_STOP_COPY);

    mdev->is_mdev = TRUE;
    g_free(mdev->vfio_driver);
    mdev->vfio_driver = g_strdup("vfio-pci model");   /* not a plain name: not written */
    d->verdict = DT_VERDICT_ALLOW;
    d->mode = DT_MODE_DEVICE;
    g_ptr_array_add(d->devices, finding("0000:3b:00.1", DT_TRI_YES, DT_MIG_ALL));
    g_ptr_array_add(d->devices, mdev);
    g_ptr_array_add(d->devices, noaddr);
    dt_metadata_set_evaluation(m, d, NULL, NULL);
    xml = build_string(m);
    back = parse_string(xml);
    assert_same(m, back);
    g_assert_cmpuint(back->fp_devices->len, ==, 2);
    g_assert_cmpstr(((DtFingerprintDevice *)g_ptr_array_index(back->fp_devices, 0))->vendor_device,
                    ==, "15b3:101e");
    g_assert_null(((DtFingerprintDevice *)g_ptr_array_index(back->fp_devices, 1))->driver);
    g_assert_null(((DtFingerprintDevice *)g_ptr_array_index(back->fp_devices, 1))->vendor_device);
}

/* The source's dry-run record: the fragment the daemon writes is what a
 * destination's domain model reads, inside a libvirt domain beside
 * dirtytrack's element; what the schema refuses is refused. */
static void
test_outgoing_round_trip(void)
{
    g_autoptr(GPtrArray) reasons = g_ptr_array_new_with_free_func((GDestroyNotify)dt_reason_free);
    DtReason *r = g_new0(DtReason, 1);
    g_autofree char *frag = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(DtDomain) dom = NULL;
    g_autoptr(GError) error = NULL;
    const DtReason *back;

    r->code = g_strdup("dma-logging-report-unsupported");
    r->severity = DT_SEVERITY_ERROR;
    r->device = g_strdup("c2177883-f1bb-47f0-914d-32a22e3a8804");
    r->message = g_strdup("Device c2177883 starts DMA logging but its reports fail <&>");
    g_ptr_array_add(reasons, r);
    frag = dt_outgoing_fragment("lv-src", "2026-12-07T05:47:08Z", reasons);
    g_assert_nonnull(frag);
    g_assert_nonnull(strstr(frag, "xmlns=\"" DT_OUTGOING_NS "\""));
    xml = g_strdup_printf("<domain type='kvm'><name>vm</name><memory>1048576</memory>"
                          "<metadata><dirtytrack:dirtytrack xmlns:dirtytrack='" NS "'>"
                          "<dirtytrack:evaluation verdict='allow' host='lv-src'/>"
                          "</dirtytrack:dirtytrack>%s</metadata></domain>", frag);
    dom = dt_domain_parse(xml, strlen(xml), &error);
    g_assert_no_error(error);
    g_assert_true(dom->outgoing->present);
    g_assert_cmpstr(dom->outgoing->host, ==, "lv-src");
    g_assert_cmpstr(dom->outgoing->time, ==, "2026-12-07T05:47:08Z");
    g_assert_cmpuint(dom->outgoing->reasons->len, ==, 1);
    back = g_ptr_array_index(dom->outgoing->reasons, 0);
    g_assert_cmpstr(back->code, ==, r->code);
    g_assert_cmpstr(back->device, ==, r->device);
    g_assert_cmpstr(back->message, ==, r->message);
    g_assert_cmpint(back->severity, ==, DT_SEVERITY_ERROR);
    g_clear_pointer(&dom, dt_domain_free);

    /* no host, or a code the engine never writes: refused, said so */
    for (guint i = 0; i < 2; i++) {
        g_autofree char *bad = g_strdup_printf(
            "<domain type='kvm'><name>vm</name><memory>1048576</memory><metadata>"
            "<outgoing xmlns='" DT_OUTGOING_NS "'%s><reason code='%s'>x</reason></outgoing>"
            "</metadata></domain>", i == 0 ? "" : " host='h'", i == 0 ? "a-b" : "Not A Code");

        g_clear_error(&error);
        dom = dt_domain_parse(bad, strlen(bad), &error);
        g_assert_null(dom);
        g_assert_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT);
        g_assert_nonnull(strstr(error->message, "outgoing"));
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/metadata/round-trip/every-schema-value", test_round_trip_every_value);
    g_test_add_func("/metadata/round-trip/fixtures", test_round_trip_fixtures);
    g_test_add_func("/metadata/parse/unknown-is-not-none", test_unknown_is_not_none);
    g_test_add_func("/metadata/fragment/equals-rewrite-keeps-none-and-unknown",
                    test_fragment_equals_rewrite);
    g_test_add_func("/metadata/evaluation/from-decision-round-trips",
                    test_set_evaluation_round_trip);
    g_test_add_func("/metadata/outgoing/fragment-parses-in-a-domain", test_outgoing_round_trip);
    return g_test_run();
}
