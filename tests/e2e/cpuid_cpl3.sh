#!/bin/sh
# `memvisor run` says (once, on its "memvisor: kvm:" line) when this host
# does not intercept CPUID at CPL3; the version guest reports what its own
# CPL3 CPUID got. The two must agree, and the guest's Xen discovery (taken
# at CPL0) must succeed either way. Exit 77 (skip) when KVM is unavailable.
#
# usage: cpuid_cpl3.sh MEMVISOR DTS VERSION.elf
set -u
mv=$1 dts=$2 version=$3
. "$(dirname "$0")/lib.sh"

"$mv" run --transport kvm --timeout 20 --module "domU1=$version" "$dts" >"$tmp/out" 2>"$tmp/err"
rc=$?
skip_without_kvm
[ "$rc" -eq 0 ] || fail "version guest: exit status $rc"
expect "$tmp/out" "(d1) Test result: SUCCESS" "version guest"
if grep -q "cannot tell whether CPUID at CPL3" "$tmp/err"; then
	fail "memvisor's CPL3 CPUID probe did not run"
fi
said=$(grep -c "memvisor: kvm: this host does not intercept CPUID at CPL3" "$tmp/err")
if grep -qF "(d1) CPUID at CPL3: answered by memvisor" "$tmp/out"; then
	[ "$said" -eq 0 ] || fail "the guest's CPL3 CPUID reached memvisor, but memvisor run says it is not intercepted"
	echo "kvm: used; CPUID at CPL3 is intercepted here"
elif grep -qF "(d1) CPUID at CPL3: not intercepted" "$tmp/out"; then
	[ "$said" -eq 1 ] || fail "the guest's CPL3 CPUID was not intercepted, but memvisor run said so $said times (want once)"
	echo "kvm: used; CPUID at CPL3 is not intercepted here"
else
	fail "the version guest did not report its CPL3 CPUID"
fi

[ "$fails" -eq 0 ] || exit 1
echo "memvisor run and the guest agree"
