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

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mapfile -t files <<<"$list"
start=$(date +%s.%N)
for mode in off on; do
	"$bin" --json -q --iommu $mode "${files[@]}" >"$out/$mode.jsonl" 2>"$out/$mode.err"
	rc=$?
	if [ $rc -gt 1 ]; then
		echo "FAIL: planner exit status $rc with --iommu $mode (crash?)"
		exit 1
	fi
done
end=$(date +%s.%N)
# Facts 8.10 on real boards: under --xen 4.17 exactly the trees whose RAM
# banks overlap (checked here from the host RAM list, not from the verdict)
# are reported as not booting, with exit status 1; under the default policy
# every tree boots.
"$bin" --json -q --xen 4.17 "${files[@]}" >"$out/417.jsonl" 2>"$out/417.err"
rc417=$?
python3 - "$out" $rc417 <<'PY' || exit 1
import json, sys
out, rc = sys.argv[1], int(sys.argv[2])
bad = nb = 0
for line in open(out + "/417.jsonl"):
    j = json.loads(line)
    ram = sorted((int(a, 16), int(z, 16), nd) for a, z, k, nd in j["host"]["ram"])
    overlap = any(ram[i][0] < ram[k][0] + ram[k][1]
                  for i in range(len(ram)) for k in range(i))
    if overlap == j["boots"] or (not j["boots"] and (j["domains"] or j["no_boot"]["why"] != "ram_banks_overlap")):
        print("FAIL %s: RAM overlap %s but boots=%s" % (j["file"], overlap, j["boots"])); bad += 1
    nb += not j["boots"]
if nb and rc != 1:
    print("FAIL: exit status %d with %d trees 4.17 would not boot" % (rc, nb)); bad += 1
for mode in ("off", "on"):
    for line in open(out + "/" + mode + ".jsonl"):
        j = json.loads(line)
        if not j["boots"]:
            print("FAIL %s: default policy says it would not boot" % j["file"]); bad += 1
print("corpus: --xen 4.17 would not boot %d real trees (overlapping RAM banks)" % nb)
sys.exit(1 if bad else 0)
PY
python3 - "$out" <<PY
import json, sys
out = sys.argv[1]
print("corpus: planner time for %d plans (all DTBs, IOMMU off and on): %.2f s" % (2 * $n, $end - $start))
bad = 0
boards = 0
regions = 0
for mode in ("off", "on"):
  lines = open(out + "/" + mode + ".jsonl").read().splitlines()
  if len(lines) != $n:
    print("note: --iommu %s: %d of $n DTBs unusable (see diagnostics)" % (mode, $n - len(lines)))
  for line in lines:
    j = json.loads(line)
    base = j["file"].rsplit("/", 1)[-1] + " iommu=" + mode
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
        # Must-avoid, from the host description (not from the finder's own
        # notes): the host path must stay clear of the domain's RAM, every
        # reserved bank and the grant region; the IOMMU path of every device
        # reg (RAM included) and PCI window, page-widened.
        avoid = []
        if d["algorithm"].startswith("host layout, no"):
            avoid += [(int(a, 16), int(z, 16), k + " " + nd) for a, z, k, nd in j["host"]["reserved"]]
            avoid += [(int(a, 16), int(z, 16), "domain RAM") for a, z in d["memory"]]
            if d["grant_table"]:
                avoid.append((int(d["grant_table"][0], 16), int(d["grant_table"][1], 16), "grant table"))
        elif d["algorithm"].startswith("host layout, IOMMU"):
            for a, z, k, nd in j["host"]["devices"]:
                a, z = int(a, 16), int(z, 16)
                if z == 0: continue
                s0 = a & ~4095; e0 = (a + z + 4095) & ~4095
                avoid.append((s0, e0 - s0, k + " " + nd))
        for es, ez, what in avoid:
            for a, s in r:
                if ez and a < es + ez and es < a + s:
                    print("FAIL %s %s region %#x+%#x overlaps %s at %#x" % (base, d["name"], a, s, what, es)); bad += 1
print("corpus: %d board plans checked, %d regions" % (boards, regions))
print("%d passed, %d failed" % (boards, bad))
sys.exit(1 if bad else 0)
PY
