/*
 * test_sign_verify.c - signing and verifying whole messages (lib/msg.c,
 * sign.c, verify.c): round trips for both algorithms and all four
 * canonicalization pairs, folding, tampering, oversigning, l=, t=/x=
 * with an injected clock, shared body hashes, i=, signer refusals, the
 * self-check.  Verifier policy: test_verify_policy.c.
 */
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "sv_helpers.h"

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
	ck_assert_int_eq(r.alg,
	    (_i & 4) ? DKIM_ALG_ED25519_SHA256 : DKIM_ALG_RSA_SHA256);
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
	for (line = strtok_r(text, "\n", &save);
	     line != NULL && strncmp(line, "From:", 5) != 0;
	     line = strtok_r(NULL, "\n", &save))
		ck_assert_uint_le(strcspn(line, "\r"), 78);
	free(text);
}
END_TEST

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

/*
 * test_default_list_fields - the library's default lists: an added
 * List-Unsubscribe-Post breaks the signature even when the message had
 * none (RFC 8058 one-click needs it signed); Sender and List-Unsubscribe
 * added to a message without them (what mailing lists do) leave it valid,
 * a second one added above a present one does not; Feedback-ID is signed.
 */
START_TEST(test_default_list_fields)
{
	static const char with[] =
	    "From: News <news@example.com>\r\n"
	    "Sender: Bulk <bulk@example.com>\r\n"
	    "Subject: news\r\n"
	    "List-Unsubscribe: <https://example.com/u/1>\r\n"
	    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
	    "Feedback-ID: 1:news:example\r\n";
	static const struct {
		const char *hdrs, *added;
		dkim_verdict want;
	} c[] = {
	    {msg_headers,
		"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
		DKIM_FAIL},
	    {msg_headers, "Sender: list-bounces@lists.example.org\r\n",
		DKIM_PASS},
	    {msg_headers,
		"List-Unsubscribe: <mailto:leave@lists.example.org>\r\n",
		DKIM_PASS},
	    {with, "Sender: Mallory <m@evil.example>\r\n", DKIM_FAIL},
	    {with, "List-Unsubscribe: <https://evil.example/u>\r\n", DKIM_FAIL},
	    {with, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
		DKIM_FAIL},
	};
	struct signopt o;
	char *text, *t;
	size_t i;

	signopt_init(&o, rsa_key);
	for (i = 0; i < NELEM(c); i++) {
		text = sign_text(&o, c[i].hdrs, msg_body);
		t = malloc(strlen(text) + strlen(c[i].added) + 1);
		sprintf(t, "%s%s", c[i].added, text);
		ck_assert_msg(verify1(t, rsa_key, T0).verdict == c[i].want,
		    "case %zu: %s", i, c[i].added);
		free(t);
		free(text);
	}
	text = sign_text(&o, with, msg_body);
	ck_assert_ptr_nonnull(strstr(text, "Feedback-ID"));
	t = tamper(text, "1:news:example", "2:news:example");
	ASSERT_VERDICT(verify1(t, rsa_key, T0), DKIM_FAIL,
	    "signature did not verify");
	free(t);
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
		static const char *const none[] = {NULL};

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
	req.hcanon = DKIM_CANON_SIMPLE; /* body canon still shared */
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
	sprintf(text, "DKIM-Signature:%s\r\nDKIM-Signature:%s\r\n%s\r\n%s", v2,
	    v1, msg_headers, msg_body);
	memset(&t, 0, sizeof(t));
	tadd(&t, "sel._domainkey.example.com", rsa_rec, DKIM_DNS_OK);
	tadd(&t, "ed._domainkey.example.com", ed_rec, DKIM_DNS_OK);
	ck_assert_uint_eq(verify_text(text, 100, &t, time(NULL), NULL, r, 2),
	    2);
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
			     &r),
	    DKIM_OK);
	ASSERT_VERDICT(r, DKIM_PASS, "");
	ck_assert_int_eq(dkim_msg_check_signed(m, idx, other_rec, &r), DKIM_OK);
	ck_assert_int_eq(r.verdict, _i ? DKIM_PERMERROR : DKIM_FAIL);
	ck_assert_int_eq(dkim_msg_check_signed(m, idx, "v=DKIM1; p=", &r),
	    DKIM_OK);
	ASSERT_VERDICT(r, DKIM_PERMERROR, "revoked");
	free(v);
	dkim_msg_free(m);
}
END_TEST

/* test_check_signed_rec - a parsed record gives what its text gives */
START_TEST(test_check_signed_rec)
{
	const char *recs[] = {_i ? ed_rec : rsa_rec, other_rec,
	    "v=DKIM1; p=", "v=DKIM1; k=rsa; h=sha1; p="};
	char err[100], reason[DKIM_REASON_MAX], *v;
	dkim_sig_result r, rr;
	dkim_sign_req req;
	dkim_keyrec *rec;
	dkim_msg *m;
	size_t idx, k;

	dkim_sign_req_init(&req);
	req.domain = "example.com";
	req.selector = "sel";
	req.key = _i ? ed_key : rsa_key;
	ck_assert_int_eq(dkim_msg_new(NULL, &m), DKIM_OK);
	ck_assert_int_eq(dkim_msg_add_signer(m, &req, &idx, err, 100), DKIM_OK);
	ck_assert_int_eq(dkim_msg_header(m, "From: a@example.com", 19),
	    DKIM_OK);
	ck_assert_int_eq(dkim_msg_eoh(m), DKIM_OK);
	ck_assert_int_eq(dkim_msg_body(m, "x\n", 2), DKIM_OK);
	ck_assert_int_eq(dkim_keyrec_parse(recs[0], strlen(recs[0]), &rec,
			     reason),
	    DKIM_OK);
	ck_assert_int_eq(dkim_msg_check_signed_rec(m, idx, rec, &r),
	    DKIM_ESTATE);
	ck_assert_int_eq(dkim_msg_check_signed_rec(m, idx, NULL, &r),
	    DKIM_EINVAL);
	dkim_keyrec_free(rec);
	ck_assert_int_eq(dkim_msg_eom(m), DKIM_OK);
	ck_assert_int_eq(dkim_msg_sign(m, idx, &v, err, 100), DKIM_OK);
	for (k = 0; k < sizeof recs / sizeof recs[0]; k++) {
		ck_assert_int_eq(dkim_keyrec_parse(recs[k], strlen(recs[k]),
				     &rec, reason),
		    DKIM_OK);
		ck_assert_int_eq(dkim_msg_check_signed(m, idx, recs[k], &r),
		    DKIM_OK);
		ck_assert_int_eq(dkim_msg_check_signed_rec(m, idx, rec, &rr),
		    DKIM_OK);
		ck_assert_int_eq(rr.verdict, r.verdict);
		ck_assert_str_eq(rr.reason, r.reason);
		ck_assert_str_eq(rr.domain, "example.com");
		ck_assert_uint_eq(rr.key_bits, r.key_bits);
		if (k == 0) { /* a record serves any number of checks */
			ck_assert_int_eq(dkim_msg_check_signed_rec(m, idx, rec,
					     &rr),
			    DKIM_OK);
			ASSERT_VERDICT(rr, DKIM_PASS, "");
		}
		dkim_keyrec_free(rec);
	}
	/* a record that does not parse: permerror from the text form only */
	ck_assert_int_eq(dkim_msg_check_signed(m, idx, "v=DKIM1; k=x; p=", &r),
	    DKIM_OK);
	ASSERT_VERDICT(r, DKIM_PERMERROR, "key record: unknown key type");
	ck_assert_str_eq(r.domain, "example.com");
	free(v);
	dkim_msg_free(m);
}
END_TEST

/*
 * test_sign_rec - signing with the self-check as its one verification:
 * the value comes out only with a passing verdict; a record of another
 * key (or a revoked one) gives the verdict and no value; a NULL record
 * signs as dkim_msg_sign (checked against the key itself)
 */
START_TEST(test_sign_rec)
{
	const char *good = _i ? ed_rec : rsa_rec;
	const char *bad[] = {other_rec, "v=DKIM1; p="};
	char err[100], reason[DKIM_REASON_MAX], *v = NULL;
	dkim_sig_result r, rr;
	dkim_sign_req req;
	dkim_keyrec *rec;
	dkim_msg *m;
	size_t idx, k;

	dkim_sign_req_init(&req);
	req.domain = "example.com";
	req.selector = "sel";
	req.key = _i ? ed_key : rsa_key;
	for (k = 0; k < 4; k++) {
		ck_assert_int_eq(dkim_msg_new(NULL, &m), DKIM_OK);
		ck_assert_int_eq(dkim_msg_add_signer(m, &req, &idx, err, 100),
		    DKIM_OK);
		ck_assert_int_eq(dkim_msg_header(m, "From: a@example.com", 19),
		    DKIM_OK);
		ck_assert_int_eq(dkim_msg_eoh(m), DKIM_OK);
		ck_assert_int_eq(dkim_msg_body(m, "x\n", 2), DKIM_OK);
		ck_assert_int_eq(dkim_msg_eom(m), DKIM_OK);
		rec = NULL;
		if (k > 0) {
			const char *t = k == 1 ? good : bad[k - 2];

			ck_assert_int_eq(dkim_keyrec_parse(t, strlen(t), &rec,
					     reason),
			    DKIM_OK);
		}
		ck_assert_int_eq(dkim_msg_sign_rec(m, idx, rec, &v, &r, err,
				     100),
		    DKIM_OK);
		if (k < 2) { /* no record, or the key's own */
			ASSERT_VERDICT(r, DKIM_PASS, "");
			ck_assert_ptr_nonnull(v);
			/* what came out verifies as any verifier sees it */
			ck_assert_int_eq(dkim_msg_check_signed(m, idx, good,
					     &rr),
			    DKIM_OK);
			ASSERT_VERDICT(rr, DKIM_PASS, "");
		} else {
			ck_assert_ptr_null(v);
			ck_assert_int_ne(r.verdict, DKIM_PASS);
			ck_assert_str_ne(r.reason, "");
			/* nothing left to hand out or check */
			ck_assert_int_eq(dkim_msg_check_signed(m, idx, good,
					     &rr),
			    DKIM_ESTATE);
		}
		free(v);
		v = NULL;
		dkim_keyrec_free(rec);
		dkim_msg_free(m);
	}
	ck_assert_int_eq(dkim_msg_sign_rec(NULL, 0, NULL, &v, NULL, err, 100),
	    DKIM_EINVAL);
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
	static const char *const bad_names[] = {"From", "Bad Name", NULL};

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

static Suite *
sv_suite(void)
{
	Suite *s = suite_create("sign_verify");
	TCase *tc = tcase_create("roundtrip");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_roundtrip, 0, 8);
	tcase_add_loop_test(tc, test_tampered, 0, 2);
	tcase_add_test(tc, test_oversign);
	tcase_add_test(tc, test_default_list_fields);
	tcase_add_loop_test(tc, test_body_length, 0, 2);
	tcase_add_test(tc, test_clock);
	tcase_add_test(tc, test_two_signers);
	tcase_add_test(tc, test_verify_shares);
	tcase_add_test(tc, test_identity);
	suite_add_tcase(s, tc);
	tc = tcase_create("signer");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_check_signed, 0, 2);
	tcase_add_loop_test(tc, test_check_signed_rec, 0, 2);
	tcase_add_loop_test(tc, test_sign_rec, 0, 2);
	tcase_add_test(tc, test_add_signer);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return sv_run(sv_suite());
}
