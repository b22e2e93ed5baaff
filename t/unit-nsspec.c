/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * unit-nsspec: the nsexec parsers, without any privilege or kernel help.
 * Namespace spec (S04), fstab policy (S06), 9p option strings (S07),
 * environment records (S02), canonical paths and refused targets.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "nsexec.h"

static int failures, count;

#define CHECK(cond, ...) do {						\
	count++;							\
	if (cond)							\
		printf("ok %d - ", count);				\
	else {								\
		printf("not ok %d - ", count);				\
		failures++;						\
	}								\
	printf(__VA_ARGS__);						\
	printf("\n");							\
} while (0)

static void
test_paths(void)
{
	static const char *good[] = { "/", "/a", "/usr/lib", "/a b/c", "/a=b", "/a,b", "/.x", "/..x" };
	static const char *bad[] = { "", "a", "a/b", "//", "/a/", "/a//b", "/./a", "/a/.",
	    "/a/..", "/../etc", "/tmp/cpu/../../etc", "/a\nb", "/a\tb" };
	const char *why;
	char big[NSEXEC_PATH_MAX + 2], comp[NSEXEC_NAME_MAX + 3];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(path_check(good[i], &why) == 0, "path '%s' accepted", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(path_check(bad[i], &why) < 0 && why != NULL, "bad path %zu refused (%s)",
		    i, why ? why : "?");
	memset(big, 'a', sizeof(big));
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	for (i = 256; i < sizeof(big) - 1; i += 200)
		big[i] = '/';
	CHECK(path_check(big, &why) == -ENAMETOOLONG, "4097-byte path refused");
	memset(comp, 'b', sizeof(comp));
	comp[0] = '/';
	comp[sizeof(comp) - 1] = '\0';
	CHECK(path_check(comp, &why) == -ENAMETOOLONG, "256-byte component refused");

	CHECK(path_under("/usr/lib", "/usr"), "/usr/lib under /usr");
	CHECK(path_under("/usr", "/usr"), "/usr under /usr");
	CHECK(!path_under("/usrx", "/usr"), "/usrx not under /usr");
	CHECK(path_under("/x", "/"), "everything under /");

	CHECK(target_check("/", "/tmp", 0, &why) < 0, "target / refused");
	CHECK(target_check("/proc", "/tmp", 0, &why) < 0, "target /proc refused");
	CHECK(target_check("/sys", "/tmp", 0, &why) < 0, "target /sys refused");
	CHECK(target_check("/dev", "/tmp", 0, &why) < 0, "target /dev refused");
	CHECK(target_check("/dev/shm", "/tmp", 1, &why) < 0, "strict: beneath /dev refused");
	CHECK(target_check("/proc/sys", "/tmp", 1, &why) < 0, "strict: beneath /proc refused");
	CHECK(target_check("/dev/shm", "/tmp", 0, &why) == 0, "root: beneath /dev allowed");
	CHECK(target_check("/tmp", "/tmp", 0, &why) < 0, "target TMP refused");
	CHECK(target_check("/tmp/cpu", "/tmp", 0, &why) < 0, "target TMP/cpu refused");
	CHECK(target_check("/tmp/cpu/x", "/tmp", 1, &why) < 0, "strict: beneath TMP/cpu refused");
	CHECK(target_check("/tmp/cpu/proc", "/tmp", 0, &why) == 0, "root: beneath TMP/cpu allowed");
	CHECK(target_check("/tmp/local", "/tmp", 0, &why) < 0, "target TMP/local refused");
	CHECK(target_check("/x/cpu", "/x", 1, &why) < 0, "tmp /x: /x/cpu refused");
	CHECK(target_check("/tmp/cpu", "/x", 1, &why) == 0, "tmp /x: /tmp/cpu allowed");
	CHECK(target_check("/home/u", "/tmp", 1, &why) == 0, "/home/u allowed");
}

static void
test_spec(void)
{
	struct ns_spec s;
	char err[512], *huge;
	size_t i;
	static const char *bad[] = {
		":", "::", "/a::/b", ":/a", "/a:", "=/x", "/x=", "a", "/a=b", "/a/../b",
		"//etc", "/etc/", "/a/./b", "/a\n", "/tmp/cpu/../../etc", "/a=/b/..",
	};

	CHECK(nsspec_parse("", &s, err, sizeof(err)) == 0 && s.n == 0, "empty spec: no binds");
	nsspec_free(&s);
	CHECK(nsspec_parse("/lib:/lib64:/usr:/bin:/etc:/home", &s, err, sizeof(err)) == 0 &&
	    s.n == 6 && strcmp(s.v[5].remote, "/home") == 0 &&
	    strcmp(s.v[5].local, "/home") == 0, "default list parses");
	nsspec_free(&s);
	CHECK(nsspec_parse("/bin=/arm/bin:/home/rob=/Users/rob", &s, err, sizeof(err)) == 0 &&
	    s.n == 2 && strcmp(s.v[0].remote, "/bin") == 0 &&
	    strcmp(s.v[0].local, "/arm/bin") == 0 && strcmp(s.v[1].local, "/Users/rob") == 0,
	    "remote=local mapping");
	nsspec_free(&s);
	CHECK(nsspec_parse("/a=/b=c", &s, err, sizeof(err)) == 0 && s.n == 1 &&
	    strcmp(s.v[0].remote, "/a") == 0 && strcmp(s.v[0].local, "/b=c") == 0,
	    "split on the first '='");
	nsspec_free(&s);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = nsspec_parse(bad[i], &s, err, sizeof(err));

		CHECK(rc < 0 && strstr(err, "namespace entry") != NULL,
		    "spec '%s' refused: %s", bad[i][0] == '/' && strchr(bad[i], '\n') ? "(newline)" : bad[i], err);
	}
	/* 10,000 entries */
	huge = malloc(10000 * 3 + 1);
	for (i = 0; i < 10000; i++)
		memcpy(huge + i * 3, "/a:", 3);
	huge[10000 * 3 - 1] = '\0';
	CHECK(nsspec_parse(huge, &s, err, sizeof(err)) == -E2BIG, "10000 entries refused: %s", err);
	free(huge);
	/* targets */
	CHECK(nsspec_parse("/proc", &s, err, sizeof(err)) == 0 &&
	    nsspec_check(&s, "/tmp", err, sizeof(err)) < 0 && strstr(err, "/proc"),
	    "target /proc refused: %s", err);
	nsspec_free(&s);
	CHECK(nsspec_parse("/tmp/cpu=/x", &s, err, sizeof(err)) == 0 &&
	    nsspec_check(&s, "/tmp", err, sizeof(err)) < 0, "target /tmp/cpu refused: %s", err);
	nsspec_free(&s);
	CHECK(nsspec_parse("/=/x", &s, err, sizeof(err)) == 0 &&
	    nsspec_check(&s, "/tmp", err, sizeof(err)) < 0, "target / refused: %s", err);
	nsspec_free(&s);
	CHECK(nsspec_parse("/x=/", &s, err, sizeof(err)) == 0 &&
	    nsspec_check(&s, "/tmp", err, sizeof(err)) == 0, "local / allowed");
	nsspec_free(&s);
}

static int
fstab_one(const char *text, int root, struct fstab *f, char *err, size_t errsz)
{
	struct fstab_policy pol = { root, "/tmp", 1ULL << 30 };

	return fstab_parse(text, strlen(text), &pol, f, err, errsz);
}

static void
test_fstab(void)
{
	struct fstab f;
	char err[512];
	size_t i;
	static const struct { const char *line; const char *expect; } refused[] = {
		{ "/dev/sda1 /mnt ext4 defaults 0 0", "type 'ext4' not permitted" },
		{ "/img /mnt ext4 loop 0 0", "type 'ext4' not permitted" },
		{ "proc /tmp/x proc rw 0 0", "type 'proc' not permitted" },
		{ "sysfs /mnt sysfs rw", "not permitted" },
		{ "debugfs /mnt debugfs rw", "not permitted" },
		{ "tracefs /mnt tracefs rw", "not permitted" },
		{ "securityfs /mnt securityfs rw", "not permitted" },
		{ "bpf /mnt bpf rw", "not permitted" },
		{ "cgroup2 /mnt cgroup2 rw", "not permitted" },
		{ "configfs /mnt configfs rw", "not permitted" },
		{ "mqueue /mnt mqueue rw", "not permitted" },
		{ "overlay /mnt overlay lowerdir=/root,upperdir=/u,workdir=/w", "not permitted" },
		{ "host /mnt 9p trans=tcp", "9P mount comes only" },
		{ "tmpfs /mnt tmpfs size=100G", "size above the cap" },
		{ "tmpfs /mnt tmpfs size=90%", "size above the cap" },
		{ "tmpfs /mnt tmpfs size=1M,mode=4777", "mode must be octal" },
		{ "tmpfs /mnt tmpfs uid=0", "not permitted" },
		{ "tmpfs /mnt tmpfs remount", "option 'remount' not permitted" },
		{ "/x /mnt none move", "option 'move' not permitted" },
		{ "/x /mnt none bind,shared", "option 'shared' not permitted" },
		{ "/x /mnt none rbind,rslave", "option 'rslave' not permitted" },
		{ "/ /mnt none rec,bind,suid", "option 'suid' not permitted" },
		{ "/x /mnt none bind,dev", "option 'dev' not permitted" },
		{ "/x / none bind", "target /:" },
		{ "/x /proc none bind", "target /proc" },
		{ "/x /proc/sys/kernel none bind", "beneath /proc" },
		{ "/x /tmp/cpu none bind", "9P mount" },
		{ "/x /tmp/cpu/bin none bind", "9P mount" },
		{ "/x /tmp none bind", "tmp mount point" },
		{ "/x mnt none bind", "not an absolute path" },
		{ "x /mnt none bind", "bind source" },
		{ "/x/../y /mnt none bind", "bind source" },
		{ "/x /mnt none bind,size=1", "option 'size=1' not permitted" },
		{ "/x /mnt", "expected 'source target type" },
		{ "/x /mnt none bind 0 0 extra", "more than 6 fields" },
		{ "/x /mnt none bind zero 0", "not a number" },
		{ "/dev/sdb none swap sw 0 0", "swap" },
		{ "tmpfs /mnt TMPFS", "bad filesystem type" },
		{ "/x /mnt\\012y none bind", "control character" },
		{ "tmp,fs /mnt tmpfs", "plain name" },
	};

	CHECK(fstab_one("", 0, &f, err, sizeof(err)) == 0 && f.n == 0, "empty fstab");
	fstab_free(&f);
	CHECK(fstab_one("# comment\n\n   \n  # indented\n", 0, &f, err, sizeof(err)) == 0 &&
	    f.n == 0, "comments and blank lines skipped");
	fstab_free(&f);
	CHECK(fstab_one("tmpfs /mnt tmpfs size=1M,mode=0755 0 0\n"
	    "/home/u/src /srv none bind,ro 0 0\n"
	    "/opt /opt rbind defaults\n"
	    "tmpfs /var/tmp tmpfs\n", 0, &f, err, sizeof(err)) == 0 && f.n == 4,
	    "non-root: tmpfs and binds accepted (%s)", err);
	if (f.n == 4) {
		CHECK(f.v[0].kind == FSTAB_TMPFS && strcmp(f.v[0].data, "size=1M,mode=0755") == 0 &&
		    (f.v[0].flags & (MS_NOSUID | MS_NODEV)) == (MS_NOSUID | MS_NODEV),
		    "tmpfs: data kept, nosuid,nodev forced");
		CHECK(f.v[1].kind == FSTAB_BIND && !f.v[1].recursive &&
		    (f.v[1].flags & MS_RDONLY) && (f.v[1].flags & MS_NOSUID) &&
		    strcmp(f.v[1].type, "none") == 0 && f.v[1].line == 2, "bind,ro");
		CHECK(f.v[2].kind == FSTAB_BIND && f.v[2].recursive, "rbind type");
		CHECK(strcmp(f.v[3].data, "size=50%") == 0 &&
		    (f.v[3].flags & MS_NODEV), "tmpfs without options gets the size cap");
	}
	fstab_free(&f);
	CHECK(fstab_one("/my\\040dir /mnt none bind", 0, &f, err, sizeof(err)) == 0 &&
	    f.n == 1 && strcmp(f.v[0].source, "/my dir") == 0, "octal escape decoded");
	fstab_free(&f);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		int rc = fstab_one(refused[i].line, 0, &f, err, sizeof(err));

		CHECK(rc < 0 && strstr(err, refused[i].expect) != NULL &&
		    strncmp(err, "fstab line 1", 12) == 0 && f.n == 0,
		    "non-root refused '%s': %s", refused[i].line, err);
	}
	CHECK(fstab_one("tmpfs /a tmpfs\nproc /b proc rw\n", 0, &f, err, sizeof(err)) < 0 &&
	    strncmp(err, "fstab line 2:", 13) == 0 && f.n == 0,
	    "error names line 2, nothing partial: %s", err);
	/* root: wider list */
	CHECK(fstab_one("myfs /mnt virtiofs rw 0 0", 1, &f, err, sizeof(err)) == 0 &&
	    f.n == 1 && f.v[0].kind == FSTAB_OTHER && strcmp(f.v[0].type, "virtiofs") == 0 &&
	    !(f.v[0].flags & MS_NOSUID), "root: virtiofs accepted (%s)", err);
	fstab_free(&f);
	CHECK(fstab_one("proc /tmp/cpu/proc proc rw 0 0\n/sys /tmp/cpu/sys none bind,rslave,rec 0 0\n",
	    1, &f, err, sizeof(err)) == 0 && f.n == 2 &&
	    f.v[1].propagation == (MS_SLAVE | MS_REC) && f.v[1].recursive,
	    "root: u-root #92 chroot fstab accepted (%s)", err);
	fstab_free(&f);
	CHECK(fstab_one("/x /mnt none bind,remount", 1, &f, err, sizeof(err)) < 0,
	    "root: remount refused: %s", err);
	CHECK(fstab_one("/x / none bind", 1, &f, err, sizeof(err)) < 0,
	    "root: target / refused: %s", err);
	CHECK(fstab_one("/x /mnt 9p trans=tcp,port=564", 1, &f, err, sizeof(err)) == 0 &&
	    f.n == 1 && strcmp(f.v[0].data, "trans=tcp,port=564") == 0, "root: 9p data kept");
	fstab_free(&f);
	/* size caps */
	{
		char *big = malloc(NSEXEC_FSTAB_MAX + 2);
		size_t n = 0;

		memset(big, '#', NSEXEC_FSTAB_MAX + 1);
		big[NSEXEC_FSTAB_MAX + 1] = '\0';
		CHECK(fstab_one(big, 0, &f, err, sizeof(err)) == -EMSGSIZE, "65537-byte fstab refused");
		n = 0;
		for (i = 0; i < 300; i++)
			n += (size_t)sprintf(big + n, "tmpfs /m%zu tmpfs\n", i);
		CHECK(fstab_one(big, 0, &f, err, sizeof(err)) == -E2BIG, "300 lines refused: %s", err);
		free(big);
	}
	CHECK(fstab_parse("tmpfs /a tmpfs\0", 15, &(struct fstab_policy){ 0, "/tmp", 1 << 30 },
	    &f, err, sizeof(err)) < 0, "NUL byte refused");
}

/* Parse a comma-separated option string back into keys. */
static int
count_key(const char *opts, const char *key)
{
	char *copy = strdup(opts), *tok, *save = NULL;
	int n = 0;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		size_t kl = eq ? (size_t)(eq - tok) : strlen(tok);

		if (strlen(key) == kl && strncmp(tok, key, kl) == 0)
			n++;
	}
	free(copy);
	return n;
}

static void
test_p9opts(void)
{
	struct p9_mount_opts o = { 7, 65536, "alice", 0, 1000, 0, 0 };
	static const char *keys[] = { "trans", "rfdno", "wfdno", "version", "msize",
	    "cache", "access", "noxattr", "uname" };
	static const char *hostile[] = { "u,access=any,dfltuid=0", "a=b", "a b", "a\n",
	    "", "8192,trans=tcp" };
	char buf[512];
	size_t i;
	int total = 0;

	CHECK(p9_opts_build(&o, buf, sizeof(buf)) == 0, "options built: %s", buf);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		CHECK(count_key(buf, keys[i]) == 1, "key %s exactly once", keys[i]);
		total++;
	}
	{
		char *c = strdup(buf), *t, *s = NULL;
		int n = 0;

		for (t = strtok_r(c, ",", &s); t; t = strtok_r(NULL, ",", &s))
			n++;
		free(c);
		CHECK(n == total, "no other key (%d tokens)", n);
	}
	CHECK(strstr(buf, "access=1000") && strstr(buf, "cache=none") &&
	    strstr(buf, "rfdno=7,wfdno=7") && strstr(buf, "version=9p2000.L"),
	    "non-root: access=<uid>, cache=none");
	o.root = 1;
	o.cached = 1;
	o.uname = NULL;
	CHECK(p9_opts_build(&o, buf, sizeof(buf)) == 0 && strstr(buf, "access=client") &&
	    strstr(buf, "cache=loose") && count_key(buf, "uname") == 0,
	    "root: access=client, cache=loose, no uname: %s", buf);
	CHECK(count_key(buf, "ignoreqv") == 1 && count_key(buf, "noxattr") == 1,
	    "the cached mount asks for ignoreqv and noxattr at step 0");
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		o.uname = hostile[i];
		CHECK(p9_opts_build(&o, buf, sizeof(buf)) == -EINVAL,
		    "hostile uname %zu refused", i);
	}
	o.uname = NULL;
	o.step = 1;
	CHECK(p9_opts_build(&o, buf, sizeof(buf)) == 0 && count_key(buf, "noxattr") == 0 &&
	    count_key(buf, "ignoreqv") == 0 &&
	    strstr(buf, "access=client") && strstr(buf, "cache=loose") &&
	    strstr(buf, "version=9p2000.L"),
	    "the last step: no optional key, the rest kept: %s", buf);
	o.step = P9_OPTS_STEPS;
	CHECK(p9_opts_build(&o, buf, sizeof(buf)) == -EINVAL, "a step past the last refused");
	o.step = 0;
	o.msize = 100;
	CHECK(p9_opts_build(&o, buf, sizeof(buf)) == -EINVAL, "msize 100 refused");
	o.msize = 2u << 20;
	CHECK(p9_opts_build(&o, buf, sizeof(buf)) == -EINVAL, "msize 2 MiB refused");
	CHECK(opt_token_check("machine$", 255) == 0 && opt_token_check("a.b-c_d@e", 255) == 0,
	    "plain tokens accepted");
}

static void
test_env(void)
{
	char err[256], **v;
	static const char ok1[] = "A=1\0PATH=/bin\0A=2\0CPU_FSTAB=x\0LC_GLENDA_CPU_FSTAB=y\0CPUNONCE=z\0E=\0";
	size_t i;

	CHECK(env_parse(ok1, sizeof(ok1) - 1, &v, err, sizeof(err)) == 0, "env parsed (%s)", err);
	if (v != NULL) {
		CHECK(strcmp(v[0], "PATH=/bin") == 0 && strcmp(v[1], "A=2") == 0 &&
		    strcmp(v[2], "E=") == 0 && v[3] == NULL,
		    "later duplicate wins, internal vars dropped, order kept");
		env_free(v);
	}
	CHECK(env_parse("A=1\0B=2", 7, &v, err, sizeof(err)) == 0 && v[1] && !v[2],
	    "no trailing NUL is fine");
	env_free(v);
	CHECK(env_parse("", 0, &v, err, sizeof(err)) == 0 && v[0] == NULL, "empty env");
	env_free(v);
	CHECK(env_parse("A=1\0\0B=2", 8, &v, err, sizeof(err)) < 0 && strstr(err, "entry 2"),
	    "empty record refused: %s", err);
	CHECK(env_parse("A=1\0NOEQ", 8, &v, err, sizeof(err)) < 0 && strstr(err, "entry 2"),
	    "record without '=' refused: %s", err);
	CHECK(env_parse("=x", 2, &v, err, sizeof(err)) < 0 && strstr(err, "empty name"),
	    "empty name refused: %s", err);
	{
		size_t n = 70000 * 4;
		char *big = malloc(n);

		for (i = 0; i < 70000; i++)
			memcpy(big + i * 4, "A=1", 4);
		CHECK(env_parse(big, n, &v, err, sizeof(err)) == -E2BIG, "70000 entries refused");
		free(big);
	}
	{
		size_t n = 60000 * 8;
		char *big = malloc(n);

		for (i = 0; i < 60000; i++)
			snprintf(big + i * 8, 8, "V%05zu=", i % 30000);
		CHECK(env_parse(big, n, &v, err, sizeof(err)) == 0 && v[29999] != NULL &&
		    v[30000] == NULL, "60000 records with duplicates handled");
		env_free(v);
		free(big);
	}
}

/* The export's modes (-r, -w): which binds are read-only in the kernel. */
static void
test_modes(void)
{
	struct ns_modes m;
	char err[256], big[NSEXEC_SPEC_MAX + 2];
	size_t i;

	CHECK(nsmodes_parse(NULL, NULL, &m, err, sizeof(err)) == 0 && !m.given,
	    "no -r/-w: not given");
	CHECK(!nsmodes_readonly(&m, "/usr"), "not given: nothing read-only");
	CHECK(nsmodes_parse("/usr:/etc:/home/u/ro", "/home/u:/usr/local:/opt",
	    &m, err, sizeof(err)) == 0 && m.given && m.ro.n == 3 && m.rw.n == 3,
	    "two lists parse");
	CHECK(nsmodes_readonly(&m, "/etc"), "/etc read-only");
	CHECK(nsmodes_readonly(&m, "/etc/ssl"), "below a read-only tree: read-only");
	CHECK(!nsmodes_readonly(&m, "/usr"), "/usr holds writable /usr/local: not ro");
	CHECK(nsmodes_readonly(&m, "/usr/lib"), "/usr/lib: read-only");
	CHECK(!nsmodes_readonly(&m, "/usr/local/bin"), "below writable /usr/local: rw");
	CHECK(!nsmodes_readonly(&m, "/home/u"), "/home/u writable");
	CHECK(nsmodes_readonly(&m, "/home/u/ro/x"), "the deepest wins: /home/u/ro read-only");
	CHECK(!nsmodes_readonly(&m, "/home"), "/home: an ancestor of a writable tree");
	CHECK(!nsmodes_readonly(&m, "/"), "/: writable trees below");
	CHECK(nsmodes_readonly(&m, "/srv"), "/srv: in no tree (ancestor or outside): ro");
	nsmodes_free(&m);
	CHECK(nsmodes_parse("/usr", "", &m, err, sizeof(err)) == 0 &&
	    nsmodes_readonly(&m, "/"), "nothing writable: / read-only");
	nsmodes_free(&m);
	CHECK(nsmodes_parse("", "/", &m, err, sizeof(err)) == 0 &&
	    !nsmodes_readonly(&m, "/usr"), "rw /: nothing read-only");
	nsmodes_free(&m);
	CHECK(nsmodes_parse("/usr:/usr", "/usr", &m, err, sizeof(err)) == 0 &&
	    !nsmodes_readonly(&m, "/usr"), "the same path in both: writable wins");
	nsmodes_free(&m);
	CHECK(nsmodes_parse("/a::/b", "", &m, err, sizeof(err)) == -EINVAL &&
	    strstr(err, "read-only (-r) entry 2") != NULL, "empty entry refused (%s)", err);
	CHECK(nsmodes_parse("", "/a/../b", &m, err, sizeof(err)) == -EINVAL &&
	    strstr(err, "writable (-w) entry 1") != NULL, "'..' refused (%s)", err);
	CHECK(nsmodes_parse("usr", "", &m, err, sizeof(err)) == -EINVAL, "relative refused");
	CHECK(nsmodes_parse("/a\nb", "", &m, err, sizeof(err)) == -EINVAL &&
	    strchr(err, '\n') == NULL, "control character refused, escaped (%s)", err);
	for (i = 0; i < 300; i++)
		big[2 * i] = '/', big[2 * i + 1] = ':';
	big[599] = '\0';
	CHECK(nsmodes_parse(big, "", &m, err, sizeof(err)) == -E2BIG, "300 entries refused");
	memset(big, 'a', sizeof(big));
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	CHECK(nsmodes_parse("", big, &m, err, sizeof(err)) == -EMSGSIZE, "64 KiB + 1 refused");
}

int
main(void)
{
	test_paths();
	test_spec();
	test_fstab();
	test_p9opts();
	test_env();
	test_modes();
	printf("1..%d\n", count);
	return failures ? 1 : 0;
}
