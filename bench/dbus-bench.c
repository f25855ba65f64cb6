/* dbus-bench: a libdbus client that measures dirtytrackd on a bus.
 *
 *   dbus-bench --address ADDR latency [-n CALLS] --xml FILE [--qemu V] [--libvirt V]
 *   dbus-bench --address ADDR throughput [-n CALLS] [--clients N] --xml FILE ...
 *   dbus-bench --address ADDR rss --pid PID [-n CALLS] [--clients N] [--samples K] --xml FILE ...
 *
 * latency: CALLS org.freedesktop.DBus.Peer.Ping and CALLS Manager.Evaluate
 *   round trips to org.dirtytrack1, alternating in blocks so that both see
 *   the same machine state, one after the other on one connection, each
 *   timed with CLOCK_MONOTONIC around the blocking call.  Ping is the
 *   floor: the same bus, the same two hops through dbus-daemon, the same
 *   daemon main loop, and no work.
 * throughput: CALLS Evaluate calls shared by N client threads, each with
 *   its own private connection (as N hooks or tools would be), each call
 *   waiting for its reply before the next; calls per second of wall time.
 * rss: CALLS Evaluate calls from N clients in K equal batches, with the
 *   daemon's VmRSS (/proc/PID/status) read after a warm-up batch and after
 *   every batch.
 *
 * wait: until org.dirtytrack1 answers Ping, at most CALLS tenths of a second.
 *
 * It talks libdbus directly, like the hook and the daemon, so the client
 * adds no binding layer of its own to the numbers.  Output is key=value
 * lines (microseconds, KiB) for bench/run-bench.sh.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dbus/dbus.h>
#include <glib.h>

#include "dt-dbus-api.h"

#define CALL_TIMEOUT_MS 30000

typedef struct {
    const char *address;
    const char *xml;
    const char *qemu;
    const char *libvirt;
    gint64 calls;
    gint clients;
    gint samples;
    gint pid;
} Bench;

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
 * every tool ask; role destination as for an incoming migration. */
static DBusMessage *
new_evaluate(const Bench *b)
{
    DBusMessage *m = dbus_message_new_method_call(DT_DBUS_NAME, DT_DBUS_PATH,
                                                  DT_DBUS_MANAGER_IFACE, "Evaluate");
    DBusMessageIter args, dict;

    dbus_message_iter_init_append(m, &args);
    dbus_message_iter_append_basic(&args, DBUS_TYPE_STRING, &b->xml);
    dbus_message_iter_open_container(&args, DBUS_TYPE_ARRAY, "{ss}", &dict);
    append_option(&dict, "role", "destination");
    append_option(&dict, "qemu-version", b->qemu);
    append_option(&dict, "libvirt-version", b->libvirt);
    dbus_message_iter_close_container(&args, &dict);
    return m;
}

static DBusMessage *
new_ping(void)
{
    return dbus_message_new_method_call(DT_DBUS_NAME, DT_DBUS_PATH, DBUS_INTERFACE_PEER, "Ping");
}

/* One blocking round trip; FALSE (and the error in *why) if it failed or
 * the answer is not what the method returns. */
static gboolean
round_trip(DBusConnection *c, DBusMessage *m, gboolean evaluate, char **why)
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
    dbus_message_unref(reply);
    return ok;
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

static int
run_latency(const Bench *b)
{
    DBusConnection *c = bench_connect(b->address);
    g_autofree gint64 *ping = g_new0(gint64, b->calls);
    g_autofree gint64 *eval = g_new0(gint64, b->calls);
    g_autofree char *why = NULL;
    const gint64 block = 100;
    DBusMessage *pm, *em;
    gint64 np = 0, ne = 0, errors = 0;

    if (!c)
        return 1;
    pm = new_ping();
    em = new_evaluate(b);
    /* warm-up: the daemon's caches, our page faults */
    for (int i = 0; i < 50; i++) {
        round_trip(c, pm, FALSE, &why);
        round_trip(c, em, TRUE, &why);
    }
    while (np < b->calls || ne < b->calls) {
        for (gint64 i = 0; i < block && np < b->calls; i++) {
            gint64 t0 = now_us();
            if (!round_trip(c, pm, FALSE, &why))
                errors++;
            ping[np++] = now_us() - t0;
        }
        for (gint64 i = 0; i < block && ne < b->calls; i++) {
            gint64 t0 = now_us();
            if (!round_trip(c, em, TRUE, &why))
                errors++;
            eval[ne++] = now_us() - t0;
        }
    }
    dbus_message_unref(pm);
    dbus_message_unref(em);
    bench_disconnect(c);
    print_stats("ping", ping, np);
    print_stats("evaluate", eval, ne);
    printf("errors=%" G_GINT64_FORMAT "\n", errors);
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
    em = new_evaluate(cl->b);
    for (gint64 i = 0; i < cl->calls; i++)
        if (!round_trip(c, em, TRUE, &cl->first_error))
            cl->errors++;
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
run_throughput(const Bench *b)
{
    g_autofree char *why = NULL;
    gint64 errors = 0, wall;

    run_clients(b, b->clients * 20, &errors, &why);   /* warm-up */
    errors = 0;
    wall = run_clients(b, b->calls, &errors, &why);
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
    Bench b = { .calls = 2000, .clients = 16, .samples = 10 };
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
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("latency|throughput|rss|wait");
    g_autoptr(GError) error = NULL;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        fprintf(stderr, "dbus-bench: %s\n", error->message);
        return 2;
    }
    if (argc != 2 || !address || !xml_path || b.clients < 1 || b.clients > 256 ||
        b.samples < 1 || calls < 0) {
        fprintf(stderr, "usage: dbus-bench --address ADDR --xml FILE [options] "
                        "latency|throughput|rss|wait\n");
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
