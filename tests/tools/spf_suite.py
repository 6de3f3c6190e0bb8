#!/usr/bin/env python3
"""spf_suite.py - the openspf RFC 7208 test suite (YAML) for our SPF code.

  spf_suite.py convert SUITE.yml OUTDIR
      Writes OUTDIR/zone-N.txt (one zone per YAML document, the format of
      common/spf/spf_zone.h) and OUTDIR/cases.tsv (one test per line:
      name, zone file, host, mailfrom, helo, accepted results separated by
      commas, expected explanation or "-").  Prints the number of cases.

  spf_suite.py report CASES.tsv RESULTS.tsv ACCEPTED
      Compares the results written by tests/tools/spfcheck.c with the
      expectations, prints "SPF: N of M passed" and one line per
      deviation (test, expected, got, explanation).  ACCEPTED lists
      "NAME  REASON" lines: deviations we accept, each with its reason.
      Exit status 1 when a deviation is not accepted, when an accepted
      name does not deviate (the list must stay true), or when fewer
      results came back than cases were written.

Zone rules, as the suite's own driver (pyspf's testspf.py) applies them:
  - "SPF:" records are served as TXT when the name has no "TXT:" entry
    (RFC 7208 dropped the SPF RR type); they also make the name exist.
  - "TXT: NONE" means the name has no TXT record.
  - "TIMEOUT" makes every question at the name for a type it has no
    record of a temporary failure.
  - Strings of a record given as a list are joined (RFC 7208 3.3).
  - Text is encoded as UTF-8 bytes.
A test's "mailfrom" of "" means the null reverse-path (HELO is checked);
the explanation is compared only when the test gives one.  Fields are
escaped with \\xHH for bytes that a line or field cannot carry.
"""
import sys

import yaml


def esc(data, name=False):
    """Escape bytes for a zone or TSV field (spf_zone.h: \\\\, \\xHH)."""
    if isinstance(data, str):
        data = data.encode('utf-8')
    out = []
    for i, b in enumerate(data):
        c = chr(b)
        risky = (b < 0x21 or b > 0x7e or c in '\\#')
        edge = c == ' ' and (name or i == 0 or i == len(data) - 1)
        if (risky and c != ' ') or edge:
            out.append('\\x%02x' % b)
        else:
            out.append(c)
    return ''.join(out)


def txt_value(v):
    """One TXT/SPF record: a string or a list of strings, joined."""
    if isinstance(v, list):
        return ''.join(str(s) for s in v)
    return str(v)


def zone_lines(zonedata):
    """The zone-file lines of one YAML document."""
    lines = []
    for name, rrs in zonedata.items():
        rrs = rrs or []
        has_txt = any(isinstance(r, dict) and 'TXT' in r for r in rrs)
        n = esc(name, name=True)
        for rr in rrs:
            if rr == 'TIMEOUT':
                lines.append('%s\tTIMEOUT' % n)
                continue
            for t, v in rr.items():
                if t == 'SPF':
                    val = esc(txt_value(v))
                    lines.append('%s\tSPF\t%s' % (n, val))
                    if not has_txt:
                        lines.append('%s\tTXT\t%s' % (n, val))
                elif t == 'TXT':
                    if v != 'NONE':
                        lines.append('%s\tTXT\t%s' % (n, esc(txt_value(v))))
                elif t == 'MX':
                    lines.append('%s\tMX\t%s' % (n, esc(str(v[1]))))
                elif t in ('A', 'AAAA', 'PTR', 'CNAME'):
                    lines.append('%s\t%s\t%s' % (n, t, esc(str(v))))
                else:
                    raise SystemExit('unknown record type %s at %s' % (t, name))
    return lines


def convert(suite, outdir):
    with open(suite, 'rb') as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    cases = []
    for i, doc in enumerate(docs):
        zpath = '%s/zone-%d.txt' % (outdir, i)
        with open(zpath, 'w') as z:
            z.write('# %s\n' % doc.get('description', ''))
            z.write('\n'.join(zone_lines(doc.get('zonedata') or {})) + '\n')
        for name, t in doc['tests'].items():
            res = t['result']
            res = res if isinstance(res, list) else [res]
            exp = t.get('explanation')
            cases.append('\t'.join([
                esc(name), zpath, esc(str(t['host'])),
                esc(str(t.get('mailfrom', ''))), esc(str(t.get('helo', ''))),
                ','.join(res), '-' if exp is None else esc(str(exp))]))
    with open('%s/cases.tsv' % outdir, 'w') as c:
        c.write('\n'.join(cases) + '\n')
    print(len(cases))


def unesc(s):
    return bytes(s, 'latin-1').decode('unicode_escape') if '\\x' in s else s


def report(cases_path, results_path, accepted_path):
    accepted = {}
    with open(accepted_path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                name, _, why = line.partition(' ')
                accepted[name] = why.strip()
    cases = [l.rstrip('\n').split('\t') for l in open(cases_path) if l.strip()]
    results = {}
    for l in open(results_path):
        f = l.rstrip('\n').split('\t')
        if len(f) >= 5:
            results[f[0]] = f
    passed, bad, seen_dev = 0, 0, set()
    for name, _z, _h, _m, _hl, want, exp in cases:
        r = results.get(name)
        if r is None:
            print('DEVIATION %s: expected %s, got no result (the driver '
                  'did not run it)' % (name, want))
            bad += 1
            continue
        got, gexp, mech, why = r[1], r[2], r[3], r[4]
        ok = got in want.split(',')
        if ok and exp != '-' and unesc(gexp) != unesc(exp):
            ok = False
        if ok:
            passed += 1
            continue
        seen_dev.add(name)
        detail = 'expected %s%s, got %s%s (directive "%s"; %s)' % (
            want, '' if exp == '-' else ' "%s"' % unesc(exp), got,
            '' if gexp == '' else ' "%s"' % unesc(gexp), mech,
            why or 'no reason given')
        if name in accepted:
            print('DEVIATION %s (accepted): %s -- %s' %
                  (name, detail, accepted[name]))
        else:
            print('DEVIATION %s: %s' % (name, detail))
            bad += 1
    for name in sorted(set(accepted) - seen_dev):
        print('STALE: %s is in the accepted list but passes' % name)
        bad += 1
    print('SPF: %d of %d passed (%d results for %d cases, %d accepted '
          'deviations)' % (passed, len(cases), len(results), len(cases),
                           len(seen_dev & set(accepted))))
    if len(results) < len(cases):
        print('FAIL: fewer results than cases')
        bad += 1
    return 1 if bad else 0


if __name__ == '__main__':
    if len(sys.argv) == 4 and sys.argv[1] == 'convert':
        convert(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == 'report':
        sys.exit(report(sys.argv[2], sys.argv[3], sys.argv[4]))
    else:
        sys.exit(__doc__)
