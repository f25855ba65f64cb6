/* fuzz-vdb.c: the variant-driver database loader.
 *
 * The database ships with dirtytrack, but distributions and operators are
 * told to extend it, so a hand-edited file must be refused cleanly, never
 * crash the hook that loads it on every migration.  An accepted database is
 * queried the way the decision engine queries it.
 */
#include "config.h"

#include <string.h>

#include "dt-fuzz.h"
#include "model/dt-util.h"
#include "model/dt-vdb.h"

static const char *const kernels[] = { "6.1.0", "6.6.0", "6.12.0", "7.0.0", NULL };

int
dt_fuzz_vdb(const uint8_t *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DtVdb) db = dt_vdb_parse((const char *)data, size, &error);

    if (!db) {
        dt_fuzz_check(error != NULL && error->domain == DT_ERROR && error->message != NULL);
        return 0;
    }
    dt_fuzz_check(error == NULL);
    for (guint i = 0; i < dt_vdb_size(db); i++) {
        const DtVdbEntry *e = dt_vdb_get(db, i);

        dt_fuzz_check(e != NULL && e->driver != NULL && e->ids != NULL);
        /* the first entry of a name is the one lookups find */
        dt_fuzz_check(dt_vdb_find_driver(db, e->driver) != NULL);
        for (guint j = 0; j < e->ids->len; j++) {
            const DtVdbId *id = &g_array_index(e->ids, DtVdbId, j);
            (void)dt_vdb_find_device(db, id->vendor, id->device);
        }
        for (guint k = 0; kernels[k]; k++) {
            DtVersion v;
            guint32 flags;

            dt_fuzz_check(dt_version_parse(kernels[k], &v));
            flags = dt_vdb_entry_flags_on(e, &v);
            dt_fuzz_check((flags & ~(DT_MIG_STOP_COPY | DT_MIG_P2P | DT_MIG_PRE_COPY)) == 0);
            (void)dt_vdb_entry_logs_on(e, &v);
        }
    }
    return 0;
}

DT_FUZZ_ENTRY(dt_fuzz_vdb)
