# SPDX-License-Identifier: BSD-3-Clause
# sshd.sh: a private OpenSSH server for end-to-end tests.
#   . "$top_srcdir/t/lib/sshd.sh"; sshd_setup; sshd_start
# Everything lives in $T/ssh: a generated host key, a generated user key in
# a private authorized_keys, an sshd_config that includes a drop-in naming
# the cpu-subsystem of the build tree, and a client config ($SSH_CONFIG)
# with a Host alias "cputest".  Nothing of the machine's own ssh setup is
# read or changed: clients must pass -F "$SSH_CONFIG".
SSHD=$(command -v sshd || echo /usr/sbin/sshd)

sshd_setup() {
	[ -x "$SSHD" ] || skip_all "no sshd (apt-get install openssh-server)"
	S=$T/ssh
	mkdir -p "$S" && chmod 700 "$S"
	ssh-keygen -q -t ed25519 -N '' -f "$S/host_key" -C cpu-test-host
	ssh-keygen -q -t ed25519 -N '' -f "$S/id_user" -C cpu-test-user
	cp "$S/id_user.pub" "$S/authorized_keys"
	# Privilege separation needs this directory (/run is a tmpfs in UML).
	mkdir -p /run/sshd
	sed -e "s|@pkglibexecdir@|$top_builddir/src/cpu-subsystem|" \
	    "$top_srcdir/contrib/sshd_config.d/cpu.conf.in" |
	    sed -e "s|cpu-subsystem\$|cpu-subsystem ${CPU_SUBSYS_OPTS:--N $top_builddir/src/nsexec/nsexec}|" \
	    > "$S/cpu.conf"
	SSHD_PORT=${SSHD_PORT:-$(sshd_free_port)}
	SSHD_ADDR=${SSHD_ADDR:-127.0.0.1}
	cat > "$S/sshd_config" <<CFG
Include $S/cpu.conf
Port $SSHD_PORT
ListenAddress $SSHD_ADDR
HostKey $S/host_key
AuthorizedKeysFile $S/authorized_keys
PidFile $S/sshd.pid
PermitRootLogin yes
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AcceptEnv LANG LC_*
LogLevel ERROR
MaxStartups 200:30:400
LoginGraceTime 600
MaxSessions 100
CFG
	"$SSHD" -t -f "$S/sshd_config" || { echo "sshd -t failed" >&2; return 1; }
	printf '%s %s\n' "[$SSHD_ADDR]:$SSHD_PORT" "$(cut -d' ' -f1,2 "$S/host_key.pub")" > "$S/known_hosts"
	SSH_CONFIG=$S/ssh_config
	cat > "$SSH_CONFIG" <<CFG
Host cputest
	HostName $SSHD_ADDR
	Port $SSHD_PORT
Host *
	User $(id -un)
	IdentityFile $S/id_user
	IdentitiesOnly yes
	UserKnownHostsFile $S/known_hosts
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	BatchMode yes
	LogLevel ERROR
	ConnectTimeout 300
CFG
	export SSH_CONFIG
}

sshd_free_port() {
	p=$(( 20000 + ($$ * 7 + $(date +%N | cut -c1-4 | sed 's/^0*//;s/^$/0/')) % 30000 ))
	while ss -ltn 2>/dev/null | grep -q ":$p "; do p=$((p + 1)); done
	echo "$p"
}

sshd_start() {
	"$SSHD" -f "$S/sshd_config" -E "$S/sshd.log"
	wait_for 1800 test -s "$S/sshd.pid" || { echo "sshd did not start" >&2; cat "$S/sshd.log" >&2; return 1; }
	t_at_exit sshd_stop
}

sshd_stop() {
	[ -s "$S/sshd.pid" ] && kill "$(cat "$S/sshd.pid")" 2>/dev/null
	rm -f "$S/sshd.pid"
	return 0
}
