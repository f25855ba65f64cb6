#!/bin/sh
# dry-run-start.sh: the source's dry run at a VM's start, and the
# destination's refusal built on it (docs/hook.md, docs/live-tuning.md).
#   - `start begin` with `[hook] preflight = true`: the hook asks dirtytrackd,
#     which opens the VM's idle mdev, starts DMA logging, asks for a report
#     and stops; on Debian's 6.12 (fixture host mtty: no IOMMUFD) the report
#     fails with EOPNOTSUPP, and GetDomainState keeps that as the dry run;
#   - without preflight the hook opens nothing at `start begin`;
#   - `migrate begin` on a destination that can report (mtty-iommufd): a VM
#     carrying the source's record (schemas/outgoing.rng) is refused with
#     the source's reason, one whose record another host wrote is not.
# The kernel is tests/vfiomock.c (LD_PRELOAD); a private bus and a daemon
# from the build tree are started here and stopped by pid.
. "$(dirname "$0")/tap.sh"
tap_tmpdir

UUID=c2177883-f1bb-47f0-914d-32a22e3a8804
tap_mock_daemon_setup mtty mtty-iommufd
printf '[hook]\ndeadline-ms = 10000\npreflight = true\n' > "$TAP_TMP/on.conf"
printf '[hook]\ndeadline-ms = 10000\n' > "$TAP_TMP/off.conf"
printf '[hook]\ndeadline-ms = 10000\nuse-daemon = false\n' > "$TAP_TMP/dst.conf"


# start_daemon CONF: dirtytrackd on the fixture host, the mock kernel under it
start_daemon() {
    tap_stop_pid "$DAEMON_PID"
    tap_start_mock_daemon "$TAP_TMP/mtty" "$1"
}
# hook NAME OP SUBOP CONF HOST < XML: libvirt's call, with the test's bus
hook() {
    env DIRTYTRACK_BUS_ADDRESS="$TAP_BUS" DIRTYTRACK_CONFIG="$4" DIRTYTRACK_SYSROOT="$5" \
        DIRTYTRACK_QEMU_VERSION=10.0.2 DIRTYTRACK_LIBVIRT_VERSION=11.3.0 \
        DIRTYTRACK_HOOK_DEBUG=1 "$HOOK" "$1" "$2" "$3" - > "$TAP_TMP/hook.out" 2> "$TAP_TMP/hook.err"
}
state() {
    dbus-send --bus="$TAP_BUS" --print-reply=literal --reply-timeout=5000 --dest=org.dirtytrack1 \
        /org/dirtytrack1 org.dirtytrack1.Manager.GetDomainState string:"$1" 2>&1
}

# ---- without preflight: start begin touches nothing ----------------------------
start_daemon "$TAP_TMP/off.conf"
hook mdev start begin "$TAP_TMP/off.conf" "$TAP_TMP/mtty" < "$DOMAINS/mdev.xml"
rc=$?
if [ $rc = 0 ] && ! grep -q "device-open" "$DIRTYTRACK_MOCK_LOG" &&
        grep -q "exit 0 via ignored" "$TAP_TMP/hook.err"; then
    tap_ok "start begin without preflight: exit 0, no device opened"
else
    tap_fail "start begin without preflight: exit $rc"
    tap_diag "$(cat "$TAP_TMP/hook.err" "$DIRTYTRACK_MOCK_LOG")"
fi

# ---- with preflight: the daemon dry-runs the idle mdev -----------------------------
start_daemon "$TAP_TMP/on.conf"
: > "$DIRTYTRACK_MOCK_LOG"
hook mdev start begin "$TAP_TMP/on.conf" "$TAP_TMP/mtty" < "$DOMAINS/mdev.xml"
rc=$?
if [ $rc = 0 ] && grep -q "exit 0 via daemon" "$TAP_TMP/hook.err" &&
        grep -q "dma-logging-start $UUID ok" "$DIRTYTRACK_MOCK_LOG" &&
        grep -q "dma-logging-report $UUID .*EOPNOTSUPP\|dma-logging-report $UUID fail" "$DIRTYTRACK_MOCK_LOG" &&
        grep -q "dma-logging-stop $UUID" "$DIRTYTRACK_MOCK_LOG"; then
    tap_ok "start begin with preflight: the daemon started DMA logging on the idle mdev, the report failed, it stopped; the start goes on (exit 0)"
else
    tap_fail "start begin with preflight: exit $rc"
    tap_diag "$(cat "$TAP_TMP/hook.err" "$DIRTYTRACK_MOCK_LOG" "$TAP_TMP/daemon.log")"
fi
st=$(state mdev)
case $st in
*'"dry-run":{"time":"'*'"reasons":[{"code":"dma-logging-report-unsupported","severity":"error","device":"'$UUID'"'*)
    tap_ok "GetDomainState keeps the dry run: dma-logging-report-unsupported on $UUID" ;;
*) tap_fail "GetDomainState keeps the dry run"; tap_diag "$st" ;;
esac

# ---- the destination reads the source's record -------------------------------------
# The VM as it leaves the source: the daemon's two elements (the evaluation
# and the dry-run record it wrote, both naming host lv-src).
rec=$(cat "$top_srcdir/tests/data/outgoing/report-unsupported.xml")
incoming() {   # incoming RECORD-HOST
    sed "s|</domain>|<metadata><dirtytrack:dirtytrack xmlns:dirtytrack='http://dirtytrack.org/xmlns/domain/1.0'><dirtytrack:evaluation verdict='warn' mode='unknown' host='lv-src'/></dirtytrack:dirtytrack>$(printf '%s' "$rec" | sed "s/host=\"lv-src\"/host=\"$1\"/")</metadata></domain>|" \
        "$DOMAINS/mdev.xml"
}
incoming lv-src > "$TAP_TMP/in.xml"
LD_PRELOAD="$MOCK" hook mdev migrate begin "$TAP_TMP/dst.conf" "$TAP_TMP/mtty-iommufd" < "$TAP_TMP/in.xml"
rc=$?
if [ $rc = 1 ] && grep -q "dirtytrack: refused \[dma-logging-report-unsupported\]: On the source host lv-src" "$TAP_TMP/hook.err"; then
    tap_ok "migrate begin on a destination that can report: refused with the source's dry run ($(grep -o 'On the source host [^:]*' "$TAP_TMP/hook.err" | head -n 1))"
else
    tap_fail "migrate begin with the source's record: exit $rc"
    tap_diag "$(cat "$TAP_TMP/hook.err")"
fi
incoming lv-elsewhere > "$TAP_TMP/in2.xml"
LD_PRELOAD="$MOCK" hook mdev migrate begin "$TAP_TMP/dst.conf" "$TAP_TMP/mtty-iommufd" < "$TAP_TMP/in2.xml"
rc=$?
if [ $rc = 0 ] && ! grep -q "dma-logging-report-unsupported" "$TAP_TMP/hook.err"; then
    tap_ok "a record another host wrote (the VM moved since) does not count: accepted"
else
    tap_fail "a record of another host: exit $rc"
    tap_diag "$(cat "$TAP_TMP/hook.err")"
fi
tap_done
