#!/usr/bin/python3
"""dkimverify.py - verify DKIM signatures with dkimpy against local keys

SYNOPSIS
    dkimverify.py [--txt SEL.txt]... [--dns dns.tsv]... [--record NAME=TXT]...
                  [--all] MSG...

DESCRIPTION
    Verifies the first DKIM-Signature of each MSG (every signature with
    --all) with dkim.verify(), answering key queries from local data, never
    the network:
      --txt     an opendkim-genkey SEL.txt file; answers
                SEL._domainkey.<any domain>
      --dns     a TSV file "name<TAB>TXT" (lines starting with # ignored)
      --record  one NAME=TXT pair
    Prints "PASS file d=... s=..." or "FAIL file reason" per message.
    Exit status 0 when every message passes, 1 otherwise.
"""
import argparse
import re
import sys

import dkim


def parse_genkey_txt(path):
    """parse_genkey_txt - (selector, record) from opendkim-genkey output"""
    text = open(path).read()
    selector = text.split()[0].split(".")[0]
    record = "".join(re.findall(r'"([^"]*)"', text))
    return selector, record


def build_table(args):
    """build_table - exact names and selector wildcards"""
    exact, by_selector = {}, {}
    for path in args.txt:
        sel, rec = parse_genkey_txt(path)
        by_selector[sel] = rec
    for path in args.dns:
        for line in open(path):
            if line.strip() and not line.startswith("#") and "\t" in line:
                name, rec = line.rstrip("\n").split("\t", 1)
                exact[name.rstrip(".").lower()] = rec
    for pair in args.record:
        name, rec = pair.split("=", 1)
        exact[name.rstrip(".").lower()] = rec
    return exact, by_selector


def make_dnsfunc(exact, by_selector):
    """make_dnsfunc - a dkimpy dnsfunc over the local tables"""
    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode()
        name = name.rstrip(".").lower()
        if name in exact:
            return exact[name].encode()
        parts = name.split(".")
        if len(parts) > 2 and parts[1] == "_domainkey" and parts[0] in by_selector:
            return by_selector[parts[0]].encode()
        return None
    return dnsfunc


def verify_one(path, dnsfunc, every):
    """verify_one - True when the signature(s) verify"""
    msg = open(path, "rb").read()
    d = dkim.DKIM(msg)
    count = len([h for h in d.headers if h[0].lower() == b"dkim-signature"])
    if count == 0:
        print("FAIL %s no DKIM-Signature" % path)
        return False
    ok = True
    for idx in range(count if every else 1):
        d = dkim.DKIM(msg)
        try:
            good = d.verify(idx=idx, dnsfunc=dnsfunc)
        except dkim.DKIMException as e:
            good, d.domain = False, None
            print("FAIL %s sig %d: %s" % (path, idx, e))
        if good:
            print("PASS %s d=%s s=%s" % (path, d.domain.decode(), d.selector.decode()))
        elif d.domain is not None:
            print("FAIL %s sig %d d=%s: does not verify" % (path, idx, d.domain.decode()))
        ok = ok and good
    return ok


def main():
    ap = argparse.ArgumentParser(description="verify DKIM with local keys")
    ap.add_argument("--txt", action="append", default=[])
    ap.add_argument("--dns", action="append", default=[])
    ap.add_argument("--record", action="append", default=[])
    ap.add_argument("--all", action="store_true")
    ap.add_argument("msgs", nargs="+")
    args = ap.parse_args()
    dnsfunc = make_dnsfunc(*build_table(args))
    results = [verify_one(m, dnsfunc, args.all) for m in args.msgs]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
