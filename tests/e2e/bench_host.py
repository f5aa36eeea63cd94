#!/usr/bin/env python3
"""`memvisor bench` records the host of its figures (issue 17, item 6).

Runs the cheapest benchmark row (`overhead`: no guest, no timing loop) with
--json and without, and checks the "host" object against what this test
reads from the machine itself. Asserts presence and consistency, never a
time:
  - the document parses; "host" and "results" are there, results non-empty;
  - CPU vendor/model match /proc/cpuinfo, the kernel string carries uname's
    release and machine, cpus >= 1;
  - kvm is "hardware", "software" or "unavailable", with its evidence in
    kvm_how; "unavailable" exactly when /dev/kvm cannot be opened read-write;
    when usable, a listed kvm_pvm module means "software", kvm_intel or
    kvm_amd "hardware";
  - three load averages, none negative;
  - the build block names this build: meson's buildtype and b_sanitize as
    given by meson.build, a version, a commit;
  - the text output starts with the "host:" and "build:" header lines.
usage: bench_host.py MEMVISOR BUILDTYPE B_SANITIZE
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


def cpuinfo(key):
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k.strip() == key:
                    return v.strip()
    except OSError:
        pass
    return "unknown"


def kvm_usable():
    try:
        fd = os.open("/dev/kvm", os.O_RDWR)
    except OSError:
        return False
    os.close(fd)
    return True


def main():
    memvisor, buildtype, sanitize = sys.argv[1:4]
    p = subprocess.run([memvisor, "bench", "overhead", "--json"], capture_output=True,
                       text=True, timeout=120)
    check(p.returncode == 0, f"bench overhead --json: exit {p.returncode}")
    try:
        doc = json.loads(p.stdout)
    except ValueError as e:
        print(f"FAIL: bench --json is not JSON: {e}\n{p.stdout}\n{p.stderr}")
        return 1
    host = doc.get("host")
    if not isinstance(host, dict):
        print(f"FAIL: no host object\n{p.stdout}")
        return 1
    check(isinstance(doc.get("results"), list) and doc["results"]
          and doc["results"][0].get("name") == "overhead", "results of overhead")

    for key in ("cpu_vendor", "cpu_model", "cpu_id", "kernel", "kvm", "kvm_how",
                "host_hypervisor"):
        check(isinstance(host.get(key), str), f"host.{key} is a string")
    for key in ("cpu_vendor", "cpu_model", "kernel", "kvm", "kvm_how"):
        check(bool(host.get(key)), f"host.{key} not empty")
    check(host.get("cpu_vendor") == cpuinfo("vendor_id"),
          f"cpu_vendor {host.get('cpu_vendor')!r} is /proc/cpuinfo's {cpuinfo('vendor_id')!r}")
    check(host.get("cpu_model") == cpuinfo("model name"),
          f"cpu_model {host.get('cpu_model')!r} is /proc/cpuinfo's {cpuinfo('model name')!r}")
    u = os.uname()
    kernel = host.get("kernel", "")
    check(u.sysname in kernel and u.release in kernel and u.machine in kernel,
          f"kernel {kernel!r} names {u.sysname} {u.release} {u.machine}")
    check(isinstance(host.get("cpus"), int) and host["cpus"] >= 1, "cpus >= 1")

    kvm = host.get("kvm")
    check(kvm in ("hardware", "software", "unavailable"), f"kvm flavour {kvm!r}")
    if not kvm_usable():
        check(kvm == "unavailable", f"/dev/kvm unusable here but kvm is {kvm!r}")
    elif kvm != "unavailable":
        mods = [m for m in ("kvm_pvm", "kvm_intel", "kvm_amd")
                if os.path.isdir(f"/sys/module/{m}")]
        if mods:
            want = "software" if mods[0] == "kvm_pvm" else "hardware"
            check(kvm == want, f"module {mods[0]} loaded but kvm is {kvm!r}")
            check(mods[0] in host.get("kvm_how", ""), f"kvm_how names {mods[0]}")

    load = host.get("loadavg")
    check(isinstance(load, list) and len(load) == 3
          and all(isinstance(x, (int, float)) and x >= 0 for x in load),
          f"loadavg {load!r}: three non-negative numbers")

    b = host.get("build")
    if not isinstance(b, dict):
        fails.append("no build object")
    else:
        check(b.get("buildtype") == buildtype, f"buildtype {b.get('buildtype')!r}, meson says {buildtype!r}")
        check(b.get("sanitizers") == sanitize, f"sanitizers {b.get('sanitizers')!r}, meson says {sanitize!r}")
        for key in ("version", "commit", "optimization", "compiler"):
            check(isinstance(b.get(key), str) and b[key], f"build.{key} not empty")
        check(isinstance(b.get("optimised"), bool), "build.optimised is a bool")
        check(b.get("optimised") == (b.get("optimization") not in ("0", "g")),
              f"optimised {b.get('optimised')} agrees with -O{b.get('optimization')}")

    t = subprocess.run([memvisor, "bench", "overhead"], capture_output=True, text=True,
                       timeout=120)
    lines = t.stdout.splitlines()
    check(t.returncode == 0, f"bench overhead: exit {t.returncode}")
    check(len(lines) >= 2 and lines[0].startswith("host:") and lines[1].startswith("build:"),
          "text output starts with host: and build: lines")
    check(len(lines) >= 1 and host.get("cpu_model", "?") in lines[0]
          and f"KVM {kvm}" in lines[0], "host: line names the CPU model and KVM flavour")

    for f in fails:
        print(f"FAIL: {f}")
    if fails:
        print(p.stdout)
        return 1
    print(f"ok: host recorded: {host['cpu_vendor']} {host['cpu_model']}, KVM {kvm} "
          f"({host['kvm_how']}), build {b['buildtype']} sanitizers {b['sanitizers']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
