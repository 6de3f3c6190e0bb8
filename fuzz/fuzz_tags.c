/*
 * fuzz_tags.c - libFuzzer target for the tag-list tokenizer (tags.c),
 * its list iterator, and sig_blank_b which cuts on its offsets.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "tags.h"

/* check_tag - offsets stay inside the input and agree with pointers */
static void
check_tag(const char *s, size_t len, const struct tag *t)
{
	const char *item;
	size_t pos = 0, ilen;
	char *stripped;

	if (t->name != s + t->name_off || t->value != s + t->value_off ||
	    t->name_off + t->name_len > len ||
	    t->value_off + t->value_len > t->spec_end ||
	    t->val_start > t->value_off || t->spec_end > len)
		abort();
	while (tags_list_next(t->value, t->value_len, &pos, &item, &ilen))
		if (item < t->value || item + ilen > t->value + t->value_len)
			abort();
	if ((stripped = tags_strip_fws(t->value, t->value_len)) != NULL)
		free(stripped);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char reason[DKIM_REASON_MAX];
	const char *s = (const char *)data;
	struct taglist tl;
	size_t k, outlen;
	char *blank;

	if (tags_parse(s, size, &tl, reason) == 0) {
		for (k = 0; k < tl.n; k++)
			check_tag(s, size, &tl.tags[k]);
		tags_free(&tl);
	} else if (reason[0] == '\0' ||
	    memchr(reason, '\0', DKIM_REASON_MAX) == NULL)
		abort();
	if ((blank = sig_blank_b(s, size, &outlen)) != NULL) {
		if (outlen > size)
			abort();
		free(blank);
	}
	return 0;
}
