//! Buyers: contact and address records.

use crate::model::fragments::*;
use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "buyers",
    description: "Buyers: contact and address records.",
    default_on: true,
    functions: &[
        Function::read(&TOOLSET, "getBuyer", "A buyer's contact and address.")
            .hosted()
            .params(&[Param::req("buyer_id", Ty::Integer, "")]),
        Function::read(&TOOLSET, "listBuyers", "Buyers, paged.")
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
            Param::req("buyer_id", Ty::Integer, ""),
            Param::req(
                "data",
                Ty::Object(&[
                    Param::opt("email", Ty::String, "")
                        .format(Format::Email)
                        .personal(),
                    Param::opt("first_name", Ty::String, "").personal(),
                    Param::opt("last_name", Ty::String, "").personal(),
                    Param::opt("salutation", Ty::String, "Empty clears it")
                        .one_of(&["M", "F"])
                        .clearable()
                        .personal(),
                    Param::opt("title", Ty::String, "").personal(),
                    Param::opt("company", Ty::String, "").personal(),
                    Param::opt("street_name", Ty::String, "").personal(),
                    Param::opt("street_number", Ty::String, "").personal(),
                    Param::opt("phone_number", Ty::String, "Empty clears it").personal(),
                    Param::opt("city", Ty::String, "").personal(),
                    Param::opt("zipcode", Ty::String, "").personal(),
                    Param::opt("state", Ty::String, "").personal(),
                    Param::opt("country", Ty::String, "").max_len(2),
                ]),
                "Changes",
            ),
        ]),
    ],
};
