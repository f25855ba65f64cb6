/* dt-config.h: /etc/dirtytrack/dirtytrack.conf (GKeyFile, schema in
 * schemas/dirtytrack-conf.rng as documented keys).  The config gives the
 * host-wide policy defaults; a domain's metadata overrides them.
 */
#pragma once

#include <glib.h>
#include "model/dt-model.h"

G_BEGIN_DECLS

#define DT_CONFIG_DEFAULT_PATH SYSCONFDIR "/dirtytrack/dirtytrack.conf"
/* The default deadline of one QEMU probe (three runs of QEMU). */
#define DT_CONFIG_QEMU_PROBE_TIMEOUT_MS 3000

typedef struct {
    DtPolicy policy;
    guint hook_deadline_ms;     /* [hook] deadline-ms, 100..30000, default 2000 */
    gboolean hook_fail_open;    /* [hook] on-timeout = allow|deny, default allow */
    gboolean hook_use_daemon;   /* [hook] use-daemon, default true */
    gboolean gate_start;        /* [hook] gate-start: prepare refuses unmigratable when required */
    gboolean hook_preflight;    /* [hook] preflight: dry-run DMA logging / HWPT on free devices
                                 * before accepting an incoming migration (opens them) */
    char *qemu_binary;          /* [qemu] binary, NULL = by arch */
    char *qemu_trusted;         /* [qemu] trusted: more binaries root may probe (';'-list) */
    char *cache_dir;            /* [qemu] cache-dir */
    guint qemu_probe_timeout_ms; /* [qemu] probe-timeout-ms, 500..60000, default 3000 */
    char *path;                 /* file it came from, NULL = built-in defaults */
} DtConfig;

/* The loader's key table, for the schema test (schemas/dirtytrack-conf.schema):
 * type is "bool", "uint", "string" or "enum"; values is the ';'-separated
 * word list of an enum, from the enum's own table (NULL otherwise; free
 * it); min and max bound a uint. */
guint dt_config_n_keys(void);
void dt_config_key_info(guint i, const char **group, const char **key, const char **type,
                        char **values, guint64 *min, guint64 *max);

DtConfig *dt_config_new_defaults(void);
/* The file dt_config_load(NULL) reads: $DIRTYTRACK_CONFIG, else
 * DT_CONFIG_DEFAULT_PATH. */
const char *dt_config_default_path(void);
/* path NULL: dt_config_default_path(); a missing default file is not an
 * error (defaults apply), a missing explicit one is.  Anything else that is
 * wrong is an error, DT_ERROR_INVALID_INPUT with one line
 * "FILE:LINE: [GROUP] KEY: what is wrong" (FILE: ... when no line applies),
 * never a silent default: the hook, the daemon and `dirtytrack config
 * check` all load through here. */
DtConfig *dt_config_load(const char *path, GError **error);
void dt_config_free(DtConfig *c);


G_DEFINE_AUTOPTR_CLEANUP_FUNC(DtConfig, dt_config_free)

G_END_DECLS
