/*
 * test_sign_verify.c - signing and verifying whole messages (lib/msg.c,
 * sign.c, verify.c): round trips for both algorithms and all four
 * canonicalization pairs, tampering, oversigning, l=, t=/x= with an
 * injected clock, shared body hashes, key record policy, and the RFC
 * 6376 / RFC 8463 signed examples against their dns.tsv.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "dkim.h"
#include "msgint.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define T0 1700000000

static dkim_key *rsa_key, *ed_key, *rsa_other;
static char *rsa_rec, *ed_rec, *other_rec;

/* ---- an injected clock ---- */
static time_t
fixed_clock(void *arg)
{
	return *(time_t *)arg;
}

/* ---- a lookup table in memory ---- */
struct tentry {
	const char *name;
	const char *txt;	/* NULL with status */
	dkim_dns_status status;
};
struct ttable {
	struct tentry e[8];
	size_t n;
};

static dkim_rc
tquery(void *ctx, const char *name, dkim_txt_answer *ans)
{
	struct ttable *t = ctx;
	size_t i;

	ans->status = DKIM_DNS_NXDOMAIN;
	for (i = 0; i < t->n; i++) {
		if (strcasecmp(t->e[i].name, name) != 0)
			continue;
		ans->status = t->e[i].status;
		if (t->e[i].txt != NULL && dkim_txt_answer_add(ans,
		    t->e[i].txt, strlen(t->e[i].txt)) != DKIM_OK)
			return DKIM_ENOMEM;
	}
	return DKIM_OK;
}

static void
tadd(struct ttable *t, const char *name, const char *txt,
    dkim_dns_status st)
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

static void
signopt_init(struct signopt *o, dkim_key *key)
{
	memset(o, 0, sizeof(*o));
	o->key = key;
	o->hc = o->bc = DKIM_CANON_RELAXED;
	o->now = T0;
}

/* sign_text - "DKIM-Signature:" value CRLF + headers + CRLF + body */
static char *
sign_text(const struct signopt *o, const char *hdrs, const char *body)
{
	dkim_options opt;
	dkim_sign_req req;
	dkim_msg *m;
	char err[200], *val, *out;
	size_t idx;
	time_t now = o->now;

	dkim_options_init(&opt);
	opt.clock = fixed_clock;
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
static size_t
verify_text(const char *text, size_t chunk, const struct ttable *tt,
    time_t now, const dkim_options *optp, dkim_sig_result *res, size_t max)
{
	dkim_options opt;
	dkim_lookup lk = { tquery, (void *)tt };
	dkim_msg *m;
	size_t len = strlen(text), off, n = 0;

	if (optp != NULL)
		opt = *optp;
	else
		dkim_options_init(&opt);
	opt.clock = fixed_clock;
	opt.clock_arg = &now;
	ck_assert_int_eq(dkim_msg_new(&opt, &m), DKIM_OK);
	for (off = 0; off < len; off += chunk)
		ck_assert_int_eq(dkim_msg_write(m, text + off,
		    len - off < chunk ? len - off : chunk), DKIM_OK);
	ck_assert_int_eq(dkim_msg_eom(m), DKIM_OK);
	ck_assert_int_eq(dkim_msg_verify(m, &lk, res, max, &n), DKIM_OK);
	dkim_msg_free(m);
	return n;
}

static void
std_table(struct ttable *t)
{
	memset(t, 0, sizeof(*t));
	tadd(t, "sel._domainkey.example.com", rsa_rec, DKIM_DNS_OK);
}

/* verify1 - one signature, the standard key table for key */
static dkim_sig_result
verify1(const char *text, dkim_key *key, time_t now)
{
	struct ttable t;
	dkim_sig_result r;

	memset(&t, 0, sizeof(t));
	tadd(&t, "sel._domainkey.example.com",
	    key == ed_key ? ed_rec : key == rsa_other ? other_rec : rsa_rec,
	    DKIM_DNS_OK);
	ck_assert_uint_eq(verify_text(text, 1 << 20, &t, now, NULL, &r, 1), 1);
	return r;
}

#define ASSERT_VERDICT(r, v, why) do {					\
	ck_assert_msg((r).verdict == (v) && strstr((r).reason, (why)) != NULL, \
	    "verdict %s (%s), want %s (%s)", dkim_verdict_str((r).verdict), \
	    (r).reason, dkim_verdict_str(v), (why));			\
} while (0)

/* test_roundtrip - 2 algorithms x 4 canonicalization pairs */
START_TEST(test_roundtrip)
{
	struct signopt o;
	dkim_sig_result r;
	char *text, *line, *save = NULL;
	size_t chunk;

	signopt_init(&o, (_i & 4) ? ed_key : rsa_key);
	o.hc = (_i & 1) ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
	o.bc = (_i & 2) ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
	text = sign_text(&o, msg_headers, msg_body);
	r = verify1(text, o.key, T0 + 10);
	ASSERT_VERDICT(r, DKIM_PASS, "");
	ck_assert_str_eq(r.domain, "example.com");
	ck_assert_str_eq(r.selector, "sel");
	ck_assert_str_eq(r.identity, "@example.com");
	ck_assert_int_eq(r.alg, (_i & 4) ? DKIM_ALG_ED25519_SHA256 :
	    DKIM_ALG_RSA_SHA256);
	ck_assert_int_eq(r.hcanon, o.hc);
	ck_assert_int_eq(r.bcanon, o.bc);
	ck_assert_uint_eq(r.key_bits, (_i & 4) ? 256 : 2048);
	ck_assert_int_eq(r.testing, 0);
	ck_assert_int_eq((long long)r.timestamp, T0);
	ck_assert_uint_eq(strlen(r.b_prefix), 8);
	/* any chunking of the stream gives the same verdict */
	for (chunk = 1; chunk < 8; chunk += 3) {
		struct ttable t;

		memset(&t, 0, sizeof(t));
		tadd(&t, "sel._domainkey.example.com",
		    (_i & 4) ? ed_rec : rsa_rec, DKIM_DNS_OK);
		verify_text(text, chunk, &t, T0, NULL, &r, 1);
		ASSERT_VERDICT(r, DKIM_PASS, "");
	}
	/* RFC 5322 2.1.1: no line over 78 columns */
	for (line = strtok_r(text, "\n", &save); line != NULL &&
	    strncmp(line, "From:", 5) != 0; line = strtok_r(NULL, "\n", &save))
		ck_assert_uint_le(strcspn(line, "\r"), 78);
	free(text);
}
END_TEST

/* tamper - replace the first occurrence of a with b */
static char *
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

START_TEST(test_tampered)
{
	struct signopt o;
	dkim_sig_result r;
	char *text, *t;

	signopt_init(&o, _i ? ed_key : rsa_key);
	text = sign_text(&o, msg_headers, msg_body);
	t = tamper(text, "We lost", "We won");
	ASSERT_VERDICT(verify1(t, o.key, T0), DKIM_FAIL, "body hash");
	free(t);
	t = tamper(text, "Subject: Is dinner", "Subject: Is lunch");
	ASSERT_VERDICT(verify1(t, o.key, T0), DKIM_FAIL,
	    "signature did not verify");
	free(t);
	/* relaxed: whitespace changes in the body do not matter */
	t = tamper(text, "game.\t Are", "game.   Are");
	r = verify1(t, o.key, T0);
	ASSERT_VERDICT(r, DKIM_PASS, "");
	free(t);
	/* the wrong key */
	r = verify1(text, _i ? rsa_key : rsa_other, T0);
	ck_assert_int_eq(r.verdict, _i ? DKIM_PERMERROR : DKIM_FAIL);
	free(text);
}
END_TEST

/* test_oversign - an added From, Subject or Cc breaks the signature */
START_TEST(test_oversign)
{
	static const char *const added[] = {
		"From: Mallory <m@evil.example>\r\n",
		"Subject: Click here\r\n",
		"Cc: someone@example.org\r\n",
		"Reply-To: m@evil.example\r\n",
	};
	struct signopt o;
	char *text, *t;
	size_t i;

	signopt_init(&o, rsa_key);
	text = sign_text(&o, msg_headers, msg_body);
	ck_assert_ptr_nonnull(strstr(text, "h=From:From:"));
	for (i = 0; i < NELEM(added); i++) {
		/* above the signed ones (at the top) and below them */
		t = malloc(strlen(text) + strlen(added[i]) + 1);
		sprintf(t, "%s%s", added[i], text);
		ASSERT_VERDICT(verify1(t, rsa_key, T0), DKIM_FAIL,
		    "signature did not verify");
		sprintf(t, "%.*s%s%s", (int)(strstr(text, "X-Folded") - text),
		    text, added[i], strstr(text, "X-Folded"));
		ASSERT_VERDICT(verify1(t, rsa_key, T0), DKIM_FAIL,
		    "signature did not verify");
		free(t);
	}
	/* without oversigning an added Subject goes unnoticed (bottom-up) */
	{
		static const char *const none[] = { NULL };

		o.oversign = none;
		free(text);
		text = sign_text(&o, msg_headers, msg_body);
		t = malloc(strlen(text) + 64);
		sprintf(t, "Subject: Click here\r\n%s", text);
		ASSERT_VERDICT(verify1(t, rsa_key, T0), DKIM_PASS, "");
		free(t);
	}
	free(text);
}
END_TEST

/* test_body_length - l= is honoured: appended text still passes */
START_TEST(test_body_length)
{
	struct signopt o;
	char *text, *t;
	dkim_sig_result r;

	signopt_init(&o, rsa_key);
	o.body_length = 1;
	o.bc = _i ? DKIM_CANON_SIMPLE : DKIM_CANON_RELAXED;
	text = sign_text(&o, msg_headers, msg_body);
	ck_assert_ptr_nonnull(strstr(text, _i ? " l=57;" : " l=54;"));
	t = malloc(strlen(text) + 64);
	sprintf(t, "%sAppended by a list.\r\n", text);
	r = verify1(t, rsa_key, T0);
	ASSERT_VERDICT(r, DKIM_PASS, "");
	free(t);
	/* but a cut body fails */
	t = tamper(text, "Joe.\r\n", "");
	r = verify1(t, rsa_key, T0);
	ASSERT_VERDICT(r, DKIM_FAIL, "body");
	free(t);
	free(text);
}
END_TEST

/* test_clock - x= expiry and t= in the future, injected clock */
START_TEST(test_clock)
{
	struct signopt o;
	char *text;
	dkim_sig_result r;

	signopt_init(&o, ed_key);
	o.expire = 3600;
	text = sign_text(&o, msg_headers, msg_body);
	ck_assert_ptr_nonnull(strstr(text, "x=1700003600;"));
	ASSERT_VERDICT(verify1(text, ed_key, T0 + 3600), DKIM_PASS, "");
	r = verify1(text, ed_key, T0 + 3601);
	ASSERT_VERDICT(r, DKIM_PERMERROR, "expired");
	/* within max_future_skew (300 s) is fine, beyond is not */
	ASSERT_VERDICT(verify1(text, ed_key, T0 - 300), DKIM_PASS, "");
	r = verify1(text, ed_key, T0 - 301);
	ASSERT_VERDICT(r, DKIM_PERMERROR, "future");
	free(text);
}
END_TEST

/* test_two_signers - RSA + Ed25519 share one body hash */
START_TEST(test_two_signers)
{
	dkim_sign_req req;
	dkim_msg *m;
	dkim_sig_result r[2];
	struct ttable t;
	char err[100], *v1, *v2, *text;
	size_t i1, i2;

	dkim_sign_req_init(&req);
	req.domain = "example.com";
	req.selector = "sel";
	req.key = rsa_key;
	ck_assert_int_eq(dkim_msg_new(NULL, &m), DKIM_OK);
	ck_assert_int_eq(dkim_msg_add_signer(m, &req, &i1, err, 100), DKIM_OK);
	req.selector = "ed";
	req.key = ed_key;
	req.hcanon = DKIM_CANON_SIMPLE;		/* body canon still shared */
	ck_assert_int_eq(dkim_msg_add_signer(m, &req, &i2, err, 100), DKIM_OK);
	ck_assert_uint_eq(i2, 1);
	ck_assert_int_eq(dkim_msg_write(m, msg_headers, strlen(msg_headers)),
	    DKIM_OK);
	ck_assert_int_eq(dkim_msg_write(m, "\r\n", 2), DKIM_OK);
	ck_assert_int_eq(dkim_msg_write(m, msg_body, strlen(msg_body)),
	    DKIM_OK);
	ck_assert_int_eq(dkim_msg_eom(m), DKIM_OK);
	ck_assert_uint_eq(msg_bodyhash_count(m), 1);
	ck_assert_int_eq(dkim_msg_sign(m, i1, &v1, err, 100), DKIM_OK);
	ck_assert_int_eq(dkim_msg_sign(m, i2, &v2, err, 100), DKIM_OK);
	dkim_msg_free(m);
	text = malloc(strlen(v1) + strlen(v2) + 1000);
	sprintf(text, "DKIM-Signature:%s\r\nDKIM-Signature:%s\r\n%s\r\n%s",
	    v2, v1, msg_headers, msg_body);
	memset(&t, 0, sizeof(t));
	tadd(&t, "sel._domainkey.example.com", rsa_rec, DKIM_DNS_OK);
	tadd(&t, "ed._domainkey.example.com", ed_rec, DKIM_DNS_OK);
	ck_assert_uint_eq(verify_text(text, 100, &t, time(NULL), NULL, r, 2), 2);
	ASSERT_VERDICT(r[0], DKIM_PASS, "");
	ASSERT_VERDICT(r[1], DKIM_PASS, "");
	ck_assert_int_eq(r[0].alg, DKIM_ALG_ED25519_SHA256);
	ck_assert_int_eq(r[1].alg, DKIM_ALG_RSA_SHA256);
	free(v1);
	free(v2);
	free(text);
}
END_TEST

/* test_verify_shares - two received signatures, one body hash */
START_TEST(test_verify_shares)
{
	struct signopt o;
	dkim_msg *m;
	char *a, *b, *text;

	signopt_init(&o, rsa_key);
	a = sign_text(&o, msg_headers, msg_body);
	o.key = ed_key;
	b = sign_text(&o, msg_headers, msg_body);
	text = malloc(strlen(a) + strlen(b));
	sprintf(text, "%.*s%s", (int)(strstr(b, "\r\nFrom:") + 2 - b), b, a);
	ck_assert_int_eq(dkim_msg_new(NULL, &m), DKIM_OK);
	ck_assert_int_eq(dkim_msg_write(m, text, strlen(text)), DKIM_OK);
	ck_assert_int_eq(dkim_msg_eom(m), DKIM_OK);
	ck_assert_uint_eq(dkim_msg_sig_count(m), 2);
	ck_assert_uint_eq(msg_bodyhash_count(m), 1);
	dkim_msg_free(m);
	free(a);
	free(b);
	free(text);
}
END_TEST

/* keyrec_with - "v=DKIM1; " extra " " p=... */
static char *
keyrec_with(const char *extra, const char *p)
{
	char *r = malloc(strlen(extra) + strlen(p) + 16);

	sprintf(r, "v=DKIM1; %s %s", extra, p);
	return r;
}

/* key record policy cases (RFC 6376 3.6.1, RFC 8301) */
START_TEST(test_key_policy)
{
	struct signopt o;
	struct ttable t;
	dkim_options opt;
	dkim_sig_result r;
	char *text, *rec, *p;
	const char *name = "sel._domainkey.example.com";

	signopt_init(&o, rsa_key);
	o.identity = "joe@sub.example.com";
	text = sign_text(&o, msg_headers, msg_body);
	p = strstr(rsa_rec, "p=");

#define CASE(txt, st, verdict, why) do {				\
	memset(&t, 0, sizeof(t));					\
	tadd(&t, name, (txt), (st));					\
	verify_text(text, 4096, &t, T0, NULL, &r, 1);			\
	ASSERT_VERDICT(r, (verdict), (why));				\
} while (0)
	CASE(NULL, DKIM_DNS_NXDOMAIN, DKIM_PERMERROR, "no key");
	CASE(NULL, DKIM_DNS_NODATA, DKIM_PERMERROR, "no key");
	CASE(NULL, DKIM_DNS_SERVFAIL, DKIM_TEMPERROR, "SERVFAIL");
	CASE(NULL, DKIM_DNS_TIMEOUT, DKIM_TEMPERROR, "timeout");
	CASE("v=DKIM1; p=", DKIM_DNS_OK, DKIM_PERMERROR, "revoked");
	CASE("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
	    DKIM_DNS_OK, DKIM_PERMERROR, "k=");
	rec = keyrec_with("h=sha1;", p);
	CASE(rec, DKIM_DNS_OK, DKIM_PERMERROR, "h=");
	free(rec);
	rec = keyrec_with("s=tlsrpt;", p);
	CASE(rec, DKIM_DNS_OK, DKIM_PERMERROR, "s=");
	free(rec);
	rec = keyrec_with("t=s;", p);
	CASE(rec, DKIM_DNS_OK, DKIM_PERMERROR, "t=s");
	free(rec);
	rec = keyrec_with("t=y;", p);
	CASE(rec, DKIM_DNS_OK, DKIM_PASS, "");
	ck_assert_int_eq(r.testing, 1);
	free(rec);
	CASE("garbage", DKIM_DNS_OK, DKIM_PERMERROR, "key record");
	/* several TXT records: the ones that parse count */
	memset(&t, 0, sizeof(t));
	tadd(&t, name, "v=spf1 -all", DKIM_DNS_OK);
	tadd(&t, name, rsa_rec, DKIM_DNS_OK);
	verify_text(text, 4096, &t, T0, NULL, &r, 1);
	ASSERT_VERDICT(r, DKIM_PASS, "");
	tadd(&t, name, ed_rec, DKIM_DNS_OK);
	verify_text(text, 4096, &t, T0, NULL, &r, 1);
	ASSERT_VERDICT(r, DKIM_PERMERROR, "several key records");
	/* RFC 8301 3.2: a verifier's minimum key size */
	memset(&t, 0, sizeof(t));
	tadd(&t, name, rsa_rec, DKIM_DNS_OK);
	dkim_options_init(&opt);
	opt.min_rsa_bits = 4096;
	verify_text(text, 4096, &t, T0, &opt, &r, 1);
	ASSERT_VERDICT(r, DKIM_PERMERROR, "RSA key too small");
	ck_assert_uint_eq(r.key_bits, 2048);
	/* RFC 8301 3.1: rsa-sha1 refused unless allowed */
	rec = tamper(text, "a=rsa-sha256", "a=rsa-sha1");
	verify_text(rec, 4096, &t, T0, NULL, &r, 1);
	ASSERT_VERDICT(r, DKIM_PERMERROR, "rsa-sha1 not accepted (RFC 8301)");
	opt.min_rsa_bits = 1024;
	opt.allow_sha1 = 1;
	verify_text(rec, 4096, &t, T0, &opt, &r, 1);
	ASSERT_VERDICT(r, DKIM_FAIL, "body hash");
	free(rec);
#undef CASE
	free(text);
}
END_TEST

/* test_unparsable - a broken field is a permerror, not a call failure */
START_TEST(test_unparsable)
{
	static const char text[] =
	    "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=x; b=;\r\n"
	    "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; "
	    "h=from; bh=AAAA; b=AAAA; b=AAAA\r\n"
	    "From: a@example.com\r\n\r\nbody\r\n";
	struct ttable t;
	dkim_sig_result r[4];
	dkim_msg *m;
	char buf[300];

	std_table(&t);
	ck_assert_uint_eq(verify_text(text, 7, &t, T0, NULL, r, 4), 2);
	ck_assert_int_eq(r[0].verdict, DKIM_PERMERROR);
	ck_assert_str_eq(r[0].domain, "example.com");
	ck_assert_int_eq(r[1].verdict, DKIM_PERMERROR);
	ck_assert_uint_gt(strlen(r[1].reason), 0);
	ck_assert_int_eq(dkim_msg_new(NULL, &m), DKIM_OK);
	ck_assert_int_eq(dkim_msg_write(m, text, sizeof(text) - 1), DKIM_OK);
	ck_assert_uint_eq(dkim_msg_sig_count(m), 2);
	ck_assert_int_eq(dkim_msg_sig_keyname(m, 0, buf, sizeof(buf)),
	    DKIM_EINVAL);
	ck_assert_int_eq(dkim_msg_sig_keyname(m, 5, buf, sizeof(buf)),
	    DKIM_EINVAL);
	/* verify before eom: out of order */
	ck_assert_int_eq(dkim_msg_verify(m, NULL, r, 4, &(size_t){0}),
	    DKIM_ESTATE);
	dkim_msg_free(m);
}
END_TEST

/* test_max_signatures - at most opt.max_signatures verdicts */
START_TEST(test_max_signatures)
{
	struct signopt o;
	struct ttable t;
	dkim_options opt;
	dkim_sig_result r[8];
	char *a, *text;
	dkim_msg *m;

	signopt_init(&o, rsa_key);
	a = sign_text(&o, msg_headers, msg_body);
	text = malloc(strlen(a) * 3);
	sprintf(text, "%.*s%.*s%s", (int)(strstr(a, "\r\nFrom:") + 2 - a), a,
	    (int)(strstr(a, "\r\nFrom:") + 2 - a), a, a);
	std_table(&t);
	dkim_options_init(&opt);
	opt.max_signatures = 2;
	ck_assert_uint_eq(verify_text(text, 999, &t, T0, &opt, r, 8), 2);
	ck_assert_uint_eq(verify_text(text, 999, &t, T0, NULL, r, 1), 1);
	ck_assert_uint_eq(verify_text(text, 999, &t, T0, NULL, r, 8), 3);
	ASSERT_VERDICT(r[2], DKIM_PASS, "");
	ck_assert_int_eq(dkim_msg_new(&opt, &m), DKIM_OK);
	ck_assert_int_eq(dkim_msg_write(m, text, strlen(text)), DKIM_OK);
	ck_assert_uint_eq(dkim_msg_sig_count(m), 3);
	dkim_msg_free(m);
	free(a);
	free(text);
}
END_TEST

/* test_check_signed - the self-check against the published record */
START_TEST(test_check_signed)
{
	dkim_sign_req req;
	dkim_msg *m;
	dkim_sig_result r;
	char err[100], *v;
	size_t idx;

	dkim_sign_req_init(&req);
	req.domain = "example.com";
	req.selector = "sel";
	req.key = _i ? ed_key : rsa_key;
	req.body_length = 1;
	ck_assert_int_eq(dkim_msg_new(NULL, &m), DKIM_OK);
	ck_assert_int_eq(dkim_msg_add_signer(m, &req, &idx, err, 100), DKIM_OK);
	ck_assert_int_eq(dkim_msg_header(m, "From: a@example.com", 19),
	    DKIM_OK);
	ck_assert_int_eq(dkim_msg_header_nv(m, "Subject", " hi\n there"),
	    DKIM_OK);
	ck_assert_int_eq(dkim_msg_eoh(m), DKIM_OK);
	ck_assert_int_eq(dkim_msg_body(m, "x\n", 2), DKIM_OK);
	ck_assert_int_eq(dkim_msg_check_signed(m, idx, ed_rec, &r),
	    DKIM_ESTATE);
	ck_assert_int_eq(dkim_msg_eom(m), DKIM_OK);
	ck_assert_int_eq(dkim_msg_sign(m, idx, &v, err, 100), DKIM_OK);
	ck_assert_int_eq(dkim_msg_check_signed(m, idx, _i ? ed_rec : rsa_rec,
	    &r), DKIM_OK);
	ASSERT_VERDICT(r, DKIM_PASS, "");
	ck_assert_int_eq(dkim_msg_check_signed(m, idx, other_rec, &r),
	    DKIM_OK);
	ck_assert_int_eq(r.verdict, _i ? DKIM_PERMERROR : DKIM_FAIL);
	ck_assert_int_eq(dkim_msg_check_signed(m, idx, "v=DKIM1; p=", &r),
	    DKIM_OK);
	ASSERT_VERDICT(r, DKIM_PERMERROR, "revoked");
	free(v);
	dkim_msg_free(m);
}
END_TEST

/* small_rsa_pem - a 768-bit RSA key, which must not be used to sign */
static char *
small_rsa_pem(void)
{
	EVP_PKEY *pk = EVP_RSA_gen(768);
	BIO *bio = BIO_new(BIO_s_mem());
	char *p, *out;
	long n;

	ck_assert_ptr_nonnull(pk);
	PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL);
	n = BIO_get_mem_data(bio, &p);
	out = strndup(p, n);
	BIO_free(bio);
	EVP_PKEY_free(pk);
	return out;
}

/* test_add_signer - refusals (RFC 8301, bad d=/s=/i=), order */
START_TEST(test_add_signer)
{
	dkim_sign_req req;
	dkim_msg *m;
	dkim_key *small = NULL;
	char err[200], *pem = small_rsa_pem();
	static const char *const bad_names[] = { "From", "Bad Name", NULL };

	ck_assert_int_eq(dkim_msg_new(NULL, &m), DKIM_OK);
	dkim_sign_req_init(&req);
	req.domain = "example.com";
	req.selector = "sel";
	req.key = rsa_key;
	if (dkim_key_from_pem(pem, strlen(pem), &small, err, 200) == DKIM_OK) {
		req.key = small;
		ck_assert_int_eq(dkim_msg_add_signer(m, &req, NULL, err, 200),
		    DKIM_EINVAL);
		ck_assert_ptr_nonnull(strstr(err, "RFC 8301"));
		dkim_key_free(small);
		req.key = rsa_key;
	}
	free(pem);
	req.domain = "exa mple.com";
	ck_assert_int_eq(dkim_msg_add_signer(m, &req, NULL, err, 200),
	    DKIM_EINVAL);
	req.domain = "example.com";
	req.selector = "";
	ck_assert_int_eq(dkim_msg_add_signer(m, &req, NULL, err, 200),
	    DKIM_EINVAL);
	req.selector = "sel";
	req.identity = "joe@example.org";
	ck_assert_int_eq(dkim_msg_add_signer(m, &req, NULL, err, 200),
	    DKIM_EINVAL);
	req.identity = NULL;
	req.headers = bad_names;
	ck_assert_int_eq(dkim_msg_add_signer(m, &req, NULL, err, 200),
	    DKIM_EINVAL);
	req.headers = NULL;
	req.key = NULL;
	ck_assert_int_eq(dkim_msg_add_signer(m, &req, NULL, err, 200),
	    DKIM_EINVAL);
	req.key = rsa_key;
	ck_assert_int_eq(dkim_msg_add_signer(m, &req, NULL, err, 200), DKIM_OK);
	ck_assert_int_eq(dkim_msg_eoh(m), DKIM_OK);
	ck_assert_int_eq(dkim_msg_add_signer(m, &req, NULL, err, 200),
	    DKIM_ESTATE);
	ck_assert_int_eq(dkim_msg_header(m, "A: b", 4), DKIM_ESTATE);
	ck_assert_int_eq(dkim_msg_eom(m), DKIM_OK);
	/* no From: nothing to sign (RFC 6376 5.4) */
	ck_assert_int_eq(dkim_msg_sign(m, 0, &pem, err, 200), DKIM_EINVAL);
	ck_assert_int_eq(dkim_msg_sign(m, 1, &pem, err, 200), DKIM_EINVAL);
	dkim_msg_free(m);
	dkim_msg_free(NULL);
}
END_TEST

/* test_identity - i= encoded and reported */
START_TEST(test_identity)
{
	struct signopt o;
	dkim_sig_result r;
	char *text;

	signopt_init(&o, ed_key);
	o.identity = "a;b=c@sub.example.com";
	text = sign_text(&o, msg_headers, msg_body);
	ck_assert_ptr_nonnull(strstr(text, "i=a=3Bb=3Dc@sub.example.com;"));
	r = verify1(text, ed_key, T0);
	ASSERT_VERDICT(r, DKIM_PASS, "");
	ck_assert_str_eq(r.identity, "a;b=c@sub.example.com");
	free(text);
}
END_TEST

/* test_verdict_state - the one-way state machine */
START_TEST(test_verdict_state)
{
	dkim_sig_result r;

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(verdict_set(&r, DKIM_TEMPERROR, "dns"), 1);
	ck_assert_int_eq(verdict_set(&r, DKIM_PASS, "x"), 0);
	ck_assert_int_eq(verdict_set(&r, DKIM_FAIL, "x"), 0);
	ck_assert_int_eq(r.verdict, DKIM_TEMPERROR);
	ck_assert_int_eq(verdict_set(&r, DKIM_PERMERROR, "bad %d", 1), 1);
	ck_assert_str_eq(r.reason, "bad 1");
	ck_assert_int_eq(verdict_set(&r, DKIM_TEMPERROR, "dns"), 0);
	ck_assert_int_eq(verdict_set(&r, DKIM_PASS, "x"), 0);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(verdict_set(&r, DKIM_FAIL, "body"), 1);
	ck_assert_int_eq(verdict_set(&r, DKIM_PERMERROR, "x"), 0);
	ck_assert_int_eq(verdict_set(&r, DKIM_PASS, "x"), 0);
	ck_assert_int_eq(r.verdict, DKIM_FAIL);
	ck_assert_str_eq(r.reason, "body");
}
END_TEST

/* ---- the RFC examples with dns.tsv (lookup_file.c) ---- */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;

	if (f == NULL)
		return NULL;
	b = malloc(1 << 20);
	*len = fread(b, 1, (1 << 20) - 1, f);
	b[*len] = '\0';
	fclose(f);
	return b;
}

static const char *
testdata(void)
{
	const char *td = getenv("TESTDATA");

	return td != NULL && *td != '\0' ? td : "/work/shared/testdata";
}

START_TEST(test_rfc_examples)
{
	static const struct { const char *file; size_t nsig; } ex[] = {
		{ "rfc6376-A.2-signed.eml", 1 },
		{ "rfc8463-A.3-signed.eml", 2 },
	};
	char path[1200], err[200];
	dkim_lookup_file *lf;
	dkim_lookup lk;
	dkim_sig_result r[4];
	size_t i, j, n, len, chunk;

	snprintf(path, sizeof(path), "%s/rfc-examples/dns.tsv", testdata());
	if (dkim_lookup_file_open(path, &lf, err, sizeof(err)) != DKIM_OK) {
		printf("SKIP: testdata not found at %s\n", path);
		return;
	}
	lk = dkim_lookup_file_iface(lf);
	for (i = 0; i < NELEM(ex); i++) {
		char *text;

		snprintf(path, sizeof(path), "%s/rfc-examples/%s", testdata(),
		    ex[i].file);
		text = slurp(path, &len);
		ck_assert_ptr_nonnull(text);
		for (chunk = 1; chunk <= len; chunk = chunk * 3 + 1) {
			dkim_msg *m;

			ck_assert_int_eq(dkim_msg_new(NULL, &m), DKIM_OK);
			for (j = 0; j < len; j += chunk)
				ck_assert_int_eq(dkim_msg_write(m, text + j,
				    len - j < chunk ? len - j : chunk), DKIM_OK);
			ck_assert_int_eq(dkim_msg_eom(m), DKIM_OK);
			ck_assert_int_eq(dkim_msg_verify(m, &lk, r, 4, &n),
			    DKIM_OK);
			ck_assert_uint_eq(n, ex[i].nsig);
			for (j = 0; j < n; j++)
				ck_assert_msg(r[j].verdict == DKIM_PASS,
				    "%s sig %zu: %s (%s)", ex[i].file, j,
				    dkim_verdict_str(r[j].verdict), r[j].reason);
			dkim_msg_free(m);
		}
		free(text);
	}
	dkim_lookup_file_free(lf);
}
END_TEST

static Suite *
sv_suite(void)
{
	Suite *s = suite_create("sign_verify");
	TCase *tc = tcase_create("roundtrip");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_roundtrip, 0, 8);
	tcase_add_loop_test(tc, test_tampered, 0, 2);
	tcase_add_test(tc, test_oversign);
	tcase_add_loop_test(tc, test_body_length, 0, 2);
	tcase_add_test(tc, test_clock);
	tcase_add_test(tc, test_two_signers);
	tcase_add_test(tc, test_verify_shares);
	tcase_add_test(tc, test_identity);
	suite_add_tcase(s, tc);
	tc = tcase_create("policy");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_key_policy);
	tcase_add_test(tc, test_unparsable);
	tcase_add_test(tc, test_max_signatures);
	tcase_add_loop_test(tc, test_check_signed, 0, 2);
	tcase_add_test(tc, test_add_signer);
	tcase_add_test(tc, test_verdict_state);
	tcase_add_test(tc, test_rfc_examples);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	char err[200];
	int failed;

	if (dkim_key_generate(DKIM_KEY_RSA, 2048, &rsa_key, err, 200) != 0 ||
	    dkim_key_generate(DKIM_KEY_RSA, 1024, &rsa_other, err, 200) != 0 ||
	    dkim_key_generate(DKIM_KEY_ED25519, 0, &ed_key, err, 200) != 0 ||
	    dkim_key_record(rsa_key, &rsa_rec) != DKIM_OK ||
	    dkim_key_record(rsa_other, &other_rec) != DKIM_OK ||
	    dkim_key_record(ed_key, &ed_rec) != DKIM_OK) {
		fprintf(stderr, "test_sign_verify: keys: %s\n", err);
		return EXIT_FAILURE;
	}
	sr = srunner_create(sv_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	dkim_key_free(rsa_key);
	dkim_key_free(rsa_other);
	dkim_key_free(ed_key);
	free(rsa_rec);
	free(other_rec);
	free(ed_rec);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
