#!/bin/sh
# Short libFuzzer campaign for the test suite:
#   smoke.sh FUZZER CORPUS_DIR SECONDS ARTIFACT_DIR
# New inputs go to a temporary directory (libFuzzer writes into the first
# corpus directory it is given), never into the checked-in corpus; a crash
# input is kept in ARTIFACT_DIR and named in the output. Exits with the
# fuzzer's status.
set -u
fuzzer=$1 corpus=$2 secs=$3 art=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/new"
# -error_exitcode=1: libFuzzer's default (77) is meson's "skipped", which
# would hide a crash.
"$fuzzer" -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=4096 \
	-error_exitcode=1 -timeout_exitcode=1 -timeout=20 -artifact_prefix="$art/$(basename "$fuzzer")-" "$tmp/new" "$corpus" \
	>"$tmp/log" 2>&1
rc=$?
# The progress lines are noise; keep the summary, the stats and any report.
grep -v -e '^#[0-9]*[[:space:]]*\(NEW\|REDUCE\|pulse\)' "$tmp/log"
exit $rc
