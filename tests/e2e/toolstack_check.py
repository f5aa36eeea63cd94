#!/usr/bin/env python3
"""End-to-end checks of the operator interface (issue 16; docs/toolstack.md,
"The operator interface"), on one transport:

  create   `memvisor run systems/toolstack.dts --create domu-virtio.cfg`: Dom0's
           toolstack creates the DomU, which runs the virtio frontend against
           Dom0's xenstore-driven backend; the disk file holds the frontend's
           pattern; the created domain's report (name, RAM, how it ended, its
           virtio disk) is printed; Dom0 shuts the system down; exit 0.
  session  `memvisor run ... --control=SOCKET` and its clients: list (Dom0
           only), create a console-only DomU, list (it, with its memory),
           destroy, destroy again (-ESRCH), an over-memory config (-ENOMEM,
           `list` unchanged), create the virtio DomU again and see its run,
           shutdown; the run exits 0 with each created domain's report; the
           clients' errors for a missing socket, config and kernel, and a
           bad config.
  noanswer a Dom0 that never reads its console: the client's time-out.

Usage: toolstack_check.py MEMVISOR TRANSPORT SYSTEMS_DIR SCENARIO
Exit 77 (skip) with the reason when KVM is asked for and unusable.
"""
import os
import re
import struct
import subprocess
import sys
import tempfile
import time

memvisor, transport, systems, scenario = sys.argv[1:5]
failures = []
DISK_SIZE = 256 * 1024  # BLKDEV_DEFAULT_BLOCKS * 4 KiB
SECTOR = 512


def fail(msg):
    print("FAIL: " + msg)
    failures.append(msg)


def disk_virtio(size):
    """The frontend's pattern (guest/programs/common/ring.h, vdisk_word)."""
    words = []
    for sector in range(size // SECTOR):
        words.extend((0x5644000000000000 ^ (sector << 8) ^ j) for j in range(SECTOR // 8))
    return struct.pack("<%dQ" % len(words), *words)


def check_disk(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) != DISK_SIZE:
        fail("disk file is %d bytes, expected %d" % (len(data), DISK_SIZE))
    elif data != disk_virtio(DISK_SIZE):
        fail("the disk file does not hold the frontend's pattern")


def skip_without_kvm(err):
    if transport == "kvm" and "KVM unavailable" in err:
        print("SKIP: kvm: unavailable: " + err.split("KVM unavailable:", 1)[1].splitlines()[0])
        sys.exit(77)


def expect(text, pattern, what):
    if not re.search(pattern, text, re.M):
        fail("%s: no match for %r" % (what, pattern))


def check_report(text, name, mib, virtio):
    """A created domain's report: its line and its block (cli/control.c)."""
    m = re.search(r"^memvisor: d(\d+) \(%s\): shut down \(poweroff\) \(created at runtime"
                  % re.escape(name), text, re.M)
    if not m:
        fail("no report line of %s ending in a poweroff" % name)
        return None
    dom = m.group(1)
    expect(text, r"^  d%s %s +RAM %d MiB \(\d+ pages owned\); hypercalls \d+, exits \d+"
           % (dom, re.escape(name), mib), "%s's report block" % name)
    if virtio:
        v = re.search(r"^  d%s %s .*\n     virtio disk: (\d+) accesses forwarded to its backend "
                      r"\(IOREQ\), (\d+) interrupts raised; Dom0's block device meanwhile: "
                      r"(\d+) read\(s\), (\d+) KiB; (\d+) write\(s\), (\d+) KiB"
                      % (dom, re.escape(name)), text, re.M)
        if not v:
            fail("%s's report has no virtio disk line" % name)
        elif int(v.group(1)) == 0 or int(v.group(6)) != DISK_SIZE // 1024 or \
                int(v.group(4)) != DISK_SIZE // 1024:
            fail("%s's virtio disk line: %s" % (name, v.group(0).splitlines()[-1]))
    return dom


def scenario_create(tmp):
    disk = os.path.join(tmp, "disk.img")
    p = subprocess.run([memvisor, "run", os.path.join(systems, "toolstack.dts"),
                        "--transport", transport, "--disk", disk, "--timeout", "90",
                        "--create", os.path.join(systems, "domu-virtio.cfg")],
                       capture_output=True, text=True, timeout=240)
    skip_without_kvm(p.stderr)
    text = p.stdout + p.stderr
    if p.returncode != 0:
        fail("memvisor run exited %d" % p.returncode)
    expect(text, r"^\(d0\) xl: created domu-virtio as d1 \(64 MiB, 1 vCPU\(s\), 1 disk\(s\)\); \d+ KiB read in \d+ us, built in \d+ us$",
           "the create's reply")
    expect(text, r"^\(d0\) dom0: backend: serving d1's virtio disk", "the backend took it")
    expect(text, r"^\(d1\) vfrontend: OK$", "the frontend")
    check_report(text, "domu-virtio", 64, True)
    expect(text, r"^\(d0\) xl: destroyed d1 \(0\)$", "shutdown destroys the created domain")
    expect(text, r"^memvisor: d0 \(dom0\): shut down \(poweroff\)$", "Dom0's end")
    expect(text, r"^     foreign-mapped at the end 0 frames", "Dom0 ends with nothing mapped")
    check_disk(disk)
    m = re.search(r"d1 \(domu-virtio\).*first console line after ([0-9.]+) ms", text)
    if m:
        print("measured: domu-virtio's first console line %s ms after its unpause" % m.group(1))
    if failures:
        print(text)


def client(sock, *args, timeout=60):
    return subprocess.run([memvisor] + list(args) + ["--system", sock], capture_output=True,
                          text=True, timeout=timeout)


def wait_for(path, pattern, seconds):
    """Until the run's output file has a line matching pattern."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        with open(path) as f:
            m = re.search(pattern, f.read(), re.M)
        if m:
            return m
        time.sleep(0.005)
    return None


def scenario_session(tmp):
    sock = os.path.join(tmp, "ctl.sock")
    disk = os.path.join(tmp, "disk.img")
    out = os.path.join(tmp, "run.out")
    hello = os.path.join(systems, "domu-hello.cfg")
    virtio = os.path.join(systems, "domu-virtio.cfg")
    big = os.path.join(tmp, "big.cfg")
    with open(big, "w") as f:
        f.write("name = 'too-big'\nmemory = 1000000\nkernel = 'hello.elf'\n")

    # The clients' own errors, before any system runs.
    r = client(sock, "list")
    if r.returncode != 2 or "cannot reach a system at " + sock not in r.stderr:
        fail("list without a system: exit %d, %r" % (r.returncode, r.stderr))
    r = client(sock, "create", os.path.join(tmp, "none.cfg"))
    if r.returncode != 1 or "cannot read the config" not in r.stderr:
        fail("create of a missing config: exit %d, %r" % (r.returncode, r.stderr))
    bad = os.path.join(tmp, "bad.cfg")
    with open(bad, "w") as f:
        f.write("name = 'bad'\nmemory = lots\nkernel = 'hello.elf'\n")
    r = client(sock, "create", bad)
    if r.returncode != 1 or "bad.cfg" not in r.stderr or "memory" not in r.stderr:
        fail("create of a bad config: exit %d, %r" % (r.returncode, r.stderr))
    nokernel = os.path.join(tmp, "nokernel.cfg")
    with open(nokernel, "w") as f:
        f.write("name = 'nk'\nmemory = 16\nkernel = 'no-such-kernel.elf'\n")
    r = client(sock, "create", nokernel)
    if r.returncode != 1 or "no-such-kernel.elf" not in r.stderr:
        fail("create with a missing kernel: exit %d, %r" % (r.returncode, r.stderr))

    with open(out, "w") as f:
        run = subprocess.Popen([memvisor, "run", os.path.join(systems, "toolstack.dts"),
                                "--transport", transport, "--disk", disk, "--timeout", "120",
                                "--control=" + sock], stdout=f, stderr=subprocess.STDOUT,
                               text=True)
    try:
        if not wait_for(out, r"^\(d0\) dom0: toolstack ready", 30):
            with open(out) as f:
                skip_without_kvm(f.read())
            fail("Dom0's toolstack did not come up")
            return
        r = client(sock, "list")
        if r.returncode or not re.search(r"^Domain-0 +0 +256 +3 ", r.stdout, re.M) or \
                len(r.stdout.splitlines()) != 2:
            fail("first list: exit %d, %r" % (r.returncode, r.stdout))
        before = r.stdout

        t0 = time.monotonic()
        r = client(sock, "create", hello)
        t_reply = time.monotonic()
        m = wait_for(out, r"^\(d(\d+)\) hello: 16 MiB", 30)
        t_line = time.monotonic()
        if r.returncode or not re.search(r"^created hello as d\d+ \(16 MiB", r.stdout, re.M) or \
                not m:
            fail("create hello: exit %d, %r %r" % (r.returncode, r.stdout, r.stderr))
        else:
            print("measured: memvisor create to its reply %.1f ms, to the DomU's first "
                  "console line %.1f ms" % ((t_reply - t0) * 1e3, (t_line - t0) * 1e3))
        r = client(sock, "list")
        if r.returncode or not re.search(r"^hello +\d+ +16 +1 ", r.stdout, re.M):
            fail("list after create: exit %d, %r" % (r.returncode, r.stdout))
        r = client(sock, "destroy", "hello")
        if r.returncode or "destroyed d" not in r.stdout:
            fail("destroy hello: exit %d, %r" % (r.returncode, r.stdout))
        r = client(sock, "destroy", "hello")
        if r.returncode != 1 or "No such process (-3)" not in r.stderr:
            fail("destroy hello again: exit %d, %r" % (r.returncode, r.stderr))
        r = client(sock, "list")
        if r.stdout != before:
            fail("list after destroy: %r, not %r" % (r.stdout, before))

        # More memory than is free: Xen's -ENOMEM, nothing left behind.
        r = client(sock, "create", big)
        if r.returncode != 1 or "Cannot allocate memory (-12)" not in r.stderr:
            fail("over-memory create: exit %d, %r %r" % (r.returncode, r.stdout, r.stderr))
        r = client(sock, "list")
        if r.stdout != before:
            fail("list after the over-memory create: %r, not %r" % (r.stdout, before))

        r = client(sock, "create", virtio)
        m = wait_for(out, r"^\(d\d+\) vfrontend: (OK|FAILED)$", 60)
        if r.returncode or not m or m.group(1) != "OK":
            fail("create domu-virtio: exit %d, %r, frontend %s" %
                 (r.returncode, r.stdout, m.group(1) if m else "silent"))
        r = client(sock, "list")
        if not re.search(r"^domu-virtio +\d+ +64 +1 ", r.stdout, re.M):
            fail("list with domu-virtio: %r" % r.stdout)
        r = client(sock, "shutdown")
        if r.returncode:
            fail("shutdown: exit %d, %r" % (r.returncode, r.stderr))
        rc = run.wait(timeout=60)
        if rc:
            fail("memvisor run exited %d" % rc)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    with open(out) as f:
        text = f.read()
    check_report(text, "hello", 16, False)
    check_report(text, "domu-virtio", 64, True)
    expect(text, r"^\(d0\) xl: create too-big: memory: 1000000 MiB asked", "-ENOMEM's reason")
    expect(text, r"^     foreign-mapped at the end 0 frames", "Dom0 ends with nothing mapped")
    check_disk(disk)
    if os.path.exists(sock):
        fail("the control socket is still there after the run")
    if failures:
        print(text)


def scenario_noanswer(tmp):
    """A Dom0 that never reads its console (the seed's grant frontend, which
    waits for a backend that never comes): the client gives up, saying so."""
    sock = os.path.join(tmp, "ctl.sock")
    out = os.path.join(tmp, "run.out")
    guest = os.path.join(os.path.dirname(memvisor), "guest", "frontend.elf")
    with open(out, "w") as f:
        run = subprocess.Popen([memvisor, "run", os.path.join(systems, "toolstack.dts"),
                                "--transport", transport, "--timeout", "10",
                                "--module", "dom0=" + guest, "--control=" + sock],
                               stdout=f, stderr=subprocess.STDOUT)
    try:
        if not wait_for(out, r"^memvisor: control socket ", 30):
            fail("no control socket")
            return
        t0 = time.monotonic()
        r = client(sock, "list", "--timeout", "2")
        if r.returncode != 1 or "no answer from %s within 2 s" % sock not in r.stderr:
            fail("list to a Dom0 that never answers: exit %d, %r" % (r.returncode, r.stderr))
        print("measured: the client gave up after %.1f s" % (time.monotonic() - t0))
        run.wait(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()


def main():
    with tempfile.TemporaryDirectory() as tmp:
        {"create": scenario_create, "session": scenario_session,
         "noanswer": scenario_noanswer}[scenario](tmp)
    if failures:
        print("%d failure(s)" % len(failures))
        sys.exit(1)
    print("OK")


main()
