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

-- Claims already published when this migration runs become public as they stand: their first revision is
-- their current state, dated when they were last published.
INSERT INTO publications (claim_id, revision, text, claimant, appeared_in, tags, language, verdict, rationale,
                          evidence, published_at)
SELECT c.id, 1, c.text, c.claimant, c.appeared_in, c.tags, c.language, c.verdict,
    (SELECT h.note FROM history h WHERE h.claim_id = c.id AND h.action = 'claim.transitioned'
        AND json_extract(h.to_value, '$.status') = 'verified' ORDER BY h.id DESC LIMIT 1),
    (SELECT json_group_array(e.id) FROM (SELECT id FROM evidence WHERE claim_id = c.id AND retracted_at IS NULL
        ORDER BY id) e),
    coalesce((SELECT max(h.at) FROM history h WHERE h.claim_id = c.id AND h.action = 'claim.transitioned'
        AND json_extract(h.to_value, '$.status') = 'published'), c.updated_at)
FROM claims c WHERE c.status = 'published' AND c.verdict IS NOT NULL;
