//! The `fgs-emulator` binary: flags, env, config seeds, the listening line, signals.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::*;

const BIN: &str = env!("CARGO_BIN_EXE_fgs-emulator");

/// A child emulator, killed when dropped.
struct Running {
    child: Child,
    base: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command() -> Command {
    let mut cmd = Command::new(BIN);
    // A clean environment: no inherited FGS_EMULATOR_* or RUST_LOG surprises.
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Starts the binary and waits for its listening line.
fn start(cmd: Command) -> Running {
    start_or_exit(cmd)
        .unwrap_or_else(|(status, stderr)| panic!("exited ({status}) before listening: {stderr}"))
}

/// A scratch directory, removed with everything in it when dropped.
fn temp_dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("fgs-bin-{name}-"))
        .tempdir()
        .unwrap()
}

async fn get(url: &str, token: bool) -> (u16, serde_json::Value) {
    let client = reqwest::Client::new();
    let mut req = client.get(url);
    if token {
        req = req.header("X-Auth-Token", "t");
    }
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

fn wait_exit(child: &mut Child, within: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < within {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

#[tokio::test]
async fn port_zero_port_file_and_sigterm() {
    let dir = temp_dir("portfile");
    let port_file = dir.path().join("port");
    let mut cmd = command();
    cmd.args(["--port", "0", "--port-file"]).arg(&port_file);
    let mut running = start(cmd);
    let port: u16 = std::fs::read_to_string(&port_file)
        .unwrap()
        .strip_suffix('\n')
        .expect("port and a newline")
        .parse()
        .unwrap();
    assert_eq!(running.base, format!("http://127.0.0.1:{port}"));
    let (status, body) = get(&format!("{}/_emulator/health", running.base), false).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    let pid = running.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = wait_exit(&mut running.child, Duration::from_secs(10)).expect("exits on SIGTERM");
    assert!(status.success(), "graceful exit: {status:?}");
}

#[tokio::test]
async fn ctrl_c_stops_it_gracefully_too() {
    let mut cmd = command();
    cmd.args(["--port", "0"]);
    let mut running = start(cmd);
    let pid = running.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = wait_exit(&mut running.child, Duration::from_secs(10)).expect("exits on SIGINT");
    assert!(status.success(), "graceful exit: {status:?}");
}

/// Starts the binary; returns it once it prints its listening line, or, when it exits
/// before printing one, its exit status and stderr.
fn start_or_exit(mut cmd: Command) -> Result<Running, (std::process::ExitStatus, String)> {
    use std::io::Read;
    let mut child = cmd.spawn().expect("binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("a line");
    if line.is_empty() {
        // stdout closed without a line: the process is exiting.
        let status = wait_exit(&mut child, Duration::from_secs(10)).expect("exits");
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        return Err((status, stderr));
    }
    let base = line
        .trim()
        .strip_prefix("fgs-emulator listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    Ok(Running { child, base })
}

/// The README's first command serves on 127.0.0.1:8080. The README's test command must pass
/// while that emulator is still running in another terminal, so both outcomes prove the
/// default: 8080 free, the binary serves there, in memory; 8080 taken, the binary tries
/// exactly 127.0.0.1:8080 and says so, and that the address is in use.
#[tokio::test]
async fn no_arguments_serves_in_memory_on_127_0_0_1_8080() {
    let running = match start_or_exit(command()) {
        Ok(running) => running,
        Err((status, stderr)) => {
            assert!(!status.success(), "exited 0 without serving: {stderr}");
            assert!(
                stderr.contains("127.0.0.1:8080") && stderr.contains("already in use"),
                "8080 taken, but the message does not say so: {stderr}"
            );
            // And it is taken: something answers there.
            assert!(
                std::net::TcpStream::connect("127.0.0.1:8080").is_ok(),
                "the binary said 127.0.0.1:8080 is in use, but nothing listens there: {stderr}"
            );
            return;
        }
    };
    assert_eq!(running.base, "http://127.0.0.1:8080");
    let (status, _) = get(&format!("{}/_emulator/health", running.base), false).await;
    assert_eq!(status, 200);
    // In memory and empty: an unknown function is 404.
    let (status, body) = get(
        &format!("{}/v2/{PROJECT}/fgs/functions/hello/config", running.base),
        true,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["error_code"], "FSS.1051");
}

/// A port that is taken (here by the test itself, on a port the OS picked) stops the binary
/// with a non-zero exit and a message naming the address, saying it is in use and how to
/// pick another port; nothing on stdout, so a script waiting for the listening line sees EOF.
#[tokio::test]
async fn a_port_in_use_exits_non_zero_with_a_clear_message() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let mut cmd = command();
    cmd.args(["--port", &port.to_string()]);
    let Err((status, stderr)) = start_or_exit(cmd) else {
        panic!("served on a port that is taken");
    };
    assert_eq!(status.code(), Some(1), "{stderr}");
    let expected =
        format!("fgs-emulator: cannot listen on 127.0.0.1:{port}: the address is already in use");
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(stderr.contains("--port (0 picks a free one)"), "{stderr}");
    drop(taken);
}

#[tokio::test]
async fn config_seeds_functions_from_inline_text_and_files() {
    let dir = temp_dir("seeds");
    std::fs::write(dir.path().join("main.py"), "print('from a file')").unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        format!(
            r#"
[server]
port = 0

[[projects]]
id = "{PROJECT}"
region = "eu-de"

[[functions]]
func_name = "inline"
runtime = "Python3.9"
handler = "index.handler"
code = "print('inline')"

[[functions]]
func_name = "fromfile"
runtime = "Python3.9"
handler = "main.handler"
code_file = "main.py"
"#
        ),
    )
    .unwrap();
    let mut cmd = command();
    cmd.arg("--config").arg(dir.path().join("config.toml"));
    let running = start(cmd);
    let (status, body) = get(
        &format!("{}/v2/{PROJECT}/fgs/functions/inline/config", running.base),
        true,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["func_urn"],
        format!("urn:fss:eu-de:{PROJECT}:function:default:inline:latest")
    );
    assert_eq!(body["digest"], sha512_hex(b"print('inline')"));
    let (status, body) = get(
        &format!(
            "{}/v2/{PROJECT}/fgs/functions/fromfile/config",
            running.base
        ),
        true,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["digest"], sha512_hex(b"print('from a file')"));
}

#[tokio::test]
async fn env_overrides_the_file_and_flags_override_env() {
    let mut cmd = command();
    cmd.env("FGS_EMULATOR_SERVER_PORT", "1") // overridden by the flag below
        .env("FGS_EMULATOR_LIMITS_MAX_VERSIONS", "1")
        .args(["--port", "0"]);
    let running = start(cmd);
    assert_ne!(running.base, "http://127.0.0.1:1");
    let client = reqwest::Client::new();
    let fgs = format!("{}/v2/{PROJECT}/fgs", running.base);
    let r = client
        .post(format!("{fgs}/functions"))
        .header("X-Auth-Token", "t")
        .header("Content-Type", "application/json")
        .body(create_body("hello", "x").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let publish = |v: &'static str| {
        client
            .post(format!("{fgs}/functions/hello/versions"))
            .header("X-Auth-Token", "t")
            .header("Content-Type", "application/json")
            .body(format!("{{\"version\":\"{v}\"}}"))
            .send()
    };
    assert_eq!(publish("v1").await.unwrap().status(), 200);
    // Update the code so the next refusal is the cap, not "unchanged".
    let r = client
        .put(format!("{fgs}/functions/hello/code"))
        .header("X-Auth-Token", "t")
        .header("Content-Type", "application/json")
        .body(format!(
            "{{\"code_type\":\"inline\",\"func_code\":{{\"file\":\"{}\"}}}}",
            b64("y")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = publish("v2").await.unwrap();
    assert_eq!(r.status(), 403);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error_code"], "FSS.1042");
}

#[test]
fn a_bad_config_exits_2_and_names_the_key() {
    let dir = temp_dir("badconfig");
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[limits]\nmax_versions = \"ten\"\n").unwrap();
    let out = command().arg("--config").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("max_versions") && stderr.contains("bad.toml"),
        "{stderr}"
    );

    let out = command()
        .env("FGS_EMULATOR_LIMITS_MAX_VERSONS", "3")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("FGS_EMULATOR_LIMITS_MAX_VERSONS"),
        "{stderr}"
    );
}

/// A port nothing listens on right now (bound, then released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `fgs-emulator healthcheck ARGS` with extra env; (exit code, stdout, stderr).
fn healthcheck(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let mut cmd = command();
    cmd.arg("healthcheck").args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A one-connection HTTP server answering `response` verbatim: not an emulator.
fn fake_server(response: &'static str) -> (String, std::thread::JoinHandle<()>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut buf = [0u8; 4096];
        let _ = conn.read(&mut buf);
        let _ = conn.write_all(response.as_bytes());
    });
    (base, handle)
}

#[tokio::test]
async fn healthcheck_exits_0_only_when_an_emulator_answers() {
    let mut cmd = command();
    cmd.args(["--port", "0"]);
    let running = start(cmd);
    let (code, stdout, _) = healthcheck(&["--url", &running.base], &[]);
    assert_eq!(code, Some(0));
    assert!(
        stdout.starts_with(&format!("healthy: {}/_emulator/health", running.base)),
        "{stdout}"
    );
    let dead = format!("http://127.0.0.1:{}", free_port());
    let (code, _, stderr) = healthcheck(&["--url", &dead], &[]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("unhealthy") && stderr.contains(&dead),
        "{stderr}"
    );
}

#[test]
fn healthcheck_reads_the_status_and_the_json_body() {
    // A 200 that is not the emulator's health document is not healthy.
    let (base, server) = fake_server(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 21\r\n\r\n{\"status\":\"starting\"}",
    );
    let (code, _, stderr) = healthcheck(&["--url", &base], &[]);
    server.join().unwrap();
    assert_eq!(code, Some(1));
    assert!(stderr.contains("\"starting\""), "{stderr}");

    let (base, server) = fake_server(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy",
    );
    let (code, _, stderr) = healthcheck(&["--url", &base], &[]);
    server.join().unwrap();
    assert_eq!(code, Some(1));
    assert!(stderr.contains("503"), "{stderr}");

    // A real HTTP client: a chunked answer, split mid-document, is read whole.
    let (base, server) = fake_server(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n8\r\n{\"status\r\n7\r\n\":\"ok\"}\r\n0\r\n\r\n",
    );
    let (code, stdout, stderr) = healthcheck(&["--url", &base], &[]);
    server.join().unwrap();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.starts_with("healthy:"), "{stdout}");
}

#[tokio::test]
async fn healthcheck_finds_the_port_from_the_environment() {
    let port = free_port().to_string();
    let mut cmd = command();
    cmd.env("FGS_EMULATOR_PORT", &port);
    let _running = start(cmd);
    let (code, stdout, stderr) = healthcheck(&[], &[("FGS_EMULATOR_PORT", &port)]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains(&format!("127.0.0.1:{port}")), "{stdout}");
    // The [server] section's variable is the same setting.
    let (code, _, stderr) = healthcheck(&[], &[("FGS_EMULATOR_SERVER_PORT", &port)]);
    assert_eq!(code, Some(0), "{stderr}");
    // An explicit --url wins over the configuration.
    let dead = format!("http://127.0.0.1:{}", free_port());
    let (code, _, _) = healthcheck(&["--url", &dead], &[("FGS_EMULATOR_PORT", &port)]);
    assert_eq!(code, Some(1));
    // Nothing on the configured port: unhealthy, not a crash.
    let (code, _, stderr) = healthcheck(&[], &[("FGS_EMULATOR_PORT", &free_port().to_string())]);
    assert_eq!(code, Some(1), "{stderr}");
}

#[tokio::test]
async fn healthcheck_finds_the_port_from_the_config_file() {
    let port = free_port();
    let dir = temp_dir("healthcheck-config");
    // The server binds loopback; the health check reads a config whose host is the
    // wildcard, as in a container, and must ask through 127.0.0.1.
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        format!("[server]\nhost = \"0.0.0.0\"\nport = {port}\n"),
    )
    .unwrap();
    let mut cmd = command();
    cmd.arg("--config").arg(&path).args(["--host", "127.0.0.1"]);
    let running = start(cmd);
    assert_eq!(running.base, format!("http://127.0.0.1:{port}"));
    let config = path.to_str().unwrap();
    let (code, stdout, stderr) = healthcheck(&["--config", config], &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains(&format!("http://127.0.0.1:{port}/")),
        "{stdout}"
    );
    let (code, _, stderr) = healthcheck(&[], &[("FGS_EMULATOR_CONFIG", config)]);
    assert_eq!(code, Some(0), "{stderr}");

    // Port 0 in the configuration cannot be checked: say so, exit 2 like a bad config.
    let (code, _, stderr) = healthcheck(&["--port", "0"], &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--url"), "{stderr}");
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[server]\nport = \"x\"\n").unwrap();
    let (code, _, stderr) = healthcheck(&["--config", bad.to_str().unwrap()], &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("bad.toml"), "{stderr}");
}

#[tokio::test]
async fn the_example_config_starts() {
    let mut cmd = command();
    cmd.arg("--config")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml"))
        .args(["--port", "0"]);
    let running = start(cmd);
    let (status, body) = get(
        &format!("{}/v2/{PROJECT}/fgs/functions/hello/config", running.base),
        true,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user_data"], "{\"GREETING\":\"hello\"}");
}
