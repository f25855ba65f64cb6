/* dirtytrack-hook: libvirt's qemu hook (installed in hooks/qemu.d/).
 *
 * libvirt runs it synchronously with `NAME OP SUBOP EXTRA`, the full
 * domain XML on stdin and a sanitised environment (LC_ALL=C, no D-Bus
 * variables), while it holds the domain's job.  So the hook:
 *   - never calls libvirt (a deadlock is likely) and never outlives its
 *     deadline: the work runs in a forked child in its own process group
 *     that the parent kills at the deadline, whatever it is blocked on
 *     (the bus, sysfs, the QEMU binary), and the configured fail policy
 *     then decides;
 *   - drops uninteresting domains (no VFIO hostdev, no dirtytrack
 *     metadata) after one XML parse, before any bus or probing;
 *   - asks dirtytrackd when it owns its name on the bus (the daemon has
 *     the host already probed), through the one client (dt-client.h), and
 *     reads the verdict and reasons the daemon types (no JSON); it
 *     evaluates in-process only when no daemon is there: a daemon that is
 *     there but silent is waited for until the deadline, since probing
 *     beside a stuck daemon would most likely get stuck on the same thing;
 *   - writes to stdout only for migrate/restore, where libvirt reads a
 *     replacement definition (empty = unchanged), and explains every
 *     refusal on stderr, which libvirt hands to the user;
 *   - loads libdbus-1 only in the worker and only when it talks to the
 *     daemon, json-glib only when an in-process evaluation reads JSON
 *     (dt-hook-lazy.h): most runs never do, and the two libraries brought
 *     15 of the hook's 27 libraries to every start.
 *
 * Exit status: 0 = go on, 1 = refuse (the operation is aborted),
 * 2 = called wrongly (not by libvirt).
 */
#include "config.h"

#include <inttypes.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "model/dt-config.h"
#include "dbus/dt-client.h"
#include "decide/dt-decide.h"
#include "model/dt-domain.h"
#include "eval/dt-eval.h"
#include "model/dt-file.h"
#include "model/dt-log.h"
#include "dt-hook-lazy.h"
#include "render/dt-rewrite.h"
#include "model/dt-util.h"
#include "model/dt-xml.h"

#define DT_HOOK_DEFAULT_DEADLINE_MS 2000
/* Time kept back from the D-Bus timeout so the child can still report. */
#define DT_HOOK_REPLY_MARGIN_MS 100
#define DT_HOOK_RESULT_MAGIC "DTH1"

typedef enum {
    DT_HOOK_OP_IGNORED,   /* start, attach, unknown: nothing to do */
    DT_HOOK_OP_MIGRATE,   /* destination gate and filter */
    DT_HOOK_OP_RESTORE,   /* filter, no gate */
    DT_HOOK_OP_PREPARE,   /* start gate when the policy asks */
    DT_HOOK_OP_START,     /* start begin: the source's dry run, by the daemon */
    DT_HOOK_OP_EVENT,     /* started, stopped, release, reconnect: publish */
} DtHookOp;

typedef struct {
    const char *name, *op, *subop, *extra;
    DtHookOp kind;
    DtConfig *config;
    gint64 deadline_us;        /* monotonic */
    guint deadline_ms;
    char *xml;
    gsize xml_len;
    xmlDoc *doc;               /* xml, parsed once: the pre-check reads it, the
                                * worker evaluates and rewrites it */
    gboolean gate_prepare;     /* prepare refuses an unmigratable VM */
    char *config_error;        /* the configuration could not be loaded: why */
} DtHook;

/* What the worker hands back to the parent. */
typedef struct {
    int status;
    GString *out;
    GString *err;
    const char *via;           /* daemon | in-process | precheck | deadline | ... */
    char code[64];             /* the first refusal's reason code, for the log */
    gboolean fell_back;        /* the daemon should have answered and did not */
} DtHookResult;

static void
dt_hook_result_init(DtHookResult *r)
{
    r->status = 0;
    r->out = g_string_new(NULL);
    r->err = g_string_new(NULL);
    r->via = "none";
    r->code[0] = '\0';
    r->fell_back = FALSE;
}

static guint
dt_hook_remaining_ms(const DtHook *h)
{
    gint64 left = h->deadline_us - g_get_monotonic_time();

    return left <= 0 ? 0 : (guint)(left / 1000);
}

static const char *
dt_hook_action(const DtHook *h)
{
    switch (h->kind) {
    case DT_HOOK_OP_MIGRATE: return _("the incoming migration");
    case DT_HOOK_OP_RESTORE: return _("the restore");
    case DT_HOOK_OP_PREPARE: return _("the start");
    default: return _("the operation");
    }
}

/* Lifecycle events, the dry run at start and what is ignored never stop
 * libvirt: they exit 0 whatever happens. */
static gboolean
dt_hook_never_refuses(const DtHook *h)
{
    return h->kind == DT_HOOK_OP_EVENT || h->kind == DT_HOOK_OP_IGNORED ||
           h->kind == DT_HOOK_OP_START;
}

/* The fail policy: what happens when no verdict could be had in time (or
 * at all).  Restore has no gate and lifecycle events never fail. */
static void
dt_hook_fail(const DtHook *h, DtHookResult *r, const char *why)
{
    if (dt_hook_never_refuses(h)) {
        r->status = 0;
        return;
    }
    g_string_truncate(r->out, 0);
    if (h->kind == DT_HOOK_OP_RESTORE || h->config->hook_fail_open) {
        g_string_append_printf(r->err,
                               _("dirtytrack: %s; on-timeout=allow: letting %s proceed unchecked\n"),
                               why, dt_hook_action(h));
        r->status = 0;
    } else {
        g_string_append_printf(r->err,
                               _("dirtytrack: %s; on-timeout=deny: refusing %s (set [hook] on-timeout=allow in %s to let it proceed)\n"),
                               why, dt_hook_action(h),
                               h->config->path ? h->config->path : DT_CONFIG_DEFAULT_PATH);
        r->status = 1;
    }
}

/* ---- input --------------------------------------------------------------- */

/* Reads all of stdin, bounded in size and by the deadline.  libvirt writes
 * the whole document and closes the pipe; draining it also spares libvirt
 * a write error when we have nothing to do. */
static gboolean
dt_hook_read_stdin(DtHook *h, GError **error)
{
    g_autoptr(GByteArray) buf = g_byte_array_new();
    guint8 chunk[65536];

    for (;;) {
        struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
        guint left = dt_hook_remaining_ms(h);
        ssize_t n;
        int rc;

        if (left == 0) {
            g_set_error(error, DT_ERROR, DT_ERROR_TIMEOUT,
                        _("the domain XML did not arrive on stdin within %u ms"), h->deadline_ms);
            return FALSE;
        }
        rc = poll(&pfd, 1, (int)MIN(left, (guint)G_MAXINT));
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0) {
            g_set_error(error, DT_ERROR, DT_ERROR_IO, _("cannot wait for stdin: %s"),
                        g_strerror(errno));
            return FALSE;
        }
        if (rc == 0)
            continue;
        n = read(STDIN_FILENO, chunk, sizeof(chunk));
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0) {
            g_set_error(error, DT_ERROR, DT_ERROR_IO, _("cannot read the domain XML: %s"),
                        g_strerror(errno));
            return FALSE;
        }
        if (n == 0)
            break;
        if (buf->len + (gsize)n > DT_XML_MAX_BYTES) {
            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                        _("the domain XML is larger than %u bytes"), DT_XML_MAX_BYTES);
            return FALSE;
        }
        g_byte_array_append(buf, chunk, (guint)n);
    }
    h->xml_len = buf->len;
    g_byte_array_append(buf, (const guint8 *)"", 1);
    h->xml = (char *)g_byte_array_free(g_steal_pointer(&buf), FALSE);
    return TRUE;
}

/* An element as an XPath name test sees it: `name` without a prefix is in
 * no namespace, a prefixed one in `ns_href`. */
static gboolean
dt_hook_is_element(const xmlNode *n, const char *name, const char *ns_href)
{
    if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, name) != 0)
        return FALSE;
    if (!ns_href)
        return n->ns == NULL;
    return n->ns && n->ns->href && strcmp((const char *)n->ns->href, ns_href) == 0;
}

/* The value of the attribute `name` (in no namespace), or NULL; freed with xmlFree. */
static xmlChar *
dt_hook_attr(xmlNode *n, const char *name)
{
    return xmlGetNoNsProp(n, BAD_CAST name);
}

static gboolean
dt_hook_attr_is(xmlNode *n, const char *name, const char *value)
{
    xmlChar *v = dt_hook_attr(n, name);
    gboolean same = v && strcmp((const char *)v, value) == 0;

    xmlFree(v);
    return same;
}

/* The pre-check: does this domain concern dirtytrack at all?  Also reads
 * the metadata's require-migratable, which decides whether prepare gates.
 * A walk over the root's children, not XPath: it runs in every hook call,
 * and it answers as these expressions would:
 *   relevant: /domain/devices/hostdev[@mode='subsystem' and
 *                 (@type='pci' or @type='mdev')] or /domain/metadata/dt:dirtytrack
 *   require: string(/domain/metadata/dt:dirtytrack/dt:policy/@require-migratable),
 *            i.e. the first such attribute in document order. */
static gboolean
dt_hook_precheck(DtHook *h, gboolean *relevant, GError **error)
{
    xmlNode *root;
    xmlChar *req = NULL;
    gboolean vfio = FALSE, meta = FALSE;
    gboolean meta_says_yes = FALSE, meta_says_no = FALSE;

    h->doc = dt_xml_parse(h->xml, h->xml_len, _("domain XML"), "domain", error);
    if (!h->doc)
        return FALSE;
    root = xmlDocGetRootElement(h->doc);
    if (dt_hook_is_element(root, "domain", NULL)) {
        for (xmlNode *sec = root->children; sec; sec = sec->next) {
            if (dt_hook_is_element(sec, "devices", NULL)) {
                for (xmlNode *d = sec->children; d && !vfio; d = d->next)
                    vfio = dt_hook_is_element(d, "hostdev", NULL) &&
                           dt_hook_attr_is(d, "mode", "subsystem") &&
                           (dt_hook_attr_is(d, "type", "pci") || dt_hook_attr_is(d, "type", "mdev"));
            } else if (dt_hook_is_element(sec, "metadata", NULL)) {
                for (xmlNode *dt = sec->children; dt; dt = dt->next) {
                    if (!dt_hook_is_element(dt, "dirtytrack", DT_METADATA_NS))
                        continue;
                    meta = TRUE;
                    for (xmlNode *p = dt->children; p && !req; p = p->next) {
                        if (dt_hook_is_element(p, "policy", DT_METADATA_NS))
                            req = dt_hook_attr(p, "require-migratable");
                    }
                }
            }
        }
    }
    *relevant = vfio || meta;

    if (req) {
        meta_says_yes = strcmp((const char *)req, "yes") == 0;
        meta_says_no = strcmp((const char *)req, "no") == 0;
        xmlFree(req);
    }
    /* The domain's own demand always gates its start; a host-wide
     * require-migratable from the config gates only with gate-start. */
    h->gate_prepare = meta_says_yes ||
                      (!meta_says_no && h->config->policy.require_migratable &&
                       h->config->gate_start);
    return TRUE;
}

/* ---- reasons ------------------------------------------------------------- */

static void
dt_hook_reason_line(GString *err, gboolean refusal, const char *code, const char *device,
                    const char *message)
{
    g_string_append(err, "dirtytrack: ");
    g_string_append(err, refusal ? _("refused") : _("warning"));
    g_string_append_printf(err, " [%s]", code ? code : "unknown");
    if (device && *device)
        g_string_append_printf(err, " %s", device);
    g_string_append_printf(err, ": %s\n", message && *message ? message : _("no details given"));
}

/* A reason code as the log may carry it: [a-z0-9-], as the engine's are. */
static void
dt_hook_set_code(DtHookResult *r, const char *code)
{
    gsize i = 0;

    if (r->code[0] || !code)
        return;
    for (; code[i] && i < sizeof(r->code) - 1; i++)
        r->code[i] = g_ascii_isalnum(code[i]) || code[i] == '-' ? code[i] : '-';
    r->code[i] = '\0';
}

/* Whether a refusal reason stands on its own: require-migratable only
 * says that the others make the domain unmigratable, and those may all be
 * warnings (a device missing from this host). */
static gboolean
dt_hook_is_cause(const char *code)
{
    return g_strcmp0(code, DT_R_REQUIRE_MIGRATABLE) != 0;
}

/* One line per error (refusal) or per warning of the reasons (the
 * in-process decision's, or the daemon's typed ones); *causes counts
 * those that stand on their own. */
static guint
dt_hook_reasons(DtHookResult *res, const GPtrArray *reasons, DtSeverity sev, gboolean refusal,
                guint *causes)
{
    guint n = 0;

    for (guint i = 0; reasons && i < reasons->len; i++) {
        const DtReason *r = g_ptr_array_index(reasons, i);

        if (r->severity != sev)
            continue;
        dt_hook_reason_line(res->err, refusal, r->code, r->device, r->message);
        if (refusal)
            dt_hook_set_code(res, r->code);
        if (causes && dt_hook_is_cause(r->code))
            (*causes)++;
        n++;
    }
    return n;
}

/* Turns a verdict plus its reasons into the hook's answer. */
static void
dt_hook_conclude(const DtHook *h, DtHookResult *r, DtVerdict verdict, const GPtrArray *reasons)
{
    gboolean deny = verdict == DT_VERDICT_DENY;
    gboolean gate = (h->kind == DT_HOOK_OP_MIGRATE) ||
                    (h->kind == DT_HOOK_OP_PREPARE && h->gate_prepare);
    guint n, causes = 0;

    if (deny && gate) {
        g_string_truncate(r->out, 0);
        n = dt_hook_reasons(r, reasons, DT_SEVERITY_ERROR, TRUE, &causes);
        if (n == 0) {
            dt_hook_reason_line(r->err, TRUE, "deny", NULL,
                                _("this host cannot give the domain what its policy requires"));
            dt_hook_set_code(r, "deny");
        }
        /* A refusal that only says "see the other reasons" rests on
         * reasons that are warnings on their own (a device missing from
         * this host): those are the cause the user must see. */
        if (n > 0 && causes == 0)
            dt_hook_reasons(r, reasons, DT_SEVERITY_WARNING, FALSE, NULL);
        g_string_append_printf(r->err,
                               h->kind == DT_HOOK_OP_MIGRATE
                               ? _("dirtytrack: the incoming migration of %s was refused by this host (see `dirtytrack check --role destination`)\n")
                               : _("dirtytrack: %s must stay migratable and could not migrate from this host (see `dirtytrack check`)\n"),
                               h->name);
        r->status = 1;
        return;
    }
    /* Not refused: a denied restore still runs, so say why it would not
     * migrate; warnings are passed on in any case. */
    if (deny)
        dt_hook_reasons(r, reasons, DT_SEVERITY_ERROR, FALSE, NULL);
    dt_hook_reasons(r, reasons, DT_SEVERITY_WARNING, FALSE, NULL);
    r->status = 0;
}

/* ---- the daemon ---------------------------------------------------------- */

typedef enum {
    DT_DAEMON_ANSWERED,
    DT_DAEMON_ABSENT,     /* no bus, no owner, or it refused: evaluate here */
    DT_DAEMON_SILENT,     /* it owns the name but did not answer in time */
    DT_DAEMON_OTHER_HOST, /* it evaluates another root than DIRTYTRACK_SYSROOT */
} DtDaemonOutcome;

/* The hook's D-Bus client cannot work (a library it needs did not load):
 * said on stderr, and the hook goes on as when no daemon is there. */
static void
dt_hook_no_daemon(DtHookResult *r, const GError *why)
{
    g_string_append_printf(r->err, _("dirtytrack: cannot talk to dirtytrackd: %s\n"), why->message);
}

/* How a failed call to the daemon counts: only one that used up the
 * deadline is a silent daemon (NoReply is also what a daemon that died
 * mid-call gives, dt-client.h). */
static DtDaemonOutcome
dt_hook_outcome(const GError *error)
{
    return g_error_matches(error, DT_ERROR, DT_ERROR_TIMEOUT) ? DT_DAEMON_SILENT
                                                              : DT_DAEMON_ABSENT;
}

/* A connection to the bus (the system bus found the normal way, or
 * DIRTYTRACK_BUS_ADDRESS in tests) whose calls end with what is left of the
 * deadline, less the margin the worker needs to report; NULL without a bus. */
static DtClient *
dt_hook_client(const DtHook *h)
{
    guint left = dt_hook_remaining_ms(h);

    return dt_client_open(left > DT_HOOK_REPLY_MARGIN_MS ? left - DT_HOOK_REPLY_MARGIN_MS : 1,
                          NULL);
}

/* Two roots are the same directory (symlinks and "/./" aside). */
static gboolean
dt_hook_same_root(const char *a, const char *b)
{
    g_autofree char *ra = realpath(a, NULL);
    g_autofree char *rb = realpath(b, NULL);

    return ra && rb && strcmp(ra, rb) == 0;
}

/* DIRTYTRACK_SYSROOT makes the hook evaluate another host (a fixture
 * tree).  The daemon answers for the root it was started on, so it is
 * asked only when that is the same root; otherwise the hook evaluates
 * here.  Without DIRTYTRACK_SYSROOT (libvirt never passes it) this costs
 * nothing. */
static DtDaemonOutcome
dt_hook_daemon_serves_root(DtClient *c, gboolean *same)
{
    const char *root = g_getenv("DIRTYTRACK_SYSROOT");
    g_autofree char *theirs = NULL;
    g_autoptr(GError) error = NULL;

    *same = TRUE;
    if (!root || !*root)
        return DT_DAEMON_ANSWERED;
    *same = FALSE;
    if (!dt_client_daemon_sysroot(c, &theirs, &error))
        return dt_hook_outcome(error);
    *same = theirs && dt_hook_same_root(root, theirs);
    return DT_DAEMON_ANSWERED;
}

/* Start and prepare ask about leaving this host; migrate and restore
 * about arriving on it. */
static DtRole
dt_hook_role(const DtHook *h)
{
    return h->kind == DT_HOOK_OP_PREPARE || h->kind == DT_HOOK_OP_START ? DT_ROLE_SOURCE
                                                                        : DT_ROLE_DESTINATION;
}

/* Filter for migrate/restore, Evaluate for prepare and start.  The answer's typed
 * verdict and reasons are all the hook reads: no JSON on this path. */
static DtDaemonOutcome
dt_hook_ask_daemon(const DtHook *h, DtHookResult *r)
{
    g_autoptr(DtClient) c = NULL;
    g_autoptr(DtClientAnswer) answer = NULL;
    g_autoptr(GError) error = NULL;
    DtClientOptions opts = {
        .role = dt_hook_role(h),
        .op = h->op,
        .qemu_version = g_getenv("DIRTYTRACK_QEMU_VERSION"),
        .libvirt_version = g_getenv("DIRTYTRACK_LIBVIRT_VERSION"),
    };
    DtDaemonOutcome outcome;
    gboolean same;

    if (!dt_lazy_load_dbus(&error)) {
        dt_hook_no_daemon(r, error);
        return DT_DAEMON_ABSENT;
    }
    c = dt_hook_client(h);
    if (!c)
        return DT_DAEMON_ABSENT;
    outcome = dt_hook_daemon_serves_root(c, &same);
    if (outcome != DT_DAEMON_ANSWERED || !same)
        return outcome != DT_DAEMON_ANSWERED ? outcome : DT_DAEMON_OTHER_HOST;
    answer = dt_hook_role(h) == DT_ROLE_SOURCE
                 ? dt_client_evaluate(c, h->xml, h->xml_len, &opts, &error)
                 : dt_client_filter(c, h->xml, h->xml_len, &opts, &error);
    if (!answer)
        return dt_hook_outcome(error);
    if ((h->kind == DT_HOOK_OP_MIGRATE || h->kind == DT_HOOK_OP_RESTORE) && answer->new_xml)
        g_string_assign(r->out, answer->new_xml);
    dt_hook_conclude(h, r, answer->verdict, answer->reasons);
    r->via = "daemon";
    return DT_DAEMON_ANSWERED;
}

/* Lifecycle publication: nobody waits for its outcome.  The (empty) reply
 * is waited for all the same, bounded by the deadline: the daemon
 * authenticates the caller through the bus, which it cannot do once a
 * fire-and-forget sender has gone. */
static void
dt_hook_publish(const DtHook *h, DtHookResult *r)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DtClient) c = NULL;
    gboolean same;

    r->via = "publish-none";
    if (!dt_lazy_load_dbus(&error)) {
        dt_hook_no_daemon(r, error);
        return;
    }
    c = dt_hook_client(h);
    /* events of a fixture host are no business of this one's daemon */
    if (!c || dt_hook_daemon_serves_root(c, &same) != DT_DAEMON_ANSWERED || !same)
        return;
    if (dt_client_hook_event(c, h->name, h->op, h->subop, h->xml, NULL))
        r->via = "publish";
}

/* ---- in-process evaluation ------------------------------------------------ */

static void
dt_hook_evaluate_here(const DtHook *h, DtHookResult *r)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DtEvaluation) ev = NULL;
    DtEvalOptions opts = { 0 };

    r->via = "in-process";
    opts.role = dt_hook_role(h);
    opts.config = h->config;
    opts.probe_ioctl = FALSE;   /* an ioctl probe may reset an idle device */
    /* the dry run opens free destination devices: opt-in, migrate only */
    opts.preflight = h->kind == DT_HOOK_OP_MIGRATE && h->config->hook_preflight;

    ev = dt_evaluate_doc(h->doc, &opts, &error);
    if (!ev || !ev->decision) {
        g_autofree char *why =
            g_strdup_printf(_("cannot evaluate %s: %s"), h->name,
                            error ? error->message : _("the evaluation gave no decision"));
        dt_hook_fail(h, r, why);
        return;
    }

    if (h->kind == DT_HOOK_OP_MIGRATE || h->kind == DT_HOOK_OP_RESTORE) {
        gboolean refused = h->kind == DT_HOOK_OP_MIGRATE &&
                           ev->decision->verdict == DT_VERDICT_DENY;

        if (!refused) {
            g_autofree char *stamp = dt_timestamp_now();
            g_autofree char *out = NULL;

            /* the evaluation only read the document: rewrite the same one */
            if (!dt_rewrite_domain_doc(h->doc, ev->decision, g_get_host_name(), stamp, &out,
                                       &error)) {
                g_autofree char *why = g_strdup_printf(_("cannot rewrite the XML of %s: %s"),
                                                       h->name, error->message);
                dt_hook_fail(h, r, why);
                return;
            }
            if (out)
                g_string_assign(r->out, out);
        }
    }
    dt_hook_conclude(h, r, ev->decision->verdict, ev->decision->reasons);
}

/* Runs in the child: everything that might block. */
static void
dt_hook_work(const DtHook *h, DtHookResult *r)
{
    if (h->kind == DT_HOOK_OP_EVENT ||
        (h->kind == DT_HOOK_OP_PREPARE && !h->gate_prepare)) {
        if (h->config->hook_use_daemon)
            dt_hook_publish(h, r);
        return;
    }
    /* The dry run at the VM's start is the daemon's: only it can put what
     * it found into the running VM's metadata, for the destination. */
    if (h->kind == DT_HOOK_OP_START) {
        if (dt_hook_ask_daemon(h, r) != DT_DAEMON_ANSWERED)
            r->via = "publish-none";
        return;
    }

    if (h->config->hook_use_daemon) {
        switch (dt_hook_ask_daemon(h, r)) {
        case DT_DAEMON_ANSWERED:
            return;
        case DT_DAEMON_SILENT: {
            g_autofree char *why =
                g_strdup_printf(_("dirtytrackd did not answer within the hook's deadline of %u ms"),
                                h->deadline_ms);
            r->via = "daemon-timeout";
            dt_hook_fail(h, r, why);
            return;
        }
        case DT_DAEMON_ABSENT:
            r->fell_back = TRUE;
            break;
        case DT_DAEMON_OTHER_HOST:
            break;
        }
    }
    dt_hook_evaluate_here(h, r);
}

/* ---- the deadline: a child in its own process group ---------------------- */

/* Hands the result to the parent and ends the worker. */
static G_GNUC_NORETURN void
dt_hook_child_report(int fd, const DtHookResult *r)
{
    g_autofree char *header = g_strdup_printf(DT_HOOK_RESULT_MAGIC " %d %zu %zu %s %d %s\n",
                                              r->status, r->out->len, r->err->len, r->via,
                                              r->fell_back, r->code[0] ? r->code : "-");

    if (!dt_file_write_all(fd, header, strlen(header)) || !dt_file_write_all(fd, r->out->str, r->out->len) ||
        !dt_file_write_all(fd, r->err->str, r->err->len))
        _exit(3);
    _exit(0);
}

/* What dt_hook_worker_fatal() needs; set once, in the worker only. */
static struct {
    const DtHook *h;
    DtHookResult *r;
    int fd;
} dt_worker = { NULL, NULL, -1 };

/* A library the evaluation calls into could not be loaded (dt-hook-lazy.h):
 * the evaluation cannot go on, and the fail policy answers with the reason. */
static G_GNUC_NORETURN void
dt_hook_worker_fatal(const char *why)
{
    g_autofree char *msg = g_strdup_printf(_("cannot evaluate %s: %s"), dt_worker.h->name, why);

    dt_worker.r->via = "failed";
    dt_hook_fail(dt_worker.h, dt_worker.r, msg);
    dt_hook_child_report(dt_worker.fd, dt_worker.r);
}

static G_GNUC_NORETURN void
dt_hook_child(const DtHook *h, int fd)
{
    DtHookResult r;
    int null_fd;

    /* Anything this process starts (the QEMU binary for its version) must
     * not hold libvirt's stdout/stderr pipes open after we are gone. */
    setpgid(0, 0);
    null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd >= 0) {
        dup2(null_fd, STDIN_FILENO);
        dup2(null_fd, STDOUT_FILENO);
        dup2(null_fd, STDERR_FILENO);
        close(null_fd);
    }

    dt_hook_result_init(&r);
    dt_worker.h = h;
    dt_worker.r = &r;
    dt_worker.fd = fd;
    dt_lazy_set_fatal_handler(dt_hook_worker_fatal);
    dt_hook_work(h, &r);
    dt_hook_child_report(fd, &r);
}

static gboolean
dt_hook_parse_result(const GByteArray *buf, DtHookResult *r)
{
    const char *data = (const char *)buf->data;
    const char *nl = memchr(data, '\n', buf->len);
    g_autofree char *header = NULL;
    g_auto(GStrv) f = NULL;
    guint64 status, out_len, err_len;
    gsize body;
    static const char *const vias[] = { "daemon", "daemon-timeout", "in-process", "publish",
                                        "publish-none", "failed" };

    if (!nl)
        return FALSE;
    header = g_strndup(data, (gsize)(nl - data));
    f = g_strsplit(header, " ", 0);
    if (g_strv_length(f) != 7 || strcmp(f[0], DT_HOOK_RESULT_MAGIC) != 0 ||
        !dt_parse_u64(f[1], 10, &status) || status > 255 || !dt_parse_u64(f[2], 10, &out_len) ||
        !dt_parse_u64(f[3], 10, &err_len))
        return FALSE;
    body = buf->len - (gsize)(nl + 1 - data);
    if (out_len > body || err_len != body - out_len)
        return FALSE;
    r->status = (int)status;
    g_string_append_len(r->out, nl + 1, (gssize)out_len);
    g_string_append_len(r->err, nl + 1 + out_len, (gssize)err_len);
    for (guint i = 0; i < G_N_ELEMENTS(vias); i++) {
        if (strcmp(f[4], vias[i]) == 0)
            r->via = vias[i];
    }
    r->fell_back = strcmp(f[5], "1") == 0;
    if (strcmp(f[6], "-") != 0)
        dt_hook_set_code(r, f[6]);
    return TRUE;
}

static void
dt_hook_run_bounded(const DtHook *h, DtHookResult *r)
{
    g_autoptr(GByteArray) buf = g_byte_array_new();
    int fds[2];
    pid_t pid;
    gboolean timed_out = FALSE;
    int wstatus = 0;

    if (pipe2(fds, O_CLOEXEC) < 0) {
        dt_hook_fail(h, r, _("cannot create a pipe for the evaluation"));
        return;
    }
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        dt_hook_fail(h, r, _("cannot start the evaluation"));
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        dt_hook_child(h, fds[1]);
    }
    close(fds[1]);
    /* Also from the parent, so the group exists before any kill. */
    setpgid(pid, pid);

    for (;;) {
        struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
        guint left = dt_hook_remaining_ms(h);
        guint8 chunk[16384];
        ssize_t n;
        int rc;

        if (left == 0) {
            timed_out = TRUE;
            break;
        }
        rc = poll(&pfd, 1, (int)MIN(left, (guint)G_MAXINT));
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc == 0)
            continue;
        if (rc < 0)
            break;
        n = read(fds[0], chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        g_byte_array_append(buf, chunk, (guint)n);
        if (buf->len > 2 * DT_XML_MAX_BYTES)
            break;
    }
    close(fds[0]);
    if (timed_out)
        kill(-pid, SIGKILL);
    while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
        ;
    if (timed_out) {
        g_autofree char *why = g_strdup_printf(_("no verdict within the hook's deadline of %u ms"),
                                               h->deadline_ms);
        /* Whatever the child's process group still holds is ended too. */
        kill(-pid, SIGKILL);
        r->via = "deadline";
        dt_hook_fail(h, r, why);
        return;
    }
    if (!dt_hook_parse_result(buf, r)) {
        g_autofree char *why = NULL;

        if (WIFSIGNALED(wstatus))
            why = g_strdup_printf(_("the evaluation was killed by signal %d"), WTERMSIG(wstatus));
        else
            why = g_strdup(_("the evaluation ended without a result"));
        r->via = "failed";
        dt_hook_fail(h, r, why);
    }
}

/* ---- main ---------------------------------------------------------------- */

static DtHookOp
dt_hook_classify(const char *op, const char *subop)
{
    if (strcmp(op, "migrate") == 0 && strcmp(subop, "begin") == 0)
        return DT_HOOK_OP_MIGRATE;
    if (strcmp(op, "restore") == 0 && strcmp(subop, "begin") == 0)
        return DT_HOOK_OP_RESTORE;
    if (strcmp(op, "prepare") == 0 && strcmp(subop, "begin") == 0)
        return DT_HOOK_OP_PREPARE;
    if (strcmp(op, "start") == 0 && strcmp(subop, "begin") == 0)
        return DT_HOOK_OP_START;
    if (strcmp(op, "started") == 0 || strcmp(op, "stopped") == 0 ||
        strcmp(op, "release") == 0 || strcmp(op, "reconnect") == 0)
        return DT_HOOK_OP_EVENT;
    return DT_HOOK_OP_IGNORED;
}

/* DIRTYTRACK_HOOK_DEBUG=1: one line on stderr saying how the answer was
 * reached (the tests use it to tell the daemon path from the fallback). */
static void
dt_hook_debug(const DtHook *h, const DtHookResult *r, gint64 start_us)
{
    const char *env = g_getenv("DIRTYTRACK_HOOK_DEBUG");

    if (!env || strcmp(env, "1") != 0)
        return;
    fprintf(stderr, "dirtytrack-hook: %s %s %s: exit %d via %s output %s in %" PRId64 " ms\n",
            h->name, h->op, h->subop, r->status, r->via,
            r->out->len > 0 ? "rewritten" : "none",
            (g_get_monotonic_time() - start_us) / 1000);
}

/* The configuration could not be loaded: the hook cannot know what the
 * operator asked of it (a strict policy with one misspelt key looked like
 * "allow everything" when it fell back to the defaults), so what it gates
 * is refused until the file is fixed.  Only domains it governs get here. */
static void
dt_hook_config_broken(const DtHook *h, DtHookResult *r)
{
    r->via = "config-error";
    dt_hook_set_code(r, "config-error");
    switch (h->kind) {
    case DT_HOOK_OP_MIGRATE:
    case DT_HOOK_OP_PREPARE:
        g_string_append_printf(r->err,
                               _("dirtytrack: %s; refusing %s of %s until the configuration is fixed (check it with `dirtytrack config check`)\n"),
                               h->config_error, dt_hook_action(h), h->name);
        r->status = 1;
        break;
    case DT_HOOK_OP_RESTORE:
        /* no gate on restore: the saved definition is restored unchanged */
        g_string_append_printf(r->err,
                               _("dirtytrack: %s; letting %s of %s proceed unchecked and unchanged\n"),
                               h->config_error, dt_hook_action(h), h->name);
        r->status = 0;
        break;
    default:
        r->status = 0;
        break;
    }
}

/* The reason code of a pass or refusal that was not an engine verdict. */
static const char *
dt_hook_via_reason(const char *via)
{
    if (strcmp(via, "daemon-timeout") == 0)
        return "daemon-timeout";
    if (strcmp(via, "deadline") == 0)
        return "deadline";
    if (strcmp(via, "config-error") == 0)
        return "config-error";
    if (strcmp(via, "input") == 0)
        return "bad-input";
    return "evaluation-failed";
}

/* How the answer was reached, in the log's words. */
static const char *
dt_hook_via_log(const char *via)
{
    if (strcmp(via, "daemon") == 0)
        return "daemon";
    if (strcmp(via, "daemon-timeout") == 0 || strcmp(via, "deadline") == 0)
        return "timeout";
    if (strcmp(via, "config-error") == 0)
        return "config-error";
    return "in-process";
}

/* The system log (dt-log.h): every refusal, every pass without a verdict,
 * and every verdict that should have come from the daemon and did not.
 * libvirt drops the hook's stderr when it exits 0. */
static void
dt_hook_log(const DtHook *h, const DtHookResult *r)
{
    g_autofree char *op = g_strdup_printf("%s/%s", h->op, h->subop);
    g_autofree char *detail = NULL;
    const char *nl;
    gboolean verdict = strcmp(r->via, "daemon") == 0 || strcmp(r->via, "in-process") == 0;

    if (h->kind == DT_HOOK_OP_EVENT || h->kind == DT_HOOK_OP_IGNORED)
        return;
    if (strcmp(r->via, "precheck") == 0 || g_str_has_prefix(r->via, "publish"))
        return;
    /* the first line said to the user, without the program's prefix */
    detail = g_strdup(g_str_has_prefix(r->err->str, "dirtytrack: ") ? r->err->str + 12
                                                                     : r->err->str);
    nl = strchr(detail, '\n');
    if (nl)
        detail[nl - detail] = '\0';

    if (r->status != 0)
        dt_log_decision(DT_LOG_REFUSED, h->name, op,
                        r->code[0] ? r->code : dt_hook_via_reason(r->via), dt_hook_via_log(r->via),
                        detail);
    else if (!verdict)
        dt_log_decision(DT_LOG_UNCHECKED, h->name, op, dt_hook_via_reason(r->via),
                        dt_hook_via_log(r->via), detail);
    else if (r->fell_back)
        dt_log_decision(DT_LOG_FALLBACK, h->name, op, "daemon-absent", "in-process",
                        _("dirtytrackd did not answer; evaluated in-process"));
}

static guint
dt_hook_deadline(const DtConfig *config)
{
    const char *env = g_getenv("DIRTYTRACK_HOOK_DEADLINE_MS");
    guint64 v;

    if (env && dt_parse_u64(env, 10, &v) && v > 0 && v <= 600000)
        return (guint)v;
    return config->hook_deadline_ms > 0 ? config->hook_deadline_ms : DT_HOOK_DEFAULT_DEADLINE_MS;
}

int
main(int argc, char **argv)
{
    gint64 start_us = g_get_monotonic_time();
    g_autoptr(GError) error = NULL;
    g_autoptr(DtConfig) config = NULL;
    DtHook h = { 0 };
    DtHookResult r;
    gboolean relevant = FALSE;

    dt_i18n_init();
    /* libvirt may close the pipe early when it no longer cares. */
    signal(SIGPIPE, SIG_IGN);

    if (argc != 5) {
        fprintf(stderr, _("usage: %s NAME OPERATION SUB-OPERATION EXTRA (run by libvirt as a qemu hook)\n"),
                argv[0]);
        return 2;
    }
    h.name = argv[1];
    h.op = argv[2];
    h.subop = argv[3];
    h.extra = argv[4];
    h.kind = dt_hook_classify(h.op, h.subop);

    dt_log_init("dirtytrack-hook");
    config = dt_config_load(NULL, &error);
    if (!config) {
        /* Not the defaults: they would allow what a strict file forbids.
         * Domains the hook governs are refused (dt_hook_config_broken);
         * the others, and every event, pass as they always do. */
        h.config_error = g_strdup(error ? error->message : _("cannot load the configuration"));
        g_clear_error(&error);
        config = dt_config_new_defaults();
        config->hook_fail_open = FALSE;
    }
    h.config = config;
    /* start begin matters only where the daemon dry-runs devices */
    if (h.kind == DT_HOOK_OP_START &&
        (h.config_error || !config->hook_preflight || !config->hook_use_daemon))
        h.kind = DT_HOOK_OP_IGNORED;
    h.deadline_ms = dt_hook_deadline(config);
    h.deadline_us = start_us + (gint64)h.deadline_ms * 1000;

    dt_hook_result_init(&r);
    if (!dt_hook_read_stdin(&h, &error)) {
        r.via = "input";
        dt_hook_fail(&h, &r, error->message);
    } else if (h.kind == DT_HOOK_OP_IGNORED) {
        r.via = "ignored";
    } else if (!dt_hook_precheck(&h, &relevant, &error)) {
        g_autofree char *why = g_strdup_printf(_("cannot read the domain XML of %s: %s"), h.name,
                                               error->message);
        r.via = "input";
        dt_hook_fail(&h, &r, why);
    } else if (!relevant) {
        r.via = "precheck";
    } else if (h.config_error) {
        dt_hook_config_broken(&h, &r);
    } else {
        dt_hook_run_bounded(&h, &r);
    }

    if (r.out->len > 0 && (h.kind == DT_HOOK_OP_MIGRATE || h.kind == DT_HOOK_OP_RESTORE))
        dt_file_write_all(STDOUT_FILENO, r.out->str, r.out->len);
    if (r.err->len > 0)
        dt_file_write_all(STDERR_FILENO, r.err->str, r.err->len);
    if (dt_hook_never_refuses(&h))
        r.status = 0;
    dt_hook_debug(&h, &r, start_us);
    dt_hook_log(&h, &r);

    /* The process ends here, and the memory goes with it.  Freeing the
     * document, the input and the result first would write to pages the
     * worker's fork left copy-on-write: about 45 page faults a run, 1 ms
     * of the hook's 19 on the 2-core VM of docs/benchmarks.md. */
    fflush(NULL);
    _exit(r.status);
}
