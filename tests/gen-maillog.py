#!/usr/bin/env python3
"""gen-maillog.py N SEED - write N messages' worth of Postfix log lines to
stdout: smtpd, cleanup and qmgr lines, then one delivery line per recipient
(sent, deferred or bounced with real reply texts from the corpus when it
is there), then "removed".  Timestamps are now, so minute counters count."""
import random, sys, time, os

n, seed = int(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(seed)
corpus = os.environ.get("REBOUND_CORPUS", "")
bounces = []
try:
    for l in open(os.path.join(corpus, "postfix-bounces.log")):
        i = l.find("status=")
        if i > 0:
            bounces.append(l[l.index("relay="):].strip())
except OSError:
    pass
if not bounces:
    bounces = ["relay=mx.example.com[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.1] said: 550 5.1.1 <x@example.com>: Recipient address rejected: User unknown (in reply to RCPT TO command))"]
domains = ["gmail.com", "yahoo.com", "outlook.com", "example.org", "example.net"]
stamp = time.strftime("%b %e %H:%M:%S", time.localtime()).replace("  ", " ", 0)
pid = 1000
for m in range(n):
    qid = "%010X" % (0x1000000 + seed * 100000 + m)
    sender = "news%d@sender%d.example" % (m % 7, m % 3)
    pid += 1
    print("%s mx1 postfix/smtpd[%d]: %s: client=app%d.example[192.0.2.%d]" % (stamp, pid, qid, m % 5, m % 250 + 1))
    print("%s mx1 postfix/cleanup[%d]: %s: message-id=<%d.%d@sender.example>" % (stamp, pid, qid, seed, m))
    print("%s mx1 postfix/qmgr[%d]: %s: from=<%s>, size=%d, nrcpt=2 (queue active)" % (stamp, pid, qid, sender, 1000 + m))
    for r in range(2):
        rcpt = "user%d@%s" % (rnd.randrange(400), rnd.choice(domains))
        x = rnd.random()
        if x < 0.8:
            line = "to=<%s>, relay=mx.%s[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 OK)" % (rcpt, rcpt.split("@")[1])
        elif x < 0.9:
            line = "to=<%s>, relay=mx.%s[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=4.2.2, status=deferred (host mx said: 452 4.2.2 Mailbox full)" % (rcpt, rcpt.split("@")[1])
        else:
            b = rnd.choice(bounces)
            line = "to=<%s>, %s" % (rcpt, b)
        print("%s mx1 postfix/smtp[%d]: %s: %s" % (stamp, pid + 1, qid, line))
    print("%s mx1 postfix/qmgr[%d]: %s: removed" % (stamp, pid, qid))
