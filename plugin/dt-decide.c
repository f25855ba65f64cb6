/* dt-decide.c: the decision engine.  Given plain structs (domain, host,
 * QEMU capabilities, libvirt version, driver database, policy) it predicts
 * what libvirt and QEMU of those versions will do with the domain's VFIO
 * devices: which driver gets bound, whether each device can migrate, which
 * dirty-tracking mode the container ends up in, which blockers QEMU raises,
 * and what dirtytrack recommends (the VF policy).
 *
 * Shape: the knowledge lives in two static tables, the QEMU version bands
 * (what each release changed) and the rules (each with the reference it
 * comes from); the code walks the same steps QEMU walks (realize, container,
 * log start) and cites a rule for every reason and every explain step.
 * Pure: no I/O, no clock, no environment, no globals written.  The same
 * input always gives the same output.
 */
#include "config.h"

#include <inttypes.h>

#include <string.h>

#include "dt-cost.h"
#include "dt-decide.h"
#include "dt-domain.h"
#include "dt-qemu.h"
#include "dt-util.h"
#include "dt-versions.h"

/* ---- QEMU version bands: dt-versions.c -------------------------------------- */

typedef DtQemuBand DtBand;

static const DtBand *
band_by_name(const char *name)
{
    return dt_versions_qemu_band_by_name(name);
}

/* ---- rules: every reason and every explain step cites one of these ------ */

typedef enum {
    R_NO_VFIO,
    R_NOT_FOUND,
    R_BIND_MANAGED_NO,
    R_BIND_MANAGED_YES_OLD,
    R_BIND_ALIAS,
    R_BIND_MODEL,
    R_BIND_MODEL_OLD,
    R_BIND_NOT_CLAIMED,
    R_NO_IOMMU_GROUP,
    R_BIND_RESUME,
    R_PLAIN,
    R_DB,
    R_PROBED,
    R_UNKNOWN_DRIVER,
    R_PROTOCOL,
    R_XEM_DEFAULT,
    R_EM_OFF,
    R_EM_ON_NO_MIGRATION,
    R_PROP_TOO_NEW,
    R_PROP_REMOVED,
    R_OVERRIDE_OLD,
    R_IOMMUFD_XML_OLD,
    R_IOMMUFD_QEMU_OLD,
    R_IOMMUFD_90,
    R_MULTI_ANY,
    R_MULTI_P2P,
    R_VIOMMU,
    R_NO_TRACK_AUTO_81,
    R_NO_TRACK_AUTO_91,
    R_NO_TRACK_ON,
    R_PERPETUAL_80,
    R_MODE_DEVICE,
    R_MODE_IOMMU,
    R_MODE_PERPETUAL,
    R_MIXED,
    R_IOMMU_PARTIAL,
    R_IOMMU_UNSUPPORTED,
    R_IOMMUFD_NOT_CONFIGURED,
    R_IOMMU_NEEDS_91,
    R_RANGES,
    R_RANGE_MAX,
    R_RANGE_DEVICE,
    R_POSTCOPY,
    R_POSTCOPY_OLD,
    R_PREDICTION,
    R_MDEV,
    R_PERPETUAL_NEVER,
    R_PERPETUAL_BUDGET,
    R_REQUIRE,
    R_DEST_LOAD,
    R_BAND_UNKNOWN,
    R_DOWNTIME_BUDGET,
    R_FP_MISMATCH,
    R_PREFLIGHT_LOG,
    R_PREFLIGHT_IOMMU,
    R_N
} DtRuleId;

typedef struct {
    const char *code;     /* reason code it produces (NULL: explain step only) */
    const char *source;   /* where the rule comes from */
} DtRule;

static const DtRule rules[R_N] = {
    [R_NO_VFIO] = { DT_R_NO_VFIO_DEVICES,
        "qemu-libvirt.md §1.1 (VFIO tracking exists per VFIO container only)" },
    [R_NOT_FOUND] = { DT_R_DEVICE_NOT_FOUND,
        "kernel-uapi.md §5.2 (/sys/bus/pci/devices/<BDF>)" },
    [R_BIND_MANAGED_NO] = { DT_R_DRIVER_NOT_BINDABLE,
        "qemu-libvirt.md §4 VFIO variant drivers (managed='no': the pre-bound driver is used)" },
    [R_BIND_MANAGED_YES_OLD] = { NULL,
        "qemu-libvirt.md §4 VFIO variant drivers (before 10.0 managed='yes' binds vfio-pci)" },
    [R_BIND_ALIAS] = { NULL,
        "qemu-libvirt.md §4 (10.0: managed='yes' picks the modules.alias variant); kernel-uapi.md §5.1" },
    [R_BIND_MODEL] = { NULL,
        "qemu-libvirt.md §4 (10.0: <driver model=...> forces the VFIO driver)" },
    [R_BIND_MODEL_OLD] = { DT_R_LIBVIRT_TOO_OLD,
        "qemu-libvirt.md §4, §6 (<driver model> needs libvirt 10.0)" },
    [R_BIND_NOT_CLAIMED] = { DT_R_DRIVER_NOT_BINDABLE,
        "kernel-uapi.md §5.1 (driver_override binds only ids in the driver's table)" },
    [R_NO_IOMMU_GROUP] = { DT_R_DRIVER_NOT_BINDABLE,
        "kernel-uapi.md §5.2 (iommu_group link; VFIO needs the group or cdev), §3.1" },
    [R_BIND_RESUME] = { DT_R_DRIVER_NOT_BINDABLE,
        "qemu-libvirt.md §1.1 step 1 (RESUMING needs the migration driver the stream came from)" },
    [R_PLAIN] = { DT_R_NO_MIGRATION_DRIVER,
        "kernel-uapi.md §5, §7 (plain vfio-pci has no mig_ops)" },
    [R_DB] = { NULL,
        "data/variant-drivers.xml; kernel-uapi.md §5 (variant drivers by kernel version)" },
    [R_PROBED] = { NULL,
        "kernel-uapi.md §1.6 (VFIO_DEVICE_FEATURE probes), §4.5 (debugfs features)" },
    [R_UNKNOWN_DRIVER] = { DT_R_NO_MIGRATION_DRIVER,
        "data/variant-drivers.xml (driver unknown to the database)" },
    [R_PROTOCOL] = { DT_R_QEMU_PROTOCOL_MISMATCH,
        "qemu-libvirt.md §1.3 (5.2-7.2 protocol v1), §6; kernel-uapi.md §0 (v2 only since 5.18)" },
    [R_XEM_DEFAULT] = { DT_R_MIGRATION_DISABLED,
        "qemu-libvirt.md §1.3, §1.4 (x-enable-migration bool, default false, until 8.0)" },
    [R_EM_OFF] = { DT_R_MIGRATION_DISABLED,
        "qemu-libvirt.md §1.2 (off: \"Migration is disabled for VFIO device\")" },
    [R_EM_ON_NO_MIGRATION] = { DT_R_NO_MIGRATION_DRIVER,
        "qemu-libvirt.md §1.2 row 2 (enable-migration=on: device realize fails)" },
    [R_PROP_TOO_NEW] = { DT_R_QEMU_TOO_OLD,
        "qemu-libvirt.md §1.4 (vfio-pci property table, since)" },
    [R_PROP_REMOVED] = { DT_R_QEMU_PROPERTY_UNKNOWN,
        "qemu-libvirt.md §1.4 (x-enable-migration removed in 8.1)" },
    [R_OVERRIDE_OLD] = { DT_R_LIBVIRT_TOO_OLD,
        "qemu-libvirt.md §4 (<qemu:override> since libvirt 8.2.0)" },
    [R_IOMMUFD_XML_OLD] = { DT_R_LIBVIRT_TOO_OLD,
        "qemu-libvirt.md §4 (iommufd XML: hostdev 12.1.0, domain-wide 12.2.0)" },
    [R_IOMMUFD_QEMU_OLD] = { DT_R_QEMU_TOO_OLD,
        "qemu-libvirt.md §1.3 (9.0: iommufd backend), §1.5" },
    [R_IOMMUFD_90] = { DT_R_QEMU_TOO_OLD,
        "qemu-libvirt.md §1.3 (9.0: no dirty tracking on iommufd; 9.1 adds it)" },
    [R_MULTI_ANY] = { DT_R_MULTI_DEVICE_NO_P2P,
        "qemu-libvirt.md §1.3 (8.0-8.1: \"Migration is currently not supported with multiple VFIO devices\")" },
    [R_MULTI_P2P] = { DT_R_MULTI_DEVICE_NO_P2P,
        "qemu-libvirt.md §1.2 row 4, §1.3 8.2 (all devices need VFIO_MIGRATION_P2P)" },
    [R_VIOMMU] = { DT_R_VIOMMU,
        "qemu-libvirt.md §1.2 row 5 (\"Migration is currently not supported with vIOMMU enabled\")" },
    [R_NO_TRACK_AUTO_81] = { DT_R_NO_DIRTY_TRACKING,
        "qemu-libvirt.md §1.3 8.1 (auto: \"VFIO device doesn't support device dirty tracking\")" },
    [R_NO_TRACK_AUTO_91] = { DT_R_NO_DIRTY_TRACKING,
        "qemu-libvirt.md §1.2 row 3 (auto: \"doesn't support device and IOMMU dirty tracking\")" },
    [R_NO_TRACK_ON] = { DT_R_NO_DIRTY_TRACKING,
        "qemu-libvirt.md §1.2 row 3 (on: warn_report only), §1.1 step 4 (perpetually dirty)" },
    [R_PERPETUAL_80] = { DT_R_NO_DIRTY_TRACKING,
        "qemu-libvirt.md §1.3 8.0 (migration without dirty tracking: QEMU marks RAM dirty), §1.1 steps 3-4" },
    [R_MODE_DEVICE] = { NULL,
        "qemu-libvirt.md §1.1 step 2 (every device logs DMA and none disables it)" },
    [R_MODE_IOMMU] = { NULL,
        "qemu-libvirt.md §1.1 step 3 (iommufd HWPT dirty tracking, QEMU 9.1)" },
    [R_MODE_PERPETUAL] = { DT_R_NO_DIRTY_TRACKING,
        "qemu-libvirt.md §1.1 steps 3-4 (type1 reports every page dirty; else QEMU marks it); kernel-uapi.md §2" },
    [R_MIXED] = { DT_R_MIXED_TRACKING,
        "qemu-libvirt.md §1.1 steps 2-3 (one device without DMA logging disables device tracking)" },
    [R_IOMMU_PARTIAL] = { DT_R_IOMMU_DIRTY_UNSUPPORTED,
        "qemu-libvirt.md §1.1 step 3 (\"IOMMU instance for device %s doesn't support dirty tracking\")" },
    [R_IOMMU_UNSUPPORTED] = { DT_R_IOMMU_DIRTY_UNSUPPORTED,
        "kernel-uapi.md §4 (unit dirty capability), §7 (kernel 6.7/6.11, /dev/iommu, vfio cdev 6.6)" },
    [R_IOMMUFD_NOT_CONFIGURED] = { DT_R_IOMMUFD_NOT_CONFIGURED,
        "qemu-libvirt.md §1.1 step 3, §1.5, §4 (iommufd backend); kernel-uapi.md §7" },
    [R_IOMMU_NEEDS_91] = { DT_R_QEMU_TOO_OLD,
        "qemu-libvirt.md §1.3 9.1 (iommufd HWPT dirty tracking)" },
    [R_RANGES] = { NULL,
        "qemu-libvirt.md §1.1 step 6; QEMU hw/vfio/common.c vfio_dirty_tracking_update; "
        "hw/i386/pc_q35.c pc_q35_init, hw/i386/pc_piix.c pc_init1, hw/i386/pc.c pc_pci_hole64_start" },
    [R_RANGE_MAX] = { DT_R_DMA_LOGGING_RANGE,
        "kernel-uapi.md §1.5 (LOG_MAX_RANGES = PAGE_SIZE/16, E2BIG)" },
    [R_RANGE_DEVICE] = { DT_R_DMA_LOGGING_RANGE,
        "kernel-uapi.md §5 mlx5 (EOPNOTSUPP outside pg_track_log_max_addr_space); "
        "qemu-libvirt.md §1.1 step 6, peers.md (mlx5 2^42, QEMU 9ef497755afc)" },
    [R_POSTCOPY] = { DT_R_POSTCOPY_UNSUPPORTED,
        "qemu-libvirt.md §1.2 row 6, §1.3 8.2 (vfio_save_prepare refuses postcopy-ram)" },
    [R_POSTCOPY_OLD] = { DT_R_POSTCOPY_UNSUPPORTED,
        "qemu-libvirt.md §1.3 (VFIO has no post-copy support; the explicit refusal came in 8.2)" },
    [R_PREDICTION] = { DT_R_PREDICTION,
        "design.md (every fact carries its source and confidence)" },
    [R_MDEV] = { DT_R_MDEV_PINNED,
        "kernel-uapi.md §2 (type1 pinned_page_dirty_scope), §5 (mdev migration is the vendor driver's)" },
    [R_PERPETUAL_NEVER] = { DT_R_PERPETUAL_FORBIDDEN,
        "design.md (policy perpetual='never')" },
    [R_PERPETUAL_BUDGET] = { DT_R_PERPETUAL_FORBIDDEN,
        "design.md \"Predicting the cost\" (perpetual downtime = (R + S) / B)" },
    [R_REQUIRE] = { DT_R_REQUIRE_MIGRATABLE,
        "design.md \"Where the policy is applied\" (require-migratable)" },
    [R_PREFLIGHT_LOG] = { DT_R_PREFLIGHT_FAILED,
        "Linux drivers/vfio/vfio_main.c vfio_ioctl_device_feature_logging_start "
        "(VFIO_DEVICE_FEATURE_DMA_LOGGING_START, the call QEMU's hw/vfio "
        "vfio_devices_dma_logging_start makes when migration starts)" },
    [R_PREFLIGHT_IOMMU] = { DT_R_PREFLIGHT_FAILED,
        "Linux drivers/iommu/iommufd/hw_pagetable.c iommufd_hwpt_alloc "
        "(IOMMU_HWPT_ALLOC_DIRTY_TRACKING), iommufd_hwpt_set_dirty_tracking; QEMU "
        "backends/iommufd.c iommufd_backend_set_dirty_tracking" },
    [R_FP_MISMATCH] = { DT_R_FINGERPRINT_MISMATCH,
        "kernel-uapi.md §5 (a variant driver resumes only its own device's state); "
        "docs/live-tuning.md (hostdevs matched by position)" },
    [R_DEST_LOAD] = { DT_R_QEMU_PROTOCOL_MISMATCH,
        "qemu-libvirt.md §1.3 (a QEMU <= 7.2 cannot load a v2 VFIO stream)" },
    [R_DOWNTIME_BUDGET] = { DT_R_PREDICTED_DOWNTIME,
        "design.md \"Predicting the cost\"; docs/cost-model.md (QEMU switches over when the "
        "residual fits bandwidth x downtime-limit)" },
    [R_BAND_UNKNOWN] = { DT_R_PREDICTION,
        "qemu-libvirt.md §2 (the band comes from the binary's version and properties)" },
};

/* Known device limits on the DMA-logging address space, by driver. */
typedef struct {
    const char *driver;
    guint log2_max_addr_space;
    const char *source;
} DtLogLimit;

static const DtLogLimit log_limits[] = {
    { "mlx5_vfio_pci", 42,
      "qemu-libvirt.md §1.1 step 6 and peers.md: \"MLX5 has a 2^42 limit\" (QEMU 9ef497755afc)" },
};

/* ---- the decision under construction ----------------------------------- */

typedef enum {
    KIND_NOTE,      /* says something; changes nothing by itself */
    KIND_LEAVE,     /* QEMU blocks the migration away from this host */
    KIND_START,     /* QEMU or libvirt cannot even start the device */
    KIND_ARRIVE,    /* the destination cannot take the incoming stream */
    KIND_POLICY,    /* the policy refuses what QEMU would allow */
} DtKind;

typedef enum { OOA_UNSET = -1, OOA_AUTO, OOA_ON, OOA_OFF } DtOnOffAuto;

typedef struct {
    const DtHostdev *h;
    const DtPciDev *pci;        /* NULL: mdev, or not on this host */
    DtDeviceFinding *f;         /* owned by the decision */
    const DtVdbEntry *entry;
    gboolean missing;
    gboolean iommufd;           /* effective iommufd backend */
    DtOnOffAuto em;             /* enable-migration (8.1+) */
    int xem;                    /* x-enable-migration: -1 unset, 0, 1 */
    DtOnOffAuto dev_dirty;      /* x-device-dirty-page-tracking */
    gboolean capable;           /* the driver offers v2 migration (STOP_COPY) */
    gboolean migrates;          /* QEMU will set up migration for it */
    gboolean logs;              /* DMA logging usable */
    gboolean iommu_possible;    /* host could give it IOMMU dirty tracking */
    gboolean iommu_dirty;       /* it gets IOMMU dirty tracking as configured */
    gboolean tracked;           /* device or IOMMU tracking under this QEMU */
    const char *variant;        /* a migration-capable driver it could have (database) */
    char *why_no_iommu;         /* untranslated short note */
} DevCtx;

typedef struct {
    const DtDecideInput *in;
    const DtBand *band;
    DtDecision *dec;
    DevCtx *devs;
    guint n_devs;
    gboolean overrides_effective;  /* libvirt >= 8.2 reads <qemu:override> */
    gboolean leave_blocked;        /* QEMU would not migrate away */
} Ctx;

static void
add_step_src(Ctx *c, DtSource source, const char *rule, char *fact, char *consequence)
{
    DtStep *s = g_new0(DtStep, 1);
    s->fact = fact;
    s->source = source;
    s->rule = g_strdup(rule);
    s->consequence = consequence;
    g_ptr_array_add(c->dec->steps, s);
}

static void
add_step(Ctx *c, DtSource source, DtRuleId rule, char *fact, char *consequence)
{
    add_step_src(c, source, rules[rule].source, fact, consequence);
}

static void add_reason(Ctx *c, DtRuleId rule, DtSeverity sev, DtKind kind,
                       const char *device, const char *fmt, ...) G_GNUC_PRINTF(6, 7);

static void
add_reason(Ctx *c, DtRuleId rule, DtSeverity sev, DtKind kind,
           const char *device, const char *fmt, ...)
{
    va_list ap;
    DtReason *r;

    if (sev == DT_SEVERITY_ERROR && (kind == KIND_LEAVE || kind == KIND_START))
        c->leave_blocked = TRUE;
    /* On a destination, what would keep the VM from leaving again is a
     * warning; the policy's require-migratable turns it back into a refusal
     * (issue 3: destination role). */
    if (c->in->role == DT_ROLE_DESTINATION && kind == KIND_LEAVE &&
        sev == DT_SEVERITY_ERROR && !c->in->policy.require_migratable)
        sev = DT_SEVERITY_WARNING;

    r = g_new0(DtReason, 1);
    r->code = g_strdup(rules[rule].code);
    r->severity = sev;
    r->device = g_strdup(device);
    va_start(ap, fmt);
    r->message = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    r->rule = g_strdup(rules[rule].source);
    g_ptr_array_add(c->dec->reasons, r);
}

static gboolean
has_reason(const DtDecision *d, const char *code, const char *device)
{
    for (guint i = 0; i < d->reasons->len; i++) {
        const DtReason *r = g_ptr_array_index(d->reasons, i);
        if (g_strcmp0(r->code, code) == 0 && (!device || g_strcmp0(r->device, device) == 0))
            return TRUE;
    }
    return FALSE;
}

/* ---- small helpers ------------------------------------------------------ */

static gboolean
driver_is_plain(const char *drv)
{
    return g_strcmp0(drv, "vfio-pci") == 0 || g_strcmp0(drv, "vfio_pci") == 0;
}

static gboolean
driver_is_vfio(const DtVdb *vdb, const char *drv)
{
    if (!drv)
        return FALSE;
    if (driver_is_plain(drv) || strstr(drv, "vfio") != NULL)
        return TRUE;
    return vdb && dt_vdb_find_driver(vdb, drv) != NULL;
}

static gboolean
entry_claims(const DtVdbEntry *e, guint16 vendor, guint16 device)
{
    if (!e->ids)
        return FALSE;
    for (guint i = 0; i < e->ids->len; i++) {
        const DtVdbId *id = &g_array_index(e->ids, DtVdbId, i);
        if (id->vendor == vendor && (id->device == 0xffff || id->device == device))
            return TRUE;
    }
    return FALSE;
}

static DtOnOffAuto
parse_on_off_auto(const char *v)
{
    if (!v)
        return OOA_UNSET;
    if (g_ascii_strcasecmp(v, "on") == 0 || g_ascii_strcasecmp(v, "true") == 0 ||
        g_ascii_strcasecmp(v, "yes") == 0)
        return OOA_ON;
    if (g_ascii_strcasecmp(v, "off") == 0 || g_ascii_strcasecmp(v, "false") == 0 ||
        g_ascii_strcasecmp(v, "no") == 0)
        return OOA_OFF;
    if (g_ascii_strcasecmp(v, "auto") == 0)
        return OOA_AUTO;
    return OOA_UNSET;
}

/* The value a vfio-pci property gets for this hostdev: a device property
 * (<qemu:override>, read by libvirt >= 8.2 only) beats -global. */
static const char *
prop_value(const Ctx *c, const DtHostdev *h, const char *name, gboolean *is_set)
{
    const char *val = NULL;
    gboolean set = FALSE;

    if (c->overrides_effective && h->overrides) {
        for (guint i = 0; i < h->overrides->len; i++) {
            const DtProp *p = g_ptr_array_index(h->overrides, i);
            if (g_strcmp0(p->name, name) != 0)
                continue;
            if (g_strcmp0(p->type, "remove") == 0)
                break;   /* libvirt drops its own value; a -global still applies */
            if (is_set)
                *is_set = TRUE;
            return p->value;
        }
    }
    for (guint i = 0; c->in->domain->cmdline_globals && i < c->in->domain->cmdline_globals->len; i++) {
        const DtProp *p = g_ptr_array_index(c->in->domain->cmdline_globals, i);
        if (g_strcmp0(p->name, name) == 0) {
            val = p->value;
            set = TRUE;
        }
    }
    if (is_set)
        *is_set = set;
    return val;
}

static gboolean
prop_asked(const Ctx *c, const DtHostdev *h, const char *name)
{
    gboolean set = FALSE;
    prop_value(c, h, name, &set);
    return set;
}

/* Does this QEMU have the vfio-pci property?  The band says so, and when
 * the binary's property list was read it must agree (qemu-libvirt.md §2). */
static gboolean
qemu_has_prop(const Ctx *c, const char *name)
{
    const DtQemuCaps *q = c->in->qemu;
    gboolean band_has = dt_versions_band_has_prop(c->band, name);
    gboolean caps_has;

    if (!q->props_known)
        return band_has;
    if (strcmp(name, "x-enable-migration") == 0)
        caps_has = q->has_x_enable_migration;
    else if (strcmp(name, "enable-migration") == 0)
        caps_has = q->has_enable_migration;
    else if (strcmp(name, "x-device-dirty-page-tracking") == 0)
        caps_has = q->has_x_device_dirty_page_tracking;
    else if (strcmp(name, "x-pre-copy-dirty-page-tracking") == 0)
        caps_has = q->has_x_pre_copy_dirty_page_tracking;
    else if (strcmp(name, "iommufd") == 0)
        caps_has = q->has_iommufd;
    else
        caps_has = band_has;
    return band_has && caps_has;
}

static char *
addr_of(const DtHostdev *h)
{
    if (h->type == DT_HOSTDEV_MDEV)
        return g_strdup(h->mdev_uuid ? h->mdev_uuid : "mdev");
    if (h->has_addr)
        return dt_pci_addr_to_string(&h->addr);
    return g_strdup("unknown");
}

static gboolean
fact_is_probed(const DtFact *f)
{
    return f->source == DT_SOURCE_IOCTL || f->source == DT_SOURCE_DEBUGFS;
}

static char *
flags_to_string(guint32 flags)
{
    GString *s = g_string_new(NULL);
    if (flags & DT_MIG_STOP_COPY)
        g_string_append(s, "stop-copy");
    if (flags & DT_MIG_P2P)
        g_string_append(s, s->len ? ",p2p" : "p2p");
    if (flags & DT_MIG_PRE_COPY)
        g_string_append(s, s->len ? ",pre-copy" : "pre-copy");
    if (!s->len)
        g_string_append(s, "none");
    return g_string_free(s, FALSE);
}

static const char *
tri_to_string(DtTri t)
{
    return t == DT_TRI_YES ? "yes" : t == DT_TRI_NO ? "no" : "unknown";
}

/* ---- DMA logging ranges -------------------------------------------------- */

#define GiB (G_GUINT64_CONSTANT(1) << 30)

static guint64
round_up(guint64 v, guint64 align)
{
    return (v + align - 1) / align * align;
}

/* The model, from QEMU's code:
 *  - RAM below 4 GiB.  q35 (hw/i386/pc_q35.c pc_q35_init): if RAM >=
 *    0xb0000000 the low part is 0x80000000 (2 GiB), else all of RAM up to
 *    0xb0000000 stays low.  i440fx (hw/i386/pc_piix.c pc_init1): the
 *    default max-ram-below-4g is 0xe0000000; if RAM reaches it, the split
 *    moves to 0xc0000000 (3 GiB; gigabyte_align, every machine type since
 *    2.1).  The rest of RAM starts at 4 GiB.
 *  - pci-hole64 (hw/i386/pc.c pc_pci_hole64_start): ROUND_UP(end of RAM
 *    above 4 GiB, or 4 GiB, plus the <maxMemory> device-memory region,
 *    1 GiB); its size is the host bridge default, 32 GiB on q35
 *    (Q35_PCI_HOST_HOLE64_SIZE_DEFAULT, 1 << 35) and 2 GiB on i440fx
 *    (I440FX_PCI_HOST_HOLE64_SIZE_DEFAULT, 1 << 31).  The VFIO BARs mapped
 *    there are bounded by that window; the model takes the whole window.
 *  - QEMU's memory listener (hw/vfio/common.c vfio_dirty_tracking_update)
 *    folds every DMA-mapped section into min/max pairs: sections ending at
 *    or below 0xffffffff form the 32-bit range, which runs from 0 to the
 *    firmware ROM mapped just below 4 GiB (SeaBIOS, libvirt's default);
 *    since 8.2 VFIO BARs above 4 GiB go to their own pci64 range, before
 *    that they widen the 64-bit one.  Lengths are max - min + 1.
 * The per-slot alignment of <maxMemory> hotplug slots (1 GiB each) and the
 * AMD 1 TiB hole relocation are not modelled. */
guint
dt_decide_dma_ranges(const char *band_name, const char *machine,
                     guint64 ram_bytes, guint64 max_ram_bytes, DtRange out[4])
{
    const DtBand *band = band_by_name(band_name);
    gboolean q35;
    guint64 lowmem, below, above, above_end, hole64_start, hole64_size, dev_mem = 0;
    guint n = 0;

    if (!band || band->log_ranges == 0 || !machine || ram_bytes == 0)
        return 0;
    if (strstr(machine, "q35"))
        q35 = TRUE;
    else if (g_str_has_prefix(machine, "pc"))
        q35 = FALSE;
    else
        return 0;

    if (q35) {
        lowmem = ram_bytes >= G_GUINT64_CONSTANT(0xb0000000) ?
                 G_GUINT64_CONSTANT(0x80000000) : G_GUINT64_CONSTANT(0xb0000000);
        hole64_size = G_GUINT64_CONSTANT(1) << 35;
    } else {
        lowmem = ram_bytes >= G_GUINT64_CONSTANT(0xe0000000) ?
                 G_GUINT64_CONSTANT(0xc0000000) : G_GUINT64_CONSTANT(0xe0000000);
        hole64_size = G_GUINT64_CONSTANT(1) << 31;
    }
    below = MIN(ram_bytes, lowmem);
    above = ram_bytes - below;
    above_end = 4 * GiB + above;
    if (max_ram_bytes > ram_bytes)
        dev_mem = max_ram_bytes - ram_bytes;
    hole64_start = round_up(round_up(above_end, GiB) + dev_mem, GiB);

    /* 32-bit range: [0, 0xffffffff] */
    out[n].iova = 0;
    out[n].length = 4 * GiB;
    n++;
    if (band->log_ranges == 2) {
        /* RAM above 4 GiB and the BAR window share the 64-bit range */
        out[n].iova = 4 * GiB;
        out[n].length = hole64_start + hole64_size - 4 * GiB;
        n++;
    } else {
        if (above > 0) {
            out[n].iova = 4 * GiB;
            out[n].length = above;
            n++;
        }
        out[n].iova = hole64_start;
        out[n].length = hole64_size;
        n++;
    }
    return n;
}

guint64
dt_decide_perpetual_downtime_ms(guint64 ram_bytes, guint64 device_state_bytes,
                                guint64 bandwidth_mib_s)
{
    guint64 bytes = ram_bytes + device_state_bytes;
    guint64 bps;

    if (bandwidth_mib_s == 0 || bandwidth_mib_s > (G_MAXUINT64 >> 20) / 1000)
        return bandwidth_mib_s == 0 ? G_MAXUINT64 : 0;
    bps = bandwidth_mib_s << 20;
    /* whole seconds first, then the remainder rounded up: no overflow for
     * any RAM size, and a budget is never met by rounding down */
    return bytes / bps * 1000 + ((bytes % bps) * 1000 + bps - 1) / bps;
}

/* ---- per device: driver, facts, properties ------------------------------- */

static void
resolve_driver(Ctx *c, DevCtx *d, const char *addr)
{
    const DtDecideInput *in = c->in;
    const DtHostdev *h = d->h;
    const DtPciDev *pci = d->pci;
    DtDeviceFinding *f = d->f;
    gboolean lv10 = dt_versions_libvirt_has(DT_LV_VARIANT_MANAGED, &in->libvirt);
    DtRuleId rule;

    if (!h->managed) {
        f->vfio_driver = g_strdup(pci->driver);
        f->vfio_driver_source = DT_SOURCE_SYSFS;
        rule = R_BIND_MANAGED_NO;
        if (!driver_is_vfio(in->vdb, pci->driver)) {
            add_reason(c, R_BIND_MANAGED_NO, DT_SEVERITY_ERROR, KIND_START, addr,
                       _("Device %s has managed='no' but is bound to %s, not to a VFIO driver: "
                         "libvirt will not bind it. Bind it first (virsh nodedev-detach --driver "
                         "<vfio driver>) or set managed='yes'."),
                       addr, pci->driver ? pci->driver : _("no driver"));
        }
    } else if (h->driver_model && lv10) {
        f->vfio_driver = g_strdup(h->driver_model);
        f->vfio_driver_source = DT_SOURCE_XML;
        rule = R_BIND_MODEL;
    } else if (lv10) {
        f->vfio_driver = g_strdup(pci->alias_driver ? pci->alias_driver : "vfio-pci");
        f->vfio_driver_source = DT_SOURCE_PREDICTED;
        rule = R_BIND_ALIAS;
    } else {
        if (h->driver_model) {
            g_autofree char *lv = dt_version_to_string(&in->libvirt);
            add_reason(c, R_BIND_MODEL_OLD, DT_SEVERITY_WARNING, KIND_NOTE, addr,
                       _("Device %s asks for <driver model='%s'/>, but libvirt %s ignores it "
                         "(needs 10.0) and binds vfio-pci. Upgrade libvirt, or pre-bind the "
                         "driver and use managed='no'."),
                       addr, h->driver_model, lv);
        }
        f->vfio_driver = g_strdup("vfio-pci");
        f->vfio_driver_source = DT_SOURCE_PREDICTED;
        rule = R_BIND_MANAGED_YES_OLD;
    }
    if (f->vfio_driver && pci->driver && g_strcmp0(f->vfio_driver, pci->driver) == 0)
        f->vfio_driver_source = DT_SOURCE_SYSFS;

    add_step(c, f->vfio_driver_source, rule,
             g_strdup_printf(_("%s (%04x:%04x) is bound to %s; hostdev managed='%s'%s%s"),
                             addr, pci->vendor, pci->device,
                             pci->driver ? pci->driver : _("no driver"),
                             h->managed ? "yes" : "no",
                             h->driver_model ? _(", driver model ") : "",
                             h->driver_model ? h->driver_model : ""),
             g_strdup_printf(_("QEMU will talk to %s through %s"), addr,
                             f->vfio_driver ? f->vfio_driver : _("no VFIO driver")));

    /* The database says which ids a variant driver claims; driver_override
     * binds nothing else. */
    if (f->vfio_driver && !driver_is_plain(f->vfio_driver)) {
        d->entry = in->vdb ? dt_vdb_find_driver(in->vdb, f->vfio_driver) : NULL;
        if (d->entry && !entry_claims(d->entry, pci->vendor, pci->device) &&
            g_strcmp0(pci->driver, f->vfio_driver) != 0) {
            add_reason(c, R_BIND_NOT_CLAIMED, DT_SEVERITY_ERROR, KIND_START, addr,
                       _("Device %s (%04x:%04x) is not claimed by %s, so it cannot be bound to "
                         "it. Remove <driver model='%s'/> or choose the driver for this device."),
                       addr, pci->vendor, pci->device, f->vfio_driver, f->vfio_driver);
            /* its facts say nothing about this device */
            d->entry = NULL;
        }
    }
}

static void
device_facts(Ctx *c, DevCtx *d, const char *addr)
{
    const DtDecideInput *in = c->in;
    const DtPciDev *pci = d->pci;
    DtDeviceFinding *f = d->f;
    const DtHost *host = in->host;
    gboolean probed_here = pci->driver && g_strcmp0(pci->driver, f->vfio_driver) == 0;
    g_autofree char *kver = dt_version_to_string(&host->kernel);

    f->migration = DT_FACT_UNKNOWN;
    f->dma_logging = DT_FACT_UNKNOWN;
    f->stop_copy_source = DT_SOURCE_NONE;

    if (!f->vfio_driver) {
        f->migration = (DtFact){ DT_TRI_NO, DT_SOURCE_SYSFS };
        f->dma_logging = (DtFact){ DT_TRI_NO, DT_SOURCE_SYSFS };
    } else if (driver_is_plain(f->vfio_driver)) {
        DtSource s = probed_here ? DT_SOURCE_SYSFS : DT_SOURCE_PREDICTED;
        f->migration = (DtFact){ DT_TRI_NO, s };
        f->dma_logging = (DtFact){ DT_TRI_NO, s };
    } else if (d->entry) {
        gboolean arch_ok = !d->entry->arch || !host->arch ||
                           g_strcmp0(d->entry->arch, host->arch) == 0;
        guint32 flags = arch_ok ? dt_vdb_entry_flags_on(d->entry, &host->kernel) : 0;
        gboolean logs = arch_ok && dt_vdb_entry_logs_on(d->entry, &host->kernel);
        f->migration = (DtFact){ (flags & DT_MIG_STOP_COPY) ? DT_TRI_YES : DT_TRI_NO,
                                 DT_SOURCE_DATABASE };
        f->mig_flags = flags;
        f->dma_logging = (DtFact){ logs ? DT_TRI_YES : DT_TRI_NO, DT_SOURCE_DATABASE };
        if (d->entry->stop_copy_bytes) {
            f->stop_copy_bytes = d->entry->stop_copy_bytes;
            f->stop_copy_source = DT_SOURCE_DATABASE;
        }
    }
    /* Kernel-probed facts beat the database, but only for the driver that
     * is bound now: a probe of mlx5_core says nothing about mlx5_vfio_pci. */
    if (probed_here && fact_is_probed(&pci->migration)) {
        f->migration = pci->migration;
        f->mig_flags = pci->migration.value == DT_TRI_YES ? pci->mig_flags : 0;
    }
    if (probed_here && fact_is_probed(&pci->dma_logging))
        f->dma_logging = pci->dma_logging;
    if (probed_here && pci->stop_copy_bytes) {
        f->stop_copy_bytes = pci->stop_copy_bytes;
        f->stop_copy_source = fact_is_probed(&pci->migration) ? pci->migration.source
                                                              : DT_SOURCE_IOCTL;
    }

    d->capable = f->migration.value == DT_TRI_YES && (f->mig_flags & DT_MIG_STOP_COPY);
    {
        g_autofree char *fl = flags_to_string(f->mig_flags);
        add_step(c, f->migration.source,
                 fact_is_probed(&f->migration) ? R_PROBED :
                 (f->vfio_driver && driver_is_plain(f->vfio_driver)) ? R_PLAIN : R_DB,
                 g_strdup_printf(_("%s with %s on kernel %s: migration %s (flags %s), DMA logging %s"),
                                 addr, f->vfio_driver ? f->vfio_driver : _("no driver"), kver,
                                 tri_to_string(f->migration.value), fl,
                                 tri_to_string(f->dma_logging.value)),
                 g_strdup(d->capable ? _("the device can save and load its state (VFIO migration v2)")
                                     : _("the device cannot be migrated")));
    }
}

/* Which backend the device really gets: the domain may ask for iommufd in
 * three ways, each needing a libvirt new enough to read it. */
static void
device_backend(Ctx *c, DevCtx *d, const char *addr)
{
    const DtDecideInput *in = c->in;
    const DtDomain *dom = in->domain;
    const DtHostdev *h = d->h;
    gboolean asked = dt_domain_hostdev_uses_iommufd(dom, h);
    gboolean via_hostdev = h->driver_iommufd == DT_TRI_YES;
    gboolean via_domain = !via_hostdev && h->driver_iommufd != DT_TRI_NO && dom->iommufd_enabled;
    gboolean via_override = FALSE;
    gboolean ok;

    if (!asked)
        return;
    for (guint i = 0; h->overrides && i < h->overrides->len; i++) {
        const DtProp *p = g_ptr_array_index(h->overrides, i);
        if (g_strcmp0(p->name, "iommufd") == 0 && g_strcmp0(p->type, "remove") != 0)
            via_override = TRUE;
    }
    if (via_hostdev)
        ok = dt_versions_libvirt_has(DT_LV_IOMMUFD_HOSTDEV, &in->libvirt);
    else if (via_domain)
        ok = dt_versions_libvirt_has(DT_LV_IOMMUFD_DOMAIN, &in->libvirt);
    else if (via_override)
        ok = c->overrides_effective;
    else
        ok = TRUE;   /* -global vfio-pci.iommufd= in <qemu:commandline> */
    if (!ok) {
        g_autofree char *lv = dt_version_to_string(&in->libvirt);
        if (via_hostdev || via_domain)
            add_reason(c, R_IOMMUFD_XML_OLD, DT_SEVERITY_WARNING, KIND_NOTE, addr,
                       _("Device %s asks for the iommufd backend in the domain XML, but libvirt %s "
                         "does not know that XML (<driver iommufd='yes'/> needs 12.1, "
                         "<iommufd enabled='yes'/> 12.2): it uses the legacy VFIO container."),
                       addr, lv);
        return;
    }
    if (!c->band->iommufd) {
        add_reason(c, R_IOMMUFD_QEMU_OLD, DT_SEVERITY_ERROR, KIND_START, addr,
                   _("Device %s is configured for the iommufd backend, which QEMU %s does not have "
                     "(needs 9.0): the VM cannot start. Upgrade QEMU or remove the iommufd setting."),
                   addr, c->band->name);
        return;
    }
    d->iommufd = TRUE;
}

/* Could the host give this device IOMMU dirty tracking through iommufd? */
static void
device_iommu(Ctx *c, DevCtx *d)
{
    const DtHost *host = c->in->host;
    const DtPciDev *pci = d->pci;
    const DtIommu *unit = dt_host_find_iommu(host, pci->iommu_unit);
    gboolean kernel_ok;

    d->f->iommu_dirty = DT_FACT_UNKNOWN;
    if (unit)
        d->f->iommu_dirty = unit->dirty_tracking;
    if (fact_is_probed(&pci->iommu_dirty))
        d->f->iommu_dirty = pci->iommu_dirty;

    kernel_ok = dt_versions_kernel_has(DT_KF_HWPT_DIRTY, &host->kernel) == DT_TRI_YES &&
                (!unit || unit->vendor != DT_IOMMU_VENDOR_SMMUV3 ||
                 dt_versions_kernel_has(DT_KF_SMMUV3_DIRTY, &host->kernel) == DT_TRI_YES);
    if (!unit && !fact_is_probed(&pci->iommu_dirty))
        d->why_no_iommu = g_strdup("no IOMMU unit");
    else if (!kernel_ok)
        d->why_no_iommu = g_strdup("kernel older than 6.7 (6.11 for SMMUv3)");
    else if (!host->dev_iommu)
        d->why_no_iommu = g_strdup("no /dev/iommu");
    else if (!host->vfio_cdev_support)
        d->why_no_iommu = g_strdup("no vfio cdev (/dev/vfio/devices)");
    else if (d->f->iommu_dirty.value != DT_TRI_YES)
        d->why_no_iommu = g_strdup_printf("IOMMU %s: %s", unit ? unit->name : "unit",
                                          unit && unit->dirty_note ? unit->dirty_note
                                                                   : "no dirty tracking");
    d->iommu_possible = d->why_no_iommu == NULL;
}

/* What the domain's own properties say for this device. */
static void
device_props(Ctx *c, DevCtx *d, const char *addr)
{
    const DtHostdev *h = d->h;
    static const char *const asked_props[] = {
        "enable-migration", "x-device-dirty-page-tracking", "iommufd",
    };

    d->em = OOA_UNSET;
    d->xem = -1;
    d->dev_dirty = OOA_UNSET;

    for (guint i = 0; i < G_N_ELEMENTS(asked_props); i++) {
        if (prop_asked(c, h, asked_props[i]) && !qemu_has_prop(c, asked_props[i]))
            add_reason(c, R_PROP_TOO_NEW, DT_SEVERITY_ERROR, KIND_START, addr,
                       _("Device %s sets the vfio-pci property %s, which QEMU %s does not have: "
                         "the VM will not start. Upgrade QEMU or remove the property."),
                       addr, asked_props[i], c->band->name);
    }
    if (prop_asked(c, h, "x-enable-migration") && !qemu_has_prop(c, "x-enable-migration"))
        add_reason(c, R_PROP_REMOVED, DT_SEVERITY_ERROR, KIND_START, addr,
                   _("Device %s sets x-enable-migration, which QEMU %s no longer has (replaced by "
                     "enable-migration in 8.1): the VM will not start. Use enable-migration instead."),
                   addr, c->band->name);

    if (c->band->enable_migration) {
        d->em = parse_on_off_auto(prop_value(c, h, "enable-migration", NULL));
        if (d->em == OOA_UNSET)
            d->em = OOA_AUTO;
    } else {
        DtOnOffAuto v = parse_on_off_auto(prop_value(c, h, "x-enable-migration", NULL));
        d->xem = v == OOA_ON ? 1 : 0;
    }
    if (dt_versions_band_has_prop(c->band, "x-device-dirty-page-tracking"))
        d->dev_dirty = parse_on_off_auto(prop_value(c, h, "x-device-dirty-page-tracking", NULL));
}

/* ---- QEMU's realize: can each device take part in migration ------------- */

static void
device_realize(Ctx *c, DevCtx *d, const char *addr)
{
    const DtBand *b = c->band;
    const DtDeviceFinding *f = d->f;
    const char *drv = f->vfio_driver ? f->vfio_driver : _("no driver");
    const char *variant = NULL;

    if (d->h->type == DT_HOSTDEV_MDEV) {
        /* The vendor driver decides; dirtytrack cannot question it. */
        d->migrates = b->v2 && !(b->enable_migration ? d->em == OOA_OFF : d->xem == 0);
        if (!b->v2 || (!b->enable_migration && d->xem == 0)) {
            add_reason(c, b->v2 ? R_XEM_DEFAULT : R_PROTOCOL, DT_SEVERITY_ERROR, KIND_LEAVE, addr,
                       _("mdev %s: QEMU %s only migrates VFIO devices with x-enable-migration=on "
                         "and the vendor driver's migration support; set it or upgrade QEMU to 8.1."),
                       addr, b->name);
        } else if (b->enable_migration && d->em == OOA_OFF) {
            add_reason(c, R_EM_OFF, DT_SEVERITY_ERROR, KIND_LEAVE, addr,
                       _("mdev %s has enable-migration=off: QEMU blocks migration. Remove the property."),
                       addr);
        }
        return;
    }

    /* A variant driver with migration that this device could have had. */
    if (!d->capable && c->in->vdb && d->pci) {
        const DtVdbEntry *v = dt_vdb_find_device(c->in->vdb, d->pci->vendor, d->pci->device);
        if (v && (!v->arch || !c->in->host->arch || g_strcmp0(v->arch, c->in->host->arch) == 0) &&
            (dt_vdb_entry_flags_on(v, &c->in->host->kernel) & DT_MIG_STOP_COPY))
            variant = v->driver;
    }

    d->variant = variant;
    if (!b->v2) {
        /* QEMU <= 7.2 speaks the v1 region protocol only; kernels >= 5.18
         * offer v2 only, so no driver can help. */
        if (d->capable || variant)
            add_reason(c, R_PROTOCOL, DT_SEVERITY_ERROR, KIND_LEAVE, addr,
                       _("Device %s has a migration driver (%s) that offers only VFIO migration "
                         "protocol v2 (kernel >= 5.18), but QEMU %s speaks only the old v1 "
                         "protocol: \"VFIO device doesn't support migration\". Upgrade QEMU to "
                         "8.1 or newer."),
                       addr, d->capable ? drv : variant, b->name);
    }
    if (!d->capable) {
        DtRuleId rule = d->entry || driver_is_plain(f->vfio_driver) || !f->vfio_driver
                        ? R_PLAIN : R_UNKNOWN_DRIVER;
        if (b->enable_migration && d->em == OOA_OFF) {
            add_reason(c, R_EM_OFF, DT_SEVERITY_ERROR, KIND_LEAVE, addr,
                       _("Device %s has enable-migration=off and %s has no migration support: "
                         "QEMU blocks migration. Detach the device before migrating."),
                       addr, drv);
        } else if (b->on_fails_realize && d->em == OOA_ON) {
            add_reason(c, R_EM_ON_NO_MIGRATION, DT_SEVERITY_ERROR, KIND_START, addr,
                       _("Device %s has enable-migration=on but %s has no migration support: "
                         "QEMU fails to realize the device and the VM does not start. Use a "
                         "migration-capable variant driver or remove enable-migration=on."),
                       addr, drv);
        } else if (rule == R_UNKNOWN_DRIVER) {
            add_reason(c, R_UNKNOWN_DRIVER, DT_SEVERITY_ERROR, KIND_LEAVE, addr,
                       _("Device %s is driven by %s, which the variant-driver database does not "
                         "know: dirtytrack assumes it has no migration support. Add it to the "
                         "database if it has."),
                       addr, drv);
        } else if (variant) {
            add_reason(c, R_PLAIN, DT_SEVERITY_ERROR, KIND_LEAVE, addr,
                       _("Device %s will be driven by %s, which has no migration support, although "
                         "%s could migrate it. Bind %s: with libvirt 10.0 or newer managed='yes' "
                         "picks it (or <driver model='%s'/>); before, pre-bind it with virsh "
                         "nodedev-detach --driver %s and use managed='no'."),
                       addr, drv, variant, variant, variant, variant);
        } else {
            add_reason(c, R_PLAIN, DT_SEVERITY_ERROR, KIND_LEAVE, addr,
                       _("Device %s is driven by %s, which has no migration support on this "
                         "kernel: QEMU blocks migration. Use a device with a migration-capable "
                         "VFIO variant driver, or detach it before migrating."),
                       addr, drv);
        }
        return;
    }
    if (!b->v2)
        return;

    if (b->enable_migration) {
        if (d->em == OOA_OFF) {
            add_reason(c, R_EM_OFF, DT_SEVERITY_ERROR, KIND_LEAVE, addr,
                       _("Device %s has enable-migration=off: QEMU blocks migration (\"Migration "
                         "is disabled for VFIO device\"). Remove the property or set it to auto."),
                       addr);
            return;
        }
    } else if (d->xem == 0) {
        add_reason(c, R_XEM_DEFAULT, DT_SEVERITY_ERROR, KIND_LEAVE, addr,
                   _("Device %s: QEMU %s migrates VFIO devices only with x-enable-migration=on "
                     "(default off), so it blocks migration. Apply the VF policy "
                     "(x-enable-migration=on) or upgrade QEMU to 8.1."),
                   addr, b->name);
        return;
    }
    d->migrates = TRUE;
}

/* ---- the container: which tracking mode --------------------------------- */

static DtMode
decide_tracking(Ctx *c)
{
    const DtBand *b = c->band;
    guint n_mig = 0, n_logs = 0, n_iommu = 0, n_mdev = 0, n_iommufd = 0;
    DtMode mode;

    for (guint i = 0; i < c->n_devs; i++) {
        DevCtx *d = &c->devs[i];
        if (!d->migrates)
            continue;
        n_mig++;
        if (d->h->type == DT_HOSTDEV_MDEV) {
            n_mdev++;
            continue;
        }
        d->logs = d->f->dma_logging.value == DT_TRI_YES && d->dev_dirty != OOA_OFF;
        d->iommu_dirty = b->iommufd_dirty && d->iommufd && d->iommu_possible;
        d->tracked = d->logs || d->iommu_dirty;
        n_logs += d->logs;
        n_iommu += d->iommu_dirty;
        n_iommufd += d->iommufd;
    }
    if (n_mig == 0)
        return DT_MODE_NONE;

    /* Per device at realize: is there any tracking for it? */
    for (guint i = 0; i < c->n_devs; i++) {
        DevCtx *d = &c->devs[i];
        g_autofree char *addr = NULL;
        if (!d->migrates || d->h->type == DT_HOSTDEV_MDEV || d->tracked)
            continue;
        addr = g_strdup(d->f->address);
        if (b->auto_needs_tracking && d->em == OOA_AUTO) {
            if (b->iommufd_dirty)
                add_reason(c, R_NO_TRACK_AUTO_91, DT_SEVERITY_ERROR, KIND_LEAVE, addr,
                           _("Device %s has neither DMA logging nor IOMMU dirty tracking, so QEMU %s "
                             "blocks migration (\"VFIO device doesn't support device and IOMMU dirty "
                             "tracking\"). Use the iommufd backend on a dirty-tracking IOMMU, or set "
                             "enable-migration=on to accept perpetual mode."),
                           addr, b->name);
            else
                add_reason(c, R_NO_TRACK_AUTO_81, DT_SEVERITY_ERROR, KIND_LEAVE, addr,
                           _("Device %s has no DMA logging, so QEMU %s blocks migration (\"VFIO "
                             "device doesn't support device dirty tracking\"). Upgrade QEMU to 9.1 "
                             "for IOMMU tracking, or set enable-migration=on to accept perpetual mode."),
                           addr, b->name);
        }
        if (d->iommufd && !d->iommu_dirty) {
            if (!b->iommufd_dirty)
                add_reason(c, R_IOMMUFD_90, DT_SEVERITY_WARNING, KIND_NOTE, addr,
                           _("Device %s uses the iommufd backend, but QEMU %s has no dirty tracking "
                             "on iommufd. Upgrade QEMU to 9.1 or newer."), addr, b->name);
            else
                add_reason(c, R_IOMMU_UNSUPPORTED, DT_SEVERITY_WARNING, KIND_NOTE, addr,
                           _("Device %s uses the iommufd backend, but its IOMMU cannot track dirty "
                             "pages (%s). IOMMU tracking needs kernel 6.7 (6.11 on SMMUv3), "
                             "/dev/iommu, a vfio cdev and an IOMMU with dirty bits (VT-d SLADS, "
                             "AMD HDSup, SMMUv3 HTTU)."), addr, d->why_no_iommu ? d->why_no_iommu : "?");
        } else if (!d->iommufd && d->iommu_possible) {
            if (b->iommufd_dirty)
                add_reason(c, R_IOMMUFD_NOT_CONFIGURED, DT_SEVERITY_WARNING, KIND_NOTE, addr,
                           _("Device %s would get IOMMU dirty tracking if it used the iommufd "
                             "backend: add <iommufd enabled='yes'/> (libvirt 12.2), <driver "
                             "iommufd='yes'/> (12.1), or -object iommufd with an iommufd "
                             "<qemu:override> on the device."), addr);
            else
                add_reason(c, R_IOMMU_NEEDS_91, DT_SEVERITY_INFO, KIND_NOTE, addr,
                           _("This host's IOMMU could track device %s's DMA with QEMU 9.1 or newer "
                             "and the iommufd backend."), addr);
        }
    }

    if (n_mdev == n_mig) {
        mode = DT_MODE_PERPETUAL;
    } else if (n_logs == n_mig) {
        mode = DT_MODE_DEVICE;
    } else if (b->iommufd_dirty && n_iommu > 0 && n_iommufd == n_mig - n_mdev) {
        mode = DT_MODE_IOMMU;
    } else {
        mode = DT_MODE_PERPETUAL;
    }

    /* iommufd dirty tracking reads only HWPTs allocated with the flag, so a
     * device on a unit without it is not tracked at all. */
    if (mode == DT_MODE_IOMMU) {
        for (guint i = 0; i < c->n_devs; i++) {
            DevCtx *d = &c->devs[i];
            if (d->migrates && d->h->type != DT_HOSTDEV_MDEV && !d->iommu_dirty)
                add_reason(c, R_IOMMU_PARTIAL, DT_SEVERITY_ERROR, KIND_LEAVE, d->f->address,
                           _("Device %s shares the iommufd container with IOMMU-tracked devices, but "
                             "its own IOMMU cannot track dirty pages (%s): its DMA writes would go "
                             "unseen. Move it to a dirty-tracking IOMMU or detach it."),
                           d->f->address, d->why_no_iommu ? d->why_no_iommu : "?");
        }
    }

    if (mode != DT_MODE_DEVICE && n_logs > 0) {
        for (guint i = 0; i < c->n_devs; i++) {
            DevCtx *d = &c->devs[i];
            if (d->migrates && d->h->type != DT_HOSTDEV_MDEV && !d->logs)
                add_reason(c, R_MIXED, DT_SEVERITY_WARNING, KIND_NOTE, d->f->address,
                           _("Device %s does not log its DMA, so QEMU cannot use device dirty "
                             "tracking for this VM even though other devices could: it falls back "
                             "to %s tracking. Pass through only devices with DMA logging to keep "
                             "device tracking, or prefer IOMMU tracking."),
                           d->f->address, mode == DT_MODE_IOMMU ? _("IOMMU") : _("perpetual"));
        }
    }
    if (n_mdev > 0) {
        for (guint i = 0; i < c->n_devs; i++) {
            DevCtx *d = &c->devs[i];
            if (d->migrates && d->h->type == DT_HOSTDEV_MDEV)
                add_reason(c, R_MDEV, DT_SEVERITY_WARNING, KIND_NOTE, d->f->address,
                           _("mdev %s: whether it migrates depends on its vendor driver, which "
                             "dirtytrack cannot probe; in the legacy container only the pages it "
                             "pins are reported dirty. Test a migration before relying on it."),
                           d->f->address);
        }
    }

    add_step(c, DT_SOURCE_NONE,
             mode == DT_MODE_DEVICE ? R_MODE_DEVICE : mode == DT_MODE_IOMMU ? R_MODE_IOMMU
                                                                              : R_MODE_PERPETUAL,
             g_strdup_printf(_("QEMU %s; migrating devices: %u, logging DMA: %u, with IOMMU "
                               "dirty tracking: %u"), b->name, n_mig, n_logs, n_iommu),
             g_strdup_printf(_("the container uses %s tracking"), dt_mode_to_string(mode)));
    return mode;
}

/* ---- blockers across devices ------------------------------------------- */

static void
multi_device(Ctx *c)
{
    const DtBand *b = c->band;
    guint n = 0;
    gboolean all_p2p = TRUE;

    if (!b->v2)
        return;
    for (guint i = 0; i < c->n_devs; i++) {
        const DevCtx *d = &c->devs[i];
        if (!d->migrates)
            continue;
        n++;
        if (d->h->type == DT_HOSTDEV_MDEV || !(d->f->mig_flags & DT_MIG_P2P))
            all_p2p = FALSE;
    }
    if (n <= 1)
        return;
    if (!b->multi_p2p) {
        add_reason(c, R_MULTI_ANY, DT_SEVERITY_ERROR, KIND_LEAVE, NULL,
                   _("The domain has %u VFIO devices with migration, and QEMU %s migrates at most "
                     "one (\"Migration is currently not supported with multiple VFIO devices\"). "
                     "Upgrade QEMU to 8.2 with P2P-capable drivers, or detach all but one."),
                   n, b->name);
        return;
    }
    if (all_p2p)
        return;
    for (guint i = 0; i < c->n_devs; i++) {
        const DevCtx *d = &c->devs[i];
        if (d->migrates && (d->h->type == DT_HOSTDEV_MDEV || !(d->f->mig_flags & DT_MIG_P2P)))
            add_reason(c, R_MULTI_P2P, DT_SEVERITY_ERROR,
                       b->on_fails_realize && d->em == OOA_ON ? KIND_START : KIND_LEAVE,
                       d->f->address,
                       _("Device %s has no P2P migration state, and the domain has %u migrating VFIO "
                         "devices: QEMU blocks migration (\"Multiple VFIO devices migration is "
                         "supported only if all of them support P2P migration\"). Detach it "
                         "or the other devices."),
                       d->f->address, n);
    }
}

static void
viommu(Ctx *c)
{
    const DtDomain *dom = c->in->domain;

    if (!dom->viommu_model || !c->band->v2)
        return;
    for (guint i = 0; i < c->n_devs; i++) {
        const DevCtx *d = &c->devs[i];
        if (!d->migrates)
            continue;
        add_reason(c, R_VIOMMU, DT_SEVERITY_ERROR,
                   c->band->on_fails_realize && d->em == OOA_ON ? KIND_START : KIND_LEAVE,
                   d->f->address,
                   _("Device %s is behind a virtual IOMMU (<iommu model='%s'/>): QEMU blocks its "
                     "migration (\"Migration is currently not supported with vIOMMU enabled\"). "
                     "Remove the vIOMMU to migrate."),
                   d->f->address, dom->viommu_model);
    }
}

/* ---- DMA logging ranges and their limits -------------------------------- */

static void
dma_ranges(Ctx *c)
{
    const DtDecideInput *in = c->in;
    DtDecision *dec = c->dec;
    guint max_ranges = (in->host->page_size ? in->host->page_size : 4096) / 16;
    guint64 total = 0;
    guint log2_total = 0;
    GString *txt = g_string_new(NULL);

    dec->n_ranges = dt_decide_dma_ranges(c->band->name, in->domain->machine,
                                         dec->ram_bytes, in->domain->max_memory_kib * 1024,
                                         dec->ranges);
    dec->log_page_size = in->host->page_size ? in->host->page_size : 4096;
    for (guint i = 0; i < dec->n_ranges; i++) {
        total += dec->ranges[i].length;
        g_string_append_printf(txt, "%s[0x%" PRIx64 ", +0x%" PRIx64 ")",
                               i ? " " : "", dec->ranges[i].iova, dec->ranges[i].length);
    }
    while (log2_total < 64 && (G_GUINT64_CONSTANT(1) << log2_total) < total)
        log2_total++;
    add_step(c, DT_SOURCE_XML, R_RANGES,
             g_strdup_printf(_("machine %s with %" PRIu64 " MiB RAM"),
                             in->domain->machine ? in->domain->machine : "?",
                             dec->ram_bytes >> 20),
             g_strdup_printf(_("QEMU %s hands %u DMA-logging ranges to the devices: %s"),
                             c->band->name, dec->n_ranges, dec->n_ranges ? txt->str : _("not modelled")));
    g_string_free(txt, TRUE);

    if (dec->n_ranges > max_ranges)
        add_reason(c, R_RANGE_MAX, DT_SEVERITY_ERROR, KIND_LEAVE, NULL,
                   _("QEMU would pass %u DMA-logging ranges, more than the kernel accepts (%u): "
                     "starting dirty tracking fails with E2BIG."), dec->n_ranges, max_ranges);

    for (guint i = 0; i < c->n_devs; i++) {
        const DevCtx *d = &c->devs[i];
        if (!d->logs)
            continue;
        for (guint j = 0; j < G_N_ELEMENTS(log_limits); j++) {
            if (g_strcmp0(log_limits[j].driver, d->f->vfio_driver) != 0)
                continue;
            if (log2_total > log_limits[j].log2_max_addr_space)
                add_reason(c, R_RANGE_DEVICE, DT_SEVERITY_ERROR, KIND_LEAVE, d->f->address,
                           _("Device %s (%s) can log DMA over at most 2^%u bytes, but QEMU %s "
                             "would ask it to cover 2^%u bytes: starting dirty tracking fails "
                             "(\"Failed to start DMA logging\"). Reduce the guest memory, or use "
                             "IOMMU tracking (QEMU 9.1, iommufd)."),
                           d->f->address, d->f->vfio_driver, log_limits[j].log2_max_addr_space,
                           c->band->name, log2_total);
        }
    }
}

/* ---- VF policy ----------------------------------------------------------- */

static void
vf_prop(Ctx *c, DtVfPolicy *v, const char *name, const char *type, const char *value)
{
    if (qemu_has_prop(c, name))
        g_ptr_array_add(v->props, dt_prop_new(name, type, value));
}

static void
vf_policy(Ctx *c, DtMode mode, gboolean perpetual_ok)
{
    const DtDecideInput *in = c->in;
    const DtBand *b = c->band;
    gboolean must = in->policy.require_migratable;
    gboolean can_add_iommufd = in->domain->cmdline_iommufd_id && c->overrides_effective &&
                               qemu_has_prop(c, "iommufd");
    gboolean reach_iommu = b->iommufd_dirty;
    gboolean some_untracked = FALSE;
    gboolean want_iommu;

    /* IOMMU tracking is reachable for the whole container when every
     * migratable device sits on a dirty-tracking IOMMU and is on iommufd,
     * or the policy can put it there with the domain's own -object
     * iommufd (qemu-libvirt.md §1.1 step 3, §1.5). */
    for (guint i = 0; i < c->n_devs; i++) {
        const DevCtx *d = &c->devs[i];
        if (!d->capable || d->h->type != DT_HOSTDEV_PCI || d->missing)
            continue;
        if (!d->iommu_possible || !(d->iommufd || can_add_iommufd))
            reach_iommu = FALSE;
        if (!d->logs)
            some_untracked = TRUE;
    }
    want_iommu = reach_iommu &&
                 (in->policy.prefer == DT_PREFER_IOMMU ||
                  (some_untracked && in->policy.prefer != DT_PREFER_DEVICE));

    for (guint i = 0; i < c->n_devs; i++) {
        const DevCtx *d = &c->devs[i];
        const DtHostdev *h = d->h;
        DtVfPolicy *v;

        if (h->type != DT_HOSTDEV_PCI || d->missing)
            continue;
        v = g_new0(DtVfPolicy, 1);
        v->address = g_strdup(d->f->address);
        v->alias = h->alias ? g_strdup(h->alias)
                            : g_strdup_printf("ua-dt-%02x%02x%x", h->addr.bus, h->addr.slot,
                                              h->addr.function);
        /* the driver to bind: a migration-capable variant where the
         * database knows one this device lacks now */
        v->driver = g_strdup(!d->capable && d->variant ? d->variant : d->f->vfio_driver);
        v->must_migrate = must;
        v->props = g_ptr_array_new_with_free_func((GDestroyNotify)dt_prop_free);

        /* enable-migration: "on" where the policy wants QEMU to refuse a
         * device it cannot migrate, or to accept the perpetual mode the
         * policy allows; "auto" to keep QEMU's blockers; "off" for a
         * device that never migrates when nobody requires it. */
        if (b->enable_migration) {
            const char *em;
            if (!d->capable)
                em = must ? "on" : "off";
            else if (!d->logs && !want_iommu)
                em = perpetual_ok ? "on" : "auto";
            else
                em = must ? "on" : "auto";
            vf_prop(c, v, "enable-migration", "string", em);
        } else if (b->v2) {
            vf_prop(c, v, "x-enable-migration", "bool", d->capable ? "true" : "false");
        }

        if (want_iommu && d->capable) {
            if (!d->iommufd)
                vf_prop(c, v, "iommufd", "string", in->domain->cmdline_iommufd_id);
            if (in->policy.prefer == DT_PREFER_IOMMU && d->f->dma_logging.value == DT_TRI_YES)
                vf_prop(c, v, "x-device-dirty-page-tracking", "string", "off");
        } else if (in->policy.prefer == DT_PREFER_DEVICE && d->dev_dirty == OOA_OFF &&
                   d->f->dma_logging.value == DT_TRI_YES) {
            vf_prop(c, v, "x-device-dirty-page-tracking", "string", "on");
        }

        /* In perpetual mode every sync marks everything dirty: syncing
         * during pre-copy only re-sends RAM (qemu-libvirt.md §1.1 step 5). */
        if (mode == DT_MODE_PERPETUAL && d->migrates && b->v2)
            vf_prop(c, v, "x-pre-copy-dirty-page-tracking", "string", "off");

        g_ptr_array_add(c->dec->vf_policy, v);
    }
}

/* ---- fingerprint -------------------------------------------------------- */

static gint
cmp_finding(gconstpointer a, gconstpointer b)
{
    const DtDeviceFinding *x = *(const DtDeviceFinding *const *)a;
    const DtDeviceFinding *y = *(const DtDeviceFinding *const *)b;
    return g_strcmp0(x->address, y->address);
}

static char *
fingerprint(const DtDecision *dec)
{
    g_autoptr(GChecksum) ck = g_checksum_new(G_CHECKSUM_SHA256);
    g_autoptr(GPtrArray) sorted = g_ptr_array_new();
    const char *mode = dt_mode_to_string(dec->mode);

    for (guint i = 0; i < dec->devices->len; i++)
        g_ptr_array_add(sorted, g_ptr_array_index(dec->devices, i));
    g_ptr_array_sort(sorted, cmp_finding);
    g_checksum_update(ck, (const guchar *)mode, strlen(mode));
    for (guint i = 0; i < sorted->len; i++) {
        const DtDeviceFinding *f = g_ptr_array_index(sorted, i);
        /* no address: hosts number their devices differently, and the
         * destination compares this against the source's */
        g_autofree char *line = g_strdup_printf("\n%04x:%04x %s %u", f->vendor, f->device,
                                                f->vfio_driver ? f->vfio_driver : "-",
                                                f->mig_flags);
        g_checksum_update(ck, (const guchar *)line, strlen(line));
    }
    return g_strdup(g_checksum_get_string(ck));
}

/* ---- destination: can this host take the stream ------------------------- */

static const DtFingerprintDevice *
source_device(const DtDomain *dom, const char *addr)
{
    const DtMetadata *m = dom->metadata;
    if (!m || !m->fp_devices)
        return NULL;
    for (guint i = 0; i < m->fp_devices->len; i++) {
        const DtFingerprintDevice *f = g_ptr_array_index(m->fp_devices, i);
        if (g_strcmp0(f->address, addr) == 0)
            return f;
    }
    return NULL;
}

/* The source wrote one <device> per hostdev, in the domain's order
 * (dt-rewrite.c), and the domain XML a destination receives keeps that
 * order while its addresses may name this host's functions: position, not
 * address, says which device of the source a hostdev here stands in for. */
static void
fingerprint_checks(Ctx *c)
{
    const DtMetadata *m = c->in->domain->metadata;

    if (!m || !m->present || !m->fp_devices || m->fp_devices->len == 0)
        return;
    if (m->fp_devices->len != c->n_devs) {
        add_reason(c, R_FP_MISMATCH, DT_SEVERITY_ERROR, KIND_ARRIVE, NULL,
                   _("The source host recorded %u passthrough devices for this VM and it arrives "
                     "with %u: the device state cannot be matched. Migrate with the same devices."),
                   m->fp_devices->len, c->n_devs);
        return;
    }
    for (guint i = 0; i < c->n_devs; i++) {
        const DevCtx *d = &c->devs[i];
        const DtFingerprintDevice *src = g_ptr_array_index(m->fp_devices, i);
        g_autofree char *id = NULL;

        if (d->missing || d->h->type != DT_HOSTDEV_PCI || !d->f->present)
            continue;
        /* already refused, for the same cause, by the address rule */
        if (has_reason(c->dec, DT_R_DRIVER_NOT_BINDABLE, d->f->address))
            continue;
        id = g_strdup_printf("%04x:%04x", d->f->vendor, d->f->device);
        if (src->vendor_device && g_ascii_strcasecmp(src->vendor_device, id) != 0) {
            add_reason(c, R_FP_MISMATCH, DT_SEVERITY_ERROR, KIND_ARRIVE, d->f->address,
                       _("Passthrough device %u of this VM was PCI device %s on the source and is "
                         "%s (%s) here: its migration state cannot be loaded into another device "
                         "type. Give the VM the same device type on this host."),
                       i + 1, src->vendor_device, id, d->f->address);
        } else if (src->driver && d->f->vfio_driver &&
                   g_strcmp0(src->driver, d->f->vfio_driver) != 0) {
            add_reason(c, R_FP_MISMATCH, DT_SEVERITY_ERROR, KIND_ARRIVE, d->f->address,
                       _("Passthrough device %u of this VM was driven by %s on the source and "
                         "would be driven by %s here (%s): the state one variant driver saves "
                         "only that driver can resume. Bind %s here."),
                       i + 1, src->driver, d->f->vfio_driver, d->f->address, src->driver);
        }
    }
}

static void
destination_checks(Ctx *c)
{
    const DtDomain *dom = c->in->domain;

    if (!c->band->v2) {
        add_reason(c, R_DEST_LOAD, DT_SEVERITY_ERROR, KIND_ARRIVE, NULL,
                   _("QEMU %s on this host cannot load the VFIO migration stream of a newer QEMU "
                     "(protocol v2). Upgrade QEMU to 8.1 or newer here."), c->band->name);
    }
    for (guint i = 0; i < c->n_devs; i++) {
        const DevCtx *d = &c->devs[i];
        const DtFingerprintDevice *src;
        if (d->missing || d->h->type != DT_HOSTDEV_PCI)
            continue;
        src = source_device(dom, d->f->address);
        if (src && src->driver && g_strcmp0(src->driver, d->f->vfio_driver) != 0) {
            add_reason(c, R_BIND_RESUME, DT_SEVERITY_ERROR, KIND_ARRIVE, d->f->address,
                       _("Device %s was migrated by %s on the source, but this host would bind %s, "
                         "which cannot resume that state. Bind %s here (managed='no' after virsh "
                         "nodedev-detach --driver %s, or libvirt 10.0 with <driver model='%s'/>)."),
                       d->f->address, src->driver,
                       d->f->vfio_driver ? d->f->vfio_driver : _("no driver"),
                       src->driver, src->driver, src->driver);
        } else if (!d->capable && (!src || src->mig_flags)) {
            add_reason(c, R_BIND_RESUME, DT_SEVERITY_ERROR, KIND_ARRIVE, d->f->address,
                       _("Device %s would be driven by %s here, which cannot load a VFIO migration "
                         "stream: the incoming migration would fail. Provide a migration-capable "
                         "variant driver for it on this host."),
                       d->f->address, d->f->vfio_driver ? d->f->vfio_driver : _("no driver"));
        }
    }
}

/* ---- the engine ---------------------------------------------------------- */

/* The pre-flight dry run is an observed fact (dt_vfio_preflight records it
 * on the device, the caller decides again): a device that refused the
 * tracking this decision chose will refuse it when the migration starts.
 * The mode stays what was tried, so the report says what failed. */
static void
preflight_checks(Ctx *c, DtMode mode)
{
    if (mode != DT_MODE_DEVICE && mode != DT_MODE_IOMMU)
        return;
    for (guint i = 0; i < c->n_devs; i++) {
        const DevCtx *d = &c->devs[i];

        if (!d->pci || d->pci->preflight.source == DT_SOURCE_NONE ||
            d->pci->preflight.value != DT_TRI_NO ||
            d->pci->preflight_iommu != (mode == DT_MODE_IOMMU))
            continue;
        add_reason(c, mode == DT_MODE_IOMMU ? R_PREFLIGHT_IOMMU : R_PREFLIGHT_LOG,
                   DT_SEVERITY_ERROR, KIND_NOTE, d->f->address,
                   _("The dry run of %s tracking on device %s failed: %s"),
                   dt_mode_to_string(mode), d->f->address,
                   d->pci->preflight_error ? d->pci->preflight_error : _("refused"));
    }
}

static const DtBand *
pick_band(Ctx *c)
{
    const DtQemuCaps *q = c->in->qemu;
    const DtBand *b = NULL;

    if (q && q->version.known)
        b = band_by_name(dt_qemu_band(&q->version));
    if (b)
        return b;
    /* Version unknown: the binary's properties still bound the band
     * (qemu-libvirt.md §2); take the oldest band they allow. */
    if (q && q->props_known) {
        if (q->has_x_device_dirty_page_tracking)
            b = band_by_name("9.1");
        else if (q->has_iommufd)
            b = band_by_name("9.0");
        else if (q->has_enable_migration)
            b = band_by_name("8.1");
    }
    if (!b)
        b = dt_versions_qemu_band_at(0);
    add_reason(c, R_BAND_UNKNOWN, DT_SEVERITY_WARNING, KIND_NOTE, NULL,
               _("The QEMU version is unknown; dirtytrack assumes the %s rules. Give the version "
                 "with --qemu-version or make the QEMU binary readable."), b->name);
    return b;
}

static gboolean
perpetual_policy(Ctx *c, DtMode mode, gboolean apply)
{
    const DtPolicy *p = &c->in->policy;
    guint64 est;

    if (p->perpetual == DT_PERPETUAL_NEVER) {
        if (apply && mode == DT_MODE_PERPETUAL)
            add_reason(c, R_PERPETUAL_NEVER, DT_SEVERITY_ERROR, KIND_POLICY, NULL,
                       _("This VM would migrate in perpetual mode (every DMA-mapped page re-sent "
                         "each round, all of RAM in the final stop), and its policy says "
                         "perpetual='never'. Give it device or IOMMU dirty tracking, or relax "
                         "the policy."));
        return FALSE;
    }
    if (p->perpetual == DT_PERPETUAL_ALLOW)
        return TRUE;
    est = dt_decide_perpetual_downtime_ms(c->dec->ram_bytes, c->dec->device_state_bytes,
                                          p->bandwidth_mib_s);
    if (p->max_downtime_ms && est > p->max_downtime_ms) {
        if (apply && mode == DT_MODE_PERPETUAL)
            add_reason(c, R_PERPETUAL_BUDGET, DT_SEVERITY_ERROR, KIND_POLICY, NULL,
                       _("In perpetual mode this VM's final stop would move %" PRIu64
                         " MiB at %" PRIu64 " MiB/s: about %" PRIu64
                         " ms of downtime, over its budget of %" PRIu64 " ms. Give it "
                         "device or IOMMU dirty tracking, a faster link, or a larger budget."),
                       (c->dec->ram_bytes + c->dec->device_state_bytes) >> 20,
                       p->bandwidth_mib_s, est, p->max_downtime_ms);
        return FALSE;
    }
    return TRUE;
}

/* The downtime budget for device and IOMMU tracking: the cost model
 * (dt-cost.h, pure like this engine) is asked whether QEMU can switch over
 * with the guest frozen no longer than the budget when the daemon sets the
 * budget as downtime-limit.  Perpetual mode has its own rule above. */
static void
downtime_budget(Ctx *c, DtMode mode)
{
    const DtPolicy *p = &c->in->policy;
    DtDecision view = *c->dec;
    DtCostInputs ci;
    DtCostResult r;

    if (!p->max_downtime_ms || (mode != DT_MODE_DEVICE && mode != DT_MODE_IOMMU))
        return;
    view.mode = mode;   /* dec->mode is only written when the decision ends */
    dt_cost_inputs_from_decision(&ci, &view, p, c->in->host);
    ci.downtime_limit_ms = p->max_downtime_ms;
    if (!dt_cost_predict(&ci, &r, NULL))
        return;
    if (!r.converges || dt_cost_over_budget(&r, p->max_downtime_ms))
        add_reason(c, R_DOWNTIME_BUDGET, DT_SEVERITY_ERROR, KIND_POLICY, NULL,
                   _("With %s tracking, a dirty rate of %" PRIu64 " MiB/s and %"
                     PRIu64 " MiB/s of bandwidth, this VM %s; its downtime budget is %"
                     PRIu64 " ms. Give it more bandwidth, a larger budget, or lower "
                     "its dirty rate (see 'dirtytrack predict')."),
                   dt_mode_to_string(mode), r.effective_dirty_rate_mib_s, ci.bandwidth_mib_s,
                   r.converges ? _("would still freeze longer than that")
                               : _("would not converge within that budget"),
                   p->max_downtime_ms);
}

static DtVerdict
verdict_of(const DtDecision *d)
{
    DtVerdict v = DT_VERDICT_ALLOW;
    for (guint i = 0; i < d->reasons->len; i++) {
        const DtReason *r = g_ptr_array_index(d->reasons, i);
        if (r->severity == DT_SEVERITY_ERROR)
            return DT_VERDICT_DENY;
        if (r->severity == DT_SEVERITY_WARNING)
            v = DT_VERDICT_WARN;
    }
    return v;
}

DtDecision *
dt_decide(const DtDecideInput *in)
{
    Ctx ctx = { 0 };
    Ctx *c = &ctx;
    const DtDomain *dom;
    DtDecision *dec;
    DtMode mode = DT_MODE_NONE;
    guint n_present = 0;
    gboolean any_overrides = FALSE;

    g_return_val_if_fail(in && in->domain && in->host && in->qemu, NULL);
    dom = in->domain;
    dec = dt_decision_new();
    dec->role = in->role;
    c->in = in;
    c->dec = dec;
    c->band = pick_band(c);
    dec->qemu_band = g_strdup(c->band->name);
    dec->ram_bytes = dom->memory_kib * 1024;
    dec->log_page_size = 0;
    dec->tracking_granularity = in->host->page_size ? in->host->page_size : 4096;
    c->overrides_effective = dt_versions_libvirt_has(DT_LV_QEMU_OVERRIDE, &in->libvirt);

    if (dt_domain_n_vfio(dom) == 0 || dom->hostdevs->len == 0) {
        add_reason(c, R_NO_VFIO, DT_SEVERITY_INFO, KIND_NOTE, NULL,
                   _("The domain has no VFIO devices: QEMU tracks its RAM itself and dirtytrack "
                     "has nothing to gate."));
        add_step(c, DT_SOURCE_XML, R_NO_VFIO, g_strdup(_("no <hostdev> of type pci or mdev")),
                 g_strdup(_("mode none, migration allowed")));
        goto finish;
    }

    for (guint i = 0; i < dom->hostdevs->len; i++) {
        const DtHostdev *h = g_ptr_array_index(dom->hostdevs, i);
        if (h->overrides && h->overrides->len)
            any_overrides = TRUE;
    }
    if (any_overrides && !c->overrides_effective) {
        g_autofree char *lv = dt_version_to_string(&in->libvirt);
        add_reason(c, R_OVERRIDE_OLD, DT_SEVERITY_WARNING, KIND_NOTE, NULL,
                   _("The domain sets device properties with <qemu:override>, which libvirt %s "
                     "ignores (needs 8.2): QEMU gets its defaults. Upgrade libvirt or use "
                     "-global in <qemu:commandline>."), lv);
    }

    c->n_devs = dom->hostdevs->len;
    c->devs = g_new0(DevCtx, c->n_devs);
    for (guint i = 0; i < c->n_devs; i++) {
        DevCtx *d = &c->devs[i];
        g_autofree char *addr = NULL;

        d->h = g_ptr_array_index(dom->hostdevs, i);
        addr = addr_of(d->h);
        d->f = g_new0(DtDeviceFinding, 1);
        d->f->address = g_strdup(addr);
        d->f->is_mdev = d->h->type == DT_HOSTDEV_MDEV;
        d->f->migration = DT_FACT_UNKNOWN;
        d->f->dma_logging = DT_FACT_UNKNOWN;
        d->f->iommu_dirty = DT_FACT_UNKNOWN;
        g_ptr_array_add(dec->devices, d->f);

        if (d->h->type == DT_HOSTDEV_MDEV) {
            d->f->present = TRUE;
            d->f->migration = (DtFact){ DT_TRI_UNKNOWN, DT_SOURCE_PREDICTED };
            d->f->vfio_driver = g_strdup(d->h->mdev_model ? d->h->mdev_model : "vfio-pci");
            d->f->vfio_driver_source = DT_SOURCE_XML;
            n_present++;
            device_props(c, d, addr);
            add_step(c, DT_SOURCE_XML, R_MDEV,
                     g_strdup_printf(_("%s is a mediated device (%s)"), addr, d->f->vfio_driver),
                     g_strdup(_("its migration support is the vendor driver's: predicted, not probed")));
            device_realize(c, d, addr);
            continue;
        }

        d->pci = d->h->has_addr ? dt_host_find_device(in->host, &d->h->addr) : NULL;
        if (!d->pci) {
            d->missing = TRUE;
            add_reason(c, R_NOT_FOUND,
                       in->role == DT_ROLE_DESTINATION ? DT_SEVERITY_ERROR : DT_SEVERITY_WARNING,
                       in->role == DT_ROLE_DESTINATION ? KIND_ARRIVE : KIND_NOTE, addr,
                       _("PCI device %s is not present on this host: the VM cannot run here with "
                         "it. Check the address or the host's SR-IOV configuration."), addr);
            add_step(c, DT_SOURCE_SYSFS, R_NOT_FOUND,
                     g_strdup_printf(_("%s is absent from /sys/bus/pci/devices"), addr),
                     g_strdup(_("nothing can be predicted for it")));
            continue;
        }
        n_present++;
        d->f->present = TRUE;
        d->f->vendor = d->pci->vendor;
        d->f->device = d->pci->device;
        d->f->driver = g_strdup(d->pci->driver);

        if (d->pci->iommu_group < 0)
            add_reason(c, R_NO_IOMMU_GROUP, DT_SEVERITY_ERROR, KIND_START, addr,
                       _("Device %s has no IOMMU group: VFIO cannot assign it and the VM does not "
                         "start. Enable the IOMMU (intel_iommu=on or amd_iommu=on, or firmware "
                         "VT-d/AMD-Vi)."), addr);
        resolve_driver(c, d, addr);
        device_facts(c, d, addr);
        device_props(c, d, addr);
        device_backend(c, d, addr);
        device_iommu(c, d);
        device_realize(c, d, addr);
    }

    if (n_present == 0) {
        mode = DT_MODE_NONE;
        goto policy;
    }

    multi_device(c);
    viommu(c);
    if (c->band->v2)
        mode = decide_tracking(c);

    /* Perpetual mode: where QEMU allows it, say what it means. */
    if (mode == DT_MODE_PERPETUAL && !c->leave_blocked) {
        gboolean any_on = FALSE;
        for (guint i = 0; i < c->n_devs; i++)
            if (c->devs[i].migrates && c->devs[i].em == OOA_ON && !c->devs[i].tracked &&
                c->devs[i].h->type == DT_HOSTDEV_PCI)
                any_on = TRUE;
        add_reason(c, !c->band->enable_migration ? R_PERPETUAL_80 : any_on ? R_NO_TRACK_ON
                                                                           : R_MODE_PERPETUAL,
                   DT_SEVERITY_WARNING, KIND_NOTE, NULL,
                   _("No device or IOMMU tracks DMA for this VM: QEMU counts every DMA-mapped page "
                     "dirty on every round, so pre-copy does not converge and the final stop "
                     "moves all of RAM. Use devices with DMA logging or IOMMU dirty tracking "
                     "(QEMU 9.1, iommufd)."));
    }

    if (mode == DT_MODE_DEVICE)
        dma_ranges(c);
    preflight_checks(c, mode);

policy:
    /* Cost inputs. */
    for (guint i = 0; i < c->n_devs; i++)
        if (c->devs[i].migrates)
            dec->device_state_bytes += c->devs[i].f->stop_copy_bytes;
    if (mode == DT_MODE_IOMMU && dom->hugepages)
        /* huge IOPTEs carry one dirty bit each; the default hugepage is
         * 2 MiB on x86_64 and on aarch64 with 4 KiB pages */
        dec->tracking_granularity = dom->hugepage_kib ? dom->hugepage_kib * 1024
                                                      : G_GUINT64_CONSTANT(2) << 20;
    if (mode == DT_MODE_DEVICE && !dec->log_page_size)
        dec->log_page_size = dec->tracking_granularity;

    if (c->leave_blocked)
        mode = DT_MODE_NONE;
    {
        gboolean perpetual_ok = perpetual_policy(c, mode, TRUE);

        if (mode != DT_MODE_NONE && !c->leave_blocked) {
            if (c->band->postcopy_refused)
                add_reason(c, R_POSTCOPY, DT_SEVERITY_INFO, KIND_NOTE, NULL,
                           _("QEMU %s refuses post-copy with VFIO devices: migrate this VM with "
                             "pre-copy only (no --postcopy)."), c->band->name);
            else
                add_reason(c, R_POSTCOPY_OLD, DT_SEVERITY_INFO, KIND_NOTE, NULL,
                           _("VFIO devices cannot be migrated in post-copy, and QEMU %s does not "
                             "refuse it yet: never enable post-copy for this VM."), c->band->name);
        }
        if (!c->leave_blocked)
            downtime_budget(c, mode);
        if (in->role == DT_ROLE_DESTINATION) {
            destination_checks(c);
            fingerprint_checks(c);
        }
        if (in->policy.require_migratable && (c->leave_blocked || mode == DT_MODE_NONE ||
                                              has_reason(dec, DT_R_PERPETUAL_FORBIDDEN, NULL)))
            add_reason(c, R_REQUIRE, DT_SEVERITY_ERROR, KIND_POLICY, NULL,
                       in->role == DT_ROLE_DESTINATION
                       ? _("The policy requires this VM to stay migratable, and from this host it "
                           "could not migrate again (see the other reasons). Choose another host.")
                       : _("The policy requires this VM to be migratable, and on this host it is "
                           "not (see the other reasons)."));
        vf_policy(c, mode, perpetual_ok);
    }

    /* `prediction`: facts that came from the database or were predicted. */
    for (guint i = 0; i < c->n_devs; i++) {
        const DtDeviceFinding *f = c->devs[i].f;
        if (c->devs[i].missing)
            continue;
        if (f->migration.source == DT_SOURCE_DATABASE || f->migration.source == DT_SOURCE_PREDICTED ||
            f->vfio_driver_source == DT_SOURCE_PREDICTED ||
            f->dma_logging.source == DT_SOURCE_DATABASE) {
            add_reason(c, R_PREDICTION, DT_SEVERITY_INFO, KIND_NOTE, f->address,
                       _("For device %s the driver (%s) and its migration facts (%s) come from "
                         "the database or a prediction, not from the kernel. Run the probe helper "
                         "on an idle device to confirm."),
                       f->address, dt_source_to_string(f->vfio_driver_source),
                       dt_source_to_string(f->migration.source));
        }
    }

finish:
    dec->mode = mode;
    if (c->n_devs > 0) {
        /* The chain ends on what decided it: the first refusal, if any. */
        const DtReason *block = NULL;
        for (guint i = 0; i < dec->reasons->len && !block; i++) {
            const DtReason *r = g_ptr_array_index(dec->reasons, i);
            if (r->severity == DT_SEVERITY_ERROR)
                block = r;
        }
        if (block)
            add_step_src(c, DT_SOURCE_NONE, block->rule,
                         g_strdup_printf(_("%s (%s)"), block->code,
                                         block->device ? block->device : _("domain")),
                         g_strdup_printf(_("tracking mode %s; migration %s"),
                                         dt_mode_to_string(mode),
                                         dt_verdict_to_string(verdict_of(dec))));
        else
            add_step(c, DT_SOURCE_NONE,
                     mode == DT_MODE_DEVICE ? R_MODE_DEVICE :
                     mode == DT_MODE_IOMMU ? R_MODE_IOMMU : R_MODE_PERPETUAL,
                     g_strdup_printf(_("VFIO devices: %u; nothing blocks migration"), c->n_devs),
                     g_strdup_printf(_("tracking mode %s; migration %s"),
                                     dt_mode_to_string(mode),
                                     dt_verdict_to_string(verdict_of(dec))));
    }
    dec->verdict = verdict_of(dec);
    dec->fingerprint = fingerprint(dec);
    if (c->devs) {
        for (guint i = 0; i < c->n_devs; i++)
            g_free(c->devs[i].why_no_iommu);
        g_free(c->devs);
    }
    return dec;
}
