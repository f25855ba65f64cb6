#!/bin/sh
# daemon-libvirt.sh: dirtytrackd follows a real libvirtd's domain events.
#
# A private libvirtd (tests/libvirt/harness.sh, its own namespaces and
# sockets, no hook installed), a private dbus-daemon, and dirtytrackd from
# the build tree with --libvirt-uri pointing at that libvirtd.  No hook
# runs, so whatever GetDomainState says about the TCG guest came from
# libvirt lifecycle events delivered on the daemon's GLib loop: start,
# suspend, resume, destroy; then libvirtd is restarted and the daemon must
# reconnect by itself and see the next start.
#
# Debian packages: as hook-libvirt.sh (libvirt-daemon-system, qemu-system-x86,
# busybox-static, a kernel in /boot).  SKIPs without them or root.

. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/tap.sh"
. "$top_srcdir/tests/libvirt/harness.sh"

DAEMON="$top_builddir/plugin/daemon/dirtytrackd"
HOOK="$top_builddir/hooks/dirtytrack-hook"
reason=$(lv_skip_reason)
[ -x "$DAEMON" ] || reason="$DAEMON not built"
command -v dbus-daemon >/dev/null || reason="dbus-daemon not installed"
command -v dbus-send >/dev/null || reason="dbus-send not installed"
if [ -n "$reason" ]; then
    echo "1..0 # SKIP $reason"
    exit 0
fi

LV_T=$(mktemp -d "${TMPDIR:-/tmp}/dt-daemon-libvirt.XXXXXX")
BUS_PID=
DAEMON_PID=
cleanup() {
    [ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
    lv_stop_all
    [ -n "$BUS_PID" ] && kill "$BUS_PID" 2>/dev/null && wait "$BUS_PID" 2>/dev/null
    rm -rf "$LV_T"
}
trap cleanup EXIT

# state NAME: GetDomainState's JSON, or the error line
state() {
    dbus-send --bus="$ADDR" --print-reply=literal --reply-timeout=5000 \
        --dest=org.dirtytrack1 /org/dirtytrack1 org.dirtytrack1.Manager.GetDomainState \
        string:"$1" 2>&1
}

# wait_state NAME PATTERN...: until every pattern is in the state (20 s)
wait_state() {
    name=$1
    shift
    i=0
    while [ $i -lt 200 ]; do
        s=$(state "$name")
        ok=1
        for p in "$@"; do
            case "$s" in *"$p"*) ;; *) ok=0 ;; esac
        done
        [ $ok = 1 ] && return 0
        sleep 0.1
        i=$((i + 1))
    done
    tap_diag "last state of $name: $s"
    return 1
}

# wait_log PATTERN COUNT: the daemon logged PATTERN at least COUNT times
wait_log() {
    i=0
    while [ $i -lt 300 ]; do
        [ "$(grep -c "$1" "$LV_T/daemon.log")" -ge "$2" ] && return 0
        sleep 0.1
        i=$((i + 1))
    done
    tap_diag "daemon log:" "$(cat "$LV_T/daemon.log")"
    return 1
}

lv_prepare_guest "$LV_T" || { tap_fail "build the guest initramfs"; tap_done; exit 1; }
if LV_NO_HOOK=1 lv_start 1; then
    tap_ok "private libvirtd (no hook installed) is up"
else
    tap_fail "private libvirtd (no hook installed) is up"
    tap_done
    exit 1
fi

tap_start_bus "$LV_T"
BUS_PID=$TAP_BUS_PID
ADDR=$TAP_BUS

"$DAEMON" --address "$ADDR" --sysroot "$HOSTS/intel-dirty" --libvirt-uri "$(lv_uri 1)" \
    2>"$LV_T/daemon.log" &
DAEMON_PID=$!
if wait_log "Following domain events" 1; then
    tap_ok "dirtytrackd connects to libvirtd and follows its domain events"
else
    tap_fail "dirtytrackd connects to libvirtd and follows its domain events"
fi

case "$(state dt-events)" in
*NotFound*) tap_ok "no state for a domain that never ran" ;;
*) tap_fail "no state for a domain that never ran" ;;
esac

lv_domain_xml dt-events >"$LV_T/dt-events.xml"
lv_virsh 1 create "$LV_T/dt-events.xml" >/dev/null
if wait_state dt-events '"running":true' '"event":"started"'; then
    tap_ok "virsh create: the started event marks the domain running"
else
    tap_fail "virsh create: the started event marks the domain running"
fi

lv_virsh 1 suspend dt-events >/dev/null
if wait_state dt-events '"event":"suspended"'; then
    tap_ok "virsh suspend: the suspended event is recorded"
else
    tap_fail "virsh suspend: the suspended event is recorded"
fi
lv_virsh 1 resume dt-events >/dev/null
if wait_state dt-events '"event":"resumed"' '"running":true' '"migration-in-progress":false'; then
    tap_ok "virsh resume: resumed, running, no migration"
else
    tap_fail "virsh resume: resumed, running, no migration"
fi

lv_virsh 1 destroy dt-events >/dev/null
if wait_state dt-events '"running":false' '"event":"stopped"'; then
    tap_ok "virsh destroy: the stopped event marks the domain not running"
else
    tap_fail "virsh destroy: the stopped event marks the domain not running"
fi

# libvirtd goes away and comes back: the daemon keeps serving and
# reconnects on its own.
lv_stop 1
if wait_log "Lost the libvirt connection" 1 && state dt-events | grep -q '"running":false'; then
    tap_ok "libvirtd stopped: the daemon notices and keeps serving"
else
    tap_fail "libvirtd stopped: the daemon notices and keeps serving"
fi
LV_NO_HOOK=1 lv_start 1 || tap_diag "libvirtd did not restart"
if wait_log "Following domain events" 2; then
    tap_ok "libvirtd restarted: the daemon reconnects by itself"
else
    tap_fail "libvirtd restarted: the daemon reconnects by itself"
fi
lv_virsh 1 create "$LV_T/dt-events.xml" >/dev/null
if wait_state dt-events '"running":true' '"event":"started"'; then
    tap_ok "after reconnecting, the next start is seen"
else
    tap_fail "after reconnecting, the next start is seen"
fi
lv_virsh 1 destroy dt-events >/dev/null 2>&1

if kill -0 "$DAEMON_PID" 2>/dev/null; then
    tap_ok "dirtytrackd still running"
else
    tap_fail "dirtytrackd still running"
fi

# Shutdown is bounded whatever libvirt does: libvirtd stopped (SIGSTOP, so
# its socket accepts and nothing answers), then SIGTERM to the daemon,
# which must be gone within 2 s and have released its bus name.  (It used
# to wait for libvirtd in virConnectDomainEventDeregisterAny: 40 s and
# more.)
has_owner() {
    dbus-send --bus="$ADDR" --print-reply=literal --reply-timeout=2000 \
        --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner \
        string:org.dirtytrack1 2>&1
}
LV_PID=$(cat "$(lv_dir 1)/pid")
kill -STOP "$LV_PID"
sleep 0.5
t0=$(date +%s%N)
kill -TERM "$DAEMON_PID"
i=0
while kill -0 "$DAEMON_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
if ! kill -0 "$DAEMON_PID" 2>/dev/null && [ "$ms" -le 2000 ]; then
    tap_ok "libvirtd stopped (SIGSTOP): dirtytrackd exits $ms ms after SIGTERM (<= 2000)"
else
    tap_fail "libvirtd stopped (SIGSTOP): dirtytrackd exits within 2000 ms of SIGTERM (waited $ms ms)"
    kill -KILL "$DAEMON_PID" 2>/dev/null
fi
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
case "$(has_owner)" in
*false*) tap_ok "and the bus name org.dirtytrack1 is released" ;;
*) tap_fail "and the bus name org.dirtytrack1 is released ($(has_owner))" ;;
esac
kill -CONT "$LV_PID"
tap_done
