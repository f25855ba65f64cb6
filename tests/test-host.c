/* test-host.c: the host probe over the fixture sysroots.
 *
 * Every fixture host of tests/data/hosts (built by mkhosts.sh from real
 * register values, kernel layout and symlinks) is probed and its facts
 * asserted.  The committed trees are read-only: tests that break a host
 * (missing files, junk registers, vanished devices, hostile links, a
 * process holding a device) work on a private copy that keeps symlinks.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "probe/dt-alias.h"
#include "probe/dt-host.h"
#include "probe/dt-platform.h"
#include "decide/dt-hostcheck.h"
#include "probe/dt-paths.h"
#include "model/dt-util.h"
#include "model/dt-vdb.h"

#define REL_612 "6.12.57+deb13-amd64"

static char *
fixture(const char *name)
{
    return g_test_build_filename(G_TEST_DIST, "data", "hosts", name, NULL);
}

static DtHost *
probe_dir(const char *dir)
{
    g_autoptr(DtPaths) paths = dt_paths_new(dir);
    g_autoptr(GError) error = NULL;
    DtHost *host = dt_host_probe(paths, &error);

    g_assert_no_error(error);
    g_assert_nonnull(host);
    return host;
}

static DtHost *
probe_fixture(const char *name)
{
    g_autofree char *dir = fixture(name);
    return probe_dir(dir);
}

static DtPciAddr
addr(const char *s)
{
    DtPciAddr a;
    g_assert_true(dt_pci_addr_parse(s, &a));
    return a;
}

static const DtPciDev *
probe_dev(DtHost *host, const char *dir, const char *bdf)
{
    g_autoptr(DtPaths) paths = dt_paths_new(dir);
    g_autoptr(GError) error = NULL;
    DtPciAddr a = addr(bdf);
    const DtPciDev *d = dt_host_probe_device(host, paths, &a, &error);

    g_assert_no_error(error);
    g_assert_nonnull(d);
    return d;
}

/* ---- private copies of a fixture (symlinks kept as symlinks) ------------- */

static void
copy_tree(const char *src, const char *dst)
{
    struct stat st;

    g_assert_cmpint(lstat(src, &st), ==, 0);
    if (S_ISLNK(st.st_mode)) {
        g_autofree char *target = g_file_read_link(src, NULL);
        g_assert_nonnull(target);
        g_assert_cmpint(symlink(target, dst), ==, 0);
    } else if (S_ISDIR(st.st_mode)) {
        g_autoptr(GDir) dir = g_dir_open(src, 0, NULL);
        const char *name;
        g_assert_nonnull(dir);
        g_assert_cmpint(g_mkdir(dst, 0755), ==, 0);
        while ((name = g_dir_read_name(dir))) {
            g_autofree char *s = g_build_filename(src, name, NULL);
            g_autofree char *d = g_build_filename(dst, name, NULL);
            copy_tree(s, d);
        }
    } else {
        g_autofree char *buf = NULL;
        gsize len = 0;
        g_assert_true(g_file_get_contents(src, &buf, &len, NULL));
        g_assert_true(g_file_set_contents(dst, buf, (gssize)len, NULL));
    }
}

static void
remove_tree(const char *path)
{
    struct stat st;

    if (lstat(path, &st) < 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
        const char *name;
        while (dir && (name = g_dir_read_name(dir))) {
            g_autofree char *p = g_build_filename(path, name, NULL);
            remove_tree(p);
        }
        g_rmdir(path);
    } else {
        g_unlink(path);
    }
}

typedef struct {
    char *tmp;    /* the temp dir */
    char *root;   /* tmp/host: the copied sysroot */
} Copy;

static void
copy_fixture(Copy *c, const char *name)
{
    g_autofree char *src = fixture(name);
    g_autoptr(GError) error = NULL;

    c->tmp = g_dir_make_tmp("dt-host-XXXXXX", &error);
    g_assert_no_error(error);
    c->root = g_build_filename(c->tmp, "host", NULL);
    copy_tree(src, c->root);
}

static void
copy_free(Copy *c)
{
    remove_tree(c->tmp);
    g_free(c->tmp);
    g_free(c->root);
}

static char *
in_root(const Copy *c, const char *abs)
{
    return g_strconcat(c->root, abs, NULL);
}

static void
write_file(const Copy *c, const char *abs, const char *text)
{
    g_autofree char *p = in_root(c, abs);
    g_autofree char *dir = g_path_get_dirname(p);
    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_assert_true(g_file_set_contents(p, text, -1, NULL));
}

static void
remove_path(const Copy *c, const char *abs)
{
    g_autofree char *p = in_root(c, abs);
    struct stat st;
    g_assert_cmpint(lstat(p, &st), ==, 0);
    remove_tree(p);
}

static void
make_link(const Copy *c, const char *abs, const char *target)
{
    g_autofree char *p = in_root(c, abs);
    g_autofree char *dir = g_path_get_dirname(p);
    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_unlink(p);
    g_assert_cmpint(symlink(target, p), ==, 0);
}

/* ---- whole hosts ----------------------------------------------------------- */

static const DtIommu *
unit(const DtHost *h, const char *name)
{
    const DtIommu *u = dt_host_find_iommu(h, name);
    g_assert_nonnull(u);
    return u;
}

static void
test_intel_dirty(void)
{
    g_autoptr(DtHost) h = probe_fixture("intel-dirty");

    g_assert_cmpstr(h->kernel_release, ==, REL_612);
    g_assert_true(dt_version_at_least(&h->kernel, 6, 12, 57));
    g_assert_cmpstr(h->arch, ==, "x86_64");
    g_assert_cmpuint(h->page_size, ==, 4096);
    g_assert_false(h->intel_sm_off);
    g_assert_true(h->dev_iommu);
    g_assert_true(h->dev_vfio_container);
    g_assert_true(h->vfio_cdev_support);
    g_assert_true(h->have_modules_alias);
    g_assert_cmpuint(h->iommus->len, ==, 3);
    for (guint i = 0; i < h->iommus->len; i++) {
        const DtIommu *u = g_ptr_array_index(h->iommus, i);
        g_autofree char *want = g_strdup_printf("dmar%u", i);
        g_assert_cmpstr(u->name, ==, want);
        g_assert_cmpint(u->vendor, ==, DT_IOMMU_VENDOR_INTEL);
        g_assert_true(u->regs_known);
        g_assert_cmphex(u->cap, ==, 0x19ed008c40780c66ULL);
        g_assert_cmphex(u->ecap, ==, 0x3ee9e86f050dfULL);
        g_assert_cmpint(u->dirty_tracking.value, ==, DT_TRI_YES);
        g_assert_cmpint(u->dirty_tracking.source, ==, DT_SOURCE_SYSFS);
    }
}

static void
test_intel_nodirty(void)
{
    g_autoptr(DtHost) h = probe_fixture("intel-nodirty");
    const DtIommu *u = unit(h, "dmar1");

    g_assert_cmphex(u->ecap, ==, 0xf020dfULL);
    g_assert_cmpint(u->dirty_tracking.value, ==, DT_TRI_NO);
    g_assert_cmpint(u->dirty_tracking.source, ==, DT_SOURCE_SYSFS);
    g_assert_cmpstr(u->dirty_note, ==, "ECAP.SMTS=0 (no scalable mode)");
}

static void
test_amd_hdsup(void)
{
    g_autoptr(DtHost) h = probe_fixture("amd-hdsup");

    g_assert_cmpuint(h->iommus->len, ==, 4);
    for (guint i = 0; i < h->iommus->len; i++) {
        const DtIommu *u = g_ptr_array_index(h->iommus, i);
        g_autofree char *want = g_strdup_printf("ivhd%u", i);
        g_assert_cmpstr(u->name, ==, want);
        g_assert_cmpint(u->vendor, ==, DT_IOMMU_VENDOR_AMD);
        /* 6.12 prints EFR:EFR2: the order was read by kernel version */
        g_assert_cmphex(u->efr, ==, 0x25bf732fa2295afeULL);
        g_assert_cmphex(u->efr2, ==, 0x1dULL);
        g_assert_cmpint(u->dirty_tracking.value, ==, DT_TRI_YES);
        g_assert_cmpint(u->dirty_tracking.source, ==, DT_SOURCE_SYSFS);
    }
}

static void
test_arm(void)
{
    g_autoptr(DtHost) h = probe_fixture("arm-smmuv3");
    const DtIommu *u = unit(h, "smmu3.0x0000000140000000");

    g_assert_cmpstr(h->arch, ==, "aarch64");
    g_assert_cmpuint(h->iommus->len, ==, 1);
    g_assert_cmpint(u->vendor, ==, DT_IOMMU_VENDOR_SMMUV3);
    g_assert_false(u->regs_known);
    g_assert_cmpint(u->dirty_tracking.value, ==, DT_TRI_UNKNOWN);
    g_assert_cmpint(u->dirty_tracking.source, ==, DT_SOURCE_PREDICTED);
    g_assert_cmpstr(u->dirty_note, ==, "SMMUv3 HTTU not exposed in sysfs");
}

static void
test_no_iommu(void)
{
    g_autoptr(DtHost) h = probe_fixture("no-iommu");
    g_autofree char *dir = fixture("no-iommu");
    const DtPciDev *d;

    g_assert_cmpuint(h->iommus->len, ==, 0);
    d = probe_dev(h, dir, "0000:3b:00.1");
    g_assert_cmpint(d->iommu_group, ==, -1);
    g_assert_null(d->iommu_unit);
    /* vfio-pci cannot bind without an IOMMU; modules.alias still predicts */
    g_assert_null(d->driver);
    g_assert_cmpstr(d->alias_driver, ==, "mlx5_vfio_pci");
    g_assert_null(d->vfio_cdev);
}

static void
test_debian12(void)
{
    g_autoptr(DtHost) h = probe_fixture("debian12");
    const DtIommu *u = unit(h, "dmar0");

    g_assert_cmpstr(h->kernel_release, ==, "6.1.0-28-amd64");
    g_assert_cmpuint(h->kernel.major, ==, 6);
    g_assert_cmpuint(h->kernel.minor, ==, 1);
    g_assert_false(h->dev_iommu);
    g_assert_false(h->vfio_cdev_support);
    g_assert_true(h->dev_vfio_container);
    /* the hardware could, the kernel cannot */
    g_assert_true(u->ecap & (1ULL << 45));
    g_assert_cmpint(u->dirty_tracking.value, ==, DT_TRI_NO);
    g_assert_cmpstr(u->dirty_note, ==, "kernel < 6.7");
}

static void
test_probe_reads_no_device(void)
{
    static const char *const hosts[] = {
        "intel-dirty", "intel-nodirty", "amd-hdsup", "arm-smmuv3", "no-iommu", "debian12",
    };
    for (guint i = 0; i < G_N_ELEMENTS(hosts); i++) {
        g_autoptr(DtHost) h = probe_fixture(hosts[i]);
        g_assert_cmpuint(h->devices->len, ==, 0);
    }
}

static void
test_missing_sysroot(void)
{
    g_autoptr(DtPaths) paths = dt_paths_new("/nonexistent/dirtytrack-sysroot");
    g_autoptr(GError) error = NULL;
    g_autoptr(DtHost) h = dt_host_probe(paths, &error);

    g_assert_null(h);
    g_assert_error(error, DT_ERROR, DT_ERROR_NOT_FOUND);
}

/* ---- devices --------------------------------------------------------------- */

static void
test_mlx5_vf(void)
{
    g_autoptr(DtHost) h = probe_fixture("intel-dirty");
    g_autofree char *dir = fixture("intel-dirty");
    const DtPciDev *d = probe_dev(h, dir, "0000:3b:00.1");
    DtPciAddr pf = addr("0000:3b:00.0");

    g_assert_cmphex(d->vendor, ==, 0x15b3);
    g_assert_cmphex(d->device, ==, 0x101e);
    g_assert_cmphex(d->subsys_vendor, ==, 0x15b3);
    g_assert_cmphex(d->class_code, ==, 0x020000);
    g_assert_cmpstr(d->driver, ==, "mlx5_vfio_pci");
    g_assert_cmpint(d->iommu_group, ==, 41);
    g_assert_cmpstr(d->iommu_unit, ==, "dmar1");
    g_assert_true(d->is_vf);
    g_assert_true(dt_pci_addr_equal(&d->pf, &pf));
    g_assert_cmpuint(d->num_vfs, ==, 0);
    g_assert_cmpstr(d->vfio_cdev, ==, "vfio0");
    g_assert_cmpstr(d->modalias, ==, "pci:v000015B3d0000101Esv000015B3sd00000040bc02sc00i00");
    g_assert_cmpstr(d->alias_driver, ==, "mlx5_vfio_pci");
    g_assert_false(d->in_use);
    g_assert_true(dt_pcidev_is_vfio_candidate(d));
    /* on demand: exactly one device read */
    g_assert_cmpuint(h->devices->len, ==, 1);
}

static void
test_mlx5_pf(void)
{
    g_autoptr(DtHost) h = probe_fixture("intel-dirty");
    g_autofree char *dir = fixture("intel-dirty");
    const DtPciDev *d = probe_dev(h, dir, "0000:3b:00.0");

    g_assert_cmpstr(d->driver, ==, "mlx5_core");
    g_assert_false(d->is_vf);
    g_assert_cmpuint(d->num_vfs, ==, 2);
    g_assert_null(d->vfio_cdev);
    /* 15b3:1021 has only a pci: alias (mlx5_core), no vfio_pci: one */
    g_assert_null(d->alias_driver);
    g_assert_false(dt_pcidev_is_vfio_candidate(d));
}

static void
test_qat_by_kernel(void)
{
    g_autoptr(DtHost) h612 = probe_fixture("intel-dirty");
    g_autoptr(DtHost) h61 = probe_fixture("debian12");
    g_autofree char *d612 = fixture("intel-dirty");
    g_autofree char *d61 = fixture("debian12");
    const DtPciDev *a = probe_dev(h612, d612, "0000:6b:00.1");
    const DtPciDev *b = probe_dev(h61, d61, "0000:6b:00.1");

    g_assert_cmpstr(a->driver, ==, "qat_vfio_pci");
    g_assert_cmpstr(a->alias_driver, ==, "qat_vfio_pci");
    g_assert_cmpstr(a->iommu_unit, ==, "dmar2");
    /* qat_vfio_pci arrived in 6.10: Debian 12's modules.alias lacks it */
    g_assert_cmpstr(b->driver, ==, "vfio-pci");
    g_assert_null(b->alias_driver);
    /* 6.1 has vfio-dev/vfioN but no cdev node */
    g_assert_cmpstr(b->vfio_cdev, ==, "vfio3");
}

static void
test_plain_vf_and_bridge(void)
{
    g_autoptr(DtHost) h = probe_fixture("intel-nodirty");
    g_autofree char *dir = fixture("intel-nodirty");
    const DtPciDev *vf = probe_dev(h, dir, "0000:17:02.0");
    const DtPciDev *vf2 = probe_dev(h, dir, "0000:3b:00.2");
    const DtPciDev *hb = probe_dev(h, dir, "0000:00:00.0");

    g_assert_cmpstr(vf->driver, ==, "vfio-pci");
    /* only vfio_pci's own catch-all matches 8086:154c */
    g_assert_null(vf->alias_driver);
    g_assert_true(dt_pcidev_is_vfio_candidate(vf));
    g_assert_cmpstr(vf2->driver, ==, "vfio-pci");
    g_assert_cmpstr(vf2->alias_driver, ==, "mlx5_vfio_pci");
    g_assert_null(hb->driver);
    g_assert_false(dt_pcidev_is_vfio_candidate(hb));
}

static void
test_amd_and_arm_units(void)
{
    g_autoptr(DtHost) amd = probe_fixture("amd-hdsup");
    g_autoptr(DtHost) arm = probe_fixture("arm-smmuv3");
    g_autofree char *damd = fixture("amd-hdsup");
    g_autofree char *darm = fixture("arm-smmuv3");

    g_assert_cmpstr(probe_dev(amd, damd, "0000:3b:00.1")->iommu_unit, ==, "ivhd0");
    g_assert_cmpstr(probe_dev(amd, damd, "0000:6b:00.1")->iommu_unit, ==, "ivhd1");
    g_assert_cmpstr(probe_dev(arm, darm, "0000:3b:00.1")->iommu_unit, ==,
                    "smmu3.0x0000000140000000");
}

static void
test_all_devices(void)
{
    g_autoptr(DtHost) h = probe_fixture("intel-dirty");
    g_autofree char *dir = fixture("intel-dirty");
    g_autoptr(DtPaths) paths = dt_paths_new(dir);
    g_autoptr(GError) error = NULL;
    static const char *const order[] = {
        "0000:00:00.0", "0000:16:02.0", "0000:17:00.0", "0000:17:02.0", "0000:3a:01.0",
        "0000:3b:00.0", "0000:3b:00.1", "0000:3b:00.2", "0000:6b:00.0", "0000:6b:00.1",
    };
    GString *cands = g_string_new(NULL);

    g_assert_true(dt_host_probe_all_devices(h, paths, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(h->devices->len, ==, G_N_ELEMENTS(order));
    for (guint i = 0; i < h->devices->len; i++) {
        const DtPciDev *d = g_ptr_array_index(h->devices, i);
        g_autofree char *s = dt_pci_addr_to_string(&d->addr);
        g_assert_cmpstr(s, ==, order[i]);
        if (dt_pcidev_is_vfio_candidate(d))
            g_string_append_printf(cands, "%s ", s);
    }
    g_assert_cmpstr(cands->str, ==, "0000:17:02.0 0000:3b:00.1 0000:3b:00.2 0000:6b:00.1 ");
    g_string_free(cands, TRUE);
}

static void
test_missing_device(void)
{
    g_autoptr(DtHost) h = probe_fixture("intel-dirty");
    g_autofree char *dir = fixture("intel-dirty");
    g_autoptr(DtPaths) paths = dt_paths_new(dir);
    g_autoptr(GError) error = NULL;
    DtPciAddr a = addr("0000:99:00.0");

    g_assert_null(dt_host_probe_device(h, paths, &a, &error));
    g_assert_error(error, DT_ERROR, DT_ERROR_NOT_FOUND);
    g_assert_cmpuint(h->devices->len, ==, 0);
}

static void
test_hostile_bdf_strings(void)
{
    static const char *const bad[] = {
        "../../etc", "0000:3b:00.1/../..", "0000:3b:00.1/", "../0000:3b:00.1",
        "0000:3b:00.1\n", " 0000:3b:00.1", "0000:3b:00.8", "0000:3b:20.1", "00000:3b:00.1",
        "0000:3b:00", "0000:3b:00.1.2", "0000:+b:00.1", "", "0000:3b:00.1 ",
    };
    DtPciAddr a;

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++)
        g_assert_false(dt_pci_addr_parse(bad[i], &a));
}

static void
test_hostile_links(void)
{
    Copy c;
    g_autoptr(DtHost) h = NULL;
    g_autoptr(DtPaths) paths = NULL;
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;
    DtPciAddr a = addr("0000:3b:00.1");
    DtPciAddr b = addr("0000:3b:00.2");

    copy_fixture(&c, "intel-dirty");
    /* a device link that leaves the sysroot, and one that stays inside it
     * but not under /sys/devices: neither is a PCI device */
    make_link(&c, "/sys/bus/pci/devices/0000:3b:00.1", "../../../../../../../../etc");
    make_link(&c, "/sys/bus/pci/devices/0000:3b:00.2", "../../../../proc");
    paths = dt_paths_new(c.root);
    h = probe_dir(c.root);
    g_assert_null(dt_host_probe_device(h, paths, &a, &e1));
    g_assert_error(e1, DT_ERROR, DT_ERROR_NOT_FOUND);
    g_assert_null(dt_host_probe_device(h, paths, &b, &e2));
    g_assert_error(e2, DT_ERROR, DT_ERROR_NOT_FOUND);
    copy_free(&c);
}

/* The device directory is found without realpath(3) when the bus link is
 * the plain form the kernel writes; any other shape is resolved by
 * realpath(3) as before, with the same answer. */
static void
test_device_links_unusual_but_inside(void)
{
    Copy c;
    g_autoptr(DtHost) h = NULL;
    g_autoptr(DtPaths) paths = NULL;
    g_autoptr(GError) error = NULL;
    DtPciAddr a = addr("0000:3b:00.1");
    DtPciAddr b = addr("0000:3b:00.2");
    DtPciAddr x = addr("0000:3b:00.3");
    DtPciAddr pf = addr("0000:3b:00.0");
    g_autofree char *from = NULL, *to = NULL;
    const DtPciDev *d;

    copy_fixture(&c, "intel-dirty");
    /* "./" in the link: not the kernel's form, still the same directory */
    make_link(&c, "/sys/bus/pci/devices/0000:3b:00.1",
              "../../.././devices/pci0000:3a/./0000:3a:01.0/0000:3b:00.1");
    /* the device directory is itself a link to elsewhere under /sys/devices */
    from = in_root(&c, "/sys/devices/pci0000:3a/0000:3a:01.0/0000:3b:00.2");
    to = in_root(&c, "/sys/devices/moved");
    g_assert_cmpint(g_mkdir_with_parents(to, 0755), ==, 0);
    g_free(to);
    to = in_root(&c, "/sys/devices/moved/0000:3b:00.2");
    g_assert_cmpint(g_rename(from, to), ==, 0);
    make_link(&c, "/sys/devices/pci0000:3a/0000:3a:01.0/0000:3b:00.2", "../../moved/0000:3b:00.2");
    /* a link whose last component names another device: not this one */
    make_link(&c, "/sys/bus/pci/devices/0000:3b:00.3",
              "../../../devices/pci0000:3a/0000:3a:01.0/0000:3b:00.1");
    paths = dt_paths_new(c.root);
    h = probe_dir(c.root);
    d = dt_host_probe_device(h, paths, &a, &error);
    g_assert_no_error(error);
    g_assert_cmphex(d->vendor, ==, 0x15b3);
    g_assert_cmpstr(d->driver, ==, "mlx5_vfio_pci");
    d = dt_host_probe_device(h, paths, &b, &error);
    g_assert_no_error(error);
    g_assert_cmphex(d->vendor, ==, 0x15b3);
    g_assert_true(d->is_vf);
    g_assert_null(dt_host_probe_device(h, paths, &x, &error));
    g_assert_error(error, DT_ERROR, DT_ERROR_NOT_FOUND);
    g_clear_error(&error);
    /* a link inside /sys/devices that leads out of it: refused */
    write_file(&c, "/outside/0000:3b:00.0/vendor", "0x15b3\n");
    remove_path(&c, "/sys/devices/pci0000:3a/0000:3a:01.0/0000:3b:00.0");
    make_link(&c, "/sys/devices/pci0000:3a/0000:3a:01.0/0000:3b:00.0",
              "../../../../outside/0000:3b:00.0");
    g_assert_null(dt_host_probe_device(h, paths, &pf, &error));
    g_assert_error(error, DT_ERROR, DT_ERROR_NOT_FOUND);
    copy_free(&c);
}

static void
test_vanished_device(void)
{
    Copy c;
    g_autoptr(DtHost) h = NULL;
    g_autoptr(DtPaths) paths = NULL;
    g_autoptr(GError) error = NULL;
    DtPciAddr a = addr("0000:3b:00.2");

    copy_fixture(&c, "intel-dirty");
    /* the bus link stays, the device directory is gone (hot-unplug) */
    remove_path(&c, "/sys/devices/pci0000:3a/0000:3a:01.0/0000:3b:00.2");
    paths = dt_paths_new(c.root);
    h = probe_dir(c.root);
    g_assert_null(dt_host_probe_device(h, paths, &a, &error));
    g_assert_error(error, DT_ERROR, DT_ERROR_NOT_FOUND);
    g_clear_error(&error);
    g_assert_true(dt_host_probe_all_devices(h, paths, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(h->devices->len, ==, 9);
    g_assert_null(dt_host_find_device(h, &a));
    copy_free(&c);
}

static void
test_missing_and_junk_files(void)
{
    Copy c;
    g_autoptr(DtHost) h = NULL;
    const char *vf1 = "/sys/devices/pci0000:3a/0000:3a:01.0/0000:3b:00.1";
    const char *vf2 = "/sys/devices/pci0000:3a/0000:3a:01.0/0000:3b:00.2";
    const char *pf = "/sys/devices/pci0000:3a/0000:3a:01.0/0000:3b:00.0";
    g_autofree char *p = NULL;
    const DtPciDev *d;

    copy_fixture(&c, "intel-dirty");
    p = g_strconcat(vf1, "/vendor", NULL);
    write_file(&c, p, "0xzz15b3\n");
    g_free(p);
    p = g_strconcat(vf1, "/iommu_group", NULL);
    remove_path(&c, p);
    g_free(p);
    p = g_strconcat(vf1, "/class", NULL);
    write_file(&c, p, "");
    g_free(p);
    p = g_strconcat(vf2, "/modalias", NULL);
    remove_path(&c, p);
    g_free(p);
    /* the same junk where no modalias carries the ids instead */
    p = g_strconcat(pf, "/vendor", NULL);
    write_file(&c, p, "0xzz15b3\n");
    g_free(p);
    p = g_strconcat(pf, "/class", NULL);
    write_file(&c, p, "");
    g_free(p);
    p = g_strconcat(pf, "/modalias", NULL);
    write_file(&c, p, "pci:v000015b3d00001021sv000015B3sd00000040bc02sc00i00\n");
    h = probe_dir(c.root);

    /* an intact modalias has the ids (the kernel prints both from the
     * same registers): the junk files are not read */
    d = probe_dev(h, c.root, "0000:3b:00.1");
    g_assert_cmphex(d->vendor, ==, 0x15b3);
    g_assert_cmphex(d->device, ==, 0x101e);
    g_assert_cmphex(d->class_code, ==, 0x020000);
    g_assert_cmpint(d->iommu_group, ==, -1);
    g_assert_cmpstr(d->driver, ==, "mlx5_vfio_pci");
    g_assert_cmpstr(d->alias_driver, ==, "mlx5_vfio_pci");   /* from modalias */

    /* a modalias not in the kernel's exact shape (lower-case hex here) is
     * no source of ids: the files are, and junk in them stays unknown */
    d = probe_dev(h, c.root, "0000:3b:00.0");
    g_assert_cmphex(d->vendor, ==, 0);            /* junk: unknown, not a guess */
    g_assert_cmphex(d->device, ==, 0x1021);
    g_assert_cmphex(d->class_code, ==, 0);

    d = probe_dev(h, c.root, "0000:3b:00.2");
    g_assert_null(d->modalias);
    /* rebuilt from the ids the kernel would have printed */
    g_assert_cmpstr(d->alias_driver, ==, "mlx5_vfio_pci");
    copy_free(&c);
}

static void
test_junk_registers(void)
{
    Copy c;
    g_autoptr(DtHost) h = NULL;
    const DtIommu *u;

    copy_fixture(&c, "intel-dirty");
    write_file(&c, "/sys/devices/virtual/iommu/dmar1/intel-iommu/ecap", "zzzz\n");
    remove_path(&c, "/sys/devices/virtual/iommu/dmar2/intel-iommu/cap");
    h = probe_dir(c.root);
    g_assert_cmpuint(h->iommus->len, ==, 3);
    g_assert_cmpint(unit(h, "dmar0")->dirty_tracking.value, ==, DT_TRI_YES);
    for (guint i = 1; i <= 2; i++) {
        g_autofree char *n = g_strdup_printf("dmar%u", i);
        u = unit(h, n);
        g_assert_false(u->regs_known);
        g_assert_cmpint(u->dirty_tracking.value, ==, DT_TRI_UNKNOWN);
        g_assert_cmpint(u->dirty_tracking.source, ==, DT_SOURCE_NONE);
    }
    copy_free(&c);
}

static void
test_amd_malformed_features(void)
{
    Copy c;
    g_autoptr(DtHost) h = NULL;
    const DtIommu *u;

    copy_fixture(&c, "amd-hdsup");
    write_file(&c, "/sys/devices/pci0000:00/0000:00:00.2/iommu/ivhd0/amd-iommu/features",
               "25bf732fa2295afe:1d:0\n");
    h = probe_dir(c.root);
    u = unit(h, "ivhd0");
    g_assert_false(u->regs_known);
    g_assert_cmpint(u->dirty_tracking.value, ==, DT_TRI_UNKNOWN);
    g_assert_cmpint(unit(h, "ivhd1")->dirty_tracking.value, ==, DT_TRI_YES);
    copy_free(&c);
}

static void
test_no_osrelease(void)
{
    Copy c;
    g_autoptr(DtHost) h = NULL;

    copy_fixture(&c, "intel-dirty");
    remove_path(&c, "/proc/sys/kernel/osrelease");
    h = probe_dir(c.root);
    /* a sysroot never falls back to the running kernel */
    g_assert_null(h->kernel_release);
    g_assert_false(h->kernel.known);
    g_assert_false(h->have_modules_alias);
    g_assert_cmpint(unit(h, "dmar0")->dirty_tracking.value, ==, DT_TRI_UNKNOWN);
    copy_free(&c);
}

static void
test_hostile_osrelease(void)
{
    Copy c;
    g_autoptr(DtHost) h = NULL;
    const DtPciDev *d;

    copy_fixture(&c, "intel-dirty");
    /* would make /lib/modules/../../... a path outside the sysroot */
    write_file(&c, "/proc/sys/kernel/osrelease", "6.12.0/../../../" "tmp\n");
    h = probe_dir(c.root);
    g_assert_false(h->have_modules_alias);
    d = probe_dev(h, c.root, "0000:3b:00.1");
    g_assert_null(d->alias_driver);
    copy_free(&c);
}

static void
test_sm_off(void)
{
    Copy c;
    g_autoptr(DtHost) h = NULL;

    copy_fixture(&c, "intel-dirty");
    write_file(&c, "/proc/cmdline", "BOOT_IMAGE=/vmlinuz ro intel_iommu=on,sm_off iommu=pt\n");
    h = probe_dir(c.root);
    g_assert_true(h->intel_sm_off);
    g_assert_cmpint(unit(h, "dmar0")->dirty_tracking.value, ==, DT_TRI_NO);
    g_assert_cmpstr(unit(h, "dmar0")->dirty_note, ==, "intel_iommu=sm_off");
    copy_free(&c);
}

static void
test_page_size(void)
{
    Copy c;
    g_autoptr(DtHost) h = NULL;

    copy_fixture(&c, "arm-smmuv3");
    /* a 64K-page arm64 kernel has 512 MiB PMDs */
    write_file(&c, "/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "536870912\n");
    h = probe_dir(c.root);
    g_assert_cmpuint(h->page_size, ==, 65536);
    copy_free(&c);
}

static void
test_in_use(void)
{
    Copy c;
    g_autoptr(DtHost) h = NULL;
    g_autoptr(DtHost) skip = NULL;
    g_autoptr(DtPaths) paths = NULL;
    DtPciAddr addrs[3] = { addr("0000:3b:00.1"), addr("0000:3b:00.2"), addr("0000:17:02.0") };

    copy_fixture(&c, "intel-dirty");
    /* QEMU (pid 4242) holds 3b:00.1's group; pid 4243 holds 3b:00.2's cdev */
    make_link(&c, "/proc/4242/fd/0", "/dev/null");
    make_link(&c, "/proc/4242/fd/17", "/dev/vfio/41");
    make_link(&c, "/proc/4243/fd/20", "/dev/vfio/devices/vfio1");
    make_link(&c, "/proc/self/fd/3", "/dev/vfio/31");   /* not a pid */
    paths = dt_paths_new(c.root);

    h = probe_dir(c.root);
    g_assert_cmpuint(dt_host_probe_devices(h, paths, addrs, 3, DT_HOST_PROBE_DEFAULT), ==, 3);
    g_assert_true(dt_host_find_device(h, &addrs[0])->in_use);
    g_assert_true(dt_host_find_device(h, &addrs[1])->in_use);
    g_assert_false(dt_host_find_device(h, &addrs[2])->in_use);

    skip = probe_dir(c.root);
    g_assert_cmpuint(dt_host_probe_devices(skip, paths, addrs, 3, DT_HOST_PROBE_SKIP_IN_USE), ==, 3);
    g_assert_false(dt_host_find_device(skip, &addrs[0])->in_use);
    g_assert_false(dt_host_find_device(skip, &addrs[1])->in_use);
    copy_free(&c);
}

static void
test_batch_counts(void)
{
    g_autoptr(DtHost) h = probe_fixture("intel-dirty");
    g_autofree char *dir = fixture("intel-dirty");
    g_autoptr(DtPaths) paths = dt_paths_new(dir);
    DtPciAddr addrs[3] = { addr("0000:3b:00.1"), addr("0000:99:00.0"), addr("0000:3b:00.1") };

    /* absent devices are skipped, duplicates read once */
    g_assert_cmpuint(dt_host_probe_devices(h, paths, addrs, 3, DT_HOST_PROBE_DEFAULT), ==, 2);
    g_assert_cmpuint(h->devices->len, ==, 1);
}

static void
test_driver_names(void)
{
    g_assert_true(dt_driver_is_vfio("vfio-pci"));
    g_assert_true(dt_driver_is_vfio("mlx5_vfio_pci"));
    g_assert_true(dt_driver_is_vfio("xe-vfio-pci"));
    g_assert_true(dt_driver_is_vfio("nvgrace_gpu_vfio_pci"));
    g_assert_false(dt_driver_is_vfio("mlx5_core"));
    g_assert_false(dt_driver_is_vfio("vfio-platform"));
    g_assert_false(dt_driver_is_vfio(NULL));
}

/* ---- modules.alias --------------------------------------------------------- */

static void
test_alias_most_specific(void)
{
    /* file2alias format; an extra subsystem-specific line outranks the
     * vendor:device one, which outranks vfio_pci's catch-all */
    static const char text[] =
        "# Aliases extracted from modules themselves.\n"
        "alias pci:v000015B3d0000101Esv*sd*bc*sc*i* mlx5_core\n"
        "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\n"
        "alias vfio_pci:v000015B3d0000101Esv*sd*bc*sc*i* mlx5_vfio_pci\n"
        "alias vfio_pci:v000015B3d0000101Esv000015B3sd00000040bc*sc*i* special_vfio_pci\n"
        "alias vfio_pci:v00008086d*sv*sd*bc0Bsc40i* intel_acc_vfio_pci\n"
        "xalias vfio_pci:v*d*sv*sd*bc*sc*i* broken\n"
        "alias vfio_pci:v00001AF4d00001041sv*sd*bc*sc*i* ../../evil\n";
    g_autoptr(DtAliasTable) t = dt_alias_table_parse(text, sizeof(text) - 1);

    /* only well-formed vfio_pci: lines at the start of a line are kept */
    g_assert_cmpuint(dt_alias_table_size(t), ==, 4);
    g_assert_cmpstr(dt_alias_table_lookup(t, "pci:v000015B3d0000101Esv000015B3sd00000040bc02sc00i00"),
                    ==, "special_vfio_pci");
    g_assert_cmpstr(dt_alias_table_lookup(t, "pci:v000015B3d0000101Esv000015B3sd00000041bc02sc00i00"),
                    ==, "mlx5_vfio_pci");
    g_assert_cmpstr(dt_alias_table_lookup(t, "pci:v00008086d00004941sv00008086sd00000000bc0Bsc40i00"),
                    ==, "intel_acc_vfio_pci");
    /* only the catch-all: no variant driver */
    g_assert_null(dt_alias_table_lookup(t, "pci:v00008086d0000154Csv00008086sd00000000bc02sc00i00"));
    g_assert_null(dt_alias_table_lookup(t, "pci:v00001AF4d00001041sv00001AF4sd00000001bc02sc00i00"));
    /* not a PCI modalias */
    g_assert_null(dt_alias_table_lookup(t, "vfio_pci:v000015B3d0000101Esv*sd*bc*sc*i*"));
    g_assert_null(dt_alias_table_lookup(t, NULL));
}

/* The scan finds vfio_pci: lines 64 bytes at a time: every line must be
 * found wherever it falls against those blocks and the loader's reads,
 * among lines full of 'f's, with or without a final newline. */
static void
test_alias_scan_every_offset(void)
{
    static const char *const noise[] = {
        "alias fs-vfat vfat\n",
        "alias of:N*T*Cfsl,imx8mq-vfio_pci vfio_platform_fake\n",
        "alias pci:v00008086d00001889sv*sd*bc*sc*i* iavf\n",
        "alias ffff vfio_pci:v*d* fff\n",
        "xalias vfio_pci:v*d*sv*sd*bc*sc*i* broken\n",
        "alias vfio_pci:nospace\n",
        "# vfio_pci: comment ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n",
    };
    g_autoptr(GString) text = g_string_new(NULL);
    guint want = 0;

    for (guint i = 0; i < 3000; i++) {
        g_string_append(text, noise[(i * 7) % G_N_ELEMENTS(noise)]);
        if (i % 13 == 5) {
            g_string_append_printf(text, "alias vfio_pci:v0000%04Xd*sv*sd*bc*sc*i* v%u_vfio_pci\n",
                                   i, i);
            want++;
        }
    }
    g_string_append(text, "alias vfio_pci:v0000ABCDd*sv*sd*bc*sc*i* last_vfio_pci");
    want++;
    for (guint skew = 0; skew < 70; skew++) {
        g_autoptr(GString) t = g_string_new(NULL);
        g_autoptr(DtAliasTable) tab = NULL;
        g_autofree char *path = NULL;
        g_autoptr(DtAliasTable) loaded = NULL;
        g_autoptr(GError) error = NULL;
        int fd;

        /* a first line of skew bytes moves every other line */
        g_string_append_len(t, "#fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                            skew);
        if (skew)
            g_string_append_c(t, '\n');
        g_string_append_len(t, text->str, text->len);
        tab = dt_alias_table_parse(t->str, t->len);
        g_assert_cmpuint(dt_alias_table_size(tab), ==, want);
        g_assert_cmpstr(dt_alias_table_lookup(tab, "pci:v0000ABCDd00000001sv00000000sd00000000bc02sc00i00"),
                        ==, "last_vfio_pci");
        g_assert_cmpstr(dt_alias_table_lookup(tab, "pci:v00000005d00000001sv00000000sd00000000bc02sc00i00"),
                        ==, "v5_vfio_pci");
        /* through a file, as the hook reads it: chunks of the loader */
        fd = g_file_open_tmp("dt-alias-XXXXXX", &path, &error);
        g_assert_no_error(error);
        g_assert_true(write(fd, t->str, t->len) == (gssize)t->len);
        close(fd);
        loaded = dt_alias_table_load(path, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(dt_alias_table_size(loaded), ==, want);
        g_unlink(path);
    }
}

/* ---- host checks ----------------------------------------------------------- */

/* What `dirtytrack host` reads: the host, every device, the platform. */
static DtHost *
probe_all_dir(const char *dir)
{
    g_autoptr(DtPaths) paths = dt_paths_new(dir);
    g_autoptr(GError) error = NULL;
    DtHost *h = probe_dir(dir);

    g_assert_true(dt_host_probe_all_devices(h, paths, &error));
    g_assert_no_error(error);
    dt_platform_probe(h, paths);
    return h;
}

static DtHost *
probe_all(const char *name)
{
    g_autofree char *dir = fixture(name);
    return probe_all_dir(dir);
}

static const DtCheck *
find_check(GPtrArray *checks, const char *id)
{
    if (g_test_verbose() && strcmp(id, "iommu-present") == 0) {
        for (guint i = 0; i < checks->len; i++) {
            const DtCheck *c = g_ptr_array_index(checks, i);
            g_test_message("%s %s: %s [%s] %s", dt_hostcheck_status_to_string(c->status), c->title,
                           c->result, dt_source_to_string(c->source), c->hint ? c->hint : "");
        }
    }
    for (guint i = 0; i < checks->len; i++) {
        const DtCheck *c = g_ptr_array_index(checks, i);
        if (strcmp(c->id, id) == 0)
            return c;
    }
    return NULL;
}

static const DtCheck *
need_check(GPtrArray *checks, const char *id)
{
    const DtCheck *c = find_check(checks, id);
    if (!c)
        g_error("no check %s", id);
    g_assert_nonnull(c->title);
    g_assert_nonnull(c->result);
    if (c->status == DT_CHECK_PASS)
        g_assert_null(c->hint);
    else if (c->status == DT_CHECK_WARN || c->status == DT_CHECK_FAIL)
        g_assert_nonnull(c->hint);
    return c;
}

static void
test_checks_intel_dirty(void)
{
    g_autoptr(DtHost) h = probe_all("intel-dirty");
    g_autoptr(GPtrArray) checks = dt_hostcheck_run(h, NULL);
    const DtCheck *c;

    g_assert_cmpint(need_check(checks, "iommu-present")->status, ==, DT_CHECK_PASS);
    g_assert_cmpint(need_check(checks, "iommu-enabled")->status, ==, DT_CHECK_PASS);
    c = need_check(checks, "iommu-dirty:dmar1");
    g_assert_cmpint(c->status, ==, DT_CHECK_PASS);
    g_assert_cmpint(c->source, ==, DT_SOURCE_SYSFS);
    g_assert_cmpint(need_check(checks, "kernel-iommufd")->status, ==, DT_CHECK_PASS);
    g_assert_cmpint(need_check(checks, "kernel-vfio-cdev")->status, ==, DT_CHECK_PASS);
    g_assert_cmpint(need_check(checks, "kernel-iommufd-dirty")->status, ==, DT_CHECK_PASS);
    g_assert_cmpint(need_check(checks, "kernel-vfio-migration")->status, ==, DT_CHECK_PASS);
    g_assert_cmpint(need_check(checks, "kernel-dma-logging")->status, ==, DT_CHECK_PASS);
    /* one line per VFIO candidate, none for the host bridge or the PFs */
    g_assert_nonnull(need_check(checks, "device:0000:3b:00.1"));
    g_assert_nonnull(need_check(checks, "device:0000:17:02.0"));
    g_assert_null(find_check(checks, "device:0000:00:00.0"));
    g_assert_null(find_check(checks, "device:0000:3b:00.0"));
    /* no database: the plain VF cannot be judged migratable */
    g_assert_cmpint(need_check(checks, "device:0000:17:02.0")->status, ==, DT_CHECK_WARN);
    g_assert_cmpstr(dt_hostcheck_status_to_string(DT_CHECK_FAIL), ==, "FAIL");
}

static void
test_checks_debian12(void)
{
    g_autoptr(DtHost) h = probe_all("debian12");
    g_autoptr(GPtrArray) checks = dt_hostcheck_run(h, NULL);
    const DtCheck *c;

    c = need_check(checks, "iommu-dirty:dmar0");
    g_assert_cmpint(c->status, ==, DT_CHECK_WARN);
    g_assert_cmpstr(c->hint, ==, "kernel >= 6.7 needed for IOMMU dirty tracking");
    c = need_check(checks, "kernel-iommufd-dirty");
    g_assert_cmpint(c->status, ==, DT_CHECK_WARN);
    g_assert_cmpstr(c->hint, ==, "kernel >= 6.7 needed for IOMMU dirty tracking");
    c = need_check(checks, "kernel-iommufd");
    g_assert_cmpint(c->status, ==, DT_CHECK_WARN);
    g_assert_cmpstr(c->hint, ==, "kernel >= 6.2 needed for iommufd");
    g_assert_cmpint(need_check(checks, "kernel-vfio-cdev")->status, ==, DT_CHECK_WARN);
    g_assert_cmpint(need_check(checks, "kernel-dma-logging")->status, ==, DT_CHECK_PASS);
}

#define HINT_NO_VFIO "boot a kernel built with CONFIG_VFIO and CONFIG_VFIO_PCI: device passthrough and its migration need them"
#define HINT_NO_IOMMUFD "the iommufd backend needs a kernel built with CONFIG_IOMMUFD (Linux >= 6.2); QEMU can still use the VFIO group interface"

/* Asserts the line a user sees: status, result, hint (NULL: none), source. */
static void
assert_line(GPtrArray *checks, const char *id, DtCheckStatus st, const char *result,
            const char *hint, DtSource src)
{
    const DtCheck *c = need_check(checks, id);

    g_assert_cmpstr(dt_hostcheck_status_to_string(c->status), ==, dt_hostcheck_status_to_string(st));
    g_assert_cmpstr(c->result, ==, result);
    g_assert_cmpstr(c->hint, ==, hint);
    g_assert_cmpstr(dt_source_to_string(c->source), ==, dt_source_to_string(src));
}

/* virt-host-validate qemu's "WARN (Unknown if this platform has IOMMU
 * support)": no unit, no group, no vmx/svm flag; and no "enabled" line. */
static void
assert_cannot_tell(GPtrArray *checks, const char *hint)
{
    assert_line(checks, "iommu-present", DT_CHECK_WARN,
                "unknown if this platform has IOMMU support (no IOMMU unit or group; the CPU shows neither the vmx nor the svm flag)",
                hint, DT_SOURCE_SYSFS);
    g_assert_null(find_check(checks, "iommu-enabled"));
}

/* VT-d off in the firmware of an Intel host: no DMAR table, so the
 * platform line fails as virt-host-validate's does, with the one fix that
 * works there; "enabled" is not asked of an IOMMU that is not there. */
static void
test_checks_no_iommu(void)
{
    g_autoptr(DtHost) h = probe_all("no-iommu");
    g_autoptr(GPtrArray) checks = dt_hostcheck_run(h, NULL);
    const DtCheck *c;

    g_assert_cmpint(h->platform.cpu, ==, DT_CPU_INTEL);
    g_assert_false(h->platform.acpi_dmar);
    assert_line(checks, "iommu-present", DT_CHECK_FAIL,
                "no (no ACPI DMAR table: the IOMMU is disabled in the firmware or absent)",
                "enable VT-d in the firmware setup", DT_SOURCE_SYSFS);
    g_assert_null(find_check(checks, "iommu-enabled"));
    c = need_check(checks, "device:0000:3b:00.1");
    g_assert_cmpint(c->status, ==, DT_CHECK_FAIL);
    g_assert_cmpstr(c->hint, ==, "enable VT-d in the firmware setup");
}

/* The kernel of a Firecracker guest, as read on one: built without VFIO,
 * iommufd or any IOMMU driver (/proc/config.gz), no /dev/vfio, no module
 * lists, a CPU without vmx/svm.  Every kernel line rests on the
 * configuration, never on the version, and nothing says modprobe. */
static void
test_checks_no_vfio(void)
{
    static const struct {
        const char *id;
        DtCheckStatus status;
        const char *result, *hint;
    } kernel_lines[] = {
        { "kernel-vfio", DT_CHECK_FAIL, "no (CONFIG_VFIO not set in /proc/config.gz)", HINT_NO_VFIO },
        { "kernel-vfio-migration", DT_CHECK_FAIL,
          "no (no VFIO: CONFIG_VFIO not set in /proc/config.gz)", HINT_NO_VFIO },
        { "kernel-dma-logging", DT_CHECK_WARN,
          "no (no VFIO: CONFIG_VFIO not set in /proc/config.gz)", HINT_NO_VFIO },
        { "kernel-iommufd", DT_CHECK_WARN, "no (CONFIG_IOMMUFD not set in /proc/config.gz)",
          HINT_NO_IOMMUFD },
        { "kernel-vfio-cdev", DT_CHECK_WARN,
          "no (no VFIO: CONFIG_VFIO not set in /proc/config.gz)", HINT_NO_VFIO },
        { "kernel-iommufd-dirty", DT_CHECK_WARN,
          "no (no iommufd: CONFIG_IOMMUFD not set in /proc/config.gz)", HINT_NO_IOMMUFD },
    };
    g_autoptr(DtHost) h = probe_all("no-vfio");
    g_autoptr(GPtrArray) checks = dt_hostcheck_run(h, NULL);

    g_assert_cmpstr(h->platform.kconfig_path, ==, "/proc/config.gz");
    g_assert_cmpint(h->platform.kconfig[DT_KFEAT_VFIO], ==, DT_KOPT_UNSET);
    g_assert_cmpint(h->platform.kconfig[DT_KFEAT_IOMMUFD], ==, DT_KOPT_UNSET);
    g_assert_false(h->platform.modules_known);
    g_assert_cmpint(h->platform.cpu, ==, DT_CPU_OTHER);
    assert_cannot_tell(checks,
                       "this kernel has no x86 IOMMU driver (neither CONFIG_INTEL_IOMMU nor CONFIG_AMD_IOMMU is set in /proc/config.gz)");
    for (guint i = 0; i < G_N_ELEMENTS(kernel_lines); i++)
        assert_line(checks, kernel_lines[i].id, kernel_lines[i].status, kernel_lines[i].result,
                    kernel_lines[i].hint, DT_SOURCE_KCONFIG);
    /* CONFIG_KVM_VFIO=y is another option, not VFIO */
    for (guint i = 0; i < checks->len; i++) {
        const DtCheck *c = g_ptr_array_index(checks, i);
        g_assert_true(c->status != DT_CHECK_PASS);
        g_assert_null(c->hint ? strstr(c->hint, "modprobe") : NULL);
    }
}

/* An AMD host with the IOMMU off in the firmware: the AMD fix, never the
 * Intel switch; and with amd_iommu=off on the command line (IVRS there),
 * the switch to remove. */
static void
test_checks_amd_iommu_off(void)
{
    g_autoptr(DtHost) h = probe_all("amd-iommu-off");
    g_autoptr(GPtrArray) checks = dt_hostcheck_run(h, NULL);
    Copy c = { 0 };

    g_assert_cmpint(h->platform.cpu, ==, DT_CPU_AMD);
    assert_line(checks, "iommu-present", DT_CHECK_FAIL,
                "no (no ACPI IVRS table: the IOMMU is disabled in the firmware or absent)",
                "enable the IOMMU (AMD-Vi) in the firmware setup", DT_SOURCE_SYSFS);
    for (guint i = 0; i < checks->len; i++) {
        const DtCheck *k = g_ptr_array_index(checks, i);
        g_assert_null(k->hint ? strstr(k->hint, "intel_iommu") : NULL);
        g_assert_null(k->hint ? strstr(k->hint, "VT-d") : NULL);
    }

    copy_fixture(&c, "amd-iommu-off");
    write_file(&c, "/sys/firmware/acpi/tables/IVRS", "");
    write_file(&c, "/proc/cmdline", "BOOT_IMAGE=/boot/vmlinuz ro amd_iommu=off iommu=pt quiet\n");
    {
        g_autoptr(DtHost) off = probe_all_dir(c.root);
        g_autoptr(GPtrArray) oc = dt_hostcheck_run(off, NULL);

        assert_line(oc, "iommu-present", DT_CHECK_PASS, "yes (ACPI IVRS table)", NULL,
                    DT_SOURCE_SYSFS);
        assert_line(oc, "iommu-enabled", DT_CHECK_FAIL, "no (no IOMMU groups)",
                    "remove amd_iommu=off from the kernel command line", DT_SOURCE_SYSFS);
        g_assert_cmpstr(need_check(oc, "device:0000:3b:00.1")->hint, ==,
                        "remove amd_iommu=off from the kernel command line");
    }
    /* IVRS there, no switch: the driver is on by default, and amd_iommu=on
     * is no option of it (drivers/iommu/amd/init.c) */
    write_file(&c, "/proc/cmdline", "BOOT_IMAGE=/boot/vmlinuz ro iommu=pt quiet\n");
    {
        g_autoptr(DtHost) on = probe_all_dir(c.root);
        g_autoptr(GPtrArray) oc = dt_hostcheck_run(on, NULL);

        assert_line(oc, "iommu-enabled", DT_CHECK_FAIL, "no (no IOMMU groups)",
                    "the AMD IOMMU driver is on by default: look for AMD-Vi errors in the kernel log (dmesg | grep AMD-Vi)",
                    DT_SOURCE_SYSFS);
    }
    copy_free(&c);
}

/* Nothing says whether this arm64 platform has an IOMMU: WARN, not FAIL. */
static void
test_checks_arm_nosmmu(void)
{
    g_autoptr(DtHost) h = probe_all("arm-nosmmu");
    g_autoptr(GPtrArray) checks = dt_hostcheck_run(h, NULL);

    g_assert_cmpint(h->platform.cpu, ==, DT_CPU_OTHER);
    assert_cannot_tell(checks,
                       "enable the SMMU in the firmware setup and check that the kernel has its driver (CONFIG_ARM_SMMU_V3)");
    assert_line(checks, "kernel-vfio", DT_CHECK_PASS, "yes (/dev/vfio/vfio)", NULL,
                DT_SOURCE_DEVNODE);
}

/* An Intel host whose DMAR table is there but the kernel made no group:
 * intel_iommu=on only where the kernel's default is off
 * (CONFIG_INTEL_IOMMU_DEFAULT_ON), the log where it is on, the missing
 * driver where the configuration lacks it, the switch where one is set. */
static void
test_checks_intel_enable_hints(void)
{
    static const struct {
        const char *config;
        const char *cmdline;
        const char *hint;
    } cases[] = {
        { NULL, "ro quiet", "boot with intel_iommu=on on the kernel command line" },
        { "CONFIG_INTEL_IOMMU=y\n# CONFIG_INTEL_IOMMU_DEFAULT_ON is not set\n", "ro quiet",
          "boot with intel_iommu=on on the kernel command line" },
        { "CONFIG_INTEL_IOMMU=y\nCONFIG_INTEL_IOMMU_DEFAULT_ON=y\n", "ro quiet",
          "VT-d is on by default in this kernel: look for DMAR errors in the kernel log (dmesg | grep -i dmar)" },
        { "# CONFIG_INTEL_IOMMU is not set\n", "ro quiet",
          "this kernel is built without CONFIG_INTEL_IOMMU: boot a kernel that has it" },
        { NULL, "ro intel_iommu=sm_on,off quiet",
          "replace intel_iommu=off by intel_iommu=on on the kernel command line" },
        { "CONFIG_INTEL_IOMMU=y\nCONFIG_INTEL_IOMMU_DEFAULT_ON=y\n", "ro intel_iommu=off",
          "remove intel_iommu=off from the kernel command line" },
        { NULL, "ro iommu=off", "remove iommu=off from the kernel command line" },
        /* the last intel_iommu= wins */
        { NULL, "ro intel_iommu=off intel_iommu=on",
          "boot with intel_iommu=on on the kernel command line" },
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        Copy c = { 0 };
        g_autoptr(DtHost) h = NULL;
        g_autoptr(GPtrArray) checks = NULL;

        copy_fixture(&c, "no-iommu");
        write_file(&c, "/sys/firmware/acpi/tables/DMAR", "");
        write_file(&c, "/proc/cmdline", cases[i].cmdline);
        if (cases[i].config) {
            g_autofree char *cfg = g_strconcat("#\n# Linux/x86 6.12.57 Kernel Configuration\n#\n",
                                               cases[i].config, NULL);
            write_file(&c, "/boot/config-" REL_612, cfg);
        }
        h = probe_all_dir(c.root);
        checks = dt_hostcheck_run(h, NULL);
        g_test_message("case %u: %s", i, cases[i].cmdline);
        assert_line(checks, "iommu-present", DT_CHECK_PASS, "yes (ACPI DMAR table)", NULL,
                    DT_SOURCE_SYSFS);
        assert_line(checks, "iommu-enabled", DT_CHECK_FAIL, "no (no IOMMU groups)",
                    cases[i].hint, DT_SOURCE_SYSFS);
        copy_free(&c);
    }
}

/* modprobe only for a module the kernel's lists carry; a loaded module or
 * a device node wins over any list; the configuration is read from
 * /boot/config-RELEASE and module names are matched with '-' as '_'. */
/* Probes dir again as `dirtytrack host` does; the previous checks go. */
static GPtrArray *
recheck(GPtrArray *old, const char *dir, DtHost **host)
{
    if (old)
        g_ptr_array_unref(old);
    g_clear_pointer(host, dt_host_free);
    *host = probe_all_dir(dir);
    return dt_hostcheck_run(*host, NULL);
}

static void
test_checks_modules(void)
{
    Copy c = { 0 };
    GPtrArray *checks = NULL;
    g_autoptr(DtHost) h = NULL;

    copy_fixture(&c, "intel-dirty");
    remove_path(&c, "/dev/iommu");
    remove_path(&c, "/dev/vfio/vfio");
    remove_path(&c, "/dev/vfio/devices");
    /* real modules.dep shapes: Debian 12 writes .ko, others compress */
    write_file(&c, "/lib/modules/" REL_612 "/modules.dep",
               "kernel/drivers/vfio/vfio.ko.xz: kernel/drivers/iommu/iommufd/iommufd.ko.xz\n"
               "kernel/drivers/vfio/pci/vfio-pci.ko.xz: kernel/drivers/vfio/pci/vfio-pci-core.ko.xz\n"
               "kernel/drivers/iommu/iommufd/iommufd.ko.xz:\n");
    write_file(&c, "/lib/modules/" REL_612 "/modules.builtin", "kernel/drivers/iommu/iommu-sva.ko\n");
    write_file(&c, "/boot/config-" REL_612,
               "CONFIG_VFIO=m\nCONFIG_VFIO_PCI=m\nCONFIG_IOMMUFD=m\n# CONFIG_VFIO_DEVICE_CDEV is not set\n");
    checks = recheck(checks, c.root, &h);
    g_assert_true(h->platform.modules_known);
    g_assert_cmpint(h->platform.kmod[DT_KFEAT_VFIO_PCI], ==, DT_KMOD_AVAILABLE);
    assert_line(checks, "kernel-vfio", DT_CHECK_PASS, "yes (module vfio, not loaded)", NULL,
                DT_SOURCE_MODULES);
    assert_line(checks, "kernel-iommufd", DT_CHECK_WARN, "no (module iommufd, not loaded)",
                "load the iommufd module: modprobe iommufd", DT_SOURCE_MODULES);
    assert_line(checks, "kernel-vfio-cdev", DT_CHECK_WARN,
                "no (CONFIG_VFIO_DEVICE_CDEV not set in /boot/config-" REL_612 ")",
                "the iommufd backend needs a kernel built with CONFIG_VFIO_DEVICE_CDEV; QEMU can still use the group interface",
                DT_SOURCE_KCONFIG);
    /* =m in the configuration, but the module is not installed: no modprobe */
    write_file(&c, "/lib/modules/" REL_612 "/modules.dep",
               "kernel/drivers/vfio/vfio.ko.xz:\n");
    checks = recheck(checks, c.root, &h);
    assert_line(checks, "kernel-iommufd", DT_CHECK_WARN,
                "no (no iommufd module in /lib/modules/" REL_612 ")",
                HINT_NO_IOMMUFD,
                DT_SOURCE_MODULES);
    /* loaded now: /sys/module says so, whatever the lists */
    write_file(&c, "/sys/module/iommufd/refcnt", "0\n");
    write_file(&c, "/sys/module/vfio/refcnt", "1\n");
    checks = recheck(checks, c.root, &h);
    assert_line(checks, "kernel-vfio", DT_CHECK_PASS, "yes (/sys/module/vfio)", NULL,
                DT_SOURCE_SYSFS);
    assert_line(checks, "kernel-iommufd", DT_CHECK_WARN,
                "no (/dev/iommu missing; /sys/module/iommufd)",
                "the kernel has iommufd but /dev/iommu is missing: check that devtmpfs is mounted on /dev",
                DT_SOURCE_DEVNODE);
    /* no configuration, no module lists, no node: nothing to name */
    remove_path(&c, "/boot");
    remove_path(&c, "/lib/modules/" REL_612 "/modules.dep");
    remove_path(&c, "/lib/modules/" REL_612 "/modules.builtin");
    remove_path(&c, "/sys/module");
    checks = recheck(checks, c.root, &h);
    assert_line(checks, "kernel-iommufd", DT_CHECK_WARN, "no",
                "no /dev/iommu, and no kernel configuration or module list tells whether this kernel has iommufd",
                DT_SOURCE_DEVNODE);
    g_assert_cmpint(need_check(checks, "kernel-vfio")->status, ==, DT_CHECK_WARN);
    g_ptr_array_unref(checks);
    copy_free(&c);
}

/* Hostile or broken inputs stay unknown: a symlinked configuration, a
 * corrupt config.gz, a cpuinfo that is a directory. */
static void
test_platform_hostile(void)
{
    Copy c = { 0 };

    copy_fixture(&c, "no-vfio");
    remove_path(&c, "/proc/config.gz");
    write_file(&c, "/proc/config.gz", "not gzip at all");
    make_link(&c, "/boot/config-6.18.44-fc-v1272", "/etc/passwd");
    remove_path(&c, "/proc/cpuinfo");
    {
        g_autofree char *cpuinfo = in_root(&c, "/proc/cpuinfo");
        g_assert_cmpint(g_mkdir_with_parents(cpuinfo, 0755), ==, 0);
    }
    {
        g_autoptr(DtHost) h = probe_all_dir(c.root);

        g_assert_null(h->platform.kconfig_path);
        g_assert_cmpint(h->platform.kconfig[DT_KFEAT_VFIO], ==, DT_KOPT_UNKNOWN);
        g_assert_cmpint(h->platform.cpu, ==, DT_CPU_OTHER);
    }
    copy_free(&c);
}

static void
test_checks_nodirty_and_arm(void)
{
    g_autoptr(DtHost) intel = probe_all("intel-nodirty");
    g_autoptr(DtHost) arm = probe_all("arm-smmuv3");
    g_autoptr(GPtrArray) ci = dt_hostcheck_run(intel, NULL);
    g_autoptr(GPtrArray) ca = dt_hostcheck_run(arm, NULL);
    const DtCheck *c;

    c = need_check(ci, "iommu-dirty:dmar0");
    g_assert_cmpint(c->status, ==, DT_CHECK_WARN);
    g_assert_nonnull(strstr(c->result, "ECAP.SMTS=0"));
    c = need_check(ca, "iommu-dirty:smmu3.0x0000000140000000");
    g_assert_cmpint(c->status, ==, DT_CHECK_NOTE);
    g_assert_cmpint(c->source, ==, DT_SOURCE_PREDICTED);
    g_assert_cmpint(need_check(ca, "kernel-iommufd-dirty")->status, ==, DT_CHECK_PASS);
}

static void
test_checks_with_database(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DtVdb) vdb = dt_vdb_load_default(&error);
    g_autoptr(DtHost) h = NULL;
    g_autoptr(GPtrArray) checks = NULL;
    const DtCheck *c;

    if (!vdb || !dt_vdb_find_device(vdb, 0x15b3, 0x101e)) {
        g_test_skip("variant-driver database not available");
        return;
    }
    h = probe_all("intel-nodirty");
    checks = dt_hostcheck_run(h, vdb);
    find_check(checks, "iommu-present");
    /* 3b:00.2 sits on vfio-pci though mlx5_vfio_pci could migrate it */
    c = need_check(checks, "device:0000:3b:00.2");
    g_assert_cmpint(c->status, ==, DT_CHECK_WARN);
    g_assert_cmpstr(c->hint, ==,
                    "bind mlx5_vfio_pci: echo mlx5_vfio_pci > /sys/bus/pci/devices/0000:3b:00.2/driver_override");
    c = need_check(checks, "device:0000:3b:00.1");
    g_assert_cmpint(c->status, !=, DT_CHECK_FAIL);
    g_assert_cmpint(c->source, ==, DT_SOURCE_DATABASE);
    /* QAT does not log DMA: behind a Cascade Lake unit nothing tracks it */
    c = need_check(checks, "device:0000:6b:00.1");
    g_assert_cmpint(c->status, ==, DT_CHECK_WARN);

    dt_host_free(g_steal_pointer(&h));
    g_ptr_array_unref(g_steal_pointer(&checks));
    h = probe_all("intel-dirty");
    checks = dt_hostcheck_run(h, vdb);
    /* behind a Sapphire Rapids unit the IOMMU tracks it */
    c = need_check(checks, "device:0000:6b:00.1");
    g_assert_cmpint(c->status, ==, DT_CHECK_PASS);
    g_assert_nonnull(strstr(c->result, "dmar2"));

    /* the kernel said no (as dirtytrack-probe records it): FAIL, and the
     * hint sends the operator to the PF */
    {
        DtPciAddr a = addr("0000:3b:00.1");
        DtPciDev *d = (DtPciDev *)dt_host_find_device(h, &a);
        d->migration.value = DT_TRI_NO;
        d->migration.source = DT_SOURCE_IOCTL;
        g_ptr_array_unref(g_steal_pointer(&checks));
        checks = dt_hostcheck_run(h, vdb);
        c = need_check(checks, "device:0000:3b:00.1");
        g_assert_cmpint(c->status, ==, DT_CHECK_FAIL);
        g_assert_cmpint(c->source, ==, DT_SOURCE_IOCTL);
        g_assert_nonnull(strstr(c->hint, "0000:3b:00.0"));
    }

    /* mlx5_vfio_pci bound on 5.15, older than its upstream migration
     * (5.18): a distribution backport.  The host check says what the
     * engine says (unknown until probed), not "no migration on this
     * kernel". */
    {
        DtPciAddr a = addr("0000:3b:00.1");
        DtPciDev *d = (DtPciDev *)dt_host_find_device(h, &a);
        d->migration = DT_FACT_UNKNOWN;
        d->mig_flags = 0;
        g_assert_true(dt_version_parse("5.15.0", &h->kernel));
        g_ptr_array_unref(g_steal_pointer(&checks));
        checks = dt_hostcheck_run(h, vdb);
        c = need_check(checks, "device:0000:3b:00.1");
        g_assert_cmpint(c->status, ==, DT_CHECK_NOTE);
        g_assert_nonnull(strstr(c->result, "backport"));
        g_assert_nonnull(strstr(c->hint, "dirtytrack-probe"));
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/host/intel-dirty/spr-units-dirty-capable-from-sysfs", test_intel_dirty);
    g_test_add_func("/host/intel-nodirty/cascade-lake-units -> no", test_intel_nodirty);
    g_test_add_func("/host/amd-hdsup/efr-efr2-order-and-hdsup -> yes", test_amd_hdsup);
    g_test_add_func("/host/arm-smmuv3/opaque-unit -> unknown-predicted", test_arm);
    g_test_add_func("/host/no-iommu/no-units-no-groups", test_no_iommu);
    g_test_add_func("/host/debian12/kernel-6.1-no-iommufd -> no", test_debian12);
    g_test_add_func("/host/probe/reads-no-device-data", test_probe_reads_no_device);
    g_test_add_func("/host/probe/missing-sysroot-refused", test_missing_sysroot);
    g_test_add_func("/host/device/mlx5-vf-all-facts", test_mlx5_vf);
    g_test_add_func("/host/device/mlx5-pf-virtfns", test_mlx5_pf);
    g_test_add_func("/host/device/qat-alias-by-kernel-version", test_qat_by_kernel);
    g_test_add_func("/host/device/plain-vf-and-host-bridge", test_plain_vf_and_bridge);
    g_test_add_func("/host/device/amd-and-arm-iommu-links", test_amd_and_arm_units);
    g_test_add_func("/host/device/all-devices-sorted-candidates", test_all_devices);
    g_test_add_func("/host/device/missing -> not-found", test_missing_device);
    g_test_add_func("/host/device/batch-skips-absent-and-duplicates", test_batch_counts);
    g_test_add_func("/host/device/vfio-driver-names", test_driver_names);
    g_test_add_func("/host/hostile/bdf-strings-refused", test_hostile_bdf_strings);
    g_test_add_func("/host/hostile/device-links-outside-sys-devices-refused", test_hostile_links);
    g_test_add_func("/host/device-links/unusual-shapes-resolved-as-realpath",
                    test_device_links_unusual_but_inside);
    g_test_add_func("/host/hostile/osrelease-path-not-followed", test_hostile_osrelease);
    g_test_add_func("/host/robust/vanished-device-skipped", test_vanished_device);
    g_test_add_func("/host/robust/missing-and-junk-attributes-unknown", test_missing_and_junk_files);
    g_test_add_func("/host/robust/non-hex-registers-unknown", test_junk_registers);
    g_test_add_func("/host/robust/malformed-amd-features-unknown", test_amd_malformed_features);
    g_test_add_func("/host/robust/no-osrelease-kernel-unknown", test_no_osrelease);
    g_test_add_func("/host/cmdline/intel-sm-off -> no", test_sm_off);
    g_test_add_func("/host/page-size/from-pmd-size", test_page_size);
    g_test_add_func("/host/in-use/proc-fd-holders-and-skip", test_in_use);
    g_test_add_func("/host/alias/most-specific-match-wins", test_alias_most_specific);
    g_test_add_func("/host/alias/scan-finds-lines-at-every-offset", test_alias_scan_every_offset);
    g_test_add_func("/hostcheck/intel-dirty/all-pass", test_checks_intel_dirty);
    g_test_add_func("/hostcheck/debian12/kernel-hints", test_checks_debian12);
    g_test_add_func("/hostcheck/no-iommu/no-dmar -> fail, firmware hint", test_checks_no_iommu);
    g_test_add_func("/hostcheck/no-vfio/kconfig-says-no -> fail, no modprobe", test_checks_no_vfio);
    g_test_add_func("/hostcheck/amd-iommu-off/amd-hints-never-intel", test_checks_amd_iommu_off);
    g_test_add_func("/hostcheck/arm-nosmmu/cannot-tell -> warn", test_checks_arm_nosmmu);
    g_test_add_func("/hostcheck/intel/enable-hint-follows-kconfig-and-cmdline",
                    test_checks_intel_enable_hints);
    g_test_add_func("/hostcheck/modules/modprobe-only-for-installed-modules", test_checks_modules);
    g_test_add_func("/host/platform/hostile-files-unknown", test_platform_hostile);
    g_test_add_func("/hostcheck/nodirty-warn-arm-note", test_checks_nodirty_and_arm);
    g_test_add_func("/hostcheck/database/bind-variant-hint", test_checks_with_database);
    return g_test_run();
}
