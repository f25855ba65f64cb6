/* dt-eval.h: one evaluation, end to end, as the CLI, the hook and the
 * daemon all need it: parse the domain XML, probe the host and exactly the
 * devices the domain references, find the QEMU capabilities, merge the
 * policy (config, then the domain's metadata) and run the pure decision.
 *
 * Everything with I/O lives here or below; dt_decide() stays pure.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>
#include "model/dt-config.h"
#include "model/dt-model.h"
#include "probe/dt-paths.h"
#include "probe/dt-qemu-registry.h"
#include "model/dt-vdb.h"

G_BEGIN_DECLS

/* Supplies the host of one evaluation instead of probing it: the host-wide
 * facts and the listed PCI functions (absent ones left out), as a new
 * DtHost the evaluation then owns.  It may return NULL, and the evaluation
 * probes as usual.  The daemon answers from its host snapshot, each device
 * revalidated (dtd-manager.c). */
typedef DtHost *(*DtEvalHostFunc)(const DtPciAddr *addrs, guint n_addrs, gpointer user_data);

/* Fills in, for devices the evaluation could not ask (neither ioctls nor
 * the pre-flight were allowed, debugfs said nothing), what the kernel
 * answered about them earlier while they were idle.  Called after sysfs,
 * debugfs and the mdevs were read; it only fills facts whose source is
 * NONE.  The daemon remembers those answers (dtd-observed.c). */
typedef void (*DtEvalRecallFunc)(DtHost *host, const DtPaths *paths, gpointer user_data);

typedef struct {
    const char *sysroot;          /* NULL: $DIRTYTRACK_SYSROOT or "/" */
    DtRole role;
    const char *qemu_version;     /* NULL: $DIRTYTRACK_QEMU_VERSION, else probe the binary */
    const char *libvirt_version;  /* NULL: $DIRTYTRACK_LIBVIRT_VERSION, else the build's libvirt */
    const DtConfig *config;       /* NULL: built-in defaults */
    const DtVdb *vdb;             /* NULL: load the default database */
    gboolean probe_ioctl;         /* ask idle VFIO devices through ioctls (resets them) */
    gboolean preflight;           /* dry-run the chosen tracking on free devices (opens them) */
    DtEvalHostFunc host_func;     /* NULL: probe the host (sysroot) */
    DtQemuRegistry *qemu_registry; /* the binaries that may be run; NULL: one made from the
                                    * config when running as root, else any (as this user) */
    gpointer host_data;
    DtEvalRecallFunc recall;      /* NULL: nothing remembered */
    gpointer recall_data;
} DtEvalOptions;

typedef struct {
    DtDomain *domain;
    DtHost *host;
    DtQemuCaps *qemu;
    DtPolicy policy;
    DtVersion libvirt;
    DtDecision *decision;
    char *qemu_untrusted;         /* why the domain's emulator was not run, or NULL */
} DtEvaluation;

/* The pieces of an evaluation that `export` needs too, so both faces read
 * the same facts the same way. */

/* QEMU capabilities: an explicit version wins (version, then
 * $DIRTYTRACK_QEMU_VERSION); else the binary is probed (NULL: none, and the
 * version stays unknown, which the decision engine reports), with the cache
 * of dt_qemu_registry_cache_dir(cache_dir), within timeout_ms (0: the probe's
 * default).  The caller answers for the binary: a
 * domain's <emulator> goes through dt-qemu-registry.h first. */
DtQemuCaps *dt_eval_qemu_caps(const char *version, const char *binary, const char *cache_dir,
                              guint timeout_ms, GError **error);
/* version, else $DIRTYTRACK_LIBVIRT_VERSION, else the libvirt of this build. */
gboolean dt_eval_libvirt_version(const char *version, DtVersion *out, GError **error);
/* Kernel facts over database facts for every VFIO-bound device of host: by
 * ioctl only when asked (opening an idle device resets it), else from vfio
 * debugfs (6.18+), which is safe while QEMU holds the device. */
void dt_eval_kernel_facts(DtHost *host, const DtPaths *paths, gboolean probe_ioctl);

DtEvaluation *dt_evaluate(const char *xml, gsize len, const DtEvalOptions *opts, GError **error);
/* The same from a domain document already parsed (dt_xml_parse(), root
 * "domain"), which is only read: a face that rewrites the domain afterwards
 * passes it on to dt_rewrite_domain_doc() instead of parsing twice. */
DtEvaluation *dt_evaluate_doc(xmlDoc *doc, const DtEvalOptions *opts, GError **error);
void dt_evaluation_free(DtEvaluation *e);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DtEvaluation, dt_evaluation_free)

/* vdb, or else the default database loaded into *owned (which the caller
 * frees); NULL with an error naming the database. */
const DtVdb *dt_eval_vdb(const DtVdb *vdb, DtVdb **owned, GError **error);

G_END_DECLS
