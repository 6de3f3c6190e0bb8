#!/usr/bin/python3
"""smtpsend.py - submit one message over SMTP and print the server's verdict

SYNOPSIS
    smtpsend.py --port PORT --from ADDR --to ADDR [--to ADDR...] --file MSG
                [--host 127.0.0.1] [--client-ip IP] [--login USER]
                [--helo NAME] [--timeout SECS]

DESCRIPTION
    Prints one line "CODE TEXT": the reply to the end of DATA, or the first
    reply that refused the transaction (MAIL, RCPT or DATA).  Exit status:
    0 for 2xx, 4 for 4xx, 5 for 5xx, 1 when no SMTP conversation happened.
    LF line ends in MSG are sent as CRLF.
    --client-ip: an address in 127.0.0.0/8 is used as the source address;
    any other address, and --login, are passed with Postfix XCLIENT
    (ADDR=, LOGIN=), which needs smtpd_authorized_xclient_hosts.
"""
import argparse
import re
import smtplib
import sys


def one_line(code, text):
    """one_line - "CODE TEXT" with a multi-line reply joined"""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return "%d %s" % (code, " ".join(str(text).split("\n")))


def finish(code, text):
    print(one_line(code, text))
    sys.exit(0 if code < 400 else (4 if code < 500 else 5))


def xclient(smtp, args, source_ip):
    """xclient - set client address and/or SASL login, then EHLO again"""
    attrs = []
    if args.client_ip and not source_ip:
        attrs.append("ADDR=" + args.client_ip)
    if args.login:
        attrs.append("LOGIN=" + args.login)
    if not attrs:
        return
    code, text = smtp.docmd("XCLIENT", " ".join(attrs))
    if code != 220:
        finish(code, text)
    smtp.ehlo_resp = None
    smtp.ehlo(args.helo)


def main():
    ap = argparse.ArgumentParser(description="send one message over SMTP")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--from", dest="sender", required=True)
    ap.add_argument("--to", action="append", required=True)
    ap.add_argument("--file", required=True)
    ap.add_argument("--client-ip", default="")
    ap.add_argument("--login", default="")
    ap.add_argument("--helo", default="client.example.test")
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()
    with open(args.file, "rb") as f:
        data = re.sub(rb"(?<!\r)\n", b"\r\n", f.read())
    source_ip = args.client_ip if args.client_ip.startswith("127.") else ""
    try:
        smtp = smtplib.SMTP(args.host, args.port, local_hostname=args.helo,
                            timeout=args.timeout,
                            source_address=(source_ip, 0) if source_ip else None)
        code, text = smtp.ehlo(args.helo)
        if code != 250:
            finish(code, text)
        xclient(smtp, args, source_ip)
        code, text = smtp.mail(args.sender)
        if code != 250:
            finish(code, text)
        for rcpt in args.to:
            code, text = smtp.rcpt(rcpt)
            if code not in (250, 251):
                finish(code, text)
        try:
            code, text = smtp.data(data)
        except smtplib.SMTPDataError as e:
            code, text = e.smtp_code, e.smtp_error
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finish(code, text)
    except smtplib.SMTPResponseException as e:
        finish(e.smtp_code, e.smtp_error)
    except (smtplib.SMTPException, OSError) as e:
        print("000 %s" % e)
        sys.exit(1)


if __name__ == "__main__":
    main()
