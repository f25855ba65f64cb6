/* dtd-observed.c: what an idle mdev answered the daemon, remembered for
 * the evaluations that cannot ask it.
 *
 * A VFIO device answers its migration ioctls only to whoever opens it, and
 * nobody may open one QEMU holds.  The daemon opens idle devices in one
 * place: the pre-flight of the hook's `migrate begin` (destination) and
 * `start begin` (source, docs/hook.md), which asks each idle mdev what a
 * PCI function is asked (dt_mdev_probe_ioctl).  Everything the daemon
 * evaluates later about the same VM (GetDomainState, the hook's other
 * operations, the evaluation it publishes into the running VM, the tuning
 * plan) finds the mdev held and, where the kernel has no vfio debugfs
 * (before 6.18), would judge it by nothing, since whether an mdev migrates
 * is its vendor driver's answer and no database holds it: mode unknown on
 * the very host that has just accepted it in device mode.  (A PCI
 * function's migration facts come from the database or debugfs; the
 * daemon's pre-flight does not ask them, so there is nothing to keep.)
 *
 * So each mdev's answers are kept with its signature at that moment: the
 * links of its sysfs entry (its parent), its driver and its type
 * (dtd_mdev_sig).  They are given back only while the signature is
 * unchanged, to evaluations that could not ask the kernel themselves.  An
 * mdev removed and created again under another parent or with another type
 * changes the signature, and it is unknown again until the next
 * pre-flight.  What is kept are properties of the mdev and its vendor
 * driver (migration protocol and flags, DMA logging, the stop-copy size);
 * the outcome of a dry run is not: it belongs to the run that tried it
 * (DtdDomainState's dry_run).
 *
 * The daemon forgets everything when it restarts.  Any thread (workers,
 * the tuning thread) may keep or recall; one mutex guards the table.
 */
#include "config.h"

#include "probe/dt-host.h"
#include "daemon/dtd.h"

/* Bounds the memory: mdevs come and go with new uuids. */
#define DTD_OBSERVED_MAX 1024

typedef struct {
    char *sig;
    guint64 serial;           /* insertion order, for the bound */
    DtFact migration;
    guint32 mig_flags;
    DtFact dma_logging;
    guint64 stop_copy_bytes;
} Seen;

struct DtdObserved {
    GMutex lock;
    GHashTable *devices;      /* mdev uuid -> Seen* */
    guint64 serial;
    guint64 gen;              /* moves when what recall gives back changes */
};

static void
seen_free(Seen *s)
{
    g_free(s->sig);
    g_free(s);
}

DtdObserved *
dtd_observed_new(void)
{
    DtdObserved *o = g_new0(DtdObserved, 1);

    g_mutex_init(&o->lock);
    o->devices = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) seen_free);
    return o;
}

void
dtd_observed_free(DtdObserved *o)
{
    if (!o)
        return;
    g_hash_table_unref(o->devices);
    g_mutex_clear(&o->lock);
    g_free(o);
}

guint64
dtd_observed_gen(DtdObserved *o)
{
    guint64 gen;

    if (!o)
        return 0;
    g_mutex_lock(&o->lock);
    gen = o->gen;
    g_mutex_unlock(&o->lock);
    return gen;
}

static DtFact
asked_or_none(DtFact f)
{
    return f.source == DT_SOURCE_IOCTL ? f : (DtFact) { DT_TRI_UNKNOWN, DT_SOURCE_NONE };
}

static gboolean
same_facts(const Seen *a, const Seen *b)
{
    return g_strcmp0(a->sig, b->sig) == 0 && a->migration.value == b->migration.value &&
           a->migration.source == b->migration.source && a->mig_flags == b->mig_flags &&
           a->dma_logging.value == b->dma_logging.value &&
           a->dma_logging.source == b->dma_logging.source &&
           a->stop_copy_bytes == b->stop_copy_bytes;
}

/* Under the lock: takes s for key, dropping the oldest entry at the bound. */
static void
put_locked(DtdObserved *o, char *key, Seen *s)
{
    const Seen *old = g_hash_table_lookup(o->devices, key);

    if (old && same_facts(old, s)) {
        g_free(key);
        seen_free(s);
        return;
    }
    if (!old && g_hash_table_size(o->devices) >= DTD_OBSERVED_MAX) {
        GHashTableIter it;
        gpointer k, v, oldest = NULL;
        guint64 min = G_MAXUINT64;

        g_hash_table_iter_init(&it, o->devices);
        while (g_hash_table_iter_next(&it, &k, &v))
            if (((Seen *) v)->serial < min) {
                min = ((Seen *) v)->serial;
                oldest = k;
            }
        if (oldest)
            g_hash_table_remove(o->devices, oldest);
    }
    s->serial = ++o->serial;
    g_hash_table_replace(o->devices, key, s);
    o->gen++;
}

void
dtd_observed_keep(DtdObserved *o, const DtHost *host, const DtPaths *paths)
{
    if (!o || !host || !host->mdevs)
        return;
    for (guint i = 0; i < host->mdevs->len; i++) {
        const DtMdevDev *m = g_ptr_array_index(host->mdevs, i);
        Seen *s;

        if (m->migration.source != DT_SOURCE_IOCTL)
            continue;
        s = g_new0(Seen, 1);
        s->sig = dtd_mdev_sig(paths, m->uuid);
        s->migration = m->migration;
        s->mig_flags = m->mig_flags;
        s->dma_logging = asked_or_none(m->dma_logging);
        s->stop_copy_bytes = m->stop_copy_bytes;
        g_mutex_lock(&o->lock);
        put_locked(o, g_strdup(m->uuid), s);
        g_mutex_unlock(&o->lock);
    }
}

/* A copy of what was kept for key while sig still describes the device,
 * else NULL (and a stale entry is dropped). */
static Seen *
take_valid(DtdObserved *o, const char *key, const char *sig)
{
    Seen *copy = NULL;
    Seen *s;

    g_mutex_lock(&o->lock);
    s = g_hash_table_lookup(o->devices, key);
    if (s && g_strcmp0(s->sig, sig) == 0) {
        copy = g_memdup2(s, sizeof(*s));
        copy->sig = NULL;
    } else if (s) {
        g_hash_table_remove(o->devices, key);
        o->gen++;
    }
    g_mutex_unlock(&o->lock);
    return copy;
}

void
dtd_observed_recall(DtHost *host, const DtPaths *paths, gpointer user_data)
{
    DtdObserved *o = user_data;

    if (!o || !host || !host->mdevs)
        return;
    for (guint i = 0; i < host->mdevs->len; i++) {
        DtMdevDev *m = g_ptr_array_index(host->mdevs, i);
        g_autofree char *sig = NULL;
        g_autofree Seen *s = NULL;

        if (m->migration.source != DT_SOURCE_NONE)
            continue;
        sig = dtd_mdev_sig(paths, m->uuid);
        s = take_valid(o, m->uuid, sig);
        if (!s)
            continue;
        m->migration = s->migration;
        m->mig_flags = s->mig_flags;
        m->stop_copy_bytes = s->stop_copy_bytes;
        if (m->dma_logging.source == DT_SOURCE_NONE)
            m->dma_logging = s->dma_logging;
    }
}
