#!/bin/sh
# End-to-end `memvisor run` of two dom0less domains (tests/e2e/two-domains.dts):
# both succeeding, then domU2 faulting in each way the VMM must contain
# (triple fault, unbacked memory, no memory at all, spinning) while domU1
# still completes. Exit 77 (skip) when KVM is unavailable.
#
# usage: run_two_domains.sh MEMVISOR DTS VERSION.elf MEMOP.elf FAULT.elf
set -u
mv=$1 dts=$2 version=$3 memop=$4 fault=$5
. "$(dirname "$0")/lib.sh"

run() { # dts timeout domU2-kernel
	"$mv" run --timeout "$2" --module "domU1=$version" --module "domU2=$3" "$1" \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	skip_without_kvm
}

# 1. Both domains run to completion.
run "$dts" 20 "$memop"
[ "$rc" -eq 0 ] || fail "two good domains: exit status $rc"
expect "$tmp/out" "(d1) Test result: SUCCESS" "two good domains"
expect "$tmp/out" "(d2) Test result: SUCCESS" "two good domains"
expect "$tmp/err" "d1 (domU1): shut down (poweroff)" "two good domains"
expect "$tmp/err" "d2 (domU2): shut down (poweroff)" "two good domains"
echo "kvm: used"

# 2. domU2 faults; domU1 is not disturbed and the exit status says so.
for mode in triple unbacked nomem spin; do
	sed "s/memvisor,fault = \"triple\"/memvisor,fault = \"$mode\"/" "$dts" >"$tmp/sys.dts"
	start=$(date +%s)
	run "$tmp/sys.dts" 2 "$fault"
	took=$(( $(date +%s) - start ))
	[ "$rc" -eq 1 ] || fail "$mode: exit status $rc, expected 1"
	expect "$tmp/out" "(d1) Test result: SUCCESS" "$mode"
	expect "$tmp/err" "d1 (domU1): shut down (poweroff)" "$mode"
	case $mode in
	triple) expect "$tmp/err" "d2 (domU2): crashed: triple fault; rip 0x" "$mode" ;;
	unbacked) expect "$tmp/err" "d2 (domU2): crashed: access to unbacked guest memory" "$mode" ;;
	nomem) expect "$tmp/err" "; address 0x38000000" "$mode" ;;
	spin) expect "$tmp/err" "d2 (domU2): timed out: still running after 2000 ms; rip 0x" "$mode"
	      [ "$took" -le 8 ] || fail "spin: took $took s with a 2 s limit" ;;
	esac
	grep "d2 (domU2)" "$tmp/err" | tail -1
done

[ "$fails" -eq 0 ] || exit 1
echo "all end-to-end runs behaved"
