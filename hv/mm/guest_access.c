/*
 * Guest memory access for hypercalls.
 *
 * A hypercall's pointers are the caller's linear addresses (as Xen takes
 * them from HVM guests). Each page of a guest range is first translated
 * through the calling vCPU's page tables (x86-64 4-level paging: 4 KiB,
 * 2 MiB and 1 GiB pages), then through the P2M, and reached through the
 * core's mapping of machine RAM; so a guest can only make the hypervisor
 * read what it could read itself, and write what it could write.
 *
 * The walk reads the page-table entries through the P2M as well: a table
 * outside the domain's memory (or in an MMIO range) is a fault, never a
 * host access. Permissions follow the hardware for an access made at the
 * caller's privilege: writes need R/W at every level (for a supervisor
 * caller only when CR0.WP is set), a CPL 3 caller needs U/S at every level
 * (Xen checks user-mode accesses the same way when an HVM guest calls from
 * CPL 3). Not modelled: SMAP/PKE (no access from the hypervisor is a
 * supervisor access to a user page in the guest's eyes here), accessed and
 * dirty bits (not set), 5-level and 32-bit paging (-EFAULT).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <hv/guest_access.h>
#include <hv/hv.h>
#include <hv/mm.h>
#include <hv/p2m.h>
#include <hv/page.h>

#define X86_CR0_WP (1ULL << 16)
#define X86_CR0_PG (1ULL << 31)
#define X86_CR4_PAE (1ULL << 5)
#define X86_CR4_LA57 (1ULL << 12)
#define X86_EFER_LMA (1ULL << 10)

#define PTE_P (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_US (1ULL << 2)
#define PTE_PS (1ULL << 7)
#define PTE_PAT_LARGE (1ULL << 12) /* PAT bit of a 2 MiB / 1 GiB leaf */
#define PTE_ADDR 0x000ffffffffff000ULL

static void *guest_page(struct domain *d, paddr_t gaddr, bool write)
{
	p2m_type_t t;
	mfn_t mfn = p2m_lookup(d, gaddr_to_gfn(gaddr), &t, NULL);

	if (mfn_eq(mfn, INVALID_MFN) || t == p2m_mmio)
		return NULL;
	if (write && !p2m_is_writable(t))
		return NULL;
	if (!mfn_to_page(&d->hv->ft, mfn))
		return NULL;
	return (uint8_t *)frame_va(&d->hv->ft, mfn) + (gaddr & ~PAGE_MASK);
}

/* One page-table entry at guest-physical gpa (8-byte aligned). */
static int read_pte(struct domain *d, paddr_t gpa, uint64_t *e)
{
	const uint64_t *p = guest_page(d, gpa, false);

	if (!p)
		return -EFAULT;
	/* the guest (or a domain it granted the page to) may change it under us */
	*e = __atomic_load_n(p, __ATOMIC_RELAXED);
	return 0;
}

/* As guest_walk; *w_ok says whether a write to the page would pass. */
static int walk(struct domain *d, struct hv_paging *pg, uint64_t la, bool write, paddr_t *gpa,
		bool *w_ok)
{
	uint64_t table, e = 0, size = PAGE_SIZE;
	bool rw = true, us = true;

	if (!pg->valid) {
		if (!pg->fetch) {
			*gpa = la; /* no paging: the address is guest-physical */
			*w_ok = true;
			return 0;
		}
		if (pg->fetch(pg->ctx, pg) || !pg->valid)
			return -EFAULT;
	}
	if (!(pg->cr0 & X86_CR0_PG)) {
		*gpa = la;
		*w_ok = true;
		return 0;
	}
	if (!(pg->efer & X86_EFER_LMA) || !(pg->cr4 & X86_CR4_PAE) || (pg->cr4 & X86_CR4_LA57))
		return -EFAULT;
	if ((uint64_t)((int64_t)(la << 16) >> 16) != la)
		return -EFAULT; /* not canonical */

	table = pg->cr3 & PTE_ADDR;
	for (unsigned int level = 4; level >= 1; level--) {
		unsigned int shift = PAGE_SHIFT + 9 * (level - 1);

		if (read_pte(d, table + ((la >> shift) & 511) * 8, &e))
			return -EFAULT;
		if (!(e & PTE_P))
			return -EFAULT;
		rw = rw && (e & PTE_RW);
		us = us && (e & PTE_US);
		if (level > 1 && (e & PTE_PS)) {
			/* a leaf: 1 GiB at level 3, 2 MiB at level 2; none at level 4 */
			if (level == 4)
				return -EFAULT;
			size = 1ULL << shift;
			if (e & PTE_ADDR & (size - 1) & ~PTE_PAT_LARGE)
				return -EFAULT; /* reserved address bits of a large leaf */
			break;
		}
		table = e & PTE_ADDR;
	}
	if (pg->cpl == 3 && !us)
		return -EFAULT;
	*w_ok = rw || (pg->cpl != 3 && !(pg->cr0 & X86_CR0_WP));
	if (write && !*w_ok)
		return -EFAULT;
	*gpa = (e & PTE_ADDR & ~(size - 1)) + (la & (size - 1));
	return 0;
}

int guest_walk(struct domain *d, struct hv_paging *pg, uint64_t la, bool write, paddr_t *gpa)
{
	bool w_ok;

	return walk(d, pg, la, write, gpa, &w_ok);
}

/*
 * guest_walk with a one-entry cache, so that arrays walked element by
 * element (extent lists, batches) pay one walk per page. The entry lives
 * for one handler invocation: a call that changes the page tables it runs
 * on (freeing a table page) may still use it until the next continuation,
 * which only affects what the guest's own pointers mean; the page reached
 * is checked against the P2M at every access regardless.
 */
static int translate(struct domain *d, struct hv_paging *pg, uint64_t la, bool write,
		     paddr_t *gpa)
{
	uint64_t page = la & PAGE_MASK;
	bool w_ok;

	if (pg->tlb_valid && pg->tlb_la == page && (!write || pg->tlb_write)) {
		*gpa = pg->tlb_gpa + (la & ~PAGE_MASK);
		return 0;
	}
	if (walk(d, pg, la, write, gpa, &w_ok))
		return -EFAULT;
	pg->tlb_valid = true;
	pg->tlb_write = w_ok;
	pg->tlb_la = page;
	pg->tlb_gpa = *gpa & PAGE_MASK;
	return 0;
}

/* pg NULL: gaddr is guest-physical. */
static int guest_copy(struct domain *d, struct hv_paging *pg, uint64_t gaddr, void *buf,
		      size_t len, bool write)
{
	uint8_t *b = buf;

	if (gaddr + len < gaddr)
		return -EFAULT;
	while (len) {
		size_t chunk = MIN(len, PAGE_SIZE - (gaddr & ~PAGE_MASK));
		paddr_t gpa = gaddr;
		void *p;

		if (pg && translate(d, pg, gaddr, write, &gpa))
			return -EFAULT;
		p = guest_page(d, gpa, write);
		if (!p)
			return -EFAULT;
		if (write)
			memcpy(p, b, chunk);
		else
			memcpy(b, p, chunk);
		b += chunk;
		gaddr += chunk;
		len -= chunk;
	}
	return 0;
}

int copy_from_guest(struct domain *d, void *dst, uint64_t gaddr, size_t len)
{
	return guest_copy(d, d->hcall_paging, gaddr, dst, len, false);
}

int copy_to_guest(struct domain *d, uint64_t gaddr, const void *src, size_t len)
{
	return guest_copy(d, d->hcall_paging, gaddr, (void *)src, len, true);
}

void *guest_phys_page(struct domain *d, paddr_t gpa, bool write)
{
	return guest_page(d, gpa & PAGE_MASK, write);
}

int copy_from_guest_phys(struct domain *d, void *dst, paddr_t gpa, size_t len)
{
	return guest_copy(d, NULL, gpa, dst, len, false);
}

int copy_to_guest_phys(struct domain *d, paddr_t gpa, const void *src, size_t len)
{
	return guest_copy(d, NULL, gpa, (void *)src, len, true);
}

void *guest_phys_pin(struct guest_pins *p, struct domain *d, paddr_t gpa, bool write, int *err)
{
	struct hv *hv = d->hv;
	void *va = guest_page(d, gpa & PAGE_MASK, write);
	struct page_info *pg;
	struct domain *owner;

	if (!va) {
		*err = -EFAULT;
		return NULL;
	}
	/* guest_page found RAM there: the frame has a page_info. A frame of
	 * another domain (foreign or grant map) is pinned on its owner. */
	pg = mfn_to_page(&hv->ft, p2m_lookup(d, gaddr_to_gfn(gpa), NULL, NULL));
	BUG_ON(!pg);
	owner = domain_by_id(hv, pg->owner);
	if (p->nr == GUEST_PINS_MAX || !owner || !mm_get_page(pg, owner)) {
		*err = -EBUSY;
		return NULL;
	}
	if (p->nr++ == 0) {
		p->next = hv->pins;
		hv->pins = p;
	}
	p->pg[p->nr - 1] = pg;
	*err = 0;
	return va;
}

void guest_unpin_all(struct hv *hv, struct guest_pins *p)
{
	if (!p->nr)
		return;
	for (struct guest_pins **pp = &hv->pins;; pp = &(*pp)->next) {
		BUG_ON(!*pp); /* a set with pins is always listed */
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	for (unsigned int i = 0; i < p->nr; i++)
		mm_put_page(hv, p->pg[i]);
	p->nr = 0;
	p->next = NULL;
}

int guest_pins_audit_refs(struct hv *hv, uint32_t *refs, char *buf, size_t len)
{
	for (struct guest_pins *p = hv->pins; p; p = p->next) {
		if (!p->nr) {
			snprintf(buf, len, "an empty pin set is listed");
			return -1;
		}
		for (unsigned int i = 0; i < p->nr; i++) {
			struct page_info *pg = p->pg[i];

			if (pg->state != PGS_inuse) {
				snprintf(buf, len, "pinned mfn %" PRI_mfn " is not in use",
					 mfn_x(page_to_mfn(&hv->ft, pg)));
				return -1;
			}
			refs[page_to_pdx(&hv->ft, pg)]++;
		}
	}
	return 0;
}
