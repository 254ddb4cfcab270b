-- tests/milter/macros.lua - no macros at all and no client address: the
-- milter decides from what it has and never fails the message.
dofile(os.getenv("MT_DIR") .. "/common.lua")

-- No {daemon_name}, {auth_authen}, {i}; a client outside every network.
local conn = open("mx.sender.example", "192.0.2.7")
check(mt.mailfrom(conn, "<someone@sender.example>"), "MAIL")
rcpt(conn, "dead@example.com", SMFIR_CONTINUE)
plain(conn, { { "Subject", "x" } }, "x\r\n", "message out of scope")
mt.disconnect(conn)

-- An empty {auth_authen} is not authentication.
conn = open("mx.sender.example", "192.0.2.7")
check(mt.macro(conn, SMFIC_MAIL, "{auth_authen}", ""), "macro")
check(mt.mailfrom(conn, "<someone@sender.example>"), "MAIL")
rcpt(conn, "dead@example.com", SMFIR_CONTINUE)
mt.disconnect(conn)

-- No address family (Sendmail's local submissions): local, in scope.
-- A recipient of local mail cannot be refused, so it is dropped at EOM.
conn = open("localhost", "unspec")
check(mt.mailfrom(conn, "<root@shop.example>"), "MAIL")
rcpt(conn, "dead@example.com", SMFIR_CONTINUE)
rcpt(conn, "live@example.com", SMFIR_CONTINUE)
full(conn, { { "Subject", "local" } }, "x\r\n", "local message with a recipient to drop")
check(mt.eom(conn), "EOM")
expect(conn, SMFIR_CONTINUE, "EOM")
assert(mt.eom_check(conn, MT_RCPTDELETE, "<dead@example.com>"), "local suppressed recipient kept")
mt.disconnect(conn)

-- Empty and odd recipients.
conn = open("client.example", "127.0.0.1")
check(mt.mailfrom(conn, "<news@shop.example>"), "MAIL")
rcpt(conn, "", SMFIR_CONTINUE)
check(mt.rcptto(conn, "no-brackets@example.com"), "RCPT")
expect(conn, SMFIR_CONTINUE, "RCPT without brackets")
check(mt.rcptto(conn, "dead@example.com"), "RCPT")
expect(conn, SMFIR_REPLYCODE, "suppressed RCPT without brackets")
check(mt.rcptto(conn, "<dead@example.com>", "NOTIFY=NEVER"), "RCPT")
expect(conn, SMFIR_REPLYCODE, "suppressed RCPT with parameters")
mt.disconnect(conn)
