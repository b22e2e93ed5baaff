/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9run: run a command with a 9P server on fd 3.
 *
 *	p9run [-m MAXMSIZE] [-t] [-R] [-s] [-w] -r DIR -- CMD [ARG...]
 *
 * Makes a socketpair, serves DIR on one end in a child process and runs
 * CMD with the other end as fd 3 (O_NONBLOCK, as the kernel's fd transport
 * wants) and P9FD=3 in its environment, e.g.
 *
 *	p9run -r /srv/x -- mount -t 9p -o trans=fd,rfdno=3,wfdno=3,\
 *	    version=9p2000.L,msize=1048576 cpu /mnt
 *
 * A mount keeps its own reference to the socket, so the server goes on
 * serving after CMD exits, until the filesystem is unmounted (EOF).  p9run
 * exits with CMD's status (128+N if killed by signal N) as soon as CMD
 * exits, or with -w only once the server has seen EOF too (then a server
 * failure makes the status 1 if CMD succeeded).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "p9loop.h"
#include "util.h"

static void __attribute__((noreturn))
usage(void)
{
	log_fatal(2, "usage: p9run [-m maxmsize] [-t] [-R] [-s] [-w] "
	    "[-E rw:PATH|ro:PATH|hide:PATTERN]... -r dir -- cmd [arg ...]");
}

static int
wait_status(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 127;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 127;
}

int
main(int argc, char **argv)
{
	struct p9loop_opts o = { 0 };
	int sv[2], ch, waitsrv = 0, status, srvstatus;
	pid_t srv, cmd;

	sanitise_stdfd();
	log_init(argv[0], LOG_TO_STDERR, LOG_LVL_INFO);
	while ((ch = getopt(argc, argv, "+E:m:r:tRsw")) != -1) {
		switch (ch) {
		case 'E':
			if (p9loop_add_export(&o, optarg) != 0)
				usage();
			break;
		case 'm':
			if (p9loop_parse_size(optarg, &o.max_msize) != 0)
				usage();
			break;
		case 'r': o.root = optarg; break;
		case 't': o.trace = 1; break;
		case 'R': o.readonly = 1; break;
		case 's': o.stats = 1; break;
		case 'w': waitsrv = 1; break;
		default:  usage();
		}
	}
	if (o.root == NULL || optind >= argc)
		usage();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		log_fatal(1, "socketpair: %s", strerror(errno));

	if ((srv = fork()) < 0)
		log_fatal(1, "fork: %s", strerror(errno));
	if (srv == 0) {
		close(sv[1]);
		_exit(p9loop_serve(sv[0], &o) == 0 ? 0 : 1);
	}
	close(sv[0]);

	if ((cmd = fork()) < 0)
		log_fatal(1, "fork: %s", strerror(errno));
	if (cmd == 0) {
		if (sv[1] != 3 && dup2(sv[1], 3) < 0)
			log_fatal(127, "dup2: %s", strerror(errno));
		if (fd_set_cloexec(3, 0) != 0 || fd_set_nonblock(3, 1) != 0)
			log_fatal(127, "fd 3: %s", strerror(errno));
		if (sv[1] != 3)
			close(sv[1]);
		setenv("P9FD", "3", 1);
		execvp(argv[optind], argv + optind);
		log_fatal(127, "%s: %s", argv[optind], strerror(errno));
	}
	close(sv[1]);	/* the server sees EOF once CMD and any mount let go */

	status = wait_status(cmd);
	if (waitsrv) {
		srvstatus = wait_status(srv);
		if (status == 0 && srvstatus != 0)
			status = 1;
	}
	return status;
}
