#!/usr/bin/python3
"""dkimsign.py - sign a message with dkimpy (for verify-mode test input)

SYNOPSIS
    dkimsign.py --key KEY.pem --selector S --domain D [--ed25519]
                [--headers from:to:subject:date:message-id] IN OUT

DESCRIPTION
    Writes OUT: IN (LF or CRLF) with CRLF line ends and a relaxed/relaxed
    DKIM-Signature on top.  RSA keys are PEM files (opendkim-genkey's
    SEL.private); --ed25519 wants the 32-byte seed in base64, as
    opendkim-genkey -a ed25519 or dkimpy's dknewkey write it.
"""
import argparse
import re

import dkim


def main():
    ap = argparse.ArgumentParser(description="sign with dkimpy")
    ap.add_argument("--key", required=True)
    ap.add_argument("--selector", required=True)
    ap.add_argument("--domain", required=True)
    ap.add_argument("--ed25519", action="store_true")
    ap.add_argument("--headers", default="from:to:subject:date:message-id")
    ap.add_argument("infile")
    ap.add_argument("outfile")
    args = ap.parse_args()
    msg = re.sub(rb"(?<!\r)\n", b"\r\n", open(args.infile, "rb").read())
    key = open(args.key, "rb").read()
    sig = dkim.sign(msg, args.selector.encode(), args.domain.encode(), key,
                    canonicalize=(b"relaxed", b"relaxed"),
                    signature_algorithm=b"ed25519-sha256" if args.ed25519 else b"rsa-sha256",
                    include_headers=[h.encode() for h in args.headers.split(":")])
    with open(args.outfile, "wb") as f:
        f.write(sig.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + msg)


if __name__ == "__main__":
    main()
