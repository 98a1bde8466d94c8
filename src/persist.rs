//! The state file (`--state-file`, `state.file`): state that survives restarts.
//!
//! Mechanism: an append-only log of JSON lines, compacted at start-up.
//!
//! ```text
//! {"header":{"format":"fgs-emulator-state","format_version":2}}
//! {"code":{"digest":"<sha512>","base64":"..."}}      once per code blob, before its first use
//! {"put":{...a whole function, as in the state document...}}
//! {"delete":{"project":"...","package":"...","func_name":"..."}}
//! ```
//!
//! Why this shape:
//! - **Durable before acknowledged.** Each change appends its line(s) and waits for an
//!   `fdatasync` that covers them before the store lets go of the function's lock, and the
//!   response is only written after that. So `kill -9` at any moment loses no acknowledged
//!   change. Concurrent changes share syncs (group commit, see `persist/group_commit.rs`): one
//!   `fdatasync` makes every line written before it durable, so N writers waiting together
//!   cost about one sync, not N.
//! - **Never unloadable.** A crash can only tear the last line (one `write_all` per
//!   change, appends one at a time, each whole before the next starts). A final line without its newline is a change that was never
//!   acknowledged, and loading ignores it; any other bad line is real corruption and is
//!   reported with its line number rather than silently dropped.
//! - **A failed write changes nothing** (a full disk, EIO). The file's length is
//!   remembered as of the last sync; if a write or a sync fails, the file is cut back to
//!   that length and synced (so every change written after it and not yet acknowledged is
//!   refused too), the store rolls the change back in memory, and the client gets
//!   500 `FSS.0500` (the io error is logged with the request id, never sent). Without the
//!   cut, a short write would leave a torn line that the next append completes into a
//!   corrupt line mid-file, which refuses to load. If the cut fails too, the file is marked
//!   torn: every later append first retries the cut and is refused (500) until it works.
//!   Code digests count as written only after their line is synced, so a later record
//!   never refers to code that did not reach the disk. Once there is space again, writes
//!   succeed with nothing to clean up. (If the sync fails after the bytes were written, a
//!   power loss before the cut is synced could still bring the refused change back;
//!   nothing short of that can.)
//! - **Syncs never hold the global index lock.** The store persists each change under that
//!   function's lock only, so a slow disk delays changes to that function and nothing
//!   else (see `store.rs`).
//! - **Fast.** A change costs one small append and at most one `fdatasync`; code bytes are written
//!   once per digest, not per version. An embedded database (redb, sqlite) would give the
//!   same guarantees with more machinery than a log of whole-function records needs, since
//!   a function record is a few kilobytes and changes are rare compared with reads.
//! - **Compaction at start-up**: the loaded state is rewritten as a fresh log (to a temporary
//!   file, synced, renamed over the old one, directory synced), so the log never grows
//!   without bound across restarts; reset and state import use the same rewrite. A rewrite
//!   that fails before the rename leaves the old file in use; the rename is the commit
//!   point (see `StateFile::rewrite`).

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::domain::encode_code;
use crate::model::FunctionRecord;
use crate::request_span::in_request_span;
use crate::state::{FORMAT, FORMAT_VERSION, FunctionDoc, StateDocument};
use crate::store::{FunctionKey, Persist};

mod group_commit;
mod replay;

pub use group_commit::Backing;
use group_commit::Open;
use replay::Replay;

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Line {
    Header {
        format: String,
        format_version: u32,
    },
    Code {
        digest: String,
        base64: String,
    },
    Put(Box<FunctionDoc>),
    Delete {
        project: String,
        package: String,
        func_name: String,
    },
}

/// Why a state file could not be loaded or written.
#[derive(Debug, thiserror::Error)]
pub enum StateFileError {
    /// Reading or writing failed.
    #[error("state file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The content is not a state log this build can read.
    #[error("state file {path}, line {line}: {message}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// An open state file, appended to on every change.
///
/// **Group commit** (`persist/group_commit.rs`): concurrent changes share one write and one
/// `fdatasync`, and none is acknowledged before a sync that covers its bytes.
///
/// **Failure** (a failed write, or a failed sync) cuts the file back to its last synced
/// length and refuses every change of the group, and every change queued meanwhile, not
/// just the one that failed: each of them is rolled back and answered 500, exactly as a
/// single failed append is.
pub struct StateFile {
    path: PathBuf,
    // A std Mutex: held for one `write` (never for a sync, except to repair after a
    // failure). A caller holds at most one function's lock when it takes this one, and never
    // takes a function's lock while holding it.
    inner: Mutex<Open>,
    /// Signalled when a sync ends (or a failure discards what was waiting for one).
    synced: std::sync::Condvar,
}

/// An io error that says which file and which step, for the log; clients never see it.
fn context(e: io::Error, path: &Path, doing: &str) -> io::Error {
    io::Error::new(
        e.kind(),
        format!("state file {}: {doing}: {e}", path.display()),
    )
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> StateFileError + '_ {
    move |source| StateFileError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Reads the state in `path`: `None` if the file does not exist or is empty.
pub fn load(path: &Path) -> Result<Option<StateDocument>, StateFileError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(path)(e)),
    };
    parse(path, &bytes)
}

/// Reads a state log's bytes (`path` only names it in errors): `None` if there are none.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Option<StateDocument>, StateFileError> {
    if bytes.is_empty() {
        return Ok(None);
    }
    let mut replay = Replay::new();
    let mut segments = bytes.split(|b| *b == b'\n').peekable();
    let mut n = 0;
    while let Some(segment) = segments.next() {
        n += 1;
        let complete = segments.peek().is_some();
        if !complete {
            // The bytes after the last newline: empty, or a change torn by a crash before it
            // was synced (and so never acknowledged). Either way, nothing to apply.
            break;
        }
        if segment.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        serde_json::from_slice(segment)
            .map_err(|e| e.to_string())
            .and_then(|line| replay.apply(line))
            .map_err(|message| StateFileError::Corrupt {
                path: path.to_owned(),
                line: n,
                message,
            })?;
    }
    Ok(Some(replay.finish()))
}

fn line_bytes(line: &Line) -> Vec<u8> {
    let mut bytes = serde_json::to_vec(line).expect("state lines serialise");
    bytes.push(b'\n');
    bytes
}

/// Appends the code lines `record` needs and does not have yet to `out`, and returns their
/// digests. They count as written only once the append that carries them is synced.
fn code_lines(
    record: &FunctionRecord,
    written: &HashSet<String>,
    out: &mut Vec<u8>,
) -> Vec<String> {
    let mut new: Vec<String> = Vec::new();
    let states = std::iter::once(&record.latest).chain(record.versions.iter().map(|v| &v.state));
    for s in states {
        let digest = s.code.digest().as_str();
        if !written.contains(digest) && !new.iter().any(|d| d == digest) {
            new.push(digest.to_owned());
            out.extend(line_bytes(&Line::Code {
                digest: digest.to_owned(),
                base64: encode_code(&s.code.blob.bytes),
            }));
        }
    }
    new
}

fn sync_dir(path: &Path) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    File::open(dir)?.sync_all()
}

impl StateFile {
    /// Opens `path` holding exactly `records`: the file is rewritten (compacted) atomically.
    pub fn create(path: &Path, records: &[FunctionRecord]) -> Result<Self, StateFileError> {
        let open = Self::rewrite(path, records).map_err(io_err(path))?;
        Ok(Self {
            path: path.to_owned(),
            inner: Mutex::new(open),
            synced: std::sync::Condvar::new(),
        })
    }

    /// A state file whose appends go to `backing`, which already holds `len` bytes of whole
    /// lines (with no code lines): for tests that inject write failures. Rewrites
    /// (`replace_all`) still go to `path`.
    pub fn with_backing(path: &Path, backing: Arc<dyn Backing>, len: u64) -> Self {
        Self {
            path: path.to_owned(),
            inner: Mutex::new(Open::new(backing, len, HashSet::new(), false)),
            synced: std::sync::Condvar::new(),
        }
    }

    /// Writes `records` as a fresh log next to `path` and renames it over `path`.
    ///
    /// Until the rename nothing has changed, and any failure leaves the old file in use
    /// (and the temporary one removed). The rename is the commit point: the new file is
    /// opened before it (the handle follows the file), so nothing can fail after it except
    /// the directory sync, and that only puts the rename's durability across a power loss
    /// at risk, not what this process or a restart after `kill -9` sees. So a failed
    /// directory sync still counts as done; it is logged and retried before the next
    /// append, which is refused until it succeeds.
    fn rewrite(path: &Path, records: &[FunctionRecord]) -> io::Result<Open> {
        let mut written = HashSet::new();
        let mut out = line_bytes(&Line::Header {
            format: FORMAT.to_owned(),
            format_version: FORMAT_VERSION,
        });
        for r in records {
            written.extend(code_lines(r, &written, &mut out));
            out.extend(line_bytes(&Line::Put(Box::new(FunctionDoc::of(r)))));
        }
        let tmp = path.with_extension("tmp-compact");
        let renamed = (|| {
            match std::fs::remove_file(&tmp) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
            let mut file = OpenOptions::new()
                .append(true)
                .create_new(true)
                .open(&tmp)?;
            Write::write_all(&mut file, &out)?;
            file.sync_all()?;
            std::fs::rename(&tmp, path)?;
            Ok(file)
        })();
        let file = match renamed {
            Ok(file) => file,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(context(e, path, "rewriting"));
            }
        };
        let dir_unsynced = match sync_dir(path) {
            Ok(()) => false,
            Err(e) => {
                in_request_span(|| {
                    tracing::error!(
                        file = %path.display(),
                        error = %e,
                        "state file: rewritten, but its directory could not be synced; \
                         changes are refused until it can be"
                    );
                });
                true
            }
        };
        Ok(Open::new(
            Arc::new(file),
            out.len() as u64,
            written,
            dir_unsynced,
        ))
    }
}

impl Persist for StateFile {
    fn put(&self, record: &FunctionRecord) -> io::Result<()> {
        self.append(|written| {
            let mut out = Vec::new();
            let new = code_lines(record, written, &mut out);
            out.extend(line_bytes(&Line::Put(Box::new(FunctionDoc::of(record)))));
            (out, new)
        })
    }

    fn delete(&self, key: &FunctionKey) -> io::Result<()> {
        self.append(|_| {
            let line = line_bytes(&Line::Delete {
                project: key.project.to_string(),
                package: key.package.to_string(),
                func_name: key.name.to_string(),
            });
            (line, Vec::new())
        })
    }

    fn replace_all(&self, records: &[FunctionRecord]) -> io::Result<()> {
        // The store holds every change off while this runs, so no append waits for a sync.
        let mut open = self.lock();
        // On failure the old file stays in use, as it was (a torn tail of its own included).
        let rewritten = Self::rewrite(&self.path, records)?;
        open.replace(rewritten);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::clock::ControlledClock;
    use crate::config::Config;
    use crate::domain::{ProjectId, Urn};
    use crate::random::Rng;
    use crate::service::input::{CodeBody, FunctionBody};
    use crate::service::{Service, Settings};
    use crate::store::Store;

    const PROJECT: &str = "0123456789abcdef0123456789abcdef";

    /// A stand-in file: appends land in `bytes` until `budget` runs out (then a short write,
    /// then ENOSPC, as a full disk does); `sync_data` and `set_len` fail while told to.
    #[derive(Clone, Default)]
    struct Flaky(Arc<Mutex<FlakyState>>);

    #[derive(Default)]
    struct FlakyState {
        bytes: Vec<u8>,
        budget: Option<usize>,
        fail_sync: bool,
        fail_set_len: bool,
    }

    impl Flaky {
        fn state(&self) -> std::sync::MutexGuard<'_, FlakyState> {
            self.0.lock().unwrap()
        }
        fn bytes(&self) -> Vec<u8> {
            self.state().bytes.clone()
        }
    }

    fn enospc() -> io::Error {
        io::Error::from_raw_os_error(28)
    }

    impl Write for Flaky {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let mut s = self.state();
            let n = match s.budget {
                Some(0) => return Err(enospc()),
                Some(left) => left.min(buf.len()),
                None => buf.len(),
            };
            if let Some(left) = &mut s.budget {
                *left -= n;
            }
            s.bytes.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Backing for Flaky {
        fn write_all(&self, buf: &[u8]) -> io::Result<()> {
            Write::write_all(&mut self.clone(), buf)
        }
        fn sync_data(&self) -> io::Result<()> {
            if self.state().fail_sync {
                return Err(io::Error::from_raw_os_error(5)); // EIO
            }
            Ok(())
        }
        fn set_len(&self, len: u64) -> io::Result<()> {
            let mut s = self.state();
            if s.fail_set_len {
                return Err(io::Error::from_raw_os_error(5));
            }
            s.bytes.truncate(len as usize);
            Ok(())
        }
    }

    fn service() -> Service {
        let config = Config::default();
        Service::new(
            Store::new(),
            Arc::new(ControlledClock::system()),
            Settings::from_config(&config),
            Arc::new(Rng::seeded(7)),
        )
    }

    fn project() -> ProjectId {
        ProjectId::parse(PROJECT).unwrap()
    }

    fn b64(text: &str) -> String {
        encode_code(text.as_bytes())
    }

    /// `hello` with code `print(1)`, and the same function after its code became `code`.
    fn before_and_after(code: &str) -> (FunctionRecord, FunctionRecord) {
        let service = service();
        let limits = Config::default().limits;
        let body: FunctionBody = serde_json::from_value(json!({
            "func_name": "hello", "package": "default", "runtime": "Python3.9",
            "handler": "index.handler", "memory_size": 256, "timeout": 30,
            "code_type": "inline", "func_code": {"file": b64("print(1)")},
        }))
        .unwrap();
        service
            .create_function(&project(), body.parse_create(&limits).unwrap())
            .unwrap();
        let before = service.store().all_functions().remove(0);
        let code = json!({"code_type": "inline", "func_code": {"file": b64(code)}}).to_string();
        let code: CodeBody = serde_json::from_str(&code).unwrap();
        let urn = Urn::parse(&format!(
            "urn:fss:cn-north-4:{PROJECT}:function:default:hello:latest"
        ))
        .unwrap();
        service
            .update_function_code(&project(), &urn, code.parse(&limits).unwrap())
            .unwrap();
        let after = service.store().all_functions().remove(0);
        (before, after)
    }

    fn header() -> Vec<u8> {
        line_bytes(&Line::Header {
            format: FORMAT.to_owned(),
            format_version: FORMAT_VERSION,
        })
    }

    /// A state file over `flaky` that already holds `before` (its code line and put line).
    fn file_holding(before: &FunctionRecord) -> (StateFile, Flaky) {
        let flaky = Flaky::default();
        flaky.state().bytes = header();
        let len = flaky.bytes().len() as u64;
        let file = StateFile::with_backing(Path::new("unused"), Arc::new(flaky.clone()), len);
        file.put(before).unwrap();
        (file, flaky)
    }

    fn latest_code(bytes: &[u8]) -> Vec<u8> {
        let doc = parse(Path::new("test"), bytes).unwrap().unwrap();
        let mut records = doc.into_records().unwrap();
        records.remove(0).latest.code.blob.bytes.to_vec()
    }

    #[test]
    fn an_append_cut_off_at_any_byte_leaves_the_file_whole_and_the_code_unwritten() {
        let (before, after) = before_and_after("print('a new digest')");
        let new_digest = after.latest.code.digest().as_str().to_owned();
        let (file, flaky) = file_holding(&before);
        let good = flaky.bytes();
        // The append `after` needs: its new code line, then its put line.
        let code_line = {
            let mut out = Vec::new();
            let new = code_lines(&after, &HashSet::new(), &mut out);
            assert_eq!(new, std::slice::from_ref(&new_digest));
            out.len()
        };
        let mut record_len = None;
        for n in 0.. {
            flaky.state().budget = Some(n);
            match file.put(&after) {
                Err(e) => {
                    assert_eq!(e.kind(), io::ErrorKind::StorageFull, "{e}");
                    assert_eq!(flaky.bytes(), good, "cut back after failing at byte {n}");
                    assert!(!file.code_written(&new_digest), "failing at byte {n}");
                    assert_eq!(latest_code(&flaky.bytes()), b"print(1)");
                }
                Ok(()) => {
                    record_len = Some(n);
                    break;
                }
            }
        }
        let record_len = record_len.unwrap();
        assert!(record_len > code_line, "failed at every byte of both lines");
        assert_eq!(flaky.bytes().len(), good.len() + record_len);
        assert!(file.code_written(&new_digest));
        assert_eq!(latest_code(&flaky.bytes()), b"print('a new digest')");
    }

    #[test]
    fn a_failed_sync_is_cut_back_too() {
        let (before, after) = before_and_after("print(2)");
        let (file, flaky) = file_holding(&before);
        let good = flaky.bytes();
        flaky.state().fail_sync = true;
        assert!(file.put(&after).is_err());
        flaky.state().fail_sync = false;
        // The cut itself needed a sync: the file is marked torn and repaired next time.
        assert_eq!(flaky.bytes().len(), good.len());
        assert!(!file.code_written(after.latest.code.digest().as_str()));
        file.put(&after).unwrap();
        assert_eq!(latest_code(&flaky.bytes()), b"print(2)");
    }

    #[test]
    fn a_file_that_cannot_be_cut_back_refuses_changes_until_it_can() {
        let (before, after) = before_and_after("print(3)");
        let (file, flaky) = file_holding(&before);
        let good = flaky.bytes();
        {
            let mut s = flaky.state();
            s.budget = Some(10);
            s.fail_set_len = true;
        }
        assert!(file.put(&after).is_err());
        // A torn tail is left; while it cannot be cut, nothing is appended after it.
        assert_eq!(flaky.bytes().len(), good.len() + 10);
        flaky.state().budget = None;
        let refused = file.put(&after).unwrap_err();
        assert!(refused.to_string().contains("cutting back"), "{refused}");
        assert_eq!(flaky.bytes().len(), good.len() + 10);
        // Once it can, the next append repairs first and then lands whole.
        flaky.state().fail_set_len = false;
        file.put(&after).unwrap();
        assert!(flaky.bytes().starts_with(&good));
        assert_eq!(latest_code(&flaky.bytes()), b"print(3)");
        let reloaded = parse(Path::new("test"), &flaky.bytes()).unwrap().unwrap();
        assert_eq!(reloaded.functions.len(), 1);
    }

    /// A backing whose syncs take a while (so concurrent appends pile up behind one) and
    /// are counted.
    #[derive(Clone, Default)]
    struct Slow {
        flaky: Flaky,
        syncs: Arc<std::sync::atomic::AtomicUsize>,
    }

    impl Backing for Slow {
        fn write_all(&self, buf: &[u8]) -> io::Result<()> {
            self.flaky.write_all(buf)
        }
        fn sync_data(&self) -> io::Result<()> {
            self.syncs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(30));
            self.flaky.sync_data()
        }
        fn set_len(&self, len: u64) -> io::Result<()> {
            self.flaky.set_len(len)
        }
    }

    /// `n` functions named `f0`.. (the record of `hello`, renamed).
    fn renamed(record: &FunctionRecord, n: usize) -> Vec<FunctionRecord> {
        (0..n)
            .map(|i| {
                let mut r = record.clone();
                r.name = crate::domain::FunctionName::parse(&format!("f{i}")).unwrap();
                r
            })
            .collect()
    }

    /// Puts every record from its own thread, all at once; the results in order.
    fn put_concurrently(file: &StateFile, records: &[FunctionRecord]) -> Vec<io::Result<()>> {
        let barrier = std::sync::Barrier::new(records.len());
        std::thread::scope(|s| {
            let handles: Vec<_> = records
                .iter()
                .map(|r| {
                    let barrier = &barrier;
                    s.spawn(move || {
                        barrier.wait();
                        file.put(r)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        })
    }

    #[test]
    fn concurrent_changes_share_syncs_and_each_is_synced_before_it_returns() {
        let (before, _) = before_and_after("print(4)");
        let slow = Slow::default();
        slow.flaky.state().bytes = header();
        let len = slow.flaky.bytes().len() as u64;
        let file = StateFile::with_backing(Path::new("unused"), Arc::new(slow.clone()), len);
        let records = renamed(&before, 8);
        for result in put_concurrently(&file, &records) {
            result.unwrap();
        }
        let syncs = slow.syncs.load(std::sync::atomic::Ordering::SeqCst);
        assert!(
            syncs < records.len(),
            "{syncs} syncs for {} changes",
            records.len()
        );
        // Every change returned after a sync that covered it: all are in the synced length.
        let open = file.lock();
        assert_eq!(open.len, slow.flaky.bytes().len() as u64);
        assert_eq!(open.len, open.end);
        assert!(open.pending_code.is_empty());
        drop(open);
        let doc = parse(Path::new("test"), &slow.flaky.bytes())
            .unwrap()
            .unwrap();
        assert_eq!(doc.functions.len(), records.len());
        assert!(file.code_written(before.latest.code.digest().as_str()));
    }

    #[test]
    fn a_failed_group_sync_refuses_every_change_in_it_and_cuts_them_all_back() {
        let (before, _) = before_and_after("print(5)");
        let slow = Slow::default();
        slow.flaky.state().bytes = header();
        let good = slow.flaky.bytes();
        let file = StateFile::with_backing(
            Path::new("unused"),
            Arc::new(slow.clone()),
            good.len() as u64,
        );
        let records = renamed(&before, 6);
        slow.flaky.state().fail_sync = true;
        for result in put_concurrently(&file, &records) {
            assert!(result.is_err(), "acknowledged although no sync succeeded");
        }
        assert_eq!(slow.flaky.bytes(), good, "cut back to the last synced line");
        assert!(!file.code_written(before.latest.code.digest().as_str()));
        // Once the disk works again, the changes can be made (the cut is repaired first).
        slow.flaky.state().fail_sync = false;
        for result in put_concurrently(&file, &records) {
            result.unwrap();
        }
        let doc = parse(Path::new("test"), &slow.flaky.bytes())
            .unwrap()
            .unwrap();
        assert_eq!(doc.functions.len(), records.len());
    }
}
