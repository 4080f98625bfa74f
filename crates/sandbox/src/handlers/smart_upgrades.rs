//! The smart_upgrades toolset: upgrade widgets for the members' area.

use serde_json::{Value, json};

use crate::backend::products::product_name;
use crate::documents::{Purchase, SmartUpgrade, wire};
use crate::error::{ApiError, Entity};
use crate::request::{Req, list_includes, must};
use crate::store::Tx;

/// `listSmartUpgrades()`.
pub fn list_smart_upgrades(tx: &mut Tx<'_>, _req: &Req<'_>) -> Result<Value, ApiError> {
    let rows: Vec<Value> = tx.all::<SmartUpgrade>().map(wire).collect();
    Ok(json!({ "smartupgrades": rows }))
}

/// `getSmartupgrade(smartupgrade_id, purchase_id)`: the record with its widget HTML.
pub fn get_smartupgrade(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("smartupgrade_id")?;
    let doc = must::<SmartUpgrade>(tx, &id, Entity::SmartUpgrade)?.clone();
    let mut eligible = None;
    if let Some(pid) = req.p.opt_str("purchase_id") {
        let p = must::<Purchase>(tx, &pid, Entity::Purchase)?;
        eligible = Some(list_includes(&doc.product_ids, &p.product_id));
    }
    let to_name = product_name(tx, &doc.upgrade_to_product_id);
    let html = match eligible {
        Some(false) => String::new(),
        _ => format!(
            "<div class='ds24-smartupgrade' data-id='{id}' data-authkey='{}'><h3>{}</h3><p>{}</p></div>",
            doc.authkey, doc.name, to_name
        ),
    };
    let mut out = json!({
        "id": doc.id,
        "name": doc.name,
        "upgrade_to_product_id": doc.upgrade_to_product_id,
        "product_ids": doc.product_ids,
        "authkey": doc.authkey,
        "upgrade_to_product_name": to_name,
    });
    if let Value::Object(m) = &mut out {
        if let Some(e) = eligible {
            m.insert(
                "is_purchase_eligible".into(),
                json!(crate::documents::yn(e)),
            );
        }
        m.insert("html".into(), json!(html));
    }
    Ok(out)
}
