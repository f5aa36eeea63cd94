/*
 * xl.cfg: the subset of xl's domain configuration file that memvisor's
 * toolstack and planner understand (issue 16), parsed into a fixed-size
 * structure.
 *
 * Freestanding: no allocation, no stdio; only the string functions the
 * guest runtime provides. The same file is built hosted (the CLI's planner
 * and the unit test link it), like the xenstore library.
 *
 * Syntax (xl.cfg(5)): settings `KEY = VALUE` separated by newlines or `;`;
 * `#` starts a comment up to the end of the line; a VALUE is a string in
 * '...' or "..." (backslash escapes \\ \' \" \n \t), a number (decimal, 0x
 * hex, 0 octal), or a list `[ VALUE, VALUE, ... ]` (newlines and a trailing
 * comma allowed inside). A number key also takes a string holding a number
 * (xl reads every value as text).
 *
 * Keys: name (required), memory (MiB, default 32 as libxl), maxmem (MiB,
 * default memory, never below it), vcpus (default 1), maxvcpus (default
 * vcpus, never below it), kernel (required), extra, cmdline (wins over
 * extra/root, as in xl), root (xl prepends "root=<root> " to extra), type
 * ("pvh" default, "hvm"; "pv" is refused), disk (a list of disk specs, at
 * most XLCFG_DISKS_MAX).
 *
 * Policy for everything else (docs/xl-cfg.md):
 * an unknown key is an error naming it (-EOPNOTSUPP) rather than silently
 * ignored, because a setting that does nothing is worse than a refusal; a
 * key given twice is an error (-EEXIST).
 *
 * Errors are negative Xen errnos; `err` then holds one line of the form
 * "line N: KEY: what is wrong" (no line for a missing required key):
 *   -EINVAL        syntax error, bad value, missing required key
 *   -EOPNOTSUPP    unknown key, or a value memvisor does not support
 *                  (type "pv", a disk keyword xl has but memvisor has not)
 *   -EEXIST        key given twice (also a disk parameter given twice)
 *   -ENAMETOOLONG  a string longer than its field
 *   -E2BIG         more than XLCFG_DISKS_MAX disks
 *   -ERANGE        a number out of range for its key
 * `out` is fully written on success and zeroed on failure.
 */
#ifndef XEN_XLCFG_H
#define XEN_XLCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XLCFG_NAME_MAX 64      /* with the NUL */
#define XLCFG_PATH_MAX 256     /* kernel, disk target */
#define XLCFG_CMDLINE_MAX 1024 /* extra/cmdline */
#define XLCFG_VDEV_MAX 16
#define XLCFG_DISKS_MAX 4
#define XLCFG_ERR_MIN 128      /* an `err` buffer this big holds any message */

#define XLCFG_MEMORY_DEFAULT_MIB 32 /* libxl's default max_memkb */

enum xlcfg_type {
	XLCFG_TYPE_PVH, /* default when absent */
	XLCFG_TYPE_HVM,
};

/* libxl disk spec (xl-disk-configuration(5)). Positional parameters in
 * order: target, format, vdev, access; `target=` as a key takes the rest of
 * the spec, commas included. */
enum xlcfg_disk_format {
	XLCFG_FMT_RAW, /* default */
	XLCFG_FMT_QCOW,
	XLCFG_FMT_QCOW2,
	XLCFG_FMT_VHD,
	XLCFG_FMT_QED,
};

enum xlcfg_backendtype {
	XLCFG_BT_DEFAULT, /* not given: libxl picks */
	XLCFG_BT_PHY,
	XLCFG_BT_QDISK,
	XLCFG_BT_TAP,
	XLCFG_BT_STANDALONE,
};

enum xlcfg_spec {
	XLCFG_SPEC_XEN, /* default */
	XLCFG_SPEC_VIRTIO,
};

enum xlcfg_transport {
	XLCFG_TRANSPORT_DEFAULT, /* not given (virtio: mmio) */
	XLCFG_TRANSPORT_MMIO,
	XLCFG_TRANSPORT_PCI,
};

struct xlcfg_disk {
	char target[XLCFG_PATH_MAX];   /* required, may be "" only if cdrom */
	char vdev[XLCFG_VDEV_MAX];     /* required (xl refuses a disk without) */
	char backend[XLCFG_NAME_MAX];  /* backend domain name or id; "" = Dom0 */
	bool readonly;                 /* access=r/ro (default rw) */
	bool cdrom;                    /* devtype=cdrom or the flag; implies ro */
	enum xlcfg_disk_format format;
	enum xlcfg_backendtype backendtype;
	enum xlcfg_spec specification;
	enum xlcfg_transport transport;
	int grant_usage;               /* -1 = default, else 0/1 */
};

struct xlcfg {
	char name[XLCFG_NAME_MAX];
	uint64_t memory_mib;  /* target RAM */
	uint64_t maxmem_mib;  /* >= memory_mib */
	unsigned int vcpus;   /* vCPUs online at start, >= 1 */
	unsigned int maxvcpus; /* >= vcpus */
	char kernel[XLCFG_PATH_MAX];
	char extra[XLCFG_CMDLINE_MAX]; /* the kernel command line as xl builds it */
	enum xlcfg_type type;
	unsigned int nr_disks;
	struct xlcfg_disk disk[XLCFG_DISKS_MAX];
};

/* Parses `len` bytes of `text` (need not be NUL-terminated). 0 or a negative
 * Xen errno (above); `err` (may be NULL when errlen is 0) gets the message,
 * always NUL-terminated when errlen > 0. */
int xlcfg_parse(const char *text, size_t len, struct xlcfg *out, char *err, size_t errlen);

/* Parses one disk spec string (the element of `disk = [...]`). Same errnos;
 * the message names the parameter. Used by xlcfg_parse and tests. */
int xlcfg_parse_disk(const char *spec, size_t len, struct xlcfg_disk *out, char *err,
		     size_t errlen);

/* Names for printing ("raw", "standalone", "virtio", "mmio", "pvh"). */
const char *xlcfg_type_name(enum xlcfg_type t);
const char *xlcfg_format_name(enum xlcfg_disk_format f);
const char *xlcfg_backendtype_name(enum xlcfg_backendtype b);
const char *xlcfg_spec_name(enum xlcfg_spec s);
const char *xlcfg_transport_name(enum xlcfg_transport t);

/* Whether libxl makes this disk a virtio-mmio device (specification=virtio,
 * transport mmio or default): those get the virtio,mmio DT nodes, base
 * 0x02000000 + 0x200*i and SPI 33+i, i counting virtio disks in order. */
bool xlcfg_disk_is_virtio_mmio(const struct xlcfg_disk *d);

#endif
