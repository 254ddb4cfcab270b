#!/bin/sh
# daemon_notify.sh - reboundd speaks systemd's notify protocol: READY=1
# once its socket answers, a STATUS= line, WATCHDOG=1 pings at half the
# WatchdogSec interval (and none with watchdog = no), STOPPING=1 at SIGTERM.
# A Python datagram socket stands in for systemd.
. "${top_srcdir:-.}/tests/lib.sh"
. "$S/tests/daemon-lib.sh"
command -v python3 >/dev/null || skip "no python3"
grep -q '^#define HAVE_SYSTEMD 1' "$B/config.h" 2>/dev/null || skip "built without systemd"

listen() {	# listen SOCKET OUTFILE: record datagrams until OUTFILE.done exists
	python3 - "$1" "$2" <<'PY' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.1)
end = time.time() + 60
with open(sys.argv[2], "w") as out:
    while time.time() < end and not os.path.exists(sys.argv[2] + ".done"):
        try:
            out.write(s.recv(4096).decode() + "\n---\n")
            out.flush()
        except socket.timeout:
            pass
PY
	lpid=$!
	for _ in $(seq 1 50); do [ -S "$1" ] && return 0; sleep 0.05; done
	fail "listener did not start"
}

D=$T/d
daemon_config "$D"
listen "$T/notify.sock" "$T/notes"
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=400000 daemon_start "$D"
sleep 1.5
daemon_stop "$D"
sleep 0.3
touch "$T/notes.done"
wait "$lpid"
grep -q '^READY=1' "$T/notes" || fail "no READY=1: $(cat "$T/notes")"
grep -q '^STATUS=following 1 log file' "$T/notes" || fail "no STATUS line: $(cat "$T/notes")"
pings=$(grep -c '^WATCHDOG=1' "$T/notes")
[ "$pings" -ge 4 ] || fail "only $pings watchdog pings in 1.5s at WatchdogSec=0.4s"
grep -q '^STOPPING=1' "$T/notes" || fail "no STOPPING=1 at SIGTERM"

# watchdog = no: no pings even when systemd asks for them.
D=$T/e
daemon_config "$D" "watchdog = no"
listen "$T/notify2.sock" "$T/notes2"
NOTIFY_SOCKET=$T/notify2.sock WATCHDOG_USEC=200000 daemon_start "$D"
sleep 1
daemon_stop "$D"
touch "$T/notes2.done"
wait "$lpid"
grep -q '^READY=1' "$T/notes2" || fail "no READY=1 with watchdog = no"
! grep -q '^WATCHDOG=1' "$T/notes2" || fail "watchdog pings although watchdog = no"
pass "READY, STATUS, $pings watchdog pings, STOPPING"
