/*
 * IOREQ servers and the invalidate requests of the PV IOMMU.
 *
 * Design: see hv/ioreq.h. Delivery of IOREQ_TYPE_INVALIDATE follows the
 * draft: the buffered ring first; when it is full, the synchronous slot.
 * The 64-bit BFN does not fit a 32-bit buffered slot, so it goes as one
 * 8-byte request (size field 3) over two consecutive slots, the low half
 * in the first slot's data and the high half in the second's, the way
 * buffered writes of 8 bytes are split. The producer writes the slots,
 * then (after a release fence) advances write_pointer; the emulator owns
 * read_pointer. Both pointers run freely; the ring holds
 * write_pointer - read_pointer slots.
 *
 * Safety does not depend on the emulator reading anything: a mapping it is
 * told about keeps its reference until it unmaps it (or is swapped to the
 * scratch frame by the hypervisor), so a slow or dead emulator only delays
 * the frame's return to the heap. When both paths are busy the request is
 * owed (pending) and sent again on the emulator's next iommu_op.
 */
#include <errno.h>
#include <string.h>

#include <hv/guest_access.h>
#include <hv/hv.h>
#include <hv/ioreq.h>
#include <public/xen.h>

int ioreq_server_create(struct domain *emu, struct domain *target, gfn_t buf_gfn, gfn_t sync_gfn,
			ioservid_t *id)
{
	struct hv *hv = emu->hv;
	struct ioreq_server **head, *s;
	unsigned int cand;

	if (emu == target || !domain_may_map(emu, target) || target->state == DOMS_dying)
		return -EPERM;
	head = iommu_ioreq_list(emu);
	if (!head)
		return -ENOMEM;
	/* Smallest id not used by any server of this target. */
	for (cand = 0; cand <= UINT16_MAX; cand++)
		if (!ioreq_server_find(hv, target->id, (ioservid_t)cand))
			break;
	if (cand > UINT16_MAX)
		return -ENOSPC;
	s = hv_calloc(hv, 1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->emulator = emu;
	s->target = target->id;
	s->id = (ioservid_t)cand;
	s->buf_gfn = buf_gfn;
	s->sync_gfn = sync_gfn;
	s->next = *head;
	*head = s;
	*id = s->id;
	hv_info(hv, "d%u: IOREQ server %u for d%u created", emu->id, s->id, target->id);
	return 0;
}

static void unlink_matching(struct domain *emu, domid_t target, bool any_id, ioservid_t id,
			    unsigned int *removed)
{
	struct ioreq_server **head = emu->iommu ? iommu_ioreq_list(emu) : NULL;

	if (!head)
		return;
	for (struct ioreq_server **pp = head; *pp;) {
		struct ioreq_server *s = *pp;

		if (s->target == target && (any_id || s->id == id)) {
			*pp = s->next;
			hv_free(s);
			(*removed)++;
		} else {
			pp = &s->next;
		}
	}
}

int ioreq_server_destroy(struct domain *emu, domid_t target, ioservid_t id)
{
	unsigned int n = 0;

	unlink_matching(emu, target, false, id, &n);
	return n ? 0 : -ENOENT;
}

struct ioreq_server *ioreq_server_find(struct hv *hv, domid_t target, ioservid_t id)
{
	for (struct domain *d = hv->domains; d; d = d->next) {
		struct ioreq_server **head;

		if (!d->iommu)
			continue;
		head = iommu_ioreq_list(d);
		for (struct ioreq_server *s = head ? *head : NULL; s; s = s->next)
			if (s->target == target && s->id == id)
				return s;
	}
	return NULL;
}

void ioreq_domain_destroy(struct domain *d)
{
	struct hv *hv = d->hv;
	unsigned int n = 0;

	if (d->iommu) {
		struct ioreq_server **head = iommu_ioreq_list(d);

		while (head && *head) {
			struct ioreq_server *s = *head;

			*head = s->next;
			hv_free(s);
		}
	}
	for (struct domain *e = hv->domains; e; e = e->next)
		if (e != d)
			unlink_matching(e, d->id, true, 0, &n);
}

/* Two slots on the buffered ring, or -EBUSY. */
static int send_buffered(struct ioreq_server *s, uint64_t bfn)
{
	struct domain *emu = s->emulator;
	paddr_t base;
	uint32_t ptr[2];
	struct buf_ioreq slot[2];

	if (gfn_eq(s->buf_gfn, INVALID_GFN))
		return -EBUSY;
	base = gfn_to_gaddr(s->buf_gfn);
	if (copy_from_guest_phys(emu, ptr, base + offsetof(struct buffered_iopage, read_pointer),
			    sizeof(ptr)))
		return -EBUSY;
	/* ptr[0] = read, ptr[1] = write; a bogus read_pointer only makes the
	 * ring look full or empty, it cannot make us write outside it. */
	if (ptr[1] - ptr[0] > IOREQ_BUFFER_SLOT_NUM - 2) {
		s->st.ring_full++;
		return -EBUSY;
	}
	memset(slot, 0, sizeof(slot));
	slot[0].type = IOREQ_TYPE_INVALIDATE;
	slot[0].dir = IOREQ_WRITE;
	slot[0].size = 3; /* 8 bytes: the next slot carries the high half */
	slot[0].data = (uint32_t)bfn;
	slot[1].type = IOREQ_TYPE_INVALIDATE;
	slot[1].dir = IOREQ_WRITE;
	slot[1].size = 3;
	slot[1].data = (uint32_t)(bfn >> 32);
	for (unsigned int k = 0; k < 2; k++) {
		paddr_t at = base + offsetof(struct buffered_iopage, buf_ioreq) +
			     ((ptr[1] + k) % IOREQ_BUFFER_SLOT_NUM) * sizeof(struct buf_ioreq);

		if (copy_to_guest_phys(emu, at, &slot[k], sizeof(slot[k])))
			return -EBUSY;
	}
	__atomic_thread_fence(__ATOMIC_RELEASE);
	ptr[1] += 2;
	if (copy_to_guest_phys(emu, base + offsetof(struct buffered_iopage, write_pointer), &ptr[1],
			  sizeof(ptr[1])))
		return -EBUSY;
	s->st.buffered++;
	return 0;
}

/* The synchronous slot (vcpu_ioreq[0]), or -EBUSY while it holds a request. */
static int send_sync(struct ioreq_server *s, uint64_t bfn)
{
	struct domain *emu = s->emulator;
	struct ioreq r;
	paddr_t at;

	if (gfn_eq(s->sync_gfn, INVALID_GFN))
		return -EBUSY;
	at = gfn_to_gaddr(s->sync_gfn) + offsetof(struct shared_iopage, vcpu_ioreq);
	if (copy_from_guest_phys(emu, &r, at, sizeof(r)))
		return -EBUSY;
	if (r.state != STATE_IOREQ_NONE)
		return -EBUSY;
	memset(&r, 0, sizeof(r));
	r.data = bfn;
	r.count = 1;
	r.size = 8;
	r.dir = IOREQ_WRITE;
	r.type = IOREQ_TYPE_INVALIDATE;
	r.state = STATE_IOREQ_NONE;
	if (copy_to_guest_phys(emu, at, &r, sizeof(r)))
		return -EBUSY;
	/* The request becomes visible only once it is complete. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	r.state = STATE_IOREQ_READY;
	if (copy_to_guest_phys(emu, at + 30, (const uint8_t *)&r + 30, 1))
		return -EBUSY;
	s->st.sync++;
	return 0;
}

int ioreq_send_invalidate(struct ioreq_server *s, uint64_t bfn)
{
	if (!send_buffered(s, bfn))
		return 0;
	if (!send_sync(s, bfn))
		return 0;
	s->st.backlog++;
	return -EBUSY;
}
