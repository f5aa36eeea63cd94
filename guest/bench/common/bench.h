/*
 * Bench guests (guest/bench/<name>/): freestanding programs that `memvisor
 * bench` boots on KVM. The guest never measures time itself (its clock is
 * not the host's): it brackets each phase with a marker hypercall and the
 * host takes the timestamps. A marker is one exit, so phases are made long
 * (thousands of exits) to keep the marker's own cost negligible.
 *
 * Marker protocol, hypercall numbers unused by Xen that only the bench's
 * transport callbacks understand (a normal run answers -ENOSYS):
 *   BENCH_HC_MARK(tag): phase `tag` starts now (and the previous one ends);
 *                       tag 0 ends the last phase.
 *   BENCH_HC_NULL():    returns 0 at once without entering the hypervisor:
 *                       the bare exit, the limit of a hypercall round trip.
 * Parameters come as "key=value" words in /chosen bootargs.
 */
#ifndef GUEST_BENCH_H
#define GUEST_BENCH_H

#include <libfdt.h>

#include <rt/hypercall.h>
#include <rt/rt.h>

#define BENCH_HC_MARK 126
#define BENCH_HC_NULL 127

static inline void bench_mark(unsigned int tag)
{
	rt_hypercall(BENCH_HC_MARK, tag, 0, 0, 0, 0);
}

/* The number after "key=" in bootargs (decimal or 0x-hex), or dflt. */
static inline uint64_t bench_arg(const char *key, uint64_t dflt)
{
	const void *fdt = rt_dt();
	int node = fdt_path_offset(fdt, "/chosen"), len;
	const char *s, *end, *p;
	size_t klen = 0;

	if (node < 0)
		return dflt;
	s = fdt_getprop(fdt, node, "bootargs", &len);
	if (!s || len <= 0)
		return dflt;
	end = s + len;
	while (key[klen])
		klen++;
	for (p = s; p + klen < end; p++) {
		uint64_t v = 0, base = 10;
		bool any = false;

		if ((p != s && p[-1] != ' ') || p[klen] != '=')
			continue;
		if (__builtin_memcmp(p, key, klen))
			continue;
		p += klen + 1;
		if (p + 1 < end && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
			base = 16;
			p += 2;
		}
		for (; p < end && *p; p++) {
			unsigned int dgt;

			if (*p >= '0' && *p <= '9')
				dgt = (unsigned int)(*p - '0');
			else if (base == 16 && *p >= 'a' && *p <= 'f')
				dgt = (unsigned int)(*p - 'a' + 10);
			else if (base == 16 && *p >= 'A' && *p <= 'F')
				dgt = (unsigned int)(*p - 'A' + 10);
			else
				break;
			v = v * base + dgt;
			any = true;
		}
		return any ? v : dflt;
	}
	return dflt;
}

#endif
