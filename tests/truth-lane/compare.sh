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

