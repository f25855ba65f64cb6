/* dtd-uevent.c: keeps the cached host report honest across hotplug.
 *
 * sysfs does not emit inotify events when devices come and go or drivers
 * bind, so a file monitor would watch nothing useful.  The kernel's own
 * uevent netlink multicast does say it, needs no privilege to read, and is
 * one socket on the main loop: PCI, IOMMU and VFIO events (add, remove,
 * bind, unbind, change) schedule a re-probe, debounced so that an SR-IOV
 * burst of hundreds of VFs costs one probe.  Each relevant event also
 * counts (uevent_gen): from then until the re-probe, evaluations probe the
 * host themselves instead of starting from the snapshot, and no cached
 * answer is served (dtd-manager.c).  With --sysroot (fixture
 * hosts) the kernel's events describe another machine, so nothing is
 * watched and RefreshHost() is the only trigger.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>

#include <glib-unix.h>

#include "dtd.h"

#define DTD_UEVENT_DEBOUNCE_MS 1000

static const char *const watched_subsystems[] = {
    "pci", "iommu", "vfio", "vfio-dev", "iommufd", NULL,
};

static gboolean
debounce_fired(gpointer user_data)
{
    DtdDaemon *d = user_data;

    d->uevent_debounce = 0;
    g_debug("Kernel reported device changes: refreshing the host report");
    dtd_manager_refresh_host(d);
    return G_SOURCE_REMOVE;
}

/* Kernel uevents are "ACTION@DEVPATH\0KEY=VALUE\0...". */
static gboolean
uevent_is_relevant(const char *buf, gsize len)
{
    gsize off = 0;

    while (off < len) {
        const char *field = buf + off;
        gsize flen = strnlen(field, len - off);

        if (g_str_has_prefix(field, "SUBSYSTEM=")) {
            const char *sub = field + strlen("SUBSYSTEM=");

            for (const char *const *w = watched_subsystems; *w; w++)
                if (g_str_equal(sub, *w))
                    return TRUE;
            return FALSE;
        }
        off += flen + 1;
    }
    return FALSE;
}

static gboolean
uevent_ready(gint fd, GIOCondition cond, gpointer user_data)
{
    dtd_uevent_poll(user_data);
    return G_SOURCE_CONTINUE;
}

void
dtd_uevent_poll(DtdDaemon *d)
{
    int fd = d->uevent_fd;
    char buf[8192];
    ssize_t n;

    if (fd < 0)
        return;

    /* Drain everything queued; one relevant event is enough to schedule. */
    while ((n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0) {
        buf[n] = '\0';
        if (!uevent_is_relevant(buf, n))
            continue;
        /* cached answers stop at once; the snapshot follows after the burst */
        d->uevent_gen++;
        if (d->uevent_debounce == 0)
            d->uevent_debounce = g_timeout_add(DTD_UEVENT_DEBOUNCE_MS, debounce_fired, d);
    }
    if (n < 0 && errno == ENOBUFS) {
        /* events were lost: assume the worst */
        d->uevent_gen++;
        if (d->uevent_debounce == 0)
            d->uevent_debounce = g_timeout_add(DTD_UEVENT_DEBOUNCE_MS, debounce_fired, d);
    }
}

gboolean
dtd_uevent_start(DtdDaemon *d, GError **error)
{
    struct sockaddr_nl addr = {
        .nl_family = AF_NETLINK,
        .nl_groups = 1,   /* the kernel's uevent multicast group */
    };
    int fd;

    d->uevent_fd = -1;
    fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
    if (fd < 0) {
        g_set_error(error, DT_ERROR, DT_ERROR_IO, _("Cannot open the uevent socket: %s"),
                    g_strerror(errno));
        return FALSE;
    }
    if (bind(fd, (struct sockaddr *) &addr, sizeof(addr)) < 0) {
        int e = errno;

        close(fd);
        g_set_error(error, DT_ERROR, DT_ERROR_IO, _("Cannot listen to kernel uevents: %s"),
                    g_strerror(e));
        return FALSE;
    }
    d->uevent_fd = fd;
    d->uevent_source = g_unix_fd_add(fd, G_IO_IN, uevent_ready, d);
    return TRUE;
}

void
dtd_uevent_stop(DtdDaemon *d)
{
    if (d->uevent_debounce)
        g_source_remove(d->uevent_debounce);
    d->uevent_debounce = 0;
    if (d->uevent_source)
        g_source_remove(d->uevent_source);
    d->uevent_source = 0;
    if (d->uevent_fd >= 0)
        close(d->uevent_fd);
    d->uevent_fd = -1;
}
