//! Physical deliveries: shipping tasks, their status and parcel tracking.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "deliveries",
    description: "Physical deliveries: shipping tasks, their status and parcel tracking.",
    default_on: true,
    functions: &[
        Function::read(&TOOLSET, "getDelivery", "Read one delivery with address, invoice/slip links and tracking; can also claim it (set in progress).")
            .hosted()
            .params(&[
                Param::req("delivery_id", Ty::Integer, "Delivery ID to read"),
                Param::opt("set_in_progress", Ty::Boolean, "Y = also mark the delivery in_progress (a write) (default N)").mutating(),
            ]),
        Function::read(&TOOLSET, "listDeliveries", "List physical deliveries (shipping tasks) filtered by type, order, date or address.")
            .operation_id("listDeliveries")
            .hosted()
            .params(&[
                Param::opt("search", Ty::Object(&[
                    Param::opt("purchase_id", Ty::String, "Order ID, e.g. ABCD1234"),
                    Param::opt("from", Ty::Date, "Earliest date"),
                    Param::opt("to", Ty::Date, "Latest date"),
                    Param::opt("type", Ty::String, "Comma list of delivery types (request,in_progress,delivery,partial_delivery,return,cancel)"),
                    Param::opt("same_address_as", Ty::String, "Delivery ID; returns deliveries going to the same address"),
                    Param::opt("is_processed", Ty::Boolean, "Filter deliveries by processed state"),
                    Param::opt("is_test_order", Ty::Boolean, "Filter: Y = test orders only, N = real orders only"),
                ]), "Filters: search[type], search[purchase_id], search[from], search[to], search[same_address_as], search[is_test_order], search[is_processed]"),
            ]),
        Function::write(&TOOLSET, "updateDelivery", "Update a delivery's status, delivered quantity and parcel tracking; optionally e-mail the buyer.")
            .method(HttpMethod::Put)
            .operation_id("updateDelivery")
            .hosted()
            .params(&[
                Param::req("delivery_id", Ty::Integer, "Numeric delivery ID"),
                Param::opt("data", Ty::Object(&[
                    Param::opt("type", Ty::String, "New delivery state: request, in_progress, delivery, partial_delivery, return, cancel").one_of(&["request", "in_progress", "delivery", "partial_delivery", "return", "cancel"]),
                    Param::opt("is_shipped", Ty::Boolean, "Y = fully shipped (type becomes delivery); N = delivery cancelled (type becomes cancel)"),
                    Param::opt("quantity_delivered", Ty::Integer, "Set the delivered quantity to this value"),
                    Param::opt("add_quantity_delivered", Ty::Integer, "Number of items to add to the already-delivered count"),
                    Param::opt("is_shipped_by_reseller_from", Ty::String, "Fulfilment-centre code, only when the delivery must ship in the reseller's name"),
                ]), "Status changes: data[type], data[is_shipped], data[quantity_delivered], ..."),
                Param::opt("tracking", Ty::Array(&[
                    Param::opt("parcel_service", Ty::String, "Carrier key from https://www.digistore24.com/support/parcel_services (e.g. dhl, ups)"),
                    Param::opt("tracking_id", Ty::String, "Carrier tracking number"),
                    Param::opt("expect_delivery_at", Ty::Date, "Expected delivery date"),
                    Param::opt("quantity", Ty::Integer, "Quantity"),
                    Param::opt("operation", Ty::String, "create_or_update (default) or delete the tracking entry").one_of(&["create_or_update", "delete"]),
                ]), "List of parcel tracking entries: tracking[0][parcel_service]=dhl&tracking[0][tracking_id]=..."),
                Param::opt("notify_via_email", Ty::Boolean, "Y (default) = e-mail the buyer about the delivery change"),
            ]),
    ],
};
