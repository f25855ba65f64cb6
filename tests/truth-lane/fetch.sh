#!/bin/sh
# fetch.sh CACHE: fill CACHE with the newer stack the truth lane boots and
# runs, from Debian's own archive (bookworm-backports): kernel 6.12 image,
# headers and kbuild, the few kernel sources the VFIO/iommufd/mtty module
# builds need (extracted from linux-source-6.12, nothing else), and QEMU
# 10.0, and libvirt 11.3 (daemon, QEMU driver, clients) for the lane's
# two-host migrations.  Nothing is installed: the machine's apt
# configuration, its QEMU 7.2 and its libvirt 9.0 stay as they are.  apt runs on a private sources list whose mirror is
# read from the machine's own (no host name is written here), with private
# state directories; packages are unpacked with dpkg -x.
#
# Versions are whatever the archive lists today; none is pinned.  Reused
# when CACHE/fetch.env exists.  Exit 77 with the reason on stdout when the
# archive cannot be reached or lacks an entry (the lane skips), 1 on a real
# failure.  libvirt is fetched on its own (CACHE/libvirt.env), also into a
# cache that already holds the rest: when it cannot be had, libvirt.env says
# why (TRUTH_LIBVIRT_SKIP) and only the lane's libvirt scenarios skip.
set -u
cache=$1
mkdir -p "$cache"
# One fetch at a time per cache: the truth lane and the libvirt 11 runs of
# the host's libvirt tests (tests/libvirt/backports.sh) may start together.
if command -v flock >/dev/null 2>&1; then
    exec 9>"$cache/fetch.lock"
    flock 9
fi
[ -r "$cache/fetch.env" ] && [ -r "$cache/libvirt.env" ] && exit 0
cache=$(cd "$cache" && pwd)
apt=$cache/apt
if [ ! -r "$cache/fetch.env" ]; then
    rm -rf "$apt" "$cache/root" "$cache/src" "$cache/debs" "$cache/libvirt.env"
fi
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/parts" "$cache/debs" "$cache/root" "$cache/src"

skip() {
    echo "$*"
    exit 77
}

# The mirror of the machine's Debian main archive (deb822 or one-line).
uri=
if [ -r /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(awk '/^URIs:/ { u = $2 } /^Suites:/ && / bookworm( |$)/ { print u; exit }' \
          /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$uri" ] && [ -r /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" && $3 == "bookworm" { print ($2 ~ /^\[/ ? $3 : $2); exit }' /etc/apt/sources.list |
          sed 's/^\[.*\] *//')
    [ -z "$uri" ] && uri=$(sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) bookworm .*/\2/p' /etc/apt/sources.list | head -n 1)
fi
[ -n "$uri" ] || skip "no bookworm entry in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || skip "no $keyring (debian-archive-keyring)"

cat > "$apt/sources.list" <<LIST
deb [signed-by=$keyring] $uri bookworm-backports main
LIST
APT="-o Dir::Etc::sourcelist=$apt/sources.list -o Dir::Etc::sourceparts=$apt/parts
     -o Dir::State::lists=$apt/lists -o Dir::Cache=$apt/cache
     -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
     -o APT::Sandbox::User=root -o Acquire::Retries=1 -o Acquire::http::Timeout=20"

# shellcheck disable=SC2086
if ! apt-get $APT -qq update > "$apt/update.log" 2>&1; then
    why="bookworm-backports not reachable: $(grep -m1 -E '^(E|W):' "$apt/update.log")"
    # The rest is cached: only the libvirt scenarios go without.
    [ -r "$cache/fetch.env" ] || skip "$why"
    echo "TRUTH_LIBVIRT_SKIP=\"$(echo "$why" | tr -d '"')\"" > "$cache/libvirt.env"
    exit 0
fi

# newest NAME-REGEX: the highest-versioned package whose name matches.
newest() {
    # shellcheck disable=SC2086
    apt-cache $APT pkgnames 2>/dev/null | grep -E "^$1\$" | sort -V | tail -n 1
}
# libvirt_fetch: libvirt 11.x's daemon, QEMU driver, clients and library
# into CACHE/root (CACHE/debs-libvirt keeps the packages); libvirt.env
# names the version, or why there is none.
libvirt_fetch() {
    lpkgs="libvirt0 libvirt-common libvirt-daemon libvirt-daemon-common libvirt-daemon-log
           libvirt-daemon-driver-qemu libvirt-daemon-lock libvirt-clients"
    # shellcheck disable=SC2086
    lver=$(apt-cache $APT policy libvirt-daemon 2>/dev/null | sed -n 's/^ *Candidate: //p')
    case $lver in
    1[1-9].*) ;;
    *) echo "TRUTH_LIBVIRT_SKIP=\"bookworm-backports offers libvirt-daemon '$lver', not 11.x or newer\"" \
           > "$cache/libvirt.env"; return 0 ;;
    esac
    rm -rf "$cache/debs-libvirt"
    mkdir -p "$cache/debs-libvirt"
    # shellcheck disable=SC2086
    if ! (cd "$cache/debs-libvirt" && apt-get $APT -qq -t bookworm-backports download $lpkgs \
            > "$apt/download-libvirt.log" 2>&1); then
        echo "TRUTH_LIBVIRT_SKIP=\"download of libvirt $lver failed: $(grep -m1 -E '^(E|W):' "$apt/download-libvirt.log" | tr -d '"')\"" \
            > "$cache/libvirt.env"
        return 0
    fi
    for d in "$cache"/debs-libvirt/*.deb; do
        dpkg -x "$d" "$cache/root" || { echo "dpkg -x ${d##*/} failed" >&2; return 1; }
    done
    [ -x "$cache/root/usr/sbin/libvirtd" ] && [ -x "$cache/root/usr/bin/virsh" ] ||
        { echo "unpacked libvirt incomplete" >&2; return 1; }
    cat > "$cache/libvirt.env.tmp" <<ENV
TRUTH_LIBVIRT_VERSION=$lver
TRUTH_LIBVIRT_PACKAGES="$(cd "$cache/debs-libvirt" && ls | tr '\n' ' ')"
ENV
    mv "$cache/libvirt.env.tmp" "$cache/libvirt.env"
}
if [ -r "$cache/fetch.env" ]; then
    libvirt_fetch
    exit $?
fi

kimg=$(newest 'linux-image-6\.12\.[0-9]+\+(deb12|bpo)-amd64')
[ -n "$kimg" ] || skip "bookworm-backports lists no linux-image-6.12.*-amd64"
krel=${kimg#linux-image-}
abi=${krel%-amd64}
pkgs="$kimg linux-headers-$krel linux-headers-$abi-common linux-kbuild-$abi linux-source-6.12
      qemu-system-x86 qemu-system-common qemu-system-data"
# The signed image package only carries vmlinuz; the modules are in the
# same package on amd64.  Each name must be in the archive today.
for p in $pkgs; do
    # shellcheck disable=SC2086
    apt-cache $APT show "$p" > /dev/null 2>&1 || skip "bookworm-backports lists no $p"
done
qver=$(apt-cache $APT policy qemu-system-x86 2>/dev/null | sed -n 's/^ *Candidate: //p')
case $qver in
*:10.*) ;;
*) skip "bookworm-backports offers qemu-system-x86 '$qver', not 10.x" ;;
esac

# shellcheck disable=SC2086
(cd "$cache/debs" && apt-get $APT -qq -t bookworm-backports download $pkgs > "$apt/download.log" 2>&1) ||
    skip "download from bookworm-backports failed: $(grep -m1 -E '^(E|W):' "$apt/download.log")"

for d in "$cache"/debs/*.deb; do
    case ${d##*/} in
    linux-source-*)
        # Only the files the module builds need, streamed out of the 150 MB
        # tarball inside the package.
        dpkg-deb --fsys-tarfile "$d" | tar -xO --wildcards './usr/src/linux-source-6.12.tar.xz' |
            tar -xJ -C "$cache/src" --strip-components=1 \
                linux-source-6.12/drivers/vfio linux-source-6.12/drivers/iommu/iommufd \
                linux-source-6.12/samples/vfio-mdev linux-source-6.12/lib/interval_tree.c \
                linux-source-6.12/drivers/iommu/iommu-priv.h linux-source-6.12/drivers/iommu/dma-iommu.h ||
            { echo "cannot extract the kernel sources from ${d##*/}" >&2; exit 1; }
        rm -f "$d"
        ;;
    *)
        dpkg -x "$d" "$cache/root" || { echo "dpkg -x ${d##*/} failed" >&2; exit 1; }
        ;;
    esac
done

qbin=$cache/root/usr/bin/qemu-system-x86_64
[ -x "$qbin" ] && [ -r "$cache/root/boot/vmlinuz-$krel" ] || { echo "unpacked tree incomplete" >&2; exit 1; }
cat > "$cache/fetch.env.tmp" <<ENV
TRUTH_KREL=$krel
TRUTH_QEMU_VERSION=${qver#*:}
TRUTH_PACKAGES="$(cd "$cache/debs" && ls | tr '\n' ' ')"
ENV
mv "$cache/fetch.env.tmp" "$cache/fetch.env"
libvirt_fetch
