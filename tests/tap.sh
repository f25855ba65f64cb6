# tap.sh: a few functions for shell tests that speak TAP to Automake's
# tap-driver.  Source it; call tap_ok/tap_fail/tap_skip/tap_check, then
# tap_done, which prints the plan at the end ("1..N").
#
# Environment from `make check`: top_srcdir, top_builddir.  Run by hand:
#   top_srcdir=. top_builddir=_build sh tests/cli-check.sh

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
export DIRTYTRACK_DATADIR="${DIRTYTRACK_DATADIR:-$top_srcdir/data}"
export DIRTYTRACK_CONFIG="${DIRTYTRACK_CONFIG:-/nonexistent/dirtytrack.conf}"
# what the programs log goes nowhere (a test that reads it starts
# tests/log-sink), and their rate-limit state stays in the build tree
export DIRTYTRACK_LOG_SOCKET="${DIRTYTRACK_LOG_SOCKET:-/nonexistent/dirtytrack-log.sock}"
export DIRTYTRACK_RUNTIME_DIR="${DIRTYTRACK_RUNTIME_DIR:-$top_builddir/tests/run}"
export LC_ALL="${LC_ALL:-C}"

TAP_N=0
TAP_FAILED=0
DT="$top_builddir/plugin/dirtytrack"
HOSTS="$top_srcdir/tests/data/hosts"
DOMAINS="$top_srcdir/tests/data/domains"

tap_ok() {
    TAP_N=$((TAP_N + 1))
    echo "ok $TAP_N - $*"
}

tap_fail() {
    TAP_N=$((TAP_N + 1))
    TAP_FAILED=$((TAP_FAILED + 1))
    echo "not ok $TAP_N - $*"
}

tap_skip() {
    TAP_N=$((TAP_N + 1))
    echo "ok $TAP_N # SKIP $*"
}

# tap_todo "description # TODO why": a known failure the product has not
# fixed yet; Automake counts it as XFAIL and the test stays green, but the
# line says "not ok".
tap_todo() {
    TAP_N=$((TAP_N + 1))
    echo "not ok $TAP_N - $*"
}

tap_diag() {
    printf '%s\n' "$@" | sed 's/^/# /'
}

# tap_check "description" command args...: ok if the command succeeds.
tap_check() {
    desc=$1
    shift
    if "$@"; then
        tap_ok "$desc"
    else
        tap_fail "$desc"
    fi
}

tap_done() {
    echo "1..$TAP_N"
    [ "$TAP_FAILED" -eq 0 ]
}

# tap_vfiomock: MOCK is the LD_PRELOAD kernel mock (tests/vfiomock.c), or
# the whole test is skipped when it was not built.
tap_vfiomock() {
    MOCK="$top_builddir/tests/.libs/vfiomock.so"
    if [ ! -f "$MOCK" ]; then
        tap_skip "vfiomock.so not built"
        tap_done
        exit $?
    fi
}

# Scratch directory removed on exit.
tap_tmpdir() {
    TAP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/dirtytrack-test.XXXXXX")
    trap 'rm -rf "$TAP_TMP"' EXIT
}

# tap_start_bus DIR: a private dbus-daemon listening on DIR/bus (config in
# DIR/bus.conf), with a policy that lets every test client own names, call
# and eavesdrop.  Sets TAP_BUS (its address) and TAP_BUS_PID (the caller
# stops it by that pid); returns non-zero if the socket never appears.
tap_start_bus() {
    _dir=$1
    cat >"$_dir/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$_dir/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
    rm -f "$_dir/bus"
    "${DBUS_DAEMON:-dbus-daemon}" --config-file="$_dir/bus.conf" --nofork --nopidfile \
        >/dev/null 2>&1 &
    TAP_BUS_PID=$!
    TAP_BUS="unix:path=$_dir/bus"
    _i=0
    while [ ! -S "$_dir/bus" ] && [ $_i -lt 100 ]; do sleep 0.05; _i=$((_i + 1)); done
    [ -S "$_dir/bus" ]
}

# tap_mock_daemon_setup FIXTURE...: for a test of dirtytrackd and the hook
# over the mock kernel: DAEMON, HOOK and MOCK from the build tree, the mock's
# log ($DIRTYTRACK_MOCK_LOG, exported), each fixture host copied, writable,
# to $TAP_TMP/FIXTURE, and a private bus (tap_start_bus); on exit the bus
# and the daemon (DAEMON_PID, tap_start_mock_daemon) are stopped by pid.
# Skips the test without dbus-daemon, the daemon or the hook.
tap_mock_daemon_setup() {
    tap_vfiomock
    DAEMON="$top_builddir/plugin/daemon/dirtytrackd"
    HOOK="$top_builddir/hooks/dirtytrack-hook"
    if ! command -v dbus-daemon >/dev/null 2>&1 || [ ! -x "$DAEMON" ] || [ ! -x "$HOOK" ]; then
        tap_skip "dbus-daemon, dirtytrackd or the hook not available"
        tap_done
        exit $?
    fi
    export DIRTYTRACK_MOCK_LOG="$TAP_TMP/mock.log"
    : > "$DIRTYTRACK_MOCK_LOG"
    for _f in "$@"; do
        cp -a "$HOSTS/$_f" "$TAP_TMP/$_f"
        chmod -R u+w "$TAP_TMP/$_f"
    done
    DAEMON_PID=
    tap_start_bus "$TAP_TMP"
    trap 'tap_stop_pid "$DAEMON_PID"; tap_stop_pid "$TAP_BUS_PID"; rm -rf "$TAP_TMP"' EXIT
}

# tap_start_mock_daemon SYSROOT CONF: dirtytrackd from the build on the
# test's bus ($TAP_BUS), the mock kernel under it, its output in
# $TAP_TMP/daemon.log; DAEMON_PID (the caller stops it); waits up to 10 s
# for it to answer.
tap_start_mock_daemon() {
    LD_PRELOAD="$MOCK" DIRTYTRACK_SYSROOT="$1" "$DAEMON" --address "$TAP_BUS" \
        --sysroot "$1" --config "$2" --libvirt-uri "" > "$TAP_TMP/daemon.log" 2>&1 &
    DAEMON_PID=$!
    _i=0
    until dbus-send --bus="$TAP_BUS" --print-reply --dest=org.dirtytrack1 /org/dirtytrack1 \
            org.freedesktop.DBus.Peer.Ping > /dev/null 2>&1 || [ $_i -ge 100 ]; do
        sleep 0.1
        _i=$((_i + 1))
    done
}

# tap_stop_pid PID: ends a process this test started (also when it was
# stopped with SIGSTOP) and reaps it; nothing for an empty PID.
tap_stop_pid() {
    [ -n "$1" ] || return 0
    kill "$1" 2>/dev/null
    kill -CONT "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}

# tap_wait_line FILE PATTERN: waits up to 5 s for a line matching PATTERN
# in FILE (a helper process saying it is ready); non-zero if none came.
tap_wait_line() {
    _i=0
    while ! grep -q "$2" "$1" 2>/dev/null && [ $_i -lt 100 ]; do
        sleep 0.05
        _i=$((_i + 1))
    done
    grep -q "$2" "$1" 2>/dev/null
}
