//! The whole application in one process, without sockets (issue 14): each request goes
//! through `app::dispatch` as the accept loop sends it (`app`: the fast lane, then the
//! router), through `app::router` alone as `tower::ServiceExt::oneshot` (`routed`: the edge
//! layer, routing, authentication, the handler, the journal; the path a request the lane
//! declines takes), and beside them through a bare axum router answering the same route
//! pattern with a fixed body of the same size (`bare`), as `examples/reference_server.rs`
//! does over the network.
//!
//! The load benchmark (`scripts/bench-load.sh`) measures what a client sees, but on this
//! 2-core machine the kernel's loopback work and the load generator share the CPU, so a
//! change worth 0.3 us is lost in its noise. Here the difference `app - bare` is the
//! emulator's own user-space cost per request, to a few tens of nanoseconds, and each step
//! of issue 14 can be checked before the load run confirms it. (In-process it is also
//! warm, single-threaded and without the kernel: on loopback the same work costs about
//! twice as much, see `docs/PERFORMANCE.md`, "Issue 14, eighth step".)
//!
//! Cases: `show_config` and `list_aliases` (cached reads), `update_config`, `publish`
//! (unique version names, cap lifted) and `update_code` (new code each time).
//!
//! It also prints, before the timings, the allocations each request makes on both sides
//! (`allocations per request: ...`): a request's futures and buffers, counted. With
//! `STACK_ALLOC_TRACE=update_config/app` (any case and server) it prints where each
//! allocation of one such request comes from instead of timing anything.
//!
//! `cargo bench --bench stack`

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Method, Request, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};
use fgs_emulator::app_state::AppState;
use fgs_emulator::clock::ControlledClock;
use fgs_emulator::config::Config;
use tower::ServiceExt as _;

mod support;

/// As the binary (src/main.rs): allocation is part of what a request costs. Counted while
/// `COUNTING` is on, so the bench can also report allocations per request; off while timed,
/// since each count is an atomic add (about 7 ns, and the app allocates 35-47 more times
/// per request than the bare router: 0.3 us of the difference was the counting).
#[global_allocator]
static GLOBAL: Counting = Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static COUNTING: AtomicBool = AtomicBool::new(false);

fn count() {
    if COUNTING.load(Ordering::Relaxed) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
    if TRACING.load(Ordering::Relaxed) {
        trace_caller();
    }
}

/// Whether each allocation prints its callers (`STACK_ALLOC_TRACE`, for one request).
static TRACING: AtomicBool = AtomicBool::new(false);

/// Prints the allocation's callers on one line: the backtrace's function names, without the
/// allocator's own frames. Capturing a backtrace allocates too; those allocations are not
/// traced (`INSIDE`).
fn trace_caller() {
    thread_local! {
        static INSIDE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    if INSIDE.replace(true) {
        return;
    }
    let trace = std::backtrace::Backtrace::force_capture().to_string();
    let callers: Vec<&str> = trace
        .lines()
        .map(str::trim)
        .filter(|line| !line.starts_with("at "))
        .map(|line| line.split_once(": ").map_or(line, |(_, name)| name))
        .filter(|name| {
            !["stack::", "std::backtrace", "alloc::alloc", "__rust"]
                .iter()
                .any(|skip| name.contains(skip))
        })
        .take(6)
        .collect();
    eprintln!("allocation: {}", callers.join(" <- "));
    INSIDE.set(false);
}

struct Counting;

// SAFETY: every call is passed on to mimalloc unchanged; the counter has no other effect.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's contract, passed on.
        unsafe { mimalloc::MiMalloc.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, size: usize) -> *mut u8 {
        count();
        // SAFETY: the caller's contract, passed on.
        unsafe { mimalloc::MiMalloc.realloc(ptr, layout, size) }
    }
}

const FNS: &str = "/v2/0123456789abcdef0123456789abcdef/fgs/functions";
const URN: &str =
    "urn:fss:cn-north-4:0123456789abcdef0123456789abcdef:function:default:bench:latest";

/// What the bare router answers: a body the size of a function object (2 KB).
static FIXED: &str = include_str!("support/function.json");

fn request(method: Method, path: &str, body: Option<String>) -> Request<Body> {
    let builder = Request::builder()
        .method(method)
        .uri(path)
        .header("x-auth-token", "bench")
        .header(header::HOST, "127.0.0.1");
    match body {
        Some(b) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::CONTENT_LENGTH, b.len())
            .body(Body::from(b)),
        None => builder.body(Body::empty()),
    }
    .unwrap()
}

/// A server under test: a router alone, or the emulator's whole dispatch (the fast lane,
/// then the router) as its accept loop calls it for every request.
enum Server {
    Router(Router),
    Dispatch(AppState, Router),
}

/// Sends one request and reads the whole answer, as hyper would.
async fn send(server: &Server, req: Request<Body>) -> Bytes {
    let response = match server {
        Server::Router(router) => router.clone().oneshot(req).await.unwrap(),
        Server::Dispatch(state, router) => fgs_emulator::app::dispatch(state, router, req).await,
    };
    assert!(response.status().is_success(), "{}", response.status());
    axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap()
}

fn app_state() -> AppState {
    let mut config = Config::default();
    config.limits.max_versions = usize::MAX;
    config.limits.max_functions = usize::MAX;
    config.behavior.reject_unchanged_publish = false;
    config.control.seed = Some(42);
    AppState::new(config, Arc::new(ControlledClock::system())).unwrap()
}

async fn fixed() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], FIXED).into_response()
}

async fn fixed_reading_body(_body: Bytes) -> Response {
    fixed().await
}

/// The bare stack: the same route patterns, a fixed answer, no middleware.
fn bare() -> Router {
    Router::new()
        .route(
            "/v2/{project_id}/fgs/functions/{function_urn}/config",
            get(fixed).put(fixed_reading_body),
        )
        .route(
            "/v2/{project_id}/fgs/functions/{function_urn}/code",
            get(fixed).put(fixed_reading_body),
        )
        .route(
            "/v2/{project_id}/fgs/functions/{function_urn}/versions",
            get(fixed).post(fixed_reading_body),
        )
        .route(
            "/v2/{project_id}/fgs/functions/{function_urn}/aliases",
            get(fixed).post(fixed_reading_body),
        )
}

fn stack(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // `app` and `routed` share one state: the same function, versions and alias.
    let state = app_state();
    let router = fgs_emulator::app::router(state.clone());
    let app = Server::Dispatch(state, router.clone());
    let routed = Server::Router(router);
    let bare = Server::Router(bare());
    rt.block_on(async {
        let create = support::create_body_json("bench");
        send(&app, request(Method::POST, FNS, Some(create))).await;
        let v1 = r#"{"version":"v1"}"#.to_owned();
        send(
            &app,
            request(Method::POST, &format!("{FNS}/{URN}/versions"), Some(v1)),
        )
        .await;
        let alias = r#"{"name":"live","version":"v1"}"#.to_owned();
        send(
            &app,
            request(Method::POST, &format!("{FNS}/{URN}/aliases"), Some(alias)),
        )
        .await;
    });
    let n = AtomicU64::new(0);
    type Make<'a> = Box<dyn Fn() -> Request<Body> + 'a>;
    let cases: Vec<(&str, Make<'_>)> = vec![
        (
            "show_config",
            Box::new(|| request(Method::GET, &format!("{FNS}/{URN}/config"), None)),
        ),
        (
            "list_aliases",
            Box::new(|| request(Method::GET, &format!("{FNS}/{URN}/aliases"), None)),
        ),
        (
            "update_config",
            Box::new(|| {
                let i = n.fetch_add(1, Ordering::Relaxed);
                let body = format!(
                    r#"{{"runtime":"Python3.9","handler":"index.handler","memory_size":256,"timeout":30,"description":"d{i}"}}"#
                );
                request(Method::PUT, &format!("{FNS}/{URN}/config"), Some(body))
            }),
        ),
        (
            "update_code",
            Box::new(|| {
                let i = n.fetch_add(1, Ordering::Relaxed);
                let body = format!(
                    r#"{{"code_type":"inline","code_filename":"index.py","func_code":{{"file":"ZGVmIGhhbmRsZXIoZXZlbnQsIGNvbnRleHQpOgogICAgcmV0dXJu{i:010}AA"}}}}"#
                );
                request(Method::PUT, &format!("{FNS}/{URN}/code"), Some(body))
            }),
        ),
        (
            "publish",
            Box::new(|| {
                let i = n.fetch_add(1, Ordering::Relaxed);
                let body = format!(r#"{{"version":"v{i:010}","description":"benchmark"}}"#);
                request(Method::POST, &format!("{FNS}/{URN}/versions"), Some(body))
            }),
        ),
    ];
    // Allocations (and reallocations) per request: the request is built before counting;
    // reading the answer is counted (the same on both sides). `STACK_ALLOC_TRACE=case/server`
    // (e.g. `update_config/app`) then prints where each allocation of one more such request
    // comes from, and stops.
    let traced = std::env::var("STACK_ALLOC_TRACE").ok();
    for (name, make) in &cases {
        for (server, router) in [("bare", &bare), ("routed", &routed), ("app", &app)] {
            let requests: Vec<_> = (0..1000).map(|_| make()).collect();
            COUNTING.store(true, Ordering::Relaxed);
            let before = ALLOCATIONS.load(Ordering::Relaxed);
            for req in requests {
                rt.block_on(send(router, req));
            }
            COUNTING.store(false, Ordering::Relaxed);
            let per = (ALLOCATIONS.load(Ordering::Relaxed) - before) as f64 / 1000.0;
            println!("allocations per request: stack/{name}/{server} {per:.1}");
            if traced.as_deref() == Some(&format!("{name}/{server}")) {
                let req = make();
                TRACING.store(true, Ordering::Relaxed);
                rt.block_on(send(router, req));
                TRACING.store(false, Ordering::Relaxed);
                return;
            }
        }
    }
    let mut group = c.benchmark_group("stack");
    for (name, make) in &cases {
        for (server, router) in [("bare", &bare), ("routed", &routed), ("app", &app)] {
            group.bench_function(format!("{name}/{server}"), |b| {
                // Batches of 1,000 requests, made before they are timed. Criterion's
                // `SmallInput` made batches of up to a few hundred thousand (hundreds of
                // MB of requests), freed back to the kernel between batches: the
                // emulator's own allocations then came from fresh pages, and zeroing
                // them was 13% of a write's profile, which a server reusing its freed
                // memory never pays (0.02% on loopback). The answer is dropped inside
                // the routine, as a server drops it once written.
                b.iter_batched(
                    make,
                    |req| rt.block_on(send(router, req)).len(),
                    criterion::BatchSize::NumIterations(1000),
                );
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = support::quick();
    targets = stack
}
criterion_main!(benches);
