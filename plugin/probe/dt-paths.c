/* dt-paths.c: one place that turns host paths into sysroot paths. */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "probe/dt-paths.h"

DtPaths *
dt_paths_new(const char *root)
{
    DtPaths *p = g_new0(DtPaths, 1);
    const char *r = root ? root : g_getenv("DIRTYTRACK_SYSROOT");
    g_autofree char *abs = NULL;
    gsize n;

    if (!r || !*r || strcmp(r, "/") == 0) {
        p->root = g_strdup("");
        return p;
    }
    abs = g_path_is_absolute(r) ? g_strdup(r) : g_build_filename(g_get_current_dir(), r, NULL);
    n = strlen(abs);
    while (n > 1 && abs[n - 1] == '/')
        abs[--n] = '\0';
    p->root = g_steal_pointer(&abs);
    return p;
}

void
dt_paths_free(DtPaths *p)
{
    if (!p)
        return;
    g_free(p->root);
    g_free(p);
}

char *
dt_paths_get(const DtPaths *p, const char *abs_path)
{
    g_return_val_if_fail(abs_path && abs_path[0] == '/', NULL);
    return g_strconcat(p->root, abs_path, NULL);
}

char *
dt_paths_printf(const DtPaths *p, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *rel = NULL;

    va_start(ap, fmt);
    rel = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return dt_paths_get(p, rel);
}

gboolean
dt_paths_is_real_root(const DtPaths *p)
{
    return p->root[0] == '\0';
}
