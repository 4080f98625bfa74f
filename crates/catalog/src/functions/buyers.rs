//! The buyers functions.

use crate::model::*;

pub(crate) const FUNCTIONS: &[Function] = &[
    Function {
        name: "getBuyer",
        title: "Get buyer",
        category: Category::Buyers,
        summary: "Read a buyer's contact and address record.",
        access: Access::Read,
        effect: Effect::Read,
        idempotent: true,
        spec_method: HttpMethod::Get,
        operation_id: None,
        hosted: true,
        in_spec: true,
        params: &[Param::req(
            "buyer_id",
            Ty::Integer,
            "Buyer ID (getPurchase buyer.id)",
        )],
    },
    Function {
        name: "listBuyers",
        title: "List buyers",
        category: Category::Buyers,
        summary: "List buyers with pagination.",
        access: Access::Read,
        effect: Effect::Read,
        idempotent: true,
        spec_method: HttpMethod::Get,
        operation_id: Some("listBuyers"),
        hosted: true,
        in_spec: true,
        params: &[
            Param::opt(
                "page_no",
                Ty::Integer,
                "Page number, starting at 1; min 1 (default 1)",
            ),
            Param::opt(
                "page_size",
                Ty::Integer,
                "Rows per page (default 100); min 1",
            ),
        ],
    },
    Function {
        name: "updateBuyer",
        title: "Update buyer",
        category: Category::Buyers,
        summary: "Change a buyer's name, address, phone or e-mail.",
        access: Access::Full,
        effect: Effect::Write,
        idempotent: true,
        spec_method: HttpMethod::Put,
        operation_id: Some("updateBuyer"),
        hosted: true,
        in_spec: true,
        params: &[
            Param::req(
                "buyer_id",
                Ty::Integer,
                "Numeric Digistore24 buyer ID (as returned in getPurchase buyer.id)",
            ),
            Param::req(
                "data",
                Ty::Object(&[
                    Param::opt("email", Ty::String, "E-mail address; e-mail format"),
                    Param::opt("first_name", Ty::String, "First name"),
                    Param::opt("last_name", Ty::String, "Last name"),
                    Param::opt(
                        "salutation",
                        Ty::String,
                        "Salutation code (M or F, sometimes empty)",
                    )
                    .one_of(&["", "M", "F"]),
                    Param::opt("title", Ty::String, "Academic title (e.g. Dr.)"),
                    Param::opt("company", Ty::String, "Company name"),
                    Param::opt("street_name", Ty::String, "Street name"),
                    Param::opt("street_number", Ty::String, "House number"),
                    Param::opt(
                        "phone_number",
                        Ty::String,
                        "Phone number (empty string clears it)",
                    ),
                    Param::opt("city", Ty::String, "City"),
                    Param::opt("zipcode", Ty::String, "Postal code"),
                    Param::opt("state", Ty::String, "State / province"),
                    Param::opt("country", Ty::String, "Two-letter ISO country code"),
                ]),
                "Contact fields to change",
            ),
        ],
    },
];
