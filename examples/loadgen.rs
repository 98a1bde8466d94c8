//! The load generator behind `scripts/bench-load.sh` (issue 6).
//!
//! Why our own (measured in docs/PERFORMANCE.md, "Why our own load generator"): the cases
//! are ordered steps per connection (create, then update code, then publish into that
//! function), which wrk's per-thread Lua `request()` cannot keep in order on 32 connections
//! from one thread (7-8% of the requests overtake their create and get 404), and oha sends
//! one fixed body per run, so it cannot name versions at all. One small HTTP/1.1 client drives every case against both servers, so whatever it
//! costs is the same on both sides of each ratio. It is deliberately lean (keep-alive,
//! `TCP_NODELAY`, requests written from reused buffers, responses framed by
//! `Content-Length` or chunked encoding, wrk-style): on a 2-core machine the generator
//! shares the CPU with the server, and the less it takes the more the ratios say about the
//! servers.
//!
//! # `run`: timed load
//!
//! ```text
//! loadgen run --addr 127.0.0.1:PORT --connections 32 --duration 8 --warmup 1 --tag r1 \
//!     --header 'X-Auth-Token: bench' \
//!     --setup 'POST /v2/P/fgs/functions {"func_name":"pub-{tag}-{c}", ...}' \
//!     --step  'POST /v2/P/fgs/functions/pub-{tag}-{c}/versions {"version":"v{n}"}'
//! ```
//!
//! A request is `METHOD PATH [BODY]` (the body is the rest of the line, sent as
//! `application/json`). Placeholders: `{c}` the connection index, `{n}` a number unique in
//! this process (10 digits, zero-padded, so it can sit inside base64 too), `{tag}` from
//! `--tag` (the script gives every round its own, so rounds never collide).
//! Each connection sends its `--setup` requests once, then repeats its `--step`s in order
//! (one `{n}` per pass) through the warm-up and the measured window. Only responses that
//! both start and finish inside the window count. Prints one line:
//!
//! `RESULT label=.. requests=.. rps=.. p50_us=.. p90_us=.. p99_us=.. max_us=.. non2xx=.. errors=..
//! setup_failures=.. server_cpu_us=.. client_cpu_us=..` (the last two: CPU microseconds per
//! measured request of the server, given `--server-pid`, and of the generator itself).
//!
//! Bounded: `--duration` (at most 600 s) and `--max-requests` stop it; loopback only.
//!
//! # `startup`: spawn to first healthy answer
//!
//! ```text
//! loadgen startup --runs 20 -- target/release/fgs-emulator --port 0 --port-file {port_file}
//! ```
//!
//! Spawns the command `--runs` times; each time measures from just before the spawn until
//! `GET /_emulator/health` on the port written to `{port_file}` answers 200, then kills it.
//! Prints `STARTUP label=.. runs=.. median_ms=.. min_ms=.. max_ms=..`.
//!
//! # `fsync`: what the disk allows
//!
//! ```text
//! loadgen fsync --dir /path/on/the/same/filesystem --duration 3 --bytes 2048
//! ```
//!
//! One writer appends `--bytes` to a fresh file in `--dir` and calls `fdatasync` after each
//! append, as the emulator's state file does for one change, for `--duration` seconds; then
//! removes the file. Prints `FSYNC label=.. syncs=.. per_s=.. p50_us=.. p99_us=..`: the
//! rate a server that syncs every acknowledged write one at a time could reach at best.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Parser, Debug)]
#[command(about = "HTTP/1.1 load generator for scripts/bench-load.sh")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Timed load against one server.
    Run(RunArgs),
    /// Spawn-to-healthy time of a server command.
    Startup(StartupArgs),
    /// Appends + `fdatasync` per second on one file: the disk's own rate.
    Fsync(FsyncArgs),
}

#[derive(Parser, Debug)]
struct FsyncArgs {
    /// A directory on the filesystem to measure (the state file's).
    #[arg(long)]
    dir: PathBuf,
    /// Seconds to measure (at most 60).
    #[arg(long, default_value_t = 3.0)]
    duration: f64,
    /// Bytes per append.
    #[arg(long, default_value_t = 2048)]
    bytes: usize,
    /// Names the result line.
    #[arg(long, default_value = "fsync")]
    label: String,
}

#[derive(Parser, Debug)]
struct RunArgs {
    /// Server address, HOST:PORT; loopback only.
    #[arg(long)]
    addr: SocketAddr,
    /// Keep-alive connections, each sending one request at a time.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Measured seconds.
    #[arg(long, default_value_t = 5.0)]
    duration: f64,
    /// Seconds of load before the measured window.
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// Stop after this many measured responses.
    #[arg(long, default_value_t = 20_000_000)]
    max_requests: u64,
    /// Runtime worker threads for the generator (1: a single-threaded runtime).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Replaces `{tag}` in requests.
    #[arg(long, default_value = "t")]
    tag: String,
    /// Names the result line.
    #[arg(long, default_value = "run")]
    label: String,
    /// The server's pid: also report its CPU time per measured request (from /proc).
    #[arg(long)]
    server_pid: Option<u32>,
    /// An extra header on every request, `Name: value`.
    #[arg(long = "header")]
    headers: Vec<String>,
    /// A request sent once per connection before the load: `METHOD PATH [BODY]`.
    #[arg(long = "setup")]
    setup: Vec<String>,
    /// A request of each pass: `METHOD PATH [BODY]`. At least one.
    #[arg(long = "step", required = true)]
    steps: Vec<String>,
}

#[derive(Parser, Debug)]
struct StartupArgs {
    /// How many times to start the server.
    #[arg(long, default_value_t = 20)]
    runs: usize,
    /// Names the result line.
    #[arg(long, default_value = "startup")]
    label: String,
    /// Give up on one start after this many seconds.
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
    /// The command; `{port_file}` is replaced by a fresh temporary path.
    #[arg(last = true, required = true)]
    command: Vec<String>,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::Startup(args) => startup(args),
        Command::Fsync(args) => fsync(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loadgen: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

type Error = Box<dyn std::error::Error + Send + Sync>;

fn fsync(args: FsyncArgs) -> Result<(), Error> {
    use std::io::Write as _;
    if !(args.duration > 0.0 && args.duration <= 60.0) || args.bytes == 0 || args.bytes > 1 << 20 {
        return Err("--duration must be in (0, 60] and --bytes in 1..=1048576".into());
    }
    let path = args
        .dir
        .join(format!("loadgen-fsync-{}.tmp", std::process::id()));
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create_new(true)
        .open(&path)?;
    let mut line = vec![b'x'; args.bytes];
    *line.last_mut().expect("bytes > 0") = b'\n';
    let mut times = Vec::new();
    let start = Instant::now();
    let limit = Duration::from_secs_f64(args.duration);
    let result = (|| -> std::io::Result<()> {
        while start.elapsed() < limit {
            let t = Instant::now();
            file.write_all(&line)?;
            file.sync_data()?;
            times.push(t.elapsed());
        }
        Ok(())
    })();
    let elapsed = start.elapsed().as_secs_f64();
    drop(file);
    let _ = std::fs::remove_file(&path);
    result?;
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)].as_micros();
    println!(
        "FSYNC label={} syncs={} per_s={:.0} p50_us={} p99_us={}",
        args.label,
        times.len(),
        times.len() as f64 / elapsed,
        at(0.5),
        at(0.99)
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Request templates

#[derive(Debug, Clone)]
enum Part {
    Lit(String),
    Conn,
    Seq,
    Tag,
}

/// A string with `{c}`, `{n}` and `{tag}` holes, split once so rendering is cheap.
#[derive(Debug, Clone)]
struct Template(Vec<Part>);

impl Template {
    fn new(s: &str) -> Self {
        let mut parts = Vec::new();
        let mut rest = s;
        while !rest.is_empty() {
            let next = [
                ("{c}", Part::Conn),
                ("{n}", Part::Seq),
                ("{tag}", Part::Tag),
            ]
            .into_iter()
            .filter_map(|(pat, part)| rest.find(pat).map(|i| (i, pat.len(), part)))
            .min_by_key(|(i, _, _)| *i);
            match next {
                Some((i, len, part)) => {
                    if i > 0 {
                        parts.push(Part::Lit(rest[..i].to_owned()));
                    }
                    parts.push(part);
                    rest = &rest[i + len..];
                }
                None => {
                    parts.push(Part::Lit(rest.to_owned()));
                    rest = "";
                }
            }
        }
        Self(parts)
    }

    fn render(&self, out: &mut String, conn: usize, seq: u64, tag: &str) {
        use std::fmt::Write as _;
        out.clear();
        for part in &self.0 {
            match part {
                Part::Lit(s) => out.push_str(s),
                Part::Conn => {
                    let _ = write!(out, "{conn}");
                }
                Part::Seq => {
                    let _ = write!(out, "{seq:010}");
                }
                Part::Tag => out.push_str(tag),
            }
        }
    }
}

#[derive(Debug, Clone)]
struct RequestTemplate {
    method: String,
    path: Template,
    body: Option<Template>,
}

impl RequestTemplate {
    fn parse(s: &str) -> Result<Self, Error> {
        let s = s.trim();
        let (method, rest) = s
            .split_once(' ')
            .ok_or_else(|| format!("request {s:?}: expected `METHOD PATH [BODY]`"))?;
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(format!("request {s:?}: bad method {method:?}").into());
        }
        let method = method.to_owned();
        let (path, body) = match rest.trim_start().split_once(' ') {
            Some((p, b)) if !b.trim().is_empty() => (p, Some(Template::new(b.trim()))),
            Some((p, _)) => (p, None),
            None => (rest.trim_start(), None),
        };
        if !path.starts_with('/') {
            return Err(format!("request {s:?}: the path must start with /").into());
        }
        Ok(Self {
            method,
            path: Template::new(path),
            body,
        })
    }
}

// ---------------------------------------------------------------------------------------
// run

struct Shared {
    addr: SocketAddr,
    tag: String,
    /// `Host: ...\r\n` and every `--header`, ready to copy into each request.
    fixed_headers: String,
    setup: Vec<RequestTemplate>,
    steps: Vec<RequestTemplate>,
    seq: AtomicU64,
    measured: AtomicU64,
    max_requests: u64,
    stop: AtomicBool,
    window_start: Instant,
    window_end: Instant,
}

#[derive(Default)]
struct ConnStats {
    latencies_ns: Vec<u64>,
    non2xx: u64,
    errors: u64,
    setup_failures: u64,
    first_problem: Option<String>,
}

fn run(args: RunArgs) -> Result<(), Error> {
    if !is_loopback(args.addr.ip()) {
        return Err(format!("{} is not a loopback address", args.addr).into());
    }
    if !(args.duration > 0.0 && args.duration <= 600.0 && (0.0..=60.0).contains(&args.warmup)) {
        return Err("--duration must be in (0, 600] and --warmup in [0, 60]".into());
    }
    if args.connections == 0 || args.connections > 1024 {
        return Err("--connections must be 1..=1024".into());
    }
    let headers = args
        .headers
        .iter()
        .map(|h| {
            let (name, value) = h
                .split_once(':')
                .ok_or_else(|| format!("header {h:?}: expected `Name: value`"))?;
            let (name, value) = (name.trim(), value.trim());
            let token = |s: &str| s.bytes().all(|b| b.is_ascii_graphic());
            if name.is_empty()
                || !token(name)
                || !value.bytes().all(|b| b == b' ' || b.is_ascii_graphic())
            {
                return Err(format!("header {h:?}: not a plain ASCII header").into());
            }
            Ok(format!("{name}: {value}\r\n"))
        })
        .collect::<Result<Vec<String>, Error>>()?;
    let fixed_headers = format!("Host: {}\r\n{}", args.addr, headers.concat());
    let setup = args
        .setup
        .iter()
        .map(|s| RequestTemplate::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let steps = args
        .steps
        .iter()
        .map(|s| RequestTemplate::parse(s))
        .collect::<Result<Vec<_>, _>>()?;

    let runtime = if args.threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.threads)
            .enable_all()
            .build()?
    };
    runtime.block_on(async move {
        // Setup first, on every connection, outside the clock.
        let mut conns = Vec::with_capacity(args.connections);
        for _ in 0..args.connections {
            conns.push(Conn::open(args.addr).await?);
        }
        let warmup = Duration::from_secs_f64(args.warmup);
        let duration = Duration::from_secs_f64(args.duration);
        let mut shared = Shared {
            addr: args.addr,
            tag: args.tag.clone(),
            fixed_headers,
            setup,
            steps,
            seq: AtomicU64::new(1),
            measured: AtomicU64::new(0),
            max_requests: args.max_requests,
            stop: AtomicBool::new(false),
            window_start: Instant::now(),
            window_end: Instant::now(),
        };
        let mut setup_stats = ConnStats::default();
        let mut scratch = Scratch::default();
        for (c, conn) in conns.iter_mut().enumerate() {
            for t in &shared.setup {
                let seq = shared.seq.fetch_add(1, Ordering::Relaxed);
                match send(&shared, conn, t, c, seq, &mut scratch).await {
                    Ok(status) if (200..300).contains(&status) => {}
                    Ok(status) => {
                        setup_stats.setup_failures += 1;
                        setup_stats.first_problem.get_or_insert(format!(
                            "setup {} {}: {status} {}",
                            t.method,
                            scratch.path,
                            snippet(conn.last_body())
                        ));
                    }
                    Err(e) => {
                        setup_stats.setup_failures += 1;
                        setup_stats
                            .first_problem
                            .get_or_insert(format!("setup {} {}: {e}", t.method, scratch.path));
                    }
                }
            }
        }
        let now = Instant::now();
        shared.window_start = now + warmup;
        shared.window_end = now + warmup + duration;
        let shared = Arc::new(shared);
        // CPU time of the server and of this generator over the window, read from /proc at
        // its edges.
        let cpu_probe = tokio::spawn({
            let shared = shared.clone();
            let server = args.server_pid;
            async move {
                tokio::time::sleep_until(shared.window_start.into()).await;
                let before = (server.and_then(cpu_seconds), cpu_seconds_self());
                tokio::time::sleep_until(shared.window_end.into()).await;
                let after = (server.and_then(cpu_seconds), cpu_seconds_self());
                let delta = |a: Option<f64>, b: Option<f64>| Some(b? - a?);
                (delta(before.0, after.0), delta(before.1, after.1))
            }
        });
        let mut tasks = Vec::with_capacity(args.connections);
        for (c, conn) in conns.into_iter().enumerate() {
            tasks.push(tokio::spawn(connection(shared.clone(), c, conn)));
        }
        let mut all = ConnStats::default();
        for t in tasks {
            let s = t.await?;
            all.latencies_ns.extend(s.latencies_ns);
            all.non2xx += s.non2xx;
            all.errors += s.errors;
            if all.first_problem.is_none() {
                all.first_problem = s.first_problem;
            }
        }
        all.setup_failures = setup_stats.setup_failures;
        if let Some(p) = setup_stats.first_problem.or(all.first_problem.take()) {
            eprintln!("loadgen [{}]: first problem: {p}", args.label);
        }
        // Stopped early by --max-requests: rate over the time actually measured.
        let measured_secs = if shared.stop.load(Ordering::Relaxed) {
            Instant::now()
                .min(shared.window_end)
                .saturating_duration_since(shared.window_start)
                .as_secs_f64()
                .max(1e-9)
        } else {
            duration.as_secs_f64()
        };
        // The CPU probe reads at the window's end; stopped early, there is no such reading
        // to wait for (waiting would idle out the whole --duration).
        let (server_cpu, client_cpu) = if shared.stop.load(Ordering::Relaxed) {
            cpu_probe.abort();
            (None, None)
        } else {
            cpu_probe.await?
        };
        report(&args.label, all, measured_secs, server_cpu, client_cpu);
        Ok::<(), Error>(())
    })
}

/// One keep-alive HTTP/1.1 connection, with its read buffer.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    /// `buf[body.0..body.1]` is the last response's body (complete-length framing only).
    body: (usize, usize),
    /// Whether the server asked to close after the last response.
    closing: bool,
}

/// Buffers reused across requests on one connection.
#[derive(Default)]
struct Scratch {
    path: String,
    body: String,
    request: Vec<u8>,
    chunked: Vec<u8>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> Result<Self, Error> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            buf: Vec::with_capacity(16 * 1024),
            body: (0, 0),
            closing: false,
        })
    }

    fn last_body(&self) -> &[u8] {
        self.buf.get(self.body.0..self.body.1).unwrap_or(&[])
    }

    /// Reads more bytes into `buf`; an error at end of stream.
    async fn fill(&mut self) -> Result<(), Error> {
        if self.buf.capacity() - self.buf.len() < 4096 {
            self.buf.reserve(16 * 1024);
        }
        let n = self.stream.read_buf(&mut self.buf).await?;
        if n == 0 {
            return Err("connection closed by the server".into());
        }
        Ok(())
    }

    /// Writes `request` and reads one response; returns its status. The body stays in the
    /// buffer (see `last_body`) until the next exchange.
    async fn exchange(&mut self, request: &[u8], chunked: &mut Vec<u8>) -> Result<u16, Error> {
        // Drop the previous response.
        let consumed = self.body.1;
        self.buf.drain(..consumed.min(self.buf.len()));
        self.body = (0, 0);
        self.stream.write_all(request).await?;
        let head_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i + 4;
            }
            if self.buf.len() > 64 * 1024 {
                return Err("response head over 64 KiB".into());
            }
            self.fill().await?;
        };
        let head =
            std::str::from_utf8(&self.buf[..head_end]).map_err(|_| "response head is not UTF-8")?;
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or("");
        let status: u16 = status_line
            .strip_prefix("HTTP/1.1 ")
            .and_then(|r| r.get(..3))
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| format!("bad status line {status_line:?}"))?;
        let mut length = None;
        let mut is_chunked = false;
        self.closing = false;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = Some(value.parse::<usize>().map_err(|_| "bad content-length")?);
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                is_chunked = value.eq_ignore_ascii_case("chunked");
            } else if name.eq_ignore_ascii_case("connection") {
                self.closing = value.eq_ignore_ascii_case("close");
            }
        }
        if is_chunked {
            self.read_chunked(head_end, chunked).await?;
        } else {
            let length = length.unwrap_or(0);
            while self.buf.len() < head_end + length {
                self.fill().await?;
            }
            self.body = (head_end, head_end + length);
        }
        Ok(status)
    }

    /// Reads a chunked body; leaves it decoded at the front of the buffer's consumed part.
    async fn read_chunked(&mut self, mut at: usize, out: &mut Vec<u8>) -> Result<(), Error> {
        out.clear();
        loop {
            let line_end = loop {
                if let Some(i) = find(&self.buf[at..], b"\r\n") {
                    break at + i;
                }
                self.fill().await?;
            };
            let size_text = std::str::from_utf8(&self.buf[at..line_end]).unwrap_or("");
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| "bad chunk size")?;
            at = line_end + 2;
            while self.buf.len() < at + size + 2 {
                self.fill().await?;
            }
            out.extend_from_slice(&self.buf[at..at + size]);
            at += size + 2;
            if size == 0 {
                // Trailers are not expected; the final CRLF was consumed above.
                self.body = (at, at);
                return Ok(());
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Renders and sends one request on `conn`; returns the status.
async fn send(
    shared: &Shared,
    conn: &mut Conn,
    t: &RequestTemplate,
    c: usize,
    seq: u64,
    scratch: &mut Scratch,
) -> Result<u16, Error> {
    use std::io::Write as _;
    t.path.render(&mut scratch.path, c, seq, &shared.tag);
    let request = &mut scratch.request;
    request.clear();
    write!(
        request,
        "{} {} HTTP/1.1\r\n{}",
        t.method, scratch.path, shared.fixed_headers
    )?;
    match &t.body {
        Some(b) => {
            b.render(&mut scratch.body, c, seq, &shared.tag);
            write!(
                request,
                "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                scratch.body.len()
            )?;
            request.extend_from_slice(scratch.body.as_bytes());
        }
        None if t.method == "GET" || t.method == "DELETE" => request.extend_from_slice(b"\r\n"),
        None => request.extend_from_slice(b"Content-Length: 0\r\n\r\n"),
    }
    let status = conn
        .exchange(&scratch.request, &mut scratch.chunked)
        .await?;
    if conn.closing {
        *conn = Conn::open(shared.addr).await?;
    }
    Ok(status)
}

async fn connection(shared: Arc<Shared>, c: usize, mut conn: Conn) -> ConnStats {
    let mut stats = ConnStats {
        latencies_ns: Vec::with_capacity(64 * 1024),
        ..Default::default()
    };
    let mut scratch = Scratch::default();
    'passes: loop {
        let seq = shared.seq.fetch_add(1, Ordering::Relaxed);
        for t in &shared.steps {
            let started = Instant::now();
            if started >= shared.window_end || shared.stop.load(Ordering::Relaxed) {
                break 'passes;
            }
            let result = send(&shared, &mut conn, t, c, seq, &mut scratch).await;
            let finished = Instant::now();
            let in_window = started >= shared.window_start && finished <= shared.window_end;
            match result {
                Ok(status) => {
                    let ok = (200..300).contains(&status);
                    if in_window {
                        stats
                            .latencies_ns
                            .push((finished - started).as_nanos() as u64);
                        if shared.measured.fetch_add(1, Ordering::Relaxed) + 1
                            >= shared.max_requests
                        {
                            shared.stop.store(true, Ordering::Relaxed);
                        }
                        if !ok {
                            stats.non2xx += 1;
                        }
                    }
                    if !ok && stats.first_problem.is_none() {
                        stats.first_problem = Some(format!(
                            "{} {}: {status} {}",
                            t.method,
                            scratch.path,
                            snippet(conn.last_body())
                        ));
                    }
                }
                Err(e) => {
                    stats.errors += 1;
                    if stats.first_problem.is_none() {
                        stats.first_problem = Some(format!("{} {}: {e}", t.method, scratch.path));
                    }
                    // A broken connection: open a new one (bounded by the window).
                    loop {
                        if Instant::now() >= shared.window_end {
                            break 'passes;
                        }
                        match Conn::open(shared.addr).await {
                            Ok(fresh) => {
                                conn = fresh;
                                break;
                            }
                            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                        }
                    }
                    continue 'passes;
                }
            }
        }
    }
    stats
}

fn snippet(b: &[u8]) -> String {
    String::from_utf8_lossy(&b[..b.len().min(200)]).into_owned()
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
}

fn report(
    label: &str,
    mut stats: ConnStats,
    secs: f64,
    server_cpu: Option<f64>,
    client_cpu: Option<f64>,
) {
    stats.latencies_ns.sort_unstable();
    let n = stats.latencies_ns.len();
    let l = &stats.latencies_ns;
    // CPU microseconds per measured request; -1 when unknown.
    let per_request = |cpu: Option<f64>| match cpu {
        Some(c) if n > 0 => c * 1e6 / n as f64,
        _ => -1.0,
    };
    println!(
        "RESULT label={label} requests={n} rps={:.0} p50_us={:.0} p90_us={:.0} p99_us={:.0} max_us={:.0} non2xx={} errors={} setup_failures={} server_cpu_us={:.1} client_cpu_us={:.1}",
        n as f64 / secs,
        percentile(l, 50.0),
        percentile(l, 90.0),
        percentile(l, 99.0),
        percentile(l, 100.0),
        stats.non2xx,
        stats.errors,
        stats.setup_failures,
        per_request(server_cpu),
        per_request(client_cpu),
    );
}

/// User + system CPU seconds of a process, all threads, from `/proc/PID/stat` (fields 14
/// and 15, in USER_HZ = 100 ticks per second on Linux).
fn cpu_seconds(pid: u32) -> Option<f64> {
    proc_stat_cpu(&format!("/proc/{pid}/stat"))
}

fn cpu_seconds_self() -> Option<f64> {
    proc_stat_cpu("/proc/self/stat")
}

fn proc_stat_cpu(path: &str) -> Option<f64> {
    let text = std::fs::read_to_string(path).ok()?;
    // The command name (field 2) may hold spaces; count fields after its closing paren.
    let rest = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn is_loopback(ip: IpAddr) -> bool {
    ip.is_loopback()
}

// ---------------------------------------------------------------------------------------
// startup

fn startup(args: StartupArgs) -> Result<(), Error> {
    if args.runs == 0 || args.runs > 1000 {
        return Err("--runs must be 1..=1000".into());
    }
    let dir = std::env::temp_dir().join(format!("loadgen-startup-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let timeout = Duration::from_secs_f64(args.timeout);
    let mut times = Vec::with_capacity(args.runs);
    let mut failure = None;
    for run in 0..args.runs {
        let port_file = dir.join(format!("port-{run}"));
        match start_once(&args.command, &port_file, timeout) {
            Ok(t) => times.push(t),
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    if let Some(e) = failure {
        return Err(e);
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "STARTUP label={} runs={} median_ms={:.2} min_ms={:.2} max_ms={:.2}",
        args.label,
        times.len(),
        ms(times[(times.len() - 1) / 2]),
        ms(times[0]),
        ms(times[times.len() - 1]),
    );
    Ok(())
}

/// One start: spawn, wait for the port file, then for a 200 from the health check.
fn start_once(
    command: &[String],
    port_file: &PathBuf,
    timeout: Duration,
) -> Result<Duration, Error> {
    let pf = port_file.to_string_lossy();
    let argv: Vec<String> = command
        .iter()
        .map(|a| a.replace("{port_file}", &pf))
        .collect();
    let mut cmd = std::process::Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let t0 = Instant::now();
    let mut child = cmd.spawn()?;
    let result = wait_healthy(port_file, t0, timeout, &mut child);
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_file(port_file);
    result
}

fn wait_healthy(
    port_file: &PathBuf,
    t0: Instant,
    timeout: Duration,
    child: &mut std::process::Child,
) -> Result<Duration, Error> {
    use std::io::{Read, Write};
    let pause = Duration::from_micros(100);
    let port: u16 = loop {
        if t0.elapsed() > timeout {
            return Err("timed out waiting for the port file".into());
        }
        if let Some(status) = child.try_wait()? {
            return Err(format!("the server exited before listening: {status}").into());
        }
        if let Ok(text) = std::fs::read_to_string(port_file)
            && text.ends_with('\n')
            && let Ok(p) = text.trim().parse()
        {
            break p;
        }
        std::thread::sleep(pause);
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    loop {
        if t0.elapsed() > timeout {
            return Err("timed out waiting for a healthy answer".into());
        }
        if let Ok(mut stream) = std::net::TcpStream::connect(addr) {
            let _ = stream.set_nodelay(true);
            let request = format!(
                "GET /_emulator/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
            );
            let mut answer = Vec::new();
            if stream.write_all(request.as_bytes()).is_ok()
                && stream.read_to_end(&mut answer).is_ok()
                && answer.starts_with(b"HTTP/1.1 200")
            {
                return Ok(t0.elapsed());
            }
        }
        std::thread::sleep(pause);
    }
}
