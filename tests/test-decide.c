/* test-decide.c: the decision engine over the scenario matrix.
 *
 * Every case of tests/scenarios.h is built in memory (no sysfs, no QEMU):
 * a fixture host from tests/data/hosts' topology, a domain with the asked
 * devices and configuration, QEMU capabilities from a version, a libvirt
 * version, and a policy.  The engine's mode, verdict and reason codes must
 * match what the scenario says QEMU and libvirt would do; each scenario
 * cites where that expectation comes from.  A few hand-written tests add
 * what a table cannot say well: the DMA-logging ranges as numbers, the VF
 * policy's properties, purity, and the time the whole matrix takes.
 */
#include "config.h"

#include <string.h>

#include "decide/dt-decide.h"
#include "model/dt-versions.h"
#include "model/dt-domain.h"
#include "probe/dt-qemu.h"
#include "model/dt-util.h"
#include "model/dt-vdb.h"

#include "scenarios.h"

static DtVdb *vdb;

/* ---- fixture hosts (tests/data/hosts, tests/data/hosts/README.md) ------------------- */

typedef struct {
    const char *addr;
    guint16 vendor, device;
    const char *driver;        /* bound now */
    const char *alias_driver;  /* modules.alias pick */
    const char *pf;
} FixtureDev;

static void
add_dev(DtHost *h, const FixtureDev *f, const char *unit, guint *cdev_n)
{
    DtPciDev *d = dt_pcidev_new();

    g_assert_true(dt_pci_addr_parse(f->addr, &d->addr));
    d->vendor = f->vendor;
    d->device = f->device;
    d->driver = g_strdup(f->driver);
    d->alias_driver = g_strdup(f->alias_driver);
    d->iommu_unit = g_strdup(unit);
    d->iommu_group = unit ? (int)(*cdev_n + 10) : -1;
    if (f->pf) {
        d->is_vf = TRUE;
        g_assert_true(dt_pci_addr_parse(f->pf, &d->pf));
    }
    if (f->driver && strstr(f->driver, "vfio") && unit)
        d->vfio_cdev = g_strdup_printf("vfio%u", (*cdev_n)++);
    g_ptr_array_add(h->devices, d);
}

static DtHost *
build_host(const Scenario *sc)
{
    DtHost *h = dt_host_new();
    DtIommu *u = NULL;
    const char *unit = NULL;
    guint cdev_n = 0;
    gboolean deb = sc->host == H_DEBIAN12;
    gboolean new_kernel = TRUE;
    const char *kernel = sc->kernel ? sc->kernel : deb ? "6.1.0-28-amd64" : "6.12.48";

    h->sysroot = g_strdup("/");
    h->kernel_release = g_strdup(kernel);
    g_assert_true(dt_version_parse(kernel, &h->kernel));
    new_kernel = dt_version_at_least(&h->kernel, 6, 10, 0);
    h->arch = g_strdup(sc->host == H_ARM_SMMUV3 ? "aarch64" : "x86_64");
    h->page_size = 4096;
    h->have_modules_alias = TRUE;
    h->dev_vfio_container = TRUE;
    h->dev_iommu = !deb && sc->host != H_NO_IOMMU && dt_version_at_least(&h->kernel, 6, 2, 0) &&
                   !(sc->mods & M_NO_IOMMUFD_HOST);
    h->vfio_cdev_support = !deb && sc->host != H_NO_IOMMU && dt_version_at_least(&h->kernel, 6, 6, 0) &&
                           !(sc->mods & M_NO_IOMMUFD_HOST);

    switch (sc->host) {
    case H_INTEL_DIRTY:
    case H_DEBIAN12:
        u = dt_iommu_new();
        u->name = g_strdup("dmar0");
        u->vendor = DT_IOMMU_VENDOR_INTEL;
        u->regs_known = TRUE;
        u->ecap = (1ull << 43) | (1ull << 45) | (1ull << 46) | (1ull << 48);
        u->dirty_tracking = (DtFact){ DT_TRI_YES, DT_SOURCE_SYSFS };
        break;
    case H_INTEL_NODIRTY:
        u = dt_iommu_new();
        u->name = g_strdup("dmar0");
        u->vendor = DT_IOMMU_VENDOR_INTEL;
        u->regs_known = TRUE;
        u->ecap = (1ull << 43) | (1ull << 46);
        u->dirty_tracking = (DtFact){ DT_TRI_NO, DT_SOURCE_SYSFS };
        u->dirty_note = g_strdup("ECAP.SLADS=0");
        break;
    case H_AMD_HDSUP:
        u = dt_iommu_new();
        u->name = g_strdup("ivhd0");
        u->vendor = DT_IOMMU_VENDOR_AMD;
        u->regs_known = TRUE;
        u->efr = 1ull << 52;
        u->dirty_tracking = (DtFact){ DT_TRI_YES, DT_SOURCE_SYSFS };
        break;
    case H_ARM_SMMUV3:
        u = dt_iommu_new();
        u->name = g_strdup("smmu3.0x0000000009050000");
        u->vendor = DT_IOMMU_VENDOR_SMMUV3;
        u->dirty_tracking = DT_FACT_UNKNOWN;
        u->dirty_note = g_strdup("SMMUv3 HTTU not visible in sysfs");
        break;
    case H_NO_IOMMU:
        break;
    }
    if (u) {
        unit = u->name;
        g_ptr_array_add(h->iommus, u);
    }
    {
        /* bound drivers as in tests/data/hosts/README.md */
        gboolean vf2_plain = deb || sc->host == H_INTEL_NODIRTY;
        const FixtureDev devs[] = {
            { "0000:3b:00.0", 0x15b3, 0x1021, "mlx5_core", NULL, NULL },
            { "0000:3b:00.1", 0x15b3, 0x101e, "mlx5_vfio_pci", "mlx5_vfio_pci", "0000:3b:00.0" },
            { "0000:3b:00.2", 0x15b3, 0x101e, vf2_plain ? "vfio-pci" : "mlx5_vfio_pci",
              "mlx5_vfio_pci", "0000:3b:00.0" },
            { "0000:6b:00.0", 0x8086, 0x4940, "4xxx", NULL, NULL },
            { "0000:6b:00.1", 0x8086, 0x4941, new_kernel && !deb ? "qat_vfio_pci" : "vfio-pci",
              new_kernel && !deb ? "qat_vfio_pci" : NULL, "0000:6b:00.0" },
            { "0000:17:00.0", 0x8086, 0x1572, "i40e", NULL, NULL },
            { "0000:17:02.0", 0x8086, 0x154c, "vfio-pci", NULL, "0000:17:00.0" },
            { "0000:00:00.0", 0x8086, 0x09a2, NULL, NULL, NULL },
        };
        for (guint i = 0; i < G_N_ELEMENTS(devs); i++)
            add_dev(h, &devs[i], unit, &cdev_n);
    }
    /* mdevs the probe saw: the mtty sample of samples/vfio-mdev/mtty.c, as
     * the kernel answered for it on 6.12 (migration v2 STOP_COPY | P2P |
     * PRE_COPY, DMA-logging ops). */
    for (guint i = 0; (sc->mods & M_MTTY) && i < 2; i++) {
        DtMdevDev *m = dt_mdevdev_new();
        m->uuid = g_strdup(i ? "a1b2c3d4-0000-4000-8000-000000000002" : "c2177883-f1bb-47f0-914d-32a22e3a8804");
        m->type = g_strdup("mtty-2");
        m->parent = g_strdup("mtty");
        m->vendor_driver = g_strdup("mtty");
        m->vfio_cdev = h->vfio_cdev_support ? g_strdup_printf("vfio%u", 20 + i) : NULL;
        m->migration = (DtFact){ DT_TRI_YES, DT_SOURCE_IOCTL };
        m->mig_flags = DT_MIG_STOP_COPY | DT_MIG_P2P | DT_MIG_PRE_COPY;
        m->dma_logging = (DtFact){ DT_TRI_YES, DT_SOURCE_IOCTL };
        if (sc->mods & M_REPORT_FAILS)
            m->dma_logging_report = (DtFact){ DT_TRI_NO, DT_SOURCE_IOCTL };
        else if (h->dev_iommu)
            m->dma_logging_report = (DtFact){ DT_TRI_YES, DT_SOURCE_IOCTL };
        m->stop_copy_bytes = 60;
        g_ptr_array_add(h->mdevs, m);
    }
    /* The mlx5 firmware limit, when the scenario says it was read. */
    for (guint i = 0; (sc->mods & M_LOG_LIMIT_READ) && i < h->devices->len; i++) {
        DtPciDev *d = g_ptr_array_index(h->devices, i);
        if (d->vendor == 0x15b3 && d->device == 0x101e)
            d->log_max_addr_space = G_GUINT64_CONSTANT(1) << 42;
    }
    /* Kernel-probed facts, when the scenario says the probe ran. */
    if (sc->mods & (M_PROBED_NOLOG | M_PROBED_LOG)) {
        for (guint i = 0; i < h->devices->len; i++) {
            DtPciDev *d = g_ptr_array_index(h->devices, i);
            if (d->vendor != 0x15b3 || d->device != 0x101e)
                continue;
            d->migration = (DtFact){ DT_TRI_YES, DT_SOURCE_IOCTL };
            d->mig_flags = DT_MIG_STOP_COPY | DT_MIG_P2P | DT_MIG_PRE_COPY;
            d->dma_logging = (DtFact){ (sc->mods & M_PROBED_LOG) ? DT_TRI_YES : DT_TRI_NO,
                                       DT_SOURCE_IOCTL };
            d->stop_copy_bytes = 64ull << 20;
        }
    }
    return h;
}

/* ---- domains ---------------------------------------------------------------- */


static void
add_props(GPtrArray *to, const char *spec)
{
    g_auto(GStrv) parts = NULL;

    if (!spec)
        return;
    parts = g_strsplit(spec, ";", -1);
    for (guint i = 0; parts[i]; i++) {
        g_auto(GStrv) kv = g_strsplit(parts[i], "=", 2);
        if (!kv[0] || !*kv[0])
            continue;
        g_ptr_array_add(to, dt_prop_new(kv[0], "string", kv[1]));
    }
}

static DtDomain *
build_domain(const Scenario *sc)
{
    DtDomain *d = dt_domain_new();
    guint n = 0;

    d->type = g_strdup("kvm");
    d->name = g_strdup("sc");
    d->memory_kib = (sc->mods & M_RAM_64G) ? 64ull << 20 :
                    (sc->mods & M_RAM_2G) ? 2ull << 20 :
                    (sc->mods & M_RAM_4T) ? 4ull << 30 :
                    (sc->mods & M_RAM_16T) ? 16ull << 30 : 8ull << 20;
    d->current_memory_kib = d->memory_kib;
    d->vcpus = 4;
    d->arch = g_strdup(sc->host == H_ARM_SMMUV3 ? "aarch64" : "x86_64");
    d->machine = g_strdup(sc->host == H_ARM_SMMUV3 ? "virt" :
                          (sc->mods & M_PC) ? "pc-i440fx-8.2" : "pc-q35-8.2");
    if (sc->mods & (M_VIOMMU | M_VIOMMU_NO_CM)) {
        d->viommu_model = g_strdup("intel");
        d->viommu_caching_mode = (sc->mods & M_VIOMMU) ? DT_TRI_YES : DT_TRI_UNKNOWN;
    }
    if (sc->mods & M_HUGEPAGES) {
        d->hugepages = TRUE;
        d->hugepage_kib = 1024 * 1024;
    }
    if (sc->mods & M_IOMMUFD_NATIVE)
        d->iommufd_enabled = TRUE;
    if (sc->mods & M_IOMMUFD_CMDLINE) {
        d->cmdline_iommufd_id = g_strdup("iommufd0");
        d->has_qemu_ns = TRUE;
    }
    if (sc->mods & M_IOMMUFD_GLOBAL) {
        d->cmdline_iommufd_id = g_strdup("iommufd0");
        d->has_qemu_ns = TRUE;
        g_ptr_array_add(d->cmdline_globals, dt_prop_new("iommufd", "string", "iommufd0"));
    }
    if (sc->mods & M_GLOBAL) {
        d->has_qemu_ns = TRUE;
        add_props(d->cmdline_globals, sc->props);
    }

    for (guint i = 0; i < G_N_ELEMENTS(sc_dev_table); i++) {
        DtHostdev *h;
        if (!(sc->devs & sc_dev_table[i].bit))
            continue;
        h = dt_hostdev_new(DT_HOSTDEV_PCI);
        g_assert_true(dt_pci_addr_parse(sc_dev_table[i].addr, &h->addr));
        h->has_addr = TRUE;
        h->managed = !(sc->mods & M_MANAGED_NO);
        h->driver_name = g_strdup("vfio");
        if (sc->mods & M_MODEL)
            h->driver_model = g_strdup(sc_dev_table[i].model);
        if (sc->mods & M_IOMMUFD_HOSTDEV)
            h->driver_iommufd = DT_TRI_YES;
        if ((sc->mods & M_MLX5_LEGACY) && sc_dev_table[i].bit == DEV_MLX5)
            h->driver_iommufd = DT_TRI_NO;
        if ((sc->mods & M_FAILOVER) && sc_dev_table[i].bit == DEV_PLAIN) {
            h->is_interface = TRUE;
            h->failover = TRUE;
        }
        if (!(sc->mods & M_NO_ALIAS))
            h->alias = g_strdup_printf("ua-vf%u", n);
        n++;
        if (!(sc->mods & M_GLOBAL))
            add_props(h->overrides, sc->props);
        if (sc->mods & M_IOMMUFD_CMDLINE) {
            g_ptr_array_add(h->overrides, dt_prop_new("iommufd", "string", "iommufd0"));
        }
        g_ptr_array_add(d->hostdevs, h);
    }
    for (guint i = 0; i < 2; i++) {
        DtHostdev *h;
        if (!(sc->devs & (i ? DEV_MDEV2 : DEV_MDEV)))
            continue;
        h = dt_hostdev_new(DT_HOSTDEV_MDEV);
        h->mdev_uuid = g_strdup(i ? "a1b2c3d4-0000-4000-8000-000000000002"
                                  : "c2177883-f1bb-47f0-914d-32a22e3a8804");
        h->mdev_model = g_strdup("vfio-pci");
        h->alias = g_strdup_printf("ua-mdev%u", i);
        add_props(h->overrides, (sc->mods & M_GLOBAL) ? NULL : sc->props);
        g_ptr_array_add(d->hostdevs, h);
    }
    if (sc->mods & M_SOURCE_REPORT) {
        DtReason *r = g_new0(DtReason, 1);

        d->metadata->present = TRUE;
        d->metadata->host = g_strdup("lv-src");
        d->outgoing->present = TRUE;
        d->outgoing->host = g_strdup((sc->mods & M_SOURCE_ELSEWHERE) ? "lv-elsewhere" : "lv-src");
        d->outgoing->time = g_strdup("2026-12-07T05:47:08Z");
        r->code = g_strdup("dma-logging-report-unsupported");
        r->severity = DT_SEVERITY_ERROR;
        r->device = g_strdup("c2177883-f1bb-47f0-914d-32a22e3a8804");
        r->message = g_strdup("Device c2177883-f1bb-47f0-914d-32a22e3a8804 starts DMA logging "
                              "but its reports fail (EOPNOTSUPP was observed)");
        g_ptr_array_add(d->outgoing->reasons, r);
    }
    if (sc->mods & (M_FP_SOURCE | M_FP_MDEV_1 | M_FP_MDEV_2)) {
        DtMetadata *m = d->metadata;
        m->present = TRUE;
        m->verdict = g_strdup("allow");
        m->mode = g_strdup("device");
        for (guint i = 0; i < G_N_ELEMENTS(sc_dev_table); i++) {
            DtFingerprintDevice *f;
            if (!(sc->devs & sc_dev_table[i].bit) || !(sc->mods & M_FP_SOURCE))
                continue;
            f = g_new0(DtFingerprintDevice, 1);
            /* moved: hosts number their functions differently */
            f->address = (sc->mods & M_FP_MOVED) ? g_strdup_printf("0000:5e:00.%u", i + 1)
                                                 : g_strdup(sc_dev_table[i].addr);
            f->driver = g_strdup((sc->devs & DEV_QAT) && i == 2 ? "qat_vfio_pci" : "mlx5_vfio_pci");
            f->vendor_device = g_strdup("15b3:101e");
            if ((sc->mods & M_FP_OTHER_ID) && m->fp_devices->len == 0) {
                g_free(f->driver);
                g_free(f->vendor_device);
                f->driver = g_strdup("qat_vfio_pci");
                f->vendor_device = g_strdup("8086:4941");
                if (!(sc->mods & M_FP_MOVED)) {
                    g_free(f->address);
                    f->address = g_strdup("0000:6b:00.1");
                }
            }
            f->mig_flags = DT_MIG_STOP_COPY | DT_MIG_P2P | DT_MIG_PRE_COPY;
            g_ptr_array_add(m->fp_devices, f);
        }
        if ((sc->devs & DEV_MDEV) && (sc->mods & (M_FP_MDEV_1 | M_FP_MDEV_2))) {
            DtFingerprintDevice *f = g_new0(DtFingerprintDevice, 1);

            f->address = g_strdup("c2177883-f1bb-47f0-914d-32a22e3a8804");
            f->driver = g_strdup("vfio-pci");
            f->mdev_type = g_strdup((sc->mods & M_FP_MDEV_1) ? "mtty-1" : "mtty-2");
            f->mig_flags = DT_MIG_STOP_COPY | DT_MIG_P2P | DT_MIG_PRE_COPY;
            g_ptr_array_add(m->fp_devices, f);
        }
    }
    return d;
}

static DtQemuCaps *
build_qemu(const char *version)
{
    DtQemuCaps *q = dt_qemu_caps_new();

    q->binary = g_strdup("/usr/bin/qemu-system-x86_64");
    if (version)
        g_assert_true(dt_version_parse(version, &q->version));
    q->source = DT_SOURCE_CONFIG;
    q->props_known = FALSE;
    return q;
}

static void
build_policy(const Scenario *sc, DtPolicy *p)
{
    dt_policy_init_defaults(p);
    p->require_migratable = (sc->pol & P_REQUIRE) != 0;
    if (sc->pol & P_NEVER)
        p->perpetual = DT_PERPETUAL_NEVER;
    else if (sc->pol & P_ALLOW)
        p->perpetual = DT_PERPETUAL_ALLOW;
    else
        p->perpetual = DT_PERPETUAL_BUDGET;
    if (sc->pol & P_BUDGET_300)
        p->max_downtime_ms = 300;
    if (sc->pol & P_BUDGET_60S)
        p->max_downtime_ms = 60000;
    if (sc->pol & P_HOT)
        p->dirty_rate_mib_s = 2048;
    if (sc->pol & P_PREFER_IOMMU)
        p->prefer = DT_PREFER_IOMMU;
    else if (sc->pol & P_PREFER_DEVICE)
        p->prefer = DT_PREFER_DEVICE;
}

typedef struct {
    DtDomain *domain;
    DtHost *host;
    DtQemuCaps *qemu;
    DtDecideInput in;
} Built;

static void
build(const Scenario *sc, Built *b)
{
    memset(b, 0, sizeof(*b));
    b->domain = build_domain(sc);
    b->host = build_host(sc);
    b->qemu = build_qemu(sc->qemu);
    b->in.role = sc->role;
    b->in.domain = b->domain;
    b->in.host = b->host;
    b->in.qemu = b->qemu;
    g_assert_true(dt_version_parse(sc->libvirt, &b->in.libvirt));
    b->in.vdb = vdb;
    build_policy(sc, &b->in.policy);
}

static void
built_clear(Built *b)
{
    dt_domain_free(b->domain);
    dt_host_free(b->host);
    dt_qemu_caps_free(b->qemu);
}

static gboolean
has_code(const DtDecision *d, const char *code)
{
    for (guint i = 0; i < d->reasons->len; i++) {
        const DtReason *r = g_ptr_array_index(d->reasons, i);
        if (g_strcmp0(r->code, code) == 0)
            return TRUE;
    }
    return FALSE;
}

static char *
describe(const DtDecision *d)
{
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "mode=%s verdict=%s band=%s reasons:",
                           dt_mode_to_string(d->mode), dt_verdict_to_string(d->verdict),
                           d->qemu_band);
    for (guint i = 0; i < d->reasons->len; i++) {
        const DtReason *r = g_ptr_array_index(d->reasons, i);
        g_string_append_printf(s, "\n  %s/%s %s: %s", r->code, dt_severity_to_string(r->severity),
                               r->device ? r->device : "-", r->message);
    }
    return g_string_free(s, FALSE);
}

static void
check_codes(const DtDecision *d, const char *list, gboolean want)
{
    g_auto(GStrv) codes = NULL;

    if (!list)
        return;
    codes = g_strsplit(list, ",", -1);
    for (guint i = 0; codes[i]; i++) {
        if (!*codes[i])
            continue;
        if (has_code(d, codes[i]) != want) {
            g_test_fail_printf("reason %s %s", codes[i], want ? "missing" : "must be absent");
        }
    }
}

static void assert_upstream_source(const char *src);

static void
test_scenario(gconstpointer data)
{
    const Scenario *sc = data;
    Built b;
    g_autoptr(DtDecision) d = NULL;
    g_autofree char *desc = NULL;

    build(sc, &b);
    d = dt_decide(&b.in);
    g_assert_nonnull(d);
    desc = describe(d);
    g_test_message("source of expectation: %s", sc->source);
    g_test_message("%s", desc);
    if (d->mode != sc->mode || d->verdict != sc->verdict) {
        g_test_fail_printf("expected mode %s verdict %s, got mode %s verdict %s",
                           dt_mode_to_string(sc->mode), dt_verdict_to_string(sc->verdict),
                           dt_mode_to_string(d->mode), dt_verdict_to_string(d->verdict));
    }
    check_codes(d, sc->present, TRUE);
    check_codes(d, sc->absent, FALSE);
    /* the expectation and every rule cite what a reader can open */
    assert_upstream_source(sc->source);

    /* Whatever the case: every reason is explained and cites its rule,
     * device reasons name their device, and explain has a chain. */
    for (guint i = 0; i < d->reasons->len; i++) {
        const DtReason *r = g_ptr_array_index(d->reasons, i);
        g_assert_nonnull(r->code);
        g_assert_nonnull(r->message);
        g_assert_nonnull(r->rule);
        assert_upstream_source(r->rule);
        /* QEMU's words and when it says them go together */
        g_assert_true((r->qemu_message == NULL) == (r->qemu_phase == NULL));
        if (r->device)
            g_assert_nonnull(strstr(r->message, r->device));
    }
    g_assert_cmpuint(d->steps->len, >, 0);
    g_assert_nonnull(d->fingerprint);
    g_assert_cmpuint(strlen(d->fingerprint), ==, 64);
    built_clear(&b);
}

/* ---- DMA-logging ranges, as numbers --------------------------------------- */

#define G (G_GUINT64_CONSTANT(1) << 30)

typedef struct {
    const char *band;
    const char *machine;
    guint64 ram;
    guint64 maxram;
    guint n;
    DtRange r[3];
    const char *why;
} RangeCase;

/* q35: RAM >= 0xb0000000 splits at 2 GiB (pc_q35_init); pci-hole64 32 GiB
 * (Q35_PCI_HOST_HOLE64_SIZE_DEFAULT).  i440fx: RAM >= 0xe0000000 splits at
 * 3 GiB (pc_init1, gigabyte_align); pci-hole64 2 GiB
 * (I440FX_PCI_HOST_HOLE64_SIZE_DEFAULT).  The hole starts at the end of
 * RAM above 4 GiB rounded up to 1 GiB (pc_pci_hole64_start).  8.0/8.1 fold
 * it into the 64-bit range; 8.2 gives it its own (vfio_dirty_tracking_update). */
static const RangeCase range_cases[] = {
    { "8.0", "pc-q35-8.0", 8 * G, 0, 2, { { 0, 4 * G }, { 4 * G, 38 * G } }, "q35 8G: RAM 4G..10G, hole 10G..42G" },
    { "8.1", "q35", 8 * G, 0, 2, { { 0, 4 * G }, { 4 * G, 38 * G } }, "q35 8G" },
    { "8.2", "pc-q35-8.2", 8 * G, 0, 3, { { 0, 4 * G }, { 4 * G, 6 * G }, { 10 * G, 32 * G } }, "q35 8G" },
    { "10.1", "pc-q35-10.1", 8 * G, 0, 3, { { 0, 4 * G }, { 4 * G, 6 * G }, { 10 * G, 32 * G } }, "q35 8G" },
    { "8.1", "pc-q35-8.1", 64 * G, 0, 2, { { 0, 4 * G }, { 4 * G, 94 * G } }, "q35 64G: RAM to 66G, hole 66G..98G" },
    { "9.1", "pc-q35-9.1", 64 * G, 0, 3, { { 0, 4 * G }, { 4 * G, 62 * G }, { 66 * G, 32 * G } }, "q35 64G" },
    { "8.0", "pc-q35-8.0", 2 * G, 0, 2, { { 0, 4 * G }, { 4 * G, 32 * G } }, "q35 2G: all RAM low, hole at 4G" },
    { "8.2", "pc-q35-8.2", 2 * G, 0, 2, { { 0, 4 * G }, { 4 * G, 32 * G } }, "q35 2G: no RAM above 4G, so !!max64 = 0" },
    { "8.2", "pc-q35-8.2", 3 * G, 0, 3, { { 0, 4 * G }, { 4 * G, 1 * G }, { 5 * G, 32 * G } }, "q35 3G >= 0xb0000000: split at 2G" },
    { "9.0", "pc-q35-9.0", 13 * G / 2, 0, 3, { { 0, 4 * G }, { 4 * G, 9 * G / 2 }, { 9 * G, 32 * G } }, "q35 6.5G: hole rounded up to 9G" },
    { "8.1", "pc-q35-8.1", 13 * G / 2, 0, 2, { { 0, 4 * G }, { 4 * G, 37 * G } }, "q35 6.5G" },
    { "9.1", "pc-q35-9.1", 8 * G, 16 * G, 3, { { 0, 4 * G }, { 4 * G, 6 * G }, { 18 * G, 32 * G } }, "q35 8G, maxMemory 16G: hole after device memory" },
    { "8.0", "pc-i440fx-8.0", 8 * G, 0, 2, { { 0, 4 * G }, { 4 * G, 7 * G } }, "pc 8G: RAM 4G..9G, hole 9G..11G" },
    { "8.2", "pc-i440fx-8.2", 8 * G, 0, 3, { { 0, 4 * G }, { 4 * G, 5 * G }, { 9 * G, 2 * G } }, "pc 8G" },
    { "8.1", "pc", 64 * G, 0, 2, { { 0, 4 * G }, { 4 * G, 63 * G } }, "pc 64G" },
    { "10.0", "pc-i440fx-10.0", 64 * G, 0, 3, { { 0, 4 * G }, { 4 * G, 61 * G }, { 65 * G, 2 * G } }, "pc 64G" },
    { "8.2", "pc-i440fx-8.2", 3 * G, 0, 2, { { 0, 4 * G }, { 4 * G, 2 * G } }, "pc 3G < 0xe0000000: all low" },
    { "8.2", "pc-i440fx-8.2", 7 * G / 2, 0, 3, { { 0, 4 * G }, { 4 * G, G / 2 }, { 5 * G, 2 * G } }, "pc 3.5G = 0xe0000000: split at 3G" },
};

static void
test_ranges_numeric(void)
{
    for (guint i = 0; i < G_N_ELEMENTS(range_cases); i++) {
        const RangeCase *rc = &range_cases[i];
        DtRange out[4] = { { 0, 0 } };
        guint n = dt_decide_dma_ranges(rc->band, rc->machine, rc->ram, rc->maxram, out);

        g_test_message("%s %s: %s", rc->band, rc->machine, rc->why);
        g_assert_cmpuint(n, ==, rc->n);
        for (guint j = 0; j < n; j++) {
            g_assert_cmphex(out[j].iova, ==, rc->r[j].iova);
            g_assert_cmphex(out[j].length, ==, rc->r[j].length);
            /* QEMU aligns sections to the host page; the kernel wants
             * page-aligned ranges (Linux drivers/vfio/vfio_main.c LOG_MAX_RANGES) */
            g_assert_cmpuint(out[j].iova % 4096, ==, 0);
            g_assert_cmpuint(out[j].length % 4096, ==, 0);
            if (j > 0)
                g_assert_cmphex(out[j].iova, >=, out[j - 1].iova + out[j - 1].length);
        }
    }
}

static void
test_ranges_none(void)
{
    DtRange out[4];

    /* v1 QEMU has no DMA logging; ARM virt is not modelled */
    g_assert_cmpuint(dt_decide_dma_ranges("7.2", "pc-q35-7.2", 8 * G, 0, out), ==, 0);
    g_assert_cmpuint(dt_decide_dma_ranges("9.1", "virt-9.1", 8 * G, 0, out), ==, 0);
    g_assert_cmpuint(dt_decide_dma_ranges("unknown", "q35", 8 * G, 0, out), ==, 0);
}

static const Scenario *
find_scenario(const char *path)
{
    for (guint i = 0; i < G_N_ELEMENTS(scenarios); i++)
        if (strcmp(scenarios[i].path, path) == 0)
            return &scenarios[i];
    g_error("no scenario %s", path);
    return NULL;
}

static DtDecision *
decide_scenario(const char *path)
{
    Built b;
    DtDecision *d;

    build(find_scenario(path), &b);
    d = dt_decide(&b.in);
    built_clear(&b);
    return d;
}

/* The decision carries the ranges it computed for device mode. */
static void
test_ranges_in_decision(void)
{
    g_autoptr(DtDecision) d82 = decide_scenario("/decide/qemu-8.2/mlx5/64g-ranges-fit -> device");
    g_autoptr(DtDecision) d80 = decide_scenario("/decide/qemu-8.0/mlx5/2g-ranges -> device");
    g_autoptr(DtDecision) dq = decide_scenario("/decide/qemu-9.1/qat/iommufd-dirty -> iommu");

    g_assert_cmpint(d82->mode, ==, DT_MODE_DEVICE);
    g_assert_cmpuint(d82->n_ranges, ==, 3);
    g_assert_cmphex(d82->ranges[0].iova, ==, 0);
    g_assert_cmphex(d82->ranges[0].length, ==, 4 * G);
    g_assert_cmphex(d82->ranges[1].iova, ==, 4 * G);
    g_assert_cmphex(d82->ranges[1].length, ==, 62 * G);
    g_assert_cmphex(d82->ranges[2].iova, ==, 66 * G);
    g_assert_cmphex(d82->ranges[2].length, ==, 32 * G);
    g_assert_cmpuint(d82->log_page_size, ==, 4096);
    g_assert_cmpuint(d82->ram_bytes, ==, 64 * G);

    g_assert_cmpuint(d80->n_ranges, ==, 2);
    g_assert_cmphex(d80->ranges[1].iova, ==, 4 * G);
    g_assert_cmphex(d80->ranges[1].length, ==, 32 * G);

    /* IOMMU mode hands no ranges to devices */
    g_assert_cmpint(dq->mode, ==, DT_MODE_IOMMU);
    g_assert_cmpuint(dq->n_ranges, ==, 0);
}

/* ---- VF policy: what `check --format json` shows ---------------------------- */

static const DtVfPolicy *
policy_for(const DtDecision *d, const char *addr)
{
    for (guint i = 0; i < d->vf_policy->len; i++) {
        const DtVfPolicy *v = g_ptr_array_index(d->vf_policy, i);
        if (g_strcmp0(v->address, addr) == 0)
            return v;
    }
    return NULL;
}

static const char *
prop_of(const DtVfPolicy *v, const char *name, const char **type)
{
    for (guint i = 0; i < v->props->len; i++) {
        const DtProp *p = g_ptr_array_index(v->props, i);
        if (g_strcmp0(p->name, name) == 0) {
            if (type)
                *type = p->type;
            return p->value;
        }
    }
    return NULL;
}

static void
test_vf_policy_prefer_iommu(void)
{
    g_autoptr(DtDecision) d = decide_scenario("/decide/qemu-9.1/mlx5-qat/iommufd-prefer-iommu -> iommu");
    const DtVfPolicy *m = policy_for(d, "0000:3b:00.1");
    const DtVfPolicy *q = policy_for(d, "0000:6b:00.1");
    const char *type = NULL;

    g_assert_nonnull(m);
    g_assert_nonnull(q);
    g_assert_cmpstr(m->driver, ==, "mlx5_vfio_pci");
    g_assert_cmpstr(m->alias, ==, "ua-vf0");
    g_assert_cmpstr(q->driver, ==, "qat_vfio_pci");
    g_assert_cmpstr(q->alias, ==, "ua-vf1");
    /* prefer iommu: turn device logging off where IOMMU tracking works */
    g_assert_cmpstr(prop_of(m, "x-device-dirty-page-tracking", &type), ==, "off");
    g_assert_cmpstr(type, ==, "string");
    g_assert_null(prop_of(q, "x-device-dirty-page-tracking", NULL));
    g_assert_cmpstr(prop_of(m, "enable-migration", NULL), ==, "auto");
    g_assert_null(prop_of(m, "x-enable-migration", NULL));
    g_assert_false(m->must_migrate);
}

/* Turning device logging off without a way to IOMMU tracking would leave
 * the VM untracked: prefer='iommu' must not do it. */
static void
test_vf_policy_prefer_iommu_unreachable(void)
{
    Scenario sc = *find_scenario("/decide/qemu-9.1/mlx5/all-devices-log -> device");
    Built b;
    g_autoptr(DtDecision) d = NULL;
    const DtVfPolicy *v;

    sc.pol = P_PREFER_IOMMU;
    build(&sc, &b);
    d = dt_decide(&b.in);
    v = policy_for(d, "0000:3b:00.1");
    g_assert_nonnull(v);
    g_assert_null(prop_of(v, "x-device-dirty-page-tracking", NULL));
    g_assert_null(prop_of(v, "iommufd", NULL));
    g_assert_cmpstr(prop_of(v, "enable-migration", NULL), ==, "auto");
    built_clear(&b);

    /* with the domain's own -object iommufd, the policy can get there */
    sc.mods |= M_IOMMUFD_GLOBAL;
    build(&sc, &b);
    g_ptr_array_set_size(b.domain->cmdline_globals, 0);
    dt_decision_free(g_steal_pointer(&d));
    d = dt_decide(&b.in);
    v = policy_for(d, "0000:3b:00.1");
    g_assert_cmpstr(prop_of(v, "iommufd", NULL), ==, "iommufd0");
    g_assert_cmpstr(prop_of(v, "x-device-dirty-page-tracking", NULL), ==, "off");
    built_clear(&b);
}

/* When the binary's property list was read, it wins over the band: a
 * build without iommufd support, say, cannot be given iommufd=. */
static void
test_binary_properties(void)
{
    Scenario sc = *find_scenario("/decide/qemu-9.1/mlx5/all-devices-log -> device");
    Built b;
    g_autoptr(DtDecision) d = NULL;
    const DtVfPolicy *v;

    sc.props = "x-device-dirty-page-tracking=on";
    build(&sc, &b);
    b.qemu->props_known = TRUE;
    b.qemu->has_enable_migration = TRUE;
    b.qemu->has_x_pre_copy_dirty_page_tracking = TRUE;
    b.qemu->has_x_device_dirty_page_tracking = FALSE;
    b.qemu->has_iommufd = FALSE;
    d = dt_decide(&b.in);
    g_assert_true(has_code(d, DT_R_QEMU_TOO_OLD));
    g_assert_cmpint(d->verdict, ==, DT_VERDICT_DENY);
    v = policy_for(d, "0000:3b:00.1");
    g_assert_cmpstr(prop_of(v, "enable-migration", NULL), ==, "auto");
    built_clear(&b);

    sc.props = NULL;
    build(&sc, &b);
    b.qemu->props_known = TRUE;   /* and enable-migration missing too */
    dt_decision_free(g_steal_pointer(&d));
    d = dt_decide(&b.in);
    g_assert_cmpint(d->verdict, ==, DT_VERDICT_ALLOW);
    v = policy_for(d, "0000:3b:00.1");
    g_assert_null(prop_of(v, "enable-migration", NULL));
    built_clear(&b);
}

static void
test_vf_policy_bands(void)
{
    g_autoptr(DtDecision) d80 = decide_scenario("/decide/qemu-8.0/mlx5/x-enable-migration-on -> device");
    g_autoptr(DtDecision) d72 = decide_scenario("/decide/qemu-7.2/debian12/mlx5 -> deny protocol mismatch");
    g_autoptr(DtDecision) d82 = decide_scenario("/decide/qemu-8.2/mlx5/prefer-iommu-too-old -> device");
    const DtVfPolicy *v;
    const char *type = NULL;

    /* 8.0 has x-enable-migration (bool), not enable-migration */
    v = policy_for(d80, "0000:3b:00.1");
    g_assert_cmpstr(prop_of(v, "x-enable-migration", &type), ==, "true");
    g_assert_cmpstr(type, ==, "bool");
    g_assert_null(prop_of(v, "enable-migration", NULL));
    g_assert_null(prop_of(v, "x-device-dirty-page-tracking", NULL));

    /* 7.2: no property makes v2 migration work; the driver to bind is
     * still the variant libvirt 9.0 would not pick by itself */
    v = policy_for(d72, "0000:3b:00.1");
    g_assert_nonnull(v);
    g_assert_cmpstr(v->driver, ==, "mlx5_vfio_pci");
    g_assert_null(prop_of(v, "enable-migration", NULL));
    g_assert_null(prop_of(v, "x-device-dirty-page-tracking", NULL));
    g_assert_null(prop_of(v, "iommufd", NULL));

    /* 8.2 has no x-device-dirty-page-tracking even when IOMMU is preferred */
    v = policy_for(d82, "0000:3b:00.1");
    g_assert_cmpstr(prop_of(v, "enable-migration", NULL), ==, "auto");
    g_assert_null(prop_of(v, "x-device-dirty-page-tracking", NULL));
}

static void
test_vf_policy_perpetual_and_require(void)
{
    g_autoptr(DtDecision) dp = decide_scenario("/decide/qemu-9.1/qat/perpetual-budget-60s -> warn");
    g_autoptr(DtDecision) dn = decide_scenario("/decide/qemu-9.1/qat/perpetual-budget-300ms -> deny");
    g_autoptr(DtDecision) dr = decide_scenario("/decide/qemu-9.1/mlx5/require-migratable-ok -> allow");
    g_autoptr(DtDecision) dplain = decide_scenario("/decide/qemu-9.1/plain/no-driver -> deny");
    g_autoptr(DtDecision) dnever = decide_scenario("/decide/qemu-9.1/qat/perpetual-never -> deny");
    g_autoptr(DtDecision) dalias = decide_scenario("/decide/qemu-9.1/mlx5/no-alias -> device");
    const DtVfPolicy *v;

    /* perpetual accepted by the budget: keep QEMU from blocking it, and
     * skip pre-copy syncs that would only re-send everything */
    v = policy_for(dp, "0000:6b:00.1");
    g_assert_cmpstr(prop_of(v, "enable-migration", NULL), ==, "on");
    g_assert_cmpstr(prop_of(v, "x-pre-copy-dirty-page-tracking", NULL), ==, "off");
    /* over budget: leave QEMU's blocker in place */
    v = policy_for(dn, "0000:6b:00.1");
    g_assert_cmpstr(prop_of(v, "enable-migration", NULL), ==, "auto");

    /* require-migratable: QEMU must refuse rather than run unmigratable */
    v = policy_for(dr, "0000:3b:00.1");
    g_assert_true(v->must_migrate);
    g_assert_cmpstr(prop_of(v, "enable-migration", NULL), ==, "on");
    g_assert_null(prop_of(v, "x-pre-copy-dirty-page-tracking", NULL));

    /* a device that can never migrate: say so explicitly */
    v = policy_for(dplain, "0000:17:02.0");
    g_assert_cmpstr(v->driver, ==, "vfio-pci");
    g_assert_cmpstr(prop_of(v, "enable-migration", NULL), ==, "off");

    /* perpetual='never': the domain's enable-migration=on is replaced by
     * auto, so QEMU blocks rather than migrates in perpetual mode */
    v = policy_for(dnever, "0000:6b:00.1");
    g_assert_cmpstr(prop_of(v, "enable-migration", NULL), ==, "auto");

    v = policy_for(dalias, "0000:3b:00.1");
    g_assert_cmpstr(v->alias, ==, "ua-dt-3b001");
}

static void
test_vf_policy_iommufd_cmdline(void)
{
    /* The domain declares -object iommufd but one device lacks the
     * override: the policy adds it (QEMU >= 9.1, libvirt >= 8.2). */
    Scenario sc = *find_scenario("/decide/qemu-9.1/qat/iommufd-cmdline -> iommu");
    Built b;
    g_autoptr(DtDecision) d = NULL;
    DtHostdev *h;
    const DtVfPolicy *v;

    build(&sc, &b);
    h = g_ptr_array_index(b.domain->hostdevs, 0);
    g_ptr_array_set_size(h->overrides, 0);
    d = dt_decide(&b.in);
    g_assert_cmpint(d->mode, ==, DT_MODE_NONE);
    v = policy_for(d, "0000:6b:00.1");
    g_assert_cmpstr(prop_of(v, "iommufd", NULL), ==, "iommufd0");
    built_clear(&b);
}

/* ---- the Debian 12 promise of docs/hook.md ------------------------------------- */

static void
test_debian12_mlx5(void)
{
    g_autoptr(DtDecision) d = decide_scenario("/decide/qemu-7.2/debian12/mlx5 -> deny protocol mismatch");
    gboolean found = FALSE;

    g_assert_cmpint(d->verdict, ==, DT_VERDICT_DENY);
    g_assert_cmpstr(d->qemu_band, ==, "7.2");
    for (guint i = 0; i < d->reasons->len; i++) {
        const DtReason *r = g_ptr_array_index(d->reasons, i);
        if (strcmp(r->code, DT_R_QEMU_PROTOCOL_MISMATCH) != 0)
            continue;
        found = TRUE;
        g_assert_cmpint(r->severity, ==, DT_SEVERITY_ERROR);
        g_assert_cmpstr(r->device, ==, "0000:3b:00.1");
        g_assert_nonnull(strstr(r->message, "0000:3b:00.1"));
        g_assert_nonnull(strstr(r->message, "8.1"));
        g_assert_nonnull(strstr(r->rule, "hw/vfio/migration.c"));
        g_assert_cmpstr(r->qemu_message, ==, "VFIO device doesn't support migration");
        g_assert_cmpstr(r->qemu_phase, ==, "blocker");
    }
    g_assert_true(found);
}

/* ---- explain chain, fingerprint, cost inputs ------------------------------- */

/* A source a reader can open: upstream QEMU, libvirt or the kernel, or a
 * file of this repository; never a note that lives outside it. */
static void
assert_upstream_source(const char *src)
{
    const char *p = src;

    g_assert_nonnull(src);
    if (!(strstr(src, "QEMU") || strstr(src, "libvirt") || strstr(src, "Linux") ||
          strstr(src, "drivers/") || strstr(src, "include/") || strstr(src, "commit") ||
          g_str_has_prefix(src, "data/") || g_str_has_prefix(src, "plugin/") ||
          strstr(src, "docs/") || strstr(src, "samples/")))
        g_test_fail_printf("source names nothing a reader can open: %s", src);
    while ((p = strstr(p, ".md"))) {
        /* every Markdown file cited is one of docs/ or an upstream path */
        const char *start = p;
        while (start > src && start[-1] != ' ' && start[-1] != '(' && start[-1] != ';')
            start--;
        if (!g_str_has_prefix(start, "docs/"))
            g_test_fail_printf("source cites %.*s outside the repository: %s",
                               (int)(p + 3 - start), start, src);
        p += 3;
    }
}

static void
test_explain_chain(void)
{
    g_autoptr(DtDecision) d = decide_scenario("/decide/qemu-9.1/mlx5-qat/iommufd-dirty -> iommu");
    const DtStep *first, *last;

    g_assert_cmpuint(d->steps->len, >=, 5);
    first = g_ptr_array_index(d->steps, 0);
    last = g_ptr_array_index(d->steps, d->steps->len - 1);
    /* facts first (driver binding, with its source), the mode last */
    g_assert_nonnull(strstr(first->fact, "0000:3b:00.1"));
    g_assert_cmpint(first->source, ==, DT_SOURCE_SYSFS);
    g_assert_nonnull(strstr(last->consequence, "iommu"));
    for (guint i = 0; i < d->steps->len; i++) {
        const DtStep *s = g_ptr_array_index(d->steps, i);
        g_assert_nonnull(s->fact);
        g_assert_nonnull(s->rule);
        g_assert_nonnull(s->consequence);
        assert_upstream_source(s->rule);
    }
}

static void
test_fingerprint(void)
{
    g_autoptr(DtDecision) a = decide_scenario("/decide/qemu-9.1/mlx5-qat/iommufd-dirty -> iommu");
    g_autoptr(DtDecision) b = decide_scenario("/decide/qemu-10.0/mlx5-qat/iommufd-dirty -> iommu");
    g_autoptr(DtDecision) c = decide_scenario("/decide/qemu-9.1/mlx5-qat/legacy-auto -> deny");
    Scenario sc = *find_scenario("/decide/qemu-9.1/mlx5-qat/iommufd-dirty -> iommu");
    Built bb;
    g_autoptr(DtDecision) rev = NULL;

    /* same mode, devices, drivers and flags: same fingerprint, whatever QEMU */
    g_assert_cmpstr(a->fingerprint, ==, b->fingerprint);
    g_assert_cmpstr(a->fingerprint, !=, c->fingerprint);
    for (const char *p = a->fingerprint; *p; p++)
        g_assert_true(g_ascii_isxdigit(*p) && !g_ascii_isupper(*p));

    /* address order, not XML order */
    build(&sc, &bb);
    {
        GPtrArray *hd = bb.domain->hostdevs;
        gpointer tmp = hd->pdata[0];
        hd->pdata[0] = hd->pdata[1];
        hd->pdata[1] = tmp;
    }
    rev = dt_decide(&bb.in);
    g_assert_cmpstr(rev->fingerprint, ==, a->fingerprint);
    built_clear(&bb);
}

static void
test_cost_inputs(void)
{
    g_autoptr(DtDecision) probed = decide_scenario("/decide/qemu-9.1/mlx5/probed-logs -> device");
    g_autoptr(DtDecision) huge = decide_scenario("/decide/qemu-9.1/qat/iommufd-hugepages -> iommu");
    g_autoptr(DtDecision) small = decide_scenario("/decide/qemu-9.1/qat/iommufd-dirty -> iommu");

    g_assert_cmpuint(probed->ram_bytes, ==, 8 * G);
    g_assert_cmpuint(probed->device_state_bytes, ==, 64u << 20);   /* MIG_DATA_SIZE */
    g_assert_cmpuint(probed->tracking_granularity, ==, 4096);
    g_assert_cmpuint(huge->tracking_granularity, ==, G);           /* 1 GiB IOPTEs */
    g_assert_cmpuint(small->tracking_granularity, ==, 4096);

    /* (R + S) / B */
    g_assert_cmpuint(dt_decide_perpetual_downtime_ms(8 * G, 0, 1024), ==, 8000);
    g_assert_cmpuint(dt_decide_perpetual_downtime_ms(8 * G, 64u << 20, 1024), ==, 8063);
    g_assert_cmpuint(dt_decide_perpetual_downtime_ms(1, 0, 1024), ==, 1);
    g_assert_cmpuint(dt_decide_perpetual_downtime_ms(4 * G * 1024, 0, 100), ==, 41943040);
}


/* ---- containers and QEMU's own words ------------------------------------- */

static const DtContainer *
container_named(const DtDecision *d, const char *id)
{
    for (guint i = 0; i < d->containers->len; i++) {
        const DtContainer *ct = g_ptr_array_index(d->containers, i);
        if (g_strcmp0(ct->id, id) == 0)
            return ct;
    }
    return NULL;
}

/* An mlx5 VF on type1 and a QAT VF on iommufd are two
 * containers; the first logs DMA, the second uses HWPT dirty tracking. */
static void
test_containers(void)
{
    g_autoptr(DtDecision) d = decide_scenario("/decide/qemu-10.0/mlx5-legacy-qat-iommufd/per-container -> iommu");
    g_autoptr(DtDecision) v = decide_scenario("/decide/qemu-11.0/qat/viommu-iommufd -> iommu");
    g_autoptr(DtDecision) f = decide_scenario("/decide/qemu-10.0/failover/vf-alone -> none");
    const DtContainer *legacy = container_named(d, "legacy");
    const DtContainer *ifd = container_named(d, "iommufd:iommufd0");

    g_assert_cmpuint(d->containers->len, ==, 2);
    g_assert_nonnull(legacy);
    g_assert_nonnull(ifd);
    g_assert_cmpstr(legacy->backend, ==, "legacy");
    g_assert_cmpint(legacy->mode, ==, DT_MODE_DEVICE);
    g_assert_cmpuint(legacy->devices->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(legacy->devices, 0), ==, "0000:3b:00.1");
    g_assert_cmpstr(ifd->backend, ==, "iommufd");
    g_assert_cmpint(ifd->mode, ==, DT_MODE_IOMMU);
    g_assert_cmpstr(g_ptr_array_index(ifd->devices, 0), ==, "0000:6b:00.1");
    /* the VM migrates as its worst container */
    g_assert_cmpint(d->mode, ==, DT_MODE_IOMMU);
    for (guint i = 0; i < d->devices->len; i++) {
        const DtDeviceFinding *x = g_ptr_array_index(d->devices, i);
        g_assert_nonnull(x->container);
    }

    /* behind a vIOMMU every device has its own address space */
    g_assert_cmpuint(v->containers->len, ==, 1);
    g_assert_cmpstr(((DtContainer *)g_ptr_array_index(v->containers, 0))->id, ==,
                    "viommu:0000:6b:00.1");
    g_assert_true(((DtContainer *)g_ptr_array_index(v->containers, 0))->viommu);

    /* a failover VF takes no part */
    g_assert_cmpuint(f->containers->len, ==, 0);
    g_assert_true(((DtDeviceFinding *)g_ptr_array_index(f->devices, 0))->failover);
}

typedef struct {
    const char *scenario;
    const char *code;
    const char *qemu_message;
    const char *phase;
} WordsCase;

/* What real QEMU 10.0.2 and 7.2.22 printed for these configurations (an
 * e1000e or mtty in an L2 guest); here the device names are the fixtures'. */
static const WordsCase words_cases[] = {
    { "/decide/qemu-10.0/plain/no-driver -> deny", "no-migration-driver",
      "0000:17:02.0: VFIO migration is not supported in kernel", "blocker" },
    { "/decide/qemu-9.1/plain/enable-migration-off -> deny", "migration-disabled",
      "0000:17:02.0: Migration is disabled for VFIO device", "blocker" },
    { "/decide/qemu-8.2/plain/enable-migration-on-realize-fails -> deny", "no-migration-driver",
      "vfio 0000:17:02.0: 0000:17:02.0: VFIO migration is not supported in kernel", "realize" },
    { "/decide/qemu-10.0/mtty/enable-migration-off -> deny", "migration-disabled",
      "c2177883-f1bb-47f0-914d-32a22e3a8804: Migration is disabled for VFIO device", "blocker" },
    { "/decide/qemu-10.0/mtty/viommu -> deny", "viommu",
      "c2177883-f1bb-47f0-914d-32a22e3a8804: Migration is currently not supported with vIOMMU enabled",
      "blocker" },
    { "/decide/qemu-10.0/mtty/device-tracking-off -> deny", "no-dirty-tracking",
      "c2177883-f1bb-47f0-914d-32a22e3a8804: VFIO device doesn't support device and IOMMU dirty tracking",
      "blocker" },
    { "/decide/qemu-10.0/mtty/device-tracking-off-enable-on -> perpetual", "no-dirty-tracking",
      "c2177883-f1bb-47f0-914d-32a22e3a8804: VFIO device doesn't support device and IOMMU dirty tracking",
      "warning" },
    { "/decide/qemu-10.0/mlx5/viommu-no-caching-mode -> deny", "viommu",
      "We need to set caching-mode=on for intel-iommu to enable device assignment with IOMMU "
      "protection.", "realize" },
    { "/decide/qemu-10.0/mlx5/iommufd-kernel-without-iommufd -> deny", "iommufd-unavailable",
      "vfio /sys/bus/pci/devices/0000:3b:00.1/vfio-dev: failed to load "
      "\"/sys/bus/pci/devices/0000:3b:00.1/vfio-dev/vfio0/dev\"", "realize" },
    { "/decide/qemu-10.0/mtty/report-fails -> deny", "dma-logging-report-unsupported",
      "c2177883-f1bb-47f0-914d-32a22e3a8804: Failed to get DMA logging report", "migrate" },
    { "/decide/qemu-11.0/qat/16t-enable-on-type1 -> deny", "type1-ram-limit",
      "vfio 0000:6b:00.1: 0000:6b:00.1: Migration is currently not supported with large memory VM "
      "due to dirty tracking limitation in backend", "realize" },
    { "/decide/qemu-7.2/plain/no-driver -> deny", "no-migration-driver",
      "VFIO device doesn't support migration", "blocker" },
    { "/decide/qemu-7.2/mtty -> deny", "qemu-protocol-mismatch",
      "VFIO device doesn't support migration", "blocker" },
    { "/decide/qemu-7.2/mlx5/iommufd-object -> deny", "qemu-too-old",
      "Parameter 'qom-type' does not accept value 'iommufd'", "cmdline" },
    { "/decide/qemu-7.2/mtty/device-tracking-off -> deny", "qemu-too-old",
      "Property 'vfio-pci.x-device-dirty-page-tracking' not found", "realize" },
    { "/decide/qemu-10.0/plain/viommu -> deny", "no-migration-driver",
      "0000:17:02.0: VFIO migration is not supported in kernel", "blocker" },
    { "/decide/qemu-10.0/qat/viommu-auto -> deny", "no-dirty-tracking",
      "0000:6b:00.1: VFIO device doesn't support device and IOMMU dirty tracking", "blocker" },
    { "/decide/qemu-8.1/mlx5-two/multiple-blocked -> deny", "multi-device-no-p2p",
      "Migration is currently not supported with multiple VFIO devices", "blocker" },
};

static void
test_qemu_words(void)
{
    for (guint i = 0; i < G_N_ELEMENTS(words_cases); i++) {
        const WordsCase *w = &words_cases[i];
        g_autoptr(DtDecision) d = decide_scenario(w->scenario);
        gboolean found = FALSE;

        for (guint j = 0; j < d->reasons->len && !found; j++) {
            const DtReason *r = g_ptr_array_index(d->reasons, j);
            if (g_strcmp0(r->code, w->code) != 0 || !r->qemu_message)
                continue;
            found = TRUE;
            g_assert_cmpstr(r->qemu_message, ==, w->qemu_message);
            g_assert_cmpstr(r->qemu_phase, ==, w->phase);
        }
        if (!found)
            g_test_fail_printf("%s: no %s reason with QEMU's words", w->scenario, w->code);
    }
}

/* libvirt before 8.6 answers in its own words, without asking QEMU. */
static void
test_libvirt_words(void)
{
    g_autoptr(DtDecision) d = decide_scenario("/decide/qemu-9.1/mlx5/libvirt-8.5-refuses -> deny");
    g_autoptr(DtDecision) m = decide_scenario("/decide/qemu-10.0/mtty/libvirt-8.0 -> deny");
    const DtReason *r = NULL;

    for (guint j = 0; j < d->reasons->len; j++)
        if (g_strcmp0(((DtReason *)g_ptr_array_index(d->reasons, j))->code, DT_R_LIBVIRT_TOO_OLD) == 0)
            r = g_ptr_array_index(d->reasons, j);
    g_assert_nonnull(r);
    g_assert_cmpstr(r->libvirt_message, ==,
                    "cannot migrate a domain with <hostdev mode='subsystem' type='pci'>");
    r = NULL;
    for (guint j = 0; j < m->reasons->len; j++)
        if (g_strcmp0(((DtReason *)g_ptr_array_index(m->reasons, j))->code, DT_R_LIBVIRT_TOO_OLD) == 0)
            r = g_ptr_array_index(m->reasons, j);
    g_assert_nonnull(r);
    g_assert_cmpstr(r->libvirt_message, ==,
                    "cannot migrate a domain with <hostdev mode='subsystem' type='mdev'>");
}

/* Every rule of the registry names its upstream source, and a rule that
 * produces a code gives it a severity. */
static void
test_registry(void)
{
    guint n = dt_decide_n_rules();
    DtReasonInfo info;

    g_assert_cmpuint(n, >, 40);
    for (guint i = 0; i < n; i++) {
        g_assert_true(dt_decide_rule_at(i, &info));
        g_assert_nonnull(info.rule);
        g_assert_cmpuint(strlen(info.rule), >, 0);
        assert_upstream_source(info.source);
    }
    g_assert_false(dt_decide_rule_at(n, &info));
    g_assert_true(dt_decide_rule_for_code(DT_R_FAILOVER_UNPLUGGED, &info));
    g_assert_nonnull(strstr(info.source, "vfio_realize"));
    g_assert_true(dt_decide_rule_for_code(DT_R_TYPE1_RAM_LIMIT, &info));
    g_assert_nonnull(strstr(info.source, "46c763311419"));
}

/* ---- purity ----------------------------------------------------------------- */

static void
dump_props(GString *s, const GPtrArray *a)
{
    for (guint i = 0; a && i < a->len; i++) {
        const DtProp *p = g_ptr_array_index(a, i);
        g_string_append_printf(s, "[%s:%s=%s]", p->name, p->type, p->value);
    }
}

static char *
dump_input(const DtDecideInput *in)
{
    GString *s = g_string_new(NULL);
    const DtDomain *d = in->domain;
    const DtHost *h = in->host;
    const DtQemuCaps *q = in->qemu;

    g_string_append_printf(s, "role=%d mem=%" G_GUINT64_FORMAT " max=%" G_GUINT64_FORMAT
                           " machine=%s viommu=%s iommufd=%d cmd=%s hp=%d/%" G_GUINT64_FORMAT,
                           in->role, d->memory_kib, d->max_memory_kib, d->machine,
                           d->viommu_model, d->iommufd_enabled, d->cmdline_iommufd_id,
                           d->hugepages, d->hugepage_kib);
    dump_props(s, d->cmdline_globals);
    for (guint i = 0; i < d->hostdevs->len; i++) {
        const DtHostdev *x = g_ptr_array_index(d->hostdevs, i);
        g_string_append_printf(s, "\nhd %d %04x:%02x:%02x.%x m=%d model=%s fd=%d alias=%s",
                               x->type, x->addr.domain, x->addr.bus, x->addr.slot,
                               x->addr.function, x->managed, x->driver_model,
                               x->driver_iommufd, x->alias);
        dump_props(s, x->overrides);
    }
    g_string_append_printf(s, "\nhost %s page=%u iommu=%d cdev=%d",
                           h->kernel_release, h->page_size, h->dev_iommu, h->vfio_cdev_support);
    for (guint i = 0; i < h->iommus->len; i++) {
        const DtIommu *u = g_ptr_array_index(h->iommus, i);
        g_string_append_printf(s, "\nunit %s %d/%d", u->name, u->dirty_tracking.value,
                               u->dirty_tracking.source);
    }
    for (guint i = 0; i < h->devices->len; i++) {
        const DtPciDev *x = g_ptr_array_index(h->devices, i);
        g_string_append_printf(s, "\ndev %02x:%02x.%x %s %s %d/%d %u %d/%d %" G_GUINT64_FORMAT,
                               x->addr.bus, x->addr.slot, x->addr.function, x->driver,
                               x->alias_driver, x->migration.value, x->migration.source,
                               x->mig_flags, x->dma_logging.value, x->dma_logging.source,
                               x->stop_copy_bytes);
    }
    g_string_append_printf(s, "\nqemu %u.%u.%u %d lv %u.%u.%u pol %d %d %d %" G_GUINT64_FORMAT,
                           q->version.major, q->version.minor, q->version.micro, q->props_known,
                           in->libvirt.major, in->libvirt.minor, in->libvirt.micro,
                           in->policy.require_migratable, in->policy.perpetual,
                           in->policy.prefer, in->policy.max_downtime_ms);
    return g_string_free(s, FALSE);
}

static char *
dump_decision(const DtDecision *d)
{
    GString *s = g_string_new(NULL);

    g_string_append_printf(s, "%d %d %d %s %s %u %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                           " %" G_GUINT64_FORMAT,
                           d->role, d->mode, d->verdict, d->qemu_band, d->fingerprint,
                           d->n_ranges, d->ram_bytes, d->device_state_bytes,
                           d->tracking_granularity);
    for (guint i = 0; i < d->n_ranges; i++)
        g_string_append_printf(s, " r%" G_GUINT64_FORMAT "+%" G_GUINT64_FORMAT,
                               d->ranges[i].iova, d->ranges[i].length);
    for (guint i = 0; i < d->reasons->len; i++) {
        const DtReason *r = g_ptr_array_index(d->reasons, i);
        g_string_append_printf(s, "\nR %s %d %s %s %s", r->code, r->severity, r->device,
                               r->message, r->rule);
    }
    for (guint i = 0; i < d->devices->len; i++) {
        const DtDeviceFinding *f = g_ptr_array_index(d->devices, i);
        g_string_append_printf(s, "\nD %s %s %s %d %d %u %d", f->address, f->driver,
                               f->vfio_driver, f->vfio_driver_source, f->migration.value,
                               f->mig_flags, f->dma_logging.value);
    }
    for (guint i = 0; i < d->vf_policy->len; i++) {
        const DtVfPolicy *v = g_ptr_array_index(d->vf_policy, i);
        g_string_append_printf(s, "\nV %s %s %s %d", v->address, v->alias, v->driver,
                               v->must_migrate);
        dump_props(s, v->props);
    }
    for (guint i = 0; i < d->steps->len; i++) {
        const DtStep *st = g_ptr_array_index(d->steps, i);
        g_string_append_printf(s, "\nS %s %d %s %s", st->fact, st->source, st->rule,
                               st->consequence);
    }
    return g_string_free(s, FALSE);
}

static void
test_purity(void)
{
    for (guint i = 0; i < G_N_ELEMENTS(scenarios); i++) {
        Built b;
        g_autofree char *before = NULL;
        g_autofree char *after = NULL;
        g_autofree char *out1 = NULL;
        g_autofree char *out2 = NULL;
        DtDecision *d1, *d2;

        build(&scenarios[i], &b);
        before = dump_input(&b.in);
        d1 = dt_decide(&b.in);
        d2 = dt_decide(&b.in);
        after = dump_input(&b.in);
        out1 = dump_decision(d1);
        out2 = dump_decision(d2);
        g_assert_cmpstr(before, ==, after);
        g_assert_cmpstr(out1, ==, out2);
        dt_decision_free(d1);
        dt_decision_free(d2);
        built_clear(&b);
    }
}

/* The hook runs this on every migration: the whole matrix must take well
 * under a second (docs/hook.md). */
static void
test_matrix_speed(void)
{
    g_autoptr(GTimer) t = g_timer_new();
    Built *built = g_new0(Built, G_N_ELEMENTS(scenarios));
    double secs;

    for (guint i = 0; i < G_N_ELEMENTS(scenarios); i++)
        build(&scenarios[i], &built[i]);
    g_timer_start(t);
    for (guint i = 0; i < G_N_ELEMENTS(scenarios); i++)
        dt_decision_free(dt_decide(&built[i].in));
    secs = g_timer_elapsed(t, NULL);
    g_test_message("%zu scenarios decided in %.3f s", G_N_ELEMENTS(scenarios), secs);
    {
        /* under memcheck (make check-valgrind) time says nothing */
        if (g_getenv("DIRTYTRACK_UNDER_VALGRIND"))
            g_test_skip("runs under valgrind: time not compared");
        else
            g_assert_cmpfloat(secs, <, 0.5);
    }
    for (guint i = 0; i < G_N_ELEMENTS(scenarios); i++)
        built_clear(&built[i]);
    g_free(built);
}

static void
test_matrix_shape(void)
{
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    guint bands_seen = 0;
    const char *const band_names[] = { "7.2", "8.0", "8.1", "8.2", "9.0", "9.1", "10.0", "10.1", "10.2", "11.0+" };

    g_assert_cmpuint(G_N_ELEMENTS(scenarios), >=, 150);
    for (guint i = 0; i < G_N_ELEMENTS(scenarios); i++) {
        g_assert_true(g_str_has_prefix(scenarios[i].path, "/decide/"));
        g_assert_true(g_hash_table_add(seen, (gpointer)scenarios[i].path));
        g_assert_nonnull(scenarios[i].source);
        g_assert_cmpuint(strlen(scenarios[i].source), >, 0);
    }
    /* every QEMU band is covered */
    for (guint j = 0; j < G_N_ELEMENTS(band_names); j++) {
        for (guint i = 0; i < G_N_ELEMENTS(scenarios); i++) {
            DtVersion v;
            if (scenarios[i].qemu && dt_version_parse(scenarios[i].qemu, &v) &&
                g_strcmp0(dt_versions_qemu_band_name(&v), band_names[j]) == 0) {
                bands_seen++;
                break;
            }
        }
    }
    g_assert_cmpuint(bands_seen, ==, G_N_ELEMENTS(band_names));
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;

    g_test_init(&argc, &argv, NULL);
    vdb = dt_vdb_load_default(&error);
    g_assert_no_error(error);
    g_assert_nonnull(vdb);

    g_test_add_func("/decide/matrix/shape", test_matrix_shape);
    for (guint i = 0; i < G_N_ELEMENTS(scenarios); i++)
        g_test_add_data_func(scenarios[i].path, &scenarios[i], test_scenario);
    g_test_add_func("/decide/ranges/q35-and-pc-numeric", test_ranges_numeric);
    g_test_add_func("/decide/ranges/none-without-dma-logging", test_ranges_none);
    g_test_add_func("/decide/ranges/in-decision-for-device-mode", test_ranges_in_decision);
    g_test_add_func("/decide/vf-policy/prefer-iommu-turns-device-tracking-off", test_vf_policy_prefer_iommu);
    g_test_add_func("/decide/vf-policy/prefer-iommu-only-where-reachable", test_vf_policy_prefer_iommu_unreachable);
    g_test_add_func("/decide/vf-policy/only-properties-the-band-has", test_vf_policy_bands);
    g_test_add_func("/decide/vf-policy/only-properties-the-binary-has", test_binary_properties);
    g_test_add_func("/decide/vf-policy/perpetual-require-plain-alias", test_vf_policy_perpetual_and_require);
    g_test_add_func("/decide/vf-policy/adds-iommufd-override", test_vf_policy_iommufd_cmdline);
    g_test_add_func("/decide/debian12/qemu-7.2-mlx5 -> deny qemu-protocol-mismatch", test_debian12_mlx5);
    g_test_add_func("/decide/explain/fact-rule-consequence", test_explain_chain);
    g_test_add_func("/decide/fingerprint/mode-and-devices-in-address-order", test_fingerprint);
    g_test_add_func("/decide/cost-inputs/ram-state-granularity", test_cost_inputs);
    g_test_add_func("/decide/purity/same-input-same-output-input-unchanged", test_purity);
    g_test_add_func("/decide/containers/type1-and-iommufd-decided-apart", test_containers);
    g_test_add_func("/decide/qemu-words/as-real-qemu-10.0.2-and-7.2.22-print", test_qemu_words);
    g_test_add_func("/decide/libvirt-words/before-8.6", test_libvirt_words);
    g_test_add_func("/decide/registry/every-rule-cites-upstream", test_registry);
    g_test_add_func("/decide/matrix/decides-in-well-under-a-second", test_matrix_speed);

    {
        int ret = g_test_run();
        dt_vdb_free(vdb);
        return ret;
    }
}
