#!/bin/sh
# milter_postfix.sh - the real Postfix (private instance on loopback) with
# smtpd_milters and non_smtpd_milters pointed at reboundd, relaying to a
# scripted peer.  A 5.1.1 at the peer is read from Postfix's log and
# suppresses the address; the next message to it is refused at RCPT while
# its other recipients are delivered; a returning DSN through the milter
# is recorded with its verdict; a forged DSN for an address never mailed
# suppresses nothing; with BATV the milter signs the sender Postfix relays,
# a DSN to a valid tag suppresses an address mailed from here without
# naming the message, not one never mailed, and one to a forged tag
# nothing; the drop and tag policies do what they say, over
# SMTP (also to a source-routed recipient) and for sendmail(1)
# submissions.
. "${top_srcdir:-.}/tests/lib.sh"
. "$S/tests/postfix-lib.sh"
. "$S/tests/daemon-lib.sh"
postfix_available || skip "needs root, postfix and python3"
MPORT=$(free_port)
printf '%s\t%s\n' \
	unknown "550 5.1.1 <unknown@example.com>: Recipient address rejected: User unknown in virtual mailbox table" \
	> "$T/replies"
PF_EXTRA="smtpd_milters = inet:127.0.0.1:$MPORT
non_smtpd_milters = inet:127.0.0.1:$MPORT
milter_default_action = accept"
postfix_start
D=$T/d
printf '1 %s\n' "postfix test secret, key one" > "$T/batv.keys"
chmod 0600 "$T/batv.keys"
conf() {
	daemon_config "$D" "milter_socket = inet:$MPORT@127.0.0.1" \
		"milter_bounce_addresses = bounces+%l=%d@shop.example, bounces@shop.example" \
		"batv_key_file = $T/batv.keys" "milter_batv_sign = yes" "$@"
	sed -i "s|^log_files = .*|log_files = $PF/maillog|" "$D/rebound.conf"
}
conf
daemon_start "$D"
at_exit "daemon_stop $D"

# smtp FROM "RCPT ..." FILE: one SMTP transaction; prints "rcpt code text".
# A recipient in <> is sent as it is (smtplib would take a route out).
smtp() {
	python3 - "$PF_PORT" "$@" <<'PY'
import smtplib, sys
port, sender, rcpts, body = int(sys.argv[1]), sys.argv[2], sys.argv[3].split(), open(sys.argv[4], "rb").read()
s = smtplib.SMTP("127.0.0.1", port, timeout=60)
s.ehlo("client.rebound.test")
s.mail(sender)
for r in rcpts:
    if r.startswith("<"):
        s.putcmd("rcpt", "TO:" + r)
        c, m = s.getreply()
    else:
        c, m = s.rcpt(r)
    print("%s %d %s" % (r, c, m.decode(errors="replace")))
try:
    s.data(body)
except smtplib.SMTPDataError as e:
    print("DATA %d" % e.smtp_code)
s.quit()
PY
}
message() { # MSGID [HEADER] -> $T/msg
	printf 'From: Shop <news@shop.example>\r\nTo: customers@shop.example\r\nSubject: news %s\r\nMessage-ID: <%s>\r\n%s\r\nhello\r\n' "$1" "$1" "${2:-}" > "$T/msg"
}
lookup() { # ADDR PYTHON-EXPR over o (the lookup answer)
	"$CTL" -s "$D/ctl.sock" --json lookup "$1" | python3 -c "import json,sys; o=json.load(sys.stdin); print($2)"
}
wait_lookup() { # ADDR EXPR WHAT
	for _ in $(seq 1 300); do
		[ "$(lookup "$1" "$2")" = True ] && return 0
		sleep 0.1
	done
	"$CTL" -s "$D/ctl.sock" lookup "$1" >&2
	fail "$3"
}
peer_count() { grep -c -- "$1" "$T/peer.log" || :; }

# 1. A dead address bounces 5.1.1 at the peer; Postfix logs it; reboundd
# suppresses it.  later@ is delivered: a DSN will come back for it.
message first.1@shop.example
smtp news@shop.example "unknown@example.com later@example.com" "$T/msg" > "$T/s1"
grep -q '^unknown@example.com 250' "$T/s1" || fail "first message refused: $(cat "$T/s1")"
wait_lookup unknown@example.com "o['suppressed']" "the 5.1.1 from the peer did not suppress unknown@example.com"
wait_lookup later@example.com "len(o['recent']) > 0" "the delivery to later@example.com was not recorded"
[ "$(peer_count 'RCPT TO:<unknown@example.com>')" = 1 ] || fail "peer saw unknown@ $(peer_count 'RCPT TO:<unknown@example.com>') times"
# The milter signed the sender: Postfix relayed it with a valid tag.
signed=$(sed -n 's/^MAIL FROM:<\(prvs=1[0-9a-f]*=news@shop.example\)>.*/\1/p' "$T/peer.log" | head -1)
[ -n "$signed" ] || { grep '^MAIL' "$T/peer.log" >&2; fail "the sender was not signed"; }
"$CTL" batv verify --key-file "$T/batv.keys" "$signed" > /dev/null || fail "signed $signed does not verify"

# 2. The next message: refused at RCPT for it, delivered to the others.
message second.1@shop.example
smtp news@shop.example "unknown@example.com ok2@example.com" "$T/msg" > "$T/s2"
grep -q '^unknown@example.com 550 5.1.1 Recipient address suppressed (userunknown since 20' "$T/s2" ||
	fail "suppressed recipient not refused: $(cat "$T/s2")"
grep -q '^ok2@example.com 250' "$T/s2" || fail "other recipient refused: $(cat "$T/s2")"
wait_maillog 'to=<ok2@example.com>.*status=sent' 1
[ "$(peer_count 'RCPT TO:<unknown@example.com>')" = 1 ] || fail "refused recipient reached the peer"
grep -q 'milter-reject: RCPT from .*to=<unknown@example.com>' "$PF/maillog" || fail "Postfix did not log the refusal"

# 3. A DSN for later@ comes back through the milter: it names the
# Message-ID sent in step 1, so it is verified and suppresses.
dsn() { # RCPT MSGID -> $T/dsn
	printf '%s\r\n' "From: MAILER-DAEMON@mx.remote.example" "To: news@shop.example" \
		"Subject: Undelivered Mail Returned to Sender" "Message-ID: <dsn.$2>" "MIME-Version: 1.0" \
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"" "" \
		"--B" "Content-Type: text/plain" "" "Your message could not be delivered." "" \
		"--B" "Content-Type: message/delivery-status" "" "Reporting-MTA: dns; mx.remote.example" "" \
		"Final-Recipient: rfc822; $1" "Action: failed" "Status: 5.1.1" \
		"Diagnostic-Code: smtp; 550 5.1.1 <$1>: Recipient address rejected: User unknown" "" \
		"--B" "Content-Type: text/rfc822-headers" "" "From: Shop <news@shop.example>" "To: $1" \
		"Subject: news" "Message-ID: <$2>" "" "--B--" > "$T/dsn"
}
dsn later@example.com first.1@shop.example
smtp "" "news@shop.example" "$T/dsn" > "$T/s3"
grep -q '^news@shop.example 250' "$T/s3" || fail "DSN refused: $(cat "$T/s3")"
wait_lookup later@example.com "o['suppressed'] and o['suppression']['source'] == 'dsn'" \
	"the verified DSN did not suppress later@example.com"
wait_maillog 'to=<news@shop.example>.*status=sent' 1
grep -q '^HEADER X-Rebound: dsn format=rfc3464 records=1 verified=1 unverified=0' "$T/peer.log" ||
	{ grep HEADER "$T/peer.log" >&2; fail "no verdict header on the DSN"; }

# 4. A forged DSN, to a VERP bounce address, for an address never mailed:
# recorded, unverified, suppresses nothing; a follower of events is told
# it was not vouched for.
"$CTL" -s "$D/ctl.sock" --json events --follow > "$T/follow" &
follow_pid=$!
at_exit "kill $follow_pid 2>/dev/null || :"
wait_until 10 grep -q following "$T/follow" || fail "events --follow: $(cat "$T/follow")"
dsn victim@example.com forged.1@shop.example
smtp "" "bounces+victim=example.com@shop.example" "$T/dsn" > "$T/s4"
grep -q ' 250' "$T/s4" || fail "forged DSN refused: $(cat "$T/s4")"
wait_lookup victim@example.com "len(o['recent']) > 0" "the forged DSN was not recorded"
[ "$(lookup victim@example.com "o['suppressed']")" = False ] || fail "a forged DSN suppressed victim@example.com"
[ "$(lookup victim@example.com "o['recent'][0]['action']")" = none ] || fail "forged DSN recorded with an action"
wait_until 10 grep -q 'victim@example.com' "$T/follow" || fail "no event for the forged DSN"
python3 - "$T/follow" <<'PY' || fail "the forged DSN's event is not marked unverified: $(grep victim "$T/follow")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if 'victim@example.com' in l]
sys.exit(0 if ev and all(e.get("unverified") is True for e in ev) else 1)
PY
wait_maillog 'to=<bounces+victim=example.com@shop.example>.*status=sent' 1
grep -q '^HEADER X-Rebound: dsn format=rfc3464 records=1 verified=0 unverified=1' "$T/peer.log" ||
	{ grep HEADER "$T/peer.log" >&2; fail "no unverified verdict on the forged DSN"; }

# 4b. DSNs to signed return paths: one with a tag made apart from
# reboundd, about an address mailed in step 2 but naming a message never
# sent, suppresses; one to the same tag about an address never mailed
# does not (whoever got mail from here holds a valid tag); one with the
# tag altered does not.
tag=$(python3 - "postfix test secret, key one" news@shop.example <<'PY'
import hashlib, hmac, sys, time
kddd = "1%03d" % ((int(time.time()) // 86400 + 5) % 1000)
sig = hmac.new(sys.argv[1].encode(), (kddd + sys.argv[2]).encode(), hashlib.sha1).hexdigest()[:6]
print("prvs=%s%s=%s" % (kddd, sig.upper(), sys.argv[2]))
PY
)
dsn ok2@example.com never.1@shop.example
smtp "" "$tag" "$T/dsn" > "$T/s4b"
grep -q ' 250' "$T/s4b" || fail "DSN to $tag refused: $(cat "$T/s4b")"
wait_lookup ok2@example.com "o['suppressed'] and o['suppression']['source'] == 'dsn'" \
	"a DSN to a valid tag did not suppress ok2@example.com"
wait_maillog "to=<$tag>.*status=sent" 1
grep -q '^HEADER X-Rebound: dsn format=rfc3464 records=1 verified=1 unverified=0 batv=valid' "$T/peer.log" ||
	{ grep HEADER "$T/peer.log" >&2; fail "no batv=valid verdict"; }
dsn batv-never@example.com never.2@shop.example
smtp "" "$tag" "$T/dsn" > "$T/s4d"
wait_lookup batv-never@example.com "len(o['recent']) > 0" "the DSN about an address never mailed was not recorded"
[ "$(lookup batv-never@example.com "o['suppressed']")" = False ] ||
	fail "a DSN to a valid tag suppressed an address never mailed"
wait_maillog "to=<$tag>.*status=sent" 2
forged=$(echo "$tag" | sed 's/^\(prvs=1...\)....\(..\)/\1FFFF\2/')
[ "$forged" != "$tag" ] || forged=$(echo "$tag" | sed 's/^\(prvs=1...\)....\(..\)/\10000\2/')
dsn batv-forged@example.com forged.2@shop.example
smtp "" "$forged" "$T/dsn" > "$T/s4c"
wait_lookup batv-forged@example.com "len(o['recent']) > 0" "the DSN to a forged tag was not recorded"
[ "$(lookup batv-forged@example.com "o['suppressed']")" = False ] || fail "a DSN to a forged tag suppressed"
wait_maillog "to=<$forged>.*status=sent" 1
grep -q '^HEADER X-Rebound: dsn format=rfc3464 records=1 verified=0 unverified=1 batv=bad-signature' "$T/peer.log" ||
	{ grep HEADER "$T/peer.log" >&2; fail "no batv=bad-signature verdict"; }

# reload POLICY: new settings, applied by the running milter.
reload() {
	n=$("$CTL" -s "$D/ctl.sock" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["reloads"])')
	conf "milter_policy = $1"
	kill -HUP "$(cat "$D/pid")"
	for _ in $(seq 1 200); do
		m=$("$CTL" -s "$D/ctl.sock" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["reloads"])')
		[ "$m" -gt "$n" ] && return 0
		sleep 0.05
	done
	fail "reload not done"
}

# 5. drop: accepted at RCPT, removed before delivery; the same for mail
# submitted with sendmail(1) (non_smtpd_milters).
reload drop
message drop.1@shop.example
smtp news@shop.example "unknown@example.com ok5@example.com" "$T/msg" > "$T/s5"
grep -q '^unknown@example.com 250' "$T/s5" || fail "drop refused at RCPT: $(cat "$T/s5")"
wait_maillog 'to=<ok5@example.com>.*status=sent' 1
message drop.2@shop.example
tr -d '\r' < "$T/msg" | sendmail -C "$PF/conf" -f news@shop.example unknown@example.com ok6@example.com ||
	fail "sendmail refused the message"
wait_maillog 'to=<ok6@example.com>.*status=sent' 1
# Postfix delivers a source-routed recipient to the mailbox after the
# route: it is looked up, and removed, as that mailbox.
message drop.3@shop.example
smtp news@shop.example "<@relay.example:unknown@example.com> ok8@example.com" "$T/msg" > "$T/s5b"
grep -q '^<@relay.example:unknown@example.com> 250' "$T/s5b" || fail "drop refused at RCPT: $(cat "$T/s5b")"
wait_maillog 'to=<ok8@example.com>.*status=sent' 1
[ "$(peer_count 'RCPT TO:<unknown@example.com>')" = 1 ] || fail "a dropped recipient reached the peer"

# 6. tag: delivered, with a header naming the suppressed recipient.
reload tag
message tag.1@shop.example
smtp news@shop.example "unknown@example.com ok7@example.com" "$T/msg" > "$T/s6"
wait_maillog 'to=<ok7@example.com>.*status=sent' 1
wait_maillog 'to=<unknown@example.com>.*status=bounced' 2
grep -q '^HEADER X-Rebound-Suppressed: <unknown@example.com> Recipient address suppressed' "$T/peer.log" ||
	{ grep HEADER "$T/peer.log" >&2; fail "no tag header"; }
"$CTL" -s "$D/ctl.sock" --json status | python3 -c '
import json, sys
m = json.load(sys.stdin)["milter"]
want = {"rejected": 1, "dropped": 3, "tagged": 1, "dsn_verified": 2, "dsn_unverified": 3,
        "dsn_verified_batv": 1, "dsn_batv_invalid": 1, "errors": 0}
bad = {k: m[k] for k in want if m[k] != want[k]}
sys.exit("counters %s, want %s" % (bad, want) if bad else 0)' || fail "milter counters"
pass "Postfix with the milter: suppressed at RCPT, DSN verified, forgery ignored, sender signed, DSN to a BATV tag verified, about an address never mailed or to a forged tag ignored, drop and tag"
