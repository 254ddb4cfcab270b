#!/bin/sh
# daemon_reload.sh - a SIGHUP keeps the queue correlation of the sources
# it does not change: a recipient deferred before the reload, whose lines
# are far outside resume_window by then, still expires with its sender
# and message-id after it, also when the reload changes how the source is
# read (poll and commit intervals).
. "${top_srcdir:-.}/tests/lib.sh"
. "$S/tests/daemon-lib.sh"
command -v sqlite3 >/dev/null || skip "no sqlite3"
command -v python3 >/dev/null || skip "no python3"
D=$T/d
daemon_config "$D" "resume_window = 1k"
daemon_start "$D"
at_exit "daemon_stop $D"
pid=$(cat "$D/pid")
c() { "$CTL" -s "$D/ctl.sock" "$@"; }
now=$(date '+%b %e %H:%M:%S')
cat >> "$D/mail.log" <<LOG
$now mx1 postfix/cleanup[12]: 5A5A5A5A5A: message-id=<kept@shop.example>
$now mx1 postfix/qmgr[10]: 5A5A5A5A5A: from=<news@shop.example>, size=900, nrcpt=1 (queue active)
$now mx1 postfix/smtp[14]: 5A5A5A5A5A: to=<bob@slow.example>, relay=none, delay=5, delays=0/0/5/0, dsn=4.4.1, status=deferred (connect to mx.slow.example[192.0.2.9]:25: Connection refused)
$now mx1 postfix/cleanup[12]: 8D8D8D8D8D: message-id=<second@shop.example>
$now mx1 postfix/qmgr[10]: 8D8D8D8D8D: from=<offers@shop.example>, size=900, nrcpt=1 (queue active)
$now mx1 postfix/smtp[14]: 8D8D8D8D8D: to=<carol@slow.example>, relay=none, delay=5, delays=0/0/5/0, dsn=4.4.1, status=deferred (connect to mx.slow.example[192.0.2.9]:25: Connection refused)
LOG
# Far more than resume_window of other mail.
python3 - "$now" >> "$D/mail.log" <<'PY'
import sys
for i in range(200):
    print("%s mx1 postfix/qmgr[10]: %010X: from=<a@b.example>, size=1, nrcpt=1 (queue active)" % (sys.argv[1], 0x300000 + i))
PY
daemon_caught_up "$D"

reloads() { c --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["reloads"])'; }
reload() {
	want=$(( $(reloads) + 1 ))
	kill -HUP "$pid"
	wait_until 20 sh -c "[ \"\$($CTL -s $D/ctl.sock --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"reloads\"])')\" = $want ]" ||
		fail "reload not applied: $(tail -3 "$D/reboundd.log")"
}
echo "escalation_failures = 5" >> "$D/rebound.conf"
reload

echo "$now mx1 postfix/qmgr[10]: 5A5A5A5A5A: from=<news@shop.example>, status=expired, returned to sender" >> "$D/mail.log"
daemon_caught_up "$D"
got=$(sqlite3 "$D/state/rebound.db" "SELECT outcome, sender, message_id FROM outcomes WHERE recipient = 'bob@slow.example' ORDER BY outcome")
want="deferred|news@shop.example|kept@shop.example
expired|news@shop.example|kept@shop.example"
[ "$got" = "$want" ] || fail "outcomes after the reload:
$got
want:
$want"
grep -q "source: file=$D/mail.log kept=yes" "$D/reboundd.log" ||
	fail "unchanged source not kept: $(tail -5 "$D/reboundd.log")"

# Changed reading options are taken over by the running source: its
# queue correlation stays (a restart kept only what resume_window holds).
echo "poll_interval = 200ms" >> "$D/rebound.conf"
sed -i -e '/^poll_interval = 100ms$/d' \
	-e 's/^commit_interval = 50ms$/commit_interval = 20ms/' "$D/rebound.conf"
grep -q "^commit_interval = 20ms" "$D/rebound.conf" || fail "commit_interval not changed"
reload
[ "$(grep -c "source: file=$D/mail.log kept=yes" "$D/reboundd.log")" = 2 ] ||
	fail "source with new reading options not kept: $(tail -5 "$D/reboundd.log")"
echo "$now mx1 postfix/qmgr[10]: 8D8D8D8D8D: from=<offers@shop.example>, status=expired, returned to sender" >> "$D/mail.log"
daemon_caught_up "$D"
got=$(sqlite3 "$D/state/rebound.db" "SELECT sender, message_id FROM outcomes WHERE recipient = 'carol@slow.example' AND outcome = 'expired'")
[ "$got" = "offers@shop.example|second@shop.example" ] ||
	fail "expired after a reload with new reading options: '$got'"
echo "$now mx1 postfix/smtp[14]: 6B6B6B6B6B: to=<after@example.org>, relay=mx.example.org[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 OK)" >> "$D/mail.log"
daemon_caught_up "$D"
[ "$(sqlite3 "$D/state/rebound.db" "SELECT count(*) FROM outcomes WHERE recipient = 'after@example.org'")" = 1 ] ||
	fail "restarted source does not follow the log"
# refused_reload WHAT RCPT QID LINE...: the LINEs appended make a reload
# that is refused whole, naming WHAT; with the good file back, the
# sources still run: a line for RCPT is stored.
refused_reload() {
	what=$1 rcpt=$2 qid=$3; shift 3
	for l in "$@"; do echo "$l" >> "$D/rebound.conf"; done
	kill -HUP "$pid"
	wait_until 20 grep -q "reload=refused.*$what" "$D/reboundd.log" ||
		fail "bad $what not refused: $(tail -3 "$D/reboundd.log")"
	cp "$T/good.conf" "$D/rebound.conf"
	echo "$now mx1 postfix/smtp[14]: $qid: to=<$rcpt>, relay=mx.example.org[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 OK)" >> "$D/mail.log"
	daemon_caught_up "$D"
	[ "$(sqlite3 "$D/state/rebound.db" "SELECT count(*) FROM outcomes WHERE recipient = '$rcpt'")" = 1 ] ||
		fail "sources stopped by a reload refused for $what"
}
cp "$D/rebound.conf" "$T/good.conf"
# A bad journal_match is refused whole: the sources keep running.
refused_reload journal_match refused@example.org 7C7C7C7C7C \
	"journal_match = SYSLOG_FACILITY"
# So is a journal directory that cannot be read: before, the reload was
# done, the journal could not be opened, and nothing was read any more.
refused_reload journal_directory nojournal@example.org 7D7D7D7D7D \
	"journal = yes" "journal_directory = $T/no-such-journal"
# Keys a reload cannot apply are named, not passed over.
cp "$T/good.conf" "$D/rebound.conf"
echo "watchdog = no" >> "$D/rebound.conf"
echo "database_wal = no" >> "$D/rebound.conf"
kill -HUP "$pid"
wait_until 20 grep -q "config: changes to database_wal, watchdog take effect at restart" "$D/reboundd.log" ||
	fail "restart-only keys not named: $(tail -3 "$D/reboundd.log")"
cp "$T/good.conf" "$D/rebound.conf"
# A BATV setting is checked with no milter running, as -t checks it:
# before, the reload was done, and the daemon's next start refused it.
refused_reload milter_batv_sign nobatv@example.org 7E7E7E7E7E \
	"milter_batv_sign = yes"
# The reason inside error="..." has its own quotes escaped.
echo "bogus = 1" >> "$D/rebound.conf"
kill -HUP "$pid"
wait_until 20 grep -q "reload=refused.*bogus" "$D/reboundd.log" ||
	fail "unknown key not refused: $(tail -3 "$D/reboundd.log")"
grep -qF 'reload=refused error="'"$D"'/rebound.conf:' "$D/reboundd.log" &&
grep -qF ': unknown key \"bogus\"" (keeping the running configuration)' "$D/reboundd.log" ||
	fail "refusal not quoted: $(grep bogus "$D/reboundd.log")"
cp "$T/good.conf" "$D/rebound.conf"
# A burst of SIGHUPs (a careless script) is one reload, or two, not one
# each: every reload holds the event loop about a second.
# (Spread out: those that arrive during a reload were each one more.)
n0=$(reloads)
for _ in $(seq 1 20); do kill -HUP "$pid"; sleep 0.1; done
sleep 3
n1=$(reloads)
[ "$n1" -gt "$n0" ] && [ "$((n1 - n0))" -le 6 ] ||
	fail "20 SIGHUPs made $((n1 - n0)) reloads"
# SIGHUPs while the daemon starts (the store loads for a while with many
# suppressions) are a reload once the loop runs, never its end: at their
# default action they killed it.
daemon_stop "$D"
sqlite3 "$D/state/rebound.db" "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 300000)
	INSERT INTO suppressions(address, reason, category, source, created)
	SELECT 'bulk' || i || '@example.net', 'x', 'policy', 'manual', 1800000000 FROM c;" ||
	fail "cannot fill the suppressions"
"$B/reboundd" -f -c "$D/rebound.conf" >>"$D/reboundd.log" 2>&1 &
pid=$!
echo "$pid" > "$D/pid"
sleep 0.3
sent=0
while ! "$CTL" -s "$D/ctl.sock" status >/dev/null 2>&1; do
	kill -HUP "$pid" 2>/dev/null || break
	sent=$((sent + 1))
	sleep 0.05
done
[ "$sent" -gt 0 ] || fail "the daemon was up before a SIGHUP was sent"
kill -0 "$pid" 2>/dev/null || fail "$sent SIGHUPs while starting ended reboundd"
reloaded() { [ "$(reloads)" -gt 0 ]; }
wait_until 10 reloaded || fail "the SIGHUPs while starting made no reload"
pass "reload keeps queue correlation"
