/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * unit-export: the export policy (lib/export.c) on a temporary tree, by
 * its queries alone (t/unit-p9srv.c drives it through the server).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export.h"
#include "unit.h"

static char base[PATH_MAX / 2];
static int rootfd = -1;

static void
mkp(const char *rel, int dir)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	if (dir ? mkdir(p, 0755) != 0 :
	    ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0 ||
	    close(fd) != 0)) {
		perror(p);
		exit(99);
	}
}

static void
lnk(const char *target, const char *rel, int hard)
{
	char p[PATH_MAX], t[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	snprintf(t, sizeof(t), "%s/%s", base, target);
	if (hard ? link(t, p) != 0 : symlink(target, p) != 0) {
		perror(p);
		exit(99);
	}
}

static struct stat
st_of(const char *rel)
{
	struct stat st;

	if (fstatat(rootfd, *rel ? rel : ".", &st, AT_SYMLINK_NOFOLLOW) != 0) {
		perror(rel);
		exit(99);
	}
	return st;
}

/* Walk rel from the root as the server does, one name at a time. */
static int
place_of(const struct export *ex, const char *rel)
{
	char buf[PATH_MAX], sofar[PATH_MAX] = "", *tok, *save;
	struct stat dst = st_of(""), st;
	int place = export_root_place(ex);

	snprintf(buf, sizeof(buf), "%s", rel);
	for (tok = strtok_r(buf, "/", &save); tok != NULL;
	    tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, "..") == 0) {
			char *sl = strrchr(sofar, '/');

			if (sl != NULL)
				*sl = '\0';
			else
				sofar[0] = '\0';
		} else {
			size_t l = strlen(sofar);

			snprintf(sofar + l, sizeof(sofar) - l, "%s%s",
			    l ? "/" : "", tok);
		}
		st = st_of(sofar);
		place = export_step(ex, place, &dst, tok, &st);
		if (place == EXPORT_OUTSIDE)
			return place;
		dst = st;
	}
	return place;
}

static int
listed(const struct export *ex, const char *dir, const char *name)
{
	int place = place_of(ex, dir);
	struct stat st = st_of(dir);

	return export_list_name(ex, place, &st, name, strlen(name));
}

struct desc {
	char	 text[512];
};

static void
describe(void *arg, const char *kind, const char *what)
{
	struct desc *d = arg;
	size_t l = strlen(d->text);

	snprintf(d->text + l, sizeof(d->text) - l, "%s:%s;", kind, what);
}

int
main(void)
{
	struct export *ex;
	struct desc d = { "" };
	struct stat st, dst;
	const char *mk[] = {
		"d home", "d home/u", "d home/u/.ssh", "f home/u/.ssh/id",
		"f home/u/notes", "d home/other", "f home/other/x", "d usr",
		"d usr/bin", "f usr/bin/sh", "d usr/local", "d etc", "f etc/shadow",
		"d etc/ssh", "f etc/ssh/ssh_host_ed25519_key",
		"f etc/ssh/ssh_host_ed25519_key.pub", "f etc/passwd", "d var",
		"f var/secret", "d data", "d data/h", "d data/h/w", "f data/h/w/f",
		"d home/u/proj", "f home/u/proj/.netrc", NULL,
	};
	char tmpl[] = "/tmp/unit-export.XXXXXX";
	int i, up, ph, pu;

	unit_start(60);
	if (mkdtemp(tmpl) == NULL)
		return 99;
	snprintf(base, sizeof(base), "%s", tmpl);
	for (i = 0; mk[i] != NULL; i++)
		mkp(mk[i] + 2, mk[i][0] == 'd');
	lnk("home/u/.ssh/id", "home/u/id-link", 1);	/* hard link */
	lnk("../data/h", "home/w", 0);		/* relative symlink on the way */
	if ((rootfd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 99;

	ok((ex = export_new(rootfd)) != NULL, "export_new");
	is(export_add_tree(ex, "home/u", EXPORT_RW), 0, "tree home/u rw");
	is(export_add_tree(ex, "usr", EXPORT_RO), 0, "tree usr ro");
	is(export_add_tree(ex, "etc", EXPORT_RO), 0, "tree etc ro");
	is(export_add_tree(ex, "usr/local", EXPORT_RW), 0, "tree usr/local rw");
	is(export_add_tree(ex, "home/w/w", EXPORT_RW), 0,
	    "tree through a relative symlink");
	is(export_add_tree(ex, "nope", EXPORT_RW), -ENOENT, "missing tree");
	is(export_add_tree(ex, "/usr", EXPORT_RW), -EINVAL, "absolute path");
	is(export_add_tree(ex, "usr/../var", EXPORT_RW), -EINVAL, "'..' in path");
	is(export_add_tree(ex, "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q", EXPORT_RW),
	    -EINVAL, "17 components");
	is(export_hide(ex, "home/u/.ssh"), 0, "hide ~/.ssh");
	is(export_hide(ex, "etc/shadow"), 0, "hide /etc/shadow");
	is(export_hide(ex, "etc/ssh/ssh_host_*_key"), 0, "hide host keys (glob)");
	is(export_hide(ex, "home/u/.aws"), 0, "hide a name that does not exist");
	is(export_hide(ex, ".netrc"), 0, "hide a bare name");
	is(export_hide(ex, ""), -EINVAL, "empty pattern");
	is(export_hide(ex, "home/../etc"), -EINVAL, "'..' in a pattern");

	is(export_root_place(ex), EXPORT_ANCESTOR, "root is an ancestor");
	ok(export_place_readonly(ex, EXPORT_ANCESTOR), "ancestors are read-only");
	ph = place_of(ex, "home");
	is(ph, EXPORT_ANCESTOR, "home is an ancestor");
	pu = place_of(ex, "home/u");
	ok(pu >= 0 && !export_place_readonly(ex, pu), "home/u is a rw tree");
	is(place_of(ex, "home/u/notes"), pu, "a file in home/u is in its tree");
	is(place_of(ex, "home/u/.ssh"), EXPORT_OUTSIDE, "~/.ssh is outside");
	is(place_of(ex, "home/u/id-link"), EXPORT_OUTSIDE,
	    "a hard link to the hidden key is outside");
	is(place_of(ex, "home/other"), EXPORT_OUTSIDE, "a sibling is outside");
	is(place_of(ex, "var"), EXPORT_OUTSIDE, "var is outside");
	is(place_of(ex, "home/u/.."), EXPORT_ANCESTOR, "'..' from a tree root");
	is(place_of(ex, "home/u/../other"), EXPORT_OUTSIDE,
	    "'..' then a sibling");
	up = place_of(ex, "usr/bin");
	ok(up >= 0 && export_place_readonly(ex, up), "usr/bin is read-only");
	i = place_of(ex, "usr/local");
	ok(i >= 0 && i != up && !export_place_readonly(ex, i),
	    "usr/local, a tree inside usr, is writable");
	is(place_of(ex, "usr/local/.."), up, "'..' from usr/local is usr");
	is(place_of(ex, "etc/shadow"), EXPORT_OUTSIDE, "shadow is hidden");
	is(place_of(ex, "etc/ssh/ssh_host_ed25519_key"), EXPORT_OUTSIDE,
	    "host key hidden by glob");
	ok(place_of(ex, "etc/ssh/ssh_host_ed25519_key.pub") >= 0,
	    "the public key is not");
	is(place_of(ex, "home/u/proj/.netrc"), EXPORT_OUTSIDE,
	    "bare name hidden in any directory");
	ok(place_of(ex, "data/h/w") >= 0, "tree behind the symlink, by real names");
	is(place_of(ex, "data/h"), EXPORT_ANCESTOR, "its real ancestors");
	is(place_of(ex, "home/w"), EXPORT_ANCESTOR,
	    "the symlink on the way is an ancestor");

	st = st_of("");
	dst = st_of("home/u");
	is(export_step(ex, pu, &dst, "rootbind", &st), EXPORT_ANCESTOR,
	    "the 9P root bound inside a tree is still an ancestor");
	st = st_of("home");
	is(export_step(ex, pu, &dst, "homebind", &st), EXPORT_ANCESTOR,
	    "an ancestor bound inside a tree is still an ancestor");
	st = st_of("usr");
	is(export_step(ex, pu, &dst, "usrbind", &st), up,
	    "a read-only tree bound inside a writable one stays read-only");
	ok(listed(ex, "", "home") && listed(ex, "", "usr") &&
	    listed(ex, "", "etc") && listed(ex, "", "data"),
	    "root lists the names leading to trees");
	ok(!listed(ex, "", "var"), "root does not list var");
	ok(listed(ex, "home", "u") && listed(ex, "home", "w") &&
	    !listed(ex, "home", "other"), "home lists u and w only");
	ok(!listed(ex, "home/u", ".ssh") && listed(ex, "home/u", "notes"),
	    "home/u lists notes, not .ssh");
	ok(!listed(ex, "home/u", ".aws"), "a hidden name not yet created");
	st = st_of("home/u/.ssh/id");	/* two links */
	ok(export_hidden_obj(ex, &st) &&
	    export_hidden_ino(ex, st.st_dev, st.st_ino), "hidden object");
	dst = st_of("home/u");
	ok(export_hidden_name(ex, &dst, ".aws", 4) &&
	    export_hidden_name(ex, &dst, ".ssh", 4) &&
	    !export_hidden_name(ex, &dst, ".sshx", 5), "hidden names");

	export_describe(ex, describe, &d);
	is(strcmp(d.text, "export:home/u;ro:usr;ro:etc;export:usr/local;"
	    "export:home/w/w;hidden:home/u/.ssh;hidden:etc/shadow;"
	    "hidden:etc/ssh/ssh_host_*_key;hidden:home/u/.aws;"
	    "hidden:.netrc;"), 0,
	    "describe: %s", d.text);
	is(export_add_tree(ex, "usr", EXPORT_RW), 0, "usr again, rw");
	ok(!export_place_readonly(ex, up), "the mode was replaced");
	export_free(ex);

	/* The whole root. */
	ok((ex = export_new(rootfd)) != NULL, "export_new again");
	is(export_add_tree(ex, "", EXPORT_RW), 0, "tree ''");
	i = export_root_place(ex);
	ok(i >= 0, "root is a tree");
	is(place_of(ex, ".."), i, "'..' of the root stays");
	is(place_of(ex, "var/secret"), i, "everything is in it");
	ok(listed(ex, "", "var"), "and listed");
	export_free(ex);

	close(rootfd);
	{
		char cmd[PATH_MAX];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
		if (system(cmd) != 0)
			diag("could not remove %s", base);
	}
	return unit_done();
}
