# SPDX-License-Identifier: BSD-3-Clause
# ns-lib.sh: helpers for the nsexec tests (sourced, not run).
#
# Output is TAP-like ("ok N - what"); the script's exit status is what
# automake reads: 0 all passed, 1 something failed, 77 skipped (with the
# reason printed).  Every test works in its own directory under /tmp
# (mode 0755 so uid 65534 can reach it; NS_TMPDIR overrides /tmp) and checks at the end that no
# mount it made is visible in the namespace it was started in.

set -u
: "${top_builddir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
NSEXEC=$top_builddir/src/nsexec/nsexec
SYSPROBE=$top_builddir/t/sysprobe
NOBODY=65534

tap_n=0
tap_failed=0

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $*"; }
# check DESCRIPTION COMMAND...: ok if the command succeeds.
check() { d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
skip_all() { echo "1..0 # SKIP $*"; exit 77; }
diag() { echo "# $*"; }
. "$top_srcdir/t/lib/wait.sh"	# wait_for TENTHS COMMAND...

need_root_ns() {
	[ "$(id -u)" = 0 ] || skip_all "needs root (setcap, setpriv, mounts)"
	unshare -m true 2>/dev/null || skip_all "unshare -m is not permitted here"
	[ -x "$NSEXEC" ] || skip_all "nsexec not built"
}

# A private work dir; a snapshot of the mount table to compare at the end.
T=$(mktemp -d "${NS_TMPDIR:-/tmp}/ns-test.XXXXXX")
chmod 755 "$T"
mounts_before=$T/.mounts-before
awk '{print $5}' /proc/self/mountinfo | sort >"$mounts_before"

cleanup() {
	# Nothing of ours may be mounted here; undo it if a bug left some.
	for m in $(awk -v t="$T" 'index($5, t) == 1 {print $5}' /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

# Mount points that appeared in this namespace since the start and are
# ours (under $T, or a path the tests mount over).
new_mounts() {
	awk '{print $5}' /proc/self/mountinfo | sort | comm -13 "$mounts_before" - |
	    grep -E "^($T|/tmp|/mnt|/opt|/srv|/etc|/usr|/bin|/lib|/home|/var/tmp)(/|\$)" || true
}
check_no_new_mounts() {
	leaked=$(new_mounts)
	if [ -z "$leaked" ]; then ok "$1: nothing left mounted here"
	else not_ok "$1: left mounted here: $leaked"; fi
}

# A copy of nsexec with the file capabilities of an installation, that
# only root and uid 65534 can run, removed with $T.
cap_nsexec() {
	mkdir -p "$T/cap"
	cp "$NSEXEC" "$T/cap/nsexec"
	chown root:$NOBODY "$T/cap/nsexec"
	chmod 750 "$T/cap/nsexec"
	setcap "${1:-cap_sys_admin,cap_setpcap+ep}" "$T/cap/nsexec" ||
	    skip_all "setcap failed (filesystem without xattrs?)"
	echo "$T/cap/nsexec"
}

# Run a command as uid/gid 65534 with no capabilities.
as_nobody() {
	setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups --inh-caps=-all "$@"
}

# The value of a field of /proc/self/status as printed into a file.
status_field() { awk -v f="$1:" '$1 == f {print $2}' "$2"; }

# grep -q with a readable failure: expect_in FILE PATTERN DESCRIPTION
expect_in() {
	if grep -q -- "$2" "$1"; then ok "$3"
	else not_ok "$3"; diag "expected /$2/ in:"; sed 's/^/#   /' "$1"; fi
}
expect_not_in() {
	if grep -q -- "$2" "$1"; then not_ok "$3"; diag "unexpected /$2/ in:"; sed 's/^/#   /' "$1"
	else ok "$3"; fi
}
# expect_rc WANT GOT DESCRIPTION
expect_rc() {
	if [ "$2" = "$1" ]; then ok "$3"
	else not_ok "$3 (exit $2, wanted $1)"; fi
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" = 0 ] || { echo "# $tap_failed failed"; exit 1; }
	exit 0
}
