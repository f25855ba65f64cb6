/* dt-eval.c: one evaluation end to end (see dt-eval.h).
 *
 * The order matters for cost: the host probe reads only host-wide facts,
 * then exactly the PCI functions the domain references are read, so a hook
 * on a host with thousands of functions costs what the domain costs.
 */
#include "config.h"

#include <unistd.h>

#include <libvirt/libvirt.h>

#include "decide/dt-decide.h"
#include "model/dt-domain.h"
#include "eval/dt-eval.h"
#include "probe/dt-host.h"
#include "probe/dt-paths.h"
#include "probe/dt-qemu.h"
#include "probe/dt-qemu-registry.h"
#include "model/dt-util.h"
#include "model/dt-xml.h"
#include "probe/dt-mdev.h"
#include "probe/dt-vfio.h"

void
dt_evaluation_free(DtEvaluation *e)
{
    if (!e)
        return;
    dt_domain_free(e->domain);
    dt_host_free(e->host);
    dt_qemu_caps_free(e->qemu);
    dt_decision_free(e->decision);
    g_free(e->qemu_untrusted);
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

DtQemuCaps *
dt_eval_qemu_caps(const char *version, const char *binary, const char *cache_dir,
                  guint timeout_ms, GError **error)
{
    g_autoptr(GError) local = NULL;
    DtQemuCaps *caps;
    DtVersion ver;

    if (!version || !*version)
        version = g_getenv("DIRTYTRACK_QEMU_VERSION");
    if (version && *version) {
        if (!parse_version_option("QEMU", version, &ver, error))
            return NULL;
        return dt_qemu_caps_from_version(&ver);
    }
    if (binary) {
        g_autofree char *cache = dt_qemu_registry_cache_dir(cache_dir);

        caps = dt_qemu_caps_probe(binary, cache, timeout_ms, &local);
        if (caps)
            return caps;
        g_debug("QEMU probe of %s failed: %s", binary, local ? local->message : "?");
    }
    caps = dt_qemu_caps_new();
    caps->binary = g_strdup(binary);
    return caps;
}

/* The binary.  Root (the daemon, the hook, the CLI run by root) runs only
 * binaries the registry trusts, whatever the domain's <emulator> says
 * (dt-qemu-registry.h); anyone else runs, as themselves, the configured
 * one, or the one the domain names, or the default for the domain's
 * architecture. */
static DtQemuCaps *
find_qemu_caps(DtEvaluation *e, const DtEvalOptions *opts, const DtConfig *cfg,
               GError **error)
{
    const DtDomain *dom = e->domain;
    g_autofree char *binary = NULL;
    const char *v = opts->qemu_version && *opts->qemu_version ? opts->qemu_version
                                                              : g_getenv("DIRTYTRACK_QEMU_VERSION");

    /* a version given needs no binary (and no search for one) */
    if (v && *v)
        return dt_eval_qemu_caps(v, NULL, NULL, 0, error);
    if (opts->qemu_registry || geteuid() == 0) {
        g_autoptr(DtQemuRegistry) own = NULL;
        DtQemuRegistry *reg = opts->qemu_registry;

        if (!reg)
            reg = own = dt_qemu_registry_new_for_config(cfg);
        return dt_qemu_registry_caps(reg, dom->emulator, dom->arch, &e->qemu_untrusted);
    }
    if (cfg->qemu_binary)
        binary = g_strdup(cfg->qemu_binary);
    else if (dom->emulator && g_file_test(dom->emulator, G_FILE_TEST_IS_EXECUTABLE))
        binary = g_strdup(dom->emulator);
    else
        binary = dt_qemu_default_binary(dom->arch ? dom->arch : "x86_64");
    return dt_eval_qemu_caps(NULL, binary, cfg->cache_dir, cfg->qemu_probe_timeout_ms, error);
}

gboolean
dt_eval_libvirt_version(const char *version, DtVersion *out, GError **error)
{
    if (!version || !*version)
        version = g_getenv("DIRTYTRACK_LIBVIRT_VERSION");
    if (version && *version)
        return parse_version_option("libvirt", version, out, error);
    /* The libvirt this build was made against: the hook must not ask the
     * daemon (it would deadlock), and on a distribution the two match. */
    out->major = LIBVIR_VERSION_NUMBER / 1000000;
    out->minor = (LIBVIR_VERSION_NUMBER / 1000) % 1000;
    out->micro = LIBVIR_VERSION_NUMBER % 1000;
    out->known = TRUE;
    return TRUE;
}

void
dt_eval_kernel_facts(DtHost *host, const DtPaths *paths, gboolean probe_ioctl)
{
    for (guint i = 0; i < host->devices->len; i++) {
        DtPciDev *dev = g_ptr_array_index(host->devices, i);
        g_autoptr(GError) local = NULL;
        g_autoptr(DtVfioReport) rep = NULL;
        g_autofree char *addr = NULL;
        g_autofree char *dbg = NULL;

        if (!dt_driver_is_vfio(dev->driver))
            continue;
        if (!probe_ioctl) {
            addr = dt_pci_addr_to_string(&dev->addr);
            dbg = dt_paths_printf(paths, "/sys/kernel/debug/vfio/%s/migration", addr);
            if (!g_file_test(dbg, G_FILE_TEST_IS_DIR))
                continue;
        }
        rep = dt_vfio_probe_device(host, paths, dev,
                                   probe_ioctl ? DT_VFIO_PROBE_IOCTL : DT_VFIO_PROBE_NO_HOLDER,
                                   &local);
        if (!rep)
            g_debug("kernel probe: %s", local ? local->message : "?");
    }
}

const DtVdb *
dt_eval_vdb(const DtVdb *vdb, DtVdb **owned, GError **error)
{
    if (vdb)
        return vdb;
    *owned = dt_vdb_load_default(error);
    if (!*owned)
        g_prefix_error(error, _("cannot load the variant-driver database: "));
    return *owned;
}

DtEvaluation *
dt_evaluate(const char *xml, gsize len, const DtEvalOptions *opts, GError **error)
{
    g_autoptr(xmlDoc) doc = dt_xml_parse(xml, len, _("domain XML"), "domain", error);

    if (!doc)
        return NULL;
    return dt_evaluate_doc(doc, opts, error);
}

DtEvaluation *
dt_evaluate_doc(xmlDoc *doc, const DtEvalOptions *opts, GError **error)
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

    e->domain = dt_domain_from_doc(doc, error);
    if (!e->domain)
        return NULL;

    if (!dt_eval_libvirt_version(opts->libvirt_version, &e->libvirt, error))
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
    dt_eval_kernel_facts(e->host, paths, opts->probe_ioctl);
    /* mdevs: sysfs always; their kernel answers when the caller lets
     * devices be opened (the pre-flight opens them anyway) */
    dt_mdev_probe_domain(e->host, paths, e->domain,
                         opts->probe_ioctl || opts->preflight ? DT_MDEV_PROBE_IOCTL : 0);
    /* what nobody may ask now (QEMU holds the devices): what they said idle */
    if (opts->recall && !opts->probe_ioctl && !opts->preflight)
        opts->recall(e->host, paths, opts->recall_data);

    e->qemu = find_qemu_caps(e, opts, cfg, error);
    if (!e->qemu)
        return NULL;

    vdb = dt_eval_vdb(vdb, &own_vdb, error);
    if (!vdb)
        return NULL;

    e->policy = cfg->policy;
    dt_metadata_apply_policy(e->domain->metadata, &e->policy);

    in.role = opts->role;
    in.domain = e->domain;
    in.host = e->host;
    in.qemu = e->qemu;
    in.libvirt = e->libvirt;
    in.vdb = vdb;
    in.policy = e->policy;
    /* an emulator root would not run is a fact for the engine to report */
    if (e->qemu_untrusted && !e->qemu->untrusted)
        e->qemu->untrusted = g_strdup(e->qemu_untrusted);
    e->decision = dt_decide(&in);
    if (opts->preflight) {
        g_autoptr(GError) local = NULL;

        /* The dry run tries the tracking this decision chose and records
         * what the kernel said on the devices; a second decision over those
         * observed facts is the answer (a refusal: preflight-failed). */
        if (!dt_vfio_preflight(e->decision, e->host, paths, &local))
            g_debug("pre-flight: %s", local ? local->message : "?");
        /* an mdev's dry run (a REPORT refused) is recorded on host->mdevs */
        g_clear_error(&local);
        dt_mdev_preflight(e->decision, e->host, paths, &local);
        if (local)
            g_debug("pre-flight: %s", local->message);
        dt_decision_free(e->decision);
        e->decision = dt_decide(&in);
    }
    return g_steal_pointer(&e);
}
