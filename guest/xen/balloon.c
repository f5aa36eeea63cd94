/*
 * Ballooned pages (see xen/balloon.h).
 *
 * A page is taken from the runtime's allocator, then its frame is given
 * back to the hypervisor with decrease_reservation; from then on the GFN
 * is empty and must not be touched until populated again. Invariant:
 * ballooned counts the frames currently given back by this module.
 */
#include <public/errno.h>
#include <rt/hypercall.h>
#include <rt/mm.h>
#include <xen/balloon.h>

static RT_TLS unsigned long ballooned;

static long reservation(unsigned int op, xen_pfn_t *frames, unsigned long n)
{
	struct xen_memory_reservation r = {
		.nr_extents = n,
		.extent_order = 0,
		.domid = DOMID_SELF,
	};

	set_xen_guest_handle(r.extent_start, rt_handle(frames));
	return HYPERVISOR_memory_op(op, &r);
}

/* Populates gfns again (after a failed or undone decrease). */
static int repopulate(xen_pfn_t *gfns, unsigned long n)
{
	for (unsigned long i = 0; i < n;) {
		unsigned long k = n - i < XBALLOON_BATCH ? n - i : XBALLOON_BATCH;
		long rc = reservation(XENMEM_populate_physmap, gfns + i, k);

		if (rc <= 0)
			return rc < 0 ? (int)rc : -XEN_ENOMEM;
		i += (unsigned long)rc;
	}
	return 0;
}

int xballoon_alloc(unsigned long nr, xen_pfn_t *gfns)
{
	unsigned long got = 0, done = 0;
	int rc = 0;

	/* 1. RAM pages, in contiguous chunks when the allocator has them. */
	while (got < nr) {
		unsigned long want = nr - got < XBALLOON_BATCH ? nr - got : XBALLOON_BATCH;
		uint8_t *p = NULL;

		while (want && !(p = rt_alloc_pages(want)))
			want /= 2;
		if (!p) {
			rt_printf("xen: balloon: out of RAM pages after %lu of %lu\n", got, nr);
			rc = -XEN_ENOMEM;
			goto err_free;
		}
		for (unsigned long i = 0; i < want; i++)
			gfns[got + i] = (rt_virt_to_phys(p) >> 12) + i;
		got += want;
	}
	/* 2. Give the frames back. */
	while (done < nr) {
		unsigned long k = nr - done < XBALLOON_BATCH ? nr - done : XBALLOON_BATCH;
		long r = reservation(XENMEM_decrease_reservation, gfns + done, k);

		if (r < 0 || (unsigned long)r > k) {
			rc = r < 0 ? (int)r : -XEN_EFAULT;
			goto err_repopulate;
		}
		done += (unsigned long)r;
		if ((unsigned long)r < k) {
			rt_printf("xen: balloon: decrease_reservation stopped at %lu of %lu\n", done,
				  nr);
			rc = -XEN_ENOMEM;
			goto err_repopulate;
		}
	}
	ballooned += nr;
	return 0;

err_repopulate:
	if (repopulate(gfns, done))
		rt_crash("xen: balloon: cannot populate ballooned frames again");
err_free:
	for (unsigned long i = 0; i < got; i++)
		rt_free_pages(rt_phys_to_virt(gfns[i] << 12), 1);
	return rc;
}

int xballoon_free(unsigned long nr, const xen_pfn_t *gfns)
{
	/* populate_physmap writes back into the array: work on a copy. */
	xen_pfn_t *tmp = rt_alloc_pages(1);
	int rc = 0;

	if (!tmp)
		return -XEN_ENOMEM;
	for (unsigned long i = 0; i < nr;) {
		unsigned long k = nr - i < XBALLOON_BATCH ? nr - i : XBALLOON_BATCH;

		for (unsigned long j = 0; j < k; j++)
			tmp[j] = gfns[i + j];
		rc = repopulate(tmp, k);
		if (rc)
			break;
		for (unsigned long j = 0; j < k; j++)
			rt_free_pages(rt_phys_to_virt(gfns[i + j] << 12), 1);
		ballooned -= k;
		i += k;
	}
	rt_free_pages(tmp, 1);
	return rc;
}

unsigned long xballoon_count(void)
{
	return ballooned;
}
