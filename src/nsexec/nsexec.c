/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nsexec: build a cpu session's private mount namespace and exec the
 * user's command in it.
 *
 *	nsexec [-9 FD] [-C FD] [-m MSIZE] [-u NAME] [-n SPEC] [-f FD]
 *	       [-r LIST] [-w LIST]
 *	       [-t DIR] [-d DIR] [-e FD] [-E FD] [-S none|default] [-v]
 *	       -- command [args...]
 *
 * main() is one straight line, in the order security.md 1.3 fixes:
 *
 *   sanitise fds 0-2, refuse setuid, non-dumpable, clearenv
 *   parse and validate every input (nothing has been done yet)
 *   check the privilege, then act: unshare, private /, mounts (mounts.c)
 *   drop every capability and verify (non-root), no_new_privs
 *   chdir as the user, close every fd but 0-2, seccomp, execvp
 *
 * nsexec never looks up a user or group, never calls setlocale, and
 * loads no code after start-up, so nothing the client serves on the 9P
 * mount (an nsswitch.conf, a libnss_*.so, gconv modules) can run while
 * it holds a capability.  The environment is cleared on entry and the
 * command's own environment (-e) is installed only for the final exec.
 * doc/nsexec.md is the prose version of this file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "nsexec.h"

extern char **environ;

struct opts {
	int		 p9fd, p9cfd, fstabfd, envfd, statusfd;
	unsigned	 msize;
	const char	*uname;
	const char	*spec;		/* NULL: no binds */
	const char	*ro, *rw;	/* the export's modes, NULL: not given */
	const char	*tmp;
	const char	*cwd;		/* NULL: "/" */
	enum sc_policy	 seccomp;
	int		 seccomp_given;
	char		**argv;		/* the command */
};

static void __attribute__((noreturn))
usage(const char *why)
{
	if (why != NULL)
		log_error("%s", why);
	fprintf(stderr,
	    "usage: nsexec [-9 FD] [-C FD] [-m MSIZE] [-u NAME] [-n SPEC] [-f FD]\n"
	    "              [-r LIST] [-w LIST]\n"
	    "              [-t DIR] [-d DIR] [-e FD] [-E FD] [-S none|default] [-v]\n"
	    "              -- command [args...]\n");
	exit(NSEXEC_EXIT_SETUP);
}

/* A descriptor argument: >= 3 (0-2 are the command's stdio) and open. */
static int
parse_fd(const char *s, char opt)
{
	unsigned long long v;
	char msg[128];

	if (parse_uint(s, 3, INT_MAX, &v) < 0) {
		snprintf(msg, sizeof(msg), "-%c: '%s' is not a descriptor >= 3", opt, esc(s));
		usage(msg);
	}
	if (fcntl((int)v, F_GETFD) < 0) {
		snprintf(msg, sizeof(msg), "-%c: descriptor %llu is not open", opt, v);
		usage(msg);
	}
	return (int)v;
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	unsigned long long v;
	char seen[128] = { 0 }, msg[160];
	int c, fds[5], i, j;

	memset(o, 0, sizeof(*o));
	o->p9fd = o->p9cfd = o->fstabfd = o->envfd = o->statusfd = -1;
	o->msize = NSEXEC_MSIZE_MAX;
	o->tmp = "/tmp";
	opterr = 0;
	while ((c = getopt(argc, argv, "+9:C:m:u:n:f:r:w:t:d:e:E:S:v")) != -1) {
		if (c != '?' && c != ':' && c > 0 && c < 128 && c != 'v' && seen[c]++) {
			snprintf(msg, sizeof(msg), "-%c given twice", c);
			usage(msg);
		}
		switch (c) {
		case '9': o->p9fd = parse_fd(optarg, c); break;
		case 'C': o->p9cfd = parse_fd(optarg, c); break;
		case 'f': o->fstabfd = parse_fd(optarg, c); break;
		case 'e': o->envfd = parse_fd(optarg, c); break;
		case 'E': o->statusfd = parse_fd(optarg, c); break;
		case 'm':
			if (parse_uint(optarg, NSEXEC_MSIZE_MIN, NSEXEC_MSIZE_MAX, &v) < 0)
				usage("-m: msize must be a number in 4096..1048576");
			o->msize = (unsigned)v;
			break;
		case 'u': o->uname = optarg; break;
		case 'n': o->spec = optarg; break;
		case 'r': o->ro = optarg; break;
		case 'w': o->rw = optarg; break;
		case 't': o->tmp = optarg; break;
		case 'd': o->cwd = optarg; break;
		case 'S':
			if (strcmp(optarg, "none") == 0)
				o->seccomp = SC_NONE;
			else if (strcmp(optarg, "default") == 0)
				o->seccomp = SC_DEFAULT;
			else
				usage("-S: policy must be 'none' or 'default'");
			o->seccomp_given = 1;
			break;
		case 'v': log_set_level(LOG_LVL_DEBUG); break;
		default:
			snprintf(msg, sizeof(msg), "unknown option or missing argument: -%c",
			    optopt > 32 && optopt < 127 ? optopt : '?');
			usage(msg);
		}
	}
	if (optind >= argc)
		usage("no command given");
	if (argv[optind][0] == '\0')
		usage("the command name is empty");
	o->argv = argv + optind;
	/* Every descriptor has exactly one role. */
	fds[0] = o->p9fd; fds[1] = o->p9cfd; fds[2] = o->fstabfd;
	fds[3] = o->envfd; fds[4] = o->statusfd;
	for (i = 0; i < 5; i++)
		for (j = i + 1; j < 5; j++)
			if (fds[i] >= 0 && fds[i] == fds[j])
				usage("the same descriptor is given for two options");
}

/* Read a whole -f/-e input and close its descriptor. */
static char *
slurp(int fd, size_t max, size_t *len, const char *what)
{
	char *buf;
	int rc;

	if ((rc = read_fd_bounded(fd, max, &buf, len)) < 0) {
		if (rc == -EMSGSIZE)
			report_fatal("%s is larger than %zu bytes", what, max);
		report_fatal("reading %s: %s", what, strerror(-rc));
	}
	close(fd);
	return buf;
}

static const char *
self_path(void)
{
	static char p[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", p, sizeof(p) - 1);

	if (n <= 0)
		return LIBEXECDIR "/nsexec";
	p[n] = '\0';
	return p;
}

/* The command's cwd, reached as the user after the drop (S08): no magic
 * links (/proc/self/cwd, /proc/PID/root), no privileged descriptor. */
static void
enter_cwd(const char *cwd)
{
	const char *why;
	int fd;

	if (cwd != NULL && path_check(cwd, &why) < 0) {
		report_warn("cwd %s is not a canonical absolute path (%s); using /",
		    esc(cwd), why);
		cwd = NULL;
	}
	if (cwd != NULL) {
		fd = mounts_openat2(AT_FDCWD, cwd, O_PATH | O_DIRECTORY,
		    RESOLVE_NO_MAGICLINKS);
		if (fd >= 0 && fchdir(fd) == 0) {
			close(fd);
			return;
		}
		if (fd >= 0)
			close(fd);
		report_warn("cwd %s not found in the remote namespace; using /", esc(cwd));
	}
	if (chdir("/") < 0)
		report_fatal("chdir /: %s", strerror(errno));
}

static void __attribute__((noreturn))
exec_command(char **argv, char **env)
{
	static char *empty[] = { NULL };
	sigset_t none;
	int e, sig;

	/* The command starts with default dispositions and nothing blocked,
	 * whatever our parent left us.  nsexec installs no handler, so only
	 * ignored signals can outlive the exec. */
	if (signals_unignore() != 0)
		for (sig = 1; sig < NSIG; sig++)
			if (sig != SIGKILL && sig != SIGSTOP)
				signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* execvp searches the PATH of environ: make that the command's. */
	environ = env != NULL ? env : empty;
	execvp(argv[0], argv);
	e = errno;
	if (e == ENOENT) {
		if (strchr(argv[0], '/') != NULL)
			log_error("%s: No such file or directory", esc(argv[0]));
		else
			log_error("%s: command not found", esc(argv[0]));
		_exit(NSEXEC_EXIT_NOTFOUND);
	}
	log_error("%s: %s", esc(argv[0]), strerror(e));
	_exit(NSEXEC_EXIT_NOEXEC);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct ns_spec spec = { NULL, 0 };
	struct fstab fstab = { NULL, 0 };
	struct ns_modes modes;
	struct fstab_policy pol;
	struct session_mounts sm;
	char err[1024], **env = NULL, *text;
	const char *why;
	void *filter = NULL;
	size_t len;
	int root, rc, have_admin, need_mounts, held;
	long pages, pagesz;
	/* Our parent is the session's cpu-subsystem (before anything can
	 * make us an orphan, it is still there). */
	pid_t parent = getppid();

	/* Before anything can print: no privileged output on a stray fd. */
	if (sanitise_stdfd() < 0)
		_exit(NSEXEC_EXIT_SETUP);
	log_init("nsexec", LOG_TO_STDERR, LOG_LVL_WARN);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		log_fatal(NSEXEC_EXIT_SETUP, "cannot make myself non-dumpable: %s",
		    strerror(errno));
	if (caps_refuse_setuid(&why) < 0)
		log_fatal(NSEXEC_EXIT_SETUP, "%s: refusing to run; install it with "
		    "a file capability instead (see doc/nsexec.md)", why);
	/* The environment never reaches the privileged part. */
	if (clearenv() != 0)
		log_fatal(NSEXEC_EXIT_SETUP, "clearenv failed");

	/* ---- validate everything; nothing has been done yet ---- */
	parse_args(argc, argv, &o);
	if (o.statusfd >= 0) {
		if (fd_set_cloexec(o.statusfd, 1) < 0)
			usage("-E: cannot set close-on-exec");
		report_init(o.statusfd);
	}
	root = getuid() == 0;
	if (o.uname != NULL && opt_token_check(o.uname, NSEXEC_UNAME_MAX) < 0)
		report_fatal("-u: user name '%s' is not a plain token", esc(o.uname));
	if ((rc = path_check(o.tmp, &why)) < 0 ||
	    (rc = target_check(o.tmp, NULL, 1, &why)) < 0)
		report_fatal("-t %s: %s", esc(o.tmp), why);
	if (o.spec != NULL && ((rc = nsspec_parse(o.spec, &spec, err, sizeof(err))) < 0 ||
	    (rc = nsspec_check(&spec, o.tmp, err, sizeof(err))) < 0))
		report_fatal("%s", err);
	if (nsmodes_parse(o.ro, o.rw, &modes, err, sizeof(err)) < 0)
		report_fatal("%s", err);
	if (o.fstabfd >= 0) {
		text = slurp(o.fstabfd, NSEXEC_FSTAB_MAX, &len, "the fstab (-f)");
		pages = sysconf(_SC_PHYS_PAGES);
		pagesz = sysconf(_SC_PAGESIZE);
		pol.root = root;
		pol.tmp = o.tmp;
		pol.tmpfs_max = pages > 0 && pagesz > 0 ?
		    (unsigned long long)pages * (unsigned long long)pagesz / 100 *
		    NSEXEC_TMPFS_PCT : 1ULL << 30;
		if (fstab_parse(text, len, &pol, &fstab, err, sizeof(err)) < 0)
			report_fatal("%s", err);
		free(text);
	}
	if (o.envfd >= 0) {
		text = slurp(o.envfd, NSEXEC_ENV_MAX, &len, "the environment (-e)");
		if (env_parse(text, len, &env, err, sizeof(err)) < 0)
			report_fatal("%s", err);
		free(text);
	}
	if ((o.p9fd >= 0 && (fcntl(o.p9fd, F_GETFL) & O_ACCMODE) != O_RDWR) ||
	    (o.p9cfd >= 0 && (fcntl(o.p9cfd, F_GETFL) & O_ACCMODE) != O_RDWR))
		report_fatal("a 9P descriptor (-9/-C) must be open for reading and writing");
	if (!o.seccomp_given)
		o.seccomp = root ? SC_NONE : SC_DEFAULT;
	if ((rc = sc_build(o.seccomp, root, &filter)) < 0)
		report_fatal("cannot build the seccomp policy: %s", strerror(-rc));

	/* ---- the privilege check: one clear line for the admin ---- */
	need_mounts = o.p9fd >= 0 || o.p9cfd >= 0 || spec.n > 0 || fstab.n > 0;
	have_admin = caps_have_effective(CAP_SYS_ADMIN);
	held = caps_held();
	if (!have_admin && need_mounts) {
		if (root)
			report_fatal("no CAP_SYS_ADMIN although running as root "
			    "(a container or a restricted service?): cannot build "
			    "the session's namespace");
		report_fatal("no CAP_SYS_ADMIN: the administrator must grant it: "
		    "setcap cap_sys_admin,cap_setpcap+ep %s (file capabilities "
		    "are ignored on nosuid mounts)", esc(self_path()));
	}
	if (!root && held && !caps_have_effective(CAP_SETPCAP))
		report_fatal("no CAP_SETPCAP to empty the bounding set: the "
		    "administrator must grant it: setcap cap_sys_admin,cap_setpcap+ep %s",
		    esc(self_path()));

	/* ---- act ---- */
	if (have_admin) {
		memset(&sm, 0, sizeof(sm));
		sm.tmp = o.tmp;
		sm.root = root;
		sm.p9fd = o.p9fd;
		sm.p9cfd = o.p9cfd;
		sm.msize = o.msize;
		sm.uname = o.uname;
		sm.spec = &spec;
		sm.fstab = &fstab;
		sm.modes = &modes;
		mounts_setup(&sm);
	} else {
		/* -9p=false -namespace="" without privilege: like plain ssh. */
		log_debug("no CAP_SYS_ADMIN and nothing to mount: no private namespace");
	}
	nsspec_free(&spec);
	fstab_free(&fstab);
	nsmodes_free(&modes);

	/* ---- drop: the command gets exactly the login's privileges ---- */
	if (!root && held && (rc = caps_drop_all()) < 0)
		report_fatal("dropping capabilities failed: %s", strerror(-rc));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		report_fatal("prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
	if (!root && held && caps_verify_none() < 0)
		report_fatal("a capability survived the drop; not running the command");

	enter_cwd(o.cwd);
	close_fds_from(3, &o.statusfd, o.statusfd >= 0 ? 1 : 0);
	/* A cpu-subsystem that dies without tearing the session down (killed)
	 * hangs the command up, as a terminal's hangup would; otherwise the
	 * command would run on, orphaned, on a dead 9P mount.  Set after the
	 * drop: a change of credentials clears it, exec of the command keeps
	 * it (no_new_privs).  If the parent went meanwhile, stop here. */
	if (prctl(PR_SET_PDEATHSIG, SIGHUP, 0, 0, 0) < 0)
		report_fatal("prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
	if (getppid() != parent)
		report_fatal("cpu-subsystem is gone; not running the command");
	if ((rc = sc_load(filter)) < 0)
		report_fatal("loading the seccomp policy failed: %s", strerror(-rc));
	exec_command(o.argv, env);
}
