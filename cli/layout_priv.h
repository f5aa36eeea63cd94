/*
 * Pieces of `memvisor layout` shared by its host-DTB planner (layout.c)
 * and its libxl DomU planner (layout_domu.c): the text and JSON spellings,
 * so that both modes print spans and notes one way.
 */
#ifndef MEMVISOR_CLI_LAYOUT_PRIV_H
#define MEMVISOR_CLI_LAYOUT_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hv/extregion.h>

/* "512 MiB": the largest unit that divides v. */
void layout_human(char *buf, size_t n, uint64_t v);
/* One indented line "what start +size human tail". */
void layout_text_span(const char *what, paddr_t s, paddr_t size, const char *tail);
/* One "left out" line for a note. */
void layout_text_note(const struct ext_note *n);
/* The JSON "why" of a note. */
const char *layout_note_kind_name(enum ext_note_kind k);

/* `memvisor layout --domu-cfg FILE` (layout_domu.c): the process exit
 * status. ipa_bits 0: the hypervisor's default. */
int layout_domu_cmd(const char *file, enum xen_policy policy, unsigned int ipa_bits,
		    bool json, const char *dtb_out);

#endif
