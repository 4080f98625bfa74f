//! The images toolset: images registered from public URLs.

use serde_json::{Value, json};

use crate::documents::Image;
use crate::error::{ApiError, Entity};
use crate::ids::code;
use crate::params::View;
use crate::reference;
use crate::request::{Req, check_url, must};
use crate::store::Tx;

fn usage_type(v: &View<'_>, name: &str, allow_all: bool) -> Result<Option<String>, ApiError> {
    let mut allowed = reference::image_usage_types();
    if allow_all {
        allowed.push("all");
    }
    v.opt_enum(name, &allowed)
}

/// `createImage(data)`: registers an image from a public https URL (`data[image-url]`).
pub fn create_image(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let data = req.p.obj("data")?;
    let name = data.str("name")?;
    let field = if data.has("image-url") || !data.has("image_url") {
        "image-url"
    } else {
        "image_url"
    };
    let source = data.str(field)?;
    check_url(&data.path(field), &source)?;
    let ext = source
        .rsplit('.')
        .next()
        .map(|e| {
            e.split(['?', '#'])
                .next()
                .unwrap_or("")
                .to_ascii_lowercase()
        })
        .filter(|e| matches!(e.as_str(), "png" | "jpg" | "jpeg" | "gif" | "webp"))
        .ok_or_else(|| {
            ApiError::invalid(
                &data.path(field),
                "die URL muss auf ein PNG-, JPG-, GIF- oder WebP-Bild zeigen.",
                "the URL must point to a PNG, JPG, GIF or WebP image.",
            )
        })?;
    let usage = usage_type(&data, "usage_type", false)?.unwrap_or_else(|| "product".into());
    let mut id = code(tx.random(), 8);
    while tx.exists::<Image>(&id) {
        id = code(tx.random(), 8);
    }
    let url = format!(
        "https://d3prvp0id2r5kj.cloudfront.net/merchant_{}/image/{usage}/{id}",
        reference::USER_ID
    );
    let dims = reference::IMAGE_USAGE
        .iter()
        .find(|u| u.0 == usage)
        .map_or((100, 100), |u| (u.5, u.7));
    tx.put(Image {
        id: id.clone(),
        url: url.clone(),
        file_extension: ext,
        name,
        approval_status: "pending".into(),
        usage_type: usage,
        alt_tag: data.opt_str("alt_tag").unwrap_or_default(),
        width: dims.0.to_string(),
        height: dims.1.to_string(),
        created_at: req.now_s(),
        source_url: source,
    });
    Ok(json!({ "image_id": id, "image_url": url }))
}

/// `getImage(image_id)`.
pub fn get_image(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("image_id")?;
    let d = must::<Image>(tx, &id, Entity::Image)?;
    Ok(json!({ "image": d.render() }))
}

/// `listImages(usage_type)`: `all` lists every usage type.
pub fn list_images(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    req.p.str("usage_type")?;
    let usage = usage_type(&req.p, "usage_type", true)?.unwrap_or_else(|| "all".into());
    let rows: Vec<Value> = tx
        .all::<Image>()
        .filter(|d| usage == "all" || d.usage_type == usage)
        .map(Image::list_row)
        .collect();
    Ok(json!({ "images": rows }))
}

/// `deleteImage(image_id)`.
pub fn delete_image(tx: &mut Tx<'_>, req: &Req<'_>) -> Result<Value, ApiError> {
    let id = req.p.str("image_id")?;
    must::<Image>(tx, &id, Entity::Image)?;
    tx.delete::<Image>(&id);
    Ok(json!({ "is_deleted": "Y" }))
}
