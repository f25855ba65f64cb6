/* dt-model.c: constructors, destructors and the stable names of the plain
 * model structs (dt-model.h).  Names returned by *_to_string() appear in
 * JSON and XML reports and must never be translated or renamed.
 */
#include "config.h"

#include <string.h>

#include "model/dt-model.h"
#include "model/dt-util.h"

/* The order of each table is the enum's (dt-model.h). */
DT_ENUM_IMPL(dt_source, DtSource, DT_SOURCE_NONE, DT_SOURCE_LAST,
             "none", "ioctl", "debugfs", "sysfs", "database", "predicted", "config", "xml",
             "binary", "kconfig", "modules", "devnode");

DT_ENUM_IMPL(dt_tri, DtTri, DT_TRI_UNKNOWN, DT_TRI_YES, "unknown", "no", "yes");

DT_ENUM_IMPL(dt_iommu_vendor, DtIommuVendor, DT_IOMMU_VENDOR_UNKNOWN, DT_IOMMU_VENDOR_SMMUV3,
             "unknown", "intel-vtd", "amd-vi", "arm-smmuv3");

DT_ENUM_IMPL(dt_mode, DtMode, DT_MODE_NONE, DT_MODE_UNKNOWN,
             "none", "device", "iommu", "perpetual", "unknown");

DT_ENUM_IMPL(dt_verdict, DtVerdict, DT_VERDICT_ALLOW, DT_VERDICT_DENY, "allow", "warn", "deny");

DT_ENUM_IMPL(dt_severity, DtSeverity, DT_SEVERITY_INFO, DT_SEVERITY_ERROR,
             "info", "warning", "error");

DT_ENUM_IMPL(dt_role, DtRole, DT_ROLE_SOURCE, DT_ROLE_DESTINATION, "source", "destination");

DT_ENUM_IMPL(dt_perpetual, DtPerpetualPolicy, DT_PERPETUAL_NEVER, DT_PERPETUAL_ALLOW,
             "never", "within-budget", "allow");

DT_ENUM_IMPL(dt_prefer, DtPreferMode, DT_PREFER_AUTO, DT_PREFER_IOMMU, "auto", "device", "iommu");

/* The names of the kernel's VFIO_MIGRATION_* bits as its debugfs prints
 * them in migration/features, one a line (Linux 6.18 drivers/vfio/debugfs.c,
 * Documentation/ABI/testing/debugfs-vfio), so the debugfs reader needs no
 * table of its own. */
DT_ENUM_IMPL(dt_mig_bit, DtMigBit, DT_MIG_BIT_STOP_COPY, DT_MIG_BIT_PRE_COPY,
             "stop-copy", "p2p", "pre-copy");

char *
dt_mig_flags_to_string(guint32 flags)
{
    GString *s = g_string_new(NULL);

    for (guint bit = 0; bit < G_N_ELEMENTS(dt_mig_bit_table); bit++) {
        if (flags & (1u << bit))
            g_string_append_printf(s, "%s%s", s->len ? "," : "", dt_mig_bit_table[bit]);
    }
    if (s->len == 0)
        g_string_append(s, "none");
    return g_string_free(s, FALSE);
}

gboolean
dt_mig_flags_from_string(const char *s, guint32 *out)
{
    g_auto(GStrv) names = NULL;
    guint32 flags = 0;

    if (!s)
        return FALSE;
    if (*s == '\0' || strcmp(s, "none") == 0) {
        *out = 0;
        return TRUE;
    }
    names = g_strsplit(s, ",", -1);
    for (guint i = 0; names[i]; i++) {
        DtMigBit bit;

        if (!dt_mig_bit_from_string(names[i], &bit) || (flags & (1u << bit)))
            return FALSE;
        flags |= 1u << bit;
    }
    *out = flags;
    return TRUE;
}

/* ---- props --------------------------------------------------------------- */

DtProp *
dt_prop_new(const char *name, const char *type, const char *value)
{
    DtProp *p = g_new0(DtProp, 1);
    p->name = g_strdup(name);
    p->type = g_strdup(type);
    p->value = g_strdup(value);
    return p;
}

void
dt_prop_free(DtProp *p)
{
    if (!p)
        return;
    g_free(p->name);
    g_free(p->type);
    g_free(p->value);
    g_free(p);
}

/* ---- domain -------------------------------------------------------------- */

DtHostdev *
dt_hostdev_new(DtHostdevType type)
{
    DtHostdev *h = g_new0(DtHostdev, 1);
    h->type = type;
    h->driver_iommufd = DT_TRI_UNKNOWN;
    h->overrides = g_ptr_array_new_with_free_func((GDestroyNotify)dt_prop_free);
    return h;
}

void
dt_hostdev_free(DtHostdev *h)
{
    if (!h)
        return;
    g_free(h->driver_name);
    g_free(h->driver_model);
    g_free(h->mdev_uuid);
    g_free(h->mdev_model);
    g_free(h->alias);
    g_ptr_array_unref(h->overrides);
    g_free(h);
}

void
dt_fingerprint_device_free(DtFingerprintDevice *f)
{
    if (!f)
        return;
    g_free(f->address);
    g_free(f->vendor_device);
    g_free(f->driver);
    g_free(f->mdev_type);
    g_free(f);
}

DtMetadata *
dt_metadata_new(void)
{
    DtMetadata *m = g_new0(DtMetadata, 1);
    m->fp_devices = g_ptr_array_new_with_free_func((GDestroyNotify)dt_fingerprint_device_free);
    return m;
}

void
dt_metadata_free(DtMetadata *m)
{
    if (!m)
        return;
    g_free(m->verdict);
    g_free(m->mode);
    g_free(m->host);
    g_free(m->time);
    g_free(m->fingerprint);
    g_ptr_array_unref(m->fp_devices);
    g_free(m);
}

DtOutgoing *
dt_outgoing_new(void)
{
    DtOutgoing *o = g_new0(DtOutgoing, 1);
    o->reasons = g_ptr_array_new_with_free_func((GDestroyNotify)dt_reason_free);
    return o;
}

void
dt_outgoing_free(DtOutgoing *o)
{
    if (!o)
        return;
    g_free(o->host);
    g_free(o->time);
    g_ptr_array_unref(o->reasons);
    g_free(o);
}

DtDomain *
dt_domain_new(void)
{
    DtDomain *d = g_new0(DtDomain, 1);
    d->hostdevs = g_ptr_array_new_with_free_func((GDestroyNotify)dt_hostdev_free);
    d->cmdline_globals = g_ptr_array_new_with_free_func((GDestroyNotify)dt_prop_free);
    d->metadata = dt_metadata_new();
    d->outgoing = dt_outgoing_new();
    d->viommu_caching_mode = DT_TRI_UNKNOWN;
    return d;
}

void
dt_domain_free(DtDomain *d)
{
    if (!d)
        return;
    g_free(d->type);
    g_free(d->name);
    g_free(d->uuid);
    g_free(d->arch);
    g_free(d->machine);
    g_free(d->emulator);
    g_free(d->viommu_model);
    g_free(d->cmdline_iommufd_id);
    g_ptr_array_unref(d->hostdevs);
    g_ptr_array_unref(d->cmdline_globals);
    dt_metadata_free(d->metadata);
    dt_outgoing_free(d->outgoing);
    g_free(d);
}

/* ---- host ---------------------------------------------------------------- */

DtIommu *
dt_iommu_new(void)
{
    DtIommu *i = g_new0(DtIommu, 1);
    i->dirty_tracking = DT_FACT_UNKNOWN;
    return i;
}

void
dt_iommu_free(DtIommu *i)
{
    if (!i)
        return;
    g_free(i->name);
    g_free(i->dirty_note);
    g_free(i);
}

DtPciDev *
dt_pcidev_new(void)
{
    DtPciDev *d = g_new0(DtPciDev, 1);
    d->iommu_group = -1;
    d->migration = DT_FACT_UNKNOWN;
    d->dma_logging = DT_FACT_UNKNOWN;
    d->iommu_dirty = DT_FACT_UNKNOWN;
    d->preflight = DT_FACT_UNKNOWN;
    d->dma_logging_report = DT_FACT_UNKNOWN;
    return d;
}

void
dt_pcidev_free(DtPciDev *d)
{
    if (!d)
        return;
    g_free(d->driver);
    g_free(d->iommu_unit);
    g_free(d->vfio_cdev);
    g_free(d->modalias);
    g_free(d->alias_driver);
    g_free(d->preflight_error);
    g_free(d);
}

DtHost *
dt_host_new(void)
{
    DtHost *h = g_new0(DtHost, 1);
    h->page_size = 4096;
    h->iommus = g_ptr_array_new_with_free_func((GDestroyNotify)dt_iommu_free);
    h->devices = g_ptr_array_new_with_free_func((GDestroyNotify)dt_pcidev_free);
    h->mdevs = g_ptr_array_new_with_free_func((GDestroyNotify)dt_mdevdev_free);
    h->iommufd_driver = DT_TRI_UNKNOWN;
    return h;
}

void
dt_host_free(DtHost *h)
{
    if (!h)
        return;
    g_free(h->sysroot);
    g_free(h->kernel_release);
    g_free(h->arch);
    g_free(h->cmdline);
    g_free(h->platform.kconfig_path);
    g_ptr_array_unref(h->iommus);
    g_ptr_array_unref(h->devices);
    g_ptr_array_unref(h->mdevs);
    g_free(h);
}

DtMdevDev *
dt_mdevdev_new(void)
{
    DtMdevDev *m = g_new0(DtMdevDev, 1);
    m->migration = DT_FACT_UNKNOWN;
    m->dma_logging = DT_FACT_UNKNOWN;
    m->dma_logging_report = DT_FACT_UNKNOWN;
    return m;
}

void
dt_mdevdev_free(DtMdevDev *m)
{
    if (!m)
        return;
    g_free(m->uuid);
    g_free(m->type);
    g_free(m->parent);
    g_free(m->vendor_driver);
    g_free(m->vfio_cdev);
    g_free(m);
}

DtMdevDev *
dt_mdevdev_copy(const DtMdevDev *m)
{
    DtMdevDev *c = g_memdup2(m, sizeof(*m));

    c->uuid = g_strdup(m->uuid);
    c->type = g_strdup(m->type);
    c->parent = g_strdup(m->parent);
    c->vendor_driver = g_strdup(m->vendor_driver);
    c->vfio_cdev = g_strdup(m->vfio_cdev);
    return c;
}

const DtMdevDev *
dt_host_find_mdev(const DtHost *h, const char *uuid)
{
    for (guint i = 0; uuid && h->mdevs && i < h->mdevs->len; i++) {
        const DtMdevDev *m = g_ptr_array_index(h->mdevs, i);
        if (m->uuid && g_ascii_strcasecmp(m->uuid, uuid) == 0)
            return m;
    }
    return NULL;
}

DtIommu *
dt_iommu_copy(const DtIommu *i)
{
    DtIommu *c = g_memdup2(i, sizeof(*i));

    c->name = g_strdup(i->name);
    c->dirty_note = g_strdup(i->dirty_note);
    return c;
}

DtPciDev *
dt_pcidev_copy(const DtPciDev *d)
{
    DtPciDev *c = g_memdup2(d, sizeof(*d));

    c->driver = g_strdup(d->driver);
    c->iommu_unit = g_strdup(d->iommu_unit);
    c->vfio_cdev = g_strdup(d->vfio_cdev);
    c->modalias = g_strdup(d->modalias);
    c->alias_driver = g_strdup(d->alias_driver);
    c->preflight_error = g_strdup(d->preflight_error);
    return c;
}

DtHost *
dt_host_copy_base(const DtHost *h)
{
    DtHost *c = g_memdup2(h, sizeof(*h));

    c->sysroot = g_strdup(h->sysroot);
    c->kernel_release = g_strdup(h->kernel_release);
    c->arch = g_strdup(h->arch);
    c->cmdline = g_strdup(h->cmdline);
    c->platform.kconfig_path = g_strdup(h->platform.kconfig_path);
    c->iommus = g_ptr_array_new_full(h->iommus->len, (GDestroyNotify)dt_iommu_free);
    for (guint i = 0; i < h->iommus->len; i++)
        g_ptr_array_add(c->iommus, dt_iommu_copy(g_ptr_array_index(h->iommus, i)));
    c->devices = g_ptr_array_new_with_free_func((GDestroyNotify)dt_pcidev_free);
    c->mdevs = g_ptr_array_new_full(h->mdevs ? h->mdevs->len : 0, (GDestroyNotify)dt_mdevdev_free);
    for (guint i = 0; h->mdevs && i < h->mdevs->len; i++)
        g_ptr_array_add(c->mdevs, dt_mdevdev_copy(g_ptr_array_index(h->mdevs, i)));
    return c;
}

const DtPciDev *
dt_host_find_device(const DtHost *h, const DtPciAddr *addr)
{
    for (guint i = 0; i < h->devices->len; i++) {
        const DtPciDev *d = g_ptr_array_index(h->devices, i);
        if (dt_pci_addr_equal(&d->addr, addr))
            return d;
    }
    return NULL;
}

const DtIommu *
dt_host_find_iommu(const DtHost *h, const char *name)
{
    if (!name)
        return NULL;
    for (guint i = 0; i < h->iommus->len; i++) {
        const DtIommu *u = g_ptr_array_index(h->iommus, i);
        if (g_strcmp0(u->name, name) == 0)
            return u;
    }
    return NULL;
}

/* ---- qemu, policy -------------------------------------------------------- */

DtQemuCaps *
dt_qemu_caps_new(void)
{
    return g_new0(DtQemuCaps, 1);
}

void
dt_qemu_caps_free(DtQemuCaps *q)
{
    if (!q)
        return;
    g_free(q->binary);
    g_free(q->untrusted);
    g_free(q);
}

void
dt_policy_init_defaults(DtPolicy *p)
{
    memset(p, 0, sizeof(*p));
    p->require_migratable = FALSE;
    p->perpetual = DT_PERPETUAL_BUDGET;
    p->prefer = DT_PREFER_AUTO;
    p->max_downtime_ms = 0;          /* no budget unless configured */
    p->bandwidth_mib_s = 1024;       /* ~10 Gbit/s link */
    p->dirty_rate_mib_s = 64;
}

/* ---- decision ------------------------------------------------------------ */

void
dt_reason_free(DtReason *r)
{
    if (!r)
        return;
    g_free(r->code);
    g_free(r->device);
    g_free(r->message);
    g_free(r->rule);
    g_free(r->qemu_message);
    g_free(r->qemu_phase);
    g_free(r->libvirt_message);
    g_free(r->container);
    g_free(r);
}

void
dt_device_finding_free(DtDeviceFinding *f)
{
    if (!f)
        return;
    g_free(f->address);
    g_free(f->mdev_type);
    g_free(f->driver);
    g_free(f->vfio_driver);
    g_free(f->qemu_name);
    g_free(f->container);
    g_free(f);
}

void
dt_vf_policy_free(DtVfPolicy *v)
{
    if (!v)
        return;
    g_free(v->address);
    g_free(v->alias);
    g_free(v->driver);
    g_ptr_array_unref(v->props);
    g_free(v);
}

void
dt_step_free(DtStep *s)
{
    if (!s)
        return;
    g_free(s->fact);
    g_free(s->rule);
    g_free(s->consequence);
    g_free(s);
}

void
dt_container_free(DtContainer *c)
{
    if (!c)
        return;
    g_free(c->id);
    g_free(c->backend);
    g_free(c->iommufd_object);
    g_ptr_array_unref(c->devices);
    g_free(c);
}

DtDecision *
dt_decision_new(void)
{
    DtDecision *d = g_new0(DtDecision, 1);
    d->reasons = g_ptr_array_new_with_free_func((GDestroyNotify)dt_reason_free);
    d->devices = g_ptr_array_new_with_free_func((GDestroyNotify)dt_device_finding_free);
    d->vf_policy = g_ptr_array_new_with_free_func((GDestroyNotify)dt_vf_policy_free);
    d->steps = g_ptr_array_new_with_free_func((GDestroyNotify)dt_step_free);
    d->containers = g_ptr_array_new_with_free_func((GDestroyNotify)dt_container_free);
    return d;
}

void
dt_decision_free(DtDecision *d)
{
    if (!d)
        return;
    g_ptr_array_unref(d->reasons);
    g_ptr_array_unref(d->devices);
    g_ptr_array_unref(d->vf_policy);
    g_ptr_array_unref(d->steps);
    g_ptr_array_unref(d->containers);
    g_free(d->qemu_band);
    g_free(d->fingerprint);
    g_free(d);
}

/* The CONFIG_ symbol and the module (as modprobe and /sys/module name it)
 * of each feature the host report asks about.  A feature that is never a
 * module (a bool option, or code inside another module) has no name. */
static const struct {
    const char *config;
    const char *module;
} kfeat_names[DT_KFEAT_N] = {
    [DT_KFEAT_VFIO] = { "CONFIG_VFIO", "vfio" },
    [DT_KFEAT_VFIO_PCI] = { "CONFIG_VFIO_PCI", "vfio_pci" },
    [DT_KFEAT_VFIO_DEVICE_CDEV] = { "CONFIG_VFIO_DEVICE_CDEV", NULL },
    [DT_KFEAT_IOMMUFD] = { "CONFIG_IOMMUFD", "iommufd" },
    [DT_KFEAT_INTEL_IOMMU] = { "CONFIG_INTEL_IOMMU", NULL },
    [DT_KFEAT_INTEL_IOMMU_DEFAULT_ON] = { "CONFIG_INTEL_IOMMU_DEFAULT_ON", NULL },
    [DT_KFEAT_AMD_IOMMU] = { "CONFIG_AMD_IOMMU", NULL },
    [DT_KFEAT_ARM_SMMU_V3] = { "CONFIG_ARM_SMMU_V3", "arm_smmu_v3" },
};

const char *
dt_kfeat_config_name(DtKfeat f)
{
    return f < DT_KFEAT_N ? kfeat_names[f].config : NULL;
}

const char *
dt_kfeat_module_name(DtKfeat f)
{
    return f < DT_KFEAT_N ? kfeat_names[f].module : NULL;
}

gboolean
dt_driver_is_vfio(const char *driver)
{
    if (!driver)
        return FALSE;
    return strcmp(driver, "vfio-pci") == 0 || strcmp(driver, "vfio_pci") == 0 ||
           g_str_has_suffix(driver, "_vfio_pci") || g_str_has_suffix(driver, "-vfio-pci");
}

gboolean
dt_pcidev_is_vfio_candidate(const DtPciDev *d)
{
    return d && (dt_driver_is_vfio(d->driver) || d->is_vf || d->alias_driver != NULL);
}

gboolean
dt_fact_is_probed(const DtFact *f)
{
    return f->source == DT_SOURCE_IOCTL || f->source == DT_SOURCE_DEBUGFS;
}
