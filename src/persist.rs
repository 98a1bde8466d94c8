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
//! - **Durable before acknowledged.** Each change appends its line(s) and calls
//!   `fdatasync` before the store lets go of the function's lock, and the response is only
//!   written after that. So `kill -9` at any moment loses no acknowledged change.
//! - **Never unloadable.** A crash can only tear the last line (one `write_all` per
//!   change, then sync). A final line without its newline is a change that was never
//!   acknowledged, and loading ignores it; any other bad line is real corruption and is
//!   reported with its line number rather than silently dropped.
//! - **Fast.** A change costs one small append and one `fdatasync`; code bytes are written
//!   once per digest, not per version. An embedded database (redb, sqlite) would give the
//!   same guarantees with more machinery than a log of whole-function records needs, since
//!   a function record is a few kilobytes and changes are rare compared with reads.
//! - **Compaction at start-up**: the loaded state is rewritten as a fresh log (to a temporary
//!   file, synced, renamed over the old one, directory synced), so the log never grows
//!   without bound across restarts; reset and state import use the same rewrite.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::domain::encode_code;
use crate::model::FunctionRecord;
use crate::state::{FORMAT, FORMAT_VERSION, FunctionDoc, StateDocument};
use crate::store::{FunctionKey, Persist};

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
pub struct StateFile {
    path: PathBuf,
    // A std Mutex: appends are short and synchronous; the caller holds one function's lock,
    // and this lock is always taken after it (never the other way round).
    inner: Mutex<Open>,
}

struct Open {
    file: File,
    /// Digests whose bytes are already in the file.
    written_code: HashSet<String>,
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
    if bytes.is_empty() {
        return Ok(None);
    }
    let corrupt = |line: usize, message: String| StateFileError::Corrupt {
        path: path.to_owned(),
        line,
        message,
    };
    let mut functions: Vec<Option<FunctionDoc>> = Vec::new();
    let mut positions: HashMap<(String, String, String), usize> = HashMap::new();
    let mut code: BTreeMap<String, String> = BTreeMap::new();
    let mut segments = bytes.split(|b| *b == b'\n').peekable();
    let mut n = 0;
    let mut version = FORMAT_VERSION;
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
        let line: Line = serde_json::from_slice(segment).map_err(|e| corrupt(n, e.to_string()))?;
        match line {
            Line::Header {
                format,
                format_version,
            } => {
                // Older formats load (the document reader converts them); the file is
                // rewritten in the current format when it is compacted at start-up.
                if format != FORMAT || !(1..=FORMAT_VERSION).contains(&format_version) {
                    return Err(corrupt(
                        n,
                        format!(
                            "{format} version {format_version} is not {FORMAT} version 1 to {FORMAT_VERSION}"
                        ),
                    ));
                }
                version = format_version;
            }
            Line::Code { digest, base64 } => {
                code.insert(digest, base64);
            }
            Line::Put(doc) => {
                let key = (
                    doc.project.clone(),
                    doc.package.clone(),
                    doc.func_name.clone(),
                );
                match positions.get(&key) {
                    Some(&i) => functions[i] = Some(*doc),
                    None => {
                        positions.insert(key, functions.len());
                        functions.push(Some(*doc));
                    }
                }
            }
            Line::Delete {
                project,
                package,
                func_name,
            } => {
                if let Some(i) = positions.remove(&(project, package, func_name)) {
                    functions[i] = None;
                }
            }
        }
    }
    let functions: Vec<FunctionDoc> = functions.into_iter().flatten().collect();
    // Keep only the code something still holds.
    let used: HashSet<&str> = functions
        .iter()
        .flat_map(|f| {
            std::iter::once(f.latest.digest.as_str())
                .chain(f.versions.iter().map(|v| v.state.digest.as_str()))
        })
        .collect();
    code.retain(|d, _| used.contains(d.as_str()));
    Ok(Some(StateDocument {
        format: FORMAT.to_owned(),
        format_version: version,
        functions,
        code,
    }))
}

fn line_bytes(line: &Line) -> Vec<u8> {
    let mut bytes = serde_json::to_vec(line).expect("state lines serialise");
    bytes.push(b'\n');
    bytes
}

fn code_lines(record: &FunctionRecord, written: &mut HashSet<String>, out: &mut Vec<u8>) {
    let states = std::iter::once(&record.latest).chain(record.versions.iter().map(|v| &v.state));
    for s in states {
        let digest = s.code.digest().as_str();
        if written.insert(digest.to_owned()) {
            out.extend(line_bytes(&Line::Code {
                digest: digest.to_owned(),
                base64: encode_code(&s.code.blob.bytes),
            }));
        }
    }
}

fn sync_dir(path: &Path) -> std::io::Result<()> {
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
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn rewrite(path: &Path, records: &[FunctionRecord]) -> std::io::Result<Open> {
        let mut written = HashSet::new();
        let mut out = line_bytes(&Line::Header {
            format: FORMAT.to_owned(),
            format_version: FORMAT_VERSION,
        });
        for r in records {
            code_lines(r, &mut written, &mut out);
            out.extend(line_bytes(&Line::Put(Box::new(FunctionDoc::of(r)))));
        }
        let tmp = path.with_extension("tmp-compact");
        {
            let mut f = File::create(&tmp)?;
            f.write_all(&out)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)?;
        sync_dir(path)?;
        let file = OpenOptions::new().append(true).open(path)?;
        Ok(Open {
            file,
            written_code: written,
        })
    }

    fn append(&self, build: impl FnOnce(&mut HashSet<String>) -> Vec<u8>) -> std::io::Result<()> {
        let mut open = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let bytes = build(&mut open.written_code);
        open.file.write_all(&bytes)?;
        open.file.sync_data()
    }
}

impl Persist for StateFile {
    fn put(&self, record: &FunctionRecord) -> std::io::Result<()> {
        self.append(|written| {
            let mut out = Vec::new();
            code_lines(record, written, &mut out);
            out.extend(line_bytes(&Line::Put(Box::new(FunctionDoc::of(record)))));
            out
        })
    }

    fn delete(&self, key: &FunctionKey) -> std::io::Result<()> {
        self.append(|_| {
            line_bytes(&Line::Delete {
                project: key.project.to_string(),
                package: key.package.to_string(),
                func_name: key.name.to_string(),
            })
        })
    }

    fn replace_all(&self, records: &[FunctionRecord]) -> std::io::Result<()> {
        let mut open = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        *open = Self::rewrite(&self.path, records)?;
        Ok(())
    }
}
