/*
 * canon.c - header and body canonicalization, RFC 6376 3.4.
 *
 * SYNOPSIS
 *	canon_header, canon_body_init, canon_body_update, canon_body_final,
 *	canon_body_length
 *
 * DESCRIPTION
 *	The body canonicalizer is a small state machine (held-back CR,
 *	held-back whitespace, count of held-back empty lines) with a fast
 *	path for runs of bytes that pass through unchanged.  Output goes to
 *	a fixed buffer that is handed to the sink when full, so a digest
 *	sink sees large blocks.  On x86-64 the relaxed fast path scans 16
 *	bytes at a time with SSE2 (a platform switch, not a feature switch;
 *	the portable loop gives the same output).
 */
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "canon.h"

/* is_wsp - RFC 5234 WSP */
static inline int
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* ascii_lower - locale-independent tolower */
static inline unsigned char
ascii_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* header_simple - RFC 6376 3.4.1: unchanged, but line ends as CRLF */
static size_t
header_simple(const char *f, size_t len, char *out, int crlf)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (f[i] == '\n' && (i == 0 || f[i - 1] != '\r'))
			out[o++] = '\r';
		out[o++] = f[i];
	}
	if (crlf) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	return o;
}

/* header_relaxed - RFC 6376 3.4.2 */
static size_t
header_relaxed(const char *f, size_t len, char *out, int crlf)
{
	const char *colon = memchr(f, ':', len);
	size_t nlen = colon ? (size_t)(colon - f) : len;
	size_t i, o = 0;
	int sp = 0, started = 0;

	/* RFC 6376 3.4.2: lowercase the name; delete WSP before the colon */
	while (nlen > 0 && (is_wsp(f[nlen - 1]) || f[nlen - 1] == '\r' ||
	    f[nlen - 1] == '\n'))
		nlen--;
	for (i = 0; i < nlen; i++)
		if (f[i] != '\n' && !(f[i] == '\r' && i + 1 < len &&
		    f[i + 1] == '\n'))
			out[o++] = ascii_lower(f[i]);	/* (unfolded) */
	if (colon != NULL) {
		out[o++] = ':';
		for (i = (size_t)(colon - f) + 1; i < len; i++) {
			unsigned char c = f[i];

			/* unfold: delete CRLF (and bare LF) */
			if (c == '\n' || (c == '\r' && i + 1 < len &&
			    f[i + 1] == '\n'))
				continue;
			/* WSP runs become one SP; none at either end */
			if (is_wsp(c)) {
				sp = started;
				continue;
			}
			if (sp)
				out[o++] = ' ';
			sp = 0;
			started = 1;
			out[o++] = c;
		}
	}
	if (crlf) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	return o;
}

/* canon_header - one header field in canonical form */
size_t
canon_header(dkim_canon c, const char *field, size_t len, char *out,
    int crlf)
{
	if (c == DKIM_CANON_SIMPLE)
		return header_simple(field, len, out, crlf);
	return header_relaxed(field, len, out, crlf);
}

/* ------------------------------------------------------------------ */
/* body                                                                */
/* ------------------------------------------------------------------ */

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

/* simple_update - RFC 6376 3.4.3 over one chunk */
static void
simple_update(struct canon_body *cb, const unsigned char *p,
    const unsigned char *end)
{
	if (cb->pending_cr && p < end) {
		cb->pending_cr = 0;
		if (*p == '\n') {
			line_end(cb);
			p++;
		} else
			simple_content(cb, (const unsigned char *)"\r", 1);
	}
	while (p < end) {
		const unsigned char *q = memchr(p, '\n', end - p);
		const unsigned char *stop = q != NULL ? q : end;
		size_t n = stop - p;
		int cr = 0;

		if (n > 0 && stop[-1] == '\r') {
			n--;
			cr = 1;
		}
		if (n > 0)
			simple_content(cb, p, n);
		if (q == NULL) {
			/* a CR at the end of a chunk may start a CRLF */
			cb->pending_cr = cr;
			break;
		}
		line_end(cb);	/* CRLF, or bare LF taken as CRLF */
		p = q + 1;
	}
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

#ifdef __SSE2__
/*
 * relaxed_simd - the relaxed fast path 16 octets per step, without
 * data-dependent branches for the common cases: octets that pass
 * unchanged, CRLF followed by content, and one WSP run per step that is
 * either inner (becomes one SP) or trailing before such a CRLF (goes).
 * Stops, at the octet concerned, at anything else (RFC 6376 3.4.4).
 */
static inline const unsigned char *
relaxed_simd(const unsigned char *p, const unsigned char *end,
    unsigned char **op, const unsigned char *olim)
{
	const __m128i c20 = _mm_set1_epi8(0x20);
	const __m128i ctab = _mm_set1_epi8('\t');
	const __m128i ccr = _mm_set1_epi8('\r');
	const __m128i clf = _mm_set1_epi8('\n');
	unsigned char *o = *op;

	while (end - p >= 18 && olim - o >= 17) {
		__m128i v, n1, n2, le, le1, le2, sp, ws, crlf;
		unsigned m_le, m_sp, m_ws, m_le1, m_cr, m, k, run, nx;
		unsigned inner, trail;

		v = _mm_loadu_si128((const __m128i *)p);
		n1 = _mm_loadu_si128((const __m128i *)(p + 1));
		n2 = _mm_loadu_si128((const __m128i *)(p + 2));
		_mm_storeu_si128((__m128i *)o, v);
		/* octets <= 0x20 here, one and two ahead */
		le = _mm_cmpeq_epi8(_mm_min_epu8(v, c20), v);
		le1 = _mm_cmpeq_epi8(_mm_min_epu8(n1, c20), n1);
		le2 = _mm_cmpeq_epi8(_mm_min_epu8(n2, c20), n2);
		sp = _mm_cmpeq_epi8(v, c20);
		ws = _mm_or_si128(sp, _mm_cmpeq_epi8(v, ctab));
		/* CRLF followed by content passes unchanged */
		crlf = _mm_andnot_si128(le2, _mm_and_si128(
		    _mm_cmpeq_epi8(v, ccr), _mm_cmpeq_epi8(n1, clf)));
		m_le = (unsigned)_mm_movemask_epi8(le);
		m_sp = (unsigned)_mm_movemask_epi8(sp);
		m_ws = (unsigned)_mm_movemask_epi8(ws);
		m_le1 = (unsigned)_mm_movemask_epi8(le1);
		m_cr = (unsigned)_mm_movemask_epi8(crlf) & 0x7fff;
		/* special: controls but good CRLFs; SP before WSP/CR/LF */
		m = (m_le & ~m_sp & ~(m_cr | m_cr << 1)) | (m_sp & m_le1);
		if (m == 0) {		/* the common case: predicted */
			p += 16;
			o += 16;
			continue;
		}
		k = (unsigned)__builtin_ctz(m);
		run = m_ws >> k;
		nx = k + (unsigned)__builtin_ctz(~run);		/* after WSP */
		inner = run & (nx < 16) & ~(m_le >> nx) & 1;
		trail = run & (m_cr >> nx) & 1;
		if (!(inner | trail)) {
			p += k;
			o += k;
			break;
		}
		o[k] = ' ';		/* WSP run -> SP (overwritten if trailing) */
		p += nx;
		o += k + inner;
	}
	*op = o;
	return p;
}
#endif

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
			cb->wsp = q > p;	/* leading WSP held back */
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

	while (p < end) {
		if (o >= olim) {
			cb->outlen = o - cb->out;
			flush(cb);
			o = cb->out;
		}
#ifdef __SSE2__
		p = relaxed_simd(p, end, &o, olim);
#endif
		while (p < end && o < olim) {
			c = *p;
			if (c <= ' ' && (c != ' ' || p + 1 == end ||
			    p[1] <= ' '))
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
				cb->wsp = 1;	/* maybe trailing: hold back */
				break;
			}
			if (*q != '\n' && !(*q == '\r' && q[1] == '\n')) {
				*o++ = ' ';	/* RFC 6376 3.4.4: WSP run -> SP */
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
			break;		/* may start a CRLF: the caller holds it */
		*o++ = c;		/* a lone CR or another control */
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
