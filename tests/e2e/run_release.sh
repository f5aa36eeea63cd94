#!/bin/sh
# `memvisor run --xen R` presents release R for the whole run, and a system
# DT's /chosen memvisor,xen-release names one when --xen does not: the
# version guest (which checks every identity item against the release it
# finds) reports which. An unknown name is refused before anything runs.
# Exit 77 (skip) when KVM is unavailable (the version guest is an ELF).
#
# usage: run_release.sh MEMVISOR DTS VERSION.elf
set -u
mv=$1 dts=$2 version=$3
. "$(dirname "$0")/lib.sh"

run() { # what expected-release args...
	what=$1 want=$2
	shift 2
	"$mv" run --transport kvm --timeout 20 --module "domU1=$version" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	skip_without_kvm
	[ "$rc" -eq 0 ] || fail "$what: exit status $rc"
	expect "$tmp/out" "(d1) release presented: $want" "$what"
	expect "$tmp/out" "(d1) Test result: SUCCESS" "$what"
}

run "default" latest "$dts"
for r in 4.16 4.17 4.19 4.20.0 4.21 latest; do
	run "--xen $r" "$r" --xen "$r" "$dts"
done

# The system DT names the release; --xen wins over it.
sed 's|^\(\t*\)chosen {|&\n\1\tmemvisor,xen-release = "4.18";|' "$dts" >"$tmp/rel.dts"
grep -q 'memvisor,xen-release' "$tmp/rel.dts" || fail "could not write the test system"
cp "$(dirname "$dts")/minimal.elf" "$tmp/" 2>/dev/null
run "memvisor,xen-release" 4.18 "$tmp/rel.dts"
run "--xen over memvisor,xen-release" 4.20 --xen 4.20 "$tmp/rel.dts"

sed 's|memvisor,xen-release = "4.18"|memvisor,xen-release = "3.4"|' "$tmp/rel.dts" >"$tmp/bad.dts"
"$mv" run --transport kvm --module "domU1=$version" "$tmp/bad.dts" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] || fail "unknown memvisor,xen-release: not refused"
expect "$tmp/err" "memvisor,xen-release: not a release memvisor knows" "unknown memvisor,xen-release"
"$mv" run --xen 4.15 "$dts" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] || fail "--xen 4.15: not refused"
expect "$tmp/err" "--xen wants" "--xen 4.15"

[ "$fails" -eq 0 ] || exit 1
echo "memvisor run presents the release it is asked for"
