/*
 * store_schema.h - the database layout of the store (version 1).
 *
 * Counters are kept per (granularity, bucket, dimension, key, outcome,
 * category): minute buckets (granularity 60) for 48 hours and day buckets
 * (86400) for 400 days, both written as outcomes arrive so every window
 * is exact; store_maintain() drops buckets past their age.
 */
#ifndef REBOUND_STORE_SCHEMA_H
#define REBOUND_STORE_SCHEMA_H

#define STORE_SCHEMA_VERSION 1

static const char store_schema_sql[] =
"CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;"
"CREATE TABLE IF NOT EXISTS outcomes("
"  id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, time INTEGER NOT NULL,"
"  source TEXT, queue_id TEXT,"
"  recipient TEXT NOT NULL, sender TEXT, message_id TEXT, relay TEXT,"
"  dsn TEXT, outcome TEXT, reason TEXT, category TEXT, action TEXT,"
"  provider TEXT, hardbounce INTEGER, transport TEXT, text TEXT);"
"CREATE INDEX IF NOT EXISTS outcomes_time ON outcomes(time);"
"CREATE INDEX IF NOT EXISTS outcomes_recipient ON outcomes(recipient, time);"
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
"  last INTEGER, last_code TEXT, last_category TEXT, last_reason TEXT"
") WITHOUT ROWID;"
"CREATE TABLE IF NOT EXISTS counters("
"  gran INTEGER, bucket INTEGER, dim TEXT, key TEXT, outcome TEXT,"
"  category TEXT, n INTEGER NOT NULL,"
"  PRIMARY KEY(gran, bucket, dim, key, outcome, category)"
") WITHOUT ROWID;"
"CREATE TABLE IF NOT EXISTS positions("
"  source_id TEXT PRIMARY KEY, dev INTEGER, ino INTEGER,"
"  fingerprint INTEGER, offset INTEGER, cursor TEXT) WITHOUT ROWID;";

#endif
