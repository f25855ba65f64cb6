/* dt-metadata.c: dirtytrack's own element in a domain's <metadata>
 * (schemas/domain-metadata.rng): parsed, built and applied here only, so
 * the domain model (dt-domain.c), the rewrite of the hook and `apply`
 * (dt-rewrite.c) and the daemon's live fingerprint (dtd-tune.c) read and
 * write one form.  As libvirt keeps a namespace's parser and formatter
 * together (src/conf/domain_conf.h virXMLNamespace), the parser and the
 * builder sit side by side: every value the schema accepts is read into
 * DtMetadata and written back with the same meaning.
 */
#include "config.h"

#include <string.h>

#include "model/dt-metadata.h"
#include "model/dt-util.h"
#include "model/dt-xml.h"

/* ---- parsing ----------------------------------------------------------------- */

/* index = the boolean */
static const char *const yes_no_names[] = { "no", "yes" };

/* names: a vocabulary's table (dt-enum.h); *out gets the index of the
 * attribute's value in it. */
static gboolean
md_enum(xmlNode *n, const char *elem, const char *attr, const char *const *names, guint n_names,
        gboolean *has, int *out, GError **error)
{
    g_autofree char *v = dt_xml_prop(n, attr);
    g_autofree char *exp = NULL;

    if (!v)
        return TRUE;
    for (guint i = 0; i < n_names; i++) {
        if (strcmp(v, names[i]) == 0) {
            if (has)
                *has = TRUE;
            if (out)
                *out = (int)i;
            return TRUE;
        }
    }
    exp = dt_enum_join(names, n_names, "|");
    g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                _("dirtytrack metadata: invalid <%s %s='%s'> (expected %s)"),
                elem, attr, v, exp);
    return FALSE;
}

static gboolean
md_number(xmlNode *n, const char *elem, const char *attr, gboolean *has, guint64 *out,
          GError **error)
{
    g_autofree char *v = dt_xml_prop(n, attr);

    if (!v)
        return TRUE;
    if (!dt_parse_u64(v, 10, out)) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("dirtytrack metadata: invalid <%s %s='%s'> (expected a non-negative integer)"),
                    elem, attr, v);
        return FALSE;
    }
    *has = TRUE;
    return TRUE;
}

/* Typos in a policy must not pass silently (a misspelt require-migratable
 * would quietly allow what the operator meant to forbid), so attributes
 * outside the schema are errors, like bad values. */
static gboolean
md_check_attrs(xmlNode *n, const char *elem, const char *const *allowed, GError **error)
{
    for (xmlAttr *a = n->properties; a; a = a->next) {
        gboolean ok = FALSE;
        if (a->ns) {
            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                        _("dirtytrack metadata: unknown attribute '%s:%s' on <%s>"),
                        a->ns->prefix ? (const char *)a->ns->prefix : "",
                        (const char *)a->name, elem);
            return FALSE;
        }
        for (guint i = 0; allowed[i]; i++)
            ok = ok || strcmp((const char *)a->name, allowed[i]) == 0;
        if (!ok) {
            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                        _("dirtytrack metadata: unknown attribute '%s' on <%s>"),
                        (const char *)a->name, elem);
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean
md_parse_policy(xmlNode *n, DtMetadata *m, GError **error)
{
    static const char *const allowed[] = {
        "require-migratable", "perpetual", "prefer", "max-downtime-ms",
        "bandwidth-mib-s", "dirty-rate-mib-s", NULL,
    };
    const char *const *names;
    guint n_names;
    int v = 0;

    if (!md_check_attrs(n, "policy", allowed, error))
        return FALSE;
    if (!md_enum(n, "policy", "require-migratable", yes_no_names, G_N_ELEMENTS(yes_no_names),
                 &m->has_require_migratable, &v, error))
        return FALSE;
    m->require_migratable = m->has_require_migratable && v;
    names = dt_perpetual_names(&n_names);
    if (!md_enum(n, "policy", "perpetual", names, n_names, &m->has_perpetual, &v, error))
        return FALSE;
    if (m->has_perpetual)
        m->perpetual = (DtPerpetualPolicy)(v + DT_PERPETUAL_NEVER);
    names = dt_prefer_names(&n_names);
    if (!md_enum(n, "policy", "prefer", names, n_names, &m->has_prefer, &v, error))
        return FALSE;
    if (m->has_prefer)
        m->prefer = (DtPreferMode)(v + DT_PREFER_AUTO);
    return md_number(n, "policy", "max-downtime-ms", &m->has_max_downtime_ms,
                     &m->max_downtime_ms, error) &&
           md_number(n, "policy", "bandwidth-mib-s", &m->has_bandwidth,
                     &m->bandwidth_mib_s, error) &&
           md_number(n, "policy", "dirty-rate-mib-s", &m->has_dirty_rate,
                     &m->dirty_rate_mib_s, error);
}

static gboolean
is_hex_string(const char *s)
{
    if (!s || !*s)
        return FALSE;
    for (; *s; s++)
        if (!g_ascii_isxdigit(*s))
            return FALSE;
    return TRUE;
}

/* migration='...' as the schema has it: "unknown", or the flag set's one
 * spelling ("none", "" read as "none", or names joined by ','). */
static gboolean
parse_migration(const char *s, DtTri *migration, guint32 *flags)
{
    *flags = 0;
    if (strcmp(s, "unknown") == 0) {
        *migration = DT_TRI_UNKNOWN;
        return TRUE;
    }
    if (!dt_mig_flags_from_string(s, flags))
        return FALSE;
    *migration = *flags ? DT_TRI_YES : DT_TRI_NO;
    return TRUE;
}

static gboolean
md_parse_device(xmlNode *n, guint index, DtMetadata *m, GError **error)
{
    static const char *const allowed[] = { "address", "id", "driver", "mdev-type", "migration",
                                           NULL };
    g_autofree char *address = dt_xml_prop(n, "address");
    g_autofree char *id = dt_xml_prop(n, "id");
    g_autofree char *migration = dt_xml_prop(n, "migration");
    g_autofree char *driver = dt_xml_prop(n, "driver");
    g_autofree char *mdev_type = dt_xml_prop(n, "mdev-type");
    g_autofree char *uuid = NULL;
    DtFingerprintDevice *f;
    DtPciAddr pa;
    guint32 flags = 0;
    DtTri mig = DT_TRI_UNKNOWN;

    if (!md_check_attrs(n, "device", allowed, error))
        return FALSE;
    if (!address || !*address) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("dirtytrack metadata: evaluation device %u has no address"), index);
        return FALSE;
    }
    if (!dt_pci_addr_parse(address, &pa) &&
        !(g_regex_match_simple("^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
                               "[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$", address, 0, 0) &&
          (uuid = dt_uuid_normalize(address)))) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("dirtytrack metadata: invalid <device address='%s'> "
                      "(expected a PCI address or an mdev uuid)"), address);
        return FALSE;
    }
    if (id && !(strlen(id) == 9 && id[4] == ':' && g_ascii_isxdigit(id[0]) &&
                g_ascii_isxdigit(id[1]) && g_ascii_isxdigit(id[2]) &&
                g_ascii_isxdigit(id[3]) && g_ascii_isxdigit(id[5]) &&
                g_ascii_isxdigit(id[6]) && g_ascii_isxdigit(id[7]) &&
                g_ascii_isxdigit(id[8]))) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("dirtytrack metadata: invalid <device id='%s'> (expected vvvv:dddd in hex)"),
                    id);
        return FALSE;
    }
    if (migration && !parse_migration(migration, &mig, &flags)) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("dirtytrack metadata: invalid <device migration='%s'> "
                      "(expected a comma-separated list of stop-copy, p2p, pre-copy)"),
                    migration);
        return FALSE;
    }
    if (driver && !g_regex_match_simple("^[A-Za-z0-9_-]+$", driver, 0, 0)) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("dirtytrack metadata: invalid <device driver='%s'>"), driver);
        return FALSE;
    }
    if (mdev_type && !g_regex_match_simple("^[A-Za-z0-9_-]+$", mdev_type, 0, 0)) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("dirtytrack metadata: invalid <device mdev-type='%s'>"), mdev_type);
        return FALSE;
    }
    f = g_new0(DtFingerprintDevice, 1);
    f->address = uuid ? g_steal_pointer(&uuid) : dt_pci_addr_to_string(&pa);
    f->vendor_device = id ? g_ascii_strdown(id, -1) : NULL;
    f->driver = g_steal_pointer(&driver);
    f->mdev_type = g_steal_pointer(&mdev_type);
    f->has_migration = migration != NULL;
    f->migration = mig;
    f->mig_flags = flags;
    g_ptr_array_add(m->fp_devices, f);
    return TRUE;
}

static gboolean
md_parse_evaluation(xmlNode *n, DtMetadata *m, GError **error)
{
    static const char *const allowed[] = {
        "verdict", "mode", "host", "time", "fingerprint", NULL,
    };
    const char *const *verdicts, *const *modes;
    guint index = 0, n_verdicts, n_modes;

    if (!md_check_attrs(n, "evaluation", allowed, error))
        return FALSE;
    verdicts = dt_verdict_names(&n_verdicts);
    modes = dt_mode_names(&n_modes);
    if (!md_enum(n, "evaluation", "verdict", verdicts, n_verdicts, NULL, NULL, error) ||
        !md_enum(n, "evaluation", "mode", modes, n_modes, NULL, NULL, error))
        return FALSE;
    m->verdict = dt_xml_prop(n, "verdict");
    m->mode = dt_xml_prop(n, "mode");
    m->host = dt_xml_prop(n, "host");
    m->time = dt_xml_prop(n, "time");
    m->fingerprint = dt_xml_prop(n, "fingerprint");
    if (m->host && !*m->host) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("dirtytrack metadata: empty <evaluation host=''>"));
        return FALSE;
    }
    if (m->time) {
        /* the schema's xsd:dateTime with a zone; GLib alone would also take
         * ISO 8601's other spellings (week dates, no separators) */
        g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(m->time, NULL);
        if (!dt || !g_regex_match_simple("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                                         "(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$",
                                         m->time, 0, 0)) {
            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                        _("dirtytrack metadata: invalid <evaluation time='%s'> "
                          "(expected an ISO 8601 date and time with a time zone)"), m->time);
            return FALSE;
        }
    }
    if (m->fingerprint && !is_hex_string(m->fingerprint)) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("dirtytrack metadata: invalid <evaluation fingerprint='%s'> "
                      "(expected hexadecimal digits)"), m->fingerprint);
        return FALSE;
    }
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!dt_xml_node_is(c, "device", DT_METADATA_NS)) {
            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                        _("dirtytrack metadata: unexpected element <%s> in <evaluation>"),
                        (const char *)c->name);
            return FALSE;
        }
        if (!md_parse_device(c, ++index, m, error))
            return FALSE;
    }
    return TRUE;
}

gboolean
dt_metadata_parse_node(xmlNode *node, DtMetadata *out, GError **error)
{
    DtMetadata *m;
    gboolean seen_policy = FALSE, seen_eval = FALSE;

    g_return_val_if_fail(out != NULL, FALSE);
    if (!dt_xml_node_is(node, "dirtytrack", DT_METADATA_NS)) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("dirtytrack metadata: expected element <dirtytrack> in namespace %s"),
                    DT_METADATA_NS);
        return FALSE;
    }
    if (node->properties) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("dirtytrack metadata: unknown attribute '%s' on <dirtytrack>"),
                    (const char *)node->properties->name);
        return FALSE;
    }
    /* Parse into a scratch copy so a failure leaves *out untouched. */
    m = dt_metadata_new();
    for (xmlNode *c = node->children; c; c = c->next) {
        gboolean ok;

        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (dt_xml_node_is(c, "policy", DT_METADATA_NS) && !seen_policy) {
            seen_policy = m->has_policy = TRUE;
            ok = md_parse_policy(c, m, error);
        } else if (dt_xml_node_is(c, "evaluation", DT_METADATA_NS) && !seen_eval) {
            seen_eval = m->has_evaluation = TRUE;
            ok = md_parse_evaluation(c, m, error);
        } else if (dt_xml_node_is(c, "policy", DT_METADATA_NS) ||
                   dt_xml_node_is(c, "evaluation", DT_METADATA_NS)) {
            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                        _("dirtytrack metadata: more than one <%s>"), (const char *)c->name);
            ok = FALSE;
        } else {
            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                        _("dirtytrack metadata: unexpected element <%s>"),
                        (const char *)c->name);
            ok = FALSE;
        }
        if (!ok) {
            dt_metadata_free(m);
            return FALSE;
        }
    }
    m->present = TRUE;

    g_free(out->verdict);
    g_free(out->mode);
    g_free(out->host);
    g_free(out->time);
    g_free(out->fingerprint);
    if (out->fp_devices)
        g_ptr_array_unref(out->fp_devices);
    *out = *m;
    g_free(m);
    return TRUE;
}

void
dt_metadata_apply_policy(const DtMetadata *m, DtPolicy *policy)
{
    gboolean any = FALSE;

    if (!m || !policy || !m->present)
        return;
    if (m->has_require_migratable) {
        policy->require_migratable = m->require_migratable;
        any = TRUE;
    }
    if (m->has_perpetual) {
        policy->perpetual = m->perpetual;
        any = TRUE;
    }
    if (m->has_prefer) {
        policy->prefer = m->prefer;
        any = TRUE;
    }
    if (m->has_max_downtime_ms) {
        policy->max_downtime_ms = m->max_downtime_ms;
        any = TRUE;
    }
    if (m->has_bandwidth) {
        policy->bandwidth_mib_s = m->bandwidth_mib_s;
        any = TRUE;
    }
    if (m->has_dirty_rate) {
        policy->dirty_rate_mib_s = m->dirty_rate_mib_s;
        any = TRUE;
    }
    if (any)
        policy->set_by_metadata = TRUE;
}

/* ---- building ----------------------------------------------------------------- */

static void
set_opt_prop(xmlNode *n, const char *name, const char *value)
{
    if (value)
        xmlSetProp(n, BAD_CAST name, BAD_CAST value);
}

static void
set_u64_prop(xmlNode *n, const char *name, guint64 v)
{
    g_autofree char *s = g_strdup_printf("%" G_GUINT64_FORMAT, v);

    xmlSetProp(n, BAD_CAST name, BAD_CAST s);
}

/* The migration attribute of a device: the inverse of parse_migration. */
static char *
migration_string(const DtFingerprintDevice *f)
{
    switch (f->migration) {
    case DT_TRI_YES: return dt_mig_flags_to_string(f->mig_flags);
    case DT_TRI_NO: return g_strdup("none");
    case DT_TRI_UNKNOWN: break;
    }
    return g_strdup("unknown");
}

static xmlNode *
build_policy(xmlDoc *doc, xmlNs *ns, const DtMetadata *m)
{
    xmlNode *p = xmlNewDocNode(doc, ns, BAD_CAST "policy", NULL);

    if (m->has_require_migratable)
        xmlSetProp(p, BAD_CAST "require-migratable",
                   BAD_CAST yes_no_names[m->require_migratable ? 1 : 0]);
    if (m->has_perpetual)
        xmlSetProp(p, BAD_CAST "perpetual", BAD_CAST dt_perpetual_to_string(m->perpetual));
    if (m->has_prefer)
        xmlSetProp(p, BAD_CAST "prefer", BAD_CAST dt_prefer_to_string(m->prefer));
    if (m->has_max_downtime_ms)
        set_u64_prop(p, "max-downtime-ms", m->max_downtime_ms);
    if (m->has_bandwidth)
        set_u64_prop(p, "bandwidth-mib-s", m->bandwidth_mib_s);
    if (m->has_dirty_rate)
        set_u64_prop(p, "dirty-rate-mib-s", m->dirty_rate_mib_s);
    return p;
}

/* <evaluation>, detached, its devices not yet indented. */
static xmlNode *
build_evaluation(xmlDoc *doc, xmlNs *ns, const DtMetadata *m)
{
    xmlNode *ev = xmlNewDocNode(doc, ns, BAD_CAST "evaluation", NULL);

    set_opt_prop(ev, "verdict", m->verdict);
    set_opt_prop(ev, "mode", m->mode);
    set_opt_prop(ev, "host", m->host);
    set_opt_prop(ev, "time", m->time);
    set_opt_prop(ev, "fingerprint", m->fingerprint);
    for (guint i = 0; m->fp_devices && i < m->fp_devices->len; i++) {
        const DtFingerprintDevice *f = g_ptr_array_index(m->fp_devices, i);
        xmlNode *dev = xmlNewDocNode(doc, ns, BAD_CAST "device", NULL);

        set_opt_prop(dev, "address", f->address);
        set_opt_prop(dev, "id", f->vendor_device);
        set_opt_prop(dev, "driver", f->driver);
        set_opt_prop(dev, "mdev-type", f->mdev_type);
        if (f->has_migration) {
            g_autofree char *mig = migration_string(f);

            xmlSetProp(dev, BAD_CAST "migration", BAD_CAST mig);
        }
        xmlAddChild(ev, dev);
    }
    return ev;
}

/* ^[A-Za-z0-9_-]+$ as GRegex reads it.  Compiling the pattern costs more
 * than the rest of a device's metadata, and a driver name almost always
 * is plain: only a name that is not asks GRegex (whose '$' also admits a
 * final newline). */
static gboolean
plain_name(const char *s)
{
    const char *p = s;

    while (g_ascii_isalnum(*p) || *p == '_' || *p == '-')
        p++;
    if (*p == '\0')
        return p != s;
    return g_regex_match_simple("^[A-Za-z0-9_-]+$", s, 0, 0);
}

/* Only devices the destination can match go into the fingerprint: a PCI
 * hostdev without a source address, or an mdev without a uuid, has none. */
static gboolean
fingerprint_address_ok(const DtDeviceFinding *f)
{
    DtPciAddr a;

    if (!f->address)
        return FALSE;
    return f->is_mdev ? g_uuid_string_is_valid(f->address) : dt_pci_addr_parse(f->address, &a);
}

void
dt_metadata_set_evaluation(DtMetadata *m, const DtDecision *d, const char *host,
                           const char *timestamp)
{
    m->present = m->has_evaluation = TRUE;
    dt_set_str(&m->verdict, dt_verdict_to_string(d->verdict));
    dt_set_str(&m->mode, dt_mode_to_string(d->mode));
    dt_set_str(&m->host, host);
    dt_set_str(&m->time, timestamp);
    dt_set_str(&m->fingerprint, d->fingerprint);
    g_ptr_array_set_size(m->fp_devices, 0);
    for (guint i = 0; d->devices && i < d->devices->len; i++) {
        const DtDeviceFinding *f = g_ptr_array_index(d->devices, i);
        const char *driver = f->vfio_driver ? f->vfio_driver : f->driver;
        DtFingerprintDevice *fp;

        if (!fingerprint_address_ok(f))
            continue;
        fp = g_new0(DtFingerprintDevice, 1);
        fp->address = g_strdup(f->address);
        if (f->present && !f->is_mdev)
            fp->vendor_device = g_strdup_printf("%04x:%04x", f->vendor, f->device);
        /* an mdev's "driver" is its model attribute: only a plain name */
        if (driver && plain_name(driver))
            fp->driver = g_strdup(driver);
        if (f->is_mdev && f->mdev_type && plain_name(f->mdev_type))
            fp->mdev_type = g_strdup(f->mdev_type);
        fp->has_migration = TRUE;
        fp->migration = f->migration.value;
        fp->mig_flags = f->migration.value == DT_TRI_YES ? f->mig_flags : 0;
        g_ptr_array_add(m->fp_devices, fp);
    }
}

xmlNode *
dt_metadata_build(xmlDoc *doc, const DtMetadata *m)
{
    xmlNode *mine = xmlNewDocNode(doc, NULL, BAD_CAST "dirtytrack", NULL);
    xmlNs *ns = xmlNewNs(mine, BAD_CAST DT_METADATA_NS, BAD_CAST DT_METADATA_PREFIX);

    xmlSetNs(mine, ns);
    if (m->has_policy)
        xmlAddChild(mine, build_policy(doc, ns, m));
    if (m->has_evaluation)
        xmlAddChild(mine, build_evaluation(doc, ns, m));
    return mine;
}

/* ---- applying ------------------------------------------------------------------ */

static xmlNode *
metadata_element(xmlNode *root, gboolean *changed)
{
    xmlNode *meta = dt_xml_child(root, "metadata", NULL);
    xmlNode *mine;
    xmlNs *ns;

    if (!meta) {
        /* Where libvirt itself formats it: after name/uuid/title/description. */
        xmlNode *after = NULL;

        meta = xmlNewDocNode(root->doc, NULL, BAD_CAST "metadata", NULL);
        for (xmlNode *c = root->children; c; c = c->next) {
            if (dt_xml_node_is(c, "name", NULL) || dt_xml_node_is(c, "uuid", NULL) ||
                dt_xml_node_is(c, "genid", NULL) || dt_xml_node_is(c, "title", NULL) ||
                dt_xml_node_is(c, "description", NULL))
                after = c;
        }
        if (after) {
            xmlAddNextSibling(after, meta);
            xmlAddPrevSibling(meta, dt_xml_indent_text(root->doc, 1));
        } else {
            dt_xml_append_indented(root, meta);
        }
        *changed = TRUE;
    }

    mine = dt_xml_child(meta, "dirtytrack", DT_METADATA_NS);
    if (mine)
        return mine;
    mine = xmlNewDocNode(root->doc, NULL, BAD_CAST "dirtytrack", NULL);
    ns = xmlNewNs(mine, BAD_CAST DT_METADATA_NS, BAD_CAST DT_METADATA_PREFIX);
    xmlSetNs(mine, ns);
    dt_xml_append_indented(meta, mine);
    *changed = TRUE;
    return mine;
}

static gboolean
same_attr(xmlNode *a, xmlNode *b, const char *name)
{
    g_autofree char *ta = NULL, *tb = NULL;

    return g_strcmp0(dt_xml_prop_ref(a, name, &ta), dt_xml_prop_ref(b, name, &tb)) == 0;
}

static xmlNode *
next_element(xmlNode *n)
{
    while (n && n->type != XML_ELEMENT_NODE)
        n = n->next;
    return n;
}

/* Equal apart from the time: the same verdict, mode, host, fingerprint and
 * the same devices in the same order. */
static gboolean
evaluation_equivalent(xmlNode *old, xmlNode *fresh)
{
    static const char *const attrs[] = { "verdict", "mode", "host", "fingerprint" };
    static const char *const dev_attrs[] = { "address", "id", "driver", "migration" };
    xmlNode *a, *b;

    for (guint i = 0; i < G_N_ELEMENTS(attrs); i++) {
        if (!same_attr(old, fresh, attrs[i]))
            return FALSE;
    }
    a = next_element(old->children);
    b = next_element(fresh->children);
    while (a && b) {
        if (!xmlStrEqual(a->name, b->name) || !a->ns || !xmlStrEqual(a->ns->href, b->ns->href))
            return FALSE;
        for (guint i = 0; i < G_N_ELEMENTS(dev_attrs); i++) {
            if (!same_attr(a, b, dev_attrs[i]))
                return FALSE;
        }
        a = next_element(a->next);
        b = next_element(b->next);
    }
    return a == NULL && b == NULL;
}

/* Indents the device children of a freshly built evaluation element. */
static void
indent_children(xmlNode *ev)
{
    g_autoptr(GPtrArray) kids = g_ptr_array_new();

    for (xmlNode *c = ev->children; c; c = c->next)
        g_ptr_array_add(kids, c);
    for (guint i = 0; i < kids->len; i++)
        xmlUnlinkNode(g_ptr_array_index(kids, i));
    for (guint i = 0; i < kids->len; i++)
        dt_xml_append_indented(ev, g_ptr_array_index(kids, i));
}

/* Replaces mine's <evaluation> with the one for d, unless they differ only
 * in the time; everything else in mine (the policy) stays. */
static void
apply_evaluation(xmlNode *mine, const DtDecision *d, const char *host, const char *timestamp,
                 gboolean *changed)
{
    g_autoptr(DtMetadata) m = dt_metadata_new();
    xmlNode *old = dt_xml_child(mine, "evaluation", DT_METADATA_NS);
    xmlNode *fresh;

    dt_metadata_set_evaluation(m, d, host, timestamp);
    fresh = build_evaluation(mine->doc, mine->ns, m);
    if (old && evaluation_equivalent(old, fresh)) {
        xmlFreeNode(fresh);
        return;
    }
    if (old) {
        xmlReplaceNode(old, fresh);
        xmlFreeNode(old);
    } else {
        dt_xml_append_indented(mine, fresh);
    }
    indent_children(fresh);
    *changed = TRUE;
}

void
dt_metadata_apply(xmlNode *root, const DtDecision *d, const char *host, const char *timestamp,
                  gboolean *changed)
{
    apply_evaluation(metadata_element(root, changed), d, host, timestamp, changed);
}

/* Gives every element below n (n included) the namespace ns. */
static void
set_ns_deep(xmlNode *n, xmlNs *ns)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        xmlSetNs(n, ns);
        set_ns_deep(n->children, ns);
    }
}

/* Removes every namespace declaration at and below n (the elements are
 * given their namespace again right after). */
static void
drop_ns_decls(xmlNode *n)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        n->ns = NULL;
        if (n->nsDef) {
            xmlFreeNsList(n->nsDef);
            n->nsDef = NULL;
        }
        drop_ns_decls(n->children);
    }
}

char *
dt_metadata_fragment(const char *xml, gsize len, const DtDecision *d, const char *host,
                     const char *timestamp, GError **error)
{
    g_autoptr(xmlDoc) doc = dt_xml_parse(xml, len, "domain XML", "domain", error);
    g_autoptr(xmlDoc) frag = NULL;
    xmlNode *meta, *mine, *copy;
    char *out;
    xmlNs *ns;
    gboolean changed = FALSE;

    if (!doc)
        return NULL;
    meta = dt_xml_child(xmlDocGetRootElement(doc), "metadata", NULL);
    mine = meta ? dt_xml_child(meta, "dirtytrack", DT_METADATA_NS) : NULL;
    frag = xmlNewDoc(BAD_CAST "1.0");
    if (mine) {
        copy = xmlDocCopyNode(mine, frag, 1);
    } else {
        copy = xmlNewDocNode(frag, NULL, BAD_CAST "dirtytrack", NULL);
        xmlSetNs(copy, xmlNewNs(copy, BAD_CAST DT_METADATA_NS, BAD_CAST DT_METADATA_PREFIX));
    }
    xmlDocSetRootElement(frag, copy);
    apply_evaluation(copy, d, host, timestamp, &changed);
    /* one declaration, the default one, on the root: libvirt adds its
     * prefix there and refuses a fragment that already binds it */
    drop_ns_decls(copy);
    ns = xmlNewNs(copy, BAD_CAST DT_METADATA_NS, NULL);
    set_ns_deep(copy, ns);
    out = dt_xml_node_string(copy);
    if (!out)
        g_set_error(error, DT_ERROR, DT_ERROR_FAILED, _("cannot serialise the domain XML"));
    return out;
}

/* ---- the source's dry run (DtOutgoing) ------------------------------------------ */

/* A reason code as the engine writes them: lower-case words and dashes. */
static gboolean
code_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 63)
        return FALSE;
    for (const char *p = s; *p; p++)
        if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && *p != '-')
            return FALSE;
    return TRUE;
}

gboolean
dt_outgoing_parse_node(xmlNode *node, DtOutgoing *out, GError **error)
{
    static const char *const root_attrs[] = { "host", "time", NULL };
    static const char *const reason_attrs[] = { "code", "device", NULL };
    g_autoptr(GPtrArray) reasons =
        g_ptr_array_new_with_free_func((GDestroyNotify)dt_reason_free);
    g_autofree char *host = NULL;

    if (!dt_xml_node_is(node, "outgoing", DT_OUTGOING_NS)) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("dirtytrack outgoing record: the element must be <outgoing>"));
        return FALSE;
    }
    if (!md_check_attrs(node, "outgoing", root_attrs, error))
        return FALSE;
    host = dt_xml_prop(node, "host");
    if (!host || !*host) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("dirtytrack outgoing record: <outgoing> needs host='...'"));
        return FALSE;
    }
    for (xmlNode *c = node->children; c; c = c->next) {
        DtReason *r;

        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!dt_xml_node_is(c, "reason", DT_OUTGOING_NS)) {
            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                        _("dirtytrack outgoing record: unknown element <%s>"),
                        (const char *)c->name);
            return FALSE;
        }
        if (!md_check_attrs(c, "reason", reason_attrs, error))
            return FALSE;
        r = g_new0(DtReason, 1);
        g_ptr_array_add(reasons, r);
        r->code = dt_xml_prop(c, "code");
        if (!code_ok(r->code)) {
            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                        _("dirtytrack outgoing record: invalid <reason code='%s'>"),
                        r->code ? r->code : "");
            return FALSE;
        }
        r->severity = DT_SEVERITY_ERROR;
        r->device = dt_xml_prop(c, "device");
        r->message = dt_xml_text(c);
    }
    g_free(out->host);
    g_free(out->time);
    out->host = g_steal_pointer(&host);
    out->time = dt_xml_prop(node, "time");
    g_ptr_array_unref(out->reasons);
    out->reasons = g_steal_pointer(&reasons);
    out->present = TRUE;
    return TRUE;
}

char *
dt_outgoing_fragment(const char *host, const char *timestamp, const GPtrArray *reasons)
{
    g_autoptr(xmlDoc) frag = xmlNewDoc(BAD_CAST "1.0");
    xmlNode *root = xmlNewDocNode(frag, NULL, BAD_CAST "outgoing", NULL);

    xmlDocSetRootElement(frag, root);
    /* the default namespace on the root, as libvirt wants it */
    xmlSetNs(root, xmlNewNs(root, BAD_CAST DT_OUTGOING_NS, NULL));
    xmlSetProp(root, BAD_CAST "host", BAD_CAST host);
    set_opt_prop(root, "time", timestamp);
    for (guint i = 0; reasons && i < reasons->len; i++) {
        const DtReason *r = g_ptr_array_index(reasons, i);
        xmlNode *n = xmlNewChild(root, root->ns, BAD_CAST "reason", NULL);

        xmlSetProp(n, BAD_CAST "code", BAD_CAST r->code);
        set_opt_prop(n, "device", r->device);
        xmlNodeAddContent(n, BAD_CAST (r->message ? r->message : ""));
    }
    return dt_xml_node_string(root);
}
