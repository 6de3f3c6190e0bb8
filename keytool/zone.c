/*
 * zone.c - print a DKIM key record the way an operator publishes it.
 *
 * DESCRIPTION
 *	The zone-file form comes from the guard (guard_zone_record: strings
 *	of at most 255 bytes, RFC 1035 3.3), so the keytool, "dkimguard -n"
 *	and the milter's log all show one and the same text.  The one-line
 *	form is for web DNS panels that take the TXT value in one field.
 */
#include <stdlib.h>

#include "keytool.h"
#include "common/guard/guard.h"

/* kt_zone_record - the record as one zone-file resource record */
char *
kt_zone_record(const char *domain, const char *selector, const char *txt)
{
	char name[KT_DOM_MAX + KT_SEL_MAX + 16], *out = NULL;

	snprintf(name, sizeof name, "%s._domainkey.%s", selector, domain);
	if (guard_zone_record(name, txt, &out) != DKIM_OK)
		return NULL;
	return out;
}

/* kt_print_record - both forms, for a zone file and for a web panel */
void
kt_print_record(FILE *fp, const char *domain, const char *selector,
    const char *txt)
{
	char *zone = kt_zone_record(domain, selector, txt);

	fprintf(fp, "Publish in the zone of %s (zone-file form):\n\n%s\n\n",
	    domain, zone != NULL ? zone : "(out of memory)");
	fprintf(fp,
	    "For a web DNS panel: host %s._domainkey, type TXT, "
	    "value (one line):\n\n%s\n",
	    selector, txt);
	free(zone);
}
