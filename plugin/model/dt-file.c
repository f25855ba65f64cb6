/* dt-file.c: safe output files (see dt-file.h).
 *
 * The path itself is never opened: the data goes to a new file made by
 * mkstemp() beside it, and rename() swaps directory entries, so nothing at
 * path (a device, a FIFO, the target of a symlink) is ever written through.
 * The lstat() check before is what keeps such an object in place: rename()
 * would replace a device node or a symlink as readily as a regular file.
 * Between the check and the rename someone who can write to the directory
 * could put something else there; the rename then replaces that entry,
 * which they could as well have removed themselves.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "model/dt-file.h"
#include "model/dt-util.h"

gboolean
dt_file_write_all(int fd, const char *buf, gsize len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return FALSE;
        if (n == 0) {
            errno = EIO;
            return FALSE;
        }
        buf += n;
        len -= (gsize)n;
    }
    return TRUE;
}

/* What a non-regular object is, for the message. */
static const char *
dt_file_kind(mode_t mode)
{
    if (S_ISDIR(mode))
        return _("a directory");
    if (S_ISLNK(mode))
        return _("a symbolic link");
    if (S_ISCHR(mode))
        return _("a character device");
    if (S_ISBLK(mode))
        return _("a block device");
    if (S_ISFIFO(mode))
        return _("a FIFO");
    if (S_ISSOCK(mode))
        return _("a socket");
    return _("not a regular file");
}

/* The directory entry is durable only once the directory is synced too. */
static void
dt_file_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0)
        return;
    (void)fsync(fd);
    close(fd);
}

gboolean
dt_file_replace(const char *path, const char *data, gsize len, GError **error)
{
    g_autofree char *dir = NULL;
    g_autofree char *base = NULL;
    g_autofree char *tmp = NULL;
    struct stat st;
    mode_t mode = 0644;
    int fd, saved;

    if (!*path || g_str_has_suffix(path, "/")) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("%s: not a file name"), path);
        return FALSE;
    }
    if (lstat(path, &st) == 0) {
        if (!S_ISREG(st.st_mode)) {
            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                        _("%s is %s: refusing to replace it (give a regular file, or - for "
                          "standard output)"), path, dt_file_kind(st.st_mode));
            return FALSE;
        }
        mode = st.st_mode & 07777;
    } else if (errno != ENOENT) {
        saved = errno;
        g_set_error(error, DT_ERROR, DT_ERROR_IO, _("cannot write %s: %s"), path,
                    g_strerror(saved));
        return FALSE;
    }

    dir = g_path_get_dirname(path);
    base = g_path_get_basename(path);
    tmp = g_strdup_printf("%s/.%s.tmp-XXXXXX", dir, base);
    fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) {
        saved = errno;
        g_set_error(error, DT_ERROR, DT_ERROR_IO, _("cannot create a file in %s: %s"), dir,
                    g_strerror(saved));
        return FALSE;
    }
    /* fchmod, not mkstemp's mode: the umask must not narrow it */
    if (!dt_file_write_all(fd, data, len) || fchmod(fd, mode) != 0 || fsync(fd) != 0) {
        saved = errno;
        close(fd);
        g_unlink(tmp);
        g_set_error(error, DT_ERROR, DT_ERROR_IO, _("cannot write %s: %s"), tmp,
                    g_strerror(saved));
        return FALSE;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        saved = errno;
        g_unlink(tmp);
        g_set_error(error, DT_ERROR, DT_ERROR_IO, _("cannot replace %s: %s"), path,
                    g_strerror(saved));
        return FALSE;
    }
    dt_file_sync_dir(dir);
    return TRUE;
}
