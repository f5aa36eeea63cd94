#!/usr/bin/env python3
"""The seed scenario end to end, through `memvisor run --json`.

Asserts the scenario's invariants, never timings:
  regions    the backend maps all of the frontend's RAM, every frame inside
             its extended regions, without giving up RAM or shattering a
             superpage; the ring has an event channel; both domains end OK
             and batched calls through multicall; the backend's disk (a fresh
             --disk file) holds exactly what the frontend wrote (see
             disk_expected()).
  noregions  (ext_regions=no) the 256 MiB Dom0 backend cannot map 3 GiB by
             ballooning: it gives up RAM, shatters superpages and fails
             cleanly; memvisor exits 1; no request reached the disk (all
             zeros).
usage: seed_check.py MEMVISOR SYSTEM.dts kvm|inproc regions|noregions
Exit 0 pass, 1 fail, 77 skip (KVM unusable).
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

# The frontend's writes (guest/programs/common/ring.h, FE_WRITES): write i
# of FE_WRITES puts generation i + 1 into block (i * FE_STRIDE) % BLK_COUNT,
# 1024 little-endian u32 words, word k = (block << 24) ^ (gen << 16) ^ k ^ 0xb10c.
BLK_SIZE = 4096
BLK_COUNT = 64
FE_WRITES = 16
FE_STRIDE = 7
# Hypervisor pages the backend maps into its P2M: its shared_info
# (guest/xen/evtchn.c maps it at an unpopulated frame).
SHARED_INFO_PAGES = 1


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def block_data(block, gen):
    return struct.pack("<1024I", *[((block << 24) ^ (gen << 16) ^ k ^ 0xb10c) & 0xffffffff
                                   for k in range(BLK_SIZE // 4)])


def disk_expected(written):
    """The whole disk after a run on a fresh (all-zero) file."""
    blocks = [bytes(BLK_SIZE)] * BLK_COUNT
    if written:
        for i in range(FE_WRITES):
            b = (i * FE_STRIDE) % BLK_COUNT
            blocks[b] = block_data(b, i + 1)
    return b"".join(blocks)


def check_disk(path, written):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) != BLK_COUNT * BLK_SIZE:
        fail("disk file is %d bytes, expected %d" % (len(data), BLK_COUNT * BLK_SIZE))
    want = disk_expected(written)
    for b in range(BLK_COUNT):
        if data[b * BLK_SIZE:(b + 1) * BLK_SIZE] != want[b * BLK_SIZE:(b + 1) * BLK_SIZE]:
            fail("disk block %d does not hold what the frontend wrote" % b)


def main():
    tmp = tempfile.mkdtemp(prefix="seed-check-")
    try:
        run(os.path.join(tmp, "disk.img"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(disk):
    memvisor, system, transport, mode = sys.argv[1:5]
    if transport == "kvm":
        try:
            os.close(os.open("/dev/kvm", os.O_RDWR))
        except OSError as e:
            print("SKIP: /dev/kvm unusable: %s" % e)
            sys.exit(77)
    cmd = [memvisor, "run", "--json", "--transport", transport, "--timeout", "250",
           "--disk", disk]
    if mode == "noregions":
        cmd += ["--bootargs", "dom0_mem=256M ext_regions=no"]
    cmd.append(system)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sys.stderr.write(p.stderr[-6000:])
    try:
        rep = json.loads(p.stdout)
    except ValueError:
        fail("no JSON report (exit %d): %r" % (p.returncode, p.stdout[-500:]))
    print(json.dumps(rep, indent=1))
    doms = rep["domains"]
    backends = [d for d in doms if d["foreign_maps_made"] > 0]
    if len(backends) != 1:
        fail("expected one backend domain, got %d" % len(backends))
    be = backends[0]
    fronts = [d for d in doms if d is not be]
    if mode == "regions":
        if p.returncode != 0:
            fail("memvisor run exited %d" % p.returncode)
        for d in doms:
            if not d["ok"]:
                fail("%s did not end OK: %s" % (d["name"], d["result"]))
        fe_ram = sum(d["ram_pages_before"] for d in fronts)
        if be["foreign_frames"] != fe_ram:
            fail("backend maps %d frames, frontend has %d" % (be["foreign_frames"], fe_ram))
        if be["foreign_outside_regions"] != 0:
            fail("%d frames mapped outside the extended regions" % be["foreign_outside_regions"])
        # RAM pages are the RAM-typed P2M entries; the backend's shared_info
        # page (its event channels), placed in unused space, is one of them
        # (as in Xen's P2M) without being RAM the backend gave or took.
        if not (be["ram_pages_before"] == be["ram_pages_lowest"] and
                be["ram_pages_after"] == be["ram_pages_before"] + SHARED_INFO_PAGES):
            fail("backend RAM changed: %d -> %d (lowest %d; %d shared_info page expected)" % (
                be["ram_pages_before"], be["ram_pages_after"], be["ram_pages_lowest"],
                SHARED_INFO_PAGES))
        if be["superpages_shattered"] != 0:
            fail("backend shattered %d superpages" % be["superpages_shattered"])
        # Both sides batch as a real guest does (guest/xen/multicall.h): the
        # frontend's grant-table set-up, the backend's pre-map.
        for d in doms:
            if d["multicall_entries"] == 0:
                fail("%s ran no call through a multicall" % d["name"])
        if be["multicall_entries"] * 512 < be["foreign_frames"]:
            fail("backend's pre-map was not batched: %d multicall entries for %d frames" % (
                be["multicall_entries"], be["foreign_frames"]))
        if "backend: bound to d" not in p.stderr:
            fail("the ring has no event channel (the backend never bound the frontend's port)")
        if "served %d request(s) from the block device" % (3 * FE_WRITES + 1) not in p.stderr:
            fail("the backend did not serve every request from the block device")
        check_disk(disk, True)
    else:
        if p.returncode != 1:
            fail("expected exit 1 (backend cannot map 3 GiB by ballooning), got %d" % p.returncode)
        if be["ok"]:
            fail("the backend claims success without extended regions")
        if be["ram_pages_lowest"] >= be["ram_pages_before"]:
            fail("the ballooning path gave up no RAM")
        if be["superpages_shattered"] == 0:
            fail("ballooning shattered no superpage")
        if be["foreign_frames"] >= 786432:
            fail("mapped all 3 GiB with only 256 MiB of RAM?")
        if "cannot allocate unpopulated frames" not in p.stderr:
            fail("the backend's error is not shown")
        check_disk(disk, False)
    print("PASS: %s %s %s" % (os.path.basename(system), transport, mode))


main()
