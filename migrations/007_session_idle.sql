-- Admin page sign-ins end after a while without use, not only twelve hours after they began.
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT NOT NULL DEFAULT '';
UPDATE sessions SET last_seen_at = created_at;
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
