/* dt-paths.h: every path dirtytrack reads on the host goes through here.
 *
 * A sysroot (--sysroot DIR or DIRTYTRACK_SYSROOT) makes DIR/sys, DIR/dev,
 * DIR/proc and DIR/lib/modules stand in for the real ones, so fixture hosts
 * are plain data.  The struct is passed explicitly: no global state.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
    char *root;   /* "" for the real root, else an absolute directory without trailing '/' */
} DtPaths;

/* root NULL: use $DIRTYTRACK_SYSROOT if set, else the real root. */
DtPaths *dt_paths_new(const char *root);
void dt_paths_free(DtPaths *p);
/* "/sys/class/iommu" -> ROOT "/sys/class/iommu" (newly allocated). */
char *dt_paths_get(const DtPaths *p, const char *abs_path);
/* Printf-style variant. */
char *dt_paths_printf(const DtPaths *p, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
gboolean dt_paths_is_real_root(const DtPaths *p);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DtPaths, dt_paths_free)

G_END_DECLS
