/*
 * canon.c - streaming body canonicalization, RFC 6376 3.4.3 and 3.4.4.
 *
 * SYNOPSIS
 *	canon_body_init, canon_body_update, canon_body_final,
 *	canon_body_length
 *
 * DESCRIPTION
 *	A small state machine (held-back CR, held-back whitespace, count of
 *	held-back empty lines) with fast paths.  Simple: runs of lines that
 *	pass unchanged go to the sink straight from the input.  Relaxed:
 *	output goes to a fixed buffer handed to the sink when full, so a
 *	digest sees large blocks; inside lines with content the SIMD kernels
 *	of canon_x86.c do the work (the portable loop gives the same
 *	output, and the tests compare them).
 */
#include <string.h>

#include "canon.h"
#include "canon_x86.h"

/* is_wsp - RFC 5234 WSP */
static inline int
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* flush - hand the output buffer to the sink */
static void
flush(struct canon_body *cb)
{
	if (cb->outlen > 0) {
		cb->sink(cb->sink_arg, cb->out, cb->outlen);
		cb->total += cb->outlen;
		cb->outlen = 0;
	}
}

/* put - append n octets to the output */
static void
put(struct canon_body *cb, const unsigned char *p, size_t n)
{
	while (n > 0) {
		size_t room = CANON_OUTBUF - cb->outlen, k;

		if (cb->outlen == 0 && n >= CANON_OUTBUF) {
			cb->sink(cb->sink_arg, p, n);
			cb->total += n;
			return;
		}
		if (room == 0) {
			flush(cb);
			continue;
		}
		k = n < room ? n : room;
		memcpy(cb->out + cb->outlen, p, k);
		cb->outlen += k;
		p += k;
		n -= k;
	}
}

/* put_crlf - append one CRLF */
static inline void
put_crlf(struct canon_body *cb)
{
	if (cb->outlen > CANON_OUTBUF - 2)
		flush(cb);
	cb->out[cb->outlen++] = '\r';
	cb->out[cb->outlen++] = '\n';
}

/*
 * line_begin - the current line turned out to have content: the empty
 * lines held back were not trailing after all (RFC 6376 3.4.3, 3.4.4)
 */
static void
line_begin(struct canon_body *cb)
{
	for (; cb->blanks > 0; cb->blanks--)
		put_crlf(cb);
	cb->content = 1;
}

/* line_end - CRLF after a line with content; count an empty one */
static inline void
line_end(struct canon_body *cb)
{
	if (cb->content)
		put_crlf(cb);
	else
		cb->blanks++;
	cb->content = 0;
	cb->wsp = 0;
}

/* simple_content - RFC 6376 3.4.3: content octets pass unchanged */
static void
simple_content(struct canon_body *cb, const unsigned char *p, size_t n)
{
	if (!cb->content)
		line_begin(cb);
	put(cb, p, n);
}

/* emit_span - input octets [s, e) that are output as they are */
static void
emit_span(struct canon_body *cb, const unsigned char *s, const unsigned char *e)
{
	if (e > s) {
		flush(cb); /* keep the order */
		cb->sink(cb->sink_arg, s, e - s);
		cb->total += e - s;
	}
}

/*
 * simple_update - RFC 6376 3.4.3 over one chunk.  Lines with content
 * that end in CRLF pass unchanged, so runs of them go to the sink
 * straight from the input (one call per run, no copy); empty lines are
 * counted, bare LF becomes CRLF.
 */
static void
simple_update(struct canon_body *cb, const unsigned char *p,
    const unsigned char *end)
{
	const unsigned char *s, *q;
	size_t n;
	int cr;

	if (cb->pending_cr && p < end) {
		cb->pending_cr = 0;
		if (*p == '\n') {
			line_end(cb);
			p++;
		} else
			simple_content(cb, (const unsigned char *)"\r", 1);
	}
	for (s = p; p < end; p = q + 1) {
		q = memchr(p, '\n', end - p);
		n = (q != NULL ? q : end) - p;
		cr = n > 0 && p[n - 1] == '\r';
		n -= cr;
		if (n > 0 && !cb->content) {
			if (cb->blanks > 0) {
				emit_span(cb, s, p);
				line_begin(cb);
				s = p;
			}
			cb->content = 1;
		}
		if (q == NULL) {
			/* a CR at the end of a chunk may start a CRLF */
			emit_span(cb, s, p + n);
			cb->pending_cr = cr;
			return;
		}
		if (!cb->content) {
			emit_span(cb, s, p); /* empty line: held back */
			cb->blanks++;
			s = q + 1;
		} else if (!cr) {
			emit_span(cb, s, q); /* bare LF taken as CRLF */
			put_crlf(cb);
			s = q + 1;
		}
		cb->content = 0;
	}
	emit_span(cb, s, p);
}

/*
 * relaxed_content - RFC 6376 3.4.4: one content octet, preceded by a
 * single SP if a WSP run was held back
 */
static void
relaxed_content(struct canon_body *cb, unsigned char c)
{
	if (!cb->content)
		line_begin(cb);
	if (cb->outlen > CANON_OUTBUF - 2)
		flush(cb);
	if (cb->wsp) {
		cb->out[cb->outlen++] = ' ';
		cb->wsp = 0;
	}
	cb->out[cb->outlen++] = c;
}

/*
 * relaxed_line_start - at the start of a line inside relaxed_run: count
 * empty (or WSP-only) lines, RFC 6376 3.4.4; returns with content set
 * when the line starts with an ordinary octet, else leaves the rest to
 * the state machine (with wsp set when WSP was held back).
 */
static const unsigned char *
relaxed_line_start(struct canon_body *cb, const unsigned char *p,
    const unsigned char *end)
{
	const unsigned char *q;

	cb->content = 0;
	while (p < end) {
		if (*p > ' ') {
			line_begin(cb);
			return p;
		}
		for (q = p; q < end && is_wsp(*q); q++)
			;
		if (q < end && *q == '\n')
			p = q + 1;
		else if (q + 1 < end && *q == '\r' && q[1] == '\n')
			p = q + 2;
		else {
			cb->wsp = q > p; /* leading WSP held back */
			return q;
		}
		cb->blanks++;
	}
	return p;
}

/*
 * relaxed_run - the fast path of RFC 6376 3.4.4 inside a line with
 * content and no WSP held back: copies octets that pass unchanged,
 * turns inner WSP runs into one SP, drops trailing WSP, passes CRLF (or
 * bare LF as CRLF) and counts empty lines.  Returns where the state
 * machine must look (WSP or CR at the end of the chunk, a line starting
 * with WSP or a control, a lone CR).
 */
static const unsigned char *
relaxed_run(struct canon_body *cb, const unsigned char *p,
    const unsigned char *end)
{
	unsigned char *o = cb->out + cb->outlen;
	unsigned char *olim = cb->out + CANON_OUTBUF;
	unsigned char c;
	int stopped;

	while (p < end) {
		if (o >= olim) {
			cb->outlen = o - cb->out;
			flush(cb);
			o = cb->out;
		}
		if (cb->isa == CANON_ISA_AVX512 || cb->isa == CANON_ISA_AVX2) {
			p = cb->isa == CANON_ISA_AVX512 ?
			    canon_relaxed_avx512(p, end, &o, olim, &stopped) :
			    canon_relaxed_avx2(p, end, &o, olim, &stopped);
			if (stopped)
				goto special;
		}
		p = canon_relaxed_sse2(p, end, &o, olim, &stopped);
		if (stopped)
			goto special;
		while (p < end && o < olim) {
			c = *p;
			if (c <= ' ' &&
			    (c != ' ' || p + 1 == end || p[1] <= ' '))
				goto special;
			*o++ = c;
			p++;
		}
		continue;
	special:
		if (is_wsp(*p)) {
			const unsigned char *q = p + 1;

			while (q < end && is_wsp(*q))
				q++;
			p = q;
			if (q == end || (*q == '\r' && q + 1 == end)) {
				cb->wsp = 1; /* maybe trailing: hold back */
				break;
			}
			if (*q != '\n' && !(*q == '\r' && q[1] == '\n')) {
				*o++ = ' '; /* RFC 6376 3.4.4: WSP run -> SP */
				continue;
			}
			/* trailing WSP: dropped; the line ends here */
		}
		c = *p;
		if (c == '\n' || (c == '\r' && p + 1 < end && p[1] == '\n')) {
			*o++ = '\r';
			*o++ = '\n';
			p += c == '\r' ? 2 : 1;
			cb->outlen = o - cb->out;
			p = relaxed_line_start(cb, p, end);
			o = cb->out + cb->outlen;
			if (!cb->content)
				break;
			continue;
		}
		if (c == '\r' && p + 1 == end)
			break; /* may start a CRLF: the caller holds it */
		*o++ = c;      /* a lone CR or another control */
		p++;
	}
	cb->outlen = o - cb->out;
	return p;
}

/* relaxed_update - RFC 6376 3.4.4 over one chunk */
static void
relaxed_update(struct canon_body *cb, const unsigned char *p,
    const unsigned char *end)
{
	if (cb->pending_cr && p < end) {
		cb->pending_cr = 0;
		if (*p == '\n') {
			line_end(cb);
			p++;
		} else
			relaxed_content(cb, '\r');
	}
	while (p < end) {
		unsigned char c;

		if (cb->content && !cb->wsp) {
			p = relaxed_run(cb, p, end);
			if (p == end)
				break;
		}
		c = *p;
		if (is_wsp(c)) {
			/* RFC 6376 3.4.4: held back; dropped at end of line */
			cb->wsp = 1;
			p++;
		} else if (c == '\n') {
			line_end(cb);
			p++;
		} else if (c == '\r') {
			if (p + 1 == end) {
				cb->pending_cr = 1;
				p++;
			} else if (p[1] == '\n') {
				line_end(cb);
				p += 2;
			} else {
				relaxed_content(cb, c);
				p++;
			}
		} else {
			relaxed_content(cb, c);
			p++;
		}
	}
}

/* canon_body_init - a fresh canonicalizer */
void
canon_body_init(struct canon_body *cb, dkim_canon c, canon_sink_fn sink,
    void *arg)
{
	cb->canon = c;
	cb->sink = sink;
	cb->sink_arg = arg;
	cb->total = 0;
	cb->blanks = 0;
	cb->pending_cr = 0;
	cb->wsp = 0;
	cb->content = 0;
	cb->done = 0;
	cb->outlen = 0;
	cb->isa = (unsigned char)canon_isa_best();
}

/* canon_body_update - canonicalize one chunk */
void
canon_body_update(struct canon_body *cb, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	if (cb->done || len == 0)
		return;
	if (cb->canon == DKIM_CANON_SIMPLE)
		simple_update(cb, p, p + len);
	else
		relaxed_update(cb, p, p + len);
}

/* canon_body_final - end of body */
void
canon_body_final(struct canon_body *cb)
{
	if (cb->done)
		return;
	/* a CR at the very end is content */
	if (cb->pending_cr) {
		cb->pending_cr = 0;
		if (cb->canon == DKIM_CANON_SIMPLE)
			simple_content(cb, (const unsigned char *)"\r", 1);
		else
			relaxed_content(cb, '\r');
	}
	/* complete the last line; trailing empty lines stay dropped */
	if (cb->content)
		put_crlf(cb);
	cb->blanks = 0;
	/* RFC 6376 3.4.3: an empty body is one CRLF (relaxed: empty) */
	if (cb->canon == DKIM_CANON_SIMPLE && cb->total + cb->outlen == 0)
		put_crlf(cb);
	flush(cb);
	cb->done = 1;
}

/* canon_body_length - canonical octets so far */
unsigned long long
canon_body_length(const struct canon_body *cb)
{
	return cb->total + cb->outlen;
}
