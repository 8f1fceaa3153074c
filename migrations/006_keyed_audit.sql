-- Audit rows are sealed with a keyed hash (HMAC-SHA-256) under a secret kept outside the database, so
-- that whoever holds only the database file cannot recompute the chain after changing it. Rows written
-- before have plain SHA-256 and keep it; every row after the first keyed one must be keyed.
ALTER TABLE audit_log ADD COLUMN keyed INTEGER NOT NULL DEFAULT 0;
