//! What was sold: buyers, purchases (orders), their transactions, rebilling status changes,
//! payouts, fraud reports and custom form records.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{document, flag, int, yn};
use crate::error::Lang;
use crate::ids::item_id;
use crate::labels::label;
use crate::money::{Money, money, vat_included};

/// How a purchase is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum BillingType {
    SinglePayment,
    Subscription,
    Installment,
}

impl BillingType {
    /// The wire key.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SinglePayment => "single_payment",
            Self::Subscription => "subscription",
            Self::Installment => "installment",
        }
    }

    /// From the number of installments of a plan: 1 single, 0 subscription, n installments.
    pub fn of_installments(n: i64) -> Self {
        match n {
            1 => Self::SinglePayment,
            0 => Self::Subscription,
            _ => Self::Installment,
        }
    }
}

/// Where a purchase's payments stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum BillingStatus {
    Paying,
    Completed,
    Aborted,
    Unpaid,
    Reminding,
}

impl BillingStatus {
    /// The wire key.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Paying => "paying",
            Self::Completed => "completed",
            Self::Aborted => "aborted",
            Self::Unpaid => "unpaid",
            Self::Reminding => "reminding",
        }
    }
}

/// What a transaction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum TxType {
    Payment,
    Refund,
    Chargeback,
}

impl TxType {
    /// The wire key.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Payment => "payment",
            Self::Refund => "refund",
            Self::Chargeback => "chargeback",
        }
    }

    /// Whether it takes money back (refund or chargeback).
    pub fn is_reversal(self) -> bool {
        self != Self::Payment
    }
}

/// A buyer (customer) with their address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Buyer {
    pub id: String,
    pub address_id: String,
    pub created_at: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// `M`, `F` or empty.
    pub salutation: String,
    pub title: String,
    pub company: String,
    pub street_name: String,
    pub street_number: String,
    pub street2: String,
    pub zipcode: String,
    pub city: String,
    pub state: String,
    pub country: String,
    pub phone_no: String,
}
document!(Buyer, "buyer");

impl Buyer {
    /// Street name and number in one line.
    pub fn street(&self) -> String {
        format!("{} {}", self.street_name, self.street_number)
            .trim()
            .to_string()
    }

    /// getBuyer's and listBuyers' record.
    pub fn render(&self) -> Value {
        json!({
            "id": self.id, "address_id": self.address_id, "created_at": self.created_at,
            "email": self.email, "first_name": self.first_name, "last_name": self.last_name,
            "salutation": self.salutation, "title": self.title, "company": self.company,
            "street": self.street(), "street_name": self.street_name,
            "street_number": self.street_number, "zipcode": self.zipcode, "city": self.city,
            "state": self.state, "country": self.country, "phone_no": self.phone_no,
        })
    }

    /// The `buyer` block of getPurchase.
    pub fn purchase_block(&self) -> Value {
        json!({
            "id": self.id, "created_at": self.created_at, "email": self.email,
            "first_name": self.first_name, "last_name": self.last_name,
            "salutation": self.salutation, "title": self.title, "company": self.company,
            "street": self.street(), "street2": self.street2, "zipcode": self.zipcode,
            "city": self.city, "state": self.state, "country": self.country,
            "phone_no": self.phone_no,
        })
    }
}

/// Tracking data recorded with a purchase.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[allow(missing_docs)]
pub struct Tracking {
    pub utm_source: String,
    pub utm_medium: String,
    pub utm_campaign: String,
    pub utm_term: String,
    pub utm_content: String,
    pub click_id: String,
    pub campaignkey: String,
    pub trackingkey: String,
    pub vendor_key: String,
    pub custom: String,
    pub sid1: String,
    pub sid2: String,
    pub sid3: String,
    pub sid4: String,
    pub sid5: String,
}

impl Tracking {
    fn sids(&self) -> [&str; 5] {
        [&self.sid1, &self.sid2, &self.sid3, &self.sid4, &self.sid5]
    }

    /// getPurchaseTracking's record.
    pub fn render(&self) -> Value {
        let sids: Vec<&str> = self.sids().into_iter().filter(|s| !s.is_empty()).collect();
        json!({
            "utm_params": {
                "utm_source": self.utm_source, "utm_medium": self.utm_medium,
                "utm_campaign": self.utm_campaign, "utm_term": self.utm_term,
                "utm_content": self.utm_content,
            },
            "click_id": self.click_id,
            "sub_ids": sids,
            "vendor_key": self.vendor_key,
            "campaign_key": self.campaignkey,
            "tracking_key": self.trackingkey,
            "custom": self.custom,
        })
    }
}

/// An add-on booked with createAddonChangePurchase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct AddonLine {
    pub product_id: String,
    pub product_name: String,
    pub amount: Money,
    #[serde(with = "int")]
    pub quantity: i64,
}

/// A purchase (order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Purchase {
    pub id: String,
    pub created_at: String,
    pub product_id: String,
    pub paymentplan_id: String,
    #[serde(with = "int")]
    pub quantity: i64,
    pub buyer_id: String,
    pub affiliate_id: String,
    pub affiliate_name: String,
    /// The affiliate's commission in basis points, as a money value (`"40.00"` = 40 %).
    pub affiliate_rate: Money,
    /// First payment.
    pub amount: Money,
    /// Each later payment.
    pub other_amounts: Money,
    pub currency: String,
    #[serde(with = "int")]
    pub number_of_installments: i64,
    pub billing_type: BillingType,
    pub billing_status: BillingStatus,
    pub first_billing_interval: String,
    pub other_billing_intervals: String,
    /// Empty when no payment is scheduled.
    pub next_payment_at: String,
    #[serde(with = "flag")]
    pub rebilling_active: bool,
    /// Payments made so far.
    #[serde(with = "int")]
    pub pay_sequence_no: i64,
    pub last_payment_at: String,
    /// VAT percent as a money value (`"19.00"`).
    pub vat_rate: Money,
    pub vat_country: String,
    pub pay_method: String,
    /// `live` or `test`.
    pub order_type: String,
    #[serde(with = "flag")]
    pub is_rebilling_capable: bool,
    pub tracking: Tracking,
    pub license_key: String,
    pub balance: Money,
    pub custom: String,
    pub tracking_param: String,
    #[serde(with = "flag")]
    pub unlock_invoices: bool,
    pub auth_key: String,
    #[serde(with = "flag")]
    pub has_custom_forms: bool,
    #[serde(with = "flag")]
    pub has_etickets: bool,
    /// The order this one was derived from (billing on demand, add-ons, upgrades).
    #[serde(default)]
    pub reference_purchase_id: String,
    /// Created by createBillingOnDemand.
    #[serde(default, with = "flag")]
    pub billing_on_demand: bool,
    /// Add-ons of an add-on change.
    #[serde(default)]
    pub addons: Vec<AddonLine>,
    /// The order that replaced this subscription (add-on change).
    #[serde(default)]
    pub replaced_by: String,
    /// The order this one was upgraded to.
    #[serde(default)]
    pub upgraded_to: String,
    /// When a stopped subscription ends (stopRebilling under a cancel policy).
    #[serde(default)]
    pub cancel_at: String,
    #[serde(default)]
    pub invoice_mail_sent_at: String,
    #[serde(default)]
    pub confirmation_mail_sent_at: String,
}
document!(Purchase, "purchase");

/// What getPurchase shows besides the purchase itself.
#[derive(Debug, Clone, Copy)]
pub struct PurchaseContext<'a> {
    /// The product's display name (empty when deleted).
    pub product_name: &'a str,
    /// The buyer.
    pub buyer: Option<&'a Buyer>,
    /// Its transactions, oldest first.
    pub transactions: &'a [&'a Transaction],
}

impl Purchase {
    /// The invoice PDF of one of its transactions.
    pub fn invoice_url(&self, t: &Transaction) -> String {
        format!(
            "https://www.digistore24.com/invoice/{}/{}/{}.pdf",
            self.id, t.id, self.auth_key
        )
    }

    /// getPurchase's record.
    pub fn render(&self, lang: Lang, ctx: &PurchaseContext<'_>) -> Value {
        let rate = self.vat_rate.cents() / 100;
        let bt = self.billing_type.as_str();
        let bs = self.billing_status.as_str();
        let first_payment = ctx.transactions.iter().find(|t| t.kind == TxType::Payment);
        let mut m = Map::new();
        let mut put = |k: &str, v: Value| {
            m.insert(k.to_string(), v);
        };
        put("id", json!(self.id));
        put("amount", json!(self.amount));
        put("currency", json!(self.currency));
        put("other_amounts", json!(self.other_amounts));
        put(
            "other_vat_amounts",
            json!(money(vat_included(self.other_amounts.cents(), rate))),
        );
        put(
            "number_of_installments",
            json!(self.number_of_installments.to_string()),
        );
        put("vat_country", json!(self.vat_country));
        put(
            "vat_amount",
            json!(money(vat_included(self.amount.cents(), rate))),
        );
        put("vat_rate", json!(self.vat_rate));
        put("created_at", json!(self.created_at));
        put("billing_type_msg", json!(label(lang, "billing_type", bt)));
        put("billing_type", json!(bt));
        put(
            "billing_status_msg",
            json!(label(lang, "billing_status", bs)),
        );
        put("billing_status", json!(bs));
        put("next_payment_at", json!(self.next_payment_at));
        put("rebilling_active", json!(yn(self.rebilling_active)));
        put("pay_sequence_no", json!(self.pay_sequence_no.to_string()));
        put("pay_method", json!(self.pay_method));
        put(
            "pay_method_msg",
            json!(label(lang, "pay_method", &self.pay_method)),
        );
        put("order_type", json!(self.order_type));
        put("product_id", json!(self.product_id));
        put("product_name", json!(ctx.product_name));
        put("quantity", json!(self.quantity.to_string()));
        put("affiliate_id", json!(self.affiliate_id));
        put("affiliate_name", json!(self.affiliate_name));
        put("balance", json!(self.balance));
        put("custom", json!(self.custom));
        let (id, auth) = (&self.id, &self.auth_key);
        put(
            "renew_url",
            json!(format!("https://www.digistore24.com/renew/{id}/{auth}")),
        );
        put(
            "receipt_url",
            json!(format!("https://www.digistore24.com/receipt/{id}/{auth}")),
        );
        put(
            "invoice_url",
            json!(
                first_payment
                    .map(|t| self.invoice_url(t))
                    .unwrap_or_default()
            ),
        );
        put("has_custom_forms", json!(yn(self.has_custom_forms)));
        put("has_etickets", json!(yn(self.has_etickets)));
        put(
            "transaction_list",
            Value::Array(
                ctx.transactions
                    .iter()
                    .map(|t| t.purchase_row(self, lang))
                    .collect(),
            ),
        );
        put(
            "buyer",
            ctx.buyer.map_or_else(|| json!({}), Buyer::purchase_block),
        );
        put(
            "items",
            json!([{
                "id": item_id(&self.id),
                "no": "1",
                "product_id": self.product_id,
                "product_name": ctx.product_name,
                "quantity": self.quantity.to_string(),
                "count": self.quantity.to_string(),
                "variant_key": "",
                "variant_name": "",
                "license_key": self.license_key,
            }]),
        );
        Value::Object(m)
    }

    /// listPurchases' row; `earned` is the vendor's earnings from it in cents.
    pub fn list_row(
        &self,
        lang: Lang,
        product_name: &str,
        buyer: Option<&Buyer>,
        earned: i64,
    ) -> Value {
        let b = |f: fn(&Buyer) -> &String| buyer.map(|b| f(b).clone()).unwrap_or_default();
        let tr = &self.tracking;
        let bt = self.billing_type.as_str();
        let bs = self.billing_status.as_str();
        json!({
            "id": self.id,
            "created_at": self.created_at,
            "amount": self.amount,
            "currency": self.currency,
            "billing_type": bt,
            "billing_type_msg": label(lang, "billing_type", bt),
            "billing_status": bs,
            "billing_status_msg": label(lang, "billing_status", bs),
            "product_id": self.product_id,
            "product_name": product_name,
            "quantity": self.quantity.to_string(),
            "buyer_id": self.buyer_id,
            "buyer_email": b(|b| &b.email),
            "first_name": b(|b| &b.first_name),
            "last_name": b(|b| &b.last_name),
            "country": b(|b| &b.country),
            "affiliate_id": self.affiliate_id,
            "affiliate_name": self.affiliate_name,
            "pay_method": self.pay_method,
            "pay_method_msg": label(lang, "pay_method", &self.pay_method),
            "order_type": self.order_type,
            "number_of_installments": self.number_of_installments.to_string(),
            "next_payment_at": self.next_payment_at,
            "rebilling_active": yn(self.rebilling_active),
            "earned_amount": money(earned),
            "role": "vendor",
            "click_id": tr.click_id,
            "sub_ids": {
                "sid1": tr.sid1, "sid2": tr.sid2, "sid3": tr.sid3,
                "sid4": tr.sid4, "sid5": tr.sid5,
            },
        })
    }

    /// listPurchasesOfEmail's row.
    pub fn email_row(&self, lang: Lang, product_name: &str) -> Value {
        let bs = self.billing_status.as_str();
        json!({
            "id": self.id, "created_at": self.created_at, "amount": self.amount,
            "currency": self.currency, "product_id": self.product_id,
            "product_name": product_name, "status": bs,
            "status_msg": label(lang, "billing_status", bs),
        })
    }

    /// The billing fields the rebilling functions answer with.
    pub fn rebilling_state(&self, lang: Lang) -> Map<String, Value> {
        let mut m = Map::new();
        let bs = self.billing_status.as_str();
        m.insert("billing_status".into(), json!(bs));
        m.insert(
            "billing_status_msg".into(),
            json!(label(lang, "billing_status", bs)),
        );
        m.insert("next_payment_at".into(), json!(self.next_payment_at));
        m.insert("rebilling_active".into(), json!(yn(self.rebilling_active)));
        m
    }
}

/// A money movement on a purchase: payment, refund or chargeback. Amounts are negative for
/// reversals; `vendor_amount` is what the vendor earns (after VAT, fee and commission).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Transaction {
    pub id: String,
    pub purchase_id: String,
    pub created_at: String,
    #[serde(rename = "type")]
    pub kind: TxType,
    pub amount: Money,
    pub vat_amount: Money,
    pub fee_amount: Money,
    pub affiliate_amount: Money,
    pub vendor_amount: Money,
    pub currency: String,
    pub pay_method: String,
    #[serde(with = "int")]
    pub pay_sequence_no: i64,
    pub product_id: String,
    pub buyer_id: String,
    pub affiliate_id: String,
    pub order_type: String,
    #[serde(with = "int")]
    pub invoice_no: i64,
    /// The payment a reversal takes back.
    pub related_transaction_id: String,
    /// How much of a payment was refunded so far.
    pub refunded_amount: Money,
}
document!(Transaction, "transaction");

impl Transaction {
    /// The numeric id (for ordering).
    pub fn num(&self) -> i64 {
        self.id.parse().unwrap_or(0)
    }

    /// A transaction as listed inside its purchase.
    pub fn purchase_row(&self, purchase: &Purchase, lang: Lang) -> Value {
        let ty = self.kind.as_str();
        json!({
            "id": self.id,
            "amount": self.amount,
            "vat_amount": self.vat_amount,
            "currency": self.currency,
            "purchase_id": self.purchase_id,
            "pay_method": self.pay_method,
            "pay_method_msg": label(lang, "pay_method", &self.pay_method),
            "created_at": self.created_at,
            "type": ty,
            "type_msg": label(lang, "transaction_type", ty),
            "pay_sequence_no": self.pay_sequence_no.to_string(),
            "invoice_url": purchase.invoice_url(self),
        })
    }

    /// listTransactions' row.
    pub fn list_row(
        &self,
        lang: Lang,
        product_name: &str,
        purchase: Option<&Purchase>,
        buyer: Option<&Buyer>,
    ) -> Value {
        let ty = self.kind.as_str();
        let b = |f: fn(&Buyer) -> &String| buyer.map(|b| f(b).clone()).unwrap_or_default();
        json!({
            "id": self.id,
            "purchase_id": self.purchase_id,
            "amount": self.amount,
            "vat_amount": self.vat_amount,
            "earned_amount": self.vendor_amount,
            "affiliate_amount": self.affiliate_amount,
            "currency": self.currency,
            "transaction_type": ty,
            "transaction_type_msg": label(lang, "transaction_type", ty),
            "created_at": self.created_at,
            "pay_method": self.pay_method,
            "pay_method_msg": label(lang, "pay_method", &self.pay_method),
            "pay_sequence_no": self.pay_sequence_no.to_string(),
            "product_id": self.product_id,
            "product_name": product_name,
            "billing_type": purchase.map(|p| p.billing_type.as_str()).unwrap_or_default(),
            "affiliate_name": purchase.map(|p| p.affiliate_name.clone()).unwrap_or_default(),
            "order_type": self.order_type,
            "buyer": {
                "id": self.buyer_id, "email": b(|b| &b.email),
                "first_name": b(|b| &b.first_name), "last_name": b(|b| &b.last_name),
            },
        })
    }
}

/// A rebilling status change (`rebill_cancelled`, `rebill_resumed`, `last_paid_day`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct RebillChange {
    pub id: String,
    pub purchase_id: String,
    pub created_at: String,
    #[serde(with = "int")]
    pub pay_sequence_no: i64,
    #[serde(rename = "type")]
    pub kind: String,
}
document!(RebillChange, "rebill_change");

impl RebillChange {
    /// listRebillingStatusChanges' row.
    pub fn render(&self, lang: Lang) -> Value {
        json!({
            "id": self.id, "purchase_id": self.purchase_id, "created_at": self.created_at,
            "pay_sequence_no": self.pay_sequence_no.to_string(), "type": self.kind,
            "type_msg": label(lang, "rebill_change", &self.kind),
        })
    }
}

/// A monthly payout of the vendor's earnings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Payout {
    pub id: String,
    pub credit_note_url: String,
    pub commission_list_url: String,
    pub reseller_name: String,
    pub reseller_id: String,
    pub created_at: String,
    pub processed_at: String,
    pub period_from: String,
    pub period_to: String,
    pub vat_rate: Money,
    pub vat_regulation: String,
    pub currency: String,
    pub payout_method: String,
    pub vendor_gross_amount: Money,
    pub vendor_net_amount: Money,
    pub vendor_vat_amount: Money,
    pub affiliate_gross_amount: Money,
    pub affiliate_net_amount: Money,
    pub affiliate_vat_amount: Money,
    pub fee_amount: Money,
    pub fee_vat_amount: Money,
}
document!(Payout, "payout");

/// A fraud report on a transaction (keyed `{transaction_id}-{who}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct FraudReport {
    pub transaction_id: String,
    /// `buyer` or `affiliate`.
    pub who: String,
    pub comment: String,
    pub created_at: String,
}
document!(FraudReport, "fraud_report", |r| format!(
    "{}-{}",
    r.transaction_id, r.who
));

/// Answers a buyer gave in a custom order form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct CustomFormRecord {
    pub id: String,
    pub form_id: String,
    pub purchase_id: String,
    pub purchase_item_id: String,
    pub product_id: String,
    pub form_no: String,
    pub form_count: String,
    pub data: Map<String, Value>,
    pub address: Map<String, Value>,
}
document!(CustomFormRecord, "custom_form_record");
