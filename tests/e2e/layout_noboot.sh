#!/bin/sh
# End-to-end `memvisor layout --xen 4.17` on trees Xen 4.17 would not boot
# (facts 8.10, overlapping RAM banks), through the real memvisor binary:
# the verdict and its reason on stdout and stderr, "boots": false and
# "no_boot" in JSON, exit status 1; the same tree under a later release
# is refused from 4.18 for its overlapping reserved regions (facts 8b.4),
# and a tree 4.17 boots still exits 0.
#
# usage: layout_noboot.sh MEMVISOR DTB_DIR
set -u
mv=$1 dir=$2
. "$(dirname "$0")/lib.sh"

run() { # expected-status args...
	want=$1
	shift
	"$mv" layout "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq "$want" ] || fail "layout $*: exit status $rc, expected $want"
}

# 1. The SDM630 board's own names: /reserved-memory/memory@... is RAM to 4.17.
run 1 "$dir/sdm630-ram-overlap.dtb" --xen 4.17
expect "$tmp/out" "Xen 4.17 would not boot this tree: RAM banks /memory@80000000 [0x80000000, 0x140000000) and /reserved-memory/memory@85e00000 [0x85e00000, 0x86000000) overlap" "text verdict"
expect "$tmp/out" "Unable to setup the directmap mappings." "text reason"
expect "$tmp/err" "sdm630-ram-overlap.dtb: Xen 4.17 would not boot this tree" "stderr verdict"
if grep -q "extended regions" "$tmp/out"; then fail "a domain was planned"; fi

run 1 "$dir/sdm630-ram-overlap.dtb" --xen 4.17 --json -q
expect "$tmp/out" '"boots":false' "json"
expect "$tmp/out" '"why":"ram_banks_overlap"' "json"
expect "$tmp/out" '"nodes":["/memory@80000000","/reserved-memory/memory@85e00000"]' "json"
expect "$tmp/out" '"domains":[]' "json"

# 2. Two overlapping /memory nodes: the same verdict, without the
#    reserved-memory hint.
run 1 "$dir/bad-overlap.dtb" --xen 4.17
expect "$tmp/out" "RAM banks /memory@40000000 [0x40000000, 0x80000000) and /memory@60000000 [0x60000000, 0xa0000000) overlap;" "two memory nodes"

# 3. From 4.18 the board is refused earlier, while Xen parses its
#    /reserved-memory: "removed region" overlaps qhee-code (facts 8b.4).
for x in 4.18 4.19 4.20 4.21 latest; do
	run 1 "$dir/sdm630-ram-overlap.dtb" --xen $x
	expect "$tmp/out" "Xen $x would not boot this tree: reserved regions /reserved-memory/qhee-code@85800000 [0x85800000, 0x85e00000) and /reserved-memory/removed_region@85800000 [0x85800000, 0x88f00000) overlap" "--xen $x verdict"
	expect "$tmp/out" "Early FDT parsing failed" "--xen $x reason"
	if grep -q "extended regions" "$tmp/out"; then fail "--xen $x: a domain was planned"; fi
done

# 4. A tree 4.17 boots is unaffected.
run 0 "$dir/qemu-virt.dtb" --xen 4.17 --json -q
expect "$tmp/out" '"boots":true' "qemu-virt"

# 5. memvisor run plans with the same policy: a tree the release would not
#    boot is refused before any domain exists, with the planner's reason.
"$mv" run --transport inproc "$dir/sdm630-reserved.dtb" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || fail "run sdm630-reserved.dtb: exit status $rc, expected 1"
expect "$tmp/err" "would not boot this tree: reserved regions" "run's refusal"

[ "$fails" -eq 0 ] && echo "layout_noboot: all checks passed"
[ "$fails" -eq 0 ]
