/* dt-dbus-api.h: the names of dirtytrackd's D-Bus API, shared by the
 * daemon, the hook and the CLI.  These are stable identifiers: never
 * translate or rename them; add a new versioned interface instead.
 *
 * Manager interface (object DT_DBUS_PATH):
 *   Evaluate(s domain_xml, a{ss} options) -> (s verdict, s mode, s report_json)
 *       options: "role" = "source"|"destination", "qemu-version",
 *       "libvirt-version".  report_json is the `dirtytrack check --format
 *       json` document.
 *   Filter(s domain_xml, a{ss} options) -> (s verdict, s report_json, s new_xml)
 *       what the hook's migrate/restore filter needs: the evaluation and
 *       the domain XML with this host's VF policy and metadata applied
 *       (new_xml "" = unchanged).  options as Evaluate, plus "op" =
 *       "migrate"|"restore".
 *   HookEvent(s domain_name, s op, s subop, s domain_xml) -> ()
 *       lifecycle publication from the hook (started, stopped, ...).
 */
#pragma once

#define DT_DBUS_NAME            "org.dirtytrack1"
#define DT_DBUS_PATH            "/org/dirtytrack1"
#define DT_DBUS_MANAGER_IFACE   "org.dirtytrack1.Manager"
#define DT_DBUS_ERROR_PREFIX    "org.dirtytrack1.Error"
