#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# k9p-fs: the client's 9P server under the Linux kernel's own 9p client.
#
# Mounts a scratch export through t/p9run over a socketpair (trans=fd) and
# runs a filesystem workout with cache=none and with cache=loose: create,
# read, write, append, truncate, rename over a file, hard and symbolic
# links, chmod, chown, utimes, mkdir/rmdir, readdir of 10,000 entries with
# unlinks during the listing, mmap, a FIFO, statfs, flock/fcntl locks,
# sparse files past 4 GiB, and cmp of a 256 MiB file.  Then confinement
# through the real client (.., symlinks and hard links cannot reach the
# server-side files outside the export), and no 9pnet complaint in dmesg.
#
# Needs root and a kernel with 9p: re-runs itself under t/lib/uml-run
# (user-mode-linux) when this kernel has none.  K9P_BIG_MB (default 256)
# sets the size of the cmp file.
. "${top_srcdir:-$(dirname "$0")/..}/t/lib/common.sh"
need_root
need_9p_kernel "$@"

P9RUN=$top_builddir/t/p9run
[ -x "$P9RUN" ] || skip_all "t/p9run is not built"
command -v python3 >/dev/null || skip_all "python3 missing"
BIG_MB=${K9P_BIG_MB:-256}
CANARY=CANARY-k9p-0b5e-never-through-the-mount

# mount_9p EXPORT MNT OPTIONS: the server runs on until the unmount.
mount_9p() {
	"$P9RUN" -s -r "$1" -- mount -t 9p \
	    -o "trans=fd,rfdno=3,wfdno=3,version=9p2000.L,$3" cpu "$2"
}
mounts=""
umount_all() { for m in $mounts; do umount "$m" 2>/dev/null; done; }
t_at_exit umount_all

dmesg_9p() { dmesg 2>/dev/null | grep -E '9pnet|9p:|v9fs' | grep -v Installing; }
dmesg_9p > "$T/dmesg.before"

# The server-side canary lies outside the export, at a place the remote
# side would reach by other paths than the server would (the export is
# deeper than the mount point).
mkdir -p "$T/a/b"
printf '%s\n' "$CANARY" > "$T/canary"

t_start=$(date +%s)
phase() { echo "# $(( $(date +%s) - t_start )) s: $*"; }

# With cache=loose, writes reach the server at writeback.
settle() { [ "$mode" != loose ] || sync; }

fs_workout() {
	mode=$1
	E=$T/a/b/exp.$mode
	M=$T/m.$mode
	mkdir -p "$E" "$M"
	if ! mount_9p "$E" "$M" "msize=1048576,cache=$mode" 2>"$T/mount.err"; then
		not_ok "[$mode] mount"
		cat "$T/mount.err" | sed 's/^/# /'
		return
	fi
	mounts="$M $mounts"
	ok "[$mode] mount -t 9p trans=fd through p9run"

	echo hello > "$M/f"
	check_eq "[$mode] create, write, read" hello "$(cat "$M/f")"
	echo more >> "$M/f"
	settle
	check_eq "[$mode] append" "hello
more" "$(cat "$E/f")"
	truncate -s 3 "$M/f"
	check_eq "[$mode] truncate shorter" hel "$(cat "$M/f")"
	truncate -s 10000 "$M/f"
	check_eq "[$mode] truncate longer" 10000 "$(stat -c %s "$E/f")"

	echo one > "$M/r1"; echo two > "$M/r2"
	mv "$M/r1" "$M/r2"
	check "[$mode] rename over an existing file" \
	    test "$(cat "$M/r2")" = one -a ! -e "$M/r1" -a ! -e "$E/r1"

	ln "$M/r2" "$M/hard"
	settle
	check "[$mode] hard link: same inode, 2 links" test \
	    "$(stat -c %i "$E/r2")" = "$(stat -c %i "$E/hard")" -a \
	    "$(stat -c %i "$M/r2")" = "$(stat -c %i "$M/hard")" -a \
	    "$(stat -c %h "$E/hard")" = 2
	ln -s r2 "$M/sym"
	check "[$mode] symlink made, read and followed" test \
	    "$(readlink "$M/sym")" = r2 -a -L "$E/sym" -a "$(cat "$M/sym")" = one

	chmod 640 "$M/r2"
	check_eq "[$mode] chmod" 640 "$(stat -c %a "$E/r2")"
	chmod 4755 "$M/r2" 2>/dev/null
	check_eq "[$mode] chmod 4755 stores 755 (set-id stripped)" 755 \
	    "$(stat -c %a "$E/r2")"
	chown 1234:5678 "$M/r2"
	check_eq "[$mode] chown (the server runs as root here)" 1234:5678 \
	    "$(stat -c %u:%g "$E/r2")"
	touch -d '2001-02-03 04:05:06 UTC' "$M/r2"
	check_eq "[$mode] utimes (touch -d)" 981173106 "$(stat -c %Y "$E/r2")"

	mkdir "$M/d" && mkdir "$M/d/e" && rmdir "$M/d/e"
	check "[$mode] mkdir and rmdir" test -d "$E/d" -a ! -e "$E/d/e"
	rmdir "$M/d"
	check "[$mode] rmdir of the parent" test ! -e "$E/d"
	check "[$mode] names with spaces, newlines and UTF-8" sh -c '
	    touch "$1/a b" "$1/new
line" "$1/é€" && test -e "$2/a b" -a -e "$2/new
line" -a -e "$2/é€" && ls "$1" | grep -q "é€"' - "$M" "$E"

	phase "[$mode] basic operations done"
	# 10,000 entries, odd ones unlinked while the listing runs
	mkdir "$E/big"
	python3 - "$E/big" <<'EOF'
import os, sys
for i in range(10000):
    open(os.path.join(sys.argv[1], "f%05d" % i), "w").close()
EOF
	out=$(python3 - "$M/big" <<'EOF'
import os, sys
d = sys.argv[1]
seen, gone = {}, set()
with os.scandir(d) as it:
    for n, e in enumerate(it):
        seen[e.name] = seen.get(e.name, 0) + 1
        if n == 100:
            for i in range(1, 10000, 2):
                name = "f%05d" % i
                if name not in seen:
                    os.unlink(os.path.join(d, name))
                    gone.add(name)
dups = [k for k, v in seen.items() if v > 1]
missing = [("f%05d" % i) for i in range(10000)
           if ("f%05d" % i) not in seen and ("f%05d" % i) not in gone]
print(len(dups), len(missing), len(os.listdir(d)), len(gone))
EOF
)
	set -- $out
	check "[$mode] readdir of 10,000 with unlinks during it: no duplicates, \
nothing unchanged missing ($out)" test "$1" = 0 -a "$2" = 0 -a \
	    "$3" = $((10000 - $4))
	rm -rf "$M/big"
	check "[$mode] rm -rf of the big directory" test ! -e "$E/big"

	phase "[$mode] readdir done"
	# mmap: reading everywhere; shared writable maps need a page cache
	out=$(python3 - "$M/mm" "$mode" <<'EOF'
import mmap, os, sys
p, mode = sys.argv[1], sys.argv[2]
with open(p, "wb") as f:
    f.write(b"0123456789" * 1000)
with open(p, "rb") as f:
    m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
    r = m[5000:5010] == b"0123456789"
    m.close()
w = "n/a"
try:
    with open(p, "r+b") as f:
        m = mmap.mmap(f.fileno(), 0)
        m[0:5] = b"HELLO"
        m.flush()
        m.close()
    w = open(p, "rb").read(5) == b"HELLO"
except OSError as e:
    w = "refused:" + e.strerror.replace(" ", "_")
print(r, w)
EOF
)
	set -- $out
	settle
	check "[$mode] mmap read ($out)" test "$1" = True
	case $mode in
	none) check "[$mode] shared writable mmap: written or refused by the \
kernel (cache=none has no page cache)" test "$2" = True -o "${2%%:*}" = refused ;;
	*) check "[$mode] mmap write reaches the file" test "$2" = True -a \
	    "$(head -c 5 "$E/mm")" = HELLO ;;
	esac

	mkfifo "$M/fifo"
	( echo through > "$M/fifo" ) &
	check "[$mode] FIFO made through the mount, usable remotely" test \
	    "$(cat "$M/fifo")" = through -a -p "$E/fifo"
	wait

	check "[$mode] df (statfs)" sh -c "df -P '$M' | tail -n 1 | grep -q ' $M\$'"

	touch "$M/lockf"
	check "[$mode] flock: a second open conflicts" \
	    flock "$M/lockf" -c "! flock -n '$M/lockf' true"
	out=$(python3 - "$M/lockf" <<'EOF'
import fcntl, os, sys
a = open(sys.argv[1], "r+")
fcntl.lockf(a, fcntl.LOCK_EX | fcntl.LOCK_NB, 10, 0)
pid = os.fork()
if pid == 0:
    b = open(sys.argv[1], "r+")
    try:
        fcntl.lockf(b, fcntl.LOCK_EX | fcntl.LOCK_NB, 10, 0)
        os._exit(1)
    except OSError:
        pass
    fcntl.lockf(b, fcntl.LOCK_EX | fcntl.LOCK_NB, 10, 20)   # no overlap
    os._exit(0)
_, st = os.waitpid(pid, 0)
print(os.WEXITSTATUS(st))
EOF
)
	check_eq "[$mode] fcntl locks: overlap conflicts, disjoint ranges do not" 0 "$out"

	truncate -s 5G "$M/sparse"
	printf 'past4g' | dd of="$M/sparse" bs=1 seek=$((4 * 1024 * 1024 * 1024 + 100)) \
	    conv=notrunc 2>/dev/null
	check "[$mode] sparse 5 GiB file, written past 4 GiB, read back" test \
	    "$(stat -c %s "$E/sparse")" = 5368709120 -a \
	    "$(dd if="$M/sparse" bs=1 skip=$((4 * 1024 * 1024 * 1024 + 100)) \
	        count=6 2>/dev/null)" = past4g -a \
	    "$(du -k "$E/sparse" | cut -f1)" -lt 1024
	check "[$mode] a hole reads as zeros" test "$(dd if="$M/sparse" bs=4096 \
	    skip=1000 count=1 2>/dev/null | tr -d '\0' | wc -c)" = 0
	rm -f "$M/sparse"

	phase "[$mode] mmap, fifo, locks, sparse done"
	dd if="$SRC" of="$M/bigfile" bs=1M 2>/dev/null
	sync
	[ "$mode" = loose ] && echo 3 > /proc/sys/vm/drop_caches
	check "[$mode] cmp of a $BIG_MB MiB file written and read back" sh -c \
	    'dd if="$1" bs=1M 2>/dev/null | cmp - "$2"' - "$M/bigfile" "$SRC"
	rm -f "$M/bigfile"
	phase "[$mode] $BIG_MB MiB cmp done"

	# Confinement through the real client.  The export is two levels
	# deeper than the mount point, so a path that would reach $T/canary on
	# the server's side reaches something else on the kernel's side.
	ln -s ../../../canary "$E/esc"
	ln -s "$T/canary" "$E/abs"
	check "[$mode] .. and symlinks resolve in the mounting namespace, never \
on the server (no canary through the mount)" sh -c '
	    ! cat "$1/esc" 2>/dev/null | grep -q "$2" &&
	    ! cat "$1/../../../canary" 2>/dev/null | grep -q "$2" &&
	    ! grep -rqs "$2" "$1"' - "$M" "$CANARY"
	check "[$mode] a hard link to a file outside the mount is refused" \
	    sh -c "! ln '$T/canary' '$M/hl' 2>/dev/null"
	check "[$mode] the canary is untouched" test \
	    "$(cat "$T/canary")" = "$CANARY" -a "$(stat -c %h "$T/canary")" = 1

	umount "$M"
	check "[$mode] unmount" sh -c "! grep -q ' $M ' /proc/mounts"
}

# The random source lives in memory when it can (hostfs reads are slow).
SRC=$T/src
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	SRC=$(mktemp /dev/shm/k9p-src.XXXXXX)
	rm_src() { rm -f "$SRC"; }
	t_at_exit rm_src
fi
dd if=/dev/urandom of="$SRC" bs=1M count="$BIG_MB" 2>/dev/null
phase "$BIG_MB MiB of random data made"
fs_workout none
fs_workout loose

# msize: the largest the fd transport takes, and what the server grants.
mkdir -p "$T/ms.exp" "$T/ms.mnt"
if mount_9p "$T/ms.exp" "$T/ms.mnt" msize=2097152 2>/dev/null; then
	got=$(grep " $T/ms.mnt " /proc/mounts | sed -n 's/.*msize=\([0-9]*\).*/\1/p')
	umount "$T/ms.mnt"
	check_eq "msize=2097152 asked: the kernel's fd transport gives" 1048576 \
	    "${got:-default}"
else
	not_ok "mount with msize=2097152"
fi

# 9pnet and v9fs log in the context of the request that went wrong, and
# every mount above is unmounted by now: the log is complete.
dmesg_9p > "$T/dmesg.after"
new=$(diff "$T/dmesg.before" "$T/dmesg.after" | sed -n 's/^> //p' |
    grep -v "Limiting 'msize'")
check "no 9pnet/v9fs complaints in the kernel log (P09)" test -z "$new"
[ -z "$new" ] || printf '%s\n' "$new" | sed 's/^/# /'
t_done
