#!/usr/bin/env bash
# The ThreadSanitizer step of the tests (docs/locking.md): builds the
# threaded unit tests with clang -fsanitize=thread in their own build
# directory (TSan cannot be combined with the ASan build) and runs them:
# the locking soak, the static-memory stress test, the vCPU and event tests.
# A data race TSan reports fails the step (TSan's exit code 66).
#
# Usage: scripts/tsan.sh [build-dir]   (default build-tsan)
# Prints "SKIP: <why>" and exits 77 when this host cannot build with TSan;
# otherwise one line per test and exits nonzero if any failed.
set -u
dir=${1:-build-tsan}
src=$(cd "$(dirname "$0")/.." && pwd)
# Rounds of the soak here: TSan makes every access about 5-15x slower.
soak_rounds=${MEMVISOR_TSAN_SOAK:-1000}

if ! command -v clang >/dev/null 2>&1; then
	echo "SKIP: ThreadSanitizer build: clang is not installed"
	exit 77
fi
probe=$(mktemp -d) || exit 1
trap 'rm -rf "$probe"' EXIT
cat >"$probe/t.c" <<'EOF'
#include <pthread.h>
static int x;
static void *f(void *a) { (void)a; x++; return 0; }
int main(void) { pthread_t t; pthread_create(&t, 0, f, 0); pthread_join(t, 0); return x != 1; }
EOF
if ! clang -fsanitize=thread -o "$probe/t" "$probe/t.c" -lpthread >"$probe/log" 2>&1; then
	echo "SKIP: ThreadSanitizer build: clang cannot link -fsanitize=thread: $(head -1 "$probe/log")"
	exit 77
fi
if ! "$probe/t" >"$probe/log" 2>&1; then
	echo "SKIP: ThreadSanitizer build: a TSan program does not run on this host: $(head -1 "$probe/log")"
	exit 77
fi

if [ ! -f "$dir/build.ninja" ]; then
	CC=clang meson setup "$dir" "$src" --buildtype=debug -Db_sanitize=thread \
		-Db_lundef=false >"$probe/setup.log" 2>&1 || {
		echo "FAIL: meson setup of $dir"; tail -20 "$probe/setup.log"; exit 1; }
fi
tests=(test_soak test_static_stress test_vcpu test_evtchn)
if ! ninja -C "$dir" "${tests[@]/#/tests/}" >"$probe/build.log" 2>&1; then
	echo "FAIL: building the TSan tests in $dir"; tail -30 "$probe/build.log"; exit 1
fi

fail=0
for t in "${tests[@]}"; do
	args=()
	[ "$t" = test_soak ] && args=("$soak_rounds")
	log="$dir/tsan-$t.txt"
	start=$(date +%s)
	TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1" \
		"$dir/tests/$t" "${args[@]}" >"$log" 2>&1
	rc=$?
	races=$(grep -c 'WARNING: ThreadSanitizer' "$log")
	if [ $rc -eq 0 ] && [ "$races" -eq 0 ]; then
		echo "   tsan $t: OK ($(($(date +%s) - start)) s)"
	else
		echo "   tsan $t: FAIL (exit $rc, $races TSan report(s)); $log:"
		grep -A30 -m1 'WARNING: ThreadSanitizer' "$log" || tail -30 "$log"
		fail=1
	fi
done
exit $fail
