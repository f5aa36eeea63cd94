#!/bin/sh
# A long libFuzzer campaign of fuzz_hcall in chunks, counted exactly:
#   campaign.sh FUZZER CORPUS_DIR OUT_DIR TARGET_CALLS [CHUNK_SECONDS [DEADLINE]]
# Runs FUZZER for CHUNK_SECONDS (default 600) at a time on OUT_DIR/corpus
# (new inputs) and CORPUS_DIR (seeds, never written), until the audited
# hypercalls of all chunks add up to TARGET_CALLS. The counts come from the
# fuzzer's reach report (FZ_REACH=OUT_DIR/reach.tsv: every chunk adds its
# totals there at exit). Stops at the first finding; its input is kept as
# OUT_DIR/crash-* and named in OUT_DIR/chunk-N.log. Prints the totals and
# the reach table at the end. DEADLINE (seconds since the epoch) shortens
# the last chunks so that the campaign ends before it (a chunk killed from
# outside adds nothing: its counts are written at exit). Exit status: 0, 2
# when the deadline came first, or the failing chunk's.
set -u
fuzzer=$1 seeds=$2 out=$3 target=$4 chunk=${5:-600} deadline=${6:-0}
mkdir -p "$out/corpus"
reach="$out/reach.tsv"
audited() { awk -F'\t' '$1 == "audited" { print $2 }' "$reach" 2>/dev/null || echo 0; }
n=0
while [ "$(audited)" -lt "$target" ] 2>/dev/null || [ ! -s "$reach" ]; do
	n=$((n + 1))
	start=$(date -u +%s)
	secs=$chunk
	if [ "$deadline" -gt 0 ]; then
		# Each chunk first runs the whole corpus, which -max_total_time does
		# not cut short: keep a margin.
		left=$((deadline - start - 120))
		[ "$left" -lt "$secs" ] && secs=$left
		if [ "$secs" -lt 30 ]; then
			echo "deadline reached after $((n - 1)) chunk(s), audited hypercalls $(audited)"
			cat "$reach"
			exit 2
		fi
	fi
	FZ_REACH="$reach" UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$fuzzer" -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=4096 \
		-timeout=20 -artifact_prefix="$out/" "$out/corpus" "$seeds" >"$out/chunk-$n.log" 2>&1
	rc=$?
	end=$(date -u +%s)
	echo "chunk $n: exit $rc, $((end - start)) s, audited hypercalls so far $(audited)," \
		"$(grep -h 'stat::number_of_executed_units' "$out/chunk-$n.log")," \
		"$(grep -h 'DONE' "$out/chunk-$n.log" | sed 's/.*\(cov: [0-9]*\).*/\1/')"
	if [ $rc -ne 0 ]; then
		grep -h -A30 -e 'ERROR:' -e 'deadly signal' -e 'audit failed' -e 'not a Xen errno' \
			"$out/chunk-$n.log" | head -60
		exit $rc
	fi
done
echo "totals (all chunks):"
cat "$reach"
