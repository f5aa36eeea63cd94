/*
 * memfd realization (see realize.h for the model).
 *
 * Cost model (docs/design.md, "What the host's KVM imposes"): each distinct mmap is one host VMA, so runs
 * arrive here already coalesced by the core; an unmap replaces the range
 * with an anonymous PROT_NONE mapping (which the kernel merges with its
 * PROT_NONE neighbours); releases punch holes in large ranges.
 */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hv/domain.h>
#include <hv/realize.h>
#include <hv/vec.h>

#include <common/guest_layout.h>

#include "realize.h"
#include "transport.h"

/* Linux 5.14; older headers may lack it (the probe then finds it refused). */
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
/* Linux 5.7 (5.13 for shared mappings); where it is refused, parked
 * ranges stay in place (struct vmm_park). */
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

/* The span of one last-level page table: ranges at the same offset in
 * such a block move by whole tables. */
#define PT_SPAN (2ULL << 20)

#define THP_SYSFS "/sys/kernel/mm/transparent_hugepage/"

/* What the prefault thread populates between two looks at its stop flag:
 * about a millisecond of host work here. */
#define PREFAULT_CHUNK (2ULL << 20)

static struct vmm *vmm_of(void *ctx) { return ctx; }

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int be_domain_create(void *ctx, struct domain *d)
{
	struct vmm *m = vmm_of(ctx);
	struct vmm_dom *vd = calloc(1, sizeof(*vd));
	int rc;

	if (!vd)
		return -ENOMEM;
	vd->d = d;
	vd->window_size = 1ULL << d->p2m.gpaddr_bits;
	/* Aligned to a page table's span, so that parking a 2 MiB-aligned
	 * guest range can move whole tables (struct vmm_park). */
	uint8_t *res = mmap(NULL, vd->window_size + PT_SPAN, PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (res == MAP_FAILED) {
		rc = -errno;
		free(vd);
		return rc;
	}
	vd->window = (uint8_t *)ALIGN_UP((uintptr_t)res, PT_SPAN);
	if (vd->window > res)
		munmap(res, (size_t)(vd->window - res));
	munmap(vd->window + vd->window_size, (size_t)(res + PT_SPAN - vd->window));
	d->backend_priv = vd;
	if (m->transport) {
		rc = m->transport->ops->create(m->transport, vd);
		/* A domain a toolstack builds gets its virtio-mmio devices at
		 * run time, when an IOREQ server claims a window after the
		 * domain has memory nearby: libxl's virtio-mmio space stays
		 * unbacked from the start, so that accesses there reach the
		 * VMM (KVM: a memory slot over it answers EFAULT, not an MMIO
		 * exit). No memory is ever there in libxl's guest map. */
		if (!rc && d->toolstack_created)
			rc = transport_add_device(m->transport, vd, GUEST_VIRTIO_MMIO_BASE,
						  ALIGN_UP((GUEST_VIRTIO_MMIO_SPI_LAST -
							    GUEST_VIRTIO_MMIO_SPI_FIRST + 1) *
							   GUEST_VIRTIO_MMIO_SIZE, PAGE_SIZE));
		if (rc) {
			if (m->transport->ops->destroy)
				m->transport->ops->destroy(m->transport, vd);
			munmap(vd->window, vd->window_size);
			free(vd);
			d->backend_priv = NULL;
			return rc;
		}
	}
	return 0;
}

/* --- background prefault (struct vmm_prefault) --- */

static void prefault_forget(struct vmm *m, struct vmm_dom *vd)
{
	size_t k = 0;

	for (size_t i = 0; i < m->pf.nr; i++)
		if (m->pf.r[i].vd != vd)
			m->pf.r[k++] = m->pf.r[i];
	m->pf.nr = k;
}

/* Keeps [gaddr, gaddr+len) of vd's window for the thread; false without
 * memory (the caller then populates it at once). */
static bool prefault_record(struct vmm *m, struct vmm_dom *vd, uint64_t gaddr, uint64_t len)
{
	struct vmm_prefault_range *last = m->pf.nr ? &m->pf.r[m->pf.nr - 1] : NULL;

	if (last && last->vd == vd && last->gaddr + last->len == gaddr) {
		last->len += len;
		return true;
	}
	if (VEC_RESERVE(m->pf.r, m->pf.cap, m->pf.nr + 1, 16))
		return false;
	m->pf.r[m->pf.nr++] = (struct vmm_prefault_range){vd, gaddr, len};
	return true;
}

/* Where the thread is in one domain's ranges. */
struct prefault_cursor {
	struct vmm_dom *vd;
	uint64_t total, done; /* bytes */
	size_t next;          /* its range being populated, or nr when done */
	uint64_t off;         /* into that range */
};

static size_t prefault_next_range(const struct vmm_prefault *pf, struct vmm_dom *vd, size_t from)
{
	while (from < pf->nr && pf->r[from].vd != vd)
		from++;
	return from;
}

static void *prefault_thread(void *arg)
{
	struct vmm *m = arg;
	struct vmm_prefault *pf = &m->pf;
	struct prefault_cursor *c = calloc(pf->nr, sizeof(*c));
	size_t nc = 0;

	if (!c)
		goto out;
	for (size_t i = 0; i < pf->nr; i++) {
		size_t k = 0;

		while (k < nc && c[k].vd != pf->r[i].vd)
			k++;
		if (k == nc)
			c[nc++] = (struct prefault_cursor){pf->r[i].vd, 0, 0, i, 0};
		c[k].total += pf->r[i].len;
	}
	while (!__atomic_load_n(&pf->stop, __ATOMIC_ACQUIRE)) {
		struct prefault_cursor *pick = NULL;
		const struct vmm_prefault_range *r;
		uint64_t n;

		/* The domain with the smallest share of its RAM done goes next,
		 * so that each guest finds its first pages ready early. */
		for (size_t k = 0; k < nc; k++)
			if (c[k].next < pf->nr &&
			    (!pick || (double)c[k].done / (double)c[k].total <
					      (double)pick->done / (double)pick->total))
				pick = &c[k];
		if (!pick)
			break;
		r = &pf->r[pick->next];
		n = MIN(PREFAULT_CHUNK, r->len - pick->off);
		/* Fails (EINVAL) where the range was unmapped since: skipped. */
		if (!madvise(pick->vd->window + r->gaddr + pick->off, n, MADV_POPULATE_READ))
			pf->bytes += n;
		pick->off += n;
		pick->done += n;
		if (pick->off == r->len) {
			pick->off = 0;
			pick->next = prefault_next_range(pf, pick->vd, pick->next + 1);
		}
	}
	free(c);
out:
	pf->ms = now_ms() - pf->t0;
	return NULL;
}

int vmm_prefault_start(struct vmm *m)
{
	struct vmm_prefault *pf = &m->pf;
	int rc;

	hv_lock(&m->hv);
	/* deferring is read by be_map, which a detached flush runs outside
	 * hv->lock (hv.h, "Locking"): none may be running while it changes. */
	hv_realize_quiesce(&m->hv);
	if (!pf->deferring) {
		hv_unlock(&m->hv);
		return 0;
	}
	pf->deferring = false;
	hv_unlock(&m->hv);
	pf->t0 = now_ms();
	pf->started = true;
	if (!pf->nr)
		return 0;
	pthread_mutex_lock(&pf->lock);
	rc = pthread_create(&pf->th, NULL, prefault_thread, m);
	pf->running = rc == 0;
	pthread_mutex_unlock(&pf->lock);
	/* Not started: populated here instead, slower to start, never less
	 * correct. */
	if (rc)
		prefault_thread(m);
	return -rc;
}

void vmm_prefault_stop(struct vmm *m)
{
	struct vmm_prefault *pf = &m->pf;

	pthread_mutex_lock(&pf->lock);
	if (pf->running) {
		__atomic_store_n(&pf->stop, 1, __ATOMIC_RELEASE);
		pthread_join(pf->th, NULL);
		pf->running = false;
	}
	pthread_mutex_unlock(&pf->lock);
}

/* The value in brackets of a THP sysfs setting ("always [madvise] never"),
 * or "" when the file cannot be read. */
static void thp_setting(const char *file, char *val, size_t len)
{
	char buf[128], *a, *b;
	FILE *f = fopen(file, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	val[0] = '\0';
	a = strchr(buf, '[');
	b = a ? strchr(a, ']') : NULL;
	if (b)
		snprintf(val, len, "%.*s", (int)(b - a - 1), a + 1);
}

/*
 * Huge pages for guest RAM, where the host allows them without being
 * reconfigured: shmem THP (the memfd's 2 MiB folios, asked for per mapping
 * with MADV_HUGEPAGE) when the 2 MiB size's shmem_enabled, or the global
 * one it inherits, is always, within_size, advise or force. Not hugetlb: a
 * hugetlbfs memfd refuses the 4 KiB-granular maps and hole punches the
 * realization makes (grant and foreign pages, decreases), so it could only
 * back domains that never use them. The choice and its reason go in
 * m->backing for the run report.
 */
static void choose_backing(struct vmm *m)
{
	char top[32], pmd[32];
	const char *eff;

	thp_setting(THP_SYSFS "shmem_enabled", top, sizeof(top));
	thp_setting(THP_SYSFS "hugepages-2048kB/shmem_enabled", pmd, sizeof(pmd));
	eff = pmd[0] && strcmp(pmd, "inherit") ? pmd : top;
	m->thp = !strcmp(eff, "always") || !strcmp(eff, "within_size") ||
		 !strcmp(eff, "advise") || !strcmp(eff, "force");
	if (m->thp)
		snprintf(m->backing, sizeof(m->backing),
			 "shmem transparent huge pages (2 MiB where guest and memfd ranges align, "
			 "else 4 KiB): the host's shmem THP setting is \"%s\"; "
			 "madvise(MADV_HUGEPAGE) on every guest mapping", eff);
	else
		snprintf(m->backing, sizeof(m->backing),
			 "4 KiB pages: shmem THP is \"%s\" on this host (%sshmem_enabled%s); "
			 "hugetlb not used (it refuses the 4 KiB maps and punches guests make)",
			 eff[0] ? eff : "unavailable", THP_SYSFS,
			 pmd[0] && strcmp(pmd, "inherit") ? ", 2048 kB size" : "");
}

/* Whether this kernel populates a range on request (MADV_POPULATE_READ). */
static bool can_populate(void)
{
	void *p = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	bool ok;

	if (p == MAP_FAILED)
		return false;
	ok = madvise(p, PAGE_SIZE, MADV_POPULATE_READ) == 0;
	munmap(p, PAGE_SIZE);
	return ok;
}

static void be_domain_destroy(void *ctx, struct domain *d)
{
	struct vmm *m = vmm_of(ctx);
	struct vmm_dom *vd = d->backend_priv;

	if (!vd)
		return;
	/* The prefault thread must be out of the window before it goes; a
	 * domain destroyed while the others run ends the background prefault
	 * for all (what is left faults in on demand). */
	vmm_prefault_stop(m);
	prefault_forget(m, vd);
	if (m->transport)
		m->transport->ops->destroy(m->transport, vd);
	munmap(vd->window, vd->window_size);
	for (unsigned int i = 0; i < VMM_PARK_SLOTS; i++)
		if (vd->park[i].res)
			munmap(vd->park[i].res, vd->park[i].res_len);
	free(vd);
	d->backend_priv = NULL;
}

/* --- parked ranges (struct vmm_park) --- */

/* Puts the PROT_NONE mapping of an unmapped range over [va, va+len) of a
 * window or reservation of ours. It cannot fail short of the VMA limit; a
 * stale mapping would let a guest reach memory it no longer owns, so that
 * is fatal. */
static void range_close(uint8_t *va, uint64_t len)
{
	if (mmap(va, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1,
		 0) == MAP_FAILED) {
		perror("memvisor: unmap of guest range failed");
		abort();
	}
}

/* A parked slot goes: the entries it holds outside the window with it. */
static void park_free(struct vmm_park *p)
{
	if (p->state == PARK_PARKED && p->at)
		range_close(p->at, p->nr << PAGE_SHIFT);
	p->at = NULL;
	p->state = PARK_FREE;
}

/* The window over [gaddr, gaddr+len) changes: no slot there holds any more. */
static void park_drop(struct vmm_dom *vd, uint64_t gaddr, uint64_t len)
{
	for (unsigned int i = 0; i < VMM_PARK_SLOTS; i++) {
		struct vmm_park *p = &vd->park[i];

		if (p->state != PARK_FREE && p->gaddr < gaddr + len &&
		    gaddr < p->gaddr + (p->nr << PAGE_SHIFT))
			park_free(p);
	}
}

static struct vmm_park *park_find(struct vmm_dom *vd, int state, uint64_t gaddr, uint64_t nr)
{
	for (unsigned int i = 0; i < VMM_PARK_SLOTS; i++) {
		struct vmm_park *p = &vd->park[i];

		if ((int)p->state == state && p->gaddr == gaddr && p->nr == nr)
			return p;
	}
	return NULL;
}

/* Remembers a fresh memfd mapping; a parked slot is never taken over (its
 * range would stay parked with nothing to drop it). */
static void park_note_live(struct vmm_dom *vd, uint64_t gaddr, uint64_t off, uint64_t nr,
			   int prot)
{
	struct vmm_park *p = park_find(vd, PARK_FREE, 0, 0);

	for (unsigned int i = 0; !p && i < VMM_PARK_SLOTS; i++)
		if (vd->park[i].state != PARK_PARKED)
			p = &vd->park[i];
	if (p) {
		p->gaddr = gaddr;
		p->off = off;
		p->nr = nr;
		p->prot = prot;
		p->at = NULL;
		p->state = PARK_LIVE;
	}
}

/* Where the slot's entries go for a range at va: in its reservation (made
 * or grown here), at va's offset in a page table's span. */
static uint8_t *park_place(struct vmm_park *p, const uint8_t *va, uint64_t len)
{
	uint64_t need = len + 2 * PT_SPAN;
	void *r;

	if (p->res && p->res_len < need) {
		munmap(p->res, p->res_len);
		p->res = NULL;
	}
	if (!p->res) {
		r = mmap(NULL, need, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (r == MAP_FAILED)
			return NULL;
		p->res = r;
		p->res_len = need;
	}
	return (uint8_t *)ALIGN_UP((uintptr_t)p->res, PT_SPAN) + ((uintptr_t)va & (PT_SPAN - 1));
}

/* Parks the live range p at va: its entries leave the window, or (mremap
 * refused) they stay behind PROT_NONE. False when neither worked. */
static bool park_out(struct vmm *m, struct vmm_park *p, uint8_t *va)
{
	uint64_t len = p->nr << PAGE_SHIFT;
	uint8_t *at = m->park_in_place ? NULL : park_place(p, va, len);

	if (at && mremap(va, len, len, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, at) !=
			  MAP_FAILED) {
		/* The window keeps an empty memfd mapping there: closed like
		 * any unmapped range. */
		range_close(va, len);
		p->at = at;
		return true;
	}
	p->at = NULL;
	return !mprotect(va, len, PROT_NONE);
}

/* Restores the parked range p at va with prot. False when it could not
 * (the caller then maps afresh). */
static bool park_in(struct vmm_park *p, uint8_t *va, int prot)
{
	uint64_t len = p->nr << PAGE_SHIFT;

	if (!p->at)
		return !mprotect(va, len, prot);
	if (mremap(p->at, len, len, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, va) ==
	    MAP_FAILED)
		return false;
	/* The reservation keeps an empty memfd mapping where they were. */
	range_close(p->at, len);
	p->at = NULL;
	if (prot != p->prot && mprotect(va, len, prot)) {
		/* Mapped but with the old access: the caller maps afresh. */
		return false;
	}
	p->prot = prot;
	return true;
}

static int park_audit(struct vmm *m, char *msg, size_t len)
{
	for (struct domain *d = m->hv.domains; d; d = d->next) {
		struct vmm_dom *vd = d->backend_priv;

		for (unsigned int i = 0; vd && i < VMM_PARK_SLOTS; i++) {
			const struct vmm_park *p = &vd->park[i];
			uint64_t size = p->nr << PAGE_SHIFT;

			if (p->state != PARK_PARKED)
				continue;
			/* Populating succeeds only where the range is readable. */
			if (!madvise(vd->window + p->gaddr, size, MADV_POPULATE_READ)) {
				snprintf(msg, len, "d%u: parked range %#" PRIx64 "+%#" PRIx64
					 " is readable through the window", d->id, p->gaddr, size);
				return -1;
			}
			if (!p->at)
				continue;
			if (p->at < p->res || p->at + size > p->res + p->res_len) {
				snprintf(msg, len, "d%u: parked range %#" PRIx64
					 " has its entries outside its slot's reservation", d->id, p->gaddr);
				return -1;
			}
			for (struct domain *e = m->hv.domains; e; e = e->next) {
				struct vmm_dom *ve = e->backend_priv;

				if (ve && p->at < ve->window + ve->window_size &&
				    ve->window < p->at + size) {
					snprintf(msg, len, "d%u: parked range %#" PRIx64
						 " has its entries in d%u's window", d->id, p->gaddr, e->id);
					return -1;
				}
			}
		}
	}
	return 0;
}

/* Under the audit's quiescence (hv.h): the domain list and every park slot
 * change only with hv->lock held or under the realization lock. */
int vmm_park_audit(struct vmm *m, char *msg, size_t len)
{
	int rc;

	hv_lock(&m->hv);
	hv_realize_quiesce(&m->hv);
	rc = park_audit(m, msg, len);
	hv_unlock(&m->hv);
	return rc;
}

static int be_map(void *ctx, struct domain *d, gfn_t gfn, mfn_t mfn, uint64_t off,
		  uint64_t nr, enum hv_access access)
{
	struct vmm *m = vmm_of(ctx);
	struct vmm_dom *vd = d->backend_priv;
	void *want, *got;
	int prot = access == HV_ACCESS_RW ? PROT_READ | PROT_WRITE : PROT_READ;
	int flags = MAP_SHARED | MAP_FIXED;
	double t0 = 0;
	bool defer = m->prefault && m->pf.deferring, populate_after = false;

	(void)mfn;
	if (!vd || off == HV_RAM_OFF_NONE)
		return -EINVAL;
	want = vd->window + gfn_to_gaddr(gfn);
	if (m->prefault && !defer) {
		struct vmm_park *p = park_find(vd, PARK_PARKED, gfn_to_gaddr(gfn), nr);

		if (p && p->off == off && park_in(p, want, prot)) {
			/* A punch since the park may have taken its pages. */
			if (p->punch_gen != m->punch_gen)
				madvise(want, nr << PAGE_SHIFT, MADV_POPULATE_READ);
			p->state = PARK_LIVE;
			m->st.restores++;
			goto mapped;
		}
	}
	if (m->prefault && !defer) {
		/* With THP the mapping must ask for huge pages before it is
		 * populated, so that is done after the mmap. */
		if (m->thp)
			populate_after = true;
		else
			flags |= MAP_POPULATE;
		t0 = now_ms();
	}
	got = mmap(want, nr << PAGE_SHIFT, prot, flags, m->memfd, (off_t)off);
	if (got == MAP_FAILED)
		return -errno;
	if (m->thp)
		madvise(got, nr << PAGE_SHIFT, MADV_HUGEPAGE);
	/* Not recorded (no memory): populated now, as without deferral. */
	if (defer && !prefault_record(m, vd, gfn_to_gaddr(gfn), nr << PAGE_SHIFT)) {
		t0 = now_ms();
		defer = false;
		populate_after = true;
	}
	if (populate_after)
		madvise(got, nr << PAGE_SHIFT, MADV_POPULATE_READ);
	if (m->prefault && !defer) {
		m->st.prefault_ms += now_ms() - t0;
		m->st.prefault_bytes += nr << PAGE_SHIFT;
	}
	m->st.mmaps++;
	vd->nr_mmaps++;
	park_drop(vd, gfn_to_gaddr(gfn), nr << PAGE_SHIFT);
	if (m->prefault)
		park_note_live(vd, gfn_to_gaddr(gfn), off, nr, prot);
mapped:
	vd->mapped_pages += nr;
	if (m->transport)
		return transport_add_memory(m->transport, vd, gfn_to_gaddr(gfn), nr << PAGE_SHIFT);
	return 0;
}

static void be_unmap(void *ctx, struct domain *d, gfn_t gfn, uint64_t nr)
{
	struct vmm *m = vmm_of(ctx);
	struct vmm_dom *vd = d->backend_priv;
	struct vmm_park *p;

	if (!vd)
		return;
	/* The window goes as a whole with its domain, and nothing runs. */
	if (m->closing)
		return;
	p = m->prefault ? park_find(vd, PARK_LIVE, gfn_to_gaddr(gfn), nr) : NULL;
	if (p && park_out(m, p, vd->window + gfn_to_gaddr(gfn))) {
		p->state = PARK_PARKED;
		p->punch_gen = m->punch_gen;
		m->st.parks++;
		m->st.parks_moved += p->at != NULL;
		goto unmapped;
	}
	park_drop(vd, gfn_to_gaddr(gfn), nr << PAGE_SHIFT);
	range_close(vd->window + gfn_to_gaddr(gfn), nr << PAGE_SHIFT);
unmapped:
	m->st.munmaps++;
	vd->mapped_pages = vd->mapped_pages >= nr ? vd->mapped_pages - nr : 0;
	if (m->transport)
		transport_remove_memory(m->transport, vd, gfn_to_gaddr(gfn), nr << PAGE_SHIFT);
}

static void be_release(void *ctx, mfn_t mfn, uint64_t off, uint64_t nr)
{
	struct vmm *m = vmm_of(ctx);

	(void)mfn;
	/* Closing the memfd frees all of it at once, without a punch per run
	 * (each of which must first look for the run in every mapping). */
	if (off == HV_RAM_OFF_NONE || m->closing)
		return;
	m->punch_gen++;
	if (fallocate(m->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off,
		      (off_t)(nr << PAGE_SHIFT)) == 0) {
		m->st.punches++;
		m->st.punched_bytes += nr << PAGE_SHIFT;
	} else {
		/* Without hole punching the frames must still read as zero. */
		memset(m->ram_va + off, 0, nr << PAGE_SHIFT);
	}
}

static void be_scrub(void *ctx, mfn_t mfn, uint64_t off, uint64_t nr)
{
	struct vmm *m = vmm_of(ctx);

	(void)mfn;
	if (off == HV_RAM_OFF_NONE || m->closing)
		return;
	/* The pages stay resident: the next map (MAP_POPULATE) only has to
	 * install them, instead of allocating and zeroing fresh ones after a
	 * punch. */
	memset(m->ram_va + off, 0, nr << PAGE_SHIFT);
	m->st.scrubs++;
	m->st.scrubbed_bytes += nr << PAGE_SHIFT;
}

/* Lock held (backend.h): forwarded to the transport, which only flags and
 * signals the vCPU's thread. */
static void be_vcpu_kick(void *ctx, struct domain *d, unsigned int vcpu)
{
	struct vmm *m = vmm_of(ctx);
	struct vmm_dom *vd = d->backend_priv;

	if (vd && vd->transport && m->transport)
		transport_vcpu_kick(m->transport, vd, vcpu);
}

/* Lock held (backend.h): the runner's hooks for domains a toolstack made
 * (vmm.dyn_*; none attached: nothing runs them). */
static void be_domain_pause_state(void *ctx, struct domain *d, bool paused)
{
	struct vmm *m = vmm_of(ctx);

	if (m->dyn_pause_state)
		m->dyn_pause_state(m->dyn_ctx, d, paused);
}

static int be_domain_stop(void *ctx, struct domain *d)
{
	struct vmm *m = vmm_of(ctx);

	return m->dyn_stop ? m->dyn_stop(m->dyn_ctx, d) : 0;
}

static const struct hv_backend_ops vmm_backend_ops = {
	.domain_create = be_domain_create,
	.domain_destroy = be_domain_destroy,
	.map = be_map,
	.unmap = be_unmap,
	.release = be_release,
	.scrub = be_scrub,
	.vcpu_kick = be_vcpu_kick,
	.domain_pause_state = be_domain_pause_state,
	.domain_stop = be_domain_stop,
};

int vmm_init(struct vmm *m, const struct vmm_config *cfg)
{
	struct hv_config hc;
	uint64_t total = 0;
	int rc;

	memset(m, 0, sizeof(*m));
	m->memfd = -1;
	pthread_mutex_init(&m->pf.lock, NULL);
	for (unsigned int i = 0; i < cfg->nr_banks; i++)
		total += cfg->banks[i][1];
	if (!total || cfg->nr_banks > FRAME_MAX_BANKS)
		return -EINVAL;
	m->memfd = memfd_create("memvisor-ram", MFD_CLOEXEC);
	if (m->memfd < 0)
		return -errno;
	if (ftruncate(m->memfd, (off_t)total) < 0) {
		rc = -errno;
		goto err_fd;
	}
	m->ram_va = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, m->memfd, 0);
	if (m->ram_va == MAP_FAILED) {
		rc = -errno;
		goto err_fd;
	}
	m->ram_size = total;
	choose_backing(m);
	if (m->thp)
		madvise(m->ram_va, total, MADV_HUGEPAGE);
	m->prefault = cfg->prefault;
	m->prefault_background = cfg->prefault && cfg->prefault_background && can_populate();
	m->pf.deferring = m->prefault_background;

	memset(&hc, 0, sizeof(hc));
	memcpy(hc.banks, cfg->banks, sizeof(hc.banks));
	hc.nr_banks = cfg->nr_banks;
	hc.ram_va = m->ram_va;
	hc.backend = &vmm_backend_ops;
	hc.backend_ctx = m;
	hc.log = cfg->log;
	hc.log_ctx = cfg->log_ctx;
	hc.log_level = cfg->log_level;
	hc.gpaddr_bits = cfg->gpaddr_bits;
	hc.release = cfg->release;
	hc.lazy_release = cfg->prefault || cfg->lazy_release;
	rc = hv_init(&m->hv, &hc);
	if (rc)
		goto err_map;
	return 0;

err_map:
	munmap(m->ram_va, total);
err_fd:
	close(m->memfd);
	m->memfd = -1;
	return rc;
}

void vmm_set_transport(struct vmm *m, struct transport *t)
{
	/* Domains created before have no VM: a misuse, not a guest mistake. */
	BUG_ON(m->hv.domains != NULL);
	m->transport = t;
}

void vmm_destroy(struct vmm *m)
{
	vmm_prefault_stop(m);
	/* Everything goes: the host work of the domains' teardown is done
	 * once, by the munmaps and the close below. */
	m->closing = true;
	hv_destroy(&m->hv);
	free(m->pf.r);
	m->pf.r = NULL;
	m->pf.nr = m->pf.cap = 0;
	pthread_mutex_destroy(&m->pf.lock);
	if (m->ram_va && m->ram_va != MAP_FAILED)
		munmap(m->ram_va, m->ram_size);
	if (m->memfd >= 0)
		close(m->memfd);
	m->memfd = -1;
}

const char *vmm_backing(const struct vmm *m)
{
	return m->backing;
}

bool vmm_backing_thp(const struct vmm *m)
{
	return m->thp;
}

uint64_t vmm_memfd_resident(const struct vmm *m)
{
	struct stat st;

	if (fstat(m->memfd, &st) < 0)
		return 0;
	return (uint64_t)st.st_blocks * 512;
}
