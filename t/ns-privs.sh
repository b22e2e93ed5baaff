#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# ns-privs: the privilege model on this kernel.
#   N04 credential state of the command (root login, ordinary login)
#   N08 setuid installs refused; missing capabilities give one clear line
#   N01 a setuid-root program gains nothing in a session
#   N05 descriptor hygiene
#   S03 dangerous variables never reach nsexec while it is privileged
. "${top_srcdir:-$(dirname "$0")/..}/t/ns-lib.sh"
need_root_ns
CAPNS=$(cap_nsexec)
mkdir "$T/tmp" "$T/mnt"
STATUS_CMD='grep -E "^(Uid|Gid|Groups|Cap[A-Za-z]+|NoNewPrivs|Seccomp):" /proc/self/status'

# --- N04: an ordinary login ends with nothing
as_nobody "$CAPNS" -t "$T/tmp" -- /bin/sh -c "$STATUS_CMD" >"$T/st" 2>"$T/err"
expect_rc 0 $? "N04 user: session runs with the file capabilities"
for f in CapInh CapPrm CapEff CapBnd CapAmb; do
	v=$(status_field $f "$T/st")
	if [ "$v" = 0000000000000000 ]; then ok "N04 user: $f is empty"
	else not_ok "N04 user: $f is empty (got '$v')"; fi
done
check "N04 user: NoNewPrivs=1" [ "$(status_field NoNewPrivs "$T/st")" = 1 ]
check "N04 user: Seccomp=2 (filter) by default" [ "$(status_field Seccomp "$T/st")" = 2 ]
check "N04 user: uid is the login's" [ "$(status_field Uid "$T/st")" = $NOBODY ]
check "N04 user: gid is the login's" [ "$(status_field Gid "$T/st")" = $NOBODY ]
check "N04 user: no supplementary group" [ -z "$(status_field Groups "$T/st")" ]
as_nobody "$CAPNS" -t "$T/tmp" -S none -- /bin/sh -c "$STATUS_CMD" >"$T/st" 2>&1
check "N04 user: -S none gives Seccomp=0" [ "$(status_field Seccomp "$T/st")" = 0 ]

# --- N04: a root login keeps root's powers
"$NSEXEC" -t "$T/tmp" -- /bin/sh -c "$STATUS_CMD" >"$T/st" 2>&1
want=$(status_field CapEff /proc/self/status)
check "N04 root: CapEff unchanged ($want)" [ "$(status_field CapEff "$T/st")" = "$want" ]
check "N04 root: CapBnd unchanged" [ "$(status_field CapBnd "$T/st")" = "$(status_field CapBnd /proc/self/status)" ]
check "N04 root: NoNewPrivs=1" [ "$(status_field NoNewPrivs "$T/st")" = 1 ]
check "N04 root: no seccomp policy by default" [ "$(status_field Seccomp "$T/st")" = 0 ]
"$NSEXEC" -t "$T/tmp" -- /bin/sh -c "mount -t tmpfs x $T/mnt && touch $T/mnt/y && umount $T/mnt" 2>"$T/err"
expect_rc 0 $? "root session can still do root things (mount a tmpfs inside)"

# --- N08: setuid installs and missing capabilities
cp "$NSEXEC" "$T/suid-nsexec"
chmod 4755 "$T/suid-nsexec"
"$T/suid-nsexec" -- /bin/true 2>"$T/err"
expect_rc 125 $? "N08 setuid-root copy refused even when root runs it"
expect_in "$T/err" "installed set-user-ID or set-group-ID: refusing to run" "... with a clear line"
as_nobody "$T/suid-nsexec" -- /bin/true 2>"$T/err"
expect_rc 125 $? "N08 setuid-root copy refused when a user runs it"
expect_in "$T/err" "set-user-ID or set-group-ID" "... with a clear line"
chmod 2755 "$T/suid-nsexec"
as_nobody "$T/suid-nsexec" -- /bin/true 2>"$T/err"
expect_rc 125 $? "N08 setgid copy refused"
rm -f "$T/suid-nsexec"

cp "$NSEXEC" "$T/plain-nsexec"
chmod 755 "$T/plain-nsexec"
as_nobody "$T/plain-nsexec" -t "$T/tmp" -n /bin -- /bin/true 2>"$T/err"
expect_rc 125 $? "N08 no capability: refused"
if [ "$(wc -l <"$T/err")" = 1 ] && grep -q "^nsexec: no CAP_SYS_ADMIN: the administrator must grant it: setcap cap_sys_admin,cap_setpcap+ep $T/plain-nsexec (file capabilities are ignored on nosuid mounts)\$" "$T/err"; then
	ok "N08 no capability: one line saying what the admin must do"
else
	not_ok "N08 no capability: one line saying what the admin must do"; sed 's/^/#   /' "$T/err"
fi
as_nobody "$T/plain-nsexec" -- /bin/sh -c "$STATUS_CMD" >"$T/st" 2>"$T/err"
expect_rc 0 $? "no capability and nothing to mount (-9p=false -namespace=\"\"): the command runs"
check "... with NoNewPrivs=1 and the seccomp policy" [ "$(status_field NoNewPrivs "$T/st")$(status_field Seccomp "$T/st")" = 12 ]
setcap cap_sys_admin+ep "$T/plain-nsexec"
as_nobody "$T/plain-nsexec" -t "$T/tmp" -- /bin/true 2>"$T/err"
expect_rc 125 $? "N08 CAP_SYS_ADMIN without CAP_SETPCAP: refused (the bounding set could not be emptied)"
expect_in "$T/err" "no CAP_SETPCAP to empty the bounding set" "... with a clear line"
setcap cap_sys_admin,cap_setpcap+p "$T/plain-nsexec"
as_nobody "$T/plain-nsexec" -t "$T/tmp" -n /bin -- /bin/true 2>"$T/err"
expect_rc 125 $? "N08 capabilities +p without +e: refused"
expect_in "$T/err" "no CAP_SYS_ADMIN" "... with the admin line"
rm -f "$T/plain-nsexec"

# --- N01: a setuid-root program gains nothing in a session
cp /usr/bin/id "$T/suid-id"
chmod 4755 "$T/suid-id"
as_nobody "$T/suid-id" -u >"$T/out"
if [ "$(cat "$T/out")" = 0 ]; then
	as_nobody "$CAPNS" -t "$T/tmp" -- "$T/suid-id" -u >"$T/out" 2>&1
	check "N01 setuid-root program in a user session: euid stays 65534" [ "$(cat "$T/out")" = $NOBODY ]
	printf '%s %s none bind 0 0\n' "$T" "$T/mnt" >"$T/fstab"
	as_nobody "$CAPNS" -t "$T/tmp" -f 3 -- /bin/sh -c "$T/mnt/suid-id -u; grep ' $T/mnt ' /proc/self/mountinfo" 3<"$T/fstab" >"$T/out" 2>&1
	expect_in "$T/out" "^$NOBODY\$" "N01 ... also through a bind the user asked for"
	expect_in "$T/out" " $T/mnt rw,nosuid,nodev" "N01 the user's bind is nosuid,nodev"
else
	ok "# SKIP N01: setuid bit not honoured on $T"
fi

# --- N06: from a child user namespace the session's mounts are locked
if [ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 0)" != 0 ]; then
	# -S none: the kernel alone must hold the line (the default policy
	# would stop the mount calls before they got there).
	as_nobody "$CAPNS" -t "$T/tmp" -S none -- /bin/sh -c "unshare -Urm /bin/sh -c '
		mount -o remount,bind,suid $T/tmp 2>/dev/null && echo REMOUNTED-SUID
		umount $T/tmp/cpu 2>/dev/null && echo UNMOUNTED
		echo done'" >"$T/out" 2>&1
	expect_in "$T/out" "^done\$" "N06 the user can make a child user+mount namespace"
	expect_not_in "$T/out" "REMOUNTED-SUID" "N06 ... but cannot remount a session mount suid"
	expect_not_in "$T/out" "UNMOUNTED" "N06 ... nor unmount one to reveal what is under it"
fi

# --- N05: descriptors
as_nobody "$CAPNS" -t "$T/tmp" -- /bin/sh -c 'ls /proc/$$/fd; :' <&- >"$T/out" 2>&-
check "N05 stdin/stderr closed at start: the command still has 0 1 2 only" [ "$(tr '\n' ' ' <"$T/out")" = "0 1 2 " ]
as_nobody "$CAPNS" -t "$T/tmp" -- /bin/sh -c 'readlink /proc/$$/fd/0 /proc/$$/fd/2; :' <&- 2>&- >"$T/out"
# (glibc itself puts /dev/full or /dev/null there for a secure-mode program)
check "N05 ... and they are /dev/null or /dev/full" [ -z "$(grep -v '^/dev/null$' "$T/out" | grep -v '^/dev/full$')" ]
# 200 inherited descriptors, one an O_PATH-like handle on /
cmd='i=3; while [ $i -lt 203 ]; do eval "exec $i</"; i=$((i+1)); done; exec "$@"'
as_nobody bash -c "$cmd" sh "$CAPNS" -t "$T/tmp" -- /bin/sh -c 'ls /proc/$$/fd; :' >"$T/out" 2>&1
check "N05 200 inherited descriptors: the command sees 0 1 2 only" [ "$(tr '\n' ' ' <"$T/out")" = "0 1 2 " ]

# --- S03/N02: tripwires in the environment of nsexec and of the command
CC=${CC:-cc}
cat >"$T/tripwire.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
__attribute__((constructor)) static void tripwire(void)
{
	char exe[256] = "?", line[256], *m = getenv("TRIPWIRE_MARKER");
	FILE *st = fopen("/proc/self/status", "r"), *out;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) exe[n] = '\0';
	out = fopen(m ? m : "TRIPWIRE_MARKER_DIR/marker", "a");
	if (out == NULL || st == NULL) return;
	fprintf(out, "exe=%s", exe);
	while (fgets(line, sizeof(line), st))
		if (!strncmp(line, "CapEff:", 7) || !strncmp(line, "NoNewPrivs:", 11))
			fprintf(out, " %.*s", (int)strcspn(line, "\n"), line);
	fprintf(out, "\n");
	fclose(out);
}
EOF
sed -i "s|TRIPWIRE_MARKER_DIR|$T|" "$T/tripwire.c"
if "$CC" -shared -fPIC -o "$T/tripwire.so" "$T/tripwire.c" 2>/dev/null; then
	chmod 755 "$T/tripwire.so"
	: >"$T/marker"; chmod 666 "$T/marker"
	mkdir -m 755 "$T/gconv"
	# The variables point at the tripwire; nsexec's own environment
	# and the command's (-e) carry them.
	vars="LD_PRELOAD=$T/tripwire.so LD_LIBRARY_PATH=$T LD_AUDIT=$T/tripwire.so GCONV_PATH=$T/gconv GLIBC_TUNABLES=glibc.malloc.check=3 MALLOC_CHECK_=3 LOCPATH=$T NLSPATH=$T/%N LANGUAGE=xx LC_ALL=xx_XX.UTF-8 TMPDIR=$T HOSTALIASES=$T/hosts RES_OPTIONS=debug TRIPWIRE_MARKER=$T/marker"
	printf '%s\0' $vars >"$T/env"
	as_nobody env $vars "$CAPNS" -t "$T/tmp" -e 3 -- /bin/true 3<"$T/env" 2>"$T/err"
	expect_rc 0 $? "S03 user session with tripwire variables runs"
	expect_not_in "$T/marker" "exe=.*nsexec" "S03 user: the tripwire never ran inside nsexec"
	expect_in "$T/marker" "exe=/usr/bin/true CapEff:	0000000000000000 NoNewPrivs:	1" "S03 user: the command did get the variables (CapEff=0, NoNewPrivs=1)"
	: >"$T/marker"
	"$NSEXEC" -t "$T/tmp" -e 3 -- /bin/true 3<"$T/env" 2>"$T/err"
	expect_not_in "$T/marker" "exe=.*nsexec" "S03 root: variables given with -e never reach nsexec"
	expect_in "$T/marker" "exe=/usr/bin/true" "S03 root: the command did get them"
else
	ok "# SKIP S03: no C compiler ($CC) to build the tripwire"
fi

check_no_new_mounts "end"
done_testing
