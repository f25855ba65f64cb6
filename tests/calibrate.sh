#!/bin/sh
# calibrate.sh: the cost model (plugin/dt-cost.c) against real migrations
# (`make calibrate`; not part of `make check`).  docs/cost-model.md §8 holds
# the table this prints and explains every column.
#
# Two private libvirtd instances on this machine (tests/libvirt/harness.sh,
# the system's libvirt and QEMU), TCG guests running tests/tune/dirtier.c
# (tests/tune/guest.sh) at a known dirty rate.  Per RAM size three reference
# migrations without a cap measure what the model cannot know from the
# guest alone: a running guest's gives the link's rate while the guest runs,
# the fixed setup cost (libvirt's Begin/Prepare, starting the destination
# QEMU) and, from QEMU's trace, the switch's fixed cost; a paused guest's
# gives the rate of pages new to the destination, which the model uses for
# the stop-and-copy (QEMU lifts the cap for it); the same to a destination
# whose RAM is allocated first gives the rate of pages it already holds.  Then a fresh guest migrates
# once per dirty rate and bandwidth cap, and for each migration the model's
# prediction (from RAM, dirty rate, cap, those rates and costs, QEMU's
# default downtime-limit) is printed beside what libvirt measured (virsh
# domjobinfo --completed) and what QEMU's trace shows of the switch: the
# bytes pending when it stopped the guest, its sending after the stop, and
# the guest's freeze up to the destination's vCPUs running.
#
# Environment: CALIBRATE_MEM (MiB sizes, default "256 512"), CALIBRATE_RATE
# (MiB/s, default "4 16"), CALIBRATE_BW (caps in MiB/s, default "32 64
# 128"), CALIBRATE_OUT (the Markdown table, default
# tests/calibrate/results.md in the build tree), CALIBRATE_TRACE=1 (each
# running job's statistics every 50 ms, as trace-NAME.txt beside the
# table).  Exit 77 when the machine
# cannot run it (no root, libvirt, QEMU, kernel, static libc).

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/libvirt/harness.sh"
. "$top_srcdir/tests/tune/guest.sh"

EVAL="$top_builddir/tests/calibrate/cost-eval"
MEMS=${CALIBRATE_MEM:-"256 512"}
RATES=${CALIBRATE_RATE:-"4 16"}
BWS=${CALIBRATE_BW:-"32 64 128"}
OUT=${CALIBRATE_OUT:-$top_builddir/tests/calibrate/results.md}

reason=$(lv_skip_reason)
[ -z "$reason" ] && [ ! -x "$EVAL" ] && reason="$EVAL not built (make tests/calibrate/cost-eval)"
if [ -n "$reason" ]; then
    echo "calibrate: cannot run here: $reason" >&2
    exit 77
fi
LV_T=$(mktemp -d "${TMPDIR:-/tmp}/dt-calibrate.XXXXXX")
cleanup() {
    lv_stop_all
    rm -rf "$LV_T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if ! tg_build "$LV_T" >"$LV_T/why"; then
    echo "calibrate: cannot run here: $(cat "$LV_T/why")" >&2
    exit 77
fi
MEMLOCK_KIB=$(awk '/^Max locked memory/ { if ($5 == "unlimited") print $5; else print int($5 / 1024) }' /proc/self/limits)
case $MEMLOCK_KIB in unlimited) MEMTUNE= ;; *) MEMTUNE="<memtune><hard_limit unit='KiB'>$MEMLOCK_KIB</hard_limit></memtune>" ;; esac

LV_NO_HOOK=1 lv_start 1 && LV_NO_HOOK=1 lv_start 2 || exit 1
T0=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

# migrate FROM TO NAME [CAP]: one live migration; leaves the completed
# job's statistics in $LV_T/job
migrate() {
    bw=
    [ -n "${4:-}" ] && bw="--bandwidth $4"
    # CALIBRATE_TRACE=1: QEMU's own view while the job runs (the pass's
    # bandwidth, the RAM still dirty, its expected downtime), every 50 ms,
    # into OUT's directory as trace-NAME.txt
    tpid=
    if [ -n "${CALIBRATE_TRACE:-}" ]; then
        mkdir -p "$(dirname "$OUT")"
        while :; do
            printf '@ %s\n' "$(date +%s%3N)"
            lv_virsh "$1" domjobinfo "$3" 2>/dev/null | grep -E "Iteration|Memory (remaining|bandwidth)|Dirty rate|Expected downtime|Time elapsed"
            sleep 0.05
        done >"$(dirname "$OUT")/trace-$3.txt" 2>/dev/null &
        tpid=$!
    fi
    # shellcheck disable=SC2086
    if ! lv_virsh "$1" migrate --live --persistent "$3" "$(lv_uri "$2")" \
            --migrateuri tcp://127.0.0.1 $bw >"$LV_T/migrate.out" 2>&1 ||
            ! lv_virsh "$1" domjobinfo --completed "$3" >"$LV_T/job" 2>&1; then
        echo "calibrate: migration of $3 from $1 to $2 failed:" >&2
        cat "$LV_T/migrate.out" "$LV_T/job" >&2
        for n in 1 2; do echo "instance $n: $(lv_virsh $n domstate --reason "$3" 2>&1)" >&2; done
        tail -n 3 "$LV_T/console-$3.log" >&2
        [ -z "$tpid" ] || { kill "$tpid"; wait "$tpid"; } 2>/dev/null
        return 1
    fi
    [ -z "$tpid" ] || { kill "$tpid"; wait "$tpid"; } 2>/dev/null
    return 0
}

# value LABEL: the completed job's LABEL, as a number (MiB for sizes, MiB/s for rates)
value() {
    awk -F: -v l="$1" '$1 == l {
        split($2, a, " "); v = a[1]; sub(/\/s$/, "", a[2])
        if (a[2] == "KiB") v /= 1024; else if (a[2] == "GiB") v *= 1024; else if (a[2] == "B") v /= 1048576
        print v; exit }' "$LV_T/job"
}

# QEMU's own account of the switch, from its trace events (the log
# backend, timestamped with -msg timestamp=on), one file per QEMU process:
# migration_thread_low_pending (the bytes still pending when it decided to
# stop: migration.c migration_iteration_run()), vm_state_notify (the vCPUs
# stopped on the source, running again on the destination) and
# migrate_set_state (the source's "completed").  The destination's QEMU inherits the options with the
# domain's definition; %d in -D is each process's pid.
QEMU_TRACE="<qemu:commandline><qemu:arg value='-msg'/><qemu:arg value='timestamp=on'/><qemu:arg value='-D'/><qemu:arg value='$LV_T/qemu-%d.trace'/><qemu:arg value='-trace'/><qemu:arg value='enable=migration_thread_low_pending'/><qemu:arg value='-trace'/><qemu:arg value='enable=vm_state_notify'/><qemu:arg value='-trace'/><qemu:arg value='enable=migrate_set_state'/></qemu:commandline>"

# switch_facts: from the two QEMUs' traces of the last migration, "RESIDUAL_MIB
# STOP_MS FREEZE_MS": what QEMU still had to send when it stopped the guest,
# from the stop to the source's "completed", and from the stop to the
# destination's vCPUs running (both on this machine's clock); "- - -" when
# a trace is missing
switch_facts() {
    awk '
    { split($0, h, ":"); split(h[1], p, "@"); pid = p[1]; t = p[2] * 1000 }
    /migration_thread_low_pending/ { src = pid; res = $NF }
    /vm_state_notify running 0/ { if (!(pid in stop)) stop[pid] = t }
    /vm_state_notify running 1/ { run[pid] = t }
    /migrate_set_state new state completed/ { done[pid] = t }
    END {
        if (src == "" || !(src in stop) || !(src in done)) { print "- - -"; exit }
        for (q in run) if (q != src && run[q] > stop[src]) fr = run[q] - stop[src]
        printf "%.1f %.1f %s\n", res / 1048576, done[src] - stop[src], fr == "" ? "-" : sprintf("%.1f", fr)
    }' "$LV_T"/qemu-*.trace 2>/dev/null || echo "- - -"
}

# run NAME MEM RATE [CAP [paused [prealloc]]]: a fresh guest on instance 1
# migrated to 2 (a guest migrated back again crashed now and then under
# QEMU 7.2's TCG, so every migration gets its own), paused first if asked,
# its RAM allocated when each QEMU starts if asked (libvirt's
# <allocation mode='immediate'/>: the destination then holds every page
# before the first arrives); the job's statistics in $LV_T/job, QEMU's
# traces in $LV_T/qemu-PID.trace
run() {
    fill=$(($2 * 2 / 3))
    backing=
    [ "${6:-}" = prealloc ] && backing="<memoryBacking><allocation mode='immediate'/></memoryBacking>"
    rm -f "$LV_T"/qemu-*.trace
    tg_xml "$1" "$2" "$fill" "$3" $((fill - 8)) "$MEMTUNE" "" |
        sed -e "s|^<domain type='qemu'>|<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>|" \
            -e "s|^</domain>|$backing$QEMU_TRACE</domain>|" >"$LV_T/$1.xml"
    tg_start 1 "$1" || return 1
    if [ "${5:-}" = paused ]; then
        lv_virsh 1 suspend "$1" >/dev/null || return 1
    fi
    migrate 1 2 "$1" "${4:-}" || return 1
    lv_virsh 2 destroy "$1" >/dev/null 2>&1
    lv_virsh 1 undefine "$1" >/dev/null 2>&1
    lv_virsh 2 undefine "$1" >/dev/null 2>&1
}

rows="$LV_T/rows"
: >"$rows"
for mem in $MEMS; do
    # Three reference migrations without a cap measure what the model
    # cannot know from the guest.  The running guest's: the link's rate
    # while the guest runs (pre-copy) and the setup cost; from QEMU's trace,
    # the switch's fixed cost, from the stop to the destination's vCPUs
    # running less the source's sending (the destination's tail: what the
    # socket still held, the device state loaded, the resume).  A paused
    # guest's: the rate RAM moves at with the vCPUs stopped, each page new to
    # the destination, as the first pass's rest in a stop-and-copy.  The same
    # to a destination whose RAM is all allocated before it arrives: the
    # rate of pages the destination already holds, as the pages dirtied
    # again that most stops send (resend_mib_s, docs/cost-model.md §7).
    run "ref$mem" "$mem" 4 || exit 1
    link=$(value "Memory bandwidth" | awk '{ printf "%d", $1 }')
    ref_total=$(value "Time elapsed")
    ref_down=$(value "Total downtime")
    ref_mib=$(value "Memory processed")
    setup=$(awk -v t="$ref_total" -v d="$ref_down" -v m="$ref_mib" -v l="$link" \
        'BEGIN { s = t - d - m / l * 1000; if (s < 0) s = 0; printf "%d", s }')
    ref_sw=$(switch_facts)
    switch=$(echo "$ref_sw" | awk '$2 != "-" && $3 != "-" { s = $3 - $2; if (s < 0) s = 0; printf "%d", s }')
    run "paused$mem" "$mem" 4 "" paused || exit 1
    stoplink=$(value "Memory bandwidth" | awk '{ printf "%d", $1 }')
    run "warm$mem" "$mem" 4 "" paused prealloc || exit 1
    resend=$(value "Memory bandwidth" | awk '{ printf "%d", $1 }')
    echo "# $mem MiB: reference migration without a cap: $ref_total ms, $ref_mib MiB at $link MiB/s, downtime $ref_down ms: setup cost $setup ms; QEMU: residual MiB, stop ms, freeze ms: $ref_sw; paused: $stoplink MiB/s, to allocated RAM: $resend MiB/s" >&2
    echo "$mem $link $ref_total $ref_down $ref_mib $setup $ref_sw ${switch:--} $stoplink $resend" >>"$LV_T/refs"
    for rate in $RATES; do
        for cap in $BWS; do
            name="g${mem}r${rate}c${cap}"
            run "$name" "$mem" "$rate" "$cap" || exit 1
            m_total=$(value "Time elapsed")
            m_down=$(value "Total downtime")
            m_iter=$(value "Iteration")
            m_bw=$(value "Memory bandwidth")
            bw=$cap
            [ "$link" -lt "$bw" ] && bw=$link
            # shellcheck disable=SC2046
            set -- $("$EVAL" ram-mib="$mem" dirty-mib-s="$rate" bandwidth-mib-s="$bw" \
                link-mib-s="$stoplink" resend-mib-s="$resend" setup-ms="$setup" \
                ${switch:+switchover-ms=$switch})
            sw=$(switch_facts)
            echo "$mem $rate $cap $link $setup $m_bw $1 $4 $m_iter $3 $6 $m_total $5 $m_down $sw $stoplink ${switch:--} $resend" >>"$rows"
            echo "# $name: predicted total $6 ms, downtime $5 ms, $3 iterations; measured $m_total ms, $m_down ms, $m_iter iterations; QEMU: residual MiB, stop ms, freeze ms: $sw" >&2
        done
    done
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
SECS=$(( $(date +%s) - T0 ))

mkdir -p "$(dirname "$OUT")"
# the raw rows too, to render the table again or compare runs
cp "$rows" "${OUT%.md}.rows"
awk -v when="$(date -u '+%Y-%m-%d %H:%M')" -v load0="$LOAD0" -v load1="$LOAD1" -v secs="$SECS" -v cpus="$(nproc)" \
    -v qemu="$(qemu-system-x86_64 --version | head -n 1 | awk '{ print $4 }')" \
    -v libvirt="$(libvirtd --version | awk '{ print $NF }')" -v refs="$LV_T/refs" '
function abs(x) { return x < 0 ? -x : x }
function median(a, n,    i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
# within the goal: 25% off, or 10 ms where the measured value is below 40 ms
function ok(p, m) { return abs(p - m) <= 0.25 * m || (m < 40 && abs(p - m) <= 10) }
{
    n++
    # $7.. from cost-eval: converges rounds iterations precopy downtime total
    # beside libvirt: $12 total, $14 downtime, $9 iterations
    et[n] = abs($11 - $12) / $12; ed[n] = abs($13 - $14) / ($14 > 0 ? $14 : 1); ad[n] = abs($13 - $14)
    okt += ok($11, $12); okd += ok($13, $14)
    # $15.. from the QEMU traces: residual MiB, stop ms, freeze ms
    row[n] = sprintf("| %d | %d | %d | %d / %d / %d | %d / %s | %.0f | %d / %d | %d / %d | %d / %d | %s / %.1f | %s | %s |", \
        $1, $2, $3, $4, $18, $20, $5, $19, $6, $11, $12, $13, $14, $10, $9, $15, $3 * 0.3, $16, $17)
}
END {
    printf "Measured %s UTC on %d CPUs, QEMU %s, libvirt %s, TCG guests; load average %s before, %s after; %d s.\n\n", \
        when, cpus, qemu, libvirt, load0, load1, secs
    print "| RAM MiB | dirty MiB/s | cap MiB/s | link MiB/s (running / paused / to held RAM) | setup / switch ms | measured MiB/s | total ms (model / libvirt) | downtime ms (model / libvirt) | iterations (model / libvirt) | residual / threshold MiB (QEMU) | stop ms (QEMU) | freeze ms |"
    print "|---|---|---|---|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= n; i++) print row[i]
    mt = median(et, n); md = median(ed, n); ma = median(ad, n)
    while ((getline line < refs) > 0) {
        split(line, f, " ")
        refrow = refrow sprintf("%s%d MiB: %d MiB in %d ms at %d MiB/s, %d ms downtime, so %d ms of setup; QEMU stopped with %s MiB pending, its sending took %s ms and the guest froze %s ms, so %s ms of fixed switch cost; paused, %d MiB/s; paused to allocated RAM, %d MiB/s", \
            refrow == "" ? "" : "; ", f[1], f[5], f[3], f[2], f[4], f[6], f[7], f[8], f[9], f[10], f[11], f[12])
    }
    printf "\nReference migrations without a cap (the link rates, setup and switch cost of each RAM size): %s.\n", refrow
    printf "\nMedian absolute error: total time %.0f %%, downtime %.0f %% (%.0f ms). Within 25 %% (or 10 ms below 40 ms measured): total time %d of %d, downtime %d of %d.\n", \
        mt * 100, md * 100, ma, okt, n, okd, n
}' "$rows" >"$OUT"
cat "$OUT"
