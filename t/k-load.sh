#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Load (issue 17 item 1): 64 concurrent cpu sessions through one sshd,
# each doing real work on the client's files over 9P: find + stat of a
# tree, read a 4 MiB file and hash it, write a 4 MiB file the test checks
# here, and exit with its own status.  At the end of its work each
# session stops at a marker, so that the descriptors of every client and
# every cpu-subsystem can be read while all 64 are up; afterwards no
# nsexec, no cpu-subsystem and no 9p mount remain in any namespace.
# The wall time is printed (as a comment); `make bench` measures it.
. "$top_srcdir/t/lib/common.sh"
need_root
: "${UML_MEM:=1536M}" "${UML_TIMEOUT:=1800}"; export UML_MEM UML_TIMEOUT
need_9p_kernel "$@"
. "$top_srcdir/t/lib/sshd.sh"
sshd_setup
sshd_start
N=${LOAD_SESSIONS:-64}
W=$T/work
mkdir -p "$W/res" "$W/tree"
for d in a b c d; do
	mkdir -p "$W/tree/$d/sub"
	for f in 1 2 3 4 5 6 7 8 9 10; do
		head -c $((f * 97)) /dev/urandom > "$W/tree/$d/f$f"
		echo "$d$f" > "$W/tree/$d/sub/g$f"
	done
	chmod 640 "$W/tree/$d/f3"
	ln -s f1 "$W/tree/$d/link"
done
head -c 4194304 /dev/urandom > "$W/big"
find_sum=$(cd "$W" && find tree -exec stat -c '%n %F %s %a %Y' {} + | LC_ALL=C sort | sha256sum)
big_sum=$(sha256sum < "$W/big")

# The remote command: the work, then a marker, then a wait for "go" on
# its stdin (a poll of a file, 64 times over, would load the guest's CPU).
cat > "$W/w.sh" <<'S'
i=$1
cd /srv || exit 100
find tree -exec stat -c '%n %F %s %a %Y' {} + | LC_ALL=C sort | sha256sum
sha256sum < big
yes "session $i writes this line" | head -c 4194304 > res/w.$i || exit 101
: > res/ready.$i
read go
exit $((i * 4 % 256))
S
NS="/lib:/lib64:/usr:/bin:/etc:/srv=$W"
# Every session's stdin says "go" once the test opens $T/go (a FIFO)
# for writing: all the readers blocked in open() wake up together.
mkfifo "$T/go"
start_session() {	# start_session I: session I in the background
	{ cat "$T/go" >/dev/null; echo go; } |
	"$CPU" -F "$SSH_CONFIG" -namespace="$NS" cputest sh /srv/w.sh "$1" \
		>"$T/out.$1" 2>"$T/err.$1" &
	eval "pid_$1=\$!"
}
expected_w() { yes "session $1 writes this line" | head -c 4194304; }
all_ready() {	# all_ready FROM TO
	j=$1
	while [ "$j" -le "$2" ]; do [ -e "$W/res/ready.$j" ] || return 1; j=$((j + 1)); done
}
# The descriptors of a process, one "fd -> target" per line.
fdlist() { ls -l "/proc/$1/fd" 2>/dev/null | sed -n 's/.* \([0-9][0-9]*\) -> /\1 -> /p'; }
subs() { pgrep -x cpu-subsystem; }
# Descriptors on what the session opened and closed (data, tree): a leak.
leaked() { grep -E "$W/(big|res/w\.|tree/)" || :; }

# sshd's descriptors and processes before any session.
sshd_pid=$(cat "$S/sshd.pid")
sshd_fd0=$(fdlist "$sshd_pid" | wc -l)

# One session alone: the baseline for the descriptor counts.
solo=$N
start_session "$solo"
wait_for 3000 all_ready "$solo" "$solo"
eval "p=\$pid_$solo"
fdlist "$p" > "$T/fd.solo"
solo_cli=$(wc -l < "$T/fd.solo")
solo_own=$(grep -c -- "-> $W" "$T/fd.solo")
solo_sub=$(fdlist "$(subs)" | wc -l)
fdlist "$p" | leaked > "$T/solo.leak"
check "solo session: no descriptor left on the files it closed" test ! -s "$T/solo.leak" ||
	sed 's/^/#   /' "$T/solo.leak"
: > "$T/go"
wait "$p"
check_eq "solo session: exit status" $((solo * 4 % 256)) "$?"
wait_for 3000 sh -c '! pgrep -x cpu-subsystem >/dev/null'
echo "# solo session: client $solo_cli descriptors ($solo_own on the session's tree), cpu-subsystem $solo_sub"

t0=$(date +%s.%N)
i=0
while [ $i -lt "$N" ]; do start_session $i; i=$((i + 1)); done
# Generous: 64 sessions share one guest CPU.
check "$N sessions reach their end marker" wait_for 12000 all_ready 0 $((N - 1))
t1=$(date +%s.%N)

# All are up: every client's and every cpu-subsystem's descriptors.
max_cli=0 max_own=0 i=0
while [ $i -lt "$N" ]; do
	eval "p=\$pid_$i"
	fdlist "$p" > "$T/fd.$i"
	n=$(wc -l < "$T/fd.$i")
	[ "$n" -gt "$max_cli" ] && max_cli=$n
	n=$(grep -c -- "-> $W" "$T/fd.$i")
	[ "$n" -gt "$max_own" ] && max_own=$n
	leaked < "$T/fd.$i" | sed "s/^/session $i: /" >> "$T/leaks"
	i=$((i + 1))
done
max_sub=0 nsub=0
for p in $(subs); do
	n=$(fdlist "$p" | wc -l)
	nsub=$((nsub + 1))
	[ "$n" -gt "$max_sub" ] && max_sub=$n
	fdlist "$p" | leaked | sed "s/^/cpu-subsystem $p: /" >> "$T/leaks"
done
echo "# $N sessions up: client descriptors at most $max_cli ($max_own on the session's tree), cpu-subsystem at most $max_sub"
# The rest of a client's descriptors are the fids of what the guest
# kernel caches of the system trees (cache=loose): its dentry cache, not
# a leak; on the session's tree (cache=none) only what is still open
# (the cwd, the script) may hold one.
check_eq "one cpu-subsystem per session" "$N" "$nsub"
check "no client or cpu-subsystem holds a descriptor on a file its session closed" \
	test ! -s "$T/leaks" || head -n 10 "$T/leaks" | sed 's/^/#   /'
check "client descriptors on the session's tree with $N sessions up: as many as alone ($solo_own)" \
	test "$max_own" -le "$solo_own"
check "client descriptors with $N sessions up: at most the solo session's ($solo_cli) + 16" \
	test "$max_cli" -le $((solo_cli + 16))
check "cpu-subsystem descriptors with $N sessions up: at most the solo session's ($solo_sub) + 2" \
	test "$max_sub" -le $((solo_sub + 2))

: > "$T/go"
bad_rc=0 bad_out=0 bad_w=0 bad_err=0 i=0
while [ $i -lt "$N" ]; do
	eval "p=\$pid_$i"
	wait "$p"
	rc=$?
	[ "$rc" = $((i * 4 % 256)) ] || { bad_rc=$((bad_rc + 1)); echo "# session $i: exit $rc"; }
	printf '%s\n%s\n' "$find_sum" "$big_sum" | cmp -s - "$T/out.$i" ||
		{ bad_out=$((bad_out + 1)); echo "# session $i: output"; sed 's/^/#   /' "$T/out.$i" | head -n 3; }
	expected_w $i | cmp -s - "$W/res/w.$i" || { bad_w=$((bad_w + 1)); echo "# session $i: w.$i differs"; }
	[ -s "$T/err.$i" ] && { bad_err=$((bad_err + 1)); sed "s/^/# session $i stderr: /" "$T/err.$i" | head -n 3; }
	i=$((i + 1))
done
t2=$(date +%s.%N)
check_eq "$N sessions: every exit status exact" 0 "$bad_rc"
check_eq "$N sessions: find+stat listing and 4 MiB hash exact" 0 "$bad_out"
check_eq "$N sessions: every 4 MiB file written exact on the client" 0 "$bad_w"
check_eq "$N sessions: nothing on stderr" 0 "$bad_err"
echo "# wall time: $(awk "BEGIN{printf \"%.1f\", $t1 - $t0}") s to all markers, $(awk "BEGIN{printf \"%.1f\", $t2 - $t0}") s to all exits"

# Afterwards: nothing of any session remains.
check "no cpu-subsystem or nsexec remains" \
	wait_for 3000 sh -c '! pgrep -x cpu-subsystem >/dev/null && ! pgrep -x nsexec >/dev/null'
no9p() { ! cat /proc/[0-9]*/mountinfo 2>/dev/null | grep -q ' - 9p '; }
check "no 9p mount remains in any namespace" wait_for 3000 no9p
sshd_back() { [ "$(fdlist "$sshd_pid" | wc -l)" -le "$sshd_fd0" ] && [ -z "$(pgrep -P "$sshd_pid")" ]; }
check "sshd is back to its descriptors ($sshd_fd0) and has no session child" wait_for 3000 sshd_back
t_done
