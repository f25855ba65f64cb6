/* PLACEHOLDER: replaced by the module's real implementation. */
#include "config.h"
#include "dt-host.h"
#include "dt-util.h"
DtHost *dt_host_probe(const DtPaths *paths, GError **error) { g_set_error(error, DT_ERROR, DT_ERROR_FAILED, "x"); return NULL; }
const DtPciDev *dt_host_probe_device(DtHost *host, const DtPaths *paths, const DtPciAddr *addr, GError **error) { return NULL; }
gboolean dt_host_probe_all_devices(DtHost *host, const DtPaths *paths, GError **error) { return FALSE; }
gboolean dt_pcidev_is_vfio_candidate(const DtPciDev *d) { return FALSE; }
gboolean dt_driver_is_vfio(const char *driver) { return FALSE; }
