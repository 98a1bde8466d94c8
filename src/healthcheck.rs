//! `fgs-emulator healthcheck`: the client side of `GET /_emulator/health`, for container
//! `HEALTHCHECK`s, compose `healthcheck:` blocks and CI readiness loops.
//!
//! Where to ask is derived from the same [`Config`](crate::config::Config) the server loads (file, `FGS_EMULATOR_*`
//! variables, flags), so a container started with `-e FGS_EMULATOR_PORT=9000` is checked on
//! 9000 without repeating the port in the health check. A server bound to every interface
//! (`0.0.0.0`, `::`) is asked through the loopback address of the same family: the check
//! runs next to the server, and a wildcard address is not something one can connect to.
//!
//! The request goes through hyper's client rather than a hand-written HTTP/1.1 exchange, so
//! chunked bodies, keep-alive headers and the like are handled as any client would; the
//! answer counts as healthy only if it is a 200 whose JSON body says `"status":"ok"`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper::Uri;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::config::ServerConfig;

/// How long the whole check (connect, request, body) may take. Docker's default health
/// check timeout is 30 s; an emulator that needs more than this to answer a constant
/// document is not healthy.
pub const TIMEOUT: Duration = Duration::from_secs(3);

/// The health document is about 80 bytes; anything far bigger is not our emulator.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// What a healthy emulator said.
#[derive(Debug, Clone, PartialEq)]
pub struct Healthy {
    /// The health URL that answered.
    pub url: String,
    /// The emulator's version (`version` in the document).
    pub version: String,
    /// Seconds since it started (`uptime_seconds`).
    pub uptime_seconds: f64,
}

/// The base URL (`http://host:port`, no trailing slash) of a server configured with
/// `server`, as seen from the same machine.
///
/// Fails for port 0: the server picks its port at start-up, so only it (through its
/// listening line or `--port-file`) knows it; the caller must pass `--url`.
pub fn base_url(server: &ServerConfig) -> Result<String, String> {
    if server.port == 0 {
        return Err(
            "server.port is 0 (a free port picked at start-up): pass the emulator's --url".into(),
        );
    }
    let host = match server.host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) if ip.is_unspecified() => Ipv4Addr::LOCALHOST.to_string(),
        Ok(IpAddr::V6(ip)) if ip.is_unspecified() => format!("[{}]", Ipv6Addr::LOCALHOST),
        Ok(IpAddr::V6(ip)) => format!("[{ip}]"),
        Ok(IpAddr::V4(ip)) => ip.to_string(),
        // A name such as `localhost`: connect to it as the server bound it.
        Err(_) => server.host.clone(),
    };
    Ok(format!("http://{host}:{}", server.port))
}

/// The health URL under `base` (which may carry a path prefix, for an emulator behind a
/// reverse proxy).
pub fn health_url(base: &str) -> Result<Uri, String> {
    let url = format!("{}/_emulator/health", base.trim_end_matches('/'));
    let uri: Uri = url
        .parse()
        .map_err(|e| format!("not a URL: {base:?}: {e}"))?;
    if uri.scheme_str() != Some("http") {
        return Err(format!(
            "only http:// URLs are supported (the emulator serves plain HTTP): {base:?}"
        ));
    }
    if uri.authority().is_none() {
        return Err(format!("no host in {base:?}"));
    }
    Ok(uri)
}

/// Asks `base`/_emulator/health; healthy only on a 200 whose JSON body has
/// `"status":"ok"`. The error says what was wrong, for the container's health log.
pub async fn check(base: &str) -> Result<Healthy, String> {
    let uri = health_url(base)?;
    let url = uri.to_string();
    match tokio::time::timeout(TIMEOUT, ask(uri)).await {
        Ok(result) => result.map(|(version, uptime_seconds)| Healthy {
            url,
            version,
            uptime_seconds,
        }),
        Err(_) => Err(format!("{url}: no answer within {}s", TIMEOUT.as_secs())),
    }
}

async fn ask(uri: Uri) -> Result<(String, f64), String> {
    let url = uri.to_string();
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let request = hyper::Request::get(uri)
        .header(hyper::header::ACCEPT, "application/json")
        .body(Empty::new())
        .map_err(|e| format!("{url}: {e}"))?;
    let response = client.request(request).await.map_err(|e| {
        // The legacy client's Display is just "client error (Connect)"; the source says why.
        let cause = std::error::Error::source(&e)
            .map(|s| format!(": {s}"))
            .unwrap_or_default();
        format!("{url}: {e}{cause}")
    })?;
    let status = response.status();
    let body = Limited::new(response.into_body(), MAX_BODY_BYTES)
        .collect()
        .await
        .map_err(|e| format!("{url}: reading the answer: {e}"))?
        .to_bytes();
    if status != hyper::StatusCode::OK {
        return Err(format!(
            "{url}: HTTP {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        ));
    }
    let doc: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| format!("{url}: the answer is not JSON ({e})"))?;
    if doc["status"] != "ok" {
        return Err(format!("{url}: status is {}, not \"ok\"", doc["status"]));
    }
    let version = doc["version"].as_str().unwrap_or("unknown").to_owned();
    let uptime = doc["uptime_seconds"].as_f64().unwrap_or(0.0);
    Ok((version, uptime))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(host: &str, port: u16) -> ServerConfig {
        ServerConfig {
            host: host.into(),
            port,
            ..ServerConfig::default()
        }
    }

    #[test]
    fn wildcard_hosts_are_checked_through_loopback() {
        assert_eq!(
            base_url(&server("0.0.0.0", 9000)).unwrap(),
            "http://127.0.0.1:9000"
        );
        assert_eq!(base_url(&server("::", 9000)).unwrap(), "http://[::1]:9000");
        assert_eq!(
            base_url(&server("127.0.0.1", 8080)).unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(base_url(&server("::1", 8080)).unwrap(), "http://[::1]:8080");
        assert_eq!(
            base_url(&server("localhost", 1)).unwrap(),
            "http://localhost:1"
        );
    }

    #[test]
    fn port_zero_cannot_be_checked_from_config() {
        assert!(
            base_url(&server("127.0.0.1", 0))
                .unwrap_err()
                .contains("--url")
        );
    }

    #[test]
    fn health_url_keeps_a_path_prefix_and_refuses_https() {
        assert_eq!(
            health_url("http://127.0.0.1:8080/").unwrap().to_string(),
            "http://127.0.0.1:8080/_emulator/health"
        );
        assert_eq!(
            health_url("http://proxy:80/fgs").unwrap().to_string(),
            "http://proxy:80/fgs/_emulator/health"
        );
        assert!(health_url("https://127.0.0.1:8080").is_err());
        assert!(health_url("127.0.0.1:8080").is_err());
        assert!(health_url("http://").is_err());
    }
}
