#!/bin/sh
# daemon_control.sh - the control socket and signals of a running reboundd:
# answers match what was ingested, 100 clients at once all get correct
# answers, an unprivileged peer may read but not change, manual changes are
# audited, SIGHUP with a broken file keeps the running configuration while
# a good one is applied, and SIGTERM exits cleanly.
. "${top_srcdir:-.}/tests/lib.sh"
. "$S/tests/daemon-lib.sh"
command -v python3 >/dev/null || skip "no python3"
D=$T/d
daemon_config "$D" "control_socket_mode = 0666"
daemon_start "$D"
at_exit "daemon_stop $D"
now=$(date '+%b %e %H:%M:%S')
cat >> "$D/mail.log" <<LOG
$now mx1 postfix/qmgr[10]: 1A2B3C4D5E: from=<news@shop.example>, size=2048, nrcpt=2 (queue active)
$now mx1 postfix/smtp[11]: 1A2B3C4D5E: to=<Gone@Example.COM>, relay=mx.example.com[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.1] said: 550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown (in reply to RCPT TO command))
$now mx1 postfix/smtp[11]: 1A2B3C4D5E: to=<alice@gmail.com>, relay=gmail-smtp-in.l.google.com[192.0.2.2]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 OK)
LOG
daemon_caught_up "$D"
c() { "$CTL" -s "$D/ctl.sock" "$@"; }

# A client that connects and never sends is closed after 30 s (checked at
# the end): idle connections up to max_clients locked everyone out.
python3 - "$D/ctl.sock" > "$T/idle" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(60)
t = time.time()
try:
    closed = s.recv(1) == b""
except socket.timeout:
    closed = False
print("closed" if closed else "open", int(time.time() - t))
PY
idle_pid=$!

# The local part keeps its case (address_case_fold = domain), the domain folds.
c --json lookup Gone@example.com | grep -q '"suppressed": *true' || fail "bounced address not suppressed"
c --json lookup gone@example.com | grep -q '"suppressed": *false' || fail "local part folded"
c --json lookup alice@gmail.com | grep -q '"suppressed": *false' || fail "delivered address suppressed"
c --json stats --by provider --since 1h > "$T/stats"
python3 - "$T/stats" <<'PY' || fail "stats wrong: $(cat "$T/stats")"
import json, sys
rows = {r["provider"]: r for r in json.load(open(sys.argv[1]))["rows"]}
assert rows["gmail"]["delivered"] == 1 and rows["gmail"]["total"] == 1, rows
assert rows["other"]["bounced"] == 1, rows
PY

# The bounce rate of stats is replay's: bounced and expired over the final
# outcomes.  A gmail message deferred and then expired, next to
# alice's delivery, is 50%; bounced over a total holding every deferral
# (bounced_rate, once the column) read 0%.  Only deferrals: no rate, "-".
now=$(date '+%b %e %H:%M:%S')
cat >> "$D/mail.log" <<LOG
$now mx1 postfix/qmgr[10]: 2B3C4D5E6F: from=<news@shop.example>, size=900, nrcpt=1 (queue active)
$now mx1 postfix/smtp[11]: 2B3C4D5E6F: to=<slow@gmail.com>, relay=none, delay=5, delays=0/0/5/0, dsn=4.4.1, status=deferred (connect to gmail-smtp-in.l.google.com[192.0.2.7]:25: Connection timed out)
$now mx1 postfix/qmgr[10]: 2B3C4D5E6F: from=<news@shop.example>, status=expired, returned to sender
$now mx1 postfix/qmgr[10]: 2B3C4D5E6F: removed
$now mx1 postfix/smtp[11]: 3C4D5E6F7A: to=<later@yahoo.com>, relay=none, delay=5, delays=0/0/5/0, dsn=4.4.1, status=deferred (connect to mta5.am0.yahoodns.net[192.0.2.8]:25: Connection timed out)
LOG
daemon_caught_up "$D"
c --json stats --by provider --since 1h > "$T/stats"
python3 - "$T/stats" <<'PY' || fail "stats bounce rate: $(cat "$T/stats")"
import json, sys
rows = {r["provider"]: r for r in json.load(open(sys.argv[1]))["rows"]}
g = rows["gmail"]
assert (g["total"], g["delivered"], g["deferred"], g["expired"]) == (3, 1, 1, 1), g
assert g["bounce_rate"] == 0.5 and g["bounced_rate"] == 0, g
assert rows["yahoo"]["bounce_rate"] is None, rows["yahoo"]
assert rows["other"]["bounce_rate"] == 1, rows["other"]
PY
c stats --by provider --since 1h > "$T/stats.txt"
awk '$1 == "gmail" && $10 == "50.00%" { g = 1 } $1 == "yahoo" && $10 == "-" { y = 1 }
	END { exit !(g && y) }' "$T/stats.txt" || fail "stats BOUNCE% column: $(cat "$T/stats.txt")"

# 100 clients at once, each must get the right answer.
# (wait for the clients by pid: a bare wait would wait for reboundd too)
pids=
for i in $(seq 1 100); do
	c --json lookup Gone@example.com > "$T/par.$i" 2>&1 &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
ok=$(grep -l '"suppressed": *true' "$T"/par.* | wc -l)
[ "$ok" -eq 100 ] || fail "only $ok of 100 concurrent clients got the right answer"

# An unprivileged peer reads, but cannot change anything.
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" -s "$D/ctl.sock" "$@"; }
	nobody lookup Gone@example.com | grep -q ": SUPPRESSED" || fail "unprivileged peer cannot read"
	if nobody suppress remove Gone@example.com --reason nope 2> "$T/deny"; then
		fail "unprivileged peer removed a suppression"
	fi
	grep -q "permission denied" "$T/deny" || fail "no permission error: $(cat "$T/deny")"
	c lookup Gone@example.com | grep -q ": SUPPRESSED" || fail "suppression lost after a refused change"
fi

# admin_group, applied by a reload: a member may change, others still not.
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ] && getent group adm >/dev/null; then
	adm=$(getent group adm | cut -d: -f3)
	echo "admin_group = adm" >> "$D/rebound.conf"
	kill -HUP "$(cat "$D/pid")"
	for _ in $(seq 1 50); do
		c --json status | grep -q '"reloads": *1' && break
		sleep 0.1
	done
	setpriv --reuid=65534 --regid="$adm" --clear-groups "$CTL" -s "$D/ctl.sock" \
		suppress add member@example.org --reason "by a member" > "$T/member" 2>&1 ||
		fail "admin group member refused: $(cat "$T/member")"
	c --json lookup member@example.org | grep -q '"who": *"uid:65534"' || fail "member's change not audited"
	if nobody suppress remove member@example.org --reason nope 2>/dev/null; then
		fail "non-member changed the list after the reload"
	fi
	sed -i '/^admin_group = adm$/d' "$D/rebound.conf"
	reloads=1
else
	reloads=0
fi

# Manual changes by root are audited with the peer's uid.
c suppress add someone@example.org --reason "asked us" >/dev/null || fail "manual add"
c suppress remove someone@example.org --reason "mistake" >/dev/null || fail "manual remove"
c --json lookup someone@example.org > "$T/audit"
grep -q '"op": *"remove"' "$T/audit" && grep -q "\"who\": *\"uid:$(id -u)\"" "$T/audit" ||
	fail "audit trail missing: $(cat "$T/audit")"
# The answer names the address as stored: the local part keeps its case.
c --json suppress add Some.One@Example.ORG --reason x | grep -q '"address": *"Some.One@example.org"' ||
	fail "suppress add did not answer with the stored address"
c suppress remove some.one@example.org --reason x | grep -q 'some.one@example.org: nothing to change' ||
	fail "removing another local part changed something"
# Options stand before or after the address; one without its value, an
# unknown one or a second address is refused, never taken as the address.
c suppress add --reason "options first" first@example.org > "$T/first" 2>&1 ||
	fail "suppress add with options first: $(cat "$T/first")"
c --json lookup first@example.org | grep -q '"why": *"options first"' ||
	fail "options first: $(c --json lookup first@example.org)"
c suppress remove --reason done first@example.org >/dev/null || fail "suppress remove with options first"
for args in "noval@example.org --reason" "--reason" "noval@example.org --reason --expires 1d" \
    "noval@example.org --bogus x" "noval@example.org other@example.org"; do
	# shellcheck disable=SC2086
	if c suppress add $args 2> "$T/opt"; then fail "suppress add $args accepted"; fi
	grep -q "reboundctl: suppress add: \(.* needs a value\|unknown option\|unexpected argument\|no ADDR\)" "$T/opt" ||
		fail "suppress add $args: $(cat "$T/opt")"
done
c --json lookup noval@example.org | grep -q '"suppressed": *false' || fail "a refused suppress add suppressed"
# What is not one address is refused, saying why; a blank inside quotes
# is part of one.
tab=$(printf 'a\tb@example.org')
for a in "two words@example.org" "$tab" "@example.org" "nobody@"; do
	if c suppress add "$a" 2> "$T/opt"; then fail "suppress add \"$a\" accepted"; fi
	grep -q "reboundctl: suppress add: \".*\" is not an address: " "$T/opt" ||
		fail "suppress add \"$a\": $(cat "$T/opt")"
done
c --json list | grep -q "words@example.org\|b@example.org" && fail "a refused address was stored"
c suppress add '"two words"@example.org' > /dev/null || fail "a quoted local part with a blank refused"
printf 'address\nok1@example.org\nthree word s@example.org\n' > "$T/words.csv"
if c import "$T/words.csv" 2> "$T/opt"; then fail "an import of two words accepted"; fi
grep -q 'line 3: "three word s@example.org" is not an address: it holds a blank outside quotes' "$T/opt" ||
	fail "import of two words: $(cat "$T/opt")"
c --json lookup ok1@example.org | grep -q '"suppressed": *false' || fail "a refused import stored a line"
if c suppress remove Gone@example.com --reason 2> "$T/opt"; then fail "suppress remove --reason without a value accepted"; fi
grep -q "needs a value" "$T/opt" || fail "suppress remove --reason: $(cat "$T/opt")"
# list refuses what no row can match, naming what it takes.
if c list --category bogus 2> "$T/opt"; then fail "list --category bogus accepted"; fi
grep -q "category takes.*invalid-address.*delivered" "$T/opt" || fail "list --category bogus: $(cat "$T/opt")"
if c list --source bogus 2> "$T/opt"; then fail "list --source bogus accepted"; fi
grep -q "source takes log, journal, dsn, complaint, manual, escalation, import" "$T/opt" ||
	fail "list --source bogus: $(cat "$T/opt")"
for bad in abc -1 "" 5x; do
	if c list --limit "$bad" 2> "$T/opt"; then fail "list --limit $bad accepted"; fi
	grep -q "limit takes a whole number" "$T/opt" || fail "list --limit $bad: $(cat "$T/opt")"
done
if c list --limit 2>/dev/null; then fail "list --limit without a value accepted"; fi
c list --category Invalid-Address --source LOG --limit 1 | grep -q "Gone@example.com" ||
	fail "list --category/--source/--limit: $(c list --category invalid-address --source log --limit 1)"
c list --source import >/dev/null || fail "list --source import refused"

# Durations are strict and bounded: no wrap past time_t, no text after the
# unit, and w as in rebound.conf.
for bad in 106751991167300d 92874232315551562d 1month 5x 1d2h -1d d ""; do
	if c suppress add dur@example.com --expires "$bad" 2> "$T/dur"; then
		fail "--expires $bad accepted"
	fi
	grep -q "expires takes" "$T/dur" || fail "--expires $bad: $(cat "$T/dur")"
done
c --json lookup dur@example.com | grep -q '"suppressed": *false' || fail "a refused --expires suppressed"
c suppress add week@example.com --expires 2w >/dev/null || fail "--expires 2w refused"
c --json lookup week@example.com | python3 -c '
import json, sys
s = json.load(sys.stdin)["suppression"]
assert s["expires"] - s["created"] == 14 * 86400, s' || fail "--expires 2w is not two weeks"
c suppress remove week@example.com >/dev/null
# A lifetime ends when it says, not at the next maintenance (60 s here).
c suppress add brief@example.com --expires 4s >/dev/null || fail "--expires 4s refused"
c --json lookup brief@example.com | grep -q '"suppressed": *true' || fail "--expires 4s not suppressed"
wait_until 12 sh -c "\"$CTL\" -s \"$D/ctl.sock\" --json lookup brief@example.com | grep -q '\"suppressed\": *false'" ||
	fail "a suppression 4 s long still there after 12 s"
c lookup brief@example.com | grep -q "expire" || fail "expiry not in the history: $(c lookup brief@example.com)"
for bad in 99999999999999999999 36600000d 1hour; do
	if c stats --since "$bad" 2>/dev/null; then fail "stats --since $bad accepted"; fi
	if c list --since "$bad" 2>/dev/null; then fail "list --since $bad accepted"; fi
done
c stats --since 1w >/dev/null || fail "stats --since 1w refused"
# stats: an option without its value, an unknown one or a stray word is
# refused; a provider the map does not name is refused with the names it
# has (it counted nothing and read as "no outcomes"), and case is forgiven.
for args in "--provider" "--foo bar" "extra" "--since" "--provider gmail.com"; do
	# shellcheck disable=SC2086
	if c stats $args 2> "$T/opt"; then fail "stats $args accepted"; fi
	grep -q "reboundctl: \(stats: .* needs a value\|stats: unknown option\|stats: unexpected argument\|--provider takes .*gmail, microsoft\)" "$T/opt" ||
		fail "stats $args: $(cat "$T/opt")"
done
c --json stats --provider GMail --since 1h | python3 -c '
import json, sys
rows = json.load(sys.stdin)["rows"]
assert [r["provider"] for r in rows] == ["gmail"] and rows[0]["delivered"] == 1, rows' ||
	fail "stats --provider GMail: $(c --json stats --provider GMail --since 1h)"
# Codes, domains and transports are counted without the provider: with
# --provider they answered for every provider; refused by the daemon with
# what is allowed, asked on the socket as by reboundctl.
for by in code domain transport; do
	if c stats --provider gmail --by $by 2> "$T/opt"; then fail "stats --provider gmail --by $by accepted"; fi
	grep -q "reboundctl: stats: --provider goes only with --by provider or --by category" "$T/opt" ||
		fail "stats --provider gmail --by $by: $(cat "$T/opt")"
done
python3 - "$D/ctl.sock" <<'PY' || fail "the socket took stats --provider with --by code"
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b"stats --provider gmail --by code\n")
a = json.loads(s.makefile().readline())
assert a["ok"] is False and "--by provider or --by category" in a["error"], a
PY
c --json stats --provider gmail --by category --since 1h | python3 -c '
import json, sys
rows = json.load(sys.stdin)["rows"]
assert sum(r["total"] for r in rows) == 3, rows' ||
	fail "stats --provider gmail --by category: $(c --json stats --provider gmail --by category --since 1h)"
for args in "status now" "export all" "events --bogus"; do
	# shellcheck disable=SC2086
	if c $args 2> "$T/opt"; then fail "$args accepted"; fi
	grep -q "unexpected argument" "$T/opt" || fail "$args: $(cat "$T/opt")"
done
if c import a.csv b.csv 2> "$T/opt"; then fail "import of two files accepted"; fi
grep -q "import takes one FILE" "$T/opt" || fail "import a b: $(cat "$T/opt")"
c status >/dev/null || fail "status refused after the refusals"

# Bytes that are not UTF-8 (Latin-1 typed in a terminal) are refused with
# a reason, request or import, and nothing is stored: stored, they could
# not be answered as JSON nor typed again to remove them.  UTF-8 is kept.
if c suppress add "$(printf 'b\351@example.com')" 2> "$T/opt"; then
	fail "a Latin-1 address was accepted"
fi
grep -q "not valid UTF-8" "$T/opt" || fail "Latin-1 address: $(cat "$T/opt")"
c suppress add 'bé@example.com' --reason 'café' > "$T/opt" 2>&1 ||
	fail "a UTF-8 address was refused: $(cat "$T/opt")"
c --json lookup 'bé@example.com' | grep -q '"suppressed": *true' ||
	fail "UTF-8 address not suppressed"
printf 'address,reason\nok8@example.com,x\nb\351d@example.com,y\n' > "$T/latin1.csv"
if c import "$T/latin1.csv" 2> "$T/opt"; then fail "a Latin-1 import was accepted"; fi
grep -q "line 3 is not valid UTF-8" "$T/opt" || fail "Latin-1 import: $(cat "$T/opt")"
c --json lookup ok8@example.com | grep -q '"suppressed": *false' ||
	fail "a refused import was applied in part"
c suppress remove 'bé@example.com' >/dev/null || fail "UTF-8 address not removed"

# A "." line ends an import on the socket, "\r\n"-ended too: in a
# spreadsheet's CSV it ended the upload early, the rest was not imported
# and the lines after it were run as requests with the importer's rights
# (exit 0).  A NUL joined a line to the next and made one the same way.
c suppress add keep@example.com --reason keep >/dev/null || fail "keep@ not added"
printf 'address,reason\r\ncr1@example.com,x\r\n.\r\ncr2@example.com,y\r\n' > "$T/crlf.csv"
c import "$T/crlf.csv" > "$T/opt" 2>&1 || fail "CRLF import: $(cat "$T/opt")"
c --json lookup cr2@example.com | grep -q '"suppressed": *true' ||
	fail "an import ended at a \".\\r\" line"
# A request after such a line is a record like any other: not an address.
printf 'address,reason\r\ncr3@example.com,x\r\n.\r\nsuppress remove keep@example.com\r\n' > "$T/crlf2.csv"
if c import "$T/crlf2.csv" > "$T/opt" 2>&1; then fail "a request line was imported"; fi
grep -q '"suppress remove keep@example.com" is not an address' "$T/opt" ||
	fail "CRLF import of a request line: $(cat "$T/opt")"
c --json lookup keep@example.com | grep -q '"suppressed": *true' ||
	fail "a line of an imported CSV was run as a request"
printf 'address\nnul1@example.com\n.\000\n\nsuppress remove keep@example.com\n' > "$T/nul.csv"
if c import "$T/nul.csv" 2> "$T/opt"; then fail "a CSV holding a NUL was imported"; fi
grep -q "line 3 holds a NUL byte" "$T/opt" || fail "NUL import: $(cat "$T/opt")"
c --json lookup keep@example.com | grep -q '"suppressed": *true' ||
	fail "a line after a NUL was run as a request"
c --json lookup nul1@example.com | grep -q '"suppressed": *false' ||
	fail "a refused import was applied in part"

# A client that shuts its side after its request (socat, nc at the end
# of their input) gets the whole answer, however long, and a last request
# with no newline is answered: before, the answer was cut at what the
# socket buffer held, and such a request was dropped.
for i in $(seq 1 3000); do echo "half$i@example.org"; done | sed '1i address' > "$T/half.csv"
c import "$T/half.csv" > /dev/null || fail "half.csv not imported"
c --json export > "$T/export.ref" || fail "export"
python3 - "$D/ctl.sock" "$T/export.ref" <<'PY' || fail "see above"
import json, socket, sys
def ask(data):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    s.settimeout(20)
    buf = b""
    while True:
        d = s.recv(65536)
        if not d:
            return buf
        buf += d
ref = open(sys.argv[2], "rb").read()
bad = []
for req in (b"export\n", b"export"):
    got = ask(req)
    if got != ref:
        bad.append("%r: %d bytes, want %d" % (req, len(got), len(ref)))
got = ask(b"status")
if not got.endswith(b"\n") or "pid" not in json.loads(got):
    bad.append("status with no newline: %r" % got[:80])
got = ask(b"lookup half7@example.org\r")
if not got.endswith(b"\n") or json.loads(got).get("suppressed") is not True:
    bad.append("lookup ending in CR: %r" % got[:80])
if bad:
    print("FAIL: " + "; ".join(bad))
    sys.exit(1)
PY

# The texts of an answer are the remote side's (a bounce's diagnostic,
# taken in by the milter) or an imported file's: shown readably, a control
# character is '?', so no escape sequence reaches the operator's terminal
# (clear the screen, retitle the window); --json keeps them, escaped.
printf 'address,reason,category,source,created,expires,codes,evidence,text\nesc@example.org,"why \033]0;title\007",invalid-address,import,1700000000,0,5.1.1,queue_id=X,"550 user \033[2J\302\233gone"\n' > "$T/esc.csv"
c import "$T/esc.csv" > /dev/null || fail "esc.csv not imported"
c lookup esc@example.org > "$T/opt" 2>&1 || fail "lookup esc@"
c list > "$T/opt2" 2>&1 || fail "list"
if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]\\|\302\233')" "$T/opt" "$T/opt2"; then
	fail "a control character reached the terminal: $(cat -v "$T/opt")"
fi
grep -q 'text     550 user ?\[2J?gone' "$T/opt" && grep -q 'why      why ?\]0;title?,' "$T/opt" ||
	fail "lookup with control characters: $(cat -v "$T/opt")"
c --json lookup esc@example.org | grep -q '"550 user \\u001B\[2J' ||
	fail "--json did not keep the text"
printf 'From: MAILER-DAEMON@mx.example.net\nTo: s@example.com\nSubject: Undelivered\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n--b\nContent-Type: text/plain\n\nfailed\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; esc@example.org\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user \033[31mred\033]0;t\007 unknown\n\n--b--\n' > "$T/esc.eml"
"$CTL" parse "$T/esc.eml" > "$T/opt" 2>&1 || fail "parse esc.eml"
grep -q '550 5.1.1 user ?\[31mred?\]0;t? unknown$' "$T/opt" ||
	fail "parse with control characters: $(cat -v "$T/opt")"

# A daemon that goes away while an import is being sent (a crash, a
# restart): reboundctl says so and fails, instead of dying of SIGPIPE
# without a word (exit 141).  A socket that reads a little and closes
# stands in for it.
python3 -c 'print("address,reason"); [print("p%d@example.com,x" % i) for i in range(200000)]' > "$T/big.csv"
# import_to_gone NAME ANSWER: import big.csv to a socket that reads a
# little, writes ANSWER (may be empty) and closes; sets rc, stderr in opt.
import_to_gone() {
	python3 - "$T/$1.sock" "$2" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept(); c.recv(4096); c.sendall(sys.argv[2].encode()); c.close(); s.close()
PY
	gone=$!
	wait_until 5 test -S "$T/$1.sock" || fail "the stand-in socket did not appear"
	rc=0; "$CTL" -s "$T/$1.sock" import "$T/big.csv" > /dev/null 2> "$T/opt" || rc=$?
	wait $gone
}
import_to_gone gone ""
[ "$rc" = 1 ] && grep -q "sending the request: Broken pipe (reboundd closed the connection" "$T/opt" ||
	fail "import to a daemon that went away: exit $rc: $(cat "$T/opt")"
# Even one that answered "ok" before it had all of it.
import_to_gone gone2 '{"ok":true}
'
[ "$rc" = 1 ] && grep -q "sending the request: " "$T/opt" ||
	fail "import cut short but answered ok: exit $rc: $(cat "$T/opt")"

# A date past what struct tm holds (a row edited by hand) is shown, not
# crashed on.
db() { sqlite3 -cmd ".timeout 5000" "$D/state/rebound.db" "$@"; }
db "INSERT INTO suppressions VALUES('huge@example.com', 'x', 'policy', '', '', 'manual', '', 9223372036854775807, 9223372036854775000)"
c list > "$T/list" 2>&1 || fail "list on a far date: exit $?: $(cat "$T/list")"
grep -q "huge@example.com.*@9223372036854775807.*expires @9223372036854775000" "$T/list" ||
	fail "list on a far date: $(cat "$T/list")"
c lookup huge@example.com > "$T/lookup" 2>&1 || fail "lookup on a far date: exit $?"
db "DELETE FROM suppressions WHERE address = 'huge@example.com'"

# An import is bounded as it comes in, a last line without its end too:
# answered with an error, not held in memory without end.
python3 - "$D/ctl.sock" <<'PY' || fail "unbounded import"
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(20)
s.sendall(b"import\nbig@example.com,x\n")
chunk = b"a" * (1 << 20)
try:
    for _ in range(80):
        s.sendall(chunk)
except (BrokenPipeError, ConnectionResetError):
    pass
buf = b""
while not buf.endswith(b"\n"):
    d = s.recv(4096)
    if not d:
        break
    buf += d
assert b"import too large" in buf, buf[:200]
PY
c --json lookup big@example.com | grep -q '"suppressed": *false' || fail "a refused import was applied"

# A refused import: its CSV and "." are data, never requests.
# (the system's python: nobody may not read root's own)
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ] && [ -x /usr/bin/python3 ]; then
	setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 - "$D/ctl.sock" <<'PY' ||
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(10)
s.sendall(b"import\nperm4@example.com,x\n.\nstatus\n")
f = s.makefile("rb")
a = json.loads(f.readline())
assert a["ok"] is False and "permission denied" in a["error"], a
a = json.loads(f.readline())
assert a["ok"] is True and "control" in a, a
PY
		fail "refused import misread"
	grep -q "verb=perm4@example.com" "$D/reboundd.log" && fail "import data read as a request"
fi

# export / import round trip is idempotent; a reply in Latin-1 (bytes
# that are not UTF-8) made the whole export fail, the client waiting 30 s
printf '%s mx1 postfix/smtp[11]: 6F6F6F6F6F: to=<latin@example.de>, relay=mx.example.de[192.0.2.3]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.de[192.0.2.3] said: 550 5.1.1 Empf\344nger unbekannt (in reply to RCPT TO command))\n' "$(date '+%b %e %H:%M:%S')" >> "$D/mail.log"
daemon_caught_up "$D"
c --json lookup latin@example.de | grep -q '"suppressed": *true' || fail "Latin-1 bounce not suppressed"
timeout 10 "$CTL" -s "$D/ctl.sock" export > "$T/export.csv" || fail "export failed with a Latin-1 reply text"
grep -q '"Gone@example.com"' "$T/export.csv" || fail "export lacks the suppression"
grep -q '"latin@example.de".*Empf?nger' "$T/export.csv" || fail "export lacks the Latin-1 one: $(grep latin "$T/export.csv")"
c --json import "$T/export.csv" | grep -q '"imported": *0' || fail "re-import was not idempotent"

# A recipient longer than any address (a damaged line) is counted, never
# cut into an address nobody mailed and suppressed.
python3 -c 'import sys; print("%s mx1 postfix/smtp[11]: 7E7E7E7E7E: to=<%s@%s.example.org>, relay=mx.example.org[192.0.2.4]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.4] said: 550 5.1.1 user unknown (in reply to RCPT TO command))" % (sys.argv[1], "a" * 200, "b" * 100))' "$(date '+%b %e %H:%M:%S')" >> "$D/mail.log"
daemon_caught_up "$D"
[ "$(c --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["sources"][0]["bad_addresses"])')" = 1 ] ||
	fail "a recipient over 254 bytes not counted: $(c --json status)"
c status | grep -q "^  .* 1 recipients that cannot be addresses$" || fail "readable status: $(c status)"
c --json list | grep -q '"aaaaaaaaaaaa' && fail "a cut address was suppressed"

# reboundctl's options: --json before an offline verb is kept, an unknown
# option refused, --help answered without a daemon, --follow in any place.
"$CTL" --json classify "550 5.1.1 user unknown" | grep -q '^{.*"reason": *"userunknown"' ||
	fail "global --json dropped for classify"
if "$CTL" -x status 2> "$T/opt"; then fail "-x accepted"; fi
grep -q 'unknown option "-x"' "$T/opt" || fail "-x: $(cat "$T/opt")"
"$CTL" -s "$T/none.sock" status --help | grep -q "usage: reboundctl status" ||
	fail "status --help did not print help"
"$CTL" --help | grep -q -- "list .*--limit" || fail "--help lacks list --limit"
# Every error of reboundctl says it is one of reboundctl's.
if "$CTL" classify --jsonl "$T/no-such.jsonl" 2> "$T/opt"; then fail "classify --jsonl of a missing file succeeded"; fi
grep -q "^reboundctl: classify: $T/no-such.jsonl: No such file or directory$" "$T/opt" ||
	fail "classify --jsonl of a missing file: $(cat "$T/opt")"
# parse: the table names each file without its directory (cut to the
# column, whole paths all read the same directory) under a header row;
# replycode is a number, 0 without one.
"$CTL" parse "$S/tests/data/dsn/exim.eml" "$S/tests/data/dsn/arf.eml" > "$T/parse" ||
	fail "parse exited $?"
head -1 "$T/parse" | grep -q "^FILE  *RECIPIENT  *STATUS  *OUTCOME  *REASON  *H  *ACTION  *DIAGNOSTIC$" ||
	fail "parse: no header row: $(head -1 "$T/parse")"
grep -q "^exim.eml  " "$T/parse" && grep -q "^arf.eml  " "$T/parse" ||
	fail "parse: file column: $(cat "$T/parse")"
"$CTL" parse "$S/tests/data/dsn/notbounce.eml" > "$T/parse" || fail "parse notbounce exited $?"
[ -s "$T/parse" ] && fail "parse: a header without rows: $(cat "$T/parse")"
"$CTL" parse --json "$S/tests/data/dsn/arf.eml" "$S/tests/data/dsn/exim.eml" |
	python3 -c '
import json, sys
codes = [json.loads(l)["replycode"] for l in sys.stdin]
assert codes == [0, 550], codes' || fail "parse --json: replycode not a number"
# classify --json and --jsonl the same: 0 without a code, never left out.
{ "$CTL" classify --json "Unknown user: x@example.org" &&
  printf '{"reply":"550 5.1.1 no such user"}\n' | "$CTL" classify --jsonl -; } |
	python3 -c '
import json, sys
codes = [json.loads(l)["replycode"] for l in sys.stdin]
assert codes == [0, 550], codes' || fail "classify --json: replycode not always a number"
"$CTL" -s "$T/$(printf '%0120d' 0).sock" status 2>&1 | grep -q "File name too long" ||
	fail "a socket path too long for sun_path is not said so"
c events --json --follow > "$T/follow" &
follow_pid=$!
wait_until 10 grep -q following "$T/follow" || fail "events --json --follow: $(cat "$T/follow")"
cat >> "$D/mail.log" <<LOG
$now mx1 postfix/qmgr[10]: 2B3C4D5E6F: from=<news@shop.example>, size=2048, nrcpt=1 (queue active)
$now mx1 postfix/smtp[11]: 2B3C4D5E6F: to=<followed@example.com>, relay=mx.example.com[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 OK)
LOG
wait_until 10 grep -q followed@example.com "$T/follow" ||
	fail "events --json --follow stopped: $(cat "$T/follow")"
kill "$follow_pid"
# A refused --follow ends at once with exit 1; it waited for the daemon's
# idle timeout (30 s) on a connection that would never carry an event.
rc=0; timeout 20 "$CTL" -s "$D/ctl.sock" events --follow --bogus > /dev/null 2> "$T/opt" || rc=$?
[ "$rc" = 1 ] && grep -q 'unexpected argument "--bogus"' "$T/opt" ||
	fail "a refused events --follow: exit $rc: $(cat "$T/opt")"

wait "$idle_pid"
read -r idle secs < "$T/idle"
[ "$idle" = closed ] && [ "$secs" -ge 29 ] || fail "idle client: $(cat "$T/idle")"
grep -q "control: uid=0 idle=30s closed=yes" "$D/reboundd.log" || fail "idle client not logged"

# SIGHUP with a broken file: still running, old configuration kept.
pid=$(cat "$D/pid")
cp "$D/rebound.conf" "$T/good.conf"
echo "escalation_span = whenever" >> "$D/rebound.conf"
kill -HUP "$pid"
wait_until 20 grep -q "reload=refused.*rebound.conf:[0-9]*: escalation_span" "$D/reboundd.log" ||
	fail "no line-numbered refusal logged: $(tail -3 "$D/reboundd.log")"
kill -0 "$pid" || fail "reboundd died on a broken configuration"
c --json status | grep -q '"reload_failures": *1' || fail "status does not count the refused reload"
c status | grep -q '^reloads [0-9]* (1 refused)' || fail "readable status: $(c status)"
! c status | grep -q '^milter' || fail "readable status shows a milter that does not run"
c --json status | grep -q "\"reloads\": *$reloads," || fail "a refused reload was counted as done"
# A good file is applied.
cp "$T/good.conf" "$D/rebound.conf"
echo "escalation_failures = 5" >> "$D/rebound.conf"
kill -HUP "$pid"
reloaded() { c --json status | grep -q "\"reloads\": *$((reloads + 1)),"; }
wait_until 20 reloaded || fail "good configuration not applied"
c lookup Gone@example.com | grep -q ": SUPPRESSED" || fail "state lost across reload"

# A reload that adds a log file starts following it.
# (a file new to the daemon is followed from its end, so it grows after)
sed -i "s|^log_files = .*|log_files = $D/mail.log, $D/second.log|" "$D/rebound.conf"
: > "$D/second.log"
kill -HUP "$pid"
for _ in $(seq 1 100); do
	[ "$(c --json status | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["sources"]))')" = 2 ] && break
	sleep 0.1
done
cat >> "$D/second.log" <<LOG
$now mx1 postfix/qmgr[10]: 9F8E7D6C5B: from=<news@shop.example>, size=2048, nrcpt=1 (queue active)
$now mx1 postfix/smtp[12]: 9F8E7D6C5B: to=<nobody@second.example>, relay=mx.second.example[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.second.example[192.0.2.9] said: 550 5.1.1 No such user (in reply to RCPT TO command))
LOG
for _ in $(seq 1 100); do
	c lookup nobody@second.example | grep -q ": SUPPRESSED" && break
	sleep 0.1
done
c lookup nobody@second.example | grep -q ": SUPPRESSED" || fail "a log file added by a reload is not followed"
c --json status | python3 -c 'import json,sys; s=json.load(sys.stdin)["sources"]; assert len(s) == 2, s' ||
	fail "status does not show both sources"

grep -q "source: file=$D/second.log resume=end" "$D/reboundd.log" || fail "no line for the added source"

# SIGTERM: a clean exit, status 0, socket removed.
# A follower sees the daemon go: exit 1 and why (it ended with 0, as if
# it had nothing more to say).
c events --follow > "$T/follow" 2> "$T/follow.err" &
follow_pid=$!
wait_until 10 grep -q following "$T/follow" || fail "events --follow: $(cat "$T/follow")"
kill -TERM "$pid"
wait "$pid"
rc=$?
rm -f "$D/pid"
[ "$rc" -eq 0 ] || fail "exit status $rc after SIGTERM"
rc=0; wait "$follow_pid" || rc=$?
[ "$rc" = 1 ] && grep -q "reboundd closed the connection" "$T/follow.err" ||
	fail "a follower of a daemon that stopped: exit $rc: $(cat "$T/follow.err")"
[ ! -e "$D/ctl.sock" ] || fail "socket left behind"
grep -q "stopped=yes" "$D/reboundd.log" || fail "no clean stop logged"
pass "control socket, permissions, reload and shutdown"
