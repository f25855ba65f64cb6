#!/bin/sh
# cli-mdev.sh: an mdev (the mtty sample of Linux 6.12) is judged from what
# its kernel says, as the truth lane's real QEMU 10.0 found:
#   - with IOMMUFD_DRIVER (host mtty-iommufd) mtty offers migration v2
#     STOP_COPY|P2P|PRE_COPY and DMA logging: QEMU migrates it with device
#     DMA logging, so `check --probe-ioctl` says mode device, allow;
#   - on Debian's 6.12 as shipped (host mtty: no IOMMUFD, no iova_bitmap)
#     DMA logging starts but every DMA_LOGGING_REPORT fails with
#     EOPNOTSUPP, QEMU raises no blocker and the migration fails at setup
#     ("Failed to get DMA logging report ... Operation not supported"), so
#     `check --preflight` must deny and say why.
# The kernel is tests/vfiomock.c (LD_PRELOAD) answering as the fixture's
# mock/devices.conf says; sysfs is the fixture (tests/data/hosts/mkhosts.sh).
. "$(dirname "$0")/tap.sh"
tap_tmpdir

tap_vfiomock
UUID=c2177883-f1bb-47f0-914d-32a22e3a8804
export DIRTYTRACK_MOCK_LOG="$TAP_TMP/mock.log"

use_host() {
    rm -rf "$TAP_TMP/host"
    cp -a "$HOSTS/$1" "$TAP_TMP/host"
    chmod -R u+w "$TAP_TMP/host"
    DIRTYTRACK_SYSROOT="$TAP_TMP/host"
    export DIRTYTRACK_SYSROOT
}
run() {
    : > "$DIRTYTRACK_MOCK_LOG"
    LD_PRELOAD="$MOCK" "$DT" check --qemu-version 10.0.2 --libvirt-version 11.3.0 --format json \
        "$@" "$DOMAINS/mdev.xml" > "$TAP_TMP/out.json" 2> "$TAP_TMP/err"
    echo $?
}
has() { grep -q -- "$1" "$TAP_TMP/out.json"; }
logged() { grep -q -- "$1" "$DIRTYTRACK_MOCK_LOG"; }
diag() { tap_diag "$(grep -E '"(verdict|mode|code|source)"' "$TAP_TMP/out.json" | head -20)" \
    "$(cat "$TAP_TMP/err")" "$(cat "$DIRTYTRACK_MOCK_LOG")"; }
check() {   # check DESCRIPTION CONDITION...
    desc=$1; shift
    if "$@"; then tap_ok "$desc"; else tap_fail "$desc"; diag; fi
}

# ---- kernel with IOMMUFD_DRIVER -----------------------------------------
use_host mtty-iommufd

rc=$(run)
check "sysfs only: the mdev is not opened" eval '! logged device-open'
check "sysfs only: not observed, so mode unknown and a warning (exit $rc)" \
    eval '[ "$rc" = 1 ] && has "^  \"mode\" : \"unknown\"" && has "\"fact-not-observed\""'

rc=$(run --probe-ioctl)
check "--probe-ioctl: opened through its cdev (VFIO_DEVICE_CDEV, /dev/iommu)" \
    logged "device-open $UUID cdev"
check "--probe-ioctl: migration flags from the kernel (stop-copy, p2p, pre-copy)" \
    eval 'has "\"source\" : \"ioctl\"" && has "\"p2p\"" && has "\"pre-copy\"" && has "\"stop_copy_bytes\" : 60"'
check "--probe-ioctl: sysfs named the type and the vendor driver (mtty-1, mtty)" \
    has "mediated device (mtty-1, vendor driver mtty)"
check "--probe-ioctl: a one-page DMA_LOGGING_REPORT works here" \
    logged "dma-logging-report $UUID ok iova=0x0 length=0x1000"
check "--probe-ioctl: mode device, allow (exit $rc)" \
    eval '[ "$rc" = 0 ] && has "^  \"mode\" : \"device\"" && has "^  \"verdict\" : \"allow\""'

rc=$(run --preflight)
check "--preflight: START with the VM's ranges, a REPORT over the first, STOP" \
    eval 'logged "dma-logging-start $UUID ok ranges=3" && logged "dma-logging-report $UUID ok iova=0x0 length=0x4000000" && logged "dma-logging-stop $UUID"'
check "--preflight: allow, mode device (exit $rc)" \
    eval '[ "$rc" = 0 ] && has "^  \"mode\" : \"device\""'

# An mdev its VM holds is never opened, even with --probe-ioctl.
mkdir -p "$DIRTYTRACK_SYSROOT/proc/4242/fd"
ln -s /dev/vfio/60 "$DIRTYTRACK_SYSROOT/proc/4242/fd/23"
echo qemu-system-x86 > "$DIRTYTRACK_SYSROOT/proc/4242/comm"
rc=$(run --probe-ioctl)
check "a held mdev is not opened (exit $rc)" eval '! logged "open /dev/vfio/60" && ! logged device-open'
check "a held mdev stays not observed: unknown, warn" eval '[ "$rc" = 1 ] && has "\"fact-not-observed\""'

# ---- Debian's 6.12: no IOMMUFD_DRIVER -------------------------------------
use_host mtty

rc=$(run --probe-ioctl --preflight)
check "--preflight: the REPORT is refused with EOPNOTSUPP" \
    logged "dma-logging-report $UUID EOPNOTSUPP"
check "--preflight: tracking stopped after the refusal" logged "dma-logging-stop $UUID"
check "--preflight: deny with the report reason (exit $rc)" \
    eval '[ "$rc" = 2 ] && has "^  \"verdict\" : \"deny\"" && has "\"dma-logging-report-unsupported\""'
check "--preflight: the reason names the kernel's missing piece" has "CONFIG_IOMMUFD_DRIVER"
check "--preflight: opened through its group (no cdev without IOMMUFD)" \
    logged "device-open $UUID group"

rc=$(run --probe-ioctl)
check "--probe-ioctl alone: the one-page REPORT already shows it: deny (exit $rc)" \
    eval '[ "$rc" = 2 ] && has "\"dma-logging-report-unsupported\""'

# Nothing shows the kernel's pieces (no symbol table): not observed, so not
# a deny without a probe, and the warning says what to probe.
rm -f "$DIRTYTRACK_SYSROOT/proc/kallsyms"
rc=$(run)
check "no probe, no symbol table: warn, not deny (exit $rc)" \
    eval '[ "$rc" = 1 ] && ! has "\"dma-logging-report-unsupported\""'
tap_done
