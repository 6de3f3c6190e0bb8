/*
 * guard_batch.c - check many guard entries at once.
 *
 * DESCRIPTION
 *	At start-up, on reload and in the refresher many entries may need a
 *	check at the same time.  Each check can take up to one DNS lookup's
 *	bound when a server is dead, so checking 500 keys one after another
 *	could hold start-up for half an hour.  guard_check_batch runs the
 *	checks on up to GUARD_WORKERS threads, each taking the next entry
 *	from a shared index; identical names are asked once anyway (the
 *	cache coalesces them).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "guard_int.h"

#define GUARD_WORKERS 8

struct batch {
	guard_entry **list;
	guard_state *old; /* NULL or one per entry */
	size_t n;
	size_t next; /* atomic */
	int quiet;
};

/* worker - check entries until the list is done */
static void *
worker(void *arg)
{
	struct batch *b = arg;
	size_t i;

	while ((i = __atomic_fetch_add(&b->next, 1, __ATOMIC_RELAXED)) < b->n)
		(void)guard_check_entry(b->list[i], b->quiet,
		    b->old ? &b->old[i] : NULL);
	return NULL;
}

/* guard_check_batch - check list[0..n-1] in parallel (guard_int.h) */
void
guard_check_batch(guard_entry **list, size_t n, int quiet, guard_state *old)
{
	struct batch b = {list, old, n, 0, quiet};
	pthread_t th[GUARD_WORKERS];
	size_t k, started = 0;

	for (k = 0; k + 1 < n && k < GUARD_WORKERS; k++) {
		if (pthread_create(&th[k], NULL, worker, &b) != 0)
			break;
		started++;
	}
	worker(&b); /* this thread works too */
	for (k = 0; k < started; k++)
		pthread_join(th[k], NULL);
}

/* guard_entries_copy - the entries now (malloc'ed), *n their number */
guard_entry **
guard_entries_copy(guard *g, size_t *n)
{
	guard_entry **list;

	pthread_mutex_lock(&g->lock);
	*n = g->n;
	list = malloc((g->n ? g->n : 1) * sizeof *list);
	if (list != NULL && g->n > 0)
		memcpy(list, g->ent, g->n * sizeof *list);
	pthread_mutex_unlock(&g->lock);
	return list;
}
