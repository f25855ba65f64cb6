/* dt-apply.c: `dirtytrack apply` through the libvirt API (see dt-apply.h).
 *
 * Read the persistent definition with VIR_DOMAIN_XML_INACTIVE (what the
 * next start uses) and VIR_DOMAIN_XML_SECURE (so that defining it back does
 * not drop passwords libvirt otherwise masks), evaluate it as the source of
 * a future migration, rewrite it with the same code the hook uses, define
 * it.  libvirt's own stderr printing is silenced: errors reach the user as
 * one GError line, like every other dirtytrack error.
 */
#include "config.h"

#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "cli/dt-apply.h"
#include "model/dt-config.h"
#include "eval/dt-eval.h"
#include "render/dt-rewrite.h"
#include "model/dt-util.h"
#include "model/dt-xml.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virConnect, virConnectClose)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomain, virDomainFree)

void
dt_apply_result_free(DtApplyResult *r)
{
    if (!r)
        return;
    g_free(r->name);
    g_free(r->old_xml);
    g_free(r->new_xml);
    g_free(r->defined_xml);
    g_free(r->diff);
    g_free(r);
}

static void
quiet_libvirt_error(void *opaque, virErrorPtr err)
{
    /* reported through GError by the caller */
}

/* libxml2's generic handler prints to stderr from inside libvirt's client
 * (the test driver parses its node file with it). */
static void G_GNUC_PRINTF(2, 3)
quiet_xml_error(void *ctx, const char *fmt, ...)
{
}

static void
set_libvirt_error(GError **error, DtErrorCode code, const char *what)
{
    const char *msg = virGetLastErrorMessage();
    g_set_error(error, DT_ERROR, code, "%s: %s", what, msg && *msg ? msg : _("unknown libvirt error"));
}

static virDomainPtr
lookup_domain(virConnectPtr conn, const char *name, GError **error)
{
    virDomainPtr dom = virDomainLookupByName(conn, name);

    if (!dom && strlen(name) == VIR_UUID_STRING_BUFLEN - 1)
        dom = virDomainLookupByUUIDString(conn, name);
    if (!dom) {
        virErrorPtr err = virGetLastError();
        if (!err || err->code == VIR_ERR_NO_DOMAIN) {
            g_set_error(error, DT_ERROR, DT_ERROR_NOT_FOUND, _("domain '%s' not found"), name);
        } else {
            g_autofree char *what = g_strdup_printf(_("cannot look up domain '%s'"), name);
            set_libvirt_error(error, DT_ERROR_FAILED, what);
        }
        return NULL;
    }
    return dom;
}

/* libvirt writes attributes with single quotes, libxml2 with double ones:
 * the old side of the diff goes through the same parser and serialiser as
 * the rewrite, so the diff shows what dirtytrack changed and nothing else. */
static char *
serialise_like_rewrite(const char *xml)
{
    g_autoptr(xmlDoc) doc = dt_xml_parse(xml, strlen(xml), "domain XML", "domain", NULL);
    g_autoptr(xmlBuffer) buf = NULL;

    if (!doc)
        return g_strdup(xml);
    buf = xmlBufferCreate();
    if (!buf || xmlNodeDump(buf, doc, xmlDocGetRootElement(doc), 0, 0) < 0)
        return g_strdup(xml);
    return g_strdup_printf("%s\n", (const char *)xmlBufferContent(buf));
}

DtApplyResult *
dt_apply(const DtApplyOptions *opts, GError **error)
{
    g_autoptr(DtApplyResult) r = g_new0(DtApplyResult, 1);
    g_autoptr(virConnect) conn = NULL;
    g_autoptr(virDomain) dom = NULL;
    g_autoptr(virDomain) defined = NULL;
    g_autoptr(DtConfig) cfg = NULL;
    g_autoptr(DtEvaluation) ev = NULL;
    g_autofree char *libvirt_version = NULL;
    g_autofree char *hostname = NULL;
    g_autofree char *stamp = NULL;
    const unsigned int xml_flags = VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE;
    DtEvalOptions eo = { 0 };
    unsigned long lib_ver = 0;
    int persistent;

    virSetErrorFunc(NULL, quiet_libvirt_error);

    cfg = dt_config_load(opts->config, error);
    if (!cfg)
        return NULL;

    {
        xmlGenericErrorFunc saved_func = xmlGenericError;
        void *saved_ctx = xmlGenericErrorContext;

        xmlSetGenericErrorFunc(NULL, quiet_xml_error);
        conn = virConnectOpen(opts->uri);
        xmlSetGenericErrorFunc(saved_ctx, saved_func);
    }
    if (!conn) {
        g_autofree char *what = g_strdup_printf(_("cannot connect to '%s'"),
                                                opts->uri ? opts->uri : _("the default hypervisor"));
        set_libvirt_error(error, DT_ERROR_FAILED, what);
        return NULL;
    }
    dom = lookup_domain(conn, opts->domain, error);
    if (!dom)
        return NULL;
    r->name = g_strdup(virDomainGetName(dom));
    persistent = virDomainIsPersistent(dom);
    if (persistent == 0) {
        g_set_error(error, DT_ERROR, DT_ERROR_UNSUPPORTED,
                    _("domain '%s' is transient: it has no persistent definition to change"), r->name);
        return NULL;
    }
    r->old_xml = virDomainGetXMLDesc(dom, xml_flags);
    if (!r->old_xml) {
        g_autofree char *what = g_strdup_printf(_("cannot read the definition of '%s'"), r->name);
        set_libvirt_error(error, DT_ERROR_FAILED, what);
        return NULL;
    }

    /* The libvirt that will run the domain is the one we are talking to. */
    if (!opts->libvirt_version && !g_getenv("DIRTYTRACK_LIBVIRT_VERSION") &&
        virConnectGetLibVersion(conn, &lib_ver) == 0)
        libvirt_version = g_strdup_printf("%lu.%lu.%lu", lib_ver / 1000000, (lib_ver / 1000) % 1000,
                                          lib_ver % 1000);

    eo.sysroot = opts->sysroot;
    eo.role = DT_ROLE_SOURCE;
    eo.qemu_version = opts->qemu_version;
    eo.libvirt_version = opts->libvirt_version ? opts->libvirt_version : libvirt_version;
    eo.config = cfg;
    ev = dt_evaluate(r->old_xml, strlen(r->old_xml), &eo, error);
    if (!ev) {
        g_prefix_error(error, _("cannot evaluate '%s': "), r->name);
        return NULL;
    }
    r->verdict = ev->decision->verdict;
    r->mode = ev->decision->mode;

    hostname = virConnectGetHostname(conn);
    if (!hostname)
        hostname = g_strdup(g_get_host_name());
    stamp = dt_timestamp_now();
    r->new_xml = dt_rewrite_domain_xml(r->old_xml, strlen(r->old_xml), ev->decision, hostname,
                                       stamp, &r->changed, error);
    if (!r->new_xml) {
        g_prefix_error(error, _("cannot rewrite '%s': "), r->name);
        return NULL;
    }
    if (r->changed) {
        g_autofree char *base = serialise_like_rewrite(r->old_xml);
        g_autofree char *label_a = g_strdup_printf(_("%s (persistent definition)"), r->name);
        g_autofree char *label_b = g_strdup_printf(_("%s (with dirtytrack policy)"), r->name);
        r->diff = dt_apply_diff_unified(base, r->new_xml, label_a, label_b, 3);
    } else {
        r->diff = g_strdup("");
    }
    if (opts->dry_run || !r->changed)
        return g_steal_pointer(&r);

    defined = virDomainDefineXML(conn, r->new_xml);
    if (!defined) {
        g_autofree char *what = g_strdup_printf(_("cannot define '%s'"), r->name);
        set_libvirt_error(error, DT_ERROR_FAILED, what);
        return NULL;
    }
    r->defined = TRUE;
    r->defined_xml = virDomainGetXMLDesc(defined, xml_flags);
    return g_steal_pointer(&r);
}

/* ---- unified diff ------------------------------------------------------------ */

typedef struct {
    char op;        /* ' ', '-', '+' */
    guint a, b;     /* 0-based line in a (for ' ', '-') and b (for ' ', '+') */
} Edit;

static char **
split_lines(const char *s, guint *n)
{
    char **v = g_strsplit(s ? s : "", "\n", -1);
    guint len = g_strv_length(v);

    /* a final newline ends the last line; it does not start another */
    if (len > 0 && v[len - 1][0] == '\0') {
        g_free(v[len - 1]);
        v[len - 1] = NULL;
        len--;
    }
    *n = len;
    return v;
}

/* Myers' O((N+M)D) greedy diff over the lines between the common prefix and
 * suffix; the trace keeps one V slice per edit distance for the walk back. */
static void
myers(char **a, guint a0, guint n, char **b, guint b0, guint m, GArray *edits)
{
    const gint max = (gint)(n + m);
    const gint off = max + 1;
    g_autofree gint *v = g_new0(gint, 2 * (gsize)max + 3);
    g_autoptr(GPtrArray) trace = g_ptr_array_new_with_free_func(g_free);
    GArray *rev = g_array_new(FALSE, FALSE, sizeof(Edit));
    gint x, y, d, found = -1;

    for (d = 0; d <= max && found < 0; d++) {
        gint *snap = g_new(gint, 2 * (gsize)d + 3);
        memcpy(snap, v + off - d - 1, sizeof(gint) * (2 * (gsize)d + 3));
        g_ptr_array_add(trace, snap);
        for (gint k = -d; k <= d; k += 2) {
            if (k == -d || (k != d && v[off + k - 1] < v[off + k + 1]))
                x = v[off + k + 1];
            else
                x = v[off + k - 1] + 1;
            y = x - k;
            while (x < (gint)n && y < (gint)m && strcmp(a[a0 + x], b[b0 + y]) == 0) {
                x++;
                y++;
            }
            v[off + k] = x;
            if (x >= (gint)n && y >= (gint)m) {
                found = d;
                break;
            }
        }
    }

    x = (gint)n;
    y = (gint)m;
    for (d = found; d > 0; d--) {
        /* the V values after round d-1, indexed -d-1 .. d+1 */
        const gint *snap = g_ptr_array_index(trace, d);
        const gint k = x - y;
        gint prev_k, prev_x, prev_y;

        if (k == -d || (k != d && snap[k - 1 + d + 1] < snap[k + 1 + d + 1]))
            prev_k = k + 1;
        else
            prev_k = k - 1;
        prev_x = snap[prev_k + d + 1];
        prev_y = prev_x - prev_k;
        while (x > prev_x && y > prev_y) {
            Edit e = { ' ', a0 + (guint)x - 1, b0 + (guint)y - 1 };
            g_array_append_val(rev, e);
            x--;
            y--;
        }
        {
            /* a step down inserts b[prev_y]; a step right deletes a[prev_x] */
            Edit e = prev_k == k + 1 ? (Edit){ '+', a0 + (guint)prev_x, b0 + (guint)prev_y }
                                     : (Edit){ '-', a0 + (guint)prev_x, b0 + (guint)prev_y };
            g_array_append_val(rev, e);
        }
        x = prev_x;
        y = prev_y;
    }
    while (x > 0 && y > 0) {
        Edit e = { ' ', a0 + (guint)x - 1, b0 + (guint)y - 1 };
        g_array_append_val(rev, e);
        x--;
        y--;
    }
    for (guint i = rev->len; i > 0; i--)
        g_array_append_val(edits, g_array_index(rev, Edit, i - 1));
    g_array_free(rev, TRUE);
}

char *
dt_apply_diff_unified(const char *a, const char *b, const char *label_a, const char *label_b,
                guint context)
{
    guint n, m, pre = 0, suf = 0;
    g_auto(GStrv) al = split_lines(a, &n);
    g_auto(GStrv) bl = split_lines(b, &m);
    g_autoptr(GArray) edits = g_array_new(FALSE, FALSE, sizeof(Edit));
    GString *out = g_string_new(NULL);
    guint i = 0;

    while (pre < n && pre < m && strcmp(al[pre], bl[pre]) == 0)
        pre++;
    while (suf < n - pre && suf < m - pre && strcmp(al[n - 1 - suf], bl[m - 1 - suf]) == 0)
        suf++;
    for (guint k = 0; k < pre; k++) {
        Edit e = { ' ', k, k };
        g_array_append_val(edits, e);
    }
    myers(al, pre, n - pre - suf, bl, pre, m - pre - suf, edits);
    for (guint k = 0; k < suf; k++) {
        Edit e = { ' ', n - suf + k, m - suf + k };
        g_array_append_val(edits, e);
    }
    if (pre == n && pre == m)
        return g_string_free(out, FALSE);

    g_string_append_printf(out, "--- %s\n+++ %s\n", label_a, label_b);
    while (i < edits->len) {
        guint first, last, start, end, a_start = 0, b_start = 0, a_count = 0, b_count = 0;
        gboolean a_seen = FALSE, b_seen = FALSE;

        while (i < edits->len && g_array_index(edits, Edit, i).op == ' ')
            i++;
        if (i >= edits->len)
            break;
        first = last = i;
        /* extend while the next change is within 2*context unchanged lines */
        for (guint j = i + 1; j < edits->len; j++) {
            if (g_array_index(edits, Edit, j).op == ' ')
                continue;
            if (j - last - 1 > 2 * context)
                break;
            last = j;
        }
        start = first > context ? first - context : 0;
        end = MIN(last + context + 1, edits->len);
        for (guint j = start; j < end; j++) {
            const Edit *e = &g_array_index(edits, Edit, j);
            if (e->op != '+') {
                if (!a_seen)
                    a_start = e->a + 1;
                a_seen = TRUE;
                a_count++;
            }
            if (e->op != '-') {
                if (!b_seen)
                    b_start = e->b + 1;
                b_seen = TRUE;
                b_count++;
            }
        }
        /* an empty side names the line before it (diff(1) convention) */
        if (!a_seen)
            a_start = g_array_index(edits, Edit, start).a;
        if (!b_seen)
            b_start = g_array_index(edits, Edit, start).b;
        g_string_append_printf(out, "@@ -%u,%u +%u,%u @@\n", a_start, a_count, b_start, b_count);
        for (guint j = start; j < end; j++) {
            const Edit *e = &g_array_index(edits, Edit, j);
            g_string_append_c(out, e->op);
            g_string_append(out, e->op == '+' ? bl[e->b] : al[e->a]);
            g_string_append_c(out, '\n');
        }
        i = end;
    }
    return g_string_free(out, FALSE);
}
