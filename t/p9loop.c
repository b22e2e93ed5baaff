/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * p9loop: the smallest event loop around p9conn_process(), for the test
 * tools p9serve and p9run.  Blocking I/O on one descriptor: read what is
 * there, answer every complete request, write every reply, repeat.  The
 * kernel's fd transport reads replies independently of sending requests,
 * so blocking writes cannot deadlock with it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "export.h"
#include "log.h"
#include "p9.h"
#include "p9loop.h"
#include "p9srv.h"
#include "proto.h"
#include "util.h"

static void
trace_line(void *arg, const char *line)
{
	log_msg(LOG_LVL_ERROR, "%s", line);
}

static void
log_line(void *arg, const char *line)
{
	log_warn("%s", line);
}

int
p9loop_parse_size(const char *s, uint32_t *out)
{
	unsigned long long v, mul = 1;
	char num[32];
	size_t n = strlen(s);

	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n + 1);
	if (num[n - 1] == 'k' || num[n - 1] == 'K')
		mul = 1024;
	else if (num[n - 1] == 'm' || num[n - 1] == 'M')
		mul = 1024 * 1024;
	if (mul != 1)
		num[n - 1] = '\0';
	if (parse_uint(num, 1, UINT32_MAX, &v) != 0 || v * mul > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)(v * mul);
	return 0;
}

static void
print_stats(const struct p9conn *c)
{
	const uint64_t *n = p9conn_counts(c);
	char line[2048];
	size_t len = 0;
	uint64_t total = 0;
	int t;

	line[0] = '\0';
	for (t = 0; t < 256; t++) {
		if (n[t] == 0)
			continue;
		if (t != P9_RLERROR)
			total += n[t];
		len += (size_t)snprintf(line + len, sizeof(line) - len, " %s=%llu",
		    t == P9_RLERROR ? "errors" : p9_type_name((uint8_t)t) + 1,
		    (unsigned long long)n[t]);
		if (len >= sizeof(line))
			break;
	}
	log_msg(LOG_LVL_ERROR, "9p messages: total=%llu%s",
	    (unsigned long long)total, line);
}

int
p9loop_add_export(struct p9loop_opts *o, const char *spec)
{
	if (o->nexports >= P9LOOP_MAXEXPORT)
		return -EINVAL;
	if (strncmp(spec, "rw:", 3) != 0 && strncmp(spec, "ro:", 3) != 0 &&
	    strncmp(spec, "hide:", 5) != 0)
		return -EINVAL;
	o->exports[o->nexports++] = spec;
	return 0;
}

/* The policy of the -E arguments, or NULL with *err set (0: none). */
static struct export *
build_export(int rootfd, const struct p9loop_opts *o, int *err)
{
	struct export *ex;
	unsigned i;
	int r;

	*err = 0;
	if (o->nexports == 0)
		return NULL;
	if ((ex = export_new(rootfd)) == NULL) {
		*err = -errno;
		return NULL;
	}
	for (i = 0; i < o->nexports; i++) {
		const char *s = o->exports[i];

		if (strncmp(s, "hide:", 5) == 0)
			r = export_hide(ex, s + 5);
		else
			r = export_add_tree(ex, s + 3,
			    s[1] == 'o' ? EXPORT_RO : EXPORT_RW);
		if (r != 0) {
			log_error("-E %s: %s", s, strerror(-r));
			export_free(ex);
			*err = r;
			return NULL;
		}
	}
	return ex;
}

int
p9loop_serve(int fd, const struct p9loop_opts *o)
{
	struct export *ex;
	struct p9srv_conf conf;
	struct p9conn *c;
	struct buf in, out;
	ssize_t n;
	int rootfd, r = 0;

	if ((rootfd = open(o->root, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		r = -errno;
		log_error("%s: %s", o->root, strerror(errno));
		return r;
	}
	if ((ex = build_export(rootfd, o, &r)) == NULL && r != 0) {
		close(rootfd);
		return r;
	}
	memset(&conf, 0, sizeof(conf));
	conf.export = ex;
	conf.rootfd = rootfd;
	conf.max_msize = o->max_msize;
	conf.readonly = o->readonly;
	conf.log = log_line;
	if (o->trace)
		conf.trace = trace_line;
	if ((c = p9conn_new(&conf)) == NULL) {
		r = -errno;
		log_error("p9conn_new: %s", strerror(errno));
		export_free(ex);
		close(rootfd);
		return r;
	}
	close(rootfd);
	buf_init(&in, p9conn_msize(c) + 4096);
	buf_init(&out, 2 * (size_t)p9conn_msize(c));
	(void)fd_set_nonblock(fd, 0);
	for (;;) {
		if ((r = p9conn_process(c, &in, &out)) != 0)
			break;
		if (buf_len(&out) > 0) {
			while (buf_len(&out) > 0)
				if ((n = buf_write_fd(&out, fd)) < 0) {
					r = (int)n;
					log_error("write: %s", strerror(-r));
					goto done;
				}
			continue;
		}
		n = buf_read_fd(&in, fd, buf_room(&in));
		if (n == 0)
			break;		/* EOF: the mount is gone */
		if (n < 0) {
			r = n == -ECONNRESET ? 0 : (int)n;
			if (r != 0)
				log_error("read: %s", strerror(-r));
			break;
		}
	}
done:
	if (o->stats)
		print_stats(c);
	p9conn_free(c);
	export_free(ex);
	buf_free(&in);
	buf_free(&out);
	return r;
}
