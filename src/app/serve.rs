//! The accept loop: our own rather than `axum::serve`, to bound how long a client may take
//! to send its headers.

use std::future::Future;

use tokio::net::TcpListener;

use super::head_timeout::{HeadClock, Watched, stalled};
use crate::app_state::AppState;

/// Serves `state` on `listener` until `shutdown` completes, then stops accepting, lets
/// in-flight requests finish (for up to 10 seconds) and returns.
///
/// The accept loop is ours rather than `axum::serve` because `axum::serve` cannot bound
/// how long a client may take to send its headers: here a connection whose headers do not
/// arrive within `server.header_timeout_seconds` is closed (see `head_timeout`), so
/// stalled (slowloris) connections are dropped instead of held forever. Each connection is
/// its own task, watched by a second one that sleeps until its deadline, so a stalled
/// connection never delays another.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::TokioIo;

    let header_timeout =
        std::time::Duration::from_secs(state.config().server.header_timeout_seconds);
    let router = super::router(state.clone());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    // hyper's own header timeout off (it needs a timer per request head): ours is per
    // connection (see `head_timeout`).
    http.header_read_timeout(None).keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let clock = HeadClock::new();
                let service = Watched { app: state.clone(), router: router.clone(), clock: clock.clone() };
                let connection = http.serve_connection(TokioIo::new(stream), service);
                let connection = graceful.watch(connection);
                let answering = tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                });
                // The watchdog is a task of its own, beside the connection's, rather than a
                // second branch of the connection's task: that task wakes for every request,
                // and would poll the watchdog's timer each time (about 0.8% of a write's
                // server time on loopback: docs/PERFORMANCE.md, "Issue 14, seventeenth
                // step"). This one wakes when the timer is due or the connection has ended.
                let close = answering.abort_handle();
                tokio::spawn(async move {
                    tokio::select! {
                        _ = answering => {}
                        () = stalled(clock, header_timeout) => {
                            close.abort();
                            tracing::debug!("closed a connection whose headers did not arrive in time");
                        }
                    }
                });
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(std::time::Duration::from_secs(10), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after 10 s; stopping anyway");
    }
    Ok(())
}
