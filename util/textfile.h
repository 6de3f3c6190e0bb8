/*
 * textfile.h - the metrics as a file for node_exporter's textfile
 *		collector (MetricsFile, every MetricsFileInterval seconds).
 *
 * SYNOPSIS
 *	struct textfile tf;
 *	textfile_init(&tf, "/var/lib/prometheus/node-exporter/dkimguard.prom");
 *	textfile_update(&tf, text, len);       from the observe thread
 *	textfile_write(path, text, len, err, sizeof err);   one-shot
 *
 * DESCRIPTION
 *	The file is replaced atomically: the text goes to a hidden temporary
 *	file in the same folder (".NAME.PID.tmp", which the collector ignores
 *	since it does not end in .prom), is flushed, made mode 0644 and
 *	renamed over the target, so a scrape never reads half a file.  The
 *	folder must be writable by the UserID user (the file is written
 *	after privileges are dropped).  textfile_update logs a failure once
 *	and the recovery once, not at every interval.
 */
#ifndef DKIMGUARD_TEXTFILE_H
#define DKIMGUARD_TEXTFILE_H

#include <stddef.h>

struct textfile {
	const char *path; /* not owned */
	int failing;      /* the last write failed (already logged) */
};

/* textfile_write - temp + rename; 0, or -1 with err (temp removed) */
int textfile_write(const char *path, const char *data, size_t len, char *err,
    size_t errlen);
void textfile_init(struct textfile *tf, const char *path);
/* textfile_update - textfile_write, logging state changes; 0 or -1 */
int textfile_update(struct textfile *tf, const char *data, size_t len);

#endif /* DKIMGUARD_TEXTFILE_H */
