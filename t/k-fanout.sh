#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Fan-out (issue 7 item 5): pdsh and clush drive cpu to eight sshd
# instances on 127.0.0.2-9 with the default namespace; then 32 concurrent
# sessions to one host, after which processes, mounts and the client
# machine's open descriptors return to their starting level.
. "$top_srcdir/t/lib/common.sh"
need_root
need_9p_kernel "$@"
command -v pdsh >/dev/null || skip_all "pdsh not installed"
command -v clush >/dev/null || skip_all "clustershell not installed"
. "$top_srcdir/t/lib/sshd.sh"
SSHD_PORT=2222 SSHD_ADDR=127.0.0.2 sshd_setup
for n in 2 3 4 5 6 7 8 9; do
	mkdir -p "$T/h$n"
	sed -e "s/^ListenAddress .*/ListenAddress 127.0.0.$n/" \
	    -e "s|^PidFile .*|PidFile $T/h$n/pid|" "$S/sshd_config" > "$T/h$n/sshd_config"
	"$SSHD" -f "$T/h$n/sshd_config" -E "$T/h$n/log"
	printf 'Host h%s\n\tHostName 127.0.0.%s\n\tPort 2222\n' "$n" "$n" >> "$SSH_CONFIG"
	printf '[127.0.0.%s]:2222 %s\n' "$n" "$(cut -d' ' -f1,2 "$S/host_key.pub")" >> "$S/known_hosts"
done
stop_all() { for n in 2 3 4 5 6 7 8 9; do [ -s "$T/h$n/pid" ] && kill "$(cat "$T/h$n/pid")"; done; return 0; }
t_at_exit stop_all
for n in 2 3 4 5 6 7 8 9; do wait_for 1800 test -s "$T/h$n/pid"; done

# Each host answers with its own address, from a command run on the
# client's files (the default namespace).
cat > "$T/whoami.sh" <<'W'
#!/bin/sh
echo "addr=${SSH_CONNECTION##* }" | cut -d' ' -f1
exit "$1"
W
chmod +x "$T/whoami.sh"
mkdir -p "$T/bin" && cp "$T/whoami.sh" "$T/bin/"
NS="/lib:/lib64:/usr:/bin:/etc:/home:/srv=$T/bin"
PDSH_RCMD_TYPE=exec pdsh -S -R exec -w 'h[2-9]' "$CPU" -F "$SSH_CONFIG" -namespace="$NS" %h /srv/whoami.sh 0 \
	> "$T/pdsh.out" 2>"$T/pdsh.err"
check_eq "pdsh: all eight hosts succeed" 0 "$?"
check_eq "pdsh: eight lines of output" 8 "$(wc -l < "$T/pdsh.out")"
for n in 2 3 4 5 6 7 8 9; do
	grep -q "^h$n: " "$T/pdsh.out" || not_ok "pdsh: h$n answered"
done
ok "pdsh: every host answered, prefixed with its name"
sed 's/^/#   /' "$T/pdsh.err" | head -n 5

pdsh -S -R exec -w 'h[2-9]' "$CPU" -F "$SSH_CONFIG" -9p=false -namespace= %h sh -c 'exit 3' >/dev/null 2>&1
check_eq "pdsh -S reports the remote exit status" 3 "$?"

clush -S -b -t 600 -u 1200 -R exec -w 'h[2-9]' "$CPU -F $SSH_CONFIG -namespace=$NS %h /srv/whoami.sh 0" \
	> "$T/clush.out" 2>"$T/clush.err"
check_eq "clush: all eight hosts succeed" 0 "$?" || sed 's/^/#   /' "$T/clush.err" | head -n 10
check "clush: output gathered for h[2-9]" grep -q 'h\[2-9\]' "$T/clush.out"
clush -S -t 600 -u 1200 -R exec -w 'h[2-9]' "$CPU -F $SSH_CONFIG -9p=false -namespace= %h sh -c 'exit 4'" >/dev/null 2>&1
check_eq "clush -S reports the remote exit status" 4 "$?"

# 32 concurrent sessions from one client to one host.
# User processes only (kernel threads come and go with the load).
upids() { for p in /proc/[0-9]*; do readlink "$p/exe" >/dev/null 2>&1 && echo "$p"; done; }
fds() { for p in $(upids); do ls "$p/fd" 2>/dev/null; done | wc -l; }
procs() { upids | wc -l; }
# The baseline once the sessions above are gone.
wait_for 1800 sh -c '! pgrep -x cpu-subsystem >/dev/null'
fd0=$(fds); p0=$(procs)
i=0
while [ $i -lt 32 ]; do
	"$CPU" -F "$SSH_CONFIG" h2 sh -c "cat /etc/hostname >/dev/null && echo ok-$i" > "$T/c$i" 2>&1 &
	i=$((i + 1))
done
wait
good=0
i=0
while [ $i -lt 32 ]; do
	grep -qx "ok-$i" "$T/c$i" && good=$((good + 1))
	i=$((i + 1))
done
check_eq "32 concurrent sessions all succeed" 32 "$good"
# Why a session failed (a timeout or a limit reached says so here).
[ "$good" = 32 ] || for f in "$T"/c[0-9]*; do grep -q '^ok-' "$f" || { sed 's/^/#   /' "$f"; break; }; done
settle() {
	[ -n "${V:-}" ] && echo "# $(procs) $(fds)"
 [ "$(procs)" -le "$((p0 + 2))" ] && [ "$(fds)" -le "$((fd0 + 8))" ]; }
check "processes and open descriptors return to their starting level ($p0 procs, $fd0 fds)" wait_for 1800 settle ||
	{ echo "# now $(procs) procs, $(fds) fds"; ps -eo pid,ppid,args | grep -v '\]$' | sed 's/^/#   /'; }
check "no 9p mount remains" sh -c '! grep -q " 9p " /proc/mounts'
t_done
