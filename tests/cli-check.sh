#!/bin/sh
# cli-check.sh: `dirtytrack host` and `dirtytrack check` on every fixture
# host, as an operator or script would run them: exit status, one-line
# errors, and the JSON report contract (docs/report-format.md).
. "$(dirname "$0")/tap.sh"
tap_tmpdir

CONTRACT="$top_builddir/tests/json-contract"

# --- dirtytrack host on every fixture host -----------------------------------
for h in "$HOSTS"/*/; do
    h=${h%/}
    name=$(basename "$h")
    [ -d "$h/sys" ] || continue
    "$DT" host --sysroot "$h" --format text > "$TAP_TMP/host.txt" 2> "$TAP_TMP/host.err"
    rc=$?
    if [ $rc -le 2 ] && grep -q '^DIRTYTRACK: ' "$TAP_TMP/host.txt" && [ ! -s "$TAP_TMP/host.err" ]; then
        tap_ok "host $name: text report, exit $rc"
    else
        tap_fail "host $name: text report (exit $rc)"; tap_diag "$(cat "$TAP_TMP/host.err")"
    fi
    "$DT" host --sysroot "$h" --format json > "$TAP_TMP/host.json" 2> "$TAP_TMP/host.err"
    rc=$?
    if [ $rc -le 2 ] && "$CONTRACT" host "$TAP_TMP/host.json"; then
        tap_ok "host $name: JSON report"
    else
        tap_fail "host $name: JSON report (exit $rc)"; tap_diag "$(cat "$TAP_TMP/host.err")"
    fi
    # colour only on a TTY: a pipe gets none
    if grep -q "$(printf '\033')" "$TAP_TMP/host.txt"; then
        tap_fail "host $name: no colour codes when stdout is not a TTY"
    else
        tap_ok "host $name: no colour codes when stdout is not a TTY"
    fi
done

# --- what a user reads: the host and kernel lines of every fixture host --------
# Golden files in tests/data/host-reports/HOST.txt (DIRTYTRACK_TEST_REGENERATE=1
# rewrites them): every line up to the first device line, the sysroot
# path cut from the header, and the exit status.  Device lines follow the
# variant-driver database and are asserted elsewhere.
GOLD="$top_srcdir/tests/data/host-reports"
for h in "$HOSTS"/*/; do
    h=${h%/}
    name=$(basename "$h")
    [ -d "$h/sys" ] || continue
    LC_ALL=C "$DT" host --sysroot "$h" > "$TAP_TMP/host.txt" 2> "$TAP_TMP/host.err"
    rc=$?
    { sed -e 's/  sysroot: .*$//' -e '/^DIRTYTRACK: Checking device /,$d' "$TAP_TMP/host.txt"
      echo "exit $rc"; } > "$TAP_TMP/host.lines"
    if [ -n "${DIRTYTRACK_TEST_REGENERATE:-}" ]; then
        mkdir -p "$GOLD" && cp "$TAP_TMP/host.lines" "$GOLD/$name.txt"
    fi
    if cmp -s "$TAP_TMP/host.lines" "$GOLD/$name.txt"; then
        tap_ok "host $name: the lines a user sees"
    else
        tap_fail "host $name: the lines a user sees"
        tap_diag "$(diff "$GOLD/$name.txt" "$TAP_TMP/host.lines" 2>&1 | head -40)"
    fi
    # hints that work on this host: modprobe only for a module its lists
    # carry, and the IOMMU switch of its own CPU vendor
    bad=
    for m in $(sed -n 's/.*hint: .*modprobe \([A-Za-z0-9_-]*\).*/\1/p' "$TAP_TMP/host.txt"); do
        rel=$(cat "$h/proc/sys/kernel/osrelease")
        mm=$(echo "$m" | tr '_' '-')
        grep -qE "/($m|$mm)\.ko(\.[a-z]+)?(:|\$)" "$h/lib/modules/$rel/modules.dep" 2>/dev/null ||
            bad="$bad modprobe-$m"
    done
    if grep -qw svm "$h/proc/cpuinfo" 2>/dev/null && grep -q 'hint: .*intel_iommu' "$TAP_TMP/host.txt"; then
        bad="$bad intel_iommu-on-AMD"
    fi
    if grep -qw vmx "$h/proc/cpuinfo" 2>/dev/null && grep -q 'hint: .*amd_iommu' "$TAP_TMP/host.txt"; then
        bad="$bad amd_iommu-on-Intel"
    fi
    if [ -z "$bad" ]; then
        tap_ok "host $name: hints name only what exists on the host"
    else
        tap_fail "host $name: hints name only what exists on the host:$bad"
    fi
done

# --- dirtytrack check: every sample domain on every host, every format ---------
for h in "$HOSTS"/*/; do
    h=${h%/}
    hn=$(basename "$h")
    [ -d "$h/sys" ] || continue
    for d in "$DOMAINS"/*.xml; do
        dn=$(basename "$d" .xml)
        for fmt in json text xml; do
            "$DT" check --sysroot "$h" --qemu-version 9.1.0 --libvirt-version 10.0.0 \
                --format $fmt "$d" > "$TAP_TMP/out" 2> "$TAP_TMP/err"
            rc=$?
            good=yes
            [ $rc -le 2 ] || good=no
            [ -s "$TAP_TMP/err" ] && good=no
            if [ $fmt = json ] && [ $good = yes ]; then
                "$CONTRACT" check "$TAP_TMP/out" $rc > "$TAP_TMP/contract" 2>&1 || { good=no; cat "$TAP_TMP/contract" >> "$TAP_TMP/err"; }
            fi
            if [ $fmt = xml ] && [ $good = yes ]; then
                ${XMLLINT:-xmllint} --noout --relaxng "$top_srcdir/schemas/report.rng" "$TAP_TMP/out" \
                    > /dev/null 2>> "$TAP_TMP/xmlerr" || good=no
            fi
            if [ $good = yes ]; then
                tap_ok "check $hn/$dn --format $fmt (exit $rc)"
            else
                tap_fail "check $hn/$dn --format $fmt (exit $rc)"
                tap_diag "$(head -c 2000 "$TAP_TMP/err")"
            fi
        done
    done
done

# --- verdicts a user relies on -------------------------------------------------
expect_rc() {
    want=$1; shift
    desc=$1; shift
    "$@" > "$TAP_TMP/out" 2> "$TAP_TMP/err"
    rc=$?
    if [ "$rc" = "$want" ]; then
        tap_ok "$desc (exit $rc)"
    else
        tap_fail "$desc: want exit $want, got $rc"
        tap_diag "$(head -c 2000 "$TAP_TMP/out")" "$(head -c 1000 "$TAP_TMP/err")"
    fi
}

if [ -d "$HOSTS/debian12" ]; then
    expect_rc 2 "Debian 12 QEMU 7.2 + mlx5 VF is denied" \
        "$DT" check --sysroot "$HOSTS/debian12" --qemu-version 7.2.22 --libvirt-version 9.0.0 \
        --format json "$DOMAINS/mlx5-vf.xml"
    if grep -q '"qemu-protocol-mismatch"' "$TAP_TMP/out"; then
        tap_ok "Debian 12 denial names qemu-protocol-mismatch"
    else
        tap_fail "Debian 12 denial names qemu-protocol-mismatch"
    fi
fi
if [ -d "$HOSTS/intel-dirty" ]; then
    expect_rc 0 "a domain without VFIO devices is allowed" \
        "$DT" check --sysroot "$HOSTS/intel-dirty" --qemu-version 9.1.0 "$DOMAINS/no-hostdev.xml"
    expect_rc 2 "a device missing on the destination is denied" \
        "$DT" check --role destination --sysroot "$HOSTS/intel-dirty" --qemu-version 9.1.0 \
        --libvirt-version 10.0.0 "$DOMAINS/missing-device.xml"
    grep -q 'device-not-found' "$TAP_TMP/out" && tap_ok "missing device reason shown in the text report" \
        || tap_fail "missing device reason shown in the text report"
    DIRTYTRACK_QEMU_VERSION=7.2.0 "$DT" check --sysroot "$HOSTS/intel-dirty" --format json \
        "$DOMAINS/mlx5-vf.xml" > "$TAP_TMP/env.json" 2>/dev/null
    grep -q '"qemu_band" : "7.2"' "$TAP_TMP/env.json" && tap_ok "DIRTYTRACK_QEMU_VERSION overrides the probe" \
        || tap_fail "DIRTYTRACK_QEMU_VERSION overrides the probe"
    "$DT" check --sysroot "$HOSTS/intel-dirty" --qemu-version 9.1.0 --format json \
        "$DOMAINS/mlx5-vf.xml" > "$TAP_TMP/o.json" 2>/dev/null
    "$DT" explain --sysroot "$HOSTS/intel-dirty" --qemu-version 9.1.0 \
        "$DOMAINS/mlx5-vf.xml" > "$TAP_TMP/explain.txt" 2>/dev/null
    if grep -q '=> ' "$TAP_TMP/explain.txt" && grep -q 'rule:' "$TAP_TMP/explain.txt"; then
        tap_ok "explain prints fact -> rule -> consequence"
    else
        tap_fail "explain prints fact -> rule -> consequence"
    fi
fi

# --- errors: exit 3 and one clear line ---------------------------------------------
one_line_error() {
    desc=$1; shift
    "$@" > "$TAP_TMP/out" 2> "$TAP_TMP/err"
    rc=$?
    lines=$(wc -l < "$TAP_TMP/err")
    if [ $rc -eq 3 ] && [ "$lines" -eq 1 ] && grep -q '^dirtytrack: ' "$TAP_TMP/err" && [ ! -s "$TAP_TMP/out" ]; then
        tap_ok "$desc: exit 3, one line: $(cat "$TAP_TMP/err")"
    else
        tap_fail "$desc: exit $rc, $lines stderr lines"
        tap_diag "$(head -c 1000 "$TAP_TMP/err")"
    fi
}
one_line_error "unreadable file" "$DT" check /nonexistent/domain.xml
one_line_error "unknown format" "$DT" check --format yaml "$DOMAINS/no-hostdev.xml"
one_line_error "bad QEMU version" "$DT" check --qemu-version banana "$DOMAINS/no-hostdev.xml"
one_line_error "unknown role" "$DT" check --role sideways "$DOMAINS/no-hostdev.xml"
one_line_error "missing argument" "$DT" check
one_line_error "unknown command" "$DT" frobnicate
one_line_error "explicit config file missing" "$DT" check --config /nonexistent.conf "$DOMAINS/no-hostdev.xml"
printf '[policy]\nperpetual = sometimes\n' > "$TAP_TMP/bad.conf"
one_line_error "invalid config value" "$DT" check --config "$TAP_TMP/bad.conf" "$DOMAINS/no-hostdev.xml"
printf '[policy]\npepretual = never\n' > "$TAP_TMP/typo.conf"
one_line_error "misspelt config key" "$DT" check --config "$TAP_TMP/typo.conf" "$DOMAINS/no-hostdev.xml"
printf '[qemu]\nprobe-timeout-ms = 100\n' > "$TAP_TMP/short-probe.conf"
one_line_error "QEMU probe timeout below 500 ms" "$DT" check --config "$TAP_TMP/short-probe.conf" "$DOMAINS/no-hostdev.xml"
printf '[policy]\nperpetual = never\n[hook]\ndeadline-ms = 500\n[qemu]\nprobe-timeout-ms = 60000\n' > "$TAP_TMP/good.conf"
expect_rc 0 "a valid config file is accepted" "$DT" check --config "$TAP_TMP/good.conf" \
    --qemu-version 9.1.0 --sysroot "$HOSTS/intel-dirty" "$DOMAINS/no-hostdev.xml"
"$DT" check --qemu-version 9.1.0 --sysroot "$HOSTS/intel-dirty" - < "$DOMAINS/no-hostdev.xml" \
    > "$TAP_TMP/out" 2>&1 && tap_ok "domain XML read from standard input" \
    || tap_fail "domain XML read from standard input"

# --- the command line a new user meets ---------------------------------------------
# Every command of `dirtytrack --help` has a help of its own, the same from
# `help CMD` and `CMD --help`, whose usage line names the program and the
# command once: "dirtytrack check [OPTION…] DOMAIN.xml|-".
cmds=$("$DT" --help 2> /dev/null | sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p')
[ -n "$cmds" ] || tap_fail "dirtytrack --help lists the commands"
for c in $cmds; do
    "$DT" help "$c" > "$TAP_TMP/help.1" 2> "$TAP_TMP/help.err"
    rc1=$?
    "$DT" "$c" --help > "$TAP_TMP/help.2" 2>> "$TAP_TMP/help.err"
    rc2=$?
    if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && [ ! -s "$TAP_TMP/help.err" ] &&
       cmp -s "$TAP_TMP/help.1" "$TAP_TMP/help.2" &&
       grep -q "^  dirtytrack $c \[OPTION" "$TAP_TMP/help.1" &&
       ! grep -q "\] $c\( \|\$\)" "$TAP_TMP/help.1"; then
        tap_ok "help $c and $c --help: the same help, usage 'dirtytrack $c [OPTION…]'"
    else
        tap_fail "help $c and $c --help: the same help, usage 'dirtytrack $c [OPTION…]' (exit $rc1, $rc2)"
        tap_diag "$(head -3 "$TAP_TMP/help.1")" "$(cat "$TAP_TMP/help.err")"
    fi
done
"$DT" help check > "$TAP_TMP/help.check" 2>&1
if grep -q '^  dirtytrack check \[OPTION.*\] DOMAIN\.xml|-$' "$TAP_TMP/help.check" &&
   grep -q -- '--qemu-version' "$TAP_TMP/help.check" && grep -q -- '--preflight' "$TAP_TMP/help.check"; then
    tap_ok "help check: usage line and the evaluation options"
else
    tap_fail "help check: usage line and the evaluation options"
    tap_diag "$(head -4 "$TAP_TMP/help.check")"
fi
one_line_error "help for an unknown command" "$DT" help frobnicate

# --format offers what the command writes, nothing else
for pair in host:text,json predict:text,json check:text,json,xml export:nova,nfd,prometheus; do
    c=${pair%%:*}
    want=${pair#*:}
    "$DT" "$c" --help 2>&1 | grep -- '--format' > "$TAP_TMP/fmt"
    good=yes
    for f in text json xml nova nfd prometheus; do
        case ",$want," in
            *",$f,"*) grep -qw "$f" "$TAP_TMP/fmt" || good=no ;;
            *) grep -qw "$f" "$TAP_TMP/fmt" && good=no ;;
        esac
    done
    if [ $good = yes ]; then
        tap_ok "$c --help offers --format $want only"
    else
        tap_fail "$c --help offers --format $want only"
        tap_diag "$(cat "$TAP_TMP/fmt")"
    fi
done
one_line_error "host --format xml" "$DT" host --format xml --sysroot "$HOSTS/intel-dirty"

# a bad option is blamed on the option, not on the domain file
blame_option() {
    opt=$1; shift
    "$@" > "$TAP_TMP/out" 2> "$TAP_TMP/err"
    rc=$?
    if [ $rc -eq 3 ] && [ "$(wc -l < "$TAP_TMP/err")" -eq 1 ] && grep -q -- "$opt" "$TAP_TMP/err" &&
       ! grep -q 'no-hostdev\.xml' "$TAP_TMP/err" && [ ! -s "$TAP_TMP/out" ]; then
        tap_ok "a bad $opt is blamed on $opt: $(cat "$TAP_TMP/err")"
    else
        tap_fail "a bad $opt is blamed on $opt (exit $rc)"
        tap_diag "$(cat "$TAP_TMP/err")"
    fi
}
blame_option --qemu-version "$DT" check --sysroot "$HOSTS/intel-dirty" --qemu-version banana "$DOMAINS/no-hostdev.xml"
blame_option --libvirt-version "$DT" explain --sysroot "$HOSTS/intel-dirty" --libvirt-version x "$DOMAINS/no-hostdev.xml"
blame_option --qemu-version "$DT" predict --sysroot "$HOSTS/intel-dirty" --qemu-version banana "$DOMAINS/no-hostdev.xml"
blame_option DIRTYTRACK_QEMU_VERSION env DIRTYTRACK_QEMU_VERSION=banana "$DT" check --sysroot "$HOSTS/intel-dirty" "$DOMAINS/no-hostdev.xml"
# checked even when the daemon is not asked (a local --sysroot), so a typo never passes unseen
blame_option "daemon timeout" "$DT" check --sysroot "$HOSTS/intel-dirty" --qemu-version 9.1.0 --daemon-timeout 0 "$DOMAINS/no-hostdev.xml"
one_line_error "--preflight with --via-daemon=yes" "$DT" check --preflight --via-daemon=yes "$DOMAINS/no-hostdev.xml"
grep -q -- '--preflight' "$TAP_TMP/err" && tap_ok "--via-daemon=yes refusal names --preflight" \
    || tap_fail "--via-daemon=yes refusal names --preflight"

# one bounded reader: an endless file or stream fails fast, naming the limit
for how in file stdin; do
    if [ $how = file ]; then
        timeout 5 "$DT" check --sysroot "$HOSTS/intel-dirty" --qemu-version 9.1.0 /dev/zero \
            > "$TAP_TMP/out" 2> "$TAP_TMP/err"
    else
        timeout 5 "$DT" check --sysroot "$HOSTS/intel-dirty" --qemu-version 9.1.0 - < /dev/zero \
            > "$TAP_TMP/out" 2> "$TAP_TMP/err"
    fi
    rc=$?
    if [ $rc -eq 3 ] && [ "$(wc -l < "$TAP_TMP/err")" -eq 1 ] && grep -q 'limit of 16 MiB' "$TAP_TMP/err"; then
        tap_ok "check on endless /dev/zero ($how): exit 3 at once, the 16 MiB limit named"
    else
        tap_fail "check on endless /dev/zero ($how): exit 3 at once, the 16 MiB limit named (exit $rc)"
        tap_diag "$(head -c 300 "$TAP_TMP/err")"
    fi
done

# --quiet: the exit status only
if [ -d "$HOSTS/intel-nodirty" ]; then
    "$DT" check --quiet --sysroot "$HOSTS/intel-nodirty" --qemu-version 8.2.0 --libvirt-version 9.0.0 \
        "$DOMAINS/qat-vf.xml" > "$TAP_TMP/out" 2> "$TAP_TMP/err"
    rc=$?
    if [ $rc -eq 2 ] && [ ! -s "$TAP_TMP/out" ] && [ ! -s "$TAP_TMP/err" ]; then
        tap_ok "check --quiet: a denied domain exits 2 and prints nothing"
    else
        tap_fail "check --quiet: a denied domain exits 2 and prints nothing (exit $rc)"
        tap_diag "$(head -c 300 "$TAP_TMP/out")" "$(head -c 300 "$TAP_TMP/err")"
    fi
fi
one_line_error "check -q on a missing file still says why" "$DT" check -q /nonexistent/domain.xml

# --- what the command line takes is completed and documented ----------------------
# Each option of each command's help: offered by the bash completion after
# "dirtytrack CMD --" and described in dirtytrack(1); each option of
# dirtytrackd --help and each signal it handles described in dirtytrackd(8),
# each of its options completed.
COMP="$top_srcdir/data/bash-completion/dirtytrack"
MAN1="$top_srcdir/docs/man/dirtytrack.1"
MAN8="$top_srcdir/docs/man/dirtytrackd.8"
# roff writes every hyphen of an option as \-
man_has() { grep -qF -- "$(printf '%s' "$2" | sed 's/-/\\-/g')" "$1"; }
options_of() { sed -n 's/^ *\(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/p' | grep -vx -- '--help\(-all\)\{0,1\}'; }
if command -v bash > /dev/null; then
    complete_words() {
        bash --norc --noprofile -c '
            . "$1"; shift
            COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
            COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
            _dirtytrack dirtytrack "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
            printf "%s\n" "${COMPREPLY[@]}"' complete "$COMP" "$@" 2>&1
    }
    for c in $cmds; do
        [ "$c" = help ] && continue
        complete_words dirtytrack "$c" -- > "$TAP_TMP/comp"
        missing=
        for o in $("$DT" "$c" --help 2> /dev/null | options_of); do
            grep -qx -- "$o" "$TAP_TMP/comp" || missing="$missing $o"
        done
        if [ -z "$missing" ]; then
            tap_ok "bash completion offers every option of $c"
        else
            tap_fail "bash completion offers every option of $c; missing:$missing"
        fi
    done
else
    tap_skip "bash not installed: completion not tried"
fi
missing=
for c in $cmds; do
    for o in $("$DT" "$c" --help 2> /dev/null | options_of); do
        man_has "$MAN1" "$o" || missing="$missing $c:$o"
    done
done
if [ -z "$missing" ]; then
    tap_ok "dirtytrack(1) describes every option of every command"
else
    tap_fail "dirtytrack(1) describes every option of every command; missing:$missing"
fi
DTD="$top_builddir/plugin/daemon/dirtytrackd"
if [ -x "$DTD" ]; then
    missing=
    for o in $("$DTD" --help 2> /dev/null | options_of); do
        man_has "$MAN8" "$o" || missing="$missing $o"
    done
    for sig in $(sed -n 's/.*g_unix_signal_add(\(SIG[A-Z0-9]*\),.*/\1/p' \
                     "$top_srcdir/plugin/daemon/dirtytrackd.c"); do
        grep -q "^\.B.* $sig\b\|^\.B $sig\$" "$MAN8" || missing="$missing $sig"
    done
    if command -v bash > /dev/null; then
        offered=$(bash --norc --noprofile -c '. "$1"; COMP_WORDS=(dirtytrackd --); COMP_CWORD=1
            _dirtytrackd dirtytrackd -- dirtytrackd; printf "%s\n" "${COMPREPLY[@]}"' complete \
            "$top_srcdir/data/bash-completion/dirtytrackd" 2>&1)
        for o in $("$DTD" --help 2> /dev/null | options_of); do
            printf '%s\n' "$offered" | grep -qx -- "$o" || missing="$missing completion:$o"
        done
    fi
    if [ -z "$missing" ]; then
        tap_ok "dirtytrackd(8) and its completion: every option and every signal the daemon handles"
    else
        tap_fail "dirtytrackd(8) and its completion: every option and every signal the daemon handles; missing:$missing"
    fi
else
    tap_skip "dirtytrackd not built"
fi

tap_done
