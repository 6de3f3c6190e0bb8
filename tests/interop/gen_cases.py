#!/usr/bin/python3
"""gen_cases.py - edge-case messages for the interoperability suite.

usage: gen_cases.py cases OUTDIR        write one CASE.eml per edge case
       gen_cases.py tamper FILE...      for each signed FILE write
                                        FILE.tbody (one body byte changed)
                                        FILE.tfrom (From: value changed)
       gen_cases.py passthrough N SIGNED ORIG [SIGNED ORIG]...
                                        check each SIGNED is N new header
                                        fields followed by ORIG byte for
                                        byte, the new fields using ORIG's
                                        line ending; prints "SIGNED<TAB>ok"
                                        or SIGNED<TAB>the problem

Run with Debian's /usr/bin/python3.  Standard library only.
"""
import os
import re
import sys

FROM = b"From: Joe SixPack <joe@football.example.com>"
TO = b"To: Suzie Q <suzie@shopping.example.net>"
DATE = b"Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)"
MSGID = b"Message-ID: <20030712040037.46341.5F8J@football.example.com>"
BODY = [b"Hi.", b"", b"We lost the game. Are you hungry yet?", b"", b"Joe."]


def std_headers(subject=b"Subject: Is dinner ready?", extra=()):
    return [FROM, TO, subject, DATE, MSGID] + list(extra)


def message(headers, body_lines, eol=b"\r\n", final_eol=True):
    """Join header lines, the empty line and body lines with eol."""
    out = eol.join(headers) + eol + eol
    if body_lines:
        out += eol.join(body_lines)
        if final_eol:
            out += eol
    return out


def long_words(n):
    """A line of exactly n characters made of words and single spaces."""
    words = (b"lorem ipsum dolor sit amet consectetur adipiscing elit "
             b"sed do eiusmod tempor ")
    return (words * (n // len(words) + 1))[:n].rstrip(b" ").ljust(n, b"x")


def cases():
    """name -> message bytes; every edge case the suite covers."""
    utf8 = "Grüße aus Köln — ☃ 日本語 ñ".encode("utf-8")
    mime8 = [b"MIME-Version: 1.0",
             b"Content-Type: text/plain; charset=utf-8",
             b"Content-Transfer-Encoding: 8bit"]
    c = {}
    c["crlf"] = message(std_headers(), BODY)
    c["lf-only"] = message(std_headers(), BODY, eol=b"\n")
    c["empty-body"] = message(std_headers(), [])
    c["empty-body-lf"] = message(std_headers(), [], eol=b"\n")
    c["no-final-crlf"] = message(std_headers(), [b"Hi.", b"no newline at end"],
                                 final_eol=False)
    c["no-final-lf"] = message(std_headers(), [b"Hi.", b"no newline at end"],
                               eol=b"\n", final_eol=False)
    c["trailing-blank-lines"] = message(std_headers(),
                                        [b"text", b"", b"", b"", b""])
    c["trailing-ws"] = message(std_headers(), [
        b"spaces at the end   ", b"a tab at the end\t", b" \t \t",
        b"inner   runs\t\tof  white space", b"  leading spaces", b""])
    c["long-line-5000"] = message(std_headers(), [b"before", long_words(5000),
                                                  b"after"])
    c["line-998"] = message(std_headers(), [long_words(998), b"next"])
    c["utf8-body"] = message(std_headers(extra=mime8), [utf8, b"", utf8])
    c["utf8-subject"] = message(
        std_headers(subject=b"Subject: " + utf8, extra=mime8), BODY)
    c["folded-headers"] = message(std_headers(
        subject=b"Subject: a subject that is folded\r\n\tonto a second line"
                b"\r\n    and a third one with spaces",
        extra=[b"X-Folded: one,\r\n two,\r\n\tthree"]), BODY)
    c["repeated-headers"] = message(
        [b"Received: from a.example by b.example; Fri, 11 Jul 2003 21:01:00 -0700",
         b"Received: from c.example by a.example; Fri, 11 Jul 2003 21:00:59 -0700",
         FROM, TO, b"To: Second Recipient <second@shopping.example.net>",
         b"Subject: Is dinner ready?", DATE, MSGID], BODY)
    c["header-tabs"] = message(std_headers(
        subject=b"Subject:\tTabbed\tsubject \t",
        extra=[b"X-Tabs:\t\tvalue\twith\t\ttabs\t"]),
        [b"body\twith\ttabs\t", b"\tindented"])
    return c


def write_cases(outdir):
    os.makedirs(outdir, exist_ok=True)
    for name, data in cases().items():
        # one line ending style per message
        assert b"\r" not in data or b"\n" not in data.replace(b"\r\n", b"")
        with open(os.path.join(outdir, name + ".eml"), "wb") as f:
            f.write(data)
        print(name)


def split_message(data):
    """(headers, separator, body) at the first empty line."""
    m = re.search(rb"\r?\n\r?\n", data)
    if m is None:
        return data, b"", b""
    return data[:m.start()], data[m.start():m.end()], data[m.end():]


def flip(ch):
    """Another alphanumeric character (never only a case change)."""
    return b"1" if ch in b"0" else (b"0" if ch.isdigit() else
                                    (b"q" if ch.lower() != b"q" else b"z"))


def tamper_body(data):
    head, sep, body = split_message(data)
    eol = b"\r\n" if b"\r\n" in data else b"\n"
    m = re.search(rb"[A-Za-z0-9]", body)
    if m is None:
        if not sep:
            sep = eol + eol
        return head + sep + body + b"X" + eol
    i = m.start()
    return head + sep + body[:i] + flip(body[i:i + 1]) + body[i + 1:]


def tamper_from(data):
    head, sep, body = split_message(data)
    m = re.search(rb"(?im)^From:[^A-Za-z0-9]*([A-Za-z0-9])", head)
    if m is None:
        raise SystemExit("tamper: no From: field")
    i = m.start(1)
    return head[:i] + flip(head[i:i + 1]) + head[i + 1:] + sep + body


def tamper(files):
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        with open(path + ".tbody", "wb") as f:
            f.write(tamper_body(data))
        with open(path + ".tfrom", "wb") as f:
            f.write(tamper_from(data))


def passthrough(signed_path, orig_path, nfields):
    with open(signed_path, "rb") as f:
        signed = f.read()
    with open(orig_path, "rb") as f:
        orig = f.read()
    if not signed.endswith(orig):
        return "original bytes not preserved"
    added = signed[:len(signed) - len(orig)]
    nl = orig.find(b"\n")
    lf_only = nl >= 0 and (nl == 0 or orig[nl - 1:nl] != b"\r")
    if lf_only and b"\r" in added:
        return "CR in the new field(s) of an LF-only message"
    if not lf_only and re.search(rb"(?<!\r)\n", added):
        return "bare LF in the new field(s) of a CRLF message"
    # count fields: lines not starting with WSP
    lines = [l for l in re.split(rb"\r?\n", added) if l]
    starts = [l for l in lines if not l[:1] in (b" ", b"\t")]
    if len(starts) != int(nfields):
        return "expected %s new field(s), found %d" % (nfields, len(starts))
    if not all(s.lower().startswith(b"dkim-signature:") for s in starts):
        return "a new field is not DKIM-Signature"
    if any(len(l) > 78 for l in lines):
        return "a line of the new field(s) is longer than 78"
    return "ok"


def main(argv):
    if len(argv) == 3 and argv[1] == "cases":
        write_cases(argv[2])
    elif len(argv) >= 3 and argv[1] == "tamper":
        tamper(argv[2:])
    elif len(argv) >= 5 and argv[1] == "passthrough" and len(argv) % 2:
        for i in range(3, len(argv), 2):
            try:
                r = passthrough(argv[i], argv[i + 1], argv[2])
            except OSError as e:
                r = str(e)
            print("%s\t%s" % (argv[i], r))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
