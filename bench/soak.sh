#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# bench/soak.sh: `make soak` (issue 17 item 4).  SOAK_SESSIONS (2000)
# cpu sessions one after the other through one sshd, in user-mode-linux
# (t/lib/uml-run), each doing a little real work over 9P.  At the end of
# its work each session prints the peak and current RSS and the
# descriptor count of its cpu-subsystem (its parent) and waits on stdin;
# meanwhile the harness reads the same of the session's cpu client.  Every
# SOAK_BLOCK (100) sessions it also reads what persists: sshd's listener
# (RSS, descriptors), the guest's process count and its 9p mounts.
#
# Each session is a new cpu and a new cpu-subsystem, so "flat" means: the
# per-session figures of the last blocks are those of the first block
# (no growth beyond 5 %), and what persists does not grow.
#
# SOAK_MUX=1 (the default): the sessions share one ssh connection, as
# with a user's ControlMaster: a master `ssh -M -N` is started first and
# every cpu's ssh is a mux client of it, so each session is a new channel
# on one long-lived connection.  That is what a user with ControlMaster
# runs, it keeps a key exchange out of every session (about 0.35 s of
# the guest's one CPU; 2,000 of them would take longer than the soak),
# and it adds two long-lived processes to watch: the master ssh and
# sshd's processes for that connection.  SOAK_MUX=0: a connection per
# session.  The table goes
# to stdout and to SOAK_OUT (default bench/tmp/soak/report.md); `make soak`
# puts it in doc/benchmarks.md.  Exit 1 when something grew.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
: "${SOAK_OUT:=$top_builddir/bench/tmp/soak/report.md}"
export SOAK_OUT
: "${SOAK_SESSIONS:=2000}" "${SOAK_BLOCK:=100}" "${SOAK_MUX:=1}"
export SOAK_SESSIONS SOAK_BLOCK SOAK_MUX
: "${UML_TIMEOUT:=$((SOAK_SESSIONS * 3 + 600))}"; export UML_TIMEOUT
mkdir -p "$(dirname "$SOAK_OUT")"; rm -f "$SOAK_OUT"
. "$top_srcdir/t/lib/common.sh"
need_root
need_9p_kernel "$@"
. "$top_srcdir/t/lib/sshd.sh"
sshd_setup || exit 1
sshd_start || exit 1
N=$SOAK_SESSIONS B=$SOAK_BLOCK
mpid=
if [ "$SOAK_MUX" = 1 ]; then
	# The socket on a tmpfs of its own: a unix socket on user-mode-linux's
	# hostfs is created but refuses connections.
	mkdir -p "$T/mux" && mount -t tmpfs -o size=1m,mode=0700 soakmux "$T/mux" || exit 1
	# The first match of an option wins in ssh_config: ours, then the test's.
	{ printf 'Host *\n\tControlPath %s/mux/cm\n\tControlMaster no\n' "$T"; cat "$SSH_CONFIG"; } > "$T/ssh_config.mux"
	SSH_CONFIG=$T/ssh_config.mux
	ssh -F "$SSH_CONFIG" -M -N -o ControlPersist=no cputest </dev/null 2>>"$T/err" &
	mpid=$!
	wait_for 600 ssh -F "$SSH_CONFIG" -O check cputest 2>/dev/null || {
		echo "# soak: the ControlMaster connection did not come up:" \
		    "$(ssh -F "$SSH_CONFIG" -O check cputest 2>&1)" >&2
		cat "$T/err" >&2; exit 1; }
	mux_stop() { kill "$mpid" 2>/dev/null; wait "$mpid" 2>/dev/null; umount "$T/mux"; }
	t_at_exit mux_stop
fi
W=$T/work
mkdir -p "$W/tree/a" "$W/out"
head -c 262144 /dev/urandom > "$W/data"
for f in 1 2 3 4 5 6 7 8; do echo "$f" > "$W/tree/a/f$f"; done
sum=$(cksum < "$W/data")
cat > "$W/soak.sh" <<'S'
i=$1
cksum < /srv/data
ls -lR /srv/tree > /dev/null
echo "$i" > /srv/out/o.$i || exit 101
rm /srv/out/o.$i
s=/proc/$PPID/status
echo "sub $(sed -n 's/^VmHWM:[^0-9]*\([0-9]*\).*/\1/p' $s) $(sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' $s) $(ls /proc/$PPID/fd | wc -l)"
read go
exit $((i % 256))
S
NS="/lib:/lib64:/usr:/bin:/etc:/srv=$W"
kib() { sed -n "s/^$2:[^0-9]*\([0-9]*\).*/\1/p" "/proc/$1/status"; }
nfd() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
# The long-lived connection's processes (SOAK_MUX): the master ssh, and
# sshd's children and grandchildren (the connection's monitor and its
# user process), once no session is left under them.  "VmRSS fds", summed.
conn() {
	[ -n "$mpid" ] || return 0
	local r=0 f=0 p c
	c=$(pgrep -P "$sshd_pid")
	for p in $c $(for q in $c; do pgrep -P "$q"; done); do
		r=$((r + $(kib "$p" VmRSS))) f=$((f + $(nfd "$p")))
	done
	echo "$(kib "$mpid" VmRSS) $(nfd "$mpid") $r $f"
}
sshd_pid=$(cat "$S/sshd.pid")
raw=$T/raw
persist=$T/persist
echo "# soak: $N sessions, blocks of $B" >&2
t0=$(date +%s)
fails=0
for ((i = 1; i <= N; i++)); do
	coproc SESS { exec "$CPU" -F "$SSH_CONFIG" -namespace="$NS" cputest sh /srv/soak.sh "$i" 2>>"$T/err"; }
	cpid=$SESS_PID
	in=${SESS[0]} outfd=${SESS[1]}
	read -r got <&"$in"
	read -r tag shwm srss sfd <&"$in"
	chwm=$(kib "$cpid" VmHWM) crss=$(kib "$cpid" VmRSS) cfd=$(nfd "$cpid")
	echo go >&"$outfd"
	eval "exec $outfd>&- $in<&-"
	wait "$cpid"
	rc=$?
	if [ "$rc" != $((i % 256)) ] || [ "$got" != "$sum" ] || [ "$tag" != sub ]; then
		fails=$((fails + 1))
		echo "# session $i: exit $rc, '$got' '$tag'" >&2
	fi
	echo "$i $chwm $crss $cfd $shwm $srss $sfd" >> "$raw"
	if [ $((i % B)) = 0 ]; then
		# Once the last session's processes are gone.
		wait_for 600 sh -c '! pgrep -x cpu-subsystem >/dev/null'
		n9p=$(cat /proc/[0-9]*/mountinfo 2>/dev/null | grep -c ' - 9p ')
		np=$(ls -d /proc/[0-9]* | wc -l)
		echo "$i $(kib "$sshd_pid" VmRSS) $(nfd "$sshd_pid") $np $n9p $(( $(date +%s) - t0 )) $(conn)" >> "$persist"
		echo "# soak: $i sessions, $(( $(date +%s) - t0 )) s" >&2
	fi
done
t1=$(date +%s)

python3 - "$raw" "$persist" "$B" "$N" "$((t1 - t0))" "$fails" "$(uname -r)" "$SOAK_MUX" > "$SOAK_OUT" <<'PY'
import statistics, sys
raw, persist, B, N, secs, fails, kern = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
mux = sys.argv[8] == "1"
rows = [list(map(int, l.split())) for l in open(raw) if l.strip()]
pers = [list(map(int, l.split())) for l in open(persist) if l.strip()]
cols = ["cpu VmHWM", "cpu VmRSS", "cpu fds", "cpu-subsystem VmHWM", "cpu-subsystem VmRSS", "cpu-subsystem fds"]
blocks = [rows[k:k + B] for k in range(0, len(rows), B)]
out = []
out.append("## Soak (issue 17 item 4)\n")
out.append("`make soak SOAK_SESSIONS=%d` (bench/soak.sh; the default is 2,000): %d cpu sessions one after the other through one sshd%s, in user-mode-linux (guest kernel %s), %d s; %d failed.  Each session: cksum of a 256 KiB file, `ls -lR` of a small tree, a write and a remove, on the client's files (cache=none), and its programs from /usr (cache=loose).  At the end of its work a session reports its cpu-subsystem's VmHWM, VmRSS and descriptors; the harness reads the same of the session's cpu.  KiB; per block of %d sessions: median (max).\n" % (N, len(rows), " and one ssh connection (SOAK_MUX=1: a ControlMaster, each session a mux client of it)" if mux else " (a connection each, SOAK_MUX=0)", kern, secs, fails, B))
out.append("| sessions | " + " | ".join(cols) + " |")
out.append("|---|" + "---|" * len(cols))
for k, b in enumerate(blocks):
    cells = []
    for c in range(1, 7):
        v = [r[c] for r in b]
        cells.append("%d (%d)" % (statistics.median(v), max(v)))
    out.append("| %d-%d | %s |" % (k * B + 1, k * B + len(b), " | ".join(cells)))
out.append("")
out.append("What persists, after each block (once its last session is gone):\n")
hdr = ["after", "sshd VmRSS KiB", "sshd fds", "processes in the guest", "9p mounts (all namespaces)", "s"]
if mux:
    hdr += ["master ssh VmRSS KiB", "master ssh fds", "sshd connection VmRSS KiB", "sshd connection fds"]
out.append("| " + " | ".join(hdr) + " |")
out.append("|" + "---|" * len(hdr))
for p in pers:
    out.append("| " + " | ".join(str(v) for v in p[:len(hdr)]) + " |")
out.append("")
# Flat: every later block's median and max within 5 % of the first block's.
bad = []
first = blocks[0]
for c in range(1, 7):
    f_med = statistics.median(r[c] for r in first)
    f_max = max(r[c] for r in first)
    for k, b in enumerate(blocks[1:], 1):
        med = statistics.median(r[c] for r in b)
        mx = max(r[c] for r in b)
        if med > f_med * 1.05 or mx > f_max * 1.05:
            bad.append("%s in block %d: median %d max %d against %d %d" % (cols[c - 1], k + 1, med, mx, f_med, f_max))
if len(pers) > 1:
    p0 = pers[0]
    for p in pers[1:]:
        if p[1] > p0[1] * 1.05 or p[2] > p0[2] or p[3] > p0[3] + 2 or p[4] > 0:
            bad.append("persistent state after %d: %s against %s" % (p[0], p[1:5], p0[1:5]))
        # The connection's processes: RSS within 5 %, no descriptor more.
        if mux and (len(p) < 10 or p[6] > p0[6] * 1.05 or p[7] > p0[7] or p[8] > p0[8] * 1.05 or p[9] > p0[9]):
            bad.append("the connection after %d: %s against %s" % (p[0], p[6:10], p0[6:10]))
if fails:
    bad.append("%d sessions failed" % fails)
if bad:
    out.append("**Not flat**: " + "; ".join(bad) + ".")
else:
    out.append("Flat: no per-session figure of a later block exceeds the first block's median or max by more than 5 %; sshd's RSS, its descriptors, the process count and the 9p mounts do not grow" + ("; nor do the RSS and descriptors of the connection's processes (the master ssh, sshd's for the connection)." if mux else "."))
print("\n".join(out))
sys.exit(1 if bad else 0)
PY
rc=$?
cat "$SOAK_OUT"
exit $rc
