-- tests/milter/common.lua - shared by the miltertest scripts: connect to
-- the reboundd under test (MT_SOCKET) and small checks that say what
-- failed.
sock = os.getenv("MT_SOCKET")
assert(sock, "MT_SOCKET is not set")

function open(host, ip)
	local conn = mt.connect(sock, 40, 0.25)
	assert(conn, "cannot connect to " .. sock)
	check(mt.conninfo(conn, host, ip), "conninfo")
	return conn
end

function check(err, what)
	if err ~= nil then
		error(what .. ": " .. err)
	end
end

function expect(conn, want, what)
	local got = mt.getreply(conn)
	if got ~= want then
		error(what .. ": reply '" .. string.char(got) .. "', want '" ..
		    string.char(want) .. "'")
	end
end

function rcpt(conn, addr, want)
	check(mt.rcptto(conn, "<" .. addr .. ">"), "RCPT " .. addr)
	expect(conn, want, "RCPT " .. addr)
end

-- A message from DATA up to and including the body.  A message with
-- nothing to do at its end is accepted at DATA, and then nothing more of
-- it is sent: message() returns SMFIR_ACCEPT; otherwise headers, EOH and
-- body follow and it returns SMFIR_CONTINUE (EOM is the caller's).
function message(conn, from, headers, body)
	check(mt.data(conn), "DATA")
	local r = mt.getreply(conn)
	if r == SMFIR_ACCEPT then
		return r
	end
	if r ~= SMFIR_CONTINUE then
		error("DATA: reply '" .. string.char(r) .. "'")
	end
	for _, h in ipairs(headers) do
		check(mt.header(conn, h[1], h[2]), "header " .. h[1])
	end
	check(mt.eoh(conn), "EOH")
	if body ~= nil then
		check(mt.bodystring(conn, body), "body")
	end
	return r
end

-- A message that needs nothing at its end: accepted at DATA.
function plain(conn, headers, body, what)
	if message(conn, "", headers, body) ~= SMFIR_ACCEPT then
		error(what .. ": not accepted at DATA")
	end
end

-- A message that needs its end (a DSN, a policy's work): not accepted at
-- DATA; its content goes through and EOM is the caller's.
function full(conn, headers, body, what)
	if message(conn, "", headers, body) ~= SMFIR_CONTINUE then
		error(what .. ": accepted at DATA")
	end
end

-- A returning RFC 3464 report for rcpt about a message never sent;
-- with orig, an Original-Recipient field naming it (and the returned
-- headers' To).
function dsn_body(rcpt, msgid, orig)
	return "This is a MIME-encapsulated message.\r\n\r\n" ..
	    "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\r\n" ..
	    "--B\r\nContent-Type: message/delivery-status\r\n\r\n" ..
	    "Reporting-MTA: dns; mx.remote.example\r\n\r\n" ..
	    (orig and ("Original-Recipient: rfc822; " .. orig .. "\r\n") or "") ..
	    "Final-Recipient: rfc822; " .. rcpt .. "\r\n" ..
	    "Action: failed\r\nStatus: 5.1.1\r\n" ..
	    "Diagnostic-Code: smtp; 550 5.1.1 <" .. rcpt .. ">: User unknown\r\n\r\n" ..
	    "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n" ..
	    "From: news@shop.example\r\nTo: " .. (orig or rcpt) .. "\r\n" ..
	    "Message-ID: <" .. msgid .. ">\r\nSubject: hello\r\n\r\n--B--\r\n"
end

dsn_headers = {
	{ "From", "MAILER-DAEMON@remote.example" },
	{ "To", "news@shop.example" },
	{ "Subject", "Undelivered Mail Returned to Sender" },
	{ "MIME-Version", "1.0" },
	{ "Content-Type", "multipart/report; report-type=delivery-status; boundary=\"B\"" },
}
