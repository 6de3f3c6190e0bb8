/*
 * snapshot.h - everything a message needs, built once per configuration
 *		and refcounted.
 *
 * SYNOPSIS
 *	snapshot_env_set(&env);                 once, from main
 *	s = snapshot_build(path, &el);           start-up, -n, SIGHUP
 *	snapshot_install(s);                     swap the current pointer
 *	s = snapshot_acquire();  ... use ...  snapshot_release(s);
 *	snapshot_reload(path, why, len);         SIGHUP: build + install
 *
 * DESCRIPTION
 *	A snapshot holds the configuration, the key and signing tables with
 *	the private keys parsed once, the InternalHosts list, the key lookup
 *	used for verification and the published-key guard (with Guard no:
 *	none; each key's own record parsed once instead, for SelfVerify).
 *	Messages take a reference at MAIL FROM and keep that snapshot until
 *	they end, so a reload never changes the rules under a message in
 *	flight.  A reload builds the new snapshot off the milter threads, in
 *	main.c's reload thread (main only hands SIGHUP over to it), and swaps
 *	one pointer; a configuration that does not load is refused with a log
 *	line and the old one stays in force.
 *
 *	What does not change after snapshot_build: the configuration, the
 *	tables and their parsed keys and records, InternalHosts, the lookup
 *	and the derived options; milter threads read them without locks.
 *	What does: the guard (struct guard, with its own lock).  Its refresher
 *	thread updates each entry's state, milter threads count per key
 *	(guard_count) and add an entry the first time a '%' key-table entry
 *	signs for a domain (guard_add_key in sign_guard.c), and a reload's
 *	guard_inherit reads the old snapshot's guard while messages may still
 *	use it.  Everything else a message needs from the guard goes through
 *	guard.h under that lock.
 */
#ifndef DKIMGUARD_SNAPSHOT_H
#define DKIMGUARD_SNAPSHOT_H

#include <stdatomic.h>

#include "common/config/config.h"
#include "decide.h"
#include "dkim.h"
#include "common/dns/dnscache.h"
#include "util/errlist.h"
#include "common/guard/guard.h"
#include "common/config/keytable.h"
#include "milter/observe/observe_conf.h"
#include "util/netlist.h"
#include "common/config/signtable.h"

/* snapshot_env - process-wide things that outlive snapshots */
struct snapshot_env {
	dkim_lookup dns;     /* DNS-backed lookup (lookup_dns_iface) */
	dnscache *dns_cache; /* its cache, shared with the guard */
	int check_only;      /* -n: no refresher thread */
	resolver *resolver;  /* finds authoritative servers for the guard */
};

struct snapshot {
	atomic_int refs;
	unsigned long generation;
	struct config *cfg;
	struct keytable *kt;
	struct signtable *st;
	struct netlist *internal;
	struct netlist *peers;      /* PeerList */
	struct netlist *ext_ignore; /* ExternalIgnoreList */
	struct decide_policy policy;
	dkim_options dopt;          /* verification options */
	dkim_lookup lookup;         /* verification key lookup */
	dkim_lookup_file *testkeys; /* TestKeys, when set */
	dnscache *test_cache;       /* guard cache over TestKeys */
	dnscache *verify_cache;     /* the cache behind lookup (budgeted,
					 * parsed keys): test_cache or DNS */
	guard *guard;               /* published-key guard, NULL: none
					 * (no keys, or Guard no) */
	guard_psl *psl;             /* Guard no: for the alignment
					 * warning (the guard has its own) */
	char authserv_id[256];
	int sign_flags;              /* SIGNTABLE_* */
	const char **sign_headers;   /* NULL: library default */
	const char **oversign;       /* NULL: library default */
	struct observe_conf observe; /* Metrics*, UnsignedAlertInterval */
};

void snapshot_env_set(const struct snapshot_env *env);
/* snapshot_build - a new snapshot (refs = 1); NULL with el on error */
struct snapshot *snapshot_build(const char *path, struct errlist *el);
/* snapshot_install - make s current; drops the reference to the old */
void snapshot_install(struct snapshot *s);
/* snapshot_acquire - a reference to the current snapshot (never NULL
 * once one is installed) */
struct snapshot *snapshot_acquire(void);
/* snapshot_release - drop a reference; the last one frees */
void snapshot_release(struct snapshot *s);
/* snapshot_reload - build from path and install, or log why not and put
 * one line saying why into why (the reload report); 0/-1 */
int snapshot_reload(const char *path, char *why, size_t len);
/* snapshot_apply_logging - LogLevel and SyslogFacility of s */
void snapshot_apply_logging(const struct snapshot *s);

#endif /* DKIMGUARD_SNAPSHOT_H */
