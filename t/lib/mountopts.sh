# SPDX-License-Identifier: BSD-3-Clause
# mountopts.sh: read a mount's options as a set, whatever the kernel's
# spelling and order (6.1 shows "loose", 6.6+ "cache=0xf" and "noxattr").
# Sourced by tests; works on /proc/mounts and on mountinfo output.

# mount_opts FILE MOUNTPOINT: the options of the mount at MOUNTPOINT in FILE,
# one per line (mountinfo: the per-mount and the super options together).
mount_opts() {
	awk -v mp="$2" '
	/ - / { if ($5 != mp) next; split($0, a, " - "); split(a[2], b, " ");
		print $6 "," b[3]; next }
	$2 == mp { print $4 }' "$1" | tr , '\n' | sed '/^$/d' | sort -u
}

# has_opts FILE MOUNTPOINT OPT...: every OPT is among the mount's options.
has_opts() {
	_f=$1 _m=$2; shift 2
	_o=$(mount_opts "$_f" "$_m")
	[ -n "$_o" ] || return 1
	for _x in "$@"; do
		printf '%s\n' "$_o" | grep -qxF -- "$_x" || return 1
	done
}

# opt_value FILE MOUNTPOINT NAME: the value of NAME=..., empty if absent.
opt_value() {
	mount_opts "$1" "$2" | sed -n "s/^$3=//p" | head -n 1
}

# mount_is_cached FILE MOUNTPOINT: the kernel caches data or metadata there
# ("loose"/"fscache"/"mmap" before 6.6, a nonzero cache= mask after).
mount_is_cached() {
	_o=$(mount_opts "$1" "$2")
	printf '%s\n' "$_o" | grep -qx 'loose\|fscache\|mmap\|readahead' && return 0
	_c=$(printf '%s\n' "$_o" | sed -n 's/^cache=//p' | head -n 1)
	case $_c in
	''|none|0|0x0) return 1 ;;
	0x*) [ $((_c)) -ne 0 ] ;;
	*) return 0 ;;
	esac
}

# msize_is FILE MOUNTPOINT N: msize is N (Linux omits it at its default, 128 KiB).
msize_is() {
	_v=$(opt_value "$1" "$2" msize)
	[ "${_v:-131072}" = "$3" ]
}
