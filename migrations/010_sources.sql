-- The Sources registry: the desk's reliability for each site, set once, which evidence from the site
-- attached without a reliability takes. `site` is normalized as evidence's is (host, lower case,
-- without `www.`), so the two meet on the same string.
CREATE TABLE sources (
    id          INTEGER PRIMARY KEY,
    site        TEXT    NOT NULL UNIQUE,
    publisher   TEXT    NOT NULL,
    reliability REAL    NOT NULL CHECK (reliability BETWEEN 0 AND 1),
    note        TEXT    NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,    -- bumped on every change; the ETag
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);

-- Every change to a source, append-only; each row is also named by an audit row.
CREATE TABLE source_history (
    id           INTEGER PRIMARY KEY,
    source_id    INTEGER NOT NULL REFERENCES sources (id),
    action       TEXT    NOT NULL,
    from_value   TEXT,   -- JSON: the changed fields before
    to_value     TEXT,   -- JSON: the changed fields after
    actor        TEXT    NOT NULL,
    actor_role   TEXT,
    actor_key_id INTEGER,
    at           TEXT    NOT NULL
);
CREATE INDEX source_history_by_source ON source_history (source_id, id);
CREATE TRIGGER source_history_no_update BEFORE UPDATE ON source_history
    BEGIN SELECT RAISE(ABORT, 'source history is append-only'); END;
CREATE TRIGGER source_history_no_delete BEFORE DELETE ON source_history
    BEGIN SELECT RAISE(ABORT, 'source history is append-only'); END;

-- Where each item's numbers came from. Items attached before were weighed under the old defaults
-- with nothing recorded of whether their numbers were typed, so they count as given and keep the
-- numbers they have.
ALTER TABLE evidence ADD COLUMN reliability_source TEXT NOT NULL DEFAULT 'given'
    CHECK (reliability_source IN ('given', 'source', 'default'));
ALTER TABLE evidence ADD COLUMN confidence_given INTEGER NOT NULL DEFAULT 1 CHECK (confidence_given IN (0, 1));
