-- Articles taken in from a URL: who publishes them, and the page as it was fetched, archived as
-- evidence pages are (the bytes gzipped, for text and HTML), so the desk can show what the article
-- said when its claims were taken from it.

ALTER TABLE articles ADD COLUMN publisher TEXT;

CREATE TABLE article_snapshots (
    article_id   INTEGER PRIMARY KEY REFERENCES articles (id),
    fetched_at   TEXT    NOT NULL,
    url          TEXT    NOT NULL,            -- the final URL, after redirects
    redirects    TEXT    NOT NULL,            -- JSON array of the URLs that redirected, in order
    status       INTEGER NOT NULL,
    content_type TEXT,
    size         INTEGER NOT NULL,            -- bytes read (at most the size cap)
    truncated    INTEGER NOT NULL,            -- 1 when the body went on past the size cap
    sha256       TEXT    NOT NULL,            -- of the bytes read
    title        TEXT,                        -- as the page states them, whatever the request gave
    published    TEXT,
    body         BLOB                         -- gzip of the bytes read
);
