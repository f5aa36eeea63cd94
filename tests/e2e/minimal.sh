#!/bin/sh
# Boots the minimal example guest of docs/boot-protocol.md with memvisor run.
# usage: minimal.sh MEMVISOR DTS MINIMAL.elf   (exit 77 when KVM is unavailable)
set -u
out=$("$1" run --timeout 20 --module "domU1=$3" "$2" 2>&1)
rc=$?
echo "$out"
case $out in *"KVM unavailable"*) exit 77 ;; esac
[ "$rc" -eq 0 ] || { echo "FAIL: exit status $rc"; exit 1; }
case $out in
*"(d1) Hello from the minimal guest"*"d1 (domU1): shut down (poweroff)"*) exit 0 ;;
*"d1 (domU1): shut down (poweroff)"*"(d1) Hello from the minimal guest"*) exit 0 ;;
esac
echo "FAIL: no greeting or no poweroff"
exit 1
