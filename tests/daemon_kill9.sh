#!/bin/sh
# daemon_kill9.sh - reboundd ingests a Postfix log that grows while it is
# killed with SIGKILL at 20 random moments and restarted each time; the
# final store equals that of a single clean run: the same outcomes,
# counters, suppressions and retry state, nothing lost, nothing twice.
. "${top_srcdir:-.}/tests/lib.sh"
. "$S/tests/daemon-lib.sh"
command -v sqlite3 >/dev/null || skip "no sqlite3"
command -v python3 >/dev/null || skip "no python3"
export REBOUND_CORPUS="$CORPUS"
python3 "$S/tests/gen-maillog.py" 1500 7 > "$T/all.log"
lines=$(wc -l < "$T/all.log")

# The reference: one clean run over the whole log.
daemon_config "$T/clean"
daemon_start "$T/clean"
cat "$T/all.log" >> "$T/clean/mail.log"
daemon_caught_up "$T/clean"
daemon_stop "$T/clean"
daemon_dump "$T/clean" > "$T/clean.dump"
[ "$(sqlite3 "$T/clean/state/rebound.db" 'SELECT count(*) FROM outcomes')" -gt 2000 ] ||
	fail "the clean run stored too few outcomes"

# Killed before its first batch: where it began following is kept, so what
# is written while it is down is read after the restart, not skipped.
daemon_config "$T/early"
daemon_start "$T/early"
kill -9 "$(cat "$T/early/pid")"
wait "$(cat "$T/early/pid")" 2>/dev/null
head -n 300 "$T/all.log" > "$T/early.log"
cat "$T/early.log" >> "$T/early/mail.log"
daemon_start "$T/early"
daemon_caught_up "$T/early"
daemon_stop "$T/early"
want=$("$CTL" replay --json "$T/early.log" | wc -l)
got=$(sqlite3 "$T/early/state/rebound.db" 'SELECT count(*) FROM outcomes')
[ "$want" -gt 0 ] && [ "$got" = "$want" ] ||
	fail "after a kill before the first batch: $got outcomes stored, $want in the log"

# The same log, written in pieces while the daemon is killed again and again.
daemon_config "$T/crash"
daemon_start "$T/crash"
i=0
written=0
kills=0
while [ "$written" -lt "$lines" ]; do
	chunk=$(( ($(od -An -N2 -tu2 /dev/urandom) % 700) + 50 ))
	sed -n "$((written + 1)),$((written + chunk))p" "$T/all.log" >> "$T/crash/mail.log"
	written=$((written + chunk))
	# let it work a random while, then kill it hard
	sleep "0.$(( $(od -An -N1 -tu1 /dev/urandom) % 3 ))$(( $(od -An -N1 -tu1 /dev/urandom) % 10 ))"
	if [ "$kills" -lt 20 ]; then
		kill -9 "$(cat "$T/crash/pid")"
		wait "$(cat "$T/crash/pid")" 2>/dev/null
		kills=$((kills + 1))
		daemon_start "$T/crash"
	fi
done
while [ "$kills" -lt 20 ]; do
	sleep 0.1
	kill -9 "$(cat "$T/crash/pid")"
	wait "$(cat "$T/crash/pid")" 2>/dev/null
	kills=$((kills + 1))
	daemon_start "$T/crash"
done
daemon_caught_up "$T/crash"
daemon_stop "$T/crash"
daemon_dump "$T/crash" > "$T/crash.dump"
cmp -s "$T/clean.dump" "$T/crash.dump" || {
	diff "$T/clean.dump" "$T/crash.dump" | head -20
	fail "the store after $kills kills differs from a clean run"
}
pass "$kills kills, $(sqlite3 "$T/crash/state/rebound.db" 'SELECT count(*) FROM outcomes') outcomes, identical to a clean run"
