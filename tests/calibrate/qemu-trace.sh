# qemu-trace.sh: the QEMU trace events make calibrate reads from each
# migration (tests/calibrate.sh, switch_facts, says what each one tells),
# and the libvirt XML that turns them on.  Sourced by tests/calibrate.sh
# (the host grid) and tests/truth-lane/l1-calibrate.sh (the L2 grid).
CAL_TRACE_EVENTS="migration_thread_low_pending vm_state_notify migrate_set_state migration_bitmap_sync_end"
# QEMU 8.2 and later only: QEMU 7.2 warns about an event it does not have.
CAL_TRACE_EVENTS_82="vmstate_downtime_checkpoint"

# cal_trace_xml FILE EVENT...: the domain's <qemu:commandline> for QEMU's
# log backend, timestamped (-msg timestamp=on), into FILE (%d: the pid of
# each QEMU process), with EVENT... enabled.
cal_trace_xml() {
    printf "<qemu:commandline><qemu:arg value='-msg'/><qemu:arg value='timestamp=on'/><qemu:arg value='-D'/><qemu:arg value='%s'/>" "$1"
    shift
    for e in "$@"; do
        printf "<qemu:arg value='-trace'/><qemu:arg value='enable=%s'/>" "$e"
    done
    printf '</qemu:commandline>'
}
