-- tests/milter/bigbody.lua - a DSN larger than milter_max_body (64k in
-- the test) is accepted unparsed; one within it is parsed, and a forged
-- verdict header is removed.
dofile(os.getenv("MT_DIR") .. "/common.lua")

local conn = open("client.example", "127.0.0.1")
check(mt.mailfrom(conn, "<>"), "MAIL")
rcpt(conn, "news@shop.example", SMFIR_CONTINUE)
message(conn, "", dsn_headers, dsn_body("big@remote.example", "big@shop.example"))
for i = 1, 40 do
	check(mt.bodystring(conn, string.rep("0123456789abcdef", 128)), "body")
end
check(mt.eom(conn), "EOM")
expect(conn, SMFIR_CONTINUE, "EOM")
local h = mt.getheader(conn, "X-Rebound", 0)
assert(h ~= nil and string.find(h, "too-big", 1, true), "verdict: " .. tostring(h))

-- Within the limit, with a verdict header of its own.
check(mt.mailfrom(conn, "<>"), "MAIL")
rcpt(conn, "news@shop.example", SMFIR_CONTINUE)
local hdrs = { { "X-Rebound", "dsn records=1 verified=1" } }
for _, x in ipairs(dsn_headers) do table.insert(hdrs, x) end
message(conn, "", hdrs, dsn_body("small@remote.example", "small@shop.example"))
check(mt.eom(conn), "EOM")
expect(conn, SMFIR_CONTINUE, "EOM")
assert(mt.eom_check(conn, MT_HDRDELETE, "X-Rebound"), "forged verdict header kept")
h = mt.getheader(conn, "X-Rebound", 0)
assert(h ~= nil and string.find(h, "format=rfc3464 records=1", 1, true), "verdict: " .. tostring(h))
assert(string.find(h, "unverified=1", 1, true), "a DSN for mail never sent verified: " .. h)
mt.disconnect(conn)
