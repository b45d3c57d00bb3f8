//! Reading the files a patch touches: a copy in memory, or the file's own
//! pages mapped read-only while a read lease keeps everyone else from
//! writing it.
//!
//! Copying a file into memory is a fresh page per 4 KiB, and each is a page
//! fault: 1,165 of them for the 4.6 MiB file of the `apply_large` benchmark,
//! a quarter of the whole `apply_patch` process (docs/benchmarks.md,
//! "apply_patch"). Mapping the file shares the kernel's cached pages
//! instead. A mapping shows the file as it is now, though, not as it was
//! read: a process that writes it changes text that was checked to be UTF-8
//! and matched against the patch, and one that truncates it makes reading
//! the mapping fault (SIGBUS). So a file is mapped only under a read lease
//! (`fcntl(F_SETLEASE, F_RDLCK)`, Linux): the kernel grants one only while
//! nobody has the file open for writing, and while it is held, whoever opens
//! the file for writing or truncates it waits until the lease is let go (or
//! `/proc/sys/fs/lease-break-time` has passed, 45 s by default, thousands of
//! times what the program takes for the 4.6 MiB file). The text cannot
//! change while it is mapped.
//!
//! A writer that waits has opened the file already, and would write to it
//! once let go; so a commit that finds one waiting replaces nothing (its
//! write would be lost with the replaced file) and says so.
//!
//! The lease is let go when the text is dropped, and a writer waits for
//! that, so only a plan committed as soon as it is made maps its files: the
//! `apply_patch` program ([`Reading::Map`]). The engine, which may wait for
//! a person's approval between plan and commit, copies ([`Reading::Copy`]).
//! Where a lease cannot be had (someone else owns the file, a writer has it
//! open, the filesystem has no leases), the file is copied too, and so are
//! small files ([`MAP_FROM`]).

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// How the plan reads the files it touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reading {
    /// Into memory of our own: the plan may live for any time.
    Copy,
    /// Mapped under a read lease where possible: the plan is committed and
    /// dropped right away, since writers of its files wait for that.
    Map,
}

/// A file's contents as read.
pub(crate) enum Loaded {
    Text(FileText),
    Binary(Vec<u8>),
}

/// Files smaller than this are copied even for [`Reading::Map`]: their
/// page faults cost less than the calls that lease and map, and a mapped
/// file keeps its descriptor open until the plan is dropped (a patch of
/// thousands of small files would run out of descriptors).
const MAP_FROM: u64 = 64 * 1024;

/// Reads the regular file at `path`, with its metadata at the time of the
/// read (from the open descriptor, so both are of the same file).
pub(crate) fn load(path: &Path, reading: Reading) -> std::io::Result<(Loaded, std::fs::Metadata)> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    #[cfg(target_os = "linux")]
    let (file, meta) = if reading == Reading::Map && meta.len() >= MAP_FROM {
        match mapped::Mapped::leased(file) {
            Ok((text, meta)) => return Ok((Loaded::Text(FileText::Mapped(text.into())), meta)),
            // It may have changed before the lease was refused.
            Err(file) => {
                let meta = file.metadata()?;
                (file, meta)
            }
        }
    } else {
        (file, meta)
    };
    #[cfg(not(target_os = "linux"))]
    let _ = reading;
    let mut file = file;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.read_to_end(&mut bytes)?;
    let loaded = match String::from_utf8(bytes) {
        Ok(text) => Loaded::Text(FileText::Owned(text)),
        Err(err) => Loaded::Binary(err.into_bytes()),
    };
    Ok((loaded, meta))
}

/// A file's text: owned, or mapped from the file under a lease.
#[derive(Clone)]
pub(crate) enum FileText {
    Owned(String),
    #[cfg(target_os = "linux")]
    Mapped(std::sync::Arc<mapped::Mapped>),
}

impl FileText {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            FileText::Owned(text) => text,
            #[cfg(target_os = "linux")]
            FileText::Mapped(mapped) => mapped.as_str(),
        }
    }

    /// Another process waits to write the file this text is mapped from
    /// (it opened the file for writing and the kernel is breaking our
    /// lease). It writes to the file it opened, so replacing the file now
    /// would lose what it writes.
    pub(crate) fn writer_waiting(&self) -> bool {
        match self {
            FileText::Owned(_) => false,
            #[cfg(target_os = "linux")]
            FileText::Mapped(mapped) => mapped.writer_waiting(),
        }
    }
}

impl std::ops::Deref for FileText {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for FileText {
    fn from(text: String) -> Self {
        FileText::Owned(text)
    }
}

impl PartialEq for FileText {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for FileText {}

impl std::fmt::Debug for FileText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

/// As a string; what another process receives is always a copy.
impl serde::Serialize for FileText {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for FileText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(FileText::Owned)
    }
}

#[cfg(target_os = "linux")]
mod mapped {
    use std::fs::File;
    use std::os::fd::AsRawFd;
    use std::ptr::NonNull;

    /// `F_SETSIG` of `<fcntl.h>` (the same on every Linux architecture),
    /// which the `libc` crate does not define.
    const F_SETSIG: libc::c_int = 10;

    /// A UTF-8 file mapped read-only, with the leased descriptor that keeps
    /// it unchanged.
    pub(crate) struct Mapped {
        start: NonNull<u8>,
        len: usize,
        /// Closing it lets the lease go; kept until the mapping is gone.
        file: File,
    }

    // SAFETY: the mapping is read-only and never changes (see `leased`), so
    // sharing it between threads is sharing a `&str`.
    unsafe impl Send for Mapped {}
    // SAFETY: as for `Send`.
    unsafe impl Sync for Mapped {}

    impl Mapped {
        /// Leases and maps `file` (open read-only) and returns the text with
        /// the file's metadata as of the lease; gives the file back where a
        /// lease or a mapping cannot be had, or the file is empty or not
        /// UTF-8 (which the caller then reads itself).
        pub(crate) fn leased(file: File) -> Result<(Mapped, std::fs::Metadata), File> {
            let fd = file.as_raw_fd();
            // A writer that opens the file signals the lease holder, with
            // SIGIO by default, which ends a process that does not handle
            // it; SIGURG is ignored unless handled, and nothing here handles
            // it: the writer just waits for the lease to be let go.
            // SAFETY: `fcntl` with integer arguments on an open descriptor.
            let leased = unsafe {
                libc::fcntl(fd, F_SETSIG, libc::SIGURG) == 0
                    && libc::fcntl(fd, libc::F_SETLEASE, libc::F_RDLCK) == 0
            };
            if !leased {
                return Err(file);
            }
            // From here on nobody writes the file, so its length and times
            // are those of the text mapped below.
            let meta = match file.metadata() {
                Ok(meta) if meta.is_file() => meta,
                _ => return Err(unleased(file)),
            };
            let Ok(len) = usize::try_from(meta.len()) else {
                return Err(unleased(file));
            };
            if len == 0 {
                return Err(unleased(file));
            }
            // MAP_POPULATE: the pages are cached already (or about to be
            // read); map them all in one call rather than a fault each.
            // SAFETY: a new read-only private mapping of an open descriptor,
            // placed by the kernel; no existing memory is touched.
            let start = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | libc::MAP_POPULATE,
                    fd,
                    0,
                )
            };
            if start == libc::MAP_FAILED {
                return Err(unleased(file));
            }
            let Some(start) = NonNull::new(start.cast::<u8>()) else {
                return Err(unleased(file));
            };
            // SAFETY: `start..start + len` was just mapped readable.
            let bytes = unsafe { std::slice::from_raw_parts(start.as_ptr(), len) };
            if std::str::from_utf8(bytes).is_err() {
                // Not text: the caller's copy says so (a rare case).
                unmap(start, len);
                return Err(unleased(file));
            }
            let mapped = Mapped { start, len, file };
            Ok((mapped, meta))
        }

        fn bytes(&self) -> &[u8] {
            // SAFETY: `start..start + len` is mapped readable until `drop`,
            // and the lease keeps every other process from changing it.
            unsafe { std::slice::from_raw_parts(self.start.as_ptr(), self.len) }
        }

        pub(crate) fn as_str(&self) -> &str {
            // SAFETY: checked to be UTF-8 in `leased`, and unchanged since.
            unsafe { std::str::from_utf8_unchecked(self.bytes()) }
        }

        /// The lease is being broken: while it is, `F_GETLEASE` tells what
        /// it will become (nothing) instead of what it is.
        pub(crate) fn writer_waiting(&self) -> bool {
            // SAFETY: `fcntl` with integer arguments on an open descriptor.
            let lease = unsafe { libc::fcntl(self.file.as_raw_fd(), libc::F_GETLEASE) };
            lease != libc::F_RDLCK
        }
    }

    impl Drop for Mapped {
        fn drop(&mut self) {
            // The descriptor, and with it the lease, goes after this.
            unmap(self.start, self.len);
        }
    }

    fn unmap(start: NonNull<u8>, len: usize) {
        // SAFETY: the mapping made in `leased`, unmapped once; nothing
        // borrows it any more (its owner is being dropped or consumed).
        unsafe {
            libc::munmap(start.as_ptr().cast(), len);
        }
    }

    /// The descriptor with its lease let go.
    fn unleased(file: File) -> File {
        // SAFETY: `fcntl` with integer arguments on an open descriptor.
        unsafe {
            libc::fcntl(file.as_raw_fd(), libc::F_SETLEASE, libc::F_UNLCK);
        }
        file
    }
}

/// Waits (30 s at most) until a process waits to write the file `text` is
/// mapped from.
#[cfg(all(test, target_os = "linux"))]
pub(crate) fn wait_for_a_writer(text: &FileText) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !text.writer_waiting() {
        assert!(std::time::Instant::now() < deadline, "no writer came");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(loaded: &Loaded) -> &str {
        match loaded {
            Loaded::Text(text) => text,
            Loaded::Binary(_) => panic!("not text"),
        }
    }

    /// A file `f` in `dir`, large enough to be mapped, and its text.
    fn large_file(dir: &tempfile::TempDir, line: &str) -> (std::path::PathBuf, String) {
        let path = dir.path().join("f");
        let text = line.repeat(MAP_FROM as usize);
        std::fs::write(&path, &text).unwrap();
        (path, text)
    }

    #[test]
    fn both_readings_give_the_file_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let large = "line\n".repeat(MAP_FROM as usize);
        let large_binary = [b"\xff\xfe".repeat(MAP_FROM as usize), b"\n".to_vec()].concat();
        let small: [&[u8]; 3] = [b"a\nb\n", b"", b"\xff\xfe not utf-8"];
        for contents in small
            .into_iter()
            .chain([large.as_bytes(), &large_binary[..]])
        {
            std::fs::write(&path, contents).unwrap();
            for reading in [Reading::Copy, Reading::Map] {
                let (loaded, meta) = load(&path, reading).unwrap();
                assert_eq!(meta.len(), contents.len() as u64);
                // Mapped: large UTF-8 files read for `Map`, and only those.
                #[cfg(target_os = "linux")]
                assert_eq!(
                    matches!(&loaded, Loaded::Text(FileText::Mapped(_))),
                    reading == Reading::Map
                        && contents.len() as u64 >= MAP_FROM
                        && std::str::from_utf8(contents).is_ok(),
                    "{reading:?} of {} bytes",
                    contents.len()
                );
                match (&loaded, std::str::from_utf8(contents)) {
                    (Loaded::Text(text), Ok(expected)) => assert_eq!(text.as_str(), expected),
                    (Loaded::Binary(bytes), Err(_)) => assert_eq!(bytes, contents),
                    _ => panic!("{reading:?} of {contents:?}"),
                }
            }
        }
    }

    /// While the mapped text lives, a writer waits; once it is dropped, the
    /// writer goes on. Leases need the file's owner (or CAP_LEASE), which a
    /// test's own temporary file has.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_writer_waits_for_the_mapped_text_to_be_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let (path, original) = large_file(&dir, "original\n");
        let (loaded, _) = load(&path, Reading::Map).unwrap();
        let Loaded::Text(mapped @ FileText::Mapped(_)) = &loaded else {
            panic!("a large text file is mapped");
        };
        let writer_path = path.clone();
        let writer = std::thread::spawn(move || {
            std::fs::write(&writer_path, "rewritten\n").unwrap();
        });
        // The writer is blocked in its open: the text stays as mapped.
        wait_for_a_writer(mapped);
        assert!(!writer.is_finished());
        assert_eq!(text(&loaded), original);
        drop(loaded);
        writer.join().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "rewritten\n");
    }

    /// A file someone has open for writing cannot be leased: it is copied.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_open_for_writing_is_copied() {
        let dir = tempfile::tempdir().unwrap();
        let (path, contents) = large_file(&dir, "text\n");
        let _writer = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        let (loaded, _) = load(&path, Reading::Map).unwrap();
        assert!(matches!(&loaded, Loaded::Text(FileText::Owned(_))));
        assert_eq!(text(&loaded), contents);
    }
}
