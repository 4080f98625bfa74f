//! Products with what hangs off them: display names for answers that show a product, copying
//! a product with its payment plans, and deleting one (its plans and upsells go with it; the
//! product itself is kept as deleted for `getProduct(show_deleted=Y)`).

use std::collections::HashMap;

use crate::documents::{DeletedProduct, Document, PaymentPlan, Product, ProductGroup, Upsells};
use crate::store::Tx;

/// First product id of the demo account.
pub const FIRST_PRODUCT_ID: i64 = 512_340;
/// First payment plan id.
pub const FIRST_PLAN_ID: i64 = 99_800;
/// First product group id created through the API.
pub const FIRST_GROUP_ID: i64 = 21;

/// The next product id.
pub fn next_product_id(tx: &mut Tx<'_>) -> String {
    tx.next_id(Product::KIND, FIRST_PRODUCT_ID).to_string()
}

/// The next payment plan id.
pub fn next_plan_id(tx: &mut Tx<'_>) -> String {
    tx.next_id(PaymentPlan::KIND, FIRST_PLAN_ID).to_string()
}

/// The display name of a product (empty when it does not exist or was deleted).
pub fn product_name(tx: &Tx<'_>, product_id: &str) -> String {
    tx.get::<Product>(product_id)
        .map(Product::display_name)
        .unwrap_or_default()
}

/// Display names of all products, for list functions that name the product on every row.
pub fn product_names<'a>(tx: &'a Tx<'_>) -> HashMap<&'a str, String> {
    tx.all::<Product>()
        .map(|p| (p.id.as_str(), p.display_name()))
        .collect()
}

/// The name of a product group (empty when none).
pub fn group_name(tx: &Tx<'_>, group_id: &str) -> String {
    tx.get::<ProductGroup>(group_id)
        .map(|g| g.name.clone())
        .unwrap_or_default()
}

/// The payment plans of a product.
pub fn plans_of<'a>(tx: &'a Tx<'_>, product_id: &'a str) -> impl Iterator<Item = &'a PaymentPlan> {
    tx.all::<PaymentPlan>()
        .filter(move |p| p.product_id == product_id)
}

/// Stores `copy` (a copy of product `source_id`) and copies the source's payment plans.
pub fn copy_product(tx: &mut Tx<'_>, source_id: &str, copy: Product, at: &str) {
    let new_id = copy.id.clone();
    tx.put(copy);
    let plans: Vec<PaymentPlan> = plans_of(tx, source_id).cloned().collect();
    for mut plan in plans {
        plan.id = next_plan_id(tx);
        plan.product_id.clone_from(&new_id);
        plan.created_at = at.to_string();
        plan.modified_at = at.to_string();
        tx.put(plan);
    }
}

/// Deletes a product with its payment plans and upsells; the product is kept as deleted.
pub fn delete_product(tx: &mut Tx<'_>, id: &str, at: &str) {
    if let Some(product) = tx.delete::<Product>(id) {
        tx.put(DeletedProduct {
            product,
            deleted_at: at.to_string(),
        });
    }
    let plans: Vec<String> = plans_of(tx, id).map(|p| p.id.clone()).collect();
    for p in plans {
        tx.delete::<PaymentPlan>(&p);
    }
    tx.delete::<Upsells>(id);
}

/// Deletes a product group; its products become ungrouped.
pub fn delete_group(tx: &mut Tx<'_>, id: &str) {
    tx.delete::<ProductGroup>(id);
    let members: Vec<String> = tx
        .all::<Product>()
        .filter(|p| p.product_group_id == id)
        .map(|p| p.id.clone())
        .collect();
    for m in members {
        if let Some(p) = tx.get_mut::<Product>(&m) {
            p.product_group_id.clear();
        }
    }
}
