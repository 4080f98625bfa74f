//! Account: key owner, access grants, global settings, connectivity.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "account",
    description: "Account: key owner, access grants, global settings, connectivity.",
    default_on: true,
    functions: &[
        Function::read(&TOOLSET, "getGlobalSettings", "Get system-wide option lists (product types, billing intervals, pay methods, image limits, languages, ...).")
            .hosted(),
        Function::read(&TOOLSET, "getUserInfo", "Identify the owner of the API key (user id, Digistore24 name, roles).")
            .access(Access::Any)
            .hosted(),
        Function::read(&TOOLSET, "listAccountAccess", "List account-access grants given by and to the key owner, with their permission flags.")
            .operation_id("listAccountAccess")
            .hosted(),
        Function::write(&TOOLSET, "logMemberAccess", "Report that a buyer logged into the membership area and accessed content (German refund-waiver evidence).")
            .hosted()
            .params(&[
                Param::req("purchase_id", Ty::String, "Order ID whose content was accessed"),
                Param::req("platform_name", Ty::String, "Human-readable name of the membership area"),
                Param::req("login_name", Ty::String, "Member's user name in the membership area").personal(),
                Param::req("login_url", Ty::String, "URL the member used to log in"),
                Param::req("number_of_unlocked_lectures", Ty::Integer, "Lessons unlocked for this purchase; min 0"),
                Param::req("total_number_of_lectures", Ty::Integer, "Total lessons of the course (locked + unlocked); min 0"),
                Param::opt("login_at", Ty::DateTime, "Login time (default now); use for batch logging"),
            ]),
        Function::read(&TOOLSET, "ping", "Connectivity/authentication check that returns the server time.")
            .access(Access::Any)
            .operation_id("ping")
            .hosted(),
    ],
};
