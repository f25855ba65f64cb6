#!/bin/sh
# hostile.sh: malformed, hostile (entity expansion, external entities,
# 50 MB, deep nesting) and empty XML given to `dirtytrack check` as a file
# and on standard input: exit 3, one clear line on stderr, nothing on
# stdout, and quickly (each run is bounded by `timeout`).
. "$(dirname "$0")/tap.sh"
tap_tmpdir

HOST="$HOSTS/intel-dirty"

refused() {
    desc=$1
    file=$2
    for how in file stdin; do
        start=$(date +%s)
        if [ $how = file ]; then
            timeout 20 "$DT" check --sysroot "$HOST" --qemu-version 9.1.0 "$file" \
                > "$TAP_TMP/out" 2> "$TAP_TMP/err"
        else
            timeout 20 "$DT" check --sysroot "$HOST" --qemu-version 9.1.0 - < "$file" \
                > "$TAP_TMP/out" 2> "$TAP_TMP/err"
        fi
        rc=$?
        secs=$(( $(date +%s) - start ))
        lines=$(wc -l < "$TAP_TMP/err")
        if [ $rc -eq 3 ] && [ "$lines" -eq 1 ] && [ ! -s "$TAP_TMP/out" ] && [ $secs -le 10 ]; then
            tap_ok "$desc ($how): exit 3 in ${secs}s: $(cut -c1-160 "$TAP_TMP/err")"
        else
            tap_fail "$desc ($how): exit $rc, $lines stderr lines, ${secs}s"
            tap_diag "$(head -c 600 "$TAP_TMP/err")"
        fi
    done
}

cat > "$TAP_TMP/laughs.xml" <<'X'
<?xml version="1.0"?>
<!DOCTYPE domain [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<domain type="kvm"><name>&lol9;</name><memory>1024</memory></domain>
X
refused "billion laughs" "$TAP_TMP/laughs.xml"

cat > "$TAP_TMP/xxe.xml" <<'X'
<?xml version="1.0"?>
<!DOCTYPE domain [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<domain type="kvm"><name>&xxe;</name><memory>1024</memory></domain>
X
refused "external entity (XXE)" "$TAP_TMP/xxe.xml"
if grep -q 'root:' "$TAP_TMP/out" "$TAP_TMP/err"; then
    tap_fail "XXE: /etc/passwd content leaked"
else
    tap_ok "XXE: no file content leaked"
fi

cat > "$TAP_TMP/xxe-net.xml" <<'X'
<?xml version="1.0"?>
<!DOCTYPE domain SYSTEM "http://127.0.0.1:9/evil.dtd">
<domain type="kvm"><name>x</name></domain>
X
refused "external DTD over the network" "$TAP_TMP/xxe-net.xml"

# 50 MB: a valid prefix followed by a huge comment-free body
{
    printf '<domain type="kvm"><name>big</name><description>'
    head -c 52428800 /dev/zero | tr '\0' 'a'
    printf '</description></domain>'
} > "$TAP_TMP/big.xml"
refused "50 MB domain XML" "$TAP_TMP/big.xml"

# deep nesting: 100000 levels
{
    printf '<domain>'
    i=0
    awk 'BEGIN { for (i = 0; i < 100000; i++) printf "<a>"; for (i = 0; i < 100000; i++) printf "</a>" }'
    printf '</domain>'
} > "$TAP_TMP/deep.xml"
refused "100000-deep nesting" "$TAP_TMP/deep.xml"

: > "$TAP_TMP/empty.xml"
refused "empty input" "$TAP_TMP/empty.xml"
printf '   \n\n' > "$TAP_TMP/blank.xml"
refused "white space only" "$TAP_TMP/blank.xml"
printf '<domain type="kvm"><name>x</name>' > "$TAP_TMP/truncated.xml"
refused "truncated XML" "$TAP_TMP/truncated.xml"
head -c 4096 /dev/urandom > "$TAP_TMP/junk.xml"
refused "random bytes" "$TAP_TMP/junk.xml"
printf '<network><name>default</name></network>' > "$TAP_TMP/network.xml"
refused "a network XML instead of a domain" "$TAP_TMP/network.xml"
printf '<domain type="kvm"><name>x</name><memory unit="furlongs">5</memory></domain>' > "$TAP_TMP/unit.xml"
refused "unknown memory unit" "$TAP_TMP/unit.xml"
cat > "$TAP_TMP/badaddr.xml" <<'X'
<domain type="kvm"><name>x</name><memory>1048576</memory><devices>
<hostdev mode="subsystem" type="pci" managed="yes"><source>
<address domain="0x0000" bus="0x3b/../.." slot="0x00" function="0x1"/></source></hostdev>
</devices></domain>
X
refused "hostdev address with ../" "$TAP_TMP/badaddr.xml"

tap_done
