#!/bin/sh
# daemon_backfill.sh - `reboundctl backfill` reads old log files into a
# running reboundd: a rotated set (one part gzip'd, named relative and out
# of order) gives the counts replay gives for the same lines and the
# suppressions they imply; a second run adds nothing; a line the daemon
# followed live and then meets in a backfill counts once; a peer without
# rights, a second job at once and a missing file are refused or named;
# the followed file keeps its position; the follower and the control
# socket are served while a large file is read; a client that goes away
# stops the job; kill -9 in the middle, a restart and a second run end
# where an uninterrupted run ends; SIGTERM during a job stops the daemon.
. "${top_srcdir:-.}/tests/lib.sh"
. "$S/tests/daemon-lib.sh"
[ -f "$CORPUS/postfix-bounces.log" ] || skip "no shared corpus"
command -v python3 >/dev/null || skip "no python3"
command -v sqlite3 >/dev/null || skip "no sqlite3"
D=$T/d
# History is kept for a year here: the corpus is dated without a year, at
# most a year before the files' modification time.
daemon_config "$D" "control_socket_mode = 0666" "outcome_retention = 400d"
daemon_start "$D"
at_exit "daemon_stop $D"
c() { "$CTL" -s "$D/ctl.sock" "$@"; }
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# Per outcome, from replay's lines or from the daemon's stats rows.
replay_counts() {
	"$CTL" replay --json "$@" | python3 -c '
import json, sys, collections
n = collections.Counter()
for l in sys.stdin:
    o = json.loads(l)["outcome"]
    n[o if o in ("delivered", "deferred", "bounced", "expired", "complaint") else "other"] += 1
print(" ".join("%s=%d" % (k, n[k]) for k in sorted(n) if n[k]))'
}
stats_counts() {
	c --json stats --since 400d | python3 -c '
import json, sys
a = json.load(sys.stdin)
ks = ("bounced", "complaint", "deferred", "delivered", "expired", "other")
print(" ".join("%s=%d" % (k, sum(r[k] for r in a["rows"])) for k in ks
               if sum(r[k] for r in a["rows"])))'
}

# A rotated set of the corpus: oldest part compressed, each dated by its
# file's modification time as replay dates it.
H=$T/hist
mkdir -p "$H"
f=$CORPUS/postfix-bounces.log
total=$(wc -l < "$f")
head -n 100 "$f" | gzip > "$H/mail.log.2.gz"
sed -n '101,200p' "$f" > "$H/mail.log.1"
tail -n +201 "$f" > "$H/mail.log"
want=$(cd "$H" && replay_counts mail.log.2.gz mail.log.1 mail.log)
[ -n "$want" ] || fail "replay gave no outcomes"
outcomes=$(cd "$H" && "$CTL" replay --json mail.log.2.gz mail.log.1 mail.log | wc -l)
# What the log implies: each recipient with an outcome whose action is to
# suppress, once (the domain folded, as address_case_fold = domain does).
supp=$(cd "$H" && "$CTL" replay --json mail.log.2.gz mail.log.1 mail.log | python3 -c '
import json, sys
s = set()
for l in sys.stdin:
    o = json.loads(l)
    if o["action"] == "suppress":
        lp, _, dom = o["recipient"].rpartition("@")
        s.add(lp + "@" + dom.lower())
print(len(s))')
[ "$supp" -gt 0 ] || fail "the corpus implies no suppression"

off0=$(daemon_offset "$D")
# Relative names, newest first: reboundctl makes them absolute and orders them.
(cd "$H" && "$CTL" -s "$D/ctl.sock" --json backfill mail.log mail.log.1 mail.log.2.gz) > "$T/a1" ||
	fail "backfill failed: $(cat "$T/a1")"
[ "$(field files < "$T/a1")" = 3 ] || fail "files: $(cat "$T/a1")"
[ "$(field lines < "$T/a1")" = "$total" ] || fail "lines: $(cat "$T/a1")"
[ "$(field outcomes < "$T/a1")" = "$outcomes" ] || fail "outcomes (replay $outcomes): $(cat "$T/a1")"
[ "$(field new < "$T/a1")" = "$outcomes" ] || fail "new is not outcomes: $(cat "$T/a1")"
grep -q '"errors":\[\]' "$T/a1" || fail "errors: $(cat "$T/a1")"
got=$(stats_counts)
[ "$got" = "$want" ] || fail "stats after backfill: $got; replay: $want"
n=$(c list --limit 0 | sed -n 's/^(\([0-9]*\) shown)$/\1/p')
[ "$n" = "$supp" ] || fail "$n suppressions; the log implies $supp"
[ "$(daemon_offset "$D")" = "$off0" ] || fail "the followed file's position moved"
grep -q "file=$H/mail.log.2.gz" "$D/reboundd.log" || fail "the .gz was not read by the daemon"
# Oldest first: the .gz, then .1, then the current file.
grep -o "backfill: file=$H/[^ ]*" "$D/reboundd.log" | sed "s|.*$H/||" | tr '\n' ' ' > "$T/order"
[ "$(cat "$T/order")" = "mail.log.2.gz mail.log.1 mail.log " ] || fail "read in the order $(cat "$T/order")"

# Again: nothing new, nothing counted twice; the human summary is one line.
c backfill "$H/mail.log" "$H/mail.log.1" "$H/mail.log.2.gz" > "$T/a2" || fail "second backfill failed"
grep -q "^backfill: 3 file(s) read, $total lines, $outcomes outcomes, 0 new" "$T/a2" ||
	fail "second run: $(cat "$T/a2")"
[ "$(wc -l < "$T/a2")" = 1 ] || fail "summary not one line: $(cat "$T/a2")"
[ "$(stats_counts)" = "$want" ] || fail "stats changed by a second run: $(stats_counts)"

# Older than outcome_retention: left out and counted, each time (stored,
# it would be pruned and a second run would count it again).
printf '%s\n' '2020-01-15T10:00:01+00:00 mx1 postfix/smtp[2001]: 3A4B5C6D7E: to=<old@example.org>, relay=mx.example.org[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command))' > "$H/ancient.log"
[ "$("$CTL" replay --json "$H/ancient.log" | wc -l)" = 1 ] || fail "replay does not read the old line"
for run in 1 2; do
	c --json backfill "$H/ancient.log" > "$T/a-old" || fail "backfill of an old file: $(cat "$T/a-old")"
	[ "$(field older < "$T/a-old")" = 1 ] || fail "run $run, older: $(cat "$T/a-old")"
	[ "$(field outcomes < "$T/a-old")" = 0 ] || fail "run $run, outcomes: $(cat "$T/a-old")"
done
[ "$(stats_counts)" = "$want" ] || fail "stats changed by an old line: $(stats_counts)"
c lookup old@example.org | grep -q "not suppressed" || fail "an outcome older than outcome_retention suppressed"

# A line the daemon follows, then the same line in a backfill: once.
now=$(date '+%b %e %H:%M:%S')
echo "$now mx1 postfix/smtp[11]: 9F8E7D6C5B: to=<live1@example.net>, relay=mx.example.net[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.net[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command))" >> "$D/mail.log"
daemon_caught_up "$D"
before=$(c --json stats --since 1d | python3 -c 'import json,sys; print(sum(r["bounced"] for r in json.load(sys.stdin)["rows"]))')
[ "$before" = 1 ] || fail "the live line counted $before times"
c --json backfill "$D/mail.log" > "$T/a3" || fail "backfill of the followed file: $(cat "$T/a3")"
[ "$(field outcomes < "$T/a3")" = 1 ] && [ "$(field new < "$T/a3")" = 0 ] ||
	fail "the live line again: $(cat "$T/a3")"
after=$(c --json stats --since 1d | python3 -c 'import json,sys; print(sum(r["bounced"] for r in json.load(sys.stdin)["rows"]))')
[ "$after" = 1 ] || fail "the live line counted $after times after a backfill"

# A missing file is named with its reason; the others are read.
if c --json backfill "$T/nope.log" "$H/mail.log.1" > "$T/a4" 2> "$T/e4"; then
	fail "a missing file did not fail the command"
fi
python3 - "$T/a4" "$T/nope.log" <<'PY' || fail "missing file: $(cat "$T/a4")"
import json, sys
a = json.load(open(sys.argv[1]))
assert a["ok"] and a["files"] == 1 and a["lines"] == 100, a
assert [e["file"] for e in a["errors"]] == [sys.argv[2]], a
assert "No such file" in a["errors"][0]["error"], a
PY
c backfill "$T/nope.log" "$H" > /dev/null 2> "$T/e5" && fail "exit 0 with a missing file"
grep -q "backfill: $T/nope.log: No such file" "$T/e5" || fail "stderr: $(cat "$T/e5")"
grep -q "backfill: $H: is a directory" "$T/e5" || fail "a directory: $(cat "$T/e5")"
# A .gz cut short is an error for that file; what it held before the cut is read.
head -c 2000 "$H/mail.log.2.gz" > "$T/cut.log.gz"
c --json backfill "$T/cut.log.gz" > "$T/a6" && fail "a cut .gz did not fail"
grep -q "cut short" "$T/a6" || fail "cut .gz: $(cat "$T/a6")"

# A peer without rights may not; paths must be absolute on the socket.
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	if setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" -s "$D/ctl.sock" \
	    backfill "$H/mail.log" 2> "$T/deny"; then
		fail "unprivileged peer ran a backfill"
	fi
	grep -q "permission denied" "$T/deny" || fail "no permission error: $(cat "$T/deny")"
fi
python3 - "$D/ctl.sock" <<'PY' || fail "relative path on the socket accepted"
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1]); s.settimeout(10)
s.sendall(b"backfill mail.log\n")
a = json.loads(s.makefile("rb").readline())
assert a["ok"] is False and "absolute" in a["error"], a
PY

# A large log: the daemon serves the control socket and its follower
# while reading it, refuses a second job, and a client that goes away
# stops the job.
REBOUND_CORPUS=$CORPUS python3 "$S/tests/gen-maillog.py" 150000 3 > "$T/big.log"
biglines=$(wc -l < "$T/big.log")
# The jobs below must still run when the test acts on them, on a machine
# of any speed: ten names for the large file make one job ten times as
# long, and each is stopped (its client gone, SIGTERM) long before.
mkdir -p "$T/long"
for i in 1 2 3 4 5 6 7 8 9 10; do ln -s "$T/big.log" "$T/long/big.log.$i"; done
running() { c --json status | python3 -c 'import json,sys; b=json.load(sys.stdin).get("backfill"); sys.exit(0 if b and b["lines"] > 0 else 1)'; }
"$CTL" -s "$D/ctl.sock" backfill "$T"/long/big.log.* > "$T/big1" 2>&1 &
bpid=$!
wait_until 60 running || fail "no running backfill in status"
echo "$now mx1 postfix/smtp[11]: 0A1B2C3D4E: to=<live2@example.net>, relay=mx.example.net[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.net[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command))" >> "$D/mail.log"
# The follower reads the line while the backfill still runs (one status
# answer says both).
python3 - "$D/ctl.sock" "$(stat -c %s "$D/mail.log")" <<'PY' || fail "the follower was not served during the backfill"
import json, socket, sys, time
for _ in range(600):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1]); s.settimeout(30)
    s.sendall(b"status\n")
    a = json.loads(s.makefile("rb").readline())
    s.close()
    if a["sources"][0]["offset"] == int(sys.argv[2]):
        sys.exit(0 if "backfill" in a else print("caught up after the backfill: make big.log larger") or 1)
    time.sleep(0.05)
sys.exit(1)
PY
c status | grep -q "^backfill running: file [0-9]* of 10 $T/long/big.log.[0-9]*, [0-9]* of $(stat -L -c %s "$T/big.log") bytes read" ||
	fail "status: $(c status | grep backfill)"
c backfill "$H/mail.log" 2> "$T/busy" && fail "a second backfill ran at once"
grep -q "already running" "$T/busy" || fail "second job: $(cat "$T/busy")"
running || fail "the backfill was over before its client was stopped (make big.log larger)"
kill "$bpid"
wait "$bpid" 2>/dev/null
wait_until 10 sh -c "! \"$CTL\" -s \"$D/ctl.sock\" --json status | grep -q '\"backfill\"'" ||
	fail "the job ran on after its client went"
grep -q "backfill: stopped=yes" "$D/reboundd.log" || fail "no word of the stopped job"
c --json backfill "$D/mail.log" > "$T/a7"
[ "$(field new < "$T/a7")" = 0 ] || fail "the live line during a backfill: $(cat "$T/a7")"
# SIGTERM during a backfill: the daemon stops as usual, the job dropped.
"$CTL" -s "$D/ctl.sock" backfill "$T"/long/big.log.* > /dev/null 2> "$T/term" &
bpid=$!
wait_until 60 running || fail "no running backfill to stop"
kill -TERM "$(cat "$D/pid")"
wait_until 10 sh -c "! kill -0 $(cat "$D/pid") 2>/dev/null" || fail "reboundd did not stop during a backfill"
wait "$bpid" && fail "the client of a dropped backfill exited 0"
grep -q "daemon: stopped=yes" "$D/reboundd.log" || fail "no clean stop: $(tail -3 "$D/reboundd.log")"
rm -f "$D/pid"

# kill -9 in the middle of a backfill, restart, run again: the state of
# an uninterrupted run.
E=$T/e F=$T/f
daemon_config "$E"
daemon_config "$F"
daemon_start "$F"
at_exit "daemon_stop $F"
"$CTL" -s "$F/ctl.sock" --json backfill "$T/big.log" > "$T/f1" || fail "uninterrupted run: $(cat "$T/f1")"
[ "$(field lines < "$T/f1")" = "$biglines" ] || fail "lines: $(cat "$T/f1")"
daemon_stop "$F"
daemon_start "$E"
at_exit "daemon_stop $E"
"$CTL" -s "$E/ctl.sock" backfill "$T/big.log" > /dev/null 2>&1 &
bpid=$!
D=$E
wait_until 60 running || fail "no running backfill to kill"
kill -9 "$(cat "$E/pid")"
wait "$bpid" 2>/dev/null
rm -f "$E/pid"
daemon_start "$E"
part=$(c --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["store"]["outcomes"])')
full=$(field new < "$T/f1")
[ "$part" -gt 0 ] && [ "$part" -lt "$full" ] || fail "killed after the job was over ($part of $full outcomes)"
c --json backfill "$T/big.log" > "$T/e2" || fail "run after the kill: $(cat "$T/e2")"
[ "$(($(field new < "$T/e2") + part))" = "$full" ] || fail "after the kill: $part + $(cat "$T/e2") != $full"
daemon_stop "$E"
daemon_dump "$E" > "$T/e.dump"
daemon_dump "$F" > "$T/f.dump"
cmp -s "$T/e.dump" "$T/f.dump" || fail "killed and run again differs from one run: $(diff "$T/e.dump" "$T/f.dump" | head -5)"
pass "$outcomes outcomes and $supp suppressions from a rotated set as replay counts them, none twice; $biglines lines after kill -9 as in one run"
