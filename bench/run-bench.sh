#!/bin/bash
# run-bench.sh: dirtytrack's benchmarks, with their targets; `make bench`.
#
# Run from a build tree (`make bench` does that), or by hand:
#   top_srcdir=SRC top_builddir=BUILD bench/run-bench.sh
# It writes bench/results.md under the build tree (a Markdown table: what
# was measured, the target, the number, PASS/FAIL; then the raw numbers)
# and prints it.  docs/benchmarks.md says what each row means.
#
# Everything it starts lives in one temporary directory (tmpfs when
# /dev/shm is writable: sysfs is an in-memory file system too, and a disk
# would add its metadata latency to the fixture reads) and every process
# is stopped by its pid.  Nothing here needs root.
#
# Every hook run is started by bench/spawn-bench as libvirt starts a hook:
# execve() without a shell, a cleared environment, the XML written into a
# pipe on stdin.  (hyperfine cannot feed stdin before 1.16 without a shell,
# and then subtracts an estimate of the shell's start-up, which leaves
# /bin/true at 0 ms: useless for a floor.)
#
# Knobs (environment): BENCH_RUNS (sequential runs per command, 200),
# BENCH_BLOCKS (blocks they are interleaved in, 10), BENCH_CONCURRENT
# (simultaneous hooks, 128), BENCH_ROUNDS (rounds of them, 10),
# BENCH_DBUS_CALLS (latency calls per kind, 5000), BENCH_TPUT_CALLS
# (throughput calls, 20000, for each of Evaluate, uncached Evaluate and the
# echo service), BENCH_RSS_CALLS (100000), BENCH_FLOOD_RUNS (hook runs with
# and without the flood, 100), BENCH_TMPDIR; BENCH_ONLY=flood runs only the
# flood row (needs root: the flooding clients run as uid 65534).
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
XMLLINT=${XMLLINT:-$(command -v xmllint || true)}
DBUS_DAEMON=${DBUS_DAEMON:-$(command -v dbus-daemon || true)}

RUNS=${BENCH_RUNS:-200}
BLOCKS=${BENCH_BLOCKS:-10}
CONC=${BENCH_CONCURRENT:-128}
ROUNDS=${BENCH_ROUNDS:-10}
DBUS_CALLS=${BENCH_DBUS_CALLS:-5000}
TPUT_CALLS=${BENCH_TPUT_CALLS:-20000}
RSS_CALLS=${BENCH_RSS_CALLS:-100000}
FLOOD_RUNS=${BENCH_FLOOD_RUNS:-100}
ONLY=${BENCH_ONLY:-}

hook=$top_builddir/hooks/dirtytrack-hook
daemon=$top_builddir/plugin/daemon/dirtytrackd
spawn=$top_builddir/bench/spawn-bench
dbench=$top_builddir/bench/dbus-bench
baseline=$here/baseline-hook.sh
domain=$here/domain-8vf.xml
results=$top_builddir/bench/results.md
# A Debian 13-class host (kernel 6.12): QEMU 10.0, libvirt 11.0, given so
# that no QEMU binary is probed.
QEMU_V=10.0.0
LIBVIRT_V=11.0.0
# libvirt's hook PATH; the rest only points the uninstalled hook at its
# fixture host, its configuration and its data.
HOOK_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

for f in "$hook" "$spawn" "$dbench" "$baseline" "$domain"; do
    [ -e "$f" ] || { echo "run-bench.sh: $f is missing (run \`make bench\`)" >&2; exit 1; }
done
[ -n "$XMLLINT" ] || { echo "run-bench.sh: xmllint is needed (Debian: libxml2-utils)" >&2; exit 1; }

base=${BENCH_TMPDIR:-}
if [ -z "$base" ]; then
    if [ -d /dev/shm ] && [ -w /dev/shm ]; then base=/dev/shm; else base=${TMPDIR:-/tmp}; fi
fi
tmp=$(mktemp -d "$base/dt-bench.XXXXXX")
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf 'bench: %s\n' "$*" >&2; }

load=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- fixture hosts and configuration -------------------------------------------
declare -A nf
for n in 8 512 4096; do
    log "generating a host of $n PCI functions"
    nf[$n]=$("$here/mkbighost.sh" "$tmp/host$n" "$n")
done
log "generating a host of 512 PCI functions with 400 processes in /proc"
nf[512p]=$("$here/mkbighost.sh" "$tmp/host512p" 512 400)

cat >"$tmp/inproc.conf" <<'EOF'
[hook]
use-daemon = false
EOF
cat >"$tmp/daemon.conf" <<'EOF'
[hook]
use-daemon = true
EOF

# hookenv HOST CONF [BUS]: the environment libvirt gives plus ours, as NAME=VALUE words
hookenv() {
    printf '%s\n' "LC_ALL=C" "PATH=$HOOK_PATH" "DIRTYTRACK_SYSROOT=$tmp/host$1" \
        "DIRTYTRACK_QEMU_VERSION=$QEMU_V" "DIRTYTRACK_LIBVIRT_VERSION=$LIBVIRT_V" \
        "DIRTYTRACK_DATADIR=$top_srcdir/data" "DIRTYTRACK_CONFIG=$tmp/$2.conf"
    [ -z "${3:-}" ] || printf '%s\n' "DIRTYTRACK_BUS_ADDRESS=$3"
}

# check_hook HOST CONF [BUS [WANT]]: one run must allow, rewrite all 8
# devices and take the expected path (WANT; in-process without a bus,
# daemon with one): a benchmark of a failing hook measures nothing
check_hook() {
    local out err want=in-process
    [ -z "${3:-}" ] || want=${4:-daemon}
    mapfile -t e < <(hookenv "$@")
    out=$(env -i "${e[@]}" DIRTYTRACK_HOOK_DEBUG=1 "$hook" bench-8vf migrate begin - \
          <"$domain" 2>"$tmp/check.err") || {
        log "the hook failed on host$1:"; cat "$tmp/check.err" >&2; exit 1; }
    err=$(cat "$tmp/check.err")
    if [ "$(grep -c '<dirtytrack:device ' <<<"$out")" -ne 8 ] ||
       ! grep -q 'verdict="allow" mode="device"' <<<"$out" ||
       ! grep -q "via $want " <<<"$err"; then
        log "unexpected hook result on host$1 (want allow/device/8 devices via $want):"
        printf '%s\n%s\n' "$err" "$(head -c 2000 <<<"$out")" >&2
        exit 1
    fi
}

# ---- timing helpers --------------------------------------------------------------
declare -A mean p50 p99

# stats KEY FILE(latencies in us, one a line): fills mean/p50/p99 in ms
stats() {
    read -r mean[$1] p50[$1] p99[$1] < <(sort -n "$2" | awk '
        { v[NR] = $1; s += $1 }
        END {
            r50 = int((NR * 50 + 99) / 100); r99 = int((NR * 99 + 99) / 100)
            printf "%.3f %.3f %.3f\n", s / NR / 1000, v[r50] / 1000, v[r99] / 1000
        }')
}

# seq KEY HOST CONF BUS N -- PROGRAM ARG...: N more sequential runs,
# their latencies appended to $tmp/KEY.lat
seq_runs() {
    local key=$1 host=$2 conf=$3 bus=$4 n=$5
    shift 6
    local -a ev=()
    mapfile -t e < <(hookenv "$host" "$conf" "$bus")
    for v in "${e[@]}"; do ev+=(-e "$v"); done
    "$spawn" -n "$n" -w 2 -i "$domain" "${ev[@]}" -o "$tmp/run.lat" -- "$@" >"$tmp/run.sum"
    grep -q ' unexpected=0$' "$tmp/run.sum" || {
        log "$key: unexpected exit status"; cat "$tmp/run.sum" >&2; exit 1; }
    cat "$tmp/run.lat" >>"$tmp/$key.lat"
}

# seq_all "KEY|HOST|CONF|BUS|COMMAND"...: RUNS runs of each, interleaved
# in BLOCKS blocks, so that a burst of load from elsewhere on the machine
# lands on every command alike and the ratios stay fair
seq_all() {
    local r key host conf bus cmd b per=$(((RUNS + BLOCKS - 1) / BLOCKS))
    for r in "$@"; do
        IFS='|' read -r key host conf bus cmd <<<"$r"
        : >"$tmp/$key.lat"
    done
    for ((b = 0; b < BLOCKS; b++)); do
        for r in "$@"; do
            IFS='|' read -r key host conf bus cmd <<<"$r"
            # shellcheck disable=SC2086
            seq_runs "$key" "$host" "$conf" "$bus" "$per" -- $cmd
        done
    done
    for r in "$@"; do
        IFS='|' read -r key host conf bus cmd <<<"$r"
        stats "$key" "$tmp/$key.lat"
    done
}

# conc KEY HOST CONF BUS WANT: CONC simultaneous hook runs, ROUNDS times;
# via[KEY] says how many runs were answered on the WANT path (in-process
# or daemon) and how many otherwise (the deadline's fail policy, ...)
declare -A via
conc() {
    local key=$1 host=$2 conf=$3 bus=$4 want=$5 good other
    local -a ev=()
    mapfile -t e < <(hookenv "$host" "$conf" "$bus")
    for v in "${e[@]}"; do ev+=(-e "$v"); done
    mkdir -p "$tmp/err-$key"
    "$spawn" -n $((CONC * ROUNDS)) -c "$CONC" -w 10 -i "$domain" "${ev[@]}" \
        -e DIRTYTRACK_HOOK_DEBUG=1 -E "$tmp/err-$key" -o "$tmp/$key.lat" \
        -- "$hook" bench-8vf migrate begin - >"$tmp/$key.sum"
    grep -q ' unexpected=0$' "$tmp/$key.sum" || {
        log "$key: unexpected exit status"; cat "$tmp/$key.sum" >&2; exit 1; }
    good=$(cat "$tmp/err-$key"/*.err | grep -c "exit 0 via $want output rewritten" || true)
    other=$(( CONC * ROUNDS - good ))
    via[$key]="$good of $((CONC * ROUNDS)) answered $want"
    if [ "$other" -gt 0 ]; then
        via[$key]="${via[$key]}; $other otherwise: $(cat "$tmp/err-$key"/*.err |
            sed -n 's/.*exit [0-9]* via \([a-z-]*\) .*/\1/p' | grep -v "^$want\$" |
            sort | uniq -c | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')"
    fi
    stats "$key" "$tmp/$key.lat"
}

# ---- the hook without a daemon ---------------------------------------------------
HOOKCMD="$hook bench-8vf migrate begin -"
if [ "$ONLY" != flood ]; then
for h in 8 512 4096 512p; do check_hook "$h" inproc; done
log "sequential runs ($RUNS each, in $BLOCKS interleaved blocks): floor, hook on 3 host sizes, shell baseline"
seq_all \
    "true|512|inproc||/bin/true" \
    "xmllint|512|inproc||$XMLLINT --noout -" \
    "hook8|8|inproc||$HOOKCMD" \
    "hook512|512|inproc||$HOOKCMD" \
    "hook4096|4096|inproc||$HOOKCMD" \
    "hook512p|512p|inproc||$HOOKCMD" \
    "baseline|512|inproc||$baseline bench-8vf migrate begin -"
log "$CONC concurrent hook runs x $ROUNDS rounds (in-process)"
conc conc_inproc 512 inproc "" in-process
# The same burst of the floor's two commands: what this machine's cores
# allow any hook before it does any work of its own
conc_floor() {   # conc_floor KEY PROGRAM ARG...
    local key=$1
    shift
    "$spawn" -n $((CONC * ROUNDS)) -c "$CONC" -w 10 -i "$domain" -e LC_ALL=C \
        -e "PATH=$HOOK_PATH" -o "$tmp/$key.lat" -- "$@" >"$tmp/$key.sum"
    grep -q ' unexpected=0$' "$tmp/$key.sum" || {
        log "$key: unexpected exit status"; cat "$tmp/$key.sum" >&2; exit 1; }
    stats "$key" "$tmp/$key.lat"
}
log "$CONC concurrent runs x $ROUNDS rounds of the floor: /bin/true, xmllint"
conc_floor conc_true /bin/true
conc_floor conc_xmllint "$XMLLINT" --noout -
fi

# ---- the daemon --------------------------------------------------------------------
daemon_note=""
if [ ! -x "$daemon" ]; then
    daemon_note="not run: daemon not built"
elif [ -z "$DBUS_DAEMON" ] || [ ! -x "$DBUS_DAEMON" ]; then
    daemon_note="not run: no dbus-daemon (Debian: dbus-daemon)"
fi
if [ -z "$daemon_note" ]; then
    sock=$tmp/bus
    bus="unix:path=$sock"
    cat >"$tmp/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>dirtytrack-bench</type>
  <listen>$bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
    "$DBUS_DAEMON" --nofork --nopidfile --config-file="$tmp/bus.conf" >"$tmp/bus.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
    # the default configuration on a host whose bus runs but whose daemon
    # does not: the hook asks the bus, finds no owner, evaluates here
    check_hook 512 daemon "$bus" in-process
    [ "$ONLY" = flood ] ||
        seq_all "hook512a|512|inproc||$HOOKCMD" "hook512n|512|daemon|$bus|$HOOKCMD"
    env DIRTYTRACK_DATADIR="$top_srcdir/data" LC_ALL=C \
        "$daemon" --address "$bus" --sysroot "$tmp/host512" --config "$tmp/daemon.conf" \
        >"$tmp/daemon.log" 2>&1 &
    dpid=$!
    pids+=("$dpid")
    if ! "$dbench" --address "$bus" --xml "$domain" -n 100 wait; then
        daemon_note="not run: dirtytrackd did not come up ($(tail -n 1 "$tmp/daemon.log"))"
    fi
fi
declare -A db
dbus_run() {   # dbus_run PREFIX MODE ARGS...: key=value output into db[PREFIX.key]
    local prefix=$1 k v
    shift
    "$dbench" --address "$bus" --xml "$domain" --qemu "$QEMU_V" --libvirt "$LIBVIRT_V" "$@" \
        >"$tmp/dbus-$prefix.out"
    while IFS='=' read -r k v; do db[$prefix.$k]=$v; done <"$tmp/dbus-$prefix.out"
}
# The hook via the daemon while 16 clients of another user flood it: each
# asks for a new domain of 8000 passthrough functions (a second of work
# apiece here) as soon as its last call is answered, Busy or not.  Root's
# lane and the user's bounded share keep the hook's calls from waiting
# behind them.  The same number of runs without the flood first.
flood_note=""
flood_row() {
    if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
        flood_note="not run: needs root and setpriv (the flooding clients run as uid 65534)"
        return
    fi
    awk '/<\/devices>/ { for (n = 0; n < 8000; n++)
            printf "<hostdev mode=\x27subsystem\x27 type=\x27pci\x27 managed=\x27yes\x27><source><address domain=\x270x0000\x27 bus=\x270x%02x\x27 slot=\x270x%02x\x27 function=\x270x%x\x27/></source></hostdev>\n", 64 + int(n / 256), int(n / 8) % 32, n % 8 }
         { print }' "$domain" >"$tmp/flood.xml"
    chmod 755 "$tmp"
    chmod 644 "$tmp/flood.xml"
    check_hook 512 daemon "$bus"
    log "hook via the daemon, $FLOOD_RUNS runs alone, then $FLOOD_RUNS under a flood of 16 clients of uid 65534"
    : >"$tmp/hookq.lat"
    seq_runs hookq 512 daemon "$bus" "$FLOOD_RUNS" -- $HOOKCMD
    stats hookq "$tmp/hookq.lat"
    setpriv --reuid=65534 --regid=65534 --clear-groups "$dbench" --address "$bus" \
        --xml "$tmp/flood.xml" --qemu "$QEMU_V" --libvirt "$LIBVIRT_V" --clients 16 \
        --seconds 3600 flood >"$tmp/flood.out" 2>&1 &
    local fpid=$!
    pids+=("$fpid")
    sleep 2
    : >"$tmp/hookf.lat"
    seq_runs hookf 512 daemon "$bus" "$FLOOD_RUNS" -- $HOOKCMD
    stats hookf "$tmp/hookf.lat"
    kill "$fpid" 2>/dev/null || true
    wait "$fpid" 2>/dev/null || true
}
flood_line() {
    if [ -n "$daemon_note" ] || [ -n "$flood_note" ]; then
        echo "| hook via dirtytrackd while 16 unprivileged clients flood it / alone (mean) | <= 2x | ${daemon_note:-$flood_note} | not run |"
        return
    fi
    local r
    r=$(calc "${mean[hookf]} / ${mean[hookq]}")
    echo "| hook via dirtytrackd while 16 unprivileged clients flood it / alone (mean) | <= 2x | ${mean[hookf]} / ${mean[hookq]} ms = **${r}x** (p99 ${p99[hookf]} / ${p99[hookq]} ms) | $(judge "$r" "<=" 2) |"
}
if [ "$ONLY" = flood ]; then
    judge() { awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN {
        ok = (op == "<=") ? (a <= b) : (a >= b); print ok ? "PASS" : "FAIL" }'; }
    calc() { awk "BEGIN { printf \"%.2f\", $* }"; }
    [ -n "$daemon_note" ] || flood_row
    echo "| Benchmark | Target | Measured | Result |"
    echo "|---|---|---|---|"
    flood_line
    exit 0
fi

if [ -z "$daemon_note" ]; then
    # latency: Ping, Evaluate (the same domain every call: what a client
    # asking again sees), Evaluate of a different domain every call (no
    # decision-cache answer possible), and the transport floor (the same
    # message to an echo service that answers at once with the daemon's
    # reply: libdbus and dbus-daemon alone), in alternating blocks
    log "D-Bus: Ping, Evaluate, uncached Evaluate and echo round trips ($DBUS_CALLS each)"
    dbus_run lat latency -n "$DBUS_CALLS"
    log "D-Bus: throughput, 16 clients, $TPUT_CALLS calls (Evaluate, uncached, echo)"
    dbus_run tput throughput --clients 16 -n "$TPUT_CALLS"
    dbus_run tputu throughput --clients 16 -n "$TPUT_CALLS" --uncached
    dbus_run tpute throughput --clients 16 -n "$TPUT_CALLS" --echo
    log "D-Bus: daemon RSS over $RSS_CALLS calls"
    dbus_run rss rss --clients 16 -n "$RSS_CALLS" --samples 10 --pid "$dpid"
    check_hook 512 daemon "$bus"
    log "hook via the daemon: sequential and $CONC concurrent"
    seq_all "hook512b|512|inproc||$HOOKCMD" "hook512d|512|daemon|$bus|$HOOKCMD"
    conc conc_daemon 512 daemon "$bus" daemon
    flood_row
    kill "$dpid"
    wait "$dpid" 2>/dev/null || true
fi

# ---- the table -------------------------------------------------------------------
# judge VALUE OP LIMIT: PASS or FAIL
judge() { awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN {
    ok = (op == "<=") ? (a <= b) : (a >= b); print ok ? "PASS" : "FAIL" }'; }
calc() { awk "BEGIN { printf \"%.2f\", $* }"; }

floor_mean=$(calc "${mean[true]} + ${mean[xmllint]}")
floor_p50=$(calc "${p50[true]} + ${p50[xmllint]}")
floor_p99=$(calc "${p99[true]} + ${p99[xmllint]}")
r_floor=$(calc "${mean[hook512]} / $floor_mean")
r_base=$(calc "${mean[baseline]} / ${mean[hook512]}")
r_size=$(calc "${mean[hook4096]} / ${mean[hook8]}")
# the same ratios on medians, which a burst of outside load moves less
m_floor=$(calc "${p50[hook512]} / $floor_p50")
m_base=$(calc "${p50[baseline]} / ${p50[hook512]}")
m_size=$(calc "${p50[hook4096]} / ${p50[hook8]}")
ms() { printf '%s ms (p50 %s, p99 %s)' "${mean[$1]}" "${p50[$1]}" "${p99[$1]}"; }

{
    echo "# dirtytrack benchmarks"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)); kernel $(uname -r); load average before the run: $load; fixture hosts on $(df -PT "$tmp" | awk 'NR == 2 { print $2 }')."
    echo
    echo "| Benchmark | Target | Measured | Result |"
    echo "|---|---|---|---|"
    echo "| hook \`migrate begin\`, 8 hostdevs, ${nf[512]} functions, no daemon: hook / floor (mean) | <= 2x | ${mean[hook512]} / $floor_mean ms = **${r_floor}x** (p50: ${m_floor}x) | $(judge "$r_floor" "<=" 2) |"
    echo "| same: shell baseline / hook (mean) | >= 20x | ${mean[baseline]} / ${mean[hook512]} ms = **${r_base}x** (p50: ${m_base}x) | $(judge "$r_base" ">=" 20) |"
    echo "| host size: hook on ${nf[4096]} / on ${nf[8]} functions (mean) | <= 1.2 | ${mean[hook4096]} / ${mean[hook8]} ms = **${r_size}** (p50: ${m_size}) | $(judge "$r_size" "<=" 1.2) |"
    echo "| hook on ${nf[512p]} functions with 400 processes (24 fds each) in /proc | none (information) | ${mean[hook512p]} ms, $(calc "${mean[hook512p]} / ${mean[hook512]}")x the same host with none | info |"
    echo "| $CONC concurrent hooks (host evacuation), in-process: p99 | <= 50 ms | p50 ${p50[conc_inproc]} ms, **p99 ${p99[conc_inproc]} ms** (${via[conc_inproc]}) | $(judge "${p99[conc_inproc]}" "<=" 50) |"
    echo "| the same burst of the floor's commands alone: p99 of \`/bin/true\`, of \`xmllint --noout -\` | none (information: what $(nproc) cores allow) | ${p99[conc_true]} ms, ${p99[conc_xmllint]} ms (p50 ${p50[conc_true]}, ${p50[conc_xmllint]}) | info |"
    if [ -z "$daemon_note" ]; then
        r_ping=$(calc "${db[lat.evaluate_mean_us]} / ${db[lat.ping_mean_us]}")
        rss_mib=$(calc "${db[rss.rss_spread_kib]} / 1024")
        echo "| hook via dirtytrackd / in-process, sequential, same blocks (mean) | none (information) | ${mean[hook512d]} / ${mean[hook512b]} ms = $(calc "${mean[hook512d]} / ${mean[hook512b]}")x | info |"
        echo "| $CONC concurrent hooks via dirtytrackd: p99 | <= 50 ms | p50 ${p50[conc_daemon]} ms, **p99 ${p99[conc_daemon]} ms** (${via[conc_daemon]}) | $(judge "${p99[conc_daemon]}" "<=" 50) |"
        flood_line
        echo "| D-Bus \`Evaluate\` / \`Peer.Ping\` round trip (mean) | <= 3x | $(calc "${db[lat.evaluate_mean_us]} / 1000") / $(calc "${db[lat.ping_mean_us]} / 1000") ms = **${r_ping}x** | $(judge "$r_ping" "<=" 3) |"
        echo "| same, a different domain every call (no decision-cache answer) / \`Peer.Ping\` (mean) | none (information) | $(calc "${db[lat.evaluate_uncached_mean_us]} / 1000") / $(calc "${db[lat.ping_mean_us]} / 1000") ms = $(calc "${db[lat.evaluate_uncached_mean_us]} / ${db[lat.ping_mean_us]}")x | info |"
        echo "| transport floor: the same message to an echo service on the same bus answering with the same reply (${db[lat.xml_bytes]} B in, ${db[lat.reply_json_bytes]} B out) / \`Peer.Ping\` (mean) | none (information: libdbus and dbus-daemon alone) | $(calc "${db[lat.echo_mean_us]} / 1000") / $(calc "${db[lat.ping_mean_us]} / 1000") ms = $(calc "${db[lat.echo_mean_us]} / ${db[lat.ping_mean_us]}")x | info |"
        echo "| \`Evaluate\` throughput, 16 clients | >= 5,000/s | **${db[tput.calls_per_s]}/s** (${db[tput.calls]} calls, ${db[tput.errors]} errors) | $(judge "${db[tput.calls_per_s]}" ">=" 5000) |"
        echo "| same, a different domain every call; and to the echo service (transport ceiling) | none (information) | ${db[tputu.calls_per_s]}/s (${db[tputu.errors]} errors); ${db[tpute.calls_per_s]}/s (${db[tpute.errors]} errors) | info |"
        echo "| dirtytrackd RSS over ${db[rss.calls]} \`Evaluate\` calls: max - min | <= 1 MiB | ${db[rss.rss_min_kib]}..${db[rss.rss_max_kib]} KiB = **${rss_mib} MiB** | $(judge "${db[rss.rss_spread_kib]}" "<=" 1024) |"
    else
        for row in "$CONC concurrent hooks via dirtytrackd: p99|<= 50 ms" \
                   "hook via dirtytrackd while 16 unprivileged clients flood it / alone (mean)|<= 2x" \
                   "D-Bus \`Evaluate\` / \`Peer.Ping\` round trip (mean)|<= 3x" \
                   "\`Evaluate\` throughput, 16 clients|>= 5,000/s" \
                   "dirtytrackd RSS over $RSS_CALLS \`Evaluate\` calls|<= 1 MiB"; do
            echo "| ${row%%|*} | ${row#*|} | $daemon_note | not run |"
        done
    fi
    echo
    echo "Raw numbers (ms: mean / p50 / p99, $RUNS sequential runs each unless noted):"
    echo
    echo "| Command | Host | mean | p50 | p99 |"
    echo "|---|---|---|---|---|"
    echo "| \`/bin/true\` | - | ${mean[true]} | ${p50[true]} | ${p99[true]} |"
    echo "| \`xmllint --noout -\` (same XML) | - | ${mean[xmllint]} | ${p50[xmllint]} | ${p99[xmllint]} |"
    echo "| floor = sum of the two | - | $floor_mean | $floor_p50 | $floor_p99 |"
    echo "| hook, in-process | ${nf[8]} functions | ${mean[hook8]} | ${p50[hook8]} | ${p99[hook8]} |"
    echo "| hook, in-process | ${nf[512]} functions | ${mean[hook512]} | ${p50[hook512]} | ${p99[hook512]} |"
    echo "| hook, in-process | ${nf[4096]} functions | ${mean[hook4096]} | ${p50[hook4096]} | ${p99[hook4096]} |"
    echo "| hook, in-process (no target) | ${nf[512p]} functions, 400 processes in /proc | ${mean[hook512p]} | ${p50[hook512p]} | ${p99[hook512p]} |"
    echo "| shell baseline | ${nf[512]} functions | ${mean[baseline]} | ${p50[baseline]} | ${p99[baseline]} |"
    echo "| $CONC concurrent hooks x $ROUNDS rounds, in-process | ${nf[512]} functions | ${mean[conc_inproc]} | ${p50[conc_inproc]} | ${p99[conc_inproc]} |"
    echo "| $CONC concurrent \`/bin/true\` x $ROUNDS rounds | - | ${mean[conc_true]} | ${p50[conc_true]} | ${p99[conc_true]} |"
    echo "| $CONC concurrent \`xmllint --noout -\` x $ROUNDS rounds | - | ${mean[conc_xmllint]} | ${p50[conc_xmllint]} | ${p99[conc_xmllint]} |"
    if [ -z "$daemon_note" ]; then
        echo "| hook, use-daemon = true, bus up, no daemon (falls back in-process) | ${nf[512]} functions | ${mean[hook512n]} | ${p50[hook512n]} | ${p99[hook512n]} |"
        echo "| hook, in-process, interleaved with the row above | ${nf[512]} functions | ${mean[hook512a]} | ${p50[hook512a]} | ${p99[hook512a]} |"
        echo "| hook via dirtytrackd | ${nf[512]} functions | ${mean[hook512d]} | ${p50[hook512d]} | ${p99[hook512d]} |"
        echo "| hook, in-process, interleaved with the row above | ${nf[512]} functions | ${mean[hook512b]} | ${p50[hook512b]} | ${p99[hook512b]} |"
        echo "| $CONC concurrent hooks x $ROUNDS rounds via dirtytrackd | ${nf[512]} functions | ${mean[conc_daemon]} | ${p50[conc_daemon]} | ${p99[conc_daemon]} |"
        echo "| D-Bus \`Peer.Ping\` ($DBUS_CALLS) | - | $(calc "${db[lat.ping_mean_us]} / 1000") | $(calc "${db[lat.ping_p50_us]} / 1000") | $(calc "${db[lat.ping_p99_us]} / 1000") |"
        echo "| D-Bus \`Evaluate\` ($DBUS_CALLS) | ${nf[512]} functions | $(calc "${db[lat.evaluate_mean_us]} / 1000") | $(calc "${db[lat.evaluate_p50_us]} / 1000") | $(calc "${db[lat.evaluate_p99_us]} / 1000") |"
        echo "| D-Bus \`Evaluate\`, a different domain each call ($DBUS_CALLS) | ${nf[512]} functions | $(calc "${db[lat.evaluate_uncached_mean_us]} / 1000") | $(calc "${db[lat.evaluate_uncached_p50_us]} / 1000") | $(calc "${db[lat.evaluate_uncached_p99_us]} / 1000") |"
        echo "| D-Bus echo service, same payloads ($DBUS_CALLS) | - | $(calc "${db[lat.echo_mean_us]} / 1000") | $(calc "${db[lat.echo_p50_us]} / 1000") | $(calc "${db[lat.echo_p99_us]} / 1000") |"
        echo
        printf 'dirtytrackd RSS (KiB) after a 2,000-call warm-up, then every %s calls:' \
            "$((RSS_CALLS / 10))"
        for i in 0 1 2 3 4 5 6 7 8 9 10; do
            printf ' %s' "${db[rss.rss_kib_$((i * RSS_CALLS / 10))]:-?}"
        done
        echo "; RSS run throughput ${db[rss.calls_per_s]}/s, errors ${db[rss.errors]}; latency-run errors ${db[lat.errors]}."
    else
        echo
        echo "D-Bus rows: $daemon_note."
    fi
} >"$results"
cat "$results"
