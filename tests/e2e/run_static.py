#!/usr/bin/env python3
"""`memvisor run systems/static-dom0less.dts` end to end, on KVM.

The system has a packed static domain, a direct-mapped static domain (its
1:1 RAM at 0x40000000, so the guest images linked at 0x40200000 load) and
a heap domain; its memvisor,file properties name images under ../build.
The DTS is run from a copy in a fresh directory, where those paths do not
exist, so memvisor must fall back to the images built next to its own
executable (this build's). Asserts, never timings:
  - memvisor exits 0 and its JSON report has exactly the three domains,
    each ended OK (shut down by itself, not crashed);
  - each domain's guest test printed "Test result: SUCCESS" and nothing
    reported a failure;
  - each kernel came from the fallback (guest/ next to memvisor);
  - the static domains own exactly their banks at the end (96 and 32 MiB)
    and the heap domain its 64 MiB.
usage: run_static.py MEMVISOR SYSTEM.dts
Exit 0 pass, 1 fail, 77 skip (KVM unusable).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

EXPECT = {"static": 96 << 8, "direct": 32 << 8, "plain": 64 << 8}  # pages


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    memvisor, system = sys.argv[1:3]
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR))
    except OSError as e:
        print("SKIP: kvm: unavailable: /dev/kvm: %s" % e)
        sys.exit(77)
    with tempfile.TemporaryDirectory() as tmp:
        sysdir = os.path.join(tmp, "systems")
        os.mkdir(sysdir)
        dts = os.path.join(sysdir, os.path.basename(system))
        shutil.copy(system, dts)
        cmd = [memvisor, "run", "--json", "--transport", "kvm", "--timeout", "60", dts]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    err = p.stderr
    print(err[-8000:])
    if "KVM unavailable" in err:
        print("SKIP: kvm: unavailable")
        sys.exit(77)
    try:
        rep = json.loads(p.stdout)
    except ValueError:
        fail("no JSON report (exit %d): %r" % (p.returncode, p.stdout[-500:]))
    print(json.dumps(rep, indent=1))
    if p.returncode != 0:
        fail("memvisor run exited %d" % p.returncode)
    doms = {d["name"]: d for d in rep["domains"]}
    if sorted(doms) != sorted(EXPECT):
        fail("domains %s, expected %s" % (sorted(doms), sorted(EXPECT)))
    exe_guest = os.path.join(os.path.dirname(os.path.realpath(memvisor)), "guest")
    for name, pages in EXPECT.items():
        d = doms[name]
        if not d["ok"]:
            fail("%s did not end OK: %s" % (name, d["result"]))
        if d["owned_pages"] != pages:
            fail("%s owns %d pages at the end, expected %d" % (name, d["owned_pages"], pages))
        m = re.search(r"memvisor: d%d \(%s\): (\S+), " % (d["id"], name), err)
        if not m or os.path.dirname(os.path.realpath(m.group(1))) != exe_guest:
            fail("%s: kernel not taken from %s: %s" % (name, exe_guest, m and m.group(1)))
        results = re.findall(r"\(d%d\) Test result: (\w+)" % d["id"], err)
        if results != ["SUCCESS"]:
            fail("%s (d%d): test results %s, expected one SUCCESS" % (name, d["id"], results))
    if re.search(r"\) (FAILURE|ERROR): ", err):
        fail("a guest reported a failure")
    print("static-dom0less: every domain ended OK")


if __name__ == "__main__":
    main()
