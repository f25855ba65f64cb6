/* dt-xml.h: libxml2 with the safety rules dirtytrack applies to every
 * document it reads (domain XML from libvirt or a user, metadata, the
 * driver database): no network, no entity expansion, no DTD, a size
 * limit, and a root element check.  g_autoptr cleanups for libxml2 types
 * are defined once here.
 */
#pragma once

#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

G_BEGIN_DECLS

#define DT_XML_MAX_BYTES (16u * 1024u * 1024u)   /* 16 MiB: far above any real domain */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlXPathContext, xmlXPathFreeContext)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlXPathObject, xmlXPathFreeObject)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlBuffer, xmlBufferFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlParserCtxt, xmlFreeParserCtxt)

/* Parse buf (len bytes).  expected_root may be NULL.  On error sets a
 * one-line DT_ERROR_INVALID_INPUT message naming the line and problem. */
xmlDoc *dt_xml_parse(const char *buf, gsize len, const char *what,
                     const char *expected_root, GError **error);

/* Attribute as a newly allocated string, or NULL. */
char *dt_xml_prop(xmlNode *node, const char *name);
/* The same value without a copy where the tree holds it as one text node
 * (nearly always); otherwise a copy is made into *tmp, which the caller
 * frees.  Valid until the attribute changes. */
const char *dt_xml_prop_ref(xmlNode *node, const char *name, char **tmp);
/* First child element with that local name (any namespace if ns NULL). */
xmlNode *dt_xml_child(xmlNode *node, const char *name, const char *ns);
/* Element's text content, trimmed, newly allocated (never NULL). */
char *dt_xml_text(xmlNode *node);
/* The element and its children as markup, unindented (what
 * virDomainSetMetadata takes), NULL if libxml2 cannot write it. */
char *dt_xml_node_string(xmlNode *node);

/* Whether n is element name in namespace ns (NULL: in no namespace). */
gboolean dt_xml_node_is(const xmlNode *n, const char *name, const char *ns);
/* Writing into a document that people read (domain XML): a newline and the
 * indentation of depth levels (two spaces each, as libvirt formats), and
 * child appended as parent's last element one level deeper, the closing
 * tag kept on its own line. */
xmlNode *dt_xml_indent_text(xmlDoc *doc, guint depth);
void dt_xml_append_indented(xmlNode *parent, xmlNode *child);

G_END_DECLS
