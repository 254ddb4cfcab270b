#!/bin/sh
# daemon_diskfull.sh - the database's file system fills up while reboundd
# follows a growing log: it logs the failure, keeps answering reads, and
# once space returns catches up with nothing lost: the store equals that
# of a run that never ran short.  A backfill asked for while the disk is
# full ends with the reason, and run again once space is back adds what
# is missing.  Needs root to mount a small tmpfs.
. "${top_srcdir:-.}/tests/lib.sh"
. "$S/tests/daemon-lib.sh"
command -v sqlite3 >/dev/null || skip "no sqlite3"
command -v python3 >/dev/null || skip "no python3"
[ "$(id -u)" = 0 ] || skip "needs root to mount a tmpfs"
export REBOUND_CORPUS="$CORPUS"
python3 "$S/tests/gen-maillog.py" 1200 11 > "$T/all.log"
head -n 400 "$T/all.log" > "$T/first.log"
tail -n +401 "$T/all.log" > "$T/rest.log"
python3 "$S/tests/gen-maillog.py" 600 29 > "$T/old.log"

# The reference run, on an ordinary file system.
daemon_config "$T/ref"
daemon_start "$T/ref"
cat "$T/all.log" >> "$T/ref/mail.log"
daemon_caught_up "$T/ref"
"$CTL" -s "$T/ref/ctl.sock" backfill "$T/old.log" > /dev/null || fail "reference backfill failed"
daemon_stop "$T/ref"
daemon_dump "$T/ref" > "$T/ref.dump"

# The same log with the database on a small tmpfs that runs full.
D=$T/full
daemon_config "$D"
mkdir -p "$D/state"
mount -t tmpfs -o size=24m tmpfs "$D/state" 2>/dev/null || skip "cannot mount a tmpfs"
at_exit "umount -l $D/state"
daemon_start "$D"
at_exit "daemon_stop $D"
cat "$T/first.log" >> "$D/mail.log"
daemon_caught_up "$D"
first=$(daemon_offset "$D")
# Fill the file system to the last block.
dd if=/dev/zero of="$D/state/filler" bs=64k 2>/dev/null
cat "$T/rest.log" >> "$D/mail.log"
size=$(stat -c %s "$D/mail.log")
for _ in $(seq 1 100); do
	grep -q "store: .*\(full\|disk\|readonly\|read-only\)" "$D/reboundd.log" && break
	sleep 0.1
done
grep -q "store: .*\(full\|disk\|readonly\|read-only\)" "$D/reboundd.log" ||
	fail "no store failure logged: $(tail -3 "$D/reboundd.log")"
kill -0 "$(cat "$D/pid")" || fail "reboundd died when the disk filled"
# Reads are still served, and the log position has not moved past what is stored.
"$CTL" -s "$D/ctl.sock" --json status > "$T/status" || fail "status unanswered while full"
off=$(daemon_offset "$D")
[ "$off" -lt "$size" ] || fail "position $off claims the whole log although the disk is full"
addr=$(sqlite3 "$D/state/rebound.db" "SELECT address FROM suppressions LIMIT 1")
[ -n "$addr" ] || fail "nothing suppressed from the first part"
"$CTL" -s "$D/ctl.sock" lookup "$addr" | grep -q ": SUPPRESSED" || fail "lookup unanswered while full"
# A backfill cannot be stored: it ends with the reason, and the daemon
# goes on.
if "$CTL" -s "$D/ctl.sock" backfill "$T/old.log" > "$T/bf" 2>&1; then
	fail "a backfill succeeded on a full disk: $(cat "$T/bf")"
fi
grep -q "the store refused a batch" "$T/bf" || fail "backfill on a full disk said: $(cat "$T/bf")"
kill -0 "$(cat "$D/pid")" || fail "reboundd died in a backfill on a full disk"
# Space returns: it catches up by itself, and the backfill run again
# adds what is missing.
rm -f "$D/state/filler"
daemon_caught_up "$D"
"$CTL" -s "$D/ctl.sock" backfill "$T/old.log" > "$T/bf" 2>&1 || fail "backfill after space returned: $(cat "$T/bf")"
daemon_stop "$D"
daemon_dump "$D" > "$T/full.dump"
cmp -s "$T/ref.dump" "$T/full.dump" || {
	diff "$T/ref.dump" "$T/full.dump" | head -20
	fail "the store after a full disk differs from the reference"
}
pass "full disk at offset $first of $size: logged, reads served, backfill refused then redone, caught up, identical to the reference"
