#!/bin/bash
# run-fuzz.sh: builds the libFuzzer targets in fuzz/ with clang and runs each
# for a bounded time (`make fuzz`, `make fuzz-smoke`).
#
# The normal build uses gcc and libtool; libFuzzer needs clang's
# -fsanitize=fuzzer, so the library sources are compiled a second time here,
# with clang and ASan+UBSan, into a static archive under
# $top_builddir/fuzz-build (an archive, so each target links only the
# objects it needs: no libvirt client library for a parser).
#
# Modes:
#   run-fuzz.sh [TARGET...]          FUZZ_SECONDS per target (default 120, so
#                                    the seven targets run 14 minutes); new
#                                    inputs that add coverage are merged back
#                                    into fuzz/corpus/<target>/ (-merge=1
#                                    keeps only those, so it stays minimal)
#   run-fuzz.sh --smoke [TARGET...]  FUZZ_SECONDS in total (default 10),
#                                    corpus replayed and fuzzed, never written
#   run-fuzz.sh --build-only
# Environment: top_srcdir, top_builddir (config.h lives there), FUZZ_CPPFLAGS
# (the Makefile's AM_CPPFLAGS), FUZZ_LIB_SOURCES (the library's .c files),
# FUZZ_DAEMON_SOURCES (dirtytrackd's, but main: the dbus target drives the
# daemon's own dispatch and handlers), CLANG, FUZZ_SECONDS.
# Prints one TAP-like line per target and "N passed, N failed"; a crash
# leaves its input under fuzz-build/artifacts/<target>/, to be copied into
# tests/data/fuzz-regressions/<target>/ (tests/test-fuzz-regressions replays
# that directory).
set -u

here=$(cd "$(dirname "$0")" && pwd)
srcdir=${top_srcdir:-$(dirname "$here")}
srcdir=$(cd "$srcdir" && pwd)
builddir=${top_builddir:-$PWD}
builddir=$(cd "$builddir" && pwd)
clang=${CLANG:-clang}
all_targets="domain metadata sysfs vdb config report dbus"

mode=full
targets=
for a in "$@"; do
    case $a in
    --smoke) mode=smoke ;;
    --build-only) mode=build ;;
    -*) echo "usage: $0 [--smoke|--build-only] [TARGET...]" >&2; exit 2 ;;
    *) targets="$targets $a" ;;
    esac
done
targets=${targets:-$all_targets}
ntargets=$(echo $targets | wc -w)

if [ ! -f "$builddir/config.h" ]; then
    echo "run-fuzz.sh: no config.h in $builddir; run configure (or make) first" >&2
    exit 2
fi
if ! command -v "$clang" >/dev/null; then
    echo "run-fuzz.sh: $clang not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2
    exit 2
fi

out=$builddir/fuzz-build
mkdir -p "$out/obj"

# ---- build -------------------------------------------------------------------
if [ -n "${FUZZ_CPPFLAGS:-}" ]; then
    # AM_CPPFLAGS as make passes it: quoted for a shell, so let one parse it
    eval "set -- $FUZZ_CPPFLAGS"
else
    set -- -I"$srcdir/plugin" -DLOCALEDIR=\"/usr/share/locale\" -DSYSCONFDIR=\"/etc\" \
        -DPKGDATADIR=\"/usr/share/dirtytrack\" -DPKGLIBEXECDIR=\"/usr/libexec/dirtytrack\" \
        -DLOCALSTATEDIR=\"/var\" -DABS_TOP_SRCDIR=\"$srcdir\" -DABS_TOP_BUILDDIR=\"$builddir\" \
        -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74 \
        -DGLIB_VERSION_MAX_ALLOWED=GLIB_VERSION_2_74 -DXML_NO_DEPRECATED_WARNINGS
fi
cppflags=("$@" -I"$builddir" -I"$srcdir/plugin" -I"$srcdir/fuzz")
pkgs="glib-2.0 gobject-2.0 libxml-2.0 json-glib-1.0 dbus-1 libvirt"
# shellcheck disable=SC2207
pkg_cflags=($(pkg-config --cflags $pkgs)) || exit 2
# shellcheck disable=SC2207
pkg_libs=($(pkg-config --libs glib-2.0 gobject-2.0 libxml-2.0 json-glib-1.0 dbus-1)) || exit 2
san=(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
cflags=(-std=gnu11 -g -O1 "${san[@]}" -Wall -Wno-unused-parameter "${pkg_cflags[@]}")

# path SOURCE: a source below $srcdir, or one the build generated below
# $builddir (the compiled variant-driver database).
path() { if [ -f "$srcdir/$1" ]; then echo "$srcdir/$1"; else echo "$builddir/$1"; fi; }

# archive NAME SOURCES...: compiles the sources (paths below $srcdir or
# $builddir) that changed, or all of them after a header changed, into
# $out/NAME.a.
archive() {
    local a=$out/$1.a s o objs="" tocompile="" rebuild=0 newest_header
    shift
    newest_header=$(ls -t "$srcdir"/plugin/*/*.h "$srcdir"/fuzz/*.h \
        "$builddir/config.h" | head -1)
    [ -f "$a" ] || rebuild=1
    [ "$rebuild" = 0 ] && [ "$newest_header" -nt "$a" ] && rebuild=1
    for s in "$@"; do
        o=$out/obj/$(basename "$s" .c).o
        objs="$objs $o"
        if [ "$rebuild" = 1 ] || [ "$(path "$s")" -nt "$o" ]; then
            tocompile="$tocompile $(path "$s")"
        fi
    done
    [ -n "$tocompile" ] || return 0
    echo "# compiling with clang:$tocompile"
    export clang out srcdir
    printf '%s\n' $tocompile | xargs -P "$(nproc)" -I{} sh -c \
        'exec "$0" "$@" -fsanitize=fuzzer-no-link -c "{}" -o "$out/obj/$(basename {} .c).o"' \
        "$clang" "${cflags[@]}" "${cppflags[@]}" || return 1
    rm -f "$a"
    # shellcheck disable=SC2086
    ar rcs "$a" $objs
}

# The core library's sources, as the Makefile lists them; run by hand,
# every source of the layers in the core library.
lib_srcs=${FUZZ_LIB_SOURCES:-$(cd "$srcdir" && ls plugin/{model,probe,decide,eval,render}/*.c)
    echo plugin/model/dt-vdb-builtin.c}
# shellcheck disable=SC2086
archive libdirtytrack-fuzz $lib_srcs || { echo "not ok - library build"; exit 1; }
# The daemon's sources but its main(), for the dbus target only (with them
# comes libvirt, which live tuning calls).
case " $targets " in
*" dbus "*)
    daemon_srcs=${FUZZ_DAEMON_SOURCES:-$(cd "$srcdir" && ls plugin/daemon/*.c plugin/dbus/*.c |
        grep -v '/dirtytrackd\.c$')}
    # shellcheck disable=SC2086
    archive dirtytrackd-fuzz $daemon_srcs || { echo "not ok - daemon build"; exit 1; }
    ;;
esac
for t in $targets; do
    src=$srcdir/fuzz/fuzz-$t.c
    bin=$out/fuzz-$t
    [ -f "$src" ] || { echo "run-fuzz.sh: no fuzz target $t" >&2; exit 2; }
    archives=("$out/libdirtytrack-fuzz.a")
    libs=("${pkg_libs[@]}")
    if [ "$t" = dbus ]; then
        archives=("$out/dirtytrackd-fuzz.a" "${archives[@]}")
        # shellcheck disable=SC2207
        libs+=($(pkg-config --libs libvirt))
    fi
    rebuild=0
    [ -x "$bin" ] && [ ! "$src" -nt "$bin" ] || rebuild=1
    for a in "${archives[@]}"; do
        [ "$a" -nt "$bin" ] && rebuild=1
    done
    if [ "$rebuild" = 1 ]; then
        "$clang" "${cflags[@]}" "${cppflags[@]}" -fsanitize=fuzzer "$src" "${archives[@]}" \
            "${libs[@]}" -o "$bin" || { echo "not ok - build fuzz-$t"; exit 1; }
    fi
done
[ "$mode" = build ] && { echo "# fuzz targets built in $out"; exit 0; }

# ---- run ---------------------------------------------------------------------
if [ "$mode" = smoke ]; then
    total=${FUZZ_SECONDS:-10}
    secs=$(( total / ntargets ))
    [ "$secs" -ge 1 ] || secs=1
else
    secs=${FUZZ_SECONDS:-120}
fi

# Leaks are findings; a deep stack in libxml2 is not ours to flag as a hang
# before 10 s per input.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LC_ALL=C
export DIRTYTRACK_DATADIR="$srcdir/data"
export DIRTYTRACK_CONFIG=/nonexistent/dirtytrack.conf

pass=0
fail=0
n=0
for t in $targets; do
    n=$((n + 1))
    bin=$out/fuzz-$t
    corpus=$srcdir/fuzz/corpus/$t
    new=$out/new/$t
    art=$out/artifacts/$t
    log=$out/fuzz-$t.log
    rm -rf "$new"
    mkdir -p "$new" "$art"
    extra=()
    [ -f "$srcdir/fuzz/$t.dict" ] && extra+=(-dict="$srcdir/fuzz/$t.dict")
    before=$(ls "$corpus" 2>/dev/null | wc -l)
    # new inputs go to the first directory; the kept corpus is only read
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -use_value_profile=1 -artifact_prefix="$art/" "${extra[@]}" "$new" "$corpus" \
        >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if [ "$rc" -ne 0 ]; then
        fail=$((fail + 1))
        echo "not ok $n - fuzz-$t: exit $rc after ${runs:-?} runs in ${secs}s (log $log)"
        grep -m 6 -E '^dt-fuzz: |ERROR: |runtime error|Test unit written' "$log" | sed 's/^/#   /'
        echo "#   save the input under tests/data/fuzz-regressions/$t/ (see $art)"
        continue
    fi
    after=$before
    if [ "$mode" = full ] && [ -n "$(ls -A "$new")" ]; then
        mkdir -p "$corpus"
        "$bin" -merge=1 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$art/" \
            "$corpus" "$new" >>"$log" 2>&1 || {
            fail=$((fail + 1))
            echo "not ok $n - fuzz-$t: merging into $corpus failed (log $log)"
            continue
        }
        after=$(ls "$corpus" | wc -l)
    fi
    pass=$((pass + 1))
    echo "ok $n - fuzz-$t: ${runs:-?} runs in ${secs}s, no crash; corpus $before -> $after"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
