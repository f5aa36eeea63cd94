/*
 * The Xen command line (`xen,xen-bootargs`, or --bootargs): the one parser.
 *
 * Design: split at blanks into tokens, each `key`, `key=value` or `no-key`;
 * unknown keys are ignored (they belong to options memvisor does not model),
 * a bad value of a known key is a warning that names the token and leaves
 * the default. Everything that reads the command line takes struct
 * cmdline_args from here (bootinfo.args): the planner, the builder and,
 * through the builder (cmdline_iommu_params), the IOMMU's modes; nothing
 * else parses it.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/bootinfo.h>
#include <hv/cmdline.h>
#include <hv/iommu.h>

int cmdline_parse_size(const char *s, const char **end, uint64_t *out)
{
	char *e;
	unsigned long long v;
	unsigned int shift = 0;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &e, 0);
	if (errno)
		return -EINVAL;
	switch (*e) {
	case 'T': case 't': shift = 40; e++; break;
	case 'G': case 'g': shift = 30; e++; break;
	case 'M': case 'm': shift = 20; e++; break;
	case 'K': case 'k': shift = 10; e++; break;
	case 'B': case 'b': e++; break;
	default: break;
	}
	if (shift && v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	if (end)
		*end = e;
	return 0;
}

/* Xen's boolean spellings; -1 when none. */
static int parse_bool(const char *s, size_t n)
{
	static const char *const yes[] = {"1", "yes", "on", "true", "enable"};
	static const char *const no[] = {"0", "no", "off", "false", "disable"};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(yes); i++)
		if (strlen(yes[i]) == n && !strncmp(s, yes[i], n))
			return 1;
	for (i = 0; i < ARRAY_SIZE(no); i++)
		if (strlen(no[i]) == n && !strncmp(s, no[i], n))
			return 0;
	return -1;
}

static void bad_arg(struct bootinfo *bi, const char *tok, size_t n)
{
	if (bi)
		bootinfo_diag(bi, BOOTINFO_WARN, "bootargs", false, 0,
			      "cannot parse \"%.*s\": ignored", (int)(n > 60 ? 60 : n), tok);
}

/* Does the list element e[0..n) spell `word` or, when neg is given,
 * `no-word` (then *neg is set)? */
static bool elem_is(const char *e, size_t n, const char *word, bool *neg)
{
	size_t l = strlen(word);

	if (neg && n == l + 3 && !strncmp(e, "no-", 3) && !strncmp(e + 3, word, l)) {
		*neg = true;
		return true;
	}
	if (neg)
		*neg = false;
	return n == l && !strncmp(e, word, l);
}

/*
 * iommu=<list> and dom0-iommu=<list>: comma lists in Xen's spellings, every
 * element applied in order (the last word on a setting wins). iommu= takes
 * a boolean, force / required (on), [no-]dom0-strict (no-: relaxed) and
 * [no-]dom0-passthrough or [no-]passthrough; dom0-iommu= takes
 * [no-]strict and [no-]passthrough. An element neither knows is a warning
 * naming it and changes nothing; the others still apply.
 */
static void parse_iommu(struct bootinfo *bi, bool dom0_key, const char *val, size_t vlen,
			struct cmdline_args *ba)
{
	while (vlen) {
		const char *comma = memchr(val, ',', vlen);
		size_t n = comma ? (size_t)(comma - val) : vlen;
		int b = dom0_key ? -1 : parse_bool(val, n);
		bool neg;

		if (b >= 0)
			ba->iommu = b;
		else if (!dom0_key && (elem_is(val, n, "force", NULL) ||
				       elem_is(val, n, "required", NULL)))
			ba->iommu = 1;
		else if (elem_is(val, n, dom0_key ? "strict" : "dom0-strict", &neg))
			ba->iommu_hwdom = neg ? IOMMU_HWDOM_RELAXED : IOMMU_HWDOM_STRICT;
		else if ((!dom0_key && elem_is(val, n, "dom0-passthrough", &neg)) ||
			 elem_is(val, n, "passthrough", &neg))
			ba->iommu_hwdom = neg ? IOMMU_HWDOM_STRICT : IOMMU_HWDOM_PASSTHROUGH;
		else if (bi)
			bootinfo_diag(bi, BOOTINFO_WARN, "bootargs", false, 0,
				      "%s=: unknown option \"%.*s\": ignored",
				      dom0_key ? "dom0-iommu" : "iommu",
				      (int)(n > 60 ? 60 : n), val);
		if (!comma)
			break;
		vlen -= n + 1;
		val = comma + 1;
	}
}

struct iommu_params cmdline_iommu_params(const struct cmdline_args *ba)
{
	return (struct iommu_params){
		.present = ba->iommu != 0,
		.hwdom = ba->iommu_hwdom,
	};
}

void cmdline_parse(struct bootinfo *bi, const char *s, struct cmdline_args *ba)
{
	memset(ba, 0, sizeof(*ba));
	ba->ext_regions = true;
	ba->iommu = -1;
	ba->iommu_hwdom = IOMMU_HWDOM_STRICT;
	ba->gnttab_max_frames = 64;
	if (!s)
		return;
	ba->raw = bi ? bootinfo_strdup(bi, s) : s;

	while (*s) {
		const char *tok, *eq, *val;
		size_t n, klen, vlen;

		while (*s == ' ' || *s == '\t')
			s++;
		tok = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		n = (size_t)(s - tok);
		if (!n)
			break;
		eq = memchr(tok, '=', n);
		klen = eq ? (size_t)(eq - tok) : n;
		val = eq ? eq + 1 : NULL;
		vlen = eq ? n - klen - 1 : 0;

#define KEY(k) (klen == strlen(k) && !strncmp(tok, k, klen))
		if (KEY("dom0_mem") && val) {
			uint64_t v;
			const char *e;
			char buf[40];

			snprintf(buf, sizeof(buf), "%.*s", (int)(vlen < 39 ? vlen : 39), val);
			/* Arm takes a plain size; x86 lists ("1G,max:2G") give
			 * their first plain element. No suffix means KiB. */
			if (!cmdline_parse_size(buf, &e, &v) && (*e == '\0' || *e == ',')) {
				if (e > buf && isdigit((unsigned char)e[-1]))
					v <<= 10;
				ba->dom0_mem_set = true;
				ba->dom0_mem = v;
			} else {
				bad_arg(bi, tok, n);
			}
		} else if (KEY("dom0_max_vcpus") && val) {
			char buf[24], *e;
			unsigned long lo, hi;

			snprintf(buf, sizeof(buf), "%.*s", (int)(vlen < 23 ? vlen : 23), val);
			errno = 0;
			lo = hi = strtoul(buf, &e, 10);
			if (*e == '-' && e[1])
				hi = strtoul(e + 1, &e, 10);
			if (errno || *e || !isdigit((unsigned char)buf[0]) || !hi || hi < lo ||
			    hi > 128)
				bad_arg(bi, tok, n);
			else
				ba->dom0_max_vcpus = (unsigned int)hi;
		} else if (KEY("ext_regions")) {
			int b = val ? parse_bool(val, vlen) : 1;

			if (b < 0)
				bad_arg(bi, tok, n);
			else
				ba->ext_regions = b;
		} else if (KEY("no-ext_regions") && !val) {
			ba->ext_regions = false;
		} else if ((KEY("iommu") || KEY("dom0-iommu")) && val) {
			parse_iommu(bi, KEY("dom0-iommu"), val, vlen, ba);
		} else if (KEY("no-iommu") && !val) {
			ba->iommu = 0;
		} else if (KEY("gnttab_max_frames") && val) {
			char buf[24], *e;
			unsigned long v;

			snprintf(buf, sizeof(buf), "%.*s", (int)(vlen < 23 ? vlen : 23), val);
			errno = 0;
			v = strtoul(buf, &e, 0);
			if (errno || *e || e == buf || v > 0x100000) {
				bad_arg(bi, tok, n);
			} else {
				ba->gnttab_max_frames_set = true;
				ba->gnttab_max_frames = (unsigned int)v;
			}
		}
#undef KEY
	}
}
