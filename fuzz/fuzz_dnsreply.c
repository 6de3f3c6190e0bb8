/*
 * fuzz_dnsreply.c - libFuzzer target for the DNS reply parser
 * (common/dns/resolver_msg.c): the reply a resolver or an attacker on
 * the path sends back for a key query.
 *
 * DESCRIPTION
 *	The input is a reply to a TXT query for sel._domainkey.example.com.
 *	rmsg_matches (against our own encoded query with the reply's id),
 *	rmsg_rcode, rmsg_truncated and rmsg_interp must not read past it;
 *	rmsg_interp's answer must be consistent (records only with status
 *	OK, at most DKIM_TXT_MAX, each a C string; a name to follow that
 *	is a C string - it may be empty, the root, when a CNAME points
 *	there), and each record then goes through the key record
 *	parser as the verifier would use it.
 */
#include <arpa/nameser.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dns/resolver_int.h"

#define NAME "sel._domainkey.example.com"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t query[RES_QUERY_MAX];
	char next[NS_MAXDNAME], reason[DKIM_REASON_MAX];
	dkim_txt_answer ans;
	dkim_keyrec *rec;
	enum rmsg_result r;
	uint32_t ttl = 86400;
	unsigned hops = 0;
	uint16_t id = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0;
	int qlen;
	size_t i;

	if (size > RES_REPLY_MAX)
		return 0;
	qlen = rmsg_query(NAME, id, size > 2 && (data[2] & 1), query,
	    sizeof(query));
	if (qlen <= 0)
		abort();
	(void)rmsg_matches(data, size, query, (size_t)qlen);
	if (size >= 12) {
		(void)rmsg_rcode(data, size);
		(void)rmsg_truncated(data, size);
	}
	memset(&ans, 0, sizeof(ans));
	next[0] = '\0';
	r = rmsg_interp(data, size, NAME, &ans, &ttl, next, &hops);
	if (r == RMSG_ENOMEM) {
		dkim_txt_answer_clear(&ans);
		return 0;
	}
	if (ans.count > DKIM_TXT_MAX ||
	    (ans.count > 0 && ans.status != DKIM_DNS_OK) ||
	    (r == RMSG_FOLLOW && strnlen(next, NS_MAXDNAME) >= NS_MAXDNAME) ||
	    hops > RES_MAX_HOPS + 1)
		abort();
	for (i = 0; i < ans.count; i++) {
		if (ans.txt[i] == NULL)
			abort();
		if (dkim_keyrec_parse(ans.txt[i], strlen(ans.txt[i]), &rec,
			reason) == DKIM_OK)
			dkim_keyrec_free(rec);
	}
	dkim_txt_answer_clear(&ans);
	return 0;
}
