-- tests/milter/many.lua - 1,000 recipients in one message, every tenth
-- suppressed (dead1..dead100@example.com): each gets its own answer.
dofile(os.getenv("MT_DIR") .. "/common.lua")

local conn = open("client.example", "127.0.0.1")
check(mt.mailfrom(conn, "<news@shop.example>"), "MAIL")
local refused = 0
for i = 1, 1000 do
	if i % 10 == 0 then
		rcpt(conn, "dead" .. math.floor(i / 10) .. "@example.com", SMFIR_REPLYCODE)
		refused = refused + 1
	else
		rcpt(conn, "user" .. i .. "@example.com", SMFIR_CONTINUE)
	end
end
assert(refused == 100)
plain(conn, { { "Subject", "many" } }, "hello\r\n", "message to 900 live recipients")
mt.disconnect(conn)
