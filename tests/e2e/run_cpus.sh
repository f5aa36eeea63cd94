#!/bin/sh
# `memvisor run` honours a dom0less domain's `cpus`: with cpus = <2> the smp
# guest (which fails unless it finds the number its bootargs name) brings
# vCPU 1 up and passes; cpus = <1> gives it one vCPU; 0 and more than 8 are
# refused before anything runs. Exit 77 (skip) when KVM is unavailable (the
# guest is an ELF).
#
# usage: run_cpus.sh MEMVISOR DTS SMP.elf
set -u
mv=$1 dts=$2 smp=$3
. "$(dirname "$0")/lib.sh"

system() { # cpus -> $tmp/cpusN.dts
	sed "s|cpus = <1>;|cpus = <$1>;|" "$dts" >"$tmp/cpus$1.dts"
	grep -q "cpus = <$1>;" "$tmp/cpus$1.dts" || fail "could not write the test system"
}

for n in 2 1; do
	system "$n"
	"$mv" run --transport kvm --timeout 20 --module "domU1=$smp" --bootargs "cpus=$n" \
		"$tmp/cpus$n.dts" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	skip_without_kvm
	[ "$rc" -eq 0 ] || fail "cpus = <$n>: exit status $rc"
	expect "$tmp/out" "(d1) $n vCPUs" "cpus = <$n>"
	if [ "$n" -eq 2 ]; then
		expect "$tmp/out" "(d1) Test result: SUCCESS" "cpus = <2>"
	else
		expect "$tmp/out" "(d1) Test result: SKIP" "cpus = <1>"
	fi
done

for n in 0 9; do
	system "$n"
	"$mv" run --transport kvm --module "domU1=$smp" "$tmp/cpus$n.dts" >"$tmp/out" 2>"$tmp/err"
	[ $? -ne 0 ] || fail "cpus = <$n>: not refused"
	expect "$tmp/err" "memvisor runs 1 to 8 vCPUs per domain" "cpus = <$n>"
done

[ "$fails" -eq 0 ] || exit 1
echo "memvisor run gives a domain the vCPUs its cpus property names"
