/* dt-eval.c: one evaluation end to end (see dt-eval.h).
 *
 * The order matters for cost: the host probe reads only host-wide facts,
 * then exactly the PCI functions the domain references are read, so a hook
 * on a host with thousands of functions costs what the domain costs.
 */
#include "config.h"

#include <libvirt/libvirt.h>

#include "dt-decide.h"
#include "dt-domain.h"
#include "dt-eval.h"
#include "dt-host.h"
#include "dt-paths.h"
#include "dt-qemu.h"
#include "dt-util.h"
#include "dt-vfio.h"

#define DT_QEMU_PROBE_TIMEOUT_MS 3000

void
dt_evaluation_free(DtEvaluation *e)
{
    if (!e)
        return;
    dt_domain_free(e->domain);
    dt_host_free(e->host);
    dt_qemu_caps_free(e->qemu);
    dt_decision_free(e->decision);
    g_free(e);
}

static gboolean
parse_version_option(const char *what, const char *value, DtVersion *out, GError **error)
{
    if (!dt_version_parse(value, out)) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("invalid %s version '%s'"), what, value);
        return FALSE;
    }
    return TRUE;
}

/* QEMU capabilities: an explicit version wins (option, then environment);
 * otherwise the binary the domain names, or the configured one, or the
 * default for the domain's architecture is probed.  With no binary at all
 * the version stays unknown and the decision engine says so. */
static DtQemuCaps *
find_qemu_caps(const DtDomain *dom, const DtEvalOptions *opts, const DtConfig *cfg,
               GError **error)
{
    const char *v = opts->qemu_version;
    g_autofree char *binary = NULL;
    g_autoptr(GError) local = NULL;
    DtQemuCaps *caps;
    DtVersion ver;

    if (!v || !*v)
        v = g_getenv("DIRTYTRACK_QEMU_VERSION");
    if (v && *v) {
        if (!parse_version_option("QEMU", v, &ver, error))
            return NULL;
        return dt_qemu_caps_from_version(&ver);
    }

    if (cfg->qemu_binary)
        binary = g_strdup(cfg->qemu_binary);
    else if (dom->emulator && g_file_test(dom->emulator, G_FILE_TEST_IS_EXECUTABLE))
        binary = g_strdup(dom->emulator);
    else
        binary = dt_qemu_default_binary(dom->arch ? dom->arch : "x86_64");

    if (binary) {
        const char *cache = cfg->cache_dir ? cfg->cache_dir : g_getenv("DIRTYTRACK_CACHE_DIR");
        caps = dt_qemu_caps_probe(binary, cache, DT_QEMU_PROBE_TIMEOUT_MS, &local);
        if (caps)
            return caps;
        g_debug("QEMU probe of %s failed: %s", binary, local ? local->message : "?");
    }
    caps = dt_qemu_caps_new();
    caps->binary = g_steal_pointer(&binary);
    return caps;
}

static gboolean
find_libvirt_version(const DtEvalOptions *opts, DtVersion *out, GError **error)
{
    const char *v = opts->libvirt_version;

    if (!v || !*v)
        v = g_getenv("DIRTYTRACK_LIBVIRT_VERSION");
    if (v && *v)
        return parse_version_option("libvirt", v, out, error);
    /* The libvirt this build was made against: the hook must not ask the
     * daemon (it would deadlock), and on a distribution the two match. */
    out->major = LIBVIR_VERSION_NUMBER / 1000000;
    out->minor = (LIBVIR_VERSION_NUMBER / 1000) % 1000;
    out->micro = LIBVIR_VERSION_NUMBER % 1000;
    out->known = TRUE;
    return TRUE;
}

DtEvaluation *
dt_evaluate(const char *xml, gsize len, const DtEvalOptions *opts, GError **error)
{
    g_autoptr(DtEvaluation) e = g_new0(DtEvaluation, 1);
    g_autoptr(DtConfig) own_cfg = NULL;
    g_autoptr(DtVdb) own_vdb = NULL;
    g_autoptr(DtPaths) paths = NULL;
    const DtConfig *cfg = opts->config;
    const DtVdb *vdb = opts->vdb;
    DtDecideInput in = { 0 };

    if (!cfg)
        cfg = own_cfg = dt_config_new_defaults();

    e->domain = dt_domain_parse(xml, len, error);
    if (!e->domain)
        return NULL;

    if (!find_libvirt_version(opts, &e->libvirt, error))
        return NULL;

    paths = dt_paths_new(opts->sysroot);
    {
        /* One batch: modules.alias is read once, however many devices the
         * domain passes through.  Absent devices are a finding for the
         * engine (device-not-found), not an error.  The decision does not
         * use in_use: /proc (every fd link of every process) is scanned
         * only when devices will be opened, where a held one must be left
         * alone. */
        g_autoptr(GArray) addrs = g_array_new(FALSE, FALSE, sizeof(DtPciAddr));
        DtHostProbeFlags pflags = opts->probe_ioctl || opts->preflight
                                      ? DT_HOST_PROBE_DEFAULT : DT_HOST_PROBE_SKIP_IN_USE;

        for (guint i = 0; i < e->domain->hostdevs->len; i++) {
            const DtHostdev *h = g_ptr_array_index(e->domain->hostdevs, i);
            if (h->type == DT_HOSTDEV_PCI && h->has_addr)
                g_array_append_val(addrs, h->addr);
        }
        if (opts->host_func)
            e->host = opts->host_func((const DtPciAddr *)(void *)addrs->data, addrs->len,
                                      opts->host_data);
        if (!e->host) {
            e->host = dt_host_probe(paths, error);
            if (!e->host) {
                g_prefix_error(error, _("cannot probe the host: "));
                return NULL;
            }
            if (addrs->len)
                dt_host_probe_devices(e->host, paths, (const DtPciAddr *)addrs->data,
                                      addrs->len, pflags);
        }
    }
    /* Kernel facts over database facts: by ioctl only when asked (opening
     * an idle device resets it), else from vfio debugfs (6.18+), which is
     * safe while QEMU holds the device and costs nothing where absent. */
    for (guint i = 0; i < e->host->devices->len; i++) {
        DtPciDev *dev = g_ptr_array_index(e->host->devices, i);
        g_autoptr(GError) local = NULL;
        g_autoptr(DtVfioReport) rep = NULL;
        g_autofree char *addr = NULL;
        g_autofree char *dbg = NULL;

        if (!dt_driver_is_vfio(dev->driver))
            continue;
        if (!opts->probe_ioctl) {
            addr = dt_pci_addr_to_string(&dev->addr);
            dbg = dt_paths_printf(paths, "/sys/kernel/debug/vfio/%s/migration", addr);
            if (!g_file_test(dbg, G_FILE_TEST_IS_DIR))
                continue;
        }
        rep = dt_vfio_probe_device(e->host, paths, dev,
                                   opts->probe_ioctl ? DT_VFIO_PROBE_IOCTL
                                                     : DT_VFIO_PROBE_NO_HOLDER, &local);
        if (!rep)
            g_debug("kernel probe: %s", local ? local->message : "?");
    }

    e->qemu = find_qemu_caps(e->domain, opts, cfg, error);
    if (!e->qemu)
        return NULL;

    if (!vdb) {
        vdb = own_vdb = dt_vdb_load_default(error);
        if (!vdb) {
            g_prefix_error(error, _("cannot load the variant-driver database: "));
            return NULL;
        }
    }

    e->policy = cfg->policy;
    dt_metadata_apply_policy(e->domain->metadata, &e->policy);

    in.role = opts->role;
    in.domain = e->domain;
    in.host = e->host;
    in.qemu = e->qemu;
    in.libvirt = e->libvirt;
    in.vdb = vdb;
    in.policy = e->policy;
    e->decision = dt_decide(&in);
    if (opts->preflight) {
        g_autoptr(GError) local = NULL;
        /* a refusal is recorded in the decision (deny, preflight-failed) */
        if (!dt_vfio_preflight(e->decision, e->host, paths, &local))
            g_debug("pre-flight: %s", local ? local->message : "?");
    }
    return g_steal_pointer(&e);
}
