/* export-check: checks a `dirtytrack export` file against the grammar its
 * consumer applies, so tests/export.sh fails when a fleet engine would
 * reject or misread the file:
 *
 *   export-check nova FILE [ADDRESS=yes|no ...]
 *       oslo.config lines: comments, "[pci]", and `device_spec = JSON` whose
 *       JSON is an object of string members Nova's device_spec knows; with
 *       ADDRESS=yes|no, the entry for ADDRESS must have that live_migratable.
 *   export-check nfd FILE [NAME=VALUE ...]
 *       NFD local feature file: comments, "# +" directives (expiry-time must
 *       be RFC 3339), and `name[=value]` with Kubernetes label syntax; with
 *       NAME=VALUE, that feature must be present with that value.
 *   export-check prometheus FILE [SERIES=VALUE ...]
 *       Prometheus text exposition format, strictly: HELP/TYPE before the
 *       samples of a metric family, no duplicate series; with SERIES=VALUE
 *       (e.g. 'm{a="b"}=1') that sample must be present.
 *
 * Prints the first problem and exits 1; exits 0 when the file is good.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *current_file;
static guint current_line;

static void G_GNUC_NORETURN G_GNUC_PRINTF(1, 2)
bad(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s:%u: ", current_file, current_line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static gboolean
matches(const char *pattern, const char *s)
{
    return g_regex_match_simple(pattern, s, 0, 0);
}

/* ---- nova -------------------------------------------------------------------- */

static void
check_nova(char **lines, char **expect)
{
    g_autoptr(GHashTable) live = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    static const char *const known[] = { "vendor_id", "product_id", "address", "live_migratable",
                                         "managed", NULL };
    gboolean in_pci = FALSE;

    for (guint i = 0; lines[i]; i++) {
        const char *l = lines[i];
        g_autoptr(JsonParser) p = json_parser_new();
        g_autoptr(GError) err = NULL;
        g_autoptr(GList) members = NULL;
        JsonObject *o;
        const char *json;

        current_line = i + 1;
        if (*l == '\0' || *l == '#')
            continue;
        if (l[0] == '[') {
            in_pci = strcmp(l, "[pci]") == 0;
            if (!in_pci)
                bad("unexpected section %s", l);
            continue;
        }
        if (!in_pci)
            bad("option outside the [pci] section");
        if (!g_str_has_prefix(l, "device_spec = "))
            bad("not a device_spec line: %s", l);
        json = l + strlen("device_spec = ");
        if (!json_parser_load_from_data(p, json, -1, &err))
            bad("device_spec is not JSON: %s", err->message);
        if (!JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)))
            bad("device_spec is not a JSON object");
        o = json_node_get_object(json_parser_get_root(p));
        members = json_object_get_members(o);
        for (GList *m = members; m; m = m->next) {
            JsonNode *n = json_object_get_member(o, m->data);
            if (!g_strv_contains(known, m->data))
                bad("unknown device_spec key '%s'", (const char *)m->data);
            /* Nova compares these as strings; a JSON number would not match */
            if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
                bad("device_spec key '%s' is not a string", (const char *)m->data);
        }
        for (guint k = 0; k < 4; k++)
            if (!json_object_has_member(o, known[k]))
                bad("device_spec lacks '%s'", known[k]);
        if (!matches("^[0-9a-f]{4}$", json_object_get_string_member(o, "vendor_id")) ||
            !matches("^[0-9a-f]{4}$", json_object_get_string_member(o, "product_id")))
            bad("vendor_id/product_id must be four lower-case hex digits");
        if (!matches("^[0-9a-f]{4}:[0-9a-f]{2}:[01][0-9a-f]\\.[0-7]$",
                     json_object_get_string_member(o, "address")))
            bad("address is not a full PCI address");
        if (!matches("^(yes|no)$", json_object_get_string_member(o, "live_migratable")))
            bad("live_migratable must be \"yes\" or \"no\"");
        if (json_object_has_member(o, "managed") &&
            !matches("^(yes|no)$", json_object_get_string_member(o, "managed")))
            bad("managed must be \"yes\" or \"no\"");
        g_hash_table_replace(live, g_strdup(json_object_get_string_member(o, "address")),
                             g_strdup(json_object_get_string_member(o, "live_migratable")));
    }
    current_line = 0;
    for (guint i = 0; expect && expect[i]; i++) {
        g_auto(GStrv) kv = g_strsplit(expect[i], "=", 2);
        const char *got = g_hash_table_lookup(live, kv[0]);
        if (!got)
            bad("no device_spec for %s", kv[0]);
        if (!kv[1] || strcmp(got, kv[1]) != 0)
            bad("%s: live_migratable is \"%s\", expected \"%s\"", kv[0], got, kv[1] ? kv[1] : "");
    }
}

/* ---- nfd --------------------------------------------------------------------- */

#define K8S_NAME "[A-Za-z0-9]([-_.A-Za-z0-9]{0,61}[A-Za-z0-9])?"
#define DNS_SUBDOMAIN "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"

static void
check_nfd(char **lines, char **expect)
{
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

    for (guint i = 0; lines[i]; i++) {
        const char *l = lines[i];
        g_auto(GStrv) kv = NULL;
        const char *slash;

        current_line = i + 1;
        if (*l == '\0')
            continue;
        if (g_str_has_prefix(l, "# +")) {
            const char *d = l + 3;
            if (g_str_has_prefix(d, "expiry-time=")) {
                g_autoptr(GDateTime) t = g_date_time_new_from_iso8601(d + strlen("expiry-time="), NULL);
                if (!t || !matches("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?(Z|[+-]\\d\\d:\\d\\d)$",
                                   d + strlen("expiry-time=")))
                    bad("expiry-time is not an RFC 3339 time: %s", d);
            } else if (strcmp(d, "no-label") != 0 && strcmp(d, "no-feature") != 0) {
                bad("unknown NFD directive: %s", l);
            }
            continue;
        }
        if (*l == '#')
            continue;
        kv = g_strsplit(l, "=", 2);
        slash = strchr(kv[0], '/');
        if (!slash)
            bad("feature name without a prefix (NFD would put it under feature.node.kubernetes.io/): %s", kv[0]);
        {
            g_autofree char *prefix = g_strndup(kv[0], (gsize)(slash - kv[0]));
            if (strlen(prefix) > 253 || !matches("^" DNS_SUBDOMAIN "$", prefix))
                bad("prefix '%s' is not a DNS subdomain", prefix);
            if (g_str_has_suffix(prefix, "kubernetes.io") || g_str_has_suffix(prefix, "k8s.io"))
                bad("prefix '%s' is reserved (NFD denies it)", prefix);
        }
        if (!matches("^" K8S_NAME "$", slash + 1))
            bad("feature name '%s' is not a Kubernetes label name", slash + 1);
        if (kv[1] && *kv[1] && !matches("^" K8S_NAME "$", kv[1]))
            bad("value '%s' is not a Kubernetes label value", kv[1]);
        if (g_hash_table_contains(seen, kv[0]))
            bad("feature %s given twice", kv[0]);
        g_hash_table_replace(seen, g_strdup(kv[0]), g_strdup(kv[1] ? kv[1] : "true"));
    }
    current_line = 0;
    for (guint i = 0; expect && expect[i]; i++) {
        g_auto(GStrv) kv = g_strsplit(expect[i], "=", 2);
        const char *got = g_hash_table_lookup(seen, kv[0]);
        if (!got)
            bad("feature %s is missing", kv[0]);
        if (!kv[1] || strcmp(got, kv[1]) != 0)
            bad("feature %s is \"%s\", expected \"%s\"", kv[0], got, kv[1] ? kv[1] : "");
    }
}

/* ---- prometheus -------------------------------------------------------------- */

#define METRIC "[a-zA-Z_:][a-zA-Z0-9_:]*"
#define LABEL "[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\[\\\\\"n])*\""
#define NUMBER "([-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?|[-+]?Inf|NaN)"

static void
check_prometheus(char **lines, char **expect)
{
    g_autoptr(GHashTable) typed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GHashTable) helped = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GHashTable) series = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(GHashTable) sampled = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GRegex) sample = g_regex_new("^(?<name>" METRIC ")(\\{(" LABEL "(," LABEL ")*)?\\})? (?<value>" NUMBER ")( -?[0-9]+)?$",
                                           0, 0, NULL);
    g_autofree char *family = NULL;

    for (guint i = 0; lines[i]; i++) {
        const char *l = lines[i];
        g_autoptr(GMatchInfo) mi = NULL;

        current_line = i + 1;
        if (*l == '\0')
            continue;
        if (g_str_has_prefix(l, "# HELP ") || g_str_has_prefix(l, "# TYPE ")) {
            g_auto(GStrv) w = g_strsplit(l + 7, " ", 2);
            gboolean type = l[2] == 'T';
            if (!w[0] || !matches("^" METRIC "$", w[0]) || !w[1] || !*w[1])
                bad("malformed %s line", type ? "TYPE" : "HELP");
            if (type && !matches("^(counter|gauge|histogram|summary|untyped)$", w[1]))
                bad("unknown metric type '%s'", w[1]);
            if (g_hash_table_contains(type ? typed : helped, w[0]))
                bad("second %s line for %s", type ? "TYPE" : "HELP", w[0]);
            if (type && g_hash_table_contains(sampled, w[0]))
                bad("TYPE for %s after its samples", w[0]);
            g_hash_table_add(type ? typed : helped, g_strdup(w[0]));
            g_free(family);
            family = g_strdup(w[0]);
            continue;
        }
        if (*l == '#')
            continue;
        if (!g_regex_match(sample, l, 0, &mi))
            bad("not a sample line: %s", l);
        {
            g_autofree char *name = g_match_info_fetch_named(mi, "name");
            g_autofree char *value = g_match_info_fetch_named(mi, "value");
            g_autofree char *key = g_strndup(l, strlen(l) - strlen(value) - 1);

            if (!g_hash_table_contains(typed, name) || g_strcmp0(family, name) != 0)
                bad("sample of %s outside its TYPE'd family", name);
            if (g_hash_table_contains(series, key))
                bad("duplicate series %s", key);
            g_hash_table_replace(series, g_strdup(key), g_strdup(value));
            g_hash_table_add(sampled, g_strdup(name));
        }
    }
    current_line = 0;
    for (guint i = 0; expect && expect[i]; i++) {
        const char *eq = strrchr(expect[i], '=');
        g_autofree char *key = eq ? g_strndup(expect[i], (gsize)(eq - expect[i])) : g_strdup(expect[i]);
        const char *got = g_hash_table_lookup(series, key);
        if (!got)
            bad("series %s is missing", key);
        if (!eq || strcmp(got, eq + 1) != 0)
            bad("series %s is %s, expected %s", key, got, eq ? eq + 1 : "");
    }
}

int
main(int argc, char **argv)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) lines = NULL;

    if (argc < 3) {
        fprintf(stderr, "usage: export-check nova|nfd|prometheus FILE [EXPECT...]\n");
        return 2;
    }
    current_file = argv[2];
    if (!g_file_get_contents(argv[2], &text, NULL, &err)) {
        fprintf(stderr, "%s\n", err->message);
        return 2;
    }
    if (*text && text[strlen(text) - 1] != '\n')
        bad("the file does not end with a newline");
    lines = g_strsplit(text, "\n", -1);
    if (strcmp(argv[1], "nova") == 0)
        check_nova(lines, argv + 3);
    else if (strcmp(argv[1], "nfd") == 0)
        check_nfd(lines, argv + 3);
    else if (strcmp(argv[1], "prometheus") == 0)
        check_prometheus(lines, argv + 3);
    else {
        fprintf(stderr, "unknown format %s\n", argv[1]);
        return 2;
    }
    return 0;
}
