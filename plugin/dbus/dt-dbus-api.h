/* dt-dbus-api.h: the names of dirtytrackd's D-Bus API, shared by the
 * daemon, the hook and the CLI.  These are stable identifiers: never
 * translate or rename them; add a new versioned interface instead.
 *
 * Manager interface (object DT_DBUS_PATH):
 *   Evaluate(s domain_xml, a{ss} options)
 *       -> (s verdict, s mode, s report_json, a(ssss) reasons)
 *       options: "role" = "source"|"destination", "qemu-version",
 *       "libvirt-version", "op" (the asking hook operation, informational).
 *       report_json is the `dirtytrack check --format json` document;
 *       reasons its reasons as (code, severity, device or "", message).
 *   Filter(s domain_xml, a{ss} options)
 *       -> (s verdict, s report_json, s new_xml, s mode, a(ssss) reasons)
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

/* Further Manager methods (docs/dbus-api.md has signatures and errors):
 *   GetHostReport() -> (s report_json)      cached between probes
 *   RefreshHost() -> ()                     privileged: probe again now
 *   GetDeviceReport(s pci_address) -> (s report_json)
 *   GetDomainState(s domain_name) -> (s state_json)
 * Signals: HostChanged(), MigrationGated(s domain_name, s verdict, s reasons_json)
 * Properties: Version (s), ApiVersion (u), Config (a{ss}) */
/* ApiVersion: the version of the JSON documents the methods and signals
 * carry and of the results appended to methods (docs/dbus-api.md
 * "Versions").  1: up to 0.x, GetDeviceReport in its own kebab-case keys;
 * 2: GetDeviceReport in the host report's device shape (snake_case keys,
 * facts as {supported, source}); 3: Evaluate and Filter append the
 * verdict, mode and reasons as D-Bus types. */
#define DT_DBUS_PROP_API_VERSION        "ApiVersion"
#define DT_DBUS_API_VERSION             3

#define DT_DBUS_SIGNAL_HOST_CHANGED     "HostChanged"
#define DT_DBUS_SIGNAL_MIGRATION_GATED  "MigrationGated"

/* Error names: DT_DBUS_ERROR_PREFIX "." one of these, one per DtErrorCode. */
#define DT_DBUS_ERROR_FAILED            DT_DBUS_ERROR_PREFIX ".Failed"
#define DT_DBUS_ERROR_INVALID_ARGS      DT_DBUS_ERROR_PREFIX ".InvalidArgs"
#define DT_DBUS_ERROR_NOT_FOUND         DT_DBUS_ERROR_PREFIX ".NotFound"
#define DT_DBUS_ERROR_BUSY              DT_DBUS_ERROR_PREFIX ".Busy"
#define DT_DBUS_ERROR_PERMISSION_DENIED DT_DBUS_ERROR_PREFIX ".PermissionDenied"
#define DT_DBUS_ERROR_IO                DT_DBUS_ERROR_PREFIX ".IO"
#define DT_DBUS_ERROR_TIMEOUT           DT_DBUS_ERROR_PREFIX ".Timeout"
#define DT_DBUS_ERROR_NOT_SUPPORTED     DT_DBUS_ERROR_PREFIX ".NotSupported"

/* Limits the daemon enforces on arguments (callers should too).  A domain
 * XML has one limit on every path, DT_XML_MAX_BYTES (dt-xml.h): the bus
 * carries it (dbus-daemon's default max_message_size is 32 MiB). */
#define DT_DBUS_MAX_NAME_BYTES    256u
#define DT_DBUS_MAX_OPTIONS       16u
#define DT_DBUS_MAX_OPTION_BYTES  64u
