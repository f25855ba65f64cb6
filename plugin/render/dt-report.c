/* dt-report.c: decisions and host checks rendered for people and programs.
 *
 * JSON follows the contract in docs/report-format.md (keys are stable and
 * never translated; other keys may be added, none removed).  XML follows
 * schemas/report.rng.  Text is for a terminal: colour only when asked
 * (the caller decides from isatty), one line per fact, translated.
 */
#include "config.h"

#include <inttypes.h>

#include <json-glib/json-glib.h>
#include <libxml/xmlsave.h>
#include <string.h>

#include "render/dt-report.h"
#include "model/dt-util.h"
#include "model/dt-xml.h"

#define C_RESET  "\033[0m"
#define C_BOLD   "\033[1m"
#define C_RED    "\033[31m"
#define C_GREEN  "\033[32m"
#define C_YELLOW "\033[33m"
#define C_BLUE   "\033[34m"

static const char *
paint(gboolean color, const char *code)
{
    return color ? code : "";
}

static const char *
tri_word(DtTri t)
{
    switch (t) {
    case DT_TRI_YES: return _("yes");
    case DT_TRI_NO: return _("no");
    case DT_TRI_UNKNOWN: break;
    }
    return _("unknown");
}

static const char *
verdict_color(DtVerdict v)
{
    switch (v) {
    case DT_VERDICT_ALLOW: return C_GREEN;
    case DT_VERDICT_WARN: return C_YELLOW;
    case DT_VERDICT_DENY: return C_RED;
    }
    return C_RED;
}

static const char *
severity_color(DtSeverity s)
{
    switch (s) {
    case DT_SEVERITY_INFO: return C_BLUE;
    case DT_SEVERITY_WARNING: return C_YELLOW;
    case DT_SEVERITY_ERROR: return C_RED;
    }
    return C_RED;
}

/* ---- JSON ------------------------------------------------------------------ */

void
dt_json_add_tri(JsonBuilder *b, const char *key, DtTri t)
{
    json_builder_set_member_name(b, key);
    if (t == DT_TRI_UNKNOWN)
        json_builder_add_null_value(b);
    else
        json_builder_add_boolean_value(b, t == DT_TRI_YES);
}

void
dt_json_add_string(JsonBuilder *b, const char *key, const char *v)
{
    json_builder_set_member_name(b, key);
    if (v)
        json_builder_add_string_value(b, v);
    else
        json_builder_add_null_value(b);
}

void
dt_json_add_uint(JsonBuilder *b, const char *key, guint64 v)
{
    json_builder_set_member_name(b, key);
    json_builder_add_int_value(b, v > G_MAXINT64 ? G_MAXINT64 : (gint64)v);
}

void
dt_json_add_fact(JsonBuilder *b, const char *key, DtFact f)
{
    json_builder_set_member_name(b, key);
    json_builder_begin_object(b);
    dt_json_add_tri(b, "supported", f.value);
    dt_json_add_string(b, "source", dt_source_to_string(f.source));
    json_builder_end_object(b);
}

static void
json_flags_array(JsonBuilder *b, guint32 flags)
{
    json_builder_begin_array(b);
    for (DtMigBit bit = DT_MIG_BIT_STOP_COPY; bit <= DT_MIG_BIT_PRE_COPY; bit++) {
        if (flags & (1u << bit))
            json_builder_add_string_value(b, dt_mig_bit_to_string(bit));
    }
    json_builder_end_array(b);
}

void
dt_json_add_mig_flags(JsonBuilder *b, const char *key, guint32 flags)
{
    json_builder_set_member_name(b, key);
    json_flags_array(b, flags);
}

static char *
builder_to_string(JsonBuilder *b)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    char *out;

    json_generator_set_root(gen, root);
    json_generator_set_pretty(gen, TRUE);
    json_generator_set_indent(gen, 2);
    out = json_generator_to_data(gen, NULL);
    /* end with a newline like every other line a tool prints */
    {
        char *nl = g_strconcat(out, "\n", NULL);
        g_free(out);
        return nl;
    }
}

/* The decision document (docs/report-format.md).  json-glib lays it out
 * like every other JSON document of the project.  Member names that come
 * from the input (two <hostdev>s may name the same address) are set
 * twice: a JSON object keeps each name once, where it first came, with
 * the value set last. */

void
dt_json_add_int(JsonBuilder *b, const char *key, gint64 v)
{
    json_builder_set_member_name(b, key);
    json_builder_add_int_value(b, v);
}

void
dt_json_add_bool(JsonBuilder *b, const char *key, gboolean v)
{
    json_builder_set_member_name(b, key);
    json_builder_add_boolean_value(b, v);
}

void
dt_json_add_reason(JsonBuilder *b, const DtReason *r)
{
    json_builder_begin_object(b);
    dt_json_add_string(b, "code", r->code);
    dt_json_add_string(b, "severity", dt_severity_to_string(r->severity));
    dt_json_add_string(b, "device", r->device);
    dt_json_add_string(b, "message", r->message);
    dt_json_add_string(b, "rule", r->rule);
    dt_json_add_string(b, "qemu_message", r->qemu_message);
    dt_json_add_string(b, "qemu_phase", r->qemu_phase);
    dt_json_add_string(b, "libvirt_message", r->libvirt_message);
    dt_json_add_string(b, "container", r->container);
    json_builder_end_object(b);
}

void
dt_json_add_reasons(JsonBuilder *b, GPtrArray *reasons)
{
    json_builder_begin_array(b);
    for (guint i = 0; reasons && i < reasons->len; i++)
        dt_json_add_reason(b, g_ptr_array_index(reasons, i));
    json_builder_end_array(b);
}

static void
json_reasons(JsonBuilder *b, const DtDecision *d)
{
    json_builder_set_member_name(b, "reasons");
    dt_json_add_reasons(b, d->reasons);
}

static void
json_containers(JsonBuilder *b, const DtDecision *d)
{
    json_builder_set_member_name(b, "containers");
    json_builder_begin_array(b);
    for (guint i = 0; d->containers && i < d->containers->len; i++) {
        const DtContainer *ct = g_ptr_array_index(d->containers, i);

        json_builder_begin_object(b);
        dt_json_add_string(b, "id", ct->id);
        dt_json_add_string(b, "backend", ct->backend);
        dt_json_add_string(b, "iommufd_object", ct->iommufd_object);
        dt_json_add_bool(b, "viommu", ct->viommu);
        dt_json_add_string(b, "mode", dt_mode_to_string(ct->mode));
        dt_json_add_string(b, "verdict", dt_verdict_to_string(ct->verdict));
        json_builder_set_member_name(b, "devices");
        json_builder_begin_array(b);
        for (guint j = 0; j < ct->devices->len; j++)
            json_builder_add_string_value(b, g_ptr_array_index(ct->devices, j));
        json_builder_end_array(b);
        dt_json_add_int(b, "tracking_granularity", (gint64)ct->tracking_granularity);
        dt_json_add_int(b, "perpetual_downtime_ms", (gint64)ct->perpetual_downtime_ms);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

static void
json_devices(JsonBuilder *b, const DtDecision *d)
{
    json_builder_set_member_name(b, "devices");
    json_builder_begin_array(b);
    for (guint i = 0; i < d->devices->len; i++) {
        const DtDeviceFinding *f = g_ptr_array_index(d->devices, i);
        char id[16];

        g_snprintf(id, sizeof(id), "%04x:%04x", f->vendor, f->device);
        json_builder_begin_object(b);
        dt_json_add_string(b, "address", f->address);
        dt_json_add_string(b, "type", f->is_mdev ? "mdev" : "pci");
        dt_json_add_bool(b, "present", f->present);
        dt_json_add_string(b, "id", f->present && !f->is_mdev ? id : NULL);
        dt_json_add_string(b, "mdev_type", f->mdev_type);
        dt_json_add_string(b, "driver", f->driver);
        dt_json_add_string(b, "vfio_driver", f->vfio_driver);
        dt_json_add_string(b, "vfio_driver_source", dt_source_to_string(f->vfio_driver_source));
        dt_json_add_string(b, "qemu_name", f->qemu_name);
        dt_json_add_string(b, "container", f->container);
        dt_json_add_bool(b, "failover", f->failover);
        json_builder_set_member_name(b, "migration");
        json_builder_begin_object(b);
        dt_json_add_tri(b, "supported", f->migration.value);
        dt_json_add_mig_flags(b, "flags", f->mig_flags);
        dt_json_add_string(b, "source", dt_source_to_string(f->migration.source));
        json_builder_end_object(b);
        dt_json_add_fact(b, "dma_logging", f->dma_logging);
        dt_json_add_fact(b, "iommu_dirty_tracking", f->iommu_dirty);
        if (f->stop_copy_bytes)
            dt_json_add_int(b, "stop_copy_bytes", (gint64)f->stop_copy_bytes);
        else
            dt_json_add_string(b, "stop_copy_bytes", NULL);
        dt_json_add_string(b, "stop_copy_source", dt_source_to_string(f->stop_copy_source));
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

static void
json_vf_policy(JsonBuilder *b, const DtDecision *d)
{
    json_builder_set_member_name(b, "vf_policy");
    json_builder_begin_object(b);
    for (guint i = 0; i < d->vf_policy->len; i++) {
        const DtVfPolicy *v = g_ptr_array_index(d->vf_policy, i);

        json_builder_set_member_name(b, v->address ? v->address : "");
        json_builder_begin_object(b);
        dt_json_add_string(b, "driver", v->driver);
        dt_json_add_string(b, "alias", v->alias);
        dt_json_add_bool(b, "must_migrate", v->must_migrate);
        json_builder_set_member_name(b, "properties");
        json_builder_begin_object(b);
        for (guint p = 0; v->props && p < v->props->len; p++) {
            const DtProp *pr = g_ptr_array_index(v->props, p);

            dt_json_add_string(b, pr->name ? pr->name : "", pr->value);
        }
        json_builder_end_object(b);
        json_builder_end_object(b);
    }
    json_builder_end_object(b);
}

static void
json_dma_logging(JsonBuilder *b, const DtDecision *d)
{
    json_builder_set_member_name(b, "dma_logging");
    json_builder_begin_object(b);
    dt_json_add_int(b, "page_size", (gint64)d->log_page_size);
    json_builder_set_member_name(b, "ranges");
    json_builder_begin_array(b);
    for (guint i = 0; i < d->n_ranges && i < G_N_ELEMENTS(d->ranges); i++) {
        char iova[24], last[24];

        g_snprintf(iova, sizeof(iova), "0x%" PRIx64, d->ranges[i].iova);
        g_snprintf(last, sizeof(last), "0x%" PRIx64, d->ranges[i].iova + d->ranges[i].length - 1);
        json_builder_begin_object(b);
        dt_json_add_string(b, "iova", iova);
        dt_json_add_string(b, "last", last);
        dt_json_add_int(b, "length", (gint64)d->ranges[i].length);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
}

char *
dt_report_decision_json(const DtDecision *d, const DtDomain *dom)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "domain");
    json_builder_begin_object(b);
    dt_json_add_string(b, "name", dom ? dom->name : NULL);
    dt_json_add_string(b, "uuid", dom ? dom->uuid : NULL);
    json_builder_end_object(b);
    dt_json_add_string(b, "role", dt_role_to_string(d->role));
    dt_json_add_string(b, "mode", dt_mode_to_string(d->mode));
    dt_json_add_string(b, "verdict", dt_verdict_to_string(d->verdict));
    dt_json_add_string(b, "qemu_band", d->qemu_band);
    dt_json_add_string(b, "fingerprint", d->fingerprint);
    json_reasons(b, d);
    json_containers(b, d);
    json_devices(b, d);
    json_vf_policy(b, d);
    json_dma_logging(b, d);

    json_builder_set_member_name(b, "cost_inputs");
    json_builder_begin_object(b);
    dt_json_add_int(b, "ram_bytes", (gint64)d->ram_bytes);
    dt_json_add_int(b, "device_state_bytes", (gint64)d->device_state_bytes);
    dt_json_add_int(b, "tracking_granularity", (gint64)d->tracking_granularity);
    json_builder_end_object(b);

    json_builder_set_member_name(b, "explain");
    json_builder_begin_array(b);
    for (guint i = 0; i < d->steps->len; i++) {
        const DtStep *st = g_ptr_array_index(d->steps, i);

        json_builder_begin_object(b);
        dt_json_add_string(b, "fact", st->fact);
        dt_json_add_string(b, "source", dt_source_to_string(st->source));
        dt_json_add_string(b, "rule", st->rule);
        dt_json_add_string(b, "consequence", st->consequence);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    return builder_to_string(b);
}

/* ---- text ------------------------------------------------------------------ */

static void
text_devices(GString *out, const DtDecision *d, gboolean color)
{
    if (d->devices->len == 0)
        return;
    g_string_append_printf(out, "%s%s%s\n", paint(color, C_BOLD), _("Devices:"), paint(color, C_RESET));
    for (guint i = 0; i < d->devices->len; i++) {
        const DtDeviceFinding *f = g_ptr_array_index(d->devices, i);
        /* the flags are shown where they say something: a device that
         * migrates (even with none), or one that reported some */
        gboolean show = f->mig_flags || f->migration.value == DT_TRI_YES;
        g_autofree char *flags = show ? dt_mig_flags_to_string(f->mig_flags) : g_strdup("");

        if (f->is_mdev)
            g_string_append_printf(out, "  %s  mdev\n", f->address);
        else if (!f->present)
            g_string_append_printf(out, "  %s  %s\n", f->address, _("not present on this host"));
        else
            g_string_append_printf(out, "  %s  %04x:%04x  %s %s  %s %s (%s)\n",
                                   f->address, f->vendor, f->device,
                                   _("bound:"), f->driver ? f->driver : _("(none)"),
                                   _("VFIO driver:"), f->vfio_driver ? f->vfio_driver : _("(none)"),
                                   dt_source_to_string(f->vfio_driver_source));
        g_string_append_printf(out, "      %s %s%s%s%s (%s)   %s %s (%s)   %s %s (%s)\n",
                               _("migration:"), tri_word(f->migration.value),
                               *flags ? " [" : "", flags, *flags ? "]" : "",
                               dt_source_to_string(f->migration.source),
                               _("DMA logging:"), tri_word(f->dma_logging.value),
                               dt_source_to_string(f->dma_logging.source),
                               _("IOMMU dirty tracking:"), tri_word(f->iommu_dirty.value),
                               dt_source_to_string(f->iommu_dirty.source));
    }
}

static void
text_reasons(GString *out, const DtDecision *d, gboolean color)
{
    if (d->reasons->len == 0)
        return;
    g_string_append_printf(out, "%s%s%s\n", paint(color, C_BOLD), _("Reasons:"), paint(color, C_RESET));
    for (guint i = 0; i < d->reasons->len; i++) {
        const DtReason *r = g_ptr_array_index(d->reasons, i);
        g_autofree char *sev = g_ascii_strup(dt_severity_to_string(r->severity), -1);
        g_string_append_printf(out, "  %s%-7s%s %s: %s\n",
                               paint(color, severity_color(r->severity)), sev,
                               paint(color, C_RESET), r->code, r->message ? r->message : "");
        if (r->qemu_message)
            g_string_append_printf(out, "          %s (%s): %s\n", _("QEMU says"),
                                   r->qemu_phase ? r->qemu_phase : "-", r->qemu_message);
        if (r->libvirt_message)
            g_string_append_printf(out, "          %s: %s\n", _("libvirt says"), r->libvirt_message);
    }
}

static void
text_containers(GString *out, const DtDecision *d, gboolean color)
{
    if (!d->containers || d->containers->len == 0)
        return;
    g_string_append_printf(out, "%s%s%s\n", paint(color, C_BOLD), _("Containers:"),
                           paint(color, C_RESET));
    for (guint i = 0; i < d->containers->len; i++) {
        const DtContainer *ct = g_ptr_array_index(d->containers, i);
        g_string_append_printf(out, "  %s  %s %s  %s %s  ", ct->id, _("mode:"),
                               dt_mode_to_string(ct->mode), _("verdict:"),
                               dt_verdict_to_string(ct->verdict));
        for (guint j = 0; j < ct->devices->len; j++)
            g_string_append_printf(out, "%s%s", j ? " " : "",
                                   (const char *)g_ptr_array_index(ct->devices, j));
        g_string_append_c(out, '\n');
    }
}

static void
text_policy(GString *out, const DtDecision *d, gboolean color)
{
    if (d->vf_policy->len == 0)
        return;
    g_string_append_printf(out, "%s%s%s\n", paint(color, C_BOLD), _("VF policy:"), paint(color, C_RESET));
    for (guint i = 0; i < d->vf_policy->len; i++) {
        const DtVfPolicy *v = g_ptr_array_index(d->vf_policy, i);
        GString *props = g_string_new(NULL);

        for (guint p = 0; v->props && p < v->props->len; p++) {
            const DtProp *pr = g_ptr_array_index(v->props, p);
            g_string_append_printf(props, "%s%s=%s", props->len ? " " : "", pr->name,
                                   pr->value ? pr->value : "");
        }
        g_string_append_printf(out, "  %s  %s %s  %s %s%s%s\n", v->address,
                               _("driver"), v->driver ? v->driver : "-",
                               _("alias"), v->alias ? v->alias : "-",
                               props->len ? "  " : "", props->str);
        g_string_free(props, TRUE);
    }
}

static void
text_ranges(GString *out, const DtDecision *d, gboolean color)
{
    if (d->n_ranges == 0)
        return;
    g_string_append_printf(out, "%s%s%s %s %" PRIu64 "\n", paint(color, C_BOLD),
                           _("DMA logging ranges:"), paint(color, C_RESET), _("page size"),
                           d->log_page_size);
    for (guint i = 0; i < d->n_ranges && i < G_N_ELEMENTS(d->ranges); i++)
        g_string_append_printf(out, "  [0x%" PRIx64 ", 0x%" PRIx64 "]\n",
                               d->ranges[i].iova, d->ranges[i].iova + d->ranges[i].length - 1);
}

static void
text_header(GString *out, const DtDecision *d, const DtDomain *dom, gboolean color)
{
    g_autofree char *verdict = g_ascii_strup(dt_verdict_to_string(d->verdict), -1);

    g_string_append_printf(out, "%s %s%s%s", _("Domain:"), paint(color, C_BOLD),
                           dom && dom->name ? dom->name : "-", paint(color, C_RESET));
    if (dom && dom->uuid)
        g_string_append_printf(out, " (%s)", dom->uuid);
    g_string_append_printf(out, "  %s %s\n", _("role:"), dt_role_to_string(d->role));
    g_string_append_printf(out, "%s %s%s%s   %s %s",
                           _("Verdict:"), paint(color, verdict_color(d->verdict)), verdict,
                           paint(color, C_RESET), _("Tracking mode:"), dt_mode_to_string(d->mode));
    if (d->qemu_band)
        g_string_append_printf(out, "   %s %s", _("QEMU band:"), d->qemu_band);
    g_string_append_c(out, '\n');
}

char *
dt_report_decision_text(const DtDecision *d, const DtDomain *dom, gboolean color)
{
    GString *out = g_string_new(NULL);

    text_header(out, d, dom, color);
    text_reasons(out, d, color);
    text_containers(out, d, color);
    text_devices(out, d, color);
    text_policy(out, d, color);
    text_ranges(out, d, color);
    return g_string_free(out, FALSE);
}

char *
dt_report_explain_text(const DtDecision *d, const DtDomain *dom, gboolean color)
{
    GString *out = g_string_new(NULL);

    text_header(out, d, dom, color);
    for (guint i = 0; i < d->steps->len; i++) {
        const DtStep *s = g_ptr_array_index(d->steps, i);

        g_string_append_printf(out, "%2u. %s%s%s [%s]\n", i + 1, paint(color, C_BOLD),
                               s->fact ? s->fact : "", paint(color, C_RESET),
                               dt_source_to_string(s->source));
        if (s->rule)
            g_string_append_printf(out, "    %s %s\n", _("rule:"), s->rule);
        if (s->consequence)
            g_string_append_printf(out, "    => %s\n", s->consequence);
    }
    text_reasons(out, d, color);
    return g_string_free(out, FALSE);
}

/* ---- XML ------------------------------------------------------------------- */

#define DT_REPORT_NS "http://dirtytrack.org/xmlns/report/1.0"

static void
xml_set_tri(xmlNode *n, const char *name, DtTri t)
{
    xmlSetProp(n, BAD_CAST name, BAD_CAST dt_tri_to_string(t));
}

static void
xml_fact(xmlNode *parent, const char *name, DtFact f)
{
    xmlNode *n = xmlNewChild(parent, NULL, BAD_CAST name, NULL);
    xml_set_tri(n, "supported", f.value);
    xmlSetProp(n, BAD_CAST "source", BAD_CAST dt_source_to_string(f.source));
}

char *
dt_report_decision_xml(const DtDecision *d, const DtDomain *dom)
{
    g_autoptr(xmlDoc) doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNode *root = xmlNewNode(NULL, BAD_CAST "report");
    xmlNode *n, *list;
    xmlChar *buf = NULL;
    int size = 0;
    char *out;

    xmlDocSetRootElement(doc, root);
    /* children made with a NULL ns inherit the root's default namespace */
    xmlSetNs(root, xmlNewNs(root, BAD_CAST DT_REPORT_NS, NULL));
    xmlSetProp(root, BAD_CAST "role", BAD_CAST dt_role_to_string(d->role));
    xmlSetProp(root, BAD_CAST "verdict", BAD_CAST dt_verdict_to_string(d->verdict));
    xmlSetProp(root, BAD_CAST "mode", BAD_CAST dt_mode_to_string(d->mode));
    if (d->qemu_band)
        xmlSetProp(root, BAD_CAST "qemu-band", BAD_CAST d->qemu_band);
    if (d->fingerprint)
        xmlSetProp(root, BAD_CAST "fingerprint", BAD_CAST d->fingerprint);

    n = xmlNewChild(root, NULL, BAD_CAST "domain", NULL);
    if (dom && dom->name)
        xmlSetProp(n, BAD_CAST "name", BAD_CAST dom->name);
    if (dom && dom->uuid)
        xmlSetProp(n, BAD_CAST "uuid", BAD_CAST dom->uuid);

    list = xmlNewChild(root, NULL, BAD_CAST "reasons", NULL);
    for (guint i = 0; i < d->reasons->len; i++) {
        const DtReason *r = g_ptr_array_index(d->reasons, i);
        n = xmlNewTextChild(list, NULL, BAD_CAST "reason", BAD_CAST(r->message ? r->message : ""));
        xmlSetProp(n, BAD_CAST "code", BAD_CAST r->code);
        xmlSetProp(n, BAD_CAST "severity", BAD_CAST dt_severity_to_string(r->severity));
        if (r->device)
            xmlSetProp(n, BAD_CAST "device", BAD_CAST r->device);
        if (r->container)
            xmlSetProp(n, BAD_CAST "container", BAD_CAST r->container);
        if (r->qemu_message) {
            xmlSetProp(n, BAD_CAST "qemu-message", BAD_CAST r->qemu_message);
            xmlSetProp(n, BAD_CAST "qemu-phase", BAD_CAST(r->qemu_phase ? r->qemu_phase : "blocker"));
        }
        if (r->libvirt_message)
            xmlSetProp(n, BAD_CAST "libvirt-message", BAD_CAST r->libvirt_message);
    }

    list = xmlNewChild(root, NULL, BAD_CAST "containers", NULL);
    for (guint i = 0; d->containers && i < d->containers->len; i++) {
        const DtContainer *ct = g_ptr_array_index(d->containers, i);
        n = xmlNewChild(list, NULL, BAD_CAST "container", NULL);
        xmlSetProp(n, BAD_CAST "id", BAD_CAST ct->id);
        xmlSetProp(n, BAD_CAST "backend", BAD_CAST ct->backend);
        if (ct->iommufd_object)
            xmlSetProp(n, BAD_CAST "iommufd-object", BAD_CAST ct->iommufd_object);
        xmlSetProp(n, BAD_CAST "viommu", BAD_CAST(ct->viommu ? "yes" : "no"));
        xmlSetProp(n, BAD_CAST "mode", BAD_CAST dt_mode_to_string(ct->mode));
        xmlSetProp(n, BAD_CAST "verdict", BAD_CAST dt_verdict_to_string(ct->verdict));
        for (guint j = 0; j < ct->devices->len; j++)
            xmlSetProp(xmlNewChild(n, NULL, BAD_CAST "device", NULL), BAD_CAST "address",
                       BAD_CAST g_ptr_array_index(ct->devices, j));
    }

    list = xmlNewChild(root, NULL, BAD_CAST "devices", NULL);
    for (guint i = 0; i < d->devices->len; i++) {
        const DtDeviceFinding *f = g_ptr_array_index(d->devices, i);
        g_autofree char *flags = dt_mig_flags_to_string(f->mig_flags);
        xmlNode *m;

        n = xmlNewChild(list, NULL, BAD_CAST "device", NULL);
        xmlSetProp(n, BAD_CAST "address", BAD_CAST f->address);
        xmlSetProp(n, BAD_CAST "type", BAD_CAST(f->is_mdev ? "mdev" : "pci"));
        xmlSetProp(n, BAD_CAST "present", BAD_CAST(f->present ? "yes" : "no"));
        if (f->present && !f->is_mdev) {
            g_autofree char *id = g_strdup_printf("%04x:%04x", f->vendor, f->device);
            xmlSetProp(n, BAD_CAST "id", BAD_CAST id);
        }
        if (f->driver)
            xmlSetProp(n, BAD_CAST "driver", BAD_CAST f->driver);
        if (f->vfio_driver)
            xmlSetProp(n, BAD_CAST "vfio-driver", BAD_CAST f->vfio_driver);
        if (f->container)
            xmlSetProp(n, BAD_CAST "container", BAD_CAST f->container);
        if (f->failover)
            xmlSetProp(n, BAD_CAST "failover", BAD_CAST "yes");
        m = xmlNewChild(n, NULL, BAD_CAST "migration", NULL);
        xml_set_tri(m, "supported", f->migration.value);
        xmlSetProp(m, BAD_CAST "flags", BAD_CAST flags);
        xmlSetProp(m, BAD_CAST "source", BAD_CAST dt_source_to_string(f->migration.source));
        xml_fact(n, "dma-logging", f->dma_logging);
        xml_fact(n, "iommu-dirty-tracking", f->iommu_dirty);
    }

    list = xmlNewChild(root, NULL, BAD_CAST "vf-policy", NULL);
    for (guint i = 0; i < d->vf_policy->len; i++) {
        const DtVfPolicy *v = g_ptr_array_index(d->vf_policy, i);

        n = xmlNewChild(list, NULL, BAD_CAST "device", NULL);
        xmlSetProp(n, BAD_CAST "address", BAD_CAST v->address);
        if (v->driver)
            xmlSetProp(n, BAD_CAST "driver", BAD_CAST v->driver);
        if (v->alias)
            xmlSetProp(n, BAD_CAST "alias", BAD_CAST v->alias);
        xmlSetProp(n, BAD_CAST "must-migrate", BAD_CAST(v->must_migrate ? "yes" : "no"));
        for (guint p = 0; v->props && p < v->props->len; p++) {
            const DtProp *pr = g_ptr_array_index(v->props, p);
            xmlNode *pn = xmlNewChild(n, NULL, BAD_CAST "property", NULL);
            xmlSetProp(pn, BAD_CAST "name", BAD_CAST pr->name);
            xmlSetProp(pn, BAD_CAST "type", BAD_CAST(pr->type ? pr->type : "string"));
            if (pr->value)
                xmlSetProp(pn, BAD_CAST "value", BAD_CAST pr->value);
        }
    }

    if (d->n_ranges) {
        g_autofree char *ps = g_strdup_printf("%" PRIu64, d->log_page_size);
        list = xmlNewChild(root, NULL, BAD_CAST "dma-logging", NULL);
        xmlSetProp(list, BAD_CAST "page-size", BAD_CAST ps);
        for (guint i = 0; i < d->n_ranges && i < G_N_ELEMENTS(d->ranges); i++) {
            g_autofree char *iova = g_strdup_printf("0x%" PRIx64, d->ranges[i].iova);
            g_autofree char *len = g_strdup_printf("%" PRIu64, d->ranges[i].length);
            n = xmlNewChild(list, NULL, BAD_CAST "range", NULL);
            xmlSetProp(n, BAD_CAST "iova", BAD_CAST iova);
            xmlSetProp(n, BAD_CAST "length", BAD_CAST len);
        }
    }

    xmlDocDumpFormatMemoryEnc(doc, &buf, &size, "UTF-8", 1);
    out = g_strndup((const char *)buf, (gsize)size);
    xmlFree(buf);
    return out;
}

/* ---- host report -------------------------------------------------------------- */

static const char *
check_color(DtCheckStatus s)
{
    switch (s) {
    case DT_CHECK_PASS: return C_GREEN;
    case DT_CHECK_WARN: return C_YELLOW;
    case DT_CHECK_FAIL: return C_RED;
    case DT_CHECK_NOTE: return C_BLUE;
    }
    return C_RESET;
}

char *
dt_report_host_text(const DtHost *h, GPtrArray *checks, gboolean color)
{
    GString *out = g_string_new(NULL);

    g_string_append_printf(out, "%s %s (%s)%s%s\n", _("Host kernel:"),
                           h->kernel_release ? h->kernel_release : _("unknown"),
                           h->arch ? h->arch : "?",
                           h->sysroot && *h->sysroot && strcmp(h->sysroot, "/") != 0 ? "  sysroot: " : "",
                           h->sysroot && *h->sysroot && strcmp(h->sysroot, "/") != 0 ? h->sysroot : "");
    for (guint i = 0; i < checks->len; i++) {
        const DtCheck *c = g_ptr_array_index(checks, i);
        g_autofree char *title = g_strdup_printf("%s", c->title ? c->title : c->id);
        /* virt-host-validate's shape: "PREFIX: title ... : RESULT" */
        g_string_append_printf(out, "DIRTYTRACK: %s", title);
        /* by display columns: translated titles carry CJK characters */
        dt_string_pad(out, title, 62);
        g_string_append_printf(out, ": %s%s%s",
                               paint(color, check_color(c->status)),
                               dt_hostcheck_status_to_string(c->status), paint(color, C_RESET));
        if (c->result && *c->result)
            g_string_append_printf(out, " (%s)", c->result);
        if (c->source != DT_SOURCE_NONE)
            g_string_append_printf(out, " [%s]", dt_source_to_string(c->source));
        g_string_append_c(out, '\n');
        if (c->hint && *c->hint)
            g_string_append_printf(out, "            %s %s\n", _("hint:"), c->hint);
    }
    return g_string_free(out, FALSE);
}

void
dt_json_add_iommu(JsonBuilder *b, const DtIommu *u)
{
    json_builder_begin_object(b);
    dt_json_add_string(b, "name", u->name);
    dt_json_add_string(b, "vendor", dt_iommu_vendor_to_string(u->vendor));
    if (u->regs_known && u->vendor == DT_IOMMU_VENDOR_INTEL) {
        g_autofree char *cap = g_strdup_printf("0x%" PRIx64, u->cap);
        g_autofree char *ecap = g_strdup_printf("0x%" PRIx64, u->ecap);
        dt_json_add_string(b, "cap", cap);
        dt_json_add_string(b, "ecap", ecap);
    } else if (u->regs_known && u->vendor == DT_IOMMU_VENDOR_AMD) {
        g_autofree char *efr = g_strdup_printf("0x%" PRIx64, u->efr);
        g_autofree char *efr2 = g_strdup_printf("0x%" PRIx64, u->efr2);
        dt_json_add_string(b, "efr", efr);
        dt_json_add_string(b, "efr2", efr2);
    }
    dt_json_add_fact(b, "dirty_tracking", u->dirty_tracking);
    dt_json_add_string(b, "note", u->dirty_note);
    json_builder_end_object(b);
}

void
dt_json_add_pcidev(JsonBuilder *b, const DtPciDev *d)
{
    g_autofree char *addr = dt_pci_addr_to_string(&d->addr);
    g_autofree char *id = g_strdup_printf("%04x:%04x", d->vendor, d->device);

    dt_json_add_string(b, "address", addr);
    dt_json_add_string(b, "id", id);
    dt_json_add_string(b, "driver", d->driver);
    json_builder_set_member_name(b, "iommu_group");
    if (d->iommu_group >= 0)
        json_builder_add_int_value(b, d->iommu_group);
    else
        json_builder_add_null_value(b);
    dt_json_add_string(b, "iommu", d->iommu_unit);
    dt_json_add_bool(b, "is_vf", d->is_vf);
    if (d->is_vf) {
        g_autofree char *pf = dt_pci_addr_to_string(&d->pf);
        dt_json_add_string(b, "pf", pf);
    }
    dt_json_add_int(b, "num_vfs", d->num_vfs);
    dt_json_add_string(b, "vfio_cdev", d->vfio_cdev);
    dt_json_add_string(b, "variant_driver", d->alias_driver);
    dt_json_add_bool(b, "in_use", d->in_use);
    json_builder_set_member_name(b, "migration");
    json_builder_begin_object(b);
    dt_json_add_tri(b, "supported", d->migration.value);
    json_builder_set_member_name(b, "flags");
    json_flags_array(b, d->mig_flags);
    dt_json_add_string(b, "source", dt_source_to_string(d->migration.source));
    json_builder_end_object(b);
    dt_json_add_fact(b, "dma_logging", d->dma_logging);
    dt_json_add_fact(b, "iommu_dirty_tracking", d->iommu_dirty);
    json_builder_set_member_name(b, "stop_copy_bytes");
    if (d->stop_copy_bytes)
        json_builder_add_int_value(b, (gint64)d->stop_copy_bytes);
    else
        json_builder_add_null_value(b);
}

void
dt_json_add_check(JsonBuilder *b, const DtCheck *c)
{
    json_builder_begin_object(b);
    dt_json_add_string(b, "id", c->id);
    dt_json_add_string(b, "status", dt_hostcheck_status_to_string(c->status));
    dt_json_add_string(b, "title", c->title);
    dt_json_add_string(b, "result", c->result);
    dt_json_add_string(b, "hint", c->hint);
    dt_json_add_string(b, "device", c->device);
    dt_json_add_string(b, "source", dt_source_to_string(c->source));
    json_builder_end_object(b);
}

void
dt_json_add_host(JsonBuilder *b, const DtHost *h)
{
    json_builder_set_member_name(b, "host");
    json_builder_begin_object(b);
    dt_json_add_string(b, "sysroot", h->sysroot);
    dt_json_add_string(b, "kernel", h->kernel_release);
    dt_json_add_string(b, "arch", h->arch);
    dt_json_add_int(b, "page_size", h->page_size);
    dt_json_add_bool(b, "dev_iommu", h->dev_iommu);
    dt_json_add_bool(b, "dev_vfio_container", h->dev_vfio_container);
    dt_json_add_bool(b, "vfio_cdev", h->vfio_cdev_support);
    json_builder_end_object(b);

    json_builder_set_member_name(b, "iommus");
    json_builder_begin_array(b);
    for (guint i = 0; h->iommus && i < h->iommus->len; i++)
        dt_json_add_iommu(b, g_ptr_array_index(h->iommus, i));
    json_builder_end_array(b);
}

char *
dt_report_host_json(const DtHost *h, GPtrArray *checks)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    dt_json_add_host(b, h);

    json_builder_set_member_name(b, "devices");
    json_builder_begin_array(b);
    for (guint i = 0; i < h->devices->len; i++) {
        json_builder_begin_object(b);
        dt_json_add_pcidev(b, g_ptr_array_index(h->devices, i));
        json_builder_end_object(b);
    }
    json_builder_end_array(b);

    json_builder_set_member_name(b, "checks");
    json_builder_begin_array(b);
    for (guint i = 0; i < checks->len; i++) {
        dt_json_add_check(b, g_ptr_array_index(checks, i));
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    return builder_to_string(b);
}

/* ---- reading a report back ------------------------------------------------ */

static const char *
jstr(JsonObject *o, const char *key)
{
    JsonNode *n = o ? json_object_get_member(o, key) : NULL;

    if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(n);
}

static JsonObject *
jobj(JsonObject *o, const char *key)
{
    JsonNode *n = o ? json_object_get_member(o, key) : NULL;
    return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

static JsonArray *
jarr(JsonObject *o, const char *key)
{
    JsonNode *n = o ? json_object_get_member(o, key) : NULL;
    return n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
}

static guint64
jint(JsonObject *o, const char *key)
{
    JsonNode *n = o ? json_object_get_member(o, key) : NULL;
    if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
        return 0;
    return (guint64)MAX(json_node_get_int(n), 0);
}

static DtSource
source_from_string(const char *s)
{
    DtSource v;

    return dt_source_from_string(s, &v) ? v : DT_SOURCE_NONE;
}

static DtFact
fact_from_json(JsonObject *o)
{
    DtFact f = DT_FACT_UNKNOWN;
    JsonNode *n = o ? json_object_get_member(o, "supported") : NULL;

    if (n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_BOOLEAN)
        f.value = json_node_get_boolean(n) ? DT_TRI_YES : DT_TRI_NO;
    f.source = source_from_string(jstr(o, "source"));
    return f;
}

static guint32
flags_from_json(JsonArray *a)
{
    guint32 flags = 0;

    for (guint i = 0; a && i < json_array_get_length(a); i++) {
        DtMigBit bit;

        if (dt_mig_bit_from_string(json_array_get_string_element(a, i), &bit))
            flags |= 1u << bit;
    }
    return flags;
}

DtDecision *
dt_report_decision_from_json(const char *json, DtDomain **domain, GError **error)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(DtDecision) d = dt_decision_new();
    g_autoptr(DtDomain) dom = dt_domain_new();
    g_autoptr(GError) local = NULL;
    JsonObject *root, *o;
    JsonArray *a;
    const char *s;

    if (!json_parser_load_from_data(parser, json, -1, &local)) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT, _("report is not JSON: %s"),
                    local->message);
        return NULL;
    }
    if (!json_parser_get_root(parser) || !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
        goto bad;
    root = json_node_get_object(json_parser_get_root(parser));

    o = jobj(root, "domain");
    dom->name = g_strdup(jstr(o, "name"));
    dom->uuid = g_strdup(jstr(o, "uuid"));
    if (!dt_role_from_string(jstr(root, "role"), &d->role))
        d->role = DT_ROLE_SOURCE;
    if (!dt_mode_from_string(jstr(root, "mode"), &d->mode) ||
        !dt_verdict_from_string(jstr(root, "verdict"), &d->verdict))
        goto bad;
    d->qemu_band = g_strdup(jstr(root, "qemu_band"));
    d->fingerprint = g_strdup(jstr(root, "fingerprint"));

    a = jarr(root, "reasons");
    for (guint i = 0; a && i < json_array_get_length(a); i++) {
        JsonObject *r = json_array_get_object_element(a, i);
        DtReason *reason;

        if (!r || !jstr(r, "code"))
            goto bad;
        reason = g_new0(DtReason, 1);
        reason->code = g_strdup(jstr(r, "code"));
        if (!dt_severity_from_string(jstr(r, "severity"), &reason->severity))
            reason->severity = DT_SEVERITY_INFO;
        reason->device = g_strdup(jstr(r, "device"));
        reason->message = g_strdup(jstr(r, "message"));
        reason->rule = g_strdup(jstr(r, "rule"));
        reason->qemu_message = g_strdup(jstr(r, "qemu_message"));
        reason->qemu_phase = g_strdup(jstr(r, "qemu_phase"));
        reason->libvirt_message = g_strdup(jstr(r, "libvirt_message"));
        reason->container = g_strdup(jstr(r, "container"));
        g_ptr_array_add(d->reasons, reason);
    }

    a = jarr(root, "containers");
    for (guint i = 0; a && i < json_array_get_length(a); i++) {
        JsonObject *co = json_array_get_object_element(a, i);
        JsonArray *da;
        DtContainer *ct;

        if (!co || !jstr(co, "id"))
            goto bad;
        ct = g_new0(DtContainer, 1);
        ct->id = g_strdup(jstr(co, "id"));
        ct->backend = g_strdup(jstr(co, "backend"));
        ct->iommufd_object = g_strdup(jstr(co, "iommufd_object"));
        ct->viommu = json_object_get_boolean_member_with_default(co, "viommu", FALSE);
        /* an unknown word leaves the zero value, as before */
        if (!dt_mode_from_string(jstr(co, "mode"), &ct->mode))
            ct->mode = DT_MODE_NONE;
        if (!dt_verdict_from_string(jstr(co, "verdict"), &ct->verdict))
            ct->verdict = DT_VERDICT_ALLOW;
        ct->devices = g_ptr_array_new_with_free_func(g_free);
        da = jarr(co, "devices");
        for (guint j = 0; da && j < json_array_get_length(da); j++) {
            const char *dev = json_array_get_string_element(da, j);
            if (!dev) {
                dt_container_free(ct);
                goto bad;
            }
            g_ptr_array_add(ct->devices, g_strdup(dev));
        }
        ct->tracking_granularity = jint(co, "tracking_granularity");
        ct->perpetual_downtime_ms = jint(co, "perpetual_downtime_ms");
        g_ptr_array_add(d->containers, ct);
    }

    a = jarr(root, "devices");
    for (guint i = 0; a && i < json_array_get_length(a); i++) {
        JsonObject *fo = json_array_get_object_element(a, i);
        DtDeviceFinding *f;
        JsonObject *mig;
        guint64 v = 0, dev = 0;

        if (!fo || !jstr(fo, "address"))
            goto bad;
        f = g_new0(DtDeviceFinding, 1);
        f->address = g_strdup(jstr(fo, "address"));
        f->is_mdev = g_strcmp0(jstr(fo, "type"), "mdev") == 0;
        f->mdev_type = f->is_mdev ? g_strdup(jstr(fo, "mdev_type")) : NULL;
        f->present = json_object_get_boolean_member_with_default(fo, "present", FALSE);
        if ((s = jstr(fo, "id")) && strlen(s) == 9 && s[4] == ':') {
            g_autofree char *ven = g_strndup(s, 4);
            if (dt_parse_u64(ven, 16, &v) && dt_parse_u64(s + 5, 16, &dev)) {
                f->vendor = (guint16)v;
                f->device = (guint16)dev;
            }
        }
        f->driver = g_strdup(jstr(fo, "driver"));
        f->vfio_driver = g_strdup(jstr(fo, "vfio_driver"));
        f->vfio_driver_source = source_from_string(jstr(fo, "vfio_driver_source"));
        f->qemu_name = g_strdup(jstr(fo, "qemu_name"));
        f->container = g_strdup(jstr(fo, "container"));
        f->failover = json_object_get_boolean_member_with_default(fo, "failover", FALSE);
        mig = jobj(fo, "migration");
        f->migration = fact_from_json(mig);
        f->mig_flags = flags_from_json(jarr(mig, "flags"));
        f->dma_logging = fact_from_json(jobj(fo, "dma_logging"));
        f->iommu_dirty = fact_from_json(jobj(fo, "iommu_dirty_tracking"));
        f->stop_copy_bytes = jint(fo, "stop_copy_bytes");
        f->stop_copy_source = source_from_string(jstr(fo, "stop_copy_source"));
        g_ptr_array_add(d->devices, f);
    }

    o = jobj(root, "vf_policy");
    if (o) {
        g_autoptr(GList) keys = json_object_get_members(o);
        for (GList *k = keys; k; k = k->next) {
            JsonObject *vo = jobj(o, k->data);
            JsonObject *props = jobj(vo, "properties");
            DtVfPolicy *v = g_new0(DtVfPolicy, 1);

            v->address = g_strdup(k->data);
            v->driver = g_strdup(jstr(vo, "driver"));
            v->alias = g_strdup(jstr(vo, "alias"));
            v->must_migrate = vo && json_object_get_boolean_member_with_default(vo, "must_migrate", FALSE);
            v->props = g_ptr_array_new_with_free_func((GDestroyNotify)dt_prop_free);
            if (props) {
                g_autoptr(GList) pk = json_object_get_members(props);
                for (GList *p = pk; p; p = p->next)
                    g_ptr_array_add(v->props, dt_prop_new(p->data, "string", jstr(props, p->data)));
            }
            g_ptr_array_add(d->vf_policy, v);
        }
    }

    o = jobj(root, "dma_logging");
    d->log_page_size = jint(o, "page_size");
    a = jarr(o, "ranges");
    for (guint i = 0; a && i < json_array_get_length(a) && d->n_ranges < G_N_ELEMENTS(d->ranges); i++) {
        JsonObject *ro = json_array_get_object_element(a, i);
        guint64 iova;
        if (!ro || !dt_parse_u64(jstr(ro, "iova"), 16, &iova))
            goto bad;
        d->ranges[d->n_ranges].iova = iova;
        d->ranges[d->n_ranges].length = jint(ro, "length");
        d->n_ranges++;
    }

    o = jobj(root, "cost_inputs");
    d->ram_bytes = jint(o, "ram_bytes");
    d->device_state_bytes = jint(o, "device_state_bytes");
    d->tracking_granularity = jint(o, "tracking_granularity");

    a = jarr(root, "explain");
    for (guint i = 0; a && i < json_array_get_length(a); i++) {
        JsonObject *so = json_array_get_object_element(a, i);
        DtStep *st = g_new0(DtStep, 1);
        st->fact = g_strdup(jstr(so, "fact"));
        st->source = source_from_string(jstr(so, "source"));
        st->rule = g_strdup(jstr(so, "rule"));
        st->consequence = g_strdup(jstr(so, "consequence"));
        g_ptr_array_add(d->steps, st);
    }

    if (domain)
        *domain = g_steal_pointer(&dom);
    return g_steal_pointer(&d);
bad:
    g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT, _("report does not follow the format"));
    return NULL;
}
