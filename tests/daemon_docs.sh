#!/bin/sh
# daemon_docs.sh - the configuration's documentation matches the code: the
# keys of rebound.conf(5) are exactly those reboundd knows, the shipped
# conf/rebound.conf uncommented is the built-in defaults, and -t / -n
# report a bad file with its line.
. "${top_srcdir:-.}/tests/lib.sh"
"$B/reboundd" -n > "$T/defaults" || fail "reboundd -n failed"
tail -n +2 "$T/defaults" | awk '{print $1}' | sort > "$T/code.keys"
sed -n '/^\.Sh KEYS/,/^\.Sh FILES/p' "$S/man/rebound.conf.5.in" |
	sed -n 's/^\.It Cm \([a-z_]*\).*/\1/p' | sort > "$T/man.keys"
[ "$(wc -l < "$T/code.keys")" -gt 40 ] || fail "too few keys printed"
diff "$T/code.keys" "$T/man.keys" > "$T/keys.diff" ||
	fail "rebound.conf(5) and the code disagree (< code, > man): $(cat "$T/keys.diff")"

# The shipped file, every default uncommented, is the defaults.
sed -e 's/^#\([a-z_]* =\)/\1/' "$S/conf/rebound.conf" > "$T/shipped.conf"
"$B/reboundd" -n -c "$T/shipped.conf" > "$T/shipped" || fail "the shipped file does not parse"
diff "$(printf '%s' "$T/defaults")" "$T/shipped" | grep '^[<>] [a-z]' | grep -v '^[<>] database = ' > "$T/shipped.diff"
[ ! -s "$T/shipped.diff" ] || fail "conf/rebound.conf differs from the defaults: $(cat "$T/shipped.diff")"
# -n prints what -c reads back unchanged.
tail -n +2 "$T/defaults" > "$T/again.conf"
"$B/reboundd" -n -c "$T/again.conf" | tail -n +2 | cmp -s - "$T/again.conf" ||
	fail "reboundd -n output does not read back the same"

# -t: a good file passes, a bad one names its line.
"$B/reboundd" -t -c "$T/shipped.conf" > "$T/t.out" 2>&1 || fail "-t refused the shipped file: $(cat "$T/t.out")"
printf 'verbose = yes\n\nmilter_policy = bounce\n' > "$T/bad.conf"
if "$B/reboundd" -t -c "$T/bad.conf" > "$T/t.out" 2>&1; then fail "-t accepted a bad file"; fi
grep -q "bad.conf:3: milter_policy: \"bounce\" is not one of" "$T/t.out" || fail "-t said: $(cat "$T/t.out")"
printf 'rules_file = %s/no/such.rules\n' "$T" > "$T/norules.conf"
if "$B/reboundd" -t -c "$T/norules.conf" > "$T/t.out" 2>&1; then fail "-t accepted a missing rule file"; fi
pass "$(wc -l < "$T/code.keys") keys documented one to one; -n, -t and the shipped file agree"
