#!/bin/bash
# Corpus test: runs the planner over every DTB of Debian's current arm64
# kernel package, in both IOMMU modes, and checks for every board that the
# extended regions are ascending, disjoint, 2 MiB aligned, at least 64 MiB,
# below 2^ipa_bits and clear of what they must avoid (host path: the domain's
# RAM, reserved memory and the grant region; IOMMU path: every device reg,
# RAM and PCI window).
#
# The package is fetched with `apt-get download` into
# ${MEMVISOR_CACHE:-$HOME/.cache/memvisor}; arm64 is added as a foreign
# architecture if needed (amd64 installs keep working). Exits 77 (meson's
# skip code) with a SKIP line only when the package cannot be fetched.
# usage: corpus.sh LAYOUT_BINARY
set -u
bin=$1
cache=${MEMVISOR_CACHE:-$HOME/.cache/memvisor}
mkdir -p "$cache"

skip() { echo "SKIP: $*"; exit 77; }

fetch() {
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo -n"
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		$sudo dpkg --add-architecture arm64 2>/dev/null || return 1
		$sudo apt-get update -qq >/dev/null 2>&1 || return 1
	fi
	# The metapackage names the current versioned image package.
	local meta ver pkg
	meta=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	if [ -z "$meta" ]; then
		$sudo apt-get update -qq >/dev/null 2>&1 || return 1
		meta=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null |
			awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	fi
	[ -n "$meta" ] || return 1
	pkg=${meta%%:*}
	ver=$(apt-cache policy "$pkg:arm64" 2>/dev/null | awk '/Candidate:/ {print $2}')
	local dir="$cache/$pkg-$ver"
	if [ ! -d "$dir/dtbs" ]; then
		rm -rf "$dir.tmp" && mkdir -p "$dir.tmp" || return 1
		(cd "$dir.tmp" && apt-get download -q "$pkg:arm64" >/dev/null 2>&1) || return 1
		dpkg-deb -x "$dir.tmp"/*.deb "$dir.tmp/x" || return 1
		mkdir -p "$dir" && rm -rf "$dir/dtbs" &&
			mv "$dir.tmp"/x/usr/lib/linux-image-*/ "$dir/dtbs" || return 1
		rm -rf "$dir.tmp"
	fi
	echo "$dir/dtbs"
}

dtbdir=$(fetch) || skip "cannot fetch Debian's arm64 kernel package (no network or apt?)"
[ -n "$dtbdir" ] && [ -d "$dtbdir" ] || skip "no DTB directory after fetching"
list=$(find "$dtbdir" -name '*.dtb' | sort)
n=$(echo "$list" | grep -c .)
[ "$n" -gt 0 ] || skip "the package holds no DTBs"
echo "corpus: $n DTBs from $dtbdir"

out="$cache/corpus-json"
mkdir -p "$out"
start=$(date +%s.%N)
for mode in off on; do
	echo "$list" | while read -r f; do
		b=$(basename "$f" .dtb)
		"$bin" "$f" --json -q --iommu $mode >"$out/$b.$mode.json" 2>/dev/null
		echo $? >"$out/$b.$mode.rc"
	done
done
end=$(date +%s.%N)
python3 - "$out" "$bin" <<PY
import glob, json, os, sys, subprocess
out = sys.argv[1]
print("corpus: planner time for %d runs: %.2f s" % (2 * $n, $end - $start))
bad = 0
boards = 0
regions = 0
for rcf in sorted(glob.glob(out + "/*.rc")):
    base = rcf[:-3]
    rc = int(open(rcf).read().strip() or 99)
    if rc == 1:
        continue  # unusable DTB: reported as an error, not a crash
    if rc != 0:
        print("FAIL %s: exit status %d" % (base, rc)); bad += 1; continue
    j = json.load(open(base + ".json"))
    boards += 1
    ipa = j["ipa_bits"]
    for d in j["domains"]:
        r = [(int(a, 16), int(s, 16)) for a, s in d["extended_regions"]]
        regions += len(r)
        prev_end = -1
        for a, s in r:
            why = None
            if a % (2 << 20) or s % (2 << 20): why = "not 2 MiB aligned"
            elif s < (64 << 20): why = "smaller than 64 MiB"
            elif a + s > (1 << ipa): why = "above 2^ipa_bits"
            elif a < prev_end: why = "not ascending/disjoint"
            if why:
                print("FAIL %s %s region %#x+%#x: %s" % (base, d["name"], a, s, why)); bad += 1
            prev_end = a + s
        # Must-avoid: everything the finder reported as excluded (node regs,
        # reserved memory, domain RAM, grant table, PCI windows).
        for n in d.get("left_out", []):
            if n["why"] != "excluded": continue
            es, ez = int(n["start"], 16), int(n["size"], 16)
            pg = 4096
            es2 = es & ~(pg - 1); ee2 = (es + ez + pg - 1) & ~(pg - 1)
            for a, s in r:
                if a < ee2 and es2 < a + s:
                    print("FAIL %s %s region %#x+%#x overlaps %s %s" % (base, d["name"], a, s, n["by"], n["node"])); bad += 1
        if d["name"] == "dom0" and d["memory"]:
            for ms, mz in [(int(a, 16), int(s, 16)) for a, s in d["memory"]]:
                for a, s in r:
                    if a < ms + mz and ms < a + s:
                        print("FAIL %s dom0 region overlaps its RAM" % base); bad += 1
print("corpus: %d board plans checked, %d regions" % (boards, regions))
print("%d passed, %d failed" % (boards, bad))
sys.exit(1 if bad else 0)
PY
