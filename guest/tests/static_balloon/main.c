/*
 * Ballooning static memory (docs/static-memory.md) from inside the domain.
 * The mode comes from the bootargs:
 *
 *   static=packed  a static domain whose banks are packed into its RAM:
 *                  pages given back leave its reservation and wait on its
 *                  reserved list; populate takes them back one at a time
 *                  (order 0 only: a larger order is refused with partial
 *                  completion 0), scrubbed; with the list empty nothing
 *                  more can be populated.
 *   static=direct  a direct-mapped static domain: pages given back stay
 *                  its own (the reservation does not drop) and can only be
 *                  populated back at gfn == mfn of a page it owns and has
 *                  unmapped, in any order; they come back with their data,
 *                  since they are the very same frames.
 *
 * Both modes first write a pattern over all the RAM they can allocate and
 * at the end check that every page not ballooned still holds it. Pages are
 * populated back in the order they were given back, so a packed domain
 * gets each frame back at its old address (its reserved list is FIFO): the
 * driver (tests/guest/static_balloon.c) checks that the P2M is then exactly
 * as built and that the domain's frames are exactly its banks.
 */
#include <libfdt.h>
#include <string.h>

#include <rt/dt.h>
#include <rt/hypercall.h>
#include <rt/mm.h>
#include <rt/test.h>

const char test_title[] = "static memory: balloon out and back with data checks";

#define SB_MAX_BANKS 8
#define SB_MAX_CHUNKS 256
#define SB_N 64 /* pages ballooned (32 aligned pairs in direct mode) */

struct chunk {
	uint64_t pa;
	unsigned long n;
};

static long cur_pages(void)
{
	domid_t self = DOMID_SELF;

	return HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
}

static long max_pages(void)
{
	domid_t self = DOMID_SELF;

	return HYPERVISOR_memory_op(XENMEM_maximum_reservation, &self);
}

/* One reservation call over frames[] (guest memory). */
static long resv(unsigned int op, xen_pfn_t *frames, unsigned long n, unsigned int order)
{
	struct xen_memory_reservation r = {
		.nr_extents = n,
		.extent_order = order,
		.domid = DOMID_SELF,
	};

	set_xen_guest_handle(r.extent_start, rt_handle(frames));
	return HYPERVISOR_memory_op(op, &r);
}

/* A one-extent call at gfn. */
static long resv1(unsigned int op, xen_pfn_t *scratch, uint64_t gfn, unsigned int order)
{
	scratch[0] = gfn;
	return resv(op, scratch, 1, order);
}

static uint64_t pattern(uint64_t pa, uint64_t seed)
{
	return (pa * 0x9e3779b97f4a7c15ULL) ^ seed;
}

static void fill_page(uint64_t pa, uint64_t seed)
{
	uint64_t *w = rt_phys_to_virt(pa);

	for (unsigned int i = 0; i < RT_PAGE_SIZE / 8; i++)
		w[i] = pattern(pa + 8 * i, seed);
}

static bool page_holds(uint64_t pa, uint64_t seed)
{
	const uint64_t *w = rt_phys_to_virt(pa);

	for (unsigned int i = 0; i < RT_PAGE_SIZE / 8; i++)
		if (w[i] != pattern(pa + 8 * i, seed))
			return false;
	return true;
}

static bool page_zero(uint64_t pa)
{
	const uint64_t *w = rt_phys_to_virt(pa);

	for (unsigned int i = 0; i < RT_PAGE_SIZE / 8; i++)
		if (w[i])
			return false;
	return true;
}

/* The first page of l[] that is not zero (want_data: does not hold pattern 1). */
static uint64_t first_bad(const xen_pfn_t *l, unsigned long n, bool want_data)
{
	for (unsigned long i = 0; i < n; i++)
		if (want_data ? !page_holds(l[i] << 12, 1) : !page_zero(l[i] << 12))
			return l[i];
	return 0;
}

static const char *mode(void)
{
	int chosen = fdt_path_offset(rt_dt(), "/chosen");
	const char *s = chosen >= 0 ? fdt_getprop(rt_dt(), chosen, "bootargs", NULL) : NULL;
	const char *m = s ? strstr(s, "static=") : NULL;

	if (!m)
		return "";
	m += strlen("static=");
	if (!strncmp(m, "packed", 6) && (m[6] == '\0' || m[6] == ' '))
		return "packed";
	if (!strncmp(m, "direct", 6) && (m[6] == '\0' || m[6] == ' '))
		return "direct";
	return "";
}

/* Every page the allocator still has, in chunks as large as it gives. */
static unsigned int grab_all(struct chunk *c, unsigned long *pages)
{
	unsigned int nr = 0;
	unsigned long want = 512;

	*pages = 0;
	while (want && nr < SB_MAX_CHUNKS) {
		void *p = rt_alloc_pages(want);

		if (!p) {
			want /= 2;
			continue;
		}
		c[nr++] = (struct chunk){rt_virt_to_phys(p), want};
		*pages += want;
	}
	return nr;
}

static bool in_list(const xen_pfn_t *l, unsigned long n, uint64_t gfn)
{
	for (unsigned long i = 0; i < n; i++)
		if (l[i] == gfn)
			return true;
	return false;
}

/*
 * Chooses SB_N data pages spread over all chunks, as SB_N / 2 aligned
 * pairs (gfn even, gfn + 1) so that direct mode can also populate an
 * order-1 extent. Returns how many it found.
 */
static unsigned long choose(const struct chunk *c, unsigned int nr, unsigned long pages,
			    xen_pfn_t *out)
{
	unsigned long n = 0, step = pages / (SB_N / 2), seen = 0, next = step / 2;

	for (unsigned int i = 0; i < nr && n < SB_N; i++) {
		for (unsigned long k = 0; k + 1 < c[i].n && n < SB_N; k++) {
			uint64_t gfn = (c[i].pa >> 12) + k;

			if (seen + k < next || (gfn & 1))
				continue;
			out[n++] = gfn;
			out[n++] = gfn + 1;
			next += step;
			k++;
		}
		seen += c[i].n;
	}
	return n;
}

/* Every data page not in out[] still holds the first pattern. */
static unsigned long count_damaged(const struct chunk *c, unsigned int nr, const xen_pfn_t *out,
				   unsigned long n)
{
	unsigned long bad = 0;

	for (unsigned int i = 0; i < nr; i++)
		for (unsigned long k = 0; k < c[i].n; k++) {
			uint64_t pa = c[i].pa + k * RT_PAGE_SIZE;

			if (!in_list(out, n, pa >> 12) && !page_holds(pa, 1))
				bad++;
		}
	return bad;
}

static void packed(xen_pfn_t *out, unsigned long n, xen_pfn_t *scratch, uint64_t ram_end,
		   long ram_pages)
{
	long r;

	r = resv(XENMEM_decrease_reservation, out, n, 0);
	rt_check(r == (long)n, "decrease_reservation of %lu pages returned %ld", n, r);
	rt_check(cur_pages() == ram_pages - (long)n, "reservation %ld after giving back %lu, "
		 "expected %ld", cur_pages(), n, ram_pages - (long)n);
	r = resv(XENMEM_decrease_reservation, out, n, 0);
	rt_check(r == 0, "decrease of pages already given back returned %ld", r);

	/* Larger orders are refused before anything is taken (partial completion 0). */
	scratch[0] = out[0];
	scratch[1] = out[2];
	r = resv(XENMEM_populate_physmap, scratch, 2, 1);
	rt_check(r == 0, "populate of two order-1 extents returned %ld, expected 0", r);
	r = resv1(XENMEM_populate_physmap, scratch, out[0], 9);
	rt_check(r == 0, "populate of an order-9 extent returned %ld, expected 0", r);
	rt_check(cur_pages() == ram_pages - (long)n, "reservation %ld after refused populates, "
		 "expected %ld", cur_pages(), ram_pages - (long)n);

	/* Order 0, in the order given back: each frame returns to its gfn. */
	r = resv(XENMEM_populate_physmap, out, n, 0);
	rt_check(r == (long)n, "populate of %lu pages (order 0) returned %ld", n, r);
	rt_check(cur_pages() == ram_pages, "reservation %ld after populating back, expected %ld",
		 cur_pages(), ram_pages);
	/* The reserved list is empty now: nothing more, anywhere. */
	r = resv1(XENMEM_populate_physmap, scratch, ram_end >> 12, 0);
	rt_check(r == 0, "populate past the static banks returned %ld, expected 0", r);
	rt_check(cur_pages() == ram_pages, "reservation %ld after a refused populate, expected %ld",
		 cur_pages(), ram_pages);

	/* Every freed static page is scrubbed before anyone can map it again. */
	r = 0;
	for (unsigned long i = 0; i < n; i++)
		r += !page_zero(out[i] << 12);
	rt_check(r == 0, "%ld of %lu pages came back with data (first %#llx)", r, n,
		 (unsigned long long)first_bad(out, n, false));
}

static void direct(const struct chunk *c, unsigned int nr, xen_pfn_t *out, unsigned long n,
		   xen_pfn_t *scratch, uint64_t ram_end, long ram_pages,
		   const struct rt_range *region0)
{
	uint64_t mapped = 0;
	long r;

	/* A data page that stays mapped. */
	for (unsigned int i = 0; i < nr && !mapped; i++)
		for (unsigned long k = 0; k < c[i].n && !mapped; k++)
			if (!in_list(out, n, (c[i].pa >> 12) + k))
				mapped = (c[i].pa >> 12) + k;

	r = resv(XENMEM_decrease_reservation, out, n, 0);
	rt_check(r == (long)n, "decrease_reservation of %lu pages returned %ld", n, r);
	/* The domain keeps the frames: its reservation does not drop. */
	rt_check(cur_pages() == ram_pages, "reservation %ld after giving back %lu, expected %ld "
		 "(a direct-mapped domain keeps its frames)", cur_pages(), n, ram_pages);

	/* Only gfn == mfn of an owned, unmapped page is accepted. */
	r = resv1(XENMEM_populate_physmap, scratch, ram_end >> 12, 0);
	rt_check(r == 0, "populate of gfn %#llx (not an owned frame) returned %ld",
		 (unsigned long long)(ram_end >> 12), r);
	if (region0->size) {
		r = resv1(XENMEM_populate_physmap, scratch, region0->base >> 12, 0);
		rt_check(r == 0, "populate in region 0 (no frame there) returned %ld", r);
	}
	r = resv1(XENMEM_populate_physmap, scratch, mapped, 0);
	rt_check(r == 0, "populate over a page still mapped returned %ld", r);
	r = resv1(XENMEM_populate_physmap, scratch, out[1], 1);
	rt_check(r == 0, "misaligned order-1 populate returned %ld", r);
	/* Half of an order-1 extent is not ballooned: refused as a whole. */
	r = resv1(XENMEM_populate_physmap, scratch, mapped & ~1ULL, 1);
	rt_check(r == 0, "order-1 populate over a mapped page returned %ld", r);

	/* Any order is fine at gfn == mfn: the first pair in one extent. */
	r = resv1(XENMEM_populate_physmap, scratch, out[0], 1);
	rt_check(r == 1, "order-1 populate of an owned pair returned %ld", r);
	r = resv(XENMEM_populate_physmap, out + 2, n - 2, 0);
	rt_check(r == (long)n - 2, "populate of %lu pages (order 0) returned %ld", n - 2, r);
	rt_check(cur_pages() == ram_pages, "reservation %ld at the end, expected %ld", cur_pages(),
		 ram_pages);

	/* The very same frames came back: they still hold their data. */
	r = 0;
	for (unsigned long i = 0; i < n; i++)
		r += !page_holds(out[i] << 12, 1);
	rt_check(r == 0, "%ld of %lu pages came back without their data (first %#llx)", r, n,
		 (unsigned long long)first_bad(out, n, true));
}

void test_main(void)
{
	const void *fdt = rt_dt();
	const char *m = mode();
	struct rt_range banks[SB_MAX_BANKS], region0 = {0, 0};
	unsigned int nb = rt_dt_memory(fdt, banks, SB_MAX_BANKS), nr;
	long ram_pages = 0, r;
	uint64_t ram_end = 0;
	struct chunk *c = rt_alloc_pages(1);
	xen_pfn_t *out = rt_alloc_pages(1), *scratch = rt_alloc_pages(1);
	unsigned long data, n;
	int hyp = rt_dt_hypervisor(fdt);

	if (!*m) {
		rt_test_error("bootargs must say static=packed or static=direct");
		return;
	}
	if (!c || !out || !scratch || !nb) {
		rt_test_error("no guest pages or no memory node");
		return;
	}
	if (hyp >= 0)
		rt_dt_reg(fdt, hyp, 0, &region0);
	for (unsigned int i = 0; i < nb; i++) {
		ram_pages += (long)(banks[i].size >> 12);
		if (banks[i].base + banks[i].size > ram_end)
			ram_end = banks[i].base + banks[i].size;
	}
	rt_printf("mode %s: %u RAM bank(s), %ld pages, ends at %#llx\n", m, nb, ram_pages,
		  (unsigned long long)ram_end);
	/* A static domain holds exactly its banks, and can hold no more. */
	r = cur_pages();
	rt_check(r == ram_pages, "reservation %ld at start, RAM is %ld pages", r, ram_pages);
	r = max_pages();
	rt_check(r == ram_pages, "maximum reservation %ld, RAM is %ld pages", r, ram_pages);

	nr = grab_all(c, &data);
	for (unsigned int i = 0; i < nr; i++)
		for (unsigned long k = 0; k < c[i].n; k++)
			fill_page(c[i].pa + k * RT_PAGE_SIZE, 1);
	n = choose(c, nr, data, out);
	rt_printf("pattern written over %lu pages in %u chunks; ballooning %lu of them\n", data, nr,
		  n);
	if (n != SB_N) {
		rt_test_error("only %lu pages to balloon", n);
		return;
	}

	if (!strcmp(m, "packed"))
		packed(out, n, scratch, ram_end, ram_pages);
	else
		direct(c, nr, out, n, scratch, ram_end, ram_pages, &region0);

	r = (long)count_damaged(c, nr, out, n);
	rt_check(r == 0, "%ld pages not ballooned lost their data", r);
	/* The pages that came back are ordinary RAM again. */
	for (unsigned long i = 0; i < n; i++)
		fill_page(out[i] << 12, 2);
	r = 0;
	for (unsigned long i = 0; i < n; i++)
		r += !page_holds(out[i] << 12, 2);
	rt_check(r == 0, "%ld pages that came back do not hold what was written", r);
	rt_printf("%lu pages out and back, %lu other pages intact\n", n, data - n);
}
