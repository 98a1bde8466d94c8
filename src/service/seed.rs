//! Seeding, reset, and whole-state import and export: the operations that replace every
//! function at once. The control plane and start-up call these; none of them writes the
//! store by itself.

use std::sync::Arc;

use super::Service;
use super::input::FunctionBody;
use crate::domain::ProjectId;
use crate::domain::encode_code;
use crate::error::ApiError;
use crate::state::StateDocument;
use crate::store::Store;

/// A `[[functions]]` seed that cannot be created, with where it is in the config.
#[derive(Debug, Clone, thiserror::Error)]
#[error("config functions[{index}] ({name}): {message}")]
pub struct SeedError {
    /// Position in the config.
    pub index: usize,
    /// The seed's function name.
    pub name: String,
    /// What went wrong.
    pub message: String,
}

impl Service {
    /// Creates the config's `[[functions]]` through CreateFunction's own rules; returns how
    /// many it made.
    pub fn seed(&self) -> Result<usize, SeedError> {
        let settings = self.settings();
        for (index, seed) in settings.seeds.iter().enumerate() {
            let fail = |message: String| SeedError {
                index,
                name: seed.func_name.clone(),
                message,
            };
            let bytes = match (&seed.code, &seed.code_file) {
                (Some(text), _) => text.as_bytes().to_vec(),
                (None, Some(path)) => std::fs::read(path)
                    .map_err(|e| fail(format!("cannot read code_file {}: {e}", path.display())))?,
                (None, None) => Vec::new(),
            };
            let project = seed
                .project
                .clone()
                .or_else(|| settings.default_project.clone())
                .unwrap_or_default();
            let project = ProjectId::parse(&project).map_err(|e| fail(e.to_string()))?;
            // The same body a client would send, read by the same rules.
            let body = serde_json::json!({
                "func_name": seed.func_name,
                "package": seed.package,
                "runtime": seed.runtime,
                "handler": seed.handler,
                "memory_size": seed.memory_size,
                "timeout": seed.timeout,
                "code_type": seed.code_type,
                "code_filename": seed.code_filename,
                "func_code": {"file": encode_code(&bytes)},
                "description": seed.description,
                "user_data": seed.user_data,
            });
            let body: FunctionBody =
                serde_json::from_value(body).map_err(|e| fail(e.to_string()))?;
            let input = body
                .parse_create(&settings.limits)
                .map_err(|e| fail(e.to_string()))?;
            self.create_function(&project, input)
                .map_err(|e| fail(e.to_string()))?;
        }
        Ok(settings.seeds.len())
    }

    /// Back to the seeded state (`POST /_emulator/reset`): the seeds are built aside in a
    /// scratch service, then replace everything in one step (and in the state file). With
    /// `control.seed`, generated values start their sequence again.
    pub fn reset(&self) -> Result<usize, ApiError> {
        if let Some(seed) = self.settings.control_seed {
            self.rng.reseed(seed);
        }
        let scratch = Service {
            store: Store::new(),
            clock: self.clock.clone(),
            settings: self.settings.clone(),
            rng: Arc::clone(&self.rng),
            reserved_quota: Arc::clone(&self.reserved_quota),
        };
        scratch.seed().map_err(ApiError::internal)?;
        let records = scratch.store.all_functions();
        let n = records.len();
        self.store.replace_all(records)?;
        Ok(n)
    }

    /// Every function, as one state document (`GET /_emulator/state`).
    pub fn export(&self) -> StateDocument {
        StateDocument::of(&self.store.all_functions())
    }

    /// Replaces all state with `doc` (`PUT /_emulator/state`) after validating all of it:
    /// a bad document is 400 FSS.0400 and changes nothing. Returns how many functions it
    /// holds.
    pub fn import(&self, doc: StateDocument) -> Result<usize, ApiError> {
        let records = doc
            .into_records()
            .map_err(|e| ApiError::invalid_field("state document", e))?;
        let n = records.len();
        self.store.replace_all(records)?;
        Ok(n)
    }
}
