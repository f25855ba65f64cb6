/* dt-log.h: the decisions that matter, in the system log.
 *
 * The hook's stderr reaches a person only when libvirt fails the
 * operation; on exit 0 libvirt drops it.  So every refusal and every pass
 * that was not a verdict (a deadline, a hung or absent daemon, a broken
 * configuration) is also one syslog(3) line, LOG_DAEMON, with the ident
 * of the program ("dirtytrack-hook", "dirtytrackd"):
 *
 *   refused domain="vm1" op=migrate/begin reason=perpetual-forbidden via=daemon: ...
 *   unchecked domain="vm1" op=migrate/begin reason=daemon-timeout via=timeout: ...
 *   fallback domain="vm1" op=migrate/begin reason=daemon-absent via=in-process: ...
 *
 * The words before the colon are stable (never translated), for a log
 * filter; the text after it is the message the caller saw.
 *
 * Rate limit: at most DT_LOG_BURST lines per (program, domain, decision,
 * reason) and minute, counted across processes in a small state file under
 * DT_LOG_RUNTIME_DIR ($DIRTYTRACK_RUNTIME_DIR), because each hook run is a
 * process of its own.  The next line after a quiet spell says how many
 * were left out.  Without the state file (not root, read-only /run) each
 * process keeps its own count.
 *
 * $DIRTYTRACK_LOG_SOCKET names a datagram socket to send to instead of
 * syslog(3) (a test's private /dev/log: "<PRI>IDENT[PID]: LINE").
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DT_LOG_RUNTIME_DIR "/run/dirtytrack"
#define DT_LOG_BURST 5
#define DT_LOG_WINDOW_S 60

typedef enum {
    DT_LOG_REFUSED,     /* a gate said no */
    DT_LOG_UNCHECKED,   /* let through without a verdict */
    DT_LOG_FALLBACK,    /* a verdict, but not from the daemon that should have given it */
} DtLogDecision;

/* The program's name in every line; call once, before dt_log_decision(). */
void dt_log_init(const char *ident);

/* One line (unless rate-limited).  domain and detail may hold anything:
 * control characters become '?', the domain is quoted, each is cut short.
 * reason is a reason code, via one of daemon, in-process, timeout,
 * config-error. */
void dt_log_decision(DtLogDecision what, const char *domain, const char *op, const char *reason,
                     const char *via, const char *detail);

G_END_DECLS
