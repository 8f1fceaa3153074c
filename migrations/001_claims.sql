-- Claims, their evidence, and the append-only history of every change.
-- Timestamps are UTC RFC 3339 with microseconds ("2026-01-27T09:30:00.000000Z"), so text order is time order.

CREATE TABLE claims (
    id            INTEGER PRIMARY KEY,
    text          TEXT    NOT NULL,
    normalized    TEXT    NOT NULL UNIQUE,
    claimant      TEXT,
    appeared_in   TEXT,                           -- JSON object, or NULL
    tags          TEXT    NOT NULL DEFAULT '[]',  -- JSON array, mirrored in claim_tags for filtering
    language      TEXT,
    status        TEXT    NOT NULL DEFAULT 'submitted'
                  CHECK (status IN ('submitted', 'in_review', 'verified', 'published', 'rejected')),
    verdict       TEXT
                  CHECK (verdict IN ('true', 'mostly_true', 'mixed', 'mostly_false', 'false', 'misleading', 'unsupported')),
    support       REAL    NOT NULL DEFAULT 0.5 CHECK (support BETWEEN 0 AND 1),
    confidence    REAL    NOT NULL DEFAULT 0 CHECK (confidence BETWEEN 0 AND 1),
    external_id   TEXT    UNIQUE,                 -- "<source>/<key>" for imported claims
    version       INTEGER NOT NULL DEFAULT 1,     -- bumped on every change; the ETag
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);
CREATE INDEX claims_by_created    ON claims (created_at, id);
CREATE INDEX claims_by_updated    ON claims (updated_at, id);
CREATE INDEX claims_by_confidence ON claims (confidence, id);
CREATE INDEX claims_by_status     ON claims (status, created_at, id);
CREATE INDEX claims_by_verdict    ON claims (verdict, created_at, id);
CREATE INDEX claims_by_claimant   ON claims (claimant COLLATE NOCASE);

CREATE TABLE claim_tags (
    tag      TEXT    NOT NULL,
    claim_id INTEGER NOT NULL REFERENCES claims (id),
    PRIMARY KEY (tag, claim_id)
) WITHOUT ROWID;
CREATE INDEX claim_tags_by_claim ON claim_tags (claim_id);

CREATE VIRTUAL TABLE claims_fts USING fts5 (
    text, claimant,
    content = 'claims', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
-- New claims are indexed by the writer, once per commit group (store::claims::index_for_search);
-- edits are re-indexed here.
CREATE TRIGGER claims_fts_update AFTER UPDATE OF text, claimant ON claims BEGIN
    INSERT INTO claims_fts (claims_fts, rowid, text, claimant) VALUES ('delete', old.id, old.text, old.claimant);
    INSERT INTO claims_fts (rowid, text, claimant) VALUES (new.id, new.text, new.claimant);
END;

CREATE TABLE evidence (
    id              INTEGER PRIMARY KEY,
    claim_id        INTEGER NOT NULL REFERENCES claims (id),
    url             TEXT    NOT NULL,
    site            TEXT    NOT NULL,
    title           TEXT,
    publisher       TEXT,
    excerpt         TEXT,
    stance          TEXT    NOT NULL CHECK (stance IN ('supports', 'refutes', 'context')),
    reliability     REAL    NOT NULL CHECK (reliability BETWEEN 0 AND 1),
    confidence      REAL    NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    note            TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    retracted_at    TEXT,
    retraction_note TEXT
);
CREATE INDEX evidence_by_claim ON evidence (claim_id, id);
-- One live item per URL and claim; a retracted item may be attached again.
CREATE UNIQUE INDEX evidence_live_url ON evidence (claim_id, url) WHERE retracted_at IS NULL;

CREATE TABLE history (
    id          INTEGER PRIMARY KEY,
    claim_id    INTEGER NOT NULL REFERENCES claims (id),
    evidence_id INTEGER REFERENCES evidence (id),
    action      TEXT    NOT NULL,
    from_value  TEXT,   -- JSON: the changed fields before
    to_value    TEXT,   -- JSON: the changed fields after
    note        TEXT,
    actor       TEXT    NOT NULL,
    actor_role  TEXT,
    at          TEXT    NOT NULL
);
CREATE INDEX history_by_claim ON history (claim_id, id);
CREATE TRIGGER history_no_update BEFORE UPDATE ON history BEGIN
    SELECT RAISE (ABORT, 'history is append-only');
END;
CREATE TRIGGER history_no_delete BEFORE DELETE ON history BEGIN
    SELECT RAISE (ABORT, 'history is append-only');
END;

-- Responses to requests sent with an Idempotency-Key, replayed when the same request comes again.
CREATE TABLE idempotency_keys (
    key          TEXT    PRIMARY KEY,
    request_hash TEXT    NOT NULL,
    status       INTEGER NOT NULL,
    location     TEXT,
    etag         TEXT,
    body         TEXT    NOT NULL,
    created_at   TEXT    NOT NULL
);
