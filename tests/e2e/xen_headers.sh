#!/bin/sh
# The example guest of docs/boot-protocol.md section 9, built the way a
# guest from outside this tree is: against Xen's own public headers only
# (XEN_PUBLIC_HEADERS, default Debian libxen-dev's /usr/include/xen), with
# no memvisor header, runtime or C library on the include path. Then, on
# KVM, booted under two releases: its console must show the version and
# feature word that release gives a DomU.
# usage: xen_headers.sh CC MEMVISOR DTS SRCDIR
# Exit 0 pass, 1 fail, 77 skip (headers missing, or built but no KVM).
set -u
cc=$1 memvisor=$2 dts=$3 src=$4
. "$(dirname "$0")/lib.sh"

xen=${XEN_PUBLIC_HEADERS:-/usr/include/xen}
if [ ! -f "$xen/xen.h" ] || [ ! -f "$xen/version.h" ]; then
	echo "SKIP: Xen's public headers not found at $xen (Debian: libxen-dev," \
	     "which scripts/deps.sh installs)"
	exit 77
fi

# The include path: a directory holding only xen -> the public headers, and
# the compiler's own freestanding headers (stdint.h, stddef.h).
mkdir "$tmp/inc" && ln -s "$xen" "$tmp/inc/xen"
ccinc=$("$cc" -print-file-name=include)
if ! "$cc" -std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding -fno-pic -no-pie \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
	-nostdinc -isystem "$ccinc" -I"$tmp/inc" -MD \
	-nostdlib -static -Wl,--build-id=none -Wl,-T,"$src/guest.ld" \
	-o "$tmp/guest.elf" "$src/start.S" "$src/guest.c" >"$tmp/out" 2>"$tmp/err"; then
	fail "the example does not build against $xen"
	exit 1
fi
# Every header it read is Xen's or the compiler's.
cat "$tmp"/*.d | tr ' \\' '\n\n' | grep '\.h$' | sort -u >"$tmp/headers"
bad=$(grep -v -e "^$tmp/inc/xen/" -e "^$ccinc/" "$tmp/headers")
if [ -n "$bad" ]; then
	echo "FAIL: headers from elsewhere:"; echo "$bad"
	exit 1
fi
grep -q "^$tmp/inc/xen/version.h" "$tmp/headers" || { echo "FAIL: Xen's headers not used"; exit 1; }
echo "built against $xen: $(grep -c "^$tmp/inc/xen/" "$tmp/headers") Xen headers," \
     "$(grep -c "^$ccinc/" "$tmp/headers") compiler headers, nothing else"

# release, version line, feature word of a translated, not direct-mapped DomU
for want in "latest|Xen 4.22.0 (0x00040016)|0x00052105" "4.17|Xen 4.17.7 (0x00040011)|0x00012105"; do
	rel=${want%%|*} rest=${want#*|}
	ver=${rest%%|*} feat=${rest#*|}
	"$memvisor" run --transport kvm --timeout 20 --xen "$rel" --module "domU1=$tmp/guest.elf" \
		"$dts" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	skip_without_kvm
	cat "$tmp/out" "$tmp/err" >"$tmp/all" # the console goes to stdout off a terminal
	echo "--xen $rel:"; grep "^(d1)" "$tmp/all"
	[ "$rc" -eq 0 ] || fail "--xen $rel: exit status $rc"
	expect "$tmp/all" "(d1) xen_version: $ver" "--xen $rel: version"
	expect "$tmp/all" "(d1) XENFEAT submap 0: $feat writable_page_tables auto_translated_physmap" \
		"--xen $rel: features"
	expect "$tmp/all" "(d1) xen-headers guest: OK" "--xen $rel: the guest's own checks"
	expect "$tmp/all" "d1 (domU1): shut down (poweroff)" "--xen $rel: poweroff"
done
[ "$fails" -eq 0 ] || exit 1
echo "PASS"
