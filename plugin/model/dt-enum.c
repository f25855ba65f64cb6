/* dt-enum.c: the lookups behind DT_ENUM_IMPL (dt-enum.h). */
#include "config.h"

#include <string.h>

#include "model/dt-enum.h"

const char *
dt_enum_to_string(const char *const *names, guint n, int first, int value)
{
    if (value < first || (gint64)value - first >= (gint64)n)
        return NULL;
    return names[value - first];
}

gboolean
dt_enum_from_string(const char *const *names, guint n, int first, const char *s, int *value)
{
    if (!s)
        return FALSE;
    for (guint i = 0; i < n; i++) {
        if (strcmp(names[i], s) == 0) {
            *value = (int)i + first;
            return TRUE;
        }
    }
    return FALSE;
}

char *
dt_enum_join(const char *const *names, guint n, const char *sep)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < n; i++)
        g_string_append_printf(s, "%s%s", i ? sep : "", names[i]);
    return g_string_free(s, FALSE);
}
