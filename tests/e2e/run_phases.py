#!/usr/bin/env python3
"""The phases of `memvisor run` (issue 17 item 5) in --json and in the text
report, on a small seed scenario (tests/e2e/seed-small.dts).

Asserts their presence and consistency, never their size:
  - "phases" has build, prefault, first guest entry, run, teardown and total,
    none negative; build + run + teardown fit in total (the rest is the
    report and small steps); the first guest entry comes after the build
    (and after a prefault made before the run) and within the run;
  - a background prefault lies within the run, a prefault made before the
    run before the first entry; what it populated is whole pages and no
    more than the guests' RAM;
  - "backing" says which host pages back guest RAM;
  - with --limit, "limit" covers every domain's RAM and what the backend
    foreign-mapped, its total is the sum of its parts and its ratio is the
    run's total over it; without --limit it is null;
  - --prefault before and none are reported as such;
  - the text report prints the same phases.
usage: run_phases.py MEMVISOR SYSTEM.dts kvm|inproc
Exit 0 pass, 1 fail, 77 skip (KVM unusable).
"""
import json
import os
import subprocess
import sys

# The JSON has one decimal: sums of four rounded values may be off by this.
ROUND = 0.25
PAGE = 4096
KEYS = ("build_ms", "prefault_ms", "prefault_bytes", "prefault", "first_guest_entry_ms",
        "run_ms", "teardown_ms", "total_ms", "backing", "limit")


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def run(memvisor, system, transport, extra):
    cmd = [memvisor, "run", "--transport", transport, "--timeout", "120"] + extra + [system]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sys.stderr.write(p.stderr[-3000:])
    if p.returncode != 0:
        fail("%s exited %d: %s" % (" ".join(cmd), p.returncode, p.stdout[-1000:]))
    return p.stdout


def check_phases(rep):
    ph = rep.get("phases")
    if not isinstance(ph, dict):
        fail("no \"phases\" object in the report")
    for k in KEYS:
        if k not in ph:
            fail("phases has no %s" % k)
    for k in ("build_ms", "prefault_ms", "prefault_bytes", "first_guest_entry_ms", "run_ms",
              "teardown_ms", "total_ms"):
        if not isinstance(ph[k], (int, float)) or ph[k] < 0:
            fail("phases.%s is %r" % (k, ph[k]))
    b, pf, fe = ph["build_ms"], ph["prefault_ms"], ph["first_guest_entry_ms"]
    run_ms, td, tot = ph["run_ms"], ph["teardown_ms"], ph["total_ms"]
    before = pf if ph["prefault"] == "before" else 0
    if b + before + run_ms + td > tot + ROUND:
        fail("build %.1f + prefault before the run %.1f + run %.1f + teardown %.1f > total %.1f"
             % (b, before, run_ms, td, tot))
    if fe + ROUND < b + before:
        fail("first guest entry at %.1f ms, before the build (%.1f) and prefault (%.1f) ended"
             % (fe, b, before))
    if fe > b + before + run_ms + ROUND:
        fail("first guest entry at %.1f ms, after the run ended" % fe)
    ram = sum(d["ram_pages_before"] for d in rep["domains"]) * PAGE
    if ph["prefault"] not in ("none", "before", "background"):
        fail("phases.prefault is %r" % ph["prefault"])
    if (ph["prefault"] == "none") != (ph["prefault_bytes"] == 0):
        fail("prefault %r with %d bytes" % (ph["prefault"], ph["prefault_bytes"]))
    if ph["prefault_bytes"] % PAGE or ph["prefault_bytes"] > ram:
        fail("prefault populated %d bytes of %d bytes of guest RAM" % (ph["prefault_bytes"], ram))
    if ph["prefault"] == "background" and pf > run_ms + ROUND:
        fail("a background prefault of %.1f ms outlasts the run (%.1f ms)" % (pf, run_ms))
    if not isinstance(ph["backing"], str) or not ("4 KiB" in ph["backing"] or
                                                    "huge pages" in ph["backing"]):
        fail("phases.backing does not say which pages back guest RAM: %r" % ph["backing"])
    return ph, ram


def main():
    memvisor, system, transport = sys.argv[1:4]
    if transport == "kvm":
        try:
            os.close(os.open("/dev/kvm", os.O_RDWR))
        except OSError as e:
            print("SKIP: /dev/kvm unusable: %s" % e)
            sys.exit(77)

    rep = json.loads(run(memvisor, system, transport, ["--json", "--limit"]))
    ph, ram = check_phases(rep)
    lim = ph["limit"]
    if not isinstance(lim, dict):
        fail("--limit gave no limit object: %r" % lim)
    view = min(sum(d["foreign_maps_made"] for d in rep["domains"]) * PAGE, ram)
    if lim["ram_bytes"] != ram:
        fail("the limit touched %d bytes, the guests have %d" % (lim["ram_bytes"], ram))
    if view == 0 or lim["view_bytes"] != view:
        fail("the limit read %d bytes through a second view, the backend mapped %d"
             % (lim["view_bytes"], view))
    parts = lim["touch_ms"] + lim["view_ms"] + lim["release_ms"]
    if min(lim["touch_ms"], lim["view_ms"], lim["release_ms"]) < 0 or \
       abs(parts - lim["total_ms"]) > ROUND:
        fail("limit total %.1f ms is not its parts' sum %.1f ms" % (lim["total_ms"], parts))
    if lim["total_ms"] > 1 and abs(lim["ratio"] - ph["total_ms"] / lim["total_ms"]) > \
            0.01 * lim["ratio"] + 0.002:
        fail("ratio %.3f is not total %.1f / limit %.1f" % (lim["ratio"], ph["total_ms"],
                                                          lim["total_ms"]))
    print("json: %s" % json.dumps(ph))

    # The default populates in the background where the kernel can.
    if ph["prefault"] not in ("background", "before"):
        fail("default prefault is %r" % ph["prefault"])

    rep = json.loads(run(memvisor, system, transport, ["--json"]))
    ph, _ = check_phases(rep)
    if ph["limit"] is not None:
        fail("a limit without --limit: %r" % ph["limit"])

    for mode in ("before", "none"):
        rep = json.loads(run(memvisor, system, transport, ["--json", "--prefault", mode]))
        ph, _ = check_phases(rep)
        if ph["prefault"] != mode:
            fail("--prefault %s reports a prefault %r" % (mode, ph["prefault"]))

    text = run(memvisor, system, transport, ["--limit"])
    for want in ("  phases: build ", "first guest entry at ", " teardown ", "; total ",
                 "  guest RAM backing: ", "  limit (same work, same run): ", "x the limit"):
        if want not in text:
            fail("the text report has no %r:\n%s" % (want, text))
    print("PASS: %s %s" % (os.path.basename(system), transport))


main()
