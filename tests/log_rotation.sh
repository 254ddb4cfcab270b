#!/bin/sh
# log_rotation.sh - the live follower loses nothing and duplicates nothing
# through rename rotation, copytruncate (also when the file has grown back
# to the old offset, or past it, by the time it is read), a rotation while reboundd is not
# running (it finishes the rotated file from its saved position), a
# line split across a rotation, and lines written to the old file after
# the rename (syslog until its reopen signal), also across a kill -9.
# Every delivery line has its own queue ID, so the store must end with
# exactly one outcome per line written.
. "${top_srcdir:-.}/tests/lib.sh"
. "$S/tests/daemon-lib.sh"
command -v sqlite3 >/dev/null || skip "no sqlite3"
D=$T/d
daemon_config "$D"
n=0
# emit COUNT delivery lines, each with a new queue ID, onto stdout
lines() {
	i=0
	while [ "$i" -lt "$1" ]; do
		n=$((n + 1)); i=$((i + 1))
		printf '%s mx1 postfix/smtp[9]: %010X: to=<u%d@example.org>, relay=mx.example.org[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 OK)\n' \
			"$(date '+%b %e %H:%M:%S')" "$n" "$n"
	done
}
stored() { sqlite3 "$D/state/rebound.db" 'SELECT count(*) FROM outcomes'; }
wait_stored() {
	for _ in $(seq 1 600); do
		[ "$(stored)" = "$1" ] && return 0
		sleep 0.05
	done
	fail "$2: $(stored) outcomes stored, want $1"
}

daemon_start "$D"
lines 50 >> "$D/mail.log"
wait_stored 50 "before any rotation"

# 1. rename rotation: more lines to the old file after the rename, then
#    the new file appears
mv "$D/mail.log" "$D/mail.log.1"
lines 20 >> "$D/mail.log.1"
lines 30 > "$D/mail.log"
wait_stored 100 "rename rotation"

# 2. copytruncate
cp "$D/mail.log" "$D/mail.log.2"
: > "$D/mail.log"
sleep 0.3
lines 25 >> "$D/mail.log"
wait_stored 125 "copytruncate"

# 3. rotation while reboundd is down: it must finish the old file from its
#    saved position, then read the new one
daemon_stop "$D"
lines 15 >> "$D/mail.log"
mv "$D/mail.log" "$D/mail.log.3"
lines 10 > "$D/mail.log"
daemon_start "$D"
wait_stored 150 "rotation while not running"

# 4. a line split across the rotation
lines 1 > "$T/one"
head -c 60 "$T/one" >> "$D/mail.log"
sleep 0.3
mv "$D/mail.log" "$D/mail.log.4"
tail -c +61 "$T/one" > "$D/mail.log"
lines 4 >> "$D/mail.log"
wait_stored 155 "a line split across the rotation"

# 5. syslog writes on to the file it holds open after the rename, until
#    logrotate's postrotate signal makes it reopen the path: lines that
#    reach the old file after the new one has been read are read too
exec 3>> "$D/mail.log"
mv "$D/mail.log" "$D/mail.log.5"
lines 10 > "$D/mail.log"
wait_stored 165 "the new file after a rename"
lines 10 >&3
wait_stored 175 "lines written to the old file after the new one was read"
lines 5 >> "$D/mail.log"
lines 5 >&3
wait_stored 185 "both files written to"
#    and a kill -9 while the old file is still read doubles nothing: the
#    position saved is the new file's
kill -9 "$(cat "$D/pid")"; wait "$(cat "$D/pid")" 2>/dev/null
exec 3>&-
daemon_start "$D"
lines 5 >> "$D/mail.log"
wait_stored 190 "the new file after a kill -9 while the old one was read"

# 6. copytruncate, and the file grows past the old offset before it is
#    read again: the new first bytes tell it is another file
lines 40 > "$T/regrown"
cat "$T/regrown" > "$D/mail.log"
wait_stored 230 "a truncated file grown past the old offset"

# 6b. copytruncate, and the file grows back to exactly the old offset
#     before it is read again: its size shows no change, its first bytes do
lines 40 > "$T/same"
[ "$(wc -c < "$T/same")" = "$(wc -c < "$D/mail.log")" ] || fail "test lines of unequal length"
cat "$T/same" > "$D/mail.log"
wait_stored 270 "a truncated file grown back to the old offset"

# 7. rotate_grace: a rotated file quiet that long is let go (its space
#    freed once logrotate removes it), here after 1 s, not the default 60
echo "rotate_grace = 1s" >> "$D/rebound.conf"
kill -HUP "$(cat "$D/pid")"
wait_until 20 grep -q "reload=done" "$D/reboundd.log" ||
	fail "reload with rotate_grace: $(tail -3 "$D/reboundd.log")"
exec 3>> "$D/mail.log"
mv "$D/mail.log" "$D/mail.log.7"
lines 10 > "$D/mail.log"
lines 10 >&3
wait_stored 290 "both files after a rotation with rotate_grace = 1s"
held() { ls -l "/proc/$(cat "$D/pid")/fd" 2>/dev/null | grep -c 'mail\.log\.7$'; }
[ "$(held)" -ge 1 ] || fail "the rotated file not read on"
wait_until 15 sh -c "[ \"\$(ls -l /proc/$(cat "$D/pid")/fd | grep -c 'mail\.log\.7\$')\" = 0 ]" ||
	fail "the rotated file still held $(held) times after rotate_grace"
exec 3>&-

# 8. a FIFO put at the path (by mistake, or by someone hostile): it is
#    not opened for reading, which would hold the whole daemon until a
#    writer came; the file that takes its place later is read
mv "$D/mail.log" "$D/mail.log.8"
mkfifo "$D/mail.log"
sleep 0.5
timeout 5 "$CTL" -s "$D/ctl.sock" status > /dev/null ||
	fail "no answer with a FIFO at the log path"
rm "$D/mail.log"
lines 10 > "$D/mail.log"
wait_stored 300 "the file that replaced a FIFO"
grep -q "not a regular file" "$D/reboundd.log" || fail "the FIFO not logged"

# and nothing twice: every recipient exactly once
dups=$(sqlite3 "$D/state/rebound.db" 'SELECT count(*) FROM (SELECT recipient FROM outcomes GROUP BY recipient HAVING count(*) > 1)')
[ "$dups" = 0 ] || fail "$dups recipients stored twice"
daemon_stop "$D"
pass "300 lines through 9 rotations and a kill -9, each stored once"
