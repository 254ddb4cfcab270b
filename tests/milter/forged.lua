-- tests/milter/forged.lua - a DSN from someone who once got mail from
-- here (attacker@evil.example, Message-ID <nl1@shop.example>): its
-- Original-Recipient names him, its Final-Recipient someone never mailed.
-- The match vouches for the address that was mailed, so the record is
-- his; the other address must not be suppressed.
dofile(os.getenv("MT_DIR") .. "/common.lua")
local victim = "victim@innocent.example"
local body = dsn_body(victim, "nl1@shop.example", "attacker@evil.example")
local conn = open("mx.evil.example", "198.51.100.7")
check(mt.mailfrom(conn, "<>"), "MAIL")
rcpt(conn, "news@shop.example", SMFIR_CONTINUE)
full(conn, dsn_headers, body, "forged dsn")
check(mt.eom(conn), "EOM")
local h = mt.getheader(conn, "X-Rebound", 0)
assert(h ~= nil and not string.find(h, victim, 1, true),
    "the forged record kept the address never mailed: " .. tostring(h))
mt.disconnect(conn)
