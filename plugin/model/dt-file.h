/* dt-file.h: writing an output file the way a root tool must.
 *
 * `dirtytrack export -o FILE` runs as root from cron jobs and collectors'
 * units, with FILE named in their configuration.  A plain open(O_TRUNC) or
 * a rename over whatever sits at FILE turns a typo into damage: rename()
 * replaced /dev/null with a regular file, and a symlink to
 * /proc/self/fd/1 with another.  So every -o of the CLI goes through
 * dt_file_replace(): it writes a regular file, atomically, or nothing.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* write(2) until done, retrying EINTR; FALSE with errno set otherwise. */
gboolean dt_file_write_all(int fd, const char *buf, gsize len);

/* Replaces the regular file at path (or creates it) with data: a temporary
 * file in the same directory, written, fsync()ed and renamed over path, then
 * the directory fsync()ed, so a reader sees the old or the new content,
 * never a part.  The temporary is a dot file (.NAME.tmp-XXXXXX): NFD skips
 * dot files and node_exporter's textfile collector reads only *.prom.  When path names anything but a regular file (a device
 * node, FIFO, socket, symbolic link or directory) nothing is written and
 * that object is left as it was: DT_ERROR_INVALID_INPUT says what it is.
 * The new file keeps the old one's permission bits, or gets 0644 (readers
 * such as node-exporter's textfile collector run as other users). */
gboolean dt_file_replace(const char *path, const char *data, gsize len, GError **error);

G_END_DECLS
