/* dt-model.h: the plain structs every part of dirtytrack passes around.
 *
 * The decision engine is a pure function over these structs, so they carry
 * facts only: what the domain XML asks for, what the host and each device
 * are, what QEMU and libvirt can do, and what the policy wants.  Every fact
 * that came from probing carries its source, because reports must say how
 * sure we are ("the kernel answered" is not "the database says").
 *
 * Ownership: every struct here is freed by its dt_*_free() in dt-model.c;
 * strings are owned g_malloc'd copies.
 */
#pragma once

#include <glib.h>

#include "model/dt-enum.h"

G_BEGIN_DECLS

/* ---- sources and tri-state facts --------------------------------------- */

typedef enum {
    DT_SOURCE_NONE = 0,   /* nothing known */
    DT_SOURCE_IOCTL,      /* the kernel answered an ioctl */
    DT_SOURCE_DEBUGFS,    /* /sys/kernel/debug/vfio/... */
    DT_SOURCE_SYSFS,      /* register bits or attributes from sysfs */
    DT_SOURCE_DATABASE,   /* known variant-driver behaviour (data/) */
    DT_SOURCE_PREDICTED,  /* e.g. driver chosen from modules.alias, not bound yet */
    DT_SOURCE_CONFIG,     /* an override given by the user (option, env, config) */
    DT_SOURCE_XML,        /* stated by the domain XML */
    DT_SOURCE_BINARY,     /* read from the QEMU binary */
    DT_SOURCE_KCONFIG,    /* the running kernel's build configuration (/boot/config-*, /proc/config.gz) */
    DT_SOURCE_MODULES,    /* the kernel's module lists (modules.dep, modules.builtin) */
    DT_SOURCE_DEVNODE,    /* a device node the kernel created (/dev/vfio/vfio, /dev/iommu) */
} DtSource;

#define DT_SOURCE_LAST DT_SOURCE_DEVNODE

DT_ENUM_DECL(dt_source, DtSource);   /* stable, untranslated */

typedef enum {
    DT_TRI_UNKNOWN = -1,
    DT_TRI_NO = 0,
    DT_TRI_YES = 1,
} DtTri;

typedef struct {
    DtTri value;
    DtSource source;
} DtFact;

/* "unknown", "no", "yes": a tri-state fact where it is written as a word
 * (XML attributes, the probe's text, D-Bus); JSON writes true/false/null. */
DT_ENUM_DECL(dt_tri, DtTri);

#define DT_FACT_UNKNOWN ((DtFact){ DT_TRI_UNKNOWN, DT_SOURCE_NONE })

/* ---- versions and addresses -------------------------------------------- */

typedef struct {
    guint major, minor, micro;
    gboolean known;
} DtVersion;

typedef struct {
    guint16 domain;
    guint8 bus;
    guint8 slot;      /* 0..31 */
    guint8 function;  /* 0..7 */
} DtPciAddr;

/* VFIO migration flags (include/uapi/linux/vfio.h VFIO_MIGRATION_*): the
 * bit numbers, whose names ("stop-copy", "p2p", "pre-copy") are the one
 * spelling every report, parser and data file uses. */
typedef enum {
    DT_MIG_BIT_STOP_COPY = 0,
    DT_MIG_BIT_P2P = 1,
    DT_MIG_BIT_PRE_COPY = 2,
} DtMigBit;

DT_ENUM_DECL(dt_mig_bit, DtMigBit);

#define DT_MIG_STOP_COPY (1u << DT_MIG_BIT_STOP_COPY)
#define DT_MIG_P2P       (1u << DT_MIG_BIT_P2P)
#define DT_MIG_PRE_COPY  (1u << DT_MIG_BIT_PRE_COPY)
#define DT_MIG_ALL       (DT_MIG_STOP_COPY | DT_MIG_P2P | DT_MIG_PRE_COPY)

/* A flag set as text: the names joined by ',' in bit order, "none" for the
 * empty set.  _from_string() reads that form (and "" as the empty set), and
 * refuses an unknown or repeated name. */
char *dt_mig_flags_to_string(guint32 flags);
gboolean dt_mig_flags_from_string(const char *s, guint32 *out);

/* ---- domain (from libvirt domain XML) ----------------------------------- */

typedef enum {
    DT_HOSTDEV_PCI,
    DT_HOSTDEV_MDEV,
} DtHostdevType;

typedef struct {
    char *name;
    char *type;    /* string | unsigned | signed | bool | remove */
    char *value;   /* NULL for remove */
} DtProp;

typedef struct {
    DtHostdevType type;
    /* pci */
    DtPciAddr addr;
    gboolean has_addr;
    gboolean managed;        /* managed='yes' */
    char *driver_name;       /* <driver name='vfio'/> */
    char *driver_model;      /* <driver model='mlx5_vfio_pci'/> (libvirt >= 10.0) */
    DtTri driver_iommufd;    /* <driver iommufd='yes|no'/> (libvirt >= 12.1) */
    /* mdev */
    char *mdev_uuid;
    char *mdev_model;        /* vfio-pci | vfio-ccw | vfio-ap */
    /* both */
    gboolean is_interface;   /* <interface type='hostdev'> rather than <hostdev> */
    gboolean failover;       /* <teaming type='transient'>: the VF of a failover pair,
                              * unplugged when migration starts */
    char *alias;             /* <alias name='...'/>, NULL if none */
    GPtrArray *overrides;    /* DtProp*: <qemu:override> frontend properties for this alias */
} DtHostdev;

typedef enum {
    DT_PERPETUAL_NEVER,      /* perpetual mode is never acceptable */
    DT_PERPETUAL_BUDGET,     /* acceptable while predicted downtime fits the budget */
    DT_PERPETUAL_ALLOW,      /* always acceptable (warn) */
} DtPerpetualPolicy;

typedef enum {
    DT_PREFER_AUTO,          /* what QEMU would do by default */
    DT_PREFER_DEVICE,
    DT_PREFER_IOMMU,
} DtPreferMode;

DT_ENUM_DECL(dt_perpetual, DtPerpetualPolicy);   /* never | within-budget | allow */
DT_ENUM_DECL(dt_prefer, DtPreferMode);           /* auto | device | iommu */

/* Policy: config file defaults, overridden per domain by metadata. */
typedef struct {
    gboolean require_migratable;   /* refuse start/arrival where it could not leave */
    DtPerpetualPolicy perpetual;
    DtPreferMode prefer;
    guint64 max_downtime_ms;       /* budget; 0 = none */
    guint64 bandwidth_mib_s;       /* link bandwidth assumed by the model */
    guint64 dirty_rate_mib_s;      /* guest dirty rate assumed before measuring */
    gboolean set_by_metadata;      /* any field came from the domain's metadata */
} DtPolicy;

/* dirtytrack's own <metadata> element (namespace DT_METADATA_NS). */
#define DT_METADATA_NS "http://dirtytrack.org/xmlns/domain/1.0"
#define DT_METADATA_PREFIX "dirtytrack"

typedef struct {
    char *address;         /* PCI address or mdev uuid */
    char *vendor_device;   /* "15b3:101e" */
    char *driver;          /* VFIO driver on the source */
    char *mdev_type;       /* mdev: its type on the source ("mtty-1"), NULL if unknown */
    /* migration='...': absent (has_migration FALSE), "unknown" (UNKNOWN),
     * "none" or "" (NO), or the flags (YES, mig_flags) */
    gboolean has_migration;
    DtTri migration;
    guint32 mig_flags;
} DtFingerprintDevice;

typedef struct {
    gboolean present;
    gboolean has_policy, has_evaluation;   /* the elements are there */
    /* <policy .../>; each has_* says whether the attribute was given */
    gboolean has_require_migratable, require_migratable;
    gboolean has_perpetual;  DtPerpetualPolicy perpetual;
    gboolean has_prefer;     DtPreferMode prefer;
    gboolean has_max_downtime_ms; guint64 max_downtime_ms;
    gboolean has_bandwidth;  guint64 bandwidth_mib_s;
    gboolean has_dirty_rate; guint64 dirty_rate_mib_s;
    /* <evaluation .../> written by the hook/daemon on the last host */
    char *verdict, *mode, *host, *time, *fingerprint;
    GPtrArray *fp_devices;  /* DtFingerprintDevice* */
} DtMetadata;

/* The source host's dry run at the VM's start (dirtytrackd, with
 * `[hook] preflight`): what its devices refused before QEMU held them,
 * recorded in a <metadata> element of its own (namespace DT_OUTGOING_NS,
 * schemas/outgoing.rng), beside dirtytrack's, whose 1.0 schema is closed.
 * It travels with the live definition to the destination, whose gate reads
 * it: a migration that would fail at setup on the source is refused
 * before the source sends anything. */
#define DT_OUTGOING_NS "http://dirtytrack.org/xmlns/outgoing/1.0"
#define DT_OUTGOING_PREFIX "dirtytrack-outgoing"

typedef struct {
    gboolean present;
    char *host;              /* the source host that ran the dry run */
    char *time;              /* when (ISO 8601) */
    GPtrArray *reasons;      /* DtReason*: code, device, message (severity error) */
} DtOutgoing;

typedef struct {
    char *type;              /* kvm | qemu | ... */
    char *name;
    char *uuid;
    guint64 memory_kib;      /* <memory> normalised to KiB */
    guint64 current_memory_kib;
    guint64 max_memory_kib;  /* <maxMemory>, 0 if none */
    guint vcpus;
    char *arch;              /* <os><type arch=...> */
    char *machine;           /* <os><type machine=...> */
    char *emulator;
    char *viommu_model;      /* <iommu model=...>, NULL if none */
    DtTri viommu_caching_mode; /* <iommu><driver caching_mode='on|off'/>; UNKNOWN = not given */
    gboolean hugepages;
    guint64 hugepage_kib;    /* largest page size asked for; 0 = default size */
    GPtrArray *hostdevs;     /* DtHostdev*: only mode='subsystem' pci/mdev */
    gboolean iommufd_enabled;      /* <iommufd enabled='yes'/> (libvirt >= 12.2) */
    char *cmdline_iommufd_id;      /* id of -object iommufd in <qemu:commandline> */
    GPtrArray *cmdline_globals;    /* DtProp*: -global vfio-pci.NAME=VALUE */
    gboolean has_qemu_ns;          /* the qemu namespace is declared */
    DtMetadata *metadata;          /* never NULL; ->present says if found */
    DtOutgoing *outgoing;          /* never NULL; ->present says if found */
} DtDomain;

/* ---- host --------------------------------------------------------------- */

typedef enum {
    DT_IOMMU_VENDOR_UNKNOWN,
    DT_IOMMU_VENDOR_INTEL,
    DT_IOMMU_VENDOR_AMD,
    DT_IOMMU_VENDOR_SMMUV3,
} DtIommuVendor;

DT_ENUM_DECL(dt_iommu_vendor, DtIommuVendor);

typedef struct {
    char *name;              /* dmar0, ivhd0, smmu3.0x... */
    DtIommuVendor vendor;
    gboolean regs_known;
    guint64 cap, ecap;       /* Intel */
    guint64 efr, efr2;       /* AMD */
    DtFact dirty_tracking;   /* can this unit do hardware dirty tracking for iommufd */
    char *dirty_note;        /* why (untranslated, short, e.g. "ECAP.SLADS=0") */
} DtIommu;

typedef struct {
    DtPciAddr addr;
    guint16 vendor, device, subsys_vendor, subsys_device;
    guint32 class_code;
    char *driver;            /* bound driver name, NULL if none */
    int iommu_group;         /* -1 if none */
    char *iommu_unit;        /* name of its DtIommu, NULL if none */
    gboolean is_vf;
    DtPciAddr pf;            /* valid if is_vf */
    guint num_vfs;           /* PF: virtfnN links */
    char *vfio_cdev;         /* "vfio3" when bound to a vfio driver (6.1+) */
    char *modalias;
    char *alias_driver;      /* variant driver modules.alias picks; NULL = only vfio_pci */
    gboolean in_use;         /* group/cdev held open by a process (QEMU) */
    /* facts the kernel gave (ioctl/debugfs); source NONE when not probed */
    DtFact migration;
    guint32 mig_flags;
    DtFact dma_logging;
    guint64 stop_copy_bytes; /* MIG_DATA_SIZE; 0 = unknown */
    DtFact iommu_dirty;      /* IOMMU_GET_HW_INFO for this device, if probed */
    /* The pre-flight dry run of the tracking QEMU would start
     * (dt_vfio_preflight): source IOCTL when it ran, value YES if the
     * kernel accepted it; NONE when not tried (busy, not asked). */
    DtFact preflight;
    gboolean preflight_iommu;/* what was tried: IOMMU (HWPT) tracking, else DMA logging */
    char *preflight_error;   /* the refusal, translated, naming the device */
    DtFact dma_logging_report; /* a DMA_LOGGING_REPORT was tried: NO = EOPNOTSUPP
                              * (kernel without IOMMUFD_DRIVER's iova_bitmap) */
    guint64 log_max_addr_space; /* bytes DMA logging can cover (mlx5 firmware
                              * pg_track_log_max_addr_space); 0 = not read */
} DtPciDev;

/* What the running kernel says about itself, read by dt_platform_probe()
 * for the host report only (the hook never pays for it). */
typedef enum {
    DT_KOPT_UNKNOWN = 0,     /* no configuration could be read */
    DT_KOPT_UNSET,           /* "# CONFIG_X is not set", or absent from the file */
    DT_KOPT_MODULE,          /* =m */
    DT_KOPT_BUILTIN,         /* =y */
} DtKopt;

typedef enum {
    DT_KMOD_UNKNOWN = 0,     /* not loaded, and no module list to read */
    DT_KMOD_ABSENT,          /* not loaded, in neither modules.dep nor modules.builtin */
    DT_KMOD_AVAILABLE,       /* in modules.dep: modprobe can load it */
    DT_KMOD_BUILTIN,         /* in modules.builtin */
    DT_KMOD_LOADED,          /* /sys/module/NAME */
} DtKmod;

/* The kernel features the host report asks about; their CONFIG_ and module
 * names: dt_kfeat_config_name(), dt_kfeat_module_name(). */
typedef enum {
    DT_KFEAT_VFIO,
    DT_KFEAT_VFIO_PCI,
    DT_KFEAT_VFIO_DEVICE_CDEV,
    DT_KFEAT_IOMMUFD,
    DT_KFEAT_INTEL_IOMMU,
    DT_KFEAT_INTEL_IOMMU_DEFAULT_ON,
    DT_KFEAT_AMD_IOMMU,
    DT_KFEAT_ARM_SMMU_V3,
    DT_KFEAT_N
} DtKfeat;

typedef enum {
    DT_CPU_OTHER = 0,        /* neither flag, or no /proc/cpuinfo: cannot tell */
    DT_CPU_INTEL,            /* "vmx" in the cpuinfo flags */
    DT_CPU_AMD,              /* "svm" */
} DtCpuVirt;

typedef struct {
    gboolean probed;         /* dt_platform_probe() ran */
    DtCpuVirt cpu;
    gboolean acpi_dmar;      /* /sys/firmware/acpi/tables/DMAR */
    gboolean acpi_ivrs;      /* /sys/firmware/acpi/tables/IVRS */
    int iommu_groups;        /* entries of /sys/kernel/iommu_groups; -1 if no such directory */
    char *kconfig_path;      /* the configuration read, as the host names it; NULL if none */
    DtKopt kconfig[DT_KFEAT_N];
    gboolean modules_known;  /* modules.dep or modules.builtin was read */
    DtKmod kmod[DT_KFEAT_N]; /* UNKNOWN for features that are no module */
} DtPlatform;

/* A mediated device (/sys/bus/mdev/devices/UUID): what the vendor driver
 * offers is probed like any VFIO device's; nothing is assumed. */
typedef struct {
    char *uuid;
    char *type;              /* mdev_type name, "mtty-2" */
    char *parent;            /* parent device name (sysfs basename) */
    char *vendor_driver;     /* the parent's driver, "mtty", "i915", "nvidia" */
    char *vfio_cdev;         /* "vfio0" under vfio-dev/, NULL if none */
    DtFact migration;
    guint32 mig_flags;
    DtFact dma_logging;
    DtFact dma_logging_report;
    guint64 stop_copy_bytes;
} DtMdevDev;

typedef struct {
    char *sysroot;           /* "/" for the real host */
    char *kernel_release;    /* "6.1.0-28-amd64" */
    DtVersion kernel;
    char *arch;              /* uname machine, "x86_64" */
    guint page_size;         /* host page size, bytes */
    char *cmdline;           /* /proc/cmdline */
    gboolean intel_sm_off;   /* intel_iommu=sm_off on the command line */
    gboolean dev_iommu;      /* /dev/iommu exists */
    gboolean dev_vfio_container; /* /dev/vfio/vfio exists */
    gboolean vfio_cdev_support;  /* /dev/vfio/devices exists */
    gboolean have_modules_alias;
    DtPlatform platform;     /* zero until dt_platform_probe() */
    GPtrArray *iommus;       /* DtIommu* */
    GPtrArray *devices;      /* DtPciDev*: probed so far (all, or on demand) */
    GPtrArray *mdevs;        /* DtMdevDev*: probed mediated devices */
    DtTri iommufd_driver;    /* CONFIG_IOMMUFD_DRIVER (iova_bitmap) known present/absent */
} DtHost;

/* ---- QEMU and libvirt ---------------------------------------------------- */

typedef struct {
    char *binary;
    DtVersion version;
    DtSource source;               /* BINARY when read from it, CONFIG when overridden */
    gboolean props_known;          /* the vfio-pci property list below was read */
    gboolean has_x_enable_migration;
    gboolean has_enable_migration;
    gboolean has_x_device_dirty_page_tracking;
    gboolean has_x_pre_copy_dirty_page_tracking;
    gboolean has_iommufd;
    gboolean has_migration_events;
    gboolean has_multifd_transfer;
    gboolean has_switchover_ack;   /* QMP query-migrate-capabilities */
    char *untrusted;               /* why the domain's emulator was not run (these facts
                                    * are not its own), or NULL; the engine warns */
} DtQemuCaps;

/* ---- decision ------------------------------------------------------------ */

typedef enum {
    DT_MODE_NONE,            /* nothing can track: no VFIO device, or none can migrate */
    DT_MODE_DEVICE,          /* VFIO DMA logging in every device */
    DT_MODE_IOMMU,           /* iommufd HWPT dirty tracking */
    DT_MODE_PERPETUAL,       /* every mapped page dirty every round */
    DT_MODE_UNKNOWN,         /* depends on a fact nobody observed (see the reasons) */
} DtMode;

typedef enum {
    DT_VERDICT_ALLOW,
    DT_VERDICT_WARN,
    DT_VERDICT_DENY,
} DtVerdict;

typedef enum {
    DT_SEVERITY_INFO,
    DT_SEVERITY_WARNING,
    DT_SEVERITY_ERROR,
} DtSeverity;

typedef enum {
    DT_ROLE_SOURCE,
    DT_ROLE_DESTINATION,
} DtRole;

DT_ENUM_DECL(dt_mode, DtMode);
DT_ENUM_DECL(dt_verdict, DtVerdict);
DT_ENUM_DECL(dt_severity, DtSeverity);
DT_ENUM_DECL(dt_role, DtRole);   /* source | destination */

typedef struct {
    char *code;          /* stable identifier, e.g. "qemu-protocol-mismatch" */
    DtSeverity severity;
    char *device;        /* PCI address / mdev uuid, or NULL */
    char *message;       /* translated, names the device and what to do */
    char *rule;          /* upstream source of the rule: file and function, commit, NEWS */
    char *qemu_message;  /* what QEMU of that release prints, untranslated; NULL if none */
    char *qemu_phase;    /* when QEMU says it: "blocker", "realize", "warning",
                          * "migrate", "cmdline"; NULL with qemu_message */
    char *libvirt_message; /* what libvirt says instead of asking QEMU; NULL if none */
    char *container;     /* id of the container the reason is about, or NULL */
} DtReason;

typedef struct {
    char *address;       /* PCI address or mdev uuid */
    gboolean is_mdev;
    char *mdev_type;     /* mdev: its type ("mtty-1"), NULL when not found here */
    gboolean present;    /* found on this host */
    guint16 vendor, device;
    char *driver;        /* bound now */
    char *vfio_driver;   /* the VFIO driver QEMU will talk to */
    DtSource vfio_driver_source;
    DtFact migration;
    guint32 mig_flags;
    DtFact dma_logging;
    DtFact iommu_dirty;
    guint64 stop_copy_bytes;
    DtSource stop_copy_source;
    char *qemu_name;     /* the name QEMU gives it in messages: "0000:3b:00.1" or the uuid */
    char *container;     /* id of its container; NULL when it takes no part (failover,
                          * absent) */
    gboolean failover;   /* failover VF: unplugged at migration, not migrated */
} DtDeviceFinding;

/* One VFIO container as QEMU builds it: legacy type1 devices share one per
 * address space, iommufd devices one per iommufd object and address space,
 * and behind a vIOMMU every device's address space is its own.  QEMU picks
 * the dirty-tracking mode per container (vfio_listener_log_global_start). */
typedef struct {
    char *id;            /* "legacy", "iommufd:iommufd0", "viommu:0000:3b:00.1" */
    char *backend;       /* "legacy" | "iommufd" */
    char *iommufd_object;/* -object iommufd id, NULL for legacy */
    gboolean viommu;     /* the devices sit behind a vIOMMU */
    DtMode mode;
    DtVerdict verdict;   /* worst of its reasons */
    GPtrArray *devices;  /* char*: addresses */
    guint64 tracking_granularity;
    guint64 perpetual_downtime_ms; /* (R + S) / B for a perpetual container, else 0 */
} DtContainer;

typedef struct {
    char *address;
    char *alias;         /* device alias the overrides attach to (ua-...) */
    char *driver;        /* VFIO driver to bind */
    gboolean must_migrate;
    GPtrArray *props;    /* DtProp* */
} DtVfPolicy;

typedef struct {
    guint64 iova;
    guint64 length;
} DtRange;

typedef struct {
    char *fact;
    DtSource source;
    char *rule;
    char *consequence;
} DtStep;

typedef struct {
    DtRole role;
    DtMode mode;
    DtVerdict verdict;
    GPtrArray *reasons;     /* DtReason* */
    GPtrArray *devices;     /* DtDeviceFinding* */
    GPtrArray *vf_policy;   /* DtVfPolicy* */
    GPtrArray *steps;       /* DtStep*: the chain `explain` shows */
    GPtrArray *containers;  /* DtContainer*; mode above is the worst of theirs */
    DtRange ranges[4];      /* IOVA ranges QEMU hands to DMA logging */
    guint n_ranges;
    guint64 log_page_size;
    char *qemu_band;        /* "7.2", "8.0", ... "11.0+" (dt-versions.c) */
    char *fingerprint;      /* hex digest over mode and devices */
    /* inputs the cost model needs */
    guint64 ram_bytes;
    guint64 device_state_bytes;
    guint64 tracking_granularity;
} DtDecision;

/* ---- constructors / destructors ------------------------------------------ */

DtDomain *dt_domain_new(void);
void dt_domain_free(DtDomain *d);
DtHostdev *dt_hostdev_new(DtHostdevType type);
void dt_hostdev_free(DtHostdev *h);
DtMetadata *dt_metadata_new(void);
void dt_metadata_free(DtMetadata *m);
DtOutgoing *dt_outgoing_new(void);
void dt_outgoing_free(DtOutgoing *o);
void dt_fingerprint_device_free(DtFingerprintDevice *f);
DtProp *dt_prop_new(const char *name, const char *type, const char *value);
void dt_prop_free(DtProp *p);

DtHost *dt_host_new(void);
void dt_host_free(DtHost *h);
DtIommu *dt_iommu_new(void);
void dt_iommu_free(DtIommu *i);
DtPciDev *dt_pcidev_new(void);
void dt_pcidev_free(DtPciDev *d);
/* Deep copies, for the daemon, which hands every evaluation a host of its
 * own built from its snapshot.  A field that owns memory is copied here as
 * well as freed above. */
DtIommu *dt_iommu_copy(const DtIommu *i);
DtPciDev *dt_pcidev_copy(const DtPciDev *d);
/* The host-wide facts of h (IOMMU units included), with no devices. */
DtHost *dt_host_copy_base(const DtHost *h);
const DtPciDev *dt_host_find_device(const DtHost *h, const DtPciAddr *addr);
const DtIommu *dt_host_find_iommu(const DtHost *h, const char *name);
/* TRUE if the kernel answered for this very device (an ioctl or debugfs),
 * as opposed to a database entry, a version or a guess. */
gboolean dt_fact_is_probed(const DtFact *f);

/* TRUE for functions worth reporting: bound to a VFIO driver, an SR-IOV VF,
 * or a device a variant driver claims in modules.alias. */
gboolean dt_pcidev_is_vfio_candidate(const DtPciDev *d);
/* TRUE if the driver name is a VFIO driver (vfio-pci or a *vfio* variant). */
gboolean dt_driver_is_vfio(const char *driver);
/* "CONFIG_VFIO"; and the module name ("vfio"), NULL if never a module. */
const char *dt_kfeat_config_name(DtKfeat f);
const char *dt_kfeat_module_name(DtKfeat f);

DtQemuCaps *dt_qemu_caps_new(void);
void dt_qemu_caps_free(DtQemuCaps *q);

void dt_policy_init_defaults(DtPolicy *p);

DtDecision *dt_decision_new(void);
void dt_decision_free(DtDecision *d);
void dt_reason_free(DtReason *r);
void dt_device_finding_free(DtDeviceFinding *f);
void dt_vf_policy_free(DtVfPolicy *v);
void dt_step_free(DtStep *s);
void dt_container_free(DtContainer *c);
DtMdevDev *dt_mdevdev_new(void);
void dt_mdevdev_free(DtMdevDev *m);
DtMdevDev *dt_mdevdev_copy(const DtMdevDev *m);
const DtMdevDev *dt_host_find_mdev(const DtHost *h, const char *uuid);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(DtDomain, dt_domain_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DtMetadata, dt_metadata_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DtHost, dt_host_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DtQemuCaps, dt_qemu_caps_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DtDecision, dt_decision_free)

G_END_DECLS
