#!/bin/bash
# mkhosts.sh: generate the fixture host sysroots of tests/data/hosts.
#
# Usage: tests/data/hosts/mkhosts.sh OUTDIR
#
# Each host is a directory that stands in for / (dt-paths.h): DIR/sys,
# DIR/dev, DIR/proc and DIR/lib/modules, laid out as the kernel lays them
# out, symlinks included, so the probe reads the fixtures exactly as it
# reads a real machine.  Register values (VT-d cap/ecap, AMD-Vi EFR/EFR2)
# are copied from real machines; README.md names the source of each.
# Device nodes are empty regular files.  The script is idempotent: it
# removes and rebuilds each host directory it owns, and nothing else.
#
# Back links that sysfs also has (drivers/NAME/BDF, iommu_groups/N/devices,
# class/iommu/X/devices) are left out: the probe never reads them, and
# without them the only symlink cycle is the PF/VF pair (physfn/virtfnN),
# which the kernel's layout requires.
set -euo pipefail
export LC_ALL=C

out=${1:?usage: mkhosts.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# ---- real register values (README.md has the provenance) -------------------
# Sapphire Rapids (Intel Server M50FCP), 6 DRHDs all alike
SPR_VER="6:0"
SPR_CAP="19ed008c40780c66"
SPR_ECAP="3ee9e86f050df"
SPR_ADDR=(d97fc000 e17fc000 e97fc000)
# Cascade Lake-class Xeon (8 DRHDs all alike)
CLX_VER="1:0"
CLX_CAP="8d2078c106f0466"
CLX_ECAP="f020df"
CLX_ADDR=(d37fc000 e0ffc000 ee7fc000)
# AMD EPYC 9004-class (Genoa), global EFR/EFR2 as the 6.7+ kernel prints them
AMD_EFR="25bf732fa2295afe"
AMD_EFR2="1d"
# AMD-Vi capability header offset (Found IOMMU cap 0x40)
AMD_CAP="40"

# CPUs (README.md): family/model as /proc/cpuinfo prints them, and the
# start of each one's flags line, up to the virtualization flag
SPR_CPU=(GenuineIntel 6 143)    # Sapphire Rapids (model 0x8f)
CLX_CPU=(GenuineIntel 6 85)     # Cascade Lake (model 0x55)
GENOA_CPU=(AuthenticAMD 25 17)  # EPYC 9004 Genoa (family 0x19, model 0x11)
INTEL_FLAGS="fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush dts acpi mmx fxsr sse sse2 ss ht tm pbe syscall nx pdpe1gb rdtscp lm constant_tsc art arch_perfmon pebs bts rep_good nopl xtopology nonstop_tsc cpuid aperfmperf tsc_known_freq pni pclmulqdq dtes64 monitor ds_cpl vmx"
AMD_FLAGS="fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc rep_good amd_lbr_v2 nopl nonstop_tsc cpuid extd_apicid aperfmperf rapl pni pclmulqdq monitor ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand lahf_lm cmp_legacy svm"
# HiSilicon Kunpeng 920 (TaiShan v110 cores)
ARM_CPU=(0x48 0xd01)
ARM_FEATURES="fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm jscvt fcma dcpop asimddp asimdfhm"

REL_612_X86="6.12.57+deb13-amd64"
REL_612_ARM="6.12.57+deb13-arm64"
REL_DEB12="6.1.0-28-amd64"
# a Firecracker guest kernel, read on a real one (README.md)
REL_FC="6.18.44-fc-v1272"

# ---- helpers ------------------------------------------------------------------
H=""   # current host root

put() {   # put FILE CONTENT: write one attribute file (with trailing newline)
    mkdir -p "$(dirname "$H$1")"
    printf '%s\n' "$2" >"$H$1"
}

touchf() {   # an empty regular file (device nodes, write-only attributes)
    mkdir -p "$(dirname "$H$1")"
    : >"$H$1"
}

lnk() {   # lnk LINK TARGET (both absolute inside the host): relative like sysfs
    local link=$H$1 target=$H$2
    mkdir -p "$(dirname "$link")"
    ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$target")" "$link"
}

driver_dir() {
    local d=/sys/bus/pci/drivers/$1
    for f in bind unbind new_id remove_id uevent; do touchf "$d/$f"; done
}

# pci PATH VENDOR DEVICE SVENDOR SDEVICE CLASS DRIVER GROUP UNITPATH
#   PATH is under /sys/devices; DRIVER, GROUP and UNITPATH may be "-".
pci() {
    local path=$1 ven=$2 dev=$3 sven=$4 sdev=$5 cls=$6 drv=$7 grp=$8 unit=$9
    local d=/sys/devices/$path bdf=${path##*/}
    put "$d/vendor" "$(printf '0x%04x' $((16#$ven)))"
    put "$d/device" "$(printf '0x%04x' $((16#$dev)))"
    put "$d/subsystem_vendor" "$(printf '0x%04x' $((16#$sven)))"
    put "$d/subsystem_device" "$(printf '0x%04x' $((16#$sdev)))"
    put "$d/class" "$(printf '0x%06x' $((16#$cls)))"
    put "$d/modalias" "$(printf 'pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X' \
        $((16#$ven)) $((16#$dev)) $((16#$sven)) $((16#$sdev)) \
        $(((16#$cls >> 16) & 255)) $(((16#$cls >> 8) & 255)) $((16#$cls & 255)))"
    touchf "$d/driver_override"
    put "$d/numa_node" "0"
    lnk "/sys/bus/pci/devices/$bdf" "$d"
    if [ "$drv" != - ]; then
        driver_dir "$drv"
        lnk "$d/driver" "/sys/bus/pci/drivers/$drv"
    fi
    if [ "$grp" != - ]; then
        put "/sys/kernel/iommu_groups/$grp/type" "DMA"
        lnk "$d/iommu_group" "/sys/kernel/iommu_groups/$grp"
    fi
    if [ "$unit" != - ]; then
        lnk "$d/iommu" "$unit"
    fi
}

# sriov PFPATH VFPATH N
sriov() {
    lnk "/sys/devices/$1/virtfn$3" "/sys/devices/$2"
    lnk "/sys/devices/$2/physfn" "/sys/devices/$1"
}

sriov_pf() {   # sriov_pf PFPATH TOTAL NUM VFDEVICE
    put "/sys/devices/$1/sriov_totalvfs" "$2"
    put "/sys/devices/$1/sriov_numvfs" "$3"
    put "/sys/devices/$1/sriov_vf_device" "$4"
    put "/sys/devices/$1/sriov_drivers_autoprobe" "1"
}

# vfio PATH N GROUP CDEV(yes|no): what binding a VFIO driver creates
vfio() {
    local d=/sys/devices/$1 n=$2 grp=$3 cdev=$4
    local v=$d/vfio-dev/vfio$n
    lnk "$v/device" "$d"
    lnk "/sys/class/vfio-dev/vfio$n" "$v"
    if [ "$cdev" = yes ]; then
        # dynamic char major of the "vfio-dev" region (illustrative)
        put "$v/dev" "509:$n"
        printf 'MAJOR=509\nMINOR=%s\nDEVNAME=vfio/devices/vfio%s\n' "$n" "$n" >"$H$v/uevent"
        touchf "/dev/vfio/devices/vfio$n"
    else
        touchf "$v/uevent"
    fi
    touchf "/dev/vfio/$grp"
}

intel_unit() {   # intel_unit N VER CAP ECAP ADDR
    local u=/sys/devices/virtual/iommu/dmar$1
    put "$u/intel-iommu/version" "$2"
    put "$u/intel-iommu/cap" "$3"
    put "$u/intel-iommu/ecap" "$4"
    put "$u/intel-iommu/address" "$5"
    put "$u/intel-iommu/domains_supported" "65536"
    put "$u/intel-iommu/domains_used" "0"
    touchf "$u/uevent"
    lnk "/sys/class/iommu/dmar$1" "$u"
}

amd_unit() {   # amd_unit N PCIPATH FEATURES
    local u=/sys/devices/$2/iommu/ivhd$1
    put "$u/amd-iommu/cap" "$AMD_CAP"
    put "$u/amd-iommu/features" "$3"
    touchf "$u/uevent"
    lnk "/sys/class/iommu/ivhd$1" "$u"
}

smmu_unit() {   # smmu_unit PLATFORMDEV NAME: no attributes at all in sysfs
    local u=/sys/devices/platform/$1/iommu/$2
    touchf "$u/uevent"
    lnk "/sys/class/iommu/$2" "$u"
}

# base HOST ARCH RELEASE CMDLINE
base() {
    H=$out/$1
    rm -rf "$H"
    mkdir -p "$H"
    put /proc/sys/kernel/osrelease "$3"
    put /proc/sys/kernel/arch "$2"
    put /proc/cmdline "$4"
    put /sys/kernel/mm/transparent_hugepage/hpage_pmd_size "2097152"
    mkdir -p "$H/lib/modules/$3"
}

# modules.alias: a few ordinary pci: lines (ignored by the probe) and the
# vfio_pci: lines of the variant drivers this kernel version ships.
aliases() {   # aliases RELEASE DRIVER...
    local rel=$1 f
    shift
    f=$H/lib/modules/$rel/modules.alias
    {
        echo "# Aliases extracted from modules themselves."
        echo "alias pci:v000015B3d00001021sv*sd*bc*sc*i* mlx5_core"
        echo "alias pci:v000015B3d0000101Esv*sd*bc*sc*i* mlx5_core"
        echo "alias pci:v00008086d00001572sv*sd*bc*sc*i* i40e"
        echo "alias pci:v00008086d0000154Csv*sd*bc*sc*i* iavf"
        echo "alias pci:v00008086d00004940sv*sd*bc*sc*i* qat_4xxx"
        for drv in "$@"; do
            case $drv in
            mlx5) echo "alias vfio_pci:v000015B3d0000101Esv*sd*bc*sc*i* mlx5_vfio_pci" ;;
            hisi)
                echo "alias vfio_pci:v000019E5d0000A256sv*sd*bc*sc*i* hisi_acc_vfio_pci"
                echo "alias vfio_pci:v000019E5d0000A259sv*sd*bc*sc*i* hisi_acc_vfio_pci"
                echo "alias vfio_pci:v000019E5d0000A251sv*sd*bc*sc*i* hisi_acc_vfio_pci"
                ;;
            pds) echo "alias vfio_pci:v00001DD8d00001003sv*sd*bc*sc*i* pds_vfio_pci" ;;
            virtio) echo "alias vfio_pci:v00001AF4d00001041sv*sd*bc*sc*i* virtio_vfio_pci" ;;
            qat)
                for id in 4941 4943 4945; do
                    echo "alias vfio_pci:v00008086d0000${id}sv*sd*bc*sc*i* qat_vfio_pci"
                done
                ;;
            nvgrace)
                for id in 2342 2345 2348; do
                    echo "alias vfio_pci:v000010DEd0000${id}sv*sd*bc*sc*i* nvgrace_gpu_vfio_pci"
                done
                ;;
            esac
        done
        echo "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci"
        echo "alias pci:v00001AF4d00001041sv*sd*bc*sc*i* virtio_pci"
    } >"$f"
}

# The shared PCI topology (/tmp/topology.md): same BDFs on every host.
# $1: how the root buses map to IOMMU units (intel|amd|arm|none)
# $2: VFIO driver for 3b:00.2; $3: VFIO driver for 6b:00.1 ("-" = unbound)
# $4: cdev kernel (yes|no)
devices() {
    local kind=$1 vf2drv=$2 qatdrv=$3 cdev=$4 off=no
    local r00 r16 r3a r6b u00 u16 u3a u6b hb

    # "none" (Intel), "amd-off", "arm-off": the platform's IOMMU is off, so
    # there are no units, no groups, and vfio-pci cannot bind
    case $kind in
    none) off=yes ;;
    *-off) off=yes; kind=${kind%-off} ;;
    esac
    case $kind in
    intel)
        r00=pci0000:00 r16=pci0000:16/0000:16:02.0 r3a=pci0000:3a/0000:3a:01.0 r6b=pci0000:6b
        u00=/sys/devices/virtual/iommu/dmar0 u16=$u00
        u3a=/sys/devices/virtual/iommu/dmar1 u6b=/sys/devices/virtual/iommu/dmar2
        hb="8086 09a2 8086 0000 088000"
        ;;
    none)
        r00=pci0000:00 r16=pci0000:16/0000:16:02.0 r3a=pci0000:3a/0000:3a:01.0 r6b=pci0000:6b
        u00=- u16=- u3a=- u6b=-
        hb="8086 09a2 8086 0000 088000"
        ;;
    amd)
        r00=pci0000:00 r16=pci0000:00/0000:00:01.1 r3a=pci0000:00/0000:00:03.1 r6b=pci0000:40/0000:40:01.1
        u00=/sys/devices/pci0000:00/0000:00:00.2/iommu/ivhd0 u16=$u00 u3a=$u00
        u6b=/sys/devices/pci0000:40/0000:40:00.2/iommu/ivhd1
        hb="1022 14a4 1022 0000 060000"
        ;;
    arm)
        r00=pci0000:00 r16=pci0000:16/0000:16:00.0 r3a=pci0000:3a/0000:3a:00.0 r6b=pci0000:6b
        u00=/sys/devices/platform/arm-smmu-v3.2.auto/iommu/smmu3.0x0000000140000000
        u16=$u00 u3a=$u00 u6b=$u00
        hb="19e5 a120 19e5 0000 060400"
        ;;
    esac
    if [ $off = yes ]; then u00=- u16=- u3a=- u6b=-; fi
    g() { [ $off = yes ] && echo - || echo "$1"; }

    # shellcheck disable=SC2086
    set -- $hb
    pci "$r00/0000:00:00.0" "$1" "$2" "$3" "$4" "$5" - "$(g 0)" "$u00"

    # root ports in front of the add-in cards (own groups, pcieport)
    case $kind in
    amd)
        pci "pci0000:00/0000:00:01.1" 1022 14ab 1022 14ab 060400 pcieport "$(g 29)" "$u00"
        pci "pci0000:00/0000:00:03.1" 1022 14a5 1022 14a5 060400 pcieport "$(g 39)" "$u00"
        pci "pci0000:40/0000:40:01.1" 1022 14ab 1022 14ab 060400 pcieport "$(g 49)" "$u6b"
        ;;
    arm)
        pci "pci0000:16/0000:16:00.0" 19e5 a120 19e5 0000 060400 pcieport "$(g 29)" "$u16"
        pci "pci0000:3a/0000:3a:00.0" 19e5 a120 19e5 0000 060400 pcieport "$(g 39)" "$u3a"
        ;;
    *)
        pci "pci0000:16/0000:16:02.0" 8086 352a 8086 0000 060400 pcieport "$(g 29)" "$u16"
        pci "pci0000:3a/0000:3a:01.0" 8086 352a 8086 0000 060400 pcieport "$(g 39)" "$u3a"
        ;;
    esac

    # Intel X710: PF 8086:1572 (i40e), VF 8086:154c on 17:02.0 (VF offset 16)
    pci "$r16/0000:17:00.0" 8086 1572 8086 0000 020000 i40e "$(g 30)" "$u16"
    sriov_pf "$r16/0000:17:00.0" 32 1 154c
    pci "$r16/0000:17:02.0" 8086 154c 8086 0000 020000 \
        "$([ $off = yes ] && echo - || echo vfio-pci)" "$(g 31)" "$u16"
    sriov "$r16/0000:17:00.0" "$r16/0000:17:02.0" 0

    # Mellanox ConnectX-7: PF 15b3:1021 (mlx5_core), VFs 15b3:101e
    pci "$r3a/0000:3b:00.0" 15b3 1021 15b3 0040 020000 mlx5_core "$(g 40)" "$u3a"
    sriov_pf "$r3a/0000:3b:00.0" 16 2 101e
    pci "$r3a/0000:3b:00.1" 15b3 101e 15b3 0040 020000 \
        "$([ $off = yes ] && echo - || echo mlx5_vfio_pci)" "$(g 41)" "$u3a"
    pci "$r3a/0000:3b:00.2" 15b3 101e 15b3 0040 020000 "$vf2drv" "$(g 42)" "$u3a"
    sriov "$r3a/0000:3b:00.0" "$r3a/0000:3b:00.1" 0
    sriov "$r3a/0000:3b:00.0" "$r3a/0000:3b:00.2" 1

    # Intel QAT 4xxx: PF 8086:4940 (4xxx), VF 8086:4941
    pci "$r6b/0000:6b:00.0" 8086 4940 8086 0000 0b4000 4xxx "$(g 50)" "$u6b"
    sriov_pf "$r6b/0000:6b:00.0" 16 1 4941
    pci "$r6b/0000:6b:00.1" 8086 4941 8086 0000 0b4000 "$qatdrv" "$(g 51)" "$u6b"
    sriov "$r6b/0000:6b:00.0" "$r6b/0000:6b:00.1" 0

    if [ $off = no ]; then
        vfio "$r16/0000:17:02.0" 2 31 "$cdev"
        vfio "$r3a/0000:3b:00.1" 0 41 "$cdev"
        vfio "$r3a/0000:3b:00.2" 1 42 "$cdev"
        vfio "$r6b/0000:6b:00.1" 3 51 "$cdev"
    else
        # a kernel with IOMMU_API has the directory even when it is empty
        mkdir -p "$H/sys/kernel/iommu_groups"
    fi
}

devnodes() {   # devnodes IOMMUFD(yes|no) [VFIO(yes|no)]
    if [ "${2:-yes}" = yes ]; then
        touchf /dev/vfio/vfio
    fi
    touchf /dev/null
    if [ "$1" = yes ]; then
        touchf /dev/iommu
    fi
}

# /proc/cpuinfo: the first processor, cut to the lines that say what it is;
# the flags line is the real one's beginning, up to and including the
# virtualization flag (vmx, svm) the probe looks for, as libvirt does.
cpuinfo() {   # cpuinfo VENDOR FAMILY MODEL FLAGS
    mkdir -p "$H/proc"
    printf 'processor\t: 0\nvendor_id\t: %s\ncpu family\t: %s\nmodel\t\t: %s\nflags\t\t: %s\n\n' \
        "$1" "$2" "$3" "$4" >"$H/proc/cpuinfo"
}

cpuinfo_arm() {   # cpuinfo_arm IMPLEMENTER PART FEATURES (arm64 prints no vendor_id)
    mkdir -p "$H/proc"
    printf 'processor\t: 0\nFeatures\t: %s\nCPU implementer\t: %s\nCPU architecture: 8\nCPU part\t: %s\n\n' \
        "$3" "$1" "$2" >"$H/proc/cpuinfo"
}

acpi_tables() {   # acpi_tables NAME...: the probe asks only whether DMAR/IVRS exist
    for t in "$@"; do touchf "/sys/firmware/acpi/tables/$t"; done
}

# ---- the hosts ------------------------------------------------------------------

base intel-dirty x86_64 "$REL_612_X86" \
    "BOOT_IMAGE=/boot/vmlinuz-$REL_612_X86 root=UUID=2f6d1c4e-8f0a-4b7e-9a51-6a1d2c3b4e5f ro intel_iommu=on iommu=pt quiet"
for i in 0 1 2; do intel_unit $i "$SPR_VER" "$SPR_CAP" "$SPR_ECAP" "${SPR_ADDR[$i]}"; done
devices intel mlx5_vfio_pci qat_vfio_pci yes
devnodes yes
aliases "$REL_612_X86" mlx5 hisi pds virtio qat
cpuinfo "${SPR_CPU[@]}" "$INTEL_FLAGS"
acpi_tables APIC DMAR DSDT FACP MCFG

base intel-nodirty x86_64 "$REL_612_X86" \
    "BOOT_IMAGE=/boot/vmlinuz-$REL_612_X86 root=UUID=7c1e0b2a-3d4f-4a6b-8c9d-0e1f2a3b4c5d ro intel_iommu=on iommu=pt quiet"
for i in 0 1 2; do intel_unit $i "$CLX_VER" "$CLX_CAP" "$CLX_ECAP" "${CLX_ADDR[$i]}"; done
devices intel vfio-pci qat_vfio_pci yes
devnodes yes
aliases "$REL_612_X86" mlx5 hisi pds virtio qat
cpuinfo "${CLX_CPU[@]}" "$INTEL_FLAGS"
acpi_tables APIC DMAR DSDT FACP MCFG

base amd-hdsup x86_64 "$REL_612_X86" \
    "BOOT_IMAGE=/boot/vmlinuz-$REL_612_X86 root=UUID=910678ff-0a1b-4c2d-8e3f-4a5b6c7d8e9f ro iommu=pt quiet"
# the IOMMU functions themselves (1022:149e) carry the units, 6.7+ order EFR:EFR2
pci "pci0000:00/0000:00:00.2" 1022 149e 1022 149e 080600 - - -
pci "pci0000:40/0000:40:00.2" 1022 149e 1022 149e 080600 - - -
pci "pci0000:80/0000:80:00.2" 1022 149e 1022 149e 080600 - - -
pci "pci0000:c0/0000:c0:00.2" 1022 149e 1022 149e 080600 - - -
amd_unit 0 "pci0000:00/0000:00:00.2" "$AMD_EFR:$AMD_EFR2"
amd_unit 1 "pci0000:40/0000:40:00.2" "$AMD_EFR:$AMD_EFR2"
amd_unit 2 "pci0000:80/0000:80:00.2" "$AMD_EFR:$AMD_EFR2"
amd_unit 3 "pci0000:c0/0000:c0:00.2" "$AMD_EFR:$AMD_EFR2"
devices amd mlx5_vfio_pci qat_vfio_pci yes
devnodes yes
aliases "$REL_612_X86" mlx5 hisi pds virtio qat
cpuinfo "${GENOA_CPU[@]}" "$AMD_FLAGS"
acpi_tables APIC DSDT FACP IVRS MCFG

base arm-smmuv3 aarch64 "$REL_612_ARM" \
    "BOOT_IMAGE=/boot/vmlinuz-$REL_612_ARM root=UUID=5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d ro quiet"
smmu_unit arm-smmu-v3.2.auto smmu3.0x0000000140000000
devices arm mlx5_vfio_pci qat_vfio_pci yes
devnodes yes
aliases "$REL_612_ARM" mlx5 hisi pds virtio qat nvgrace
cpuinfo_arm "${ARM_CPU[@]}" "$ARM_FEATURES"
acpi_tables APIC DSDT FACP GTDT IORT MCFG SPCR

base no-iommu x86_64 "$REL_612_X86" \
    "BOOT_IMAGE=/boot/vmlinuz-$REL_612_X86 root=UUID=0d1c2b3a-4f5e-4d6c-9b8a-7f6e5d4c3b2a ro quiet"
# VT-d disabled in the firmware: no units, no groups; vfio-pci cannot bind
# without an IOMMU, so the VFs stay unbound
devices none - - yes
devnodes yes
aliases "$REL_612_X86" mlx5 hisi pds virtio qat
# the Intel CPU shows vmx, and without VT-d the firmware writes no DMAR
cpuinfo "${SPR_CPU[@]}" "$INTEL_FLAGS"
acpi_tables APIC DSDT FACP MCFG

base debian12 x86_64 "$REL_DEB12" \
    "BOOT_IMAGE=/boot/vmlinuz-$REL_DEB12 root=UUID=3e2d1c0b-5a4f-4e3d-8c2b-1a0f9e8d7c6b ro intel_iommu=on quiet"
for i in 0 1 2; do intel_unit $i "$SPR_VER" "$SPR_CAP" "$SPR_ECAP" "${SPR_ADDR[$i]}"; done
# 6.1: no iommufd cdev, no /dev/iommu, no qat_vfio_pci (6.10)
devices intel vfio-pci vfio-pci no
devnodes no
aliases "$REL_DEB12" mlx5 hisi
cpuinfo "${SPR_CPU[@]}" "$INTEL_FLAGS"
acpi_tables APIC DMAR DSDT FACP MCFG

base amd-iommu-off x86_64 "$REL_612_X86" \
    "BOOT_IMAGE=/boot/vmlinuz-$REL_612_X86 root=UUID=910678ff-0a1b-4c2d-8e3f-4a5b6c7d8e9f ro iommu=pt quiet"
# amd-hdsup with the IOMMU disabled in the firmware setup: no IVRS table, so
# the kernel registers no unit and makes no group; the IOMMU's own PCI
# functions are hidden, and vfio-pci cannot bind
devices amd-off - - yes
devnodes yes
aliases "$REL_612_X86" mlx5 hisi pds virtio qat
cpuinfo "${GENOA_CPU[@]}" "$AMD_FLAGS"
acpi_tables APIC DSDT FACP MCFG

base arm-nosmmu aarch64 "$REL_612_ARM" \
    "BOOT_IMAGE=/boot/vmlinuz-$REL_612_ARM root=UUID=5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d ro quiet"
# arm-smmuv3 with no SMMU in front of PCIe (none in the firmware's IORT):
# no unit, no group, and arm64 has no CPU flag that would tell
devices arm-off - - yes
devnodes yes
aliases "$REL_612_ARM" mlx5 hisi pds virtio qat nvgrace
cpuinfo_arm "${ARM_CPU[@]}" "$ARM_FEATURES"
acpi_tables APIC DSDT FACP GTDT MCFG SPCR

# A Firecracker microVM guest, as read on one (README.md): a kernel built
# without modules, VFIO, iommufd or an IOMMU driver (/proc/config.gz, the
# lines that say so), no /dev/vfio, virtio devices only, and a CPU that
# shows neither vmx nor svm.
base no-vfio x86_64 "$REL_FC" \
    "console=ttyS0 quiet reboot=k panic=1 nomodule random.trust_cpu=1 swiotlb=noforce clocksource=kvm-clock pti=on no_timer_check tsc=reliable"
rmdir "$H/lib/modules/$REL_FC" "$H/lib/modules" "$H/lib"
pci "pci0000:00/0000:00:00.0" 8086 0d57 0000 0000 060000 - - -
pci "pci0000:00/0000:00:02.0" 1af4 1042 1af4 1042 018000 virtio-pci - -
pci "pci0000:00/0000:00:03.0" 1af4 1041 1af4 1041 020000 virtio-pci - -
mkdir -p "$H/sys/kernel/iommu_groups"
devnodes no no
cpuinfo AuthenticAMD 26 2 "fpu vme de pse tsc msr pae mce cx8 apic sep pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx mmxext lm constant_tsc rep_good nopl xtopology tsc_reliable nonstop_tsc cpuid extd_apicid tsc_known_freq pni pclmulqdq ssse3 fma cx16 sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand hypervisor lahf_lm cr8_legacy misalignsse 3dnowprefetch topoext pti vmmcall bmi1 avx2 bmi2 erms avx512f avx512dq adx avx512ifma clflushopt clwb avx512cd sha_ni avx512bw avx512vl xsaveopt xsavec xgetbv1 avx_vnni avx512_bf16 clzero xsaveerptr arat avx512vbmi avx512_vbmi2 gfni vaes vpclmulqdq avx512_vnni avx512_bitalg avx512_vpopcntdq movdiri movdir64b fsrm avx512_vp2intersect"
acpi_tables APIC DSDT FACP MCFG
# /proc/config.gz (CONFIG_IKCONFIG_PROC): the header and the lines of the
# real file that name modules, KVM, PCI, VFIO and the IOMMU drivers, in order
{
    printf '%s\n' "#" "# Automatically generated file; DO NOT EDIT." \
        "# Linux/x86 6.18.44 Kernel Configuration" "#" \
        'CONFIG_CC_VERSION_TEXT="gcc (GCC) 15.3.0"' \
        "CONFIG_KVM_VFIO=y" "CONFIG_KVM=y" "CONFIG_MODULES_USE_ELF_RELA=y" \
        "# CONFIG_MODULES is not set" "CONFIG_PCI=y" "# CONFIG_VFIO is not set" \
        "CONFIG_IOMMU_IOVA=y" "CONFIG_IOMMU_API=y" "CONFIG_IOMMU_SUPPORT=y" \
        "# CONFIG_IOMMU_DEBUGFS is not set" "# CONFIG_IOMMU_DEFAULT_DMA_STRICT is not set" \
        "CONFIG_IOMMU_DEFAULT_DMA_LAZY=y" "# CONFIG_IOMMU_DEFAULT_PASSTHROUGH is not set" \
        "CONFIG_IOMMU_DMA=y" "# CONFIG_AMD_IOMMU is not set" "# CONFIG_INTEL_IOMMU is not set" \
        "# CONFIG_IOMMUFD is not set" "# CONFIG_IRQ_REMAP is not set" \
        "# CONFIG_VIRTIO_IOMMU is not set"
} | gzip -9n >"$H/proc/config.gz"

# ---- mtty: the mdev sample (samples/vfio-mdev/mtty.c) in the truth lane's L1
# guest, Debian's 6.12 from bookworm-backports.  Two stacks, as that lane
# has them: "mtty" is Debian's VFIO as shipped (no IOMMUFD: no /dev/iommu,
# no cdev node, no iova_bitmap, so DMA_LOGGING_REPORT fails with
# EOPNOTSUPP); "mtty-iommufd" the same kernel with vfio/iommufd rebuilt
# with IOMMUFD, IOMMUFD_DRIVER and VFIO_DEVICE_CDEV.  The layout is
# mdev_core.c's: the mdev is a child of its parent (the mtty class device),
# mdev_type links into the parent's mdev_supported_types, driver is mtty's
# own mdev_driver ("mtty" since 5.19).  mock/devices.conf is the answer the
# real kernel gave in that lane (migration v2 STOP_COPY|P2P|PRE_COPY, DMA
# logging, 60 bytes of state for one port) for tests/vfiomock.c.
REL_612_BPO="6.12.95+deb12-amd64"
MTTY_UUID=c2177883-f1bb-47f0-914d-32a22e3a8804
MTTY_GROUP=60

mtty_host() {   # mtty_host NAME IOMMUFD(yes|no)
    local iommufd=$2 p=/sys/devices/virtual/mtty/mtty t
    local m=$p/$MTTY_UUID
    base "$1" x86_64 "$REL_612_BPO" \
        "root=/dev/root rootfstype=9p rootflags=trans=virtio ro console=ttyS0 intel_iommu=on"
    touchf "$p/uevent"
    lnk /sys/class/mdev_bus/mtty "$p"
    for t in 1:"Single port serial":23 2:"Dual port serial":11; do
        IFS=: read -r n name avail <<<"$t"
        put "$p/mdev_supported_types/mtty-$n/name" "$name"
        put "$p/mdev_supported_types/mtty-$n/device_api" "vfio-pci"
        put "$p/mdev_supported_types/mtty-$n/available_instances" "$avail"
        touchf "$p/mdev_supported_types/mtty-$n/create"
    done
    for f in bind unbind uevent; do touchf "/sys/bus/mdev/drivers/mtty/$f"; done
    lnk "$m/mdev_type" "$p/mdev_supported_types/mtty-1"
    lnk "$m/driver" /sys/bus/mdev/drivers/mtty
    touchf "$m/remove"
    touchf "$m/uevent"
    touchf "/sys/kernel/iommu_groups/$MTTY_GROUP/reserved_regions"
    lnk "$m/iommu_group" "/sys/kernel/iommu_groups/$MTTY_GROUP"
    lnk "/sys/bus/mdev/devices/$MTTY_UUID" "$m"
    # vfio1: the lane's e1000e (not modelled here) has vfio0
    vfio "virtual/mtty/mtty/$MTTY_UUID" 1 "$MTTY_GROUP" "$iommufd"
    devnodes "$iommufd"
    aliases "$REL_612_BPO"
    # /proc/kallsyms as an unprivileged reader sees it (addresses hidden)
    {
        printf '0000000000000000 T vfio_register_group_dev\t[vfio]\n'
        printf '0000000000000000 T vfio_register_emulated_iommu_dev\t[vfio]\n'
        printf '0000000000000000 T mdev_register_parent\t[mdev]\n'
        printf '0000000000000000 t mtty_probe\t[mtty]\n'
        if [ "$iommufd" = yes ]; then
            printf '0000000000000000 T iommufd_ctx_get\t[iommufd]\n'
            printf '0000000000000000 T iova_bitmap_alloc\t[iommufd]\n'
            printf '0000000000000000 T iova_bitmap_for_each\t[iommufd]\n'
        fi
    } >"$H/proc/kallsyms"
    mkdir -p "$H/mock"
    {
        printf '[%s]\ngroup=%s\n' "$MTTY_UUID" "$MTTY_GROUP"
        [ "$iommufd" = yes ] && printf 'cdev=vfio1\n'
        printf 'migration=stop-copy;p2p;pre-copy\ndma-logging=true\nstop-copy-bytes=60\n'
        [ "$iommufd" = yes ] || printf 'report-errno=EOPNOTSUPP\n'
    } >"$H/mock/devices.conf"
}
mtty_host mtty no
mtty_host mtty-iommufd yes
