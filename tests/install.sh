#!/bin/sh
# install.sh: `make install DESTDIR=...` from the build tree lays every
# piece down in its conventional place (the configured directories, read
# back from the Makefile), the installed CLI runs, the bash completion
# completes, and `make uninstall` takes every file away again.
#
# Every piece is required (STRICT=1, the default); STRICT=0 turns a missing
# optional piece into a SKIP naming it, for partial builds.
# DIRTYTRACK_SKIP_SLOW=1 (distcheck) skips the whole test.
. "$(dirname "$0")/tap.sh"

if [ -n "${DIRTYTRACK_SKIP_SLOW:-}" ]; then
    echo "1..0 # SKIP DIRTYTRACK_SKIP_SLOW is set"
    exit 0
fi
tap_tmpdir
STRICT=${STRICT:-1}
ROOT="$TAP_TMP/root"

# The test runs inside `make check`: the inner make must not inherit its
# flags (TESTS=..., a jobserver it cannot reach).
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
MAKE=${MAKE_PROGRAM:-make}

# mkvar VAR: the fully expanded value of a Makefile variable
mkvar() {
    printf 'dt-print-%%:\n\t@echo $($*)\n' |
        $MAKE -s --no-print-directory -C "$top_builddir" -f Makefile -f - "dt-print-$1" 2>/dev/null
}

if $MAKE -C "$top_builddir" install DESTDIR="$ROOT" > "$TAP_TMP/install.log" 2>&1; then
    tap_ok "make install DESTDIR=... succeeds"
else
    tap_fail "make install DESTDIR=... succeeds"
    tap_diag "$(tail -n 20 "$TAP_TMP/install.log")"
    tap_done
    exit 1
fi

# piece REQUIRED DESCRIPTION PATH: PATH (absolute, configured) must exist
# under DESTDIR.  REQUIRED=no: a missing piece is a SKIP unless STRICT=1.
piece() {
    req=$1
    desc=$2
    path=$3
    if [ -e "$ROOT$path" ]; then
        tap_ok "$desc: $path"
    elif [ "$req" = yes ] || [ "$STRICT" = 1 ]; then
        tap_fail "$desc: $path is missing"
    else
        tap_skip "$desc not delivered yet ($path)"
    fi
}

bindir=$(mkvar bindir)
sbindir=$(mkvar sbindir)
pkglibexecdir=$(mkvar pkglibexecdir)
pkgdatadir=$(mkvar pkgdatadir)
sysconfdir=$(mkvar sysconfdir)
mandir=$(mkvar mandir)
localedir=$(mkvar localedir)
hooksdir=$(mkvar libvirthooksdir)
dbusconfdir=$(mkvar dbusconfdir)
dbussystembusdir=$(mkvar dbussystembusdir)
unitdir=$(mkvar systemdsystemunitdir)
compdir=$(mkvar bashcompletiondir)
prefix=$(mkvar prefix)

if [ -n "$bindir" ] && [ -n "$pkgdatadir" ] && [ -n "$compdir" ]; then
    tap_ok "installation directories read from the Makefile (prefix $prefix)"
else
    tap_fail "installation directories read from the Makefile"
fi

piece yes "the CLI" "$bindir/dirtytrack"
[ -x "$ROOT$bindir/dirtytrack" ] && "$ROOT$bindir/dirtytrack" --version | grep -q '^dirtytrack ' &&
    tap_ok "the installed CLI runs (--version)" || tap_fail "the installed CLI runs (--version)"
piece no "the privileged probe helper in pkglibexecdir" "$pkglibexecdir/dirtytrack-probe"
piece no "the libvirt hook in the qemu.d hooks directory" "$hooksdir/dirtytrack-hook"
# The hook opens libdbus-1 (and json-glib) itself when it looks for the
# daemon: the installed copy must find them as the build tree's does.
HOOK_I="$ROOT$hooksdir/dirtytrack-hook"
if [ -x "$HOOK_I" ]; then
    env -i LC_ALL=C DIRTYTRACK_SYSROOT="$HOSTS/intel-dirty" DIRTYTRACK_DATADIR="$top_srcdir/data" \
        DIRTYTRACK_CONFIG=/nonexistent/dirtytrack.conf DIRTYTRACK_QEMU_VERSION=10.0.0 \
        DIRTYTRACK_LIBVIRT_VERSION=11.0.0 DIRTYTRACK_BUS_ADDRESS="unix:path=$TAP_TMP/no-bus" \
        DIRTYTRACK_LOG_SOCKET="$DIRTYTRACK_LOG_SOCKET" DIRTYTRACK_RUNTIME_DIR="$DIRTYTRACK_RUNTIME_DIR" \
        DIRTYTRACK_HOOK_DEBUG=1 "$HOOK_I" mlx5-vf migrate begin - \
        <"$DOMAINS/mlx5-vf.xml" >"$TAP_TMP/hook.out" 2>"$TAP_TMP/hook.err"
    if [ $? = 0 ] && grep -q "via in-process output rewritten" "$TAP_TMP/hook.err" &&
            ! grep -q "cannot talk" "$TAP_TMP/hook.err"; then
        tap_ok "the installed hook looks for the daemon (no bus) and answers in-process"
    else
        tap_fail "the installed hook looks for the daemon (no bus) and answers in-process"
        tap_diag "$(cat "$TAP_TMP/hook.err")"
    fi
elif [ "$STRICT" = 1 ]; then
    tap_fail "the installed hook runs: not installed"
fi
piece no "the D-Bus service" "$sbindir/dirtytrackd"
piece no "the D-Bus system bus policy" "$dbusconfdir/org.dirtytrack1.conf"
piece no "the D-Bus activation file" "$dbussystembusdir/org.dirtytrack1.service"
piece no "the systemd unit" "$unitdir/dirtytrackd.service"
piece yes "the variant-driver database" "$pkgdatadir/variant-drivers.xml"
for rng in "$top_srcdir"/schemas/*.rng; do
    piece yes "schema $(basename "$rng")" "$pkgdatadir/schemas/$(basename "$rng")"
done
piece yes "the sample configuration" "$sysconfdir/dirtytrack/dirtytrack.conf"
for m in man1/dirtytrack.1 man5/dirtytrack.conf.5 man8/dirtytrackd.8 man8/dirtytrack-probe.8 man8/dirtytrack-hook.8; do
    piece yes "man page $(basename "$m")" "$mandir/$m"
done
piece yes "the bash completion" "$compdir/dirtytrack"
piece yes "the bash completion of dirtytrackd" "$compdir/dirtytrackd"
case $compdir in
    "$prefix"/*) tap_ok "the bash completion directory is under the prefix (relocatable)" ;;
    *) tap_fail "the bash completion directory $compdir is outside the prefix $prefix" ;;
esac
langs=$(sed -e 's/#.*//' "$top_srcdir/po/LINGUAS" 2>/dev/null | tr -s ' \n' '  ' | sed 's/^ *//; s/ *$//')
if [ -z "$langs" ]; then
    if [ "$STRICT" = 1 ]; then
        tap_fail "translations: po/LINGUAS names no language"
    else
        tap_skip "translations not delivered yet (po/LINGUAS names no language)"
    fi
fi
for l in $langs; do
    piece no "translation $l" "$localedir/$l/LC_MESSAGES/dirtytrack.mo"
done

# --- the installed bash completion completes ----------------------------------------
COMP="$ROOT$compdir/dirtytrack"
if [ -f "$COMP" ] && command -v bash > /dev/null; then
    # complete WORDS...: what the completion offers for the last word
    complete_words() {
        bash --norc --noprofile -c '
            [ -n "$BC" ] && [ -f "$BC" ] && . "$BC"
            . "$1"; shift
            COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
            COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
            _dirtytrack dirtytrack "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
            printf "%s\n" "${COMPREPLY[@]}"' complete "$COMP" "$@" 2>&1
    }
    for BC in "" /usr/share/bash-completion/bash_completion; do
        export BC
        if [ -n "$BC" ] && [ ! -f "$BC" ]; then
            tap_skip "bash-completion not installed: completion tried without its helpers only"
            continue
        fi
        with=${BC:+" (with bash-completion loaded)"}
        tap_check "completion$with: 'dirtytrack ch' -> check" \
            test "$(complete_words dirtytrack ch)" = check
        tap_check "completion$with: 'dirtytrack check --fo' -> --format" \
            test "$(complete_words dirtytrack check --fo)" = --format
        tap_check "completion$with: 'dirtytrack export --format ' -> nova nfd prometheus" \
            test "$(complete_words dirtytrack export --format '' | tr '\n' ' ')" = "nova nfd prometheus "
        tap_check "completion$with: 'dirtytrack check --role d' -> destination" \
            test "$(complete_words dirtytrack check --role d)" = destination
        tap_check "completion$with: 'dirtytrack apply --dr' -> --dry-run" \
            test "$(complete_words dirtytrack apply --dr)" = --dry-run
    done
else
    tap_fail "the installed bash completion can be sourced"
fi

# --- man pages render without warnings --------------------------------------------------
if command -v groff > /dev/null; then
    for m in "$ROOT$mandir"/man?/dirtytrack*; do
        [ -f "$m" ] || continue
        if groff -man -ww -z "$m" > "$TAP_TMP/groff" 2>&1 && [ ! -s "$TAP_TMP/groff" ]; then
            tap_ok "man page $(basename "$m") renders without warnings"
        else
            tap_fail "man page $(basename "$m") renders without warnings"; tap_diag "$(cat "$TAP_TMP/groff")"
        fi
    done
else
    tap_skip "groff not installed: man pages not rendered"
fi

# --- uninstall leaves nothing behind -------------------------------------------------------
if $MAKE -C "$top_builddir" uninstall DESTDIR="$ROOT" > "$TAP_TMP/uninstall.log" 2>&1; then
    left=$(find "$ROOT" -type f -o -type l | sed "s|^$ROOT||")
    if [ -z "$left" ]; then
        tap_ok "make uninstall removes every installed file"
    else
        tap_fail "make uninstall removes every installed file"; tap_diag "$left"
    fi
else
    tap_fail "make uninstall DESTDIR=... succeeds"; tap_diag "$(tail -n 20 "$TAP_TMP/uninstall.log")"
fi

tap_done
