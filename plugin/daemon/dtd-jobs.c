/* dtd-jobs.c: dirtytrackd's work queues and the workers that run them.
 *
 * A method validates its arguments on the main thread, then hands the
 * blocking part (XML parsing, evaluation, host probing) to a bounded
 * GThreadPool as a job.  A worker only runs the job's run function, which
 * fills in the job; the job goes back to the main loop, where its answer
 * function builds and sends the reply, records state and emits signals.
 * libdbus objects and DtdDaemon are therefore only ever touched on the
 * main thread.  This module knows what a job costs and whose it is, not
 * what it does.
 *
 * Work runs in two lanes, so that no caller can keep the hook waiting:
 * root's (uid 0 or the daemon's own: libvirt's hook, the host probe) and
 * everyone else's, with its own workers, queue bound and lower CPU
 * priority (nice 10, per thread: setpriority(2) on Linux sets a thread's
 * nice value).  In the user lane each caller has a bounded share: at most
 * DTD_USER_PER_UID_FACTOR jobs per worker in flight per uid, and
 * DTD_USER_PER_NAME_FACTOR per worker per connection; beyond it the call
 * gets Busy (after a pause, dtd_jobs_busy_reply()).
 */
#include "config.h"

#include <errno.h>
#include <sys/resource.h>
#include <unistd.h>

#include "eval/dt-eval.h"
#include "dbus/dtbus.h"
#include "daemon/dtd.h"

/* The user lane's shares, per worker of that lane (head of this file). */
#define DTD_USER_PER_UID_FACTOR 2
#define DTD_USER_PER_NAME_FACTOR 1
#define DTD_USER_NICE 10
/* Busy for a caller over its share waits this long (dtd_jobs_busy_reply()) */
#define DTD_BUSY_DELAY_MS 1000
#define DTD_HELD_MAX 256
/* A user's answer waits while this much is still to be written (job_done()) */
#define DTD_USER_OUTGOING_MAX (256 * 1024)
#define DTD_USER_RETRY_MS 10

/* ---- a job ------------------------------------------------------------------- */

DtdJob *
dtd_job_new(DtdDaemon *d, DtdJobFunc run, DtdJobFunc answer)
{
    DtdJob *job = g_new0(DtdJob, 1);

    job->d = d;
    job->run = run;
    job->answer = answer;
    return job;
}

DtdJob *
dtd_job_new_call(DtdDaemon *d, DtdJobFunc run, DtdJobFunc answer, DBusMessage *msg,
                 const DtbusCaller *caller)
{
    DtdJob *job = dtd_job_new(d, run, answer);

    job->msg = dbus_message_ref(msg);
    job->privileged = caller->privileged;
    /* root's lane only for root (libvirt's hook) and ourselves; the group
     * may change state, but shares the lane of everyone else */
    job->uid = caller->uid;
    job->user_lane = !caller->known || (caller->uid != 0 && caller->uid != d->self_uid);
    return job;
}

void
dtd_job_free(DtdJob *job)
{
    if (job->msg)
        dbus_message_unref(job->msg);
    g_free(job->xml);
    g_free(job->args.qemu_version);
    g_free(job->args.libvirt_version);
    g_free(job->args.op);
    g_free(job->subop);
    g_free(job->name);
    if (job->eval)
        dt_evaluation_free(job->eval);
    g_free(job->report_json);
    g_free(job->new_xml);
    g_free(job->time);
    if (job->snapshot)
        dtd_host_snapshot_free(job->snapshot);
    if (job->from.base)
        dtd_host_snapshot_free(job->from.base);
    if (job->vdb_ref)
        dtd_vdb_unref(job->vdb_ref);
    g_clear_error(&job->error);
    if (job->from.dev_addrs)
        g_array_unref(job->from.dev_addrs);
    if (job->from.dev_sigs)
        g_ptr_array_unref(job->from.dev_sigs);
    dtd_cache_entry_free(job->entry);
    g_free(job);
}
/* ---- the user lane's shares ----------------------------------------------------- */

static guint
count_of(GHashTable *t, gconstpointer key)
{
    return GPOINTER_TO_UINT(g_hash_table_lookup(t, key));
}

static void
count_add(GHashTable *t, gpointer key, gint delta, gboolean dup_key)
{
    guint n = count_of(t, key) + (guint) delta;

    if (n == 0)
        g_hash_table_remove(t, key);
    else
        g_hash_table_replace(t, dup_key ? g_strdup(key) : key, GUINT_TO_POINTER(n));
}

gboolean
dtd_jobs_share_used_up(DtdDaemon *d, const DtdJob *job)
{
    const char *sender = dbus_message_get_sender(job->msg);
    guint workers = MAX(d->user_threads, 1);

    return job->user_lane &&
           (count_of(d->user_by_uid, GUINT_TO_POINTER(job->uid + 1)) >=
                workers * DTD_USER_PER_UID_FACTOR ||
            (sender && count_of(d->user_by_name, sender) >= workers * DTD_USER_PER_NAME_FACTOR));
}

typedef struct {
    DtdDaemon *d;
    DBusMessage *reply;
} DtdHeldReply;

static gboolean
send_held(gpointer data)
{
    DtdHeldReply *h = data;

    h->d->held_replies--;
    dtbus_send_message(h->d->conn, h->reply);
    g_free(h);
    return G_SOURCE_REMOVE;
}

/* Busy for a caller over its share.  Sent after a pause: a caller that
 * asks again the moment it is told Busy (a flood does) would otherwise
 * turn the daemon's loop and the bus into its own busy loop, and take the
 * CPU the hook needs.  At most DTD_HELD_MAX replies wait; beyond that they
 * go at once (the bus bounds how many calls one connection has pending).
 * NULL: the reply is held. */
DBusMessage *
dtd_jobs_busy_reply(DtdDaemon *d, DBusMessage *msg, gboolean may_hold)
{
    DBusMessage *reply = dtd_error_reply_code(msg, DT_ERROR_BUSY,
                                              _("Too many requests from this caller in "
                                                "progress, try again"));
    DtdHeldReply *h;

    if (!may_hold || dbus_message_get_no_reply(msg) || !d->conn ||
        d->held_replies >= DTD_HELD_MAX)
        return reply;
    h = g_new0(DtdHeldReply, 1);
    h->d = d;
    h->reply = reply;
    d->held_replies++;
    g_timeout_add(DTD_BUSY_DELAY_MS, send_held, h);
    return NULL;
}

/* Counts the job against its caller's share; FALSE when that is used up. */
static gboolean
share_take(DtdDaemon *d, DtdJob *job)
{
    const char *sender = dbus_message_get_sender(job->msg);
    gpointer uid = GUINT_TO_POINTER(job->uid + 1);   /* never NULL */

    if (dtd_jobs_share_used_up(d, job))
        return FALSE;
    count_add(d->user_by_uid, uid, 1, FALSE);
    if (sender)
        count_add(d->user_by_name, (gpointer) sender, 1, TRUE);
    job->share_taken = TRUE;
    return TRUE;
}

static void
share_release(DtdDaemon *d, DtdJob *job)
{
    const char *sender;

    if (!job->share_taken)
        return;
    sender = dbus_message_get_sender(job->msg);
    job->share_taken = FALSE;
    count_add(d->user_by_uid, GUINT_TO_POINTER(job->uid + 1), -1, FALSE);
    if (sender)
        count_add(d->user_by_name, (gpointer) sender, -1, TRUE);
}

/* ---- the queues and their workers ---------------------------------------------- */

DBusMessage *
dtd_jobs_submit(DtdDaemon *d, DtdJob *job)
{
    g_autoptr(GError) error = NULL;
    /* a daemon built with one pool (fuzz/fuzz-dbus.c) runs both lanes in it */
    GThreadPool *pool = job->user_lane && d->user_pool ? d->user_pool : d->pool;
    guint max_queue = job->user_lane ? d->user_max_queue : d->max_queue;

    if (!pool || g_thread_pool_unprocessed(pool) >= max_queue) {
        DBusMessage *reply = dtd_error_reply_code(job->msg, DT_ERROR_BUSY,
                                                  _("Too many requests in progress, try again"));
        dtd_job_free(job);
        return reply;
    }
    if (job->user_lane && !share_take(d, job)) {
        /* a caller that must be answered now says so (HookEvent: its end
         * is accounted for when this returns a reply) */
        DBusMessage *reply = dtd_jobs_busy_reply(d, job->msg, !job->answer_now);

        dtd_job_free(job);
        return reply;
    }
    if (job->queued)
        job->queued(job);
    if (!g_thread_pool_push(pool, job, &error)) {
        DBusMessage *reply = dtd_error_reply_code(job->msg, DT_ERROR_FAILED, "%s",
                                                  error->message);
        g_warning("Cannot queue work: %s", error->message);
        share_release(d, job);
        dtd_job_free(job);
        return reply;
    }
    return NULL;
}

gboolean
dtd_jobs_push_root(DtdDaemon *d, DtdJob *job, GError **error)
{
    return d->pool && g_thread_pool_push(d->pool, job, error);
}

/* Back on the main thread: the job's answer, then the job is freed. */
static gboolean
job_answer(DtdJob *pending)
{
    g_autoptr(DtdJob) job = pending;

    share_release(job->d, job);
    job->answer(job);
    return G_SOURCE_REMOVE;
}

static gboolean
job_done(gpointer user_data)
{
    DtdJob *pending = user_data;

    /* Everything goes out on one bus connection, in order: a user's answer
     * of megabytes ahead of root's would hold root's back for as long as
     * the bus takes to carry it.  So a user's answer waits while the
     * connection still has more than DTD_USER_OUTGOING_MAX to write, and
     * root's answers never wait behind more than one of them. */
    if (pending->user_lane && pending->d->conn &&
        dbus_connection_get_outgoing_size(pending->d->conn) > DTD_USER_OUTGOING_MAX) {
        g_timeout_add(DTD_USER_RETRY_MS, job_done, pending);
        return G_SOURCE_REMOVE;
    }
    return job_answer(pending);
}

void
dtd_jobs_worker(gpointer data, gpointer pool_data)
{
    DtdJob *job = data;

    job->run(job);
    /* an idle source runs only when nothing else is ready: under a flood
     * of bus traffic root's answers would wait for it to end, so they come
     * back at the bus's own priority, and everyone else's after it */
    g_idle_add_full(job->user_lane ? G_PRIORITY_DEFAULT_IDLE : G_PRIORITY_DEFAULT, job_done, job,
                    NULL);
}

void
dtd_jobs_user_worker(gpointer data, gpointer pool_data)
{
    static __thread gboolean niced;

    if (!niced) {
        /* this thread only (the pool is exclusive: its threads serve no
         * other pool); a failure leaves it at the normal priority */
        if (setpriority(PRIO_PROCESS, (id_t) gettid(), DTD_USER_NICE) < 0)
            g_debug("cannot lower a worker's priority: %s", g_strerror(errno));
        niced = TRUE;
    }
    dtd_jobs_worker(data, pool_data);
}

void
dtd_jobs_init(DtdDaemon *d)
{
    d->user_by_uid = g_hash_table_new(g_direct_hash, g_direct_equal);
    d->user_by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}
