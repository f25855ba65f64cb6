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

/* ---- the per-thread document cache ----------------------------------------- */

/* Inputs above this are parsed every time: a kept document costs several
 * times its text in memory, and such documents are not what repeats. */
#define DT_XML_CACHE_MAX_BYTES (1024u * 1024u)

typedef struct {
    char *bytes;   /* the exact input the document was parsed from */
    gsize len;
    char *root;    /* expected_root it was checked against (NULL: none) */
    xmlDoc *doc;   /* NULL once taken */
} DtXmlCache;

static void
dt_xml_cache_free(gpointer data)
{
    DtXmlCache *c = data;

    if (!c)
        return;
    if (c->doc)
        xmlFreeDoc(c->doc);
    g_free(c->bytes);
    g_free(c->root);
    g_free(c);
}

static GPrivate dt_xml_cache_key = G_PRIVATE_INIT(dt_xml_cache_free);

static gboolean
dt_xml_cache_holds(const DtXmlCache *c, const char *buf, gsize len)
{
    return c->bytes && c->len == len && memcmp(c->bytes, buf, len) == 0;
}

xmlDoc *
dt_xml_parse_cached(const char *buf, gsize len, const char *what,
                    const char *expected_root, GError **error)
{
    DtXmlCache *c = g_private_get(&dt_xml_cache_key);

    /* The kept document passed every check dt_xml_parse() makes on these
     * very bytes, so taking it answers exactly as parsing them again. */
    if (c && c->doc && buf && dt_xml_cache_holds(c, buf, len) &&
        g_strcmp0(c->root, expected_root) == 0) {
        xmlSetGenericErrorFunc(NULL, dt_xml_silence);
        return g_steal_pointer(&c->doc);
    }
    return dt_xml_parse(buf, len, what, expected_root, error);
}

void
dt_xml_cache_put(const char *buf, gsize len, const char *expected_root, xmlDoc *doc)
{
    DtXmlCache *c;

    if (!doc)
        return;
    if (!buf || len == 0 || len > DT_XML_CACHE_MAX_BYTES) {
        xmlFreeDoc(doc);
        return;
    }
    c = g_private_get(&dt_xml_cache_key);
    if (!c) {
        c = g_new0(DtXmlCache, 1);
        g_private_set(&dt_xml_cache_key, c);
    }
    if (c->doc)
        xmlFreeDoc(c->doc);
    if (!dt_xml_cache_holds(c, buf, len)) {
        g_free(c->bytes);
        c->bytes = g_memdup2(buf, len);
        c->len = len;
    }
    if (g_strcmp0(c->root, expected_root) != 0) {
        g_free(c->root);
        c->root = g_strdup(expected_root);
    }
    c->doc = doc;
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

/* ---- the plain element tree ---------------------------------------------------
 *
 * Everything lives in one bump arena owned by the tree: a database of a
 * hundred elements costs two allocations, not a thousand. */

struct DtXmlTree {
    DtXmlElem *root;
    GSList *blocks;
    char *cur;
    gsize left;
};

#define DT_XML_ARENA_BLOCK (16u * 1024u)

static char *
tree_alloc_raw(DtXmlTree *t, gsize size)
{
    char *p;

    size = (size + 7u) & ~(gsize)7u;
    if (G_UNLIKELY(size > t->left)) {
        gsize bs = MAX(size, DT_XML_ARENA_BLOCK);
        char *b = g_malloc(bs);

        t->blocks = g_slist_prepend(t->blocks, b);
        t->cur = b;
        t->left = bs;
    }
    p = t->cur;
    t->cur += size;
    t->left -= size;
    return p;
}

static inline gpointer
tree_alloc(DtXmlTree *t, gsize size)
{
    return memset(tree_alloc_raw(t, size), 0, size);
}

static const char *
tree_strndup(DtXmlTree *t, const char *s, gsize n)
{
    char *d = tree_alloc_raw(t, n + 1);

    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void
dt_xml_tree_free(DtXmlTree *t)
{
    if (!t)
        return;
    g_slist_free_full(t->blocks, g_free);
    g_free(t);
}

const DtXmlElem *
dt_xml_tree_root(const DtXmlTree *t)
{
    return t ? t->root : NULL;
}

const char *
dt_xml_elem_prop(const DtXmlElem *e, const char *name)
{
    for (guint i = 0; e && i < e->n_attrs; i++)
        if (!e->attrs[i].in_ns && strcmp(e->attrs[i].name, name) == 0)
            return e->attrs[i].value;
    return NULL;
}

gboolean
dt_xml_elem_equal(const DtXmlElem *a, const DtXmlElem *b)
{
    for (; a && b; a = a->next, b = b->next) {
        if (strcmp(a->name, b->name) != 0 || a->in_ns != b->in_ns ||
            strcmp(a->text, b->text) != 0 || a->n_attrs != b->n_attrs)
            return FALSE;
        for (guint i = 0; i < a->n_attrs; i++)
            if (strcmp(a->attrs[i].name, b->attrs[i].name) != 0 ||
                g_strcmp0(a->attrs[i].value, b->attrs[i].value) != 0 ||
                a->attrs[i].in_ns != b->attrs[i].in_ns)
                return FALSE;
        if (!dt_xml_elem_equal(a->children, b->children))
            return FALSE;
    }
    return a == NULL && b == NULL;
}

/* ---- from a libxml2 document: the reference ---------------------------------- */

static const char *
tree_take_xml(DtXmlTree *t, xmlChar *v)
{
    const char *s;

    if (!v)
        return NULL;
    s = tree_strndup(t, (const char *)v, strlen((const char *)v));
    xmlFree(v);
    return s;
}

static DtXmlElem *
tree_from_node(DtXmlTree *t, xmlNode *n)
{
    DtXmlElem *e = tree_alloc(t, sizeof(*e));
    DtXmlAttr *attrs;
    DtXmlElem **link = &e->children;
    gboolean leaf = TRUE;
    guint i = 0;

    e->name = tree_strndup(t, (const char *)n->name, strlen((const char *)n->name));
    e->in_ns = n->ns != NULL;
    e->line = xmlGetLineNo(n);
    for (xmlAttr *a = n->properties; a; a = a->next)
        e->n_attrs++;
    attrs = tree_alloc(t, sizeof(DtXmlAttr) * MAX(e->n_attrs, 1u));
    for (xmlAttr *a = n->properties; a; a = a->next, i++) {
        attrs[i].name = tree_strndup(t, (const char *)a->name, strlen((const char *)a->name));
        attrs[i].in_ns = a->ns != NULL;
        /* what xmlGetNoNsProp() returns for it */
        attrs[i].value = tree_take_xml(t, xmlNodeGetContent((xmlNode *)a));
    }
    e->attrs = attrs;
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        leaf = FALSE;
        *link = tree_from_node(t, c);
        link = &(*link)->next;
    }
    e->text = leaf ? tree_take_xml(t, xmlNodeGetContent(n)) : NULL;
    if (!e->text)
        e->text = "";
    return e;
}

DtXmlTree *
dt_xml_tree_from_doc(xmlDoc *doc)
{
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    DtXmlTree *t;

    if (!root)
        return NULL;
    t = g_new0(DtXmlTree, 1);
    t->root = tree_from_node(t, root);
    return t;
}

/* ---- the simple parser ----------------------------------------------------------
 *
 * Every function answers FALSE/NULL to give up; giving up is never an
 * error, only "ask libxml2".  It must never accept what libxml2 refuses
 * nor read anything differently: names are ASCII without ':' (so no
 * namespace can appear), every character is checked against XML's Char
 * production, attribute values are normalised (literal tab, newline and
 * carriage return become a space; CR LF one space) and line ends in text
 * become LF, as XML 1.0 §2.11 and §3.3.3 require.  tests/test-vdb.c and
 * fuzz/fuzz-vdb.c compare it with libxml2. */

#define LITE_MAX_DEPTH 64
#define LITE_MAX_ATTRS 32

/* Bytes that need no attention in a run of character data, an attribute
 * value or a comment: printable ASCII other than the markup each has. */
enum { LITE_TEXT = 1, LITE_ATTR = 2, LITE_COMMENT = 4 };
#define LITE_ALL (LITE_TEXT | LITE_ATTR | LITE_COMMENT)
static const guint8 lite_plain[256] = {
    [0x20 ... 0x21] = LITE_ALL,
    ['"'] = LITE_TEXT | LITE_COMMENT,
    [0x23 ... 0x25] = LITE_ALL,
    ['&'] = LITE_COMMENT,
    ['\''] = LITE_TEXT | LITE_COMMENT,
    [0x28 ... 0x2c] = LITE_ALL,
    ['-'] = LITE_TEXT | LITE_ATTR,
    [0x2e ... 0x3b] = LITE_ALL,
    ['<'] = 0,
    [0x3d ... 0x5c] = LITE_ALL,
    [']'] = LITE_ATTR | LITE_COMMENT,
    [0x5e ... 0x7f] = LITE_ALL,
};

/* The end of the run of bytes of class cls starting at p. */
static inline const char *
lite_run(const char *p, const char *end, guint8 cls)
{
    while (p < end && (lite_plain[(guchar)*p] & cls))
        p++;
    return p;
}

typedef struct {
    const char *p, *end;
    DtXmlTree *t;
    GString *text[LITE_MAX_DEPTH + 1];   /* text of the open element at each depth */
    GString *val;                        /* the attribute value being read */
} Lite;

static inline gboolean
lite_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static gboolean
lite_skip_space(Lite *l)
{
    const char *b = l->p;

    while (l->p < l->end && lite_space(*l->p))
        l->p++;
    return l->p != b;
}

static gboolean
lite_at(const Lite *l, const char *lit, gsize n)
{
    return (gsize)(l->end - l->p) >= n && memcmp(l->p, lit, n) == 0;
}
#define LITE_AT(l, lit) lite_at((l), (lit), sizeof(lit) - 1)

static gboolean
lite_xml_char(gunichar u)
{
    return u == 0x9 || u == 0xA || u == 0xD || (u >= 0x20 && u <= 0xD7FF) ||
           (u >= 0xE000 && u <= 0xFFFD) || (u >= 0x10000 && u <= 0x10FFFF);
}

/* A non-ASCII character: one valid UTF-8 sequence of an XML Char. */
static gboolean
lite_utf8(Lite *l, GString *out)
{
    gunichar u = g_utf8_get_char_validated(l->p, l->end - l->p);
    gsize n;

    if (u == (gunichar)-1 || u == (gunichar)-2 || !lite_xml_char(u))
        return FALSE;
    n = (gsize)(g_utf8_next_char(l->p) - l->p);
    if (out)
        g_string_append_len(out, l->p, (gssize)n);
    l->p += n;
    return TRUE;
}

/* [A-Za-z_][A-Za-z0-9._-]*: a subset of XML names without a prefix. */
static gboolean
lite_name(Lite *l, const char **s, gsize *n)
{
    const char *b = l->p, *p = b + 1, *end = l->end;

    if (b >= end || !(g_ascii_isalpha(*b) || *b == '_'))
        return FALSE;
    while (p < end && (g_ascii_isalnum(*p) || *p == '_' || *p == '-' || *p == '.'))
        p++;
    l->p = p;
    *s = b;
    *n = (gsize)(p - b);
    return TRUE;
}

/* A predefined entity or a character reference, at '&'. */
static gboolean
lite_ref(Lite *l, GString *out)
{
    static const struct {
        const char *ref;
        gsize len;
        char c;
    } predefined[] = {
        { "&lt;", 4, '<' }, { "&gt;", 4, '>' }, { "&amp;", 5, '&' },
        { "&apos;", 6, '\'' }, { "&quot;", 6, '"' },
    };
    guint64 v = 0;
    guint digits = 0;
    gboolean hex;

    for (guint i = 0; i < G_N_ELEMENTS(predefined); i++) {
        if (lite_at(l, predefined[i].ref, predefined[i].len)) {
            g_string_append_c(out, predefined[i].c);
            l->p += predefined[i].len;
            return TRUE;
        }
    }
    if (!LITE_AT(l, "&#"))
        return FALSE;
    l->p += 2;
    hex = l->p < l->end && *l->p == 'x';
    if (hex)
        l->p++;
    for (; l->p < l->end && *l->p != ';'; l->p++) {
        int d = hex ? g_ascii_xdigit_value(*l->p) : g_ascii_digit_value(*l->p);

        if (d < 0 || ++digits > 8)
            return FALSE;
        v = v * (hex ? 16u : 10u) + (guint)d;
    }
    if (l->p >= l->end || digits == 0 || v > 0x10FFFF || !lite_xml_char((gunichar)v))
        return FALSE;
    l->p++;   /* ';' */
    g_string_append_unichar(out, (gunichar)v);
    return TRUE;
}

/* Character data up to the next '<' (or the end), appended to out. */
static gboolean
lite_text(Lite *l, GString *out)
{
    while (l->p < l->end && *l->p != '<') {
        const char *run = l->p;
        guchar c;

        l->p = lite_run(run, l->end, LITE_TEXT);
        if (l->p != run)
            g_string_append_len(out, run, l->p - run);
        if (l->p >= l->end)
            break;
        c = (guchar)*l->p;
        if (c == '<') {
            break;
        } else if (c == '&') {
            if (!lite_ref(l, out))
                return FALSE;
        } else if (c == ']') {
            if (LITE_AT(l, "]]>"))
                return FALSE;   /* not allowed in character data */
            g_string_append_c(out, ']');
            l->p++;
        } else if (c == '\r') {
            l->p++;
            if (l->p < l->end && *l->p == '\n')
                l->p++;
            g_string_append_c(out, '\n');
        } else if (c == '\n' || c == '\t') {
            g_string_append_c(out, (char)c);
            l->p++;
        } else if (c >= 0x80) {
            if (!lite_utf8(l, out))
                return FALSE;
        } else {
            return FALSE;   /* a control character */
        }
    }
    return TRUE;
}

/* A quoted attribute value, normalised as for an attribute of type CDATA. */
static gboolean
lite_attvalue(Lite *l, GString *out)
{
    char q;

    if (l->p >= l->end || (*l->p != '"' && *l->p != '\''))
        return FALSE;
    q = *l->p++;
    for (;;) {
        const char *run = l->p;
        guchar c;

        l->p = lite_run(run, l->end, LITE_ATTR);
        if (l->p != run)
            g_string_append_len(out, run, l->p - run);
        if (l->p >= l->end)
            return FALSE;
        c = (guchar)*l->p;
        if (c == (guchar)q) {
            l->p++;
            return TRUE;
        } else if (c == '"' || c == '\'') {
            g_string_append_c(out, (char)c);   /* the other quote */
            l->p++;
        } else if (c == '&') {
            if (!lite_ref(l, out))
                return FALSE;
        } else if (c == '\r') {
            l->p++;
            if (l->p < l->end && *l->p == '\n')
                l->p++;
            g_string_append_c(out, ' ');
        } else if (c == '\n' || c == '\t') {
            g_string_append_c(out, ' ');
            l->p++;
        } else if (c >= 0x80) {
            if (!lite_utf8(l, out))
                return FALSE;
        } else {
            return FALSE;   /* '<' or a control character */
        }
    }
}

/* <!-- ... -->, at "<!--": no "--" inside, no '-' before the end. */
static gboolean
lite_comment(Lite *l)
{
    l->p += 4;
    while (l->p < l->end) {
        guchar c;

        l->p = lite_run(l->p, l->end, LITE_COMMENT);
        if (l->p >= l->end)
            break;
        c = (guchar)*l->p;
        if (c == '-') {
            if (l->p + 1 < l->end && l->p[1] == '-') {
                if (l->p + 2 < l->end && l->p[2] == '>') {
                    l->p += 3;
                    return TRUE;
                }
                return FALSE;
            }
            l->p++;
        } else if ((c >= 0x20 && c < 0x80) || c == '\t' || c == '\n' || c == '\r') {
            l->p++;
        } else if (c >= 0x80) {
            if (!lite_utf8(l, NULL))
                return FALSE;
        } else {
            return FALSE;
        }
    }
    return FALSE;
}

/* S? '=' S? and a quoted literal, copied raw into out (for the declaration). */
static gboolean
lite_decl_value(Lite *l, char *out, gsize size)
{
    const char *b;
    char q;

    lite_skip_space(l);
    if (l->p >= l->end || *l->p != '=')
        return FALSE;
    l->p++;
    lite_skip_space(l);
    if (l->p >= l->end || (*l->p != '"' && *l->p != '\''))
        return FALSE;
    q = *l->p++;
    b = l->p;
    while (l->p < l->end && *l->p != q)
        l->p++;
    if (l->p >= l->end || (gsize)(l->p - b) >= size)
        return FALSE;
    memcpy(out, b, (gsize)(l->p - b));
    out[l->p - b] = '\0';
    l->p++;
    return TRUE;
}

/* The XML declaration, if any: version 1.0, optionally encoding UTF-8. */
static gboolean
lite_xmldecl(Lite *l)
{
    char v[16];
    gboolean sp;

    if (!LITE_AT(l, "<?xml"))
        return TRUE;
    l->p += 5;
    if (!lite_skip_space(l) || !LITE_AT(l, "version"))
        return FALSE;
    l->p += 7;
    if (!lite_decl_value(l, v, sizeof(v)) || strcmp(v, "1.0") != 0)
        return FALSE;
    sp = lite_skip_space(l);
    if (LITE_AT(l, "encoding")) {
        if (!sp)
            return FALSE;
        l->p += 8;
        if (!lite_decl_value(l, v, sizeof(v)) || g_ascii_strcasecmp(v, "UTF-8") != 0)
            return FALSE;
        lite_skip_space(l);
    }
    if (!LITE_AT(l, "?>"))
        return FALSE;   /* standalone=, or anything else */
    l->p += 2;
    return TRUE;
}

/* A start tag, at '<'.  *empty for <name .../>. */
static DtXmlElem *
lite_start_tag(Lite *l, gboolean *empty)
{
    DtXmlAttr attrs[LITE_MAX_ATTRS];
    guint n_attrs = 0;
    DtXmlElem *e;
    const char *s;
    gsize n;

    l->p++;
    if (!lite_name(l, &s, &n))
        return NULL;
    e = tree_alloc(l->t, sizeof(*e));
    e->name = tree_strndup(l->t, s, n);
    e->text = "";
    for (;;) {
        gboolean sp = lite_skip_space(l);
        const char *an;
        gsize alen;

        if (l->p >= l->end)
            return NULL;
        if (*l->p == '>') {
            l->p++;
            *empty = FALSE;
            break;
        }
        if (LITE_AT(l, "/>")) {
            l->p += 2;
            *empty = TRUE;
            break;
        }
        if (!sp || n_attrs == LITE_MAX_ATTRS || !lite_name(l, &an, &alen))
            return NULL;
        if (alen == 5 && memcmp(an, "xmlns", 5) == 0)
            return NULL;   /* a namespace declaration */
        for (guint i = 0; i < n_attrs; i++)
            if (strlen(attrs[i].name) == alen && memcmp(attrs[i].name, an, alen) == 0)
                return NULL;   /* given twice: not well-formed */
        lite_skip_space(l);
        if (l->p >= l->end || *l->p != '=')
            return NULL;
        l->p++;
        lite_skip_space(l);
        g_string_truncate(l->val, 0);
        if (!lite_attvalue(l, l->val))
            return NULL;
        attrs[n_attrs].name = tree_strndup(l->t, an, alen);
        attrs[n_attrs].value = tree_strndup(l->t, l->val->str, l->val->len);
        attrs[n_attrs].in_ns = FALSE;
        n_attrs++;
    }
    e->n_attrs = n_attrs;
    if (n_attrs) {
        DtXmlAttr *a = tree_alloc(l->t, sizeof(DtXmlAttr) * n_attrs);

        memcpy(a, attrs, sizeof(DtXmlAttr) * n_attrs);
        e->attrs = a;
    }
    return e;
}

/* Comments and white space, between the prolog's pieces and after the root. */
static gboolean
lite_misc(Lite *l)
{
    for (;;) {
        lite_skip_space(l);
        if (!LITE_AT(l, "<!--"))
            return TRUE;
        if (!lite_comment(l))
            return FALSE;
    }
}

static gboolean
lite_document(Lite *l)
{
    DtXmlElem *open[LITE_MAX_DEPTH + 1];
    DtXmlElem **link[LITE_MAX_DEPTH + 1];   /* where the next child goes */
    guint depth = 0;
    gboolean empty;

    if (!lite_xmldecl(l) || !lite_misc(l) || l->p >= l->end || *l->p != '<')
        return FALSE;
    l->t->root = lite_start_tag(l, &empty);
    if (!l->t->root)
        return FALSE;
    if (!empty) {
        depth = 1;
        open[1] = l->t->root;
        link[1] = &l->t->root->children;
        g_string_truncate(l->text[1], 0);
    }
    while (depth > 0) {
        if (!lite_text(l, l->text[depth]) || l->p >= l->end)
            return FALSE;
        if (LITE_AT(l, "</")) {
            DtXmlElem *e = open[depth];
            const char *s;
            gsize n;

            l->p += 2;
            if (!lite_name(l, &s, &n) || strlen(e->name) != n || memcmp(e->name, s, n) != 0)
                return FALSE;
            lite_skip_space(l);
            if (l->p >= l->end || *l->p != '>')
                return FALSE;
            l->p++;
            if (!e->children)
                e->text = tree_strndup(l->t, l->text[depth]->str, l->text[depth]->len);
            depth--;
        } else if (LITE_AT(l, "<!--")) {
            if (!lite_comment(l))
                return FALSE;
        } else if (LITE_AT(l, "<!") || LITE_AT(l, "<?")) {
            return FALSE;   /* CDATA or a processing instruction */
        } else {
            DtXmlElem *e = lite_start_tag(l, &empty);

            if (!e)
                return FALSE;
            *link[depth] = e;
            link[depth] = &e->next;
            if (!empty) {
                if (depth == LITE_MAX_DEPTH)
                    return FALSE;
                depth++;
                open[depth] = e;
                link[depth] = &e->children;
                if (!l->text[depth])
                    l->text[depth] = g_string_sized_new(256);
                g_string_truncate(l->text[depth], 0);
            }
        }
    }
    return lite_misc(l) && l->p == l->end;
}

DtXmlTree *
dt_xml_tree_parse_simple(const char *buf, gsize len)
{
    Lite l = { 0 };
    gboolean ok;

    /* what dt_xml_parse() refuses before parsing is left to it to word */
    if (!buf || len == 0 || len > DT_XML_MAX_BYTES || memchr(buf, '\0', len))
        return NULL;
    l.p = buf;
    l.end = buf + len;
    l.t = g_new0(DtXmlTree, 1);
    l.val = g_string_sized_new(256);
    l.text[1] = g_string_sized_new(256);
    ok = lite_document(&l);
    g_string_free(l.val, TRUE);
    for (guint i = 0; i <= LITE_MAX_DEPTH; i++)
        if (l.text[i])
            g_string_free(l.text[i], TRUE);
    if (!ok) {
        dt_xml_tree_free(l.t);
        return NULL;
    }
    return l.t;
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
