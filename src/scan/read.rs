//! Reading files that a project may hold anything in: only regular files are read, never more
//! than a cap, and opening never blocks (a FIFO named `pipe.md` or a symlink to `/dev/zero`
//! named `zero.md` is reported, not waited on). Files of the kernel's pseudo file systems
//! (`/proc`, `/sys`) are refused on the opened handle, whatever path led to them.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Opens `path` for reading if it is a regular file outside the kernel's pseudo file systems.
/// The check is made on the opened handle, so a file swapped for something else between listing
/// and opening is caught too; on Unix the open is non-blocking, so a FIFO without a writer
/// cannot stall it.
pub fn open_regular(path: &Path) -> io::Result<File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let file = opts.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a regular file ({}); not read", kind_of(&meta)),
        ));
    }
    if super::system::on_pseudo_fs(&file) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a file of the kernel (/proc or /sys); not read",
        ));
    }
    Ok(file)
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let ft = meta.file_type();
        if ft.is_fifo() {
            return "a named pipe";
        }
        if ft.is_char_device() || ft.is_block_device() {
            return "a device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a folder"
    } else {
        "not a file"
    }
}

/// Reads at most `cap` bytes of the regular file at `path`; a longer file is an error (it grew
/// past the cap since it was listed, or it is a special file reporting a wrong size).
pub fn read_capped(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let file = open_regular(path)?;
    let mut out = Vec::new();
    file.take(cap + 1).read_to_end(&mut out)?;
    if out.len() as u64 > cap {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("file is over the {cap} byte limit; not read"),
        ));
    }
    Ok(out)
}

/// [`read_capped`] as UTF-8 text (invalid UTF-8 is an error).
pub fn read_capped_string(path: &Path, cap: u64) -> io::Result<String> {
    String::from_utf8(read_capped(path, cap)?)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.utf8_error()))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn fifos_devices_and_long_files_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.md");
        let c = std::ffi::CString::new(fifo.to_string_lossy().as_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        let e = read_capped(&fifo, 100).unwrap_err();
        assert!(e.to_string().contains("named pipe"), "{e}");

        let zero = dir.path().join("zero.md");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let e = read_capped(&zero, 100).unwrap_err();
        assert!(e.to_string().contains("device"), "{e}");

        let env = dir.path().join("env.md");
        std::os::unix::fs::symlink("/proc/self/environ", &env).unwrap();
        #[cfg(target_os = "linux")]
        {
            let e = read_capped(&env, 100_000).unwrap_err();
            assert!(e.to_string().contains("kernel"), "{e}");
        }

        let big = dir.path().join("big.md");
        std::fs::write(&big, vec![b'a'; 101]).unwrap();
        assert!(read_capped(&big, 100).is_err());
        assert_eq!(read_capped(&big, 101).unwrap().len(), 101);
    }
}
