#!/usr/bin/python3
"""dkimpy_tool.py - sign and verify with dkimpy (python3-dkim), offline.

usage: dkimpy_tool.py verify DNS.tsv FILE...
           one line per signature: "FILE<TAB>IDX<TAB>pass|fail<TAB>detail";
           "FILE<TAB>-<TAB>none<TAB>no signatures" when there is none
       dkimpy_tool.py sign < JOBS
           each JOBS line: IN OUT ALG CANON KEYFILE SELECTOR DOMAIN
           (tab-separated); writes the signed message to OUT with the
           new field folded with IN's line ending

Keys come from a dns.tsv table (name<TAB>TXT, '#' comments, @NXDOMAIN and
friends; unlisted names do not exist), never from the network.  For
ed25519-sha256 KEYFILE holds the base64 32-byte seed, as dkimpy wants.
Run with Debian's /usr/bin/python3.
"""
import logging
import re
import sys

import dkim

logging.disable(logging.CRITICAL)


def load_dns(path):
    table = {}
    with open(path, "rb") as f:
        for line in f:
            line = line.rstrip(b"\r\n")
            if not line or line.startswith(b"#") or b"\t" not in line:
                continue
            name, txt = line.split(b"\t", 1)
            table.setdefault(name.lower().rstrip(b"."), []).append(txt)
    return table


def dnsfunc_for(table):
    def dnsfunc(name, timeout=5):
        if isinstance(name, str):
            name = name.encode()
        recs = table.get(name.lower().rstrip(b"."))
        if not recs or recs[0].startswith(b"@"):
            return None
        return recs[0]
    return dnsfunc


def sig_count(data):
    headers, _ = dkim.rfc822_parse(data)
    return sum(1 for k, _ in headers if k.lower() == b"dkim-signature")


def verify(dnspath, files):
    dnsfunc = dnsfunc_for(load_dns(dnspath))
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        try:
            n = sig_count(data)
        except dkim.DKIMException as e:
            print("%s\t-\tfail\tunparsable: %s" % (path, re.sub(r"\s+", " ", str(e))))
            continue
        if n == 0:
            print("%s\t-\tnone\tno signatures" % path)
        for i in range(n):
            d = dkim.DKIM(data, minkey=1024)
            try:
                ok = d.verify(idx=i, dnsfunc=dnsfunc)
                detail = "ok" if ok else "verification failed"
            except dkim.DKIMException as e:
                ok, detail = False, str(e)
            detail = re.sub(r"\s+", " ", detail)
            print("%s\t%d\t%s\t%s" % (path, i, "pass" if ok else "fail",
                                      detail))
    sys.stdout.flush()


def sign_one(inp, out, alg, canon, keyfile, selector, domain):
    with open(inp, "rb") as f:
        data = f.read()
    with open(keyfile, "rb") as f:
        key = f.read()
    if alg == "ed25519-sha256":
        key = key.strip()
    nl = data.find(b"\n")
    eol = b"\n" if nl >= 0 and (nl == 0 or data[nl - 1:nl] != b"\r") \
        else b"\r\n"
    hc, bc = canon.encode().split(b"/")
    sig = dkim.sign(data, selector.encode(), domain.encode(), key,
                    canonicalize=(hc, bc),
                    signature_algorithm=alg.encode(), linesep=eol)
    if eol == b"\n":
        sig = sig.replace(b"\r\n", b"\n")
    with open(out, "wb") as f:
        f.write(sig + data)


def sign_jobs(lines):
    for line in lines:
        line = line.rstrip("\n")
        if not line:
            continue
        sign_one(*line.split("\t"))


def main(argv):
    if len(argv) >= 4 and argv[1] == "verify":
        verify(argv[2], argv[3:])
    elif len(argv) == 2 and argv[1] == "sign":
        sign_jobs(sys.stdin)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
