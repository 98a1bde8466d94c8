//! What every request handler can reach: the configuration, the service, the clock, the
//! request journal and the fault rules, behind one cheap-to-clone [`AppState`].
//!
//! Its own module, imported by `app` (router, middleware), `http`, `api` and `control`, and
//! importing none of them, so the state sits below everything that serves HTTP and no
//! module imports one that imports it back.

mod in_flight;

use std::sync::Arc;
use std::time::Instant;

use crate::clock::{Clock, ControlledClock};
use crate::config::{Config, ConfigError};
use crate::error::ApiError;
use crate::faults::Faults;
use crate::journal::{Journal, RequestId};
use crate::persist::{StateFile, StateFileError};
use crate::random::Rng;
use crate::service::seed::SeedError;
use crate::service::{Service, Settings};
use crate::state::DocumentError;
use crate::store::Store;
pub(crate) use in_flight::InFlight;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<AppInner>,
}

struct AppInner {
    config: Config,
    service: Service,
    clock: Arc<ControlledClock>,
    request_ids: Rng,
    /// Whether request ids follow `control.seed` (then they come from `request_ids`, in
    /// order; otherwise from a generator per thread, see [`AppState::next_request_id`]).
    seeded_ids: bool,
    in_flight: InFlight,
    journal: Journal,
    faults: Faults,
    invoker: crate::invoke::Invoker,
    started: Instant,
}

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A `[[functions]]` seed is invalid or its code file cannot be read.
    #[error("{0}")]
    Seed(#[from] SeedError),
    /// The state file could not be read or written.
    #[error("{0}")]
    StateFile(#[from] StateFileError),
    /// The configuration breaks a rule (the same check, and message, as the binary's).
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// The state file holds a document that does not validate.
    #[error("state file: {0}")]
    StateDocument(#[from] DocumentError),
    /// `[invoke]` refuses to start (see `Invoker::new`).
    #[error("{0}")]
    Invoke(String),
    /// The listener could not be bound or served.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl AppState {
    /// Builds the state from a config (validated here) and a clock. With a state file, the state
    /// is loaded from it (seeds apply only when it is new or empty) and the file is
    /// compacted; otherwise the seeded functions are created.
    pub fn new(config: Config, clock: Arc<ControlledClock>) -> Result<Self, StartError> {
        // The binary validates after layering flags over env over file; an in-process
        // fixture builds its Config in code. Both end here, so both refuse the same configs
        // with the same words.
        config.validate()?;
        let rng = Arc::new(match config.control.seed {
            Some(seed) => Rng::seeded(seed),
            None => Rng::from_entropy(),
        });
        let service = Service::new(
            Store::new(),
            clock.clone() as Arc<dyn Clock>,
            Settings::from_config(&config),
            rng,
        );
        // Request ids follow control.seed too, so a deterministic run repeats its headers.
        let seeded_ids = config.control.seed.is_some();
        let request_ids = match config.control.seed {
            Some(seed) => Rng::seeded(seed ^ 0x05EE_D1D5),
            None => Rng::from_entropy(),
        };
        let invoker = crate::invoke::Invoker::new(
            &config,
            service.store().clone(),
            clock.clone() as Arc<dyn Clock>,
        )
        .map_err(StartError::Invoke)?;
        let state = Self {
            inner: Arc::new(AppInner {
                invoker,
                in_flight: InFlight::new(config.limits.max_concurrent_requests),
                journal: Journal::new(config.control.journal_size),
                faults: Faults::default(),
                config,
                service,
                clock,
                request_ids,
                seeded_ids,
                started: Instant::now(),
            }),
        };
        let store = state.service().store();
        match state.config().state.file.clone() {
            Some(path) => {
                match crate::persist::load(&path)? {
                    Some(doc) => store.replace_all(doc.into_records()?)?,
                    None => {
                        state.service().seed()?;
                    }
                }
                let file = StateFile::create(&path, &store.all_functions())?;
                store.set_persist(Arc::new(file));
            }
            None => {
                state.service().seed()?;
            }
        }
        state.known_projects();
        Ok(state)
    }

    /// Known projects exist from the start, so their region applies to the first request.
    fn known_projects(&self) {
        for id in self.service().settings().projects.keys() {
            self.service().project(id);
        }
    }

    /// Back to the seeded state, as `POST /_emulator/reset` does (see [`Service::reset`]).
    pub fn reset(&self) -> Result<usize, ApiError> {
        let n = self.service().reset()?;
        // Instances run code that may no longer exist.
        self.invoker().reset();
        Ok(n)
    }

    /// Replaces all state with a document, as `PUT /_emulator/state` does (see
    /// [`Service::import`]); running instances are retired.
    pub fn import(&self, doc: crate::state::StateDocument) -> Result<usize, ApiError> {
        let n = self.service().import(doc)?;
        self.invoker().reset();
        Ok(n)
    }

    /// The invocation engine.
    pub fn invoker(&self) -> &crate::invoke::Invoker {
        &self.inner.invoker
    }

    /// The request journal.
    pub fn journal(&self) -> &Journal {
        &self.inner.journal
    }

    /// The fault rules.
    pub fn faults(&self) -> &Faults {
        &self.inner.faults
    }

    /// The in-flight limit (`limits.max_concurrent_requests`).
    pub(crate) fn in_flight(&self) -> &InFlight {
        &self.inner.in_flight
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The service (every rule).
    pub fn service(&self) -> &Service {
        &self.inner.service
    }

    /// The emulator's clock.
    pub fn clock(&self) -> &Arc<ControlledClock> {
        &self.inner.clock
    }

    /// How long this emulator has been up.
    pub fn uptime(&self) -> std::time::Duration {
        self.inner.started.elapsed()
    }

    /// A fresh request id (follows `control.seed` when set).
    pub(crate) fn next_request_id(&self) -> RequestId {
        // 32 lowercase hex digits, like the service's request ids; into a stack buffer,
        // since this runs on every request.
        let (high, low) = if self.inner.seeded_ids {
            let ids = &self.inner.request_ids;
            (ids.next_u64(), ids.next_u64())
        } else {
            // Unseeded, each thread draws from its own generator (seeded once from the
            // shared one): the shared counter's cache line bounced between the cores on
            // every request. Ids stay unique: the streams start at unrelated points.
            thread_local! {
                static IDS: std::cell::OnceCell<Rng> = const { std::cell::OnceCell::new() };
            }
            IDS.with(|ids| {
                let ids = ids.get_or_init(|| Rng::seeded(self.inner.request_ids.next_u64()));
                (ids.next_u64(), ids.next_u64())
            })
        };
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&high.to_be_bytes());
        bytes[8..].copy_from_slice(&low.to_be_bytes());
        let mut id = [0u8; 32];
        hex::encode_to_slice(bytes, &mut id).expect("32 digits for 16 bytes");
        // Kept as plain bytes: the request's context and its journal entry each copy
        // them, and the response header makes its own value once (`RequestId::header`).
        // A header value shared by the three cost an atomic count on each clone and drop.
        RequestId::from_digits(id)
    }
}
