# SPDX-License-Identifier: BSD-3-Clause
# common.sh: sourced by the t/*.sh tests.
#   . "$top_srcdir/t/lib/common.sh"
# Provides a scratch dir ($T), TAP-style ok/not ok lines, and the paths of
# the built programs.  A test ends with `t_done`, which exits 1 if any
# check failed.  Exit 77 means skip (automake), always with a reason.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir

CPU=$top_builddir/src/cpu-client/cpu
SUBSYS=$top_builddir/src/cpu-subsystem/cpu-subsystem
NSEXEC=$top_builddir/src/nsexec/nsexec
UML_RUN=$top_srcdir/t/lib/uml-run

t_count=0
t_failed=0

# Scratch space under the build tree: hostfs-visible inside UML.  Never
# under /tmp, which every cpu session covers with its private tmpfs: a
# build tree there (a checkout in /tmp) gets its scratch in /var/tmp.
case "$top_builddir/" in
/tmp/*) T_BASE=/var/tmp/cpu-tests ;;
*) T_BASE=$top_builddir/t/tmp ;;
esac
mkdir -p "$T_BASE"
T=$(mktemp -d "$T_BASE/$(basename "$0" .sh).XXXXXX")
t_cleanup_hooks=""
t_cleanup() {
	for h in $t_cleanup_hooks; do "$h" || :; done
	[ -n "${T_KEEP:-}" ] || rm -rf "$T"
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM HUP
t_at_exit() { t_cleanup_hooks="$1 $t_cleanup_hooks"; }

ok() {
	t_count=$((t_count + 1))
	echo "ok $t_count - $*"
}
not_ok() {
	t_count=$((t_count + 1))
	t_failed=$((t_failed + 1))
	echo "not ok $t_count - $*"
}
# check DESCRIPTION COMMAND...: ok if COMMAND succeeds; returns its status.
check() {
	d=$1; shift
	if "$@"; then ok "$d"; else not_ok "$d"; return 1; fi
}
# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		printf '#   expected: %s\n#   got:      %s\n' "$2" "$3"
		return 1
	fi
}
skip_all() {
	echo "1..0 # SKIP $*"
	echo "SKIP: $*" >&2
	exit 77
}
t_done() {
	echo "1..$t_count"
	[ "$t_failed" -eq 0 ] || { echo "# $t_failed of $t_count failed"; exit 1; }
	exit 0
}
need_root() {
	[ "$(id -u)" = 0 ] || skip_all "needs root"
}
# Re-run this script on a kernel with 9p (UML here) unless we are on one.
need_9p_kernel() {
	if [ -z "${CPU_TEST_KERNEL:-}" ]; then
		rm -rf "$T"	# the guest run makes its own
		exec "$UML_RUN" "$0" "$@"
	fi
}
. "$top_srcdir/t/lib/wait.sh"	# wait_for TENTHS COMMAND...
