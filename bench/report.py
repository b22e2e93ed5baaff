#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""report.py RUNDIR [--doc FILE]: tables of a bench/run result directory.

Reads RUNDIR/raw.txt (bench/uml-bench.sh) and RUNDIR/count*.trace (the
cpu -dbg9p traces with workload markers), prints markdown tables with
medians (min-max), the 9P message counts, peak RSS and the issue 6 targets
(met / not met), and with --doc writes them to FILE (doc/benchmarks.md).
"""
import collections
import os
import re
import statistics
import sys

ALL_PATHS = ["cpu", "sshfs", "local", "cpuD", "alt", "altD"]
ROWS = [
    ("S0", "S0 session: `cpu host true` / `ssh host true`"),
    ("W1", "W1 read {w1} (dd bs=1M, cold)"),
    ("W2", "W2 write {w2} (dd bs=1M conv=fsync)"),
    ("W3.cold", "W3 find -printf, copy, cold"),
    ("W3.warm", "W3 find -printf, copy, warm"),
    ("W3u.cold", "W3u find -printf, /usr/lib/python3.11, cold"),
    ("W3u.warm", "W3u find -printf, /usr/lib/python3.11, warm"),
    ("W4.true.cold", "W4 /bin/true cold"),
    ("W4.true.warm", "W4 /bin/true warm"),
    ("W4.date.cold", "W4 /bin/date cold"),
    ("W4.date.warm", "W4 /bin/date warm"),
    ("W4.py.cold", "W4 python3 import cold"),
    ("W4.py.warm", "W4 python3 import warm"),
    ("W5.cold", "W5 ls -lR /usr/include/linux, cold"),
    ("W5.warm", "W5 ls -lR /usr/include/linux, warm"),
]
# The memory phases of the workloads (bench/workloads.sh), in order.
WORK_PHASES = ["W4", "W3", "W5", "W1", "W2"]
# (item, what, workload, limit) for cpu / sshfs (S0: cpu / ssh).
TARGETS = [
    ("4", "W4 true warm", "W4.true.warm", 0.5),
    ("4", "W4 date warm", "W4.date.warm", 0.5),
    ("4", "W4 python warm", "W4.py.warm", 0.5),
    ("4", "W4 true cold", "W4.true.cold", 1.0),
    ("4", "W4 date cold", "W4.date.cold", 1.0),
    ("4", "W4 python cold", "W4.py.cold", 1.0),
    ("5", "W1 read", "W1", 0.5),
    ("5", "W2 write+fsync", "W2", 0.33),
    ("6", "W3 cold", "W3.cold", 1.0),
    ("6", "W5", "W5.cold", 1.0),
    ("6", "W3 warm", "W3.warm", 1.5),
    ("7", "S0 (cpu / ssh)", "S0", 1.25),
]


def parse(rundir):
    info = collections.defaultdict(list)
    times = collections.defaultdict(lambda: collections.defaultdict(list))
    hwm = collections.defaultdict(list)  # (path, when, comm) -> [(hwm, anon, file)]
    mounts = collections.OrderedDict()
    errors = []
    with open(os.path.join(rundir, "raw.txt")) as f:
        for line in f:
            w = line.rstrip("\n").split(" ")
            if w[0] == "INFO":
                info[w[1]].append(" ".join(w[2:]))
            elif w[0] == "S0" and len(w) == 4:
                times["S0"][w[2]].append(float(w[3]))
            elif len(w) >= 5 and w[2] == "R":
                try:
                    times[w[3]][w[0]].append(float(w[4]))
                except ValueError:
                    errors.append(line.strip())
            elif len(w) >= 4 and w[2] == "E":
                errors.append(line.strip())
            elif len(w) >= 6 and w[2] == "H":
                for e in w[5:]:
                    v = e.split(":")
                    if len(v) >= 2 and v[1].lstrip("-").isdigit():
                        hwm[(w[0], w[3], w[4])].append(tuple(int(x) for x in v[1:]))
            elif len(w) >= 4 and w[2] == "MNT":
                m = w[3:]
                mounts.setdefault((w[0], m[1]), " ".join(m))
    return info, times, hwm, mounts, errors


TRACE = re.compile(r"9p\[(\d+)\]: -> T(\w+) tag (\d+)")
RERR = re.compile(r"9p\[(\d+)\]: <- Rlerror")


def count_trace(path):
    """{workload: Counter((chan, type) -> n per run)}; '@@B name' / '@@E name'
    cut it."""
    res = collections.OrderedDict()
    if not os.path.exists(path):
        return res
    cur = None
    runs = collections.Counter()
    whole = collections.Counter()
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("@@B "):
                cur = line.split()[1]
                res.setdefault(cur, collections.Counter())
                runs[cur] += 1
                continue
            if line.startswith("@@E "):
                cur = None
                continue
            m = TRACE.search(line)
            if m:
                key = (int(m.group(1)), m.group(2))
                # Tags 0xF000-0xFFFE: requests a 9P-aware relay added (they
                # ride with a kernel request: no round trip of their own).
                if 0xF000 <= int(m.group(3)) < 0xFFFF:
                    key = (int(m.group(1)), "(private)")
            elif RERR.search(line):
                key = (int(RERR.search(line).group(1)), "(Rlerror)")
            else:
                continue
            whole[key] += 1
            if cur is not None:
                res[cur][key] += 1
    # Several runs of one workload (W4 warm): messages per run, rounded.
    for k, n in runs.items():
        if n > 1:
            res[k] = collections.Counter({kk: (v + n // 2) // n for kk, v in res[k].items()})
    res["(whole session)"] = whole
    return res


def nmsg(counter):
    return sum(n for (ch, t), n in counter.items() if not t.startswith("("))


def med(v):
    return statistics.median(v) if v else None


def fmt_ms(v):
    if not v:
        return "-"
    m = med(v)
    if len(v) == 1:
        return "%s" % num(m)
    return "%s (%s-%s)" % (num(m), num(min(v)), num(max(v)))


def num(x):
    if x is None:
        return "-"
    if x >= 100:
        return "%.0f" % x
    if x >= 10:
        return "%.1f" % x
    return "%.2f" % x


def ratio(a, b):
    if not a or not b:
        return None
    return med(a) / med(b)


def report(rundir):
    info, times, hwm, mounts, errors = parse(rundir)
    seen = {p for t in times.values() for p in t}
    PATHS = [p for p in ALL_PATHS if p in seen]
    counts = count_trace(os.path.join(rundir, "count.trace"))
    s0c = count_trace(os.path.join(rundir, "count.s0.trace")).get("(whole session)")
    if s0c:
        counts["S0"] = s0c
    sizes = info.get("sizes", [""])[0]
    w1 = re.search(r"W1 (\d+ MiB)", sizes)
    w2 = re.search(r"W2 (\d+ MiB)", sizes)
    w1mb = int(w1.group(1).split()[0]) if w1 else 0
    w2mb = int(w2.group(1).split()[0]) if w2 else 0
    out = []
    p = out.append

    def first(k, d="?"):
        return info[k][0] if info.get(k) else d

    p("# cpu benchmarks (issue 6)")
    p("")
    p("Latest result of `make bench` (`bench/run`; bench/README.md describes")
    p("the method).  Generated by bench/report.py: do not edit by hand.")
    p("")
    p("- Date: %s; command: `%s`; took %s" % (first("date"), first("command"), first("elapsed")))
    p("- Machine: %s" % first("machine"))
    p("- Guest kernel (9p client): %s; tree: %s" % (first("kernel"), first("commit")))
    p("- %s; sshfs: %s; cipher %s" % (first("ssh"), first("sshfs").strip(), first("cipher")))
    p("- Sizes: %s; rounds %s" % (sizes, first("rounds")))
    if info.get("alt"):
        p("- alt / altD: cpu over ssh / cpu -D built from %s (a change under evaluation)" % first("alt"))
    p("- Descriptor limit in the guest: %s (see notes); host load average at start / end: %s / %s" % (
        first("nofile"), first("load_start"), first("load_end")))
    try:
        loads = [float(first(k).split()[0]) for k in ("load_start", "load_end")]
        ncpu = os.cpu_count() or 1
        if max(loads) > ncpu:
            p("- **Taken on a loaded machine** (1-minute load %.1f on %d CPUs, other "
              "builds and tests running): milliseconds and min-max ranges are "
              "inflated; compare the paths within this run only." % (max(loads), ncpu))
    except (ValueError, IndexError, AttributeError):
        pass
    cm = [v for (path, mp), v in mounts.items() if path == "cpu"]
    if cm:
        p("- cpu mounts (default namespace, `-cache split`):")
        for v in cm:
            f = v.split()
            opts = f[3].split(",")
            keep = [o for o in opts if o.split("=")[0] in ("msize", "loose", "sync", "dirsync", "cache", "access", "trans", "mmap", "fscache", "noxattr", "ignoreqv")]
            # 6.1 shows "loose"; 6.6+ a cache= mask (0xf is loose), none when 0.
            mask = [o.split("=", 1)[1] for o in opts if o.startswith("cache=")]
            cached = "loose" in opts or any(m not in ("none", "0", "0x0") for m in mask)
            p("  - %s: %s" % (f[1], ",".join(keep) or "none") + ("" if cached else " (cache=none)"))
    sm = [v for (path, mp), v in mounts.items() if path == "sshfs"]
    if sm:
        p("- sshfs: `sshfs -F $SSH_CONFIG -o no_contain_symlinks cputest:/ MNT` (defaults otherwise: dir_cache=yes)")
    p("")
    p("Times in ms, median (min-max) over the rounds; cold = after `echo 3 >")
    p("/proc/sys/vm/drop_caches` in the guest.  cpuD is `cpu -D`: the same")
    p("session with cpu-subsystem on a pipe instead of ssh (no ssh, no sshd).")
    p("In the S0 row the sshfs column is `ssh cputest true`.  msgs: 9P")
    p("requests the client's server handled in that run (cpu -dbg9p, one")
    p("counting session): with cpu-subsystem's proxy these exclude what it")
    p("answered itself and include its own requests (materialising walks,")
    p("clunks it already answered), so they are not all round trips the")
    p("kernel waited for.  ms/msg divides the median time by them.")
    p("")
    p("| workload | " + " | ".join(PATHS) + " | cpu/sshfs | msgs | cpu ms/msg | cpuD ms/msg |")
    p("|---|" + "---|" * len(PATHS) + "---|---|---|---|")
    for key, label in ROWS:
        t = times.get(key, {})
        cols = []
        for path in PATHS:
            src = "ssh" if key == "S0" and path == "sshfs" else path
            cols.append(fmt_ms(t.get(src)))
        other = t.get("ssh") if key == "S0" else t.get("sshfs")
        r = ratio(t.get("cpu"), other)
        c = counts.get(key + (".cold" if key in ("W1",) and key + ".cold" in counts else ""))
        n = nmsg(c) if c else None
        pm = "%.2f" % (med(t["cpu"]) / n) if n and t.get("cpu") else "-"
        pd = "%.2f" % (med(t["cpuD"]) / n) if n and t.get("cpuD") else "-"
        p("| %s | %s | %s | %s | %s |" % (label.format(w1=w1.group(1) if w1 else "", w2=w2.group(1) if w2 else ""),
                                          " | ".join(cols), "%.2f" % r if r else "-",
                                          n if n is not None else "-", pm + " | " + pd))
    s0 = times.get("S0", {})
    if s0.get("cpu9pfalse") or s0.get("cpunons"):
        p("")
        p("S0 split: `ssh cputest true` %s; `cpu -9p=false -namespace=` (mux session, no 9P) %s;"
          % (fmt_ms(s0.get("ssh")), fmt_ms(s0.get("cpu9pfalse"))))
        p("`cpu -namespace=` (only /tmp/cpu mounted) %s; `cpu` %s; `cpu -D` %s."
          % (fmt_ms(s0.get("cpunons")), fmt_ms(s0.get("cpu")), fmt_ms(s0.get("cpuD"))))
    if w1mb and times.get("W1"):
        p("")
        p("Throughput (median): W1 read " + ", ".join(
            "%s %.1f MB/s" % (path, w1mb * 1.048576 / (med(times["W1"][path]) / 1000))
            for path in PATHS if times["W1"].get(path)) + "; W2 write " + ", ".join(
            "%s %.1f MB/s" % (path, w2mb * 1.048576 / (med(times["W2"][path]) / 1000))
            for path in PATHS if times.get("W2", {}).get(path)) + ".")
        if s0.get("sshcat"):
            p("W1's floor, the same %d MiB through one ssh channel, no file system (each"
              " includes a session's setup, `ssh cputest true`, %s ms):" % (w1mb, fmt_ms(s0.get("ssh"))))
            p("- host to client (`ssh cputest cat big`): %s ms;" % fmt_ms(s0["sshcat"]))
            if s0.get("sshup"):
                p("- client to host, W1's direction (`benchtool source big | ssh cputest benchtool sink`,"
                  " 1 MiB pipes as cpu uses): %s ms." % fmt_ms(s0["sshup"]))
                if s0.get("ssh") and times["W1"].get("sshfs"):
                    st = med(s0["sshup"]) - med(s0["ssh"])
                    p("  Without the setup the stream alone takes %.0f ms (%.1f MB/s), %.2f x sshfs's W1:"
                      " cpu's W1 cannot go below that ratio over this ssh." % (
                          st, w1mb * 1.048576 / (st / 1000), st / med(times["W1"]["sshfs"])))

    if "alt" in PATHS:
        p("")
        p("Paired ratios (alt / cpu and altD / cpuD per round, then the median;")
        p("the two ran next to each other, so machine drift cancels):")
        p("")
        p("| workload | alt/cpu | altD/cpuD |")
        p("|---|---|---|")
        rounds = collections.defaultdict(lambda: collections.defaultdict(dict))
        with open(os.path.join(rundir, "raw.txt")) as f:
            for line in f:
                w = line.split()
                if len(w) >= 5 and w[2] == "R":
                    try:
                        rounds[w[3]][w[1]].setdefault(w[0], []).append(float(w[4]))
                    except ValueError:
                        pass
                elif w and w[0] == "S0" and len(w) == 4:
                    rounds["S0"][w[1]].setdefault(w[2], []).append(float(w[3]))
        for key, label in ROWS:
            cells = []
            for a, b in (("alt", "cpu"), ("altD", "cpuD")):
                rs = [med(v[a]) / med(v[b]) for v in rounds.get(key, {}).values() if v.get(a) and v.get(b)]
                cells.append("%.2f (%s)" % (med(rs), " ".join("%.2f" % x for x in rs)) if rs else "-")
            p("| %s | %s |" % (key, " | ".join(cells)))

    # Targets.
    p("")
    p("## Targets of issue 6 (ratios of medians, one run)")
    p("")
    p("| item | target | cpu | reference | ratio | limit | |")
    p("|---|---|---|---|---|---|---|")
    met_n = tot = 0
    for item, what, key, lim in TARGETS:
        t = times.get(key, {})
        other = t.get("ssh") if key == "S0" else t.get("sshfs")
        r = ratio(t.get("cpu"), other)
        ok = r is not None and r <= lim
        tot += 1
        met_n += ok
        p("| %s | %s | %s | %s | %s | <= %s | %s |" % (
            item, what, num(med(t.get("cpu"))), num(med(other)),
            "%.3f" % r if r is not None else "-", lim, "**met**" if ok else "not met"))

    def peak(path, comm, whens):
        v = [h[0] for w in whens for h in hwm.get((path, w, comm), [])]
        return max(v) if v else None

    cw1 = peak("cpu", "cpu", ["W1"])
    cw3 = peak("cpu", "cpu", ["W3"])
    # nsexec's own reading (benchtool watch): PID:HWM:ANON:FILE:PSS:PSSANON:PSSFILE.
    nsw = []
    for x in info.get("nsexec_watch", []):
        v = x.split(":")
        if len(v) == 7 and all(y.lstrip("-").isdigit() for y in v[1:]):
            nsw.append(tuple(int(y) for y in v[1:]))
    nsx = max(nsw) if nsw else None
    # What is alive in each phase: at the setup cpu-subsystem and nsexec,
    # in W1..W5 cpu-subsystem alone (nsexec has exec'd the command).
    ssetup = peak("cpu", "cpu-subsystem", ["setup"])
    setup_sum = ssetup + nsx[0] if ssetup and nsx else None
    # Every workload's phase (W5 is W3u and W5 together).
    work = [peak("cpu", "cpu-subsystem", [w]) for w in WORK_PHASES]
    server = [v for v in [setup_sum] + work if v is not None]
    rows = [("8", "client peak RSS during W1", cw1, 16384),
            ("8", "client peak RSS during W3", cw3, 16384),
            ("8", "server side peak RSS, any phase (setup: cpu-subsystem + nsexec; each workload: cpu-subsystem)",
             max(server) if len(server) == 1 + len(work) else None, 4096),
            ("16", "cpu-subsystem peak RSS during W1", peak("cpu", "cpu-subsystem", ["W1"]), 2048),
            ("16", "cpu-subsystem peak RSS during W2", peak("cpu", "cpu-subsystem", ["W2"]), 2048),
            ("16", "cpu-subsystem peak RSS during every workload (W4, W3, W3u+W5, W1, W2)",
             max(work) if None not in work else None, 2048),
            ("16", "setup: cpu-subsystem + nsexec peak RSS", setup_sum, 2048)]
    for item, what, v, lim in rows:
        ok = v is not None and v <= lim
        tot += 1
        met_n += ok
        p("| %s | %s | %s KiB | - | - | <= %d KiB | %s |" % (item, what, v if v is not None else "-", lim,
                                                             "**met**" if ok else "not met"))
    p("")
    p("%d of %d targets met." % (met_n, tot))

    # Memory.
    p("")
    p("## Peak RSS (VmHWM, KiB; max over rounds)")
    p("")
    p("Each phase resets VmHWM first (`echo 5 > /proc/PID/clear_refs`), so W4, W3,")
    p("W5 (W3u and W5), W1 and W2 are the peaks during those workloads; setup is")
    p("the session start.")
    p("anon / file: RssAnon / RssFile at the end of the phase.  nsexec is alive")
    p("only during the setup (it execs the command): its row is its own peak,")
    p("read from outside while it runs (`benchtool watch`), with RssAnon, RssFile")
    p("and Pss (smaps_rollup) at that reading.  File pages are the program and")
    p("the shared libraries (libc, libcap-ng, libseccomp for nsexec): they are")
    p("shared with every process on the host that maps them, which Pss divides")
    p("out; anon is the process's own memory.")
    p("")
    p("| path | process | setup | W4 | W3 | W5 | W1 | W2 | anon / file after W1 | after W2 |")
    p("|---|---|---|---|---|---|---|---|---|---|")

    def af(path, when, comm):
        a = hwm.get((path, when, comm))
        return "%d / %d" % (max(h[1] for h in a), max(h[2] for h in a)) if a and len(a[0]) >= 3 else "-"
    for path, comms in [("cpu", ["cpu", "cpu-subsystem"]), ("cpuD", ["cpu", "cpu-subsystem"]),
                        ("alt", ["cpu", "cpu-subsystem"]), ("altD", ["cpu", "cpu-subsystem"]),
                        ("sshfs", ["sshfs", "sftp-server"])]:
        for comm in comms:
            cells = []
            for w in ["setup"] + WORK_PHASES:
                v = peak(path, comm, [w])
                cells.append(str(v) if v is not None else "-")
            if any(c != "-" for c in cells):
                p("| %s | %s | %s | %s | %s |" % (path, comm, " | ".join(cells),
                                                   af(path, "W1", comm), af(path, "W2", comm)))
    if nsx:
        pss = ("; Pss %d (anon %d, file %d)" % nsx[3:6]) if nsx[3] >= 0 else ""
        p("| cpu | nsexec (own) | %d | | | | | | anon %d / file %d%s | |" % (nsx[0], nsx[1], nsx[2], pss))
    else:
        p("| cpu | nsexec (own) | - | | | | | | | |")
    if setup_sum:
        p("| cpu | setup: cpu-subsystem + nsexec | %d | | | | | | anon %s | |" % (
            setup_sum, "%d" % (max(h[1] for h in hwm[("cpu", "setup", "cpu-subsystem")]) + nsx[1])
            if len(hwm[("cpu", "setup", "cpu-subsystem")][0]) >= 3 else "-"))
    ns = [int(x) for x in info.get("nsexec_maxrss_kib", []) if x.isdigit()]
    if ns:
        p("")
        p("The command's ru_maxrss with benchtool as the command (nsexec's peak or")
        p("benchtool's own, whichever is larger): %d KiB." % max(ns))
    p("")
    sz = info.get("size", [])
    if sz:
        p("Installed size (bytes; as built / stripped): " + "; ".join(
            "%s %s / %s" % tuple(s.split()) for s in sz) + ".")

    # Messages.
    if counts:
        p("")
        p("## 9P messages per workload (cpu, default namespace)")
        p("")
        p("Requests the client's 9P server handled, per channel: ch0 is the")
        p("cache=none mount (/tmp/cpu, /home and the W3 copy), ch1 the cache=loose")
        p("one (/usr, /lib, /bin, /etc binds).  Rlerror: error replies.  Counted in")
        p("one session with `cpu -dbg9p`; requests cpu-subsystem answered itself")
        p("do not appear.")
        p("")
        p("| workload | total | ch0 | ch1 | Rlerror | by type |")
        p("|---|---|---|---|---|---|")
        for key, c in counts.items():
            by = collections.Counter()
            for (ch, t), n in c.items():
                if not t.startswith("("):
                    by[t] += n
            tops = ", ".join("%s %d" % (t, n) for t, n in by.most_common(7))
            p("| %s | %d | %d | %d | %d | %s |" % (
                key, nmsg(c), sum(n for (ch, t), n in c.items() if ch == 0 and not t.startswith("(")),
                sum(n for (ch, t), n in c.items() if ch == 1 and not t.startswith("(")),
                sum(n for (ch, t), n in c.items() if t == "(Rlerror)"), tops))
    altc = count_trace(os.path.join(rundir, "count.alt.trace"))
    if altc:
        p("")
        p("## Round trips per workload: cpu vs alt")
        p("")
        p("Requests the server saw that the kernel waited for (alt: minus the")
        p("relay's own requests, tags 0xF000-0xFFFE, which ride along with them).")
        p("")
        p("| workload | cpu | alt | alt/cpu | alt relay requests |")
        p("|---|---|---|---|---|")
        for key, c in counts.items():
            a = altc.get(key)
            if a is None or key == "S0":
                continue
            n, na = nmsg(c), nmsg(a)
            p("| %s | %d | %d | %s | %d |" % (key, n, na, "%.2f" % (na / n) if n else "-",
                                             sum(v for (ch, t), v in a.items() if t == "(private)")))
    if errors:
        p("")
        p("## Failed runs")
        p("")
        for e in errors:
            p("- `%s`" % e)
    p("")
    p("## Notes")
    p("")
    p("- Everything runs in one user-mode-linux guest pinned to one host CPU:")
    p("  client, ssh, sshd, cpu-subsystem and the workload share it, and every")
    p("  syscall and context switch costs 20-100 us.  Ratios and message counts")
    p("  carry over to real machines, milliseconds do not")
    p("  (../shared/reference/perf-baseline.md).")
    p("- Every path runs in a fresh session per round (cpu: one `cpu cputest")
    p("  bash workloads.sh`; sshfs: a fresh mount); the order of the paths")
    p("  rotates between rounds.  S0 alternates cpu, ssh and cpu -D.")
    p("- Tree workloads (W1, W3, W5) drop the caches and then run the tool once")
    p("  untimed (`find --version`), so they time the tree, not loading the tool;")
    p("  W4 times the exec itself.  W4 runs the command directly through cpu and")
    p("  locally, and in chroot(MNT) for sshfs; the timer (bench/benchtool.c) is")
    p("  static and runs from a tmpfs.")
    p("- W3 is a copy of /usr/lib/python3.11 in the scratch dir: through cpu it is")
    p("  reached as /tmp/cpu/<scratch> (the coherent cache=none mount).  W3u reads")
    p("  /usr/lib/python3.11 itself (through cpu: the cached system tree).")
    p("- The guest's descriptor limit is raised (NOFILE, default 65536): the cpu")
    p("  client keeps a descriptor per 9P fid and the kernel a fid per cached")
    p("  dentry, so at the usual soft limit of 1024 W3u fails with EMFILE")
    p("  (`NOFILE=keep bench/run` shows it).")
    p("- W1 and S0 go through the same kind of ssh connection as sshfs: W1 is")
    p("  bounded by what one ssh stream carries in its direction (the floor")
    p("  lines above), S0 by `ssh true`.  sshfs's W1 runs the other way, host")
    p("  to client.")
    p("- RSS counts shared libc pages (file); anon is the process's own memory.")
    return "\n".join(out) + "\n"


def main():
    args = sys.argv[1:]
    doc = None
    if "--doc" in args:
        i = args.index("--doc")
        doc = args[i + 1]
        del args[i:i + 2]
    if len(args) != 1:
        sys.stderr.write(__doc__)
        sys.exit(2)
    text = report(args[0])
    sys.stdout.write(text)
    with open(os.path.join(args[0], "report.md"), "w") as f:
        f.write(text)
    if doc:
        write_doc(doc, args[0], text)


def kernel_series(rundir):
    """The guest kernel's major.minor ("6.1", "6.12") from raw.txt."""
    with open(os.path.join(rundir, "raw.txt")) as f:
        for line in f:
            m = re.match(r"INFO kernel (\d+\.\d+)", line)
            if m:
                return m.group(1)
    return "?"


def write_doc(doc, rundir, text):
    """Each guest kernel keeps its own section of DOC: a run replaces only
    its kernel's, so `make bench UML_KERNEL=...` on each fills the file."""
    begin = re.compile(r"^<!-- kernel (\S+) -->$", re.M)
    sections = {}
    try:
        with open(doc) as f:
            old = f.read()
    except OSError:
        old = ""
    for m in begin.finditer(old):
        k = m.group(1)
        end = old.find("<!-- end kernel %s -->" % k, m.end())
        if end > 0:
            sections[k] = old[m.end():end].strip("\n") + "\n"
    ver = kernel_series(rundir)
    body = text.split("\n", 1)[1].lstrip("\n")
    sections[ver] = "## Guest kernel %s\n\n%s" % (ver, body.replace("\n## ", "\n### "))
    order = sorted(sections, key=lambda k: [int(x) if x.isdigit() else 0 for x in k.split(".")])
    # Blocks of other scripts (bench/docsection.py: load, soak) stay.
    kept = [m.group(0) for m in re.finditer(r"^<!-- ([a-z]+) -->\n.*?^<!-- end \1 -->\n", old, re.M | re.S)]
    with open(doc, "w") as f:
        f.write("# cpu benchmarks (issue 6)\n\n")
        f.write("One section per guest kernel; `make bench` (or `make bench\n")
        f.write("UML_KERNEL=... UML_MODULES=...`) replaces its kernel's section.\n\n")
        for k in order:
            f.write("<!-- kernel %s -->\n%s<!-- end kernel %s -->\n\n" % (k, sections[k], k))
        for b in kept:
            f.write(b + "\n")


if __name__ == "__main__":
    main()
