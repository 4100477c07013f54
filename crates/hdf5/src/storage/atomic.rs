//! `AtomicFile`: a file that appears at its path only when committed. It is written as a
//! temporary file in the same folder (`tempfile`), synced, then renamed over the path
//! (`persist`) and the folder synced; dropped uncommitted, the temporary file is removed.
//! Every whole-file writer of the workspace goes through it: [`crate::Writer::create`],
//! [`crate::write::compact()`], and loomfile's converters and text exports.

use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// A file being written beside `dest`, renamed over it by [`AtomicFile::commit`].
#[derive(Debug)]
pub struct AtomicFile {
    tmp: tempfile::NamedTempFile,
    dest: PathBuf,
}

impl AtomicFile {
    /// Start writing what becomes `dest`. New files get the usual permissions (0666 less
    /// the umask), not the 0600 of a temporary file.
    pub fn create(dest: impl AsRef<Path>) -> Result<AtomicFile> {
        let dest = dest.as_ref().to_path_buf();
        let dir = dest.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let prefix = format!(".{name}.");
        let mut b = tempfile::Builder::new();
        b.prefix(&prefix).suffix(".loomtmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            b.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let tmp = b.tempfile_in(dir).map_err(|e| Error::io(e).at(&dest.display().to_string()))?;
        Ok(AtomicFile { tmp, dest })
    }

    /// The temporary file, for writing.
    pub fn file(&self) -> &std::fs::File {
        self.tmp.as_file()
    }

    /// The temporary file, for writing through `std::io::Write`.
    pub fn file_mut(&mut self) -> &mut std::fs::File {
        self.tmp.as_file_mut()
    }

    /// Where the file appears on commit.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Give the new file these permissions (e.g. those of the file it replaces).
    pub fn set_permissions(&self, perm: std::fs::Permissions) -> Result<()> {
        self.tmp.as_file().set_permissions(perm).map_err(|e| self.error(e))
    }

    /// Sync the contents, rename over the destination and make the rename durable.
    pub fn commit(self) -> Result<()> {
        self.tmp.as_file().sync_all().map_err(|e| self.error(e))?;
        let dest = self.dest;
        let what = dest.display().to_string();
        self.tmp.persist(&dest).map_err(|e| Error::io(e.error).at(&what))?;
        if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            // Not all platforms can open a directory; the rename stands either way.
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }

    fn error(&self, e: std::io::Error) -> Error {
        Error::io(e).at(&self.dest.display().to_string())
    }
}

// The test runner's WASI host (node) traps in the temporary-file calls; native targets run it.
#[cfg(all(test, not(target_family = "wasm")))]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn appears_only_on_commit_and_leaves_nothing_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.txt");
        let mut a = AtomicFile::create(&dest).unwrap();
        a.file_mut().write_all(b"hello").unwrap();
        assert!(!dest.exists());
        a.commit().unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"hello");
        let mut b = AtomicFile::create(&dest).unwrap();
        b.file_mut().write_all(b"other").unwrap();
        drop(b);
        assert_eq!(std::fs::read(&dest).unwrap(), b"hello");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777;
            assert_ne!(mode, 0o600, "a committed file gets the usual permissions");
        }
    }
}
