/* dt-export.c: host capabilities for fleet engines (see dt-export.h).
 *
 * The per-device assessment follows QEMU's choice for a container holding
 * that one device (qemu-libvirt.md §1.1-§1.3): no migration driver or a
 * QEMU before the v2 protocol means none; DMA logging means device mode;
 * else IOMMU dirty tracking through iommufd (QEMU >= 9.1, /dev/iommu, a
 * VFIO cdev, a unit that tracks) means iommu mode; else every page stays
 * dirty (perpetual), which is migration in name only, so such a device is
 * not advertised as live-migratable.
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

#include "dt-decide.h"
#include "dt-export.h"
#include "dt-host.h"
#include "dt-paths.h"
#include "dt-qemu.h"
#include "dt-util.h"

#define DT_QEMU_PROBE_TIMEOUT_MS 3000
#define NFD_PREFIX "dirtytrack.io/"
/* Kubernetes label name part and value: at most 63 characters. */
#define K8S_LABEL_MAX 63
/* Not an engine rule: a reason for the export only, when nothing says
 * which QEMU will run the VM. */
#define DT_R_QEMU_UNKNOWN "qemu-version-unknown"

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

/* ---- assessment ------------------------------------------------------------ */

static const DtVdbEntry *
entry_for_driver(const DtHost *host, const DtVdb *vdb, const char *driver)
{
    const DtVdbEntry *e = vdb ? dt_vdb_find_driver(vdb, driver) : NULL;

    if (e && e->arch && host->arch && strcmp(e->arch, host->arch) != 0)
        return NULL;
    return e;
}

static DtExportDevice *
assess_one(const DtHost *host, const DtVdb *vdb, const DtQemuCaps *qemu,
           const DtVersion *libvirt, const DtPciDev *d)
{
    DtExportDevice *x = g_new0(DtExportDevice, 1);
    const DtVdbEntry *e = entry_for_driver(host, vdb, d->driver);
    const DtIommu *unit = d->iommu_unit ? dt_host_find_iommu(host, d->iommu_unit) : NULL;
    gboolean has_migration;

    x->address = dt_pci_addr_to_string(&d->addr);
    x->vendor = d->vendor;
    x->device = d->device;
    x->driver = g_strdup(d->driver);
    x->iommu_unit = g_strdup(d->iommu_unit);

    /* What the kernel said for this very device beats the database. */
    if (d->migration.source != DT_SOURCE_NONE) {
        x->migration = d->migration;
        x->mig_flags = d->migration.value == DT_TRI_YES ? d->mig_flags : 0;
    } else if (e) {
        x->mig_flags = dt_vdb_entry_flags_on(e, &host->kernel);
        x->migration.value = (x->mig_flags & DT_MIG_STOP_COPY) ? DT_TRI_YES : DT_TRI_NO;
        x->migration.source = DT_SOURCE_DATABASE;
    } else {
        x->migration = DT_FACT_UNKNOWN;
    }
    if (d->dma_logging.source != DT_SOURCE_NONE) {
        x->dma_logging = d->dma_logging;
    } else if (e) {
        x->dma_logging.value = dt_vdb_entry_logs_on(e, &host->kernel) ? DT_TRI_YES : DT_TRI_NO;
        x->dma_logging.source = DT_SOURCE_DATABASE;
    } else {
        x->dma_logging = DT_FACT_UNKNOWN;
    }
    if (d->iommu_dirty.source != DT_SOURCE_NONE)
        x->iommu_dirty = d->iommu_dirty;
    else if (unit)
        x->iommu_dirty = unit->dirty_tracking;
    else
        x->iommu_dirty = DT_FACT_UNKNOWN;
    x->iommufd_usable = host->dev_iommu && host->vfio_cdev_support && d->vfio_cdev != NULL;

    has_migration = x->migration.value == DT_TRI_YES && (x->mig_flags & DT_MIG_STOP_COPY);
    x->mode = DT_MODE_NONE;
    if (!has_migration) {
        x->reason = DT_R_NO_MIGRATION_DRIVER;
    } else if (!qemu || !qemu->version.known) {
        x->reason = DT_R_QEMU_UNKNOWN;
    } else if (!dt_version_at_least(&qemu->version, 8, 0, 0)) {
        /* QEMU <= 7.2 speaks the v1 protocol the variant drivers never had */
        x->reason = DT_R_QEMU_PROTOCOL_MISMATCH;
    } else if (libvirt && libvirt->known && !dt_version_at_least(libvirt, 8, 6, 0)) {
        /* before 8.6 libvirt refused every PCI hostdev itself (§4) */
        x->reason = DT_R_LIBVIRT_TOO_OLD;
    } else if (x->dma_logging.value == DT_TRI_YES) {
        x->mode = DT_MODE_DEVICE;
    } else if (x->iommu_dirty.value == DT_TRI_YES && x->iommufd_usable &&
               dt_version_at_least(&qemu->version, 9, 1, 0) &&
               (!qemu->props_known || qemu->has_iommufd)) {
        x->mode = DT_MODE_IOMMU;
    } else {
        x->mode = DT_MODE_PERPETUAL;
        x->reason = DT_R_NO_DIRTY_TRACKING;
    }
    x->live_migratable = x->mode == DT_MODE_DEVICE || x->mode == DT_MODE_IOMMU;
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
                 const DtVersion *libvirt)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)dt_export_device_free);

    for (guint i = 0; i < host->devices->len; i++) {
        const DtPciDev *d = g_ptr_array_index(host->devices, i);
        /* Only functions a VM can be given today: bound to a VFIO driver. */
        if (d->driver && dt_driver_is_vfio(d->driver))
            g_ptr_array_add(out, assess_one(host, vdb, qemu, libvirt, d));
    }
    g_ptr_array_sort(out, cmp_device);
    return out;
}

/* ---- gathering (the I/O) ------------------------------------------------------ */

static gboolean
version_option(const char *what, const char *opt, const char *env, DtVersion *out,
               gboolean *given, GError **error)
{
    const char *v = opt && *opt ? opt : g_getenv(env);

    *given = FALSE;
    if (!v || !*v)
        return TRUE;
    if (!dt_version_parse(v, out)) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT, _("invalid %s version '%s'"), what, v);
        return FALSE;
    }
    *given = TRUE;
    return TRUE;
}

DtExport *
dt_export_gather(const DtExportOptions *opts, GError **error)
{
    g_autoptr(DtExport) e = g_new0(DtExport, 1);
    g_autoptr(DtPaths) paths = dt_paths_new(opts->sysroot);
    g_autoptr(DtVdb) own_vdb = NULL;
    const DtVdb *vdb = opts->vdb;
    DtVersion qv = { 0 };
    gboolean given;

    e->host = dt_host_probe(paths, error);
    if (!e->host || !dt_host_probe_all_devices(e->host, paths, error)) {
        g_prefix_error(error, _("cannot probe the host: "));
        return NULL;
    }

    if (!version_option("QEMU", opts->qemu_version, "DIRTYTRACK_QEMU_VERSION", &qv, &given, error))
        return NULL;
    if (given) {
        e->qemu = dt_qemu_caps_from_version(&qv);
    } else {
        g_autofree char *binary = opts->qemu_binary
            ? g_strdup(opts->qemu_binary)
            : dt_qemu_default_binary(e->host->arch ? e->host->arch : "x86_64");
        g_autoptr(GError) local = NULL;

        if (binary)
            e->qemu = dt_qemu_caps_probe(binary, opts->cache_dir, DT_QEMU_PROBE_TIMEOUT_MS, &local);
        if (!e->qemu) {
            /* No QEMU: the version stays unknown and no device is advertised. */
            g_debug("QEMU probe failed: %s", local ? local->message : "no binary");
            e->qemu = dt_qemu_caps_new();
        }
    }

    if (!version_option("libvirt", opts->libvirt_version, "DIRTYTRACK_LIBVIRT_VERSION",
                        &e->libvirt, &given, error))
        return NULL;
    if (!given) {
        e->libvirt.major = LIBVIR_VERSION_NUMBER / 1000000;
        e->libvirt.minor = (LIBVIR_VERSION_NUMBER / 1000) % 1000;
        e->libvirt.micro = LIBVIR_VERSION_NUMBER % 1000;
        e->libvirt.known = TRUE;
    }

    if (!vdb) {
        vdb = own_vdb = dt_vdb_load_default(error);
        if (!vdb) {
            g_prefix_error(error, _("cannot load the variant-driver database: "));
            return NULL;
        }
    }
    e->devices = dt_export_assess(e->host, vdb, e->qemu, &e->libvirt);
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

static gboolean
pred_migration(const DtExportDevice *d)
{
    return d->migration.value == DT_TRI_YES;
}

static gboolean
pred_logging(const DtExportDevice *d)
{
    return d->migration.value == DT_TRI_YES && d->dma_logging.value == DT_TRI_YES;
}

static gboolean
pred_live(const DtExportDevice *d)
{
    return d->live_migratable;
}

static gboolean
pred_mode_device(const DtExportDevice *d)
{
    return d->mode == DT_MODE_DEVICE;
}

static gboolean
pred_mode_iommu(const DtExportDevice *d)
{
    return d->mode == DT_MODE_IOMMU;
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
        /* variant drivers must stay bound: libvirt's managed detach would
         * rebind plain vfio-pci (Nova admin guide, "managed": "no") */
        gboolean variant = strcmp(d->driver, "vfio-pci") != 0;

        g_string_append_printf(out, "# %s %s: tracking %s%s%s\n", d->address, d->driver,
                               dt_mode_to_string(d->mode), d->reason ? ", " : "",
                               d->reason ? d->reason : "");
        g_string_append_printf(out,
                               "device_spec = {\"vendor_id\": \"%04x\", \"product_id\": \"%04x\", "
                               "\"address\": \"%s\"%s, \"live_migratable\": \"%s\"}\n",
                               d->vendor, d->device, d->address,
                               variant ? ", \"managed\": \"no\"" : "",
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
get_migration(const DtExportDevice *d)
{
    return d->migration;
}

static DtFact
get_logging(const DtExportDevice *d)
{
    return d->dma_logging;
}

static DtFact
get_iommu_dirty(const DtExportDevice *d)
{
    return d->iommu_dirty;
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
    prom_escape(out, dt_qemu_band(&e->qemu->version));
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
                "Tracking QEMU would use for a VM with this device alone (device, iommu, perpetual, none); always 1.");
    for (guint i = 0; i < e->devices->len; i++) {
        const DtExportDevice *d = g_ptr_array_index(e->devices, i);
        g_string_append(out, "dirtytrack_device_tracking_mode{address=\"");
        prom_escape(out, d->address);
        g_string_append(out, "\",driver=\"");
        prom_escape(out, d->driver);
        g_string_append_printf(out, "\",mode=\"%s\",reason=\"%s\"} 1\n", dt_mode_to_string(d->mode),
                               d->reason ? d->reason : "");
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
