# deps.sh: the Debian 12 packages dirtytrack needs, in two sets.  Sourced
# by demo.sh and run-tests.sh; installs only what is missing (as root).

DT_BUILD_DEPS="build-essential autoconf automake libtool autopoint gettext pkg-config
 libglib2.0-dev libdbus-1-dev libxml2-dev libvirt-dev libjson-glib-dev linux-libc-dev
 libxml2-utils xz-utils"

# Real components the tests drive: QEMU, libvirtd, dbus-daemon, virt-xml-validate,
# Debian's kernel and busybox for the real-kernel lane, valgrind and clang for
# the sanitizer lanes; gcc-12 and make build the truth lane's kernel modules
# (the 6.12 kernel's own compiler).
DT_TEST_DEPS="qemu-system-x86 qemu-utils libvirt-daemon-system libvirt-clients
 libvirt-daemon-driver-qemu dbus util-linux iproute2 procps kmod cpio
 busybox-static linux-image-amd64 valgrind clang libclang-rt-14-dev
 prometheus bash-completion groff-base man-db locales gcc-12 make
 debian-archive-keyring"

dt_install() {
    missing=""
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "dirtytrack: please install as root:$missing" >&2
        return 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || return 1
    # linux-image-amd64 would build an initrd for a kernel we only boot under
    # QEMU; skip that to save minutes.
    INITRD=No apt-get install -y -qq --no-install-recommends $missing || return 1
}

# The translation test runs the CLI under LANG=de_DE.UTF-8 and zh_CN.UTF-8:
# generate those two locales when they are missing (as root).
dt_locales() {
    [ "$(id -u)" = 0 ] || return 0
    command -v localedef >/dev/null 2>&1 || return 0
    for l in de_DE zh_CN; do
        locale -a 2>/dev/null | grep -qix "$l.utf8" || localedef -i "$l" -f UTF-8 "$l.UTF-8" || true
    done
}
