# tests/daemon-lib.sh - start and stop a private reboundd for a test.
#
# daemon_config DIR [extra lines]: writes DIR/rebound.conf with its state,
# socket and log under DIR.  daemon_start DIR: starts it and waits for the
# socket.  daemon_caught_up DIR: waits until the log is read to its end.
CTL="$B/reboundctl"

daemon_config() {
	d=$1; shift
	mkdir -p "$d"
	{
		echo "state_directory = $d/state"
		echo "control_socket = $d/ctl.sock"
		echo "log_files = $d/mail.log"
		echo "user ="
		echo "poll_interval = 100ms"
		echo "commit_interval = 50ms"
		for l in "$@"; do echo "$l"; done
	} > "$d/rebound.conf"
	[ -f "$d/mail.log" ] || : > "$d/mail.log"
}

daemon_start() {
	d=$1
	"$B/reboundd" -f -c "$d/rebound.conf" >>"$d/reboundd.log" 2>&1 &
	echo $! > "$d/pid"
	# A failing test leaves no daemon behind.
	at_exit "kill $! 2>/dev/null || :"
	# Generous: under the sanitizers on a busy machine start-up takes seconds.
	for _ in $(seq 1 600); do
		[ -S "$d/ctl.sock" ] && "$CTL" -s "$d/ctl.sock" status >/dev/null 2>&1 && return 0
		kill -0 "$(cat "$d/pid")" 2>/dev/null || { cat "$d/reboundd.log"; fail "reboundd died at start"; }
		sleep 0.05
	done
	cat "$d/reboundd.log"
	fail "reboundd did not answer on $d/ctl.sock"
}

daemon_stop() {
	d=$1
	pid=$(cat "$d/pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -f "$d/pid"
}

daemon_offset() {
	"$CTL" -s "$1/ctl.sock" --json status 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["sources"][0]["offset"])' 2>/dev/null
}

daemon_caught_up() {
	d=$1
	size=$(stat -c %s "$d/mail.log")
	for _ in $(seq 1 1200); do
		[ "$(daemon_offset "$d")" = "$size" ] && return 0
		sleep 0.05
	done
	fail "reboundd did not catch up with $d/mail.log (offset $(daemon_offset "$d") of $size)"
}

# The state that must not depend on how the daemon got there.
daemon_dump() {
	db=$1/state/rebound.db
	sqlite3 "$db" "SELECT key, time, recipient, sender, message_id, outcome, reason, category, action FROM outcomes ORDER BY key;"
	echo "--"
	sqlite3 "$db" "SELECT gran, bucket, dim, key, outcome, category, n FROM counters ORDER BY 1,2,3,4,5,6;"
	echo "--"
	sqlite3 "$db" "SELECT address, reason, category, source FROM suppressions ORDER BY address;"
	echo "--"
	sqlite3 "$db" "SELECT address, failures, first, last, last_code FROM retry ORDER BY address;"
	echo "--"
	sqlite3 "$db" "SELECT transport, last FROM deliveries ORDER BY transport;"
}
