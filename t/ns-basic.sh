#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# ns-basic: a root session on this kernel (no 9p): the private tmpfs, the
# remote root at TMP/local, cwd, environment, exec errors, the status fd,
# and that nothing escapes the session's namespace (N06, S08, S02).
. "${top_srcdir:-$(dirname "$0")/..}/t/ns-lib.sh"
need_root_ns

mkdir "$T/tmp" "$T/work"
echo marker >"$T/work/file"

# --- the session tmpfs and TMP/local
"$NSEXEC" -t "$T/tmp" -- /bin/sh -c 'cat /proc/self/mountinfo' >"$T/mi" 2>"$T/err"
expect_rc 0 $? "root session runs"
expect_in "$T/mi" " $T/tmp rw,nosuid,nodev.* - tmpfs cpu " "TMP is a tmpfs named cpu, nosuid,nodev"
expect_in "$T/mi" " $T/tmp/local " "the remote root is mounted at TMP/local"
"$NSEXEC" -t "$T/tmp" -- /bin/sh -c "test -d $T/tmp/cpu && test -f $T/tmp/local$T/work/file && stat -c %a $T/tmp" >"$T/out" 2>&1
expect_in "$T/out" "^1777$" "TMP/cpu exists, TMP/local shows the real tree, TMP is mode 1777"

# With the default -t /tmp the real /tmp is hidden but stays at /tmp/local/tmp.
"$NSEXEC" -- /bin/sh -c "ls -A /tmp; test -f /tmp/local$T/work/file && echo seen" >"$T/out" 2>&1
expect_in "$T/out" "^seen$" "default -t /tmp: the real /tmp is at /tmp/local/tmp"
if [ "$(grep -cv '^seen$' "$T/out")" = 2 ] && grep -q '^cpu$' "$T/out" && grep -q '^local$' "$T/out"; then
	ok "default -t /tmp: the session /tmp holds only cpu and local"
else
	not_ok "default -t /tmp: the session /tmp holds only cpu and local"; sed 's/^/#   /' "$T/out"
fi

# --- privacy: another process does not see the session's mounts (N06)
# The session says it is up (through /tmp/local, the host's /) and stays
# up until the checks are done.
rm -f "$T/up" "$T/done"
"$NSEXEC" -t "$T/tmp" -- /bin/sh -c "echo a >$T/tmp/sessionfile; : >$T/tmp/local$T/up; \
    while [ ! -e $T/tmp/local$T/done ]; do sleep 0.1; done" &
pid=$!
wait_for 1800 test -e "$T/up"
if [ -e "$T/tmp/sessionfile" ] || grep -q " $T/tmp " /proc/self/mountinfo; then
	not_ok "an outside process sees the session's tmpfs"
else
	ok "an outside process does not see the session's tmpfs"
fi
"$NSEXEC" -t "$T/tmp" -- /bin/sh -c "test -e $T/tmp/sessionfile" 2>/dev/null
if [ $? = 0 ]; then not_ok "a second session sees the first's files"
else ok "a second concurrent session does not see the first's files"; fi
touch "$T/done"
wait $pid
check_no_new_mounts "after two sessions"

# --- cwd (S08): found, missing, magic links, not canonical
"$NSEXEC" -t "$T/tmp" -d "$T/work" -- /bin/pwd >"$T/out" 2>"$T/err"
expect_in "$T/out" "^$T/work\$" "-d: the command starts in the client's cwd"
for d in /nonexistent/dir /proc/self/cwd /proc/self/fd/0 /proc/1/root; do
	"$NSEXEC" -t "$T/tmp" -d "$d" -- /bin/pwd >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc = 0 ] && [ "$(cat "$T/out")" = / ] &&
	    grep -q "^nsexec: warning: cwd $d not found in the remote namespace; using /\$" "$T/err" &&
	    [ "$(wc -l <"$T/err")" = 1 ]; then
		ok "-d $d: one warning, runs in /"
	else
		not_ok "-d $d: one warning, runs in / (rc $rc)"; sed 's/^/#   /' "$T/out" "$T/err"
	fi
done
"$NSEXEC" -t "$T/tmp" -d "$T/work/../work" -- /bin/pwd >"$T/out" 2>"$T/err"
expect_in "$T/err" "not a canonical absolute path" "-d with '..': warned, not followed"
expect_in "$T/out" "^/\$" "-d with '..': runs in /"

# --- environment (-e): applied only to the command, PATH search uses it
mkdir "$T/bin"
printf '#!/bin/sh\necho "found-in-env-path $FOO"\n' >"$T/bin/onlyhere"
chmod 755 "$T/bin/onlyhere"
printf 'PATH=%s:/usr/bin:/bin\0FOO=bar\0CPU_FSTAB=x\0LC_GLENDA_CPU_FSTAB=y\0CPUNONCE=n\0FOO=baz\0' "$T/bin" >"$T/env"
"$NSEXEC" -t "$T/tmp" -e 3 -- onlyhere 3<"$T/env" >"$T/out" 2>"$T/err"
expect_in "$T/out" "^found-in-env-path baz\$" "-e: PATH search uses the -e PATH; later duplicate wins"
FOO=outer "$NSEXEC" -t "$T/tmp" -e 3 -- /usr/bin/env 3<"$T/env" >"$T/out" 2>&1
expect_not_in "$T/out" "CPU_FSTAB\|LC_GLENDA\|CPUNONCE\|FOO=outer" "-e: cpu-internal variables removed, nsexec's own env not passed"
FOO=outer "$NSEXEC" -t "$T/tmp" -- /usr/bin/env >"$T/out" 2>&1
if [ -s "$T/out" ]; then not_ok "no -e: the command's environment is empty"; else ok "no -e: the command's environment is empty"; fi
printf 'A=1\0\0B=2\0' >"$T/env"
"$NSEXEC" -t "$T/tmp" -e 3 -- /bin/true 3<"$T/env" 2>"$T/err"
expect_rc 125 $? "-e with an empty record is refused"
expect_in "$T/err" "environment entry 2: empty" "... naming the entry"
printf 'NOEQUALS\0' >"$T/env"
"$NSEXEC" -t "$T/tmp" -e 3 -- /bin/true 3<"$T/env" 2>"$T/err"
expect_in "$T/err" "environment entry 1: no '='" "-e with a record without '=' is refused"

# --- exec errors: 127 / 126, one clear line
"$NSEXEC" -t "$T/tmp" -- no-such-command-xyz 2>"$T/err"
expect_rc 127 $? "command not found: exit 127"
expect_in "$T/err" "^nsexec: no-such-command-xyz: command not found\$" "... with one clear line"
"$NSEXEC" -t "$T/tmp" -- "$T/work/file" 2>"$T/err"
expect_rc 126 $? "not executable: exit 126"
expect_in "$T/err" "Permission denied" "... saying why"
"$NSEXEC" -t "$T/tmp" -- sh -c 'exit 42'
expect_rc 42 $? "the command's own exit status passes through"

# --- the status fd (-E)
"$NSEXEC" -t "$T/tmp" -n /bin=/x -E 3 -- /bin/true 3>"$T/status" 2>"$T/err"
expect_rc 0 $? "a missing namespace source is not fatal"
expect_in "$T/status" "^W mounting $T/tmp/cpu/x on /bin failed: there is no 9P mount\$" "-E: W line for the missing source"
expect_not_in "$T/status" "^E " "-E: no E line when the command ran"
if [ -s "$T/err" ]; then not_ok "-E: warnings not also on stderr"; else ok "-E: warnings not also on stderr"; fi
"$NSEXEC" -t "$T/tmp" -n /proc -E 3 -- /bin/true 3>"$T/status" 2>"$T/err"
expect_rc 125 $? "a refused target is fatal: exit 125"
expect_in "$T/status" "^E namespace entry 1: target /proc: mounting over it is refused\$" "-E: E line names the entry"
"$NSEXEC" -t "$T/tmp" -E 3 -- /bin/sh -c 'ls /proc/$$/fd; :' 3>"$T/status" >"$T/out"
expect_not_in "$T/out" "^3\$" "-E: the status fd is close-on-exec"

# --- a kernel without 9p (this one, usually): one clear line
if ! grep -qw 9p /proc/filesystems && [ -x "$top_builddir/t/p9run" ]; then
	mkdir "$T/export"
	"$top_builddir/t/p9run" -r "$T/export" -- "$NSEXEC" -9 3 -t "$T/tmp" -- /bin/true 2>"$T/err"
	expect_rc 125 $? "no 9p in the kernel: exit 125"
	expect_in "$T/err" "^nsexec: the remote kernel has no 9p filesystem: load the 9p and 9pnet_fd modules\$" "... with one clear line"
fi
"$NSEXEC" -t "$T/tmp" -9 4 -- /bin/true 4<"$T/work/file" 2>"$T/err"
expect_rc 125 $? "a read-only 9P descriptor is refused"
expect_in "$T/err" "must be open for reading and writing" "... saying why"

check_no_new_mounts "end"
done_testing
