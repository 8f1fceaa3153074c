-- Articles and transcripts taken in to find the claims worth checking in them. The sentences are
-- stored as they were scored, so a page read later shows what the desk saw; a sentence accepted as a
-- claim names that claim (once: accepting it again answers the same claim).

CREATE TABLE articles (
    id            INTEGER PRIMARY KEY,
    title         TEXT,
    url           TEXT,
    published_at  TEXT,
    language      TEXT,
    english       INTEGER NOT NULL CHECK (english IN (0, 1)),  -- whether the scores mean anything
    format        TEXT    NOT NULL CHECK (format IN ('text', 'html', 'transcript')),
    text          TEXT    NOT NULL,
    external_id   TEXT    UNIQUE,                              -- "<source>" for seeded articles
    actor         TEXT    NOT NULL,
    actor_role    TEXT,
    actor_key_id  INTEGER,
    created_at    TEXT    NOT NULL
);
CREATE INDEX articles_by_created ON articles (created_at, id);

CREATE TABLE article_sentences (
    article_id  INTEGER NOT NULL REFERENCES articles (id),
    position    INTEGER NOT NULL,           -- from 1, in reading order
    speaker     TEXT,
    text        TEXT    NOT NULL,
    score       REAL    NOT NULL CHECK (score BETWEEN 0 AND 1),
    kind        TEXT    NOT NULL,
    claimant    TEXT,
    reasons     TEXT    NOT NULL,           -- JSON {"raised": [...], "lowered": [...]}
    claim_id    INTEGER REFERENCES claims (id),
    PRIMARY KEY (article_id, position)
) WITHOUT ROWID;
CREATE INDEX article_sentences_by_claim ON article_sentences (claim_id) WHERE claim_id IS NOT NULL;

CREATE TABLE article_history (
    id            INTEGER PRIMARY KEY,
    article_id    INTEGER NOT NULL REFERENCES articles (id),
    action        TEXT    NOT NULL,
    detail        TEXT,                     -- JSON
    actor         TEXT    NOT NULL,
    actor_role    TEXT,
    actor_key_id  INTEGER,
    at            TEXT    NOT NULL
);
CREATE INDEX article_history_by_article ON article_history (article_id, id);
CREATE TRIGGER article_history_no_update BEFORE UPDATE ON article_history
    BEGIN SELECT RAISE(ABORT, 'article history is append-only'); END;
CREATE TRIGGER article_history_no_delete BEFORE DELETE ON article_history
    BEGIN SELECT RAISE(ABORT, 'article history is append-only'); END;
