//! Order forms: checkout page layouts and their settings.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "orderforms",
    description: "Order forms: checkout page layouts and their settings.",
    default_on: true,
    functions: &[
        Function::write(&TOOLSET, "createOrderform", "Create an order form (checkout layout) from a data[...] block.")
            .title("Create order form")
            .hosted()
            .params(&[
                Param::req("data", Ty::Object(&[
                    Param::req("name", Ty::String, "Order form name (max 63 chars)"),
                    Param::opt("layout", Ty::String, "Order form layout (default widget)").one_of(&["widget", "legacy"]),
                    Param::opt("background_style", Ty::String, "Background colour scheme of the order form").one_of(&["white", "blue"]),
                    Param::opt("step_count", Ty::Integer, "Number of order form steps").range(Some(1), Some(3)),
                    Param::opt("shipping_position", Ty::String, "Position of the shipping section relative to the cart").one_of(&["after_cart", "before_cart"]),
                    Param::opt("summary_positions", Ty::String, "Comma list of positions for the order summary"),
                    Param::opt("flex_elements_order", Ty::String, "Order of the order-bump, summary and refund-waiver blocks").one_of(&["order_bumper", "order_summary", "refund_waiver"]),
                    Param::opt("tab_style", Ty::String, "Tab header style: bigtabs (text), image (uploaded) or image_url").one_of(&["bigtabs", "image", "image_url"]),
                    Param::opt("tab_text_1_hl", Ty::String, "Headline of tab 1"),
                    Param::opt("tab_text_1_sl", Ty::String, "Sub-line of tab 1"),
                    Param::opt("tab_text_2_hl", Ty::String, "Headline of tab 2"),
                    Param::opt("tab_text_2_sl", Ty::String, "Sub-line of tab 2"),
                    Param::opt("tab_text_3_hl", Ty::String, "Headline of tab 3"),
                    Param::opt("tab_text_3_sl", Ty::String, "Sub-line of tab 3"),
                    Param::opt("tab_image_1_id", Ty::String, "Tab image (step 1 selected), by image ID"),
                    Param::opt("tab_image_2_id", Ty::String, "Tab image (step 2 selected), by image ID"),
                    Param::opt("tab_image_3_id", Ty::String, "Tab image (step 3 selected), by image ID"),
                    Param::opt("tab_image_1_url", Ty::String, "Tab image (step 1 selected), by URL (400x80 px)"),
                    Param::opt("tab_image_2_url", Ty::String, "Tab image (step 2 selected), by URL"),
                    Param::opt("tab_image_3_url", Ty::String, "Tab image (step 3 selected), by URL"),
                    Param::opt("order_bump_style", Ty::String, "Visual style of the order bump box").one_of(&["none", "dashed"]),
                    Param::opt("orderbump_product_id", Ty::String, "Add-on product offered as order bump"),
                    Param::opt("orderbump_headline", Ty::String, "Order bump headline"),
                    Param::opt("orderbump_html", Ty::String, "Order bump text (HTML)"),
                    Param::opt("orderbump_position", Ty::String, "Where the order bump appears").one_of(&["before_playplan", "after_payplan", "before_checkout", "before_pay_button", "after_pay_button"]),
                    Param::opt("refund_waiver_position", Ty::String, "Where the refund waiver checkbox appears").one_of(&["before_playplan", "after_payplan", "before_checkout", "before_pay_button", "after_pay_button"]),
                    Param::opt("custom_css", Ty::String, "Custom CSS applied to the order form"),
                ]), "Order form properties"),
            ]),
        Function::destructive(&TOOLSET, "deleteOrderform", "Delete an order form.")
            .title("Delete order form")
            .method(HttpMethod::Delete)
            .opt_in()
            .params(&[
                Param::req("orderform_id", Ty::Integer, "Order form ID to delete"),
            ]),
        Function::read(&TOOLSET, "getOrderform", "Read one order form's settings.")
            .title("Get order form")
            .hosted()
            .params(&[
                Param::req("orderform_id", Ty::Integer, "Order form ID"),
            ]),
        Function::read(&TOOLSET, "getOrderformMetas", "Get the option lists and placeholders available when editing order forms.")
            .title("Get order form metadata")
            .hosted(),
        Function::read(&TOOLSET, "listOrderforms", "List the vendor's order forms.")
            .title("List order forms")
            .operation_id("listOrderforms")
            .hosted()
            .params(&[
                Param::opt("layout", Ty::String, "Filter: all, orderform_responsive, orderform_widget, orderform_legacy").one_of(&["all", "orderform_responsive", "orderform_widget", "orderform_legacy"]),
            ]),
        Function::write(&TOOLSET, "updateOrderform", "Change an order form.")
            .title("Update order form")
            .method(HttpMethod::Put)
            .operation_id("updateOrderform")
            .opt_in()
            .params(&[
                Param::req("orderform_id", Ty::Integer, "Numeric order form ID"),
                Param::req("data", Ty::Object(&[
                    Param::opt("name", Ty::String, "Order form name"),
                    Param::opt("product_id", Ty::Integer, "Product ID"),
                    Param::opt("paymentplan_id", Ty::Integer, "Numeric payment plan ID"),
                    Param::opt("is_active", Ty::Boolean, "Y/N active flag"),
                    Param::opt("is_default", Ty::Boolean, "Whether this is the default order form of the product"),
                    Param::opt("theme", Ty::String, "Order form theme"),
                    Param::opt("language", Ty::String, "Language code (de, en, ...); for products: the language of the order form"),
                    Param::opt("custom_css", Ty::String, "Custom CSS applied to the order form"),
                    Param::opt("custom_js", Ty::String, "Custom JavaScript for the order form"),
                    Param::opt("custom_html", Ty::String, "Custom HTML for the order form"),
                    Param::opt("custom_fields", Ty::Array(&[]), "Custom input field configuration"),
                    Param::opt("upsell_settings", Ty::Object(&[]), "Upsell configuration"),
                ]), "Order form properties to change"),
            ]),
    ],
};
