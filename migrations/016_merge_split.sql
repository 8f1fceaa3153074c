-- A merged review can be split out into a claim of its own when the desk finds it repeats another
-- claim than the one it was merged into. The merge keeps what that claim needs, as an import without
-- merging would have made it, and the evidence the review brought: the items the merge attached, to
-- take back from the claim, and those the claim already cited, which the review cites too.
ALTER TABLE merged_reviews ADD COLUMN content TEXT;                    -- the claim as the review gives it (JSON); NULL for a merge made before this was kept
ALTER TABLE merged_reviews ADD COLUMN rationale TEXT;                  -- the review's reviewBody
ALTER TABLE merged_reviews ADD COLUMN published INTEGER NOT NULL DEFAULT 0;   -- whether the review was published
ALTER TABLE merged_reviews ADD COLUMN attached TEXT NOT NULL DEFAULT '[]';    -- ids of the evidence items the merge attached
ALTER TABLE merged_reviews ADD COLUMN held TEXT NOT NULL DEFAULT '[]';        -- ids of items the claim already cited that the review cites too
-- Set when the review was split out: the claim it became, and when. The row stays, for the record.
ALTER TABLE merged_reviews ADD COLUMN split_into INTEGER REFERENCES claims (id);
ALTER TABLE merged_reviews ADD COLUMN split_at TEXT;
