#!/bin/sh
# truth-lane.sh: real kernels and real QEMU decide about real VFIO devices,
# and dirtytrack must agree with them.
#
# L1 guests boot under TCG (no KVM needed) with the host's root over
# read-only virtio-9p and a read-write 9p export for results: Debian's
# kernel 6.12 from bookworm-backports with Debian's VFIO stack as shipped
# (plus the mtty sample built out of tree), the same kernel with the stack
# rebuilt with iommufd (tests/truth-lane/build-modules.sh), and Debian 12's
# own 6.1.  L0 gives each an emulated intel-iommu and an e1000e, which L1
# binds to vfio-pci; mtty mdevs are created fresh for every case.  Inside,
# for every configuration of tests/truth-lane/matrix.sh, `dirtytrack
# check` answers for the libvirt domain XML and the real QEMU (7.2 from the
# system, 10.0 from the archive) is started with the matching command line
# and asked to migrate (tests/truth-lane/l1-run.sh, l1-qemu.sh).  Here, on
# the host, each case becomes one TAP line: QEMU's result against
# dirtytrack's verdict, mode and predicted QEMU message, and a table goes
# into the log.  A known disagreement the product does not fix yet is
# listed in tests/truth-lane/known-disagreements ("not ok ... # TODO").
#
# Environment: DIRTYTRACK_TRUTH_CACHE (downloads and module builds, reused;
# default $top_builddir/truth-cache), DIRTYTRACK_TRUTH_CASES (a grep -E
# pattern: run only matching case ids), DIRTYTRACK_TRUTH_STACKS (default
# "debian iommufd 6.1"), DIRTYTRACK_TRUTH_KEEP=1 (keep the run directory),
# DIRTYTRACK_TRUTH_TIMEOUT (seconds per L1 boot, default 840),
# DIRTYTRACK_TRUTH_LIBVIRT (a grep -E pattern over the ids of the `virsh
# migrate` scenarios tests/truth-lane/l1-libvirt.sh runs in the same boots
# after the matrix; default all, "none" runs none),
# DIRTYTRACK_TRUTH_RUNS (the run directory, default
# $top_builddir/tests/truth-lane-run), DIRTYTRACK_TRUTH_SMP (each L1
# guest's vCPUs, default 1), DIRTYTRACK_TRUTH_CALIBRATE (a file of
# assignments: its guests run make calibrate's grid instead of the virsh
# migrate scenarios, tests/truth-lane/l1-calibrate.sh);
# DIRTYTRACK_SKIP_SLOW=1 skips the lane (distcheck sets it).

. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/tap.sh"
. "$top_srcdir/tests/truth-lane/matrix.sh"
. "$top_srcdir/tests/kernel-lane/modules.sh"

lane=$top_srcdir/tests/truth-lane
skip_lane() {
    echo "1..0 # SKIP $*"
    exit 0
}
[ -z "${DIRTYTRACK_SKIP_SLOW:-}" ] || skip_lane "DIRTYTRACK_SKIP_SLOW is set"
# tools/run-tests.sh runs the lane on its own after the rest of make check:
# three TCG guests beside the timing checks and the kernel lane would make
# both flaky on two cores.
[ -z "${DIRTYTRACK_TRUTH_LATER:-}" ] || skip_lane "runs on its own after make check (DIRTYTRACK_TRUTH_LATER)"
[ "$(id -u)" = 0 ] || skip_lane "needs root (module builds, 9p export of /)"
QEMU=${QEMU_SYSTEM_X86_64:-$(command -v qemu-system-x86_64 2>/dev/null)}
[ -n "$QEMU" ] && [ -x "$QEMU" ] || skip_lane "qemu-system-x86_64 is not installed"
for t in cpio make apt-get dpkg-deb depmod xz; do
    command -v $t > /dev/null 2>&1 || skip_lane "$t is not installed"
done
command -v gcc-12 > /dev/null 2>&1 || skip_lane "gcc-12 is not installed (the 6.12 kernel's compiler)"
[ -x "$top_builddir/plugin/dirtytrack" ] || skip_lane "dirtytrack is not built"
K61=
for k in /boot/vmlinuz-6.1.*; do
    [ -r "$k" ] && K61=$k
done

start=$(date +%s)
CACHE=${DIRTYTRACK_TRUTH_CACHE:-$top_builddir/truth-cache}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
reason=$(sh "$lane/fetch.sh" "$CACHE" 2> "$CACHE/fetch.err")
case $? in
0) ;;
77) skip_lane "$reason" ;;
*) tap_fail "fetch the 6.12 kernel and QEMU 10.0 from bookworm-backports: $(tail -n 3 "$CACHE/fetch.err")"
   tap_done; exit 1 ;;
esac
. "$CACHE/fetch.env"
TRUTH_LIBVIRT_SKIP= TRUTH_LIBVIRT_VERSION=
[ -r "$CACHE/libvirt.env" ] && . "$CACHE/libvirt.env"
if sh "$lane/build-modules.sh" "$CACHE" 2> "$CACHE/build.err"; then
    tap_ok "kernel $TRUTH_KREL: mtty and the VFIO stack with iommufd built out of tree"
else
    tap_fail "module builds against $TRUTH_KREL failed"
    tail -n 20 "$CACHE/build.err" | tap_diag "$(cat)"
    tap_done; exit 1
fi
tap_diag "fetch and builds: $(($(date +%s) - start)) s (cache $CACHE; QEMU $TRUTH_QEMU_VERSION)"

RUNS=${DIRTYTRACK_TRUTH_RUNS:-$top_builddir/tests/truth-lane-run}
LIBVIRT=${DIRTYTRACK_TRUTH_LIBVIRT:-.}
[ "$LIBVIRT" = none ] && LIBVIRT=
if [ -n "$LIBVIRT" ] && [ -n "$TRUTH_LIBVIRT_SKIP" ]; then
    tap_skip "virsh migrate scenarios: $TRUTH_LIBVIRT_SKIP"
    LIBVIRT=
fi
# compare STACK...: the TAP lines and tables of the guests that ran.
compare() {
    . "$lane/compare.sh"
    for s in "$@"; do
        [ -d "$RUNS/$s/out" ] || continue
        truth_compare_stack "$s" "$RUNS/$s"
        truth_probe_checks "$s" "$RUNS/$s"
        [ -n "$LIBVIRT" ] && truth_compare_libvirt "$s" "$RUNS/$s"
    done
    [ -s "$RUNS/disagreements" ] && tap_diag "" "disagreements:" "$(cat "$RUNS/disagreements")"
}
if [ -n "${DIRTYTRACK_TRUTH_COMPARE:-}" ]; then
    # Compare a kept run again (after a change to dirtytrack's rules the
    # guests must run again: they ran dirtytrack too).
    [ -d "$RUNS" ] || skip_lane "DIRTYTRACK_TRUTH_COMPARE: no kept run in $RUNS"
    RUNS=$(cd "$RUNS" && pwd)
    rm -f "$RUNS/disagreements"
    compare debian iommufd 6.1
    tap_done
    exit $?
fi
rm -rf "$RUNS"
mkdir -p "$RUNS"
RUNS=$(cd "$RUNS" && pwd)
[ -n "${DIRTYTRACK_TRUTH_KEEP:-}" ] || trap 'rm -rf "$RUNS"' EXIT

# The virsh migrate scenarios run the installed dirtytrack: the build's
# `make install DESTDIR=`, which the guests bind over its prefix.
INST=$RUNS/inst PREFIX=
if [ -n "$LIBVIRT" ]; then
    # The inner make must not inherit make check's flags (TESTS=..., a
    # jobserver it cannot reach).
    if (unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
        make -s -C "$top_builddir" install DESTDIR="$INST") > "$RUNS/install.log" 2>&1; then
        d=$(find "$INST" -path '*/sbin/dirtytrackd' | head -n 1)
        PREFIX=${d#"$INST"}
        PREFIX=${PREFIX%/sbin/dirtytrackd}
    fi
    case $PREFIX in
    ''|/|/usr)
        tap_fail "make install DESTDIR=$INST for the virsh migrate scenarios (prefix '$PREFIX': the guests bind the installed tree over it, which needs a prefix of its own such as /usr/local)"
        tail -n 5 "$RUNS/install.log" | tap_diag "$(cat)"
        LIBVIRT= ;;
    esac
fi

# initrd KREL MODDIR OUT: busybox, the init and the 9p modules of KREL.
initrd() {
    KREL=$1 MODDIR=$2
    ROOTFS=$RUNS/initrd-$KREL
    LANE_ORDER=$ROOTFS/etc/modules.order
    mkdir -p "$ROOTFS/etc"
    : > "$LANE_ORDER"
    for m in virtio_pci 9p 9pnet_virtio; do
        lane_add_module "$m"
    done
    sh "$top_srcdir/tests/libvirt/make-initramfs.sh" "$3" "$lane/init" "$ROOTFS"
}

# boot STACK KERNEL INITRD: one L1 guest running STACK's cases, in the
# background; its console goes to RUNS/STACK/console.log.
boot() {
    run=$RUNS/$1
    mkdir -p "$run/out"
    truth_matrix "$1" | grep -E "${DIRTYTRACK_TRUTH_CASES:-.}" > "$run/cases"
    cat > "$run/lane.env" <<ENV
TRUTH_STACK=$1
TRUTH_CACHE=$CACHE
TRUTH_BUILD=$(cd "$top_builddir" && pwd)
TRUTH_LIBVIRT='$LIBVIRT'
TRUTH_INST=$INST
TRUTH_PREFIX=$PREFIX
ENV
    [ -n "${DIRTYTRACK_TRUTH_CALIBRATE:-}" ] && cp "$DIRTYTRACK_TRUTH_CALIBRATE" "$run/calibrate.env"
    accel=tcg
    [ -n "${DIRTYTRACK_TRUTH_KVM:-}" ] && [ -w /dev/kvm ] && accel=kvm
    # aw-bits=48: QEMU 10's L2 intel-iommu has 48-bit addresses and
    # refuses a host IOMMU with fewer ("aw-bits 48 > host aw-bits 39").
    # no_timer_check: on a loaded host, TCG is too slow for the kernel's
    # check of the timer through the remapped IO-APIC, which panics.  A
    # guest that did not reach its init is booted once more.
    (
        for attempt in 1 2; do
            timeout "${DIRTYTRACK_TRUTH_TIMEOUT:-840}" "$QEMU" -machine q35 -accel $accel -m 2048 -smp "${DIRTYTRACK_TRUTH_SMP:-1}" \
                -nographic -no-reboot -nodefaults -serial stdio \
                -kernel "$2" -initrd "$3" \
                -append "console=ttyS0 quiet panic=-1 no_timer_check intel_iommu=on truth_run=$run truth_src=$top_srcdir" \
                -device intel-iommu,intremap=on,caching-mode=on,aw-bits=48 \
                -device e1000e,bus=pcie.0,addr=03.0 \
                -fsdev local,id=hostroot,path=/,readonly=on,security_model=none,multidevs=remap \
                -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
                -fsdev local,id=results,path="$run",security_model=none \
                -device virtio-9p-pci,fsdev=results,mount_tag=results \
                < /dev/null >> "$run/console.log" 2>&1
            grep -q '==TRUTH-L1-START==' "$run/console.log" && break
        done
    ) &
    echo $! > "$run/pid"
}

stacks=${DIRTYTRACK_TRUTH_STACKS:-debian iommufd 6.1}
initrd "$TRUTH_KREL" "$CACHE/root/lib/modules/$TRUTH_KREL" "$RUNS/initrd-6.12.gz" ||
    { tap_fail "cannot build the initramfs"; tap_done; exit 1; }
for s in $stacks; do
    case $s in
    6.1)
        if [ -z "$K61" ]; then
            tap_skip "kernel 6.1: no /boot/vmlinuz-6.1.* (install linux-image-amd64)"
            continue
        fi
        k=${K61##*/vmlinuz-}
        initrd "$k" "/lib/modules/$k" "$RUNS/initrd-6.1.gz"
        boot 6.1 "$K61" "$RUNS/initrd-6.1.gz"
        ;;
    *)  boot "$s" "$CACHE/root/boot/vmlinuz-$TRUTH_KREL" "$RUNS/initrd-6.12.gz" ;;
    esac
done
for s in $stacks; do
    [ -r "$RUNS/$s/pid" ] && wait "$(cat "$RUNS/$s/pid")"
done
tap_diag "L1 boots done: $(($(date +%s) - start)) s"

# shellcheck disable=SC2086
compare $stacks
tap_diag "whole lane: $(($(date +%s) - start)) s"
tap_done
