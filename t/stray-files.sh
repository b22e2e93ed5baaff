#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# stray-files.sh: every file git tracks at the top of the tree is one that
# the build (Makefile.am, configure.ac) or the README names, so a file
# committed by accident (an empty `cat` once was) fails here; and every
# tracked source file names its license (SPDX-License-Identifier, COPYING).
. "$top_srcdir/t/lib/common.sh"

command -v git >/dev/null 2>&1 || skip_all "git is not installed"
git -C "$top_srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
	skip_all "not a git checkout (a dist tarball has only what Makefile.am ships)"

named() {	# named FILE: FILE appears as a word in the build or the README
	case $1 in
	.gitignore) return 0 ;;		# git's own
	esac
	grep -qw -F -- "$1" "$top_srcdir/Makefile.am" "$top_srcdir/configure.ac" \
	    "$top_srcdir/README.md"
}

stray=""
for f in $(git -C "$top_srcdir" ls-files | grep -v /); do
	named "$f" || stray="$stray $f"
done
check_eq "every tracked top-level file is named by the build or README" "" "$stray"

unlicensed=""
for f in $(git -C "$top_srcdir" ls-files -- '*.c' '*.h' '*.sh' '*.py' '*.inc' \
    Makefile.am configure.ac 't/lib/*' 'bench/*' 'contrib/*' debian/rules); do
	case $f in *.md|*/README*|t/corpus/*) continue ;; esac
	[ -f "$top_srcdir/$f" ] || continue
	head -n 3 "$top_srcdir/$f" | grep -q 'SPDX-License-Identifier: BSD-3-Clause' ||
		unlicensed="$unlicensed $f"
done
check_eq "every tracked source file carries SPDX-License-Identifier: BSD-3-Clause" "" "$unlicensed"
t_done
