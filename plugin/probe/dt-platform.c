/* dt-platform.c: what the running kernel shows about itself, for the host
 * report only: the CPU's virtualization flag, the ACPI DMAR/IVRS tables,
 * the IOMMU groups, the kernel configuration and its modules.
 *
 * A module of its own because the host report alone needs it: the hook
 * links dt-host.c and must not pay for reading a 300 KiB configuration or
 * for GIO, which decompresses /proc/config.gz.  Reads go through the
 * sysroot (dt-paths.h), are bounded, refuse symlinks and non-regular
 * files, and leave a fact unknown when it cannot be read.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>

#include "probe/dt-host.h"
#include "probe/dt-platform.h"

/* Text files the platform probe reads whole: a kernel configuration is
 * about 300 KiB, a modules.dep under 1 MiB; anything far larger is not one. */
#define PLATFORM_FILE_MAX (16u << 20)

/* Reads a regular file (not following a final symlink) of at most
 * PLATFORM_FILE_MAX bytes; a ".gz" name is decompressed (/proc/config.gz)
 * with the same bound on the output.  Returns -errno. */
static int
read_text_file(const char *path, char **out)
{
    g_autoptr(GByteArray) raw = g_byte_array_new();
    g_autoptr(GByteArray) text = NULL;
    struct stat st;
    guint8 chunk[16384];
    int fd;

    *out = NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)PLATFORM_FILE_MAX) {
        close(fd);
        return -EINVAL;
    }
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || raw->len + (gsize)MAX(n, 0) > PLATFORM_FILE_MAX) {
            close(fd);
            return n < 0 ? -EIO : -EFBIG;
        }
        if (n == 0)
            break;
        g_byte_array_append(raw, chunk, (guint)n);
    }
    close(fd);
    if (g_str_has_suffix(path, ".gz")) {
        g_autoptr(GZlibDecompressor) z = g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP);
        gsize in_off = 0;
        GConverterResult r;

        text = g_byte_array_new();
        do {
            gsize rd = 0, wr = 0;
            r = g_converter_convert(G_CONVERTER(z), raw->data + in_off, raw->len - in_off,
                                    chunk, sizeof(chunk), G_CONVERTER_INPUT_AT_END,
                                    &rd, &wr, NULL);
            if (r == G_CONVERTER_ERROR || text->len + wr > PLATFORM_FILE_MAX)
                return r == G_CONVERTER_ERROR ? -EINVAL : -EFBIG;
            in_off += rd;
            g_byte_array_append(text, chunk, (guint)wr);
        } while (r != G_CONVERTER_FINISHED);
    } else {
        text = g_steal_pointer(&raw);
    }
    if (memchr(text->data, '\0', text->len))
        return -EINVAL;
    g_byte_array_append(text, (const guint8 *)"", 1);
    *out = (char *)g_byte_array_free(g_steal_pointer(&text), FALSE);
    return 0;
}

/* libvirt's virt-host-validate (tools/virt-host-validate-common.c,
 * virHostValidateIOMMU) tells Intel from AMD by the "vmx"/"svm" CPU flags
 * and then looks for the matching ACPI table; we keep its rule, so a guest
 * whose CPU shows neither (the flags of nested virtualization) is a
 * platform that cannot tell, as it is for virt-host-validate.  Only the
 * first processor is read: the flags are the same on every one. */
static DtCpuVirt
probe_cpu_virt(const DtPaths *paths)
{
    g_autofree char *p = dt_paths_get(paths, "/proc/cpuinfo");
    char buf[16384];
    g_auto(GStrv) lines = NULL;
    ssize_t n;
    int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);

    if (fd < 0)
        return DT_CPU_OTHER;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return DT_CPU_OTHER;
    buf[n] = '\0';
    lines = g_strsplit(buf, "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        g_auto(GStrv) words = NULL;
        const char *colon;

        if (lines[i][0] == '\0')
            break;   /* end of the first processor */
        if (!g_str_has_prefix(lines[i], "flags"))
            continue;
        colon = strchr(lines[i], ':');
        if (!colon)
            continue;
        words = g_strsplit_set(colon + 1, " \t", -1);
        for (guint j = 0; words[j]; j++) {
            if (strcmp(words[j], "vmx") == 0)
                return DT_CPU_INTEL;
            if (strcmp(words[j], "svm") == 0)
                return DT_CPU_AMD;
        }
    }
    return DT_CPU_OTHER;
}

static int
count_dir_entries(const DtPaths *paths, const char *abs)
{
    g_autofree char *p = dt_paths_get(paths, abs);
    g_autoptr(GDir) d = g_dir_open(p, 0, NULL);
    int n = 0;

    if (!d)
        return -1;
    while (g_dir_read_name(d))
        n++;
    return n;
}

/* "CONFIG_X=y", "CONFIG_X=m", "# CONFIG_X is not set"; an option whose
 * dependencies are unmet is not written at all, which means unset too. */
static void
parse_kconfig(DtPlatform *pf, const char *text)
{
    for (guint f = 0; f < DT_KFEAT_N; f++)
        pf->kconfig[f] = DT_KOPT_UNSET;
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        gsize len = nl ? (gsize)(nl - line) : strlen(line);

        if (g_str_has_prefix(line, "CONFIG_")) {
            for (guint f = 0; f < DT_KFEAT_N; f++) {
                gsize k = strlen(dt_kfeat_config_name(f));
                if (len == k + 2 && strncmp(line, dt_kfeat_config_name(f), k) == 0 &&
                    line[k] == '=')
                    pf->kconfig[f] = line[k + 1] == 'y' ? DT_KOPT_BUILTIN
                                   : line[k + 1] == 'm' ? DT_KOPT_MODULE : DT_KOPT_UNSET;
            }
        }
        line = nl ? nl + 1 : NULL;
    }
}

/* The running kernel's own configuration first (/proc/config.gz, with
 * CONFIG_IKCONFIG_PROC), then the one installed beside it. */
static void
probe_kconfig(DtPlatform *pf, const DtHost *host, const DtPaths *paths)
{
    g_autofree char *boot = NULL;
    const char *candidates[2] = { "/proc/config.gz", NULL };

    if (host->kernel_release && dt_host_release_is_safe(host->kernel_release))
        candidates[1] = boot = g_strdup_printf("/boot/config-%s", host->kernel_release);
    for (guint i = 0; i < G_N_ELEMENTS(candidates); i++) {
        g_autofree char *p = NULL;
        g_autofree char *text = NULL;

        if (!candidates[i])
            continue;
        p = dt_paths_get(paths, candidates[i]);
        if (read_text_file(p, &text) < 0)
            continue;
        /* a file without a single option is no configuration */
        if (!strstr(text, "CONFIG_"))
            continue;
        parse_kconfig(pf, text);
        pf->kconfig_path = g_strdup(candidates[i]);
        return;
    }
}

/* Module names as modprobe and /sys/module write them: '-' becomes '_'. */
static gboolean
module_path_is(const char *path, gsize len, const char *module)
{
    const char *base = g_strrstr_len(path, (gssize)len, "/");
    gsize mlen = strlen(module);

    base = base ? base + 1 : path;
    len -= (gsize)(base - path);
    if (len < mlen + 3)
        return FALSE;
    for (gsize i = 0; i < mlen; i++) {
        char c = base[i] == '-' ? '_' : base[i];
        if (c != module[i])
            return FALSE;
    }
    /* ".ko", or compressed: ".ko.xz", ".ko.zst", ".ko.gz" */
    return strncmp(base + mlen, ".ko", 3) == 0 && (len == mlen + 3 || base[mlen + 3] == '.');
}

/* Marks each feature's module found in a module list (one path per line,
 * "path:" and dependencies in modules.dep). */
static void
scan_module_list(DtPlatform *pf, const char *text, DtKmod state)
{
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        gsize len = nl ? (gsize)(nl - line) : strlen(line);
        const char *colon = memchr(line, ':', len);
        gsize plen = colon ? (gsize)(colon - line) : len;

        for (guint f = 0; f < DT_KFEAT_N; f++)
            if (dt_kfeat_module_name(f) && pf->kmod[f] < state &&
                module_path_is(line, plen, dt_kfeat_module_name(f)))
                pf->kmod[f] = state;
        line = nl ? nl + 1 : NULL;
    }
}

static void
probe_modules(DtPlatform *pf, const DtHost *host, const DtPaths *paths)
{
    static const char *const lists[] = { "modules.dep", "modules.builtin" };
    static const DtKmod states[] = { DT_KMOD_AVAILABLE, DT_KMOD_BUILTIN };

    if (host->kernel_release && dt_host_release_is_safe(host->kernel_release)) {
        for (guint i = 0; i < G_N_ELEMENTS(lists); i++) {
            g_autofree char *p = dt_paths_printf(paths, "/lib/modules/%s/%s",
                                                 host->kernel_release, lists[i]);
            g_autofree char *text = NULL;

            if (read_text_file(p, &text) < 0)
                continue;
            if (!pf->modules_known)
                for (guint f = 0; f < DT_KFEAT_N; f++)
                    if (dt_kfeat_module_name(f))
                        pf->kmod[f] = DT_KMOD_ABSENT;
            pf->modules_known = TRUE;
            scan_module_list(pf, text, states[i]);
        }
    }
    /* loaded wins over every list: it is what runs now */
    for (guint f = 0; f < DT_KFEAT_N; f++) {
        g_autofree char *p = NULL;

        if (!dt_kfeat_module_name(f))
            continue;
        p = g_strdup_printf("/sys/module/%s", dt_kfeat_module_name(f));
        if (dt_host_path_exists(paths, p, TRUE))
            pf->kmod[f] = DT_KMOD_LOADED;
    }
}

void
dt_platform_probe(DtHost *host, const DtPaths *paths)
{
    DtPlatform *pf = &host->platform;

    if (pf->probed)
        return;
    pf->probed = TRUE;
    pf->cpu = probe_cpu_virt(paths);
    pf->acpi_dmar = dt_host_path_exists(paths, "/sys/firmware/acpi/tables/DMAR", FALSE);
    pf->acpi_ivrs = dt_host_path_exists(paths, "/sys/firmware/acpi/tables/IVRS", FALSE);
    pf->iommu_groups = count_dir_entries(paths, "/sys/kernel/iommu_groups");
    probe_kconfig(pf, host, paths);
    probe_modules(pf, host, paths);
}

