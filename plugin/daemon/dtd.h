/* dtd.h: dirtytrackd's internal state and the pieces of the daemon that
 * share it, one section per module (main, the Manager interface, argument
 * checks, jobs, the host snapshot, evaluations, the domains' state, the
 * variant-driver database, the cache, errors, libvirt, tuning, uevents).
 *
 * One DtdDaemon lives in main(); it is touched only on the main thread.
 * Worker threads get copies of what they need and give results back
 * through the main loop, so nothing here needs a lock.
 */
#pragma once

#include <sys/types.h>

#include <dbus/dbus.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <libvirt/libvirt.h>

#include "model/dt-config.h"
#include "eval/dt-eval.h"
#include "decide/dt-hostcheck.h"
#include "model/dt-model.h"
#include "probe/dt-paths.h"
#include "probe/dt-qemu-registry.h"
#include "model/dt-util.h"
#include "model/dt-vdb.h"
#include "dbus/dtbus.h"

G_BEGIN_DECLS

/* What a cached fact was read from, to tell cheaply whether it still
 * holds (dtd-cache.c): a file's identity, a node's existence, or a
 * symlink's target. */
typedef enum {
    DTD_ID_FILE,    /* stat(): type, device, inode, size, mtime, ctime */
    DTD_ID_NODE,    /* stat(): exists, type, inode (device nodes: times move) */
    DTD_ID_LINK,    /* readlink() text */
    DTD_ID_NO_DIR,  /* must stay something other than a directory */
} DtdIdKind;

typedef struct DtdFileId DtdFileId;
typedef struct DtdUevent DtdUevent;

/* One probe of the host, immutable once published; shared by reference
 * with the workers, which build each evaluation's host from it. */
typedef struct {
    DtHost *host;
    GPtrArray *checks;       /* DtCheck* */
    char *json;              /* the host report */
    char *fingerprint;       /* digest over the capability facts */
    GError *error;           /* set when the probe failed (the rest NULL) */

    gint ref;                /* atomic; dtd_host_snapshot_free() drops one */
    guint64 serial;          /* unique per probe, never reused */
    guint64 uevent_gen;      /* the daemon's uevent_gen when the probe started */
    DtPaths *paths;          /* the root it was read from */
    int root_fd;             /* that root, open (O_PATH), or -1 for the real root */
    DtdFileId *root_id;      /* the root by its path (NULL for the real root) */
    /* taken before the probe read anything, so that a change during the
     * probe shows as a difference later: */
    GPtrArray *inputs;       /* DtdFileId*: files behind the host-wide facts */
    GHashTable *devices;     /* packed address -> DtdDevice* (every function listed) */
} DtdHostSnapshot;

/* A PCI function of a snapshot: its signature (dtd_device_sig()) before
 * the probe, and the facts the probe read (NULL: listed but unreadable). */
typedef struct {
    char *sig;
    const DtPciDev *dev;     /* belongs to the snapshot's host */
} DtdDevice;

/* The variant-driver database, shared by reference (workers and the
 * tuning thread evaluate with it while the main thread may load a new
 * one when the file changes). */
typedef struct {
    gint ref;
    DtVdb *vdb;
    guint64 gen;             /* unique per load */
} DtdVdbRef;

typedef struct DtdDecisionCache DtdDecisionCache;
typedef struct DtdObserved DtdObserved;
typedef struct DtdCacheEntry DtdCacheEntry;
typedef struct DtdWatch DtdWatch;

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
    /* the dry run at its start (hook `start begin`, `[hook] preflight`):
     * what its devices refused that makes leaving fail at setup (DtReason*,
     * possibly none); NULL when no dry run ran for this run of the VM */
    GPtrArray *dry_run;
    char *dry_run_time;
} DtdDomainState;

typedef struct {
    /* configuration in force */
    char *sysroot;           /* NULL: the real root */
    char *config_path;       /* NULL: built-in defaults */
    DtConfig *config;        /* read once: the Config property is constant */
    DtQemuRegistry *qemu;    /* the QEMU binaries evaluations may probe (thread-safe) */
    GThread *qemu_probe;     /* probes them at start; joined, or left running at exit */
    gint qemu_probe_done;    /* atomic */
    DtVdb *vdb;              /* NULL: evaluation loads its own; = vdb_ref->vdb if set */
    DtdVdbRef *vdb_ref;      /* NULL: vdb is fixed (not watched) */
    char *vdb_path;          /* the file vdb came from, watched for changes */
    DtdFileId *vdb_id;
    GMutex vdb_lock;         /* guards vdb/vdb_ref for the tuning thread */
    guint threads;
    guint max_queue;
    char *group;
    gboolean have_gid;
    gid_t gid;
    uid_t self_uid;
    char *hostname;

    DBusConnection *conn;
    GMainLoop *loop;
    GThreadPool *pool;          /* root's lane: the hook, the host probe (dtd-jobs.c) */
    GThreadPool *user_pool;     /* every other caller's lane: exclusive, niced threads */
    guint user_threads;
    guint user_max_queue;
    GHashTable *user_by_uid;    /* uid -> jobs in flight in the user lane */
    GHashTable *user_by_name;   /* unique bus name -> jobs in flight in the user lane */
    guint held_replies;         /* Busy replies waiting to be sent (dtd-jobs.c) */
    int exit_status;

    /* host report cache */
    DtdHostSnapshot *host;
    gboolean probing;
    gboolean probe_again;
    GPtrArray *probe_waiters;   /* answered by the running probe */
    GPtrArray *queued_waiters;  /* answered by the probe after it */

    GHashTable *domains;        /* name -> DtdDomainState* */

    DtdUevent *uevent;          /* the kernel's hotplug events (real root only) */
    guint64 uevent_gen;         /* relevant kernel events seen so far */

    DtdDecisionCache *cache;    /* Evaluate answers (dtd-cache.c) */
    DtdObserved *observed;      /* idle mdevs' kernel answers (dtd-observed.c) */
    DtdWatch *watch;            /* created with the first cached answer on a sysroot */
    guint watch_source;

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
/* A caller's argument as an error message may quote it: its first 64
 * characters (valid UTF-8), then "\u2026" if it was longer. */
char *dtd_quote(const char *arg);
/* The builder's document as compact JSON. */
char *dtd_json_string(JsonBuilder *b);

/* dtd-manager.c: the Manager interface (method table, properties). */
gboolean dtd_manager_register(DtdDaemon *d);
gboolean dtd_authorize(guint32 uid, const guint32 *gids, guint n_gids, gpointer user_data);

/* dtd-args.c: what Evaluate and Filter are asked with (their a{ss}
 * options), or HookEvent (op; role from op). */
typedef struct {
    DtRole role;
    char *qemu_version;      /* NULL: not given */
    char *libvirt_version;
    char *op;                /* the hook operation that asks, or NULL */
} DtdEvalArgs;

gboolean dtd_args_check_xml(const char *xml, GError **error);
gboolean dtd_args_check_domain_name(const char *name, GError **error);
gboolean dtd_args_is_hook_op(const char *op);
gboolean dtd_args_is_hook_subop(const char *subop);
/* Reads the a{ss} options into args (whose strings it sets): keys known,
 * unique, values well-formed; filter: "op" is Filter's (migrate, restore). */
gboolean dtd_args_parse_options(DBusMessageIter *iter, gboolean filter, DtdEvalArgs *args,
                                GError **error);

/* dtd-host.c: the host snapshot. */
DtdHostSnapshot *dtd_host_snapshot_ref(DtdHostSnapshot *s);
/* Drops one reference (the last frees it). */
void dtd_host_snapshot_free(DtdHostSnapshot *s);
/* Whether the files behind the snapshot's host-wide facts (and its root)
 * are as they were before its probe. */
gboolean dtd_host_snapshot_unchanged(const DtdHostSnapshot *snap);

/* How an evaluation's host was built from a snapshot. */
typedef struct {
    DtdHostSnapshot *base;   /* ref'd: the snapshot to start from, or NULL */
    gboolean used;           /* the host came from base, every device checked */
    gboolean stale;          /* base disagreed with the host: refresh it */
    GArray *dev_addrs;       /* DtPciAddr: the devices asked for, checked */
    GPtrArray *dev_sigs;     /* char*: their signatures when checked */
} DtdHostUse;

/* dt_evaluate()'s host_func; data is a DtdHostUse. */
DtHost *dtd_host_snapshot_host(const DtPciAddr *addrs, guint n_addrs, gpointer data);
void dtd_host_init(DtdDaemon *d);
/* Starts a probe (or queues one after the running probe). */
void dtd_host_refresh(DtdDaemon *d);
/* GetHostReport, RefreshHost, GetDeviceReport: the reply now, or NULL
 * when the call waits for a probe (it is answered when that ends). */
DBusMessage *dtd_host_report_reply(DtdDaemon *d, DBusMessage *msg);
DBusMessage *dtd_host_refresh_reply(DtdDaemon *d, DBusMessage *msg);
DBusMessage *dtd_host_device_reply(DtdDaemon *d, DBusMessage *msg, const DtPciAddr *addr);
/* Answers everything still waiting (at shutdown) with an error. */
void dtd_host_flush_waiters(DtdDaemon *d);

/* dtd-vdb.c: the variant-driver database's lifetime.
 * The database in force (NULL: none), after a cheap check of its file;
 * main thread.  dtd_vdb_ref() takes a reference from any thread. */
DtVdb *dtd_vdb_current(DtdDaemon *d);
/* Which database is in force: its load's number (0: a fixed one). */
guint64 dtd_vdb_gen(const DtdDaemon *d);
DtdVdbRef *dtd_vdb_ref(DtdDaemon *d);
void dtd_vdb_unref(DtdVdbRef *r);
/* Loads the default database and watches its file (main(), at start). */
gboolean dtd_vdb_load(DtdDaemon *d, GError **error);
void dtd_vdb_clear(DtdDaemon *d);

/* dtd-jobs.c: the work queues (two lanes) and their workers. */
typedef struct DtdJob DtdJob;
typedef void (*DtdJobFunc)(DtdJob *job);

typedef enum {
    DTD_JOB_EVALUATE,
    DTD_JOB_FILTER,
    DTD_JOB_HOOK_EVENT,
    DTD_JOB_PROBE_HOST,
} DtdJobKind;

struct DtdJob {
    DtdDaemon *d;
    DtdJobKind kind;
    DtdJobFunc queued;            /* main thread, when it gets its place (or NULL) */
    DtdJobFunc run;               /* a worker */
    DtdJobFunc answer;            /* main thread, after run; the job is freed after it */
    DBusMessage *msg;             /* ref'd; only used on the main thread */
    gboolean privileged;
    gboolean user_lane;           /* a caller other than root: the user lane */
    gboolean share_taken;         /* counted in d->user_by_uid/_by_name */
    gboolean answer_now;          /* a Busy for it is sent at once, not held back */
    guint32 uid;

    /* inputs (copies: the worker owns nothing shared but read-only config) */
    char *xml;
    gsize xml_len;
    DtdEvalArgs args;
    char *subop, *name;
    gboolean evaluate;            /* HookEvent: the op carries XML worth evaluating */
    gboolean preflight;           /* the evaluation opens devices */
    DtdHostUse from;              /* the snapshot the host is built from, and how */
    DtdVdbRef *vdb_ref;           /* ref'd, or NULL */
    DtVdb *vdb;                   /* the database to use (NULL: load one) */
    guint64 uevent_gen;           /* when the job was queued */
    guint64 vdb_gen;              /* vdb's generation (dtd_vdb_gen()) */
    guint64 observed_gen;         /* dtd_observed_gen() when the job was queued */
    gboolean admit;               /* Evaluate: the answer may go into the cache */

    /* outputs */
    DtEvaluation *eval;
    char *report_json;
    char *new_xml;
    gboolean changed;
    char *time;
    DtdHostSnapshot *snapshot;    /* a probe's */
    GError *error;
    DtdCacheEntry *entry;         /* the answer, when it may be cached */
};

DtdJob *dtd_job_new(DtdDaemon *d, DtdJobFunc run, DtdJobFunc answer);
/* A caller's job: its message, its lane (from the caller's uid). */
DtdJob *dtd_job_new_call(DtdDaemon *d, DtdJobFunc run, DtdJobFunc answer, DBusMessage *msg,
                         const DtbusCaller *caller);
void dtd_job_free(DtdJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DtdJob, dtd_job_free)
void dtd_jobs_init(DtdDaemon *d);
/* Queues a caller's job; on a full queue or a used-up share answers Busy
 * (the reply, or NULL when it is held back) and frees it. */
DBusMessage *dtd_jobs_submit(DtdDaemon *d, DtdJob *job);
/* Root's lane, without a bound: the daemon's own work (the host probe). */
gboolean dtd_jobs_push_root(DtdDaemon *d, DtdJob *job, GError **error);
/* Whether the job's caller has used up its share of the user lane. */
gboolean dtd_jobs_share_used_up(DtdDaemon *d, const DtdJob *job);
/* Busy for a caller over its share; may_hold: after a pause (NULL). */
DBusMessage *dtd_jobs_busy_reply(DtdDaemon *d, DBusMessage *msg, gboolean may_hold);
/* The GThreadPool functions: run one job, post it back to the loop; the
 * user lane's first lowers its thread's priority. */
void dtd_jobs_worker(gpointer job, gpointer pool_data);
void dtd_jobs_user_worker(gpointer job, gpointer pool_data);

/* dtd-eval.c: Evaluate, Filter and HookEvent as jobs. */
DtdJob *dtd_eval_job_new(DtdDaemon *d, DtdJobKind kind, DBusMessage *msg,
                         const DtbusCaller *caller);
/* An Evaluate answered from the decision cache, in the main loop, or NULL
 * (job->admit says whether its answer may be kept). */
DBusMessage *dtd_eval_cached_reply(DtdDaemon *d, DtdJob *job, const char *xml);

/* dtd-domains.c: what the daemon knows of each domain. */
void dtd_domains_init(DtdDaemon *d);
void dtd_domains_state_free(DtdDomainState *s);
/* The domain's state, created when asked to, or NULL. */
DtdDomainState *dtd_domains_get(DtdDaemon *d, const char *name, gboolean create);
/* A decision's reasons as MigrationGated and GetDomainState carry them. */
char *dtd_domains_reasons_json(const DtDecision *dec);
void dtd_domains_record(DtdDomainState *s, DtRole role, const DtDecision *dec, const char *time);
void dtd_domains_record_result(DtdDomainState *s, DtRole role, const char *verdict,
                               const char *mode, const char *fingerprint, const char *time,
                               const char *reasons_json);
void dtd_domains_emit_gated(DtdDaemon *d, const DtdDomainState *s);
/* A source evaluation with the dry run at the VM's start: what the
 * destination must know (DtOutgoing) is kept for the PUBLISH. */
void dtd_domains_record_dry_run(DtdDomainState *s, const DtDecision *dec, const char *time);
/* The dry run's reasons, a new reference (NULL if none ran). */
GPtrArray *dtd_domains_dry_run(DtdDaemon *d, const char *name);
/* A HookEvent job's answer: the state it sets. */
void dtd_domains_hook_event(DtdDaemon *d, const DtdJob *job);
/* GetDomainState's document. */
char *dtd_domains_state_json(DtdDaemon *d, const DtdDomainState *s);
/* A libvirt lifecycle event (or a domain found running at connect time):
 * migrated = the event's detail says a migration moved it. */
void dtd_domains_lifecycle(DtdDaemon *d, const char *name, const char *event, int detail,
                           gboolean running, gboolean migrated);

/* dtd-libvirt.c: libvirt's event loop on ours; must run before any
 * connection is opened. */
void dtd_libvirt_init(void);
/* libvirt's keepalive on a connection: a libvirtd that stops answering
 * fails its calls after about interval * (count + 1) seconds. */
#define DTD_LIBVIRT_KEEPALIVE_INTERVAL_S 2
#define DTD_LIBVIRT_KEEPALIVE_COUNT 2
void dtd_libvirt_keepalive(virConnectPtr conn);
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

/* dtd-cache.c: file identities, device signatures, the decision cache
 * and whether an answer in it still holds. */
/* A number unique in the process (snapshots' serials, databases' loads). */
guint64 dtd_serial_next(void);
DtdFileId *dtd_file_id_new(const char *path, DtdIdKind kind);
/* path relative to dirfd (which must outlive the id), or absolute with -1 */
DtdFileId *dtd_file_id_new_at(int dirfd, const char *path, DtdIdKind kind);
gboolean dtd_file_id_unchanged(const DtdFileId *id);
const char *dtd_file_id_path(const DtdFileId *id);
void dtd_file_id_free(DtdFileId *id);
/* What the links of a PCI function say: its entry in /sys/bus/pci/devices
 * (hot-unplug, a new device), its driver (bind, unbind) and its IOMMU
 * group; three readlink() calls. */
char *dtd_device_sig(const DtPaths *paths, int root_fd, const DtPciAddr *addr);
/* The same for an mdev: its entry in /sys/bus/mdev/devices (its parent),
 * its driver and its type. */
char *dtd_mdev_sig(const DtPaths *paths, const char *uuid);
guint64 dtd_pci_addr_pack(const DtPciAddr *a);
/* The id's path, absolute (root: the directory its dirfd is). */
char *dtd_file_id_abspath(const DtdFileId *id, const char *root);

/* inotify over a sysroot: a generation that moves on any change in the
 * directories watched (dtd-cache.c explains what that covers). */
DtdWatch *dtd_watch_new(void);
void dtd_watch_free(DtdWatch *w);
int dtd_watch_fd(const DtdWatch *w);
/* Reads what is queued; the generation after it. */
guint64 dtd_watch_poll(DtdWatch *w);
/* Watches every directory the lookup of path passes through, from root
 * down when path is below it (else from /).  FALSE if one cannot be. */
gboolean dtd_watch_path(DtdWatch *w, const char *root, const char *path);

typedef struct {
    DtRole role;
    const char *qemu_version;      /* NULL: none given */
    const char *libvirt_version;
    const char *xml;
    gsize xml_len;
    guint hash;                    /* dtd_cache_key_hash() */
} DtdCacheKey;

/* One cached Evaluate answer and everything it was read from. */
struct DtdCacheEntry {
    DtdCacheKey key;               /* strings owned */
    DBusMessage *reply;            /* the reply sent, to copy for the next caller */
    gsize report_bytes;            /* its report's length */
    DtDecision *decision;
    char *reasons_json;            /* GetDomainState's reasons, made when first needed */
    char *domain_name;
    /* valid while all of these hold: */
    guint64 snapshot_serial;
    guint64 uevent_gen;
    guint64 vdb_gen;
    guint64 observed_gen;
    GArray *dev_addrs;             /* DtPciAddr the domain references */
    GPtrArray *dev_sigs;           /* char*: their signatures, same order */
    GPtrArray *ids;                /* DtdFileId*: QEMU binary, absent debugfs dirs */
    gsize bytes;
    GList *lru;                    /* owned by the cache */
    gboolean watched;              /* checked in full at watch generation watch_gen */
    guint64 watch_gen;
};

guint dtd_cache_key_hash(const DtdCacheKey *k);
DtdDecisionCache *dtd_cache_new(guint max_entries, gsize max_bytes);
void dtd_cache_free(DtdDecisionCache *c);
/* Whether an answer for this key may be kept: only once the key was seen
 * before, so that domains asked about once (an evacuation: each VM once)
 * do not push out the ones asked about again and again. */
gboolean dtd_cache_admit(DtdDecisionCache *c, guint hash);
/* The entry for key, marked most recently used, or NULL. */
DtdCacheEntry *dtd_cache_lookup(DtdDecisionCache *c, const DtdCacheKey *key);
/* Takes e (its key strings and all); replaces an entry with the same key
 * and evicts the least recently used ones beyond the bounds. */
void dtd_cache_insert(DtdDecisionCache *c, DtdCacheEntry *e);
void dtd_cache_remove(DtdDecisionCache *c, DtdCacheEntry *e);
void dtd_cache_entry_free(DtdCacheEntry *e);
guint dtd_cache_size(const DtdDecisionCache *c);
/* The decision cache's bounds: a few hosts' worth of distinct domains;
 * an entry is the XML, the report and little else (~25 KiB for 8 VFs). */
#define DTD_CACHE_ENTRIES 64
#define DTD_CACHE_BYTES (4u * 1024 * 1024)
/* The entry for an Evaluate job's answer, or NULL when it may not be
 * kept (a worker calls it; the answer fills in reply and decision). */
DtdCacheEntry *dtd_cache_entry_new(const DtdJob *job);
/* Whether a cached answer still holds (main thread). */
gboolean dtd_cache_entry_valid(DtdDaemon *d, DtdCacheEntry *e);
/* On a sysroot: watches what the entry was read from, then checks it in
 * full; whether it holds. */
gboolean dtd_cache_watch_entry(DtdDaemon *d, DtdCacheEntry *e);

/* dtd-observed.c: what idle mdevs answered the daemon's pre-flights,
 * given back to the evaluations that find them held. */
DtdObserved *dtd_observed_new(void);
void dtd_observed_free(DtdObserved *o);
/* Keeps the kernel's answers (source ioctl) about host's mdevs, with
 * their signatures as they are now on paths. */
void dtd_observed_keep(DtdObserved *o, const DtHost *host, const DtPaths *paths);
/* A DtEvalRecallFunc (user_data: the DtdObserved): fills the facts an
 * evaluation has no source for from what was kept, while each mdev's
 * signature is the same. */
void dtd_observed_recall(DtHost *host, const DtPaths *paths, gpointer user_data);
/* Moves whenever what dtd_observed_recall() gives back may have changed. */
guint64 dtd_observed_gen(DtdObserved *o);

/* dtd-uevent.c: the kernel's PCI, IOMMU and VFIO uevents.  It knows
 * nothing of the daemon: changed() runs for every relevant event (or a
 * lost one), settled() once a burst has been quiet for a second. */
typedef void (*DtdUeventFunc)(gpointer user_data);
DtdUevent *dtd_uevent_new(DtdUeventFunc changed, DtdUeventFunc settled, gpointer user_data,
                          GError **error);
/* Reads the events already queued now (main thread), so that a change
 * the kernel announced before a call is seen before its answer.  NULL:
 * nothing is watched. */
void dtd_uevent_poll(DtdUevent *u);
void dtd_uevent_free(DtdUevent *u);

G_END_DECLS
