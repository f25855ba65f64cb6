/* json-contract: checks a report against the JSON contract that scripts and
 * orchestrators rely on (docs/report-format.md).  Used by the shell tests:
 *
 *   json-contract check REPORT.json [EXIT_STATUS]
 *   json-contract host REPORT.json
 *
 * Prints the first violation and exits 1; exits 0 when the report keeps
 * the contract.  Extra keys are allowed (the contract only grows).
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *current_file;

static void G_GNUC_NORETURN G_GNUC_PRINTF(1, 2)
violation(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: contract violation: ", current_file);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static JsonNode *
member(JsonObject *o, const char *path, const char *key)
{
    JsonNode *n = json_object_get_member(o, key);
    if (!n)
        violation("%s.%s is missing", path, key);
    return n;
}

static JsonObject *
obj_member(JsonObject *o, const char *path, const char *key)
{
    JsonNode *n = member(o, path, key);
    if (!JSON_NODE_HOLDS_OBJECT(n))
        violation("%s.%s is not an object", path, key);
    return json_node_get_object(n);
}

static JsonArray *
array_member(JsonObject *o, const char *path, const char *key)
{
    JsonNode *n = member(o, path, key);
    if (!JSON_NODE_HOLDS_ARRAY(n))
        violation("%s.%s is not an array", path, key);
    return json_node_get_array(n);
}

static const char *
string_member(JsonObject *o, const char *path, const char *key, gboolean nullable)
{
    JsonNode *n = member(o, path, key);
    if (JSON_NODE_HOLDS_NULL(n)) {
        if (!nullable)
            violation("%s.%s is null", path, key);
        return NULL;
    }
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
        violation("%s.%s is not a string", path, key);
    return json_node_get_string(n);
}

static void
one_of(const char *path, const char *v, const char *const *allowed)
{
    for (guint i = 0; allowed[i]; i++)
        if (g_strcmp0(v, allowed[i]) == 0)
            return;
    violation("%s has unexpected value '%s'", path, v ? v : "(null)");
}

static void
bool_or_null(JsonObject *o, const char *path, const char *key)
{
    JsonNode *n = member(o, path, key);
    if (JSON_NODE_HOLDS_NULL(n))
        return;
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN)
        violation("%s.%s is neither true, false nor null", path, key);
}

static const char *const sources[] = {
    "none", "ioctl", "debugfs", "sysfs", "database", "predicted", "config", "xml", "binary",
    "kconfig", "modules", "devnode", NULL
};

static void
fact(JsonObject *o, const char *path, const char *key)
{
    g_autofree char *p = g_strdup_printf("%s.%s", path, key);
    JsonObject *f = obj_member(o, path, key);
    bool_or_null(f, p, "supported");
    one_of(p, string_member(f, p, "source", FALSE), sources);
}

/* A device's migration and tracking facts: one shape in every report. */
static void
device_facts(JsonObject *d, const char *path)
{
    static const char *const flags[] = { "stop-copy", "p2p", "pre-copy", NULL };
    g_autofree char *pm = g_strdup_printf("%s.migration", path);
    JsonObject *mig = obj_member(d, path, "migration");
    JsonArray *fl;

    bool_or_null(mig, pm, "supported");
    one_of(pm, string_member(mig, pm, "source", FALSE), sources);
    fl = array_member(mig, pm, "flags");
    for (guint f = 0; f < json_array_get_length(fl); f++)
        one_of(pm, json_array_get_string_element(fl, f), flags);
    fact(d, path, "dma_logging");
    fact(d, path, "iommu_dirty_tracking");
}

static gboolean
code_ok(const char *code)
{
    if (!code || !*code)
        return FALSE;
    for (const char *c = code; *c; c++)
        if (!g_ascii_islower(*c) && !g_ascii_isdigit(*c) && *c != '-')
            return FALSE;
    return TRUE;
}

static void
check_decision(JsonObject *root, int exit_status)
{
    static const char *const modes[] = { "device", "iommu", "perpetual", "none", "unknown", NULL };
    static const char *const phases[] = { "blocker", "realize", "warning", "migrate", "cmdline", NULL };
    static const char *const backends[] = { "legacy", "iommufd", NULL };
    JsonArray *containers;
    static const char *const verdicts[] = { "allow", "warn", "deny", NULL };
    static const char *const severities[] = { "info", "warning", "error", NULL };
    JsonObject *dom = obj_member(root, "$", "domain");
    JsonArray *reasons, *devices;
    JsonObject *policy;
    const char *verdict;
    gboolean has_error = FALSE, has_warning = FALSE;
    GList *keys;

    string_member(dom, "$.domain", "name", TRUE);
    string_member(dom, "$.domain", "uuid", TRUE);
    one_of("$.mode", string_member(root, "$", "mode", FALSE), modes);
    verdict = string_member(root, "$", "verdict", FALSE);
    one_of("$.verdict", verdict, verdicts);

    reasons = array_member(root, "$", "reasons");
    for (guint i = 0; i < json_array_get_length(reasons); i++) {
        g_autofree char *p = g_strdup_printf("$.reasons[%u]", i);
        JsonNode *n = json_array_get_element(reasons, i);
        JsonObject *r;
        const char *sev;

        if (!JSON_NODE_HOLDS_OBJECT(n))
            violation("%s is not an object", p);
        r = json_node_get_object(n);
        if (!code_ok(string_member(r, p, "code", FALSE)))
            violation("%s.code is not a stable identifier", p);
        sev = string_member(r, p, "severity", FALSE);
        one_of(p, sev, severities);
        has_error |= g_strcmp0(sev, "error") == 0;
        has_warning |= g_strcmp0(sev, "warning") == 0;
        string_member(r, p, "device", TRUE);
        if (!*string_member(r, p, "message", FALSE))
            violation("%s.message is empty", p);
        /* QEMU's own words, and when QEMU says them, go together */
        if (string_member(r, p, "qemu_message", TRUE))
            one_of(p, string_member(r, p, "qemu_phase", FALSE), phases);
        else if (string_member(r, p, "qemu_phase", TRUE))
            violation("%s.qemu_phase without qemu_message", p);
        string_member(r, p, "libvirt_message", TRUE);
        string_member(r, p, "container", TRUE);
    }

    containers = array_member(root, "$", "containers");
    for (guint i = 0; i < json_array_get_length(containers); i++) {
        g_autofree char *p = g_strdup_printf("$.containers[%u]", i);
        JsonNode *n = json_array_get_element(containers, i);
        JsonObject *ct;
        JsonArray *cd;

        if (!JSON_NODE_HOLDS_OBJECT(n))
            violation("%s is not an object", p);
        ct = json_node_get_object(n);
        string_member(ct, p, "id", FALSE);
        one_of(p, string_member(ct, p, "backend", FALSE), backends);
        one_of(p, string_member(ct, p, "mode", FALSE), modes);
        one_of(p, string_member(ct, p, "verdict", FALSE), verdicts);
        cd = array_member(ct, p, "devices");
        if (json_array_get_length(cd) == 0)
            violation("%s.devices is empty", p);
    }
    /* the verdict follows from the reasons */
    if (has_error != (g_strcmp0(verdict, "deny") == 0))
        violation("verdict '%s' does not match the reasons' severities", verdict);
    if (!has_error && has_warning != (g_strcmp0(verdict, "warn") == 0))
        violation("verdict '%s' does not match the warnings", verdict);
    if (exit_status >= 0) {
        int want = g_strcmp0(verdict, "allow") == 0 ? 0 : g_strcmp0(verdict, "warn") == 0 ? 1 : 2;
        if (want != exit_status)
            violation("exit status %d does not match verdict '%s'", exit_status, verdict);
    }

    devices = array_member(root, "$", "devices");
    for (guint i = 0; i < json_array_get_length(devices); i++) {
        g_autofree char *p = g_strdup_printf("$.devices[%u]", i);
        JsonNode *n = json_array_get_element(devices, i);
        JsonObject *d;

        if (!JSON_NODE_HOLDS_OBJECT(n))
            violation("%s is not an object", p);
        d = json_node_get_object(n);
        string_member(d, p, "address", FALSE);
        string_member(d, p, "driver", TRUE);
        string_member(d, p, "vfio_driver", TRUE);
        device_facts(d, p);
    }

    policy = obj_member(root, "$", "vf_policy");
    keys = json_object_get_members(policy);
    for (GList *k = keys; k; k = k->next) {
        g_autofree char *p = g_strdup_printf("$.vf_policy[%s]", (const char *)k->data);
        JsonNode *n = json_object_get_member(policy, k->data);
        JsonObject *v;

        if (!JSON_NODE_HOLDS_OBJECT(n))
            violation("%s is not an object", p);
        v = json_node_get_object(n);
        string_member(v, p, "driver", TRUE);
        obj_member(v, p, "properties");
    }
    g_list_free(keys);
}

static void
check_host(JsonObject *root)
{
    static const char *const statuses[] = { "PASS", "WARN", "FAIL", "NOTE", NULL };
    JsonArray *checks, *devices;

    obj_member(root, "$", "host");
    array_member(root, "$", "iommus");
    /* the one shape of a device's facts (dt_json_add_pcidev) */
    devices = array_member(root, "$", "devices");
    for (guint i = 0; i < json_array_get_length(devices); i++) {
        g_autofree char *p = g_strdup_printf("$.devices[%u]", i);
        JsonObject *d = json_array_get_object_element(devices, i);

        if (!d)
            violation("%s is not an object", p);
        string_member(d, p, "address", FALSE);
        string_member(d, p, "id", FALSE);
        string_member(d, p, "driver", TRUE);
        string_member(d, p, "variant_driver", TRUE);
        device_facts(d, p);
    }
    checks = array_member(root, "$", "checks");
    if (json_array_get_length(checks) == 0)
        violation("$.checks is empty");
    for (guint i = 0; i < json_array_get_length(checks); i++) {
        g_autofree char *p = g_strdup_printf("$.checks[%u]", i);
        JsonObject *c = json_array_get_object_element(checks, i);
        if (!c)
            violation("%s is not an object", p);
        string_member(c, p, "id", FALSE);
        one_of(p, string_member(c, p, "status", FALSE), statuses);
        string_member(c, p, "title", FALSE);
    }
}

int
main(int argc, char **argv)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) error = NULL;
    JsonNode *root;

    if (argc < 3 || (strcmp(argv[1], "check") != 0 && strcmp(argv[1], "host") != 0)) {
        fprintf(stderr, "usage: json-contract check|host FILE [EXIT_STATUS]\n");
        return 2;
    }
    current_file = argv[2];
    if (!json_parser_load_from_file(parser, argv[2], &error))
        violation("not JSON: %s", error->message);
    root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root))
        violation("the top level is not an object");
    if (strcmp(argv[1], "check") == 0)
        check_decision(json_node_get_object(root), argc > 3 ? atoi(argv[3]) : -1);
    else
        check_host(json_node_get_object(root));
    return 0;
}
