# harness.sh: private libvirtd instances for the hook tests (sourced).
#
# Each instance runs as root in its own mount and UTS namespaces
# (`unshare -m -u`) with its own /etc/libvirt (configs and the hooks
# directory holding only our hook), a tmpfs over /run/libvirt, its own
# /var/lib, /var/log and /var/cache/libvirt, its own unix_sock_dir,
# host_uuid, hostname and --pid-file, and stdio_handler = "file" so no
# virtlogd is needed.  The system's libvirtd (if any) is never touched:
# clients reach an instance only through its private socket.
#
# Functions:
#   lv_skip_reason            prints why these tests cannot run here, if so
#   lv_prepare_guest DIR      kernel + initramfs for a TCG guest
#   lv_start N ENV...         start instance N; ENV (VAR=VALUE) is baked
#                             into its hook wrapper, since libvirt passes
#                             the hook only LC_ALL, PATH, HOME and a few more
#   lv_uri N                  the instance's connection URI
#   lv_stop N                 destroy its guests, stop it (by pid)
#   lv_stop_all               for the EXIT trap
#   lv_domain_xml NAME EXTRA  a TCG direct-kernel-boot domain
#   lv_fake_mdev_setup UUID   shell text for LV_NS_SETUP: a fake mdev in
#                             the instance's view of /sys/bus
#   lv_emulator_without_vfio DIR  a QEMU wrapper dropping vfio-pci devices
# Variables: LV_T (scratch dir, set by the caller), HOOK (the hook binary);
# LV_LIBVIRT_ROOT (optional): an unpacked bookworm-backports tree whose
# libvirt 11.3 and QEMU 10.0 each instance runs instead of the system's,
# bound over them in its mount namespace (tests/libvirt/backports.sh);
# per lv_start call: LV_NO_HOOK=1 installs no hook, LV_NS_SETUP is shell
# run inside the namespaces before libvirtd starts.

. "$top_srcdir/tests/libvirt/qemu-conf.sh"

LV_INSTANCES=""

lv_skip_reason() {
    [ "$(id -u)" = 0 ] || { echo "needs root (private libvirtd in namespaces)"; return; }
    command -v libvirtd >/dev/null || [ -x /usr/sbin/libvirtd ] || { echo "libvirtd not installed (libvirt-daemon-system)"; return; }
    command -v virsh >/dev/null || { echo "virsh not installed (libvirt-clients)"; return; }
    command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 not installed (qemu-system-x86)"; return; }
    command -v unshare >/dev/null || { echo "unshare not installed (util-linux)"; return; }
    command -v busybox >/dev/null || { echo "busybox not installed (busybox-static)"; return; }
    command -v cpio >/dev/null || { echo "cpio not installed"; return; }
    ls /boot/vmlinuz-* >/dev/null 2>&1 || { echo "no kernel in /boot (linux-image-amd64)"; return; }
    unshare -m -u true 2>/dev/null || { echo "cannot create mount/UTS namespaces here"; return; }
}

lv_prepare_guest() {
    LV_KERNEL=$(ls /boot/vmlinuz-* | sort -V | tail -n 1)
    LV_INITRD="$1/initramfs.gz"
    sh "$top_srcdir/tests/libvirt/make-initramfs.sh" "$LV_INITRD"
}

lv_dir() { echo "$LV_T/lv$1"; }
lv_uri() { echo "qemu:///system?socket=$(lv_dir "$1")/sock/libvirt-sock"; }
lv_virsh() { n=$1; shift; virsh -q -c "$(lv_uri "$n")" "$@"; }

lv_start() {
    n=$1
    shift
    d=$(lv_dir "$n")
    mkdir -p "$d/etc/hooks/qemu.d" "$d/lib" "$d/log" "$d/cache" "$d/sock"
    cat >"$d/etc/libvirtd.conf" <<EOF
unix_sock_dir = "$d/sock"
unix_sock_group = "root"
unix_sock_rw_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
listen_tls = 0
listen_tcp = 0
host_uuid = "6a1f0c9e-5d3b-4c2a-9e7f-00000000000$n"
log_outputs = "3:file:$d/libvirtd.log"
EOF
    lv_port_block
    lv_qemu_conf "$d/etc/qemu.conf" $((LV_PORT_BASE + (n - 1) * 100))
    # The hook wrapper restores the test knobs libvirt does not pass, logs
    # each call with its exit status, and runs the real binary.
    {
        echo '#!/bin/sh'
        for kv in "$@" "DIRTYTRACK_LOG_SOCKET=$DIRTYTRACK_LOG_SOCKET" \
                "DIRTYTRACK_RUNTIME_DIR=$DIRTYTRACK_RUNTIME_DIR"; do
            printf 'export %s\n' "$(printf '%s' "$kv" | sed "s/=\(.*\)/='\1'/")"
        done
        sed -e "s|@HOOK@|$HOOK|" -e "s|@LOG@|$d/hook.log|" "$top_srcdir/tests/libvirt/hook-wrapper.sh"
    } >"$d/hook-wrapper"
    chmod 755 "$d/hook-wrapper"
    if [ -z "${LV_NO_HOOK:-}" ]; then
        cp "$d/hook-wrapper" "$d/etc/hooks/qemu.d/50-dirtytrack"
    fi
    : >"$d/hook.log"
    mkdir -p /run/libvirt
    bind=true
    if [ -n "${LV_LIBVIRT_ROOT:-}" ]; then
        bind=". '$top_srcdir/tests/libvirt/backports.sh' && lv_bind_backports '$LV_LIBVIRT_ROOT'"
    fi

    unshare -m -u --propagation private sh -c "
        hostname dirtytrack-lv$n &&
        mount --bind '$d/etc' /etc/libvirt &&
        mount -t tmpfs -o mode=0755 tmpfs /run/libvirt &&
        mount --bind '$d/lib' /var/lib/libvirt &&
        mount --bind '$d/log' /var/log/libvirt &&
        mount --bind '$d/cache' /var/cache/libvirt &&
        $bind &&
        ${LV_NS_SETUP:-true} &&
        exec libvirtd -f /etc/libvirt/libvirtd.conf --pid-file '$d/libvirtd.pid'
    " >"$d/stdout" 2>&1 &
    echo $! >"$d/pid"
    LV_INSTANCES="$LV_INSTANCES $n"
    i=0
    while [ $i -lt 300 ]; do
        if [ -S "$d/sock/libvirt-sock" ] && lv_virsh "$n" version >/dev/null 2>&1; then
            return 0
        fi
        kill -0 "$(cat "$d/pid")" 2>/dev/null || break
        sleep 0.1
        i=$((i + 1))
    done
    echo "# libvirtd $n did not come up:" >&2
    sed 's/^/#   /' "$d/stdout" "$d/libvirtd.log" 2>/dev/null | tail -20 >&2
    return 1
}

# QEMU processes outlive libvirtd; ours are the ones whose command line
# names this run's scratch directory (the initramfs lives there).
lv_qemu_pids() {
    for p in /proc/[0-9]*; do
        if { tr "\\0" " " <"$p/cmdline"; } 2>/dev/null | grep -q "qemu-system.*$LV_T/"; then
            echo "${p#/proc/}"
        fi
    done
}

lv_stop() {
    n=$1
    d=$(lv_dir "$n")
    [ -f "$d/pid" ] || return 0
    for dom in $(lv_virsh "$n" list --name 2>/dev/null); do
        lv_virsh "$n" destroy "$dom" >/dev/null 2>&1
    done
    pid=$(cat "$d/pid")
    kill "$pid" 2>/dev/null
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rm -f "$d/pid"
}

lv_stop_all() {
    for n in $LV_INSTANCES; do lv_stop "$n"; done
    for p in $(lv_qemu_pids); do kill -9 "$p" 2>/dev/null; done
    [ -z "${LV_PORT_DIR:-}" ] || rm -rf "$LV_PORT_DIR"
}

# lv_port_block: 200 incoming-migration ports for this test's two
# instances, claimed for the test's lifetime, so that tests running side by
# side (make -j, the libvirt 11 runs) never offer QEMU the same port: libvirt
# only checks that a port is free before QEMU binds it.  A claim whose test
# has gone is taken over.  Sets LV_PORT_BASE.
lv_port_block() {
    [ -z "${LV_PORT_BASE:-}" ] || return 0
    _b=0
    while [ $_b -lt 50 ]; do
        _d=${TMPDIR:-/tmp}/dirtytrack-lv-ports.$_b
        if mkdir "$_d" 2>/dev/null; then
            echo $$ >"$_d/pid"
            LV_PORT_DIR=$_d
            LV_PORT_BASE=$((40000 + _b * 200))
            return 0
        fi
        _p=$(cat "$_d/pid" 2>/dev/null)
        if [ -n "$_p" ] && ! kill -0 "$_p" 2>/dev/null; then
            rm -rf "$_d"
            continue
        fi
        _b=$((_b + 1))
    done
    LV_PORT_BASE=49152
}

# lv_domain_xml NAME [EXTRA-TOP-LEVEL-XML]: 128 MiB TCG guest booting the
# host's kernel with our initramfs; no disk, no network, no display.
lv_domain_xml() {
    cat <<EOF
<domain type='qemu'>
  <name>$1</name>
  $2
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$LV_KERNEL</kernel>
    <initrd>$LV_INITRD</initrd>
    <cmdline>console=ttyS0 quiet panic=-1</cmdline>
  </os>
  <on_reboot>destroy</on_reboot>
  <devices>
    <emulator>${LV_EMULATOR:-$(command -v qemu-system-x86_64)}</emulator>
    <serial type='file'><source path='$LV_T/console-$1.log'/></serial>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
}

# The source of the refused migration needs a domain that really carries
# a VFIO hostdev, on a machine without one: a mediated device is the one
# libvirt accepts from sysfs facts alone (the device directory, its
# mdev_type/device_api and its iommu_group link) plus the two signs of
# VFIO support it looks for (an entry in /sys/kernel/iommu_groups and
# /dev/vfio/vfio).  /sys/bus and /dev get a tmpfs in the instance's mount
# namespace with the real entries bound or copied back, so nothing is
# created on the host itself.
lv_fake_mdev_setup() {
    cat <<EOF
mkdir -p '$LV_T/sysbus' &&
mount --bind /sys/bus '$LV_T/sysbus' &&
mount -t tmpfs -o mode=0755 tmpfs /sys/bus &&
for b in '$LV_T'/sysbus/*; do mkdir "/sys/bus/\${b##*/}" && mount --rbind "\$b" "/sys/bus/\${b##*/}" || exit 1; done &&
mkdir -p /sys/bus/mdev/devices/$1/mdev_type &&
echo vfio-pci >/sys/bus/mdev/devices/$1/mdev_type/device_api &&
ln -s ../../../../kernel/iommu_groups/4242 /sys/bus/mdev/devices/$1/iommu_group &&
mount -t tmpfs -o mode=0755 tmpfs /sys/kernel/iommu_groups &&
mkdir /sys/kernel/iommu_groups/4242 &&
mkdir -p '$LV_T/devorig' &&
mount --rbind /dev '$LV_T/devorig' &&
mount -t tmpfs -o mode=0755 tmpfs /dev &&
for e in '$LV_T'/devorig/*; do n="\${e##*/}"; if [ -d "\$e" ] && [ ! -L "\$e" ]; then mkdir "/dev/\$n" && mount --rbind "\$e" "/dev/\$n"; else cp -a "\$e" "/dev/\$n"; fi || exit 1; done &&
mkdir /dev/vfio && : >/dev/vfio/vfio
EOF
}

# QEMU cannot open a device that does not exist, so the fake mdev's
# -device vfio-pci is dropped from the command line.  Everything else is
# the real QEMU binary.
lv_emulator_without_vfio() {
    cat >"$1/qemu-without-vfio" <<EOF
#!/bin/bash
args=()
while [ \$# -gt 0 ]; do
    if [ "\$1" = -device ] && [[ "\$2" == *vfio-pci* ]]; then
        shift 2
        continue
    fi
    args+=("\$1")
    shift
done
exec $(command -v qemu-system-x86_64) "\${args[@]}"
EOF
    chmod 755 "$1/qemu-without-vfio"
    echo "$1/qemu-without-vfio"
}
