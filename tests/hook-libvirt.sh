#!/bin/sh
# hook-libvirt.sh: the hook under a real, private libvirtd (see
# tests/libvirt/harness.sh) with TCG guests booting the host's kernel and
# a busybox initramfs.  Proves that libvirt runs the hook for each
# operation of a domain's life (start, save, restore, destroy), that a
# domain of no interest gets no output, that the restore filter's output
# passes libvirt's parse and ABI check (the restored domain carries our
# metadata), and that the prepare gate stops a start whose policy
# requires migratability, with our reason in virsh's error.
#
# The hook evaluates against the debian12 fixture host (this machine's
# real sysfs has no VFIO devices); its variables reach it through the
# test-only wrapper in the private hooks directory, because libvirt passes
# hooks only LC_ALL, PATH, HOME and a few more.
#
# Debian packages: libvirt-daemon-system libvirt-clients qemu-system-x86
# linux-image-amd64 busybox-static cpio.  SKIPs without them or root.

. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/tap.sh"
. "$top_srcdir/tests/libvirt/harness.sh"

HOOK="$top_builddir/hooks/dirtytrack-hook"
reason=$(lv_skip_reason)
[ -x "$HOOK" ] || reason="$HOOK not built"
if [ -n "$reason" ]; then
    echo "1..0 # SKIP $reason"
    exit 0
fi

LV_T=$(mktemp -d "${TMPDIR:-/tmp}/dt-hook-libvirt.XXXXXX")
trap 'lv_stop_all; rm -rf "$LV_T"' EXIT
T0=$(date +%s)

lv_prepare_guest "$LV_T" || { tap_fail "build the guest initramfs"; tap_done; exit 1; }
printf '[hook]\ndeadline-ms = 5000\non-timeout = deny\n' >"$LV_T/dirtytrack.conf"

if lv_start 1 DIRTYTRACK_SYSROOT="$top_srcdir/tests/data/hosts/debian12" \
        DIRTYTRACK_QEMU_VERSION=7.2.0 DIRTYTRACK_LIBVIRT_VERSION=9.0.0 \
        DIRTYTRACK_DATADIR="$DIRTYTRACK_DATADIR" DIRTYTRACK_CONFIG="$LV_T/dirtytrack.conf" \
        DIRTYTRACK_BUS_ADDRESS="unix:path=$LV_T/no-bus"; then
    tap_ok "private libvirtd with the hook in its qemu.d is up"
else
    tap_fail "private libvirtd with the hook in its qemu.d is up"
    tap_done
    exit 1
fi
LOG="$(lv_dir 1)/hook.log"

# calls NAME: the hook calls libvirt made for that domain, in order
calls() { grep "^$1 " "$LOG" | cut -d' ' -f2- ; }

# expect DESC NAME EXPECTED: the calls since the last check match
expect_calls() {
    desc=$1 name=$2 want=$3
    got=$(calls "$name")
    if [ "$got" = "$want" ]; then
        tap_ok "$desc"
    else
        tap_diag "expected:" "$want" "got:" "$got"
        tap_fail "$desc"
    fi
    : >"$LOG"
}

# step DESC COMMAND...: a virsh step that must succeed
step() {
    desc=$1
    shift
    if lv_virsh 1 "$@" >"$LV_T/virsh.out" 2>&1; then
        return 0
    fi
    sed 's/^/# /' "$LV_T/virsh.out"
    tap_fail "$desc"
    return 1
}

META_NO="<metadata><dirtytrack:dirtytrack xmlns:dirtytrack='http://dirtytrack.org/xmlns/domain/1.0'><dirtytrack:policy require-migratable='no' perpetual='allow'/></dirtytrack:dirtytrack></metadata>"

# ---- a domain of no interest: every op, no output, exit 0 ------------------
# The release hook's extra argument: "-" from libvirt 9.0; libvirt 11.3
# passes why the domain went away (seen: "saved", "destroyed").
release_extra() { if [ -n "${LV_LIBVIRT_ROOT:-}" ]; then echo "$1"; else echo -; fi; }
lv_domain_xml plain >"$LV_T/plain.xml"
step "define plain" define "$LV_T/plain.xml"
: >"$LOG"
step "start plain" start plain &&
    expect_calls "start: libvirt ran prepare, start, started -> all exit 0, no output" plain \
"prepare begin - exit=0 out=0
start begin - exit=0 out=0
started begin - exit=0 out=0"
step "save plain" save plain "$LV_T/plain.save" &&
    expect_calls "save: stopped, release -> exit 0" plain \
"stopped end - exit=0 out=0
release end $(release_extra saved) exit=0 out=0"
step "restore plain" restore "$LV_T/plain.save" &&
    expect_calls "restore, no VFIO and no metadata: filter prints nothing, then prepare/start/started" plain \
"restore begin - exit=0 out=0
prepare begin - exit=0 out=0
start begin - exit=0 out=0
started begin - exit=0 out=0"
step "destroy plain" destroy plain &&
    expect_calls "destroy: stopped, release -> exit 0" plain \
"stopped end - exit=0 out=0
release end $(release_extra destroyed) exit=0 out=0"

# ---- a domain with our metadata: the restore filter rewrites it -----------
lv_domain_xml tagged "$META_NO" >"$LV_T/tagged.xml"
step "define tagged" define "$LV_T/tagged.xml"
: >"$LOG"
step "start tagged" start tagged && step "save tagged" save tagged "$LV_T/tagged.save" &&
    step "restore tagged" restore "$LV_T/tagged.save"
if grep -q "^tagged restore begin - exit=0 out=[1-9]" "$LOG"; then
    tap_ok "restore of a domain with dirtytrack metadata -> the hook printed a rewritten definition"
else
    sed 's/^/# /' "$LOG"
    tap_fail "restore of a domain with dirtytrack metadata -> the hook printed a rewritten definition"
fi
lv_virsh 1 dumpxml tagged >"$LV_T/tagged.live.xml" 2>&1
if grep -q "<dirtytrack:evaluation verdict=.allow. mode=.none." "$LV_T/tagged.live.xml" &&
        grep -q "require-migratable=.no." "$LV_T/tagged.live.xml" &&
        [ "$(lv_virsh 1 domstate tagged)" = running ]; then
    tap_ok "restored domain runs with the hook's metadata (libvirt accepted it: parse + ABI check)"
else
    sed -n '/metadata/,/\/metadata/p' "$LV_T/tagged.live.xml" | sed 's/^/# /'
    tap_fail "restored domain runs with the hook's metadata (libvirt accepted it: parse + ABI check)"
fi
step "destroy tagged" destroy tagged
: >"$LOG"

# ---- the prepare gate: require-migratable and a VF that cannot migrate -------
# 0000:17:02.0 is the fixture's X710 VF on plain vfio-pci: no migration
# driver.  The hook refuses at prepare, before libvirt touches the device.
lv_domain_xml gated "<metadata><dirtytrack:dirtytrack xmlns:dirtytrack='http://dirtytrack.org/xmlns/domain/1.0'><dirtytrack:policy require-migratable='yes'/></dirtytrack:dirtytrack></metadata>" |
    sed "s|<memballoon model='none'/>|<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x17' slot='0x02' function='0x0'/></source><alias name='ua-vf0'/></hostdev>\n    <memballoon model='none'/>|" \
    >"$LV_T/gated.xml"
step "define gated" define "$LV_T/gated.xml"
if lv_virsh 1 start gated >"$LV_T/start.out" 2>&1; then
    tap_fail "start of a require-migratable VM that cannot migrate here -> refused"
else
    if grep -q "Hook script execution failed" "$LV_T/start.out" &&
            grep -q "refused \[" "$LV_T/start.out" && grep -q "0000:17:02.0" "$LV_T/start.out"; then
        tap_ok "start of a require-migratable VM that cannot migrate here -> refused, reason in virsh's error"
    else
        sed 's/^/# /' "$LV_T/start.out"
        tap_fail "start of a require-migratable VM that cannot migrate here -> refused, reason in virsh's error"
    fi
fi
tap_diag "virsh said:" "$(sed "s/(LC_ALL=C PATH=[^ ]* /(LC_ALL=C PATH=... /" "$LV_T/start.out")"
if grep -q "^gated prepare begin - exit=1" "$LOG" && ! grep -q "^gated start begin" "$LOG" &&
        [ "$(lv_virsh 1 domstate gated)" = "shut off" ]; then
    tap_ok "refused at prepare: no start hook, the domain stays shut off"
else
    sed 's/^/# /' "$LOG"
    tap_fail "refused at prepare: no start hook, the domain stays shut off"
fi

tap_diag "hook-libvirt took $(( $(date +%s) - T0 )) s"
tap_done
