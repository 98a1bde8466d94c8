//! Trigger operations (issue 11): the rules that need the function (its versions and
//! aliases) and its lock. The shapes, and the rules that need only the triggers
//! themselves, live in `crate::attachments::triggers`.
//!
//! Triggers belong to the qualifier the URN names (`latest` when it names none), which
//! must exist: 404 FSS.1052 for a missing version, FSS.1053 for a missing alias.

use chrono::{DateTime, Utc};

use super::Service;
use crate::attachments::triggers::{NewTrigger, Trigger, TriggerChange, TriggerType};
use crate::domain::{ProjectId, Qualifier, Urn};
use crate::error::{ApiError, ErrorCode};
use crate::model::FunctionRecord;

/// The qualifier the URN names, as triggers are keyed, once it is known to exist.
pub(super) fn qualifier_of(f: &FunctionRecord, urn: &Urn) -> Result<String, ApiError> {
    let q = urn.qualifier();
    match q {
        Qualifier::Latest => {}
        Qualifier::Version(v) => {
            f.version(v.as_str())
                .ok_or_else(ApiError::version_not_found)?;
        }
        Qualifier::Alias(a) => {
            if !f.aliases.iter().any(|x| &x.name == a) {
                return Err(ApiError::alias_not_found());
            }
        }
    }
    Ok(q.to_string())
}

/// A trigger type from a path (404 FSS.1137 for one the service does not offer).
fn path_type(code: &str) -> Result<TriggerType, ApiError> {
    TriggerType::parse(code).ok_or_else(|| {
        ApiError::detailed(
            ErrorCode::TriggerTypeNotFound,
            format_args!(
                "'{}' is not a trigger type",
                code.chars().take(64).collect::<String>()
            ),
        )
    })
}

impl Service {
    /// Runs `f` on the function under its lock, with the current time; the change, if any,
    /// is kept and made durable only if `f` succeeds.
    pub(super) fn with_function_mut<T>(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        f: impl FnOnce(&mut FunctionRecord, DateTime<Utc>) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let project = self.project(project_id);
        let key = self.resolve_ref(&project, urn)?;
        let now = self.clock.now();
        self.store
            .update_function(key, |record| f(record, now))
            .ok_or_else(ApiError::function_not_found)?
    }

    /// Runs `f` on the function under its lock, for reading.
    pub(super) fn with_function_ref<T>(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        f: impl FnOnce(&FunctionRecord) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let project = self.project(project_id);
        let key = self.resolve(&project, urn)?;
        self.store
            .with_function(&key, |record| f(record))
            .ok_or_else(ApiError::function_not_found)?
    }

    /// A fresh UUID-shaped id (repeatable under `control.seed`).
    pub(super) fn new_id(&self, what: &str) -> String {
        crate::domain::uuid_of(&format!("{what}:{}", self.rng.next_u64()))
    }

    /// CreateFunctionTrigger: checks the body (done by [`NewTrigger::parse`]), the
    /// function and qualifier, the limits and duplicates; answers the new trigger.
    pub fn create_function_trigger(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        new: NewTrigger,
    ) -> Result<Trigger, ApiError> {
        let id = self.new_id("trigger");
        self.with_function_mut(project_id, urn, |f, now| {
            let q = qualifier_of(f, urn)?;
            f.attachments.triggers.add(&q, new, id, now)
        })
    }

    /// ListFunctionTriggers: the triggers of the qualifier the URN names, in creation order.
    pub fn list_function_triggers(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
    ) -> Result<Vec<Trigger>, ApiError> {
        self.with_function_ref(project_id, urn, |f| {
            let q = qualifier_of(f, urn)?;
            Ok(f.attachments.triggers.of(&q).cloned().collect())
        })
    }

    /// BatchDeleteFunctionTriggers: "If a non-latest function version is specified, all
    /// triggers corresponding to the version will be deleted. If an alias is specified,
    /// all triggers corresponding to the alias will be deleted. If neither ... or the
    /// latest version is specified, all triggers of the function (including all versions
    /// and aliases) will be deleted."
    pub fn delete_function_triggers(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
    ) -> Result<(), ApiError> {
        self.with_function_mut(project_id, urn, |f, _| {
            let q = qualifier_of(f, urn)?;
            if q == "latest" {
                f.attachments.triggers.clear();
            } else {
                f.attachments.triggers.remove_qualifier(&q);
            }
            Ok(())
        })
    }

    /// ShowFunctionTrigger: 404 FSS.1137 for an unknown type, FSS.1131 for no such trigger
    /// of that type on that qualifier.
    pub fn show_function_trigger(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        type_code: &str,
        id: &str,
    ) -> Result<Trigger, ApiError> {
        let kind = path_type(type_code)?;
        self.with_function_ref(project_id, urn, |f| {
            let q = qualifier_of(f, urn)?;
            f.attachments.triggers.get(&q, kind, id).cloned()
        })
    }

    /// UpdateFunctionTrigger: the status and the updatable `event_data` fields.
    pub fn update_function_trigger(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        type_code: &str,
        id: &str,
        change: TriggerChange,
    ) -> Result<Trigger, ApiError> {
        let kind = path_type(type_code)?;
        self.with_function_mut(project_id, urn, |f, now| {
            let q = qualifier_of(f, urn)?;
            f.attachments.triggers.update(&q, kind, id, &change, now)
        })
    }

    /// DeleteFunctionTrigger: 204, or 404 as for show.
    pub fn delete_function_trigger(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        type_code: &str,
        id: &str,
    ) -> Result<(), ApiError> {
        let kind = path_type(type_code)?;
        self.with_function_mut(project_id, urn, |f, _| {
            let q = qualifier_of(f, urn)?;
            f.attachments.triggers.remove(&q, kind, id)
        })
    }
}
