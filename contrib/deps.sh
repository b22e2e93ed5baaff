#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# deps.sh: install what building and testing cpu needs on Debian 12
# (idempotent: installs only what is missing).  Run as root.
set -eu
pkgs="build-essential autoconf automake pkg-config libseccomp-dev libcap-ng-dev
 openssh-server openssh-client user-mode-linux python3 tmux util-linux iproute2
 procps psmisc libcap2-bin kmod sshfs fuse3 pdsh clustershell bash-completion
 valgrind less vim-tiny groff-base man-db debhelper lintian dpkg-dev fakeroot musl-tools
 clang libclang-rt-dev"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# sshd refuses to start without its privilege separation directory.
mkdir -p /run/sshd
