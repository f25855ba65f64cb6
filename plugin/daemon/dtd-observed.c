/* dtd-observed.c: what the kernel said about a device while it was idle,
 * remembered for the evaluations that cannot ask it.
 *
 * A VFIO device answers its migration ioctls only to whoever opens it, and
 * nobody may open one QEMU holds.  The daemon opens idle devices in one
 * place: the pre-flight of the hook's `migrate begin` (destination) and
 * `start begin` (source, docs/hook.md).  Everything the daemon evaluates
 * later about the same VM (GetDomainState, the hook's other operations,
 * the evaluation it publishes into the running VM, the tuning plan) finds
 * the device held and, where the kernel has no vfio debugfs (before 6.18)
 * and the database does not know the driver (an mdev's vendor driver),
 * would judge the device by nothing: mode unknown on the very host that
 * has just accepted it in device mode.
 *
 * So the answers of an idle device are kept, per device, with the
 * device's signature at that moment: for a PCI function the links of its
 * sysfs entry, its driver and its IOMMU group (dtd_device_sig); for an
 * mdev its entry, its driver and its type (dtd_mdev_sig).  They are given
 * back only while the signature is unchanged, to evaluations that could
 * not ask the kernel themselves and learned nothing from debugfs.  A
 * rebind, a hot-unplug or an mdev removed and created again with another
 * type changes the signature, and the device is unknown again until the
 * next pre-flight.  What is kept are properties of the device and its
 * driver (migration protocol and flags, DMA logging, the stop-copy size,
 * the IOMMU's dirty tracking); the outcome of a dry run is not: it belongs
 * to the run that tried it (DtdDomainState's dry_run).
 *
 * The daemon forgets everything when it restarts.  Any thread (workers,
 * the tuning thread) may keep or recall; one mutex guards the tables.
 */
#include "config.h"

#include "model/dt-util.h"
#include "probe/dt-host.h"
#include "daemon/dtd.h"

/* Bounds the memory: a host has a few hundred functions, but mdevs come
 * and go with new uuids. */
#define DTD_OBSERVED_MAX 1024

typedef struct {
    char *sig;
    guint64 serial;           /* insertion order, for the bound */
    DtFact migration;
    guint32 mig_flags;
    DtFact dma_logging;
    guint64 stop_copy_bytes;
    DtFact iommu_dirty;       /* PCI only */
} Seen;

struct DtdObserved {
    GMutex lock;
    GHashTable *devices;      /* "pci:ADDR" or "mdev:UUID" -> Seen* */
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

static gboolean
asked(DtFact f)
{
    return f.source == DT_SOURCE_IOCTL;
}

static DtFact
asked_or_none(DtFact f)
{
    return asked(f) ? f : (DtFact) { DT_TRI_UNKNOWN, DT_SOURCE_NONE };
}

static gboolean
same_facts(const Seen *a, const Seen *b)
{
    return g_strcmp0(a->sig, b->sig) == 0 && a->migration.value == b->migration.value &&
           a->migration.source == b->migration.source && a->mig_flags == b->mig_flags &&
           a->dma_logging.value == b->dma_logging.value &&
           a->dma_logging.source == b->dma_logging.source &&
           a->stop_copy_bytes == b->stop_copy_bytes &&
           a->iommu_dirty.value == b->iommu_dirty.value &&
           a->iommu_dirty.source == b->iommu_dirty.source;
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

static char *
pci_key(const DtPciAddr *addr)
{
    g_autofree char *a = dt_pci_addr_to_string(addr);

    return g_strconcat("pci:", a, NULL);
}

void
dtd_observed_keep(DtdObserved *o, const DtHost *host, const DtPaths *paths)
{
    if (!o || !host)
        return;
    for (guint i = 0; i < host->devices->len; i++) {
        const DtPciDev *p = g_ptr_array_index(host->devices, i);
        Seen *s;

        if (!dt_driver_is_vfio(p->driver) ||
            !(asked(p->migration) || asked(p->dma_logging) || asked(p->iommu_dirty)))
            continue;
        s = g_new0(Seen, 1);
        s->sig = dtd_device_sig(paths, -1, &p->addr);
        s->migration = asked_or_none(p->migration);
        s->mig_flags = asked(p->migration) ? p->mig_flags : 0;
        s->dma_logging = asked_or_none(p->dma_logging);
        s->stop_copy_bytes = asked(p->migration) ? p->stop_copy_bytes : 0;
        s->iommu_dirty = asked_or_none(p->iommu_dirty);
        g_mutex_lock(&o->lock);
        put_locked(o, pci_key(&p->addr), s);
        g_mutex_unlock(&o->lock);
    }
    for (guint i = 0; host->mdevs && i < host->mdevs->len; i++) {
        const DtMdevDev *m = g_ptr_array_index(host->mdevs, i);
        Seen *s;

        if (!asked(m->migration))
            continue;
        s = g_new0(Seen, 1);
        s->sig = dtd_mdev_sig(paths, m->uuid);
        s->migration = m->migration;
        s->mig_flags = m->mig_flags;
        s->dma_logging = asked_or_none(m->dma_logging);
        s->stop_copy_bytes = m->stop_copy_bytes;
        s->iommu_dirty = (DtFact) { DT_TRI_UNKNOWN, DT_SOURCE_NONE };
        g_mutex_lock(&o->lock);
        put_locked(o, g_strconcat("mdev:", m->uuid, NULL), s);
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

static void
fill(DtFact *into, DtFact from)
{
    if (into->source == DT_SOURCE_NONE && from.source != DT_SOURCE_NONE)
        *into = from;
}

void
dtd_observed_recall(DtHost *host, const DtPaths *paths, gpointer user_data)
{
    DtdObserved *o = user_data;

    if (!o || !host)
        return;
    for (guint i = 0; i < host->devices->len; i++) {
        DtPciDev *p = g_ptr_array_index(host->devices, i);
        g_autofree char *key = NULL;
        g_autofree char *sig = NULL;
        g_autofree Seen *s = NULL;

        /* what debugfs said now wins over what was asked before */
        if (!dt_driver_is_vfio(p->driver) || p->migration.source != DT_SOURCE_NONE)
            continue;
        key = pci_key(&p->addr);
        sig = dtd_device_sig(paths, -1, &p->addr);
        s = take_valid(o, key, sig);
        if (!s)
            continue;
        fill(&p->migration, s->migration);
        if (s->migration.source != DT_SOURCE_NONE) {
            p->mig_flags = s->mig_flags;
            p->stop_copy_bytes = s->stop_copy_bytes;
        }
        fill(&p->dma_logging, s->dma_logging);
        fill(&p->iommu_dirty, s->iommu_dirty);
    }
    for (guint i = 0; host->mdevs && i < host->mdevs->len; i++) {
        DtMdevDev *m = g_ptr_array_index(host->mdevs, i);
        g_autofree char *key = NULL;
        g_autofree char *sig = NULL;
        g_autofree Seen *s = NULL;

        if (m->migration.source != DT_SOURCE_NONE)
            continue;
        key = g_strconcat("mdev:", m->uuid, NULL);
        sig = dtd_mdev_sig(paths, m->uuid);
        s = take_valid(o, key, sig);
        if (!s)
            continue;
        m->migration = s->migration;
        m->mig_flags = s->mig_flags;
        m->stop_copy_bytes = s->stop_copy_bytes;
        fill(&m->dma_logging, s->dma_logging);
    }
}
