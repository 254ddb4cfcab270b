# tests/postfix-lib.sh - a private Postfix instance on loopback ports for
# the tests, and the scripted SMTP peer it relays to.
#
# Postfix accepts "-c DIR" only for directories that the default main.cf
# lists in alternate_config_directories; the tests use a few fixed slots
# under /tmp/rebound-pf and add them to /etc/postfix/main.cf once (creating
# it if the package left none).  Needs root, as Postfix's master does.
#
# postfix_start: sets PF (instance dir), PF_PORT (its SMTP port), PEER_PORT,
# starts the peer with $T/replies and Postfix relaying to it.  The caller's
# extra main.cf lines may be in $PF_EXTRA, and master.cf lines in
# $PF_MASTER_EXTRA.  postfix_stop undoes it all.
PF_SLOTS="/tmp/rebound-pf/s1/conf /tmp/rebound-pf/s2/conf /tmp/rebound-pf/s3/conf"

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

postfix_available() {
	[ "$(id -u)" = 0 ] || return 1
	command -v postfix >/dev/null && command -v python3 >/dev/null
}

postfix_start() {
	mkdir -p /tmp/rebound-pf
	if ! grep -q "^alternate_config_directories = $PF_SLOTS" /etc/postfix/main.cf 2>/dev/null; then
		sed -i '/^alternate_config_directories/d' /etc/postfix/main.cf 2>/dev/null || :
		echo "alternate_config_directories = $PF_SLOTS" >> /etc/postfix/main.cf
	fi
	PF=
	for slot in s1 s2 s3; do
		if mkdir "/tmp/rebound-pf/$slot.lock" 2>/dev/null; then
			PF=/tmp/rebound-pf/$slot
			break
		fi
	done
	[ -n "$PF" ] || fail "no free Postfix slot under /tmp/rebound-pf"
	rm -rf "$PF"
	mkdir -p "$PF/conf" "$PF/spool" "$PF/data"
	chown postfix "$PF/data"
	PF_PORT=$(free_port)
	PEER_PORT=$(free_port)
	python3 "$S/tests/smtp-peer.py" "$PEER_PORT" "$T/replies" "$T/peer.log" &
	PEER_PID=$!
	cat > "$PF/conf/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $PF/spool
data_directory = $PF/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = loopback-only
inet_protocols = ipv4
myhostname = mx.rebound.test
mydomain = rebound.test
myorigin = \$myhostname
mydestination =
local_transport = error:no local delivery here
relayhost = [127.0.0.1]:$PEER_PORT
disable_dns_lookups = yes
smtp_host_lookup = native
smtp_tls_security_level = none
smtpd_tls_security_level = none
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
mynetworks = 127.0.0.0/8
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 4s
bounce_queue_lifetime = 0
$PF_EXTRA
CF
	sed "s/^smtp      inet.*/127.0.0.1:$PF_PORT inet n - y - - smtpd/" \
		/etc/postfix/master.cf > "$PF/conf/master.cf"
	[ -z "${PF_MASTER_EXTRA:-}" ] || printf '%s\n' "$PF_MASTER_EXTRA" >> "$PF/conf/master.cf"
	: > "$PF/maillog"
	if ! postfix -c "$PF/conf" start >"$T/postfix.start" 2>&1; then
		script -qc "postfix -c $PF/conf check" /dev/null >&2 || :
		cat "$T/postfix.start" >&2
		fail "postfix did not start"
	fi
	at_exit "postfix_stop"
}

postfix_stop() {
	[ -n "${PF:-}" ] || return 0
	postfix -c "$PF/conf" stop >/dev/null 2>&1 || :
	kill "$PEER_PID" 2>/dev/null || :
	rmdir "$PF.lock" 2>/dev/null || :
	PF=
}

# wait_maillog PATTERN COUNT: until COUNT lines match, or fail
wait_maillog() {
	for _ in $(seq 1 200); do
		[ "$(grep -c -- "$1" "$PF/maillog")" -ge "$2" ] && return 0
		sleep 0.1
	done
	cat "$PF/maillog" >&2
	fail "Postfix logged fewer than $2 lines matching $1"
}
