#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# k9p-bench: read/write throughput of a file through the kernel 9p client
# and our server, at several msizes (not part of `make check`; run by hand):
#
#	top_srcdir=$PWD top_builddir=$PWD t/k9p-bench.sh [MSIZE...]
#
# Each msize: mount over a socketpair (t/p9run, cache=none), write
# K9P_BENCH_MB MiB (default 256) with dd bs=1M conv=fsync, unmount,
# remount, read it back with dd bs=1M, and report MB/s and the 9P message
# counts the server saw.  The export is a tmpfs, so the figures are the
# 9P path (kernel client + socketpair + server), not the disk.
. "${top_srcdir:-$(dirname "$0")/..}/t/lib/common.sh"
need_root
need_9p_kernel "$@"

P9RUN=$top_builddir/t/p9run
MB=${K9P_BENCH_MB:-256}
[ $# -gt 0 ] || set -- 65536 1048576

E=$T/exp
M=$T/mnt
mkdir -p "$E" "$M"
mount -t tmpfs -o size=$((MB + 64))m tmpfs "$E" || skip_all "no tmpfs"
cleanup() { umount "$M" 2>/dev/null; umount -l "$E" 2>/dev/null; }
t_at_exit cleanup

now() { date +%s%N; }
rate() { awk -v b="$1" -v t0="$2" -v t1="$3" \
    'BEGIN { printf "%.0f", b / ((t1 - t0) / 1e9) / 1e6 }'; }

for ms in "$@"; do
	for dir in write read; do
		"$P9RUN" -s -r "$E" -- mount -t 9p -o \
		    "trans=fd,rfdno=3,wfdno=3,version=9p2000.L,msize=$ms" \
		    cpu "$M" 2>"$T/stats.$ms.$dir" || skip_all "mount failed"
		t0=$(now)
		if [ $dir = write ]; then
			dd if=/dev/zero of="$M/f" bs=1M count="$MB" conv=fsync \
			    2>/dev/null
		else
			dd if="$M/f" of=/dev/null bs=1M 2>/dev/null
		fi
		t1=$(now)
		got=$(grep " $M " /proc/mounts | sed -n 's/.*msize=\([0-9]*\).*/\1/p')
		umount "$M"
		sleep 0.2
		msgs=$(sed -n 's/.*9p messages: //p' "$T/stats.$ms.$dir")
		echo "# msize $ms (mounted ${got:-?}): $dir $MB MiB: \
$(rate $((MB * 1048576)) "$t0" "$t1") MB/s; $msgs"
		ok "msize $ms $dir"
	done
done
t_done
