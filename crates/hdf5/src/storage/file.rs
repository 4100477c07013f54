//! File storage: `pread`/`pwrite` on a `std::fs::File`, no shared seek position.
//!
//! A file truncated under an open reader makes the next read fail with `UnexpectedEof`;
//! nothing is mapped, so there is no SIGBUS.

use super::{ReadAt, WriteAt, eof_error};
use std::fs::File;
use std::io;

/// A file read and written by position.
#[derive(Debug)]
pub struct FileStorage {
    file: File,
}

impl FileStorage {
    /// Wrap an open file.
    pub fn new(file: File) -> Self {
        FileStorage { file }
    }

    /// The underlying file (for locking).
    pub fn file(&self) -> &File {
        &self.file
    }
}

#[cfg(unix)]
fn pread(f: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(f, buf, offset)
}
#[cfg(unix)]
fn pwrite(f: &File, buf: &[u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::write_at(f, buf, offset)
}
#[cfg(windows)]
fn pread(f: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(f, buf, offset)
}
#[cfg(windows)]
fn pwrite(f: &File, buf: &[u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_write(f, buf, offset)
}
// WASI: std's positional `std::os::wasi::fs::FileExt` is unstable (`wasi_ext`, rust#71213) and
// does not compile on a stable toolchain, so seek and read/write instead. The seek position is
// shared state: one process-wide lock keeps every seek paired with its read/write (wasip1 has
// no threads anyway, so it is never contended there).
#[cfg(target_os = "wasi")]
static WASI_SEEK: std::sync::Mutex<()> = std::sync::Mutex::new(());
#[cfg(target_os = "wasi")]
fn pread(mut f: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    use std::io::{Read, Seek, SeekFrom};
    let _g = WASI_SEEK.lock().unwrap_or_else(|e| e.into_inner());
    f.seek(SeekFrom::Start(offset))?;
    f.read(buf)
}
#[cfg(target_os = "wasi")]
fn pwrite(mut f: &File, buf: &[u8], offset: u64) -> io::Result<usize> {
    use std::io::{Seek, SeekFrom, Write};
    let _g = WASI_SEEK.lock().unwrap_or_else(|e| e.into_inner());
    f.seek(SeekFrom::Start(offset))?;
    f.write(buf)
}
#[cfg(not(any(unix, windows, target_os = "wasi")))]
fn pread(_f: &File, _buf: &mut [u8], _offset: u64) -> io::Result<usize> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "positional reads on this platform"))
}
#[cfg(not(any(unix, windows, target_os = "wasi")))]
fn pwrite(_f: &File, _buf: &[u8], _offset: u64) -> io::Result<usize> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "positional writes on this platform"))
}

impl ReadAt for FileStorage {
    fn len(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    fn read_exact_at(&self, mut offset: u64, mut buf: &mut [u8]) -> io::Result<()> {
        let want = buf.len();
        let start = offset;
        while !buf.is_empty() {
            match pread(&self.file, buf, offset) {
                Ok(0) => return Err(eof_error(start, want, self.len().unwrap_or(0))),
                Ok(n) => {
                    buf = &mut buf[n..];
                    offset += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

impl WriteAt for FileStorage {
    fn write_all_at(&self, mut offset: u64, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match pwrite(&self.file, buf, offset) {
                Ok(0) => return Err(io::Error::new(io::ErrorKind::WriteZero, "write returned 0")),
                Ok(n) => {
                    buf = &buf[n..];
                    offset += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        self.file.set_len(len)
    }

    fn sync(&self) -> io::Result<()> {
        self.file.sync_data()
    }
}
