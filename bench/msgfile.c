/*
 * msgfile.c - a message file split into header fields and a CRLF body
 *
 * The file is mapped, never copied whole; header fields are copied (they
 * are small), the body is converted chunk by chunk into the caller's
 * buffer.  Interface and rules: msgfile.h.
 */
#include "msgfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* line_end - offset of the LF ending the line at pos, or size */
static size_t
line_end(const struct mf_message *m, size_t pos)
{
	const char *lf = memchr(m->map + pos, '\n', m->size - pos);

	return lf ? (size_t)(lf - m->map) : m->size;
}

/* content_len - line length without its CR LF */
static size_t
content_len(const struct mf_message *m, size_t pos, size_t end)
{
	if (end > pos && m->map[end - 1] == '\r')
		end--;
	return end - pos;
}

/* name_len - length of a field name before WSP and ':', 0 if no field */
static size_t
name_len(const char *p, size_t len, size_t *colon)
{
	size_t i, n = 0;

	for (i = 0; i < len && p[i] > ' ' && p[i] < 127 && p[i] != ':'; i++)
		n++;
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (n == 0 || i >= len || p[i] != ':')
		return 0;
	*colon = i;
	return n;
}

/* add_line - append a line to the field being built */
static void
add_line(char **field, size_t *flen, const char *p, size_t len)
{
	size_t sep = *field ? 1 : 0;

	if ((*field = realloc(*field, *flen + sep + len + 1)) == NULL)
		abort();
	if (sep)
		(*field)[(*flen)++] = '\n';
	memcpy(*field + *flen, p, len);
	*flen += len;
	(*field)[*flen] = 0;
}

/* new_header - start a header entry from its first line */
static struct mf_header *
new_header(struct mf_message *m)
{
	m->hdrs = realloc(m->hdrs, (m->nhdrs + 1) * sizeof(*m->hdrs));
	if (m->hdrs == NULL)
		abort();
	memset(&m->hdrs[m->nhdrs], 0, sizeof(m->hdrs[0]));
	return &m->hdrs[m->nhdrs++];
}

/* finish_header - split a complete field into name and value */
static void
finish_header(struct mf_header *h)
{
	size_t colon, n;

	n = name_len(h->field, strlen(h->field), &colon);
	if ((h->name = strndup(h->field, n)) == NULL)
		abort();
	h->value = h->field + colon + 1;
}

/* parse_headers - split the header block, find the body */
static void
parse_headers(struct mf_message *m)
{
	struct mf_header *h = NULL;
	size_t pos = 0, end, len, colon, flen = 0;

	while (pos < m->size) {
		end = line_end(m, pos);
		len = content_len(m, pos, end);
		if (len == 0) { /* empty line: body follows */
			pos = end < m->size ? end + 1 : end;
			break;
		}
		if (h && (m->map[pos] == ' ' || m->map[pos] == '\t')) {
			add_line(&h->field, &flen, m->map + pos, len);
		} else if (name_len(m->map + pos, len, &colon)) {
			if (h)
				finish_header(h);
			h = new_header(m);
			flen = 0;
			add_line(&h->field, &flen, m->map + pos, len);
		} else {
			break; /* not a header: body starts */
		}
		pos = end < m->size ? end + 1 : end;
	}
	if (h)
		finish_header(h);
	m->body_off = pos;
}

/* mf_open - map a message file and parse its header */
int
mf_open(struct mf_message *m, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	memset(m, 0, sizeof(*m));
	if ((fd = open(path, O_RDONLY)) < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	m->size = (size_t)st.st_size;
	m->map =
	    m->size ? mmap(NULL, m->size, PROT_READ, MAP_PRIVATE, fd, 0) : "";
	close(fd);
	if (m->map == MAP_FAILED) {
		snprintf(err, errlen, "%s: mmap: %s", path, strerror(errno));
		m->map = NULL;
		return -1;
	}
	if (m->size)
		madvise((void *)m->map, m->size, MADV_SEQUENTIAL);
	parse_headers(m);
	return 0;
}

/* mf_close - free header copies and unmap */
void
mf_close(struct mf_message *m)
{
	size_t i;

	for (i = 0; i < m->nhdrs; i++) {
		free(m->hdrs[i].field);
		free(m->hdrs[i].name);
	}
	free(m->hdrs);
	if (m->map && m->size)
		munmap((void *)m->map, m->size);
	memset(m, 0, sizeof(*m));
}

/* mf_header_value - the value as sent: Sendmail eats one SP, not HT */
const char *
mf_header_value(const struct mf_header *h, int leadspc)
{
	return (!leadspc && h->value[0] == ' ') ? h->value + 1 : h->value;
}

/* mf_body_start - position an iterator at the first body byte */
void
mf_body_start(struct mf_body_iter *it, const struct mf_message *m)
{
	it->m = m;
	it->pos = m->body_off;
	it->pending = 0;
}

/* copy_line_part - copy as much of the current line as fits in room */
static size_t
copy_line_part(struct mf_body_iter *it, char *out, size_t room)
{
	const struct mf_message *m = it->m;
	size_t avail = m->size - it->pos;
	size_t window = avail < room + 1 ? avail : room + 1;
	const char *p = m->map + it->pos;
	const char *lf = memchr(p, '\n', window);
	size_t n;

	if (lf) { /* line ends here; its text fits in room */
		n = (size_t)(lf - p);
		it->pos += n + 1;
		if (n && p[n - 1] == '\r')
			n--;
		memcpy(out, p, n);
		it->pending = 2;
		return n;
	}
	n = avail < room ? avail : room;
	memcpy(out, p, n);
	it->pos += n;
	if (it->pos == m->size)
		it->pending = 2; /* last line had no newline */
	return n;
}

/* mf_body_next - next chunk of CRLF body text, 0 at the end */
size_t
mf_body_next(struct mf_body_iter *it, char *buf, size_t cap)
{
	size_t out = 0;

	while (out < cap) {
		if (it->pending) {
			buf[out++] = it->pending == 2 ? '\r' : '\n';
			it->pending--;
		} else if (it->pos < it->m->size) {
			out += copy_line_part(it, buf + out, cap - out);
		} else {
			break;
		}
	}
	return out;
}
