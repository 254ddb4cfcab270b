-- tests/milter/quarantine.lua - milter_dsn_action = quarantine: a DSN
-- that is recorded is accepted with its verdict and held in the MTA's
-- quarantine; an ordinary message is not.
dofile(os.getenv("MT_DIR") .. "/common.lua")

local conn = open("client.example", "127.0.0.1")
check(mt.mailfrom(conn, "<>"), "MAIL")
rcpt(conn, "news@shop.example", SMFIR_CONTINUE)
message(conn, "", dsn_headers, dsn_body("held@remote.example", "held@shop.example"))
check(mt.eom(conn), "EOM")
expect(conn, SMFIR_CONTINUE, "EOM of a recorded DSN")
assert(mt.eom_check(conn, MT_QUARANTINE, "rebound: DSN recorded"), "DSN not quarantined")
local h = mt.getheader(conn, "X-Rebound", 0)
assert(h ~= nil and string.find(h, "rcpt=<held@remote.example>", 1, true), "verdict: " .. tostring(h))

check(mt.mailfrom(conn, "<news@shop.example>"), "MAIL")
rcpt(conn, "live@example.com", SMFIR_CONTINUE)
plain(conn, { { "Subject", "plain" } }, "hi\r\n", "an ordinary message")
mt.disconnect(conn)
