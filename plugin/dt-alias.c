/* dt-alias.c: the VFIO variant driver modules.alias would pick.
 *
 * Only "alias vfio_pci:..." lines matter (kernel-uapi.md §5.1); a real
 * modules.alias holds tens of thousands of other lines, so the loader
 * searches for the prefix instead of splitting every line.  Matching is
 * fnmatch(3), and among several matches the pattern with the most literal
 * characters wins: "v000015B3d0000101E..." beats vfio_pci's own
 * "v*d*sv*sd*bc*sc*i*", which is why a catch-all-only answer is NULL.
 */
#include "config.h"

#include <fnmatch.h>
#include <string.h>

#include "dt-alias.h"
#include "dt-util.h"

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

DtAliasTable *
dt_alias_table_parse(const char *text, gsize len)
{
    DtAliasTable *t = g_new0(DtAliasTable, 1);
    const gsize plen = strlen(VFIO_ALIAS_PREFIX);
    const char *p = text;
    const char *end = text ? text + len : NULL;

    t->aliases = g_ptr_array_new_with_free_func((GDestroyNotify)dt_alias_free);
    if (!text)
        return t;
    while (p < end) {
        const char *hit = memmem(p, (gsize)(end - p), VFIO_ALIAS_PREFIX, plen);
        const char *eol;

        if (!hit)
            break;
        eol = memchr(hit, '\n', (gsize)(end - hit));
        if (!eol)
            eol = end;
        /* only at the start of a line */
        if (hit == text || hit[-1] == '\n')
            add_line(t, hit + strlen("alias "), (gsize)(eol - hit) - strlen("alias "));
        p = eol;
    }
    return t;
}

DtAliasTable *
dt_alias_table_load(const char *path, GError **error)
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
