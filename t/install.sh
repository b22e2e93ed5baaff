#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# install: `make install DESTDIR=...` puts exactly the expected files in
# the configured places (and nowhere else), grants no capability, writes
# an sshd drop-in that names the installed cpu-subsystem; `make
# install-caps` grants nsexec its file capabilities only when asked;
# `make uninstall` leaves no file behind.
. "$top_srcdir/t/lib/common.sh"

[ -f "$top_builddir/Makefile" ] || skip_all "the build tree is not configured"

# A make of our own: not the jobserver of a `make -j check` around us.
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL ${MAKE:-make} -s --no-print-directory \
	    -C "$top_builddir" "$@"
}

# The configured directories, as make expands them.
mk -f Makefile -f - print-cpu-dirs > "$T/dirs" 2> "$T/dirs.err" <<'EOF'
print-cpu-dirs:
	@echo "bindir=$(bindir)"
	@echo "pkglibexecdir=$(pkglibexecdir)"
	@echo "mandir=$(mandir)"
	@echo "docdir=$(docdir)"
	@echo "sshdconfdir=$(sshdconfdir)"
	@echo "bashcompletiondir=$(bashcompletiondir)"
EOF
if ! grep -q '^bindir=/' "$T/dirs"; then
	not_ok "make prints the install directories"
	sed 's/^/# /' "$T/dirs.err"
	t_done
fi
. "$T/dirs"

D=$T/root
if mk install DESTDIR="$D" > "$T/install.log" 2>&1; then
	ok "make install DESTDIR=..."
else
	not_ok "make install DESTDIR=..."
	sed 's/^/# /' "$T/install.log" | tail -n 30
	t_done
fi

# Every expected file, with its mode.
expect() {	# expect MODE PATH
	if [ -f "$D$2" ]; then
		m=$(stat -c %a "$D$2")
		check_eq "$2 installed with mode $1" "$1" "$m"
	else
		not_ok "$2 installed"
	fi
	echo "$D$2" >> "$T/expected"
}
: > "$T/expected"
expect 755 "$bindir/cpu"
expect 755 "$pkglibexecdir/cpu-subsystem"
expect 755 "$pkglibexecdir/nsexec"
expect 644 "$mandir/man1/cpu.1"
expect 644 "$mandir/man8/cpu-subsystem.8"
expect 644 "$mandir/man8/nsexec.8"
[ -z "$sshdconfdir" ] || expect 644 "$sshdconfdir/cpu.conf"
[ -z "$bashcompletiondir" ] || expect 644 "$bashcompletiondir/cpu"

# Nothing else (documentation under docdir aside), and only under DESTDIR.
find "$D" -type f -o -type l | sort > "$T/found"
sort "$T/expected" > "$T/expected.s"
extra=$(comm -13 "$T/expected.s" "$T/found" | grep -v "^$D$docdir/" | tr '\n' ' ')
check_eq "no unexpected file installed" "" "$extra"

# Never set-id, never a capability by default.
setid=$(find "$D" -type f -perm /6000 | tr '\n' ' ')
check_eq "nothing installed set-user-ID or set-group-ID" "" "$setid"
if command -v getcap > /dev/null 2>&1; then
	caps=$(getcap "$D$pkglibexecdir/nsexec" 2>/dev/null)
	check_eq "make install grants nsexec no capability" "" "$caps"
fi

# The drop-in names the installed subsystem, and sshd accepts it.
if [ -n "$sshdconfdir" ]; then
	conf=$D$sshdconfdir/cpu.conf
	line=$(grep -v '^#' "$conf" | grep .)
	check_eq "cpu.conf enables the installed cpu-subsystem" \
	    "Subsystem cpu $pkglibexecdir/cpu-subsystem" "$line"
	sshd=$(command -v sshd || echo /usr/sbin/sshd)
	if [ -x "$sshd" ] && ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey" 2>/dev/null; then
		printf 'Include %s\nHostKey %s\nPidFile none\n' "$conf" "$T/hostkey" > "$T/sshd_config"
		out=$("$sshd" -T -f "$T/sshd_config" -C user=nobody,host=x,addr=127.0.0.1 2>&1 |
		    grep -i '^subsystem cpu')
		check_eq "sshd -T reads the drop-in" \
		    "subsystem cpu $pkglibexecdir/cpu-subsystem" "$out"
	fi
fi

# The completion file is valid bash and registers itself for cpu.
if [ -n "$bashcompletiondir" ] && command -v bash > /dev/null 2>&1; then
	got=$(bash -c ". '$D$bashcompletiondir/cpu' && complete -p cpu" 2>&1)
	check_eq "the completion registers _cpu" "complete -F _cpu cpu" "$got"
fi

# make install-caps: an explicit step, needs root and setcap.
nsx=$D$pkglibexecdir/nsexec
if [ "$(id -u)" = 0 ] && command -v setcap > /dev/null 2>&1 &&
    setcap cap_sys_admin+ep "$nsx" 2>/dev/null && setcap -r "$nsx"; then
	if mk install-caps DESTDIR="$D" > "$T/caps.log" 2>&1; then
		ok "make install-caps"
		check "install-caps says what it grants" grep -q 'CAP_SYS_ADMIN' "$T/caps.log"
		c=$(getcap "$nsx" | sed 's/.* //;s/ //g')
		case $c in
		*cap_setpcap,cap_sys_admin[=+]ep|*cap_sys_admin,cap_setpcap[=+]ep)
			ok "nsexec holds cap_sys_admin,cap_setpcap+ep" ;;
		*)	not_ok "nsexec holds cap_sys_admin,cap_setpcap+ep"
			echo "# getcap: $c" ;;
		esac
		mk uninstall-caps DESTDIR="$D" > /dev/null 2>&1
		check_eq "make uninstall-caps removes them" "" "$(getcap "$nsx")"
	else
		not_ok "make install-caps"
		sed 's/^/# /' "$T/caps.log"
	fi
else
	echo "# install-caps not tried: needs root, setcap and a file system with xattrs"
fi

# make uninstall: no file left.
if mk uninstall DESTDIR="$D" > "$T/uninstall.log" 2>&1; then
	ok "make uninstall DESTDIR=..."
else
	not_ok "make uninstall DESTDIR=..."
	sed 's/^/# /' "$T/uninstall.log" | tail -n 30
fi
left=$(find "$D" -type f -o -type l | tr '\n' ' ')
check_eq "make uninstall leaves no file" "" "$left"
t_done
