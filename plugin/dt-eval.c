/* PLACEHOLDER: replaced by the module's real implementation. */
#include "config.h"
#include "dt-eval.h"
DtEvaluation *dt_evaluate(const char *xml, gsize len, const DtEvalOptions *opts, GError **error) { return NULL; }
void dt_evaluation_free(DtEvaluation *e) {}
