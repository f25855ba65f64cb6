#!/bin/sh
# cli-daemon.sh: `dirtytrack check` asks dirtytrackd when it runs and works
# without it.  A private dbus-daemon and a dirtytrackd from the
# build tree (fixture host intel-dirty) are started here and stopped by pid.
# The same question asked through the daemon and in-process must give the
# same report, the same text and the same exit status.
. "$(dirname "$0")/tap.sh"
tap_tmpdir

DAEMON="$top_builddir/plugin/daemon/dirtytrackd"
HOST="$HOSTS/intel-dirty"
if ! command -v dbus-daemon >/dev/null 2>&1 || [ ! -x "$DAEMON" ]; then
    tap_skip "dbus-daemon or dirtytrackd not available"
    tap_done
    exit $?
fi

tap_start_bus "$TAP_TMP"
BUS_PID=$TAP_BUS_PID
DAEMON_PID=
cleanup() {
    [ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null
    kill "$BUS_PID" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$TAP_TMP"
}
trap cleanup EXIT
ADDR=$TAP_BUS

export DIRTYTRACK_BUS_ADDRESS="$ADDR"
unset DIRTYTRACK_VIA_DAEMON

# No daemon yet: auto answers in-process, yes refuses with one line.
"$DT" check --qemu-version 9.1.0 --libvirt-version 10.0.0 --via-daemon=yes \
    "$DOMAINS/mlx5-vf.xml" > "$TAP_TMP/out" 2> "$TAP_TMP/err"
rc=$?
if [ $rc -eq 3 ] && [ "$(wc -l < "$TAP_TMP/err")" -eq 1 ]; then
    tap_ok "--via-daemon=yes without a daemon: exit 3, one line: $(cat "$TAP_TMP/err")"
else
    tap_fail "--via-daemon=yes without a daemon: exit $rc"
fi

"$DAEMON" --address "$ADDR" --sysroot "$HOST" --libvirt-uri "" > "$TAP_TMP/daemon.log" 2>&1 &
DAEMON_PID=$!
i=0
until "$DT" check --qemu-version 9.1.0 --via-daemon=yes "$DOMAINS/no-hostdev.xml" \
        > /dev/null 2>&1 || [ $i -ge 50 ]; do
    sleep 0.1
    i=$((i + 1))
done

same() {
    desc=$1
    shift
    "$DT" check --via-daemon=yes "$@" > "$TAP_TMP/d.out" 2> "$TAP_TMP/d.err"
    drc=$?
    DIRTYTRACK_SYSROOT="$HOST" "$DT" check --via-daemon=no "$@" > "$TAP_TMP/l.out" 2> "$TAP_TMP/l.err"
    lrc=$?
    if [ $drc -eq $lrc ] && [ $drc -le 2 ] && cmp -s "$TAP_TMP/d.out" "$TAP_TMP/l.out"; then
        tap_ok "$desc: daemon and in-process agree (exit $drc)"
    else
        tap_fail "$desc: daemon exit $drc, in-process exit $lrc"
        tap_diag "$(diff "$TAP_TMP/d.out" "$TAP_TMP/l.out" | head -20)" "$(cat "$TAP_TMP/d.err")"
    fi
}
for fmt in json text xml; do
    same "mlx5 VF, QEMU 9.1, $fmt" --qemu-version 9.1.0 --libvirt-version 10.0.0 --format $fmt \
        "$DOMAINS/mlx5-vf.xml"
done
same "mlx5 VF, QEMU 7.2 (deny)" --qemu-version 7.2.22 --libvirt-version 9.0.0 "$DOMAINS/mlx5-vf.xml"
same "plain VF, QEMU 9.1, json" --qemu-version 9.1.0 --libvirt-version 10.0.0 --format json \
    "$DOMAINS/plain-vf.xml"
same "destination role, missing device" --role destination --qemu-version 9.1.0 \
    --libvirt-version 10.0.0 "$DOMAINS/missing-device.xml"
same "no VFIO device" --qemu-version 9.1.0 "$DOMAINS/no-hostdev.xml"

# auto picks the daemon when it runs: its answer names the daemon's host
# (the fixture), which an in-process run on this machine would not see.
"$DT" check --qemu-version 9.1.0 --libvirt-version 10.0.0 --format json \
    "$DOMAINS/mlx5-vf.xml" > "$TAP_TMP/auto.json" 2>/dev/null
if grep -q '"vfio_driver" : "mlx5_vfio_pci"' "$TAP_TMP/auto.json"; then
    tap_ok "--via-daemon=auto uses the running daemon"
else
    tap_fail "--via-daemon=auto uses the running daemon"
fi

# Invalid input is refused by the daemon as by the CLI: exit 3, one line.
printf '<domain><name>x</name>' > "$TAP_TMP/bad.xml"
"$DT" check --via-daemon=yes --qemu-version 9.1.0 "$TAP_TMP/bad.xml" > "$TAP_TMP/out" 2> "$TAP_TMP/err"
rc=$?
if [ $rc -eq 3 ] && [ "$(wc -l < "$TAP_TMP/err")" -eq 1 ]; then
    tap_ok "malformed XML through the daemon: exit 3, one line"
else
    tap_fail "malformed XML through the daemon: exit $rc"
    tap_diag "$(cat "$TAP_TMP/err")"
fi

# A sysroot is local by definition.
"$DT" check --via-daemon=yes --sysroot "$HOST" "$DOMAINS/mlx5-vf.xml" > /dev/null 2> "$TAP_TMP/err"
[ $? -eq 3 ] && tap_ok "--via-daemon=yes with --sysroot is refused" \
    || tap_fail "--via-daemon=yes with --sysroot is refused"

# The daemon dies: auto falls back to in-process, yes fails cleanly.
kill "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
DIRTYTRACK_SYSROOT="$HOST" "$DT" check --via-daemon=no --qemu-version 9.1.0 --libvirt-version 10.0.0 \
    --format json "$DOMAINS/mlx5-vf.xml" > "$TAP_TMP/l.json" 2>/dev/null
# (auto with a sysroot is local; without one it asks the bus, finds no
# daemon, and evaluates this machine, which has no such device)
"$DT" check --qemu-version 9.1.0 --libvirt-version 10.0.0 --format json \
    "$DOMAINS/mlx5-vf.xml" > "$TAP_TMP/a.json" 2> "$TAP_TMP/err"
rc=$?
if [ $rc -le 2 ] && [ ! -s "$TAP_TMP/err" ]; then
    tap_ok "daemon gone: --via-daemon=auto still answers in-process (exit $rc)"
else
    tap_fail "daemon gone: --via-daemon=auto (exit $rc)"
fi
"$DT" check --via-daemon=yes --qemu-version 9.1.0 "$DOMAINS/mlx5-vf.xml" > /dev/null 2> "$TAP_TMP/err"
rc=$?
[ $rc -eq 3 ] && [ "$(wc -l < "$TAP_TMP/err")" -eq 1 ] \
    && tap_ok "daemon gone: --via-daemon=yes exits 3 with one line" \
    || tap_fail "daemon gone: --via-daemon=yes (exit $rc)"

tap_done
