/* dt-alias.c: the VFIO variant driver modules.alias would pick.
 *
 * Only "alias vfio_pci:..." lines matter (kernel-uapi.md §5.1); a real
 * modules.alias holds tens of thousands of other lines, so the loader
 * searches for the prefix instead of splitting every line.  Matching is
 * fnmatch(3), and among several matches the pattern with the most literal
 * characters wins: "v000015B3d0000101E..." beats vfio_pci's own
 * "v*d*sv*sd*bc*sc*i*", which is why a catch-all-only answer is NULL.
 *
 * Speed: the hook pays for this file on every run and the daemon on every
 * call.  Candidates are found on the 'f' of "vfio", a byte that upper-case
 * hex never contains, 64 bytes at a time, instead of a substring search; the
 * loader reads through one small reused buffer instead of allocating the
 * whole file; and the parsed table is kept per process, keyed by the
 * file's identity (device, inode, size, mtime, ctime), so a daemon re-reads
 * it only when depmod has replaced or changed it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "probe/dt-alias.h"
#include "model/dt-util.h"

#define VFIO_ALIAS_PREFIX "alias vfio_pci:"
#define GENERIC_MODULE "vfio_pci"
/* modules.alias of a distribution kernel is ~1.5 MB; refuse absurd input */
#define ALIAS_MAX_BYTES (64u * 1024u * 1024u)

typedef struct {
    char *pattern;   /* "vfio_pci:v000015B3d0000101Esv*sd*bc*sc*i*" */
    char *module;
    guint literal;   /* specificity: characters that are not wildcards */
} DtAlias;

struct DtAliasTable {
    GPtrArray *aliases;   /* DtAlias* */
};

static void
dt_alias_free(DtAlias *a)
{
    if (!a)
        return;
    g_free(a->pattern);
    g_free(a->module);
    g_free(a);
}

static guint
count_literal(const char *pattern)
{
    guint n = 0;
    for (const char *p = pattern; *p; p++)
        if (*p != '*' && *p != '?')
            n++;
    return n;
}

static gboolean
module_name_ok(const char *s, gsize len)
{
    if (len == 0 || len > 64)
        return FALSE;
    for (gsize i = 0; i < len; i++)
        if (!g_ascii_isalnum(s[i]) && s[i] != '_' && s[i] != '-')
            return FALSE;
    return TRUE;
}

/* One line starting at "vfio_pci:" (after "alias "), up to end. */
static void
add_line(DtAliasTable *t, const char *line, gsize len)
{
    const char *sp = memchr(line, ' ', len);
    const char *mod;
    gsize plen, mlen;
    DtAlias *a;

    if (!sp)
        return;
    plen = (gsize)(sp - line);
    mod = sp + 1;
    mlen = len - plen - 1;
    while (mlen > 0 && g_ascii_isspace(mod[mlen - 1]))
        mlen--;
    if (plen <= strlen("vfio_pci:") || plen > 256 || !module_name_ok(mod, mlen))
        return;
    a = g_new0(DtAlias, 1);
    a->pattern = g_strndup(line, plen);
    a->module = g_strndup(mod, mlen);
    a->literal = count_literal(a->pattern);
    g_ptr_array_add(t->aliases, a);
}

#define FOFF 7   /* strlen("alias v"): where the 'f' of "vfio" sits in a line */

/* If f is the 'f' of a line "alias vfio_pci:..." (start is a line start,
 * f at least FOFF past it), adds the line and returns its end (the '\n',
 * or end); otherwise NULL. */
static const char *
take_line(DtAliasTable *t, const char *start, const char *end, const char *f)
{
    const gsize plen = strlen(VFIO_ALIAS_PREFIX);
    const char *ls = f - FOFF;
    const char *eol;

    /* only at the start of a line */
    if ((ls != start && ls[-1] != '\n') || (gsize)(end - ls) < plen ||
        memcmp(ls, VFIO_ALIAS_PREFIX, plen) != 0)
        return NULL;
    eol = memchr(ls + plen, '\n', (gsize)(end - (ls + plen)));
    if (!eol)
        eol = end;
    add_line(t, ls + strlen("alias "), (gsize)(eol - ls) - strlen("alias "));
    return eol;
}

/* Adds every line of [start, end) that begins with "alias vfio_pci:";
 * start is the start of a line.  The last line may lack its newline.
 *
 * About one byte in 140 of a distribution's file is an 'f', so calling
 * memchr() once per 'f' costs a call per candidate; on x86-64 the 'f's
 * of 64 bytes at a time are found with SSE2 (part of the architecture)
 * and only the tail goes through memchr(). */
static void
scan_lines(DtAliasTable *t, const char *start, const char *end)
{
    const char *p = start + FOFF;   /* where the next 'f' may be */

    if (end - start <= FOFF)
        return;
#ifdef __SSE2__
    {
        const __m128i vf = _mm_set1_epi8('f');

        while (end - p >= 64) {
            const char *block = p;
            __m128i a = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)block), vf);
            __m128i b = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(block + 16)), vf);
            __m128i c = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(block + 32)), vf);
            __m128i d = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(block + 48)), vf);
            guint64 m;

            p = block + 64;
            if (!_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d))))
                continue;
            m = (guint64)(guint)_mm_movemask_epi8(a) | (guint64)(guint)_mm_movemask_epi8(b) << 16 |
                (guint64)(guint)_mm_movemask_epi8(c) << 32 |
                (guint64)(guint)_mm_movemask_epi8(d) << 48;
            while (m) {
                const char *f = block + __builtin_ctzll(m);
                const char *eol;

                m &= m - 1;
                /* most 'f's are not 7 bytes into a line: say so here, not
                 * in a call */
                if (f - FOFF != start && f[-FOFF - 1] != '\n')
                    continue;
                eol = take_line(t, start, end, f);
                if (!eol)
                    continue;
                if (eol == end)
                    return;
                /* go on after the line, whether in this block or not */
                p = eol + 1 + FOFF;
                break;
            }
        }
    }
#endif
    while (p < end) {
        const char *f = memchr(p, 'f', (gsize)(end - p));
        const char *eol;

        if (!f)
            break;
        eol = take_line(t, start, end, f);
        if (!eol) {
            p = f + 1;
            continue;
        }
        if (eol == end)
            break;
        p = eol + 1 + FOFF;
    }
}

static DtAliasTable *
table_new(void)
{
    DtAliasTable *t = g_new0(DtAliasTable, 1);

    t->aliases = g_ptr_array_new_with_free_func((GDestroyNotify)dt_alias_free);
    return t;
}

DtAliasTable *
dt_alias_table_parse(const char *text, gsize len)
{
    DtAliasTable *t = table_new();

    if (text)
        scan_lines(t, text, text + len);
    return t;
}

/* The plain way: the whole file in memory.  It also words every error. */
static DtAliasTable *
load_whole(const char *path, GError **error)
{
    g_autofree char *buf = NULL;
    gsize len = 0;

    if (!g_file_get_contents(path, &buf, &len, error)) {
        g_prefix_error(error, _("Cannot read %s: "), path);
        return NULL;
    }
    if (len > ALIAS_MAX_BYTES) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("%s is too large to be a modules.alias file"), path);
        return NULL;
    }
    return dt_alias_table_parse(buf, len);
}

/* Parses an open regular file through one reused buffer, carrying a
 * partial last line into the next read.  FALSE (and nothing parsed) on a
 * read error, an oversized file or a line longer than the buffer: the
 * caller then takes the plain way, which reports exactly as before. */
#define CHUNK_BYTES (64u * 1024u)
static gboolean
load_chunked(DtAliasTable *t, int fd)
{
    g_autofree char *buf = g_malloc(CHUNK_BYTES);
    gsize have = 0;
    guint64 total = 0;

    for (;;) {
        ssize_t n = read(fd, buf + have, CHUNK_BYTES - have);
        const char *last_nl;

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return FALSE;
        if (n == 0) {
            scan_lines(t, buf, buf + have);
            return TRUE;
        }
        total += (guint64)n;
        if (total > ALIAS_MAX_BYTES)
            return FALSE;
        have += (gsize)n;
        last_nl = memrchr(buf, '\n', have);
        if (!last_nl) {
            if (have == CHUNK_BYTES)
                return FALSE;
            continue;
        }
        scan_lines(t, buf, last_nl + 1);
        have -= (gsize)(last_nl + 1 - buf);
        memmove(buf, last_nl + 1, have);
    }
}

/* The last table loaded, shared by reference (its entries never change
 * once parsed), and the identity of the file it came from. */
static GMutex cache_lock;
static struct {
    char *path;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime, ctime;
    GPtrArray *aliases;
} cache;

static gboolean
cache_matches(const char *path, const struct stat *st)
{
    return cache.aliases && g_strcmp0(cache.path, path) == 0 && cache.dev == st->st_dev &&
           cache.ino == st->st_ino && cache.size == st->st_size &&
           cache.mtime.tv_sec == st->st_mtim.tv_sec &&
           cache.mtime.tv_nsec == st->st_mtim.tv_nsec &&
           cache.ctime.tv_sec == st->st_ctim.tv_sec &&
           cache.ctime.tv_nsec == st->st_ctim.tv_nsec;
}

DtAliasTable *
dt_alias_table_load(const char *path, GError **error)
{
    g_autoptr(DtAliasTable) t = NULL;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

    if (fd < 0)
        return load_whole(path, error);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)ALIAS_MAX_BYTES) {
        close(fd);
        return load_whole(path, error);
    }
    g_mutex_lock(&cache_lock);
    if (cache_matches(path, &st)) {
        t = g_new0(DtAliasTable, 1);
        t->aliases = g_ptr_array_ref(cache.aliases);
    }
    g_mutex_unlock(&cache_lock);
    if (t) {
        close(fd);
        return g_steal_pointer(&t);
    }
    t = table_new();
    if (!load_chunked(t, fd)) {
        close(fd);
        return load_whole(path, error);
    }
    close(fd);
    g_mutex_lock(&cache_lock);
    g_free(cache.path);
    if (cache.aliases)
        g_ptr_array_unref(cache.aliases);
    cache.path = g_strdup(path);
    cache.dev = st.st_dev;
    cache.ino = st.st_ino;
    cache.size = st.st_size;
    cache.mtime = st.st_mtim;
    cache.ctime = st.st_ctim;
    cache.aliases = g_ptr_array_ref(t->aliases);
    g_mutex_unlock(&cache_lock);
    return g_steal_pointer(&t);
}

void
dt_alias_table_free(DtAliasTable *t)
{
    if (!t)
        return;
    g_ptr_array_unref(t->aliases);
    g_free(t);
}

guint
dt_alias_table_size(const DtAliasTable *t)
{
    return t ? t->aliases->len : 0;
}

const char *
dt_alias_table_lookup(const DtAliasTable *t, const char *modalias)
{
    g_autofree char *subject = NULL;
    const DtAlias *best = NULL;

    if (!t || !modalias || !g_str_has_prefix(modalias, "pci:"))
        return NULL;
    subject = g_strconcat("vfio_pci:", modalias + strlen("pci:"), NULL);
    g_strchomp(subject);
    for (guint i = 0; i < t->aliases->len; i++) {
        const DtAlias *a = g_ptr_array_index(t->aliases, i);
        /* hex is upper case on both sides (file2alias and modalias_show
         * print %08X); casefold only forgives a hand-written lower-case line */
        if (fnmatch(a->pattern, subject, FNM_CASEFOLD) != 0)
            continue;
        if (!best || a->literal > best->literal)
            best = a;
    }
    if (!best || strcmp(best->module, GENERIC_MODULE) == 0)
        return NULL;
    return best->module;
}
