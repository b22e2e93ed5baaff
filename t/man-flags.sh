#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# man-flags: cpu(1) documents exactly the flags that `cpu -h` lists.
#
# From `cpu -h`: every -flag word of the usage text, except the ssh
# options it quotes in passing (`ssh -s host cpu`, "(ssh -i)").
# From cpu(1): the tags of the .TP entries in OPTIONS, one entry a flag.
# Also: the man pages format without groff warnings.
# Skips (77) when the cpu client is not built.  CPU_BIN overrides the
# binary (e.g. a stub that prints the same usage).
. "$top_srcdir/t/lib/common.sh"

cpu=${CPU_BIN:-$CPU}
[ -x "$cpu" ] || skip_all "the cpu client is not built ($cpu)"
page=$top_srcdir/doc/cpu.1
[ -r "$page" ] || { not_ok "doc/cpu.1 exists"; t_done; }

if ! "$cpu" -h > "$T/usage" 2>&1; then
	not_ok "cpu -h exits 0"
fi
check "cpu -h prints a usage" grep -q '^usage: cpu' "$T/usage"

# Flags of the usage text: dash words not inside another word, once the
# ssh options quoted in passing ("ssh -s", "ssh -i") are taken out.
perl -ne '
	s/\bssh -[A-Za-z0-9]+//g;
	while (/(?<![A-Za-z0-9-])-([A-Za-z0-9]+)/g) { print "$1\n" }' "$T/usage" |
	sort -u > "$T/from-usage"

# Flags of the man page: .TP tags inside the OPTIONS section.
awk '
	/^\.SH / { inopt = ($2 == "OPTIONS") ; next }
	!inopt { next }
	tag { print; tag = 0; next }
	/^\.TP/ { tag = 1 }' "$page" |
	perl -ne 'while (/(?<![A-Za-z0-9])\\-([A-Za-z0-9]+)/g) { print "$1\n" }' |
	sort -u > "$T/from-man"

check "cpu -h lists flags" test -s "$T/from-usage"
check "cpu(1) lists flags" test -s "$T/from-man"

missing=$(comm -23 "$T/from-usage" "$T/from-man" | tr '\n' ' ')
check_eq "every flag of cpu -h is in cpu(1)" "" "$missing"
extra=$(comm -13 "$T/from-usage" "$T/from-man" | tr '\n' ' ')
check_eq "every flag of cpu(1) is in cpu -h" "" "$extra"

# The article's -9p=false conflict message is quoted verbatim in cpu(1).
msg='error: 9p is false but the namespace is non-empty; to force an empty namespace use -namespace=""'
got=$("$cpu" -9p=false somehost true 2>&1)
check_eq "cpu -9p=false with the default namespace prints the article's error" "$msg" "$got"
check "cpu(1) quotes that error" sh -c "sed 's/\\\\-/-/g' '$page' | grep -qF '$msg'"

# The pages format cleanly.
if command -v groff > /dev/null 2>&1; then
	for p in cpu.1 cpu-subsystem.8 nsexec.8; do
		w=$(groff -wall -z -man "$top_srcdir/doc/$p" 2>&1)
		check_eq "groff -wall is silent on doc/$p" "" "$w"
	done
fi
t_done
