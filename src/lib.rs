//! fgs-emulator: a local, faithful emulator of Huawei Cloud FunctionGraph's function-version
//! API.
//!
//! # Layout
//!
//! Requests flow one way: `app` (middleware) -> `http` (extractors) -> `api` (parse into
//! `domain` types) -> `service` (every rule) -> `store` (state under locks) -> `service`
//! -> `api::view`. No module imports one that imports it back.
//!
//! - [`app`]: the router and the middleware stack, in order; [`app::serve`].
//! - [`app_state`]: `AppState`, what every handler reaches.
//! - [`http`]: what `api` and `control` share: extractors, JSON responses.
//! - [`api`]: FunctionGraph's HTTP API: one module per resource, auth, the wire view.
//! - [`control`]: the `/_emulator/` control plane: health, reset, state, clock, journal,
//!   faults, OpenAPI, canned results, the dashboard.
//! - [`invoke`]: running code: alias routing, instance pools, the Python and Node.js
//!   bootstraps, safe unpacking, canned results, async invocations.
//! - [`service`]: FunctionGraph's rules; [`service::input`] reads request bodies.
//! - [`store`]: functions and code blobs behind small, lock-scoped methods.
//! - [`model`]: the records the store keeps; [`attachments`]: what hangs off a function
//!   (reserved instances, async settings, triggers, test events, tags).
//! - [`domain`]: `Urn`, names, runtime, memory, digest, and [`domain::config`], a function's
//!   configuration in its one shape: types that cannot hold bad values.
//! - [`journal`], [`faults`]: the request journal and the fault rules; [`request_span`]: the
//!   span every log line a request causes carries, made when first needed.
//! - [`clock`]: the injected `Clock` (system, frozen, offset).
//! - [`config`]: defaults, file, `FGS_EMULATOR_*` env; validated.
//! - [`error`]: one table of `ErrorCode`s (FSS code, status, message) and the envelope.
//! - [`healthcheck`]: the client behind `fgs-emulator healthcheck`.
//! - [`random`]: seedable generator for image names and request ids.
//! - [`state`]: the state document (export/import); [`persist`]: the state file.
//!
//! # In-process use
//!
//! [`Emulator`] starts a server on a free loopback port inside the calling process (tests
//! use it; so can a downstream crate's tests):
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let emulator = fgs_emulator::Emulator::start(fgs_emulator::config::Config::default()).await?;
//! let url = format!("{}/_emulator/health", emulator.base_url());
//! # let _ = url;
//! emulator.stop().await; // or just drop it
//! # Ok(()) }
//! ```

#![warn(missing_docs, unreachable_pub)]

pub mod api;
pub mod app;
pub mod app_state;
pub mod attachments;
pub mod clock;
pub mod config;
pub mod control;
pub mod domain;
pub mod error;
pub mod faults;
pub mod healthcheck;
pub mod http;
pub mod invoke;
pub mod journal;
pub mod model;
pub mod persist;
pub mod random;
pub mod request_span;
pub mod service;
pub mod state;
pub mod store;

use std::net::SocketAddr;
use std::sync::Arc;

use app_state::{AppState, StartError};
use clock::ControlledClock;
use config::Config;

/// A running emulator inside this process. It stops when dropped (or with [`stop`]).
///
/// [`stop`]: Emulator::stop
pub struct Emulator {
    addr: SocketAddr,
    state: AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Emulator {
    /// Starts an emulator with `config` on `config.server.host` and a free port (the
    /// configured port is ignored), following system time.
    pub async fn start(config: Config) -> Result<Self, StartError> {
        Self::start_with_clock(config, Arc::new(ControlledClock::system())).await
    }

    /// Starts an emulator that reads time from `clock` (for example one frozen with
    /// [`ControlledClock::frozen`]).
    pub async fn start_with_clock(
        config: Config,
        clock: Arc<ControlledClock>,
    ) -> Result<Self, StartError> {
        let listener = tokio::net::TcpListener::bind((config.server.host.as_str(), 0)).await?;
        let addr = listener.local_addr()?;
        let state = AppState::new(config, clock)?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(app::serve(listener, state.clone(), async move {
            let _ = rx.await;
        }));
        Ok(Self {
            addr,
            state,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The emulator's clock: freeze it, advance it, or hand it back to system time.
    pub fn clock(&self) -> &ControlledClock {
        self.state.clock()
    }

    /// The application state (service, store, config), for white-box checks in tests.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Back to the seeded state, as `POST /_emulator/reset` does; returns how many
    /// functions the seeds made.
    pub fn reset(&self) -> Result<usize, error::ApiError> {
        self.state.reset()
    }

    /// Stops serving and waits for in-flight requests to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
