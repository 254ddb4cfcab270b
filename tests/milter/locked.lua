-- tests/milter/locked.lua - milter_dsn_action = discard while another
-- process holds the database's write lock: the DSN's records cannot be
-- committed in time, so the DSN is delivered as it came (with its
-- verdict), never discarded; the records wait to be retried.
dofile(os.getenv("MT_DIR") .. "/common.lua")

local conn = open("client.example", "127.0.0.1")
check(mt.mailfrom(conn, "<>"), "MAIL")
rcpt(conn, "news@shop.example", SMFIR_CONTINUE)
message(conn, "", dsn_headers, dsn_body("locked@remote.example", "locked@shop.example"))
check(mt.eom(conn), "EOM")
expect(conn, SMFIR_CONTINUE, "EOM of a DSN the store could not take")
local h = mt.getheader(conn, "X-Rebound", 0)
assert(h ~= nil and string.find(h, "locked@remote.example", 1, true),
    "verdict: " .. tostring(h))
mt.disconnect(conn)
