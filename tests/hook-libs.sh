#!/bin/sh
# hook-libs.sh: what the hook loads, and what it does when a library it
# opens itself is missing.
#
# libvirt starts the hook for every operation on every domain.  Linked
# normally, libdbus-1 and json-glib brought 15 of its 27 libraries into
# each start, though most runs never talk to dirtytrackd; so the hook opens
# them in its worker when it does (hooks/dt-hook-lazy.h).  glibc's
# LD_DEBUG=files lists every object loaded, at start and by dlopen(), and
# the forked worker writes to the parent's file, so one run shows both:
#   - the in-process path and the no-VFIO exit load none of libdbus-1,
#     json-glib, gobject and gio; looking for a daemon loads libdbus-1
#     alone (the daemon's answer is typed: no JSON); json-glib comes only
#     when the in-process evaluation reads JSON;
#   - the names the hook opens are those a normal link records (the CLI's
#     DT_NEEDED), it links none of the four and exports none of their
#     symbols (its stand-ins would capture the libraries' own calls);
#   - a library that does not load (an empty file of its name first on
#     LD_LIBRARY_PATH) is said on stderr, and the hook answers as when no
#     daemon is there, or, inside an evaluation, by its fail policy.

. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/tap.sh"

HOOK="$top_builddir/hooks/dirtytrack-hook"
FAKE="$top_builddir/tests/hook-fake-daemon"
tap_tmpdir
T="$TAP_TMP"
NOBUS="unix:path=$T/no-bus-here"
FOUR='libdbus-1\.so|libjson-glib-1\.0\.so|libgobject-2\.0\.so|libgio-2\.0\.so'

if [ ! -x "$HOOK" ]; then
    echo "1..0 # SKIP $HOOK not built"
    exit 0
fi

printf '[hook]\nuse-daemon = false\n' >"$T/inproc.conf"
printf '[hook]\non-timeout = deny\n' >"$T/deny.conf"

# The iommufd object of iommufd-cmdline-qat in QEMU's JSON syntax: the
# domain parser reads it with json-glib.
sed "s|value='iommufd,id=iommufd0'|value='{\"qom-type\":\"iommufd\",\"id\":\"iommufd0\"}'|" \
    "$DOMAINS/iommufd-cmdline-qat.xml" >"$T/iommufd-json.xml"

# Libraries that are there but cannot be loaded.
mkdir -p "$T/broken-dbus" "$T/broken-json"
: >"$T/broken-dbus/libdbus-1.so.3"
: >"$T/broken-json/libjson-glib-1.0.so.0"

# run HOST DOMAIN-FILE OP [VAR=VALUE...]: as libvirt runs it (NAME dom,
# SUB-OPERATION begin), with the debug line on stderr; leaves $T/out,
# $T/err, $T/rc, and in $T/libs every object the process and its worker
# loaded, one name a line.
run() {
    host=$1 xml=$2 op=$3
    shift 3
    rm -f "$T"/ld.*
    env -i LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
        DIRTYTRACK_SYSROOT="$HOSTS/$host" \
        DIRTYTRACK_QEMU_VERSION=10.0.0 DIRTYTRACK_LIBVIRT_VERSION=11.0.0 \
        DIRTYTRACK_DATADIR="$DIRTYTRACK_DATADIR" DIRTYTRACK_CONFIG=/nonexistent/dirtytrack.conf \
        DIRTYTRACK_BUS_ADDRESS="$NOBUS" DIRTYTRACK_HOOK_DEBUG=1 \
        DIRTYTRACK_LOG_SOCKET="$DIRTYTRACK_LOG_SOCKET" DIRTYTRACK_RUNTIME_DIR="$DIRTYTRACK_RUNTIME_DIR" \
        LD_DEBUG=files LD_DEBUG_OUTPUT="$T/ld" \
        "$@" "$HOOK" dom "$op" begin - <"$xml" >"$T/out" 2>"$T/err"
    echo $? >"$T/rc"
    cat "$T"/ld.* 2>/dev/null | sed -n 's/.*file=\([^ ]*\) \[[0-9]*\];  generating link map.*/\1/p' |
        sort -u >"$T/libs"
}

# the debug line without its timing, and the rewritten XML without the
# iommufd argument (the one place the two spellings differ)
strip_time() { sed 's/ in [0-9]* ms$//' "$1"; }
strip_arg() { sed -e '/qemu:arg value=.*iommufd0/d' -e 's/ time="[^"]*"/ time="TIME"/g' "$1"; }

# the answer of the in-process run, up to the evaluation's time stamp
same_out() {
    sed 's/ time="[^"]*"/ time="TIME"/g' "$T/out" >"$T/out.n"
    sed 's/ time="[^"]*"/ time="TIME"/g' "$T/inproc.out" | cmp -s - "$T/out.n"
}
rc() { cat "$T/rc"; }
loads() { grep -Eq "$1" "$T/libs"; }
said() { grep -q -- "$1" "$T/err"; }
why() { tap_diag "exit $(rc)" "$(sed 's/^/stderr: /' "$T/err")" \
        "loaded: $(grep -E "$FOUR" "$T/libs" | tr '\n' ' ')"; }

# ---- 1. what each path loads ------------------------------------------------
run intel-dirty "$DOMAINS/mlx5-vf.xml" migrate DIRTYTRACK_CONFIG="$T/inproc.conf"
if [ ! -s "$T/libs" ]; then
    # not glibc, or LD_DEBUG ignored: nothing below can be observed
    echo "1..0 # SKIP the dynamic loader does not report with LD_DEBUG=files"
    exit 0
fi
cp "$T/out" "$T/inproc.out"
tap_diag "in-process run: $(wc -l <"$T/libs") objects loaded"
if [ "$(rc)" = 0 ] && said "via in-process output rewritten" && ! loads "$FOUR"; then
    tap_ok "use-daemon = false: evaluated in-process without libdbus-1, json-glib, gobject or gio"
else
    why
    tap_fail "use-daemon = false: evaluated in-process without libdbus-1, json-glib, gobject or gio"
fi

run intel-dirty "$DOMAINS/no-hostdev.xml" migrate
if [ "$(rc)" = 0 ] && said "via precheck" && ! loads "$FOUR"; then
    tap_ok "no VFIO device (default config): leaves without libdbus-1, json-glib, gobject or gio"
else
    why
    tap_fail "no VFIO device (default config): leaves without libdbus-1, json-glib, gobject or gio"
fi

run intel-dirty "$DOMAINS/mlx5-vf.xml" migrate
cp "$T/ld".* "$T/dbus-run.ld" 2>/dev/null
if [ "$(rc)" = 0 ] && said "via in-process" && same_out &&
        loads 'libdbus-1\.so' && ! loads 'libjson-glib|libgobject|libgio'; then
    tap_ok "use-daemon = true, no bus: loads libdbus-1 only, then answers in-process as without it"
else
    why
    tap_fail "use-daemon = true, no bus: loads libdbus-1 only, then answers in-process as without it"
fi

run intel-dirty "$DOMAINS/iommufd-cmdline-qat.xml" migrate DIRTYTRACK_CONFIG="$T/inproc.conf"
cp "$T/rc" "$T/kv.rc"; strip_time "$T/err" >"$T/kv.err"; strip_arg "$T/out" >"$T/kv.out"
run intel-dirty "$T/iommufd-json.xml" migrate DIRTYTRACK_CONFIG="$T/inproc.conf"
cp "$T/ld".* "$T/json-run.ld" 2>/dev/null
if [ "$(rc)" = "$(cat "$T/kv.rc")" ] && strip_time "$T/err" | cmp -s - "$T/kv.err" &&
        strip_arg "$T/out" | cmp -s - "$T/kv.out" && [ -s "$T/kv.out" ] && loads 'libjson-glib'; then
    tap_ok "-object in JSON: json-glib loaded for it, same answer as the key=value spelling"
else
    why
    diff "$T/kv.out" "$T/out" | head -20 | sed 's/^/# /'
    tap_fail "-object in JSON: json-glib loaded for it, same answer as the key=value spelling"
fi

# ---- 2. the binary --------------------------------------------------------------
if command -v readelf >/dev/null 2>&1; then
    needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p'; }
    if needed "$HOOK" | grep -Eq "$FOUR"; then
        tap_fail "the hook links none of libdbus-1, json-glib, gobject, gio ($(needed "$HOOK" | tr '\n' ' '))"
    else
        tap_ok "the hook links none of libdbus-1, json-glib, gobject, gio"
    fi
    exported=$(readelf --dyn-syms -W "$HOOK" | awk '$7 != "UND" { print $8 }' |
               grep -E '^(dbus_|json_|g_object_)' | tr '\n' ' ')
    if [ -z "$exported" ]; then
        tap_ok "the hook exports none of its stand-ins for their functions"
    else
        tap_fail "the hook exports none of its stand-ins for their functions (exports: $exported)"
    fi
    # the names it opened in the runs above, against the CLI's normal link
    opened=$(cat "$T/dbus-run.ld" "$T/json-run.ld" 2>/dev/null |
             sed -n 's/.*file=\([^ ]*\) \[[0-9]*\];  dynamically loaded by .*/\1/p' | sort -u)
    cli_needed=$(needed "$DT")
    missing=""
    for lib in $opened; do
        printf '%s\n' "$cli_needed" | grep -qx "$lib" || missing="$missing $lib"
    done
    if [ "$(printf '%s\n' "$opened" | grep -Ec 'libdbus-1|libjson-glib')" = 2 ] && [ -z "$missing" ]; then
        tap_ok "opens $(echo $opened): the sonames the CLI is linked against"
    else
        tap_fail "opens the sonames the CLI is linked against (opened: $(echo $opened); not in the CLI:$missing)"
    fi
else
    tap_skip "linked libraries, exports, sonames: no readelf"
fi

# ---- 3. a library that does not load --------------------------------------------
run intel-dirty "$DOMAINS/mlx5-vf.xml" migrate LD_LIBRARY_PATH="$T/broken-dbus"
if [ "$(rc)" = 0 ] && same_out && said "via in-process" &&
        said "dirtytrack: cannot talk to dirtytrackd: .*libdbus-1.so.3"; then
    tap_ok "libdbus-1 does not load: says why, answers in-process as without a daemon"
else
    why
    tap_fail "libdbus-1 does not load: says why, answers in-process as without a daemon"
fi

run intel-dirty "$DOMAINS/mlx5-vf.xml" migrate LD_LIBRARY_PATH="$T/broken-dbus" \
    DIRTYTRACK_CONFIG="$T/deny.conf"
if [ "$(rc)" = 0 ] && same_out && said "via in-process" &&
        ! said "on-timeout"; then
    tap_ok "libdbus-1 does not load, on-timeout=deny: still answered in-process (not the fail policy)"
else
    why
    tap_fail "libdbus-1 does not load, on-timeout=deny: still answered in-process (not the fail policy)"
fi

run intel-dirty "$DOMAINS/mlx5-vf.xml" started LD_LIBRARY_PATH="$T/broken-dbus"
if [ "$(rc)" = 0 ] && [ ! -s "$T/out" ] && said "via publish-none" &&
        said "cannot talk to dirtytrackd: .*libdbus-1.so.3"; then
    tap_ok "libdbus-1 does not load, started: exit 0, not published, says why"
else
    why
    tap_fail "libdbus-1 does not load, started: exit 0, not published, says why"
fi

run intel-dirty "$T/iommufd-json.xml" migrate LD_LIBRARY_PATH="$T/broken-json" \
    DIRTYTRACK_CONFIG="$T/inproc.conf"
if [ "$(rc)" = 0 ] && [ ! -s "$T/out" ] && said "via failed" &&
        said "cannot evaluate dom: libjson-glib-1.0.so.0: .*on-timeout=allow"; then
    tap_ok "json-glib does not load mid-evaluation: the fail policy (allow) answers, with the reason"
else
    why
    tap_fail "json-glib does not load mid-evaluation: the fail policy (allow) answers, with the reason"
fi
printf '[hook]\nuse-daemon = false\non-timeout = deny\n' >"$T/inproc-deny.conf"
run intel-dirty "$T/iommufd-json.xml" migrate LD_LIBRARY_PATH="$T/broken-json" \
    DIRTYTRACK_CONFIG="$T/inproc-deny.conf"
if [ "$(rc)" = 1 ] && said "cannot evaluate dom: libjson-glib-1.0.so.0: .*on-timeout=deny"; then
    tap_ok "json-glib does not load mid-evaluation, on-timeout=deny: refused, with the reason"
else
    why
    tap_fail "json-glib does not load mid-evaluation, on-timeout=deny: refused, with the reason"
fi

# The daemon answers with its verdict and reasons as D-Bus types: the hook
# reads no JSON on that path, so json-glib is never loaded for it.
DBUS_DAEMON="${DBUS_DAEMON:-$(command -v dbus-daemon)}"
if [ -z "$DBUS_DAEMON" ] || [ ! -x "$FAKE" ]; then
    tap_skip "the daemon's answer without json-glib: needs dbus-daemon and $FAKE"
else
    tap_start_bus "$T"
    BUS_PID=$TAP_BUS_PID
    BUS=$TAP_BUS
    # the fake evaluates (its Config says) the fixture host the hook runs on
    DIRTYTRACK_SYSROOT="$HOSTS/intel-dirty" "$FAKE" "$BUS" deny >"$T/fake.ready" 2>"$T/fake.err" &
    FAKE_PID=$!
    trap 'kill $FAKE_PID $BUS_PID 2>/dev/null; wait $FAKE_PID $BUS_PID 2>/dev/null; rm -rf "$TAP_TMP"' EXIT
    tap_wait_line "$T/fake.ready" ready

    run intel-dirty "$DOMAINS/mlx5-vf.xml" migrate DIRTYTRACK_BUS_ADDRESS="$BUS"
    if [ "$(rc)" = 1 ] && said "via daemon" && said "fake-daemon-deny" && ! said "fake-daemon-json-only" &&
            ! loads 'libjson-glib|libgobject|libgio'; then
        tap_ok "daemon denies: its typed reasons said, json-glib not loaded"
    else
        why
        tap_fail "daemon denies: its typed reasons said, json-glib not loaded"
    fi
    run intel-dirty "$DOMAINS/mlx5-vf.xml" migrate DIRTYTRACK_BUS_ADDRESS="$BUS" \
        LD_LIBRARY_PATH="$T/broken-json"
    if [ "$(rc)" = 1 ] && said "via daemon" && said "fake-daemon-deny" && ! said "cannot talk"; then
        tap_ok "daemon denies, json-glib broken: answered by the daemon all the same"
    else
        why
        tap_fail "daemon denies, json-glib broken: answered by the daemon all the same"
    fi
    kill "$FAKE_PID" 2>/dev/null
    wait "$FAKE_PID" 2>/dev/null

    # an allow with a note and a warning: the definition and the warning
    # passed on, the note not
    DIRTYTRACK_SYSROOT="$HOSTS/intel-dirty" "$FAKE" "$BUS" allow >"$T/fake.ready" 2>"$T/fake.err" &
    FAKE_PID=$!
    tap_wait_line "$T/fake.ready" ready
    run intel-dirty "$DOMAINS/mlx5-vf.xml" migrate DIRTYTRACK_BUS_ADDRESS="$BUS"
    if [ "$(rc)" = 0 ] && said "via daemon" && grep -q fake-daemon-allowed "$T/out" &&
            [ "$(grep -v '^dirtytrack-hook: ' "$T/err")" = \
              "dirtytrack: warning [fake-daemon-warning]: the fake daemon warns about every domain" ] &&
            ! loads 'libjson-glib|libgobject|libgio'; then
        tap_ok "daemon allows: its definition and warning passed on, json-glib not loaded"
    else
        why
        tap_fail "daemon allows: its definition and warning passed on, json-glib not loaded"
    fi
    run intel-dirty "$DOMAINS/mlx5-vf.xml" migrate DIRTYTRACK_BUS_ADDRESS="$BUS" \
        LD_LIBRARY_PATH="$T/broken-json"
    if [ "$(rc)" = 0 ] && said "via daemon" && grep -q fake-daemon-allowed "$T/out" && ! said "cannot talk"; then
        tap_ok "daemon allows, json-glib broken: answered by the daemon all the same"
    else
        why
        tap_fail "daemon allows, json-glib broken: answered by the daemon all the same"
    fi
    kill "$FAKE_PID" "$BUS_PID" 2>/dev/null
    wait "$FAKE_PID" "$BUS_PID" 2>/dev/null
fi

# ---- 4. QEMU's QMP answer, read by the probe in the worker ------------------------
# A QEMU 7.2 that replays Debian 12's answers, except that QMP lists
# switchover-ack (QEMU 8.1+): the version band alone says it has none, so a
# cached "switchover-ack=true" proves the QMP reply was parsed.  (The
# verdict does not matter here: QEMU 7.2 refuses this migration anyway.)
cat >"$T/qmp.txt" <<'EOF'
{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}}, "capabilities": []}}
{"return": {}}
{"return": [{"state": false, "capability": "xbzrle"}, {"state": false, "capability": "switchover-ack"}]}
{"return": {}}
EOF
cat >"$T/qemu" <<EOF
#!/bin/sh
for a in "\$@"; do
  case "\$a" in
    -version) cat '$top_srcdir/tests/data/qemu/qemu-7.2.22-debian12-version.txt'; exit 0;;
    vfio-pci,help) cat '$top_srcdir/tests/data/qemu/qemu-7.2.22-debian12-vfio-pci-help.txt'; exit 0;;
    stdio) cat >/dev/null; cat '$T/qmp.txt'; exit 0;;
  esac
done
exit 1
EOF
chmod 755 "$T/qemu"
mkdir -p "$T/cache"
printf '[hook]\nuse-daemon = false\n[qemu]\nbinary = %s\ncache-dir = %s\n' "$T/qemu" "$T/cache" \
    >"$T/qemu.conf"
run debian12 "$DOMAINS/mlx5-vf.xml" migrate DIRTYTRACK_CONFIG="$T/qemu.conf" \
    DIRTYTRACK_QEMU_VERSION= DIRTYTRACK_LIBVIRT_VERSION=9.0.0
if said "via in-process" && grep -qx 'switchover-ack=true' "$T"/cache/*.caps 2>/dev/null &&
        loads 'libjson-glib'; then
    tap_ok "QEMU probed in the worker: json-glib loaded for its QMP answer, switchover-ack read from it"
else
    why
    sed 's/^/# cache: /' "$T"/cache/*.caps 2>/dev/null
    tap_fail "QEMU probed in the worker: json-glib loaded for its QMP answer, switchover-ack read from it"
fi

tap_done
