//! Running code: every version runs its own code, and aliases route real traffic.
//!
//! # Design
//!
//! - **Routing** ([`Invoker::resolve`]): a URN names `latest`, a version or an alias. An
//!   alias sends an invocation to its additional version when the strategy's header rules
//!   match the request headers (`combine_type` and/or; `=` or `in`; header names are
//!   case-insensitive; a missing header fails its rule), otherwise by weight: a draw from
//!   a generator seeded by `control.seed` (so a scripted run repeats), below the weight
//!   picks the additional version. The chosen version and its state are read in one look
//!   under the function's lock, so an invocation runs exactly one version's code and
//!   configuration.
//! - **Instances** ([`instance`]): one interpreter process per instance (`python3` for the
//!   `Python3.x` runtimes, `node` for `Node.js*`) running a bootstrap embedded in the
//!   binary, which loads the handler, runs `initializer_handler` once, then serves one
//!   event at a time over a line protocol. Each instance gets its own directory
//!   (`<work_dir>/<id>/code` holds the unpacked code, `tmp` is its `TMPDIR` and `HOME`), a
//!   clean environment (`RUNTIME_*` and the function's `user_data`), and its own process
//!   group so a kill takes what it spawned too.
//! - **Pools**: one per function version. A warm idle instance is reused (the most recently
//!   used first, so the rest can expire); when all are busy a new one starts, up to the
//!   version's `strategy_config.concurrency` (when positive) or
//!   `invoke.max_instances_per_version`; beyond that an invocation waits for a free one up
//!   to the function's timeout, then gets 429 FSS.0429. A pool remembers the code digest
//!   and configuration it was started from: when they change (new code or configuration on
//!   latest, a version's configuration edited), or the version or function is deleted, or
//!   the emulator is reset, the pool is retired: its idle instances are killed at once,
//!   busy ones as soon as they finish. A reaper task checks every second for instances idle
//!   longer than `invoke.idle_timeout_seconds` and for pools whose version is gone.
//! - **Failures**: a handler that runs past its `timeout` is killed and answered as a
//!   timeout; one that goes over `memory_size` (resident memory, polled every 20 ms) or
//!   whose process dies is answered as a function error. Either way the instance is
//!   discarded and the next invocation starts a fresh one; the emulator keeps serving.
//! - **Asynchronous invocation** ([`async_queue`]): the same pools, run by a background
//!   task per event, with records to list and cancel.
//! - **Canned results** (`/_emulator/canned-results`): a test can register a result, an
//!   error or a delay for a function (and optionally one version); it is answered instead of
//!   running code, for any runtime, including those the emulator cannot run (Java, Go, C#,
//!   PHP, Cangjie, Custom, http, Custom Image).
//!
//! Nothing here knows HTTP: `api::invocations` turns a [`Report`] into the wire answer.

pub mod async_queue;
mod canned;
pub mod instance;
mod pool;
mod routing;
pub mod unpack;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;
use tokio::sync::Semaphore;

use crate::clock::Clock;
use crate::config::Config;
use crate::domain::Digest;
use crate::error::ApiError;
use crate::model::{FunctionState, ProjectInfo, SharedConfig};
use crate::random::Rng;
use crate::service::Service;
use crate::store::{FunctionKey, Store};

pub use canned::Canned;
use canned::run_canned;
pub use instance::{FunctionError, Language, Outcome};
pub use routing::rules_match;
use routing::state_of;

/// The `[invoke]` settings, checked at start-up.
pub use crate::config::InvokeConfig;

/// Where an invocation goes: the function, the version that serves it, and that version's
/// configuration and code as they were when it was routed.
#[derive(Debug, Clone)]
pub struct Target {
    /// The function.
    pub key: FunctionKey,
    /// Its project.
    pub project: Arc<ProjectInfo>,
    /// `latest` or the version's name: the version that serves the invocation.
    pub version: String,
    /// The alias the URN named, if any.
    pub alias: Option<String>,
    /// Configuration and code of that version.
    pub state: FunctionState,
}

/// One invocation's input.
#[derive(Debug)]
pub struct Invocation {
    /// The request id (also `getRequestID()`).
    pub request_id: String,
    /// The event, parsed.
    pub event: Value,
    /// `X-Cff-Instance-Memory`, when given: the memory this invocation may use, in MB.
    pub memory_mb: Option<u64>,
}

/// How an invocation went, ready to render.
#[derive(Debug)]
pub struct Report {
    /// How it ended.
    pub outcome: Outcome,
    /// The whole log: the Start line, what the handler logged, the Finish line.
    pub log: String,
    /// Wall time in ms.
    pub duration_ms: f64,
    /// Billed ms (duration rounded up to a whole ms).
    pub billing_ms: u64,
    /// Memory size in MB.
    pub memory_size_mb: u64,
    /// Resident memory after the call, MB.
    pub memory_used_mb: f64,
}

/// The code and configuration a pool's instances were started from.
#[derive(Debug, Clone, PartialEq)]
struct Fingerprint {
    digest: Digest,
    config: SharedConfig,
}

impl Fingerprint {
    fn of(state: &FunctionState) -> Self {
        Self {
            digest: state.code.digest().clone(),
            config: state.config.clone(),
        }
    }
}

/// A pool key: one function version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct PoolKey {
    function: FunctionKey,
    version: String,
}

/// One version's instances.
struct Pool {
    fingerprint: Fingerprint,
    /// One permit per instance the pool may run at once.
    permits: Arc<Semaphore>,
    /// Idle instances, the most recently used last. A std Mutex: push and pop only.
    idle: Mutex<Vec<instance::Instance>>,
    busy: AtomicUsize,
}

/// Instances of one version, for `GET /_emulator/instances`.
#[derive(Debug, Serialize)]
pub struct PoolView {
    /// Project id.
    pub project: String,
    /// Package.
    pub package: String,
    /// Function name.
    pub func_name: String,
    /// The version.
    pub version: String,
    /// Process ids of the idle instances.
    pub idle_pids: Vec<u32>,
    /// Instances serving an invocation now.
    pub busy: usize,
}

/// The invocation engine: routing, pools, canned results. Cheap to clone.
#[derive(Clone)]
pub struct Invoker {
    inner: Arc<Inner>,
}

struct Inner {
    config: InvokeConfig,
    root: PathBuf,
    store: Store,
    // A std Mutex: lookups and inserts only, never held across an await.
    pools: Mutex<HashMap<PoolKey, Arc<Pool>>>,
    canned: Mutex<Vec<Canned>>,
    routing: Rng,
    seed: Option<u64>,
    clock: Arc<dyn Clock>,
    async_queue: Arc<async_queue::AsyncQueue>,
    next_instance: AtomicU64,
    reaper: std::sync::Once,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Instances go first (each removes its own directory), then the root.
        self.pools
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// How many instances a failing start (module load or initializer) is tried on.
const INIT_ATTEMPTS: u32 = 3;

/// The seed of the alias-routing generator, apart from the other generators' so that
/// routing draws do not shift image names or request ids.
const ROUTING_SEED: u64 = 0xA11A_5000_0000_0001;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding these locks leaves plain data behind; carry on with it.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Invoker {
    /// Checks `[invoke]` against the server settings and makes the working directory.
    ///
    /// Handler code runs with the emulator's own rights, so by default the emulator refuses
    /// to start on a non-loopback address: anyone who can reach it could run code on this
    /// machine. `invoke.allow_non_loopback = true` says that is intended.
    pub fn new(config: &Config, store: Store, clock: Arc<dyn Clock>) -> Result<Self, String> {
        let c = &config.invoke;
        if !c.allow_non_loopback && !is_loopback(&config.server.host) {
            return Err(format!(
                "server.host '{}' is not a loopback address, and invocations run function code \
                 with this process's rights for anyone who can reach it; set \
                 invoke.allow_non_loopback = true (or FGS_EMULATOR_INVOKE_ALLOW_NON_LOOPBACK=true) \
                 to accept that, or listen on 127.0.0.1",
                config.server.host
            ));
        }
        for (key, value) in [
            ("invoke.idle_timeout_seconds", c.idle_timeout_seconds),
            (
                "invoke.max_instances_per_version",
                c.max_instances_per_version as u64,
            ),
            ("invoke.max_unpacked_bytes", c.max_unpacked_bytes),
        ] {
            if value == 0 {
                return Err(format!("config key {key}: must be at least 1"));
            }
        }
        let base = c.work_dir.clone().unwrap_or_else(std::env::temp_dir);
        sweep_stale_roots(&base);
        // Made when the first instance starts (its directory's parent), so an emulator that
        // never runs code leaves nothing behind, even when it is killed with -9.
        let unique = Rng::from_entropy().lowercase_alnum(8);
        let root = base.join(format!("fgs-emulator-{}-{unique}", std::process::id()));
        let seed = config.control.seed;
        Ok(Self {
            inner: Arc::new(Inner {
                config: c.clone(),
                root,
                store,
                pools: Mutex::new(HashMap::new()),
                canned: Mutex::new(Vec::new()),
                routing: match seed {
                    Some(s) => Rng::seeded(s ^ ROUTING_SEED),
                    None => Rng::from_entropy(),
                },
                seed,
                clock,
                async_queue: Arc::default(),
                next_instance: AtomicU64::new(1),
                reaper: std::sync::Once::new(),
            }),
        })
    }

    /// Back to a clean slate (`POST /_emulator/reset`): every instance is retired, canned
    /// results are forgotten, and routing draws start their sequence again.
    pub fn reset(&self) {
        let pools = std::mem::take(&mut *lock(&self.inner.pools));
        drop(pools);
        lock(&self.inner.canned).clear();
        self.inner.async_queue.clear();
        if let Some(s) = self.inner.seed {
            self.inner.routing.reseed(s ^ ROUTING_SEED);
        }
    }

    /// Runs `inv` on `target`: a canned answer if one is registered, else the version's
    /// code on a warm or new instance. Errors are the platform's (4xx envelopes); whatever
    /// the handler did is in the report.
    pub async fn invoke(&self, target: &Target, inv: Invocation) -> Result<Report, ApiError> {
        self.start_reaper();
        let config = target.state.config.clone();
        let memory_size_mb = inv
            .memory_mb
            .unwrap_or_else(|| u64::from(config.memory_size.mb()));
        let timeout = Duration::from_secs(u64::from(config.timeout.seconds()));
        let started = Instant::now();
        let canned = self.canned_for(target);
        let ran = match canned {
            Some(c) => run_canned(c, timeout).await,
            None => self.run_code(target, &inv, timeout, memory_size_mb).await?,
        };
        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        let billing_ms = (duration_ms.ceil() as u64).max(1);
        let failed = !matches!(ran.outcome, Outcome::Returned { .. });
        let log = full_log(
            &inv.request_id,
            &target.version,
            &ran.log,
            failed,
            duration_ms,
            billing_ms,
            ran.memory_used_mb,
            memory_size_mb,
        );
        Ok(Report {
            outcome: ran.outcome,
            log,
            duration_ms,
            billing_ms,
            memory_size_mb,
            memory_used_mb: ran.memory_used_mb,
        })
    }
}

/// The invocation log as the service writes it: a Start line, the handler's lines, a
/// Finish line (`(invoke Failed)` after a failure).
#[allow(clippy::too_many_arguments)]
fn full_log(
    request_id: &str,
    version: &str,
    body: &str,
    failed: bool,
    duration_ms: f64,
    billing_ms: u64,
    used_mb: f64,
    memory_mb: u64,
) -> String {
    let ts = || chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
    let mut log = format!(
        "{} Start invoke request '{request_id}', version: {version}\n",
        ts()
    );
    log.push_str(body);
    if !body.is_empty() && !body.ends_with('\n') {
        log.push('\n');
    }
    let failed = if failed { "(invoke Failed)" } else { "" };
    log.push_str(&format!(
        "{} Finish invoke request '{request_id}'{failed}, duration: {duration_ms:.3}ms, \
         billing duration: {billing_ms}ms, memory used: {used_mb:.3}MB, billing memory: {memory_mb}MB\n",
        ts()
    ));
    log
}

/// Removes `fgs-emulator-<pid>-*` directories in `base` whose process is gone (an emulator
/// killed with -9 cannot clean up after itself). Linux only: elsewhere there is no `/proc`
/// to ask, and nothing is removed.
fn sweep_stale_roots(base: &std::path::Path) {
    if !std::path::Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("fgs-emulator-"))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// `localhost` or a loopback IP (`127.0.0.0/8`, `::1`).
fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn headers(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn header_rules_combine_with_and_or_or() {
        let rule = |param: &str, op: &str, value: &str| json!({"rule_type": "Header", "param": param, "op": op, "value": value});
        let and = json!({"combine_type": "and", "rules": [rule("x-user", "=", "alice"), rule("x-tier", "in", "gold, silver,")]});
        let or = json!({"combine_type": "or", "rules": [rule("x-user", "=", "alice"), rule("x-tier", "in", "gold")]});
        let h = headers(&[("X-User", " alice "), ("x-tier", "silver")]);
        assert!(rules_match(&and, &h));
        assert!(rules_match(&or, &h));
        let h = headers(&[("x-tier", "gold")]);
        assert!(!rules_match(&and, &h), "a missing header fails its rule");
        assert!(rules_match(&or, &h));
        assert!(!rules_match(&json!({"rules": []}), &h));
    }

    #[test]
    fn loopback_hosts() {
        for h in ["127.0.0.1", "localhost", "::1", "[::1]", "127.1.2.3"] {
            assert!(is_loopback(h), "{h}");
        }
        for h in ["0.0.0.0", "192.168.1.1", "example.com", "::"] {
            assert!(!is_loopback(h), "{h}");
        }
    }
}
