//! The product_groups toolset: product groups (folders of products).

use serde_json::{Value, json};

use crate::backend::products::{FIRST_GROUP_ID, delete_group};
use crate::documents::{Document, ProductGroup, wire};
use crate::error::{ApiError, Entity};
use crate::params::View;
use crate::request::{Req, check_len, must, yn};
use crate::store::Tx;

fn apply_data(doc: &mut ProductGroup, data: &View<'_>) -> Result<(), ApiError> {
    if let Some(n) = data.raw_str("name") {
        let n = n.trim().to_string();
        if n.is_empty() {
            return Err(ApiError::missing(&data.path("name")));
        }
        check_len(&data.path("name"), &n, 31)?;
        doc.name = n;
    }
    if data.has("position") {
        doc.position = data.int_in("position", 0, 0, 1_000_000)?;
    }
    if let Some(b) = data.opt_bool("is_shown_as_tab")? {
        doc.is_shown_as_tab = b;
    }
    Ok(())
}

/// `createProductGroup(data)`.
pub fn create_product_group(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let data = req.p.obj("data")?;
    data.str("name")?;
    let id = tx.next_id(ProductGroup::KIND, FIRST_GROUP_ID).to_string();
    let mut doc = ProductGroup {
        id: id.clone(),
        name: String::new(),
        position: (tx.count::<ProductGroup>() as i64 + 1) * 10,
        is_shown_as_tab: false,
        created_at: req.now_s(),
        modified_at: req.now_s(),
    };
    apply_data(&mut doc, &data)?;
    tx.put(doc);
    Ok(json!({ "product_group_id": id }))
}

/// `updateProductGroup(product_group_id, data)`.
pub fn update_product_group(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("product_group_id")?;
    let data = req.p.obj("data")?;
    let before = must::<ProductGroup>(tx, &id, Entity::ProductGroup)?.clone();
    let mut doc = before.clone();
    apply_data(&mut doc, &data)?;
    let changed = doc != before;
    if changed {
        doc.modified_at = req.now_s();
        tx.put(doc);
    }
    Ok(json!({ "is_modified": yn(changed) }))
}

/// `getProductGroup(product_group_id)`.
pub fn get_product_group(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("product_group_id")?;
    let doc = must::<ProductGroup>(tx, &id, Entity::ProductGroup)?;
    Ok(json!({ "product_group": wire(doc) }))
}

/// `listProductGroups()`.
pub fn list_product_groups(tx: &mut Tx<'_>, _req: &Req<'_>) -> Result<Value, ApiError> {
    let mut rows: Vec<&ProductGroup> = tx.all::<ProductGroup>().collect();
    rows.sort_by_key(|g| g.position);
    let rows: Vec<Value> = rows.into_iter().map(wire).collect();
    Ok(json!({ "product_groups": rows }))
}

/// `deleteProductGroup(product_group_id)`: products of the group become ungrouped.
pub fn delete_product_group(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("product_group_id")?;
    must::<ProductGroup>(tx, &id, Entity::ProductGroup)?;
    delete_group(tx, &id);
    Ok(json!({ "is_deleted": "Y" }))
}
