#!/bin/sh
# dsn_corpus.sh - `reboundctl parse --json` over the labelled bounce corpus
# (LF, CRLF and CR line ends) scores at least the recorded floors, messages
# that are not bounces give no record, a table is printed without --json,
# and an unreadable file is reported while the next file is still parsed;
# a directory or a Maildir is read as its files.
. "${top_srcdir:-.}/tests/lib.sh"
[ -f "$CORPUS/dsn-labels.jsonl" ] || skip "no shared corpus"
command -v python3 >/dev/null || skip "no python3"

# Floors: raise them as the parser improves, never lower them.
REASON_MIN=0.88 STATUS_MIN=0.93 HARD_MIN=0.91
for d in dsn dsn-dos dsn-mac; do
	[ -d "$CORPUS/$d" ] || continue
	"$B/reboundctl" parse --json "$CORPUS/$d"/*.eml > "$T/$d.out" 2> "$T/$d.err" ||
		fail "$d: parse exited $?: $(head -3 "$T/$d.err")"
	python3 - "$CORPUS/dsn-labels.jsonl" "$T/$d.out" "$CORPUS/$d" \
	    $REASON_MIN $STATUS_MIN $HARD_MIN <<'PY' || fail "$d below floors"
import json, os, sys, collections
files = set(os.listdir(sys.argv[3]))
labels = [json.loads(l) for l in open(sys.argv[1])]
labels = [l for l in labels if l["file"] in files]
got = collections.defaultdict(list)
for line in open(sys.argv[2]):
    o = json.loads(line)
    for k in ("file", "recipient", "status", "replycode", "diagnostic",
              "remote_mta", "outcome", "reason", "hardbounce", "category",
              "action", "provider", "original_message_id",
              "original_queue_id", "feedback_type"):
        assert k in o, "field %s missing" % k
    got[os.path.basename(o["file"])].append(o)
good = collections.Counter(); total = 0
for l in labels:
    g = list(got.get(l["file"], []))
    for e in l["expected"]:
        total += 1
        x = next((y for y in g if y["reason"] == e["reason"]), None) or (g[0] if g else None)
        if x is None:
            continue
        g.remove(x)
        good["reason"] += x["reason"] == e["reason"]
        good["status"] += x["status"] == e["status"]
        good["hardbounce"] += str(x["hardbounce"]) == str(e["hardbounce"])
r, s, h = (good[k] / total for k in ("reason", "status", "hardbounce"))
print("%s: reason %.3f status %.3f hardbounce %.3f (%d recipients)" %
      (os.path.basename(sys.argv[3]), r, s, h, total))
sys.exit(0 if r >= float(sys.argv[4]) and s >= float(sys.argv[5]) and
         h >= float(sys.argv[6]) else 1)
PY
done

for f in "$CORPUS"/not-bounce/*; do
	[ -f "$f" ] || continue
	"$B/reboundctl" parse --json "$f" > "$T/nb.out" || fail "parse $f"
	[ -s "$T/nb.out" ] && fail "not a bounce, but: $(cat "$T/nb.out")"
done

# Table output, per-file errors, next file still read, exit status 1.
ok="$CORPUS/dsn/$(ls "$CORPUS/dsn" | head -1)"
if "$B/reboundctl" parse "$T/no-such-file" "$ok" > "$T/table" 2> "$T/err"; then
	fail "missing file not reported in exit status"
fi
grep -q "no-such-file" "$T/err" || fail "no error for the missing file"
[ -s "$T/table" ] || fail "next file not parsed"
# Standard input and an mbox of two messages.
{ printf 'From x@y Mon Jan  1 00:00:00 2024\n'; cat "$S/tests/data/dsn/qmail.eml";
  printf 'From x@y Mon Jan  1 00:00:00 2024\n'; cat "$S/tests/data/dsn/exim.eml"; } |
	"$B/reboundctl" parse --json - > "$T/mbox.out" || fail "parse - exited $?"
[ "$(wc -l < "$T/mbox.out")" -eq 3 ] || fail "mbox: $(cat "$T/mbox.out")"
# A directory gives its files in name order; a Maildir its new/ and cur/,
# never tmp/ (messages still being written).
mkdir -p "$T/md/cur" "$T/md/new" "$T/md/tmp" "$T/dir"
cp "$S/tests/data/dsn/qmail.eml" "$T/md/new/1.host"
cp "$S/tests/data/dsn/exim.eml" "$T/md/cur/2.host:2,S"
cp "$S/tests/data/dsn/verp.eml" "$T/md/tmp/3.host"
"$B/reboundctl" parse --json "$T/md" > "$T/md.out" || fail "parse Maildir exited $?"
grep -q '/md/new/1.host"' "$T/md.out" && grep -q '/md/cur/2.host:2,S"' "$T/md.out" ||
	fail "Maildir new/ and cur/ not read: $(cat "$T/md.out")"
grep -q '/md/tmp/' "$T/md.out" && fail "Maildir tmp/ read"
cp "$S/tests/data/dsn/exim.eml" "$T/dir/b.eml"
cp "$S/tests/data/dsn/qmail.eml" "$T/dir/a.eml"
"$B/reboundctl" parse --json "$T/dir" > "$T/dir.out" || fail "parse dir exited $?"
"$B/reboundctl" parse --json "$T/dir/a.eml" "$T/dir/b.eml" > "$T/files.out"
cmp -s "$T/dir.out" "$T/files.out" || fail "a directory is not its files in order"
# VERP pattern from the command line.
"$B/reboundctl" parse --json --verp 'bounces+%l=%d@sender.example' \
	"$S/tests/data/dsn/verp.eml" | grep -q '"recipient":"kim@verp.example"' ||
	fail "verp"
pass "dsn corpus"
