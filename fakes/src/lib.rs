//! Fakes of the hosted figure services, each an axum app on 127.0.0.1 that implements the
//! documented endpoints, bodies, status codes and failure modes. One module per service.
//!
//! `serve(router)` starts a router on an ephemeral loopback port on its own runtime thread
//! and returns the base URL; dropping the returned `Running` stops the server.

pub mod autofigureedit;
pub mod banana;
pub mod fetch;
pub mod knobs;
pub mod paperbanana;
pub mod papermill;
pub mod support;
pub mod webhook;

use std::net::SocketAddr;

/// A fake server running on 127.0.0.1; stops when dropped.
pub struct Running {
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Serves `router` on `127.0.0.1:port` (0 = any free port) on a runtime of its own.
pub fn serve(router: axum::Router, port: u16) -> std::io::Result<Running> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new().name(format!("fake-{addr}")).spawn(move || {
        let rt =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("tokio runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
        });
    })?;
    Ok(Running { addr, shutdown: Some(tx), thread: Some(thread) })
}
