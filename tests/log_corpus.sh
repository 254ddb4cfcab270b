#!/bin/sh
# log_corpus.sh - `reboundctl replay --json` over the labelled Postfix and
# Sendmail logs of the shared corpus scores at least the recorded floors
# (reason and hardbounce, each labelled recipient found by its queue ID),
# every labelled recipient comes out exactly once, the summary counts what
# --json lists, and text that is not UTF-8 is kept.
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
pass "log corpus"
