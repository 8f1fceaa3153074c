//! Any `q` the API accepts becomes an FTS5 query that SQLite runs without error (no search input can
//! cause a 500), and ranking its results never panics.
#![no_main]

use std::cell::RefCell;

use claimcheck::domain::relevance;
use claimcheck::store::listing::fts_query;
use libfuzzer_sys::fuzz_target;
use rusqlite::Connection;

thread_local! {
    static DB: RefCell<Connection> = RefCell::new({
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE t USING fts5 (text, tokenize = 'unicode61 remove_diacritics 2');
             INSERT INTO t (text) VALUES ('DeepSeek developed R1 for $5.6 million'), ('Nikkei 225 futures fell 0.6%');",
        )
        .unwrap();
        conn
    });
}

fuzz_target!(|q: &str| {
    let words = relevance::query_words(q);
    if words.is_empty() {
        return;
    }
    let query = fts_query(&words);
    DB.with(|db| {
        let db = db.borrow();
        let mut stmt = db.prepare("SELECT rowid, text FROM t WHERE t MATCH ?1").unwrap();
        let rows: Vec<(i64, String)> = stmt
            .query_map([&query], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap_or_else(|e| panic!("{query:?} from {q:?}: {e}"))
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{query:?} from {q:?}: {e}"));
        let _ = relevance::rank(&words, &rows);
    });
});
