/* PLACEHOLDER: replaced by the module's real implementation. */
#include "config.h"
#include "dt-qemu.h"
DtQemuCaps *dt_qemu_caps_probe(const char *binary, const char *cache_dir, guint timeout_ms, GError **error) { return NULL; }
DtQemuCaps *dt_qemu_caps_from_version(const DtVersion *v) { return dt_qemu_caps_new(); }
gboolean dt_qemu_caps_parse_help(DtQemuCaps *caps, const char *text) { return FALSE; }
const char *dt_qemu_band(const DtVersion *v) { return "unknown"; }
char *dt_qemu_default_binary(const char *arch) { return NULL; }
