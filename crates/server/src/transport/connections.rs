//! Connections: how many the HTTP door holds, and how long each may keep it waiting.
//!
//! A public endpoint meets clients that open a connection and send nothing, send a request
//! head a byte at a time, or keep an idle connection forever. Each of those holds a socket,
//! a task and some memory, so each is bounded here, below the application: at most
//! `--max-connections` at once, a request head must arrive within `--header-read-timeout` of the connection
//! opening or of its first byte, and a connection idle between requests closes after
//! `--keep-alive-timeout`. A request body must arrive within `--body-read-timeout` (the MCP
//! front door answers 408 at that point; every other route, the OAuth forms say, gets a read
//! error a moment later), and the upstream call has its own limits.
//!
//! At the cap, a new connection is not simply made to wait: connections that hold a slot
//! without using it (idle between requests, or stalled more than a second on a request head)
//! are closed to make room, the longest-waiting first. Otherwise one client could keep every
//! slot with a trickle of keep-alive requests and lock everyone else out. A connection with a
//! request in flight is never closed for room; a new one waits for it to finish.
//!
//! Shutdown stops accepting, lets every request in flight finish, closes idle connections at
//! once and returns when the last connection is gone.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt as _;

/// Bounds on connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections held at once; more wait until one closes.
    pub max_connections: u32,
    /// Time for a complete request head, from the connection opening or the head's first byte.
    pub header_read_timeout: Duration,
    /// Time a connection may sit idle between requests.
    pub keep_alive_timeout: Duration,
    /// Time for a request body, from its head.
    pub body_read_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            header_read_timeout: Duration::from_secs(10),
            keep_alive_timeout: Duration::from_secs(60),
            body_read_timeout: Duration::from_secs(10),
        }
    }
}

/// How much longer than `body_read_timeout` a body may take before the connection-level
/// deadline cuts it off: the MCP front door's own 408 comes first.
const BODY_GRACE: Duration = Duration::from_secs(1);

/// How often the "connection limit reached" warning may repeat.
const WARN_EVERY: Duration = Duration::from_secs(60);

/// A request head this long in coming, at the cap, gives its slot to a new connection: a
/// client's head arrives in one go, a slow trickle is what holds slots.
const STALLED_HEAD: Duration = Duration::from_secs(1);

/// The most a connection buffers while reading: a request head larger than this is refused.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// How often a new connection waiting at the cap looks again for a slot to free.
const ROOM_CHECK: Duration = Duration::from_millis(100);

/// Serves `app` on `listener` within `limits` until `shutdown` resolves; requests in flight
/// finish first.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let max = limits.max_connections.max(1);
    let slots = Arc::new(Semaphore::new(max as usize));
    let stop = CancellationToken::new();
    let mut http1 = hyper::server::conn::http1::Builder::new();
    // A client that half-closes after sending its request still gets the answer (or the
    // 400 for a body cut short).
    http1.keep_alive(true).half_close(true);
    // A request head (request line and headers) fits in well under 64 KiB, so that is what each
    // connection may buffer: hyper's default (about 400 KiB) times every connection was a
    // few hundred MiB that anonymous clients could make the server hold.
    http1.max_buf_size(MAX_HEAD_BYTES);
    let http1 = Arc::new(http1);
    let registry = Arc::new(Registry::default());
    let mut last_warning: Option<Instant> = None;
    tokio::pin!(shutdown);
    'accept: loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors or a connection reset before accept: keep
                    // serving, but do not spin on a persistent error.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let permit = match slots.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                if last_warning.is_none_or(|at| at.elapsed() >= WARN_EVERY) {
                    tracing::warn!(
                        max_connections = max,
                        "connection limit reached: idle and stalled connections are closed to make room, otherwise new connections wait (--max-connections)"
                    );
                    last_warning = Some(Instant::now());
                }
                // One new connection waits here (the rest in the kernel's backlog) while
                // connections that hold a slot without using it are asked to give it up.
                loop {
                    registry.make_room(Instant::now());
                    tokio::select! {
                        permit = slots.clone().acquire_owned() => match permit {
                            Ok(permit) => break permit,
                            Err(_) => break 'accept,
                        },
                        () = tokio::time::sleep(ROOM_CHECK) => {}
                        () = &mut shutdown => break 'accept,
                    }
                }
            }
        };
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        let conn = Connection {
            app: app.clone(),
            http1: http1.clone(),
            limits,
            stop: stop.child_token(),
            registry: registry.clone(),
        };
        tokio::spawn(async move {
            conn.run(tcp, peer).await;
            drop(permit);
        });
    }
    drop(listener);
    stop.cancel();
    // Every connection holds a slot until it is gone.
    let _all = slots.acquire_many(max).await;
    Ok(())
}

/// Where a connection is between requests, for its timeouts.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Waiting for (the rest of) a request head since then.
    AwaitingHead(Instant),
    /// Handling this many requests.
    Busy(usize),
    /// Idle since then, after answering.
    Idle(Instant),
}

/// The phase, shared by the socket (which sees bytes arrive) and the service (which sees
/// requests start and end).
#[derive(Debug, Clone)]
struct Tracker(Arc<Mutex<Phase>>);

impl Tracker {
    fn with<T>(&self, f: impl FnOnce(&mut Phase) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Bytes arrived: an idle connection starts a new request head.
    fn bytes_arrived(&self) {
        self.with(|p| {
            if let Phase::Idle(_) = p {
                *p = Phase::AwaitingHead(Instant::now());
            }
        });
    }

    /// A request head was read; the request is being handled until the guard drops.
    fn request(&self) -> Handling {
        self.with(|p| {
            *p = match *p {
                Phase::Busy(n) => Phase::Busy(n + 1),
                _ => Phase::Busy(1),
            }
        });
        Handling(self.clone())
    }

    /// When the connection's current phase runs out, and what that means.
    fn deadline(&self, limits: &ConnectionLimits) -> Option<(Instant, Expiry)> {
        self.with(|p| match *p {
            Phase::AwaitingHead(since) => Some((since + limits.header_read_timeout, Expiry::Head)),
            Phase::Idle(since) => Some((since + limits.keep_alive_timeout, Expiry::Idle)),
            Phase::Busy(_) => None,
        })
    }
}

impl Tracker {
    /// Since when the connection has held its slot without using it, if it has: idle between
    /// requests, or waiting for a head for at least [`STALLED_HEAD`].
    fn unused_since(&self, now: Instant) -> Option<Instant> {
        self.with(|p| match *p {
            Phase::Idle(since) => Some(since),
            Phase::AwaitingHead(since) if now.saturating_duration_since(since) >= STALLED_HEAD => {
                Some(since)
            }
            Phase::AwaitingHead(_) | Phase::Busy(_) => None,
        })
    }
}

/// The open connections, so that one holding its slot unused can be asked to give it up.
#[derive(Default)]
struct Registry {
    next: AtomicU64,
    open: Mutex<HashMap<u64, Registered>>,
}

/// What the registry knows of a connection.
struct Registered {
    tracker: Tracker,
    /// Asks the connection to close if it is still unused.
    close: Arc<Notify>,
    /// Already asked; not chosen again until it declines.
    asked: Arc<AtomicBool>,
}

impl Registry {
    fn add(self: &Arc<Self>, tracker: Tracker) -> Membership {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let close = Arc::new(Notify::new());
        let asked = Arc::new(AtomicBool::new(false));
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                id,
                Registered {
                    tracker,
                    close: close.clone(),
                    asked: asked.clone(),
                },
            );
        Membership {
            registry: self.clone(),
            id,
            close,
            asked,
        }
    }

    /// Asks the connection that has held its slot unused the longest to close. False when
    /// every connection is in use.
    fn make_room(&self, now: Instant) -> bool {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let longest = open
            .values()
            .filter(|c| !c.asked.load(Ordering::Relaxed))
            .filter_map(|c| c.tracker.unused_since(now).map(|since| (since, c)))
            .min_by_key(|(since, _)| *since);
        match longest {
            Some((_, c)) => {
                c.asked.store(true, Ordering::Relaxed);
                c.close.notify_one();
                true
            }
            None => false,
        }
    }
}

/// A connection's place in the registry, given up when the connection ends.
struct Membership {
    registry: Arc<Registry>,
    id: u64,
    close: Arc<Notify>,
    asked: Arc<AtomicBool>,
}

impl Drop for Membership {
    fn drop(&mut self) {
        self.registry
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.id);
    }
}

/// A request being handled.
struct Handling(Tracker);

impl Drop for Handling {
    fn drop(&mut self) {
        self.0.with(|p| {
            *p = match *p {
                Phase::Busy(n) if n > 1 => Phase::Busy(n - 1),
                _ => Phase::Idle(Instant::now()),
            }
        });
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expiry {
    Head,
    Idle,
}

/// One accepted connection and what it needs.
struct Connection {
    app: Router,
    http1: Arc<hyper::server::conn::http1::Builder>,
    limits: ConnectionLimits,
    stop: CancellationToken,
    registry: Arc<Registry>,
}

impl Connection {
    async fn run(self, tcp: TcpStream, peer: SocketAddr) {
        let tracker = Tracker(Arc::new(Mutex::new(Phase::AwaitingHead(Instant::now()))));
        let membership = self.registry.add(tracker.clone());
        let io = TokioIo::new(Watched {
            inner: tcp,
            tracker: tracker.clone(),
        });
        let app = self.app;
        let body_time = self.limits.body_read_timeout + BODY_GRACE;
        let service = hyper::service::service_fn({
            let tracker = tracker.clone();
            move |req: http::Request<Incoming>| {
                let handling = tracker.request();
                let mut req = req.map(|body| Body::new(Deadline::new(body, body_time)));
                req.extensions_mut().insert(ConnectInfo(peer));
                let app = app.clone();
                async move {
                    let response = app.oneshot(req).await;
                    drop(handling);
                    response
                }
            }
        });
        let conn = self.http1.serve_connection(io, service);
        tokio::pin!(conn);
        let mut draining = false;
        loop {
            let deadline = tracker.deadline(&self.limits);
            let timer = async {
                match deadline {
                    Some((at, _)) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                done = conn.as_mut() => {
                    if let Err(e) = done {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                    return;
                }
                () = self.stop.cancelled(), if !draining => {
                    conn.as_mut().graceful_shutdown();
                    draining = true;
                }
                () = membership.close.notified() => {
                    if tracker.unused_since(Instant::now()).is_some() {
                        tracing::debug!(%peer, "closing an unused connection to make room for a new one");
                        return;
                    }
                    // A request started meanwhile: keep the slot, and be asked again later.
                    membership.asked.store(false, Ordering::Relaxed);
                }
                () = timer => match tracker.deadline(&self.limits) {
                    Some((at, Expiry::Head)) if at <= Instant::now() => {
                        tracing::debug!(%peer, "closing a connection: no complete request head in time");
                        return;
                    }
                    Some((at, Expiry::Idle)) if at <= Instant::now() => {
                        tracing::debug!(%peer, "closing an idle connection");
                        return;
                    }
                    // A request started or bytes arrived meanwhile.
                    _ => {}
                },
            }
        }
    }
}

/// A request body that must have arrived completely by a deadline; after it, reading fails.
struct Deadline {
    inner: Incoming,
    by: Pin<Box<tokio::time::Sleep>>,
}

impl Deadline {
    fn new(inner: Incoming, within: Duration) -> Self {
        Self {
            inner,
            by: Box::pin(tokio::time::sleep(within)),
        }
    }
}

/// The body did not arrive in time.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time")]
struct BodyTooSlow;

impl http_body::Body for Deadline {
    type Data = hyper::body::Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        if self.by.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(BodyTooSlow.into())));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// The socket, telling the tracker when bytes arrive.
struct Watched {
    inner: TcpStream,
    tracker: Tracker,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.tracker.bytes_arrived();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracker(phase: Phase) -> Tracker {
        Tracker(Arc::new(Mutex::new(phase)))
    }

    /// The longest-unused connection is asked first; one in use, or whose head is only just
    /// arriving, never is; one already asked is not asked twice.
    #[tokio::test(start_paused = true)]
    async fn room_is_made_by_the_longest_unused_connection() {
        let registry = Arc::new(Registry::default());
        let start = Instant::now();
        let busy = registry.add(tracker(Phase::Busy(1)));
        let fresh_head = registry.add(tracker(Phase::AwaitingHead(start)));
        tokio::time::advance(Duration::from_millis(10)).await;
        let idle_late = registry.add(tracker(Phase::Idle(Instant::now())));
        let idle_early = registry.add(tracker(Phase::Idle(start)));
        let asked = |m: &Membership| m.asked.load(Ordering::Relaxed);

        assert!(registry.make_room(Instant::now()));
        assert!(asked(&idle_early) && !asked(&idle_late));
        assert!(registry.make_room(Instant::now()));
        assert!(asked(&idle_late));
        // Only a head still arriving and a request in flight are left.
        assert!(!registry.make_room(Instant::now()));
        assert!(!asked(&fresh_head) && !asked(&busy));
        // A head that has stalled for a second gives way too; a request in flight never does.
        tokio::time::advance(STALLED_HEAD).await;
        assert!(registry.make_room(Instant::now()));
        assert!(asked(&fresh_head) && !asked(&busy));
        assert!(!registry.make_room(Instant::now()));
        // A connection that has ended is gone from the registry.
        drop((busy, fresh_head, idle_late, idle_early));
        assert!(registry.open.lock().unwrap().is_empty());
    }
}
