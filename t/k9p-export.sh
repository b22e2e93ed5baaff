#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# k9p-export: the export policy (issue 14) under the Linux kernel's own 9p
# client.  A scratch tree laid out like a machine (home/u writable with
# .ssh and a secret hidden, usr read-only, var and home/other outside) is
# served through t/p9run -E and mounted with cache=none and cache=loose;
# ls, cat, touch, mkdir, mv, ln and cd through the mount see only the
# trees, get "Read-only file system" in usr and "Permission denied" onto
# a hidden name, and nothing on the server side changes.  t/unit-p9export
# tries the same routes with raw 9P; this checks what a remote user sees.
#
# Needs root and a kernel with 9p: re-runs itself under t/lib/uml-run
# (user-mode-linux) when this kernel has none.
. "${top_srcdir:-$(dirname "$0")/..}/t/lib/common.sh"
need_root
need_9p_kernel "$@"

P9RUN=$top_builddir/t/p9run
[ -x "$P9RUN" ] || skip_all "t/p9run is not built"
SECRET=CANARY-k9p-export-5e2d

E=$T/root
mkdir -p "$E/home/u/.ssh" "$E/home/u/sub" "$E/home/other" "$E/usr/bin" \
    "$E/var"
printf '%s key\n' "$SECRET" > "$E/home/u/.ssh/id_ed25519"
printf '%s file\n' "$SECRET" > "$E/home/u/secret.txt"
printf '%s other\n' "$SECRET" > "$E/home/other/x"
printf '%s var\n' "$SECRET" > "$E/var/secret"
echo notes > "$E/home/u/notes"
echo '#!/bin/sh' > "$E/usr/bin/tool"
ln "$E/home/u/.ssh/id_ed25519" "$E/home/u/key-link"

tree_state() {
	# home/u itself is left out: the writes checked below change its
	# mtime.
	(cd "$E" && find . ! -path './home/u/scratch*' ! -path ./home/u -printf \
	    '%p %i %m %s %n %T@ %C@ %l\n' | LC_ALL=C sort &&
	    find . -type f ! -path './home/u/scratch*' -exec sha256sum {} + |
	    LC_ALL=C sort) | sha256sum
}

mounts=""
umount_all() { for m in $mounts; do umount "$m" 2>/dev/null; done; }
t_at_exit umount_all

# err CMD...: the error text of a command that must fail ("" if it worked).
err() {
	if out=$("$@" 2>&1); then echo "SUCCEEDED"; else
		printf '%s\n' "$out" | head -1; fi
}

export_run() {
	mode=$1
	M=$T/m.$mode
	mkdir -p "$M"
	if ! "$P9RUN" -s -E rw:home/u -E ro:usr -E hide:home/u/.ssh \
	    -E hide:home/u/secret.txt -E hide:home/u/.aws -r "$E" -- \
	    mount -t 9p -o "trans=fd,rfdno=3,wfdno=3,version=9p2000.L,cache=$mode" \
	    cpu "$M" 2>"$T/mount.err"; then
		not_ok "[$mode] mount"
		sed 's/^/# /' "$T/mount.err"
		return
	fi
	mounts="$M $mounts"
	before=$(tree_state)

	check_eq "[$mode] the root lists only the way to the trees" \
	    "home usr" "$(ls "$M" | tr '\n' ' ' | sed 's/ $//')"
	check_eq "[$mode] home lists only u" "u" "$(ls "$M/home")"
	check_eq "[$mode] ls ~ works, without .ssh, the secret or the hard link" \
	    ". .. notes sub " "$(ls -a "$M/home/u" | tr '\n' ' ')"
	check "[$mode] cat ~/notes works" test "$(cat "$M/home/u/notes")" = notes
	case $(err cat "$M/home/u/.ssh/id_ed25519") in
	*"No such file"*) ok "[$mode] cat ~/.ssh/id_ed25519: No such file" ;;
	*) not_ok "[$mode] cat ~/.ssh/id_ed25519: $(err cat "$M/home/u/.ssh/id_ed25519")" ;;
	esac
	case $(err cat "$M/home/u/key-link") in
	*"No such file"*) ok "[$mode] cat of a hard link to the key: No such file" ;;
	*) not_ok "[$mode] cat of a hard link to the key" ;;
	esac
	case $(err cat "$M/home/u/sub/../secret.txt") in
	*"No such file"*) ok "[$mode] cat sub/../secret.txt: No such file" ;;
	*) not_ok "[$mode] cat sub/../secret.txt" ;;
	esac
	case $(err mkdir "$M/home/u/.ssh") in
	*"Permission denied"*) ok "[$mode] mkdir ~/.ssh: Permission denied" ;;
	*) not_ok "[$mode] mkdir ~/.ssh: $(err mkdir "$M/home/u/.ssh")" ;;
	esac
	case $(err mkdir "$M/home/u/.aws") in
	*"Permission denied"*) ok "[$mode] mkdir ~/.aws (a hidden name): Permission denied" ;;
	*) not_ok "[$mode] mkdir ~/.aws" ;;
	esac
	case $(err mv "$M/home/u/notes" "$M/home/u/secret.txt") in
	*"Permission denied"*) ok "[$mode] mv notes over the hidden file: Permission denied" ;;
	*) not_ok "[$mode] mv notes over the hidden file: $(err true)" ;;
	esac
	ln -s .ssh/id_ed25519 "$M/home/u/scratch-ln" 2>/dev/null
	case $(err cat "$M/home/u/scratch-ln") in
	*"No such file"*) ok "[$mode] a symlink the remote makes to the key: No such file" ;;
	*) not_ok "[$mode] a symlink to the key" ;;
	esac
	rm -f "$M/home/u/scratch-ln"
	case $(err touch "$M/usr/bin/x") in
	*"Read-only file system"*) ok "[$mode] touch /usr/bin/x: Read-only file system" ;;
	*) not_ok "[$mode] touch /usr/bin/x: $(err touch "$M/usr/bin/x")" ;;
	esac
	case $(err sh -c "echo x >> '$M/usr/bin/tool'") in
	*"Read-only file system"*) ok "[$mode] append to usr/bin/tool: Read-only file system" ;;
	*) not_ok "[$mode] append to usr/bin/tool" ;;
	esac
	case $(err rm "$M/usr/bin/tool") in
	*"Read-only file system"*) ok "[$mode] rm usr/bin/tool: Read-only file system" ;;
	*) not_ok "[$mode] rm usr/bin/tool" ;;
	esac
	case $(err chmod 4755 "$M/usr/bin/tool") in
	*"Read-only file system"*) ok "[$mode] chmod usr/bin/tool: Read-only file system" ;;
	*) not_ok "[$mode] chmod usr/bin/tool" ;;
	esac
	case $(err mv "$M/home/u/notes" "$M/usr/bin/notes") in
	*"Read-only file system"*) ok "[$mode] mv ~/notes into usr: Read-only file system" ;;
	*) not_ok "[$mode] mv ~/notes into usr: $(err true)" ;;
	esac
	case $(err mkdir "$M/newtop") in
	*"Read-only file system"*) ok "[$mode] mkdir at the root (an ancestor): Read-only file system" ;;
	*) not_ok "[$mode] mkdir at the root" ;;
	esac
	case $(err ls "$M/var") in
	*"No such file"*) ok "[$mode] ls var (outside): No such file" ;;
	*) not_ok "[$mode] ls var" ;;
	esac
	case $(err cat "$M/home/u/sub/../../other/x") in
	*"No such file"*) ok "[$mode] cat ~/sub/../../other/x: No such file" ;;
	*) not_ok "[$mode] cat ~/sub/../../other/x" ;;
	esac
	check "[$mode] the writable tree takes a file" sh -c \
	    "echo hi > '$M/home/u/scratch' && test \"\$(cat '$M/home/u/scratch')\" = hi && rm '$M/home/u/scratch'"
	check "[$mode] no secret anywhere under the mount" sh -c \
	    "! grep -rqs '$SECRET' '$M'"
	umount "$M"
	mounts=""
	check_eq "[$mode] nothing on the server side changed" "$before" \
	    "$(tree_state)"
}

export_run none
export_run loose
t_done
