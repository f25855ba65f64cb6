/* dt-domain.h: the domain model read from libvirt domain XML.
 *
 * Any domain XML libvirt accepts must parse; only the parts dirtytrack needs
 * are kept (see DtDomain).  Malformed or hostile input (entities, DTDs,
 * over-size) is refused with a one-line DT_ERROR_INVALID_INPUT.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>
#include "model/dt-model.h"
#include "model/dt-metadata.h"

G_BEGIN_DECLS

#define DT_QEMU_NS "http://libvirt.org/schemas/domain/qemu/1.0"

DtDomain *dt_domain_parse(const char *buf, gsize len, GError **error);
/* The bytes of a domain XML file, or of standard input for "-", read up to
 * DT_XML_MAX_BYTES and refused beyond it (a one-line DT_ERROR_INVALID_INPUT
 * naming the limit) without reading further: /dev/zero or an endless pipe
 * fail fast.  NUL-terminated; *len excludes the terminator. */
char *dt_domain_read_file(const char *path, gsize *len, GError **error);
DtDomain *dt_domain_parse_file(const char *path, GError **error);   /* "-" = stdin */
/* From a document dt_xml_parse() read with root "domain", which is only
 * read: a face that also rewrites the domain parses it once and passes
 * the same document to dt_rewrite_domain_doc(). */
DtDomain *dt_domain_from_doc(xmlDoc *doc, GError **error);

/* Number of VFIO hostdevs (pci + mdev). */
guint dt_domain_n_vfio(const DtDomain *d);

/* TRUE if this hostdev will use the iommufd backend, however the domain
 * asks for it: libvirt >= 12.1 <driver iommufd='yes'/>, libvirt >= 12.2
 * <iommufd enabled='yes'/>, or <qemu:commandline> -object iommufd plus a
 * <qemu:override> iommufd property on the device. */
gboolean dt_domain_hostdev_uses_iommufd(const DtDomain *d, const DtHostdev *h);

G_END_DECLS
