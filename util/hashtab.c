/*
 * hashtab.c - one hash table from C-string keys to pointers
 * (see hashtab.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hashtab.h"

#define HASHTAB_MIN 16
#define HASHTAB_MAX ((size_t)1 << 30) /* buckets; chains grow past it */

struct node {
	const char *key;
	void *value;
	uint32_t hash;
	struct node *next;
};

struct hashtab {
	struct node **bucket;
	size_t nbucket; /* a power of two */
	size_t count;
	int flags;
};

/* fold - ASCII lower case when the table ignores case */
static unsigned char
fold(unsigned char c, int flags)
{
	return (flags & HASHTAB_NOCASE) && c >= 'A' && c <= 'Z' ?
	    (unsigned char)(c + 32) :
	    c;
}

/* hashtab_hash - FNV-1a, 32 bits */
uint32_t
hashtab_hash(const char *key, int flags)
{
	uint32_t h = 2166136261u;

	for (; *key != '\0'; key++)
		h = (h ^ fold((unsigned char)*key, flags)) * 16777619u;
	return h;
}

/* same - keys equal under the table's rule */
static int
same(const struct hashtab *h, const char *a, const char *b)
{
	return (h->flags & HASHTAB_NOCASE) ? strcasecmp(a, b) == 0 :
					     strcmp(a, b) == 0;
}

/* hashtab_new - empty table */
struct hashtab *
hashtab_new(size_t hint, int flags)
{
	struct hashtab *h;
	size_t nb = HASHTAB_MIN;

	while (nb < hint && nb < HASHTAB_MAX)
		nb <<= 1;
	if ((h = calloc(1, sizeof *h)) == NULL)
		return NULL;
	if ((h->bucket = calloc(nb, sizeof *h->bucket)) == NULL) {
		free(h);
		return NULL;
	}
	h->nbucket = nb;
	h->flags = flags;
	return h;
}

/* hashtab_free - nodes and buckets */
void
hashtab_free(struct hashtab *h)
{
	struct node *n, *next;
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->nbucket; i++)
		for (n = h->bucket[i]; n != NULL; n = next) {
			next = n->next;
			free(n);
		}
	free(h->bucket);
	free(h);
}

/* slot - the link that points at key's node (or the chain's end) */
static struct node **
slot(const struct hashtab *h, const char *key, uint32_t hash)
{
	struct node **pp = &h->bucket[hash & (h->nbucket - 1)];

	while (
	    *pp != NULL && ((*pp)->hash != hash || !same(h, (*pp)->key, key)))
		pp = &(*pp)->next;
	return pp;
}

/* hashtab_get - lookup */
void *
hashtab_get(const struct hashtab *h, const char *key)
{
	struct node *n = *slot(h, key, hashtab_hash(key, h->flags));

	return n != NULL ? n->value : NULL;
}

/* grow - twice the buckets; on ENOMEM keep the old ones */
static void
grow(struct hashtab *h)
{
	struct node **nb, *n, *next;
	size_t i, size = h->nbucket * 2;

	if (h->nbucket >= HASHTAB_MAX ||
	    (nb = calloc(size, sizeof *nb)) == NULL)
		return;
	for (i = 0; i < h->nbucket; i++)
		for (n = h->bucket[i]; n != NULL; n = next) {
			next = n->next;
			n->next = nb[n->hash & (size - 1)];
			nb[n->hash & (size - 1)] = n;
		}
	free(h->bucket);
	h->bucket = nb;
	h->nbucket = size;
}

/* hashtab_put - insert or replace */
int
hashtab_put(struct hashtab *h, const char *key, void *value)
{
	uint32_t hash = hashtab_hash(key, h->flags);
	struct node **pp = slot(h, key, hash), *n;

	if (*pp != NULL) {
		(*pp)->key = key;
		(*pp)->value = value;
		return 0;
	}
	if ((n = malloc(sizeof *n)) == NULL)
		return -1;
	n->key = key;
	n->value = value;
	n->hash = hash;
	n->next = NULL;
	*pp = n;
	if (++h->count > h->nbucket)
		grow(h);
	return 0;
}

/* hashtab_remove - unlink and free key's node */
void *
hashtab_remove(struct hashtab *h, const char *key)
{
	struct node **pp = slot(h, key, hashtab_hash(key, h->flags)), *n;
	void *value;

	if ((n = *pp) == NULL)
		return NULL;
	*pp = n->next;
	value = n->value;
	free(n);
	h->count--;
	return value;
}

/* hashtab_count - items */
size_t
hashtab_count(const struct hashtab *h)
{
	return h->count;
}

/* hashtab_walk - every item until fn says stop */
int
hashtab_walk(const struct hashtab *h, hashtab_fn fn, void *arg)
{
	struct node *n;
	size_t i;
	int rc;

	for (i = 0; i < h->nbucket; i++)
		for (n = h->bucket[i]; n != NULL; n = n->next)
			if ((rc = fn(arg, n->key, n->value)) != 0)
				return rc;
	return 0;
}
