/* dt-report.h: renders decisions and host checks for people (text, colour
 * on a TTY only) and for programs (JSON per the documented contract, XML
 * per schemas/report.rng).  Keys and codes are stable and untranslated;
 * messages are translated.
 */
#pragma once

#include <glib.h>
#include "dt-model.h"
#include "dt-hostcheck.h"

G_BEGIN_DECLS

char *dt_report_decision_text(const DtDecision *d, const DtDomain *dom, gboolean color);
char *dt_report_decision_json(const DtDecision *d, const DtDomain *dom);
char *dt_report_decision_xml(const DtDecision *d, const DtDomain *dom);
char *dt_report_explain_text(const DtDecision *d, const DtDomain *dom, gboolean color);
char *dt_report_host_text(const DtHost *h, GPtrArray *checks, gboolean color);
char *dt_report_host_json(const DtHost *h, GPtrArray *checks);

G_END_DECLS
