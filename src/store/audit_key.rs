//! The audit log's secret: 32 random bytes kept outside the database (a file, or the environment), so
//! that a copy of the database alone does not let anyone reseal the audit chain after editing it.
//! Connections get it as the SQL function `audit_mac(bytes)`, which is all the store needs of it.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use sha2::Sha256;

#[derive(Clone)]
pub struct AuditKey(Arc<[u8; 32]>);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(..)")
    }
}

impl AuditKey {
    /// From 64 hex digits.
    pub fn from_hex(hex_key: &str) -> anyhow::Result<AuditKey> {
        let bytes = hex::decode(hex_key.trim()).map_err(|_| anyhow::anyhow!("the audit key must be 64 hex digits"))?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| anyhow::anyhow!("the audit key must be 64 hex digits"))?;
        Ok(AuditKey(Arc::new(key)))
    }

    /// Reads the key file, or creates it (readable by its owner only) when there is none. Refuses a
    /// file that others may read: the key is worth no more than the file's protection.
    pub fn load_or_create(path: &Path) -> anyhow::Result<AuditKey> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                check_private(path)?;
                AuditKey::from_hex(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
                let key: [u8; 32] = rand::random();
                let mut file = private_file(path)?;
                writeln!(file, "{}", hex::encode(key))?;
                file.sync_all()?;
                tracing::info!(path = %path.display(), "created the audit key; keep a copy apart from the database");
                Ok(AuditKey(Arc::new(key)))
            }
            Err(e) => Err(anyhow::anyhow!("cannot read the audit key {}: {e}", path.display())),
        }
    }

    /// The keyed hash of `bytes`, in hex.
    pub fn mac(&self, bytes: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0[..]).expect("HMAC takes keys of any length");
        mac.update(bytes);
        hex::encode(mac.finalize().into_bytes())
    }

    /// Gives a connection `audit_mac(bytes)`.
    pub fn register(&self, conn: &Connection) -> rusqlite::Result<()> {
        let key = self.clone();
        conn.create_scalar_function(
            "audit_mac",
            1,
            FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC | FunctionFlags::SQLITE_DIRECTONLY,
            move |ctx| Ok(key.mac(&ctx.get::<Vec<u8>>(0)?)),
        )
    }
}

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new().write(true).create_new(true).open(path)
}

#[cfg(unix)]
fn check_private(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)?.permissions().mode();
    anyhow::ensure!(
        mode & 0o077 == 0,
        "the audit key {} may be read by others (mode {:o}): chmod 600 it",
        path.display(),
        mode & 0o777
    );
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_: &Path) -> anyhow::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_key_file_is_private_and_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/audit.key");
        let made = AuditKey::load_or_create(&path).unwrap();
        let read = AuditKey::load_or_create(&path).unwrap();
        assert_eq!(made.mac(b"row"), read.mac(b"row"));
        assert_ne!(made.mac(b"row"), made.mac(b"other row"));
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.key");
        AuditKey::load_or_create(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let refused = AuditKey::load_or_create(&path).unwrap_err().to_string();
        assert!(refused.contains("chmod 600"), "{refused}");
    }
}
