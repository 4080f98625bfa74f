//! A faithful offline simulation of a Digistore24 vendor account that speaks the real
//! Digistore24 wire protocol over HTTP.
//!
//! Users run it as `ds24-mcp sandbox` (or behind `serve --sandbox`) to try the MCP server
//! without a real account; every test uses it as the upstream. It implements the API on its own
//! side of the wire (it does not share the server's catalog), keeps its account in SQLite so
//! changes survive restarts, and starts from a deterministic demo account whose timestamps are
//! relative to the first start.
//!
//! Layout (moto's split), from the socket inwards: [`wire`] is the HTTP layer; `params`
//! decodes PHP-bracket/JSON/positional parameters (bounded; [`parse_params`] is its pure
//! entry point); `handlers` holds one registry and one module per catalog toolset, each
//! handler parsing parameters (with `request`'s shared rules), calling `backend` (billing,
//! refunds, rebilling, ledger) and rendering; `documents` are the typed objects of the
//! account with their wire rendering; `store` keeps them in memory and SQLite; `seed` builds
//! the demo account through the backend; `ids`, `money`, `time`, `labels` and `reference`
//! are the leaves everything else uses. `approval` is Digistore24's approval page for
//! `requestApiKey` (the one page a browser sees), served by the wire layer.

#![recursion_limit = "256"]

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::net::SocketAddr;

mod approval;
mod backend;
pub mod config;
mod documents;
mod error;
mod handlers;
mod ids;
mod labels;
mod money;
mod params;
mod reference;
mod request;
mod seed;
mod store;
mod time;
pub mod wire;

pub use config::{ErrorStatus, KeyPermission, KeySpec, SandboxArgs, SandboxOptions, StateLocation};
pub use error::{ApiError, ErrorKind, Lang, SandboxError};
pub use params::{MAX_DEPTH, MAX_PARAMS, Params, View, parse_params};
pub use wire::{SandboxState, router};

/// The names of all API functions the sandbox implements (sorted).
pub fn function_names() -> impl Iterator<Item = &'static str> {
    handlers::names()
}

/// Every function's positional parameter list (its registry entry's `args`, which is also
/// every top-level parameter its handler may read) and the undocumented names it accepts
/// besides, sorted by function name. For cross-checks against the catalog.
pub fn function_params() -> impl Iterator<
    Item = (
        &'static str,
        &'static [&'static str],
        &'static [&'static str],
    ),
> {
    handlers::FUNCTIONS.iter().map(|f| (f.name, f.args, f.also))
}

static OBSERVED: std::sync::Mutex<BTreeMap<&'static str, BTreeSet<String>>> =
    std::sync::Mutex::new(BTreeMap::new());

/// Remembers which top-level parameters a handler read (debug builds).
fn observe_reads(function: &'static str, reads: &BTreeSet<String>) {
    let mut seen = OBSERVED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    seen.entry(function)
        .or_default()
        .extend(reads.iter().cloned());
}

/// The top-level parameters each handler has read so far in this process (debug builds only;
/// empty in release builds, which do not record). Tests call every function and compare this
/// with the catalog.
pub fn observed_reads() -> BTreeMap<&'static str, BTreeSet<String>> {
    OBSERVED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

/// A sandbox serving in a background task.
#[derive(Debug)]
pub struct RunningSandbox {
    addr: SocketAddr,
    keys: Vec<KeySpec>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningSandbox {
    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API base URL, e.g. `http://127.0.0.1:8788/api/call`.
    pub fn api_url(&self) -> String {
        format!("http://{}/api/call", self.addr)
    }

    /// The accepted API keys (to print them at startup).
    pub fn keys(&self) -> &[KeySpec] {
        &self.keys
    }

    /// Stops accepting connections, lets running requests finish, and waits for the task.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match (&mut self.task).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "sandbox server stopped with an error"),
            Err(e) => tracing::warn!(error = %e, "sandbox server task failed"),
        }
    }
}

async fn open_state(opts: SandboxOptions) -> Result<SandboxState, SandboxError> {
    tokio::task::spawn_blocking(move || SandboxState::open(opts))
        .await
        .map_err(|e| SandboxError::Config(format!("opening the state failed: {e}")))?
}

/// Starts the simulator on `listen` in a background tokio task. Dropping the handle stops it
/// as well; [`RunningSandbox::shutdown`] waits for in-flight requests.
pub async fn start(
    opts: SandboxOptions,
    listen: SocketAddr,
) -> Result<RunningSandbox, SandboxError> {
    let state = open_state(opts).await?;
    let keys = state.keys().to_vec();
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = router(state);
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    tracing::info!(%addr, "sandbox listening");
    Ok(RunningSandbox {
        addr,
        keys,
        stop: Some(stop),
        task,
    })
}

/// Runs the simulator in the foreground until `shutdown` resolves (for `ds24-mcp sandbox`).
pub async fn run(
    opts: SandboxOptions,
    listen: SocketAddr,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), SandboxError> {
    let state = open_state(opts).await?;
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "sandbox listening");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}
