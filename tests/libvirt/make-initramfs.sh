#!/bin/sh
# make-initramfs.sh OUT [INIT [DIR]]: a tiny initramfs for the libvirt tests'
# TCG guest: static busybox and an init that mounts /proc and idles, so the
# guest is a real running VM (savable, migratable) that boots in seconds
# under TCG.  With INIT, that file is /init instead; with DIR, DIR's contents
# are copied into the root too (the truth lane adds its 9p modules so).
# Needs busybox-static and cpio (Debian packages of the same names).
set -e
out=$1
bb=$(command -v busybox || true)
[ -n "$bb" ] || { echo "busybox not found" >&2; exit 1; }
file -L "$bb" 2>/dev/null | grep -q 'statically linked' || \
    ldd "$bb" 2>&1 | grep -q 'not a dynamic' || { echo "$bb is not static" >&2; exit 1; }
command -v cpio >/dev/null || { echo "cpio not found" >&2; exit 1; }

root=$(mktemp -d "${TMPDIR:-/tmp}/dt-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev"
cp "$bb" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cat >"$root/init" <<'INIT'
#!/bin/sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
echo "dirtytrack test guest up"
while :; do /bin/busybox sleep 3600; done
INIT
[ -n "${2:-}" ] && cp "$2" "$root/init"
[ -n "${3:-}" ] && cp -R "$3/." "$root/"
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out"
