#!/bin/busybox sh
# l1-libvirt.sh RUN SRC MTTY-TYPES: the truth lane's `virsh migrate`
# scenarios, inside one L1 guest after its L2 matrix (l1-run.sh runs it in
# a mount namespace of its own).  Two libvirt hosts, "lv-src" and "lv-dst",
# each in its own mount and UTS namespace with its own host name, host_uuid,
# tmpfs state (/run/libvirt, /var/lib/libvirt, /var/cache/libvirt) and its
# own system bus: a dbus-daemon on /run/dbus/system_bus_socket (a tmpfs per
# host) configured as the system's bus (/usr/share/dbus-1/system.conf) plus
# the bus policy dirtytrack installs.  libvirt 11 and QEMU 10 from the
# cache are bind-mounted over the system's libvirt 9.0 and QEMU 7.2; the
# build's `make install DESTDIR=` tree is bind-mounted over its prefix, so
# each host runs the installed dirtytrack: the hook in
# /etc/libvirt/hooks/qemu.d, `dirtytrackd --system` (as its unit file
# starts it) and its configuration file, which says what this lane needs
# (hook deadline and QEMU probe timeout for TCG inside TCG, the
# destination's pre-flight).  Migrations are `virsh migrate --live --p2p`
# from lv-src to lv-dst over 127.0.0.1 (libvirtd --listen, TCP without
# auth).  Both hosts share one kernel, so a domain arrives on a mediated
# device of its own (`--xml` with the destination's mdev uuid).
#
# Scenarios (RUN/lane.env: TRUTH_LIBVIRT is a grep -E pattern over the
# ids; which run depends on the stack: the debian stack's kernel cannot
# migrate mtty at all):
#   iommufd: mtty-migrates, perpetual-forbidden, no-vfio, mdev-type-differs
#   debian:  report-unsupported
# With RUN/calibrate.env (tests/calibrate.sh) only the calibration grid
# runs instead (tests/truth-lane/l1-calibrate.sh).
# Each writes RUN/lv/ID/: what virsh, libvirt, QEMU and dirtytrack said
# (migrate.rc, migrate.out, migrate.ms, the XML on both sides, UART
# registers read over the monitor, dirtytrackd's GetDomainState); the host
# decides (tests/truth-lane/compare.sh, truth_compare_libvirt).  Like the
# rest of the guest side, this never decides pass or fail.
run=$1
src=$2
mtty_types=$3
. "$run/lane.env"
. "$src/tests/libvirt/qemu-conf.sh"
. "$src/tests/libvirt/backports.sh"
# The hosts run the installed dirtytrack with its own configuration: none
# of the matrix's settings (l1-run.sh) may reach them.
unset DIRTYTRACK_DATADIR DIRTYTRACK_CONFIG DIRTYTRACK_CACHE_DIR DIRTYTRACK_VIA_DAEMON
out=$run/lv
mkdir -p "$out"
C=$TRUTH_CACHE/root
T=/tmp/lv
mkdir -p "$T"
log() { echo "$(date +%T) $*" >> "$out/l1.log"; }
ms() { echo $(( $(cut -d' ' -f1 /proc/uptime | tr -d .) * 10 )); }
DT_NS=http://dirtytrack.org/xmlns/domain/1.0

case $TRUTH_STACK in
iommufd) scenarios="mtty-migrates perpetual-forbidden no-vfio mdev-type-differs source-abort" ;;
debian) scenarios="report-unsupported" ;;
*) scenarios= ;;
esac
[ -r "$run/calibrate.env" ] && scenarios=calibrate
scenarios=$(for s in $scenarios; do echo "$s"; done | grep -E "$TRUTH_LIBVIRT")
[ -n "$scenarios" ] || exit 0
echo "$scenarios" > "$out/scenarios"

# ---- libvirt 11 and QEMU 10 over the system's ------------------------------
bindover() {
    mount --bind "$1" "$2" || { log "cannot bind $1 over $2"; return 1; }
}
# (QEMU's data files are the system's: SeaBIOS.)
lv_bind_backports "$C" || log "cannot bind libvirt and QEMU from $C over the system's"
# dirtytrack as installed.
bindover "$TRUTH_INST$TRUTH_PREFIX" "$TRUTH_PREFIX"
{
    echo "libvirtd=$(/usr/sbin/libvirtd --version)"
    echo "virsh=$(virsh --version)"
    echo "qemu=$(/usr/bin/qemu-system-x86_64 --version | head -n 1)"
    echo "dirtytrack=$("$TRUTH_PREFIX/bin/dirtytrack" --version 2>&1 | head -n 1)"
} > "$out/versions"
HOOK=$(find "$TRUTH_PREFIX" -path '*/hooks/qemu.d/dirtytrack-hook' | head -n 1)
POLICY=$(find "$TRUTH_PREFIX" -path '*/dbus-1/system.d/org.dirtytrack1.conf' | head -n 1)
CONF=$(find "$TRUTH_PREFIX" -path '*/dirtytrack/dirtytrack.conf' | head -n 1)
log "hook $HOOK policy $POLICY conf $CONF"

# ---- the two hosts -----------------------------------------------------------
# They talk over loopback (libvirtd --listen, the migration stream).
ip link set lo up
mkdir -p /run/libvirt /run/dbus
host_name() { [ "$1" = 1 ] && echo lv-src || echo lv-dst; }

# host_start N: the namespaces, the bus, libvirtd, dirtytrackd.
host_start() {
    n=$1
    d=$T/h$n
    o=$out/h$n
    mkdir -p "$d/etc/hooks/qemu.d" "$o/log" "$d/dtcache"
    cat > "$d/etc/libvirtd.conf" <<EOF
listen_tls = 0
listen_tcp = 1
listen_addr = "127.0.0.1"
tcp_port = "1650$n"
auth_tcp = "none"
auth_unix_ro = "none"
auth_unix_rw = "none"
host_uuid = "7d1e3a52-4c0b-4f6e-8a39-5be0c0f1000$n"
log_filters = "1:util.command 3:*"
log_outputs = "1:file:$o/libvirtd.log"
EOF
    lv_qemu_conf "$d/etc/qemu.conf" $((49200 + n * 100))
    # The system's bus configuration and the policy dirtytrack installed
    # (the system's includes only /usr/share and /etc).
    cat > "$d/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <include>/usr/share/dbus-1/system.conf</include>
  <includedir>${POLICY%/*}</includedir>
</busconfig>
EOF
    # What this lane needs of the configuration: TCG inside TCG takes
    # seconds per QEMU start (probe, hook), and the destination dry-runs
    # DMA logging on the device it is given (pre-flight).
    cat > "$d/dirtytrack.conf" <<EOF
[hook]
deadline-ms = 30000
on-timeout = deny
preflight = true
[qemu]
probe-timeout-ms = 60000
cache-dir = $d/dtcache
EOF
    : > "$d/etc/hooks/qemu.d/dirtytrack-hook"
    cat > "$d/ns.sh" <<EOF
hostname $(host_name "$n") &&
mount --bind '$d/etc' /etc/libvirt &&
mount --bind '$HOOK' /etc/libvirt/hooks/qemu.d/dirtytrack-hook &&
mount --bind '$d/dirtytrack.conf' '$CONF' &&
mount -t tmpfs -o mode=0755 tmpfs /run/libvirt &&
mount -t tmpfs -o mode=0755 tmpfs /run/dbus &&
mount -t tmpfs -o mode=0755 tmpfs /var/lib/libvirt &&
mount -t tmpfs -o mode=0755 tmpfs /var/cache/libvirt &&
mount --bind '$o/log' /var/log/libvirt || exit 1
dbus-daemon --nofork --nopidfile --config-file='$d/bus.conf' 2> '$o/dbus.log' &
echo \$! > '$d/dbus.pid'
i=0
while [ ! -S /run/dbus/system_bus_socket ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i + 1)); done
/usr/sbin/libvirtd --listen -f /etc/libvirt/libvirtd.conf --pid-file '$d/libvirtd.pidfile' > '$o/libvirtd.out' 2>&1 &
echo \$! > '$d/libvirtd.pid'
i=0
until virsh -q -c qemu:///system version > /dev/null 2>&1; do
    kill -0 \$(cat '$d/libvirtd.pid') 2>/dev/null || exit 1
    [ \$i -lt 600 ] || exit 1
    sleep 0.2; i=\$((i + 1))
done
echo up > '$d/libvirtd.up'
'$TRUTH_PREFIX/sbin/dirtytrackd' --system 2> '$o/dirtytrackd.log' &
echo \$! > '$d/dirtytrackd.pid'
wait
EOF
    t0=$(ms)
    unshare -m -u --propagation private sh "$d/ns.sh" > "$o/ns.out" 2>&1 &
    echo $! > "$d/ns.pid"
    i=0
    while [ ! -e "$d/libvirtd.up" ]; do
        if ! kill -0 "$(cat "$d/ns.pid")" 2>/dev/null || [ $i -ge 900 ]; then
            log "host $n did not come up"
            echo "up=no" >> "$out/hosts"
            return 1
        fi
        sleep 0.2
        i=$((i + 1))
    done
    echo "h$n.libvirtd_up_ms=$(( $(ms) - t0 ))" >> "$out/hosts"
}

# ns N CMD...: run CMD in host N's namespaces.  Entering a mount namespace
# moves to its root, the initramfs here: -r -w keep the chroot (init).
ns() {
    n=$1
    shift
    nsenter -t "$(cat "$T/h$n/ns.pid")" -m -u -r -w -- "$@"
}
vs() {
    n=$1
    shift
    ns "$n" virsh -q -c qemu:///system "$@"
}
# daemon_state N DOMAIN: dirtytrackd's GetDomainState on host N's bus.
daemon_state() {
    ns "$1" dbus-send --system --print-reply=literal --reply-timeout=20000 \
        --dest=org.dirtytrack1 /org/dirtytrack1 org.dirtytrack1.Manager.GetDomainState \
        string:"$2" 2>&1
}
# wait_for SECONDS CMD...: until CMD succeeds.
wait_for() {
    w=$(($1 * 5))
    shift
    i=0
    while [ $i -lt $w ]; do
        "$@" > /dev/null 2>&1 && return 0
        sleep 0.2
        i=$((i + 1))
    done
    return 1
}
daemon_on_bus() {
    ns "$1" dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.dirtytrack1 | grep -q 'boolean true'
}

for n in 1 2; do host_start "$n" || exit 0; done
for n in 1 2; do
    if wait_for 60 daemon_on_bus "$n"; then
        echo "h$n.dirtytrackd=on-bus" >> "$out/hosts"
    else
        echo "h$n.dirtytrackd=absent" >> "$out/hosts"
    fi
done
log "hosts up"

# ---- domains -----------------------------------------------------------------
mdev_new() {
    u=$(cat /proc/sys/kernel/random/uuid)
    echo "$u" > "${mtty_types%/*}/$1/create" || { log "cannot create $1 mdev"; return 1; }
    echo "$u"
}

# domain_xml NAME HOSTDEV-UUID|- [POLICY-ATTRS [OVERRIDES]]
domain_xml() {
    hostdev= meta= ovr=
    if [ "$2" != - ]; then
        hostdev="<hostdev mode='subsystem' type='mdev' managed='no' model='vfio-pci'>
      <source><address uuid='$2'/></source>
      <alias name='ua-mtty0'/>
    </hostdev>"
    fi
    [ -n "${3:-}" ] && meta="<metadata>
    <dirtytrack:dirtytrack xmlns:dirtytrack='$DT_NS'><dirtytrack:policy $3/></dirtytrack:dirtytrack>
  </metadata>"
    if [ -n "${4:-}" ]; then
        ovr="<qemu:override><qemu:device alias='ua-mtty0'><qemu:frontend>"
        for p in $4; do
            ovr="$ovr<qemu:property name='${p%%=*}' type='string' value='${p#*=}'/>"
        done
        ovr="$ovr</qemu:frontend></qemu:device></qemu:override>"
    fi
    cat <<XML
<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>$1</name>
  $meta
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <on_reboot>destroy</on_reboot>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    $hostdev
    <memballoon model='none'/>
  </devices>
  $ovr
</domain>
XML
}

# start DIR NAME: define and start on the source; the daemon's fingerprint
# in the live metadata (for a VFIO domain) before going on.
start() {
    vs 1 define "$1/domain.xml" > "$1/start.out" 2>&1 &&
        vs 1 start "$2" >> "$1/start.out" 2>&1
}
dst_published() {
    daemon_state 2 "$1" | grep -q '"published-time"'
}
has_fingerprint() {
    vs 1 metadata "$1" --uri "$DT_NS" 2>/dev/null | grep -q 'fingerprint='
}

# migrate DIR NAME [ARGS]: virsh migrate from the source, timed.
migrate() {
    dir=$1 name=$2
    shift 2
    t0=$(ms)
    vs 1 migrate --live --p2p --verbose "$name" qemu+tcp://127.0.0.1:16502/system \
        --migrateuri "tcp://127.0.0.1:$((49400 + $(date +%s) % 100))" --listen-address 127.0.0.1 \
        "$@" > "$dir/migrate.out" 2>&1
    echo $? > "$dir/migrate.rc"
    echo $(( $(ms) - t0 )) > "$dir/migrate.ms"
    vs 1 domjobinfo --completed "$name" > "$dir/jobinfo" 2>&1
    vs 1 domstate "$name" > "$dir/src.state" 2>&1
    vs 1 dumpxml "$name" > "$dir/src-after.xml" 2>&1
    vs 2 domstate "$name" > "$dir/dst.state" 2>&1
    vs 2 dumpxml "$name" > "$dir/dst.xml" 2>&1
    daemon_state 1 "$name" > "$dir/src.daemon-state"
}

# The mtty port's I/O BAR as SeaBIOS assigned it (HMP "info pci").
bar0() {
    vs "$1" qemu-monitor-command --hmp "$2" 'info pci' 2>/dev/null |
        awk '/Bus/ { bar = "" } /BAR0: I\/O at 0x/ { bar = $4 } /id "ua-mtty0"/ { print bar; exit }' |
        grep -v -i 'ffff'
}
# hmp N DOMAIN CMD: one HMP command, e.g. (i /b PORT, o /b PORT VALUE).
hmp() {
    vs "$1" qemu-monitor-command --hmp "$2" "$3" 2>&1 | tr -d '\r'
}
# uart N DOMAIN BAR FILE: LCR, SCR and two bytes of the receive FIFO.
uart_read() {
    {
        echo "lcr=$(hmp "$1" "$2" "i /b $(($3 + 3))" | sed -n 's/.*= *//p')"
        echo "scr=$(hmp "$1" "$2" "i /b $(($3 + 7))" | sed -n 's/.*= *//p')"
        [ "${5:-}" = fifo ] && echo "rx=$(hmp "$1" "$2" "i /b $3" | sed -n 's/.*= *//p') $(hmp "$1" "$2" "i /b $3" | sed -n 's/.*= *//p')"
    } > "$4"
}

# ---- a: mtty migrates (iommufd stack) --------------------------------------------
sc_mtty_migrates() {
    dir=$out/mtty-migrates
    mkdir -p "$dir"
    a=$(mdev_new mtty-1) && b=$(mdev_new mtty-1) || return
    domain_xml mtty-a "$a" > "$dir/domain.xml"
    start "$dir" mtty-a || return
    wait_for 90 has_fingerprint mtty-a
    vs 1 dumpxml mtty-a > "$dir/src.xml" 2>&1
    wait_for 120 bar0 1 mtty-a
    bar=$(bar0 1 mtty-a)
    echo "bar0=$bar" > "$dir/uart.bar"
    if [ -n "$bar" ]; then
        # LCR 8 bits even parity, a scratch byte, two bytes into the FIFO
        # (mtty stores what the guest transmits in its receive FIFO).
        hmp 1 mtty-a "o /b $((bar + 3)) 0x1b" > /dev/null
        hmp 1 mtty-a "o /b $((bar + 7)) 0x5a" > /dev/null
        hmp 1 mtty-a "o /b $bar 0x41" > /dev/null
        hmp 1 mtty-a "o /b $bar 0x42" > /dev/null
        uart_read 1 mtty-a "$bar" "$dir/uart.src"
    fi
    vs 1 dumpxml --migratable mtty-a | sed "s/$a/$b/" > "$dir/dst-in.xml"
    # What the source daemon does to the job, polled from outside.
    ( while :; do vs 1 migrate-getmaxdowntime mtty-a 2>/dev/null || break; sleep 0.3; done ) \
        > "$dir/maxdowntime" 2>&1 &
    poll=$!
    migrate "$dir" mtty-a --xml "$dir/dst-in.xml"
    kill "$poll" 2>/dev/null
    wait "$poll" 2>/dev/null
    # The destination daemon writes its own evaluation once the domain
    # resumes there (QEMU holds the mdev by then): the definition after it.
    wait_for 30 dst_published mtty-a
    daemon_state 2 mtty-a > "$dir/dst.daemon-state"
    vs 2 dumpxml mtty-a > "$dir/dst.xml" 2>&1
    [ -n "$bar" ] && uart_read 2 mtty-a "$bar" "$dir/uart.dst" fifo
    vs 2 destroy mtty-a > /dev/null 2>&1
    vs 1 destroy mtty-a > /dev/null 2>&1
}

# mdev_migration ID DOMAIN DST-TYPE [POLICY-ATTRS [OVERRIDES]]: an mtty-1
# domain sent to a fresh mdev of DST-TYPE on the destination.
mdev_migration() {
    dir=$out/$1
    mkdir -p "$dir"
    a=$(mdev_new mtty-1) && b=$(mdev_new "$3") || return
    domain_xml "$2" "$a" "${4:-}" "${5:-}" > "$dir/domain.xml"
    start "$dir" "$2" || return
    wait_for 90 has_fingerprint "$2"
    vs 1 dumpxml --migratable "$2" | sed "s/$a/$b/" > "$dir/dst-in.xml"
    migrate "$dir" "$2" --xml "$dir/dst-in.xml"
    vs 1 destroy "$2" > /dev/null 2>&1
    vs 2 destroy "$2" > /dev/null 2>&1
}

# ---- b: Debian's stack cannot report DMA logging ------------------------------------
sc_report_unsupported() {
    mdev_migration report-unsupported mtty-b mtty-1
}

# ---- c: perpetual mode where the policy forbids it ----------------------------------
sc_perpetual_forbidden() {
    mdev_migration perpetual-forbidden mtty-c mtty-1 "perpetual='never'" \
        "x-device-dirty-page-tracking=off enable-migration=on"
}

# ---- d: no VFIO device -------------------------------------------------------------------
sc_no_vfio() {
    dir=$out/no-vfio
    mkdir -p "$dir"
    domain_xml plain - > "$dir/domain.xml"
    start "$dir" plain || return
    vs 1 dumpxml plain > "$dir/src.xml" 2>&1
    migrate "$dir" plain
    vs 2 destroy plain > /dev/null 2>&1
    vs 1 destroy plain > /dev/null 2>&1
}

# ---- e: the destination's mdev is another type -----------------------------------------
sc_mdev_type_differs() {
    mdev_migration mdev-type-differs mtty-e mtty-2
}

# ---- f: a destination without dirtytrack: the source daemon aborts ----------------------
# Host 2 runs no dirtytrack hook for this one (its bind mount taken away, as
# on a host dirtytrack is not installed on), so nothing there refuses what
# the policy forbids.  The source daemon planned the job when the domain
# started and aborts it at its first iteration; the VM runs on at the source.
sc_source_abort() {
    ns 2 umount /etc/libvirt/hooks/qemu.d/dirtytrack-hook
    mdev_migration source-abort mtty-f mtty-1 "perpetual='never'" \
        "x-device-dirty-page-tracking=off enable-migration=on"
    ns 2 mount --bind "$HOOK" /etc/libvirt/hooks/qemu.d/dirtytrack-hook
}

. "$src/tests/truth-lane/l1-calibrate.sh"

for s in $scenarios; do
    t0=$(ms)
    log "$s start"
    "sc_$(echo "$s" | tr - _)"
    log "$s: $(( $(ms) - t0 )) ms"
    echo "$s" >> "$out/done"
done
for n in 1 2; do
    cp "$T/h$n/dirtytrack.conf" "$out/h$n/dirtytrack.conf"
    for p in dirtytrackd libvirtd dbus; do
        kill "$(cat "$T/h$n/$p.pid" 2>/dev/null)" 2>/dev/null
    done
done
log "libvirt scenarios done"
