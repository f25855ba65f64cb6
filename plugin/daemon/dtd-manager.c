/* dtd-manager.c: the org.dirtytrack1.Manager interface of dirtytrackd.
 *
 * The method table (which also yields the introspection data and the
 * signature checks, dtbus-object.c), the properties, the authorizer of the
 * privileged methods, and each method's dispatch: its arguments checked
 * on the main thread (dtd-args.c), then answered at once from what the
 * daemon holds (the host snapshot, dtd-host.c; the decision cache,
 * dtd-eval.c; the domains' state, dtd-domains.c) or queued as a job
 * (dtd-jobs.c).  The concerns behind it have their own modules; this one
 * only says which method goes where.
 */
#include "config.h"

#include <inttypes.h>

#include <grp.h>
#include <pwd.h>
#include <string.h>

#include "dbus/dt-dbus-api.h"
#include "model/dt-util.h"
#include "dbus/dtbus.h"
#include "daemon/dtd.h"

/* ---- method handlers -------------------------------------------------------------- */

static DBusMessage *
evaluate_common(DtdDaemon *d, DBusMessage *msg, const DtbusCaller *caller, DtdJobKind kind)
{
    g_autoptr(DtdJob) job = dtd_eval_job_new(d, kind, msg, caller);
    g_autoptr(GError) error = NULL;
    DBusMessageIter iter;
    const char *xml;

    /* a caller over its share is told so before its XML is even read */
    if (dtd_jobs_share_used_up(d, job))
        return dtd_jobs_busy_reply(d, msg, TRUE);
    dbus_message_iter_init(msg, &iter);
    dbus_message_iter_get_basic(&iter, &xml);
    dbus_message_iter_next(&iter);
    job->args.role = kind == DTD_JOB_FILTER ? DT_ROLE_DESTINATION : DT_ROLE_SOURCE;
    if (!dtd_args_check_xml(xml, &error) ||
        !dtd_args_parse_options(&iter, kind == DTD_JOB_FILTER, &job->args, &error))
        return dtd_error_reply(msg, error);
    if (kind == DTD_JOB_FILTER && !job->args.op)
        job->args.op = g_strdup("migrate");
    job->xml_len = strlen(xml);
    if (kind == DTD_JOB_EVALUATE) {
        DBusMessage *reply = dtd_eval_cached_reply(d, job, xml);

        if (reply)
            return reply;
    }
    job->xml = g_strndup(xml, job->xml_len);
    return dtd_jobs_submit(d, g_steal_pointer(&job));
}

static DBusMessage *
method_evaluate(DBusConnection *conn, DBusMessage *msg, const DtbusCaller *caller, gpointer data)
{
    return evaluate_common(data, msg, caller, DTD_JOB_EVALUATE);
}

static DBusMessage *
method_filter(DBusConnection *conn, DBusMessage *msg, const DtbusCaller *caller, gpointer data)
{
    return evaluate_common(data, msg, caller, DTD_JOB_FILTER);
}

static DBusMessage *
method_hook_event(DBusConnection *conn, DBusMessage *msg, const DtbusCaller *caller,
                  gpointer data)
{
    DtdDaemon *d = data;
    g_autoptr(DtdJob) job = dtd_eval_job_new(d, DTD_JOB_HOOK_EVENT, msg, caller);
    g_autoptr(GError) error = NULL;
    const char *name, *op, *subop, *xml;
    DBusMessage *reply;

    dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING, &op,
                          DBUS_TYPE_STRING, &subop, DBUS_TYPE_STRING, &xml, DBUS_TYPE_INVALID);
    if (!dtd_args_check_domain_name(name, &error))
        return dtd_error_reply(msg, error);
    if (!dtd_args_is_hook_op(op)) {
        g_autofree char *q = dtd_quote(op);

        return dtd_error_reply_code(msg, DT_ERROR_INVALID_INPUT, _("Unknown hook operation '%s'"),
                                    q);
    }
    if (!dtd_args_is_hook_subop(subop)) {
        g_autofree char *q = dtd_quote(subop);

        return dtd_error_reply_code(msg, DT_ERROR_INVALID_INPUT,
                                    _("Unknown hook sub-operation '%s'"), q);
    }
    job->name = g_strdup(name);
    job->args.op = g_strdup(op);
    job->subop = g_strdup(subop);
    /* stopped/release describe a domain that is going away: nothing to evaluate */
    job->evaluate = xml[0] != '\0' && !g_str_equal(op, "stopped") && !g_str_equal(op, "release");
    if (job->evaluate) {
        if (!dtd_args_check_xml(xml, &error))
            return dtd_error_reply(msg, error);
        job->args.role = g_str_equal(op, "migrate") || g_str_equal(op, "restore")
                             ? DT_ROLE_DESTINATION
                             : DT_ROLE_SOURCE;
        job->xml_len = strlen(xml);
        job->xml = g_strndup(xml, job->xml_len);
    }
    /* until the reply is sent, libvirt holds the domain for its hook: no
     * libvirt call for it may start (dtd-tune.c) */
    dtd_tune_hook_begin(d, name);
    reply = dtd_jobs_submit(d, g_steal_pointer(&job));
    if (reply)
        dtd_tune_hook_end(d, name);
    return reply;
}

static DBusMessage *
method_get_host_report(DBusConnection *conn, DBusMessage *msg, const DtbusCaller *caller,
                       gpointer data)
{
    return dtd_host_report_reply(data, msg);
}

static DBusMessage *
method_refresh_host(DBusConnection *conn, DBusMessage *msg, const DtbusCaller *caller,
                    gpointer data)
{
    return dtd_host_refresh_reply(data, msg);
}

static DBusMessage *
method_get_device_report(DBusConnection *conn, DBusMessage *msg, const DtbusCaller *caller,
                         gpointer data)
{
    const char *s;
    DtPciAddr addr;

    dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &s, DBUS_TYPE_INVALID);
    if (!dt_pci_addr_parse(s, &addr)) {
        g_autofree char *q = dtd_quote(s);

        return dtd_error_reply_code(msg, DT_ERROR_INVALID_INPUT,
                                    _("Not a PCI address (DDDD:BB:SS.F): '%s'"), q);
    }
    return dtd_host_device_reply(data, msg, &addr);
}

static DBusMessage *
method_get_domain_state(DBusConnection *conn, DBusMessage *msg, const DtbusCaller *caller,
                        gpointer data)
{
    DtdDaemon *d = data;
    g_autoptr(GError) error = NULL;
    g_autofree char *json = NULL;
    const DtdDomainState *s;
    const char *name;
    DBusMessage *reply;

    dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID);
    if (!dtd_args_check_domain_name(name, &error))
        return dtd_error_reply(msg, error);
    s = dtd_domains_get(d, name, FALSE);
    if (!s)
        return dtd_error_reply_code(msg, DT_ERROR_NOT_FOUND,
                                    _("No state for domain '%s': no hook or libvirt event seen"),
                                    name);
    json = dtd_domains_state_json(d, s);
    reply = dbus_message_new_method_return(msg);
    dbus_message_append_args(reply, DBUS_TYPE_STRING, &json, DBUS_TYPE_INVALID);
    return reply;
}

/* ---- properties --------------------------------------------------------------- */

static gboolean
property_version(DBusMessageIter *iter, gpointer data)
{
    const char *v = PACKAGE_VERSION;

    return dbus_message_iter_append_basic(iter, DBUS_TYPE_STRING, &v);
}

static gboolean
property_api_version(DBusMessageIter *iter, gpointer data)
{
    dbus_uint32_t v = DT_DBUS_API_VERSION;

    return dbus_message_iter_append_basic(iter, DBUS_TYPE_UINT32, &v);
}

static void
append_entry(DBusMessageIter *dict, const char *key, const char *value)
{
    DBusMessageIter entry;

    dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
    dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key);
    dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &value);
    dbus_message_iter_close_container(dict, &entry);
}

static void
append_u64_entry(DBusMessageIter *dict, const char *key, guint64 value)
{
    g_autofree char *s = g_strdup_printf("%" PRIu64, value);

    append_entry(dict, key, s);
}

static gboolean
property_config(DBusMessageIter *iter, gpointer data)
{
    DtdDaemon *d = data;
    const DtPolicy *p = &d->config->policy;
    DBusMessageIter dict;

    if (!dbus_message_iter_open_container(iter, DBUS_TYPE_ARRAY, "{ss}", &dict))
        return FALSE;
    append_entry(&dict, "config-file", d->config->path ? d->config->path : "");
    append_entry(&dict, "sysroot", d->sysroot ? d->sysroot : "/");
    append_u64_entry(&dict, "threads", d->threads);
    append_entry(&dict, "group", d->group ? d->group : "");
    append_entry(&dict, "policy.require-migratable", p->require_migratable ? "yes" : "no");
    append_entry(&dict, "policy.perpetual", dt_perpetual_to_string(p->perpetual));
    append_entry(&dict, "policy.prefer", dt_prefer_to_string(p->prefer));
    append_u64_entry(&dict, "policy.max-downtime-ms", p->max_downtime_ms);
    append_u64_entry(&dict, "policy.bandwidth-mib-s", p->bandwidth_mib_s);
    append_u64_entry(&dict, "policy.dirty-rate-mib-s", p->dirty_rate_mib_s);
    append_u64_entry(&dict, "hook.deadline-ms", d->config->hook_deadline_ms);
    append_entry(&dict, "hook.on-timeout", d->config->hook_fail_open ? "allow" : "deny");
    append_entry(&dict, "hook.use-daemon", d->config->hook_use_daemon ? "yes" : "no");
    append_entry(&dict, "hook.gate-start", d->config->gate_start ? "yes" : "no");
    append_entry(&dict, "qemu.binary", d->config->qemu_binary ? d->config->qemu_binary : "");
    append_entry(&dict, "qemu.trusted", d->config->qemu_trusted ? d->config->qemu_trusted : "");
    return dbus_message_iter_close_container(iter, &dict);
}

/* ---- the table ------------------------------------------------------------------- */

static const DtbusMethod manager_methods[] = {
    { "Evaluate", method_evaluate,
      DTBUS_ARGS({ "domain_xml", "s" }, { "options", "a{ss}" }),
      DTBUS_ARGS({ "verdict", "s" }, { "mode", "s" }, { "report_json", "s" },
                 { "reasons", "a(ssss)" }),
      DTBUS_METHOD_FLAG_ASYNC | DTBUS_METHOD_FLAG_CALLER },
    { "Filter", method_filter,
      DTBUS_ARGS({ "domain_xml", "s" }, { "options", "a{ss}" }),
      DTBUS_ARGS({ "verdict", "s" }, { "report_json", "s" }, { "new_xml", "s" }, { "mode", "s" },
                 { "reasons", "a(ssss)" }),
      DTBUS_METHOD_FLAG_ASYNC | DTBUS_METHOD_FLAG_CALLER },
    { "HookEvent", method_hook_event,
      DTBUS_ARGS({ "domain_name", "s" }, { "op", "s" }, { "subop", "s" }, { "domain_xml", "s" }),
      NULL,
      DTBUS_METHOD_FLAG_ASYNC | DTBUS_METHOD_FLAG_PRIVILEGED },
    { "GetHostReport", method_get_host_report,
      NULL,
      DTBUS_ARGS({ "report_json", "s" }),
      DTBUS_METHOD_FLAG_ASYNC },
    { "RefreshHost", method_refresh_host,
      NULL, NULL,
      DTBUS_METHOD_FLAG_ASYNC | DTBUS_METHOD_FLAG_PRIVILEGED },
    { "GetDeviceReport", method_get_device_report,
      DTBUS_ARGS({ "pci_address", "s" }),
      DTBUS_ARGS({ "report_json", "s" }),
      DTBUS_METHOD_FLAG_ASYNC },
    { "GetDomainState", method_get_domain_state,
      DTBUS_ARGS({ "domain_name", "s" }),
      DTBUS_ARGS({ "state_json", "s" }),
      0 },
    { NULL },
};

static const DtbusSignal manager_signals[] = {
    { DT_DBUS_SIGNAL_HOST_CHANGED, NULL },
    { DT_DBUS_SIGNAL_MIGRATION_GATED,
      DTBUS_ARGS({ "domain_name", "s" }, { "verdict", "s" }, { "reasons_json", "s" }) },
    { DTD_SIGNAL_MIGRATION_TUNED,
      DTBUS_ARGS({ "domain_name", "s" }, { "action", "s" }, { "detail", "s" }) },
    { DTD_SIGNAL_MIGRATION_ABORTED,
      DTBUS_ARGS({ "domain_name", "s" }, { "code", "s" }, { "message", "s" }) },
    { NULL },
};

static const DtbusProperty manager_properties[] = {
    { "Version", "s", property_version, DTBUS_PROPERTY_FLAG_CONST },
    { DT_DBUS_PROP_API_VERSION, "u", property_api_version, DTBUS_PROPERTY_FLAG_CONST },
    { "Config", "a{ss}", property_config, DTBUS_PROPERTY_FLAG_CONST },
    { NULL },
};

gboolean
dtd_authorize(guint32 uid, const guint32 *gids, guint n_gids, gpointer user_data)
{
    DtdDaemon *d = user_data;
    struct passwd pw, *res = NULL;
    char buf[4096];
    gid_t groups[256];
    int ngroups = G_N_ELEMENTS(groups);

    /* root, and the daemon's own user (it could ptrace us anyway) */
    if (uid == 0 || uid == d->self_uid)
        return TRUE;
    if (!d->have_gid)
        return FALSE;
    /* The groups the caller really has (what the bus policy judged) win
     * over what the user database says it could have. */
    if (gids) {
        for (guint i = 0; i < n_gids; i++)
            if (gids[i] == d->gid)
                return TRUE;
        return FALSE;
    }
    if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || !res)
        return FALSE;
    if (pw.pw_gid == d->gid)
        return TRUE;
    if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &ngroups) < 0)
        return FALSE;
    for (int i = 0; i < ngroups; i++)
        if (groups[i] == d->gid)
            return TRUE;
    return FALSE;
}

gboolean
dtd_manager_register(DtdDaemon *d)
{
    dtd_host_init(d);
    dtd_domains_init(d);
    if (!d->cache)
        d->cache = dtd_cache_new(DTD_CACHE_ENTRIES, DTD_CACHE_BYTES);
    if (!d->observed)
        d->observed = dtd_observed_new();
    dtd_jobs_init(d);
    dtbus_set_authorizer(d->conn, dtd_authorize, DT_DBUS_ERROR_PERMISSION_DENIED, d);
    return dtbus_register_interface(d->conn, DT_DBUS_PATH, DT_DBUS_MANAGER_IFACE,
                                    manager_methods, manager_signals, manager_properties, d);
}
