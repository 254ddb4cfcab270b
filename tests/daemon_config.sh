#!/bin/sh
# daemon_config.sh - "reboundd -t" refuses what start-up or a reload would
# refuse, with the file, the line and the reason, and accepts a good file.
. "${top_srcdir:-.}/tests/lib.sh"
. "$S/tests/daemon-lib.sh"
D=$T/d
daemon_config "$D"
"$B/reboundd" -t -c "$D/rebound.conf" > "$T/out" 2>&1 || fail "good file refused: $(cat "$T/out")"

# refused "LINE" "EXPECTED MESSAGE": the file with LINE in place of the
# key's own line, at its end, fails -t; @N@ in the message is that line.
refused() {
	grep -v "^${1%% *} =" "$D/rebound.conf" > "$T/t.conf"
	echo "$1" >> "$T/t.conf"
	n=$(wc -l < "$T/t.conf")
	if "$B/reboundd" -t -c "$T/t.conf" > "$T/out" 2>&1; then
		fail "accepted: $1"
	fi
	want=$(printf '%s' "$2" | sed "s/@N@/$n/")
	grep -qF "$want" "$T/out" || fail "$1: got \"$(cat "$T/out")\", want \"$2\""
}
refused "journal_match = SYSLOG_FACILITY" "t.conf:@N@: journal_match: \"SYSLOG_FACILITY\" is not FIELD=value"
long=/tmp/$(printf '%0120d' 0).sock
refused "control_socket = $long" "t.conf:@N@: control_socket: \"$long\" is longer than a socket path may be"

# A directory is not an empty configuration.
if "$B/reboundd" -t -c "$T" > "$T/out" 2>&1; then
	fail "a directory accepted as the configuration file"
fi
grep -q "$T: Is a directory" "$T/out" || fail "directory: $(cat "$T/out")"
pass "reboundd -t"
