#!/bin/sh
# cli-probe.sh: `dirtytrack check --probe-ioctl` asks the kernel and the
# kernel's answer wins over the driver database.  The kernel is faked at its
# boundary by tests/vfiomock.c (LD_PRELOAD): the product code is unchanged.
# The fake device is an mlx5 VF whose firmware lacks adv_virtualization, so
# it migrates but cannot log DMA: the database would say "device tracking",
# the kernel says otherwise, and the verdict must follow the kernel.
. "$(dirname "$0")/tap.sh"
tap_tmpdir

tap_vfiomock
ROOT="$TAP_TMP/host"
cp -a "$HOSTS/intel-dirty" "$ROOT"
chmod -R u+w "$ROOT"
mkdir -p "$ROOT/mock"
cat > "$ROOT/mock/devices.conf" <<X
[container]
cap-migration=true
pgsize-bitmap=4096
max-dirty-bitmap-size=268435456

[0000:3b:00.1]
group=41
cdev=vfio0
migration=stop-copy;p2p
dma-logging=false
stop-copy-bytes=33554432
iommu-dirty=true
hw-info-type=intel-vtd
X
export DIRTYTRACK_SYSROOT="$ROOT"
export DIRTYTRACK_MOCK_LOG="$TAP_TMP/mock.log"
run() {
    : > "$DIRTYTRACK_MOCK_LOG"
    LD_PRELOAD="$MOCK" "$DT" check --qemu-version 9.1.0 --libvirt-version 10.0.0 --format json \
        "$@" "$DOMAINS/mlx5-vf.xml" > "$TAP_TMP/out.json" 2> "$TAP_TMP/err"
    echo $?
}
has() { grep -q "$1" "$TAP_TMP/out.json"; }

rc=$(run)
if [ "$rc" = 0 ] && has '"mode" : "device"' && has '"source" : "database"'; then
    tap_ok "without --probe-ioctl: database facts, device tracking (exit $rc)"
else
    tap_fail "without --probe-ioctl (exit $rc)"; tap_diag "$(cat "$TAP_TMP/err")"
fi
if grep -q 'device-open' "$DIRTYTRACK_MOCK_LOG"; then
    tap_fail "without --probe-ioctl no device is opened (reset)"
else
    tap_ok "without --probe-ioctl no device is opened (reset)"
fi

rc=$(run --probe-ioctl)
if has '"source" : "ioctl"'; then
    tap_ok "--probe-ioctl: facts come from the kernel"
else
    tap_fail "--probe-ioctl: facts come from the kernel"; tap_diag "$(head -c 1500 "$TAP_TMP/out.json")" "$(cat "$TAP_TMP/err")"
fi
if has '"stop_copy_bytes" : 33554432'; then
    tap_ok "--probe-ioctl: MIG_DATA_SIZE read from the kernel (32 MiB)"
else
    tap_fail "--probe-ioctl: MIG_DATA_SIZE read from the kernel"
fi
if ! has '"mode" : "device"' && [ "$rc" = 2 ] && has '"no-dirty-tracking"'; then
    tap_ok "--probe-ioctl: no DMA logging in the kernel, so no device tracking: deny (exit $rc)"
else
    tap_fail "--probe-ioctl: verdict follows the kernel (exit $rc)"
    tap_diag "$(grep -E '"(mode|verdict|code)"' "$TAP_TMP/out.json")"
fi
if grep -q 'device-open\|open' "$DIRTYTRACK_MOCK_LOG"; then
    tap_ok "--probe-ioctl opened the idle device"
else
    tap_fail "--probe-ioctl opened the idle device"; tap_diag "$(cat "$DIRTYTRACK_MOCK_LOG")"
fi

# A device QEMU holds is never opened, even with --probe-ioctl.
mkdir -p "$ROOT/proc/4242/fd"
ln -s /dev/vfio/41 "$ROOT/proc/4242/fd/23"
echo qemu-system-x86 > "$ROOT/proc/4242/comm"
rc=$(run --probe-ioctl)
if grep -q '0000:3b:00.1' "$DIRTYTRACK_MOCK_LOG" && grep -q 'open' "$DIRTYTRACK_MOCK_LOG"; then
    tap_fail "a device held by QEMU is not opened"; tap_diag "$(cat "$DIRTYTRACK_MOCK_LOG")"
else
    tap_ok "a device held by QEMU is not opened (exit $rc)"
fi
if has '"source" : "database"' && has '"mode" : "device"'; then
    tap_ok "a held device falls back to the database"
else
    tap_fail "a held device falls back to the database"
fi

# The pre-flight dry run (destination): DMA_LOGGING_START with the ranges
# QEMU will use for this domain.  The device logs DMA here.
rm -f "$ROOT/proc/4242/fd/23"
preflight() {
    desc=$1; conf=$2; want_rc=$3; want=$4
    printf '[0000:3b:00.1]\ngroup=41\ncdev=vfio0\nmigration=stop-copy;p2p;pre-copy\ndma-logging=true\n%s\n' \
        "$conf" > "$ROOT/mock/devices.conf"
    rc=$(run --role destination --probe-ioctl --preflight)
    if [ "$rc" = "$want_rc" ] && has "$want"; then
        tap_ok "pre-flight: $desc (exit $rc)"
    else
        tap_fail "pre-flight: $desc (exit $rc)"
        tap_diag "$(grep -E '"(code|message)"' "$TAP_TMP/out.json")" "$(cat "$TAP_TMP/err")"
    fi
}
preflight "a device that accepts the ranges passes" "max-ranges=256" 0 '"mode" : "device"'
preflight "too many ranges (E2BIG) denies, naming the limit" "max-ranges=2" 2 '"preflight-failed"'
grep -q 'E2BIG\|ranges' "$TAP_TMP/out.json" && tap_ok "pre-flight E2BIG message names the limit" \
    || tap_fail "pre-flight E2BIG message names the limit"
preflight "address space beyond the device (EOPNOTSUPP) denies" "addr-space-max-log2=30" 2 '"preflight-failed"'
grep -q '0000:3b:00.1' "$TAP_TMP/out.json" && tap_ok "pre-flight refusal names the device" \
    || tap_fail "pre-flight refusal names the device"
# Linux 6.7+ without CONFIG_IOMMUFD_DRIVER: START works, every REPORT fails
# with EOPNOTSUPP, and QEMU's migration fails at setup.
# On the source that is a deny (at the destination a warning: the source's
# setup fails).
printf '[0000:3b:00.1]\ngroup=41\ncdev=vfio0\nmigration=stop-copy;p2p;pre-copy\ndma-logging=true\n%s\n' \
    "report-errno=EOPNOTSUPP" > "$ROOT/mock/devices.conf"
rc=$(run --probe-ioctl --preflight)
if [ "$rc" = 2 ] && has '"dma-logging-report-unsupported"' && has 'CONFIG_IOMMUFD_DRIVER' \
    && grep -q 'dma-logging-report 0000:3b:00.1 EOPNOTSUPP' "$DIRTYTRACK_MOCK_LOG"; then
    tap_ok "pre-flight: reports refused (EOPNOTSUPP, no iova_bitmap) deny, naming CONFIG_IOMMUFD_DRIVER (exit $rc)"
else
    tap_fail "pre-flight: reports refused (EOPNOTSUPP, no iova_bitmap) deny (exit $rc)"
    tap_diag "$(grep -E '"(code|message)"' "$TAP_TMP/out.json")" "$(cat "$DIRTYTRACK_MOCK_LOG")"
fi
if grep -q 'dma-logging-start' "$DIRTYTRACK_MOCK_LOG" || grep -q 'start' "$DIRTYTRACK_MOCK_LOG"; then
    tap_ok "the dry run really started DMA logging on the device"
else
    tap_fail "the dry run really started DMA logging on the device"; tap_diag "$(cat "$DIRTYTRACK_MOCK_LOG")"
fi
tap_done
