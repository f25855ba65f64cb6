/* dtd-uevent.c: keeps the cached host report honest across hotplug.
 *
 * sysfs does not emit inotify events when devices come and go or drivers
 * bind, so a file monitor would watch nothing useful.  The kernel's own
 * uevent netlink multicast does say it, needs no privilege to read, and is
 * one socket on the main loop: PCI, IOMMU and VFIO events (add, remove,
 * bind, unbind, change) schedule a re-probe, debounced so that an SR-IOV
 * burst of hundreds of VFs costs one probe.  Each relevant event also
 * is told at once (the daemon counts it: from then until the re-probe,
 * evaluations probe the host themselves instead of starting from the
 * snapshot, and no cached answer is served).  The watch only reports,
 * through the two callbacks its owner gives; what a change means is the
 * owner's (dirtytrackd.c).  With --sysroot (fixture hosts) the kernel's
 * events describe another machine, so nothing is watched and
 * RefreshHost() is the only trigger.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>

#include <glib-unix.h>

#include "daemon/dtd.h"

#define DTD_UEVENT_DEBOUNCE_MS 1000

static const char *const watched_subsystems[] = {
    "pci", "iommu", "vfio", "vfio-dev", "iommufd", NULL,
};

struct DtdUevent {
    int fd;
    guint source;
    guint debounce;
    DtdUeventFunc changed;
    DtdUeventFunc settled;
    gpointer user_data;
};

static gboolean
debounce_fired(gpointer user_data)
{
    DtdUevent *u = user_data;

    u->debounce = 0;
    u->settled(u->user_data);
    return G_SOURCE_REMOVE;
}

static void
note_change(DtdUevent *u)
{
    /* the owner stops trusting what it knew at once; the settled call
     * follows after the burst */
    u->changed(u->user_data);
    if (u->debounce == 0)
        u->debounce = g_timeout_add(DTD_UEVENT_DEBOUNCE_MS, debounce_fired, u);
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
dtd_uevent_poll(DtdUevent *u)
{
    char buf[8192];
    ssize_t n;

    if (!u)
        return;
    /* Drain everything queued; one relevant event is enough to schedule. */
    while ((n = recv(u->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0) {
        buf[n] = '\0';
        if (uevent_is_relevant(buf, n))
            note_change(u);
    }
    if (n < 0 && errno == ENOBUFS)
        note_change(u);   /* events were lost: assume the worst */
}

DtdUevent *
dtd_uevent_new(DtdUeventFunc changed, DtdUeventFunc settled, gpointer user_data, GError **error)
{
    struct sockaddr_nl addr = {
        .nl_family = AF_NETLINK,
        .nl_groups = 1,   /* the kernel's uevent multicast group */
    };
    DtdUevent *u;
    int fd;

    fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
    if (fd < 0) {
        g_set_error(error, DT_ERROR, DT_ERROR_IO, _("Cannot open the uevent socket: %s"),
                    g_strerror(errno));
        return NULL;
    }
    if (bind(fd, (struct sockaddr *) &addr, sizeof(addr)) < 0) {
        int e = errno;

        close(fd);
        g_set_error(error, DT_ERROR, DT_ERROR_IO, _("Cannot listen to kernel uevents: %s"),
                    g_strerror(e));
        return NULL;
    }
    u = g_new0(DtdUevent, 1);
    u->fd = fd;
    u->changed = changed;
    u->settled = settled;
    u->user_data = user_data;
    u->source = g_unix_fd_add(fd, G_IO_IN, uevent_ready, u);
    return u;
}

void
dtd_uevent_free(DtdUevent *u)
{
    if (!u)
        return;
    if (u->debounce)
        g_source_remove(u->debounce);
    if (u->source)
        g_source_remove(u->source);
    close(u->fd);
    g_free(u);
}
