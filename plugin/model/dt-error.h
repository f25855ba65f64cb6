/* dt-error.h: dirtytrack's GError domain.  Every module reports through it;
 * dirtytrackd maps each code to one D-Bus error name (daemon/dtd-error.c),
 * so a code is a stable part of the API.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DT_ERROR (dt_error_quark())
GQuark dt_error_quark(void);

/* Keep in step with the D-Bus error table (one name per code). */
typedef enum {
    DT_ERROR_FAILED,         /* anything else */
    DT_ERROR_INVALID_INPUT,  /* malformed XML, bad option, bad address */
    DT_ERROR_NOT_FOUND,      /* file, device or domain missing */
    DT_ERROR_BUSY,           /* device in use */
    DT_ERROR_PERMISSION,     /* not allowed */
    DT_ERROR_IO,             /* reading or writing failed */
    DT_ERROR_TIMEOUT,        /* a deadline passed */
    DT_ERROR_UNSUPPORTED,    /* the kernel or device cannot do it */
    DT_ERROR_NUM
} DtErrorCode;

G_END_DECLS
