//! Start an axum server on a given address (port 0 allowed) and get back the bound address and a shutdown handle.
//!
//! Every server in this crate (the app, the mock grid) starts through [`spawn`], so tests and the harness run them
//! in-process on `127.0.0.1:0` exactly as the binary does.
//!
//! Connections are served by hyper's HTTP/1.1 server directly (not `axum::serve`, which sets no timer) so that a
//! client that opens a connection and never finishes its request head is closed after [`HEADER_READ_TIMEOUT`]
//! instead of holding a socket and a task for as long as it likes (issue #15). Keep-alive connections that are idle
//! between requests are governed by the same timer: the next request head must arrive within the timeout too.

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long a client has to send a complete request head (request line and headers) once it starts one.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A running server: its bound address and the means to stop it gracefully.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl ServerHandle {
    /// The address the server actually listens on (the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`, handy for clients.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections, lets in-flight requests finish, and waits for the server task.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match (&mut self.task).await {
            Ok(result) => result,
            Err(join) => Err(std::io::Error::other(format!("server task failed: {join}"))),
        }
    }
}

/// Binds `addr` and serves `router` on a background task until [`ServerHandle::shutdown`].
pub async fn spawn(addr: SocketAddr, router: Router) -> std::io::Result<ServerHandle> {
    spawn_with(addr, router, HEADER_READ_TIMEOUT).await
}

/// [`spawn`] with another header-read timeout (tests use a short one).
pub async fn spawn_with(
    addr: SocketAddr,
    router: Router,
    header_read_timeout: Duration,
) -> std::io::Result<ServerHandle> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot bind {addr}: {e} (pick another --addr)"),
        )
    })?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, router, header_read_timeout, rx));
    Ok(ServerHandle {
        addr,
        shutdown: Some(tx),
        task,
    })
}

/// Accepts until `stop` fires, then waits for in-flight requests (graceful shutdown).
async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    header_read_timeout: Duration,
    stop: oneshot::Receiver<()>,
) -> std::io::Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let mut stop = std::pin::pin!(stop);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors or a connection reset before accept: back off, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        let conn = builder.serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
