/*
 * IOREQ servers: registry, ranges, pages, ports, the synchronous MMIO
 * protocol and the PV IOMMU's INVALIDATE requests.
 *
 * Design (see hv/ioreq.h for the model):
 * - Servers live in their target (d->ioreq, allocated at the first create,
 *   freed with the target), indexed by id like Xen's table; the emulator
 *   is a pointer, never dangling: ioreq_domain_destroy of either domain
 *   frees the server first.
 * - A standard server's pages are target frames allocated at create
 *   (zeroed here) as Xen's "extra" pages (PGC_extra: beyond max_pages,
 *   not in the target's reservation), whose allocation reference the
 *   server holds; acquire_resource mappings hold one reference each (mm/).
 *   Destroying the server drops its reference only.
 * - Per-vCPU ports are Xen-attached ports of the target (event/): the
 *   emulator's send on its bound end calls port_notify, which counts an
 *   answer for that vCPU and wakes it; our sends (evtchn_xen_send) make the
 *   emulator's end pending.
 * - INVALIDATE (PV IOMMU): the buffered ring first; when it is full, the
 *   synchronous slot of vCPU 0 (not waited for: the PV IOMMU's safety does
 *   not depend on the emulator, docs/pv-iommu.md) unless the server claims
 *   ranges (then the slots are its vCPUs'; the request stays owed). The 64-bit BFN goes as
 *   one 8-byte buffered request (size code 3) over two slots, low half
 *   first. The producer writes the slots, then (release fence) advances
 *   write_pointer; the emulator owns read_pointer; pointers run freely.
 *
 * Invariants (ioreq_audit): server[i]->id == i and its target is the
 * table's domain; a standard server's frames are in use, owned by the
 * target, allocated; its ports are Xen-attached ports of the target;
 * ranges are ordered pairs, at most IOREQ_MAX_RANGES, none overlapping
 * within a type; waiting[v] is a server of the table or NULL.
 *
 * A lying emulator (facts 6.5) can only hurt its target, never hold it
 * for good nor reach the hypervisor: NONE written back by it completes the
 * access with all ones; a state outside 0-3, or moved backwards from what
 * the waiting vCPU saw (seen_state), crashes the target; an answer in an
 * idle vCPU's slot is "bad IO state" at that vCPU's next access (crash, not
 * forwarded); a destroyed server releases its waiters with all ones.
 */
#include <errno.h>
#include <string.h>

#include <hv/audit_report.h>
#include <hv/event.h>
#include <hv/hv.h>
#include <hv/ioreq.h>
#include <hv/mm.h>
#include <hv/page.h>
#include <public/dm_op.h>
#include <public/event_channel.h>
#include <public/memory.h>
#include <public/xen.h>

static struct ioreq_domain *iod(const struct domain *d)
{
	return d->ioreq;
}

struct ioreq_server *ioreq_server_find(struct hv *hv, domid_t target, ioservid_t id)
{
	struct domain *t = domain_by_id(hv, target);

	if (!t || !iod(t) || id >= IOREQ_MAX_SERVERS)
		return NULL;
	return iod(t)->server[id];
}

struct ioreq_server *ioreq_server_get(struct domain *emu, struct domain *target, ioservid_t id,
				      int *err)
{
	struct ioreq_server *s = ioreq_server_find(emu->hv, target->id, id);

	if (!s) {
		*err = -ENOENT;
		return NULL;
	}
	if (s->emulator != emu) {
		*err = -EPERM;
		return NULL;
	}
	return s;
}

/* ------------------------------------------------------------------ */
/* Ports                                                               */

/* The emulator sent on its end of one of our ports (lock held). */
static void port_notify(void *ctx, struct domain *d, uint32_t port)
{
	struct ioreq_server *s = ctx;

	for (unsigned int v = 0; v < d->nr_vcpus && v < DOMAIN_MAX_VCPUS; v++) {
		if (s->vcpu_port[v] != port)
			continue;
		iod(d)->answered[v]++;
		d->st.ioreq_answers++;
		evtchn_vcpu_wake(d, v); /* the waiter re-checks its slot */
	}
}

static void free_ports(struct ioreq_server *s)
{
	struct domain *t = s->target_d;

	for (unsigned int v = 0; v < DOMAIN_MAX_VCPUS; v++)
		if (s->vcpu_port[v]) {
			evtchn_free_xen_port(t, s->vcpu_port[v]);
			s->vcpu_port[v] = 0;
		}
	if (s->buf_port) {
		evtchn_free_xen_port(t, s->buf_port);
		s->buf_port = 0;
	}
}

static int alloc_ports(struct ioreq_server *s)
{
	struct domain *t = s->target_d;
	int p;

	for (unsigned int v = 0; v < t->nr_vcpus && v < DOMAIN_MAX_VCPUS; v++) {
		p = evtchn_alloc_xen_port(t, s->emulator->id, port_notify, s);
		if (p < 0)
			goto err_port;
		s->vcpu_port[v] = (uint32_t)p;
	}
	if (s->bufioreq != HVM_IOREQSRV_BUFIOREQ_OFF) {
		p = evtchn_alloc_xen_port(t, s->emulator->id, port_notify, s);
		if (p < 0)
			goto err_port;
		s->buf_port = (uint32_t)p;
	}
	return 0;

err_port:
	free_ports(s);
	return p;
}

/* ------------------------------------------------------------------ */
/* Create / destroy                                                    */

static void put_frame(struct hv *hv, mfn_t *mfn)
{
	if (mfn_eq(*mfn, INVALID_MFN))
		return;
	mm_drop_allocation(hv, mfn_to_page(&hv->ft, *mfn));
	*mfn = INVALID_MFN;
}

static int alloc_frame(struct domain *t, mfn_t *mfn)
{
	struct page_info *pg;
	int err;

	pg = mm_alloc_extra(t, &err);
	if (!pg)
		return err;
	*mfn = page_to_mfn(&t->hv->ft, pg);
	memset(frame_va(&t->hv->ft, *mfn), 0, PAGE_SIZE);
	return 0;
}

static void server_free(struct ioreq_server *s)
{
	struct hv *hv = s->target_d->hv;
	struct ioreq_domain *io = iod(s->target_d);

	for (unsigned int v = 0; v < DOMAIN_MAX_VCPUS; v++)
		if (io->waiting[v] == s) {
			/* The waiter finds no server and gives up (all ones). */
			io->waiting[v] = NULL;
			evtchn_vcpu_wake(s->target_d, v);
		}
	io->server[s->id] = NULL;
	free_ports(s);
	put_frame(hv, &s->ioreq_mfn);
	put_frame(hv, &s->buf_mfn);
	for (unsigned int k = 0; k < IOREQ_NR_RANGE_TYPES; k++)
		hv_free(s->ranges[k]);
	hv_info(hv, "d%u: IOREQ server %u for d%u destroyed", s->emulator->id, s->id, s->target);
	hv_free(s);
}

int ioreq_server_create(struct domain *emu, struct domain *target, uint8_t bufioreq,
			ioservid_t *id)
{
	struct hv *hv = emu->hv;
	struct ioreq_server *s;
	unsigned int cand;
	int rc;

	if (emu == target || !domain_may_map(emu, target))
		return -EPERM;
	if (target->state == DOMS_dying)
		return -ESRCH;
	if (!target->ioreq) {
		target->ioreq = hv_calloc(hv, 1, sizeof(*target->ioreq));
		if (!target->ioreq)
			return -ENOMEM;
	}
	for (cand = 0; cand < IOREQ_MAX_SERVERS; cand++)
		if (!target->ioreq->server[cand])
			break;
	if (cand == IOREQ_MAX_SERVERS)
		return -ENOSPC;
	s = hv_calloc(hv, 1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->emulator = emu;
	s->target_d = target;
	s->target = target->id;
	s->id = (ioservid_t)cand;
	s->bufioreq = bufioreq;
	s->ioreq_mfn = s->buf_mfn = INVALID_MFN;
	rc = alloc_frame(target, &s->ioreq_mfn);
	if (rc)
		goto err_frames;
	if (bufioreq != HVM_IOREQSRV_BUFIOREQ_OFF) {
		rc = alloc_frame(target, &s->buf_mfn);
		if (rc)
			goto err_frames;
	}
	rc = alloc_ports(s);
	if (rc)
		goto err_frames;
	target->ioreq->server[cand] = s;
	*id = s->id;
	hv_info(hv, "d%u: IOREQ server %u for d%u created", emu->id, s->id, target->id);
	return 0;

err_frames:
	put_frame(hv, &s->ioreq_mfn);
	put_frame(hv, &s->buf_mfn);
	hv_free(s);
	return rc;
}

int ioreq_server_destroy(struct domain *emu, domid_t target, ioservid_t id)
{
	struct domain *t = domain_by_id(emu->hv, target);
	struct ioreq_server *s;
	int rc;

	if (!t)
		return -ENOENT;
	s = ioreq_server_get(emu, t, id, &rc);
	if (!s)
		return rc;
	server_free(s);
	return 0;
}

void ioreq_domain_destroy(struct domain *d)
{
	struct hv *hv = d->hv;

	for (struct domain *t = hv->domains; t; t = t->next) {
		if (!iod(t))
			continue;
		for (unsigned int i = 0; i < IOREQ_MAX_SERVERS; i++) {
			struct ioreq_server *s = iod(t)->server[i];

			if (s && (t == d || s->emulator == d))
				server_free(s);
		}
	}
	hv_free(d->ioreq);
	d->ioreq = NULL;
}

/* ------------------------------------------------------------------ */
/* Ranges and state                                                    */

int ioreq_server_map_range(struct ioreq_server *s, uint32_t type, uint64_t start, uint64_t end)
{
	struct ioreq_range *r;

	if (type >= IOREQ_NR_RANGE_TYPES || start > end)
		return -EINVAL;
	r = s->ranges[type];
	for (unsigned int i = 0; i < s->nr_ranges[type]; i++)
		if (start <= r[i].end && r[i].start <= end)
			return -EEXIST;
	if (s->nr_ranges[type] == IOREQ_MAX_RANGES)
		return -ENOSPC;
	if (!r) {
		r = hv_calloc(s->target_d->hv, IOREQ_MAX_RANGES, sizeof(*r));
		if (!r)
			return -ENOMEM;
		s->ranges[type] = r;
	}
	r[s->nr_ranges[type]++] = (struct ioreq_range){start, end};
	return 0;
}

int ioreq_server_unmap_range(struct ioreq_server *s, uint32_t type, uint64_t start,
			     uint64_t end)
{
	struct ioreq_range *r;

	if (type >= IOREQ_NR_RANGE_TYPES || start > end)
		return -EINVAL;
	r = s->ranges[type];
	for (unsigned int i = 0; i < s->nr_ranges[type]; i++) {
		if (start < r[i].start || end > r[i].end)
			continue;
		/* [start, end] leaves r[i]: what is left is 0, 1 or 2 pieces. */
		if (start > r[i].start && end < r[i].end) {
			if (s->nr_ranges[type] == IOREQ_MAX_RANGES)
				return -ENOSPC;
			r[s->nr_ranges[type]++] = (struct ioreq_range){end + 1, r[i].end};
			r[i].end = start - 1;
		} else if (start > r[i].start) {
			r[i].end = start - 1;
		} else if (end < r[i].end) {
			r[i].start = end + 1;
		} else {
			r[i] = r[--s->nr_ranges[type]];
		}
		return 0;
	}
	return -ENOENT;
}

static struct ioreq *slot_of(const struct ioreq_server *s, unsigned int vcpu)
{
	BUG_ON(mfn_eq(s->ioreq_mfn, INVALID_MFN) || vcpu >= PAGE_SIZE / sizeof(struct ioreq));
	return (struct ioreq *)frame_va(&s->target_d->hv->ft, s->ioreq_mfn) + vcpu;
}

int ioreq_server_set_state(struct ioreq_server *s, bool enabled)
{
	if (enabled && !s->enabled)
		/* vp_eport becomes valid now (pitfall 2): the emulator reads
		 * its vCPUs' ports from the page after enabling. */
		for (unsigned int v = 0; v < s->target_d->nr_vcpus && v < DOMAIN_MAX_VCPUS; v++)
			__atomic_store_n(&slot_of(s, v)->vp_eport, s->vcpu_port[v],
					 __ATOMIC_RELEASE);
	s->enabled = enabled;
	return 0;
}

int ioreq_resource_frame(struct domain *emu, struct domain *t, uint32_t id, uint64_t frame,
			 mfn_t *mfn)
{
	struct ioreq_server *s;
	int rc;

	if (id >= IOREQ_MAX_SERVERS)
		return -ENOENT;
	s = ioreq_server_get(emu, t, (ioservid_t)id, &rc);
	if (!s)
		return rc;
	if (frame == XENMEM_resource_ioreq_server_frame_bufioreq) {
		if (mfn_eq(s->buf_mfn, INVALID_MFN))
			return -ENOENT;
		*mfn = s->buf_mfn;
		return 0;
	}
	if (frame != (uint64_t)XENMEM_resource_ioreq_server_frame_ioreq(0))
		return -EINVAL;
	*mfn = s->ioreq_mfn;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The synchronous MMIO protocol                                       */

static bool range_holds(const struct ioreq_server *s, uint32_t type, uint64_t first,
			uint64_t last)
{
	for (unsigned int i = 0; i < s->nr_ranges[type]; i++)
		if (first >= s->ranges[type][i].start && last <= s->ranges[type][i].end)
			return true;
	return false;
}

int ioreq_mmio_send(struct domain *d, unsigned int vcpu, uint64_t gpa, unsigned int size,
		    bool write, uint64_t data)
{
	struct ioreq_domain *io = iod(d);
	struct ioreq_server *s = NULL;
	struct ioreq *slot, r;

	BUG_ON(vcpu >= d->nr_vcpus || !size || size > 8);
	if (!io)
		return 0;
	if (io->waiting[vcpu])
		return 1; /* resumed after an interrupted wait */
	if (gpa + size - 1 < gpa)
		return 0;
	for (unsigned int i = 0; i < IOREQ_MAX_SERVERS && !s; i++) {
		struct ioreq_server *c = io->server[i];

		if (c && c->enabled &&
		    range_holds(c, XEN_DMOP_IO_RANGE_MEMORY, gpa, gpa + size - 1))
			s = c;
	}
	if (!s)
		return 0;
	slot = slot_of(s, vcpu);
	if (__atomic_load_n(&((uint8_t *)slot)[30], __ATOMIC_ACQUIRE) & 0xf ||
	    __atomic_load_n(&slot->vp_eport, __ATOMIC_RELAXED) != s->vcpu_port[vcpu]) {
		/* Xen: "device model set bad IO state / event channel": the
		 * access is not forwarded. */
		hv_domain_crash(d, "IOREQ: device model set bad IO state or event channel");
		return 0;
	}
	memset(&r, 0, sizeof(r));
	r.addr = gpa;
	r.data = write ? data : 0;
	r.count = 1;
	r.size = size;
	r.vp_eport = s->vcpu_port[vcpu];
	r.dir = write ? IOREQ_WRITE : IOREQ_READ;
	r.type = IOREQ_TYPE_COPY;
	r.state = STATE_IOREQ_NONE;
	memcpy(slot, &r, 30);
	((uint8_t *)slot)[31] = r.type;
	/* The request must be complete before READY is seen (pitfall 1). */
	r.state = STATE_IOREQ_READY;
	__atomic_store_n(&((uint8_t *)slot)[30], ((const uint8_t *)&r)[30], __ATOMIC_RELEASE);
	io->waiting[vcpu] = s;
	io->seen_state[vcpu] = STATE_IOREQ_READY;
	s->st.mmio++;
	d->st.ioreq_last_ns = hv_system_time(d->hv);
	if (!d->st.ioreqs++)
		d->st.ioreq_first_ns = d->st.ioreq_last_ns;
	evtchn_xen_send(d, s->vcpu_port[vcpu]);
	return 1;
}

int ioreq_mmio_complete(struct domain *d, unsigned int vcpu, uint64_t *data)
{
	struct ioreq_domain *io = iod(d);
	struct ioreq_server *s = io ? io->waiting[vcpu] : NULL;
	struct ioreq *slot;
	uint8_t state;

	if (!s || d->state == DOMS_dying) {
		if (io)
			io->waiting[vcpu] = NULL;
		*data = ~0ULL;
		return -1;
	}
	slot = slot_of(s, vcpu);
	state = __atomic_load_n(&((uint8_t *)slot)[30], __ATOMIC_ACQUIRE) & 0xf;
	if (state == STATE_IOREQ_NONE) {
		/* Xen's wait_for_io: an emulator that dies (or misbehaves) racing
		 * with the request; the access completes with all ones and the
		 * target lives on (facts 6.5, pitfall 1). */
		io->waiting[vcpu] = NULL;
		*data = ~0ULL;
		return 1;
	}
	if (state > STATE_IORESP_READY || state < io->seen_state[vcpu]) {
		/* An unknown state, or one moved backwards (INPROCESS then
		 * READY): Xen crashes the target. */
		io->waiting[vcpu] = NULL;
		*data = ~0ULL;
		hv_domain_crash(d, "IOREQ: device model set a bad IO state");
		return -1;
	}
	io->seen_state[vcpu] = state;
	if (state != STATE_IORESP_READY)
		return 0; /* READY or INPROCESS: still the emulator's */
	*data = __atomic_load_n(&slot->data, __ATOMIC_RELAXED);
	/* The vCPU, not the emulator, frees the slot (pitfall 1). */
	__atomic_and_fetch(&((uint8_t *)slot)[30], (uint8_t)~0xf, __ATOMIC_RELEASE);
	io->waiting[vcpu] = NULL;
	return 1;
}

uint64_t ioreq_answer_gen(const struct domain *d, unsigned int vcpu)
{
	return iod(d) ? iod(d)->answered[vcpu] : 0;
}

/* ------------------------------------------------------------------ */
/* INVALIDATE for the PV IOMMU                                         */

/* Reads/writes one of the server's pages (bounds are the callers'). */
static int page_rw(struct ioreq_server *s, bool buf, size_t off, void *p, size_t n, bool wr)
{
	mfn_t mfn = buf ? s->buf_mfn : s->ioreq_mfn;
	uint8_t *va;

	if (mfn_eq(mfn, INVALID_MFN))
		return -EBUSY;
	va = (uint8_t *)frame_va(&s->target_d->hv->ft, mfn) + off;
	if (wr)
		memcpy(va, p, n);
	else
		memcpy(p, va, n);
	return 0;
}

/* Notifies the emulator on a port of the target; nothing once the target
 * is dying (its ports are closed before the PV IOMMU's last INVALIDATEs). */
static void notify_emulator(struct ioreq_server *s, uint32_t port)
{
	if (port && s->target_d->state != DOMS_dying)
		evtchn_xen_send(s->target_d, port);
}

/* Two slots on the buffered ring, or -EBUSY. */
static int send_buffered(struct ioreq_server *s, uint64_t bfn)
{
	uint32_t ptr[2];
	struct buf_ioreq slot[2];

	if (page_rw(s, true, offsetof(struct buffered_iopage, read_pointer), ptr, sizeof(ptr),
		    false))
		return -EBUSY;
	/* ptr[0] = read, ptr[1] = write; a bogus read_pointer only makes the
	 * ring look full or empty, it cannot make us write outside it. */
	if (ptr[1] - ptr[0] > IOREQ_BUFFER_SLOT_NUM - 2) {
		s->st.ring_full++;
		return -EBUSY;
	}
	memset(slot, 0, sizeof(slot));
	for (unsigned int k = 0; k < 2; k++) {
		slot[k].type = IOREQ_TYPE_INVALIDATE;
		slot[k].dir = IOREQ_WRITE;
		slot[k].size = 3; /* 8 bytes: the second slot carries the high half */
		slot[k].data = (uint32_t)(bfn >> (32 * k));
	}
	for (unsigned int k = 0; k < 2; k++) {
		size_t at = offsetof(struct buffered_iopage, buf_ioreq) +
			    ((ptr[1] + k) % IOREQ_BUFFER_SLOT_NUM) * sizeof(struct buf_ioreq);

		if (page_rw(s, true, at, &slot[k], sizeof(slot[k]), true))
			return -EBUSY;
	}
	__atomic_thread_fence(__ATOMIC_RELEASE);
	ptr[1] += 2;
	if (page_rw(s, true, offsetof(struct buffered_iopage, write_pointer), &ptr[1],
		    sizeof(ptr[1]), true))
		return -EBUSY;
	s->st.buffered++;
	if (s->enabled)
		notify_emulator(s, s->buf_port);
	return 0;
}

/* The synchronous slot of vCPU 0, or -EBUSY while it holds a request. */
static int send_sync(struct ioreq_server *s, uint64_t bfn)
{
	struct ioreq r;

	/* A server that claims ranges keeps its slots for the vCPUs' own
	 * accesses: an INVALIDATE still there (not waited for, unlike Xen's)
	 * when vCPU 0's next access comes would look like a bad state. */
	for (unsigned int k = 0; k < IOREQ_NR_RANGE_TYPES; k++)
		if (s->nr_ranges[k])
			return -EBUSY;
	if (iod(s->target_d)->waiting[0] == s)
		return -EBUSY; /* vCPU 0's own access owns the slot */
	if (page_rw(s, false, 0, &r, sizeof(r), false))
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
	r.vp_eport = s->enabled ? s->vcpu_port[0] : 0;
	if (page_rw(s, false, 0, &r, sizeof(r), true))
		return -EBUSY;
	/* The request becomes visible only once it is complete. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	r.state = STATE_IOREQ_READY;
	if (page_rw(s, false, 30, (uint8_t *)&r + 30, 1, true))
		return -EBUSY;
	s->st.sync++;
	if (s->enabled)
		notify_emulator(s, s->vcpu_port[0]);
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

/* ------------------------------------------------------------------ */
/* Audit                                                               */

static bool frame_ok(struct hv *hv, mfn_t mfn, domid_t owner)
{
	struct page_info *pg = mfn_to_page(&hv->ft, mfn);

	return pg && pg->state == PGS_inuse && pg->owner == owner &&
	       (pg->flags & PGC_allocated) && (pg->flags & PGC_extra) && !(pg->flags & PGC_xen);
}

int ioreq_audit(struct hv *hv, char *buf, size_t len)
{
	struct audit_report rep = {.buf = buf, .len = len};

	for (struct domain *t = hv->domains; t; t = t->next) {
		struct ioreq_domain *io = iod(t);

		if (!io)
			continue;
		for (unsigned int i = 0; i < IOREQ_MAX_SERVERS; i++) {
			struct ioreq_server *s = io->server[i];

			if (!s)
				continue;
			if (s->id != i || s->target_d != t || s->target != t->id)
				return audit_fail(&rep, "d%u IOREQ server slot %u holds id %u of d%u",
						  t->id, i, s->id, s->target);
			if (!domain_by_id(hv, s->emulator->id) || s->emulator == t)
				return audit_fail(&rep, "d%u IOREQ server %u has a bad emulator",
						  t->id, i);
			{
				if (!frame_ok(hv, s->ioreq_mfn, t->id) ||
				    (s->bufioreq && !frame_ok(hv, s->buf_mfn, t->id)) ||
				    (!s->bufioreq && !mfn_eq(s->buf_mfn, INVALID_MFN)))
					return audit_fail(&rep, "d%u IOREQ server %u: bad page", t->id, i);
				for (unsigned int v = 0; v < t->nr_vcpus && v < DOMAIN_MAX_VCPUS; v++) {
					int st = evtchn_port_state(t, s->vcpu_port[v]);

					if (t->state != DOMS_dying &&
					    (!s->vcpu_port[v] ||
					     (st != EVTCHNSTAT_unbound && st != EVTCHNSTAT_interdomain)))
						return audit_fail(&rep, "d%u IOREQ server %u: vCPU %u port %u in state %d",
								  t->id, i, v, s->vcpu_port[v], st);
				}
				if (!!s->buf_port != !!s->bufioreq)
					return audit_fail(&rep, "d%u IOREQ server %u: bufioreq port", t->id, i);
			}
			for (unsigned int k = 0; k < IOREQ_NR_RANGE_TYPES; k++) {
				const struct ioreq_range *r = s->ranges[k];

				if (s->nr_ranges[k] > IOREQ_MAX_RANGES || (s->nr_ranges[k] && !r))
					return audit_fail(&rep, "d%u IOREQ server %u: range count", t->id, i);
				for (unsigned int a = 0; a < s->nr_ranges[k]; a++) {
					if (r[a].start > r[a].end)
						return audit_fail(&rep, "d%u IOREQ server %u: range %u reversed",
								  t->id, i, a);
					for (unsigned int b = a + 1; b < s->nr_ranges[k]; b++)
						if (r[a].start <= r[b].end && r[b].start <= r[a].end)
							return audit_fail(&rep, "d%u IOREQ server %u: ranges overlap",
									  t->id, i);
				}
			}
		}
		for (unsigned int v = 0; v < DOMAIN_MAX_VCPUS; v++)
			if (io->waiting[v] && (io->waiting[v]->target_d != t ||
					       io->server[io->waiting[v]->id] != io->waiting[v]))
				return audit_fail(&rep, "d%u vCPU %u waits for a server not its own",
						  t->id, v);
	}
	return 0;
}
