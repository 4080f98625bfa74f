//! E-tickets for events: issue, look up, validate at the door.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "etickets",
    description: "E-tickets for events: issue, look up, validate at the door.",
    default_on: true,
    functions: &[
        Function::write(&TOOLSET, "createEticket", "Issue free e-tickets for an event date to a person.")
            .title("Create e-ticket")
            .hosted()
            .params(&[
                Param::req("buyer", Ty::Object(&[
                    Param::opt("email", Ty::String, "E-mail address; e-mail format").personal(),
                    Param::opt("title", Ty::String, "Academic title (e.g. Dr.)").personal(),
                    Param::opt("salutation", Ty::String, "m or f").one_of(&["m", "f"]).personal(),
                    Param::opt("last_name", Ty::String, "Last name").personal(),
                    Param::opt("first_name", Ty::String, "First name").personal(),
                ]), "Ticket holder: buyer[email], buyer[first_name], buyer[last_name], buyer[salutation], buyer[title]"),
                Param::req("product_id", Ty::String, "Event product"),
                Param::req("location_id", Ty::String, "Location ID from listEticketLocations"),
                Param::req("template_id", Ty::String, "Template ID from listEticketTemplates"),
                Param::req("date", Ty::Date, "Event date (YYYY-MM-DD)"),
                Param::opt("days", Ty::Integer, "Number of event days (default 1); min 1"),
                Param::opt("note", Ty::String, "Optional note printed on the ticket (e.g. start time)"),
                Param::opt("count", Ty::Integer, "Number of tickets to create (default 1); min 1"),
            ]),
        Function::read(&TOOLSET, "getEticket", "Read one e-ticket by its ID.")
            .title("Get e-ticket")
            .hosted()
            .params(&[
                Param::req("eticket_id", Ty::String, "20-digit numeric e-ticket ID"),
            ]),
        Function::read(&TOOLSET, "getEticketSettings", "Get templates and locations usable for e-tickets, grouped by owner account.")
            .title("Get e-ticket settings")
            .hosted(),
        Function::read(&TOOLSET, "listEticketLocations", "List the vendor's e-ticket event locations.")
            .title("List e-ticket locations")
            .operation_id("listEticketLocations")
            .hosted(),
        Function::read(&TOOLSET, "listEticketTemplates", "List the vendor's e-ticket templates.")
            .title("List e-ticket templates")
            .operation_id("listEticketTemplates")
            .hosted(),
        Function::read(&TOOLSET, "listEtickets", "Search e-tickets by owner, order, person, template, location or date.")
            .title("List e-tickets")
            .operation_id("listEtickets")
            .hosted()
            .params(&[
                Param::opt("search", Ty::Object(&[
                    Param::opt("owner_id", Ty::String, "Comma list of vendor IDs whose tickets to search"),
                    Param::opt("purchase_id", Ty::String, "Order ID, e.g. ABCD1234"),
                    Param::opt("first_name", Ty::String, "First name").personal(),
                    Param::opt("last_name", Ty::String, "Last name").personal(),
                    Param::opt("email", Ty::String, "E-mail address").personal(),
                    Param::opt("template_id", Ty::String, "E-ticket template ID (or comma list)"),
                    Param::opt("location_id", Ty::String, "E-ticket location ID (or comma list)"),
                    Param::opt("date", Ty::String, "Day the ticket must be valid for (2017-12-31 or today)"),
                ]), "Filters: search[owner_id], search[purchase_id], search[email], search[template_id], search[location_id], search[date], ..."),
            ]),
        Function::write(&TOOLSET, "validateEticket", "Check an e-ticket at the door against template/location/date and mark it as used if valid.")
            .title("Validate e-ticket")
            .method(HttpMethod::Get)
            .operation_id("validateEticket")
            .hosted()
            .params(&[
                Param::req("eticket_id", Ty::String, "Ticket serial number or ID to check"),
                Param::req("template_id", Ty::String, "Accepted template ID(s), comma list"),
                Param::req("location_id", Ty::String, "Accepted location ID(s), comma list"),
                Param::opt("date", Ty::String, "Date or comma list of dates to accept (default today)"),
                Param::opt("seperator", Ty::String, "Separator used inside the returned message (default  )"),
            ]),
    ],
};
