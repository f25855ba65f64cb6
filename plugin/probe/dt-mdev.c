/* dt-mdev.c: mdevs from sysfs and from the kernel's own answers, and
 * whether the kernel can report logged DMA at all.
 *
 * Sysfs layout (Linux drivers/vfio/mdev/mdev_core.c, mdev_device_create,
 * and mdev_sysfs.c): the mdev is a child of its parent device, so
 * /sys/bus/mdev/devices/UUID resolves to PARENT/UUID; "mdev_type" links to
 * PARENT/mdev_supported_types/TYPE (TYPE is "<driver>-<name>", "mtty-1");
 * "driver" is the vendor's mdev_driver (since 5.19, commit 6c7f98b334a3
 * "vfio/mdev: Remove vfio_mdev.c", no longer the generic vfio_mdev);
 * "iommu_group" is the group VFIO made for the emulated IOMMU
 * (vfio_register_emulated_iommu_dev) and "vfio-dev/vfioN" the cdev.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "probe/dt-host.h"
#include "probe/dt-mdev.h"
#include "model/dt-util.h"
#include "model/dt-versions.h"

typedef DtMdevDev DtMdevDevAuto;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DtMdevDevAuto, dt_mdevdev_free)

/* The canonical lowercase form dt-domain.c writes; anything else could
 * walk out of /sys/bus/mdev/devices. */
static gboolean
uuid_ok(const char *uuid)
{
    if (!uuid || strlen(uuid) != 36)
        return FALSE;
    for (guint i = 0; i < 36; i++) {
        gboolean dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? uuid[i] != '-' : !g_ascii_isxdigit(uuid[i]))
            return FALSE;
    }
    return TRUE;
}

static int
group_number(int dirfd)
{
    g_autofree char *s = NULL;
    guint64 g;

    if (dt_host_read_link_base_at(dirfd, "iommu_group", &s) < 0 ||
        !g_ascii_string_to_unsigned(s, 10, 0, G_MAXINT, &g, NULL))
        return -1;
    return (int)g;
}

DtMdevDev *
dt_mdev_probe_sysfs(const DtPaths *paths, const char *uuid, int *iommu_group, GError **error)
{
    g_autofree char *dir = NULL;
    g_autofree char *real = NULL;
    g_autoptr(DtMdevDevAuto) m = NULL;
    int dfd, pfd;

    if (iommu_group)
        *iommu_group = -1;
    if (!uuid_ok(uuid)) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT, _("Invalid mdev uuid '%s'"),
                    uuid ? uuid : "");
        return NULL;
    }
    dir = dt_paths_printf(paths, "/sys/bus/mdev/devices/%s", uuid);
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        int err = errno;
        g_set_error(error, DT_ERROR, err == ENOENT ? DT_ERROR_NOT_FOUND : DT_ERROR_IO,
                    _("mdev %s is not on this host (%s): %s"), uuid, dir, g_strerror(err));
        return NULL;
    }
    m = dt_mdevdev_new();
    m->uuid = g_strdup(uuid);
    dt_host_read_link_base_at(dfd, "mdev_type", &m->type);
    m->vfio_cdev = dt_host_find_vfio_cdev(dfd);
    if (iommu_group)
        *iommu_group = group_number(dfd);

    /* The parent is the directory the mdev sits in.  Its driver names the
     * vendor (i915, nvidia); a parent no driver is bound to (the mtty
     * sample's class device) leaves the mdev's own mdev_driver. */
    real = realpath(dir, NULL);
    if (real) {
        g_autofree char *pdir = g_path_get_dirname(real);
        m->parent = g_path_get_basename(pdir);
        pfd = open(pdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (pfd >= 0) {
            dt_host_read_link_base_at(pfd, "driver", &m->vendor_driver);
            close(pfd);
        }
    }
    if (!m->vendor_driver)
        dt_host_read_link_base_at(dfd, "driver", &m->vendor_driver);
    close(dfd);
    return g_steal_pointer(&m);
}

DtVfioReport *
dt_mdev_probe_ioctl(const DtHost *host, const DtPaths *paths, DtMdevDev *m, GError **error)
{
    g_autoptr(DtVfioReport) r = g_new0(DtVfioReport, 1);
    g_autoptr(DtVfioHandle) h = NULL;
    g_autofree char *holder = NULL;
    g_autofree char *dir = dt_paths_printf(paths, "/sys/bus/mdev/devices/%s", m->uuid);
    DtVfioFeatures f = { DT_FACT_UNKNOWN, 0, DT_FACT_UNKNOWN, 0, DT_FACT_UNKNOWN };
    int group = -1, dfd, rc;

    r->address = g_strdup(m->uuid);
    r->source = DT_SOURCE_NONE;
    /* the group is read again: it is not part of the engine's facts */
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        group = group_number(dfd);
        close(dfd);
    }
    if (group < 0 && !m->vfio_cdev) {
        dt_vfio_report_note(r, "no IOMMU group and no cdev: not a VFIO mdev");
        return g_steal_pointer(&r);
    }

    /* The in-use check PCI devices get (dt-vfio.h): a held mdev is never
     * opened; opening resets it and a second open is refused anyway. */
    rc = dt_vfio_find_node_holder(paths, group, m->vfio_cdev, &holder);
    if (rc > 0) {
        r->in_use = TRUE;
        r->in_use_by = g_steal_pointer(&holder);
        return g_steal_pointer(&r);
    }
    if (rc < 0)
        dt_vfio_report_note(r, "cannot scan /proc: %s", g_strerror(-rc));

    rc = dt_vfio_open_named(paths, host, m->uuid, group, m->vfio_cdev, &h);
    if (rc == -EBUSY) {
        r->in_use = TRUE;
        r->in_use_by = g_strdup("the kernel refused a second open (EBUSY/EINVAL)");
        return g_steal_pointer(&r);
    }
    if (rc < 0) {
        dt_vfio_report_note(r, "open failed: %s", g_strerror(-rc));
        return g_steal_pointer(&r);
    }
    r->access = dt_vfio_handle_access(h);
    rc = dt_vfio_probe_features(h, r, &f);
    if (rc == -ENODEV) {
        m->migration = m->dma_logging = DT_FACT_UNKNOWN;
        g_set_error(error, DT_ERROR, DT_ERROR_NOT_FOUND,
                    _("mdev %s vanished while it was being probed (ENODEV)"), m->uuid);
        return NULL;
    }
    if (rc < 0) {
        dt_vfio_report_note(r, "ioctl probe failed: %s", g_strerror(-rc));
        return g_steal_pointer(&r);
    }
    m->migration = f.migration;
    m->mig_flags = f.mig_flags;
    m->dma_logging = f.dma_logging;
    if (f.stop_copy_bytes)
        m->stop_copy_bytes = f.stop_copy_bytes;
    r->source = DT_SOURCE_IOCTL;

    /* A vendor mdev driver does not select IOMMUFD_DRIVER (mlx5 and pds
     * do), so whether its reports work is the kernel's: one page logged,
     * reported and stopped on the idle mdev says it. */
    if (m->dma_logging.value == DT_TRI_YES) {
        guint page = host->page_size ? host->page_size : (guint)sysconf(_SC_PAGESIZE);
        const DtRange one = { 0, page };
        DtFact report = DT_FACT_UNKNOWN;
        g_autoptr(GError) local = NULL;

        if (dt_vfio_dry_run_logging(h, host, &one, 1, page, &report, &local))
            m->dma_logging_report = report;
        else
            dt_vfio_report_note(r, "DMA logging report probe: %s", local->message);
    }
    return g_steal_pointer(&r);
}

/* ---- the kernel's iova_bitmap ------------------------------------------- */

/* /proc/kallsyms lists every symbol of the kernel and its loaded modules
 * by name to any reader (kptr_restrict hides only the addresses).  The
 * iova_bitmap's exported API (drivers/iommu/iommufd/iova_bitmap.c since
 * 6.7, drivers/vfio/iova_bitmap.c before) shows that the code is there;
 * vfio's own symbols without it show that it is not.  Returns YES, NO, or
 * UNKNOWN (no table, or no vfio loaded to compare with). */
static DtTri
kallsyms_iova_bitmap(const DtPaths *paths)
{
    g_autofree char *path = dt_paths_get(paths, "/proc/kallsyms");
    gboolean vfio = FALSE;
    char line[512];
    FILE *fp;
    int fd;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
    if (fd < 0)
        return DT_TRI_UNKNOWN;
    fp = fdopen(fd, "r");
    if (!fp) {
        close(fd);
        return DT_TRI_UNKNOWN;
    }
    while (fgets(line, sizeof(line), fp)) {
        /* "ADDRESS TYPE NAME[\t[MODULE]]" */
        char *name = strchr(line, ' ');
        gsize n;

        if (!name || !(name = strchr(name + 1, ' ')))
            continue;
        name++;
        n = strcspn(name, " \t\n");
        if (n == strlen("iova_bitmap_alloc") && strncmp(name, "iova_bitmap_alloc", n) == 0) {
            fclose(fp);
            return DT_TRI_YES;
        }
        if (n == strlen("vfio_register_group_dev") &&
            strncmp(name, "vfio_register_group_dev", n) == 0)
            vfio = TRUE;
    }
    fclose(fp);
    return vfio ? DT_TRI_NO : DT_TRI_UNKNOWN;
}

DtTri
dt_mdev_iommufd_driver(const DtHost *host, const DtPaths *paths, const char **how)
{
    const char *dummy;
    DtTri t;

    if (!how)
        how = &dummy;
    *how = NULL;
    /* Before 6.7 the iova_bitmap was part of vfio itself (moved by commit
     * 8c9c727b6142 "vfio: Move iova_bitmap into iommufd"): reports work
     * whatever the configuration. */
    if (dt_versions_kernel_has(DT_KF_HWPT_DIRTY, &host->kernel) == DT_TRI_NO) {
        *how = "kernel before 6.7: vfio carries the iova_bitmap";
        return DT_TRI_YES;
    }
    t = kallsyms_iova_bitmap(paths);
    if (t != DT_TRI_UNKNOWN) {
        *how = t == DT_TRI_YES ? "/proc/kallsyms lists iova_bitmap_alloc"
                               : "/proc/kallsyms lists vfio but no iova_bitmap_alloc";
        return t;
    }
    /* IOMMUFD_DRIVER is a hidden option: the Intel, AMD and SMMUv3 IOMMU
     * drivers "select IOMMUFD_DRIVER if IOMMUFD" (drivers/iommu/intel/
     * Kconfig, amd/Kconfig, arm/arm-smmu-v3/Kconfig), mlx5 and pds
     * unconditionally.  /dev/iommu means IOMMUFD; a unit of one of those
     * drivers means the driver is built in. */
    if (host->dev_iommu) {
        for (guint i = 0; host->iommus && i < host->iommus->len; i++) {
            const DtIommu *u = g_ptr_array_index(host->iommus, i);
            if (u->vendor != DT_IOMMU_VENDOR_UNKNOWN) {
                *how = "/dev/iommu and an IOMMU driver that selects IOMMUFD_DRIVER";
                return DT_TRI_YES;
            }
        }
    }
    return DT_TRI_UNKNOWN;
}

/* ---- per domain --------------------------------------------------------- */

void
dt_mdev_probe_domain(DtHost *host, const DtPaths *paths, const DtDomain *dom,
                     DtMdevProbeFlags flags)
{
    gboolean any = FALSE;

    for (guint i = 0; i < dom->hostdevs->len; i++) {
        const DtHostdev *h = g_ptr_array_index(dom->hostdevs, i);
        g_autoptr(GError) local = NULL;
        DtMdevDev *m;

        if (h->type != DT_HOSTDEV_MDEV || !h->mdev_uuid)
            continue;
        any = TRUE;
        if (dt_host_find_mdev(host, h->mdev_uuid))
            continue;
        m = dt_mdev_probe_sysfs(paths, h->mdev_uuid, NULL, &local);
        if (!m) {
            g_debug("mdev probe: %s", local->message);
            continue;
        }
        g_ptr_array_add(host->mdevs, m);
        if (flags & DT_MDEV_PROBE_IOCTL) {
            g_autoptr(DtVfioReport) r = dt_mdev_probe_ioctl(host, paths, m, &local);
            if (!r)
                g_debug("mdev probe: %s", local->message);
            else if (r->note || r->in_use)
                g_debug("mdev probe %s: %s%s%s", m->uuid, r->in_use ? "in use: " : "",
                        r->in_use_by ? r->in_use_by : "", r->note ? r->note : "");
        }
    }
    if (any && host->iommufd_driver == DT_TRI_UNKNOWN) {
        const char *how = NULL;
        host->iommufd_driver = dt_mdev_iommufd_driver(host, paths, &how);
        g_debug("iommufd driver: %s (%s)",
                host->iommufd_driver == DT_TRI_YES ? "yes"
                : host->iommufd_driver == DT_TRI_NO ? "no" : "unknown",
                how ? how : "nothing shows it");
    }
}

/* ---- pre-flight ----------------------------------------------------------- */

gboolean
dt_mdev_preflight(const DtDecision *d, DtHost *host, const DtPaths *paths, GError **error)
{
    gboolean changed = FALSE;

    /* DMA logging is started only where QEMU would start it: the engine
     * computed ranges for a container in device mode. */
    if (!d->n_ranges)
        return FALSE;
    for (guint i = 0; i < d->devices->len; i++) {
        const DtDeviceFinding *f = g_ptr_array_index(d->devices, i);
        g_autoptr(GError) local = NULL;
        g_autoptr(DtVfioHandle) h = NULL;
        g_autofree char *dir = NULL;
        DtMdevDev *m = NULL;
        DtFact report = DT_FACT_UNKNOWN;
        int group = -1, dfd;

        if (!f->is_mdev || !f->present || f->failover)
            continue;
        for (guint j = 0; host->mdevs && j < host->mdevs->len && !m; j++) {
            DtMdevDev *c = g_ptr_array_index(host->mdevs, j);
            if (g_strcmp0(c->uuid, f->address) == 0)
                m = c;
        }
        if (!m || m->migration.value != DT_TRI_YES || m->dma_logging.value != DT_TRI_YES)
            continue;
        dir = dt_paths_printf(paths, "/sys/bus/mdev/devices/%s", m->uuid);
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            group = group_number(dfd);
            close(dfd);
        }
        if (dt_vfio_open_for_dry_run(host, paths, m->uuid, group, m->vfio_cdev, FALSE, &h,
                                     &local) &&
            dt_vfio_dry_run_logging(h, host, d->ranges, d->n_ranges, d->log_page_size, &report,
                                    &local)) {
            if (report.value != m->dma_logging_report.value ||
                report.source != m->dma_logging_report.source)
                changed = TRUE;
            m->dma_logging_report = report;
            continue;
        }
        if (g_error_matches(local, DT_ERROR, DT_ERROR_BUSY))
            continue;   /* held by its VM: nothing to try, not a refusal */
        g_debug("pre-flight %s: %s", m->uuid, local->message);
        if (error && !*error)
            *error = g_steal_pointer(&local);
    }
    return changed;
}
