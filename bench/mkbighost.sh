#!/bin/bash
# mkbighost.sh: generate a large fixture host (a sysroot) for the benchmarks.
#
# Usage: bench/mkbighost.sh OUTDIR NFUNCS [NPROCS]
#
# The host is an intel-dirty-class machine (kernel 6.12, Sapphire Rapids
# VT-d units, /dev/iommu, VFIO cdevs) laid out as
# tests/data/hosts/mkhosts.sh lays out its hosts (tests/data/hosts/README.md):
# the same attribute files and formats, sysfs-style relative symlinks, back
# links left out.  What differs is size:
#   - the 8 functions the benchmark domain references: ConnectX-7 VFs
#     0000:3b:00.1 ... 0000:3b:01.0 (15b3:101e, ARI numbering, VF offset 1)
#     bound to mlx5_vfio_pci with their own groups and vfio0..7 cdevs, plus
#     their PF 0000:3b:00.0, its root port and the host bridge (11 in all);
#   - filler up to NFUNCS functions in all: E810-class cards (8086:1593 PF
#     on ice, up to 63 VFs 8086:1889 on iavf), each behind its own root port
#     on its own root bus, which is how SR-IOV hosts reach thousands of
#     functions;
#   - a modules.alias of the size and mix of a distribution kernel's
#     (~26,000 lines, 1.3 MB) with the fixture hosts' vfio_pci lines in it,
#     because the probe and the shell baseline both search it;
#   - optionally NPROCS processes in /proc with 24 open files each (none of
#     them a VFIO node), for the probe's in-use scan.
# NFUNCS below 11 gives the 11-function minimum; the script prints the
# number of functions it made.
#
# bash only writes a manifest (no fork per file: 4096 functions are ~90,000
# files and links); one perl process, which every Debian system has,
# creates the tree from it.
set -euo pipefail -o noglob   # noglob: paths are split on / in rel()
export LC_ALL=C

usage="usage: mkbighost.sh OUTDIR NFUNCS [NPROCS]"
out=${1:?$usage}
nfuncs=${2:?$usage}
nprocs=${3:-0}
case $nfuncs$nprocs in *[!0-9]*) echo "mkbighost.sh: $usage" >&2; exit 2 ;; esac

mkdir -p "$out"
H=$(cd "$out" && pwd)
rm -rf "${H:?}/sys" "$H/dev" "$H/proc" "$H/lib"

# Sapphire Rapids VT-d registers, as in mkhosts.sh (README.md has the source)
SPR_VER="6:0"
SPR_CAP="19ed008c40780c66"
SPR_ECAP="3ee9e86f050df"
SPR_ADDR=(d97fc000 e17fc000 e97fc000)
REL="6.12.57+deb13-amd64"

manifest=$H/.manifest
exec 3>"$manifest"
count=0

# Manifest lines: "f PATH CONTENT" (a file with CONTENT and a newline),
# "e PATH" (an empty file), "l PATH TARGET" (a symlink), tab-separated.
put() { printf 'f\t%s\t%s\n' "$H$1" "$2" >&3; }
touchf() { printf 'e\t%s\n' "$H$1" >&3; }

# rel FROMDIR TO: R = the relative path from FROMDIR to TO (both absolute,
# normalised), as the kernel writes sysfs links
rel() {
    local IFS=/ i=0 j up=""
    local -a f=(${1#/}) t=(${2#/})
    while [ "$i" -lt "${#f[@]}" ] && [ "$i" -lt "${#t[@]}" ] && [ "${f[$i]}" = "${t[$i]}" ]; do
        i=$((i + 1))
    done
    for ((j = i; j < ${#f[@]}; j++)); do up=$up../; done
    R=$up${t[*]:$i}
}

lnk() {   # lnk LINK TARGET (both absolute inside the host)
    rel "${1%/*}" "$2"
    printf 'l\t%s\t%s\n' "$H$1" "$R" >&3
}

drivers_seen=" "
driver_dir() {
    case $drivers_seen in *" $1 "*) return ;; esac
    drivers_seen="$drivers_seen$1 "
    for f in bind unbind new_id remove_id uevent; do touchf "/sys/bus/pci/drivers/$1/$f"; done
}

# pci PATH VEN DEV SVEN SDEV CLASS DRIVER GROUP UNIT (DRIVER may be "-")
pci() {
    local path=$1 ven=$2 dev=$3 sven=$4 sdev=$5 cls=$6 drv=$7 grp=$8 unit=$9
    local d=/sys/devices/$path bdf=${path##*/} ma
    put "$d/vendor" "0x$ven"
    put "$d/device" "0x$dev"
    put "$d/subsystem_vendor" "0x$sven"
    put "$d/subsystem_device" "0x$sdev"
    put "$d/class" "0x$cls"
    printf -v ma 'pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X' \
        $((16#$ven)) $((16#$dev)) $((16#$sven)) $((16#$sdev)) \
        $(((16#$cls >> 16) & 255)) $(((16#$cls >> 8) & 255)) $((16#$cls & 255))
    put "$d/modalias" "$ma"
    touchf "$d/driver_override"
    put "$d/numa_node" "0"
    lnk "/sys/bus/pci/devices/$bdf" "$d"
    if [ "$drv" != - ]; then
        driver_dir "$drv"
        lnk "$d/driver" "/sys/bus/pci/drivers/$drv"
    fi
    put "/sys/kernel/iommu_groups/$grp/type" "DMA"
    lnk "$d/iommu_group" "/sys/kernel/iommu_groups/$grp"
    lnk "$d/iommu" "$unit"
    count=$((count + 1))
}

sriov_pf() {   # sriov_pf PFPATH TOTAL NUM VFDEVICE
    put "/sys/devices/$1/sriov_totalvfs" "$2"
    put "/sys/devices/$1/sriov_numvfs" "$3"
    put "/sys/devices/$1/sriov_vf_device" "$4"
    put "/sys/devices/$1/sriov_drivers_autoprobe" "1"
}

sriov() {   # sriov PFPATH VFPATH N
    lnk "/sys/devices/$1/virtfn$3" "/sys/devices/$2"
    lnk "/sys/devices/$2/physfn" "/sys/devices/$1"
}

devfn() {   # devfn N: F = the "SS.F" of function N on an ARI bus
    printf -v F '%02x.%x' $(($1 >> 3)) $(($1 & 7))
}

# ---- host-wide facts ---------------------------------------------------------
put /proc/sys/kernel/osrelease "$REL"
put /proc/sys/kernel/arch x86_64
put /proc/cmdline "BOOT_IMAGE=/boot/vmlinuz-$REL root=UUID=2f6d1c4e-8f0a-4b7e-9a51-6a1d2c3b4e5f ro intel_iommu=on iommu=pt quiet"
put /sys/kernel/mm/transparent_hugepage/hpage_pmd_size 2097152
touchf /dev/vfio/vfio
touchf /dev/null
touchf /dev/iommu

for i in 0 1 2; do
    u=/sys/devices/virtual/iommu/dmar$i
    put "$u/intel-iommu/version" "$SPR_VER"
    put "$u/intel-iommu/cap" "$SPR_CAP"
    put "$u/intel-iommu/ecap" "$SPR_ECAP"
    put "$u/intel-iommu/address" "${SPR_ADDR[$i]}"
    put "$u/intel-iommu/domains_supported" 65536
    put "$u/intel-iommu/domains_used" 0
    touchf "$u/uevent"
    lnk "/sys/class/iommu/dmar$i" "$u"
done
U0=/sys/devices/virtual/iommu/dmar0
U1=/sys/devices/virtual/iommu/dmar1
U2=/sys/devices/virtual/iommu/dmar2

# ---- the referenced functions ---------------------------------------------------
pci "pci0000:00/0000:00:00.0" 8086 09a2 8086 0000 088000 - 0 "$U0"
RP=pci0000:3a/0000:3a:01.0
pci "$RP" 8086 352a 8086 0000 060400 pcieport 39 "$U1"
PF=$RP/0000:3b:00.0
pci "$PF" 15b3 1021 15b3 0040 020000 mlx5_core 40 "$U1"
sriov_pf "$PF" 16 8 101e
for i in 0 1 2 3 4 5 6 7; do
    devfn $((i + 1))
    vf=$RP/0000:3b:$F
    grp=$((41 + i))
    pci "$vf" 15b3 101e 15b3 0040 020000 mlx5_vfio_pci "$grp" "$U1"
    sriov "$PF" "$vf" "$i"
    v=/sys/devices/$vf/vfio-dev/vfio$i
    lnk "$v/device" "/sys/devices/$vf"
    lnk "/sys/class/vfio-dev/vfio$i" "$v"
    put "$v/dev" "509:$i"
    printf 'f\t%s\t%s\n' "$H$v/uevent" "MAJOR=509\\nMINOR=$i\\nDEVNAME=vfio/devices/vfio$i" >&3
    touchf "/dev/vfio/devices/vfio$i"
    touchf "/dev/vfio/$grp"
done

# ---- filler: E810-class cards, one per root bus ------------------------------
bus=$((16#40))
grp=100
while [ "$count" -lt "$nfuncs" ]; do
    left=$((nfuncs - count))
    printf -v rb '%02x' "$bus"
    printf -v db '%02x' $((bus + 1))
    unit=$U2
    [ $((bus & 2)) -eq 0 ] && unit=$U0
    if [ "$left" -lt 3 ]; then
        # an NVMe drive straight on a root bus
        pci "pci0000:$rb/0000:$rb:00.0" 8086 0b60 8086 0000 010802 nvme "$grp" "$unit"
        grp=$((grp + 1))
        bus=$((bus + 1))
        continue
    fi
    rp=pci0000:$rb/0000:$rb:01.0
    pci "$rp" 8086 352a 8086 0000 060400 pcieport "$grp" "$unit"
    pf=$rp/0000:$db:00.0
    nvf=$((left - 2))
    [ "$nvf" -gt 63 ] && nvf=63
    pci "$pf" 8086 1593 8086 0002 020000 ice $((grp + 1)) "$unit"
    sriov_pf "$pf" 128 "$nvf" 1889
    for ((i = 0; i < nvf; i++)); do
        devfn $((i + 1))
        vf=$rp/0000:$db:$F
        pci "$vf" 8086 1889 8086 0000 020000 iavf $((grp + 2 + i)) "$unit"
        sriov "$pf" "$vf" "$i"
    done
    grp=$((grp + 2 + nvf))
    bus=$((bus + 2))
    if [ "$bus" -gt 253 ]; then
        echo "mkbighost.sh: out of bus numbers at $count functions" >&2
        exit 1
    fi
done

# ---- /proc: ordinary processes with ordinary open files ---------------------
for ((p = 1000; p < 1000 + nprocs; p++)); do
    for ((fd = 0; fd < 24; fd++)); do
        case $((fd % 4)) in
        0) t=/dev/null ;;
        1) t="socket:[$((p * 100 + fd))]" ;;
        2) t=/var/log/journal/system@$p.journal ;;
        *) t="anon_inode:[eventfd]" ;;
        esac
        printf 'l\t%s\t%s\n' "$H/proc/$p/fd/$fd" "$t" >&3
    done
done
exec 3>&-

perl -e '
    use strict;
    use File::Path qw(make_path);
    my %made;
    sub parent { my $p = $_[0]; $p =~ s{/[^/]*$}{};
                 make_path($p) unless $made{$p}++; }
    while (my $line = <STDIN>) {
        chomp $line;
        my ($kind, $path, $arg) = split /\t/, $line, 3;
        parent($path);
        if ($kind eq "l") {
            symlink($arg, $path) or die "mkbighost.sh: $path: $!\n";
        } else {
            open(my $fh, ">", $path) or die "mkbighost.sh: $path: $!\n";
            if ($kind eq "f") { $arg =~ s/\\n/\n/g; print $fh "$arg\n"; }
            close($fh) or die "mkbighost.sh: $path: $!\n";
        }
    }' <"$manifest"
rm -f "$manifest"

# ---- modules.alias of distribution size ------------------------------------------
# The mix of a Debian 6.x amd64 file (pci, usb, of, i2c, hid, acpi, ...):
# generated ids in scripts/mod/file2alias.c's formats, then the lines the
# fixture hosts carry for the devices here and the VFIO variant drivers.
mkdir -p "$H/lib/modules/$REL"
awk 'BEGIN {
    print "# Aliases extracted from modules themselves."
    for (i = 0; i < 8960; i++)
        printf "alias pci:v%08Xd%08Xsv*sd*bc*sc*i* mod_pci_%d\n", 4096 + (i % 97) * 37, i * 7 + 1, i % 700
    for (i = 0; i < 8560; i++)
        printf "alias usb:v%04Xp%04Xd*dc*dsc*dp*ic*isc*ip*in* mod_usb_%d\n", 1024 + (i % 211), i, i % 900
    for (i = 0; i < 1750; i++)
        printf "alias of:N*T*Cvendor%d,device%d mod_of_%d\n", i % 50, i, i % 300
    for (i = 0; i < 1020; i++)
        printf "alias i2c:chip%d mod_i2c_%d\n", i, i % 400
    for (i = 0; i < 860; i++)
        printf "alias hid:b0003g*v%08Xp%08X mod_hid_%d\n", 1133 + i % 40, i, i % 200
    for (i = 0; i < 740; i++)
        printf "alias pcmcia:m%04Xc%04Xf*fn*pfn*pa*pb*pc*pd* mod_pcmcia_%d\n", i % 60, i, i % 90
    for (i = 0; i < 700; i++)
        printf "alias acpi*:ACPI%04X:* mod_acpi_%d\n", i, i % 150
    for (i = 0; i < 3600; i++)
        printf "alias platform:plat%d mod_misc_%d\n", i, i % 500
}' >"$H/lib/modules/$REL/modules.alias"
cat >>"$H/lib/modules/$REL/modules.alias" <<'EOF'
alias pci:v000015B3d00001021sv*sd*bc*sc*i* mlx5_core
alias pci:v000015B3d0000101Esv*sd*bc*sc*i* mlx5_core
alias pci:v00008086d00001593sv*sd*bc*sc*i* ice
alias pci:v00008086d00001889sv*sd*bc*sc*i* iavf
alias pci:v00008086d00000B60sv*sd*bc*sc*i* nvme
alias vfio_pci:v000015B3d0000101Esv*sd*bc*sc*i* mlx5_vfio_pci
alias vfio_pci:v000019E5d0000A256sv*sd*bc*sc*i* hisi_acc_vfio_pci
alias vfio_pci:v000019E5d0000A259sv*sd*bc*sc*i* hisi_acc_vfio_pci
alias vfio_pci:v000019E5d0000A251sv*sd*bc*sc*i* hisi_acc_vfio_pci
alias vfio_pci:v00001DD8d00001003sv*sd*bc*sc*i* pds_vfio_pci
alias vfio_pci:v00001AF4d00001041sv*sd*bc*sc*i* virtio_vfio_pci
alias vfio_pci:v00008086d00004941sv*sd*bc*sc*i* qat_vfio_pci
alias vfio_pci:v00008086d00004943sv*sd*bc*sc*i* qat_vfio_pci
alias vfio_pci:v00008086d00004945sv*sd*bc*sc*i* qat_vfio_pci
alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci
alias pci:v00001AF4d00001041sv*sd*bc*sc*i* virtio_pci
EOF
echo "$count"
