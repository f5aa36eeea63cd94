/*
 * Says whether the guest tests run on KVM here: prints exactly one line,
 * "kvm: used" or "kvm: unavailable: <why>"; exit 77 (skip) when unavailable.
 * When KVM is used the line also says whether this host intercepts CPUID at
 * CPL3 (kvm_cpuid_cpl3_intercepted()), and the test checks that probe: it
 * must run on any usable KVM, and its answer is cached for the process (a
 * second call, even through a second kvm_open(), runs no probe VM).
 */
#include <stdio.h>
#include <string.h>

#include "kvm.h"

int main(void)
{
	char why[256], sig[13], sig2[13];
	struct kvm_sys *k = kvm_open(why, sizeof(why));
	int r, r2;

	if (!k) {
		printf("kvm: unavailable: %s\n", why);
		return 77;
	}
	r = kvm_cpuid_cpl3_intercepted(k, sig);
	kvm_close(k);
	if (r < 0) {
		printf("kvm: used; the CPL3 CPUID probe failed: error %d\n", r);
		return 1;
	}
	if (r)
		printf("kvm: used\n");
	else
		printf("kvm: used; CPUID at CPL3 is not intercepted here (the guest saw \"%s\")\n",
		       sig);

	k = kvm_open(why, sizeof(why));
	if (!k) {
		printf("FAIL: second kvm_open: %s\n", why);
		return 1;
	}
	r2 = kvm_cpuid_cpl3_intercepted(k, sig2);
	kvm_close(k);
	if (r2 != r || (!r && strcmp(sig, sig2))) {
		printf("FAIL: second probe answer %d (\"%s\"), first %d (\"%s\")\n", r2, sig2, r, sig);
		return 1;
	}
	if (kvm_cpuid_probe_runs() != 1) {
		printf("FAIL: %u probe VMs run, expected 1 (the answer is cached)\n",
		       kvm_cpuid_probe_runs());
		return 1;
	}
	return 0;
}
