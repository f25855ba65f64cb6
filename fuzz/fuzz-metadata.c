/* fuzz-metadata.c: dirtytrack's own <metadata> element.
 *
 * The element travels with a migrating domain, so the destination host reads
 * what the source (or anyone who can edit the domain) wrote.  The input is
 * parsed with the common hostile-XML rules and dt_metadata_parse_node() is
 * called on every element of the tree, not just the root, so the fuzzer
 * does not have to guess the document shape before reaching the parser.
 * What parses must also survive the trip back: built (as the hook, `apply`
 * and live tuning write it) and parsed again, it builds to the same bytes.
 */
#include "config.h"

#include <string.h>

#include "model/dt-domain.h"
#include "model/dt-metadata.h"
#include "dt-fuzz.h"
#include "model/dt-util.h"
#include "model/dt-xml.h"

/* Documents are at most DT_XML_MAX_BYTES, but the walk is bounded anyway so
 * a deep tree cannot turn one input into a timeout. */
#define MAX_ELEMENTS 4096

/* m as the element dt_metadata_build() writes, serialized. */
static char *
built_bytes(const DtMetadata *m, xmlDoc **doc_out, xmlNode **node_out)
{
    xmlDoc *doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNode *node = dt_metadata_build(doc, m);
    xmlBuffer *buf = xmlBufferCreate();
    char *out;

    xmlDocSetRootElement(doc, node);
    xmlNodeDump(buf, doc, node, 0, 0);
    out = g_strdup((const char *)xmlBufferContent(buf));
    xmlBufferFree(buf);
    *doc_out = doc;
    *node_out = node;
    return out;
}

static void
round_trip(const DtMetadata *m)
{
    g_autoptr(GError) error = NULL;
    xmlDoc *doc1 = NULL, *doc2 = NULL;
    xmlNode *node1 = NULL, *node2 = NULL;
    g_autofree char *first = built_bytes(m, &doc1, &node1);
    DtMetadata *back = dt_metadata_new();

    dt_fuzz_check(dt_metadata_parse_node(node1, back, &error));
    if (!error) {
        g_autofree char *second = built_bytes(back, &doc2, &node2);
        dt_fuzz_check(strcmp(first, second) == 0);
        xmlFreeDoc(doc2);
    }
    dt_metadata_free(back);
    xmlFreeDoc(doc1);
}

static void
parse_one(xmlNode *node)
{
    g_autoptr(GError) error = NULL;
    DtMetadata *m = dt_metadata_new();
    DtPolicy policy;

    /* a pre-filled target: a failed parse must leave it as it was */
    m->verdict = g_strdup("allow");
    if (dt_metadata_parse_node(node, m, &error)) {
        dt_fuzz_check(error == NULL && m->present && m->fp_devices != NULL);
        for (guint i = 0; i < m->fp_devices->len; i++)
            dt_fuzz_check(g_ptr_array_index(m->fp_devices, i) != NULL);
        dt_policy_init_defaults(&policy);
        dt_metadata_apply_policy(m, &policy);
        round_trip(m);
    } else {
        dt_fuzz_check(error != NULL && error->domain == DT_ERROR);
        dt_fuzz_check(g_strcmp0(m->verdict, "allow") == 0 && !m->present);
    }
    dt_metadata_free(m);
}

int
dt_fuzz_metadata(const uint8_t *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(xmlDoc) doc = dt_xml_parse((const char *)data, size, "metadata", NULL, &error);
    xmlNode *node;
    guint seen = 0;

    if (!doc)
        return 0;
    /* pre-order walk without recursion */
    node = xmlDocGetRootElement(doc);
    while (node && seen < MAX_ELEMENTS) {
        if (node->type == XML_ELEMENT_NODE) {
            parse_one(node);
            seen++;
        }
        if (node->children) {
            node = node->children;
            continue;
        }
        while (node && !node->next)
            node = node->parent && node->parent->type != XML_DOCUMENT_NODE ? node->parent : NULL;
        if (node)
            node = node->next;
    }
    return 0;
}

DT_FUZZ_ENTRY(dt_fuzz_metadata)
