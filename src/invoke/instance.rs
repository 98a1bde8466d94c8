//! One instance: one interpreter process running one version's code, talking to the emulator
//! over a line protocol (one JSON object per line, requests on its stdin, answers on its
//! stdout; the bootstraps keep the handler's own output off that channel).
//!
//! An instance serves one invocation at a time. Anything that leaves it in doubt (a timeout,
//! a crash, a memory overrun, a garbled answer) ends it: it is killed, with its whole process
//! group so a handler's children go too, and its working directory removed.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// The interpreters the emulator can run code on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// `Python3.x` runtimes, on the machine's `python3`.
    Python,
    /// `Node.js*` runtimes, on the machine's `node`.
    Node,
}

impl Language {
    /// The language a runtime name runs on, if the emulator can run it. Python 2.7 cannot:
    /// its code would meet a Python 3 interpreter.
    pub fn of(runtime: &str) -> Option<Self> {
        if runtime.starts_with("Python3") {
            Some(Self::Python)
        } else if runtime.starts_with("Node.js") {
            Some(Self::Node)
        } else {
            None
        }
    }

    /// The handler module's file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Python => ".py",
            Self::Node => ".js",
        }
    }

    fn bootstrap(self) -> &'static str {
        match self {
            Self::Python => include_str!("bootstrap/python.py"),
            Self::Node => include_str!("bootstrap/node.js"),
        }
    }
}

/// What an instance needs to start: the interpreter, its directory, its environment.
#[derive(Debug, Clone)]
pub struct Launch {
    /// Which bootstrap to run.
    pub language: Language,
    /// The interpreter command (`invoke.python` / `invoke.node`).
    pub program: String,
    /// The instance's own directory; the code is already in `dir/code`.
    pub dir: PathBuf,
    /// Environment variables: `RUNTIME_*` and the function's `user_data`.
    pub env: Vec<(String, String)>,
    /// Memory limit in MB (Node's heap is capped to it as well).
    pub memory_mb: u64,
    /// How long loading the module and the initializer may take.
    pub ready_within: Duration,
}

/// An error the handler (or its runtime) produced, as the body shows it.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct FunctionError {
    /// `errorMessage`.
    #[serde(rename = "errorMessage")]
    pub message: String,
    /// `errorType`: the exception class, or the emulator's name for what happened.
    #[serde(rename = "errorType")]
    pub error_type: String,
    /// `stackTrace`: lines, innermost last.
    #[serde(rename = "stackTrace", default)]
    pub stack_trace: Vec<String>,
}

impl FunctionError {
    fn runtime(error_type: &str, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            error_type: error_type.to_owned(),
            stack_trace: Vec::new(),
        }
    }
}

/// How an invocation ended.
#[derive(Debug)]
pub enum Outcome {
    /// The handler returned. `body` is the result as text (`kind` says how it was made).
    Returned {
        /// `none`, `str` or `json`.
        kind: String,
        /// The result as text.
        body: String,
    },
    /// The handler raised or rejected.
    Raised(FunctionError),
    /// Module load or initializer failed (the instance is gone).
    InitFailed(FunctionError),
    /// It ran past its timeout and was killed.
    TimedOut,
    /// It went over its memory and was killed.
    OutOfMemory,
    /// Its process ended without answering (a crash, `os._exit`, a signal).
    Crashed(String),
}

/// What one invocation gives back besides its outcome.
#[derive(Debug)]
pub struct Ran {
    /// How it ended.
    pub outcome: Outcome,
    /// What the handler logged.
    pub log: String,
    /// Resident memory after the call, MB.
    pub memory_used_mb: f64,
    /// Whether the instance can serve again.
    pub reusable: bool,
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    ready: Option<bool>,
    #[serde(default)]
    ok: Option<bool>,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    error: Option<FunctionError>,
    #[serde(default)]
    log: String,
}

/// The largest answer line read from an instance: the service's 6 MB response limit, as
/// JSON-escaped text plus the log, with room to spare.
const MAX_ANSWER_BYTES: u64 = 16 * 1024 * 1024;
/// How much of a process's stderr is kept to explain a crash.
const STDERR_TAIL: usize = 4096;

/// A running instance.
pub struct Instance {
    child: Child,
    pid: u32,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    stderr_tail: Arc<Mutex<VecDeque<u8>>>,
    dir: PathBuf,
    memory_mb: u64,
    /// When it last finished an invocation (for idle expiry).
    pub last_used: Instant,
}

impl Instance {
    /// Starts the interpreter with the bootstrap and waits for it to load the handler (and
    /// run the initializer). On failure the process is gone and the error says why.
    pub async fn start(launch: &Launch) -> Result<(Self, String), Outcome> {
        let mut child = command(launch).spawn().map_err(|e| {
            Outcome::InitFailed(FunctionError::runtime(
                "RuntimeStartError",
                format!("cannot start '{}': {e}", launch.program),
            ))
        })?;
        let pid = child.id().unwrap_or(0);
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(Outcome::Crashed("the instance's pipes are missing".into()));
        };
        let stderr_tail = Arc::new(Mutex::new(VecDeque::with_capacity(STDERR_TAIL)));
        tokio::spawn(drain(stderr, stderr_tail.clone()));
        let mut instance = Self {
            child,
            pid,
            stdin,
            stdout: BufReader::new(stdout),
            stderr_tail,
            dir: launch.dir.clone(),
            memory_mb: launch.memory_mb,
            last_used: Instant::now(),
        };
        match instance.read_answer(launch.ready_within).await {
            Ok(Answer {
                ready: Some(true),
                log,
                ..
            }) => Ok((instance, log)),
            Ok(Answer {
                ready: Some(false),
                error: Some(e),
                ..
            }) => {
                instance.kill();
                Err(Outcome::InitFailed(e))
            }
            Ok(_) => {
                instance.kill();
                Err(Outcome::Crashed(
                    "the bootstrap answered out of turn".into(),
                ))
            }
            Err(outcome) => {
                instance.kill();
                Err(init_failure(outcome, launch.ready_within))
            }
        }
    }

    /// Sends one event and waits for the answer, at most `timeout`; polls memory meanwhile.
    pub async fn invoke(
        &mut self,
        request_id: &str,
        event: &Value,
        alias: &str,
        timeout: Duration,
        memory_mb: u64,
    ) -> Ran {
        self.memory_mb = memory_mb;
        let bytes = request_line(request_id, event, alias, timeout);
        let sent = self.stdin.write_all(&bytes).await;
        let answer = match sent {
            Ok(()) => self.read_answer(timeout).await,
            Err(_) => Err(Outcome::Crashed(self.exit_reason().await)),
        };
        let memory_used_mb = rss_mb(self.pid).unwrap_or(0.0);
        self.last_used = Instant::now();
        let ran = ran_from(answer, memory_used_mb);
        if !ran.reusable {
            self.kill();
        }
        ran
    }

    /// Reads one answer line within `timeout`, checking the memory limit every 20 ms.
    async fn read_answer(&mut self, timeout: Duration) -> Result<Answer, Outcome> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut line = Vec::with_capacity(256);
        let limit = self.memory_mb;
        let pid = self.pid;
        let result = {
            let read = async {
                let mut limited = (&mut self.stdout).take(MAX_ANSWER_BYTES);
                limited.read_until(b'\n', &mut line).await
            };
            tokio::pin!(read);
            let mut poll = tokio::time::interval_at(
                tokio::time::Instant::now() + Duration::from_millis(20),
                Duration::from_millis(20),
            );
            poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                tokio::select! {
                    r = &mut read => break Some(r),
                    _ = tokio::time::sleep_until(deadline) => break None,
                    _ = poll.tick() => {
                        if rss_mb(pid).is_some_and(|mb| mb > limit as f64) {
                            return Err(Outcome::OutOfMemory);
                        }
                    }
                }
            }
        };
        match result {
            None => Err(Outcome::TimedOut),
            Some(Ok(0)) => Err(Outcome::Crashed(self.exit_reason().await)),
            Some(Ok(_)) if line.last() != Some(&b'\n') => Err(Outcome::Crashed(format!(
                "the runtime's answer was cut off or larger than {MAX_ANSWER_BYTES} bytes"
            ))),
            Some(Ok(_)) => serde_json::from_slice(&line)
                .map_err(|e| Outcome::Crashed(format!("the runtime's answer is not JSON: {e}"))),
            Some(Err(e)) => Err(Outcome::Crashed(format!("reading the answer failed: {e}"))),
        }
    }

    /// Why the process ended: its exit status and the tail of its stderr.
    async fn exit_reason(&mut self) -> String {
        let status = tokio::time::timeout(Duration::from_secs(2), self.child.wait()).await;
        // Let the stderr drain catch up with the last lines.
        tokio::time::sleep(Duration::from_millis(20)).await;
        let tail = {
            let t = self.stderr_tail.lock().unwrap_or_else(|e| e.into_inner());
            String::from_utf8_lossy(&t.iter().copied().collect::<Vec<u8>>()).into_owned()
        };
        let status = match status {
            Ok(Ok(s)) => s.to_string(),
            _ => "still running".to_owned(),
        };
        let tail = tail.trim();
        if tail.is_empty() {
            format!("the runtime process exited ({status})")
        } else {
            format!("the runtime process exited ({status}): {tail}")
        }
    }

    /// True when the process's stderr says it ran out of memory (Node's heap limit).
    pub fn stderr_says_out_of_memory(why: &str) -> bool {
        why.contains("heap out of memory") || why.contains("MemoryError")
    }

    /// The process id (for the control plane's instance list).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Kills the process group now. Dropping the instance does the same.
    pub fn kill(&mut self) {
        if self.pid > 0 {
            // SAFETY: kill(2) with a negative pid signals the process group this instance
            // leads (process_group(0) made it); no memory is touched.
            unsafe {
                libc::kill(-(self.pid as i32), libc::SIGKILL);
            }
        }
        let _ = self.child.start_kill();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The interpreter command for a launch: the bootstrap as its script, a clean environment
/// rooted in the instance's directory, piped stdio, and its own process group.
fn command(launch: &Launch) -> Command {
    let mut cmd = Command::new(&launch.program);
    match launch.language {
        Language::Python => cmd.arg("-u").arg("-c").arg(launch.language.bootstrap()),
        Language::Node => cmd
            .arg(format!("--max-old-space-size={}", launch.memory_mb.max(16)))
            .arg("-e")
            .arg(launch.language.bootstrap()),
    };
    let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into());
    let tmp = launch.dir.join("tmp");
    let _ = std::fs::create_dir_all(&tmp);
    cmd.current_dir(&launch.dir)
        .env_clear()
        .env("PATH", path)
        .env("HOME", &launch.dir)
        .env("TMPDIR", &tmp)
        .env("LANG", "C.UTF-8")
        .envs(launch.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        // Its own process group, so killing the instance kills what the handler spawned.
        .process_group(0);
    cmd
}

/// What a failure to read the ready line means for the caller: a timeout or a crash during
/// start-up is an initialization failure; anything else (out of memory) stays as it is.
fn init_failure(outcome: Outcome, ready_within: Duration) -> Outcome {
    match outcome {
        Outcome::TimedOut => Outcome::InitFailed(FunctionError::runtime(
            "InitializerTimeout",
            format!(
                "loading the handler and running the initializer took longer than {} s",
                ready_within.as_secs()
            ),
        )),
        Outcome::Crashed(why) => Outcome::InitFailed(FunctionError::runtime("RuntimeExited", why)),
        other => other,
    }
}

/// One request on the line protocol: the JSON object and its terminating newline.
fn request_line(request_id: &str, event: &Value, alias: &str, timeout: Duration) -> Vec<u8> {
    let line = serde_json::json!({
        "request_id": request_id,
        "event": event,
        "remaining_ms": timeout.as_millis() as u64,
        "alias": alias,
    });
    let mut bytes = line.to_string().into_bytes();
    bytes.push(b'\n');
    bytes
}

/// What an invocation's answer (or the failure to get one) makes of it. Only a well-formed
/// `ok` answer leaves the instance reusable; the caller kills it otherwise.
fn ran_from(answer: Result<Answer, Outcome>, memory_used_mb: f64) -> Ran {
    match answer {
        Ok(Answer {
            ok: Some(true),
            kind,
            body,
            log,
            ..
        }) => Ran {
            outcome: Outcome::Returned { kind, body },
            log,
            memory_used_mb,
            reusable: true,
        },
        Ok(Answer {
            ok: Some(false),
            error: Some(e),
            log,
            ..
        }) => Ran {
            outcome: Outcome::Raised(e),
            log,
            memory_used_mb,
            reusable: true,
        },
        Ok(_) => Ran {
            outcome: Outcome::Crashed("the runtime answered out of turn".into()),
            log: String::new(),
            memory_used_mb,
            reusable: false,
        },
        Err(outcome) => Ran {
            outcome,
            log: String::new(),
            memory_used_mb,
            reusable: false,
        },
    }
}

/// Keeps the last [`STDERR_TAIL`] bytes of a process's stderr (and mirrors it to tracing).
async fn drain(stderr: tokio::process::ChildStderr, tail: Arc<Mutex<VecDeque<u8>>>) {
    let mut lines = BufReader::new(stderr).split(b'\n');
    while let Ok(Some(line)) = lines.next_segment().await {
        tracing::debug!(target: "fgs_emulator::invoke", "instance stderr: {}", String::from_utf8_lossy(&line));
        let mut t = tail.lock().unwrap_or_else(|e| e.into_inner());
        t.extend(line.iter().copied().chain(std::iter::once(b'\n')));
        while t.len() > STDERR_TAIL {
            t.pop_front();
        }
    }
}

/// Resident memory of a process in MB, from `/proc/<pid>/status` (Linux; `None` elsewhere).
pub fn rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
