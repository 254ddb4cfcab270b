#!/bin/sh
# daemon_backlog.sh - a backlog (about 55 MB written while reboundd was
# down) is read in committed turns: the control socket answers while it
# is read, with part of it counted, not only before or after the whole of
# it; SIGTERM in the middle stops at a turn's end, and the restart reads
# on from there to exactly every outcome, none lost, none counted twice.
. "${top_srcdir:-.}/tests/lib.sh"
. "$S/tests/daemon-lib.sh"
command -v python3 >/dev/null || skip "no python3"
command -v sqlite3 >/dev/null || skip "no sqlite3"
D=$T/d
N=300000
daemon_config "$D"
daemon_start "$D"
daemon_stop "$D"
python3 - "$N" "$(date '+%b %e %H:%M:%S')" >> "$D/mail.log" <<'PY'
import sys
n, now = int(sys.argv[1]), sys.argv[2]
out = sys.stdout
for i in range(n):
    out.write("%s mx1 postfix/smtp[11]: %010X: to=<user%d@example.org>, "
              "relay=mx.example.org[192.0.2.1]:25, delay=1, delays=0/0/0/1, "
              "dsn=2.0.0, status=sent (250 2.0.0 OK queued)\n" % (now, 0x100000 + i, i))
PY
stored() { sqlite3 -cmd ".timeout 5000" "$D/state/rebound.db" 'SELECT count(*) FROM outcomes'; }
# Started without waiting for it: asked from the moment its socket
# answers, as fast as it answers, some answer must come with part of the
# backlog counted.  Read in one go, every answer came before or after it.
"$B/reboundd" -f -c "$D/rebound.conf" >> "$D/reboundd.log" 2>&1 &
echo $! > "$D/pid"
at_exit "kill $! 2>/dev/null || :"
seen=$(python3 - "$D/ctl.sock" "$N" <<'PY'
import json, socket, sys, time
path, n = sys.argv[1], int(sys.argv[2])
end = time.time() + 120
while time.time() < end:
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
    except OSError:
        s.close()
        time.sleep(0.002)
        continue
    s.sendall(b"status\n")
    buf = b""
    while not buf.endswith(b"\n"):
        b = s.recv(65536)
        if not b:
            break
        buf += b
    s.close()
    got = json.loads(buf)["sources"][0]["outcomes"]
    if 0 < got < n:
        print(got)
        break
    if got == n:
        print("all")
        break
PY
)
case $seen in
""|all) fail "no answer while the backlog was read (answers came only before or after it: $seen)" ;;
esac
daemon_stop "$D"
at_stop=$(stored)
daemon_start "$D"
for _ in $(seq 1 2400); do
	[ "$(stored)" = "$N" ] && break
	sleep 0.05
done
[ "$(stored)" = "$N" ] || fail "$(stored) outcomes stored after a stop in the middle, want $N"
delivered=$("$CTL" -s "$D/ctl.sock" --json stats --by provider --since 1d |
	python3 -c 'import json,sys; print(sum(r["delivered"] for r in json.load(sys.stdin)["rows"]))')
[ "$delivered" = "$N" ] || fail "the counters hold $delivered deliveries, want $N"
daemon_stop "$D"
pass "a backlog of $N outcomes read in turns: an answer came with $seen counted; stopped with $at_stop stored, resumed to $N, counted once"
