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
mod routing;
pub mod unpack;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;
use tokio::sync::Semaphore;

use crate::clock::Clock;
use crate::config::Config;
use crate::domain::Digest;
use crate::error::{ApiError, ErrorCode};
use crate::model::{FunctionConfig, FunctionState, ProjectInfo};
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
    config: Arc<FunctionConfig>,
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

    async fn run_code(
        &self,
        target: &Target,
        inv: &Invocation,
        timeout: Duration,
        memory_mb: u64,
    ) -> Result<instance::Ran, ApiError> {
        let runtime = target.state.config.runtime.as_str();
        let Some(language) = Language::of(runtime) else {
            return Err(ApiError::invalid_parameter(format!(
                "Invalid parameter: the emulator cannot run runtime '{runtime}' (it runs Python 3 \
                 on python3 and Node.js on node); register a canned result for this function: \
                 POST /_emulator/canned-results {{\"func_name\": \"{}\", \"version\": \"{}\", \
                 \"result\": ...}}",
                target.key.name, target.version
            )));
        };
        if target.state.code.blob.bytes.is_empty() {
            return Err(ApiError::detailed(
                ErrorCode::InvalidCode,
                format_args!(
                    "version '{}' has no code bytes the emulator can run \
                     (code held in OBS is not fetched); upload the code inline or as a zip, or \
                     register a canned result under /_emulator/canned-results",
                    target.version
                ),
            ));
        }
        let pool = self.pool_for(target);
        let permit = tokio::time::timeout(timeout, pool.permits.clone().acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or_else(|| {
                ApiError::detailed(
                    ErrorCode::TooManyRequests,
                    "your request has been controlled by overload sdk, please retry later: \
                     every instance of this version stayed busy for the function's timeout",
                )
            })?;
        pool.busy.fetch_add(1, Ordering::Relaxed);
        let _busy = BusyGuard(&pool.busy);
        let warm = lock(&pool.idle).pop();
        let mut inst = match warm {
            Some(i) => i,
            None => {
                // A failed start (module load, initializer) is tried on a new instance up to
                // three times in all, as the service does; the last failure is the answer.
                let mut attempt = 1;
                loop {
                    match self.start_instance(target, language, memory_mb).await? {
                        Ok(i) => break i,
                        Err(_) if attempt < INIT_ATTEMPTS => attempt += 1,
                        Err((outcome, log)) => {
                            return Ok(instance::Ran {
                                outcome,
                                log,
                                memory_used_mb: 0.0,
                                reusable: false,
                            });
                        }
                    }
                }
            }
        };
        let alias = target.alias.as_deref().unwrap_or("");
        let mut ran = inst
            .invoke(&inv.request_id, &inv.event, alias, timeout, memory_mb)
            .await;
        if let Outcome::Crashed(why) = &ran.outcome
            && instance::Instance::stderr_says_out_of_memory(why)
        {
            ran.outcome = Outcome::OutOfMemory;
        }
        if ran.reusable && self.is_current(target, &pool) {
            lock(&pool.idle).push(inst);
        }
        drop(permit);
        Ok(ran)
    }

    /// Starts an instance for `target`: its directory, the code unpacked into it, the
    /// interpreter. `Err` is a platform error (code that cannot be unpacked); `Ok(Err)` a
    /// start that failed the way a function fails (load error, initializer error).
    async fn start_instance(
        &self,
        target: &Target,
        language: Language,
        memory_mb: u64,
    ) -> Result<Result<instance::Instance, (Outcome, String)>, ApiError> {
        let id = self.inner.next_instance.fetch_add(1, Ordering::Relaxed);
        let dir = self
            .inner
            .root
            .join(format!("{}-{}-{id}", target.key.name, target.version));
        let code_dir = dir.join("code");
        let config = &target.state.config;
        let handler = config.handler.as_str().to_owned();
        let module = handler
            .rsplit_once('.')
            .map_or(handler.as_str(), |(m, _)| m)
            .to_owned();
        let bytes = target.state.code.blob.bytes.clone();
        let max = self.inner.config.max_unpacked_bytes;
        let unpack_dir = code_dir.clone();
        let unpacked = tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&unpack_dir)?;
            unpack::unpack(&bytes, &unpack_dir, &module, language.extension(), max)
        })
        .await
        .map_err(ApiError::internal)?;
        if let Err(e) = unpacked {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(ApiError::detailed(ErrorCode::InvalidCode, e));
        }
        let launch = instance::Launch {
            language,
            program: match language {
                Language::Python => self.inner.config.python.clone(),
                Language::Node => self.inner.config.node.clone(),
            },
            env: runtime_env(target, &code_dir),
            dir: dir.clone(),
            memory_mb,
            ready_within: Duration::from_secs(
                u64::try_from(config.initializer_timeout.get())
                    .ok()
                    .filter(|t| *t > 0)
                    .unwrap_or(u64::from(config.timeout.seconds()))
                    + 10,
            ),
        };
        Ok(match instance::Instance::start(&launch).await {
            Ok((inst, _init_log)) => Ok(inst),
            Err(outcome) => {
                let _ = std::fs::remove_dir_all(&dir);
                Err((outcome, String::new()))
            }
        })
    }

    /// The pool for the target's version, made anew when its code or configuration changed.
    fn pool_for(&self, target: &Target) -> Arc<Pool> {
        let key = PoolKey {
            function: target.key.clone(),
            version: target.version.clone(),
        };
        let fingerprint = Fingerprint::of(&target.state);
        let mut pools = lock(&self.inner.pools);
        if let Some(p) = pools.get(&key)
            && p.fingerprint == fingerprint
        {
            return p.clone();
        }
        let concurrency = target.state.config.strategy_config.concurrency;
        let ceiling = match usize::try_from(concurrency) {
            Ok(n) if n > 0 => n.min(self.inner.config.max_instances_per_version),
            _ => self.inner.config.max_instances_per_version,
        };
        let pool = Arc::new(Pool {
            fingerprint,
            permits: Arc::new(Semaphore::new(ceiling)),
            idle: Mutex::new(Vec::new()),
            busy: AtomicUsize::new(0),
        });
        // The old pool (if any) is dropped here: its idle instances die with it.
        pools.insert(key, pool.clone());
        pool
    }

    fn is_current(&self, target: &Target, pool: &Arc<Pool>) -> bool {
        let key = PoolKey {
            function: target.key.clone(),
            version: target.version.clone(),
        };
        lock(&self.inner.pools)
            .get(&key)
            .is_some_and(|p| Arc::ptr_eq(p, pool))
    }

    fn start_reaper(&self) {
        self.inner.reaper.call_once(|| {
            let weak = Arc::downgrade(&self.inner);
            tokio::spawn(reap(weak));
        });
    }

    /// Every pool's instances.
    pub fn instances(&self) -> Vec<PoolView> {
        let pools = lock(&self.inner.pools);
        let mut views: Vec<PoolView> = pools
            .iter()
            .map(|(k, p)| PoolView {
                project: k.function.project.to_string(),
                package: k.function.package.to_string(),
                func_name: k.function.name.to_string(),
                version: k.version.clone(),
                idle_pids: lock(&p.idle).iter().map(instance::Instance::pid).collect(),
                busy: p.busy.load(Ordering::Relaxed),
            })
            .collect();
        views.sort_by(|a, b| (&a.func_name, &a.version).cmp(&(&b.func_name, &b.version)));
        views
    }
}

struct BusyGuard<'a>(&'a AtomicUsize);

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Every second: kill instances idle too long, retire pools whose version is gone or
/// changed. Ends when the invoker is dropped.
async fn reap(weak: Weak<Inner>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        let Some(inner) = weak.upgrade() else { return };
        let idle_for = Duration::from_secs(inner.config.idle_timeout_seconds);
        let pools: Vec<(PoolKey, Arc<Pool>)> = lock(&inner.pools)
            .iter()
            .map(|(k, p)| (k.clone(), p.clone()))
            .collect();
        let mut doomed = Vec::new();
        for (key, pool) in pools {
            let current = inner
                .store
                .with_function(&key.function, |f| {
                    state_of(f, &key.version).map(|s| Fingerprint::of(&s))
                })
                .flatten();
            if current.as_ref() != Some(&pool.fingerprint) {
                let mut pools = lock(&inner.pools);
                if pools.get(&key).is_some_and(|p| Arc::ptr_eq(p, &pool)) {
                    pools.remove(&key);
                }
                doomed.extend(std::mem::take(&mut *lock(&pool.idle)));
                continue;
            }
            let mut idle = lock(&pool.idle);
            let (old, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut *idle)
                .into_iter()
                .partition(|i| i.last_used.elapsed() >= idle_for);
            *idle = keep;
            doomed.extend(old);
        }
        drop(inner);
        if !doomed.is_empty() {
            // Dropping kills the processes and removes their directories: off the runtime.
            let _ = tokio::task::spawn_blocking(move || drop(doomed)).await;
        }
    }
}

/// `RUNTIME_*` variables as the real runtimes set them, and the function's `user_data` as
/// plain variables (which `getUserData` also reads).
fn runtime_env(target: &Target, code_dir: &std::path::Path) -> Vec<(String, String)> {
    let c = &target.state.config;
    let user = c.user_data.vars();
    let mut env: Vec<(String, String)> = user
        .iter()
        .filter(|(k, _)| !k.is_empty() && !k.contains('=') && !k.contains('\0'))
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), v.replace('\0', ""))
        })
        .collect();
    let user_json = Value::Object(user).to_string();
    env.extend([
        ("RUNTIME_PROJECT_ID".into(), target.project.id.to_string()),
        ("RUNTIME_FUNC_NAME".into(), target.key.name.to_string()),
        ("RUNTIME_FUNC_VERSION".into(), target.version.clone()),
        ("RUNTIME_PACKAGE".into(), target.key.package.to_string()),
        ("RUNTIME_HANDLER".into(), c.handler.as_str().to_owned()),
        ("RUNTIME_TIMEOUT".into(), c.timeout.seconds().to_string()),
        ("RUNTIME_USERDATA".into(), user_json),
        (
            "RUNTIME_CPU".into(),
            (u64::from(c.memory_size.mb()) / 128 * 100 + 200).to_string(),
        ),
        ("RUNTIME_MEMORY".into(), c.memory_size.mb().to_string()),
        (
            "RUNTIME_CODE_ROOT".into(),
            code_dir.to_string_lossy().into_owned(),
        ),
        (
            "RUNTIME_INITIALIZER_HANDLER".into(),
            c.initializer_handler.clone(),
        ),
        (
            "RUNTIME_INITIALIZER_TIMEOUT".into(),
            c.initializer_timeout.get().to_string(),
        ),
        ("RUNTIME_MAX_RESP_BODY_SIZE".into(), "6291456".into()),
    ]);
    env
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
