-- tests/milter/batv.lua - DSNs to BATV-signed return paths, the tags
-- made by the shell test apart from reboundd (BATV_* in the environment):
-- a valid tag verifies a report about an address the log shows mail to,
-- without the report's Message-ID, whatever the sender; not one about an
-- address never mailed (anyone who got mail from here holds a valid tag);
-- a forged or expired one vouches for nothing; a signed VERP address
-- vouches only for the recipient it names.  Then, with
-- milter_batv_sign, in-scope mail is accepted with its sender signed.
dofile(os.getenv("MT_DIR") .. "/common.lua")

-- A report about `about`, sent by `from` to `to` (one return path, or a
-- list of them); the verdict must hold every string in `want`.
local function dsn_to(conn, from, to, about, want)
	if type(to) == "string" then
		to = { to }
	end
	check(mt.mailfrom(conn, from), "MAIL")
	for _, t in ipairs(to) do
		rcpt(conn, t, SMFIR_CONTINUE)
	end
	message(conn, "", dsn_headers, dsn_body(about, "never." .. about))
	check(mt.eom(conn), "EOM")
	expect(conn, SMFIR_CONTINUE, "EOM of a DSN to " .. table.concat(to, ", "))
	local h = mt.getheader(conn, "X-Rebound", 0)
	for _, w in ipairs(want) do
		assert(h ~= nil and string.find(h, w, 1, true),
		    "verdict on " .. about .. " lacks '" .. w .. "': " .. tostring(h))
	end
end

local conn = open("mx.remote.example", "192.0.2.1")
dsn_to(conn, "<>", os.getenv("BATV_VALID"), "batv-valid@remote.example",
    { "verified=1 unverified=0 batv=valid", "verified=batv" })
-- A bounce from a non-null sender (some MTAs, auto-replies) to a valid tag.
dsn_to(conn, "<postmaster@remote.example>", os.getenv("BATV_VALID"),
    "batv-sender@remote.example", { "verified=1 unverified=0 batv=valid" })
-- A valid tag, a report naming an address no mail went to.
dsn_to(conn, "<>", os.getenv("BATV_VALID"), "batv-victim@remote.example",
    { "verified=0 unverified=1 batv=valid", "verified=no" })
dsn_to(conn, "<>", os.getenv("BATV_FORGED"), "batv-forged@remote.example",
    { "verified=0 unverified=1 batv=bad-signature", "verified=no" })
dsn_to(conn, "<>", os.getenv("BATV_EXPIRED"), "batv-expired@remote.example",
    { "verified=0 unverified=1 batv=expired" })
dsn_to(conn, "<>", os.getenv("BATV_VERP"), "verp1@remote.example",
    { "verified=1 unverified=0 batv=valid" })
-- One report sent to the signed VERP address and to a plain tag: the
-- VERP address still vouches for the recipient it names, whom the log
-- does not show.
dsn_to(conn, "<>", { os.getenv("BATV_VERP"), os.getenv("BATV_VALID") },
    "verp1@remote.example", { "verified=1 unverified=0 batv=valid" })
-- The same signed VERP address, but a report about someone else.
dsn_to(conn, "<>", os.getenv("BATV_VERP"), "verp-other@remote.example",
    { "verified=0 unverified=1 batv=valid" })
mt.disconnect(conn)

-- Signing: an in-scope sender gets a tag (the shell test reads the
-- counter); the null sender and a signed one are left alone.
-- The one to sign goes on to its end, where the sender is changed; the
-- signed one has nothing to do there and is accepted at DATA.
conn = open("localhost", "127.0.0.1")
local hdrs = { { "From", "news@shop.example" }, { "Subject", "hello" } }
check(mt.mailfrom(conn, "<news@shop.example>"), "MAIL")
rcpt(conn, "someone@example.net", SMFIR_CONTINUE)
full(conn, hdrs, "hello\r\n", "mail from a sender to sign")
check(mt.eom(conn), "EOM")
expect(conn, SMFIR_CONTINUE, "EOM of mail from a sender to sign")
local signed = "<" .. os.getenv("BATV_VALID") .. ">"
check(mt.mailfrom(conn, signed), "MAIL " .. signed)
rcpt(conn, "someone@example.net", SMFIR_CONTINUE)
plain(conn, hdrs, "hello\r\n", "mail from a signed sender")
mt.disconnect(conn)
