/* test-fuzz-regressions.c: every input the fuzzers ever tripped over, and
 * every seed they start from, replayed through the fuzz entry points.
 *
 * The fuzz targets (fuzz/fuzz-*.c) are compiled into this test with
 * DT_FUZZ_NO_MAIN, so an input replays through exactly the code and the
 * invariant checks that found it, but built by gcc and run by `make check`,
 * the ASan/UBSan lane and the valgrind lane.  A crash, a leak, a failed
 * invariant (dt_fuzz_check aborts) or a GLib critical fails the test.
 *
 * Inputs:
 *   tests/data/fuzz-regressions/<target>/<name>   one test case per file:
 *       inputs that once crashed, kept byte for byte (fuzz-report picks its
 *       fixture host from the input length);
 *   fuzz/corpus/<target>/                          one test case per target:
 *       the seeds and whatever `make fuzz` merged back, which must be there
 *       (an empty corpus would make the replay prove nothing).
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "dt-fuzz.h"

/* The input being replayed, named by the fatal-signal handler: with
 * hundreds of corpus files per test case, "aborted" alone says nothing. */
static const char *replaying;

static void
on_fatal_signal(int sig)
{
    static const char prefix[] = "test-fuzz-regressions: died replaying ";

    if (replaying) {
        /* only async-signal-safe calls here */
        if (write(STDERR_FILENO, prefix, sizeof(prefix) - 1) < 0 ||
            write(STDERR_FILENO, replaying, strlen(replaying)) < 0 ||
            write(STDERR_FILENO, "\n", 1) < 0)
            _exit(127);
    }
    /* SA_RESETHAND restored the default action: die of the same signal */
    raise(sig);
}

static void
catch_fatal_signals(void)
{
    static const int sigs[] = { SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL };
    struct sigaction sa = { 0 };

    sa.sa_handler = on_fatal_signal;
    sa.sa_flags = (int)(SA_RESETHAND | SA_NODEFER);
    sigemptyset(&sa.sa_mask);
    for (guint i = 0; i < G_N_ELEMENTS(sigs); i++)
        sigaction(sigs[i], &sa, NULL);
}

typedef struct {
    const char *name;
    int (*fn)(const uint8_t *data, size_t size);
} Target;

static const Target targets[] = {
    { "domain", dt_fuzz_domain },
    { "metadata", dt_fuzz_metadata },
    { "sysfs", dt_fuzz_sysfs },
    { "vdb", dt_fuzz_vdb },
    { "config", dt_fuzz_config },
    { "report", dt_fuzz_report },
    { "dbus", dt_fuzz_dbus },
};

typedef struct {
    const Target *target;
    char *path;
} Replay;

static void
replay_free(gpointer p)
{
    Replay *r = p;
    g_free(r->path);
    g_free(r);
}

static void
replay_file(const Target *t, const char *path)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *buf = NULL;
    gsize len = 0;

    if (!g_file_get_contents(path, &buf, &len, &error))
        g_error("%s", error->message);
    replaying = path;
    /* the entry points return 0 or abort; a non-zero return is a bug too */
    g_assert_cmpint(t->fn((const uint8_t *)buf, len), ==, 0);
    replaying = NULL;
}

static void
test_regression(gconstpointer data)
{
    const Replay *r = data;
    replay_file(r->target, r->path);
}

static void
test_corpus(gconstpointer data)
{
    const Target *t = data;
    g_autofree char *dir = g_build_filename(ABS_TOP_SRCDIR, "fuzz", "corpus", t->name, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GDir) d = g_dir_open(dir, 0, &error);
    const char *name;
    guint n = 0;

    g_assert_no_error(error);
    while ((name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
            continue;
        replay_file(t, path);
        n++;
    }
    g_test_message("%u corpus inputs replayed", n);
    g_assert_cmpuint(n, >, 0);
}

static gint
cmp_names(gconstpointer a, gconstpointer b)
{
    /* g_ptr_array_sort passes pointers to the elements */
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* One test per regression input, sorted so runs are comparable. */
static void
add_regressions(const Target *t, GPtrArray *keep)
{
    g_autofree char *dir = g_test_build_filename(G_TEST_DIST, "data", "fuzz-regressions",
                                                 t->name, NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    if (!d)
        return;   /* git keeps no empty directories: no regressions yet */
    while ((name = g_dir_read_name(d)))
        g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, cmp_names);
    for (guint i = 0; i < names->len; i++) {
        const char *n = g_ptr_array_index(names, i);
        Replay *r;
        g_autofree char *test = NULL;

        r = g_new0(Replay, 1);
        r->target = t;
        r->path = g_build_filename(dir, n, NULL);
        if (!g_file_test(r->path, G_FILE_TEST_IS_REGULAR)) {
            replay_free(r);
            continue;
        }
        g_ptr_array_add(keep, r);
        test = g_strdup_printf("/fuzz/%s/regression/%s -> no crash", t->name, n);
        g_test_add_data_func(test, r, test_regression);
    }
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func(replay_free);

    g_test_init(&argc, &argv, NULL);
    catch_fatal_signals();
    for (guint i = 0; i < G_N_ELEMENTS(targets); i++) {
        g_autofree char *test = g_strdup_printf("/fuzz/%s/corpus -> every seed replays cleanly",
                                                targets[i].name);
        g_test_add_data_func(test, &targets[i], test_corpus);
        add_regressions(&targets[i], keep);
    }
    return g_test_run();
}
