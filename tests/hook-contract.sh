#!/bin/sh
# hook-contract.sh: the hook binary driven exactly as libvirt drives it
# (four arguments, the domain XML on stdin, `env -i LC_ALL=C PATH HOME`),
# over the fixture hosts and sample domains, with golden stdout, stderr
# and exit status in tests/data/hook/contract/ (DIRTYTRACK_TEST_REGENERATE=1
# rewrites them).  Then the deadline: a daemon that hangs, one that never
# reads, one that died, a dead bus and an in-process probe that blocks
# must all end within the deadline (+500 ms) under the fail policy.
#
# The only variables added to libvirt's environment are the fixture knobs
# (sysroot, versions, config, data dir) and a private bus address, so the
# hook can never reach a real system bus from a test.

. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/tap.sh"

HOOK="$top_builddir/hooks/dirtytrack-hook"
FAKE="$top_builddir/tests/hook-fake-daemon"
GOLD="$top_srcdir/tests/data/hook/contract"
REGEN="${DIRTYTRACK_TEST_REGENERATE:-}"
tap_tmpdir
T="$TAP_TMP"

if [ ! -x "$HOOK" ]; then
    echo "1..0 # SKIP $HOOK not built"
    exit 0
fi

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# Versions per fixture host: Debian 12 is QEMU 7.2 / libvirt 9.0; the
# 6.12-kernel hosts get a QEMU and libvirt of the same era.
host_qemu() { case $1 in debian12) echo 7.2.0 ;; *) echo 10.0.0 ;; esac; }
host_libvirt() { case $1 in debian12) echo 9.0.0 ;; *) echo 11.0.0 ;; esac; }

NOBUS="unix:path=$T/no-bus-here"

# run_hook HOST DOMAIN-FILE NAME OP SUBOP [VAR=VALUE...]: as libvirt would,
# leaving $T/out, $T/err, $T/rc and $T/ms.
run_hook() {
    host=$1 xml=$2 name=$3 op=$4 subop=$5
    shift 5
    t0=$(now_ms)
    env -i LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
        DIRTYTRACK_SYSROOT="$top_srcdir/tests/data/hosts/$host" \
        DIRTYTRACK_QEMU_VERSION="$(host_qemu "$host")" \
        DIRTYTRACK_LIBVIRT_VERSION="$(host_libvirt "$host")" \
        DIRTYTRACK_DATADIR="$DIRTYTRACK_DATADIR" \
        DIRTYTRACK_CONFIG="${HOOK_CONFIG:-/nonexistent/dirtytrack.conf}" \
        DIRTYTRACK_BUS_ADDRESS="$NOBUS" \
        DIRTYTRACK_LOG_SOCKET="$DIRTYTRACK_LOG_SOCKET" DIRTYTRACK_RUNTIME_DIR="$DIRTYTRACK_RUNTIME_DIR" \
        "$@" "$HOOK" "$name" "$op" "$subop" - <"$xml" >"$T/out" 2>"$T/err"
    echo $? >"$T/rc"
    echo $(( $(now_ms) - t0 )) >"$T/ms"
}

# The host name and the evaluation time are the only parts of the output
# that depend on when and where the test runs.
normalise() {
    sed -e "s/ host=\"[^\"]*\"/ host=\"HOST\"/g" -e "s/ time=\"[^\"]*\"/ time=\"TIME\"/g" "$1"
}

# golden_check NAME: compares exit, stdout and stderr with $GOLD/NAME.
golden_check() {
    mkdir -p "$T/g"
    {
        echo "exit: $(cat "$T/rc")"
        echo "--- stdout"
        normalise "$T/out"
        echo "--- stderr"
        cat "$T/err"
    } >"$T/g/actual"
    if [ -n "$REGEN" ]; then
        mkdir -p "$(dirname "$GOLD/$1")"
        cp "$T/g/actual" "$GOLD/$1"
    fi
    if [ -f "$GOLD/$1" ] && cmp -s "$GOLD/$1" "$T/g/actual"; then
        return 0
    fi
    diff -u "$GOLD/$1" "$T/g/actual" | sed 's/^/# /' | head -40
    return 1
}

# ---- 1. golden matrix ---------------------------------------------------------
DOMAIN_LIST="mlx5-vf mlx5-two-vfs qat-vf plain-vf mixed-mlx5-qat no-hostdev viommu-mlx5
iommufd-cmdline-qat iommufd-native-qat mdev missing-device metadata-require metadata-budget
large-mem-mlx5"

for host in intel-dirty debian12 no-iommu amd-hdsup; do
    if [ ! -d "$top_srcdir/tests/data/hosts/$host" ]; then
        tap_fail "fixture host $host exists"
        continue
    fi
    for dom in $DOMAIN_LIST; do
        xml="$DOMAINS/$dom.xml"
        if [ ! -f "$xml" ]; then
            tap_fail "sample domain $dom exists"
            continue
        fi
        ops="migrate prepare"
        case $host in intel-dirty|debian12) ops="$ops restore" ;; esac
        for op in $ops; do
            run_hook "$host" "$xml" "$dom" "$op" begin
            if golden_check "$host/$dom.$op"; then
                tap_ok "$op begin: $dom on $host -> exit $(cat "$T/rc") as recorded"
            else
                tap_fail "$op begin: $dom on $host -> exit $(cat "$T/rc") as recorded"
            fi
            # whatever the filter prints, libvirt must be able to parse it
            # (only for inputs libvirt 9.0's own schema accepts: some
            # samples use newer libvirt's elements)
            if [ "$op" != prepare ] && [ -s "$T/out" ] && command -v virt-xml-validate >/dev/null &&
                    virt-xml-validate "$xml" domain >/dev/null 2>&1; then
                if virt-xml-validate "$T/out" domain >"$T/v" 2>&1; then
                    tap_ok "$op begin: $dom on $host -> output passes virt-xml-validate"
                else
                    sed 's/^/# /' "$T/v"
                    tap_fail "$op begin: $dom on $host -> output passes virt-xml-validate"
                fi
            fi
            if [ "$op" = prepare ] && [ -s "$T/out" ]; then
                tap_fail "prepare begin: $dom on $host -> prints nothing on stdout"
            fi
        done
    done
done

# A filtered domain filtered again changes nothing (libvirt runs the
# migrate hook on each hop; the output must be stable).
run_hook intel-dirty "$DOMAINS/mlx5-vf.xml" mlx5-vf migrate begin
if [ "$(cat "$T/rc")" = 0 ] && [ -s "$T/out" ]; then
    cp "$T/out" "$T/once.xml"
    run_hook intel-dirty "$T/once.xml" mlx5-vf migrate begin
    if [ "$(cat "$T/rc")" = 0 ] && [ ! -s "$T/out" ]; then
        tap_ok "migrate begin: own output on the same host -> no output (unchanged)"
    else
        tap_fail "migrate begin: own output on the same host -> no output (unchanged)"
    fi
else
    tap_fail "migrate begin: mlx5-vf on intel-dirty is accepted and rewritten"
fi

# ---- 2. a domain that is none of our business ---------------------------------
for op in "prepare begin" "start begin" "started begin" "stopped end" "release end" \
          "migrate begin" "restore begin" "reconnect begin" "attach begin"; do
    # shellcheck disable=SC2086
    run_hook intel-dirty "$DOMAINS/no-hostdev.xml" no-hostdev $op
    if [ "$(cat "$T/rc")" = 0 ] && [ ! -s "$T/out" ] && [ ! -s "$T/err" ]; then
        tap_ok "no VFIO, no metadata: $op -> exit 0, no output"
    else
        tap_fail "no VFIO, no metadata: $op -> exit 0, no output (rc $(cat "$T/rc"))"
    fi
done

# libvirt's real environment has no dirtytrack bus variable: the hook finds
# the system bus the normal way (libdbus: DBUS_SYSTEM_BUS_ADDRESS, else the
# well-known socket) and still answers.  The test names a bus that is not
# there, so the machine's own bus and daemon (if any) play no part.
t0=$(now_ms)
env -i LC_ALL=C PATH=/usr/bin:/bin HOME=/root \
    DIRTYTRACK_SYSROOT="$top_srcdir/tests/data/hosts/intel-dirty" \
    DIRTYTRACK_QEMU_VERSION=10.0.0 DIRTYTRACK_LIBVIRT_VERSION=11.0.0 \
    DIRTYTRACK_DATADIR="$DIRTYTRACK_DATADIR" DIRTYTRACK_CONFIG=/nonexistent/dirtytrack.conf \
    DIRTYTRACK_LOG_SOCKET="$DIRTYTRACK_LOG_SOCKET" DIRTYTRACK_RUNTIME_DIR="$DIRTYTRACK_RUNTIME_DIR" \
    DBUS_SYSTEM_BUS_ADDRESS="$NOBUS" \
    "$HOOK" mlx5-vf migrate begin - <"$DOMAINS/mlx5-vf.xml" >"$T/out2" 2>"$T/err2"
rc=$?
run_hook intel-dirty "$DOMAINS/mlx5-vf.xml" mlx5-vf migrate begin
# (the two runs may fall into different seconds: compare without the time)
if [ "$rc" = "$(cat "$T/rc")" ] && [ -s "$T/out" ] &&
   [ "$(normalise "$T/out")" = "$(normalise "$T/out2")" ] && [ $(( $(now_ms) - t0 )) -lt 5000 ]; then
    tap_ok "no D-Bus variables: same answer as without a daemon"
else
    tap_fail "no D-Bus variables: same answer as without a daemon (rc $rc)"
fi

# Called wrongly: refuses with a usage line, never reads forever.
env -i LC_ALL=C "$HOOK" only-two args </dev/null >/dev/null 2>"$T/err"
rc=$?
if [ "$rc" = 2 ] && grep -q usage "$T/err"; then
    tap_ok "wrong argument count -> exit 2 with usage"
else
    tap_fail "wrong argument count -> exit 2 with usage (rc $rc)"
fi

# Malformed XML on a gated operation: the fail policy applies and says so.
printf '<domain><name>x</name>' >"$T/bad.xml"
run_hook intel-dirty "$T/bad.xml" x migrate begin
if [ "$(cat "$T/rc")" = 0 ] && grep -q "on-timeout=allow" "$T/err" && [ ! -s "$T/out" ]; then
    tap_ok "malformed XML, on-timeout=allow -> exit 0, unchanged, reason on stderr"
else
    tap_fail "malformed XML, on-timeout=allow -> exit 0, unchanged, reason on stderr"
fi
printf '[hook]\non-timeout = deny\n' >"$T/deny.conf"
HOOK_CONFIG="$T/deny.conf" run_hook intel-dirty "$T/bad.xml" x migrate begin
if [ "$(cat "$T/rc")" = 1 ] && grep -q "on-timeout=deny" "$T/err"; then
    tap_ok "malformed XML, on-timeout=deny -> exit 1, reason on stderr"
else
    tap_fail "malformed XML, on-timeout=deny -> exit 1, reason on stderr"
fi

# The start gate's refusal names its cause: require-migratable only says
# "see the other reasons", and here the other reason (the device is not on
# this host) is a warning on its own.
printf '[policy]\nrequire-migratable = true\n[hook]\ngate-start = true\n' >"$T/require.conf"
HOOK_CONFIG="$T/require.conf" run_hook intel-dirty "$DOMAINS/missing-device.xml" missing-device \
    prepare begin
if [ "$(cat "$T/rc")" = 1 ] && grep -q "refused \[require-migratable\]" "$T/err" &&
   grep -q "\[device-not-found\] 0000:99:00.0" "$T/err"; then
    tap_ok "start gate, require-migratable over a missing device -> the missing device is shown"
else
    sed 's/^/# stderr: /' "$T/err"
    tap_fail "start gate, require-migratable over a missing device -> the missing device is shown"
fi

# ---- broken configuration: fail closed for the domains it governs --------------
# A strict file with one misspelt key used to make the hook fall back to
# the built-in defaults, which allow everything.
printf '# strict\n[policy]\nrequire-migratable = true\n[hook]\ngate-start = true\non-timeout = deny\ndeadlin-ms = 500\n' \
    >"$T/typo.conf"
printf '[hook]\ndeadline-ms = 1\n' >"$T/range.conf"
for c in "typo.conf:7: \[hook\] deadlin-ms: unknown key" \
         "range.conf:2: \[hook\] deadline-ms: invalid value '1'"; do
    conf=${c%%:*} want=${c#*:}
    for op in migrate prepare; do
        HOOK_CONFIG="$T/$conf" run_hook intel-dirty "$DOMAINS/mlx5-vf.xml" mlx5-vf $op begin
        if [ "$(cat "$T/rc")" = 1 ] && [ ! -s "$T/out" ] && [ "$(wc -l <"$T/err")" = 1 ] &&
           grep -q "$T/$conf:$want.*; refusing" "$T/err"; then
            tap_ok "broken config ($conf): $op begin of a VFIO domain -> refused, one line naming file:line:key"
        else
            sed 's/^/# stderr: /' "$T/err"
            tap_fail "broken config ($conf): $op begin of a VFIO domain -> refused, one line naming file:line:key (rc $(cat "$T/rc"))"
        fi
    done
done
HOOK_CONFIG="$T/typo.conf" run_hook intel-dirty "$DOMAINS/metadata-require.xml" metadata-require \
    migrate begin
if [ "$(cat "$T/rc")" = 1 ] && grep -q "deadlin-ms" "$T/err"; then
    tap_ok "broken config: a domain with dirtytrack metadata -> refused"
else
    tap_fail "broken config: a domain with dirtytrack metadata -> refused"
fi
for op in "migrate begin" "prepare begin" "restore begin" "started begin"; do
    # shellcheck disable=SC2086
    HOOK_CONFIG="$T/typo.conf" run_hook intel-dirty "$DOMAINS/no-hostdev.xml" no-hostdev $op
    if [ "$(cat "$T/rc")" = 0 ] && [ ! -s "$T/out" ] && [ ! -s "$T/err" ]; then
        tap_ok "broken config: no VFIO, no metadata: $op -> exit 0, untouched"
    else
        tap_fail "broken config: no VFIO, no metadata: $op -> exit 0, untouched (rc $(cat "$T/rc"))"
    fi
done
HOOK_CONFIG="$T/typo.conf" run_hook intel-dirty "$DOMAINS/mlx5-vf.xml" mlx5-vf restore begin
if [ "$(cat "$T/rc")" = 0 ] && [ ! -s "$T/out" ] && grep -q "deadlin-ms.*unchecked" "$T/err"; then
    tap_ok "broken config: restore (not gated) -> exit 0, definition unchanged, said on stderr"
else
    tap_fail "broken config: restore (not gated) -> exit 0, definition unchanged, said on stderr"
fi

# ---- the system log --------------------------------------------------------------
# A private /dev/log (tests/log-sink) receives what the hook logs.
SINK="$top_builddir/tests/log-sink"
if [ -x "$SINK" ]; then
    mkdir -p "$T/logrun"
    "$SINK" "$T/log.sock" "$T/syslog" >"$T/sink.ready" 2>/dev/null &
    SINK_PID=$!
    tap_wait_line "$T/sink.ready" ready
    # logged_run CONF DOMAIN OP [VAR=VALUE...]
    logged_run() {
        _c=$1 _d=$2 _o=$3
        shift 3
        : >"$T/syslog"
        HOOK_CONFIG="$_c" run_hook intel-dirty "$DOMAINS/$_d.xml" "$_d" "$_o" begin \
            DIRTYTRACK_LOG_SOCKET="$T/log.sock" DIRTYTRACK_RUNTIME_DIR="$T/logrun" "$@"
        sleep 0.1
    }
    # log_has DESCRIPTION PATTERN: exactly one line, matching
    log_has() {
        if [ "$(wc -l <"$T/syslog")" = 1 ] && grep -q -- "$2" "$T/syslog"; then
            tap_ok "syslog: $1"
        else
            sed 's/^/# syslog: /' "$T/syslog"
            tap_fail "syslog: $1"
        fi
    }
    logged_run "$T/typo.conf" mlx5-vf migrate
    log_has "broken config -> refused, via=config-error, naming the file" \
        "^<29>.* dirtytrack-hook\[[0-9]*\]: refused domain=\"mlx5-vf\" op=migrate/begin reason=config-error via=config-error: .*typo.conf:7: \[hook\] deadlin-ms: unknown key"
    logged_run /nonexistent/dirtytrack.conf plain-vf migrate
    log_has "in-process refusal -> refused with its reason code" \
        'refused domain="plain-vf" op=migrate/begin reason=driver-not-bindable via=in-process: '
    logged_run /nonexistent/dirtytrack.conf mlx5-vf migrate
    log_has "no daemon on the bus -> fallback, daemon-absent, in-process" \
        '^<28>.*fallback domain="mlx5-vf" op=migrate/begin reason=daemon-absent via=in-process'
    printf '[hook]\nuse-daemon = false\n' >"$T/nodaemon-log.conf"
    logged_run "$T/nodaemon-log.conf" mlx5-vf migrate
    if [ ! -s "$T/syslog" ]; then
        tap_ok "syslog: an allow from the configured in-process path -> nothing logged"
    else
        sed 's/^/# syslog: /' "$T/syslog"
        tap_fail "syslog: an allow from the configured in-process path -> nothing logged"
    fi
    # a domain name cannot forge fields or lines
    logged_run /nonexistent/dirtytrack.conf plain-vf migrate
    : >"$T/syslog"
    HOOK_CONFIG=/nonexistent/dirtytrack.conf run_hook intel-dirty "$DOMAINS/plain-vf.xml" \
        'evil" reason=none
x' migrate begin DIRTYTRACK_LOG_SOCKET="$T/log.sock" DIRTYTRACK_RUNTIME_DIR="$T/logrun"
    sleep 0.1
    log_has "a domain name with a quote and a newline stays inside its quotes" \
        'domain="evil\\" reason=none?x" op=migrate/begin reason=driver-not-bindable'
    # rate limit: the same domain and reason, across separate hook processes
    : >"$T/syslog"
    for i in 1 2 3 4 5 6 7 8; do
        HOOK_CONFIG=/nonexistent/dirtytrack.conf run_hook intel-dirty "$DOMAINS/qat-vf.xml" \
            qat-vf migrate begin DIRTYTRACK_LOG_SOCKET="$T/log.sock" DIRTYTRACK_RUNTIME_DIR="$T/logrun"
    done
    sleep 0.1
    n=$(grep -c 'domain="qat-vf"' "$T/syslog")
    if [ "$n" = 5 ]; then
        tap_ok "syslog: 8 refusals of one domain in a minute -> 5 lines (rate limit across processes)"
    else
        sed 's/^/# syslog: /' "$T/syslog"
        tap_fail "syslog: 8 refusals of one domain in a minute -> 5 lines (got $n)"
    fi
fi

# ---- 3. the deadline ------------------------------------------------------------
DEADLINE=1000
LIMIT=$((DEADLINE + 500))
DBUS_DAEMON="${DBUS_DAEMON:-$(command -v dbus-daemon)}"

start_bus() {
    tap_start_bus "$T"
    BUS_PID=$TAP_BUS_PID
    BUS=$TAP_BUS
}

# start_fake MODE [FILE]: a fake dirtytrackd owning the name, evaluating
# (its Config property says) the intel-dirty fixture run_hook points the
# hook at, or FAKE_ROOT
start_fake() {
    rm -f "$T/fake.ready"
    DIRTYTRACK_SYSROOT="${FAKE_ROOT:-$top_srcdir/tests/data/hosts/intel-dirty}" \
        "$FAKE" "$BUS" "$@" >"$T/fake.ready" 2>"$T/fake.err" &
    FAKE_PID=$!
    tap_wait_line "$T/fake.ready" ready
}


cleanup() {
    tap_stop_pid "$FAKE_PID"
    tap_stop_pid "$BUS_PID"
    tap_stop_pid "$SINK_PID"
    rm -rf "$TAP_TMP"
}
trap cleanup EXIT

# timed NAME EXPECTED-RC PATTERN [VAR=VALUE...]: the last run_hook ended
# within the limit, with that exit status and that text on stderr.
timed() {
    desc=$1 want=$2 pat=$3
    ms=$(cat "$T/ms")
    rc=$(cat "$T/rc")
    if [ "$rc" = "$want" ] && [ "$ms" -lt "$LIMIT" ] && grep -q -- "$pat" "$T/err"; then
        tap_ok "$desc -> exit $want in ${ms} ms (< $LIMIT)"
    else
        sed 's/^/# stderr: /' "$T/err"
        tap_fail "$desc -> exit $want in < $LIMIT ms (got exit $rc in $ms ms)"
    fi
}

if [ -z "$DBUS_DAEMON" ] || [ ! -x "$FAKE" ]; then
    tap_skip "deadline tests need dbus-daemon and $FAKE"
else
    start_bus
    printf '[hook]\non-timeout = allow\n' >"$T/allow.conf"

    start_fake hang
    : >"$T/syslog"
    HOOK_CONFIG="$T/allow.conf" run_hook intel-dirty "$DOMAINS/mlx5-vf.xml" mlx5-vf migrate begin \
        DIRTYTRACK_BUS_ADDRESS="$BUS" DIRTYTRACK_HOOK_DEADLINE_MS=$DEADLINE \
        DIRTYTRACK_LOG_SOCKET="$T/log.sock" DIRTYTRACK_RUNTIME_DIR="$T/logrun"
    timed "daemon hangs, on-timeout=allow" 0 "did not answer.*on-timeout=allow"
    if [ -s "$T/out" ]; then tap_fail "daemon hangs, on-timeout=allow -> XML unchanged"; fi
    if [ -n "$SINK_PID" ]; then
        sleep 0.1
        log_has "daemon hangs, on-timeout=allow -> unchecked, daemon-timeout, via=timeout" \
            '^<28>.*unchecked domain="mlx5-vf" op=migrate/begin reason=daemon-timeout via=timeout: dirtytrackd did not answer'
    fi

    HOOK_CONFIG="$T/deny.conf" run_hook intel-dirty "$DOMAINS/mlx5-vf.xml" mlx5-vf migrate begin \
        DIRTYTRACK_BUS_ADDRESS="$BUS" DIRTYTRACK_HOOK_DEADLINE_MS=$DEADLINE
    timed "daemon hangs, on-timeout=deny" 1 "on-timeout=deny"

    # the configured deadline applies when no test override is given
    printf '[hook]\ndeadline-ms = 600\non-timeout = deny\n' >"$T/short.conf"
    HOOK_CONFIG="$T/short.conf" run_hook intel-dirty "$DOMAINS/mlx5-vf.xml" mlx5-vf migrate begin \
        DIRTYTRACK_BUS_ADDRESS="$BUS"
    if [ "$(cat "$T/rc")" = 1 ] && [ "$(cat "$T/ms")" -lt 1100 ] && grep -q "600 ms" "$T/err"; then
        tap_ok "config deadline-ms = 600 -> refused after $(cat "$T/ms") ms"
    else
        tap_fail "config deadline-ms = 600 -> refused within 1100 ms (got $(cat "$T/ms") ms)"
    fi

    # lifecycle events never wait for a hung daemon and never fail
    run_hook intel-dirty "$DOMAINS/mlx5-vf.xml" mlx5-vf started begin \
        DIRTYTRACK_BUS_ADDRESS="$BUS" DIRTYTRACK_HOOK_DEADLINE_MS=$DEADLINE
    if [ "$(cat "$T/rc")" = 0 ] && [ "$(cat "$T/ms")" -lt "$LIMIT" ]; then
        tap_ok "started with a hung daemon -> exit 0 in $(cat "$T/ms") ms"
    else
        tap_fail "started with a hung daemon -> exit 0 within $LIMIT ms"
    fi

    # a domain of no interest does not even look for the daemon
    run_hook intel-dirty "$DOMAINS/no-hostdev.xml" no-hostdev migrate begin \
        DIRTYTRACK_BUS_ADDRESS="$BUS" DIRTYTRACK_HOOK_DEADLINE_MS=$DEADLINE
    if [ "$(cat "$T/rc")" = 0 ] && [ "$(cat "$T/ms")" -lt 300 ] && [ ! -s "$T/out" ]; then
        tap_ok "no VFIO with a hung daemon -> exit 0 at once ($(cat "$T/ms") ms)"
    else
        tap_fail "no VFIO with a hung daemon -> exit 0 at once (got $(cat "$T/ms") ms)"
    fi
    tap_stop_pid "$FAKE_PID"

    # a daemon process that is stopped: its socket is never read
    start_fake hang
    kill -STOP "$FAKE_PID"
    HOOK_CONFIG="$T/deny.conf" run_hook intel-dirty "$DOMAINS/mlx5-vf.xml" mlx5-vf migrate begin \
        DIRTYTRACK_BUS_ADDRESS="$BUS" DIRTYTRACK_HOOK_DEADLINE_MS=$DEADLINE
    timed "daemon stopped (SIGSTOP), on-timeout=deny" 1 "on-timeout=deny"
    tap_stop_pid "$FAKE_PID"
    FAKE_PID=

    # the daemon answers: its verdict and reasons reach stderr
    start_fake deny
    run_hook intel-dirty "$DOMAINS/mlx5-vf.xml" mlx5-vf migrate begin \
        DIRTYTRACK_BUS_ADDRESS="$BUS" DIRTYTRACK_HOOK_DEADLINE_MS=$DEADLINE DIRTYTRACK_HOOK_DEBUG=1
    timed "daemon denies" 1 "\[fake-daemon-deny\] 0000:3b:00.1: the fake daemon refuses every domain"
    if grep -q "via daemon" "$T/err"; then
        tap_ok "daemon denies -> the answer came over D-Bus"
    else
        tap_fail "daemon denies -> the answer came over D-Bus"
    fi
    # the reasons come from the typed results, not from the report's JSON
    # (the fake daemon's report names another reason)
    if ! grep -q fake-daemon-json-only "$T/err"; then
        tap_ok "daemon denies -> reasons read from the typed results, not the report"
    else
        sed 's/^/# stderr: /' "$T/err"
        tap_fail "daemon denies -> reasons read from the typed results, not the report"
    fi
    # prepare asks Evaluate (gated by the domain's own require-migratable)
    run_hook intel-dirty "$DOMAINS/metadata-require.xml" metadata-require prepare begin \
        DIRTYTRACK_BUS_ADDRESS="$BUS" DIRTYTRACK_HOOK_DEADLINE_MS=$DEADLINE DIRTYTRACK_HOOK_DEBUG=1
    if [ "$(cat "$T/rc")" = 1 ] && grep -q "via daemon" "$T/err" &&
       grep -q "\[fake-daemon-deny\] 0000:3b:00.1: the fake daemon refuses every domain" "$T/err" &&
       ! grep -q fake-daemon-json-only "$T/err"; then
        tap_ok "prepare, daemon denies (Evaluate) -> refused with the typed reasons"
    else
        sed 's/^/# stderr: /' "$T/err"
        tap_fail "prepare, daemon denies (Evaluate) -> refused with the typed reasons"
    fi
    tap_stop_pid "$FAKE_PID"
    # an allow passes the new definition on and says the warnings, not the notes
    start_fake allow
    run_hook intel-dirty "$DOMAINS/mlx5-vf.xml" mlx5-vf migrate begin \
        DIRTYTRACK_BUS_ADDRESS="$BUS" DIRTYTRACK_HOOK_DEADLINE_MS=$DEADLINE DIRTYTRACK_HOOK_DEBUG=1
    if [ "$(cat "$T/rc")" = 0 ] && grep -q "via daemon" "$T/err" && grep -q fake-daemon-allowed "$T/out" &&
       grep -q "warning \[fake-daemon-warning\]: the fake daemon warns about every domain" "$T/err" &&
       ! grep -q fake-daemon-note "$T/err" && ! grep -q fake-daemon-json-only "$T/err"; then
        tap_ok "daemon allows -> new definition, typed warning on stderr, note not"
    else
        sed 's/^/# stderr: /' "$T/err"
        tap_fail "daemon allows -> new definition, typed warning on stderr, note not"
    fi
    tap_stop_pid "$FAKE_PID"
    start_fake deny
    printf '[hook]\nuse-daemon = false\n' >"$T/nodaemon.conf"
    HOOK_CONFIG="$T/nodaemon.conf" run_hook intel-dirty "$DOMAINS/mlx5-vf.xml" mlx5-vf migrate begin \
        DIRTYTRACK_BUS_ADDRESS="$BUS" DIRTYTRACK_HOOK_DEADLINE_MS=$DEADLINE DIRTYTRACK_HOOK_DEBUG=1
    if grep -q "via in-process" "$T/err" && ! grep -q fake-daemon "$T/err"; then
        tap_ok "use-daemon = false -> evaluated in-process, daemon not asked"
    else
        tap_fail "use-daemon = false -> evaluated in-process, daemon not asked"
    fi

    tap_stop_pid "$FAKE_PID"
    # a daemon that evaluates another root (here /, the machine) is never
    # asked about the fixture host DIRTYTRACK_SYSROOT names
    FAKE_ROOT=/ start_fake deny
    run_hook intel-dirty "$DOMAINS/mlx5-vf.xml" mlx5-vf migrate begin \
        DIRTYTRACK_BUS_ADDRESS="$BUS" DIRTYTRACK_HOOK_DEADLINE_MS=$DEADLINE DIRTYTRACK_HOOK_DEBUG=1
    if [ "$(cat "$T/rc")" = 0 ] && grep -q "via in-process" "$T/err" && ! grep -q fake-daemon "$T/err" &&
       [ -s "$T/out" ]; then
        tap_ok "DIRTYTRACK_SYSROOT and a daemon of another root -> evaluated in-process, daemon not asked"
    else
        sed 's/^/# stderr: /' "$T/err"
        tap_fail "DIRTYTRACK_SYSROOT and a daemon of another root -> evaluated in-process, daemon not asked"
    fi
    run_hook intel-dirty "$DOMAINS/mlx5-vf.xml" mlx5-vf started begin \
        DIRTYTRACK_BUS_ADDRESS="$BUS" DIRTYTRACK_HOOK_DEBUG=1
    if grep -q "via publish-none" "$T/err"; then
        tap_ok "DIRTYTRACK_SYSROOT and a daemon of another root -> events not published to it"
    else
        tap_fail "DIRTYTRACK_SYSROOT and a daemon of another root -> events not published to it"
    fi
    tap_stop_pid "$FAKE_PID"
    # a daemon that would allow (it loaded an older, valid file) does not
    # reopen the gate a broken file closed
    start_fake allow
    HOOK_CONFIG="$T/typo.conf" run_hook intel-dirty "$DOMAINS/mlx5-vf.xml" mlx5-vf migrate begin \
        DIRTYTRACK_BUS_ADDRESS="$BUS" DIRTYTRACK_HOOK_DEADLINE_MS=$DEADLINE
    if [ "$(cat "$T/rc")" = 1 ] && grep -q "deadlin-ms" "$T/err" && [ ! -s "$T/out" ]; then
        tap_ok "broken config with a daemon that allows -> refused all the same"
    else
        tap_fail "broken config with a daemon that allows -> refused all the same"
    fi
    tap_stop_pid "$FAKE_PID"
    start_fake deny

    # the daemon dies: killed outright, its name goes with it
    kill -9 "$FAKE_PID"
    wait "$FAKE_PID" 2>/dev/null
    FAKE_PID=
    run_hook intel-dirty "$DOMAINS/mlx5-vf.xml" mlx5-vf migrate begin \
        DIRTYTRACK_BUS_ADDRESS="$BUS" DIRTYTRACK_HOOK_DEADLINE_MS=$DEADLINE DIRTYTRACK_HOOK_DEBUG=1
    timed "daemon killed -> in-process fallback" 0 "via in-process"

    # lifecycle events reach a daemon that listens
    start_fake record "$T/events"
    for op in "started begin" "stopped end" "release end" "reconnect begin"; do
        # shellcheck disable=SC2086
        run_hook intel-dirty "$DOMAINS/mlx5-vf.xml" mlx5-vf $op DIRTYTRACK_BUS_ADDRESS="$BUS"
    done
    sleep 0.2
    if [ "$(cat "$T/events" 2>/dev/null)" = "mlx5-vf started begin
mlx5-vf stopped end
mlx5-vf release end
mlx5-vf reconnect begin" ]; then
        tap_ok "started/stopped/release/reconnect -> published to the daemon in order"
    else
        sed 's/^/# events: /' "$T/events" 2>/dev/null
        tap_fail "started/stopped/release/reconnect -> published to the daemon in order"
    fi
    tap_stop_pid "$FAKE_PID"
    FAKE_PID=

    # the bus itself is gone
    tap_stop_pid "$BUS_PID"
    BUS_PID=
    run_hook intel-dirty "$DOMAINS/mlx5-vf.xml" mlx5-vf migrate begin \
        DIRTYTRACK_BUS_ADDRESS="$BUS" DIRTYTRACK_HOOK_DEADLINE_MS=$DEADLINE DIRTYTRACK_HOOK_DEBUG=1
    timed "bus dead -> in-process fallback" 0 "via in-process"
fi

# An in-process evaluation that blocks: the QEMU binary it probes (no
# version given) never answers.  The child is killed at the deadline with
# everything it started, and the fail policy applies.
cat >"$T/slow-qemu" <<'EOF'
#!/bin/sh
exec sleep 30
EOF
chmod 755 "$T/slow-qemu"
printf '[hook]\non-timeout = deny\n[qemu]\nbinary = %s\ncache-dir = %s\n' \
    "$T/slow-qemu" "$T/cache" >"$T/slow.conf"
mkdir -p "$T/cache"
t0=$(now_ms)
env -i LC_ALL=C PATH=/usr/bin:/bin HOME=/root \
    DIRTYTRACK_SYSROOT="$top_srcdir/tests/data/hosts/intel-dirty" DIRTYTRACK_LIBVIRT_VERSION=11.0.0 \
    DIRTYTRACK_DATADIR="$DIRTYTRACK_DATADIR" DIRTYTRACK_CONFIG="$T/slow.conf" \
    DIRTYTRACK_BUS_ADDRESS="$NOBUS" DIRTYTRACK_HOOK_DEADLINE_MS=$DEADLINE \
    "$HOOK" mlx5-vf migrate begin - <"$DOMAINS/mlx5-vf.xml" >"$T/out" 2>"$T/err"
echo $? >"$T/rc"
echo $(( $(now_ms) - t0 )) >"$T/ms"
timed "in-process QEMU probe hangs, on-timeout=deny" 1 "deadline of $DEADLINE ms"
sleep 0.1
left=""
for p in /proc/[0-9]*; do
    if { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -q "$T/slow-qemu"; then left="$left ${p#/proc/}"; fi
done
if [ -z "$left" ]; then
    tap_ok "after the deadline nothing the evaluation started is left running"
else
    tap_fail "after the deadline nothing the evaluation started is left running (pids$left)"
fi

tap_done
