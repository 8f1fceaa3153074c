-- Evidence that lasts: each evidence URL is fetched, archived and checked again on a schedule.

-- What a page looked like when it was fetched. The snapshot taken when the item was cited is kept for
-- good; at most one later snapshot (the page as it is now, when it differs) is kept beside it.
CREATE TABLE snapshots (
    id           INTEGER PRIMARY KEY,
    evidence_id  INTEGER NOT NULL REFERENCES evidence (id),
    fetched_at   TEXT    NOT NULL,
    url          TEXT    NOT NULL,            -- the final URL, after redirects
    redirects    TEXT    NOT NULL,            -- JSON array of the URLs that redirected, in order
    status       INTEGER NOT NULL,
    content_type TEXT,
    size         INTEGER NOT NULL,            -- bytes read (at most the size cap)
    truncated    INTEGER NOT NULL,            -- 1 when the body went on past the size cap
    sha256       TEXT    NOT NULL,            -- of the bytes read
    title        TEXT,
    published    TEXT,                        -- the publication date the page states, as it states it
    text         TEXT,                        -- the readable text; NULL for types without text (PDF)
    body         BLOB                         -- gzip of the bytes read; NULL for types not archived
);
CREATE INDEX snapshots_by_evidence ON snapshots (evidence_id);

-- Where each evidence link stands, and when it is due to be checked again (the job queue: a row whose
-- due_at has passed is fetched; a restart picks up where it left off).
CREATE TABLE link_checks (
    evidence_id     INTEGER PRIMARY KEY REFERENCES evidence (id),
    state           TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'live', 'changed', 'gone', 'blocked', 'failed')),
    reason          TEXT,                     -- why the last check did not find the page as archived
    since           TEXT    NOT NULL,         -- when the link entered its state
    failures        INTEGER NOT NULL DEFAULT 0,  -- failed checks in a row
    checks          INTEGER NOT NULL DEFAULT 0,
    checked_at      TEXT,
    due_at          TEXT    NOT NULL,
    cited           INTEGER REFERENCES snapshots (id),  -- the first snapshot: the page when it was cited
    latest          INTEGER REFERENCES snapshots (id),  -- the page as last fetched, when it differs
    quote_found     INTEGER,                  -- the excerpt is on the page now; NULL if nothing to check
    quote_context   TEXT,
    quote_in_cited  INTEGER                   -- the excerpt was on the page when it was cited
);
CREATE INDEX link_checks_due ON link_checks (due_at);
CREATE INDEX link_checks_by_state ON link_checks (state, evidence_id);

-- Evidence attached before links were checked is checked from now on.
INSERT INTO link_checks (evidence_id, since, due_at)
SELECT id, created_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM evidence WHERE retracted_at IS NULL;
