#!/usr/bin/env bash
# Installs the Debian packages memvisor needs, and only those that are missing.
set -eu
# libxen-dev: Xen's own public headers (/usr/include/xen), which the test
# e2e-xen-headers-guest builds a guest against (docs/boot-protocol.md 9).
pkgs=(meson ninja-build pkg-config gcc clang libfdt-dev device-tree-compiler
      libcmocka-dev librsvg2-bin lld llvm python3 libxen-dev)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
