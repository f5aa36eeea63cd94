/*
 * Page allocator: a sorted array of free runs [base, base+pages), at most
 * RT_MM_RUNS of them. Invariants: runs are disjoint, non-adjacent (merged)
 * and ascending; every page in a run is RAM the guest may use.
 */
#include <string.h>

#include <rt/dt.h>
#include <rt/mm.h>

#define RT_MM_RUNS 128

struct run {
	uint64_t base, pages;
};

static RT_TLS struct run runs[RT_MM_RUNS];
static RT_TLS unsigned int nr_runs;

/* Arch hook: a range the image occupies that the device tree may not list. */
bool rt_arch_image_range(struct rt_range *r);

static void del_run(unsigned int i)
{
	memmove(&runs[i], &runs[i + 1], (nr_runs - i - 1) * sizeof(runs[0]));
	nr_runs--;
}

static bool ins_run(unsigned int i, uint64_t base, uint64_t pages)
{
	if (nr_runs == RT_MM_RUNS)
		return false;
	memmove(&runs[i + 1], &runs[i], (nr_runs - i) * sizeof(runs[0]));
	runs[i] = (struct run){base, pages};
	nr_runs++;
	return true;
}

/* Adds [base, base+pages) (must not overlap free runs), merging. */
static void add_free(uint64_t base, uint64_t pages)
{
	unsigned int i = 0;

	while (i < nr_runs && runs[i].base < base)
		i++;
	if (i > 0 && runs[i - 1].base + runs[i - 1].pages * RT_PAGE_SIZE == base) {
		runs[i - 1].pages += pages;
		if (i < nr_runs && base + pages * RT_PAGE_SIZE == runs[i].base) {
			runs[i - 1].pages += runs[i].pages;
			del_run(i);
		}
		return;
	}
	if (i < nr_runs && base + pages * RT_PAGE_SIZE == runs[i].base) {
		runs[i].base = base;
		runs[i].pages += pages;
		return;
	}
	ins_run(i, base, pages); /* full table: the pages are lost, not corrupted */
}

/* Removes [s, e) (page aligned) from every run. */
static void remove_range(uint64_t s, uint64_t e)
{
	for (unsigned int i = 0; i < nr_runs; i++) {
		uint64_t rs = runs[i].base, re = rs + runs[i].pages * RT_PAGE_SIZE;

		if (e <= rs || s >= re)
			continue;
		if (s <= rs && e >= re) {
			del_run(i--);
		} else if (s <= rs) {
			runs[i].base = e;
			runs[i].pages = (re - e) / RT_PAGE_SIZE;
		} else if (e >= re) {
			runs[i].pages = (s - rs) / RT_PAGE_SIZE;
		} else {
			runs[i].pages = (s - rs) / RT_PAGE_SIZE;
			if (ins_run(i + 1, e, (re - e) / RT_PAGE_SIZE))
				i++;
		}
	}
}

int rt_mm_init(const void *fdt)
{
	struct rt_range r[32];
	unsigned int n;

	nr_runs = 0;
	n = rt_dt_memory(fdt, r, RT_ARRAY_SIZE(r));
	for (unsigned int i = 0; i < n; i++) {
		uint64_t s = (r[i].base + RT_PAGE_SIZE - 1) & ~(RT_PAGE_SIZE - 1);
		uint64_t e = (r[i].base + r[i].size) & ~(RT_PAGE_SIZE - 1);
		if (s == 0)
			s = RT_PAGE_SIZE; /* never hand out page 0: it would look like NULL */
		if (e > s) {
			remove_range(s, e);
			add_free(s, (e - s) / RT_PAGE_SIZE);
		}
	}
	n = rt_dt_memreserve(fdt, r, RT_ARRAY_SIZE(r));
	for (unsigned int i = 0; i < n; i++)
		remove_range(r[i].base & ~(RT_PAGE_SIZE - 1),
			     (r[i].base + r[i].size + RT_PAGE_SIZE - 1) & ~(RT_PAGE_SIZE - 1));
	if (rt_arch_image_range(&r[0]))
		remove_range(r[0].base & ~(RT_PAGE_SIZE - 1),
			     (r[0].base + r[0].size + RT_PAGE_SIZE - 1) & ~(RT_PAGE_SIZE - 1));
	return nr_runs ? 0 : -1;
}

void *rt_alloc_pages(unsigned long n)
{
	for (unsigned int i = 0; n && i < nr_runs; i++) {
		uint64_t base;
		void *p;

		if (runs[i].pages < n)
			continue;
		base = runs[i].base;
		runs[i].base += n * RT_PAGE_SIZE;
		runs[i].pages -= n;
		if (!runs[i].pages)
			del_run(i);
		p = rt_phys_to_virt(base);
		memset(p, 0, n * RT_PAGE_SIZE);
		return p;
	}
	return NULL;
}

void rt_free_pages(void *p, unsigned long n)
{
	if (p && n)
		add_free(rt_virt_to_phys(p), n);
}

bool rt_claim_range(uint64_t pa, unsigned long n)
{
	uint64_t e = pa + n * RT_PAGE_SIZE;

	for (unsigned int i = 0; i < nr_runs; i++) {
		uint64_t rs = runs[i].base, re = rs + runs[i].pages * RT_PAGE_SIZE;
		if (pa >= rs && e <= re) {
			remove_range(pa, e);
			return true;
		}
	}
	return false;
}

uint64_t rt_free_page_count(void)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < nr_runs; i++)
		n += runs[i].pages;
	return n;
}
