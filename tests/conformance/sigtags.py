#!/usr/bin/python3
"""sigtags.py - read DKIM-Signature tags and bodies for the conformance suite.

usage: sigtags.py tag FILE IDX TAG   value of TAG in DKIM-Signature number
                                     IDX (0 = topmost), FWS removed; exit 1
                                     when the field or the tag is missing
       sigtags.py now FILE           t= of the first signature carrying x=,
                                     or nothing (see run-conformance.sh)
       sigtags.py bodylen FILE       length of the body in octets
       sigtags.py samebody A B       exit 0 when A and B have equal bodies

A deliberately small reader (RFC 6376 3.2 tag=value list, 3.5 tags); it is
test tooling, not a verifier.  Standard library only; /usr/bin/python3.
"""
import re
import sys


def split(data):
    m = re.search(rb"\r?\n\r?\n", data)
    if m is None:
        return data, b""
    return data[:m.start() + 1], data[m.end():]


def signatures(data):
    head, _ = split(data)
    fields = re.split(rb"\r?\n(?![ \t])", head)
    return [f.split(b":", 1)[1] for f in fields
            if f.split(b":", 1)[0].strip().lower() == b"dkim-signature"]


def tags(value):
    out = {}
    for part in value.split(b";"):
        if b"=" not in part:
            continue
        k, v = part.split(b"=", 1)
        out[k.strip().decode("ascii", "replace")] = re.sub(rb"\s+", b"", v)
    return out


def main(argv):
    if len(argv) == 5 and argv[1] == "tag":
        with open(argv[2], "rb") as f:
            sigs = signatures(f.read())
        i = int(argv[3])
        if i >= len(sigs) or argv[4] not in tags(sigs[i]):
            sys.exit(1)
        print(tags(sigs[i])[argv[4]].decode("ascii", "replace"))
    elif len(argv) == 3 and argv[1] == "now":
        with open(argv[2], "rb") as f:
            for s in signatures(f.read()):
                t = tags(s)
                if "x" in t and t.get("t", b"").isdigit():
                    print(t["t"].decode())
                    break
    elif len(argv) == 3 and argv[1] == "bodylen":
        with open(argv[2], "rb") as f:
            print(len(split(f.read())[1]))
    elif len(argv) == 4 and argv[1] == "samebody":
        with open(argv[2], "rb") as a, open(argv[3], "rb") as b:
            sys.exit(0 if split(a.read())[1] == split(b.read())[1] else 1)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
