//! Puts a version's code on disk for one instance, safely.
//!
//! The real service's inline and zip code are both base64 of a zip archive. A body that is
//! not a zip is taken as the handler module's source (`index.py` / `index.js` for
//! `index.handler`), so the README's `print(1)` examples and hand-written inline code run.
//!
//! A zip is refused whole (never half unpacked) when any entry would land outside the code
//! directory (`..`, an absolute path, a drive prefix), is a symbolic link (it could point
//! anywhere), or when the declared or actual unpacked size passes `invoke.max_unpacked_bytes`
//! (a zip bomb declares small sizes and inflates to gigabytes, so the bytes written are
//! counted too, not only the sizes the archive claims).

use std::io::{Read, Seek, Write};
use std::path::Path;

/// Why code could not be unpacked: said to the client in a 400 FSS.1011.
#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    /// The archive is damaged or not a zip the reader understands.
    #[error("the zip archive cannot be read: {0}")]
    Corrupt(String),
    /// An entry names a path outside the code directory.
    #[error("the zip entry '{0}' would be written outside the code directory")]
    Escapes(String),
    /// An entry is a symbolic link.
    #[error("the zip entry '{0}' is a symbolic link, which the emulator does not unpack")]
    Symlink(String),
    /// The unpacked code would pass the ceiling.
    #[error("the unpacked code exceeds {0} bytes (invoke.max_unpacked_bytes)")]
    TooLarge(u64),
    /// The disk said no.
    #[error("the code could not be written: {0}")]
    Io(#[from] std::io::Error),
}

/// An entry's name for a message (at most 200 characters).
fn entry_name<R: Read>(entry: &zip::read::ZipFile<'_, R>) -> String {
    entry
        .name()
        .map(|n| n.chars().take(200).collect())
        .unwrap_or_else(|_| "(a name that is not UTF-8)".into())
}

/// True when `bytes` begin like a zip archive (a local file header or an empty archive).
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// Writes `code` into the empty directory `dest`: a zip is unpacked, anything else is
/// written as `<module><extension>` (the handler's module file).
pub fn unpack(
    code: &[u8],
    dest: &Path,
    module: &str,
    extension: &str,
    max_bytes: u64,
) -> Result<(), UnpackError> {
    if !is_zip(code) {
        return write_module_source(code, dest, module, extension, max_bytes);
    }
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(code))
        .map_err(|e| UnpackError::Corrupt(e.to_string()))?;
    // First pass: refuse the archive before writing anything.
    check_archive(&mut archive, max_bytes)?;
    extract_archive(&mut archive, dest, max_bytes)
}

/// Code that is not a zip: the handler module's source, written as `<module><extension>`
/// (a dotted module name becomes folders).
fn write_module_source(
    code: &[u8],
    dest: &Path,
    module: &str,
    extension: &str,
    max_bytes: u64,
) -> Result<(), UnpackError> {
    if code.len() as u64 > max_bytes {
        return Err(UnpackError::TooLarge(max_bytes));
    }
    let file = dest.join(format!("{}{extension}", module.replace('.', "/")));
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(file, code)?;
    Ok(())
}

/// The first pass over an archive, from its headers alone: refuses symbolic links, names
/// that escape the code directory, and declared sizes past the ceiling.
fn check_archive<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    max_bytes: u64,
) -> Result<(), UnpackError> {
    let mut declared: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| UnpackError::Corrupt(e.to_string()))?;
        let name = entry_name(&entry);
        if entry.is_symlink() {
            return Err(UnpackError::Symlink(name));
        }
        // The reader would quietly make `/etc/x` relative; an absolute name is refused
        // instead, since the archive plainly meant to write outside.
        let absolute = name.starts_with(['/', '\\']) || name.get(1..2) == Some(":");
        if absolute || entry.enclosed_name().is_none() {
            return Err(UnpackError::Escapes(name));
        }
        declared = declared.saturating_add(entry.size());
        if declared > max_bytes {
            return Err(UnpackError::TooLarge(max_bytes));
        }
    }
    Ok(())
}

/// The second pass: writes every entry under `dest`, counting the bytes that actually
/// inflate against the ceiling (a bomb's declared sizes lie).
fn extract_archive<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    dest: &Path,
    max_bytes: u64,
) -> Result<(), UnpackError> {
    let mut written: u64 = 0;
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| UnpackError::Corrupt(e.to_string()))?;
        let relative = entry
            .enclosed_name()
            .ok_or_else(|| UnpackError::Escapes(entry_name(&entry)))?;
        let target = dest.join(relative);
        if entry.is_dir() {
            std::fs::create_dir_all(&target)?;
            continue;
        }
        written += write_entry(&mut entry, &target, max_bytes - written, max_bytes)?;
    }
    Ok(())
}

/// Writes one file entry to `target`, at most `room` bytes, keeping its unix mode (made
/// readable and writable by the owner, never setuid or group/other-writable). Returns the
/// bytes written.
fn write_entry<R: Read>(
    entry: &mut zip::read::ZipFile<'_, R>,
    target: &Path,
    room: u64,
    max_bytes: u64,
) -> Result<u64, UnpackError> {
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut out = std::fs::File::create(target)?;
    // Count what actually inflates: one byte past the ceiling is enough to refuse.
    let mut limited = (&mut *entry).take(room + 1);
    let n =
        std::io::copy(&mut limited, &mut out).map_err(|e| UnpackError::Corrupt(e.to_string()))?;
    if n > room {
        return Err(UnpackError::TooLarge(max_bytes));
    }
    out.flush()?;
    #[cfg(unix)]
    if let Some(mode) = entry.unix_mode() {
        use std::os::unix::fs::PermissionsExt;
        let mode = (mode & 0o755) | 0o600;
        std::fs::set_permissions(target, std::fs::Permissions::from_mode(mode))?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use zip::write::SimpleFileOptions;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, data) in entries {
            w.start_file(*name, SimpleFileOptions::default()).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn replace_all(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
        let mut out = haystack.to_vec();
        let mut i = 0;
        while i + from.len() <= out.len() {
            if &out[i..i + from.len()] == from {
                out[i..i + from.len()].copy_from_slice(to);
                i += from.len();
            } else {
                i += 1;
            }
        }
        out
    }

    /// A scratch directory, removed with its contents when dropped (even by a failed test).
    fn scratch(name: &str) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix(&format!("fgs-unpack-{name}-"))
            .tempdir()
            .unwrap()
    }

    #[test]
    fn source_text_becomes_the_module_file() {
        let scratch = scratch("text");
        let dir = scratch.path();
        unpack(b"print(1)", dir, "index", ".py", 1024).unwrap();
        assert_eq!(std::fs::read(dir.join("index.py")).unwrap(), b"print(1)");
    }

    #[test]
    fn a_zip_unpacks_with_its_folders() {
        let scratch = scratch("zip");
        let dir = scratch.path();
        let code = zip_of(&[("index.py", b"x = 1"), ("lib/util.py", b"y = 2")]);
        unpack(&code, dir, "index", ".py", 1024).unwrap();
        assert_eq!(std::fs::read(dir.join("lib/util.py")).unwrap(), b"y = 2");
    }

    #[test]
    fn escaping_entries_refuse_the_whole_archive() {
        for bad in ["../evil.py", "/etc/evil.py", "a/../../evil.py"] {
            let scratch = scratch("escape");
            let dir = scratch.path();
            // Writers clean such names up, so write a placeholder and put the bad name in after.
            let placeholder = "Z".repeat(bad.len());
            let code = zip_of(&[("index.py", b"x = 1"), (&placeholder, b"boom")]);
            let code = replace_all(&code, placeholder.as_bytes(), bad.as_bytes());
            let err = unpack(&code, dir, "index", ".py", 1024).unwrap_err();
            assert!(matches!(err, UnpackError::Escapes(_)), "{bad}: {err}");
            assert!(!dir.join("index.py").exists(), "nothing written for {bad}");
        }
    }

    #[test]
    fn a_bomb_stops_at_the_ceiling() {
        let scratch = scratch("bomb");
        let dir = scratch.path();
        let big = vec![0u8; 100_000];
        let code = zip_of(&[("index.py", &big)]);
        assert!(code.len() < 2_000, "deflate squeezes zeros");
        let err = unpack(&code, dir, "index", ".py", 10_000).unwrap_err();
        assert!(matches!(err, UnpackError::TooLarge(10_000)), "{err}");
    }
}
