/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cpu: run a command on another machine with this machine's files.
 * `cpu host cmd` runs the user's ssh as `ssh -s host cpu`; the remote
 * cpu-subsystem mounts our files (we are their 9P server) in a private
 * namespace and runs cmd there.  See cpu(1) and doc/protocol.md.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "client.h"
#include "log.h"
#include "util.h"

int
main(int argc, char **argv)
{
	struct client_opts o;
	int code;

	if (sanitise_stdfd() != 0)
		return 255;
	flags_parse(argc, argv, &o);
	log_init("cpu", LOG_TO_STDERR, o.debug ? LOG_LVL_DEBUG : LOG_LVL_WARN);
	/* Our 9P server may export /proc: keep our own memory, environment
	 * and descriptors out of reach of the remote (fail closed). */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		log_fatal(255, "cannot make this process non-dumpable: %s", strerror(errno));
	/* The 9P server holds a descriptor per fid, and the remote kernel
	 * keeps a fid for every entry it caches: `find` over a big tree
	 * passes 1024 at once.  Use what the hard limit allows. */
	{
		struct rlimit rl;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	code = client_run(&o);
	strv_free(&o.sshopts);
	return code;
}
