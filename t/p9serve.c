/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9serve: serve a directory over 9P2000.L on an inherited descriptor,
 * until EOF.  A test tool: the same server the cpu client runs, without
 * ssh, for mounting with  mount -t 9p -o trans=fd,rfdno=N,wfdno=N ...
 *
 *	p9serve [-m MAXMSIZE] [-t] [-R] [-s] -r DIR FD
 */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "p9loop.h"
#include "util.h"

static void __attribute__((noreturn))
usage(void)
{
	log_fatal(2, "usage: p9serve [-m maxmsize] [-t] [-R] [-s] "
	    "[-E rw:PATH|ro:PATH|hide:PATTERN]... -r dir fd");
}

int
main(int argc, char **argv)
{
	struct p9loop_opts o = { 0 };
	unsigned long long fd;
	int ch;

	sanitise_stdfd();
	log_init(argv[0], LOG_TO_STDERR, LOG_LVL_INFO);
	while ((ch = getopt(argc, argv, "E:m:r:tRs")) != -1) {
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
		default:  usage();
		}
	}
	if (o.root == NULL || argc - optind != 1 ||
	    parse_uint(argv[optind], 0, 1 << 20, &fd) != 0)
		usage();
	return p9loop_serve((int)fd, &o) == 0 ? 0 : 1;
}
