-- tests/milter/drop.lua - milter_policy = drop: suppressed recipients are
-- accepted at RCPT and removed at end of message; a message left with no
-- recipient is discarded.
dofile(os.getenv("MT_DIR") .. "/common.lua")

local conn = open("client.example", "127.0.0.1")
check(mt.mailfrom(conn, "<news@shop.example>"), "MAIL")
rcpt(conn, "dead@example.com", SMFIR_CONTINUE)
rcpt(conn, "live@example.com", SMFIR_CONTINUE)
message(conn, "news@shop.example", { { "Subject", "drop" } }, "hi\r\n")
check(mt.eom(conn), "EOM")
expect(conn, SMFIR_CONTINUE, "EOM")
assert(mt.eom_check(conn, MT_RCPTDELETE, "<dead@example.com>"), "suppressed recipient not removed")
assert(not mt.eom_check(conn, MT_RCPTDELETE, "<live@example.com>"), "live recipient removed")

check(mt.mailfrom(conn, "<news@shop.example>"), "MAIL")
rcpt(conn, "dead@example.com", SMFIR_CONTINUE)
message(conn, "news@shop.example", { { "Subject", "drop all" } }, "hi\r\n")
check(mt.eom(conn), "EOM")
expect(conn, SMFIR_DISCARD, "EOM with every recipient dropped")
mt.disconnect(conn)
