/* test-vfio.c: VFIO/iommufd probing and the pre-flight dry run, against
 * the LD_PRELOAD kernel mock (tests/vfiomock.c).
 *
 * The test re-executes itself with the mock preloaded (libvirt's
 * VIR_TEST_PRELOAD pattern), after building a private sysroot in a
 * temporary directory: device nodes as plain files, a fake /proc with a
 * process holding a device, debugfs files, and the mock's hardware
 * description.  Host and device structs are built here directly, so these
 * tests depend on dt-vfio alone; the mock's log proves which devices were
 * opened (and so reset) and which never were.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include <json-glib/json-glib.h>

#include "decide/dt-decide.h"
#include "probe/dt-uapi.h"
#include "model/dt-util.h"
#include "probe/dt-vfio.h"

#define MOCK_SO ABS_TOP_BUILDDIR "/tests/.libs/vfiomock.so"

static char *root;
static char *logfile;

/* ---- fixture ------------------------------------------------------------ */

static const char mock_conf[] =
    "[container]\n"
    "cap-migration=true\n"
    "pgsize-bitmap=4096\n"
    "max-dirty-bitmap-size=268435456\n"
    "\n"
    "# mlx5 VF with every capability\n"
    "[0000:3b:00.1]\n"
    "group=12\ncdev=vfio0\nmigration=stop-copy;p2p;pre-copy\ndma-logging=true\n"
    "max-ranges=256\naddr-space-max-log2=42\nmin-page-size=4096\n"
    "stop-copy-bytes=4194304\niommu-dirty=true\nhw-info-type=intel-vtd\n"
    "vtd-cap=0x00d2008c40660462\nvtd-ecap=0x0001abfffe8bfc9f\n"
    "\n"
    "# held by a (fixture) QEMU through /proc/4242/fd/17\n"
    "[0000:3b:00.2]\n"
    "group=13\ncdev=vfio1\nmigration=stop-copy;p2p;pre-copy\ndma-logging=true\n"
    "\n"
    "# plain vfio-pci: no mig_ops, no log_ops\n"
    "[0000:17:02.0]\n"
    "group=20\ncdev=vfio2\n"
    "\n"
    "# qat VF on an IOMMU without dirty tracking; PROBE answers EINVAL\n"
    "[0000:6b:00.1]\n"
    "group=30\ncdev=vfio3\nmigration=stop-copy;p2p;pre-copy\nunsupported-errno=EINVAL\n"
    "iommu-dirty=false\nhw-info-type=intel-vtd\nvtd-ecap=0x00f0050c\n"
    "\n"
    "[0000:5e:00.1]\ngroup=40\ncdev=vfio4\nopen-errno=EBUSY\nmigration=stop-copy\n"
    "[0000:5e:00.2]\ngroup=41\ncdev=vfio5\nvanish-after=2\nmigration=stop-copy;p2p\n"
    "[0000:5e:00.3]\ngroup=42\ncdev=vfio6\neintr-once=true\nmigration=stop-copy;p2p\n"
    "dma-logging=true\n"
    "[0000:5e:00.4]\ngroup=43\ncdev=vfio7\nmigration=stop-copy\n"
    "[0000:5e:00.5]\ngroup=44\ncdev=vfio8\nmigration=stop-copy\n"
    "[0000:5e:00.6]\ngroup=45\ncdev=vfio9\n"
    "# a device whose driver merges to a single range\n"
    "[0000:5e:01.0]\ngroup=46\ncdev=vfio10\nmigration=stop-copy;p2p\ndma-logging=true\n"
    "max-ranges=1\n"
    "# a device tracking at most 2^35 bytes of address space\n"
    "[0000:5e:01.1]\ngroup=47\ncdev=vfio11\nmigration=stop-copy;p2p\ndma-logging=true\n"
    "addr-space-max-log2=35\n"
    "# a device whose START fails at the driver\n"
    "[0000:5e:01.2]\ngroup=48\ncdev=vfio12\nmigration=stop-copy;p2p\ndma-logging=true\n"
    "start-errno=EIO\n"
    "[0000:5e:01.3]\ngroup=49\ncdev=vfio13\nmigration=stop-copy;p2p\ndma-logging=true\n"
    "vanish-after=1\n"
    "# logs DMA on a kernel without CONFIG_IOMMUFD_DRIVER: every REPORT fails\n"
    "[0000:5e:01.4]\ngroup=50\ncdev=vfio14\nmigration=stop-copy;p2p\ndma-logging=true\n"
    "report-errno=EOPNOTSUPP\n";

static void
write_file(const char *rel, const char *content)
{
    g_autofree char *path = g_build_filename(root, rel, NULL);
    g_autofree char *dir = g_path_get_dirname(path);

    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_assert_true(g_file_set_contents(path, content, -1, NULL));
}

static void
make_fixture(void)
{
    g_autofree char *fd17 = NULL;
    char *tmp = g_dir_make_tmp(NULL, NULL);   /* default template */

    g_assert_nonnull(tmp);
    root = tmp;
    write_file("mock/devices.conf", mock_conf);
    write_file("dev/iommu", "");
    write_file("dev/vfio/vfio", "");
    for (guint g = 12; g <= 50; g++) {
        g_autofree char *n = g_strdup_printf("dev/vfio/%u", g);

        write_file(n, "");
    }
    for (guint c = 0; c <= 14; c++) {
        g_autofree char *n = g_strdup_printf("dev/vfio/devices/vfio%u", c);

        write_file(n, "");
    }
    /* A QEMU holding 3b:00.2's group, as the kernel's /proc shows it. */
    write_file("proc/4242/comm", "qemu-system-x86\n");
    write_file("proc/4242/fd/.keep", "");
    fd17 = g_build_filename(root, "proc/4242/fd/17", NULL);
    g_assert_cmpint(symlink("/dev/vfio/13", fd17), ==, 0);
    write_file("proc/4243/comm", "bash\n");
    write_file("proc/4243/fd/.keep", "");
    /* debugfs: 6.18 features for the busy device, 6.8 state only, and a
     * registered device without mig_ops. */
    write_file("sys/kernel/debug/vfio/0000:3b:00.2/migration/features",
               "stop-copy\np2p\npre-copy\ndirty-tracking\n");
    write_file("sys/kernel/debug/vfio/0000:3b:00.2/migration/state", "RUNNING\n");
    write_file("sys/kernel/debug/vfio/0000:5e:00.5/migration/state", "RUNNING\n");
    write_file("sys/kernel/debug/vfio/0000:5e:00.6/.keep", "");
    write_file("sys/kernel/debug/vfio/0000:5e:00.1/migration/features", "stop-copy\n");
}

static void
remove_tree(const char *path)
{
    g_autoptr(GDir) d = NULL;
    const char *name;

    if (g_file_test(path, G_FILE_TEST_IS_SYMLINK) || !g_file_test(path, G_FILE_TEST_IS_DIR)) {
        g_unlink(path);
        return;
    }
    d = g_dir_open(path, 0, NULL);
    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *child = g_build_filename(path, name, NULL);

        remove_tree(child);
    }
    g_rmdir(path);
}

/* ---- helpers ------------------------------------------------------------ */

typedef struct {
    DtHost *host;
    DtPaths *paths;
} Fix;

static DtPciDev *
add_dev(DtHost *h, const char *bdf, int group, const char *cdev, const char *driver)
{
    DtPciDev *d = dt_pcidev_new();

    g_assert_true(dt_pci_addr_parse(bdf, &d->addr));
    d->iommu_group = group;
    d->vfio_cdev = g_strdup(cdev);
    d->driver = g_strdup(driver);
    d->migration = d->dma_logging = d->iommu_dirty = DT_FACT_UNKNOWN;
    g_ptr_array_add(h->devices, d);
    return d;
}

static void
fix_setup(Fix *f, gconstpointer data)
{
    gboolean cdev_host = GPOINTER_TO_INT(data) == 0;

    f->paths = dt_paths_new(root);
    f->host = dt_host_new();
    f->host->sysroot = g_strdup(root);
    f->host->page_size = 4096;
    f->host->dev_iommu = cdev_host;
    f->host->vfio_cdev_support = cdev_host;
    f->host->dev_vfio_container = TRUE;
    add_dev(f->host, "0000:3b:00.1", 12, "vfio0", "mlx5_vfio_pci");
    add_dev(f->host, "0000:3b:00.2", 13, "vfio1", "mlx5_vfio_pci");
    add_dev(f->host, "0000:17:02.0", 20, "vfio2", "vfio-pci");
    add_dev(f->host, "0000:6b:00.1", 30, "vfio3", "qat_vfio_pci");
    add_dev(f->host, "0000:5e:00.1", 40, "vfio4", "vfio-pci");
    add_dev(f->host, "0000:5e:00.2", 41, "vfio5", "vfio-pci");
    add_dev(f->host, "0000:5e:00.3", 42, "vfio6", "vfio-pci");
    add_dev(f->host, "0000:5e:00.4", 43, "vfio7", "vfio-pci");
    add_dev(f->host, "0000:5e:00.5", 44, "vfio8", "vfio-pci");
    add_dev(f->host, "0000:5e:00.6", 45, "vfio9", "vfio-pci");
    add_dev(f->host, "0000:5e:01.0", 46, "vfio10", "pds_vfio_pci");
    add_dev(f->host, "0000:5e:01.1", 47, "vfio11", "mlx5_vfio_pci");
    add_dev(f->host, "0000:5e:01.2", 48, "vfio12", "mlx5_vfio_pci");
    add_dev(f->host, "0000:5e:01.3", 49, "vfio13", "mlx5_vfio_pci");
    add_dev(f->host, "0000:5e:01.4", 50, "vfio14", "vfio-pci");
    add_dev(f->host, "0000:00:00.0", -1, NULL, NULL);
    g_assert_true(g_file_set_contents(logfile, "", 0, NULL));
}

static void
fix_teardown(Fix *f, gconstpointer data)
{
    dt_host_free(f->host);
    dt_paths_free(f->paths);
}

static DtPciDev *
dev(Fix *f, const char *bdf)
{
    DtPciAddr a;

    g_assert_true(dt_pci_addr_parse(bdf, &a));
    return (DtPciDev *)dt_host_find_device(f->host, &a);
}

/* Lines of the mock log written by process pid that contain needle. */
static guint
log_count(pid_t pid, const char *needle)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    g_autofree char *prefix = g_strdup_printf("%ld ", (long)pid);
    guint n = 0;

    if (!g_file_get_contents(logfile, &text, NULL, NULL))
        return 0;
    lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i]; i++)
        if (g_str_has_prefix(lines[i], prefix) && strstr(lines[i], needle))
            n++;
    return n;
}

static DtVfioReport *
probe(Fix *f, const char *bdf, DtVfioProbeFlags flags)
{
    g_autoptr(GError) error = NULL;
    DtVfioReport *r = dt_vfio_probe_device(f->host, f->paths, dev(f, bdf), flags, &error);

    g_assert_no_error(error);
    g_assert_nonnull(r);
    return r;
}

/* ---- probing ------------------------------------------------------------ */

static void
test_cdev_mlx5(Fix *f, gconstpointer data)
{
    g_autoptr(DtVfioReport) r = probe(f, "0000:3b:00.1", DT_VFIO_PROBE_IOCTL);
    DtPciDev *d = dev(f, "0000:3b:00.1");

    g_assert_cmpint(r->source, ==, DT_SOURCE_IOCTL);
    g_assert_cmpint(r->access, ==, DT_VFIO_ACCESS_CDEV);
    g_assert_false(r->in_use);
    g_assert_cmpint(d->migration.value, ==, DT_TRI_YES);
    g_assert_cmpint(d->migration.source, ==, DT_SOURCE_IOCTL);
    g_assert_cmpuint(d->mig_flags, ==, DT_MIG_STOP_COPY | DT_MIG_P2P | DT_MIG_PRE_COPY);
    g_assert_cmpint(d->dma_logging.value, ==, DT_TRI_YES);
    g_assert_cmpuint(d->stop_copy_bytes, ==, 4194304);
    g_assert_cmpint(d->iommu_dirty.value, ==, DT_TRI_YES);
    g_assert_cmpint(d->iommu_dirty.source, ==, DT_SOURCE_IOCTL);
    g_assert_true(r->hw_info_known);
    g_assert_cmpuint(r->hw_info_type, ==, DT_IOMMU_HW_INFO_TYPE_INTEL_VTD);
    g_assert_cmphex(r->vtd_ecap, ==, 0x0001abfffe8bfc9fULL);
    g_assert_cmphex(r->vtd_cap, ==, 0x00d2008c40660462ULL);
    g_assert_cmpuint(log_count(getpid(), "device-open 0000:3b:00.1 cdev"), ==, 1);
    g_assert_cmpuint(log_count(getpid(), "device-close 0000:3b:00.1"), ==, 1);
}

static void
test_group_type1(Fix *f, gconstpointer data)
{
    g_autoptr(DtVfioReport) r = probe(f, "0000:3b:00.1", DT_VFIO_PROBE_IOCTL);

    g_assert_cmpint(r->access, ==, DT_VFIO_ACCESS_GROUP);
    g_assert_true(r->type1_known);
    g_assert_true(r->type1_cap_migration);
    g_assert_cmpuint(r->type1_mig_flags, ==, 0);
    g_assert_cmphex(r->type1_pgsize_bitmap, ==, 4096);
    g_assert_cmpuint(r->type1_max_dirty_bitmap_size, ==, 268435456);
    g_assert_false(r->hw_info_known);
    /* type1 says nothing about IOMMU hardware dirty bits. */
    g_assert_cmpint(dev(f, "0000:3b:00.1")->iommu_dirty.source, ==, DT_SOURCE_NONE);
    g_assert_cmpuint(log_count(getpid(), "device-open 0000:3b:00.1 group"), ==, 1);
}

static void
test_plain_enotty(Fix *f, gconstpointer data)
{
    g_autoptr(DtVfioReport) r = probe(f, "0000:17:02.0", DT_VFIO_PROBE_IOCTL);
    DtPciDev *d = dev(f, "0000:17:02.0");

    g_assert_cmpint(r->source, ==, DT_SOURCE_IOCTL);
    g_assert_cmpint(d->migration.value, ==, DT_TRI_NO);
    g_assert_cmpint(d->migration.source, ==, DT_SOURCE_IOCTL);
    g_assert_cmpint(d->dma_logging.value, ==, DT_TRI_NO);
    g_assert_cmpuint(d->mig_flags, ==, 0);
}

static void
test_probe_einval_unsupported(Fix *f, gconstpointer data)
{
    g_autoptr(DtVfioReport) r = probe(f, "0000:6b:00.1", DT_VFIO_PROBE_IOCTL);
    DtPciDev *d = dev(f, "0000:6b:00.1");

    /* Migration present; DMA logging PROBE answered EINVAL = unsupported. */
    g_assert_cmpint(r->source, ==, DT_SOURCE_IOCTL);
    g_assert_cmpint(d->migration.value, ==, DT_TRI_YES);
    g_assert_cmpint(d->dma_logging.value, ==, DT_TRI_NO);
    g_assert_cmpint(d->dma_logging.source, ==, DT_SOURCE_IOCTL);
    g_assert_cmpint(d->iommu_dirty.value, ==, DT_TRI_NO);
}

static void
test_busy_proc_link(Fix *f, gconstpointer data)
{
    g_autoptr(DtVfioReport) r = probe(f, "0000:3b:00.2", DT_VFIO_PROBE_IOCTL);
    DtPciDev *d = dev(f, "0000:3b:00.2");

    g_assert_true(r->in_use);
    g_assert_nonnull(strstr(r->in_use_by, "pid 4242"));
    g_assert_nonnull(strstr(r->in_use_by, "qemu-system-x86"));
    g_assert_true(d->in_use);
    /* Never touched: not even its group node was opened. */
    g_assert_cmpuint(log_count(getpid(), "/dev/vfio/13"), ==, 0);
    g_assert_cmpuint(log_count(getpid(), "/dev/vfio/devices/vfio1"), ==, 0);
    g_assert_cmpuint(log_count(getpid(), "0000:3b:00.2"), ==, 0);
    /* ... and the facts come from debugfs instead. */
    g_assert_cmpint(r->source, ==, DT_SOURCE_DEBUGFS);
    g_assert_cmpint(d->migration.source, ==, DT_SOURCE_DEBUGFS);
    g_assert_cmpuint(d->mig_flags, ==, DT_MIG_STOP_COPY | DT_MIG_P2P | DT_MIG_PRE_COPY);
    g_assert_cmpint(d->dma_logging.value, ==, DT_TRI_YES);
}

static void
test_busy_host_flag(Fix *f, gconstpointer data)
{
    DtPciDev *d = dev(f, "0000:3b:00.1");
    g_autoptr(DtVfioReport) r = NULL;

    d->in_use = TRUE;   /* as dt-host found it */
    r = probe(f, "0000:3b:00.1", DT_VFIO_PROBE_IOCTL);
    g_assert_true(r->in_use);
    g_assert_cmpuint(log_count(getpid(), "open"), ==, 0);
    g_assert_cmpint(r->source, ==, DT_SOURCE_NONE);
    g_assert_cmpint(d->migration.source, ==, DT_SOURCE_NONE);
}

/* A real process holds the node open: the kernel's exclusivity (EBUSY on
 * a group, EINVAL on a cdev) must stop the probe before any device open. */
static void
held_by_child(Fix *f, const char *node, const char *bdf)
{
    g_autofree char *path = g_build_filename(root, node, NULL);
    g_autoptr(DtVfioReport) r = NULL;
    int pipefd[2];
    pid_t child;
    char c;

    g_assert_cmpint(pipe(pipefd), ==, 0);
    child = fork();
    g_assert_cmpint(child, >=, 0);
    if (child == 0) {
        int fd;

        /* Never outlive a failing test. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        fd = open(path, O_RDWR);

        if (write(pipefd[1], fd >= 0 ? "y" : "n", 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    close(pipefd[1]);
    g_assert_cmpint(read(pipefd[0], &c, 1), ==, 1);
    close(pipefd[0]);
    g_assert_cmpint(c, ==, 'y');
    g_assert_cmpuint(log_count(child, "open /dev/vfio/"), ==, 1);

    r = probe(f, bdf, DT_VFIO_PROBE_IOCTL);
    kill(child, SIGTERM);
    waitpid(child, NULL, 0);

    g_assert_true(r->in_use);
    g_assert_cmpint(r->access, ==, DT_VFIO_ACCESS_NONE);
    g_assert_cmpuint(log_count(getpid(), "device-open"), ==, 0);
    g_assert_cmpint(dev(f, bdf)->migration.source, ==, DT_SOURCE_NONE);
}

static void
test_busy_child_group(Fix *f, gconstpointer data)
{
    held_by_child(f, "dev/vfio/43", "0000:5e:00.4");
    g_assert_cmpuint(log_count(getpid(), "open /dev/vfio/43 EBUSY"), ==, 1);
}

static void
test_busy_child_cdev(Fix *f, gconstpointer data)
{
    held_by_child(f, "dev/vfio/devices/vfio7", "0000:5e:00.4");
    g_assert_cmpuint(log_count(getpid(), "open /dev/vfio/devices/vfio7 EINVAL"), ==, 1);
}

static void
test_busy_ebusy(Fix *f, gconstpointer data)
{
    g_autoptr(DtVfioReport) r = probe(f, "0000:5e:00.1", DT_VFIO_PROBE_IOCTL);

    g_assert_true(r->in_use);
    g_assert_cmpuint(log_count(getpid(), "device-open"), ==, 0);
    /* fell back to debugfs */
    g_assert_cmpint(r->source, ==, DT_SOURCE_DEBUGFS);
    g_assert_cmpuint(dev(f, "0000:5e:00.1")->mig_flags, ==, DT_MIG_STOP_COPY);
}

static void
test_vanish(Fix *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    DtPciDev *d = dev(f, "0000:5e:00.2");
    DtVfioReport *r = dt_vfio_probe_device(f->host, f->paths, d, DT_VFIO_PROBE_IOCTL, &error);

    g_assert_null(r);
    g_assert_error(error, DT_ERROR, DT_ERROR_NOT_FOUND);
    g_assert_nonnull(strstr(error->message, "0000:5e:00.2"));
    g_assert_nonnull(strstr(error->message, "ENODEV"));
    g_assert_cmpint(d->migration.source, ==, DT_SOURCE_NONE);
    g_assert_cmpint(d->migration.value, ==, DT_TRI_UNKNOWN);
}

static void
test_eintr_retried(Fix *f, gconstpointer data)
{
    g_autoptr(DtVfioReport) r = probe(f, "0000:5e:00.3", DT_VFIO_PROBE_IOCTL);
    DtPciDev *d = dev(f, "0000:5e:00.3");

    g_assert_cmpuint(log_count(getpid(), "EINTR"), ==, 1);
    g_assert_cmpint(r->source, ==, DT_SOURCE_IOCTL);
    g_assert_cmpuint(d->mig_flags, ==, DT_MIG_STOP_COPY | DT_MIG_P2P);
    g_assert_cmpint(d->dma_logging.value, ==, DT_TRI_YES);
}

static void
test_not_opted_in(Fix *f, gconstpointer data)
{
    g_autoptr(DtVfioReport) r1 = probe(f, "0000:3b:00.1", 0);
    g_autoptr(DtVfioReport) r2 = probe(f, "0000:5e:00.5", 0);
    g_autoptr(DtVfioReport) r3 = probe(f, "0000:5e:00.6", 0);
    g_autoptr(DtVfioReport) r4 = probe(f, "0000:00:00.0", DT_VFIO_PROBE_IOCTL);

    g_assert_cmpuint(log_count(getpid(), "open"), ==, 0);
    /* no debugfs for 3b:00.1: the database decides */
    g_assert_cmpint(r1->source, ==, DT_SOURCE_NONE);
    g_assert_cmpint(dev(f, "0000:3b:00.1")->migration.value, ==, DT_TRI_UNKNOWN);
    /* 6.8..6.17 debugfs: migration/state only */
    g_assert_cmpint(r2->source, ==, DT_SOURCE_DEBUGFS);
    g_assert_cmpint(dev(f, "0000:5e:00.5")->migration.value, ==, DT_TRI_YES);
    g_assert_cmpuint(dev(f, "0000:5e:00.5")->mig_flags, ==, DT_MIG_STOP_COPY);
    g_assert_cmpint(dev(f, "0000:5e:00.5")->dma_logging.value, ==, DT_TRI_UNKNOWN);
    /* registered without mig_ops: no migration/ directory */
    g_assert_cmpint(r3->source, ==, DT_SOURCE_DEBUGFS);
    g_assert_cmpint(dev(f, "0000:5e:00.6")->migration.value, ==, DT_TRI_NO);
    /* not a VFIO device: never probed */
    g_assert_cmpint(r4->source, ==, DT_SOURCE_NONE);
}

static void
test_feature_helpers_errno(Fix *f, gconstpointer data)
{
    g_autoptr(DtVfioHandle) h = NULL;
    guint64 flags = 0;

    /* Low-level helpers speak -errno. */
    g_assert_cmpint(dt_vfio_open(f->paths, f->host, dev(f, "0000:5e:00.1"), &h), ==, -EBUSY);
    g_assert_null(h);
    g_assert_cmpint(dt_vfio_open(f->paths, f->host, dev(f, "0000:17:02.0"), &h), ==, 0);
    g_assert_cmpint(dt_vfio_get_migration_flags(h, &flags), ==, -ENOTTY);
    g_assert_cmpint(dt_vfio_feature_supported(h, VFIO_DEVICE_FEATURE_MIGRATION,
                                              VFIO_DEVICE_FEATURE_GET), ==, 0);
    g_assert_cmpint(dt_vfio_dma_logging_stop(h), ==, -ENOTTY);
    g_assert_cmpint(dt_vfio_type1_get_info(h, NULL), ==, -ENODEV);
}

/* ---- dry run ------------------------------------------------------------ */

/* 64 GiB guest on q35: below-4G RAM and the rest above 4 GiB. */
static const DtRange big_ranges[] = {
    { 0, G_GUINT64_CONSTANT(0x80000000) },
    { G_GUINT64_CONSTANT(0x100000000), G_GUINT64_CONSTANT(0xF80000000) },
};

static gboolean
dry(Fix *f, const char *bdf, DtMode mode, const DtRange *ranges, guint n, GError **error)
{
    return dt_vfio_dry_run(f->host, f->paths, dev(f, bdf), mode, ranges, n, 4096, NULL, error);
}

static void
test_dry_device_ok(Fix *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(dry(f, "0000:3b:00.1", DT_MODE_DEVICE, big_ranges, 2, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(log_count(getpid(), "dma-logging-start 0000:3b:00.1 ok ranges=2 page=4096"), ==, 1);
    /* one REPORT over the first range (64 MiB of it at most), as QEMU's
     * first report at migration setup */
    g_assert_cmpuint(log_count(getpid(), "dma-logging-report 0000:3b:00.1 ok iova=0x0 length=0x4000000"), ==, 1);
    g_assert_cmpuint(log_count(getpid(), "dma-logging-stop 0000:3b:00.1"), ==, 1);
}

/* START succeeds, REPORT fails (kernel without IOMMUFD_DRIVER): QEMU
 * raises no blocker and the migration fails at setup, so the dry run must
 * not pass; asked for the fact, it records it instead. */
static void
test_dry_device_report_eopnotsupp(Fix *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    DtFact report = DT_FACT_UNKNOWN;

    g_assert_false(dry(f, "0000:5e:01.4", DT_MODE_DEVICE, big_ranges, 2, &error));
    g_assert_error(error, DT_ERROR, DT_ERROR_UNSUPPORTED);
    g_assert_nonnull(strstr(error->message, "0000:5e:01.4"));
    g_assert_nonnull(strstr(error->message, "DMA_LOGGING_REPORT"));
    g_assert_nonnull(strstr(error->message, "CONFIG_IOMMUFD_DRIVER"));
    g_assert_cmpuint(log_count(getpid(), "dma-logging-report 0000:5e:01.4 EOPNOTSUPP"), ==, 1);
    /* tracking is stopped even so */
    g_assert_cmpuint(log_count(getpid(), "dma-logging-stop 0000:5e:01.4"), ==, 1);
    g_clear_error(&error);

    g_assert_true(dt_vfio_dry_run(f->host, f->paths, dev(f, "0000:5e:01.4"), DT_MODE_DEVICE,
                                  big_ranges, 2, 4096, &report, &error));
    g_assert_no_error(error);
    g_assert_cmpint(report.value, ==, DT_TRI_NO);
    g_assert_cmpint(report.source, ==, DT_SOURCE_IOCTL);

    report = DT_FACT_UNKNOWN;
    g_assert_true(dt_vfio_dry_run(f->host, f->paths, dev(f, "0000:3b:00.1"), DT_MODE_DEVICE,
                                  big_ranges, 2, 4096, &report, &error));
    g_assert_cmpint(report.value, ==, DT_TRI_YES);
}

static void
test_dry_device_e2big_kernel(Fix *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree DtRange *many = g_new0(DtRange, 300);

    for (guint i = 0; i < 300; i++) {
        many[i].iova = (guint64)i * 0x200000;
        many[i].length = 0x100000;
    }
    g_assert_false(dry(f, "0000:3b:00.1", DT_MODE_DEVICE, many, 300, &error));
    g_assert_error(error, DT_ERROR, DT_ERROR_UNSUPPORTED);
    g_assert_nonnull(strstr(error->message, "0000:3b:00.1"));
    g_assert_nonnull(strstr(error->message, "E2BIG"));
    g_assert_nonnull(strstr(error->message, "300"));
    g_assert_nonnull(strstr(error->message, "limit 256 ranges"));
    g_assert_cmpuint(log_count(getpid(), "dma-logging-stop"), ==, 0);
}

static void
test_dry_device_e2big_driver(Fix *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    g_assert_false(dry(f, "0000:5e:01.0", DT_MODE_DEVICE, big_ranges, 2, &error));
    g_assert_error(error, DT_ERROR, DT_ERROR_UNSUPPORTED);
    g_assert_nonnull(strstr(error->message, "0000:5e:01.0"));
    g_assert_nonnull(strstr(error->message, "E2BIG"));
    g_assert_nonnull(strstr(error->message, "fewer than 2 ranges"));
}

static void
test_dry_device_eopnotsupp(Fix *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    g_assert_false(dry(f, "0000:5e:01.1", DT_MODE_DEVICE, big_ranges, 2, &error));
    g_assert_error(error, DT_ERROR, DT_ERROR_UNSUPPORTED);
    g_assert_nonnull(strstr(error->message, "0000:5e:01.1"));
    g_assert_nonnull(strstr(error->message, "EOPNOTSUPP"));
    g_assert_nonnull(strstr(error->message, "2^36"));
    g_assert_nonnull(strstr(error->message, "64.0"));
    g_assert_nonnull(strstr(error->message, "GiB"));
}

static void
test_dry_device_other_errors(Fix *f, gconstpointer data)
{
    static const DtRange unaligned[] = { { 0x1000, 0x1800 } };
    static const DtRange overlap[] = { { 0, 0x200000 }, { 0x100000, 0x200000 } };
    static const DtRange wrapping[] = { { G_GUINT64_CONSTANT(0xFFFFFFFFFFFFF000), 0x2000 } };
    g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL, e5 = NULL, e6 = NULL;
    g_autoptr(GError) e7 = NULL;

    g_assert_false(dry(f, "0000:17:02.0", DT_MODE_DEVICE, big_ranges, 2, &e1));
    g_assert_nonnull(strstr(e1->message, "ENOTTY"));
    g_assert_false(dry(f, "0000:3b:00.1", DT_MODE_DEVICE, unaligned, 1, &e2));
    g_assert_nonnull(strstr(e2->message, "EINVAL"));
    g_assert_false(dry(f, "0000:3b:00.1", DT_MODE_DEVICE, overlap, 2, &e3));
    g_assert_nonnull(strstr(e3->message, "EINVAL"));
    g_assert_false(dry(f, "0000:5e:01.2", DT_MODE_DEVICE, big_ranges, 2, &e4));
    g_assert_nonnull(strstr(e4->message, "0000:5e:01.2"));
    g_assert_nonnull(strstr(e4->message, g_strerror(EIO)));
    g_assert_false(dry(f, "0000:3b:00.2", DT_MODE_DEVICE, big_ranges, 2, &e5));
    g_assert_error(e5, DT_ERROR, DT_ERROR_BUSY);
    g_assert_nonnull(strstr(e5->message, "pid 4242"));
    g_assert_false(dry(f, "0000:5e:01.3", DT_MODE_DEVICE, big_ranges, 2, &e6));
    g_assert_error(e6, DT_ERROR, DT_ERROR_NOT_FOUND);
    g_assert_nonnull(strstr(e6->message, "vanished"));
    g_assert_false(dry(f, "0000:3b:00.1", DT_MODE_DEVICE, wrapping, 1, &e7));
    g_assert_nonnull(strstr(e7->message, "EOVERFLOW"));
    g_assert_nonnull(strstr(e7->message, "0000:3b:00.1"));
    g_assert_cmpuint(log_count(getpid(), "0000:3b:00.2"), ==, 0);
}

static void
test_dry_iommu_ok(Fix *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(dry(f, "0000:3b:00.1", DT_MODE_IOMMU, NULL, 0, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(log_count(getpid(), "hwpt-alloc 0000:3b:00.1 ok dirty=1"), ==, 1);
    g_assert_cmpuint(log_count(getpid(), "attach 0000:3b:00.1"), ==, 1);
    g_assert_cmpuint(log_count(getpid(), "set-dirty-tracking hwpt=2 on"), ==, 1);
    g_assert_cmpuint(log_count(getpid(), "get-dirty-bitmap hwpt=2"), ==, 1);
    g_assert_cmpuint(log_count(getpid(), "set-dirty-tracking hwpt=2 off"), ==, 1);
    g_assert_cmpuint(log_count(getpid(), "detach 0000:3b:00.1"), ==, 1);
}

static void
test_dry_iommu_eopnotsupp(Fix *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    g_assert_false(dry(f, "0000:6b:00.1", DT_MODE_IOMMU, NULL, 0, &error));
    g_assert_error(error, DT_ERROR, DT_ERROR_UNSUPPORTED);
    g_assert_nonnull(strstr(error->message, "0000:6b:00.1"));
    g_assert_nonnull(strstr(error->message, "EOPNOTSUPP"));
    g_assert_cmpuint(log_count(getpid(), "set-dirty-tracking"), ==, 0);
}

static void
test_dry_iommu_needs_cdev(Fix *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    g_assert_false(dry(f, "0000:3b:00.1", DT_MODE_IOMMU, NULL, 0, &error));
    g_assert_error(error, DT_ERROR, DT_ERROR_UNSUPPORTED);
    g_assert_nonnull(strstr(error->message, "cdev"));
}

static DtDeviceFinding *
finding(const char *addr)
{
    DtDeviceFinding *fd = g_new0(DtDeviceFinding, 1);

    fd->address = g_strdup(addr);
    fd->present = TRUE;
    return fd;
}

static void
test_preflight_deny(Fix *f, gconstpointer data)
{
    g_autoptr(DtDecision) d = dt_decision_new();
    g_autoptr(GError) error = NULL;
    const DtPciDev *r;

    d->mode = DT_MODE_DEVICE;
    d->verdict = DT_VERDICT_ALLOW;
    d->ranges[0] = big_ranges[0];
    d->ranges[1] = big_ranges[1];
    d->n_ranges = 2;
    d->log_page_size = 4096;
    g_ptr_array_add(d->devices, finding("0000:3b:00.1"));   /* accepts */
    g_ptr_array_add(d->devices, finding("0000:3b:00.2"));   /* busy: skipped */
    g_ptr_array_add(d->devices, finding("0000:5e:01.1"));   /* refuses: 2^36 */

    g_assert_false(dt_vfio_preflight(d, f->host, f->paths, &error));
    g_assert_error(error, DT_ERROR, DT_ERROR_UNSUPPORTED);
    /* nothing decided here: the outcome is a fact on each device, which
     * the engine turns into its reason (dt_evaluate decides again) */
    g_assert_cmpint(d->verdict, ==, DT_VERDICT_ALLOW);
    g_assert_cmpuint(d->reasons->len, ==, 0);
    r = dev(f, "0000:5e:01.1");
    g_assert_cmpint(r->preflight.value, ==, DT_TRI_NO);
    g_assert_cmpint(r->preflight.source, ==, DT_SOURCE_IOCTL);
    g_assert_false(r->preflight_iommu);
    g_assert_nonnull(strstr(r->preflight_error, "2^36"));
    g_assert_nonnull(strstr(r->preflight_error, "0000:5e:01.1"));
    r = dev(f, "0000:3b:00.1");
    g_assert_cmpint(r->preflight.value, ==, DT_TRI_YES);
    g_assert_null(r->preflight_error);
    r = dev(f, "0000:3b:00.2");
    g_assert_cmpint(r->preflight.source, ==, DT_SOURCE_NONE);
    g_assert_cmpuint(log_count(getpid(), "0000:3b:00.2"), ==, 0);
}

static void
test_preflight_allow(Fix *f, gconstpointer data)
{
    g_autoptr(DtDecision) d = dt_decision_new();
    g_autoptr(GError) error = NULL;

    d->mode = DT_MODE_DEVICE;
    d->verdict = DT_VERDICT_WARN;
    d->ranges[0] = big_ranges[0];
    d->n_ranges = 1;
    d->log_page_size = 4096;
    g_ptr_array_add(d->devices, finding("0000:3b:00.1"));
    g_assert_true(dt_vfio_preflight(d, f->host, f->paths, &error));
    g_assert_no_error(error);
    g_assert_cmpint(d->verdict, ==, DT_VERDICT_WARN);
    g_assert_cmpuint(d->reasons->len, ==, 0);
    g_assert_cmpint(dev(f, "0000:3b:00.1")->preflight.value, ==, DT_TRI_YES);
    /* perpetual mode starts no tracking: nothing is opened */
    d->mode = DT_MODE_PERPETUAL;
    g_assert_true(dt_vfio_preflight(d, f->host, f->paths, &error));
    g_assert_cmpuint(log_count(getpid(), "device-open"), ==, 1);
}

/* Nothing tried is no pass: mode none or perpetual starts no tracking, and
 * a decision whose only device is held by its VM opens nothing. */
static void
test_preflight_not_tested(Fix *f, gconstpointer data)
{
    g_autoptr(DtDecision) d = dt_decision_new();
    g_autoptr(GError) error = NULL;
    DtPreflightSkip skip = { 0 };

    d->mode = DT_MODE_NONE;
    g_assert_true(dt_vfio_preflight(d, f->host, f->paths, &error));
    g_assert_cmpint(dt_vfio_preflight_result(d, f->host, &skip), ==, DT_PREFLIGHT_NOT_TESTED);
    g_assert_cmpstr(skip.code, ==, "no-tracking");
    g_assert_nonnull(strstr(skip.message, "mode none"));
    g_assert_cmpstr(dt_vfio_preflight_result_to_string(DT_PREFLIGHT_NOT_TESTED), ==, "not-tested");

    d->mode = DT_MODE_PERPETUAL;
    g_assert_cmpint(dt_vfio_preflight_result(d, f->host, &skip), ==, DT_PREFLIGHT_NOT_TESTED);
    g_assert_nonnull(strstr(skip.message, "mode perpetual"));

    d->mode = DT_MODE_DEVICE;
    d->ranges[0] = big_ranges[0];
    d->n_ranges = 1;
    d->log_page_size = 4096;
    g_ptr_array_add(d->devices, finding("0000:3b:00.2"));   /* busy */
    g_assert_true(dt_vfio_preflight(d, f->host, f->paths, &error));
    g_assert_cmpint(dt_vfio_preflight_result(d, f->host, &skip), ==, DT_PREFLIGHT_NOT_TESTED);
    g_assert_cmpstr(skip.code, ==, "devices-in-use");

    g_ptr_array_set_size(d->devices, 0);
    g_ptr_array_add(d->devices, finding("0000:99:00.0"));   /* not on this host */
    g_assert_cmpint(dt_vfio_preflight_result(d, f->host, &skip), ==, DT_PREFLIGHT_NOT_TESTED);
    g_assert_cmpstr(skip.code, ==, "no-vfio-device");

    g_ptr_array_add(d->devices, finding("0000:3b:00.1"));   /* accepts */
    g_assert_true(dt_vfio_preflight(d, f->host, f->paths, &error));
    g_assert_cmpint(dt_vfio_preflight_result(d, f->host, &skip), ==, DT_PREFLIGHT_PASSED);
    g_assert_cmpuint(log_count(getpid(), "device-open"), ==, 1);

    g_ptr_array_add(d->devices, finding("0000:5e:01.1"));   /* refuses: 2^36 */
    d->ranges[1] = big_ranges[1];
    d->n_ranges = 2;
    g_assert_false(dt_vfio_preflight(d, f->host, f->paths, &error));
    g_assert_cmpint(dt_vfio_preflight_result(d, f->host, &skip), ==, DT_PREFLIGHT_REFUSED);
    g_free(skip.message);
}

/* ---- the helper binary on a bundled fixture host ------------------------- */

#define PROBE_BIN ABS_TOP_BUILDDIR "/plugin/dirtytrack-probe"
#define FIXTURE_HOST ABS_TOP_SRCDIR "/tests/data/hosts/intel-dirty"
#define LARGE_MEM_XML ABS_TOP_SRCDIR "/tests/data/domains/large-mem-mlx5.xml"
#define NO_HOSTDEV_XML ABS_TOP_SRCDIR "/tests/data/domains/no-hostdev.xml"

typedef struct {
    char *dir;        /* copy of the fixture host */
    char *conf;
    char *log;
    char *group_busy; /* group of 3b:00.2, held by a fixture QEMU */
} Helper;

static char *
link_base(const char *dir, const char *bdf, const char *what)
{
    g_autofree char *p = g_build_filename(dir, "sys/bus/pci/devices", bdf, what, NULL);
    g_autofree char *t = g_file_read_link(p, NULL);

    return t ? g_path_get_basename(t) : NULL;
}

static char *
cdev_of(const char *dir, const char *bdf)
{
    g_autofree char *p = g_build_filename(dir, "sys/bus/pci/devices", bdf, "vfio-dev", NULL);
    g_autoptr(GDir) d = g_dir_open(p, 0, NULL);
    const char *n = d ? g_dir_read_name(d) : NULL;

    return g_strdup(n);
}

/* The mock description of the fixture's VFIO devices; groups and cdevs
 * are read from the fixture itself, so it follows the fixture's layout. */
static void
helper_write_conf(Helper *h, guint addr_space_log2, int vanish_after)
{
    static const struct { const char *bdf, *extra; } devs[] = {
        { "0000:3b:00.1", "migration=stop-copy;p2p;pre-copy\ndma-logging=true\n"
                          "stop-copy-bytes=8388608\niommu-dirty=true\nhw-info-type=intel-vtd\n"
                          "vtd-cap=0x19ed008c40780c66\nvtd-ecap=0x3ee9e86f050df\n" },
        { "0000:3b:00.2", "migration=stop-copy;p2p;pre-copy\ndma-logging=true\n" },
        { "0000:6b:00.1", "migration=stop-copy;p2p;pre-copy\niommu-dirty=true\n" },
        { "0000:17:02.0", "" },
    };
    GString *c = g_string_new("[container]\ncap-migration=true\n");

    for (guint i = 0; i < G_N_ELEMENTS(devs); i++) {
        g_autofree char *grp = link_base(h->dir, devs[i].bdf, "iommu_group");
        g_autofree char *cdev = cdev_of(h->dir, devs[i].bdf);

        g_string_append_printf(c, "[%s]\ngroup=%s\n%s%s%s", devs[i].bdf, grp ? grp : "-1",
                               cdev ? "cdev=" : "", cdev ? cdev : "", cdev ? "\n" : "");
        g_string_append(c, devs[i].extra);
        if (i == 0) {
            g_string_append_printf(c, "addr-space-max-log2=%u\n", addr_space_log2);
            if (vanish_after >= 0)
                g_string_append_printf(c, "vanish-after=%d\n", vanish_after);
        }
    }
    g_assert_true(g_file_set_contents(h->conf, c->str, -1, NULL));
    g_string_free(c, TRUE);
    g_assert_true(g_file_set_contents(h->log, "", 0, NULL));
}

static void
helper_setup(Helper *h, gconstpointer data)
{
    g_autofree char *parent = g_build_filename(root, "hosts", NULL);
    g_autofree char *proc = NULL, *lnk = NULL, *target = NULL;
    const char *cp[] = { "cp", "-a", FIXTURE_HOST, NULL, NULL };
    const char *env[] = { "PATH=/usr/bin:/bin", NULL };
    int status = -1;

    memset(h, 0, sizeof(*h));
    if (!g_file_test(FIXTURE_HOST, G_FILE_TEST_IS_DIR) || !g_file_test(PROBE_BIN, G_FILE_TEST_IS_EXECUTABLE))
        return;
    g_assert_cmpint(g_mkdir_with_parents(parent, 0755), ==, 0);
    h->dir = g_build_filename(parent, "intel-dirty", NULL);
    remove_tree(h->dir);
    cp[3] = h->dir;
    g_assert_true(g_spawn_sync(NULL, (char **)cp, (char **)env, G_SPAWN_SEARCH_PATH_FROM_ENVP,
                               NULL, NULL, NULL, NULL, &status, NULL));
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    g_assert_cmpint(g_mkdir_with_parents(h->dir, 0755), ==, 0);
    h->conf = g_build_filename(h->dir, "mock", NULL);
    g_assert_cmpint(g_mkdir_with_parents(h->conf, 0755), ==, 0);
    g_free(h->conf);
    h->conf = g_build_filename(h->dir, "mock", "devices.conf", NULL);
    h->log = g_build_filename(h->dir, "mock", "log", NULL);
    /* A QEMU (pid 777) holds 3b:00.2's group. */
    h->group_busy = link_base(h->dir, "0000:3b:00.2", "iommu_group");
    g_assert_nonnull(h->group_busy);
    proc = g_build_filename(h->dir, "proc", "777", "fd", NULL);
    g_assert_cmpint(g_mkdir_with_parents(proc, 0755), ==, 0);
    lnk = g_build_filename(proc, "5", NULL);
    target = g_strdup_printf("/dev/vfio/%s", h->group_busy);
    g_assert_cmpint(symlink(target, lnk), ==, 0);
    helper_write_conf(h, 42, -1);
}

static void
helper_teardown(Helper *h, gconstpointer data)
{
    if (h->dir)
        remove_tree(h->dir);
    g_free(h->dir);
    g_free(h->conf);
    g_free(h->log);
    g_free(h->group_busy);
}

/* Runs the helper under the mock on the copied host. */
static int
run_helper(Helper *h, const char *const *args, char **out, char **err)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_auto(GStrv) env = g_get_environ();
    g_autoptr(GError) error = NULL;
    int status = -1;

    g_ptr_array_add(argv, (char *)PROBE_BIN);
    g_ptr_array_add(argv, (char *)"--sysroot");
    g_ptr_array_add(argv, h->dir);
    for (guint i = 0; args[i]; i++)
        g_ptr_array_add(argv, (char *)args[i]);
    g_ptr_array_add(argv, NULL);
    env = g_environ_setenv(env, "DIRTYTRACK_SYSROOT", h->dir, TRUE);
    env = g_environ_setenv(env, "DIRTYTRACK_MOCK_CONF", h->conf, TRUE);
    env = g_environ_setenv(env, "DIRTYTRACK_MOCK_LOG", h->log, TRUE);
    env = g_environ_setenv(env, "DIRTYTRACK_QEMU_VERSION", "9.2.0", TRUE);
    env = g_environ_setenv(env, "DIRTYTRACK_LIBVIRT_VERSION", "10.0.0", TRUE);
    env = g_environ_setenv(env, "LC_ALL", "C", TRUE);
    g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL,
                               out, err, &status, &error));
    g_assert_no_error(error);
    g_assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static guint
helper_log_count(Helper *h, const char *needle)
{
    g_autofree char *text = NULL;
    guint n = 0;
    const char *p;

    if (!g_file_get_contents(h->log, &text, NULL, NULL))
        return 0;
    for (p = text; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static JsonObject *
json_device(JsonNode *rootnode, const char *addr)
{
    JsonArray *devs = json_object_get_array_member(json_node_get_object(rootnode), "devices");

    for (guint i = 0; i < json_array_get_length(devs); i++) {
        JsonObject *o = json_array_get_object_element(devs, i);

        if (g_str_equal(json_object_get_string_member(o, "address"), addr))
            return o;
    }
    g_assert_not_reached();
}

static JsonNode *
parse_json(const char *text)
{
    g_autoptr(JsonParser) p = json_parser_new();
    g_autoptr(GError) error = NULL;

    g_assert_true(json_parser_load_from_data(p, text, -1, &error));
    g_assert_no_error(error);
    return json_node_copy(json_parser_get_root(p));
}

#define NEED_FIXTURE(h) \
    do { if (!(h)->dir) { g_test_skip("fixture host or helper missing"); return; } } while (0)

static void
test_helper_report(Helper *h, gconstpointer data)
{
    static const char *const args[] = { "--ioctl", "--format", "json", NULL };
    g_autofree char *out = NULL, *err = NULL;
    g_autoptr(JsonNode) doc = NULL;
    JsonObject *mlx, *busy, *plain, *mig, *hw;
    g_autofree char *busy_node = NULL;

    NEED_FIXTURE(h);
    g_assert_cmpint(run_helper(h, args, &out, &err), ==, 0);
    doc = parse_json(out);

    mlx = json_device(doc, "0000:3b:00.1");
    g_assert_cmpstr(json_object_get_string_member(mlx, "source"), ==, "ioctl");
    g_assert_cmpstr(json_object_get_string_member(mlx, "access"), ==, "cdev");
    mig = json_object_get_object_member(mlx, "migration");
    g_assert_true(json_object_get_boolean_member(mig, "supported"));
    g_assert_cmpstr(json_object_get_string_member(mig, "source"), ==, "ioctl");
    g_assert_cmpuint(json_array_get_length(json_object_get_array_member(mig, "flags")), ==, 3);
    g_assert_cmpint(json_object_get_int_member(mlx, "stop_copy_bytes"), ==, 8388608);
    hw = json_object_get_object_member(mlx, "iommu_hw_info");
    g_assert_cmpstr(json_object_get_string_member(hw, "type"), ==, "intel-vtd");
    g_assert_cmpstr(json_object_get_string_member(hw, "ecap"), ==, "0x3ee9e86f050df");
    g_assert_cmpstr(json_object_get_string_member(hw, "capabilities"), ==, "0x1");

    busy = json_device(doc, "0000:3b:00.2");
    g_assert_true(json_object_get_boolean_member(busy, "in_use"));
    g_assert_nonnull(strstr(json_object_get_string_member(busy, "in_use_by"), "pid 777"));
    g_assert_cmpstr(json_object_get_string_member(busy, "access"), ==, "none");
    busy_node = g_strdup_printf("/dev/vfio/%s ", h->group_busy);
    g_assert_cmpuint(helper_log_count(h, busy_node), ==, 0);
    g_assert_cmpuint(helper_log_count(h, "device-open 0000:3b:00.2"), ==, 0);

    plain = json_device(doc, "0000:17:02.0");
    mig = json_object_get_object_member(plain, "migration");
    g_assert_false(json_object_get_boolean_member(mig, "supported"));
    g_assert_cmpstr(json_object_get_string_member(mig, "source"), ==, "ioctl");
    g_assert_cmpuint(helper_log_count(h, "device-open"), ==, 3);
}

static void
test_helper_no_ioctl(Helper *h, gconstpointer data)
{
    static const char *const args[] = { NULL };
    g_autofree char *out = NULL, *err = NULL;

    NEED_FIXTURE(h);
    g_assert_cmpint(run_helper(h, args, &out, &err), ==, 0);
    g_assert_nonnull(strstr(out, "0000:3b:00.1"));
    g_assert_nonnull(strstr(out, "the driver database decides"));
    g_assert_cmpuint(helper_log_count(h, " open "), ==, 0);
}

static void
test_helper_dry_run_deny(Helper *h, gconstpointer data)
{
    static const char *const args[] = { "--format", "json", "--dry-run", LARGE_MEM_XML, NULL };
    g_autofree char *out = NULL, *err = NULL;
    g_autoptr(JsonNode) doc = NULL;
    JsonObject *dry, *reason;

    NEED_FIXTURE(h);
    helper_write_conf(h, 35, -1);
    g_assert_cmpint(run_helper(h, args, &out, &err), ==, 2);
    g_assert_nonnull(strstr(err, "0000:3b:00.1"));
    g_assert_nonnull(strstr(err, "EOPNOTSUPP"));
    doc = parse_json(out);
    dry = json_object_get_object_member(json_node_get_object(doc), "dry_run");
    g_assert_cmpstr(json_object_get_string_member(dry, "mode"), ==, "device");
    g_assert_cmpstr(json_object_get_string_member(dry, "verdict"), ==, "deny");
    g_assert_cmpstr(json_object_get_string_member(dry, "result"), ==, "refused");
    reason = json_array_get_object_element(json_object_get_array_member(dry, "reasons"), 0);
    g_assert_cmpstr(json_object_get_string_member(reason, "code"), ==, DT_R_PREFLIGHT_FAILED);
    g_assert_cmpstr(json_object_get_string_member(reason, "device"), ==, "0000:3b:00.1");
    g_assert_nonnull(strstr(json_object_get_string_member(reason, "message"), "2^3"));
    g_assert_cmpuint(helper_log_count(h, "dma-logging-start 0000:3b:00.1 EOPNOTSUPP"), ==, 1);
}

static void
test_helper_dry_run_allow(Helper *h, gconstpointer data)
{
    static const char *const args[] = { "--dry-run", LARGE_MEM_XML, NULL };
    g_autofree char *out = NULL, *err = NULL;

    NEED_FIXTURE(h);
    g_assert_cmpint(run_helper(h, args, &out, &err), ==, 0);
    g_assert_nonnull(strstr(out, ": passed\n"));
    g_assert_cmpuint(helper_log_count(h, "dma-logging-start 0000:3b:00.1 ok"), ==, 1);
    g_assert_cmpuint(helper_log_count(h, "dma-logging-stop 0000:3b:00.1"), ==, 1);
}

/* A domain without passthrough devices decides mode none with no ranges:
 * the dry run starts nothing, and says so instead of "passed". */
static void
test_helper_dry_run_not_tested(Helper *h, gconstpointer data)
{
    static const char *const text_args[] = { "--dry-run", NO_HOSTDEV_XML, NULL };
    static const char *const json_args[] = { "--format", "json", "--dry-run", NO_HOSTDEV_XML, NULL };
    g_autofree char *out = NULL, *err = NULL, *jout = NULL, *jerr = NULL;
    g_autoptr(JsonNode) doc = NULL;
    JsonObject *dry, *why;

    NEED_FIXTURE(h);
    g_assert_cmpint(run_helper(h, text_args, &out, &err), ==, 4);
    g_assert_nonnull(strstr(out, "Dry run for no-hostdev: mode none, 0 ranges, page size 0: "
                                 "not tested (the decision is mode none: QEMU would start no "
                                 "dirty tracking, so there is nothing to try)"));
    g_assert_null(strstr(out, "passed"));
    g_assert_nonnull(strstr(err, "dry run not tested"));

    g_assert_cmpint(run_helper(h, json_args, &jout, &jerr), ==, 4);
    doc = parse_json(jout);
    dry = json_object_get_object_member(json_node_get_object(doc), "dry_run");
    g_assert_cmpstr(json_object_get_string_member(dry, "mode"), ==, "none");
    g_assert_cmpstr(json_object_get_string_member(dry, "result"), ==, "not-tested");
    why = json_object_get_object_member(dry, "not_tested");
    g_assert_cmpstr(json_object_get_string_member(why, "code"), ==, "no-tracking");
    g_assert_cmpuint(helper_log_count(h, "device-open"), ==, 0);
}

static void
test_helper_errors(Helper *h, gconstpointer data)
{
    static const char *const bad_format[] = { "--format", "yaml", NULL };
    static const char *const bad_addr[] = { "not-a-bdf", NULL };
    static const char *const missing[] = { "0000:99:00.0", NULL };
    static const char *const vanish[] = { "--ioctl", "0000:3b:00.1", NULL };
    g_autofree char *o1 = NULL, *e1 = NULL, *o2 = NULL, *e2 = NULL;
    g_autofree char *o3 = NULL, *e3 = NULL, *o4 = NULL, *e4 = NULL;

    NEED_FIXTURE(h);
    g_assert_cmpint(run_helper(h, bad_format, &o1, &e1), ==, 3);
    g_assert_cmpint(run_helper(h, bad_addr, &o2, &e2), ==, 3);
    g_assert_nonnull(strstr(e2, "not-a-bdf"));
    g_assert_cmpint(run_helper(h, missing, &o3, &e3), ==, 3);
    helper_write_conf(h, 42, 2);
    g_assert_cmpint(run_helper(h, vanish, &o4, &e4), ==, 3);
    g_assert_nonnull(strstr(e4, "0000:3b:00.1"));
    g_assert_nonnull(strstr(e4, "vanished"));
}

/* ---- main --------------------------------------------------------------- */

#define CDEV GINT_TO_POINTER(0)
#define GROUP GINT_TO_POINTER(1)
#define ADD(name, data, fn) \
    g_test_add(name, Fix, data, fix_setup, fn, fix_teardown)

int
main(int argc, char **argv)
{
    const char *preload = g_getenv("LD_PRELOAD");
    int rc;

    if (!preload || !strstr(preload, "vfiomock.so")) {
        /* Build the fixture, then start again with the mock preloaded. */
        g_autofree char *log = NULL;

        if (!g_file_test(MOCK_SO, G_FILE_TEST_EXISTS)) {
            g_printerr("test-vfio: %s not built\n", MOCK_SO);
            return 99;
        }
        g_test_init(&argc, &argv, NULL);
        make_fixture();
        log = g_build_filename(root, "mock.log", NULL);
        g_setenv("DIRTYTRACK_SYSROOT", root, TRUE);
        g_setenv("DIRTYTRACK_MOCK_LOG", log, TRUE);
        g_setenv("LD_PRELOAD", MOCK_SO, TRUE);
        /* An ASan build loads libasan after the preloaded mock; let it. */
        {
            const char *asan = g_getenv("ASAN_OPTIONS");
            g_autofree char *opts = g_strdup_printf("%s%sverify_asan_link_order=0",
                                                    asan ? asan : "", asan && *asan ? ":" : "");

            g_setenv("ASAN_OPTIONS", opts, TRUE);
        }
        {
            /* the real path, not /proc/self/exe: valgrind follows a re-exec
             * only of a program it can name */
            g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
            execv(self ? self : "/proc/self/exe", argv);
        }
        g_printerr("test-vfio: cannot re-exec: %s\n", g_strerror(errno));
        return 99;
    }

    root = g_strdup(g_getenv("DIRTYTRACK_SYSROOT"));
    logfile = g_strdup(g_getenv("DIRTYTRACK_MOCK_LOG"));
    g_test_init(&argc, &argv, NULL);

    ADD("/vfio/probe/cdev/mlx5-vf -> migration, logging, iommu dirty from ioctls", CDEV, test_cdev_mlx5);
    ADD("/vfio/probe/group/type1 -> CAP_MIGRATION pgsize 4096, max bitmap 256 MiB", GROUP, test_group_type1);
    ADD("/vfio/probe/plain-vfio-pci/ENOTTY -> no migration, no logging", CDEV, test_plain_enotty);
    ADD("/vfio/probe/EINVAL-on-PROBE -> unsupported, not an error", CDEV, test_probe_einval_unsupported);
    ADD("/vfio/probe/busy/proc-fd-link -> never opened, debugfs facts", CDEV, test_busy_proc_link);
    ADD("/vfio/probe/busy/host-flag -> never opened, database decides", CDEV, test_busy_host_flag);
    ADD("/vfio/probe/busy/child-holds-group -> EBUSY, device never opened", GROUP, test_busy_child_group);
    ADD("/vfio/probe/busy/child-holds-cdev -> EINVAL, device never opened", CDEV, test_busy_child_cdev);
    ADD("/vfio/probe/busy/EBUSY-on-open -> in use, debugfs fallback", CDEV, test_busy_ebusy);
    ADD("/vfio/probe/ENODEV-mid-probe -> error naming the device, facts unknown", CDEV, test_vanish);
    ADD("/vfio/probe/EINTR -> retried, same answer", CDEV, test_eintr_retried);
    ADD("/vfio/probe/no-ioctl-opt-in -> nothing opened, debugfs or database", CDEV, test_not_opted_in);
    ADD("/vfio/probe/helpers -> -errno", CDEV, test_feature_helpers_errno);
    ADD("/vfio/dry-run/device/accepted -> START with the exact ranges, then STOP", CDEV, test_dry_device_ok);
    ADD("/vfio/dry-run/device/E2BIG-kernel-limit -> names device and 256", CDEV, test_dry_device_e2big_kernel);
    ADD("/vfio/dry-run/device/E2BIG-driver-limit -> names device and range count", CDEV, test_dry_device_e2big_driver);
    ADD("/vfio/dry-run/device/EOPNOTSUPP-address-space -> names device and 2^36", CDEV, test_dry_device_eopnotsupp);
    ADD("/vfio/dry-run/device/REPORT-EOPNOTSUPP -> refusal naming IOMMUFD_DRIVER, or the fact", CDEV, test_dry_device_report_eopnotsupp);
    ADD("/vfio/dry-run/device/ENOTTY-EINVAL-EIO-busy-ENODEV-EOVERFLOW -> each explained", CDEV, test_dry_device_other_errors);
    ADD("/vfio/dry-run/iommu/accepted -> HWPT dirty, on, bitmap, off, teardown", CDEV, test_dry_iommu_ok);
    ADD("/vfio/dry-run/iommu/EOPNOTSUPP -> IOMMU cannot dirty-track", CDEV, test_dry_iommu_eopnotsupp);
    ADD("/vfio/dry-run/iommu/group-only-host -> needs cdev and /dev/iommu", GROUP, test_dry_iommu_needs_cdev);
    ADD("/vfio/preflight/refusal -> recorded on the device (NO, the refusal naming it), nothing decided", CDEV, test_preflight_deny);
    ADD("/vfio/preflight/accepted -> recorded YES, verdict unchanged", CDEV, test_preflight_allow);
    ADD("/vfio/preflight/nothing-tried -> not tested, with why", CDEV, test_preflight_not_tested);

#define HADD(name, fn) g_test_add(name, Helper, NULL, helper_setup, fn, helper_teardown)
    HADD("/vfio/helper/report -> ioctl facts with sources, busy device untouched", test_helper_report);
    HADD("/vfio/helper/without-ioctl -> nothing opened", test_helper_no_ioctl);
    HADD("/vfio/helper/dry-run/EOPNOTSUPP -> exit 2, deny naming device and 2^N", test_helper_dry_run_deny);
    HADD("/vfio/helper/dry-run/accepted -> exit 0, START then STOP", test_helper_dry_run_allow);
    HADD("/vfio/helper/dry-run/mode-none -> exit 4, not tested, never passed",
         test_helper_dry_run_not_tested);
    HADD("/vfio/helper/errors -> exit 3 (bad option, bad or missing address, vanished)", test_helper_errors);

    rc = g_test_run();
    if (!g_getenv("DIRTYTRACK_TEST_KEEP"))
        remove_tree(root);
    return rc;
}
