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
# The same grid runs a second time with and without a VFIO device: L2
# guests (the same dirtier without an operating system,
# tests/calibrate/bare-dirtier.c) on the two libvirt 11.3 hosts of the truth
# lane's L1 guest (QEMU 10.0, the iommufd stack's kernel; see
# tests/truth-lane/l1-calibrate.sh), once with no hostdev and once with an
# mtty mdev, whose mode and stop-copy size the model takes from what the
# installed `dirtytrack check --probe-ioctl` answered for the idle device.
# One table holds both; its first two columns say where a migration ran
# and with which device.
#
# Environment: CALIBRATE_MEM (MiB sizes, default "256 512"), CALIBRATE_RATE
# (MiB/s, default "4 16"), CALIBRATE_BW (caps in MiB/s, default "32 64
# 128"); for the L2 grid CALIBRATE_L2_MEM (default "128 256"),
# CALIBRATE_L2_RATE (default "2 8"), CALIBRATE_L2_BW (default "16 32 64"),
# CALIBRATE_L2_DEVICES (default "none mtty"), CALIBRATE_L2_REUSE=1 (the
# migrations of the last L2 grid again, without running it: for a
# changed model); CALIBRATE_WHERE (default
# "host l2": which grids run), CALIBRATE_OUT (the Markdown table, default
# tests/calibrate/results.md in the build tree), CALIBRATE_TRACE=1 (each
# running host job's statistics every 50 ms, as trace-NAME.txt beside the
# table); the truth lane's DIRTYTRACK_TRUTH_CACHE.  Exit 77 when the
# machine cannot run it (no root, libvirt, QEMU, kernel, static libc); a
# machine that cannot run the truth lane gets the host grid only, and the
# table says why.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/libvirt/harness.sh"
. "$top_srcdir/tests/tune/guest.sh"
. "$top_srcdir/tests/calibrate/bare-dirtier.sh"
. "$top_srcdir/tests/calibrate/qemu-trace.sh"

EVAL="$top_builddir/tests/calibrate/cost-eval"
MEMS=${CALIBRATE_MEM:-"256 512"}
RATES=${CALIBRATE_RATE:-"4 16"}
BWS=${CALIBRATE_BW:-"32 64 128"}
L2_MEM=${CALIBRATE_L2_MEM:-"128 256"}
L2_RATE=${CALIBRATE_L2_RATE:-"2 8"}
L2_BW=${CALIBRATE_L2_BW:-"16 32 64"}
L2_DEVICES=${CALIBRATE_L2_DEVICES:-"none mtty"}
WHERE=${CALIBRATE_WHERE:-"host l2"}
OUT=${CALIBRATE_OUT:-$top_builddir/tests/calibrate/results.md}
wants() { case " $WHERE " in *" $1 "*) return 0 ;; esac; return 1; }

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
T0=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

# Every migration, here or in L2, leaves a directory: cell ("MEM RATE CAP
# DEVICE KIND", CAP "-" for none; KIND ref, paused, warm or cell), job
# (virsh domjobinfo --completed), the QEMUs' traces (qemu-PID.trace) and,
# with a device, check.json.  Names are DEVICE MEM-KIND or DEVICE
# MEM-rRATEcCAP; the analysis below reads the directories, not the loops.
HOST_CELLS=$LV_T/cells

# migrate FROM TO NAME DIR [CAP]: one live migration; leaves the completed
# job's statistics in DIR/job
migrate() {
    bw=
    [ -n "${5:-}" ] && bw="--bandwidth $5"
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
            --migrateuri tcp://127.0.0.1 $bw >"$4/migrate.out" 2>&1 ||
            ! lv_virsh "$1" domjobinfo --completed "$3" >"$4/job" 2>&1; then
        echo "calibrate: migration of $3 from $1 to $2 failed:" >&2
        cat "$4/migrate.out" "$4/job" >&2
        for n in 1 2; do echo "instance $n: $(lv_virsh $n domstate --reason "$3" 2>&1)" >&2; done
        tail -n 3 "$LV_T/console-$3.log" >&2
        [ -z "$tpid" ] || { kill "$tpid"; wait "$tpid"; } 2>/dev/null
        return 1
    fi
    [ -z "$tpid" ] || { kill "$tpid"; wait "$tpid"; } 2>/dev/null
    return 0
}

# value FILE LABEL: the completed job's LABEL, as a number (MiB for sizes, MiB/s for rates)
value() {
    awk -F: -v l="$2" '$1 == l {
        split($2, a, " "); v = a[1]; sub(/\/s$/, "", a[2])
        if (a[2] == "KiB") v /= 1024; else if (a[2] == "GiB") v *= 1024; else if (a[2] == "B") v /= 1048576
        print v; exit }' "$1/job"
}

# QEMU's own account of the switch, from its trace events (the log
# backend, timestamped with -msg timestamp=on), one file per QEMU process:
# migration_thread_low_pending (the bytes still pending when it decided to
# stop: migration.c migration_iteration_run()), vm_state_notify (the vCPUs
# stopped on the source, running again on the destination),
# migrate_set_state (the source's "device", where libvirt had QEMU wait
# before the switch-over, and its "completed"), migration_bitmap_sync_end
# (the stop's last sync of the dirty bitmap: ram.c ram_save_complete())
# and, from QEMU 8.2,
# vmstate_downtime_checkpoint (src-iterable-saved: the RAM and the
# devices' iterable state are out).  The destination's QEMU inherits the
# options with the domain's definition; %d in -D is each process's pid.
# The events are tests/calibrate/qemu-trace.sh's, QEMU 7.2's here.
# shellcheck disable=SC2086
QEMU_TRACE=$(cal_trace_xml "$LV_T/qemu-%d.trace" $CAL_TRACE_EVENTS)

# switch_facts DIR: from the two QEMUs' traces of one migration, "RESIDUAL_MIB
# SEND_MS FREEZE_MS": what QEMU still had to send when it stopped the
# guest; the source's sending of it (from the end of the stop's bitmap
# sync, else from the "device" state where libvirt held QEMU before the
# switch-over, else from the stop; to src-iterable-saved, else to
# "completed"); the freeze, from the stop to
# the destination's vCPUs running (both on one machine's clock); "- - -"
# when a trace is missing
switch_facts() {
    awk '
    { split($0, h, ":"); split(h[1], p, "@"); t = p[2] * 1000; f = FILENAME }
    /migration_thread_low_pending/ { src = f; res = $NF }
    /vm_state_notify running 0/ { if (!(f in stop)) stop[f] = t }
    /vm_state_notify running 1/ { run[f] = t }
    /migrate_set_state new state device/ { dev[f] = t }
    /migration_bitmap_sync_end/ { if ((f in stop) && !(f in fin)) fin[f] = t }
    /migrate_set_state new state completed/ { done[f] = t }
    /vmstate_downtime_checkpoint src-iterable-saved/ { itr[f] = t }
    END {
        if (src == "" || !(src in stop) || !(src in done)) { print "- - -"; exit }
        for (q in run) if (q != src && run[q] > stop[src]) fr = run[q] - stop[src]
        from = (src in fin) ? fin[src] : (src in dev) ? dev[src] : stop[src]
        to = (src in itr) ? itr[src] : done[src]
        printf "%.1f %.1f %s\n", res / 1048576, to - from, fr == "" ? "-" : sprintf("%.1f", fr)
    }' "$1"/qemu-*.trace 2>/dev/null || echo "- - -"
}

# run KIND NAME MEM RATE [CAP [paused [prealloc]]]: a fresh guest on
# instance 1 migrated to 2 (a guest migrated back again crashed now and
# then under QEMU 7.2's TCG, so every migration gets its own), paused first
# if asked, its RAM allocated when each QEMU starts if asked (libvirt's
# <allocation mode='immediate'/>: the destination then holds every page
# before the first arrives); what it leaves in HOST_CELLS/NAME
run() {
    d=$HOST_CELLS/$2
    mkdir -p "$d"
    echo "$3 $4 ${5:--} none $1" >"$d/cell"
    fill=$(($3 * 2 / 3))
    backing=
    [ "${7:-}" = prealloc ] && backing="<memoryBacking><allocation mode='immediate'/></memoryBacking>"
    rm -f "$LV_T"/qemu-*.trace
    tg_xml "$2" "$3" "$fill" "$4" $((fill - 8)) "$MEMTUNE" "" |
        sed -e "s|^<domain type='qemu'>|<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>|" \
            -e "s|^</domain>|$backing$QEMU_TRACE</domain>|" >"$LV_T/$2.xml"
    tg_start 1 "$2" || return 1
    if [ "${6:-}" = paused ]; then
        lv_virsh 1 suspend "$2" >/dev/null || return 1
    fi
    migrate 1 2 "$2" "$d" "${5:-}" || return 1
    mv "$LV_T"/qemu-*.trace "$d/" 2>/dev/null
    lv_virsh 2 destroy "$2" >/dev/null 2>&1
    lv_virsh 1 undefine "$2" >/dev/null 2>&1
    lv_virsh 2 undefine "$2" >/dev/null 2>&1
}

if wants host; then
    LV_NO_HOOK=1 lv_start 1 && LV_NO_HOOK=1 lv_start 2 || exit 1
    for mem in $MEMS; do
        # Three reference migrations without a cap (see the rows below
        # for what each measures), then the grid.
        p=none$mem
        run ref "$p-ref" "$mem" 4 || exit 1
        run paused "$p-paused" "$mem" 4 "" paused || exit 1
        run warm "$p-warm" "$mem" 4 "" paused prealloc || exit 1
        for rate in $RATES; do
            for cap in $BWS; do
                run cell "$p-r${rate}c$cap" "$mem" "$rate" "$cap" || exit 1
                echo "# host $p-r${rate}c$cap: $(value "$HOST_CELLS/$p-r${rate}c$cap" "Time elapsed") ms" >&2
            done
        done
    done
    lv_stop_all
fi

# The L2 grid: the truth lane's L1 guest (iommufd stack) runs it with its
# two libvirt 11.3 hosts; the guest and this grid's settings go where L1
# can read them (the build tree: L1 mounts the host's root, but not its
# /tmp).
L2_CELLS='' L2_NOTE=''
L2=$top_builddir/tests/calibrate/l2
if wants l2 && [ -n "${CALIBRATE_L2_REUSE:-}" ] && [ -d "$L2/run/iommufd/lv/calibrate" ]; then
    L2_CELLS=$(cd "$L2/run/iommufd/lv/calibrate" && pwd)
elif wants l2; then
    mkdir -p "$L2" && L2=$(cd "$L2" && pwd) || exit 1
    rm -rf "${L2:?}"/*
    # The guest is tests/calibrate/bare-dirtier.c: Linux under TCG inside
    # TCG takes more than ten minutes to boot.
    if ! bare_dirtier_build "$L2/bare-dirtier" 2>"$L2/gcc.out"; then
        echo "calibrate: cannot build the L2 guest (a 32-bit freestanding ELF):" >&2
        cat "$L2/gcc.out" >&2
        exit 1
    fi
    cat >"$L2/calibrate.env" <<ENV
CAL_MEM="$L2_MEM"
CAL_RATE="$L2_RATE"
CAL_BW="$L2_BW"
CAL_DEVICES="$L2_DEVICES"
CAL_KERNEL=$L2/bare-dirtier
ENV
    echo "# L2 grid: the truth lane's L1 guest (boot, then $(echo "$L2_DEVICES" | wc -w) x $(echo "$L2_MEM" | wc -w) x (3 + $(echo "$L2_RATE" | wc -w) x $(echo "$L2_BW" | wc -w)) migrations)" >&2
    # L1 with two vCPUs: its two libvirtd, two QEMUs and the guest share them.
    DIRTYTRACK_TRUTH_RUNS=$L2/run DIRTYTRACK_TRUTH_STACKS=iommufd DIRTYTRACK_TRUTH_CASES='^$' \
    DIRTYTRACK_TRUTH_LIBVIRT=calibrate DIRTYTRACK_TRUTH_CALIBRATE=$L2/calibrate.env \
    DIRTYTRACK_TRUTH_KEEP=1 DIRTYTRACK_TRUTH_SMP=2 DIRTYTRACK_TRUTH_TIMEOUT=${DIRTYTRACK_TRUTH_TIMEOUT:-7200} \
        sh "$top_srcdir/tests/truth-lane.sh" >"$L2/lane.tap" 2>&1
    grep -E '^(not )?ok|^1\.\.0' "$L2/lane.tap" | sed 's/^/# L2: /' >&2
    if grep -q '^1\.\.0 # SKIP' "$L2/lane.tap"; then
        L2_NOTE="The L2 grid did not run: $(sed -n 's/^1\.\.0 # SKIP //p' "$L2/lane.tap")."
    elif grep -q '^not ok' "$L2/lane.tap"; then
        echo "calibrate: the L2 grid failed (its TAP: $L2/lane.tap)" >&2
        grep -A 12 '^not ok' "$L2/lane.tap" >&2
        exit 1
    fi
    L2_CELLS=$L2/run/iommufd/lv/calibrate
fi
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
SECS=$(( $(date +%s) - T0 ))

# rows_of WHERE DIR: one row per grid migration in DIR.  Per device and RAM
# size, three reference migrations without a cap measure what the model
# cannot know from the guest.  The running guest's: the link's rate while
# the guest runs (pre-copy) and the setup cost; from QEMU's trace, the
# switch's fixed cost: the freeze less the source's sending of the residual
# (stopping the vCPUs, libvirt's pre-switchover wait, the last bitmap sync,
# the non-iterable state, the destination's load and resume).  A paused
# guest's: the rate
# RAM moves at with the vCPUs stopped, each page new to the destination, as
# the first pass's rest in a stop-and-copy.  The same to a destination
# whose RAM is all allocated before it arrives: the rate of pages the
# destination already holds, as the pages dirtied again that most stops
# send (resend_mib_s, docs/cost-model.md §7).
rows_of() {
    for ref in "$2"/*-ref; do
        [ -r "$ref/job" ] || continue
        p=${ref%-ref}
        read -r mem _ _ dev _ <"$ref/cell"
        link=$(value "$ref" "Memory bandwidth" | awk '{ printf "%d", $1 }')
        ref_total=$(value "$ref" "Time elapsed")
        ref_down=$(value "$ref" "Total downtime")
        ref_mib=$(value "$ref" "Memory processed")
        setup=$(awk -v t="$ref_total" -v d="$ref_down" -v m="$ref_mib" -v l="$link" \
            'BEGIN { s = t - d - m / l * 1000; if (s < 0) s = 0; printf "%d", s }')
        ref_sw=$(switch_facts "$ref")
        switch=$(echo "$ref_sw" | awk '$2 != "-" && $3 != "-" { s = $3 - $2; if (s < 0) s = 0; printf "%d", s }')
        stoplink=$(value "$p-paused" "Memory bandwidth" | awk '{ printf "%d", $1 }')
        # the RAM that holds data: what the paused guest sent as pages (a
        # zero page is a flag)
        data=$(value "$p-paused" "Normal data" | awk '{ printf "%d", $1 + 0.5 }')
        resend=$(value "$p-warm" "Memory bandwidth" | awk '{ printf "%d", $1 }')
        [ -n "$link" ] && [ -n "$stoplink" ] && [ -n "$resend" ] || {
            echo "calibrate: $1 ${p##*/}: a reference migration is missing" >&2
            continue
        }
        # The device as dirtytrack saw it on the idle mdev (check.json of
        # the reference; each migration's own mdev is a fresh one of the
        # same type).
        devargs= mode= state= gran=
        if [ -r "$ref/check.json" ]; then
            mode=$(sed -n 's/^ *"mode" : "\([a-z]*\)".*/\1/p' "$ref/check.json" | head -n 1)
            state=$(sed -n 's/^ *"device_state_bytes" : \([0-9]*\).*/\1/p' "$ref/check.json" | head -n 1)
            gran=$(sed -n 's/^ *"tracking_granularity" : \([0-9]*\).*/\1/p' "$ref/check.json" | head -n 1)
            devargs="mode=${mode:-none} devices=1 state-bytes=${state:-0} ${gran:+granularity=$gran}"
            echo "# $1 ${p##*/}: dirtytrack check --probe-ioctl: mode $mode, stop-copy $state bytes, granularity $gran" >&2
        fi
        echo "$1 $dev $mem $link $ref_total $ref_down $ref_mib $setup $ref_sw ${switch:--} $stoplink $resend ${data:--} ${mode:--} ${state:--}" >>"$LV_T/refs"
        for c in "$p"-r*c*; do
            [ -r "$c/cell" ] || continue
            read -r _ rate cap _ _ <"$c/cell"
            bw=$cap
            [ "$link" -lt "$bw" ] && bw=$link
            # cost-eval: converges rounds iterations precopy_ms downtime_ms total_ms
            # shellcheck disable=SC2086
            model=$("$EVAL" ram-mib="$mem" dirty-mib-s="$rate" bandwidth-mib-s="$bw" \
                link-mib-s="$stoplink" resend-mib-s="$resend" setup-ms="$setup" \
                ${data:+data-mib=$data} ${switch:+switchover-ms=$switch} $devargs) || {
                echo "calibrate: cost-eval failed for $c" >&2
                continue
            }
            if [ -e "$c/timeout" ]; then
                # aborted after its time: what the model said of it
                echo "$1 $dev $mem $rate $cap $(cat "$c/timeout") ${model%% *}" >>"$LV_T/aborted"
                continue
            fi
            [ -r "$c/job" ] || continue
            m_total=$(value "$c" "Time elapsed")
            m_down=$(value "$c" "Total downtime")
            m_iter=$(value "$c" "Iteration")
            m_bw=$(value "$c" "Memory bandwidth")
            sw=$(switch_facts "$c")
            # where device RAM rate cap link setup measured-MiB/s, then
            # iterations, total and downtime as model / libvirt, QEMU's
            # residual, stop and freeze, the paused link, switch, held-RAM link
            echo "$model" | awk -v head="$1 $dev $mem $rate $cap $link $setup $m_bw" \
                -v tail="$sw $stoplink ${switch:--} $resend" -v it="$m_iter" -v tot="$m_total" -v down="$m_down" \
                '{ print head, $3, it, $6, tot, $5, down, tail }'

        done
    done
}

rows="$LV_T/rows"
: >"$LV_T/refs"
: >"$LV_T/aborted"
{
    wants host && rows_of host "$HOST_CELLS"
    [ -n "$L2_CELLS" ] && rows_of L2 "$L2_CELLS"
} | LC_ALL=C sort -k1,1r -k2,2r -k3,3n -k4,4n -k5,5n >"$rows"

mkdir -p "$(dirname "$OUT")"
# the raw rows too, to render the table again or compare runs
cp "$rows" "${OUT%.md}.rows"
cp "$LV_T/refs" "${OUT%.md}.refs"
l2ver=
[ -n "$L2_CELLS" ] && l2ver=$(awk -F= '$1 == "qemu" { split($2, a, " "); q = a[4] }
    $1 == "virsh" { l = $2 } END { printf "QEMU %s, libvirt %s", q, l }' "$L2_CELLS/../versions" 2>/dev/null)
hostver=
wants host && hostver="QEMU $(qemu-system-x86_64 --version | head -n 1 | awk '{ print $4 }'), libvirt $(libvirtd --version | awk '{ print $NF }')"
awk -v when="$(date -u '+%Y-%m-%d %H:%M')" -v load0="$LOAD0" -v load1="$LOAD1" -v secs="$SECS" -v cpus="$(nproc)" \
    -v hostver="$hostver" -v refs="$LV_T/refs" \
    -v l2ver="$l2ver" -v l2note="$L2_NOTE" -v aborted="$LV_T/aborted" '
function abs(x) { return x < 0 ? -x : x }
function median(a, n,    i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
# within the goal: 25% off, or 10 ms where the measured value is below 40 ms
function ok(p, m) { return abs(p - m) <= 0.25 * m || (m < 40 && abs(p - m) <= 10) }
# summary NAME KEY: the medians and counts of one group of rows
function summary(label, g,    i, n, et, ed, ad, okt, okd) {
    n = 0; okt = 0; okd = 0
    for (i = 1; i <= nr; i++) {
        if (g != "" && grp[i] != g) continue
        n++; et[n] = errt[i]; ed[n] = errd[i]; ad[n] = absd[i]; okt += okT[i]; okd += okD[i]
    }
    if (n == 0) return ""
    return sprintf("%s: total time %.0f %%, downtime %.0f %% (%.0f ms); within 25 %% (or 10 ms below 40 ms measured): total time %d of %d, downtime %d of %d", \
        label, median(et, n) * 100, median(ed, n) * 100, median(ad, n), okt, n, okd, n)
}
{
    nr++
    # $1 where, $2 device, $3 RAM, $4 dirty rate, $5 cap, $6 link, $7 setup,
    # $8 measured MiB/s; model / libvirt: $9 / $10 iterations, $11 / $12
    # total, $13 / $14 downtime; QEMU: $15 residual, $16 stop, $17 freeze;
    # $18 paused link, $19 switch, $20 held-RAM link
    grp[nr] = $1 ", " $2
    errt[nr] = abs($11 - $12) / $12; errd[nr] = abs($13 - $14) / ($14 > 0 ? $14 : 1); absd[nr] = abs($13 - $14)
    okT[nr] = ok($11, $12); okD[nr] = ok($13, $14)
    row[nr] = sprintf("| %s | %s | %d | %d | %d | %d / %d / %d | %d / %s | %.0f | %d / %d | %d / %d | %d / %d | %s / %.1f | %s | %s |", \
        $1, $2, $3, $4, $5, $6, $18, $20, $7, $19, $8, $11, $12, $13, $14, $9, $10, $15, $5 * 0.3, $16, $17)
    if (!(grp[nr] in seen)) { seen[grp[nr]] = 1; groups[++ng] = grp[nr] }
}
END {
    printf "Measured %s UTC on %d CPUs", when, cpus
    if (hostver != "") printf "; host: TCG guests, %s", hostver
    if (l2ver != "") printf "; L2: TCG guests in the truth lane'"'"'s TCG L1 guest (2 vCPUs), %s", l2ver
    printf "; load average %s before, %s after; %d s.\n\n", load0, load1, secs
    if (l2note != "") printf "%s\n\n", l2note
    print "| where | VFIO device | RAM MiB | dirty MiB/s | cap MiB/s | link MiB/s (running / paused / to held RAM) | setup / switch ms | measured MiB/s | total ms (model / libvirt) | downtime ms (model / libvirt) | iterations (model / libvirt) | residual / threshold MiB (QEMU) | sending ms (QEMU) | freeze ms |"
    print "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= nr; i++) print row[i]
    printf "\nReference migrations without a cap (the link rates, setup and switch cost of each device and RAM size):\n"
    while ((getline line < refs) > 0) {
        split(line, f, " ")
        printf "- %s, %s, %d MiB: %d MiB in %d ms at %d MiB/s, %d ms downtime, so %d ms of setup; QEMU stopped with %s MiB pending, its sending took %s ms and the guest froze %s ms, so %s ms of fixed switch cost; paused, %d MiB/s and %s MiB of data pages; paused to allocated RAM, %d MiB/s", \
            f[1], f[2], f[3], f[7], f[5], f[4], f[6], f[8], f[9], f[10], f[11], f[12], f[13], f[15], f[14]
        if (f[16] != "-") printf "; dirtytrack check --probe-ioctl: mode %s, stop-copy state %s bytes", f[16], f[17]
        printf "\n"
    }
    while ((getline line < aborted) > 0) {
        if (!na++) printf "\nMigrations that did not end (no row above):\n"
        split(line, f, " ")
        printf "- %s, %s, %d MiB at %d MiB/s dirtied, cap %d MiB/s: aborted after %d s without switching over; the model: %s\n", \
            f[1], f[2], f[3], f[4], f[5], f[6], f[7] == "1" ? "converges (wrong)" : "does not converge"
    }
    printf "\nMedian absolute error, %s.\n", summary("all cells", "")
    if (ng > 1) for (i = 1; i <= ng; i++) printf "- %s\n", summary(groups[i], groups[i])
}' "$rows" >"$OUT"
cat "$OUT"
