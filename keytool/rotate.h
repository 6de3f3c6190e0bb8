/*
 * rotate.h - shared by the rotate commands (rotate.c, rotstart.c,
 * rotact.c).
 */
#ifndef KT_ROTATE_H
#define KT_ROTATE_H

#include "keyset.h"
#include "rotstate.h"

struct rot_opt {
	const char *domain, *selector, *old, *owner;
	const char *type;   /* NULL: as the old key */
	unsigned bits;      /* 0: as the old key */
	long grace;         /* seconds */
	int reload_timeout; /* seconds */
};

/* rot_ctx - tables, state and clock of one rotate command */
struct rot_ctx {
	struct kt_conf *c;
	struct kt_keyset ks;
	struct kt_rotstate rs;
	time_t now;
};

/* rot_open - load the tables and the state; -1 with a message */
int rot_open(struct rot_ctx *x, struct kt_conf *c);
void rot_close(struct rot_ctx *x);
/* rot_writable - the folders of the files a command will replace */
int rot_writable(const char *path);
/* rot_known - the domain has a key in the key table (else a message) */
int rot_known(const struct rot_ctx *x, const char *domain);

int rot_start(struct rot_ctx *x, const struct rot_opt *o);
int rot_status(struct rot_ctx *x, const struct rot_opt *o);
int rot_activate(struct rot_ctx *x, const struct rot_opt *o);
int rot_retire(struct rot_ctx *x, const struct rot_opt *o);

#endif /* KT_ROTATE_H */
