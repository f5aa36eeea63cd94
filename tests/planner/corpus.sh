#!/bin/bash
# Corpus test: runs the planner over every DTB of Debian's current arm64
# kernel package, under every --xen policy (4.16 ... latest, 4.19.2 and
# 4.20.0 too) and in both IOMMU modes: 0 crashes (exit status 0 or 1), and
# for every board:
#  - the boot verdict is the one the release's rules give, recomputed here
#    from the host lists in the JSON (overlapping /reserved-memory children
#    from 4.18, with /memreserve/ in 4.19; overlapping RAM banks where RAM
#    is found by name, 4.16-4.19); a refused tree plans no domain and makes
#    the exit status 1;
#  - regions are ascending, disjoint, 2 MiB aligned, at least 64 MiB, below
#    2^ipa_bits, at most the release's cap, inside host RAM (host path);
#  - they are clear of what they must avoid (host path: the domain's RAM,
#    the grant region, reserved memory, /memreserve/ from 4.19; IOMMU path:
#    every device reg, RAM and PCI window), except where the plan carries a
#    note of the documented range-removal bug (4.16 to 4.20.0);
#  - releases that differ in one rule differ only by it: 4.20 is 4.21 with
#    the 2 MiB-short sizing (each region the same or 2 MiB shorter, gone
#    only if that leaves less than 64 MiB); 4.19.2 differs from 4.19 only
#    where the removal bug is noted; 4.16 is 4.17 up to its 128-region cap;
#  - `--compare` over all releases puts every difference down to a rule of
#    the release table.
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
policies="4.16 4.17 4.18 4.19.2 4.19 4.20.0 4.20 4.21 latest"
start=$(date +%s.%N)
for x in $policies; do
	for mode in off on; do
		"$bin" --json -q --xen $x --iommu $mode "${files[@]}" \
			>"$out/$x-$mode.jsonl" 2>"$out/$x-$mode.err"
		rc=$?
		echo $rc >"$out/$x-$mode.rc"
		if [ $rc -gt 1 ]; then
			echo "FAIL: planner exit status $rc with --xen $x --iommu $mode (crash?)"
			exit 1
		fi
	done
done
end=$(date +%s.%N)
# --compare across all releases: every difference must be put down to a
# rule of the table that differs between the two releases.
"$bin" --json -q --compare "$(echo $policies | tr ' ' ,)" "${files[@]}" \
	>"$out/compare.jsonl" 2>"$out/compare.err"
rc=$?
if [ $rc -gt 1 ]; then
	echo "FAIL: --compare exit status $rc (crash?)"
	exit 1
fi
python3 - "$out" "$n" <<'PY' || exit 1
import json, sys, collections
out, n = sys.argv[1], int(sys.argv[2])
lines = open(out + "/compare.jsonl").read().splitlines()
rules = collections.Counter()
bad = 0
for line in lines:
    j = json.loads(line)
    for c in j["changes"]:
        for d in c["domains"]:
            for x in d["changes"]:
                rules[x["rule"]] += 1
                if x["rule"] in ("other", "excluded", "too_small"):
                    bad += 1
                    if bad < 20:
                        print("FAIL %s %s->%s %s: change %s+%s not put down to a release rule (%s)"
                              % (j["file"].rsplit("/", 1)[-1], c["from"], c["to"], d["name"], x["start"], x["size"], x["why"]))
print("corpus: --compare over %d trees: %s" % (len(lines), ", ".join("%s %d" % kv for kv in sorted(rules.items()))))
sys.exit(1 if bad or len(lines) == 0 else 0)
PY
python3 - "$out" "$n" "$policies" "$start" "$end" <<'PY'
import json, sys
out, n, policies = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
print("corpus: planner time for %d plans (%d DTBs x %d policies x 2 IOMMU modes): %.1f s"
      % (2 * n * len(policies), n, len(policies), float(sys.argv[5]) - float(sys.argv[4])))
M = 2 << 20
# The rules the checks recompute (facts 8, 8b; the table in docs/extended-regions.md).
by_name = {"4.16", "4.17", "4.18", "4.19.2", "4.19"}
refuse_resv = set(policies) - {"4.16", "4.17"}
memresv_checked = {"4.19.2", "4.19"}
memresv_excluded = set(policies) - {"4.16", "4.17", "4.18"}
buggy = {"4.16", "4.17", "4.18", "4.19.2", "4.20.0"}
cap = {p: 128 if p == "4.16" else 256 for p in policies}
bad = 0
def fail(msg):
    global bad
    bad += 1
    if bad <= 50:
        print("FAIL " + msg)
def overlaps(l):
    l = sorted(l)
    for i in range(1, len(l)):
        for k in range(i):
            if l[i][0] < l[k][0] + l[k][1] and l[k][0] < l[i][0] + l[i][1]:
                return True
    return False
plans = {}
summary = {}
for p in policies:
    for mode in ("off", "on"):
        rc = int(open("%s/%s-%s.rc" % (out, p, mode)).read())
        lines = open("%s/%s-%s.jsonl" % (out, p, mode)).read().splitlines()
        if len(lines) != n and mode == "off" and p == "latest":
            print("note: %d of %d DTBs unusable (see diagnostics)" % (n - len(lines), n))
        refused = 0
        for line in lines:
            j = json.loads(line)
            f = j["file"].rsplit("/", 1)[-1]
            base = "%s --xen %s --iommu %s" % (f, p, mode)
            plans[(p, mode, f)] = j
            if j["xen"] != p:
                fail("%s: policy %s in the output" % (base, j["xen"]))
            ram = [(int(a, 16), int(z, 16)) for a, z, k, nd in j["host"]["ram"]]
            resv = [(int(a, 16), int(z, 16)) for a, z, k, nd in j["host"]["reserved"]
                    if k == "reserved-memory" or (k == "/memreserve/" and p in memresv_checked)]
            want = None
            if p in refuse_resv and overlaps(resv):
                want = "reserved_regions_overlap"
            elif p in by_name and overlaps(ram):
                want = "ram_banks_overlap"
            got = None if j["boots"] else j["no_boot"]["why"]
            if got == "dom0_kernel_in_reserved" and want is None:
                got = want = None # no modules in kernel trees; accepted
            if got != want:
                fail("%s: verdict %s, the rules give %s" % (base, got, want))
            if not j["boots"]:
                refused += 1
                if j["domains"]:
                    fail("%s: refused but domains planned" % base)
                continue
            ipa = j["ipa_bits"]
            for d in j["domains"]:
                r = [(int(a, 16), int(s, 16)) for a, s in d["extended_regions"]]
                bug = any(x["why"] == "xen417_bug" for x in d["left_out"])
                if bug and p not in buggy:
                    fail("%s: removal-bug note under a fixed release" % base)
                if len(r) > cap[p]:
                    fail("%s: %d regions, cap %d" % (base, len(r), cap[p]))
                prev_end = -1
                for a, s in r:
                    why = None
                    if a % M or s % M: why = "not 2 MiB aligned"
                    elif s < (64 << 20): why = "smaller than 64 MiB"
                    elif a + s > (1 << ipa): why = "above 2^ipa_bits"
                    elif a < prev_end: why = "not ascending/disjoint"
                    if why:
                        fail("%s %s region %#x+%#x: %s" % (base, d["name"], a, s, why))
                    prev_end = a + s
                avoid = []
                if d["algorithm"].startswith("host layout, no"):
                    # Touching banks are one range in Xen's rangeset.
                    union = []
                    for ra, rz in sorted(ram):
                        if union and ra <= union[-1][1]:
                            union[-1][1] = max(union[-1][1], ra + rz)
                        else:
                            union.append([ra, ra + rz])
                    for a, s in r:
                        if not any(ra <= a and a + s <= re for ra, re in union):
                            fail("%s %s region %#x+%#x: not inside host RAM" % (base, d["name"], a, s))
                    avoid += [(int(a, 16), int(z, 16), k + " " + nd) for a, z, k, nd in j["host"]["reserved"]
                              if k != "/memreserve/" or p in memresv_excluded]
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
                        if ez and a < es + ez and es < a + s and not bug:
                            fail("%s %s region %#x+%#x overlaps %s at %#x" % (base, d["name"], a, s, what, es))
        nb = sum(1 for line in lines if not json.loads(line)["boots"])
        if (nb > 0 or len(lines) != n) and rc != 1:
            fail("--xen %s --iommu %s: exit status %d with %d refused trees" % (p, mode, rc, nb))
        if nb == 0 and len(lines) == n and rc != 0:
            fail("--xen %s --iommu %s: exit status %d, nothing refused" % (p, mode, rc))
        summary[(p, mode)] = (len(lines), refused, sum(len(d["extended_regions"]) for line in lines for d in json.loads(line)["domains"]))
def regions(p, mode, f):
    j = plans.get((p, mode, f))
    if not j or not j["boots"] or not j["domains"]:
        return None, j
    return [(int(a, 16), int(s, 16)) for a, s in j["domains"][0]["extended_regions"]], j
files = sorted({f for (p, m, f) in plans})
for mode in ("off", "on"):
    for f in files:
        r21, _ = regions("4.21", mode, f)
        r20, _ = regions("4.20", mode, f)
        if r21 is not None and r20 is not None:
            it = iter(r20); cur = next(it, None)
            for a, s in r21:
                if cur and cur[0] == a and cur[1] in (s, s - M):
                    cur = next(it, None)
                elif s - M < (64 << 20):
                    continue
                else:
                    fail("%s --iommu %s: 4.21 region %#x+%#x has no 2 MiB-short twin in 4.20" % (f, mode, a, s)); break
            if cur is not None:
                fail("%s --iommu %s: 4.20 has a region 4.21 lacks: %#x+%#x" % (f, mode, cur[0], cur[1]))
        r192, j192 = regions("4.19.2", mode, f)
        r19, _ = regions("4.19", mode, f)
        if r192 is not None and r19 is not None and r192 != r19:
            if not any(x["why"] in ("xen417_bug", "error") for x in j192["domains"][0]["left_out"]):
                fail("%s --iommu %s: 4.19.2 and 4.19 differ without a removal-bug note" % (f, mode))
        r16, _ = regions("4.16", mode, f)
        r17, _ = regions("4.17", mode, f)
        if r16 is not None and r17 is not None and r16 != r17[:128]:
            fail("%s --iommu %s: 4.16 is not 4.17 up to 128 regions" % (f, mode))
# Facts 8.4: real NXP LS1028A/LS1046A/LS1088A trees show the removal bug
# on the IOMMU path, in every release before the fix and in none after.
for p in policies:
    hit = sum(1 for (q, m, f), j in plans.items()
              if q == p and m == "on" and f.startswith(("fsl-ls1028a", "fsl-ls1046a", "fsl-ls1088a"))
              and any(x["why"] == "xen417_bug" for d in j["domains"] for x in d["left_out"]))
    if (p in buggy) != (hit > 0):
        fail("--xen %s: %d NXP LS10x8A trees with the removal bug" % (p, hit))
for p in policies:
    print("corpus: --xen %-6s trees %4d/%4d, refused %3d/%3d, regions %5d/%5d (IOMMU off/on)"
          % ((p,) + tuple(v for k in range(3) for v in (summary[(p, "off")][k], summary[(p, "on")][k]))))
print("%d plans checked, %d failed" % (len(plans), bad))
sys.exit(1 if bad else 0)
PY
