#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# By hand, not part of `make check`: what the 9P attribute proxy buys
# (doc/9p-proxy.md, "Measurements").  Under user-mode-linux through the
# test sshd:
#   top_srcdir=$PWD top_builddir=$PWD sh t/k-proxy-bench.sh
# Set top_builddir to another build (same sources otherwise) to measure
# that one.  Prints one line per workload and policy: seconds (median of
# ROUNDS, default 3) and 9P messages the client served (channel 0 + 1).
. "$top_srcdir/t/lib/common.sh"
need_root
need_9p_kernel "$@"
. "$top_srcdir/t/lib/sshd.sh"
sshd_setup
sshd_start
cd "$T"
ROUNDS=${ROUNDS:-3}
mkdir -p "$T/tree"
cp -a /usr/lib/python3.11 "$T/tree/"
NS="/lib:/lib64:/usr:/bin:/etc:/srv=$T/tree"
FIND="find /srv/python3.11 -printf '%y %s %m %T@\n' >/dev/null"
now() { date +%s.%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
msgs() { awk '{ n += $3 } END { print n + 0 }' "$1"; }
wg() { awk '$2 == "Twalk" || $2 == "Tgetattr" || $2 == "Tclunk" { n += $3 } END { print n + 0 }' "$1"; }

for policy in ${POLICIES:-split none}; do
	for r in $(seq "$ROUNDS"); do
		rm -f "$T/st"
		# cold: a new session; warm: the same find again in it
		CPU_9P_STATS="$T/st" "$CPU" -F "$SSH_CONFIG" -cache "$policy" \
		    -namespace="$NS" cputest sh -c "
			s=\$(date +%s.%N); $FIND; m=\$(date +%s.%N); $FIND; e=\$(date +%s.%N)
			echo \$s \$m \$e" > "$T/t.$r"
		awk '{ printf "%.3f %.3f\n", $2 - $1, $3 - $2 }' "$T/t.$r" >> "$T/find.$policy"
		echo "$(msgs "$T/st") $(wg "$T/st")" >> "$T/findmsgs.$policy"
		rm -f "$T/st"
		CPU_9P_STATS="$T/st" "$CPU" -F "$SSH_CONFIG" -cache "$policy" cputest sh -c "
			/usr/bin/python3 -c 'import json, email, http.client'
			s=\$(date +%s.%N)
			/usr/bin/python3 -c 'import json, email, http.client'
			e=\$(date +%s.%N); echo \$s \$e" > "$T/p.$r"
		awk '{ printf "%.3f\n", $2 - $1 }' "$T/p.$r" >> "$T/py.$policy"
		echo "$(msgs "$T/st") $(wg "$T/st")" >> "$T/pymsgs.$policy"
	done
	echo "policy $policy: find cold $(cut -d' ' -f1 "$T/find.$policy" | median) s," \
	    "warm $(cut -d' ' -f2 "$T/find.$policy" | median) s;" \
	    "9P msgs (2 finds) $(cut -d' ' -f1 "$T/findmsgs.$policy" | median)," \
	    "walk+getattr+clunk $(cut -d' ' -f2 "$T/findmsgs.$policy" | median)"
	echo "policy $policy: python3 import warm $(median < "$T/py.$policy") s;" \
	    "9P msgs (2 runs) $(cut -d' ' -f1 "$T/pymsgs.$policy" | median)," \
	    "walk+getattr+clunk $(cut -d' ' -f2 "$T/pymsgs.$policy" | median)"
	cat "$T/find.$policy" "$T/py.$policy" | tr '\n' ' ' | sed 's/^/# raw: /'; echo
done
ok "measured"
t_done
