//! The licenses functions.

use crate::model::*;

pub(crate) const FUNCTIONS: &[Function] = &[Function {
    name: "validateLicenseKey",
    title: "Validate license key",
    category: Category::Licenses,
    summary: "Check a license key against an order.",
    access: Access::Read,
    effect: Effect::Read,
    idempotent: true,
    spec_method: HttpMethod::Get,
    operation_id: Some("validateLicenseKey"),
    hosted: true,
    in_spec: true,
    params: &[
        Param::req(
            "purchase_id",
            Ty::String,
            "Order ID the key should belong to",
        ),
        Param::req("license_key", Ty::String, "License key to check"),
    ],
}];
