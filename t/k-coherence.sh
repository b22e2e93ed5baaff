#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# k-coherence: the cwd of a session sees the client's changes (issue 15
# item 5), on whatever kernel boots (contrib/check-kernel.sh reruns it on
# 6.12).  The client changes a file's data, its mode, its size, renames
# it, deletes it and creates another under the same name; after each
# change the remote's next stat, open and readdir are compared with what
# the client now has.
#
# The two sides take turns through marker files in a second client
# directory (/mnt), never through time: the remote writes obs.N and waits
# for go.N+1, which the client writes after it made change N+1.
#
#   -cache none: no proxy, the kernel's cache=none: the very next stat,
#       open and readdir see every change (no window).
#   -cache split (the default): data at the next read; the proxy keeps
#       attributes and names up to its TTL (doc/9p-proxy.md rule 3), so
#       the remote waits for the state instead, bounded by a deadline.
#
# Last, the other side: the system trees' cached mount keeps file data
# (6.12 needs ignoreqv for that, see doc/nsexec.md).
. "$top_srcdir/t/lib/common.sh"
need_root
need_9p_kernel "$@"
. "$top_srcdir/t/lib/sshd.sh"
. "$top_srcdir/t/lib/mountopts.sh"
sshd_setup
sshd_start
cd "$T"

# What one side sees of f in the cwd: size:mode|content|listing.
OBS='obs() { s=$(stat -c %s:%a f 2>/dev/null) || s=none; c=$(cat f 2>/dev/null) || c=none; echo "$s|$c|$(ls | tr "\n" " ")"; }'
# The remote's side: observe, report, wait for the next change.  In split
# mode it re-observes until it sees what go.N says (the proxy's TTL), and
# reports its first observation too.  Deadlines: 3 minutes per step.
REMOTE="$OBS"'
cd /srv || exit 2
wait_go() { n=0; while [ ! -e /mnt/go.$1 ]; do sleep 0.1; n=$((n + 1)); [ $n -lt 1800 ] || exit 3; done; }
cat /proc/mounts > /mnt/mounts
i=0
while [ $i -lt 7 ]; do
	[ $i -eq 0 ] || wait_go $i
	obs > /mnt/first.$i
	if [ "$1" = split ] && [ $i -gt 0 ]; then
		n=0
		while [ "$(obs)" != "$(cat /mnt/go.$i)" ]; do
			sleep 0.1; n=$((n + 1)); [ $n -lt 1800 ] || break
		done
	fi
	obs > /mnt/obs.$i.tmp && mv /mnt/obs.$i.tmp /mnt/obs.$i
	i=$((i + 1))
done'
eval "$OBS"
not_cached() { ! mount_is_cached "$@"; }

# change N: what the client does before go.N.
change() {
	case $1 in
	1) echo v2 > f ;;		# data, same size
	2) chmod 600 f ;;		# mode
	3) truncate -s 100 f ;;		# size
	4) mv f g ;;			# rename
	5) rm g ;;			# delete
	6) echo another-file > f ;;	# a new file under the old name
	esac
}
what() {
	case $1 in
	0) echo "the first look" ;; 1) echo "changed data" ;; 2) echo "a new mode" ;;
	3) echo "a new size" ;; 4) echo "a rename" ;; 5) echo "a delete" ;;
	6) echo "a new file under the same name" ;;
	esac
}

run_mode() {
	mode=$1
	D=$T/data.$mode M=$T/marks.$mode
	mkdir -p "$D" "$M"
	echo v1 > "$D/f"
	chmod 644 "$D/f"
	"$CPU" -F "$SSH_CONFIG" -cache "$mode" \
	    -namespace="/lib:/lib64:/usr:/bin:/etc:/srv=$D:/mnt=$M" \
	    cputest sh -c "$REMOTE" sh "$mode" > "$T/remote.$mode.out" 2>&1 &
	rpid=$!
	i=0
	while [ $i -lt 7 ]; do
		if [ $i -gt 0 ]; then
			(cd "$D" && change $i)
			(cd "$D" && obs) > "$M/go.$i"
		fi
		want=$(cd "$D" && obs)
		if ! wait_for 1800 test -e "$M/obs.$i"; then
			not_ok "[$mode] $(what $i): the remote reported nothing"
			break
		fi
		if [ "$mode" = none ]; then
			check_eq "[$mode] $(what $i): the remote's next stat, open and readdir see it" \
			    "$want" "$(cat "$M/obs.$i")"
		else
			check_eq "[$mode] $(what $i): the remote sees it (within the proxy's TTL)" \
			    "$want" "$(cat "$M/obs.$i")"
		fi
		[ "$(cat "$M/first.$i")" = "$want" ] ||
			echo "# [$mode] $(what $i): the first look saw $(cat "$M/first.$i")"
		if [ "$mode" = split ] && [ $i -eq 1 ]; then
			check_eq "[$mode] changed data: the remote's next read sees it" \
			    "v2" "$(cut -d'|' -f2 "$M/first.1")"
		fi
		i=$((i + 1))
	done
	wait $rpid
	check_eq "[$mode] the session ends well" 0 $?
	sed 's/^/# remote: /' "$T/remote.$mode.out"
	# nsexec mounts the cwd (/srv here) with no kernel cache on every
	# kernel: no cached mode of 6.1-6.12 revalidates a client-side change.
	check "[$mode] the cwd's mount is not cached by the kernel" \
	    not_cached "$M/mounts" /srv
}

run_mode none
run_mode split

# The other side of the split: the system trees' mount (cache=loose) keeps
# data.  v9fs 6.6+ reads around the page cache a file whose qid.version
# is 0 (ours) unless mounted ignoreqv, which nsexec asks for there; a
# second read of a file must then reach the client no more.  The 9P
# trace is in the client's order, so the create of /srv/between
# separates the two reads.
D=$T/data.sys
mkdir -p "$D"
"$CPU" -F "$SSH_CONFIG" -dbg9p -namespace="/lib:/lib64:/usr:/bin:/etc:/srv=$D" cputest \
    sh -c 'cat /usr/bin/true >/dev/null; : > /srv/between; cat /usr/bin/true >/dev/null' \
    2> "$T/sys.trace"
check "system trees: the first read of a file reaches the client" \
    sh -c "sed '/between/q' '$T/sys.trace' | grep -q 'Open /usr/bin/true\$'"
check "system trees: the second read is served by the remote's page cache" \
    sh -c "! sed -n '/between/,\$p' '$T/sys.trace' | grep -q 'Open /usr/bin/true\$'"
t_done
