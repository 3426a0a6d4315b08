//! Start an axum server on a given address (port 0 allowed) and get back the bound address and a shutdown handle.
//!
//! Every server in this crate (the app, the mock grid) starts through [`spawn`], so tests and the harness run them
//! in-process on `127.0.0.1:0` exactly as the binary does.

use axum::Router;
use std::net::SocketAddr;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

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
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot bind {addr}: {e} (pick another --addr)"),
        )
    })?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await
    });
    Ok(ServerHandle {
        addr,
        shutdown: Some(tx),
        task,
    })
}
