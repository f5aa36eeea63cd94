#!/usr/bin/env bash
# Runs every test of memvisor: the normal build's full suite, its installed
# tree (meson install into a scratch DESTDIR, the default scenario run from
# there), then the ASan/UBSan build's suite, then the ThreadSanitizer build
# of the threaded unit tests (scripts/tsan.sh; skipped with its reason
# where clang cannot build with TSan), and ends with one summary line
# "N passed, N failed, N skipped". Exits nonzero if anything failed.
set -u
build=${1:-build}
san=${2:-build-san}
tsan=${3:-build-tsan}
total_pass=0 total_fail=0 total_skip=0

kvm_line() {
	# The probe opens /dev/kvm and checks the API version and the
	# capabilities the transport needs: the same test the KVM tests make
	# before they run or report SKIP, so this line cannot disagree with them.
	local probe="$build/tests/guest/kvm_probe"
	if [ -x "$probe" ]; then
		"$probe" | head -n 1
	elif [ ! -e /dev/kvm ]; then
		echo "kvm: unavailable: /dev/kvm does not exist"
	else
		echo "kvm: unavailable: $probe was not built"
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
	# meson keeps a skipped test's output only in its JSON log.
	python3 - "$dir/meson-logs/testlog.json" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    t = json.loads(line)
    if t.get("result") != "SKIP":
        continue
    out = [l for l in (t.get("stdout") or "").splitlines() if l.strip()]
    why = [l for l in out if "SKIP" in l or "unavailable" in l]
    print("   skipped %s: %s" % (t["name"], (why or out or ["(no reason printed)"])[0]))
PY
}

# The installed tree: `meson install` of the normal build into a scratch
# DESTDIR (nothing rebuilt), then the default scenario run by the installed
# memvisor from another directory, which must use the installed systems and
# guest images. Counted as one test.
install_check() {
	local dir=$1 dest rc=0
	echo "== installed memvisor: meson install --destdir, then memvisor run from elsewhere"
	dest=$(mktemp -d) || { total_fail=$((total_fail + 1)); return; }
	if ! meson install -C "$dir" --no-rebuild --destdir "$dest" >"$dir/install-output.txt" 2>&1; then
		echo "   FAIL: meson install"; tail -20 "$dir/install-output.txt"
		rc=1
	else
		local exe
		exe=$(find "$dest" -path '*/bin/memvisor' -type f | head -1)
		( cd "$dest" && "$exe" run --timeout 120 ) >"$dir/install-run.txt" 2>&1 || rc=1
		grep -q "d0 (dom0): $dest/.*/virtio_backend.elf" "$dir/install-run.txt" || rc=1
		grep -q "d1 (domU): $dest/.*/virtio_frontend.elf" "$dir/install-run.txt" || rc=1
		grep -q "d1 (domU): shut down (poweroff)" "$dir/install-run.txt" || rc=1
		if [ $rc -ne 0 ]; then
			echo "   FAIL: the installed memvisor run ($exe, cwd $dest):"
			tail -30 "$dir/install-run.txt"
		fi
	fi
	rm -rf "$dest"
	if [ $rc -eq 0 ]; then
		echo "   installed run: OK"
		total_pass=$((total_pass + 1))
	else
		total_fail=$((total_fail + 1))
	fi
}

# The ThreadSanitizer step: its own build directory (TSan cannot be
# combined with ASan), counted as one test.
tsan_check() {
	local dir=$1 rc
	echo "== ThreadSanitizer build: scripts/tsan.sh $dir"
	"$(dirname "$0")/tsan.sh" "$dir"
	rc=$?
	if [ $rc -eq 0 ]; then
		total_pass=$((total_pass + 1))
	elif [ $rc -eq 77 ]; then
		total_skip=$((total_skip + 1))
	else
		total_fail=$((total_fail + 1))
	fi
}

start=$(date +%s)
run_suite "$build" "normal build"
install_check "$build"
run_suite "$san" "ASan+UBSan build"
tsan_check "$tsan"
end=$(date +%s)
echo "test time: $((end - start)) s"
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
