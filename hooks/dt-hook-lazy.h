/* dt-hook-lazy.h: libdbus-1 and json-glib, loaded by the hook only when it
 * uses them.
 *
 * libvirt starts the hook for every operation on every domain, and most
 * runs never talk to dirtytrackd: a domain without VFIO devices leaves
 * after one XML parse, and with `[hook] use-daemon = false` the worker
 * evaluates in-process.  Linked normally, libdbus-1 (libsystemd, libgcrypt,
 * libzstd, liblz4, libcap...) and json-glib (gio, gobject, libmount,
 * libselinux, libblkid, libffi...) were 15 of the hook's 27 libraries and
 * most of its start-up time.  So the hook is linked without them and
 * defines the few functions it (and the core library it links) calls as
 * forwarders; a library is opened by its soname at its first use, in the
 * forked worker, and every symbol the hook needs is looked up at once.
 *
 * dt-hook-lazy.c lists the forwarders.  A call to a function of either
 * library that has none fails to link (the hook does not link them), so
 * the list cannot silently go stale.
 *
 * Not thread-safe: the hook is single-threaded.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The sonames opened: the ABI the headers we compile against describe,
 * the ones a normal link of the CLI records (tests/hook-libs.sh checks). */
#define DT_LAZY_DBUS_SONAME "libdbus-1.so.3"
#define DT_LAZY_JSON_SONAME "libjson-glib-1.0.so.0"

/* Open the library and resolve every forwarder's symbol; TRUE when they
 * are usable.  A failure is remembered and given again (dlerror's text,
 * which names the library). */
gboolean dt_lazy_load_dbus(GError **error);
gboolean dt_lazy_load_json(GError **error);

/* A forwarder called before its library could be loaded cannot return an
 * error to a caller that does not expect one.  It calls this handler with
 * the reason, which must not return; the default prints the reason on
 * stderr and aborts.  The hook's worker reports it as a failed evaluation. */
typedef void (*DtLazyFatalFunc)(const char *why);
void dt_lazy_set_fatal_handler(DtLazyFatalFunc func);

G_END_DECLS
