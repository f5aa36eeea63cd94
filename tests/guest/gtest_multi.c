/*
 * Multi-domain guest-test driver (see gtest_multi.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <hv/audit.h>
#include <hv/build.h>
#include <hv/domain.h>
#include <hv/guestdt.h>
#include <hv/layout.h>
#include <hv/p2m.h>
#include <hv/page.h>
#include <hv/realize.h>
#include <hv/staticmem.h>
#include <public/version.h>

#include "blkdev.h"
#include "dmadev.h"
#include "elfload.h"
#include "gtest.h"
#include "gtest_multi.h"
#include "inproc.h"
#include "kvm.h"
#include "transport.h"

void rt_hosted_start(const struct inproc_env *env);

#define GM_DTB_SIZE 16384

static void log_sink(void *ctx, enum hv_log_level lvl, const char *msg)
{
	(void)ctx;
	if (lvl <= HV_LOG_WARN || getenv("MEMVISOR_TEST_LOG"))
		fprintf(stderr, "[hv] %s\n", msg);
}

int gmulti_expect(bool cond, const char *fmt, ...)
{
	va_list ap;

	if (cond)
		return 0;
	va_start(ap, fmt);
	fputs("gmulti: FAIL: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	return 1;
}

struct domain *gmulti_domain(struct gmulti *g, domid_t id)
{
	struct domain *d;

	hv_lock(&g->m.hv);
	d = domain_by_id(&g->m.hv, id);
	hv_unlock(&g->m.hv);
	return d;
}

int gmulti_audit(struct gmulti *g, const char *when)
{
	char buf[512];
	int rc;

	rc = hv_audit(&g->m.hv, buf, sizeof(buf)); /* takes the lock itself */
	return gmulti_expect(rc == 0, "audit %s: %s", when, buf);
}

static uint64_t dom_ram(const struct gmulti_dom *gd)
{
	uint64_t total = 0;

	if (!gd->nr_static_banks)
		return gd->ram ? gd->ram : 32ULL << 20;
	for (unsigned int b = 0; b < gd->nr_static_banks; b++)
		total += gd->static_banks[b].size;
	return total;
}

/*
 * The guest RAM banks of gd (guest addresses, ascending): RAM0 at
 * GTEST_RAM_BASE, or a direct-mapped domain's banks themselves. Returns
 * the count.
 */
static unsigned int guest_banks(const struct gmulti_dom *gd, struct ext_span *out)
{
	unsigned int n = 0;

	if (!gd->direct_map) {
		out[0] = (struct ext_span){.start = GTEST_RAM_BASE, .size = dom_ram(gd)};
		return 1;
	}
	for (unsigned int b = 0; b < gd->nr_static_banks; b++) {
		unsigned int k = n++;

		while (k > 0 && out[k - 1].start > gd->static_banks[b].start) {
			out[k] = out[k - 1];
			k--;
		}
		out[k] = (struct ext_span){.start = gd->static_banks[b].start,
					   .size = gd->static_banks[b].size};
	}
	return n;
}

/*
 * A static domain, built as build_system builds one: its banks are already
 * CLAIMED (gmulti_main claims every scenario bank before any domain
 * exists); build_static() acquires and maps them. Called with the lock.
 */
static int build_static_dom(struct domain *d, const struct gmulti_dom *gd)
{
	struct ext_span host[GMULTI_MAX_STATIC_BANKS], guest[GMULTI_MAX_STATIC_BANKS];
	struct layout_domain ld;
	unsigned int ng = guest_banks(gd, guest);
	int rc;

	for (unsigned int b = 0; b < gd->nr_static_banks; b++)
		host[b] = (struct ext_span){.start = gd->static_banks[b].start,
					    .size = gd->static_banks[b].size};
	memset(&ld, 0, sizeof(ld));
	ld.name = gd->name;
	ld.bootinfo_index = -1;
	ld.static_mem = true;
	ld.direct_map = gd->direct_map;
	ld.host_mem = (struct bootinfo_spans){.s = host, .n = gd->nr_static_banks,
					      .cap = gd->nr_static_banks};
	ld.mem = (struct bootinfo_spans){.s = guest, .n = ng, .cap = ng};
	rc = build_static(d, &ld);
	if (rc)
		return rc;
	for (unsigned int b = 0; b < ng && b < ARRAY_SIZE(d->mem_banks); b++) {
		d->mem_banks[b][0] = guest[b].start;
		d->mem_banks[b][1] = guest[b].size;
		d->nr_mem_banks = b + 1;
	}
	return 0;
}

static struct domain *make_domain(struct gmulti *g, const struct gmulti_dom *gd)
{
	bool st = gd->nr_static_banks != 0;
	struct domain_config cfg = {
		.name = gd->name,
		.flags = gd->flags | (gd->dma_base ? DOMF_iommu : 0) |
			 (st ? DOMF_static : 0) | (st && gd->direct_map ? DOMF_directmap : 0),
		/* A static domain holds exactly its banks, as build_system gives it. */
		.max_pages = (dom_ram(gd) >> PAGE_SHIFT) + (st ? 0 : GTEST_EXTRA_PAGES),
		.domid = gd->domid,
		.max_vcpus = gd->cpus,
	};
	struct domain *d;
	int rc = -EINVAL;

	if ((gd->direct_map && !st) || gd->nr_static_banks > GMULTI_MAX_STATIC_BANKS) {
		fprintf(stderr, "gmulti: %s: direct_map needs static_banks (at most %d)\n",
			gd->name, GMULTI_MAX_STATIC_BANKS);
		return NULL;
	}
	hv_lock(&g->m.hv);
	d = domain_create(&g->m.hv, &cfg, &rc);
	if (d) {
		for (unsigned int i = 0; i < gd->nr_targets; i++)
			d->targets[d->nr_targets++] = gd->targets[i];
		if (st)
			rc = build_static_dom(d, gd);
		else
			rc = build_populate_range(d, GTEST_RAM_BASE, dom_ram(gd));
		hv_realize_flush(&g->m.hv);
	}
	hv_unlock(&g->m.hv);
	if (!d || rc) {
		fprintf(stderr, "gmulti: cannot build %s: %s\n", gd->name, strerror(-rc));
		return NULL;
	}
	return d;
}

/* Does gd run in phase p? */
static bool runs_in(const struct gmulti_dom *gd, unsigned int p)
{
	return gd->phase == p || (p < 32 && (gd->more_phases & (1u << p)));
}

static int make_dtb(const struct gmulti_dom *gd, unsigned int p, void *dtb)
{
	const struct build_device *dd = &runner_devices[RUNNER_DEV_DMA];
	struct guestdt_device devs[3];
	unsigned int nr_devs = 0;
	char args[256];
	struct ext_span mem[GMULTI_MAX_STATIC_BANKS];
	unsigned int nr_mem = guest_banks(gd, mem);
	paddr_t ram_end = mem[nr_mem - 1].start + mem[nr_mem - 1].size;
	/* The extended region: everything above the RAM up to 4 GiB. */
	struct ext_region ext = {ram_end, ram_end < GiB(4) ? GiB(4) - ram_end : 0};
	struct guestdt_info gi = {
		.xen_major = XEN_VERSION_MAJOR,
		.xen_minor = XEN_VERSION_MINOR,
		.addr_cells = 2,
		.size_cells = 2,
		.mem = mem,
		.nr_mem = nr_mem,
		.bootargs = gd->bootargs,
		.hypervisor_node = true,
		.devices = devs,
		.gnttab = {GTEST_GNTTAB_BASE, GTEST_GNTTAB_SIZE},
		.regions = &ext,
		.nr_regions = ext.size ? 1 : 0,
	};
	int rc;

	if (gd->dma_base)
		devs[nr_devs++] = (struct guestdt_device){dd->node, dd->compatible, gd->dma_base,
							  dd->size, 0};
	if (gd->blk_base)
		devs[nr_devs++] = (struct guestdt_device){
			runner_devices[RUNNER_DEV_BLK].node, runner_devices[RUNNER_DEV_BLK].compatible,
			gd->blk_base, runner_devices[RUNNER_DEV_BLK].size, 0};
	if (gd->virtio_base)
		devs[nr_devs++] = (struct guestdt_device){"virtio", "virtio,mmio", gd->virtio_base,
							  0x200, gd->virtio_spi};
	gi.nr_devices = nr_devs;
	/* A domain that runs more than once learns which run this is. */
	if (gd->more_phases) {
		snprintf(args, sizeof(args), "%s phase=%u", gd->bootargs ? gd->bootargs : "", p);
		gi.bootargs = args;
	}
	rc = guestdt_build(dtb, GM_DTB_SIZE, &gi, NULL);
	if (rc < 0)
		fprintf(stderr, "gmulti: device tree of %s: %s\n", gd->name, strerror(-rc));
	return rc < 0 ? -1 : 0;
}

/* The last "(dN) Test result: X" of domain id in console; NULL if none. */
static const char *result_of(const char *console, domid_t id)
{
	char key[48];
	const char *p = console, *last = NULL;

	snprintf(key, sizeof(key), "(d%u) Test result: ", id);
	while ((p = strstr(p, key)) != NULL) {
		p += strlen(key);
		last = p;
	}
	return last;
}

/* Runs the domains of phase p; returns the number of failures. */
static int run_phase(struct gmulti *g, unsigned int p, void (*guest_main)(void),
		     const void *image, size_t image_len, unsigned int timeout_ms, bool *stuck)
{
	const struct gmulti_scenario *sc = g->sc;
	struct runner_dom rd[GMULTI_MAX_DOMS];
	unsigned int idx[GMULTI_MAX_DOMS], n = 0;
	static uint8_t dtb[GMULTI_MAX_DOMS][GM_DTB_SIZE];
	static struct blkdev_disk disks[GMULTI_MAX_DOMS]; /* fd -1: none */
	struct runner r;
	char err[256], *console = NULL;
	size_t console_len = 0;
	int fails = 0;

	memset(rd, 0, sizeof(rd));
	memset(&r, 0, sizeof(r));
	for (unsigned int k = 0; k < GMULTI_MAX_DOMS; k++)
		disks[k].fd = -1;
	for (unsigned int i = 0; i < sc->nr; i++) {
		if (!runs_in(&sc->dom[i], p))
			continue;
		if (make_dtb(&sc->dom[i], p, dtb[n]))
			return 1;
		if (g->ran[i]) {
			/* A run after a shutdown: the domain starts again from its
			 * entry with its memory as it was (like a resumed domain). */
			hv_lock(&g->m.hv);
			if (g->d[i]->state == DOMS_shutdown) {
				g->d[i]->state = DOMS_running;
				g->d[i]->shutdown_reason = 0;
			}
			hv_unlock(&g->m.hv);
			/* Its DMA window (a KVM slot hole) exists from the first run:
			 * give the runner a device so it does not add the hole again. */
			if (sc->dom[i].dma_base) {
				rd[n].dev[RUNNER_DEV_DMA] =
					dmadev_create(&g->m.hv, g->d[i], sc->dom[i].dma_base);
				if (!rd[n].dev[RUNNER_DEV_DMA]) {
					fprintf(stderr, "gmulti: %s: no DMA device\n", sc->dom[i].name);
					return 1;
				}
			}
		}
		rd[n].dev_base[RUNNER_DEV_DMA] = sc->dom[i].dma_base;
		/* The virtio window is served by an IOREQ server: on KVM it must be
		 * a slot hole, or a domain with memory in its 1 GiB slot granule
		 * (the xenstore page at GUEST_MAGIC_BASE + 1 page) finds it covered
		 * by unbacked slot memory (EFAULT) instead of an MMIO exit. */
		if (sc->dom[i].virtio_base && !g->ran[i]) {
			int rc = transport_add_device(g->m.transport, vmm_dom(g->d[i]),
						      sc->dom[i].virtio_base & ~0xfffULL, 0x1000);

			if (rc) {
				fprintf(stderr, "gmulti: %s: virtio window hole: %s\n",
					sc->dom[i].name, strerror(-rc));
				return 1;
			}
		}
		if (sc->dom[i].blk_base && !g->ran[i]) {
			uint64_t blocks = sc->dom[i].blk_blocks ? sc->dom[i].blk_blocks
								: BLKDEV_DEFAULT_BLOCKS;
			int fd = memfd_create("gmulti-disk", MFD_CLOEXEC);

			if (fd < 0 || ftruncate(fd, (off_t)(blocks * BLKDEV_BLOCK))) {
				fprintf(stderr, "gmulti: %s: no disk: %s\n", sc->dom[i].name,
					strerror(errno));
				if (fd >= 0)
					close(fd);
				return 1;
			}
			disks[n] = (struct blkdev_disk){fd, blocks};
			rd[n].dev_base[RUNNER_DEV_BLK] = sc->dom[i].blk_base;
			rd[n].dev_arg[RUNNER_DEV_BLK] = &disks[n];
		}
		rd[n].d = g->d[i];
		rd[n].image = image;
		rd[n].image_len = image_len;
		rd[n].guest_main = guest_main;
		rd[n].dtb = dtb[n];
		g->ran[i] = true;
		idx[n++] = i;
	}
	if (!n)
		return 0;
	r.m = &g->m;
	r.timeout_ms = timeout_ms;
	r.out = open_memstream(&console, &console_len);
	r.err = stderr;
	r.dom = rd;
	r.nr = n;
	for (unsigned int k = 0; k < n; k++) {
		if (runner_prepare(&r, &rd[k], err, sizeof(err))) {
			fprintf(stderr, "gmulti: %s: %s\n", sc->dom[idx[k]].name, err);
			fclose(r.out);
			free(console);
			return 1;
		}
	}
	printf("gmulti: phase %u: %u domain(s)\n", p, n);
	runner_run(&r);
	fclose(r.out);
	fputs(console, stdout);
	for (unsigned int k = 0; k < n; k++) {
		const struct gmulti_dom *gd = &sc->dom[idx[k]];
		char line[400];

		runner_describe(&rd[k], line, sizeof(line));
		if (gd->expect_crash) {
			fails += gmulti_expect(rd[k].ex.kind != GEXIT_SHUTDOWN &&
						       strstr(line, gd->expect_crash),
					       "%s: expected a stop with \"%s\", got: %s", gd->name,
					       gd->expect_crash, line);
		} else {
			const char *res = result_of(console, gd->domid);

			fails += gmulti_expect(rd[k].ex.kind == GEXIT_SHUTDOWN && res &&
						       !strncmp(res, "SUCCESS", 7),
					       "%s: expected Test result: SUCCESS, got %.8s (%s)",
					       gd->name, res ? res : "nothing", line);
		}
	}
	free(console);
	for (unsigned int k = 0; k < n && sc->disk_check && !r.stuck; k++)
		if (disks[k].fd >= 0)
			fails += sc->disk_check(g, idx[k], disks[k].fd);
	*stuck = r.stuck;
	if (!r.stuck) {
		runner_release(&r);
		for (unsigned int k = 0; k < n; k++)
			if (disks[k].fd >= 0)
				close(disks[k].fd);
	}
	return fails;
}

/* Offset of mfn in gd's banks taken in order (the build's packing order),
 * or UINT64_MAX when it is not a frame of them. */
static uint64_t static_index(const struct gmulti_dom *gd, uint64_t mfn)
{
	uint64_t off = 0;

	for (unsigned int b = 0; b < gd->nr_static_banks; b++) {
		uint64_t first = gd->static_banks[b].start >> PAGE_SHIFT;
		uint64_t nr = gd->static_banks[b].size >> PAGE_SHIFT;

		if (mfn >= first && mfn - first < nr)
			return off + (mfn - first);
		off += nr;
	}
	return UINT64_MAX;
}

/* Frame identity of static domain i: what it owns (page list) plus what it
 * freed (reserved list) is exactly its banks, each frame once, each in the
 * state its list says. */
static int check_static_frames(struct gmulti *g, unsigned int i)
{
	const struct gmulti_dom *gd = &g->sc->dom[i];
	struct domain *d = gmulti_domain(g, gd->domid);
	struct hv *hv = &g->m.hv;
	uint64_t total = dom_ram(gd) >> PAGE_SHIFT, seen = 0, outside = 0, dup = 0, badstate = 0;
	uint8_t *mark;
	int fails;

	if (gmulti_expect(d != NULL, "static domain %s is gone", gd->name))
		return 1;
	mark = calloc(total, 1);
	if (!mark)
		return gmulti_expect(false, "out of memory");
	hv_lock(hv);
	for (int l = 0; l < 2; l++) {
		const struct page_list *list = l ? &d->resv_list : &d->page_list;
		enum staticmem_state want = l ? STATICMEM_RESERVED : STATICMEM_IN_USE;

		for (struct page_info *pg = page_list_first(&hv->ft, list); pg;
		     pg = page_list_next(&hv->ft, pg)) {
			mfn_t mfn = page_to_mfn(&hv->ft, pg);
			uint64_t k = static_index(gd, mfn_x(mfn));

			seen++;
			if (k == UINT64_MAX)
				outside++;
			else if (mark[k]++)
				dup++;
			badstate += staticmem_frame_state(hv, mfn) != want;
			if (seen > 2 * total)
				break; /* a corrupt list: the counts below say so */
		}
	}
	fails = gmulti_expect(seen == total && !outside && !dup && !badstate,
			      "%s: frame identity: %llu frames owned or reserved (banks hold %llu), "
			      "%llu outside the banks, %llu twice, %llu in the wrong state",
			      gd->name, (unsigned long long)seen, (unsigned long long)total,
			      (unsigned long long)outside, (unsigned long long)dup,
			      (unsigned long long)badstate);
	hv_unlock(hv);
	free(mark);
	return fails;
}

struct ram_count {
	uint64_t frames;
};

static int count_ram(void *ctx, gfn_t gfn, mfn_t mfn, unsigned int order, p2m_type_t t)
{
	struct ram_count *c = ctx;

	(void)gfn;
	(void)mfn;
	if (t == p2m_ram_rw)
		c->frames += 1ULL << order;
	return 0;
}

int gmulti_static_p2m_as_built(struct gmulti *g, unsigned int i)
{
	const struct gmulti_dom *gd = &g->sc->dom[i];
	struct domain *d = gmulti_domain(g, gd->domid);
	struct hv *hv = &g->m.hv;
	struct ram_count c = {0};
	uint64_t k = 0, moved = 0, first_bad = 0;
	int fails;

	if (gmulti_expect(d != NULL && gd->nr_static_banks, "%s: not a static domain", gd->name))
		return 1;
	hv_lock(hv);
	for (unsigned int b = 0; b < gd->nr_static_banks; b++) {
		uint64_t mfn = gd->static_banks[b].start >> PAGE_SHIFT;

		for (uint64_t j = 0; j < gd->static_banks[b].size >> PAGE_SHIFT; j++, k++, mfn++) {
			uint64_t gfn = gd->direct_map ? mfn : (GTEST_RAM_BASE >> PAGE_SHIFT) + k;
			p2m_type_t t;

			if (mfn_x(p2m_lookup(d, _gfn(gfn), &t, NULL)) != mfn || t != p2m_ram_rw) {
				if (!moved++)
					first_bad = gfn;
			}
		}
	}
	p2m_for_each_leaf(d, count_ram, &c);
	hv_unlock(hv);
	fails = gmulti_expect(!moved, "%s: %llu bank frames not mapped where the build put them "
			      "(first at gfn %#llx)", gd->name, (unsigned long long)moved,
			      (unsigned long long)first_bad);
	fails += gmulti_expect(c.frames == k, "%s: %llu RAM frames mapped, its banks hold %llu",
			       gd->name, (unsigned long long)c.frames, (unsigned long long)k);
	return fails;
}

/* Destroys every domain left and requires all of their memory back. */
static int teardown(struct gmulti *g)
{
	struct hv *hv = &g->m.hv;
	int fails = 0;

	hv_lock(hv);
	while (hv->domains) {
		struct domain *d = hv->domains;

		while (d && d->state == DOMS_dying)
			d = d->next;
		if (!d)
			break;
		domain_destroy(d);
		hv_realize_flush(hv);
	}
	fails += gmulti_expect(hv->domains == NULL, "a domain survived the teardown (d%u)",
			       hv->domains ? hv->domains->id : 0);
	/* Static banks never go back to the heap: every frame is retired. */
	for (unsigned int i = 0; i < g->sc->nr; i++) {
		const struct gmulti_dom *gd = &g->sc->dom[i];
		uint64_t bad = 0;

		for (unsigned int b = 0; b < gd->nr_static_banks; b++) {
			mfn_t m = maddr_to_mfn(gd->static_banks[b].start);

			for (uint64_t j = 0; j < gd->static_banks[b].size >> PAGE_SHIFT; j++)
				bad += staticmem_frame_state(hv, mfn_add(m, (int64_t)j)) !=
				       STATICMEM_RETIRED;
		}
		fails += gmulti_expect(!bad, "%s: %llu static frames not retired after teardown",
				       gd->name, (unsigned long long)bad);
	}
	fails += gmulti_expect(hv->heap.free_pages == g->base_free_pages,
			       "heap has %llu free pages after teardown, %llu before the domains",
			       (unsigned long long)hv->heap.free_pages,
			       (unsigned long long)g->base_free_pages);
	hv_unlock(hv);
	fails += gmulti_expect(vmm_memfd_resident(&g->m) <= g->base_resident,
			       "memfd holds %llu bytes after teardown, %llu before the domains",
			       (unsigned long long)vmm_memfd_resident(&g->m),
			       (unsigned long long)g->base_resident);
	fails += gmulti_audit(g, "after teardown");
	return fails;
}

int gmulti_main(int argc, char **argv, void (*guest_main)(void),
		const struct gmulti_scenario *scs, unsigned int nr_sc)
{
	static const paddr_t banks[][2] = {{GiB(2), MiB(512)}};
	static struct gmulti g;
	struct vmm_config cfg;
	struct kvm_sys *k = NULL;
	struct inproc_transport inproc;
	const char *name = NULL;
	void *image = NULL;
	size_t image_len = 0;
	unsigned int timeout_ms = 30000, last_phase = 0;
	char err[256];
	bool stuck = false;
	int argi, fails = 0, rc;

	if (argc < 2 || (strcmp(argv[1], "inproc") && strcmp(argv[1], "kvm")) ||
	    (!strcmp(argv[1], "kvm") && argc < 3)) {
		fprintf(stderr, "usage: %s inproc | kvm IMAGE.elf  --scenario NAME [--timeout MS]\n",
			argv[0]);
		return GTEST_FAIL;
	}
	g.kvm = !strcmp(argv[1], "kvm");
	for (argi = g.kvm ? 3 : 2; argi + 1 < argc; argi += 2) {
		if (!strcmp(argv[argi], "--scenario"))
			name = argv[argi + 1];
		else if (!strcmp(argv[argi], "--timeout"))
			timeout_ms = (unsigned int)strtoul(argv[argi + 1], NULL, 0);
		else
			break;
	}
	for (unsigned int i = 0; name && i < nr_sc; i++)
		if (!strcmp(scs[i].name, name))
			g.sc = &scs[i];
	if (argi != argc || !g.sc) {
		fprintf(stderr, "%s: bad arguments (scenarios:", argv[0]);
		for (unsigned int i = 0; i < nr_sc; i++)
			fprintf(stderr, " %s", scs[i].name);
		fprintf(stderr, ")\n");
		return GTEST_FAIL;
	}
	if (g.sc->kvm_only && !g.kvm) {
		printf("scenario %s needs KVM: skipped in-process\n", name);
		return GTEST_SKIP;
	}
	if (g.kvm) {
		k = kvm_open(err, sizeof(err));
		if (!k) {
			printf("kvm: unavailable: %s\n", err);
			return GTEST_SKIP;
		}
		image = elf_read_file(argv[2], &image_len, err, sizeof(err));
		if (!image) {
			fprintf(stderr, "gmulti: %s\n", err);
			return GTEST_FAIL;
		}
	}

	memset(&cfg, 0, sizeof(cfg));
	for (unsigned int b = 0; b < GMULTI_MAX_HOST_BANKS && g.sc->host_ram[b].size; b++) {
		cfg.banks[b][0] = g.sc->host_ram[b].start;
		cfg.banks[b][1] = g.sc->host_ram[b].size;
		cfg.nr_banks = b + 1;
	}
	if (!cfg.nr_banks) {
		memcpy(cfg.banks, banks, sizeof(banks));
		cfg.nr_banks = ARRAY_SIZE(banks);
	}
	cfg.log = log_sink;
	cfg.log_level = HV_LOG_DEBUG;
	cfg.lazy_release = true; /* as `memvisor run` (prefault) */
	cfg.prefault = true;
	rc = vmm_init(&g.m, &cfg);
	if (rc) {
		fprintf(stderr, "gmulti: vmm_init: %s\n", strerror(-rc));
		return GTEST_FAIL;
	}
	inproc_transport_init(&inproc, rt_hosted_start);
	vmm_set_transport(&g.m, g.kvm ? kvm_transport(k) : &inproc.t);
	/* Static banks leave the heap before any domain exists (build_system's
	 * order), so the heap's count below excludes them for good. */
	hv_lock(&g.m.hv);
	for (unsigned int i = 0; i < g.sc->nr; i++) {
		const struct gmulti_dom *gd = &g.sc->dom[i];

		for (unsigned int b = 0; b < gd->nr_static_banks; b++) {
			rc = staticmem_claim(&g.m.hv, maddr_to_mfn(gd->static_banks[b].start),
					     gd->static_banks[b].size >> PAGE_SHIFT);
			if (rc) {
				hv_unlock(&g.m.hv);
				fprintf(stderr, "gmulti: %s: static bank %#llx+%#llx: %s\n", gd->name,
					(unsigned long long)gd->static_banks[b].start,
					(unsigned long long)gd->static_banks[b].size, strerror(-rc));
				return GTEST_FAIL;
			}
		}
	}
	hv_unlock(&g.m.hv);
	g.base_free_pages = g.m.hv.heap.free_pages;
	g.base_resident = vmm_memfd_resident(&g.m);
	for (unsigned int i = 0; i < g.sc->nr; i++) {
		g.d[i] = make_domain(&g, &g.sc->dom[i]);
		if (!g.d[i])
			return GTEST_FAIL;
		if (g.sc->dom[i].phase != GMULTI_NEVER && g.sc->dom[i].phase > last_phase)
			last_phase = g.sc->dom[i].phase;
		for (unsigned int p = 0; p < 32; p++)
			if ((g.sc->dom[i].more_phases & (1u << p)) && p > last_phase)
				last_phase = p;
	}
	printf("gmulti: scenario %s, %u domains, %s\n", g.sc->name, g.sc->nr,
	       g.kvm ? "kvm" : "in-process");
	for (unsigned int p = 0; p <= last_phase && !stuck; p++) {
		char when[32];

		if (g.sc->before_phase)
			fails += g.sc->before_phase(&g, p);
		fails += run_phase(&g, p, guest_main, image, image_len, timeout_ms, &stuck);
		snprintf(when, sizeof(when), "after phase %u", p);
		fails += gmulti_audit(&g, when);
	}
	if (stuck) {
		printf("gmulti: a guest thread could not be stopped\n");
		return GTEST_FAIL; /* do not tear down under a running thread */
	}
	if (g.kvm)
		printf("kvm: used\n");
	for (unsigned int i = 0; i < g.sc->nr; i++)
		if (g.sc->dom[i].nr_static_banks)
			fails += check_static_frames(&g, i);
	if (g.sc->check)
		fails += g.sc->check(&g);
	fails += teardown(&g);
	vmm_destroy(&g.m);
	kvm_close(k);
	free(image);
	printf("gmulti: scenario %s: %s\n", g.sc->name, fails ? "FAILED" : "passed");
	return fails ? GTEST_FAIL : GTEST_PASS;
}

/* Host threads of this process (/proc/self/task), 0 if unknown; without
 * the kernel's own workers of the KVM VMs ("kvm-nx-lpage-recovery", made
 * at a VM's first run and gone with it: the two declared domains keep
 * theirs until teardown). */
unsigned int gmulti_host_threads(void)
{
	DIR *dir = opendir("/proc/self/task");
	struct dirent *e;
	unsigned int n = 0;

	if (!dir)
		return 0;
	while ((e = readdir(dir))) {
		char path[300], comm[32] = "";
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (f) {
			if (!fgets(comm, sizeof(comm), f))
				comm[0] = 0;
			fclose(f);
		}
		n += strncmp(comm, "kvm-", 4) != 0;
	}
	closedir(dir);
	return n;
}
