#!/usr/bin/env python3
"""smtp-peer.py PORT REPLIES [LOG] - a scripted SMTP server on 127.0.0.1.

REPLIES is a file of "LOCALPART<TAB>REPLY" lines: a RCPT TO whose local
part starts with LOCALPART gets REPLY ("550 5.1.1 ..."); others get
"250 2.1.5 Ok".  A 421 reply closes the connection, as servers do.
Messages are accepted after DATA; their header lines are logged as
"HEADER ...".  Runs until killed; bounded: at most
10,000 connections, 1 MB per message, 60 s idle per connection."""
import socket, sys, threading

port, replies_file = int(sys.argv[1]), sys.argv[2]
log = open(sys.argv[3], "a") if len(sys.argv) > 3 else None
rules = []
for line in open(replies_file):
    line = line.rstrip("\n")
    if "\t" in line:
        k, v = line.split("\t", 1)
        rules.append((k, v))


def reply_for(rcpt):
    local = rcpt.strip("<>").split("@")[0].lower()
    for k, v in rules:
        if local.startswith(k):
            return v
    return "250 2.1.5 Ok"


def serve(conn):
    conn.settimeout(60)
    f = conn.makefile("rb")
    def send(s):
        conn.sendall((s + "\r\n").encode())
    try:
        send("220 peer.rebound.test ESMTP scripted peer")
        in_data, in_hdr, size = False, False, 0
        while True:
            line = f.readline(1 << 20)
            if not line:
                return
            if in_data:
                size += len(line)
                if line in (b".\r\n", b".\n"):
                    in_data = False
                    send("250 2.0.0 Ok: queued as PEER%d" % size)
                elif in_hdr and line.strip() == b"":
                    in_hdr = False
                elif in_hdr and log:
                    log.write("HEADER " + line.decode("latin-1").rstrip("\r\n") + "\n")
                    log.flush()
                continue
            cmd = line.decode("latin-1").strip()
            up = cmd.upper()
            if log:
                log.write(cmd + "\n"); log.flush()
            if up.startswith(("EHLO", "HELO")):
                send("250-peer.rebound.test\r\n250 8BITMIME")
            elif up.startswith("MAIL FROM"):
                send("250 2.1.0 Ok")
            elif up.startswith("RCPT TO"):
                r = reply_for(cmd[8:].strip())
                send(r)
                if r.startswith("421"):
                    return
            elif up == "DATA":
                in_data, in_hdr, size = True, True, 0
                send("354 End data with <CR><LF>.<CR><LF>")
            elif up == "QUIT":
                send("221 2.0.0 Bye")
                return
            elif up in ("RSET", "NOOP"):
                send("250 2.0.0 Ok")
            else:
                send("502 5.5.2 Error: command not recognized")
    except OSError:
        pass
    finally:
        conn.close()


s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(64)
for _ in range(10000):
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
