#!/usr/bin/env bash
# Runs every test of memvisor: the normal build's full suite, then the
# ASan/UBSan build's suite, and ends with one summary line
# "N passed, N failed, N skipped". Exits nonzero if anything failed.
set -u
build=${1:-build}
san=${2:-build-san}
total_pass=0 total_fail=0 total_skip=0

kvm_line() {
	if [ ! -e /dev/kvm ]; then
		echo "kvm: unavailable: /dev/kvm does not exist"
	elif ! ( exec 3<>/dev/kvm ) 2>/dev/null; then
		echo "kvm: unavailable: /dev/kvm cannot be opened read-write by $(id -un)"
	else
		echo "kvm: used"
	fi
}
kvm_line

run_suite() {
	local dir=$1 label=$2
	local log="$dir/meson-logs/testlog.json"
	echo "== $label: meson test ($dir)"
	meson test -C "$dir" --print-errorlogs --num-processes 2 --no-rebuild "${@:3}" \
		>"$dir/test-output.txt" 2>&1
	local rc=$?
	grep -E '^ *[0-9]+/[0-9]+ ' "$dir/test-output.txt" | sed 's/^/   /'
	if [ $rc -ne 0 ]; then
		# Show what failed, not everything.
		sed -n '/^Summary of Failures/,$p' "$dir/test-output.txt" | head -40
		grep -B2 -A40 -E 'FAIL|ERROR' "$dir/test-output.txt" | grep -v '^ *[0-9]*/[0-9]* ' | head -120
	fi
	local ok fail skip timeout exp
	ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$dir/test-output.txt" | tail -1)
	exp=$(sed -n 's/^Expected Fail: *\([0-9]*\).*/\1/p' "$dir/test-output.txt" | tail -1)
	fail=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$dir/test-output.txt" | tail -1)
	skip=$(sed -n 's/^Skipped: *\([0-9]*\).*/\1/p' "$dir/test-output.txt" | tail -1)
	timeout=$(sed -n 's/^Timeout: *\([0-9]*\).*/\1/p' "$dir/test-output.txt" | tail -1)
	ok=${ok:-0} fail=${fail:-0} skip=${skip:-0} timeout=${timeout:-0} exp=${exp:-0}
	if [ $rc -ne 0 ] && [ "$fail" = 0 ] && [ "$timeout" = 0 ]; then
		fail=1 # meson itself failed
	fi
	total_pass=$((total_pass + ok + exp))
	total_fail=$((total_fail + fail + timeout))
	total_skip=$((total_skip + skip))
	# Skips must say why: print each skipped test's reason line.
	grep -E 'SKIP' "$dir/test-output.txt" | grep -v '^ *[0-9]*/[0-9]* ' | sort -u | head -20
}

start=$(date +%s)
run_suite "$build" "normal build"
run_suite "$san" "ASan+UBSan build"
end=$(date +%s)
echo "test time: $((end - start)) s"
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
