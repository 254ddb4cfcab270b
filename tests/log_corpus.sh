#!/bin/sh
# log_corpus.sh - `reboundctl replay --json` over the labelled Postfix and
# Sendmail logs of the shared corpus scores at least the recorded floors
# (reason and hardbounce, each labelled recipient found by its queue ID),
# every labelled recipient comes out exactly once, the summary counts what
# --json lists and its tables add up to it however many codes the log has,
# and text that is not UTF-8 is kept.
. "${top_srcdir:-.}/tests/lib.sh"
[ -f "$CORPUS/log-labels.jsonl" ] || skip "no shared corpus"
command -v python3 >/dev/null || skip "no python3"

# Floors: raise them as the classifier improves, never lower them.
REASON_MIN=0.89 HARD_MIN=0.93
for f in postfix-bounces.log sendmail-bounces.log; do
	[ -f "$CORPUS/$f" ] || continue
	"$B/reboundctl" replay --json "$CORPUS/$f" > "$T/$f.out" 2> "$T/$f.err" ||
		fail "$f: replay exited $?: $(head -3 "$T/$f.err")"
	python3 - "$CORPUS/log-labels.jsonl" "$T/$f.out" "$f" $REASON_MIN $HARD_MIN <<'PY' ||
import json, sys, collections
labels = [json.loads(l) for l in open(sys.argv[1])]
out = [json.loads(l) for l in open(sys.argv[2])]
seen = collections.Counter()
by = {}
for o in out:
    for k in ("queue_id", "recipient", "outcome", "reason", "hardbounce",
              "category", "action", "provider", "dsn", "text"):
        assert k in o, "field %s missing" % k
    key = (o["queue_id"].lower(), o["recipient"].lower())
    seen[key] += 1
    by[key] = o
good = collections.Counter()
for l in labels:
    o = by.get((l["postfix_queue_id"].lower(), l["recipient"].lower())) or \
        by.get((l["sendmail_queue_id"].lower(), l["recipient"].lower()))
    assert o is not None, "labelled recipient %s not in the output" % l["recipient"]
    good["reason"] += o["reason"] == l["reason"]
    good["hard"] += str(o["hardbounce"]) == str(l["hardbounce"])
dup = [k for k, n in seen.items() if n > 1]
assert not dup, "recipients given twice: %s" % dup[:3]
r, h = good["reason"] / len(labels), good["hard"] / len(labels)
print("%s: reason %.3f hardbounce %.3f (%d recipients)" % (sys.argv[3], r, h, len(labels)))
sys.exit(0 if r >= float(sys.argv[4]) and h >= float(sys.argv[5]) else 1)
PY
	fail "$f below floors or malformed"
done

# The summary counts what --json lists, and a line that is not UTF-8
# (a reply cut inside a character) keeps its text, the bad bytes as '?'.
f="$CORPUS/postfix-bounces.log"
"$B/reboundctl" replay "$f" > "$T/sum" || fail "replay without --json"
n=$(sed -n 's/^lines [0-9]*, outcomes \([0-9]*\) .*/\1/p' "$T/sum")
[ "$n" = "$(wc -l < "$T/postfix-bounces.log.out")" ] ||
	fail "summary says $n outcomes: $(tail -1 "$T/sum")"
printf 'Nov 25 10:00:01 mx1 postfix/smtp[1]: 4ABCDE1234: to=<a@example.org>, relay=mx.example.org[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.1] said: 550 5.1.1 caf\351 \303\251t\303 (in reply to RCPT TO command))\n' > "$T/latin1.log"
"$B/reboundctl" replay --json "$T/latin1.log" > "$T/latin1.out" || fail "replay latin1"
grep -q '"text":"host mx.example.org\[192.0.2.1\] said: 550 5.1.1 caf? \\u00[eE]9t? (in reply to RCPT TO command)"' "$T/latin1.out" ||
	fail "text not kept: $(cat "$T/latin1.out")"
# A period: --since and --until list and count only its outcomes (every
# line still read); the summary says how many fell outside, and has the
# table by provider.
"$B/reboundctl" replay --json --since 2026-11-25T10:00:30Z --until 2026-11-25T10:03:00Z "$f" > "$T/period.out" ||
	fail "replay with a period"
want=$(python3 -c '
import json, sys
print(sum(1 for l in open(sys.argv[1]) if "2026-11-25T10:00:30Z" <= json.loads(l)["time"] < "2026-11-25T10:03:00Z"))' "$T/postfix-bounces.log.out")
[ "$want" -gt 0 ] && [ "$(wc -l < "$T/period.out")" = "$want" ] ||
	fail "--since/--until listed $(wc -l < "$T/period.out"), want $want"
"$B/reboundctl" replay --since 2026-11-25T10:00:30Z --until 2026-11-25T10:03:00Z "$f" > "$T/period.sum"
grep -q "^lines [0-9]*, outcomes $want " "$T/period.sum" &&
grep -q "($(( $(wc -l < "$T/postfix-bounces.log.out") - want )) outside the period asked for)" "$T/period.sum" &&
grep -q "^PROVIDER  *TOTAL  *DELIVERED  *DEFERRED  *BOUNCED  *EXPIRED  *BOUNCE RATE" "$T/period.sum" ||
	fail "period summary: $(tail -4 "$T/period.sum")"
if "$B/reboundctl" replay --since yesterday "$f" > /dev/null 2> "$T/period.err"; then fail "--since yesterday accepted"; fi
grep -q 'is not a date' "$T/period.err" || fail "--since yesterday: $(cat "$T/period.err")"

# More provider, category and code combinations than the summary keeps
# codes for (4096): both tables still add up to the outcomes line, and the
# summary says how many outcomes had codes past those it kept.  Past 4096
# the outcomes were dropped from both tables, silently.
python3 - > "$T/codes.log" <<'PY'
n = 0
for cls, st in ((4, "deferred"), (5, "bounced")):
    for subj in range(8):
        for det in range(400):
            n += 1
            print("Dec  1 10:00:00 mx1 postfix/smtp[1]: %010X: to=<u%d@example.org>, "
                  "relay=mx.example.org[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=%d.%d.%d, "
                  "status=%s (host mx.example.org[192.0.2.1] said: %d50 %d.%d.%d refused "
                  "(in reply to RCPT TO command))" % (0xA000000 + n, n, cls, subj, det, st,
                  cls, cls, subj, det))
PY
"$B/reboundctl" replay "$T/codes.log" > "$T/codes.sum" || fail "replay of many codes"
python3 - "$T/codes.sum" <<'PY' || fail "summary of many codes: $(sed -n '/^$/,$p' "$T/codes.sum")"
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"outcomes (\d+) \(delivered (\d+), deferred (\d+), bounced (\d+), expired (\d+)\)", text)
want = [int(x) for x in m.groups()]
assert want[0] == 6400, want
blocks = text.split("\n\n")
cat = [l.split() for l in blocks[0].splitlines()[1:]]
assert [sum(int(r[k]) for r in cat) for k in (2, 3, 4, 5)] == want[1:], cat
prov = next(b for b in blocks if b.startswith("PROVIDER ") and "TOTAL" in b)
prov = [l.split() for l in prov.splitlines()[1:]]
assert sum(int(r[1]) for r in prov) == want[0], prov
assert [sum(int(r[k]) for r in prov) for k in (2, 3, 4, 5)] == want[1:], prov
assert "the first 4096 provider, category and code combinations: 2304 outcomes" in text, text
PY

# A rotated set as the shell lists it (mail.log*: mail.log, .1, .10.gz,
# .2.gz, .9.gz) is read oldest first, by number: each deferral comes
# before its expiry in the next file, which otherwise had no deferral and
# was lost.
R=$T/rot
mkdir -p "$R"
deferral() { # QID RCPT
	printf '%s\n' \
	"Nov 20 10:00:00 mx1 postfix/qmgr[10]: $1: from=<news@shop.example>, size=900, nrcpt=1 (queue active)" \
	"Nov 20 10:00:05 mx1 postfix/smtp[11]: $1: to=<$2>, relay=none, delay=5, delays=0/0/5/0, dsn=4.4.1, status=deferred (connect to mx.slow.example[192.0.2.7]:25: Connection timed out)"
}
expiry() { echo "Nov 25 10:00:06 mx1 postfix/qmgr[10]: $1: from=<news@shop.example>, status=expired, returned to sender"; }
deferral 9A9A9A9A9A ten@slow.example | gzip > "$R/mail.log.10.gz"
expiry 9A9A9A9A9A | gzip > "$R/mail.log.9.gz"
deferral 9B9B9B9B9B two@slow.example | gzip > "$R/mail.log.2.gz"
expiry 9B9B9B9B9B > "$R/mail.log.1"
: > "$R/mail.log"
"$B/reboundctl" replay --json "$R"/mail.log* > "$T/rot.out" || fail "replay of a rotated set"
for a in ten two; do
	grep -q "\"recipient\":\"$a@slow.example\".*\"outcome\":\"expired\"" "$T/rot.out" ||
		fail "the expiry for $a@ was lost: $(cat "$T/rot.out")"
done
# A compressed file cut short is an error naming it; what it held before
# the cut is counted.
python3 "$S/tests/gen-maillog.py" 300 5 | gzip > "$T/whole.gz"
head -c $(( $(wc -c < "$T/whole.gz") / 2 )) "$T/whole.gz" > "$T/cut.gz"
rc=0; "$B/reboundctl" replay "$T/cut.gz" > "$T/cut.sum" 2> "$T/cut.err" || rc=$?
[ "$rc" = 1 ] && grep -q "^reboundctl: replay: $T/cut.gz: the compressed file is cut short" "$T/cut.err" ||
	fail "a truncated .gz: exit $rc: $(cat "$T/cut.err")"
grep -q '^lines [1-9][0-9]*, outcomes [1-9]' "$T/cut.sum" || fail "nothing counted before the cut: $(tail -1 "$T/cut.sum")"
# Lines without a year take the year that puts them before the file was
# last written: "tomorrow" in a file last written 200 days ago is last
# year's, not a line from the future.
python3 - "$T/old.log" <<'PY'
import os, sys, time
t = time.time() + 86400 / 2
day = time.strftime("%b %e", time.localtime(t + 86400 / 2))
open(sys.argv[1], "w").write("%s 10:00:00 mx1 postfix/smtp[1]: 8E8E8E8E8E: to=<old@example.org>, relay=mx.example.org[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n" % day)
os.utime(sys.argv[1], (time.time() - 200 * 86400,) * 2)
PY
"$B/reboundctl" replay --json "$T/old.log" | python3 -c '
import json, sys, time, calendar, os
o = json.loads(sys.stdin.readline())
t = calendar.timegm(time.strptime(o["time"], "%Y-%m-%dT%H:%M:%SZ"))
sys.exit(0 if t < os.stat(sys.argv[1]).st_mtime else 1)' "$T/old.log" ||
	fail "a year-less line was dated after its file was written: $("$B/reboundctl" replay --json "$T/old.log")"
pass "log corpus; a period; a rotated set in the shell's order read oldest first; a truncated .gz reported; year-less dates as of the file"

