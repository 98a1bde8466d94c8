//! The instances of each version: a pool per version, warm reuse, a new instance when all
//! are busy (up to the ceiling), retirement when the version's code or configuration
//! changes, and the reaper that stops idle ones.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::Semaphore;

use super::*;
use crate::error::{ApiError, ErrorCode};

impl Invoker {
    /// Runs one invocation on an instance of the target's version: a warm one if the pool
    /// has one idle, a new one otherwise, waiting at most `timeout` for a free slot.
    pub(super) async fn run_code(
        &self,
        target: &Target,
        inv: &Invocation,
        timeout: Duration,
        memory_mb: u64,
    ) -> Result<instance::Ran, ApiError> {
        let language = runnable_language(target)?;
        let pool = self.pool_for(target);
        let permit = acquire_slot(&pool, timeout).await?;
        pool.busy.fetch_add(1, Ordering::Relaxed);
        let _busy = BusyGuard(&pool.busy);
        let warm = lock(&pool.idle).pop();
        let mut inst = match warm {
            Some(i) => i,
            None => match self.start_cold(target, language, memory_mb).await? {
                Ok(i) => i,
                Err(failed) => return Ok(failed),
            },
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

    /// A new instance for an invocation no warm one can take. A failed start (module load,
    /// initializer) is tried on a new instance up to three times in all, as the service
    /// does; the last failure is the answer, as the invocation's `Ran`.
    async fn start_cold(
        &self,
        target: &Target,
        language: Language,
        memory_mb: u64,
    ) -> Result<Result<instance::Instance, instance::Ran>, ApiError> {
        let mut attempt = 1;
        loop {
            match self.start_instance(target, language, memory_mb).await? {
                Ok(i) => return Ok(Ok(i)),
                Err(_) if attempt < INIT_ATTEMPTS => attempt += 1,
                Err((outcome, log)) => {
                    return Ok(Err(instance::Ran {
                        outcome,
                        log,
                        memory_used_mb: 0.0,
                        reusable: false,
                    }));
                }
            }
        }
    }

    /// Starts an instance for `target`: its directory, the code unpacked into it, the
    /// interpreter. `Err` is a platform error (code that cannot be unpacked); `Ok(Err)` a
    /// start that failed the way a function fails (load error, initializer error).
    pub(super) async fn start_instance(
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
    pub(super) fn pool_for(&self, target: &Target) -> Arc<Pool> {
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

    pub(super) fn is_current(&self, target: &Target, pool: &Arc<Pool>) -> bool {
        let key = PoolKey {
            function: target.key.clone(),
            version: target.version.clone(),
        };
        lock(&self.inner.pools)
            .get(&key)
            .is_some_and(|p| Arc::ptr_eq(p, pool))
    }

    pub(super) fn start_reaper(&self) {
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

/// The language the target's code runs on, or why the emulator cannot run it: a runtime it
/// has no interpreter for, or a version without code bytes (code held in OBS).
fn runnable_language(target: &Target) -> Result<Language, ApiError> {
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
    Ok(language)
}

/// A slot in the pool (one of its `ceiling` instances), waiting at most `timeout`: the
/// service answers a version whose every instance stays busy that long with its overload
/// error.
async fn acquire_slot(
    pool: &Pool,
    timeout: Duration,
) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
    tokio::time::timeout(timeout, pool.permits.clone().acquire_owned())
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| {
            ApiError::detailed(
                ErrorCode::TooManyRequests,
                "your request has been controlled by overload sdk, please retry later: \
                 every instance of this version stayed busy for the function's timeout",
            )
        })
}

pub(super) struct BusyGuard<'a>(&'a AtomicUsize);

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Every second: kill instances idle too long, retire pools whose version is gone or
/// changed. Ends when the invoker is dropped.
pub(super) async fn reap(weak: Weak<Inner>) {
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
pub(super) fn runtime_env(target: &Target, code_dir: &std::path::Path) -> Vec<(String, String)> {
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
