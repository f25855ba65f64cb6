/* dt-host.h: the host probe, over a redirectable root (dt-paths.h).
 *
 * dt_host_probe() reads what every evaluation needs (kernel, IOMMU units,
 * /dev nodes); devices are read on demand with dt_host_probe_device() so
 * that the hook's cost follows the devices a domain references, not the
 * size of the host.  dt_host_probe_all_devices() walks every PCI function
 * for the host report.
 *
 * Missing files are not errors: a fact that cannot be read stays unknown.
 */
#pragma once

#include <glib.h>
#include "model/dt-model.h"
#include "probe/dt-paths.h"

G_BEGIN_DECLS

DtHost *dt_host_probe(const DtPaths *paths, GError **error);
/* Reads one PCI function into host->devices (no-op if already there).
 * Returns the device, or NULL (with error DT_ERROR_NOT_FOUND) if absent. */
const DtPciDev *dt_host_probe_device(DtHost *host, const DtPaths *paths,
                                     const DtPciAddr *addr, GError **error);
/* Added by the host probe: the hook reads several devices per domain and
 * must pay for modules.alias and the /proc scan once, not once per device;
 * and callers that never open devices may skip the /proc scan. */
typedef enum {
    DT_HOST_PROBE_DEFAULT = 0,
    DT_HOST_PROBE_SKIP_IN_USE = 1 << 0,   /* leave in_use FALSE, do not scan /proc */
} DtHostProbeFlags;
/* Reads each listed PCI function into host->devices (those already there
 * are kept).  Absent functions are skipped.  Returns how many of addrs are
 * in host->devices afterwards. */
guint dt_host_probe_devices(DtHost *host, const DtPaths *paths, const DtPciAddr *addrs,
                            guint n_addrs, DtHostProbeFlags flags);
/* Shared with dt-platform.c: a kernel release safe as a path component
 * under /lib/modules and /boot; whether ROOT+abs exists (a directory if
 * want_dir). */
gboolean dt_host_release_is_safe(const char *rel);
gboolean dt_host_path_exists(const DtPaths *paths, const char *abs, gboolean want_dir);
/* Every PCI function under /sys/bus/pci/devices. */
gboolean dt_host_probe_all_devices(DtHost *host, const DtPaths *paths, GError **error);
/* sysfs readers for other device kinds (mdevs), relative to a directory
 * fd: the validated basename of a symlink's target (-errno), and the
 * "vfioN" under vfio-dev/ (NULL if none). */
int dt_host_read_link_base_at(int dirfd, const char *path, char **out);
char *dt_host_find_vfio_cdev(int dirfd);

G_END_DECLS
