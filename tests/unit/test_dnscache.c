/*
 * test_dnscache.c - Check tests for common/dns/dnscache.c.
 *
 * A fake backend (a dkim_lookup) answers from a small table and counts
 * queries; an injected clock moves time.  Covers TTL expiry, negative and
 * temporary-error caching, the TTL cap and floor, the entry bound with
 * LRU eviction, coalescing of concurrent lookups into one query, forced
 * refresh, name normalisation and backend failures.
 */
#include <check.h>
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
	char txt[64];
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
	if (f->status == DKIM_DNS_OK) {
		snprintf(buf, sizeof buf, "txt:%s#%u", name, n);
		dkim_txt_answer_add(ans, buf, strlen(buf));
	}
	return DKIM_OK;
}

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
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(dnscache_suite());
}
