#!/bin/sh
# apply.sh: `dirtytrack apply DOMAIN` through the libvirt API.
#
# Two layers.  libvirt's test driver (a node XML holding a sample domain)
# runs everywhere: it proves the dry-run diff, the define and the errors;
# being per process, it shows a define only through --print-result, and it
# drops <qemu:override> (only the qemu driver keeps that namespace).  A
# private real libvirtd (tests/libvirt/harness.sh; root, namespaces) then
# proves what an operator sees: a dry run leaves the definition unchanged,
# apply writes the overrides and metadata, a second apply changes nothing,
# and the result passes virt-xml-validate.
. "$(dirname "$0")/tap.sh"
tap_tmpdir

HOST="$HOSTS/intel-dirty"
VERS="--qemu-version 9.1.0 --libvirt-version 10.0.0"
UUID=6f1b2c3d-0001-4a5b-9c8d-3b0000000001

one_line_error() {
    [ "$(wc -l < "$1")" -eq 1 ] && grep -q '^dirtytrack: ' "$1"
}

# node XML for the test driver: the sample domain, as a test-driver domain
{
    echo '<node>'
    sed -e "s/<domain type='kvm'>/<domain type='test'>/" -e '/^<?xml/d' "$DOMAINS/mlx5-vf.xml"
    echo '</node>'
} > "$TAP_TMP/node.xml"
URI="test://$TAP_TMP/node.xml"

# --- dry run -----------------------------------------------------------------------
# shellcheck disable=SC2086
"$DT" apply -c "$URI" --dry-run --sysroot "$HOST" $VERS mlx5-vf > "$TAP_TMP/diff" 2> "$TAP_TMP/err"
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$TAP_TMP/err" ] && head -n 1 "$TAP_TMP/diff" | grep -q '^--- mlx5-vf' &&
   sed -n 2p "$TAP_TMP/diff" | grep -q '^+++ mlx5-vf' && grep -q '^@@ -[0-9]*,[0-9]* +[0-9]*,[0-9]* @@$' "$TAP_TMP/diff"; then
    tap_ok "apply --dry-run: exit 0, a unified diff"
else
    tap_fail "apply --dry-run: exit 0, a unified diff (rc $rc)"; tap_diag "$(cat "$TAP_TMP/err" "$TAP_TMP/diff")"
fi
tap_check "apply --dry-run adds <qemu:override> for the hostdev alias ua-vf0" \
    sh -c "grep -q '^+  <qemu:override>' '$TAP_TMP/diff' && grep -q '^+    <qemu:device alias=\"ua-vf0\">' '$TAP_TMP/diff' && grep -q '^+ *<qemu:property name=' '$TAP_TMP/diff'"
tap_check "apply --dry-run adds the dirtytrack metadata with the evaluation" \
    sh -c "grep -q '^+  <metadata>' '$TAP_TMP/diff' && grep -q '^+ *<dirtytrack:evaluation verdict=\"[a-z]*\" mode=\"[a-z]*\"' '$TAP_TMP/diff'"
# nothing of the definition is removed: the only '-' line is the root
# element, which gains the qemu namespace declaration
removed=$(grep '^-' "$TAP_TMP/diff" | grep -v '^---')
if [ "$(printf '%s\n' "$removed" | wc -l)" -eq 1 ] && printf '%s\n' "$removed" | grep -q '^-<domain '; then
    tap_ok "apply --dry-run diff only adds (root element gains xmlns:qemu)"
else
    tap_fail "apply --dry-run diff only adds"; tap_diag "$removed"
fi
# the same domain by UUID
# shellcheck disable=SC2086
"$DT" apply -c "$URI" --dry-run --sysroot "$HOST" $VERS $UUID > "$TAP_TMP/diff2" 2>&1
tap_check "apply --dry-run by UUID finds the same domain" grep -q '^--- mlx5-vf' "$TAP_TMP/diff2"

# --- define ----------------------------------------------------------------------------
# shellcheck disable=SC2086
"$DT" apply -c "$URI" --sysroot "$HOST" $VERS mlx5-vf > "$TAP_TMP/out" 2> "$TAP_TMP/err"
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$TAP_TMP/err" ] && grep -q "^Domain 'mlx5-vf' defined with this host's policy (verdict [a-z]*, tracking [a-z]*)\.$" "$TAP_TMP/out"; then
    tap_ok "apply: exit 0, says the domain was defined, with verdict and tracking mode"
else
    tap_fail "apply: exit 0, says the domain was defined (rc $rc)"; tap_diag "$(cat "$TAP_TMP/err" "$TAP_TMP/out")"
fi
# shellcheck disable=SC2086
"$DT" apply -c "$URI" --sysroot "$HOST" $VERS --print-result mlx5-vf > "$TAP_TMP/defined" 2> "$TAP_TMP/err"
rc=$?
if [ $rc -eq 0 ] && grep -q '<dirtytrack:evaluation verdict=' "$TAP_TMP/defined" &&
   grep -q "<uuid>$UUID</uuid>" "$TAP_TMP/defined"; then
    tap_ok "apply --print-result: libvirt now holds the definition with the dirtytrack metadata"
else
    tap_fail "apply --print-result: libvirt holds the metadata (rc $rc)"; tap_diag "$(cat "$TAP_TMP/err")"
fi

# --- errors -------------------------------------------------------------------------------
expect_error() {
    desc=$1
    shift
    "$DT" apply "$@" > "$TAP_TMP/out" 2> "$TAP_TMP/err"
    rc=$?
    if [ $rc -eq 3 ] && one_line_error "$TAP_TMP/err" && [ ! -s "$TAP_TMP/out" ]; then
        tap_ok "$desc: exit 3, one line on stderr"
    else
        tap_fail "$desc: exit 3, one line on stderr (rc $rc)"; tap_diag "$(cat "$TAP_TMP/err")"
    fi
}
# shellcheck disable=SC2086
expect_error "apply to an unknown domain" -c "$URI" --sysroot "$HOST" $VERS no-such-domain
grep -q "no-such-domain" "$TAP_TMP/err" && tap_ok "unknown domain: the message names it" ||
    tap_fail "unknown domain: the message names it"
# shellcheck disable=SC2086
expect_error "apply with a URI libvirt cannot open" -c "test://$TAP_TMP/missing-node.xml" $VERS mlx5-vf
# shellcheck disable=SC2086
expect_error "apply with an unknown URI scheme" -c "nosuchdriver:///x" $VERS mlx5-vf
expect_error "apply without a domain" -c "$URI"
expect_error "apply with two domains" -c "$URI" a b
expect_error "apply --dry-run --print-result" -c "$URI" --dry-run --print-result mlx5-vf

# --- a real libvirtd ---------------------------------------------------------------------------
. "$top_srcdir/tests/libvirt/harness.sh"
reason=$(lv_skip_reason)
if [ -n "$reason" ] || [ -n "${DIRTYTRACK_SKIP_SLOW:-}" ]; then
    tap_skip "real libvirtd: ${reason:-DIRTYTRACK_SKIP_SLOW set}"
else
    LV_T="$TAP_TMP/lv"
    mkdir -p "$LV_T"
    trap 'lv_stop_all; rm -rf "$TAP_TMP"' EXIT
    HOOK=/bin/true
    if LV_NO_HOOK=1 lv_start 1; then
        LURI=$(lv_uri 1)
        # TCG here: the same domain, as a qemu-type guest
        sed -e "s/<domain type='kvm'>/<domain type='qemu'>/" "$DOMAINS/mlx5-vf.xml" > "$TAP_TMP/qemu-dom.xml"
        if lv_virsh 1 define "$TAP_TMP/qemu-dom.xml" > /dev/null 2> "$TAP_TMP/err"; then
            lv_virsh 1 dumpxml --inactive --security-info mlx5-vf > "$TAP_TMP/before.xml"
            # shellcheck disable=SC2086
            "$DT" apply -c "$LURI" --dry-run --sysroot "$HOST" $VERS mlx5-vf > "$TAP_TMP/rdiff" 2>&1
            lv_virsh 1 dumpxml --inactive --security-info mlx5-vf > "$TAP_TMP/after-dry.xml"
            if grep -q '^+  <qemu:override>' "$TAP_TMP/rdiff" && cmp -s "$TAP_TMP/before.xml" "$TAP_TMP/after-dry.xml"; then
                tap_ok "real libvirtd: --dry-run shows the change and leaves the definition as it was"
            else
                tap_fail "real libvirtd: --dry-run shows the change and leaves the definition as it was"
                tap_diag "$(cat "$TAP_TMP/rdiff")"
            fi
            # shellcheck disable=SC2086
            "$DT" apply -c "$LURI" --sysroot "$HOST" $VERS mlx5-vf > "$TAP_TMP/rout" 2> "$TAP_TMP/err"
            rc=$?
            lv_virsh 1 dumpxml --inactive --security-info mlx5-vf > "$TAP_TMP/applied.xml"
            if [ $rc -eq 0 ] && grep -q "<qemu:device alias='ua-vf0'>" "$TAP_TMP/applied.xml" &&
               grep -q '<dirtytrack:evaluation ' "$TAP_TMP/applied.xml"; then
                tap_ok "real libvirtd: apply defines <qemu:override> for ua-vf0 and the metadata"
            else
                tap_fail "real libvirtd: apply defines <qemu:override> and the metadata (rc $rc)"
                tap_diag "$(cat "$TAP_TMP/err" "$TAP_TMP/rout")"
            fi
            if command -v virt-xml-validate > /dev/null; then
                if virt-xml-validate "$TAP_TMP/applied.xml" domain > "$TAP_TMP/val" 2>&1; then
                    tap_ok "real libvirtd: the applied definition passes virt-xml-validate"
                else
                    tap_fail "real libvirtd: the applied definition passes virt-xml-validate"
                    tap_diag "$(cat "$TAP_TMP/val")"
                fi
            else
                tap_skip "virt-xml-validate not installed (libvirt-clients)"
            fi
            # shellcheck disable=SC2086
            "$DT" apply -c "$LURI" --sysroot "$HOST" $VERS mlx5-vf > "$TAP_TMP/rout2" 2>&1
            rc=$?
            lv_virsh 1 dumpxml --inactive --security-info mlx5-vf > "$TAP_TMP/applied2.xml"
            if [ $rc -eq 0 ] && grep -q 'nothing to change' "$TAP_TMP/rout2" &&
               cmp -s "$TAP_TMP/applied.xml" "$TAP_TMP/applied2.xml"; then
                tap_ok "real libvirtd: a second apply changes nothing"
            else
                tap_fail "real libvirtd: a second apply changes nothing (rc $rc)"; tap_diag "$(cat "$TAP_TMP/rout2")"
            fi
        else
            tap_fail "real libvirtd: define the sample domain"; tap_diag "$(cat "$TAP_TMP/err")"
        fi
        lv_stop 1
    else
        tap_fail "real libvirtd: instance starts"
    fi
fi

tap_done
