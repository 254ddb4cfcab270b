-- tests/milter/alive.lua - the milter still answers: a suppressed
-- recipient refused, another accepted.
dofile(os.getenv("MT_DIR") .. "/common.lua")

local conn = open("client.example", "127.0.0.1")
check(mt.mailfrom(conn, "<news@shop.example>"), "MAIL")
rcpt(conn, "dead@example.com", SMFIR_REPLYCODE)
rcpt(conn, "live@example.com", SMFIR_CONTINUE)
mt.disconnect(conn)
