//! The schema, as numbered `.sql` files in `migrations/`, embedded in the binary and applied in order.

use include_dir::{Dir, include_dir};
use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

static MIGRATIONS_DIR: Dir = include_dir!("$CARGO_MANIFEST_DIR/migrations");

pub fn migrations() -> Migrations<'static> {
    let mut files: Vec<_> =
        MIGRATIONS_DIR.files().filter(|f| f.path().extension().is_some_and(|e| e == "sql")).collect();
    files.sort_by_key(|f| f.path());
    Migrations::new(files.into_iter().map(|f| M::up(f.contents_utf8().expect("migrations are UTF-8 text"))).collect())
}

pub fn apply(conn: &mut Connection) -> anyhow::Result<()> {
    let before: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    migrations().to_latest(conn)?;
    let after: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if after != before {
        // A migration that rebuilds indexes writes them all to the WAL (about 1 GB at a million claims),
        // which would keep that size on disk: it is copied into the database and emptied now.
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }

    #[test]
    fn files_are_numbered_in_sequence() {
        let mut names: Vec<_> = MIGRATIONS_DIR.files().map(|f| f.path().display().to_string()).collect();
        names.sort();
        for (i, name) in names.iter().enumerate() {
            assert!(name.starts_with(&format!("{:03}_", i + 1)), "{name} out of sequence");
            assert!(name.ends_with(".sql"), "{name} is not an .sql file");
        }
    }

    #[test]
    fn history_is_append_only() {
        let mut conn = Connection::open_in_memory().unwrap();
        apply(&mut conn).unwrap();
        conn.execute_batch(
            "INSERT INTO claims (id, text, normalized, created_at, updated_at) VALUES (1, 'x', 'x', 't', 't');
             INSERT INTO history (claim_id, action, actor, at) VALUES (1, 'claim.created', 'a', 't');",
        )
        .unwrap();
        let update = conn.execute("UPDATE history SET actor = 'b'", []).unwrap_err();
        assert!(update.to_string().contains("append-only"));
        let delete = conn.execute("DELETE FROM history", []).unwrap_err();
        assert!(delete.to_string().contains("append-only"));
    }

    #[test]
    fn evidence_from_before_the_registry_keeps_its_numbers_as_given() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrations().to_version(&mut conn, 9).unwrap();
        conn.execute_batch(
            "INSERT INTO claims (id, text, normalized, created_at, updated_at) VALUES (1, 'x', 'x', 't', 't');
             INSERT INTO evidence (claim_id, url, site, stance, reliability, confidence, created_at, updated_at)
             VALUES (1, 'https://a.org/', 'a.org', 'supports', 0.5, 1.0, 't', 't');",
        )
        .unwrap();
        apply(&mut conn).unwrap();
        let row: (f64, f64, String, bool) = conn
            .query_row("SELECT reliability, confidence, reliability_source, confidence_given FROM evidence", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .unwrap();
        assert_eq!(row, (0.5, 1.0, "given".to_owned(), true));
    }
}
