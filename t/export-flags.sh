#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# export-flags: the client's export policy without a kernel (issue 14):
# -export/-ro/-rw/-deny/-allow and ~/.config/cpu/export as `cpu -d`
# lists them, what the setup record carries to the remote kernel, and a
# one-line error with exit 2 for every bad value.  The remote side is
# t/fakesub.py through `cpu -D`.
. "$top_srcdir/t/lib/common.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
H=$T/h
mkdir -p "$H/.ssh" "$H/.config/cpu" "$T/work" "$T/extra/sub"
: > "$H/.ssh/id_ed25519"
: > "$H/mykey"
export HOME="$H"
unset XDG_CONFIG_HOME
cd "$T/work"
cpud() {	# cpud ARGS...: -d output in $T/err, exit status in $rc
	FAKESUB_SETUP=$T/setup timeout 30 "$CPU" -d \
	    -D "python3 $top_srcdir/t/fakesub.py exit0" "$@" h true \
	    </dev/null >"$T/out" 2>"$T/err"
	rc=$?
}
has() { grep -qxF -- "cpu: export: $1" "$T/err"; }
hasnt() { ! grep -qxF -- "cpu: export: $1" "$T/err"; }

# The defaults.
cpud
check_eq "a session with the defaults runs" 0 "$rc"
for d in /lib /usr /bin /etc; do
	check "-d: $d read-only" has "ro $d"
done
check "-d: /home writable" has "rw /home"
check "-d: HOME outside /home is served, writable" has "rw $H"
check "-d: the cwd is served, writable" has "rw $T/work"
check "-d: ~/.ssh hidden" has "hidden $H/.ssh"
check "-d: ~/.config/gcloud hidden" has "hidden $H/.config/gcloud"
check "-d: /etc/shadow hidden" has "hidden /etc/shadow"
check "-d: the host keys hidden" has "hidden /etc/ssh/ssh_host_*_key"
check "-d: nothing else is a tree (no /)" hasnt "rw /"
n=$(grep -c '^cpu: export: hidden ' "$T/err")
check_eq "-d: 18 built-in hidden entries" 18 "$n"
check "setup: SETUP_EXPORT (0x10) set" grep -q '^flags 0x1[0-9a-f]$' "$T/setup"
check "setup: /usr in the read-only list" grep -Eq '^ro (.*:)?/usr(:|$)' "$T/setup"
check "setup: the cwd in the writable list" grep -Eq "^rw (.*:)?$T/work(:|\$)" "$T/setup"
check "setup: the body is consumed exactly" grep -qx 'rest 0' "$T/setup"

# -export, -ro, -rw.
cpud -export "$T/extra" -rw /usr/local -ro "$T/work"
check "-export adds a writable tree" has "rw $T/extra"
check "-rw /usr/local: a writable tree inside /usr" has "rw /usr/local"
check "-ro names the cwd: read-only" has "ro $T/work"
check "setup: /usr/local writable" grep -Eq '^rw (.*:)?/usr/local(:|$)' "$T/setup"
cpud -ro /
check "-ro /: the home read-only" has "ro $H"
check "-ro /: the cwd read-only" has "ro $T/work"
check "-ro /: nothing writable" sh -c "! grep -q '^cpu: export: rw ' '$T/err'"
check "setup: -ro / sends an empty writable list" grep -qx 'rw ' "$T/setup"
cpud -export /
check "-export /: the whole disk, writable" has "rw /"
check "-export /: /etc still read-only" has "ro /etc"
cpud -namespace=
check '-namespace="": all of / exported' has "rw /"
check '-namespace="": /usr still read-only' has "ro /usr"
check '-namespace="": ~/.ssh still hidden' has "hidden $H/.ssh"
cd /usr/share
cpud
check "the cwd inside /usr stays writable" has "rw /usr/share"
cpud -ro /usr
check "... unless -ro names it" has "ro /usr/share"
cd "$T/work"
mkdir -p "$T/root/usr" "$T/root/etc"
cpud -root "$T/root" -namespace=/usr:/etc
check "-root: the root is a tree" has "rw /"
check "-root: its /usr read-only" has "ro /usr"
check "-root: /etc/shadow taken inside it (-d shows paths in the export)" has "hidden /etc/shadow"

# Hidden: -deny, -allow, -key, the user's file.
cpud -allow ~/.ssh -deny '*.pem' -deny "$H/notes" -key "$H/mykey"
check_eq "-allow/-deny/-key: the session runs" 0 "$rc"
check "-allow ~/.ssh drops it" hasnt "hidden $H/.ssh"
check "-deny of a bare name: every directory" has "hidden *.pem (in every directory)"
check "-deny of a path" has "hidden $H/notes"
check "-key's file is hidden" has "hidden $H/mykey"
cpud -i mykey-rel
check "-i with a relative file: hidden from the cwd" has "hidden $T/work/mykey-rel"
cpud
check "the next session hides ~/.ssh again" has "hidden $H/.ssh"
printf '# comment\n\n  ~/private  \n!~/.mozilla\n*.kdbx\n' > "$H/.config/cpu/export"
cpud
check "~/.config/cpu/export: a path line" has "hidden $H/private"
check "~/.config/cpu/export: a bare name line" has "hidden *.kdbx (in every directory)"
check "~/.config/cpu/export: a ! line drops a built-in entry" hasnt "hidden $H/.mozilla"
mkdir -p "$T/xdg/cpu"
echo /srv/xdg-only > "$T/xdg/cpu/export"
XDG_CONFIG_HOME=$T/xdg cpud
check "\$XDG_CONFIG_HOME/cpu/export is read instead" has "hidden /srv/xdg-only"
rm -f "$H/.config/cpu/export"
cpud -9p=false -namespace=
check "-9p=false: no export, nothing listed" sh -c "! grep -q '^cpu: export:' '$T/err'"

# Bad values: one line, exit 2, no session.
bad() {	# bad WHAT PATTERN ARGS...
	what=$1 pat=$2; shift 2
	cpud "$@"
	lines=$(grep -cv '^cpu: export:' "$T/err")
	if [ "$rc" = 2 ] && [ "$lines" = 1 ] && grep -q -- "$pat" "$T/err"; then
		ok "$what: exit 2, one line"
	else
		not_ok "$what: exit 2, one line \"$pat\" (got $rc, $lines lines)"
		sed 's/^/#   /' "$T/err" | head -n 5
	fi
}
bad "-export relative" 'not an absolute or ~ path' -export rel/dir
bad "-export empty" 'empty path' -export ''
bad "-ro with an empty element" 'empty path' -ro /usr::/etc
bad "-export with .." "'.' and '..' are not allowed" -export /usr/../etc
bad "-export missing" 'No such file or directory' -export /cpu-no-such-dir
bad "-ro missing" 'No such file or directory' -ro /usr/cpu-no-such-dir
bad "-rw outside the export" 'not in the export' -rw /var/tmp
bad "-deny empty" 'empty path' -deny ''
bad "-deny relative with a slash" 'not an absolute or ~ path' -deny a/b
bad "-deny /" 'cannot hide the whole export' -deny /
bad "-allow of no entry" 'no hidden entry is' -allow ~/.nothing
bad "-allow ~user" '~user is not supported' -allow '~root/.ssh'
"$CPU" -export >"$T/out" 2>"$T/err"
check_eq "-export with no value: exit 2" 2 "$?"
check "-export with no value: one line" sh -c "[ \$(wc -l < '$T/err') = 1 ] && grep -q 'flag needs an argument' '$T/err'"
printf '~/ok\n/a/../b\n' > "$H/.config/cpu/export"
bad "a bad line in ~/.config/cpu/export" 'export line 2' 
rm -f "$H/.config/cpu/export"
mkdir "$H/.config/cpu/export"
bad "an unreadable ~/.config/cpu/export" 'Is a directory'
rmdir "$H/.config/cpu/export"
check "nothing was created in the home" sh -c "[ \$(find '$H' | wc -l) = 6 ]"
t_done
