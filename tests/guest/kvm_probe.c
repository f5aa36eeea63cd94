/*
 * Says whether the guest tests run on KVM here: prints exactly one line,
 * "kvm: used" or "kvm: unavailable: <why>"; exit 77 (skip) when unavailable.
 */
#include <stdio.h>

#include "kvm.h"

int main(void)
{
	char why[256];
	struct kvm_sys *k = kvm_open(why, sizeof(why));

	if (!k) {
		printf("kvm: unavailable: %s\n", why);
		return 77;
	}
	kvm_close(k);
	printf("kvm: used\n");
	return 0;
}
