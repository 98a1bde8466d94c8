//! The reference server for `scripts/bench-load.sh` (issue 6): the HTTP stack alone.
//!
//! A bare axum server (the crate's own axum and tokio) that answers the emulator's routes,
//! on the same path patterns and methods, with one fixed JSON body the size of a real publish
//! response. No state, no validation, no middleware: whatever the emulator costs beyond this
//! server is the emulator's own work. Request bodies are read (and dropped) so that
//! keep-alive behaves as it does for the emulator.
//!
//! ```text
//! cargo run --release --example reference_server -- --port 0 --port-file /tmp/ref.port
//! ```
//!
//! Prints `reference_server listening on http://HOST:PORT` once bound, like the emulator's
//! `fgs-emulator listening on ...`, and writes the bare port and a newline to `--port-file`.
//!
//! When the emulator grows a route, add it to `router()` (one line) so benchmarks of it have
//! a reference.
//!
//! `--work-ns N` makes every answer first spin for N nanoseconds of pure CPU on the worker
//! thread (no allocation, no lock, no system call). It is a calibration, not a reference:
//! `scripts/bench/budget.sh` runs the server with several N against itself with none, which
//! converts a throughput ratio such as issue 14's 0.9x into the user-space time per request
//! that the ratio allows on this machine.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use clap::Parser;

/// A real `POST .../versions` (publish) response captured from the emulator
/// (2,091 bytes): every key of SPEC section 3.
const PUBLISH_BODY: &str = r##"{"func_urn":"urn:fss:cn-north-4:0123456789abcdef0123456789abcdef:function:default:bench-fn:v1","func_name":"bench-fn","domain_id":"0372a8619ebcbbcd91abcda1ba389ac3","user_domain":"fgs-emulator","namespace":"0123456789abcdef0123456789abcdef","project_name":"cn-north-4","package":"default","runtime":"Python3.9","timeout":30,"handler":"index.handler","memory_size":256,"cpu":400,"code_type":"inline","code_url":"","code_filename":"index.py","code_size":48,"user_data":"{\"GREETING\":\"hello\"}","encrypted_user_data":"","digest":"eaa1c34a11ad009424333d3209449fc9114fc16338fff4ae233f658be7f69e22c17b464572ddbffd75d5747dc881fa1d6fed4288649783dc4c0711d55236f9a1","version":"v1","image_name":"v1-261129042006@tbjww","xrole":"","app_xrole":"","dependency_pkg":"","description":"benchmark function","version_description":"first benchmark version","last_modified":"2026-11-29T04:20:06+08:00","func_code":{"file":"","link":""},"func_vpc":null,"mount_config":null,"depend_list":null,"strategy_config":{"concurrency":-1,"concurrent_num":0},"extend_config":"","dependencies":null,"initializer_handler":"","initializer_timeout":0,"pre_stop_handler":"","pre_stop_timeout":0,"enterprise_project_id":"0","long_time":false,"log_group_id":"","log_stream_id":"","type":"v2","enable_dynamic_memory":false,"function_async_config":null,"func_id":"1ee0c9be-19f4-be9d-098e-e15c1cea2a02","resource_id":"1ee0c9be-19f4-be9d-098e-e15c1cea2a02","gpu_memory":0,"gpu_type":"","domain_names":"","reserved_instance_count":0,"depend_version_list":null,"enable_cloud_debug":"","is_stateful_function":false,"custom_image":null,"is_bridge_function":false,"apig_route_enable":false,"heartbeat_handler":"","enable_class_isolation":false,"allow_ephemeral_storage":false,"ephemeral_storage":0,"network_controller":null,"is_return_stream":false,"enable_auth_in_header":false,"enable_lts_log":false,"lts_custom_tag":null,"user_data_encrypt_kms_key_id":"","code_encrypt_kms_key_id":"","peering_cidr":"","reserved_instance_idle_mode":false,"func_vpc_id":"","fail_count":0,"bind_bridge_funcUrns":null,"concurrency":-1,"concurrent_num":0}"##;

/// What `GET /_emulator/health` answers.
const HEALTH_BODY: &str = r#"{"status":"ok","version":"reference","uptime_seconds":0.0}"#;

/// The HTTP stack alone, answering the emulator's routes with a fixed body.
#[derive(Parser, Debug)]
struct Cli {
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to bind; 0 picks a free one.
    #[arg(long, default_value_t = 8081)]
    port: u16,
    /// Write the bound port and a newline to this file once listening.
    #[arg(long)]
    port_file: Option<PathBuf>,
    /// Spin this many nanoseconds of CPU before each answer (calibration; 0 = none).
    #[arg(long, default_value_t = 0)]
    work_ns: u64,
}

/// `--work-ns`, set once at start.
static WORK_NS: AtomicU64 = AtomicU64::new(0);

/// Busy-waits `--work-ns` on this thread: the stand-in for an emulator's own user-space
/// work per request, without the allocations or locks real work would add.
fn spin() {
    let ns = WORK_NS.load(Ordering::Relaxed);
    if ns == 0 {
        return;
    }
    let until = Instant::now() + Duration::from_nanos(ns);
    while Instant::now() < until {
        std::hint::spin_loop();
    }
}

fn fixed(body: &'static str) -> Response {
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

async fn answer() -> Response {
    spin();
    fixed(PUBLISH_BODY)
}

/// POST and PUT read the body, as the emulator does, then answer the fixed body.
async fn answer_with_body(_body: Bytes) -> Response {
    spin();
    fixed(PUBLISH_BODY)
}

async fn health() -> Response {
    fixed(HEALTH_BODY)
}

/// The emulator's FunctionGraph routes and its health check, same patterns and methods.
fn router() -> Router {
    Router::new()
        .route(
            "/v2/{project_id}/fgs/functions",
            post(answer_with_body).get(answer),
        )
        .route(
            "/v2/{project_id}/fgs/functions/{function_urn}/config",
            get(answer).put(answer_with_body),
        )
        .route(
            "/v2/{project_id}/fgs/functions/{function_urn}/code",
            get(answer).put(answer_with_body),
        )
        .route(
            "/v2/{project_id}/fgs/functions/{function_urn}/versions",
            post(answer_with_body).get(answer),
        )
        .route(
            "/v2/{project_id}/fgs/functions/{function_urn}/aliases",
            post(answer_with_body).get(answer),
        )
        .route("/_emulator/health", get(health))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let cli = Cli::parse();
    WORK_NS.store(cli.work_ns, Ordering::Relaxed);
    let listener = tokio::net::TcpListener::bind((cli.host.as_str(), cli.port)).await?;
    let addr = listener.local_addr()?;
    if let Some(path) = &cli.port_file {
        std::fs::write(path, format!("{}\n", addr.port()))?;
    }
    println!("reference_server listening on http://{addr}");
    axum::serve(listener, router())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
