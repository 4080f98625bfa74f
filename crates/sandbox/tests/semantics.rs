//! Scenarios: what a call changes is what later calls see (create → get/list, update, copy,
//! delete, refunds, rebilling, billing on demand, validation functions, key flow), and list
//! functions honour filters, windows and paging.

#![allow(clippy::unwrap_used)] // helpers outside #[test] functions may panic too

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use serde_json::Value;

fn rows<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

fn count(v: &Value) -> usize {
    s(&v["item_count"]).parse().unwrap()
}

#[tokio::test]
async fn products_create_update_copy_delete() {
    let sb = Sb::start().await;
    let before = rows(&sb.ok("listProducts", &[]).await, "products").len();
    let id = s(&sb
        .ok(
            "createProduct",
            &[
                ("data[name_de]", "Testkurs"),
                ("data[name_en]", "Test course"),
                ("data[description_de]", "<p>Beschreibung</p>"),
                ("data[salespage_url]", "https://example.com/kurs"),
                ("data[product_group_id]", "17"),
                ("data[product_type_id]", "4"),
                (
                    "data[note]",
                    "a note that is definitely longer than forty-seven characters",
                ),
            ],
        )
        .await["product_id"]);
    let p = sb.ok("getProduct", &[("product_id", id.as_str())]).await["product"].clone();
    assert_eq!(p["name"], "Testkurs");
    assert_eq!(p["product_group_name"], "Online-Kurse");
    assert_eq!(
        s(&p["note"]).chars().count(),
        47,
        "notes are cut to 47 characters"
    );
    let list = sb.ok("listProducts", &[]).await;
    assert_eq!(rows(&list, "products").len(), before + 1);
    assert!(
        rows(&list, "products")
            .iter()
            .any(|r| r["id"] == id.as_str())
    );

    let upd = [
        ("product_id", id.as_str()),
        ("data[name_de]", "Neuer Name"),
        ("data[is_active]", "N"),
    ];
    assert_eq!(sb.ok("updateProduct", &upd).await["modified"], "Y");
    assert_eq!(
        sb.ok("updateProduct", &upd).await["modified"],
        "N",
        "same values again"
    );
    let p = sb.ok("getProduct", &[("product_id", id.as_str())]).await["product"].clone();
    assert_eq!(
        (p["name_de"].as_str(), p["is_active"].as_str()),
        (Some("Neuer Name"), Some("N"))
    );

    sb.ok(
        "createPaymentplan",
        &[
            ("product_id", id.as_str()),
            ("data[first_amount]", "49.00"),
            ("data[other_amounts]", "19.00"),
            ("data[number_of_installments]", "0"),
            ("data[first_billing_interval]", "1_month"),
        ],
    )
    .await;
    let copy = s(&sb
        .ok(
            "copyProduct",
            &[
                ("product_id", id.as_str()),
                ("data[name_de]", "Kopie"),
                ("data[is_active]", "Y"),
            ],
        )
        .await["product_id"]);
    assert_ne!(copy, id);
    let c = sb.ok("getProduct", &[("product_id", copy.as_str())]).await["product"].clone();
    assert_eq!(
        (c["name_de"].as_str(), c["is_active"].as_str()),
        (Some("Kopie"), Some("Y"))
    );
    assert_eq!(c["description_de"], "<p>Beschreibung</p>", "copied fields");
    let plans = sb
        .ok("listPaymentPlans", &[("product_id", copy.as_str())])
        .await;
    assert_eq!(plans.as_array().unwrap().len(), 1);
    assert_eq!(plans[0]["other_amounts"], "19.00");

    sb.ok("deleteProduct", &[("product_id", id.as_str())]).await;
    let (code, _) = sb
        .err(FULL, "getProduct", &[("product_id", id.as_str())])
        .await;
    assert_eq!(code, 4);
    let (code, _) = sb
        .err(FULL, "listPaymentPlans", &[("product_id", id.as_str())])
        .await;
    assert_eq!(code, 4);
    let (code, msg) = sb
        .err(
            FULL,
            "createProduct",
            &[("data[amount]", "9.00"), ("data[name_de]", "x")],
        )
        .await;
    assert_eq!(code, 3);
    assert!(msg.contains("payment plan"), "{msg}");
}

#[tokio::test]
async fn payment_plans_and_groups() {
    let sb = Sb::start().await;
    let plan = s(&sb
        .ok(
            "createPaymentplan",
            &[
                ("product_id", "512341"),
                ("data[first_amount]", "99.00"),
                ("data[first_billing_interval]", "3_month"),
                ("data[number_of_installments]", "0"),
            ],
        )
        .await["paymentplan_id"]);
    let find = |plans: &Value| {
        plans
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == plan.as_str())
            .cloned()
    };
    let p = find(&sb.ok("listPaymentPlans", &[("product_id", "512341")]).await).unwrap();
    assert_eq!(
        (p["first_amount"].as_str(), p["other_amounts"].as_str()),
        (Some("99.00"), Some("99.00"))
    );
    sb.ok(
        "updatePaymentplan",
        &[
            ("paymentplan_id", plan.as_str()),
            ("data[first_amount]", "89.00"),
        ],
    )
    .await;
    let p = find(&sb.ok("listPaymentPlans", &[("product_id", "512341")]).await).unwrap();
    assert_eq!(p["first_amount"], "89.00");
    sb.ok("deletePaymentplan", &[("paymentplan_id", plan.as_str())])
        .await;
    assert!(find(&sb.ok("listPaymentPlans", &[("product_id", "512341")]).await).is_none());

    let g = s(&sb
        .ok("createProductGroup", &[("data[name]", "Bundles")])
        .await["product_group_id"]);
    assert_eq!(
        sb.ok("getProductGroup", &[("product_group_id", g.as_str())])
            .await["product_group"]["name"],
        "Bundles"
    );
    sb.ok(
        "updateProduct",
        &[
            ("product_id", "512340"),
            ("data[product_group_id]", g.as_str()),
        ],
    )
    .await;
    sb.ok("deleteProductGroup", &[("product_group_id", g.as_str())])
        .await;
    let p = sb.ok("getProduct", &[("product_id", "512340")]).await;
    assert_eq!(
        p["product"]["product_group_id"], "",
        "members of a deleted group are ungrouped"
    );
}

#[tokio::test]
async fn vouchers_round_trip_and_validate() {
    let sb = Sb::start().await;
    let created = sb
        .ok(
            "createVoucher",
            &[
                ("data[code]", "SUMMER25"),
                ("data[product_ids]", "512340,512341"),
                ("data[first_rate]", "25"),
                ("data[other_rates]", "10"),
                ("data[is_count_limited]", "Y"),
                ("data[count_left]", "5"),
                ("data[expires_at]", "30d"),
            ],
        )
        .await;
    assert_eq!(created["code"], "SUMMER25");
    let id = s(&created["discount_code_id"]);
    let listed = sb.ok("listVouchers", &[]).await;
    let row = rows(&listed, "coupons")
        .iter()
        .find(|c| c["code"] == "SUMMER25")
        .unwrap()
        .clone();
    assert_eq!(
        (
            row["id"].as_str(),
            row["product_ids"].as_str(),
            row["first_rate"].as_str()
        ),
        (Some(id.as_str()), Some("512340,512341"), Some("25.00"))
    );
    assert_eq!(row["count_left"], "5");
    let got = sb.ok("getVoucher", &[("code", "summer25")]).await;
    assert_eq!(got["coupon"]["other_rates"], "10.00");
    let by_id = sb.ok("getVoucher", &[("code", id.as_str())]).await;
    assert_eq!(by_id["coupon"]["code"], "SUMMER25");

    assert_eq!(
        sb.ok("validateCouponCode", &[("code", "SUMMER25")]).await["status"],
        "success"
    );
    for bad in ["EXPIRED20", "USEDUP", "NOSUCHCODE"] {
        let v = sb.ok("validateCouponCode", &[("code", bad)]).await;
        assert_eq!(v["status"], "error", "{bad}: {v}");
        assert!(!s(&v["status_msg"]).is_empty());
    }
    let (code, msg) = sb
        .err(
            FULL,
            "createVoucher",
            &[("data[code]", "summer25"), ("data[first_rate]", "5")],
        )
        .await;
    assert_eq!(code, 3, "duplicate code: {msg}");
    let (code, _) = sb
        .err(
            FULL,
            "createVoucher",
            &[
                ("data[code]", "X1"),
                ("data[product_ids]", "999999"),
                ("data[first_rate]", "5"),
            ],
        )
        .await;
    assert_eq!(code, 4);

    let upd = sb
        .ok(
            "updateVoucher",
            &[
                ("code", "SUMMER25"),
                ("data[code]", "SUMMER30"),
                ("data[first_rate]", "30"),
            ],
        )
        .await;
    assert_eq!(
        (upd["modified"].as_str(), upd["code"].as_str()),
        (Some("Y"), Some("SUMMER30"))
    );
    assert_eq!(
        sb.ok("getVoucher", &[("code", "SUMMER30")]).await["coupon"]["first_rate"],
        "30.00"
    );
    sb.ok("deleteVoucher", &[("code", "SUMMER30")]).await;
    let (code, _) = sb.err(FULL, "getVoucher", &[("code", "SUMMER30")]).await;
    assert_eq!(code, 4);
}

#[tokio::test]
async fn list_filters_windows_and_paging() {
    let sb = Sb::start().await;
    let now = s(&sb.ok("ping", &[]).await["server_time"]);
    // Default window: the last 24 hours.
    let recent = sb.ok("listPurchases", &[]).await;
    assert!(
        count(&recent) >= 3,
        "the demo account always has recent sales"
    );
    let day_ago = s(&sb.ok("listTransactions", &[("page_size", "1")]).await["from"]);
    assert!(day_ago < now);
    for p in rows(&recent, "purchase_list") {
        assert!(s(&p["created_at"]) >= day_ago, "{p}");
    }
    let week = sb
        .ok("listPurchases", &[("from", "-7d"), ("page_size", "1000")])
        .await;
    assert!(count(&week) > count(&recent));
    let all = sb
        .ok("listPurchases", &[("from", "start"), ("page_size", "1000")])
        .await;
    assert!(count(&all) >= 500);

    // Paging: disjoint pages that add up.
    let mut seen = BTreeSet::new();
    let first = sb
        .ok(
            "listPurchases",
            &[("from", "start"), ("page_size", "100"), ("page_no", "1")],
        )
        .await;
    let pages: usize = s(&first["page_count"]).parse().unwrap();
    assert_eq!(pages, count(&first).div_ceil(100));
    for page in 1..=pages {
        let page_s = page.to_string();
        let p = sb
            .ok(
                "listPurchases",
                &[
                    ("from", "start"),
                    ("page_size", "100"),
                    ("page_no", page_s.as_str()),
                ],
            )
            .await;
        assert_eq!(p["page_no"], page_s.as_str());
        for r in rows(&p, "purchase_list") {
            assert!(seen.insert(s(&r["id"])), "duplicate across pages");
        }
    }
    assert_eq!(seen.len(), count(&first));
    let beyond = (pages + 1).to_string();
    let empty = sb
        .ok(
            "listPurchases",
            &[
                ("from", "start"),
                ("page_size", "100"),
                ("page_no", beyond.as_str()),
            ],
        )
        .await;
    assert!(rows(&empty, "purchase_list").is_empty());

    // Sorting.
    let desc = sb
        .ok(
            "listPurchases",
            &[
                ("from", "start"),
                ("sort_order", "desc"),
                ("page_size", "1000"),
            ],
        )
        .await;
    let dates: Vec<String> = rows(&desc, "purchase_list")
        .iter()
        .map(|r| s(&r["created_at"]))
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]));
    let by_amount = sb
        .ok(
            "listTransactions",
            &[
                ("from", "start"),
                ("sort_by", "amount"),
                ("page_size", "1000"),
            ],
        )
        .await;
    let amounts: Vec<i64> = rows(&by_amount, "transaction_list")
        .iter()
        .map(|r| money(&r["amount"]))
        .collect();
    assert!(amounts.windows(2).all(|w| w[0] <= w[1]));

    // Filters.
    let check = |v: &Value, key: &str, f: &dyn Fn(&Value) -> bool| {
        let r = rows(v, key);
        assert!(!r.is_empty(), "filter matched nothing");
        assert!(r.iter().all(f));
    };
    let subs = sb
        .ok(
            "listPurchases",
            &[
                ("from", "start"),
                ("page_size", "1000"),
                ("search[billing_type]", "subscription,installment"),
            ],
        )
        .await;
    check(&subs, "purchase_list", &|r| {
        r["billing_type"] != "single_payment"
    });
    let prod = sb
        .ok(
            "listPurchases",
            &[
                ("from", "start"),
                ("page_size", "1000"),
                ("search[product_id]", "512346"),
            ],
        )
        .await;
    check(&prod, "purchase_list", &|r| r["product_id"] == "512346");
    let email = s(&rows(&prod, "purchase_list")[0]["buyer_email"]);
    let by_email = sb
        .ok(
            "listPurchases",
            &[("from", "start"), ("search[email]", email.as_str())],
        )
        .await;
    check(&by_email, "purchase_list", &|r| {
        r["buyer_email"] == email.as_str()
    });
    let with_aff = sb
        .ok(
            "listPurchases",
            &[
                ("from", "start"),
                ("page_size", "1000"),
                ("search[has_affiliate]", "Y"),
            ],
        )
        .await;
    check(&with_aff, "purchase_list", &|r| {
        !s(&r["affiliate_name"]).is_empty()
    });
    let refunded = sb
        .ok(
            "listPurchases",
            &[
                ("from", "start"),
                ("page_size", "1000"),
                ("search[transaction_type]", "refund"),
                ("load_transactions", "Y"),
            ],
        )
        .await;
    check(&refunded, "purchase_list", &|r| {
        r["transaction_list"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["type"] == "refund")
    });
    let as_affiliate = sb
        .ok(
            "listPurchases",
            &[("from", "start"), ("search[role]", "affiliate")],
        )
        .await;
    assert_eq!(
        count(&as_affiliate),
        0,
        "the demo account only sells as vendor"
    );
    let pid = s(&rows(&prod, "purchase_list")[0]["id"]);
    let one = sb
        .ok(
            "listTransactions",
            &[("from", "start"), ("search[purchase_id]", pid.as_str())],
        )
        .await;
    check(&one, "transaction_list", &|t| {
        t["purchase_id"] == pid.as_str()
    });
    let cb = sb
        .ok(
            "listTransactions",
            &[
                ("from", "start"),
                ("page_size", "1000"),
                ("search[transaction_type]", "chargeback,refund"),
            ],
        )
        .await;
    check(&cb, "transaction_list", &|t| money(&t["amount"]) < 0);
    let usd = sb
        .ok(
            "listTransactions",
            &[
                ("from", "start"),
                ("page_size", "1000"),
                ("search[currency]", "USD"),
            ],
        )
        .await;
    check(&usd, "transaction_list", &|t| t["currency"] == "USD");
    assert_eq!(usd["summary"]["amounts"].as_object().unwrap().len(), 1);
}

/// Sums `amount` per currency over all pages of listTransactions for a window.
async fn txn_sums(sb: &Sb, from: &str, to: &str) -> BTreeMap<String, (i64, i64)> {
    let v = sb
        .ok(
            "listTransactions",
            &[("from", from), ("to", to), ("page_size", "1000")],
        )
        .await;
    assert!(count(&v) <= 1000);
    let mut sums: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for t in rows(&v, "transaction_list") {
        let e = sums.entry(s(&t["currency"])).or_default();
        e.0 += money(&t["amount"]);
        e.1 += money(&t["earned_amount"]);
    }
    // The summary agrees with the rows.
    for (cur, (total, earned)) in &sums {
        let a = &v["summary"]["amounts"][cur.as_str()];
        assert_eq!(money(&a["total_amount"]), *total);
        assert_eq!(money(&a["earned_amount"]), *earned);
    }
    sums
}

#[tokio::test]
async fn statistics_agree_with_list_transactions() {
    let sb = Sb::start().await;
    let summary = sb.ok("statsSalesSummary", &[]).await;
    let now = s(&summary["for"]["day"]["to"]);
    let to = s(&sb.ok("ping", &[]).await["server_time"]);
    assert!(to.starts_with(&now));
    for period in ["day", "week", "month"] {
        let p = &summary["for"][period];
        let from = format!("{} 00:00:00", s(&p["from"]));
        let sums = txn_sums(&sb, &from, &to).await;
        let amounts = p["amounts"].as_object().unwrap();
        assert_eq!(amounts.len(), sums.len(), "{period}: currencies");
        for (cur, (total, earned)) in &sums {
            let a = &amounts[cur.as_str()];
            assert_eq!(money(&a["total_brutto_amount"]), *total, "{period} {cur}");
            assert_eq!(money(&a["vendor_share_amount"]), *earned, "{period} {cur}");
        }
    }
    assert!(
        !summary["for"]["week"]["amounts"]
            .as_object()
            .unwrap()
            .is_empty()
    );

    // Daily amounts: each day equals that day's transactions.
    let daily = sb
        .ok("statsDailyAmounts", &[("from", "-6d"), ("to", "now")])
        .await;
    let days = rows(&daily, "amount_list");
    assert!(days.len() >= 5);
    for d in days.iter().take(4) {
        let day = s(&d["day"]);
        let sums = txn_sums(&sb, &format!("{day} 00:00:00"), &format!("{day} 23:59:59")).await;
        let cur = s(&d["currency"]);
        if day.as_str() > s(&daily["from"]).as_str() {
            assert_eq!(
                money(&d["total_brutto_amount"]),
                sums[&cur].0,
                "{day} {cur}"
            );
        }
    }

    // statsSales by day over the same week equals the daily amounts.
    let sales = sb
        .ok(
            "statsSales",
            &[("period", "day"), ("from", "-6d"), ("to", "now")],
        )
        .await;
    let eur_days: BTreeMap<String, i64> = rows(&sales["amounts"], "EUR")
        .iter()
        .map(|r| (s(&r["from"]), money(&r["total_brutto_amount"])))
        .collect();
    let eur_days_2: BTreeMap<String, i64> = days
        .iter()
        .filter(|d| d["currency"] == "EUR")
        .map(|d| (s(&d["day"]), money(&d["total_brutto_amount"])))
        .collect();
    for (day, amount) in &eur_days_2 {
        assert_eq!(eur_days.get(day), Some(amount), "{day}");
    }

    // A refund shows up in today's figures. Just after midnight (Berlin) today may have no
    // EUR sales yet: no entry is zero.
    let today_eur = |stats: &Value| {
        let amount = &stats["for"]["day"]["amounts"]["EUR"]["total_brutto_amount"];
        if amount.is_null() { 0 } else { money(amount) }
    };
    let before = today_eur(&summary);
    let singles = sb
        .ok(
            "listPurchases",
            &[
                ("from", "-30d"),
                ("search[product_id]", "512340"),
                ("search[transaction_type]", "payment"),
            ],
        )
        .await;
    let victim = rows(&singles, "purchase_list")
        .iter()
        .find(|p| p["billing_status"] == "completed")
        .unwrap()
        .clone();
    let refund = sb
        .ok(
            "refundPurchase",
            &[("purchase_id", s(&victim["id"]).as_str())],
        )
        .await;
    assert_eq!(refund["status"], "completed");
    let after = sb.ok("statsSalesSummary", &[]).await;
    assert_eq!(
        today_eur(&after),
        before - money(&refund["refunded_amount"])
    );
}

#[tokio::test]
async fn refunds_change_purchases_and_transactions() {
    let sb = Sb::start().await;
    let fx = Fixtures::discover(&sb).await;
    let pid = fx.singles[0].as_str();
    let before = sb.ok("getPurchase", &[("purchase_id", pid)]).await;
    let paid = money(&before["transaction_list"][0]["amount"]);

    // Partial refund first, then the rest.
    let part = sb
        .ok(
            "refundPartially",
            &[("purchase_id", pid), ("amount", "5.00")],
        )
        .await;
    assert_eq!(part["modified"], "Y");
    let mid = sb.ok("getPurchase", &[("purchase_id", pid)]).await;
    let txns = mid["transaction_list"].as_array().unwrap();
    assert_eq!(txns.len(), 2);
    assert_eq!(
        (txns[1]["type"].as_str(), money(&txns[1]["amount"])),
        (Some("refund"), -500)
    );
    assert_eq!(mid["billing_status"], before["billing_status"]);
    let (code, msg) = sb
        .err(
            FULL,
            "refundPartially",
            &[("purchase_id", pid), ("amount", "100000")],
        )
        .await;
    assert_eq!(code, 3, "{msg}");

    let full = sb
        .ok("refundPurchase", &[("purchase_id", pid), ("force", "Y")])
        .await;
    assert_eq!(
        (full["status"].as_str(), money(&full["refunded_amount"])),
        (Some("completed"), paid - 500)
    );
    let after = sb.ok("getPurchase", &[("purchase_id", pid)]).await;
    assert_eq!(after["billing_status"], "aborted");
    let total: i64 = after["transaction_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| money(&t["amount"]))
        .sum();
    assert_eq!(total, 0);
    let again = sb
        .ok("refundPurchase", &[("purchase_id", pid), ("force", "Y")])
        .await;
    assert_eq!(
        (again["status"].as_str(), again["modified"].as_str()),
        (Some("error"), Some("N"))
    );
    let listed = sb
        .ok(
            "listTransactions",
            &[
                ("search[purchase_id]", pid),
                ("search[transaction_type]", "refund"),
            ],
        )
        .await;
    assert_eq!(count(&listed), 2, "both refunds are today's transactions");
    let invoices = sb.ok("listInvoices", &[("purchase_id", pid)]).await;
    assert_eq!(rows(&invoices, "invoice_list").len(), 3);

    // refundTransaction: once.
    let t = fx.payment_txns[0].as_str();
    let r = sb
        .ok(
            "refundTransaction",
            &[("transaction_id", t), ("force", "Y")],
        )
        .await;
    assert_eq!(
        (r["status"].as_str(), r["modified"].as_str()),
        (Some("completed"), Some("Y"))
    );
    let r = sb
        .ok(
            "refundTransaction",
            &[("transaction_id", t), ("force", "Y")],
        )
        .await;
    assert_eq!(
        (r["status"].as_str(), r["error_reason"].as_str()),
        (Some("error"), Some("refund_completed"))
    );
    // The refund period is honoured without force.
    let old = sb
        .ok(
            "listTransactions",
            &[
                ("from", "start"),
                ("to", "-90d"),
                ("search[transaction_type]", "payment"),
                ("page_size", "1"),
            ],
        )
        .await;
    let old_id = s(&rows(&old, "transaction_list")[0]["id"]);
    let r = sb
        .ok("refundTransaction", &[("transaction_id", old_id.as_str())])
        .await;
    assert_eq!(r["status"], "refused");
}

#[tokio::test]
async fn rebilling_stop_start_charge_and_billing_on_demand() {
    let sb = Sb::start().await;
    let fx = Fixtures::discover(&sb).await;
    let sub = fx.subscriptions[0].as_str();
    let stop = sb
        .ok("stopRebilling", &[("purchase_id", sub), ("force", "Y")])
        .await;
    assert_eq!(
        (
            stop["modified"].as_str(),
            stop["rebilling_active"].as_str(),
            stop["billing_status"].as_str(),
            stop["code"].as_str()
        ),
        (Some("Y"), Some("N"), Some("aborted"), Some("stopped_now"))
    );
    assert_eq!(
        sb.ok("stopRebilling", &[("purchase_id", sub)]).await["modified"],
        "N"
    );
    let p = sb.ok("getPurchase", &[("purchase_id", sub)]).await;
    assert_eq!(
        (
            p["rebilling_active"].as_str(),
            p["next_payment_at"].as_str()
        ),
        (Some("N"), Some(""))
    );
    let start = sb.ok("startRebilling", &[("purchase_id", sub)]).await;
    assert_eq!(
        (start["modified"].as_str(), start["billing_status"].as_str()),
        (Some("Y"), Some("paying"))
    );
    assert!(!s(&start["next_payment_at"]).is_empty());
    assert_eq!(
        sb.ok("startRebilling", &[("purchase_id", sub)]).await["modified"],
        "N"
    );
    let changes = sb
        .ok("listRebillingStatusChanges", &[("from", "-1h")])
        .await;
    let types: Vec<String> = rows(&changes, "items")
        .iter()
        .filter(|c| c["purchase_id"] == sub)
        .map(|c| s(&c["type"]))
        .collect();
    assert_eq!(types, vec!["rebill_cancelled", "rebill_resumed"]);

    // An immediate rebilling payment.
    let sub2 = fx.subscriptions[1].as_str();
    let n_before = sb.ok("getPurchase", &[("purchase_id", sub2)]).await["transaction_list"]
        .as_array()
        .unwrap()
        .len();
    let pay = sb
        .ok("createRebillingPayment", &[("purchase_id", sub2)])
        .await;
    assert_eq!(pay["payment_status"], "completed");
    let p = sb.ok("getPurchase", &[("purchase_id", sub2)]).await;
    assert_eq!(
        p["transaction_list"].as_array().unwrap().len(),
        n_before + 1
    );

    // Billing on demand: a new purchase with a payment; 1 per minute per reference order.
    let sub3 = fx.subscriptions[2].as_str();
    let args = [
        ("purchase_id", sub3),
        ("product_id", "512350"),
        ("payment_plan[first_amount]", "9.00"),
        ("payment_plan[currency]", "EUR"),
        ("settings[quantity]", "2"),
        ("tracking[custom]", "tokens:pro"),
    ];
    let bod = sb.ok("createBillingOnDemand", &args).await;
    assert_eq!(
        (bod["paid_amount"].as_str(), bod["billing_status"].as_str()),
        (Some("18.00"), Some("completed"))
    );
    let new_id = s(&bod["created_purchase_id"]);
    let np = sb
        .ok("getPurchase", &[("purchase_id", new_id.as_str())])
        .await;
    assert_eq!(
        (
            np["product_id"].as_str(),
            money(&np["transaction_list"][0]["amount"])
        ),
        (Some("512350"), 1800)
    );
    let reference = sb.ok("getPurchase", &[("purchase_id", sub3)]).await;
    assert_eq!(
        np["buyer"]["id"], reference["buyer"]["id"],
        "same buyer as the reference order"
    );
    let tracking = sb
        .ok("getPurchaseTracking", &[("purchase_id", new_id.as_str())])
        .await;
    assert_eq!(tracking["custom"], "tokens:pro");
    let (code, msg) = sb.err(FULL, "createBillingOnDemand", &args).await;
    assert_eq!(code, 0, "{msg}");
    assert!(msg.contains("per minute"), "{msg}");
    let recent = sb
        .ok(
            "listPurchases",
            &[("from", "-1h"), ("search[purchase_id]", new_id.as_str())],
        )
        .await;
    assert_eq!(count(&recent), 1);
}

#[tokio::test]
async fn validation_functions_distinguish_valid_from_invalid() {
    let sb = Sb::start().await;
    let fx = Fixtures::discover(&sb).await;
    let (pid, key) = (&fx.licensed[0].0, &fx.licensed[0].1);
    let ok = sb
        .ok(
            "validateLicenseKey",
            &[("purchase_id", pid.as_str()), ("license_key", key.as_str())],
        )
        .await;
    assert_eq!(
        (
            ok["is_license_valid"].as_str(),
            ok["is_license_key_found"].as_str()
        ),
        (Some("Y"), Some("Y"))
    );
    let bad = sb
        .ok(
            "validateLicenseKey",
            &[
                ("purchase_id", pid.as_str()),
                ("license_key", "AAAAA-BBBBB"),
            ],
        )
        .await;
    assert_eq!(
        (
            bad["is_license_valid"].as_str(),
            bad["is_license_key_found"].as_str()
        ),
        (Some("N"), Some("N"))
    );

    let a = sb
        .ok(
            "validateAffiliate",
            &[("affiliate_name", "anna_s24"), ("product_ids", "512340")],
        )
        .await;
    assert_eq!(
        (
            a["have_affiliation"].as_str(),
            a["affiliation_status"].as_str()
        ),
        (Some("Y"), Some("approved"))
    );
    let a = sb
        .ok(
            "validateAffiliate",
            &[
                ("affiliate_name", "nobody_known"),
                ("product_ids", "512340"),
            ],
        )
        .await;
    assert_eq!(
        (
            a["have_affiliation"].as_str(),
            a["invalid_affiliate_name"].as_str()
        ),
        (Some("N"), Some("Y"))
    );
    let a = sb
        .ok(
            "validateAffiliate",
            &[("affiliate_name", "anna_s24"), ("product_ids", "999999")],
        )
        .await;
    assert_eq!(
        (
            a["affiliation_status"].as_str(),
            a["invalid_product_ids"].as_str()
        ),
        (Some("no_valid_products"), Some("999999"))
    );

    let t = sb
        .ok(
            "createEticket",
            &[
                ("buyer[email]", "g@example.com"),
                ("product_id", "512346"),
                ("location_id", "4"),
                ("template_id", "5"),
                ("date", "2031-05-01"),
            ],
        )
        .await;
    let tid = s(&t["etickets"][0]["id"]);
    let args = [
        ("eticket_id", tid.as_str()),
        ("template_id", "5"),
        ("location_id", "4"),
        ("date", "2031-05-01"),
    ];
    assert_eq!(sb.ok("validateEticket", &args).await["status"], "success");
    let again = sb.ok("validateEticket", &args).await;
    assert_eq!(
        (
            again["status"].as_str(),
            again["used_ticket_count"].as_str()
        ),
        (Some("error"), Some("1"))
    );
    let wrong = sb
        .ok(
            "validateEticket",
            &[
                ("eticket_id", tid.as_str()),
                ("template_id", "3"),
                ("location_id", "4"),
                ("date", "2031-05-01"),
            ],
        )
        .await;
    assert_eq!(wrong["is_eticket_valid_for_different_event"], "Y");
    let none = sb
        .ok(
            "validateEticket",
            &[
                ("eticket_id", "42"),
                ("template_id", "5"),
                ("location_id", "4"),
            ],
        )
        .await;
    assert_eq!(none["status"], "error");
    assert!(
        !s(&sb.ok("getEticket", &[("eticket_id", tid.as_str())]).await["eticket"]["used_at"])
            .is_empty()
    );
    // Comma lists, as openapi.yaml documents them: a door admitting several events, and a
    // search for several templates or locations. Sandbox review S2.
    let t = sb
        .ok(
            "createEticket",
            &[
                ("buyer[email]", "h@example.com"),
                ("product_id", "512346"),
                ("location_id", "4"),
                ("template_id", "5"),
                ("date", "2031-05-02"),
            ],
        )
        .await;
    let tid = s(&t["etickets"][0]["id"]);
    let door = [
        ("eticket_id", tid.as_str()),
        ("template_id", "99,5"),
        ("location_id", "4,98"),
        ("date", "2031-05-01,2031-05-02"),
    ];
    let admitted = sb.ok("validateEticket", &door).await;
    assert_eq!(admitted["status"], "success", "{admitted}");
    let tickets = |v: &Value| rows(v, "etickets").len();
    for (field, id) in [("template_id", "5"), ("location_id", "4")] {
        let key = format!("search[{field}]");
        let one = sb.ok("listEtickets", &[(key.as_str(), id)]).await;
        let list = format!("99999,{id}");
        let listed = sb
            .ok("listEtickets", &[(key.as_str(), list.as_str())])
            .await;
        assert!(tickets(&one) > 0, "{field}: {one}");
        assert_eq!(tickets(&listed), tickets(&one), "{field}: {listed}");
    }
    // Several orders at once: records keyed by order id, as getPurchase answers.
    let orders = sb
        .ok("listPurchases", &[("from", "start"), ("page_size", "2")])
        .await;
    let ids: Vec<String> = rows(&orders, "purchase_list")
        .iter()
        .map(|r| s(&r["id"]))
        .collect();
    assert_eq!(ids.len(), 2, "{orders}");
    let keyed = sb
        .ok(
            "getCustomerToAffiliateBuyerDetails",
            &[("purchase_id", ids.join(",").as_str())],
        )
        .await;
    for id in &ids {
        assert!(
            keyed[id.as_str()]["customer_affiliate_name"].is_string(),
            "{keyed}"
        );
    }
}

#[tokio::test]
async fn buyers_ipn_affiliates_and_key_flow() {
    let sb = Sb::start().await;
    sb.ok(
        "updateBuyer",
        &[
            ("buyer_id", "54001"),
            ("data[first_name]", "Erika"),
            ("data[city]", "Bonn"),
        ],
    )
    .await;
    let b = sb.ok("getBuyer", &[("buyer_id", "54001")]).await;
    assert_eq!(
        (
            b["buyer"]["first_name"].as_str(),
            b["buyer"]["city"].as_str()
        ),
        (Some("Erika"), Some("Bonn"))
    );
    let buyers = sb.ok("listBuyers", &[("page_size", "1000")]).await;
    assert!(count(&buyers) >= 300);

    let ipn = [
        ("ipn_url", "https://app.example.com/ipn"),
        ("name", "App"),
        ("product_ids", "512340,512341"),
        ("domain_id", "myapp"),
    ];
    let first = sb.ok("ipnSetup", &ipn).await;
    assert_eq!(
        (first["created"].as_str(), first["updated"].as_str()),
        (Some("Y"), Some("N"))
    );
    assert!(first["ipn_config_id"].is_i64());
    let second = sb.ok("ipnSetup", &ipn).await;
    assert_eq!(
        (second["created"].as_str(), second["updated"].as_str()),
        (Some("N"), Some("Y"))
    );
    assert_eq!(first["ipn_config_id"], second["ipn_config_id"]);
    assert_eq!(first["sha_passphrase"], second["sha_passphrase"]);
    // `random` asks for a generated 30-character passphrase (wire sample 8), a new one each
    // time; `all` is a value of `transactions` (catalog.json). Sandbox review S1 and S5.
    let mut random = ipn.to_vec();
    random.extend([("sha_passphrase", "random"), ("transactions", "all")]);
    let third = sb.ok("ipnSetup", &random).await;
    let generated = third["sha_passphrase"].as_str().unwrap().to_owned();
    assert_eq!(generated.chars().count(), 30, "{third}");
    assert_ne!(generated.to_lowercase(), "random");
    assert_ne!(third["sha_passphrase"], first["sha_passphrase"]);
    let fourth = sb.ok("ipnSetup", &random).await;
    assert_ne!(
        fourth["sha_passphrase"], third["sha_passphrase"],
        "new each time"
    );
    let mut own = ipn.to_vec();
    own.push(("sha_passphrase", "my-own-passphrase"));
    assert_eq!(
        sb.ok("ipnSetup", &own).await["sha_passphrase"],
        "my-own-passphrase"
    );
    let info = sb.ok("ipnInfo", &[("domain_id", "myapp")]).await;
    assert_eq!(
        (info["have_settings"].as_str(), info["product_ids"].as_str()),
        (Some("Y"), Some("512340,512341"))
    );
    assert_eq!(
        sb.ok_as(READ, "ipnInfo", &[("domain_id", "myapp")]).await["have_settings"],
        "N",
        "scoped to the calling key"
    );
    assert_eq!(
        sb.ok("ipnDelete", &[("domain_id", "myapp")]).await["modified"],
        "Y"
    );
    assert_eq!(
        sb.ok("ipnInfo", &[("domain_id", "myapp")]).await["have_settings"],
        "N"
    );

    sb.ok(
        "updateAffiliateCommission",
        &[
            ("affiliate_id", "deals4you"),
            ("product_ids", "512345"),
            ("data[commission_rate]", "12.5"),
            ("data[approval_status]", "approved"),
        ],
    )
    .await;
    let c = sb
        .ok(
            "getAffiliateCommission",
            &[("affiliate_id", "88125"), ("product_ids", "512345")],
        )
        .await;
    assert_eq!(
        (
            c["commissions"][0]["commission_rate"].as_str(),
            c["commissions"][0]["approval_status"].as_str()
        ),
        (Some("12.50"), Some("approved"))
    );
    sb.ok(
        "setAffiliateForEmail",
        &[
            ("email", "Lead@Example.com"),
            ("affiliate", "tech_tom"),
            ("campaignkey", "c1"),
        ],
    )
    .await;
    let a = sb
        .ok("getAffiliateForEmail", &[("email", "lead@example.com")])
        .await;
    assert_eq!(
        (a["affiliate_name"].as_str(), a["campaignkey"].as_str()),
        (Some("tech_tom"), Some("c1"))
    );
    let r = sb
        .ok(
            "setReferringAffiliate",
            &[
                ("referrer_id", "bigpartner"),
                ("affiliate_id", "fitfranz"),
                ("commission", "7"),
            ],
        )
        .await;
    assert_eq!(r["action"], "create");
    let r = sb
        .ok("getReferringAffiliate", &[("affiliate_id", "fitfranz")])
        .await;
    assert_eq!(
        (r["referrer_name"].as_str(), r["commission"].as_str()),
        (Some("bigpartner"), Some("7.00"))
    );

    // Interactive key flow: the retrieved key works with its permission, once.
    let retrieve = async |perm: &str| {
        let req = sb
            .ok(
                "requestApiKey",
                &[
                    ("permissions", perm),
                    ("return_url", "https://app.example.com/done"),
                ],
            )
            .await;
        let token = s(&req["request_token"]);
        // The vendor approves on the approval page first.
        let approved = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .post(s(&req["request_url"]))
            .form(&[("decision", "approve")])
            .send()
            .await
            .unwrap();
        assert_eq!(approved.status(), 303);
        let got = sb.ok("retrieveApiKey", &[("token", token.as_str())]).await;
        assert_eq!(
            sb.ok("retrieveApiKey", &[("token", token.as_str())]).await["api_key"],
            "",
            "only once"
        );
        s(&got["api_key"])
    };
    let read = retrieve("read-only").await;
    assert!(read.starts_with("4469-") && read.len() > 30, "{read}");
    sb.ok_as(&read, "listProducts", &[]).await;
    let (code, _) = sb
        .err(&read, "createProduct", &[("data[name_de]", "x")])
        .await;
    assert_eq!(code, 8);
    let key = retrieve("writable").await;
    sb.ok_as(&key, "createProduct", &[("data[name_de]", "x")])
        .await;
    sb.ok_as(&key, "unregister", &[]).await;
    let (code, _) = sb.err(&key, "ping", &[]).await;
    assert_eq!(code, 2);
}

#[tokio::test]
async fn fulfilment_updates_are_visible() {
    let sb = Sb::start().await;
    let open = sb
        .ok("listDeliveries", &[("search[type]", "request,in_progress")])
        .await;
    let d = rows(&open, "delivery").first().cloned();
    let all = sb.ok("listDeliveries", &[]).await;
    let id = s(&d.unwrap_or_else(|| rows(&all, "delivery")[0].clone())["id"]);
    sb.ok(
        "updateDelivery",
        &[
            ("delivery_id", id.as_str()),
            ("data[is_shipped]", "Y"),
            ("tracking[0][parcel_service]", "dhl"),
            ("tracking[0][tracking_id]", "JJD000123"),
            ("notify_via_email", "N"),
        ],
    )
    .await;
    let got = sb.ok("getDelivery", &[("delivery_id", id.as_str())]).await;
    assert_eq!(got["delivery"]["type"], "delivery");
    assert!(
        got["delivery"]["tracking"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["tracking_id"] == "JJD000123")
    );
    assert_eq!(
        got["delivery"]["quantity_delivered"],
        got["delivery"]["quantity_total"]
    );
    // A tracking number alone, without `data` (openapi.yaml: optional). Sandbox review S4.
    sb.ok(
        "updateDelivery",
        &[
            ("delivery_id", id.as_str()),
            ("tracking[0][parcel_service]", "dpd"),
            ("tracking[0][tracking_id]", "DPD000456"),
        ],
    )
    .await;
    let got = sb.ok("getDelivery", &[("delivery_id", id.as_str())]).await;
    assert_eq!(got["delivery"]["type"], "delivery", "unchanged: {got}");
    assert!(
        got["delivery"]["tracking"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["tracking_id"] == "DPD000456"),
        "{got}"
    );
    let shipped = sb
        .ok(
            "listDeliveries",
            &[("search[type]", "delivery"), ("search[is_processed]", "Y")],
        )
        .await;
    assert!(
        rows(&shipped, "delivery")
            .iter()
            .any(|r| r["id"] == id.as_str())
    );

    let before = sb
        .ok("getServiceProofRequest", &[("service_proof_id", "4412")])
        .await;
    let pid = s(&before["service_proof_request"]["purchase_id"]);
    sb.ok(
        "updateServiceProofRequest",
        &[
            ("service_proof_id", "4412"),
            ("data[request_status]", "exec_refund"),
        ],
    )
    .await;
    let after = sb
        .ok("getServiceProofRequest", &[("service_proof_id", "4412")])
        .await;
    assert_eq!(
        after["service_proof_request"]["request_status"],
        "exec_refund"
    );
    let p = sb.ok("getPurchase", &[("purchase_id", pid.as_str())]).await;
    assert!(
        p["transaction_list"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["type"] == "refund"),
        "exec_refund refunds the order"
    );
}

/// A deleted product is gone for every function, but getProduct shows it with
/// `show_deleted=Y` (marked deleted); its payment plans go with it.
#[tokio::test]
async fn deleted_products_show_only_when_asked() {
    let sb = Sb::start().await;
    let id = s(&sb
        .ok("createProduct", &[("data[name_de]", "Wegwerf-Produkt")])
        .await["product_id"]);
    sb.ok(
        "createPaymentplan",
        &[("product_id", id.as_str()), ("data[first_amount]", "9.00")],
    )
    .await;
    sb.ok("deleteProduct", &[("product_id", id.as_str())]).await;
    let (code, _) = sb
        .err(FULL, "getProduct", &[("product_id", id.as_str())])
        .await;
    assert_eq!(code, 4);
    let (code, _) = sb
        .err(
            FULL,
            "getProduct",
            &[("product_id", id.as_str()), ("show_deleted", "N")],
        )
        .await;
    assert_eq!(code, 4);
    let p = sb
        .ok(
            "getProduct",
            &[("product_id", id.as_str()), ("show_deleted", "Y")],
        )
        .await;
    assert_eq!(p["product"]["name_de"], "Wegwerf-Produkt");
    assert_eq!(p["product"]["is_deleted"], "Y");
    let (code, msg) = sb
        .err(
            FULL,
            "getProduct",
            &[("product_id", id.as_str()), ("show_deleted", "maybe")],
        )
        .await;
    assert_eq!(code, 3, "{msg}");
    assert!(msg.contains("show_deleted"), "{msg}");
    let list = sb.ok("listProducts", &[]).await;
    assert!(
        list["products"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| s(&p["id"]) != id)
    );
    let (code, _) = sb
        .err(FULL, "listPaymentPlans", &[("product_id", id.as_str())])
        .await;
    assert_eq!(code, 4);
    let (code, _) = sb
        .err(FULL, "copyProduct", &[("product_id", id.as_str())])
        .await;
    assert_eq!(code, 4);
}
