#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# profile.sh: where a 9P round trip goes (issue 6 item 10).  Run as root on
# a kernel with 9p, by `bench/run -P` through t/lib/uml-run.
#
# Runs `find TREE -printf ...` (TREE: BENCH_DATA/py311[/PROFDIR], cache=none)
# through cpu over ssh and through cpu -D under `strace -f -ff`, with the
# whole sshd side traced too, and writes per-process syscall counts per 9P
# message to $BENCH_OUT/profile.txt (the messages are counted by a second,
# untraced run with -dbg9p).
set -u
: "${top_srcdir:?}" "${BENCH_OUT:?}" "${BENCH_DATA:?}"
. "$top_srcdir/t/lib/common.sh"
. "$top_srcdir/t/lib/sshd.sh"
ulimit -n 65536
PROFDIR=${PROFDIR:-}
tree=/tmp/cpu$BENCH_DATA/py311${PROFDIR:+/$PROFDIR}
P=$BENCH_OUT/prof
rm -rf "$P"; mkdir -p "$P"

sshd_setup || exit 1
sshd_start || exit 1
cmd=(/usr/bin/find "$tree" -printf '%y %s %m %T@\n')

# Messages: the same command, untraced, with -dbg9p (one session each).
"$CPU" -dbg9p -F "$SSH_CONFIG" cputest /bin/true 2>"$P/s0.trace" >/dev/null
"$CPU" -dbg9p -export "$BENCH_DATA" -F "$SSH_CONFIG" cputest "${cmd[@]}" 2>"$P/find.trace" >/dev/null
s0=$(grep -c -- '-> T' "$P/s0.trace")
all=$(grep -c -- '-> T' "$P/find.trace")
echo "messages: session with find $all, session with true $s0, find alone $((all - s0))" > "$BENCH_OUT/profile.txt"

# ssh: trace the sshd listener (and so its children: sshd, cpu-subsystem,
# nsexec, find) and the client (cpu and its ssh).
lpid=$(cat "$S/sshd.pid")
strace -f -ff -qq -o "$P/srv" -p "$lpid" & spid=$!
sleep 2
strace -f -ff -qq -o "$P/cli" "$CPU" -export "$BENCH_DATA" -F "$SSH_CONFIG" cputest "${cmd[@]}" >/dev/null 2>&1
sleep 1
kill "$spid"; wait "$spid" 2>/dev/null
# -D: no ssh
strace -f -ff -qq -o "$P/dmode" "$CPU" -export "$BENCH_DATA" -D "$SUBSYS -e -N $NSEXEC" host "${cmd[@]}" >/dev/null 2>&1

# Name each trace file after the program it ran last (execve) or, for a
# forked sshd, "sshd".
python3 - "$P" "$all" "$s0" >> "$BENCH_OUT/profile.txt" <<'EOF'
import collections, glob, os, re, sys
P, allm, s0 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
n = allm
call = re.compile(r"^(?:\[pid\s+\d+\] )?([a-z_0-9]+)\(")
for mode in ("cli", "srv", "dmode"):
    per = collections.defaultdict(collections.Counter)
    for f in sorted(glob.glob(os.path.join(P, mode + ".*"))):
        name = "sshd" if mode == "srv" else "cpu"
        c = collections.Counter()
        for line in open(f, errors="replace"):
            m = call.match(line)
            if not m:
                continue
            c[m.group(1)] += 1
            if m.group(1) == "execve" and "= 0" in line[-8:]:
                pass
            mm = re.match(r'^execve\("([^"]+)"', line)
            if mm and line.rstrip().endswith("= 0"):
                name = os.path.basename(mm.group(1))
        per[name] += c
    print("\n== %s (%s): syscalls per 9P message of the session (%d messages)" % (
        mode, {"cli": "client side, ssh", "srv": "sshd side", "dmode": "cpu -D, no ssh"}[mode], n))
    for name, c in sorted(per.items(), key=lambda kv: -sum(kv[1].values())):
        tot = sum(c.values())
        top = ", ".join("%s %.2f" % (k, v / n) for k, v in c.most_common(8))
        print("%-16s %7d calls  %6.2f/msg  %s" % (name, tot, tot / n, top))
EOF
cat "$BENCH_OUT/profile.txt"
