//! What SQLite itself manages on this machine with the production settings, for comparison with the
//! HTTP numbers: point reads on the benchmark database, one commit per insert with synchronous=FULL,
//! and batched inserts.
//!
//!     cargo run --release --example sqlite_ceiling -- BENCH_DB SCRATCH_DIR

use std::time::{Duration, Instant};

use claimcheck::store::{Synchronous, open_reader, open_writer};

const RUN: Duration = Duration::from_secs(3);

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let db = args.next().expect("usage: sqlite_ceiling BENCH_DB SCRATCH_DIR");
    let scratch = std::path::PathBuf::from(args.next().expect("usage: sqlite_ceiling BENCH_DB SCRATCH_DIR"));

    let reader = open_reader(db.as_ref())?;
    let max: i64 = reader.query_row("SELECT max(id) FROM claims", [], |r| r.get(0))?;
    let mut stmt = reader.prepare_cached("SELECT id, text, status, version FROM claims WHERE id = ?1")?;
    let (mut n, mut x, started) = (0u64, 0x2545_F491_4F6C_DD1Du64, Instant::now());
    while started.elapsed() < RUN {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let id = (x % max as u64) as i64 + 1;
        stmt.query_row([id], |r| r.get::<_, i64>(0))?;
        n += 1;
    }
    println!("point_read {:.0}", n as f64 / started.elapsed().as_secs_f64());

    let path = scratch.join("ceiling.db");
    let _ = std::fs::remove_file(&path);
    let conn = open_writer(&path, Synchronous::Full)?;
    conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")?;
    let text = "DeepSeek developed its R1 reasoning model for just $5.6 million.";
    let (mut n, started) = (0u64, Instant::now());
    while started.elapsed() < RUN {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        conn.prepare_cached("INSERT INTO t (text) VALUES (?1)")?.execute([text])?;
        conn.execute_batch("COMMIT")?;
        n += 1;
    }
    println!("commit_per_insert_full {:.0}", n as f64 / started.elapsed().as_secs_f64());

    let (mut n, started) = (0u64, Instant::now());
    while started.elapsed() < RUN {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        for _ in 0..1000 {
            conn.prepare_cached("INSERT INTO t (text) VALUES (?1)")?.execute([text])?;
        }
        conn.execute_batch("COMMIT")?;
        n += 1000;
    }
    println!("batched_insert_full {:.0}", n as f64 / started.elapsed().as_secs_f64());
    drop(conn);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(scratch.join(format!("ceiling.db{suffix}")));
    }
    Ok(())
}
