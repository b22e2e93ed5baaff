#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# demo.sh: build cpu and run a demo session into a throwaway local sshd.
# This machine's kernel may lack 9p; then the demo runs inside
# user-mode-linux (t/lib/uml-run), with this machine's / as its root.
set -eu
cd "$(dirname "$0")/.."
top=$PWD
[ -x configure ] || autoreconf -fi >/dev/null 2>&1
mkdir -p build/main
( cd build/main && { [ -f Makefile ] || "$top/configure" -q; } && make -j2 >/dev/null )
top_srcdir=$top top_builddir=$top/build/main
export top_srcdir top_builddir
exec "$top/t/lib/uml-run" "$top/contrib/demo-session.sh"
