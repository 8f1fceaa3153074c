-- Actors are recorded by the id of the key they used as well as by its name, which need not be
-- unique: two keys both named "alice" stay apart in history and in the audit log.
ALTER TABLE history ADD COLUMN actor_key_id INTEGER;
ALTER TABLE audit_log ADD COLUMN actor_key_id INTEGER;

-- Idempotency keys belong to whoever sent them: another caller reusing a key neither gets the first
-- caller's answer nor learns that the key was used. The saved answer is opaque to the store; the
-- interface that saved it replays it. Answers saved under the old global scope cannot be told apart
-- by sender, so they are not carried over (they only ever served retries within a short window).
DROP TABLE idempotency_keys;
CREATE TABLE idempotency_keys (
    owner        TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    answer       TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    PRIMARY KEY (owner, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_by_age ON idempotency_keys (created_at);
