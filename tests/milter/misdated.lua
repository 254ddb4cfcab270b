-- tests/milter/misdated.lua - two delay reports for clock@remote.example
-- about mail sent from here (Message-ID <clock1@shop.example>): the first
-- from a server whose clock is years behind (Last-Attempt-Date in 2001),
-- the second dated now.  Taken at their word, the two would span the
-- escalation time in seconds.
dofile(os.getenv("MT_DIR") .. "/common.lua")
local rcptaddr = "clock@remote.example"
local function delayed(date)
	local body = string.gsub(dsn_body(rcptaddr, "clock1@shop.example"),
	    "Action: failed\r\nStatus: 5.1.1\r\n",
	    "Action: delayed\r\nStatus: 4.2.2\r\nLast-Attempt-Date: " .. date .. "\r\n")
	body = string.gsub(body, "550 5.1.1 <" .. rcptaddr .. ">: User unknown",
	    "452 4.2.2 <" .. rcptaddr .. ">: Mailbox full")
	return body
end
local conn = open("mx.remote.example", "192.0.2.9")
for _, date in ipairs({ "Mon, 1 Jan 2001 00:00:00 +0000",
    os.date("!%a, %d %b %Y %H:%M:%S +0000") }) do
	check(mt.mailfrom(conn, "<>"), "MAIL")
	rcpt(conn, "news@shop.example", SMFIR_CONTINUE)
	full(conn, dsn_headers, delayed(date), "delay report of " .. date)
	check(mt.eom(conn), "EOM")
	local h = mt.getheader(conn, "X-Rebound", 0)
	assert(h ~= nil and string.find(h, "mailbox-full", 1, true),
	    "verdict: " .. tostring(h))
end
mt.disconnect(conn)
