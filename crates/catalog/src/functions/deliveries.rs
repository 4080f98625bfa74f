//! Physical deliveries: shipping tasks, their status and parcel tracking.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "deliveries",
    description: "Physical deliveries: shipping tasks, their status and parcel tracking.",
    default_on: true,
    functions: &[
        Function::read(
            &TOOLSET,
            "getDelivery",
            "One delivery with address, documents and tracking.",
        )
        .hosted()
        .params(&[
            Param::req("delivery_id", Ty::Integer, ""),
            Param::opt(
                "set_in_progress",
                Ty::Boolean,
                "Also mark it in_progress (a write)",
            )
            .default("N")
            .mutating(),
        ]),
        Function::read(
            &TOOLSET,
            "listDeliveries",
            "Physical deliveries (shipping tasks), filtered.",
        )
        .operation_id("listDeliveries")
        .hosted()
        .params(&[Param::opt(
            "search",
            Ty::Object(&[
                Param::opt("purchase_id", Ty::String, ""),
                Param::opt("from", Ty::Date, ""),
                Param::opt("to", Ty::Date, ""),
                Param::opt(
                    "type",
                    Ty::String,
                    "Comma list: request, in_progress, delivery, partial_delivery, return, cancel",
                ),
                Param::opt("same_address_as", Ty::String, "Delivery ID: same address"),
                Param::opt("is_processed", Ty::Boolean, ""),
                Param::opt("is_test_order", Ty::Boolean, ""),
            ]),
            "Filters",
        )]),
        Function::write(
            &TOOLSET,
            "updateDelivery",
            "Update a delivery's status and parcel tracking.",
        )
        .method(HttpMethod::Put)
        .operation_id("updateDelivery")
        // Digistore24: type cancel or return, or is_shipped N, cancels the delivery.
        .destructive_when(
            "data.type is cancel or return, or data.is_shipped is false (cancels the delivery)",
            &[
                ("data[type]", "cancel"),
                ("data[type]", "return"),
                ("data[is_shipped]", "N"),
            ],
        )
        // add_quantity_delivered adds again on every call.
        .idempotent(false)
        .hosted()
        .params(&[
            Param::req("delivery_id", Ty::Integer, ""),
            Param::opt(
                "data",
                Ty::Object(&[
                    Param::opt("type", Ty::String, "").one_of(&[
                        "request",
                        "in_progress",
                        "delivery",
                        "partial_delivery",
                        "return",
                        "cancel",
                    ]),
                    Param::opt(
                        "is_shipped",
                        Ty::Boolean,
                        "true: shipped (delivery); false: cancelled",
                    ),
                    Param::opt("quantity_delivered", Ty::Integer, ""),
                    Param::opt(
                        "add_quantity_delivered",
                        Ty::Integer,
                        "Add to the delivered count",
                    ),
                    Param::opt(
                        "is_shipped_by_reseller_from",
                        Ty::String,
                        "Fulfilment centre shipping in the reseller's name",
                    ),
                ]),
                "Changes",
            ),
            Param::opt(
                "tracking",
                Ty::Array(&[
                    Param::opt("parcel_service", Ty::String, "Carrier key, e.g. dhl, ups"),
                    Param::opt("tracking_id", Ty::String, ""),
                    Param::opt("expect_delivery_at", Ty::Date, ""),
                    Param::opt("quantity", Ty::Integer, ""),
                    Param::opt("operation", Ty::String, "")
                        .default("create_or_update")
                        .one_of(&["create_or_update", "delete"]),
                ]),
                "Parcel tracking",
            ),
            Param::opt("notify_via_email", Ty::Boolean, "").default("Y"),
        ]),
    ],
};
