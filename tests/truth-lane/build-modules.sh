#!/bin/sh
# build-modules.sh CACHE: the two VFIO stacks of the truth lane, built out
# of tree against the 6.12 headers that fetch.sh unpacked into CACHE.
#
#   CACHE/mod-debian/mtty.ko   Debian's stack as shipped (vfio, type1,
#                              vfio-pci, mdev from the image package) plus
#                              the mtty sample, which Debian does not build
#                              (CONFIG_SAMPLES is not set).
#   CACHE/mod-iommufd/*.ko     the same stack rebuilt "with iommufd":
#                              iommufd (iova_bitmap.c and the interval-tree
#                              span iterator compiled in), vfio with the
#                              device cdev, type1, vfio-pci(-core), mdev,
#                              mtty.  Debian 6.12 leaves CONFIG_IOMMUFD
#                              unset, so without this stack there is no
#                              /dev/iommu and VFIO_DEVICE_FEATURE_DMA_LOGGING_
#                              REPORT fails (include/linux/iova_bitmap.h
#                              stubs iova_bitmap_alloc() with -EOPNOTSUPP).
#
# The headers' Makefile includes the -common tree by its /usr/src path; it
# is rewritten to the cache.  There is no pahole: BTF for modules is off.
# The image ships no modules.dep: depmod writes one into CACHE/root.
# Reused when CACHE/modules.env exists.
set -eu
cache=$(cd "$1" && pwd)
[ -r "$cache/modules.env" ] && exit 0
. "$cache/fetch.env"
krel=$TRUTH_KREL
abi=${krel%-amd64}
kdir=$cache/root/usr/src/linux-headers-$krel
sed -i "s|^include /usr/src/|include $cache/root/usr/src/|" "$kdir/Makefile"
depmod -b "$cache/root" "$krel"

# gcc-12 is the compiler of the kernel's CONFIG_CC_VERSION_TEXT.
cc=$(command -v x86_64-linux-gnu-gcc-12 || command -v gcc-12 || command -v gcc)
kmake() {
    make -s -C "$kdir" M="$1" CC="$cc" HOSTCC="$cc" CONFIG_DEBUG_INFO_BTF_MODULES= \
        -j"$(nproc)" modules > "$1/build.log" 2>&1 || { cat "$1/build.log" >&2; return 1; }
}

src=$cache/src
# Debian's stack: mtty alone, against the headers' Module.symvers.
d=$cache/mod-debian
rm -rf "$d"
mkdir -p "$d"
cp "$src/samples/vfio-mdev/mtty.c" "$d/"
echo 'obj-m := mtty.o' > "$d/Kbuild"
kmake "$d"

# The stack with iommufd: the sources keep their tree layout so their
# relative includes ("../iommu-priv.h") resolve.
d=$cache/mod-iommufd
rm -rf "$d"
mkdir -p "$d/drivers/iommu/iommufd" "$d/lib"
cp -r "$src/drivers/vfio" "$d/drivers/"
cp "$src"/drivers/iommu/*.h "$d/drivers/iommu/"
cp "$src"/drivers/iommu/iommufd/*.[ch] "$d/drivers/iommu/iommufd/"
cp "$src/samples/vfio-mdev/mtty.c" "$d/"
# Only the span iterator of lib/interval_tree.c: the tree itself is built
# into vmlinux (CONFIG_INTERVAL_TREE=y), and a second export of
# interval_tree_insert() would make the module fail to load.
{ sed -n '1,/^#include <linux\/export.h>/p' "$src/lib/interval_tree.c"
  sed -n '/^#ifdef CONFIG_INTERVAL_TREE_SPAN_ITER/,$p' "$src/lib/interval_tree.c"; } > "$d/lib/span_iter.c"
cat > "$d/Kbuild" <<'KBUILD'
ccflags-y += -DCONFIG_IOMMUFD_MODULE=1 -DCONFIG_IOMMUFD_DRIVER=1 \
             -DCONFIG_VFIO_DEVICE_CDEV=1 -DCONFIG_INTERVAL_TREE_SPAN_ITER=1
obj-m := iommufd.o vfio.o vfio_iommu_type1.o vfio-pci-core.o vfio-pci.o mdev.o mtty.o
iommufd-y := $(addprefix drivers/iommu/iommufd/, device.o fault.o hw_pagetable.o \
             io_pagetable.o ioas.o main.o pages.o vfio_compat.o iova_bitmap.o) lib/span_iter.o
vfio-y := $(addprefix drivers/vfio/, vfio_main.o device_cdev.o group.o iommufd.o \
          container.o virqfd.o)
vfio_iommu_type1-y := drivers/vfio/vfio_iommu_type1.o
vfio-pci-core-y := $(addprefix drivers/vfio/pci/, vfio_pci_core.o vfio_pci_intrs.o \
                   vfio_pci_rdwr.o vfio_pci_config.o)
vfio-pci-y := drivers/vfio/pci/vfio_pci.o drivers/vfio/pci/vfio_pci_igd.o
mdev-y := $(addprefix drivers/vfio/mdev/, mdev_core.o mdev_sysfs.o mdev_driver.o)
KBUILD
kmake "$d"

cat > "$cache/modules.env.tmp" <<ENV
TRUTH_CC=$cc
ENV
mv "$cache/modules.env.tmp" "$cache/modules.env"
