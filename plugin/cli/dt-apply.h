/* dt-apply.h: `dirtytrack apply DOMAIN`: writes this host's VF policy and
 * dirtytrack's metadata element into a domain's persistent definition,
 * through the libvirt API (never from a hook: libvirt forbids calling back
 * into itself there).
 *
 * The evaluation uses the persistent definition, with the source role: the
 * policy written is the one this host needs for the domain to leave it.
 * A dry run changes nothing and returns both documents, so the caller can
 * show the difference; dt_apply_diff_unified() renders it without any external
 * diff program.
 */
#pragma once

#include <glib.h>
#include "model/dt-model.h"

G_BEGIN_DECLS

typedef struct {
    const char *uri;              /* NULL: libvirt's default connection */
    const char *domain;           /* name or UUID */
    gboolean dry_run;
    const char *sysroot;
    const char *qemu_version;
    const char *libvirt_version;  /* NULL: the connected libvirt's version */
    const char *config;           /* NULL: the default configuration file */
} DtApplyOptions;

typedef struct {
    char *name;                   /* the domain's name */
    char *old_xml;                /* persistent definition before */
    char *new_xml;                /* what was (or, dry run, would be) defined */
    char *defined_xml;            /* re-read from libvirt after defining; NULL on a dry run */
    char *diff;                   /* unified diff old -> new, "" when unchanged */
    gboolean changed;
    gboolean defined;             /* virDomainDefineXML ran */
    DtVerdict verdict;
    DtMode mode;
} DtApplyResult;

void dt_apply_result_free(DtApplyResult *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DtApplyResult, dt_apply_result_free)

DtApplyResult *dt_apply(const DtApplyOptions *opts, GError **error);

/* Unified diff of two texts, line by line (Myers' algorithm), with
 * `context` lines around each change; "" when they are equal. */
char *dt_apply_diff_unified(const char *a, const char *b, const char *label_a, const char *label_b,
                      guint context);

G_END_DECLS
