/* dt-fuzz.h: the fuzz entry points, one per parser family (and one for the
 * daemon's D-Bus methods).
 *
 * Each fuzz/fuzz-*.c file implements one dt_fuzz_*() function and, unless
 * DT_FUZZ_NO_MAIN is defined, the libFuzzer entry point that calls it.  The
 * regression test (tests/test-fuzz-regressions.c) is built with
 * DT_FUZZ_NO_MAIN from the very same files, so a crashing input saved under
 * tests/data/fuzz-regressions/<target>/ is replayed through exactly the code
 * path that found it, by gcc, under valgrind and under ASan.
 *
 * Entry points return 0 and must not leak: any leak or crash is a finding.
 * Invariants the parsers promise (round trips, writers that emit valid
 * JSON/XML) are checked with dt_fuzz_check(), which aborts so that libFuzzer
 * records the input.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

G_BEGIN_DECLS

int dt_fuzz_domain(const uint8_t *data, size_t size);
int dt_fuzz_metadata(const uint8_t *data, size_t size);
int dt_fuzz_sysfs(const uint8_t *data, size_t size);
int dt_fuzz_vdb(const uint8_t *data, size_t size);
int dt_fuzz_config(const uint8_t *data, size_t size);
int dt_fuzz_report(const uint8_t *data, size_t size);
int dt_fuzz_dbus(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A broken promise is a crash: abort() so the fuzzer keeps the input.  The
 * "dt-fuzz:" prefix is what run-fuzz.sh quotes from the log; stdout is
 * flushed first so the g_test replay's TAP lines come before the message. */
#define dt_fuzz_fail(...)                                                      \
    do {                                                                       \
        fflush(stdout);                                                        \
        fputs("dt-fuzz: ", stderr);                                            \
        fprintf(stderr, __VA_ARGS__);                                          \
        fputc('\n', stderr);                                                   \
        abort();                                                               \
    } while (0)

#define dt_fuzz_check(cond)                                                    \
    do {                                                                       \
        if (!(cond))                                                           \
            dt_fuzz_fail("%s:%d: invariant failed: %s", __FILE__, __LINE__,    \
                         #cond);                                               \
    } while (0)

#ifdef DT_FUZZ_NO_MAIN
#define DT_FUZZ_ENTRY(fn)
#else
/* A g_critical() (failed precondition) or g_warning() is a bug the fuzzer
 * should stop at, as it does under g_test. */
#define DT_FUZZ_ENTRY(fn)                                                      \
    int LLVMFuzzerInitialize(int *argc, char ***argv)                          \
    {                                                                          \
        g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL |       \
                               G_LOG_LEVEL_WARNING);                           \
        return 0;                                                              \
    }                                                                          \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)               \
    {                                                                          \
        return fn(data, size);                                                 \
    }
#endif

G_END_DECLS
