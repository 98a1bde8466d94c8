//! A configuration shared by latest and the versions published from it, with its members
//! rendered once and kept, within one bound for the whole process, newest kept first.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use crate::domain::config::FunctionConfig;

/// A configuration as the store keeps it: shared by latest and every version published
/// from it (a clone is a reference count), and with a place for its members rendered as
/// the function object writes them, kept once written (`api::view`).
///
/// **Why the rendered members are kept here.** Update code and publish answer a whole
/// function object whose configuration did not change: its ~40 members were half of
/// rendering it. A configuration changes only through [`Self::get_mut`], which needs the
/// only handle and lets go of what was kept, so kept bytes never describe another
/// configuration than the one beside them.
///
/// **Bounded, newest first.** All configurations together keep at most
/// [`RENDERED_MAX_TOTAL`] bytes; to keep a rendering past that, the oldest kept ones are
/// dropped, and a configuration whose rendering was dropped keeps it again the next time
/// it is rendered. So memory at scale (10,000 functions x 10 versions) grows by at most
/// that much, and the configurations being written now are the ones kept. When the first
/// ones kept stayed kept for good, a store past a few thousand functions rendered every
/// new one each time: 5-9% of publish after 8 s of create-code-publish
/// (`docs/PERFORMANCE.md`, thirteenth step).
#[derive(Clone)]
pub struct SharedConfig(Arc<KeptConfig>);

struct KeptConfig {
    config: FunctionConfig,
    /// Set at the first rendering: the bytes are kept from the second on.
    rendered_once: AtomicBool,
    /// Where its rendering is kept, made at the first keep. [`KEPT`] holds it too, until
    /// it is the oldest and room is needed.
    kept: OnceLock<Arc<Kept>>,
}

/// A kept rendering; `None` once it was dropped to make room for a newer one.
type Kept = RwLock<Option<Box<[u8]>>>;

/// What every configuration's kept rendering may take together (see [`SharedConfig`]).
pub const RENDERED_MAX_TOTAL: usize = 4 * 1024 * 1024;

/// The renderings kept by every configuration, oldest first, bounded by
/// [`RENDERED_MAX_TOTAL`].
static KEPT: Mutex<KeptRenderings> = Mutex::new(KeptRenderings::new(RENDERED_MAX_TOTAL));

/// Kept renderings, oldest first, and their total size. Every entry holds its bytes (it
/// leaves the queue when they are dropped), so the queue is as long as what is kept.
///
/// A rendering may outlive its configuration (dropped, or changed in place) until it is
/// the oldest: it still counts, so the bound holds, and taking it out at once would put
/// this lock on every configuration's drop.
struct KeptRenderings {
    max_total: usize,
    total: usize,
    oldest_first: VecDeque<Arc<Kept>>,
}

impl KeptRenderings {
    const fn new(max_total: usize) -> Self {
        Self {
            max_total,
            total: 0,
            oldest_first: VecDeque::new(),
        }
    }

    /// Keeps `bytes` in `slot` unless it already holds a rendering, dropping the oldest
    /// renderings until they fit. Bytes over the whole bound are not kept.
    fn keep(&mut self, slot: &Arc<Kept>, bytes: &[u8]) {
        let len = bytes.len();
        if len > self.max_total || read(slot).is_some() {
            return;
        }
        while self.total + len > self.max_total {
            let Some(oldest) = self.oldest_first.pop_front() else {
                break;
            };
            if let Some(dropped) = write(&oldest).take() {
                self.total -= dropped.len();
            }
        }
        // Keeps are one at a time (under this lock), and `slot` is not in the queue (it
        // held nothing), so nothing filled it since the check.
        *write(slot) = Some(bytes.into());
        self.total += len;
        self.oldest_first.push_back(Arc::clone(slot));
    }
}

fn read(kept: &Kept) -> std::sync::RwLockReadGuard<'_, Option<Box<[u8]>>> {
    kept.read().unwrap_or_else(|e| e.into_inner())
}

fn write(kept: &Kept) -> std::sync::RwLockWriteGuard<'_, Option<Box<[u8]>>> {
    kept.write().unwrap_or_else(|e| e.into_inner())
}

impl SharedConfig {
    /// A configuration, nothing rendered yet.
    pub fn new(config: FunctionConfig) -> Self {
        Self(Arc::new(KeptConfig {
            config,
            rendered_once: AtomicBool::new(false),
            kept: OnceLock::new(),
        }))
    }

    /// Its members as `render` writes them into `out`: kept from an earlier call, or
    /// written by `render` now, and kept if this is not the first time. `render` must
    /// depend on the configuration only.
    ///
    /// Not kept at the first rendering: update config answers each new configuration once
    /// and drops it at the next update, and keeping it cost that write more (a copy, an
    /// allocation, the shared count) than it saved anyone.
    pub fn rendered<E>(
        &self,
        render: impl FnOnce(&FunctionConfig, &mut Vec<u8>) -> Result<(), E>,
        out: &mut Vec<u8>,
    ) -> Result<(), E> {
        self.rendered_within(&KEPT, render, out)
    }

    /// [`Self::rendered`], keeping within `renderings` (tests use a bound of their own).
    fn rendered_within<E>(
        &self,
        renderings: &Mutex<KeptRenderings>,
        render: impl FnOnce(&FunctionConfig, &mut Vec<u8>) -> Result<(), E>,
        out: &mut Vec<u8>,
    ) -> Result<(), E> {
        if let Some(slot) = self.0.kept.get()
            && let Some(kept) = &*read(slot)
        {
            out.extend_from_slice(kept);
            return Ok(());
        }
        let start = out.len();
        render(&self.0.config, out)?;
        if !self.0.rendered_once.swap(true, Ordering::Relaxed) {
            return Ok(());
        }
        let slot = self.0.kept.get_or_init(Arc::default);
        renderings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keep(slot, &out[start..]);
        Ok(())
    }

    /// The configuration, to change in place, if this is its only handle (no version, no
    /// answer being written, no copy kept for a rollback shares it). It lets go of any
    /// rendering it kept (which would show the old settings; it counts until it is the
    /// oldest) and starts over: kept from its second rendering.
    pub fn get_mut(&mut self) -> Option<&mut FunctionConfig> {
        let kept = Arc::get_mut(&mut self.0)?;
        kept.kept.take();
        *kept.rendered_once.get_mut() = false;
        Some(&mut kept.config)
    }

    /// Whether its rendering is kept (for tests that must reach the kept path).
    pub fn is_kept(&self) -> bool {
        self.0.kept.get().is_some_and(|slot| read(slot).is_some())
    }

    /// Whether two handles are the same configuration (not merely equal ones).
    pub fn ptr_eq(a: &Self, b: &Self) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

impl std::ops::Deref for SharedConfig {
    type Target = FunctionConfig;
    fn deref(&self) -> &FunctionConfig {
        &self.0.config
    }
}

impl From<FunctionConfig> for SharedConfig {
    fn from(config: FunctionConfig) -> Self {
        Self::new(config)
    }
}

impl PartialEq for SharedConfig {
    fn eq(&self, other: &Self) -> bool {
        Self::ptr_eq(self, other) || self.0.config == other.0.config
    }
}

impl std::fmt::Debug for SharedConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.config.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> SharedConfig {
        let settings = serde_json::json!({"runtime": "Python3.9", "handler": "index.handler",
            "memory_size": 128, "timeout": 3});
        SharedConfig::new(FunctionConfig::parse(settings.as_object().unwrap(), None).unwrap())
    }

    /// A render that counts its calls and writes `len` bytes after what `out` holds.
    fn counting(
        calls: &mut u32,
        len: usize,
    ) -> impl FnOnce(&FunctionConfig, &mut Vec<u8>) -> Result<(), ()> + '_ {
        move |_, out| {
            *calls += 1;
            out.extend(std::iter::repeat_n(b'x', len));
            Ok(())
        }
    }

    #[test]
    fn a_configuration_keeps_its_rendering_from_the_second_time_and_shares_it() {
        let shared = config();
        let mut calls = 0;
        let mut outs = Vec::new();
        for _ in 0..4 {
            let mut out = b"prefix".to_vec();
            shared.rendered(counting(&mut calls, 10), &mut out).unwrap();
            outs.push(out);
        }
        assert_eq!(calls, 2, "rendered the first two times, then kept");
        assert!(outs.iter().all(|o| o == b"prefixxxxxxxxxxx"), "{outs:?}");
        // A clone is the same configuration, with the same kept bytes.
        let clone = shared.clone();
        assert!(clone.is_kept() && SharedConfig::ptr_eq(&clone, &shared));
        // An equal configuration made anew keeps nothing yet.
        let fresh = config();
        assert!(fresh == shared && !fresh.is_kept());
    }

    #[test]
    fn a_rendering_over_the_bound_is_never_kept() {
        let shared = config();
        let mut calls = 0;
        for _ in 0..3 {
            let mut out = Vec::new();
            shared
                .rendered(counting(&mut calls, RENDERED_MAX_TOTAL + 1), &mut out)
                .unwrap();
            assert_eq!(out.len(), RENDERED_MAX_TOTAL + 1);
        }
        assert_eq!(calls, 3);
        assert!(!shared.is_kept());
    }

    #[test]
    fn a_failed_rendering_is_not_kept() {
        let shared = config();
        for _ in 0..3 {
            let mut out = Vec::new();
            assert_eq!(shared.rendered(|_, _| Err("no"), &mut out), Err("no"));
        }
        assert!(!shared.is_kept());
    }

    /// Renders `shared` twice within `renderings` (the second time keeps it, if it fits).
    fn render_twice(shared: &SharedConfig, renderings: &Mutex<KeptRenderings>, len: usize) {
        for _ in 0..2 {
            let mut out = Vec::new();
            shared
                .rendered_within(renderings, counting(&mut 0, len), &mut out)
                .unwrap();
        }
    }

    #[test]
    fn past_the_bound_the_oldest_renderings_make_room_and_are_kept_again_when_rendered() {
        let renderings = Mutex::new(KeptRenderings::new(100));
        let configs: Vec<_> = (0..4).map(|_| config()).collect();
        for shared in &configs[..3] {
            render_twice(shared, &renderings, 30);
        }
        let kept = |c: &[SharedConfig]| c.iter().map(SharedConfig::is_kept).collect::<Vec<_>>();
        assert_eq!(kept(&configs), [true, true, true, false]);
        // 90 + 30 > 100: the oldest makes room.
        render_twice(&configs[3], &renderings, 30);
        assert_eq!(kept(&configs), [false, true, true, true]);
        assert_eq!(renderings.lock().unwrap().total, 90);
        // Rendered once more, the first is kept again (no longer the first time), and the
        // oldest then, the second, makes room.
        let mut calls = 0;
        let mut out = Vec::new();
        configs[0]
            .rendered_within(&renderings, counting(&mut calls, 30), &mut out)
            .unwrap();
        assert_eq!((calls, out.len()), (1, 30));
        assert_eq!(kept(&configs), [true, false, true, true]);
        // A rendering bigger than the whole bound drops nothing.
        render_twice(&config(), &renderings, 101);
        assert_eq!(kept(&configs), [true, false, true, true]);
        let r = renderings.lock().unwrap();
        assert_eq!((r.total, r.oldest_first.len()), (90, 3));
    }

    #[test]
    fn a_configuration_changed_in_place_never_answers_its_old_rendering() {
        let renderings = Mutex::new(KeptRenderings::new(100));
        let mut shared = config();
        render_twice(&shared, &renderings, 30);
        assert!(shared.is_kept());
        shared.get_mut().unwrap().xrole = "changed".into();
        assert!(!shared.is_kept());
        // Its old bytes count until they are the oldest, and are never answered again.
        assert_eq!(renderings.lock().unwrap().total, 30);
        let mut calls = 0;
        for _ in 0..3 {
            let mut out = Vec::new();
            shared
                .rendered_within(&renderings, counting(&mut calls, 20), &mut out)
                .unwrap();
            assert_eq!(out.len(), 20);
        }
        assert_eq!(calls, 2, "rendered anew, then kept from the second time");
        // A configuration another handle shares is not changed in place.
        let _version = shared.clone();
        assert!(shared.get_mut().is_none());
    }
}
