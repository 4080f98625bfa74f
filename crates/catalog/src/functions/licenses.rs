//! License keys of orders.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "licenses",
    description: "License keys of orders.",
    default_on: true,
    functions: &[Function::read(
        &TOOLSET,
        "validateLicenseKey",
        "Check a license key against an order.",
    )
    .operation_id("validateLicenseKey")
    .hosted()
    .params(&[
        Param::req("purchase_id", Ty::String, ""),
        Param::req("license_key", Ty::String, "").secret(),
    ])],
};
