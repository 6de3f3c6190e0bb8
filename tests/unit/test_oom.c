/*
 * test_oom.c - an allocation failure never becomes a DKIM verdict (it
 * must reach the caller as an error, so the message is retried rather
 * than judged): lib/ under injected out-of-memory.
 *
 * DESCRIPTION
 *	This program defines malloc, calloc and realloc itself, forwarding
 *	to glibc's __libc_* functions, and exports them, so lib/'s
 *	allocations and OpenSSL's (CRYPTO_malloc calls malloc) come here;
 *	strdup, strndup and reallocarray are defined here too, as glibc's
 *	own do not call this malloc.  test_interposed checks that the
 *	injection reaches both.  Counting starts when a run is armed.
 *	For N = 1, 2, ... the Nth allocation of the run fails ("one-shot"),
 *	or every allocation from the Nth on ("persistent"), until a run
 *	completes without reaching N.  Every run must end in the right
 *	outcome or in a call failure, never in a wrong verdict:
 *	  verify: DKIM_ENOMEM / DKIM_ECRYPTO (sticky: the next call says the
 *	    same), or pass (temperror would be allowed) for each signature;
 *	    never fail or permerror.
 *	  sign: the call fails with ENOMEM / ECRYPTO, or the signature made
 *	    verifies; the self-check (dkim_msg_check_signed) passes or fails
 *	    as a call.
 *	  key records: dkim_keyrec_parse is OK or ENOMEM; dkim_key_match_record
 *	    is OK or ERROR (the milter's key guard relies on it).
 *
 *	Under AddressSanitizer the allocator is ASan's, so malloc is not
 *	interposed: only OpenSSL's allocations fail, through
 *	CRYPTO_set_mem_functions (set in main, before OpenSSL allocates),
 *	and a note says so.  That still runs lib/'s error paths for OpenSSL
 *	failures under ASan's leak checker.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal.h" /* key_sign_digest, keyrec_verify_digest */

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OOM_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(OOM_ASAN)
#define OOM_ASAN 1
#endif

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define T0 1700000000
#define MAX_RUNS 200000 /* a run that never completes is a bug */

/* ---- the failing allocator ------------------------------------------ */

/* volatile, and a barrier in arm/disarm: the compiler knows malloc as a
 * builtin that touches no program state and would move these around it */
static volatile struct {
	int armed;
	int persistent;        /* fail every allocation from fail_at on */
	unsigned long count;   /* allocations since arm() */
	unsigned long fail_at; /* 1-based; 0: never */
	unsigned long failed;  /* allocations refused */
} oom;

/* arm - count allocations from now on; refuse the fail_at'th */
static void
arm(unsigned long fail_at, int persistent)
{
	oom.count = 0;
	oom.failed = 0;
	oom.fail_at = fail_at;
	oom.persistent = persistent;
	oom.armed = 1;
	__asm__ __volatile__("" ::: "memory");
}

/* disarm - stop failing; 1 when this run refused an allocation */
static int
disarm(void)
{
	__asm__ __volatile__("" ::: "memory");
	oom.armed = 0;
	return oom.failed > 0;
}

/* refuse - decide for one allocation */
static int
refuse(void)
{
	if (!oom.armed)
		return 0;
	oom.count++;
	if (oom.count == oom.fail_at ||
	    (oom.persistent && oom.fail_at != 0 && oom.count > oom.fail_at)) {
		oom.failed++;
		errno = ENOMEM;
		return 1;
	}
	return 0;
}

#ifndef OOM_ASAN
/* exported (the build hides symbols by default) so that libcrypto's and
 * libc's calls resolve here too */
#define INTERPOSE __attribute__((visibility("default")))

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

INTERPOSE void *
malloc(size_t n)
{
	return refuse() ? NULL : __libc_malloc(n);
}

INTERPOSE void *
calloc(size_t n, size_t size)
{
	return refuse() ? NULL : __libc_calloc(n, size);
}

INTERPOSE void *
realloc(void *p, size_t n)
{
	return refuse() ? NULL : __libc_realloc(p, n);
}

/* glibc's own strdup, strndup and reallocarray do not call the malloc
 * above: these make lib/'s calls count too */
INTERPOSE void *
reallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > (size_t)-1 / size) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, n * size);
}

/* dup - len octets of s and a NUL, malloc'ed */
static char *
dup(const char *s, size_t len)
{
	char *d = malloc(len + 1);

	if (d != NULL) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

INTERPOSE char *
strndup(const char *s, size_t n)
{
	return dup(s, strnlen(s, n));
}

INTERPOSE char *
strdup(const char *s)
{
	return dup(s, strlen(s));
}
#else
/* ossl_malloc, ossl_realloc, ossl_free - OpenSSL's allocator under ASan */
static void *
ossl_malloc(size_t n, const char *file, int line)
{
	return refuse() ? NULL : malloc(n);
}

static void *
ossl_realloc(void *p, size_t n, const char *file, int line)
{
	return refuse() ? NULL : realloc(p, n);
}

static void
ossl_free(void *p, const char *file, int line)
{
	free(p);
}
#endif

/* ---- keys, records, messages ---------------------------------------- */

static dkim_key *rsa_key, *ed_key;
static char *rsa_rec, *ed_rec;

static const char msg_headers[] =
    "From: Joe SixPack <joe@football.example.com>\r\n"
    "To: Suzie Q <suzie@shopping.example.net>\r\n"
    "Subject: Is dinner ready?\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n";
static const char msg_body[] = "Hi.\r\n"
			       "\r\n"
			       "We lost the game.  Are you hungry yet?\r\n"
			       "\r\n"
			       "Joe.\r\n";

/* clock - the injected clock (t= is T0) */
static time_t
clock_fn(void *arg)
{
	return (time_t)T0;
}

/* options - defaults with the injected clock */
static void
options(dkim_options *opt)
{
	dkim_options_init(opt);
	opt->clock = clock_fn;
}

/* keys_setup - one RSA and one Ed25519 key with their records (once) */
static void
keys_setup(void)
{
	char err[256];

	if (rsa_key != NULL)
		return;
	if (dkim_key_generate(DKIM_KEY_RSA, 2048, &rsa_key, err, sizeof(err)) !=
		DKIM_OK ||
	    dkim_key_generate(DKIM_KEY_ED25519, 0, &ed_key, err, sizeof(err)) !=
		DKIM_OK ||
	    dkim_key_record(rsa_key, &rsa_rec) != DKIM_OK ||
	    dkim_key_record(ed_key, &ed_rec) != DKIM_OK) {
		fprintf(stderr, "test_oom: key setup failed: %s\n", err);
		abort();
	}
}

/* mem_query - the key records, as a dkim_lookup */
static dkim_rc
mem_query(void *ctx, const char *name, dkim_txt_answer *ans)
{
	const char *txt = NULL;

	if (strcmp(name, "rsa._domainkey.football.example.com") == 0)
		txt = rsa_rec;
	else if (strcmp(name, "ed._domainkey.football.example.com") == 0)
		txt = ed_rec;
	ans->ttl = 300;
	if (txt == NULL) {
		ans->status = DKIM_DNS_NXDOMAIN;
		return DKIM_OK;
	}
	ans->status = DKIM_DNS_OK;
	return dkim_txt_answer_add(ans, txt, strlen(txt));
}

static const dkim_lookup lookup = {mem_query, NULL};

/* is_internal - the only call failures an allocation failure may cause */
static int
is_internal(dkim_rc rc)
{
	return rc == DKIM_ENOMEM || rc == DKIM_ECRYPTO;
}

/* ---- signing --------------------------------------------------------- */

struct signed_out {
	dkim_rc rc; /* the first call that failed, or OK */
	const char *where;
	char *value[2];      /* the DKIM-Signature values made */
	dkim_rc check_rc[2]; /* dkim_msg_check_signed */
	dkim_sig_result check[2];
};

/* add_signers - RSA relaxed/relaxed with i= and l=; Ed25519 simple */
static dkim_rc
add_signers(dkim_msg *msg)
{
	dkim_sign_req req;
	char err[256];
	dkim_rc rc;

	dkim_sign_req_init(&req);
	req.domain = "football.example.com";
	req.selector = "rsa";
	req.identity = "joe=sixpack@football.example.com";
	req.body_length = 1;
	req.key = rsa_key;
	if ((rc = dkim_msg_add_signer(msg, &req, NULL, err, sizeof(err))) !=
	    DKIM_OK)
		return rc;
	dkim_sign_req_init(&req);
	req.domain = "football.example.com";
	req.selector = "ed";
	req.hcanon = req.bcanon = DKIM_CANON_SIMPLE;
	req.key = ed_key;
	return dkim_msg_add_signer(msg, &req, NULL, err, sizeof(err));
}

/* sign_run - sign the message with both keys and self-check */
static void
sign_run(struct signed_out *o)
{
	dkim_options opt;
	dkim_msg *msg = NULL;
	char err[256];
	size_t i;

	memset(o, 0, sizeof(*o));
	options(&opt);
#define STEP(call, name)                                                       \
	if ((o->rc = (call)) != DKIM_OK) {                                     \
		o->where = name;                                               \
		goto out;                                                      \
	}
	STEP(dkim_msg_new(&opt, &msg), "new");
	STEP(add_signers(msg), "add_signer");
	STEP(dkim_msg_write(msg, msg_headers, strlen(msg_headers)), "write");
	STEP(dkim_msg_write(msg, "\r\n", 2), "write eoh");
	STEP(dkim_msg_write(msg, msg_body, strlen(msg_body)), "write body");
	STEP(dkim_msg_eom(msg), "eom");
	for (i = 0; i < 2; i++)
		STEP(dkim_msg_sign(msg, i, &o->value[i], err, sizeof(err)),
		    "sign");
	for (i = 0; i < 2; i++)
		o->check_rc[i] = dkim_msg_check_signed(msg, i,
		    i == 0 ? rsa_rec : ed_rec, &o->check[i]);
#undef STEP
out:
	dkim_msg_free(msg);
}

/* signed_text - the message with the new fields on top; malloc'ed */
static char *
signed_text(char *const value[2])
{
	char *text;
	size_t i, len = strlen(msg_headers) + strlen(msg_body) + 3;

	for (i = 0; i < 2; i++)
		if (value[i] != NULL)
			len += strlen("DKIM-Signature:") + strlen(value[i]) + 2;
	if ((text = malloc(len)) == NULL)
		abort();
	text[0] = '\0';
	for (i = 0; i < 2; i++)
		if (value[i] != NULL) {
			strcat(text, "DKIM-Signature:");
			strcat(text, value[i]);
			strcat(text, "\r\n");
		}
	strcat(text, msg_headers);
	strcat(text, "\r\n");
	strcat(text, msg_body);
	return text;
}

/* ---- verifying ------------------------------------------------------- */

struct verify_out {
	dkim_rc rc; /* the first call that failed, or OK */
	const char *where;
	dkim_rc again; /* dkim_msg_verify after a failure */
	dkim_sig_result res[4];
	size_t nres;
};

/* verify_run - verify a whole message, fed in one write */
static void
verify_run(const char *text, struct verify_out *o)
{
	dkim_options opt;
	dkim_msg *msg = NULL;

	memset(o, 0, sizeof(*o));
	options(&opt);
#define STEP(call, name)                                                       \
	if ((o->rc = (call)) != DKIM_OK) {                                     \
		o->where = name;                                               \
		goto out;                                                      \
	}
	STEP(dkim_msg_new(&opt, &msg), "new");
	STEP(dkim_msg_write(msg, text, strlen(text)), "write");
	STEP(dkim_msg_eom(msg), "eom");
	STEP(dkim_msg_verify(msg, &lookup, o->res, NELEM(o->res), &o->nres),
	    "verify");
#undef STEP
out:
	o->again = o->rc;
	if (o->rc != DKIM_OK && msg != NULL) {
		size_t n;

		oom.armed = 0; /* the question is the sticky error */
		o->again =
		    dkim_msg_verify(msg, &lookup, o->res, NELEM(o->res), &n);
	}
	dkim_msg_free(msg);
}

/* assert_verify - a run's outcome: call failure, pass or temperror */
static void
assert_verify(const struct verify_out *o, size_t nsigs, unsigned long n,
    const char *mode)
{
	size_t i;

	if (o->rc != DKIM_OK) {
		ck_assert_msg(is_internal(o->rc), "%s N=%lu: %s returned %s",
		    mode, n, o->where, dkim_rc_str(o->rc));
		ck_assert_msg(o->again == o->rc,
		    "%s N=%lu: %s failed with %s "
		    "but the next dkim_msg_verify says %s",
		    mode, n, o->where, dkim_rc_str(o->rc),
		    dkim_rc_str(o->again));
		return;
	}
	ck_assert_msg(o->nres == nsigs, "%s N=%lu: %zu results, want %zu", mode,
	    n, o->nres, nsigs);
	for (i = 0; i < o->nres; i++)
		ck_assert_msg(o->res[i].verdict == DKIM_PASS ||
			o->res[i].verdict == DKIM_TEMPERROR,
		    "%s N=%lu: signature %zu (s=%s): %s (%s)", mode, n, i,
		    o->res[i].selector, dkim_verdict_str(o->res[i].verdict),
		    o->res[i].reason);
}

/* sign_clean - sign without failures; the values of both signatures */
static char *
sign_clean(void)
{
	struct signed_out o;
	char *text;

	sign_run(&o);
	ck_assert_msg(o.rc == DKIM_OK, "signing without failures: %s %s",
	    o.where, dkim_rc_str(o.rc));
	text = signed_text(o.value);
	free(o.value[0]);
	free(o.value[1]);
	return text;
}

/* ---- the tests -------------------------------------------------------- */

static const char *const mode_name[] = {"one-shot", "persistent"};

/* test_interposed - the injection reaches lib/, glibc and OpenSSL */
START_TEST(test_interposed)
{
#ifndef OOM_ASAN
	char *p;
	void *q;

	arm(1, 0);
	p = strdup("x");
	disarm();
	ck_assert_ptr_null(p);
	arm(1, 0);
	q = OPENSSL_malloc(16);
	disarm();
	ck_assert_ptr_null(q);
	arm(2, 0);
	p = strdup("x");
	disarm();
	ck_assert_ptr_nonnull(p);
	free(p);
#else
	void *q;

	arm(1, 0);
	q = OPENSSL_malloc(16);
	disarm();
	ck_assert_ptr_null(q);
#endif
}
END_TEST

/* test_verify_oom - verify a good message with every allocation failing */
START_TEST(test_verify_oom)
{
	struct verify_out o;
	char *text = sign_clean();
	unsigned long n;

	verify_run(text, &o); /* warm-up: OpenSSL's lazy set-up */
	assert_verify(&o, 2, 0, "warm-up");
	for (n = 1; n <= MAX_RUNS; n++) {
		arm(n, _i);
		verify_run(text, &o);
		if (!disarm())
			break; /* the run needed fewer than n */
		assert_verify(&o, 2, n, mode_name[_i]);
	}
	ck_assert_msg(n <= MAX_RUNS, "verify never completed");
	ck_assert_int_eq(o.rc, DKIM_OK);
	ck_assert_int_eq(o.res[0].verdict, DKIM_PASS);
	ck_assert_int_eq(o.res[1].verdict, DKIM_PASS);
	fprintf(stderr, "test_oom: verify (%s): failed allocation 1..%lu\n",
	    mode_name[_i], n - 1);
	free(text);
}
END_TEST

/* assert_sign - a signing run: failure, or signatures that verify */
static void
assert_sign(struct signed_out *o, unsigned long n, const char *mode)
{
	struct verify_out v;
	size_t i, nsigs = 0;
	char *text;

	if (o->rc != DKIM_OK)
		ck_assert_msg(is_internal(o->rc), "%s N=%lu: %s returned %s",
		    mode, n, o->where, dkim_rc_str(o->rc));
	for (i = 0; i < 2; i++) {
		nsigs += o->value[i] != NULL;
		if (o->rc != DKIM_OK)
			continue;
		if (o->check_rc[i] != DKIM_OK)
			ck_assert_msg(is_internal(o->check_rc[i]),
			    "%s N=%lu: check_signed %zu returned %s", mode, n,
			    i, dkim_rc_str(o->check_rc[i]));
		else
			ck_assert_msg(o->check[i].verdict == DKIM_PASS ||
				o->check[i].verdict == DKIM_TEMPERROR,
			    "%s N=%lu: check_signed %zu: %s (%s)", mode, n, i,
			    dkim_verdict_str(o->check[i].verdict),
			    o->check[i].reason);
	}
	if (nsigs == 0)
		return;
	/* whatever signature was made must verify (not armed) */
	text = signed_text(o->value);
	verify_run(text, &v);
	free(text);
	ck_assert_msg(v.rc == DKIM_OK,
	    "%s N=%lu: verifying the signature "
	    "made: %s",
	    mode, n, dkim_rc_str(v.rc));
	ck_assert_uint_eq(v.nres, nsigs);
	for (i = 0; i < v.nres; i++)
		ck_assert_msg(v.res[i].verdict == DKIM_PASS,
		    "%s N=%lu: "
		    "signature made (s=%s) does not verify: %s (%s)",
		    mode, n, v.res[i].selector,
		    dkim_verdict_str(v.res[i].verdict), v.res[i].reason);
}

/* test_sign_oom - sign with every allocation failing */
START_TEST(test_sign_oom)
{
	struct signed_out o;
	unsigned long n;

	free(sign_clean()); /* warm-up */
	for (n = 1; n <= MAX_RUNS; n++) {
		arm(n, _i);
		sign_run(&o);
		if (!disarm())
			break;
		assert_sign(&o, n, mode_name[_i]);
		free(o.value[0]);
		free(o.value[1]);
	}
	ck_assert_msg(n <= MAX_RUNS, "signing never completed");
	assert_sign(&o, 0, "clean");
	ck_assert_int_eq(o.rc, DKIM_OK);
	ck_assert_int_eq(o.check[0].verdict, DKIM_PASS);
	ck_assert_int_eq(o.check[1].verdict, DKIM_PASS);
	free(o.value[0]);
	free(o.value[1]);
	fprintf(stderr, "test_oom: sign (%s): failed allocation 1..%lu\n",
	    mode_name[_i], n - 1);
}
END_TEST

static const unsigned char digest[32] = {0x5a, 0x5a, 0x5a, 0x5a};

/* digest_signed_ok - key_sign_digest failed (-1) or gave a signature
 * that verifies against the key's record (not armed) */
static void
digest_signed_ok(int rc, unsigned char *sig, size_t siglen, dkim_key *key,
    const dkim_keyrec *rec, unsigned long n, const char *what)
{
	if (rc < 0)
		return;
	ck_assert_msg(keyrec_verify_digest(rec, dkim_key_alg(key), digest,
			  sizeof(digest), sig, siglen) == 1,
	    "N=%lu: %s: key_sign_digest "
	    "made a signature that does not verify",
	    n, what);
	free(sig);
}

/* sign_digest_after - k more signatures, each checked */
static void
sign_digest_after(dkim_key *key, const dkim_keyrec *rec, int k, unsigned long n)
{
	unsigned char *sig;
	size_t siglen;
	int rc;

	while (k-- > 0) {
		rc =
		    key_sign_digest(key, digest, sizeof(digest), &sig, &siglen);
		digest_signed_ok(rc, sig, siglen, key, rec, n,
		    "after the failure");
	}
}

/*
 * test_sign_digest_oom - signing digests, each allocation failing in
 * turn, then signing again without failures: a failure may make a
 * signature fail, never make one wrong, then or later.  OpenSSL 3.0's
 * RSA blinding, renewed every 32 signatures, is left broken by some
 * failed updates (key.c): every phase of that cycle is tried.
 */
START_TEST(test_sign_digest_oom)
{
	dkim_key *key = _i ? ed_key : rsa_key;
	const char *txt = _i ? ed_rec : rsa_rec;
	char reason[DKIM_REASON_MAX];
	dkim_keyrec *rec;
	unsigned char *sig;
	size_t siglen;
	unsigned long n = 0;
	int phase, rc, hit;

	ck_assert_int_eq(dkim_keyrec_parse(txt, strlen(txt), &rec, reason),
	    DKIM_OK);
	for (phase = 0; phase < 32; phase++) {
		sign_digest_after(key, rec, phase, 0);
		for (n = 1; n <= MAX_RUNS; n++) {
			arm(n, 0);
			rc = key_sign_digest(key, digest, sizeof(digest), &sig,
			    &siglen);
			hit = disarm();
			digest_signed_ok(rc, sig, siglen, key, rec, n,
			    "under failure");
			if (!hit)
				break;
			sign_digest_after(key, rec, 3, n);
		}
		ck_assert_msg(n <= MAX_RUNS, "signing never completed");
	}
	fprintf(stderr,
	    "test_oom: %s digest: failed allocation 1..%lu, "
	    "32 phases\n",
	    _i ? "Ed25519" : "RSA", n - 1);
	dkim_keyrec_free(rec);
}
END_TEST

/* test_keyrec_oom - parse a record and match the key: never "bad" */
START_TEST(test_keyrec_oom)
{
	static const struct {
		dkim_key **key;
		char **rec;
	} k[] = {{&rsa_key, &rsa_rec}, {&ed_key, &ed_rec}};
	char reason[DKIM_REASON_MAX];
	dkim_keyrec *rec;
	dkim_keymatch m = DKIM_KEYMATCH_OK;
	unsigned long n;
	dkim_rc rc;
	size_t i;

	for (i = 0; i < NELEM(k); i++) {
		for (n = 0; n <= MAX_RUNS; n++) { /* n == 0: warm-up */
			arm(n, _i);
			rc = dkim_keyrec_parse(*k[i].rec, strlen(*k[i].rec),
			    &rec, reason);
			if (rc == DKIM_OK)
				m = dkim_key_match_record(*k[i].key, rec);
			if (!disarm() && n > 0)
				break;
			dkim_keyrec_free(rec);
			ck_assert_msg(rc == DKIM_OK || rc == DKIM_ENOMEM,
			    "%s N=%lu: key record %zu: %s (%s)", mode_name[_i],
			    n, i, dkim_rc_str(rc), reason);
			if (rc == DKIM_OK)
				ck_assert_msg(m == DKIM_KEYMATCH_OK ||
					m == DKIM_KEYMATCH_ERROR,
				    "%s N=%lu: key %zu: %s", mode_name[_i], n,
				    i, dkim_keymatch_str(m));
		}
		ck_assert_int_eq(rc, DKIM_OK);
		ck_assert_int_eq(m, DKIM_KEYMATCH_OK);
		dkim_keyrec_free(rec);
	}
}
END_TEST

static Suite *
oom_suite(void)
{
	Suite *s = suite_create("oom");
	TCase *tc = tcase_create("oom");

	tcase_add_unchecked_fixture(tc, keys_setup, NULL);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_interposed);
	tcase_add_loop_test(tc, test_verify_oom, 0, 2);
	tcase_add_loop_test(tc, test_sign_oom, 0, 2);
	tcase_add_loop_test(tc, test_sign_digest_oom, 0, 2);
	tcase_add_loop_test(tc, test_keyrec_oom, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int nf;

#ifdef OOM_ASAN
	if (!CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free)) {
		fprintf(stderr, "test_oom: CRYPTO_set_mem_functions failed\n");
		return EXIT_FAILURE;
	}
	fprintf(stderr,
	    "test_oom: AddressSanitizer build: malloc is not "
	    "interposed; only OpenSSL's allocations fail here (the plain "
	    "build fails every allocation)\n");
#endif
	sr = srunner_create(oom_suite());
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
