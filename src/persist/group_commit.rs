//! Group commit for the state file: how concurrent changes share one write and one
//! `fdatasync`, and how a failed write or sync is undone (see the `persist` module docs for
//! the guarantees this keeps).
//!
//! Concurrent changes (to different functions: one function's changes are serialised by
//! its lock) each queue their lines under the state file's lock, then wait until a write
//! and `fdatasync` that include them have succeeded. One of the waiters (the first to find
//! none running) writes everything queued so far in one `write` and syncs it, outside the
//! lock, so the next group queues meanwhile; the rest sleep on `synced`. So N concurrent
//! changes cost about one write and one sync, not N, none is acknowledged before a sync that
//! covers its bytes has returned, and nothing is appended while a sync runs (an append to a
//! page under writeback would wait for the disk).

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use super::{StateFile, context, sync_dir};
use crate::request_span::in_request_span;

/// Where appends go: the state file opened in append mode, or in tests a stand-in that
/// fails on demand. Shared: a sync runs while other appends write.
pub trait Backing: Send + Sync {
    /// Appends all of `buf` (an error may leave part of it written).
    fn write_all(&self, buf: &[u8]) -> io::Result<()>;
    /// Makes what was written durable (`fdatasync`).
    fn sync_data(&self) -> io::Result<()>;
    /// Cuts the file to `len` bytes; later appends continue from there.
    fn set_len(&self, len: u64) -> io::Result<()>;
}

impl Backing for File {
    fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        (&mut &*self).write_all(buf)
    }

    fn sync_data(&self) -> io::Result<()> {
        File::sync_data(self)
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        File::set_len(self, len)
    }
}

pub(super) struct Open {
    file: Arc<dyn Backing>,
    /// The length of the file's whole, synced lines: what a failed append is cut back to.
    pub(super) len: u64,
    /// The length the file will have once every queued line is written (`len` <= `end`).
    pub(super) end: u64,
    /// Lines accepted since the last write, waiting to be written and synced as one group.
    queued: Vec<u8>,
    /// The previous group's buffer, emptied, to queue the next group into: two buffers
    /// take turns, so their memory is reused rather than faulted in afresh for every group.
    spare: Vec<u8>,
    /// Bumped whenever the lines written after `len` are cut off (a failure): a change
    /// waiting for its sync learns from it that its bytes are gone.
    epoch: u64,
    /// Whether a group is being written and synced (outside the lock); whoever runs it
    /// clears it and wakes all.
    syncing: bool,
    /// Digests whose code line is in the file (synced, or written and waiting for a sync:
    /// those are in `pending_code` too).
    written_code: HashSet<String>,
    /// The code lines written but not synced yet, with the end of the append that carried
    /// each: a sync up to there makes them count as written; a cut forgets them.
    pub(super) pending_code: Vec<(u64, String)>,
    /// A failed append could not be cut back: the file may end in a torn line. Every
    /// append first cuts (and syncs) it back to `len`, and is refused while it cannot.
    torn: bool,
    /// The last rewrite's rename may not be durable yet: every append first syncs the
    /// directory, and is refused while it cannot.
    dir_unsynced: bool,
}

impl Open {
    /// The state of a file of `len` bytes of whole, synced lines, whose code lines are
    /// `written_code`; `dir_unsynced` if its directory still needs a sync.
    pub(super) fn new(
        file: Arc<dyn Backing>,
        len: u64,
        written_code: HashSet<String>,
        dir_unsynced: bool,
    ) -> Self {
        Self {
            file,
            len,
            end: len,
            queued: Vec::new(),
            spare: Vec::new(),
            epoch: 0,
            syncing: false,
            written_code,
            pending_code: Vec::new(),
            torn: false,
            dir_unsynced,
        }
    }

    /// Takes over a rewritten file (`replace_all`): a change still waiting on the old one
    /// learns from the epoch that its lines are gone.
    pub(super) fn replace(&mut self, rewritten: Open) {
        let epoch = self.epoch + 1;
        *self = rewritten;
        self.epoch = epoch;
    }

    /// After a failed write or sync: every line not yet synced is refused (`epoch`), the
    /// code lines they carried do not count as written, and the file is cut back.
    fn discard(&mut self, path: &Path) {
        self.epoch += 1;
        self.end = self.len;
        self.queued.clear();
        for (_, digest) in self.pending_code.drain(..) {
            self.written_code.remove(&digest);
        }
        self.cut_back(path);
    }

    /// Makes the file end with the last whole synced line again after a failed append. If
    /// that fails too, the file is marked torn, and the next append tries again first.
    fn cut_back(&mut self, path: &Path) {
        match self
            .file
            .set_len(self.len)
            .and_then(|()| self.file.sync_data())
        {
            Ok(()) => self.torn = false,
            Err(e) => {
                self.torn = true;
                in_request_span(|| {
                    tracing::error!(
                        file = %path.display(),
                        error = %e,
                        "state file: could not cut a failed append back to its last whole \
                         line; changes are refused until it can be"
                    );
                });
            }
        }
    }

    /// Repairs what an earlier failure left, before anything new is appended.
    fn repair(&mut self, path: &Path) -> io::Result<()> {
        if self.torn {
            self.file
                .set_len(self.len)
                .and_then(|()| self.file.sync_data())
                .map_err(|e| context(e, path, "cutting back a failed append"))?;
            self.torn = false;
            in_request_span(|| {
                tracing::info!(file = %path.display(), "state file: failed append cut back");
            });
        }
        if self.dir_unsynced {
            sync_dir(path).map_err(|e| context(e, path, "syncing its directory"))?;
            self.dir_unsynced = false;
        }
        Ok(())
    }
}

impl StateFile {
    /// Whether the digest's code line is in the file and synced (for tests).
    pub fn code_written(&self, digest: &str) -> bool {
        let open = self.lock();
        open.written_code.contains(digest) && !open.pending_code.iter().any(|(_, d)| d == digest)
    }

    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, Open> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends one change's lines (`build` is told which code is already written, and
    /// returns the bytes and the digests whose code lines they add), then waits until they
    /// are written and synced (group commit: see the module docs).
    ///
    /// On any failure the file is cut back to its last whole synced line (or marked torn,
    /// see [`Open::repair`]) and no digest written since counts as written, so file and
    /// memory agree: the caller rolls the change back.
    pub(super) fn append(
        &self,
        build: impl FnOnce(&HashSet<String>) -> (Vec<u8>, Vec<String>),
    ) -> io::Result<()> {
        let mut open = self.lock();
        open.repair(&self.path)?;
        let (bytes, new_code) = build(&open.written_code);
        open.end += bytes.len() as u64;
        open.queued.extend_from_slice(&bytes);
        let end = open.end;
        for digest in new_code {
            open.written_code.insert(digest.clone());
            open.pending_code.push((end, digest));
        }
        let epoch = open.epoch;
        self.wait_synced(open, epoch, end)
    }

    /// Waits until the file is synced up to `end`; if no write and sync is running, runs
    /// one for every line queued so far (ours included). An error if the lines queued in
    /// `epoch` were cut off meanwhile, or the write or sync failed.
    fn wait_synced(
        &self,
        mut open: std::sync::MutexGuard<'_, Open>,
        epoch: u64,
        end: u64,
    ) -> io::Result<()> {
        let discarded = || {
            io::Error::other(format!(
                "state file {}: a write or sync of the same group failed; the file was cut \
                 back and this change was not recorded",
                self.path.display()
            ))
        };
        loop {
            if open.epoch != epoch {
                return Err(discarded());
            }
            if open.len >= end {
                return Ok(());
            }
            if !open.syncing {
                break;
            }
            open = self.synced.wait(open).unwrap_or_else(|e| e.into_inner());
        }
        // Nothing is being written or synced: write every queued line (ours included) in
        // one `write`, then sync. Only the one running this touches the file meanwhile
        // (`syncing`), so no append ever waits on pages that are being written back.
        open.syncing = true;
        let spare = std::mem::take(&mut open.spare);
        let mut batch = std::mem::replace(&mut open.queued, spare);
        let target = open.end;
        let file = open.file.clone();
        drop(open);
        let result = file
            .write_all(&batch)
            .map_err(|e| context(e, &self.path, &format!("appending {} bytes", batch.len())))
            .and_then(|()| {
                file.sync_data()
                    .map_err(|e| context(e, &self.path, "syncing appended lines"))
            });
        let mut open = self.lock();
        open.syncing = false;
        let outcome = match result {
            Ok(()) => {
                open.len = target;
                open.pending_code.retain(|(at, _)| *at > target);
                Ok(())
            }
            Err(e) => {
                open.discard(&self.path);
                Err(e)
            }
        };
        batch.clear();
        open.spare = batch;
        drop(open);
        self.synced.notify_all();
        outcome
    }
}
