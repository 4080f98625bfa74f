//! Delivering what was sold: e-tickets with their templates and locations, physical
//! deliveries and service proof requests.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Buyer, document, flag, int, wire};
use crate::error::Lang;
use crate::labels::label;
use crate::reference;

/// An e-ticket. Serialises in the order getEticket answers with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Eticket {
    pub id: String,
    pub download_url: String,
    pub date_id: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub hint: String,
    pub location_id: String,
    pub template_id: String,
    pub purchase_id: String,
    pub purchase_item_id: String,
    pub no: String,
    pub count: String,
    pub days: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub salutation: String,
    pub title: String,
    pub language: String,
    /// Empty until scanned.
    pub used_at: String,
    #[serde(with = "flag")]
    pub is_blocked: bool,
    pub note: String,
    pub product_id: String,
}
document!(Eticket, "eticket");

/// An e-ticket template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct EticketTemplate {
    pub id: String,
    pub name: String,
    pub created_at: String,
    pub modified_at: String,
}
document!(EticketTemplate, "eticket_template");

/// An e-ticket location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct EticketLocation {
    pub id: String,
    pub name: String,
    pub address: String,
}
document!(EticketLocation, "eticket_location");

/// One parcel of a delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Parcel {
    pub parcel_service: String,
    pub tracking_id: String,
    pub expect_delivery_at: String,
    pub quantity: String,
}

/// A physical delivery of a purchase item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Delivery {
    pub id: String,
    pub purchase_id: String,
    pub purchase_item_id: String,
    /// `request`, `in_progress`, `delivery`, `partial_delivery`, `return`, `cancel`.
    #[serde(rename = "type")]
    pub kind: String,
    pub delivery_type: String,
    pub product_id: String,
    #[serde(with = "int")]
    pub quantity_total: i64,
    #[serde(with = "int")]
    pub quantity_delivered: i64,
    #[serde(with = "flag")]
    pub is_test_order: bool,
    pub processed_at: String,
    pub processed_by: String,
    pub is_shipped_by_reseller_from: String,
    pub tracking: Vec<Parcel>,
    pub created_at: String,
    pub modified_at: String,
}
document!(Delivery, "delivery");

/// What a delivery's rendering shows of related documents.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryContext<'a> {
    /// The purchase's `created_at`.
    pub purchase_created_at: &'a str,
    /// The purchase's auth key (for document URLs).
    pub auth_key: &'a str,
    /// The buyer.
    pub buyer: Option<&'a Buyer>,
    /// The product's display name.
    pub product_name: &'a str,
    /// The product's type id.
    pub product_type_id: &'a str,
}

impl Delivery {
    /// listDeliveries' row, or getDelivery's record with `full` (document URLs).
    pub fn render(&self, lang: Lang, ctx: &DeliveryContext<'_>, full: bool) -> Value {
        let de = lang == Lang::De;
        let mut r = json!({
            "id": self.id,
            "purchase_id": self.purchase_id,
            "purchase_item_id": self.purchase_item_id,
            "type": self.kind,
            "delivery_type": self.delivery_type,
            "product_id": self.product_id,
            "quantity_total": self.quantity_total.to_string(),
            "quantity_delivered": self.quantity_delivered.to_string(),
            "is_test_order": super::yn(self.is_test_order),
            "processed_at": self.processed_at,
            "processed_by": self.processed_by,
            "type_msg": label(lang, "delivery_type", &self.kind),
            "purchase_created_at": ctx.purchase_created_at,
            "product_name": ctx.product_name,
            "product_type_name": reference::product_type_name(ctx.product_type_id, de),
            "product_type_id": ctx.product_type_id,
        });
        if let Value::Object(m) = &mut r {
            if full {
                let (pid, id, auth) = (&self.purchase_id, &self.id, ctx.auth_key);
                m.insert(
                    "invoice_url".into(),
                    json!(format!(
                        "https://www.digistore24.com/invoice/{pid}/{id}/{auth}.pdf"
                    )),
                );
                m.insert(
                    "delivery_slip_url".into(),
                    json!(format!(
                        "https://www.digistore24.com/deliveryslip/{pid}/{id}/{auth}.pdf"
                    )),
                );
            }
            let b = |f: fn(&Buyer) -> &String| ctx.buyer.map(|b| f(b).clone()).unwrap_or_default();
            let country = b(|b| &b.country);
            m.insert(
                "delivery_address".into(),
                json!({
                    "salutation": b(|b| &b.salutation), "first_name": b(|b| &b.first_name),
                    "last_name": b(|b| &b.last_name), "company": b(|b| &b.company),
                    "street": b(|b| &b.street_name), "street_number": b(|b| &b.street_number),
                    "city": b(|b| &b.city), "state": b(|b| &b.state),
                    "zipcode": b(|b| &b.zipcode), "country": country,
                    "country_name": reference::country_name(&country, de),
                    "email": b(|b| &b.email),
                }),
            );
            m.insert("tracking".into(), wire(&self.tracking));
        }
        r
    }
}

/// A file attached to a service proof.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ProofFile {
    pub url: String,
    pub filename: String,
}

/// A service proof request (the platform asks the vendor to prove delivery).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ServiceProof {
    pub id: String,
    pub purchase_id: String,
    pub product_id: String,
    pub delivery_type: String,
    pub approval_status: String,
    pub request_status: String,
    pub created_at: String,
    pub modified_at: String,
    pub due_date: String,
    pub notes: String,
    pub message: String,
    pub files: Vec<ProofFile>,
}
document!(ServiceProof, "service_proof");

impl ServiceProof {
    /// A field by its wire name (for search filters).
    pub fn field(&self, name: &str) -> &str {
        match name {
            "purchase_id" => &self.purchase_id,
            "product_id" => &self.product_id,
            "delivery_type" => &self.delivery_type,
            "approval_status" => &self.approval_status,
            "request_status" => &self.request_status,
            _ => "",
        }
    }

    /// listServiceProofRequests' row.
    pub fn list_row(&self) -> Value {
        json!({
            "id": self.id, "purchase_id": self.purchase_id, "product_id": self.product_id,
            "delivery_type": self.delivery_type, "approval_status": self.approval_status,
            "request_status": self.request_status, "created_at": self.created_at,
            "modified_at": self.modified_at,
        })
    }

    /// getServiceProofRequest's record.
    pub fn render(&self) -> Value {
        let mut v = self.list_row();
        if let Value::Object(m) = &mut v {
            m.insert("due_date".into(), json!(self.due_date));
            m.insert("notes".into(), json!(self.notes));
            m.insert("message".into(), json!(self.message));
            m.insert("files".into(), wire(&self.files));
            m.insert("status".into(), json!(self.request_status));
        }
        v
    }
}
