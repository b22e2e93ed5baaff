#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Hostile setup records and frames at cpu-subsystem (security.md S01, S02,
# S09, S10): each gets one clear ERROR line and a non-zero exit, before
# anything is executed; nothing hangs.
. "$top_srcdir/t/lib/common.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"

poke() {
	timeout 60 python3 "$top_srcdir/t/muxpoke.py" "$SUBSYS" -e -- "$1" 2>"$T/err"
}
# expect SCENARIO PATTERN: the replies match PATTERN and the helper failed.
expect_error() {
	out=$(poke "$1")
	if printf '%s\n' "$out" | grep -q "^ERROR .*$2" &&
	   printf '%s\n' "$out" | grep -q '^RC 255$' &&
	   ! printf '%s\n' "$out" | grep -q '^EXIT'; then
		ok "$1: $2"
	else
		not_ok "$1: $2"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
}

expect_error size0 'bad frame'
expect_error size4g 'Message too long'
expect_error overcap 'Message too long'
expect_error argc-huge 'setup record rejected'
expect_error envc-huge 'setup record rejected'
expect_error truncated 'ended inside a frame'
expect_error nul-in-arg 'setup record rejected'
expect_error argv0-empty 'empty command name'
expect_error env-no-eq 'environment entry 1 is not NAME=value'
expect_error env-empty-name 'environment entry 0'
expect_error trailing 'setup record rejected'
expect_error bad-flags 'setup record rejected'
expect_error bad-magic 'bad HELLO'
expect_error version2 'unsupported protocol version'
expect_error no-hello 'expected HELLO'
expect_error data-before-setup 'expected SETUP'
expect_error unknown-type 'bad frame'
expect_error second-setup 'unexpected SETUP'
expect_error stdin-after-eof 'data after EOF'
expect_error overrun 'beyond its window'
expect_error bad-chan 'DATA on channel 9'

# E2BIG at execve is the command's failure, reported like a shell does.
out=$(poke e2big)
check "e2big: argument list too long, status 126" \
	sh -c 'printf "%s\n" "$1" | grep -q "Argument list too long" && printf "%s\n" "$1" | grep -q "^EXIT code 126"' _ "$out"
out=$(poke ok)
check "a well-formed session runs" \
	sh -c 'printf "%s\n" "$1" | grep -q "fine" && printf "%s\n" "$1" | grep -q "^EXIT code 0"' _ "$out"
t_done
