/* dt-hostcheck.h: the host readiness checks behind `dirtytrack host`, in
 * the style of virt-host-validate: one line per check, PASS/WARN/FAIL/NOTE
 * with a hint.  Pure over DtHost and the driver database.
 */
#pragma once

#include <glib.h>
#include "model/dt-model.h"
#include "model/dt-vdb.h"

G_BEGIN_DECLS

typedef enum {
    DT_CHECK_PASS,
    DT_CHECK_WARN,
    DT_CHECK_FAIL,
    DT_CHECK_NOTE,
} DtCheckStatus;

typedef struct {
    char *id;            /* stable: "iommu-present", "iommu-dirty:dmar0", "device:0000:06:00.1" */
    DtCheckStatus status;
    char *title;         /* translated: "Checking for IOMMU dirty tracking (dmar0)" */
    char *result;        /* translated short result: "yes", "no (ECAP.SLADS=0)" */
    char *hint;          /* translated, NULL on PASS */
    char *device;        /* PCI address or NULL */
    DtSource source;
} DtCheck;

const char *dt_hostcheck_status_to_string(DtCheckStatus s);  /* "PASS" ... */
GPtrArray *dt_hostcheck_run(const DtHost *host, const DtVdb *vdb);   /* DtCheck* */
void dt_hostcheck_free(DtCheck *c);

G_END_DECLS
