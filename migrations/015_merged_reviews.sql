-- Other fact-checkers' ClaimReviews that repeat a claim we already held, taken in as evidence on that
-- claim rather than as a claim of their own. `external_id` is the review's, as `claims.external_id`
-- keeps a review imported as a claim, so importing it again finds it here; `text` is the claim as the
-- review words it, which the matching engine reads as one more wording of the claim.
CREATE TABLE merged_reviews (
    external_id TEXT    PRIMARY KEY,
    claim_id    INTEGER NOT NULL REFERENCES claims (id),
    text        TEXT    NOT NULL,
    verdict     TEXT    NOT NULL,          -- the review's rating, as our verdict
    score       REAL    NOT NULL,          -- the match's score when it was merged
    created_at  TEXT    NOT NULL
);
CREATE INDEX merged_reviews_by_claim ON merged_reviews (claim_id);
