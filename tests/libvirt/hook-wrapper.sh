# hook-wrapper.sh: body of the test-only qemu.d entry that harness.sh
# writes into a private libvirtd's hooks directory, after lines exporting
# the test knobs (sysroot, versions, config) that libvirt's sanitised
# environment drops.  It runs the real hook binary unchanged, passes its
# stdout, stderr and exit status through to libvirt, and logs each call so
# the tests can see which operations libvirt ran the hook for.
# @HOOK@ and @LOG@ are substituted by harness.sh.
out=$(mktemp "${TMPDIR:-/tmp}/dt-hook-out.XXXXXX")
"@HOOK@" "$@" >"$out"
rc=$?
printf '%s %s %s %s exit=%s out=%s\n' "$1" "$2" "$3" "$4" "$rc" "$(wc -c <"$out")" >>"@LOG@"
cat "$out"
rm -f "$out"
exit $rc
