#!/usr/bin/python3
"""smtpsink.py - a minimal SMTP server that stores every message it receives

SYNOPSIS
    smtpsink.py --port PORT --dir DIR [--host 127.0.0.1] [--max-seconds N]
                [--data-reply "451 4.3.0 try later"]

DESCRIPTION
    Listens on HOST:PORT (loopback only) and, for each message accepted,
    writes DIR/msg-NNNNNN.eml with the message exactly as received after
    DATA (CRLF line ends, dot-unstuffing undone, nothing added) and
    DIR/msg-NNNNNN.env with the envelope ("MAIL FROM:<..>" and one
    "RCPT TO:<..>" line each).  Both are written to a temporary name and
    renamed, the .env first, so a *.eml that exists is complete.
    --data-reply answers the end of DATA with that reply instead of
    storing the message.  Exits after --max-seconds (default 3600).
"""
import argparse
import os
import socketserver
import threading

COUNTER = {"n": 0}
LOCK = threading.Lock()


def next_name(directory):
    """next_name - a unique message file stem"""
    with LOCK:
        COUNTER["n"] += 1
        return os.path.join(directory, "msg-%06d-%d" % (COUNTER["n"], os.getpid()))


def store(directory, envelope, data):
    """store - write envelope then message, each via rename"""
    stem = next_name(directory)
    for suffix, blob in ((".env", envelope), (".eml", data)):
        tmp = stem + suffix + ".tmp"
        with open(tmp, "wb") as f:
            f.write(blob)
        os.rename(tmp, stem + suffix)


class Handler(socketserver.StreamRequestHandler):
    """Handler - one SMTP session"""

    timeout = 300

    def reply(self, text):
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()

    def read_data(self):
        """read_data - lines up to the lone dot, dot-unstuffed"""
        chunks = []
        while True:
            line = self.rfile.readline()
            if not line:
                return None
            if line in (b".\r\n", b".\n"):
                return b"".join(chunks)
            if line.startswith(b"."):
                line = line[1:]
            chunks.append(line)

    def handle(self):
        self.reply("220 sink.test ESMTP smtpsink")
        mail, rcpts = None, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("latin-1").rstrip("\r\n")
            verb = cmd[:4].upper()
            if verb == "EHLO":
                self.reply("250-sink.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 0")
            elif verb == "HELO":
                self.reply("250 sink.test")
            elif verb == "MAIL":
                mail, rcpts = cmd, []
                self.reply("250 2.1.0 Ok")
            elif verb == "RCPT":
                rcpts.append(cmd)
                self.reply("250 2.1.5 Ok")
            elif verb == "DATA":
                self.do_data(mail, rcpts)
                mail, rcpts = None, []
            elif verb == "RSET":
                mail, rcpts = None, []
                self.reply("250 2.0.0 Ok")
            elif verb == "NOOP":
                self.reply("250 2.0.0 Ok")
            elif verb == "QUIT":
                self.reply("221 2.0.0 Bye")
                return
            else:
                self.reply("502 5.5.2 Error: command not recognized")

    def do_data(self, mail, rcpts):
        if not mail or not rcpts:
            self.reply("503 5.5.1 Error: need MAIL and RCPT")
            return
        self.reply("354 End data with <CR><LF>.<CR><LF>")
        data = self.read_data()
        if data is None:
            return
        if self.server.data_reply:
            self.reply(self.server.data_reply)
            return
        env = "\n".join([mail] + rcpts) + "\n"
        store(self.server.directory, env.encode("latin-1"), data)
        self.reply("250 2.0.0 Ok: queued")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser(description="store-everything SMTP sink")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--max-seconds", type=float, default=3600)
    ap.add_argument("--data-reply", default="")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    srv = Server((args.host, args.port), Handler)
    srv.directory, srv.data_reply = args.dir, args.data_reply
    threading.Timer(args.max_seconds, srv.shutdown).start()
    srv.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    main()
