#!/bin/bash
# run-tests.sh: the whole test suite on a fresh Debian 12 machine (as root):
# installs build and test dependencies, builds in a clean directory with
# warnings as errors, runs `make check` (unit tests, fixture hosts, the real
# QEMU binary, real libvirtd and dbus-daemon, the real-kernel lane) and
# `make distcheck`, then prints one summary line "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
top=$PWD
. tools/deps.sh
dt_install $DT_BUILD_DEPS $DT_TEST_DEPS || exit 1
dt_locales

build=${DT_BUILD_DIR:-$top/_build-tests}
rm -rf "$build"
mkdir -p "$build"
autoreconf -fi >/dev/null || exit 1
cd "$build"
"$top/configure" -q --enable-werror || exit 1
make -j"$(nproc)" -s || exit 1

status=0
# The truth lane's downloads and module builds outlive the build directory.
export DIRTYTRACK_TRUTH_CACHE=${DIRTYTRACK_TRUTH_CACHE:-$top/_truth-cache}
# The truth lane (three TCG guests) runs alone, after everything else, so
# that it neither starves the timing checks nor is starved by them.
DIRTYTRACK_TRUTH_LATER=1 make -j"$(nproc)" check || status=1
make check TESTS=tests/truth-lane.sh || status=1

# Count results from every .trs file Automake wrote.
count() { grep -h "^:test-result: $1" $(find . -name '*.trs') 2>/dev/null | wc -l; }
pass=$(count PASS)
fail=$(( $(count FAIL) + $(count ERROR) + $(count XPASS) ))
skip=$(count SKIP)
if [ "$status" -ne 0 ]; then
    for log in $(grep -l '^:test-result: \(FAIL\|ERROR\)' $(find . -name '*.trs') | sed 's/\.trs$/.log/'); do
        echo "==== $log"; tail -n 40 "$log"
    done
fi

# The sanitizer lanes: the suite under ASan+UBSan, the unit tests
# under valgrind memcheck, and a short fuzzing smoke run, each in its own
# build directory.
if [ "${DT_SKIP_LANES:-0}" != 1 ]; then
    for lane in asan valgrind fuzz-smoke; do
        DT_LANES_DIR="$build/lanes" bash "$top/tools/lanes.sh" "$lane" > "lane-$lane.log" 2>&1
        lrc=$?
        line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "lane-$lane.log" | tail -n 1)
        lp=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
        lf=$(echo "$line" | sed -n 's/^[0-9]* passed, \([0-9]*\) failed.*/\1/p')
        pass=$((pass + ${lp:-0}))
        fail=$((fail + ${lf:-0}))
        echo "lane $lane: ${line:-no summary} (exit $lrc)"
        if [ $lrc -ne 0 ]; then
            status=1
            [ -z "$lf" ] || [ "$lf" -eq 0 ] && fail=$((fail + 1))
            tail -n 40 "lane-$lane.log"
        fi
    done
fi

if [ "$status" -eq 0 ] && [ "${DT_SKIP_DISTCHECK:-0}" != 1 ]; then
    # distcheck builds from the tarball; the slow lanes already ran above.
    DIRTYTRACK_SKIP_SLOW=1 make -s distcheck >distcheck.log 2>&1 || {
        status=1; fail=$((fail + 1)); tail -n 60 distcheck.log; }
    [ "$status" -eq 0 ] && { pass=$((pass + 1)); echo "distcheck: ok"; }
fi

echo "tests: $pass passed, $fail failed, $skip skipped"
exit $status
