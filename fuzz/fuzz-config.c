/* fuzz-config.c: /etc/dirtytrack/dirtytrack.conf.
 *
 * dt_config_load() takes a path, so the input is put in an anonymous memory
 * file and loaded through /proc/self/fd/N: no temporary files to clean up
 * and the loader runs unchanged.  An accepted file must leave every value
 * inside the range the key table documents.
 */
#include "config.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "model/dt-config.h"
#include "dt-fuzz.h"
#include "model/dt-util.h"

/* a real config is a few hundred bytes */
#define FUZZ_MAX_INPUT (64u * 1024u)

static gboolean
write_all(int fd, const uint8_t *data, size_t size)
{
    while (size > 0) {
        ssize_t n = write(fd, data, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FALSE;
        data += n;
        size -= (size_t)n;
    }
    return TRUE;
}

int
dt_fuzz_config(const uint8_t *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(DtConfig) c = NULL;
    g_autofree char *path = NULL;
    int fd;

    if (size > FUZZ_MAX_INPUT)
        return 0;
    fd = memfd_create("dirtytrack-fuzz.conf", MFD_CLOEXEC);
    dt_fuzz_check(fd >= 0);
    dt_fuzz_check(write_all(fd, data, size));
    path = g_strdup_printf("/proc/self/fd/%d", fd);

    c = dt_config_load(path, &error);
    close(fd);
    if (!c) {
        dt_fuzz_check(error != NULL && error->domain == DT_ERROR && error->message != NULL);
        return 0;
    }
    dt_fuzz_check(error == NULL);
    dt_fuzz_check(g_strcmp0(c->path, path) == 0);
    dt_fuzz_check(c->policy.max_downtime_ms <= 86400000);
    dt_fuzz_check(c->policy.bandwidth_mib_s <= 10485760);
    dt_fuzz_check(c->policy.dirty_rate_mib_s <= 10485760);
    dt_fuzz_check(c->hook_deadline_ms >= 100 && c->hook_deadline_ms <= 30000);
    dt_fuzz_check(c->policy.bandwidth_mib_s >= 1);
    dt_fuzz_check(c->policy.perpetual <= DT_PERPETUAL_ALLOW);
    dt_fuzz_check(c->policy.prefer <= DT_PREFER_IOMMU);
    dt_fuzz_check(c->qemu_binary == NULL || *c->qemu_binary != '\0');
    dt_fuzz_check(c->cache_dir == NULL || *c->cache_dir != '\0');
    return 0;
}

DT_FUZZ_ENTRY(dt_fuzz_config)
