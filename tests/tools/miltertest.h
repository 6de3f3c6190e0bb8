/*
 * miltertest.h - shared parts of the miltertest tool
 *
 * miltertest plays the MTA for one message against a running filter and
 * prints what the filter answered and asked to change, in a text form
 * stable enough to compare with an expected file (tests/msgpath/).  The
 * milter client itself is bench/'s (mta.h, edits.h); this tool adds the
 * case file, the printing and the DKIM checks.
 *
 * struct mt_case  one case file: the session's envelope and the message
 * mt_case_read    parse a case file (miltertest_case.c)
 * mt_presign      sign the case's message with the DKIM library before it
 *                 is sent, so that a verify case has a real signature
 *                 (miltertest_sig.c)
 * mt_sigcheck     verify the delivered message's signatures with the
 *                 library against a dns.tsv key file (miltertest_sig.c)
 * mt_norm_value   a header value in stable form: DKIM-Signature tags with
 *                 b= replaced by the verdict and t=/x= by their meaning,
 *                 Authentication-Results' header.b by the signature it
 *                 names (miltertest_sig.c)
 */
#ifndef MILTERTEST_H
#define MILTERTEST_H

#include <stddef.h>

#include "bench/macros.h"
#include "lib/dkim.h"

#define MT_MAX_SIGS 16

struct mt_case {
	struct mta_env env;
	char *queue_id;
	size_t chunk;         /* body chunk size, 0: 65535 */
	char *presign_domain; /* presign DOMAIN SELECTOR */
	char *presign_selector;
	char *tamper_body;    /* a line appended after presigning */
	char *tamper_subject; /* new Subject: after presigning */
	char *message;        /* everything after "message", LF */
	size_t msglen;
	int message_owned; /* message was malloc'ed (presigned) */
	char *strings;     /* the file text the fields point into */
};

/* the delivered message's DKIM-Signature fields and their verdicts */
struct mt_sigs {
	size_t n;
	char *b[MT_MAX_SIGS]; /* b= without whitespace */
	dkim_sig_result res[MT_MAX_SIGS];
	size_t nres;
};

int mt_case_read(const char *path, struct mt_case *c, char *err, size_t errlen);
void mt_case_free(struct mt_case *c);

int mt_presign(struct mt_case *c, const char *keydir, char *err, size_t errlen);
int mt_sigcheck(const char *msg, size_t len, const char *keyfile,
    struct mt_sigs *s, char *err, size_t errlen);
void mt_sigs_free(struct mt_sigs *s);
char *
mt_norm_value(const char *name, const char *value, const struct mt_sigs *s);

#endif
