#!/usr/bin/env python3
"""`memvisor bench smp` completes and does the work it reports (issue 17,
item 4), in a tiny configuration (MEMVISOR_BENCH_SMP="8 2": batches of 8
frames, 2 rounds per vCPU). Never asserts a time or a speed-up.

The bench itself checks every guest's op count against what it asked for
(domains x vCPUs x rounds x frames, no per-frame error) and turns a wrong
count into a SKIP row with the reason; so here:
  - the --json document parses, with a "host" object;
  - smp-inproc (foreign maps) and smp-grant-inproc (grant maps) have their
    five rows, and so has the xen_version reference (smp-null-inproc) (the one-vCPU reference, two vCPUs, their
    speed-up, two domains, their speed-up), each a positive number and no
    skip;
  - smp-kvm and smp-grant-kvm the same when /dev/kvm can be opened read-write, else exactly
    one skip row with its reason;
  - the speed-up rows are the reference divided by the pair's per-op cost
    (the figures are consistent with each other);
  - smp-mmap-limit, the host's own bound (the same mmap work without the
    hypervisor), has its three rows, consistent.
usage: bench_smp.py MEMVISOR
Exit 0 pass, 1 fail.
"""
import json
import os
import subprocess
import sys

fails = []


def check(cond, what):
    if not cond:
        fails.append(what)


def kvm_usable():
    try:
        fd = os.open("/dev/kvm", os.O_RDWR)
    except OSError:
        return False
    os.close(fd)
    return True


def rows_ok(rows, name):
    skips = [r for r in rows if "skip" in r]
    check(not skips, "%s skipped: %s" % (name, skips))
    if skips:
        return
    check(len(rows) == 5, "%s: %d rows, want 5" % (name, len(rows)))
    if len(rows) != 5:
        return
    for r in rows:
        check(r["value"] > 0, "%s: %r not positive" % (name, r))
    ref, two_v, sp_v, two_d, sp_d = (r["value"] for r in rows)
    check(abs(sp_v - ref / two_v) <= 1e-3 * sp_v, "%s: vCPU speed-up inconsistent" % name)
    check(abs(sp_d - ref / two_d) <= 1e-3 * sp_d, "%s: domain speed-up inconsistent" % name)
    check("speed-up" in rows[2]["what"] and "speed-up" in rows[4]["what"],
          "%s: speed-up rows misplaced" % name)


def main():
    env = dict(os.environ, MEMVISOR_BENCH_SMP="8 2")
    p = subprocess.run([sys.argv[1], "bench", "smp", "--json"], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
    check(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr))
    try:
        doc = json.loads(p.stdout)
    except ValueError as e:
        print("FAIL: not JSON (%s):\n%s" % (e, p.stdout))
        return 1
    check("host" in doc, "no host object")
    res = doc.get("results", [])
    for name in ("smp-inproc", "smp-grant-inproc", "smp-null-inproc"):
        rows_ok([r for r in res if r.get("name") == name], name)
    # The host's limit (no hypervisor): one thread, two, their speed-up.
    lim = [r for r in res if r.get("name") == "smp-mmap-limit"]
    check(len(lim) == 3 and all(r.get("value", 0) > 0 for r in lim),
          "smp-mmap-limit: %r" % lim)
    if len(lim) == 3 and all(r.get("value", 0) > 0 for r in lim):
        one, two, sp = (r["value"] for r in lim)
        check(abs(sp - one / two) <= 1e-3 * sp, "smp-mmap-limit: speed-up inconsistent")
    for name in ("smp-kvm", "smp-grant-kvm", "smp-null-kvm"):
        kvm = [r for r in res if r.get("name") == name]
        if kvm_usable():
            rows_ok(kvm, name)
        else:
            check(len(kvm) == 1 and kvm[0].get("skip"), "%s without /dev/kvm: %r" % (name, kvm))
    for f in fails:
        print("FAIL: " + f)
    if not fails:
        print("bench smp: %d rows, counts checked by the bench" % len(res))
    return 1 if fails else 0


sys.exit(main())
