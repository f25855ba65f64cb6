/* test-domain.c: the domain model against real and hostile domain XML.
 *
 * Three kinds of input, three kinds of promise:
 *  - the sample domains in tests/data/domains/ parse to the exact values the
 *    rest of dirtytrack relies on (addresses, aliases, RAM in KiB, vIOMMU,
 *    overrides, and every way a domain can ask for the iommufd backend);
 *  - libvirt's own test inputs (tests/data/corpus/, unchanged) parse whenever
 *    libvirt's parser accepts them; tests/data/corpus/SOURCES.md says which,
 *    and it is read here rather than copied into the test;
 *  - hostile documents built here (entity bombs, external entities, 50 MB,
 *    deep nesting, NUL bytes, empty input) fail quickly with a one-line
 *    DT_ERROR_INVALID_INPUT instead of crashing, hanging or eating memory.
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "model/dt-domain.h"
#include "model/dt-util.h"
#include "model/dt-xml.h"

/* ---- helpers ----------------------------------------------------------------- */

static char *
data_path(const char *sub, const char *name)
{
    return g_test_build_filename(G_TEST_DIST, "data", sub, name, NULL);
}

static DtDomain *
load_sample(const char *name)
{
    g_autofree char *path = data_path("domains", name);
    g_autoptr(GError) error = NULL;
    DtDomain *d = dt_domain_parse_file(path, &error);

    g_assert_no_error(error);
    g_assert_nonnull(d);
    return d;
}

static DtDomain *
parse_str(const char *xml, GError **error)
{
    return dt_domain_parse(xml, strlen(xml), error);
}

/* Errors reach a person through stderr or a hook's refusal: one line. */
static void
assert_one_line_error(const GError *error, const char *must_contain)
{
    g_assert_nonnull(error);
    g_assert_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT);
    g_assert_nonnull(error->message);
    g_assert_cmpuint(strlen(error->message), >, 0);
    g_assert_null(strchr(error->message, '\n'));
    if (must_contain && !strstr(error->message, must_contain))
        g_error("error message \"%s\" does not mention \"%s\"", error->message, must_contain);
}

static void
assert_invalid(const char *xml, const char *must_contain)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DtDomain) d = parse_str(xml, &error);

    g_assert_null(d);
    assert_one_line_error(error, must_contain);
}

static void
assert_addr(const DtHostdev *h, const char *expected)
{
    g_autofree char *s = NULL;

    g_assert_cmpint(h->type, ==, DT_HOSTDEV_PCI);
    g_assert_true(h->has_addr);
    s = dt_pci_addr_to_string(&h->addr);
    g_assert_cmpstr(s, ==, expected);
}

static const DtProp *
find_prop(GPtrArray *props, const char *name)
{
    for (guint i = 0; i < props->len; i++) {
        const DtProp *p = g_ptr_array_index(props, i);
        if (g_strcmp0(p->name, name) == 0)
            return p;
    }
    return NULL;
}

#define HOSTDEV(addr_attrs, inner) \
    "<hostdev mode='subsystem' type='pci' managed='yes'>" inner \
    "<source><address " addr_attrs "/></source><alias name='ua-vf0'/></hostdev>"
#define DOMAIN(top, devices, tail) \
    "<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>" \
    "<name>t</name><memory unit='GiB'>1</memory>" top \
    "<os><type arch='x86_64' machine='q35'>hvm</type></os>" \
    "<devices>" devices "</devices>" tail "</domain>"
#define VF0 HOSTDEV("domain='0x0000' bus='0x3b' slot='0x00' function='0x1'", "")

/* ---- sample domains ------------------------------------------------------------- */

typedef struct {
    const char *file;
    const char *name;
    guint64 memory_kib;
    guint vcpus;
    const char *machine;
    guint n_vfio;
    const char *addr0;     /* first hostdev's PCI address, NULL for none/mdev */
    const char *alias0;
    const char *viommu;
    gboolean iommufd0;     /* first hostdev uses iommufd */
} Sample;

static const Sample samples[] = {
    { "mlx5-vf.xml", "mlx5-vf", 8388608, 4, "pc-q35-7.2", 1, "0000:3b:00.1", "ua-vf0", NULL, FALSE },
    { "mlx5-two-vfs.xml", "mlx5-two-vfs", 8388608, 4, "pc-q35-7.2", 2, "0000:3b:00.1", "ua-vf0", NULL, FALSE },
    { "qat-vf.xml", "qat-vf", 8388608, 4, "q35", 1, "0000:6b:00.1", "ua-vf0", NULL, FALSE },
    { "plain-vf.xml", "plain-vf", 8388608, 4, "pc-q35-7.2", 1, "0000:17:02.0", "ua-vf0", NULL, FALSE },
    { "mixed-mlx5-qat.xml", "mixed-mlx5-qat", 8388608, 4, "pc-q35-7.2", 2, "0000:3b:00.1", "ua-vf0", NULL, FALSE },
    { "no-hostdev.xml", "no-hostdev", 8388608, 4, "pc-q35-7.2", 0, NULL, NULL, NULL, FALSE },
    { "viommu-mlx5.xml", "viommu-mlx5", 8388608, 4, "pc-q35-7.2", 1, "0000:3b:00.1", "ua-vf0", "intel", FALSE },
    { "iommufd-cmdline-qat.xml", "iommufd-cmdline-qat", 8388608, 4, "pc-q35-7.2", 1, "0000:6b:00.1", "ua-vf0", NULL, TRUE },
    { "iommufd-native-qat.xml", "iommufd-native-qat", 8388608, 4, "pc-q35-7.2", 1, "0000:6b:00.1", "ua-vf0", NULL, TRUE },
    { "mdev.xml", "mdev", 8388608, 4, "pc-q35-7.2", 1, NULL, "ua-vf0", NULL, FALSE },
    { "missing-device.xml", "missing-device", 8388608, 4, "pc-q35-7.2", 1, "0000:99:00.0", "ua-vf0", NULL, FALSE },
    { "metadata-require.xml", "metadata-require", 8388608, 4, "pc-q35-7.2", 1, "0000:3b:00.1", "ua-vf0", NULL, FALSE },
    { "metadata-budget.xml", "metadata-budget", 8388608, 4, "pc-q35-7.2", 1, "0000:17:02.0", "ua-vf0", NULL, FALSE },
    { "large-mem-mlx5.xml", "large-mem-mlx5", 67108864, 16, "q35", 1, "0000:3b:00.1", "ua-vf0", NULL, FALSE },
};

static void
test_sample(gconstpointer data)
{
    const Sample *s = data;
    g_autoptr(DtDomain) d = load_sample(s->file);

    g_assert_cmpstr(d->name, ==, s->name);
    g_assert_cmpstr(d->type, ==, "kvm");
    g_assert_nonnull(d->uuid);
    g_assert_cmpuint(strlen(d->uuid), ==, 36);
    g_assert_cmpuint(d->memory_kib, ==, s->memory_kib);
    g_assert_cmpuint(d->current_memory_kib, ==, s->memory_kib);
    g_assert_cmpuint(d->max_memory_kib, ==, 0);
    g_assert_cmpuint(d->vcpus, ==, s->vcpus);
    g_assert_cmpstr(d->arch, ==, "x86_64");
    g_assert_cmpstr(d->machine, ==, s->machine);
    g_assert_cmpstr(d->emulator, ==, "/usr/bin/qemu-system-x86_64");
    g_assert_cmpstr(d->viommu_model, ==, s->viommu);
    g_assert_cmpuint(dt_domain_n_vfio(d), ==, s->n_vfio);
    if (s->n_vfio > 0) {
        const DtHostdev *h = g_ptr_array_index(d->hostdevs, 0);
        if (s->addr0)
            assert_addr(h, s->addr0);
        g_assert_cmpstr(h->alias, ==, s->alias0);
        g_assert_cmpint(dt_domain_hostdev_uses_iommufd(d, h), ==, s->iommufd0);
    }
    /* the metadata samples are the only ones that carry metadata */
    g_assert_cmpint(d->metadata->present, ==, g_str_has_prefix(s->file, "metadata-"));
}

static void
test_sample_mlx5_vf_details(void)
{
    g_autoptr(DtDomain) d = load_sample("mlx5-vf.xml");
    const DtHostdev *h = g_ptr_array_index(d->hostdevs, 0);

    g_assert_cmpstr(d->uuid, ==, "6f1b2c3d-0001-4a5b-9c8d-3b0000000001");
    g_assert_true(h->managed);
    g_assert_cmpstr(h->driver_name, ==, "vfio");
    g_assert_null(h->driver_model);
    g_assert_cmpint(h->driver_iommufd, ==, DT_TRI_UNKNOWN);
    g_assert_cmpuint(h->overrides->len, ==, 0);
    g_assert_false(d->hugepages);
    g_assert_false(d->has_qemu_ns);
    g_assert_false(d->iommufd_enabled);
    g_assert_null(d->cmdline_iommufd_id);
}

static void
test_sample_interface_hostdev(void)
{
    g_autoptr(DtDomain) d = load_sample("mlx5-two-vfs.xml");
    const DtHostdev *h = g_ptr_array_index(d->hostdevs, 1);

    /* <interface type='hostdev'> is a VFIO PCI hostdev to libvirt */
    assert_addr(h, "0000:3b:00.2");
    g_assert_cmpstr(h->alias, ==, "ua-vf1");
    g_assert_cmpstr(h->driver_name, ==, "vfio");
    g_assert_true(h->managed);
}

static void
test_sample_plain_unmanaged(void)
{
    g_autoptr(DtDomain) d = load_sample("plain-vf.xml");
    const DtHostdev *h = g_ptr_array_index(d->hostdevs, 0);

    g_assert_false(h->managed);
    g_assert_null(h->driver_name);
}

static void
test_sample_mixed(void)
{
    g_autoptr(DtDomain) d = load_sample("mixed-mlx5-qat.xml");

    assert_addr(g_ptr_array_index(d->hostdevs, 1), "0000:6b:00.1");
    g_assert_cmpstr(((DtHostdev *)g_ptr_array_index(d->hostdevs, 1))->alias, ==, "ua-vf1");
}

static void
test_sample_viommu_hugepages(void)
{
    g_autoptr(DtDomain) d = load_sample("viommu-mlx5.xml");

    g_assert_cmpstr(d->viommu_model, ==, "intel");
    g_assert_true(d->hugepages);
    g_assert_cmpuint(d->hugepage_kib, ==, 2048);
}

static void
test_sample_mdev(void)
{
    g_autoptr(DtDomain) d = load_sample("mdev.xml");
    const DtHostdev *h = g_ptr_array_index(d->hostdevs, 0);

    g_assert_cmpint(h->type, ==, DT_HOSTDEV_MDEV);
    g_assert_false(h->has_addr);
    g_assert_cmpstr(h->mdev_uuid, ==, "c2177883-f1bb-47f0-914d-32a22e3a8804");
    g_assert_cmpstr(h->mdev_model, ==, "vfio-pci");
}

static void
test_sample_iommufd_cmdline(void)
{
    g_autoptr(DtDomain) d = load_sample("iommufd-cmdline-qat.xml");
    const DtHostdev *h = g_ptr_array_index(d->hostdevs, 0);
    const DtProp *p;

    g_assert_true(d->has_qemu_ns);
    g_assert_false(d->iommufd_enabled);
    g_assert_cmpstr(d->cmdline_iommufd_id, ==, "iommufd0");
    g_assert_cmpint(h->driver_iommufd, ==, DT_TRI_UNKNOWN);
    g_assert_cmpuint(h->overrides->len, ==, 2);
    p = find_prop(h->overrides, "iommufd");
    g_assert_nonnull(p);
    g_assert_cmpstr(p->type, ==, "string");
    g_assert_cmpstr(p->value, ==, "iommufd0");
    p = find_prop(h->overrides, "x-pre-copy-dirty-page-tracking");
    g_assert_nonnull(p);
    g_assert_cmpstr(p->value, ==, "off");
    g_assert_true(dt_domain_hostdev_uses_iommufd(d, h));
}

static void
test_sample_iommufd_native(void)
{
    g_autoptr(DtDomain) d = load_sample("iommufd-native-qat.xml");

    g_assert_true(d->iommufd_enabled);
    g_assert_false(d->has_qemu_ns);
    g_assert_true(dt_domain_hostdev_uses_iommufd(d, g_ptr_array_index(d->hostdevs, 0)));
}

static void
test_sample_metadata_require(void)
{
    g_autoptr(DtDomain) d = load_sample("metadata-require.xml");
    DtPolicy pol;

    g_assert_true(d->metadata->present);
    g_assert_true(d->metadata->has_require_migratable);
    g_assert_true(d->metadata->require_migratable);
    g_assert_true(d->metadata->has_perpetual);
    g_assert_cmpint(d->metadata->perpetual, ==, DT_PERPETUAL_NEVER);
    g_assert_false(d->metadata->has_prefer);
    g_assert_false(d->metadata->has_max_downtime_ms);
    g_assert_null(d->metadata->verdict);

    dt_policy_init_defaults(&pol);
    pol.bandwidth_mib_s = 4242;
    dt_metadata_apply_policy(d->metadata, &pol);
    g_assert_true(pol.require_migratable);
    g_assert_cmpint(pol.perpetual, ==, DT_PERPETUAL_NEVER);
    g_assert_cmpint(pol.prefer, ==, DT_PREFER_AUTO);
    g_assert_cmpuint(pol.bandwidth_mib_s, ==, 4242);   /* not in metadata: kept */
    g_assert_true(pol.set_by_metadata);
}

static void
test_sample_metadata_budget(void)
{
    g_autoptr(DtDomain) d = load_sample("metadata-budget.xml");
    DtPolicy pol;

    g_assert_cmpint(d->metadata->perpetual, ==, DT_PERPETUAL_BUDGET);
    g_assert_true(d->metadata->has_max_downtime_ms);
    g_assert_cmpuint(d->metadata->max_downtime_ms, ==, 300);
    g_assert_false(d->metadata->has_require_migratable);

    dt_policy_init_defaults(&pol);
    pol.require_migratable = TRUE;
    pol.perpetual = DT_PERPETUAL_ALLOW;
    dt_metadata_apply_policy(d->metadata, &pol);
    g_assert_true(pol.require_migratable);
    g_assert_cmpint(pol.perpetual, ==, DT_PERPETUAL_BUDGET);
    g_assert_cmpuint(pol.max_downtime_ms, ==, 300);
    g_assert_true(pol.set_by_metadata);
}

static void
test_no_metadata_keeps_policy(void)
{
    g_autoptr(DtDomain) d = load_sample("mlx5-vf.xml");
    DtPolicy pol, before;

    dt_policy_init_defaults(&pol);
    before = pol;
    dt_metadata_apply_policy(d->metadata, &pol);
    g_assert_cmpmem(&pol, sizeof(pol), &before, sizeof(before));
}

static void
test_stdin(void)
{
    g_autofree char *path = data_path("domains", "qat-vf.xml");
    g_autoptr(GError) error = NULL;
    g_autoptr(DtDomain) d = NULL;
    int saved = dup(STDIN_FILENO);
    int fd = open(path, O_RDONLY);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(dup2(fd, STDIN_FILENO), ==, STDIN_FILENO);
    close(fd);
    d = dt_domain_parse_file("-", &error);
    g_assert_cmpint(dup2(saved, STDIN_FILENO), ==, STDIN_FILENO);
    close(saved);
    g_assert_no_error(error);
    g_assert_cmpstr(d->name, ==, "qat-vf");
}

static void
test_missing_file(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DtDomain) d = dt_domain_parse_file("/nonexistent/dirtytrack/dom.xml", &error);

    g_assert_null(d);
    g_assert_error(error, DT_ERROR, DT_ERROR_NOT_FOUND);
    g_assert_nonnull(strstr(error->message, "/nonexistent/dirtytrack/dom.xml"));
}

/* ---- hostdev details (inline XML) --------------------------------------------- */

static void
test_pci_address_notations(void)
{
    /* libvirt reads the attributes as C integers: hex, decimal, octal */
    static const char *const forms[] = {
        HOSTDEV("domain='0x0000' bus='0x3b' slot='0x00' function='0x1'", ""),
        HOSTDEV("domain='0' bus='59' slot='0' function='1'", ""),
        HOSTDEV("domain='0' bus='073' slot='00' function='01'", ""),
        HOSTDEV("bus='0x3B' slot='0x0' function='1'", ""),
    };

    for (guint i = 0; i < G_N_ELEMENTS(forms); i++) {
        g_autofree char *xml = g_strdup_printf(
            "<domain type='kvm'><name>t</name><devices>%s</devices></domain>", forms[i]);
        g_autoptr(GError) error = NULL;
        g_autoptr(DtDomain) d = parse_str(xml, &error);

        g_assert_no_error(error);
        g_assert_cmpuint(dt_domain_n_vfio(d), ==, 1);
        assert_addr(g_ptr_array_index(d->hostdevs, 0), "0000:3b:00.1");
    }
}

static void
test_pci_address_multidomain(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DtDomain) d = parse_str(
        DOMAIN("", HOSTDEV("domain='0x0021' bus='222' slot='31' function='7'", ""), ""), &error);

    g_assert_no_error(error);
    assert_addr(g_ptr_array_index(d->hostdevs, 0), "0021:de:1f.7");
}

static void
test_pci_address_invalid(void)
{
    assert_invalid(DOMAIN("", VF0 HOSTDEV("domain='0' bus='0xzz' slot='0' function='0'", ""), ""),
                   "hostdev 2: invalid PCI address bus='0xzz'");
    assert_invalid(DOMAIN("", HOSTDEV("bus='0x3b' slot='32' function='0'", ""), ""),
                   "slot='32'");
    assert_invalid(DOMAIN("", HOSTDEV("bus='0x3b' slot='0' function='8'", ""), ""),
                   "function='8'");
    assert_invalid(DOMAIN("", HOSTDEV("domain='0x10000' bus='0' slot='0' function='0'", ""), ""),
                   "domain='0x10000'");
    assert_invalid(DOMAIN("", HOSTDEV("bus='-1' slot='0' function='0'", ""), ""), "bus='-1'");
    assert_invalid(DOMAIN("", HOSTDEV("bus='0x' slot='0' function='0'", ""), ""), "bus='0x'");
    assert_invalid(DOMAIN("", HOSTDEV("bus='09' slot='0' function='0'", ""), ""), "bus='09'");
}

static void
test_driver_attributes(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DtDomain) d = parse_str(
        DOMAIN("", HOSTDEV("bus='0x3b' slot='0' function='1'",
                           "<driver name='vfio' model='mlx5_vfio_pci' iommufd='no'/>"), ""),
        &error);
    const DtHostdev *h;

    g_assert_no_error(error);
    h = g_ptr_array_index(d->hostdevs, 0);
    g_assert_cmpstr(h->driver_name, ==, "vfio");
    g_assert_cmpstr(h->driver_model, ==, "mlx5_vfio_pci");
    g_assert_cmpint(h->driver_iommufd, ==, DT_TRI_NO);

    assert_invalid(DOMAIN("", HOSTDEV("bus='0x3b' slot='0' function='1'",
                                      "<driver iommufd='maybe'/>"), ""),
                   "iommufd='maybe'");
    assert_invalid(DOMAIN("",
                          "<hostdev mode='subsystem' type='pci' managed='perhaps'>"
                          "<source><address bus='1' slot='0' function='0'/></source></hostdev>",
                          ""),
                   "managed='perhaps'");
}

static void
test_non_vfio_hostdevs_skipped(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DtDomain) d = parse_str(
        DOMAIN("",
               "<hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/>"
               "<product id='0xbeef'/></source></hostdev>"
               "<hostdev mode='capabilities' type='storage'><source><block>/dev/sdf1</block>"
               "</source></hostdev>"
               "<interface type='network'><source network='default'/></interface>"
               VF0,
               ""),
        &error);

    g_assert_no_error(error);
    g_assert_cmpuint(dt_domain_n_vfio(d), ==, 1);
    assert_addr(g_ptr_array_index(d->hostdevs, 0), "0000:3b:00.1");
}

/* The VF of a virtio failover pair (libvirt formatdomain: <teaming
 * type='transient' persistent='ua-net0'/>) and intel-iommu's caching mode
 * are what the engine's failover and caching-mode rules read. */
static void
test_failover_and_caching_mode(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DtDomain) d = parse_str(
        DOMAIN("",
               "<iommu model='intel'><driver intremap='on' caching_mode='on'/></iommu>"
               "<interface type='hostdev' managed='yes'><mac address='52:54:00:00:00:02'/>"
               "<source><address type='pci' domain='0' bus='0x17' slot='2' function='0'/></source>"
               "<teaming type='transient' persistent='ua-net0'/></interface>"
               "<interface type='hostdev' managed='yes'>"
               "<source><address type='pci' domain='0' bus='0x17' slot='2' function='1'/></source>"
               "</interface>"
               "<interface type='hostdev' managed='yes'>"
               "<source><address type='pci' domain='0' bus='0x17' slot='2' function='2'/></source>"
               "<teaming type='persistent'/></interface>",
               ""),
        &error);
    const DtHostdev *h;

    g_assert_no_error(error);
    g_assert_cmpint(d->viommu_caching_mode, ==, DT_TRI_YES);
    g_assert_cmpuint(d->hostdevs->len, ==, 3);
    h = g_ptr_array_index(d->hostdevs, 0);
    g_assert_true(h->is_interface);
    g_assert_true(h->failover);
    h = g_ptr_array_index(d->hostdevs, 1);
    g_assert_true(h->is_interface);
    g_assert_false(h->failover);
    h = g_ptr_array_index(d->hostdevs, 2);
    g_assert_false(h->failover);

    g_clear_pointer(&d, dt_domain_free);
    d = parse_str(DOMAIN("", "<iommu model='intel'/>" VF0, ""), &error);
    g_assert_no_error(error);
    g_assert_cmpint(d->viommu_caching_mode, ==, DT_TRI_UNKNOWN);
    g_assert_false(((DtHostdev *)g_ptr_array_index(d->hostdevs, 0))->is_interface);
}

static void
test_mdev_invalid(void)
{
    assert_invalid(DOMAIN("",
                          "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source>"
                          "<address domain='0' bus='6' slot='0x12' function='5'/></source></hostdev>",
                          ""),
                   "hostdev 1");
    assert_invalid(DOMAIN("",
                          "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source>"
                          "<address uuid='not-a-uuid'/></source></hostdev>",
                          ""),
                   "uuid='not-a-uuid'");
}

static void
test_memory_units_and_hugepages(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DtDomain) d = parse_str(
        "<domain type='kvm'><name>m</name><uuid>C7A5FDBDEDAF9455926AD65C16DB1809</uuid>"
        "<maxMemory slots='16' unit='GiB'>32</maxMemory>"
        "<memory unit='bytes'>4294967296</memory><currentMemory unit='MB'>1000</currentMemory>"
        "<vcpu current='2'>8</vcpu>"
        "<memoryBacking><hugepages><page size='2048' unit='KiB' nodeset='0'/>"
        "<page size='1' unit='G' nodeset='1'/></hugepages></memoryBacking>"
        "<devices><iommu model='smmuv3'/><iommu model='smmuv3'/></devices></domain>",
        &error);

    g_assert_no_error(error);
    g_assert_cmpstr(d->uuid, ==, "c7a5fdbd-edaf-9455-926a-d65c16db1809");
    g_assert_cmpuint(d->memory_kib, ==, 4194304);
    g_assert_cmpuint(d->current_memory_kib, ==, 976563);   /* 10^9 bytes, rounded up */
    g_assert_cmpuint(d->max_memory_kib, ==, 33554432);
    g_assert_cmpuint(d->vcpus, ==, 8);
    g_assert_true(d->hugepages);
    g_assert_cmpuint(d->hugepage_kib, ==, 1048576);        /* the largest page size */
    g_assert_cmpstr(d->viommu_model, ==, "smmuv3");
    g_assert_null(d->machine);
}

static void
test_memory_from_numa(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DtDomain) d = parse_str(
        "<domain type='kvm'><name>n</name><cpu><numa>"
        "<cell id='0' cpus='0-1' memory='1' unit='GiB'/>"
        "<cell id='1' cpus='2-3' memory='524288'/></numa></cpu>"
        "<memoryBacking><hugepages/></memoryBacking></domain>",
        &error);

    g_assert_no_error(error);
    g_assert_cmpuint(d->memory_kib, ==, 1048576 + 524288);
    g_assert_cmpuint(d->current_memory_kib, ==, d->memory_kib);
    g_assert_true(d->hugepages);
    g_assert_cmpuint(d->hugepage_kib, ==, 0);   /* host default size */
    g_assert_cmpuint(d->vcpus, ==, 1);
}

static void
test_domain_invalid_values(void)
{
    assert_invalid("<domain><name>x</name><memory unit='furlongs'>1</memory></domain>",
                   "furlongs");
    assert_invalid("<domain><name>x</name><memory>12abc</memory></domain>", "12abc");
    assert_invalid("<domain><name>x</name><memory unit='EiB'>100000</memory></domain>", "<memory>");
    assert_invalid("<domain><name>x</name><vcpu>lots</vcpu></domain>", "lots");
    assert_invalid("<domain><name>x</name><uuid>1234</uuid></domain>", "1234");
    assert_invalid("<domain type='kvm'><memory>1</memory></domain>", "<name>");
    assert_invalid("<domain><name>x</name><iommufd enabled='sure'/></domain>", "enabled='sure'");
    assert_invalid("<domain><name>x</name><memoryBacking><hugepages><page size='huge'/>"
                   "</hugepages></memoryBacking></domain>", "size='huge'");
}

/* ---- iommufd: every way a domain asks for it ----------------------------------- */

typedef struct {
    const char *what;
    const char *xml;
    gboolean expected;
} IommufdCase;

#define CMDLINE(args) "<qemu:commandline>" args "</qemu:commandline>"
#define ARG(v) "<qemu:arg value='" v "'/>"
#define OVERRIDE(props) \
    "<qemu:override><qemu:device alias='ua-vf0'><qemu:frontend>" props \
    "</qemu:frontend></qemu:device></qemu:override>"
#define PROP_IOMMUFD(v) "<qemu:property name='iommufd' type='string' value='" v "'/>"
#define VF0_DRIVER(attrs) \
    HOSTDEV("bus='0x6b' slot='0' function='1'", "<driver name='vfio' " attrs "/>")

static const IommufdCase iommufd_cases[] = {
    { "nothing asks -> type1", DOMAIN("", VF0, ""), FALSE },
    { "driver iommufd=yes", DOMAIN("", VF0_DRIVER("iommufd='yes'"), ""), TRUE },
    { "driver iommufd=no", DOMAIN("", VF0_DRIVER("iommufd='no'"), ""), FALSE },
    { "domain iommufd enabled", DOMAIN("<iommufd enabled='yes'/>", VF0, ""), TRUE },
    { "domain iommufd enabled=no", DOMAIN("<iommufd enabled='no'/>", VF0, ""), FALSE },
    { "domain enabled, device opts out",
      DOMAIN("<iommufd enabled='yes' fdgroup='iommu'/>", VF0_DRIVER("iommufd='no'"), ""), FALSE },
    { "cmdline object + override, split args",
      DOMAIN("", VF0, CMDLINE(ARG("-object") ARG("iommufd,id=fd0")) OVERRIDE(PROP_IOMMUFD("fd0"))),
      TRUE },
    { "cmdline object + override, joined arg",
      DOMAIN("", VF0, CMDLINE(ARG("-object iommufd,id=fd0")) OVERRIDE(PROP_IOMMUFD("fd0"))), TRUE },
    { "cmdline object + override, --object=",
      DOMAIN("", VF0, CMDLINE(ARG("--object=iommufd,id=fd0")) OVERRIDE(PROP_IOMMUFD("fd0"))), TRUE },
    { "cmdline object qom-type= form",
      DOMAIN("", VF0, CMDLINE(ARG("-object") ARG("qom-type=iommufd,id=fd0,fd=22"))
                      OVERRIDE(PROP_IOMMUFD("fd0"))), TRUE },
    { "cmdline object JSON form",
      DOMAIN("", VF0, CMDLINE(ARG("-object") ARG("{\"qom-type\":\"iommufd\",\"id\":\"fd0\"}"))
                      OVERRIDE(PROP_IOMMUFD("fd0"))), TRUE },
    { "override names another id",
      DOMAIN("", VF0, CMDLINE(ARG("-object") ARG("iommufd,id=fd0")) OVERRIDE(PROP_IOMMUFD("fd1"))),
      FALSE },
    { "override without a cmdline object",
      DOMAIN("", VF0, OVERRIDE(PROP_IOMMUFD("fd0"))), FALSE },
    { "cmdline object without override",
      DOMAIN("", VF0, CMDLINE(ARG("-object") ARG("iommufd,id=fd0"))), FALSE },
    { "other object type with same id",
      DOMAIN("", VF0, CMDLINE(ARG("-object") ARG("memory-backend-ram,id=fd0,size=1G"))
                      OVERRIDE(PROP_IOMMUFD("fd0"))), FALSE },
    { "global vfio-pci.iommufd",
      DOMAIN("", VF0, CMDLINE(ARG("-object") ARG("iommufd,id=fd0") ARG("-global")
                              ARG("vfio-pci.iommufd=fd0"))), TRUE },
    { "override removes iommufd over the global",
      DOMAIN("", VF0, CMDLINE(ARG("-object") ARG("iommufd,id=fd0") ARG("-global")
                              ARG("vfio-pci.iommufd=fd0"))
                      OVERRIDE("<qemu:property name='iommufd' type='remove'/>")), FALSE },
    { "driver iommufd=no beats override",
      DOMAIN("", VF0_DRIVER("iommufd='no'"),
             CMDLINE(ARG("-object") ARG("iommufd,id=fd0")) OVERRIDE(PROP_IOMMUFD("fd0"))), FALSE },
};

static void
test_iommufd_case(gconstpointer data)
{
    const IommufdCase *c = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(DtDomain) d = parse_str(c->xml, &error);

    g_assert_no_error(error);
    g_assert_cmpuint(dt_domain_n_vfio(d), ==, 1);
    g_assert_cmpint(dt_domain_hostdev_uses_iommufd(d, g_ptr_array_index(d->hostdevs, 0)), ==,
                    c->expected);
}

static void
test_cmdline_globals(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DtDomain) d = parse_str(
        DOMAIN("", VF0,
               CMDLINE(ARG("-global") ARG("vfio-pci.x-pre-copy-dirty-page-tracking=off")
                       ARG("-global driver=vfio-pci,property=enable-migration,value=on")
                       ARG("-global") ARG("e1000.mac=52:54:00:00:00:01")
                       ARG("-object") ARG("iommufd,id=first")
                       ARG("-object") ARG("iommufd,id=second"))),
        &error);
    const DtProp *p;

    g_assert_no_error(error);
    g_assert_true(d->has_qemu_ns);
    g_assert_cmpuint(d->cmdline_globals->len, ==, 2);   /* e1000's global is not ours */
    p = find_prop(d->cmdline_globals, "x-pre-copy-dirty-page-tracking");
    g_assert_nonnull(p);
    g_assert_cmpstr(p->value, ==, "off");
    p = find_prop(d->cmdline_globals, "enable-migration");
    g_assert_nonnull(p);
    g_assert_cmpstr(p->value, ==, "on");
    g_assert_cmpstr(d->cmdline_iommufd_id, ==, "first");
}

static void
test_override_details(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DtDomain) d = parse_str(
        DOMAIN("", VF0,
               "<qemu:override>"
               "<qemu:device alias='ua-disk0'><qemu:frontend>"
               "<qemu:property name='serial' type='string' value='x'/></qemu:frontend></qemu:device>"
               "<qemu:device alias='ua-vf0'><qemu:frontend>"
               "<qemu:property name='enable-migration' type='string' value='on'/>"
               "<qemu:property name='x-device-dirty-page-tracking' type='remove'/>"
               "<qemu:property name='migration-events' type='bool' value='true'/>"
               "</qemu:frontend></qemu:device></qemu:override>"),
        &error);
    const DtHostdev *h;
    const DtProp *p;

    g_assert_no_error(error);
    h = g_ptr_array_index(d->hostdevs, 0);
    g_assert_cmpuint(h->overrides->len, ==, 3);   /* the disk's override is not the VF's */
    p = find_prop(h->overrides, "x-device-dirty-page-tracking");
    g_assert_cmpstr(p->type, ==, "remove");
    g_assert_null(p->value);
    p = find_prop(h->overrides, "migration-events");
    g_assert_cmpstr(p->type, ==, "bool");
    g_assert_cmpstr(p->value, ==, "true");

    assert_invalid(DOMAIN("", VF0, OVERRIDE("<qemu:property name='x' type='float' value='1'/>")),
                   "type='float'");
    assert_invalid(DOMAIN("", VF0, OVERRIDE("<qemu:property name='x' type='string'/>")),
                   "'x'");
    assert_invalid(DOMAIN("", VF0, OVERRIDE("<qemu:property type='string' value='1'/>")),
                   "ua-vf0");
}

/* ---- metadata ----------------------------------------------------------------- */

static void
test_metadata_files(void)
{
    g_autofree char *dir = data_path("metadata", NULL);
    g_autoptr(GDir) gd = g_dir_open(dir, 0, NULL);
    const char *name;
    guint n_valid = 0, n_invalid = 0;

    g_assert_nonnull(gd);
    while ((name = g_dir_read_name(gd))) {
        g_autofree char *path = NULL;
        g_autofree char *buf = NULL;
        g_autoptr(xmlDoc) doc = NULL;
        g_autoptr(GError) error = NULL;
        DtMetadata *m;
        gsize len;
        gboolean ok, expect_ok = !g_str_has_suffix(name, "-invalid.xml");

        if (!g_str_has_suffix(name, ".xml"))
            continue;
        path = g_build_filename(dir, name, NULL);
        g_assert_true(g_file_get_contents(path, &buf, &len, NULL));
        doc = dt_xml_parse(buf, len, "metadata", NULL, &error);
        g_assert_no_error(error);
        m = dt_metadata_new();
        ok = dt_metadata_parse_node(xmlDocGetRootElement(doc), m, &error);
        if (ok != expect_ok)
            g_error("%s: parser %s it, schema says it is %s (%s)", name,
                    ok ? "accepted" : "refused", expect_ok ? "valid" : "invalid",
                    error ? error->message : "no error");
        if (ok) {
            g_assert_true(m->present);
            n_valid++;
        } else {
            assert_one_line_error(error, "dirtytrack metadata");
            g_assert_false(m->present);   /* a failed parse leaves it untouched */
            n_invalid++;
        }
        dt_metadata_free(m);
    }
    g_assert_cmpuint(n_valid, >=, 5);
    g_assert_cmpuint(n_invalid, >=, 5);
}

static DtMetadata *
metadata_from_file(const char *name, GError **error)
{
    g_autofree char *path = data_path("metadata", name);
    g_autofree char *buf = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    gsize len;
    DtMetadata *m;

    g_assert_true(g_file_get_contents(path, &buf, &len, NULL));
    doc = dt_xml_parse(buf, len, "metadata", NULL, error);
    g_assert_nonnull(doc);
    m = dt_metadata_new();
    if (!dt_metadata_parse_node(xmlDocGetRootElement(doc), m, error)) {
        dt_metadata_free(m);
        return NULL;
    }
    return m;
}

static void
test_metadata_evaluation_values(void)
{
    g_autoptr(GError) error = NULL;
    DtMetadata *m = metadata_from_file("evaluation.xml", &error);
    const DtFingerprintDevice *f;

    g_assert_no_error(error);
    g_assert_cmpstr(m->verdict, ==, "allow");
    g_assert_cmpstr(m->mode, ==, "device");
    g_assert_cmpstr(m->host, ==, "src.example.org");
    g_assert_cmpstr(m->time, ==, "2026-11-21T06:00:00Z");
    g_assert_cmpstr(m->fingerprint, ==, "3f9a0c55d1e2b4a6");
    g_assert_true(m->has_prefer);
    g_assert_cmpint(m->prefer, ==, DT_PREFER_AUTO);
    g_assert_cmpuint(m->max_downtime_ms, ==, 500);
    g_assert_cmpuint(m->fp_devices->len, ==, 2);
    f = g_ptr_array_index(m->fp_devices, 0);
    g_assert_cmpstr(f->address, ==, "0000:3b:00.1");
    g_assert_cmpstr(f->vendor_device, ==, "15b3:101e");
    g_assert_cmpstr(f->driver, ==, "mlx5_vfio_pci");
    g_assert_cmpuint(f->mig_flags, ==, DT_MIG_STOP_COPY | DT_MIG_P2P | DT_MIG_PRE_COPY);
    f = g_ptr_array_index(m->fp_devices, 1);
    g_assert_cmpuint(f->mig_flags, ==, DT_MIG_STOP_COPY);
    dt_metadata_free(m);

    m = metadata_from_file("evaluation-perpetual-mdev.xml", &error);
    g_assert_no_error(error);
    f = g_ptr_array_index(m->fp_devices, 0);
    g_assert_cmpstr(f->address, ==, "c2177883-f1bb-47f0-914d-32a22e3a8804");
    g_assert_cmpuint(f->mig_flags, ==, 0);
    f = g_ptr_array_index(m->fp_devices, 1);
    g_assert_cmpstr(f->address, ==, "0000:17:02.0");   /* short form normalised */
    dt_metadata_free(m);

    m = metadata_from_file("policy-budget.xml", &error);
    g_assert_no_error(error);
    g_assert_cmpuint(m->bandwidth_mib_s, ==, 2500);
    g_assert_cmpuint(m->dirty_rate_mib_s, ==, 128);
    dt_metadata_free(m);
}

static void
test_metadata_errors_name_attribute(void)
{
    static const struct {
        const char *file, *needle;
    } cases[] = {
        { "perpetual-bad-invalid.xml", "perpetual='sometimes'" },
        { "require-bool-invalid.xml", "require-migratable='true'" },
        { "downtime-negative-invalid.xml", "max-downtime-ms='-5'" },
        { "unknown-attribute-invalid.xml", "require_migratable" },
        { "verdict-bad-invalid.xml", "verdict='maybe'" },
        { "device-address-invalid.xml", "address='0000:3b:20.1'" },
        { "migration-flag-invalid.xml", "migration='stop-copy,postcopy'" },
        { "time-no-zone-invalid.xml", "time='2026-11-21T06:00:00'" },
        { "unknown-element-invalid.xml", "<tuning>" },
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        DtMetadata *m = metadata_from_file(cases[i].file, &error);

        g_assert_null(m);
        assert_one_line_error(error, cases[i].needle);
    }
}

static void
test_metadata_in_domain(void)
{
    /* a bad policy in a domain fails the domain: guessing would be worse */
    assert_invalid("<domain><name>x</name><metadata>"
                   "<d:dirtytrack xmlns:d='http://dirtytrack.org/xmlns/domain/1.0'>"
                   "<d:policy perpetual='often'/></d:dirtytrack></metadata></domain>",
                   "perpetual='often'");

    {
        /* other applications' metadata is theirs; the unprefixed form
         * virDomainGetMetadata returns is ours too */
        g_autoptr(GError) error = NULL;
        g_autoptr(DtDomain) d = parse_str(
            "<domain><name>x</name><metadata>"
            "<app1:foo xmlns:app1='http://app1.org/app1/'>fooish</app1:foo>"
            "<dirtytrack xmlns='http://dirtytrack.org/xmlns/domain/1.0'>"
            "<policy prefer='iommu'/></dirtytrack></metadata></domain>",
            &error);
        g_assert_no_error(error);
        g_assert_true(d->metadata->present);
        g_assert_cmpint(d->metadata->prefer, ==, DT_PREFER_IOMMU);
    }
}

/* ---- libvirt's own test inputs ----------------------------------------------------- */

typedef enum {
    EXPECT_ACCEPT,    /* libvirt parses it: so must we */
    EXPECT_ANY,       /* libvirt rejects it: we may, cleanly */
} Expect;

/* SOURCES.md: "| `file` | repo | path | commit | chars | expectation |" */
static GHashTable *
read_sources(const char *corpus_dir)
{
    g_autofree char *path = g_build_filename(corpus_dir, "SOURCES.md", NULL);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        g_auto(GStrv) cols = NULL;
        g_autofree char *file = NULL;
        const char *exp;
        Expect e;

        if (!g_str_has_prefix(lines[i], "| `"))
            continue;
        cols = g_strsplit(lines[i], "|", -1);
        g_assert_cmpuint(g_strv_length(cols), >=, 7);
        file = g_strstrip(g_strdup(cols[1]));
        g_assert_true(file[0] == '`' && file[strlen(file) - 1] == '`');
        memmove(file, file + 1, strlen(file) - 2);
        file[strlen(file) - 2] = '\0';
        exp = g_strstrip(cols[6]);
        if (strstr(exp, "accepted by libvirt") || strstr(exp, "expected output") ||
            strstr(exp, "fails at QEMU command-line build"))
            e = EXPECT_ACCEPT;   /* the last: libvirt's parser took it */
        else if (strstr(exp, "rejects"))
            e = EXPECT_ANY;
        else
            g_error("SOURCES.md: unknown expectation \"%s\" for %s", exp, file);
        g_hash_table_insert(t, g_steal_pointer(&file), GINT_TO_POINTER(e));
    }
    return t;
}

static void
test_corpus(void)
{
    g_autofree char *dir = data_path("corpus", NULL);
    g_autoptr(GHashTable) expect = read_sources(dir);
    g_autoptr(GDir) gd = g_dir_open(dir, 0, NULL);
    const char *name;
    guint n_accept = 0, n_refused = 0, n_hostdevs = 0;

    g_assert_nonnull(gd);
    g_assert_cmpuint(g_hash_table_size(expect), >=, 100);
    while ((name = g_dir_read_name(gd))) {
        g_autofree char *path = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(DtDomain) d = NULL;
        gpointer e;

        if (!g_str_has_suffix(name, ".xml"))
            continue;
        if (!g_hash_table_lookup_extended(expect, name, NULL, &e))
            g_error("corpus file %s is not listed in SOURCES.md", name);
        path = g_build_filename(dir, name, NULL);
        d = dt_domain_parse_file(path, &error);
        if (GPOINTER_TO_INT(e) == EXPECT_ACCEPT) {
            if (!d)
                g_error("%s: libvirt accepts it but we refused: %s", name, error->message);
            g_assert_nonnull(d->name);
            n_hostdevs += dt_domain_n_vfio(d);
            n_accept++;
        } else if (!d) {
            assert_one_line_error(error, NULL);
            n_refused++;
        }
    }
    g_test_message("corpus: %u accepted (%u VFIO hostdevs), %u refused as libvirt does",
                   n_accept, n_hostdevs, n_refused);
    g_assert_cmpuint(n_accept, >=, 100);
    g_assert_cmpuint(n_hostdevs, >, 20);
}

static void
test_corpus_expected_errors(void)
{
    g_autofree char *dir = data_path("corpus", "expected-errors");
    g_autoptr(GDir) gd = g_dir_open(dir, 0, NULL);
    const char *name;
    guint n = 0;

    g_assert_nonnull(gd);
    while ((name = g_dir_read_name(gd))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autoptr(GError) error = NULL;
        g_autoptr(DtDomain) d = dt_domain_parse_file(path, &error);

        g_assert_null(d);
        assert_one_line_error(error, name);   /* names the file */
        n++;
    }
    g_assert_cmpuint(n, >=, 1);
}

static DtDomain *
load_corpus(const char *name)
{
    g_autofree char *path = data_path("corpus", name);
    g_autoptr(GError) error = NULL;
    DtDomain *d = dt_domain_parse_file(path, &error);

    g_assert_no_error(error);
    return d;
}

/* Values read from libvirt's own files, checked by hand against them. */
static void
test_corpus_values(void)
{
    g_autoptr(DtDomain) multi = load_corpus("hostdev-vfio-multidomain.xml");
    g_autoptr(DtDomain) fd = load_corpus("iommufd.xml");
    g_autoptr(DtDomain) intel = load_corpus("intel-iommu.xml");
    g_autoptr(DtDomain) vfio = load_corpus("hostdev-vfio.xml");
    g_autoptr(DtDomain) mdev = load_corpus("hostdev-mdev-precreated.xml");
    g_autoptr(DtDomain) net = load_corpus("net-hostdev-vfio.xml");
    const DtHostdev *h;

    assert_addr(g_ptr_array_index(multi->hostdevs, 0), "0021:de:1f.1");
    g_assert_cmpstr(multi->name, ==, "QEMUGuest2");

    g_assert_cmpuint(dt_domain_n_vfio(fd), ==, 1);
    h = g_ptr_array_index(fd->hostdevs, 0);
    g_assert_cmpint(h->driver_iommufd, ==, DT_TRI_YES);
    g_assert_true(dt_domain_hostdev_uses_iommufd(fd, h));
    assert_addr(h, "0000:06:12.5");
    g_assert_cmpuint(fd->memory_kib, ==, 2097152);
    g_assert_cmpuint(fd->vcpus, ==, 2);

    g_assert_cmpstr(intel->viommu_model, ==, "intel");
    {
        /* every vIOMMU model counts, not only intel: virtio-iommu and
         * SMMUv3 (several units, one per PCI bus) block migration too */
        static const struct {
            const char *file, *model;
        } viommus[] = {
            { "virtio-iommu-x86_64.xml", "virtio" },
            { "iommu-smmuv3.xml", "smmuv3" },
            { "iommu-smmuv3-pci-bus.xml", "smmuv3" },
            { "amd-iommu.xml", "amd" },
            { "x86_64-q35-minimal.xml", NULL },
        };
        for (guint i = 0; i < G_N_ELEMENTS(viommus); i++) {
            g_autoptr(DtDomain) v = load_corpus(viommus[i].file);
            g_assert_cmpstr(v->viommu_model, ==, viommus[i].model);
        }
    }

    g_assert_cmpuint(dt_domain_n_vfio(vfio), ==, 4);
    h = g_ptr_array_index(vfio->hostdevs, 3);
    g_assert_cmpstr(h->driver_name, ==, "vfio");
    g_assert_cmpstr(h->driver_model, ==, "vfio-pci-igb");
    assert_addr(h, "0000:06:12.4");

    h = g_ptr_array_index(mdev->hostdevs, 0);
    g_assert_cmpint(h->type, ==, DT_HOSTDEV_MDEV);
    g_assert_cmpstr(h->mdev_model, ==, "vfio-pci");
    g_assert_nonnull(h->mdev_uuid);

    g_assert_cmpuint(dt_domain_n_vfio(net), ==, 1);
    h = g_ptr_array_index(net->hostdevs, 0);
    assert_addr(h, "0000:06:12.1");
    g_assert_true(h->managed);
    g_assert_cmpstr(h->driver_name, ==, "vfio");
}

/* ---- hostile input ----------------------------------------------------------------- */

static void
assert_hostile_refused(const char *what, const char *buf, gsize len)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GTimer) timer = g_timer_new();
    g_autoptr(DtDomain) d = dt_domain_parse(buf, len, &error);

    g_assert_null(d);
    assert_one_line_error(error, NULL);
    /* quick means no expansion or quadratic walk happened */
    if (g_timer_elapsed(timer, NULL) > 10.0)
        g_error("%s took %.1f s to refuse", what, g_timer_elapsed(timer, NULL));
    g_test_message("%s: %s", what, error->message);
}

static void
test_hostile_billion_laughs(void)
{
    GString *s = g_string_new("<?xml version='1.0'?>\n<!DOCTYPE domain [\n<!ENTITY l0 'lol'>\n");

    for (guint i = 1; i < 10; i++)
        g_string_append_printf(s, "<!ENTITY l%u '&l%u;&l%u;&l%u;&l%u;&l%u;&l%u;&l%u;&l%u;&l%u;&l%u;'>\n",
                               i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
    g_string_append(s, "]>\n<domain><name>&l9;</name></domain>\n");
    assert_hostile_refused("billion laughs", s->str, s->len);
    g_string_free(s, TRUE);
}

static void
test_hostile_xxe(void)
{
    static const char xml[] =
        "<?xml version='1.0'?>\n"
        "<!DOCTYPE domain [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>\n"
        "<domain><name>&xxe;</name></domain>\n";
    static const char param[] =
        "<!DOCTYPE domain [<!ENTITY % p SYSTEM 'file:///etc/passwd'> %p;]>"
        "<domain><name>x</name></domain>";
    static const char ext_dtd[] =
        "<!DOCTYPE domain SYSTEM 'file:///etc/passwd'><domain><name>x</name></domain>";
    g_autoptr(GError) error = NULL;
    g_autoptr(DtDomain) d = parse_str(xml, &error);

    g_assert_null(d);
    assert_one_line_error(error, NULL);
    g_assert_null(strstr(error->message, "root:"));   /* nothing of the file leaked */
    assert_hostile_refused("XXE", xml, strlen(xml));
    assert_hostile_refused("parameter entity", param, strlen(param));
    assert_hostile_refused("external DTD", ext_dtd, strlen(ext_dtd));
}

/* A well-formed domain of about size bytes: the real content, then small
 * comments (libxml2 caps a single node at 10 MB on its own). */
static GString *
big_domain(gsize size)
{
    GString *s = g_string_sized_new(size + 64);

    g_string_append(s, "<domain type='kvm'><name>big</name>\n");
    while (s->len < size)
        g_string_append(s, "<!-- 0123456789abcdef0123456789abcdef0123456789abcdef012345 -->\n");
    g_string_append(s, "</domain>");
    return s;
}

static void
test_hostile_50mb(void)
{
    GString *s = big_domain(50u * 1024 * 1024);
    g_autofree char *tmpl = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(DtDomain) d = NULL;
    int fd;

    assert_hostile_refused("50 MB in memory", s->str, s->len);

    fd = g_file_open_tmp(NULL, &tmpl, NULL);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, s->str, s->len), ==, (gssize)s->len);
    close(fd);
    g_string_free(s, TRUE);
    d = dt_domain_parse_file(tmpl, &error);
    g_unlink(tmpl);
    g_assert_null(d);
    assert_one_line_error(error, "limit");
}

static void
test_hostile_endless_stream(void)
{
    /* /dev/zero never ends: only a bounded reader returns at all */
    g_autoptr(GError) error = NULL;
    g_autoptr(DtDomain) d = NULL;

    if (!g_file_test("/dev/zero", G_FILE_TEST_EXISTS)) {
        g_test_skip("no /dev/zero");
        return;
    }
    d = dt_domain_parse_file("/dev/zero", &error);
    g_assert_null(d);
    assert_one_line_error(error, "limit");
}

static void
test_hostile_just_under_limit(void)
{
    /* the limit is on size, not content: a big but legal domain parses */
    GString *s = big_domain(DT_XML_MAX_BYTES - 4096);
    g_autoptr(GError) error = NULL;
    g_autoptr(DtDomain) d = dt_domain_parse(s->str, s->len, &error);

    g_assert_no_error(error);
    g_assert_cmpstr(d->name, ==, "big");
    g_string_free(s, TRUE);
}

static void
test_hostile_deep_nesting(void)
{
    const guint depth = 100000;
    GString *s = g_string_sized_new(depth * 8 + 64);

    g_string_append(s, "<domain><name>deep</name>");
    for (guint i = 0; i < depth; i++)
        g_string_append(s, "<a>");
    for (guint i = 0; i < depth; i++)
        g_string_append(s, "</a>");
    g_string_append(s, "</domain>");
    assert_hostile_refused("100000-deep nesting", s->str, s->len);
    g_string_free(s, TRUE);
}

static void
test_hostile_small(void)
{
    static const char nul[] = "<domain><name>a\0b</name></domain>";
    g_autofree char *tmpl = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(DtDomain) d = NULL;
    int fd;

    assert_hostile_refused("empty", "", 0);
    assert_hostile_refused("NULL buffer", NULL, 0);
    assert_hostile_refused("white space only", "  \n\t ", 5);
    assert_hostile_refused("NUL byte", nul, sizeof(nul) - 1);
    assert_hostile_refused("not XML", "hello, world", 12);
    assert_hostile_refused("truncated", "<domain><name>x</name>", 22);
    assert_invalid("<network><name>default</name></network>", "<domain>");
    assert_invalid("<domain xmlns='http://example.org/'><name>x</name></domain>", "<domain>");

    fd = g_file_open_tmp(NULL, &tmpl, NULL);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    d = dt_domain_parse_file(tmpl, &error);
    g_unlink(tmpl);
    g_assert_null(d);
    assert_one_line_error(error, "empty");
}

int
main(int argc, char **argv)
{
    if (!g_getenv("G_TEST_SRCDIR"))
        g_setenv("G_TEST_SRCDIR", ABS_TOP_SRCDIR "/tests", TRUE);
    g_test_init(&argc, &argv, NULL);

    for (guint i = 0; i < G_N_ELEMENTS(samples); i++) {
        g_autofree char *p = g_strdup_printf("/domain/sample/%s/parses-to-expected-values",
                                             samples[i].file);
        g_test_add_data_func(p, &samples[i], test_sample);
    }
    g_test_add_func("/domain/sample/mlx5-vf/hostdev-managed-vfio-no-overrides",
                    test_sample_mlx5_vf_details);
    g_test_add_func("/domain/sample/mlx5-two-vfs/interface-hostdev-is-pci-hostdev",
                    test_sample_interface_hostdev);
    g_test_add_func("/domain/sample/plain-vf/unmanaged-without-driver",
                    test_sample_plain_unmanaged);
    g_test_add_func("/domain/sample/mixed/second-hostdev-qat", test_sample_mixed);
    g_test_add_func("/domain/sample/viommu/intel-and-2M-hugepages", test_sample_viommu_hugepages);
    g_test_add_func("/domain/sample/mdev/uuid-and-model", test_sample_mdev);
    g_test_add_func("/domain/sample/iommufd-cmdline/object-and-override-mean-iommufd",
                    test_sample_iommufd_cmdline);
    g_test_add_func("/domain/sample/iommufd-native/domain-enabled-means-iommufd",
                    test_sample_iommufd_native);
    g_test_add_func("/domain/sample/metadata-require/policy-applied",
                    test_sample_metadata_require);
    g_test_add_func("/domain/sample/metadata-budget/policy-applied", test_sample_metadata_budget);
    g_test_add_func("/domain/sample/no-metadata/policy-untouched", test_no_metadata_keeps_policy);
    g_test_add_func("/domain/file/stdin-dash-reads-standard-input", test_stdin);
    g_test_add_func("/domain/file/missing-is-not-found", test_missing_file);

    g_test_add_func("/domain/hostdev/pci-address-hex-decimal-octal-agree",
                    test_pci_address_notations);
    g_test_add_func("/domain/hostdev/pci-address-multidomain", test_pci_address_multidomain);
    g_test_add_func("/domain/hostdev/pci-address-invalid-named-in-error",
                    test_pci_address_invalid);
    g_test_add_func("/domain/hostdev/driver-name-model-iommufd", test_driver_attributes);
    g_test_add_func("/domain/hostdev/usb-capabilities-network-skipped",
                    test_non_vfio_hostdevs_skipped);
    g_test_add_func("/domain/hostdev/mdev-without-uuid-refused", test_mdev_invalid);
    g_test_add_func("/domain/hostdev/interface-teaming-transient-is-failover", test_failover_and_caching_mode);
    g_test_add_func("/domain/memory/units-maxmemory-largest-hugepage",
                    test_memory_units_and_hugepages);
    g_test_add_func("/domain/memory/numa-cells-without-memory", test_memory_from_numa);
    g_test_add_func("/domain/invalid-values-named-in-error", test_domain_invalid_values);

    for (guint i = 0; i < G_N_ELEMENTS(iommufd_cases); i++) {
        g_autofree char *p = g_strdup_printf("/domain/iommufd/%s -> %s", iommufd_cases[i].what,
                                             iommufd_cases[i].expected ? "iommufd" : "type1");
        g_test_add_data_func(p, &iommufd_cases[i], test_iommufd_case);
    }
    g_test_add_func("/domain/qemu/globals-vfio-pci-only-first-iommufd-object",
                    test_cmdline_globals);
    g_test_add_func("/domain/qemu/override-attaches-by-alias", test_override_details);

    g_test_add_func("/domain/metadata/files-parse-iff-schema-valid", test_metadata_files);
    g_test_add_func("/domain/metadata/evaluation-values", test_metadata_evaluation_values);
    g_test_add_func("/domain/metadata/errors-name-the-attribute",
                    test_metadata_errors_name_attribute);
    g_test_add_func("/domain/metadata/in-domain", test_metadata_in_domain);

    g_test_add_func("/domain/corpus/libvirt-accepted-parse", test_corpus);
    g_test_add_func("/domain/corpus/not-well-formed-refused", test_corpus_expected_errors);
    g_test_add_func("/domain/corpus/values-match-libvirt-files", test_corpus_values);

    g_test_add_func("/domain/hostile/billion-laughs-refused", test_hostile_billion_laughs);
    g_test_add_func("/domain/hostile/xxe-refused-nothing-read", test_hostile_xxe);
    g_test_add_func("/domain/hostile/50mb-refused", test_hostile_50mb);
    g_test_add_func("/domain/hostile/endless-stream-bounded", test_hostile_endless_stream);
    g_test_add_func("/domain/hostile/just-under-limit-parses", test_hostile_just_under_limit);
    g_test_add_func("/domain/hostile/deep-nesting-refused", test_hostile_deep_nesting);
    g_test_add_func("/domain/hostile/empty-nul-junk-wrong-root-refused", test_hostile_small);

    return g_test_run();
}
