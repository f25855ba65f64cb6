/* dt-client.h: the CLI's side of dirtytrackd's D-Bus API.
 *
 * `dirtytrack check --via-daemon=auto|yes|no`: with auto (the default) the
 * CLI asks a running daemon and evaluates in-process when there is none,
 * so it works the same on a host without the service.  The bus is the
 * system bus, or $DIRTYTRACK_BUS_ADDRESS (tests).  Every question has a
 * deadline (DtClientOptions.timeout_ms) that covers the whole exchange,
 * connecting to the bus included.
 */
#pragma once

#include <glib.h>
#include "model/dt-model.h"

G_BEGIN_DECLS

typedef struct {
    DtRole role;
    const char *qemu_version;
    const char *libvirt_version;
    guint timeout_ms;          /* for everything, from the call on */
} DtClientOptions;

/* The CLI's deadline for the daemon when none is given: well under the
 * hook's 2 s, since a person waits. */
#define DT_CLIENT_DEFAULT_TIMEOUT_MS 1000

/* Evaluate through the daemon.  Returns the report JSON (newly allocated)
 * or NULL with an error: DT_ERROR_NOT_FOUND when there is no bus or no
 * daemon on it, DT_ERROR_TIMEOUT when the bus or the daemon did not answer
 * within the deadline, DT_ERROR_INVALID_INPUT when the daemon refused the
 * document, DT_ERROR_FAILED otherwise. */
char *dt_client_evaluate(const char *xml, gsize len, const DtClientOptions *opts,
                         GError **error);

G_END_DECLS
