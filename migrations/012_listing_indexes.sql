-- An index for every way of listing claims (store::listing). A listing walks one index that holds its
-- narrowest filter in the requested order and stops when the page is full; the other filters are checked
-- on each claim it meets. So each filter has an index per sort: (filter, sort value, id).
--
-- `status` trails the verdict, claimant and assignee indexes: a status filter beside one of them is then
-- checked from the index entry, without reading the claim. Verdicts and claimants are looked up by value
-- only, so claims without one are left out of their indexes; an assignee is also looked up by its
-- absence (assignee=none), so every claim is in the assignee indexes.

-- (status, created_at, id) is claims_by_status, from 001.
CREATE INDEX claims_by_status_updated    ON claims (status, updated_at, id);
CREATE INDEX claims_by_status_confidence ON claims (status, confidence, id);

DROP INDEX claims_by_verdict;
CREATE INDEX claims_by_verdict_created    ON claims (verdict, created_at, id, status) WHERE verdict IS NOT NULL;
CREATE INDEX claims_by_verdict_updated    ON claims (verdict, updated_at, id, status) WHERE verdict IS NOT NULL;
CREATE INDEX claims_by_verdict_confidence ON claims (verdict, confidence, id, status) WHERE verdict IS NOT NULL;

-- Claimants and assignees are compared ignoring case.
DROP INDEX claims_by_claimant;
CREATE INDEX claims_by_claimant_created    ON claims (claimant COLLATE NOCASE, created_at, id, status)
    WHERE claimant IS NOT NULL;
CREATE INDEX claims_by_claimant_updated    ON claims (claimant COLLATE NOCASE, updated_at, id, status)
    WHERE claimant IS NOT NULL;
CREATE INDEX claims_by_claimant_confidence ON claims (claimant COLLATE NOCASE, confidence, id, status)
    WHERE claimant IS NOT NULL;

-- claims_by_assignee (exact case) stays for the per-assignee counts of the stats.
CREATE INDEX claims_by_assignee_created    ON claims (assignee COLLATE NOCASE, created_at, id, status);
CREATE INDEX claims_by_assignee_updated    ON claims (assignee COLLATE NOCASE, updated_at, id, status);
CREATE INDEX claims_by_assignee_confidence ON claims (assignee COLLATE NOCASE, confidence, id, status);

-- A tag's claims are walked in claim_tags, which therefore carries the claim's sort values and status,
-- kept up to date by the triggers below. Tag and status together, the desk's usual question, have their
-- own index in the default order (newest first); in the other orders the status is checked from the
-- index entry.
CREATE TABLE claim_tags_listed (
    tag        TEXT    NOT NULL,
    claim_id   INTEGER NOT NULL REFERENCES claims (id),
    status     TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    confidence REAL    NOT NULL,
    PRIMARY KEY (tag, claim_id)
) WITHOUT ROWID;
INSERT INTO claim_tags_listed (tag, claim_id, status, created_at, updated_at, confidence)
    SELECT t.tag, t.claim_id, c.status, c.created_at, c.updated_at, c.confidence
    FROM claim_tags t JOIN claims c ON c.id = t.claim_id;
DROP TABLE claim_tags;
ALTER TABLE claim_tags_listed RENAME TO claim_tags;

CREATE INDEX claim_tags_by_claim      ON claim_tags (claim_id);
CREATE INDEX claim_tags_by_created    ON claim_tags (tag, created_at, claim_id);
CREATE INDEX claim_tags_by_updated    ON claim_tags (tag, updated_at, claim_id, status);
CREATE INDEX claim_tags_by_confidence ON claim_tags (tag, confidence, claim_id, status);
CREATE INDEX claim_tags_by_status     ON claim_tags (tag, status, created_at, claim_id);

-- One trigger per copied column, so a change rewrites only the indexes that hold it. (A claim's
-- created_at never changes.)
CREATE TRIGGER claim_tags_status AFTER UPDATE OF status ON claims WHEN new.status IS NOT old.status BEGIN
    UPDATE claim_tags SET status = new.status WHERE claim_id = new.id;
END;
CREATE TRIGGER claim_tags_updated AFTER UPDATE OF updated_at ON claims WHEN new.updated_at IS NOT old.updated_at BEGIN
    UPDATE claim_tags SET updated_at = new.updated_at WHERE claim_id = new.id;
END;
CREATE TRIGGER claim_tags_confidence AFTER UPDATE OF confidence ON claims WHEN new.confidence IS NOT old.confidence BEGIN
    UPDATE claim_tags SET confidence = new.confidence WHERE claim_id = new.id;
END;
