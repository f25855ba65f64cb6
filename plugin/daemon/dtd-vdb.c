/* dtd-vdb.c: the variant-driver database's lifetime in dirtytrackd.
 *
 * The daemon loads the database once and watches its file: a call that
 * finds the file changed (a package update) loads it again before it
 * evaluates.  Workers and the tuning thread hold the database in force by
 * reference (DtdVdbRef), so the main thread can install a new one while
 * they still evaluate with the old one.  Each load has its own generation,
 * which the decision cache records to tell answers of an older database.
 */
#include "config.h"

#include "daemon/dtd.h"

/* Where dt_vdb_load_default() looks, so that the daemon can watch the file
 * it loads: $DIRTYTRACK_DATADIR, else the source tree when uninstalled,
 * else $(pkgdatadir). */
static char *
vdb_default_path(void)
{
    const char *dir = g_getenv("DIRTYTRACK_DATADIR");
    g_autofree char *uninstalled = NULL;

    if (dir && *dir)
        return g_build_filename(dir, "variant-drivers.xml", NULL);
    uninstalled = g_build_filename(ABS_TOP_SRCDIR, "data", "variant-drivers.xml", NULL);
    if (g_file_test(uninstalled, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer(&uninstalled);
    return g_strdup(PKGDATADIR "/variant-drivers.xml");
}

static void
vdb_install(DtdDaemon *d, DtVdb *vdb)
{
    DtdVdbRef *r = g_new0(DtdVdbRef, 1);
    DtdVdbRef *old;

    r->ref = 1;
    r->vdb = vdb;
    r->gen = dtd_serial_next();
    g_mutex_lock(&d->vdb_lock);
    old = d->vdb_ref;
    d->vdb_ref = r;
    d->vdb = vdb;
    g_mutex_unlock(&d->vdb_lock);
    if (old)
        dtd_vdb_unref(old);
}

gboolean
dtd_vdb_load(DtdDaemon *d, GError **error)
{
    DtVdb *vdb;

    g_free(d->vdb_path);
    d->vdb_path = vdb_default_path();
    /* the identity first: a change while loading shows next time */
    dtd_file_id_free(d->vdb_id);
    d->vdb_id = dtd_file_id_new(d->vdb_path, DTD_ID_FILE);
    vdb = dt_vdb_load(d->vdb_path, error);
    if (!vdb)
        return FALSE;
    vdb_install(d, vdb);
    return TRUE;
}

void
dtd_vdb_clear(DtdDaemon *d)
{
    if (d->vdb_ref) {
        dtd_vdb_unref(d->vdb_ref);
        d->vdb_ref = NULL;
        d->vdb = NULL;
    }
    g_clear_pointer(&d->vdb_id, dtd_file_id_free);
    g_clear_pointer(&d->vdb_path, g_free);
}

DtVdb *
dtd_vdb_current(DtdDaemon *d)
{
    g_autoptr(GError) error = NULL;
    DtVdb *vdb;

    if (!d->vdb_id || dtd_file_id_unchanged(d->vdb_id))
        return d->vdb;
    dtd_file_id_free(d->vdb_id);
    d->vdb_id = dtd_file_id_new(d->vdb_path, DTD_ID_FILE);
    vdb = dt_vdb_load(d->vdb_path, &error);
    if (!vdb) {
        /* keep the one in force; the next change of the file is tried again */
        g_warning("Variant-driver database %s changed but cannot be read, keeping the "
                  "previous one: %s", d->vdb_path, error ? error->message : "");
        return d->vdb;
    }
    g_message("Variant-driver database %s changed: reloaded", d->vdb_path);
    vdb_install(d, vdb);
    return d->vdb;
}

/* Which database is in force: its load's number, 0 for one that is not
 * watched (set by whoever built the DtdDaemon) and so never changes. */
guint64
dtd_vdb_gen(const DtdDaemon *d)
{
    return d->vdb_ref ? d->vdb_ref->gen : 0;
}

DtdVdbRef *
dtd_vdb_ref(DtdDaemon *d)
{
    DtdVdbRef *r;

    g_mutex_lock(&d->vdb_lock);
    r = d->vdb_ref;
    if (r)
        g_atomic_int_inc(&r->ref);
    g_mutex_unlock(&d->vdb_lock);
    return r;
}

void
dtd_vdb_unref(DtdVdbRef *r)
{
    if (!r || !g_atomic_int_dec_and_test(&r->ref))
        return;
    dt_vdb_free(r->vdb);
    g_free(r);
}
