#!/usr/bin/env python3
"""journal-export.py LOG OUTDIR CHUNKS - turn syslog lines ("Mon DD
HH:MM:SS host ident[pid]: message") into CHUNKS files of the journal export
format (OUTDIR/0.export ...), as journald would have stored them: the mail
facility, identifier, pid, host and the time as __REALTIME_TIMESTAMP."""
import calendar, re, sys, time
log, out, chunks = sys.argv[1], sys.argv[2], int(sys.argv[3])
pat = re.compile(r"^(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) (\S+) ([^\[:]+)(?:\[(\d+)\])?: (.*)$")
year = time.gmtime().tm_year
months = {m: i for i, m in enumerate(calendar.month_abbr) if m}
entries = []
for line in open(log, encoding="utf-8", errors="replace"):
    m = pat.match(line.rstrip("\n"))
    if not m:
        continue
    mon, day, hh, mm, ss, host, ident, pid, msg = m.groups()
    t = calendar.timegm((year, months[mon], int(day), int(hh), int(mm), int(ss)))
    e = "__REALTIME_TIMESTAMP=%d\n_HOSTNAME=%s\nSYSLOG_IDENTIFIER=%s\nSYSLOG_FACILITY=2\n" % (
        t * 1000000 + len(entries) % 1000000, host, ident)
    if pid:
        e += "_PID=%s\n" % pid
    e += "MESSAGE=%s\n\n" % msg
    entries.append(e)
per = (len(entries) + chunks - 1) // chunks
for c in range(chunks):
    with open("%s/%d.export" % (out, c), "w") as f:
        f.write("".join(entries[c * per:(c + 1) * per]))
print(len(entries))
