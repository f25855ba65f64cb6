/* dt-qemu.c: what a QEMU binary can do for VFIO migration.
 *
 * The binary itself is the only authority: `-version`, the vfio-pci
 * property list from `-device vfio-pci,help`, and QMP
 * `query-migrate-capabilities` for switchover-ack.  Running QEMU three
 * times costs a few hundred milliseconds, too much for a libvirt hook on
 * every call, so answers are cached per binary (absolute path, device,
 * inode, size and mtime in a small key file) and any cache file that does
 * not match or does not parse is simply probed again and rewritten.  A
 * cache file is believed only when it belongs to the user reading it and
 * nobody else may write it: root's decisions must not rest on a file a
 * user could have written.
 *
 * QEMU is run without a shell, in its own process group, under one hard
 * deadline for the whole probe: a wedged binary is killed (with anything
 * it started) and the caller gets DT_ERROR_TIMEOUT instead of a hung hook.
 *
 * When the user states a version instead, the property set comes from the
 * version tables of dt-versions.c (dt_qemu_caps_from_version).
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "probe/dt-qemu.h"
#include "model/dt-config.h"
#include "model/dt-versions.h"
#include "model/dt-util.h"

#define DT_QEMU_OUTPUT_MAX (1024 * 1024)   /* help text is ~3 KiB; QMP replies less */
#define DT_QEMU_CACHE_FORMAT 2   /* 2: device and inode in the key */

/* ---- version bands ------------------------------------------------------- */

/* The bands and the property table live in dt-versions.c; this module only
 * reads binaries. */

DtQemuCaps *
dt_qemu_caps_from_version(const DtVersion *v)
{
    DtQemuCaps *caps = dt_qemu_caps_new();
    const DtQemuBand *b;

    caps->source = DT_SOURCE_CONFIG;
    caps->props_known = FALSE;
    if (!v || !v->known)
        return caps;
    caps->version = *v;
    b = dt_versions_qemu_band(v);
    caps->has_x_enable_migration = dt_versions_qemu_has_prop(v, "x-enable-migration");
    caps->has_enable_migration = dt_versions_qemu_has_prop(v, "enable-migration");
    caps->has_x_pre_copy_dirty_page_tracking =
        dt_versions_qemu_has_prop(v, "x-pre-copy-dirty-page-tracking");
    caps->has_iommufd = dt_versions_qemu_has_prop(v, "iommufd");
    caps->has_x_device_dirty_page_tracking =
        dt_versions_qemu_has_prop(v, "x-device-dirty-page-tracking");
    caps->has_migration_events = dt_versions_qemu_has_prop(v, "migration-events");
    caps->has_multifd_transfer = dt_versions_qemu_has_prop(v, "x-migration-multifd-transfer");
    caps->has_switchover_ack = b && b->switchover_ack;
    return caps;
}

/* ---- parsing what QEMU prints --------------------------------------------- */

gboolean
dt_qemu_caps_parse_help(DtQemuCaps *caps, const char *text)
{
    g_auto(GStrv) lines = NULL;
    guint props = 0;
    gboolean x_enable = FALSE, enable = FALSE, x_device = FALSE, x_pre = FALSE;
    gboolean iommufd = FALSE, events = FALSE, multifd = FALSE;

    if (!caps || !text)
        return FALSE;
    lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        const char *p = lines[i];
        const char *name, *end;
        g_autofree char *prop = NULL;

        /* "  NAME=<TYPE>..." (qemu-libvirt.md §2); anything else is a header,
         * a blank line or a description and carries no property. */
        if (strncmp(p, "  ", 2) != 0)
            continue;
        name = p + 2;
        end = name;
        while (g_ascii_isalnum(*end) || *end == '_' || *end == '.' || *end == '-')
            end++;
        if (end == name || end[0] != '=' || end[1] != '<' || !strchr(end + 2, '>'))
            continue;
        prop = g_strndup(name, (gsize)(end - name));
        props++;
        if (strcmp(prop, "x-enable-migration") == 0)
            x_enable = TRUE;
        else if (strcmp(prop, "enable-migration") == 0)
            enable = TRUE;
        else if (strcmp(prop, "x-device-dirty-page-tracking") == 0)
            x_device = TRUE;
        else if (strcmp(prop, "x-pre-copy-dirty-page-tracking") == 0)
            x_pre = TRUE;
        else if (strcmp(prop, "iommufd") == 0)
            iommufd = TRUE;
        else if (strcmp(prop, "migration-events") == 0)
            events = TRUE;
        else if (strcmp(prop, "x-migration-multifd-transfer") == 0)
            multifd = TRUE;
    }
    if (props == 0)
        return FALSE;
    caps->props_known = TRUE;
    caps->has_x_enable_migration = x_enable;
    caps->has_enable_migration = enable;
    caps->has_x_device_dirty_page_tracking = x_device;
    caps->has_x_pre_copy_dirty_page_tracking = x_pre;
    caps->has_iommufd = iommufd;
    caps->has_migration_events = events;
    caps->has_multifd_transfer = multifd;
    return TRUE;
}

static gboolean
parse_version_output(const char *text, DtVersion *out)
{
    const char *p = text ? strstr(text, "QEMU emulator version ") : NULL;

    if (!p)
        return FALSE;
    p += strlen("QEMU emulator version ");
    if (!g_ascii_isdigit(*p))
        return FALSE;
    return dt_version_parse(p, out);
}

/* Walk the QMP transcript line by line (QEMU prints one JSON object per
 * line) and find the reply listing migration capabilities.  *found tells
 * whether such a reply was seen at all. */
static gboolean
parse_qmp_switchover_ack(const char *text, gboolean *found)
{
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
    g_autoptr(JsonParser) parser = json_parser_new();

    *found = FALSE;
    for (guint i = 0; lines[i]; i++) {
        JsonNode *root;
        JsonObject *obj;
        JsonNode *ret;
        JsonArray *arr;
        gboolean has = FALSE;

        if (!*g_strstrip(lines[i]))
            continue;
        if (!json_parser_load_from_data(parser, lines[i], -1, NULL))
            continue;
        root = json_parser_get_root(parser);
        if (!root || !JSON_NODE_HOLDS_OBJECT(root))
            continue;
        obj = json_node_get_object(root);
        ret = json_object_get_member(obj, "return");
        if (!ret || !JSON_NODE_HOLDS_ARRAY(ret))
            continue;
        arr = json_node_get_array(ret);
        for (guint j = 0; j < json_array_get_length(arr); j++) {
            JsonNode *el = json_array_get_element(arr, j);
            JsonObject *cap;
            if (!JSON_NODE_HOLDS_OBJECT(el))
                continue;
            cap = json_node_get_object(el);
            if (g_strcmp0(json_object_get_string_member_with_default(cap, "capability", ""),
                          "switchover-ack") == 0)
                has = TRUE;
        }
        *found = TRUE;
        return has;
    }
    return FALSE;
}

/* ---- running QEMU under a deadline ---------------------------------------- */

static void
child_setup(gpointer data)
{
    /* own process group, so a timeout kills whatever QEMU (or a wrapper
     * script standing in for it) started */
    setpgid(0, 0);
}

static gint64
ms_left(gint64 deadline)
{
    gint64 now = g_get_monotonic_time();
    return now >= deadline ? 0 : (deadline - now + 999) / 1000;
}

static void
kill_and_reap(GPid pid)
{
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

/* Feed a few hundred bytes to the child.  They fit in the pipe buffer, so
 * this cannot block; a child that exits without reading must not kill the
 * caller with SIGPIPE, so the signal is held back (for this thread only)
 * and discarded. */
static void
write_input(int fd, const char *input)
{
    sigset_t pipe_set, old_set;
    gsize len = strlen(input), done = 0;
    gboolean broken = FALSE;

    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
    while (done < len) {
        ssize_t n = write(fd, input + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            broken = n < 0 && errno == EPIPE;
            break;
        }
        done += (gsize)n;
    }
    if (broken && !sigismember(&old_set, SIGPIPE)) {
        struct timespec zero = { 0, 0 };
        sigtimedwait(&pipe_set, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old_set, NULL);
}

/* Run argv, feeding `input` (may be NULL) on stdin, collecting stdout.
 * Fails with DT_ERROR_TIMEOUT when the deadline passes (the child is then
 * killed), DT_ERROR_FAILED on a non-zero exit. */
static gboolean
run_bounded(const char *const *argv, const char *what, const char *input, gint64 deadline,
            char **out_stdout, GError **error)
{
    g_autoptr(GError) local = NULL;
    g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "LC_ALL", "C", TRUE);
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(GString) err = g_string_new(NULL);
    GPid pid = 0;
    int in_fd = -1, out_fd = -1, err_fd = -1;
    int status = 0;
    gboolean timed_out = FALSE, too_big = FALSE;

    if (!g_spawn_async_with_pipes(NULL, (char **)argv, env,
                                  G_SPAWN_DO_NOT_REAP_CHILD, child_setup, NULL,
                                  &pid, input ? &in_fd : NULL, &out_fd, &err_fd, &local)) {
        g_set_error(error, DT_ERROR, DT_ERROR_FAILED, _("cannot run %s: %s"),
                    argv[0], local->message);
        return FALSE;
    }
    if (in_fd >= 0) {
        write_input(in_fd, input);
        close(in_fd);
    }

    while (out_fd >= 0 || err_fd >= 0) {
        struct pollfd fds[2];
        nfds_t nfds = 0;
        gint64 left = ms_left(deadline);
        int rc;

        if (left == 0) {
            timed_out = TRUE;
            break;
        }
        if (out_fd >= 0)
            fds[nfds++] = (struct pollfd){ .fd = out_fd, .events = POLLIN };
        if (err_fd >= 0)
            fds[nfds++] = (struct pollfd){ .fd = err_fd, .events = POLLIN };
        rc = poll(fds, nfds, (int)MIN(left, G_MAXINT));
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            break;
        for (nfds_t i = 0; i < nfds; i++) {
            char buf[4096];
            ssize_t n;
            GString *dst;

            if (!fds[i].revents)
                continue;
            dst = fds[i].fd == out_fd ? out : err;
            n = read(fds[i].fd, buf, sizeof(buf));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                if (fds[i].fd == out_fd) {
                    close(out_fd);
                    out_fd = -1;
                } else {
                    close(err_fd);
                    err_fd = -1;
                }
                continue;
            }
            if (dst->len + (gsize)n > DT_QEMU_OUTPUT_MAX)
                too_big = TRUE;
            else
                g_string_append_len(dst, buf, n);
        }
        if (too_big)
            break;
    }
    if (out_fd >= 0)
        close(out_fd);
    if (err_fd >= 0)
        close(err_fd);

    if (timed_out || too_big) {
        kill_and_reap(pid);
        g_spawn_close_pid(pid);
        if (timed_out)
            g_set_error(error, DT_ERROR, DT_ERROR_TIMEOUT,
                        _("%s did not answer %s in time; killed it"), argv[0], what);
        else
            g_set_error(error, DT_ERROR, DT_ERROR_FAILED,
                        _("%s printed more than %d bytes for %s"), argv[0],
                        DT_QEMU_OUTPUT_MAX, what);
        return FALSE;
    }

    /* Output closed; QEMU normally exits right after.  Still bounded. */
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) {
            status = 0;
            break;
        }
        if (ms_left(deadline) == 0) {
            kill_and_reap(pid);
            g_spawn_close_pid(pid);
            g_set_error(error, DT_ERROR, DT_ERROR_TIMEOUT,
                        _("%s did not exit in time after %s; killed it"), argv[0], what);
            return FALSE;
        }
        g_usleep(5000);
    }
    g_spawn_close_pid(pid);

    if (!g_spawn_check_wait_status(status, &local)) {
        g_autofree char *msg = g_strstrip(g_strdup(err->str));
        g_set_error(error, DT_ERROR, DT_ERROR_FAILED, _("%s failed for %s (%s)%s%s"),
                    argv[0], what, local->message, *msg ? ": " : "", msg);
        return FALSE;
    }
    *out_stdout = g_string_free(g_steal_pointer(&out), FALSE);
    return TRUE;
}

/* ---- the cache ------------------------------------------------------------ */

static char *
cache_path(const char *cache_dir, const char *binary)
{
    g_autofree char *digest = g_compute_checksum_for_string(G_CHECKSUM_SHA256, binary, -1);
    g_autofree char *name = g_strdup_printf("qemu-%.32s.caps", digest);
    return g_build_filename(cache_dir, name, NULL);
}

static const struct {
    const char *key;
    gsize offset;
} cache_bools[] = {
    { "x-enable-migration", G_STRUCT_OFFSET(DtQemuCaps, has_x_enable_migration) },
    { "enable-migration", G_STRUCT_OFFSET(DtQemuCaps, has_enable_migration) },
    { "x-device-dirty-page-tracking", G_STRUCT_OFFSET(DtQemuCaps, has_x_device_dirty_page_tracking) },
    { "x-pre-copy-dirty-page-tracking", G_STRUCT_OFFSET(DtQemuCaps, has_x_pre_copy_dirty_page_tracking) },
    { "iommufd", G_STRUCT_OFFSET(DtQemuCaps, has_iommufd) },
    { "migration-events", G_STRUCT_OFFSET(DtQemuCaps, has_migration_events) },
    { "x-migration-multifd-transfer", G_STRUCT_OFFSET(DtQemuCaps, has_multifd_transfer) },
    { "switchover-ack", G_STRUCT_OFFSET(DtQemuCaps, has_switchover_ack) },
    { "props-known", G_STRUCT_OFFSET(DtQemuCaps, props_known) },
};

#define CAPS_BOOL(caps, i) G_STRUCT_MEMBER(gboolean, (caps), cache_bools[i].offset)

/* The cached answer, or NULL when there is none that matches this binary
 * exactly: any doubt means probing again. */
static DtQemuCaps *
cache_read(const char *file, const char *binary, const GStatBuf *st)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(DtQemuCaps) caps = dt_qemu_caps_new();
    g_autofree char *path = NULL;
    g_autofree char *version = NULL;
    GError *e = NULL;
    gint64 size, mtime, mtime_ns, format, dev, ino;
    GStatBuf own;

    if (g_lstat(file, &own) < 0 || !S_ISREG(own.st_mode) || own.st_uid != geteuid() ||
        (own.st_mode & (S_IWGRP | S_IWOTH))) {
        g_debug("ignoring QEMU cache %s: absent, or not ours alone", file);
        return NULL;
    }
    if (!g_key_file_load_from_file(kf, file, G_KEY_FILE_NONE, NULL))
        return NULL;
    format = g_key_file_get_int64(kf, "binary", "format", &e);
    if (e || format != DT_QEMU_CACHE_FORMAT)
        goto bad;
    path = g_key_file_get_string(kf, "binary", "path", &e);
    if (e || g_strcmp0(path, binary) != 0)
        goto bad;
    dev = g_key_file_get_int64(kf, "binary", "device", &e);
    if (e || dev != (gint64)st->st_dev)
        goto bad;
    ino = g_key_file_get_int64(kf, "binary", "inode", &e);
    if (e || ino != (gint64)st->st_ino)
        goto bad;
    size = g_key_file_get_int64(kf, "binary", "size", &e);
    if (e || size != (gint64)st->st_size)
        goto bad;
    mtime = g_key_file_get_int64(kf, "binary", "mtime", &e);
    if (e || mtime != (gint64)st->st_mtime)
        goto bad;
    mtime_ns = g_key_file_get_int64(kf, "binary", "mtime-nsec", &e);
    if (e || mtime_ns != (gint64)st->st_mtim.tv_nsec)
        goto bad;
    version = g_key_file_get_string(kf, "caps", "version", &e);
    if (e || !parse_version_output(version, &caps->version))
        goto bad;
    for (guint i = 0; i < G_N_ELEMENTS(cache_bools); i++) {
        CAPS_BOOL(caps, i) = g_key_file_get_boolean(kf, "caps", cache_bools[i].key, &e);
        if (e)
            goto bad;
    }
    caps->binary = g_strdup(binary);
    caps->source = DT_SOURCE_BINARY;
    return g_steal_pointer(&caps);

bad:
    g_clear_error(&e);
    g_debug("ignoring stale or invalid QEMU cache %s", file);
    return NULL;
}

static void
cache_write(const char *cache_dir, const char *file, const DtQemuCaps *caps,
            const GStatBuf *st)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) e = NULL;
    g_autofree char *data = NULL;
    g_autofree char *ver = dt_version_to_string(&caps->version);
    g_autofree char *vline = g_strdup_printf("QEMU emulator version %s", ver);
    gsize len = 0;

    if (g_mkdir_with_parents(cache_dir, 0700) < 0) {
        g_debug("cannot create QEMU cache directory %s: %s", cache_dir, g_strerror(errno));
        return;
    }
    g_key_file_set_comment(kf, NULL, NULL,
                           " dirtytrack: QEMU capabilities, valid while path, inode, size and mtime match",
                           NULL);
    g_key_file_set_int64(kf, "binary", "format", DT_QEMU_CACHE_FORMAT);
    g_key_file_set_string(kf, "binary", "path", caps->binary);
    g_key_file_set_int64(kf, "binary", "device", (gint64)st->st_dev);
    g_key_file_set_int64(kf, "binary", "inode", (gint64)st->st_ino);
    g_key_file_set_int64(kf, "binary", "size", (gint64)st->st_size);
    g_key_file_set_int64(kf, "binary", "mtime", (gint64)st->st_mtime);
    g_key_file_set_int64(kf, "binary", "mtime-nsec", (gint64)st->st_mtim.tv_nsec);
    /* stored as QEMU prints it, so reading it back uses the same parser */
    g_key_file_set_string(kf, "caps", "version", vline);
    for (guint i = 0; i < G_N_ELEMENTS(cache_bools); i++)
        g_key_file_set_boolean(kf, "caps", cache_bools[i].key,
                               G_STRUCT_MEMBER(gboolean, caps, cache_bools[i].offset));
    data = g_key_file_to_data(kf, &len, NULL);
    /* g_file_set_contents writes a temporary file and renames it: a reader
     * never sees half a cache file */
    if (!g_file_set_contents_full(file, data, (gssize)len, G_FILE_SET_CONTENTS_CONSISTENT, 0644,
                                  &e))
        g_debug("cannot write QEMU cache %s: %s", file, e->message);
}

/* ---- the probe ------------------------------------------------------------ */

static char *
resolve_binary(const char *binary)
{
    g_autofree char *found = NULL;

    if (strchr(binary, '/'))
        return g_canonicalize_filename(binary, NULL);
    found = g_find_program_in_path(binary);
    if (!found)
        return NULL;
    return g_canonicalize_filename(found, NULL);
}

DtQemuCaps *
dt_qemu_caps_probe(const char *binary, const char *cache_dir, guint timeout_ms,
                   GError **error)
{
    g_autofree char *path = NULL;
    g_autofree char *file = NULL;
    g_autofree char *out_version = NULL;
    g_autofree char *out_help = NULL;
    g_autofree char *out_qmp = NULL;
    g_autoptr(DtQemuCaps) caps = NULL;
    g_autoptr(GError) qmp_error = NULL;
    GStatBuf st;
    gint64 deadline;
    gboolean found = FALSE, ack;

    if (!binary || !*binary) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT, _("no QEMU binary given"));
        return NULL;
    }
    path = resolve_binary(binary);
    if (!path || g_stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
        g_set_error(error, DT_ERROR, DT_ERROR_NOT_FOUND, _("QEMU binary %s not found"), binary);
        return NULL;
    }
    if (g_access(path, X_OK) < 0) {
        g_set_error(error, DT_ERROR, DT_ERROR_PERMISSION,
                    _("QEMU binary %s is not executable"), path);
        return NULL;
    }

    if (cache_dir && *cache_dir) {
        file = cache_path(cache_dir, path);
        caps = cache_read(file, path, &st);
        if (caps)
            return g_steal_pointer(&caps);
    }

    if (!timeout_ms)
        timeout_ms = DT_CONFIG_QEMU_PROBE_TIMEOUT_MS;
    deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    {
        const char *argv[] = { path, "-version", NULL };
        if (!run_bounded(argv, "-version", NULL, deadline, &out_version, error))
            return NULL;
    }
    caps = dt_qemu_caps_new();
    caps->binary = g_strdup(path);
    caps->source = DT_SOURCE_BINARY;
    if (!parse_version_output(out_version, &caps->version)) {
        g_set_error(error, DT_ERROR, DT_ERROR_FAILED,
                    _("%s -version did not print 'QEMU emulator version X.Y.Z'"), path);
        return NULL;
    }
    {
        const char *argv[] = { path, "-nodefaults", "-machine", "none",
                               "-device", "vfio-pci,help", NULL };
        if (!run_bounded(argv, "-device vfio-pci,help", NULL, deadline, &out_help, error))
            return NULL;
    }
    if (!dt_qemu_caps_parse_help(caps, out_help)) {
        g_set_error(error, DT_ERROR, DT_ERROR_FAILED,
                    _("%s lists no vfio-pci properties; is it built with VFIO?"), path);
        return NULL;
    }
    {
        const char *argv[] = { path, "-nodefaults", "-machine", "none",
                               "-qmp", "stdio", "-display", "none", NULL };
        static const char qmp_input[] =
            "{\"execute\": \"qmp_capabilities\"}\n"
            "{\"execute\": \"query-migrate-capabilities\"}\n"
            "{\"execute\": \"quit\"}\n";
        if (!run_bounded(argv, "QMP query-migrate-capabilities", qmp_input, deadline,
                         &out_qmp, &qmp_error)) {
            /* a hung binary is an error; a QMP that merely failed leaves the
             * version band as the best answer */
            if (g_error_matches(qmp_error, DT_ERROR, DT_ERROR_TIMEOUT)) {
                g_propagate_error(error, g_steal_pointer(&qmp_error));
                return NULL;
            }
            g_debug("QMP probe of %s failed: %s", path, qmp_error->message);
        }
    }
    ack = parse_qmp_switchover_ack(out_qmp, &found);
    if (found) {
        caps->has_switchover_ack = ack;
    } else {
        g_autoptr(DtQemuCaps) guess = dt_qemu_caps_from_version(&caps->version);
        caps->has_switchover_ack = guess->has_switchover_ack;
        /* not from the binary: do not cache a guess */
        g_clear_pointer(&file, g_free);
    }

    if (file)
        cache_write(cache_dir, file, caps, &st);
    return g_steal_pointer(&caps);
}

char *
dt_qemu_system_name(const char *arch)
{
    /* libvirt arch names where the QEMU system emulator is named differently */
    static const struct {
        const char *arch, *qemu;
    } names[] = {
        { "i686", "i386" }, { "i586", "i386" }, { "i486", "i386" },
        { "armv7l", "arm" }, { "armv6l", "arm" }, { "ppc64le", "ppc64" },
    };
    const char *target = arch;

    if (!arch || !*arch)
        return NULL;
    for (const char *p = arch; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '_')
            return NULL;
    for (guint i = 0; i < G_N_ELEMENTS(names); i++)
        if (strcmp(arch, names[i].arch) == 0)
            target = names[i].qemu;
    return g_strdup_printf("qemu-system-%s", target);
}

char *
dt_qemu_default_binary(const char *arch)
{
    g_autofree char *prog = dt_qemu_system_name(arch);

    return prog ? g_find_program_in_path(prog) : NULL;
}

DtQemuCaps *
dt_qemu_caps_copy(const DtQemuCaps *caps)
{
    DtQemuCaps *c = dt_qemu_caps_new();

    *c = *caps;
    c->binary = g_strdup(caps->binary);
    c->untrusted = g_strdup(caps->untrusted);
    return c;
}

char *
dt_qemu_registry_cache_dir(const char *configured)
{
    const char *env = g_getenv("DIRTYTRACK_CACHE_DIR");

    if (configured && *configured)
        return g_strdup(configured);
    if (env && *env)
        return g_strdup(env);
    /* root's cache is the system's (FHS: /var/cache/<package>); a user's
     * lives with the user's other caches ($XDG_CACHE_HOME) */
    if (geteuid() == 0)
        return g_strdup(LOCALSTATEDIR "/cache/dirtytrack");
    return g_build_filename(g_get_user_cache_dir(), "dirtytrack", NULL);
}
