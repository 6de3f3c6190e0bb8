/*
 * table.h - a key or signing table file as a list of lines.
 *
 * DESCRIPTION
 *	Editing works on whole lines, so comments, blank lines, order and
 *	spacing of the untouched lines are kept byte for byte.
 *	kt_table_write() replaces the file atomically: a temporary file in
 *	the same directory with the old file's mode and owner, fsync, a hard
 *	link of the old file to PATH.bak (the backup), rename over PATH,
 *	fsync of the directory.  A reader (the milter reloading) sees either
 *	the old or the new file, never a mix.  It refuses when the file
 *	changed on disk since kt_table_load().
 */
#ifndef KT_TABLE_H
#define KT_TABLE_H

#include <stddef.h>
#include <sys/stat.h>

struct kt_table {
	char *path;  /* the path as configured */
	char **line; /* without the '\n' */
	size_t n, cap;
	int final_nl;   /* the last line ended with '\n' */
	int exists;     /* the file existed at load */
	struct stat st; /* as loaded, to detect concurrent edits */
};

/* kt_table_load - read path; missing_ok: an absent file is empty */
int kt_table_load(struct kt_table *t, const char *path, int missing_ok);
/* kt_table_insert - insert a copy of text before line at (n: append) */
int kt_table_insert(struct kt_table *t, size_t at, const char *text);
/* kt_table_set - replace line i with a copy of text */
int kt_table_set(struct kt_table *t, size_t i, const char *text);
/* kt_table_remove - delete line i */
void kt_table_remove(struct kt_table *t, size_t i);
/* kt_table_write - atomic replace; backup: keep PATH.bak */
int kt_table_write(struct kt_table *t, int backup);
/* kt_table_dump - the lines into a new file path (O_EXCL), synced */
int kt_table_dump(const struct kt_table *t, const char *path);
void kt_table_free(struct kt_table *t);

#endif /* KT_TABLE_H */
