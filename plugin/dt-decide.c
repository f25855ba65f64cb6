/* PLACEHOLDER: replaced by the module's real implementation. */
#include "config.h"
#include "dt-decide.h"
DtDecision *dt_decide(const DtDecideInput *in) { return dt_decision_new(); }
