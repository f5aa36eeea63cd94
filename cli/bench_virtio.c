/*
 * memvisor bench virtio: virtio-blk over IOREQ (issue 15 item 5,
 * docs/virtio.md) with the bench guest "virtio" (guest/bench/virtio/main.c)
 * under the normal runner, on KVM and in-process. A backend domain
 * pre-maps all of a frontend's RAM and serves its virtio-mmio disk from its
 * VMM block device over a host file; the frontend runs the guest driver.
 *
 * - sequential: the frontend (1 GiB of data + 64 MiB RAM) writes 1 GiB
 *   from its RAM with 1 MiB requests, 16 in flight, then reads it back.
 *   Limit: this process pwrite()s and pread()s the same file with the same
 *   sizes from and into 1 GiB of its own memory (as the frontend's data is
 *   1 GiB of its RAM), twice before and twice after the guests (the best
 *   pass counts).
 *   Target >= 0.5x. Also how much of it the block device moved without a
 *   copy (vmm/blkdev.c: RWF_NOWAIT zero copy) and its commands per request.
 * - 4 KiB requests: reads one at a time and 16 in flight. Limit: a
 *   xen_version round trip from the same frontend (an exit and the
 *   hypervisor's entry: the least any request can cost). Exits per
 *   request, of the frontend's vCPU and of the backend's: the difference
 *   between a run of 2N requests and one of N (set-up cancels out); on KVM
 *   every VM exit, in-process the hypercalls (device accesses there are
 *   function calls). Target on KVM, one in flight: <= 4 frontend exits.
 *
 * The guests time themselves with HVMOP_get_time (CLOCK_MONOTONIC) and
 * print "vbbench:" lines read back from the console. Nothing is asserted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hv/build.h>
#include <hv/domain.h>
#include <hv/guestdt.h>
#include <hv/realize.h>
#include <public/version.h>
#include <public/xen.h>

#include "bench.h"
#include "blkdev.h"
#include "cli.h"
#include "elfload.h"
#include "inproc.h"
#include "runner.h"

#define VBB_RAM_BASE GiB(1)
#define VBB_BE_RAM MiB(64)
#define VBB_MMIO 0x02000000ULL
#define VBB_BLK 0x28000000ULL
#define VBB_SPI 33
#define VBB_GNTTAB_BASE 0x38000000ULL
#define VBB_GNTTAB_SIZE MiB(16)
#define VBB_SEQ_BYTES GiB(1)
#define VBB_SEQ_REQ (1024u * 1024)
#define VBB_DEPTH 16
#define VBB_SMALL_DISK MiB(16)

void vbbench_main(void);


static int vbb_open(struct bench_genv *e, bool kvm, uint64_t ram, char *why, size_t whylen)
{
	return bench_genv_open(e, kvm, "bench-virtio.elf", ram, false, why, whylen);
}

static void vbb_close(struct bench_genv *e)
{
	bench_genv_close(e);
}

static struct domain *vbb_domain(struct bench_genv *e, const char *name, uint64_t ram)
{
	struct domain_config cfg = {.name = name, .domid = -1,
				    .max_pages = (ram >> PAGE_SHIFT) + 64};
	struct domain *d;
	int rc;

	hv_lock(&e->m.hv);
	d = domain_create(&e->m.hv, &cfg, &rc);
	if (d && build_populate_range(d, VBB_RAM_BASE, ram)) {
		domain_destroy(d);
		d = NULL;
	}
	hv_realize_flush(&e->m.hv);
	hv_unlock(&e->m.hv);
	return d;
}

struct vbb_result {
	char *out;             /* both consoles (malloc'ed) */
	uint64_t exits[2];     /* frontend, backend */
	uint64_t hcalls[2], mmio[2]; /* of those, hypercalls and device accesses (KVM) */
	struct blkdev_stats blk;     /* the backend's block device */
	double run_ms;
};

/*
 * One run: a frontend of fe_ram bytes with fe_args, a backend serving it
 * from the disk fd of `blocks` blocks. 0, or -1 with why.
 */
static int vbb_run(bool kvm, uint64_t fe_ram, const char *fe_args, int fd, uint64_t blocks,
		   struct vbb_result *res, char *why, size_t whylen)
{
	static uint8_t dtb[2][16384];
	struct ext_region ext = {GiB(64), GiB(64)};
	struct blkdev_disk disk = {fd, blocks};
	struct runner_dom rd[2];
	struct domain *d[2];
	struct runner r;
	struct bench_genv e;
	char be_args[256];
	char *err_text = NULL;
	size_t out_len = 0, err_len = 0;
	unsigned int bad;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (vbb_open(&e, kvm, fe_ram + VBB_BE_RAM + MiB(64), why, whylen))
		return -1;
	memset(&r, 0, sizeof(r));
	memset(rd, 0, sizeof(rd));
	d[0] = vbb_domain(&e, "domu", fe_ram);
	d[1] = vbb_domain(&e, "backend", VBB_BE_RAM);
	if (!d[0] || !d[1]) {
		snprintf(why, whylen, "cannot build the domains");
		goto out_env;
	}
	d[1]->targets[d[1]->nr_targets++] = d[0]->id;
	snprintf(be_args, sizeof(be_args),
		 "role=2 fe=%u ram_gpa=0x%llx ram_size=0x%llx mmio=0x%llx irq=%u", d[0]->id,
		 (unsigned long long)VBB_RAM_BASE, (unsigned long long)fe_ram,
		 (unsigned long long)VBB_MMIO, VBB_SPI);
	r.m = &e.m;
	r.timeout_ms = 600000;
	r.out = open_memstream(&res->out, &out_len);
	r.err = open_memstream(&err_text, &err_len);
	r.dom = rd;
	r.nr = 2;
	if (!r.out || !r.err) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	for (unsigned int i = 0; i < 2; i++) {
		struct ext_span mem = {.start = VBB_RAM_BASE, .size = i ? VBB_BE_RAM : fe_ram};
		struct guestdt_device dev = i ? (struct guestdt_device){
			runner_devices[RUNNER_DEV_BLK].node, runner_devices[RUNNER_DEV_BLK].compatible,
			VBB_BLK, runner_devices[RUNNER_DEV_BLK].size, 0}
					      : (struct guestdt_device){"virtio", "virtio,mmio",
									VBB_MMIO, 0x200, VBB_SPI};
		struct guestdt_info gi = {
			.xen_major = XEN_VERSION_MAJOR, .xen_minor = XEN_VERSION_MINOR,
			.addr_cells = 2, .size_cells = 2, .mem = &mem, .nr_mem = 1,
			.bootargs = i ? be_args : fe_args, .hypervisor_node = true,
			.devices = &dev, .nr_devices = 1,
			.gnttab = {VBB_GNTTAB_BASE, VBB_GNTTAB_SIZE}, .regions = &ext,
			.nr_regions = 1,
		};

		if (guestdt_build(dtb[i], sizeof(dtb[i]), &gi, NULL) < 0) {
			snprintf(why, whylen, "device tree too big");
			goto out;
		}
		rd[i].d = d[i];
		rd[i].dtb = dtb[i];
		rd[i].image = e.image;
		rd[i].image_len = e.image_len;
		rd[i].guest_main = vbbench_main;
		if (i) {
			rd[i].dev_base[RUNNER_DEV_BLK] = VBB_BLK;
			rd[i].dev_arg[RUNNER_DEV_BLK] = &disk;
		}
		if (runner_prepare(&r, &rd[i], why, whylen))
			goto out;
	}
	bad = runner_run(&r);
	for (unsigned int i = 0; i < 2; i++) {
		res->exits[i] = res->hcalls[i] = d[i]->st.hypercalls;
		if (e.m.transport->ops->exits && vmm_dom(d[i])->transport)
			res->exits[i] = e.m.transport->ops->exits(e.m.transport, vmm_dom(d[i]));
		if (kvm && vmm_dom(d[i])->transport) {
			struct kvm_vm_stats st;

			kvm_vm_get_stats(vmm_dom(d[i])->transport, &st);
			res->hcalls[i] = st.hypercalls;
			res->mmio[i] = st.mmio_exits;
		}
	}
	res->run_ms = rd[0].run_ms;
	if (rd[1].dev[RUNNER_DEV_BLK])
		blkdev_get_stats(rd[1].dev[RUNNER_DEV_BLK], &res->blk);
	runner_release(&r);
	fflush(r.out);
	fflush(r.err);
	if (bad) {
		snprintf(why, whylen, "bench guest virtio: %.300s", err_text ? err_text : "failed");
		goto out;
	}
	rc = 0;
out:
	if (r.out)
		fclose(r.out);
	if (r.err)
		fclose(r.err);
	free(err_text);
	if (rc) {
		free(res->out);
		res->out = NULL;
	}
out_env:
	vbb_close(&e);
	return rc;
}

/* A fresh file of `bytes` in the directory of temporary files. */
static int vbb_file(char *path, size_t len, uint64_t bytes)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(path, len, "%s/memvisor-bench-virtio-XXXXXX", dir && *dir ? dir : "/var/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)bytes)) {
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

/* Seconds to pwrite (write) or pread the first bytes of fd in req pieces. */
static double host_pass(int fd, uint8_t *buf, uint64_t bytes, size_t req, bool write)
{
	double t0 = bench_now();

	for (uint64_t off = 0; off < bytes; off += req) {
		ssize_t n = write ? pwrite(fd, buf + off, req, (off_t)off)
				  : pread(fd, buf + off, req, (off_t)off);

		if (n != (ssize_t)req)
			return -1;
	}
	return bench_now() - t0;
}

/* Two host write+read passes; the best times so far in *w, *r (0: none). */
static int host_best(int fd, uint8_t *buf, double *w, double *r)
{
	for (int i = 0; i < 2; i++) {
		double tw = host_pass(fd, buf, VBB_SEQ_BYTES, VBB_SEQ_REQ, true);
		double tr = host_pass(fd, buf, VBB_SEQ_BYTES, VBB_SEQ_REQ, false);

		if (tw <= 0 || tr <= 0)
			return -1;
		*w = (*w == 0 || tw < *w) ? tw : *w;
		*r = (*r == 0 || tr < *r) ? tr : *r;
	}
	return 0;
}

static void vbb_seq(struct bench_out *o, bool kvm)
{
	const char *name = kvm ? "virtio-seq-kvm" : "virtio-seq-inproc";
	char path[256], why[512], args[160], what[128];
	double hw = 0, hr = 0, gw, gr;
	unsigned long long bytes, wr_ns, rd_ns;
	unsigned int req, depth, bad;
	struct vbb_result res;
	uint8_t *buf;
	const char *line;
	int fd, rc;

	fd = vbb_file(path, sizeof(path), VBB_SEQ_BYTES);
	/* The host moves the same bytes as the guests: 1 GiB between the file
	 * and 1 GiB of its own (populated) memory, request by request, not one
	 * cache-resident buffer again and again (the frontend's data is 1 GiB
	 * of its RAM, which no cache holds). */
	buf = mmap(NULL, VBB_SEQ_BYTES, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED)
		buf = NULL;
	if (fd < 0 || !buf) {
		bench_skip(o, name, "cannot make the disk file");
		goto out;
	}
	memset(buf, 0x5a, VBB_SEQ_BYTES);
	/* The host's own passes over the same file, same sizes, twice before
	 * the guests (the first also allocates the file's blocks) and twice
	 * after: the best counts (this machine's load varies). */
	if (host_best(fd, buf, &hw, &hr)) {
		bench_skip(o, name, "host I/O on the disk file failed");
		goto out;
	}
	snprintf(args, sizeof(args), "role=1 mode=1 bytes=0x%llx req=%u depth=%u hc=1000",
		 (unsigned long long)VBB_SEQ_BYTES, VBB_SEQ_REQ, VBB_DEPTH);
	if (vbb_run(kvm, VBB_SEQ_BYTES + MiB(64), args, fd, VBB_SEQ_BYTES / BLKDEV_BLOCK, &res,
		    why, sizeof(why))) {
		bench_skip(o, name, why);
		goto out;
	}
	line = strstr(res.out, "vbbench: mode=1 ");
	if (!line ||
	    sscanf(line, "vbbench: mode=1 rc=%d bytes=%llu req=%u depth=%u wr_ns=%llu rd_ns=%llu "
			 "bad=%u", &rc, &bytes, &req, &depth, &wr_ns, &rd_ns, &bad) != 7 ||
	    rc || bad || !wr_ns || !rd_ns) {
		snprintf(why, sizeof(why), "no good result from the guest: %.300s", res.out);
		bench_skip(o, name, why);
		free(res.out);
		goto out;
	}
	free(res.out);
	if (host_best(fd, buf, &hw, &hr)) {
		bench_skip(o, name, "host I/O on the disk file failed");
		goto out;
	}
	gw = (double)bytes / ((double)wr_ns * 1e-9) / 1e6;
	gr = (double)bytes / ((double)rd_ns * 1e-9) / 1e6;
	snprintf(what, sizeof(what), "sequential write 1 GiB, %u KiB requests, %u in flight",
		 req / 1024, depth);
	bench_report(o, name, what, gw, "MB/s", "host pwrite, same file, sizes and 1 GiB of memory",
		     (double)VBB_SEQ_BYTES / hw / 1e6, ">= 0.5x");
	snprintf(what, sizeof(what), "sequential read 1 GiB, %u KiB requests, %u in flight",
		 req / 1024, depth);
	bench_report(o, name, what, gr, "MB/s", "host pread, same file, sizes and 1 GiB of memory",
		     (double)VBB_SEQ_BYTES / hr / 1e6, ">= 0.5x");
	bench_report(o, name, "  bytes the block device moved without a copy",
		     100.0 * (double)res.blk.zero_copy_bytes /
			     (double)(res.blk.bytes_read + res.blk.bytes_written + 1),
		     "%", "", 0, "");
	bench_report(o, name, "  block device commands per request",
		     (double)(res.blk.reads + res.blk.writes) / (2.0 * (double)bytes / req), "cmds",
		     "", 0, "1");
out:
	if (buf)
		munmap(buf, VBB_SEQ_BYTES);
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
}

struct vbb_small {
	unsigned long long n, ns, hc, hc_ns, announced;
	uint64_t exits[2], hcalls, mmio; /* hcalls, mmio: the frontend's */
};

static int vbb_small_once(bool kvm, int fd, unsigned int depth, unsigned long long n,
			  struct vbb_small *s, char *why, size_t whylen)
{
	char args[160];
	struct vbb_result res;
	const char *line, *hl, *bl;
	unsigned int dd;
	unsigned long isr;
	int rc;

	snprintf(args, sizeof(args), "role=1 mode=2 n=%llu depth=%u hc=%llu", n, depth, n);
	if (vbb_run(kvm, MiB(64), args, fd, VBB_SMALL_DISK / BLKDEV_BLOCK, &res, why, whylen))
		return -1;
	line = strstr(res.out, "vbbench: mode=2 ");
	hl = strstr(res.out, "vbbench: hc=");
	bl = strstr(res.out, "vbbench-be: announced=");
	if (!line || !hl || !bl || sscanf(bl, "vbbench-be: announced=%llu", &s->announced) != 1 ||
	    sscanf(line, "vbbench: mode=2 rc=%d n=%llu depth=%u ns=%llu isr=%lu", &rc, &s->n, &dd,
		   &s->ns, &isr) != 5 ||
	    sscanf(hl, "vbbench: hc=%llu hc_ns=%llu", &s->hc, &s->hc_ns) != 2 || rc || !s->n ||
	    !s->hc) {
		snprintf(why, whylen, "no good result from the guest: %.300s", res.out);
		free(res.out);
		return -1;
	}
	free(res.out);
	s->exits[0] = res.exits[0];
	s->exits[1] = res.exits[1];
	s->hcalls = res.hcalls[0];
	s->mmio = res.mmio[0];
	return 0;
}

static void vbb_small(struct bench_out *o, bool kvm)
{
	const char *name = kvm ? "virtio-4k-kvm" : "virtio-4k-inproc";
	const unsigned long long n = kvm ? 2000 : 10000;
	static const unsigned int depths[] = {1, VBB_DEPTH};
	char path[256], why[512], what[128];
	int fd = vbb_file(path, sizeof(path), VBB_SMALL_DISK);

	if (fd < 0) {
		bench_skip(o, name, "cannot make the disk file");
		return;
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(depths); i++) {
		struct vbb_small a, b;
		double per, hc, fe_x, be_x;

		if (vbb_small_once(kvm, fd, depths[i], n, &a, why, sizeof(why)) ||
		    vbb_small_once(kvm, fd, depths[i], 2 * n, &b, why, sizeof(why))) {
			bench_skip(o, name, why);
			break;
		}
		per = (double)b.ns / (double)b.n / 1000.0;
		hc = (double)b.hc_ns / (double)b.hc / 1000.0;
		/* The extra n requests (and n xen_version calls) of run b. */
		fe_x = ((double)b.exits[0] - (double)a.exits[0] - (double)n) / (double)n;
		/* The backend announces the window until the first access (3
		 * hypercalls a round, as many as the start takes): not the
		 * requests' cost. */
		be_x = ((double)b.exits[1] - 3.0 * (double)b.announced - (double)a.exits[1] +
			3.0 * (double)a.announced) /
		       (double)n;
		snprintf(what, sizeof(what), "4 KiB read, %u in flight: time per request",
			 depths[i]);
		bench_report(o, name, what, per, "us", "xen_version round trip (us)", hc, "report");
		snprintf(what, sizeof(what), "  as requests per second");
		bench_report(o, name, what, 1e6 / per, "req/s", "", 0, "");
		snprintf(what, sizeof(what), "  frontend %s per request",
			 kvm ? "vCPU exits" : "hypercalls");
		bench_report(o, name, what, fe_x, kvm ? "exits" : "hcalls", "", 0,
			     kvm && depths[i] == 1 ? "<= 4" : (kvm ? "< 1-in-flight" : ""));
		if (kvm) {
			double h = ((double)b.hcalls - (double)a.hcalls - (double)n) / (double)n;
			double mm = ((double)b.mmio - (double)a.mmio) / (double)n;

			bench_report(o, name, "    of which hypercalls", h, "exits", "", 0, "");
			bench_report(o, name, "    of which device register accesses", mm, "exits",
				     "", 0, "");
		}
		/* In-process the backend's hypercall count follows the threads'
		 * scheduling (how often its poll finds work waiting): not a
		 * cost, so only KVM's exits are reported. */
		if (kvm)
			bench_report(o, name, "  backend vCPU exits per request", be_x, "exits", "",
				     0, "");
	}
	close(fd);
	unlink(path);
}

void bench_virtio(struct bench_out *o)
{
	vbb_small(o, true);
	vbb_seq(o, true);
	vbb_small(o, false);
	vbb_seq(o, false);
}
