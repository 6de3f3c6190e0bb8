/*
 * utf8.h - recognise well-formed UTF-8 (RFC 3629).
 *
 * SYNOPSIS
 *	n = utf8_seqlen(p, avail);
 *
 * DESCRIPTION
 *	utf8_seqlen returns the length (1 to 4) of the well-formed UTF-8
 *	sequence at p, looking at no more than avail bytes, or 0 when p
 *	does not start one (a stray continuation byte, an overlong form, a
 *	surrogate, a value past U+10FFFF, or a sequence cut short).  Used
 *	wherever text from a message or DNS is written out: the logger and
 *	Authentication-Results values.
 */
#ifndef DKIMGUARD_UTF8_H
#define DKIMGUARD_UTF8_H

#include <stddef.h>

size_t utf8_seqlen(const unsigned char *p, size_t avail);

#endif /* DKIMGUARD_UTF8_H */
