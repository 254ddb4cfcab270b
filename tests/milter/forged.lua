-- tests/milter/forged.lua - a DSN from someone who once got mail from
-- here (attacker@evil.example, Message-ID <nl1@shop.example>): its
-- Original-Recipient names him, its Final-Recipient someone never mailed.
-- The match vouches for the address that was mailed, so the record is
-- his; the other address must not be suppressed.
dofile(os.getenv("MT_DIR") .. "/common.lua")
local victim = "victim@innocent.example"
local body = "This is a MIME-encapsulated message.\r\n\r\n" ..
    "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\r\n" ..
    "--B\r\nContent-Type: message/delivery-status\r\n\r\n" ..
    "Reporting-MTA: dns; mx.evil.example\r\n\r\n" ..
    "Original-Recipient: rfc822; attacker@evil.example\r\n" ..
    "Final-Recipient: rfc822; " .. victim .. "\r\n" ..
    "Action: failed\r\nStatus: 5.1.1\r\n" ..
    "Diagnostic-Code: smtp; 550 5.1.1 <" .. victim .. ">: User unknown\r\n\r\n" ..
    "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n" ..
    "From: news@shop.example\r\nTo: attacker@evil.example\r\n" ..
    "Message-ID: <nl1@shop.example>\r\nSubject: hello\r\n\r\n--B--\r\n"
local conn = open("mx.evil.example", "198.51.100.7")
check(mt.mailfrom(conn, "<>"), "MAIL")
rcpt(conn, "news@shop.example", SMFIR_CONTINUE)
full(conn, dsn_headers, body, "forged dsn")
check(mt.eom(conn), "EOM")
local h = mt.getheader(conn, "X-Rebound", 0)
assert(h ~= nil and not string.find(h, victim, 1, true),
    "the forged record kept the address never mailed: " .. tostring(h))
mt.disconnect(conn)
