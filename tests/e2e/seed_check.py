#!/usr/bin/env python3
"""The seed scenarios end to end, through `memvisor run --json`.

The scenario is told by the report: with a virtio disk (memvisor,virtio-disk:
systems/seed-virtio*.dts, the default) the checks of check_virtio(); without
(systems/seed-grant-ring*.dts) those below. Never timings.

virtio (check_virtio):
  regions    the backend pre-mapped every frame of the frontend's RAM (plus
             the IOREQ server's page) at GFNs inside its extended regions,
             batched, without giving up RAM or shattering a superpage of
             RAM, and unmapped them all again; both ended OK; the disk file
             holds the frontend's pattern (disk_virtio()); the device's
             counters: the block device moved the whole disk each way in
             page-sized commands (one per virtio request), every IOREQ was
             announced and answered by an event, the line was raised.
  noregions  (ext_regions=no) the backend's pre-map falls back to ballooning,
             gives up RAM, shatters superpages and fails; memvisor exits 1;
             the disk is untouched (all zeros), no IOREQ was served.

grant ring:
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


# The default scenario's disk (guest/programs/common/ring.h, vdisk_word):
# 64-bit little-endian word j (0..63) of 512-byte sector s.
SECTOR = 512


def disk_virtio(size):
    words = []
    for sector in range(size // SECTOR):
        words.extend((0x5644000000000000 ^ (sector << 8) ^ j) for j in range(SECTOR // 8))
    return struct.pack("<%dQ" % len(words), *words)


def check_virtio(p, rep, disk, mode):
    """The default scenario (memvisor,virtio-disk): see the module doc."""
    doms = {d["id"]: d for d in rep["domains"]}
    if len(rep["virtio_disks"]) != 1:
        fail("expected one virtio disk, got %d" % len(rep["virtio_disks"]))
    dev = rep["virtio_disks"][0]
    fe, be = doms[dev["frontend"]], doms[dev["backend"]]
    with open(disk, "rb") as f:
        data = f.read()
    if len(data) != BLK_COUNT * BLK_SIZE:
        fail("disk file is %d bytes, expected %d" % (len(data), BLK_COUNT * BLK_SIZE))
    if mode == "noregions":
        if p.returncode != 1:
            fail("expected exit 1 (the backend cannot map 3 GiB by ballooning), got %d" %
                 p.returncode)
        if be["ok"] or fe["ok"]:
            fail("a domain claims success although the backend could not map the frontend")
        if be["ram_pages_lowest"] >= be["ram_pages_before"]:
            fail("the ballooning path gave up no RAM")
        if be["superpages_shattered"] == 0:
            fail("ballooning shattered no superpage")
        if be["foreign_maps_made"] >= fe["ram_pages_before"]:
            fail("mapped all of the frontend with only the backend's RAM?")
        if "cannot allocate unpopulated frames" not in p.stderr:
            fail("the backend's error is not shown")
        if dev["requests"] or dev["ioreqs"] or data != bytes(len(data)):
            fail("the disk was used: %d requests, %d IOREQs" % (dev["requests"], dev["ioreqs"]))
        return
    if p.returncode != 0:
        fail("memvisor run exited %d" % p.returncode)
    for d in rep["domains"]:
        if not d["ok"]:
            fail("%s did not end OK: %s" % (d["name"], d["result"]))
    for who in ("vfrontend: OK", "vbackend: OK"):
        if who not in p.stderr:
            fail("no '%s' on the console" % who)
    # Every frame of the frontend's RAM, and the IOREQ server's page that
    # acquire_resource mapped, at GFNs inside the backend's regions.
    if (be["foreign_maps_made"] != fe["ram_pages_before"] + 1 or
            be["foreign_resource_frames"] != 1):
        fail("backend made %d foreign maps (%d resource frames), frontend has %d frames "
             "(+1 ioreq page)" % (be["foreign_maps_made"], be["foreign_resource_frames"],
                                  fe["ram_pages_before"]))
    if be["foreign_unlogged"] or be["foreign_made_outside_regions"]:
        fail("%d frames mapped outside the extended regions (%d not logged)" % (
            be["foreign_made_outside_regions"], be["foreign_unlogged"]))
    if be["foreign_frames"] != 0:
        fail("the backend left %d frames mapped" % be["foreign_frames"])
    # Its RAM: untouched; the shared_info page (event channels) is one more
    # RAM-typed P2M entry, in unused space, as in the grant-ring checks.
    if not (be["ram_pages_before"] == be["ram_pages_lowest"] and
            be["ram_pages_after"] == be["ram_pages_before"] + SHARED_INFO_PAGES):
        fail("backend RAM changed: %d -> %d (lowest %d)" % (
            be["ram_pages_before"], be["ram_pages_after"], be["ram_pages_lowest"]))
    if be["superpages_shattered"] != 0:
        fail("backend shattered %d superpages of RAM" % be["superpages_shattered"])
    if be["multicall_entries"] * 512 < be["foreign_maps_made"]:
        fail("backend's pre-map was not batched: %d multicall entries for %d frames" % (
            be["multicall_entries"], be["foreign_maps_made"]))
    # The device: the whole disk written and read back in page-sized
    # requests, and the frontend's one FLUSH.
    size = BLK_COUNT * BLK_SIZE
    if dev["bytes_written"] != size or dev["bytes_read"] != size or dev["refused"]:
        fail("block device moved %d/%d bytes (refused %d), disk is %d" % (
            dev["bytes_written"], dev["bytes_read"], dev["refused"], size))
    if dev["requests"] != 2 * BLK_COUNT + 1:
        fail("%d block requests for %d pages each way" % (dev["requests"], BLK_COUNT))
    ev = dev["events"]
    if not (dev["ioreqs"] > 0 and ev["to_backend"] == dev["ioreqs"] and
            ev["answers"] == dev["ioreqs"] and ev["interrupts"] > 0):
        fail("IOREQ and event counters do not add up: %r" % dev)
    # Batching: fewer IOREQs than requests (a notify serves many).
    if dev["ioreqs"] >= dev["requests"]:
        fail("%d IOREQs for %d requests: no batching" % (dev["ioreqs"], dev["requests"]))
    if data != disk_virtio(size):
        for s in range(size // SECTOR):
            if data[s * SECTOR:(s + 1) * SECTOR] != disk_virtio(size)[s * SECTOR:(s + 1) * SECTOR]:
                fail("disk sector %d does not hold what the frontend wrote" % s)


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
    if rep.get("virtio_disks"):
        check_virtio(p, rep, disk, mode)
        print("PASS: %s %s %s (virtio)" % (os.path.basename(system), transport, mode))
        return
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
