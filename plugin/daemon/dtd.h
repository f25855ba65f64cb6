/* dtd.h: dirtytrackd's internal state and the pieces of the daemon that
 * share it (main, the Manager interface, errors, the uevent watch).
 *
 * One DtdDaemon lives in main(); it is touched only on the main thread.
 * Worker threads get copies of what they need and give results back
 * through the main loop, so nothing here needs a lock.
 */
#pragma once

#include <sys/types.h>

#include <dbus/dbus.h>
#include <glib.h>
#include <libvirt/libvirt.h>

#include "dt-config.h"
#include "dt-hostcheck.h"
#include "dt-model.h"
#include "dt-util.h"
#include "dt-vdb.h"

G_BEGIN_DECLS

/* One probe of the host, immutable once published. */
typedef struct {
    DtHost *host;
    GPtrArray *checks;       /* DtCheck* */
    char *json;              /* the host report */
    char *fingerprint;       /* digest over the capability facts */
    GError *error;           /* set when the probe failed (the rest NULL) */
} DtdHostSnapshot;

typedef struct {
    char *name;
    gboolean running;
    gboolean migrating;      /* an incoming migration was announced and not ended */
    char *last_op, *last_subop;
    char *event_time;
    gboolean evaluated;
    DtRole role;
    char *verdict, *mode, *fingerprint, *eval_time;
    char *reasons_json;
    char *virt_event;        /* last libvirt lifecycle event, NULL if none */
    int virt_detail;
    char *virt_time;
} DtdDomainState;

typedef struct {
    /* configuration in force */
    char *sysroot;           /* NULL: the real root */
    char *config_path;       /* NULL: built-in defaults */
    DtConfig *config;
    DtVdb *vdb;              /* NULL: evaluation loads its own */
    guint threads;
    guint max_queue;
    char *group;
    gboolean have_gid;
    gid_t gid;
    uid_t self_uid;
    char *hostname;

    DBusConnection *conn;
    GMainLoop *loop;
    GThreadPool *pool;
    int exit_status;

    /* host report cache */
    DtdHostSnapshot *host;
    gboolean probing;
    gboolean probe_again;
    GPtrArray *probe_waiters;   /* answered by the running probe */
    GPtrArray *queued_waiters;  /* answered by the probe after it */

    GHashTable *domains;        /* name -> DtdDomainState* */

    int uevent_fd;
    guint uevent_source;
    guint uevent_debounce;

    /* libvirt domain events (dtd-libvirt.c) */
    char *libvirt_uri;          /* NULL: not followed */
    virConnectPtr virt;
    int virt_callback;
    gboolean virt_lost;
    gboolean virt_connecting;
    gboolean virt_warned;
    guint virt_retry;

    /* live tuning (dtd-tune.c) */
    GThreadPool *tune_pool;     /* one thread, its own read-write connection */
    GHashTable *tunes;          /* name -> DtdTune* (private to dtd-tune.c) */
    GHashTable *hooks_in_flight; /* name -> count of HookEvent calls not yet answered */
} DtdDaemon;

/* Signals of live tuning (stable identifiers, docs/dbus-api.md). */
#define DTD_SIGNAL_MIGRATION_TUNED   "MigrationTuned"
#define DTD_SIGNAL_MIGRATION_ABORTED "MigrationAborted"
/* Where the daemon records what it did to a migration: beside dirtytrack's
 * own metadata element (whose 1.0 schema is closed), in its own namespace. */
#define DTD_TUNING_NS     "http://dirtytrack.org/xmlns/tuning/1.0"
#define DTD_TUNING_PREFIX "dirtytrack-tuning"

/* dtd-error.c */
const char *dtd_error_name(const GError *error);
DBusMessage *dtd_error_reply(DBusMessage *msg, const GError *error);
DBusMessage *dtd_error_reply_code(DBusMessage *msg, DtErrorCode code, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/* dtd-manager.c */
gboolean dtd_manager_register(DtdDaemon *d);
gboolean dtd_authorize(guint32 uid, const guint32 *gids, guint n_gids, gpointer user_data);
/* The GThreadPool function: runs one job, posts it back to the loop. */
void dtd_worker_entry(gpointer job, gpointer pool_data);
/* Starts a probe (or queues one after the running probe). */
void dtd_manager_refresh_host(DtdDaemon *d);
void dtd_host_snapshot_free(DtdHostSnapshot *s);
void dtd_domain_state_free(DtdDomainState *s);
/* Answers everything still waiting (at shutdown) with an error. */
void dtd_manager_flush_waiters(DtdDaemon *d);

/* A libvirt lifecycle event (or a domain found running at connect time):
 * migrated = the event's detail says a migration moved it. */
void dtd_domain_lifecycle(DtdDaemon *d, const char *name, const char *event, int detail,
                          gboolean running, gboolean migrated);

/* dtd-libvirt.c: libvirt's event loop on ours; must run before any
 * connection is opened. */
void dtd_libvirt_init(void);
/* (Re)connects to d->libvirt_uri after seconds (0: at the next iteration). */
void dtd_libvirt_schedule(DtdDaemon *d, guint seconds);
void dtd_libvirt_stop(DtdDaemon *d);

/* dtd-tune.c: tuning of outgoing migrations of VMs with VFIO devices and
 * the fingerprint written into a started VM's metadata.  init before the
 * loop runs; stop after it ended, while the bus connection still exists. */
gboolean dtd_tune_init(DtdDaemon *d, GError **error);
void dtd_tune_stop(DtdDaemon *d);
/* In the libvirt connect thread: migration-iteration and job-completed events. */
gboolean dtd_tune_register_events(virConnectPtr conn, DtdDaemon *d);
/* Main thread: a lifecycle event (VIR_DOMAIN_EVENT_* and its detail). */
void dtd_tune_lifecycle(DtdDaemon *d, const char *name, int event, int detail);
/* Main thread: a HookEvent for name was received / answered.  No libvirt
 * call for a domain is started in between (libvirt holds the domain while
 * its hook waits for us). */
void dtd_tune_hook_begin(DtdDaemon *d, const char *name);
void dtd_tune_hook_end(DtdDaemon *d, const char *name);
/* GetDomainState's "tuning" object as JSON, NULL when there is none. */
char *dtd_tune_state_json(DtdDaemon *d, const char *name);

/* dtd-uevent.c: refresh the host report when the kernel announces PCI,
 * IOMMU or VFIO changes (real root only). */
gboolean dtd_uevent_start(DtdDaemon *d, GError **error);
void dtd_uevent_stop(DtdDaemon *d);

G_END_DECLS
