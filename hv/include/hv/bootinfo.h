/*
 * Boot information from a host device tree (Xen's boot DT format).
 *
 * bootinfo_parse() validates the blob (libfdt's full check) and extracts
 * everything the domain builder and the planner need: RAM banks, reserved
 * banks by kind, boot modules, every device `reg` translated to a CPU
 * address, PCI host-bridge windows, whether an IOMMU is present, the Xen
 * command line parsed into struct cmdline_args (cmdline.h), and the dom0less
 * domains with their properties. It never prints: problems are collected as
 * diagnostics naming the node path and, where there is one, the address.
 *
 * The parsed struct owns a private copy of the blob and all strings; the
 * input buffer may be freed once bootinfo_parse() returns. All spans are
 * struct ext_span so they can be handed to the extended-region finders
 * directly. Which nodes count as RAM depends on the Xen release being
 * imitated (see struct xen_policy_traits), hence the policy argument.
 */
#ifndef HV_BOOTINFO_H
#define HV_BOOTINFO_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hv/cmdline.h>
#include <hv/extregion.h>
#include <hv/types.h>

#define BOOTINFO_MAX_DEPTH 64
#define BOOTINFO_MAX_RAM_BANKS 256 /* NR_MEM_BANKS */
/* memvisor,virtio-disk: the window's size and alignment (virtio-mmio, as
 * libxl allocates it) and the SPIs a frontend can bind (32 up to the
 * hypervisor's EVTCHN_NR_PIRQS). */
#define BOOTINFO_VIRTIO_WINDOW 0x200
#define BOOTINFO_VIRTIO_SPI_MIN 32
#define BOOTINFO_VIRTIO_SPI_END 256

struct bootinfo_spans {
	struct ext_span *s;
	unsigned int n, cap;
};

enum bootinfo_diag_level { BOOTINFO_WARN, BOOTINFO_ERR };

struct bootinfo_diag {
	enum bootinfo_diag_level level;
	const char *path; /* node path, "/memreserve/" or "bootargs" */
	bool has_addr;
	paddr_t addr;
	char msg[160];
};

/* Strings a parse or a plan owns (node paths, labels, names), freed with it. */
struct bootinfo_strpool {
	char **str;
	unsigned int nr, cap;
};

enum bootinfo_module_kind {
	BOOTMOD_KERNEL,
	BOOTMOD_RAMDISK,
	BOOTMOD_DTB,
	BOOTMOD_XSM,
	BOOTMOD_UNKNOWN,
};

struct bootinfo_module {
	struct ext_span span;  /* kind EXT_K_MODULE, label = node path */
	enum bootinfo_module_kind kind;
	int domain;            /* index in bootinfo.domain, -1 for Dom0/Xen */
};

/* A raw property `memvisor,*` of a domain node, for other subsystems. */
struct bootinfo_prop {
	const char *name;
	const void *val;       /* points into the private blob copy */
	int len;
};

struct bootinfo_domain {
	const char *name;      /* node name, e.g. "domU1" */
	const char *path;
	int node;              /* offset in bootinfo.fdt */
	bool has_memory;
	uint64_t memory_kb;
	uint32_t cpus;
	bool direct_map;
	bool static_mem;       /* has xen,static-mem */
	struct bootinfo_spans static_banks;  /* host addresses, kind STATIC_DOMAIN */
	bool enhanced_present;
	const char *enhanced;  /* value when a valid string, else NULL */
	bool hypervisor_node;  /* xen,enhanced asks for PV interfaces */
	bool passthrough;      /* partial DT module or `passthrough` property */
	bool is_32bit;         /* memvisor,arch32 planner hint */
	struct bootinfo_spans shm_guest;     /* kind SHM, guest addresses */
	struct bootinfo_spans xen_reg;       /* kind XEN_REG, guest addresses */
	struct bootinfo_prop *props;
	unsigned int nr_props, cap_props;
	/* memvisor,virtio-disk (docs/system-dt.md): a virtio-mmio disk served
	 * through IOREQ by the domain virtio_backend; base and spi are 0 when
	 * the builder allocates them (libxl's way). */
	bool virtio_disk;
	uint32_t virtio_backend;
	paddr_t virtio_base;
	uint32_t virtio_spi;
	bool invalid;          /* an error makes the domain unbuildable */
};

struct bootinfo {
	void *fdt;             /* private copy of the blob */
	size_t fdt_len;
	enum xen_policy policy;
	uint32_t root_addr_cells, root_size_cells; /* defaults 2/1 applied */

	struct bootinfo_spans ram;       /* kind RAM, sorted by start */
	struct bootinfo_spans reserved;  /* RESERVED, MEMRESERVE, STATIC_*, sorted
					  * (4.17: in scan order, see bootinfo.c) */
	struct bootinfo_spans shm_host;  /* SHM host addresses (when given) */
	/* Every translated `reg` (DEVICE_REG) and PCI window (PCI_WINDOW), in
	 * DT order as the IOMMU finder must remove them. */
	struct bootinfo_spans dev_regs;
	struct bootinfo_spans pci;       /* PCI_WINDOW */
	struct bootinfo_module *module;
	unsigned int nr_module, cap_module;

	bool iommu_present;
	const char *iommu_path;
	const char *untranslatable;      /* first `reg` that cannot be translated */
	paddr_t untranslatable_addr;
	unsigned int nr_untranslatable;

	struct cmdline_args args;
	struct bootinfo_domain *domain;  /* dom0less domains, DT order */
	unsigned int nr_domain, cap_domain;

	struct bootinfo_diag *diag;
	unsigned int nr_diag, cap_diag;
	unsigned int nr_err;

	struct bootinfo_strpool pool;
};

struct bootinfo_opts {
	enum xen_policy policy;
	const char *bootargs;  /* replaces /chosen xen,xen-bootargs when set */
};

/*
 * Parses buf[0..len). Returns 0 (diagnostics may hold warnings and non-fatal
 * errors), -EINVAL when the blob is not a valid DTB (a diagnostic says why),
 * -ENOMEM. bootinfo_free() must be called in every case.
 */
int bootinfo_parse(struct bootinfo *bi, const void *buf, size_t len,
		   const struct bootinfo_opts *opts);
void bootinfo_free(struct bootinfo *bi);

/* Appends a span (used by the planner too). -ENOMEM. */
int bootinfo_spans_push(struct bootinfo_spans *sp, paddr_t start, paddr_t size,
			enum ext_kind kind, const char *label);
void bootinfo_spans_free(struct bootinfo_spans *sp);

/* Adds a diagnostic; returns the message buffer for callers that want it. */
void bootinfo_diag(struct bootinfo *bi, enum bootinfo_diag_level lvl,
		   const char *path, bool has_addr, paddr_t addr, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Copies a string into bi's pool; NULL on allocation failure. */
const char *bootinfo_strdup(struct bootinfo *bi, const char *s);

/* The string pool of a parse and of a plan: a copy of s that the pool owns
 * (NULL without memory); freeing the pool frees every copy. */
const char *bootinfo_pool_strdup(struct bootinfo_strpool *pool, const char *s);
void bootinfo_pool_free(struct bootinfo_strpool *pool);

/*
 * The diagnostic list of a parse and of a plan: appends one to the array
 * (*diag, *nr, *cap), its path copied into pool ("?" when that copy fails),
 * its message formatted by diag_vfmt (hv/diag.h). Without memory, or with
 * max diagnostics listed already, nothing is added and NULL is returned.
 */
struct bootinfo_diag *bootinfo_diag_vpush(struct bootinfo_diag **diag, unsigned int *nr,
					  unsigned int *cap, unsigned int max,
					  struct bootinfo_strpool *pool,
					  enum bootinfo_diag_level lvl, const char *path,
					  bool has_addr, paddr_t addr, const char *fmt, va_list ap)
	__attribute__((format(printf, 10, 0)));

const char *bootinfo_module_kind_name(enum bootinfo_module_kind k);

#endif
