/*
 * msgint.h - the inside of a dkim_msg, shared by msg.c, msg_signer.c,
 * msg_write.c, sign.c, verify.c and hhash.c.  Internal.
 *
 * DESCRIPTION
 *	One message: options, header store, the shared body hashes, the
 *	signatures requested (signers) and the signatures found (vsigs).
 *	A sticky error (ENOMEM, ECRYPTO) makes every later call fail the
 *	same way, so a milter maps it to one action.
 */
#ifndef DKIM_MSGINT_H
#define DKIM_MSGINT_H

#include "dkim.h"
#include "internal.h"
#include "bodyhash.h"
#include "hdrs.h"

enum msg_state {
	MSG_HEADERS = 0, /* before dkim_msg_eoh */
	MSG_BODY,        /* between eoh and eom */
	MSG_DONE         /* after dkim_msg_eom */
};

/* one signature requested with dkim_msg_add_signer */
struct signer {
	char *domain, *selector, *identity;
	dkim_key *key; /* a reference */
	dkim_alg alg;
	dkim_canon hcanon, bcanon;
	char **headers;  /* NULL-terminated copy, or NULL */
	char **oversign; /* NULL-terminated copy, or NULL */
	int timestamp;
	unsigned long expire;
	int body_length;
	struct bodyhash *bh; /* owned by the message's set */
	char *value;         /* the field value once signed */
};

/* one DKIM-Signature field found at eoh */
struct vsig {
	size_t hdr; /* index into the header store */
	int parsed; /* sig_parse succeeded */
	struct dkim_sig sig;
	struct bodyhash *bh; /* NULL when not hashed */
	dkim_sig_result res;
	int done; /* verdict computed */
};

/* dkim_msg_write's parser state (msg_write.c) */
struct msg_writer {
	char *field; /* the field being collected, raw */
	size_t flen, fcap;
	int at_bol;     /* at the beginning of a line */
	int bol_cr;     /* a CR at the beginning of a line */
	int first_done; /* the first line is complete */
};

struct dkim_msg {
	dkim_options opt;
	enum msg_state state;
	dkim_rc err; /* sticky: ENOMEM, ECRYPTO */
	int wrote;   /* dkim_msg_write in use */
	struct hdrs hdrs;
	struct bodyhash_set bhs;
	struct signer *signers;
	size_t nsigners;
	struct vsig *vsigs;
	size_t nvsigs;
	struct msg_writer w;
};

/* signer_clear - release what one signer holds */
void signer_clear(struct signer *s);
/* msg_now - the injected clock (RFC 6376 t=, x=) */
time_t msg_now(const dkim_msg *msg);
/* msg_bodyhash_count - body hashes created, for the tests that check
 * signatures with one (canonicalization, hash, l=) share one */
size_t msg_bodyhash_count(const dkim_msg *msg);
/* msg_write_end - dkim_msg_eom's flush of dkim_msg_write's state */
dkim_rc msg_write_end(dkim_msg *msg);
void msg_writer_free(struct msg_writer *w);

/*
 * header_hash - RFC 6376 3.7: hash the fields named by h= (bottom-up
 * instances), then the signature field itself (b= already blanked by
 * the caller) canonicalized without its trailing CRLF.  digest gets
 * EVP_MAX_MD_SIZE octets.  -1 ENOMEM, -2 OpenSSL.
 */
int header_hash(const struct hdrs *h, dkim_alg alg, dkim_canon hc,
    const char *const *names, size_t nnames, const char *sigfield,
    size_t siglen, unsigned char *digest, unsigned int *dlen);

/*
 * verdict_set - the one-way state of a signature's verdict: a final
 * verdict (pass, fail, permerror) is never replaced; a temperror only by
 * a permerror; none by anything.  Returns 1 when the verdict changed.
 */
int verdict_set(dkim_sig_result *res, dkim_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* result_fill - the parts of a result taken from the field itself */
void result_fill(dkim_sig_result *r, const struct dkim_sig *sig);

/*
 * verify_with_record - checks of RFC 6376 6.1.2-6.1.3 and RFC 8301 for a
 * parsed signature against one key record: key/algorithm policy, body
 * hash, header hash, signature.  field: the raw DKIM-Signature field.
 * Fills res.  Returns DKIM_OK (verdict in res) or ENOMEM/ECRYPTO (an
 * internal failure: res holds no verdict to use).
 */
dkim_rc verify_with_record(dkim_msg *msg, const struct dkim_sig *sig,
    const char *field, size_t flen, const struct bodyhash *bh,
    const dkim_keyrec *rec, dkim_sig_result *res);

#endif /* DKIM_MSGINT_H */
