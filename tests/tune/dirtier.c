/* dirtier.c: the guest workload of tests/tune-migrate.sh.  Runs as a
 * static binary from the TCG guest's init and writes guest memory at a
 * known rate, so that a real migration can be compared with the cost model.
 *
 * Parameters come from the kernel command line (the test sets them in the
 * domain's <cmdline>):
 *   dt_fill_mib=N   first fill N MiB with non-zero data: QEMU sends zero
 *                   pages as a flag, so the model's "RAM" is only real
 *                   once the guest's memory holds data
 *   dt_rate_mib=R   then write one word into R MiB worth of 4 KiB pages
 *                   per second (the dirty rate, counted in pages)
 *   dt_wss_mib=W    cycling sequentially through the first W MiB of the
 *                   buffer: with W larger than R times a pre-copy pass,
 *                   every page written in a pass is a distinct page, which
 *                   is what the model assumes
 * It paces itself on CLOCK_MONOTONIC in 10 ms slices and prints one line
 * per second to the console so the test can see it run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define PAGE 4096UL
#define SLICE_NS 10000000L

static unsigned long
param(const char *cmdline, const char *key, unsigned long dflt)
{
    const char *p = strstr(cmdline, key);

    if (!p)
        return dflt;
    return strtoul(p + strlen(key), NULL, 10);
}

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(void)
{
    char cmdline[4096] = "";
    FILE *f = fopen("/proc/cmdline", "r");
    unsigned long fill, rate, wss, pages, wss_pages, next = 0, done = 0;
    unsigned long last_report = 0;
    volatile unsigned long *buf;
    double t0;

    if (f) {
        if (!fgets(cmdline, sizeof(cmdline), f))
            cmdline[0] = '\0';
        fclose(f);
    }
    fill = param(cmdline, "dt_fill_mib=", 64);
    rate = param(cmdline, "dt_rate_mib=", 4);
    wss = param(cmdline, "dt_wss_mib=", 32);
    if (wss > fill)
        wss = fill;
    pages = fill * (1024 * 1024 / PAGE);
    wss_pages = wss * (1024 * 1024 / PAGE);
    buf = mmap(NULL, fill << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
               -1, 0);
    if (buf == MAP_FAILED) {
        printf("dirtier: cannot map %lu MiB\n", fill);
        return 1;
    }
    for (unsigned long i = 0; i < pages; i++)
        for (unsigned long w = 0; w < PAGE / sizeof(long); w += 64)
            buf[i * (PAGE / sizeof(long)) + w] = 0x5a5a5a5a00000001UL + i + w;
    printf("dirtier: filled %lu MiB; dirtying %lu MiB/s over %lu MiB\n", fill, rate, wss);
    fflush(stdout);

    t0 = now_s();
    for (;;) {
        double el = now_s() - t0;
        unsigned long target = (unsigned long) (el * rate * (1024 * 1024 / PAGE));
        struct timespec slice = { 0, SLICE_NS };

        while (done < target) {
            buf[next * (PAGE / sizeof(long))] += 1;
            next = next + 1 == wss_pages ? 0 : next + 1;
            done++;
        }
        if ((unsigned long) el > last_report) {
            last_report = (unsigned long) el;
            printf("dirtier: %lu s, %lu pages written\n", last_report, done);
            fflush(stdout);
        }
        nanosleep(&slice, NULL);
    }
}
