/*
 * The toolstack library (guest/xen/toolstack.c) built hosted against the
 * harness hypervisor: "Dom0" is a harness domain whose guest runtime is
 * unit/guest_shim.c (its hypercalls are the harness's, its pages a pool in
 * its RAM, its unpopulated frames above 4 GiB). DomUs are built from
 * xl.cfg text (the real parser) and a synthetic ELF; the test reads what
 * was built through the DomU's window and the hypervisor: RAM and the
 * magic pages, the kernel bytes, the device tree (host libfdt), the
 * extended regions against libxl's rule computed here, the boot area (GDT,
 * identity map), the CPU record, the xenstore hooks; list; destroy back to
 * the heap and memfd of before; the over-memory config (-ENOMEM, nothing
 * made); failures at every late step leave nothing; 100 cycles.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include "guest_shim.h"
#include "harness.h"
#include <hv/grant.h>

#include <public/domctl.h>
#include <public/event_channel.h>
#include <public/errno.h>
#include <public/hvm_op.h>
#include <rt/rt.h>
#include <xen/fdt_write.h>
#include <xen/toolstack.h>
#include <xen/toolstack_xs.h>
#include <xen/xenstore.h>
#include <xen/xenstored.h>
#include <xen/xlcfg.h>
#include <xen/xs_libxl.h>

#include "../../guest/xen/toolstack_priv.h"

/* --- "Dom0": a harness domain running the library (guest_shim.h) --------- */

static struct harness H;
static struct domain *dom0;

/* --- a synthetic kernel ---------------------------------------------------- */

#define K_TEXT 0x40200000ULL
#define K_TEXT_LEN 0x1234
#define K_DATA 0x40300000ULL
#define K_DATA_FILE 100
#define K_DATA_MEM 0x3000
#define K_ENTRY (K_TEXT + 0x10)
#define K_FILE 0x3000

static uint8_t kimg[K_FILE];

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void phdr(uint8_t *ph, uint32_t flags, uint64_t off, uint64_t pa, uint64_t fsz,
		 uint64_t msz)
{
	put32(ph, 1);
	put32(ph + 4, flags);
	put64(ph + 8, off);
	put64(ph + 16, pa);
	put64(ph + 24, pa);
	put64(ph + 32, fsz);
	put64(ph + 40, msz);
	put64(ph + 48, 0x1000);
}

/* ELF64 x86-64 ET_EXEC: text (R X) from file offset 0x1000, data (RW) with
 * a bss tail from 0x2800. */
static void make_kernel(uint64_t text_pa)
{
	memset(kimg, 0, sizeof(kimg));
	memcpy(kimg, "\x7f" "ELF", 4);
	kimg[4] = 2;
	kimg[5] = 1;
	kimg[6] = 1;
	put16(kimg + 16, 2);
	put16(kimg + 18, 62);
	put32(kimg + 20, 1);
	put64(kimg + 24, text_pa + 0x10);
	put64(kimg + 32, 64);
	put16(kimg + 52, 64);
	put16(kimg + 54, 56);
	put16(kimg + 56, 2);
	phdr(kimg + 64, 5, 0x1000, text_pa, K_TEXT_LEN, K_TEXT_LEN);
	phdr(kimg + 64 + 56, 6, 0x2800, K_DATA, K_DATA_FILE, K_DATA_MEM);
	for (unsigned int i = 0; i < K_TEXT_LEN; i++)
		kimg[0x1000 + i] = (uint8_t)(i * 7 + 1);
	for (unsigned int i = 0; i < K_DATA_FILE; i++)
		kimg[0x2800 + i] = (uint8_t)(0xa0 + i);
}

/* --- xenstore hooks that record what they were asked -------------------- */

static struct {
	unsigned int news, waits, gones;
	struct xl_dom last;
	int fail_new, fail_wait;
} xs;

static int xs_new(void *ctx, const struct xl_dom *d)
{
	(void)ctx;
	xs.news++;
	xs.last = *d;
	return xs.fail_new;
}

static int xs_wait(void *ctx, const struct xl_dom *d, unsigned int i)
{
	(void)ctx;
	assert_true(i < d->nr_disks);
	xs.waits++;
	return xs.fail_wait;
}

static void xs_gone(void *ctx, const struct xl_dom *d)
{
	(void)ctx;
	(void)d;
	xs.gones++;
}

static const struct xl_xs_ops xs_ops = {xs_new, xs_wait, xs_gone};

/* --- fixture --------------------------------------------------------------- */

static struct xl XL;
static uint64_t free0, resident0, mapped0;
static unsigned int ndoms0, ports0, grants0;

/* Dom0's open ports (EVTCHNOP_status of every port below 1024). */
static unsigned int open_ports(void)
{
	unsigned int n = 0;

	for (evtchn_port_t p = 1; p < 1024; p++) {
		struct evtchn_status st = {.dom = DOMID_SELF, .port = p};

		h_put(dom0, 0, &st, sizeof(st));
		if (h_call(&H, dom0, __HYPERVISOR_event_channel_op, EVTCHNOP_status, h_gpa(0), 0, 0,
			   0))
			break; /* past the domain's ports */
		h_get(dom0, 0, &st, sizeof(st));
		n += st.status != EVTCHNSTAT_closed;
	}
	return n;
}

static unsigned int count_domains(void)
{
	unsigned int n = 0;

	for (struct domain *d = H.hv->domains; d; d = d->next)
		n++;
	return n;
}

static void parse(const char *text, struct xlcfg *cfg)
{
	char err[200];

	assert_int_equal(xlcfg_parse(text, strlen(text), cfg, err, sizeof(err)), 0);
}

static int setup(void **state)
{
	(void)state;
	h_init_default(&H);
	dom0 = h_domain(&H, "dom0", DOMF_privileged, 4096);
	gshim_init(&H, dom0);
	memset(&xs, 0, sizeof(xs));
	memset(&XL, 0, sizeof(XL));
	XL.xs = &xs_ops;
	assert_int_equal(xl_init(&XL), 0);
	make_kernel(K_TEXT);
	/* the first build grows Dom0's own tables (its P2M where the domain
	 * is mapped): measure from after one, as test_domctl does */
	{
		struct xlcfg cfg;
		domid_t id;

		parse("name='warm'\nmemory=8\nkernel='k'\n", &cfg);
		XL.xs = NULL;
		assert_int_equal(xl_create(&XL, &cfg, kimg, sizeof(kimg), &id, NULL, 0), 0);
		assert_int_equal(xl_destroy(&XL, id), 0);
		XL.xs = &xs_ops;
	}
	h_audit(&H);
	free0 = H.hv->heap.free_pages;
	resident0 = vmm_memfd_resident(&H.vmm);
	ndoms0 = count_domains();
	ports0 = open_ports();
	grants0 = gnttab_nr_maps(dom0);
	mapped0 = vmm_dom(dom0)->mapped_pages;
	h_audit(&H);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	xl_fini(&XL);
	h_fini(&H);
	return 0;
}

/* the system as it was before the create: domains, heap, Dom0's ports,
 * grant maps and host mappings of its window, the memfd, the audit */
static void back_to_start(void)
{
	h_audit(&H);
	assert_int_equal(count_domains(), ndoms0);
	assert_int_equal(H.hv->heap.free_pages, free0);
	assert_int_equal(open_ports(), ports0);
	assert_int_equal(gnttab_nr_maps(dom0), grants0);
	assert_int_equal(vmm_dom(dom0)->mapped_pages, mapped0);
	if (vmm_memfd_resident(&H.vmm) > resident0)
		fprintf(stderr, "memfd: %llu bytes now, %llu at the start\n",
			(unsigned long long)vmm_memfd_resident(&H.vmm), (unsigned long long)resident0);
	assert_true(vmm_memfd_resident(&H.vmm) <= resident0);
}

static const char *cfg_text =
	"name = 'guest1'\n"
	"memory = 16\n"
	"vcpus = 2\n"
	"kernel = '/boot/hello.elf'\n"
	"extra = 'console=hvc0 x=1'\n"
	"disk = [ 'vdev=xvda, backendtype=standalone, specification=virtio, transport=mmio, "
	"target=/srv/a.img', "
	"'vdev=xvdb, access=r, backendtype=standalone, specification=virtio, transport=mmio, "
	"target=/srv/b.img' ]\n";

static const fdt32_t *prop(const void *fdt, const char *path, const char *name, int *len)
{
	int node = fdt_path_offset(fdt, path);

	assert_true(node >= 0);
	return fdt_getprop(fdt, node, name, len);
}

static uint64_t cells64(const fdt32_t *p, unsigned int i)
{
	return (uint64_t)fdt32_to_cpu(p[2 * i]) << 32 | fdt32_to_cpu(p[2 * i + 1]);
}

/* Walks the identity map the toolstack wrote (2 MiB leaves) for va. */
static uint64_t walk(struct domain *u, uint64_t cr3, uint64_t va)
{
	uint64_t e;

	memcpy(&e, h_va(u, cr3 + 8 * ((va >> 39) & 511)), 8);
	if (!(e & 1))
		return ~0ULL;
	memcpy(&e, h_va(u, (e & ~0xfffULL) + 8 * ((va >> 30) & 511)), 8);
	if (!(e & 1))
		return ~0ULL;
	memcpy(&e, h_va(u, (e & ~0xfffULL) + 8 * ((va >> 21) & 511)), 8);
	if ((e & 0x87) != 0x87)
		return ~0ULL;
	return (e & ~0x1fffffULL) | (va & 0x1fffff);
}

static void test_create(void **state)
{
	struct xlcfg cfg;
	struct domain *u;
	domid_t id = 0;
	char err[200];
	const void *fdt;
	const fdt32_t *p;
	int len, node;
	uint64_t area = 0x40000000ULL + (16ULL << 20) - 0x200000, top;
	unsigned int bits = H.hv->cfg.gpaddr_bits, nreg;
	uint64_t want[2][2];
	unsigned int nwant = 0;
	int rc;

	(void)state;
	parse(cfg_text, &cfg);
	rc = xl_create(&XL, &cfg, kimg, sizeof(kimg), &id, err, sizeof(err));
	if (rc)
		fprintf(stderr, "xl_create: %d: %s\n", rc, err);
	assert_int_equal(rc, 0);
	u = domain_by_id(H.hv, id);
	assert_non_null(u);
	h_audit(&H);

	/* the hypervisor's view: RAM + the two magic pages, max_mem with
	 * libxl's 1 MiB, two vCPUs, unpaused, the CPU record */
	assert_int_equal(u->tot_pages, (16 << 8) + 2);
	assert_int_equal(u->max_pages, 17 << 8);
	assert_int_equal(u->nr_vcpus, 2);
	assert_int_equal(u->pause_count, 0);
	assert_true(u->boot[0].set);
	assert_int_equal(u->boot[0].rip, K_ENTRY);
	assert_int_equal(u->boot[0].rdi, area + 0x100000);
	assert_int_equal(u->boot[0].rsi, area);
	assert_int_equal(u->boot[0].rdx, 0x200000);
	assert_int_equal(u->boot[0].rsp, area + 0x200000);
	assert_int_equal(u->boot[0].cr3, area + 0x1000);

	/* the kernel: file bytes, the bss tail zero */
	assert_memory_equal(h_va(u, K_TEXT), kimg + 0x1000, K_TEXT_LEN);
	assert_memory_equal(h_va(u, K_DATA), kimg + 0x2800, K_DATA_FILE);
	for (unsigned int i = K_DATA_FILE; i < K_DATA_MEM; i++)
		assert_int_equal(((uint8_t *)h_va(u, K_DATA))[i], 0);

	/* the boot area: GDT (64-bit code at 0x08), the identity map */
	{
		uint64_t g[3];

		memcpy(g, h_va(u, area), sizeof(g));
		assert_int_equal(g[0], 0);
		assert_true(g[1] & (1ULL << 53)); /* L */
		assert_true(g[1] & (1ULL << 47)); /* P */
	}
	assert_int_equal(walk(u, area + 0x1000, K_ENTRY), K_ENTRY);
	assert_int_equal(walk(u, area + 0x1000, 0x40000000ULL + (16ULL << 20) - 1),
			 0x40000000ULL + (16ULL << 20) - 1);
	assert_int_equal(walk(u, area + 0x1000, 0x38000000ULL), 0x38000000ULL);
	assert_int_equal(walk(u, area + 0x1000, 0x38ffffffULL), 0x38ffffffULL);
	assert_int_equal(walk(u, area + 0x1000, 0x41000000ULL), ~0ULL); /* past RAM */

	/* the device tree, read with libfdt */
	fdt = h_va(u, area + 0x100000);
	assert_int_equal(fdt_check_full(fdt, 0x80000), 0);
	assert_int_equal(fdt_version(fdt), 17);
	assert_string_equal((const char *)prop(fdt, "/", "compatible", &len), "memvisor,guest");
	assert_int_equal(fdt32_to_cpu(*prop(fdt, "/", "#address-cells", &len)), 2);
	assert_int_equal(fdt32_to_cpu(*prop(fdt, "/", "#size-cells", &len)), 2);
	p = prop(fdt, "/memory@40000000", "reg", &len);
	assert_int_equal(len, 16);
	assert_int_equal(cells64(p, 0), 0x40000000ULL);
	assert_int_equal(cells64(p, 1), 16ULL << 20);
	assert_string_equal((const char *)prop(fdt, "/memory@40000000", "device_type", &len),
			    "memory");
	assert_string_equal((const char *)prop(fdt, "/chosen", "bootargs", &len),
			    "console=hvc0 x=1");
	p = prop(fdt, "/hypervisor", "compatible", &len);
	{
		char want_c[64];
		int n = snprintf(want_c, sizeof(want_c), "xen,xen-%u.%u", XL.xen_major,
				 XL.xen_minor);

		assert_int_equal(len, n + 1 + 8);
		assert_memory_equal(p, want_c, (size_t)n + 1);
		assert_memory_equal((const char *)p + n + 1, "xen,xen", 8);
	}
	p = prop(fdt, "/hypervisor", "interrupts", &len);
	assert_int_equal(len, 12);
	assert_int_equal(fdt32_to_cpu(p[0]), 1);
	assert_int_equal(fdt32_to_cpu(p[1]), 15);
	assert_int_equal(fdt32_to_cpu(p[2]), 0xf08);

	/* libxl's regions, computed here from the facts: the tail of each
	 * bank above its RAM (2 MiB rounded) to the bank end or 2^bits */
	top = bits >= 64 ? ~0ULL : (1ULL << bits) - 1;
	{
		uint64_t s = 0x41000000ULL, e = 0xffffffffULL < top ? 0xffffffffULL : top;

		if (e > s && e - s + 1 >= (64ULL << 20)) {
			want[nwant][0] = s;
			want[nwant++][1] = e - s + 1;
		}
		s = 0x200000000ULL;
		e = 0x200000000ULL + 0xfe00000000ULL - 1;
		if (e > top)
			e = top;
		if (e > s && e - s + 1 >= (64ULL << 20)) {
			want[nwant][0] = s;
			want[nwant++][1] = e - s + 1;
		}
	}
	assert_true(nwant >= 1);
	p = prop(fdt, "/hypervisor", "reg", &len);
	nreg = (unsigned int)len / 16;
	assert_int_equal(nreg, 1 + nwant);
	assert_int_equal(cells64(p, 0), 0x38000000ULL);
	assert_int_equal(cells64(p, 1), 0x01000000ULL);
	for (unsigned int i = 0; i < nwant; i++) {
		assert_int_equal(cells64(p, 2 + 2 * i), want[i][0]);
		assert_int_equal(cells64(p, 3 + 2 * i), want[i][1]);
	}

	/* libxl's virtio,mmio nodes: base 0x02000000 + 0x200 i, SPI 33 + i */
	for (unsigned int i = 0; i < 2; i++) {
		char path[40];

		snprintf(path, sizeof(path), "/virtio@%llx", 0x02000000ULL + 0x200 * i);
		assert_string_equal((const char *)prop(fdt, path, "compatible", &len), "virtio,mmio");
		p = prop(fdt, path, "reg", &len);
		assert_int_equal(len, 16);
		assert_int_equal(cells64(p, 0), 0x02000000ULL + 0x200 * i);
		assert_int_equal(cells64(p, 1), 0x200);
		p = prop(fdt, path, "interrupts", &len);
		assert_int_equal(len, 12);
		assert_int_equal(fdt32_to_cpu(p[0]), 0);
		assert_int_equal(fdt32_to_cpu(p[1]) + 32, 33 + i);
		assert_non_null(prop(fdt, path, "dma-coherent", &len));
	}
	node = fdt_node_offset_by_compatible(fdt, -1, "virtio,mmio");
	node = fdt_node_offset_by_compatible(fdt, node, "virtio,mmio");
	assert_true(node >= 0);
	assert_true(fdt_node_offset_by_compatible(fdt, node, "virtio,mmio") < 0);

	/* reserved: the boot area and both segments */
	assert_int_equal(fdt_num_mem_rsv(fdt), 3);
	{
		uint64_t a, s;

		assert_int_equal(fdt_get_mem_rsv(fdt, 0, &a, &s), 0);
		assert_int_equal(a, area);
		assert_int_equal(s, 0x200000);
		assert_int_equal(fdt_get_mem_rsv(fdt, 1, &a, &s), 0);
		assert_int_equal(a, K_TEXT);
		assert_int_equal(s, 0x2000);
		assert_int_equal(fdt_get_mem_rsv(fdt, 2, &a, &s), 0);
		assert_int_equal(a, K_DATA);
		assert_int_equal(s, 0x3000);
	}

	/* the magic pages and their ports, in the HVM params the guest reads */
	assert_int_equal(u->tot_pages, (16 << 8) + 2);
	assert_int_equal(xs.news, 1);
	assert_int_equal(xs.waits, 2);
	assert_int_equal(xs.last.domid, id);
	assert_string_equal(xs.last.name, "guest1");
	assert_int_equal(xs.last.store_gfn, XL_STORE_PFN);
	assert_int_equal(xs.last.console_gfn, XL_CONSOLE_PFN);
	assert_true(xs.last.store_port != 0 && xs.last.console_port != 0 &&
		    xs.last.store_port != xs.last.console_port);
	assert_int_equal(xs.last.nr_disks, 2);
	assert_true(xs.last.disk[0].writable);
	assert_false(xs.last.disk[1].writable);
	assert_string_equal(xs.last.disk[1].params, "/srv/b.img");
	assert_int_equal(xs.last.gpaddr_bits, bits);
	{
		struct xen_hvm_param hp = {.domid = id, .index = HVM_PARAM_STORE_PFN};

		assert_int_equal(h_op(&H, dom0, __HYPERVISOR_hvm_op, HVMOP_get_param, &hp,
				      sizeof(hp)), 0);
		assert_int_equal(hp.value, XL_STORE_PFN);
		hp = (struct xen_hvm_param){.domid = id, .index = HVM_PARAM_CONSOLE_EVTCHN};
		assert_int_equal(h_op(&H, dom0, __HYPERVISOR_hvm_op, HVMOP_get_param, &hp,
				      sizeof(hp)), 0);
		assert_int_equal(hp.value, xs.last.console_port);
	}

	/* by name, and the name is taken */
	assert_int_equal(xl_find(&XL, "guest1"), id);
	assert_int_equal(xl_create(&XL, &cfg, kimg, sizeof(kimg), &id, err, sizeof(err)),
			 -XEN_EEXIST);

	/* destroy: the nodes go, and the system is where it was */
	assert_int_equal(xl_destroy(&XL, id), 0);
	assert_int_equal(xs.gones, 1);
	assert_null(domain_by_id(H.hv, id));
	assert_int_equal(xl_find(&XL, "guest1"), -XEN_ESRCH);
	assert_int_equal(xl_destroy(&XL, id), -XEN_ESRCH);
	back_to_start();
}

struct lines {
	char text[8][200];
	unsigned int n;
};

static void on_line(void *arg, const char *text)
{
	struct lines *l = arg;

	if (l->n < 8)
		snprintf(l->text[l->n++], sizeof(l->text[0]), "%s", text);
}

static void test_list(void **state)
{
	struct xlcfg cfg;
	struct lines l = {0};
	domid_t a, b;
	char want[200];

	(void)state;
	parse("name='small'\nmemory=8\nkernel='hello.elf'\n", &cfg);
	assert_int_equal(xl_create(&XL, &cfg, kimg, sizeof(kimg), &a, NULL, 0), 0);
	parse("name='big'\nmemory=24\nkernel='hello.elf'\n", &cfg);
	assert_int_equal(xl_create(&XL, &cfg, kimg, sizeof(kimg), &b, NULL, 0), 0);
	assert_int_equal(xl_list(&XL, on_line, &l), 3); /* dom0 and the two */
	assert_int_equal(l.n, 4);
	assert_non_null(strstr(l.text[0], "Name"));
	assert_non_null(strstr(l.text[0], "Mem"));
	/* 8 MiB + the two magic pages: 8 MiB (xl rounds down) */
	snprintf(want, sizeof(want), "%-40s %5u %5u %5u ", "small", a, 8, 1);
	assert_memory_equal(l.text[2], want, strlen(want));
	snprintf(want, sizeof(want), "%-40s %5u %5u %5u ", "big", b, 24, 1);
	assert_memory_equal(l.text[3], want, strlen(want));
	assert_int_equal(xl_destroy(&XL, a), 0);
	assert_int_equal(xl_find(&XL, "big"), b);
	assert_int_equal(xl_destroy(&XL, b), 0);
	back_to_start();
}

/* More memory than is free: Xen's errno, nothing made. */
static void test_enomem(void **state)
{
	struct xlcfg cfg;
	char err[200];
	domid_t id = 0;

	(void)state;
	parse("name='huge'\nmemory=2048\nkernel='hello.elf'\n", &cfg);
	assert_int_equal(xl_create(&XL, &cfg, kimg, sizeof(kimg), &id, err, sizeof(err)),
			 -XEN_ENOMEM);
	assert_non_null(strstr(err, "free"));
	assert_int_equal(xs.news, 0);
	back_to_start();
	/* and a fitting one still works afterwards */
	parse("name='fits'\nmemory=16\nkernel='hello.elf'\n", &cfg);
	assert_int_equal(xl_create(&XL, &cfg, kimg, sizeof(kimg), &id, err, sizeof(err)), 0);
	assert_int_equal(xl_destroy(&XL, id), 0);
	back_to_start();
}

/* Everything that fails before createdomain, and the late steps that fail
 * after it: the domain is destroyed, the nodes removed. */
static void test_failures(void **state)
{
	struct xlcfg cfg;
	char err[200];
	domid_t id = 0;
	uint8_t bad[sizeof(kimg)];

	(void)state;
	parse("name='x'\nmemory=16\nkernel='hello.elf'\n", &cfg);

	memcpy(bad, kimg, sizeof(bad));
	bad[0] = 0;
	assert_int_equal(xl_create(&XL, &cfg, bad, sizeof(bad), &id, err, sizeof(err)),
			 -XEN_EINVAL);
	assert_non_null(strstr(err, "ELF"));
	assert_int_equal(xl_create(&XL, &cfg, kimg, 200, &id, err, sizeof(err)), -XEN_EINVAL);
	/* a segment in the boot area (top 2 MiB of 16 MiB) */
	make_kernel(0x40000000ULL + (15ULL << 20));
	assert_int_equal(xl_create(&XL, &cfg, kimg, sizeof(kimg), &id, err, sizeof(err)),
			 -XEN_EINVAL);
	/* outside RAM */
	make_kernel(0x60000000ULL);
	assert_int_equal(xl_create(&XL, &cfg, kimg, sizeof(kimg), &id, err, sizeof(err)),
			 -XEN_EINVAL);
	make_kernel(K_TEXT);
	back_to_start();

	/* a disk memvisor cannot give: not virtio */
	parse("name='x'\nmemory=16\nkernel='hello.elf'\ndisk=['vdev=xvda, target=/a']\n", &cfg);
	assert_int_equal(xl_create(&XL, &cfg, kimg, sizeof(kimg), &id, err, sizeof(err)),
			 -XEN_EOPNOTSUPP);
	/* a backend domain that does not exist */
	parse("name='x'\nmemory=16\nkernel='hello.elf'\ndisk=['vdev=xvda, "
	      "backend=nobody, specification=virtio, backendtype=standalone, target=/a']\n", &cfg);
	assert_int_equal(xl_create(&XL, &cfg, kimg, sizeof(kimg), &id, err, sizeof(err)),
			 -XEN_ESRCH);
	back_to_start();

	/* xenstore refuses: the domain goes */
	parse("name='x'\nmemory=16\nkernel='hello.elf'\ndisk=['vdev=xvda, "
	      "specification=virtio, backendtype=standalone, target=/a']\n", &cfg);
	xs.fail_new = -XEN_EIO;
	assert_int_equal(xl_create(&XL, &cfg, kimg, sizeof(kimg), &id, err, sizeof(err)),
			 -XEN_EIO);
	assert_int_equal(xs.gones, 0); /* its nodes were never written */
	xs.fail_new = 0;
	back_to_start();
	/* the backend never reaches InitWait: nodes removed, domain gone */
	xs.fail_wait = -XEN_ETIMEDOUT;
	assert_int_equal(xl_create(&XL, &cfg, kimg, sizeof(kimg), &id, err, sizeof(err)),
			 -XEN_ETIMEDOUT);
	assert_int_equal(xs.gones, 1);
	assert_int_equal(xl_find(&XL, "x"), -XEN_ESRCH);
	xs.fail_wait = 0;
	back_to_start();
}

/* Without xenstore hooks the library works alone. */
static void test_no_xenstore(void **state)
{
	struct xlcfg cfg;
	domid_t id = 0;

	(void)state;
	XL.xs = NULL;
	parse("name='alone'\nmemory=8\nkernel='hello.elf'\n", &cfg);
	{
		char err[200];
		int rc = xl_create(&XL, &cfg, kimg, sizeof(kimg), &id, err, sizeof(err));

		if (rc)
			fprintf(stderr, "xl_create: %d: %s\n", rc, err);
		assert_int_equal(rc, 0);
	}
	assert_non_null(domain_by_id(H.hv, id));
	assert_int_equal(xl_destroy(&XL, id), 0);
	back_to_start();
}


/* --- the xenstore hooks over xenstored and libxl's node writer ----------- */

static struct xsd srv;
static struct xenstore_domain_interface lring[2];
static struct xs_client cl, be_cl;
static unsigned long spins;
static bool be_sim;   /* a backend answers InitWait */
static unsigned int be_fe;
static unsigned int introduced, released;

static void nop_notify(void *ctx)
{
	(void)ctx;
}

/* the backend's client: only runs the server */
static int be_wait(void *ctx)
{
	(void)ctx;
	xsd_poll(&srv);
	return ++spins > 2000000 ? -1 : 0;
}

/* the toolstack's client: runs the server and, when asked, plays the
 * disk backend, which takes the frontend by writing InitWait */
static int ts_wait(void *ctx)
{
	(void)ctx;
	xsd_poll(&srv);
	if (be_sim) {
		/* the frontend it serves: the one domain under its backend dir */
		char path[XS_LIBXL_PATH + 8], v[16];

		if (xs_directory(&be_cl, 0, "/local/domain/0/backend/virtio_disk", v, sizeof(v)) >
		    0) {
			be_fe = (unsigned int)strtoul(v, NULL, 10);
			xs_libxl_be_path(path, 0, (uint16_t)be_fe, 51712);
			strcat(path, "/state");
			if (xs_read(&be_cl, 0, path, v, sizeof(v)) > 0 && v[0] == '1')
				assert_int_equal(xs_write(&be_cl, 0, path, "2"), 0);
		}
	}
	/* nobody answers: give up (libxl's timeout), but only while no
	 * request of ours is in flight: then it is the wait for the backend */
	if (++spins > 20000 && lring[0].req_cons == lring[0].req_prod &&
	    lring[0].rsp_cons == lring[0].rsp_prod)
		return -1;
	return 0;
}

/* INTRODUCE: the ring is the DomU's store page, through its window */
static int dom_introduce(void *ctx, uint16_t dom, uint64_t gfn, uint32_t port,
			 struct xsd_ring_io *io)
{
	struct domain *u = domain_by_id(H.hv, dom);

	(void)ctx;
	(void)port;
	if (!u || gfn != XL_STORE_PFN)
		return -XEN_EINVAL;
	io->intf = h_va(u, gfn << 12);
	io->notify = nop_notify;
	introduced++;
	return 0;
}

static void dom_release(void *ctx, uint16_t dom, struct xsd_ring_io *io)
{
	(void)ctx;
	(void)dom;
	(void)io;
	released++;
}

static int dom_state(void *ctx, uint16_t dom)
{
	(void)ctx;
	return domain_by_id(H.hv, dom) ? XSD_DOM_RUNNING : XSD_DOM_DEAD;
}

static const struct xsd_domain_ops dom_ops = {dom_introduce, dom_release, dom_state};

static void test_xenstore_nodes(void **state)
{
	struct xlcfg cfg;
	char err[200], v[200], path[160];
	domid_t id = 0;
	int rc;

	(void)state;
	xsd_init(&srv);
	xsd_set_domain_ops(&srv, &dom_ops, NULL);
	memset(lring, 0, sizeof(lring));
	assert_non_null(xsd_connect_local(&srv, &lring[0], nop_notify, NULL));
	assert_non_null(xsd_connect_local(&srv, &lring[1], nop_notify, NULL));
	xs_client_init(&cl, &lring[0], nop_notify, ts_wait, NULL);
	xs_client_init(&be_cl, &lring[1], nop_notify, be_wait, NULL);
	introduced = released = 0;
	XL.xs = &xl_xs_libxl_ops;
	XL.xs_ctx = &cl;
	parse("name='stored'\nmemory=16\nmaxmem=24\nvcpus=2\nkernel='hello.elf'\n"
	      "disk=['vdev=xvda, specification=virtio, backendtype=standalone, target=/img']\n",
	      &cfg);

	/* nobody takes the disk: libxl's wait gives up, nothing is left */
	be_sim = false;
	spins = 0;
	rc = xl_create(&XL, &cfg, kimg, sizeof(kimg), &id, err, sizeof(err));
	if (rc != -XEN_ETIMEDOUT)
		fprintf(stderr, "xl_create: %d: %s\n", rc, err);
	assert_int_equal(rc, -XEN_ETIMEDOUT);
	assert_int_equal(introduced, 1);
	assert_int_equal(released, 1);
	/* only Dom0's home is left (its backend directory without the disk) */
	assert_int_equal(xs_directory(&cl, 0, "/local/domain", v, sizeof(v)), 2); /* "0", NUL */
	assert_string_equal(v, "0");
	assert_true(xs_directory(&cl, 0, "/local/domain/0/backend/virtio_disk", v, sizeof(v)) <= 0);
	assert_int_equal(xs_directory(&cl, 0, "/vm", v, sizeof(v)), 0);
	back_to_start();

	/* a backend answers: built, introduced, its nodes as libxl's */
	be_sim = true;
	spins = 0;
	be_fe = 0;
	rc = xl_create(&XL, &cfg, kimg, sizeof(kimg), &id, err, sizeof(err));
	if (rc)
		fprintf(stderr, "xl_create: %d: %s\n", rc, err);
	assert_int_equal(rc, 0);
	assert_int_equal(introduced, 2);
	assert_int_equal(be_fe, id);
	assert_int_equal(xs_is_domain_introduced(&cl, id), 1);
	snprintf(path, sizeof(path), "/local/domain/%u/name", id);
	assert_true(xs_read(&cl, 0, path, v, sizeof(v)) > 0);
	assert_string_equal(v, "stored");
	snprintf(path, sizeof(path), "/local/domain/%u/memory/target", id);
	assert_true(xs_read(&cl, 0, path, v, sizeof(v)) > 0);
	assert_string_equal(v, "16384");
	snprintf(path, sizeof(path), "/local/domain/%u/memory/static-max", id);
	assert_true(xs_read(&cl, 0, path, v, sizeof(v)) > 0);
	assert_string_equal(v, "24576");
	snprintf(path, sizeof(path), "/local/domain/%u/store/port", id);
	assert_true(xs_read(&cl, 0, path, v, sizeof(v)) > 0);
	assert_int_equal(strtoul(v, NULL, 10), XL.dom[0].store_port);
	snprintf(path, sizeof(path), "/local/domain/%u/device/virtio_disk/51712/base", id);
	assert_true(xs_read(&cl, 0, path, v, sizeof(v)) > 0);
	assert_int_equal(strtoull(v, NULL, 0), 0x02000000ULL);
	snprintf(path, sizeof(path), "/local/domain/0/backend/virtio_disk/%u/51712/params", id);
	assert_true(xs_read(&cl, 0, path, v, sizeof(v)) > 0);
	assert_string_equal(v, "/img");
	snprintf(path, sizeof(path), "/local/domain/0/backend/virtio_disk/%u/51712/state", id);
	assert_true(xs_read(&cl, 0, path, v, sizeof(v)) > 0);
	assert_string_equal(v, "2");

	/* destroy: released, every node of it gone */
	assert_int_equal(xl_destroy(&XL, id), 0);
	assert_int_equal(released, 2);
	assert_int_equal(xs_is_domain_introduced(&cl, id), 0);
	snprintf(path, sizeof(path), "/local/domain/%u", id);
	assert_int_equal(xs_read(&cl, 0, path, v, sizeof(v)), -XEN_ENOENT);
	snprintf(path, sizeof(path), "/local/domain/0/backend/virtio_disk/%u", id);
	assert_int_equal(xs_read(&cl, 0, path, v, sizeof(v)), -XEN_ENOENT);
	assert_int_equal(xs_directory(&cl, 0, "/vm", v, sizeof(v)), 0);
	back_to_start();
	XL.xs = &xs_ops;
	XL.xs_ctx = NULL;
}

/* 100 create/destroy cycles: heap, memfd, domains back every time. */
static void test_cycles(void **state)
{
	struct xlcfg cfg;
	char err[200];
	domid_t id = 0;

	(void)state;
	parse(cfg_text, &cfg);
	for (unsigned int c = 0; c < 100; c++) {
		assert_int_equal(xl_create(&XL, &cfg, kimg, sizeof(kimg), &id, err, sizeof(err)),
				 0);
		assert_int_equal(xl_destroy(&XL, id), 0);
		back_to_start();
	}
	assert_int_equal(xs.news, 100);
	assert_int_equal(xs.gones, 100);
}

/*
 * xl_create with the hypervisor's nth allocation failing, for every n
 * until it succeeds (the failure-injection build; skipped otherwise): each
 * failure is an error and leaves the heap, the domain list, the memfd and
 * the audit as before, and the xenstore nodes removed when written.
 */
static void test_create_oom(void **state)
{
#ifdef HV_FAILINJECT
#ifndef TS_FI_STRIDE
#define TS_FI_STRIDE 1
#endif
	struct xlcfg cfg;
	char err[200];
	domid_t id = 0;
	unsigned int failed = 0;
	int rc = -XEN_ENOMEM;

	(void)state;
	parse(cfg_text, &cfg);
	/* TS_FI_STRIDE: every allocation (1), or every kth where the build is
	 * too slow for all (the ASan build) */
	for (uint64_t nth = 1; rc && nth < 5000; nth += TS_FI_STRIDE) {
		unsigned int news = xs.news, gones = xs.gones;

		H.hv->fi_nth = nth;
		H.hv->fi_calls = 0;
		rc = xl_create(&XL, &cfg, kimg, sizeof(kimg), &id, err, sizeof(err));
		H.hv->fi_nth = 0;
		if (rc) {
			failed++;
			assert_true(rc < 0);
			assert_int_equal(xs.gones - gones, xs.news - news);
			if (count_domains() != ndoms0) {
				for (struct domain *d = H.hv->domains; d; d = d->next)
					fprintf(stderr, "allocation %llu failed: %d (%s); d%u state %d "
						"tot_pages %llu\n", (unsigned long long)nth, rc, err,
						d->id, (int)d->state,
						(unsigned long long)d->tot_pages);
			}
			back_to_start();
		}
	}
	assert_int_equal(rc, 0);
	assert_true(failed >= 3);
	print_message("xl_create failed cleanly at each of %u allocations\n", failed);
	assert_int_equal(xl_destroy(&XL, id), 0);
	back_to_start();
#else
	(void)state;
	skip();
#endif
}

/* The writer alone: what libfdt reads back, and its errors. */
static void test_fdt_write(void **state)
{
	static uint8_t buf[4096];
	struct fdtw w;
	long n;
	int len;

	(void)state;
	fdtw_init(&w, buf, sizeof(buf));
	fdtw_reserve(&w, 0x1000, 0x2000);
	fdtw_begin(&w, "");
	fdtw_prop_u32(&w, "#address-cells", 2);
	fdtw_begin(&w, "a@1");
	fdtw_prop_str(&w, "compatible", "x,y");
	fdtw_prop_u64s(&w, "reg", (const uint64_t[]){0x123456789ULL, 0x10}, 2);
	fdtw_prop(&w, "empty", NULL, 0);
	fdtw_end(&w);
	fdtw_begin(&w, "b");
	fdtw_prop_str(&w, "compatible", "x,y"); /* the name is shared */
	fdtw_end(&w);
	fdtw_end(&w);
	n = fdtw_finish(&w);
	assert_true(n > 0);
	assert_int_equal(fdt_check_full(buf, (size_t)n), 0);
	assert_int_equal((long)fdt_totalsize(buf), n);
	assert_int_equal(fdt_size_dt_strings(buf), sizeof("#address-cells") +
			 sizeof("compatible") + sizeof("reg") + sizeof("empty"));
	assert_string_equal(fdt_getprop(buf, fdt_path_offset(buf, "/b"), "compatible", &len),
			    "x,y");
	assert_int_equal(cells64(fdt_getprop(buf, fdt_path_offset(buf, "/a@1"), "reg", &len), 0),
			 0x123456789ULL);
	assert_int_equal(fdt_num_mem_rsv(buf), 1);

	/* unbalanced, a reservation after the root, too small a buffer */
	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin(&w, "");
	fdtw_begin(&w, "a");
	fdtw_end(&w);
	assert_int_equal(fdtw_finish(&w), -XEN_EINVAL);
	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin(&w, "");
	fdtw_reserve(&w, 0, 1);
	fdtw_end(&w);
	assert_int_equal(fdtw_finish(&w), -XEN_EINVAL);
	fdtw_init(&w, buf, 80);
	fdtw_begin(&w, "");
	fdtw_prop_str(&w, "compatible", "a long string that does not fit in eighty bytes");
	fdtw_end(&w);
	assert_int_equal(fdtw_finish(&w), -XEN_ENOSPC);
}

/* libxl's region rule at the edges: gpaddr_bits cutting RAM1 off, a RAM0
 * tail under 64 MiB, RAM spilling into RAM1. */
static void test_regions(void **state)
{
	struct xl_dom d;
	uint64_t r[4][2];

	(void)state;
	memset(&d, 0, sizeof(d));
	xl_ram_banks(16ULL << 20, &d);
	assert_int_equal(d.nr_ram, 1);
	assert_int_equal(xl_regions(32, true, &d, r, 4), 1);
	assert_int_equal(r[0][0], 0x41000000ULL);
	assert_int_equal(r[0][1], 0xbf000000ULL);
	assert_int_equal(xl_regions(40, true, &d, r, 4), 2);
	assert_int_equal(r[1][0], 0x200000000ULL);
	assert_int_equal(r[1][1], (1ULL << 40) - 0x200000000ULL);
	/* 3 GiB - 32 MiB in RAM0: its tail is 32 MiB, dropped */
	xl_ram_banks(0xc0000000ULL - (32ULL << 20), &d);
	assert_int_equal(xl_regions(36, true, &d, r, 4), 1);
	assert_int_equal(r[0][0], 0x200000000ULL);
	/* 3 GiB + 1 MiB: RAM1 holds 1 MiB, its region starts 2 MiB in */
	xl_ram_banks(0xc0000000ULL + (1ULL << 20), &d);
	assert_int_equal(d.nr_ram, 2);
	assert_int_equal(d.ram[1].size, 1ULL << 20);
	assert_int_equal(xl_regions(36, true, &d, r, 4), 1);
	assert_int_equal(r[0][0], 0x200200000ULL);
	assert_int_equal(xl_regions(65, true, &d, r, 4), -XEN_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fdt_write),
		cmocka_unit_test(test_regions),
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enomem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_xenstore, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xenstore_nodes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cycles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_oom, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
