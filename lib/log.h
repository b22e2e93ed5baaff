/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * log: the one place programs report through.  Library code never calls
 * these except through a caller-supplied hook; programs call log_init()
 * once and then log_error()/log_warn()/log_info()/log_debug().
 *
 * Destinations: stderr (prefixed "prog: "), syslog, or both.  Text that
 * came from a peer is escaped with log_escape() before it is printed, so
 * no control character from the wire reaches the user's terminal.
 */
#ifndef CPU_LOG_H
#define CPU_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG, LOG_LVL_TRACE };

#define LOG_TO_STDERR	0x1
#define LOG_TO_SYSLOG	0x2

void	log_init(const char *prog, int dest, enum log_level);
void	log_set_level(enum log_level);
enum log_level log_get_level(void);
void	log_set_dest(int dest);
const char *log_prog(void);
/* End stderr lines with \r\n (the terminal is in raw mode). */
void	log_set_crlf(int on);

void	log_msg(enum log_level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_vmsg(enum log_level, const char *fmt, va_list)
	    __attribute__((format(printf, 2, 0)));
#define log_error(...)	log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)	do { if (log_get_level() >= LOG_LVL_DEBUG) \
	log_msg(LOG_LVL_DEBUG, __VA_ARGS__); } while (0)
#define log_trace(...)	do { if (log_get_level() >= LOG_LVL_TRACE) \
	log_msg(LOG_LVL_TRACE, __VA_ARGS__); } while (0)

/* Print an error and exit with code. */
void	log_fatal(int code, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

/* Copy at most srclen bytes of src into dst (size dstsz) with every byte
 * outside printable ASCII written as \xHH; always NUL-terminates.  Long
 * input is cut and ends in "...".  Returns dst. */
char	*log_escape(char *dst, size_t dstsz, const void *src, size_t srclen);

#endif
