#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The article's first example, `cpu host` then `ls ~`: an interactive
# shell with the client's files (kernel 9p: user-mode-linux here).
. "$top_srcdir/t/lib/common.sh"
need_root
need_9p_kernel "$@"
command -v tmux >/dev/null || skip_all "tmux not installed"
. "$top_srcdir/t/lib/sshd.sh"
sshd_setup
sshd_start
mkdir -p "$T/home/me"
echo 'PS1="K-PROMPT> "' > "$T/home/me/.profile"
echo "a file in the client's home" > "$T/home/me/client-file.txt"
export HOME="$T/home/me" SHELL=/bin/bash TERM=xterm
TM="tmux -L cpu-ktest-$$ -f /dev/null"
tm_stop() { $TM kill-server 2>/dev/null; return 0; }
t_at_exit tm_stop
$TM new-session -d -s keep "sleep 100000"
$TM new-session -d -s t -x 100 -y 30 "$CPU -F $SSH_CONFIG cputest; echo rc=\$? > $T/rc; sleep 1000"
wait_screen() { wait_for "${2:-1800}" sh -c "$TM capture-pane -p -t t | grep -q -- \"\$1\"" _ "$1"; }
check "cpu host: a shell prompt from the client's profile" wait_screen 'K-PROMPT>' 300
$TM send-keys -t t 'ls ~; cat /proc/mounts | grep -c " 9p "' Enter
check "ls ~ lists the client's home" wait_screen 'client-file.txt'
$TM send-keys -t t 'readlink /proc/$$/exe; mount | grep -q " /tmp/cpu type 9p" && echo ON-9P' Enter
check "the shell runs with /tmp/cpu mounted" wait_screen '^ON-9P'
$TM send-keys -t t 'exit 5' Enter
check "exit status of the shell is cpu's" wait_for 1800 grep -qsx 'rc=5' "$T/rc"
t_done
