//! Loading: a state log replayed, line by line, into the document it stands for. A
//! child of `persist.rs`, which owns the line format and the torn-tail rule.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::Line;
use crate::state::{FORMAT, FORMAT_VERSION, FunctionDoc, StateDocument};

/// What replaying a log builds, one whole line at a time: each function's last `put`
/// unless a later `delete` removed it, in the order each was first put, and the code.
pub(super) struct Replay {
    /// Functions by position of their first `put`; `None` once deleted.
    functions: Vec<Option<FunctionDoc>>,
    /// (project, package, name) -> index in `functions`, for the functions still alive.
    positions: HashMap<(String, String, String), usize>,
    /// Every code line seen, by digest.
    code: BTreeMap<String, String>,
    /// The header's format version (the current one if there is no header).
    version: u32,
}

impl Replay {
    pub(super) fn new() -> Self {
        Self {
            functions: Vec::new(),
            positions: HashMap::new(),
            code: BTreeMap::new(),
            version: FORMAT_VERSION,
        }
    }

    /// Applies one line; the error is the message for a corrupt line.
    pub(super) fn apply(&mut self, line: Line) -> Result<(), String> {
        match line {
            Line::Header {
                format,
                format_version,
            } => {
                // Older formats load (the document reader converts them); the file is
                // rewritten in the current format when it is compacted at start-up.
                if format != FORMAT || !(1..=FORMAT_VERSION).contains(&format_version) {
                    return Err(format!(
                        "{format} version {format_version} is not {FORMAT} version 1 to {FORMAT_VERSION}"
                    ));
                }
                self.version = format_version;
            }
            Line::Code { digest, base64 } => {
                self.code.insert(digest, base64);
            }
            Line::Put(doc) => self.put(*doc),
            Line::Delete {
                project,
                package,
                func_name,
            } => {
                if let Some(i) = self.positions.remove(&(project, package, func_name)) {
                    self.functions[i] = None;
                }
            }
        }
        Ok(())
    }

    /// A function replaces its earlier record in place, or takes the next position.
    fn put(&mut self, doc: FunctionDoc) {
        let key = (
            doc.project.clone(),
            doc.package.clone(),
            doc.func_name.clone(),
        );
        match self.positions.get(&key) {
            Some(&i) => self.functions[i] = Some(doc),
            None => {
                self.positions.insert(key, self.functions.len());
                self.functions.push(Some(doc));
            }
        }
    }

    /// The document: the functions still alive and only the code they hold.
    pub(super) fn finish(self) -> StateDocument {
        let functions: Vec<FunctionDoc> = self.functions.into_iter().flatten().collect();
        let used: HashSet<&str> = functions
            .iter()
            .flat_map(|f| {
                std::iter::once(f.latest.digest.as_str())
                    .chain(f.versions.iter().map(|v| v.state.digest.as_str()))
            })
            .collect();
        let mut code = self.code;
        code.retain(|d, _| used.contains(d.as_str()));
        StateDocument {
            format: FORMAT.to_owned(),
            format_version: self.version,
            functions,
            code,
        }
    }
}
