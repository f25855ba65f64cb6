# qemu-conf.sh: the qemu.conf of a private libvirtd in the tests, for
# POSIX sh (the truth lane's L1 guest runs it under busybox) and bash
# (tests/libvirt/harness.sh).  Sourced; defines one function.
#
# lv_qemu_conf FILE PORT_MIN: QEMU runs as root without a security driver,
# cgroups or namespaces of its own (the test's libvirtd is no system
# service and may not touch the host's), and incoming migrations use the
# 100 ports from PORT_MIN, so that two libvirtds of one machine never
# offer the same port.
lv_qemu_conf() {
    cat >"$1" <<EOC
stdio_handler = "file"
security_driver = "none"
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
cgroup_controllers = [ ]
namespaces = [ ]
migration_port_min = $2
migration_port_max = $(($2 + 99))
EOC
}
