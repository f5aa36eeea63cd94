/*
 * memvisor public ABI: I/O requests to device-model (IOREQ) servers.
 *
 * The request types, the synchronous request slot and the buffered request
 * ring shared with an IOREQ server. memvisor uses them to tell emulators
 * that a bus-frame mapping became invalid (IOREQ_TYPE_INVALIDATE, PV IOMMU
 * draft B). Names, numbers and layouts follow Xen's public interface; this
 * file was written for memvisor from the published facts (docs/abi.md), not
 * from Xen's header text.
 *
 * Self-contained: needs only <stdint.h> and <stddef.h>.
 */
#ifndef MEMVISOR_PUBLIC_IOREQ_H
#define MEMVISOR_PUBLIC_IOREQ_H

#include <stddef.h>
#include <stdint.h>

/* Identifies an IOREQ server within its target domain. */
typedef uint16_t ioservid_t;

/* ioreq.dir / buf_ioreq.dir */
#define IOREQ_WRITE 0
#define IOREQ_READ 1

/* ioreq.state */
#define STATE_IOREQ_NONE 0
#define STATE_IOREQ_READY 1
#define STATE_IOREQ_INPROCESS 2
#define STATE_IORESP_READY 3

/* ioreq.type / buf_ioreq.type */
#define IOREQ_TYPE_PIO 0  /* port I/O */
#define IOREQ_TYPE_COPY 1 /* MMIO */
/* PCI_CONFIG addr: segment 63-48, bus 47-40, device 39-35, function 34-32, register 31-0 */
#define IOREQ_TYPE_PCI_CONFIG 2
#define IOREQ_TYPE_TIMEOFFSET 7 /* guest changed its RTC offset */
#define IOREQ_TYPE_INVALIDATE 8 /* drop cached mappings (memvisor: data = invalid BFN) */

/* One synchronous request slot per vCPU (32 bytes). */
struct ioreq {
	uint64_t addr;	   /* port, physical address or PCI config address */
	uint64_t data;	   /* value, or guest address of it if data_is_ptr */
	uint32_t count;	   /* repetitions (rep prefixes) */
	uint32_t size;	   /* bytes per access */
	uint32_t vp_eport; /* event channel to notify on */
	uint16_t _pad0;
	uint8_t state : 4; /* STATE_* */
	uint8_t data_is_ptr : 1;
	uint8_t dir : 1; /* IOREQ_READ or IOREQ_WRITE */
	uint8_t df : 1;	 /* direction flag for rep accesses */
	uint8_t _pad1 : 1;
	uint8_t type; /* IOREQ_TYPE_* */
};
typedef struct ioreq ioreq_t;

struct shared_iopage {
	struct ioreq vcpu_ioreq[1]; /* really one per vCPU */
};
typedef struct shared_iopage shared_iopage_t;

/*
 * One buffered (fire-and-forget) request, 8 bytes. Within the first 32-bit
 * word (GCC/Clang x86-64 bit-field allocation): type in bits 0-7, pad in
 * bit 8, dir in bit 9, size in bits 10-11, addr in bits 12-31.
 */
struct buf_ioreq {
	uint8_t type; /* IOREQ_TYPE_* */
	uint8_t pad : 1;
	uint8_t dir : 1;    /* IOREQ_READ or IOREQ_WRITE */
	uint8_t size : 2;   /* log2 of the access size; 8 bytes take two slots */
	uint32_t addr : 20; /* low 20 bits of the address */
	uint32_t data;	    /* value */
};
typedef struct buf_ioreq buf_ioreq_t;

/* The buffered ring fills one page: two 4-byte indexes plus 511 slots. */
#define IOREQ_BUFFER_SLOT_NUM 511

struct buffered_iopage {
	unsigned int read_pointer;  /* consumer index (free-running) */
	unsigned int write_pointer; /* producer index (free-running) */
	buf_ioreq_t buf_ioreq[IOREQ_BUFFER_SLOT_NUM];
};
typedef struct buffered_iopage buffered_iopage_t;

_Static_assert(sizeof(ioservid_t) == 2, "ioservid_t size");

_Static_assert(sizeof(struct ioreq) == 32, "ioreq size");
_Static_assert(offsetof(struct ioreq, addr) == 0, "ioreq.addr");
_Static_assert(offsetof(struct ioreq, data) == 8, "ioreq.data");
_Static_assert(offsetof(struct ioreq, count) == 16, "ioreq.count");
_Static_assert(offsetof(struct ioreq, size) == 20, "ioreq.size");
_Static_assert(offsetof(struct ioreq, vp_eport) == 24, "ioreq.vp_eport");
_Static_assert(offsetof(struct ioreq, _pad0) == 28, "ioreq._pad0");
_Static_assert(offsetof(struct ioreq, type) == 31, "ioreq.type");

_Static_assert(sizeof(struct buf_ioreq) == 8, "buf_ioreq size");
_Static_assert(offsetof(struct buf_ioreq, type) == 0, "buf_ioreq.type");
_Static_assert(offsetof(struct buf_ioreq, data) == 4, "buf_ioreq.data");

_Static_assert(sizeof(struct buffered_iopage) == 4096, "buffered_iopage fills one page");
_Static_assert(offsetof(struct buffered_iopage, read_pointer) == 0, "buffered_iopage.read_pointer");
_Static_assert(offsetof(struct buffered_iopage, write_pointer) == 4,
	       "buffered_iopage.write_pointer");
_Static_assert(offsetof(struct buffered_iopage, buf_ioreq) == 8, "buffered_iopage.buf_ioreq");

#endif /* MEMVISOR_PUBLIC_IOREQ_H */
