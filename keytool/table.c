/*
 * table.c - load, edit and atomically replace a table file (see table.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keytool.h"
#include "util/strbuf.h"
#include "table.h"

/* grow - room for one more line */
static int
grow(struct kt_table *t)
{
	char **p;
	size_t cap;

	if (t->n < t->cap)
		return 0;
	cap = t->cap ? t->cap * 2 : 32;
	if ((p = realloc(t->line, cap * sizeof *p)) == NULL) {
		kt_err("out of memory");
		return -1;
	}
	t->line = p;
	t->cap = cap;
	return 0;
}

/* kt_table_insert - insert a copy of text before line at */
int
kt_table_insert(struct kt_table *t, size_t at, const char *text)
{
	char *s;

	if (at > t->n)
		at = t->n;
	if (grow(t) < 0 || (s = strdup(text)) == NULL) {
		kt_err("out of memory");
		return -1;
	}
	memmove(t->line + at + 1, t->line + at, (t->n - at) * sizeof *t->line);
	t->line[at] = s;
	t->n++;
	if (at == t->n - 1)
		t->final_nl = 1;
	return 0;
}

/* kt_table_set - replace line i */
int
kt_table_set(struct kt_table *t, size_t i, const char *text)
{
	char *s = strdup(text);

	if (s == NULL) {
		kt_err("out of memory");
		return -1;
	}
	free(t->line[i]);
	t->line[i] = s;
	return 0;
}

/* kt_table_remove - delete line i */
void
kt_table_remove(struct kt_table *t, size_t i)
{
	free(t->line[i]);
	memmove(t->line + i, t->line + i + 1, (t->n - i - 1) * sizeof *t->line);
	t->n--;
}

/* split_lines - the file's bytes into lines */
static int
split_lines(struct kt_table *t, char *buf, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && buf[i] != '\n')
			continue;
		if (i == len && start == len)
			break;
		buf[i] = '\0';
		if (kt_table_insert(t, t->n, buf + start) < 0)
			return -1;
		start = i + 1;
	}
	t->final_nl = len == 0 || buf[len - 1] == '\0';
	return 0;
}

/* read_all - the whole file into b */
static int
read_all(FILE *fp, struct strbuf *b)
{
	char chunk[8192];
	size_t r;

	while ((r = fread(chunk, 1, sizeof chunk, fp)) > 0)
		if (strbuf_add(b, chunk, r) < 0)
			return -1;
	return ferror(fp) ? -1 : 0;
}

/* kt_table_load - read a table file into lines */
int
kt_table_load(struct kt_table *t, const char *path, int missing_ok)
{
	FILE *fp;
	struct strbuf buf = {0};
	int rc;

	memset(t, 0, sizeof *t);
	if ((t->path = strdup(path)) == NULL) {
		kt_err("out of memory");
		return -1;
	}
	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT && missing_ok) {
			t->final_nl = 1;
			return 0;
		}
		kt_err("cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	t->exists = 1;
	if (fstat(fileno(fp), &t->st) < 0 || read_all(fp, &buf) < 0) {
		kt_err("cannot read %s: %s", path, strerror(errno));
		strbuf_free(&buf);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	rc = split_lines(t, buf.p, buf.len);
	strbuf_free(&buf);
	return rc;
}

/* kt_table_free - release lines and path */
void
kt_table_free(struct kt_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->line[i]);
	free(t->line);
	free(t->path);
	memset(t, 0, sizeof *t);
}

/* unchanged - the file on disk is still the one we loaded */
static int
unchanged(const struct kt_table *t, const char *real)
{
	struct stat st;

	if (stat(real, &st) < 0)
		return !t->exists && errno == ENOENT;
	return t->exists && st.st_ino == t->st.st_ino &&
	    st.st_dev == t->st.st_dev && st.st_size == t->st.st_size &&
	    st.st_mtim.tv_sec == t->st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == t->st.st_mtim.tv_nsec;
}

/* write_lines - the table's contents to fd */
static int
write_lines(const struct kt_table *t, int fd)
{
	FILE *fp = fdopen(dup(fd), "w");
	int rc = 0;

	if (fp == NULL)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		fputs(t->line[i], fp);
		if (i + 1 < t->n || t->final_nl)
			fputc('\n', fp);
	}
	if (fflush(fp) != 0 || ferror(fp))
		rc = -1;
	if (fclose(fp) != 0)
		rc = -1;
	return rc;
}

/* make_tmp - the new contents in tmp, synced, same mode and owner */
static int
make_tmp(const struct kt_table *t, const char *tmp)
{
	mode_t mode = t->exists ? (t->st.st_mode & 07777) : 0644;
	int fd, rc = 0;

	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0)
		return -1;
	if (write_lines(t, fd) < 0 || fchmod(fd, mode) < 0)
		rc = -1;
	if (rc == 0 && t->exists && geteuid() == 0 &&
	    fchown(fd, t->st.st_uid, t->st.st_gid) < 0)
		rc = -1;
	if (rc == 0 && fsync(fd) < 0)
		rc = -1;
	if (close(fd) < 0)
		rc = -1;
	return rc;
}

/* kt_table_dump - the lines into a new file */
int
kt_table_dump(const struct kt_table *t, const char *path)
{
	if (make_tmp(t, path) < 0) {
		unlink(path);
		return -1;
	}
	return 0;
}

/* keep_backup - PATH.bak becomes a hard link to the current file */
static int
keep_backup(const char *real)
{
	char bak[PATH_MAX + 16], baktmp[PATH_MAX + 32];

	snprintf(bak, sizeof bak, "%s.bak", real);
	snprintf(baktmp, sizeof baktmp, "%s.bak.tmp.%ld", real, (long)getpid());
	unlink(baktmp);
	if (link(real, baktmp) < 0)
		return -1;
	if (rename(baktmp, bak) < 0) {
		unlink(baktmp);
		return -1;
	}
	return 0;
}

/* sync_dir - make the rename durable */
static void
sync_dir(const char *real)
{
	char copy[PATH_MAX];
	int fd;

	snprintf(copy, sizeof copy, "%s", real);
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY)) >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* resolve - the file behind a symlink, so the link itself stays */
static void
resolve(const char *path, char *real, size_t len)
{
	char buf[PATH_MAX];

	if (realpath(path, buf) != NULL)
		snprintf(real, len, "%s", buf);
	else
		snprintf(real, len, "%s", path);
}

/* kt_table_write - replace the file atomically, keeping a backup */
int
kt_table_write(struct kt_table *t, int backup)
{
	char real[PATH_MAX], tmp[PATH_MAX + 32];

	resolve(t->path, real, sizeof real);
	if (!unchanged(t, real)) {
		kt_err("%s changed while it was being edited; nothing "
		       "written, run the command again",
		    t->path);
		return -1;
	}
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", real, (long)getpid());
	unlink(tmp);
	if (make_tmp(t, tmp) < 0) {
		kt_err("cannot write %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (backup && t->exists && keep_backup(real) < 0) {
		kt_err("cannot keep a backup %s.bak: %s", real,
		    strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, real) < 0) {
		kt_err("cannot replace %s: %s", real, strerror(errno));
		unlink(tmp);
		return -1;
	}
	sync_dir(real);
	t->exists = stat(real, &t->st) == 0;
	return 0;
}
