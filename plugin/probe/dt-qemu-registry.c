/* dt-qemu-registry.c: the QEMU binaries root may run (see dt-qemu-registry.h).
 *
 * Trust is decided from the file system alone: a path is as safe as the
 * least safe directory its lookup passes through, so each component is
 * checked with lstat() and each symlink is followed one hop at a time
 * (as the kernel's path walk would, with its limit of 40 links) rather
 * than checking realpath()'s answer, which would miss a writable directory
 * holding an intermediate link.  Once every component belongs to root and
 * nobody else may write it, only root can change what the path runs, so
 * checking now and running a moment later is not a race an attacker can
 * win.
 *
 * Entries are few (the configured binaries and the standard emulators that
 * exist) and are never removed while the registry lives; a domain naming a
 * standard emulator installed since is added on first use, but only once
 * it exists and is trusted, so callers cannot grow the table with names.
 * Each entry keeps the identity it was probed at, and probes again only
 * when that changes; a lock per entry makes concurrent evaluations wait
 * for the one probe instead of starting their own.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "probe/dt-qemu-registry.h"
#include "probe/dt-qemu.h"
#include "model/dt-util.h"

#define DT_QEMU_MAX_LINKS 40            /* the kernel's MAXSYMLINKS */

/* Where distributions install the system emulators: Debian, Fedora and
 * SUSE /usr/bin/qemu-system-<target>; RHEL /usr/libexec/qemu-kvm. */
static const char *const std_dirs[] = { "/usr/bin", "/usr/libexec", "/bin" };

typedef struct {
    char *path;          /* as configured, found or named by a domain */
    char *why;           /* why it cannot be used now (translated), or NULL */
    gboolean trusted;    /* at the last look */
    gboolean probed;     /* caps/why belong to id */
    GStatBuf id;
    DtQemuCaps *caps;    /* NULL: untrusted, or its probe failed */
    GMutex lock;         /* one look (and probe) at a time, per binary */
} Entry;

struct DtQemuRegistry {
    GMutex lock;         /* entries */
    GPtrArray *entries;  /* Entry* */
    char *binary;        /* [qemu] binary: the QEMU of every domain, or NULL */
    char *cache_dir;
    guint probe_timeout_ms;   /* 0: the probe's default */
};

/* ---- the walk ----------------------------------------------------------------- */

static gboolean
fail_path(GError **error, const char *path, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static gboolean
fail_path(GError **error, const char *path, const char *fmt, ...)
{
    g_autofree char *what = NULL;
    va_list ap;

    va_start(ap, fmt);
    what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, DT_ERROR, DT_ERROR_PERMISSION, "%s %s", path, what);
    return FALSE;
}

/* A component others could replace: not root's, or writable by others
 * outside a sticky directory's protection (which covers the entries, not
 * the directory itself: that is checked as an entry of its parent). */
static gboolean
component_ok(const char *path, const GStatBuf *st, GError **error)
{
    if (st->st_uid != 0)
        return fail_path(error, path, _("belongs to uid %u, not root"), (unsigned) st->st_uid);
    if (S_ISLNK(st->st_mode))
        return TRUE;   /* a link's mode means nothing; its directory guards it */
    if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX)))
        return fail_path(error, path, _("may be written by group or others (mode %04o)"),
                         (unsigned) (st->st_mode & 07777));
    return TRUE;
}

static void
push_components(GQueue *todo, const char *path)
{
    g_auto(GStrv) parts = g_strsplit(path, "/", -1);

    /* in order, in front of what is left */
    for (gint i = (gint) g_strv_length(parts) - 1; i >= 0; i--)
        if (*parts[i] && !g_str_equal(parts[i], "."))
            g_queue_push_head(todo, g_strdup(parts[i]));
}

gboolean
dt_qemu_registry_path_trusted(const char *path, char **resolved, GError **error)
{
    g_autoptr(GString) cur = g_string_new("");   /* "" is "/" */
    GQueue todo = G_QUEUE_INIT;
    GStatBuf st;
    guint links = 0;
    gboolean ok = FALSE, is_file = FALSE;
    char *comp;

    if (!path || path[0] != '/')
        return fail_path(error, path ? path : "(null)", _("is not an absolute path"));
    if (g_lstat("/", &st) < 0 || !component_ok("/", &st, error))
        return FALSE;
    push_components(&todo, path);
    while ((comp = g_queue_pop_head(&todo))) {
        g_autofree char *name = comp;
        g_autofree char *next = NULL;

        if (is_file) {
            fail_path(error, cur->str, _("is not a directory"));
            goto out;
        }
        if (g_str_equal(name, "..")) {
            char *slash = strrchr(cur->str, '/');

            if (slash)
                g_string_truncate(cur, (gsize) (slash - cur->str));
            continue;
        }
        next = g_strconcat(cur->str, "/", name, NULL);
        if (g_lstat(next, &st) < 0) {
            fail_path(error, next, _("cannot be examined: %s"), g_strerror(errno));
            goto out;
        }
        if (!component_ok(next, &st, error))
            goto out;
        if (S_ISLNK(st.st_mode)) {
            g_autofree char *target = NULL;

            if (++links > DT_QEMU_MAX_LINKS) {
                fail_path(error, path, _("passes through too many symbolic links"));
                goto out;
            }
            target = g_file_read_link(next, NULL);
            if (!target) {
                fail_path(error, next, _("cannot be read"));
                goto out;
            }
            if (target[0] == '/')
                g_string_truncate(cur, 0);
            push_components(&todo, target);
        } else if (S_ISDIR(st.st_mode)) {
            g_string_assign(cur, next);
        } else if (S_ISREG(st.st_mode)) {
            g_string_assign(cur, next);
            is_file = TRUE;
        } else {
            fail_path(error, next, _("is not a regular file"));
            goto out;
        }
    }
    if (!is_file) {
        fail_path(error, path, _("is not a regular file"));
        goto out;
    }
    if (!(st.st_mode & S_IXUSR)) {
        fail_path(error, path, _("is not executable"));
        goto out;
    }
    if (resolved)
        *resolved = g_strdup(cur->str);
    ok = TRUE;
out:
    g_queue_clear_full(&todo, g_free);
    return ok;
}

/* ---- entries -------------------------------------------------------------------- */

static void
entry_free(Entry *e)
{
    g_free(e->path);
    g_free(e->why);
    dt_qemu_caps_free(e->caps);
    g_mutex_clear(&e->lock);
    g_free(e);
}

static gboolean
same_identity(const GStatBuf *a, const GStatBuf *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* The entry's capabilities now (a copy, or NULL with *why set): the walk
 * again (a few lstat calls, so a link moved by root is followed), then a
 * probe only when the file's identity differs from the last probe's.
 * *probed says whether QEMU ran. */
static DtQemuCaps *
entry_caps(DtQemuRegistry *r, Entry *e, gboolean *trusted, char **why, gboolean *probed)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *resolved = NULL;
    DtQemuCaps *out = NULL;
    GStatBuf st;

    g_mutex_lock(&e->lock);
    if (!dt_qemu_registry_path_trusted(e->path, &resolved, &error) || g_stat(resolved, &st) < 0) {
        e->trusted = FALSE;
        e->probed = FALSE;
        g_clear_pointer(&e->caps, dt_qemu_caps_free);
        dt_set_str(&e->why, error ? error->message : g_strerror(errno));
        goto out;
    }
    e->trusted = TRUE;
    if (!e->probed || !same_identity(&st, &e->id)) {
        g_autoptr(GError) perr = NULL;

        g_clear_pointer(&e->caps, dt_qemu_caps_free);
        g_clear_pointer(&e->why, g_free);
        e->id = st;
        e->probed = TRUE;
        if (probed)
            *probed = TRUE;
        /* a failed probe is remembered as well: a broken binary is not run
         * again until it changes */
        e->caps = dt_qemu_caps_probe(resolved, r->cache_dir, r->probe_timeout_ms, &perr);
        if (!e->caps) {
            e->why = g_strdup(perr ? perr->message : "?");
            g_debug("QEMU probe of %s failed: %s", resolved, e->why);
        }
    }
    if (e->caps)
        out = dt_qemu_caps_copy(e->caps);
out:
    if (trusted)
        *trusted = e->trusted;
    if (why && e->why)
        *why = g_strdup(e->why);
    g_mutex_unlock(&e->lock);
    return out;
}

static gboolean
safe_name(const char *base)
{
    for (const char *p = base; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-' && *p != '.')
            return FALSE;
    return *base != '\0' && *base != '.';
}

/* A standard system emulator's path, by name alone. */
static gboolean
is_standard(const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);

    if (!safe_name(base) ||
        !(g_str_has_prefix(base, "qemu-system-") || g_str_equal(base, "qemu-kvm")))
        return FALSE;
    for (guint i = 0; i < G_N_ELEMENTS(std_dirs); i++)
        if (g_str_equal(dir, std_dirs[i]))
            return TRUE;
    return FALSE;
}

/* Caller holds r->lock. */
static Entry *
find_locked(DtQemuRegistry *r, const char *path)
{
    for (guint i = 0; i < r->entries->len; i++) {
        Entry *e = g_ptr_array_index(r->entries, i);

        if (g_str_equal(e->path, path))
            return e;
    }
    return NULL;
}

static Entry *
add_locked(DtQemuRegistry *r, const char *path)
{
    Entry *e = find_locked(r, path);

    if (e)
        return e;
    e = g_new0(Entry, 1);
    e->path = g_strdup(path);
    g_mutex_init(&e->lock);
    g_ptr_array_add(r->entries, e);
    return e;
}

/* The entry for a path a domain names: a known one, or a standard
 * emulator that exists and is trusted (added); NULL with *why otherwise.
 * Nothing but lstat() touches a path that is neither. */
static Entry *
lookup(DtQemuRegistry *r, const char *path, char **why)
{
    g_autoptr(GError) error = NULL;
    Entry *e;

    g_mutex_lock(&r->lock);
    e = find_locked(r, path);
    g_mutex_unlock(&r->lock);
    if (e)
        return e;
    if (!is_standard(path)) {
        *why = g_strdup(_("it is neither a standard system emulator nor named in the "
                          "[qemu] section of the configuration"));
        return NULL;
    }
    if (!dt_qemu_registry_path_trusted(path, NULL, &error)) {
        *why = g_strdup(error->message);
        return NULL;
    }
    g_mutex_lock(&r->lock);
    e = add_locked(r, path);
    g_mutex_unlock(&r->lock);
    return e;
}

/* ---- the registry ---------------------------------------------------------------- */

DtQemuRegistry *
dt_qemu_registry_new(const char *binary, const char *const *trusted, const char *cache_dir)
{
    DtQemuRegistry *r = g_new0(DtQemuRegistry, 1);

    g_mutex_init(&r->lock);
    r->entries = g_ptr_array_new_with_free_func((GDestroyNotify) entry_free);
    r->cache_dir = g_strdup(cache_dir);
    if (binary && *binary) {
        r->binary = g_strdup(binary);
        add_locked(r, binary);
    }
    for (guint i = 0; trusted && trusted[i]; i++)
        if (*trusted[i])
            add_locked(r, trusted[i]);
    return r;
}

DtQemuRegistry *
dt_qemu_registry_new_for_config(const DtConfig *cfg)
{
    g_auto(GStrv) trusted = cfg->qemu_trusted ? g_strsplit_set(cfg->qemu_trusted, "; \t", -1)
                                              : NULL;
    g_autofree char *cache = dt_qemu_registry_cache_dir(cfg->cache_dir);
    DtQemuRegistry *r = dt_qemu_registry_new(cfg->qemu_binary, (const char *const *) trusted, cache);

    r->probe_timeout_ms = cfg->qemu_probe_timeout_ms;
    return r;
}

void
dt_qemu_registry_free(DtQemuRegistry *r)
{
    if (!r)
        return;
    g_ptr_array_unref(r->entries);
    g_free(r->binary);
    g_free(r->cache_dir);
    g_mutex_clear(&r->lock);
    g_free(r);
}

guint
dt_qemu_registry_refresh(DtQemuRegistry *r)
{
    g_autoptr(GPtrArray) todo = g_ptr_array_new();
    guint n = 0;

    /* the standard emulators installed now (/bin is /usr/bin on merged
     * systems: looked up by name only, not listed twice) */
    g_mutex_lock(&r->lock);
    for (guint i = 0; i < G_N_ELEMENTS(std_dirs); i++) {
        g_autoptr(GDir) dir = g_str_equal(std_dirs[i], "/bin") ? NULL
                                                                : g_dir_open(std_dirs[i], 0, NULL);
        const char *name;

        while (dir && (name = g_dir_read_name(dir))) {
            g_autofree char *p = g_build_filename(std_dirs[i], name, NULL);

            if (is_standard(p))
                add_locked(r, p);
        }
    }
    g_ptr_array_extend(todo, r->entries, NULL, NULL);
    g_mutex_unlock(&r->lock);

    for (guint i = 0; i < todo->len; i++) {
        Entry *e = g_ptr_array_index(todo, i);
        g_autofree char *why = NULL;
        gboolean trusted = FALSE, probed = FALSE;
        g_autoptr(DtQemuCaps) caps = entry_caps(r, e, &trusted, &why, &probed);

        if (!trusted)
            g_message(_("QEMU binary %s is not trusted and will not be run: %s"), e->path, why);
        n += probed;
    }
    return n;
}

/* The standard emulator for arch, if one is installed and trusted. */
static Entry *
arch_entry(DtQemuRegistry *r, const char *arch)
{
    g_autofree char *name = dt_qemu_system_name(arch);
    g_autofree char *why = NULL;
    struct utsname uts;
    Entry *e = NULL;

    if (name) {
        g_autofree char *p = g_build_filename("/usr/bin", name, NULL);

        e = lookup(r, p, &why);
    }
    /* RHEL ships only the host's emulator, as qemu-kvm */
    if (!e && uname(&uts) == 0 && g_strcmp0(arch, uts.machine) == 0) {
        g_clear_pointer(&why, g_free);
        e = lookup(r, "/usr/libexec/qemu-kvm", &why);
    }
    return e;
}

/* An entry's capabilities, or an unknown QEMU's (named when trusted). */
static DtQemuCaps *
caps_or_unknown(DtQemuRegistry *r, Entry *e, gboolean *trusted, char **why)
{
    DtQemuCaps *caps = e ? entry_caps(r, e, trusted, why, NULL) : NULL;

    if (!caps) {
        caps = dt_qemu_caps_new();
        if (e && *trusted)
            /* trusted, but it would not answer: an unknown QEMU there */
            caps->binary = g_strdup(e->path);
    }
    return caps;
}

DtQemuCaps *
dt_qemu_registry_caps(DtQemuRegistry *r, const char *emulator, const char *arch,
                      char **untrusted)
{
    g_autofree char *why = NULL;
    const char *named = NULL;
    gboolean trusted = FALSE;
    DtQemuCaps *caps;
    Entry *e;

    if (r->binary) {
        /* the configured QEMU stands for every domain's */
        g_mutex_lock(&r->lock);
        e = find_locked(r, r->binary);
        g_mutex_unlock(&r->lock);
        named = r->binary;
        caps = caps_or_unknown(r, e, &trusted, &why);
    } else if (emulator && *emulator) {
        e = lookup(r, emulator, &why);
        named = emulator;
        caps = caps_or_unknown(r, e, &trusted, &why);
    } else {
        e = arch_entry(r, arch && *arch ? arch : "x86_64");
        caps = caps_or_unknown(r, e, &trusted, NULL);
    }
    if (named && !trusted && untrusted)
        *untrusted = g_strdup_printf(r->binary ? _("The configured QEMU binary %s was not run "
                                                   "to read its capabilities: %s.")
                                               : _("The domain's emulator %s was not run to "
                                                   "read its capabilities: %s."),
                                     named, why ? why : "?");
    return caps;
}
