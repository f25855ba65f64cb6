/* dt-rewrite.c: applies a decision to a libvirt domain document.
 *
 * The hook's migrate/restore output is parsed by libvirt as a new inactive
 * definition and checked for ABI stability against the incoming one, so
 * this edits the parsed tree in place and touches only three things: the
 * <qemu:override> frontend properties of the devices the VF policy names
 * (with a `ua-` alias on a hostdev that has none, because overrides attach
 * to user aliases), the qemu namespace declaration, and dirtytrack's own
 * <metadata> element.  Every edit is made only when it changes something,
 * which is how `changed` is known and how rewriting our own output becomes
 * a no-op: the evaluation element keeps its old time when nothing else in
 * it differs, so a repeated filter never produces a spurious change.
 *
 * New elements get libvirt's two-space indentation so the output reads
 * like something libvirt wrote; existing text is never reflowed.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "model/dt-domain.h"
#include "model/dt-metadata.h"
#include "render/dt-rewrite.h"
#include "model/dt-util.h"
#include "model/dt-xml.h"

/* Sets an attribute, reporting whether the value really changed. */
static gboolean
dt_set_prop(xmlNode *n, const char *name, const char *value)
{
    g_autofree char *tmp = NULL;
    const char *old = dt_xml_prop_ref(n, name, &tmp);

    if (!value) {
        if (!old)
            return FALSE;
        xmlUnsetProp(n, BAD_CAST name);
        return TRUE;
    }
    if (old && strcmp(old, value) == 0)
        return FALSE;
    xmlSetProp(n, BAD_CAST name, BAD_CAST value);
    return TRUE;
}

/* ---- namespaces ---------------------------------------------------------- */

/* The qemu namespace as declared on <domain>, declaring it if absent.  A
 * prefix other than "qemu" is fine for libvirt, which matches by URI; a
 * clash of the "qemu" prefix with another URI falls back to "qemu1". */
static xmlNs *
dt_qemu_ns(xmlNode *root, gboolean *changed)
{
    xmlNs *ns = xmlSearchNsByHref(root->doc, root, BAD_CAST DT_QEMU_NS);
    const char *prefix = "qemu";

    if (ns)
        return ns;
    if (xmlSearchNs(root->doc, root, BAD_CAST prefix))
        prefix = "qemu1";
    *changed = TRUE;
    return xmlNewNs(root, BAD_CAST DT_QEMU_NS, BAD_CAST prefix);
}

/* ---- hostdevs and aliases ------------------------------------------------ */

/* libvirt reads PCI address attributes with strtol base 0: "0x6b" is hex,
 * "107" decimal, "0153" octal.  The whole string must be a number. */
static gboolean
dt_parse_libvirt_uint(const char *s, guint64 *out)
{
    char *end = NULL;

    if (!s || !g_ascii_isdigit(*s))
        return FALSE;
    errno = 0;
    *out = g_ascii_strtoull(s, &end, 0);
    return errno == 0 && end && *end == '\0';
}

/* want: the address parsed as a PCI address, NULL if it is not one. */
static gboolean
dt_hostdev_matches(xmlNode *hostdev, const char *address, const DtPciAddr *want)
{
    g_autofree char *mode_tmp = NULL, *type_tmp = NULL;
    const char *mode = dt_xml_prop_ref(hostdev, "mode", &mode_tmp);
    const char *type = dt_xml_prop_ref(hostdev, "type", &type_tmp);
    xmlNode *source, *addr;

    /* <interface type='hostdev'> is an SR-IOV VF libvirt assigns as a PCI
     * hostdev; its source address has the same attributes. */
    if (dt_xml_node_is(hostdev, "interface", NULL)) {
        if (g_strcmp0(type, "hostdev") != 0)
            return FALSE;
        type = "pci";
    } else if (g_strcmp0(mode, "subsystem") != 0 || !type) {
        return FALSE;
    }
    source = dt_xml_child(hostdev, "source", NULL);
    if (!source)
        return FALSE;
    addr = dt_xml_child(source, "address", NULL);
    if (!addr)
        return FALSE;

    if (strcmp(type, "mdev") == 0) {
        g_autofree char *tmp = NULL;
        const char *uuid = dt_xml_prop_ref(addr, "uuid", &tmp);
        return uuid && g_ascii_strcasecmp(uuid, address) == 0;
    }
    if (strcmp(type, "pci") == 0) {
        g_autofree char *t_dom = NULL, *t_bus = NULL, *t_slot = NULL, *t_fn = NULL;
        const char *dom, *bus, *slot, *fn;
        guint64 d = 0, b, s, f;
        DtPciAddr have;

        if (!want)
            return FALSE;
        dom = dt_xml_prop_ref(addr, "domain", &t_dom);
        bus = dt_xml_prop_ref(addr, "bus", &t_bus);
        slot = dt_xml_prop_ref(addr, "slot", &t_slot);
        fn = dt_xml_prop_ref(addr, "function", &t_fn);
        if ((dom && !dt_parse_libvirt_uint(dom, &d)) || !dt_parse_libvirt_uint(bus, &b) ||
            !dt_parse_libvirt_uint(slot, &s) || !dt_parse_libvirt_uint(fn, &f))
            return FALSE;
        if (d > 0xffff || b > 0xff || s > 0x1f || f > 7)
            return FALSE;
        have.domain = (guint16)d;
        have.bus = (guint8)b;
        have.slot = (guint8)s;
        have.function = (guint8)f;
        return dt_pci_addr_equal(want, &have);
    }
    return FALSE;
}

static xmlNode *
dt_find_hostdev(xmlNode *root, const char *address)
{
    xmlNode *devices = dt_xml_child(root, "devices", NULL);
    DtPciAddr want;
    gboolean is_pci;

    if (!devices)
        return NULL;
    is_pci = dt_pci_addr_parse(address, &want);
    for (xmlNode *c = devices->children; c; c = c->next) {
        if ((dt_xml_node_is(c, "hostdev", NULL) || dt_xml_node_is(c, "interface", NULL)) &&
            dt_hostdev_matches(c, address, is_pci ? &want : NULL))
            return c;
    }
    return NULL;
}

static gboolean
dt_alias_in_use(xmlNode *root, const char *alias)
{
    xmlNode *devices = dt_xml_child(root, "devices", NULL);

    if (!devices)
        return FALSE;
    for (xmlNode *dev = devices->children; dev; dev = dev->next) {
        xmlNode *a;
        g_autofree char *tmp = NULL;

        if (dev->type != XML_ELEMENT_NODE)
            continue;
        a = dt_xml_child(dev, "alias", NULL);
        if (!a)
            continue;
        if (g_strcmp0(dt_xml_prop_ref(a, "name", &tmp), alias) == 0)
            return TRUE;
    }
    return FALSE;
}

/* A user alias libvirt keeps across migration: "ua-" then [A-Za-z0-9_-]. */
static gboolean
dt_alias_is_user(const char *alias)
{
    if (!alias || !g_str_has_prefix(alias, "ua-") || alias[3] == '\0')
        return FALSE;
    for (const char *p = alias + 3; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_')
            return FALSE;
    }
    return TRUE;
}

/* The hostdev's user alias, adding one when it has none.  A non-user
 * alias (a live "hostdev0") is not kept in the inactive definition libvirt
 * parses from our output, so it is replaced by a user alias. */
static char *
dt_hostdev_ensure_alias(xmlNode *root, xmlNode *hostdev, const DtVfPolicy *p,
                        gboolean *changed)
{
    xmlNode *a = dt_xml_child(hostdev, "alias", NULL);
    g_autofree char *have = a ? dt_xml_prop(a, "name") : NULL;
    g_autofree char *want = NULL;

    if (dt_alias_is_user(have))
        return g_steal_pointer(&have);

    if (dt_alias_is_user(p->alias) && !dt_alias_in_use(root, p->alias)) {
        want = g_strdup(p->alias);
    } else {
        g_autofree char *base = g_strdup_printf("ua-dt-%s", p->address);

        g_strdelimit(base + 3, ":.", '-');
        want = g_strdup(base);
        for (guint i = 1; dt_alias_in_use(root, want) && i < 1000; i++) {
            g_free(want);
            want = g_strdup_printf("%s-%u", base, i);
        }
    }

    if (a) {
        dt_set_prop(a, "name", want);
    } else {
        a = xmlNewDocNode(root->doc, NULL, BAD_CAST "alias", NULL);
        xmlSetProp(a, BAD_CAST "name", BAD_CAST want);
        dt_xml_append_indented(hostdev, a);
    }
    *changed = TRUE;
    return g_steal_pointer(&want);
}

/* ---- <qemu:override> ------------------------------------------------------ */

static xmlNode *
dt_ensure_child(xmlNode *parent, const char *name, xmlNs *ns, gboolean *changed)
{
    xmlNode *n = dt_xml_child(parent, name, (const char *)ns->href);

    if (n)
        return n;
    n = xmlNewDocNode(parent->doc, ns, BAD_CAST name, NULL);
    dt_xml_append_indented(parent, n);
    *changed = TRUE;
    return n;
}

static xmlNode *
dt_override_device(xmlNode *override, xmlNs *ns, const char *alias, gboolean *changed)
{
    xmlNode *dev;

    for (xmlNode *c = override->children; c; c = c->next) {
        g_autofree char *tmp = NULL;

        if (!dt_xml_node_is(c, "device", (const char *)ns->href))
            continue;
        if (g_strcmp0(dt_xml_prop_ref(c, "alias", &tmp), alias) == 0)
            return c;
    }
    dev = xmlNewDocNode(override->doc, ns, BAD_CAST "device", NULL);
    xmlSetProp(dev, BAD_CAST "alias", BAD_CAST alias);
    dt_xml_append_indented(override, dev);
    *changed = TRUE;
    return dev;
}

static void
dt_apply_property(xmlNode *frontend, xmlNs *ns, const DtProp *prop, gboolean *changed)
{
    const char *value = g_strcmp0(prop->type, "remove") == 0 ? NULL : prop->value;
    xmlNode *n = NULL;

    for (xmlNode *c = frontend->children; c; c = c->next) {
        g_autofree char *tmp = NULL;

        if (!dt_xml_node_is(c, "property", (const char *)ns->href))
            continue;
        if (g_strcmp0(dt_xml_prop_ref(c, "name", &tmp), prop->name) == 0) {
            n = c;
            break;
        }
    }
    if (!n) {
        n = xmlNewDocNode(frontend->doc, ns, BAD_CAST "property", NULL);
        xmlSetProp(n, BAD_CAST "name", BAD_CAST prop->name);
        dt_xml_append_indented(frontend, n);
        *changed = TRUE;
    }
    if (dt_set_prop(n, "type", prop->type))
        *changed = TRUE;
    if (dt_set_prop(n, "value", value))
        *changed = TRUE;
}

static gboolean
dt_apply_vf_policy(xmlNode *root, const DtDecision *d, gboolean *changed, GError **error)
{
    xmlNode *override = NULL;
    xmlNs *ns = NULL;

    if (!d->vf_policy)
        return TRUE;
    for (guint i = 0; i < d->vf_policy->len; i++) {
        const DtVfPolicy *p = g_ptr_array_index(d->vf_policy, i);
        g_autofree char *alias = NULL;
        xmlNode *hostdev, *dev, *frontend;

        if (!p->address || !p->props || p->props->len == 0)
            continue;
        hostdev = dt_find_hostdev(root, p->address);
        if (!hostdev) {
            g_set_error(error, DT_ERROR, DT_ERROR_NOT_FOUND,
                        _("the domain has no hostdev for device %s named by the VF policy"),
                        p->address);
            return FALSE;
        }
        for (guint j = 0; j < p->props->len; j++) {
            const DtProp *prop = g_ptr_array_index(p->props, j);

            if (!prop->name || !prop->type) {
                g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                            _("the VF policy for device %s has a property without a name or type"),
                            p->address);
                return FALSE;
            }
        }

        alias = dt_hostdev_ensure_alias(root, hostdev, p, changed);
        if (!ns)
            ns = dt_qemu_ns(root, changed);
        if (!override)
            override = dt_ensure_child(root, "override", ns, changed);
        dev = dt_override_device(override, ns, alias, changed);
        frontend = dt_ensure_child(dev, "frontend", ns, changed);
        for (guint j = 0; j < p->props->len; j++)
            dt_apply_property(frontend, ns, g_ptr_array_index(p->props, j), changed);
    }
    return TRUE;
}

/* ---- entry point ---------------------------------------------------------- */

static char *
dt_dump_root(xmlDoc *doc, GError **error)
{
    g_autoptr(xmlBuffer) buf = xmlBufferCreate();
    GString *out;

    if (!buf || xmlNodeDump(buf, doc, xmlDocGetRootElement(doc), 0, 0) < 0) {
        g_set_error(error, DT_ERROR, DT_ERROR_FAILED, _("cannot serialise the domain XML"));
        return NULL;
    }
    out = g_string_new_len((const char *)xmlBufferContent(buf), xmlBufferLength(buf));
    g_string_append_c(out, '\n');
    return g_string_free(out, FALSE);
}

gboolean
dt_rewrite_domain_doc(xmlDoc *doc, const DtDecision *d, const char *host, const char *timestamp,
                      char **out, GError **error)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    gboolean dirty = FALSE;

    g_return_val_if_fail(d != NULL && root != NULL, FALSE);
    *out = NULL;
    if (!dt_apply_vf_policy(root, d, &dirty, error))
        return FALSE;
    dt_metadata_apply(root, d, host, timestamp, &dirty);
    if (dirty && !(*out = dt_dump_root(doc, error)))
        return FALSE;
    return TRUE;
}

char *
dt_rewrite_domain_xml(const char *xml, gsize len, const DtDecision *d,
                      const char *host, const char *timestamp,
                      gboolean *changed, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    char *out = NULL;

    g_return_val_if_fail(d != NULL, NULL);
    if (changed)
        *changed = FALSE;
    doc = dt_xml_parse(xml, len, "domain XML", "domain", error);
    if (!doc || !dt_rewrite_domain_doc(doc, d, host, timestamp, &out, error))
        return NULL;
    if (changed)
        *changed = out != NULL;
    return out ? out : g_strndup(xml, len);
}
