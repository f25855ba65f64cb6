#!/bin/busybox sh
# l1-qemu.sh DIR QEMU ARG...: inside the L1 guest, start one L2 QEMU
# (TCG, paused) with ARG..., talk QMP to it over a pipe chardev (FIFOs on
# tmpfs; busybox's read -t keeps a dead QEMU from hanging the case) and
# write what QEMU did to DIR/qemu.result, one KEY=VALUE per line:
#   realize=ok | realize=error, error=TEXT   (QEMU exited before QMP)
#   blocked=TEXT                             (each query-migrate blocked reason)
#   migrate=completed | failed | refused, error=TEXT
#   mode=device | iommu | container | all-dirty  (from QEMU's trace events)
#   warning=TEXT                             (each warning on stderr)
# Runs under timeout(1); the caller records a timeout.
dir=$1
qemu=$2
shift 2
tmp=$(mktemp -d /tmp/l2.XXXXXX)
mkfifo "$tmp/qmp.in" "$tmp/qmp.out"
out=$dir/qemu.result
: > "$out"

"$qemu" -machine q35 -accel tcg,tb-size=32 -m 128 -nodefaults -S -display none \
    -no-user-config -chardev pipe,id=qmp,path="$tmp/qmp" -mon chardev=qmp,mode=control \
    -D "$tmp/trace.log" "$@" > "$dir/qemu.stdout" 2> "$dir/qemu.stderr" &
pid=$!
exec 3<>"$tmp/qmp.in" 4<>"$tmp/qmp.out"

# qmp_reply: the next line that is not an event, or failure once QEMU is
# gone or silent for 60 s.
reply=
qmp_reply() {
    waited=0
    while :; do
        if read -t 1 -r reply <&4; then
            case $reply in
            *'"event"'*) continue ;;
            esac
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || return 1
        waited=$((waited + 1))
        [ "$waited" -lt 60 ] || return 1
    done
}
qmp() {
    printf '%s\n' "$1" >&3
    qmp_reply
}
# json_str KEY: the string value of "KEY" in $reply
json_str() {
    printf '%s\n' "$reply" | sed -n "s/.*\"$1\": \"\\([^\"]*\\)\".*/\\1/p"
}

finish() {
    grep -h 'warning: ' "$dir/qemu.stderr" | sed 's/^.*warning: //; s/^/warning=/' >> "$out"
    if grep -q 'vfio_device_dirty_tracking_start' "$tmp/trace.log" 2>/dev/null; then
        echo "mode=device" >> "$out"
    elif grep -q 'iommufd_backend_set_dirty .*start 1 .*ret 0' "$tmp/trace.log" 2>/dev/null ||
         grep -q 'iommufd_backend_set_dirty .*start:1 .*ret:0' "$tmp/trace.log" 2>/dev/null; then
        echo "mode=iommu" >> "$out"
    elif [ -n "${migrated:-}" ]; then
        # Neither the device nor iommufd tracked: type1's container bitmap
        # (VFIO_IOMMU_DIRTY_PAGES) or, on iommufd, QEMU marks all dirty.
        case " $* " in
        *" -object iommufd,"*) echo "mode=all-dirty" >> "$out" ;;
        *) echo "mode=container" >> "$out" ;;
        esac
    fi
    cp "$tmp/trace.log" "$dir/qemu.trace" 2>/dev/null
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rm -rf "$tmp"
    exit 0
}

# The greeting comes before the devices realize; the answer to
# qmp_capabilities only once they did (-S: the main loop runs after).
if ! qmp_reply || ! qmp '{"execute":"qmp_capabilities"}'; then
    wait "$pid" 2>/dev/null
    echo "realize=error" >> "$out"
    # The first error line, without the "qemu-system-x86_64: -device ...: " prefix.
    err=$(grep -v -i 'warning' "$dir/qemu.stderr" | head -n 1)
    echo "error=$err" >> "$out"
    finish "$@"
fi
echo "realize=ok" >> "$out"

qmp '{"execute":"query-migrate"}' || finish "$@"
printf '%s\n' "$reply" | sed -n 's/.*"blocked-reasons": \[\([^]]*\)\].*/\1/p' |
    sed 's/^"//; s/"$//; s/", "/\n/g' | sed '/^$/d; s/^/blocked=/' >> "$out"

qmp '{"execute":"cont"}' || finish "$@"
qmp "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"exec:cat > $tmp/state.mig\"}}" || finish "$@"
case $reply in
*'"error"'*)
    echo "migrate=refused" >> "$out"
    echo "error=$(json_str desc)" >> "$out"
    finish "$@"
    ;;
esac
migrated=1
i=0
while [ $i -lt 120 ]; do
    qmp '{"execute":"query-migrate"}' || break
    status=$(json_str status)
    case $status in
    completed)
        echo "migrate=completed" >> "$out"
        finish "$@"
        ;;
    failed|cancelled)
        echo "migrate=failed" >> "$out"
        echo "error=$(json_str error-desc)" >> "$out"
        finish "$@"
        ;;
    esac
    sleep 1
    i=$((i + 1))
done
echo "migrate=unfinished" >> "$out"
finish "$@"
