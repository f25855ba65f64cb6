#!/bin/sh
# corpus.sh: every domain XML from libvirt's own test suite (a copy in
# tests/data/corpus, provenance in its SOURCES.md) is evaluated by
# `dirtytrack check` without crashing.  Files libvirt accepts must be
# evaluated (exit 0, 1 or 2); files libvirt rejects may be refused with exit
# 3 and one line on stderr; nothing may die from a signal.
. "$(dirname "$0")/tap.sh"
tap_tmpdir

CORPUS="$top_srcdir/tests/data/corpus"
HOST="$HOSTS/intel-dirty"
SOURCES="$CORPUS/SOURCES.md"

if [ ! -f "$SOURCES" ]; then
    tap_skip "no corpus at $CORPUS"
    tap_done
    exit $?
fi

for f in "$CORPUS"/*.xml "$CORPUS"/expected-errors/*.xml; do
    [ -f "$f" ] || continue
    rel=${f#"$CORPUS"/}
    # libvirt's own expectation for this file, from SOURCES.md
    if grep -F "| \`$rel\` |" "$SOURCES" | grep -q 'rejects\|fails at QEMU'; then
        rejected=yes
    else
        rejected=no
    fi
    timeout 20 "$DT" check --sysroot "$HOST" --qemu-version 9.1.0 --libvirt-version 10.0.0 \
        --format json "$f" > "$TAP_TMP/out" 2> "$TAP_TMP/err"
    rc=$?
    lines=$(wc -l < "$TAP_TMP/err")
    case $rc in
    0|1|2)
        if [ -s "$TAP_TMP/err" ]; then
            tap_fail "$rel: evaluated (exit $rc) but wrote to stderr"
            tap_diag "$(head -c 500 "$TAP_TMP/err")"
        else
            tap_ok "$rel: evaluated (exit $rc)"
        fi
        ;;
    3)
        if [ $rejected = yes ] && [ "$lines" -eq 1 ]; then
            tap_ok "$rel: refused as libvirt does: $(cat "$TAP_TMP/err")"
        else
            tap_fail "$rel: exit 3 but libvirt accepts it (or message not one line)"
            tap_diag "$(head -c 500 "$TAP_TMP/err")"
        fi
        ;;
    *)
        tap_fail "$rel: crashed or hung (exit $rc)"
        ;;
    esac
done
tap_done
