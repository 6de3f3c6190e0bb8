/*
 * hashtab.h - one hash table from C-string keys to pointers.
 *
 * DESCRIPTION
 *	Chained buckets, a power of two of them, hashed with FNV-1a over
 *	the key's bytes.  With HASHTAB_NOCASE, keys compare and hash
 *	without ASCII case, as DNS names do (RFC 4343).  The table keeps
 *	the key pointer it is given, not a copy: the key must stay valid
 *	and unchanged while its item is in the table (typically it lives
 *	in the value).  Values are never NULL, so NULL means "absent".
 *	The table doubles its buckets when it holds more items than
 *	buckets; when that allocation fails it keeps the longer chains,
 *	which are slower but correct.  Out of memory on insertion is
 *	reported to the caller.  No locking: callers that share a table
 *	between threads hold their own lock around every call.
 *
 * EXPORTS
 *	hashtab_new, hashtab_free, hashtab_get, hashtab_put, hashtab_remove,
 *	hashtab_count, hashtab_walk, hashtab_hash
 */
#ifndef DKIMGUARD_HASHTAB_H
#define DKIMGUARD_HASHTAB_H

#include <stddef.h>
#include <stdint.h>

#define HASHTAB_NOCASE 0x01 /* ASCII case does not matter in keys */

struct hashtab;

/* hashtab_new - an empty table sized for about hint items; NULL: ENOMEM */
struct hashtab *hashtab_new(size_t hint, int flags);
/* hashtab_free - release the table (not the keys or values) */
void hashtab_free(struct hashtab *h);
/* hashtab_get - the value stored under key, or NULL */
void *hashtab_get(const struct hashtab *h, const char *key);
/*
 * hashtab_put - store value (not NULL) under key, replacing what was
 * there (the new key pointer is kept then); 0, or -1 when out of memory
 * (the table is unchanged)
 */
int hashtab_put(struct hashtab *h, const char *key, void *value);
/* hashtab_remove - take key out; its value, or NULL when absent */
void *hashtab_remove(struct hashtab *h, const char *key);
/* hashtab_count - how many items */
size_t hashtab_count(const struct hashtab *h);
/*
 * hashtab_walk - call fn for every item, in no particular order, until
 * fn returns non-zero (that value is returned; 0 when all were seen).
 * fn must not put or remove items.
 */
typedef int (*hashtab_fn)(void *arg, const char *key, void *value);
int hashtab_walk(const struct hashtab *h, hashtab_fn fn, void *arg);
/* hashtab_hash - FNV-1a of key (folded to lower case with NOCASE) */
uint32_t hashtab_hash(const char *key, int flags);

#endif /* DKIMGUARD_HASHTAB_H */
