//! Projects: every project id the emulator has seen, and each thread's copies of the few it
//! used lately, so that a write finds its project without a shared lock.

use std::collections::HashMap;
use std::sync::{Arc, RwLockReadGuard};

use super::Store;
use crate::domain::ProjectId;
use crate::model::ProjectInfo;

/// Every project the emulator has seen, by id.
pub(super) type Projects = HashMap<ProjectId, Arc<ProjectInfo>, foldhash::fast::RandomState>;

/// How many projects a thread remembers (see `Store::remembered_project`).
const REMEMBERED_PER_THREAD: usize = 4;

thread_local! {
    /// The projects this thread used lately, each with its store's number: its own copies.
    static REMEMBERED_PROJECTS: std::cell::RefCell<Vec<(u64, Arc<ProjectInfo>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// A store's number, unique in the process (tests run many stores at once).
pub(super) struct StoreNumber(u64);

impl Default for StoreNumber {
    fn default() -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        Self(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }
}

impl Store {
    /// The project with this id, made with `make` if it is not known yet.
    pub fn project_or_insert_with(
        &self,
        id: &ProjectId,
        make: impl FnOnce() -> ProjectInfo,
    ) -> Arc<ProjectInfo> {
        if let Some(p) = self.remembered_project(id) {
            return p;
        }
        let found = self.read_projects().get(id).cloned();
        let project = found.unwrap_or_else(|| {
            let mut projects = self
                .inner
                .projects
                .write()
                .unwrap_or_else(|e| e.into_inner());
            projects
                .entry(id.clone())
                .or_insert_with(|| Arc::new(make()))
                .clone()
        });
        self.remember_project(&project);
        project
    }

    /// This thread's own copy of a project it used lately, if any.
    ///
    /// **Why each thread keeps copies.** Every write looks its project up. Through the
    /// shared map that was a read lock and a reference count that every request on either
    /// core wrote: cache lines the two cores took from each other on each write. A project
    /// never changes once made (the map only grows), so a copy stays right for as long as
    /// the store lives; the store's number keeps one store's projects from another's.
    fn remembered_project(&self, id: &ProjectId) -> Option<Arc<ProjectInfo>> {
        let store = self.inner.number.0;
        REMEMBERED_PROJECTS.with_borrow(|kept| {
            kept.iter()
                .find(|(s, p)| *s == store && p.id == *id)
                .map(|(_, p)| Arc::clone(p))
        })
    }

    /// Remembers a copy of `project` on this thread, forgetting the oldest past
    /// [`REMEMBERED_PER_THREAD`].
    fn remember_project(&self, project: &ProjectInfo) {
        let copy = Arc::new(project.clone());
        REMEMBERED_PROJECTS.with_borrow_mut(|kept| {
            if kept.len() >= REMEMBERED_PER_THREAD {
                kept.remove(0);
            }
            kept.push((self.inner.number.0, copy));
        });
    }

    /// The project with this id, if it is known.
    pub fn project(&self, id: &ProjectId) -> Option<Arc<ProjectInfo>> {
        self.remembered_project(id)
            .or_else(|| self.read_projects().get(id).cloned())
    }

    fn read_projects(&self) -> RwLockReadGuard<'_, Projects> {
        self.inner
            .projects
            .read()
            .unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Region;

    fn project(id: &ProjectId, domain: &str) -> ProjectInfo {
        ProjectInfo {
            id: id.clone(),
            region: Region::parse("cn-north-4").unwrap(),
            domain_name: domain.into(),
            domain_id: "d".into(),
        }
    }

    #[test]
    fn a_thread_remembers_each_stores_own_projects() {
        let id = ProjectId::parse("0123456789abcdef0123456789abcdef").unwrap();
        let (a, b) = (Store::default(), Store::default());
        let first = a.project_or_insert_with(&id, || project(&id, "a"));
        // The same id in another store is that store's project, made by its own `make`.
        let other = b.project_or_insert_with(&id, || project(&id, "b"));
        assert_eq!((&*first.domain_name, &*other.domain_name), ("a", "b"));
        // Later lookups on this thread are its own copies, with the same content, and never
        // make the project again.
        for _ in 0..2 {
            let again = a.project_or_insert_with(&id, || unreachable!("made twice"));
            assert_eq!(*again, *first);
            assert_eq!(b.project(&id).unwrap().domain_name, "b");
        }
        // Past what a thread remembers, a project is found in the store again.
        let many: Vec<_> = (0..REMEMBERED_PER_THREAD)
            .map(|_| Store::default())
            .collect();
        for store in &many {
            store.project_or_insert_with(&id, || project(&id, "many"));
        }
        assert!(a.remembered_project(&id).is_none());
        let found = a.project_or_insert_with(&id, || unreachable!("made twice"));
        assert_eq!(found.domain_name, "a");
        assert!(a.remembered_project(&id).is_some());
        // Another thread has its own copies.
        std::thread::scope(|s| {
            s.spawn(|| {
                assert!(a.remembered_project(&id).is_none());
                assert_eq!(a.project(&id).unwrap().domain_name, "a");
            });
        });
    }
}
