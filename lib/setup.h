/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * setup: the session setup record, sent once by the client in a SETUP
 * frame.  Encoding (all little-endian, strings are u32 length + bytes, no
 * NUL inside any string):
 *
 *   u32 flags           SETUP_*
 *   u32 msize           9P msize the client's server will grant
 *   u8  n9p             number of 9P channels (0 when 9P is off)
 *   u16 rows, cols, xpixel, ypixel   initial window (with SETUP_TTY)
 *   str term            TERM for the remote pty
 *   str cwd             client's working directory
 *   str namespace       colon list ("" = no binds)
 *   str fstab           fstab(5) text ("" = none)
 *   str tmpmnt          private tmp mount point (default /tmp)
 *   str user            client user name (9P uname)
 *   str cache           9P cache policy name ("" = server default)
 *   u32 argc, argc x str   command; argc 0 = the login shell
 *   u32 envc, envc x str   the client's environment, "NAME=value"
 *   with SETUP_EXPORT only (a record without it ends above):
 *   str ro              colon list of the export's read-only trees
 *   str rw              colon list of its writable trees
 *                       (canonical absolute paths in the export, like
 *                       the namespace's local sides; nsexec binds a
 *                       local side read-only when nothing writable is
 *                       at or beneath it: the kernel then says EROFS
 *                       itself.  The client's 9P server enforces the
 *                       modes whatever the remote does with these.)
 *
 * The decoder enforces the limits below before allocating and insists on
 * exact consumption of the body.
 */
#ifndef CPU_SETUP_H
#define CPU_SETUP_H

#include <stdint.h>
#include "buf.h"

#define SETUP_9P	0x01	/* serve 9P; mount /tmp/cpu */
#define SETUP_TTY	0x02	/* make a pty for the command */
#define SETUP_DEBUG	0x04	/* verbose remote diagnostics */
#define SETUP_DBG9P	0x08	/* (client side) trace 9P */
#define SETUP_EXPORT	0x10	/* the ro and rw lists follow the environment */
#define SETUP_FLAGS_ALL	0x1f

#define SETUP_MAX_ARGC		65536
#define SETUP_MAX_ENVC		65536
#define SETUP_MAX_STR		(1024u * 1024)	/* one string */
#define SETUP_MAX_PATH		4096		/* cwd, tmpmnt */
#define SETUP_MAX_NS		(64u * 1024)	/* namespace spec */
#define SETUP_MAX_FSTAB		(64u * 1024)
#define SETUP_MAX_NAME		256		/* term, user, cache */

struct cpu_setup {
	uint32_t	 flags;
	uint32_t	 msize;
	uint8_t		 n9p;
	uint16_t	 rows, cols, xpix, ypix;
	char		*term;
	char		*cwd;
	char		*ns;
	char		*fstab;
	char		*tmpmnt;
	char		*user;
	char		*cache;
	uint32_t	 argc;
	char		**argv;		/* argc entries + NULL */
	uint32_t	 envc;
	char		**env;		/* envc entries + NULL */
	char		*ro, *rw;	/* with SETUP_EXPORT, else NULL */
};

/* Append the record (not the frame header) to out. */
int	setup_encode(const struct cpu_setup *, struct buf *out);
/* Decode; on success the strings are heap copies owned by *s. */
int	setup_decode(struct rd *, struct cpu_setup *s);
void	setup_free(struct cpu_setup *);

#endif
