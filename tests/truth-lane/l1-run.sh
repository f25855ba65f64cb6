#!/bin/busybox sh
# l1-run.sh RUN SRC: the truth lane's work inside one L1 guest, chrooted
# into the host's root (tests/truth-lane/init).  RUN/lane.env names the
# VFIO stack to load and the paths; RUN/cases lists the L2 configurations,
# one a line:
#   ID QEMU DEVICES ENABLE-MIGRATION DEVICE-TRACKING PRE-COPY-TRACKING BACKEND VIOMMU
#   e.g. mtty-auto-10.0 10.0 mtty auto on on type1 none
# For each: fresh mdevs (mtty has no reset), the libvirt domain XML that
# describes the configuration, `dirtytrack check` plain, with --probe-ioctl
# and with --preflight, then the real QEMU with the matching command line
# (tests/truth-lane/l1-qemu.sh).  Everything lands in RUN/out/ID/; the
# host compares.
run=$1
src=$2
. "$run/lane.env"
out=$run/out
mkdir -p "$out"
log() { echo "$*" >> "$run/l1.log"; }

# ---- the VFIO stack ------------------------------------------------------
krel=$(uname -r)
log "kernel $krel stack $TRUTH_STACK"
case $TRUTH_STACK in
debian)
    for m in vfio-pci vfio_iommu_type1 mdev; do
        /sbin/modprobe -d "$TRUTH_CACHE/root" "$m" || log "modprobe $m failed"
    done
    /sbin/insmod "$TRUTH_CACHE/mod-debian/mtty.ko" || log "insmod mtty failed"
    ;;
iommufd)
    /sbin/modprobe -d "$TRUTH_CACHE/root" irqbypass || log "modprobe irqbypass failed"
    for m in iommufd vfio vfio_iommu_type1 mdev vfio-pci-core vfio-pci mtty; do
        /sbin/insmod "$TRUTH_CACHE/mod-iommufd/$m.ko" || log "insmod $m failed"
    done
    ;;
*)
    for m in vfio-pci vfio_iommu_type1; do
        /sbin/modprobe "$m" || log "modprobe $m failed"
    done
    ;;
esac
# The emulated e1000e, bound to vfio-pci as an operator would.
nic=
for d in /sys/bus/pci/devices/*; do
    [ "$(cat "$d/vendor")" = 0x8086 ] && [ "$(cat "$d/device")" = 0x10d3 ] && nic=${d##*/}
done
if [ -n "$nic" ]; then
    [ -e "/sys/bus/pci/devices/$nic/driver" ] && echo "$nic" > "/sys/bus/pci/devices/$nic/driver/unbind"
    echo vfio-pci > "/sys/bus/pci/devices/$nic/driver_override"
    echo "$nic" > /sys/bus/pci/drivers_probe
fi
mtty_types=$(ls -d /sys/class/mdev_bus/*/mdev_supported_types/mtty-1 2>/dev/null | head -n 1)
{
    echo "nic=$nic"
    echo "nic_driver=$(basename "$(readlink "/sys/bus/pci/devices/$nic/driver" 2>/dev/null)")"
    echo "mtty=${mtty_types:+yes}"
    echo "dev_iommu=$([ -c /dev/iommu ] && echo yes || echo no)"
    echo "vfio_devices=$(ls /dev/vfio/devices 2>/dev/null | tr '\n' ' ')"
    echo "lsmod=$(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
} > "$run/l1.facts"

# QEMU 10.0 lives in the cache: name it in [qemu] trusted, as an operator
# with a QEMU outside /usr/bin would (dirtytrack runs only trusted QEMUs).
# QEMU under TCG inside a TCG guest starts in seconds, not milliseconds: the
# probe gets the time such a host needs (a probe that runs out would leave
# the version unknown and dirtytrack judging by the oldest rules).
cat > /tmp/dirtytrack.conf <<CONF
[qemu]
trusted = $TRUTH_CACHE/root/usr/bin/qemu-system-x86_64
probe-timeout-ms = 60000
CONF
export DIRTYTRACK_DATADIR="$src/data" DIRTYTRACK_CONFIG=/tmp/dirtytrack.conf \
       DIRTYTRACK_CACHE_DIR=/tmp DIRTYTRACK_VIA_DAEMON=no
# The host as the probe sees it (/dev/iommu, vfio cdevs, the devices).
"$TRUTH_BUILD/plugin/dirtytrack-probe" --ioctl --format json > "$run/probe.json" 2> "$run/probe.stderr"

mdev_create() {
    echo "$1" > "$mtty_types/create"
}
mdev_remove() {
    [ -e "/sys/bus/mdev/devices/$1/remove" ] && echo 1 > "/sys/bus/mdev/devices/$1/remove"
}

# ---- one case ------------------------------------------------------------
run_case() {
    id=$1 qv=$2 devs=$3 em=$4 ddt=$5 pre=$6 be=$7 viommu=$8
    d=$out/$id
    mkdir -p "$d"
    t0=$(date +%s)
    if [ "$qv" = 7.2 ]; then
        qemu=/usr/bin/qemu-system-x86_64
        qenv=
        qextra=
        emprop=x-enable-migration
    else
        qemu=$TRUTH_CACHE/root/usr/bin/qemu-system-x86_64
        qenv="QEMU_MODULE_DIR=$TRUTH_CACHE/root/usr/lib/x86_64-linux-gnu/qemu"
        # Its data files, then the system's (SeaBIOS); the two trace
        # events name the dirty tracking QEMU started (hw/vfio/trace-events,
        # backends/trace-events).
        qextra="-L $TRUTH_CACHE/root/usr/share/qemu -trace vfio_device_dirty_tracking_start
                -trace iommufd_backend_set_dirty"
        emprop=enable-migration
    fi
    # The devices: libvirt's hostdev element and QEMU's -device for each.
    hostdevs= overrides= args= uuids= n=0
    for dev in $(echo "$devs" | sed 's/mtty2/mtty+mtty/; s/+/ /g'); do
        props=
        [ "$em" != auto ] && props="$props $emprop=$em"
        [ "$ddt" = off ] && props="$props x-device-dirty-page-tracking=off"
        [ "$pre" = off ] && props="$props x-pre-copy-dirty-page-tracking=off"
        [ "$be" = iommufd ] && props="$props iommufd=iommufd0"
        alias=ua-hostdev$n
        if [ "$dev" = mtty ]; then
            u=$(cat /proc/sys/kernel/random/uuid)
            uuids="$uuids $u"
            hostdevs="$hostdevs
    <hostdev mode='subsystem' type='mdev' managed='no' model='vfio-pci'>
      <source><address uuid='$u'/></source>
      <alias name='$alias'/>
    </hostdev>"
            arg="vfio-pci,sysfsdev=/sys/bus/mdev/devices/$u,id=$alias"
        else
            hostdevs="$hostdevs
    <hostdev mode='subsystem' type='pci' managed='no'>
      <driver name='vfio'/>
      <source><address domain='0x0000' bus='0x00' slot='0x03' function='0x0'/></source>
      <alias name='$alias'/>
    </hostdev>"
            arg="vfio-pci,host=$nic,id=$alias"
        fi
        if [ -n "$props" ]; then
            overrides="$overrides
    <qemu:device alias='$alias'><qemu:frontend>"
            for p in $props; do
                overrides="$overrides
      <qemu:property name='${p%%=*}' type='string' value='${p#*=}'/>"
                arg="$arg,$p"
            done
            overrides="$overrides
    </qemu:frontend></qemu:device>"
        fi
        args="$args -device $arg"
        n=$((n + 1))
    done
    iommu= cmdline= pre_args=
    case $viommu in
    cm-on)  iommu="<iommu model='intel'><driver caching_mode='on'/></iommu>"
            pre_args="-device intel-iommu,caching-mode=on" ;;
    cm-off) iommu="<iommu model='intel'><driver caching_mode='off'/></iommu>"
            pre_args="-device intel-iommu,caching-mode=off" ;;
    esac
    if [ "$be" = iommufd ]; then
        cmdline="<qemu:commandline><qemu:arg value='-object'/><qemu:arg value='iommufd,id=iommufd0'/></qemu:commandline>"
        pre_args="$pre_args -object iommufd,id=iommufd0"
    fi
    cat > "$d/domain.xml" <<XML
<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>$id</name>
  <memory unit='KiB'>131072</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <emulator>$qemu</emulator>$hostdevs
    $iommu
  </devices>
  $cmdline
  <qemu:override>$overrides
  </qemu:override>
</domain>
XML
    for u in $uuids; do mdev_create "$u" || log "$id: cannot create mdev $u"; done
    for v in plain probe-ioctl preflight; do
        opt=
        [ "$v" != plain ] && opt=--$v
        # shellcheck disable=SC2086
        env $qenv timeout 120 "$TRUTH_BUILD/plugin/dirtytrack" check --format json $opt "$d/domain.xml" \
            > "$d/dt-$v.json" 2> "$d/dt-$v.stderr"
        echo $? > "$d/dt-$v.rc"
    done
    # Fresh mdevs for QEMU: the pre-flight may have touched them.
    for u in $uuids; do mdev_remove "$u"; mdev_create "$u"; done
    echo "$qemu $pre_args $args" > "$d/qemu.cmdline"
    # shellcheck disable=SC2086
    env $qenv timeout 200 /bin/busybox sh "$src/tests/truth-lane/l1-qemu.sh" "$d" "$qemu" \
        $qextra $pre_args $args || echo "timeout=yes" >> "$d/qemu.result"
    for u in $uuids; do mdev_remove "$u"; done
    log "$id: $(($(date +%s) - t0)) s"
}

while read -r line; do
    case $line in ''|'#'*) continue ;; esac
    # shellcheck disable=SC2086
    run_case $line
done < "$run/cases"
log "all cases done"

# The virsh migrate scenarios, in this boot after the matrix, in a mount
# namespace of their own (libvirt 11 and QEMU 10 bound over the system's).
if [ -n "${TRUTH_LIBVIRT:-}" ] && [ -n "$mtty_types" ]; then
    unshare -m --propagation private /bin/busybox sh "$src/tests/truth-lane/l1-libvirt.sh" \
        "$run" "$src" "$mtty_types" > "$run/l1-libvirt.out" 2>&1
    log "libvirt scenarios: exit $?"
fi
