/*
 * Collects the host a figure was measured on (hostinfo.h).
 *
 * Everything is read from the running system except the build fields,
 * which meson fixes (memvisor_build.h at configure time, the commit by
 * vcs_tag at build time). Nothing here fails: a field that cannot be read
 * says "unknown", so that a result is never dropped for want of a header.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "hostinfo.h"
#include "json.h"
#include "kvm.h"
#include "memvisor_build.h"
#include "memvisor_commit.h"

/* Copies the value of the first "key<spaces>: value" line of /proc/cpuinfo. */
static void cpuinfo_field(const char *key, char *out, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];
	size_t kl = strlen(key);

	snprintf(out, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *v;

		if (strncmp(line, key, kl))
			continue;
		/* "model" must not take the "model name" line: only blanks
		 * may stand between the key and its colon. */
		for (v = line + kl; *v == ' ' || *v == '\t'; v++)
			;
		if (*v != ':')
			continue;
		for (v++; *v == ' ' || *v == '\t'; v++)
			;
		v[strcspn(v, "\n")] = 0;
		snprintf(out, len, "%s", v);
		break;
	}
	fclose(f);
}

/* Whether the cpuinfo "flags" line has the word flag. */
static int cpuinfo_has_flag(const char *flag)
{
	char flags[4096];
	size_t fl = strlen(flag);

	cpuinfo_field("flags", flags, sizeof(flags));
	for (char *p = flags; (p = strstr(p, flag)); p += fl)
		if ((p == flags || p[-1] == ' ') && (p[fl] == ' ' || !p[fl]))
			return 1;
	return 0;
}

/* A module is listed in /sys/module when it is loaded, and when it is
 * built in and has parameters (the KVM vendor modules all do). Some
 * containers have no /proc/modules, which is why that is not read. */
static int module_present(const char *name)
{
	char path[96];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return !stat(path, &st);
}

/* The hypervisor this host itself runs under: the CPUID "hypervisor
 * present" bit (leaf 1, ECX bit 31) and the vendor signature of leaf
 * 0x40000000. "" on bare metal or when not x86. */
static void host_hypervisor(char *out, size_t len)
{
	snprintf(out, len, "%s", "");
#if defined(__x86_64__) || defined(__i386__)
	unsigned int a, b, c, d;
	char sig[13];

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 31)))
		return;
	__cpuid(0x40000000, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = 0;
	for (int i = 0; i < 12; i++)
		if (sig[i] && !isprint((unsigned char)sig[i]))
			sig[i] = '?';
	snprintf(out, len, "%s", sig[0] ? sig : "unnamed");
#endif
}

/*
 * KVM's flavour, honestly: /dev/kvm is first opened the way `run` and
 * `bench` open it (kvm_open), so "unavailable" means they could not use it
 * either. Then the vendor module that provides it decides: kvm_pvm is
 * software virtualization (PVM, shadow paging, usable inside a VM without
 * nested VMX/SVM); kvm_intel or kvm_amd is hardware (VMX/SVM). x86 KVM
 * takes only one vendor module at a time, so at most one of them can be
 * the provider; kvm_pvm is checked first. With none listed (a kernel that
 * hides /sys/module), the CPU's own vmx/svm flags decide, and kvm_how says
 * it was a guess.
 */
static void kvm_flavour(struct hostinfo *h)
{
	static const struct {
		const char *module, *flavour;
	} vendors[] = {
		{"kvm_pvm", "software"},
		{"kvm_intel", "hardware"},
		{"kvm_amd", "hardware"},
	};
	char why[128] = "";
	struct kvm_sys *k = kvm_open(why, sizeof(why));

	if (!k) {
		h->kvm = "unavailable";
		snprintf(h->kvm_how, sizeof(h->kvm_how), "%s", why[0] ? why : "/dev/kvm unusable");
		return;
	}
	kvm_close(k);
	for (size_t i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++) {
		if (module_present(vendors[i].module)) {
			h->kvm = vendors[i].flavour;
			snprintf(h->kvm_how, sizeof(h->kvm_how), "module %s in /sys/module",
				 vendors[i].module);
			return;
		}
	}
	if (cpuinfo_has_flag("vmx") || cpuinfo_has_flag("svm")) {
		h->kvm = "hardware";
		snprintf(h->kvm_how, sizeof(h->kvm_how),
			 "no vendor module listed; guessed from vmx/svm in /proc/cpuinfo");
	} else {
		h->kvm = "software";
		snprintf(h->kvm_how, sizeof(h->kvm_how),
			 "no vendor module listed; guessed from no vmx/svm in /proc/cpuinfo");
	}
}

void hostinfo_collect(struct hostinfo *h)
{
	char fam[16], mod[16], step[16];
	struct utsname u;

	memset(h, 0, sizeof(*h));
	cpuinfo_field("vendor_id", h->cpu_vendor, sizeof(h->cpu_vendor));
	cpuinfo_field("model name", h->cpu_model, sizeof(h->cpu_model));
	cpuinfo_field("cpu family", fam, sizeof(fam));
	cpuinfo_field("model", mod, sizeof(mod));
	cpuinfo_field("stepping", step, sizeof(step));
	snprintf(h->cpu_id, sizeof(h->cpu_id), "family %.8s model %.8s stepping %.8s", fam, mod,
		 step);
	h->cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (!uname(&u))
		snprintf(h->kernel, sizeof(h->kernel), "%s %s %s %s", u.sysname, u.release,
			 u.version, u.machine);
	else
		snprintf(h->kernel, sizeof(h->kernel), "unknown");
	kvm_flavour(h);
	host_hypervisor(h->host_hypervisor, sizeof(h->host_hypervisor));
	if (getloadavg(h->load, 3) != 3)
		h->load[0] = h->load[1] = h->load[2] = -1;
	h->version = MEMVISOR_VERSION;
	h->commit = MEMVISOR_COMMIT;
	h->buildtype = MEMVISOR_BUILDTYPE;
	h->optimization = MEMVISOR_OPTIMIZATION;
	h->sanitizers = MEMVISOR_SANITIZE;
	h->compiler = MEMVISOR_COMPILER;
#ifdef __OPTIMIZE__
	h->optimised = 1;
#endif
}

void hostinfo_text(FILE *f, const struct hostinfo *h)
{
	fprintf(f, "host:  %s, %s (%s), %ld CPUs; %s; KVM %s (%s)%s%s; load %.2f %.2f %.2f\n",
		h->cpu_vendor, h->cpu_model, h->cpu_id, h->cpus, h->kernel, h->kvm, h->kvm_how,
		h->host_hypervisor[0] ? "; host runs under " : "", h->host_hypervisor,
		h->load[0], h->load[1], h->load[2]);
	fprintf(f, "build: memvisor %s (%s), buildtype %s, -O%s%s, sanitizers %s, %s\n",
		h->version, h->commit, h->buildtype, h->optimization,
		h->optimised ? "" : " (not optimised)", h->sanitizers, h->compiler);
}

static void jfield(FILE *f, const char *key, const char *val, int first)
{
	fprintf(f, "%s\"%s\":", first ? "" : ",", key);
	json_str(f, val);
}

void hostinfo_json(FILE *f, const struct hostinfo *h)
{
	fputc('{', f);
	jfield(f, "cpu_vendor", h->cpu_vendor, 1);
	jfield(f, "cpu_model", h->cpu_model, 0);
	jfield(f, "cpu_id", h->cpu_id, 0);
	fprintf(f, ",\"cpus\":%ld", h->cpus);
	jfield(f, "kernel", h->kernel, 0);
	jfield(f, "kvm", h->kvm, 0);
	jfield(f, "kvm_how", h->kvm_how, 0);
	jfield(f, "host_hypervisor", h->host_hypervisor, 0);
	fprintf(f, ",\"loadavg\":[%.2f,%.2f,%.2f]", h->load[0], h->load[1], h->load[2]);
	fprintf(f, ",\"build\":{");
	jfield(f, "version", h->version, 1);
	jfield(f, "commit", h->commit, 0);
	jfield(f, "buildtype", h->buildtype, 0);
	jfield(f, "optimization", h->optimization, 0);
	fprintf(f, ",\"optimised\":%s", h->optimised ? "true" : "false");
	jfield(f, "sanitizers", h->sanitizers, 0);
	jfield(f, "compiler", h->compiler, 0);
	fprintf(f, "}}");
}
