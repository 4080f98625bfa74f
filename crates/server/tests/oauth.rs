//! The OAuth authorization server over real HTTP: the real binary, the sandbox behind the
//! recording proxy, every endpoint driven with reqwest the way a browser and an MCP client
//! would (redirects followed by hand, cookies carried by hand). Each refusal also checks what
//! reached "Digistore24": nothing, or only the calls the consent itself makes, never a tool
//! call with a key the request should not have had.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ds24_mcp::oauth::tokens::{ACCESS_LABEL, ACCESS_PREFIX, CODE_LABEL, CODE_PREFIX};
use ds24_mcp::seal::StateSecret;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use support::*;

const SECRET: &str = "oauth-tests-state-secret-0123456789abcdef";
const OTHER_SECRET: &str = "another-deployment-secret-0123456789abcdef";
const REDIRECT: &str = "http://127.0.0.1:9/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-with-more-entropy-here";

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A running server and the public URL it announces (the address tests connect to may
/// differ, as behind a reverse proxy).
struct Site {
    server: Server,
    public: String,
}

impl std::ops::Deref for Site {
    type Target = Server;
    fn deref(&self) -> &Server {
        &self.server
    }
}

impl Site {
    /// The MCP endpoint as the resource clients name.
    fn resource(&self) -> String {
        format!("{}/mcp", self.public)
    }
    /// A URL the server sent the browser to, reached at the test's address.
    fn local(&self, url: &str) -> String {
        url.replacen(&self.public, &self.server.base, 1)
    }
}

fn site(server: Server) -> Site {
    let public = server.base.clone();
    Site { server, public }
}

/// A server with OAuth on, in front of the recording proxy, with a developer key on file.
async fn setup(extra: &[&str]) -> (Upstream, Site, tempfile_path::TempFile) {
    let up = upstream().await;
    let dev = tempfile_path::TempFile::with(DEVELOPER_KEY);
    let api = up.api_url();
    let mut args = vec![
        "--api-url",
        api.as_str(),
        "--state-secret",
        SECRET,
        "--developer-key-file",
        dev.path(),
    ];
    args.extend_from_slice(extra);
    let server = if extra.contains(&"--public-url") {
        let public = extra[extra.iter().position(|a| *a == "--public-url").unwrap() + 1].to_owned();
        Site {
            server: serve(&args),
            public,
        }
    } else {
        site(serve_public(&args, &[]))
    };
    (up, server, dev)
}

/// A file holding one value, removed when dropped.
mod tempfile_path {
    pub struct TempFile(std::path::PathBuf);
    impl TempFile {
        pub fn with(content: &str) -> Self {
            let mut bytes = [0u8; 8];
            getrandom::fill(&mut bytes).unwrap();
            let name = format!(
                "ds24-oauth-test-{}",
                bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
            );
            let path = std::env::temp_dir().join(name);
            std::fs::write(&path, content).unwrap();
            Self(path)
        }
        pub fn path(&self) -> &str {
            self.0.to_str().unwrap()
        }
    }
    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

async fn register(server: &Site, body: Value) -> (u16, Value) {
    let resp = browser()
        .post(format!("{}/oauth/register", server.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

async fn public_client(server: &Site) -> String {
    let (status, reg) = register(
        server,
        json!({"client_name": "Test Client", "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"}),
    )
    .await;
    assert_eq!(status, 201, "{reg}");
    reg["client_id"].as_str().unwrap().to_owned()
}

/// What the browser got from `GET /oauth/authorize`.
struct Page {
    status: u16,
    html: String,
    location: Option<String>,
    cookies: Vec<String>,
}

impl Page {
    fn request(&self) -> String {
        let marker = r#"name="request" value=""#;
        let start = self.html.find(marker).expect("a consent form") + marker.len();
        let end = start + self.html[start..].find('"').unwrap();
        self.html[start..end].to_owned()
    }
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|c| c.split(';').next().unwrap().to_owned())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

async fn page_of(resp: reqwest::Response) -> Page {
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    let cookies = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    Page {
        status,
        html: resp.text().await.unwrap(),
        location,
        cookies,
    }
}

async fn authorize(server: &Site, client_id: &str, extra: &[(&str, &str)]) -> Page {
    let challenge = challenge(VERIFIER);
    let resource = server.resource();
    let mut query: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", REDIRECT),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
        ("state", "st-123"),
        ("resource", &resource),
        ("scope", "read write"),
    ];
    for (k, v) in extra {
        query.retain(|(q, _)| q != k);
        if !v.is_empty() {
            query.push((k, v));
        }
    }
    let resp = browser()
        .get(format!("{}/oauth/authorize", server.base))
        .query(&query)
        .send()
        .await
        .unwrap();
    page_of(resp).await
}

async fn decide(server: &Site, page: &Page, form: &[(&str, &str)]) -> Page {
    let request = page.request();
    let mut all = vec![("request", request.as_str())];
    all.extend_from_slice(form);
    let resp = browser()
        .post(format!("{}/oauth/authorize", server.base))
        .header("origin", &server.public)
        .header("cookie", page.cookie_header())
        .form(&all)
        .send()
        .await
        .unwrap();
    page_of(resp).await
}

fn query_of(location: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

async fn token(server: &Site, form: &[(&str, &str)]) -> (u16, Value) {
    let resp = browser()
        .post(format!("{}/oauth/token", server.base))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    assert_eq!(
        resp.headers()["cache-control"],
        "no-store",
        "token answers are never cached"
    );
    (status, resp.json().await.unwrap())
}

/// Consent by pasting `key` with `access`; returns the code.
async fn code_by_paste(server: &Site, client_id: &str, key: &str, access: &str) -> String {
    let page = authorize(server, client_id, &[]).await;
    assert_eq!(page.status, 200, "{}", page.html);
    let done = decide(
        server,
        &page,
        &[("action", "paste"), ("api_key", key), ("access", access)],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.html);
    let q = query_of(done.location.as_deref().unwrap());
    assert_eq!(q["state"], "st-123");
    assert_eq!(q["iss"], server.public, "RFC 9207 issuer");
    q["code"].clone()
}

async fn redeem(server: &Site, client_id: &str, code: &str) -> (u16, Value) {
    let resource = server.resource();
    token(
        server,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code_verifier", VERIFIER),
            ("client_id", client_id),
            ("redirect_uri", REDIRECT),
            ("resource", &resource),
        ],
    )
    .await
}

async fn tokens_by_paste(server: &Site, key: &str, access: &str) -> (String, Value) {
    let client = public_client(server).await;
    let code = code_by_paste(server, &client, key, access).await;
    let (status, tokens) = redeem(server, &client, &code).await;
    assert_eq!(status, 200, "{tokens}");
    (client, tokens)
}

fn access_token(tokens: &Value) -> String {
    tokens["access_token"].as_str().unwrap().to_owned()
}

/// Asserts a 401 with an `invalid_token` challenge pointing at the resource metadata.
async fn refused(server: &Site, token: &str, what: &str) -> String {
    let mcp = Mcp::new(server.url(), Some(token), Era::Legacy);
    let r = mcp.raw("tools/list", json!({})).await;
    assert_eq!(r.status, 401, "{what}: {}", r.body);
    let challenge = r.headers["www-authenticate"].to_str().unwrap().to_owned();
    assert!(
        challenge.contains(&format!(
            r#"resource_metadata="{}/.well-known/oauth-protected-resource/mcp""#,
            server.public
        )),
        "{what}: {challenge}"
    );
    assert!(
        challenge.contains(r#"error="invalid_token""#),
        "{what}: {challenge}"
    );
    challenge
}

fn functions(recorded: &[Recorded]) -> Vec<(String, Option<String>)> {
    recorded
        .iter()
        .map(|r| (r.function.clone(), r.key.clone()))
        .collect()
}

fn reseal(
    secret: &str,
    label: &str,
    prefix: &str,
    token: &str,
    change: impl FnOnce(&mut Value),
) -> String {
    let sealer = StateSecret::new(secret.as_bytes()).sealer(label);
    let mut claims: Value = sealer.open(token.strip_prefix(prefix).unwrap()).unwrap();
    change(&mut claims);
    format!("{prefix}{}", sealer.seal(&claims).unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn discovery_metadata_and_challenge() {
    let (up, server, _dev) = setup(&[]).await;
    let http = browser();
    let get = |path: String| {
        let http = http.clone();
        async move {
            let resp = http.get(path).send().await.unwrap();
            let cors = resp
                .headers()
                .get("access-control-allow-origin")
                .map(|v| v.to_str().unwrap().to_owned());
            (
                resp.status().as_u16(),
                cors,
                resp.json::<Value>().await.unwrap(),
            )
        }
    };
    let base = &server.base;
    let (status, cors, asm) = get(format!("{base}/.well-known/oauth-authorization-server")).await;
    assert_eq!((status, cors.as_deref()), (200, Some("*")));
    assert_eq!(asm["issuer"], *base);
    assert_eq!(
        asm["authorization_endpoint"],
        format!("{base}/oauth/authorize")
    );
    assert_eq!(asm["token_endpoint"], format!("{base}/oauth/token"));
    assert_eq!(
        asm["registration_endpoint"],
        format!("{base}/oauth/register")
    );
    assert_eq!(asm["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(asm["client_id_metadata_document_supported"], true);
    assert_eq!(asm["authorization_response_iss_parameter_supported"], true);
    for (path, resource, scopes) in [
        ("", base.clone(), json!(["read", "write"])),
        ("/mcp", format!("{base}/mcp"), json!(["read", "write"])),
        (
            "/mcp/readonly",
            format!("{base}/mcp/readonly"),
            json!(["read"]),
        ),
        ("/readonly", format!("{base}/readonly"), json!(["read"])),
    ] {
        let (status, _, prm) =
            get(format!("{base}/.well-known/oauth-protected-resource{path}")).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(prm["resource"], resource, "{path}");
        assert_eq!(prm["authorization_servers"], json!([base]));
        assert_eq!(prm["scopes_supported"], scopes, "{path}");
    }
    let (status, _, _) = get(format!("{base}/.well-known/oauth-protected-resource/nope")).await;
    assert_eq!(status, 404);
    for (path, suffix, scope) in [
        ("/mcp", "/mcp", "read write"),
        ("/mcp/readonly", "/mcp/readonly", "read"),
        ("/", "", "read write"),
        ("/mcp/compact", "/mcp/compact", "read write"),
    ] {
        let r = Mcp::new(format!("{base}{path}"), None, Era::Legacy)
            .raw("tools/list", json!({}))
            .await;
        assert_eq!(r.status, 401);
        assert_eq!(
            r.headers["www-authenticate"].to_str().unwrap(),
            format!(
                r#"Bearer realm="digistore24", resource_metadata="{base}/.well-known/oauth-protected-resource{suffix}", scope="{scope}""#
            )
        );
    }
    assert_eq!(up.count(), 0, "discovery asks Digistore24 nothing");
}

/// A 401 is answered before the body is read, so the server then closes the connection; the
/// answer must say so, or a client sends its next request (the discovery the 401 starts) down
/// a dying connection ("server disconnected without sending a response", seen with the Python
/// SDK's OAuth client).
#[tokio::test(flavor = "multi_thread")]
async fn an_early_401_closes_the_connection_and_says_so() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (_up, server, _dev) = setup(&[]).await;
    let addr = server.base.trim_start_matches("http://").to_owned();
    let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#.repeat(100);
    let head = format!(
        "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(&body.as_bytes()[..64]).await.unwrap();
    let mut answer = Vec::new();
    tcp.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer).to_ascii_lowercase();
    assert!(answer.starts_with("http/1.1 401"), "{answer}");
    assert!(answer.contains("\r\nconnection: close\r\n"), "{answer}");
}

#[tokio::test(flavor = "multi_thread")]
async fn key_mode_keeps_its_realm_and_publishes_no_metadata() {
    let up = upstream().await;
    let server = serve(&["--api-url", &up.api_url()]);
    let resp = browser()
        .get(format!(
            "{}/.well-known/oauth-protected-resource/mcp",
            server.base
        ))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_client_error(), "{}", resp.status());
    let r = Mcp::new(server.url(), None, Era::Legacy)
        .raw("tools/list", json!({}))
        .await;
    assert_eq!(
        r.headers["www-authenticate"],
        r#"Bearer realm="digistore24""#
    );
    let r = Mcp::new(server.url(), Some("ds24at_forged"), Era::Legacy)
        .raw("tools/list", json!({}))
        .await;
    assert_eq!(r.status, 401, "a token is never forwarded as a key");
    assert!(r.body.to_string().contains("--auth key"), "{}", r.body);
    assert_eq!(up.count(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn pasted_full_key_connects_and_acts_under_that_key() {
    let (up, server, _dev) = setup(&[]).await;
    let (_, tokens) = tokens_by_paste(&server, FULL_KEY, "full").await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["scope"], "read write");
    assert_eq!(tokens["expires_in"], 3600);
    let at = access_token(&tokens);
    assert!(at.starts_with("ds24at_"));
    assert!(!at.contains(FULL_KEY), "the key is sealed, not readable");
    assert_eq!(
        functions(&up.take()),
        vec![
            ("getUserInfo".to_owned(), Some(FULL_KEY.to_owned())),
            ("listCountries".to_owned(), Some(FULL_KEY.to_owned())),
            ("listInvoices".to_owned(), Some(FULL_KEY.to_owned())),
        ],
        "the pasted key was checked with Digistore24, and nothing else happened"
    );
    for era in [Era::Legacy, Era::Modern] {
        let mcp = Mcp::new(server.url(), Some(&at), era);
        mcp.connect().await;
        assert_eq!(
            mcp.tool_names().await.len(),
            ds24_catalog::all().filter(|f| f.is_default()).count()
        );
    }
    let mcp = Mcp::new(server.url(), Some(&at), Era::Legacy);
    let created = mcp
        .ok(
            "createProduct",
            json!({"data": {"name_de": "OAuth-Kurs", "product_type_id": 1}}),
        )
        .await;
    assert!(created["product_id"].is_string() || created["product_id"].is_number());
    let recorded = up.take();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].function, "createProduct");
    assert_eq!(recorded[0].key.as_deref(), Some(FULL_KEY));
    let logs = server.logs();
    assert!(!logs.contains(FULL_KEY), "the key never reaches a log");
}

#[tokio::test(flavor = "multi_thread")]
async fn read_only_grant_behaves_like_the_readonly_path() {
    let (up, server, _dev) = setup(&[]).await;
    let (_, tokens) = tokens_by_paste(&server, FULL_KEY, "read").await;
    assert_eq!(tokens["scope"], "read");
    up.take();
    let at = access_token(&tokens);
    let granted = Mcp::new(server.url(), Some(&at), Era::Legacy);
    let path = Mcp::new(
        format!("{}/mcp/readonly", server.base),
        Some(FULL_KEY),
        Era::Legacy,
    );
    assert_eq!(granted.tool_names().await, path.tool_names().await);
    let write = granted
        .call(
            "createProduct",
            json!({"data": {"name_de": "x", "product_type_id": 1}}),
        )
        .await;
    assert_eq!(write["isError"], true, "{write}");
    assert!(text(&write).contains("read-only access"), "{write}");
    assert_eq!(up.count(), 0, "the refused write never reached Digistore24");
    granted.ok("listProducts", json!({})).await;
    assert_eq!(up.take()[0].key.as_deref(), Some(FULL_KEY));
}

#[tokio::test(flavor = "multi_thread")]
async fn pasted_keys_are_checked_before_any_token() {
    let (up, server, _dev) = setup(&[]).await;
    let client = public_client(&server).await;
    let page = authorize(&server, &client, &[("scope", "")]).await;
    assert!(page.html.contains("Test Client") && page.html.contains("127.0.0.1"));
    for (key, access, says) in [
        ("not-a-key", "read", "does not accept this API key"),
        (READ_KEY, "full", "This API key is read-only"),
        (DEVELOPER_KEY, "read", "developer key"),
        ("", "read", "Paste your Digistore24 API key first"),
    ] {
        let answer = decide(
            &server,
            &page,
            &[("action", "paste"), ("api_key", key), ("access", access)],
        )
        .await;
        assert_eq!(answer.status, 400, "{key}: {}", answer.html);
        assert!(answer.location.is_none());
        assert!(answer.html.contains(says), "{key}: {}", answer.html);
        assert!(
            answer.html.contains(r#"name="request""#),
            "the form is shown again"
        );
    }
    let recorded = up.take();
    assert!(
        recorded.iter().all(
            |r| ["getUserInfo", "listCountries", "listInvoices"].contains(&r.function.as_str())
        ),
        "only the checks ran: {:?}",
        functions(&recorded)
    );
    // German, by the browser's language.
    let resp = browser()
        .get(format!("{}/oauth/authorize", server.base))
        .header("accept-language", "de-DE,de;q=0.9,en;q=0.5")
        .query(&[
            ("response_type", "code"),
            ("client_id", &client),
            ("redirect_uri", REDIRECT),
            ("code_challenge", &challenge(VERIFIER)),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    let html = resp.text().await.unwrap();
    assert!(html.contains(r#"<html lang="de">"#) && html.contains("API-Schlüssel einfügen"));
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_pkce_verifier_then_code_reuse() {
    let (up, server, _dev) = setup(&[]).await;
    let client = public_client(&server).await;
    let code = code_by_paste(&server, &client, FULL_KEY, "full").await;
    up.take();
    let resource = server.resource();
    let wrong = "x".repeat(64);
    let (status, err) = token(
        &server,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", &wrong),
            ("client_id", &client),
            ("redirect_uri", REDIRECT),
            ("resource", &resource),
        ],
    )
    .await;
    assert_eq!(
        (status, err["error"].as_str()),
        (400, Some("invalid_grant")),
        "{err}"
    );
    assert!(err["error_description"].as_str().unwrap().contains("PKCE"));
    let (status, err) = token(
        &server,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &client),
        ],
    )
    .await;
    assert_eq!(
        (status, err["error"].as_str()),
        (400, Some("invalid_request")),
        "no verifier: {err}"
    );
    // A failed attempt does not use the code up; the right verifier works once.
    let (status, first) = redeem(&server, &client, &code).await;
    assert_eq!(status, 200, "{first}");
    let (status, again) = redeem(&server, &client, &code).await;
    assert_eq!(
        (status, again["error"].as_str()),
        (400, Some("invalid_grant")),
        "{again}"
    );
    assert!(
        again["error_description"]
            .as_str()
            .unwrap()
            .contains("already used")
    );
    // Reuse revokes what the first redemption issued.
    refused(&server, &access_token(&first), "token of a replayed code").await;
    let (status, err) = token(
        &server,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", first["refresh_token"].as_str().unwrap()),
            ("client_id", &client),
        ],
    )
    .await;
    assert_eq!(
        (status, err["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(up.count(), 0, "nothing reached Digistore24");
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_code_and_expired_or_tampered_token() {
    let (up, server, _dev) = setup(&[]).await;
    let client = public_client(&server).await;
    let code = code_by_paste(&server, &client, FULL_KEY, "full").await;
    let stale = reseal(SECRET, CODE_LABEL, CODE_PREFIX, &code, |c| {
        c["exp"] = json!(1)
    });
    let (status, err) = redeem(&server, &client, &stale).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (400, Some("invalid_grant")),
        "{err}"
    );
    assert!(
        err["error_description"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    let (status, tokens) = redeem(&server, &client, &code).await;
    assert_eq!(status, 200, "{tokens}");
    up.take();
    let at = access_token(&tokens);
    let expired = reseal(SECRET, ACCESS_LABEL, ACCESS_PREFIX, &at, |c| {
        c["exp"] = json!(1)
    });
    let challenge = refused(&server, &expired, "expired").await;
    assert!(challenge.contains("expired"), "{challenge}");
    // One flipped bit anywhere in the sealed part.
    let mut bytes = URL_SAFE_NO_PAD
        .decode(at.strip_prefix(ACCESS_PREFIX).unwrap())
        .unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    let tampered = format!("{ACCESS_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    refused(&server, &tampered, "tampered").await;
    refused(
        &server,
        tokens["refresh_token"].as_str().unwrap(),
        "refresh token as access token",
    )
    .await;
    assert_eq!(up.count(), 0, "no refused token reached Digistore24");
    // The genuine token still works.
    Mcp::new(server.url(), Some(&at), Era::Legacy)
        .ok("listProducts", json!({}))
        .await;
    assert_eq!(up.take()[0].key.as_deref(), Some(FULL_KEY));
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_of_another_deployment_are_refused() {
    let (up, server, _dev) = setup(&[]).await;
    let (client, tokens) = tokens_by_paste(&server, FULL_KEY, "full").await;
    let at = access_token(&tokens);
    // Another secret: cannot even be opened.
    let other_up = upstream().await;
    let other = site(serve_public(
        &[
            "--api-url",
            &other_up.api_url(),
            "--state-secret",
            OTHER_SECRET,
        ],
        &[],
    ));
    let r = Mcp::new(other.url(), Some(&at), Era::Legacy)
        .raw("tools/list", json!({}))
        .await;
    assert_eq!(r.status, 401);
    assert!(
        r.body.to_string().contains("another deployment"),
        "{}",
        r.body
    );
    // The same secret but another public URL: opened, but the audience is not this server.
    let twin = site(serve_public(
        &["--api-url", &other_up.api_url(), "--state-secret", SECRET],
        &[],
    ));
    let r = Mcp::new(twin.url(), Some(&at), Era::Legacy)
        .raw(
            "tools/call",
            json!({"name": "listProducts", "arguments": {}}),
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.body);
    assert!(
        r.body.to_string().contains("issued for another server"),
        "{}",
        r.body
    );
    let (status, err) = token(
        &twin,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ("client_id", &client),
        ],
    )
    .await;
    assert_eq!(
        (status, err["error"].as_str()),
        (400, Some("invalid_grant")),
        "{err}"
    );
    assert!(
        err["error_description"]
            .as_str()
            .unwrap()
            .contains("another server"),
        "{err}"
    );
    let (status, err) = token(
        &other,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ("client_id", &client),
        ],
    )
    .await;
    assert_eq!(
        (status, err["error"].as_str()),
        (401, Some("invalid_client")),
        "other secret, the client id is not even readable: {err}"
    );
    assert_eq!(other_up.count(), 0);
    up.take();
    assert_eq!(up.count(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_rotates_and_reuse_revokes_the_grant() {
    let (up, server, _dev) = setup(&[]).await;
    let (client, tokens) = tokens_by_paste(&server, FULL_KEY, "full").await;
    up.take();
    let refresh = |rt: String| {
        let server = &server;
        let client = client.clone();
        async move {
            let resource = server.resource();
            token(
                server,
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &rt),
                    ("client_id", &client),
                    ("resource", &resource),
                ],
            )
            .await
        }
    };
    let first_rt = tokens["refresh_token"].as_str().unwrap().to_owned();
    let (status, second) = refresh(first_rt.clone()).await;
    assert_eq!(status, 200, "{second}");
    assert_ne!(second["refresh_token"], tokens["refresh_token"], "rotated");
    let second_at = access_token(&second);
    Mcp::new(server.url(), Some(&second_at), Era::Legacy)
        .ok("listProducts", json!({}))
        .await;
    assert_eq!(up.take().len(), 1);
    // The first refresh token comes back: a sign it leaked. Refused, and the grant revoked.
    let (status, err) = refresh(first_rt).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (400, Some("invalid_grant")),
        "{err}"
    );
    assert!(
        err["error_description"]
            .as_str()
            .unwrap()
            .contains("already used"),
        "{err}"
    );
    let (status, err) = refresh(second["refresh_token"].as_str().unwrap().to_owned()).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (400, Some("invalid_grant")),
        "the whole family: {err}"
    );
    let challenge = refused(&server, &second_at, "access token of a revoked grant").await;
    assert!(challenge.contains("revoked"), "{challenge}");
    assert_eq!(up.count(), 0, "nothing reached Digistore24 after the reuse");
    // A refresh token cannot be used by another client.
    let (other_client, other) = tokens_by_paste(&server, READ_KEY, "read").await;
    let _ = other_client;
    let (status, err) = refresh(other["refresh_token"].as_str().unwrap().to_owned()).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (400, Some("invalid_grant")),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn redirect_uri_must_be_registered_exactly() {
    let (up, server, _dev) = setup(&[]).await;
    let client = public_client(&server).await;
    for other in [
        "http://127.0.0.1:9/callback/extra",
        "https://evil.example/callback",
        "http://localhost:9/callback",
    ] {
        let page = authorize(&server, &client, &[("redirect_uri", other)]).await;
        assert_eq!(page.status, 400, "{other}");
        assert!(page.location.is_none(), "never redirected to {other}");
        assert!(page.html.contains("is not registered"), "{}", page.html);
    }
    // A loopback IP redirect may change its port (RFC 8252 §7.3).
    let page = authorize(
        &server,
        &client,
        &[("redirect_uri", "http://127.0.0.1:45678/callback")],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.html);
    // Unknown or forged client ids are error pages too.
    for id in ["ds24c_forged", "someone", "https://127.0.0.1:1/client.json"] {
        let page = authorize(&server, id, &[]).await;
        assert_eq!(page.status, 400, "{id}");
        assert!(page.location.is_none());
    }
    // The token request must name the redirect URI the code went to.
    let code = code_by_paste(&server, &client, FULL_KEY, "full").await;
    let (status, err) = token(
        &server,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", VERIFIER),
            ("client_id", &client),
            ("redirect_uri", "http://127.0.0.1:9/other"),
        ],
    )
    .await;
    assert_eq!(
        (status, err["error"].as_str()),
        (400, Some("invalid_grant")),
        "{err}"
    );
    // Registration refuses redirect URIs a browser would run or that leave the machine over http.
    for bad in [
        "javascript:alert(1)",
        "http://evil.example/cb",
        "https://a.example/cb#x",
    ] {
        let (status, err) = register(&server, json!({"redirect_uris": [bad]})).await;
        assert_eq!(
            (status, err["error"].as_str()),
            (400, Some("invalid_client_metadata")),
            "{bad}"
        );
    }
    let recorded = up.take();
    assert!(
        recorded.iter().all(|r| r.function != "listProducts"),
        "{:?}",
        functions(&recorded)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn resource_must_be_this_server() {
    let (up, server, _dev) = setup(&[]).await;
    let client = public_client(&server).await;
    for wrong in [
        "https://evil.example/mcp",
        "http://127.0.0.1:1/mcp",
        &format!("{}/other", server.base),
    ] {
        let page = authorize(&server, &client, &[("resource", wrong)]).await;
        assert_eq!(page.status, 303, "{wrong}");
        let q = query_of(page.location.as_deref().unwrap());
        assert_eq!(q["error"], "invalid_target", "{wrong}");
        assert_eq!(q["state"], "st-123");
        assert!(page.location.unwrap().starts_with(REDIRECT));
    }
    // A /readonly resource can only be granted read access.
    let readonly = format!("{}/mcp/readonly", server.base);
    let page = authorize(&server, &client, &[("resource", &readonly)]).await;
    assert!(!page.html.contains(r#"value="full""#));
    let done = decide(
        &server,
        &page,
        &[
            ("action", "paste"),
            ("api_key", FULL_KEY),
            ("access", "full"),
        ],
    )
    .await;
    let code = query_of(done.location.as_deref().unwrap())["code"].clone();
    let (status, err) = redeem(&server, &client, &code).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (400, Some("invalid_target")),
        "resource at the token endpoint must match: {err}"
    );
    let (status, tokens) = token(
        &server,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", VERIFIER),
            ("client_id", &client),
            ("resource", &readonly),
        ],
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["scope"], "read", "tampered access=full was capped");
    up.take();
    let w = Mcp::new(server.url(), Some(&access_token(&tokens)), Era::Legacy)
        .call(
            "createProduct",
            json!({"data": {"name_de": "x", "product_type_id": 1}}),
        )
        .await;
    assert_eq!(w["isError"], true);
    assert_eq!(up.count(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn authorize_errors_go_back_to_the_client() {
    let (_up, server, _dev) = setup(&[]).await;
    let client = public_client(&server).await;
    for (param, value, error) in [
        ("code_challenge_method", "plain", "invalid_request"),
        ("code_challenge", "", "invalid_request"),
        ("code_challenge", "short", "invalid_request"),
        ("response_type", "token", "unsupported_response_type"),
    ] {
        let page = authorize(&server, &client, &[(param, value)]).await;
        assert_eq!(page.status, 303, "{param}={value}");
        let q = query_of(page.location.as_deref().unwrap());
        assert_eq!(q["error"], error, "{param}={value}");
        assert_eq!(q["iss"], server.public);
    }
    let page = authorize(&server, &client, &[]).await;
    let denied = decide(&server, &page, &[("action", "deny")]).await;
    let q = query_of(denied.location.as_deref().unwrap());
    assert_eq!(
        (q["error"].as_str(), q["state"].as_str()),
        ("access_denied", "st-123")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn consent_form_is_csrf_safe() {
    let (up, server, _dev) = setup(&[]).await;
    let client = public_client(&server).await;
    let page = authorize(&server, &client, &[]).await;
    assert!(page.cookies.iter().any(|c| c.starts_with("ds24_csrf=")
        && c.contains("SameSite=Strict")
        && c.contains("HttpOnly")));
    let request = page.request();
    let form = [
        ("request", request.as_str()),
        ("action", "paste"),
        ("api_key", FULL_KEY),
        ("access", "full"),
    ];
    let post = |origin: Option<&str>, cookie: Option<String>| {
        let mut req = browser()
            .post(format!("{}/oauth/authorize", server.base))
            .form(&form);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        req.send()
    };
    let r = post(Some(server.public.as_str()), None).await.unwrap();
    assert_eq!(r.status(), 403, "no cookie");
    let r = post(Some("https://evil.example"), Some(page.cookie_header()))
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "foreign origin");
    let r = post(
        Some(server.public.as_str()),
        Some("ds24_csrf=someone-elses-value".into()),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 403, "another browser's cookie");
    let forged = browser()
        .post(format!("{}/oauth/authorize", server.base))
        .header("cookie", page.cookie_header())
        .form(&[
            ("request", "forged"),
            ("action", "paste"),
            ("api_key", FULL_KEY),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
    assert_eq!(up.count(), 0, "no refused form reached Digistore24");
    let headers = browser()
        .get(format!("{}/oauth/authorize", server.base))
        .query(&[
            ("client_id", client.as_str()),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("code_challenge", &challenge(VERIFIER)),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    let h = headers.headers();
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(
        h["referrer-policy"], "same-origin",
        "no Referer to other sites, but a real Origin on the page's own POST"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn confidential_clients_authenticate() {
    let (_up, server, _dev) = setup(&[]).await;
    let (status, reg) = register(
        &server,
        json!({"client_name": "Server app", "redirect_uris": [REDIRECT]}),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        reg["token_endpoint_auth_method"], "client_secret_basic",
        "RFC 7591 default"
    );
    let id = reg["client_id"].as_str().unwrap().to_owned();
    let secret = reg["client_secret"].as_str().unwrap().to_owned();
    let code = code_by_paste(&server, &id, READ_KEY, "read").await;
    let (status, err) = redeem(&server, &id, &code).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (401, Some("invalid_client")),
        "no secret: {err}"
    );
    let resp = browser()
        .post(format!("{}/oauth/token", server.base))
        .basic_auth(&id, Some("wrong"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(
        resp.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    let resp = browser()
        .post(format!("{}/oauth/token", server.base))
        .basic_auth(&id, Some(&secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
}

#[tokio::test(flavor = "multi_thread")]
async fn auth_modes() {
    let up = upstream().await;
    let only_oauth = serve_public(&["--api-url", &up.api_url(), "--auth", "oauth"], &[]);
    let r = Mcp::new(only_oauth.url(), Some(FULL_KEY), Era::Legacy)
        .raw("tools/list", json!({}))
        .await;
    assert_eq!(r.status, 401, "plain keys refused in oauth mode");
    assert!(
        r.headers["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("resource_metadata=")
    );
    let both = serve_public(&["--api-url", &up.api_url()], &[]);
    Mcp::new(both.url(), Some(READ_KEY), Era::Legacy)
        .ok("listProducts", json!({}))
        .await;
    assert_eq!(up.take().len(), 1, "plain keys keep working beside OAuth");
    let out = std::process::Command::new(bin())
        .args([
            "serve",
            "--auth",
            "oauth",
            "--api-url",
            "http://127.0.0.1:1/api",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--public-url"));
    let out = std::process::Command::new(bin())
        .args([
            "serve",
            "--public-url",
            "http://mcp.example.com",
            "--api-url",
            "http://127.0.0.1:1/api",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("https"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The vendor's answer on Digistore24's approval page (the sandbox serves it): the browser
/// posts the decision and is sent back to the server, which the test reaches at its address.
async fn answer_on_digistore24(server: &Site, request_url: &str, decision: &str) -> String {
    let page = browser().get(request_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Approve an API key"), "{html}");
    let answer = browser()
        .post(request_url)
        .form(&[("decision", decision)])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 303);
    let back = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        back.starts_with(&format!("{}/oauth/callback?flow=", server.public)),
        "{back}"
    );
    server.local(&back)
}

fn flow_cookie(page: &Page) -> String {
    let cookie = page
        .cookies
        .iter()
        .find(|c| c.starts_with("ds24_flow_"))
        .expect("flow cookie");
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && cookie.contains("Path=/oauth/callback")
            && cookie.contains("Secure"),
        "{cookie}"
    );
    cookie.split(';').next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_with_digistore24_approved_and_declined() {
    // The server behind its public https name (as behind a reverse proxy): the browser's trips
    // back from Digistore24 are made at the test's address.
    let (up, server, _dev) = setup(&["--public-url", "https://ds24-mcp.example.com"]).await;
    let client = public_client(&server).await;

    // Declined on Digistore24's page, after looking in while the request was still open.
    let page = authorize(&server, &client, &[]).await;
    assert!(page.html.contains("Continue to Digistore24"));
    let left = decide(&server, &page, &[("action", "connect"), ("access", "full")]).await;
    assert_eq!(left.status, 303, "{}", left.html);
    let request_url = left.location.clone().unwrap();
    let recorded = up.take();
    assert_eq!(
        functions(&recorded),
        vec![("requestApiKey".to_owned(), Some(DEVELOPER_KEY.to_owned()))]
    );
    assert_eq!(field(&recorded[0], "permissions"), Some("writable"));
    let return_url = field(&recorded[0], "return_url").unwrap().to_owned();
    let cookie = flow_cookie(&left);
    let waiting = browser()
        .get(server.local(&return_url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(waiting.status(), 200);
    assert!(
        waiting
            .text()
            .await
            .unwrap()
            .contains("Waiting for Digistore24")
    );
    let back = answer_on_digistore24(&server, &request_url, "decline").await;
    assert!(back.contains("result=cancel"), "{back}");
    let stranger = browser().get(&back).send().await.unwrap();
    assert_eq!(
        stranger.status(),
        400,
        "without the cookie of the browser that left, nothing"
    );
    let to_client = browser()
        .get(&back)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(to_client.status(), 303);
    let q = query_of(to_client.headers()["location"].to_str().unwrap());
    assert_eq!(
        (q["error"].as_str(), q["state"].as_str()),
        ("access_denied", "st-123")
    );
    assert!(
        up.take()
            .iter()
            .all(|r| r.key.as_deref() == Some(DEVELOPER_KEY) && r.function == "retrieveApiKey"),
        "a declined request never collects a key, and no vendor key is used"
    );

    // Approved (read-only): the key is collected and the client gets a code.
    let page = authorize(&server, &client, &[]).await;
    let left = decide(&server, &page, &[("action", "connect"), ("access", "read")]).await;
    let recorded = up.take();
    assert_eq!(field(&recorded[0], "permissions"), Some("read-only"));
    let cookie = flow_cookie(&left);
    let back = answer_on_digistore24(&server, left.location.as_deref().unwrap(), "approve").await;
    let to_client = browser()
        .get(&back)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        to_client.status(),
        303,
        "{}",
        to_client.text().await.unwrap()
    );
    assert!(
        to_client
            .headers()
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap().contains("Max-Age=0")),
        "the flow cookie is cleared"
    );
    let q = query_of(to_client.headers()["location"].to_str().unwrap());
    let recorded = up.take();
    assert_eq!(recorded[0].function, "retrieveApiKey");
    assert_eq!(recorded[0].key.as_deref(), Some(DEVELOPER_KEY));
    assert_eq!(recorded[1].function, "getUserInfo");
    let new_key = recorded[1].key.clone().unwrap();
    assert!(![READ_KEY, FULL_KEY, DEVELOPER_KEY].contains(&new_key.as_str()));
    let (status, tokens) = redeem(&server, &client, &q["code"]).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["scope"], "read");
    let mcp = Mcp::new(server.url(), Some(&access_token(&tokens)), Era::Legacy);
    mcp.ok("listProducts", json!({})).await;
    assert_eq!(
        up.take()[0].key.as_deref(),
        Some(new_key.as_str()),
        "calls run under the approved key"
    );
    let w = mcp
        .call(
            "createProduct",
            json!({"data": {"name_de": "x", "product_type_id": 1}}),
        )
        .await;
    assert_eq!(w["isError"], true);
    assert_eq!(up.count(), 0);
    // The way back works once: the cookie is gone, and so is the key on Digistore24's side.
    let replay = browser()
        .get(&back)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 303, "the same browser comes back");
    let q = query_of(replay.headers()["location"].to_str().unwrap());
    assert_eq!(q["error"], "access_denied", "{q:?}");
    assert!(
        up.take()
            .iter()
            .all(|r| r.key.as_deref() == Some(DEVELOPER_KEY))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn client_id_metadata_documents() {
    let (up, server, _dev) = setup(&[]).await;
    let doc_server = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let doc_addr = doc_server.local_addr().unwrap();
    let client_id = format!("http://{doc_addr}/oauth/client.json");
    let wrong_id = format!("http://{doc_addr}/oauth/wrong.json");
    let doc = json!({"client_id": client_id, "client_name": "Doc Client", "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"});
    let wrong = json!({"client_id": "http://elsewhere.example/c.json", "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"});
    let app = axum::Router::new()
        .route(
            "/oauth/client.json",
            axum::routing::get(move || async move { axum::Json(doc) }),
        )
        .route(
            "/oauth/wrong.json",
            axum::routing::get(move || async move { axum::Json(wrong) }),
        );
    tokio::spawn(async move { axum::serve(doc_server, app).await.unwrap() });
    let page = authorize(&server, &client_id, &[]).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(
        page.html.contains("Doc Client") && page.html.contains("published by"),
        "{}",
        page.html
    );
    let code = code_by_paste(&server, &client_id, FULL_KEY, "full").await;
    let (status, tokens) = redeem(&server, &client_id, &code).await;
    assert_eq!(status, 200, "{tokens}");
    let page = authorize(&server, &wrong_id, &[]).await;
    assert_eq!(page.status, 400);
    assert!(
        page.html.contains("not the URL it was fetched from"),
        "{}",
        page.html
    );
    up.take();
}
