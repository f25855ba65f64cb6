/* dt-xml.c: the one way dirtytrack parses XML.
 *
 * Input may come from a user, from libvirt, or from a migration peer, so it
 * is treated as hostile: no network access (XML_PARSE_NONET), no entity
 * substitution, no DTD at all (libvirt never emits one; refusing it closes
 * billion-laughs and external entities at once), a size limit, and errors
 * reported as one line with the position.
 */
#include "config.h"

#include <inttypes.h>

#include <string.h>

#include "model/dt-util.h"
#include "model/dt-xml.h"

static void
dt_xml_silence(void *ctx, const char *msg, ...)
{
    /* libxml2's default handler prints to stderr; we report through GError. */
}

/* SAX hook: a DOCTYPE stops the parser before any entity is declared, so
 * no expansion (billion laughs) or external fetch can ever start. */
static void
dt_xml_refuse_dtd(void *ctx, const xmlChar *name, const xmlChar *external_id,
                  const xmlChar *system_id)
{
    xmlParserCtxt *c = ctx;
    c->_private = (void *)c;
    xmlStopParser(c);
}

xmlDoc *
dt_xml_parse(const char *buf, gsize len, const char *what,
             const char *expected_root, GError **error)
{
    g_autoptr(xmlParserCtxt) ctxt = NULL;
    xmlDoc *doc;
    xmlNode *root;
    const xmlError *xe;

    if (!what)
        what = "XML";
    if (!buf || len == 0) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT, _("%s is empty"), what);
        return NULL;
    }
    if (len > DT_XML_MAX_BYTES) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("%s is too large (%zu bytes, limit %u)"),
                    what, len, DT_XML_MAX_BYTES);
        return NULL;
    }
    if (len > G_MAXINT) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT, _("%s is too large"), what);
        return NULL;
    }
    if (memchr(buf, '\0', len)) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT, _("%s contains a NUL byte"), what);
        return NULL;
    }

    ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        g_set_error(error, DT_ERROR, DT_ERROR_FAILED, _("out of memory parsing %s"), what);
        return NULL;
    }
    xmlSetGenericErrorFunc(NULL, dt_xml_silence);
    ctxt->sax->warning = NULL;
    ctxt->sax->internalSubset = dt_xml_refuse_dtd;
    ctxt->_private = NULL;
    doc = xmlCtxtReadMemory(ctxt, buf, (int)len, NULL, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR |
                            XML_PARSE_NOCDATA);
    if (ctxt->_private) {
        if (doc)
            xmlFreeDoc(doc);
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("%s has a document type declaration; DTDs and entities are not accepted"),
                    what);
        return NULL;
    }
    if (!doc) {
        xe = xmlCtxtGetLastError(ctxt);
        if (xe && xe->message) {
            g_autofree char *msg = g_strstrip(g_strdup(xe->message));
            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                        _("%s is not well-formed (line %d): %s"), what, xe->line, msg);
        } else {
            g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                        _("%s is not well-formed"), what);
        }
        return NULL;
    }
    if (!ctxt->nsWellFormed) {
        /* An undeclared prefix (qemu:commandline without xmlns:qemu):
         * libvirt refuses such a document, and a rewrite that declared the
         * prefix would change what it means. */
        xmlFreeDoc(doc);
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("%s has an element or attribute with an undeclared namespace prefix"),
                    what);
        return NULL;
    }
    if (doc->intSubset || doc->extSubset) {
        xmlFreeDoc(doc);
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("%s has a document type declaration; DTDs and entities are not accepted"),
                    what);
        return NULL;
    }
    root = xmlDocGetRootElement(doc);
    if (!root) {
        xmlFreeDoc(doc);
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT, _("%s has no root element"), what);
        return NULL;
    }
    if (expected_root && strcmp((const char *)root->name, expected_root) != 0) {
        g_set_error(error, DT_ERROR, DT_ERROR_INVALID_INPUT,
                    _("%s: expected root element <%s>, found <%s>"),
                    what, expected_root, (const char *)root->name);
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

/* ---- accessors ---------------------------------------------------------------- */

char *
dt_xml_prop(xmlNode *node, const char *name)
{
    xmlChar *v;
    char *ret;

    if (!node)
        return NULL;
    v = xmlGetNoNsProp(node, (const xmlChar *)name);
    if (!v)
        return NULL;
    ret = g_strdup((const char *)v);
    xmlFree(v);
    return ret;
}

const char *
dt_xml_prop_ref(xmlNode *node, const char *name, char **tmp)
{
    *tmp = NULL;
    if (!node || node->type != XML_ELEMENT_NODE)
        return NULL;
    /* the attribute xmlGetNoNsProp() finds: the first without a namespace
     * (no DTD, so no defaulted attributes) */
    for (xmlAttr *a = node->properties; a; a = a->next) {
        xmlNode *t = a->children;

        if (a->ns || !xmlStrEqual(a->name, (const xmlChar *)name))
            continue;
        if (!t)
            return "";
        if (!t->next && (t->type == XML_TEXT_NODE || t->type == XML_CDATA_SECTION_NODE))
            return (const char *)t->content;
        return *tmp = dt_xml_prop(node, name);
    }
    return NULL;
}

xmlNode *
dt_xml_child(xmlNode *node, const char *name, const char *ns)
{
    if (!node)
        return NULL;
    for (xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)c->name, name) != 0)
            continue;
        if (ns) {
            if (!c->ns || !c->ns->href || strcmp((const char *)c->ns->href, ns) != 0)
                continue;
        } else if (c->ns && c->ns->href) {
            /* without ns we want the element in no namespace (libvirt's own) */
            continue;
        }
        return c;
    }
    return NULL;
}

char *
dt_xml_text(xmlNode *node)
{
    xmlChar *v;
    char *ret;

    if (!node)
        return g_strdup("");
    v = xmlNodeGetContent(node);
    ret = g_strstrip(g_strdup(v ? (const char *)v : ""));
    xmlFree(v);
    return ret;
}

char *
dt_xml_node_string(xmlNode *node)
{
    g_autoptr(xmlBuffer) buf = xmlBufferCreate();

    if (!buf || xmlNodeDump(buf, node->doc, node, 0, 0) < 0)
        return NULL;
    return g_strdup((const char *)xmlBufferContent(buf));
}

/* ---- writing into a parsed document ----------------------------------------- */

#define DT_XML_INDENT_UNIT 2

gboolean
dt_xml_node_is(const xmlNode *n, const char *name, const char *ns)
{
    if (!n || n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, name) != 0)
        return FALSE;
    if (!ns)
        return !n->ns || !n->ns->href;
    return n->ns && n->ns->href && strcmp((const char *)n->ns->href, ns) == 0;
}

static guint
node_depth(const xmlNode *n)
{
    guint depth = 0;

    for (const xmlNode *p = n->parent; p && p->type == XML_ELEMENT_NODE; p = p->parent)
        depth++;
    return depth;
}

xmlNode *
dt_xml_indent_text(xmlDoc *doc, guint depth)
{
    g_autofree char *s = g_strnfill(depth * DT_XML_INDENT_UNIT + 1, ' ');

    s[0] = '\n';
    return xmlNewDocText(doc, BAD_CAST s);
}

static gboolean
is_blank_text(const xmlNode *n)
{
    return n && n->type == XML_TEXT_NODE && xmlIsBlankNode((xmlNode *)n);
}

void
dt_xml_append_indented(xmlNode *parent, xmlNode *child)
{
    guint depth = node_depth(parent);
    xmlNode *last = parent->last;

    if (!last) {
        xmlAddChild(parent, dt_xml_indent_text(parent->doc, depth + 1));
        xmlAddChild(parent, child);
        xmlAddChild(parent, dt_xml_indent_text(parent->doc, depth));
    } else if (is_blank_text(last)) {
        xmlAddPrevSibling(last, child);
        xmlAddPrevSibling(child, dt_xml_indent_text(parent->doc, depth + 1));
    } else {
        xmlAddChild(parent, dt_xml_indent_text(parent->doc, depth + 1));
        xmlAddChild(parent, child);
    }
}
