#!/bin/sh
# export.sh: `dirtytrack export` on every fixture host, each format checked
# against the grammar of the program that reads it (Nova's device_spec JSON,
# NFD's feature-file and label syntax, Prometheus' text format through
# promtool when installed, and a strict parser always), plus what the
# files say: which devices are advertised as live-migratable, per QEMU.
. "$(dirname "$0")/tap.sh"
tap_tmpdir

CHECK="$top_builddir/tests/export-check"
PROMTOOL=${PROMTOOL:-$(command -v promtool 2>/dev/null)}
V91="--qemu-version 9.1.0 --libvirt-version 10.0.0"

# one_line_error FILE: exactly one line, prefixed like every CLI error
one_line_error() {
    [ "$(wc -l < "$1")" -eq 1 ] && grep -q '^dirtytrack: ' "$1"
}

# --- every host, every format: the consumer's grammar ----------------------------
for h in "$HOSTS"/*/; do
    h=${h%/}
    hn=$(basename "$h")
    [ -d "$h/sys" ] || continue
    for fmt in nova nfd prometheus; do
        out="$TAP_TMP/$hn.$fmt"
        # shellcheck disable=SC2086
        if "$DT" export --sysroot "$h" --format $fmt $V91 --expiry 3600 -o "$out" 2> "$TAP_TMP/err" &&
           [ ! -s "$TAP_TMP/err" ] && "$CHECK" $fmt "$out" 2> "$TAP_TMP/check"; then
            tap_ok "export $hn --format $fmt keeps the $fmt grammar"
        else
            tap_fail "export $hn --format $fmt keeps the $fmt grammar"
            tap_diag "$(cat "$TAP_TMP/err" "$TAP_TMP/check" 2>/dev/null)"
        fi
    done
    if [ -n "$PROMTOOL" ]; then
        if "$PROMTOOL" check metrics < "$TAP_TMP/$hn.prometheus" > "$TAP_TMP/prom" 2>&1; then
            tap_ok "export $hn --format prometheus passes promtool check metrics"
        else
            tap_fail "export $hn --format prometheus passes promtool check metrics"
            tap_diag "$(cat "$TAP_TMP/prom")"
        fi
    else
        tap_skip "promtool not installed (Debian: prometheus): $hn prometheus checked by export-check only"
    fi
    # a plain X710 VF has no migration driver: never advertised, on any host or QEMU
    if ! ls -d "$h"/sys/bus/pci/drivers/*vfio* > /dev/null 2>&1; then
        # without an IOMMU (or VFIO) nothing is bound to VFIO: nothing to pass through
        tap_check "export $hn nova: no device_spec at all" \
            sh -c "! grep -q '^device_spec' '$TAP_TMP/$hn.nova'"
    else
        tap_check "export $hn nova: plain X710 VF 0000:17:02.0 is live_migratable no" \
            "$CHECK" nova "$TAP_TMP/$hn.nova" 0000:17:02.0=no
    fi
    tap_check "export $hn nfd: expiry-time directive written for --expiry" \
        grep -q '^# +expiry-time=' "$TAP_TMP/$hn.nfd"
done

# --- what the files say ------------------------------------------------------------
I="$HOSTS/intel-dirty"
if [ -d "$I/sys" ]; then
    # shellcheck disable=SC2086
    "$DT" export --sysroot "$I" --format nova $V91 > "$TAP_TMP/n91" 2>/dev/null
    "$DT" export --sysroot "$I" --format nova --qemu-version 7.2.22 --libvirt-version 9.0.0 \
        > "$TAP_TMP/n72" 2>/dev/null
    "$DT" export --sysroot "$I" --format nova --qemu-version 9.0.0 --libvirt-version 10.0.0 \
        > "$TAP_TMP/n90" 2>/dev/null
    tap_check "intel-dirty, QEMU 9.1: mlx5 VF (DMA logging) live_migratable yes, X710 VF no" \
        "$CHECK" nova "$TAP_TMP/n91" 0000:3b:00.1=yes 0000:3b:00.2=yes 0000:17:02.0=no
    # a VM as Nova defines it has no iommufd backend: the QAT VF (no DMA
    # logging) sits in a type1 container, which QEMU 9.1 under
    # enable-migration=auto refuses (hw/vfio/migration.c vfio_migration_realize)
    tap_check "intel-dirty, QEMU 9.1: QAT VF without DMA logging, no iommufd backend: live_migratable no" \
        "$CHECK" nova "$TAP_TMP/n91" 0000:6b:00.1=no
    tap_check "intel-dirty, QEMU 7.2 (v1 protocol): mlx5 VF live_migratable no" \
        "$CHECK" nova "$TAP_TMP/n72" 0000:3b:00.1=no 0000:17:02.0=no
    tap_check "intel-dirty, QEMU 9.0 (no iommufd dirty tracking): QAT VF no, mlx5 VF yes" \
        "$CHECK" nova "$TAP_TMP/n90" 0000:6b:00.1=no 0000:3b:00.1=yes
    tap_check "intel-dirty, QEMU 7.2: Nova's libvirt/QEMU floor noted in the file" \
        grep -q '^# note: nova-compute refuses live_migratable' "$TAP_TMP/n72"
    tap_check "intel-dirty nfd: iommu-dirty-tracking=true, 3 migration devices, 2 migratable" \
        "$CHECK" nfd "$TAP_TMP/intel-dirty.nfd" dirtytrack.io/iommu-dirty-tracking=true \
        dirtytrack.io/iommufd=true dirtytrack.io/vfio-migration-devices=3 \
        dirtytrack.io/vfio-live-migratable-devices=2 dirtytrack.io/tracking-device=true \
        dirtytrack.io/tracking-iommu=false
    tap_check "intel-dirty prometheus: dmar0 tracks, mlx5 VF logs DMA, X710 VF cannot migrate" \
        "$CHECK" prometheus "$TAP_TMP/intel-dirty.prometheus" \
        'dirtytrack_iommu_dirty_tracking{unit="dmar0",vendor="intel-vtd"}=1' \
        'dirtytrack_device_dma_logging{address="0000:3b:00.1",driver="mlx5_vfio_pci",id="15b3:101e"}=1' \
        'dirtytrack_device_migration_supported{address="0000:17:02.0",driver="vfio-pci",id="8086:154c"}=0' \
        'dirtytrack_device_tracking_mode{address="0000:3b:00.1",driver="mlx5_vfio_pci",verdict="allow",mode="device",reason="",reasons=""}=1' \
        'dirtytrack_device_tracking_mode{address="0000:6b:00.1",driver="qat_vfio_pci",verdict="deny",mode="none",reason="no-dirty-tracking",reasons="no-dirty-tracking,iommufd-not-configured"}=1'
    tap_check "intel-dirty: the host bridge and the PFs are not exported" \
        sh -c "! grep -q '0000:00:00.0\|0000:3b:00.0\|0000:17:00.0' '$TAP_TMP/n91'"
else
    tap_skip "fixture host intel-dirty missing"
fi
N="$HOSTS/intel-nodirty"
if [ -d "$N/sys" ]; then
    tap_check "intel-nodirty (no SLADS), QEMU 9.1: QAT VF no (perpetual), mlx5 VF yes" \
        "$CHECK" nova "$TAP_TMP/intel-nodirty.nova" 0000:6b:00.1=no 0000:3b:00.1=yes
    tap_check "intel-nodirty nfd: iommu-dirty-tracking=false" \
        "$CHECK" nfd "$TAP_TMP/intel-nodirty.nfd" dirtytrack.io/iommu-dirty-tracking=false
else
    tap_skip "fixture host intel-nodirty missing"
fi
D="$HOSTS/debian12"
if [ -d "$D/sys" ]; then
    # managed='yes' (Nova's default for vfio-pci): libvirt 10.0 binds the
    # modules.alias variant, mlx5_vfio_pci (Linux 5.18); libvirt 9.0 binds vfio-pci
    "$DT" export --sysroot "$D" --format nova --qemu-version 9.1.0 --libvirt-version 9.0.0 \
        > "$TAP_TMP/d90" 2>/dev/null
    tap_check "debian12, libvirt 10.0: VF on plain vfio-pci 3b:00.2 is yes (libvirt binds mlx5_vfio_pci)" \
        "$CHECK" nova "$TAP_TMP/debian12.nova" 0000:3b:00.2=yes
    tap_check "debian12, libvirt 9.0: VF on plain vfio-pci 3b:00.2 is no (libvirt binds vfio-pci)" \
        "$CHECK" nova "$TAP_TMP/d90" 0000:3b:00.2=no
    tap_check "debian12 nfd: iommufd=false" \
        "$CHECK" nfd "$TAP_TMP/debian12.nfd" dirtytrack.io/iommufd=false
fi
X="$HOSTS/no-iommu"
if [ -d "$X/sys" ]; then
    tap_check "no-iommu nfd: iommu=false" "$CHECK" nfd "$TAP_TMP/no-iommu.nfd" dirtytrack.io/iommu=false
fi

# --- output handling and errors ------------------------------------------------------
if [ -d "$I/sys" ]; then
    mkdir "$TAP_TMP/out"
    # shellcheck disable=SC2086
    "$DT" export --sysroot "$I" --format prometheus $V91 -o "$TAP_TMP/out/dirtytrack.prom"
    # shellcheck disable=SC2086
    "$DT" export --sysroot "$I" --format prometheus $V91 -o "$TAP_TMP/out/dirtytrack.prom"
    left=$(ls -A "$TAP_TMP/out" | grep -v '^dirtytrack.prom$')
    mode=$(stat -c %a "$TAP_TMP/out/dirtytrack.prom" 2>/dev/null)
    if [ -z "$left" ] && [ "$mode" = 644 ]; then
        tap_ok "-o replaces the file, leaves no temporary behind, mode 0644 for collectors"
    else
        tap_fail "-o replaces the file, leaves no temporary behind, mode 0644 (left: $left, mode $mode)"
    fi
    # shellcheck disable=SC2086
    "$DT" export --sysroot "$I" --format nfd $V91 -o "$TAP_TMP/missing/dir/x" 2> "$TAP_TMP/err"
    rc=$?
    if [ $rc -eq 3 ] && one_line_error "$TAP_TMP/err"; then
        tap_ok "-o into a missing directory: exit 3, one line"
    else
        tap_fail "-o into a missing directory: exit 3, one line (rc $rc)"; tap_diag "$(cat "$TAP_TMP/err")"
    fi
fi

# --- -o never replaces or writes through anything but a regular file --------------
# (root, as the export runs from a unit, replaced /dev/null with a file)
if [ -d "$I/sys" ]; then
    S="$TAP_TMP/safe"
    mkdir "$S" "$S/dir"
    mkfifo "$S/fifo"
    printf 'precious\n' >"$S/target"
    ln -s target "$S/link"
    ln -s /dev/null "$S/link-dev"
    # NAME:what it is:ls type letter:how the test names it
    kinds="fifo:FIFO:p:a_FIFO link:symbolic_link:l:a_symlink_to_a_file \
link-dev:symbolic_link:l:a_symlink_to_/dev/null dir:directory:d:a_directory"
    # a character device of our own where we may make one (root)
    if mknod "$S/chr" c 1 3 2>/dev/null; then
        kinds="$kinds chr:character_device:c:a_character_device_(mknod_c_1_3)"
    else
        tap_skip "-o onto a character device: mknod needs root"
    fi
    for k in $kinds; do
        name=$(echo "$k" | cut -d: -f1) type=$(echo "$k" | cut -d: -f3)
        what=$(echo "$k" | cut -d: -f2 | tr _ ' ') desc=$(echo "$k" | cut -d: -f4 | tr _ ' ')
        before=$(ls -ld "$S/$name")
        # shellcheck disable=SC2086
        timeout 10 "$DT" export --sysroot "$I" --format nfd $V91 -o "$S/$name" 2>"$TAP_TMP/err" </dev/null
        rc=$?
        after=$(ls -ld "$S/$name")
        if [ $rc -eq 3 ] && one_line_error "$TAP_TMP/err" && grep -q "is a $what" "$TAP_TMP/err" &&
           [ "$before" = "$after" ] && [ "$(echo "$after" | cut -c1)" = "$type" ]; then
            tap_ok "-o onto $desc: exit 3, one line naming it, left as it was"
        else
            tap_fail "-o onto $desc: exit 3, one line naming it, left as it was (rc $rc)"
            tap_diag "$(cat "$TAP_TMP/err")" "before: $before" "after: $after"
        fi
    done
    if [ "$(cat "$S/target")" = precious ] && [ -z "$(ls -A "$S/dir")" ] &&
       [ -z "$(ls -A "$S" | grep tmp)" ]; then
        tap_ok "-o refusals: the symlink's target and the directory unchanged, no temporary left"
    else
        tap_fail "-o refusals: the symlink's target and the directory unchanged, no temporary left"
    fi
    if [ -c /dev/null ]; then
        tap_ok "/dev/null is still a character device"
    else
        tap_fail "/dev/null is still a character device"
    fi
    # a regular file is replaced (a new inode: readers see old or new),
    # keeping its permission bits; - is standard output
    printf 'old\n' >"$S/file.nfd"
    chmod 640 "$S/file.nfd"
    ino=$(stat -c %i "$S/file.nfd")
    # shellcheck disable=SC2086
    "$DT" export --sysroot "$I" --format nfd $V91 -o "$S/file.nfd" 2>"$TAP_TMP/err"
    rc=$?
    if [ $rc -eq 0 ] && [ "$(stat -c %i "$S/file.nfd")" != "$ino" ] &&
       [ "$(stat -c %a "$S/file.nfd")" = 640 ] && "$CHECK" nfd "$S/file.nfd" 2>/dev/null; then
        tap_ok "-o onto a regular file: replaced by rename, mode kept"
    else
        tap_fail "-o onto a regular file: replaced by rename, mode kept (rc $rc)"
    fi
    # shellcheck disable=SC2086
    "$DT" export --sysroot "$I" --format nfd $V91 -o - >"$S/stdout.nfd" 2>"$TAP_TMP/err"
    rc=$?
    if [ $rc -eq 0 ] && [ ! -e ./- ] && cmp -s "$S/stdout.nfd" "$S/file.nfd"; then
        tap_ok "-o - writes to standard output"
    else
        tap_fail "-o - writes to standard output (rc $rc)"
    fi
fi

"$DT" export --format yaml > /dev/null 2> "$TAP_TMP/err"
rc=$?
if [ $rc -eq 3 ] && one_line_error "$TAP_TMP/err"; then
    tap_ok "unknown --format: exit 3, one line"
else
    tap_fail "unknown --format: exit 3, one line (rc $rc)"
fi
"$DT" export > /dev/null 2> "$TAP_TMP/err"
rc=$?
if [ $rc -eq 3 ] && one_line_error "$TAP_TMP/err"; then
    tap_ok "missing --format: exit 3, one line"
else
    tap_fail "missing --format: exit 3, one line (rc $rc)"
fi
"$DT" export --format nova --qemu-version banana > /dev/null 2> "$TAP_TMP/err"
rc=$?
if [ $rc -eq 3 ] && one_line_error "$TAP_TMP/err"; then
    tap_ok "invalid --qemu-version: exit 3, one line"
else
    tap_fail "invalid --qemu-version: exit 3, one line (rc $rc)"
fi

tap_done
