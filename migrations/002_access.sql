-- Who may do what, who did what, and who is working on which claim.

CREATE TABLE api_keys (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('submitter', 'reviewer', 'admin')),
    prefix      TEXT    NOT NULL UNIQUE,  -- the visible part of the key, "cck_1a2b3c4d"
    hash        TEXT    NOT NULL,         -- SHA-256 of the whole key; the key itself is never stored
    created_at  TEXT    NOT NULL,
    expires_at  TEXT,
    revoked_at  TEXT
);

-- Admin page sign-ins. The cookie holds the session id; only its hash is stored.
CREATE TABLE sessions (
    id_hash     TEXT    PRIMARY KEY,
    key_id      INTEGER NOT NULL REFERENCES api_keys (id),
    csrf_token  TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL
);

ALTER TABLE claims ADD COLUMN assignee TEXT;
CREATE INDEX claims_by_assignee ON claims (assignee);

-- Every write, chained: each row stores the hash of the row before it and its own, so editing or
-- deleting any row breaks the chain at that row (GET /v1/admin/audit/verify).
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    actor_role  TEXT,
    action      TEXT    NOT NULL,
    claim_id    INTEGER,
    detail      TEXT,   -- JSON
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL
);
CREATE INDEX audit_by_claim ON audit_log (claim_id, id);
CREATE INDEX audit_by_actor ON audit_log (actor, id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log BEGIN
    SELECT RAISE (ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log BEGIN
    SELECT RAISE (ABORT, 'the audit log is append-only');
END;
