/* dt-error.c: the error domain's quark (dt-error.h). */
#include "config.h"

#include "model/dt-error.h"

G_DEFINE_QUARK(dirtytrack-error-quark, dt_error)
