/*
 * The toolstack library of a privileged domain (issue 16 item 2): xl
 * create / list / destroy of a DomU from a parsed xl.cfg (xen/xlcfg.h) and
 * a kernel image, built the way libxl builds an Arm guest, with memvisor's
 * domctl (docs/toolstack.md):
 *
 *   createdomain (paused, empty) -> max_vcpus -> max_mem -> getdomaininfo
 *   (gpaddr_bits) -> populate_physmap of the RAM banks (libxl's Arm guest
 *   map: RAM0 at 1 GiB, then RAM1) -> magic pages (console, xenstore) and
 *   their ports -> extended regions (libxl's algorithm) -> the kernel ELF,
 *   the device tree and the boot area written through foreign mappings ->
 *   grant table placed at region 0 -> sethvmcontext -> xenstore nodes
 *   (optional hook) -> wait for each virtio disk backend's InitWait
 *   (optional hook) -> unpause.
 *
 * Invariants: every error is a negative Xen errno (public/errno.h) and a
 * failed xl_create leaves nothing: the half-built domain is destroyed, the
 * toolstack's own mappings and ports are released, its table slot is free.
 * xl_destroy brings the system back to where it was before the create.
 *
 * The library keeps a table of the domains it created (their names: the
 * hypervisor knows none), so `struct xl` is large; allocate it statically
 * or in pages. Not thread-safe: one vCPU runs the toolstack.
 */
#ifndef XEN_TOOLSTACK_H
#define XEN_TOOLSTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <public/event_channel.h>
#include <public/xen.h>

struct xlcfg; /* xen/xlcfg.h (the parser) */

#define XL_NAME_MAX 64       /* with the NUL */
#define XL_MAX_DISKS 4
#define XL_MAX_DOMS 32       /* domains one toolstack keeps track of */
#define XL_MAX_RAM_BANKS 2   /* libxl's Arm guest map: RAM0, RAM1 */
#define XL_MAX_REGIONS 16    /* extended regions written to the DT */
#define XL_PATH_MAX 256

/* libxl's Arm map of a guest's virtio-mmio devices (base + 0x200 * i, SPI
 * 33 + i) and the magic pages (console at +0, xenstore at +1). */
#define XL_VIRTIO_MMIO_BASE 0x02000000ULL
#define XL_VIRTIO_MMIO_SIZE 0x200ULL
#define XL_VIRTIO_SPI_FIRST 33u
#define XL_MAGIC_BASE 0x39000000ULL
#define XL_CONSOLE_PFN (XL_MAGIC_BASE / 4096 + 0)
#define XL_STORE_PFN (XL_MAGIC_BASE / 4096 + 1)

/* A virtio disk of a built domain (libxl's device model of it). */
struct xl_disk {
	unsigned int devid;        /* index: base/SPI follow from it */
	domid_t backend;           /* the backend domain */
	bool writable;
	uint64_t base, size;       /* its virtio-mmio window */
	uint32_t spi;              /* GIC SPI (>= 32) written to the DT */
	char vdev[16];
	char params[XL_PATH_MAX];  /* target: what the backend serves */
};

/* What the toolstack built: handed to the xenstore hooks and kept for
 * list/destroy. */
struct xl_dom {
	bool used;
	domid_t domid;
	char name[XL_NAME_MAX];
	uint8_t uuid[16];          /* the domain handle (createdomain) */
	uint64_t memory_kb;        /* populated RAM (memory/target) */
	uint64_t maxmem_kb;        /* max_mem (memory/static-max) */
	unsigned int vcpus;
	unsigned int gpaddr_bits;  /* from getdomaininfo */
	struct { uint64_t base, size; } ram[XL_MAX_RAM_BANKS];
	unsigned int nr_ram;
	struct { uint64_t base, size; } region[XL_MAX_REGIONS]; /* extended */
	unsigned int nr_regions;
	xen_pfn_t store_gfn, console_gfn;
	evtchn_port_t store_port, console_port; /* the domain's ends */
	domid_t store_domid, console_domid;     /* their remote ends */
	uint64_t dt_gpa, entry, area_gpa;       /* what sethvmcontext gave */
	unsigned int nr_disks;
	struct xl_disk disk[XL_MAX_DISKS];
	char kernel[XL_PATH_MAX];               /* the config's kernel path */
	bool xs_written;                        /* the hook ran */
};

/*
 * xenstore, optional (engineer X's node writer behind it; NULL ops: the
 * library works without xenstore, e.g. in its own tests). Each returns 0
 * or a negative Xen errno; a failure fails the create, which then calls
 * domain_gone for a domain whose domain_new succeeded.
 */
struct xl_xs_ops {
	/* Write libxl's nodes for d (/local/domain/N/..., /vm/<uuid>/...,
	 * each disk's frontend and backend nodes) and introduce the domain to
	 * xenstored (store_gfn, store_port). Called once the domain is built,
	 * before the unpause. */
	int (*domain_new)(void *ctx, const struct xl_dom *d);
	/* Wait until disk i's backend reached XenbusStateInitWait (libxl's
	 * wait before the unpause); a time-out is -ETIMEDOUT. May be NULL. */
	int (*disk_wait)(void *ctx, const struct xl_dom *d, unsigned int i);
	/* Release the domain from xenstored and remove its nodes. */
	void (*domain_gone)(void *ctx, const struct xl_dom *d);
};

/*
 * In process only: the vCPU entry (an inproc_vcpu_entry_t of this binary,
 * vmm/inproc_env.h) of the built-in program a kernel file names, 0 when
 * none does. The ELF is loaded into the domain all the same; only the
 * CPU record's rip differs (guest/rt: rt_hosted_program_entry()).
 */
typedef uint64_t (*xl_hosted_entry_fn)(const char *kernel_path);

struct xl {
	/* set by the caller before xl_init (or zero) */
	const struct xl_xs_ops *xs;
	void *xs_ctx;
	domid_t store_domid;        /* xenstored's domain (0: Dom0, us) */
	domid_t console_domid;      /* the console backend's domain */
	xl_hosted_entry_fn hosted_entry;
	/* private */
	void *dc;                   /* a page: domctl/sysctl argument */
	void *scratch;              /* a page: hvm context, getdomaininfolist */
	void *maps;                 /* a page: foreign-mapping arrays */
	void *gfns;                 /* a page: populate_physmap frame list */
	void *dtbuf;                /* the device tree being written */
	void *pt;                   /* the page tables being written */
	unsigned long uuid_seq;
	unsigned int xen_major, xen_minor; /* for the /hypervisor compatible */
	struct xl_dom dom[XL_MAX_DOMS];
};

/* Allocates the library's pages and reads the Xen version. 0 or -errno. */
int xl_init(struct xl *xl);
void xl_fini(struct xl *xl);

/*
 * Builds and starts the domain cfg describes, kernel[0..kernel_len) its
 * ELF64 image (docs/boot-protocol.md section 1). *out its id. err (may be
 * NULL) receives a one-line reason on failure. -ENOMEM when its memory is
 * more than is free; -EEXIST for a name in use; -EINVAL for a bad image
 * or config.
 */
int xl_create(struct xl *xl, const struct xlcfg *cfg, const void *kernel, size_t kernel_len,
	      domid_t *out, char *err, size_t errlen);

/* Destroys a domain (created by this toolstack or not): its xenstore
 * nodes, the domain, the table entry. 0, -ESRCH. */
int xl_destroy(struct xl *xl, domid_t domid);

/* The id of the domain named name (or a decimal id), or -ESRCH. */
int xl_find(struct xl *xl, const char *name);

/* The table entry of a domain this toolstack built, or NULL. */
const struct xl_dom *xl_dom(const struct xl *xl, domid_t domid);

/*
 * `xl list`: calls line() with the header and then one line per domain
 * (getdomaininfolist), columns Name, ID, Mem (MiB), VCPUs, State, Time(s)
 * (State as xl prints it: r b p s c d or '-'; Time from cpu_time).
 * Returns the number of domains or -errno.
 */
int xl_list(struct xl *xl, void (*line)(void *arg, const char *text), void *arg);

#endif
