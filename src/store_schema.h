/*
 * store_schema.h - the database layout of the store (version 2).
 *
 * Counters are kept per (granularity, bucket, dimension, key, outcome,
 * category): minute buckets (granularity 60) for 48 hours and day buckets
 * (86400) for 400 days, both written as outcomes arrive so every window
 * is exact; store_maintain() drops buckets past their age.
 *
 * Outcomes are de-duplicated by one unique index on (recipient, key).
 * The key is a hash that includes the recipient, so the pair is unique
 * exactly when the key is; leading with the recipient lets the same index
 * answer "this recipient's outcomes" and puts a batch's index updates in
 * the same order as those of suppressions, retry and audit, which are
 * keyed by address too (store_apply sorts each batch by address).
 *
 * Version 1 had key TEXT UNIQUE in the table plus an index on
 * (recipient, time): two random index updates per outcome instead of
 * one.  store_open() rebuilds such an outcomes table once
 * (store_schema_v1_to_v2); the other tables are unchanged.
 */
#ifndef REBOUND_STORE_SCHEMA_H
#define REBOUND_STORE_SCHEMA_H

#define STORE_SCHEMA_VERSION 2

static const char store_schema_sql[] =
"CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;"
"CREATE TABLE IF NOT EXISTS outcomes("
"  id INTEGER PRIMARY KEY, key TEXT NOT NULL, time INTEGER NOT NULL,"
"  source TEXT, queue_id TEXT,"
"  recipient TEXT NOT NULL, sender TEXT, message_id TEXT, relay TEXT,"
"  dsn TEXT, outcome TEXT, reason TEXT, category TEXT, action TEXT,"
"  provider TEXT, hardbounce INTEGER, transport TEXT, text TEXT,"
"  unverified INTEGER NOT NULL DEFAULT 0);"
"CREATE TABLE IF NOT EXISTS suppressions("
"  address TEXT PRIMARY KEY, reason TEXT, category TEXT, codes TEXT,"
"  text TEXT, source TEXT, evidence TEXT, created INTEGER NOT NULL,"
"  expires INTEGER NOT NULL DEFAULT 0"
") WITHOUT ROWID;"
"CREATE INDEX IF NOT EXISTS suppressions_expires ON suppressions(expires) WHERE expires > 0;"
"CREATE TABLE IF NOT EXISTS audit("
"  id INTEGER PRIMARY KEY, time INTEGER NOT NULL, address TEXT NOT NULL,"
"  op TEXT NOT NULL, source TEXT, who TEXT, why TEXT, detail TEXT);"
"CREATE INDEX IF NOT EXISTS audit_address ON audit(address, id);"
"CREATE TABLE IF NOT EXISTS retry("
"  address TEXT PRIMARY KEY, failures INTEGER NOT NULL, first INTEGER,"
"  last INTEGER, last_code TEXT, last_category TEXT, last_reason TEXT,"
"  reset INTEGER NOT NULL DEFAULT 0"
") WITHOUT ROWID;"
"CREATE TABLE IF NOT EXISTS counters("
"  gran INTEGER, bucket INTEGER, dim TEXT, key TEXT, outcome TEXT,"
"  category TEXT, n INTEGER NOT NULL,"
"  PRIMARY KEY(gran, bucket, dim, key, outcome, category)"
") WITHOUT ROWID;"
"CREATE TABLE IF NOT EXISTS positions("
"  source_id TEXT PRIMARY KEY, dev INTEGER, ino INTEGER,"
"  fingerprint INTEGER, offset INTEGER, cursor TEXT) WITHOUT ROWID;"
/* The latest delivery per transport, '' for any (store_flow.c). */
"CREATE TABLE IF NOT EXISTS deliveries("
"  transport TEXT PRIMARY KEY, last INTEGER NOT NULL) WITHOUT ROWID;";

/*
 * The outcomes indexes of version 2, apart so that a version 1 database
 * whose rebuild failed keeps its own two and gets no third.
 */
static const char store_schema_outcomes_v2[] =
"CREATE INDEX IF NOT EXISTS outcomes_time ON outcomes(time);"
"CREATE UNIQUE INDEX IF NOT EXISTS outcomes_recipient_key ON "
"  outcomes(recipient, key);";

/*
 * Version 1 to 2, inside the caller's transaction: the outcomes table
 * again without its UNIQUE key column (a table constraint SQLite cannot
 * drop in place), rows and ids kept; store_schema_outcomes_v2 then
 * adds the indexes.  Dropping the old table drops its two old indexes with it.
 */
static const char store_schema_v1_to_v2[] =
"CREATE TABLE outcomes_v2("
"  id INTEGER PRIMARY KEY, key TEXT NOT NULL, time INTEGER NOT NULL,"
"  source TEXT, queue_id TEXT,"
"  recipient TEXT NOT NULL, sender TEXT, message_id TEXT, relay TEXT,"
"  dsn TEXT, outcome TEXT, reason TEXT, category TEXT, action TEXT,"
"  provider TEXT, hardbounce INTEGER, transport TEXT, text TEXT);"
"INSERT INTO outcomes_v2(id, key, time, source, queue_id, recipient, sender,"
"  message_id, relay, dsn, outcome, reason, category, action, provider,"
"  hardbounce, transport, text)"
"  SELECT id, key, time, source, queue_id, recipient, sender, message_id,"
"  relay, dsn, outcome, reason, category, action, provider, hardbounce,"
"  transport, text FROM outcomes ORDER BY id;"
"DROP TABLE outcomes;"
"ALTER TABLE outcomes_v2 RENAME TO outcomes;";

/*
 * Added to outcomes in place (no rebuild, so in any version): a bounce
 * or complaint report nobody vouched for, which changes no state.  Such rows were
 * always written with action none and their text marked, so older rows
 * are told by that.
 */
static const char store_schema_add_unverified[] =
"ALTER TABLE outcomes ADD COLUMN unverified INTEGER NOT NULL DEFAULT 0;"
"UPDATE outcomes SET unverified = 1 WHERE source IN ('dsn', 'complaint') AND"
"  action = 'none' AND text LIKE 'unverified: %';";

/*
 * The time of a recipient's last escalation, before which its failures
 * no longer count (store.c, struct retry).  Escalations made before the
 * column deleted their row: the history gives the time each was made,
 * which becomes the cut-off of a row of its own, or of the row counting
 * failures since (cut just before its first, which came after it); not
 * where mail was delivered since, which had ended all before it (and a
 * cut-off row would make a failure read late from before that delivery
 * look in order).  The column goes in after outcomes' unverified.
 */
static const char store_schema_add_reset[] =
"ALTER TABLE retry ADD COLUMN reset INTEGER NOT NULL DEFAULT 0;"
"INSERT INTO retry(address, failures, first, last, reset)"
"  SELECT a.address, 0, a.t, a.t, a.t FROM (SELECT address, max(time) AS t"
"  FROM audit WHERE op = 'add' AND source = 'escalation' GROUP BY address) a"
"  WHERE NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.recipient = a.address"
"  AND o.outcome = 'delivered' AND o.unverified = 0 AND o.time > a.t)"
"  ON CONFLICT(address) DO UPDATE SET"
"  reset = min(excluded.reset, first - 1);";

#endif
