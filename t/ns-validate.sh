#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# ns-validate: nsexec run directly by a local user (uid 65534, with the
# installed file capabilities) or by root, with hostile arguments: each
# is refused with exit 125 and one clear line before anything is mounted
# (security.md S04 spec syntax, S06 fstab policy, S07 option injection,
# N11 input sizes; issue 4 item 9).
. "${top_srcdir:-$(dirname "$0")/..}/t/ns-lib.sh"
need_root_ns
CAPNS=$(cap_nsexec)
mkdir "$T/tmp"

# refused WHO EXPECTED-TEXT NSEXEC-ARGS...   (stdin is the -f/-e input on fd 3)
refused() {
	who=$1 want=$2; shift 2
	if [ "$who" = user ]; then
		as_nobody "$CAPNS" "$@" 3<"$T/in" >"$T/out" 2>"$T/err"
	else
		"$NSEXEC" "$@" 3<"$T/in" >"$T/out" 2>"$T/err"
	fi
	rc=$?
	if [ $rc = 125 ] && grep -qF -- "$want" "$T/err" && [ ! -s "$T/out" ]; then
		ok "$who refused: $want"
	else
		not_ok "$who refused: $want (exit $rc)"; sed 's/^/#   /' "$T/err" | head -5
	fi
}
: >"$T/in"

# S04: namespace spec syntax and targets
refused user "'..' path component" -n /tmp/cpu/../../etc -- /bin/true
refused user "not an absolute path" -n bin -- /bin/true
refused user "empty entry" -n /a::/b -- /bin/true
refused user "empty entry" -n : -- /bin/true
refused user "empty side of '='" -n /bin= -- /bin/true
refused user "empty side of '='" -n =/bin -- /bin/true
refused user "empty path component" -n //etc -- /bin/true
refused user "trailing '/'" -n /etc/ -- /bin/true
refused user "'.' path component" -n /a/./b -- /bin/true
refused user "control character in path" -n "$(printf '/a\nb')" -- /bin/true
refused user "target /proc: mounting over it is refused" -n /proc -- /bin/true
refused user "target /: mounting over it is refused" -n /=/x -- /bin/true
refused user "target /sys/kernel: mounting beneath" -n /sys/kernel -- /bin/true
refused user "target /dev/shm: mounting beneath" -n /dev/shm -- /bin/true
refused user "target /tmp/cpu: it is inside the session's 9P mount" -n /tmp/cpu=/x -- /bin/true
refused user "it is the session's tmp mount point" -t "$T/tmp" -n "$T/tmp=/x" -- /bin/true
refused root "target /proc: mounting over it is refused" -n /proc -- /bin/true
big=$(awk 'BEGIN { for (i = 0; i < 10000; i++) printf "/a:"; printf "/a" }')
refused user "namespace spec has 10001 entries (limit 256)" -n "$big" -- /bin/true
big=$(awk 'BEGIN { printf "/"; for (i = 0; i < 70000; i++) printf "a" }')
refused user "namespace spec too long" -n "$big" -- /bin/true
refused user "writable (-w) list too long" -w "$big" -- /bin/true
big=$(awk 'BEGIN { for (i = 0; i < 300; i++) printf "/a:"; printf "/a" }')
refused user "read-only (-r) list has 301 entries (limit 256)" -r "$big" -- /bin/true
refused user "read-only (-r) entry 2 /a/..: '..' path component" -r /a:/a/.. -- /bin/true
refused user "-n given twice" -n /bin -n /usr -- /bin/true

# S07: nothing that reaches a mount option can add a key
refused user "user name 'u,access=any,dfltuid=0' is not a plain token" -u u,access=any,dfltuid=0 -- /bin/true
refused root "is not a plain token" -u "a b" -- /bin/true
refused user "-m: msize must be a number in 4096..1048576" -m 8192,trans=tcp -- /bin/true
refused user "-m: msize must be" -m 100 -- /bin/true
refused user "-m: msize must be" -m 2097152 -- /bin/true

# the tmp mount point
refused user "-t /: mounting over it is refused" -t / -- /bin/true
refused user "-t /proc: mounting over it is refused" -t /proc -- /bin/true
refused user "-t tmp: not an absolute path" -t tmp -- /bin/true
refused user "'..' path component" -t /tmp/../etc -- /bin/true

# descriptors and usage
refused user "-9: '0' is not a descriptor >= 3" -9 0 -- /bin/true
refused user "-9: '2' is not a descriptor >= 3" -9 2 -- /bin/true
refused user "-9: descriptor 99 is not open" -9 99 -- /bin/true
refused user "the same descriptor is given for two options" -9 3 -e 3 -- /bin/true
refused user "-S: policy must be 'none' or 'default'" -S lax -- /bin/true
refused user "unknown option" -X -- /bin/true
refused user "no command given" -t /tmp
refused user "the command name is empty" -- ""

# S06: fstab lines a non-root login may not mount, refused before any mount
fstab_refused() {
	printf '%s\n' "$1" >"$T/in"
	refused user "$2" -t "$T/tmp" -f 3 -- /bin/true
}
fstab_refused "/dev/sda1 /mnt ext4 defaults 0 0" "fstab line 1: type 'ext4' not permitted"
fstab_refused "/dev/vda /mnt auto ro 0 0" "fstab line 1: type 'auto' not permitted"
fstab_refused "proc /mnt proc rw 0 0" "fstab line 1: type 'proc' not permitted"
fstab_refused "sysfs /mnt sysfs rw 0 0" "type 'sysfs' not permitted"
fstab_refused "host /mnt 9p trans=tcp,port=564 0 0" "the 9P mount comes only from cpu's own connection"
fstab_refused "overlay /mnt overlay lowerdir=/root 0 0" "type 'overlay' not permitted"
fstab_refused "tmpfs /mnt tmpfs size=100G 0 0" "size above the cap"
fstab_refused "tmpfs /mnt tmpfs size=1M,mode=4777 0 0" "without set-id bits"
fstab_refused "/bin /mnt none bind,suid 0 0" "option 'suid' not permitted"
fstab_refused "/dev /mnt none rbind,dev 0 0" "option 'dev' not permitted"
fstab_refused "/ /mnt none rbind,rshared 0 0" "option 'rshared' not permitted"
fstab_refused "/bin /mnt none bind,remount 0 0" "option 'remount' not permitted"
fstab_refused "/bin /mnt none move 0 0" "option 'move' not permitted"
fstab_refused "/bin /proc/sys none bind 0 0" "beneath /proc, /sys or /dev is refused"
fstab_refused "$(printf 'tmpfs /a tmpfs\n# ok\n/x /b ext4')" "fstab line 3: type 'ext4' not permitted"
awk 'BEGIN { for (i = 0; i < 4000; i++) printf "tmpfs /mnt%d tmpfs size=1M 0 0\n", i }' >"$T/in"
refused user "the fstab (-f) is larger than 65536 bytes" -t "$T/tmp" -f 3 -- /bin/true
awk 'BEGIN { for (i = 0; i < 300; i++) printf "tmpfs /m%d tmpfs\n", i }' >"$T/in"
refused user "fstab has more than 256 entries" -t "$T/tmp" -f 3 -- /bin/true
printf 'tmpfs /a tmpfs\0\n' >"$T/in"
refused user "fstab contains a NUL byte" -t "$T/tmp" -f 3 -- /bin/true

# huge environment
head -c 5000000 /dev/zero | tr '\0' 'a' >"$T/in"
refused user "the environment (-e) is larger than 4194304 bytes" -e 3 -- /bin/true
awk 'BEGIN { for (i = 0; i < 70000; i++) printf "A=1%c", 0 }' >"$T/in"
refused user "environment has 70000 entries (limit 65536)" -e 3 -- /bin/true

check_no_new_mounts "after every refusal"
done_testing
