/* hook-fake-daemon: a stand-in for dirtytrackd on a private bus, for the
 * hook's deadline tests.  It owns org.dirtytrack1 and then, by mode:
 *   hang     reads method calls and never answers (a stuck daemon);
 *   stopped  owns the name and never reads its socket at all;
 *   deny     answers Filter/Evaluate with a denial carrying one reason,
 *            so the test can see a daemon verdict reach stderr;
 *   allow    answers with an allow that has a note (severity info) and a
 *            warning and, for Filter, a fixed new definition;
 *   record   answers nothing but appends each HookEvent's op to FILE.
 * Except when it hangs it answers Properties.Get with a Config whose
 * "sysroot" is its $DIRTYTRACK_SYSROOT (or /), as dirtytrackd does: the
 * hook asks about a sysroot only a daemon that evaluates the same one.
 * It prints "ready" on stdout once the name is owned, so the test knows
 * when the hook may run.  Usage: hook-fake-daemon ADDRESS MODE [FILE]
 *
 * The answers carry the verdict, mode and reasons as D-Bus types (API
 * version 3) and a report JSON whose reasons are other ones
 * ("fake-daemon-json-only"): the hook reads the typed results, and a test
 * that finds the JSON's reason on its stderr catches a hook that reads the
 * report instead.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dbus/dbus.h>
#include <glib.h>

#include "dbus/dt-dbus-api.h"

/* A reason as the typed results carry it: code, severity, device, message. */
typedef struct {
    const char *code, *severity, *device, *message;
} FakeReason;

static const FakeReason deny_reasons[] = {
    { "fake-daemon-deny", "error", "0000:3b:00.1", "the fake daemon refuses every domain" },
};
static const FakeReason allow_reasons[] = {
    { "fake-daemon-note", "info", "", "the fake daemon allows every domain" },
    { "fake-daemon-warning", "warning", "", "the fake daemon warns about every domain" },
};

/* What a hook that reads the report instead of the typed results would see. */
static const char deny_json[] =
    "{\"verdict\":\"deny\",\"mode\":\"none\",\"reasons\":[{\"code\":\"fake-daemon-json-only\","
    "\"severity\":\"error\",\"device\":null,"
    "\"message\":\"read from the report, not from the typed results\"}]}";

static const char allow_json[] =
    "{\"verdict\":\"allow\",\"mode\":\"device\",\"reasons\":[{\"code\":\"fake-daemon-json-only\","
    "\"severity\":\"warning\",\"device\":null,"
    "\"message\":\"read from the report, not from the typed results\"}]}";
static const char allow_xml[] = "<domain type='kvm'><name>fake-daemon-allowed</name></domain>\n";

/* Properties.Get(Manager, Config): like dirtytrackd, a{ss} whose "sysroot"
 * is the root it evaluates: $DIRTYTRACK_SYSROOT of its environment, or /. */
static void
answer_config(DBusConnection *c, DBusMessage *call)
{
    DBusMessage *reply = dbus_message_new_method_return(call);
    DBusMessageIter it, var, dict, entry;
    const char *key = "sysroot";
    const char *root = getenv("DIRTYTRACK_SYSROOT");

    if (!root || !*root)
        root = "/";
    dbus_message_iter_init_append(reply, &it);
    dbus_message_iter_open_container(&it, DBUS_TYPE_VARIANT, "a{ss}", &var);
    dbus_message_iter_open_container(&var, DBUS_TYPE_ARRAY, "{ss}", &dict);
    dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
    dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &key);
    dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &root);
    dbus_message_iter_close_container(&dict, &entry);
    dbus_message_iter_close_container(&var, &dict);
    dbus_message_iter_close_container(&it, &var);
    dbus_connection_send(c, reply, NULL);
    dbus_message_unref(reply);
}

static void
append_reasons(DBusMessageIter *it, const FakeReason *reasons, gsize n)
{
    DBusMessageIter array, st;

    dbus_message_iter_open_container(it, DBUS_TYPE_ARRAY, "(ssss)", &array);
    for (gsize i = 0; i < n; i++) {
        dbus_message_iter_open_container(&array, DBUS_TYPE_STRUCT, NULL, &st);
        dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &reasons[i].code);
        dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &reasons[i].severity);
        dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &reasons[i].device);
        dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &reasons[i].message);
        dbus_message_iter_close_container(&array, &st);
    }
    dbus_message_iter_close_container(it, &array);
}

/* Evaluate -> (verdict, mode, report, reasons);
 * Filter -> (verdict, report, new XML, mode, reasons) */
static void
answer(DBusConnection *c, DBusMessage *call, gboolean allow)
{
    DBusMessage *reply = dbus_message_new_method_return(call);
    const char *verdict = allow ? "allow" : "deny", *mode = allow ? "device" : "none";
    const char *json = allow ? allow_json : deny_json, *xml = allow ? allow_xml : "";
    const FakeReason *reasons = allow ? allow_reasons : deny_reasons;
    gsize n = allow ? G_N_ELEMENTS(allow_reasons) : G_N_ELEMENTS(deny_reasons);
    DBusMessageIter it;

    if (!reply)
        return;
    if (dbus_message_is_method_call(call, DT_DBUS_MANAGER_IFACE, "Evaluate"))
        dbus_message_append_args(reply, DBUS_TYPE_STRING, &verdict, DBUS_TYPE_STRING, &mode,
                                 DBUS_TYPE_STRING, &json, DBUS_TYPE_INVALID);
    else
        dbus_message_append_args(reply, DBUS_TYPE_STRING, &verdict, DBUS_TYPE_STRING, &json,
                                 DBUS_TYPE_STRING, &xml, DBUS_TYPE_STRING, &mode,
                                 DBUS_TYPE_INVALID);
    dbus_message_iter_init_append(reply, &it);
    append_reasons(&it, reasons, n);
    dbus_connection_send(c, reply, NULL);
    dbus_connection_flush(c);
    dbus_message_unref(reply);
}

static void
record_event(DBusMessage *call, const char *file)
{
    const char *name = NULL, *op = NULL, *subop = NULL, *xml = NULL;
    FILE *f;

    if (!dbus_message_get_args(call, NULL, DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING, &op,
                               DBUS_TYPE_STRING, &subop, DBUS_TYPE_STRING, &xml,
                               DBUS_TYPE_INVALID))
        return;
    f = fopen(file, "a");
    if (!f)
        return;
    fprintf(f, "%s %s %s\n", name, op, subop);
    fclose(f);
}

int
main(int argc, char **argv)
{
    DBusConnection *c;
    DBusError e;
    const char *mode;

    if (argc < 3) {
        fprintf(stderr, "usage: %s ADDRESS hang|stopped|deny|allow|record [FILE]\n", argv[0]);
        return 2;
    }
    mode = argv[2];
    if (strcmp(mode, "record") == 0 && argc < 4) {
        fprintf(stderr, "record needs a FILE\n");
        return 2;
    }

    dbus_error_init(&e);
    c = dbus_connection_open_private(argv[1], &e);
    if (!c || !dbus_bus_register(c, &e)) {
        fprintf(stderr, "cannot connect to %s: %s\n", argv[1], e.message);
        return 1;
    }
    if (dbus_bus_request_name(c, DT_DBUS_NAME, DBUS_NAME_FLAG_DO_NOT_QUEUE, &e) !=
        DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER) {
        fprintf(stderr, "cannot own %s\n", DT_DBUS_NAME);
        return 1;
    }
    printf("ready\n");
    fflush(stdout);

    if (strcmp(mode, "stopped") == 0) {
        for (;;)
            pause();
    }

    while (dbus_connection_read_write(c, -1)) {
        DBusMessage *m;

        while ((m = dbus_connection_pop_message(c)) != NULL) {
            if (strcmp(mode, "hang") != 0 &&
                dbus_message_is_method_call(m, DBUS_INTERFACE_PROPERTIES, "Get"))
                answer_config(c, m);
            else if (dbus_message_get_type(m) == DBUS_MESSAGE_TYPE_METHOD_CALL &&
                g_strcmp0(dbus_message_get_interface(m), DT_DBUS_MANAGER_IFACE) == 0) {
                if ((strcmp(mode, "deny") == 0 || strcmp(mode, "allow") == 0) &&
                    !dbus_message_is_method_call(m, DT_DBUS_MANAGER_IFACE, "HookEvent"))
                    answer(c, m, strcmp(mode, "allow") == 0);
                else if (strcmp(mode, "record") == 0 &&
                         dbus_message_is_method_call(m, DT_DBUS_MANAGER_IFACE, "HookEvent"))
                    record_event(m, argv[3]);
                /* "hang": the call is dropped and its caller waits */
            }
            dbus_message_unref(m);
        }
    }
    return 0;
}
