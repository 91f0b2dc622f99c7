//! Output destinations that never leave a partial file behind.
//!
//! A file output is written to a temporary file in the same directory and renamed over
//! the destination only when the run succeeds; on any error the temporary file is
//! removed when it is dropped. Standard output is streamed as it is produced.

use crate::error::{Error, Result};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

/// Where a command writes its result.
pub enum Output {
    Stdout(BufWriter<io::Stdout>),
    File {
        writer: BufWriter<NamedTempFile>,
        path: PathBuf,
    },
}

impl Output {
    /// Standard output for `None` or `-`, otherwise an atomically replaced file.
    pub fn create(path: Option<&Path>) -> Result<Output> {
        match path {
            None => Ok(Output::Stdout(BufWriter::with_capacity(
                1 << 16,
                io::stdout(),
            ))),
            Some(p) if p == Path::new("-") => Ok(Output::Stdout(BufWriter::with_capacity(
                1 << 16,
                io::stdout(),
            ))),
            Some(p) => {
                let dir = match p.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d,
                    _ => Path::new("."),
                };
                let temp = tempfile::Builder::new()
                    .prefix(".demand-")
                    .suffix(".partial")
                    .tempfile_in(dir)
                    .map_err(|e| Error::io(p, e))?;
                Ok(Output::File {
                    writer: BufWriter::with_capacity(1 << 16, temp),
                    path: p.to_path_buf(),
                })
            }
        }
    }

    /// Flushes and, for a file, moves it into place.
    pub fn finish(self) -> Result<()> {
        match self {
            Output::Stdout(mut w) => match w.flush() {
                Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(Error::io("<stdout>", e)),
                _ => Ok(()),
            },
            Output::File { writer, path } => {
                let temp = writer
                    .into_inner()
                    .map_err(|e| Error::io(&path, e.into_error()))?;
                make_readable(temp.path());
                temp.persist(&path).map_err(|e| Error::io(&path, e.error))?;
                Ok(())
            }
        }
    }

    fn name(&self) -> PathBuf {
        match self {
            Output::Stdout(_) => PathBuf::from("<stdout>"),
            Output::File { path, .. } => path.clone(),
        }
    }

    /// Writes `bytes`, naming the destination in the error.
    pub fn write_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        self.write_all(bytes).map_err(|e| Error::io(self.name(), e))
    }
}

/// Temporary files are created private (0600); a report is an ordinary file.
#[cfg(unix)]
fn make_readable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644));
}

#[cfg(not(unix))]
fn make_readable(_path: &Path) {}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf),
            Output::File { writer, .. } => writer.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::File { writer, .. } => writer.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_appears_only_on_finish() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let mut out = Output::create(Some(&path)).unwrap();
        out.write_bytes(b"hello").unwrap();
        assert!(!path.exists());
        out.finish().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"hello");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn dropped_output_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let mut out = Output::create(Some(&path)).unwrap();
        out.write_bytes(b"partial").unwrap();
        drop(out);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
