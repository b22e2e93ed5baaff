/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cpu-subsystem: the remote half of cpu, started by stock sshd through
 * `Subsystem cpu /path/cpu-subsystem` as the logged-in user.  Its stdin and
 * stdout are the ssh channel carrying the mux protocol (doc/protocol.md);
 * its stderr also reaches the client, so diagnostics go to syslog unless
 * -e is given.
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "p9proxy.h"
#include "subsys.h"
#include "util.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: cpu-subsystem [-e] [-d] [-N nsexec] [-S seccomp-policy] [-T ttl-ms]\n"
	    "  run by sshd as `Subsystem cpu %s/cpu-subsystem`; see cpu-subsystem(8)\n",
	    LIBEXECDIR);
	exit(2);
}

int
main(int argc, char **argv)
{
	struct subsys_opts o = { .nsexec = LIBEXECDIR "/nsexec", .seccomp = NULL,
	    .ttl_ms = P9PROXY_TTL_COHERENT_MS };
	unsigned long long ttl;
	int ch, dest = LOG_TO_SYSLOG;
	enum log_level lvl = LOG_LVL_INFO;

	if (sanitise_stdfd() != 0)
		return 255;
	/* A closed client must not kill us with SIGPIPE mid-cleanup. */
	signal(SIGPIPE, SIG_IGN);
	while ((ch = getopt(argc, argv, "edN:S:T:h")) != -1) {
		switch (ch) {
		case 'e':
			dest = LOG_TO_STDERR;
			break;
		case 'd':
			lvl = LOG_LVL_DEBUG;
			break;
		case 'N':
			o.nsexec = optarg;
			break;
		case 'S':
			if (strcmp(optarg, "default") != 0 && strcmp(optarg, "none") != 0) {
				fprintf(stderr, "cpu-subsystem: unknown seccomp policy '%s' (default, none)\n", optarg);
				return 2;
			}
			o.seccomp = optarg;
			break;
		case 'T':
			/* The window in which the remote may see a client-side
			 * change late: the admin's (or a test's) choice. */
			if (parse_uint(optarg, 0, P9PROXY_TTL_LOOSE_MS, &ttl) != 0) {
				fprintf(stderr, "cpu-subsystem: -T %s: not a number "
				    "of milliseconds from 0 to %d\n", optarg,
				    P9PROXY_TTL_LOOSE_MS);
				return 2;
			}
			o.ttl_ms = (long long)ttl;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("cpu-subsystem", dest, lvl);
	return session_run(&o);
}
