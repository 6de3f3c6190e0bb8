/*
 * rotstate.c - the rotation state file and state machine (rotstate.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rotstate.h"

#define HEADER1 "# dkimguard-keytool rotation state; see dkimguard-keytool(8)."
#define HEADER2 "# DOMAIN staged SELECTOR KEYNAME SINCE OLDSELECTOR OLDKEYNAME"
#define HEADER3 "# DOMAIN retiring SELECTOR KEYNAME ACTIVATED"

/* copy - bounded string copy; 0 when it did not fit */
static int
copy(char *dst, size_t len, const char *src)
{
	return (size_t)snprintf(dst, len, "%s", src) < len;
}

/* kt_rotstate_get - the record of a domain */
struct kt_rot *
kt_rotstate_get(struct kt_rotstate *rs, const char *domain, int create)
{
	struct kt_rot *p;

	for (size_t i = 0; i < rs->n; i++)
		if (strcasecmp(rs->rot[i].domain, domain) == 0)
			return &rs->rot[i];
	if (!create)
		return NULL;
	if ((p = realloc(rs->rot, (rs->n + 1) * sizeof *p)) == NULL) {
		kt_err("out of memory");
		return NULL;
	}
	rs->rot = p;
	p = &rs->rot[rs->n++];
	memset(p, 0, sizeof *p);
	copy(p->domain, sizeof p->domain, domain);
	return p;
}

/* parse_line - one state line into its domain's record */
static int
parse_line(struct kt_rotstate *rs, char *line)
{
	char *f[8];
	int nf = 0;
	struct kt_rot *r;

	for (char *t = strtok(line, " \t"); t != NULL && nf < 8;
	     t = strtok(NULL, " \t"))
		f[nf++] = t;
	if (nf == 0)
		return 0;
	if (nf < 5 || (r = kt_rotstate_get(rs, f[0], 1)) == NULL)
		return -1;
	if (strcmp(f[1], "staged") == 0 && nf == 7) {
		r->staged = 1;
		r->staged_at = kt_time_parse(f[4]);
		return copy(r->new_sel, sizeof r->new_sel, f[2]) &&
			copy(r->new_key, sizeof r->new_key, f[3]) &&
			copy(r->old_sel, sizeof r->old_sel, f[5]) &&
			copy(r->old_key, sizeof r->old_key, f[6]) &&
			r->staged_at != (time_t)-1 ?
		    0 :
		    -1;
	}
	if (strcmp(f[1], "retiring") == 0 && nf == 5) {
		r->retiring = 1;
		r->activated_at = kt_time_parse(f[4]);
		return copy(r->ret_sel, sizeof r->ret_sel, f[2]) &&
			copy(r->ret_key, sizeof r->ret_key, f[3]) &&
			r->activated_at != (time_t)-1 ?
		    0 :
		    -1;
	}
	return -1;
}

/* kt_rotstate_load - read and parse the state file */
int
kt_rotstate_load(struct kt_rotstate *rs, const char *path)
{
	char *line;

	memset(rs, 0, sizeof *rs);
	if (kt_table_load(&rs->file, path, 1) < 0)
		return -1;
	for (size_t i = 0; i < rs->file.n; i++) {
		const char *s = rs->file.line[i];
		if (s[strspn(s, " \t")] == '#')
			continue;
		if ((line = strdup(s)) == NULL || parse_line(rs, line) < 0) {
			kt_err("%s:%zu: bad rotation state line \"%s\"", path,
			    i + 1, s);
			free(line);
			kt_rotstate_free(rs);
			return -1;
		}
		free(line);
	}
	return 0;
}

/* add_rot_lines - the lines of one domain's record */
static int
add_rot_lines(struct kt_table *t, const struct kt_rot *r)
{
	char line[1024], ts[32];

	if (r->staged) {
		snprintf(line, sizeof line, "%s staged %s %s %s %s %s",
		    r->domain, r->new_sel, r->new_key,
		    kt_time_fmt(r->staged_at, ts, sizeof ts), r->old_sel,
		    r->old_key);
		if (kt_table_insert(t, t->n, line) < 0)
			return -1;
	}
	if (r->retiring) {
		snprintf(line, sizeof line, "%s retiring %s %s %s", r->domain,
		    r->ret_sel, r->ret_key,
		    kt_time_fmt(r->activated_at, ts, sizeof ts));
		if (kt_table_insert(t, t->n, line) < 0)
			return -1;
	}
	return 0;
}

/* kt_rotstate_save - write every record, atomically */
int
kt_rotstate_save(struct kt_rotstate *rs)
{
	struct kt_table *t = &rs->file;

	while (t->n > 0)
		kt_table_remove(t, t->n - 1);
	if (kt_table_insert(t, 0, HEADER1) < 0 ||
	    kt_table_insert(t, 1, HEADER2) < 0 ||
	    kt_table_insert(t, 2, HEADER3) < 0)
		return -1;
	for (size_t i = 0; i < rs->n; i++)
		if (add_rot_lines(t, &rs->rot[i]) < 0)
			return -1;
	t->final_nl = 1;
	return kt_table_write(t, 0);
}

/* kt_rotstate_free - release the records and the file */
void
kt_rotstate_free(struct kt_rotstate *rs)
{
	free(rs->rot);
	kt_table_free(&rs->file);
	memset(rs, 0, sizeof *rs);
}

/* kt_duration_parse - a number with an optional unit s, m, h, d */
long
kt_duration_parse(const char *s)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	v = strtol(s, &end, 10);
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		return v;
	if (strcmp(end, "m") == 0)
		return v * 60;
	if (strcmp(end, "h") == 0)
		return v * 3600;
	if (strcmp(end, "d") == 0)
		return v * 86400;
	return -1;
}

/* kt_duration_fmt - the two largest units */
const char *
kt_duration_fmt(long secs, char *buf, size_t len)
{
	if (secs >= 86400)
		snprintf(buf, len, "%ldd %ldh", secs / 86400,
		    secs % 86400 / 3600);
	else if (secs >= 3600)
		snprintf(buf, len, "%ldh %ldm", secs / 3600, secs % 3600 / 60);
	else if (secs >= 60)
		snprintf(buf, len, "%ldm %lds", secs / 60, secs % 60);
	else
		snprintf(buf, len, "%lds", secs);
	return buf;
}

/* kt_rot_can_start - one rotation at a time, the last one finished */
int
kt_rot_can_start(const struct kt_rot *r, char *why, size_t len)
{
	if (r != NULL && r->staged) {
		snprintf(why, len,
		    "%s: selector %s is already staged; "
		    "activate it first (rotate activate -d %s)",
		    r->domain, r->new_sel, r->domain);
		return -1;
	}
	if (r != NULL && r->retiring) {
		snprintf(why, len,
		    "%s: selector %s is still retiring; retire "
		    "it first (rotate retire -d %s, after the grace period)",
		    r->domain, r->ret_sel, r->domain);
		return -1;
	}
	return 0;
}

/* kt_rot_start - idle -> staged */
void
kt_rot_start(struct kt_rot *r, const char *new_sel, const char *new_key,
    const char *old_sel, const char *old_key, time_t now)
{
	r->staged = 1;
	copy(r->new_sel, sizeof r->new_sel, new_sel);
	copy(r->new_key, sizeof r->new_key, new_key);
	copy(r->old_sel, sizeof r->old_sel, old_sel);
	copy(r->old_key, sizeof r->old_key, old_key);
	r->staged_at = now;
}

/* kt_rot_can_activate - something must be staged */
int
kt_rot_can_activate(const struct kt_rot *r, char *why, size_t len)
{
	if (r == NULL || !r->staged) {
		snprintf(why, len,
		    "no staged key: start a rotation first "
		    "(rotate start)");
		return -1;
	}
	if (r->retiring) {
		snprintf(why, len,
		    "%s: selector %s is still retiring; retire "
		    "it first (rotate retire -d %s)",
		    r->domain, r->ret_sel, r->domain);
		return -1;
	}
	return 0;
}

/* kt_rot_activate - staged -> retiring: the old key retires from now */
void
kt_rot_activate(struct kt_rot *r, time_t now)
{
	r->staged = 0;
	r->retiring = 1;
	copy(r->ret_sel, sizeof r->ret_sel, r->old_sel);
	copy(r->ret_key, sizeof r->ret_key, r->old_key);
	r->activated_at = now;
	r->new_sel[0] = r->new_key[0] = r->old_sel[0] = r->old_key[0] = '\0';
}

/* kt_rot_can_retire - a retiring key whose grace period is over */
int
kt_rot_can_retire(const struct kt_rot *r, time_t now, long grace, char *why,
    size_t len)
{
	char ts[32], left[32];
	time_t end;

	if (r == NULL || !r->retiring) {
		snprintf(why, len,
		    "no key is retiring (rotate status shows "
		    "the state)");
		return -1;
	}
	end = r->activated_at + grace;
	if (now < end) {
		snprintf(why, len,
		    "mail signed with %s may still be in "
		    "transit: the grace period ends %s (in %s)",
		    r->ret_sel, kt_time_fmt(end, ts, sizeof ts),
		    kt_duration_fmt((long)(end - now), left, sizeof left));
		return -1;
	}
	return 0;
}

/* kt_rot_retire - retiring -> idle */
void
kt_rot_retire(struct kt_rot *r)
{
	r->retiring = 0;
	r->ret_sel[0] = r->ret_key[0] = '\0';
	r->activated_at = 0;
}

/* kt_rot_next - the next step of a domain's rotation, for status */
const char *
kt_rot_next(const struct kt_rot *r, time_t now, long grace, int published,
    char *buf, size_t len)
{
	char ts[32], left[32];

	if (r != NULL && r->staged && r->retiring)
		snprintf(buf, len, "retire %s first (rotate retire -d %s)",
		    r->ret_sel, r->domain);
	else if (r != NULL && r->staged && published == 1)
		snprintf(buf, len,
		    "record published and matching: run "
		    "rotate activate -d %s",
		    r->domain);
	else if (r != NULL && r->staged)
		snprintf(buf, len,
		    "waiting for %s._domainkey.%s to publish "
		    "the new key%s (the record: dkimguard-keytool dns -d %s "
		    "-s %s)",
		    r->new_sel, r->domain,
		    published < 0 ? " (DNS lookup failed)" : "", r->domain,
		    r->new_sel);
	else if (r != NULL && r->retiring && now < r->activated_at + grace)
		snprintf(buf, len,
		    "grace period for %s ends %s (in %s); then "
		    "rotate retire -d %s",
		    r->ret_sel,
		    kt_time_fmt(r->activated_at + grace, ts, sizeof ts),
		    kt_duration_fmt((long)(r->activated_at + grace - now), left,
			sizeof left),
		    r->domain);
	else if (r != NULL && r->retiring)
		snprintf(buf, len, "grace period over: rotate retire -d %s",
		    r->domain);
	else
		snprintf(buf, len, "no rotation in progress");
	return buf;
}
