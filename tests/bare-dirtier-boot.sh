#!/bin/sh
# bare-dirtier-boot.sh: make calibrate's L2 guest (tests/calibrate/bare-dirtier.c)
# builds and boots under the system's QEMU as libvirt's <kernel> and
# <cmdline> would start it (-kernel, -append): it fills what it was asked
# to (no more than the RAM holds), dirties pages at the rate it was given
# by its PIT clock, and that clock does not run ahead of the real one.
# The calibration grid in L2 runs only on demand; this keeps its guest
# from rotting in between.
. "$(dirname "$0")/tap.sh"
. "$top_srcdir/tests/calibrate/bare-dirtier.sh"
tap_tmpdir

QEMU=$(command -v qemu-system-x86_64 2>/dev/null)
if [ -z "$QEMU" ]; then
    tap_skip "qemu-system-x86_64 is not installed"
    tap_done
    exit $?
fi
if ! bare_dirtier_build "$TAP_TMP/bare" 2>"$TAP_TMP/gcc.out"; then
    tap_skip "gcc cannot build a 32-bit freestanding ELF here: $(head -n 1 "$TAP_TMP/gcc.out")"
    tap_done
    exit $?
fi

# boot NAME MEM-MIB CMDLINE SECONDS: the guest's console in TAP_TMP/NAME.out
# until it reports SECONDS, each line prefixed with the host's monotonic
# milliseconds when read.
boot() {
    "$QEMU" -machine pc -accel tcg -m "$2" -kernel "$TAP_TMP/bare" -append "$3" \
        -pidfile "$TAP_TMP/$1.pid" -display none -monitor none -nodefaults -serial stdio \
        </dev/null 2>"$TAP_TMP/$1.err" |
        while IFS= read -r line; do
            echo "$(cut -d' ' -f1 /proc/uptime | tr -d .)0 $(printf '%s' "$line" | tr -d '\r')"
        done >"$TAP_TMP/$1.out" &
    pid=$!
    i=0
    while ! grep -q "dirtier: $4 s" "$TAP_TMP/$1.out" 2>/dev/null && [ $i -lt 600 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    # QEMU, by the pid it wrote; the reader ends with its output
    [ -s "$TAP_TMP/$1.pid" ] && kill "$(cat "$TAP_TMP/$1.pid")" 2>/dev/null
    wait "$pid" 2>/dev/null
}

# said NAME TEXT DESCRIPTION: ok when guest NAME's console has TEXT.
said() {
    if grep -q "$2" "$TAP_TMP/$1.out"; then
        tap_ok "$3"
    else
        tap_fail "$3"
        tap_diag "$(cat "$TAP_TMP/$1.out" "$TAP_TMP/$1.err")"
    fi
}

boot a 64 "dt_fill_mib=40 dt_rate_mib=2 dt_wss_mib=32" 4
said a "dirtier: filled 40 MiB; dirtying 2 MiB/s over 32 MiB" \
    "boots as a Multiboot kernel and takes its parameters from the command line"
# 2 MiB/s is 512 pages a second
said a "dirtier: 4 s, 2048 pages written" "writes 512 pages a second at dt_rate_mib=2"
# its seconds are no shorter than the host's (a slow host makes them longer)
t0=$(awk '/dirtier: filled/ { print $1; exit }' "$TAP_TMP/a.out")
t4=$(awk '/dirtier: 4 s/ { print $1; exit }' "$TAP_TMP/a.out")
if [ -n "$t0" ] && [ -n "$t4" ] && [ $((t4 - t0)) -ge 3500 ]; then
    tap_ok "its clock (the PIT at 100 Hz) keeps real time: 4 s took $((t4 - t0)) ms"
else
    tap_fail "its clock (the PIT at 100 Hz) keeps real time: 4 s took $((${t4:-0} - ${t0:-0})) ms"
fi
boot b 32 "dt_fill_mib=200 dt_rate_mib=1 dt_wss_mib=100" 1
said b "dirtier: filled 29 MiB; dirtying 1 MiB/s over 29 MiB" "fills no more than the RAM above 2 MiB holds"
tap_done
