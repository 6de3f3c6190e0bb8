/*
 * keyset.h - the key table and the signing table, joined and editable.
 *
 * DESCRIPTION
 *	The line syntax is the milter's, read by its reader (util/tables.h:
 *	'#' comments at the start of a line or after a blank, '\'
 *	continuation, fields separated by blanks).  Key table lines come in
 *	two formats, told apart per line as the milter does
 *	(common/config/keytable.h):
 *	  dkimguard:  NAME  DOMAIN  SELECTOR  KEYFILE
 *	  OpenDKIM:   NAME  DOMAIN:SELECTOR:KEYFILE
 *	Signing table lines are PATTERN KEYNAME[:IDENTITY] ... in both.
 *	New key lines are written in the format of the line they follow.
 *
 *	Every edit works on whole physical lines (table.h) and re-parses, so
 *	untouched lines, comments and order are kept byte for byte.  Marker
 *	comments "# dkimguard-keytool: ..." directly above a key line say
 *	that a key is staged or retiring; they are comments, so the milter
 *	ignores them.
 */
#ifndef KT_KEYSET_H
#define KT_KEYSET_H

#include "keytool.h"
#include "table.h"
#include "util/tables.h"

#define KT_MAXF TABLES_MAXFIELDS
#define KT_MARKER "# dkimguard-keytool: "

/* kt_ent - one logical line (entry) of a table */
struct kt_ent {
	size_t first, last; /* physical lines, inclusive */
	char *text;         /* comments cut, continuations joined */
	int nf;
	size_t off[KT_MAXF], len[KT_MAXF]; /* fields within text */
};

/* kt_key - one key table entry */
struct kt_key {
	size_t ent; /* index in ks->kent */
	char *name, *domain, *selector;
	char *path;   /* KEYFILE as written */
	char *file;   /* KEYFILE relative to the table's folder */
	int opendkim; /* written in OpenDKIM's format */
	int staged;   /* a staged marker is above it */
};

/* kt_ref - one KEYNAME in the signing table */
struct kt_ref {
	size_t ent; /* index in ks->sent */
	int field;  /* field index within that entry */
	char *name; /* KEYNAME without :IDENTITY */
};

struct kt_keyset {
	struct kt_table kt, st;
	char *ktdir; /* folder of the key table */
	int st_refile;
	struct kt_ent *kent, *sent;
	size_t nkent, nsent;
	struct kt_key *key;
	size_t nkey;
	struct kt_ref *ref;
	size_t nref;
};

/* ---- tabfmt.c: parsing ---- */
/* kt_ents_parse - logical entries of a table; *out malloc'ed */
int kt_ents_parse(const struct kt_table *t, struct kt_ent **out, size_t *n);
void kt_ents_free(struct kt_ent *e, size_t n);
/* kt_ent_field - copy of field i, malloc'ed */
char *kt_ent_field(const struct kt_ent *e, int i);
/* kt_keyset_parse - (re)build keys and refs from the two tables */
int kt_keyset_parse(struct kt_keyset *ks);
/* kt_keyset_clear - free what kt_keyset_parse built */
void kt_keyset_clear(struct kt_keyset *ks);

/* ---- keyset.c: loading, queries, edits ---- */
/* kt_keyset_load - both tables, refused when the milter would refuse */
int kt_keyset_load(struct kt_keyset *ks, const struct kt_conf *c);
void kt_keyset_free(struct kt_keyset *ks);
/* kt_keyset_validate - the edited tables parse with the milter's parser */
int kt_keyset_validate(struct kt_keyset *ks);
const struct kt_key *kt_keyset_find(const struct kt_keyset *ks,
    const char *domain, const char *selector);
const struct kt_key *
kt_keyset_byname(const struct kt_keyset *ks, const char *name);
/* kt_keyset_nrefs - signing table references to a key name */
size_t kt_keyset_nrefs(const struct kt_keyset *ks, const char *name);
/* kt_keyset_signing - keys of domain the signing table uses (max out) */
size_t kt_keyset_signing(const struct kt_keyset *ks, const char *domain,
    const struct kt_key **out, size_t max);
/* kt_keyset_add_after - a new key line after key `after`, same format */
int kt_keyset_add_after(struct kt_keyset *ks, const struct kt_key *after,
    const char *name, const char *selector, const char *path);
/* kt_keyset_remove - delete a key's line(s) and its marker */
int kt_keyset_remove(struct kt_keyset *ks, const char *name);
/* kt_keyset_mark - set (text) or remove (NULL) the marker above a key */
int kt_keyset_mark(struct kt_keyset *ks, const char *name, const char *text);
/* kt_keyset_retarget - every reference to from names to instead;
 * returns how many were changed, -1 on error */
long kt_keyset_retarget(struct kt_keyset *ks, const char *from, const char *to);

#endif /* KT_KEYSET_H */
