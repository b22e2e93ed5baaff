/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flags: cpu's command line, compatible with u-root cpu as its article
 * uses it: Go-style flags with one or two dashes, `-flag=value` or
 * `-flag value`, booleans as `-flag` or `-flag=false`, all before the
 * host; then ssh's own options that make sense for a pass-through.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "proto.h"
#include "util.h"

int
strv_add(struct strv *s, const char *a)
{
	char **nv;

	if (s->n + 2 > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 16;

		if ((nv = realloc(s->v, ncap * sizeof(*nv))) == NULL)
			return -ENOMEM;
		s->v = nv;
		s->cap = ncap;
	}
	if ((s->v[s->n] = strdup(a)) == NULL)
		return -ENOMEM;
	s->v[++s->n] = NULL;
	return 0;
}

void
strv_free(struct strv *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

void
flags_usage(int code)
{
	FILE *f = code ? stderr : stdout;

	fprintf(f,
"usage: cpu [flags] [user@]host [command [args...]]\n"
"Run command on host with this machine's files, over ssh (`ssh -s host cpu`).\n"
"With no command, run $SHELL (else /bin/sh) as a login shell.\n"
"\n"
"cpu flags (u-root compatible):\n"
"  -9p=BOOL          serve this machine's files over 9P (default true)\n"
"  -namespace SPEC   binds, remote[=local]:... (default " NS_DEFAULT ");\n"
"                    -namespace=\"\" mounts only /tmp/cpu\n"
"  -fstab FILE       extra mounts on the remote, fstab(5) format (else $CPU_FSTAB)\n"
"  -root DIR         export DIR instead of / (e.g. a tree for another arch)\n"
"  -export PATH[:PATH...]  also serve these trees, unbound (-export / = all)\n"
"  -ro PATH[:PATH...]      serve these read-only (-ro / = everything)\n"
"  -rw PATH[:PATH...]      serve these writable (default: all but system trees)\n"
"  -deny PATTERN     hide what PATTERN names, as ~/.ssh is (repeatable)\n"
"  -allow PATH       for this session, drop the hidden entry PATH (repeatable)\n"
"  -tmpMnt DIR       the remote's private tmp mount point (default /tmp)\n"
"  -msize N          9P message size (default %u, the most trans=fd takes)\n"
"  -cache POLICY     9P caching: split (system trees cached, the rest\n"
"                    coherent; default), none, loose\n"
"  -d                debug messages\n"
"  -dbg9p            trace 9P requests on stderr\n"
"  -key FILE         identity file (ssh -i)\n"
"  -sp PORT          port (ssh -p)\n"
"  -ssh PATH         ssh program to run (default: ssh on PATH)\n"
"  -ssh=true         plain ssh: no 9P, no namespace (u-root's -ssh)\n"
"  -D PATH           run PATH as the subsystem locally, without ssh (testing)\n"
"  -t / -T           force / refuse a remote pty (default: if stdin is a tty)\n"
"  -e CHAR|none      escape character for ~. (default ~)\n"
"  -h                this help\n"
"accepted for u-root compatibility, no effect: -hk FILE, -timeout9p DUR,\n"
"  -net tcp, -useKey=BOOL, -sshd=BOOL, -cpuns NAME, -dump=BOOL\n"
"\n"
"ssh options passed through: -p PORT -i FILE -l USER -o OPTION -F FILE -J JUMP\n"
"  -4 -6 -A -a -C -q -v\n"
"\n"
"Exit status: the command's; 128+N if it was killed by signal N;\n"
"255 if ssh or the session setup failed; 2 for a usage error.\n",
	    P9_MSIZE_DEFAULT);
	exit(code);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
bad(const char *fmt, ...)
{
	va_list ap;

	fputs("cpu: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (cpu -h for help)\n", stderr);
	exit(2);
}

static bool
parse_bool(const char *name, const char *v)
{
	if (v == NULL || strcmp(v, "true") == 0 || strcmp(v, "1") == 0 ||
	    strcmp(v, "t") == 0 || strcmp(v, "T") == 0 || strcmp(v, "TRUE") == 0 ||
	    strcmp(v, "True") == 0)
		return true;
	if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0 || strcmp(v, "f") == 0 ||
	    strcmp(v, "F") == 0 || strcmp(v, "FALSE") == 0 || strcmp(v, "False") == 0)
		return false;
	bad("invalid boolean value \"%s\" for -%s", v, name);
}

enum kind { K_BOOL, K_STR, K_SSH_ARG, K_SSH_BOOL, K_NOOP_STR, K_NOOP_BOOL };

struct flagdef {
	const char	*name;
	enum kind	 kind;
	const char	*ssh;	/* the ssh option for pass-through kinds */
};

static const struct flagdef flagdefs[] = {
	{ "9p", K_BOOL, NULL },		{ "namespace", K_STR, NULL },
	{ "fstab", K_STR, NULL },	{ "root", K_STR, NULL },
	{ "tmpMnt", K_STR, NULL },	{ "msize", K_STR, NULL },
	{ "cache", K_STR, NULL },	{ "d", K_BOOL, NULL },
	{ "dbg9p", K_BOOL, NULL },	{ "key", K_SSH_ARG, "-i" },
	{ "sp", K_SSH_ARG, "-p" },	{ "ssh", K_STR, NULL },
	{ "D", K_STR, NULL },		{ "t", K_BOOL, NULL },
	{ "T", K_BOOL, NULL },		{ "e", K_STR, NULL },
	{ "h", K_BOOL, NULL },		{ "help", K_BOOL, NULL },
	{ "hk", K_NOOP_STR, NULL },	{ "timeout9p", K_NOOP_STR, NULL },
	{ "net", K_STR, NULL },		{ "useKey", K_NOOP_BOOL, NULL },
	{ "sshd", K_NOOP_BOOL, NULL },	{ "cpuns", K_NOOP_STR, NULL },
	{ "dump", K_NOOP_BOOL, NULL },
	{ "export", K_STR, NULL },	{ "ro", K_STR, NULL },
	{ "rw", K_STR, NULL },		{ "deny", K_STR, NULL },
	{ "allow", K_STR, NULL },
	{ "p", K_SSH_ARG, "-p" },	{ "i", K_SSH_ARG, "-i" },
	{ "l", K_SSH_ARG, "-l" },	{ "o", K_SSH_ARG, "-o" },
	{ "F", K_SSH_ARG, "-F" },	{ "J", K_SSH_ARG, "-J" },
	{ "4", K_SSH_BOOL, "-4" },	{ "6", K_SSH_BOOL, "-6" },
	{ "A", K_SSH_BOOL, "-A" },	{ "a", K_SSH_BOOL, "-a" },
	{ "C", K_SSH_BOOL, "-C" },	{ "q", K_SSH_BOOL, "-q" },
	{ "v", K_SSH_BOOL, "-v" },
	{ NULL, 0, NULL }
};

static void
add(struct strv *v, const char *s)
{
	if (strv_add(v, s) != 0) {
		fputs("cpu: out of memory\n", stderr);
		exit(255);
	}
}

/* One path of -export/-ro/-rw/-allow, or a -deny pattern (bare: a name
 * without '/', hidden in every directory).  Only the form is checked
 * here; exportpol.c resolves it. */
static void
check_path(const char *flag, const char *p, size_t len, bool bare_ok)
{
	if (len == 0)
		bad("-%s: empty path", flag);
	if (len > 4096)
		bad("-%s: path longer than 4096 bytes", flag);
	if (p[0] != '/' && p[0] != '~' && !(bare_ok && memchr(p, '/', len) == NULL))
		bad("-%s: \"%.*s\" is not an absolute or ~ path", flag,
		    (int)(len > 200 ? 200 : len), p);
}

/* PATH[:PATH...] into v, each with prefix (NULL: none). */
static void
add_list(struct strv *v, const char *flag, const char *val, const char *prefix)
{
	char *s;
	size_t n;

	for (;;) {
		n = strcspn(val, ":");
		check_path(flag, val, n, false);
		if (asprintf(&s, "%s%.*s", prefix ? prefix : "", (int)n, val) < 0)
			bad("out of memory");
		add(v, s);
		free(s);
		if (val[n] == '\0')
			break;
		val += n + 1;
	}
}

static void
apply(struct client_opts *o, const char *name, const char *val, bool ssh_plain)
{
	unsigned long long n;

	if (strcmp(name, "9p") == 0) {
		o->p9 = parse_bool(name, val);
		o->p9_set = true;
	} else if (strcmp(name, "namespace") == 0) {
		o->ns = val;
		o->ns_set = true;
	} else if (strcmp(name, "fstab") == 0) {
		o->fstab_file = val;
	} else if (strcmp(name, "root") == 0) {
		o->root = val;
		o->root_set = true;
	} else if (strcmp(name, "export") == 0) {
		add_list(&o->exports, name, val, NULL);
	} else if (strcmp(name, "ro") == 0) {
		add_list(&o->modes, name, val, "r");
	} else if (strcmp(name, "rw") == 0) {
		add_list(&o->modes, name, val, "w");
	} else if (strcmp(name, "deny") == 0 || strcmp(name, "allow") == 0) {
		check_path(name, val, strlen(val), true);
		add(name[0] == 'd' ? &o->deny : &o->allow, val);
	} else if (strcmp(name, "tmpMnt") == 0) {
		if (val[0] != '/')
			bad("-tmpMnt must be an absolute path: \"%s\"", val);
		o->tmpmnt = val;
	} else if (strcmp(name, "msize") == 0) {
		if (parse_uint(val, 4096, P9_MSIZE_MAX, &n) != 0)
			bad("-msize must be a number from 4096 to %u", P9_MSIZE_MAX);
		o->msize = (uint32_t)n;
	} else if (strcmp(name, "cache") == 0) {
		if (strcmp(val, "split") && strcmp(val, "none") && strcmp(val, "loose"))
			bad("-cache must be split, none or loose, not \"%s\"", val);
		o->cache = val;
	} else if (strcmp(name, "d") == 0) {
		o->debug = parse_bool(name, val);
	} else if (strcmp(name, "dbg9p") == 0) {
		o->dbg9p = parse_bool(name, val);
	} else if (strcmp(name, "ssh") == 0) {
		if (ssh_plain) {
			/* u-root's boolean -ssh: plain ssh, no mounts. */
			if (parse_bool(name, val)) {
				o->p9 = false;
				o->p9_set = true;
				o->ns = "";
				o->ns_set = true;
			}
		} else
			o->ssh = val;
	} else if (strcmp(name, "D") == 0) {
		o->direct = val;
	} else if (strcmp(name, "t") == 0) {
		o->tty = parse_bool(name, val) ? 1 : o->tty;
	} else if (strcmp(name, "T") == 0) {
		o->tty = parse_bool(name, val) ? 0 : o->tty;
	} else if (strcmp(name, "e") == 0) {
		if (strcmp(val, "none") == 0)
			o->escape = -1;
		else if (strlen(val) == 1)
			o->escape = (unsigned char)val[0];
		else if (strlen(val) == 2 && val[0] == '^' && val[1] >= '@' && val[1] <= '_')
			o->escape = val[1] & 31;
		else
			bad("-e takes one character, ^X or none, not \"%s\"", val);
	} else if (strcmp(name, "h") == 0 || strcmp(name, "help") == 0) {
		if (parse_bool(name, val))
			flags_usage(0);
	} else if (strcmp(name, "net") == 0) {
		if (strcmp(val, "") != 0 && strcmp(val, "tcp") != 0)
			bad("-net %s is not supported: cpu runs over ssh (tcp)", val);
	}
}

void
flags_parse(int argc, char **argv, struct client_opts *o)
{
	const struct flagdef *fd;
	int i;

	memset(o, 0, sizeof(*o));
	o->p9 = true;
	o->ns = NS_DEFAULT;
	o->root = "/";
	o->tmpmnt = "/tmp";
	o->cache = "split";
	o->msize = P9_MSIZE_DEFAULT;
	o->tty = -1;
	o->escape = '~';

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *name, *eq, *val = NULL;
		char namebuf[64];
		size_t nlen;

		if (a[0] != '-' || a[1] == '\0')
			break;			/* the host */
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		name = a + 1;
		if (*name == '-')
			name++;			/* Go accepts --flag too */
		eq = strchr(name, '=');
		nlen = eq ? (size_t)(eq - name) : strlen(name);
		if (nlen == 0 || nlen >= sizeof(namebuf))
			bad("bad flag syntax: %s", a);
		memcpy(namebuf, name, nlen);
		namebuf[nlen] = '\0';
		if (eq)
			val = eq + 1;
		for (fd = flagdefs; fd->name != NULL; fd++)
			if (strcmp(fd->name, namebuf) == 0)
				break;
		if (fd->name == NULL)
			bad("flag provided but not defined: -%s", namebuf);
		switch (fd->kind) {
		case K_BOOL:
		case K_NOOP_BOOL:
		case K_SSH_BOOL:
			if (fd->kind == K_SSH_BOOL) {
				if (val && !parse_bool(namebuf, val))
					break;
				strv_add(&o->sshopts, fd->ssh);
			} else if (fd->kind == K_BOOL)
				apply(o, namebuf, val, false);
			else
				parse_bool(namebuf, val);
			break;
		case K_STR:
		case K_NOOP_STR:
		case K_SSH_ARG:
			/* -ssh alone or -ssh=BOOL is u-root's boolean; -ssh PATH
			 * or -ssh=PATH names the ssh program. */
			if (strcmp(namebuf, "ssh") == 0 && (val == NULL ||
			    !strcmp(val, "true") || !strcmp(val, "false"))) {
				if (val == NULL && i + 1 < argc && (strchr(argv[i + 1], '/') ||
				    strncmp(argv[i + 1], "ssh", 3) == 0) && i + 2 < argc) {
					val = argv[++i];
					apply(o, namebuf, val, false);
				} else
					apply(o, namebuf, val, true);
				break;
			}
			if (val == NULL) {
				if (i + 1 >= argc)
					bad("flag needs an argument: -%s", namebuf);
				val = argv[++i];
			}
			if (fd->kind == K_SSH_ARG) {
				strv_add(&o->sshopts, fd->ssh);
				strv_add(&o->sshopts, val);
				if (strcmp(fd->ssh, "-i") == 0)
					add(&o->keys, val);	/* hidden from the remote */
			} else if (fd->kind == K_STR)
				apply(o, namebuf, val, false);
			break;
		}
	}
	if (i >= argc)
		bad("no host given");
	o->host = argv[i++];
	if (o->host[0] == '\0')
		bad("empty host name");
	o->cmd = argv + i;
	o->ncmd = argc - i;

	/* The article's proposal: conflicting settings are an error. */
	if (o->p9_set && !o->p9 && o->ns[0] != '\0') {
		fprintf(stderr, "error: 9p is false but the namespace is non-empty; "
		    "to force an empty namespace use -namespace=\"\"\n");
		exit(2);
	}
}

int
ns_next_local(const char **cur, const char **side, size_t *len)
{
	const char *p = *cur, *eq;
	size_t el;

	if (*p == '\0')
		return 0;
	el = strcspn(p, ":");
	*cur = p[el] == ':' ? p + el + 1 : p + el;
	if ((eq = memchr(p, '=', el)) != NULL) {
		el -= (size_t)(eq + 1 - p);
		p = eq + 1;
	}
	*side = p;
	*len = el;
	return 1;
}
