/* dt-report.h: renders decisions and host checks for people (text, colour
 * on a TTY only) and for programs (JSON per the documented contract, XML
 * per schemas/report.rng).  Keys and codes are stable and untranslated;
 * messages are translated.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include "model/dt-model.h"
#include "decide/dt-hostcheck.h"

G_BEGIN_DECLS

char *dt_report_decision_text(const DtDecision *d, const DtDomain *dom, gboolean color);
char *dt_report_decision_json(const DtDecision *d, const DtDomain *dom);
char *dt_report_decision_xml(const DtDecision *d, const DtDomain *dom);
char *dt_report_explain_text(const DtDecision *d, const DtDomain *dom, gboolean color);
char *dt_report_host_text(const DtHost *h, GPtrArray *checks, gboolean color);
char *dt_report_host_json(const DtHost *h, GPtrArray *checks);

/* JSON pieces every JSON writer of the project shares (reports, the probe
 * helper, the daemon), so one fact is spelled one way everywhere. */
void dt_json_add_string(JsonBuilder *b, const char *key, const char *value);  /* null if NULL */
void dt_json_add_uint(JsonBuilder *b, const char *key, guint64 value);   /* at most G_MAXINT64 */
void dt_json_add_int(JsonBuilder *b, const char *key, gint64 value);
void dt_json_add_bool(JsonBuilder *b, const char *key, gboolean value);
void dt_json_add_tri(JsonBuilder *b, const char *key, DtTri value);    /* null if unknown */
/* A reason, as an array element: the one shape of a reason in the
 * decision report, the probe helper's dry run and the daemon's domain
 * state (docs/report-format.md); dt_json_add_reasons adds the array. */
void dt_json_add_reason(JsonBuilder *b, const DtReason *r);
void dt_json_add_reasons(JsonBuilder *b, GPtrArray *reasons);
void dt_json_add_fact(JsonBuilder *b, const char *key, DtFact f);   /* {supported, source} */
void dt_json_add_mig_flags(JsonBuilder *b, const char *key, guint32 flags);  /* ["stop-copy",...] */
void dt_json_add_iommu(JsonBuilder *b, const DtIommu *u);           /* one array element */
/* The members "host" {sysroot, kernel, arch, page_size, dev_iommu,
 * dev_vfio_container, vfio_cdev} and "iommus" [...] of the host report,
 * which dirtytrack-probe's report shares. */
void dt_json_add_host(JsonBuilder *b, const DtHost *h);
/* A PCI function's facts, as members of the object the caller opened: the
 * one shape of a device in the host report, the probe helper's report and
 * the daemon's GetDeviceReport (docs/report-format.md). */
void dt_json_add_pcidev(JsonBuilder *b, const DtPciDev *d);
void dt_json_add_check(JsonBuilder *b, const DtCheck *c);           /* one array element */

/* The inverse of dt_report_decision_json (for reports that came from the
 * daemon): a decision and a domain holding name and uuid.  Unknown values
 * are errors (DT_ERROR_INVALID_INPUT). */
DtDecision *dt_report_decision_from_json(const char *json, DtDomain **domain, GError **error);

G_END_DECLS
