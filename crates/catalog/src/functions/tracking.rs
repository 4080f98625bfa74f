//! The tracking functions.

use crate::model::*;

pub(crate) const FUNCTIONS: &[Function] = &[Function {
    name: "renderJsTrackingCode",
    title: "Render JS tracking code",
    category: Category::Tracking,
    summary: "Generate a JavaScript snippet that captures affiliate/campaign/tracking keys on a landing page.",
    access: Access::Read,
    effect: Effect::Read,
    idempotent: true,
    spec_method: HttpMethod::Get,
    operation_id: Some("renderJsTrackingCode"),
    hosted: false,
    in_spec: true,
    params: &[
        Param::opt(
            "affiliate_input",
            Ty::String,
            "Name of the HTML input that should receive the affiliate name",
        ),
        Param::opt(
            "campaignkey_input",
            Ty::String,
            "Name of the HTML input that should receive the campaign key",
        ),
        Param::opt(
            "trackingkey_input",
            Ty::String,
            "Name of the HTML input that should receive the tracking key",
        ),
        Param::opt(
            "callback",
            Ty::String,
            "JS function called with the collected values",
        ),
    ],
}];
