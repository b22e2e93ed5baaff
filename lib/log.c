/* SPDX-License-Identifier: BSD-3-Clause */
/* log: stderr/syslog reporting for the programs.  See log.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static const char *log_name = "cpu";
static int log_dest = LOG_TO_STDERR;
static enum log_level log_level = LOG_LVL_WARN;
static int log_crlf;
static int log_sock = -1;
static dev_t log_sock_dev;	/* which socket log_sock is: a child that */
static ino_t log_sock_ino;	/* closed its fds may have reused the number */

/*
 * syslog(3), but not glibc's: that one stamps each line with the local
 * time, and in a static program localtime brings tzset, sscanf and strtod
 * along, about 100 KiB that page in with the rest of cpu-subsystem.  The
 * receiver (journald, rsyslog) stamps what comes without a time.  Lines
 * are lost, as with syslog(3), when nothing listens on /dev/log.
 */
static void
syslog_line(int prio, const char *line)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
	char msg[2200];
	struct stat st;
	int n, tries;

	n = snprintf(msg, sizeof(msg), "<%d>%s[%ld]: %s", LOG_AUTH | prio,
	    log_name, (long)getpid(), line);
	if (n < 0)
		return;
	if (n > (int)sizeof(msg) - 1)
		n = sizeof(msg) - 1;
	/* Never send to, or close, a descriptor that is no longer ours. */
	if (log_sock >= 0 && (fstat(log_sock, &st) != 0 ||
	    st.st_dev != log_sock_dev || st.st_ino != log_sock_ino))
		log_sock = -1;
	/* A second try reconnects: the daemon may have restarted. */
	for (tries = 0; tries < 2; tries++) {
		if (log_sock < 0) {
			if ((log_sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
				return;
			if (connect(log_sock, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
			    fstat(log_sock, &st) != 0) {
				close(log_sock);
				log_sock = -1;
				return;
			}
			log_sock_dev = st.st_dev;
			log_sock_ino = st.st_ino;
		}
		if (send(log_sock, msg, (size_t)n, MSG_NOSIGNAL) >= 0)
			return;
		close(log_sock);
		log_sock = -1;
	}
}

void
log_init(const char *prog, int dest, enum log_level lvl)
{
	const char *slash = strrchr(prog, '/');

	log_name = slash ? slash + 1 : prog;
	log_dest = dest;
	log_level = lvl;
}

void log_set_level(enum log_level l) { log_level = l; }
void log_set_crlf(int on) { log_crlf = on; }
enum log_level log_get_level(void) { return log_level; }
const char *log_prog(void) { return log_name; }

void
log_set_dest(int dest)
{
	log_dest = dest;
}

void
log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG, LOG_DEBUG };
	char line[2048];
	int saved = errno;

	if (lvl > log_level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_dest & LOG_TO_SYSLOG)
		syslog_line(prio[lvl], line);
	if (log_dest & LOG_TO_STDERR) {
		/* One write per line so concurrent writers do not interleave. */
		char out[2200];
		int n = snprintf(out, sizeof(out), "%s: %s%s%s", log_name,
		    lvl == LOG_LVL_WARN ? "warning: " : "", line,
		    log_crlf ? "\r\n" : "\n");

		if (n > (int)sizeof(out) - 1)
			n = sizeof(out) - 1;
		/* A failed write of a diagnostic has nowhere better to go. */
		if (n > 0)
			(void)!write(STDERR_FILENO, out, (size_t)n);
	}
	errno = saved;
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

void
log_fatal(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERROR, fmt, ap);
	va_end(ap);
	exit(code);
}

char *
log_escape(char *dst, size_t dstsz, const void *src, size_t srclen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = src;
	size_t i, o = 0;

	if (dstsz == 0)
		return dst;
	for (i = 0; i < srclen; i++) {
		unsigned char c = s[i];

		/* Cut only when this byte (up to 4 out) and "..." do not fit. */
		if (o + 4 + 3 >= dstsz && !(i + 1 == srclen && o + 4 < dstsz)) {
			if (dstsz >= 4) {
				if (o > dstsz - 4)
					o = dstsz - 4;
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			dst[o++] = (char)c;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
	return dst;
}
