#!/bin/sh
# milter_protocol.sh - reboundd's milter driven by miltertest scripts
# (tests/milter/*.lua): refusal in and out of scope, abort mid-message,
# 1,000 recipients, missing macros, connection reuse, a DSN over
# milter_max_body; then, each after a reload, the drop, tag and tempfail
# policies and the discard and quarantine DSN actions, with the DSNs
# they take in recorded in the store, also while the store is locked and
# after 10,000 refused recipients; a reload with a bad milter setting
# refused with its line; DSNs to BATV-signed return paths, valid, forged,
# expired and signed VERP, and senders signed; SIGHUP and SIGTERM sent
# to the milter's threads leave it running.
. "${top_srcdir:-.}/tests/lib.sh"
. "$S/tests/daemon-lib.sh"
command -v miltertest >/dev/null || skip "needs miltertest"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
D=$T/d
conf() {
	daemon_config "$D" "milter_socket = inet:$PORT@127.0.0.1" \
		"milter_scope = authenticated, client_networks, local, daemon_names" \
		"milter_daemon_names = ORIGINATING" "milter_max_body = 64k" "$@"
}
conf
daemon_start "$D"
at_exit "daemon_stop $D"
"$CTL" -s "$D/ctl.sock" suppress add dead@example.com --reason test >/dev/null ||
	fail "suppress add"
for i in $(seq 1 100); do
	"$CTL" -s "$D/ctl.sock" suppress add "dead$i@example.com" --reason test >/dev/null ||
		fail "suppress add dead$i"
done
export MT_SOCKET="inet:$PORT@127.0.0.1" MT_DIR="$S/tests/milter"
run() {
	MT_SCRIPT=$1 miltertest -s "$S/tests/milter/run.lua" > "$T/$1.out" 2>&1 || {
		cat "$T/$1.out" "$D/reboundd.log" >&2
		fail "miltertest $1"
	}
	kill -0 "$(cat "$D/pid")" 2>/dev/null || { cat "$D/reboundd.log" >&2; fail "reboundd died in $1"; }
}
status() {
	"$CTL" -s "$D/ctl.sock" --json status | python3 -c "import json,sys; m=json.load(sys.stdin)['milter']; print($1)"
}
for s in rcpt abort many macros reuse bigbody; do
	run "$s"
done
[ "$(status "m['errors']")" = 0 ] || fail "milter errors: $(status m)"
[ "$(status "m['rejected'] >= 110 and m['dropped'] == 1 and m['dsn_too_big'] == 1")" = True ] ||
	fail "counters: $(status m)"

reload() {
	n=$("$CTL" -s "$D/ctl.sock" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["reloads"])')
	conf "$@"
	kill -HUP "$(cat "$D/pid")"
	for _ in $(seq 1 200); do
		m=$("$CTL" -s "$D/ctl.sock" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["reloads"])')
		[ "$m" -gt "$n" ] && return 0
		sleep 0.05
	done
	fail "reload not done"
}
reload "milter_policy = drop"
run drop
reload "milter_policy = tag" "milter_reject_reply = 550 5.1.1 100% suppressed (%r since %d)"
run tag
[ "$(status "m['tagged'] == 1 and m['errors'] == 0 and m['running']")" = True ] ||
	fail "counters: $(status m)"

rejected=$(status "m['rejected']")
dropped=$(status "m['dropped']")
reload "milter_policy = tempfail"
run tempfail
[ "$(status "m['tempfailed'] == 1 and m['rejected'] == $rejected and m['dropped'] == $dropped + 1")" = True ] ||
	fail "tempfail counters: $(status m)"
grep -q 'milter: rcpt=<dead@example.com> policy=tempfail' "$D/reboundd.log" ||
	fail "no tempfail logged: $(grep 'milter: rcpt=' "$D/reboundd.log" | tail -3)"

# recorded ADDR: the DSN's record for ADDR reached the store.
recorded() {
	for _ in $(seq 1 200); do
		[ "$("$CTL" -s "$D/ctl.sock" --json lookup "$1" |
			python3 -c 'import json,sys; print(len(json.load(sys.stdin)["recent"]) > 0)')" = True ] && return 0
		sleep 0.05
	done
	"$CTL" -s "$D/ctl.sock" lookup "$1" >&2
	fail "the DSN for $1 was not recorded"
}
wait_suppressed() { # ADDR
	for _ in $(seq 1 200); do
		[ "$("$CTL" -s "$D/ctl.sock" --json lookup "$1" |
			python3 -c 'import json,sys; print(json.load(sys.stdin)["suppressed"])')" = True ] && return 0
		sleep 0.05
	done
	"$CTL" -s "$D/ctl.sock" lookup "$1" >&2
	fail "the DSN for $1 did not suppress it"
}
# A recipient with a soft failure in the log keeps it when a success
# notice nobody vouches for (no mail to it was logged) comes in.
now=$(date '+%b %e %H:%M:%S')
echo "$now mx1 postfix/smtp[11]: 9F8E7D6C5B: to=<fine@remote.example>, relay=mx.remote.example[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=4.2.2, status=deferred (host mx.remote.example[192.0.2.9] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command))" >> "$D/mail.log"
daemon_caught_up "$D"
retry_failures() {
	"$CTL" -s "$D/ctl.sock" --json lookup fine@remote.example |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["retry"]; print(r["failures"] if r else 0)'
}
[ "$(retry_failures)" = 1 ] || fail "no retry state from the deferral"
reload "milter_dsn_action = discard"
run discard
recorded discard@remote.example
seen=0
for _ in $(seq 1 200); do
	seen=$("$CTL" -s "$D/ctl.sock" --json lookup fine@remote.example |
		python3 -c 'import json,sys; print(sum(r.get("outcome") == "delivered" for r in json.load(sys.stdin)["recent"]))')
	[ "$seen" = 1 ] && break
	sleep 0.05
done
[ "$seen" = 1 ] || fail "the success notice was not recorded: $("$CTL" -s "$D/ctl.sock" lookup fine@remote.example)"
[ "$(retry_failures)" = 1 ] || fail "an unverified success notice reset the retry state"
[ "$(status "m['dsn_discarded'] == 1 and m['dsn_not_bounce'] == 1 and m['dsn_too_big'] == 2")" = True ] ||
	fail "discard counters: $(status m)"
"$CTL" -s "$D/ctl.sock" --json lookup huge@remote.example |
	python3 -c 'import json,sys; sys.exit(len(json.load(sys.stdin)["recent"]))' ||
	fail "a DSN over milter_max_body was recorded"
# The store cannot commit (another process holds the write lock): the
# DSN is delivered, not discarded, and its record lands once the lock
# is gone.  So does that of a DSN after 10,000 refused recipients (the
# bookkeeping of refusals once filled the loop's queue and the DSN's
# records were lost).
db=$(ls "$D/state/"*.db | head -1)
python3 -c 'import os,sqlite3,sys,time; c=sqlite3.connect(sys.argv[1], isolation_level=None); c.execute("BEGIN IMMEDIATE"); open(sys.argv[2], "w").close()
for _ in range(1200):
    if os.path.exists(sys.argv[3]): break
    time.sleep(0.05)
c.execute("ROLLBACK")' "$db" "$T/locked" "$T/unlock" &
locker=$!
for _ in $(seq 1 100); do [ -f "$T/locked" ] && break; sleep 0.05; done
run locked
run crowded
: > "$T/unlock"
wait $locker
recorded locked@remote.example
recorded crowded@remote.example
[ "$(status "m['dsn_discarded'] == 1")" = True ] ||
	fail "a DSN the store could not take was discarded: $(status m)"
reload "milter_dsn_action = quarantine"
run quarantine
recorded held@remote.example
[ "$(status "m['dsn_quarantined'] == 1 and m['dsn_discarded'] == 1 and m['errors'] == 0")" = True ] ||
	fail "quarantine counters: $(status m)"
# A reload with a milter setting the milter cannot take is refused with
# its line, as -t refuses it, and the milter runs on as it was.
failures=$("$CTL" -s "$D/ctl.sock" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["reload_failures"])')
conf "milter_reject_reply = 250 2.0.0 fine"
kill -HUP "$(cat "$D/pid")"
for _ in $(seq 1 200); do
	m=$("$CTL" -s "$D/ctl.sock" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["reload_failures"])')
	[ "$m" -gt "$failures" ] && break
	sleep 0.05
done
[ "$m" -gt "$failures" ] || fail "a bad milter_reject_reply was not refused at reload"
grep -q "reload=refused error=\"$D/rebound.conf:[0-9]*: milter_reject_reply: \\\\\"250 2.0.0 fine\\\\\" does not start" "$D/reboundd.log" ||
	fail "reload refusal: $(grep 'reload=refused' "$D/reboundd.log")"
run quarantine
[ "$(status "m['dsn_quarantined'] == 2 and m['running']")" = True ] || fail "after the refused reload: $(status m)"
# The readable status shows the same counters.
"$CTL" -s "$D/ctl.sock" status > "$T/status"
grep -q "^milter inet:$PORT@127.0.0.1: running, $(status "m['connections']") connections, $(status "m['messages']") messages" "$T/status" &&
grep -q "^milter policy: $(status "m['rejected']") rejected, 1 tempfailed, 1 tagged, $(status "m['dropped']") dropped$" "$T/status" &&
grep -q "^milter dsn: $(status "m['dsn_messages']") messages, $(status "m['dsn_records']") records .* 1 discarded, 2 quarantined, 0 misdated$" "$T/status" &&
grep -q "^milter rcpt latency: p50 [0-9]*us, .* ($(status "m['rcpt_latency']['samples']") samples); 0 queue full, 0 errors$" "$T/status" &&
grep -q "^milter provider other: reject [0-9]*" "$T/status" ||
	fail "readable status: $(cat "$T/status")"

# Signed return paths.  A key file others may read is refused at reload.
batv_tag() { # KEY-NUMBER SECRET DAYS-FROM-TODAY ADDRESS: made apart from reboundd
	python3 - "$@" <<'PY'
import hashlib, hmac, sys, time
k, secret, days, addr = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
kddd = "%s%03d" % (k, (int(time.time()) // 86400 + days) % 1000)
sig = hmac.new(secret.encode(), (kddd + addr).encode(), hashlib.sha1).hexdigest()[:6]
print("prvs=%s%s=%s" % (kddd, sig, addr))
PY
}
printf '# test keys\n4 %s\n7 %s\n' "the signing secret, key four" "an older secret, key seven" > "$T/batv.keys"
chmod 0644 "$T/batv.keys"
failures=$("$CTL" -s "$D/ctl.sock" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["reload_failures"])')
conf "batv_key_file = $T/batv.keys"
kill -HUP "$(cat "$D/pid")"
for _ in $(seq 1 200); do
	grep -q "reload=refused error=\"$D/rebound.conf:[0-9]*: batv_key_file: $T/batv.keys: mode 0644" "$D/reboundd.log" && break
	sleep 0.05
done
grep -q "reload=refused error=\"$D/rebound.conf:[0-9]*: batv_key_file: $T/batv.keys: mode 0644" "$D/reboundd.log" ||
	fail "a key file others may read was not refused: $(grep 'reload=' "$D/reboundd.log" | tail -2)"
chmod 0600 "$T/batv.keys"
reload "batv_key_file = $T/batv.keys" "milter_batv_sign = yes" \
	"verp_pattern = bounces+%l=%d@shop.example"
BATV_VALID=$(batv_tag 7 "an older secret, key seven" 7 news@shop.example)
# The last hex digit of the signature changed.
BATV_FORGED=$(python3 -c 'import sys; a = sys.argv[1]; print(a[:14] + ("1" if a[14] == "0" else "0") + a[15:])' "$BATV_VALID")
BATV_EXPIRED=$(batv_tag 4 "the signing secret, key four" -2 news@shop.example)
BATV_VERP=$(batv_tag 4 "the signing secret, key four" 3 bounces+verp1=remote.example@shop.example)
[ "$BATV_FORGED" != "$BATV_VALID" ] || fail "forging $BATV_VALID"
export BATV_VALID BATV_FORGED BATV_EXPIRED BATV_VERP
# reboundctl agrees with the tags made apart.
"$CTL" batv verify --key-file "$T/batv.keys" "$BATV_VALID" | grep -qx "valid news@shop.example" ||
	fail "reboundctl batv verify $BATV_VALID"
[ "$("$CTL" batv sign --key-file "$T/batv.keys" --max-age 3 bounces+verp1=remote.example@shop.example)" = "$BATV_VERP" ] ||
	fail "reboundctl batv sign disagrees with $BATV_VERP"
# Mail went to these two: the log shows it (other messages than the
# reports name).
now=$(date '+%b %e %H:%M:%S')
cat >> "$D/mail.log" <<LOG
$now mx1 postfix/smtp[11]: 8B8B8B8B8B: to=<batv-valid@remote.example>, relay=mx.remote.example[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=4.2.2, status=deferred (host mx.remote.example[192.0.2.9] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command))
$now mx1 postfix/smtp[11]: 8C8C8C8C8C: to=<batv-sender@remote.example>, relay=mx.remote.example[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=4.2.2, status=deferred (host mx.remote.example[192.0.2.9] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command))
LOG
daemon_caught_up "$D"
run batv
for a in batv-valid batv-sender verp1; do
	wait_suppressed "$a@remote.example"
done
for a in batv-victim batv-forged batv-expired verp-other; do
	recorded "$a@remote.example"
	"$CTL" -s "$D/ctl.sock" --json lookup "$a@remote.example" |
		python3 -c 'import json,sys; o=json.load(sys.stdin); sys.exit(o["suppressed"] or o["recent"][0]["action"] != "none")' ||
		fail "a DSN with no valid tag for $a@remote.example changed the list"
done
[ "$(status "m['dsn_verified_batv'] == 4 and m['dsn_batv_invalid'] == 2 and m['batv_signed'] == 1 and m['errors'] == 0")" = True ] ||
	fail "batv counters: $(status m)"
"$CTL" -s "$D/ctl.sock" status | grep -q "^milter batv: 4 records verified by their tag, 2 DSNs with a tag that did not verify, 1 senders signed$" ||
	fail "readable batv status: $("$CTL" -s "$D/ctl.sock" status | grep batv)"
# A report whose Original-Recipient was mailed from here and whose
# Final-Recipient never was: the match vouches for the one mailed, not
# for the other, which any recipient of mail from here could name.
now=$(date '+%b %e %H:%M:%S')
cat >> "$D/mail.log" <<LOG
$now mx1 postfix/cleanup[12]: 7A7A7A7A7A: message-id=<nl1@shop.example>
$now mx1 postfix/qmgr[10]: 7A7A7A7A7A: from=<news@shop.example>, size=900, nrcpt=1 (queue active)
$now mx1 postfix/smtp[11]: 7A7A7A7A7A: to=<attacker@evil.example>, relay=mx.evil.example[198.51.100.7]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 OK)
LOG
daemon_caught_up "$D"
run forged
recorded attacker@evil.example
"$CTL" -s "$D/ctl.sock" --json lookup victim@innocent.example |
	python3 -c 'import json,sys; o=json.load(sys.stdin); sys.exit(o["suppressed"] or len(o["recent"]) > 0)' ||
	fail "a forged report suppressed or recorded an address never mailed: $("$CTL" -s "$D/ctl.sock" lookup victim@innocent.example)"
# A delay report from a server whose clock is years behind counts as
# arriving now: with its own date, it and one report more made three soft
# failures "spanning" 25 years, and escalated at once.  A delivery through
# the same transport is in the log, so only the span holds it back.
now=$(date '+%b %e %H:%M:%S')
cat >> "$D/mail.log" <<LOG
$now mx1 postfix/cleanup[12]: 5B5B5B5B5B: message-id=<clock1@shop.example>
$now mx1 postfix/qmgr[10]: 5B5B5B5B5B: from=<news@shop.example>, size=900, nrcpt=1 (queue active)
$now mx1 postfix/smtp[11]: 5B5B5B5B5B: to=<clock@remote.example>, relay=mx.remote.example[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=4.2.2, status=deferred (host mx.remote.example[192.0.2.9] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command))
$now mx1 postfix/smtp[11]: 6C6C6C6C6C: to=<someone@remote.example>, relay=mx.remote.example[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 OK)
LOG
daemon_caught_up "$D"
clock_failures() {
	"$CTL" -s "$D/ctl.sock" --json lookup clock@remote.example |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["retry"]; print(r["failures"] if r else 0)'
}
[ "$(clock_failures)" = 1 ] || fail "no retry state from the logged deferral"
run misdated
for _ in $(seq 1 200); do
	[ "$(clock_failures)" = 3 ] && break
	sleep 0.05
done
"$CTL" -s "$D/ctl.sock" --json lookup clock@remote.example |
	python3 -c 'import json,sys,time; o=json.load(sys.stdin); r=o["retry"]
sys.exit(o["suppressed"] or r is None or r["failures"] != 3 or
    min(x["time"] for x in o["recent"]) < time.time() - 3600)' ||
	fail "a report dated 2001 escalated or kept its date: $("$CTL" -s "$D/ctl.sock" lookup clock@remote.example)"
[ "$(status "m['dsn_misdated'] == 1")" = True ] || fail "misdated counter: $(status m)"
"$CTL" -s "$D/ctl.sock" status | grep -q "^milter dsn: .*, 1 misdated$" ||
	fail "readable misdated count: $("$CTL" -s "$D/ctl.sock" status | grep 'milter dsn')"
# A SIGHUP or SIGTERM the kernel hands to a thread other than the loop's
# (it does when the loop thread cannot take it at that moment) goes to no
# thread of libmilter's: it used to stop the milter for good, while the
# daemon ran on.  Sent here to each of those threads in turn.
pid=$(cat "$D/pid")
reloads() { "$CTL" -s "$D/ctl.sock" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["reloads"])'; }
before=$(reloads)
python3 - "$pid" <<'PY' || fail "could not signal the threads"
import ctypes, os, signal, sys
pid = int(sys.argv[1])
libc = ctypes.CDLL(None, use_errno=True)
for tid in os.listdir("/proc/%d/task" % pid):
    if int(tid) != pid:
        for sig in (signal.SIGHUP, signal.SIGTERM):
            libc.tgkill(pid, int(tid), sig)
PY
sleep 1
kill -0 "$pid" || fail "reboundd died of a signal to one of its threads"
run alive
[ "$(status "m['running']")" = True ] || fail "a signal to a milter thread stopped the milter"
# The process-directed ones still reach the loop.
reloaded() { [ "$(reloads)" -gt "$before" ]; }
kill -HUP "$pid"
wait_until 10 reloaded || fail "SIGHUP did not reload after the signals to the milter threads"
pass "miltertest scripts: scope, abort, 1,000 recipients, macros, reuse, body limit, drop, tag, tempfail, DSN discard and quarantine, bad reload refused, readable status, BATV tags verified, forged and expired ones ignored, senders signed, a report vouched for by its original recipient attributed to it, a report from a wrong clock dated at its arrival"
