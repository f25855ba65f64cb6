/* dt-config.c: the host-wide configuration, /etc/dirtytrack/dirtytrack.conf.
 *
 * GKeyFile, so an operator edits it like any other daemon's config.  The
 * set of groups and keys is a table (dt_config_keys) that is also the
 * schema: unknown groups or keys and values out of range are errors,
 * because a typo in a gate's policy must not silently fall back to a
 * default.  The hook refuses what it gates while the file is broken, so an
 * error names the file, the line and the key: GKeyFile keeps no line
 * numbers, so dt_config_locate() finds the line in the same text the
 * parser read.  dirtytrack.conf(5), schemas/dirtytrack-conf.schema and
 * data/dirtytrack.conf document the same table; tests check that they agree.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "model/dt-config.h"
#include "model/dt-util.h"

typedef enum {
    KEY_BOOL,
    KEY_U64,
    KEY_UINT,          /* a guint field: the same numbers as KEY_U64, stored narrower */
    KEY_STRING,
    KEY_PERPETUAL,
    KEY_PREFER,
    KEY_ON_TIMEOUT,
} KeyType;

typedef struct {
    const char *group;
    const char *key;
    KeyType type;
    gsize offset;      /* into DtConfig */
    guint64 max;       /* for KEY_U64/KEY_UINT: largest accepted value */
    guint64 min;       /* for KEY_U64/KEY_UINT: smallest accepted value */
} KeyDef;

#define OFF(field) G_STRUCT_OFFSET(DtConfig, field)

static const KeyDef dt_config_keys[] = {
    { "policy", "require-migratable", KEY_BOOL, OFF(policy.require_migratable), 0 },
    { "policy", "perpetual", KEY_PERPETUAL, OFF(policy.perpetual), 0 },
    { "policy", "prefer", KEY_PREFER, OFF(policy.prefer), 0 },
    { "policy", "max-downtime-ms", KEY_U64, OFF(policy.max_downtime_ms), 86400000 },
    /* 0 would make every transfer infinite, not "unknown" */
    { "policy", "bandwidth-mib-s", KEY_U64, OFF(policy.bandwidth_mib_s), 10485760, 1 },
    { "policy", "dirty-rate-mib-s", KEY_U64, OFF(policy.dirty_rate_mib_s), 10485760 },
    /* below 100 ms not even a daemon's answer arrives; above 30 s libvirt's
     * job (and the user's virsh) waits too long on a hung evaluation */
    { "hook", "deadline-ms", KEY_UINT, OFF(hook_deadline_ms), 30000, 100 },
    { "hook", "on-timeout", KEY_ON_TIMEOUT, OFF(hook_fail_open), 0 },
    { "hook", "use-daemon", KEY_BOOL, OFF(hook_use_daemon), 0 },
    { "hook", "gate-start", KEY_BOOL, OFF(gate_start), 0 },
    { "hook", "preflight", KEY_BOOL, OFF(hook_preflight), 0 },
    { "qemu", "binary", KEY_STRING, OFF(qemu_binary), 0 },
    { "qemu", "trusted", KEY_STRING, OFF(qemu_trusted), 0 },
    { "qemu", "cache-dir", KEY_STRING, OFF(cache_dir), 0 },
    /* the whole capability probe of one binary (-version, -device help,
     * QMP); a slow host (nested, emulated) may need more than the default */
    { "qemu", "probe-timeout-ms", KEY_UINT, OFF(qemu_probe_timeout_ms), 60000, 500 },
};

guint
dt_config_n_keys(void)
{
    return G_N_ELEMENTS(dt_config_keys);
}

/* [hook] on-timeout: what the hook does when its deadline passes; "allow"
 * (the first) sets hook_fail_open. */
static const char *const on_timeout_names[] = { "allow", "deny" };

void
dt_config_key_info(guint i, const char **group, const char **key, const char **type,
                   char **values, guint64 *min, guint64 *max)
{
    const KeyDef *d;
    const char *const *names = NULL;
    guint n = 0;

    g_return_if_fail(i < G_N_ELEMENTS(dt_config_keys));
    d = &dt_config_keys[i];
    *group = d->group;
    *key = d->key;
    *min = d->min;
    *max = d->max;
    *type = "enum";
    switch (d->type) {
    case KEY_BOOL: *type = "bool"; break;
    case KEY_U64:
    case KEY_UINT: *type = "uint"; break;
    case KEY_STRING: *type = "string"; break;
    case KEY_PERPETUAL: names = dt_perpetual_names(&n); break;
    case KEY_PREFER: names = dt_prefer_names(&n); break;
    case KEY_ON_TIMEOUT: names = on_timeout_names; n = G_N_ELEMENTS(on_timeout_names); break;
    }
    *values = names ? dt_enum_join(names, n, ";") : NULL;
}

DtConfig *
dt_config_new_defaults(void)
{
    DtConfig *c = g_new0(DtConfig, 1);

    dt_policy_init_defaults(&c->policy);
    c->hook_deadline_ms = 2000;
    c->qemu_probe_timeout_ms = DT_CONFIG_QEMU_PROBE_TIMEOUT_MS;
    c->hook_fail_open = TRUE;
    c->hook_use_daemon = TRUE;
    c->gate_start = TRUE;
    return c;
}

void
dt_config_free(DtConfig *c)
{
    if (!c)
        return;
    g_free(c->qemu_binary);
    g_free(c->qemu_trusted);
    g_free(c->cache_dir);
    g_free(c->path);
    g_free(c);
}

static const KeyDef *
find_key(const char *group, const char *key)
{
    for (guint i = 0; i < G_N_ELEMENTS(dt_config_keys); i++)
        if (strcmp(dt_config_keys[i].group, group) == 0 && strcmp(dt_config_keys[i].key, key) == 0)
            return &dt_config_keys[i];
    return NULL;
}

static gboolean
group_known(const char *group)
{
    for (guint i = 0; i < G_N_ELEMENTS(dt_config_keys); i++)
        if (strcmp(dt_config_keys[i].group, group) == 0)
            return TRUE;
    return FALSE;
}

/* ---- where in the file ------------------------------------------------------ */

/* The 1-based line of `key` in `group` (the last one: GKeyFile keeps the
 * last value), of the header of `group` when key is NULL, or of the first
 * line GKeyFile cannot read when both are NULL; 0 when not found.  It reads
 * lines as GKeyFile does (g_key_file_parse_line in glib/gkeyfile.c): leading
 * white space skipped, '#' comments, "[group]" headers, "key = value"
 * with the key trimmed. */
static guint
dt_config_locate(const char *text, const char *group, const char *key)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autofree char *current = NULL;
    guint found = 0;

    for (guint i = 0; lines[i]; i++) {
        const char *l = lines[i];
        const char *eq;

        while (g_ascii_isspace(*l))
            l++;
        if (*l == '\0' || *l == '#')
            continue;
        if (*l == '[') {
            const char *end = strrchr(l, ']');

            if (!end) {
                if (!group && !key)
                    return i + 1;
                continue;
            }
            g_free(current);
            current = g_strndup(l + 1, (gsize)(end - l - 1));
            if (group && !key && strcmp(current, group) == 0)
                return i + 1;
            continue;
        }
        eq = strchr(l, '=');
        if (!group && !key) {
            if (!eq || !current)
                return i + 1;
            continue;
        }
        if (eq && key && current && strcmp(current, group) == 0) {
            g_autofree char *k = g_strstrip(g_strndup(l, (gsize)(eq - l)));

            if (strcmp(k, key) == 0)
                found = i + 1;
        }
    }
    return found;
}

/* "FILE:LINE: " (or "FILE: " when the line is not known) + the message. */
static void G_GNUC_PRINTF(6, 7)
dt_config_error(GError **error, const char *file, const char *text, const char *group,
                const char *key, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    guint line = text ? dt_config_locate(text, group, key) : 0;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (line > 0)
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT, "%s:%u: %s", file, line, msg);
    else
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT, "%s: %s", file, msg);
}

/* What a key accepts, for the message about a value it does not. */
static char *
dt_config_expected(const KeyDef *def)
{
    switch (def->type) {
    case KEY_BOOL:
        return g_strdup(_("true or false"));
    case KEY_U64:
    case KEY_UINT:
        return g_strdup_printf(_("an integer from %" PRIu64 " to %" PRIu64),
                               def->min, def->max);
    case KEY_STRING:
        return g_strdup(_("a string"));
    case KEY_PERPETUAL:
    case KEY_PREFER:
    case KEY_ON_TIMEOUT: {
        const char *group, *key, *type;
        guint64 min, max;
        g_autofree char *words = NULL;

        dt_config_key_info((guint)(def - dt_config_keys), &group, &key, &type, &words, &min,
                           &max);
        g_strdelimit(words, ";", ',');
        return g_strdup_printf(_("one of %s"), words);
    }
    }
    return g_strdup("?");
}

static gboolean
apply_key(DtConfig *c, GKeyFile *kf, const KeyDef *def, const char *path, const char *text,
          GError **error)
{
    g_autofree char *raw = g_key_file_get_value(kf, def->group, def->key, NULL);
    g_autofree char *val = g_strstrip(g_strdup(raw ? raw : ""));
    char *base = (char *)c + def->offset;
    guint64 n;

    switch (def->type) {
    case KEY_BOOL:
        if (strcmp(val, "true") == 0 || strcmp(val, "yes") == 0 || strcmp(val, "1") == 0)
            *(gboolean *)base = TRUE;
        else if (strcmp(val, "false") == 0 || strcmp(val, "no") == 0 || strcmp(val, "0") == 0)
            *(gboolean *)base = FALSE;
        else
            goto bad;
        return TRUE;
    case KEY_U64:
    case KEY_UINT:
        if (!dt_parse_u64(val, 10, &n) || n < def->min || n > def->max)
            goto bad;
        if (def->type == KEY_UINT)
            *(guint *)base = (guint)n;
        else
            *(guint64 *)base = n;
        return TRUE;
    case KEY_STRING:
        g_free(*(char **)base);
        *(char **)base = *val ? g_strdup(val) : NULL;
        return TRUE;
    case KEY_PERPETUAL:
        if (!dt_perpetual_from_string(val, (DtPerpetualPolicy *)base))
            goto bad;
        return TRUE;
    case KEY_PREFER:
        if (!dt_prefer_from_string(val, (DtPreferMode *)base))
            goto bad;
        return TRUE;
    case KEY_ON_TIMEOUT: {
        int v;
        if (!dt_enum_from_string(on_timeout_names, G_N_ELEMENTS(on_timeout_names), 0, val, &v))
            goto bad;
        *(gboolean *)base = v == 0;
        return TRUE;
    }
    }
bad:
    {
        g_autofree char *expected = dt_config_expected(def);

        dt_config_error(error, path, text, def->group, def->key,
                        _("[%s] %s: invalid value '%s' (expected %s)"), def->group, def->key,
                        val, expected);
    }
    return FALSE;
}

const char *
dt_config_default_path(void)
{
    const char *file = g_getenv("DIRTYTRACK_CONFIG");

    return file && *file ? file : DT_CONFIG_DEFAULT_PATH;
}

DtConfig *
dt_config_load(const char *path, GError **error)
{
    g_autoptr(DtConfig) c = dt_config_new_defaults();
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_auto(GStrv) groups = NULL;
    g_autoptr(GError) local = NULL;
    g_autofree char *text = NULL;
    gsize len = 0;
    const char *file = path ? path : dt_config_default_path();

    /* read once: GKeyFile parses these bytes and dt_config_locate() finds
     * lines in the same ones */
    if (!g_file_get_contents(file, &text, &len, &local)) {
        if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT) && !path) {
            /* No config file: built-in defaults are the documented behaviour;
             * only a file the caller named explicitly must exist. */
            return g_steal_pointer(&c);
        }
        g_set_error(error, DT_ERROR,
                    g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT) ?
                        DT_ERROR_NOT_FOUND : DT_ERROR_INVALID_INPUT,
                    _("%s: cannot read the configuration: %s"), file, local->message);
        return NULL;
    }
    if (!g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, &local)) {
        dt_config_error(error, file, text, NULL, NULL, _("syntax error: %s"), local->message);
        return NULL;
    }

    groups = g_key_file_get_groups(kf, NULL);
    for (guint g = 0; groups[g]; g++) {
        g_auto(GStrv) keys = NULL;

        if (!group_known(groups[g])) {
            dt_config_error(error, file, text, groups[g], NULL, _("[%s]: unknown section"),
                            groups[g]);
            return NULL;
        }
        keys = g_key_file_get_keys(kf, groups[g], NULL, NULL);
        for (guint k = 0; keys && keys[k]; k++) {
            const KeyDef *def = find_key(groups[g], keys[k]);
            if (!def) {
                dt_config_error(error, file, text, groups[g], keys[k],
                                _("[%s] %s: unknown key"), groups[g], keys[k]);
                return NULL;
            }
            if (!apply_key(c, kf, def, file, text, error))
                return NULL;
        }
    }
    c->path = g_strdup(file);
    return g_steal_pointer(&c);
}
