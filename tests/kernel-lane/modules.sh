# modules.sh: sourced by the kernel lanes (tests/kernel-lane.sh,
# tests/truth-lane.sh) to put kernel modules into an initramfs.
#
# lane_add_module NAME: copies module NAME and, first, everything it
# depends on (per $MODDIR/modules.dep) into $ROOTFS/lib/modules/$KREL,
# decompressed (busybox insmod loads plain .ko only), and appends each
# guest path to $LANE_ORDER in load order.  A module absent from
# modules.dep is built in and skipped.  The function recurses, so its
# variables are local (dash and busybox have it).
lane_add_module() {
    local rel path dep d
    rel=$(awk -v m="$1" -F: '{ n = $1; sub(/.*\//, "", n); sub(/\.ko.*/, "", n);
                              gsub(/-/, "_", n); if (n == m) { print $0; exit } }' "$MODDIR/modules.dep")
    [ -n "$rel" ] || return 0   # built in
    path=${rel%%:*}
    for dep in ${rel#*:}; do
        d=${dep##*/}
        d=${d%%.ko*}
        lane_add_module "$(echo "$d" | tr - _)"
    done
    grep -qx "/lib/modules/$KREL/${path%.xz}" "$LANE_ORDER" 2>/dev/null && return 0
    grep -qx "/lib/modules/$KREL/${path%.zst}" "$LANE_ORDER" 2>/dev/null && return 0
    mkdir -p "$ROOTFS/lib/modules/$KREL/$(dirname "$path")"
    case $path in
    *.ko.xz)  xz -dc "$MODDIR/$path" > "$ROOTFS/lib/modules/$KREL/${path%.xz}"; path=${path%.xz} ;;
    *.ko.zst) zstd -qdc "$MODDIR/$path" > "$ROOTFS/lib/modules/$KREL/${path%.zst}"; path=${path%.zst} ;;
    *.ko.gz)  gzip -dc "$MODDIR/$path" > "$ROOTFS/lib/modules/$KREL/${path%.gz}"; path=${path%.gz} ;;
    *)        cp "$MODDIR/$path" "$ROOTFS/lib/modules/$KREL/$path" ;;
    esac
    echo "/lib/modules/$KREL/$path" >> "$LANE_ORDER"
}
