/*
 * Frame table and intrusive page lists.
 *
 * Design: frames of all RAM banks are numbered densely (pdx) so that the
 * table costs 24 bytes per RAM frame and nothing for holes between banks.
 * mfn -> pdx goes through the (few, sorted) banks; lists link frames by pdx
 * so that a link costs 4 bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hv/page.h>
#include <public/xen.h>

int frame_table_init(struct frame_table *ft, const paddr_t (*banks)[2], unsigned int nr,
		     uint8_t *ram_va)
{
	uint64_t total = 0, off = 0;

	memset(ft, 0, sizeof(*ft));
	if (nr == 0 || nr > FRAME_MAX_BANKS)
		return -EINVAL;
	for (unsigned int i = 0; i < nr; i++) {
		paddr_t s = banks[i][0], sz = banks[i][1];

		if (!IS_ALIGNED(s, PAGE_SIZE) || !IS_ALIGNED(sz, PAGE_SIZE) || sz == 0)
			return -EINVAL;
		if (s + sz < s)
			return -EINVAL;
		if (i && s < banks[i - 1][0] + banks[i - 1][1])
			return -EINVAL; /* unsorted or overlapping */
		total += sz >> PAGE_SHIFT;
	}
	if (total >= PDX_NONE)
		return -E2BIG;
	ft->pages = calloc(total, sizeof(*ft->pages));
	if (!ft->pages)
		return -ENOMEM;
	ft->nr_pages = total;
	ft->nr_banks = nr;
	ft->ram_va = ram_va;
	total = 0;
	for (unsigned int i = 0; i < nr; i++) {
		struct frame_bank *b = &ft->banks[i];

		b->start = maddr_to_mfn(banks[i][0]);
		b->nr = banks[i][1] >> PAGE_SHIFT;
		b->pdx = (uint32_t)total;
		b->ram_offset = off;
		total += b->nr;
		off += banks[i][1];
	}
	for (uint64_t p = 0; p < ft->nr_pages; p++) {
		struct page_info *pg = &ft->pages[p];

		/* Frames start broken: only what the heap or static memory
		 * claims becomes usable. */
		pg->state = PGS_broken;
		pg->owner = DOMID_INVALID;
		pg->next = pg->prev = PDX_NONE;
	}
	return 0;
}

void frame_table_destroy(struct frame_table *ft)
{
	free(ft->pages);
	ft->pages = NULL;
	ft->nr_pages = 0;
}

const struct frame_bank *frame_bank_search(const struct frame_table *ft, mfn_t mfn)
{
	unsigned int lo = 0, hi = ft->nr_banks;
	uint64_t m = mfn_x(mfn);

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;
		const struct frame_bank *b = &ft->banks[mid];

		if (m < mfn_x(b->start))
			hi = mid;
		else if (m >= mfn_x(b->start) + b->nr)
			lo = mid + 1;
		else
			return b;
	}
	return NULL;
}

mfn_t page_to_mfn_search(const struct frame_table *ft, uint64_t pdx)
{
	unsigned int lo = 0, hi = ft->nr_banks;

	BUG_ON(pdx >= ft->nr_pages);
	while (lo + 1 < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (pdx < ft->banks[mid].pdx)
			hi = mid;
		else
			lo = mid;
	}
	return mfn_add(ft->banks[lo].start, (int64_t)(pdx - ft->banks[lo].pdx));
}

void *frame_va(const struct frame_table *ft, mfn_t mfn)
{
	uint64_t off = 0;

	BUG_ON(!frame_ram_offset(ft, mfn, &off));
	return ft->ram_va + off;
}

void page_list_init(struct page_list *l)
{
	l->head = l->tail = PDX_NONE;
	l->count = 0;
}

void page_list_add_tail(struct frame_table *ft, struct page_list *l, struct page_info *pg,
			enum page_list_id id)
{
	uint32_t pdx = page_to_pdx(ft, pg);

	BUG_ON(pg->list != PGL_NONE);
	pg->next = PDX_NONE;
	pg->prev = l->tail;
	if (l->tail != PDX_NONE)
		ft->pages[l->tail].next = pdx;
	else
		l->head = pdx;
	l->tail = pdx;
	l->count++;
	pg->list = id;
}

void page_list_add_head(struct frame_table *ft, struct page_list *l, struct page_info *pg,
			enum page_list_id id)
{
	uint32_t pdx = page_to_pdx(ft, pg);

	BUG_ON(pg->list != PGL_NONE);
	pg->prev = PDX_NONE;
	pg->next = l->head;
	if (l->head != PDX_NONE)
		ft->pages[l->head].prev = pdx;
	else
		l->tail = pdx;
	l->head = pdx;
	l->count++;
	pg->list = id;
}

void page_list_del(struct frame_table *ft, struct page_list *l, struct page_info *pg)
{
	BUG_ON(pg->list == PGL_NONE || l->count == 0);
	if (pg->prev != PDX_NONE)
		ft->pages[pg->prev].next = pg->next;
	else
		l->head = pg->next;
	if (pg->next != PDX_NONE)
		ft->pages[pg->next].prev = pg->prev;
	else
		l->tail = pg->prev;
	pg->next = pg->prev = PDX_NONE;
	pg->list = PGL_NONE;
	l->count--;
}

struct page_info *page_list_first(const struct frame_table *ft, const struct page_list *l)
{
	return pdx_to_page(ft, l->head);
}

struct page_info *page_list_next(const struct frame_table *ft, const struct page_info *pg)
{
	return pdx_to_page(ft, pg->next);
}
