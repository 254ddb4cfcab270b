#!/bin/sh
# daemon_docs.sh - the configuration's documentation matches the code: the
# keys of rebound.conf(5) are exactly those reboundd knows, the shipped
# conf/rebound.conf uncommented is the built-in defaults, and -t / -n
# report a bad file with its line, the milter's settings included.
. "${top_srcdir:-.}/tests/lib.sh"
"$B/reboundd" -n > "$T/defaults" || fail "reboundd -n failed"
tail -n +2 "$T/defaults" | awk '{print $1}' | sort > "$T/code.keys"
sed -n '/^\.Sh KEYS/,/^\.Sh FILES/p' "$S/man/rebound.conf.5.in" |
	sed -n 's/^\.It Cm \([a-z_]*\).*/\1/p' | sort > "$T/man.keys"
[ "$(wc -l < "$T/code.keys")" -gt 40 ] || fail "too few keys printed"
diff "$T/code.keys" "$T/man.keys" > "$T/keys.diff" ||
	fail "rebound.conf(5) and the code disagree (< code, > man): $(cat "$T/keys.diff")"

# Every key has a description: no heading directly followed by another.
sed -n '/^\.Sh KEYS/,/^\.Sh FILES/p' "$S/man/rebound.conf.5.in" |
	awk '/^\.It Cm /{ if (prev) print prev; prev=$3; next } { prev="" }' > "$T/bare"
[ ! -s "$T/bare" ] || fail "rebound.conf(5) keys without a description: $(cat "$T/bare")"
# The page states the built-in socket path, not the build's runstatedir.
sock=$(sed -n 's/^control_socket = //p' "$T/defaults")
grep -q "^\.It Cm control_socket No = Pa $sock\$" "$S/man/rebound.conf.5.in" ||
	fail "rebound.conf(5) does not give control_socket's default $sock"

# The shipped file, every default uncommented, is the defaults.
sed -e 's/^#\([a-z_]* =\)/\1/' "$S/conf/rebound.conf" > "$T/shipped.conf"
"$B/reboundd" -n -c "$T/shipped.conf" > "$T/shipped" || fail "the shipped file does not parse"
diff "$(printf '%s' "$T/defaults")" "$T/shipped" | grep '^[<>] [a-z]' | grep -v '^[<>] database = ' > "$T/shipped.diff"
[ ! -s "$T/shipped.diff" ] || fail "conf/rebound.conf differs from the defaults: $(cat "$T/shipped.diff")"
# Every key is in the shipped file, commented out with its default.
for k in $(sed -n 's/^\([a-z_]*\) = .*/\1/p' "$T/defaults"); do
	grep -q "^#$k =\( \|$\)" "$S/conf/rebound.conf" || fail "conf/rebound.conf lacks $k"
done
# -n prints what -c reads back unchanged.
tail -n +2 "$T/defaults" > "$T/again.conf"
"$B/reboundd" -n -c "$T/again.conf" | tail -n +2 | cmp -s - "$T/again.conf" ||
	fail "reboundd -n output does not read back the same"

# -t: a good file passes, a bad one names its line.
# As root without the rebound user, -t refuses it as start-up would.
if [ "$(id -u)" = 0 ] && ! getent passwd rebound >/dev/null; then
	if "$B/reboundd" -t -c "$T/shipped.conf" > "$T/t.out" 2>&1; then
		fail "-t as root accepted a missing user"
	fi
	grep -q 'user: "rebound" does not exist; refusing' "$T/t.out" || fail "-t said: $(cat "$T/t.out")"
	sed -i "s/^user = .*/user =/" "$T/shipped.conf"
fi
"$B/reboundd" -t -c "$T/shipped.conf" > "$T/t.out" 2>&1 || fail "-t refused the shipped file: $(cat "$T/t.out")"
printf 'verbose = yes\n\nmilter_policy = bounce\n' > "$T/bad.conf"
if "$B/reboundd" -t -c "$T/bad.conf" > "$T/t.out" 2>&1; then fail "-t accepted a bad file"; fi
grep -q "bad.conf:3: milter_policy: \"bounce\" is not one of" "$T/t.out" || fail "-t said: $(cat "$T/t.out")"
# The milter's own checks run under -t too, with the line, milter or not.
while IFS='|' read -r line want; do
	printf 'verbose = yes\n%s\n' "$line" > "$T/bad.conf"
	if "$B/reboundd" -t -c "$T/bad.conf" > "$T/t.out" 2>&1; then fail "-t accepted $line"; fi
	grep -qF "bad.conf:2: $want" "$T/t.out" || fail "-t on $line said: $(cat "$T/t.out")"
done <<'CASES'
milter_socket = inet:100000@127.0.0.1|milter_socket: "inet:100000@127.0.0.1": port 100000 is not from 1 to 65535
milter_client_networks = 127.0.0.0/8, 10.0.0.0/99|milter_client_networks: "10.0.0.0/99" is not an address or ADDRESS/BITS
milter_reject_reply = Suppressed (%r)|milter_reject_reply: "Suppressed (%r)" does not start with a 4xx or 5xx code
milter_bounce_addresses = bounces+%s@shop.example|milter_bounce_addresses: "bounces+%s@shop.example" has %s: only %l and %d
CASES
printf 'user =\nmilter_socket = inet:10025@127.0.0.1\nmilter_bounce_addresses = bounces+%%l=%%d@shop.example\n' > "$T/milter.conf"
"$B/reboundd" -t -c "$T/milter.conf" > "$T/t.out" 2>&1 || fail "-t refused a good milter file: $(cat "$T/t.out")"
grep -q "ok, .* rules, milter on inet:10025@127.0.0.1" "$T/t.out" || fail "-t said: $(cat "$T/t.out")"
printf 'user =\nrules_file = %s/no/such.rules\n' "$T" > "$T/norules.conf"
if "$B/reboundd" -t -c "$T/norules.conf" > "$T/t.out" 2>&1; then fail "-t accepted a missing rule file"; fi
grep -q "no/such.rules" "$T/t.out" || fail "-t on a missing rule file said: $(cat "$T/t.out")"
pass "$(wc -l < "$T/code.keys") keys documented one to one; -n, -t and the shipped file agree; -t checks the milter settings"
