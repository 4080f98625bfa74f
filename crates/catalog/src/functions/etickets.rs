//! E-tickets for events: issue, look up, validate at the door.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "etickets",
    description: "E-tickets for events: issue, look up, validate at the door.",
    default_on: true,
    functions: &[
        Function::write(
            &TOOLSET,
            "createEticket",
            "Issue free e-tickets for an event date.",
        )
        .hosted()
        .params(&[
            Param::req(
                "buyer",
                Ty::Object(&[
                    Param::opt("email", Ty::String, "")
                        .format(Format::Email)
                        .personal(),
                    Param::opt("title", Ty::String, "").personal(),
                    Param::opt("salutation", Ty::String, "")
                        .one_of(&["m", "f"])
                        .personal(),
                    Param::opt("last_name", Ty::String, "").personal(),
                    Param::opt("first_name", Ty::String, "").personal(),
                ]),
                "Ticket holder",
            ),
            Param::req("product_id", Ty::String, ""),
            Param::req("location_id", Ty::String, "From listEticketLocations"),
            Param::req("template_id", Ty::String, "From listEticketTemplates"),
            Param::req("date", Ty::Date, "").not_past(),
            Param::opt("days", Ty::Integer, "")
                .range(Some(1), None)
                .default("1"),
            Param::opt("note", Ty::String, "Printed on the ticket").personal(),
            Param::opt("count", Ty::Integer, "")
                .range(Some(1), None)
                .default("1"),
        ]),
        Function::read(&TOOLSET, "getEticket", "One e-ticket.")
            .hosted()
            .params(&[Param::req("eticket_id", Ty::String, "")]),
        Function::read(
            &TOOLSET,
            "getEticketSettings",
            "E-ticket templates and locations.",
        )
        .hosted(),
        Function::read(
            &TOOLSET,
            "listEticketLocations",
            "E-ticket event locations.",
        )
        .operation_id("listEticketLocations")
        .hosted(),
        Function::read(&TOOLSET, "listEticketTemplates", "E-ticket templates.")
            .operation_id("listEticketTemplates")
            .hosted(),
        Function::read(&TOOLSET, "listEtickets", "Search e-tickets.")
            .operation_id("listEtickets")
            .hosted()
            .params(&[Param::opt(
                "search",
                Ty::Object(&[
                    Param::opt("owner_id", Ty::String, "Comma list of vendor IDs"),
                    Param::opt("purchase_id", Ty::String, ""),
                    Param::opt("first_name", Ty::String, "").personal(),
                    Param::opt("last_name", Ty::String, "").personal(),
                    // A search matches by part ("gmail.com"): no e-mail format here.
                    Param::opt("email", Ty::String, "").personal(),
                    Param::opt("template_id", Ty::String, "Comma list allowed"),
                    Param::opt("location_id", Ty::String, "Comma list allowed"),
                    Param::opt("date", Ty::String, "Day the ticket is valid"),
                ]),
                "Filters",
            )]),
        Function::write(
            &TOOLSET,
            "validateEticket",
            "Check an e-ticket at the door; marks it used.",
        )
        .method(HttpMethod::Get)
        .operation_id("validateEticket")
        .hosted()
        .params(&[
            Param::req("eticket_id", Ty::String, "Serial number or ID"),
            Param::req("template_id", Ty::String, "Comma list"),
            Param::req("location_id", Ty::String, "Comma list"),
            Param::opt("date", Ty::String, "Comma list allowed").default("today"),
            Param::opt("seperator", Ty::String, ""),
        ]),
    ],
};
