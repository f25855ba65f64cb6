/* fuzz-sysfs.c: every parser fed from sysfs, procfs and modules.alias.
 *
 * A fixture sysroot, a half-written file or a future kernel can put any
 * bytes into these files, so each parser sees the same input in each role:
 *   - the whole input as one file's text: numbers (base 10 and 16), a PCI
 *     address, a version, a memory unit, an AMD `features` file;
 *   - the first eight bytes as a raw Intel ECAP / AMD EFR register value,
 *     judged on kernels either side of every band edge;
 *   - the eight bytes after the first NUL (if any) as a memory size whose
 *     unit is the text before it;
 *   - the first line as a device modalias (its ids, round trip) and the
 *     rest as modules.alias.
 * Where a parser promises a round trip (address, version, number), it is
 * checked, because a parser that accepts what its printer cannot reproduce
 * lets two spellings of one device compare unequal.
 */
#include "config.h"

#include <string.h>

#include "probe/dt-alias.h"
#include "dt-fuzz.h"
#include "probe/dt-iommu.h"
#include "model/dt-util.h"

/* modules.alias is ~1.5 MB in practice; keep single runs fast */
#define FUZZ_MAX_INPUT (256u * 1024u)

static const char *const kernels[] = {
    "5.10.0", "6.1.0-28-amd64", "6.6.30", "6.7.0", "6.12.57+deb13-amd64",
    "6.18.0", "7.0.0", NULL,
};

static void
numbers(const char *s)
{
    guint64 v, back;
    DtPciAddr a, a2;
    DtVersion ver, ver2;

    if (dt_parse_u64(s, 10, &v)) {
        g_autofree char *p = g_strdup_printf("%" G_GUINT64_FORMAT, v);
        dt_fuzz_check(dt_parse_u64(p, 10, &back) && back == v);
    }
    if (dt_parse_u64(s, 16, &v)) {
        g_autofree char *p = g_strdup_printf("0x%" G_GINT64_MODIFIER "x", v);
        dt_fuzz_check(dt_parse_u64(p, 16, &back) && back == v);
    }
    if (dt_pci_addr_parse(s, &a)) {
        g_autofree char *p = dt_pci_addr_to_string(&a);
        dt_fuzz_check(a.slot <= 31 && a.function <= 7);
        dt_fuzz_check(dt_pci_addr_parse(p, &a2) && dt_pci_addr_equal(&a, &a2));
    }
    if (dt_version_parse(s, &ver)) {
        g_autofree char *p = dt_version_to_string(&ver);
        dt_fuzz_check(ver.known);
        dt_fuzz_check(dt_version_parse(p, &ver2) && dt_version_cmp(&ver, &ver2) == 0);
    } else {
        dt_fuzz_check(!ver.known);
    }
}

static void
memory(const char *s, guint64 raw)
{
    guint64 kib;

    /* the input as the unit, with a raw and a small value */
    if (dt_memory_to_kib(raw, s, &kib) && raw != 0)
        dt_fuzz_check(kib != 0);
    if (dt_memory_to_kib(1, s, &kib))
        dt_fuzz_check(kib >= 1);
    /* the default unit is KiB */
    dt_fuzz_check(dt_memory_to_kib(raw, NULL, &kib) && kib == raw);
}

static void
registers(const char *s, guint64 raw)
{
    for (guint i = 0; kernels[i]; i++) {
        DtVersion k;
        guint64 efr = 0, efr2 = 0;
        g_autofree char *note = NULL;
        DtTri t;

        dt_fuzz_check(dt_version_parse(kernels[i], &k));
        if (dt_iommu_amd_parse_features(s, &k, &efr, &efr2)) {
            t = dt_iommu_amd_dirty(efr, &k, &note);
            dt_fuzz_check(t == DT_TRI_YES || t == DT_TRI_NO);
            dt_fuzz_check(note != NULL);
        }
        for (int sm_off = 0; sm_off <= 1; sm_off++) {
            t = dt_iommu_intel_dirty(raw, &k, sm_off, &note);
            dt_fuzz_check(t == DT_TRI_YES || t == DT_TRI_NO);
            dt_fuzz_check(note != NULL);
            dt_fuzz_check(!(t == DT_TRI_YES && sm_off));
        }
        t = dt_iommu_amd_dirty(raw, &k, &note);
        dt_fuzz_check(t == DT_TRI_YES || t == DT_TRI_NO);
    }
    /* no kernel version: never a confident yes */
    {
        DtVersion unknown = { 0 };
        g_autofree char *note = NULL;
        guint64 efr = 0, efr2 = 0;

        dt_fuzz_check(dt_iommu_intel_dirty(raw, &unknown, FALSE, &note) != DT_TRI_YES);
        dt_fuzz_check(dt_iommu_amd_dirty(raw, NULL, &note) != DT_TRI_YES);
        (void)dt_iommu_amd_parse_features(s, NULL, &efr, &efr2);
    }
}

static void
aliases(const char *text, gsize len)
{
    const char *nl = memchr(text, '\n', len);
    g_autofree char *modalias = g_strndup(text, nl ? (gsize)(nl - text) : len);
    const char *rest = nl ? nl + 1 : text + len;
    g_autoptr(DtAliasTable) t = dt_alias_table_parse(rest, len - (gsize)(rest - text));
    const char *module;

    /* the ids a device's modalias gives instead of five files: exactly
     * the kernel's shape, so the printer reproduces the line */
    {
        DtPciIds ids;
        if (dt_pci_modalias_parse(modalias, &ids)) {
            g_autofree char *back = dt_pci_modalias_print(&ids);
            dt_fuzz_check(strcmp(back, modalias) == 0);
            dt_fuzz_check(ids.vendor != 0 && ids.class_code <= 0xffffff);
        }
    }
    module = dt_alias_table_lookup(t, modalias);
    if (module)
        dt_fuzz_check(strcmp(module, "vfio_pci") != 0 && *module != '\0');
    /* the whole input as one table too: the first line may be an alias */
    {
        g_autoptr(DtAliasTable) all = dt_alias_table_parse(text, len);
        dt_fuzz_check(dt_alias_table_size(all) >= dt_alias_table_size(t));
        (void)dt_alias_table_lookup(all, modalias);
        (void)dt_alias_table_lookup(all, "pci:v000015B3d0000101Esv000015B3sd00000001bc02sc00i00");
    }
}

int
dt_fuzz_sysfs(const uint8_t *data, size_t size)
{
    g_autofree char *s = NULL;
    const uint8_t *nul;
    guint64 raw = 0, value;

    if (size > FUZZ_MAX_INPUT)
        return 0;
    /* sysfs text is read as a C string: stop at the first NUL, as
     * g_file_get_contents() users do */
    s = g_strndup((const char *)data, size);
    memcpy(&raw, data, MIN(size, sizeof(raw)));
    value = raw;
    nul = memchr(data, '\0', size);
    if (nul) {
        value = 0;
        memcpy(&value, nul + 1, MIN(size - (gsize)(nul + 1 - data), sizeof(value)));
    }

    numbers(s);
    memory(s, value);
    registers(s, raw);
    aliases((const char *)data, size);
    return 0;
}

DT_FUZZ_ENTRY(dt_fuzz_sysfs)
