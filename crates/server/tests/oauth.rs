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
/// A public https name, as behind a reverse proxy with TLS (cookies are `Secure`, `__Host-`).
const HTTPS_PUBLIC: &str = "https://ds24-mcp.example.com";
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

/// A browser's cookie jar, kept by hand: what the server set, sent back as one `Cookie` header.
#[derive(Debug, Default, Clone)]
struct Jar(Vec<(String, String)>);

impl Jar {
    /// Takes the `Set-Cookie` values of a response (`Max-Age=0` deletes).
    fn take(&mut self, set_cookies: &[String]) {
        for c in set_cookies {
            let pair = c.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.0.retain(|(n, _)| n != name);
            if !c.contains("Max-Age=0") {
                self.0.push((name.to_owned(), value.to_owned()));
            }
        }
    }
    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
    fn without(&self, part: &str) -> Jar {
        Jar(self
            .0
            .iter()
            .filter(|(n, _)| !n.contains(part))
            .cloned()
            .collect())
    }
    fn has(&self, part: &str) -> bool {
        self.0.iter().any(|(n, _)| n.contains(part))
    }
}

/// A GET by the browser holding `jar`.
async fn get_page(url: &str, jar: &Jar) -> Page {
    let mut req = browser().get(url);
    if !jar.0.is_empty() {
        req = req.header("cookie", jar.header());
    }
    page_of(req.send().await.unwrap()).await
}

/// A form POST from one of the server's own pages by the browser holding `jar`.
async fn post_page(server: &Site, path: &str, form: &[(&str, &str)], jar: &Jar) -> Page {
    let mut req = browser()
        .post(format!("{}{path}", server.base))
        .header("origin", &server.public)
        .form(form);
    if !jar.0.is_empty() {
        req = req.header("cookie", jar.header());
    }
    page_of(req.send().await.unwrap()).await
}

/// The value of the hidden field `name` in a page's form.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name} in {html}"))
        + marker.len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end].to_owned()
}

/// The message of an error page.
fn alert(html: &str) -> String {
    let marker = r#"role="alert">"#;
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no alert in {html}"))
        + marker.len();
    let end = start + html[start..].find("</div>").unwrap();
    html[start..end].to_owned()
}

/// The vendor clicks "Continue to Digistore24" on a fresh consent page in the browser holding
/// `jar`; returns where the browser was sent and the `requestApiKey` call that reached
/// Digistore24.
async fn start_connect(
    server: &Site,
    up: &Upstream,
    client: &str,
    access: &str,
    jar: &mut Jar,
) -> (String, Recorded) {
    let page = authorize(server, client, &[]).await;
    assert_eq!(page.status, 200, "{}", page.html);
    jar.take(&page.cookies);
    let request = page.request();
    let left = post_page(
        server,
        "/oauth/authorize",
        &[
            ("request", &request),
            ("action", "connect"),
            ("access", access),
        ],
        jar,
    )
    .await;
    assert_eq!(left.status, 303, "{}", left.html);
    jar.take(&left.cookies);
    let recorded = up.take();
    assert_eq!(
        functions(&recorded),
        vec![("requestApiKey".to_owned(), Some(DEVELOPER_KEY.to_owned()))]
    );
    (left.location.unwrap(), recorded[0].clone())
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
            ("listPurchases".to_owned(), Some(FULL_KEY.to_owned())),
            ("listInvoices".to_owned(), Some(FULL_KEY.to_owned())),
        ],
        "the pasted key was checked with Digistore24 (full access: the invoices of a real order), and nothing else happened"
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
        recorded.iter().all(|r| [
            "getUserInfo",
            "listCountries",
            "listPurchases",
            "listInvoices"
        ]
        .contains(&r.function.as_str())),
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
    // A scope this server does not know is refused, not quietly narrowed to read access.
    let (status, err) = token(
        &server,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &first_rt),
            ("client_id", &client),
            ("scope", "read admin"),
        ],
    )
    .await;
    assert_eq!(
        (status, err["error"].as_str()),
        (400, Some("invalid_scope")),
        "{err}"
    );
    let (status, second) = refresh(first_rt.clone()).await;
    assert_eq!(status, 200, "{second}");
    assert_ne!(second["refresh_token"], tokens["refresh_token"], "rotated");
    assert_eq!(
        second["scope"], "read write",
        "the refused scope changed nothing"
    );
    // A client that lost the answer sends the same refresh token again at once: within the
    // grace period it gets tokens again, and the grant lives on.
    let (status, retried) = refresh(first_rt.clone()).await;
    assert_eq!(status, 200, "a retry after a lost answer: {retried}");
    Mcp::new(server.url(), Some(&access_token(&retried)), Era::Legacy)
        .ok("listProducts", json!({}))
        .await;
    assert_eq!(up.take().len(), 1);
    let (status, third) = refresh(retried["refresh_token"].as_str().unwrap().to_owned()).await;
    assert_eq!(status, 200, "{third}");
    let third_at = access_token(&third);
    // A token older than the last one exchanged comes back: a sign it leaked. Refused, and the
    // grant revoked.
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
    let (status, err) = refresh(third["refresh_token"].as_str().unwrap().to_owned()).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (400, Some("invalid_grant")),
        "the whole family: {err}"
    );
    let challenge = refused(&server, &third_at, "access token of a revoked grant").await;
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
        assert_eq!(page.status, 400, "{wrong}");
        assert!(page.location.is_none(), "{wrong}");
        assert!(alert(&page.html).contains("invalid_target"), "{wrong}");
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

/// Error pages are served from the origin where vendors paste their Digistore24 key, so they
/// repeat no text a link can choose: a link that made the page say "re-enter your key at
/// evil.example" would be a phishing page on the real host.
#[tokio::test(flavor = "multi_thread")]
async fn error_pages_repeat_no_text_from_the_link() {
    let (up, server, _dev) = setup(&[]).await;
    let client = public_client(&server).await;
    let bait = "SECURITY NOTICE: paste your Digistore24 key at https://evil.example/reconnect";
    let mut pages = vec![];
    // A redirect URI that is a sentence.
    let uri = format!("https://client.example/cb is fine. {bait}");
    let page = authorize(&server, &client, &[("redirect_uri", &uri)]).await;
    assert!(
        alert(&page.html).contains("is not registered"),
        "{}",
        page.html
    );
    pages.push(page);
    // A parameter given twice under a name that is a sentence.
    let name: String = url::form_urlencoded::byte_serialize(bait.as_bytes()).collect();
    let page = get_page(
        &format!(
            "{}/oauth/authorize?client_id={client}&{name}=1&{name}=2",
            server.base
        ),
        &Jar::default(),
    )
    .await;
    assert!(
        alert(&page.html).contains("more than once"),
        "{}",
        page.html
    );
    pages.push(page);
    // A resource that is a sentence.
    let resource = format!("https://evil.example/{}", bait.replace(' ', "-"));
    let page = authorize(&server, &client, &[("resource", &resource)]).await;
    assert!(
        alert(&page.html).contains("invalid_target"),
        "{}",
        page.html
    );
    pages.push(page);
    // A client id URL that is a sentence.
    let id = "https://10.9.8.7/SECURITY-NOTICE-paste-your-key-at-evil.example/c.json";
    pages.push(authorize(&server, id, &[]).await);
    for page in pages {
        assert_eq!(page.status, 400, "{}", page.html);
        assert!(!page.html.contains("evil.example"), "{}", page.html);
        assert!(!page.html.contains("SECURITY"), "{}", page.html);
    }
    assert_eq!(up.count(), 0);
}

/// RFC 9700 §4.11.2: anyone can register any https redirect URI, so an invalid request is
/// shown to the vendor on an error page rather than redirected there (an open redirector);
/// the browser goes back to the client only after the vendor acted on the consent page.
#[tokio::test(flavor = "multi_thread")]
async fn invalid_requests_are_shown_not_redirected() {
    let (up, server, _dev) = setup(&[]).await;
    let phish = "https://evil.example/phish";
    let (status, reg) = register(
        &server,
        json!({"client_name": "Claude", "redirect_uris": [phish], "token_endpoint_auth_method": "none"}),
    )
    .await;
    assert_eq!(status, 201, "{reg}");
    let client = reg["client_id"].as_str().unwrap().to_owned();
    for (param, value, error) in [
        ("response_type", "x", "unsupported_response_type"),
        ("response_type", "token", "unsupported_response_type"),
        ("code_challenge_method", "plain", "invalid_request"),
        ("code_challenge", "", "invalid_request"),
        ("code_challenge", "short", "invalid_request"),
        ("resource", "https://evil.example/mcp", "invalid_target"),
    ] {
        let page = authorize(&server, &client, &[("redirect_uri", phish), (param, value)]).await;
        assert_eq!(page.status, 400, "{param}={value}: {:?}", page.location);
        assert!(page.location.is_none(), "{param}={value}: redirected");
        assert!(
            alert(&page.html).contains(error),
            "{param}={value}: {}",
            page.html
        );
    }
    // Once the vendor acted, the answer goes back to the client: here, a refusal.
    let page = authorize(&server, &client, &[("redirect_uri", phish)]).await;
    assert_eq!(page.status, 200, "{}", page.html);
    let denied = decide(&server, &page, &[("action", "deny")]).await;
    let location = denied.location.unwrap();
    assert!(location.starts_with(phish), "{location}");
    let q = query_of(&location);
    assert_eq!(
        (q["error"].as_str(), q["state"].as_str()),
        ("access_denied", "st-123")
    );
    assert_eq!(q["iss"], server.public);
    assert_eq!(up.count(), 0);
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

/// The flow cookie a Connect click set (on an https deployment).
fn flow_cookie(page: &Page) -> String {
    let flows: Vec<&String> = page
        .cookies
        .iter()
        .filter(|c| c.contains("ds24_flow"))
        .collect();
    assert_eq!(flows.len(), 1, "one flow cookie: {:?}", page.cookies);
    let cookie = flows[0].clone();
    assert!(
        cookie.starts_with("__Host-ds24_flow=")
            && cookie.contains("; Path=/;")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && cookie.contains("Secure")
            && !cookie.to_ascii_lowercase().contains("domain="),
        "{cookie}"
    );
    cookie
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_with_digistore24_approved_and_declined() {
    // The server behind its public https name (as behind a reverse proxy): the browser's trips
    // back from Digistore24 are made at the test's address.
    let (up, server, _dev) = setup(&["--public-url", HTTPS_PUBLIC]).await;
    let client = public_client(&server).await;

    // Declined on Digistore24's page, after the vendor came back once too early.
    let mut jar = Jar::default();
    let page = authorize(&server, &client, &[]).await;
    assert!(page.html.contains("Continue to Digistore24"));
    let (request_url, call) = start_connect(&server, &up, &client, "full", &mut jar).await;
    assert_eq!(field(&call, "permissions"), Some("writable"));
    assert!(
        field(&call, "comment")
            .unwrap()
            .starts_with("unverified app: Test Client"),
        "Digistore24's page says that nobody vouches for a self-registered app: {:?}",
        field(&call, "comment")
    );
    let return_url = field(&call, "return_url").unwrap().to_owned();
    let cancel_url = field(&call, "cancel_url").unwrap().to_owned();
    let ret = query_of(&return_url);
    assert!(ret["k"].len() >= 32, "{return_url}");
    assert!(
        !query_of(&cancel_url).contains_key("k"),
        "the secret of the way back is not in the cancel link: {cancel_url}"
    );
    assert!(jar.has("__Host-ds24_flow"));
    let early = get_page(&server.local(&return_url), &jar).await;
    assert_eq!(early.status, 200, "{}", early.html);
    assert_eq!(
        up.count(),
        0,
        "nothing is collected before the vendor confirms"
    );
    let form = [
        ("flow", hidden(&early.html, "flow")),
        ("k", hidden(&early.html, "k")),
    ];
    let confirm = |action: &'static str| {
        let mut f: Vec<(&str, &str)> = form.iter().map(|(n, v)| (*n, v.as_str())).collect();
        f.push(("action", action));
        f
    };
    let waiting = post_page(&server, "/oauth/callback", &confirm("confirm"), &jar).await;
    assert_eq!(waiting.status, 200, "{}", waiting.html);
    assert!(
        waiting.html.contains("Waiting for Digistore24"),
        "{}",
        waiting.html
    );
    assert_eq!(
        functions(&up.take()),
        vec![("retrieveApiKey".to_owned(), Some(DEVELOPER_KEY.to_owned()))]
    );
    let back = answer_on_digistore24(&server, &request_url, "decline").await;
    assert!(back.contains("result=cancel"), "{back}");
    let stranger = get_page(&back, &Jar::default()).await;
    assert_eq!(
        stranger.status, 400,
        "without the cookie of the browser that left, nothing"
    );
    let to_client = get_page(&back, &jar).await;
    assert_eq!(to_client.status, 303, "{}", to_client.html);
    let q = query_of(to_client.location.as_deref().unwrap());
    assert_eq!(
        (q["error"].as_str(), q["state"].as_str()),
        ("access_denied", "st-123")
    );
    assert_eq!(up.count(), 0, "a declined request never collects a key");

    // Approved (read-only): back in the same browser, the vendor confirms on this server's
    // page, which names the app and where the browser goes; only then is the key collected.
    let mut jar = Jar::default();
    let (request_url, call) = start_connect(&server, &up, &client, "read", &mut jar).await;
    assert_eq!(field(&call, "permissions"), Some("read-only"));
    let back = answer_on_digistore24(&server, &request_url, "approve").await;
    let confirmation = get_page(&back, &jar).await;
    assert_eq!(confirmation.status, 200, "{}", confirmation.html);
    assert!(confirmation.location.is_none());
    for shown in [
        "Test Client",
        "127.0.0.1",
        "Read only",
        r#"action="/oauth/callback""#,
    ] {
        assert!(
            confirmation.html.contains(shown),
            "{shown}: {}",
            confirmation.html
        );
    }
    assert_eq!(
        up.count(),
        0,
        "nothing is collected before the vendor confirms"
    );
    let flow = hidden(&confirmation.html, "flow");
    let k = hidden(&confirmation.html, "k");
    let form = [
        ("flow", flow.as_str()),
        ("k", k.as_str()),
        ("action", "confirm"),
    ];
    // The confirmation is CSRF-safe: this browser's CSRF cookie, this server's origin, the secret.
    let r = post_page(&server, "/oauth/callback", &form, &jar.without("csrf")).await;
    assert_eq!(r.status, 403, "no CSRF cookie: {}", r.html);
    let r = browser()
        .post(format!("{}/oauth/callback", server.base))
        .header("origin", "https://evil.example")
        .header("cookie", jar.header())
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "foreign origin");
    let wrong_k = "A".repeat(k.len());
    let r = post_page(
        &server,
        "/oauth/callback",
        &[
            ("flow", flow.as_str()),
            ("k", wrong_k.as_str()),
            ("action", "confirm"),
        ],
        &jar,
    )
    .await;
    assert_eq!(r.status, 400, "wrong secret: {}", r.html);
    assert_eq!(up.count(), 0, "no refused confirmation reached Digistore24");
    let done = post_page(&server, "/oauth/callback", &form, &jar).await;
    assert_eq!(done.status, 303, "{}", done.html);
    assert!(
        done.cookies
            .iter()
            .any(|c| c.contains("ds24_flow") && c.contains("Max-Age=0")),
        "the flow cookie is cleared"
    );
    let q = query_of(done.location.as_deref().unwrap());
    assert_eq!(q["state"], "st-123");
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
    // The confirmation works once, even sent again with the old cookie.
    let replay = post_page(&server, "/oauth/callback", &form, &jar).await;
    assert_eq!(replay.status, 400, "{}", replay.html);
    assert!(replay.location.is_none());
    assert_eq!(up.count(), 0, "nothing is collected twice");
}

/// Review finding 1: an attacker starts Connect with their own client and sends the vendor
/// Digistore24's approval link. The vendor approves in their own browser; the attacker's
/// browser, which holds the flow cookie, must not be able to collect a code for the vendor's
/// key: not without the way back's secret (which only the approving browser receives), and
/// not with it either once the vendor's browser came back without the flow's cookie.
#[tokio::test(flavor = "multi_thread")]
async fn connect_is_bound_to_the_browser_that_started_and_approved_it() {
    let (up, server, _dev) = setup(&["--public-url", HTTPS_PUBLIC]).await;
    let (status, reg) = register(
        &server,
        json!({"client_name": "Claude", "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"}),
    )
    .await;
    assert_eq!(status, 201);
    let client = reg["client_id"].as_str().unwrap().to_owned();
    let mut attacker = Jar::default();
    let (request_url, call) = start_connect(&server, &up, &client, "full", &mut attacker).await;
    let return_url = field(&call, "return_url").unwrap().to_owned();
    let flow_id = query_of(&return_url)["flow"].clone();

    // The attacker comes back before the vendor approved, and after, knowing the flow id.
    let without_secret = format!("{}/oauth/callback?flow={flow_id}", server.base);
    let early = get_page(&without_secret, &attacker).await;
    assert_ne!(early.status, 303, "{:?}", early.location);

    // The vendor approves in their own browser, and is warned there.
    let back = answer_on_digistore24(&server, &request_url, "approve").await;
    let vendor = get_page(&back, &Jar::default()).await;
    assert_eq!(vendor.status, 400, "{}", vendor.html);
    assert!(vendor.location.is_none());
    assert!(
        alert(&vendor.html).contains("another browser"),
        "{}",
        vendor.html
    );

    // The attacker's browser, with its cookies: without the secret, and with it (a leak).
    for url in [without_secret.clone(), back.clone()] {
        let a = get_page(&url, &attacker).await;
        assert!(
            a.location.as_deref().is_none_or(|l| !l.contains("code=")),
            "{url}: {:?}",
            a.location
        );
        assert_ne!(a.status, 200, "{url}: no confirmation page: {}", a.html);
    }
    let leaked_k = query_of(&back)["k"].clone();
    for k in ["", leaked_k.as_str()] {
        let a = post_page(
            &server,
            "/oauth/callback",
            &[("flow", flow_id.as_str()), ("k", k), ("action", "confirm")],
            &attacker,
        )
        .await;
        assert!(
            a.location.as_deref().is_none_or(|l| !l.contains("code=")),
            "k={k}: {:?}",
            a.location
        );
    }
    let recorded = up.take();
    assert!(
        recorded.iter().all(|r| r.function != "retrieveApiKey"),
        "the vendor's key was never collected: {:?}",
        functions(&recorded)
    );
}

/// Review finding 11 and the `__Host-` prefix: the cookie of a trip to Digistore24 stays
/// below a browser's 4096 bytes for the largest request the server accepts, a second Connect
/// click replaces it rather than adding one, and on https both cookies are `__Host-` (no
/// sibling subdomain can set them).
#[tokio::test(flavor = "multi_thread")]
async fn connect_cookies_are_small_single_and_host_prefixed() {
    let (up, server, _dev) = setup(&["--public-url", HTTPS_PUBLIC]).await;
    let long_redirect = format!("https://app.example/{}", "r".repeat(1000 - 20));
    let (status, reg) = register(
        &server,
        json!({"client_name": "𝔇".repeat(100), "redirect_uris": [long_redirect], "token_endpoint_auth_method": "none"}),
    )
    .await;
    assert_eq!(status, 201, "{reg}");
    let client = reg["client_id"].as_str().unwrap().to_owned();
    // A state past its bound (counted as it is stored: JSON-escaped) is refused on a page.
    for state in ["\"".repeat(300), "s".repeat(1024)] {
        let page = authorize(
            &server,
            &client,
            &[("redirect_uri", &long_redirect), ("state", &state)],
        )
        .await;
        assert_eq!(page.status, 400, "{} bytes of state", state.len());
        assert!(page.location.is_none());
        assert!(alert(&page.html).contains("state"), "{}", page.html);
    }
    let state = "s".repeat(512);
    let page = authorize(
        &server,
        &client,
        &[("redirect_uri", &long_redirect), ("state", &state)],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.html);
    let csrf = page
        .cookies
        .iter()
        .find(|c| c.contains("ds24_csrf"))
        .unwrap();
    assert!(
        csrf.starts_with("__Host-ds24_csrf=")
            && csrf.contains("; Path=/;")
            && csrf.contains("; Secure")
            && csrf.contains("SameSite=Strict")
            && !csrf.to_ascii_lowercase().contains("domain="),
        "{csrf}"
    );
    let mut jar = Jar::default();
    jar.take(&page.cookies);
    let mut names = Vec::new();
    for _ in 0..2 {
        let left = post_page(
            &server,
            "/oauth/authorize",
            &[
                ("request", &page.request()),
                ("action", "connect"),
                ("access", "full"),
            ],
            &jar,
        )
        .await;
        assert_eq!(left.status, 303, "{}", left.html);
        let cookie = flow_cookie(&left);
        let pair = cookie.split(';').next().unwrap();
        assert!(pair.len() <= 4096, "{} bytes", pair.len());
        names.push(pair.split('=').next().unwrap().to_owned());
        jar.take(&left.cookies);
    }
    assert_eq!(
        names[0], names[1],
        "a second Connect replaces the first one's cookie"
    );
    assert_eq!(
        jar.0.len(),
        2,
        "the CSRF cookie and one flow cookie: {jar:?}"
    );
    up.take();
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
    assert!(page.location.is_none());
    assert!(
        alert(&page.html).contains("is not a client metadata document"),
        "{}",
        page.html
    );
    up.take();
}

/// A TCP listener that counts connections: how many were made, and the most open at once.
/// With `hold`, a connection stays open until the other side closes it; without, it is closed
/// at once (a proxy or server that fails every request).
struct Counter {
    addr: std::net::SocketAddr,
    total: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    max_open: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

async fn counting_listener(hold: bool) -> Counter {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let total = Arc::new(AtomicUsize::new(0));
    let open = Arc::new(AtomicUsize::new(0));
    let max_open = Arc::new(AtomicUsize::new(0));
    let (t, o, m) = (total.clone(), open.clone(), max_open.clone());
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            t.fetch_add(1, Ordering::SeqCst);
            let now = o.fetch_add(1, Ordering::SeqCst) + 1;
            m.fetch_max(now, Ordering::SeqCst);
            let o = o.clone();
            tokio::spawn(async move {
                if hold {
                    let mut buf = [0u8; 1024];
                    while matches!(sock.read(&mut buf).await, Ok(n) if n > 0) {}
                }
                drop(sock);
                o.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    Counter {
        addr,
        total,
        max_open,
    }
}

impl Counter {
    fn total(&self) -> usize {
        self.total.load(std::sync::atomic::Ordering::SeqCst)
    }
    fn max_open(&self) -> usize {
        self.max_open.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// An HTTP server for client metadata documents: `/wrong.json` names another client id,
/// `/text` is not JSON, anything else is 404. Counts the requests.
async fn document_server() -> (
    std::net::SocketAddr,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let wrong = json!({"client_id": "http://elsewhere.example/c.json", "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"});
    let app = axum::Router::new()
        .route(
            "/wrong.json",
            axum::routing::get(move || async move { axum::Json(wrong) }),
        )
        .route("/text", axum::routing::get(|| async { "hello" }))
        .fallback(|| async { (axum::http::StatusCode::NOT_FOUND, "no such document") })
        .layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                counted.fetch_add(1, Ordering::SeqCst);
                next.run(req)
            },
        ));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, hits)
}

/// `GET /oauth/authorize` for `client_id` from the source address `from`.
async fn authorize_from(server: &Site, from: std::net::IpAddr, client_id: &str) -> Page {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .local_address(Some(from))
        .build()
        .unwrap();
    let resp = http
        .get(format!("{}/oauth/authorize", server.base))
        .query(&[
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", REDIRECT),
            ("code_challenge", &challenge(VERIFIER)),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    page_of(resp).await
}

/// Review finding 7: reqwest honours HTTPS_PROXY, and through a proxy the public-only
/// resolver only ever resolves the proxy; the proxy then connects wherever it is told.
#[tokio::test(flavor = "multi_thread")]
async fn metadata_documents_are_never_fetched_through_a_proxy() {
    let proxy = counting_listener(false).await;
    let proxy_url = format!("http://{}", proxy.addr);
    let up = upstream().await;
    let server = Site {
        server: serve_env(
            &[
                "--api-url",
                &up.api_url(),
                "--state-secret",
                SECRET,
                "--public-url",
                HTTPS_PUBLIC,
            ],
            &[("HTTPS_PROXY", &proxy_url), ("https_proxy", &proxy_url)],
        ),
        public: HTTPS_PUBLIC.to_owned(),
    };
    for id in [
        "https://internal.corp.example/c.json",
        "https://metadata.google.internal/c.json",
        "https://localhost./c.json",
    ] {
        let page = authorize(&server, id, &[]).await;
        assert_eq!(page.status, 400, "{id}: {}", page.html);
    }
    assert_eq!(proxy.total(), 0, "the proxy was asked to connect");
}

/// Review finding 8: a local deployment (`--public-url http://localhost…`) still refuses
/// private and link-local addresses, and whatever is behind a loopback port (nothing, an
/// error, a page, a JSON document for another client) gets the same answer: no port scanner.
#[tokio::test(flavor = "multi_thread")]
async fn local_mode_refuses_private_addresses_and_scans_no_ports() {
    let (up, server, _dev) = setup(&[]).await;
    for id in [
        "https://10.0.0.1/c.json",
        "https://169.254.169.254/latest/c.json",
        "https://[fd00::1]/c.json",
        "https://192.168.1.1/c.json",
    ] {
        let page = authorize(&server, id, &[]).await;
        assert_eq!(page.status, 400, "{id}");
        assert!(
            alert(&page.html).contains("not a public address"),
            "{id}: {}",
            page.html
        );
    }
    let (docs, _) = document_server().await;
    // Bound but never listening, and held to the end of the test: connections are refused,
    // and no other test can take the port meanwhile.
    let held = tokio::net::TcpSocket::new_v4().unwrap();
    held.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let closed = held.local_addr().unwrap();
    let mut said = std::collections::BTreeSet::new();
    for id in [
        format!("http://{closed}/c.json"),
        format!("http://{docs}/missing.json"),
        format!("http://{docs}/text"),
        format!("http://{docs}/wrong.json"),
    ] {
        let page = authorize(&server, &id, &[]).await;
        assert_eq!(page.status, 400, "{id}");
        said.insert(alert(&page.html).replace(&id, "ID"));
    }
    assert_eq!(said.len(), 1, "one answer for every port: {said:#?}");
    assert_eq!(up.count(), 0);
}

/// Review finding 9: anonymous requests cannot make the server fetch documents without limit:
/// per client address, a few fetches (the rest are told to wait), a failed document is
/// remembered for a while, and fetches in flight are bounded for the whole server.
#[tokio::test(flavor = "multi_thread")]
async fn document_fetches_are_limited_per_address_and_failures_remembered() {
    let (_up, server, _dev) = setup(&[]).await;
    let (docs, fetched) = document_server().await;
    let count = || fetched.load(std::sync::atomic::Ordering::SeqCst);
    // 2 fetches a second per address, bursts of 4, refilling while the requests run: at most
    // 4 plus 2 per second of them are fetched, the rest are told to wait.
    let requests = 40usize;
    let started = std::time::Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..requests {
        let base = server.base.clone();
        let id = format!("http://{docs}/c{i}.json");
        set.spawn(async move {
            let resp = browser()
                .get(format!("{base}/oauth/authorize"))
                .query(&[("client_id", id.as_str()), ("response_type", "code")])
                .send()
                .await
                .unwrap();
            resp.status().as_u16()
        });
    }
    let statuses = set.join_all().await;
    let elapsed = started.elapsed().as_secs_f64();
    let most = 4 + (2.0 * elapsed).ceil() as usize;
    let n = count();
    assert!(
        n <= most,
        "{n} documents fetched for {requests} requests from one address in {elapsed:.2} s"
    );
    let waits = statuses.iter().filter(|s| **s == 429).count();
    assert!(
        waits >= 1 && waits >= requests.saturating_sub(most),
        "{waits} told to wait in {elapsed:.2} s: {statuses:?}"
    );
    // From another address: one failing document asked for ten times is fetched once.
    let before = count();
    let id = format!("http://{docs}/again.json");
    for _ in 0..10 {
        let page = authorize_from(&server, "127.0.0.2".parse().unwrap(), &id).await;
        assert_eq!(page.status, 400, "{}", page.html);
        assert!(
            alert(&page.html).contains("is not a client metadata document"),
            "{}",
            page.html
        );
    }
    assert_eq!(count() - before, 1, "a failed document is remembered");
}

#[tokio::test(flavor = "multi_thread")]
async fn document_fetches_in_flight_are_bounded() {
    let (_up, server, _dev) = setup(&[]).await;
    let hole = counting_listener(true).await;
    let mut set = tokio::task::JoinSet::new();
    for i in 0..40u8 {
        let from = std::net::IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 1, i + 1));
        let base = server.base.clone();
        let id = format!("http://{}/c{i}.json", hole.addr);
        set.spawn(async move {
            let http = reqwest::Client::builder()
                .local_address(Some(from))
                .build()
                .unwrap();
            http.get(format!("{base}/oauth/authorize"))
                .query(&[("client_id", id.as_str()), ("response_type", "code")])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    let statuses = set.join_all().await;
    let most = hole.max_open();
    assert!(most <= 16, "{most} documents fetched at once");
    assert!(statuses.contains(&503), "{statuses:?}");
    assert!(
        statuses.iter().all(|s| [400, 503].contains(s)),
        "{statuses:?}"
    );
}

/// Review finding 9: "Connect with Digistore24" spends the operator's developer key on each
/// click; anonymous clicks are limited.
#[tokio::test(flavor = "multi_thread")]
async fn developer_key_calls_are_limited() {
    let (up, server, _dev) = setup(&["--public-url", HTTPS_PUBLIC]).await;
    let client = public_client(&server).await;
    let page = authorize(&server, &client, &[]).await;
    let mut jar = Jar::default();
    jar.take(&page.cookies);
    let request = page.request();
    // Bursts of 6, then one every 6 s, refilling while the clicks run.
    let started = std::time::Instant::now();
    let mut statuses = Vec::new();
    for _ in 0..20 {
        let left = post_page(
            &server,
            "/oauth/authorize",
            &[
                ("request", &request),
                ("action", "connect"),
                ("access", "full"),
            ],
            &jar,
        )
        .await;
        statuses.push(left.status);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let calls = up
        .take()
        .iter()
        .filter(|r| r.function == "requestApiKey")
        .count();
    let most = 6 + (elapsed / 6.0).ceil() as usize;
    assert!(
        calls <= most,
        "{calls} requestApiKey calls for 20 clicks in {elapsed:.2} s"
    );
    assert!(statuses.contains(&429), "{statuses:?}");
}

/// Review finding 10: a consent page allows a few pasted keys, then the vendor starts again
/// (the per-address limit alone is shared by everyone behind one proxy).
#[tokio::test(flavor = "multi_thread")]
async fn paste_attempts_are_capped_per_consent_page() {
    let (up, server, _dev) = setup(&[]).await;
    let client = public_client(&server).await;
    let page = authorize(&server, &client, &[]).await;
    for _ in 0..5 {
        let answer = decide(
            &server,
            &page,
            &[
                ("action", "paste"),
                ("api_key", "not-a-key"),
                ("access", "read"),
            ],
        )
        .await;
        assert_eq!(answer.status, 400, "{}", answer.html);
        assert!(answer.html.contains("does not accept this API key"));
    }
    assert_eq!(up.take().len(), 5, "each attempt was checked");
    let sixth = decide(
        &server,
        &page,
        &[
            ("action", "paste"),
            ("api_key", FULL_KEY),
            ("access", "full"),
        ],
    )
    .await;
    assert_eq!(sixth.status, 429, "{}", sixth.html);
    assert!(sixth.location.is_none());
    assert!(sixth.html.contains("Too many attempts"), "{}", sixth.html);
    assert_eq!(up.count(), 0, "the sixth attempt did not reach Digistore24");
    // A new consent page (the app starts again) is a new start.
    let code = code_by_paste(&server, &client, FULL_KEY, "full").await;
    assert!(code.starts_with("ds24ac_"));
    up.take();
}

/// Review of the front door (F4): behind a trusted proxy, the OAuth pages' per-address limits
/// count the browser's forwarded address, as the MCP door does; one browser using up its
/// allowance does not lock out the others behind the same proxy. IPv6 addresses count by /64.
#[tokio::test(flavor = "multi_thread")]
async fn oauth_limits_count_the_forwarded_address_behind_a_trusted_proxy() {
    let (_up, server, _dev) = setup(&["--trusted-proxies", "127.0.0.1/32,::1/128"]).await;
    let (docs, _fetched) = document_server().await;
    let authorize_as = |from: &'static str, i: usize| {
        let base = server.base.clone();
        let id = format!("http://{docs}/{from}-{i}.json");
        async move {
            browser()
                .get(format!("{base}/oauth/authorize"))
                .header("x-forwarded-for", from)
                .query(&[("client_id", id.as_str()), ("response_type", "code")])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // One browser spends its allowance (bursts of 4, 2 a second).
    let mut statuses = Vec::new();
    for i in 0..30 {
        statuses.push(authorize_as("203.0.113.66", i).await);
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    // Another browser behind the same proxy is not told to wait.
    for (i, other) in ["198.51.100.7", "198.51.100.9", "2001:db8:1::1"]
        .into_iter()
        .enumerate()
    {
        let status = authorize_as(other, i).await;
        assert_ne!(status, 429, "{other}");
    }
    // An IPv6 browser counts by its /64: a neighbour in the same /64 shares the allowance.
    let mut statuses = Vec::new();
    for i in 0..30 {
        statuses.push(authorize_as("2001:db8:2::1", i).await);
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    // Its own allowance would let a burst of 4 through; the shared one, spent, lets through
    // at most what refilled meanwhile (2 a second).
    let started = std::time::Instant::now();
    let mut passed = 0;
    for i in 0..4 {
        if authorize_as("2001:db8:2::ffff", 100 + i).await != 429 {
            passed += 1;
        }
    }
    let refilled = 1 + (2.0 * started.elapsed().as_secs_f64()).floor() as usize;
    assert!(passed < 4 && passed <= refilled, "{passed} of 4 passed");
}
