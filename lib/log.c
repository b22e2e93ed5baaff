/* log: stderr/syslog reporting for the programs.  See log.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static const char *log_name = "cpu";
static int log_dest = LOG_TO_STDERR;
static enum log_level log_level = LOG_LVL_WARN;
static int log_crlf;

void
log_init(const char *prog, int dest, enum log_level lvl)
{
	const char *slash = strrchr(prog, '/');

	log_name = slash ? slash + 1 : prog;
	log_dest = dest;
	log_level = lvl;
	if (dest & LOG_TO_SYSLOG)
		openlog(log_name, LOG_PID, LOG_AUTH);
}

void log_set_level(enum log_level l) { log_level = l; }
void log_set_crlf(int on) { log_crlf = on; }
enum log_level log_get_level(void) { return log_level; }
const char *log_prog(void) { return log_name; }

void
log_set_dest(int dest)
{
	if ((dest & LOG_TO_SYSLOG) && !(log_dest & LOG_TO_SYSLOG))
		openlog(log_name, LOG_PID, LOG_AUTH);
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
		syslog(prio[lvl], "%s", line);
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
