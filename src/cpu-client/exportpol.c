/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * exportpol: what this session lets the remote reach (issue 14,
 * doc/export.md).  This file is the policy; lib/export.c is the
 * mechanism, matching by object what is decided here by name.
 *
 * Trees: the namespace's local sides, the fstab sources under
 * TMP/cpu, the cwd, -export, and all of the root for -namespace=""
 * or an explicit -root.  Modes, the deepest rule winning: an -ro/-rw
 * at or above the tree; else the cwd is writable; else the system
 * trees (/bin /sbin /lib /lib64 /usr /etc) are read-only; else
 * writable.  Hidden: the built-in list, the identity files, the
 * user's file, less -allow, plus -deny.
 *
 * Paths are the user's, absolute or ~: with -root DIR a path under DIR
 * names that place, any other is taken inside DIR (so -ro / is all of
 * the export and /etc/shadow is DIR/etc/shadow).  The cwd is served
 * only when it lies under DIR.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "export.h"
#include "log.h"

#define PATTERN_MAX	4096
#define FILE_MAX	(64u * 1024)

static const char *const system_trees[] = {
	"bin", "sbin", "lib", "lib64", "usr", "etc",
};

/* Relative to $HOME ("~/") or absolute. */
static const char *const hidden_default[] = {
	"~/.ssh", "~/.gnupg", "~/.password-store", "~/.aws", "~/.azure",
	"~/.config/gcloud", "~/.kube", "~/.docker/config.json", "~/.netrc",
	"~/.git-credentials", "~/.pki", "~/.mozilla", "~/.config/chromium",
	"~/.config/google-chrome", "~/.local/share/keyrings",
	"/etc/shadow", "/etc/gshadow", "/etc/ssh/ssh_host_*_key",
};

struct tree {
	char	*rel;		/* relative to the 9P root, "" for all of it */
	int	 mode;		/* EXPORT_RO, EXPORT_RW, -1 not decided */
	bool	 cwd;
	const char *must;	/* "export", "ro", "rw": missing is an error */
};

struct pol {
	const struct client_opts *o;
	char	*rootabs;	/* realpath of -root, NULL for / */
	const char *home;	/* absolute $HOME or NULL */
	struct tree *t;
	size_t	 n, cap;
	struct strv hidden;	/* absolute (after ~) or bare */
};

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;
	char line[1024];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_fatal(2, "%s", line);
}

/* "a" at or beneath "b", both relative ("" is the root). */
static bool
rel_under(const char *a, const char *b)
{
	size_t n = strlen(b);

	if (n == 0)
		return true;
	return strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == '/');
}

/*
 * The user's path p ("~", "~/x", "/x") made absolute and lexically
 * clean: no empty, "." or ".." component, no trailing '/'.  NULL (with
 * *why) if it cannot be.
 */
static char *
clean_abs(const struct pol *P, const char *p, const char **why)
{
	char *out, *w;
	const char *s;
	size_t n;

	if (p[0] == '~' && (p[1] == '\0' || p[1] == '/')) {
		if (P->home == NULL) {
			*why = "~ needs an absolute $HOME";
			return NULL;
		}
		if (asprintf(&out, "%s/%s", P->home, p + 1) < 0)
			return NULL;
	} else if (p[0] == '/') {
		if ((out = strdup(p)) == NULL)
			return NULL;
	} else {
		*why = p[0] == '~' ? "~user is not supported" :
		    "not an absolute or ~ path";
		return NULL;
	}
	/* Squeeze: one '/' between components, none at the end. */
	for (s = out, w = out; *s; ) {
		while (*s == '/')
			s++;
		n = strcspn(s, "/");
		if (n == 0)
			break;
		if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) {
			free(out);
			*why = "'.' and '..' are not allowed";
			return NULL;
		}
		*w++ = '/';
		memmove(w, s, n);
		w += n;
		s += n;
	}
	if (w == out)
		*w++ = '/';
	*w = '\0';
	return out;
}

/* Absolute clean path -> relative to the 9P root (see the top).  strict:
 * NULL unless it lies under -root. */
static char *
to_rel(const struct pol *P, const char *abs, bool strict)
{
	const char *r = abs;
	size_t n;

	if (P->rootabs != NULL) {
		n = strlen(P->rootabs);
		if (strncmp(abs, P->rootabs, n) == 0 &&
		    (abs[n] == '\0' || abs[n] == '/'))
			r = abs + n;
		else if (strict)
			return NULL;
	}
	while (*r == '/')
		r++;
	return strdup(r);
}

static char *
user_rel(const struct pol *P, const char *flag, const char *p)
{
	const char *why = "out of memory";
	char *abs = clean_abs(P, p, &why), *rel;

	if (abs == NULL)
		fail("-%s %s: %s", flag, p, why);
	rel = to_rel(P, abs, false);
	free(abs);
	if (rel == NULL)
		fail("out of memory");
	return rel;
}

static struct tree *
tree_add(struct pol *P, char *rel)
{
	struct tree *nt;
	size_t i;

	for (i = 0; i < P->n; i++)
		if (strcmp(P->t[i].rel, rel) == 0) {
			free(rel);
			return &P->t[i];
		}
	if (P->n == P->cap) {
		P->cap = P->cap ? 2 * P->cap : 32;
		if ((nt = realloc(P->t, P->cap * sizeof(*nt))) == NULL)
			fail("out of memory");
		P->t = nt;
	}
	nt = &P->t[P->n++];
	memset(nt, 0, sizeof(*nt));
	nt->rel = rel;
	nt->mode = -1;
	return nt;
}

/* Is rel at or beneath one of the base trees (the first nbase)? */
static bool
in_base(const struct pol *P, size_t nbase, const char *rel, bool strictly)
{
	size_t i;

	for (i = 0; i < nbase; i++)
		if (rel_under(rel, P->t[i].rel) &&
		    (!strictly || strcmp(rel, P->t[i].rel) != 0))
			return true;
	return false;
}

/* The namespace's local sides. */
static void
trees_from_ns(struct pol *P, const char *ns)
{
	const char *cur = ns, *side, *why;
	char *s, *abs, *rel;
	size_t el;

	while (ns_next_local(&cur, &side, &el)) {
		if (el == 0 || (s = strndup(side, el)) == NULL)
			continue;
		/* A malformed entry ends the session remotely. */
		if ((abs = clean_abs(P, s, &why)) != NULL) {
			/* Spec locals are paths in the export already. */
			rel = strdup(abs + 1);
			if (rel != NULL)
				tree_add(P, rel);
			free(abs);
		}
		free(s);
	}
}

/* fstab(5) \NNN escapes, in place. */
static void
unoctal(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else
			*w++ = *s;
	}
	*w = '\0';
}

/* The sources of fstab binds out of TMP/cpu: served, so they are trees
 * (read-only when the line says ro). */
static void
trees_from_fstab(struct pol *P, const char *text)
{
	char *copy, *line, *save = NULL, *f[4], *fs, *tok, *prefix;
	const char *why;
	size_t plen;
	int nf;

	if (text == NULL || *text == '\0' ||
	    asprintf(&prefix, "%s/cpu/", strcmp(P->o->tmpmnt, "/") ? P->o->tmpmnt : "") < 0)
		return;
	plen = strlen(prefix);
	if ((copy = strdup(text)) == NULL)
		fail("out of memory");
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *fsave = NULL, *abs, *rel;
		bool bind = false, ro = false;
		struct tree *t;

		for (nf = 0, fs = strtok_r(line, " \t", &fsave); fs && nf < 4;
		    fs = strtok_r(NULL, " \t", &fsave))
			f[nf++] = fs;
		if (nf < 4 || f[0][0] == '#')
			continue;
		for (tok = strtok_r(f[3], ",", &fsave); tok; tok = strtok_r(NULL, ",", &fsave)) {
			bind |= strcmp(tok, "bind") == 0 || strcmp(tok, "rbind") == 0;
			ro |= strcmp(tok, "ro") == 0;
		}
		unoctal(f[0]);
		if (!bind || strncmp(f[0], prefix, plen) != 0)
			continue;
		if ((abs = clean_abs(P, f[0] + plen - 1, &why)) == NULL)
			continue;
		rel = strdup(abs + 1);
		free(abs);
		if (rel != NULL && (t = tree_add(P, rel)) != NULL && ro)
			t->mode = EXPORT_RO;
	}
	free(copy);
	free(prefix);
}

/* The deepest -ro/-rw at or above rel: its mode, or -1. */
static int
explicit_mode(const struct pol *P, const char *rel, char *const *mrel, size_t nm)
{
	size_t i, best = 0, len;
	int mode = -1;

	for (i = 0; i < nm; i++) {
		if (!rel_under(rel, mrel[i] + 1))
			continue;
		len = strlen(mrel[i] + 1);
		if (mode < 0 || len >= best) {	/* the later of equals wins */
			best = len;
			mode = mrel[i][0] == 'r' ? EXPORT_RO : EXPORT_RW;
		}
	}
	return mode;
}

static bool
is_system(const char *rel)
{
	size_t i;

	for (i = 0; i < sizeof(system_trees) / sizeof(system_trees[0]); i++)
		if (rel_under(rel, system_trees[i]))
			return true;
	return false;
}

/* --- hidden --- */

static void
hidden_remove(struct pol *P, const char *abs, bool *found)
{
	size_t i, j;

	for (i = 0; i < P->hidden.n; ) {
		if (strcmp(P->hidden.v[i], abs) == 0) {
			free(P->hidden.v[i]);
			for (j = i; j + 1 <= P->hidden.n; j++)
				P->hidden.v[j] = P->hidden.v[j + 1];
			P->hidden.n--;
			*found = true;
		} else
			i++;
	}
}

/* A pattern as the user wrote it, made absolute (a bare name stays). */
static char *
pattern_norm(const struct pol *P, const char *where, const char *p)
{
	const char *why = "out of memory";
	char *abs;

	if (*p == '\0' || strlen(p) > PATTERN_MAX)
		fail("%s: empty or overlong pattern", where);
	if (strchr(p, '/') == NULL && p[0] != '~') {
		if (strcmp(p, ".") == 0 || strcmp(p, "..") == 0)
			fail("%s: '%s' is not a name", where, p);
		return strdup(p);
	}
	if ((abs = clean_abs(P, p, &why)) == NULL)
		fail("%s %s: %s", where, p, why);
	if (strcmp(abs, "/") == 0)
		fail("%s %s: cannot hide the whole export (use -namespace or -ro)",
		    where, p);
	return abs;
}

/* ~/.config/cpu/export: one pattern a line, '!' before an allowed one. */
static void
read_user_file(struct pol *P)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	char path[4200], *line = NULL, *s, *e, *pat, where[4300];
	size_t cap = 0, total = 0;
	ssize_t n;
	int lineno = 0;
	bool found;
	FILE *f;

	if (xdg != NULL && xdg[0] == '/')
		snprintf(path, sizeof(path), "%s/cpu/export", xdg);
	else if (P->home != NULL)
		snprintf(path, sizeof(path), "%s/.config/cpu/export", P->home);
	else
		return;
	if ((f = fopen(path, "re")) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return;
		fail("%s: %s", path, strerror(errno));
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		lineno++;
		if ((total += (size_t)n) > FILE_MAX)
			fail("%s: larger than 64 KiB", path);
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		for (e = s + strlen(s); e > s && (e[-1] == '\n' || e[-1] == ' ' ||
		    e[-1] == '\t' || e[-1] == '\r'); e--)
			;
		*e = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		snprintf(where, sizeof(where), "%s line %d", path, lineno);
		if (*s == '!') {
			pat = pattern_norm(P, where, s + 1);
			found = false;
			hidden_remove(P, pat, &found);
			free(pat);
			continue;	/* allowing what is not hidden is harmless */
		}
		pat = pattern_norm(P, where, s);
		if (strv_add(&P->hidden, pat) != 0)
			fail("out of memory");
		free(pat);
	}
	if (ferror(f))
		fail("%s: %s", path, strerror(errno));
	free(line);
	fclose(f);
}

static void
hidden_build(struct pol *P, const char *cwd)
{
	const struct client_opts *o = P->o;
	char *pat, *abs;
	bool found;
	size_t i;

	for (i = 0; i < sizeof(hidden_default) / sizeof(hidden_default[0]); i++) {
		if (hidden_default[i][0] == '~' && P->home == NULL)
			continue;
		pat = pattern_norm(P, "built-in", hidden_default[i]);
		if (strv_add(&P->hidden, pat) != 0)
			fail("out of memory");
		free(pat);
	}
	/* The identity files given to ssh, wherever they are. */
	for (i = 0; i < o->keys.n; i++) {
		const char *k = o->keys.v[i];

		if (k[0] == '/' || k[0] == '~')
			abs = pattern_norm(P, "-i", k);
		else {
			char *j;

			if (asprintf(&j, "%s/%s", cwd, k) < 0)
				fail("out of memory");
			abs = pattern_norm(P, "-i", j);
			free(j);
		}
		if (strv_add(&P->hidden, abs) != 0)
			fail("out of memory");
		free(abs);
	}
	read_user_file(P);
	for (i = 0; i < o->allow.n; i++) {
		pat = pattern_norm(P, "-allow", o->allow.v[i]);
		found = false;
		hidden_remove(P, pat, &found);
		if (!found)
			fail("-allow %s: no hidden entry is %s (cpu -d lists them)",
			    o->allow.v[i], pat);
		free(pat);
	}
	for (i = 0; i < o->deny.n; i++) {
		pat = pattern_norm(P, "-deny", o->deny.v[i]);
		if (strv_add(&P->hidden, pat) != 0)
			fail("out of memory");
		free(pat);
	}
}

/* --- the kernel's view --- */

/* May path go to the remote as a colon-list entry (nsexec -r/-w)? */
static bool
sendable(const char *rel)
{
	const char *s;

	for (s = rel; *s; s++)
		if (*s == ':' || (unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return strlen(rel) < 4000;
}

static char *
join_modes(const struct pol *P, int mode)
{
	size_t i, j, len = 1;
	char *out, *w;
	bool skip;

	for (i = 0; i < P->n; i++)
		len += strlen(P->t[i].rel) + 2;
	if ((out = w = malloc(len)) == NULL)
		fail("out of memory");
	*w = '\0';
	for (i = 0; i < P->n; i++) {
		const struct tree *t = &P->t[i];

		if (t->mode != mode || !sendable(t->rel))
			continue;
		/* A writable tree we cannot name keeps the read-only trees
		 * around it writable in the kernel (the server decides). */
		skip = false;
		for (j = 0; mode == EXPORT_RO && j < P->n; j++)
			if (P->t[j].mode == EXPORT_RW && !sendable(P->t[j].rel) &&
			    rel_under(P->t[j].rel, t->rel))
				skip = true;
		if (skip)
			continue;
		if (w != out)
			*w++ = ':';
		w += sprintf(w, "/%s", t->rel);
	}
	return out;
}

struct export *
exportpol_build(const struct client_opts *o, int rootfd, const char *ns,
    const char *cwd, const char *fstab, char **ro, char **rw)
{
	struct pol P;
	struct export *ex;
	char **mrel = NULL, *abs, *rel, pfx[2] = "x";
	const char *why, *home = getenv("HOME");
	size_t i, j, nbase;
	int r;

	memset(&P, 0, sizeof(P));
	P.o = o;
	if (home != NULL && home[0] == '/' && strcmp(home, "/") != 0)
		P.home = home;
	if (o->root_set && (P.rootabs = realpath(o->root, NULL)) != NULL &&
	    strcmp(P.rootabs, "/") == 0) {
		free(P.rootabs);
		P.rootabs = NULL;
	}

	/* The base trees. */
	trees_from_ns(&P, ns);
	trees_from_fstab(&P, fstab);
	if ((o->ns_set && o->ns[0] == '\0') || P.rootabs != NULL)
		tree_add(&P, strdup(""));
	for (i = 0; i < o->exports.n; i++)
		tree_add(&P, user_rel(&P, "export", o->exports.v[i]))->must = "export";
	if ((abs = clean_abs(&P, cwd, &why)) != NULL) {
		rel = to_rel(&P, abs, true);
		free(abs);
		/* The cwd "/" would be the whole disk: only -export / is. */
		if (rel != NULL && rel[0] != '\0')
			tree_add(&P, rel)->cwd = true;
		else
			free(rel);
	}
	nbase = P.n;

	/* The system trees and the -ro/-rw paths inside them become trees
	 * of their own; an -ro/-rw outside every tree is a mistake. */
	for (i = 0; i < sizeof(system_trees) / sizeof(system_trees[0]); i++)
		if (in_base(&P, nbase, system_trees[i], true))
			tree_add(&P, strdup(system_trees[i]));
	if (o->modes.n > 0 && (mrel = calloc(o->modes.n, sizeof(*mrel))) == NULL)
		fail("out of memory");
	for (i = 0; i < o->modes.n; i++) {
		const char *m = o->modes.v[i];
		bool above = false;

		pfx[0] = m[0];
		rel = user_rel(&P, m[0] == 'r' ? "ro" : "rw", m + 1);
		if (asprintf(&mrel[i], "%s%s", pfx, rel) < 0)
			fail("out of memory");
		for (j = 0; j < nbase; j++)
			above |= rel_under(P.t[j].rel, rel);
		if (in_base(&P, nbase, rel, false))
			tree_add(&P, rel)->must = m[0] == 'r' ? "ro" : "rw";
		else if (above)
			free(rel);
		else
			fail("-%s %s: not in the export (add it with -export)",
			    m[0] == 'r' ? "ro" : "rw", m + 1);
	}

	/* Modes. */
	for (i = 0; i < P.n; i++) {
		struct tree *t = &P.t[i];
		int m = explicit_mode(&P, t->rel, mrel, o->modes.n);

		if (m >= 0)
			t->mode = m;
		else if (t->mode >= 0)
			;	/* an fstab "ro" */
		else if (t->cwd)
			t->mode = EXPORT_RW;
		else
			t->mode = is_system(t->rel) ? EXPORT_RO : EXPORT_RW;
	}

	if ((ex = export_new(rootfd)) == NULL)
		log_fatal(255, "export policy: %s", strerror(errno));
	for (i = 0; i < P.n; i++) {
		r = export_add_tree(ex, P.t[i].rel, P.t[i].mode);
		if (r == 0)
			continue;
		if (P.t[i].must)
			fail("-%s /%s: %s", P.t[i].must, P.t[i].rel, strerror(-r));
		/* A namespace entry missing here: nsexec warns about it. */
		if (r != -ENOENT)
			log_debug("not exported: /%s: %s", P.t[i].rel, strerror(-r));
	}

	hidden_build(&P, cwd);
	for (i = 0; i < P.hidden.n; i++) {
		const char *h = P.hidden.v[i];

		if (h[0] == '/') {
			if ((rel = to_rel(&P, h, false)) == NULL)
				fail("out of memory");
		} else if ((rel = strdup(h)) == NULL)
			fail("out of memory");
		if (*rel == '\0')
			r = 0;		/* the -root itself: nothing to hide in it */
		else
			r = export_hide(ex, rel);
		if (r < 0)
			fail("hidden entry %s: %s", h, strerror(-r));
		free(rel);
	}

	*ro = join_modes(&P, EXPORT_RO);
	*rw = join_modes(&P, EXPORT_RW);
	for (i = 0; i < o->modes.n; i++)
		free(mrel[i]);
	free(mrel);
	for (i = 0; i < P.n; i++)
		free(P.t[i].rel);
	free(P.t);
	strv_free(&P.hidden);
	free(P.rootabs);
	return ex;
}

static void
describe_line(void *arg, const char *kind, const char *what)
{
	const char *shown = strcmp(what, ".") == 0 ? "" : what;

	(void)arg;
	if (strcmp(kind, "hidden") == 0 && strchr(what, '/') == NULL &&
	    strcmp(what, ".") != 0)
		log_msg(LOG_LVL_DEBUG, "export: hidden %s (in every directory)", what);
	else
		log_msg(LOG_LVL_DEBUG, "export: %s /%s",
		    strcmp(kind, "export") == 0 ? "rw" : kind, shown);
}

void
exportpol_describe(const struct export *ex)
{
	if (log_get_level() >= LOG_LVL_DEBUG)
		export_describe(ex, describe_line, NULL);
}
