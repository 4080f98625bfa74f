//! Two applications around one service, with and without the shortcuts (prepared `tools/list`,
//! direct legacy `tools/call`), for the tests that compare their answers byte for byte.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use ds24_client::{Client, ClientConfig};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt as _;

use crate::mcp::{Door, Ds24Service};
use crate::pipeline::{Confirmer, DEFAULT_TTL, Fingerprinter, Pipeline, PipelineParts};
use crate::seal::StateSecret;
use crate::tools::{Inventory, Mode, NameStyle, Selection};
use crate::transport::http::{HttpOptions, Shortcuts, build};

/// What differs between the tests' servers.
pub struct Setup<'a> {
    /// Digistore24's API (a sandbox, or an address nothing answers on).
    pub api_url: &'a str,
    /// `--toolsets`, `None` for the default set.
    pub toolsets: Option<&'a str>,
    pub mode: Mode,
    pub max_result_bytes: usize,
    /// `--allowed-hosts`.
    pub hosts: &'a str,
}

/// The application with the shortcuts, the same without, and the shortcuts (for their counters).
pub struct Twins {
    pub fast: Router,
    pub rmcp: Router,
    pub shortcuts: Shortcuts,
}

pub fn twins(setup: &Setup<'_>) -> Twins {
    let secret = StateSecret::new(b"0123456789abcdef0123456789abcdef".to_vec());
    let client = Client::new(ClientConfig {
        api_url: setup.api_url.to_owned(),
        ..ClientConfig::default()
    })
    .unwrap();
    let pipeline = Arc::new(Pipeline::new(PipelineParts {
        inventory: Inventory::new(
            NameStyle::Ds24,
            Selection::new(setup.toolsets, &[], &[], false).unwrap(),
        )
        .with_mode(setup.mode),
        upstream: Arc::new(client),
        confirmer: Confirmer::new(secret.sealer("confirmation"), DEFAULT_TTL),
        fingerprints: Fingerprinter::new(secret.derive("key-fingerprint")),
        limiter: None,
        address_limiter: None,
        rejected: crate::pipeline::RejectedKeys::new(
            secret.derive("rejected-keys"),
            crate::pipeline::REJECTED_KEY_TTL,
        ),
        max_upstream_concurrency: 4,
        max_result_bytes: setup.max_result_bytes,
        auditor: None,
        reports: crate::reports::Limits::default(),
    }));
    let opts = HttpOptions {
        allowed_hosts: vec![setup.hosts.into()],
        allowed_origins: vec![],
        max_body_bytes: 1 << 20,
        body_read_timeout: std::time::Duration::from_secs(10),
        trusted_proxies: vec![],
        fallback_key: None,
        accept_keys: true,
        oauth: None,
    };
    let service = Ds24Service::new(pipeline, Door::PerRequest);
    let shortcuts = Shortcuts::new(&service);
    Twins {
        fast: build(
            service.clone(),
            opts.clone(),
            CancellationToken::new(),
            Some(shortcuts.clone()),
        ),
        rmcp: build(service, opts, CancellationToken::new(), None),
        shortcuts,
    }
}

/// A POST to `app` with this Host (none: no header) and headers: (status, content type, body).
pub async fn send(
    app: &Router,
    path: &str,
    host: Option<&[u8]>,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    let mut req = http::Request::post(path);
    if let Some(host) = host {
        req = req.header("host", http::HeaderValue::from_bytes(host).unwrap());
    }
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    let status = res.status().as_u16();
    let content_type = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        content_type,
        String::from_utf8(bytes.to_vec()).unwrap(),
    )
}
