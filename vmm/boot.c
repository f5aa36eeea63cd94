/*
 * Guest boot setup: the boot area at the top of the first RAM bank holds a
 * GDT, the identity map and the device tree (layout in boot.h).
 *
 * Design: the identity map uses 2 MiB pages only (the host's KVM offers no
 * 1 GiB pages) and covers every RAM bank plus the extra ranges of
 * guest_mem.map, each rounded out to 2 MiB. All entries are user-accessible
 * and writable so that the guest, which runs at CPL3 after a short CPL0
 * stub, can read and extend its own tables. Tables come from a bump
 * allocator inside the area; running out is an error, never a silent
 * partial map.
 */
#include <errno.h>
#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/diag.h>
#include <public/version.h>
#include <public/xen.h>

#include "boot.h"

#define PTE_P 0x1ULL
#define PTE_RW 0x2ULL
#define PTE_US 0x4ULL
#define PTE_PS 0x80ULL
#define PTE_ADDR 0x000ffffffffff000ULL

bool guest_range_in_ram(const struct guest_mem *gm, uint64_t base, uint64_t size)
{
	if (base + size < base)
		return false;
	for (unsigned int i = 0; i < gm->nr_ram; i++) {
		const struct guest_range *r = &gm->ram[i];
		if (base >= r->base && base + size <= r->base + r->size)
			return true;
	}
	return false;
}

void guest_exit_vcrash(struct guest_exit *ex, const char *fmt, va_list ap)
{
	ex->kind = GEXIT_CRASH;
	diag_vfmt(ex->why, sizeof(ex->why), fmt, ap);
}

void guest_exit_crash(struct guest_exit *ex, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	guest_exit_vcrash(ex, fmt, ap);
	va_end(ap);
}

void guest_exit_name_vcpu(struct guest_exit *ex, unsigned int vcpu)
{
	char pre[24];
	size_t n, len;

	if (ex->kind != GEXIT_CRASH && ex->kind != GEXIT_TIMEOUT)
		return;
	n = (size_t)snprintf(pre, sizeof(pre), "vCPU %u: ", vcpu);
	len = strnlen(ex->why, sizeof(ex->why) - 1);
	if (len + n >= sizeof(ex->why))
		len = sizeof(ex->why) - 1 - n; /* the end of the reason goes */
	memmove(ex->why + n, ex->why, len);
	memcpy(ex->why, pre, n);
	ex->why[n + len] = '\0';
}

const char *guest_blocking_call(const struct hv_hcall *hc)
{
	if (hc->nr != __HYPERVISOR_sched_op)
		return NULL;
	if (hc->args[0] == SCHEDOP_block)
		return "SCHEDOP_block";
	if (hc->args[0] == SCHEDOP_poll)
		return "SCHEDOP_poll";
	return NULL;
}

uint64_t boot_area_base(const struct guest_mem *gm)
{
	uint64_t end;

	if (!gm->nr_ram)
		return 0;
	end = ALIGN_DOWN(gm->ram[0].base + gm->ram[0].size, SZ_2M);
	if (end < BOOT_AREA_SIZE || end - BOOT_AREA_SIZE < gm->ram[0].base)
		return 0;
	return end - BOOT_AREA_SIZE;
}

struct pt_builder {
	const struct guest_mem *gm;
	uint64_t next, end; /* guest-physical bump range for tables */
	uint64_t pml4;
};

static uint64_t *pt_host(const struct pt_builder *b, uint64_t gpa)
{
	return (uint64_t *)(void *)(b->gm->window + gpa);
}

static int pt_alloc(struct pt_builder *b, uint64_t *gpa)
{
	if (b->next >= b->end)
		return -ENOSPC;
	*gpa = b->next;
	b->next += PAGE_SIZE;
	memset(pt_host(b, *gpa), 0, PAGE_SIZE);
	return 0;
}

/* Entry idx of table at gpa tbl points to a table; returns its address. */
static int pt_next_level(struct pt_builder *b, uint64_t tbl, unsigned int idx, uint64_t *out)
{
	uint64_t *e = &pt_host(b, tbl)[idx];
	int rc;

	if (*e & PTE_P) {
		*out = *e & PTE_ADDR;
		return 0;
	}
	rc = pt_alloc(b, out);
	if (rc)
		return rc;
	*e = *out | PTE_P | PTE_RW | PTE_US;
	return 0;
}

static int pt_map_2m(struct pt_builder *b, uint64_t gpa)
{
	uint64_t pdpt, pd;
	int rc;

	rc = pt_next_level(b, b->pml4, (gpa >> 39) & 511, &pdpt);
	if (!rc)
		rc = pt_next_level(b, pdpt, (gpa >> 30) & 511, &pd);
	if (rc)
		return rc;
	pt_host(b, pd)[(gpa >> 21) & 511] = gpa | PTE_P | PTE_RW | PTE_US | PTE_PS;
	return 0;
}

static int pt_map_range(struct pt_builder *b, const struct guest_range *r)
{
	uint64_t start = ALIGN_DOWN(r->base, SZ_2M);
	uint64_t end = ALIGN_UP(r->base + r->size, SZ_2M);

	if (r->base + r->size < r->base || end > b->gm->window_size || end > (1ULL << 47))
		return -ERANGE;
	for (uint64_t a = start; a < end; a += SZ_2M) {
		int rc = pt_map_2m(b, a);
		if (rc)
			return rc;
	}
	return 0;
}

static int build_page_tables(const struct guest_mem *gm, uint64_t area, uint64_t *cr3,
			     char *err, size_t errlen)
{
	struct pt_builder b = {
		.gm = gm, .next = area + BOOT_PT_OFF, .end = area + BOOT_PT_END,
	};
	int rc = pt_alloc(&b, &b.pml4);

	for (unsigned int i = 0; !rc && i < gm->nr_ram; i++)
		rc = pt_map_range(&b, &gm->ram[i]);
	for (unsigned int i = 0; !rc && i < gm->nr_map; i++)
		rc = pt_map_range(&b, &gm->map[i]);
	if (rc == -ENOSPC) {
		diag_fmt(err, errlen, "identity map needs more than %llu KiB of page tables",
			 (unsigned long long)((BOOT_PT_END - BOOT_PT_OFF) >> 10));
		return -1;
	}
	if (rc) {
		diag_fmt(err, errlen, "identity map: range outside the guest address space");
		return -1;
	}
	*cr3 = b.pml4;
	return 0;
}

static void write_gdt(const struct guest_mem *gm, uint64_t gdt)
{
	/* null, 64-bit code DPL0 (0x08), data DPL0 (0x10) */
	static const uint64_t desc[3] = {0, 0x00af9b000000ffffULL, 0x00cf93000000ffffULL};

	memset(gm->window + gdt, 0, PAGE_SIZE);
	memcpy(gm->window + gdt, desc, sizeof(desc));
}

static int place_dt(const struct guest_mem *gm, const void *dtb, uint64_t area,
		    const struct guest_range *rsv, unsigned int nr_rsv, char *err, size_t errlen)
{
	size_t cap;
	void *buf;
	int rc;

	rc = fdt_check_header(dtb);
	if (rc) {
		diag_fmt(err, errlen, "guest device tree: %s", fdt_strerror(rc));
		return -1;
	}
	cap = fdt_totalsize(dtb) + (nr_rsv + 2) * 16 + 64;
	if (cap > BOOT_DT_MAX) {
		diag_fmt(err, errlen, "guest device tree too large (%zu bytes, at most %llu)",
			 cap, (unsigned long long)BOOT_DT_MAX);
		return -1;
	}
	buf = calloc(1, cap);
	if (!buf) {
		diag_fmt(err, errlen, "out of memory");
		return -1;
	}
	rc = fdt_open_into(dtb, buf, (int)cap);
	if (!rc)
		rc = fdt_add_mem_rsv(buf, area, BOOT_AREA_SIZE);
	for (unsigned int i = 0; !rc && i < nr_rsv; i++) {
		uint64_t s = ALIGN_DOWN(rsv[i].base, PAGE_SIZE);
		uint64_t e = ALIGN_UP(rsv[i].base + rsv[i].size, PAGE_SIZE);
		rc = fdt_add_mem_rsv(buf, s, e - s);
	}
	if (!rc)
		rc = fdt_pack(buf);
	if (rc) {
		diag_fmt(err, errlen, "guest device tree: %s", fdt_strerror(rc));
		free(buf);
		return -1;
	}
	memcpy(gm->window + area + BOOT_DT_OFF, buf, fdt_totalsize(buf));
	free(buf);
	return 0;
}

int boot_setup(const struct guest_mem *gm, uint64_t entry, const void *dtb,
	       const struct guest_range *rsv, unsigned int nr_rsv, bool page_tables,
	       struct guest_boot *out, char *err, size_t errlen)
{
	uint64_t area = boot_area_base(gm);

	memset(out, 0, sizeof(*out));
	if (!area || !guest_range_in_ram(gm, area, BOOT_AREA_SIZE)) {
		diag_fmt(err, errlen, "first RAM bank too small for the %llu KiB boot area",
			 (unsigned long long)(BOOT_AREA_SIZE >> 10));
		return -1;
	}
	for (unsigned int i = 0; i < nr_rsv; i++) {
		if (rsv[i].base < area + BOOT_AREA_SIZE && area < rsv[i].base + rsv[i].size) {
			diag_fmt(err, errlen,
				 "image range [%#llx, %#llx) overlaps the boot area [%#llx, %#llx)",
				 (unsigned long long)rsv[i].base,
				 (unsigned long long)(rsv[i].base + rsv[i].size),
				 (unsigned long long)area,
				 (unsigned long long)(area + BOOT_AREA_SIZE));
			return -1;
		}
	}
	if (place_dt(gm, dtb, area, rsv, nr_rsv, err, errlen))
		return -1;
	if (page_tables) {
		if (build_page_tables(gm, area, &out->cr3, err, errlen))
			return -1;
		write_gdt(gm, area + BOOT_GDT_OFF);
		out->gdt = area + BOOT_GDT_OFF;
		out->gdt_limit = 3 * 8 - 1;
	}
	out->entry = entry;
	out->dt = area + BOOT_DT_OFF;
	out->area = area;
	out->area_size = BOOT_AREA_SIZE;
	out->stack_top = area + BOOT_AREA_SIZE;
	return 0;
}

bool boot_xen_cpuid(uint32_t leaf, uint32_t xen_version, uint32_t regs[4])
{
	memset(regs, 0, 4 * sizeof(regs[0]));
	switch (leaf) {
	case BOOT_CPUID_BASE:
		regs[0] = BOOT_CPUID_MAX;
		memcpy(&regs[1], "XenV", 4);
		memcpy(&regs[2], "MMXe", 4);
		memcpy(&regs[3], "nVMM", 4);
		return true;
	case BOOT_CPUID_BASE + 1:
		regs[0] = xen_version;
		return true;
	case BOOT_CPUID_BASE + 2:
		regs[0] = 1; /* hypercall pages */
		regs[1] = BOOT_HCALL_MSR;
		return true;
	default:
		/* the rest of the block is ours too: zeros, as the KVM guest reads */
		return leaf >= BOOT_CPUID_BASE && leaf <= BOOT_CPUID_LAST;
	}
}

void boot_fill_hypercall_page(uint8_t *page)
{
	memset(page, 0xcc, PAGE_SIZE); /* int3 between stubs */
	for (unsigned int i = 0; i < BOOT_HCALL_STUBS; i++) {
		uint8_t *s = page + i * BOOT_HCALL_STUB_SIZE;
		s[0] = 0xb8; /* mov $i, %eax */
		s[1] = (uint8_t)i;
		s[2] = (uint8_t)(i >> 8);
		s[3] = 0;
		s[4] = 0;
		s[5] = 0xe7; /* out %eax, $port */
		s[6] = BOOT_HCALL_PORT;
		s[7] = 0xc3; /* ret */
	}
}
