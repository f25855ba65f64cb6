#!/bin/sh
# qemu-trust.sh: `dirtytrack check` run by root never runs a QEMU binary a
# domain XML names unless root trusts it (plugin/probe/dt-qemu-registry.h); a
# user's `check` still probes what the user names, as that user.
#
# Each fake QEMU below writes the uid it ran as into a marker file, so
# "was it run, and as whom" is observed, not inferred.  The untrusted
# files belong to uid 65534 (nobody), as a user's own files would.
. "${top_srcdir:-.}/tests/tap.sh"

if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
    echo "1..0 # SKIP needs root (to own files as another uid) and setpriv"
    exit 0
fi
tap_tmpdir
T=$TAP_TMP
chmod 755 "$T"
unset DIRTYTRACK_QEMU_VERSION
export DIRTYTRACK_SYSROOT="$HOSTS/intel-dirty" DIRTYTRACK_LIBVIRT_VERSION=10.0.0
export DIRTYTRACK_CACHE_DIR="$T/cache"

# fake_qemu FILE MARKER: answers the three probe runs like QEMU 9.2 would
# (the 9.1 property list), after writing its uid to MARKER.
fake_qemu() {
    cat >"$1" <<EOF
#!/bin/sh
id -u >>'$2'
for a in "\$@"; do
  case "\$a" in
    -version) echo 'QEMU emulator version 9.2.0'; exit 0;;
    vfio-pci,help) cat '$top_srcdir/tests/data/qemu/qemu-9.1-constructed-vfio-pci-help.txt'; exit 0;;
    stdio) cat >/dev/null; cat '$top_srcdir/tests/data/qemu/qemu-7.2.22-debian12-qmp-migrate-capabilities.txt'; exit 0;;
  esac
done
exit 1
EOF
    chmod 755 "$1"
}

# domain EMULATOR OUT: mlx5-vf with that <emulator>
domain() {
    sed "s|<emulator>[^<]*</emulator>|<emulator>$1</emulator>|" "$DOMAINS/mlx5-vf.xml" >"$2"
}

check() {
    "$DT" check --via-daemon=no "$@" >"$T/out" 2>"$T/err"
}

# --- a user's file, named by the domain ---------------------------------
mkdir "$T/user"
fake_qemu "$T/user/qemu-system-x86_64" "$T/user/ran"
domain "$T/user/qemu-system-x86_64" "$T/evil.xml"
chown -R 65534:65534 "$T/user"
check "$T/evil.xml"
if [ ! -e "$T/user/ran" ]; then
    tap_ok "root's check does not run the user's <emulator>"
else
    tap_fail "root's check does not run the user's <emulator> (ran as uid $(cat "$T/user/ran"))"
fi
if grep -q "qemu-untrusted:.*$T/user/qemu-system-x86_64" "$T/out" &&
        grep -q "^dirtytrack: .*$T/user/qemu-system-x86_64 was not run" "$T/err"; then
    tap_ok "the report (qemu-untrusted) and stderr name the binary it skipped"
else
    sed 's/^/# /' "$T/out" "$T/err"
    tap_fail "the report (qemu-untrusted) and stderr name the binary it skipped"
fi

# --- named in the configuration: trusted when root's alone ----------------
mkdir "$T/root"
fake_qemu "$T/root/qemu" "$T/root/ran"
domain "$T/root/qemu" "$T/root.xml"
printf '[qemu]\ntrusted = %s\n' "$T/root/qemu" >"$T/trusted.conf"
check --config "$T/trusted.conf" "$T/root.xml"
if [ "$(sort -u "$T/root/ran" 2>/dev/null)" = 0 ] && grep -q "QEMU band: 9.1" "$T/out" &&
        ! grep -q qemu-untrusted "$T/out"; then
    tap_ok "a root-owned binary named by [qemu] trusted is probed (band 9.1 from its answer)"
else
    sed 's/^/# /' "$T/out" "$T/err"
    tap_fail "a root-owned binary named by [qemu] trusted is probed (band 9.1 from its answer)"
fi
rm -f "$T/root/ran"
check --config "$T/trusted.conf" "$T/root.xml"
if [ ! -e "$T/root/ran" ] && grep -q "QEMU band: 9.1" "$T/out"; then
    tap_ok "probed once: the next check answers from the cache (path, inode, size, mtime)"
else
    tap_fail "probed once: the next check answers from the cache (path, inode, size, mtime)"
fi
# the same binary replaced (new inode): probed again
cp -p "$T/root/qemu" "$T/root/qemu.new" && mv "$T/root/qemu.new" "$T/root/qemu"
check --config "$T/trusted.conf" "$T/root.xml"
if [ "$(sort -u "$T/root/ran" 2>/dev/null)" = 0 ]; then
    tap_ok "a replaced binary (same size and mtime, new inode) is probed again"
else
    tap_fail "a replaced binary (same size and mtime, new inode) is probed again"
fi
rm -f "$T/root/ran"

# --- trusted names that lead somewhere unsafe -------------------------------
ln -s "$T/user/qemu-system-x86_64" "$T/root/link"
domain "$T/root/link" "$T/link.xml"
printf '[qemu]\ntrusted = %s\n' "$T/root/link" >"$T/link.conf"
check --config "$T/link.conf" "$T/link.xml"
if [ ! -e "$T/user/ran" ] && grep -q "$T/user belongs to uid 65534" "$T/err"; then
    tap_ok "a trusted name whose symlink leads into a user's directory is not run"
else
    sed 's/^/# /' "$T/err"
    tap_fail "a trusted name whose symlink leads into a user's directory is not run"
fi
chmod 775 "$T/root"
check --config "$T/trusted.conf" "$T/root.xml"
if [ ! -e "$T/root/ran" ] && grep -q "$T/root may be written by group or others" "$T/err"; then
    tap_ok "a trusted name in a group-writable directory is not run"
else
    sed 's/^/# /' "$T/err"
    tap_fail "a trusted name in a group-writable directory is not run"
fi
chmod 755 "$T/root"

# --- a user's own check may run the user's own binary, as the user -------
chmod 755 "$T/user"
setpriv --reuid=65534 --regid=65534 --clear-groups \
    env HOME="$T/user" DIRTYTRACK_CACHE_DIR="$T/user/cache" \
    "$DT" check --via-daemon=no "$T/evil.xml" >"$T/out" 2>"$T/err"
if [ "$(sort -u "$T/user/ran" 2>/dev/null)" = 65534 ] && grep -q "QEMU band: 9.1" "$T/out"; then
    tap_ok "a user's check probes the user's <emulator>, as that user"
else
    sed 's/^/# /' "$T/out" "$T/err"
    tap_fail "a user's check probes the user's <emulator>, as that user"
fi

tap_done
