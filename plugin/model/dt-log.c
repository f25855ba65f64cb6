/* dt-log.c: decisions in the system log (see dt-log.h).
 *
 * The line goes to /dev/log as the datagram syslog(3) would send
 * ("<PRI>TIMESTAMP IDENT[PID]: LINE", RFC 3164 as glibc's misc/syslog.c
 * writes it; journald and rsyslog read that socket), but with MSG_DONTWAIT:
 * glibc's syslog() blocks while the log daemon's queue is full, and the
 * hook must not outlive its deadline for a log line.  A line that cannot
 * be sent at once is lost, as it would be with a log daemon that is down.
 * $DIRTYTRACK_LOG_SOCKET replaces /dev/log, so the tests check the very
 * bytes a log daemon gets.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <paths.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "model/dt-file.h"
#include "model/dt-log.h"

#define DT_LOG_STATE_FILE "log-limit"
#define DT_LOG_MAX_ENTRIES 1024
#define DT_LOG_MAX_DOMAIN 200
#define DT_LOG_MAX_DETAIL 600

/* Set once by dt_log_init(), like openlog()'s ident; the per-process count
 * (used when the state file cannot be) is shared by the daemon's threads. */
static char *dt_log_ident;
static GMutex dt_log_lock;
static GArray *dt_log_memory;

typedef struct {
    char key[33];
    gint64 start;       /* monotonic seconds: CLOCK_MONOTONIC is one clock for all processes */
    guint count;
    guint suppressed;
} DtLogEntry;

void
dt_log_init(const char *ident)
{
    g_mutex_lock(&dt_log_lock);
    g_free(dt_log_ident);
    dt_log_ident = g_strdup(ident);
    g_mutex_unlock(&dt_log_lock);
}

static const char *
dt_log_decision_word(DtLogDecision what)
{
    switch (what) {
    case DT_LOG_REFUSED: return "refused";
    case DT_LOG_UNCHECKED: return "unchecked";
    case DT_LOG_FALLBACK: return "fallback";
    }
    return "unknown";
}

/* One line of at most max bytes with no control characters; quote also
 * escapes '"' and '\\' so a domain name cannot forge the fields after it. */
static char *
dt_log_clean(const char *s, gsize max, gboolean quote)
{
    GString *out = g_string_new(NULL);

    for (const char *p = s ? s : ""; *p && out->len < max; p++) {
        unsigned char c = (unsigned char)*p;

        if (c < 0x20 || c == 0x7f)
            g_string_append_c(out, '?');
        else if (quote && (c == '"' || c == '\\'))
            g_string_append_printf(out, "\\%c", c);
        else
            g_string_append_c(out, (char)c);
    }
    if (s && strlen(s) > max)
        g_string_append(out, "...");
    /* a cut in the middle of a UTF-8 sequence leaves junk, not a crash */
    return g_string_free(out, FALSE);
}

/* ---- the rate limit ---------------------------------------------------------- */

static void
dt_log_parse_state(const char *text, GArray *entries)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

    for (guint i = 0; lines[i] && entries->len < DT_LOG_MAX_ENTRIES; i++) {
        DtLogEntry e = { { 0 } };
        char key[64];
        long long start;
        unsigned count, suppressed;

        if (sscanf(lines[i], "%63s %lld %u %u", key, &start, &count, &suppressed) != 4 ||
            strlen(key) != 32)
            continue;
        memcpy(e.key, key, 33);
        e.start = start;
        e.count = count;
        e.suppressed = suppressed;
        g_array_append_val(entries, e);
    }
}

/* Counts one line for key; TRUE when it may be logged, with *left_out the
 * lines of the previous window that were not. */
static gboolean
dt_log_count(GArray *entries, const char *key, gint64 now, guint *left_out)
{
    DtLogEntry *e = NULL;

    *left_out = 0;
    /* forget quiet keys; the oldest go first when the table is full */
    for (guint i = entries->len; i-- > 0;) {
        DtLogEntry *x = &g_array_index(entries, DtLogEntry, i);

        if (now - x->start >= 2 * DT_LOG_WINDOW_S && x->suppressed == 0)
            g_array_remove_index(entries, i);
    }
    while (entries->len >= DT_LOG_MAX_ENTRIES)
        g_array_remove_index(entries, 0);

    for (guint i = 0; i < entries->len && !e; i++) {
        if (strcmp(g_array_index(entries, DtLogEntry, i).key, key) == 0)
            e = &g_array_index(entries, DtLogEntry, i);
    }
    if (!e) {
        DtLogEntry n = { { 0 } };

        g_strlcpy(n.key, key, sizeof(n.key));
        n.start = now;
        g_array_append_val(entries, n);
        e = &g_array_index(entries, DtLogEntry, entries->len - 1);
    } else if (now - e->start >= DT_LOG_WINDOW_S) {
        *left_out = e->suppressed;
        e->start = now;
        e->count = 0;
        e->suppressed = 0;
    }
    if (e->count >= DT_LOG_BURST) {
        e->suppressed++;
        return FALSE;
    }
    e->count++;
    return TRUE;
}

static int
dt_log_open_state(void)
{
    const char *dir = g_getenv("DIRTYTRACK_RUNTIME_DIR");
    g_autofree char *path = NULL;
    int fd;

    if (!dir || !*dir)
        dir = DT_LOG_RUNTIME_DIR;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return -1;
    path = g_build_filename(dir, DT_LOG_STATE_FILE, NULL);
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -1;
    /* a hook killed while holding it releases it; one that hangs does not
     * hold up this one for more than 50 ms */
    for (int i = 0; flock(fd, LOCK_EX | LOCK_NB) != 0; i++) {
        if (i == 10 || errno != EWOULDBLOCK) {
            close(fd);
            return -1;
        }
        g_usleep(5000);
    }
    return fd;
}

static gboolean
dt_log_admit(const char *key, guint *left_out)
{
    gint64 now = g_get_monotonic_time() / G_USEC_PER_SEC;
    int fd = dt_log_open_state();
    gboolean ok;

    if (fd < 0) {
        g_mutex_lock(&dt_log_lock);
        if (!dt_log_memory)
            dt_log_memory = g_array_new(FALSE, TRUE, sizeof(DtLogEntry));
        ok = dt_log_count(dt_log_memory, key, now, left_out);
        g_mutex_unlock(&dt_log_lock);
        return ok;
    }
    {
        g_autoptr(GArray) entries = g_array_new(FALSE, TRUE, sizeof(DtLogEntry));
        g_autoptr(GString) text = g_string_new(NULL);
        char buf[4096];
        ssize_t n;

        while ((n = read(fd, buf, sizeof(buf))) > 0 && text->len < 256 * 1024)
            g_string_append_len(text, buf, n);
        dt_log_parse_state(text->str, entries);
        ok = dt_log_count(entries, key, now, left_out);
        g_string_truncate(text, 0);
        for (guint i = 0; i < entries->len; i++) {
            const DtLogEntry *e = &g_array_index(entries, DtLogEntry, i);

            g_string_append_printf(text, "%s %" G_GINT64_FORMAT " %u %u\n", e->key, e->start,
                                   e->count, e->suppressed);
        }
        if (ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0)
            (void)dt_file_write_all(fd, text->str, text->len);
        close(fd);
    }
    return ok;
}

/* ---- sending ------------------------------------------------------------------ */

static void
dt_log_send(int priority, const char *ident, const char *line)
{
    const char *path = g_getenv("DIRTYTRACK_LOG_SOCKET");
    gboolean system_log = !path || !*path;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_autofree char *msg = NULL;
    char stamp[32] = "";
    struct tm tm;
    time_t t = time(NULL);
    int fd;

    if (system_log)
        path = _PATH_LOG;
    if (strlen(path) >= sizeof(sa.sun_path))
        return;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    if (localtime_r(&t, &tm))
        strftime(stamp, sizeof(stamp), "%h %e %T ", &tm);
    msg = g_strdup_printf("<%d>%s%s[%d]: %s", LOG_DAEMON | priority, stamp, ident, (int)getpid(),
                          line);
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    if (sendto(fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&sa,
               sizeof(sa)) < 0 && errno == EPROTOTYPE && system_log) {
        /* a stream /dev/log (old syslogds): syslog(3) knows that dialect */
        openlog(ident, LOG_PID, LOG_DAEMON);
        syslog(priority, "%s", line);
        closelog();
    }
    close(fd);
}

void
dt_log_decision(DtLogDecision what, const char *domain, const char *op, const char *reason,
                const char *via, const char *detail)
{
    g_autofree char *ident = NULL;
    g_autofree char *dom = dt_log_clean(domain, DT_LOG_MAX_DOMAIN, TRUE);
    g_autofree char *text = dt_log_clean(detail, DT_LOG_MAX_DETAIL, FALSE);
    g_autofree char *key_src = NULL;
    g_autofree char *key = NULL;
    g_autoptr(GString) line = g_string_new(NULL);
    const char *word = dt_log_decision_word(what);
    guint left_out = 0;

    g_mutex_lock(&dt_log_lock);
    ident = g_strdup(dt_log_ident ? dt_log_ident : g_get_prgname());
    g_mutex_unlock(&dt_log_lock);
    if (!ident)
        ident = g_strdup("dirtytrack");

    key_src = g_strdup_printf("%s\x1f%s\x1f%s\x1f%s", ident, domain ? domain : "", word,
                              reason ? reason : "");
    key = g_compute_checksum_for_string(G_CHECKSUM_SHA256, key_src, -1);
    key[32] = '\0';
    if (!dt_log_admit(key, &left_out))
        return;

    g_string_append_printf(line, "%s domain=\"%s\" op=%s reason=%s via=%s", word, dom,
                           op ? op : "-", reason ? reason : "unknown", via ? via : "-");
    if (text && *text)
        g_string_append_printf(line, ": %s", text);
    if (left_out > 0)
        g_string_append_printf(line, " (%u similar lines left out in the last minute)", left_out);
    dt_log_send(what == DT_LOG_REFUSED ? LOG_NOTICE : LOG_WARNING, ident, line->str);
}
