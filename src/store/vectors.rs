//! Claims' sentence vectors: which claims lack one (or hold one of other fields or another model),
//! and the vectors of a lookup's candidates.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};

use super::Result;
use super::matching::MatchRow;

/// Those of `rows` without a vector of `model` for their fields as they are now.
pub fn lacking(conn: &Connection, rows: Vec<MatchRow>, model: &str) -> Result<Vec<MatchRow>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let made = digests(conn, &ids, model)?;
    Ok(rows.into_iter().filter(|r| made.get(&r.id) != Some(&r.fields.digest())).collect())
}

/// The digests of the fields `model` made vectors of, for those of `ids` that have one.
fn digests(conn: &Connection, ids: &[i64], model: &str) -> Result<HashMap<i64, u32>> {
    let mut stmt = conn.prepare_cached("SELECT digest FROM claim_vectors WHERE claim_id = ?1 AND model = ?2")?;
    let mut found = HashMap::with_capacity(ids.len());
    for id in ids {
        if let Some(d) = stmt.query_row(params![id, model], |r| r.get::<_, i64>(0)).optional()? {
            found.insert(*id, d as u32);
        }
    }
    Ok(found)
}

/// The vectors `model` made for those of `ids` that have one, with their fields' digest.
pub fn vectors(conn: &Connection, ids: &[i64], model: &str) -> Result<HashMap<i64, (u32, Vec<u8>)>> {
    let mut stmt =
        conn.prepare_cached("SELECT digest, vector FROM claim_vectors WHERE claim_id = ?1 AND model = ?2")?;
    let mut found = HashMap::with_capacity(ids.len());
    for id in ids {
        let row = stmt
            .query_row(params![id, model], |r| Ok((r.get::<_, i64>(0)? as u32, r.get::<_, Vec<u8>>(1)?)))
            .optional()?;
        if let Some(row) = row {
            found.insert(*id, row);
        }
    }
    Ok(found)
}

/// Keeps each claim's vector (replacing the one it had); a claim gone meanwhile is left out.
pub fn store(conn: &Connection, model: &str, made: &[(i64, u32, Vec<u8>)]) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR REPLACE INTO claim_vectors (claim_id, model, digest, vector)
         SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM claims WHERE id = ?1)",
    )?;
    for (id, digest, vector) in made {
        stmt.execute(params![id, model, *digest as i64, vector])?;
    }
    Ok(())
}

/// Claims without a vector of `model` (those whose vector is of older fields are not counted).
pub fn missing(conn: &Connection, model: &str) -> Result<usize> {
    let claims: i64 = conn.query_row("SELECT count(*) FROM claims", [], |r| r.get(0))?;
    let made: i64 = conn.query_row("SELECT count(*) FROM claim_vectors WHERE model = ?1", [model], |r| r.get(0))?;
    Ok((claims - made).max(0) as usize)
}
