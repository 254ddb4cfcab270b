-- tests/milter/rcpt.lua - suppressed recipients are refused in scope,
-- accepted out of scope; others are always accepted.
dofile(os.getenv("MT_DIR") .. "/common.lua")

-- A client in milter_client_networks.
local conn = open("client.example", "127.0.0.1")
check(mt.mailfrom(conn, "<news@shop.example>"), "MAIL")
rcpt(conn, "dead@example.com", SMFIR_REPLYCODE)
-- The domain is folded, the local part is not (fold = domain).
rcpt(conn, "dead@EXAMPLE.COM", SMFIR_REPLYCODE)
rcpt(conn, "live@example.com", SMFIR_CONTINUE)
-- A source route: Postfix delivers to the mailbox after it.
rcpt(conn, "@relay.example:dead@example.com", SMFIR_REPLYCODE)
rcpt(conn, "@a.example,@b.example:dead@EXAMPLE.COM", SMFIR_REPLYCODE)
rcpt(conn, "@relay.example:live@example.com", SMFIR_CONTINUE)
-- Nothing to do at its end (the refused recipient is not part of it).
plain(conn, { { "Subject", "hello" } }, "hello\r\n", "message to a live recipient")
mt.disconnect(conn)

-- From the Internet, not authenticated: out of scope, accepted.
conn = open("mx.sender.example", "192.0.2.7")
check(mt.mailfrom(conn, "<someone@sender.example>"), "MAIL")
rcpt(conn, "dead@example.com", SMFIR_CONTINUE)
mt.disconnect(conn)

-- The same address, authenticated: in scope.
conn = open("laptop.example", "192.0.2.8")
check(mt.macro(conn, SMFIC_MAIL, "{auth_authen}", "alice"), "macro")
check(mt.mailfrom(conn, "<alice@shop.example>"), "MAIL")
rcpt(conn, "dead@example.com", SMFIR_REPLYCODE)
mt.disconnect(conn)

-- A submission service named in milter_daemon_names: in scope.
conn = mt.connect(sock, 40, 0.25)
assert(conn, "connect")
check(mt.macro(conn, SMFIC_CONNECT, "{daemon_name}", "ORIGINATING"), "macro")
check(mt.conninfo(conn, "laptop.example", "192.0.2.9"), "conninfo")
check(mt.mailfrom(conn, "<bob@shop.example>"), "MAIL")
rcpt(conn, "dead@example.com", SMFIR_REPLYCODE)
rcpt(conn, "live@example.com", SMFIR_CONTINUE)
mt.disconnect(conn)
