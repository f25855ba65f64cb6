/* PLACEHOLDER: replaced by the module's real implementation. */
#include "config.h"
#include "dt-hostcheck.h"
const char *dt_check_status_to_string(DtCheckStatus s) { return "NOTE"; }
GPtrArray *dt_host_checks(const DtHost *host, const DtVdb *vdb) { return g_ptr_array_new(); }
void dt_check_free(DtCheck *c) {}
