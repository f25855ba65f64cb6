#!/bin/sh
# cli-deadline.sh: `dirtytrack check` never hangs on the bus or the daemon.
# A private dbus-daemon that is then stopped (SIGSTOP) and a fake
# dirtytrackd that never answers (tests/hook-fake-daemon hang): the CLI
# answers in-process within its deadline (1 s by default, --daemon-timeout
# or $DIRTYTRACK_DAEMON_TIMEOUT_MS) and says on stderr that it did; with
# --via-daemon=yes it fails with one line instead.  Every process started
# here is stopped by its pid.
. "$(dirname "$0")/tap.sh"
tap_tmpdir
T=$TAP_TMP

FAKE="$top_builddir/tests/hook-fake-daemon"
if ! command -v dbus-daemon >/dev/null 2>&1 || [ ! -x "$FAKE" ]; then
    tap_skip "dbus-daemon or $FAKE not available"
    tap_done
    exit $?
fi

BUS_PID= FAKE_PID=
cleanup() {
    tap_stop_pid "$FAKE_PID"
    tap_stop_pid "$BUS_PID"
    rm -rf "$T"
}
trap cleanup EXIT

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
unset DIRTYTRACK_VIA_DAEMON DIRTYTRACK_SYSROOT DIRTYTRACK_DAEMON_TIMEOUT_MS

# ask VIA [ARGS...]: check a domain no host can refuse (no VFIO device) so
# the in-process answer is the same on every machine; $T/rc, $T/err, $T/ms,
# and in $BASE how long the same question takes in-process only, just
# before (the machine may be loaded).  `timeout 30` only ends a hang the
# test then reports.
ask() {
    via=$1
    shift
    t0=$(now_ms)
    "$DT" check --via-daemon=no --qemu-version 9.1.0 --libvirt-version 10.0.0 \
        "$DOMAINS/no-hostdev.xml" >/dev/null 2>&1
    BASE=$(( $(now_ms) - t0 ))
    t0=$(now_ms)
    timeout 30 "$DT" check --via-daemon="$via" --qemu-version 9.1.0 --libvirt-version 10.0.0 \
        "$@" "$DOMAINS/no-hostdev.xml" >"$T/out" 2>"$T/err"
    echo $? >"$T/rc"
    echo $(( $(now_ms) - t0 )) >"$T/ms"
}

# said PATTERN|"": stderr matches, or is empty for ""
said() {
    if [ -z "$1" ]; then [ ! -s "$T/err" ]; else grep -q -- "$1" "$T/err"; fi
}

# expect DESC RC DEADLINE-MS PATTERN|"" : the last ask ended so, within
# the deadline plus twice the in-process time ($BASE) plus 2 s (a loaded
# machine varies that much); a hang is 25 s
# (libdbus' default timeout), 10 s (the old fixed one) or forever.
expect() {
    rc=$(cat "$T/rc") ms=$(cat "$T/ms")
    limit=$(( $3 + 2 * BASE + 2000 ))
    if [ "$rc" = "$2" ] && [ "$ms" -lt "$limit" ] && said "$4"; then
        tap_ok "$1 -> exit $rc in $ms ms"
    else
        sed 's/^/# stderr: /' "$T/err"
        tap_fail "$1 -> exit $2 in < $limit ms (got exit $rc in $ms ms)"
    fi
}

tap_start_bus "$T" || { tap_fail "private bus starts"; tap_done; exit 1; }
BUS_PID=$TAP_BUS_PID
export DIRTYTRACK_BUS_ADDRESS="$TAP_BUS"

# no daemon on the bus: the ordinary host without the service, quietly
ask auto
expect "bus without a daemon, auto" 0 0 ""

# a daemon that never answers
"$FAKE" "$TAP_BUS" hang >"$T/fake.ready" 2>"$T/fake.err" &
FAKE_PID=$!
tap_wait_line "$T/fake.ready" ready
ask auto
expect "hung daemon, auto, default deadline" 0 1000 "within 1000 ms; evaluating in-process"
ask auto --daemon-timeout 300
expect "hung daemon, --daemon-timeout 300" 0 300 "within 300 ms; evaluating in-process"
DIRTYTRACK_DAEMON_TIMEOUT_MS=400 ask auto
expect "hung daemon, DIRTYTRACK_DAEMON_TIMEOUT_MS=400" 0 400 "within 400 ms"
ask yes --daemon-timeout 300
if [ "$(cat "$T/rc")" = 3 ] && [ "$(wc -l <"$T/err")" = 1 ] && [ "$(cat "$T/ms")" -lt $((300 + 2 * BASE + 2000)) ]; then
    tap_ok "hung daemon, --via-daemon=yes -> exit 3, one line, in $(cat "$T/ms") ms"
else
    tap_fail "hung daemon, --via-daemon=yes -> exit 3, one line (rc $(cat "$T/rc"), $(cat "$T/ms") ms)"
fi
ask auto --daemon-timeout 0
if [ "$(cat "$T/rc")" = 3 ] && grep -q "invalid daemon timeout" "$T/err"; then
    tap_ok "--daemon-timeout 0 -> refused"
else
    tap_fail "--daemon-timeout 0 -> refused"
fi
tap_stop_pid "$FAKE_PID"
FAKE_PID=

# the bus itself stopped: connecting and authenticating block in libdbus
kill -STOP "$BUS_PID"
ask auto
expect "bus stopped (SIGSTOP), auto" 0 1000 "evaluating in-process"
ask yes
if [ "$(cat "$T/rc")" = 3 ] && [ "$(cat "$T/ms")" -lt $((1000 + 2 * BASE + 2000)) ]; then
    tap_ok "bus stopped (SIGSTOP), --via-daemon=yes -> exit 3 in $(cat "$T/ms") ms"
else
    tap_fail "bus stopped (SIGSTOP), --via-daemon=yes -> exit 3 in < $((1000 + 2 * BASE + 2000)) ms (rc $(cat "$T/rc"), $(cat "$T/ms") ms)"
fi
kill -CONT "$BUS_PID"

# no bus at all: quiet, immediate
DIRTYTRACK_BUS_ADDRESS="unix:path=$T/no-bus" ask auto
expect "no bus at all, auto" 0 0 ""

tap_done
