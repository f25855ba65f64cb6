/* dtd-cache.c: what dirtytrackd remembers between calls, and how it tells
 * that a remembered fact still holds.
 *
 * Three pieces.  A DtdFileId is a file's identity as stat() gives it (or a
 * symlink's text): comparing one costs a system call, where reading and
 * parsing the file again costs thousands.  A device signature is the text
 * of the three links that change when a PCI function is unplugged, bound
 * to another driver or moved to another IOMMU group.  The decision cache
 * keeps Evaluate answers by their input (domain XML, role, versions), and
 * an entry is served (dtd-eval.c) only while everything it was read from
 * is unchanged (dtd_cache_entry_valid()): the snapshot (no uevent since),
 * the variant-driver database, the files behind the host-wide facts, each
 * device's links, the QEMU binary when one was probed, and the absence of
 * kernel (debugfs) facts, which change as devices run.
 *
 * Identities have the kernel's timestamp granularity: a file rewritten in
 * place with the same size within one clock tick keeps its identity.
 * sysfs and the variant-driver database are not written that way (links
 * are replaced, packages install new inodes).  The decision cache is
 * bounded in entries and bytes, least recently used first out.  Main
 * thread only, except the file identities and signatures, which any
 * thread may take.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib-unix.h>

#include "eval/dt-eval.h"
#include "probe/dt-host.h"
#include "probe/dt-paths.h"
#include "probe/dt-qemu.h"
#include "model/dt-util.h"
#include "daemon/dtd.h"

struct DtdFileId {
    int dirfd;            /* borrowed: relative paths are read from it; -1: path is absolute */
    char *path;
    DtdIdKind kind;
    int err;              /* errno of the stat/readlink, 0 = it worked */
    mode_t mode;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime, ctime;
    char *target;         /* DTD_ID_LINK */
};

static void
file_id_take(DtdFileId *id)
{
    struct stat st;

    int dirfd = id->dirfd >= 0 ? id->dirfd : AT_FDCWD;

    g_clear_pointer(&id->target, g_free);
    id->err = 0;
    if (id->kind == DTD_ID_LINK) {
        char buf[PATH_MAX];
        ssize_t n = readlinkat(dirfd, id->path, buf, sizeof(buf) - 1);

        if (n < 0) {
            id->err = errno;
            return;
        }
        id->target = g_strndup(buf, n);
        return;
    }
    if (fstatat(dirfd, id->path, &st, 0) < 0) {
        id->err = errno;
        return;
    }
    id->mode = st.st_mode & S_IFMT;
    id->dev = st.st_dev;
    id->ino = st.st_ino;
    id->size = st.st_size;
    id->mtime = st.st_mtim;
    id->ctime = st.st_ctim;
}

DtdFileId *
dtd_file_id_new_at(int dirfd, const char *path, DtdIdKind kind)
{
    DtdFileId *id = g_new0(DtdFileId, 1);

    id->dirfd = dirfd;
    id->path = g_strdup(path);
    id->kind = kind;
    file_id_take(id);
    return id;
}

DtdFileId *
dtd_file_id_new(const char *path, DtdIdKind kind)
{
    return dtd_file_id_new_at(-1, path, kind);
}

gboolean
dtd_file_id_unchanged(const DtdFileId *id)
{
    DtdFileId now = { .dirfd = id->dirfd, .path = id->path, .kind = id->kind };
    gboolean same;

    file_id_take(&now);
    switch (id->kind) {
    case DTD_ID_LINK:
        same = now.err == id->err && g_strcmp0(now.target, id->target) == 0;
        break;
    case DTD_ID_NO_DIR:
        same = now.err != 0 || now.mode != S_IFDIR;
        break;
    case DTD_ID_NODE:
        same = now.err == id->err &&
               (now.err != 0 || (now.mode == id->mode && now.ino == id->ino && now.dev == id->dev));
        break;
    case DTD_ID_FILE:
    default:
        same = now.err == id->err &&
               (now.err != 0 ||
                (now.mode == id->mode && now.dev == id->dev && now.ino == id->ino &&
                 now.size == id->size && now.mtime.tv_sec == id->mtime.tv_sec &&
                 now.mtime.tv_nsec == id->mtime.tv_nsec && now.ctime.tv_sec == id->ctime.tv_sec &&
                 now.ctime.tv_nsec == id->ctime.tv_nsec));
        break;
    }
    g_free(now.target);
    return same;
}

const char *
dtd_file_id_path(const DtdFileId *id)
{
    return id->path;
}

void
dtd_file_id_free(DtdFileId *id)
{
    if (!id)
        return;
    g_free(id->path);
    g_free(id->target);
    g_free(id);
}

/* ---- device signatures -------------------------------------------------- */

static void
append_link(GString *s, int dirfd, const char *path)
{
    char buf[PATH_MAX];
    ssize_t n = readlinkat(dirfd, path, buf, sizeof(buf) - 1);

    if (n < 0)
        g_string_append_printf(s, "!%d\n", errno);
    else {
        g_string_append_len(s, buf, n);
        g_string_append_c(s, '\n');
    }
}

char *
dtd_device_sig(const DtPaths *paths, int root_fd, const DtPciAddr *addr)
{
    char path[PATH_MAX];
    GString *s = g_string_sized_new(192);
    int dirfd = root_fd >= 0 ? root_fd : AT_FDCWD;
    int n;

    /* below an open root the walk starts there, not at / (a sysroot on
     * /dev/shm costs a mount crossing and four lookups more per call) */
    n = g_snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%04x:%02x:%02x.%x",
                   root_fd >= 0 ? "." : paths->root, addr->domain, addr->bus, addr->slot,
                   addr->function);
    if (n <= 0 || (gsize) n + sizeof("/iommu_group") >= sizeof(path)) {
        g_string_append(s, "!path");
        return g_string_free(s, FALSE);
    }
    append_link(s, dirfd, path);
    if (s->str[0] == '!')
        /* no entry: neither a driver nor a group to read */
        return g_string_free(s, FALSE);
    memcpy(path + n, "/driver", sizeof("/driver"));
    append_link(s, dirfd, path);
    memcpy(path + n, "/iommu_group", sizeof("/iommu_group"));
    append_link(s, dirfd, path);
    return g_string_free(s, FALSE);
}

char *
dtd_mdev_sig(const DtPaths *paths, const char *uuid)
{
    g_autofree char *dir = dt_paths_printf(paths, "/sys/bus/mdev/devices/%s", uuid);
    g_autofree char *driver = g_strconcat(dir, "/driver", NULL);
    g_autofree char *type = g_strconcat(dir, "/mdev_type", NULL);
    GString *s = g_string_sized_new(192);

    append_link(s, AT_FDCWD, dir);
    if (s->str[0] == '!')
        return g_string_free(s, FALSE);
    append_link(s, AT_FDCWD, driver);
    append_link(s, AT_FDCWD, type);
    return g_string_free(s, FALSE);
}

guint64
dtd_pci_addr_pack(const DtPciAddr *a)
{
    return ((guint64) a->domain << 16) | ((guint64) a->bus << 8) | ((guint64) a->slot << 3) |
           a->function;
}

/* ---- the decision cache ----------------------------------------------------- */

#define SEEN_SLOTS 4096

struct DtdDecisionCache {
    GHashTable *entries;     /* DtdCacheKey* (in the entry) -> DtdCacheEntry* */
    guint seen[SEEN_SLOTS];  /* key hashes asked for, one per slot (16 KiB) */
    GQueue lru;              /* most recent first */
    guint max_entries;
    gsize max_bytes;
    gsize bytes;
};

/* A 64-bit multiply-and-rotate hash over 8-byte words: the key is a few
 * kilobytes of XML, hashed on every call, and equality compares the whole
 * text anyway. */
static guint64
mix(guint64 h, guint64 v)
{
    h ^= v * 0x9e3779b97f4a7c15ULL;
    h = (h << 27) | (h >> 37);
    return h * 0xff51afd7ed558ccdULL + 0x165667b19e3779f9ULL;
}

static guint64
hash_bytes(guint64 h, const char *p, gsize n)
{
    guint64 v;

    h = mix(h, n);
    for (; n >= 8; p += 8, n -= 8) {
        memcpy(&v, p, 8);
        h = mix(h, v);
    }
    v = 0;
    memcpy(&v, p, n);
    return mix(h, v);
}

static guint64
hash_str(guint64 h, const char *s)
{
    return s ? hash_bytes(h, s, strlen(s)) : mix(h, 0x5bd1e995);
}

guint
dtd_cache_key_hash(const DtdCacheKey *k)
{
    guint64 h = mix(0, k->role + 1);

    h = hash_str(h, k->qemu_version);
    h = hash_str(h, k->libvirt_version);
    h = hash_bytes(h, k->xml, k->xml_len);
    return (guint) (h ^ (h >> 32));
}

static guint
key_hash(gconstpointer p)
{
    return ((const DtdCacheKey *) p)->hash;
}

static gboolean
key_equal(gconstpointer a, gconstpointer b)
{
    const DtdCacheKey *x = a, *y = b;

    return x->hash == y->hash && x->role == y->role && x->xml_len == y->xml_len &&
           g_strcmp0(x->qemu_version, y->qemu_version) == 0 &&
           g_strcmp0(x->libvirt_version, y->libvirt_version) == 0 &&
           memcmp(x->xml, y->xml, x->xml_len) == 0;
}

void
dtd_cache_entry_free(DtdCacheEntry *e)
{
    if (!e)
        return;
    g_free((char *) e->key.qemu_version);
    g_free((char *) e->key.libvirt_version);
    g_free((char *) e->key.xml);
    if (e->reply)
        dbus_message_unref(e->reply);
    dt_decision_free(e->decision);
    g_free(e->reasons_json);
    g_free(e->domain_name);
    if (e->dev_addrs)
        g_array_unref(e->dev_addrs);
    if (e->dev_sigs)
        g_ptr_array_unref(e->dev_sigs);
    if (e->ids)
        g_ptr_array_unref(e->ids);
    g_free(e);
}

DtdDecisionCache *
dtd_cache_new(guint max_entries, gsize max_bytes)
{
    DtdDecisionCache *c = g_new0(DtdDecisionCache, 1);

    c->entries = g_hash_table_new(key_hash, key_equal);
    g_queue_init(&c->lru);
    c->max_entries = MAX(max_entries, 1);
    c->max_bytes = max_bytes;
    return c;
}

void
dtd_cache_remove(DtdDecisionCache *c, DtdCacheEntry *e)
{
    g_hash_table_remove(c->entries, &e->key);
    g_queue_delete_link(&c->lru, e->lru);
    c->bytes -= e->bytes;
    dtd_cache_entry_free(e);
}

void
dtd_cache_free(DtdDecisionCache *c)
{
    if (!c)
        return;
    while (c->lru.head)
        dtd_cache_remove(c, c->lru.head->data);
    g_hash_table_unref(c->entries);
    g_free(c);
}

gboolean
dtd_cache_admit(DtdDecisionCache *c, guint hash)
{
    guint *slot = &c->seen[hash % SEEN_SLOTS];

    if (*slot == hash)
        return TRUE;
    *slot = hash;
    return FALSE;
}

DtdCacheEntry *
dtd_cache_lookup(DtdDecisionCache *c, const DtdCacheKey *key)
{
    DtdCacheEntry *e = g_hash_table_lookup(c->entries, key);

    if (e && e->lru != c->lru.head) {
        g_queue_unlink(&c->lru, e->lru);
        g_queue_push_head_link(&c->lru, e->lru);
    }
    return e;
}

void
dtd_cache_insert(DtdDecisionCache *c, DtdCacheEntry *e)
{
    DtdCacheEntry *old = g_hash_table_lookup(c->entries, &e->key);

    if (old)
        dtd_cache_remove(c, old);
    /* the XML, the reply, and the decision it was rendered from (about as
     * large: the same strings), the signatures */
    e->bytes = sizeof(*e) + e->key.xml_len + 2 * e->report_bytes +
               (e->dev_sigs ? e->dev_sigs->len * 200 : 0);
    if (e->bytes > c->max_bytes) {
        dtd_cache_entry_free(e);
        return;
    }
    g_queue_push_head(&c->lru, e);
    e->lru = c->lru.head;
    g_hash_table_insert(c->entries, &e->key, e);
    c->bytes += e->bytes;
    while (c->lru.length > c->max_entries || c->bytes > c->max_bytes)
        dtd_cache_remove(c, c->lru.tail->data);
}

guint
dtd_cache_size(const DtdDecisionCache *c)
{
    return c ? c->lru.length : 0;
}

/* ---- watches: cheap "nothing changed" for a sysroot ---------------------------

 * Checking a cached answer's files costs a few dozen lookups below the
 * sysroot.  A fixture sysroot is an ordinary file system, so inotify can
 * say instead that nothing changed: every directory the lookup of a
 * checked path passes through is watched (links followed, their own
 * directories too), and any event in any of them -- a link replaced, a
 * file written, an entry created, renamed or removed, a watch lost, the
 * queue overflowing -- moves the generation on.  An answer whose checks
 * passed at generation G needs no check while the generation is G; after
 * any event it is checked in full again.  (Real sysfs sends no inotify
 * events: the real root relies on uevents and the checks themselves.) */

#define DTD_WATCH_MAX 1024
#define DTD_WATCH_MASK (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | \
                        IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF)

struct DtdWatch {
    int fd;
    guint64 gen;
    GHashTable *wds;        /* wd -> path: one per directory (inode) watched */
};

DtdWatch *
dtd_watch_new(void)
{
    DtdWatch *w;
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

    if (fd < 0)
        return NULL;
    w = g_new0(DtdWatch, 1);
    w->fd = fd;
    w->wds = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    return w;
}

void
dtd_watch_free(DtdWatch *w)
{
    if (!w)
        return;
    close(w->fd);
    g_hash_table_unref(w->wds);
    g_free(w);
}

int
dtd_watch_fd(const DtdWatch *w)
{
    return w->fd;
}

guint64
dtd_watch_poll(DtdWatch *w)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n;

    while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
        w->gen++;
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *) p;

            if (ev->mask & IN_IGNORED)
                /* gone: watched again, as another inode, when next asked */
                g_hash_table_remove(w->wds, GINT_TO_POINTER(ev->wd));
            else if (ev->mask & IN_MOVE_SELF)
                /* moved away: its path may name another directory now */
                inotify_rm_watch(w->fd, ev->wd);
            p += sizeof(*ev) + ev->len;
        }
    }
    return w->gen;
}

/* inotify keeps one watch per inode: adding a directory watched already
 * returns its descriptor, a new directory at a watched path gets a new
 * one. */
static gboolean
watch_dir(DtdWatch *w, const char *dir)
{
    int wd = inotify_add_watch(w->fd, dir, DTD_WATCH_MASK | IN_ONLYDIR);

    if (wd < 0)
        return FALSE;
    if (g_hash_table_contains(w->wds, GINT_TO_POINTER(wd)))
        return TRUE;
    if (g_hash_table_size(w->wds) >= DTD_WATCH_MAX) {
        inotify_rm_watch(w->fd, wd);
        return FALSE;
    }
    g_hash_table_insert(w->wds, GINT_TO_POINTER(wd), g_strdup(dir));
    return TRUE;
}

/* Watches dir (absolute, a directory) and every directory the lookup of
 * rel from it passes through. */
static gboolean
watch_walk(DtdWatch *w, const char *dir, const char *rel, guint depth)
{
    g_autofree char *cur = g_strdup(dir);
    g_auto(GStrv) parts = g_strsplit(rel, "/", -1);

    if (depth > 16 || !watch_dir(w, cur))
        return FALSE;
    for (guint i = 0; parts[i]; i++) {
        const char *c = parts[i];
        g_autofree char *next = NULL;
        struct stat st;

        if (!*c || g_str_equal(c, "."))
            continue;
        if (g_str_equal(c, "..")) {
            char *up = g_path_get_dirname(cur);

            g_free(cur);
            cur = up;
            if (!watch_dir(w, cur))
                return FALSE;
            continue;
        }
        next = g_build_filename(cur, c, NULL);
        if (lstat(next, &st) < 0)
            /* absent: its creation is an event in cur */
            return TRUE;
        if (S_ISLNK(st.st_mode)) {
            char target[PATH_MAX];
            ssize_t n = readlink(next, target, sizeof(target) - 1);
            g_autofree char *tail = NULL;
            g_autofree char *follow = NULL;

            if (n < 0)
                return FALSE;
            target[n] = '\0';
            /* the link's own directory (cur) is watched: go on from its target */
            tail = g_strjoinv("/", parts + i + 1);
            follow = g_strconcat(target[0] == '/' ? target + 1 : target, "/", tail, NULL);
            return watch_walk(w, target[0] == '/' ? "/" : cur, follow, depth + 1);
        }
        if (!S_ISDIR(st.st_mode))
            /* a file: its changes are events in cur */
            return TRUE;
        g_free(cur);
        cur = g_steal_pointer(&next);
        if (!watch_dir(w, cur))
            return FALSE;
    }
    return TRUE;
}

gboolean
dtd_watch_path(DtdWatch *w, const char *root, const char *path)
{
    if (root && *root && g_str_has_prefix(path, root) && path[strlen(root)] == '/')
        return watch_walk(w, root, path + strlen(root) + 1, 0);
    return g_path_is_absolute(path) && watch_walk(w, "/", path + 1, 0);
}

char *
dtd_file_id_abspath(const DtdFileId *id, const char *root)
{
    if (id->dirfd < 0)
        return g_strdup(id->path);
    return g_build_filename(root, id->path, NULL);
}

/* ---- whether an answer still holds ------------------------------------------------ */

guint64
dtd_serial_next(void)
{
    static gsize serial;   /* atomic */

    return (guint64) g_atomic_pointer_add(&serial, 1) + 1;
}

static gboolean
kernel_fact(DtSource src)
{
    return src == DT_SOURCE_DEBUGFS || src == DT_SOURCE_IOCTL;
}

/* The entry for job's answer when it may be served again (else NULL): an Evaluate whose
 * host came from the snapshot, with a known database, QEMU facts that
 * only change with a file we can watch, and no kernel (debugfs) facts. */
DtdCacheEntry *
dtd_cache_entry_new(const DtdJob *job)
{
    const DtEvaluation *e = job->eval;
    g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func((GDestroyNotify) dtd_file_id_free);
    g_autofree char *vfio_dbg = NULL;
    gboolean vfio_dbg_absent;
    DtdCacheEntry *entry;

    if (job->kind != DTD_JOB_EVALUATE || !job->admit || job->preflight || !job->from.used ||
        job->from.stale || !job->vdb)
        return NULL;
    /* an answer that would fill a large part of the cache would not stay
     * in it, and checking it again (each device's links, on the main loop)
     * would cost more than it saves */
    if (job->xml_len + strlen(job->report_json) > DTD_CACHE_BYTES / 8)
        return NULL;
    if (e->qemu->source == DT_SOURCE_BINARY && e->qemu->binary)
        /* the trusted binary probed (its path without links): its identity */
        g_ptr_array_add(ids, dtd_file_id_new(e->qemu->binary, DTD_ID_FILE));
    else if (e->qemu->source != DT_SOURCE_CONFIG && !e->qemu_untrusted)
        /* none found for the arch, or one that would not answer: that may
         * change without a file we watch */
        return NULL;
    vfio_dbg = dt_paths_get(job->from.base->paths, "/sys/kernel/debug/vfio");
    /* dt_evaluate() reads vfio debugfs where it exists (6.18+): without
     * the directory none can, else each VFIO device's must stay absent */
    vfio_dbg_absent = !g_file_test(vfio_dbg, G_FILE_TEST_IS_DIR);
    if (vfio_dbg_absent)
        g_ptr_array_add(ids, dtd_file_id_new(vfio_dbg, DTD_ID_NO_DIR));
    for (guint i = 0; i < e->host->devices->len; i++) {
        const DtPciDev *p = g_ptr_array_index(e->host->devices, i);
        g_autofree char *addr = NULL;
        g_autofree char *dbg = NULL;

        if (kernel_fact(p->migration.source) || kernel_fact(p->dma_logging.source) ||
            kernel_fact(p->iommu_dirty.source))
            return NULL;
        if (vfio_dbg_absent || !dt_driver_is_vfio(p->driver))
            continue;
        addr = dt_pci_addr_to_string(&p->addr);
        dbg = dt_paths_printf(job->from.base->paths, "/sys/kernel/debug/vfio/%s/migration", addr);
        g_ptr_array_add(ids, dtd_file_id_new(dbg, DTD_ID_NO_DIR));
    }
    /* an mdev's kernel answers (remembered from a pre-flight) hold only
     * while its links do, which no entry checks */
    for (guint i = 0; e->host->mdevs && i < e->host->mdevs->len; i++)
        if (kernel_fact(((const DtMdevDev *) g_ptr_array_index(e->host->mdevs, i))->migration.source))
            return NULL;

    entry = g_new0(DtdCacheEntry, 1);
    entry->key.role = job->args.role;
    entry->key.qemu_version = g_strdup(job->args.qemu_version);
    entry->key.libvirt_version = g_strdup(job->args.libvirt_version);
    entry->key.xml = g_strndup(job->xml, job->xml_len);
    entry->key.xml_len = job->xml_len;
    entry->key.hash = dtd_cache_key_hash(&entry->key);
    entry->report_bytes = strlen(job->report_json);
    entry->domain_name = g_strdup(e->domain->name);
    entry->snapshot_serial = job->from.base->serial;
    entry->uevent_gen = job->uevent_gen;
    entry->vdb_gen = job->vdb_gen;
    entry->observed_gen = job->observed_gen;
    entry->dev_addrs = g_array_ref(job->from.dev_addrs);
    entry->dev_sigs = g_ptr_array_ref(job->from.dev_sigs);
    entry->ids = g_steal_pointer(&ids);
    return entry;
}

/* Everything a cached answer was read from, read again (a few dozen
 * stat/readlink calls). */
static gboolean
entry_checked(DtdDaemon *d, const DtdCacheEntry *e)
{
    DtdHostSnapshot *snap = d->host;

    if (!dtd_host_snapshot_unchanged(snap))
        return FALSE;
    for (guint i = 0; i < e->ids->len; i++)
        if (!dtd_file_id_unchanged(g_ptr_array_index(e->ids, i)))
            return FALSE;
    for (guint i = 0; i < e->dev_addrs->len; i++) {
        g_autofree char *sig = dtd_device_sig(snap->paths, snap->root_fd,
                                              &g_array_index(e->dev_addrs, DtPciAddr, i));

        if (!g_str_equal(sig, g_ptr_array_index(e->dev_sigs, i)))
            return FALSE;
    }
    return TRUE;
}

static gboolean
watch_ready(gint fd, GIOCondition cond, gpointer user_data)
{
    DtdDaemon *d = user_data;

    /* keep the queue short; the generation is what answers read */
    dtd_watch_poll(d->watch);
    return G_SOURCE_CONTINUE;
}

/* On a sysroot, watches every directory behind a cached answer, then
 * checks it in full: from then on, while the watch's generation stays,
 * it holds without a check.  Returns whether it holds. */
gboolean
dtd_cache_watch_entry(DtdDaemon *d, DtdCacheEntry *e)
{
    DtdHostSnapshot *snap = d->host;
    const char *root = snap->paths->root;
    gboolean ok = TRUE;
    guint64 gen;

    e->watched = FALSE;
    if (!d->watch) {
        d->watch = dtd_watch_new();
        if (!d->watch)
            return entry_checked(d, e);
        d->watch_source = g_unix_fd_add(dtd_watch_fd(d->watch), G_IO_IN, watch_ready, d);
    }
    for (guint i = 0; ok && snap->inputs && i < snap->inputs->len; i++) {
        g_autofree char *p = dtd_file_id_abspath(g_ptr_array_index(snap->inputs, i), root);

        ok = dtd_watch_path(d->watch, root, p);
    }
    for (guint i = 0; ok && i < e->ids->len; i++) {
        g_autofree char *p = dtd_file_id_abspath(g_ptr_array_index(e->ids, i), root);

        ok = dtd_watch_path(d->watch, root, p);
    }
    for (guint i = 0; ok && i < e->dev_addrs->len; i++) {
        g_autofree char *bdf = dt_pci_addr_to_string(&g_array_index(e->dev_addrs, DtPciAddr, i));
        g_autofree char *drv = g_strdup_printf("%s/sys/bus/pci/devices/%s/driver", root, bdf);
        g_autofree char *grp = g_strdup_printf("%s/sys/bus/pci/devices/%s/iommu_group", root, bdf);

        ok = dtd_watch_path(d->watch, root, drv) && dtd_watch_path(d->watch, root, grp);
    }
    /* the generation before the check: a change during it moves it on */
    gen = dtd_watch_poll(d->watch);
    if (!entry_checked(d, e))
        return FALSE;
    if (ok) {
        e->watched = TRUE;
        e->watch_gen = gen;
    }
    return TRUE;
}

/* Whether a cached answer still holds.  The cheap parts always: the same
 * snapshot, no uevent since (read what the kernel queued first), the same
 * database, the same root directory.  Then, on a sysroot, no inotify event
 * since the answer was last checked in full (else watch and check it
 * again); on the real root, the full check. */
gboolean
dtd_cache_entry_valid(DtdDaemon *d, DtdCacheEntry *e)
{
    DtdHostSnapshot *snap = d->host;

    dtd_uevent_poll(d->uevent);
    if (!snap || snap->error || snap->serial != e->snapshot_serial ||
        e->uevent_gen != d->uevent_gen)
        return FALSE;
    if (!dtd_vdb_current(d) || dtd_vdb_gen(d) != e->vdb_gen ||
        dtd_observed_gen(d->observed) != e->observed_gen)
        return FALSE;
    if (snap->root_id && !dtd_file_id_unchanged(snap->root_id))
        return FALSE;
    if (e->watched && d->watch && dtd_watch_poll(d->watch) == e->watch_gen)
        return TRUE;
    if (snap->root_fd >= 0)
        return dtd_cache_watch_entry(d, e);
    return entry_checked(d, e);
}
