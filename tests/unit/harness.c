/*
 * Test harness (see harness.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <public/memory.h>
#include <public/xen.h>

#include <public/grant_table.h>
#include <public/memory.h>

#include "harness.h"

static void h_log_sink(void *ctx, enum hv_log_level lvl, const char *msg)
{
	struct harness *h = ctx;
	size_t used = strlen(h->log), n = strlen(msg);

	(void)lvl;
	if (used + n + 2 >= sizeof(h->log)) {
		h->log[0] = 0;
		used = 0;
	}
	memcpy(h->log + used, msg, n);
	h->log[used + n] = '\n';
	h->log[used + n + 1] = 0;
	if (getenv("MEMVISOR_TEST_LOG"))
		fprintf(stderr, "[hv] %s\n", msg);
}

void h_init(struct harness *h, const paddr_t (*banks)[2], unsigned int nr)
{
	struct vmm_config cfg;

	memset(h, 0, sizeof(*h));
	memset(&cfg, 0, sizeof(cfg));
	for (unsigned int i = 0; i < nr; i++) {
		cfg.banks[i][0] = banks[i][0];
		cfg.banks[i][1] = banks[i][1];
	}
	cfg.nr_banks = nr;
	cfg.log = h_log_sink;
	cfg.log_ctx = h;
	cfg.log_level = HV_LOG_DEBUG;
	cfg.lazy_release = true; /* as `memvisor run` (prefault), so the audit sees it */
#if defined(__SANITIZE_THREAD__)
#define H_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define H_TSAN 1
#endif
#endif
#ifdef H_TSAN
	/* ThreadSanitizer's address space has no room for several 1 TiB guest
	 * windows (scripts/tsan.sh): 64 GiB ones there. */
	cfg.gpaddr_bits = 36;
#endif
	assert_int_equal(vmm_init(&h->vmm, &cfg), 0);
	h->hv = &h->vmm.hv;
}

void h_init_default(struct harness *h)
{
	static const paddr_t banks[][2] = {{GiB(1), MiB(64)}, {GiB(4), MiB(64)}};

	h_init(h, banks, 2);
}

void h_fini(struct harness *h)
{
	h_audit(h);
	vmm_destroy(&h->vmm);
}

struct domain *h_domain(struct harness *h, const char *name, uint32_t flags, uint64_t max_pages)
{
	return h_domain_vcpus(h, name, flags, max_pages, 1);
}

struct domain *h_domain_vcpus(struct harness *h, const char *name, uint32_t flags,
			      uint64_t max_pages, unsigned int vcpus)
{
	struct domain_config cfg = {.name = name, .flags = flags, .max_pages = max_pages,
				    .domid = -1, .max_vcpus = vcpus};
	struct domain *d;
	int err;
	struct page_info *pg;

	hv_lock(h->hv);
	d = domain_create(h->hv, &cfg, &err);
	assert_non_null(d);
	if (!(flags & (DOMF_static | DOMF_directmap))) {
		/* Scratch pages for hypercall arguments; counted in tot_pages. */
		pg = mm_alloc_domheap(d, 3, &err);
		assert_non_null(pg);
		assert_int_equal(p2m_set_range(d, _gfn(H_SCRATCH_GFN), page_to_mfn(&h->hv->ft, pg),
					       H_SCRATCH_PAGES, p2m_ram_rw), 0);
	}
	hv_realize_flush(h->hv);
	hv_unlock(h->hv);
	return d;
}

void h_audit_at(struct harness *h, const char *file, int line)
{
	char buf[512];

	if (hv_audit(h->hv, buf, sizeof(buf)) || vmm_park_audit(&h->vmm, buf, sizeof(buf))) {
		fprintf(stderr, "%s:%d: audit failed: %s\n", file, line, buf);
		fail();
	}
}

void h_put(struct domain *d, uint64_t off, const void *p, size_t len)
{
	assert_true(off + len <= H_SCRATCH_PAGES * PAGE_SIZE);
	memcpy(h_va(d, h_gpa(off)), p, len);
}

void h_get(struct domain *d, uint64_t off, void *p, size_t len)
{
	assert_true(off + len <= H_SCRATCH_PAGES * PAGE_SIZE);
	memcpy(p, h_va(d, h_gpa(off)), len);
}

int64_t h_call(struct harness *h, struct domain *d, uint64_t nr, uint64_t a0, uint64_t a1,
	       uint64_t a2, uint64_t a3, uint64_t a4)
{
	struct hv_hcall hc = {.nr = nr, .args = {a0, a1, a2, a3, a4}};

	return hv_hypercall_run(h->hv, d, &hc);
}

int64_t h_call_vcpu(struct harness *h, struct domain *d, unsigned int vcpu, uint64_t nr,
		    uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct hv_hcall hc = {.nr = nr, .vcpu = vcpu, .args = {a0, a1, a2}};

	return hv_hypercall_run(h->hv, d, &hc);
}

int64_t h_op(struct harness *h, struct domain *d, uint64_t nr, uint64_t cmd, void *a, size_t len)
{
	int64_t rc;

	h_put(d, 0, a, len);
	rc = h_call(h, d, nr, cmd, h_gpa(0), 0, 0, 0);
	h_get(d, 0, a, len);
	h_audit(h);
	return rc;
}

int64_t h_reservation(struct harness *h, struct domain *d, unsigned int op, const uint64_t *gfns,
		      uint64_t nr, unsigned int order, domid_t domid)
{
	struct xen_memory_reservation r = {
		.extent_start = gfns ? h_gpa(0x1000) : 0,
		.nr_extents = nr,
		.extent_order = order,
		.domid = domid,
	};

	if (gfns)
		h_put(d, 0x1000, gfns, nr * sizeof(uint64_t));
	h_put(d, 0, &r, sizeof(r));
	return h_call(h, d, __HYPERVISOR_memory_op, op, h_gpa(0), 0, 0, 0);
}

bool h_log_has(struct harness *h, const char *needle)
{
	return strstr(h->log, needle) != NULL;
}

void h_populate(struct harness *h, struct domain *d, uint64_t gfn, uint64_t n)
{
	uint64_t gfns[16];

	assert_true(n <= 16);
	for (uint64_t i = 0; i < n; i++)
		gfns[i] = gfn + i;
	assert_int_equal(h_reservation(h, d, XENMEM_populate_physmap, gfns, n, 0, DOMID_SELF), (int64_t)n);
}

struct grant_entry_v1 *h_gnt_entry(struct domain *d, uint32_t ref)
{
	return (struct grant_entry_v1 *)h_va(d, (H_GNT_GFN << PAGE_SHIFT) + ref * 8ULL);
}

void h_grant(struct domain *d, uint32_t ref, uint16_t to, uint64_t gfn, uint16_t flags)
{
	struct grant_entry_v1 *e = h_gnt_entry(d, ref);

	e->domid = to;
	e->frame = (uint32_t)gfn;
	__atomic_store_n(&e->flags, flags, __ATOMIC_RELEASE);
}

void *h_dtc(const char *dts, size_t *len)
{
	char path[] = "/tmp/memvisor-test-dts-XXXXXX", cmd[128];
	size_t cap = 1 << 16;
	uint8_t *buf = malloc(cap);
	int fd = mkstemp(path);
	FILE *f;

	assert_non_null(buf);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, dts, strlen(dts)), (ssize_t)strlen(dts));
	close(fd);
	snprintf(cmd, sizeof(cmd), "dtc -q -I dts -O dtb %s", path);
	f = popen(cmd, "r");
	assert_non_null(f);
	*len = fread(buf, 1, cap, f);
	assert_int_equal(pclose(f), 0);
	unlink(path);
	assert_true(*len > 0 && *len < cap);
	return buf;
}

int h_sys_build(struct h_sys *s, const char *dts, bool dom0, const struct build_device *dev,
		unsigned int nr_dev)
{
	struct bootinfo_opts bo = {.policy = XEN_POLICY_LATEST};
	struct layout_opts lo = {.policy = XEN_POLICY_LATEST, .iommu = -1, .no_dom0 = !dom0};
	paddr_t banks[FRAME_MAX_BANKS][2];
	size_t len;
	int rc;

	memset(s, 0, sizeof(*s));
	s->blob = h_dtc(dts, &len);
	assert_int_equal(bootinfo_parse(&s->bi, s->blob, len, &bo), 0);
	assert_int_equal(layout_plan(&s->bi, &lo, &s->plan), 0);
	for (unsigned int i = 0; i < s->bi.ram.n; i++) {
		banks[i][0] = s->bi.ram.s[i].start;
		banks[i][1] = s->bi.ram.s[i].size;
	}
	h_init(&s->h, (const paddr_t(*)[2])banks, s->bi.ram.n);
	rc = build_system(s->h.hv, &s->bi, &s->plan, dev, nr_dev, &s->res);
	h_audit(&s->h);
	return rc;
}

void h_sys_fini(struct h_sys *s)
{
	build_result_free(&s->res);
	layout_free(&s->plan);
	bootinfo_free(&s->bi);
	free(s->blob);
	h_fini(&s->h);
}
