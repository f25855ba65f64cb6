/* dt-util.h: small helpers shared by every module: translation macros, PCI addresses, version numbers and strict number
 * parsing.  Parsers here never trust their input: they are fed sysfs files,
 * XML attributes and command-line options alike.
 */
#pragma once

#include <glib.h>
#include <glib/gi18n-lib.h>
#include "model/dt-error.h"
#include "model/dt-model.h"

G_BEGIN_DECLS

/* PCI address "DDDD:BB:SS.F" (domain optional on input: "BB:SS.F"). */
gboolean dt_pci_addr_parse(const char *s, DtPciAddr *out);
char *dt_pci_addr_to_string(const DtPciAddr *a);   /* "0000:06:12.1" */
gboolean dt_pci_addr_equal(const DtPciAddr *a, const DtPciAddr *b);

/* A PCI function's ids as its sysfs modalias file has them. */
typedef struct {
    guint16 vendor, device, subsys_vendor, subsys_device;
    guint32 class_code;
} DtPciIds;
/* Exactly the kernel's "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X"
 * (drivers/pci/pci-sysfs.c modalias_show), upper-case hex, 16-bit ids, a
 * vendor other than 0; anything else is FALSE.  Round trip: the printer
 * reproduces every accepted string. */
gboolean dt_pci_modalias_parse(const char *s, DtPciIds *out);
char *dt_pci_modalias_print(const DtPciIds *ids);

/* "7.2.22", "9.0", "6.1.0-28-amd64", "QEMU emulator version 8.2.2 (...)":
 * the first run of digits and dots is taken.  Returns FALSE if none. */
gboolean dt_version_parse(const char *s, DtVersion *out);
int dt_version_cmp(const DtVersion *a, const DtVersion *b);   /* <0, 0, >0 */
/* TRUE if v is known and v >= major.minor.micro */
gboolean dt_version_at_least(const DtVersion *v, guint major, guint minor, guint micro);
char *dt_version_to_string(const DtVersion *v);     /* "7.2.22" or "unknown" */

/* Strict unsigned parsing of a whole string (leading/trailing white space
 * allowed).  base 16 accepts an optional 0x prefix.  FALSE on junk/overflow. */
gboolean dt_parse_u64(const char *s, guint base, guint64 *out);

/* Memory size with a libvirt unit ("KiB", "MiB", "G", "bytes", ...) to KiB.
 * FALSE on an unknown unit or overflow. */
gboolean dt_memory_to_kib(guint64 value, const char *unit, guint64 *out_kib);

/* The current time as ISO 8601 UTC ("2026-11-21T08:00:00Z"), the form the
 * metadata element and the daemon's state carry. */
char *dt_timestamp_now(void);

/* The columns a terminal gives UTF-8 text: two for a wide (CJK) character,
 * none for a combining one.  Text tables pad by this, not by bytes, so a
 * translated label keeps its column. */
guint dt_utf8_width(const char *s);
/* Appends spaces after text (already appended) up to width columns. */
void dt_string_pad(GString *out, const char *text, guint width);

/* Replaces *dst by a copy of src (g_set_str needs GLib 2.76). */
void dt_set_str(char **dst, const char *src);

/* Initialise locale and gettext for a program's main(). */
void dt_i18n_init(void);

/* A uuid in libvirt's canonical form (8-4-4-4-12 lowercase hex) from the
 * 32 digits with or without dashes and surrounding white space; NULL if
 * it is none. */
char *dt_uuid_normalize(const char *s);

G_END_DECLS
