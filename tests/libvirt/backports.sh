# backports.sh: libvirt 11.3 and QEMU 10.0 from bookworm-backports, as the
# truth lane's fetch (tests/truth-lane/fetch.sh) unpacks them into its
# cache, bound over the system's inside a private mount namespace.  Sourced;
# POSIX sh (the truth lane's L1 guest runs it under busybox).  The system's
# packages are never touched: outside the namespace libvirt 9.0 and QEMU
# 7.2 stay what every other process sees.
#
# lv_bind_backports ROOT: bind ROOT's libvirt (libraries, drivers, data,
# libvirtd, virsh) and QEMU (binary and modules) over the system's paths;
# non-zero when a mount fails.  QEMU's data files (SeaBIOS, option ROMs)
# stay the system's.
lv_bind_backports() {
    _root=$1
    for _l in libvirt libvirt-qemu libvirt-admin libvirt-lxc; do
        _new=$(ls "$_root/usr/lib/x86_64-linux-gnu/$_l.so.0."* 2>/dev/null | head -n 1)
        _old=$(readlink -f "/usr/lib/x86_64-linux-gnu/$_l.so.0")
        if [ -n "$_new" ] && [ -e "$_old" ]; then
            mount --bind "$_new" "$_old" || return 1
        fi
    done
    for _p in usr/lib/x86_64-linux-gnu/libvirt usr/lib/libvirt usr/share/libvirt \
            usr/sbin/libvirtd usr/bin/virsh usr/bin/qemu-system-x86_64 \
            usr/lib/x86_64-linux-gnu/qemu; do
        mount --bind "$_root/$_p" "/$_p" || return 1
    done
}

# lv_backports_root CACHE: fetches into CACHE what is missing (reused
# otherwise) and prints the tree's root; on failure prints why and returns
# non-zero (the archive cannot be reached, libvirt cannot be had).
lv_backports_root() {
    mkdir -p "$1" || return 1
    _why=$(sh "$top_srcdir/tests/truth-lane/fetch.sh" "$1" 2>"$1/fetch.err.$$")
    case $? in
    0) ;;
    *) echo "bookworm-backports not fetched: ${_why:-$(tail -n 3 "$1/fetch.err.$$" | tr '\n' ' ')}"
       rm -f "$1/fetch.err.$$"
       return 1 ;;
    esac
    rm -f "$1/fetch.err.$$"
    TRUTH_LIBVIRT_SKIP=
    . "$1/libvirt.env"
    if [ -n "${TRUTH_LIBVIRT_SKIP:-}" ] || [ ! -x "$1/root/usr/sbin/libvirtd" ]; then
        echo "libvirt from bookworm-backports not in the cache: ${TRUTH_LIBVIRT_SKIP:-no libvirtd}"
        return 1
    fi
    echo "$1/root"
}

# lv_run_on_backports NAME-11.sh: runs tests/NAME.sh (a libvirt test of
# the host, on tests/libvirt/harness.sh) again with libvirt 11.3 and QEMU
# 10.0, the newer reference platform, fetched into the truth lane's cache
# (DIRTYTRACK_TRUTH_CACHE, shared with it); the whole test is skipped, with
# the reason, when they cannot be had, and with DIRTYTRACK_SKIP_SLOW=1
# (distcheck, the sanitizer lanes).
lv_run_on_backports() {
    if [ -n "${DIRTYTRACK_SKIP_SLOW:-}" ]; then
        echo "1..0 # SKIP DIRTYTRACK_SKIP_SLOW is set"
        exit 0
    fi
    if [ "$(id -u)" != 0 ]; then
        echo "1..0 # SKIP needs root (private libvirtd in namespaces)"
        exit 0
    fi
    _root=$(lv_backports_root "${DIRTYTRACK_TRUTH_CACHE:-${top_builddir:-.}/truth-cache}") || {
        echo "1..0 # SKIP $_root"
        exit 0
    }
    LV_LIBVIRT_ROOT=$_root exec "${SHELL:-/bin/sh}" "$top_srcdir/tests/${1%-11.sh}.sh"
}
