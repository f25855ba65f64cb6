/* dt-util.c: parsing helpers that every input path shares.  They are
 * strict on purpose: sysfs files, XML attributes and options all end here,
 * and a value that is almost a number is an error, not a zero.
 */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/dt-util.h"

gboolean
dt_parse_u64(const char *s, guint base, guint64 *out)
{
    const char *p;
    char *end = NULL;
    guint64 v;

    if (!s)
        return FALSE;
    p = s;
    while (g_ascii_isspace(*p))
        p++;
    if (base == 16 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        p += 2;
    if (!g_ascii_isxdigit(*p) || (base == 10 && !g_ascii_isdigit(*p)))
        return FALSE;
    errno = 0;
    v = g_ascii_strtoull(p, &end, base);
    if (errno != 0 || end == p)
        return FALSE;
    while (g_ascii_isspace(*end))
        end++;
    if (*end != '\0')
        return FALSE;
    *out = v;
    return TRUE;
}

/* [DOMAIN:]BUS:SLOT.FN in hex: DOMAIN 1-4 digits, BUS 1-2, SLOT 1-2 (at
 * most 1f), FN one digit (at most 7), and nothing else: no sign, space or
 * 0x.  Scanned by hand: every device of every evaluation passes here, and
 * splitting the string cost more than the rest of the device's lookup. */
gboolean
dt_pci_addr_parse(const char *s, DtPciAddr *out)
{
    guint64 v[4];
    guint len[4];
    char sep[4];
    guint n = 0;
    const char *p = s;

    if (!s || strlen(s) > 16)
        return FALSE;
    for (;;) {
        v[n] = 0;
        len[n] = 0;
        while (g_ascii_isxdigit(*p)) {
            v[n] = v[n] << 4 | (guint)g_ascii_xdigit_value(*p++);
            len[n]++;
        }
        sep[n] = *p;
        if (len[n] == 0 || n == 3 || (*p != ':' && *p != '.'))
            break;
        n++;
        p++;
    }
    if (sep[n] != '\0' || n < 2 || sep[n - 1] != '.')
        return FALSE;
    if (n == 3 && (sep[0] != ':' || sep[1] != ':' || len[0] > 4))
        return FALSE;
    if (n == 2 && sep[0] != ':')
        return FALSE;
    /* the last three fields: bus, slot, function */
    if (len[n - 2] > 2 || len[n - 1] > 2 || v[n - 1] > 31 || len[n] != 1 || v[n] > 7)
        return FALSE;
    out->domain = n == 3 ? (guint16)v[0] : 0;
    out->bus = (guint8)v[n - 2];
    out->slot = (guint8)v[n - 1];
    out->function = (guint8)v[n];
    return TRUE;
}

char *
dt_pci_addr_to_string(const DtPciAddr *a)
{
    return g_strdup_printf("%04x:%02x:%02x.%x", a->domain, a->bus, a->slot, a->function);
}

gboolean
dt_pci_addr_equal(const DtPciAddr *a, const DtPciAddr *b)
{
    return a->domain == b->domain && a->bus == b->bus &&
           a->slot == b->slot && a->function == b->function;
}

/* N upper-case hex digits at *p, advancing *p. */
static gboolean
take_upper_hex(const char **p, guint n, guint32 *out)
{
    guint32 v = 0;

    for (guint i = 0; i < n; i++) {
        char c = (*p)[i];
        guint32 x;

        if (c >= '0' && c <= '9')
            x = (guint32)(c - '0');
        else if (c >= 'A' && c <= 'F')
            x = (guint32)(c - 'A' + 10);
        else
            return FALSE;
        v = (v << 4) | x;
    }
    *p += n;
    *out = v;
    return TRUE;
}

static gboolean
take_literal(const char **p, const char *lit)
{
    gsize n = strlen(lit);

    if (strncmp(*p, lit, n) != 0)
        return FALSE;
    *p += n;
    return TRUE;
}

gboolean
dt_pci_modalias_parse(const char *s, DtPciIds *out)
{
    const char *p = s;
    guint32 ven, dev, sven, sdev, bc, sc, pi;

    if (!take_literal(&p, "pci:v") || !take_upper_hex(&p, 8, &ven) ||
        !take_literal(&p, "d") || !take_upper_hex(&p, 8, &dev) ||
        !take_literal(&p, "sv") || !take_upper_hex(&p, 8, &sven) ||
        !take_literal(&p, "sd") || !take_upper_hex(&p, 8, &sdev) ||
        !take_literal(&p, "bc") || !take_upper_hex(&p, 2, &bc) ||
        !take_literal(&p, "sc") || !take_upper_hex(&p, 2, &sc) ||
        !take_literal(&p, "i") || !take_upper_hex(&p, 2, &pi) || *p != '\0')
        return FALSE;
    if (ven == 0 || ven > 0xffff || dev > 0xffff || sven > 0xffff || sdev > 0xffff)
        return FALSE;
    out->vendor = (guint16)ven;
    out->device = (guint16)dev;
    out->subsys_vendor = (guint16)sven;
    out->subsys_device = (guint16)sdev;
    out->class_code = (bc << 16) | (sc << 8) | pi;
    return TRUE;
}

char *
dt_pci_modalias_print(const DtPciIds *ids)
{
    return g_strdup_printf("pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X", ids->vendor,
                           ids->device, ids->subsys_vendor, ids->subsys_device,
                           (ids->class_code >> 16) & 0xff, (ids->class_code >> 8) & 0xff,
                           ids->class_code & 0xff);
}

gboolean
dt_version_parse(const char *s, DtVersion *out)
{
    guint parts[3] = { 0, 0, 0 };
    guint n = 0;
    const char *p = s;

    memset(out, 0, sizeof(*out));
    if (!s)
        return FALSE;
    while (*p && !g_ascii_isdigit(*p))
        p++;
    if (!*p)
        return FALSE;
    while (n < 3 && g_ascii_isdigit(*p)) {
        guint64 v = 0;
        while (g_ascii_isdigit(*p)) {
            v = v * 10 + (guint64)(*p - '0');
            if (v > 1000000)
                return FALSE;
            p++;
        }
        parts[n++] = (guint)v;
        if (*p == '.' && g_ascii_isdigit(p[1]))
            p++;
        else
            break;
    }
    out->major = parts[0];
    out->minor = parts[1];
    out->micro = parts[2];
    out->known = TRUE;
    return TRUE;
}

int
dt_version_cmp(const DtVersion *a, const DtVersion *b)
{
    if (a->major != b->major)
        return a->major < b->major ? -1 : 1;
    if (a->minor != b->minor)
        return a->minor < b->minor ? -1 : 1;
    if (a->micro != b->micro)
        return a->micro < b->micro ? -1 : 1;
    return 0;
}

gboolean
dt_version_at_least(const DtVersion *v, guint major, guint minor, guint micro)
{
    DtVersion want = { major, minor, micro, TRUE };
    return v && v->known && dt_version_cmp(v, &want) >= 0;
}

char *
dt_version_to_string(const DtVersion *v)
{
    if (!v || !v->known)
        return g_strdup("unknown");
    return g_strdup_printf("%u.%u.%u", v->major, v->minor, v->micro);
}

gboolean
dt_memory_to_kib(guint64 value, const char *unit, guint64 *out_kib)
{
    static const struct {
        const char *name;
        guint64 mult_bytes;
    } units[] = {
        { "b", 1 }, { "bytes", 1 },
        { "KB", 1000ULL }, { "k", 1024ULL }, { "KiB", 1024ULL },
        { "MB", 1000000ULL }, { "M", 1048576ULL }, { "MiB", 1048576ULL },
        { "GB", 1000000000ULL }, { "G", 1073741824ULL }, { "GiB", 1073741824ULL },
        { "TB", 1000000000000ULL }, { "T", 1099511627776ULL }, { "TiB", 1099511627776ULL },
        { "PB", 1000000000000000ULL }, { "P", 1125899906842624ULL }, { "PiB", 1125899906842624ULL },
        { "EB", 1000000000000000000ULL }, { "E", 1152921504606846976ULL },
        { "EiB", 1152921504606846976ULL },
    };
    guint64 mult = 1024;   /* libvirt's default unit is KiB */

    if (unit && *unit) {
        gboolean found = FALSE;
        for (guint i = 0; i < G_N_ELEMENTS(units); i++) {
            /* libvirt accepts case-insensitive single letters */
            if (g_ascii_strcasecmp(unit, units[i].name) == 0 &&
                (strlen(unit) == 1 ? TRUE : strcmp(unit, units[i].name) == 0 ||
                 g_ascii_strcasecmp(unit, "bytes") == 0)) {
                mult = units[i].mult_bytes;
                found = TRUE;
                break;
            }
        }
        if (!found)
            return FALSE;
    }
    if (mult >= 1024) {
        guint64 m = mult / 1024;
        if (mult % 1024 == 0) {
            if (m && value > G_MAXUINT64 / m)
                return FALSE;
            *out_kib = value * m;
            return TRUE;
        }
    }
    /* decimal units and bytes: multiply in bytes then round up to KiB
     * (without adding 1023 first, which wraps near G_MAXUINT64) */
    if (mult && value > G_MAXUINT64 / mult)
        return FALSE;
    *out_kib = value * mult / 1024 + (value * mult % 1024 != 0);
    return TRUE;
}

char *
dt_timestamp_now(void)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();

    return g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
}

guint
dt_utf8_width(const char *s)
{
    guint cols = 0;

    for (const char *p = s; p && *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        cols += g_unichar_iswide(c) ? 2 : g_unichar_iszerowidth(c) ? 0 : 1;
    }
    return cols;
}

void
dt_string_pad(GString *out, const char *text, guint width)
{
    for (guint cols = dt_utf8_width(text); cols < width; cols++)
        g_string_append_c(out, ' ');
}

void
dt_set_str(char **dst, const char *src)
{
    char *old = *dst;

    *dst = g_strdup(src);
    g_free(old);
}

void
dt_i18n_init(void)
{
    const char *localedir = g_getenv("DIRTYTRACK_LOCALEDIR");

    /* A failing setlocale (unknown locale) is not fatal: we fall back to C. */
    setlocale(LC_ALL, "");
    /* DIRTYTRACK_LOCALEDIR: for tests and uninstalled runs, which find the
     * catalogs in the build tree rather than under the compiled-in LOCALEDIR */
    bindtextdomain(GETTEXT_PACKAGE, localedir && *localedir ? localedir : LOCALEDIR);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);
}

/* libvirt's own canonical form: 8-4-4-4-12 lowercase hex.  libvirt accepts
 * the 32 digits with or without dashes and with surrounding white space. */
char *
dt_uuid_normalize(const char *s)
{
    char hex[33];
    guint n = 0;

    for (const char *p = s; *p; p++) {
        if (*p == '-' || g_ascii_isspace(*p))
            continue;
        if (!g_ascii_isxdigit(*p) || n >= 32)
            return NULL;
        hex[n++] = g_ascii_tolower(*p);
    }
    if (n != 32)
        return NULL;
    hex[32] = '\0';
    return g_strdup_printf("%.8s-%.4s-%.4s-%.4s-%.12s",
                           hex, hex + 8, hex + 12, hex + 16, hex + 20);
}
