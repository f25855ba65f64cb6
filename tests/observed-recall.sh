#!/bin/sh
# observed-recall.sh: what an idle mdev answered dirtytrackd's pre-flight
# is given back to the daemon's later evaluations of the same mdev, which
# may not open it (QEMU holds it), while the mdev is unchanged
# (plugin/daemon/dtd-observed.c, docs/probing.md).
#   - before any pre-flight, Evaluate knows nothing of the mdev's migration
#     (sysfs only): mode unknown;
#   - the hook's `start begin` with `[hook] preflight = true` makes the
#     daemon open the idle mdev and ask it;
#   - Evaluate afterwards judges the mdev by those answers (mode device)
#     without opening it again;
#   - once the mdev's type link changes (removed and created again with
#     another type), nothing is given back: mode unknown again.
# The kernel is tests/vfiomock.c (LD_PRELOAD) on the fixture host
# mtty-iommufd; a private bus and a daemon from the build tree are started
# here and stopped by pid.
. "$(dirname "$0")/tap.sh"
tap_tmpdir

UUID=c2177883-f1bb-47f0-914d-32a22e3a8804
tap_mock_daemon_setup mtty-iommufd
printf '[hook]\ndeadline-ms = 10000\npreflight = true\n' > "$TAP_TMP/on.conf"

tap_start_mock_daemon "$TAP_TMP/mtty-iommufd" "$TAP_TMP/on.conf"

# evaluate: Evaluate as the source; prints the verdict and the mode
evaluate() {
    dbus-send --bus="$TAP_BUS" --print-reply=literal --reply-timeout=10000 \
        --dest=org.dirtytrack1 /org/dirtytrack1 org.dirtytrack1.Manager.Evaluate \
        string:"$(cat "$DOMAINS/mdev.xml")" \
        dict:string:string:role,source,qemu-version,10.0.2,libvirt-version,11.3.0 2>&1 |
        tr -s ' \n' '  ' | cut -d ' ' -f 2,3
}
opens() {
    grep -c "device-open" "$DIRTYTRACK_MOCK_LOG"
}

before=$(evaluate)
case $before in
'allow device'|'warn device')
    tap_fail "before any pre-flight the daemon cannot know the mdev's migration: $before" ;;
*) tap_ok "before any pre-flight: not device mode ($before)" ;;
esac

env DIRTYTRACK_BUS_ADDRESS="$TAP_BUS" DIRTYTRACK_CONFIG="$TAP_TMP/on.conf" \
    DIRTYTRACK_SYSROOT="$TAP_TMP/mtty-iommufd" DIRTYTRACK_QEMU_VERSION=10.0.2 \
    DIRTYTRACK_LIBVIRT_VERSION=11.3.0 DIRTYTRACK_HOOK_DEBUG=1 \
    "$HOOK" mdev start begin - < "$DOMAINS/mdev.xml" > "$TAP_TMP/hook.out" 2> "$TAP_TMP/hook.err"
rc=$?
n=$(opens)
if [ $rc = 0 ] && [ "$n" -gt 0 ] && grep -q "exit 0 via daemon" "$TAP_TMP/hook.err"; then
    tap_ok "start begin with preflight: the daemon asked the idle mdev ($n opens)"
else
    tap_fail "start begin with preflight: exit $rc, $n opens"
    tap_diag "$(cat "$TAP_TMP/hook.err" "$DIRTYTRACK_MOCK_LOG")"
fi

after=$(evaluate)
case $after in
'allow device'|'warn device')
    tap_ok "after the pre-flight: Evaluate judges the mdev by its answers ($after)" ;;
*) tap_fail "after the pre-flight: not device mode: $after"
   tap_diag "$(cat "$TAP_TMP/daemon.log")" ;;
esac
if [ "$(opens)" = "$n" ]; then
    tap_ok "Evaluate opened nothing to know it"
else
    tap_fail "Evaluate opened the device: $(opens) opens, $n before"
fi

# The mdev removed and created again with another type: its type link moves.
ln -sfn ../mdev_supported_types/mtty-2 \
    "$TAP_TMP/mtty-iommufd/sys/devices/virtual/mtty/mtty/$UUID/mdev_type"
changed=$(evaluate)
case $changed in
'allow device'|'warn device')
    tap_fail "the mdev changed since its answers, and they were given back: $changed" ;;
*) tap_ok "the mdev's type changed: its old answers are not used ($changed)" ;;
esac
tap_done
