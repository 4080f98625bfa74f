//! Products: create, copy, read, change and delete what you sell.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "products",
    description: "Products: create, copy, read, change and delete what you sell.",
    default_on: true,
    functions: &[
        Function::write(&TOOLSET, "copyProduct", "Duplicate a product, optionally overriding some properties of the copy.")
            .hosted()
            .params(&[
                Param::req("product_id", Ty::String, "Product to duplicate"),
                Param::req("data", Ty::Object(&[
                    Param::opt("name_intern", Ty::String, "Internal name, only visible to the vendor (max 63 chars)"),
                    Param::opt("product_type_id", Ty::Integer, "Product type ID (see listProductTypes / getGlobalSettings)"),
                    Param::opt("language", Ty::String, "Comma list of languages for the copy (default: vendor language)"),
                    Param::opt("is_active", Ty::Boolean, "Y/N active flag"),
                    Param::opt("product_group_id", Ty::Integer, "Numeric product group (folder) ID"),
                    Param::opt("name_de", Ty::String, "German name (max 63 chars)"),
                    Param::opt("name_en", Ty::String, "English name (max 63 chars)"),
                    Param::opt("name_es", Ty::String, "Spanish name (max 63 chars)"),
                ]), "Properties of the copy to override"),
            ]),
        Function::write(&TOOLSET, "createProduct", "Create a product in the vendor account from a data[...] property block and get its new product_id.")
            .hosted()
            .params(&[
                Param::req("data", Ty::Object(&[
                    Param::opt("name_intern", Ty::String, "Internal name, only visible to the vendor (max 63 chars)"),
                    Param::opt("name_de", Ty::String, "German name (max 63 chars)"),
                    Param::opt("name_en", Ty::String, "English name (max 63 chars)"),
                    Param::opt("name_es", Ty::String, "Spanish name (max 63 chars)"),
                    Param::opt("description_de", Ty::String, "German description (restricted HTML)"),
                    Param::opt("description_en", Ty::String, "English description (restricted HTML)"),
                    Param::opt("description_es", Ty::String, "Spanish description (restricted HTML)"),
                    Param::opt("salespage_url", Ty::String, "Sales page URL (max 255 chars)"),
                    Param::opt("upsell_salespage_url", Ty::String, "Sales page shown as upsell (max 255 chars)"),
                    Param::opt("thankyou_url", Ty::String, "Thank-you page URL (https; max 255 chars)"),
                    Param::opt("image_url", Ty::String, "Public https URL of the product image (max 255 chars)"),
                    Param::opt("product_type_id", Ty::Integer, "Product type ID (see listProductTypes / getGlobalSettings)"),
                    Param::opt("approval_status", Ty::String, "Approval state (new / pending / approved / rejected, depending on the object)").one_of(&["new", "pending"]),
                    Param::opt("affiliate_commission", Ty::Number, "Affiliate commission for this product"),
                    Param::opt("buyer_type", Ty::String, "consumer = entered prices include VAT; business = prices are net").one_of(&["consumer", "business"]),
                    Param::opt("is_address_input_mandatory", Ty::Boolean, "Y = buyer must always enter an address; N = only when needed for shipping"),
                    Param::opt("add_order_data_to_thankyou_page_url", Ty::Boolean, "Y = append signed order data to the thank-you URL; N = plain URL"),
                    Param::opt("name", Ty::String, "Display name (single-language form used by appkit)"),
                    Param::opt("description", Ty::String, "Description (single-language form used by appkit)"),
                    Param::opt("language", Ty::String, "Order-form language of the product, e.g. de or en"),
                    Param::opt("currency", Ty::String, "Currency or comma list of allowed currencies"),
                    Param::opt("product_group_id", Ty::Integer, "Folder (product group) to put the product in"),
                    Param::opt("default_quantity", Ty::Integer, "Preselected quantity"),
                    Param::opt("max_quantity", Ty::Integer, "Maximum quantity per order"),
                    Param::opt("note", Ty::String, "Internal note (kept to 47 chars)"),
                    Param::opt("is_active", Ty::Boolean, "N deactivates the product"),
                ]), "Product properties"),
            ]),
        Function::destructive(&TOOLSET, "deleteProduct", "Delete a product; only clean for products that never sold.")
            .method(HttpMethod::Delete)
            .opt_in()
            .params(&[
                Param::req("product_id", Ty::Integer, "Product ID to delete"),
            ]),
        Function::read(&TOOLSET, "getProduct", "Read the full settings record of one product.")
            .hosted()
            .params(&[
                Param::req("product_id", Ty::Integer, "Product ID"),
                Param::opt("show_deleted", Ty::Boolean, "Y = also return a deleted product (HEPTACOM client only; unverified)"),
            ]),
        Function::read(&TOOLSET, "listProductTypes", "List the product types (id, name, category) usable as product_type_id.")
            .operation_id("listProductTypes")
            .hosted(),
        Function::read(&TOOLSET, "listProducts", "List all products of the vendor with basic fields.")
            .operation_id("listProducts")
            .hosted()
            .params(&[
                Param::opt("sort_by", Ty::String, "name (default) or group").one_of(&["name", "group"]),
            ]),
        Function::write(&TOOLSET, "updateProduct", "Change properties of an existing product (same data[...] keys as createProduct).")
            .method(HttpMethod::Put)
            .operation_id("updateProduct")
            .hosted()
            .params(&[
                Param::req("product_id", Ty::Integer, "Product ID"),
                Param::req("data", Ty::Object(&[
                    Param::opt("name_de", Ty::String, "German name (max 63 chars)"),
                    Param::opt("name_en", Ty::String, "English name (max 63 chars)"),
                    Param::opt("name_es", Ty::String, "Spanish name (max 63 chars)"),
                    Param::opt("name_intern", Ty::String, "Internal name, only visible to the vendor (max 63 chars)"),
                    Param::opt("description_de", Ty::String, "German description (restricted HTML)"),
                    Param::opt("description_en", Ty::String, "English description (restricted HTML)"),
                    Param::opt("description_es", Ty::String, "Spanish description (restricted HTML)"),
                    Param::opt("salespage_url", Ty::String, "Sales page URL (max 255 chars)"),
                    Param::opt("upsell_salespage_url", Ty::String, "Sales page shown as upsell (max 255 chars)"),
                    Param::opt("thankyou_url", Ty::String, "Thank-you page URL (https; max 255 chars)"),
                    Param::opt("image_url", Ty::String, "Public https URL of the product image (max 255 chars)"),
                    Param::opt("product_type_id", Ty::Integer, "Product type ID (see listProductTypes / getGlobalSettings)"),
                    Param::opt("currency", Ty::String, "Currency code, e.g. EUR"),
                    Param::opt("approval_status", Ty::String, "Approval state (new / pending / approved / rejected, depending on the object)").one_of(&["new", "pending"]),
                    Param::opt("affiliate_commision", Ty::Number, "Affiliate commission for this product"),
                    Param::opt("buyer_type", Ty::String, "consumer = entered prices include VAT; business = prices are net").one_of(&["consumer", "business"]),
                    Param::opt("is_address_input_mandatory", Ty::Boolean, "Y = buyer must always enter an address; N = only when needed for shipping"),
                    Param::opt("add_order_data_to_thankyou_page_url", Ty::Boolean, "Y = append signed order data to the thank-you URL; N = plain URL"),
                    Param::opt("name", Ty::String, "Display name"),
                    Param::opt("description", Ty::String, "Description"),
                    Param::opt("language", Ty::String, "Order-form language"),
                    Param::opt("product_group_id", Ty::Integer, "Product group"),
                    Param::opt("note", Ty::String, "Internal note (47 chars kept)"),
                    Param::opt("is_active", Ty::Boolean, "Active flag"),
                    Param::opt("default_quantity", Ty::Integer, "Preselected quantity"),
                    Param::opt("max_quantity", Ty::Integer, "Maximum quantity"),
                ]), "Properties to change (all optional)"),
            ]),
    ],
};
