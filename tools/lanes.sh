#!/bin/bash
# lanes.sh: the hardening lanes of the test suite, each in its own build
# directory so they never disturb the normal build:
#
#   asan        a fresh build configured --enable-asan --enable-ubsan running
#               the whole `make check` (leaks, overflows, UB abort the test)
#   valgrind    `make check-valgrind` in a normal (gcc, unsanitized) build:
#               every g_test unit-test binary under memcheck, through
#               libtool so the real binary is traced, with tests/valgrind.supp
#   fuzz-smoke  every libFuzzer target for FUZZ_SECONDS in total (default 10),
#               replaying its corpus first (fuzz/run-fuzz.sh --smoke)
#
# usage: tools/lanes.sh LANE...   (several lanes run one after another)
# Each lane prints TAP-like "ok N - ..." lines, then "N passed, N failed";
# the script exits non-zero when any lane failed.
#
# Environment:
#   DT_LANES_DIR      where the lane build directories go (default _build-lanes)
#   DT_LANE_BUILD_DIR an already built normal build directory for the
#                     valgrind and fuzz-smoke lanes (saves a build)
#   DIRTYTRACK_SKIP_SLOW  the asan lane sets it to 1 unless it is set: the
#                     real-QEMU/libvirt/kernel lanes gain nothing from ASan
set -u
cd "$(dirname "$0")/.." || exit 2
top=$PWD
lanes_dir=${DT_LANES_DIR:-$top/_build-lanes}
jobs=$(nproc 2>/dev/null || echo 2)
status=0

say() { printf '%s\n' "$*"; }

# Configure and build a fresh directory: lane_build DIR configure-args...
lane_build() {
    local dir=$1
    shift
    rm -rf "$dir"
    mkdir -p "$dir"
    [ -x "$top/configure" ] || (cd "$top" && autoreconf -fi >/dev/null) || return 1
    (cd "$dir" && "$top/configure" -q --enable-werror "$@" >configure.log 2>&1) || {
        tail -n 20 "$dir/configure.log" | sed 's/^/# /'
        return 1
    }
    (cd "$dir" && make -j"$jobs" -s >build.log 2>&1) || {
        grep -E 'error|Error' "$dir/build.log" | head -n 20 | sed 's/^/# /'
        return 1
    }
}

# A normal build to reuse, or a fresh one under $lanes_dir/normal.
normal_build() {
    if [ -n "${DT_LANE_BUILD_DIR:-}" ] && [ -f "$DT_LANE_BUILD_DIR/Makefile" ]; then
        (cd "$DT_LANE_BUILD_DIR" && make -j"$jobs" -s >/dev/null 2>&1) || return 1
        normal=$DT_LANE_BUILD_DIR
        return 0
    fi
    normal=$lanes_dir/normal
    if [ -f "$normal/Makefile" ] && (cd "$normal" && make -j"$jobs" -s >build.log 2>&1); then
        return 0
    fi
    lane_build "$normal"
}

# Turn the .trs files of the tests just run into TAP-like lines and a count.
# report_trs DIR TEST...
report_trs() {
    local dir=$1 n=0 pass=0 fail=0 t trs res detail
    shift
    for t in "$@"; do
        n=$((n + 1))
        trs=$dir/${t%.sh}.trs
        if [ ! -f "$trs" ]; then
            fail=$((fail + 1))
            say "not ok $n - $t (no result: did not run)"
            continue
        fi
        res=$(sed -n 's/^:global-test-result: //p' "$trs")
        detail="$(grep -c '^:test-result: PASS' "$trs") passed"
        detail="$detail, $(grep -c '^:test-result: SKIP' "$trs") skipped"
        case $res in
        PASS | SKIP)
            pass=$((pass + 1))
            say "ok $n - $t ($detail)"
            ;;
        *)
            fail=$((fail + 1))
            say "not ok $n - $t: $res ($detail)"
            # the lines that say what broke, not the whole log
            grep -E '^(not ok|Bail out)|ERROR|invariant failed|does not parse|runtime error|Sanitizer|^==[0-9]+== [A-Z ]|definitely lost' \
                "${trs%.trs}.log" | head -n 20 | sed 's/^/#   /'
            say "#   log: ${trs%.trs}.log"
            ;;
        esac
    done
    say "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}

lane_asan() {
    local dir=$lanes_dir/asan tests
    say "# asan lane: fresh build in $dir (--enable-asan --enable-ubsan)"
    lane_build "$dir" --enable-asan --enable-ubsan || {
        say "not ok 1 - asan build"
        say "0 passed, 1 failed"
        return 1
    }
    # verify_asan_link_order=0: test-vfio re-executes itself with the
    # LD_PRELOAD kernel mock ahead of libasan; the mock defines no
    # allocator, so ASan's interposition is unaffected.
    # `make check` in two steps so that one missing or unbuildable test
    # costs only its own result: build every check program that builds,
    # then run check-TESTS without its dependency on all of them.
    (cd "$dir" && make -j"$jobs" -k check TESTS= >check.log 2>&1
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:verify_asan_link_order=0 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        DIRTYTRACK_SKIP_SLOW=${DIRTYTRACK_SKIP_SLOW:-1} \
        make -j"$jobs" -k check-TESTS check_PROGRAMS= check_LTLIBRARIES= \
            dist_check_SCRIPTS= >>check.log 2>&1)
    tests=$(cd "$dir" && make -s lanes-list-tests 2>/dev/null | tail -n 1)
    report_trs "$dir" $tests
}

lane_valgrind() {
    local tests
    say "# valgrind lane: g_test binaries of a normal build under memcheck"
    command -v valgrind >/dev/null || {
        say "not ok 1 - valgrind is not installed"
        say "0 passed, 1 failed"
        return 1
    }
    normal_build || {
        say "not ok 1 - normal build"
        say "0 passed, 1 failed"
        return 1
    }
    tests=$(cd "$normal" && make -s lanes-list-unit-tests 2>/dev/null | tail -n 1)
    # the Makefile's check-valgrind target: the same command a developer runs
    # (the binaries built in parallel first; the tests then run one at a time)
    (cd "$normal" && make -j"$jobs" -k $tests >valgrind-check.log 2>&1
        make -k check-valgrind >>valgrind-check.log 2>&1)
    report_trs "$normal" $tests
}

lane_fuzz_smoke() {
    local dir=$lanes_dir/fuzz
    say "# fuzz-smoke lane: every fuzz target, ${FUZZ_SECONDS:-10} s in total"
    # run-fuzz.sh needs only a configured tree (config.h); clang does the build
    if [ -n "${DT_LANE_BUILD_DIR:-}" ] && [ -f "$DT_LANE_BUILD_DIR/config.h" ]; then
        dir=$DT_LANE_BUILD_DIR
    elif [ ! -f "$dir/config.h" ]; then
        mkdir -p "$dir"
        (cd "$dir" && "$top/configure" -q >configure.log 2>&1) || {
            say "not ok 1 - configure"
            say "0 passed, 1 failed"
            return 1
        }
    fi
    # only the TAP-like lines: make may re-run config.status on the way
    (cd "$dir" && make -s fuzz-smoke ${FUZZ_SECONDS:+FUZZ_SECONDS=$FUZZ_SECONDS}) 2>&1 |
        grep -E '^(ok|not ok|#|[0-9]+ passed)'
    return "${PIPESTATUS[0]}"
}

[ $# -gt 0 ] || { echo "usage: $0 asan|valgrind|fuzz-smoke..." >&2; exit 2; }
for lane in "$@"; do
    start=$(date +%s)
    case $lane in
    asan) lane_asan ;;
    valgrind) lane_valgrind ;;
    fuzz-smoke) lane_fuzz_smoke ;;
    *) echo "lanes.sh: unknown lane $lane" >&2; exit 2 ;;
    esac
    rc=$?
    say "# $lane lane: $(( $(date +%s) - start )) s, $([ $rc -eq 0 ] && echo passed || echo FAILED)"
    [ $rc -eq 0 ] || status=1
done
exit $status
