#!/bin/sh
# log_filter.sh - the real Postfix behind a content filter that gives each
# message back to it over SMTP, as amavis does (out to one port, queued
# anew from another; here Postfix's own smtpd on a second port plays the
# filter).  The hop to the filter is no outcome: each recipient has one,
# from the delivery after it, under the new queue ID, with the sender and
# message-id; the hops are counted as handoffs.
. "${top_srcdir:-.}/tests/lib.sh"
. "$S/tests/postfix-lib.sh"
postfix_available || skip "needs root, postfix and python3"
printf '%s\t%s\n' \
	unknown "550 5.1.1 <unknown@example.com>: Recipient address rejected: User unknown" \
	> "$T/replies"
REINJ_PORT=$(free_port)
PF_EXTRA="content_filter = smtp:[127.0.0.1]:$REINJ_PORT"
# Another name, or Postfix's SMTP client would see mail loop to itself.
PF_MASTER_EXTRA="127.0.0.1:$REINJ_PORT inet n - y - - smtpd -o content_filter= -o myhostname=filter.rebound.test"
postfix_start
printf 'From: Shop <news@shop.example>\nTo: unknown@example.com, ok@example.com\nSubject: filtered\nMessage-ID: <filtered.test@shop.example>\n\nhello\n' |
	sendmail -C "$PF/conf" -f news@shop.example unknown@example.com ok@example.com ||
	fail "sendmail refused the message"
# two hops to the filter, then the two deliveries
wait_maillog ': to=<.*status=' 4
sleep 0.5
"$B/reboundctl" replay --json "$PF/maillog" > "$T/out.jsonl" || fail "replay failed"
"$B/reboundctl" replay "$PF/maillog" > "$T/summary" 2>&1 || fail "replay failed"
python3 - "$PF/maillog" "$T/out.jsonl" "$REINJ_PORT" <<'PY' || { cat "$PF/maillog" >&2; exit 1; }
import json, re, sys
log = open(sys.argv[1]).read()
hops = re.findall(r": ([0-9A-Za-z]+): to=<[^>]*>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:%s,.*status=sent \(.*queued as ([0-9A-Za-z]+)\)" % sys.argv[3], log)
assert len(hops) == 2, "the filter hops were not logged as expected: %r" % hops
first, new = hops[0][0], hops[0][1]
# Postfix's own notification of the bounce to the sender is mail too.
out = [o for o in map(json.loads, open(sys.argv[2])) if o["sender"] != ""]
got = sorted((o["recipient"], o["outcome"], o["queue_id"]) for o in out)
want = [("ok@example.com", "delivered", new), ("unknown@example.com", "bounced", new)]
assert got == want, "outcomes %r, want %r" % (got, want)
for o in out:
    assert o["sender"] == "news@shop.example", o
    assert o["message_id"] == "filtered.test@shop.example", o
print("hop %s -> %s; outcomes %r" % (first, new, got))
PY
grep -q "handoffs 2\(,\|$\)" "$T/summary" || fail "handoffs not counted: $(tail -1 "$T/summary")"
pass "a content filter's round trip gives one outcome per recipient"
