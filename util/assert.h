/*
 * assert.h - the assertion tier: states the code rules out, checked in
 *	      every build.
 *
 * SYNOPSIS
 *	#include "util/assert.h"
 *	ASSERT(rec != NULL);
 *	default:
 *		PANIC("unknown guard decision %d", (int)d);
 *
 * DESCRIPTION
 *	For a state that no input can produce, only a bug: a value outside
 *	an enum the code itself sets, a pointer a loader guarantees.  Both
 *	log "FILE:LINE: ..." as an error through the logger (log.h), then
 *	abort(): a daemon that has lost track of its own state must not go
 *	on signing or passing mail as if a check had succeeded, and the
 *	core dump and the log line say where.  Unlike <assert.h> this is
 *	never compiled out (NDEBUG has no effect).
 *	Never for what a sender, a DNS answer or a configuration file can
 *	cause: those are verdicts, tempfails or configuration errors.
 *	Exports: ASSERT, PANIC, assert_fail.
 */
#ifndef DKIMGUARD_ASSERT_H
#define DKIMGUARD_ASSERT_H

/* ASSERT - abort with the expression when cond is false */
#define ASSERT(cond)                                                           \
	((cond) ? (void)0 :                                                    \
		  assert_fail(__FILE__, __LINE__, "assertion failed: %s",      \
		      #cond))
/* PANIC - abort with a printf-style message */
#define PANIC(...) assert_fail(__FILE__, __LINE__, __VA_ARGS__)

/* assert_fail - log "FILE:LINE: message" and abort(); never returns */
void assert_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));

#endif /* DKIMGUARD_ASSERT_H */
