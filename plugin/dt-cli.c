/* dt-cli.c: helpers shared by the subcommands (see dt-cli.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "dt-cli.h"
#include "dt-file.h"
#include "dt-util.h"
#include "dt-xml.h"

int
dt_cli_fail(const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    /* one line, whatever the message contained */
    g_strdelimit(msg, "\n", ' ');
    fprintf(stderr, "dirtytrack: %s\n", msg);
    return DT_CLI_EXIT_ERROR;
}

char *
dt_cli_read_domain(const char *arg, gsize *len, GError **error)
{
    char *xml = NULL;

    if (strcmp(arg, "-") == 0) {
        g_autoptr(GIOChannel) ch = g_io_channel_unix_new(STDIN_FILENO);
        g_autoptr(GString) buf = g_string_new(NULL);
        char chunk[65536];
        gsize n;
        GIOStatus st;

        g_io_channel_set_encoding(ch, NULL, NULL);
        do {
            st = g_io_channel_read_chars(ch, chunk, sizeof(chunk), &n, error);
            g_string_append_len(buf, chunk, (gssize)n);
            if (buf->len > DT_XML_MAX_BYTES) {
                g_clear_error(error);
                g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                            _("standard input: domain XML is larger than %u bytes"),
                            DT_XML_MAX_BYTES);
                return NULL;
            }
        } while (st == G_IO_STATUS_NORMAL || st == G_IO_STATUS_AGAIN);
        if (st == G_IO_STATUS_ERROR) {
            g_prefix_error(error, _("cannot read standard input: "));
            return NULL;
        }
        *len = buf->len;
        return g_string_free(g_steal_pointer(&buf), FALSE);
    }
    {
        GStatBuf sb;

        if (g_stat(arg, &sb) == 0 && sb.st_size > (goffset)DT_XML_MAX_BYTES) {
            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                        _("%s: domain XML is larger than %u bytes"), arg, DT_XML_MAX_BYTES);
            return NULL;
        }
        if (!g_file_get_contents(arg, &xml, len, error))
            return NULL;
        return xml;
    }
}

int
dt_cli_write_output(const char *path, const char *text)
{
    g_autoptr(GError) error = NULL;
    size_t n = strlen(text);

    if (!path || strcmp(path, "-") == 0) {
        if (fwrite(text, 1, n, stdout) != n || fflush(stdout) != 0)
            return dt_cli_fail(_("cannot write to standard output"));
        return 0;
    }
    if (!dt_file_replace(path, text, n, &error))
        return dt_cli_fail("%s", error->message);
    return 0;
}

void
dt_cli_note_evaluation(const DtEvaluation *ev)
{
    if (ev && ev->qemu_untrusted)
        g_printerr("dirtytrack: %s\n", ev->qemu_untrusted);
}
