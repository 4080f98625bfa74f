//! Buyers: contact and address records.

use crate::model::fragments::*;
use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "buyers",
    description: "Buyers: contact and address records.",
    default_on: true,
    functions: &[
        Function::read(
            &TOOLSET,
            "getBuyer",
            "Read a buyer's contact and address record.",
        )
        .hosted()
        .params(&[Param::req(
            "buyer_id",
            Ty::Integer,
            "Buyer ID (getPurchase buyer.id)",
        )]),
        Function::read(&TOOLSET, "listBuyers", "List buyers with pagination.")
            .operation_id("listBuyers")
            .hosted()
            .params(&[PAGE_NO, page_size(1, None, "100")]),
        Function::write(
            &TOOLSET,
            "updateBuyer",
            "Change a buyer's name, address, phone or e-mail.",
        )
        .method(HttpMethod::Put)
        .operation_id("updateBuyer")
        .hosted()
        .params(&[
            Param::req(
                "buyer_id",
                Ty::Integer,
                "Numeric Digistore24 buyer ID (as returned in getPurchase buyer.id)",
            ),
            Param::req(
                "data",
                Ty::Object(&[
                    Param::opt("email", Ty::String, "E-mail address; e-mail format").personal(),
                    Param::opt("first_name", Ty::String, "First name").personal(),
                    Param::opt("last_name", Ty::String, "Last name").personal(),
                    Param::opt("salutation", Ty::String, "Salutation code")
                        .one_of(&["M", "F"])
                        .personal(),
                    Param::opt("title", Ty::String, "Academic title (e.g. Dr.)").personal(),
                    Param::opt("company", Ty::String, "Company name").personal(),
                    Param::opt("street_name", Ty::String, "Street name").personal(),
                    Param::opt("street_number", Ty::String, "House number").personal(),
                    Param::opt(
                        "phone_number",
                        Ty::String,
                        "Phone number (empty string clears it)",
                    )
                    .personal(),
                    Param::opt("city", Ty::String, "City").personal(),
                    Param::opt("zipcode", Ty::String, "Postal code").personal(),
                    Param::opt("state", Ty::String, "State / province").personal(),
                    Param::opt("country", Ty::String, "Two-letter ISO country code"),
                ]),
                "Contact fields to change",
            ),
        ]),
    ],
};
