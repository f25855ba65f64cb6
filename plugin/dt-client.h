/* dt-client.h: the CLI's side of dirtytrackd's D-Bus API.
 *
 * `dirtytrack check --via-daemon=auto|yes|no`: with auto (the default) the
 * CLI asks a running daemon and evaluates in-process when there is none,
 * so it works the same on a host without the service.  The bus is the
 * system bus, or $DIRTYTRACK_BUS_ADDRESS (tests).
 */
#pragma once

#include <glib.h>
#include "dt-model.h"

G_BEGIN_DECLS

typedef struct {
    DtRole role;
    const char *qemu_version;
    const char *libvirt_version;
    guint timeout_ms;
} DtClientOptions;

/* TRUE when the daemon's name has an owner on the bus. */
gboolean dt_client_daemon_running(void);

/* Evaluate through the daemon.  Returns the report JSON (newly allocated)
 * or NULL with an error (DT_ERROR_NOT_FOUND when no daemon runs). */
char *dt_client_evaluate(const char *xml, gsize len, const DtClientOptions *opts,
                         GError **error);

G_END_DECLS
