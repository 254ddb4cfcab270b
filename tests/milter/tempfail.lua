-- tests/milter/tempfail.lua - milter_policy = tempfail: a suppressed
-- recipient in scope is answered with the reply (4xx in the shell's
-- counters and log); out of scope it is accepted; mail that did not come
-- over SMTP cannot be refused per recipient, so it is dropped there.
dofile(os.getenv("MT_DIR") .. "/common.lua")

local conn = open("client.example", "127.0.0.1")
check(mt.mailfrom(conn, "<news@shop.example>"), "MAIL")
rcpt(conn, "dead@example.com", SMFIR_REPLYCODE)
rcpt(conn, "live@example.com", SMFIR_CONTINUE)
plain(conn, { { "Subject", "tempfail" } }, "hi\r\n", "message to a live recipient")
mt.disconnect(conn)

-- A client outside every network: accepted.
conn = open("mx.sender.example", "192.0.2.7")
check(mt.mailfrom(conn, "<someone@sender.example>"), "MAIL")
rcpt(conn, "dead@example.com", SMFIR_CONTINUE)
mt.disconnect(conn)

-- No address family (a local submission): dropped at EOM instead.
conn = open("localhost", "unspec")
check(mt.mailfrom(conn, "<root@shop.example>"), "MAIL")
rcpt(conn, "dead@example.com", SMFIR_CONTINUE)
rcpt(conn, "live@example.com", SMFIR_CONTINUE)
full(conn, { { "Subject", "local" } }, "x\r\n", "local message with a recipient to drop")
check(mt.eom(conn), "EOM")
expect(conn, SMFIR_CONTINUE, "EOM")
assert(mt.eom_check(conn, MT_RCPTDELETE, "<dead@example.com>"), "local suppressed recipient kept")
mt.disconnect(conn)
