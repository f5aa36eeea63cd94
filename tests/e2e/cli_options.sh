#!/bin/sh
# Every subcommand reads its options anywhere on the command line: before,
# between or after the positional arguments ("--" ends them), and a bad
# option still gets the one clear message naming the command. Cheap runs
# only: nothing here boots a guest.
#
# usage: cli_options.sh MEMVISOR SYSTEM.dts HOST.dts
set -u
memvisor=$1 system=$2 hostdts=$3
. "$(dirname "$0")/lib.sh"

cli() { # args...: runs memvisor, rc in $rc
	"$memvisor" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
status() { # want what
	[ "$rc" -eq "$1" ] || fail "$2: exit status $rc, expected $1"
}

dtc -q -I dts -O dtb -o "$tmp/host.dtb" "$hostdts" || { echo "FAIL: dtc $hostdts"; exit 1; }

# bench: options after the benchmark names (issue: --json was taken for a name).
cli bench overhead --json
status 0 "bench overhead --json"
expect "$tmp/out" '"results":[' "bench overhead --json"
expect "$tmp/out" '"name":"overhead"' "bench overhead --json"
cli bench --json overhead
status 0 "bench --json overhead"
expect "$tmp/out" '"name":"overhead"' "bench --json overhead"
cli bench overhead --help
status 0 "bench overhead --help"
expect "$tmp/out" "usage: memvisor bench" "bench overhead --help"
cli bench overhead --bogus
status 2 "bench overhead --bogus"
expect "$tmp/err" "memvisor bench: unknown option '--bogus'" "bench overhead --bogus"
cli bench -- --json
status 2 "bench -- --json"
expect "$tmp/err" "memvisor bench: unknown benchmark '--json'" "bench -- --json"

# layout: options after the DTB, and between several DTBs.
cli layout "$tmp/host.dtb" --json -q
status 0 "layout HOST --json -q"
expect "$tmp/out" '{"file":"' "layout HOST --json -q"
[ -s "$tmp/err" ] && fail "layout HOST --json -q: -q after the DTB did not quieten"
cli layout --json "$tmp/host.dtb" --quiet "$tmp/host.dtb"
status 0 "layout --json A --quiet B"
[ "$(grep -c '{"file":"' "$tmp/out")" -eq 2 ] || fail "layout --json A --quiet B: not two JSON lines"
cli layout "$tmp/host.dtb" --ipa-bits
status 2 "layout HOST --ipa-bits"
expect "$tmp/err" "memvisor layout: option '--ipa-bits' needs an argument" "layout HOST --ipa-bits"
cli layout "$tmp/host.dtb" --bogus
status 2 "layout HOST --bogus"
expect "$tmp/err" "memvisor layout: unknown option '--bogus'" "layout HOST --bogus"

# run: options after SYSTEM take effect (each stops before any domain runs).
cli run "$system" --transport bogus
status 2 "run SYSTEM --transport bogus"
expect "$tmp/err" "memvisor run: --transport wants kvm, inproc or auto, not 'bogus'" \
	"run SYSTEM --transport bogus"
cli run "$system" --help
status 0 "run SYSTEM --help"
expect "$tmp/out" "usage: memvisor run" "run SYSTEM --help"
cli run "$system" --module
status 2 "run SYSTEM --module"
expect "$tmp/err" "memvisor run: option '--module' needs an argument" "run SYSTEM --module"
cli run "$system" -x
status 2 "run SYSTEM -x"
expect "$tmp/err" "memvisor run: unknown option or missing argument: '-x'" "run SYSTEM -x"
cli run "$system" --bogus
status 2 "run SYSTEM --bogus"
expect "$tmp/err" "memvisor run: unknown option '--bogus'" "run SYSTEM --bogus"
cli run "$system" "$system"
status 2 "run SYSTEM SYSTEM"
expect "$tmp/err" "memvisor run: one SYSTEM at most" "run SYSTEM SYSTEM"

# The same with POSIXLY_CORRECT set: it must not stop option parsing.
POSIXLY_CORRECT=1 cli bench overhead --json
status 0 "POSIXLY_CORRECT bench overhead --json"
expect "$tmp/out" '"name":"overhead"' "POSIXLY_CORRECT bench overhead --json"

[ "$fails" -eq 0 ] || exit 1
echo "ok: options accepted anywhere in bench, layout and run; bad options named"
