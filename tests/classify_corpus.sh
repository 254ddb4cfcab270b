#!/bin/sh
# classify_corpus.sh - the seed replies classified by `reboundctl classify
# --jsonl` meet the category and action thresholds (0.97), every other
# input field comes back unchanged, and a field of the verdict's name in
# the input is replaced by the verdict's.
. "${top_srcdir:-.}/tests/lib.sh"
[ -f "$CORPUS/seed-replies.jsonl" ] || skip "no shared corpus"
command -v python3 >/dev/null || skip "no python3"
# The replies without their labels: the answer must not be read back.
python3 - "$CORPUS/seed-replies.jsonl" > "$T/in" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    o.pop("category", None)
    o.pop("action", None)
    print(json.dumps(o))
PY
"$B/reboundctl" classify --jsonl "$T/in" > "$T/out" ||
	fail "classify --jsonl exited $?"
python3 - "$CORPUS/seed-replies.jsonl" "$T/out" <<'PY' || exit 1
import json, sys
labels = [json.loads(l) for l in open(sys.argv[1])]
out = [json.loads(l) for l in open(sys.argv[2])]
assert len(out) == len(labels), "one output line per input line"
cat = sum(o["category"] == l["category"] for o, l in zip(out, labels)) / len(labels)
act = sum(o["action"] == l["action"] for o, l in zip(out, labels)) / len(labels)
for o, l in zip(out, labels):
    for k in ("id", "reply", "recipient_domain"):
        assert o[k] == l[k], "input field %s kept" % k
    for k in ("outcome", "reason", "hardbounce", "provider", "enhanced", "fix"):
        assert k in o, "output field %s" % k
print("seed corpus: category %.3f action %.3f" % (cat, act))
sys.exit(0 if cat >= 0.97 and act >= 0.97 else 1)
PY
echo '{"id":1,"reply":"550 5.1.1 User unknown","category":"content","action":"none","note":"x"}' |
	"$B/reboundctl" classify --jsonl - > "$T/out" || fail "classify --jsonl - exited $?"
grep -q '"category":"invalid-address"' "$T/out" && grep -q '"action":"suppress"' "$T/out" &&
	grep -q '"note":"x"' "$T/out" || fail "input fields not replaced or not kept: $(cat "$T/out")"
# An empty field is one not given: an empty recipient_domain is no
# recipient "@", whose domain no host named in the reply could match.
echo '{"reply":"550 <user@example.com>... Host unknown (Name server: example.com: host not found)","recipient_domain":"","mx":"","enhanced":""}' |
	"$B/reboundctl" classify --jsonl - > "$T/out" || fail "classify --jsonl - exited $?"
grep -q '"category":"invalid-domain"' "$T/out" || fail "empty fields taken as given: $(cat "$T/out")"
# A broken rule file is refused with its line, and the exit status says so.
printf 'ok text:"a" -> reason=userunknown\nbroken text:"b" -> reason=nope\n' > "$T/bad.rules"
if "$B/reboundctl" rules check "$T/bad.rules" 2> "$T/err"; then fail "bad rules accepted"; fi
grep -q "^reboundctl: rules check: $T/bad.rules:2: unknown reason" "$T/err" ||
	fail "no file:line in: $(cat "$T/err")"
if "$B/reboundctl" rules check "$T/none.rules" 2> "$T/err"; then fail "a missing file accepted"; fi
grep -q "^reboundctl: rules check: $T/none.rules: No such file or directory$" "$T/err" ||
	fail "a missing rule file: $(cat "$T/err")"
"$B/reboundctl" rules check "$S/conf/rules/30-phrases.rules" >/dev/null || fail "shipped rules refused"
# A directory is every rule file and map in it; one bad file fails the whole.
"$B/reboundctl" rules check "$S/conf/rules" "$S/conf" > "$T/out" || fail "shipped rule directory refused"
[ "$(grep -c ': ok$' "$T/out")" -eq "$(ls "$S"/conf/rules/*.rules "$S"/conf/*.map | wc -l)" ] ||
	fail "directory check did not name every file: $(cat "$T/out")"
cp "$S/conf/rules/10-codes.rules" "$T/"
if "$B/reboundctl" rules check "$T" > "$T/out" 2> "$T/err"; then fail "directory with a bad file accepted"; fi
grep -q "10-codes.rules: ok" "$T/out" && grep -q "bad.rules:2:" "$T/err" || fail "directory check: $(cat "$T/out" "$T/err")"
# Option values the tools cannot use are refused, not passed over.
refused() { # WANT COMMAND...: exits 2 and says WANT
	want=$1; shift
	"$@" > "$T/out" 2>&1; rc=$?
	[ "$rc" = 2 ] && grep -qF -e "$want" "$T/out" || fail "$* (exit $rc): $(cat "$T/out")"
}
refused "--enhanced takes a status code" "$B/reboundctl" classify --enhanced bad "550 no such user"
refused "--enhanced takes a status code" "$B/reboundctl" classify --enhanced 5.1.1.1 "550 no such user"
refused 'lacks %l or %d' "$B/reboundctl" parse --verp bounces@x.example "$T/out"
refused "-s needs the control socket" "$B/reboundctl" -s
"$B/reboundctl" classify --enhanced 4.7.26 "421 try later" | grep -q "enhanced 4.7.26" ||
	fail "--enhanced 4.7.26 refused"
pass "classify corpus"
