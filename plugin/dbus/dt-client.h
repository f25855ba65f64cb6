/* dt-client.h: the client side of dirtytrackd's D-Bus API, for the CLI
 * and the hook.
 *
 * One private connection (DtClient) to the system bus, or to
 * $DIRTYTRACK_BUS_ADDRESS (tests), with one deadline that every call on it
 * shares; calls never start the daemon by bus activation.  The calls block
 * (libdbus' own loop), as a short-lived process wants.
 *
 * Not every step of libdbus takes a timeout: connecting and the
 * authentication before Hello block on a bus that is stopped (SIGSTOP, a
 * hung dbus-daemon).  The hook bounds that itself (its worker is killed at
 * the deadline); for the CLI, dt_client_ask() runs the whole exchange in a
 * thread and waits for it at most its deadline.
 *
 * Errors: DT_ERROR_NOT_FOUND when there is no bus or no daemon on it,
 * DT_ERROR_TIMEOUT when the bus or the daemon did not answer before the
 * deadline, DT_ERROR_INVALID_INPUT when the daemon refused the document,
 * DT_ERROR_FAILED otherwise (another error of the daemon, one that died
 * during the call, an answer of another shape).
 */
#pragma once

#include <glib.h>

#include "model/dt-model.h"

G_BEGIN_DECLS

typedef struct DtClient DtClient;

typedef struct {
    DtRole role;
    const char *qemu_version;  /* NULL: the daemon's own */
    const char *libvirt_version;
    const char *op;            /* the hook operation that asks; NULL: none (Filter: migrate) */
    guint timeout_ms;          /* dt_client_ask(): for everything, from the call on */
} DtClientOptions;

/* An Evaluate or Filter answer: the decision's verdict, mode and reasons
 * as the daemon typed them (docs/dbus-api.md, ApiVersion 3), the report
 * and, for Filter, the new definition. */
typedef struct {
    DtVerdict verdict;
    DtMode mode;
    GPtrArray *reasons;        /* DtReason*: code, severity, device (NULL: none), message */
    char *report_json;
    char *new_xml;             /* Filter: NULL when nothing changes */
} DtClientAnswer;

void dt_client_answer_free(DtClientAnswer *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DtClientAnswer, dt_client_answer_free)

/* The CLI's deadline for the daemon when none is given: well under the
 * hook's 2 s, since a person waits. */
#define DT_CLIENT_DEFAULT_TIMEOUT_MS 1000

/* Connects; every call on the connection ends within timeout_ms from now. */
DtClient *dt_client_open(guint timeout_ms, GError **error);
void dt_client_close(DtClient *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DtClient, dt_client_close)

/* Whether the daemon owns its name (the bus answers; DT_ERROR_NOT_FOUND
 * when it does not). */
gboolean dt_client_daemon_running(DtClient *c, GError **error);
/* The root the daemon evaluates: its Config property's "sysroot" (NULL
 * when it names none). */
gboolean dt_client_daemon_sysroot(DtClient *c, char **sysroot, GError **error);

/* Evaluate and Filter; xml (len bytes, then a NUL) must be valid UTF-8
 * without NUL, at most DT_XML_MAX_BYTES (else DT_ERROR_INVALID_INPUT,
 * before any call). */
DtClientAnswer *dt_client_evaluate(DtClient *c, const char *xml, gsize len,
                                   const DtClientOptions *opts, GError **error);
DtClientAnswer *dt_client_filter(DtClient *c, const char *xml, gsize len,
                                 const DtClientOptions *opts, GError **error);
/* HookEvent (privileged); TRUE once the daemon answered. */
gboolean dt_client_hook_event(DtClient *c, const char *name, const char *op, const char *subop,
                              const char *xml, GError **error);

/* The CLI's question: connect, is the daemon there, Evaluate; all of it
 * within opts->timeout_ms, whatever blocks. */
DtClientAnswer *dt_client_ask(const char *xml, gsize len, const DtClientOptions *opts,
                              GError **error);

G_END_DECLS
