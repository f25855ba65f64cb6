/* vfiomock.c: an LD_PRELOAD mock of the kernel's VFIO and iommufd
 * character devices, so the product's probing code runs unchanged against
 * fake hardware described as data.
 *
 * The plan
 * --------
 * A fixture host is a sysroot directory (DIRTYTRACK_SYSROOT).  Its device
 * nodes ROOT/dev/vfio/vfio, ROOT/dev/vfio/<group>, ROOT/dev/vfio/devices/
 * vfioN and ROOT/dev/iommu are plain files.  This library wraps the libc
 * entry points the product uses on them (open, open64, __open_2,
 * __open64_2, openat, openat64, __openat_2, close, ioctl).  A call on any
 * other path or descriptor goes straight to libc.
 *
 * Opening one of those nodes really opens the fixture file (so the
 * descriptor is a genuine fd, visible in /proc/self/fd) and remembers what
 * kind of node it is.  ioctl() on such a descriptor is answered here, by a
 * small model of the kernel rules in kernel-uapi.md §1-§3:
 *   - container (/dev/vfio/vfio): API version, extensions, SET_IOMMU,
 *     GET_INFO with the type1 CAP_MIGRATION capability chain;
 *   - group: exclusive open (EBUSY), GET_STATUS, SET_CONTAINER,
 *     GET_DEVICE_FD (this is the open that resets a real device);
 *   - cdev: one open only (a second one gets EINVAL), BIND_IOMMUFD before
 *     anything else, ATTACH/DETACH_IOMMUFD_PT;
 *   - device: VFIO_DEVICE_FEATURE for MIGRATION, MIG_DATA_SIZE and
 *     DMA_LOGGING_START/STOP with the core's checks (no ranges: EINVAL,
 *     more than max-ranges: E2BIG, unaligned or overlapping: EINVAL) and
 *     mlx5's address-space limit (EOPNOTSUPP);
 *   - iommufd: IOAS_ALLOC, IOAS_MAP, HWPT_ALLOC (EOPNOTSUPP with
 *     DIRTY_TRACKING when the device's IOMMU cannot), GET_HW_INFO,
 *     SET_DIRTY_TRACKING, GET_DIRTY_BITMAP, DESTROY.
 * Exclusivity must hold across processes (a test holds a device from a
 * child process), so it is an flock() on the fixture file: released by
 * the kernel when the holder closes it or dies, exactly like the real
 * "opened once" state.
 *
 * The hardware is data: ROOT/mock/devices.conf (or $DIRTYTRACK_MOCK_CONF),
 * a GKeyFile with one group per PCI address, or per mdev uuid (an mdev is
 * opened like a PCI device: its group, then GET_DEVICE_FD with the uuid):
 *
 *   [container]
 *   cap-migration=true        type1 reports CAP_MIGRATION
 *   pgsize-bitmap=4096        its pgsize_bitmap
 *   max-dirty-bitmap-size=268435456
 *
 *   [0000:3b:00.1]
 *   group=12                  /dev/vfio/12
 *   cdev=vfio0                /dev/vfio/devices/vfio0
 *   migration=stop-copy;p2p;pre-copy     (absent or empty: no mig_ops)
 *   unsupported-errno=ENOTTY  what PROBE of a missing feature returns
 *   dma-logging=true          log_ops exist
 *   max-ranges=256            the kernel/driver limit (E2BIG above it)
 *   addr-space-max-log2=42    EOPNOTSUPP when the ranges need more
 *   min-page-size=4096        the page size the device picks at least
 *   stop-copy-bytes=1048576   MIG_DATA_SIZE
 *   iommu-dirty=true          GET_HW_INFO capability bit; HWPT dirty works
 *   hw-info-type=intel-vtd    or arm-smmuv3, amd, none
 *   vtd-cap=... vtd-ecap=... amd-efr=... amd-efr2=... smmu-idr0=...
 *   open-errno=EBUSY          injected on opening its group/cdev
 *   start-errno=EIO           injected on DMA_LOGGING_START
 *   report-errno=EOPNOTSUPP   DMA_LOGGING_REPORT fails so (a kernel without
 *                             CONFIG_IOMMUFD_DRIVER: iova_bitmap_alloc stub)
 *   vanish-after=3            ENODEV on every device ioctl after the 3rd
 *   eintr-once=true           the first device ioctl fails with EINTR
 *
 * Every open of a node, every device open (the reset) and every dry-run
 * step is appended to $DIRTYTRACK_MOCK_LOG as "PID VERB ARGS", so a test
 * can prove that a busy device was never opened.
 */
#include "config.h"

#undef _FORTIFY_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <glib.h>

#include "probe/dt-uapi.h"

#define MAX_FDS 4096
#define MAX_OBJS 64

typedef enum {
    FD_NONE,
    FD_CONTAINER,
    FD_GROUP,
    FD_CDEV,       /* device opened through its cdev */
    FD_DEVICE,     /* device fd from GROUP_GET_DEVICE_FD */
    FD_IOMMUFD,
} FdKind;

typedef struct {
    char *addr;
    int group;
    char *cdev;
    gboolean migration;
    guint64 mig_flags;
    int unsupported_errno;
    gboolean dma_logging;
    guint max_ranges;
    guint addr_space_max_log2;
    guint64 min_page_size;
    guint64 stop_copy_bytes;
    gboolean iommu_dirty;
    guint32 hw_info_type;
    guint64 vtd_cap, vtd_ecap, amd_efr, amd_efr2;
    guint32 smmu_idr[6];
    int open_errno;
    int start_errno;
    int report_errno;
    int vanish_after;     /* -1: never */
    gboolean eintr_once;
} MockDev;

typedef enum { OBJ_FREE, OBJ_IOAS, OBJ_HWPT } ObjKind;

typedef struct {
    ObjKind kind;
    gboolean dirty_capable;
    gboolean tracking;
} MockObj;

typedef struct {
    FdKind kind;
    MockDev *dev;         /* group: first device of the group; cdev/device */
    int group;
    /* container */
    gboolean has_group, iommu_set;
    int container_fd;     /* group: the container it joined */
    /* cdev */
    gboolean bound;
    int iommufd;
    /* device */
    guint ioctls;
    gboolean logging;
    /* iommufd */
    MockObj objs[MAX_OBJS];
} MockFd;

static int (*real_open)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_close)(int);
static int (*real_ioctl)(int, unsigned long, ...);

static GMutex lock;          /* guards fds[] */
static gsize conf_loaded;
static char *root;
static GPtrArray *devices;      /* MockDev* */
static gboolean cap_migration = TRUE;
static guint64 cap_pgsize = 4096;
static guint64 cap_max_bitmap = 268435456;
static MockFd *fds[MAX_FDS];
static gboolean eintr_done;

static void
init_syms(void)
{
    if (real_open)
        return;
    real_open = dlsym(RTLD_NEXT, "open");
    real_openat = dlsym(RTLD_NEXT, "openat");
    real_close = dlsym(RTLD_NEXT, "close");
    real_ioctl = dlsym(RTLD_NEXT, "ioctl");
    if (!real_open || !real_openat || !real_close || !real_ioctl) {
        fprintf(stderr, "vfiomock: cannot resolve libc symbols\n");
        abort();
    }
}

static void
mock_log(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static void
mock_log(const char *fmt, ...)
{
    const char *path = getenv("DIRTYTRACK_MOCK_LOG");
    va_list ap;
    char line[512];
    int n, fd;

    if (!path || !*path)
        return;
    n = snprintf(line, sizeof(line), "%ld ", (long)getpid());
    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(line) - 2)
        n = sizeof(line) - 2;
    line[n++] = '\n';
    fd = real_open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    if (write(fd, line, n) < 0) {
        /* nothing to do: the log is best effort, the test will notice */
    }
    real_close(fd);
}

static int
parse_errno(const char *s)
{
    static const struct { const char *name; int value; } names[] = {
        { "EBUSY", EBUSY }, { "EINVAL", EINVAL }, { "ENOTTY", ENOTTY },
        { "E2BIG", E2BIG }, { "EOPNOTSUPP", EOPNOTSUPP }, { "ENODEV", ENODEV },
        { "EIO", EIO }, { "EPERM", EPERM }, { "EACCES", EACCES }, { "ENOENT", ENOENT },
        { "ENOMEM", ENOMEM }, { "EOVERFLOW", EOVERFLOW }, { "ENOTCONN", ENOTCONN },
    };

    if (!s || !*s)
        return 0;
    for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
        if (g_str_equal(s, names[i].name))
            return names[i].value;
    return atoi(s);
}

static guint64
key_u64(GKeyFile *kf, const char *g, const char *k, guint64 def)
{
    g_autofree char *v = g_key_file_get_string(kf, g, k, NULL);

    return v ? g_ascii_strtoull(g_strstrip(v), NULL, 0) : def;
}

static gboolean
key_bool(GKeyFile *kf, const char *g, const char *k, gboolean def)
{
    g_autoptr(GError) err = NULL;
    gboolean v = g_key_file_get_boolean(kf, g, k, &err);

    return err ? def : v;
}

static int
key_errno(GKeyFile *kf, const char *g, const char *k, int def)
{
    g_autofree char *v = g_key_file_get_string(kf, g, k, NULL);

    return v ? parse_errno(g_strstrip(v)) : def;
}

/* Called once, the first time a fixture node is opened. */
static void
load_conf(void)
{
    const char *env = getenv("DIRTYTRACK_MOCK_CONF");
    g_autofree char *path = env ? g_strdup(env) : g_build_filename(root, "mock", "devices.conf", NULL);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_auto(GStrv) groups = NULL;

    devices = g_ptr_array_new();
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL))
        return;
    cap_migration = key_bool(kf, "container", "cap-migration", TRUE);
    cap_pgsize = key_u64(kf, "container", "pgsize-bitmap", 4096);
    cap_max_bitmap = key_u64(kf, "container", "max-dirty-bitmap-size", 268435456);

    groups = g_key_file_get_groups(kf, NULL);
    for (guint i = 0; groups[i]; i++) {
        const char *g = groups[i];
        MockDev *d;
        g_auto(GStrv) mig = NULL;
        g_autofree char *type = NULL;

        if (g_str_equal(g, "container"))
            continue;
        d = g_new0(MockDev, 1);
        d->addr = g_strdup(g);
        d->group = (int)key_u64(kf, g, "group", (guint64)-1);
        d->cdev = g_key_file_get_string(kf, g, "cdev", NULL);
        mig = g_key_file_get_string_list(kf, g, "migration", NULL, NULL);
        for (guint j = 0; mig && mig[j]; j++) {
            const char *m = g_strstrip(mig[j]);

            if (g_str_equal(m, "stop-copy"))
                d->mig_flags |= VFIO_MIGRATION_STOP_COPY;
            else if (g_str_equal(m, "p2p"))
                d->mig_flags |= VFIO_MIGRATION_P2P;
            else if (g_str_equal(m, "pre-copy"))
                d->mig_flags |= VFIO_MIGRATION_PRE_COPY;
        }
        d->migration = d->mig_flags != 0;
        d->unsupported_errno = key_errno(kf, g, "unsupported-errno", ENOTTY);
        d->dma_logging = key_bool(kf, g, "dma-logging", FALSE);
        d->max_ranges = (guint)key_u64(kf, g, "max-ranges", 256);
        d->addr_space_max_log2 = (guint)key_u64(kf, g, "addr-space-max-log2", 64);
        d->min_page_size = key_u64(kf, g, "min-page-size", 4096);
        d->stop_copy_bytes = key_u64(kf, g, "stop-copy-bytes", 0);
        d->iommu_dirty = key_bool(kf, g, "iommu-dirty", FALSE);
        type = g_key_file_get_string(kf, g, "hw-info-type", NULL);
        if (!type || g_str_equal(type, "none"))
            d->hw_info_type = DT_IOMMU_HW_INFO_TYPE_NONE;
        else if (g_str_equal(type, "intel-vtd"))
            d->hw_info_type = DT_IOMMU_HW_INFO_TYPE_INTEL_VTD;
        else if (g_str_equal(type, "arm-smmuv3"))
            d->hw_info_type = DT_IOMMU_HW_INFO_TYPE_ARM_SMMUV3;
        else if (g_str_equal(type, "amd"))
            d->hw_info_type = DT_IOMMU_HW_INFO_TYPE_AMD;
        d->vtd_cap = key_u64(kf, g, "vtd-cap", 0);
        d->vtd_ecap = key_u64(kf, g, "vtd-ecap", 0);
        d->amd_efr = key_u64(kf, g, "amd-efr", 0);
        d->amd_efr2 = key_u64(kf, g, "amd-efr2", 0);
        for (guint j = 0; j < 6; j++) {
            g_autofree char *k = g_strdup_printf("smmu-idr%u", j);

            d->smmu_idr[j] = (guint32)key_u64(kf, g, k, 0);
        }
        d->open_errno = key_errno(kf, g, "open-errno", 0);
        d->start_errno = key_errno(kf, g, "start-errno", 0);
        d->report_errno = key_errno(kf, g, "report-errno", 0);
        d->vanish_after = (int)key_u64(kf, g, "vanish-after", (guint64)-1);
        d->eintr_once = key_bool(kf, g, "eintr-once", FALSE);
        g_ptr_array_add(devices, d);
    }
}

static MockDev *
find_dev(gboolean (*match)(MockDev *, const void *), const void *key)
{
    for (guint i = 0; i < devices->len; i++) {
        MockDev *d = g_ptr_array_index(devices, i);

        if (match(d, key))
            return d;
    }
    return NULL;
}

static gboolean
match_group(MockDev *d, const void *key)
{
    return d->group == *(const int *)key;
}

static gboolean
match_cdev(MockDev *d, const void *key)
{
    return d->cdev && g_str_equal(d->cdev, key);
}

static gboolean
match_addr(MockDev *d, const void *key)
{
    return g_str_equal(d->addr, key);
}

/* Which fixture node is this path?  Returns the path relative to the root
 * ("/dev/vfio/12") or NULL when it is none of ours. */
static const char *
fixture_rel(const char *path)
{
    const char *r = getenv("DIRTYTRACK_SYSROOT");
    gsize n;

    if (!path || !r || !*r || path[0] != '/')
        return NULL;
    n = strlen(r);
    while (n > 1 && r[n - 1] == '/')
        n--;
    if (strncmp(path, r, n) != 0)
        return NULL;
    path += n;
    if (g_str_has_prefix(path, "/dev/vfio/") || g_str_equal(path, "/dev/iommu"))
        return path;
    return NULL;
}

static int
fail(int err)
{
    errno = err;
    return -1;
}

static int
mock_open(const char *path, const char *rel)
{
    MockFd *m;
    MockDev *dev = NULL;
    FdKind kind;
    int group = -1;
    int fd;

    /* Not under the fd lock: loading the file calls open() and close(). */
    if (g_once_init_enter(&conf_loaded)) {
        root = g_strdup(getenv("DIRTYTRACK_SYSROOT"));
        load_conf();
        g_once_init_leave(&conf_loaded, 1);
    }
    g_mutex_lock(&lock);
    if (g_str_equal(rel, "/dev/vfio/vfio")) {
        kind = FD_CONTAINER;
    } else if (g_str_equal(rel, "/dev/iommu")) {
        kind = FD_IOMMUFD;
    } else if (g_str_has_prefix(rel, "/dev/vfio/devices/")) {
        kind = FD_CDEV;
        dev = find_dev(match_cdev, rel + strlen("/dev/vfio/devices/"));
    } else {
        guint64 g;

        kind = FD_GROUP;
        if (!g_ascii_string_to_unsigned(rel + strlen("/dev/vfio/"), 10, 0, G_MAXINT, &g, NULL)) {
            g_mutex_unlock(&lock);
            mock_log("open %s ENOENT", rel);
            return fail(ENOENT);
        }
        group = (int)g;
        dev = find_dev(match_group, &group);
    }
    g_mutex_unlock(&lock);

    if ((kind == FD_CDEV || kind == FD_GROUP) && !dev) {
        mock_log("open %s ENODEV", rel);
        return fail(ENODEV);
    }
    if (dev && dev->open_errno) {
        mock_log("open %s %s", rel, dev->open_errno == EBUSY ? "EBUSY" : "injected-error");
        return fail(dev->open_errno);
    }

    fd = real_open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;

        mock_log("open %s ENOENT", rel);
        return fail(e);
    }
    if (fd >= MAX_FDS) {
        real_close(fd);
        return fail(EMFILE);
    }
    if ((kind == FD_GROUP || kind == FD_CDEV) && flock(fd, LOCK_EX | LOCK_NB) < 0) {
        /* Held by someone else: the group is exclusive (EBUSY), a cdev
         * admits a single open (EINVAL from vfio_df_open). */
        real_close(fd);
        mock_log("open %s %s", rel, kind == FD_GROUP ? "EBUSY" : "EINVAL");
        return fail(kind == FD_GROUP ? EBUSY : EINVAL);
    }

    m = g_new0(MockFd, 1);
    m->kind = kind;
    m->dev = dev;
    m->group = group;
    m->container_fd = -1;
    m->iommufd = -1;
    g_mutex_lock(&lock);
    fds[fd] = m;
    g_mutex_unlock(&lock);
    mock_log("open %s ok", rel);
    if (kind == FD_CDEV)
        mock_log("device-open %s cdev", dev->addr);
    return fd;
}

static MockFd *
lookup(int fd)
{
    MockFd *m;

    if (fd < 0 || fd >= MAX_FDS)
        return NULL;
    g_mutex_lock(&lock);
    m = fds[fd];
    g_mutex_unlock(&lock);
    return m;
}

/* ---- ioctl models ------------------------------------------------------ */

static int
container_ioctl(MockFd *m, unsigned long req, void *arg)
{
    switch (req) {
    case VFIO_GET_API_VERSION:
        return 0;
    case VFIO_CHECK_EXTENSION: {
        unsigned long ext = (unsigned long)arg;

        return ext == 1 || ext == VFIO_TYPE1v2_IOMMU ? 1 : 0;
    }
    case VFIO_SET_IOMMU: {
        unsigned long type = (unsigned long)arg;

        if (!m->has_group || (type != 1 && type != VFIO_TYPE1v2_IOMMU))
            return fail(EINVAL);
        m->iommu_set = TRUE;
        return 0;
    }
    case VFIO_IOMMU_GET_INFO: {
        struct dt_uapi_type1_info *info = arg;
        guint32 need = sizeof(*info) + (cap_migration ? sizeof(struct dt_uapi_type1_cap_migration) : 0);

        if (!m->iommu_set)
            return fail(EINVAL);
        if (info->argsz < offsetof(struct dt_uapi_type1_info, cap_offset))
            return fail(EINVAL);
        info->flags = VFIO_IOMMU_INFO_PGSIZES;
        info->iova_pgsizes = cap_pgsize;
        if (info->argsz < sizeof(*info))
            return 0;
        info->flags |= VFIO_IOMMU_INFO_CAPS;
        info->cap_offset = 0;
        if (info->argsz < need) {
            info->argsz = need;
            return 0;
        }
        if (cap_migration) {
            struct dt_uapi_type1_cap_migration *c = (void *)((char *)info + sizeof(*info));

            c->header.id = VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION;
            c->header.version = 1;
            c->header.next = 0;
            c->flags = 0;
            c->pgsize_bitmap = cap_pgsize;
            c->max_dirty_bitmap_size = cap_max_bitmap;
            info->cap_offset = sizeof(*info);
        }
        return 0;
    }
    default:
        return fail(ENOTTY);
    }
}

static int
group_ioctl(int fd, MockFd *m, unsigned long req, void *arg)
{
    switch (req) {
    case VFIO_GROUP_GET_STATUS: {
        struct dt_uapi_group_status *s = arg;

        if (s->argsz < sizeof(*s))
            return fail(EINVAL);
        s->flags = VFIO_GROUP_FLAGS_VIABLE | (m->container_fd >= 0 ? 2 : 0);
        return 0;
    }
    case VFIO_GROUP_SET_CONTAINER: {
        int cfd = *(int *)arg;
        MockFd *c = lookup(cfd);

        if (!c || c->kind != FD_CONTAINER)
            return fail(EBADF);
        if (m->container_fd >= 0)
            return fail(EINVAL);
        m->container_fd = cfd;
        c->has_group = TRUE;
        return 0;
    }
    case VFIO_GROUP_GET_DEVICE_FD: {
        const char *name = arg;
        MockFd *c = lookup(m->container_fd);
        MockDev *d;
        MockFd *dm;
        g_autofree char *node = NULL;
        int dfd;

        if (!c || !c->iommu_set)
            return fail(EINVAL);
        g_mutex_lock(&lock);
        d = find_dev(match_addr, name);
        g_mutex_unlock(&lock);
        if (!d || d->group != m->group)
            return fail(ENODEV);
        node = g_strdup_printf("/proc/self/fd/%d", fd);
        dfd = real_open(node, O_RDONLY | O_CLOEXEC);
        if (dfd < 0)
            return -1;
        if (dfd >= MAX_FDS) {
            real_close(dfd);
            return fail(EMFILE);
        }
        dm = g_new0(MockFd, 1);
        dm->kind = FD_DEVICE;
        dm->dev = d;
        dm->container_fd = -1;
        dm->iommufd = -1;
        g_mutex_lock(&lock);
        fds[dfd] = dm;
        g_mutex_unlock(&lock);
        mock_log("device-open %s group", d->addr);
        return dfd;
    }
    default:
        return fail(ENOTTY);
    }
}

static guint
log2_roundup(guint64 v)
{
    guint l = 0;

    while (l < 64 && (G_GUINT64_CONSTANT(1) << l) < v)
        l++;
    return l;
}

static int
feature_ioctl(MockFd *m, struct dt_uapi_device_feature *f)
{
    MockDev *d = m->dev;
    guint32 id = f->flags & VFIO_DEVICE_FEATURE_MASK;
    guint32 ops = f->flags & ~VFIO_DEVICE_FEATURE_MASK;
    gboolean probe = (ops & VFIO_DEVICE_FEATURE_PROBE) != 0;
    gboolean get = (ops & VFIO_DEVICE_FEATURE_GET) != 0;
    gboolean set = (ops & VFIO_DEVICE_FEATURE_SET) != 0;
    gsize payload = f->argsz - sizeof(*f);

    if (f->argsz < sizeof(*f))
        return fail(EINVAL);
    if (ops & ~(VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET))
        return fail(EINVAL);
    if (get && set && !probe)
        return fail(EINVAL);

    switch (id) {
    case VFIO_DEVICE_FEATURE_MIGRATION:
        if (!d->migration)
            return fail(d->unsupported_errno);
        if (set || !get)
            return fail(EINVAL);
        if (probe)
            return 0;
        if (payload < sizeof(struct dt_uapi_feature_migration))
            return fail(EINVAL);
        ((struct dt_uapi_feature_migration *)f->data)->flags = d->mig_flags;
        return 0;
    case VFIO_DEVICE_FEATURE_MIG_DATA_SIZE:
        if (!d->migration)
            return fail(d->unsupported_errno);
        if (set || !get)
            return fail(EINVAL);
        if (probe)
            return 0;
        if (payload < sizeof(struct dt_uapi_feature_mig_data_size))
            return fail(EINVAL);
        ((struct dt_uapi_feature_mig_data_size *)f->data)->stop_copy_length = d->stop_copy_bytes;
        return 0;
    case VFIO_DEVICE_FEATURE_DMA_LOGGING_START: {
        struct dt_uapi_dma_logging_control *c = (void *)f->data;
        const struct dt_uapi_dma_logging_range *r;
        guint64 total = 0;

        if (!d->dma_logging)
            return fail(d->unsupported_errno);
        if (get || !set)
            return fail(EINVAL);
        if (probe)
            return 0;
        if (payload < sizeof(*c))
            return fail(EINVAL);
        if (c->num_ranges == 0)
            return fail(EINVAL);
        if (c->num_ranges > d->max_ranges) {
            mock_log("dma-logging-start %s E2BIG ranges=%u", d->addr, c->num_ranges);
            return fail(E2BIG);
        }
        if (m->logging)
            return fail(EINVAL);
        if (!c->page_size || (c->page_size & (c->page_size - 1)))
            return fail(EINVAL);
        r = (const void *)(guintptr)c->ranges;
        for (guint i = 0; i < c->num_ranges; i++) {
            if ((r[i].iova | r[i].length) & (c->page_size - 1))
                return fail(EINVAL);
            if (r[i].iova + r[i].length < r[i].iova)
                return fail(EOVERFLOW);
            for (guint j = 0; j < i; j++)
                if (r[i].iova < r[j].iova + r[j].length && r[j].iova < r[i].iova + r[i].length)
                    return fail(EINVAL);
            total += r[i].length;
        }
        if (log2_roundup(total) > d->addr_space_max_log2) {
            mock_log("dma-logging-start %s EOPNOTSUPP log2=%u", d->addr, log2_roundup(total));
            return fail(EOPNOTSUPP);
        }
        if (d->start_errno)
            return fail(d->start_errno);
        c->page_size = MAX(c->page_size, d->min_page_size);
        m->logging = TRUE;
        mock_log("dma-logging-start %s ok ranges=%u page=%" G_GUINT64_FORMAT,
                 d->addr, c->num_ranges, (guint64)c->page_size);
        return 0;
    }
    case VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT: {
        /* vfio_ioctl_device_feature_logging_report: GET only; the page
         * size is checked, then iova_bitmap_alloc() (EOPNOTSUPP without
         * IOMMUFD_DRIVER), then the driver (mlx5: EINVAL when not active). */
        struct dt_uapi_dma_logging_report *r = (void *)f->data;

        if (!d->dma_logging)
            return fail(d->unsupported_errno);
        if (set || !get)
            return fail(EINVAL);
        if (probe)
            return 0;
        if (payload < sizeof(*r))
            return fail(EINVAL);
        if (r->page_size < 4096 || (r->page_size & (r->page_size - 1)))
            return fail(EINVAL);
        if (r->iova + r->length < r->iova)
            return fail(EOVERFLOW);
        if (d->report_errno) {
            mock_log("dma-logging-report %s %s", d->addr,
                     d->report_errno == EOPNOTSUPP ? "EOPNOTSUPP" : "injected-error");
            return fail(d->report_errno);
        }
        if (!m->logging || !r->bitmap)
            return fail(EINVAL);
        mock_log("dma-logging-report %s ok iova=0x%" G_GINT64_MODIFIER "x length=0x%"
                 G_GINT64_MODIFIER "x", d->addr, (guint64)r->iova, (guint64)r->length);
        return 0;
    }
    case VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP:
        if (!d->dma_logging)
            return fail(d->unsupported_errno);
        if (get || !set)
            return fail(EINVAL);
        if (probe)
            return 0;
        m->logging = FALSE;
        mock_log("dma-logging-stop %s", d->addr);
        return 0;
    default:
        return fail(ENOTTY);
    }
}

static MockFd *
bound_iommufd(MockFd *iommufd_m, guint32 dev_id, MockDev **dev)
{
    /* dev_id is the cdev's fd + 1, as handed out by BIND_IOMMUFD. */
    MockFd *c = lookup((int)dev_id - 1);

    if (!c || c->kind != FD_CDEV || !c->bound || lookup(c->iommufd) != iommufd_m)
        return NULL;
    *dev = c->dev;
    return c;
}

static int
device_ioctl(int fd, MockFd *m, unsigned long req, void *arg)
{
    MockDev *d = m->dev;

    if (d->eintr_once && !eintr_done) {
        eintr_done = TRUE;
        mock_log("ioctl %s EINTR", d->addr);
        return fail(EINTR);
    }
    m->ioctls++;
    if (d->vanish_after >= 0 && m->ioctls > (guint)d->vanish_after) {
        mock_log("ioctl %s ENODEV", d->addr);
        return fail(ENODEV);
    }

    if (m->kind == FD_CDEV && req == VFIO_DEVICE_BIND_IOMMUFD) {
        struct dt_uapi_bind_iommufd *b = arg;
        MockFd *i;

        if (b->argsz < DT_UAPI_BIND_IOMMUFD_MINSZ || b->flags || b->iommufd < 0)
            return fail(EINVAL);
        i = lookup(b->iommufd);
        if (!i || i->kind != FD_IOMMUFD)
            return fail(EBADF);
        if (m->bound)
            return fail(EINVAL);
        m->bound = TRUE;
        m->iommufd = b->iommufd;
        b->out_devid = (guint32)fd + 1;
        return 0;
    }
    if (m->kind == FD_CDEV && !m->bound)
        return fail(EINVAL);   /* nothing before BIND_IOMMUFD */

    switch (req) {
    case VFIO_DEVICE_FEATURE:
        return feature_ioctl(m, arg);
    case VFIO_DEVICE_ATTACH_IOMMUFD_PT: {
        struct dt_uapi_attach_iommufd_pt *a = arg;
        MockFd *i = lookup(m->iommufd);

        if (m->kind != FD_CDEV)
            return fail(ENOTTY);
        if (a->argsz < DT_UAPI_ATTACH_IOMMUFD_PT_MINSZ || !i || a->pt_id == 0 ||
            a->pt_id > MAX_OBJS || i->objs[a->pt_id - 1].kind == OBJ_FREE)
            return fail(ENOENT);
        if (i->objs[a->pt_id - 1].kind == OBJ_HWPT && i->objs[a->pt_id - 1].dirty_capable &&
            !d->iommu_dirty)
            return fail(EINVAL);
        mock_log("attach %s pt=%u", d->addr, a->pt_id);
        return 0;
    }
    case VFIO_DEVICE_DETACH_IOMMUFD_PT:
        if (m->kind != FD_CDEV)
            return fail(ENOTTY);
        mock_log("detach %s", d->addr);
        return 0;
    default:
        return fail(ENOTTY);
    }
}

static int
obj_alloc(MockFd *m, ObjKind kind)
{
    for (guint i = 0; i < MAX_OBJS; i++) {
        if (m->objs[i].kind == OBJ_FREE) {
            memset(&m->objs[i], 0, sizeof(m->objs[i]));
            m->objs[i].kind = kind;
            return (int)i + 1;
        }
    }
    return -1;
}

static MockObj *
obj_get(MockFd *m, guint32 id, ObjKind kind)
{
    if (id == 0 || id > MAX_OBJS || m->objs[id - 1].kind != kind)
        return NULL;
    return &m->objs[id - 1];
}

static int
iommufd_ioctl(MockFd *m, unsigned long req, void *arg)
{
    switch (req) {
    case IOMMU_IOAS_ALLOC: {
        struct dt_uapi_ioas_alloc *a = arg;
        int id;

        if (a->size < sizeof(*a) || a->flags)
            return fail(EINVAL);
        if ((id = obj_alloc(m, OBJ_IOAS)) < 0)
            return fail(ENOMEM);
        a->out_ioas_id = id;
        return 0;
    }
    case IOMMU_IOAS_MAP: {
        struct dt_uapi_ioas_map *a = arg;

        if (a->size < sizeof(*a))
            return fail(EINVAL);
        if (!obj_get(m, a->ioas_id, OBJ_IOAS))
            return fail(ENOENT);
        if (!a->length || !a->user_va)
            return fail(EINVAL);
        return 0;
    }
    case IOMMU_HWPT_ALLOC: {
        struct dt_uapi_hwpt_alloc *a = arg;
        MockDev *d = NULL;
        int id;

        if (a->size < DT_UAPI_HWPT_ALLOC_MINSZ)
            return fail(EINVAL);
        if (!bound_iommufd(m, a->dev_id, &d) || !obj_get(m, a->pt_id, OBJ_IOAS))
            return fail(ENOENT);
        if ((a->flags & DT_IOMMU_HWPT_ALLOC_DIRTY_TRACKING) && !d->iommu_dirty) {
            mock_log("hwpt-alloc %s EOPNOTSUPP", d->addr);
            return fail(EOPNOTSUPP);
        }
        if ((id = obj_alloc(m, OBJ_HWPT)) < 0)
            return fail(ENOMEM);
        m->objs[id - 1].dirty_capable = (a->flags & DT_IOMMU_HWPT_ALLOC_DIRTY_TRACKING) != 0;
        a->out_hwpt_id = id;
        mock_log("hwpt-alloc %s ok dirty=%d", d->addr, m->objs[id - 1].dirty_capable);
        return 0;
    }
    case IOMMU_GET_HW_INFO: {
        struct dt_uapi_hw_info *h = arg;
        MockDev *d = NULL;
        union {
            struct dt_uapi_hw_info_vtd vtd;
            struct dt_uapi_hw_info_smmuv3 smmu;
            struct dt_uapi_hw_info_amd amd;
        } data;
        gsize len = 0;

        if (h->size < 32)
            return fail(EINVAL);
        if (!bound_iommufd(m, h->dev_id, &d))
            return fail(ENOENT);
        memset(&data, 0, sizeof(data));
        switch (d->hw_info_type) {
        case DT_IOMMU_HW_INFO_TYPE_INTEL_VTD:
            data.vtd.cap_reg = d->vtd_cap;
            data.vtd.ecap_reg = d->vtd_ecap;
            len = sizeof(data.vtd);
            break;
        case DT_IOMMU_HW_INFO_TYPE_ARM_SMMUV3:
            memcpy(data.smmu.idr, d->smmu_idr, sizeof(data.smmu.idr));
            len = sizeof(data.smmu);
            break;
        case DT_IOMMU_HW_INFO_TYPE_AMD:
            data.amd.efr = d->amd_efr;
            data.amd.efr2 = d->amd_efr2;
            len = sizeof(data.amd);
            break;
        default:
            break;
        }
        if (h->data_len && h->data_uptr)
            memcpy((void *)(guintptr)h->data_uptr, &data, MIN(len, h->data_len));
        h->data_len = len;
        h->out_data_type = d->hw_info_type;
        if (h->size >= sizeof(*h))
            h->out_capabilities = d->iommu_dirty ? DT_IOMMU_HW_CAP_DIRTY_TRACKING : 0;
        return 0;
    }
    case IOMMU_HWPT_SET_DIRTY_TRACKING: {
        struct dt_uapi_hwpt_set_dirty_tracking *s = arg;
        MockObj *o;

        if (s->size < sizeof(*s) || (s->flags & ~DT_IOMMU_HWPT_DIRTY_TRACKING_ENABLE))
            return fail(EINVAL);
        if (!(o = obj_get(m, s->hwpt_id, OBJ_HWPT)))
            return fail(ENOENT);
        if (!o->dirty_capable)
            return fail(EOPNOTSUPP);
        o->tracking = (s->flags & DT_IOMMU_HWPT_DIRTY_TRACKING_ENABLE) != 0;
        mock_log("set-dirty-tracking hwpt=%u %s", s->hwpt_id, o->tracking ? "on" : "off");
        return 0;
    }
    case IOMMU_HWPT_GET_DIRTY_BITMAP: {
        struct dt_uapi_hwpt_get_dirty_bitmap *b = arg;
        MockObj *o;

        if (b->size < sizeof(*b))
            return fail(EINVAL);
        if (!(o = obj_get(m, b->hwpt_id, OBJ_HWPT)))
            return fail(ENOENT);
        if (!o->dirty_capable)
            return fail(EOPNOTSUPP);
        if (!b->page_size || (b->iova | b->length) & (b->page_size - 1))
            return fail(EINVAL);
        /* Nothing wrote: the bitmap stays as the caller zeroed it. */
        mock_log("get-dirty-bitmap hwpt=%u", b->hwpt_id);
        return 0;
    }
    case IOMMU_DESTROY: {
        struct dt_uapi_destroy *x = arg;

        if (x->size < sizeof(*x) || x->id == 0 || x->id > MAX_OBJS ||
            m->objs[x->id - 1].kind == OBJ_FREE)
            return fail(ENOENT);
        m->objs[x->id - 1].kind = OBJ_FREE;
        return 0;
    }
    default:
        return fail(ENOTTY);
    }
}

/* ---- the wrapped entry points ----------------------------------------------- */

static int
open_common(const char *path, int flags, mode_t mode)
{
    const char *rel;

    init_syms();
    rel = fixture_rel(path);
    if (rel)
        return mock_open(path, rel);
    return real_open(path, flags, mode);
}

int open(const char *path, int flags, ...);
int open64(const char *path, int flags, ...);
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int openat(int dirfd, const char *path, int flags, ...);
int openat64(int dirfd, const char *path, int flags, ...);
int __openat_2(int dirfd, const char *path, int flags);
int close(int fd);
int ioctl(int fd, unsigned long request, ...);

int
open(const char *path, int flags, ...)
{
    mode_t mode = 0;

    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;

        va_start(ap, flags);
        mode = va_arg(ap, int);
        va_end(ap);
    }
    return open_common(path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
    mode_t mode = 0;

    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;

        va_start(ap, flags);
        mode = va_arg(ap, int);
        va_end(ap);
    }
    return open_common(path, flags, mode);
}

int
__open_2(const char *path, int flags)
{
    return open_common(path, flags, 0);
}

int
__open64_2(const char *path, int flags)
{
    return open_common(path, flags, 0);
}

static int
openat_common(int dirfd, const char *path, int flags, mode_t mode)
{
    const char *rel;

    init_syms();
    rel = fixture_rel(path);
    if (rel)
        return mock_open(path, rel);
    return real_openat(dirfd, path, flags, mode);
}

int
openat(int dirfd, const char *path, int flags, ...)
{
    mode_t mode = 0;

    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;

        va_start(ap, flags);
        mode = va_arg(ap, int);
        va_end(ap);
    }
    return openat_common(dirfd, path, flags, mode);
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
    mode_t mode = 0;

    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;

        va_start(ap, flags);
        mode = va_arg(ap, int);
        va_end(ap);
    }
    return openat_common(dirfd, path, flags, mode);
}

int
__openat_2(int dirfd, const char *path, int flags)
{
    return openat_common(dirfd, path, flags, 0);
}

int
close(int fd)
{
    MockFd *m = NULL;

    init_syms();
    if (fd >= 0 && fd < MAX_FDS) {
        g_mutex_lock(&lock);
        m = fds[fd];
        fds[fd] = NULL;
        g_mutex_unlock(&lock);
    }
    if (m) {
        if (m->kind == FD_CDEV || m->kind == FD_DEVICE)
            mock_log("device-close %s", m->dev->addr);
        g_free(m);
    }
    return real_close(fd);
}

int
ioctl(int fd, unsigned long request, ...)
{
    va_list ap;
    void *arg;
    MockFd *m;

    va_start(ap, request);
    arg = va_arg(ap, void *);
    va_end(ap);

    init_syms();
    m = lookup(fd);
    if (!m)
        return real_ioctl(fd, request, arg);
    switch (m->kind) {
    case FD_CONTAINER:
        return container_ioctl(m, request, arg);
    case FD_GROUP:
        return group_ioctl(fd, m, request, arg);
    case FD_CDEV:
    case FD_DEVICE:
        return device_ioctl(fd, m, request, arg);
    case FD_IOMMUFD:
        return iommufd_ioctl(m, request, arg);
    case FD_NONE:
        break;
    }
    return fail(ENOTTY);
}
