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

/* One parsed document per thread kept for the next parse of the same
 * bytes: the hook, for one, parses the incoming domain to see whether it
 * concerns dirtytrack, then to read it, then to rewrite it.
 *
 * dt_xml_parse_cached() is dt_xml_parse() that first takes the kept
 * document when it came from identical bytes and the same expected_root;
 * the caller owns what it returns and may change it.  dt_xml_cache_put()
 * hands an owned, UNMODIFIED document back for the next caller (it takes
 * ownership; a large input is just freed), replacing any kept one. */
xmlDoc *dt_xml_parse_cached(const char *buf, gsize len, const char *what,
                            const char *expected_root, GError **error);
void dt_xml_cache_put(const char *buf, gsize len, const char *expected_root, xmlDoc *doc);

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

/* Whether n is element name in namespace ns (NULL: in no namespace). */
gboolean dt_xml_node_is(const xmlNode *n, const char *name, const char *ns);
/* Writing into a document that people read (domain XML): a newline and the
 * indentation of depth levels (two spaces each, as libvirt formats), and
 * child appended as parent's last element one level deeper, the closing
 * tag kept on its own line. */
xmlNode *dt_xml_indent_text(xmlDoc *doc, guint depth);
void dt_xml_append_indented(xmlNode *parent, xmlNode *child);

/* ---- a plain element tree ---------------------------------------------------
 *
 * For the variant-driver database, which every evaluation loads: libxml2
 * spends more building and freeing its DOM for that small file than the
 * rest of the evaluation costs.  dt_xml_tree_parse_simple() reads a strict
 * subset of XML 1.0 directly -- UTF-8, ASCII names without prefixes, the
 * five predefined entities and character references, comments, an XML
 * declaration with version 1.0 and encoding UTF-8 -- and gives NULL for
 * anything else, well-formed or not (a DTD, a namespace, a CDATA section,
 * a processing instruction, an error).  The caller then parses with
 * dt_xml_parse(), which words any error, and converts the document with
 * dt_xml_tree_from_doc(): both roads give the same tree for any input the
 * first accepts.  Only the second knows line numbers. */
typedef struct {
    const char *name;
    const char *value;
    gboolean in_ns;        /* a prefixed attribute (dt_xml_tree_from_doc only) */
} DtXmlAttr;

typedef struct DtXmlElem DtXmlElem;
struct DtXmlElem {
    const char *name;      /* local name */
    gboolean in_ns;        /* in a namespace (dt_xml_tree_from_doc only) */
    long line;             /* xmlGetLineNo() (dt_xml_tree_from_doc), else 0 */
    const DtXmlAttr *attrs;/* in document order */
    guint n_attrs;
    const char *text;      /* without child elements: xmlNodeGetContent(); else "" */
    DtXmlElem *children;   /* first child element */
    DtXmlElem *next;       /* next sibling element */
};

typedef struct DtXmlTree DtXmlTree;

DtXmlTree *dt_xml_tree_parse_simple(const char *buf, gsize len);
DtXmlTree *dt_xml_tree_from_doc(xmlDoc *doc);
const DtXmlElem *dt_xml_tree_root(const DtXmlTree *t);
void dt_xml_tree_free(DtXmlTree *t);
/* The attribute xmlGetNoNsProp() would give, without a copy; NULL if absent. */
const char *dt_xml_elem_prop(const DtXmlElem *e, const char *name);
/* Two element lists (and their subtrees) with the same names, namespace
 * flags, texts and attributes in the same order. */
gboolean dt_xml_elem_equal(const DtXmlElem *a, const DtXmlElem *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DtXmlTree, dt_xml_tree_free)

G_END_DECLS
