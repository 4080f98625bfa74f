//! Shared helpers: a sandbox on an ephemeral port and a small client for the wire protocol.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;

use ds24_sandbox::{RunningSandbox, SandboxOptions};
use serde_json::Value;

pub const FULL: &str = "sandbox-full";
pub const READ: &str = "sandbox-read";

pub struct Sb {
    pub sb: RunningSandbox,
    pub http: reqwest::Client,
}

pub fn any_port() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

impl Sb {
    pub async fn start() -> Self {
        Self::with(SandboxOptions::in_memory()).await
    }

    pub async fn with(opts: SandboxOptions) -> Self {
        let sb = ds24_sandbox::start(opts, any_port()).await.unwrap();
        Self {
            sb,
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self, function: &str) -> String {
        format!("{}/{function}/format/json", self.sb.api_url())
    }

    /// POSTs a form body built from `pairs` (brackets percent-encoded) and returns status and
    /// the parsed body.
    pub async fn raw(&self, key: &str, function: &str, pairs: &[(&str, &str)]) -> (u16, Value) {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.body(key, function, body).await
    }

    pub async fn body(&self, key: &str, function: &str, body: String) -> (u16, Value) {
        let resp = self
            .http
            .post(self.url(function))
            .header("X-DS-API-KEY", key)
            .header(
                "Content-Type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let v: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{function}: body is not JSON ({e}): {text}"));
        (status, v)
    }

    /// Calls with the full key and expects success; returns `data`.
    pub async fn ok(&self, function: &str, pairs: &[(&str, &str)]) -> Value {
        self.ok_as(FULL, function, pairs).await
    }

    pub async fn ok_as(&self, key: &str, function: &str, pairs: &[(&str, &str)]) -> Value {
        let (status, v) = self.raw(key, function, pairs).await;
        assert_eq!(status, 200, "{function}: {v}");
        assert_eq!(v["result"], "success", "{function} {pairs:?}: {v}");
        v["data"].clone()
    }

    /// Calls and expects an error envelope; returns (code, English message).
    pub async fn err(&self, key: &str, function: &str, pairs: &[(&str, &str)]) -> (i64, String) {
        let mut with_lang: Vec<(&str, &str)> = pairs.to_vec();
        with_lang.push(("language", "en"));
        let (_, v) = self.raw(key, function, &with_lang).await;
        assert_eq!(
            v["result"], "error",
            "{function} {pairs:?} should fail: {v}"
        );
        (
            v["code"].as_i64().unwrap(),
            v["message"].as_str().unwrap().to_string(),
        )
    }
}

pub fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub fn money(v: &Value) -> i64 {
    let t = s(v);
    let neg = t.starts_with('-');
    let t = t.trim_start_matches('-');
    let (a, b) = t.split_once('.').unwrap_or((t, "0"));
    let c = a.parse::<i64>().unwrap() * 100 + format!("{b:0<2}")[..2].parse::<i64>().unwrap();
    if neg { -c } else { c }
}

/// Ids from the seeded demo account that the table tests address.
#[derive(Debug, Clone, Default)]
pub struct Fixtures {
    /// Purchases of the first (single payment) product with a payment.
    pub singles: Vec<String>,
    /// Running monthly subscriptions that can be charged (rebilling active, not bank transfer).
    pub subscriptions: Vec<String>,
    /// Purchases of the software product (they carry license keys).
    pub licensed: Vec<(String, String)>,
    /// A payment transaction that can be refunded.
    pub payment_txns: Vec<String>,
    pub buyer_email: String,
    pub eticket: String,
    pub images: Vec<String>,
    pub delivery: String,
}

impl Fixtures {
    pub async fn discover(sb: &Sb) -> Self {
        let mut fx = Fixtures::default();
        let purchases = sb
            .ok(
                "listPurchases",
                &[
                    ("from", "start"),
                    ("page_size", "1000"),
                    ("load_transactions", "Y"),
                ],
            )
            .await;
        for p in purchases["purchase_list"].as_array().unwrap() {
            let id = s(&p["id"]);
            let paid = p["transaction_list"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["type"] == "payment");
            let refunded = p["transaction_list"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["type"] != "payment");
            if p["product_id"] == "512340" && paid && !refunded {
                fx.singles.push(id.clone());
            }
            if p["product_id"] == "512341"
                && p["rebilling_active"] == "Y"
                && p["billing_status"] == "paying"
                && p["pay_method"] != "banktransfer"
                && !refunded
            {
                fx.subscriptions.push(id.clone());
            }
            if p["product_id"] == "512343" && p["billing_status"] == "completed" && !refunded {
                fx.licensed.push((id.clone(), String::new()));
            }
        }
        for (id, key) in fx.licensed.iter_mut().take(3) {
            let p = sb.ok("getPurchase", &[("purchase_id", id.as_str())]).await;
            *key = s(&p["items"][0]["license_key"]);
        }
        fx.licensed.retain(|(_, k)| !k.is_empty());
        let p = sb
            .ok("getPurchase", &[("purchase_id", fx.singles[0].as_str())])
            .await;
        fx.buyer_email = s(&p["buyer"]["email"]);
        let txns = sb
            .ok(
                "listTransactions",
                &[
                    ("from", "-30d"),
                    ("page_size", "1000"),
                    ("search[transaction_type]", "payment"),
                ],
            )
            .await;
        fx.payment_txns = txns["transaction_list"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| !fx.singles.contains(&s(&t["purchase_id"])))
            .filter(|t| !fx.subscriptions.contains(&s(&t["purchase_id"])))
            .map(|t| s(&t["id"]))
            .collect();
        let tickets = sb.ok("listEtickets", &[]).await;
        fx.eticket = s(&tickets["etickets"][0]["id"]);
        let images = sb.ok("listImages", &[("usage_type", "all")]).await;
        fx.images = images["images"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| s(&i["id"]))
            .collect();
        let del = sb.ok("listDeliveries", &[]).await;
        fx.delivery = s(&del["delivery"][0]["id"]);
        assert!(fx.singles.len() >= 6, "{:?}", fx.singles);
        assert!(fx.subscriptions.len() >= 6, "{:?}", fx.subscriptions);
        assert!(!fx.licensed.is_empty());
        assert!(fx.payment_txns.len() >= 2);
        assert!(fx.images.len() >= 2);
        fx
    }
}
