/*
 * der.c - is this DER a well-formed RSA public key?  (RFC 5280 4.1,
 * RFC 8017 A.1.1)
 *
 * SYNOPSIS
 *	der_rsa_pubkey_ok (internal.h)
 *
 * DESCRIPTION
 *	OpenSSL decodes p= (keyrec.c).  When its decoder fails, OpenSSL 3.0
 *	often leaves nothing on the error queue that tells running out of
 *	memory from bad key data (the decoder framework pops its errors).
 *	This strict shape check answers the question instead: a key that
 *	passes it is one OpenSSL imports, so OpenSSL failing on it is an
 *	internal failure, never the record's fault.  It accepts less than
 *	OpenSSL does (DER only: definite minimal lengths, positive minimal
 *	INTEGERs, rsaEncryption with NULL parameters), which errs on the
 *	safe side: a shape it does not know stays a bad record.
 */
#include <string.h>

#include "internal.h"

#define DER_INTEGER	0x02
#define DER_BITSTRING	0x03
#define DER_SEQUENCE	0x30

/* AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL } */
static const unsigned char rsa_alg[] = {
	0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
	0x01, 0x01, 0x05, 0x00
};

/* der_item - one TLV with this tag at *p: content in [*c, *c + *clen);
 * *p moves past it.  -1 unless the length is definite and minimal */
static int
der_item(const unsigned char **p, const unsigned char *end, int tag,
    const unsigned char **c, size_t *clen)
{
	const unsigned char *q = *p;
	size_t len, n;

	if (end - q < 2 || *q++ != tag)
		return -1;
	len = *q++;
	if (len & 0x80) {
		n = len & 0x7f;
		if (n == 0 || n > sizeof(size_t) || (size_t)(end - q) < n ||
		    *q == 0)
			return -1;
		for (len = 0; n > 0; n--)
			len = len << 8 | *q++;
		if (len < 0x80)
			return -1;
	}
	if ((size_t)(end - q) < len)
		return -1;
	*c = q;
	*clen = len;
	*p = q + len;
	return 0;
}

/* der_posint - a positive INTEGER, minimally encoded */
static int
der_posint(const unsigned char **p, const unsigned char *end)
{
	const unsigned char *c;
	size_t n;

	if (der_item(p, end, DER_INTEGER, &c, &n) < 0 || n == 0 ||
	    (c[0] & 0x80) != 0)
		return -1;
	if (c[0] == 0 && (n == 1 || (c[1] & 0x80) == 0))
		return -1;		/* zero, or a needless leading 0 */
	return 0;
}

/* rsa_public_ok - RSAPublicKey ::= SEQUENCE { n, e }, exactly len octets */
static int
rsa_public_ok(const unsigned char *der, size_t len)
{
	const unsigned char *p = der, *end = der + len, *c;
	size_t n;

	if (der_item(&p, end, DER_SEQUENCE, &c, &n) < 0 || p != end)
		return 0;
	p = c;
	end = c + n;
	return der_posint(&p, end) == 0 && der_posint(&p, end) == 0 &&
	    p == end;
}

/* spki_rsa_ok - SubjectPublicKeyInfo of an rsaEncryption key */
static int
spki_rsa_ok(const unsigned char *der, size_t len)
{
	const unsigned char *p = der, *end = der + len, *c;
	size_t n;

	if (der_item(&p, end, DER_SEQUENCE, &c, &n) < 0 || p != end)
		return 0;
	p = c;
	end = c + n;
	if ((size_t)(end - p) < sizeof(rsa_alg) ||
	    memcmp(p, rsa_alg, sizeof(rsa_alg)) != 0)
		return 0;
	p += sizeof(rsa_alg);
	/* the key, in a BIT STRING without unused bits */
	if (der_item(&p, end, DER_BITSTRING, &c, &n) < 0 || p != end ||
	    n < 1 || c[0] != 0)
		return 0;
	return rsa_public_ok(c + 1, n - 1);
}

/* der_rsa_pubkey_ok - SubjectPublicKeyInfo or bare RSAPublicKey, strict */
int
der_rsa_pubkey_ok(const unsigned char *der, size_t len)
{
	return spki_rsa_ok(der, len) || rsa_public_ok(der, len);
}
