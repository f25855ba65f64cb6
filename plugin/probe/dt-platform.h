/* dt-platform.h: what the running kernel shows about itself, for the host
 * report (dt-hostcheck.h); the hook never reads it. */
#pragma once

#include <glib.h>
#include "model/dt-model.h"
#include "probe/dt-paths.h"

G_BEGIN_DECLS

/* What only the host report needs, into host->platform: the CPU's
 * virtualization flag, the ACPI DMAR/IVRS tables, the IOMMU groups, the
 * running kernel's configuration (/proc/config.gz, /boot/config-RELEASE)
 * and its modules (/sys/module, modules.dep, modules.builtin).  Idempotent. */
void dt_platform_probe(DtHost *host, const DtPaths *paths);

G_END_DECLS
