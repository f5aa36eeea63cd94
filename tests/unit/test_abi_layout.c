/*
 * Layout test for the public hypercall ABI headers (include/public/).
 *
 * The headers already refuse to compile if a size or offset is wrong; this
 * test repeats the key numbers as data at run time so that the test log
 * names every mismatch (useful when building for a new compiler or target),
 * and checks the parts static asserts cannot see: bit-field placement,
 * helper macros and the errno table against the host's Linux numbering.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <public/domctl.h>
#include <public/errno.h>
#include <public/event_channel.h>
#include <public/hvm_op.h>
#include <public/grant_table.h>
#include <public/iommu_op.h>
#include <public/ioreq.h>
#include <public/memory.h>
#include <public/sysctl.h>
#include <public/vcpu.h>
#include <public/version.h>
#include <public/xen.h>

struct abi_fact {
	const char *what;
	unsigned long long actual;
	unsigned long long expected;
};

/* clang-format off */
#define SIZE(type, bytes) {"sizeof(" #type ")", sizeof(type), (bytes)}
#define ALIGN(type, bytes) {"_Alignof(" #type ")", _Alignof(type), (bytes)}
#define OFF(type, field, at) {#type "." #field, offsetof(type, field), (at)}
#define VAL(name, value) {#name, (unsigned long long)(name), (unsigned long long)(value)}
/* clang-format on */

/* Report every mismatch of a table, then fail if there was any. */
static void check_facts(const char *table, const struct abi_fact *facts, size_t n)
{
	size_t bad = 0;

	for (size_t i = 0; i < n; i++) {
		if (facts[i].actual == facts[i].expected)
			continue;
		print_error("%s: %s is %llu, ABI says %llu\n", table, facts[i].what,
			    facts[i].actual, facts[i].expected);
		bad++;
	}
	print_message("%s: %zu facts checked, %zu mismatches\n", table, n, bad);
	assert_int_equal(bad, 0);
}

#define CHECK_TABLE(t) check_facts(#t, (t), sizeof(t) / sizeof((t)[0]))

static void test_struct_layouts(void **state)
{
	static const struct abi_fact layouts[] = {
	    /* xen.h / version.h */
	    SIZE(xen_pfn_t, 8),
	    SIZE(xen_ulong_t, 8),
	    SIZE(domid_t, 2),
	    SIZE(xen_domain_handle_t, 16),
	    SIZE(XEN_GUEST_HANDLE(void), 8),
	    SIZE(struct sched_shutdown, 4),
	    SIZE(struct sched_remote_shutdown, 8),
	    OFF(struct sched_remote_shutdown, reason, 4),
	    /* event channels (issue 14) */
	    SIZE(struct sched_poll, 24),
	    OFF(struct sched_poll, nr_ports, 8),
	    OFF(struct sched_poll, timeout, 16),
	    SIZE(struct vcpu_time_info, 32),
	    OFF(struct vcpu_time_info, system_time, 16),
	    OFF(struct vcpu_time_info, tsc_to_system_mul, 24),
	    OFF(struct vcpu_time_info, flags, 29),
	    SIZE(struct vcpu_info, 64),
	    OFF(struct vcpu_info, evtchn_upcall_mask, 1),
	    OFF(struct vcpu_info, evtchn_pending_sel, 8),
	    OFF(struct vcpu_info, time, 32),
	    SIZE(struct shared_info, 3136),
	    OFF(struct shared_info, evtchn_pending, 2048),
	    OFF(struct shared_info, evtchn_mask, 2560),
	    OFF(struct shared_info, wc_version, 3072),
	    OFF(struct shared_info, wc_sec_hi, 3084),
	    OFF(struct shared_info, arch, 3088),
	    SIZE(struct evtchn_alloc_unbound, 8),
	    OFF(struct evtchn_alloc_unbound, port, 4),
	    SIZE(struct evtchn_bind_interdomain, 12),
	    OFF(struct evtchn_bind_interdomain, local_port, 8),
	    SIZE(struct evtchn_bind_virq, 12),
	    SIZE(struct evtchn_bind_ipi, 8),
	    SIZE(struct evtchn_status, 24),
	    OFF(struct evtchn_status, u.interdomain.port, 20),
	    SIZE(struct evtchn_bind_vcpu, 8),
	    SIZE(struct evtchn_reset, 2),
	    SIZE(struct xen_hvm_param, 16),
	    OFF(struct xen_hvm_param, value, 8),
	    SIZE(struct xen_hvm_evtchn_upcall_vector, 8),
	    OFF(struct xen_hvm_evtchn_upcall_vector, vector, 4),
	    SIZE(struct vcpu_register_vcpu_info, 16),
	    OFF(struct vcpu_register_vcpu_info, offset, 8),
	    SIZE(struct vcpu_hvm_context, 128),
	    OFF(struct vcpu_hvm_context, cpu_regs, 8),
	    SIZE(struct vcpu_hvm_x86_64, 112),
	    OFF(struct vcpu_hvm_x86_64, rip, 64),
	    OFF(struct vcpu_hvm_x86_64, efer, 104),
	    SIZE(struct vcpu_hvm_x86_32, 120),
	    SIZE(xen_extraversion_t, 16),
	    SIZE(struct xen_compile_info, 144),
	    OFF(struct xen_compile_info, compile_date, 112),
	    SIZE(struct xen_feature_info, 8),
	    OFF(struct xen_feature_info, submap, 4),
	    SIZE(struct xen_platform_parameters, 8),

	    /* memory.h */
	    SIZE(struct xen_memory_reservation, 32),
	    ALIGN(struct xen_memory_reservation, 8),
	    OFF(struct xen_memory_reservation, extent_start, 0),
	    OFF(struct xen_memory_reservation, nr_extents, 8),
	    OFF(struct xen_memory_reservation, extent_order, 16),
	    OFF(struct xen_memory_reservation, mem_flags, 20),
	    OFF(struct xen_memory_reservation, domid, 24),
	    SIZE(struct xen_add_to_physmap, 24),
	    OFF(struct xen_add_to_physmap, domid, 0),
	    OFF(struct xen_add_to_physmap, size, 2),
	    OFF(struct xen_add_to_physmap, space, 4),
	    OFF(struct xen_add_to_physmap, idx, 8),
	    OFF(struct xen_add_to_physmap, gpfn, 16),
	    SIZE(struct xen_add_to_physmap_batch, 32),
	    OFF(struct xen_add_to_physmap_batch, domid, 0),
	    OFF(struct xen_add_to_physmap_batch, space, 2),
	    OFF(struct xen_add_to_physmap_batch, size, 4),
	    OFF(struct xen_add_to_physmap_batch, u.foreign_domid, 6),
	    OFF(struct xen_add_to_physmap_batch, u.res0, 6),
	    OFF(struct xen_add_to_physmap_batch, idxs, 8),
	    OFF(struct xen_add_to_physmap_batch, gpfns, 16),
	    OFF(struct xen_add_to_physmap_batch, errs, 24),
	    SIZE(struct xen_remove_from_physmap, 16),
	    OFF(struct xen_remove_from_physmap, gpfn, 8),
	    SIZE(struct xen_memory_map, 16),
	    OFF(struct xen_memory_map, nr_entries, 0),
	    OFF(struct xen_memory_map, buffer, 8),
	    SIZE(struct xen_foreign_memory_map, 24),
	    OFF(struct xen_foreign_memory_map, map, 8),
	    SIZE(struct e820entry, 20),
	    OFF(struct e820entry, size, 8),
	    OFF(struct e820entry, type, 16),
	    SIZE(struct xen_mem_acquire_resource, 32),
	    OFF(struct xen_mem_acquire_resource, type, 2),
	    OFF(struct xen_mem_acquire_resource, id, 4),
	    OFF(struct xen_mem_acquire_resource, nr_frames, 8),
	    OFF(struct xen_mem_acquire_resource, pad, 12),
	    OFF(struct xen_mem_acquire_resource, frame, 16),
	    OFF(struct xen_mem_acquire_resource, frame_list, 24),

	    /* grant_table.h */
	    SIZE(grant_ref_t, 4),
	    SIZE(grant_handle_t, 4),
	    SIZE(struct grant_entry_v1, 8),
	    ALIGN(struct grant_entry_v1, 4),
	    OFF(struct grant_entry_v1, flags, 0),
	    OFF(struct grant_entry_v1, domid, 2),
	    OFF(struct grant_entry_v1, frame, 4),
	    SIZE(struct gnttab_map_grant_ref, 32),
	    OFF(struct gnttab_map_grant_ref, host_addr, 0),
	    OFF(struct gnttab_map_grant_ref, flags, 8),
	    OFF(struct gnttab_map_grant_ref, ref, 12),
	    OFF(struct gnttab_map_grant_ref, dom, 16),
	    OFF(struct gnttab_map_grant_ref, status, 18),
	    OFF(struct gnttab_map_grant_ref, handle, 20),
	    OFF(struct gnttab_map_grant_ref, dev_bus_addr, 24),
	    SIZE(struct gnttab_unmap_grant_ref, 24),
	    OFF(struct gnttab_unmap_grant_ref, dev_bus_addr, 8),
	    OFF(struct gnttab_unmap_grant_ref, handle, 16),
	    OFF(struct gnttab_unmap_grant_ref, status, 20),
	    SIZE(struct gnttab_setup_table, 24),
	    OFF(struct gnttab_setup_table, nr_frames, 4),
	    OFF(struct gnttab_setup_table, status, 8),
	    OFF(struct gnttab_setup_table, frame_list, 16),
	    SIZE(struct gnttab_query_size, 16),
	    ALIGN(struct gnttab_query_size, 4),
	    OFF(struct gnttab_query_size, nr_frames, 4),
	    OFF(struct gnttab_query_size, max_nr_frames, 8),
	    OFF(struct gnttab_query_size, status, 12),
	    SIZE(struct gnttab_dump_table, 4),
	    OFF(struct gnttab_dump_table, status, 2),
	    SIZE(struct gnttab_transfer, 24),
	    OFF(struct gnttab_transfer, status, 16),
	    SIZE(struct gnttab_copy, 40),
	    OFF(struct gnttab_copy, source.u.gmfn, 0),
	    OFF(struct gnttab_copy, source.domid, 8),
	    OFF(struct gnttab_copy, source.offset, 10),
	    OFF(struct gnttab_copy, dest.u.ref, 16),
	    OFF(struct gnttab_copy, dest.domid, 24),
	    OFF(struct gnttab_copy, len, 32),
	    OFF(struct gnttab_copy, flags, 34),
	    OFF(struct gnttab_copy, status, 36),
	    SIZE(struct gnttab_unmap_and_replace, 24),
	    OFF(struct gnttab_unmap_and_replace, new_addr, 8),
	    OFF(struct gnttab_unmap_and_replace, handle, 16),
	    OFF(struct gnttab_unmap_and_replace, status, 20),
	    SIZE(struct gnttab_get_status_frames, 16),
	    OFF(struct gnttab_get_status_frames, frame_list, 8),
	    SIZE(struct gnttab_get_version, 8),
	    SIZE(struct gnttab_swap_grant_ref, 12),

	    /* sysctl.h */
	    SIZE(struct xen_sysctl, 136),
	    OFF(struct xen_sysctl, interface_version, 4),
	    OFF(struct xen_sysctl, u, 8),
	    SIZE(struct xen_sysctl_physinfo, 112),
	    OFF(struct xen_sysctl_physinfo, threads_per_core, 0),
	    OFF(struct xen_sysctl_physinfo, cores_per_socket, 4),
	    OFF(struct xen_sysctl_physinfo, nr_cpus, 8),
	    OFF(struct xen_sysctl_physinfo, max_cpu_id, 12),
	    OFF(struct xen_sysctl_physinfo, nr_nodes, 16),
	    OFF(struct xen_sysctl_physinfo, max_node_id, 20),
	    OFF(struct xen_sysctl_physinfo, cpu_khz, 24),
	    OFF(struct xen_sysctl_physinfo, capabilities, 28),
	    OFF(struct xen_sysctl_physinfo, arch_capabilities, 32),
	    /* memvisor's gpaddr_bits is upstream's padding word; the value the
	     * hypervisor reports there is checked in test_hypercall.c. */
	    OFF(struct xen_sysctl_physinfo, pad, 36),
	    OFF(struct xen_sysctl_physinfo, gpaddr_bits, 36),
	    OFF(struct xen_sysctl_physinfo, total_pages, 40),
	    OFF(struct xen_sysctl_physinfo, free_pages, 48),
	    OFF(struct xen_sysctl_physinfo, scrub_pages, 56),
	    OFF(struct xen_sysctl_physinfo, outstanding_pages, 64),
	    OFF(struct xen_sysctl_physinfo, max_mfn, 72),
	    OFF(struct xen_sysctl_physinfo, hw_cap, 80),
	    SIZE(struct xen_sysctl_getdomaininfolist, 24),
	    OFF(struct xen_sysctl_getdomaininfolist, max_domains, 4),
	    OFF(struct xen_sysctl_getdomaininfolist, buffer, 8),
	    OFF(struct xen_sysctl_getdomaininfolist, num_domains, 16),

	    /* domctl.h */
	    SIZE(struct xen_domctl, 144),
	    OFF(struct xen_domctl, domain, 8),
	    OFF(struct xen_domctl, _pad, 10),
	    OFF(struct xen_domctl, u, 16),
	    SIZE(struct xen_arch_domainconfig, 8),
	    OFF(struct xen_arch_domainconfig, misc_flags, 4),
	    SIZE(struct xen_domctl_getdomaininfo, 112),
	    OFF(struct xen_domctl_getdomaininfo, domain, 0),
	    OFF(struct xen_domctl_getdomaininfo, pad1, 2),
	    OFF(struct xen_domctl_getdomaininfo, flags, 4),
	    OFF(struct xen_domctl_getdomaininfo, tot_pages, 8),
	    OFF(struct xen_domctl_getdomaininfo, max_pages, 16),
	    OFF(struct xen_domctl_getdomaininfo, outstanding_pages, 24),
	    OFF(struct xen_domctl_getdomaininfo, shr_pages, 32),
	    OFF(struct xen_domctl_getdomaininfo, paged_pages, 40),
	    OFF(struct xen_domctl_getdomaininfo, shared_info_frame, 48),
	    OFF(struct xen_domctl_getdomaininfo, cpu_time, 56),
	    OFF(struct xen_domctl_getdomaininfo, nr_online_vcpus, 64),
	    OFF(struct xen_domctl_getdomaininfo, max_vcpu_id, 68),
	    OFF(struct xen_domctl_getdomaininfo, ssidref, 72),
	    OFF(struct xen_domctl_getdomaininfo, handle, 76),
	    OFF(struct xen_domctl_getdomaininfo, cpupool, 92),
	    OFF(struct xen_domctl_getdomaininfo, gpaddr_bits, 96),
	    OFF(struct xen_domctl_getdomaininfo, pad2, 97),
	    OFF(struct xen_domctl_getdomaininfo, arch_config, 104),

	    /* ioreq.h */
	    SIZE(ioservid_t, 2),
	    SIZE(struct ioreq, 32),
	    OFF(struct ioreq, data, 8),
	    OFF(struct ioreq, count, 16),
	    OFF(struct ioreq, size, 20),
	    OFF(struct ioreq, vp_eport, 24),
	    OFF(struct ioreq, type, 31),
	    SIZE(struct buf_ioreq, 8),
	    OFF(struct buf_ioreq, data, 4),
	    SIZE(struct buffered_iopage, 4096),
	    OFF(struct buffered_iopage, write_pointer, 4),
	    OFF(struct buffered_iopage, buf_ioreq, 8),

	    /* iommu_op.h */
	    SIZE(struct pv_iommu_op, 32),
	    ALIGN(struct pv_iommu_op, 8),
	    OFF(struct pv_iommu_op, subop_id, 0),
	    OFF(struct pv_iommu_op, flags, 2),
	    OFF(struct pv_iommu_op, status, 4),
	    OFF(struct pv_iommu_op, u.map_page.bfn, 8),
	    OFF(struct pv_iommu_op, u.map_page.gfn, 16),
	    OFF(struct pv_iommu_op, u.unmap_page.bfn, 8),
	    OFF(struct pv_iommu_op, u.map_foreign_page.gfn, 16),
	    OFF(struct pv_iommu_op, u.map_foreign_page.domid, 24),
	    OFF(struct pv_iommu_op, u.map_foreign_page.ioserver, 26),
	    OFF(struct pv_iommu_op, u.lookup_foreign_page.domid, 24),
	    OFF(struct pv_iommu_op, u.lookup_foreign_page.ioserver, 26),
	    OFF(struct pv_iommu_op, u.unmap_foreign_page.ioserver, 16),
	};
	(void)state;
	CHECK_TABLE(layouts);
}

static void test_numbers(void **state)
{
	static const struct abi_fact numbers[] = {
	    VAL(__HYPERVISOR_memory_op, 12),
	    VAL(__HYPERVISOR_multicall, 13),
	    VAL(__HYPERVISOR_xen_version, 17),
	    VAL(__HYPERVISOR_console_io, 18),
	    VAL(__HYPERVISOR_grant_table_op, 20),
	    VAL(__HYPERVISOR_vm_assist, 21),
	    VAL(__HYPERVISOR_vcpu_op, 24),
	    VAL(__HYPERVISOR_xsm_op, 27),
	    VAL(__HYPERVISOR_sched_op, 29),
	    VAL(__HYPERVISOR_event_channel_op, 32),
	    VAL(__HYPERVISOR_physdev_op, 33),
	    VAL(__HYPERVISOR_hvm_op, 34),
	    VAL(__HYPERVISOR_sysctl, 35),
	    VAL(__HYPERVISOR_domctl, 36),
	    VAL(__HYPERVISOR_argo_op, 39),
	    VAL(__HYPERVISOR_xenpmu_op, 40),
	    VAL(__HYPERVISOR_dm_op, 41),
	    VAL(__HYPERVISOR_hypfs_op, 42),
	    VAL(__HYPERVISOR_iommu_op, 43),
	    VAL(__HYPERVISOR_arch_0, 48),
	    VAL(__HYPERVISOR_arch_7, 55),
	    VAL(DOMID_FIRST_RESERVED, 0x7FF0),
	    VAL(DOMID_SELF, 0x7FF0),
	    VAL(DOMID_IO, 0x7FF1),
	    VAL(DOMID_XEN, 0x7FF2),
	    VAL(DOMID_COW, 0x7FF3),
	    VAL(DOMID_INVALID, 0x7FF4),
	    VAL(DOMID_IDLE, 0x7FFF),
	    VAL(EVTCHNOP_bind_interdomain, 0),
	    VAL(EVTCHNOP_close, 3),
	    VAL(EVTCHNOP_send, 4),
	    VAL(EVTCHNOP_alloc_unbound, 6),
	    VAL(EVTCHNOP_unmask, 9),
	    VAL(EVTCHNOP_reset, 10),
	    VAL(EVTCHNSTAT_ipi, 5),
	    VAL(VIRQ_DOM_EXC, 3),
	    VAL(VIRQ_ARGO, 11),
	    VAL(NR_VIRQS, 24),
	    VAL(SCHEDOP_poll, 3),
	    VAL(HVMOP_get_time, 10),
	    VAL(HVMOP_set_evtchn_upcall_vector, 23),
	    VAL(HVM_PARAM_CALLBACK_IRQ, 0),
	    VAL(HVM_PARAM_STORE_EVTCHN, 2),
	    VAL(HVM_PARAM_CONSOLE_PFN, 17),
	    VAL(HVM_PARAM_CONSOLE_EVTCHN, 18),
	    VAL(HVM_NR_PARAMS, 39),
	    VAL(HVM_CALLBACK_VECTOR(0xf3), 0x02000000000000f3ULL),
	    VAL(VCPUOP_register_vcpu_info, 10),
	    VAL(XENMAPSPACE_shared_info, 0),
	    VAL(CONSOLEIO_write, 0),
	    VAL(CONSOLEIO_read, 1),
	    VAL(SCHEDOP_yield, 0),
	    VAL(SCHEDOP_shutdown, 2),
	    VAL(SCHEDOP_pin_override, 7),
	    VAL(SHUTDOWN_poweroff, 0),
	    VAL(SHUTDOWN_crash, 3),
	    VAL(SHUTDOWN_soft_reset, 5),
	    VAL(XENVER_version, 0),
	    VAL(XENVER_get_features, 6),
	    VAL(XENVER_build_id, 10),
	    VAL(XEN_VERSION_ENCODED, 0x00040016),
	    VAL(MEMOP_EXTENT_SHIFT, 6),
	    VAL(MEMOP_CMD_MASK, 0x3f),
	    VAL(XENMEM_increase_reservation, 0),
	    VAL(XENMEM_decrease_reservation, 1),
	    VAL(XENMEM_current_reservation, 3),
	    VAL(XENMEM_maximum_reservation, 4),
	    VAL(XENMEM_populate_physmap, 6),
	    VAL(XENMEM_add_to_physmap, 7),
	    VAL(XENMEM_memory_map, 9),
	    VAL(XENMEM_remove_from_physmap, 15),
	    VAL(XENMEM_add_to_physmap_batch, 23),
	    VAL(XENMEM_acquire_resource, 28),
	    VAL(XENMAPSPACE_grant_table, 1),
	    VAL(XENMAPSPACE_gmfn, 2),
	    VAL(XENMAPSPACE_gmfn_foreign, 4),
	    VAL(XENMAPIDX_grant_table_status, 0x80000000U),
	    VAL(XENMEMF_node(0), 0x100),
	    VAL(XENMEMF_get_node(XENMEMF_node(5)), 5),
	    VAL(XENMEMF_get_address_bits(XENMEMF_address_bits(32) | XENMEMF_vnode), 32),
	    VAL(XENMEMF_populate_on_demand, 1U << 16),
	    VAL(XENMEMF_exact_node_request, 1U << 17),
	    VAL(GNTTABOP_map_grant_ref, 0),
	    VAL(GNTTABOP_setup_table, 2),
	    VAL(GNTTABOP_copy, 5),
	    VAL(GNTTABOP_query_size, 6),
	    VAL(GNTTABOP_cache_flush, 12),
	    VAL(GNTMAP_host_map, 2),
	    VAL(GNTMAP_readonly, 4),
	    VAL(GNTMAP_can_fail, 32),
	    VAL(GNTMAP_request_bfn_map, 64),
	    VAL(GTF_readonly, 4),
	    VAL(GTF_sub_page, 256),
	    VAL(GNTTAB_NR_RESERVED_ENTRIES, 8),
	    VAL(-GNTST_no_space, 13),
	    VAL(XEN_SYSCTL_INTERFACE_VERSION, 0x16),
	    VAL(XEN_SYSCTL_physinfo, 3),
	    VAL(XEN_SYSCTL_getdomaininfolist, 6),
	    VAL(XEN_SYSCTL_PHYSCAP_gnttab_v2, 1U << 9),
	    VAL(XEN_DOMCTL_INTERFACE_VERSION, 0x18),
	    VAL(XEN_DOMCTL_getdomaininfo, 5),
	    VAL(XEN_DOMINF_hap, 1U << 8),
	    VAL(IOREQ_TYPE_PIO, 0),
	    VAL(IOREQ_TYPE_COPY, 1),
	    VAL(IOREQ_TYPE_PCI_CONFIG, 2),
	    VAL(IOREQ_TYPE_TIMEOFFSET, 7),
	    VAL(IOREQ_TYPE_INVALIDATE, 8),
	    VAL(IOREQ_BUFFER_SLOT_NUM, 511),
	    VAL(IOMMUOP_query_caps, 1),
	    VAL(IOMMUOP_map_page, 2),
	    VAL(IOMMUOP_unmap_page, 3),
	    VAL(IOMMUOP_map_foreign_page, 4),
	    VAL(IOMMUOP_lookup_foreign_page, 5),
	    VAL(IOMMUOP_unmap_foreign_page, 6),
	    VAL(IOMMU_QUERY_map_cap, 1),
	    VAL(IOMMU_QUERY_map_all_gfns, 2),
	    VAL(IOMMU_OP_readable, 1),
	    VAL(IOMMU_OP_writeable, 2),
	    VAL(IOMMU_MAP_OP_no_ref_cnt, 4),
	    VAL(IOMMUOP_swap_mfn, 4),
	    VAL(IOMMU_page_order_mask, 0xFC00),
	};
	(void)state;
	CHECK_TABLE(numbers);
}

/* Xen's errno values are Linux's asm-generic ones, which x86-64 Linux uses. */
static void test_errno_matches_linux(void **state)
{
	static const struct abi_fact errnos[] = {
	    {"EPERM", XEN_EPERM, EPERM},
	    {"ENOENT", XEN_ENOENT, ENOENT},
	    {"ESRCH", XEN_ESRCH, ESRCH},
	    {"EINTR", XEN_EINTR, EINTR},
	    {"EIO", XEN_EIO, EIO},
	    {"ENXIO", XEN_ENXIO, ENXIO},
	    {"E2BIG", XEN_E2BIG, E2BIG},
	    {"ENOEXEC", XEN_ENOEXEC, ENOEXEC},
	    {"EBADF", XEN_EBADF, EBADF},
	    {"ECHILD", XEN_ECHILD, ECHILD},
	    {"EAGAIN", XEN_EAGAIN, EAGAIN},
	    {"EWOULDBLOCK", XEN_EWOULDBLOCK, EWOULDBLOCK},
	    {"ENOMEM", XEN_ENOMEM, ENOMEM},
	    {"EACCES", XEN_EACCES, EACCES},
	    {"EFAULT", XEN_EFAULT, EFAULT},
	    {"EBUSY", XEN_EBUSY, EBUSY},
	    {"EEXIST", XEN_EEXIST, EEXIST},
	    {"EXDEV", XEN_EXDEV, EXDEV},
	    {"ENODEV", XEN_ENODEV, ENODEV},
	    {"ENOTDIR", XEN_ENOTDIR, ENOTDIR},
	    {"EISDIR", XEN_EISDIR, EISDIR},
	    {"EINVAL", XEN_EINVAL, EINVAL},
	    {"ENFILE", XEN_ENFILE, ENFILE},
	    {"EMFILE", XEN_EMFILE, EMFILE},
	    {"ENOSPC", XEN_ENOSPC, ENOSPC},
	    {"EROFS", XEN_EROFS, EROFS},
	    {"EMLINK", XEN_EMLINK, EMLINK},
	    {"EDOM", XEN_EDOM, EDOM},
	    {"ERANGE", XEN_ERANGE, ERANGE},
	    {"EDEADLK", XEN_EDEADLK, EDEADLK},
	    {"ENAMETOOLONG", XEN_ENAMETOOLONG, ENAMETOOLONG},
	    {"ENOLCK", XEN_ENOLCK, ENOLCK},
	    {"ENOSYS", XEN_ENOSYS, ENOSYS},
	    {"ENOTEMPTY", XEN_ENOTEMPTY, ENOTEMPTY},
	    {"ENODATA", XEN_ENODATA, ENODATA},
	    {"ETIME", XEN_ETIME, ETIME},
	    {"EBADMSG", XEN_EBADMSG, EBADMSG},
	    {"EOVERFLOW", XEN_EOVERFLOW, EOVERFLOW},
	    {"EILSEQ", XEN_EILSEQ, EILSEQ},
	    {"ENOTSOCK", XEN_ENOTSOCK, ENOTSOCK},
	    {"EMSGSIZE", XEN_EMSGSIZE, EMSGSIZE},
	    {"EOPNOTSUPP", XEN_EOPNOTSUPP, EOPNOTSUPP},
	    {"EADDRINUSE", XEN_EADDRINUSE, EADDRINUSE},
	    {"EADDRNOTAVAIL", XEN_EADDRNOTAVAIL, EADDRNOTAVAIL},
	    {"ENOBUFS", XEN_ENOBUFS, ENOBUFS},
	    {"EISCONN", XEN_EISCONN, EISCONN},
	    {"ENOTCONN", XEN_ENOTCONN, ENOTCONN},
	    {"ETIMEDOUT", XEN_ETIMEDOUT, ETIMEDOUT},
	    {"ECONNREFUSED", XEN_ECONNREFUSED, ECONNREFUSED},
	    /* Not in every libc's errno.h; Linux's value is 85. */
	    {"ERESTART", XEN_ERESTART, 85},
	};
	(void)state;
	CHECK_TABLE(errnos);
}

/* Bit-field placement is outside what offsetof can check. */
static void test_bitfields(void **state)
{
	struct buf_ioreq b;
	struct ioreq r;
	uint32_t word;
	uint8_t byte;

	(void)state;
	memset(&b, 0, sizeof(b));
	b.addr = 0xFFFFF;
	memcpy(&word, &b, sizeof(word));
	assert_int_equal(word, 0xFFFFF000U);

	memset(&b, 0, sizeof(b));
	b.type = IOREQ_TYPE_INVALIDATE;
	b.pad = 1;
	b.dir = IOREQ_READ;
	b.size = 3;
	b.data = 0xDEADBEEF;
	memcpy(&word, &b, sizeof(word));
	assert_int_equal(word, 0x8U | (1U << 8) | (1U << 9) | (3U << 10));
	memcpy(&word, (const unsigned char *)&b + 4, sizeof(word));
	assert_int_equal(word, 0xDEADBEEFU);

	memset(&r, 0, sizeof(r));
	r.state = STATE_IORESP_READY;
	r.data_is_ptr = 1;
	r.df = 1;
	memcpy(&byte, (const unsigned char *)&r + 30, 1);
	assert_int_equal(byte, 0x3U | (1U << 4) | (1U << 6));
}

static void test_iommu_page_order_helpers(void **state)
{
	uint16_t flags = IOMMU_OP_readable | IOMMU_OP_writeable;

	(void)state;
	for (unsigned int order = 0; order < 64; order++) {
		uint16_t f = IOMMU_set_page_order(flags, order);

		assert_int_equal(IOMMU_get_page_order(f), order);
		assert_int_equal(f & ~IOMMU_page_order_mask, flags);
		assert_int_equal(IOMMU_page_order(order), order << 10);
	}
	/* Replacing an order clears the old one. */
	assert_int_equal(IOMMU_get_page_order(IOMMU_set_page_order(IOMMU_page_order(63), 9)), 9);
	/* Orders too large for 6 bits do not spill into other flags. */
	assert_int_equal(IOMMU_page_order(64), 0);
	assert_int_equal(IOMMUOP_map_page_in_flags, 0xFC07);
	assert_int_equal(IOMMUOP_map_foreign_page_in_flags, 0xFC07);
	assert_int_equal(IOMMUOP_unmap_page_in_flags, 0xFC00);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_struct_layouts),
	    cmocka_unit_test(test_numbers),
	    cmocka_unit_test(test_errno_matches_linux),
	    cmocka_unit_test(test_bitfields),
	    cmocka_unit_test(test_iommu_page_order_helpers),
	};

	return cmocka_run_group_tests_name("abi_layout", tests, NULL, NULL);
}
