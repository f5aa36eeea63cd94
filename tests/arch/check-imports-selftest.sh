#!/bin/sh
# Shows that scripts/check-imports.py fails on what it must refuse: it runs
# the check on copies of hv/, each with one violation planted, and expects
# the copy of the real tree to pass and every planted copy to fail.
# Usage: check-imports-selftest.sh SOURCE_ROOT
set -u
src=$1
check="$src/scripts/check-imports.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

plant() { # name, file (relative to hv/), line to add at its top
	rm -rf "$tmp/$1" && mkdir -p "$tmp/$1" && cp -R "$src/hv" "$tmp/$1/hv" || exit 1
	if [ -n "$2" ]; then
		{ printf '%s\n' "$3"; cat "$src/hv/$2"; } >"$tmp/$1/hv/$2" || exit 1
	fi
}
expect() { # name, expected exit status (0 or 1), text the report must hold
	python3 "$check" --strict "$tmp/$1" >"$tmp/$1.out" 2>&1
	rc=$?
	if [ "$rc" -ne "$2" ] || ! grep -q -- "$3" "$tmp/$1.out"; then
		echo "FAIL: $1: exit $rc, expected $2 and \"$3\" in:"
		cat "$tmp/$1.out"
		fails=$((fails + 1))
	else
		echo "ok: $1: exit $rc"
	fi
}

plant clean "" ""
expect clean 0 "^OK: "
# A private header of another subdirectory.
plant private grant/grant.c '#include "../iommu/iommu_pt.h"'
expect private 1 "grant/grant.c:1 \"../iommu/iommu_pt.h\": private header of iommu/"
# A new edge up the layers: mm/ includes the dispatcher (hypercall/).
plant back-edge mm/heap.c '#include <hv/hypercall.h>'
expect back-edge 1 "hv/mm/heap.c:1 <hv/hypercall.h>: mm/ includes hypercall/"
# A public internal header nobody owns.
plant no-owner "" ""
echo '/* orphan */' >"$tmp/no-owner/hv/include/hv/orphan_x.h"
expect no-owner 1 "orphan_x.h: no owner"
[ "$fails" -eq 0 ]
