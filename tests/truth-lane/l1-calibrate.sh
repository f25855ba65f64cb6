# l1-calibrate.sh: the calibration grid's migrations with and without a
# VFIO device, inside the truth lane's L1 guest (sourced by l1-libvirt.sh,
# whose two libvirt 11 hosts and helpers it uses; tests/calibrate.sh asks
# for it and turns what it records into the model's table).
#
# RUN/calibrate.env (written by tests/calibrate.sh) names the grid:
#   CAL_MEM      L2 RAM sizes in MiB
#   CAL_RATE     dirty rates in MiB/s
#   CAL_BW       bandwidth caps in MiB/s
#   CAL_DEVICES  "none" (no hostdev) and/or "mtty" (one mtty mdev)
#   CAL_TIMEOUT  seconds a migration may run before it is aborted
#                (default 240: one that does not converge runs forever)
#   CAL_KERNEL   the guest: tests/calibrate/bare-dirtier.c, a Multiboot
#                image (built by the host where this guest can read it)
# Per device and RAM size, three reference migrations without a cap at the
# first dirty rate (the running guest; the guest paused; paused, to RAM
# allocated beforehand),
# then one migration per dirty rate and cap, each a fresh L2 guest.  Each
# migration leaves RUN/lv/calibrate/NAME/: cell (MEM RATE CAP DEVICE KIND),
# job (virsh domjobinfo --completed on the source), migrate.out, the two
# QEMUs' traces (qemu-PID.trace) and the guest's console; for a device, the
# installed dirtytrack's `check --probe-ioctl` answer on the idle mdev
# (check.json: the mode and stop-copy size the model is given).
#
# The hosts run no dirtytrack for these: its daemon sets the downtime-limit
# of a job with a VFIO device step by step (docs/live-tuning.md), which
# would move the switch the model is held against.  The lane's
# mtty-migrates scenario is where that tuning is checked.

cal_dir=$out/calibrate
. "$src/tests/calibrate/qemu-trace.sh"

# cal_xml NAME MEM RATE DEVICE-UUID|- [prealloc]: the dirtier guest, with
# the parameters tests/tune/guest.sh gives its own on the host (fill two
# thirds of RAM, cycle the writes over all but 8 MiB of it), traced as
# tests/calibrate.sh traces its own (tests/calibrate/qemu-trace.sh, with
# QEMU 10.0's checkpoints).
cal_xml() {
    fill=$(($2 * 2 / 3))
    hostdev= backing=
    [ "$4" != - ] && hostdev="<hostdev mode='subsystem' type='mdev' managed='no' model='vfio-pci'>
      <source><address uuid='$4'/></source>
      <alias name='ua-mtty0'/>
    </hostdev>"
    [ "${5:-}" = prealloc ] && backing="<memoryBacking><allocation mode='immediate'/></memoryBacking>"
    cat <<XML
<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>$1</name>
  <memory unit='MiB'>$2</memory>
  $backing
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$CAL_KERNEL</kernel>
    <cmdline>dt_fill_mib=$fill dt_rate_mib=$3 dt_wss_mib=$((fill - 8))</cmdline>
  </os>
  <on_reboot>destroy</on_reboot>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    $hostdev
    <serial type='file'><source path='$cal_dir/$1/console.log'/></serial>
    <memballoon model='none'/>
  </devices>
  $(cal_trace_xml "$T/trace/qemu-%d.trace" $CAL_TRACE_EVENTS $CAL_TRACE_EVENTS_82)
</domain>
XML
}

# cal_booted NAME: the dirtier reports its second second.
cal_booted() {
    grep -q "dirtier: 2 s" "$cal_dir/$1/console.log" 2>/dev/null
}

# cal_run KIND NAME MEM RATE CAP|- DEVICE [paused [prealloc]]: one fresh
# guest on lv-src migrated live to lv-dst; what it left in cal_dir/NAME.
cal_run() {
    kind=$1 name=$2 mem=$3 rate=$4 cap=$5 dev=$6 state=${7:-} alloc=${8:-}
    d=$cal_dir/$name
    mkdir -p "$d" "$T/trace"
    rm -f "$T"/trace/qemu-*.trace
    echo "$mem $rate $cap $dev $kind" > "$d/cell"
    a=- b=-
    if [ "$dev" = mtty ]; then
        a=$(mdev_new mtty-1) && b=$(mdev_new mtty-1) || { echo "no mdev" > "$d/failed"; return 1; }
    fi
    cal_xml "$name" "$mem" "$rate" "$a" "$alloc" > "$d/domain.xml"
    if [ "$dev" = mtty ]; then
        # The device facts the model is given, as the installed
        # dirtytrack reads them from the idle mdev.
        ns 1 "$TRUTH_PREFIX/bin/dirtytrack" check --probe-ioctl --format json "$d/domain.xml" \
            > "$d/check.json" 2> "$d/check.stderr"
    fi
    t0=$(ms)
    if ! vs 1 define "$d/domain.xml" > "$d/start.out" 2>&1 ||
       ! vs 1 start "$name" >> "$d/start.out" 2>&1 ||
       ! wait_for 900 cal_booted "$name"; then
        echo "guest did not come up" > "$d/failed"
        cal_clean "$name" "$a" "$b"
        return 1
    fi
    echo "$(( $(ms) - t0 ))" > "$d/boot.ms"
    [ "$state" = paused ] && vs 1 suspend "$name" > /dev/null 2>&1
    xml=
    if [ "$dev" = mtty ]; then
        vs 1 dumpxml --migratable "$name" | sed "s/$a/$b/" > "$d/dst-in.xml"
        xml="--xml $d/dst-in.xml"
    fi
    bw=
    [ "$cap" != - ] && bw="--bandwidth $cap"
    t0=$(ms)
    # shellcheck disable=SC2086
    vs 1 migrate --live --p2p "$name" qemu+tcp://127.0.0.1:16502/system \
        --migrateuri "tcp://127.0.0.1:$((49400 + $(date +%s) % 100))" --listen-address 127.0.0.1 \
        $bw $xml > "$d/migrate.out" 2>&1 &
    mpid=$!
    # A migration that does not converge (the dirty rate at the cap) runs
    # until it is aborted: CAL_TIMEOUT seconds, then domjobabort.
    i=0
    while kill -0 "$mpid" 2>/dev/null; do
        if [ $i -ge $((${CAL_TIMEOUT:-240} * 5)) ]; then
            echo "${CAL_TIMEOUT:-240}" > "$d/timeout"
            vs 1 domjobabort "$name" > /dev/null 2>&1
            break
        fi
        sleep 0.2
        i=$((i + 1))
    done
    wait "$mpid"
    echo $? > "$d/migrate.rc"
    echo "$(( $(ms) - t0 ))" > "$d/migrate.ms"
    vs 1 domjobinfo --completed "$name" > "$d/job" 2>&1
    cp "$T"/trace/qemu-*.trace "$d/" 2>/dev/null
    cal_clean "$name" "$a" "$b"
    [ "$(cat "$d/migrate.rc")" = 0 ] || [ -e "$d/timeout" ]
}

# cal_clean NAME MDEV MDEV: the guest gone from both hosts, its mdevs removed.
cal_clean() {
    for n in 1 2; do
        vs "$n" destroy "$1" > /dev/null 2>&1
        vs "$n" undefine "$1" > /dev/null 2>&1
    done
    for u in "$2" "$3"; do
        [ "$u" != - ] && [ -e "/sys/bus/mdev/devices/$u/remove" ] &&
            echo 1 > "/sys/bus/mdev/devices/$u/remove"
    done
}

sc_calibrate() {
    . "$run/calibrate.env"
    mkdir -p "$cal_dir"
    # No dirtytrack on either host for the grid (see above).
    for n in 1 2; do
        ns "$n" umount /etc/libvirt/hooks/qemu.d/dirtytrack-hook
        kill "$(cat "$T/h$n/dirtytrackd.pid" 2>/dev/null)" 2>/dev/null
    done
    for dev in $CAL_DEVICES; do
        for mem in $CAL_MEM; do
            p=$dev$mem r=${CAL_RATE%% *}
            cal_run ref "$p-ref" "$mem" "$r" - "$dev" || log "calibrate: $p-ref failed"
            cal_run paused "$p-paused" "$mem" "$r" - "$dev" paused || log "calibrate: $p-paused failed"
            cal_run warm "$p-warm" "$mem" "$r" - "$dev" paused prealloc || log "calibrate: $p-warm failed"
            for rate in $CAL_RATE; do
                for cap in $CAL_BW; do
                    cal_run cell "$p-r${rate}c$cap" "$mem" "$rate" "$cap" "$dev" ||
                        log "calibrate: $p-r${rate}c$cap failed"
                done
            done
        done
    done
}
