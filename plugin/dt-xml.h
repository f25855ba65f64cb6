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
/* First child element with that local name (any namespace if ns NULL). */
xmlNode *dt_xml_child(xmlNode *node, const char *name, const char *ns);
/* Element's text content, trimmed, newly allocated (never NULL). */
char *dt_xml_text(xmlNode *node);

G_END_DECLS
