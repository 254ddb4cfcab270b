-- tests/milter/crowded.lua - while the database cannot commit, 10,000
-- suppressed recipients are refused, then a DSN comes in: its records
-- still find room to wait for the store (it is delivered, as the store
-- has not taken them).
dofile(os.getenv("MT_DIR") .. "/common.lua")

local conn = open("client.example", "127.0.0.1")
check(mt.mailfrom(conn, "<news@shop.example>"), "MAIL")
for i = 1, 10000 do
	rcpt(conn, "dead@example.com", SMFIR_REPLYCODE)
end
mt.disconnect(conn)

conn = open("client.example", "127.0.0.1")
check(mt.mailfrom(conn, "<>"), "MAIL")
rcpt(conn, "news@shop.example", SMFIR_CONTINUE)
message(conn, "", dsn_headers, dsn_body("crowded@remote.example", "crowded@shop.example"))
check(mt.eom(conn), "EOM")
expect(conn, SMFIR_CONTINUE, "EOM of a DSN the store could not take")
local h = mt.getheader(conn, "X-Rebound", 0)
assert(h ~= nil and not string.find(h, "queue-full", 1, true),
    "verdict: " .. tostring(h))
mt.disconnect(conn)
