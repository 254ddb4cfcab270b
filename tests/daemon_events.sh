#!/bin/sh
# daemon_events.sh - "reboundctl events --follow" tells of each outcome
# once, as the store counts it: a bounce logged again (a second reporter, a
# replayed file, a re-read after a restart) is no new event.
. "${top_srcdir:-.}/tests/lib.sh"
. "$S/tests/daemon-lib.sh"
D=$T/d
daemon_config "$D"
daemon_start "$D"
at_exit "daemon_stop $D"
c() { "$CTL" -s "$D/ctl.sock" "$@"; }

c events --json --follow > "$T/follow" &
follow_pid=$!
at_exit "kill $follow_pid 2>/dev/null || :"
wait_until 10 grep -q following "$T/follow" || fail "events --json --follow: $(cat "$T/follow")"

now=$(date '+%b %e %H:%M:%S')
bounce="$now mx1 postfix/smtp[11]: 3C4D5E6F7A: to=<twice@example.com>, relay=mx.example.com[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.1] said: 550 5.1.1 <twice@example.com>: Recipient address rejected: User unknown (in reply to RCPT TO command))"
echo "$bounce" >> "$D/mail.log"
daemon_caught_up "$D"
# The same outcome again, in a later batch, then one that is new: once the
# new one is heard of, the repeat has been through the store too.
echo "$bounce" >> "$D/mail.log"
daemon_caught_up "$D"
echo "$now mx1 postfix/smtp[11]: 4D5E6F7A8B: to=<marker@example.com>, relay=mx.example.com[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 OK)" >> "$D/mail.log"
wait_until 10 grep -q marker@example.com "$T/follow" ||
	fail "events --json --follow stopped: $(cat "$T/follow")"
n=$(grep -c twice@example.com "$T/follow")
[ "$n" = 1 ] || fail "one bounce published $n times: $(cat "$T/follow")"
if command -v sqlite3 >/dev/null; then
	[ "$(sqlite3 "$D/state/rebound.db" "SELECT count(*) FROM outcomes WHERE recipient = 'twice@example.com'")" = 1 ] ||
		fail "the bounce was not stored once"
fi
kill "$follow_pid"
pass "each outcome published once"
