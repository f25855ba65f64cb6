#!/bin/sh
# kernel-lane.sh: the real-kernel lane.  Debian's own kernel boots under
# qemu-system-x86_64 (TCG: no KVM needed) on q35 with an emulated IOMMU and
# an emulated PCI device; inside, the device is bound to vfio-pci and
# dirtytrack-probe --ioctl and dirtytrack host run against real sysfs and
# real VFIO ioctls.  The comparison happens here, on the host, against what
# that kernel exposes in the same boot: the probe must report the real
# VT-d ECAP, the vfio-pci binding, no migration (ENOTTY from a plain
# vfio-pci device) and type1's CAP_MIGRATION as the kernel fills it.
#
# The initramfs is built at test time: busybox-static, the two binaries
# with the shared libraries ldd names, and the VFIO modules with their
# modules.dep dependencies (decompressed when shipped as .ko.xz/.ko.zst).
# Without qemu, a kernel image or busybox-static every check is skipped.
#
# Environment: QEMU_SYSTEM_X86_64, DIRTYTRACK_LANE_KERNEL (a vmlinuz),
# DIRTYTRACK_LANE_TIMEOUT (seconds per boot, default 90),
# DIRTYTRACK_LANE_KEEP=1 keeps the scratch directory.

. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/tap.sh"

LANE_CHECKS_INTEL=8
LANE_CHECKS_AMD=3
TIMEOUT=${DIRTYTRACK_LANE_TIMEOUT:-90}

skip_all() {
    i=0
    while [ $i -lt $((LANE_CHECKS_INTEL + LANE_CHECKS_AMD)) ]; do
        tap_skip "$1"
        i=$((i + 1))
    done
    tap_done
    exit $?
}

QEMU=${QEMU_SYSTEM_X86_64:-$(command -v qemu-system-x86_64 2>/dev/null)}
[ -n "$QEMU" ] && [ -x "$QEMU" ] || skip_all "qemu-system-x86_64 is not installed"

KERNEL=${DIRTYTRACK_LANE_KERNEL:-}
if [ -z "$KERNEL" ]; then
    for k in /boot/vmlinuz-*; do
        [ -r "$k" ] && KERNEL=$k
    done
fi
[ -n "$KERNEL" ] && [ -r "$KERNEL" ] || skip_all "no readable kernel image (install linux-image-amd64)"
KREL=${KERNEL##*/vmlinuz-}
MODDIR=/lib/modules/$KREL
[ -r "$MODDIR/modules.dep" ] || skip_all "no $MODDIR/modules.dep for $KERNEL"

BUSYBOX=
for b in /bin/busybox /usr/bin/busybox; do
    if [ -x "$b" ] && ! ldd "$b" >/dev/null 2>&1; then
        BUSYBOX=$b
        break
    fi
done
[ -n "$BUSYBOX" ] || skip_all "busybox-static is not installed"
command -v cpio >/dev/null 2>&1 || skip_all "cpio is not installed"

PROBE="$top_builddir/plugin/dirtytrack-probe"
CLI="$top_builddir/plugin/dirtytrack"
[ -x "$PROBE" ] && [ -x "$CLI" ] || skip_all "binaries not built"

tap_tmpdir
[ -n "${DIRTYTRACK_LANE_KEEP:-}" ] && trap - EXIT && tap_diag "scratch: $TAP_TMP"
ROOTFS=$TAP_TMP/rootfs
mkdir -p "$ROOTFS/bin" "$ROOTFS/usr/bin" "$ROOTFS/proc" "$ROOTFS/sys" "$ROOTFS/dev" \
         "$ROOTFS/etc" "$ROOTFS/tmp" "$ROOTFS/lib/modules/$KREL" "$ROOTFS/usr/share/dirtytrack"
cp "$BUSYBOX" "$ROOTFS/bin/busybox"
ln -s busybox "$ROOTFS/bin/sh"
cp "$top_srcdir/tests/kernel-lane/init" "$ROOTFS/init"
chmod 755 "$ROOTFS/init"

# Binaries and every shared object they load (the dynamic loader included).
# A libtool wrapper script would not run in the guest: take the real ELF.
copy_elf() {
    src=$1
    [ -x "$(dirname "$src")/.libs/$(basename "$src")" ] && src="$(dirname "$src")/.libs/$(basename "$src")"
    cp "$src" "$ROOTFS/usr/bin/$(basename "$1")"
    ldd "$src" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p' |
    while read -r lib; do
        [ -e "$ROOTFS$lib" ] && continue
        mkdir -p "$ROOTFS$(dirname "$lib")"
        cp -L "$lib" "$ROOTFS$lib"
    done
}
copy_elf "$PROBE"
copy_elf "$CLI"
cp -r "$top_srcdir/data/." "$ROOTFS/usr/share/dirtytrack/"
cp "$MODDIR/modules.alias" "$ROOTFS/lib/modules/$KREL/" 2>/dev/null

# Modules in dependency order (deepest first), decompressed into the
# initramfs (tests/kernel-lane/modules.sh, shared with the truth lane).
LANE_ORDER=$TAP_TMP/order
: > "$LANE_ORDER"
. "$top_srcdir/tests/kernel-lane/modules.sh"
for m in vfio vfio_iommu_type1 vfio_pci_core vfio_pci iommufd; do
    lane_add_module "$m"
done
cp "$TAP_TMP/order" "$ROOTFS/etc/modules.order"

# The emulated "edu" device: QEMU's educational PCI device, 1234:11e8.
cat > "$ROOTFS/etc/lane.env" <<EOF
LANE_VENDOR=0x1234
LANE_DEVICE=0x11e8
DIRTYTRACK_DATADIR=/usr/share/dirtytrack
DIRTYTRACK_CONFIG=/nonexistent/dirtytrack.conf
DIRTYTRACK_CACHE_DIR=/tmp
LC_ALL=C
ASAN_OPTIONS=detect_leaks=0
export DIRTYTRACK_DATADIR DIRTYTRACK_CONFIG DIRTYTRACK_CACHE_DIR LC_ALL ASAN_OPTIONS
EOF

(cd "$ROOTFS" && find . | cpio -o -H newc 2>/dev/null | gzip -1) > "$TAP_TMP/initrd.gz" ||
    skip_all "cannot build the initramfs"

# boot NAME IOMMU-DEVICE CMDLINE-EXTRA: serial console to $TAP_TMP/NAME.log
boot() {
    name=$1
    iommu=$2
    extra=$3
    start=$(date +%s)
    timeout "$TIMEOUT" "$QEMU" -machine q35 -accel tcg -m 768 -smp 1 \
        -nographic -no-reboot -nodefaults -serial stdio -net none \
        -kernel "$KERNEL" -initrd "$TAP_TMP/initrd.gz" \
        -append "console=ttyS0 quiet panic=-1 $extra" \
        -device "$iommu" -device edu </dev/null > "$TAP_TMP/$name.log" 2>&1
    rc=$?
    tr -d '\r' < "$TAP_TMP/$name.log" > "$TAP_TMP/$name.txt"
    tap_diag "$name boot: qemu exit $rc after $(($(date +%s) - start)) s"
}

# between FILE BEGIN END: lines strictly between two markers
between() {
    sed -n "/^$2/,/^$3/p" "$1" | sed '1d;$d'
}

# json_member FILE BLOCK KEY: value of "KEY" inside the first "BLOCK" : {...}
json_member() {
    sed -n "/\"$2\" : {/,/}/p" "$1" | sed -n "s/^ *\"$3\" : \\(.*\\)\$/\\1/p" | head -n 1 |
        sed 's/,$//; s/^"//; s/"$//'
}

hex_norm() {
    echo "$1" | sed 's/^0x//; s/^0*//' | tr 'A-F' 'a-f'
}

# ---- Intel VT-d --------------------------------------------------------------
boot intel "intel-iommu,intremap=on,caching-mode=on" "intel_iommu=on"
LOG=$TAP_TMP/intel.txt
between "$LOG" "==PROBE-BEGIN==" "==PROBE-END==" > "$TAP_TMP/probe.json"
between "$LOG" "==HOST-BEGIN==" "==HOST-END==" > "$TAP_TMP/host.json"

if grep -q '^==LANE-DONE==' "$LOG"; then
    tap_ok "intel: the guest booted Debian's kernel $KREL and ran both probes"
else
    tap_fail "intel: the guest did not finish (see below)"
    tail -n 30 "$LOG" | tap_diag "$(cat)"
fi

DEV=$(sed -n 's/^==DEVICE== //p' "$LOG")
DRV=$(sed -n 's/^==DRIVER== //p' "$LOG")
if [ -n "$DEV" ] && [ "$DRV" = "vfio-pci" ] &&
   grep -q "\"address\" : \"$DEV\"" "$TAP_TMP/probe.json" &&
   grep -q '"driver" : "vfio-pci"' "$TAP_TMP/probe.json"; then
    tap_ok "intel: the edu device $DEV is bound to vfio-pci and the probe reports it so"
else
    tap_fail "intel: device '$DEV' driver '$DRV' not reported as vfio-pci"
fi

SYS_ECAP=$(sed -n 's/^==ECAP== dmar0 //p' "$LOG")
PROBE_ECAP=$(sed -n '/"name" : "dmar0"/,/}/p' "$TAP_TMP/probe.json" | sed -n 's/^ *"ecap" : "\(.*\)",*$/\1/p' | head -n 1)
if [ -n "$SYS_ECAP" ] && [ "$(hex_norm "$PROBE_ECAP")" = "$(hex_norm "$SYS_ECAP")" ]; then
    tap_ok "intel: the probe reports the real ECAP of dmar0 ($SYS_ECAP)"
else
    tap_fail "intel: ECAP: sysfs '$SYS_ECAP', probe '$PROBE_ECAP'"
fi

MIG=$(json_member "$TAP_TMP/probe.json" migration supported)
MIGSRC=$(json_member "$TAP_TMP/probe.json" migration source)
if [ "$MIG" = "false" ] && [ "$MIGSRC" = "ioctl" ]; then
    tap_ok "intel: no migration support, answered by the kernel (ENOTTY on VFIO_DEVICE_FEATURE)"
else
    tap_fail "intel: migration supported='$MIG' source='$MIGSRC' (want false from ioctl)"
fi

LOGSUP=$(json_member "$TAP_TMP/probe.json" dma_logging supported)
LOGSRC=$(json_member "$TAP_TMP/probe.json" dma_logging source)
if [ "$LOGSUP" = "false" ] && [ "$LOGSRC" = "ioctl" ]; then
    tap_ok "intel: no DMA logging, answered by the kernel"
else
    tap_fail "intel: dma_logging supported='$LOGSUP' source='$LOGSRC'"
fi

ACCESS=$(sed -n 's/^ *"access" : "\(.*\)",*$/\1/p' "$TAP_TMP/probe.json" | head -n 1)
CAPMIG=$(json_member "$TAP_TMP/probe.json" type1 cap_migration)
PGSZ=$(json_member "$TAP_TMP/probe.json" type1 pgsize_bitmap)
MAXBM=$(json_member "$TAP_TMP/probe.json" type1 max_dirty_bitmap_size)
if [ "$ACCESS" = "group" ] && [ "$CAPMIG" = "true" ] && [ "$PGSZ" = "4096" ] && [ "$MAXBM" = "268435456" ]; then
    tap_ok "intel: type1 CAP_MIGRATION as the kernel fills it (pgsize 4096, max bitmap 268435456)"
else
    tap_fail "intel: access '$ACCESS' CAP_MIGRATION '$CAPMIG' pgsize '$PGSZ' max bitmap '$MAXBM'"
fi

HOSTRC=$(sed -n 's/^==HOST-END== //p' "$LOG")
if grep -q "$DEV" "$TAP_TMP/host.json" && grep -q '"dmar0"' "$TAP_TMP/host.json" &&
   [ "${HOSTRC:-x}" != "x" ] && [ "$HOSTRC" -le 2 ]; then
    tap_ok "intel: dirtytrack host reports dmar0 and $DEV (exit $HOSTRC)"
else
    tap_fail "intel: dirtytrack host (exit '$HOSTRC') did not report dmar0 and '$DEV'"
    head -n 20 "$TAP_TMP/host.json" | tap_diag "$(cat)"
fi

PROBERC=$(sed -n 's/^==PROBE-END== //p' "$LOG")
if [ "$PROBERC" = "0" ] && ! grep -q '^==INSMOD-FAILED==' "$LOG"; then
    tap_ok "intel: modules loaded and dirtytrack-probe exited 0"
else
    tap_fail "intel: probe exit '$PROBERC'; $(grep '^==INSMOD-FAILED==' "$LOG" | tr '\n' ' ')"
fi

# ---- AMD-Vi ------------------------------------------------------------------
boot amd "amd-iommu,intremap=on" "amd_iommu=on"
LOG=$TAP_TMP/amd.txt
between "$LOG" "==PROBE-BEGIN==" "==PROBE-END==" > "$TAP_TMP/probe-amd.json"
if grep -q '^==LANE-DONE==' "$LOG"; then
    tap_ok "amd: the guest booted with the emulated AMD-Vi and ran both probes"
else
    tap_fail "amd: the guest did not finish"
    tail -n 30 "$LOG" | tap_diag "$(cat)"
fi
AMDUNIT=$(sed -n 's/^==AMD-FEATURES== \([^ ]*\) .*/\1/p' "$LOG" | head -n 1)
if [ -n "$AMDUNIT" ] && grep -q "\"name\" : \"$AMDUNIT\"" "$TAP_TMP/probe-amd.json" &&
   grep -q '"vendor" : "amd' "$TAP_TMP/probe-amd.json"; then
    tap_ok "amd: the probe reports the AMD-Vi unit $AMDUNIT the kernel registered"
else
    tap_fail "amd: AMD-Vi unit '$AMDUNIT' not reported"
fi
MIG=$(json_member "$TAP_TMP/probe-amd.json" migration supported)
MIGSRC=$(json_member "$TAP_TMP/probe-amd.json" migration source)
if [ "$MIG" = "false" ] && [ "$MIGSRC" = "ioctl" ]; then
    tap_ok "amd: vfio-pci device probed by ioctl behind AMD-Vi: no migration"
else
    tap_fail "amd: migration supported='$MIG' source='$MIGSRC'"
fi

tap_done
