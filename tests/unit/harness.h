/*
 * Test harness: a real hypervisor on the memfd realization, with helpers to
 * make hypercalls on a domain's behalf through its own memory.
 */
#ifndef TEST_HARNESS_H
#define TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <hv/audit.h>
#include <hv/bootinfo.h>
#include <hv/build.h>
#include <hv/layout.h>
#include <hv/domain.h>
#include <hv/heap.h>
#include <hv/hypercall.h>
#include <hv/mm.h>
#include <hv/p2m.h>
#include <hv/page.h>
#include <hv/realize.h>
#include "realize.h"

/* Guest-physical scratch area every harness domain gets (8 pages). */
#define H_SCRATCH_GFN 0x10000ULL
#define H_SCRATCH_PAGES 8
#define H_SCRATCH_GPA (H_SCRATCH_GFN << PAGE_SHIFT)

struct harness {
	struct vmm vmm;
	struct hv *hv;
	char log[8192]; /* the last messages, for asserting on reasons */
};

/* Machine with the given banks (bytes). */
void h_init(struct harness *h, const paddr_t (*banks)[2], unsigned int nr);
/* Default machine: 64 MiB at 1 GiB + 64 MiB at 4 GiB. */
void h_init_default(struct harness *h);
void h_fini(struct harness *h);

/* Creates a domain and gives it the scratch area. */
struct domain *h_domain(struct harness *h, const char *name, uint32_t flags, uint64_t max_pages);
/* The same with `vcpus` vCPUs (domain_config.max_vcpus). */
struct domain *h_domain_vcpus(struct harness *h, const char *name, uint32_t flags,
			      uint64_t max_pages, unsigned int vcpus);

/* Asserts the audit passes, printing its finding otherwise. */
#define h_audit(h) h_audit_at(h, __FILE__, __LINE__)
void h_audit_at(struct harness *h, const char *file, int line);

/* Copies data into/out of d's scratch area at byte offset off. */
void h_put(struct domain *d, uint64_t off, const void *p, size_t len);
void h_get(struct domain *d, uint64_t off, void *p, size_t len);
/* Guest address of scratch offset off. */
static inline uint64_t h_gpa(uint64_t off) { return H_SCRATCH_GPA + off; }

int64_t h_call(struct harness *h, struct domain *d, uint64_t nr, uint64_t a0, uint64_t a1,
	       uint64_t a2, uint64_t a3, uint64_t a4);
/* A hypercall made by vCPU `vcpu` of d (h_call's are vCPU 0's). */
int64_t h_call_vcpu(struct harness *h, struct domain *d, unsigned int vcpu, uint64_t nr,
		    uint64_t a0, uint64_t a1, uint64_t a2);

/* hypercall nr (cmd, pointer to a) with the len bytes at a passed through
 * scratch offset 0 and copied back whatever the result; audits after. */
int64_t h_op(struct harness *h, struct domain *d, uint64_t nr, uint64_t cmd, void *a, size_t len);

/* memory_op reservation helper: gfns are written to scratch offset 0x1000. */
int64_t h_reservation(struct harness *h, struct domain *d, unsigned int op, const uint64_t *gfns,
		      uint64_t nr, unsigned int order, domid_t domid);

/* Host pointer to guest-physical gaddr of d (through the window). */
static inline void *h_va(struct domain *d, paddr_t gaddr) { return vmm_gpa_to_hva(d, gaddr); }

/* Populates n (at most 16) single pages of d from gfn on, asserting success. */
void h_populate(struct harness *h, struct domain *d, uint64_t gfn, uint64_t n);

/* Where harness domains put their grant table: region 0 (0x38000000). */
#define H_GNT_GFN 0x38000ULL
struct grant_entry_v1;
/* The granter's view of its v1 entry ref, through its own mapping of region 0. */
struct grant_entry_v1 *h_gnt_entry(struct domain *d, uint32_t ref);
/* Writes entry ref as the granter does: domid and frame first, flags last. */
void h_grant(struct domain *d, uint32_t ref, uint16_t to, uint64_t gfn, uint16_t flags);

bool h_log_has(struct harness *h, const char *needle);
/* Compiles a device-tree source with dtc; the DTB (malloc'd, the caller
 * frees it) and its length. Fails the test when dtc does. */
void *h_dtc(const char *dts, size_t *len);

/*
 * A whole system from a device-tree source: compiled, parsed and planned
 * (both must succeed, under the latest release's policy, with or without
 * Dom0), then built with the emulated devices dev[0..nr_dev) on a
 * hypervisor over the system's RAM banks, audited. Returns build_system's
 * result; h_sys_fini frees everything either way.
 */
struct h_sys {
	struct harness h;
	struct bootinfo bi;
	struct layout_plan plan;
	struct build_result res;
	void *blob;
};
int h_sys_build(struct h_sys *s, const char *dts, bool dom0, const struct build_device *dev,
		unsigned int nr_dev);
void h_sys_fini(struct h_sys *s);

#endif
