# tap.sh: a few functions for shell tests that speak TAP to Automake's
# tap-driver.  Source it; call tap_ok/tap_fail/tap_skip/tap_check, then
# tap_done, which prints the plan at the end ("1..N").
#
# Environment from `make check`: top_srcdir, top_builddir.  Run by hand:
#   top_srcdir=. top_builddir=_build sh tests/cli-check.sh

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
export DIRTYTRACK_DATADIR="${DIRTYTRACK_DATADIR:-$top_srcdir/data}"
export DIRTYTRACK_CONFIG="${DIRTYTRACK_CONFIG:-/nonexistent/dirtytrack.conf}"
export LC_ALL="${LC_ALL:-C}"

TAP_N=0
TAP_FAILED=0
DT="$top_builddir/plugin/dirtytrack"
HOSTS="$top_srcdir/tests/data/hosts"
DOMAINS="$top_srcdir/tests/data/domains"

tap_ok() {
    TAP_N=$((TAP_N + 1))
    echo "ok $TAP_N - $*"
}

tap_fail() {
    TAP_N=$((TAP_N + 1))
    TAP_FAILED=$((TAP_FAILED + 1))
    echo "not ok $TAP_N - $*"
}

tap_skip() {
    TAP_N=$((TAP_N + 1))
    echo "ok $TAP_N # SKIP $*"
}

tap_diag() {
    printf '%s\n' "$@" | sed 's/^/# /'
}

# tap_check "description" command args...: ok if the command succeeds.
tap_check() {
    desc=$1
    shift
    if "$@"; then
        tap_ok "$desc"
    else
        tap_fail "$desc"
    fi
}

tap_done() {
    echo "1..$TAP_N"
    [ "$TAP_FAILED" -eq 0 ]
}

# Scratch directory removed on exit.
tap_tmpdir() {
    TAP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/dirtytrack-test.XXXXXX")
    trap 'rm -rf "$TAP_TMP"' EXIT
}
