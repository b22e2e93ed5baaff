/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * report: how nsexec tells its parent what happened.
 *
 * With -E FD (cpu-subsystem), one line per event on that close-on-exec
 * descriptor: "W <message>\n" for a warning (the session goes on) and
 * "E <message>\n" for the fatal error, written right before exit(125).
 * EOF without an "E" line therefore means the command was exec'd.
 * Without -E the same messages go to stderr as "nsexec: ...".
 * Messages are always one line: callers escape what came from outside
 * with esc(), and any newline left is replaced here.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "nsexec.h"

static int status_fd = -1;

void
report_init(int fd)
{
	status_fd = fd;
}

static void
emit(char kind, const char *fmt, va_list ap)
{
	char msg[1024], line[1100];
	size_t i;
	int n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (i = 0; msg[i] != '\0'; i++)
		if (msg[i] == '\n' || msg[i] == '\r')
			msg[i] = ' ';
	if (status_fd < 0) {
		log_msg(kind == 'E' ? LOG_LVL_ERROR : LOG_LVL_WARN, "%s", msg);
		return;
	}
	n = snprintf(line, sizeof(line), "%c %s\n", kind, msg);
	if (n > (int)sizeof(line) - 1) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (write_all(status_fd, line, (size_t)n) < 0)
		log_msg(kind == 'E' ? LOG_LVL_ERROR : LOG_LVL_WARN, "%s", msg);
	log_debug("%s: %s", kind == 'E' ? "error" : "warning", msg);
}

void
report_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit('W', fmt, ap);
	va_end(ap);
}

void
report_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit('E', fmt, ap);
	va_end(ap);
	exit(NSEXEC_EXIT_SETUP);
}
