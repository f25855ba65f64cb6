#!/bin/bash
# demo.sh: install the build dependencies, build dirtytrack, and run the
# main job on the bundled sample: a fixture host (tests/data/hosts) and a
# domain XML (tests/data/domains).  Run as root on Debian 12.
set -eu
cd "$(dirname "$0")/.."
. tools/deps.sh
dt_install $DT_BUILD_DEPS

[ -x configure ] || autoreconf -fi
mkdir -p _build
cd _build
[ -f Makefile ] || ../configure -q
make -j"$(nproc)" -s
cd ..

DT=_build/plugin/dirtytrack
export DIRTYTRACK_DATADIR="$PWD/data" DIRTYTRACK_CONFIG=/nonexistent

run() {
    echo
    echo "\$ dirtytrack $*"
    "$DT" "$@" || echo "(exit status $?: 0 allow, 1 warn, 2 deny)"
}

# The host: Intel VT-d with dirty tracking, kernel 6.12, ConnectX-7 VFs.
run host --sysroot tests/data/hosts/intel-dirty
# A VM with one mlx5 VF on that host with QEMU 9.1 / libvirt 10.0: device tracking.
run check --sysroot tests/data/hosts/intel-dirty --qemu-version 9.1.0 --libvirt-version 10.0.0 \
    tests/data/domains/mlx5-vf.xml
# The same VM on stock Debian 12 (kernel 6.1, QEMU 7.2, libvirt 9.0): denied.
run check --sysroot tests/data/hosts/debian12 --qemu-version 7.2.22 --libvirt-version 9.0.0 \
    tests/data/domains/mlx5-vf.xml
exit 0
