-- A merged review can be split out into a claim of its own when the desk finds it repeats another
-- claim than the one it was merged into. The merge keeps what that claim needs, as an import without
-- merging would have made it, and which evidence the merge attached, to take back.
ALTER TABLE merged_reviews ADD COLUMN claim TEXT;                       -- the claim as the review gives it (JSON); NULL for a merge made before this was kept
ALTER TABLE merged_reviews ADD COLUMN rationale TEXT;                   -- the review's reviewBody
ALTER TABLE merged_reviews ADD COLUMN published INTEGER NOT NULL DEFAULT 0;   -- whether the review was published
ALTER TABLE merged_reviews ADD COLUMN evidence TEXT NOT NULL DEFAULT '[]';    -- ids of the evidence items the merge attached
-- Set when the review was split out: the claim it became, and when. The row stays, for the record.
ALTER TABLE merged_reviews ADD COLUMN split_into INTEGER REFERENCES claims (id);
ALTER TABLE merged_reviews ADD COLUMN split_at TEXT;
