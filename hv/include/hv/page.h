/*
 * Frame table functions: finding a frame's page_info, its bank and its
 * bytes, and the page lists. The data (struct page_info, struct
 * frame_table, struct page_list) and the frame table's invariants are in
 * mm_types.h, below every subsystem, so that struct hv can embed them.
 */
#ifndef HV_PAGE_H
#define HV_PAGE_H

#include <hv/mm_types.h>

struct hv;

int frame_table_init(struct frame_table *ft, const paddr_t (*banks)[2], unsigned int nr,
		     uint8_t *ram_va);
void frame_table_destroy(struct frame_table *ft);

/*
 * The lookups below run several times per frame of every memory_op, so
 * they are inline and try the first bank before searching: most machines
 * have one or two banks, and the search (frame.c) is then not reached.
 */
const struct frame_bank *frame_bank_search(const struct frame_table *ft, mfn_t mfn);
mfn_t page_to_mfn_search(const struct frame_table *ft, uint64_t pdx);

/* The bank holding mfn; NULL when mfn is not RAM. */
static inline const struct frame_bank *frame_bank_of(const struct frame_table *ft, mfn_t mfn)
{
	const struct frame_bank *b = &ft->banks[0];

	if (mfn_x(mfn) - mfn_x(b->start) < b->nr)
		return b;
	return ft->nr_banks > 1 ? frame_bank_search(ft, mfn) : NULL;
}
/* NULL when mfn is not RAM. */
static inline struct page_info *mfn_to_page(const struct frame_table *ft, mfn_t mfn)
{
	const struct frame_bank *b = frame_bank_of(ft, mfn);

	if (!b)
		return NULL;
	return &ft->pages[b->pdx + (mfn_x(mfn) - mfn_x(b->start))];
}
static inline mfn_t page_to_mfn(const struct frame_table *ft, const struct page_info *pg)
{
	uint64_t pdx = (uint64_t)(pg - ft->pages);

	if (pdx < ft->banks[0].nr)
		return mfn_add(ft->banks[0].start, (int64_t)pdx);
	return page_to_mfn_search(ft, pdx);
}
static inline uint32_t page_to_pdx(const struct frame_table *ft, const struct page_info *pg)
{
	return (uint32_t)(pg - ft->pages);
}
static inline struct page_info *pdx_to_page(const struct frame_table *ft, uint32_t pdx)
{
	return pdx == PDX_NONE ? NULL : &ft->pages[pdx];
}
/* Byte offset of a RAM frame in machine RAM (the memory ram_va maps);
 * false when mfn is not RAM. */
static inline bool frame_ram_offset(const struct frame_table *ft, mfn_t mfn, uint64_t *off)
{
	const struct frame_bank *b = frame_bank_of(ft, mfn);

	if (!b)
		return false;
	*off = b->ram_offset + ((mfn_x(mfn) - mfn_x(b->start)) << PAGE_SHIFT);
	return true;
}
/* Host pointer to the contents of a RAM frame (BUG if not RAM). */
void *frame_va(const struct frame_table *ft, mfn_t mfn);
/* True when [mfn, mfn+nr) lies inside one bank. */
static inline bool frame_range_in_one_bank(const struct frame_table *ft, mfn_t mfn, uint64_t nr)
{
	const struct frame_bank *b = frame_bank_of(ft, mfn);

	if (!b || nr == 0)
		return false;
	return mfn_x(mfn) + nr <= mfn_x(b->start) + b->nr && mfn_x(mfn) + nr > mfn_x(mfn);
}

void page_list_init(struct page_list *l);
void page_list_add_tail(struct frame_table *ft, struct page_list *l, struct page_info *pg,
			enum page_list_id id);
void page_list_add_head(struct frame_table *ft, struct page_list *l, struct page_info *pg,
			enum page_list_id id);
void page_list_del(struct frame_table *ft, struct page_list *l, struct page_info *pg);
struct page_info *page_list_first(const struct frame_table *ft, const struct page_list *l);
struct page_info *page_list_next(const struct frame_table *ft, const struct page_info *pg);

#endif
