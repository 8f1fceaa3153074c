-- Published fact-checks. A claim carries the reasoning behind its verdict; each publication keeps the
-- revision readers see, so reopening a published claim leaves its last published revision public until it
-- is published again.

ALTER TABLE claims ADD COLUMN rationale TEXT;  -- set with the verdict on entering `verified`

CREATE TABLE publications (
    id           INTEGER PRIMARY KEY,
    claim_id     INTEGER NOT NULL REFERENCES claims (id),
    revision     INTEGER NOT NULL,            -- 1 for the first publication, then 2, 3, ...
    text         TEXT    NOT NULL,
    claimant     TEXT,
    appeared_in  TEXT,                        -- JSON object, or NULL
    tags         TEXT    NOT NULL,            -- JSON array
    language     TEXT,
    verdict      TEXT    NOT NULL,
    rationale    TEXT,                        -- the review's text: the rationale, else the verifying note
    evidence     TEXT    NOT NULL,            -- JSON array of the ids of the evidence cited, in order
    correction   TEXT,                        -- shown to readers when this revision changed the verdict
    notice       TEXT,                        -- shown to readers while the claim is under review again
    published_at TEXT    NOT NULL,
    UNIQUE (claim_id, revision)
);
CREATE INDEX publications_by_time ON publications (published_at, id);
