# compare.sh: sourced by tests/truth-lane.sh.  truth_compare_stack STACK RUN
# turns what one L1 guest recorded (RUN/out/CASE/qemu.result and the three
# dt-*.json) into one TAP line per case and a table in the log.
#
# QEMU's result decides the expected verdict: deny where QEMU did not
# realize the device, listed a migration blocker, refused or failed the
# migration; allow or warn where the migration completed.  The mode is
# compared where QEMU started dirty tracking (its trace events): device
# DMA logging -> device, iommufd HWPT -> iommu, type1's container bitmap or
# all pages dirty -> perpetual.  Every message QEMU printed about the VFIO
# device (realize error, each blocker, the migration error, a warning) must
# contain a reasons[].qemu_message dirtytrack predicted.  dirtytrack's
# answer is the one with --preflight (it knows the most); the table shows
# the plain and --probe-ioctl verdicts too.

# jstr FILE KEY: the first string value of "KEY" in pretty-printed JSON.
jstr() {
    sed -n "s/^ *\"$2\" : \"\\(.*\\)\",\\{0,1\\}\$/\\1/p" "$1" 2>/dev/null | head -n 1 | sed 's/\\"/"/g'
}

# qres FILE KEY: every value of KEY= in a qemu.result file.
qres() {
    sed -n "s/^$2=//p" "$1" 2>/dev/null
}

truth_compare_stack() {
    stack=$1
    run=$2
    if grep -q '==TRUTH-L1-DONE==' "$run/console.log" 2>/dev/null &&
       grep -q 'all cases done' "$run/l1.log" 2>/dev/null; then
        tap_ok "$stack: the L1 guest ran all $(wc -l < "$run/cases") cases ($(sed -n 's/^lsmod=//p' "$run/l1.facts"))"
    else
        tap_fail "$stack: the L1 guest did not finish its cases"
        tail -n 30 "$run/console.log" | tap_diag "$(cat)"
        tail -n 5 "$run/l1.log" 2>/dev/null | tap_diag "$(cat)"
    fi
    tap_diag "" "stack $stack: $(tr '\n' ' ' < "$run/l1.facts" 2>/dev/null)"
    tap_diag "$(printf '%-52s %-10s %-9s %-16s %-9s %-5s %s' case qemu q-mode 'dt plain/probe/pre' dt-mode agree 'QEMU said')"
    while read -r id qv rest; do
        case $id in ''|'#'*) continue ;; esac
        d=$run/out/$id
        r=$d/qemu.result
        # QEMU's outcome and every message it printed about the device.
        if [ ! -s "$r" ]; then
            outcome=missing
        elif grep -q '^timeout=yes' "$r"; then
            outcome=timeout
        elif grep -q '^realize=error' "$r"; then
            outcome=realize-error
        elif grep -q '^blocked=' "$r"; then
            outcome=blocked
        else
            outcome=$(qres "$r" migrate)
            outcome=${outcome:-unknown}
        fi
        qmode=$(qres "$r" mode)
        : > "$d/qemu.messages"
        case $outcome in
        realize-error)
            # "qemu-system-x86_64: [-device ARGS: ]MESSAGE": the MESSAGE.
            qres "$r" error | sed 's/^qemu-system-x86_64: //; s/^-[a-z]* [^ ]*: //' > "$d/qemu.messages" ;;
        blocked)
            qres "$r" blocked > "$d/qemu.messages" ;;
        failed|refused)
            # The device's own first line on stderr ("UUID: Failed to get
            # DMA logging report, iova: ...") says more than error-desc.
            grep -v -e 'warning: ' -e 'Cannot reset device' -e 'terminating on signal' "$d/qemu.stderr" |
                sed 's/^qemu-system-x86_64: //' | grep -E '^([0-9a-f]{4}:|[0-9a-f]{8}-)' |
                head -n 1 > "$d/qemu.messages"
            [ -s "$d/qemu.messages" ] || qres "$r" error > "$d/qemu.messages" ;;
        completed)
            qres "$r" warning | grep -v 'has no peer' > "$d/qemu.messages" ;;
        esac
        case $outcome in
        completed) want="allow|warn" ;;
        *) want=deny ;;
        esac

        pre=$d/dt-preflight.json
        v_plain=$(jstr "$d/dt-plain.json" verdict)
        v_probe=$(jstr "$d/dt-probe-ioctl.json" verdict)
        v=$(jstr "$pre" verdict)
        m=$(jstr "$pre" mode)
        sed -n 's/^ *"qemu_message" : "\(.*\)",\{0,1\}$/\1/p' "$pre" 2>/dev/null | sed 's/\\"/"/g' \
            > "$d/dt.messages"

        why= kinds=
        case "|$want|" in
        *"|$v|"*) ;;
        *) why="verdict ${v:-none} where QEMU $outcome"; kinds=verdict ;;
        esac
        if [ -n "$qmode" ]; then
            case $qmode in
            device) wmode=device ;;
            iommu) wmode=iommu ;;
            *) wmode=perpetual ;;
            esac
            if [ "$m" != "$wmode" ]; then
                why="${why:+$why; }mode ${m:-none} where QEMU used $qmode ($wmode)"
                kinds="$kinds mode"
            fi
        fi
        while read -r qm; do
            hit=
            while read -r pm; do
                [ -n "$pm" ] || continue
                case $qm in *"$pm"*) hit=1 ;; esac
            done < "$d/dt.messages"
            if [ -z "$hit" ]; then
                why="${why:+$why; }no predicted message for QEMU's \"$qm\""
                case $kinds in *message*) ;; *) kinds="$kinds message" ;; esac
            fi
        done < "$d/qemu.messages"

        said=$(head -n 1 "$d/qemu.messages")
        if [ -z "$why" ]; then agree=yes; else agree=NO; fi
        tap_diag "$(printf '%-52s %-10s %-9s %-16s %-9s %-5s %s' "$stack/$id" "$outcome" "${qmode:--}" \
            "${v_plain:-?}/${v_probe:-?}/${v:-?}" "${m:-?}" "$agree" "$said")"
        desc="$stack/$id: QEMU $outcome${qmode:+ ($qmode)}, dirtytrack ${v:-?} (${m:-?})"
        if [ -z "$why" ]; then
            tap_ok "$desc"
        else
            truth_verdict "$stack/$id" "$kinds" "$desc" "$why"
        fi
    done < "$run/cases"
}

# truth_known ID KIND: true when tests/truth-lane/known-disagreements
# lists KIND (verdict, mode, message, probe) for a pattern matching ID.
truth_known() {
    grep -v '^#' "$top_srcdir/tests/truth-lane/known-disagreements" 2>/dev/null |
        while read -r pat k _; do
            [ -n "$pat" ] || continue
            case ",$k," in *",$2,"*) ;; *) continue ;; esac
            echo "$1" | grep -Eq "^($pat)\$" && { echo yes; break; }
        done | grep -q yes
}

# truth_verdict ID KINDS DESC WHY: one disagreement.  "not ok # TODO" when
# every kind of it is a known one, else a failure; listed either way.
truth_verdict() {
    printf '%s\t%s\n' "$1" "$4" >> "$RUNS/disagreements"
    for k in $2; do
        truth_known "$1" "$k" || { tap_fail "$3: disagreement: $4"; return; }
    done
    tap_todo "$3 # TODO disagreement: $4"
}

# dev_block FILE ADDRESS: the devices[] entry of ADDRESS in a report.
dev_block() {
    awk -v a="\"address\" : \"$2\"" 'index($0, a) { on = 1 } on { print } on && /"stop_copy_source"/ { exit }' "$1"
}
# fact BLOCK-TEXT NAME: "supported/source" of the fact NAME in a device entry.
fact() {
    printf '%s\n' "$1" | awk -v n="\"$2\" : {" '
        index($0, n) { on = 1; next }
        on && /"supported"/ { s = $3; sub(/,$/, "", s) }
        on && /"source"/ { o = $3; gsub(/[",]/, "", o); print s "/" o; exit }'
}

# truth_probe_checks STACK RUN: what `dirtytrack check --probe-ioctl`
# reports about the devices must be what this kernel exposes: e1000e on
# vfio-pci has no migration (VFIO_DEVICE_FEATURE_MIGRATION: ENOTTY); mtty
# (samples/vfio-mdev/mtty.c, 6.12) offers STOP_COPY, P2P and PRE_COPY and
# accepts DMA logging; all answered by ioctl.
truth_probe_checks() {
    stack=$1 run=$2
    nic=$(sed -n 's/^nic=//p' "$run/l1.facts" 2>/dev/null)
    # /dev/iommu and the vfio cdevs: what the guest saw, what the probe says.
    want_iommu=false want_cdev=false
    grep -q '^dev_iommu=yes' "$run/l1.facts" 2>/dev/null && want_iommu=true
    grep -q '^vfio_devices=.*vfio' "$run/l1.facts" 2>/dev/null && want_cdev=true
    p_iommu=$(sed -n 's/^ *"dev_iommu" : \([a-z]*\).*/\1/p' "$run/probe.json" 2>/dev/null | head -n 1)
    p_cdev=$(sed -n 's/^ *"vfio_cdev" : \([a-z]*\).*/\1/p' "$run/probe.json" 2>/dev/null | head -n 1)
    if [ "$p_iommu" = "$want_iommu" ] && [ "$p_cdev" = "$want_cdev" ]; then
        tap_ok "$stack: dirtytrack-probe reports /dev/iommu $p_iommu and vfio cdevs $p_cdev, as the kernel shows"
    else
        truth_verdict "$stack/probe-host" probe "$stack: dirtytrack-probe host facts" \
            "dev_iommu '$p_iommu' vfio_cdev '$p_cdev', the kernel shows $want_iommu and $want_cdev"
    fi
    f=$run/out/10.0-e1000e-em_auto/dt-probe-ioctl.json
    if [ -r "$f" ]; then
        b=$(dev_block "$f" "$nic")
        mig=$(fact "$b" migration)
        if [ "$mig" = "false/ioctl" ]; then
            tap_ok "$stack: the probe asks the kernel: $nic (e1000e on vfio-pci) has no migration"
        else
            truth_verdict "$stack/probe-e1000e" probe "$stack: probe of $nic" "migration '$mig', want false/ioctl"
        fi
    fi
    f=$run/out/10.0-mtty-em_auto/dt-probe-ioctl.json
    [ -r "$f" ] || return 0
    u=$(sed -n "s/.*<address uuid='\\([^']*\\)'.*/\\1/p" "$run/out/10.0-mtty-em_auto/domain.xml")
    b=$(dev_block "$f" "$u")
    mig=$(fact "$b" migration)
    log=$(fact "$b" dma_logging)
    flags=$(printf '%s\n' "$b" | awk '/"flags" : \[/ { on = 1 } on { printf "%s", $0 } on && /\]/ { exit }' |
        tr 'A-Z' 'a-z' | tr -d ' ')
    miss=
    # the report's vocabulary for the kernel's VFIO_MIGRATION_* bits
    # (docs/report-format.md, devices[].migration.flags)
    for fl in '"stop-copy"' '"p2p"' '"pre-copy"'; do
        case $flags in *"$fl"*) ;; *) miss="$miss $fl" ;; esac
    done
    if [ "$mig" = "true/ioctl" ] && [ -z "$miss" ] && [ "$log" = "true/ioctl" ]; then
        tap_ok "$stack: the probe asks the kernel: mtty $u migrates (STOP_COPY, P2P, PRE_COPY) and logs DMA"
    else
        truth_verdict "$stack/probe-mtty" probe "$stack: probe of mtty $u" \
            "migration '$mig' flags '$flags' (missing:${miss:- none}), dma_logging '$log'; want true/ioctl with STOP_COPY P2P PRE_COPY, DMA logging true/ioctl"
    fi
}


# ---- the virsh migrate scenarios (tests/truth-lane/l1-libvirt.sh) ------------

# lv_jobinfo FILE LABEL: the number after "LABEL:" in virsh domjobinfo.
lv_jobinfo() {
    awk -F: -v l="$2" '$1 == l { split($2, a, " "); print a[1]; exit }' "$1" 2>/dev/null
}

# lv_hook_times LOG DOMAIN: "OP SUB-OP ms" for each run of the dirtytrack
# hook for DOMAIN libvirtd logged (util.command debug: "About to run ..."
# and the result, paired by thread).
lv_hook_times() {
    awk -v dom="$2" '
        function t(s,   a, h) {   # "2026-12-07 04:01:02.345+0000:" -> ms of the day
            split(s, a, /[:.+]/)
            return ((a[1] * 60 + a[2]) * 60 + a[3]) * 1000 + a[4]
        }
        / About to run .*dirtytrack-hook / {
            n = split($0, w, " ")
            for (i = 1; i <= n; i++) if (w[i] ~ /dirtytrack-hook$/) break
            if (w[i + 1] != dom) next
            start[$3] = t($2); op[$3] = w[i + 2] " " w[i + 3]
            next
        }
        /virCommandRun.*Result/ && ($3 in start) {
            printf "%s %d\n", op[$3], t($2) - start[$3]
            delete start[$3]
        }' "$1" 2>/dev/null
}

# lv_says FILE TEXT...: every TEXT is in FILE (fixed strings).
lv_says() {
    f=$1
    shift
    for w in "$@"; do
        grep -qF -- "$w" "$f" 2>/dev/null || return 1
    done
}

truth_compare_libvirt() {
    stack=$1
    lv=$2/lv
    [ -s "$lv/scenarios" ] || {
        case $stack in
        debian|iommufd)
            tap_fail "$stack: the virsh migrate scenarios did not run"
            tail -n 20 "$2/l1-libvirt.out" 2>/dev/null | tap_diag "$(cat)"
            tail -n 5 "$lv/l1.log" 2>/dev/null | tap_diag "$(cat)" ;;
        esac
        return 0
    }
    tap_diag "" "stack $stack, virsh migrate: $(tr '\n' ' ' < "$lv/versions" 2>/dev/null)"
    h=$lv/hosts
    if grep -q 'h1.libvirtd_up_ms' "$h" && grep -q 'h2.libvirtd_up_ms' "$h" &&
       grep -q 'h1.dirtytrackd=on-bus' "$h" && grep -q 'h2.dirtytrackd=on-bus' "$h"; then
        tap_ok "$stack: two libvirt hosts (own mount+UTS namespaces, host_uuid, state, system bus) run the installed hook and dirtytrackd ($(sed -n 's/^libvirtd=//p' "$lv/versions"), up in $(sed -n 's/^h1.libvirtd_up_ms=//p' "$h")/$(sed -n 's/^h2.libvirtd_up_ms=//p' "$h") ms)"
    else
        tap_fail "$stack: two libvirt hosts with the installed dirtytrack"
        tap_diag "$(cat "$h" 2>/dev/null)"
        for n in 1 2; do
            tail -n 10 "$lv/h$n/ns.out" "$lv/h$n/libvirtd.out" "$lv/h$n/dirtytrackd.log" 2>/dev/null | tap_diag "$(cat)"
        done
        return 0
    fi
    while read -r id; do
        d=$lv/$id
        if [ "$id" = calibrate ]; then
            # make calibrate's grid: tests/calibrate.sh reads the numbers;
            # here only whether every migration ran and completed.
            # A migration aborted after CAL_TIMEOUT did not converge: a
            # result for the table, not a failure.
            n=0 bad= tmo=0
            for c in "$d"/*/; do
                [ -r "$c/cell" ] || continue
                n=$((n + 1))
                if [ -e "$c/timeout" ]; then
                    tmo=$((tmo + 1))
                elif [ "$(cat "$c/migrate.rc" 2>/dev/null)" != 0 ]; then
                    bad="$bad ${c%/}: $(cat "$c/failed" "$c/migrate.out" 2>/dev/null | tr '\n' ' ')"
                fi
            done
            if [ "$n" -gt 0 ] && [ -z "$bad" ]; then
                tap_ok "$stack/calibrate: $n migrations of the calibration grid ran, $((n - tmo)) completed, $tmo aborted after their time"
            else
                tap_fail "$stack/calibrate: $n migrations of the calibration grid, failed:${bad:- none ran}"
                tail -n 10 "$lv/l1.log" 2>/dev/null | tap_diag "$(cat)"
            fi
            continue
        fi
        why=
        fail() { why="${why:+$why; }$*"; }
        rc=$(cat "$d/migrate.rc" 2>/dev/null)
        took=$(cat "$d/migrate.ms" 2>/dev/null)
        [ -n "$rc" ] || fail "no migration ran: $(tail -n 3 "$d/start.out" 2>/dev/null | tr '\n' ' ')"
        said=$(grep -v '^Migration: \[' "$d/migrate.out" 2>/dev/null | tr '\n' ' ')
        elapsed=$(lv_jobinfo "$d/jobinfo" "Time elapsed")
        down=$(lv_jobinfo "$d/jobinfo" "Total downtime")
        dom=$(sed -n 's/^ *<name>\(.*\)<\/name>/\1/p' "$d/domain.xml" 2>/dev/null | head -n 1)
        hooks=$(lv_hook_times "$lv/h2/libvirtd.log" "$dom" | tr '\n' ',' | sed 's/,$//')
        tap_diag "$stack/$id: virsh migrate rc ${rc:-?} in ${took:-?} ms (libvirt: elapsed ${elapsed:-?} ms, downtime ${down:-?} ms); said: ${said:-nothing}"
        case $id in
        mtty-migrates)
            [ "$rc" = 0 ] || fail "migration failed: $said"
            lv_says "$d/dst.state" running || fail "not running on the destination"
            x=$d/dst.xml
            # What the destination hook answered at migrate begin (its
            # stdout, which libvirtd logged): its evaluation after the
            # pre-flight asked the idle mdev.  virsh and the hook print
            # dirtytrack's element with its namespace as the default.
            hev=$(awk -v d="dirtytrack-hook $dom migrate begin" 'index($0, d) { f = 1 }
                      f && /<(dirtytrack:)?evaluation / { print; exit }' "$lv/h2/libvirtd.log")
            case $hev in
            *'verdict="allow" mode="device" host="lv-dst"'*|*'verdict="warn" mode="device" host="lv-dst"'*) ;;
            *) fail "the destination hook did not accept in mode device: ${hev:-no rewritten XML}" ;;
            esac
            # On the running domain, after the destination daemon published
            # its own evaluation (once the domain resumed there, judging the
            # mdev QEMU now holds by what it answered the pre-flight; one
            # that differs from the hook's only in its time leaves the
            # hook's element): device mode, the fingerprint, the mdev.
            ev=$(grep -E -o '<(dirtytrack:)?evaluation [^>]*>' "$x" | head -n 1)
            pt=$(sed -n 's/.*"published-time":"\([^"]*\)".*/\1/p' "$d/dst.daemon-state" 2>/dev/null)
            [ -n "$pt" ] || fail "the destination daemon published no evaluation: $(cat "$d/dst.daemon-state" 2>/dev/null)"
            case $ev in
            *'mode="device" host="lv-dst"'*'fingerprint='*) ;;
            *) fail "after the destination daemon published (${pt:-never}), no device-mode evaluation by lv-dst with a fingerprint in its definition: ${ev:-none}" ;;
            esac
            grep -q 'mdev-type="mtty-1"' "$x" || fail "the destination's definition does not list the mdev"
            st=$(cat "$d/src.daemon-state" 2>/dev/null)
            lim=$(printf '%s' "$st" | sed -n 's/.*"downtime-limit-ms":\([0-9]*\).*/\1/p')
            case $st in
            *'"completed":{'*) ;;
            *) fail "the source daemon did not follow the job to completion: $st" ;;
            esac
            # Whether the daemon was in time to set the limit is a line
            # of its own (kind "tuning"): a short migration can end
            # before the source daemon's evaluation does.
            tuned=yes
            [ -n "$lim" ] && [ "$lim" -gt 0 ] || tuned="the source daemon set no downtime-limit while the job ran: $st"
            src=$(tr '\n' ' ' < "$d/uart.src" 2>/dev/null)
            dst=$(tr '\n' ' ' < "$d/uart.dst" 2>/dev/null)
            case "$src|$dst" in
            "lcr=0x1b scr=0x5a |lcr=0x1b scr=0x5a rx=0x41 0x42 ") ;;
            *) fail "UART registers: source '$src', destination '$dst' (want LCR 0x1b, SCR 0x5a, FIFO 0x41 0x42)" ;;
            esac
            tap_diag "  destination hook at migrate begin: $(echo "$hev" | sed 's/^ *//')" \
                "  on the running domain: $ev" \
                "  downtime-limit set by the source daemon: $lim ms; polled: $(sort -un "$d/maxdowntime" 2>/dev/null | tr '\n' ' ')"
            tap_diag "  destination hook runs (op ms): $hooks"
            desc="$stack/$id: mtty migrates under libvirt 11 + QEMU 10 ($took ms, downtime ${down:-?} ms): destination hook rewrote, source daemon followed the job, UART state arrived, metadata and fingerprint on the destination"
            ;;
        report-unsupported)
            [ "$rc" != 0 ] || fail "the migration succeeded"
            lv_says "$d/migrate.out" "dirtytrack: refused [dma-logging-report-unsupported]" ||
                fail "virsh does not show dirtytrack's reason"
            ! lv_says "$d/migrate.out" "ram_save_setup failed" || fail "QEMU started sending (ram_save_setup failed)"
            lv_says "$d/src.state" running || fail "the domain does not run on the source any more"
            desc="$stack/$id: mtty on Debian's stack is refused before QEMU sends, virsh shows dirtytrack's reason"
            ;;
        perpetual-forbidden)
            [ "$rc" != 0 ] || fail "the migration succeeded"
            lv_says "$d/migrate.out" "[perpetual-forbidden]" "perpetual='never'" ||
                fail "virsh does not name the policy"
            lv_says "$d/src.state" running || fail "the domain does not run on the source any more"
            desc="$stack/$id: perpetual mode (x-device-dirty-page-tracking=off, enable-migration=on) under perpetual='never' is refused, virsh names the policy"
            ;;
        no-vfio)
            [ "$rc" = 0 ] || fail "migration failed: $said"
            # libvirt's own changes: the domain id.
            sed "s/<domain type='qemu' id='[0-9]*'/<domain type='qemu'/" "$d/src.xml" > "$d/src.cmp" 2>/dev/null
            sed "s/<domain type='qemu' id='[0-9]*'/<domain type='qemu'/" "$d/dst.xml" > "$d/dst.cmp" 2>/dev/null
            if ! diff -u "$d/src.cmp" "$d/dst.cmp" > "$d/xml.diff"; then
                fail "the destination's definition differs: $(head -n 20 "$d/xml.diff" | tr '\n' ' ')"
            fi
            # An out-of-scope domain costs the hook one XML parse; under
            # TCG (L1) a process start alone takes hundreds of ms.
            slow=$(lv_hook_times "$lv/h2/libvirtd.log" "$dom" | awk '$3 > 2000')
            [ -n "$hooks" ] || fail "libvirtd logged no run of the hook"
            [ -z "$slow" ] || fail "hook runs over 2000 ms: $slow"
            tap_diag "  destination hook runs (op ms): $hooks"
            desc="$stack/$id: a domain without VFIO devices migrates ($took ms), its definition unchanged, each hook run under 2 s (TCG)"
            ;;
        source-abort)
            [ "$rc" != 0 ] || fail "the migration succeeded"
            lv_says "$d/src.state" running || fail "the domain does not run on the source any more"
            ! lv_says "$d/dst.state" running || fail "the domain runs on the destination"
            lv_says "$d/src.daemon-state" '"aborted":{"code":"perpetual-forbidden"' ||
                fail "the source daemon did not abort with perpetual-forbidden: $(cat "$d/src.daemon-state" 2>/dev/null)"
            grep -q "tuning[^>]*action=.abort.[^>]*code=.perpetual-forbidden." "$d/src-after.xml" 2>/dev/null ||
                fail "no abort record in the source domain's metadata"
            ! grep -q "dirtytrack-hook mtty-f migrate" "$lv/h2/libvirtd.log" 2>/dev/null ||
                fail "the destination ran the dirtytrack hook"
            desc="$stack/$id: to a destination without dirtytrack, the source daemon aborts the real mtty migration its policy forbids (perpetual-forbidden); the VM runs on at the source, the abort is in its metadata"
            ;;
        mdev-type-differs)
            [ "$rc" != 0 ] || fail "the migration succeeded"
            lv_says "$d/migrate.out" "dirtytrack: refused [fingerprint-mismatch]" ||
                fail "virsh does not show dirtytrack's fingerprint-mismatch"
            lv_says "$d/src.state" running || fail "the domain does not run on the source any more"
            desc="$stack/$id: an mtty-1 domain arriving on an mtty-2 mdev is refused with the difference named"
            ;;
        esac
        if [ -z "$why" ]; then
            tap_ok "$desc"
        else
            truth_verdict "$stack/$id" libvirt "$desc" "$why"
        fi
        if [ "$id" = mtty-migrates ] && [ -n "$rc" ]; then
            tdesc="$stack/$id-tuning: the source daemon set a downtime-limit while the job ran (${lim:-0} ms)"
            if [ "$tuned" = yes ]; then
                tap_ok "$tdesc"
            else
                truth_verdict "$stack/$id-tuning" tuning "$tdesc" "$tuned"
            fi
        fi
    done < "$lv/scenarios"
}
