#!/bin/sh
# The version guest with the vCPU's CPUID faulting on (bootargs
# "cpuid_faulting"; tests/guest/gtest.c sets it up), so a CPUID at CPL3
# raises #GP: a host whose CPL3 CPUID misses memvisor's table, made on any
# host. Xen discovery must still succeed (the runtime reads the leaves at
# CPL0), and a direct CPL3 CPUID must really fault, or the first run proved
# nothing. Exit 77 (skip) when KVM or guest CPUID faulting is unavailable.
#
# usage: cpuid_faulting.sh GTEST_VERSION VERSION.elf
set -u
gtest=$1 elf=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

"$gtest" kvm "$elf" --bootargs "guest-test cpuid_faulting" >"$tmp/out" 2>&1
rc=$?
if [ "$rc" -eq 77 ]; then
	grep -E "^(kvm: unavailable|SKIP)" "$tmp/out"
	exit 77
fi
if [ "$rc" -ne 0 ] || ! grep -qF "(d1) Test result: SUCCESS" "$tmp/out"; then
	echo "FAIL: discovery with CPL3 CPUID faulting (exit status $rc):"
	cat "$tmp/out"
	fails=$((fails + 1))
fi

"$gtest" kvm "$elf" --bootargs "guest-test cpuid_faulting cpuid_direct" \
	--expect-crash "reason crash" >"$tmp/out2" 2>&1
rc=$?
if [ "$rc" -ne 0 ] || ! grep -qF "(d1) *** guest crash: fault #GP" "$tmp/out2"; then
	echo "FAIL: a CPL3 CPUID with faulting on did not stop the guest with #GP (exit status $rc):"
	cat "$tmp/out2"
	fails=$((fails + 1))
fi

[ "$fails" -eq 0 ] || exit 1
echo "kvm: used; discovery works with CPL3 CPUID faulting, and a CPL3 CPUID faults"
