/*
 * Fuzz/soak/failure-walk environment (see fz_env.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/iommu.h>
#include <hv/p2m.h>
#include <hv/page.h>
#include <hv/realize.h>
#include <hv/staticmem.h>
#include <public/xen.h>

#include "fz_env.h"

uint64_t fz_total_calls, fz_total_audited;

/* ---- choice stream ---- */

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64*: fast, full period, good enough for choosing ops. */
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

uint8_t fz_u8(struct fz_in *in)
{
	if (in->rng)
		return (uint8_t)(rng_next(&in->rng) >> 56);
	return in->off < in->n ? in->p[in->off++] : 0;
}

uint16_t fz_u16(struct fz_in *in)
{
	return (uint16_t)(fz_u8(in) | (unsigned int)fz_u8(in) << 8);
}

uint32_t fz_u32(struct fz_in *in)
{
	return fz_u16(in) | (uint32_t)fz_u16(in) << 16;
}

uint64_t fz_u64(struct fz_in *in)
{
	return fz_u32(in) | (uint64_t)fz_u32(in) << 32;
}

unsigned int fz_below(struct fz_in *in, unsigned int n)
{
	return n <= 256 ? fz_u8(in) % n : fz_u32(in) % n;
}

/* ---- hypervisor and domains ---- */

static void fz_log(void *ctx, enum hv_log_level lvl, const char *msg)
{
	(void)ctx;
	if (getenv("MEMVISOR_FUZZ_LOG"))
		fprintf(stderr, "[hv %d] %s\n", (int)lvl, msg);
}

int fz_env_init(struct fz_env *e, unsigned int bank_mib)
{
	struct vmm_config cfg;
	int rc;

	memset(e, 0, sizeof(*e));
	memset(&cfg, 0, sizeof(cfg));
	cfg.banks[0][0] = GiB(1);
	cfg.banks[0][1] = MiB(bank_mib);
	cfg.banks[1][0] = GiB(4);
	cfg.banks[1][1] = MiB(bank_mib);
	cfg.nr_banks = 2;
	cfg.log = fz_log;
	cfg.log_level = HV_LOG_DEBUG;
	cfg.lazy_release = true; /* as `memvisor run` (prefault) */
	rc = vmm_init(&e->vmm, &cfg);
	if (rc)
		return rc;
	e->hv = &e->vmm.hv;
	/* SCHEDOP_block/poll return at once (a legal spurious wake-up): a
	 * single-threaded fuzzer has nobody to wake a sleeping vCPU. */
	e->hv->cfg.max_sleep_ns = 1;
	/* Static banks are taken out of the heap at boot, as the builder does. */
	hv_lock(e->hv);
	for (unsigned int i = 0; i < FZ_MAX_STATIC; i++) {
		e->static_base[i] = _mfn((GiB(4) >> PAGE_SHIFT) + 512 + i * FZ_STATIC_PAGES);
		rc = staticmem_claim(e->hv, e->static_base[i], FZ_STATIC_PAGES);
		if (rc)
			break;
	}
	hv_unlock(e->hv);
	if (rc) {
		vmm_destroy(&e->vmm);
		return rc;
	}
	return 0;
}

void fz_env_fini(struct fz_env *e)
{
	vmm_destroy(&e->vmm);
}

int fz_dom_create(struct fz_env *e, unsigned int i, enum fz_kind k)
{
	static const char *const names[] = {"plain", "priv", "static", "static11", "iommu",
					    "priv-iommu", "priv-relaxed", "priv-passthrough"};
	static const uint32_t flags[] = {0, DOMF_privileged, DOMF_static,
					 DOMF_static | DOMF_directmap, DOMF_iommu,
					 DOMF_privileged | DOMF_iommu,
					 DOMF_privileged | DOMF_iommu, DOMF_privileged};
	/* Other domains get the default (strict) context on first use. */
	static const struct iommu_params relaxed = {.present = true, .hwdom = IOMMU_HWDOM_RELAXED},
					 passthrough = {.present = true,
							.hwdom = IOMMU_HWDOM_PASSTHROUGH};
	bool is_static;
	struct domain_config cfg = {.domid = -1};
	struct domain *d;
	struct page_info *pg;
	int rc;

	if (i >= FZ_MAX_DOMS || e->dom[i])
		return -EINVAL;
	if ((k == FZ_STATIC || k == FZ_STATIC_1TO1) && e->nr_static_used == FZ_MAX_STATIC)
		k = FZ_PLAIN; /* static banks of destroyed domains are gone for good */
	cfg.name = names[k];
	cfg.flags = flags[k];
	is_static = k == FZ_STATIC || k == FZ_STATIC_1TO1;
	cfg.max_pages = is_static ? FZ_STATIC_PAGES : 2048;

	hv_lock(e->hv);
	d = domain_create(e->hv, &cfg, &rc);
	if (!d)
		goto out;
	if (k == FZ_PRIV_IOMMU_RELAXED || k == FZ_PRIV_PASSTHROUGH) {
		rc = iommu_domain_init(d, k == FZ_PRIV_PASSTHROUGH ? &passthrough : &relaxed);
		if (rc) {
			domain_destroy(d);
			d = NULL;
			goto out;
		}
	}
	if (is_static) {
		mfn_t base = e->static_base[e->nr_static_used];
		gfn_t at = k == FZ_STATIC_1TO1 ? _gfn(mfn_x(base)) : _gfn(FZ_SCRATCH_GFN);

		rc = staticmem_acquire_domstatic(d, base, FZ_STATIC_PAGES);
		if (!rc) {
			e->nr_static_used++;
			rc = p2m_set_range(d, at, base, FZ_STATIC_PAGES, p2m_ram_rw);
		}
		e->scratch[i] = gfn_x(at) << PAGE_SHIFT;
	} else {
		/* Scratch pages for hypercall arguments; counted in tot_pages. */
		pg = mm_alloc_domheap(d, 3, &rc);
		if (pg) {
			rc = p2m_set_range(d, _gfn(FZ_SCRATCH_GFN), page_to_mfn(&e->hv->ft, pg),
					   FZ_SCRATCH_PAGES, p2m_ram_rw);
			if (rc) {
				for (unsigned int k2 = 0; k2 < FZ_SCRATCH_PAGES; k2++)
					mm_drop_allocation(e->hv, pg + k2);
			}
		}
		e->scratch[i] = FZ_SCRATCH_GFN << PAGE_SHIFT;
	}
	if (rc) {
		domain_destroy(d);
		d = NULL;
	}
out:
	hv_realize_flush(e->hv);
	hv_unlock(e->hv);
	e->dom[i] = d;
	e->kind[i] = k;
	return d ? 0 : rc;
}

void fz_dom_destroy(struct fz_env *e, unsigned int i)
{
	if (i >= FZ_MAX_DOMS || !e->dom[i])
		return;
	hv_lock(e->hv);
	domain_destroy(e->dom[i]);
	hv_realize_flush(e->hv);
	hv_unlock(e->hv);
	e->dom[i] = NULL;
}

void fz_dom_target(struct fz_env *e, unsigned int i, unsigned int j)
{
	struct domain *d = e->dom[i], *t = e->dom[j];

	if (!d || !t || d->nr_targets == DOMAIN_MAX_TARGETS)
		return;
	hv_lock(e->hv);
	d->targets[d->nr_targets++] = t->id;
	hv_unlock(e->hv);
}

int fz_put(struct fz_env *e, unsigned int i, paddr_t gaddr, const void *p, size_t len)
{
	int rc;

	hv_lock(e->hv);
	rc = copy_to_guest_phys(e->dom[i], gaddr, p, len);
	hv_unlock(e->hv);
	return rc;
}

int fz_get(struct fz_env *e, unsigned int i, paddr_t gaddr, void *p, size_t len)
{
	int rc;

	hv_lock(e->hv);
	rc = copy_from_guest_phys(e->dom[i], p, gaddr, len);
	hv_unlock(e->hv);
	return rc;
}

int fz_audit(struct fz_env *e)
{
	e->audits++;
	if (!hv_audit(e->hv, e->why, sizeof(e->why)))
		return 0;
	if (!e->quiet)
		fprintf(stderr, "fuzz: audit failed after call %llu: %s\n",
			(unsigned long long)e->calls, e->why);
	e->failures++;
	if (e->strict)
		abort();
	return -1;
}

static int64_t call(struct fz_env *e, unsigned int i, struct hv_hcall *hc);

int64_t fz_call(struct fz_env *e, unsigned int i, uint64_t nr, uint64_t a0, uint64_t a1,
		uint64_t a2, uint64_t a3, uint64_t a4)
{
	struct hv_hcall hc = {.nr = nr, .args = {a0, a1, a2, a3, a4}};

	return call(e, i, &hc);
}

int64_t fz_call_paged(struct fz_env *e, unsigned int i, const struct hv_paging *pg, uint64_t nr,
		      uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct hv_hcall hc = {.nr = nr, .args = {a0, a1, a2}, .pg = *pg};

	return call(e, i, &hc);
}

static int64_t call(struct fz_env *e, unsigned int i, struct hv_hcall *hc)
{
	uint64_t nr = hc->nr, a0 = hc->args[0], a1 = hc->args[1];
	int64_t rc;

	e->calls++;
	fz_total_calls++;
	rc = hv_hypercall_run(e->hv, e->dom[i], hc);
	/* Xen errnos are small; the continuation code must never leak out. */
	if (rc < 0 && (rc < -200 || rc == HV_HCALL_CONTINUE)) {
		snprintf(e->why, sizeof(e->why),
			 "hypercall %llu (%#llx, %#llx) returned %lld: not a Xen errno",
			 (unsigned long long)nr, (unsigned long long)a0, (unsigned long long)a1,
			 (long long)rc);
		if (!e->quiet)
			fprintf(stderr, "fuzz: %s\n", e->why);
		e->failures++;
		if (e->strict)
			abort();
		return INT64_MIN;
	}
	if (e->audit_every <= 1 || e->calls % e->audit_every == 0) {
		if (fz_audit(e))
			return INT64_MIN;
		fz_total_audited++;
	}
	return rc;
}

/* ---- argument choosers ---- */

int fz_pick_dom(struct fz_env *e, struct fz_in *in)
{
	unsigned int start = fz_below(in, FZ_MAX_DOMS);

	for (unsigned int k = 0; k < FZ_MAX_DOMS; k++) {
		unsigned int i = (start + k) % FZ_MAX_DOMS;

		if (e->dom[i])
			return (int)i;
	}
	return -1;
}

uint16_t fz_pick_domid(struct fz_env *e, struct fz_in *in)
{
	uint8_t c = fz_u8(in);

	if (c < 64)
		return DOMID_SELF;
	if (c < 224) {
		int i = fz_pick_dom(e, in);

		return i < 0 ? DOMID_SELF : e->dom[i]->id;
	}
	switch (c & 7) {
	case 0: return DOMID_INVALID;
	case 1: return 0;
	case 2: return DOMID_FIRST_RESERVED;
	case 3: return DOMID_IO;
	default: return fz_u16(in);
	}
}

uint64_t fz_pick_gfn(struct fz_env *e, unsigned int i, struct fz_in *in)
{
	struct domain *d = e->dom[i];
	uint64_t max = d ? d->p2m.max_gfn : (1ULL << 28);
	uint64_t bases[] = {
		0, 0x200, 0x3fe00, FZ_SCRATCH_GFN, FZ_SCRATCH_GFN + FZ_SCRATCH_PAGES,
		GiB(1) >> PAGE_SHIFT, (GiB(1) >> PAGE_SHIFT) + 0x200, GiB(4) >> PAGE_SHIFT,
		e->scratch[i] >> PAGE_SHIFT, 0x80000, max - 0x200, max,
	};
	uint8_t c = fz_u8(in);

	if (c >= 250)
		return fz_u64(in);
	/* A small offset keeps collisions likely; a multiple of 512 keeps
	 * superpage alignment possible. */
	uint64_t off = (c & 0x80) ? (uint64_t)(fz_u8(in) & 7) << 9 : fz_u8(in) & 0x3f;

	return bases[c % ARRAY_SIZE(bases)] + off;
}

uint64_t fz_pick_ptr(struct fz_env *e, unsigned int i, struct fz_in *in, uint64_t off)
{
	uint8_t c = fz_u8(in);

	if (c < 240)
		return fz_gpa(e, i, off);
	switch (c & 7) {
	case 0: return 0;
	case 1: return fz_gpa(e, i, FZ_SCRATCH_PAGES * PAGE_SIZE - 4); /* straddles the end */
	case 2: return fz_gpa(e, i, off + 1);                          /* unaligned */
	case 3: return ~0ULL - 7;
	case 4: return 1ULL << 40;
	default: return fz_u64(in);
	}
}
