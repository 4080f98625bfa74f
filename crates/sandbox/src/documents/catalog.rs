//! What the vendor sells and how: products (live and deleted), product groups, payment
//! plans, upsell funnels, order forms, images, shipping cost policies, vouchers, buy URLs,
//! upgrades, smart upgrades and marketplace entries.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{document, flag, int, wire, yn};
use crate::error::Lang;
use crate::labels::label;
use crate::money::{Money, money, money_de};
use crate::reference;

/// A file a digital product delivers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Download {
    pub file_name: String,
    pub file_ext: String,
    pub file_size: String,
    pub headline: String,
    pub instructions: String,
    pub downloads_total: String,
}

/// A product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Product {
    pub id: String,
    pub name_intern: String,
    pub name_de: String,
    pub name_en: String,
    pub name_es: String,
    pub description_de: String,
    pub description_en: String,
    pub description_es: String,
    pub salespage_url: String,
    pub upsell_salespage_url: String,
    pub thankyou_url: String,
    pub image_url: String,
    pub product_type_id: String,
    /// Empty when ungrouped.
    pub product_group_id: String,
    /// One code or a comma list.
    pub currency: String,
    pub language: String,
    #[serde(with = "flag")]
    pub is_active: bool,
    pub approval_status: String,
    /// Reseller id → approval status.
    pub approval_status_list: BTreeMap<String, String>,
    /// Percent, as a money value (`"40.00"`).
    pub affiliate_commission: Money,
    pub buyer_type: String,
    #[serde(with = "flag")]
    pub is_address_input_mandatory: bool,
    #[serde(with = "flag")]
    pub add_order_data_to_thankyou_page_url: bool,
    pub note: String,
    pub tag: String,
    #[serde(with = "int")]
    pub default_quantity: i64,
    #[serde(with = "int")]
    pub max_quantity: i64,
    /// A number or `infinite`.
    pub units_left: String,
    pub downloads: Vec<Download>,
    pub created_at: String,
    pub modified_at: String,
}
document!(Product, "product");

impl Product {
    /// A product with every field at its default (what createProduct starts from).
    pub fn new(id: &str, at: &str) -> Self {
        let approval = ["1", "2", "3", "4"]
            .iter()
            .map(|r| ((*r).to_string(), "new".to_string()))
            .collect();
        Self {
            id: id.to_string(),
            name_intern: String::new(),
            name_de: String::new(),
            name_en: String::new(),
            name_es: String::new(),
            description_de: String::new(),
            description_en: String::new(),
            description_es: String::new(),
            salespage_url: String::new(),
            upsell_salespage_url: String::new(),
            thankyou_url: String::new(),
            image_url: String::new(),
            product_type_id: "1".into(),
            product_group_id: String::new(),
            currency: "EUR".into(),
            language: "de".into(),
            is_active: true,
            approval_status: "new".into(),
            approval_status_list: approval,
            affiliate_commission: Money::ZERO,
            buyer_type: "consumer".into(),
            is_address_input_mandatory: false,
            add_order_data_to_thankyou_page_url: false,
            note: String::new(),
            tag: String::new(),
            default_quantity: 1,
            max_quantity: 1,
            units_left: "infinite".into(),
            downloads: Vec::new(),
            created_at: at.to_string(),
            modified_at: at.to_string(),
        }
    }

    /// The display name: in the product's own language, falling back to the others.
    pub fn display_name(&self) -> String {
        let order: [&str; 4] = if self.language == "en" {
            [
                &self.name_en,
                &self.name_de,
                &self.name_es,
                &self.name_intern,
            ]
        } else {
            [
                &self.name_de,
                &self.name_en,
                &self.name_es,
                &self.name_intern,
            ]
        };
        order
            .iter()
            .find(|n| !n.is_empty())
            .map(|n| (*n).to_string())
            .unwrap_or_default()
    }

    /// The first (or only) currency.
    pub fn main_currency(&self) -> String {
        self.currency.split(',').next().unwrap_or("EUR").to_string()
    }

    fn approval_list(&self, lang: Lang) -> Value {
        let rows: Vec<Value> = self
            .approval_status_list
            .iter()
            .map(|(reseller, st)| {
                json!({
                    "reseller_id": reseller,
                    "approval_status": st,
                    "approval_status_msg": label(lang, "approval_status", st),
                    "is_siteowner_active": yn(self.is_active),
                })
            })
            .collect();
        Value::Array(rows)
    }

    /// getProduct's record; `group_name` is the name of its product group.
    pub fn render(&self, lang: Lang, group_name: &str) -> Value {
        let mut m = Map::new();
        let mut put = |k: &str, v: Value| {
            m.insert(k.to_string(), v);
        };
        put("id", json!(self.id));
        put("name_intern", json!(self.name_intern));
        put("name_de", json!(self.name_de));
        put("name_en", json!(self.name_en));
        put("name_es", json!(self.name_es));
        put("description_de", json!(self.description_de));
        put("description_en", json!(self.description_en));
        put("description_es", json!(self.description_es));
        put("language", json!(self.language));
        put("currency", json!(self.currency));
        put("product_group_id", json!(self.product_group_id));
        put("product_type_id", json!(self.product_type_id));
        put("is_active", json!(yn(self.is_active)));
        put("approval_status", json!(self.approval_status));
        put("salespage_url", json!(self.salespage_url));
        put("upsell_salespage_url", json!(self.upsell_salespage_url));
        put("thankyou_url", json!(self.thankyou_url));
        put("image_url", json!(self.image_url));
        put("affiliate_commission", json!(self.affiliate_commission));
        put("buyer_type", json!(self.buyer_type));
        put(
            "is_address_input_mandatory",
            json!(yn(self.is_address_input_mandatory)),
        );
        put(
            "add_order_data_to_thankyou_page_url",
            json!(yn(self.add_order_data_to_thankyou_page_url)),
        );
        put("note", json!(self.note));
        put("tag", json!(self.tag));
        put("default_quantity", json!(self.default_quantity.to_string()));
        put("max_quantity", json!(self.max_quantity.to_string()));
        put("units_left", json!(self.units_left));
        put("created_at", json!(self.created_at));
        put("modified_at", json!(self.modified_at));
        put("name", json!(self.display_name()));
        put("product_group_name", json!(group_name));
        put(
            "product_type_name",
            json!(reference::product_type_name(
                &self.product_type_id,
                lang == Lang::De
            )),
        );
        put(
            "approval_status_msg",
            json!(label(lang, "approval_status", &self.approval_status)),
        );
        put("approval_status_list", self.approval_list(lang));
        Value::Object(m)
    }

    /// listProducts' row.
    pub fn list_row(&self, lang: Lang, group_name: &str) -> Value {
        json!({
            "id": self.id,
            "name_intern": self.name_intern,
            "note": self.note,
            "tag": self.tag,
            "language": self.language,
            "currency": self.currency,
            "product_group_id": self.product_group_id,
            "product_type_id": self.product_type_id,
            "is_active": yn(self.is_active),
            "units_left": self.units_left,
            "created_at": self.created_at,
            "modified_at": self.modified_at,
            "name": self.display_name(),
            "product_group_name": group_name,
            "approval_status_list": self.approval_list(lang),
        })
    }
}

/// A deleted product, kept so `getProduct(show_deleted=Y)` can still show it. Every other
/// function sees only live products.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeletedProduct {
    /// The product as it was when deleted.
    pub product: Product,
    /// When it was deleted.
    pub deleted_at: String,
}
document!(DeletedProduct, "deleted_product", |d| d.product.id.clone());

/// A product group (a folder of products).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ProductGroup {
    pub id: String,
    pub name: String,
    #[serde(with = "int")]
    pub position: i64,
    #[serde(with = "flag")]
    pub is_shown_as_tab: bool,
    pub created_at: String,
    pub modified_at: String,
}
document!(ProductGroup, "product_group");

/// A way to pay for a product (single, subscription or installments).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct PaymentPlan {
    pub id: String,
    pub product_id: String,
    pub first_amount: Money,
    pub other_amounts: Money,
    pub currency: String,
    /// 1 = single payment, 0 = subscription, n = installments.
    #[serde(with = "int")]
    pub number_of_installments: i64,
    pub first_billing_interval: String,
    pub other_billing_intervals: String,
    #[serde(with = "flag")]
    pub is_active: bool,
    #[serde(with = "int")]
    pub position: i64,
    pub cancel_policy: String,
    #[serde(with = "flag")]
    pub is_switching_allowed: bool,
    pub created_at: String,
    pub modified_at: String,
}
document!(PaymentPlan, "paymentplan");

/// The fields a new payment plan starts with.
#[derive(Debug, Clone)]
pub struct NewPlan<'a> {
    /// Plan id.
    pub id: &'a str,
    /// Its product.
    pub product_id: &'a str,
    /// First payment, cents.
    pub first: i64,
    /// Later payments, cents.
    pub other: i64,
    /// Currency code.
    pub currency: &'a str,
    /// 1 single, 0 subscription, n installments.
    pub installments: i64,
    /// Billing interval (`1_month`), empty for single payments.
    pub interval: &'a str,
    /// Position among the product's plans.
    pub position: i64,
    /// Creation time.
    pub at: &'a str,
}

impl PaymentPlan {
    /// A plan from its essentials; the rest at defaults.
    pub fn new(p: &NewPlan<'_>) -> Self {
        Self {
            id: p.id.to_string(),
            product_id: p.product_id.to_string(),
            first_amount: Money(p.first),
            other_amounts: Money(p.other),
            currency: p.currency.to_string(),
            number_of_installments: p.installments,
            first_billing_interval: p.interval.to_string(),
            other_billing_intervals: p.interval.to_string(),
            is_active: true,
            position: p.position,
            cancel_policy: String::new(),
            is_switching_allowed: false,
            created_at: p.at.to_string(),
            modified_at: p.at.to_string(),
        }
    }
}

/// The upsell funnel after a product (`y`, `yy`, `yn`, ... → product id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Upsells {
    pub product_id: String,
    pub upsells: BTreeMap<String, String>,
}
document!(Upsells, "upsells", |u| u.product_id.clone());

/// An order form. The design settings (tab texts, custom CSS/JS/HTML, custom fields, order
/// bump) are free-form on the wire and kept as given in `settings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Orderform {
    pub id: String,
    pub name: String,
    /// `widget` or `legacy`.
    pub layout: String,
    pub step_count: String,
    pub background_style: String,
    pub created_at: String,
    pub modified_at: String,
    #[serde(flatten)]
    pub settings: Map<String, Value>,
}
document!(Orderform, "orderform");

impl Orderform {
    /// listOrderforms' row.
    pub fn list_row(&self) -> Value {
        json!({
            "id": self.id, "name": self.name, "layout": self.layout,
            "created_at": self.created_at, "modified_at": self.modified_at,
        })
    }
}

/// An image uploaded to the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Image {
    pub id: String,
    pub url: String,
    pub file_extension: String,
    pub name: String,
    pub approval_status: String,
    pub usage_type: String,
    pub alt_tag: String,
    pub width: String,
    pub height: String,
    pub created_at: String,
    /// The URL it was registered from (createImage).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source_url: String,
}
document!(Image, "image");

impl Image {
    /// getImage's record.
    pub fn render(&self) -> Value {
        json!({
            "id": self.id, "url": self.url, "type": self.usage_type,
            "name": self.name, "alt_tag": self.alt_tag,
            "approval_status": self.approval_status,
            "properties": {"width": self.width, "height": self.height},
        })
    }

    /// listImages' row.
    pub fn list_row(&self) -> Value {
        json!({
            "id": self.id, "url": self.url, "file_extension": self.file_extension,
            "name": self.name, "approval_status": self.approval_status,
            "usage_type": self.usage_type, "alt_tag": self.alt_tag,
            "width": self.width, "height": self.height,
        })
    }
}

/// A shipping cost policy. Labels (`label_XX`) and price scales (`scale_N_amount`,
/// `scale_N_from`) are open-ended and kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ShippingPolicy {
    pub id: String,
    pub name: String,
    #[serde(with = "int")]
    pub position: i64,
    #[serde(with = "flag")]
    pub is_active: bool,
    pub for_product_ids: String,
    pub for_countries: String,
    pub for_currencies: String,
    pub fee_type: String,
    pub billing_cycle: String,
    pub currency: String,
    #[serde(with = "int")]
    pub scale_level_count: i64,
    pub created_at: String,
    pub modified_at: String,
    #[serde(flatten)]
    pub extra: BTreeMap<String, String>,
}
document!(ShippingPolicy, "shipping_policy");

impl ShippingPolicy {
    /// listShippingCostPolicies' row.
    pub fn list_row(&self) -> Value {
        let scale = self
            .extra
            .get("scale_1_amount")
            .cloned()
            .unwrap_or_default();
        json!({
            "id": self.id, "name": self.name, "is_active": yn(self.is_active),
            "created_at": self.created_at, "modified_at": self.modified_at,
            "rules": [{
                "for_product_ids": self.for_product_ids,
                "for_countries": self.for_countries,
                "for_currencies": self.for_currencies,
                "fee_type": self.fee_type,
                "billing_cycle": self.billing_cycle,
                "currency": self.currency,
                "scale_1_amount": scale,
            }],
        })
    }
}

/// A voucher (discount code). Rates are percent as money values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Voucher {
    pub id: String,
    pub code: String,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    pub expires_at: Option<String>,
    /// `all` or a comma list.
    pub product_ids: String,
    pub first_rate: Money,
    pub other_rates: Money,
    pub first_amount: Money,
    pub other_amounts: Money,
    pub upgrade_policy: String,
    #[serde(with = "flag")]
    pub is_count_limited: bool,
    #[serde(with = "int")]
    pub count_left: i64,
    pub currency: String,
    #[serde(with = "flag")]
    pub is_discarding_early_bird: bool,
    pub created_at: String,
}
document!(Voucher, "voucher");

impl Voucher {
    /// Whether any discount is set.
    pub fn has_discount(&self) -> bool {
        [
            self.first_rate,
            self.other_rates,
            self.first_amount,
            self.other_amounts,
        ]
        .iter()
        .any(|m| m.cents() > 0)
    }
}

/// A buy URL with preset order data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct BuyUrl {
    pub id: String,
    pub product_id: String,
    pub url: String,
    pub valid_until: String,
    pub email: String,
    pub created_at: String,
    pub modified_at: String,
}
document!(BuyUrl, "buyurl");

/// An upgrade path to another product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Upgrade {
    pub id: String,
    pub name: String,
    pub to_product_id: String,
    pub fallback_product_id: String,
    #[serde(with = "flag")]
    pub is_active: bool,
    pub authkey: String,
    pub buyer_readonly_keys: String,
    /// Comma lists of product ids.
    pub upgrade_from: String,
    pub downgrade_from: String,
    pub special_offer_for: String,
    pub created_at: String,
}
document!(Upgrade, "upgrade");

impl Upgrade {
    /// Product id → `upgrade`, `downgrade` or `special_offer`.
    pub fn types(&self) -> Map<String, Value> {
        let mut m = Map::new();
        for (list, ty) in [
            (&self.upgrade_from, "upgrade"),
            (&self.downgrade_from, "downgrade"),
            (&self.special_offer_for, "special_offer"),
        ] {
            for p in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                m.insert(p.to_string(), json!(ty));
            }
        }
        m
    }

    /// The record listUpgrades and getUpgrade show (`order_ids` fill the upgrade URL).
    pub fn render(&self, order_ids: &str) -> Value {
        let ids = if order_ids.is_empty() {
            "ORDER_ID"
        } else {
            order_ids
        };
        json!({
            "id": self.id,
            "name": self.name,
            "to_product_id": self.to_product_id,
            "is_active": yn(self.is_active),
            "authkey": self.authkey,
            "fallback_product_id": self.fallback_product_id,
            "buyer_readonly_keys": self.buyer_readonly_keys,
            "upgrade_url": format!(
                "https://www.digistore24.com/upgrade/{}-{}/{ids}",
                self.id, self.authkey
            ),
            "upgrade_types": Value::Object(self.types()),
        })
    }
}

/// A smart upgrade (an upgrade widget for the members' area).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct SmartUpgrade {
    pub id: String,
    pub name: String,
    pub authkey: String,
    pub created_at: String,
    pub is_custom_css_used: String,
    pub custom_css: Option<String>,
    pub upgrade_to_product_id: String,
    pub product_ids: String,
}
document!(SmartUpgrade, "smartupgrade");

/// A marketplace entry with its statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct MarketplaceEntry {
    pub id: String,
    pub main_product_id: String,
    pub all_product_ids: Vec<String>,
    pub approval_status: String,
    pub price: Money,
    pub currency: String,
    pub language: String,
    pub is_price_msg_overriden: String,
    pub product_category_id: String,
    pub product_category: String,
    pub headline: String,
    pub description: String,
    pub affiliate_share: String,
    pub product_created_at: String,
    pub stats_is_valid: String,
    pub stats_updated_at: String,
    pub stats_seller_rank: String,
    pub stats_seller_rank_category: String,
    pub stats_stars: String,
    pub stats_affiliate_profit_visitor: String,
    pub stats_affiliate_profit_sale: String,
    pub stats_count_orders_w_aff: String,
    pub stats_cancel_rate: String,
    pub stats_revenue: String,
    pub stats_count_affiliates_with_sales: String,
    pub stats_conversion_rate: String,
    pub stats_count_orders: String,
}
document!(MarketplaceEntry, "marketplace_entry");

impl MarketplaceEntry {
    /// The whole entry with its status label and price text.
    pub fn render(&self, lang: Lang) -> Value {
        let mut v = wire(self);
        let price = self.price.cents();
        let cur = &self.currency;
        if let Value::Object(m) = &mut v {
            m.insert(
                "approval_status_msg".into(),
                json!(label(lang, "approval_status", &self.approval_status)),
            );
            m.insert(
                "price_msg".into(),
                json!(match lang {
                    Lang::De => format!(
                        "{} {}",
                        money_de(price),
                        if cur == "EUR" { "€" } else { cur }
                    ),
                    Lang::En => format!("{} {cur}", money(price)),
                }),
            );
        }
        v
    }

    /// listMarketplaceEntries' row (before labels).
    pub fn list_row(&self, lang: Lang) -> Value {
        let mut v = json!({
            "id": self.id,
            "main_product_id": self.main_product_id,
            "headline": self.headline,
            "approval_status": self.approval_status,
            "language": self.language,
            "price": self.price,
            "currency": self.currency,
            "stats_stars": self.stats_stars,
            "stats_seller_rank": self.stats_seller_rank,
            "product_created_at": self.product_created_at,
        });
        if let (Value::Object(m), Value::Object(full)) = (&mut v, self.render(lang)) {
            for k in ["approval_status_msg", "price_msg"] {
                if let Some(x) = full.get(k) {
                    m.insert(k.to_string(), x.clone());
                }
            }
        }
        v
    }

    /// statsMarketplace's row.
    pub fn stats_row(&self) -> Value {
        json!({
            "id": self.id,
            "main_product_id": self.main_product_id,
            "headline": self.headline,
            "stats_stars": self.stats_stars,
            "stats_seller_rank": self.stats_seller_rank,
            "stats_conversion_rate": self.stats_conversion_rate,
            "stats_count_orders": self.stats_count_orders,
            "stats_revenue": self.stats_revenue,
        })
    }
}
