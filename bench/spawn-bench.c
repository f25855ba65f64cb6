/* spawn-bench: run a program the way libvirt runs a hook, many times, and
 * report its wall-time latency.
 *
 * libvirt starts a hook with execve() (no shell), a cleared environment
 * with a few variables, and the domain XML written into a pipe on stdin.
 * Timing that from a shell loop would measure the shell and `date` as
 * well, and 128 simultaneous runs cannot be started from one at all; so
 * this driver forks and execs the program itself, writes the input into
 * each child's pipe, and times each run from just before fork() to the
 * moment waitpid() returns it (CLOCK_MONOTONIC).
 *
 *   spawn-bench [-n RUNS] [-c CONCURRENT] [-w WARMUP] [-i INPUT]
 *               [-e NAME=VALUE]... [-o RAWFILE] [-E ERRDIR] [-x STATUS] -- PROGRAM ARG...
 *
 * -c N starts N runs at once and waits for all of them before the next
 * round (a host evacuation: every incoming migration's hook at the same
 * time); RUNS is rounded up to whole rounds.  The environment is exactly
 * the -e variables.  Prints one line of key=value statistics in
 * microseconds; -o also writes every latency, one per line; -E keeps each
 * timed run's stderr as ERRDIR/N.err (the hook's DIRTYTRACK_HOOK_DEBUG line
 * says which path answered, or that the deadline did).  A run whose
 * exit status is not the expected one (-x, default 0) is counted in
 * "unexpected"; the statistics still include it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#define MAX_ENV 64

static gint64
now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (gint64)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
cmp_i64(const void *a, const void *b)
{
    gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static gint64
percentile(const gint64 *sorted, gsize n, double p)
{
    gsize rank = (gsize)((p / 100.0) * (double)n + 0.999999);

    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

static void
die(const char *what)
{
    fprintf(stderr, "spawn-bench: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* Starts one run; returns its pid and leaves the input written and the
 * pipe closed (the input is far below the pipe's capacity, so the write
 * does not wait for the child to read). */
static pid_t
start_run(char **argv, char **envp, const char *input, gsize input_len, int devnull,
          const char *errdir, long n)
{
    int fds[2];
    pid_t pid;

    if (pipe2(fds, O_CLOEXEC) < 0)
        die("pipe");
    pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        dup2(fds[0], STDIN_FILENO);
        dup2(devnull, STDOUT_FILENO);
        dup2(devnull, STDERR_FILENO);
        if (errdir) {
            char path[4096];
            int fd;

            snprintf(path, sizeof(path), "%s/%ld.err", errdir, n);
            fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (fd >= 0)
                dup2(fd, STDERR_FILENO);
        }
        execve(argv[0], argv, envp);
        _exit(127);
    }
    close(fds[0]);
    for (gsize off = 0; off < input_len;) {
        ssize_t w = write(fds[1], input + off, input_len - off);

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            break;   /* the program did not read it all: its business */
        off += (gsize)w;
    }
    close(fds[1]);
    return pid;
}

int
main(int argc, char **argv)
{
    long runs = 200, conc = 1, warmup = 5;
    int expect = 0;
    const char *input_path = NULL, *raw_path = NULL, *errdir = NULL;
    char *envp[MAX_ENV + 1];
    int n_env = 0, opt, devnull;
    g_autofree char *input = NULL;
    gsize input_len = 0;
    g_autofree gint64 *lat = NULL;
    g_autofree gint64 *sorted = NULL;
    long done = 0, unexpected = 0, rounds;
    double sum = 0;

    while ((opt = getopt(argc, argv, "n:c:w:i:e:o:E:x:")) != -1) {
        switch (opt) {
        case 'n': runs = strtol(optarg, NULL, 10); break;
        case 'c': conc = strtol(optarg, NULL, 10); break;
        case 'w': warmup = strtol(optarg, NULL, 10); break;
        case 'i': input_path = optarg; break;
        case 'o': raw_path = optarg; break;
        case 'E': errdir = optarg; break;
        case 'x': expect = (int)strtol(optarg, NULL, 10); break;
        case 'e':
            if (n_env >= MAX_ENV || !strchr(optarg, '=')) {
                fprintf(stderr, "spawn-bench: bad or too many -e NAME=VALUE\n");
                return 2;
            }
            envp[n_env++] = optarg;
            break;
        default:
            return 2;
        }
    }
    envp[n_env] = NULL;
    if (optind >= argc || runs < 1 || conc < 1 || conc > 4096 || warmup < 0) {
        fprintf(stderr, "usage: spawn-bench [-n RUNS] [-c CONCURRENT] [-w WARMUP] [-i INPUT] "
                        "[-e NAME=VALUE]... [-o RAWFILE] [-E ERRDIR] [-x STATUS] -- PROGRAM ARG...\n");
        return 2;
    }
    if (input_path) {
        g_autoptr(GError) error = NULL;

        if (!g_file_get_contents(input_path, &input, &input_len, &error)) {
            fprintf(stderr, "spawn-bench: %s\n", error->message);
            return 1;
        }
    }
    devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull < 0)
        die("/dev/null");
    signal(SIGPIPE, SIG_IGN);

    /* Warm-up runs fill the page cache and the dentry cache, as the many
     * hook runs before any one of ours on a real host have. */
    for (long i = 0; i < warmup; i++) {
        int st;
        pid_t pid = start_run(argv + optind, envp, input, input_len, devnull, NULL, 0);

        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    }

    rounds = (runs + conc - 1) / conc;
    lat = g_new0(gint64, rounds * conc);
    for (long r = 0; r < rounds; r++) {
        g_autofree pid_t *pids = g_new0(pid_t, conc);
        g_autofree gint64 *t0 = g_new0(gint64, conc);
        long left = conc;

        for (long k = 0; k < conc; k++) {
            t0[k] = now_us();
            pids[k] = start_run(argv + optind, envp, input, input_len, devnull, errdir,
                                r * conc + k);
        }
        while (left > 0) {
            int st;
            pid_t pid = waitpid(-1, &st, 0);
            gint64 t1 = now_us();

            if (pid < 0) {
                if (errno == EINTR)
                    continue;
                die("waitpid");
            }
            for (long k = 0; k < conc; k++) {
                if (pids[k] != pid)
                    continue;
                lat[done++] = t1 - t0[k];
                if (!WIFEXITED(st) || WEXITSTATUS(st) != expect)
                    unexpected++;
                pids[k] = 0;
                left--;
                break;
            }
        }
    }

    sorted = g_memdup2(lat, sizeof(gint64) * (gsize)done);
    qsort(sorted, (gsize)done, sizeof(gint64), cmp_i64);
    for (long i = 0; i < done; i++)
        sum += (double)lat[i];
    printf("runs=%ld concurrent=%ld mean_us=%.0f p50_us=%" G_GINT64_FORMAT
           " p99_us=%" G_GINT64_FORMAT " min_us=%" G_GINT64_FORMAT " max_us=%" G_GINT64_FORMAT
           " unexpected=%ld\n",
           done, conc, sum / (double)done, percentile(sorted, (gsize)done, 50),
           percentile(sorted, (gsize)done, 99), sorted[0], sorted[done - 1], unexpected);
    if (raw_path) {
        FILE *f = fopen(raw_path, "w");

        if (!f)
            die(raw_path);
        for (long i = 0; i < done; i++)
            fprintf(f, "%" G_GINT64_FORMAT "\n", lat[i]);
        fclose(f);
    }
    return 0;
}
