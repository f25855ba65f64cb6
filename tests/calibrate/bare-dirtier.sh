# bare-dirtier.sh: bare_dirtier_build OUT builds tests/calibrate/bare-dirtier.c
# (a 32-bit freestanding Multiboot ELF, linked with bare-dirtier.ld) with
# the host's gcc into OUT; on failure gcc's complaint is on stderr.  Sourced
# by tests/calibrate.sh and tests/bare-dirtier-boot.sh; needs top_srcdir.
bare_dirtier_build() {
    gcc -m32 -march=i686 -O2 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
        -fno-asynchronous-unwind-tables -nostdlib -static -no-pie \
        -Wl,-melf_i386 -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
        -Wl,-T,"$top_srcdir/tests/calibrate/bare-dirtier.ld" \
        -o "$1" "$top_srcdir/tests/calibrate/bare-dirtier.c"
}
