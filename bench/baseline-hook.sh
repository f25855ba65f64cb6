#!/bin/sh
# baseline-hook.sh: the benchmark's yardstick, a qemu hook written the way
# one would write it in shell with xmllint, readlink and cat.
#
# Called like dirtytrack-hook (NAME OP SUBOP EXTRA, domain XML on stdin,
# DIRTYTRACK_SYSROOT for a fixture host), it does the same per-device
# checks, crudely: for each <hostdev type='pci'> it reads the driver link,
# vendor and device, the IOMMU group link, and greps modules.alias for the
# variant driver; then it decides allow / warn / deny and refuses a denied
# incoming migration.  It rewrites nothing and knows no version rules: it
# is the cheapest honest shell version of the checks, so the comparison
# flatters the shell, not dirtytrack.  One xmllint call extracts every
# address; the rest is one fork per fact, as such scripts are.
set -u
root=${DIRTYTRACK_SYSROOT:-}
[ "${2:-}" = migrate ] && [ "${3:-}" = begin ] || { cat >/dev/null; exit 0; }

xml=$(cat)
addrs=$(printf '%s' "$xml" | xmllint --xpath \
    "//devices/hostdev[@mode='subsystem' and @type='pci']/source/address" - 2>/dev/null)
[ -n "$addrs" ] || exit 0

release=$(cat "$root/proc/sys/kernel/osrelease")
alias_file=$root/lib/modules/$release/modules.alias
verdict=allow
reasons=""

# "DOMAIN BUS SLOT FUNCTION" a line (libvirt writes the attributes in
# this order; xmllint re-quotes them with double quotes)
q="[\"']"
addrs=$(printf '%s\n' "$addrs" | sed 's|/>|/>\n|g' | sed -n \
    "s/.*domain=${q}0x\([0-9a-fA-F]*\).*bus=${q}0x\([0-9a-fA-F]*\).*slot=${q}0x\([0-9a-fA-F]*\).*function=${q}0x\([0-9a-fA-F]*\).*/\1 \2 \3 \4/p")
IFS='
'
for a in $addrs; do
    IFS=' '
    set -- $a
    dom=$1 bus=$2 slot=$3 fn=$4
    bdf=$(printf '%04x:%02x:%02x.%x' "0x$dom" "0x$bus" "0x$slot" "0x$fn")
    dev=$root/sys/bus/pci/devices/$bdf
    if [ ! -e "$dev" ]; then
        verdict=deny; reasons="$reasons $bdf:missing"; continue
    fi
    driver=$(readlink "$dev/driver"); driver=${driver##*/}
    ids=$(cat "$dev/vendor" "$dev/device")
    vendor=$(printf '%s' "$ids" | sed -n '1s/^0x//p' | tr a-f A-F)
    device=$(printf '%s' "$ids" | sed -n '2s/^0x//p' | tr a-f A-F)
    group=$(readlink "$dev/iommu_group"); group=${group##*/}
    variant=$(grep -F "alias vfio_pci:v0000${vendor}d0000${device}sv" "$alias_file" | cut -d' ' -f3)
    if [ -z "$group" ]; then
        verdict=deny; reasons="$reasons $bdf:no-iommu-group"
    elif [ -n "$variant" ] && [ "$driver" = "$variant" ]; then
        :   # a migration driver is bound: device dirty tracking
    elif [ -n "$variant" ]; then
        verdict=deny; reasons="$reasons $bdf:driver-not-bindable"
    else
        [ "$verdict" = allow ] && verdict=warn
        reasons="$reasons $bdf:perpetual"
    fi
done

if [ "$verdict" = deny ]; then
    echo "baseline: refused:$reasons" >&2
    exit 1
fi
[ -z "$reasons" ] || echo "baseline: warning:$reasons" >&2
exit 0
