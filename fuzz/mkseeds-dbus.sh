#!/bin/bash
# mkseeds-dbus.sh: writes the seed inputs of fuzz/fuzz-dbus.c (its header
# describes the format: NUL-separated fields, "@Member" starts a call) into
# fuzz/corpus/dbus/seed-*, from the domains and fixture hosts in tests/data
# and the calls tests/test-daemon makes.  Idempotent; `make fuzz` adds the
# inputs it finds next to these.
#   fuzz/mkseeds-dbus.sh [OUTDIR]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/fuzz/corpus/dbus}
mkdir -p "$out"
hosts=(intel-dirty intel-nodirty amd-hdsup arm-smmuv3 no-iommu debian12)

# seed NAME FIELD...: one input, every field NUL-terminated
seed() {
    local name=$1
    shift
    printf '%s\0' "$@" >"$out/seed-$name"
}

n=0
for f in "$top"/tests/data/domains/*.xml; do
    d=$(basename "$f" .xml)
    xml=$(cat "$f")
    name=$(sed -n 's|.*<name>\(.*\)</name>.*|\1|p' "$f" | head -1)
    host=${hosts[$((n % ${#hosts[@]}))]}
    n=$((n + 1))
    seed "evaluate-$d" "#host=$host" \
        @Evaluate "s$xml" "a" \
        "@Evaluate as=user" "s$xml" $'arole=destination\nqemu-version=9.2.0\nlibvirt-version=10.0.0' \
        "@Evaluate as=anon" "s$xml" $'arole=source\nop=prepare\nqemu-version=7.2.22'
    seed "filter-$d" "#host=$host" \
        "@Filter as=group" "s$xml" "aop=migrate" \
        "@Filter as=user" "s$xml" $'op=restore\nqemu-version=10.1.0' \
        "@GetDomainState after" "s$name"
    seed "lifecycle-$d" "#host=$host" \
        @HookEvent "s$name" sprepare sbegin "s$xml" \
        "@HookEvent after" "s$name" sstarted sbegin "s$xml" \
        "@Evaluate after" "s$xml" "aop=started" \
        "@GetDomainState after" "s$name" \
        "@HookEvent after" "s$name" smigrate sbegin "s$xml" \
        "@HookEvent after" "s$name" sstopped send s \
        "@GetDomainState after" "s$name" \
        "@HookEvent after" "s$name" srelease send s \
        "@GetDomainState after" "s$name"
done

good=$(cat "$top/tests/data/domains/mlx5-vf.xml")
for host in "${hosts[@]}"; do
    args=("#host=$host" @GetHostReport)
    for dev in "$top/tests/data/hosts/$host"/sys/bus/pci/devices/*; do
        args+=(@GetDeviceReport "s$(basename "$dev")")
    done
    seed "host-$host" "${args[@]}"
    seed "refresh-$host" "#host=$host" @RefreshHost "@GetHostReport" \
        "@RefreshHost as=group" "@RefreshHost as=self" "@RefreshHost as=user" \
        "@RefreshHost as=nogroups" "@RefreshHost as=gone" "@RefreshHost as=anon" \
        "@GetDeviceReport after" s3b:00.1
done

seed devices-bad @GetDeviceReport szz:zz.z @GetDeviceReport s0000:3b:00.9 \
    @GetDeviceReport "s0000:3b:00.1 " @GetDeviceReport s0000:99:00.0 \
    @GetDeviceReport s3b:00.1 @GetDeviceReport s @GetDeviceReport sffff:ff:1f.7
seed options-bad \
    @Evaluate "shello, daemon" a \
    @Evaluate "s<domain><name>x</na" a \
    @Evaluate "s$good" "arole=sideways" \
    @Evaluate "s$good" "aqemu-version=banana" \
    @Evaluate "s$good" $'arole=source\nrole=destination' \
    @Filter "s$good" "aop=start" \
    @Evaluate "s$good" "aop=explode" \
    @Evaluate "s$good" "acolour=blue" \
    @Evaluate "s$good" "aqemu-version=9.2.0.1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21" \
    @Evaluate "s$good" $'aa=1\nb=2\nc=3\nd=4\ne=5\nf=6\ng=7\nh=8\ni=9\nj=10\nk=11\nl=12\nm=13\nn=14\no=15\np=16\nq=17'
seed names-bad \
    @HookEvent s sstarted sbegin s \
    @HookEvent sa/b sstarted sbegin s \
    @HookEvent $'sa\tb' sstarted sbegin s \
    @HookEvent "s$(printf 'x%.0s' $(seq 300))" sstarted sbegin s \
    @HookEvent sx sexplode sbegin s \
    @HookEvent sx sstarted ssideways s \
    @HookEvent sother sstarted sbegin "s$good" \
    @HookEvent sx sstarted sbegin "snot xml" \
    @GetDomainState s @GetDomainState sa/b @GetDomainState snever-seen
seed protocol \
    "@Introspect iface=org.freedesktop.DBus.Introspectable path=/" \
    "@Introspect iface=org.freedesktop.DBus.Introspectable path=/org" \
    "@Introspect iface=org.freedesktop.DBus.Introspectable" \
    "@Introspect iface= path=/nope" \
    "@Introspect iface=org.freedesktop.DBus.Introspectable" sextra \
    "@Get iface=org.freedesktop.DBus.Properties" sorg.dirtytrack1.Manager sVersion \
    "@Get iface=org.freedesktop.DBus.Properties" sorg.dirtytrack1.Manager sConfig \
    "@Get iface=org.freedesktop.DBus.Properties" sorg.dirtytrack1.Manager sNope \
    "@Get iface=org.freedesktop.DBus.Properties" sorg.example.Nope sVersion \
    "@Get iface=org.freedesktop.DBus.Properties" sorg.dirtytrack1.Manager \
    "@GetAll iface=org.freedesktop.DBus.Properties" sorg.dirtytrack1.Manager \
    "@Set iface=org.freedesktop.DBus.Properties" sorg.dirtytrack1.Manager sVersion v1.0 \
    "@Set iface=org.freedesktop.DBus.Properties" sorg.dirtytrack1.Manager sVersion s1.0 \
    "@Frob iface=org.freedesktop.DBus.Properties" \
    "@Ping iface=org.freedesktop.DBus.Peer" \
    "@GetMachineId iface=org.freedesktop.DBus.Peer" \
    "@Evaluate iface=org.example.Nope" "s$good" a \
    "@Evaluate path=/org/dirtytrack1/nope" "s$good" a \
    "@Evaluate iface=" "s$good" a \
    "@GetHostReport iface=" \
    @Nope
seed signatures \
    @Evaluate "s$good" \
    @Evaluate "s$good" a "s" \
    @Evaluate "s$good" "Arole" \
    @Filter "o/org/dirtytrack1" a \
    @HookEvent sx sstarted sbegin \
    @GetDeviceReport u3 \
    @GetDomainState i-1 @GetDomainState x9 @GetDomainState t9 @GetDomainState y1 \
    @GetDomainState b1 @GetDomainState d1.5 @GetDomainState vx @GetDomainState gs \
    @GetHostReport sx @RefreshHost sx
seed noreply-and-signals \
    "@Evaluate noreply" "s$good" a \
    "@HookEvent noreply" smlx5-vf sstarted sbegin "s$good" \
    "@RefreshHost noreply" "@GetHostReport noreply" "@Bogus noreply" \
    "@Introspect iface=org.freedesktop.DBus.Introspectable noreply" \
    "@Evaluate signal" "s$good" a \
    "@HostChanged signal" \
    "@GetDomainState after" smlx5-vf
seed busy "#busy" @Evaluate "s$good" a @Filter "s$good" a \
    @HookEvent smlx5-vf sstarted sbegin "s$good" @HookEvent smlx5-vf sstopped send s \
    @GetHostReport @RefreshHost @GetDomainState smlx5-vf
seed burst "#host=amd-hdsup" \
    @Evaluate "s$good" a @Evaluate "s$good" a @Evaluate "s$good" a @Evaluate "s$good" a \
    @Filter "s$good" a @Filter "s$good" aop=restore @RefreshHost @GetHostReport \
    @HookEvent smlx5-vf smigrate sbegin "s$good" @HookEvent smlx5-vf smigrate sbegin "s$good" \
    @GetDeviceReport s3b:00.1 @GetDomainState smlx5-vf
# tests/data/metadata holds <dirtytrack:dirtytrack> fragments: in a domain
for f in "$top"/tests/data/metadata/*.xml; do
    frag=$(cat "$f")
    xml=${good/<\/name>/<\/name><metadata>$frag<\/metadata>}
    seed "metadata-$(basename "$f" .xml)" "#host=${hosts[$((n % ${#hosts[@]}))]}" \
        @Evaluate "s$xml" a "@Filter as=group" "s$xml" aop=migrate \
        "@HookEvent after" smlx5-vf smigrate sbegin "s$xml"
    n=$((n + 1))
done
echo "$(ls "$out" | grep -c '^seed-') seeds in $out"
