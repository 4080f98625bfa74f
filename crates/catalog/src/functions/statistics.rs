//! Statistics: sales, daily amounts, affiliate rankings, expected payouts.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "statistics",
    description: "Statistics: sales, daily amounts, affiliate rankings, expected payouts.",
    default_on: true,
    functions: &[
        Function::read(
            &TOOLSET,
            "statsAffiliateToplist",
            "Your affiliates ranked by sales, by month.",
        )
        .operation_id("statsAffiliateToplist")
        .hosted()
        .params(&[
            Param::req("from", Ty::DateTime, "First month, YYYY-MM"),
            Param::req("to", Ty::DateTime, "Last month, YYYY-MM"),
            Param::opt("affiliate", Ty::String, ""),
            Param::opt("currency", Ty::String, "").max_len(3),
        ]),
        Function::read(
            &TOOLSET,
            "statsDailyAmounts",
            "Sales per day, currency and role.",
        )
        .operation_id("statsDailyAmounts")
        .hosted()
        .params(&[
            Param::opt("from", Ty::DateTime, ""),
            Param::opt("to", Ty::DateTime, ""),
        ]),
        Function::read(
            &TOOLSET,
            "statsExpectedPayouts",
            "Expected payouts per currency.",
        )
        .operation_id("statsExpectedPayouts")
        .hosted(),
        Function::read(
            &TOOLSET,
            "statsMarketplace",
            "Marketplace statistics for a language.",
        )
        .operation_id("statsMarketplace")
        .hosted()
        .params(&[Param::opt("language", Ty::String, "")]),
        Function::read(&TOOLSET, "statsSales", "Sales per period and currency.")
            .operation_id("statsSales")
            .hosted()
            .params(&[
                Param::opt("period", Ty::String, "")
                    .default("week")
                    .one_of(&["day", "week", "month", "quarter", "year"]),
                Param::opt("from", Ty::Date, ""),
                Param::opt("to", Ty::Date, ""),
            ]),
        Function::read(
            &TOOLSET,
            "statsSalesSummary",
            "Revenue for all time, year, month, week, day.",
        )
        .operation_id("statsSalesSummary")
        .hosted(),
    ],
};
