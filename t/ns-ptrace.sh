#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# ns-ptrace (security.md N03): while nsexec holds its capabilities, the
# user who started it cannot look inside: it is held in its validation
# step (reading its environment from a FIFO nobody has written yet), then
# the same uid tries ptrace, /proc/PID/mem, environ, fd and setns.
. "${top_srcdir:-$(dirname "$0")/..}/t/ns-lib.sh"
need_root_ns
[ -x /usr/bin/python3 ] || skip_all "/usr/bin/python3 not installed"
CAPNS=$(cap_nsexec)
mkdir "$T/tmp"
mkfifo -m 666 "$T/envfifo"
# nsexec as uid 65534, its -e descriptor the FIFO: it blocks in slurp().
as_nobody sh -c "exec 5<'$T/envfifo'; exec '$CAPNS' -t '$T/tmp' -e 5 -- /bin/true" \
	>"$T/out" 2>"$T/err" &
holder=$!
# Open the writer side only after the reader: the open above blocks until.
exec 6>"$T/envfifo"
pid=
for i in $(seq 1 50); do
	pid=$(pgrep -u $NOBODY -f "$T/cap/nsexec" | head -n 1)
	[ -n "$pid" ] && grep -q '^CapEff:.*[1-9a-f]' "/proc/$pid/status" 2>/dev/null && break
	sleep 0.1
done
check "N03 nsexec is held while privileged (CapEff non-zero)" \
	grep -q '^CapEff:.*[1-9a-f]' "/proc/$pid/status"
cat > "$T/probe.py" <<'PY'
import ctypes, os, sys
pid = int(sys.argv[1])
libc = ctypes.CDLL(None, use_errno=True)
def attempt(name, f):
    try:
        f()
        print(name, "ALLOWED")
    except OSError as e:
        print(name, "denied", e.errno)
def ptrace_attach():
    if libc.ptrace(16, pid, None, None) != 0:   # PTRACE_ATTACH
        e = ctypes.get_errno(); raise OSError(e, os.strerror(e))
def seize():
    if libc.ptrace(0x4206, pid, None, None) != 0:   # PTRACE_SEIZE
        e = ctypes.get_errno(); raise OSError(e, os.strerror(e))
attempt("ptrace-attach", ptrace_attach)
attempt("ptrace-seize", seize)
attempt("mem", lambda: open("/proc/%d/mem" % pid, "r+b").read(1))
attempt("environ", lambda: open("/proc/%d/environ" % pid, "rb").read())
attempt("fd", lambda: os.listdir("/proc/%d/fd" % pid))
attempt("cwd", lambda: os.readlink("/proc/%d/cwd" % pid))
attempt("root", lambda: os.readlink("/proc/%d/root" % pid))
def setns():
    fd = os.open("/proc/%d/ns/mnt" % pid, os.O_RDONLY)
    if libc.setns(fd, 0) != 0:
        e = ctypes.get_errno(); raise OSError(e, os.strerror(e))
attempt("setns", setns)
PY
as_nobody /usr/bin/python3 "$T/probe.py" "$pid" > "$T/probe" 2>&1
for what in ptrace-attach ptrace-seize mem environ fd cwd root setns; do
	check "N03 same uid: $what refused while nsexec is privileged" \
		grep -q "^$what denied" "$T/probe"
done
sed "s/^/#   /" "$T/probe"
# Let it go: an empty environment, then it runs /bin/true.
exec 6>&-
wait "$holder"
rc=$?
if [ "$rc" = 0 ]; then ok "N03 released, the session completes"; else not_ok "N03 released, the session completes (exit $rc)"; sed 's/^/#   /' "$T/err"; fi
check_no_new_mounts "N03"
done_testing
