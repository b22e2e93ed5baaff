#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# ns-symlink: mount targets through symlinks the user controls
# (security.md S05): a link between the user's own directories is
# followed; a link that leads to a refused place is refused by the path
# the kernel actually reached; magic links are not followed; and a loop
# that swaps a directory with a symlink while sessions start never gets
# a mount onto the link's destination.
. "${top_srcdir:-$(dirname "$0")/..}/t/ns-lib.sh"
need_root_ns
CAPNS=$(cap_nsexec)
mkdir -p "$T/tmp" "$T/u/m1"
ln -s m1 "$T/u/link"
ln -s /proc "$T/u/plink"
ln -s /dev/shm "$T/u/dlink"
ln -s /proc/self/root/etc "$T/u/mlink"
ln -s "$T/tmp/cpu" "$T/u/cpulink"
ln -s /proc "$T/u/tlink"
chown -R -h $NOBODY "$T/u"

TMPMNT=$T/tmp
session() {	# session FSTAB-LINE [more nsexec args]
	printf '%s\n' "$1" >"$T/fstab"; shift
	as_nobody "$CAPNS" -t "$TMPMNT" -f 3 -E 4 "$@" -- /bin/sh -c 'cat /proc/self/mountinfo' \
	    3<"$T/fstab" 4>"$T/status" >"$T/out" 2>&1
}

session "tmpfs $T/u/link tmpfs size=1M"
expect_rc 0 $? "S05 a link between the user's own directories is followed"
expect_in "$T/out" " $T/u/m1 rw,nosuid,nodev.* tmpfs" "S05 ... the mount lands on the resolved directory"
session "tmpfs $T/u/plink tmpfs size=1M"
expect_rc 125 $? "S05 a link to /proc is refused"
expect_in "$T/status" "^E fstab target $T/u/plink resolves to /proc: mounting over it is refused\$" "S05 ... naming where it leads"
session "tmpfs $T/u/dlink tmpfs size=1M"
expect_in "$T/status" "resolves to /dev/shm: mounting beneath /proc, /sys or /dev is refused" "S05 a link beneath /dev is refused"
session "tmpfs $T/u/cpulink tmpfs size=1M"
expect_in "$T/status" "resolves to $T/tmp/cpu: it is inside the session's 9P mount" "S05 a link into TMP/cpu is refused"
session "tmpfs $T/u/mlink tmpfs size=1M"
expect_in "$T/status" "^W fstab line 1: mounting tmpfs on $T/u/mlink failed: Too many levels of symbolic links\$" "S05 a magic link (/proc/self/root) is not followed"
TMPMNT=$T/u/tlink; session "tmpfs $T/u/m1 tmpfs size=1M"
expect_rc 125 $? "S05 -t through a link to /proc is refused"
expect_in "$T/status" "^E tmp target $T/u/tlink resolves to /proc: mounting over it is refused\$" "S05 ... naming where it leads"
TMPMNT=$T/u/link; session "tmpfs $T/tmp tmpfs size=1M" -n /bin
expect_in "$T/out" " $T/u/m1 rw,nosuid,nodev.* - tmpfs cpu" "-t through a link: the tmpfs lands on the resolved directory"
expect_in "$T/status" "^W mounting $T/u/m1/cpu/bin on /bin failed" "... and messages use the resolved TMP"
TMPMNT=$T/tmp

# The race: swap $T/u/race between a directory and a symlink to /proc
# while sessions mount on it.  Each session either mounts on the user's
# directory or refuses; /proc in the session is always procfs.
mkdir "$T/u/race.d"
ln -s /proc "$T/u/race.l"
chown -h $NOBODY "$T/u/race.d" "$T/u/race.l"
(
	i=0
	while [ -e "$T/u/race.d" ] || [ -e "$T/u/race" ]; do
		rm -f "$T/u/race"; mkdir "$T/u/race" 2>/dev/null
		rmdir "$T/u/race" 2>/dev/null; ln -s /proc "$T/u/race" 2>/dev/null
		i=$((i + 1))
	done
) &
swapper=$!
bad=0 mounted=0 refused=0 i=0
while [ $i -lt 100 ]; do
	session "tmpfs $T/u/race tmpfs size=1M"
	rc=$?
	if awk '$5 == "/proc" && $9 != "proc" {found = 1} END {exit !found}' "$T/out"; then
		bad=$((bad + 1))
	fi
	case $rc in
	0) mounted=$((mounted + 1)) ;;	# on the directory, or W: missing
	125) refused=$((refused + 1)) ;;
	esac
	i=$((i + 1))
done
rm -rf "$T/u/race.d" "$T/u/race.l"
kill $swapper 2>/dev/null
wait $swapper 2>/dev/null
diag "race: $mounted mounted on the directory, $refused refused"
check "S05 race: 100 sessions, no mount ever landed on /proc" [ $bad = 0 ]
check "S05 race: every session either mounted or refused" [ $((mounted + refused)) = 100 ]

check_no_new_mounts "end"
done_testing
