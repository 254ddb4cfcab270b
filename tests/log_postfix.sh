#!/bin/sh
# log_postfix.sh - the real Postfix (private instance on loopback) relays
# to a scripted peer that answers each recipient with a chosen reply; every
# outcome Postfix logs is parsed and classified as the reply implies, with
# the sender and the message-id attached.  Postfix tries each message once
# (maximal_queue_lifetime = 0), so every deferred one then expires, logged
# only as "from=<...>, status=expired": each deferred recipient gets an
# expired outcome with the reason of its deferral.
. "${top_srcdir:-.}/tests/lib.sh"
. "$S/tests/postfix-lib.sh"
postfix_available || skip "needs root, postfix and python3"
printf '%s\t%s\n' \
	unknown "550 5.1.1 <unknown@example.com>: Recipient address rejected: User unknown in virtual mailbox table" \
	full "452 4.2.2 The email account that you tried to reach is over quota." \
	dmarc "550 5.7.26 Unauthenticated email from shop.example is not accepted due to domain's DMARC policy." \
	grey "451 4.7.1 <grey@example.com>: Recipient address rejected: Greylisted, please try again in 300 seconds" \
	yahoo "421 4.7.0 [TSS04] Messages from 127.0.0.1 temporarily deferred due to unexpected volume or user complaints" \
	spamhaus "554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org" \
	> "$T/replies"
PF_EXTRA="maximal_queue_lifetime = 0"
postfix_start
for r in unknown full dmarc grey spamhaus ok yahoo; do
	printf 'From: Shop <news@shop.example>\nTo: %s@example.com\nSubject: test %s\nMessage-ID: <%s.test@shop.example>\n\nhello\n' "$r" "$r" "$r" |
		sendmail -C "$PF/conf" -f news@shop.example "$r@example.com" ||
		fail "sendmail refused the message for $r"
done
# each message, one recipient: 7 delivery outcomes
wait_maillog ': to=<.*status=' 7
# ...and the 3 deferred messages expire
wait_maillog 'status=expired, returned to sender' 3
sleep 0.5
"$B/reboundctl" replay --json "$PF/maillog" > "$T/out.jsonl" || fail "replay failed"
python3 - "$T/out.jsonl" <<'PY' || { cat "$PF/maillog" >&2; exit 1; }
import json, sys
want = {  # local part: outcome, reason, category, action
    "unknown": ("bounced", "userunknown", "invalid-address", "suppress"),
    "full": ("deferred", "mailboxfull", "mailbox-full", "retry"),
    "dmarc": ("bounced", "authfailure", "authentication", "fix-sender"),
    "grey": ("deferred", None, "remote-server", "retry"),
    "yahoo": ("deferred", "badreputation", "reputation", "slow-down"),
    "spamhaus": ("bounced", "blocked", "blocklist", "fix-sender"),
    "ok": ("delivered", "delivered", "delivered", "none"),
}
seen, expired = {}, {}
for l in open(sys.argv[1]):
    o = json.loads(l)
    local = o["recipient"].split("@")[0]
    if local in want:
        (expired if o["outcome"] == "expired" else seen).setdefault(local, o)
bad = []
for local, (outc, reason, cat, act) in want.items():
    e, o = expired.get(local), seen.get(local)
    if outc != "deferred":
        if e is not None:
            bad.append("%s: expired, but it was %s" % (local, outc))
    elif e is None:
        bad.append("%s: deferred, then no expired outcome" % local)
    elif o is not None and (e["reason"], e["queue_id"], e["sender"]) != (o["reason"], o["queue_id"], o["sender"]):
        bad.append("%s: expired as %s, deferred as %s" % (local, (e["reason"], e["queue_id"], e["sender"]), (o["reason"], o["queue_id"], o["sender"])))
for local, (outc, reason, cat, act) in want.items():
    o = seen.get(local)
    if o is None:
        bad.append("%s: no outcome" % local)
        continue
    got = (o["outcome"], o["reason"] if reason else None, o["category"], o["action"])
    if got != (outc, reason, cat, act):
        bad.append("%s: got %s, want %s (%s)" % (local, got, (outc, reason, cat, act), o["text"]))
    if o["sender"] != "news@shop.example":
        bad.append("%s: sender %r" % (local, o["sender"]))
    if o["message_id"] != "%s.test@shop.example" % local:
        bad.append("%s: message_id %r" % (local, o["message_id"]))
for b in bad:
    print("FAIL:", b)
print("%d outcomes checked, %d expired" % (len(seen), len(expired)))
sys.exit(1 if bad else 0)
PY

# Address verification (sendmail -bv, as reject_unverified_* probes do):
# Postfix logs status=undeliverable / status=deliverable for a probe that
# carries no mail.  No outcome comes of it, so no suppression of an
# address never mailed and no count in a provider's rates.
sendmail -C "$PF/conf" -f news@shop.example -bv unknown@example.com ok@example.com ||
	fail "sendmail -bv refused"
wait_maillog 'status=undeliverable' 1
wait_maillog 'status=deliverable' 1
sleep 0.5
"$B/reboundctl" replay --json "$PF/maillog" > "$T/out2.jsonl" 2>/dev/null || fail "replay failed"
"$B/reboundctl" replay "$PF/maillog" > "$T/summary" 2>&1 || fail "replay failed"
python3 - "$PF/maillog" "$T/out2.jsonl" <<'PY' || fail "probes gave outcomes"
import json, re, sys
probes = {m.group(1) for l in open(sys.argv[1])
          for m in [re.search(r": ([0-9A-F]+): to=<.*status=(un)?deliverable", l)] if m}
assert len(probes) >= 1, "no probe lines"
got = [o for o in map(json.loads, open(sys.argv[2])) if o["queue_id"] in probes]
assert not got, got
PY
grep -q "address probes 2, handoffs 0\(,\|$\)" "$T/summary" || fail "probes not counted: $(tail -1 "$T/summary")"
pass "Postfix outcomes parsed and classified"
