#!/bin/sh
# log_journal.sh - reboundd reads the systemd journal through sd-journal:
# journal files written by systemd-journal-remote from a Postfix log (the
# mail facility, as journald stores it), read live as they grow, entries
# of other facilities ignored, and the saved cursor resumed exactly: killed
# with SIGKILL between writes and restarted, it ends with the same store as
# a run that was never interrupted, holding every outcome of the log; the
# entry at the saved cursor is re-read for queue correlation after a clean
# restart, so a deferral read last still expires.  A journal_match that
# passes nothing, mended, does not read the history.  Journal files damaged
# mid-way or cut short are named in the log, and the rest still read.
. "${top_srcdir:-.}/tests/lib.sh"
. "$S/tests/daemon-lib.sh"
JR=/lib/systemd/systemd-journal-remote
[ -x "$JR" ] || skip "no systemd-journal-remote"
command -v sqlite3 >/dev/null || skip "no sqlite3"
command -v python3 >/dev/null || skip "no python3"
"$B/reboundd" -n 2>/dev/null | grep -q '^journal_directory' || skip "built without libsystemd"
export REBOUND_CORPUS="$CORPUS"
python3 "$S/tests/gen-maillog.py" 600 11 > "$T/all.log"
mkdir -p "$T/export"
python3 "$S/tests/journal-export.py" "$T/all.log" "$T/export" 8 >/dev/null
want=$("$CTL" replay --json "$T/all.log" | wc -l)
[ "$want" -gt 500 ] || fail "the generated log has too few outcomes ($want)"
# Noise of another facility, which the default match leaves out.
printf '__REALTIME_TIMESTAMP=1764064800000000\n_HOSTNAME=mx1\nSYSLOG_IDENTIFIER=kernel\nSYSLOG_FACILITY=0\nMESSAGE=ABC123: to=<noise@example.org>, relay=x[192.0.2.1]:25, dsn=5.1.1, status=bounced (550 5.1.1 unknown)\n\n' > "$T/noise.export"

journal_config() {
	daemon_config "$1" "journal = yes" "journal_directory = $1/journal"
	mkdir -p "$1/journal"
}
journal_write() {
	"$JR" --output="$1/journal/remote.journal" "$2" 2>/dev/null ||
		fail "systemd-journal-remote could not write $2"
}
count_export() {
	python3 - "$1" <<'PY'
import sys
print(sum(1 for l in open(sys.argv[1]) if l.startswith("MESSAGE=") and "status=" in l and " to=<" in l))
PY
}
stored() { sqlite3 "$1/state/rebound.db" 'SELECT count(*) FROM outcomes'; }
wait_stored() {
	for _ in $(seq 1 1200); do
		[ "$(stored "$1")" = "$2" ] && return 0
		sleep 0.05
	done
	fail "$3: $(stored "$1") outcomes stored, want $2"
}

# Uninterrupted: started on an empty journal, which then grows.
journal_config "$T/clean"
daemon_start "$T/clean"
journal_write "$T/clean" "$T/noise.export"
for c in 0 1 2 3 4 5 6 7; do journal_write "$T/clean" "$T/export/$c.export"; done
wait_stored "$T/clean" "$want" "uninterrupted run"
"$CTL" -s "$T/clean/ctl.sock" --json status | grep -q '"cursor": *"s=' ||
	fail "status shows no journal cursor"
# The readable form names the journal and its cursor, not a file "-".
"$CTL" -s "$T/clean/ctl.sock" status | grep -q "^source journal .* cursor s=" ||
	fail "status does not show the journal: $("$CTL" -s "$T/clean/ctl.sock" status)"
daemon_stop "$T/clean"
[ "$(sqlite3 "$T/clean/state/rebound.db" "SELECT count(*) FROM outcomes WHERE recipient LIKE 'noise@%'")" = 0 ] ||
	fail "an entry of another facility was read"
daemon_dump "$T/clean" > "$T/clean.dump"

# Killed after each write (and once before the first), restarted each time.
journal_config "$T/crash"
daemon_start "$T/crash"
kill -9 "$(cat "$T/crash/pid")"; wait "$(cat "$T/crash/pid")" 2>/dev/null
journal_write "$T/crash" "$T/noise.export"
for c in 0 1 2 3 4 5 6 7; do
	journal_write "$T/crash" "$T/export/$c.export"
	daemon_start "$T/crash"
	sleep "0.$(( $(od -An -N1 -tu1 /dev/urandom) % 5 ))"
	kill -9 "$(cat "$T/crash/pid")"; wait "$(cat "$T/crash/pid")" 2>/dev/null
done
daemon_start "$T/crash"
wait_stored "$T/crash" "$want" "after 9 kills"
sleep 0.5
daemon_stop "$T/crash"
daemon_dump "$T/crash" > "$T/crash.dump"
cmp -s "$T/clean.dump" "$T/crash.dump" || {
	diff "$T/clean.dump" "$T/crash.dump" | head -20
	fail "the store after 9 kills differs from an uninterrupted run"
}

# A journal with history: following starts after its newest entry.
journal_config "$T/late"
journal_write "$T/late" "$T/export/0.export"
daemon_start "$T/late"
sleep 0.5
[ "$(stored "$T/late")" = 0 ] || fail "history before the first start was read"
journal_write "$T/late" "$T/export/1.export"
n1=$(python3 - "$T/export/1.export" <<'PY'
import sys
print(sum(1 for l in open(sys.argv[1]) if l.startswith("MESSAGE=") and "status=" in l and " to=<" in l))
PY
)
wait_stored "$T/late" "$n1" "entries written after start"
daemon_stop "$T/late"
# A journal_match that no entry passes (a typo: the identifiers are
# postfix/smtp and the like) reads nothing, and the journal's history is
# still history: once the match is mended, what was written from the
# first start on is read, not what was there before it.
journal_config "$T/nomatch"
echo "journal_match = SYSLOG_IDENTIFIER=postfix" >> "$T/nomatch/rebound.conf"
journal_write "$T/nomatch" "$T/export/0.export"
daemon_start "$T/nomatch"
journal_write "$T/nomatch" "$T/export/1.export"
sleep 0.5
[ "$(stored "$T/nomatch")" = 0 ] || fail "entries that do not pass journal_match were read"
daemon_stop "$T/nomatch"
sed -i '/^journal_match/d' "$T/nomatch/rebound.conf"
daemon_start "$T/nomatch"
journal_write "$T/nomatch" "$T/export/2.export"
n2=$(count_export "$T/export/2.export")
wait_stored "$T/nomatch" $((n1 + n2)) "after the match was mended"
daemon_stop "$T/nomatch"
[ "$(stored "$T/nomatch")" = $((n1 + n2)) ] ||
	fail "history from before the first start was read once the match was mended"
# The same when the newest entry of all is in a file of another sequence
# than the history (journal-remote keeps one per host): the saved entry
# does not pass the mended match either, and it was taken for a journal
# replaced, the history read "from its start".
journal_config "$T/nomatch2"
echo "journal_match = SYSLOG_IDENTIFIER=postfix" >> "$T/nomatch2/rebound.conf"
journal_write "$T/nomatch2" "$T/export/0.export"
last0=$(sed -n 's/^__REALTIME_TIMESTAMP=//p' "$T/export/0.export" | tail -n 1)
sed "s/^__REALTIME_TIMESTAMP=.*/__REALTIME_TIMESTAMP=$((last0 + 1))/" \
	"$T/noise.export" > "$T/other.export"
"$JR" --output="$T/nomatch2/journal/other.journal" "$T/other.export" \
	2>/dev/null || fail "systemd-journal-remote could not write other.journal"
daemon_start "$T/nomatch2"
daemon_stop "$T/nomatch2"
sed -i '/^journal_match/d' "$T/nomatch2/rebound.conf"
daemon_start "$T/nomatch2"
journal_write "$T/nomatch2" "$T/export/2.export"
wait_stored "$T/nomatch2" "$n2" "after the match was mended, two sequences"
daemon_stop "$T/nomatch2"
[ "$(stored "$T/nomatch2")" = "$n2" ] ||
	fail "history of another sequence was read once the match was mended"
! grep -q "cursor=saved found=no" "$T/nomatch2/reboundd.log" ||
	fail "a saved entry that does not pass the match was taken for a lost one"

# The last committed entry counts for correlation after a restart: a
# deferral that was the last entry read before a clean stop still expires
# when qmgr gives up on its message after the restart.
journal_config "$T/defer"
daemon_start "$T/defer"
usec=$(( $(date +%s) * 1000000 ))
entry() {
	usec=$((usec + 1000))
	printf '__REALTIME_TIMESTAMP=%d\n_HOSTNAME=mx1\nSYSLOG_IDENTIFIER=%s\nSYSLOG_FACILITY=2\n_PID=9\nMESSAGE=%s\n\n' \
		"$usec" "$1" "$2"
}
{
	entry postfix/qmgr '4F2A81C0D3: from=<sender@example.com>, size=1234, nrcpt=1 (queue active)'
	entry postfix/smtp '4F2A81C0D3: to=<late@example.org>, relay=mx.example.org[192.0.2.1]:25, delay=5, delays=0/0/0/5, dsn=4.2.0, status=deferred (host mx.example.org[192.0.2.1] said: 450 4.2.0 Mailbox busy, try later (in reply to RCPT TO command))'
} > "$T/defer1.export"
entry postfix/qmgr '4F2A81C0D3: from=<sender@example.com>, status=expired, returned to sender' > "$T/defer2.export"
journal_write "$T/defer" "$T/defer1.export"
wait_stored "$T/defer" 1 "the deferral"
daemon_stop "$T/defer"
journal_write "$T/defer" "$T/defer2.export"
daemon_start "$T/defer"
wait_stored "$T/defer" 2 "the expiry of a deferral read before the restart"
daemon_stop "$T/defer"
[ "$(sqlite3 "$T/defer/state/rebound.db" "SELECT count(*) FROM outcomes WHERE recipient = 'late@example.org' AND outcome = 'expired'")" = 1 ] ||
	fail "the deferral read before the restart did not expire"

# The journal directory removed and made again (a restore, a cleanup):
# sd-journal's watch died with it, and nothing more was read, without a
# word.  It is noticed at the poll and opened again; the new journal's
# entries are read.  Then a saved cursor that is no cursor (a damaged
# database) does not keep the daemon from starting: it says so and
# follows from the newest entry.
n0=$(count_export "$T/export/0.export")
journal_config "$T/moved"
daemon_start "$T/moved"
journal_write "$T/moved" "$T/export/0.export"
wait_stored "$T/moved" "$n0" "before the directory was replaced"
rm -rf "$T/moved/journal"
mkdir "$T/moved/journal"
journal_write "$T/moved" "$T/export/1.export"
wait_stored "$T/moved" $((n0 + n1)) "after the directory was replaced"
grep -q "journal: directory=$T/moved/journal replaced=yes" "$T/moved/reboundd.log" ||
	fail "the replaced directory was not logged: $(grep journal: "$T/moved/reboundd.log")"
daemon_stop "$T/moved"
sqlite3 "$T/moved/state/rebound.db" "UPDATE positions SET cursor = 'not;a=cursor' WHERE source_id = 'journal'"
daemon_start "$T/moved"
grep -q 'journal: cursor=saved error="not a cursor"' "$T/moved/reboundd.log" ||
	fail "a damaged cursor was not reported: $(grep journal: "$T/moved/reboundd.log")"
daemon_stop "$T/moved"

# A journal file the daemon may not read (journal-remote writes them
# 0640) is named in the log, also when it appears while running:
# sd-journal passes over it without a word.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	journal_config "$T/perm"
	chown -R nobody "$T/perm"
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$B/reboundd" -f \
		-c "$T/perm/rebound.conf" >> "$T/perm/reboundd.log" 2>&1 &
	echo $! > "$T/perm/pid"
	at_exit "kill $! 2>/dev/null || :"
	wait_until 30 "$CTL" -s "$T/perm/ctl.sock" status >/dev/null 2>&1 ||
		fail "reboundd as nobody did not start: $(cat "$T/perm/reboundd.log")"
	(umask 027 && journal_write "$T/perm" "$T/export/0.export")
	[ -z "$(find "$T/perm/journal" -name '*.journal' -perm -004)" ] ||
		fail "journal-remote wrote a file others may read"
	wait_until 30 grep -q "journal: file=$T/perm/journal/remote.journal error=\"Permission denied\" (its entries are not read)" "$T/perm/reboundd.log" ||
		fail "an unreadable journal file was not named: $(grep journal: "$T/perm/reboundd.log")"
	daemon_stop "$T/perm"
fi

# A journal file damaged mid-way, and one cut short (a full disk, a
# copy): sd-journal stops reading the first at the damage and passes
# over the second, without a word to the daemon.  Both are named in the
# log, and every entry sd-journal can still read, in them and in the
# other files, is read: as many outcomes as journalctl finds.
journal_config "$T/damaged"
daemon_start "$T/damaged"
mkdir "$T/damaged/new"
for f in good:2 bad:3 short:4; do
	"$JR" --output="$T/damaged/new/${f%:*}.journal" "$T/export/${f#*:}.export" 2>/dev/null ||
		fail "systemd-journal-remote could not write ${f#*:}.export"
done
python3 - "$T/damaged/new/bad.journal" "$T/damaged/new/short.journal" <<'PY'
import sys
def middle(path):
    b = open(path, "rb").read()
    at, i = [], b.find(b"MESSAGE=")
    while i >= 0:
        at.append(i)
        i = b.find(b"MESSAGE=", i + 1)
    return at[len(at) // 2]
bad, short = sys.argv[1:3]
# Objects overwritten mid-file (entries, their index, their data).
at = middle(bad) - 3000
with open(bad, "r+b") as f:
    f.seek(at - at % 8)
    f.write(b"\xff" * 3000)
with open(short, "r+b") as f:
    f.truncate(middle(short))
PY
# Older first: entries dated before the newest read are passed over.
for f in good bad short; do mv "$T/damaged/new/$f.journal" "$T/damaged/journal/"; done
wait_until 30 grep -q "journal: file=$T/damaged/journal/bad.journal error=\"damaged: " "$T/damaged/reboundd.log" ||
	fail "a file damaged mid-way was not named: $(grep journal: "$T/damaged/reboundd.log")"
wait_until 30 grep -q "journal: file=$T/damaged/journal/short.journal error=\"cannot be opened as a journal: " "$T/damaged/reboundd.log" ||
	fail "a file cut short was not named: $(grep journal: "$T/damaged/reboundd.log")"
journalctl -D "$T/damaged/journal" SYSLOG_FACILITY=2 -o short-iso-precise > "$T/damaged/readable.log" 2>/dev/null
nd=$("$CTL" replay --json "$T/damaged/readable.log" | wc -l)
[ "$nd" -gt "$(count_export "$T/export/2.export")" ] ||
	fail "journalctl reads nothing of the damaged file ($nd outcomes)"
wait_stored "$T/damaged" "$nd" "the entries left readable"
[ "$(grep -c 'journal: file=.*bad.journal' "$T/damaged/reboundd.log")" = 1 ] ||
	fail "the damaged file was named more than once: $(grep journal: "$T/damaged/reboundd.log")"
daemon_stop "$T/damaged"

# Between a write and the read that commit_interval puts off, the loop
# waits: sd-journal's wake-up descriptor is drained at once, not left
# readable (it spun the loop at a core's worth of CPU for the whole delay).
journal_config "$T/idle"
sed -i 's/^commit_interval = .*/commit_interval = 5s/' "$T/idle/rebound.conf"
daemon_start "$T/idle"
cpu() { awk '{print $14 + $15}' "/proc/$(cat "$1/pid")/stat"; }
journal_write "$T/idle" "$T/defer1.export"
sleep 0.2
c0=$(cpu "$T/idle")
sleep 2
c1=$(cpu "$T/idle")
[ $((c1 - c0)) -lt 40 ] ||
	fail "$((c1 - c0)) ticks of CPU in 2 s while a read waited for commit_interval"
wait_stored "$T/idle" 1 "the entry read after commit_interval"
daemon_stop "$T/idle"

pass "$want outcomes from the journal; 9 kills identical to an uninterrupted run; a deferral expires across a restart; history not read once a match that passed nothing is mended; a replaced directory opened again; a damaged cursor reported; an unreadable file named; damaged and truncated files named, the rest read; no busy loop while a read waits"
