/* dt-rewrite.h: applies a decision to domain XML, for the hook's
 * migrate/restore filter and for `dirtytrack apply`: per hostdev the
 * <qemu:override> frontend properties of the VF policy (adding a `ua-`
 * alias where the device has none, and the qemu namespace where missing),
 * and dirtytrack's own <metadata> element (verdict, mode, fingerprint,
 * host, time) with the domain's existing policy kept.
 *
 * The output must pass libvirt's ABI stability check against the input and
 * virt-xml-validate: nothing else in the document is touched.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>
#include "model/dt-model.h"

G_BEGIN_DECLS

/* Returns the rewritten XML (NUL-terminated) and sets *changed; when
 * nothing would change returns a copy of the input and *changed = FALSE.
 * host and timestamp go into the metadata (timestamp ISO 8601 UTC). */
char *dt_rewrite_domain_xml(const char *xml, gsize len, const DtDecision *d,
                            const char *host, const char *timestamp,
                            gboolean *changed, GError **error);
/* The same on a document already parsed (dt_xml_parse(), root "domain"),
 * which is changed in place: *out is the rewritten XML, or NULL when
 * nothing changed.  FALSE with error set when it cannot be serialised. */
gboolean dt_rewrite_domain_doc(xmlDoc *doc, const DtDecision *d, const char *host,
                               const char *timestamp, char **out, GError **error);

G_END_DECLS
