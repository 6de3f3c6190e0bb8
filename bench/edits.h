/*
 * edits.h - the message as the MTA would deliver it after a filter's
 * header and body edits (for loadgen --one)
 *
 * Index rules follow Sendmail/Postfix: SMFIR_INSHEADER index 0 is the top
 * of the header (we add no Received: header, so nothing is hidden above
 * it); SMFIR_CHGHEADER index n is the n-th field of that name (0 counts
 * as 1), an empty value deletes it, a missing one is appended.  Inserted
 * values get "Name: value" (or "Name:value" when the filter asked for
 * SMFIP_HDR_LEADSPC and so supplies its own space).
 *
 * ed_init   copy the original header fields; pflags points at the
 *           session's negotiated flags (read when an edit arrives)
 * ed_hooks  mta_edits hooks that apply requests to the copy
 * ed_write  write header, empty line and body (replaced or original),
 *           all lines ending in CRLF
 * ed_free   free the copy
 */
#ifndef EDITS_H
#define EDITS_H

#include <stdint.h>
#include <stdio.h>

#include "msgfile.h"
#include "mta.h"

struct ed_msg {
	char **fields; /* "Name: value", lines joined by "\n" */
	size_t n;
	const uint32_t *pflags; /* the session's negotiated SMFIP_* */
	char *body;             /* SMFIR_REPLBODY data, NULL if none */
	size_t bodylen;
};

void
ed_init(struct ed_msg *e, const struct mf_message *m, const uint32_t *pflags);
void ed_hooks(struct ed_msg *e, struct mta_edits *hooks);
int ed_write(FILE *fp, const struct ed_msg *e, const struct mf_message *m);
void ed_free(struct ed_msg *e);

#endif
