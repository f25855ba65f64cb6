/* dt-qemu.h: what a QEMU binary can do for VFIO migration.
 *
 * Read from the real binary (`-version`, `-device vfio-pci,help`, and QMP
 * `query-migrate-capabilities` where needed), cached by path and mtime so a
 * hook does not run QEMU on every call.  A version given by the user
 * (--qemu-version, DIRTYTRACK_QEMU_VERSION) overrides the probe; then the
 * property set is inferred from the version tables in dt-versions.c.
 */
#pragma once

#include <glib.h>
#include "dt-model.h"

G_BEGIN_DECLS

/* Probe binary; cache_dir NULL = no cache.  Bounded in time (timeout_ms). */
DtQemuCaps *dt_qemu_caps_probe(const char *binary, const char *cache_dir,
                               guint timeout_ms, GError **error);
/* Capabilities implied by a version alone (source CONFIG). */
DtQemuCaps *dt_qemu_caps_from_version(const DtVersion *v);
/* Parse `-device vfio-pci,help` output into caps (props_known = TRUE). */
gboolean dt_qemu_caps_parse_help(DtQemuCaps *caps, const char *text);
/* Version band name used by the rules (dt-versions.c): "7.2" (and older),
 * "8.0", "8.1", "8.2", "9.0", "9.1", "10.0", "10.1", "10.2", "11.0+";
 * "unknown". */
const char *dt_qemu_band(const DtVersion *v);
/* Default binary for an arch ("x86_64" -> qemu-system-x86_64 in PATH). */
char *dt_qemu_default_binary(const char *arch);

G_END_DECLS
