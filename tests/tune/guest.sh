# guest.sh: the dirtier guest of tests/tune-migrate.sh and tests/calibrate.sh
# (sourced after tests/libvirt/harness.sh).  A TCG guest that boots the
# host's kernel with an initramfs whose init runs tests/tune/dirtier.c: it
# fills part of its RAM with data, then writes a set number of MiB per
# second, so a real migration can be held against the cost model.
#
# Functions:
#   tg_build DIR             compile the dirtier (static), build the initramfs,
#                            set LV_KERNEL, LV_INITRD; prints why not on failure
#   tg_xml NAME MEM FILL RATE WSS EXTRA HOSTDEV
#                            the domain XML: MEM MiB of RAM, FILL MiB filled,
#                            RATE MiB/s dirtied cycling over WSS MiB; EXTRA is
#                            top-level XML (metadata, memtune), HOSTDEV device
#                            XML (or empty)
#   tg_start N NAME          define and start NAME on instance N, wait until
#                            the dirtier runs (90 s)
#   tg_field LABEL FILE      the number after "LABEL:" in virsh domjobinfo output
# Variables: LV_T (scratch dir), TG_EMULATOR (the <emulator>, optional).

tg_build() {
    if ! gcc -static -O2 -o "$1/dirtier" "$top_srcdir/tests/tune/dirtier.c" 2>"$1/gcc.out"; then
        echo "cannot link a static program (libc6-dev): $(head -n 1 "$1/gcc.out" 2>/dev/null)"
        return 1
    fi
    root="$1/initramfs"
    mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev"
    cp "$(command -v busybox)" "$root/bin/busybox"
    ln -sf busybox "$root/bin/sh"
    cp "$1/dirtier" "$root/bin/dirtier"
    cat >"$root/init" <<'INIT'
#!/bin/sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
echo "dirtytrack tune guest up"
/bin/busybox head -n 2 /proc/meminfo
/bin/dirtier
while :; do /bin/busybox sleep 3600; done
INIT
    chmod 755 "$root/init"
    (cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$1/initramfs.gz"
    LV_KERNEL=$(ls /boot/vmlinuz-* | sort -V | tail -n 1)
    LV_INITRD="$1/initramfs.gz"
}

tg_xml() {
    LV_EMULATOR="${TG_EMULATOR:-}" lv_domain_xml "$1" "$6" |
        sed -e "s|<memory unit='MiB'>128</memory>|<memory unit='MiB'>$2</memory>|" \
            -e "s|quiet panic=-1|quiet panic=-1 dt_fill_mib=$3 dt_rate_mib=$4 dt_wss_mib=$5|" \
            -e "s|<memballoon model='none'/>|$7<memballoon model='none'/>|"
}

tg_start() {
    lv_virsh "$1" define "$LV_T/$2.xml" >"$LV_T/out" 2>&1 && lv_virsh "$1" start "$2" >>"$LV_T/out" 2>&1 || {
        sed 's/^/# /' "$LV_T/out"
        return 1
    }
    i=0
    while [ $i -lt 900 ]; do
        grep -q "dirtier: 2 s" "$LV_T/console-$2.log" 2>/dev/null && return 0
        sleep 0.1
        i=$((i + 1))
    done
    echo "# console of $2:"
    tail -n 5 "$LV_T/console-$2.log" 2>/dev/null | sed 's/^/#   /'
    return 1
}

tg_field() { awk -F: -v l="$1" '$1 == l { split($2, a, " "); print a[1]; exit }' "$2"; }
