//! The marketplace toolset: the vendor's marketplace entries.

use serde_json::{Value, json};

use crate::documents::MarketplaceEntry;
use crate::error::{ApiError, Entity};
use crate::money::parse_money;
use crate::request::{Req, must};
use crate::store::Tx;

/// `listMarketplaceEntries(sort_by)`.
pub fn list_marketplace_entries(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let sort = req
        .p
        .opt_enum("sort_by", &["name", "stars", "rank", "date", "id"])?
        .unwrap_or_else(|| "id".into());
    let mut rows: Vec<&MarketplaceEntry> = tx.all::<MarketplaceEntry>().collect();
    match sort.as_str() {
        "name" => rows.sort_by_key(|r| r.headline.to_lowercase()),
        "stars" => {
            rows.sort_by_key(|r| std::cmp::Reverse(parse_money(&r.stats_stars).unwrap_or(0)))
        }
        "rank" => rows.sort_by_key(|r| r.stats_seller_rank.parse::<i64>().unwrap_or(0)),
        "date" => rows.sort_by_key(|r| std::cmp::Reverse(r.product_created_at.clone())),
        _ => {}
    }
    let rows: Vec<Value> = rows.into_iter().map(|r| r.list_row(req.lang)).collect();
    Ok(json!({ "entries": rows }))
}

/// `getMarketplaceEntry(entry_id)`.
pub fn get_marketplace_entry(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("entry_id")?;
    let e = must::<MarketplaceEntry>(tx, &id, Entity::MarketplaceEntry)?;
    Ok(e.render(req.lang))
}
