#!/bin/sh
# daemon_single.sh - a second reboundd on the same state directory refuses
# to start, naming the first one's pid, and leaves the first one's control
# socket and database alone; once the first has stopped, a new one starts.
. "${top_srcdir:-.}/tests/lib.sh"
. "$S/tests/daemon-lib.sh"
D=$T/d
daemon_config "$D"
daemon_start "$D"
at_exit "daemon_stop $D"
pid=$(cat "$D/pid")

# Same file: the second must exit at once, not follow the same log
# (the timeout ends one that does not).
if timeout 10 "$B/reboundd" -f -c "$D/rebound.conf" > "$T/second" 2>&1; then
	fail "a second reboundd ran on the same state directory: $(cat "$T/second")"
fi
grep -q "another reboundd (pid $pid) is running on state_directory=$D/state" "$T/second" ||
	fail "no clear refusal: $(cat "$T/second")"
[ -S "$D/ctl.sock" ] || fail "the second reboundd removed the first one's socket"
"$CTL" -s "$D/ctl.sock" status > /dev/null || fail "the first reboundd is unreachable"

# Same state directory under another socket: refused as well.
sed "s|^control_socket = .*|control_socket = $D/other.sock|" "$D/rebound.conf" > "$T/other.conf"
if timeout 10 "$B/reboundd" -f -c "$T/other.conf" > "$T/second" 2>&1; then
	fail "a second reboundd ran under another socket"
fi
grep -q "another reboundd (pid $pid)" "$T/second" || fail "other socket: $(cat "$T/second")"

# The lock goes with the process.
daemon_stop "$D"
daemon_start "$D"
"$CTL" -s "$D/ctl.sock" status > /dev/null || fail "no restart after the first stopped"
pass "one reboundd per state directory"
