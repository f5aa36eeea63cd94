#!/bin/sh
# Containment end to end (`memvisor run`, tests/e2e/three-domains.dts): one
# domain triple-faults, one spins until the time limit, the third runs the
# memop guest test to completion. The third must report SUCCESS and shut
# down by itself, each faulty one must be reported for its own reason, and
# the exit status must be 1 (some domain failed). The good domain is run
# three times with the faulty ones so an ordering accident cannot pass.
# Exit 77 (skip) when KVM is unavailable.
#
# usage: run_three_domains.sh MEMVISOR DTS FAULT.elf MEMOP.elf
set -u
mv=$1 dts=$2 fault=$3 memop=$4
. "$(dirname "$0")/lib.sh"

for round in 1 2 3; do
	"$mv" run --timeout 3 --module "domU1=$fault" --module "domU2=$fault" \
		--module "domU3=$memop" "$dts" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	skip_without_kvm
	[ "$rc" -eq 1 ] || fail "round $round: exit status $rc, expected 1"
	expect "$tmp/out" "(d3) Test result: SUCCESS" "round $round"
	expect "$tmp/err" "d3 (domU3): shut down (poweroff)" "round $round"
	expect "$tmp/err" "d1 (domU1): crashed: triple fault; rip 0x" "round $round"
	expect "$tmp/err" "d2 (domU2): timed out: still running after 3000 ms; rip 0x" "round $round"
	if grep -q "(d3) Test result: \(FAILURE\|ERROR\)" "$tmp/out"; then
		fail "round $round: domU3 reported a failure"
	fi
done
echo "kvm: used"
[ "$fails" -eq 0 ] || exit 1
echo "three domains: the good one completed next to a crashing and a spinning one"
