/*
 * sv_helpers.h - shared by test_sign_verify.c and test_verify_policy.c:
 * generated keys, an in-memory key table, and "sign this message" /
 * "verify this message" helpers (the clock is testutil's tu_clock).
 * Header-only (static functions), so no other unit test links it.
 */
#ifndef SV_HELPERS_H
#define SV_HELPERS_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dkim.h"
#include "msgint.h"
#include "testutil.h"

#define SV_UNUSED __attribute__((unused))

#define T0 1700000000

static dkim_key *rsa_key, *ed_key, *rsa_other;
static char *rsa_rec, *ed_rec, *other_rec;

/* ---- a lookup table in memory ---- */
struct tentry {
	const char *name;
	const char *txt; /* NULL with status */
	dkim_dns_status status;
};
struct ttable {
	struct tentry e[8];
	size_t n;
};

SV_UNUSED static dkim_rc
tquery(void *ctx, const char *name, dkim_txt_answer *ans)
{
	struct ttable *t = ctx;
	size_t i;

	ans->status = DKIM_DNS_NXDOMAIN;
	for (i = 0; i < t->n; i++) {
		if (strcasecmp(t->e[i].name, name) != 0)
			continue;
		ans->status = t->e[i].status;
		if (t->e[i].txt != NULL &&
		    dkim_txt_answer_add(ans, t->e[i].txt,
			strlen(t->e[i].txt)) != DKIM_OK)
			return DKIM_ENOMEM;
	}
	return DKIM_OK;
}

SV_UNUSED static void
tadd(struct ttable *t, const char *name, const char *txt, dkim_dns_status st)
{
	ck_assert_uint_lt(t->n, NELEM(t->e));
	t->e[t->n].name = name;
	t->e[t->n].txt = txt;
	t->e[t->n].status = st;
	t->n++;
}

static const char msg_headers[] =
    "From: Joe SixPack <joe@example.com>\r\n"
    "To: Suzie Q <suzie@shopping.example.net>\r\n"
    "Subject: Is dinner ready?\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
    "Message-ID: <20030712040037.46341.5F8J@example.com>\r\n"
    "X-Folded: one\r\n\ttwo  \r\n";
static const char msg_body[] =
    "Hi.  \r\n\r\nWe lost the game.\t Are you hungry yet?\r\n\r\nJoe.\r\n\r\n";

struct signopt {
	dkim_key *key;
	dkim_canon hc, bc;
	int body_length;
	unsigned long expire;
	const char *identity;
	const char *const *headers;
	const char *const *oversign;
	time_t now;
};

SV_UNUSED static void
signopt_init(struct signopt *o, dkim_key *key)
{
	memset(o, 0, sizeof(*o));
	o->key = key;
	o->hc = o->bc = DKIM_CANON_RELAXED;
	o->now = T0;
}

/* sign_text - "DKIM-Signature:" value CRLF + headers + CRLF + body */
SV_UNUSED static char *
sign_text(const struct signopt *o, const char *hdrs, const char *body)
{
	dkim_options opt;
	dkim_sign_req req;
	dkim_msg *m;
	char err[200], *val, *out;
	size_t idx;
	time_t now = o->now;

	dkim_options_init(&opt);
	opt.clock = tu_clock;
	opt.clock_arg = &now;
	dkim_sign_req_init(&req);
	req.domain = "example.com";
	req.selector = "sel";
	req.key = o->key;
	req.hcanon = o->hc;
	req.bcanon = o->bc;
	req.body_length = o->body_length;
	req.expire = o->expire;
	req.identity = o->identity;
	req.headers = o->headers;
	req.oversign = o->oversign;
	ck_assert_int_eq(dkim_msg_new(&opt, &m), DKIM_OK);
	ck_assert_int_eq(dkim_msg_add_signer(m, &req, &idx, err, sizeof(err)),
	    DKIM_OK);
	ck_assert_int_eq(dkim_msg_write(m, hdrs, strlen(hdrs)), DKIM_OK);
	ck_assert_int_eq(dkim_msg_write(m, "\r\n", 2), DKIM_OK);
	ck_assert_int_eq(dkim_msg_write(m, body, strlen(body)), DKIM_OK);
	ck_assert_int_eq(dkim_msg_eom(m), DKIM_OK);
	ck_assert_int_eq(dkim_msg_sign(m, idx, &val, err, sizeof(err)),
	    DKIM_OK);
	out = malloc(strlen(val) + strlen(hdrs) + strlen(body) + 40);
	sprintf(out, "DKIM-Signature:%s\r\n%s\r\n%s", val, hdrs, body);
	free(val);
	dkim_msg_free(m);
	return out;
}

/* verify_text - whole message through dkim_msg_write in chunks */
SV_UNUSED static size_t
verify_text(const char *text, size_t chunk, const struct ttable *tt, time_t now,
    const dkim_options *optp, dkim_sig_result *res, size_t max)
{
	dkim_options opt;
	dkim_lookup lk = {tquery, (void *)tt};
	dkim_msg *m;
	size_t len = strlen(text), off, n = 0;

	if (optp != NULL)
		opt = *optp;
	else
		dkim_options_init(&opt);
	opt.clock = tu_clock;
	opt.clock_arg = &now;
	ck_assert_int_eq(dkim_msg_new(&opt, &m), DKIM_OK);
	for (off = 0; off < len; off += chunk)
		ck_assert_int_eq(dkim_msg_write(m, text + off,
				     len - off < chunk ? len - off : chunk),
		    DKIM_OK);
	ck_assert_int_eq(dkim_msg_eom(m), DKIM_OK);
	ck_assert_int_eq(dkim_msg_verify(m, &lk, res, max, &n), DKIM_OK);
	dkim_msg_free(m);
	return n;
}

SV_UNUSED static void
std_table(struct ttable *t)
{
	memset(t, 0, sizeof(*t));
	tadd(t, "sel._domainkey.example.com", rsa_rec, DKIM_DNS_OK);
}

/* verify1 - one signature, the standard key table for key */
SV_UNUSED static dkim_sig_result
verify1(const char *text, dkim_key *key, time_t now)
{
	struct ttable t;
	dkim_sig_result r;

	memset(&t, 0, sizeof(t));
	tadd(&t, "sel._domainkey.example.com",
	    key == ed_key        ? ed_rec :
		key == rsa_other ? other_rec :
				   rsa_rec,
	    DKIM_DNS_OK);
	ck_assert_uint_eq(verify_text(text, 1 << 20, &t, now, NULL, &r, 1), 1);
	return r;
}

#define ASSERT_VERDICT(r, v, why)                                              \
	do {                                                                   \
		ck_assert_msg((r).verdict == (v) &&                            \
			strstr((r).reason, (why)) != NULL,                     \
		    "verdict %s (%s), want %s (%s)",                           \
		    dkim_verdict_str((r).verdict), (r).reason,                 \
		    dkim_verdict_str(v), (why));                               \
	} while (0)

/* tamper - replace the first occurrence of a with b */
SV_UNUSED static char *
tamper(const char *text, const char *a, const char *b)
{
	const char *p = strstr(text, a);
	char *out = malloc(strlen(text) + strlen(b) + 1);

	ck_assert_ptr_nonnull(p);
	memcpy(out, text, p - text);
	strcpy(out + (p - text), b);
	strcat(out, p + strlen(a));
	return out;
}

/* sv_keys - generate the keys and their records once, before the tests
 * run (sv_run) */
SV_UNUSED static int
sv_keys(void)
{
	char err[200];

	if (dkim_key_generate(DKIM_KEY_RSA, 2048, &rsa_key, err, 200) != 0 ||
	    dkim_key_generate(DKIM_KEY_RSA, 1024, &rsa_other, err, 200) != 0 ||
	    dkim_key_generate(DKIM_KEY_ED25519, 0, &ed_key, err, 200) != 0 ||
	    dkim_key_record(rsa_key, &rsa_rec) != DKIM_OK ||
	    dkim_key_record(rsa_other, &other_rec) != DKIM_OK ||
	    dkim_key_record(ed_key, &ed_rec) != DKIM_OK) {
		fprintf(stderr, "keys: %s\n", err);
		return -1;
	}
	return 0;
}

/* sv_keys_free - release them */
SV_UNUSED static void
sv_keys_free(void)
{
	dkim_key_free(rsa_key);
	dkim_key_free(rsa_other);
	dkim_key_free(ed_key);
	free(rsa_rec);
	free(other_rec);
	free(ed_rec);
}

/* sv_run - make the keys, run a suite (tu_run), free the keys; the
 * exit status for main */
SV_UNUSED static int
sv_run(Suite *s)
{
	int rc;

	if (sv_keys() < 0)
		return EXIT_FAILURE;
	rc = tu_run(s);
	sv_keys_free();
	return rc;
}

#endif /* SV_HELPERS_H */
