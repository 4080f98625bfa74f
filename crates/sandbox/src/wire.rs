//! The HTTP side of the simulator: routes, key extraction, request decoding, fault injection,
//! rate limiting and the response envelope. This is the only module that knows HTTP.
//!
//! Accepted URL forms (protocol.md §1): `/api/call/{function}`,
//! `/api/call/{function}/format/json` and the legacy `/api/call/{KEY}/json/{function}`. One
//! catch-all route parses them, because the first and third form both have three segments.
//! POST bodies may be form-encoded (PHP brackets, raw or percent-encoded) or JSON; GET (and
//! every other method) reads the query string, which is also merged under a POST body.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};

use crate::approval;
use serde_json::{Map, Value, json};

use crate::config::{ErrorStatus, KeySpec, SandboxOptions, StateLocation};
use crate::error::{ApiError, ErrorKind, Lang, SandboxError};
use crate::handlers;
use crate::params::Params;
use crate::store::{Snapshot, Store};
use crate::time;

/// The envelope's `api_version`.
pub const API_VERSION: &str = "1.2";

/// Shared state of a running sandbox: the account and the fault/rate settings.
#[derive(Clone)]
pub struct SandboxState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Mutex<Store>,
    keys: Vec<KeySpec>,
    opts: SandboxOptions,
    rate: Mutex<HashMap<String, (Instant, u32)>>,
    dice: AtomicU64,
}

impl std::fmt::Debug for SandboxState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxState")
            .field("state", &self.inner.opts.state)
            .finish_non_exhaustive()
    }
}

impl SandboxState {
    /// Opens (and if needed seeds) the account described by `opts`. Blocking: SQLite I/O.
    pub fn open(opts: SandboxOptions) -> Result<Self, SandboxError> {
        opts.validate().map_err(SandboxError::Config)?;
        let (mut store, fresh) = Store::open(&opts.state, opts.reset)?;
        let memory = opts.state == StateLocation::Memory;
        if fresh {
            match memory.then(|| cached_seed(opts.seed)).flatten() {
                Some(snap) => store.restore(&snap),
                None => {
                    let now = time::now();
                    {
                        let mut tx = store.begin();
                        crate::seed::populate(&mut tx, opts.seed, now);
                        tx.commit().map_err(|e| SandboxError::Corrupt {
                            location: opts.state.to_string(),
                            detail: e.message(Lang::En).to_string(),
                        })?;
                    }
                    store.mark_seeded(opts.seed, &time::fmt(now))?;
                    if memory {
                        remember_seed(opts.seed, store.snapshot());
                    }
                    tracing::info!(state = %opts.state, seed = opts.seed, "generated the demo account");
                }
            }
        } else {
            tracing::info!(state = %opts.state, "opened the sandbox account");
        }
        let keys = opts.effective_keys();
        // `unregister` revokes a configured key only until the next start; keys issued through
        // retrieveApiKey stay revoked.
        {
            let mut tx = store.begin();
            for k in &keys {
                tx.delete::<crate::documents::RevokedKey>(&crate::ids::key_fingerprint(&k.key));
            }
            tx.commit().map_err(|e| SandboxError::Corrupt {
                location: opts.state.to_string(),
                detail: e.message(Lang::En).to_string(),
            })?;
        }
        Ok(Self {
            inner: Arc::new(Inner {
                store: Mutex::new(store),
                keys,
                dice: AtomicU64::new(opts.seed ^ 0x5EED),
                opts,
                rate: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The accepted keys.
    pub fn keys(&self) -> &[KeySpec] {
        &self.inner.keys
    }

    fn roll(&self) -> f64 {
        let n = self.inner.dice.fetch_add(1, Ordering::Relaxed);
        let r = crate::ids::splitmix(n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        (r >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Counts a request against the key's per-second budget; `false` when over it.
    fn admit(&self, key: &str) -> bool {
        let Some(limit) = self.inner.opts.rate_limit else {
            return true;
        };
        let mut map = self
            .inner
            .rate
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        // A key the account does not know counts against one shared budget: one entry per
        // invented key would grow the map without end (ds24-mcp forwards any bearer string).
        let known = self.inner.keys.iter().any(|k| k.key == key);
        let bucket = if known { key } else { "" };
        let slot = map.entry(bucket.to_string()).or_insert((now, 0));
        if now.duration_since(slot.0).as_secs_f64() >= 1.0 {
            *slot = (now, 0);
        }
        if slot.1 >= limit {
            return false;
        }
        slot.1 += 1;
        true
    }

    fn in_fault_scope(&self, function: &str) -> bool {
        let scope = &self.inner.opts.fault_functions;
        scope.is_empty() || scope.iter().any(|f| f == function)
    }
}

/// Generated in-memory accounts, per seed, so a process that starts many sandboxes (a test
/// suite) generates the demo account once. Entries expire after an hour so "the last 24 hours"
/// stays meaningful in long-running processes.
static SEED_CACHE: Mutex<Vec<(u64, Instant, Arc<Snapshot>)>> = Mutex::new(Vec::new());

fn cached_seed(seed: u64) -> Option<Arc<Snapshot>> {
    let cache = SEED_CACHE.lock().unwrap_or_else(PoisonError::into_inner);
    cache
        .iter()
        .find(|(s, at, _)| *s == seed && at.elapsed().as_secs() < 3600)
        .map(|(_, _, snap)| Arc::clone(snap))
}

fn remember_seed(seed: u64, snap: Snapshot) {
    let mut cache = SEED_CACHE.lock().unwrap_or_else(PoisonError::into_inner);
    cache.retain(|(s, _, _)| *s != seed);
    cache.push((seed, Instant::now(), Arc::new(snap)));
}

/// The axum router of a sandbox.
pub fn router(state: SandboxState) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/api/call/{*rest}", any(api_call))
        .route("/api/call", any(no_function))
        .route("/api/call/", any(no_function))
        .route(
            "/api_key_request/{token}",
            get(approval_page).post(approval_decision),
        )
        .with_state(state)
}

/// `GET /api_key_request/{token}`: Digistore24's approval page for a requestApiKey.
async fn approval_page(
    State(state): State<SandboxState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    let lang = page_lang(&headers);
    let page = tokio::task::spawn_blocking(move || {
        let mut store = state
            .inner
            .store
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let tx = store.begin();
        approval::page(&tx, &token, lang)
    })
    .await;
    match page {
        Ok(Some(html)) => html_response(StatusCode::OK, html),
        Ok(None) => html_response(
            StatusCode::NOT_FOUND,
            approval::refused(lang, &approval::Refusal::Unknown),
        ),
        Err(e) => {
            tracing::error!(error = %e, "approval page failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `POST /api_key_request/{token}` with `decision=approve|decline`: records the answer and
/// sends the browser back to the app.
async fn approval_decision(
    State(state): State<SandboxState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = page_lang(&headers);
    let decision = form_urlencoded::parse(&body)
        .find(|(k, _)| k == "decision")
        .and_then(|(_, v)| approval::Decision::parse(&v));
    let Some(decision) = decision else {
        return html_response(
            StatusCode::BAD_REQUEST,
            approval::refused(lang, &approval::Refusal::Unknown),
        );
    };
    let outcome = tokio::task::spawn_blocking(move || {
        let mut store = state
            .inner
            .store
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut tx = store.begin();
        let next = approval::decide(&mut tx, &token, decision)?;
        tx.commit()
            .map_err(|_| approval::Refusal::Unknown)
            .map(|()| next)
    })
    .await;
    match outcome {
        Ok(Ok(next)) => match HeaderValue::from_str(&next) {
            Ok(location) => {
                tracing::info!(?decision, "API key request answered on the approval page");
                (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
            }
            Err(_) => StatusCode::BAD_REQUEST.into_response(),
        },
        Ok(Err(refusal)) => {
            let status = match refusal {
                approval::Refusal::Unknown => StatusCode::NOT_FOUND,
                approval::Refusal::Answered(_) => StatusCode::CONFLICT,
            };
            html_response(status, approval::refused(lang, &refusal))
        }
        Err(e) => {
            tracing::error!(error = %e, "approval decision failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn page_lang(headers: &HeaderMap) -> Lang {
    approval::lang_of(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

fn html_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// requestApiKey's `request_url` names Digistore24's page; the sandbox serves its own, at the
/// address the call came in on (its `Host`), so a browser on this machine can open it.
fn point_at_own_approval_page(mut data: Value, headers: &HeaderMap) -> Value {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| !h.is_empty() && !h.contains(['/', '?', '#', '@', ' ']))
        .unwrap_or("127.0.0.1");
    if let Some(token) = data
        .get("request_token")
        .and_then(Value::as_str)
        .map(str::to_owned)
    {
        data["request_url"] = json!(format!("http://{host}/api_key_request/{token}"));
    }
    data
}

/// `/api/call` with no function name: an envelope like every other call's answer.
async fn no_function(State(state): State<SandboxState>) -> Response {
    failure(
        &ApiError::unknown_function(""),
        Lang::De,
        state.inner.opts.error_status,
    )
}

async fn index() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "ds24-mcp sandbox: a simulated Digistore24 vendor account.\n\
         POST /api/call/<function> with the X-DS-API-KEY header.\n",
    )
}

/// Where a call is addressed: function name and, for the legacy form, the key in the path.
fn parse_path(rest: &str) -> (String, Option<String>) {
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    match segs.as_slice() {
        [function] => ((*function).to_string(), None),
        [function, "format", _fmt] => ((*function).to_string(), None),
        [key, _fmt, function] => ((*function).to_string(), Some((*key).to_string())),
        _ => (rest.to_string(), None),
    }
}

fn decode_params(uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Result<Params, ApiError> {
    let mut params = Params::default();
    if let Some(q) = uri.query() {
        params.merge_form(q.as_bytes())?;
    }
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    params.merge_body(ctype, body)?;
    Ok(params)
}

fn envelope_base() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("api_version".into(), json!(API_VERSION));
    m.insert("current_time".into(), json!(time::fmt(time::now())));
    m
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp
}

fn success(data: Value, started: Instant) -> Response {
    let mut m = envelope_base();
    m.insert("result".into(), json!("success"));
    m.insert("data".into(), data);
    let secs = (started.elapsed().as_secs_f64() * 10_000.0).round() / 10_000.0;
    m.insert("runtime_seconds".into(), json!(secs));
    json_response(StatusCode::OK, &Value::Object(m))
}

fn failure(err: &ApiError, lang: Lang, mode: ErrorStatus) -> Response {
    let mut m = envelope_base();
    m.insert("result".into(), json!("error"));
    m.insert("code".into(), json!(err.code()));
    m.insert("message".into(), json!(err.message(lang)));
    let status = match mode {
        ErrorStatus::Envelope => StatusCode::OK,
        ErrorStatus::Http => {
            StatusCode::from_u16(err.kind.http_status()).unwrap_or(StatusCode::BAD_REQUEST)
        }
    };
    let mut resp = json_response(status, &Value::Object(m));
    if err.kind == ErrorKind::RateLimited {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        if mode == ErrorStatus::Http {
            *resp.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        }
    }
    resp
}

fn injected_failure(state: &SandboxState) -> Response {
    if state.roll() < 0.5 {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<html><body><h1>500 Internal Server Error</h1>\
             <p>Injected by the ds24-mcp sandbox (--fail-rate).</p></body></html>",
        )
            .into_response()
    } else {
        let mut m = envelope_base();
        m.insert("result".into(), json!("error"));
        m.insert("code".into(), json!(0));
        m.insert(
            "message".into(),
            json!("Internal server error (injected by the sandbox --fail-rate)."),
        );
        json_response(StatusCode::INTERNAL_SERVER_ERROR, &Value::Object(m))
    }
}

async fn api_call(
    State(state): State<SandboxState>,
    rest: Result<Path<String>, PathRejection>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = Instant::now();
    let mode = state.inner.opts.error_status;
    // A path that is not UTF-8 once percent-decoded names no function: answered like one,
    // with an envelope, as every call is.
    let Ok(Path(rest)) = rest else {
        return failure(&ApiError::unknown_function(uri.path()), Lang::De, mode);
    };
    let (function, path_key) = parse_path(&rest);
    let params = decode_params(&uri, &headers, &body);
    let lang = params
        .as_ref()
        .ok()
        .and_then(Params::language)
        .map_or(Lang::De, |l| Lang::parse(&l));
    let key = headers
        .get("x-ds-api-key")
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or(path_key);

    if state.in_fault_scope(&function) {
        let latency = state.inner.opts.latency;
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        let rate = state.inner.opts.fail_rate;
        if rate > 0.0 && state.roll() < rate {
            tracing::debug!(%function, "injected HTTP 500");
            return injected_failure(&state);
        }
    }
    if !state.admit(key.as_deref().unwrap_or("")) {
        let limit = state.inner.opts.rate_limit.unwrap_or(0);
        tracing::debug!(%function, "rate limited");
        return failure(&ApiError::rate_limited(limit), lang, mode);
    }
    let params = match params {
        Ok(p) => p,
        Err(e) => return failure(&e, lang, mode),
    };

    let st = state.clone();
    let fname = function.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let mut store = st
            .inner
            .store
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        handlers::call(
            &mut store,
            &st.inner.keys,
            key.as_deref(),
            &fname,
            params,
            lang,
        )
    })
    .await;
    let result = match outcome {
        Ok(r) => r,
        Err(join) => {
            tracing::error!(%function, error = %join, "handler panicked");
            let mut resp = failure(
                &ApiError::internal("handler failure"),
                lang,
                ErrorStatus::Envelope,
            );
            *resp.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            return resp;
        }
    };
    match result {
        Ok(data) => {
            tracing::debug!(%function, %method, ms = started.elapsed().as_millis() as u64, "ok");
            let data = if function == "requestApiKey" {
                point_at_own_approval_page(data, &headers)
            } else {
                data
            };
            success(data, started)
        }
        Err(e) => {
            tracing::debug!(%function, %method, code = e.code(), "api error");
            failure(&e, lang, mode)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Code review 15: every invented key had its own entry in the rate map, for good.
    #[test]
    fn invented_keys_share_one_rate_budget() {
        let opts = SandboxOptions {
            rate_limit: Some(1_000_000),
            ..SandboxOptions::in_memory()
        };
        let state = SandboxState::open(opts).unwrap();
        for i in 0..1_000 {
            assert!(state.admit(&format!("invented-{i}")));
        }
        assert!(state.admit("sandbox-read"));
        let buckets = state.inner.rate.lock().unwrap().len();
        assert_eq!(
            buckets, 2,
            "one for every unknown key, one for sandbox-read"
        );
    }

    #[test]
    fn url_forms() {
        assert_eq!(parse_path("ping"), ("ping".into(), None));
        assert_eq!(
            parse_path("getPurchase/format/json"),
            ("getPurchase".into(), None)
        );
        assert_eq!(
            parse_path("123-abc/json/getPurchase"),
            ("getPurchase".into(), Some("123-abc".into()))
        );
    }
}
