/* dt-host.c: the host probe over a redirectable root (dt-paths.h).
 *
 * Shaped by two constraints.  First, the hook runs on every migration, so
 * dt_host_probe() reads only what every evaluation needs (kernel, command
 * line, IOMMU units, /dev nodes) and never walks the PCI bus; devices are
 * read on demand, and modules.alias and the /proc scan are paid once per
 * batch of devices, only when a device needs them.  Second, sysfs is input
 * we do not trust: a device can vanish between readdir() and read(), a
 * register file can hold junk, and with --sysroot the tree is whatever the
 * user handed us.  So every read is bounded, regular files only, the final
 * component is never followed, a device directory must resolve inside
 * ROOT/sys/devices, and a fact that cannot be read stays unknown.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "probe/dt-alias.h"
#include "probe/dt-host.h"
#include "model/dt-versions.h"
#include "probe/dt-iommu.h"
#include "model/dt-util.h"

#define SMALL_FILE_MAX 4096

typedef struct {
    DtHost *host;
    const DtPaths *paths;
    DtAliasTable *aliases;
    gboolean aliases_tried;
    char *real_devices;   /* realpath of ROOT/sys/devices, once per batch */
    gboolean real_devices_tried;
    char *real_bus;       /* realpath of ROOT/sys/bus/pci/devices, once per batch */
    gboolean real_bus_tried;
    int devices_fd;       /* real_devices opened O_PATH, -1 if not (yet) */
    gboolean devices_fd_tried;
    char *last_modalias;  /* the last alias lookup and its answer (in aliases) */
    const char *last_module;
} ProbeCtx;

/* ---- low-level readers: -errno, never a GError ---------------------------- */

/* Reads a small regular file (sysfs attribute, /proc/cmdline); trailing
 * white space stripped.  Refuses symlinks, FIFOs and oversized files.
 * path is relative to the directory dirfd (or absolute, with AT_FDCWD):
 * a device's attributes are read relative to its directory, so the
 * kernel does not walk the whole sysroot path for each of them. */
static int
read_small_at(int dirfd, const char *path, char **out)
{
    char buf[SMALL_FILE_MAX + 1];
    gsize len = 0;
    struct stat st;
    int fd;

    *out = NULL;
    fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return -EINVAL;
    }
    while (len < SMALL_FILE_MAX) {
        ssize_t n = read(fd, buf + len, SMALL_FILE_MAX - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            close(fd);
            return -err;
        }
        if (n == 0)
            break;
        len += (gsize)n;
    }
    close(fd);
    if (len == SMALL_FILE_MAX)
        return -EFBIG;
    if (memchr(buf, '\0', len))
        return -EINVAL;
    buf[len] = '\0';
    *out = g_strchomp(g_strdup(buf));
    return 0;
}

static int
read_small(const char *path, char **out)
{
    return read_small_at(AT_FDCWD, path, out);
}

static int
read_hex_at(int dirfd, const char *path, guint64 max, guint64 *out)
{
    g_autofree char *s = NULL;
    guint64 v;
    int r = read_small_at(dirfd, path, &s);

    if (r < 0)
        return r;
    if (!dt_parse_u64(s, 16, &v) || v > max)
        return -EINVAL;
    *out = v;
    return 0;
}

static int
read_hex(const char *path, guint64 max, guint64 *out)
{
    return read_hex_at(AT_FDCWD, path, max, out);
}

/* Names the kernel gives drivers, IOMMU units and cdevs. */
static gboolean
safe_name(const char *s)
{
    gsize n = s ? strlen(s) : 0;

    if (n == 0 || n > 128 || s[0] == '.')
        return FALSE;
    for (gsize i = 0; i < n; i++)
        if (!g_ascii_isalnum(s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.' && s[i] != ':')
            return FALSE;
    return TRUE;
}

/* Basename of a symlink's target (relative to dirfd), validated. */
static int
read_link_base_at(int dirfd, const char *path, char **out)
{
    char buf[PATH_MAX];
    ssize_t n = readlinkat(dirfd, path, buf, sizeof(buf) - 1);
    const char *base;

    *out = NULL;
    if (n < 0)
        return -errno;
    buf[n] = '\0';
    base = strrchr(buf, '/');
    base = base ? base + 1 : buf;
    if (!safe_name(base))
        return -EINVAL;
    *out = g_strdup(base);
    return 0;
}

static gboolean
is_digits(const char *s)
{
    if (!s || !*s)
        return FALSE;
    for (; *s; s++)
        if (!g_ascii_isdigit(*s))
            return FALSE;
    return TRUE;
}

/* ---- host-wide facts ----------------------------------------------------- */

gboolean
dt_host_release_is_safe(const char *rel)
{
    /* it becomes a path component under /lib/modules: "6.12.57+deb13-amd64" */
    gsize n = rel ? strlen(rel) : 0;

    if (n == 0 || n > 128 || rel[0] == '.' || strstr(rel, "..") != NULL)
        return FALSE;
    for (gsize i = 0; i < n; i++)
        if (!g_ascii_isalnum(rel[i]) && !strchr("._-+~", rel[i]))
            return FALSE;
    return TRUE;
}

/* intel_iommu= takes a comma list; the last sm_on/sm_off wins. */
static gboolean
cmdline_intel_sm_off(const char *cmdline)
{
    g_auto(GStrv) words = NULL;
    gboolean off = FALSE;

    if (!cmdline)
        return FALSE;
    words = g_strsplit_set(cmdline, " \t\n", -1);
    for (guint i = 0; words[i]; i++) {
        g_auto(GStrv) opts = NULL;
        if (!g_str_has_prefix(words[i], "intel_iommu="))
            continue;
        opts = g_strsplit(words[i] + strlen("intel_iommu="), ",", -1);
        for (guint j = 0; opts[j]; j++) {
            if (strcmp(opts[j], "sm_off") == 0)
                off = TRUE;
            else if (strcmp(opts[j], "sm_on") == 0)
                off = FALSE;
        }
    }
    return off;
}

/* A sysroot has no sysconf(); the THP PMD size is a real sysfs file from
 * which the base page size follows: PMD = PAGE * (PAGE / 8). */
static guint
page_size_from_pmd(guint64 pmd)
{
    static const guint sizes[] = { 4096, 16384, 65536 };
    for (guint i = 0; i < G_N_ELEMENTS(sizes); i++)
        if ((guint64)sizes[i] * (sizes[i] / 8) == pmd)
            return sizes[i];
    return 0;
}

gboolean
dt_host_path_exists(const DtPaths *paths, const char *abs, gboolean want_dir)
{
    g_autofree char *p = dt_paths_get(paths, abs);
    struct stat st;

    if (stat(p, &st) < 0)
        return FALSE;
    return want_dir ? S_ISDIR(st.st_mode) : TRUE;
}

static void
probe_unit_regs(DtHost *host, DtIommu *u, const char *dir)
{
    g_autofree char *intel = g_build_filename(dir, "intel-iommu", NULL);
    g_autofree char *amd = g_build_filename(dir, "amd-iommu", NULL);
    char *note = NULL;

    if (g_file_test(intel, G_FILE_TEST_IS_DIR)) {
        g_autofree char *cap_p = g_build_filename(intel, "cap", NULL);
        g_autofree char *ecap_p = g_build_filename(intel, "ecap", NULL);
        u->vendor = DT_IOMMU_VENDOR_INTEL;
        if (read_hex(cap_p, G_MAXUINT64, &u->cap) == 0 &&
            read_hex(ecap_p, G_MAXUINT64, &u->ecap) == 0) {
            u->regs_known = TRUE;
            u->dirty_tracking.value = dt_iommu_intel_dirty(u->ecap, &host->kernel,
                                                           host->intel_sm_off, &note);
            u->dirty_tracking.source = DT_SOURCE_SYSFS;
        } else {
            u->cap = u->ecap = 0;
            note = g_strdup("intel-iommu/cap,ecap unreadable");
        }
    } else if (g_file_test(amd, G_FILE_TEST_IS_DIR)) {
        g_autofree char *feat_p = g_build_filename(amd, "features", NULL);
        g_autofree char *text = NULL;
        u->vendor = DT_IOMMU_VENDOR_AMD;
        if (read_small(feat_p, &text) == 0 &&
            dt_iommu_amd_parse_features(text, &host->kernel, &u->efr, &u->efr2)) {
            u->regs_known = TRUE;
            u->dirty_tracking.value = dt_iommu_amd_dirty(u->efr, &host->kernel, &note);
            u->dirty_tracking.source = DT_SOURCE_SYSFS;
        } else {
            note = g_strdup("amd-iommu/features unreadable");
        }
    } else if (g_str_has_prefix(u->name, "smmu3.")) {
        u->vendor = DT_IOMMU_VENDOR_SMMUV3;
        /* nothing to read: the kernel version is all we know */
        if (dt_versions_kernel_has(DT_KF_SMMUV3_DIRTY, &host->kernel) == DT_TRI_NO) {
            u->dirty_tracking.value = DT_TRI_NO;
            note = g_strdup("kernel < 6.11");
        } else {
            u->dirty_tracking.value = DT_TRI_UNKNOWN;
            note = g_strdup("SMMUv3 HTTU not exposed in sysfs");
        }
        u->dirty_tracking.source = DT_SOURCE_PREDICTED;
    } else {
        note = g_strdup("unknown IOMMU type");
    }
    u->dirty_note = note;
}

static int
compare_iommu(gconstpointer a, gconstpointer b)
{
    const DtIommu *x = *(const DtIommu *const *)a;
    const DtIommu *y = *(const DtIommu *const *)b;
    return strverscmp(x->name, y->name);
}

static void
probe_iommus(DtHost *host, const DtPaths *paths)
{
    g_autofree char *cls = dt_paths_get(paths, "/sys/class/iommu");
    g_autoptr(GDir) dir = g_dir_open(cls, 0, NULL);
    const char *name;

    if (!dir)
        return;
    while ((name = g_dir_read_name(dir))) {
        g_autofree char *unit_dir = NULL;
        DtIommu *u;

        if (!safe_name(name))
            continue;
        unit_dir = g_build_filename(cls, name, NULL);
        if (!g_file_test(unit_dir, G_FILE_TEST_IS_DIR))
            continue;   /* vanished, or not a unit */
        u = dt_iommu_new();
        u->name = g_strdup(name);
        probe_unit_regs(host, u, unit_dir);
        g_ptr_array_add(host->iommus, u);
    }
    g_ptr_array_sort(host->iommus, compare_iommu);
}

DtHost *
dt_host_probe(const DtPaths *paths, GError **error)
{
    g_autoptr(DtHost) host = NULL;
    g_autofree char *p = NULL;
    char *text = NULL;
    struct utsname uts;
    gboolean real = dt_paths_is_real_root(paths);
    gboolean have_uts = real && uname(&uts) == 0;

    if (!real && !g_file_test(paths->root, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, DT_ERROR, DT_ERROR_NOT_FOUND,
                    _("System root %s is not a directory"), paths->root);
        return NULL;
    }
    host = dt_host_new();
    host->sysroot = g_strdup(real ? "/" : paths->root);

    p = dt_paths_get(paths, "/proc/sys/kernel/osrelease");
    if (read_small(p, &text) == 0 && *text)
        host->kernel_release = text;
    else {
        g_free(text);
        if (have_uts)
            host->kernel_release = g_strdup(uts.release);
    }
    text = NULL;
    if (host->kernel_release)
        dt_version_parse(host->kernel_release, &host->kernel);

    /* /proc/sys/kernel/arch is uname -m as a file; a sysroot needs it */
    g_free(p);
    p = dt_paths_get(paths, "/proc/sys/kernel/arch");
    if (read_small(p, &text) == 0 && *text && safe_name(text))
        host->arch = text;
    else {
        g_free(text);
        if (have_uts)
            host->arch = g_strdup(uts.machine);
    }
    text = NULL;

    g_free(p);
    p = dt_paths_get(paths, "/proc/cmdline");
    if (read_small(p, &text) == 0)
        host->cmdline = text;
    host->intel_sm_off = cmdline_intel_sm_off(host->cmdline);

    if (real) {
        long ps = sysconf(_SC_PAGESIZE);
        if (ps > 0)
            host->page_size = (guint)ps;
    } else {
        g_autofree char *pmd_s = NULL;
        guint64 pmd = 0;
        g_free(p);
        p = dt_paths_get(paths, "/sys/kernel/mm/transparent_hugepage/hpage_pmd_size");
        if (read_small(p, &pmd_s) == 0 && dt_parse_u64(pmd_s, 10, &pmd) &&
            page_size_from_pmd(pmd) != 0)
            host->page_size = page_size_from_pmd(pmd);
    }

    host->dev_iommu = dt_host_path_exists(paths, "/dev/iommu", FALSE);
    host->dev_vfio_container = dt_host_path_exists(paths, "/dev/vfio/vfio", FALSE);
    host->vfio_cdev_support = dt_host_path_exists(paths, "/dev/vfio/devices", TRUE);
    if (host->kernel_release && dt_host_release_is_safe(host->kernel_release)) {
        g_autofree char *alias = g_strdup_printf("/lib/modules/%s/modules.alias",
                                                 host->kernel_release);
        host->have_modules_alias = dt_host_path_exists(paths, alias, FALSE);
    }
    probe_iommus(host, paths);
    return g_steal_pointer(&host);
}

/* ---- devices ------------------------------------------------------------- */

static const DtAliasTable *
ctx_aliases(ProbeCtx *ctx)
{
    g_autofree char *path = NULL;

    if (ctx->aliases_tried)
        return ctx->aliases;
    ctx->aliases_tried = TRUE;
    if (!ctx->host->have_modules_alias || !dt_host_release_is_safe(ctx->host->kernel_release))
        return NULL;
    path = dt_paths_printf(ctx->paths, "/lib/modules/%s/modules.alias",
                           ctx->host->kernel_release);
    ctx->aliases = dt_alias_table_load(path, NULL);
    return ctx->aliases;
}

/* realpath(3) reads every component of its path, so ROOT/sys/devices and
 * ROOT/sys/bus/pci/devices are resolved once per batch rather than once
 * per device: *out is PATH (under the sysroot) resolved, or NULL. */
static const char *
ctx_realpath_once(ProbeCtx *ctx, const char *path, gboolean *tried, char **out)
{
    if (!*tried) {
        g_autofree char *p = dt_paths_get(ctx->paths, path);
        *tried = TRUE;
        *out = realpath(p, NULL);
    }
    return *out;
}

static const char *
ctx_real_devices(ProbeCtx *ctx)
{
    return ctx_realpath_once(ctx, "/sys/devices", &ctx->real_devices_tried, &ctx->real_devices);
}

static const char *
ctx_real_bus(ProbeCtx *ctx)
{
    return ctx_realpath_once(ctx, "/sys/bus/pci/devices", &ctx->real_bus_tried, &ctx->real_bus);
}

static int
ctx_devices_fd(ProbeCtx *ctx)
{
    if (!ctx->devices_fd_tried) {
        const char *real_devices = ctx_real_devices(ctx);
        ctx->devices_fd_tried = TRUE;
        if (real_devices)
            ctx->devices_fd = open(real_devices, O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
    return ctx->devices_fd;
}

/* realpath() of ROOT/sys/bus/pci/devices/BDF without realpath(3), which
 * readlink()s every component from the root (a dozen system calls per
 * device under a sysroot).  The link is read once; its target must be
 * the plain relative form the kernel writes ("../../../devices/pci0000:3a/
 * ...") leading from the canonical bus directory into the canonical
 * devices directory; and openat2(RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH)
 * then proves that every component after that is a real directory beneath
 * it, so the lexical path IS the canonical one.  Anything else returns
 * NULL and the caller asks realpath(3).  On success *fd is the directory
 * opened O_PATH. */
static char *
resolve_device_fast(ProbeCtx *ctx, const char *bdf, int *fd)
{
    const char *real_bus = ctx_real_bus(ctx);
    const char *real_devices = ctx_real_devices(ctx);
    int devices_fd = ctx_devices_fd(ctx);
    g_autofree char *link = NULL;
    g_autofree char *base = NULL;
    g_autofree char *path = NULL;
    char target[PATH_MAX];
    const char *t, *rest, *last;
    struct open_how how = { 0 };
    gsize dlen;
    ssize_t n;
    long r;

    if (!real_bus || !real_devices || devices_fd < 0)
        return NULL;
    link = g_strconcat(real_bus, "/", bdf, NULL);
    n = readlink(link, target, sizeof(target) - 1);
    if (n <= 0 || n >= (ssize_t)sizeof(target) - 1)
        return NULL;   /* not a link, or perhaps cut short */
    target[n] = '\0';
    /* "../" steps up from the canonical bus directory, lexically */
    base = g_strdup(real_bus);
    for (t = target; g_str_has_prefix(t, "../"); t += 3) {
        char *slash = strrchr(base, '/');
        if (!slash || slash == base)
            return NULL;
        *slash = '\0';
    }
    /* then only plain components: no ".", "..", "//" or trailing '/' */
    if (*t == '\0' || *t == '/' || t[strlen(t) - 1] == '/' || strstr(t, "//") ||
        strstr(t, "/./") || strstr(t, "/../") || g_str_has_prefix(t, "./") ||
        g_str_has_suffix(t, "/.") || g_str_has_suffix(t, "/.."))
        return NULL;
    path = g_strconcat(base, "/", t, NULL);
    dlen = strlen(real_devices);
    if (strlen(path) >= PATH_MAX || strncmp(path, real_devices, dlen) != 0 || path[dlen] != '/')
        return NULL;
    rest = path + dlen + 1;
    last = strrchr(rest, '/');
    last = last ? last + 1 : rest;
    if (strcmp(last, bdf) != 0 || strcmp(last, "..") == 0)
        return NULL;
    how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_NO_XDEV;
    r = syscall(SYS_openat2, devices_fd, rest, &how, sizeof(how));
    if (r < 0)
        return NULL;
    *fd = (int)r;
    return g_steal_pointer(&path);
}

/* The device directory must be a real PCI device inside ROOT/sys/devices:
 * a hostile sysroot cannot send us reading /etc through a symlink.  *fd is
 * the directory opened O_PATH, or -1 (then every read of it fails, as the
 * reads of a path that is not a directory did). */
static char *
resolve_device_dir(ProbeCtx *ctx, const char *bdf, int *fd)
{
    g_autofree char *link = NULL;
    const char *real_devices = ctx_real_devices(ctx);
    g_autofree char *real_dev = NULL;
    g_autofree char *prefix = NULL;
    const char *base;

    *fd = -1;
    if (!real_devices)
        return NULL;
    real_dev = resolve_device_fast(ctx, bdf, fd);
    if (real_dev)
        return g_steal_pointer(&real_dev);
    link = dt_paths_printf(ctx->paths, "/sys/bus/pci/devices/%s", bdf);
    real_dev = realpath(link, NULL);
    if (!real_dev)
        return NULL;
    prefix = g_strconcat(real_devices, "/", NULL);
    if (!g_str_has_prefix(real_dev, prefix))
        return NULL;
    base = strrchr(real_dev, '/');
    if (!base || strcmp(base + 1, bdf) != 0)
        return NULL;
    *fd = open(real_dev, O_PATH | O_DIRECTORY | O_CLOEXEC);
    return g_steal_pointer(&real_dev);
}

/* opendir() of path relative to dirfd (following a symlink, as opendir
 * does); NULL if it cannot be read. */
static DIR *
opendir_at(int dirfd, const char *path)
{
    int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d;

    if (fd < 0)
        return NULL;
    d = fdopendir(fd);
    if (!d)
        close(fd);
    return d;
}

static guint
count_virtfns(int dirfd)
{
    DIR *d = opendir_at(dirfd, ".");
    struct dirent *de;
    guint n = 0;

    if (!d)
        return 0;
    while ((de = readdir(d)))
        if (g_str_has_prefix(de->d_name, "virtfn") && is_digits(de->d_name + strlen("virtfn")))
            n++;
    closedir(d);
    return n;
}

static char *
find_vfio_cdev(int dirfd)
{
    DIR *d = opendir_at(dirfd, "vfio-dev");
    struct dirent *de;
    char *found = NULL;

    if (!d)
        return NULL;
    while (!found && (de = readdir(d)))
        if (g_str_has_prefix(de->d_name, "vfio") && is_digits(de->d_name + strlen("vfio")))
            found = g_strdup(de->d_name);
    closedir(d);
    return found;
}

static gboolean
modalias_ok(const char *s)
{
    if (!g_str_has_prefix(s, "pci:") || strlen(s) > 128)
        return FALSE;
    for (const char *p = s; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != ':')
            return FALSE;
    return TRUE;
}

static DtPciDev *
probe_one(ProbeCtx *ctx, const DtPciAddr *addr)
{
    g_autofree char *bdf = dt_pci_addr_to_string(addr);
    int dfd = -1;
    g_autofree char *dir = resolve_device_dir(ctx, bdf, &dfd);
    DtPciDev *d;
    guint64 v;
    char *s = NULL;
    DtPciIds ids;

    if (!dir)
        return NULL;
    d = dt_pcidev_new();
    d->addr = *addr;

    if (read_small_at(dfd, "modalias", &s) == 0) {
        if (modalias_ok(s))
            d->modalias = s;
        else
            g_free(s);
        s = NULL;
    }
    /* One file instead of five: the kernel prints modalias from the same
     * config-space values as vendor, device, subsystem_* and class.  A
     * modalias in any other shape leaves the ids to those files. */
    if (d->modalias && dt_pci_modalias_parse(d->modalias, &ids)) {
        d->vendor = ids.vendor;
        d->device = ids.device;
        d->subsys_vendor = ids.subsys_vendor;
        d->subsys_device = ids.subsys_device;
        d->class_code = ids.class_code;
    } else {
        if (read_hex_at(dfd, "vendor", 0xffff, &v) == 0)
            d->vendor = (guint16)v;
        if (read_hex_at(dfd, "device", 0xffff, &v) == 0)
            d->device = (guint16)v;
        if (read_hex_at(dfd, "subsystem_vendor", 0xffff, &v) == 0)
            d->subsys_vendor = (guint16)v;
        if (read_hex_at(dfd, "subsystem_device", 0xffff, &v) == 0)
            d->subsys_device = (guint16)v;
        if (read_hex_at(dfd, "class", 0xffffff, &v) == 0)
            d->class_code = (guint32)v;
    }
    if (read_link_base_at(dfd, "driver", &s) == 0)
        d->driver = s;
    if (read_link_base_at(dfd, "iommu_group", &s) == 0) {
        guint64 g;
        if (is_digits(s) && dt_parse_u64(s, 10, &g) && g <= G_MAXINT)
            d->iommu_group = (int)g;
        g_free(s);
    }
    if (read_link_base_at(dfd, "iommu", &s) == 0)
        d->iommu_unit = s;
    if (read_link_base_at(dfd, "physfn", &s) == 0) {
        DtPciAddr pf;
        if (dt_pci_addr_parse(s, &pf)) {
            d->is_vf = TRUE;
            d->pf = pf;
        }
        g_free(s);
    }
    /* a VF is never a PF itself: only PFs have virtfnN links to count */
    d->num_vfs = d->is_vf ? 0 : count_virtfns(dfd);
    d->vfio_cdev = find_vfio_cdev(dfd);

    {
        /* A missing modalias file is rebuilt from the ids the kernel would
         * have put in it (drivers/pci/pci-sysfs.c modalias_show). */
        g_autofree char *built = NULL;
        const char *ma = d->modalias;
        if (!ma && d->vendor && d->class_code) {
            ids = (DtPciIds){ d->vendor, d->device, d->subsys_vendor, d->subsys_device,
                              d->class_code };
            built = dt_pci_modalias_print(&ids);
            ma = built;
        }
        if (ma) {
            /* the VFs of one card share a modalias: one lookup for them */
            if (!ctx->last_modalias || strcmp(ctx->last_modalias, ma) != 0) {
                g_free(ctx->last_modalias);
                ctx->last_modalias = g_strdup(ma);
                ctx->last_module = dt_alias_table_lookup(ctx_aliases(ctx), ma);
            }
            d->alias_driver = g_strdup(ctx->last_module);
        }
    }
    if (dfd >= 0)
        close(dfd);
    return d;
}

static void
add_target(GHashTable *t, const DtPaths *paths, const char *abs, DtPciDev *dev)
{
    g_hash_table_insert(t, g_strdup(abs), dev);
    /* a fixture may point its fd links into the sysroot itself */
    if (!dt_paths_is_real_root(paths))
        g_hash_table_insert(t, dt_paths_get(paths, abs), dev);
}

/* A device is in use when a process holds its group node or its cdev open:
 * readlink every DIR/proc/PID/fd/N once for the whole batch.  Unreadable
 * /proc entries (other users' processes without privilege) are skipped. */
static void
scan_in_use(const DtPaths *paths, GPtrArray *devs)
{
    g_autoptr(GHashTable) targets = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autofree char *proc = dt_paths_get(paths, "/proc");
    g_autoptr(GDir) pd = NULL;
    const char *pid;
    guint remaining = 0;

    for (guint i = 0; i < devs->len; i++) {
        DtPciDev *d = g_ptr_array_index(devs, i);
        gboolean any = FALSE;
        if (!dt_driver_is_vfio(d->driver))
            continue;
        if (d->iommu_group >= 0) {
            g_autofree char *g = g_strdup_printf("/dev/vfio/%d", d->iommu_group);
            add_target(targets, paths, g, d);
            any = TRUE;
        }
        if (d->vfio_cdev) {
            g_autofree char *c = g_strdup_printf("/dev/vfio/devices/%s", d->vfio_cdev);
            add_target(targets, paths, c, d);
            any = TRUE;
        }
        if (any)
            remaining++;
    }
    if (remaining == 0)
        return;
    pd = g_dir_open(proc, 0, NULL);
    if (!pd)
        return;
    while (remaining > 0 && (pid = g_dir_read_name(pd))) {
        g_autofree char *fddir = NULL;
        DIR *fdd;
        struct dirent *de;

        if (!is_digits(pid))
            continue;
        fddir = g_build_filename(proc, pid, "fd", NULL);
        fdd = opendir(fddir);
        if (!fdd)
            continue;   /* exited, or not ours to read */
        while (remaining > 0 && (de = readdir(fdd))) {
            char buf[PATH_MAX];
            ssize_t n;
            DtPciDev *d;

            if (!is_digits(de->d_name))
                continue;
            n = readlinkat(dirfd(fdd), de->d_name, buf, sizeof(buf) - 1);
            if (n <= 0)
                continue;
            buf[n] = '\0';
            d = g_hash_table_lookup(targets, buf);
            if (d && !d->in_use) {
                d->in_use = TRUE;
                remaining--;
            }
        }
        closedir(fdd);
    }
}

static int
compare_dev(gconstpointer a, gconstpointer b)
{
    const DtPciDev *x = *(const DtPciDev *const *)a;
    const DtPciDev *y = *(const DtPciDev *const *)b;
    guint64 kx = ((guint64)x->addr.domain << 16) | ((guint64)x->addr.bus << 8) |
                 ((guint64)x->addr.slot << 3) | x->addr.function;
    guint64 ky = ((guint64)y->addr.domain << 16) | ((guint64)y->addr.bus << 8) |
                 ((guint64)y->addr.slot << 3) | y->addr.function;
    return kx < ky ? -1 : kx > ky ? 1 : 0;
}

guint
dt_host_probe_devices(DtHost *host, const DtPaths *paths, const DtPciAddr *addrs,
                      guint n_addrs, DtHostProbeFlags flags)
{
    ProbeCtx ctx = { host, paths, NULL, FALSE, NULL, FALSE, NULL, FALSE, -1, FALSE, NULL, NULL };
    g_autoptr(GPtrArray) fresh = g_ptr_array_new();
    guint found = 0;

    for (guint i = 0; i < n_addrs; i++) {
        DtPciDev *d;
        if (dt_host_find_device(host, &addrs[i])) {
            found++;
            continue;
        }
        d = probe_one(&ctx, &addrs[i]);
        if (!d)
            continue;
        g_ptr_array_add(host->devices, d);
        g_ptr_array_add(fresh, d);
        found++;
    }
    if (!(flags & DT_HOST_PROBE_SKIP_IN_USE))
        scan_in_use(paths, fresh);
    dt_alias_table_free(ctx.aliases);
    free(ctx.real_devices);
    free(ctx.real_bus);
    g_free(ctx.last_modalias);
    if (ctx.devices_fd >= 0)
        close(ctx.devices_fd);
    return found;
}

const DtPciDev *
dt_host_probe_device(DtHost *host, const DtPaths *paths, const DtPciAddr *addr, GError **error)
{
    const DtPciDev *d = dt_host_find_device(host, addr);

    if (d)
        return d;
    if (dt_host_probe_devices(host, paths, addr, 1, DT_HOST_PROBE_DEFAULT) == 1)
        d = dt_host_find_device(host, addr);
    if (!d) {
        g_autofree char *bdf = dt_pci_addr_to_string(addr);
        g_set_error(error, DT_ERROR, DT_ERROR_NOT_FOUND,
                    _("PCI device %s not found on this host"), bdf);
    }
    return d;
}

gboolean
dt_host_probe_all_devices(DtHost *host, const DtPaths *paths, GError **error)
{
    g_autofree char *bus = dt_paths_get(paths, "/sys/bus/pci/devices");
    g_autoptr(GDir) dir = NULL;
    g_autoptr(GArray) addrs = g_array_new(FALSE, FALSE, sizeof(DtPciAddr));
    g_autoptr(GError) local = NULL;
    const char *name;

    dir = g_dir_open(bus, 0, &local);
    if (!dir) {
        /* a host without PCI (or a sysroot without it) has no devices */
        if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return TRUE;
        g_set_error(error, DT_ERROR, DT_ERROR_IO, _("Cannot list %s: %s"), bus, local->message);
        return FALSE;
    }
    while ((name = g_dir_read_name(dir))) {
        DtPciAddr a;
        g_autofree char *canon = NULL;
        if (!dt_pci_addr_parse(name, &a))
            continue;
        canon = dt_pci_addr_to_string(&a);
        if (strcmp(canon, name) != 0)
            continue;
        g_array_append_val(addrs, a);
    }
    dt_host_probe_devices(host, paths, (const DtPciAddr *)(void *)addrs->data, addrs->len,
                          DT_HOST_PROBE_DEFAULT);
    g_ptr_array_sort(host->devices, compare_dev);
    return TRUE;
}

/* ---- shared with the mdev probe (dt-mdev.c) -------------------------------- */

int
dt_host_read_link_base_at(int dirfd, const char *path, char **out)
{
    return read_link_base_at(dirfd, path, out);
}

char *
dt_host_find_vfio_cdev(int dirfd)
{
    return find_vfio_cdev(dirfd);
}
