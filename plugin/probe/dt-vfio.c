/* dt-vfio.c: VFIO and iommufd probing, and the pre-flight dry run.
 *
 * The shape follows two kernel facts (kernel-uapi.md §1.6): the first
 * open of a VFIO device resets it, and a device can be open only once.  So
 * "is it in use?" is always answered before any open, every open is opt-in
 * for the caller, and every refusal of the open itself is read as "someone
 * else has it" rather than as an error.  The ioctl helpers are thin and
 * return -errno; message composition happens only in the dry run, where
 * the text reaches the operator who asked for a migration.
 */
#include "config.h"

#include <inttypes.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "probe/dt-host.h"
#include "probe/dt-uapi.h"
#include "model/dt-util.h"
#include "probe/dt-vfio.h"

struct DtVfioHandle {
    DtVfioAccess access;
    char *address;
    int device_fd;
    int group_fd;
    int container_fd;
    int iommufd;
    guint32 dev_id;         /* iommufd device id from BIND_IOMMUFD */
};

const char *
dt_vfio_access_to_string(DtVfioAccess a)
{
    switch (a) {
    case DT_VFIO_ACCESS_CDEV:
        return "cdev";
    case DT_VFIO_ACCESS_GROUP:
        return "group";
    case DT_VFIO_ACCESS_NONE:
        break;
    }
    return "none";
}

void
dt_vfio_report_free(DtVfioReport *r)
{
    if (!r)
        return;
    g_free(r->address);
    g_free(r->in_use_by);
    g_free(r->note);
    g_free(r);
}

/* ---- low level ------------------------------------------------------------ */

int
dt_vfio_ioctl(int fd, unsigned long request, void *arg)
{
    int rc;

    do {
        rc = ioctl(fd, request, arg);
    } while (rc < 0 && errno == EINTR);
    return rc < 0 ? -errno : rc;
}

/* For the ioctls whose argument is a plain value (VFIO_SET_IOMMU): the
 * kernel reads the same unsigned long either way. */
static int
ioctl_value(int fd, unsigned long request, unsigned long value)
{
    return dt_vfio_ioctl(fd, request, (void *)(uintptr_t)value);
}

static int
open_retry(const char *path, int flags)
{
    int fd;

    do {
        fd = open(path, flags | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    return fd < 0 ? -errno : fd;
}

static void
close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Does the link target name this node?  On the real root the target is
 * "/dev/vfio/12"; under a sysroot a fixture link may say either the host
 * path or the sysroot path. */
static gboolean
link_names(const char *target, const char *host_path, const char *root_path)
{
    return g_strcmp0(target, host_path) == 0 || g_strcmp0(target, root_path) == 0;
}

int
dt_vfio_find_holder(const DtPaths *paths, const DtPciDev *dev, char **holder)
{
    return dt_vfio_find_node_holder(paths, dev->iommu_group, dev->vfio_cdev, holder);
}

int
dt_vfio_find_node_holder(const DtPaths *paths, int iommu_group, const char *vfio_cdev,
                         char **holder)
{
    g_autofree char *proc = dt_paths_get(paths, "/proc");
    g_autofree char *group_host = NULL, *group_root = NULL;
    g_autofree char *cdev_host = NULL, *cdev_root = NULL;
    g_autoptr(GDir) dir = NULL;
    const char *pid;
    pid_t self = getpid();

    if (iommu_group >= 0) {
        group_host = g_strdup_printf("/dev/vfio/%d", iommu_group);
        group_root = dt_paths_get(paths, group_host);
    }
    if (vfio_cdev) {
        cdev_host = g_strdup_printf("/dev/vfio/devices/%s", vfio_cdev);
        cdev_root = dt_paths_get(paths, cdev_host);
    }
    if (!group_host && !cdev_host)
        return 0;

    dir = g_dir_open(proc, 0, NULL);
    if (!dir)
        return -ENOENT;
    while ((pid = g_dir_read_name(dir))) {
        g_autofree char *fddir = NULL;
        g_autoptr(GDir) fds = NULL;
        const char *fd;
        guint64 n;

        if (!dt_parse_u64(pid, 10, &n))
            continue;
        /* Our own descriptors are never a foreign holder. */
        if (dt_paths_is_real_root(paths) && n == (guint64)self)
            continue;
        fddir = g_build_filename(proc, pid, "fd", NULL);
        fds = g_dir_open(fddir, 0, NULL);
        if (!fds)
            continue;   /* gone, or not ours to read */
        while ((fd = g_dir_read_name(fds))) {
            g_autofree char *lnk = g_build_filename(fddir, fd, NULL);
            g_autofree char *target = g_file_read_link(lnk, NULL);
            const char *what = NULL;

            if (!target)
                continue;
            if (group_host && link_names(target, group_host, group_root))
                what = group_host;
            else if (cdev_host && link_names(target, cdev_host, cdev_root))
                what = cdev_host;
            if (!what)
                continue;
            if (holder) {
                g_autofree char *comm_path = g_build_filename(proc, pid, "comm", NULL);
                g_autofree char *comm = NULL;

                if (g_file_get_contents(comm_path, &comm, NULL, NULL))
                    g_strstrip(comm);
                *holder = comm && *comm
                    ? g_strdup_printf("pid %s (%s) holds %s", pid, comm, what)
                    : g_strdup_printf("pid %s holds %s", pid, what);
            }
            return 1;
        }
    }
    return 0;
}

static DtVfioHandle *
handle_new(const char *name)
{
    DtVfioHandle *h = g_new0(DtVfioHandle, 1);

    h->address = g_strdup(name);
    h->device_fd = h->group_fd = h->container_fd = h->iommufd = -1;
    return h;
}

void
dt_vfio_close(DtVfioHandle *h)
{
    if (!h)
        return;
    /* The device first: closing it releases its iommufd binding or its
     * place in the container. */
    close_fd(&h->device_fd);
    close_fd(&h->group_fd);
    close_fd(&h->container_fd);
    close_fd(&h->iommufd);
    g_free(h->address);
    g_free(h);
}

DtVfioAccess
dt_vfio_handle_access(const DtVfioHandle *h)
{
    return h->access;
}

static int
open_cdev(const DtPaths *paths, const char *vfio_cdev, DtVfioHandle *h)
{
    g_autofree char *node = dt_paths_printf(paths, "/dev/vfio/devices/%s", vfio_cdev);
    g_autofree char *iommu = dt_paths_get(paths, "/dev/iommu");
    struct dt_uapi_bind_iommufd bind = { 0 };
    int rc;

    /* /dev/iommu first: a failure there must not cost the device a reset. */
    rc = open_retry(iommu, O_RDWR);
    if (rc < 0)
        return rc;
    h->iommufd = rc;

    rc = open_retry(node, O_RDWR);
    if (rc < 0)
        /* A cdev admits one open; the second gets EINVAL (vfio_df_open). */
        return rc == -EINVAL ? -EBUSY : rc;
    h->device_fd = rc;

    bind.argsz = sizeof(bind);
    bind.iommufd = h->iommufd;
    rc = dt_vfio_ioctl(h->device_fd, VFIO_DEVICE_BIND_IOMMUFD, &bind);
    if (rc < 0)
        return rc;
    h->dev_id = bind.out_devid;
    h->access = DT_VFIO_ACCESS_CDEV;
    return 0;
}

static int
open_group(const DtPaths *paths, int iommu_group, DtVfioHandle *h)
{
    g_autofree char *container = dt_paths_get(paths, "/dev/vfio/vfio");
    g_autofree char *group = NULL;
    struct dt_uapi_group_status status = { .argsz = sizeof(status) };
    int rc;

    if (iommu_group < 0)
        return -ENODEV;
    group = dt_paths_printf(paths, "/dev/vfio/%d", iommu_group);

    /* The group first: it is the exclusive one (EBUSY when held). */
    rc = open_retry(group, O_RDWR);
    if (rc < 0)
        return rc;
    h->group_fd = rc;

    rc = dt_vfio_ioctl(h->group_fd, VFIO_GROUP_GET_STATUS, &status);
    if (rc < 0)
        return rc;
    if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
        /* Another device of the group is bound to a host driver. */
        return -EPERM;

    rc = open_retry(container, O_RDWR);
    if (rc < 0)
        return rc;
    h->container_fd = rc;
    rc = dt_vfio_ioctl(h->group_fd, VFIO_GROUP_SET_CONTAINER, &h->container_fd);
    if (rc < 0)
        return rc;
    rc = ioctl_value(h->container_fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU);
    if (rc < 0)
        return rc;
    rc = dt_vfio_ioctl(h->group_fd, VFIO_GROUP_GET_DEVICE_FD, h->address);
    if (rc < 0)
        return rc;
    h->device_fd = rc;
    h->access = DT_VFIO_ACCESS_GROUP;
    return 0;
}

int
dt_vfio_open(const DtPaths *paths, const DtHost *host, const DtPciDev *dev,
             DtVfioHandle **out)
{
    g_autofree char *name = dt_pci_addr_to_string(&dev->addr);

    return dt_vfio_open_named(paths, host, name, dev->iommu_group, dev->vfio_cdev, out);
}

int
dt_vfio_open_named(const DtPaths *paths, const DtHost *host, const char *name,
                   int iommu_group, const char *vfio_cdev, DtVfioHandle **out)
{
    g_autoptr(DtVfioHandle) h = handle_new(name);
    gboolean cdev = host->dev_iommu && vfio_cdev != NULL;
    g_autofree char *cdev_node = NULL;
    int rc;

    /* Prefer the cdev where the node really exists (6.6+ with
     * CONFIG_VFIO_DEVICE_CDEV): it also gives IOMMU_GET_HW_INFO. */
    if (cdev) {
        cdev_node = dt_paths_printf(paths, "/dev/vfio/devices/%s", vfio_cdev);
        cdev = g_file_test(cdev_node, G_FILE_TEST_EXISTS);
    }
    rc = cdev ? open_cdev(paths, vfio_cdev, h) : open_group(paths, iommu_group, h);
    if (rc < 0)
        return rc;
    *out = g_steal_pointer(&h);
    return 0;
}

/* One VFIO_DEVICE_FEATURE call; payload copied in and out. */
static int
device_feature(DtVfioHandle *h, guint32 flags, void *payload, gsize len)
{
    /* guint64 storage keeps the aligned_u64 payload aligned. */
    g_autofree guint64 *buf = g_new0(guint64, 1 + (len + 7) / 8);
    struct dt_uapi_device_feature *f = (struct dt_uapi_device_feature *)buf;
    int rc;

    f->argsz = sizeof(*f) + len;
    f->flags = flags;
    if (len)
        memcpy(f->data, payload, len);
    rc = dt_vfio_ioctl(h->device_fd, VFIO_DEVICE_FEATURE, f);
    if (rc >= 0 && len)
        memcpy(payload, f->data, len);
    return rc;
}

int
dt_vfio_feature_supported(DtVfioHandle *h, guint32 feature, guint32 dir)
{
    int rc = device_feature(h, feature | VFIO_DEVICE_FEATURE_PROBE | dir, NULL, 0);

    if (rc >= 0)
        return 1;
    /* ENOTTY: no mig_ops/log_ops or an unknown id; EINVAL: the same on
     * kernels before "vfio: return -ENOTTY for unsupported device feature". */
    if (rc == -ENOTTY || rc == -EINVAL)
        return 0;
    return rc;
}

/* GET of a feature whose payload is one u64 (struct
 * vfio_device_feature_migration, vfio_device_feature_mig_data_size). */
static int
get_u64_feature(DtVfioHandle *h, guint32 feature, guint64 *out)
{
    guint64 v = 0;
    int rc = device_feature(h, feature | VFIO_DEVICE_FEATURE_GET, &v, sizeof(v));

    if (rc < 0)
        return rc;
    *out = v;
    return 0;
}

int
dt_vfio_get_migration_flags(DtVfioHandle *h, guint64 *flags)
{
    G_STATIC_ASSERT(sizeof(struct dt_uapi_feature_migration) == sizeof(guint64));
    return get_u64_feature(h, VFIO_DEVICE_FEATURE_MIGRATION, flags);
}

int
dt_vfio_get_mig_data_size(DtVfioHandle *h, guint64 *bytes)
{
    G_STATIC_ASSERT(sizeof(struct dt_uapi_feature_mig_data_size) == sizeof(guint64));
    return get_u64_feature(h, VFIO_DEVICE_FEATURE_MIG_DATA_SIZE, bytes);
}

int
dt_vfio_dma_logging_start(DtVfioHandle *h, const DtRange *ranges, guint n,
                          guint64 *page_size)
{
    g_autofree struct dt_uapi_dma_logging_range *r =
        g_new0(struct dt_uapi_dma_logging_range, MAX(n, 1));
    struct dt_uapi_dma_logging_control ctl = { 0 };
    int rc;

    for (guint i = 0; i < n; i++) {
        r[i].iova = ranges[i].iova;
        r[i].length = ranges[i].length;
    }
    ctl.page_size = *page_size;
    ctl.num_ranges = n;
    ctl.ranges = (guint64)(guintptr)r;
    rc = device_feature(h, VFIO_DEVICE_FEATURE_DMA_LOGGING_START | VFIO_DEVICE_FEATURE_SET,
                        &ctl, sizeof(ctl));
    if (rc < 0)
        return rc;
    *page_size = ctl.page_size;
    return 0;
}

int
dt_vfio_dma_logging_stop(DtVfioHandle *h)
{
    int rc = device_feature(h, VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP | VFIO_DEVICE_FEATURE_SET,
                            NULL, 0);

    return rc < 0 ? rc : 0;
}

int
dt_vfio_dma_logging_report(DtVfioHandle *h, guint64 iova, guint64 length, guint64 page_size)
{
    struct dt_uapi_dma_logging_report rep = { 0 };
    g_autofree guint64 *bitmap = NULL;
    guint64 pages;

    if (!page_size || (page_size & (page_size - 1)) || !length || length % page_size)
        return -EINVAL;
    /* One bit per page, in whole u64 words (iova_bitmap_alloc maps the
     * user bitmap in u64 units). */
    pages = length / page_size;
    if (pages > G_GUINT64_CONSTANT(1) << 32)
        return -E2BIG;
    bitmap = g_new0(guint64, (pages + 63) / 64);
    rep.iova = iova;
    rep.length = length;
    rep.page_size = page_size;
    rep.bitmap = (guint64)(guintptr)bitmap;
    return device_feature(h, VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT | VFIO_DEVICE_FEATURE_GET,
                          &rep, sizeof(rep));
}

int
dt_vfio_get_hw_info(DtVfioHandle *h, DtVfioReport *r)
{
    union {
        struct dt_uapi_hw_info_vtd vtd;
        struct dt_uapi_hw_info_smmuv3 smmu;
        struct dt_uapi_hw_info_amd amd;
        guint64 raw[8];
    } data;
    struct dt_uapi_hw_info info = { 0 };
    int rc;

    if (h->access != DT_VFIO_ACCESS_CDEV)
        return -ENODEV;
    memset(&data, 0, sizeof(data));
    info.size = sizeof(info);
    info.dev_id = h->dev_id;
    info.data_len = sizeof(data);
    info.data_uptr = (guint64)(guintptr)&data;
    rc = dt_vfio_ioctl(h->iommufd, IOMMU_GET_HW_INFO, &info);
    if (rc < 0)
        return rc;

    r->hw_info_known = TRUE;
    r->hw_info_type = info.out_data_type;
    /* 6.6 has no out_capabilities: it stays 0, which is also the truth
     * there (dirty tracking arrived in 6.7). */
    r->hw_capabilities = info.out_capabilities;
    switch (info.out_data_type) {
    case DT_IOMMU_HW_INFO_TYPE_INTEL_VTD:
        if (info.data_len >= sizeof(data.vtd)) {
            r->vtd_cap = data.vtd.cap_reg;
            r->vtd_ecap = data.vtd.ecap_reg;
        }
        break;
    case DT_IOMMU_HW_INFO_TYPE_ARM_SMMUV3:
        if (info.data_len >= offsetof(struct dt_uapi_hw_info_smmuv3, iidr))
            memcpy(r->smmu_idr, data.smmu.idr, sizeof(r->smmu_idr));
        break;
    case DT_IOMMU_HW_INFO_TYPE_AMD:
        if (info.data_len >= sizeof(data.amd)) {
            r->amd_efr = data.amd.efr;
            r->amd_efr2 = data.amd.efr2;
        }
        break;
    default:
        break;
    }
    return 0;
}

int
dt_vfio_type1_get_info(DtVfioHandle *h, DtVfioReport *r)
{
    g_autofree guint64 *buf = NULL;
    struct dt_uapi_type1_info *info;
    gsize size = sizeof(struct dt_uapi_type1_info);
    guint32 off;
    int rc;

    if (h->access != DT_VFIO_ACCESS_GROUP)
        return -ENODEV;
    /* The kernel raises argsz when the capability chain does not fit;
     * ask again with that size (once: the chain does not grow). */
    for (int attempt = 0; attempt < 2; attempt++) {
        g_free(buf);
        buf = g_new0(guint64, (size + 7) / 8);
        info = (struct dt_uapi_type1_info *)buf;
        info->argsz = size;
        rc = dt_vfio_ioctl(h->container_fd, VFIO_IOMMU_GET_INFO, info);
        if (rc < 0)
            return rc;
        if (info->argsz <= size)
            break;
        if (info->argsz > 65536)
            return -EOVERFLOW;
        size = info->argsz;
    }
    info = (struct dt_uapi_type1_info *)buf;

    r->type1_known = TRUE;
    if (info->flags & VFIO_IOMMU_INFO_PGSIZES)
        r->type1_iova_pgsizes = info->iova_pgsizes;
    if (!(info->flags & VFIO_IOMMU_INFO_CAPS) || info->argsz > size)
        return 0;

    /* Walk the chain; every offset is bounds-checked and must move
     * forward, so a corrupt chain cannot loop. */
    off = info->cap_offset;
    while (off && off >= sizeof(*info) &&
           off + sizeof(struct dt_uapi_info_cap_header) <= size) {
        struct dt_uapi_info_cap_header *hdr =
            (struct dt_uapi_info_cap_header *)((guint8 *)buf + off);

        if (hdr->id == VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION &&
            off + sizeof(struct dt_uapi_type1_cap_migration) <= size) {
            struct dt_uapi_type1_cap_migration mig;

            memcpy(&mig, hdr, sizeof(mig));
            r->type1_cap_migration = TRUE;
            r->type1_mig_flags = mig.flags;
            r->type1_pgsize_bitmap = mig.pgsize_bitmap;
            r->type1_max_dirty_bitmap_size = mig.max_dirty_bitmap_size;
        }
        if (hdr->next <= off)
            break;
        off = hdr->next;
    }
    return 0;
}

/* ---- probing -------------------------------------------------------------- */

void
dt_vfio_report_note(DtVfioReport *r, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *s = NULL;
    char *joined;

    va_start(ap, fmt);
    s = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    joined = r->note ? g_strconcat(r->note, "; ", s, NULL) : g_strdup(s);
    g_free(r->note);
    r->note = joined;
}

int
dt_vfio_probe_features(DtVfioHandle *h, DtVfioReport *r, DtVfioFeatures *f)
{
    int rc;

    rc = dt_vfio_feature_supported(h, VFIO_DEVICE_FEATURE_MIGRATION, VFIO_DEVICE_FEATURE_GET);
    if (rc < 0)
        return rc;
    f->migration = (DtFact){ rc ? DT_TRI_YES : DT_TRI_NO, DT_SOURCE_IOCTL };
    if (rc) {
        guint64 flags = 0, bytes = 0;

        rc = dt_vfio_get_migration_flags(h, &flags);
        if (rc < 0)
            return rc;
        f->mig_flags = (guint32)flags;

        rc = dt_vfio_feature_supported(h, VFIO_DEVICE_FEATURE_MIG_DATA_SIZE,
                                       VFIO_DEVICE_FEATURE_GET);
        if (rc < 0)
            return rc;
        if (rc) {
            rc = dt_vfio_get_mig_data_size(h, &bytes);
            if (rc == -ENODEV)
                return rc;
            if (rc < 0)
                dt_vfio_report_note(r, "MIG_DATA_SIZE: %s", g_strerror(-rc));
            else
                f->stop_copy_bytes = bytes;
        } else {
            dt_vfio_report_note(r, "MIG_DATA_SIZE unsupported (kernel < 6.2)");
        }
    }

    rc = dt_vfio_feature_supported(h, VFIO_DEVICE_FEATURE_DMA_LOGGING_START,
                                   VFIO_DEVICE_FEATURE_SET);
    if (rc < 0)
        return rc;
    f->dma_logging = (DtFact){ rc ? DT_TRI_YES : DT_TRI_NO, DT_SOURCE_IOCTL };

    if (h->access == DT_VFIO_ACCESS_CDEV) {
        rc = dt_vfio_get_hw_info(h, r);
        if (rc == -ENODEV)
            return rc;
        if (rc < 0)
            dt_vfio_report_note(r, "IOMMU_GET_HW_INFO: %s", g_strerror(-rc));
        else
            f->iommu_dirty = (DtFact){
                (r->hw_capabilities & DT_IOMMU_HW_CAP_DIRTY_TRACKING) ? DT_TRI_YES : DT_TRI_NO,
                DT_SOURCE_IOCTL };
    } else {
        rc = dt_vfio_type1_get_info(h, r);
        if (rc == -ENODEV)
            return rc;
        if (rc < 0)
            dt_vfio_report_note(r, "VFIO_IOMMU_GET_INFO: %s", g_strerror(-rc));
    }
    return 0;
}

/* debugfs (root only; 6.8+ has migration/state, 6.18+ migration/features).
 * Returns TRUE if it said anything. */
static gboolean
probe_debugfs(const DtPaths *paths, const char *addr, DtPciDev *dev, DtVfioReport *r)
{
    g_autofree char *base = dt_paths_printf(paths, "/sys/kernel/debug/vfio/%s", addr);
    g_autofree char *migdir = g_build_filename(base, "migration", NULL);
    g_autofree char *features = g_build_filename(migdir, "features", NULL);
    g_autofree char *text = NULL;

    if (!g_file_test(base, G_FILE_TEST_IS_DIR))
        return FALSE;
    if (!g_file_test(migdir, G_FILE_TEST_IS_DIR)) {
        /* The directory appears only for devices with mig_ops. */
        dev->migration = (DtFact){ DT_TRI_NO, DT_SOURCE_DEBUGFS };
        dev->mig_flags = 0;
        dev->dma_logging = (DtFact){ DT_TRI_NO, DT_SOURCE_DEBUGFS };
        return TRUE;
    }
    dev->migration = (DtFact){ DT_TRI_YES, DT_SOURCE_DEBUGFS };
    if (g_file_get_contents(features, &text, NULL, NULL)) {
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        guint32 flags = 0;
        gboolean log = FALSE;

        for (guint i = 0; lines[i]; i++) {
            const char *l = g_strstrip(lines[i]);
            DtMigBit bit;

            if (dt_mig_bit_from_string(l, &bit))
                flags |= 1u << bit;
            else if (g_str_equal(l, "dirty-tracking"))
                log = TRUE;
        }
        dev->mig_flags = flags;
        dev->dma_logging = (DtFact){ log ? DT_TRI_YES : DT_TRI_NO, DT_SOURCE_DEBUGFS };
    } else {
        /* 6.8..6.17: the device migrates (STOP_COPY is mandatory), the
         * rest is for the database to say. */
        dev->mig_flags = DT_MIG_STOP_COPY;
        dt_vfio_report_note(r, "debugfs has no migration/features (kernel < 6.18)");
    }
    return TRUE;
}

DtVfioReport *
dt_vfio_probe_device(const DtHost *host, const DtPaths *paths, DtPciDev *dev,
                     DtVfioProbeFlags flags, GError **error)
{
    g_autoptr(DtVfioReport) r = g_new0(DtVfioReport, 1);
    g_autofree char *holder = NULL;
    int rc;

    r->address = dt_pci_addr_to_string(&dev->addr);
    r->source = DT_SOURCE_NONE;

    if (!dt_driver_is_vfio(dev->driver)) {
        dt_vfio_report_note(r, "not bound to a VFIO driver");
        return g_steal_pointer(&r);
    }

    /* The host probe may already know; the scan still names the holder.
     * It reads every /proc/PID/fd link, so a debugfs-only caller that does
     * not report the holder may skip it: debugfs is safe to read while a
     * VM holds the device. */
    r->in_use = dev->in_use;
    if ((flags & DT_VFIO_PROBE_NO_HOLDER) && !(flags & DT_VFIO_PROBE_IOCTL))
        rc = 0;
    else
        rc = dt_vfio_find_holder(paths, dev, &holder);
    if (rc > 0) {
        r->in_use = TRUE;
        r->in_use_by = g_steal_pointer(&holder);
    } else if (rc < 0) {
        dt_vfio_report_note(r, "cannot scan /proc: %s", g_strerror(-rc));
    }
    if (r->in_use && !r->in_use_by)
        r->in_use_by = g_strdup("held open by a process (host probe)");

    if (!r->in_use && (flags & DT_VFIO_PROBE_IOCTL)) {
        g_autoptr(DtVfioHandle) h = NULL;

        rc = dt_vfio_open(paths, host, dev, &h);
        if (rc == -EBUSY) {
            r->in_use = TRUE;
            r->in_use_by = g_strdup("the kernel refused a second open (EBUSY/EINVAL)");
        } else if (rc < 0) {
            dt_vfio_report_note(r, "open failed: %s", g_strerror(-rc));
        } else {
            DtVfioFeatures f = { DT_FACT_UNKNOWN, 0, DT_FACT_UNKNOWN, 0, DT_FACT_UNKNOWN };

            r->access = dt_vfio_handle_access(h);
            rc = dt_vfio_probe_features(h, r, &f);
            if (rc == -ENODEV) {
                dev->migration = dev->dma_logging = dev->iommu_dirty = DT_FACT_UNKNOWN;
                g_set_error(error, DT_ERROR, DT_ERROR_NOT_FOUND,
                            _("Device %s vanished while it was being probed (ENODEV)"),
                            r->address);
                return NULL;
            }
            if (rc < 0) {
                dt_vfio_report_note(r, "ioctl probe failed: %s", g_strerror(-rc));
            } else {
                dev->migration = f.migration;
                dev->mig_flags = f.mig_flags;
                dev->dma_logging = f.dma_logging;
                if (f.stop_copy_bytes)
                    dev->stop_copy_bytes = f.stop_copy_bytes;
                if (f.iommu_dirty.source != DT_SOURCE_NONE)
                    dev->iommu_dirty = f.iommu_dirty;
                r->source = DT_SOURCE_IOCTL;
            }
        }
    }
    if (r->in_use)
        dev->in_use = TRUE;

    if (r->source == DT_SOURCE_NONE && !(flags & DT_VFIO_PROBE_NO_DEBUGFS) &&
        probe_debugfs(paths, r->address, dev, r))
        r->source = DT_SOURCE_DEBUGFS;
    if (r->source == DT_SOURCE_NONE)
        dt_vfio_report_note(r, "no kernel answer: the driver database decides");
    return g_steal_pointer(&r);
}

/* ---- dry run -------------------------------------------------------------- */

static char *
hex_range(guint64 lo, guint64 hi)
{
    return g_strdup_printf("0x%" PRIx64 "-0x%" PRIx64, lo, hi);
}

static guint
log2_roundup(guint64 v)
{
    guint l = 0;

    while (l < 64 && (G_GUINT64_CONSTANT(1) << l) < v)
        l++;
    return l;
}

static void
set_logging_error(GError **error, const char *addr, int rc, const DtRange *ranges,
                  guint n, guint64 page_size, guint host_page)
{
    guint64 lo = G_MAXUINT64, hi = 0, total = 0;
    g_autofree char *span = NULL, *size = NULL;

    for (guint i = 0; i < n; i++) {
        lo = MIN(lo, ranges[i].iova);
        hi = MAX(hi, ranges[i].iova + ranges[i].length);
        total += ranges[i].length;
    }
    if (n == 0)
        lo = 0;
    span = hex_range(lo, hi);
    size = g_format_size_full(total, G_FORMAT_SIZE_IEC_UNITS);

    switch (-rc) {
    case E2BIG:
        if (n > DT_UAPI_LOG_MAX_RANGES(host_page))
            g_set_error(error, DT_ERROR, DT_ERROR_UNSUPPORTED,
                        _("Device %s refused DMA logging of %u IOVA ranges (E2BIG): more ranges "
                          "than the kernel accepts in one DMA_LOGGING_START (limit %u ranges "
                          "with %u-byte pages)"),
                        addr, n, (guint)DT_UAPI_LOG_MAX_RANGES(host_page), host_page);
        else
            g_set_error(error, DT_ERROR, DT_ERROR_UNSUPPORTED,
                        _("Device %s refused DMA logging of %u IOVA ranges (E2BIG): its driver "
                          "accepts fewer than %u ranges in one DMA_LOGGING_START"),
                        addr, n, n);
        break;
    case EOPNOTSUPP:
        g_set_error(error, DT_ERROR, DT_ERROR_UNSUPPORTED,
                    _("Device %s cannot track DMA writes over %s of IOVA space (%s, 2^%u bytes) "
                      "(EOPNOTSUPP): the address space is beyond the device's tracking limit"),
                    addr, size, span, log2_roundup(total));
        break;
    case ENOTTY:
        g_set_error(error, DT_ERROR, DT_ERROR_UNSUPPORTED,
                    _("Device %s does not implement DMA logging (ENOTTY)"), addr);
        break;
    case EINVAL:
        g_set_error(error, DT_ERROR, DT_ERROR_UNSUPPORTED,
                    _("Device %s refused DMA logging of %u ranges (%s) at page size %" PRIu64
                      " (EINVAL): ranges must be non-empty, page-aligned and disjoint, and "
                      "tracking must not already be active"),
                    addr, n, span, page_size);
        break;
    case EOVERFLOW:
        g_set_error(error, DT_ERROR, DT_ERROR_UNSUPPORTED,
                    _("Device %s refused DMA logging (EOVERFLOW): the ranges %s exceed the "
                      "address limit"), addr, span);
        break;
    case ENODEV:
        g_set_error(error, DT_ERROR, DT_ERROR_NOT_FOUND,
                    _("Device %s vanished during the DMA logging dry run (ENODEV)"), addr);
        break;
    default:
        g_set_error(error, DT_ERROR, DT_ERROR_FAILED,
                    _("Device %s refused DMA logging of %u ranges (%s): %s"),
                    addr, n, span, g_strerror(-rc));
        break;
    }
}

gboolean
dt_vfio_open_for_dry_run(const DtHost *host, const DtPaths *paths, const char *name,
                         int iommu_group, const char *vfio_cdev, gboolean in_use,
                         DtVfioHandle **h, GError **error)
{
    g_autofree char *holder = NULL;
    int rc;

    if (in_use || dt_vfio_find_node_holder(paths, iommu_group, vfio_cdev, &holder) > 0) {
        g_set_error(error, DT_ERROR, DT_ERROR_BUSY,
                    _("Device %s is in use (%s): the dry run needs a free device"),
                    name, holder ? holder : _("held by a process"));
        return FALSE;
    }
    rc = dt_vfio_open_named(paths, host, name, iommu_group, vfio_cdev, h);
    if (rc == -EBUSY) {
        g_set_error(error, DT_ERROR, DT_ERROR_BUSY,
                    _("Device %s is in use (the kernel refused a second open): the dry run "
                      "needs a free device"), name);
        return FALSE;
    }
    if (rc < 0) {
        g_set_error(error, DT_ERROR, rc == -ENOENT || rc == -ENODEV ? DT_ERROR_NOT_FOUND
                                                                     : DT_ERROR_FAILED,
                    _("Cannot open VFIO device %s for the dry run: %s"), name, g_strerror(-rc));
        return FALSE;
    }
    return TRUE;
}

/* The REPORT step, over the first range as QEMU's first report covers it
 * (vfio_devices_query_dirty_bitmap, one report per range), capped so the
 * bitmap stays small: what fails without the kernel's iova_bitmap fails
 * before any page is looked at. */
#define REPORT_MAX_BYTES (G_GUINT64_CONSTANT(64) << 20)

static int
dry_run_report(DtVfioHandle *h, const DtRange *first, guint64 page_size)
{
    guint64 len = MIN(first->length, REPORT_MAX_BYTES);

    len -= len % page_size;
    if (!len)
        len = page_size;
    return dt_vfio_dma_logging_report(h, first->iova, len, page_size);
}

gboolean
dt_vfio_dry_run_logging(DtVfioHandle *h, const DtHost *host, const DtRange *ranges, guint n,
                        guint64 page_size, DtFact *report, GError **error)
{
    const char *addr = h->address;
    guint host_page = host->page_size ? host->page_size : (guint)sysconf(_SC_PAGESIZE);
    guint64 ps = page_size ? page_size : host_page;
    int rc, rep;

    if (n == 0) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("No IOVA ranges to dry-run DMA logging on device %s"), addr);
        return FALSE;
    }
    rc = dt_vfio_dma_logging_start(h, ranges, n, &ps);
    if (rc < 0) {
        set_logging_error(error, addr, rc, ranges, n, page_size, host_page);
        return FALSE;
    }
    /* START alone proves little: without CONFIG_IOMMUFD_DRIVER (Linux 6.7+,
     * commit 8c9c727b6142 "vfio: Move iova_bitmap into iommufd") the
     * kernel's iova_bitmap_alloc() is a stub returning EOPNOTSUPP, so every
     * REPORT fails and QEMU's migration fails at setup. */
    rep = dry_run_report(h, &ranges[0], ps);
    rc = dt_vfio_dma_logging_stop(h);
    if (rep == -ENODEV || rc == -ENODEV) {
        g_set_error(error, DT_ERROR, DT_ERROR_NOT_FOUND,
                    _("Device %s vanished during the DMA logging dry run (ENODEV)"), addr);
        return FALSE;
    }
    if (rep == -EOPNOTSUPP && report) {
        /* an observed fact for the decision engine, not a refusal here */
        *report = (DtFact){ DT_TRI_NO, DT_SOURCE_IOCTL };
    } else if (rep == -EOPNOTSUPP) {
        g_set_error(error, DT_ERROR, DT_ERROR_UNSUPPORTED,
                    _("Device %s starts DMA logging, but its DMA_LOGGING_REPORT fails "
                      "(EOPNOTSUPP): the kernel lacks the iova_bitmap of "
                      "CONFIG_IOMMUFD_DRIVER, so the migration would fail at setup"), addr);
        return FALSE;
    } else if (rep < 0) {
        g_set_error(error, DT_ERROR, DT_ERROR_FAILED,
                    _("Device %s starts DMA logging, but its DMA_LOGGING_REPORT of "
                      "0x%" PRIx64 "+0x%" PRIx64 " fails: %s"),
                    addr, ranges[0].iova, ranges[0].length, g_strerror(-rep));
        return FALSE;
    } else if (report) {
        *report = (DtFact){ DT_TRI_YES, DT_SOURCE_IOCTL };
    }
    if (rc < 0) {
        g_set_error(error, DT_ERROR, DT_ERROR_FAILED,
                    _("Device %s accepted DMA logging but failed to stop it: %s"),
                    addr, g_strerror(-rc));
        return FALSE;
    }
    return TRUE;
}

static int
iommufd_destroy(int iommufd, guint32 id)
{
    struct dt_uapi_destroy d = { .size = sizeof(d), .id = id };

    return dt_vfio_ioctl(iommufd, IOMMU_DESTROY, &d);
}

static gboolean
dry_run_iommu(DtVfioHandle *h, const DtHost *host, const char *addr, GError **error)
{
    struct dt_uapi_ioas_alloc ioas = { .size = sizeof(ioas) };
    struct dt_uapi_hwpt_alloc hwpt = { .size = sizeof(hwpt) };
    struct dt_uapi_attach_iommufd_pt att = { .argsz = sizeof(att) };
    struct dt_uapi_detach_iommufd_pt det = { .argsz = sizeof(det) };
    struct dt_uapi_ioas_map map = { .size = sizeof(map) };
    struct dt_uapi_hwpt_set_dirty_tracking dirty = { .size = sizeof(dirty) };
    struct dt_uapi_hwpt_get_dirty_bitmap bm = { .size = sizeof(bm) };
    guint64 bitmap = 0;
    gsize page = host->page_size ? host->page_size : (gsize)sysconf(_SC_PAGESIZE);
    void *buf = MAP_FAILED;
    gboolean attached = FALSE, tracking = FALSE, ok = FALSE;
    guint32 hwpt_id = 0;
    const char *step;
    int rc;

    if (h->access != DT_VFIO_ACCESS_CDEV) {
        g_set_error(error, DT_ERROR, DT_ERROR_UNSUPPORTED,
                    _("Device %s cannot be dry-run for IOMMU dirty tracking: it needs the VFIO "
                      "cdev and /dev/iommu (Linux 6.7 or later)"), addr);
        return FALSE;
    }

    step = "IOMMU_IOAS_ALLOC";
    rc = dt_vfio_ioctl(h->iommufd, IOMMU_IOAS_ALLOC, &ioas);
    if (rc < 0)
        goto fail;

    step = "IOMMU_HWPT_ALLOC";
    hwpt.flags = DT_IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
    hwpt.dev_id = h->dev_id;
    hwpt.pt_id = ioas.out_ioas_id;
    rc = dt_vfio_ioctl(h->iommufd, IOMMU_HWPT_ALLOC, &hwpt);
    if (rc < 0)
        goto fail;
    hwpt_id = hwpt.out_hwpt_id;

    step = "VFIO_DEVICE_ATTACH_IOMMUFD_PT";
    att.pt_id = hwpt_id;
    rc = dt_vfio_ioctl(h->device_fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &att);
    if (rc < 0)
        goto fail;
    attached = TRUE;

    /* One page mapped, so the bitmap read walks a real IOPTE. */
    step = "IOMMU_IOAS_MAP";
    buf = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) {
        rc = -errno;
        goto fail;
    }
    map.flags = DT_IOMMU_IOAS_MAP_FIXED_IOVA | DT_IOMMU_IOAS_MAP_READABLE |
                DT_IOMMU_IOAS_MAP_WRITEABLE;
    map.ioas_id = ioas.out_ioas_id;
    map.user_va = (guint64)(guintptr)buf;
    map.length = page;
    map.iova = 0;
    rc = dt_vfio_ioctl(h->iommufd, IOMMU_IOAS_MAP, &map);
    if (rc < 0)
        goto fail;

    step = "IOMMU_HWPT_SET_DIRTY_TRACKING";
    dirty.flags = DT_IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
    dirty.hwpt_id = hwpt_id;
    rc = dt_vfio_ioctl(h->iommufd, IOMMU_HWPT_SET_DIRTY_TRACKING, &dirty);
    if (rc < 0)
        goto fail;
    tracking = TRUE;

    step = "IOMMU_HWPT_GET_DIRTY_BITMAP";
    bm.hwpt_id = hwpt_id;
    bm.iova = map.iova;
    bm.length = page;
    bm.page_size = page;
    bm.data = (guint64)(guintptr)&bitmap;
    rc = dt_vfio_ioctl(h->iommufd, IOMMU_HWPT_GET_DIRTY_BITMAP, &bm);
    if (rc < 0)
        goto fail;

    step = "IOMMU_HWPT_SET_DIRTY_TRACKING";
    dirty.flags = 0;
    rc = dt_vfio_ioctl(h->iommufd, IOMMU_HWPT_SET_DIRTY_TRACKING, &dirty);
    tracking = FALSE;
    if (rc < 0)
        goto fail;
    ok = TRUE;

fail:
    if (!ok) {
        if (rc == -EOPNOTSUPP && g_str_equal(step, "IOMMU_HWPT_ALLOC"))
            g_set_error(error, DT_ERROR, DT_ERROR_UNSUPPORTED,
                        _("The IOMMU of device %s cannot do dirty tracking (EOPNOTSUPP from "
                          "IOMMU_HWPT_ALLOC with DIRTY_TRACKING)"), addr);
        else if (rc == -ENODEV)
            g_set_error(error, DT_ERROR, DT_ERROR_NOT_FOUND,
                        _("Device %s vanished during the IOMMU dirty tracking dry run (ENODEV "
                          "from %s)"), addr, step);
        else
            g_set_error(error, DT_ERROR, DT_ERROR_UNSUPPORTED,
                        _("IOMMU dirty tracking dry run on device %s failed at %s: %s"),
                        addr, step, g_strerror(-rc));
    }
    /* Teardown in reverse; errors here do not change the verdict. */
    if (tracking) {
        dirty.flags = 0;
        dt_vfio_ioctl(h->iommufd, IOMMU_HWPT_SET_DIRTY_TRACKING, &dirty);
    }
    if (attached)
        dt_vfio_ioctl(h->device_fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &det);
    if (hwpt_id)
        iommufd_destroy(h->iommufd, hwpt_id);
    if (ioas.out_ioas_id)
        iommufd_destroy(h->iommufd, ioas.out_ioas_id);
    if (buf != MAP_FAILED)
        munmap(buf, page);
    return ok;
}

gboolean
dt_vfio_dry_run(const DtHost *host, const DtPaths *paths, const DtPciDev *dev,
                DtMode mode, const DtRange *ranges, guint n_ranges,
                guint64 page_size, DtFact *report, GError **error)
{
    g_autofree char *addr = dt_pci_addr_to_string(&dev->addr);
    g_autoptr(DtVfioHandle) h = NULL;

    if (mode != DT_MODE_DEVICE && mode != DT_MODE_IOMMU)
        return TRUE;   /* perpetual and none start no tracking to try */
    if (!dt_vfio_open_for_dry_run(host, paths, addr, dev->iommu_group, dev->vfio_cdev,
                                  dev->in_use, &h, error))
        return FALSE;
    if (mode == DT_MODE_DEVICE)
        return dt_vfio_dry_run_logging(h, host, ranges, n_ranges, page_size, report, error);
    return dry_run_iommu(h, host, addr, error);
}

gboolean
dt_vfio_preflight(const DtDecision *d, DtHost *host, const DtPaths *paths, GError **error)
{
    gboolean ok = TRUE;

    if (d->mode != DT_MODE_DEVICE && d->mode != DT_MODE_IOMMU)
        return TRUE;
    for (guint i = 0; i < d->devices->len; i++) {
        const DtDeviceFinding *f = g_ptr_array_index(d->devices, i);
        g_autoptr(GError) local = NULL;
        DtPciDev *dev = NULL;
        DtPciAddr a;

        if (f->is_mdev || !f->present || !dt_pci_addr_parse(f->address, &a))
            continue;
        for (guint j = 0; j < host->devices->len && !dev; j++) {
            DtPciDev *c = g_ptr_array_index(host->devices, j);
            if (dt_pci_addr_equal(&c->addr, &a))
                dev = c;
        }
        if (!dev || !dt_driver_is_vfio(dev->driver))
            continue;
        dev->preflight_iommu = d->mode == DT_MODE_IOMMU;
        g_clear_pointer(&dev->preflight_error, g_free);
        /* a REPORT refused (no iova_bitmap) is a fact for the engine */
        if (dt_vfio_dry_run(host, paths, dev, d->mode, d->ranges, d->n_ranges,
                            d->log_page_size, &dev->dma_logging_report, &local)) {
            dev->preflight = (DtFact){ DT_TRI_YES, DT_SOURCE_IOCTL };
            continue;
        }
        if (g_error_matches(local, DT_ERROR, DT_ERROR_BUSY)) {
            /* held by its VM: nothing to try, not a refusal */
            dev->preflight = DT_FACT_UNKNOWN;
            continue;
        }
        dev->preflight = (DtFact){ DT_TRI_NO, DT_SOURCE_IOCTL };
        dev->preflight_error = g_strdup(local->message);
        if (ok && error)
            *error = g_steal_pointer(&local);
        ok = FALSE;
    }
    return ok;
}

const char *
dt_vfio_preflight_result_to_string(DtPreflightResult r)
{
    switch (r) {
    case DT_PREFLIGHT_PASSED: return "passed";
    case DT_PREFLIGHT_REFUSED: return "refused";
    case DT_PREFLIGHT_NOT_TESTED: return "not-tested";
    }
    return "not-tested";
}

static void
set_skip(DtPreflightSkip *skip, const char *code, char *message)
{
    if (skip) {
        skip->code = code;
        g_free(skip->message);
        skip->message = message;
    } else {
        g_free(message);
    }
}

/* Read back from the facts dt_vfio_preflight() left, so that whoever asks
 * sees the same thing the engine decided over.  A VFIO-bound device whose
 * fact stayed unknown was skipped because a process held it. */
DtPreflightResult
dt_vfio_preflight_result(const DtDecision *d, const DtHost *host, DtPreflightSkip *skip)
{
    guint tried = 0, refused = 0, held = 0;

    if (d->mode != DT_MODE_DEVICE && d->mode != DT_MODE_IOMMU) {
        set_skip(skip, "no-tracking",
                 g_strdup_printf(_("the decision is mode %s: QEMU would start no dirty tracking, so there is nothing to try"),
                                 dt_mode_to_string(d->mode)));
        return DT_PREFLIGHT_NOT_TESTED;
    }
    for (guint i = 0; i < d->devices->len; i++) {
        const DtDeviceFinding *f = g_ptr_array_index(d->devices, i);
        const DtPciDev *dev;
        DtPciAddr a;

        if (f->is_mdev || !f->present || !dt_pci_addr_parse(f->address, &a))
            continue;
        dev = dt_host_find_device(host, &a);
        if (!dev || !dt_driver_is_vfio(dev->driver))
            continue;
        if (dev->preflight.source == DT_SOURCE_NONE)
            held++;
        else
            tried++;
        if (dev->preflight.source != DT_SOURCE_NONE && dev->preflight.value == DT_TRI_NO)
            refused++;
    }
    if (refused > 0)
        return DT_PREFLIGHT_REFUSED;
    if (tried > 0)
        return DT_PREFLIGHT_PASSED;
    if (held > 0)
        set_skip(skip, "devices-in-use",
                 g_strdup(_("every device of the domain is held by a process: none could be opened")));
    else
        set_skip(skip, "no-vfio-device",
                 g_strdup(_("no device of the domain is bound to a VFIO driver on this host")));
    return DT_PREFLIGHT_NOT_TESTED;
}
