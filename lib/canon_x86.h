/*
 * canon_x86.h - SIMD kernels for relaxed body canonicalization: SSE2
 * (the x86-64 baseline), AVX2 and AVX-512, the last two chosen at run
 * time from what the CPU supports.  Internal.
 *
 * DESCRIPTION
 *	canon_isa_best says which kernels may run here; canon.c keeps the
 *	choice in struct canon_body (tests force each one in turn).  Every
 *	kernel gives exactly the output of the portable state machine; it
 *	stops, at the octet concerned, wherever it is not sure.
 */
#ifndef DKIM_CANON_X86_H
#define DKIM_CANON_X86_H

#define CANON_ISA_BASE 0   /* portable code (+ SSE2 on x86-64) */
#define CANON_ISA_AVX2 1   /* AVX2 + BMI1 */
#define CANON_ISA_AVX512 2 /* AVX-512 BW + VBMI2 (compress) */

/* canon_isa_best - the best kernel this CPU and OS can run */
int canon_isa_best(void);

/*
 * canon_relaxed_sse2 - the same job as canon_relaxed_avx512 (below) 16
 * octets per step with SSE2 (the x86-64 baseline); handles one dropped
 * WSP run per step without a branch.  Needs 32 octets of room.  Without
 * SSE2 it does nothing.
 */
const unsigned char *
canon_relaxed_sse2(const unsigned char *p, const unsigned char *end,
    unsigned char **op, const unsigned char *olim, int *stopped);

/*
 * canon_relaxed_avx2 - the same job as canon_relaxed_avx512 (below) 32
 * octets per step; handles one dropped WSP run per step without a
 * branch.  Needs 64 octets of room.
 */
const unsigned char *
canon_relaxed_avx2(const unsigned char *p, const unsigned char *end,
    unsigned char **op, const unsigned char *olim, int *stopped);

/*
 * canon_relaxed_avx512 - RFC 6376 3.4.4 inside a line with content and
 * no WSP held back, 64 octets per step with no data-dependent branch:
 * inner WSP runs become one SP, trailing WSP goes, CRLF followed by a
 * line with content passes.  Writes at *op (at least 64 octets of room
 * up to olim) and returns where it stopped; *stopped is 1 when that is
 * an octet for the state machine (not the end of input or room).
 */
const unsigned char *
canon_relaxed_avx512(const unsigned char *p, const unsigned char *end,
    unsigned char **op, const unsigned char *olim, int *stopped);

#endif /* DKIM_CANON_X86_H */
