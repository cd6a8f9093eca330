//! Accepting connections, with the limits axum's own `serve` does not set: a bound on connections
//! (in all and per client address), a deadline for a request's headers, a deadline and a gap
//! limit for its body, and an idle timeout, so slow or idle clients cannot hold the server's
//! sockets and `/healthz` stays answered under a flood (tested in `tests/hardening.rs`).
//! HTTP/1.1 only (what browsers speak to a plain-HTTP origin and proxies speak to a backend).
//!
//! Written here because hyper offers the pieces (a header read timeout, graceful shutdown) but
//! no idle timeout, body timeout or connection bound, and axum's `serve` exposes none of them.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections open at once; beyond, new ones are closed as they are accepted.
    pub max_connections: usize,
    /// Connections open at once from one address (0: no bound).
    pub max_per_address: usize,
    /// The whole request head must arrive within this time.
    pub header_timeout: Duration,
    /// The whole request body must arrive within this time...
    pub body_timeout: Duration,
    /// ...with no gap longer than this between its parts.
    pub body_gap: Duration,
    /// A connection with no request in progress and no byte read or written for this long is
    /// closed.
    pub idle_timeout: Duration,
}

/// When a connection last read or wrote a byte, in milliseconds since the server started.
struct Activity {
    start: Instant,
    last_ms: AtomicU64,
    /// Requests being answered on the connection.
    in_flight: AtomicUsize,
}

impl Activity {
    fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }
    fn idle_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        self.start.elapsed().saturating_sub(last)
    }
}

/// The socket, noting every byte that moves.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        r
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        r
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A request body that fails once it has taken longer than its deadline, or paused longer than
/// the gap allowed: the handler sees a body error (an attachment keeps what arrived and the
/// client resumes; a JSON body is answered 400 `unreadable_body`).
struct Deadline {
    inner: Incoming,
    total: Pin<Box<tokio::time::Sleep>>,
    gap: Duration,
    pause: Pin<Box<tokio::time::Sleep>>,
}

impl http_body::Body for Deadline {
    type Data = hyper::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = &mut *self;
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            let next = tokio::time::Instant::now() + this.gap;
            this.pause.as_mut().reset(next);
            return Poll::Ready(frame.map(|f| f.map_err(std::io::Error::other)));
        }
        if this.total.as_mut().poll(cx).is_ready() || this.pause.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request body did not arrive in time",
            ))));
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

/// Connections per address, each counted while its guard lives.
#[derive(Default)]
struct PerAddress(Mutex<HashMap<IpAddr, usize>>);

struct AddressGuard {
    map: Arc<PerAddress>,
    ip: IpAddr,
}

impl PerAddress {
    fn enter(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<AddressGuard> {
        let mut m = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = m.entry(ip).or_insert(0);
        if max > 0 && *n >= max {
            return None;
        }
        *n += 1;
        Some(AddressGuard {
            map: self.clone(),
            ip,
        })
    }
}

impl Drop for AddressGuard {
    fn drop(&mut self) {
        let mut m = self
            .map
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = m.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(&self.ip);
            }
        }
    }
}

/// Serve `app` on `listener` until `shutdown` completes; then stop accepting, let requests in
/// progress finish (at most `grace`), and return.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let per_address = Arc::new(PerAddress::default());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let start = Instant::now();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(x) => x,
                Err(_) => {
                    // Out of file descriptors or a connection reset before it was accepted:
                    // wait a moment rather than spin.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // Over a bound: closed at once (dropping the stream), so the backlog keeps draining
        // and the clients within the bounds keep being served.
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            continue;
        };
        let Some(guard) = per_address.enter(peer.ip(), limits.max_per_address) else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let stop = stop_rx.clone();
        tokio::spawn(async move {
            connection(stream, peer, app, limits, stop, start).await;
            drop(guard);
            drop(slot);
        });
    }
    let _ = stop_tx.send(true);
    // Every connection holds a slot: all slots back means all connections are done.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(grace, slots.acquire_many(all)).await;
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: Limits,
    mut stop: tokio::sync::watch::Receiver<bool>,
    start: Instant,
) {
    let activity = Arc::new(Activity {
        start,
        last_ms: AtomicU64::new(0),
        in_flight: AtomicUsize::new(0),
    });
    activity.touch();
    let io = TokioIo::new(Watched {
        inner: stream,
        activity: activity.clone(),
    });
    let act = activity.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let app = app.clone();
        let act = act.clone();
        act.in_flight.fetch_add(1, Ordering::Relaxed);
        async move {
            let mut req = req.map(|inner| {
                Body::new(Deadline {
                    inner,
                    total: Box::pin(tokio::time::sleep(limits.body_timeout)),
                    gap: limits.body_gap,
                    pause: Box::pin(tokio::time::sleep(limits.body_gap)),
                })
            });
            req.extensions_mut().insert(ConnectInfo(peer));
            let res = tower::ServiceExt::oneshot(app, req).await;
            act.in_flight.fetch_sub(1, Ordering::Relaxed);
            act.touch();
            res
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .serve_connection(io, service);
    tokio::pin!(conn);
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    let mut closing: Option<Instant> = None;
    loop {
        tokio::select! {
            _ = conn.as_mut() => return,
            _ = stop.changed(), if closing.is_none() => {
                conn.as_mut().graceful_shutdown();
                closing = Some(Instant::now());
            }
            _ = tick.tick() => {
                let busy = activity.in_flight.load(Ordering::Relaxed) > 0;
                match closing {
                    None if !busy && activity.idle_for() >= limits.idle_timeout => {
                        conn.as_mut().graceful_shutdown();
                        closing = Some(Instant::now());
                    }
                    // A client that does not take the hint (or is mid-way through a request
                    // head) is cut off once nothing is being answered for it.
                    Some(t) if !busy && t.elapsed() >= Duration::from_secs(1) => return,
                    _ => {}
                }
            }
        }
    }
}
