/*
 * zone_fixture.h - a file zone (common/spf/spf_zone) written from a test's
 *		    text, with Debian's public suffix list: the DNS of the
 *		    DMARC, verdict and readiness tests.
 *
 * SYNOPSIS
 *	static struct spf_zone *z;
 *	static guard_psl *psl;
 *	static char zpath[TU_PATH_MAX];
 *	static void setup(void) { zone_fixture_open(zone, zpath, sizeof zpath, &z, &psl); }
 *	static void teardown(void) { zone_fixture_close(zpath, z, psl); }
 *
 * DESCRIPTION
 *	zone_fixture_open fails the test (naming the package to install)
 *	when the zone does not parse or the list cannot be read.
 */
#ifndef DKIMGUARD_ZONE_FIXTURE_H
#define DKIMGUARD_ZONE_FIXTURE_H

#include <stddef.h>

#include "common/guard/guard.h"
#include "common/spf/spf_zone.h"

void zone_fixture_open(const char *text, char *path, size_t len,
    struct spf_zone **z, guard_psl **psl);
void zone_fixture_close(const char *path, struct spf_zone *z, guard_psl *psl);

#endif /* DKIMGUARD_ZONE_FIXTURE_H */
