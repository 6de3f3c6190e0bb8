/*
 * canon_x86.c - SIMD kernels for relaxed body canonicalization (RFC 6376
 * 3.4.4): SSE2, and AVX-512 chosen at run time.
 *
 * SYNOPSIS
 *	canon_isa_best, canon_relaxed_sse2, canon_relaxed_avx2,
 *	canon_relaxed_avx512
 *
 * DESCRIPTION
 *	Platform switches, not feature switches: without SSE2 (not x86-64)
 *	canon_relaxed_sse2 does nothing and the portable loop in canon.c
 *	does the work; canon_isa_best picks AVX-512 or AVX2 only when CPU,
 *	OS and compiler support them.
 *
 *	The SSE2 (16 octets) and AVX2 (32 octets) kernels advance by a
 *	constant whatever the data: they classify the octets into bit masks
 *	and, when at most one run of octets is to be dropped (a WSP run:
 *	all but its last WSP, or all of it before a line end), write the
 *	kept octets with two overlapping stores, [0, a) and [b, n).  They
 *	stop where that is not enough.
 *
 *	The AVX-512 kernel classifies 64 octets at once into bit masks,
 *	decides per octet "keep" or "drop" (a WSP is kept, as SP, only when
 *	content follows; see below), and packs the kept octets with one
 *	VPCOMPRESSB.  Input advances 64 octets per step whatever the data,
 *	so there is no branch to mispredict on ordinary text.  It stops at
 *	what needs the state machine: a line that starts with WSP, CR or
 *	LF (it may be empty), a bare LF, a lone CR, other controls.
 */
#include <stdint.h>

#include "canon_x86.h"

#ifdef __SSE2__

#include <emmintrin.h>

/* sse_tab_to_sp - TAB becomes SP (0x09 ^ 0x29 = 0x20); the rest stays */
static inline __m128i
sse_tab_to_sp(__m128i v)
{
	return _mm_xor_si128(v,
	    _mm_and_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')),
		_mm_set1_epi8(0x29)));
}

/* sse_le - octets <= 0x20 (WSP, CR, LF, other controls) */
static inline __m128i
sse_le(__m128i v)
{
	return _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x20)), v);
}

/*
 * canon_relaxed_sse2 - 16 octets per step, the same method as the AVX2
 * kernel (see DESCRIPTION): masks, at most one dropped WSP run per step
 * written around with two overlapping stores, input advancing by a
 * constant.  Stops (*stopped = 1) at the octet where that is not enough
 * (RFC 6376 3.4.4).
 */
const unsigned char *
canon_relaxed_sse2(const unsigned char *p, const unsigned char *end,
    unsigned char **op, const unsigned char *olim, int *stopped)
{
	const __m128i c20 = _mm_set1_epi8(0x20);
	const __m128i ctab = _mm_set1_epi8('\t');
	const __m128i ccr = _mm_set1_epi8('\r');
	const __m128i clf = _mm_set1_epi8('\n');
	unsigned char *o = *op;

	*stopped = 0;
	while (end - p >= 32 && olim - o >= 32) {
		__m128i v = _mm_loadu_si128((const __m128i *)p);
		__m128i n1 = _mm_loadu_si128((const __m128i *)(p + 1));
		__m128i n2 = _mm_loadu_si128((const __m128i *)(p + 2));
		__m128i lf1 = _mm_cmpeq_epi8(n1, clf);
		unsigned le, ws, le1, ws1, eol1, crok, ok, x, drop, a, b, k, bb;

		le = (unsigned)_mm_movemask_epi8(sse_le(v));
		ws = (unsigned)_mm_movemask_epi8(
		    _mm_or_si128(_mm_cmpeq_epi8(v, c20),
			_mm_cmpeq_epi8(v, ctab)));
		le1 = (unsigned)_mm_movemask_epi8(sse_le(n1));
		ws1 = (unsigned)_mm_movemask_epi8(
		    _mm_or_si128(_mm_cmpeq_epi8(n1, c20),
			_mm_cmpeq_epi8(n1, ctab)));
		eol1 = (unsigned)_mm_movemask_epi8(_mm_or_si128(lf1,
		    _mm_and_si128(_mm_cmpeq_epi8(n1, ccr),
			_mm_cmpeq_epi8(n2, clf))));
		/* CRLF, then a line starting with content: unchanged */
		crok = (unsigned)_mm_movemask_epi8(_mm_andnot_si128(sse_le(n2),
			   _mm_and_si128(_mm_cmpeq_epi8(v, ccr), lf1))) &
		    0x7fffu;
		ok = crok | crok << 1;
		/* stop: other controls; WSP before a lone CR or control */
		x = (le & ~ws & ~ok) | (ws & le1 & ~ws1 & ~eol1);
		/* RFC 6376 3.4.4: a WSP goes unless content follows (-> SP) */
		drop = ws & le1;
		/* the first run of dropped octets is [a, b) */
		a = (unsigned)__builtin_ctz(drop | 1u << 16);
		b = a + (unsigned)__builtin_ctz(~(drop >> a));
		/* stop at the first x, or where a second run starts */
		k = (unsigned)__builtin_ctz(x | 1u << 16);
		bb = b + (unsigned)__builtin_ctz((drop >> b) | 1u << (16 - b));
		k = bb < k ? bb : k;
		/* [0, a) and [b, k) are kept: two overlapping stores */
		_mm_storeu_si128((__m128i *)o, sse_tab_to_sp(v));
		if (k < 16) {
			/* a partial step; the state machine goes on at k */
			bb = b < k ? b : k;
			if (a < k) {
				_mm_storeu_si128((__m128i *)(o + a),
				    sse_tab_to_sp(_mm_loadu_si128(
					(const __m128i *)(p + bb))));
				o += a + (k - bb);
			} else
				o += k;
			p += k;
			*stopped = 1;
			break;
		}
		/* p advances by a constant: no chain through the data */
		_mm_storeu_si128((__m128i *)(o + a),
		    sse_tab_to_sp(_mm_loadu_si128((const __m128i *)(p + b))));
		o += 16 - (b - a);
		p += 16;
	}
	*op = o;
	return p;
}

#else /* no SSE2 */

/* canon_relaxed_sse2 - without SSE2: nothing; the portable loop works */
const unsigned char *
canon_relaxed_sse2(const unsigned char *p, const unsigned char *end,
    unsigned char **op, const unsigned char *olim, int *stopped)
{
	(void)end;
	(void)op;
	(void)olim;
	*stopped = 0;
	return p;
}

#endif

#if defined(__x86_64__) && defined(__GNUC__)

#include <immintrin.h>

/*
 * canon_isa_best - the widest kernel CPU and OS support (libgcc's
 * detection runs in a constructor, before any caller; read-only here)
 */
int
canon_isa_best(void)
{
	if (__builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512vbmi2"))
		return CANON_ISA_AVX512;
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi"))
		return CANON_ISA_AVX2;
	return CANON_ISA_BASE;
}

#define AVX2_TARGET __attribute__((target("avx2,bmi,popcnt")))

/* tab_to_sp - TAB becomes SP (0x09 ^ 0x29 = 0x20); the rest stays */
AVX2_TARGET static inline __m256i
tab_to_sp(__m256i v)
{
	return _mm256_xor_si256(v,
	    _mm256_and_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\t')),
		_mm256_set1_epi8(0x29)));
}

/* le_mask - octets <= 0x20 (WSP, CR, LF, other controls) */
AVX2_TARGET static inline __m256i
le_mask(__m256i v)
{
	return _mm256_cmpeq_epi8(_mm256_min_epu8(v, _mm256_set1_epi8(0x20)), v);
}

/* canon_relaxed_avx2 - see canon_x86.h */
AVX2_TARGET const unsigned char *
canon_relaxed_avx2(const unsigned char *p, const unsigned char *end,
    unsigned char **op, const unsigned char *olim, int *stopped)
{
	const __m256i c20 = _mm256_set1_epi8(0x20);
	const __m256i ctab = _mm256_set1_epi8('\t');
	const __m256i ccr = _mm256_set1_epi8('\r');
	const __m256i clf = _mm256_set1_epi8('\n');
	unsigned char *o = *op;

	*stopped = 0;
	while (end - p >= 64 && olim - o >= 64) {
		__m256i v = _mm256_loadu_si256((const __m256i *)p);
		__m256i n1 = _mm256_loadu_si256((const __m256i *)(p + 1));
		__m256i n2 = _mm256_loadu_si256((const __m256i *)(p + 2));
		__m256i lf1 = _mm256_cmpeq_epi8(n1, clf);
		uint64_t le, ws, le1, ws1, eol1, crok, ok, x, drop, a, b, k, bb;

		le = (uint32_t)_mm256_movemask_epi8(le_mask(v));
		ws = (uint32_t)_mm256_movemask_epi8(
		    _mm256_or_si256(_mm256_cmpeq_epi8(v, c20),
			_mm256_cmpeq_epi8(v, ctab)));
		le1 = (uint32_t)_mm256_movemask_epi8(le_mask(n1));
		ws1 = (uint32_t)_mm256_movemask_epi8(
		    _mm256_or_si256(_mm256_cmpeq_epi8(n1, c20),
			_mm256_cmpeq_epi8(n1, ctab)));
		eol1 = (uint32_t)_mm256_movemask_epi8(_mm256_or_si256(lf1,
		    _mm256_and_si256(_mm256_cmpeq_epi8(n1, ccr),
			_mm256_cmpeq_epi8(n2, clf))));
		/* CRLF, then a line starting with content: unchanged */
		crok =
		    (uint32_t)_mm256_movemask_epi8(
			_mm256_andnot_si256(le_mask(n2),
			    _mm256_and_si256(_mm256_cmpeq_epi8(v, ccr), lf1))) &
		    0x7fffffffu;
		ok = crok | crok << 1;
		/* stop: other controls; WSP before a lone CR or control */
		x = (le & ~ws & ~ok) | (ws & le1 & ~ws1 & ~eol1);
		/* RFC 6376 3.4.4: a WSP goes unless content follows (-> SP) */
		drop = ws & le1;
		/* the first run of dropped octets is [a, b) */
		a = (uint64_t)__builtin_ctzll(drop | 1ULL << 32);
		b = a + (uint64_t)__builtin_ctzll(~(drop >> a));
		/* stop at the first x, or where a second run starts */
		k = (uint64_t)__builtin_ctzll(x | 1ULL << 32);
		bb = b +
		    (uint64_t)__builtin_ctzll((drop >> b) | 1ULL << (32 - b));
		k = bb < k ? bb : k;
		/* [0, a) and [b, k) are kept: two overlapping stores */
		_mm256_storeu_si256((__m256i *)o, tab_to_sp(v));
		if (k < 32) {
			/* a partial step; the state machine goes on at k */
			bb = b < k ? b : k;
			if (a < k) {
				_mm256_storeu_si256((__m256i *)(o + a),
				    tab_to_sp(_mm256_loadu_si256(
					(const __m256i *)(p + bb))));
				o += a + (k - bb);
			} else
				o += k;
			p += k;
			*stopped = 1;
			break;
		}
		/* p advances by a constant: no chain through the data */
		_mm256_storeu_si256((__m256i *)(o + a),
		    tab_to_sp(_mm256_loadu_si256((const __m256i *)(p + b))));
		o += 32 - (b - a);
		p += 32;
	}
	*op = o;
	return p;
}

#define AVX512_TARGET                                                          \
	__attribute__((target("avx512f,avx512bw,avx512vbmi2,popcnt,bmi")))

/* canon_relaxed_avx512 - see canon_x86.h */
AVX512_TARGET const unsigned char *
canon_relaxed_avx512(const unsigned char *p, const unsigned char *end,
    unsigned char **op, const unsigned char *olim, int *stopped)
{
	const __m512i c20 = _mm512_set1_epi8(0x20);
	const __m512i ctab = _mm512_set1_epi8('\t');
	const __m512i ccr = _mm512_set1_epi8('\r');
	const __m512i clf = _mm512_set1_epi8('\n');
	unsigned char *o = *op;

	*stopped = 0;
	while (end - p >= 66 && olim - o >= 64) {
		__m512i v = _mm512_loadu_si512((const void *)p);
		__m512i n1 = _mm512_loadu_si512((const void *)(p + 1));
		__m512i n2 = _mm512_loadu_si512((const void *)(p + 2));
		uint64_t le, tab, ws, cr, c1, ws1, eol1, c2, crok, ok, x, keep;

		le = _mm512_cmple_epu8_mask(v, c20); /* WSP, CR, LF, ... */
		tab = _mm512_cmpeq_epi8_mask(v, ctab);
		ws = _mm512_cmpeq_epi8_mask(v, c20) | tab;
		cr = _mm512_cmpeq_epi8_mask(v, ccr);
		/* the octet after: content, WSP, start of a line end */
		c1 = ~_mm512_cmple_epu8_mask(n1, c20);
		ws1 = _mm512_cmpeq_epi8_mask(n1, c20) |
		    _mm512_cmpeq_epi8_mask(n1, ctab);
		eol1 = _mm512_cmpeq_epi8_mask(n1, clf) |
		    (_mm512_cmpeq_epi8_mask(n1, ccr) &
			_mm512_cmpeq_epi8_mask(n2, clf));
		c2 = ~_mm512_cmple_epu8_mask(n2, c20);
		/* CRLF, then a line starting with content: unchanged */
		crok =
		    cr & _mm512_cmpeq_epi8_mask(n1, clf) & c2 & ~(1ULL << 63);
		ok = crok | crok << 1;
		/* stop: other controls; WSP before a lone CR or control */
		x = (le & ~ws & ~ok) | (ws & ~c1 & ~ws1 & ~eol1);
		/* RFC 6376 3.4.4: a WSP stays (as SP) only before content */
		keep = ~(ws & ~c1);
		if (x != 0)
			keep &= (x & -x) - 1;
		_mm512_storeu_si512((void *)o,
		    _mm512_maskz_compress_epi8(keep,
			_mm512_mask_mov_epi8(v, tab, c20)));
		o += __builtin_popcountll(keep);
		if (x != 0) {
			p += __builtin_ctzll(x);
			*stopped = 1;
			break;
		}
		p += 64;
	}
	*op = o;
	return p;
}

#else /* not x86-64 GCC/Clang */

/* canon_isa_best - the portable code and SSE2 when present */
int
canon_isa_best(void)
{
	return CANON_ISA_BASE;
}

/* canon_relaxed_avx2 - never called here */
const unsigned char *
canon_relaxed_avx2(const unsigned char *p, const unsigned char *end,
    unsigned char **op, const unsigned char *olim, int *stopped)
{
	(void)end;
	(void)op;
	(void)olim;
	*stopped = 0;
	return p;
}

/* canon_relaxed_avx512 - never called here */
const unsigned char *
canon_relaxed_avx512(const unsigned char *p, const unsigned char *end,
    unsigned char **op, const unsigned char *olim, int *stopped)
{
	(void)end;
	(void)op;
	(void)olim;
	*stopped = 0;
	return p;
}

#endif
