/* dt-export.c: host capabilities for fleet engines (see dt-export.h).
 *
 * Nothing here decides.  Each device is a question to the one engine,
 * dt_decide(), with a one-device domain built in code: the VM an
 * orchestrator defines for that device alone (q35 or virt, no vIOMMU, no
 * iommufd backend, default properties; managed='no' for a variant driver,
 * as the Nova line below says).  The engine's verdict, mode and reasons are
 * what `dirtytrack check` gives for that same domain, and this file only
 * maps them: live-migratable means the engine does not deny and tracks
 * with the device or the IOMMU.  Perpetual mode (every DMA-mapped page
 * dirty every round) is migration in name only, so it is not advertised.
 *
 * Each format is written to its consumer's grammar, not to ours: Nova reads
 * oslo.config MultiStr values holding JSON objects, NFD reads `name=value`
 * lines whose names and values are Kubernetes label names and values, and
 * node_exporter parses the Prometheus text exposition format.
 */
#include "config.h"

#include <inttypes.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libvirt/libvirt.h>

#include "decide/dt-decide.h"
#include "eval/dt-eval.h"
#include "render/dt-export.h"
#include "probe/dt-host.h"
#include "probe/dt-paths.h"
#include "model/dt-versions.h"
#include "probe/dt-qemu.h"
#include "model/dt-util.h"

#define NFD_PREFIX "dirtytrack.io/"
/* Kubernetes label name part and value: at most 63 characters. */
#define K8S_LABEL_MAX 63
/* The memory of the VM each device is asked about.  It sizes the DMA
 * logging ranges and the cost of perpetual mode; 8 GiB is a common flavour
 * and is what the scenario matrix assumes. */
#define DT_EXPORT_VM_MEMORY_KIB (G_GUINT64_CONSTANT(8) << 20)

gboolean
dt_export_format_from_string(const char *s, DtExportFormat *out)
{
    if (!s)
        return FALSE;
    if (strcmp(s, "nova") == 0)
        *out = DT_EXPORT_NOVA;
    else if (strcmp(s, "nfd") == 0)
        *out = DT_EXPORT_NFD;
    else if (strcmp(s, "prometheus") == 0)
        *out = DT_EXPORT_PROMETHEUS;
    else
        return FALSE;
    return TRUE;
}

void
dt_export_device_free(DtExportDevice *d)
{
    if (!d)
        return;
    g_free(d->address);
    g_free(d->driver);
    g_free(d->iommu_unit);
    dt_decision_free(d->decision);
    g_free(d->reasons);
    g_free(d);
}

void
dt_export_free(DtExport *e)
{
    if (!e)
        return;
    dt_host_free(e->host);
    dt_qemu_caps_free(e->qemu);
    if (e->devices)
        g_ptr_array_unref(e->devices);
    g_free(e);
}

/* ---- the question: one device, asked of the engine ------------------------- */

gboolean
dt_export_device_managed(const DtPciDev *dev)
{
    /* a variant driver must stay bound: libvirt's managed detach would
     * rebind plain vfio-pci (Nova admin guide, "managed": "no") */
    return g_strcmp0(dev->driver, "vfio-pci") == 0;
}

DtDomain *
dt_export_device_domain(const DtHost *host, const DtPciDev *dev)
{
    g_autoptr(DtDomain) dom = dt_domain_new();
    DtHostdev *h = dt_hostdev_new(DT_HOSTDEV_PCI);
    gboolean arm = g_strcmp0(host->arch, "aarch64") == 0;

    dom->type = g_strdup("kvm");
    dom->name = g_strdup("dirtytrack-export");
    dom->memory_kib = DT_EXPORT_VM_MEMORY_KIB;
    dom->current_memory_kib = dom->memory_kib;
    dom->vcpus = 1;
    dom->arch = g_strdup(host->arch ? host->arch : "x86_64");
    dom->machine = g_strdup(arm ? "virt" : "q35");
    h->addr = dev->addr;
    h->has_addr = TRUE;
    h->managed = dt_export_device_managed(dev);
    h->driver_name = g_strdup("vfio");
    g_ptr_array_add(dom->hostdevs, h);
    return g_steal_pointer(&dom);
}

/* The code to show when the device is not live-migratable: the first
 * refusal, else the first warning (perpetual mode says why there). */
static const char *
blocking_reason(const DtDecision *dec)
{
    for (DtSeverity sev = DT_SEVERITY_ERROR; sev >= DT_SEVERITY_WARNING; sev--)
        for (guint i = 0; i < dec->reasons->len; i++) {
            const DtReason *r = g_ptr_array_index(dec->reasons, i);
            if (r->severity == sev)
                return r->code;
        }
    return NULL;
}

static DtExportDevice *
assess_one(const DtHost *host, const DtVdb *vdb, const DtQemuCaps *qemu,
           const DtVersion *libvirt, const DtPolicy *policy, const DtPciDev *d)
{
    g_autoptr(DtDomain) dom = dt_export_device_domain(host, d);
    DtExportDevice *x = g_new0(DtExportDevice, 1);
    DtDecideInput in = { 0 };
    g_autoptr(GPtrArray) codes = g_ptr_array_new();

    x->address = dt_pci_addr_to_string(&d->addr);
    x->vendor = d->vendor;
    x->device = d->device;
    x->driver = g_strdup(d->driver);
    x->iommu_unit = g_strdup(d->iommu_unit);
    x->managed = dt_export_device_managed(d);

    in.role = DT_ROLE_SOURCE;
    in.domain = dom;
    in.host = host;
    in.qemu = qemu;
    if (libvirt)
        in.libvirt = *libvirt;
    in.vdb = vdb;
    in.policy = *policy;
    x->decision = dt_decide(&in);
    x->finding = x->decision->devices->len ? g_ptr_array_index(x->decision->devices, 0) : NULL;

    x->live_migratable = x->decision->verdict != DT_VERDICT_DENY &&
                         (x->decision->mode == DT_MODE_DEVICE || x->decision->mode == DT_MODE_IOMMU);
    x->reason = x->live_migratable ? NULL : blocking_reason(x->decision);
    /* the codes that count (errors and warnings), in the engine's order */
    for (guint i = 0; i < x->decision->reasons->len; i++) {
        const DtReason *r = g_ptr_array_index(x->decision->reasons, i);
        if (r->severity != DT_SEVERITY_INFO)
            g_ptr_array_add(codes, r->code);
    }
    g_ptr_array_add(codes, NULL);
    x->reasons = g_strjoinv(",", (char **)codes->pdata);
    return x;
}

static gint
cmp_device(gconstpointer a, gconstpointer b)
{
    const DtExportDevice *x = *(DtExportDevice *const *)a;
    const DtExportDevice *y = *(DtExportDevice *const *)b;
    return strcmp(x->address, y->address);
}

GPtrArray *
dt_export_assess(const DtHost *host, const DtVdb *vdb, const DtQemuCaps *qemu,
                 const DtVersion *libvirt, const DtPolicy *policy)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)dt_export_device_free);
    DtPolicy defaults;

    if (!policy) {
        dt_policy_init_defaults(&defaults);
        policy = &defaults;
    }
    for (guint i = 0; i < host->devices->len; i++) {
        const DtPciDev *d = g_ptr_array_index(host->devices, i);
        /* Only functions a VM can be given today: bound to a VFIO driver. */
        if (d->driver && dt_driver_is_vfio(d->driver))
            g_ptr_array_add(out, assess_one(host, vdb, qemu, libvirt, policy, d));
    }
    g_ptr_array_sort(out, cmp_device);
    return out;
}

/* ---- gathering (the I/O) ------------------------------------------------------ */

DtExport *
dt_export_gather(const DtExportOptions *opts, GError **error)
{
    g_autoptr(DtExport) e = g_new0(DtExport, 1);
    g_autoptr(DtPaths) paths = dt_paths_new(opts->sysroot);
    g_autoptr(DtVdb) own_vdb = NULL;
    g_autoptr(DtConfig) own_cfg = NULL;
    g_autofree char *binary = NULL;
    const DtConfig *cfg = opts->config;
    const DtVdb *vdb = opts->vdb;

    if (!cfg)
        cfg = own_cfg = dt_config_new_defaults();
    e->host = dt_host_probe(paths, error);
    if (!e->host || !dt_host_probe_all_devices(e->host, paths, error)) {
        g_prefix_error(error, _("cannot probe the host: "));
        return NULL;
    }
    /* the facts `check` reads for the same device (debugfs, never an ioctl) */
    dt_eval_kernel_facts(e->host, paths, FALSE);

    binary = opts->qemu_binary ? g_strdup(opts->qemu_binary)
           : cfg->qemu_binary ? g_strdup(cfg->qemu_binary)
           : dt_qemu_default_binary(e->host->arch ? e->host->arch : "x86_64");
    /* No QEMU: the version stays unknown and the engine says what it assumed. */
    e->qemu = dt_eval_qemu_caps(opts->qemu_version, binary,
                                opts->cache_dir ? opts->cache_dir : cfg->cache_dir,
                                cfg->qemu_probe_timeout_ms, error);
    if (!e->qemu || !dt_eval_libvirt_version(opts->libvirt_version, &e->libvirt, error))
        return NULL;

    vdb = dt_eval_vdb(vdb, &own_vdb, error);
    if (!vdb)
        return NULL;
    e->devices = dt_export_assess(e->host, vdb, e->qemu, &e->libvirt, &cfg->policy);
    e->now = g_get_real_time() / G_USEC_PER_SEC;
    e->expiry_s = opts->expiry_s;
    return g_steal_pointer(&e);
}

/* ---- shared helpers ----------------------------------------------------------- */

static char *
iso8601(gint64 t)
{
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);
    return dt ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : g_strdup("1970-01-01T00:00:00Z");
}

static char *
version_or_unknown(const DtVersion *v)
{
    return v && v->known ? dt_version_to_string(v) : g_strdup("unknown");
}

static guint
count_devices(const DtExport *e, gboolean (*pred)(const DtExportDevice *))
{
    guint n = 0;
    for (guint i = 0; i < e->devices->len; i++)
        if (pred(g_ptr_array_index(e->devices, i)))
            n++;
    return n;
}

/* The device's facts as the engine found them (the kernel's answer where
 * there was one, else the database's). */
static DtFact
get_migration(const DtExportDevice *d)
{
    return d->finding ? d->finding->migration : DT_FACT_UNKNOWN;
}

static DtFact
get_logging(const DtExportDevice *d)
{
    return d->finding ? d->finding->dma_logging : DT_FACT_UNKNOWN;
}

static DtFact
get_iommu_dirty(const DtExportDevice *d)
{
    return d->finding ? d->finding->iommu_dirty : DT_FACT_UNKNOWN;
}

static gboolean
pred_migration(const DtExportDevice *d)
{
    return get_migration(d).value == DT_TRI_YES;
}

static gboolean
pred_logging(const DtExportDevice *d)
{
    return pred_migration(d) && get_logging(d).value == DT_TRI_YES;
}

static gboolean
pred_live(const DtExportDevice *d)
{
    return d->live_migratable;
}

static gboolean
pred_mode_device(const DtExportDevice *d)
{
    return d->decision->mode == DT_MODE_DEVICE;
}

static gboolean
pred_mode_iommu(const DtExportDevice *d)
{
    return d->decision->mode == DT_MODE_IOMMU;
}

/* Every unit tracks dirty pages (and there is one). */
static DtTri
all_units_dirty(const DtHost *h)
{
    DtTri all = h->iommus->len ? DT_TRI_YES : DT_TRI_NO;

    for (guint i = 0; i < h->iommus->len; i++) {
        const DtIommu *u = g_ptr_array_index(h->iommus, i);
        if (u->dirty_tracking.value == DT_TRI_NO)
            return DT_TRI_NO;
        if (u->dirty_tracking.value == DT_TRI_UNKNOWN)
            all = DT_TRI_UNKNOWN;
    }
    return all;
}

/* ---- nova ----------------------------------------------------------------------- */

static void
render_nova(const DtExport *e, GString *out)
{
    g_autofree char *now = iso8601(e->now);
    g_autofree char *qv = version_or_unknown(&e->qemu->version);
    g_autofree char *lv = version_or_unknown(&e->libvirt);

    g_string_append(out, "# OpenStack Nova PCI passthrough devices, written by dirtytrack export.\n");
    g_string_append_printf(out, "# host kernel %s, QEMU %s, libvirt %s; %s\n",
                           e->host->kernel_release ? e->host->kernel_release : "unknown", qv, lv, now);
    g_string_append(out, "# live_migratable is \"yes\" only where the device's VFIO driver migrates it\n"
                          "# and device (DMA logging) or IOMMU dirty tracking works with this QEMU.\n");
    /* Nova's own floor (nova/virt/libvirt/driver.py _check_pci_whitelist) */
    if (!dt_version_at_least(&e->libvirt, 10, 0, 0) || !dt_version_at_least(&e->qemu->version, 8, 2, 2))
        g_string_append(out, "# note: nova-compute refuses live_migratable with libvirt < 10.0.0 or QEMU < 8.2.2\n");
    g_string_append(out, "[pci]\n");
    for (guint i = 0; i < e->devices->len; i++) {
        const DtExportDevice *d = g_ptr_array_index(e->devices, i);

        g_string_append_printf(out, "# %s %s: %s, tracking %s%s%s\n", d->address, d->driver,
                               dt_verdict_to_string(d->decision->verdict),
                               dt_mode_to_string(d->decision->mode), *d->reasons ? ", " : "",
                               d->reasons);
        g_string_append_printf(out,
                               "device_spec = {\"vendor_id\": \"%04x\", \"product_id\": \"%04x\", "
                               "\"address\": \"%s\"%s, \"live_migratable\": \"%s\"}\n",
                               d->vendor, d->device, d->address,
                               d->managed ? "" : ", \"managed\": \"no\"",
                               d->live_migratable ? "yes" : "no");
    }
}

/* ---- nfd ------------------------------------------------------------------------ */

/* A Kubernetes label value: [A-Za-z0-9] at both ends, [-_.A-Za-z0-9]
 * inside, at most 63 characters.  Anything else becomes '-'. */
static char *
label_value(const char *s)
{
    GString *v = g_string_new(NULL);

    for (const char *p = s ? s : ""; *p && v->len < K8S_LABEL_MAX; p++)
        g_string_append_c(v, g_ascii_isalnum(*p) || *p == '-' || *p == '_' || *p == '.' ? *p : '-');
    while (v->len && !g_ascii_isalnum(v->str[v->len - 1]))
        g_string_truncate(v, v->len - 1);
    while (v->len && !g_ascii_isalnum(v->str[0]))
        g_string_erase(v, 0, 1);
    return g_string_free(v, FALSE);
}

static void
nfd_line(GString *out, const char *name, const char *value)
{
    g_autofree char *v = label_value(value);
    g_string_append_printf(out, NFD_PREFIX "%s=%s\n", name, v);
}

static void
nfd_bool(GString *out, const char *name, gboolean b)
{
    nfd_line(out, name, b ? "true" : "false");
}

static void
nfd_count(GString *out, const char *name, guint n)
{
    g_autofree char *s = g_strdup_printf("%u", n);
    nfd_line(out, name, s);
}

static void
render_nfd(const DtExport *e, GString *out)
{
    const DtHost *h = e->host;
    g_autoptr(GHashTable) drivers = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GList) names = NULL;
    DtTri dirty = all_units_dirty(h);

    g_string_append(out, "# Node Feature Discovery features, written by dirtytrack export.\n");
    if (e->expiry_s) {
        g_autofree char *exp = iso8601(e->now + (gint64)e->expiry_s);
        g_string_append_printf(out, "# +expiry-time=%s\n", exp);
    }
    nfd_bool(out, "iommu", h->iommus->len > 0);
    if (h->iommus->len > 0) {
        const DtIommu *u = g_ptr_array_index(h->iommus, 0);
        nfd_line(out, "iommu-vendor", dt_iommu_vendor_to_string(u->vendor));
    }
    if (dirty != DT_TRI_UNKNOWN)
        nfd_bool(out, "iommu-dirty-tracking", dirty == DT_TRI_YES);
    nfd_bool(out, "iommufd", h->dev_iommu && h->vfio_cdev_support);
    nfd_count(out, "vfio-devices", e->devices->len);
    nfd_count(out, "vfio-migration-devices", count_devices(e, pred_migration));
    nfd_count(out, "vfio-dma-logging-devices", count_devices(e, pred_logging));
    nfd_count(out, "vfio-live-migratable-devices", count_devices(e, pred_live));
    nfd_bool(out, "tracking-device", count_devices(e, pred_mode_device) > 0);
    nfd_bool(out, "tracking-iommu", count_devices(e, pred_mode_iommu) > 0);
    for (guint i = 0; i < e->devices->len; i++) {
        const DtExportDevice *d = g_ptr_array_index(e->devices, i);
        if (d->live_migratable)
            g_hash_table_replace(drivers, d->driver,
                                 GUINT_TO_POINTER(GPOINTER_TO_UINT(g_hash_table_lookup(drivers, d->driver)) + 1));
    }
    names = g_list_sort(g_hash_table_get_keys(drivers), (GCompareFunc)strcmp);
    for (GList *l = names; l; l = l->next) {
        g_autofree char *name = label_value(l->data);
        g_autofree char *key = g_strdup_printf("live-migratable.%s", name);
        nfd_count(out, key, GPOINTER_TO_UINT(g_hash_table_lookup(drivers, l->data)));
    }
    if (h->kernel.known) {
        g_autofree char *kv = dt_version_to_string(&h->kernel);
        nfd_line(out, "kernel-version", kv);
    }
    if (e->qemu->version.known) {
        g_autofree char *qv = dt_version_to_string(&e->qemu->version);
        nfd_line(out, "qemu-version", qv);
    }
}

/* ---- prometheus ----------------------------------------------------------------- */

/* Label values in the text exposition format escape \, " and newline. */
static void
prom_escape(GString *out, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '\\' || *p == '"')
            g_string_append_c(out, '\\');
        if (*p == '\n')
            g_string_append(out, "\\n");
        else
            g_string_append_c(out, *p);
    }
}

static void
prom_header(GString *out, const char *name, const char *help)
{
    g_string_append_printf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void
prom_device_labels(GString *out, const DtExportDevice *d)
{
    g_string_append(out, "{address=\"");
    prom_escape(out, d->address);
    g_string_append(out, "\",driver=\"");
    prom_escape(out, d->driver);
    g_string_append_printf(out, "\",id=\"%04x:%04x\"}", d->vendor, d->device);
}

/* One gauge per device for a tri-state fact; unknown facts are left out
 * rather than reported as 0, so a dashboard can tell "no" from "unknown". */
static void
prom_device_fact(GString *out, const DtExport *e, const char *name, const char *help,
                 DtFact (*get)(const DtExportDevice *))
{
    prom_header(out, name, help);
    for (guint i = 0; i < e->devices->len; i++) {
        const DtExportDevice *d = g_ptr_array_index(e->devices, i);
        DtFact f = get(d);
        if (f.value == DT_TRI_UNKNOWN)
            continue;
        g_string_append(out, name);
        prom_device_labels(out, d);
        g_string_append_printf(out, " %d\n", f.value == DT_TRI_YES);
    }
}

static DtFact
get_live(const DtExportDevice *d)
{
    DtFact f = { d->live_migratable ? DT_TRI_YES : DT_TRI_NO, DT_SOURCE_NONE };
    return f;
}

static void
render_prometheus(const DtExport *e, GString *out)
{
    const DtHost *h = e->host;
    g_autofree char *qv = version_or_unknown(&e->qemu->version);
    g_autofree char *lv = version_or_unknown(&e->libvirt);

    prom_header(out, "dirtytrack_host_info",
                "Host facts dirtytrack evaluated (kernel, architecture, QEMU, libvirt); always 1.");
    g_string_append(out, "dirtytrack_host_info{kernel=\"");
    prom_escape(out, h->kernel_release ? h->kernel_release : "unknown");
    g_string_append(out, "\",arch=\"");
    prom_escape(out, h->arch ? h->arch : "unknown");
    g_string_append(out, "\",qemu=\"");
    prom_escape(out, qv);
    g_string_append(out, "\",qemu_band=\"");
    prom_escape(out, dt_versions_qemu_band_name(&e->qemu->version));
    g_string_append(out, "\",libvirt=\"");
    prom_escape(out, lv);
    g_string_append(out, "\"} 1\n");

    prom_header(out, "dirtytrack_iommufd_available",
                "1 if /dev/iommu and VFIO device cdevs exist (IOMMU dirty tracking needs both).");
    g_string_append_printf(out, "dirtytrack_iommufd_available %d\n", h->dev_iommu && h->vfio_cdev_support);

    prom_header(out, "dirtytrack_iommu_dirty_tracking",
                "1 if the IOMMU unit can track dirty pages for iommufd; absent when unknown.");
    for (guint i = 0; i < h->iommus->len; i++) {
        const DtIommu *u = g_ptr_array_index(h->iommus, i);
        if (u->dirty_tracking.value == DT_TRI_UNKNOWN)
            continue;
        g_string_append(out, "dirtytrack_iommu_dirty_tracking{unit=\"");
        prom_escape(out, u->name);
        g_string_append(out, "\",vendor=\"");
        prom_escape(out, dt_iommu_vendor_to_string(u->vendor));
        g_string_append_printf(out, "\"} %d\n", u->dirty_tracking.value == DT_TRI_YES);
    }

    prom_device_fact(out, e, "dirtytrack_device_migration_supported",
                     "1 if the bound VFIO driver migrates the device on this kernel; absent when unknown.",
                     get_migration);
    prom_device_fact(out, e, "dirtytrack_device_dma_logging",
                     "1 if the driver logs the device's DMA writes (device dirty tracking); absent when unknown.",
                     get_logging);
    prom_device_fact(out, e, "dirtytrack_device_iommu_dirty_tracking",
                     "1 if the device's IOMMU unit tracks dirty pages; absent when unknown.",
                     get_iommu_dirty);
    prom_device_fact(out, e, "dirtytrack_device_live_migratable",
                     "1 if a VM with this device migrates with device or IOMMU dirty tracking.",
                     get_live);

    prom_header(out, "dirtytrack_device_tracking_mode",
                "dirtytrack's decision for a VM with this device alone: verdict (allow, warn, deny), "
                "tracking mode (device, iommu, perpetual, none), the reason it is not "
                "live-migratable and every warning or refusal; always 1.");
    for (guint i = 0; i < e->devices->len; i++) {
        const DtExportDevice *d = g_ptr_array_index(e->devices, i);
        g_string_append(out, "dirtytrack_device_tracking_mode{address=\"");
        prom_escape(out, d->address);
        g_string_append(out, "\",driver=\"");
        prom_escape(out, d->driver);
        g_string_append_printf(out, "\",verdict=\"%s\",mode=\"%s\",reason=\"%s\",reasons=\"%s\"} 1\n",
                               dt_verdict_to_string(d->decision->verdict),
                               dt_mode_to_string(d->decision->mode),
                               d->reason ? d->reason : "", d->reasons);
    }

    prom_header(out, "dirtytrack_export_timestamp_seconds",
                "When dirtytrack export wrote this file, in seconds since the epoch.");
    g_string_append_printf(out, "dirtytrack_export_timestamp_seconds %" PRId64 "\n", e->now);
}

char *
dt_export_render(const DtExport *e, DtExportFormat format)
{
    GString *out = g_string_new(NULL);

    switch (format) {
    case DT_EXPORT_NOVA:
        render_nova(e, out);
        break;
    case DT_EXPORT_NFD:
        render_nfd(e, out);
        break;
    case DT_EXPORT_PROMETHEUS:
        render_prometheus(e, out);
        break;
    }
    return g_string_free(out, FALSE);
}
