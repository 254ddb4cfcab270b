#!/usr/bin/env python3
"""gen-replay-log.py BYTES - a mixed Postfix log of about BYTES on stdout:
per message smtpd, cleanup, qmgr from=, one or two recipients, removed;
about 90% of deliveries sent, 10% deferred or bounced with real reply
texts; recipients spread over a realistic provider mix."""
import random, sys
target = int(sys.argv[1])
rnd = random.Random(1)
providers = [("gmail.com", "gmail-smtp-in.l.google.com[142.250.1.27]:25", 35),
             ("outlook.com", "outlook-com.olc.protection.outlook.com[52.101.1.1]:25", 15),
             ("hotmail.com", "hotmail-com.olc.protection.outlook.com[52.101.1.2]:25", 10),
             ("yahoo.com", "mta7.am0.yahoodns.net[67.195.204.1]:25", 12),
             ("icloud.com", "mx01.mail.icloud.com[17.57.1.1]:25", 6),
             ("gmx.de", "mx00.gmx.net[212.227.1.1]:25", 4),
             ("example.org", "mx.example.org[192.0.2.10]:25", 18)]
weights = [p[2] for p in providers]
fails = [
    ("5.1.1", "bounced", "550-5.1.1 The email account that you tried to reach does not exist. (in reply to RCPT TO command)"),
    ("4.2.2", "deferred", "452 4.2.2 The email account that you tried to reach is over quota. (in reply to RCPT TO command)"),
    ("4.7.0", "deferred", "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints (in reply to MAIL FROM command)"),
    ("5.7.26", "bounced", "550-5.7.26 Unauthenticated email from shop.example is not accepted due to domain's DMARC policy. (in reply to end of DATA command)"),
    ("4.7.1", "deferred", "451 4.7.1 Greylisted, please try again in 300 seconds (in reply to RCPT TO command)"),
    ("5.7.1", "bounced", "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org (in reply to RCPT TO command)"),
    ("5.4.1", "bounced", "550 5.4.1 Recipient address rejected: Access denied. AS(201806281) (in reply to RCPT TO command)"),
    ("4.4.1", "deferred", None),
]
out = sys.stdout
written = 0
m = 0
sec = 0
while written < target:
    m += 1
    if m % 50 == 0:
        sec += 1
    ts = "Nov %2d %02d:%02d:%02d" % (1 + (sec // 86400) % 28, (sec // 3600) % 24, (sec // 60) % 60, sec % 60)
    qid = "%010X" % (0x100000000 + m)
    buf = []
    buf.append("%s mx1 postfix/smtpd[%d]: %s: client=app%d.shop.example[10.0.0.%d], sasl_method=PLAIN, sasl_username=app%d\n" % (ts, 1000 + m % 97, qid, m % 9, m % 250, m % 9))
    buf.append("%s mx1 postfix/cleanup[%d]: %s: message-id=<%d.%d@shop.example>\n" % (ts, 2000 + m % 13, qid, m, sec))
    nr = 1 + (m % 3 == 0)
    buf.append("%s mx1 postfix/qmgr[3000]: %s: from=<news%d@shop.example>, size=%d, nrcpt=%d (queue active)\n" % (ts, qid, m % 5, 2000 + m % 30000, nr))
    for r in range(nr):
        dom, relay, _ = rnd.choices(providers, weights)[0]
        rcpt = "user%d@%s" % (rnd.randrange(2000000), dom)
        if rnd.random() < 0.9:
            buf.append("%s mx1 postfix/smtp[%d]: %s: to=<%s>, relay=%s, delay=0.8, delays=0.1/0/0.3/0.4, dsn=2.0.0, status=sent (250 2.0.0 OK 1700000000 x%d - gsmtp)\n" % (ts, 4000 + m % 200, qid, rcpt, relay, m))
        else:
            dsn, st, text = rnd.choice(fails)
            if text is None:
                buf.append("%s mx1 postfix/smtp[%d]: %s: to=<%s>, relay=none, delay=30, delays=0/0/30/0, dsn=4.4.1, status=deferred (connect to %s: Connection timed out)\n" % (ts, 4000 + m % 200, qid, rcpt, relay))
            else:
                host = relay.split(":")[0]
                buf.append("%s mx1 postfix/smtp[%d]: %s: to=<%s>, relay=%s, delay=0.8, delays=0.1/0/0.3/0.4, dsn=%s, status=%s (host %s said: %s)\n" % (ts, 4000 + m % 200, qid, rcpt, relay, dsn, st, host, text))
    buf.append("%s mx1 postfix/qmgr[3000]: %s: removed\n" % (ts, qid))
    s = "".join(buf)
    out.write(s)
    written += len(s)
