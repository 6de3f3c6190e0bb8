#!/usr/bin/env python3
"""spf_suite.py - the openspf RFC 7208 test suite (YAML) for our SPF code.

  spf_suite.py convert SUITE.yml OUTDIR
      Writes OUTDIR/zone-N.txt (one zone per YAML document, the format of
      common/spf/spf_zone.h) and OUTDIR/cases.tsv (one test per line:
      name, zone file, host, mailfrom, helo, accepted results separated by
      commas, expected explanation or "-").  Prints the number of cases.

  spf_suite.py unbound ZONE.txt DIR
      The zone as unbound configuration for tests/e2e/lib/dns.sh:
      DIR/zones.add, DIR/records.add, DIR/timeouts (names to answer
      SERVFAIL); a TIMEOUT beside records is dropped with a note.

  spf_suite.py same CASES.tsv FILE-RESULTS DNS-RESULTS
      Each case in DNS-RESULTS has the result, explanation and directive
      it has in FILE-RESULTS, or another result the suite allows for it.

  spf_suite.py report CASES.tsv RESULTS.tsv ACCEPTED
      Compares the results written by tests/tools/spfcheck.c with the
      expectations, prints "SPF: N of M passed" and one line per
      deviation (test, expected, got, explanation).  ACCEPTED lists
      "NAME KIND REASON" lines: deviations we accept, each with its
      reason; KIND says exactly what may differ ("explanation-case": the
      explanation in letter case only; "result:R": result R instead), so
      any other deviation of that test still fails.
      Exit status 1 when a deviation is not accepted, when an accepted
      name does not deviate (the list must stay true), or when fewer
      results came back than cases were written.

Zone rules, as the suite's header comment and its expectations ask:
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


def fits(kind, want, exp, got, gexp):
    """Is this deviation the kind that was accepted?

    explanation-case: the result is right and the explanation differs
    in letter case only; result:R: the result is R instead."""
    if kind == 'explanation-case':
        return (got in want.split(',') and exp != '-' and
                unesc(gexp).lower() == unesc(exp).lower())
    return kind == 'result:' + got


def report(cases_path, results_path, accepted_path):
    accepted = {}
    with open(accepted_path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                name, kind, why = (line.split(None, 2) + ['', ''])[:3]
                accepted[name] = (kind, why.strip())
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
        detail = 'expected %s%s, got %s%s (directive "%s"%s)' % (
            want, '' if exp == '-' else ' "%s"' % unesc(exp), got,
            '' if gexp == '' else ' "%s"' % unesc(gexp), mech,
            '; ' + why if why else '')
        if name in accepted and fits(accepted[name][0], want, exp, got, gexp):
            print('DEVIATION %s (accepted): %s -- %s' %
                  (name, detail, accepted[name][1]))
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


def read_zone(path):
    """Our zone file back as (name, type, value bytes) triples."""
    out = []
    for line in open(path, encoding='latin-1'):
        line = line.rstrip('\n')
        if not line or line.startswith('#'):
            continue
        f = line.split('\t', 2)
        val = f[2] if len(f) > 2 else ''
        out.append((unesc(f[0]).lower().rstrip('.'), f[1],
                    unesc(val).encode('latin-1')))
    return out


def dns_name(name):
    """A presentation-format owner name: odd bytes as \\DDD."""
    return ''.join(c if c.isalnum() or c in '-_.' else '\\%03d' % ord(c)
                   for c in name) + '.'


def dns_txt(data):
    """TXT rdata: 255-byte strings, odd bytes (and ' ") as \\DDD."""
    data = data.replace(b'\x7f', b'\x00')     # the zone's NUL, served as NUL
    parts = [data[i:i + 255] for i in range(0, len(data), 255)] or [b'']
    return ' '.join('"%s"' % ''.join(
        chr(b) if 0x20 <= b < 0x7f and chr(b) not in '"\\\'' else
        '\\%03d' % b for b in p) for p in parts)


def unbound(zone_path, outdir):
    """Write OUTDIR/zones.add, records.add, timeouts for tests/e2e/lib/dns.sh.

    A TIMEOUT name without records is answered SERVFAIL through an unbound stub-zone pointing nowhere (names below
    it get static zones of their own, so they stay answered).  A TIMEOUT
    beside records cannot be served that way: the records are served and
    the TIMEOUT is dropped, with a note; the comparison with the
    file-backed run then shows whether any case depended on it."""
    import os
    os.makedirs(outdir, exist_ok=True)
    rrs = read_zone(zone_path)
    real = {n for n, t, v in rrs if t not in ('TIMEOUT', 'SPF')}
    every = {n for n, t, v in rrs if t != 'TIMEOUT'}
    stubs = []
    for n in sorted({n for n, t, v in rrs if t == 'TIMEOUT'}):
        if n in real:
            print('note: TIMEOUT at %s dropped (it has records)' % n)
        else:
            stubs.append(n)
    below = sorted({m for m in every for n in stubs if m.endswith('.' + n)})
    with open(outdir + '/zones.add', 'w') as z:
        # one static zone for everything; the private reverse zones
        # (192.168.in-addr.arpa, ...) must not shadow the test's PTRs
        z.write('\tunblock-lan-zones: yes\n\tinsecure-lan-zones: yes\n')
        z.write('\tlocal-zone: "." static\n')
        z.write("\tlocal-data: '. 2 IN SOA ns. hostmaster. 1 3600 600 "
                "86400 2'\n")
        for m in below:
            z.write('\tlocal-zone: "%s" static\n' % dns_name(m))
    with open(outdir + '/records.add', 'w') as r:
        pref = 0
        for n, t, v in rrs:
            if t in ('TIMEOUT', 'SPF'):
                continue
            if t == 'TXT':
                rd = dns_txt(v)
            elif t == 'MX':
                # the file order as preferences: DNS keeps records that
                # differ, as the suite's ten MX of one name must stay ten
                pref += 1
                rd = '%d %s' % (pref, dns_name(v.decode('latin-1').rstrip('.')))
            elif t in ('PTR', 'CNAME'):
                rd = dns_name(v.decode('latin-1').rstrip('.'))
            else:
                rd = v.decode('latin-1')
            r.write('%s 2 IN %s %s\n' % (dns_name(n), t, rd))
        # names with only type-99 SPF records exist (NODATA for us)
        for n in sorted(every - real - set(stubs)):
            r.write('%s 2 IN HINFO "spf" "only"\n' % dns_name(n))
    with open(outdir + '/timeouts', 'w') as f:
        f.write(''.join(n + '\n' for n in stubs))
    return 0


def same(cases_path, file_results, dns_results):
    """Every case run over DNS gave the file-backed verdict.

    A different result is allowed only when the suite itself lists it
    among the test's results: the suite gives two results exactly where
    live DNS may legitimately differ (identical records merged, PTR
    order)."""
    allowed = {c.split('\t')[0]: c.rstrip('\n').split('\t')[5].split(',')
               for c in open(cases_path) if c.strip()}
    want = {}
    for l in open(file_results):
        f = l.rstrip('\n').split('\t')
        want[f[0]] = f[1:4]
    n = bad = other = 0
    for l in open(dns_results):
        f = l.rstrip('\n').split('\t')
        n += 1
        if want.get(f[0]) == f[1:4]:
            continue
        ok = f[1] in allowed.get(f[0], []) and f[1] != want[f[0]][0]
        bad += 0 if ok else 1
        other += 1 if ok else 0
        print('DNS DIFFERENCE %s%s: file zone %s, unbound %s (%s)' % (
            f[0], ' (one of the results the suite allows)' if ok else '',
            want.get(f[0]), f[1:4], f[4] if len(f) > 4 else ''))
    if n != len(allowed):
        print('FAIL: %d results over DNS for %d cases' % (n, len(allowed)))
        bad += 1
    print('%d of %d cases the same, %d another result the suite allows, '
          '%d different' % (n - bad - other, n, other, bad))
    return 1 if bad else 0


if __name__ == '__main__':
    if len(sys.argv) == 4 and sys.argv[1] == 'convert':
        convert(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == 'unbound':
        sys.exit(unbound(sys.argv[2], sys.argv[3]))
    elif len(sys.argv) == 5 and sys.argv[1] == 'same':
        sys.exit(same(sys.argv[2], sys.argv[3], sys.argv[4]))
    elif len(sys.argv) == 5 and sys.argv[1] == 'report':
        sys.exit(report(sys.argv[2], sys.argv[3], sys.argv[4]))
    else:
        sys.exit(__doc__)
