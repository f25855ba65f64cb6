/* PLACEHOLDER: replaced by the module's real implementation. */
#include "config.h"
#include "dt-report.h"
char *dt_report_decision_text(const DtDecision *d, const DtDomain *dom, gboolean color) { return g_strdup(""); }
char *dt_report_decision_json(const DtDecision *d, const DtDomain *dom) { return g_strdup(""); }
char *dt_report_decision_xml(const DtDecision *d, const DtDomain *dom) { return g_strdup(""); }
char *dt_report_explain_text(const DtDecision *d, const DtDomain *dom, gboolean color) { return g_strdup(""); }
char *dt_report_host_text(const DtHost *h, GPtrArray *checks, gboolean color) { return g_strdup(""); }
char *dt_report_host_json(const DtHost *h, GPtrArray *checks) { return g_strdup(""); }
