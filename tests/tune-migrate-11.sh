#!/bin/sh
# tune-migrate-11.sh: tests/tune-migrate.sh with libvirt 11.3 and QEMU 10.0 (tests/libvirt/backports.sh).
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
. "$top_srcdir/tests/libvirt/backports.sh" && lv_run_on_backports "$(basename "$0")"
