/* dt-enum.h: one table of names per enumeration.
 *
 * A vocabulary (modes, verdicts, roles, sources, policies, VFIO migration
 * flags) is written down once, as an array of names in the enum's order;
 * its _to_string() and _from_string() are generated from that array, so a
 * report, a parser and a D-Bus answer cannot drift apart.  The idea and the
 * shape are libvirt's (src/util/virenum.h VIR_ENUM_DECL/VIR_ENUM_IMPL):
 * G_STATIC_ASSERT ties the array's length to the enum's range, so adding a
 * value without its name does not compile.
 *
 * The enum's values must be the consecutive integers FIRST..LAST; the
 * names are stable identifiers (reports, XML attributes, D-Bus), never
 * translated.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The lookups behind the generated functions: the name of value
 * (names[value - first]), NULL when out of range; whether s is one of the
 * names, and then its value. */
const char *dt_enum_to_string(const char *const *names, guint n, int first, int value);
gboolean dt_enum_from_string(const char *const *names, guint n, int first, const char *s,
                             int *value);

/* names[0..n-1] joined by sep, for messages that list what is accepted. */
char *dt_enum_join(const char *const *names, guint n, const char *sep);

/* In a header: the functions of vocabulary NAME over enum TYPE.
 * NAME_to_string() returns NULL only for a value outside the enum;
 * NAME_names() the table itself (the name of FIRST + i at i) and its length. */
#define DT_ENUM_DECL(name, type) \
    const char *name##_to_string(type value); \
    gboolean name##_from_string(const char *s, type *out); \
    const char *const *name##_names(guint *n)

/* In one .c file: the table, its length check and the two functions. */
#define DT_ENUM_IMPL(name, type, first, last, ...) \
    static const char *const name##_table[] = { __VA_ARGS__ }; \
    G_STATIC_ASSERT(G_N_ELEMENTS(name##_table) == (guint)((last) - (first) + 1)); \
    const char * \
    name##_to_string(type value) \
    { \
        return dt_enum_to_string(name##_table, G_N_ELEMENTS(name##_table), (first), \
                                 (int)value); \
    } \
    gboolean \
    name##_from_string(const char *s, type *out) \
    { \
        int v; \
        if (!dt_enum_from_string(name##_table, G_N_ELEMENTS(name##_table), (first), s, &v)) \
            return FALSE; \
        *out = (type)v; \
        return TRUE; \
    } \
    const char *const * \
    name##_names(guint *n) \
    { \
        *n = G_N_ELEMENTS(name##_table); \
        return name##_table; \
    } \
    G_STATIC_ASSERT(TRUE)

G_END_DECLS
