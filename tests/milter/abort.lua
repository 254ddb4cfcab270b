-- tests/milter/abort.lua - a transaction aborted at any point leaves
-- nothing behind: the next one on the same connection starts clean, and
-- a connection dropped mid-message does not disturb the others.
dofile(os.getenv("MT_DIR") .. "/common.lua")

local conn = open("client.example", "127.0.0.1")

-- Abort in the middle of a DSN body being collected.
check(mt.mailfrom(conn, "<>"), "MAIL")
rcpt(conn, "news@shop.example", SMFIR_CONTINUE)
message(conn, "", dsn_headers, "half a report\r\n")
check(mt.abort(conn), "abort")

-- Abort after a recipient the drop or tag policy would have remembered.
check(mt.mailfrom(conn, "<news@shop.example>"), "MAIL")
rcpt(conn, "dead@example.com", SMFIR_REPLYCODE)
rcpt(conn, "live@example.com", SMFIR_CONTINUE)
check(mt.abort(conn), "abort")

-- Abort right after MAIL, and twice in a row.
check(mt.mailfrom(conn, "<news@shop.example>"), "MAIL")
check(mt.abort(conn), "abort")
check(mt.abort(conn), "abort")

-- The next message is an ordinary one: no verdict header, nothing removed.
check(mt.mailfrom(conn, "<news@shop.example>"), "MAIL")
rcpt(conn, "live@example.com", SMFIR_CONTINUE)
plain(conn, { { "Subject", "after abort" } }, "hello\r\n", "message after aborts")
mt.disconnect(conn)

-- Hang up without a word in the middle of a body.
conn = open("client.example", "127.0.0.1")
check(mt.mailfrom(conn, "<>"), "MAIL")
rcpt(conn, "news@shop.example", SMFIR_CONTINUE)
message(conn, "", dsn_headers, "cut off\r\n")
mt.disconnect(conn, false)

-- Still serving.
conn = open("client.example", "127.0.0.1")
check(mt.mailfrom(conn, "<news@shop.example>"), "MAIL")
rcpt(conn, "dead@example.com", SMFIR_REPLYCODE)
mt.disconnect(conn)
