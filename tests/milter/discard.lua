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

-- A success notice and an out-of-office reply are recorded but were
-- meant for a person: delivered, not discarded.
check(mt.mailfrom(conn, "<>"), "MAIL")
rcpt(conn, "news@shop.example", SMFIR_CONTINUE)
full(conn, { { "From", "MAILER-DAEMON@remote.example" }, { "To", "news@shop.example" },
    { "Subject", "Successful Mail Delivery Report" }, { "MIME-Version", "1.0" },
    { "Content-Type", "multipart/report; report-type=delivery-status; boundary=\"B\"" } },
    string.gsub(string.gsub(dsn_body("fine@remote.example", "fine@shop.example"),
    "Action: failed\r\nStatus: 5.1.1", "Action: delivered\r\nStatus: 2.0.0"),
    "550 5.1.1 <fine@remote.example>: User unknown", "250 2.0.0 Ok"), "success notice")
check(mt.eom(conn), "EOM")
expect(conn, SMFIR_CONTINUE, "EOM of a success notice")
local h = mt.getheader(conn, "X-Rebound", 0)
assert(h ~= nil and string.find(h, "reason=delivered", 1, true) and
    string.find(h, "a notice for the sender", 1, true), "verdict: " .. tostring(h))
check(mt.mailfrom(conn, "<>"), "MAIL")
rcpt(conn, "news@shop.example", SMFIR_CONTINUE)
full(conn, { { "From", "away@remote.example" }, { "To", "news@shop.example" },
    { "Subject", "Out of Office: hello" }, { "Auto-Submitted", "auto-replied" } },
    "I am out of the office until Monday.\r\n", "auto-reply")
check(mt.eom(conn), "EOM")
expect(conn, SMFIR_CONTINUE, "EOM of an out-of-office reply")
h = mt.getheader(conn, "X-Rebound", 0)
assert(h ~= nil and string.find(h, "reason=vacation", 1, true), "verdict: " .. tostring(h))

-- A null sender with no report in it: nothing recorded, delivered.
check(mt.mailfrom(conn, "<>"), "MAIL")
rcpt(conn, "news@shop.example", SMFIR_CONTINUE)
message(conn, "", { { "From", "someone@remote.example" }, { "Subject", "thanks" } },
    "Just saying thanks.\r\n")
check(mt.eom(conn), "EOM")
expect(conn, SMFIR_CONTINUE, "EOM of a message that is no DSN")
h = mt.getheader(conn, "X-Rebound", 0)
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
