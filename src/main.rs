//! The `fgs-emulator` binary: parse the command line, load config, start tracing, serve.
//! Everything else lives in the library.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use fgs_emulator::app;
use fgs_emulator::app_state::AppState;
use fgs_emulator::clock::ControlledClock;
use fgs_emulator::config::Config;
use fgs_emulator::healthcheck;

/// mimalloc instead of glibc's malloc: the profile (docs/PERFORMANCE.md) showed about an
/// eighth of the CPU in malloc/free (including `malloc_consolidate` on the freed response
/// buffers); mimalloc's thread-local free lists make those nearly free.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Transparent huge pages off for this process (and the runtimes it starts), first thing.
///
/// mimalloc asks the kernel for 2 MB pages for its arenas (`MADV_HUGEPAGE`). Then each page
/// fault of a growing store zeroes 2 MB, and mimalloc's purge of ranges idle for a second
/// makes it fault them in again; a 2 MB fault is also where the kernel may hand the core to
/// another thread mid-request. Measured on loopback (docs/PERFORMANCE.md, issue 14, seventh
/// step): create-code-publish's p99 3.3-3.9 ms -> 0.8-0.9 ms; memory at 10,000 x 10
/// versions 147-149 -> 134.5 MB; reads, updates and publish unchanged or better; listing
/// past 10,000 functions about 8% slower (its walk misses the TLB on 4 KB pages). The
/// library leaves this alone: an embedding process's memory is its own business.
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(PR_SET_THP_DISABLE) takes integers only and touches none of our memory.
    // If it fails (an old kernel), huge pages stay as they were, which is only slower.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// A local emulator of Huawei Cloud FunctionGraph's function-version API.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    /// TOML config file (every key: config.example.toml).
    #[arg(long, env = "FGS_EMULATOR_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Address to bind (default 127.0.0.1).
    #[arg(long, env = "FGS_EMULATOR_HOST", global = true)]
    host: Option<String>,
    /// Port to bind; 0 picks a free one (default 8080).
    #[arg(long, env = "FGS_EMULATOR_PORT", global = true)]
    port: Option<u16>,
    /// Write the bound port and a newline to this file once listening.
    #[arg(long, env = "FGS_EMULATOR_PORT_FILE")]
    port_file: Option<PathBuf>,
    /// Keep state in this file across restarts.
    #[arg(long, env = "FGS_EMULATOR_STATE_FILE")]
    state_file: Option<PathBuf>,
    /// Log format on stderr.
    #[arg(long, env = "FGS_EMULATOR_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Exit 0 if the emulator answers healthy (for container health checks). Without
    /// --url, asks where the server would listen with the same configuration (--config,
    /// FGS_EMULATOR_* variables, --host/--port), through loopback for 0.0.0.0 and ::.
    Healthcheck {
        /// Base URL of the emulator; wins over the configuration.
        #[arg(long)]
        url: Option<String>,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum LogFormat {
    Pretty,
    Json,
}

fn main() -> ExitCode {
    no_transparent_huge_pages();
    let cli = Cli::parse();
    init_tracing(cli.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("fgs-emulator: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let config = load_config(&cli);
    if let Some(Command::Healthcheck { url }) = &cli.command {
        // An explicit --url needs no configuration, so a bad one does not stop the check.
        let base = match (url, config) {
            (Some(url), _) => Ok(url.clone()),
            (None, Ok(config)) => healthcheck::base_url(&config.server).map_err(Into::into),
            (None, Err(e)) => Err(e),
        };
        return match base {
            Ok(base) => runtime.block_on(run_healthcheck(&base)),
            Err(e) => {
                eprintln!("fgs-emulator healthcheck: {e}");
                ExitCode::from(2)
            }
        };
    }
    let config = match config {
        Ok(c) => c,
        Err(e) => {
            eprintln!("fgs-emulator: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(config, cli.port_file)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fgs-emulator: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only on a terminal: a CI log or a file gets plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Pretty => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Defaults < file < `FGS_EMULATOR_*` env < flags.
fn load_config(cli: &Cli) -> Result<Config, Box<dyn std::error::Error>> {
    let mut config = Config::load(cli.config.as_deref(), std::env::vars())?;
    if let Some(host) = &cli.host {
        config.server.host = host.clone();
    }
    if let Some(port) = cli.port {
        config.server.port = port;
    }
    if let Some(file) = &cli.state_file {
        config.state.file = Some(file.clone());
    }
    config.validate()?;
    Ok(config)
}

async fn run(config: Config, port_file: Option<PathBuf>) -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind((config.server.host.as_str(), config.server.port))
        .await
        .map_err(|e| bind_error(&config.server.host, config.server.port, &e))?;
    let addr = listener.local_addr()?;
    let state = AppState::new(config, Arc::new(ControlledClock::system()))?;
    let shutdown = shutdown_signal()?;
    if let Some(path) = port_file {
        std::fs::write(&path, format!("{}\n", addr.port()))
            .map_err(|e| format!("cannot write port file {}: {e}", path.display()))?;
    }
    // The one line on stdout that scripts wait for.
    println!("fgs-emulator listening on http://{addr}");
    tracing::info!(%addr, "serving");
    app::serve(listener, state, shutdown).await?;
    tracing::info!("stopped");
    Ok(())
}

/// The message for a failed bind. "Address in use" is what a newcomer meets first (an
/// emulator from `cargo run` still running in another terminal), so it names the address,
/// says plainly that it is in use and how to get a free port; other errors keep the OS's
/// words.
fn bind_error(host: &str, port: u16, e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::AddrInUse {
        format!(
            "cannot listen on {host}:{port}: the address is already in use (another \
             fgs-emulator, or another program, is listening there); stop it, or choose \
             another port with --port (0 picks a free one)"
        )
    } else {
        format!("cannot listen on {host}:{port}: {e}")
    }
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM. The handlers are installed when this is
/// called, before the listening line is printed, so a signal sent the moment a script sees
/// that line still stops the emulator gracefully instead of killing it.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {},
                _ = int.recv() => {},
            }
            tracing::info!("shutdown signal received; finishing in-flight requests");
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutdown signal received; finishing in-flight requests");
        })
    }
}

/// Asks `base`/_emulator/health; exit 0 only on a 200 with status ok. The one line printed
/// either way ends up in `docker inspect`'s health log.
async fn run_healthcheck(base: &str) -> ExitCode {
    match healthcheck::check(base).await {
        Ok(h) => {
            println!(
                "healthy: {} (fgs-emulator {}, up {:.0}s)",
                h.url, h.version, h.uptime_seconds
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("fgs-emulator healthcheck: unhealthy: {e}");
            ExitCode::FAILURE
        }
    }
}
