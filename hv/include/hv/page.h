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

/* NULL when mfn is not RAM. */
struct page_info *mfn_to_page(const struct frame_table *ft, mfn_t mfn);
mfn_t page_to_mfn(const struct frame_table *ft, const struct page_info *pg);
const struct frame_bank *frame_bank_of(const struct frame_table *ft, mfn_t mfn);
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
bool frame_ram_offset(const struct frame_table *ft, mfn_t mfn, uint64_t *off);
/* Host pointer to the contents of a RAM frame (BUG if not RAM). */
void *frame_va(const struct frame_table *ft, mfn_t mfn);
/* True when [mfn, mfn+nr) lies inside one bank. */
bool frame_range_in_one_bank(const struct frame_table *ft, mfn_t mfn, uint64_t nr);

void page_list_init(struct page_list *l);
void page_list_add_tail(struct frame_table *ft, struct page_list *l, struct page_info *pg,
			enum page_list_id id);
void page_list_add_head(struct frame_table *ft, struct page_list *l, struct page_info *pg,
			enum page_list_id id);
void page_list_del(struct frame_table *ft, struct page_list *l, struct page_info *pg);
struct page_info *page_list_first(const struct frame_table *ft, const struct page_list *l);
struct page_info *page_list_next(const struct frame_table *ft, const struct page_info *pg);

#endif
