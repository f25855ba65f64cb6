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

tap_done
