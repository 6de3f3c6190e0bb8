/*
 * zone_fixture.c - a file zone and the public suffix list for the DMARC,
 *		    verdict and readiness tests (see zone_fixture.h).
 */
#include <check.h>
#include <unistd.h>

#include "testutil.h"
#include "zone_fixture.h"

/* zone_fixture_open - text written to a temporary file, read as a zone */
void
zone_fixture_open(const char *text, char *path, size_t len, struct spf_zone **z,
    guard_psl **psl)
{
	char err[256];

	tu_write_tmp(path, len, text);
	ck_assert_msg(spf_zone_open(path, z, err, sizeof err) == 0, "%s", err);
	ck_assert_msg(guard_psl_load(GUARD_PSL_PATH, psl, err, sizeof err) == 0,
	    "%s (apt-get install publicsuffix)", err);
}

/* zone_fixture_close - free both, remove the file */
void
zone_fixture_close(const char *path, struct spf_zone *z, guard_psl *psl)
{
	spf_zone_free(z);
	guard_psl_free(psl);
	unlink(path);
}
