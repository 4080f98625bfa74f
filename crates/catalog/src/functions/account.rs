//! Account: key owner, access grants, global settings, connectivity.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "account",
    description: "Account: key owner, access grants, global settings, connectivity.",
    default_on: true,
    functions: &[
        Function::read(
            &TOOLSET,
            "getGlobalSettings",
            "Option lists: product types, intervals, pay methods, languages.",
        )
        .hosted(),
        Function::read(
            &TOOLSET,
            "getUserInfo",
            "The API key's owner: user id, name, roles.",
        )
        .access(Access::Any)
        .hosted(),
        Function::read(
            &TOOLSET,
            "listAccountAccess",
            "Account-access grants of the key owner.",
        )
        .operation_id("listAccountAccess")
        .hosted(),
        Function::write(
            &TOOLSET,
            "logMemberAccess",
            "Record a buyer's membership-area access.",
        )
        .hosted()
        .params(&[
            Param::req("purchase_id", Ty::String, ""),
            Param::req("platform_name", Ty::String, ""),
            Param::req("login_name", Ty::String, "").personal(),
            Param::req("login_url", Ty::String, "").format(Format::Uri),
            Param::req("number_of_unlocked_lectures", Ty::Integer, "").range(Some(0), None),
            Param::req("total_number_of_lectures", Ty::Integer, "").range(Some(0), None),
            Param::opt("login_at", Ty::DateTime, "").default("now"),
        ]),
        Function::read(
            &TOOLSET,
            "ping",
            "Check the connection and key; server time.",
        )
        .access(Access::Any)
        .operation_id("ping")
        .hosted(),
    ],
};
