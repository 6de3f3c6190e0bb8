/*
 * canon_vectors.h - load testdata/canon-vectors/canonicalization.json for
 * test_canon.c and test_bodyhash.c.
 *
 * A small Python program (run by the test, not copied answers) turns the
 * JSON into one tab-separated line per vector with hex-encoded octets,
 * which the C side reads.  It first prints, per kind, how many vectors
 * the JSON holds (and how many of them carry "expected" or "file"), so
 * each test can compare the vectors it ran with what the data holds
 * (cvec_held, tu_data_ran) without trusting the C parser for the count.
 * The data directory is tu_testdata(); when
 * the file is missing (or cannot be converted) each test that needs it
 * prints "SKIP: testdata not found at ..." (tu_testdata_skip: a failure
 * with REQUIRE_TESTDATA=1).
 */
#ifndef CANON_VECTORS_H
#define CANON_VECTORS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "testutil.h"

#define CVEC_MAX 256
#define CVEC_CHUNKS 16

struct cvec {
	char kind[40];
	unsigned char *input; /* chunks concatenated */
	size_t inlen;
	size_t nchunks;
	size_t chunk[CVEC_CHUNKS]; /* chunk lengths as given */
	int has_expected;
	unsigned char *expected;
	size_t explen;
	char bh[64];         /* derived_bh_sha256 / expected_bh(_simple) */
	char bh_relaxed[64]; /* expected_bh_relaxed */
	char file[128];
};

static struct cvec cvecs[CVEC_MAX];
static size_t ncvecs;

/* the JSON's own counts, per kind */
#define CVEC_KINDS 32
enum cvec_which {
	CV_ALL,
	CV_EXPECTED,
	CV_FILE,
	CV_NOFILE
};
static struct {
	char kind[40];
	size_t all, expected, file;
} cvec_kinds[CVEC_KINDS];
static size_t ncvec_kinds, cvec_json_total;
static char cvec_dir[TU_PATH_MAX];
static char cvec_why[TU_PATH_MAX + 128]; /* why not loaded */
static int cvec_loaded;                  /* 1 ok, -1 missing */

/* cvec_unhex - decode a hex field ("-" is empty) */
static unsigned char *
cvec_unhex(const char *s, size_t *len)
{
	size_t n, i;
	unsigned char *out;
	unsigned int b;

	if (*s == 'x') /* hex fields carry an 'x' so none is empty */
		s++;
	n = strcmp(s, "-") == 0 ? 0 : strlen(s) / 2;
	out = malloc(n + 1);

	for (i = 0; i < n; i++) {
		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			abort();
		out[i] = (unsigned char)b;
	}
	out[n] = 0;
	*len = n;
	return out;
}

/* cvec_field - copy a text field ("-" is empty) */
static void
cvec_field(char *dst, size_t size, const char *s)
{
	snprintf(dst, size, "%s", strcmp(s, "-") == 0 ? "" : s);
}

static const char cvec_py[] =
    "import json, sys, collections\n"
    "vs = json.load(open(sys.argv[1], encoding='utf-8'))\n"
    "n = collections.defaultdict(lambda: [0, 0, 0])\n"
    "for v in vs:\n"
    "    c = n[v['kind']]; c[0] += 1\n"
    "    c[1] += 'expected' in v; c[2] += 'file' in v\n"
    "for k, c in sorted(n.items()):\n"
    "    print('#held\\t%s\\t%d\\t%d\\t%d' % (k, c[0], c[1], c[2]))\n"
    "print('#total\\t%d' % len(vs))\n"
    "for v in vs:\n"
    "    ch = v.get('chunks', [v['input']] if 'input' in v else [])\n"
    "    b = [c.encode('utf-8') for c in ch]\n"
    "    e = 'x' + v['expected'].encode('utf-8').hex() if 'expected' in v else '-'\n"
    "    bh = v.get('derived_bh_sha256') or v.get('expected_bh') or "
    "v.get('expected_bh_simple') or '-'\n"
    "    print('\\t'.join([v['kind'], 'x' + b''.join(b).hex(),\n"
    "        ','.join(str(len(x)) for x in b) or '-', e, bh,\n"
    "        v.get('expected_bh_relaxed', '-'), v.get('file', '-')]))\n";

/* cvec_load - run the converter once, quietly; 1 loaded, -1 no data
 * (cvec_why says why) */
static int
cvec_load(void)
{
	char path[TU_PATH_MAX + 32], cmd[4096], line[1 << 16];
	FILE *fp;

	if (cvec_loaded)
		return cvec_loaded;
	snprintf(cvec_dir, sizeof(cvec_dir), "%s/canon-vectors", tu_testdata());
	snprintf(path, sizeof(path), "%s/canonicalization.json", cvec_dir);
	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(cvec_why, sizeof(cvec_why), "testdata not found at %s",
		    path);
		return cvec_loaded = -1;
	}
	fclose(fp);
	snprintf(cmd, sizeof(cmd),
	    "/usr/bin/python3 - '%s' <<'CVEC_EOF'\n%sCVEC_EOF\n", path,
	    cvec_py);
	if ((fp = popen(cmd, "r")) == NULL)
		abort();
	while (ncvecs < CVEC_MAX && fgets(line, sizeof(line), fp) != NULL) {
		struct cvec *v = &cvecs[ncvecs];
		char *f[7], *save = NULL, *s, *c;
		int i;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "#total\t%zu", &cvec_json_total) == 1)
			continue;
		if (strncmp(line, "#held\t", 6) == 0) {
			if (ncvec_kinds < CVEC_KINDS &&
			    sscanf(line + 6, "%39[^\t]\t%zu\t%zu\t%zu",
				cvec_kinds[ncvec_kinds].kind,
				&cvec_kinds[ncvec_kinds].all,
				&cvec_kinds[ncvec_kinds].expected,
				&cvec_kinds[ncvec_kinds].file) == 4)
				ncvec_kinds++;
			continue;
		}
		for (i = 0, s = line; i < 7; i++, s = NULL)
			if ((f[i] = strtok_r(s, "\t", &save)) == NULL)
				abort();
		cvec_field(v->kind, sizeof(v->kind), f[0]);
		v->input = cvec_unhex(f[1], &v->inlen);
		if (strcmp(f[2], "-") != 0)
			for (c = strtok_r(f[2], ",", &save);
			     c != NULL && v->nchunks < CVEC_CHUNKS;
			     c = strtok_r(NULL, ",", &save))
				v->chunk[v->nchunks++] = strtoul(c, NULL, 10);
		v->has_expected = strcmp(f[3], "-") != 0;
		v->expected = cvec_unhex(f[3], &v->explen);
		cvec_field(v->bh, sizeof(v->bh), f[4]);
		cvec_field(v->bh_relaxed, sizeof(v->bh_relaxed), f[5]);
		cvec_field(v->file, sizeof(v->file), f[6]);
		ncvecs++;
	}
	if (pclose(fp) != 0 || ncvecs == 0) {
		snprintf(cvec_why, sizeof(cvec_why),
		    "could not convert %s with /usr/bin/python3", path);
		return cvec_loaded = -1;
	}
	return cvec_loaded = 1;
}

/* cvec_held - how many vectors the JSON holds of the kinds starting with
 * prefix: all of them, those with "expected", with "file", or without */
static size_t
cvec_held(const char *prefix, enum cvec_which which)
{
	size_t i, n = 0;

	for (i = 0; i < ncvec_kinds; i++) {
		if (strncmp(cvec_kinds[i].kind, prefix, strlen(prefix)) != 0)
			continue;
		n += which == CV_ALL     ? cvec_kinds[i].all :
		    which == CV_EXPECTED ? cvec_kinds[i].expected :
		    which == CV_FILE     ? cvec_kinds[i].file :
					   cvec_kinds[i].all - cvec_kinds[i].file;
	}
	return n;
}

/* cvec_ready - in a test: 1 if the vectors are loaded, else the SKIP
 * line (a failure with REQUIRE_TESTDATA=1) and 0 */
static int
cvec_ready(void)
{
	if (cvec_load() > 0) {
		/* every vector of the JSON reached the C side (CVEC_MAX) */
		ck_assert_msg(ncvecs == cvec_json_total,
		    "loaded %zu of the "
		    "%zu vectors in %s",
		    ncvecs, cvec_json_total, cvec_dir);
		return 1;
	}
	tu_testdata_skip("%s", cvec_why);
	return 0;
}

/* cvec_max_input - longest vector input (loop bound for split tests) */
static size_t
cvec_max_input(void)
{
	size_t i, m = 0;

	for (i = 0; i < ncvecs; i++)
		if (cvecs[i].inlen > m)
			m = cvecs[i].inlen;
	return m;
}

/* b64_of - base64 of a digest, for comparing with bh= strings */
static void
b64_of(const unsigned char *d, size_t n, char out[128])
{
	EVP_EncodeBlock((unsigned char *)out, d, (int)n);
}

#endif /* CANON_VECTORS_H */
