/* dt-uapi.h: dirtytrack's own definitions of the kernel ABI it speaks
 * (VFIO device features, the VFIO cdev, type1 CAP_MIGRATION, iommufd).
 *
 * Debian 12 ships 6.1 headers: no <linux/iommufd.h>, no PRE_COPY, no
 * MIG_DATA_SIZE, no vfio cdev.  The numbers and layouts below are written
 * from the kernel's documented ABI, not copied: include/uapi/linux/vfio.h
 * (VFIO_DEVICE_FEATURE_MIGRATION, _MIG_DATA_SIZE, _DMA_LOGGING_START/
 * _REPORT, VFIO_DEVICE_BIND_IOMMUFD, VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION)
 * and include/uapi/linux/iommufd.h (IOMMU_GET_HW_INFO, IOMMU_HWPT_*), as of
 * Linux 6.12; the static asserts below pin what the layouts must be.
 *
 * How clashes are avoided:
 *  - a macro (ioctl number, flag, feature id) is defined only when the
 *    system header lacks it (#ifndef), so a newer header always wins and
 *    must agree: the static asserts below compare the values we rely on;
 *  - structs always carry the project prefix (struct dt_uapi_*), so they
 *    can never collide with the system's; every size and every offset the
 *    reference lists is asserted (x86_64 values; all fields are explicitly
 *    aligned, so other 64-bit ABIs match too).  Where the system header
 *    has the same struct, its size is asserted equal to ours.
 */
#pragma once

#include <stddef.h>
#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/vfio.h>
#ifdef HAVE_LINUX_IOMMUFD_H
#include <linux/iommufd.h>
#endif
#include <glib.h>

/* What the system header had before we filled the gaps: only then can its
 * structs be compared with ours. */
#ifdef VFIO_DEVICE_FEATURE
#define DT_UAPI_SYS_HAS_DEVICE_FEATURE 1
#endif
#ifdef VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION
#define DT_UAPI_SYS_HAS_CAP_MIGRATION 1
#endif

/* ---- §1.1 VFIO ioctls ---------------------------------------------------- */

#ifndef VFIO_TYPE
#define VFIO_TYPE (';')
#endif
#ifndef VFIO_BASE
#define VFIO_BASE 100
#endif
#ifndef VFIO_DEVICE_FEATURE
#define VFIO_DEVICE_FEATURE _IO(VFIO_TYPE, VFIO_BASE + 17)
#endif
#ifndef VFIO_IOMMU_DIRTY_PAGES
#define VFIO_IOMMU_DIRTY_PAGES _IO(VFIO_TYPE, VFIO_BASE + 17)
#endif
#ifndef VFIO_DEVICE_BIND_IOMMUFD
#define VFIO_DEVICE_BIND_IOMMUFD _IO(VFIO_TYPE, VFIO_BASE + 18)
#endif
#ifndef VFIO_DEVICE_ATTACH_IOMMUFD_PT
#define VFIO_DEVICE_ATTACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 19)
#endif
#ifndef VFIO_DEVICE_DETACH_IOMMUFD_PT
#define VFIO_DEVICE_DETACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 20)
#endif
#ifndef VFIO_MIG_GET_PRECOPY_INFO
#define VFIO_MIG_GET_PRECOPY_INFO _IO(VFIO_TYPE, VFIO_BASE + 21)
#endif

G_STATIC_ASSERT(VFIO_GET_API_VERSION == 0x3B64);
G_STATIC_ASSERT(VFIO_CHECK_EXTENSION == 0x3B65);
G_STATIC_ASSERT(VFIO_SET_IOMMU == 0x3B66);
G_STATIC_ASSERT(VFIO_GROUP_GET_STATUS == 0x3B67);
G_STATIC_ASSERT(VFIO_GROUP_SET_CONTAINER == 0x3B68);
G_STATIC_ASSERT(VFIO_GROUP_GET_DEVICE_FD == 0x3B6A);
G_STATIC_ASSERT(VFIO_DEVICE_GET_INFO == 0x3B6B);
G_STATIC_ASSERT(VFIO_IOMMU_GET_INFO == 0x3B70);
G_STATIC_ASSERT(VFIO_DEVICE_FEATURE == 0x3B75);
G_STATIC_ASSERT(VFIO_IOMMU_DIRTY_PAGES == 0x3B75);
G_STATIC_ASSERT(VFIO_DEVICE_BIND_IOMMUFD == 0x3B76);
G_STATIC_ASSERT(VFIO_DEVICE_ATTACH_IOMMUFD_PT == 0x3B77);
G_STATIC_ASSERT(VFIO_DEVICE_DETACH_IOMMUFD_PT == 0x3B78);
G_STATIC_ASSERT(VFIO_MIG_GET_PRECOPY_INFO == 0x3B79);

/* ---- §1.1 struct vfio_device_feature ------------------------------------- */

#ifndef VFIO_DEVICE_FEATURE_MASK
#define VFIO_DEVICE_FEATURE_MASK 0xffff
#endif
#ifndef VFIO_DEVICE_FEATURE_GET
#define VFIO_DEVICE_FEATURE_GET (1 << 16)
#endif
#ifndef VFIO_DEVICE_FEATURE_SET
#define VFIO_DEVICE_FEATURE_SET (1 << 17)
#endif
#ifndef VFIO_DEVICE_FEATURE_PROBE
#define VFIO_DEVICE_FEATURE_PROBE (1 << 18)
#endif
G_STATIC_ASSERT(VFIO_DEVICE_FEATURE_MASK == 0xffff);
G_STATIC_ASSERT(VFIO_DEVICE_FEATURE_GET == 0x10000);
G_STATIC_ASSERT(VFIO_DEVICE_FEATURE_SET == 0x20000);
G_STATIC_ASSERT(VFIO_DEVICE_FEATURE_PROBE == 0x40000);

struct dt_uapi_device_feature {
    __u32 argsz;
    __u32 flags;
    __u8 data[];
};
G_STATIC_ASSERT(sizeof(struct dt_uapi_device_feature) == 8);
G_STATIC_ASSERT(offsetof(struct dt_uapi_device_feature, argsz) == 0);
G_STATIC_ASSERT(offsetof(struct dt_uapi_device_feature, flags) == 4);
G_STATIC_ASSERT(offsetof(struct dt_uapi_device_feature, data) == 8);
#ifdef DT_UAPI_SYS_HAS_DEVICE_FEATURE
G_STATIC_ASSERT(sizeof(struct vfio_device_feature) == sizeof(struct dt_uapi_device_feature));
#endif

/* ---- §1.2 feature ids ---------------------------------------------------- */

#ifndef VFIO_DEVICE_FEATURE_PCI_VF_TOKEN
#define VFIO_DEVICE_FEATURE_PCI_VF_TOKEN 0
#endif
#ifndef VFIO_DEVICE_FEATURE_MIGRATION
#define VFIO_DEVICE_FEATURE_MIGRATION 1
#endif
#ifndef VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE
#define VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE 2
#endif
#ifndef VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY
#define VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY 3
#endif
#ifndef VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP
#define VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP 4
#endif
#ifndef VFIO_DEVICE_FEATURE_LOW_POWER_EXIT
#define VFIO_DEVICE_FEATURE_LOW_POWER_EXIT 5
#endif
#ifndef VFIO_DEVICE_FEATURE_DMA_LOGGING_START
#define VFIO_DEVICE_FEATURE_DMA_LOGGING_START 6
#endif
#ifndef VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP
#define VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP 7
#endif
#ifndef VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT
#define VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT 8
#endif
#ifndef VFIO_DEVICE_FEATURE_MIG_DATA_SIZE
#define VFIO_DEVICE_FEATURE_MIG_DATA_SIZE 9
#endif
G_STATIC_ASSERT(VFIO_DEVICE_FEATURE_MIGRATION == 1);
G_STATIC_ASSERT(VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE == 2);
G_STATIC_ASSERT(VFIO_DEVICE_FEATURE_DMA_LOGGING_START == 6);
G_STATIC_ASSERT(VFIO_DEVICE_FEATURE_DMA_LOGGING_STOP == 7);
G_STATIC_ASSERT(VFIO_DEVICE_FEATURE_DMA_LOGGING_REPORT == 8);
G_STATIC_ASSERT(VFIO_DEVICE_FEATURE_MIG_DATA_SIZE == 9);

/* ---- §1.3/§1.4 payloads and migration flags ------------------------------ */

#ifndef VFIO_MIGRATION_STOP_COPY
#define VFIO_MIGRATION_STOP_COPY (1 << 0)
#endif
#ifndef VFIO_MIGRATION_P2P
#define VFIO_MIGRATION_P2P (1 << 1)
#endif
#ifndef VFIO_MIGRATION_PRE_COPY
#define VFIO_MIGRATION_PRE_COPY (1 << 2)
#endif
G_STATIC_ASSERT(VFIO_MIGRATION_STOP_COPY == 1);
G_STATIC_ASSERT(VFIO_MIGRATION_P2P == 2);
G_STATIC_ASSERT(VFIO_MIGRATION_PRE_COPY == 4);

struct dt_uapi_feature_migration {
    __aligned_u64 flags;
};
G_STATIC_ASSERT(sizeof(struct dt_uapi_feature_migration) == 8);
G_STATIC_ASSERT(offsetof(struct dt_uapi_feature_migration, flags) == 0);

struct dt_uapi_feature_mig_state {
    __u32 device_state;
    __s32 data_fd;
};
G_STATIC_ASSERT(sizeof(struct dt_uapi_feature_mig_state) == 8);
G_STATIC_ASSERT(offsetof(struct dt_uapi_feature_mig_state, device_state) == 0);
G_STATIC_ASSERT(offsetof(struct dt_uapi_feature_mig_state, data_fd) == 4);

struct dt_uapi_dma_logging_control {
    __aligned_u64 page_size;
    __u32 num_ranges;
    __u32 __reserved;
    __aligned_u64 ranges;
};
G_STATIC_ASSERT(sizeof(struct dt_uapi_dma_logging_control) == 24);
G_STATIC_ASSERT(offsetof(struct dt_uapi_dma_logging_control, page_size) == 0);
G_STATIC_ASSERT(offsetof(struct dt_uapi_dma_logging_control, num_ranges) == 8);
G_STATIC_ASSERT(offsetof(struct dt_uapi_dma_logging_control, __reserved) == 12);
G_STATIC_ASSERT(offsetof(struct dt_uapi_dma_logging_control, ranges) == 16);

struct dt_uapi_dma_logging_range {
    __aligned_u64 iova;
    __aligned_u64 length;
};
G_STATIC_ASSERT(sizeof(struct dt_uapi_dma_logging_range) == 16);
G_STATIC_ASSERT(offsetof(struct dt_uapi_dma_logging_range, iova) == 0);
G_STATIC_ASSERT(offsetof(struct dt_uapi_dma_logging_range, length) == 8);

struct dt_uapi_dma_logging_report {
    __aligned_u64 iova;
    __aligned_u64 length;
    __aligned_u64 page_size;
    __aligned_u64 bitmap;
};
G_STATIC_ASSERT(sizeof(struct dt_uapi_dma_logging_report) == 32);
G_STATIC_ASSERT(offsetof(struct dt_uapi_dma_logging_report, iova) == 0);
G_STATIC_ASSERT(offsetof(struct dt_uapi_dma_logging_report, length) == 8);
G_STATIC_ASSERT(offsetof(struct dt_uapi_dma_logging_report, page_size) == 16);
G_STATIC_ASSERT(offsetof(struct dt_uapi_dma_logging_report, bitmap) == 24);

#if defined(HAVE_DECL_VFIO_DEVICE_FEATURE_DMA_LOGGING_START) && HAVE_DECL_VFIO_DEVICE_FEATURE_DMA_LOGGING_START
G_STATIC_ASSERT(sizeof(struct vfio_device_feature_dma_logging_control) ==
                sizeof(struct dt_uapi_dma_logging_control));
G_STATIC_ASSERT(sizeof(struct vfio_device_feature_dma_logging_range) ==
                sizeof(struct dt_uapi_dma_logging_range));
G_STATIC_ASSERT(sizeof(struct vfio_device_feature_dma_logging_report) ==
                sizeof(struct dt_uapi_dma_logging_report));
#endif

struct dt_uapi_feature_mig_data_size {
    __aligned_u64 stop_copy_length;
};
G_STATIC_ASSERT(sizeof(struct dt_uapi_feature_mig_data_size) == 8);
G_STATIC_ASSERT(offsetof(struct dt_uapi_feature_mig_data_size, stop_copy_length) == 0);

struct dt_uapi_precopy_info {
    __u32 argsz;
    __u32 flags;
    __aligned_u64 initial_bytes;
    __aligned_u64 dirty_bytes;
};
G_STATIC_ASSERT(sizeof(struct dt_uapi_precopy_info) == 24);
G_STATIC_ASSERT(offsetof(struct dt_uapi_precopy_info, argsz) == 0);
G_STATIC_ASSERT(offsetof(struct dt_uapi_precopy_info, flags) == 4);
G_STATIC_ASSERT(offsetof(struct dt_uapi_precopy_info, initial_bytes) == 8);
G_STATIC_ASSERT(offsetof(struct dt_uapi_precopy_info, dirty_bytes) == 16);

/* The core accepts at most PAGE_SIZE / sizeof(range) ranges per START. */
#define DT_UAPI_LOG_MAX_RANGES(page_size) ((page_size) / sizeof(struct dt_uapi_dma_logging_range))

/* ---- §2 type1 container --------------------------------------------------- */

#ifndef VFIO_TYPE1v2_IOMMU
#define VFIO_TYPE1v2_IOMMU 3
#endif
#ifndef VFIO_IOMMU_INFO_PGSIZES
#define VFIO_IOMMU_INFO_PGSIZES (1 << 0)
#endif
#ifndef VFIO_IOMMU_INFO_CAPS
#define VFIO_IOMMU_INFO_CAPS (1 << 1)
#endif
#ifndef VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION
#define VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION 2
#endif
#ifndef VFIO_GROUP_FLAGS_VIABLE
#define VFIO_GROUP_FLAGS_VIABLE (1 << 0)
#endif
G_STATIC_ASSERT(VFIO_TYPE1v2_IOMMU == 3);
G_STATIC_ASSERT(VFIO_IOMMU_INFO_CAPS == 2);
G_STATIC_ASSERT(VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION == 2);

struct dt_uapi_group_status {
    __u32 argsz;
    __u32 flags;
};
G_STATIC_ASSERT(sizeof(struct dt_uapi_group_status) == sizeof(struct vfio_group_status));

struct dt_uapi_type1_info {
    __u32 argsz;
    __u32 flags;
    __aligned_u64 iova_pgsizes;
    __u32 cap_offset;
    __u32 pad;
};
G_STATIC_ASSERT(sizeof(struct dt_uapi_type1_info) == 24);
G_STATIC_ASSERT(offsetof(struct dt_uapi_type1_info, iova_pgsizes) == 8);
G_STATIC_ASSERT(offsetof(struct dt_uapi_type1_info, cap_offset) == 16);
G_STATIC_ASSERT(sizeof(struct vfio_iommu_type1_info) == sizeof(struct dt_uapi_type1_info));

struct dt_uapi_info_cap_header {
    __u16 id;
    __u16 version;
    __u32 next;
};
G_STATIC_ASSERT(sizeof(struct dt_uapi_info_cap_header) == 8);
G_STATIC_ASSERT(offsetof(struct dt_uapi_info_cap_header, version) == 2);
G_STATIC_ASSERT(offsetof(struct dt_uapi_info_cap_header, next) == 4);

struct dt_uapi_type1_cap_migration {
    struct dt_uapi_info_cap_header header;
    __u32 flags;
    __aligned_u64 pgsize_bitmap;
    __aligned_u64 max_dirty_bitmap_size;
};
G_STATIC_ASSERT(sizeof(struct dt_uapi_type1_cap_migration) == 32);
G_STATIC_ASSERT(offsetof(struct dt_uapi_type1_cap_migration, header) == 0);
G_STATIC_ASSERT(offsetof(struct dt_uapi_type1_cap_migration, flags) == 8);
G_STATIC_ASSERT(offsetof(struct dt_uapi_type1_cap_migration, pgsize_bitmap) == 16);
G_STATIC_ASSERT(offsetof(struct dt_uapi_type1_cap_migration, max_dirty_bitmap_size) == 24);
#ifdef DT_UAPI_SYS_HAS_CAP_MIGRATION
G_STATIC_ASSERT(sizeof(struct vfio_iommu_type1_info_cap_migration) ==
                sizeof(struct dt_uapi_type1_cap_migration));
#endif

struct dt_uapi_type1_dirty_bitmap {
    __u32 argsz;
    __u32 flags;
    __u8 data[];
};
G_STATIC_ASSERT(sizeof(struct dt_uapi_type1_dirty_bitmap) == 8);

/* ---- §3.3 VFIO cdev -------------------------------------------------------- */

struct dt_uapi_bind_iommufd {
    __u32 argsz;
    __u32 flags;
    __s32 iommufd;
    __u32 out_devid;
    __aligned_u64 token_uuid_ptr;
};
G_STATIC_ASSERT(sizeof(struct dt_uapi_bind_iommufd) == 24);
G_STATIC_ASSERT(offsetof(struct dt_uapi_bind_iommufd, flags) == 4);
G_STATIC_ASSERT(offsetof(struct dt_uapi_bind_iommufd, iommufd) == 8);
G_STATIC_ASSERT(offsetof(struct dt_uapi_bind_iommufd, out_devid) == 12);
G_STATIC_ASSERT(offsetof(struct dt_uapi_bind_iommufd, token_uuid_ptr) == 16);
/* The 6.6 layout ends after out_devid; older kernels take the short size. */
#define DT_UAPI_BIND_IOMMUFD_MINSZ 16

struct dt_uapi_attach_iommufd_pt {
    __u32 argsz;
    __u32 flags;
    __u32 pt_id;
    __u32 pasid;
};
G_STATIC_ASSERT(sizeof(struct dt_uapi_attach_iommufd_pt) == 16);
G_STATIC_ASSERT(offsetof(struct dt_uapi_attach_iommufd_pt, pt_id) == 8);
G_STATIC_ASSERT(offsetof(struct dt_uapi_attach_iommufd_pt, pasid) == 12);
#define DT_UAPI_ATTACH_IOMMUFD_PT_MINSZ 12

struct dt_uapi_detach_iommufd_pt {
    __u32 argsz;
    __u32 flags;
    __u32 pasid;
};
G_STATIC_ASSERT(sizeof(struct dt_uapi_detach_iommufd_pt) == 12);
G_STATIC_ASSERT(offsetof(struct dt_uapi_detach_iommufd_pt, pasid) == 8);
#define DT_UAPI_DETACH_IOMMUFD_PT_MINSZ 8

/* ---- §3.2 iommufd ---------------------------------------------------------- */

#ifndef IOMMUFD_TYPE
#define IOMMUFD_TYPE (';')
#endif
#ifndef IOMMU_DESTROY
#define IOMMU_DESTROY _IO(IOMMUFD_TYPE, 0x80)
#endif
#ifndef IOMMU_IOAS_ALLOC
#define IOMMU_IOAS_ALLOC _IO(IOMMUFD_TYPE, 0x81)
#endif
#ifndef IOMMU_IOAS_MAP
#define IOMMU_IOAS_MAP _IO(IOMMUFD_TYPE, 0x85)
#endif
#ifndef IOMMU_IOAS_UNMAP
#define IOMMU_IOAS_UNMAP _IO(IOMMUFD_TYPE, 0x86)
#endif
#ifndef IOMMU_HWPT_ALLOC
#define IOMMU_HWPT_ALLOC _IO(IOMMUFD_TYPE, 0x89)
#endif
#ifndef IOMMU_GET_HW_INFO
#define IOMMU_GET_HW_INFO _IO(IOMMUFD_TYPE, 0x8a)
#endif
#ifndef IOMMU_HWPT_SET_DIRTY_TRACKING
#define IOMMU_HWPT_SET_DIRTY_TRACKING _IO(IOMMUFD_TYPE, 0x8b)
#endif
#ifndef IOMMU_HWPT_GET_DIRTY_BITMAP
#define IOMMU_HWPT_GET_DIRTY_BITMAP _IO(IOMMUFD_TYPE, 0x8c)
#endif
G_STATIC_ASSERT(IOMMU_DESTROY == 0x3B80);
G_STATIC_ASSERT(IOMMU_IOAS_ALLOC == 0x3B81);
G_STATIC_ASSERT(IOMMU_IOAS_MAP == 0x3B85);
G_STATIC_ASSERT(IOMMU_IOAS_UNMAP == 0x3B86);
G_STATIC_ASSERT(IOMMU_HWPT_ALLOC == 0x3B89);
G_STATIC_ASSERT(IOMMU_GET_HW_INFO == 0x3B8A);
G_STATIC_ASSERT(IOMMU_HWPT_SET_DIRTY_TRACKING == 0x3B8B);
G_STATIC_ASSERT(IOMMU_HWPT_GET_DIRTY_BITMAP == 0x3B8C);

/* Flags and enum values: the system header (7.x) spells some as enum
 * constants, which #ifndef cannot see, so ours carry the DT_ prefix. */
#define DT_IOMMU_IOAS_MAP_FIXED_IOVA       (1u << 0)
#define DT_IOMMU_IOAS_MAP_WRITEABLE        (1u << 1)
#define DT_IOMMU_IOAS_MAP_READABLE         (1u << 2)
#define DT_IOMMU_HWPT_ALLOC_NEST_PARENT    (1u << 0)
#define DT_IOMMU_HWPT_ALLOC_DIRTY_TRACKING (1u << 1)
#define DT_IOMMU_HW_CAP_DIRTY_TRACKING     (1ull << 0)
#define DT_IOMMU_HWPT_DIRTY_TRACKING_ENABLE (1u << 0)
#define DT_IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR (1u << 0)
#define DT_IOMMU_HW_INFO_TYPE_NONE         0u
#define DT_IOMMU_HW_INFO_TYPE_INTEL_VTD    1u
#define DT_IOMMU_HW_INFO_TYPE_ARM_SMMUV3   2u
#define DT_IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV 3u
#define DT_IOMMU_HW_INFO_TYPE_AMD          4u

struct dt_uapi_destroy {
    __u32 size;
    __u32 id;
};
G_STATIC_ASSERT(sizeof(struct dt_uapi_destroy) == 8);
G_STATIC_ASSERT(offsetof(struct dt_uapi_destroy, id) == 4);

struct dt_uapi_ioas_alloc {
    __u32 size;
    __u32 flags;
    __u32 out_ioas_id;
};
G_STATIC_ASSERT(sizeof(struct dt_uapi_ioas_alloc) == 12);
G_STATIC_ASSERT(offsetof(struct dt_uapi_ioas_alloc, flags) == 4);
G_STATIC_ASSERT(offsetof(struct dt_uapi_ioas_alloc, out_ioas_id) == 8);

struct dt_uapi_ioas_map {
    __u32 size;
    __u32 flags;
    __u32 ioas_id;
    __u32 __reserved;
    __aligned_u64 user_va;
    __aligned_u64 length;
    __aligned_u64 iova;
};
G_STATIC_ASSERT(sizeof(struct dt_uapi_ioas_map) == 40);
G_STATIC_ASSERT(offsetof(struct dt_uapi_ioas_map, flags) == 4);
G_STATIC_ASSERT(offsetof(struct dt_uapi_ioas_map, ioas_id) == 8);
G_STATIC_ASSERT(offsetof(struct dt_uapi_ioas_map, __reserved) == 12);
G_STATIC_ASSERT(offsetof(struct dt_uapi_ioas_map, user_va) == 16);
G_STATIC_ASSERT(offsetof(struct dt_uapi_ioas_map, length) == 24);
G_STATIC_ASSERT(offsetof(struct dt_uapi_ioas_map, iova) == 32);

struct dt_uapi_hw_info {
    __u32 size;
    __u32 flags;
    __u32 dev_id;
    __u32 data_len;
    __aligned_u64 data_uptr;
    __u32 out_data_type;
    __u8 out_max_pasid_log2;
    __u8 __reserved[3];
    __aligned_u64 out_capabilities;
};
G_STATIC_ASSERT(sizeof(struct dt_uapi_hw_info) == 40);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hw_info, flags) == 4);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hw_info, dev_id) == 8);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hw_info, data_len) == 12);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hw_info, data_uptr) == 16);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hw_info, out_data_type) == 24);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hw_info, out_max_pasid_log2) == 28);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hw_info, __reserved) == 29);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hw_info, out_capabilities) == 32);

struct dt_uapi_hw_info_vtd {
    __u32 flags;
    __u32 __reserved;
    __aligned_u64 cap_reg;
    __aligned_u64 ecap_reg;
};
G_STATIC_ASSERT(sizeof(struct dt_uapi_hw_info_vtd) == 24);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hw_info_vtd, cap_reg) == 8);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hw_info_vtd, ecap_reg) == 16);

struct dt_uapi_hw_info_smmuv3 {
    __u32 flags;
    __u32 __reserved;
    __u32 idr[6];
    __u32 iidr;
    __u32 aidr;
};
G_STATIC_ASSERT(sizeof(struct dt_uapi_hw_info_smmuv3) == 40);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hw_info_smmuv3, idr) == 8);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hw_info_smmuv3, iidr) == 32);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hw_info_smmuv3, aidr) == 36);

struct dt_uapi_hw_info_amd {
    __aligned_u64 efr;
    __aligned_u64 efr2;
};
G_STATIC_ASSERT(sizeof(struct dt_uapi_hw_info_amd) == 16);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hw_info_amd, efr2) == 8);

struct dt_uapi_hwpt_alloc {
    __u32 size;
    __u32 flags;
    __u32 dev_id;
    __u32 pt_id;
    __u32 out_hwpt_id;
    __u32 __reserved;
    __u32 data_type;
    __u32 data_len;
    __aligned_u64 data_uptr;
    __u32 fault_id;
    __u32 __reserved2;
};
G_STATIC_ASSERT(sizeof(struct dt_uapi_hwpt_alloc) == 48);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hwpt_alloc, flags) == 4);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hwpt_alloc, dev_id) == 8);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hwpt_alloc, pt_id) == 12);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hwpt_alloc, out_hwpt_id) == 16);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hwpt_alloc, __reserved) == 20);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hwpt_alloc, data_type) == 24);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hwpt_alloc, data_len) == 28);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hwpt_alloc, data_uptr) == 32);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hwpt_alloc, fault_id) == 40);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hwpt_alloc, __reserved2) == 44);
/* 6.6 layout: everything before data_type. */
#define DT_UAPI_HWPT_ALLOC_MINSZ 24

struct dt_uapi_hwpt_set_dirty_tracking {
    __u32 size;
    __u32 flags;
    __u32 hwpt_id;
    __u32 __reserved;
};
G_STATIC_ASSERT(sizeof(struct dt_uapi_hwpt_set_dirty_tracking) == 16);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hwpt_set_dirty_tracking, flags) == 4);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hwpt_set_dirty_tracking, hwpt_id) == 8);

struct dt_uapi_hwpt_get_dirty_bitmap {
    __u32 size;
    __u32 hwpt_id;
    __u32 flags;
    __u32 __reserved;
    __aligned_u64 iova;
    __aligned_u64 length;
    __aligned_u64 page_size;
    __aligned_u64 data;
};
G_STATIC_ASSERT(sizeof(struct dt_uapi_hwpt_get_dirty_bitmap) == 48);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hwpt_get_dirty_bitmap, hwpt_id) == 4);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hwpt_get_dirty_bitmap, flags) == 8);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hwpt_get_dirty_bitmap, __reserved) == 12);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hwpt_get_dirty_bitmap, iova) == 16);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hwpt_get_dirty_bitmap, length) == 24);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hwpt_get_dirty_bitmap, page_size) == 32);
G_STATIC_ASSERT(offsetof(struct dt_uapi_hwpt_get_dirty_bitmap, data) == 40);

#ifdef HAVE_LINUX_IOMMUFD_H
/* A system iommufd.h is at least as new as 6.2; where it has the structs
 * we also use, they must agree with ours. */
G_STATIC_ASSERT(sizeof(struct iommu_ioas_alloc) == sizeof(struct dt_uapi_ioas_alloc));
G_STATIC_ASSERT(sizeof(struct iommu_ioas_map) == sizeof(struct dt_uapi_ioas_map));
G_STATIC_ASSERT(sizeof(struct iommu_destroy) == sizeof(struct dt_uapi_destroy));
#endif
