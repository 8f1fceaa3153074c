-- How many claims each indexed word occurs in: similar-claim lookups search only a claim's rarer
-- words, so that a lookup stays cheap however many claims there are.
CREATE VIRTUAL TABLE claims_fts_vocab USING fts5vocab (claims_fts, 'row');
