/*
 * guard_keys.c - the guard's entries: one per (domain, selector, public
 *		  key), found through a hash table of key names (util/hashtab,
 *		  RFC 4343: without case), added at start-up or on first use,
 *		  and carried over from the previous guard on reload.
 *		  See guard.h.
 */
#define _GNU_SOURCE /* asprintf */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "guard_int.h"
#include "guard_state.h"

/* guard_entry_free - release one entry (guard_int.h) */
void
guard_entry_free(struct guard_entry *e)
{
	dkim_key_free(e->key);
	free(e->domain);
	free(e->selector);
	free(e->keyname);
	free(e->pub);
	free(e->want);
	dkim_keyrec_free(e->want_rec);
	free(e->good_record);
	dkim_keyrec_free(e->good_rec);
	free(e->via_why);
	free(e);
}

/*
 * find_locked - entry for (domain, selector, public key): the entries of
 * one key name (RFC 4343: without case) share a slot of g->byname and
 * are told apart by key
 */
static struct guard_entry *
find_locked(guard *g, const char *domain, const char *selector,
    const dkim_key *key, const char *pub)
{
	struct guard_entry *e;
	char buf[512], *name = buf;
	size_t need = strlen(selector) + strlen(domain) + sizeof "._domainkey.";

	if (need > sizeof buf && (name = malloc(need)) == NULL)
		return NULL;
	snprintf(name, need, "%s._domainkey.%s", selector, domain);
	for (e = hashtab_get(g->byname, name); e != NULL; e = e->same)
		if (strcasecmp(e->domain, domain) == 0 &&
		    strcasecmp(e->selector, selector) == 0 &&
		    (e->key == key || (pub && strcmp(e->pub, pub) == 0)))
			break;
	if (name != buf)
		free(name);
	return e;
}

/* grow - room for one more entry in the array */
static int
grow(guard *g)
{
	struct guard_entry **ent;
	size_t cap;

	if (g->n < g->cap)
		return 0;
	cap = g->cap ? g->cap * 2 : 16;
	if ((ent = realloc(g->ent, cap * sizeof *ent)) == NULL)
		return -1;
	g->ent = ent;
	g->cap = cap;
	return 0;
}

/* index_entry - make e findable: first of its key name's chain */
static int
index_entry(guard *g, struct guard_entry *e)
{
	struct guard_entry *first = hashtab_get(g->byname, e->keyname);

	if (hashtab_put(g->byname, e->keyname, e) < 0)
		return -1;
	e->same = first;
	return 0;
}

/* new_entry - an unchecked entry with its names and published forms
 * (the record to publish also parsed, for the self-check) */
static struct guard_entry *
new_entry(guard *g, const char *domain, const char *selector, dkim_key *key,
    char *pub)
{
	struct guard_entry *e;

	if ((e = calloc(1, sizeof *e)) == NULL)
		return NULL;
	e->g = g;
	e->pub = pub;
	e->key = dkim_key_ref(key);
	e->domain = strdup(domain);
	e->selector = strdup(selector);
	if (e->domain == NULL || e->selector == NULL ||
	    asprintf(&e->keyname, "%s._domainkey.%s", selector, domain) < 0)
		e->keyname = NULL; /* undefined after asprintf fails */
	else if (dkim_key_record(key, &e->want) == DKIM_OK &&
	    dkim_key_own_record(key, &e->want_rec) == DKIM_OK)
		return e;
	guard_entry_free(e);
	return NULL;
}

/* guard_add_key - register a key (same triple twice: same entry) */
guard_entry *
guard_add_key(guard *g, const char *domain, const char *selector, dkim_key *key,
    guard_action action)
{
	struct guard_entry *e;
	char *pub = NULL;

	if (dkim_key_public_b64(key, &pub) != DKIM_OK)
		return NULL;
	pthread_mutex_lock(&g->lock);
	if ((e = find_locked(g, domain, selector, key, pub)) != NULL) {
		free(pub);
		e->action = action;
	} else if (grow(g) == 0 &&
	    (e = new_entry(g, domain, selector, key, pub)) != NULL) {
		if (index_entry(g, e) < 0) {
			guard_entry_free(e);
			e = NULL;
		} else {
			e->action = action;
			g->ent[g->n++] = e;
			/* GuardStateFile: a '%' key added on first use */
			(void)guard_state_restore_entry(g, e);
			pthread_cond_broadcast(&g->wake);
		}
	}
	pthread_mutex_unlock(&g->lock);
	return e;
}

/* guard_find - the entry for (domain, selector, key) */
guard_entry *
guard_find(guard *g, const char *domain, const char *selector,
    const dkim_key *key)
{
	struct guard_entry *e;
	char *pub = NULL;

	pthread_mutex_lock(&g->lock);
	e = find_locked(g, domain, selector, key, NULL);
	pthread_mutex_unlock(&g->lock);
	if (e != NULL || dkim_key_public_b64(key, &pub) != DKIM_OK)
		return e;
	pthread_mutex_lock(&g->lock); /* same key, another handle */
	e = find_locked(g, domain, selector, NULL, pub);
	pthread_mutex_unlock(&g->lock);
	free(pub);
	return e;
}

/* take_over - copy the state of an old entry (reload) */
static void
take_over(struct guard_entry *e, const struct guard_entry *o)
{
	size_t c;

	e->state = o->state;
	memcpy(e->problem, o->problem, sizeof e->problem);
	free(e->good_record);
	dkim_keyrec_free(e->good_rec);
	e->good_record = o->good_record ? strdup(o->good_record) : NULL;
	e->good_rec = e->good_record ? dkim_keyrec_ref(o->good_rec) : NULL;
	e->checked = o->checked;
	e->since = o->since;
	e->last_good = o->last_good;
	e->temp_since = o->temp_since;
	e->next_check = o->next_check;
	e->ttl = o->ttl;
	for (c = 0; c < GUARD_CNT_MAX; c++)
		e->count[c] = __atomic_load_n(&o->count[c], __ATOMIC_RELAXED);
}

/* guard_inherit - keep states across a reload (guard.h) */
void
guard_inherit(guard *g, guard *old)
{
	struct guard_entry *e, *o;
	size_t i;

	if (old == NULL || old == g)
		return;
	pthread_mutex_lock(&old->lock);
	pthread_mutex_lock(&g->lock);
	for (i = 0; i < g->n; i++) {
		e = g->ent[i];
		o = find_locked(old, e->domain, e->selector, NULL, e->pub);
		if (o != NULL)
			take_over(e, o);
	}
	pthread_mutex_unlock(&g->lock);
	pthread_mutex_unlock(&old->lock);
}
