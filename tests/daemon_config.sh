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
refused "state_directory =" "t.conf:@N@: state_directory: must not be empty"
refused "journal_directory = journal" "t.conf:@N@: journal_directory: \"journal\" is not an absolute path"
# Files the settings name are read at start and reload: -t reads them too.
refused "rules_file = $T/no-such.rules" "t.conf:@N@: rules_file = $T/no-such.rules: No such file or directory"
refused "provider_map_file = $T/no-such.map" "t.conf:@N@: provider_map_file = $T/no-such.map: No such file or directory"
# Paths of the wrong kind, which start-up would trip over; the milter's
# settings even where no milter runs.
mkdir -p "$T/adir"
refused "rules_file = $T/adir" "t.conf:@N@: rules_file = $T/adir: not a regular file"
refused "state_directory = /etc/passwd" "t.conf:@N@: state_directory = /etc/passwd: not a directory"
refused "database = $T/adir" "t.conf:@N@: database = $T/adir: not a regular file"
refused "milter_batv_sign = yes" "t.conf:@N@: milter_batv_sign: needs batv_key_file"
refused "batv_key_file = $T/no-such.keys" "t.conf:@N@: batv_key_file: $T/no-such.keys: No such file or directory"
grep -v "^journal" "$D/rebound.conf" > "$T/j.conf"
printf 'journal = yes\njournal_directory = %s\n' "$T/no-such-dir" >> "$T/j.conf"
if "$B/reboundd" -t -c "$T/j.conf" > "$T/out" 2>&1; then
	fail "accepted a journal_directory that does not exist"
fi
grep -qF "j.conf:$(wc -l < "$T/j.conf"): journal_directory = $T/no-such-dir: No such file or directory" "$T/out" ||
	fail "journal_directory: $(cat "$T/out")"

# -nv describes the file: its verbose, not the option's.
"$B/reboundd" -nv -c "$D/rebound.conf" 2>/dev/null | grep -qx "verbose = no" ||
	fail "-nv printed: $("$B/reboundd" -nv -c "$D/rebound.conf" 2>&1 | grep verbose)"

# A directory is not an empty configuration.
if "$B/reboundd" -t -c "$T" > "$T/out" 2>&1; then
	fail "a directory accepted as the configuration file"
fi
grep -q "$T: Is a directory" "$T/out" || fail "directory: $(cat "$T/out")"
# A user that does not exist: as root, -t and start-up refuse rather than
# keep running as root; "user =" stays the starting user.
nouser=rebound-test-no-such-user
if [ "$(id -u)" = 0 ] && ! getent passwd "$nouser" >/dev/null; then
	refused "user = $nouser" "t.conf:@N@: user: \"$nouser\" does not exist; refusing to keep running as root"
	rm -rf "$D/state"
	if timeout 10 "$B/reboundd" -f -c "$T/t.conf" > "$T/out" 2>&1; then
		fail "reboundd started as root with a missing user: $(cat "$T/out")"
	fi
	grep -q "user: \"$nouser\" does not exist; refusing" "$T/out" || fail "start-up said: $(cat "$T/out")"
	[ ! -e "$D/state" ] && [ ! -e "$D/ctl.sock" ] || fail "a refused start-up left files behind"
fi
# A group that does not exist is warned about, not refused.
grep -v '^admin_group =' "$D/rebound.conf" > "$T/t.conf"
echo "admin_group = rebound-test-no-such-group" >> "$T/t.conf"
"$B/reboundd" -t -c "$T/t.conf" > "$T/out" 2>&1 || fail "a missing group refused: $(cat "$T/out")"
grep -q 'warning: .*admin_group: group "rebound-test-no-such-group" does not exist' "$T/out" ||
	fail "no warning for a missing group: $(cat "$T/out")"
pass "reboundd -t"
