-- tests/milter/reuse.lua - several transactions on one connection, as
-- Postfix's smtpd sends them: each gets its own state.
dofile(os.getenv("MT_DIR") .. "/common.lua")

local conn = open("client.example", "127.0.0.1")
for round = 1, 3 do
	check(mt.mailfrom(conn, "<news@shop.example>"), "MAIL")
	rcpt(conn, "dead@example.com", SMFIR_REPLYCODE)
	rcpt(conn, "live" .. round .. "@example.com", SMFIR_CONTINUE)
	plain(conn, { { "Subject", "round " .. round } }, "hi\r\n", "round " .. round)

	-- A DSN in between: parsed, and its state gone by the next round.
	check(mt.mailfrom(conn, "<>"), "MAIL")
	rcpt(conn, "news@shop.example", SMFIR_CONTINUE)
	message(conn, "", dsn_headers, dsn_body("gone" .. round .. "@remote.example",
	    "never-sent-" .. round .. "@shop.example"))
	check(mt.eom(conn), "EOM")
	expect(conn, SMFIR_CONTINUE, "EOM")
	local h = mt.getheader(conn, "X-Rebound", 0)
	assert(h ~= nil, "no verdict header on a DSN")
	assert(string.find(h, "gone" .. round .. "@remote.example", 1, true), "verdict: " .. h)
	assert(not string.find(h, "gone" .. (round - 1) .. "@", 1, true), "state left over: " .. h)
end
mt.disconnect(conn)
