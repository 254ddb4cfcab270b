-- tests/milter/discard.lua - milter_dsn_action = discard: a DSN that is
-- parsed and recorded is discarded at end of message; one that is not
-- recorded (not a bounce, over milter_max_body) is delivered.
dofile(os.getenv("MT_DIR") .. "/common.lua")

local conn = open("client.example", "127.0.0.1")
check(mt.mailfrom(conn, "<>"), "MAIL")
rcpt(conn, "news@shop.example", SMFIR_CONTINUE)
message(conn, "", dsn_headers, dsn_body("discard@remote.example", "discard@shop.example"))
check(mt.eom(conn), "EOM")
expect(conn, SMFIR_DISCARD, "EOM of a recorded DSN")

-- A null sender with no report in it: nothing recorded, delivered.
check(mt.mailfrom(conn, "<>"), "MAIL")
rcpt(conn, "news@shop.example", SMFIR_CONTINUE)
message(conn, "", { { "From", "someone@remote.example" }, { "Subject", "thanks" } },
    "Just saying thanks.\r\n")
check(mt.eom(conn), "EOM")
expect(conn, SMFIR_CONTINUE, "EOM of a message that is no DSN")
local h = mt.getheader(conn, "X-Rebound", 0)
assert(h ~= nil and string.find(h, "not-a-bounce", 1, true), "verdict: " .. tostring(h))

-- Too big to parse: delivered with its verdict.
check(mt.mailfrom(conn, "<>"), "MAIL")
rcpt(conn, "news@shop.example", SMFIR_CONTINUE)
message(conn, "", dsn_headers, dsn_body("huge@remote.example", "huge@shop.example"))
for i = 1, 40 do
	check(mt.bodystring(conn, string.rep("0123456789abcdef", 128)), "body")
end
check(mt.eom(conn), "EOM")
expect(conn, SMFIR_CONTINUE, "EOM of a DSN over milter_max_body")
mt.disconnect(conn)
