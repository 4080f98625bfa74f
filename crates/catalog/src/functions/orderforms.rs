//! Order forms: checkout page layouts and their settings.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "orderforms",
    description: "Order forms: checkout page layouts and their settings.",
    default_on: true,
    functions: &[
        Function::write(
            &TOOLSET,
            "createOrderform",
            "Create an order form (checkout layout).",
        )
        .hosted()
        .params(&[Param::req(
            "data",
            Ty::Object(&[
                Param::req("name", Ty::String, "").max_len(63),
                Param::opt("layout", Ty::String, "")
                    .default("widget")
                    .one_of(&["widget", "legacy"]),
                Param::opt("background_style", Ty::String, "").one_of(&["white", "blue"]),
                Param::opt("step_count", Ty::Integer, "").range(Some(1), Some(3)),
                Param::opt("shipping_position", Ty::String, "")
                    .one_of(&["after_cart", "before_cart"]),
                Param::opt("summary_positions", Ty::String, "Comma list"),
                // An order of the three blocks: the spec's enum is these six strings, split at
                // their commas by the spec's generator (18 single names, each thrice).
                Param::opt("flex_elements_order", Ty::String, "").one_of(&[
                    "order_bumper,order_summary,refund_waiver",
                    "order_bumper,refund_waiver,order_summary",
                    "order_summary,order_bumper,refund_waiver",
                    "order_summary,refund_waiver,order_bumper",
                    "refund_waiver,order_bumper,order_summary",
                    "refund_waiver,order_summary,order_bumper",
                ]),
                Param::opt("tab_style", Ty::String, "").one_of(&["bigtabs", "image", "image_url"]),
                Param::opt("tab_text_1_hl", Ty::String, ""),
                Param::opt("tab_text_1_sl", Ty::String, ""),
                Param::opt("tab_text_2_hl", Ty::String, ""),
                Param::opt("tab_text_2_sl", Ty::String, ""),
                Param::opt("tab_text_3_hl", Ty::String, ""),
                Param::opt("tab_text_3_sl", Ty::String, ""),
                Param::opt("tab_image_1_id", Ty::String, ""),
                Param::opt("tab_image_2_id", Ty::String, ""),
                Param::opt("tab_image_3_id", Ty::String, ""),
                Param::opt("tab_image_1_url", Ty::String, "400x80 px").format(Format::Uri),
                Param::opt("tab_image_2_url", Ty::String, "").format(Format::Uri),
                Param::opt("tab_image_3_url", Ty::String, "").format(Format::Uri),
                Param::opt("order_bump_style", Ty::String, "").one_of(&["none", "dashed"]),
                Param::opt("orderbump_product_id", Ty::String, ""),
                Param::opt("orderbump_headline", Ty::String, ""),
                Param::opt("orderbump_html", Ty::String, ""),
                Param::opt("orderbump_position", Ty::String, "").one_of(&[
                    "before_playplan",
                    "after_payplan",
                    "before_checkout",
                    "before_pay_button",
                    "after_pay_button",
                ]),
                Param::opt("refund_waiver_position", Ty::String, "").one_of(&[
                    "before_playplan",
                    "after_payplan",
                    "before_checkout",
                    "before_pay_button",
                    "after_pay_button",
                ]),
                Param::opt("custom_css", Ty::String, ""),
            ]),
            "Order form",
        )]),
        Function::destructive(&TOOLSET, "deleteOrderform", "Delete an order form.")
            .method(HttpMethod::Delete)
            .opt_in()
            .params(&[Param::req("orderform_id", Ty::Integer, "")]),
        Function::read(&TOOLSET, "getOrderform", "One order form's settings.")
            .hosted()
            .params(&[Param::req("orderform_id", Ty::Integer, "")]),
        Function::read(
            &TOOLSET,
            "getOrderformMetas",
            "Option lists for editing order forms.",
        )
        .hosted(),
        Function::read(&TOOLSET, "listOrderforms", "Your order forms.")
            .operation_id("listOrderforms")
            .hosted()
            .params(&[Param::opt(
                "layout",
                Ty::String,
                "all, orderform_responsive, orderform_widget or orderform_legacy",
            )
            .one_of(&[
                "all",
                "orderform_responsive",
                "orderform_widget",
                "orderform_legacy",
            ])]),
        Function::write(&TOOLSET, "updateOrderform", "Change an order form.")
            .method(HttpMethod::Put)
            .operation_id("updateOrderform")
            .opt_in()
            .params(&[
                Param::req("orderform_id", Ty::Integer, ""),
                Param::req(
                    "data",
                    Ty::Object(&[
                        Param::opt("name", Ty::String, ""),
                        Param::opt("product_id", Ty::Integer, ""),
                        Param::opt("paymentplan_id", Ty::Integer, ""),
                        Param::opt("is_active", Ty::Boolean, ""),
                        Param::opt("is_default", Ty::Boolean, ""),
                        Param::opt("theme", Ty::String, ""),
                        Param::opt("language", Ty::String, "de, en and so on"),
                        Param::opt("custom_css", Ty::String, ""),
                        Param::opt("custom_js", Ty::String, ""),
                        Param::opt("custom_html", Ty::String, ""),
                        Param::opt("custom_fields", Ty::Array(&[]), ""),
                        Param::opt("upsell_settings", Ty::Object(&[]), ""),
                    ]),
                    "Changes",
                ),
            ]),
    ],
};
