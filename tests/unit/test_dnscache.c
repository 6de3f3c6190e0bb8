/*
 * test_dnscache.c - Check tests for common/dns/dnscache.c.
 *
 * A fake backend (a dkim_lookup) answers from a small table and counts
 * queries; an injected clock moves time.  Covers TTL expiry, negative and
 * temporary-error caching, the TTL cap and floor, the entry bound with
 * LRU eviction, coalescing of concurrent lookups into one query, forced
 * refresh, name normalisation and backend failures; the parsed key
 * records kept with an answer (one parse per answer, shared by
 * reference, replaced with the answer), lookups with a deadline (given
 * up at it, the query finishing in the background), parallel prefetch,
 * and the failure text of the backend carried with the answer.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/dns/dnscache.h"
#include "testutil.h"

struct fake {
	pthread_mutex_t lock;
	unsigned queries;
	dkim_dns_status status;
	uint32_t ttl;
	dkim_rc rc;
	unsigned delay_ms;
	char txt[512]; /* answered as is when set */
	const char *why;
};

static struct fake fk;
static time_t clk; /* the injected clock (tu_clock) */

/* fake_query - answer "txt:<name>#<query number>" with fk's status */
static dkim_rc
fake_query(void *ctx, const char *name, dkim_txt_answer *ans)
{
	struct fake *f = ctx;
	char buf[300];
	unsigned n;

	pthread_mutex_lock(&f->lock);
	n = ++f->queries;
	pthread_mutex_unlock(&f->lock);
	if (f->delay_ms)
		usleep(f->delay_ms * 1000);
	memset(ans, 0, sizeof *ans);
	if (f->rc != DKIM_OK)
		return f->rc;
	ans->status = f->status;
	ans->ttl = f->ttl;
	if (f->status == DKIM_DNS_OK && f->txt[0] != '\0')
		dkim_txt_answer_add(ans, f->txt, strlen(f->txt));
	else if (f->status == DKIM_DNS_OK) {
		snprintf(buf, sizeof buf, "txt:%s#%u", name, n);
		dkim_txt_answer_add(ans, buf, strlen(buf));
	}
	return DKIM_OK;
}

/* fake_why - fake_query that also says what failed */
static dkim_rc
fake_why(void *ctx, const char *name, dkim_txt_answer *ans, const char **why)
{
	struct fake *f = ctx;

	*why = f->why;
	return fake_query(ctx, name, ans);
}

static int with_why; /* make_cache sets why_query */

static dnscache *
make_cache(size_t max_entries)
{
	struct dnscache_conf cc;
	dkim_lookup lk = {fake_query, &fk};
	dnscache *c;

	memset(&fk, 0, sizeof fk);
	pthread_mutex_init(&fk.lock, NULL);
	fk.status = DKIM_DNS_OK;
	fk.ttl = 10;
	clk = 1000000;
	dnscache_conf_init(&cc);
	cc.max_entries = max_entries;
	cc.max_ttl = 3600;
	cc.max_neg_ttl = 30;
	cc.min_ttl = 2;
	cc.temp_ttl = 5;
	cc.clock = tu_clock;
	cc.clock_arg = &clk;
	if (with_why)
		cc.why_query = fake_why;
	ck_assert_int_eq(dnscache_new(&cc, lk, &c), DKIM_OK);
	return c;
}

/* get - dnscache_get, returning the status; text copied into txt */
static dkim_dns_status
get(dnscache *c, const char *name, char *txt, struct dnscache_info *info)
{
	dkim_txt_answer a;
	dkim_dns_status st;

	ck_assert_int_eq(dnscache_get(c, name, &a, info), DKIM_OK);
	st = a.status;
	if (txt != NULL)
		strcpy(txt, a.count ? a.txt[0] : "");
	dkim_txt_answer_clear(&a);
	return st;
}

START_TEST(ttl_expiry)
{
	dnscache *c = make_cache(100);
	struct dnscache_info info;
	struct dnscache_stats st;
	char t[300];

	ck_assert_int_eq(get(c, "a.example", t, &info), DKIM_DNS_OK);
	ck_assert_str_eq(t, "txt:a.example#1");
	ck_assert_int_eq(info.hit, 0);
	clk += 9;
	get(c, "a.example", t, &info);
	ck_assert_str_eq(t, "txt:a.example#1");
	ck_assert_int_eq(info.hit, 1);
	ck_assert_int_eq(info.expires, 1000010);
	clk += 1; /* TTL 10 s elapsed */
	get(c, "a.example", t, &info);
	ck_assert_str_eq(t, "txt:a.example#2");
	ck_assert_int_eq(info.hit, 0);
	dnscache_stats(c, &st);
	ck_assert_uint_eq(st.queries, 2);
	ck_assert_uint_eq(st.hits, 1);
	ck_assert_uint_eq(st.misses, 2);
	dnscache_free(c);
}
END_TEST

START_TEST(negative_caching)
{
	dnscache *c = make_cache(100);
	char t[300];

	fk.status = DKIM_DNS_NXDOMAIN;
	fk.ttl = 20;
	ck_assert_int_eq(get(c, "nx.example", t, NULL), DKIM_DNS_NXDOMAIN);
	clk += 19;
	ck_assert_int_eq(get(c, "nx.example", t, NULL), DKIM_DNS_NXDOMAIN);
	ck_assert_uint_eq(fk.queries, 1);
	clk += 1;
	fk.status = DKIM_DNS_OK; /* the record was published */
	ck_assert_int_eq(get(c, "nx.example", t, NULL), DKIM_DNS_OK);
	ck_assert_uint_eq(fk.queries, 2);
	dnscache_free(c);
}
END_TEST

START_TEST(ttl_cap_and_floor)
{
	dnscache *c = make_cache(100);
	struct dnscache_info info;

	fk.ttl = 86400; /* capped at max_ttl 3600 */
	get(c, "big.example", NULL, &info);
	ck_assert_int_eq(info.expires - info.fetched, 3600);
	ck_assert_uint_eq(info.ttl, 86400); /* the answer's own TTL */
	fk.ttl = 0;                         /* raised to min_ttl 2 */
	get(c, "zero.example", NULL, &info);
	ck_assert_int_eq(info.expires - info.fetched, 2);
	fk.status = DKIM_DNS_NODATA; /* capped at max_neg_ttl 30 */
	fk.ttl = 600;
	get(c, "nodata.example", NULL, &info);
	ck_assert_int_eq(info.expires - info.fetched, 30);
	dnscache_free(c);
}
END_TEST

START_TEST(temporary_errors)
{
	dnscache *c = make_cache(100);

	fk.status = DKIM_DNS_SERVFAIL;
	fk.ttl = 0;
	ck_assert_int_eq(get(c, "sf.example", NULL, NULL), DKIM_DNS_SERVFAIL);
	clk += 4; /* temp_ttl 5: still cached */
	ck_assert_int_eq(get(c, "sf.example", NULL, NULL), DKIM_DNS_SERVFAIL);
	ck_assert_uint_eq(fk.queries, 1);
	clk += 1;
	fk.status = DKIM_DNS_OK;
	ck_assert_int_eq(get(c, "sf.example", NULL, NULL), DKIM_DNS_OK);
	ck_assert_uint_eq(fk.queries, 2);
	dnscache_free(c);
}
END_TEST

START_TEST(eviction_bound)
{
	dnscache *c = make_cache(4);
	struct dnscache_stats st;
	char name[32];
	int i;

	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof name, "n%d.example", i);
		get(c, name, NULL, NULL);
		get(c, "keep.example", NULL, NULL); /* most recent */
		dnscache_stats(c, &st);
		ck_assert_uint_le(st.entries, 4);
	}
	ck_assert_uint_eq(st.evictions, 7); /* 11 names, 4 kept */
	ck_assert_uint_eq(fk.queries, 11);  /* keep.example: cached */
	get(c, "n9.example", NULL, NULL);   /* recent: still there */
	ck_assert_uint_eq(fk.queries, 11);
	get(c, "n0.example", NULL, NULL); /* evicted long ago */
	ck_assert_uint_eq(fk.queries, 12);
	dnscache_free(c);
}
END_TEST

START_TEST(names_normalised)
{
	dnscache *c = make_cache(100);

	get(c, "S._DomainKey.Example.COM.", NULL, NULL);
	get(c, "s._domainkey.example.com", NULL, NULL);
	ck_assert_uint_eq(fk.queries, 1);
	dnscache_free(c);
}
END_TEST

START_TEST(refresh_forces_query)
{
	dnscache *c = make_cache(100);
	struct dnscache_info info;
	dkim_txt_answer a;

	get(c, "r.example", NULL, NULL);
	ck_assert_int_eq(dnscache_refresh(c, "r.example", &a, &info), DKIM_OK);
	ck_assert_str_eq(a.txt[0], "txt:r.example#2");
	ck_assert_int_eq(info.hit, 0);
	dkim_txt_answer_clear(&a);
	get(c, "r.example", NULL, &info); /* the refreshed answer */
	ck_assert_int_eq(info.hit, 1);
	ck_assert_uint_eq(fk.queries, 2);
	dnscache_free(c);
}
END_TEST

START_TEST(backend_failure_not_cached)
{
	dnscache *c = make_cache(100);
	dkim_txt_answer a;

	fk.rc = DKIM_ENOMEM;
	ck_assert_int_eq(dnscache_get(c, "f.example", &a, NULL), DKIM_ENOMEM);
	fk.rc = DKIM_OK;
	ck_assert_int_eq(get(c, "f.example", NULL, NULL), DKIM_DNS_OK);
	ck_assert_uint_eq(fk.queries, 2);
	dnscache_free(c);
}
END_TEST

#define NTHREADS 16
static dnscache *shared;
static pthread_barrier_t barrier;
static char results[NTHREADS][300];

static void *
asker(void *arg)
{
	long i = (long)arg;

	pthread_barrier_wait(&barrier);
	get(shared, "same.example", results[i], NULL);
	return NULL;
}

START_TEST(coalescing)
{
	pthread_t th[NTHREADS];
	struct dnscache_stats st;
	long i;

	shared = make_cache(100);
	fk.delay_ms = 300; /* every thread arrives during the query */
	pthread_barrier_init(&barrier, NULL, NTHREADS);
	for (i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, asker, (void *)i);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	ck_assert_uint_eq(fk.queries, 1);
	for (i = 0; i < NTHREADS; i++)
		ck_assert_str_eq(results[i], "txt:same.example#1");
	dnscache_stats(shared, &st);
	ck_assert_uint_eq(st.queries, 1);
	ck_assert_uint_eq(st.coalesced, NTHREADS - 1);
	pthread_barrier_destroy(&barrier);
	dnscache_free(shared);
}
END_TEST

static void *
stress(void *arg)
{
	char name[32];
	unsigned seed = (unsigned)(long)arg;
	int i;

	for (i = 0; i < 3000; i++) {
		snprintf(name, sizeof name, "s%d.example", rand_r(&seed) % 64);
		if (i % 7 == 0) {
			dkim_txt_answer a;

			dnscache_refresh(shared, name, &a, NULL);
			dkim_txt_answer_clear(&a);
		} else
			get(shared, name, NULL, NULL);
	}
	return NULL;
}

START_TEST(concurrent_stress)
{
	pthread_t th[8];
	struct dnscache_stats st;
	long i;

	shared = make_cache(16);
	for (i = 0; i < 8; i++)
		pthread_create(&th[i], NULL, stress, (void *)(i + 1));
	for (i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	dnscache_stats(shared, &st);
	ck_assert_uint_le(st.entries, 16);
	ck_assert_uint_eq(st.hits + st.misses, 8 * 3000);
	dnscache_flush(shared);
	dnscache_stats(shared, &st);
	ck_assert_uint_eq(st.entries, 0);
	dnscache_free(shared);
}
END_TEST

/* ms_since - milliseconds of CLOCK_MONOTONIC since t0 */
static long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	    (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* ed25519_record - a fresh key's record "v=DKIM1; k=ed25519; p=..." */
static void
ed25519_record(char *buf, size_t len)
{
	char err[128], *rec;
	dkim_key *k;

	ck_assert_int_eq(dkim_key_generate(DKIM_KEY_ED25519, 0, &k, err,
			     sizeof err),
	    DKIM_OK);
	ck_assert_int_eq(dkim_key_record(k, &rec), DKIM_OK);
	ck_assert_uint_lt(strlen(rec), len);
	strcpy(buf, rec);
	free(rec);
	dkim_key_free(k);
}

START_TEST(parsed_records_shared)
{
	dnscache *c = make_cache(100);
	dkim_key_answer a1, a2, a3;
	struct dnscache_stats st;
	struct timespec never;

	ed25519_record(fk.txt, sizeof fk.txt);
	clock_gettime(CLOCK_MONOTONIC, &never);
	never.tv_sec += 60;
	ck_assert_int_eq(dnscache_get_keys(c, "s._domainkey.a.example", &never,
			     &a1, NULL),
	    DKIM_OK);
	ck_assert_int_eq(a1.txt.status, DKIM_DNS_OK);
	ck_assert_ptr_nonnull(a1.rec[0]);
	ck_assert_int_eq(dkim_keyrec_type(a1.rec[0]), DKIM_KEY_ED25519);
	/* a second message takes a reference to the same parse */
	ck_assert_int_eq(dnscache_get_keys(c, "s._domainkey.a.example", NULL,
			     &a2, NULL),
	    DKIM_OK);
	ck_assert_ptr_eq(a2.rec[0], a1.rec[0]);
	dnscache_stats(c, &st);
	ck_assert_uint_eq(st.parses, 1);
	ck_assert_uint_eq(st.queries, 1);
	/* a new answer: parsed anew; the old reference stays usable */
	clk += 10;
	ed25519_record(fk.txt, sizeof fk.txt);
	ck_assert_int_eq(dnscache_get_keys(c, "s._domainkey.a.example", NULL,
			     &a3, NULL),
	    DKIM_OK);
	ck_assert_ptr_nonnull(a3.rec[0]);
	ck_assert_ptr_ne(a3.rec[0], a1.rec[0]);
	dnscache_stats(c, &st);
	ck_assert_uint_eq(st.parses, 2);
	ck_assert_uint_eq(st.queries, 2);
	dnscache_flush(c);
	ck_assert_int_eq(dkim_keyrec_type(a1.rec[0]), DKIM_KEY_ED25519);
	dkim_key_answer_clear(&a1);
	dkim_key_answer_clear(&a2);
	dkim_key_answer_clear(&a3);
	/* a record that does not parse is left to the library */
	strcpy(fk.txt, "v=DKIM1; k=ed25519; p=not*base64");
	ck_assert_int_eq(dnscache_get_keys(c, "s._domainkey.b.example", NULL,
			     &a1, NULL),
	    DKIM_OK);
	ck_assert_int_eq(a1.txt.status, DKIM_DNS_OK);
	ck_assert_uint_eq(a1.txt.count, 1);
	ck_assert_ptr_null(a1.rec[0]);
	dkim_key_answer_clear(&a1);
	dnscache_free(c);
}
END_TEST

START_TEST(verify_with_parsed_records)
{
	/* dkim_msg_verify_keys over the cache: pass twice, one parse */
	static const char *hdr[] = {"From: a@a.example", "To: b@b.example",
	    "Subject: hi", NULL};
	dnscache *c = make_cache(100);
	struct dnscache_budget b;
	dkim_sign_req req;
	dkim_sig_result res;
	struct dnscache_stats st;
	dkim_keylookup kl;
	dkim_msg *m;
	dkim_key *k;
	char err[128], *rec, *val, *field;
	size_t i, n, round;

	ck_assert_int_eq(dkim_key_generate(DKIM_KEY_ED25519, 0, &k, err,
			     sizeof err),
	    DKIM_OK);
	ck_assert_int_eq(dkim_key_record(k, &rec), DKIM_OK);
	strcpy(fk.txt, rec);
	free(rec);
	dkim_sign_req_init(&req);
	req.domain = "a.example";
	req.selector = "s";
	req.key = k;
	ck_assert_int_eq(dkim_msg_new(NULL, &m), DKIM_OK);
	ck_assert_int_eq(dkim_msg_add_signer(m, &req, NULL, err, sizeof err),
	    DKIM_OK);
	for (i = 0; hdr[i] != NULL; i++)
		dkim_msg_header(m, hdr[i], strlen(hdr[i]));
	dkim_msg_eoh(m);
	dkim_msg_body(m, "body\r\n", 6);
	dkim_msg_eom(m);
	ck_assert_int_eq(dkim_msg_sign(m, 0, &val, err, sizeof err), DKIM_OK);
	dkim_msg_free(m);
	ck_assert_ptr_nonnull(field = malloc(strlen(val) + 16));
	sprintf(field, "DKIM-Signature:%s", val);
	for (round = 0; round < 2; round++) {
		ck_assert_int_eq(dkim_msg_new(NULL, &m), DKIM_OK);
		dkim_msg_header(m, field, strlen(field));
		for (i = 0; hdr[i] != NULL; i++)
			dkim_msg_header(m, hdr[i], strlen(hdr[i]));
		dkim_msg_eoh(m);
		dkim_msg_body(m, "body\r\n", 6);
		dkim_msg_eom(m);
		dnscache_budget_start(&b, c, 5000);
		kl = dnscache_budget_iface(&b);
		ck_assert_int_eq(dkim_msg_verify_keys(m, &kl, &res, 1, &n),
		    DKIM_OK);
		ck_assert_uint_eq(n, 1);
		ck_assert_int_eq(res.verdict, DKIM_PASS);
		dkim_msg_free(m);
	}
	dnscache_stats(c, &st);
	ck_assert_uint_eq(st.parses, 1);
	ck_assert_uint_eq(st.queries, 1);
	free(field);
	free(val);
	dkim_key_free(k);
	dnscache_free(c);
}
END_TEST

START_TEST(deadline_gives_up)
{
	dnscache *c = make_cache(100);
	struct dnscache_budget b;
	struct dnscache_stats st;
	struct timespec t0;
	dkim_key_answer a;
	dkim_keylookup kl;
	long ms;

	fk.delay_ms = 1500; /* a server slower than the budget */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	dnscache_budget_start(&b, c, 200);
	kl = dnscache_budget_iface(&b);
	ck_assert_int_eq(kl.query(kl.ctx, "slow.example", &a), DKIM_OK);
	ms = ms_since(&t0);
	ck_assert_int_eq(a.txt.status, DKIM_DNS_TIMEOUT);
	ck_assert_str_eq(a.why, DNSCACHE_WHY_BUDGET);
	ck_assert_int_ge(ms, 190);
	ck_assert_int_lt(ms, 1000);
	dkim_key_answer_clear(&a);
	/* the query went on and filled the cache */
	usleep(1600 * 1000);
	ck_assert_int_eq(dnscache_get_keys(c, "slow.example", NULL, &a, NULL),
	    DKIM_OK);
	ck_assert_int_eq(a.txt.status, DKIM_DNS_OK);
	dkim_key_answer_clear(&a);
	dnscache_stats(c, &st);
	ck_assert_uint_eq(st.queries, 1);
	ck_assert_uint_eq(st.budget_over, 1);
	dnscache_free(c);
}
END_TEST

START_TEST(prefetch_parallel)
{
	dnscache *c = make_cache(100);
	struct dnscache_stats st;
	struct timespec t0, dl;
	dkim_key_answer a;
	char name[64];
	int i;

	fk.delay_ms = 600;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof name, "s%d._domainkey.x.example", i);
		ck_assert_int_eq(dnscache_prefetch(c, name), DKIM_OK);
	}
	dl = t0;
	dl.tv_sec += 10;
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof name, "s%d._domainkey.x.example", i);
		ck_assert_int_eq(dnscache_get_keys(c, name, &dl, &a, NULL),
		    DKIM_OK);
		ck_assert_int_eq(a.txt.status, DKIM_DNS_OK);
		dkim_key_answer_clear(&a);
	}
	/* 8 lookups of 600 ms at once: well under the 4.8 s of a series */
	ck_assert_int_lt(ms_since(&t0), 2000);
	dnscache_stats(c, &st);
	ck_assert_uint_eq(st.queries, 8);
	ck_assert_uint_eq(st.prefetches, 8);
	dnscache_free(c);
}
END_TEST

START_TEST(failure_text_kept)
{
	struct dnscache_info info;
	dkim_key_answer a;
	dnscache *c;

	with_why = 1;
	c = make_cache(100);
	with_why = 0;
	fk.status = DKIM_DNS_SERVFAIL;
	fk.why = "the nameserver answered REFUSED";
	ck_assert_int_eq(dnscache_get_keys(c, "r.example", NULL, &a, &info),
	    DKIM_OK);
	ck_assert_int_eq(a.txt.status, DKIM_DNS_SERVFAIL);
	ck_assert_str_eq(a.why, "the nameserver answered REFUSED");
	ck_assert_str_eq(info.why, "the nameserver answered REFUSED");
	dkim_key_answer_clear(&a);
	/* kept for temp_ttl (5 s here), with its text */
	fk.why = "other";
	clk += 4;
	ck_assert_int_eq(dnscache_get_keys(c, "r.example", NULL, &a, &info),
	    DKIM_OK);
	ck_assert_int_eq(info.hit, 1);
	ck_assert_str_eq(a.why, "the nameserver answered REFUSED");
	dkim_key_answer_clear(&a);
	dnscache_free(c);
}
END_TEST

START_TEST(temp_default)
{
	struct dnscache_conf cc;

	dnscache_conf_init(&cc);
	ck_assert_uint_eq(cc.temp_ttl, 30);
}
END_TEST

static Suite *
dnscache_suite(void)
{
	Suite *s = suite_create("dnscache");
	TCase *tc = tcase_create("cache");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, ttl_expiry);
	tcase_add_test(tc, negative_caching);
	tcase_add_test(tc, ttl_cap_and_floor);
	tcase_add_test(tc, temporary_errors);
	tcase_add_test(tc, eviction_bound);
	tcase_add_test(tc, names_normalised);
	tcase_add_test(tc, refresh_forces_query);
	tcase_add_test(tc, backend_failure_not_cached);
	tcase_add_test(tc, coalescing);
	tcase_add_test(tc, concurrent_stress);
	tcase_add_test(tc, parsed_records_shared);
	tcase_add_test(tc, verify_with_parsed_records);
	tcase_add_test(tc, deadline_gives_up);
	tcase_add_test(tc, prefetch_parallel);
	tcase_add_test(tc, failure_text_kept);
	tcase_add_test(tc, temp_default);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(dnscache_suite());
}
