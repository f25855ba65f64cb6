/* dt-domain.c: the domain model, read from libvirt domain XML.
 *
 * The XML comes from a user, from libvirt's hook stdin, or from a migration
 * peer, so it goes through dt_xml_parse() (no DTD, no entities, no network,
 * a size limit) and files are read with the limit enforced while reading.
 *
 * The walk is deliberately shallow and explicit: a handful of fixed paths
 * under <domain>, never a recursion over the document, so a deep or odd
 * document costs nothing and any element we do not know is simply skipped.
 * Whatever libvirt accepts must parse here; where libvirt itself is stricter
 * (duplicate devices, impossible machine types) we accept, because the
 * question we answer is about migration, not about XML validity.  What we
 * do refuse are values we would otherwise have to guess (a PCI address that
 * is not a number, a memory unit we do not know, a policy attribute with a
 * typo), each with a one-line message that names the element and value.
 *
 * Values follow libvirt's own parsing rules: PCI address attributes are
 * unsigned integers in C notation (0x hex, leading-0 octal, or decimal, as
 * strtoul base 0 takes them), memory values are decimal with a unit.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "model/dt-domain.h"
#include "model/dt-metadata.h"
#include "model/dt-util.h"
#include "model/dt-xml.h"

/* ---- small helpers --------------------------------------------------------- */

/* dt-model.h gives no autoptr for DtHostdev; a private alias keeps this
 * cleanup from clashing should one be added there. */
typedef DtHostdev DtHostdevAuto;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DtHostdevAuto, dt_hostdev_free)

/* Unsigned integer the way libvirt reads XML attributes (strtoul base 0):
 * "0x1f", "017" (octal) and "31" are all accepted; signs and junk are not. */
static gboolean
parse_uint_c(const char *s, guint64 max, guint64 *out)
{
    const char *p = s;
    char *end = NULL;
    guint base = 10;
    guint64 v;

    if (!s)
        return FALSE;
    while (g_ascii_isspace(*p))
        p++;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
        if (!g_ascii_isxdigit(*p))
            return FALSE;
    } else if (p[0] == '0' && p[1] != '\0') {
        base = 8;
    } else if (!g_ascii_isdigit(*p)) {
        return FALSE;
    }
    errno = 0;
    v = g_ascii_strtoull(p, &end, base);
    if (errno != 0 || end == p || *end != '\0' || v > max)
        return FALSE;
    *out = v;
    return TRUE;
}

/* A memory-like element: decimal text plus an optional unit attribute. */
static gboolean
parse_memory_element(xmlNode *n, const char *what, guint64 *out_kib, GError **error)
{
    g_autofree char *text = dt_xml_text(n);
    g_autofree char *unit = dt_xml_prop(n, "unit");
    guint64 v;

    if (!dt_parse_u64(text, 10, &v)) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("invalid <%s> value '%s'"), what, text);
        return FALSE;
    }
    if (!dt_memory_to_kib(v, unit, out_kib)) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("invalid <%s> unit '%s' (or the size overflows)"),
                    what, unit ? unit : "");
        return FALSE;
    }
    return TRUE;
}

static gboolean
parse_yes_no(const char *v, gboolean *out)
{
    if (g_strcmp0(v, "yes") == 0)
        *out = TRUE;
    else if (g_strcmp0(v, "no") == 0)
        *out = FALSE;
    else
        return FALSE;
    return TRUE;
}

/* ---- hostdevs ---------------------------------------------------------------- */

/* <address domain= bus= slot= function=/> as libvirt reads it: each
 * attribute optional (0 when absent), C integer notation, range-checked. */
static gboolean
parse_pci_source_address(xmlNode *addr, DtPciAddr *out, const char *who, GError **error)
{
    static const struct {
        const char *attr;
        guint64 max;
    } parts[] = {
        { "domain", 0xffff }, { "bus", 0xff }, { "slot", 0x1f }, { "function", 0x7 },
    };
    guint64 val[G_N_ELEMENTS(parts)] = { 0 };

    for (guint i = 0; i < G_N_ELEMENTS(parts); i++) {
        g_autofree char *s = dt_xml_prop(addr, parts[i].attr);
        if (!s)
            continue;
        if (!parse_uint_c(s, parts[i].max, &val[i])) {
            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                        _("%s: invalid PCI address %s='%s'"), who, parts[i].attr, s);
            return FALSE;
        }
    }
    out->domain = (guint16)val[0];
    out->bus = (guint8)val[1];
    out->slot = (guint8)val[2];
    out->function = (guint8)val[3];
    return TRUE;
}

/* <driver name= model= iommufd=/> on a hostdev or a hostdev interface. */
static gboolean
parse_driver(xmlNode *drv, DtHostdev *h, const char *who, GError **error)
{
    g_autofree char *iommufd = NULL;
    gboolean b;

    if (!drv)
        return TRUE;
    h->driver_name = dt_xml_prop(drv, "name");
    h->driver_model = dt_xml_prop(drv, "model");
    iommufd = dt_xml_prop(drv, "iommufd");
    if (iommufd) {
        if (!parse_yes_no(iommufd, &b)) {
            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                        _("%s: invalid driver iommufd='%s' (expected yes or no)"), who, iommufd);
            return FALSE;
        }
        h->driver_iommufd = b ? DT_TRI_YES : DT_TRI_NO;
    }
    return TRUE;
}

static gboolean
parse_managed(xmlNode *n, DtHostdev *h, const char *who, GError **error)
{
    g_autofree char *managed = dt_xml_prop(n, "managed");

    if (managed && !parse_yes_no(managed, &h->managed)) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("%s: invalid managed='%s' (expected yes or no)"), who, managed);
        return FALSE;
    }
    return TRUE;
}

static void
parse_alias(xmlNode *n, DtHostdev *h)
{
    h->alias = dt_xml_prop(dt_xml_child(n, "alias", NULL), "name");
}

/* A PCI source (hostdev type='pci' or interface type='hostdev'). */
static DtHostdev *
parse_pci_like(xmlNode *n, const char *who, GError **error)
{
    g_autoptr(DtHostdevAuto) h = dt_hostdev_new(DT_HOSTDEV_PCI);
    xmlNode *addr = dt_xml_child(dt_xml_child(n, "source", NULL), "address", NULL);

    if (addr) {
        if (!parse_pci_source_address(addr, &h->addr, who, error))
            return NULL;
        h->has_addr = TRUE;
    }
    if (!parse_managed(n, h, who, error))
        return NULL;
    if (!parse_driver(dt_xml_child(n, "driver", NULL), h, who, error))
        return NULL;
    parse_alias(n, h);
    return g_steal_pointer(&h);
}

static DtHostdev *
parse_mdev(xmlNode *n, const char *who, GError **error)
{
    g_autoptr(DtHostdevAuto) h = dt_hostdev_new(DT_HOSTDEV_MDEV);
    xmlNode *addr = dt_xml_child(dt_xml_child(n, "source", NULL), "address", NULL);
    g_autofree char *uuid = dt_xml_prop(addr, "uuid");

    /* An mdev is named only by its uuid; libvirt refuses one without it,
     * and there is nothing on the host we could look up instead. */
    if (!uuid) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("%s: mediated device has no source address uuid"), who);
        return NULL;
    }
    h->mdev_uuid = dt_uuid_normalize(uuid);
    if (!h->mdev_uuid) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("%s: invalid mediated device uuid='%s'"), who, uuid);
        return NULL;
    }
    h->mdev_model = dt_xml_prop(n, "model");
    if (!parse_driver(dt_xml_child(n, "driver", NULL), h, who, error))
        return NULL;
    parse_alias(n, h);
    return g_steal_pointer(&h);
}

static gboolean
parse_devices(xmlNode *devices, DtDomain *d, GError **error)
{
    guint n_hostdev = 0, n_iface = 0;

    for (xmlNode *c = devices ? devices->children : NULL; c; c = c->next) {
        g_autofree char *type = NULL;
        g_autofree char *mode = NULL;
        g_autofree char *who = NULL;
        DtHostdev *h = NULL;

        if (dt_xml_node_is(c, "emulator", NULL)) {
            if (!d->emulator)
                d->emulator = dt_xml_text(c);
        } else if (dt_xml_node_is(c, "iommu", NULL)) {
            /* intel, amd, smmuv3, virtio: several smmuv3 units may be
             * listed (one per PCI bus); any of them makes a vIOMMU. */
            if (!d->viommu_model) {
                g_autofree char *cm = dt_xml_prop(dt_xml_child(c, "driver", NULL), "caching_mode");
                gboolean on;

                d->viommu_model = dt_xml_prop(c, "model");
                if (!d->viommu_model)
                    d->viommu_model = g_strdup("");
                /* intel-iommu refuses VFIO devices without caching-mode
                 * (hw/i386/intel_iommu.c vtd_iommu_notify_flag_changed) */
                if (g_strcmp0(cm, "on") == 0 || g_strcmp0(cm, "off") == 0) {
                    on = g_strcmp0(cm, "on") == 0;
                    d->viommu_caching_mode = on ? DT_TRI_YES : DT_TRI_NO;
                }
            }
        } else if (dt_xml_node_is(c, "hostdev", NULL)) {
            n_hostdev++;
            who = g_strdup_printf(_("hostdev %u"), n_hostdev);
            mode = dt_xml_prop(c, "mode");
            type = dt_xml_prop(c, "type");
            /* mode defaults to subsystem; capabilities hostdevs are
             * containers' block/char/net devices, never VFIO. */
            if (mode && strcmp(mode, "subsystem") != 0)
                continue;
            if (g_strcmp0(type, "pci") == 0)
                h = parse_pci_like(c, who, error);
            else if (g_strcmp0(type, "mdev") == 0)
                h = parse_mdev(c, who, error);
            else
                continue;   /* usb, scsi, scsi_host: not VFIO */
            if (!h)
                return FALSE;
            g_ptr_array_add(d->hostdevs, h);
        } else if (dt_xml_node_is(c, "interface", NULL)) {
            n_iface++;
            type = dt_xml_prop(c, "type");
            /* libvirt assigns a hostdev interface as a VFIO PCI hostdev
             * (a VF with a MAC set through its PF). */
            if (g_strcmp0(type, "hostdev") != 0)
                continue;
            who = g_strdup_printf(_("interface %u"), n_iface);
            h = parse_pci_like(c, who, error);
            if (!h)
                return FALSE;
            h->is_interface = TRUE;
            {
                /* the VF of a virtio failover pair: QEMU skips its
                 * migration checks (hw/vfio/pci.c vfio_realize(),
                 * failover_pair_id) and libvirt lets it through
                 * (qemuMigrationSrcIsAllowedHostdev, teaming transient) */
                g_autofree char *teaming = dt_xml_prop(dt_xml_child(c, "teaming", NULL), "type");
                h->failover = g_strcmp0(teaming, "transient") == 0;
            }
            g_ptr_array_add(d->hostdevs, h);
        }
    }
    return TRUE;
}

/* ---- the qemu namespace ------------------------------------------------------ */

/* QEMU keyval "a,b=c,d=e,,f": split on single commas, ",," is a comma. */
static GPtrArray *
split_keyval(const char *s)
{
    GPtrArray *parts = g_ptr_array_new_with_free_func(g_free);
    GString *cur = g_string_new(NULL);

    for (const char *p = s; *p; p++) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(cur, ',');
            p++;
        } else if (*p == ',') {
            g_ptr_array_add(parts, g_string_free(cur, FALSE));
            cur = g_string_new(NULL);
        } else {
            g_string_append_c(cur, *p);
        }
    }
    g_ptr_array_add(parts, g_string_free(cur, FALSE));
    return parts;
}

/* A string member, or NULL when absent or of another JSON type (the
 * json-glib getters would complain loudly about the latter). */
static const char *
json_string_member(JsonObject *obj, const char *name)
{
    JsonNode *n = json_object_get_member(obj, name);

    if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(n);
}

/* -object in either syntax: "iommufd,id=X", "qom-type=iommufd,id=X" or
 * JSON {"qom-type":"iommufd","id":"X"}.  Returns the id of an iommufd
 * object, or NULL for anything else. */
static char *
object_iommufd_id(const char *value)
{
    g_autoptr(GPtrArray) parts = NULL;
    const char *qtype = NULL, *id = NULL;

    while (g_ascii_isspace(*value))
        value++;
    if (*value == '{') {
        g_autoptr(JsonParser) parser = json_parser_new();
        JsonNode *root;
        JsonObject *obj;

        if (!json_parser_load_from_data(parser, value, -1, NULL))
            return NULL;
        root = json_parser_get_root(parser);
        if (!root || !JSON_NODE_HOLDS_OBJECT(root))
            return NULL;
        obj = json_node_get_object(root);
        qtype = json_string_member(obj, "qom-type");
        id = json_string_member(obj, "id");
        if (g_strcmp0(qtype, "iommufd") != 0 || !id || !*id)
            return NULL;
        return g_strdup(id);
    }
    parts = split_keyval(value);
    for (guint i = 0; i < parts->len; i++) {
        const char *kv = g_ptr_array_index(parts, i);
        if (g_str_has_prefix(kv, "qom-type="))
            qtype = kv + strlen("qom-type=");
        else if (g_str_has_prefix(kv, "id="))
            id = kv + strlen("id=");
        else if (i == 0 && !strchr(kv, '='))
            qtype = kv;
    }
    if (g_strcmp0(qtype, "iommufd") != 0 || !id || !*id)
        return NULL;
    return g_strdup(id);
}

/* -global "vfio-pci.PROP=VALUE" or "driver=vfio-pci,property=P,value=V".
 * Globals name a type and apply to its subtypes too, so only vfio-pci's
 * own are kept: those reach every VFIO PCI device of the domain. */
static DtProp *
global_vfio_prop(const char *value)
{
    const char *eq;
    g_autoptr(GPtrArray) parts = NULL;
    const char *drv = NULL, *prop = NULL, *val = NULL;

    if (g_str_has_prefix(value, "vfio-pci.")) {
        const char *p = value + strlen("vfio-pci.");
        eq = strchr(p, '=');
        if (!eq || eq == p)
            return NULL;
        {
            g_autofree char *name = g_strndup(p, eq - p);
            return dt_prop_new(name, "string", eq + 1);
        }
    }
    parts = split_keyval(value);
    for (guint i = 0; i < parts->len; i++) {
        const char *kv = g_ptr_array_index(parts, i);
        if (g_str_has_prefix(kv, "driver="))
            drv = kv + strlen("driver=");
        else if (g_str_has_prefix(kv, "property="))
            prop = kv + strlen("property=");
        else if (g_str_has_prefix(kv, "value="))
            val = kv + strlen("value=");
    }
    if (g_strcmp0(drv, "vfio-pci") != 0 || !prop || !*prop || !val)
        return NULL;
    return dt_prop_new(prop, "string", val);
}

/* One option with its value, whether given as two args ("-object", "V"),
 * joined by a space or '=' in one arg, and with one or two dashes.
 * Returns the value (borrowed from args) and advances *i past it. */
static const char *
option_value(GPtrArray *args, guint *i, const char *opt)
{
    const char *a = g_ptr_array_index(args, *i);
    gsize ol = strlen(opt);

    if (a[0] != '-')
        return NULL;
    a++;
    if (a[0] == '-')
        a++;
    if (strncmp(a, opt, ol) != 0)
        return NULL;
    if (a[ol] == '\0') {
        if (*i + 1 >= args->len)
            return NULL;
        (*i)++;
        return g_ptr_array_index(args, *i);
    }
    if (a[ol] == ' ' || a[ol] == '=') {
        const char *v = a + ol + 1;
        while (*v == ' ')
            v++;
        return v;
    }
    return NULL;
}

static void
parse_qemu_commandline(xmlNode *cmdline, DtDomain *d)
{
    g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);

    for (xmlNode *c = cmdline->children; c; c = c->next) {
        if (dt_xml_node_is(c, "arg", DT_QEMU_NS)) {
            char *v = dt_xml_prop(c, "value");
            if (v)
                g_ptr_array_add(args, v);
        }
    }
    for (guint i = 0; i < args->len; i++) {
        const char *v;

        if ((v = option_value(args, &i, "object"))) {
            char *id = object_iommufd_id(v);
            /* QEMU can hold several iommufd objects; the model keeps the
             * first, which is the one a single override would name. */
            if (id && !d->cmdline_iommufd_id)
                d->cmdline_iommufd_id = id;
            else
                g_free(id);
        } else if ((v = option_value(args, &i, "global"))) {
            DtProp *p = global_vfio_prop(v);
            if (p)
                g_ptr_array_add(d->cmdline_globals, p);
        }
    }
}

static DtHostdev *
find_hostdev_by_alias(DtDomain *d, const char *alias)
{
    for (guint i = 0; i < d->hostdevs->len; i++) {
        DtHostdev *h = g_ptr_array_index(d->hostdevs, i);
        if (h->alias && strcmp(h->alias, alias) == 0)
            return h;
    }
    return NULL;
}

static gboolean
parse_qemu_override(xmlNode *override, DtDomain *d, GError **error)
{
    static const char *const types[] = { "string", "unsigned", "signed", "bool", "remove" };

    for (xmlNode *dev = override->children; dev; dev = dev->next) {
        g_autofree char *alias = NULL;
        DtHostdev *h;
        xmlNode *fe;

        if (!dt_xml_node_is(dev, "device", DT_QEMU_NS))
            continue;
        alias = dt_xml_prop(dev, "alias");
        /* overrides may target any device; only hostdevs matter here */
        h = alias ? find_hostdev_by_alias(d, alias) : NULL;
        fe = dt_xml_child(dev, "frontend", DT_QEMU_NS);
        for (xmlNode *p = fe ? fe->children : NULL; p; p = p->next) {
            g_autofree char *name = NULL;
            g_autofree char *type = NULL;
            g_autofree char *value = NULL;
            gboolean known = FALSE;

            if (!dt_xml_node_is(p, "property", DT_QEMU_NS))
                continue;
            name = dt_xml_prop(p, "name");
            type = dt_xml_prop(p, "type");
            value = dt_xml_prop(p, "value");
            if (!name || !*name) {
                g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                            _("qemu:override device '%s': property without a name"),
                            alias ? alias : "");
                return FALSE;
            }
            for (guint i = 0; i < G_N_ELEMENTS(types); i++)
                known = known || g_strcmp0(type, types[i]) == 0;
            if (!known) {
                g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                            _("qemu:override device '%s': property '%s' has invalid type='%s'"),
                            alias ? alias : "", name, type ? type : "");
                return FALSE;
            }
            if (strcmp(type, "remove") != 0 && !value) {
                g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                            _("qemu:override device '%s': property '%s' has no value"),
                            alias ? alias : "", name);
                return FALSE;
            }
            if (h)
                g_ptr_array_add(h->overrides,
                                dt_prop_new(name, type,
                                            strcmp(type, "remove") == 0 ? NULL : value));
        }
    }
    return TRUE;
}

static gboolean
parse_metadata(xmlNode *metadata, DtDomain *d, GError **error)
{
    gboolean mine = FALSE, outgoing = FALSE;

    /* libvirt keeps one element per namespace; the first of each is ours */
    for (xmlNode *c = metadata ? metadata->children : NULL; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || !c->ns || !c->ns->href)
            continue;
        if (!mine && strcmp((const char *)c->ns->href, DT_METADATA_NS) == 0) {
            mine = TRUE;
            if (!dt_metadata_parse_node(c, d->metadata, error))
                return FALSE;
        } else if (!outgoing && strcmp((const char *)c->ns->href, DT_OUTGOING_NS) == 0) {
            outgoing = TRUE;
            if (!dt_outgoing_parse_node(c, d->outgoing, error))
                return FALSE;
        }
    }
    return TRUE;
}

/* ---- the domain ------------------------------------------------------------------- */

/* The size an element gives in ATTR and "unit" (a NUMA cell's memory, a
 * huge page's size), in KiB; the two values are returned for the
 * caller's error message. */
static gboolean
size_prop_kib(xmlNode *n, const char *attr, char **value, char **unit, guint64 *kib)
{
    guint64 v;

    *value = dt_xml_prop(n, attr);
    *unit = dt_xml_prop(n, "unit");
    return dt_parse_u64(*value, 10, &v) && dt_memory_to_kib(v, *unit, kib);
}

static gboolean
parse_memory(xmlNode *root, DtDomain *d, GError **error)
{
    xmlNode *n;

    if ((n = dt_xml_child(root, "memory", NULL)) &&
        !parse_memory_element(n, "memory", &d->memory_kib, error))
        return FALSE;
    if ((n = dt_xml_child(root, "currentMemory", NULL)) &&
        !parse_memory_element(n, "currentMemory", &d->current_memory_kib, error))
        return FALSE;
    if ((n = dt_xml_child(root, "maxMemory", NULL)) &&
        !parse_memory_element(n, "maxMemory", &d->max_memory_kib, error))
        return FALSE;

    /* With NUMA cells libvirt takes the guest's RAM from the cells and
     * <memory> may be left out; fill it in so RAM is never silently 0. */
    if (!d->memory_kib) {
        xmlNode *numa = dt_xml_child(dt_xml_child(root, "cpu", NULL), "numa", NULL);
        for (xmlNode *c = numa ? numa->children : NULL; c; c = c->next) {
            g_autofree char *mem = NULL;
            g_autofree char *unit = NULL;
            guint64 kib;

            if (!dt_xml_node_is(c, "cell", NULL))
                continue;
            if (!size_prop_kib(c, "memory", &mem, &unit, &kib) ||
                kib > G_MAXUINT64 - d->memory_kib) {
                g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                            _("invalid NUMA cell memory='%s' unit='%s'"),
                            mem ? mem : "", unit ? unit : "");
                return FALSE;
            }
            d->memory_kib += kib;
        }
    }
    if (!d->current_memory_kib)
        d->current_memory_kib = d->memory_kib;

    n = dt_xml_child(dt_xml_child(root, "memoryBacking", NULL), "hugepages", NULL);
    if (n) {
        d->hugepages = TRUE;
        for (xmlNode *c = n->children; c; c = c->next) {
            g_autofree char *size = NULL;
            g_autofree char *unit = NULL;
            guint64 kib;

            if (!dt_xml_node_is(c, "page", NULL))
                continue;
            if (!size_prop_kib(c, "size", &size, &unit, &kib)) {
                g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                            _("invalid hugepages page size='%s' unit='%s'"),
                            size ? size : "", unit ? unit : "");
                return FALSE;
            }
            d->hugepage_kib = MAX(d->hugepage_kib, kib);
        }
    }
    return TRUE;
}

DtDomain *
dt_domain_from_doc(xmlDoc *doc, GError **error)
{
    g_autoptr(DtDomain) d = dt_domain_new();
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    xmlNode *n;

    if (root && root->ns && root->ns->href && strcmp((const char *)root->name, "domain") == 0) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("domain XML: root element <domain> must not be in a namespace (found %s)"),
                    (const char *)root->ns->href);
        return NULL;
    }
    if (!root || !dt_xml_node_is(root, "domain", NULL)) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("domain XML: expected root element <domain>, found <%s>"),
                    root ? (const char *)root->name : "");
        return NULL;
    }

    d->type = dt_xml_prop(root, "type");
    n = dt_xml_child(root, "name", NULL);
    if (!n || !(d->name = dt_xml_text(n)) || !*d->name) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("domain XML has no <name>"));
        return NULL;
    }
    if ((n = dt_xml_child(root, "uuid", NULL))) {
        g_autofree char *text = dt_xml_text(n);
        d->uuid = dt_uuid_normalize(text);
        if (!d->uuid) {
            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                        _("invalid domain <uuid> '%s'"), text);
            return NULL;
        }
    }
    if (!parse_memory(root, d, error))
        return NULL;

    d->vcpus = 1;   /* libvirt's default when <vcpu> is absent */
    if ((n = dt_xml_child(root, "vcpu", NULL))) {
        g_autofree char *text = dt_xml_text(n);
        guint64 v;
        if (!dt_parse_u64(text, 10, &v) || v == 0 || v > G_MAXUINT) {
            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                        _("invalid <vcpu> value '%s'"), text);
            return NULL;
        }
        d->vcpus = (guint)v;
    }

    n = dt_xml_child(dt_xml_child(root, "os", NULL), "type", NULL);
    d->arch = dt_xml_prop(n, "arch");
    d->machine = dt_xml_prop(n, "machine");

    n = dt_xml_child(root, "iommufd", NULL);
    if (n) {
        g_autofree char *enabled = dt_xml_prop(n, "enabled");
        if (enabled && !parse_yes_no(enabled, &d->iommufd_enabled)) {
            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                        _("invalid <iommufd enabled='%s'> (expected yes or no)"), enabled);
            return NULL;
        }
    }

    if (!parse_devices(dt_xml_child(root, "devices", NULL), d, error))
        return NULL;

    /* The qemu namespace: commandline first (it defines iommufd ids),
     * then overrides, which attach to hostdevs by alias. */
    d->has_qemu_ns = xmlSearchNsByHref(doc, root, (const xmlChar *)DT_QEMU_NS) != NULL;
    for (n = root->children; n; n = n->next) {
        if (dt_xml_node_is(n, "commandline", DT_QEMU_NS)) {
            d->has_qemu_ns = TRUE;
            parse_qemu_commandline(n, d);
        }
    }
    for (n = root->children; n; n = n->next) {
        if (dt_xml_node_is(n, "override", DT_QEMU_NS)) {
            d->has_qemu_ns = TRUE;
            if (!parse_qemu_override(n, d, error))
                return NULL;
        }
    }

    if (!parse_metadata(dt_xml_child(root, "metadata", NULL), d, error))
        return NULL;

    return g_steal_pointer(&d);
}

DtDomain *
dt_domain_parse(const char *buf, gsize len, GError **error)
{
    g_autoptr(xmlDoc) doc = dt_xml_parse(buf, len, _("domain XML"), "domain", error);

    if (!doc)
        return NULL;
    return dt_domain_from_doc(doc, error);
}

static int
errno_to_dt_error(int err)
{
    switch (err) {
    case ENOENT:
    case ENOTDIR:
        return DT_ERROR_NOT_FOUND;
    case EACCES:
    case EPERM:
        return DT_ERROR_PERMISSION;
    default:
        return DT_ERROR_IO;
    }
}

/* Reads at most DT_XML_MAX_BYTES + 1 bytes: a stream longer than the limit
 * (a huge file, /dev/zero, an endless pipe) is refused after that many
 * bytes instead of being held in memory.  Every face that takes a domain
 * file or standard input reads it here, so the limit users meet is the one
 * the tests exercise. */
char *
dt_domain_read_file(const char *path, gsize *len_out, GError **error)
{
    const gboolean is_stdin = g_strcmp0(path, "-") == 0;
    const char *name = is_stdin ? _("standard input") : path;
    const gsize cap = (gsize)DT_XML_MAX_BYTES + 1;
    g_autofree char *buf = NULL;
    gsize len = 0, alloc = 0;
    int fd;

    if (!path || !*path) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT, _("no domain XML file given"));
        return NULL;
    }
    if (is_stdin) {
        fd = STDIN_FILENO;
    } else {
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
            int e = errno;
            g_set_error(error, DT_ERROR, errno_to_dt_error(e),
                        _("cannot open %s: %s"), path, g_strerror(e));
            return NULL;
        }
    }

    while (len < cap) {
        gssize r;

        if (len == alloc) {
            alloc = MIN(cap, MAX(alloc * 2, (gsize)65536));
            buf = g_realloc(buf, alloc + 1);
        }
        r = read(fd, buf + len, alloc - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            if (!is_stdin)
                close(fd);
            g_set_error(error, DT_ERROR, errno_to_dt_error(e),
                        _("cannot read %s: %s"), name, g_strerror(e));
            return NULL;
        }
        if (r == 0)
            break;
        len += (gsize)r;
    }
    if (!is_stdin)
        close(fd);
    if (len > DT_XML_MAX_BYTES) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("%s: the domain XML is larger than the limit of %u MiB"), name,
                    DT_XML_MAX_BYTES >> 20);
        return NULL;
    }
    /* NUL-terminated for callers that treat it as a string; len excludes it */
    if (!buf)
        buf = g_malloc(1);
    buf[len] = '\0';
    *len_out = len;
    return g_steal_pointer(&buf);
}

DtDomain *
dt_domain_parse_file(const char *path, GError **error)
{
    g_autofree char *buf = NULL;
    gsize len = 0;
    DtDomain *d;

    buf = dt_domain_read_file(path, &len, error);
    if (!buf)
        return NULL;
    d = dt_domain_parse(buf, len, error);
    if (!d)
        g_prefix_error(error, "%s: ", g_strcmp0(path, "-") == 0 ? _("standard input") : path);
    return d;
}

/* ---- queries ---------------------------------------------------------------------- */

guint
dt_domain_n_vfio(const DtDomain *d)
{
    return d && d->hostdevs ? d->hostdevs->len : 0;
}

/* The rules, in the order QEMU and libvirt apply them:
 *  1. <driver iommufd='yes|no'/> on the hostdev decides (libvirt 12.1);
 *  2. else <iommufd enabled='yes'/> on the domain turns it on (12.2);
 *  3. else a <qemu:override> iommufd property on the device: the backend is
 *     iommufd when it names the -object iommufd of <qemu:commandline>
 *     (a device property beats a -global, so it decides either way);
 *  4. else -global vfio-pci.iommufd=ID naming that object reaches every
 *     vfio-pci device (not vfio-ccw/vfio-ap mdevs).
 * Otherwise the legacy type1 container is used. */
gboolean
dt_domain_hostdev_uses_iommufd(const DtDomain *d, const DtHostdev *h)
{
    if (!d || !h)
        return FALSE;
    if (h->driver_iommufd == DT_TRI_YES)
        return TRUE;
    if (h->driver_iommufd == DT_TRI_NO)
        return FALSE;
    if (d->iommufd_enabled)
        return TRUE;
    for (guint i = 0; h->overrides && i < h->overrides->len; i++) {
        const DtProp *p = g_ptr_array_index(h->overrides, i);
        if (g_strcmp0(p->name, "iommufd") != 0)
            continue;
        return p->value && d->cmdline_iommufd_id &&
               g_strcmp0(p->type, "remove") != 0 &&
               strcmp(p->value, d->cmdline_iommufd_id) == 0;
    }
    if (h->type == DT_HOSTDEV_MDEV && h->mdev_model && strcmp(h->mdev_model, "vfio-pci") != 0)
        return FALSE;
    for (guint i = 0; d->cmdline_globals && i < d->cmdline_globals->len; i++) {
        const DtProp *p = g_ptr_array_index(d->cmdline_globals, i);
        if (g_strcmp0(p->name, "iommufd") == 0 && d->cmdline_iommufd_id &&
            g_strcmp0(p->value, d->cmdline_iommufd_id) == 0)
            return TRUE;
    }
    return FALSE;
}
