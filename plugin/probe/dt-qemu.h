/* dt-qemu.h: what a QEMU binary can do for VFIO migration.
 *
 * Read from the real binary (`-version`, `-device vfio-pci,help`, and QMP
 * `query-migrate-capabilities` where needed), cached by path, inode, size
 * and mtime so a hook does not run QEMU on every call.  Which binaries
 * root may run at all is dt-qemu-registry.h's business, not this module's.  A version given by the user
 * (--qemu-version, DIRTYTRACK_QEMU_VERSION) overrides the probe; then the
 * property set is inferred from the version tables in dt-versions.c.
 */
#pragma once

#include <glib.h>
#include "model/dt-model.h"

G_BEGIN_DECLS

/* Probe binary; cache_dir NULL = no cache.  Bounded in time (timeout_ms;
 * 0 = DT_CONFIG_QEMU_PROBE_TIMEOUT_MS,
 * the default of [qemu] probe-timeout-ms). */
DtQemuCaps *dt_qemu_caps_probe(const char *binary, const char *cache_dir,
                               guint timeout_ms, GError **error);
/* Capabilities implied by a version alone (source CONFIG). */
DtQemuCaps *dt_qemu_caps_from_version(const DtVersion *v);
/* Parse `-device vfio-pci,help` output into caps (props_known = TRUE). */
gboolean dt_qemu_caps_parse_help(DtQemuCaps *caps, const char *text);
DtQemuCaps *dt_qemu_caps_copy(const DtQemuCaps *caps);
/* The probe cache's directory: the configured one, else
 * $DIRTYTRACK_CACHE_DIR, else LOCALSTATEDIR/cache/dirtytrack for root and
 * $XDG_CACHE_HOME/dirtytrack for anyone else. */
char *dt_qemu_registry_cache_dir(const char *configured);
/* The system emulator's name for a libvirt arch ("x86_64" ->
 * "qemu-system-x86_64"), NULL for a name that is not an arch. */
char *dt_qemu_system_name(const char *arch);
/* Default binary for an arch ("x86_64" -> qemu-system-x86_64 in PATH). */
char *dt_qemu_default_binary(const char *arch);

G_END_DECLS
