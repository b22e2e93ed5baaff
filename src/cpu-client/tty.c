/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tty: the user's terminal goes raw for a session with a remote pty and is
 * restored on every way out (tty_restore is called from the exit paths and
 * from atexit, and is safe to call twice or from a signal handler).
 */
#include "config.h"

#include <errno.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "client.h"

static struct termios saved;
static int saved_fd = -1;

int
tty_raw(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &saved) != 0)
		return -errno;
	t = saved;
	/* As ssh does: no input translation, no signals, no echo, no output
	 * processing; the remote line discipline does all of it. */
	t.c_iflag |= IGNPAR;
	t.c_iflag &= ~(ISTRIP | INLCR | IGNCR | ICRNL | IXON | IXANY | IXOFF);
#ifdef IUCLC
	t.c_iflag &= ~IUCLC;
#endif
	t.c_lflag &= ~(ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHONL | IEXTEN);
	t.c_oflag &= ~OPOST;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSADRAIN, &t) != 0)
		return -errno;
	saved_fd = fd;
	return 0;
}

void
tty_restore(void)
{
	if (saved_fd >= 0) {
		(void)tcsetattr(saved_fd, TCSADRAIN, &saved);
		saved_fd = -1;
	}
}

int
tty_winsize(int fd, uint16_t *rows, uint16_t *cols, uint16_t *xp, uint16_t *yp)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) != 0)
		return -errno;
	*rows = ws.ws_row;
	*cols = ws.ws_col;
	*xp = ws.ws_xpixel;
	*yp = ws.ws_ypixel;
	return 0;
}
