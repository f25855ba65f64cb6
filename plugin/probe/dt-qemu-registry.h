/* dt-qemu-registry.h: the QEMU binaries root may run to probe them.
 *
 * A domain XML is input from whoever asks (any user may call the daemon's
 * Evaluate; root runs `dirtytrack check FILE` on files it did not write),
 * so its <emulator> must never decide what root executes.  Trusted are the
 * binaries the configuration names ([qemu] binary and trusted) and the
 * standard system emulators (/usr/bin/qemu-system-*, /usr/bin/qemu-kvm,
 * /usr/libexec/qemu-kvm), each only when it and every directory on the
 * way to it (symlinks followed) belong to root and nobody else may write
 * them.  A domain's <emulator> selects among those; any other is never
 * run.  Each trusted binary is probed once per identity (path, device,
 * inode, size, mtime) however many evaluations ask.
 */
#pragma once

#include <glib.h>
#include "model/dt-config.h"
#include "model/dt-model.h"

G_BEGIN_DECLS

typedef struct DtQemuRegistry DtQemuRegistry;

/* binary: the QEMU that stands for every domain's (NULL: none); trusted:
 * more binaries domains may select (NULL-terminated, may be NULL);
 * cache_dir: the probe cache (NULL: none).  Nothing is run before
 * dt_qemu_registry_refresh() or a lookup. */
DtQemuRegistry *dt_qemu_registry_new(const char *binary, const char *const *trusted,
                                     const char *cache_dir);
/* From the configuration: [qemu] binary and trusted (';'-separated), and
 * the probe cache of dt_qemu_registry_cache_dir(). */
DtQemuRegistry *dt_qemu_registry_new_for_config(const DtConfig *cfg);
void dt_qemu_registry_free(DtQemuRegistry *r);

/* Probes every trusted binary whose identity changed since its last probe
 * (all of them the first time); returns how many were probed.  Safe from
 * any thread, as is dt_qemu_registry_caps(). */
guint dt_qemu_registry_refresh(DtQemuRegistry *r);

/* What a domain's evaluation uses: the configured binary when there is
 * one, else the domain's <emulator> when trusted, else the standard
 * emulator for arch (when the domain names none).  When the binary chosen
 * is not trusted, *untrusted gets a translated sentence saying which and
 * why, and the answer is an unknown QEMU's: the file is never run.  Never
 * NULL. */
DtQemuCaps *dt_qemu_registry_caps(DtQemuRegistry *r, const char *emulator, const char *arch,
                                  char **untrusted);

/* Whether path may be run by root: it and each directory its lookup
 * passes through (symlinks resolved one hop at a time, at most 40) are
 * owned by root and writable by nobody else; a directory others may
 * write counts only with the sticky bit set and a root-owned entry next
 * (then only root may rename or remove it: unlink(2), EPERM).  *resolved
 * (may be NULL) gets the path without symlinks. */
gboolean dt_qemu_registry_path_trusted(const char *path, char **resolved, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DtQemuRegistry, dt_qemu_registry_free)

G_END_DECLS
