#!/bin/sh
# i18n.sh: the CLI speaks German and Simplified Chinese from the catalogs of
# this tree, and everything a script parses (reason codes, check ids,
# PASS/WARN/FAIL/NOTE, JSON keys) stays English in every language.
#
# How a language is chosen without generating locales: glibc switches
# LC_MESSAGES only when setlocale() accepts the locale, and a minimal
# Debian has just C, C.UTF-8 and POSIX (`locale -a`), so LANG=de_DE.UTF-8
# alone silently falls back to English.  glibc does honour LANGUAGE (a
# priority list of catalogs) whenever LC_MESSAGES is not "C"/"POSIX", and
# C.UTF-8 is built into glibc, so LC_ALL=C.UTF-8 LANGUAGE=de needs nothing
# installed.  That is what this test runs; LANG=de_DE.UTF-8 on its own is
# tested only where that locale exists, and skipped with the reason here.
# Seen on Debian 12 (glibc 2.36): LANG=de_DE.UTF-8 without the locale gives
# English, LC_ALL=C.UTF-8 LANGUAGE=de gives German, LC_ALL=C LANGUAGE=de
# gives English.
#
# Catalogs: the .gmo files po/ builds (gettext keeps them in the source
# tree's po/; a build tree's po/ is looked at first), or the .po compiled
# on the spot when the .gmo is missing or older.  They are copied into
# $TAP_TMP/locale/LL/LC_MESSAGES/dirtytrack.mo and the program is pointed
# there with DIRTYTRACK_LOCALEDIR (read by dt_i18n_init()).
. "$(dirname "$0")/tap.sh"
tap_tmpdir

LOCALEDIR_T="$TAP_TMP/locale"
export DIRTYTRACK_LOCALEDIR="$LOCALEDIR_T"
HOST="$HOSTS/intel-dirty"
# qat-vf on intel-nodirty is denied with reasons: text, codes and messages
DENY_HOST="$HOSTS/intel-nodirty"
DENY_DOM="$DOMAINS/qat-vf.xml"
VERS="--qemu-version 8.2.0 --libvirt-version 9.0.0"

# install_catalog LL: put LL's catalog under $LOCALEDIR_T; fails if none
install_catalog() {
    po="$top_srcdir/po/$1.po"
    dest="$LOCALEDIR_T/$1/LC_MESSAGES"
    mkdir -p "$dest" || return 1
    for gmo in "$top_builddir/po/$1.gmo" "$top_srcdir/po/$1.gmo"; do
        if [ -f "$gmo" ] && [ -z "$(find "$po" -newer "$gmo")" ]; then
            cp "$gmo" "$dest/dirtytrack.mo"
            return
        fi
    done
    command -v msgfmt > /dev/null 2>&1 && msgfmt -o "$dest/dirtytrack.mo" "$po"
}

# in_lang LL command...: run with LL's messages and no locale generation
in_lang() {
    lang=$1
    shift
    LC_ALL=C.UTF-8 LANGUAGE=$lang "$@"
}

# --- the catalogs are complete ------------------------------------------------
# msgcmp fails on a msgid of the template that a catalog leaves untranslated
# or fuzzy: a string added to the sources without translations shows here.
for l in de zh_CN; do
    if ! command -v msgcmp > /dev/null 2>&1 || ! [ -f "$top_srcdir/po/dirtytrack.pot" ]; then
        tap_skip "po/$l.po translates every message of dirtytrack.pot (no msgcmp or template)"
    elif msgcmp "$top_srcdir/po/$l.po" "$top_srcdir/po/dirtytrack.pot" > "$TAP_TMP/msgcmp" 2>&1; then
        tap_ok "po/$l.po translates every message of dirtytrack.pot"
    else
        tap_fail "po/$l.po translates every message of dirtytrack.pot"
        tap_diag "$(head -20 "$TAP_TMP/msgcmp")"
    fi
done

have_cutf8=no
locale -a 2> /dev/null | grep -qix 'c\.utf-\{0,1\}8' && have_cutf8=yes
catalogs=yes
install_catalog de && install_catalog zh_CN || catalogs=no

if [ $have_cutf8 = no ] || [ $catalogs = no ]; then
    why="no C.UTF-8 locale for LANGUAGE to act on"
    [ $catalogs = no ] && why="no built catalog (po/*.gmo) and no msgfmt"
    for t in "host in German" "host in Chinese" "LC_ALL=C is English" "check in German" \
             "check in Chinese" "JSON codes" "JSON keys" "--help in German" "help check in German" "error in German" \
             "predict columns in de" "predict columns in zh_CN" "host columns in Chinese" \
             "LANG=de_DE.UTF-8" "LANG=zh_CN.UTF-8"; do
        tap_skip "$t: $why"
    done
    tap_done
    exit $?
fi

# --- dirtytrack host -------------------------------------------------------------
in_lang de "$DT" host --sysroot "$HOST" > "$TAP_TMP/host.de" 2>&1
if grep -q '^Host-Kernel: ' "$TAP_TMP/host.de" &&
   grep -q '^DIRTYTRACK: Prüfe auf eine IOMMU  *: PASS (ja (3 Einheiten)) \[sysfs\]$' "$TAP_TMP/host.de" &&
   grep -q '^DIRTYTRACK: Prüfe auf IOMMU-Dirty-Tracking (dmar0) *: PASS' "$TAP_TMP/host.de"; then
    tap_ok "host in German: translated titles, plural and results; PASS and [sysfs] kept"
else
    tap_fail "host in German: translated titles, plural and results; PASS and [sysfs] kept"
    tap_diag "$(head -5 "$TAP_TMP/host.de")"
fi

in_lang zh_CN "$DT" host --sysroot "$HOST" > "$TAP_TMP/host.zh" 2>&1
if grep -q '^主机内核: ' "$TAP_TMP/host.zh" &&
   grep -q '^DIRTYTRACK: 检查是否有 IOMMU  *: PASS (是 (3 个单元)) \[sysfs\]$' "$TAP_TMP/host.zh"; then
    tap_ok "host in Chinese: translated titles and results; PASS and [sysfs] kept"
else
    tap_fail "host in Chinese: translated titles and results; PASS and [sysfs] kept"
    tap_diag "$(head -5 "$TAP_TMP/host.zh")"
fi

# LC_ALL=C overrides LANGUAGE: scripts that set it get the English report
LC_ALL=C LANGUAGE=de "$DT" host --sysroot "$HOST" > "$TAP_TMP/host.c" 2>&1
if grep -q '^Host kernel: ' "$TAP_TMP/host.c" &&
   grep -q '^DIRTYTRACK: Checking for an IOMMU  *: PASS (yes (3 units))' "$TAP_TMP/host.c" &&
   ! grep -q 'Prüfe' "$TAP_TMP/host.c"; then
    tap_ok "LC_ALL=C is English even with LANGUAGE=de"
else
    tap_fail "LC_ALL=C is English even with LANGUAGE=de"
    tap_diag "$(head -3 "$TAP_TMP/host.c")"
fi

# --- dirtytrack check: translated text, untranslated codes ------------------------
# shellcheck disable=SC2086
LC_ALL=C "$DT" check --sysroot "$DENY_HOST" $VERS --format json "$DENY_DOM" > "$TAP_TMP/check.c.json" 2>&1
codes=$(sed -n 's/^ *"code" : "\([^"]*\)",\{0,1\}$/\1/p' "$TAP_TMP/check.c.json")
code_list=$(echo "$codes" | tr '\n' ' ')
for l in de zh_CN; do
    # shellcheck disable=SC2086
    in_lang $l "$DT" check --sysroot "$DENY_HOST" $VERS "$DENY_DOM" > "$TAP_TMP/check.$l" 2>&1
    rc=$?
    case $l in
        de) want='^Ergebnis: DENY   Tracking-Modus: none' ;;
        *) want='^结论: DENY   跟踪模式: none' ;;
    esac
    good=yes
    [ $rc -eq 2 ] || good=no
    [ -n "$codes" ] || good=no
    grep -q "$want" "$TAP_TMP/check.$l" || good=no
    for c in $codes; do
        grep -Eq "^  (ERROR|WARNING|INFO) +$c: " "$TAP_TMP/check.$l" || good=no
    done
    if [ $good = yes ]; then
        tap_ok "check in $l: translated report, exit 2, reason codes (${code_list% }) untranslated"
    else
        tap_fail "check in $l: translated report, exit 2, reason codes (${code_list% }) untranslated (exit $rc)"
        tap_diag "$(head -6 "$TAP_TMP/check.$l")"
    fi
done

# --- JSON: the same document apart from the human-readable strings ---------------
# shellcheck disable=SC2086
in_lang de "$DT" check --sysroot "$DENY_HOST" $VERS --format json "$DENY_DOM" > "$TAP_TMP/check.de.json" 2>&1
in_lang de "$DT" host --sysroot "$HOST" --format json > "$TAP_TMP/host.de.json" 2>&1
LC_ALL=C "$DT" host --sysroot "$HOST" --format json > "$TAP_TMP/host.c.json" 2>&1
if command -v jq > /dev/null 2>&1; then
    # every value except prose, which is translated on purpose
    prose='walk(if type == "object" then del(.message, .fact, .consequence, .title, .result, .hint) else . end)'
    good=yes
    for doc in check host; do
        jq -S "$prose" "$TAP_TMP/$doc.c.json" > "$TAP_TMP/$doc.c.stable" 2>&1 || good=no
        jq -S "$prose" "$TAP_TMP/$doc.de.json" > "$TAP_TMP/$doc.de.stable" 2>&1 || good=no
        cmp -s "$TAP_TMP/$doc.c.stable" "$TAP_TMP/$doc.de.stable" || good=no
    done
    # and the prose really is German, so the comparison above is not vacuous
    jq -e '[.reasons[].message] | any(test("Gerät"))' "$TAP_TMP/check.de.json" > /dev/null || good=no
    jq -e '[.checks[].title] | any(. == "Prüfe auf eine IOMMU")' "$TAP_TMP/host.de.json" > /dev/null || good=no
    if [ $good = yes ]; then
        tap_ok "JSON codes, ids, statuses and sources identical under LANGUAGE=de and LC_ALL=C"
    else
        tap_fail "JSON codes, ids, statuses and sources identical under LANGUAGE=de and LC_ALL=C"
        tap_diag "$(diff "$TAP_TMP/check.c.stable" "$TAP_TMP/check.de.stable" | head -10)"
        tap_diag "$(diff "$TAP_TMP/host.c.stable" "$TAP_TMP/host.de.stable" | head -10)"
    fi
    keys='[paths | map(select(type == "string"))] | unique'
    if [ "$(jq -c "$keys" "$TAP_TMP/check.c.json")" = "$(jq -c "$keys" "$TAP_TMP/check.de.json")" ]; then
        tap_ok "JSON keys of check are the same in German"
    else
        tap_fail "JSON keys of check are the same in German"
    fi
else
    tap_skip "JSON codes, ids, statuses and sources: jq not installed"
    tap_skip "JSON keys of check: jq not installed"
fi

# --- help and errors -------------------------------------------------------------
in_lang de "$DT" --help > "$TAP_TMP/help.de" 2>&1
if grep -q '^Aufruf: dirtytrack BEFEHL \[OPTIONEN\]$' "$TAP_TMP/help.de" &&
   grep -q '^  check  *eine Domain bewerten: Ergebnis, Tracking-Modus, VF-Richtlinie$' "$TAP_TMP/help.de"; then
    tap_ok "--help in German, command names untranslated"
else
    tap_fail "--help in German, command names untranslated"
    tap_diag "$(head -5 "$TAP_TMP/help.de")"
fi

in_lang de "$DT" help check > "$TAP_TMP/help-check.de" 2>&1
if grep -q '^  dirtytrack check \[OPTION.*\] DOMAIN\.xml|-$' "$TAP_TMP/help-check.de" &&
   grep -q '^Bewertungsoptionen:$' "$TAP_TMP/help-check.de" &&
   grep -q -- '--format=FORMAT  *Ausgabeformat: text, json, xml (Standard: text)$' "$TAP_TMP/help-check.de"; then
    tap_ok "help check in German: usage line, option groups and formats translated"
else
    tap_fail "help check in German: usage line, option groups and formats translated"
    tap_diag "$(head -12 "$TAP_TMP/help-check.de")"
fi

in_lang de "$DT" host --sysroot "$HOST" stray > "$TAP_TMP/err.out" 2> "$TAP_TMP/err.de"
rc=$?
if [ $rc -eq 3 ] && grep -q "unerwartetes Argument 'stray'" "$TAP_TMP/err.de"; then
    tap_ok "error in German on stderr, exit 3"
else
    tap_fail "error in German on stderr, exit 3 (exit $rc)"
    tap_diag "$(cat "$TAP_TMP/err.de")"
fi

# --- tables keep their columns in every language -----------------------------------
# A CJK character takes two terminal columns: padding by bytes or characters
# pushes the values of a translated table out of line.  `wc -L` measures
# display columns (wcwidth) in a UTF-8 locale.
columns() {
    while IFS= read -r prefix; do
        printf '%s\n' "$prefix" | LC_ALL=C.UTF-8 wc -L
    done | sort -u | tr "\n" " " | sed "s/ $//"
}
# predict's figures: "  LABEL:   VALUE", every VALUE in one column, for a
# budget over which the prediction prints every row
printf '[policy]\nmax-downtime-ms = 50\n' > "$TAP_TMP/budget.conf"
for l in de zh_CN; do
    in_lang $l "$DT" predict --sysroot "$HOST" --config "$TAP_TMP/budget.conf" $VERS \
        --libvirt-version 10.0.0 --bandwidth 100 "$DOMAINS/mlx5-vf.xml" > "$TAP_TMP/predict.$l" 2>&1
    sed -n '2,/^[^ ]/s/^\(  [^ ].*[:：]  *\)[0-9].*/\1/p' "$TAP_TMP/predict.$l" > "$TAP_TMP/prefix.$l"
    cols=$(columns < "$TAP_TMP/prefix.$l")
    if [ "$(wc -l < "$TAP_TMP/prefix.$l")" -ge 6 ] && [ "$(echo $cols | wc -w)" -eq 1 ]; then
        tap_ok "predict columns in $l: every figure starts in column $cols"
    else
        tap_fail "predict columns in $l: figures start in one column (columns: $cols)"
        tap_diag "$(head -12 "$TAP_TMP/predict.$l")"
    fi
done
# host: every check's ": RESULT" in one column, Chinese titles and all
sed -n 's/^\(DIRTYTRACK: .*\): \(PASS\|WARN\|FAIL\|NOTE\).*/\1/p' "$TAP_TMP/host.zh" > "$TAP_TMP/prefix.host"
cols=$(columns < "$TAP_TMP/prefix.host")
if [ -s "$TAP_TMP/prefix.host" ] && [ "$(echo $cols | wc -w)" -eq 1 ]; then
    tap_ok "host columns in Chinese: every result starts in column $cols"
else
    tap_fail "host columns in Chinese: results start in one column (columns: $cols)"
fi

# --- LANG alone, where the locale exists -----------------------------------------
for pair in de_DE:Host-Kernel zh_CN:主机内核; do
    loc=${pair%%:*}
    want=${pair#*:}
    if locale -a 2> /dev/null | grep -qix "$loc\\.utf-\\{0,1\\}8"; then
        LC_ALL='' LANGUAGE='' LANG=$loc.UTF-8 "$DT" host --sysroot "$HOST" > "$TAP_TMP/host.lang" 2>&1
        if grep -q "^$want: " "$TAP_TMP/host.lang"; then
            tap_ok "LANG=$loc.UTF-8 alone gives the translation"
        else
            tap_fail "LANG=$loc.UTF-8 alone gives the translation"
            tap_diag "$(head -2 "$TAP_TMP/host.lang")"
        fi
    else
        tap_skip "LANG=$loc.UTF-8 alone: locale not generated on this system (LANGUAGE tested above)"
    fi
done

tap_done
