/*
 * addr.c - local part and domain of one mailbox (see addr.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

/* strip - copy value without comments, quotes kept, into buf */
static void
strip(const char *v, char *buf, size_t len)
{
	size_t o = 0;
	int depth = 0, quoted = 0;

	for (; *v != '\0' && o + 1 < len; v++) {
		if (*v == '\\' && v[1] != '\0' && (quoted || depth)) {
			if (!depth)
				buf[o++] = v[1];
			v++;
		} else if (*v == '"' && !depth)
			quoted = !quoted;
		else if (*v == '(' && !quoted)
			depth++;
		else if (*v == ')' && !quoted && depth > 0)
			depth--;
		else if (!depth)
			buf[o++] = *v;
	}
	buf[o] = '\0';
}

/* addr_split - find local@domain inside <> or as the bare address */
int
addr_split(const char *value, char *local, size_t llen, char *domain,
    size_t dlen)
{
	char buf[1024], *p, *end, *at;
	size_t i;

	strip(value, buf, sizeof buf);
	if ((p = strrchr(buf, '<')) != NULL) {
		p++;
		if ((end = strchr(p, '>')) != NULL)
			*end = '\0';
	} else
		p = buf;
	while (isspace((unsigned char)*p))
		p++;
	end = p + strlen(p);
	while (end > p && (isspace((unsigned char)end[-1]) || end[-1] == ';'))
		*--end = '\0';
	if ((at = strrchr(p, '@')) == NULL || at == p || at[1] == '\0')
		return -1;
	*at = '\0';
	if (strpbrk(at + 1, " \t\r\n<>,;") != NULL)
		return -1;
	snprintf(local, llen, "%s", p);
	snprintf(domain, dlen, "%s", at + 1);
	for (i = 0; domain[i] != '\0'; i++)
		domain[i] = (char)tolower((unsigned char)domain[i]);
	i = strlen(domain);
	if (i > 0 && domain[i - 1] == '.')
		domain[i - 1] = '\0';
	return 0;
}
