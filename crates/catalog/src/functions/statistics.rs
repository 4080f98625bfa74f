//! Statistics: sales, daily amounts, affiliate rankings, expected payouts.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "statistics",
    description: "Statistics: sales, daily amounts, affiliate rankings, expected payouts.",
    default_on: true,
    functions: &[
        Function::read(&TOOLSET, "statsAffiliateToplist", "Your affiliates ranked by sales for a month range, with revenue, refund and chargeback quotas.")
            .title("Affiliate top list")
            .operation_id("statsAffiliateToplist")
            .hosted()
            .params(&[
                Param::req("from", Ty::DateTime, "First month, YYYY-MM; format YYYY-MM"),
                Param::req("to", Ty::DateTime, "Last month, YYYY-MM; format YYYY-MM"),
                Param::opt("affiliate", Ty::String, "Restrict to one affiliate (Digistore24 ID)"),
                Param::opt("currency", Ty::String, "Currency to report revenue in"),
            ]),
        Function::read(&TOOLSET, "statsDailyAmounts", "Daily sales amounts per currency and role for a date range.")
            .title("Daily amounts")
            .operation_id("statsDailyAmounts")
            .hosted()
            .params(&[
                Param::opt("from", Ty::DateTime, "Start (date or relative, e.g. -7d)"),
                Param::opt("to", Ty::DateTime, "End (date or relative, e.g. now)"),
            ]),
        Function::read(&TOOLSET, "statsExpectedPayouts", "Expected payouts as on the dashboard: earned, paid out, pending and future amounts per currency and reseller.")
            .title("Expected payouts")
            .operation_id("statsExpectedPayouts")
            .hosted(),
        Function::read(&TOOLSET, "statsMarketplace", "Marketplace statistics for a marketplace language.")
            .title("Marketplace statistics")
            .operation_id("statsMarketplace")
            .hosted()
            .params(&[
                Param::opt("language", Ty::String, "Marketplace language code, e.g. de"),
            ]),
        Function::read(&TOOLSET, "statsSales", "Sales amounts per period (day/week/month/quarter/year) and currency for a date range.")
            .title("Sales statistics")
            .operation_id("statsSales")
            .hosted()
            .params(&[
                Param::opt("period", Ty::String, "Grouping: day, week, month, quarter or year (default week)").one_of(&["day", "month", "quarter", "year"]),
                Param::opt("from", Ty::Date, "Start date"),
                Param::opt("to", Ty::Date, "End date"),
            ]),
        Function::read(&TOOLSET, "statsSalesSummary", "Revenue overview for all-time, year, quarter, month, week and day, per currency and role.")
            .title("Sales summary")
            .operation_id("statsSalesSummary")
            .hosted(),
    ],
};
