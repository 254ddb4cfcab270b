-- tests/milter/tag.lua - milter_policy = tag: suppressed recipients are
-- delivered with a header naming them.
dofile(os.getenv("MT_DIR") .. "/common.lua")

local conn = open("client.example", "127.0.0.1")
check(mt.mailfrom(conn, "<news@shop.example>"), "MAIL")
rcpt(conn, "dead@example.com", SMFIR_CONTINUE)
rcpt(conn, "live@example.com", SMFIR_CONTINUE)
full(conn, { { "Subject", "tag" } }, "hi\r\n", "message with a tagged recipient")
check(mt.eom(conn), "EOM")
expect(conn, SMFIR_CONTINUE, "EOM")
local h = mt.getheader(conn, "X-Rebound-Suppressed", 0)
assert(h ~= nil and string.find(h, "<dead@example.com>", 1, true), "tag: " .. tostring(h))
-- The reply's text, with its '%' as written (doubled only in a reply).
assert(string.find(h, "100% suppressed (suppressed since ", 1, true), "tag text: " .. h)
assert(not string.find(h, "live@", 1, true), "tag names a live recipient: " .. h)
assert(not mt.eom_check(conn, MT_RCPTDELETE, "<dead@example.com>"), "tagged recipient removed")
mt.disconnect(conn)
