//! Tracking code for landing pages.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "tracking",
    description: "Tracking code for landing pages.",
    default_on: false,
    functions: &[
        Function::read(&TOOLSET, "renderJsTrackingCode", "Generate a JavaScript snippet that captures affiliate/campaign/tracking keys on a landing page.")
            .operation_id("renderJsTrackingCode")
            .params(&[
                Param::opt("affiliate_input", Ty::String, "HTML input name for the affiliate"),
                Param::opt("campaignkey_input", Ty::String, "HTML input name for the campaign key"),
                Param::opt("trackingkey_input", Ty::String, "HTML input name for the tracking key"),
                Param::opt("callback", Ty::String, "JS callback for the collected values"),
            ]),
    ],
};
