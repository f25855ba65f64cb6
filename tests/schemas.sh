#!/bin/sh
# schemas.sh: the RelaxNG schemas in schemas/ against the files they describe.
#
# Every schema must be well-formed and compile; every example must validate,
# except files named *-invalid.xml, which must fail validation itself (xmllint
# exit status 3: a file that is merely not well-formed proves nothing about
# the schema).  The dirtytrack metadata element is also cut out of each sample
# domain and validated, so the fixtures other tests use stay schema-valid.
# When libvirt's virt-xml-validate is installed, the sample domains are also
# checked against libvirt's own domain schema, so they stay real libvirt XML.
#
# Environment: top_srcdir (set by `make check`), XMLLINT (default xmllint).

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
if [ -f "$top_srcdir/tests/tap.sh" ]; then
    . "$top_srcdir/tests/tap.sh"
else
    TAP_N=0
    TAP_FAILED=0
    tap_ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
    tap_fail() { TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_N - $*"; }
    tap_skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N # SKIP $*"; }
    tap_diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
    tap_done() { echo "1..$TAP_N"; [ "$TAP_FAILED" -eq 0 ]; }
fi

XMLLINT=${XMLLINT:-xmllint}
SCHEMAS="$top_srcdir/schemas"
DATA="$top_srcdir/tests/data"
METADATA_NS='http://dirtytrack.org/xmlns/domain/1.0'

# libvirt 9.0's schema (Debian 12) predates these; each line: file, reason.
VIRT_XML_SKIP='iommufd-native-qat.xml <iommufd enabled> is libvirt >= 12.2 XML'

TMP=$(mktemp -d) || exit 99
trap 'rm -rf "$TMP"' EXIT

if ! command -v "$XMLLINT" >/dev/null 2>&1; then
    tap_skip "xmllint ($XMLLINT) not installed: schemas not checked"
    tap_done
    exit $?
fi

# validate SCHEMA FILE [LABEL]: valid unless the name ends in -invalid.xml.
validate() {
    schema=$1
    file=$2
    label=${3:-${file#"$top_srcdir"/}}
    "$XMLLINT" --noout --relaxng "$schema" "$file" >"$TMP/out" 2>&1
    rc=$?
    case $file in
    *-invalid.xml)
        if [ $rc -eq 3 ]; then
            tap_ok "$label fails validation against $(basename "$schema"), as it must"
        else
            tap_fail "$label must fail validation against $(basename "$schema") (xmllint exit $rc, want 3)"
            tap_diag "$(cat "$TMP/out")"
        fi
        ;;
    *)
        if [ $rc -eq 0 ]; then
            tap_ok "$label validates against $(basename "$schema")"
        else
            tap_fail "$label validates against $(basename "$schema") (xmllint exit $rc)"
            tap_diag "$(cat "$TMP/out")"
        fi
        ;;
    esac
}

# A schema is usable if it is well-formed XML and compiles as RelaxNG
# (xmllint exit 5 means it did not compile).
echo '<nothing/>' >"$TMP/nothing.xml"
for rng in "$SCHEMAS"/*.rng; do
    name=${rng#"$top_srcdir"/}
    if [ ! -s "$rng" ]; then
        tap_skip "$name is still empty"
        continue
    fi
    if "$XMLLINT" --noout "$rng" >"$TMP/out" 2>&1; then
        tap_ok "$name is well-formed XML"
    else
        tap_fail "$name is well-formed XML"
        tap_diag "$(cat "$TMP/out")"
        continue
    fi
    "$XMLLINT" --noout --relaxng "$rng" "$TMP/nothing.xml" >"$TMP/out" 2>&1
    if [ $? -ne 5 ]; then
        tap_ok "$name compiles as RelaxNG"
    else
        tap_fail "$name compiles as RelaxNG"
        tap_diag "$(cat "$TMP/out")"
    fi
done

# ---- dirtytrack metadata ------------------------------------------------------
n_valid=0
n_invalid=0
for f in "$DATA"/metadata/*.xml; do
    [ -e "$f" ] || continue
    case $f in
    *-invalid.xml) n_invalid=$((n_invalid + 1)) ;;
    *) n_valid=$((n_valid + 1)) ;;
    esac
    validate "$SCHEMAS/domain-metadata.rng" "$f"
done
if [ $n_valid -gt 0 ] && [ $n_invalid -gt 0 ]; then
    tap_ok "tests/data/metadata has $n_valid valid and $n_invalid invalid examples"
else
    tap_fail "tests/data/metadata needs both valid and *-invalid.xml examples ($n_valid/$n_invalid)"
fi

# the source's dry-run record (schemas/outgoing.rng)
n_out=0
for f in "$DATA"/outgoing/*.xml; do
    [ -e "$f" ] || continue
    n_out=$((n_out + 1))
    validate "$SCHEMAS/outgoing.rng" "$f"
done
[ $n_out -ge 2 ] && tap_ok "tests/data/outgoing has $n_out examples" ||
    tap_fail "tests/data/outgoing needs valid and *-invalid.xml examples"

# libvirt writes the namespace declaration on the metadata element itself,
# so the element cut out with --xpath is a complete document.
n_domains_md=0
for f in "$DATA"/domains/*.xml; do
    [ -e "$f" ] || continue
    base=$(basename "$f" .xml)
    if ! "$XMLLINT" --xpath \
        "/domain/metadata/*[local-name()='dirtytrack' and namespace-uri()='$METADATA_NS']" \
        "$f" >"$TMP/$base-metadata.xml" 2>/dev/null; then
        continue
    fi
    n_domains_md=$((n_domains_md + 1))
    validate "$SCHEMAS/domain-metadata.rng" "$TMP/$base-metadata.xml" \
        "metadata of tests/data/domains/$base.xml"
done
if [ $n_domains_md -gt 0 ]; then
    tap_ok "$n_domains_md sample domains carry dirtytrack metadata"
else
    tap_fail "no sample domain carries dirtytrack metadata (metadata-*.xml should)"
fi

# ---- variant-driver database ----------------------------------------------------
if [ ! -s "$SCHEMAS/variant-drivers.rng" ]; then
    tap_skip "schemas/variant-drivers.rng is still empty: database not validated"
else
    for f in "$top_srcdir"/data/variant-drivers.xml "$DATA"/vdb/*.xml; do
        [ -e "$f" ] || continue
        validate "$SCHEMAS/variant-drivers.rng" "$f"
    done
fi

# ---- sample domains against libvirt's own schema -------------------------------
if ! command -v virt-xml-validate >/dev/null 2>&1; then
    tap_skip "virt-xml-validate not installed (package libvirt-clients)"
else
    for f in "$DATA"/domains/*.xml; do
        [ -e "$f" ] || continue
        base=$(basename "$f")
        reason=$(printf '%s\n' "$VIRT_XML_SKIP" | sed -n "s/^$base //p")
        if [ -n "$reason" ]; then
            tap_skip "tests/data/domains/$base: $reason"
            continue
        fi
        if virt-xml-validate "$f" domain >"$TMP/out" 2>&1; then
            tap_ok "tests/data/domains/$base is valid libvirt domain XML"
        else
            tap_fail "tests/data/domains/$base is valid libvirt domain XML"
            tap_diag "$(cat "$TMP/out")"
        fi
    done
fi

tap_done
