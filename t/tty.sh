#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Interactive sessions in a real terminal (issue 5): tmux drives cpu
# through the test sshd.  9P is off here (the same machine serves both
# sides); t/k-tty.sh repeats the prompt test with the client's files.
. "$top_srcdir/t/lib/common.sh"
. "$top_srcdir/t/lib/sshd.sh"
need_root
command -v tmux >/dev/null || skip_all "tmux not installed"
sshd_setup
sshd_start

TM="tmux -L cpu-test-$$ -f /dev/null"
tm_stop() { $TM kill-server 2>/dev/null; return 0; }
t_at_exit tm_stop
# A clean, predictable shell for both sides.
cat > "$T/profile" <<'P'
PS1='CPU-PROMPT> '
unset PROMPT_COMMAND
P
export HOME="$T" SHELL=/bin/bash ENV="$T/profile" TERM=xterm
cp "$T/profile" "$T/.profile"
cp "$T/profile" "$T/.bashrc"
CPUCMD="$CPU -F $SSH_CONFIG -9p=false -namespace="
# A session that outlives the test panes keeps the tmux server up (it
# starts here, after the environment above is set: panes inherit it).
$TM new-session -d -s keep "sleep 100000"

screen() { $TM capture-pane -p -t t; }
# wait_screen PATTERN [TENTHS]: until the pane shows PATTERN.
wait_screen() { wait_for "${2:-1800}" sh -c "$TM capture-pane -p -t t | grep -q -- \"\$1\"" _ "$1"; }
keys() { $TM send-keys -t t "$@"; }
# until_screen PATTERN KEYS...: type KEYS (and Enter) until the pane shows
# PATTERN, for state the remote learns asynchronously (a new window size).
until_screen() {
	_p=$1; shift; _n=0
	while [ $_n -lt 180 ]; do
		keys "$@" Enter
		wait_for 10 sh -c "$TM capture-pane -p -t t | grep -q -- \"\$1\"" _ "$_p" && return 0
		_n=$((_n + 1))
	done
	return 1
}
# A remote process by its exact command line (and run state: R, S, T).
running() { pgrep -x -f "$1" ${2:+-r "$2"} >/dev/null; }

# The pane runs a wrapper that records the terminal modes before and
# after cpu, and cpu's exit status.
cat > "$T/wrap.sh" <<W
#!/bin/sh
stty -g > "$T/before"
echo "\$TERM" > "$T/term"
$CPUCMD "\$@"
echo "rc=\$?" > "$T/rc"
stty -g > "$T/after"
echo WRAPPER-DONE
sleep 1000
W
chmod +x "$T/wrap.sh"
start_pane() {
	rm -f "$T/rc" "$T/before" "$T/after"
	$TM kill-session -t t 2>/dev/null
	$TM new-session -d -s t -x 100 -y 30 "$T/wrap.sh $*"
}

start_pane cputest
check "a remote login shell prompt appears" wait_screen 'CPU-PROMPT>' 300
keys 'stty size' Enter
check "stty size matches the pane (30 100)" wait_screen '^30 100'
$TM resize-window -t t -x 120 -y 40 2>/dev/null || $TM resize-pane -t t -x 120 -y 40
check "after a resize stty size follows (40 120)" until_screen '^40 120' 'clear; stty size'
keys 'echo "term=$TERM"' Enter
check "TERM reaches the remote" wait_screen "^term=$(cat "$T/term")\$"


keys 'sleep 1017' Enter
wait_for 1800 running 'sleep 1017'
keys C-c
keys 'echo after-ctrl-c' Enter
check "^C interrupts the remote foreground job" wait_screen '^after-ctrl-c'

keys 'sleep 1018' Enter
wait_for 1800 running 'sleep 1018'
keys C-z
check "^Z stops the remote job" wait_screen 'Stopped'
keys 'fg' Enter
wait_for 1800 running 'sleep 1018' S
keys C-c
keys 'echo after-fg' Enter
check "fg resumes it and ^C ends it" wait_screen '^after-fg'

seq 1 500 > "$T/long.txt"
keys "less $T/long.txt" Enter
check "less shows the first page" wait_screen '^1$'
keys Space
check "less pages forward" wait_screen '^4[0-9]$'
keys q
keys 'clear; echo after-less' Enter
check "less quits back to the prompt" wait_screen '^after-less'

# Each step waits for vi to show the state it left: its empty lines, the
# typed text (insert mode), the file written.
keys "clear; vi $T/vi.txt" Enter
wait_screen '^~' || { echo "# vi did not start:"; screen | sed 's/^/#   /'; }
keys i 'written in vi'
wait_screen '^written in vi' || { echo "# the typed text is not shown:"; screen | sed 's/^/#   /'; }
keys Escape ':wq' Enter
wait_for 1800 grep -qsx 'written in vi' "$T/vi.txt"
keys 'clear; cat '"$T/vi.txt" Enter
check "vi opens, edits and quits" wait_screen '^written in vi' ||
	{ screen | sed 's/^/#   /'; sed 's/^/# file: /' "$T/vi.txt"; }

keys 'exit 3' Enter
check "the shell's exit status is cpu's" wait_for 1800 grep -qsx 'rc=3' "$T/rc"
check "terminal modes after cpu equal those before" cmp -s "$T/before" "$T/after"

# Piped output is not mangled into CRLF, even with a terminal on stdin.
keys 'clear' Enter
$TM kill-session -t t
$TM new-session -d -s t -x 100 -y 30 "$CPUCMD cputest printf 'a\\nb\\n' > $T/piped; echo PIPED-DONE; sleep 100"
wait_screen PIPED-DONE
check "stdout to a file has no CR though stdin is a tty" sh -c "! grep -q \$(printf '\\r') '$T/piped' && test \$(wc -l < '$T/piped') = 2"

# ~. after a newline ends the session, and -e none disables it.
start_pane cputest
wait_screen 'CPU-PROMPT>'
keys Enter '~.'
check "~. ends the session (255)" wait_for 1800 grep -qsx 'rc=255' "$T/rc"
check "~.: terminal modes restored" cmp -s "$T/before" "$T/after"
start_pane -e none cputest
wait_screen 'CPU-PROMPT>'
keys Enter '~.' Enter
keys 'echo escape-was-data' Enter
check "-e none: ~. is just data" wait_screen '^escape-was-data'
keys 'exit' Enter

# Killing ssh restores the terminal and leaves no remote process.
start_pane cputest
wait_screen 'CPU-PROMPT>'
keys 'sleep 300; : cpu-tty-marker' Enter
wait_for 1800 pgrep -f cpu-tty-marker >/dev/null
pkill -f -- "-s -- cputest cpu"
check "killing ssh: cpu exits 255" wait_for 1800 grep -qsx 'rc=255' "$T/rc"
check "killing ssh: terminal modes restored" cmp -s "$T/before" "$T/after"
gone() { ! pgrep -f cpu-tty-marker >/dev/null; }
check "killing ssh: no remote process remains" wait_for 1800 gone

# SIGTERM to cpu with a pty: terminal restored, status 143.
start_pane cputest
wait_screen 'CPU-PROMPT>'
pkill -TERM -f "^$CPU -F $SSH_CONFIG"
check "SIGTERM to cpu: exit 143" wait_for 1800 grep -qsx 'rc=143' "$T/rc"
check "SIGTERM to cpu: terminal modes restored" cmp -s "$T/before" "$T/after"

# -T refuses a pty; -t forces one.
out=$($CPUCMD -T cputest tty </dev/null)
check_eq "-T: no remote tty" "not a tty" "$out"
out=$($CPUCMD -t cputest sh -c 'tty >/dev/null && echo has-tty' </dev/null | tr -d '\r')
check_eq "-t: a remote tty even without a local one" has-tty "$out"
t_done
