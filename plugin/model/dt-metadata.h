/* dt-metadata.h: dirtytrack's own element in a domain's <metadata>
 * (namespace DT_METADATA_NS, schemas/domain-metadata.rng): the per-VM
 * policy and the last evaluation (verdict, mode, capability fingerprint,
 * the devices as the source host saw them).  The one module that reads and
 * writes it: the domain model, the hook's and `apply`'s rewrite and the
 * daemon's live fingerprint all go through here.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>
#include "model/dt-model.h"

G_BEGIN_DECLS

/* Parses the <dirtytrack:dirtytrack> element itself.  Anything outside the
 * schema (unknown attributes or values, a second <policy>) is an error,
 * DT_ERROR_INVALID_INPUT, and leaves *out untouched. */
gboolean dt_metadata_parse_node(xmlNode *node, DtMetadata *out, GError **error);

/* The metadata's policy fields over a policy (config defaults). */
void dt_metadata_apply_policy(const DtMetadata *m, DtPolicy *policy);

/* m's evaluation becomes the one for decision d, made on host at timestamp
 * (ISO 8601; either may be NULL): verdict, mode, fingerprint and the
 * devices the destination can match; m is then present.  The policy is
 * left alone. */
void dt_metadata_set_evaluation(DtMetadata *m, const DtDecision *d, const char *host,
                                const char *timestamp);

/* The element for m, detached, in doc, with the namespace declared under
 * DT_METADATA_PREFIX: what dt_metadata_parse_node() reads back as m. */
xmlNode *dt_metadata_build(xmlDoc *doc, const DtMetadata *m);

/* In a <domain> document: writes d's evaluation into the domain's element
 * (creating <metadata> and the element where missing, keeping the policy),
 * unless the one there differs only in the time; *changed set if so. */
void dt_metadata_apply(xmlNode *domain_root, const DtDecision *d, const char *host,
                       const char *timestamp, gboolean *changed);

/* The element of domain XML xml with d's evaluation applied, alone, as
 * virDomainSetMetadata wants it: the namespace declared as the default
 * one on the root (libvirt adds the prefix it is given). */
char *dt_metadata_fragment(const char *xml, gsize len, const DtDecision *d, const char *host,
                           const char *timestamp, GError **error);

/* The source's dry-run record (DtOutgoing, schemas/outgoing.rng): parsed
 * strictly like dirtytrack's element (DT_ERROR_INVALID_INPUT, *out left
 * untouched), and built as the fragment virDomainSetMetadata wants (the
 * namespace the default one on the root). */
gboolean dt_outgoing_parse_node(xmlNode *node, DtOutgoing *out, GError **error);
char *dt_outgoing_fragment(const char *host, const char *timestamp, const GPtrArray *reasons);

G_END_DECLS
