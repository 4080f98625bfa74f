//! Products: create, copy, read, change and delete what you sell.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "products",
    description: "Products: create, copy, read, change and delete what you sell.",
    default_on: true,
    functions: &[
        Function::write(
            &TOOLSET,
            "copyProduct",
            "Duplicate a product, changing some fields.",
        )
        .hosted()
        .params(&[
            Param::req("product_id", Ty::String, ""),
            Param::req(
                "data",
                Ty::Object(&[
                    Param::opt("name_intern", Ty::String, "").max_len(63),
                    Param::opt("product_type_id", Ty::Integer, "From listProductTypes"),
                    Param::opt("language", Ty::String, "Comma list"),
                    Param::opt("is_active", Ty::Boolean, ""),
                    Param::opt("product_group_id", Ty::Integer, ""),
                    Param::opt("name_de", Ty::String, "").max_len(63),
                    Param::opt("name_en", Ty::String, "").max_len(63),
                    Param::opt("name_es", Ty::String, "").max_len(63),
                ]),
                "Overrides",
            ),
        ]),
        Function::write(
            &TOOLSET,
            "createProduct",
            "Create a product; answers its product_id.",
        )
        .hosted()
        .keeps_account_language()
        .params(&[Param::req(
            "data",
            Ty::Object(&[
                Param::opt("name_intern", Ty::String, "").max_len(63),
                Param::opt("name_de", Ty::String, "").max_len(63),
                Param::opt("name_en", Ty::String, "").max_len(63),
                Param::opt("name_es", Ty::String, "").max_len(63),
                Param::opt("description_de", Ty::String, ""),
                Param::opt("description_en", Ty::String, ""),
                Param::opt("description_es", Ty::String, ""),
                Param::opt("salespage_url", Ty::String, "")
                    .max_len(255)
                    .format(Format::Uri),
                Param::opt("upsell_salespage_url", Ty::String, "")
                    .max_len(255)
                    .format(Format::Uri),
                Param::opt("thankyou_url", Ty::String, "")
                    .max_len(255)
                    .format(Format::Uri),
                Param::opt("image_url", Ty::String, "")
                    .max_len(255)
                    .format(Format::Uri),
                Param::opt("product_type_id", Ty::Integer, "From listProductTypes"),
                Param::opt("approval_status", Ty::String, "").one_of(&["new", "pending"]),
                Param::opt("affiliate_commission", Ty::Number, ""),
                Param::opt(
                    "buyer_type",
                    Ty::String,
                    "consumer: prices incl. VAT; business: net",
                )
                .one_of(&["consumer", "business"]),
                Param::opt("is_address_input_mandatory", Ty::Boolean, ""),
                Param::opt("add_order_data_to_thankyou_page_url", Ty::Boolean, ""),
                Param::opt("name", Ty::String, ""),
                Param::opt("description", Ty::String, ""),
                Param::opt("language", Ty::String, ""),
                Param::opt("currency", Ty::String, "Comma list allowed"),
                Param::opt("product_group_id", Ty::Integer, ""),
                Param::opt("default_quantity", Ty::Integer, ""),
                Param::opt("max_quantity", Ty::Integer, ""),
                Param::opt("note", Ty::String, "").max_len(47),
                Param::opt("is_active", Ty::Boolean, ""),
            ]),
            "Product",
        )]),
        Function::destructive(
            &TOOLSET,
            "deleteProduct",
            "Delete a product; only clean for products that never sold.",
        )
        .method(HttpMethod::Delete)
        .opt_in()
        .params(&[Param::req("product_id", Ty::Integer, "")]),
        Function::read(&TOOLSET, "getProduct", "One product's full settings.")
            .hosted()
            .params(&[
                Param::req("product_id", Ty::Integer, ""),
                Param::opt("show_deleted", Ty::Boolean, ""),
            ]),
        Function::read(
            &TOOLSET,
            "listProductTypes",
            "Product types usable as product_type_id.",
        )
        .operation_id("listProductTypes")
        .hosted(),
        Function::read(&TOOLSET, "listProducts", "All products with basic fields.")
            .operation_id("listProducts")
            .hosted()
            .params(&[Param::opt("sort_by", Ty::String, "")
                .default("name")
                .one_of(&["name", "group"])]),
        Function::write(
            &TOOLSET,
            "updateProduct",
            "Change a product (the createProduct fields).",
        )
        .method(HttpMethod::Put)
        .operation_id("updateProduct")
        .hosted()
        .params(&[
            Param::req("product_id", Ty::Integer, ""),
            Param::req(
                "data",
                Ty::Object(&[
                    Param::opt("name_de", Ty::String, "").max_len(63),
                    Param::opt("name_en", Ty::String, "").max_len(63),
                    Param::opt("name_es", Ty::String, "").max_len(63),
                    Param::opt("name_intern", Ty::String, "").max_len(63),
                    Param::opt("description_de", Ty::String, ""),
                    Param::opt("description_en", Ty::String, ""),
                    Param::opt("description_es", Ty::String, ""),
                    Param::opt("salespage_url", Ty::String, "")
                        .max_len(255)
                        .format(Format::Uri),
                    Param::opt("upsell_salespage_url", Ty::String, "")
                        .max_len(255)
                        .format(Format::Uri),
                    Param::opt("thankyou_url", Ty::String, "")
                        .max_len(255)
                        .format(Format::Uri),
                    Param::opt("image_url", Ty::String, "")
                        .max_len(255)
                        .format(Format::Uri),
                    Param::opt("product_type_id", Ty::Integer, "From listProductTypes"),
                    Param::opt("currency", Ty::String, ""),
                    Param::opt(
                        "approval_status",
                        Ty::TextOrMap,
                        "new or pending; per reseller: {\"1\": \"pending\"}",
                    )
                    .one_of(&["new", "pending"]),
                    Param::opt("affiliate_commision", Ty::Number, "").alias("affiliate_commission"),
                    Param::opt(
                        "buyer_type",
                        Ty::String,
                        "consumer: prices incl. VAT; business: net",
                    )
                    .one_of(&["consumer", "business"]),
                    Param::opt("is_address_input_mandatory", Ty::Boolean, ""),
                    Param::opt("add_order_data_to_thankyou_page_url", Ty::Boolean, ""),
                    Param::opt("name", Ty::String, ""),
                    Param::opt("description", Ty::String, ""),
                    Param::opt("language", Ty::String, ""),
                    Param::opt("product_group_id", Ty::Integer, ""),
                    Param::opt("note", Ty::String, "").max_len(47),
                    Param::opt("is_active", Ty::Boolean, ""),
                    Param::opt("default_quantity", Ty::Integer, ""),
                    Param::opt("max_quantity", Ty::Integer, ""),
                ]),
                "Changes",
            ),
        ]),
    ],
};
