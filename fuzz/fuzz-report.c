/* fuzz-report.c: a whole evaluation of fuzzed domain XML, and everything
 * written from it.
 *
 * This is the path behind the hook's migrate filter and the daemon's
 * Evaluate/Filter methods: domain XML from outside -> host probe of a
 * fixture sysroot -> decision -> the JSON, XML and text reports and the
 * rewritten domain XML.  Decisions built from hostile input (odd aliases,
 * names, addresses, metadata) must still come out as valid JSON and
 * well-formed XML, and the rewritten domain must parse again with the
 * verdict we wrote into its metadata, because the destination host reads it.
 *
 * The fixture host, QEMU version and role are chosen from the input length
 * so that one input always replays the same way.
 */
#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>

#include "model/dt-domain.h"
#include "eval/dt-eval.h"
#include "dt-fuzz.h"
#include "render/dt-report.h"
#include "render/dt-rewrite.h"
#include "model/dt-util.h"
#include "model/dt-vdb.h"
#include "model/dt-xml.h"

#define FUZZ_MAX_INPUT (256u * 1024u)

static const char *const hosts[] = {
    "intel-dirty", "intel-nodirty", "amd-hdsup", "arm-smmuv3", "no-iommu", "debian12",
};
static const char *const qemus[] = { "7.2.22", "9.1.0", "10.1.0" };
static const char *const libvirts[] = { "9.0.0", "12.2.0" };

static void
check_json(const char *text)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) error = NULL;

    dt_fuzz_check(text != NULL);
    if (!json_parser_load_from_data(parser, text, -1, &error))
        dt_fuzz_fail("invalid JSON report: %s", error->message);
    dt_fuzz_check(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)));
}

static void
check_xml(const char *text)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(xmlDoc) doc = NULL;

    dt_fuzz_check(text != NULL);
    doc = dt_xml_parse(text, strlen(text), "report", NULL, &error);
    if (!doc)
        dt_fuzz_fail("ill-formed XML report: %s", error->message);
}

static void
check_rewrite(const uint8_t *data, size_t size, const DtDecision *d)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DtDomain) again = NULL;
    g_autofree char *out = NULL;
    gboolean changed = FALSE;

    out = dt_rewrite_domain_xml((const char *)data, size, d, "fuzz-host",
                                "2026-01-01T00:00:00Z", &changed, &error);
    if (!out) {
        /* the input parsed as a domain; the rewrite may still refuse it,
         * but only with a reason */
        dt_fuzz_check(error != NULL && error->domain == DT_ERROR);
        return;
    }
    again = dt_domain_parse(out, strlen(out), &error);
    if (!again)
        dt_fuzz_fail("rewritten domain does not parse: %s", error->message);
    if (changed && again->metadata->present && again->metadata->verdict)
        dt_fuzz_check(g_strcmp0(again->metadata->verdict, dt_verdict_to_string(d->verdict)) == 0);
}

static const DtVdb *
shared_vdb(void)
{
    /* loaded once: the database is the same for every input */
    static DtVdb *vdb;

    if (!vdb) {
        g_autoptr(GError) error = NULL;
        vdb = dt_vdb_load_default(&error);
        if (!vdb)
            dt_fuzz_fail("cannot load the variant-driver database: %s", error->message);
    }
    return vdb;
}

int
dt_fuzz_report(const uint8_t *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DtEvaluation) e = NULL;
    g_autofree char *sysroot = NULL;
    DtEvalOptions opts = { 0 };
    gsize pick = size;
    char *out;

    if (size > FUZZ_MAX_INPUT)
        return 0;
    sysroot = g_build_filename(ABS_TOP_SRCDIR, "tests", "data", "hosts",
                               hosts[pick % G_N_ELEMENTS(hosts)], NULL);
    pick /= G_N_ELEMENTS(hosts);
    opts.sysroot = sysroot;
    opts.qemu_version = qemus[pick % G_N_ELEMENTS(qemus)];
    pick /= G_N_ELEMENTS(qemus);
    opts.libvirt_version = libvirts[pick % G_N_ELEMENTS(libvirts)];
    pick /= G_N_ELEMENTS(libvirts);
    opts.role = pick % 2 ? DT_ROLE_DESTINATION : DT_ROLE_SOURCE;
    opts.vdb = shared_vdb();

    e = dt_evaluate((const char *)data, size, &opts, &error);
    if (!e) {
        dt_fuzz_check(error != NULL && error->domain == DT_ERROR && error->message != NULL);
        return 0;
    }
    dt_fuzz_check(e->decision != NULL && e->domain != NULL);

    out = dt_report_decision_json(e->decision, e->domain);
    check_json(out);
    g_free(out);
    out = dt_report_decision_xml(e->decision, e->domain);
    check_xml(out);
    g_free(out);
    out = dt_report_decision_text(e->decision, e->domain, FALSE);
    dt_fuzz_check(out != NULL);
    g_free(out);
    out = dt_report_explain_text(e->decision, e->domain, TRUE);
    dt_fuzz_check(out != NULL);
    g_free(out);

    check_rewrite(data, size, e->decision);
    return 0;
}

DT_FUZZ_ENTRY(dt_fuzz_report)
