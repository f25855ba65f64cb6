/* dbus-bench: a libdbus client that measures dirtytrackd on a bus.
 *
 *   dbus-bench --address ADDR latency [-n CALLS] --xml FILE [--qemu V] [--libvirt V]
 *   dbus-bench --address ADDR throughput [-n CALLS] [--clients N] --xml FILE ...
 *   dbus-bench --address ADDR rss --pid PID [-n CALLS] [--clients N] [--samples K] --xml FILE ...
 *
 * latency: CALLS round trips of each of four kinds, alternating in blocks
 *   of 100 so that all see the same machine state, one after the other on
 *   one connection, each timed with CLOCK_MONOTONIC around the blocking
 *   call:
 *     ping      org.freedesktop.DBus.Peer.Ping to org.dirtytrack1: the same
 *               bus, the same two hops through dbus-daemon, the same daemon
 *               main loop, and no work;
 *     evaluate  Manager.Evaluate of the domain, the same one every call (what
 *               a hook or tool asking again sees: the daemon may answer from
 *               its decision cache);
 *     uncached  Evaluate of a different domain every call: the XML with a
 *               distinct <name> and <uuid> (built before the clock starts),
 *               so no call can be answered from a decision cache;
 *     echo      the transport floor: the same Evaluate message (XML and
 *               options) to a trivial service this program forks on the
 *               same bus, which answers at once with the reply the daemon
 *               gave (the same results, same sizes).  What libdbus and
 *               dbus-daemon alone cost for these payloads.
 * throughput: CALLS Evaluate calls shared by N client threads, each with
 *   its own private connection (as N hooks or tools would be), each call
 *   waiting for its reply before the next; calls per second of wall time.
 *   --uncached: a different domain every call; --echo: to the echo service.
 * rss: CALLS Evaluate calls from N clients in K equal batches, with the
 *   daemon's VmRSS (/proc/PID/status) read after a warm-up batch and after
 *   every batch.
 *
 * flood: for --seconds S, N clients (own connections) each ask Evaluate of
 *   a different domain every call, the next as soon as the last is
 *   answered, Busy or not: what a local user who wants the daemon to fall
 *   behind would do.  Counts answers, Busy errors and other errors.
 *
 * wait: until org.dirtytrack1 answers Ping, at most CALLS tenths of a second.
 *
 * It talks libdbus directly, like the hook and the daemon, so the client
 * adds no binding layer of its own to the numbers.  Output is key=value
 * lines (microseconds, KiB) for bench/run-bench.sh.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dbus/dbus.h>
#include <glib.h>

#include "dbus/dt-dbus-api.h"

#define CALL_TIMEOUT_MS 30000

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DBusMessage, dbus_message_unref)

/* the echo service's bus name: beside the daemon's, as long as it */
#define ECHO_NAME "org.dirtytrack1.BenchEcho"

typedef struct {
    const char *address;
    const char *xml;
    const char *qemu;
    const char *libvirt;
    gint64 calls;
    gint clients;
    gint samples;
    gint pid;
    gboolean uncached;       /* throughput: a different domain every call */
    gboolean echo;           /* throughput: to the echo service */
    gint seconds;            /* flood: how long */
    GPid echo_pid;
} Bench;

/* Distinct domains: the XML with its <name> and <uuid> text replaced by
 * ones numbered n (same lengths for every n, so every call carries the
 * same number of bytes).  The numbers start from this process's pid, so
 * that two runs do not ask for the same domains. */
static gint uncached_serial;

static gint64
next_variant(void)
{
    return ((gint64)getpid() << 24) | (g_atomic_int_add(&uncached_serial, 1) & 0xffffff);
}

static char *
domain_variant(const char *xml, gint64 n)
{
    const char *name = strstr(xml, "<name>");
    const char *name_end = name ? strstr(name, "</name>") : NULL;
    const char *uuid = strstr(xml, "<uuid>");
    const char *uuid_end = uuid ? strstr(uuid, "</uuid>") : NULL;
    GString *s = g_string_sized_new(strlen(xml) + 64);

    if (!name || !name_end) {
        g_string_free(s, TRUE);
        return NULL;
    }
    name += strlen("<name>");
    if (uuid && uuid_end && uuid > name_end) {
        uuid += strlen("<uuid>");
        g_string_append_len(s, xml, name - xml);
        g_string_append_printf(s, "bench-u%012" G_GINT64_MODIFIER "x", n);
        g_string_append_len(s, name_end, uuid - name_end);
        g_string_append_printf(s, "6f1b2c3d-00b8-4a5b-9c8d-%012" G_GINT64_MODIFIER "x", n);
        g_string_append(s, uuid_end);
    } else {
        g_string_append_len(s, xml, name - xml);
        g_string_append_printf(s, "bench-u%012" G_GINT64_MODIFIER "x", n);
        g_string_append(s, name_end);
    }
    return g_string_free(s, FALSE);
}

typedef struct {
    const Bench *b;
    gint64 calls;
    gint64 errors;
    char *first_error;
} Client;

static gint64
now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (gint64)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static DBusConnection *
bench_connect(const char *address)
{
    DBusError e;
    DBusConnection *c;

    dbus_error_init(&e);
    c = dbus_connection_open_private(address, &e);
    if (c && !dbus_bus_register(c, &e)) {
        dbus_connection_close(c);
        dbus_connection_unref(c);
        c = NULL;
    }
    if (!c) {
        fprintf(stderr, "dbus-bench: cannot connect to %s: %s\n", address, e.message);
        dbus_error_free(&e);
        return NULL;
    }
    dbus_connection_set_exit_on_disconnect(c, FALSE);
    return c;
}

static void
bench_disconnect(DBusConnection *c)
{
    dbus_connection_close(c);
    dbus_connection_unref(c);
}

static void
append_option(DBusMessageIter *dict, const char *key, const char *value)
{
    DBusMessageIter entry;

    if (!value)
        return;
    dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
    dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key);
    dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &value);
    dbus_message_iter_close_container(dict, &entry);
}

/* Evaluate(s domain_xml, a{ss} options): what the hook's prepare path and
 * every tool ask; role destination as for an incoming migration.  To the
 * daemon, or with the same body to the echo service. */
static DBusMessage *
new_evaluate_to(const Bench *b, const char *dest, const char *xml)
{
    DBusMessage *m = dbus_message_new_method_call(dest, DT_DBUS_PATH,
                                                  DT_DBUS_MANAGER_IFACE, "Evaluate");
    DBusMessageIter args, dict;

    dbus_message_iter_init_append(m, &args);
    dbus_message_iter_append_basic(&args, DBUS_TYPE_STRING, &xml);
    dbus_message_iter_open_container(&args, DBUS_TYPE_ARRAY, "{ss}", &dict);
    append_option(&dict, "role", "destination");
    append_option(&dict, "qemu-version", b->qemu);
    append_option(&dict, "libvirt-version", b->libvirt);
    dbus_message_iter_close_container(&args, &dict);
    return m;
}

static DBusMessage *
new_evaluate(const Bench *b)
{
    return new_evaluate_to(b, DT_DBUS_NAME, b->xml);
}

/* A message for the next call of a client, by mode; NULL if the domain
 * has no <name> to vary. */
static DBusMessage *
new_client_call(const Bench *b)
{
    g_autofree char *xml = NULL;

    if (b->echo)
        return new_evaluate_to(b, ECHO_NAME, b->xml);
    if (!b->uncached)
        return new_evaluate(b);
    xml = domain_variant(b->xml, next_variant());
    return xml ? new_evaluate_to(b, DT_DBUS_NAME, xml) : NULL;
}

static DBusMessage *
new_ping(void)
{
    return dbus_message_new_method_call(DT_DBUS_NAME, DT_DBUS_PATH, DBUS_INTERFACE_PEER, "Ping");
}

/* One blocking round trip; FALSE (and the error in *why) if it failed or
 * the answer is not what the method returns. */
static gboolean
round_trip_keep(DBusConnection *c, DBusMessage *m, gboolean evaluate, char **why,
                DBusMessage **keep)
{
    DBusError e;
    DBusMessage *reply;
    gboolean ok = TRUE;

    dbus_error_init(&e);
    reply = dbus_connection_send_with_reply_and_block(c, m, CALL_TIMEOUT_MS, &e);
    if (!reply) {
        if (why && !*why)
            *why = g_strdup_printf("%s: %s", e.name, e.message);
        dbus_error_free(&e);
        return FALSE;
    }
    if (evaluate) {
        const char *verdict, *mode, *json;

        ok = dbus_message_get_args(reply, &e, DBUS_TYPE_STRING, &verdict, DBUS_TYPE_STRING, &mode,
                                   DBUS_TYPE_STRING, &json, DBUS_TYPE_INVALID);
        if (!ok && why && !*why)
            *why = g_strdup_printf("%s: %s", e.name, e.message);
        dbus_error_free(&e);
    }
    if (keep && ok && !*keep)
        *keep = dbus_message_ref(reply);
    dbus_message_unref(reply);
    return ok;
}

static gboolean
round_trip(DBusConnection *c, DBusMessage *m, gboolean evaluate, char **why)
{
    return round_trip_keep(c, m, evaluate, why, NULL);
}

/* ---- the echo service: the transport floor --------------------------------- */

/* Answers every method call on its interface with a copy of the daemon's
 * reply (all of its results), addressed to the caller, as the daemon's
 * decision cache answers; Peer methods are answered by libdbus. */
static DBusHandlerResult
echo_filter(DBusConnection *c, DBusMessage *m, void *data)
{
    DBusMessage *model = data;
    DBusMessage *reply;
    DBusMessageIter it;
    const char *xml;

    if (dbus_message_get_type(m) != DBUS_MESSAGE_TYPE_METHOD_CALL ||
        !dbus_message_has_interface(m, DT_DBUS_MANAGER_IFACE))
        return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
    /* read the argument, as any service would */
    if (dbus_message_iter_init(m, &it) && dbus_message_iter_get_arg_type(&it) == DBUS_TYPE_STRING)
        dbus_message_iter_get_basic(&it, &xml);
    reply = dbus_message_copy(model);
    if (reply && dbus_message_set_reply_serial(reply, dbus_message_get_serial(m)) &&
        dbus_message_set_destination(reply, dbus_message_get_sender(m)))
        dbus_connection_send(c, reply, NULL);
    if (reply)
        dbus_message_unref(reply);
    return DBUS_HANDLER_RESULT_HANDLED;
}

/* Forks the echo service (one process, one connection, libdbus's own
 * blocking loop: no GLib, no threads) and waits until it owns its name.
 * model: a reply of the daemon's, whose arguments it repeats. */
static gboolean
echo_start(Bench *b, DBusMessage *model)
{
    int ready[2];
    char c = 0;
    pid_t pid;

    if (pipe(ready) < 0)
        return FALSE;
    fflush(stdout);
    pid = fork();
    if (pid < 0)
        return FALSE;
    if (pid == 0) {
        DBusConnection *conn;
        DBusError e;

        close(ready[0]);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        dbus_error_init(&e);
        conn = dbus_connection_open_private(b->address, &e);
        if (!conn || !dbus_bus_register(conn, &e) ||
            dbus_bus_request_name(conn, ECHO_NAME, DBUS_NAME_FLAG_DO_NOT_QUEUE, &e) !=
                DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER) {
            fprintf(stderr, "dbus-bench: echo service: %s\n", e.message ? e.message : "no name");
            _exit(1);
        }
        dbus_connection_add_filter(conn, echo_filter, model, NULL);
        if (write(ready[1], "r", 1) != 1)
            _exit(1);
        close(ready[1]);
        while (dbus_connection_read_write_dispatch(conn, -1))
            ;
        _exit(0);
    }
    close(ready[1]);
    b->echo_pid = pid;
    if (read(ready[0], &c, 1) != 1) {
        close(ready[0]);
        waitpid(pid, NULL, 0);
        b->echo_pid = 0;
        return FALSE;
    }
    close(ready[0]);
    return TRUE;
}

static void
echo_stop(Bench *b)
{
    if (b->echo_pid <= 0)
        return;
    kill(b->echo_pid, SIGTERM);
    waitpid(b->echo_pid, NULL, 0);
    b->echo_pid = 0;
}

/* One Evaluate of the daemon, for the echo service to repeat. */
static DBusMessage *
model_reply(const Bench *b)
{
    DBusConnection *c = bench_connect(b->address);
    DBusMessage *em, *reply = NULL;
    g_autofree char *why = NULL;

    if (!c)
        return NULL;
    em = new_evaluate(b);
    if (!round_trip_keep(c, em, TRUE, &why, &reply))
        fprintf(stderr, "dbus-bench: Evaluate failed: %s\n", why ? why : "?");
    dbus_message_unref(em);
    bench_disconnect(c);
    return reply;
}

static int
cmp_i64(const void *a, const void *b)
{
    gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

    return x < y ? -1 : x > y;
}

static void
print_stats(const char *prefix, gint64 *v, gint64 n)
{
    double sum = 0;

    qsort(v, (gsize)n, sizeof(gint64), cmp_i64);
    for (gint64 i = 0; i < n; i++)
        sum += (double)v[i];
    /* nearest rank */
    printf("%s_n=%" G_GINT64_FORMAT "\n%s_mean_us=%.1f\n%s_p50_us=%" G_GINT64_FORMAT
           "\n%s_p99_us=%" G_GINT64_FORMAT "\n",
           prefix, n, prefix, sum / (double)n, prefix, v[(n * 50 + 99) / 100 - 1], prefix,
           v[(n * 99 + 99) / 100 - 1]);
}

/* The four kinds of round trip of the latency mode. */
enum { K_PING, K_EVALUATE, K_UNCACHED, K_ECHO, N_KINDS };
static const char *const kind_names[N_KINDS] = { "ping", "evaluate", "evaluate_uncached", "echo" };

static int
run_latency(Bench *b)
{
    g_autoptr(DBusMessage) model = model_reply(b);
    DBusConnection *c;
    gint64 *lat[N_KINDS];
    gint64 n[N_KINDS] = { 0 };
    g_autofree char *why = NULL;
    const gint64 block = 100;
    DBusMessage *pm, *em, *xm;
    gint64 errors = 0;
    const char *verdict, *mode, *json;
    gboolean more = TRUE;

    if (!model || !echo_start(b, model))
        return 1;
    c = bench_connect(b->address);
    if (!c) {
        echo_stop(b);
        return 1;
    }
    for (int k = 0; k < N_KINDS; k++)
        lat[k] = g_new0(gint64, b->calls);
    pm = new_ping();
    em = new_evaluate(b);
    xm = new_evaluate_to(b, ECHO_NAME, b->xml);
    /* warm-up: the daemon's caches, our page faults */
    for (int i = 0; i < 50; i++) {
        round_trip(c, pm, FALSE, &why);
        round_trip(c, em, TRUE, &why);
        round_trip(c, xm, TRUE, &why);
    }
    while (more) {
        more = FALSE;
        for (int k = 0; k < N_KINDS; k++) {
            for (gint64 i = 0; i < block && n[k] < b->calls; i++) {
                DBusMessage *m = k == K_PING ? pm : k == K_EVALUATE ? em : k == K_ECHO ? xm : NULL;
                g_autofree char *xml = NULL;
                gint64 t0;
                gboolean ok;

                if (k == K_UNCACHED) {
                    xml = domain_variant(b->xml, next_variant());
                    if (!xml) {
                        fprintf(stderr, "dbus-bench: the domain has no <name>\n");
                        return 1;
                    }
                    m = new_evaluate_to(b, DT_DBUS_NAME, xml);
                }
                t0 = now_us();
                ok = round_trip(c, m, k != K_PING, &why);
                lat[k][n[k]++] = now_us() - t0;
                if (!ok)
                    errors++;
                if (k == K_UNCACHED)
                    dbus_message_unref(m);
            }
            more = more || n[k] < b->calls;
        }
    }
    dbus_message_unref(pm);
    dbus_message_unref(em);
    dbus_message_unref(xm);
    bench_disconnect(c);
    echo_stop(b);
    for (int k = 0; k < N_KINDS; k++) {
        print_stats(kind_names[k], lat[k], n[k]);
        g_free(lat[k]);
    }
    dbus_message_get_args(model, NULL, DBUS_TYPE_STRING, &verdict, DBUS_TYPE_STRING, &mode,
                          DBUS_TYPE_STRING, &json, DBUS_TYPE_INVALID);
    printf("xml_bytes=%zu\nreply_json_bytes=%zu\nerrors=%" G_GINT64_FORMAT "\n",
           strlen(b->xml), strlen(json), errors);
    if (why)
        printf("first_error=%s\n", why);
    return 0;
}

static gpointer
client_thread(gpointer data)
{
    Client *cl = data;
    DBusConnection *c = bench_connect(cl->b->address);
    DBusMessage *em;

    if (!c) {
        cl->errors = cl->calls;
        cl->first_error = g_strdup("cannot connect");
        return NULL;
    }
    em = (cl->b->uncached && !cl->b->echo) ? NULL : new_client_call(cl->b);
    for (gint64 i = 0; i < cl->calls; i++) {
        DBusMessage *m = em ? dbus_message_ref(em) : new_client_call(cl->b);

        if (!m || !round_trip(c, m, TRUE, &cl->first_error))
            cl->errors++;
        if (m)
            dbus_message_unref(m);
    }
    if (em)
        dbus_message_unref(em);
    bench_disconnect(c);
    return NULL;
}

/* CALLS Evaluate calls from b->clients threads; returns the wall time. */
static gint64
run_clients(const Bench *b, gint64 calls, gint64 *errors, char **why)
{
    g_autofree Client *cl = g_new0(Client, b->clients);
    g_autofree GThread **th = g_new0(GThread *, b->clients);
    gint64 t0 = now_us();

    for (gint i = 0; i < b->clients; i++) {
        cl[i].b = b;
        cl[i].calls = calls / b->clients + (i < calls % b->clients ? 1 : 0);
        th[i] = g_thread_new("client", client_thread, &cl[i]);
    }
    for (gint i = 0; i < b->clients; i++) {
        g_thread_join(th[i]);
        *errors += cl[i].errors;
        if (cl[i].first_error && !*why)
            *why = g_steal_pointer(&cl[i].first_error);
        g_free(cl[i].first_error);
    }
    return now_us() - t0;
}

typedef struct {
    const Bench *b;
    gint64 ok, busy, errors;
    char *first_error;
} Flooder;

static gpointer
flood_thread(gpointer data)
{
    Flooder *f = data;
    DBusConnection *c = bench_connect(f->b->address);
    gint64 end = now_us() + (gint64)f->b->seconds * 1000000;

    while (c && now_us() < end) {
        g_autofree char *xml = domain_variant(f->b->xml, next_variant());
        g_autoptr(DBusMessage) m = xml ? new_evaluate_to(f->b, DT_DBUS_NAME, xml) : NULL;
        g_autoptr(DBusMessage) reply = NULL;
        DBusError e;

        if (!m)
            break;
        dbus_error_init(&e);
        reply = dbus_connection_send_with_reply_and_block(c, m, CALL_TIMEOUT_MS, &e);
        if (reply) {
            f->ok++;
        } else if (g_strcmp0(e.name, DT_DBUS_ERROR_BUSY) == 0) {
            f->busy++;
        } else {
            f->errors++;
            if (!f->first_error)
                f->first_error = g_strdup_printf("%s: %s", e.name, e.message);
        }
        dbus_error_free(&e);
    }
    if (c)
        bench_disconnect(c);
    else
        f->first_error = g_strdup("cannot connect");
    return NULL;
}

static int
run_flood(const Bench *b)
{
    g_autofree Flooder *f = g_new0(Flooder, b->clients);
    g_autofree GThread **th = g_new0(GThread *, b->clients);
    gint64 ok = 0, busy = 0, errors = 0;
    const char *why = NULL;

    for (gint i = 0; i < b->clients; i++) {
        f[i].b = b;
        th[i] = g_thread_new("flood", flood_thread, &f[i]);
    }
    for (gint i = 0; i < b->clients; i++) {
        g_thread_join(th[i]);
        ok += f[i].ok;
        busy += f[i].busy;
        errors += f[i].errors;
        if (!why)
            why = f[i].first_error;
    }
    printf("clients=%d\nseconds=%d\nanswered=%" G_GINT64_FORMAT "\nbusy=%" G_GINT64_FORMAT
           "\nerrors=%" G_GINT64_FORMAT "\n", b->clients, b->seconds, ok, busy, errors);
    if (why)
        printf("first_error=%s\n", why);
    for (gint i = 0; i < b->clients; i++)
        g_free(f[i].first_error);
    return 0;
}

/* Waits until the name answers Ping (the daemon has registered its object
 * and owns the name), for at most CALLS tenths of a second. */
static int
run_wait(const Bench *b)
{
    for (gint64 i = 0; i < b->calls; i++) {
        DBusConnection *c = bench_connect(b->address);

        if (c) {
            DBusMessage *pm = new_ping();
            gboolean ok = round_trip(c, pm, FALSE, NULL);

            dbus_message_unref(pm);
            bench_disconnect(c);
            if (ok)
                return 0;
        }
        g_usleep(100000);
    }
    fprintf(stderr, "dbus-bench: %s does not answer on %s\n", DT_DBUS_NAME, b->address);
    return 1;
}

static int
run_throughput(Bench *b)
{
    g_autofree char *why = NULL;
    gint64 errors = 0, wall;

    if (b->echo) {
        g_autoptr(DBusMessage) model = model_reply(b);

        if (!model || !echo_start(b, model))
            return 1;
        /* the child has what it needs: it keeps its own copy */
    }
    run_clients(b, b->clients * 20, &errors, &why);   /* warm-up */
    errors = 0;
    wall = run_clients(b, b->calls, &errors, &why);
    echo_stop(b);
    printf("clients=%d\ncalls=%" G_GINT64_FORMAT "\nwall_us=%" G_GINT64_FORMAT
           "\ncalls_per_s=%.0f\nerrors=%" G_GINT64_FORMAT "\n",
           b->clients, b->calls, wall, (double)b->calls * 1e6 / (double)wall, errors);
    if (why)
        printf("first_error=%s\n", why);
    return 0;
}

static gint64
read_rss_kib(gint pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", pid);
    g_autofree char *text = NULL;
    const char *p;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return -1;
    p = strstr(text, "\nVmRSS:");
    return p ? g_ascii_strtoll(p + strlen("\nVmRSS:"), NULL, 10) : -1;
}

static int
run_rss(const Bench *b)
{
    g_autofree char *why = NULL;
    gint64 errors = 0, batch = b->calls / b->samples, wall = 0;
    gint64 first, lo, hi;

    run_clients(b, 2000, &errors, &why);   /* warm-up: pools, caches, allocator */
    errors = 0;
    first = lo = hi = read_rss_kib(b->pid);
    printf("rss_kib_0=%" G_GINT64_FORMAT "\n", first);
    for (gint s = 1; s <= b->samples; s++) {
        gint64 rss;

        wall += run_clients(b, batch, &errors, &why);
        rss = read_rss_kib(b->pid);
        printf("rss_kib_%" G_GINT64_FORMAT "=%" G_GINT64_FORMAT "\n", batch * s, rss);
        lo = MIN(lo, rss);
        hi = MAX(hi, rss);
    }
    printf("calls=%" G_GINT64_FORMAT "\nrss_first_kib=%" G_GINT64_FORMAT
           "\nrss_min_kib=%" G_GINT64_FORMAT "\nrss_max_kib=%" G_GINT64_FORMAT
           "\nrss_growth_kib=%" G_GINT64_FORMAT "\nrss_spread_kib=%" G_GINT64_FORMAT
           "\ncalls_per_s=%.0f\nerrors=%" G_GINT64_FORMAT "\n",
           batch * b->samples, first, lo, hi, hi - first, hi - lo,
           (double)(batch * b->samples) * 1e6 / (double)wall, errors);
    if (why)
        printf("first_error=%s\n", why);
    return first < 0 ? 1 : 0;
}

int
main(int argc, char **argv)
{
    Bench b = { .calls = 2000, .clients = 16, .samples = 10, .seconds = 5 };
    g_autofree char *address = NULL, *xml_path = NULL, *qemu = NULL, *libvirt = NULL;
    g_autofree char *xml = NULL;
    gint64 calls = 0;
    GOptionEntry entries[] = {
        { "address", 0, 0, G_OPTION_ARG_STRING, &address, "D-Bus address of the bus", "ADDR" },
        { "xml", 0, 0, G_OPTION_ARG_FILENAME, &xml_path, "domain XML for Evaluate", "FILE" },
        { "qemu", 0, 0, G_OPTION_ARG_STRING, &qemu, "qemu-version option", "V" },
        { "libvirt", 0, 0, G_OPTION_ARG_STRING, &libvirt, "libvirt-version option", "V" },
        { "calls", 'n', 0, G_OPTION_ARG_INT64, &calls, "calls (per kind for latency)", "N" },
        { "clients", 0, 0, G_OPTION_ARG_INT, &b.clients, "client threads", "N" },
        { "samples", 0, 0, G_OPTION_ARG_INT, &b.samples, "RSS samples", "K" },
        { "pid", 0, 0, G_OPTION_ARG_INT, &b.pid, "daemon pid (rss)", "PID" },
        { "uncached", 0, 0, G_OPTION_ARG_NONE, &b.uncached,
          "throughput: a different domain every call", NULL },
        { "echo", 0, 0, G_OPTION_ARG_NONE, &b.echo,
          "throughput: to the echo service (the transport floor)", NULL },
        { "seconds", 0, 0, G_OPTION_ARG_INT, &b.seconds, "flood: how long", "S" },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("latency|throughput|rss|flood|wait");
    g_autoptr(GError) error = NULL;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        fprintf(stderr, "dbus-bench: %s\n", error->message);
        return 2;
    }
    if (argc != 2 || !address || !xml_path || b.clients < 1 || b.clients > 256 ||
        b.samples < 1 || calls < 0) {
        fprintf(stderr, "usage: dbus-bench --address ADDR --xml FILE [options] "
                        "latency|throughput|rss|flood|wait\n");
        return 2;
    }
    if (!g_file_get_contents(xml_path, &xml, NULL, &error)) {
        fprintf(stderr, "dbus-bench: %s\n", error->message);
        return 1;
    }
    dbus_threads_init_default();
    b.address = address;
    b.xml = xml;
    b.qemu = qemu;
    b.libvirt = libvirt;
    if (calls > 0)
        b.calls = calls;

    if (strcmp(argv[1], "latency") == 0)
        return run_latency(&b);
    if (strcmp(argv[1], "wait") == 0)
        return run_wait(&b);
    if (strcmp(argv[1], "flood") == 0)
        return run_flood(&b);
    if (strcmp(argv[1], "throughput") == 0)
        return run_throughput(&b);
    if (strcmp(argv[1], "rss") == 0) {
        if (b.pid <= 0) {
            fprintf(stderr, "dbus-bench: rss needs --pid\n");
            return 2;
        }
        return run_rss(&b);
    }
    fprintf(stderr, "dbus-bench: unknown mode '%s'\n", argv[1]);
    return 2;
}
