#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The 9P attribute proxy (doc/9p-proxy.md): walks and getattrs answered
# by cpu-subsystem from the attributes sent with each listing give the
# same results as the files themselves, with far fewer round trips, and
# coherence holds (issue 6 items 9 and 11).
. "$top_srcdir/t/lib/common.sh"
need_root
need_9p_kernel "$@"
. "$top_srcdir/t/lib/sshd.sh"
# The coherent channel's TTL is the test's own (cpu-subsystem -T, read by
# the login shell that sshd runs the subsystem with, for each session):
# long where a test counts what the proxy answers, so that no session is
# slow enough to outlive it; short where a test waits for it to pass.
echo 60000 > "$T/ttl"
CPU_SUBSYS_OPTS="-N $top_builddir/src/nsexec/nsexec -T \$(cat $T/ttl)"
sshd_setup
sshd_start
cpu() { "$CPU" -F "$SSH_CONFIG" "$@"; }
cd "$T"

# A tree with files of several sizes and modes, symlinks (good and
# dangling), hard links, an empty directory and names with spaces.
mkdir -p "$T/tree"
cp -a /usr/lib/python3.11/email /usr/lib/python3.11/json "$T/tree/"
mkdir -p "$T/tree/empty" "$T/tree/d i r"
echo spaced > "$T/tree/d i r/f i l e"
ln -s email/utils.py "$T/tree/link"
ln -s no-such-target "$T/tree/dangling"
ln "$T/tree/json/__init__.py" "$T/tree/hardlink"
chmod 0751 "$T/tree/empty"
chmod 0604 "$T/tree/d i r/f i l e"
touch -d '2001-02-03 04:05:06.123456789' "$T/tree/d i r/f i l e"
NS="/lib:/lib64:/usr:/bin:/etc:/srv=$T/tree"
FMT='%y %s %m %n %U %G %T@ %l %p\n'

entries=$(find "$T/tree" | wc -l)
(cd "$T/tree" && find . -printf "$FMT" | sort) > "$T/find.local"
(cd "$T/tree" && LC_ALL=C ls -lR --time-style=full-iso .) > "$T/ls.local"

stats_sum() {	# FILE TYPE...: the count of these messages on channel 0
	awk -v types=" $* " '$1 == 0 && index(types, " " $2 " ") { n += $3 }
	    END { print n + 0 }' "$1"
}

for policy in split none; do
	rm -f "$T/stats.$policy"
	CPU_9P_STATS="$T/stats.$policy" cpu -cache $policy -namespace="$NS" cputest \
	    sh -c "cd /srv && find . -printf '$FMT' | sort" > "$T/find.$policy"
	check "find -printf (-cache $policy) matches the local tree" \
	    cmp -s "$T/find.local" "$T/find.$policy" ||
	    diff "$T/find.local" "$T/find.$policy" | head -10 | sed 's/^/# /'
	cpu -cache $policy -namespace="$NS" cputest \
	    sh -c "cd /srv && LC_ALL=C ls -lR --time-style=full-iso ." > "$T/ls.$policy"
	check "ls -lR (-cache $policy) matches the local tree" \
	    cmp -s "$T/ls.local" "$T/ls.$policy" ||
	    diff "$T/ls.local" "$T/ls.$policy" | head -10 | sed 's/^/# /'
done
walks=$(stats_sum "$T/stats.split" Twalk Tgetattr)
raw=$(stats_sum "$T/stats.none" Twalk Tgetattr)
echo "# $entries entries: Twalk+Tgetattr $walks with the proxy, $raw without"
check "the proxy answers most walks and getattrs ($walks < $entries / 2)" \
	test "$walks" -lt $((entries / 2))
check "-cache none: every one reaches the client ($raw > $entries)" \
	test "$raw" -gt "$entries"

# Pushed attributes (doc/9p-proxy.md): with the first Rattach the client
# sends the attributes of the bind sources, the command and its ELF
# interpreter, and at session start the root's own, so the kernel's
# lookups of them are answered here: on the coherent channel (home, root)
# no Tgetattr (not even the mount's) and no walk reaches the client; on
# the cached one no Tgetattr of a bind source, of the command or of the
# loader (/etc/ld.so.preload is the first name looked up that was not
# pushed: it does not exist).  -cache none sends nothing: every lookup goes.
cpu -dbg9p cputest /bin/true > /dev/null 2> "$T/push.trace"
check_eq "cpu /bin/true with pushed attributes" 0 $?
check "pushed: channel 0 sees no Tgetattr" \
	test "$(grep -c '9p\[0\]: -> Tgetattr' "$T/push.trace")" = 0
check "pushed: no walk of home or root reaches the client" \
	test "$(grep -c '9p\[0\]: -> Twalk' "$T/push.trace")" = 0
check "pushed: channel 1 sees no Tgetattr up to the loader's first unpushed name" \
	test "$(sed -n '/ld.so.preload/q;p' "$T/push.trace" | grep -c '9p\[1\]: -> Tgetattr')" = 0
cpu -dbg9p -cache none cputest /bin/true > /dev/null 2> "$T/nopush.trace"
check "-cache none: every lookup reaches the client" \
	test "$(grep -c '9p\[0\]: -> Tgetattr' "$T/nopush.trace")" -gt 5
cpu cputest sh -c 'cd && ls -d /lib/ /lib64/ /bin/ /etc/ && test -x /bin/true' > "$T/out" 2>&1
check_eq "pushed: the binds and the home directory are all there" 0 $?

# Coherence: data is never cached; attributes for at most the TTL, here
# 1 s.  Each remote step waits for an event the test makes (new data in a
# file, which is never cached), then for the TTL to pass.
echo 1000 > "$T/ttl"
echo v1 > "$T/tree/live.txt"
# The client changes the file once the remote says its first stat and read
# are over (the event), not after a guess of a session's start.  The line
# of data alone is not the event: cat may still be reading at offset 3,
# and would rightly print the tail of the new content.  Nor is an empty
# read: the client's `echo >` truncates before it writes, and a slowed
# remote once read the file in between (then printed an empty line).
out=$(cpu -namespace="$NS" cputest sh -c '
	cd /srv; ls -l >/dev/null; stat -c %s live.txt; cat live.txt; echo first-read-done
	i=0; while c=$(cat live.txt); [ "$c" = v1 -o -z "$c" ] && [ $i -lt 1800 ]; do sleep 0.1; i=$((i+1)); done; cat live.txt
	sleep 2; stat -c %s live.txt' |
	{ read size; read data; read done; echo longer-v2 > "$T/tree/live.txt"; echo "$size $data $(cat)"; })
check_eq "a client-side change: next read sees it, stat after the TTL" \
	"3 v1 longer-v2 10" "$(echo $out)"

# Names created and removed remotely are seen at once (invalidation).
out=$(cpu -namespace="$NS" cputest sh -c '
	cd /srv; ls >/dev/null; echo x > new.txt; ls | grep -c "^new.txt$"
	stat -c %s new.txt; rm new.txt; ls | grep -c "^new.txt$"
	test -e new.txt && echo still-there || echo gone')
check_eq "remote create/remove: listings and stat follow at once" "1 2 0 gone" "$(echo $out)"

# A name missing from a complete listing: ENOENT, and one created on the
# client afterwards is found once the listing's TTL has passed (counted
# from the remote's sight of go.txt, written after the name was made).
echo wait > "$T/tree/go.txt"
out=$(cpu -namespace="$NS" cputest sh -c '
	cd /srv; ls >/dev/null; test -e later.txt && echo yes || echo no
	i=0; while [ "$(cat go.txt)" != go ] && [ $i -lt 1800 ]; do sleep 0.1; i=$((i+1)); done
	sleep 2; test -e later.txt && echo yes || echo no' |
	{ read first; touch "$T/tree/later.txt"; echo go > "$T/tree/go.txt"; echo "$first $(cat)"; })
check_eq "missing name: ENOENT, then found after the TTL" "no yes" "$(echo $out)"
echo 60000 > "$T/ttl"

# Kept listings (doc/9p-proxy.md): a second find in the session lists each
# directory from what the proxy kept.  -cache loose (a 60 s TTL on every
# channel) so that the first find cannot outlast the TTL on a slow machine.
# The proxy's own listings asked ahead use fid 4294967280 (SPEC_FID): only
# the kernel's Treaddirs after the marker count.
rm -f "$T/tree/live.txt" "$T/tree/later.txt" "$T/tree/go.txt"
(cd "$T/tree" && find . -printf "$FMT" | sort) > "$T/find.local"
cpu -dbg9p -cache loose -namespace="$NS" cputest \
    sh -c "cd /srv && find . -printf '$FMT' | sort > /dev/null; echo @@M >&2; find . -printf '$FMT' | sort" \
    > "$T/find.twice" 2> "$T/twice.trace"
check "find run twice in a session: the second matches the local tree" \
	cmp -s "$T/find.local" "$T/find.twice" ||
	diff "$T/find.local" "$T/find.twice" | head -10 | sed 's/^/# /'
first=$(sed '/^@@M$/q' "$T/twice.trace" | grep -- '-> Treaddir' | grep -vc 'fid 4294967280')
second=$(sed '1,/^@@M$/d' "$T/twice.trace" | grep -- '-> Treaddir' | grep -vc 'fid 4294967280')
echo "# the kernel's Treaddirs at the client: first find $first, second $second"
check "... and the second sends none to the client" test "$second" -eq 0

# Symlink targets come with the listing (FR_P9LINK): readlink of a listed
# link is answered by the proxy, with the client's target.
out=$(cpu -dbg9p -namespace="$NS" cputest sh -c 'cd /srv; ls >/dev/null; readlink link; readlink dangling' \
    2> "$T/links.trace")
n=$(grep -c -- '-> Treadlink' "$T/links.trace")
check_eq "readlink of listed links: the client's targets" \
	"email/utils.py no-such-target" "$(echo $out)"
check "... and no Treadlink reaches the client ($n)" test "$n" -eq 0 ||
	grep -B2 -- '-> Treadlink' "$T/links.trace" | head -12 | sed 's/^/# /'

# A name made on the client shows in a listing once the TTL has passed.
echo 1000 > "$T/ttl"
echo wait > "$T/tree/go.txt"
out=$(cpu -namespace="$NS" cputest sh -c '
	cd /srv; ls | grep -c "^later2.txt$"
	i=0; while [ "$(cat go.txt)" != go ] && [ $i -lt 1800 ]; do sleep 0.1; i=$((i+1)); done
	sleep 2; ls | grep -c "^later2.txt$"' |
	{ read first; touch "$T/tree/later2.txt"; echo go > "$T/tree/go.txt"; echo "$first $(cat)"; })
check_eq "a file made on the client: in ls after the TTL" "0 1" "$(echo $out)"
rm -f "$T/tree/go.txt"
echo 60000 > "$T/ttl"

out=$(cpu cputest /usr/bin/python3 -c 'import json, email, http.client; print(json.dumps([1]))')
check_eq "python3 imports through the proxy" "[1]" "$out"

# A listing larger than cpu-subsystem's pause threshold for queued 9P
# replies (128 KiB): the proxy needs the whole Rreaddir (msize 1 MiB),
# so the wire must keep flowing while it arrives.  (Once it stopped, and
# the session hung.)
mkdir "$T/many"
python3 -c "
import os
for i in range(8000): open(os.path.join('$T/many', 'a-file-with-a-longer-name-%05d' % i), 'w').close()
"
out=$(timeout 120 "$CPU" -F "$SSH_CONFIG" -namespace="/lib:/lib64:/usr:/bin:/etc:/srv=$T/many" \
	cputest sh -c 'ls -f /srv | sort | md5sum; ls /srv | wc -l')
check_eq "a 400 KiB listing through the proxy: whole, no hang" \
	"$(echo $(ls -f "$T/many" | sort | md5sum) 8000)" "$(echo $out)"

# Large writes (dd bs=1M, msize 1 MiB: Twrites of nearly 1 MiB) pass
# through the proxy in pieces (doc/9p-proxy.md, Limits): the client's
# copy is the data, byte for byte, on the coherent and the cached channel
# alike, and a stat right after sees the new size.
mkdir "$T/wr"
head -c $((8 * 1024 * 1024 + 12345)) /dev/urandom > "$T/wr/src"
for policy in split loose; do
	rm -f "$T/wr/dst"
	out=$(timeout 300 "$CPU" -F "$SSH_CONFIG" -cache $policy \
	    -namespace="/lib:/lib64:/usr:/bin:/etc:/srv=$T/wr" cputest \
	    sh -c 'dd if=/srv/src of=/srv/dst bs=1M conv=fsync 2>/dev/null &&
	    stat -c %s /srv/dst && sha256sum < /srv/dst')
	check_eq "dd bs=1M through the proxy (-cache $policy): the client's copy is the data" \
	    "$(echo $(stat -c %s "$T/wr/src") $(sha256sum < "$T/wr/src")) $(sha256sum < "$T/wr/src")" \
	    "$(echo $out) $(sha256sum < "$T/wr/dst" 2>/dev/null)"
done
t_done
