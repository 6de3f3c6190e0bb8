/*
 * der.c - RSA public keys in DER (RFC 5280 4.1, RFC 8017 A.1.1): is
 * this a well-formed one, what are its n and e, and their
 * SubjectPublicKeyInfo encoding.
 *
 * SYNOPSIS
 *	der_rsa_pubkey_ok, der_rsa_pubkey_parts, der_rsa_spki (internal.h)
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
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define DER_INTEGER 0x02
#define DER_BITSTRING 0x03
#define DER_SEQUENCE 0x30

/* AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL } */
static const unsigned char rsa_alg[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86,
    0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

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

/* der_posint - a positive INTEGER, minimally encoded; its octets in
 * [*v, *v + *vlen) */
static int
der_posint(const unsigned char **p, const unsigned char *end,
    const unsigned char **v, size_t *vlen)
{
	const unsigned char *c;
	size_t n;

	if (der_item(p, end, DER_INTEGER, &c, &n) < 0 || n == 0 ||
	    (c[0] & 0x80) != 0)
		return -1;
	if (c[0] == 0 && (n == 1 || (c[1] & 0x80) == 0))
		return -1; /* zero, or a needless leading 0 */
	*v = c;
	*vlen = n;
	return 0;
}

/* rsa_public_parts - RSAPublicKey ::= SEQUENCE { n, e }, exactly len
 * octets */
static int
rsa_public_parts(const unsigned char *der, size_t len, struct der_rsa *k)
{
	const unsigned char *p = der, *end = der + len, *c;
	size_t n;

	if (der_item(&p, end, DER_SEQUENCE, &c, &n) < 0 || p != end)
		return 0;
	p = c;
	end = c + n;
	return der_posint(&p, end, &k->n, &k->nlen) == 0 &&
	    der_posint(&p, end, &k->e, &k->elen) == 0 && p == end;
}

/* spki_rsa_parts - SubjectPublicKeyInfo of an rsaEncryption key */
static int
spki_rsa_parts(const unsigned char *der, size_t len, struct der_rsa *k)
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
	if (der_item(&p, end, DER_BITSTRING, &c, &n) < 0 || p != end || n < 1 ||
	    c[0] != 0)
		return 0;
	return rsa_public_parts(c + 1, n - 1, k);
}

/* der_rsa_pubkey_parts - see internal.h */
int
der_rsa_pubkey_parts(const unsigned char *der, size_t len, struct der_rsa *k)
{
	return spki_rsa_parts(der, len, k) || rsa_public_parts(der, len, k);
}

/* der_rsa_pubkey_ok - SubjectPublicKeyInfo or bare RSAPublicKey, strict */
int
der_rsa_pubkey_ok(const unsigned char *der, size_t len)
{
	struct der_rsa k;

	return der_rsa_pubkey_parts(der, len, &k);
}

/* put_len - a DER definite length at p (NULL: only count); its size */
static size_t
put_len(unsigned char *p, size_t len)
{
	size_t n = 0, k;

	if (len < 0x80) {
		if (p != NULL)
			p[0] = (unsigned char)len;
		return 1;
	}
	for (k = len; k > 0; k >>= 8)
		n++;
	if (p != NULL) {
		p[0] = (unsigned char)(0x80 | n);
		for (k = 0; k < n; k++)
			p[n - k] = (unsigned char)(len >> (8 * k));
	}
	return 1 + n;
}

/* put_tlv - tag, length and (when v is not NULL) content at p (NULL:
 * only count); the total size */
static size_t
put_tlv(unsigned char *p, int tag, const unsigned char *v, size_t len)
{
	size_t h;

	if (p != NULL)
		p[0] = (unsigned char)tag;
	h = 1 + put_len(p != NULL ? p + 1 : NULL, len);
	if (p != NULL && v != NULL)
		memcpy(p + h, v, len);
	return h + len;
}

/* put_posint - a positive INTEGER from big-endian octets (leading zeros
 * dropped, one added when the high bit is set) */
static size_t
put_posint(unsigned char *p, const unsigned char *v, size_t len)
{
	size_t h, pad;

	while (len > 1 && v[0] == 0)
		v++, len--;
	pad = len > 0 && (v[0] & 0x80) != 0;
	h = put_tlv(p, DER_INTEGER, NULL, len + pad);
	if (p != NULL) {
		if (pad)
			p[h - len - 1] = 0;
		memcpy(p + h - len, v, len);
	}
	return h;
}

/*
 * der_rsa_spki - the SubjectPublicKeyInfo DER of an RSA key (what
 * i2d_PUBKEY writes, RFC 5280 4.1 with RFC 8017 A.1.1), without OpenSSL's
 * encoder framework, whose set-up costs more than the key's use.  Written
 * in two passes: sizes, then octets.  NULL: out of memory.
 */
unsigned char *
der_rsa_spki(const unsigned char *n, size_t nlen, const unsigned char *e,
    size_t elen, size_t *outlen)
{
	size_t ints, rsa, bits, body, total, off = 0;
	unsigned char *out;

	ints = put_posint(NULL, n, nlen) + put_posint(NULL, e, elen);
	rsa = put_tlv(NULL, DER_SEQUENCE, NULL, ints);
	bits = put_tlv(NULL, DER_BITSTRING, NULL, 1 + rsa);
	body = sizeof(rsa_alg) + bits;
	total = put_tlv(NULL, DER_SEQUENCE, NULL, body);
	if ((out = malloc(total)) == NULL)
		return NULL;
	off += put_tlv(out, DER_SEQUENCE, NULL, body) - body;
	memcpy(out + off, rsa_alg, sizeof(rsa_alg));
	off += sizeof(rsa_alg);
	off += put_tlv(out + off, DER_BITSTRING, NULL, 1 + rsa) - (1 + rsa);
	out[off++] = 0; /* no unused bits */
	off += put_tlv(out + off, DER_SEQUENCE, NULL, ints) - ints;
	off += put_posint(out + off, n, nlen);
	off += put_posint(out + off, e, elen);
	*outlen = off;
	return out;
}
