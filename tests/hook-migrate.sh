#!/bin/sh
# hook-migrate.sh: a real `virsh migrate --live` between two private
# libvirtd instances on this machine (tests/libvirt/harness.sh: each in
# its own mount and UTS namespaces, own sockets, host UUID, hostname and
# state directories), with the hook installed on the destination.
#
#   refused:  a VM whose metadata says require-migratable='yes' and which
#             carries a mediated VFIO device the destination (the
#             intel-dirty fixture host) does not have.  The destination's
#             migrate hook refuses; its reasons reach virsh; the VM keeps
#             running on the source.
#   accepted: a VM with dirtytrack metadata and no VFIO device.  The
#             destination's hook evaluates and rewrites the incoming XML;
#             the migrated VM's live XML on the destination carries the
#             evaluation written there (destination host name, verdict).
#
# Limits, honestly: no VFIO device can run here, so the refused VM's mdev
# is faked in the source instance's view of /sys/bus and its -device
# vfio-pci is dropped from QEMU's command line by an emulator wrapper
# (tests/libvirt/harness.sh); the accepted VM has no hostdev, so the
# <qemu:override> part of the rewrite is proven by test-rewrite and
# hook-contract (and by hook-libvirt's ABI-checked restore), not here.
# The source instance runs no dirtytrack hook: libvirt has no source-side
# hook before an outgoing migration, and its prepare gate would (rightly)
# refuse to start the fake-mdev VM.
#
# Debian packages: as hook-libvirt.sh.  SKIPs without them or root.

. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/tap.sh"
. "$top_srcdir/tests/libvirt/harness.sh"

HOOK="$top_builddir/hooks/dirtytrack-hook"
reason=$(lv_skip_reason)
[ -x "$HOOK" ] || reason="$HOOK not built"
if [ -n "$reason" ]; then
    echo "1..0 # SKIP $reason"
    exit 0
fi

LV_T=$(mktemp -d "${TMPDIR:-/tmp}/dt-hook-migrate.XXXXXX")
trap 'lv_stop_all; rm -rf "$LV_T"' EXIT
T0=$(date +%s)
MDEV=c2177883-f1bb-47f0-914d-32a22e3a8804

lv_prepare_guest "$LV_T" || { tap_fail "build the guest initramfs"; tap_done; exit 1; }
EMU=$(lv_emulator_without_vfio "$LV_T")
printf '[hook]\ndeadline-ms = 5000\non-timeout = deny\n' >"$LV_T/dirtytrack.conf"

if LV_NO_HOOK=1 LV_NS_SETUP=$(lv_fake_mdev_setup "$MDEV") lv_start 1; then
    tap_ok "source libvirtd (namespaced, fake mdev in its /sys/bus) is up"
else
    tap_fail "source libvirtd (namespaced, fake mdev in its /sys/bus) is up"
    tap_done
    exit 1
fi
if lv_start 2 DIRTYTRACK_SYSROOT="$top_srcdir/tests/data/hosts/intel-dirty" \
        DIRTYTRACK_QEMU_VERSION=10.0.0 DIRTYTRACK_LIBVIRT_VERSION=11.0.0 \
        DIRTYTRACK_DATADIR="$DIRTYTRACK_DATADIR" DIRTYTRACK_CONFIG="$LV_T/dirtytrack.conf" \
        DIRTYTRACK_BUS_ADDRESS="unix:path=$LV_T/no-bus"; then
    tap_ok "destination libvirtd (second namespace, hook installed) is up"
else
    tap_fail "destination libvirtd (second namespace, hook installed) is up"
    tap_done
    exit 1
fi
DST=$(lv_uri 2)
DLOG="$(lv_dir 2)/hook.log"

migrate() {
    lv_virsh 1 migrate --live --verbose "$1" "$DST" --migrateuri tcp://127.0.0.1 \
        >"$LV_T/migrate-$1.out" 2>&1
}

# ---- refused ---------------------------------------------------------------------
# libvirt raises RLIMIT_MEMLOCK to RAM + 1 GiB for a VFIO device unless
# <memtune><hard_limit> says otherwise; without CAP_SYS_RESOURCE (as in
# CI containers) it may only keep or lower the current hard limit.
MEMLOCK_KIB=$(awk '/^Max locked memory/ { if ($5 == "unlimited") print $5; else print int($5 / 1024) }' /proc/self/limits)
case $MEMLOCK_KIB in unlimited) MEMTUNE= ;; *) MEMTUNE="<memtune><hard_limit unit='KiB'>$MEMLOCK_KIB</hard_limit></memtune>" ;; esac
LV_EMULATOR="$EMU" lv_domain_xml pinned "$MEMTUNE<metadata><dirtytrack:dirtytrack xmlns:dirtytrack='http://dirtytrack.org/xmlns/domain/1.0'><dirtytrack:policy require-migratable='yes' perpetual='never'/></dirtytrack:dirtytrack></metadata>" |
    sed "s|<memballoon model='none'/>|<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='$MDEV'/></source><alias name='ua-mdev0'/></hostdev>\n    <memballoon model='none'/>|" \
    >"$LV_T/pinned.xml"
if lv_virsh 1 define "$LV_T/pinned.xml" >"$LV_T/out" 2>&1 && lv_virsh 1 start pinned >>"$LV_T/out" 2>&1; then
    tap_ok "source runs a VM with an mdev hostdev and require-migratable='yes'"
else
    sed 's/^/# /' "$LV_T/out"
    tap_fail "source runs a VM with an mdev hostdev and require-migratable='yes'"
fi
t=$(date +%s)
if migrate pinned; then
    tap_fail "virsh migrate --live pinned -> refused by the destination hook"
else
    if grep -q "Hook script execution failed" "$LV_T/migrate-pinned.out" &&
            grep -q "refused \[" "$LV_T/migrate-pinned.out" &&
            grep -q "refused \[require-migratable\]" "$LV_T/migrate-pinned.out"; then
        tap_ok "virsh migrate --live pinned -> refused by the destination hook, reasons in virsh's error"
    else
        sed 's/^/# /' "$LV_T/migrate-pinned.out"
        tap_fail "virsh migrate --live pinned -> refused by the destination hook, reasons in virsh's error"
    fi
fi
tap_diag "refused migration took $(( $(date +%s) - t )) s; virsh said:" \
    "$(sed "s/(LC_ALL=C PATH=[^ ]* /(LC_ALL=C PATH=... /" "$LV_T/migrate-pinned.out")"
if grep -q "^pinned migrate begin - exit=1 out=0" "$DLOG" &&
        [ "$(lv_virsh 1 domstate pinned)" = running ] &&
        ! lv_virsh 2 dominfo pinned >/dev/null 2>&1; then
    tap_ok "after the refusal: the VM still runs on the source, nothing on the destination"
else
    sed 's/^/# /' "$DLOG"
    tap_fail "after the refusal: the VM still runs on the source, nothing on the destination"
fi
lv_virsh 1 destroy pinned >/dev/null 2>&1

# ---- accepted ----------------------------------------------------------------------
lv_domain_xml roamer "<metadata><dirtytrack:dirtytrack xmlns:dirtytrack='http://dirtytrack.org/xmlns/domain/1.0'><dirtytrack:policy require-migratable='yes' perpetual='never' max-downtime-ms='300'/></dirtytrack:dirtytrack></metadata>" \
    >"$LV_T/roamer.xml"
if lv_virsh 1 define "$LV_T/roamer.xml" >"$LV_T/out" 2>&1 && lv_virsh 1 start roamer >>"$LV_T/out" 2>&1; then
    tap_ok "source runs a VM with dirtytrack metadata and no hostdev"
else
    sed 's/^/# /' "$LV_T/out"
    tap_fail "source runs a VM with dirtytrack metadata and no hostdev"
fi
t=$(date +%s)
if migrate roamer; then
    tap_ok "virsh migrate --live roamer -> accepted by the destination hook"
else
    sed 's/^/# /' "$LV_T/migrate-roamer.out"
    tap_fail "virsh migrate --live roamer -> accepted by the destination hook"
fi
tap_diag "accepted migration took $(( $(date +%s) - t )) s"
if grep -q "^roamer migrate begin - exit=0 out=[1-9]" "$DLOG"; then
    tap_ok "destination migrate hook printed a rewritten definition"
else
    sed 's/^/# /' "$DLOG"
    tap_fail "destination migrate hook printed a rewritten definition"
fi
lv_virsh 2 dumpxml roamer >"$LV_T/roamer.dst.xml" 2>&1
if [ "$(lv_virsh 2 domstate roamer 2>/dev/null)" = running ] &&
        grep -q "<dirtytrack:evaluation verdict=.allow. mode=.none. host=.dirtytrack-lv2." "$LV_T/roamer.dst.xml" &&
        grep -q "require-migratable=.yes." "$LV_T/roamer.dst.xml"; then
    tap_ok "migrated VM runs on the destination with the metadata its hook wrote (host dirtytrack-lv2, policy kept)"
else
    sed -n '/<metadata/,/<\/metadata/p' "$LV_T/roamer.dst.xml" | sed 's/^/# /'
    tap_fail "migrated VM runs on the destination with the metadata its hook wrote (host dirtytrack-lv2, policy kept)"
fi
if lv_virsh 1 domstate roamer 2>/dev/null | grep -q "shut off" ||
        ! lv_virsh 1 dominfo roamer >/dev/null 2>&1 || ! lv_virsh 1 list --name | grep -qx roamer; then
    tap_ok "the source no longer runs the migrated VM"
else
    tap_fail "the source no longer runs the migrated VM"
fi

tap_diag "hook-migrate took $(( $(date +%s) - T0 )) s"
tap_done
