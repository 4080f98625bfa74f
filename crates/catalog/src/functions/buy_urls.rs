//! Buy URLs: prepared checkout links with preset prices, buyer data and validity.

use crate::model::*;

pub(crate) static TOOLSET: Toolset = Toolset {
    id: "buy_urls",
    description: "Buy URLs: prepared checkout links with preset prices, buyer data and validity.",
    default_on: true,
    functions: &[
        Function::write(&TOOLSET, "createBuyUrl", "Create a personalised, expiring checkout URL for a product, optionally with prefilled buyer data, custom price plan, tracking and settings.")
            .title("Create buy URL")
            .hosted()
            .params(&[
                Param::req("product_id", Ty::String, "Product ID"),
                Param::opt("buyer", Ty::Object(&[
                    Param::opt("email", Ty::String, "E-mail address; e-mail format").personal(),
                    Param::opt("salutation", Ty::String, "Salutation code (M or F, sometimes empty)").one_of(&["M", "F"]).personal(),
                    Param::opt("title", Ty::String, "Academic title (e.g. Dr.)").personal(),
                    Param::opt("last_name", Ty::String, "Last name").personal(),
                    Param::opt("first_name", Ty::String, "First name").personal(),
                    Param::opt("company", Ty::String, "Company name").personal(),
                    Param::opt("street", Ty::String, "Street and house number").personal(),
                    Param::opt("city", Ty::String, "City").personal(),
                    Param::opt("zipcode", Ty::String, "Postal code").personal(),
                    Param::opt("state", Ty::String, "State / province").personal(),
                    Param::opt("country", Ty::String, "Two-letter country code; an invalid code makes the call fail; max 2 chars"),
                    Param::opt("phone_no", Ty::String, "Phone number").personal(),
                    Param::opt("tax_id", Ty::String, "VAT ID of the buyer").personal(),
                    Param::opt("readonly_keys", Ty::String, "Buyer fields the buyer may not edit: none (default), email, email_and_name, all").one_of(&["all", "email", "email_and_name", "none"]),
                    Param::opt("id", Ty::String, "Existing buyer ID or order ID whose address is reused"),
                ]), "Buyer data block (buyer[email], buyer[first_name], ...)"),
                Param::opt("payment_plan", Ty::Object(&[
                    Param::opt("first_amount", Ty::Number, "First payment (or the single price) as a decimal amount"),
                    Param::opt("other_amounts", Ty::Number, "Amount of each follow-up payment"),
                    Param::opt("currency", Ty::String, "Currency code, e.g. EUR; max 3 chars"),
                    Param::opt("number_of_installments", Ty::Integer, "1 = single payment (default), 0 = subscription, n>=2 installments; min 0"),
                    Param::opt("first_billing_interval", Ty::String, "Interval before the 2nd payment (default 1_month)"),
                    Param::opt("other_billing_intervals", Ty::String, "Interval between follow-up payments, e.g. 1_month"),
                    Param::opt("test_interval", Ty::String, "Free trial length before the first payment, e.g. 14_day"),
                    Param::opt("template", Ty::String, "ID of an existing payment plan to copy settings from (docs wording ambiguous)"),
                    Param::opt("upgrade_order_id", Ty::String, "Order ID being upgraded by this buy URL"),
                    Param::opt("upgrade_type", Ty::String, "upgrade (immediate) or downgrade (next period) (default upgrade)").one_of(&["upgrade", "downgrade"]),
                    Param::opt("tax_mode", Ty::String, "as_set, exclude or include VAT for the given prices (default as_set)").one_of(&["as_set", "exclude", "include"]),
                ]), "Price / payment plan block (payment_plan[first_amount], ...)"),
                Param::opt("tracking", Ty::Object(&[
                    Param::opt("custom", Ty::String, "Free vendor reference string carried through to IPN and purchase data"),
                    Param::opt("affiliate", Ty::String, "Digistore24 ID (user name) of the affiliate"),
                    Param::opt("affiliate_priority", Ty::String, "Whether an affiliate previously bound to the buyer email wins over the one given here (default as_set)").one_of(&["email", "as_set"]),
                    Param::opt("campaignkey", Ty::String, "Affiliate campaign key"),
                    Param::opt("trackingkey", Ty::String, "Vendor tracking key (also passable as GET ds24tr)"),
                    Param::opt("utm_source", Ty::String, "UTM source"),
                    Param::opt("utm_medium", Ty::String, "UTM medium"),
                    Param::opt("utm_campaign", Ty::String, "UTM campaign"),
                    Param::opt("utm_term", Ty::String, "UTM term"),
                    Param::opt("utm_content", Ty::String, "UTM content"),
                ]), "Tracking data (tracking[custom] comes back in every IPN of the order)"),
                Param::opt("valid_until", Ty::String, "Lifetime of the buy URL: relative (24h default, 7d) or 'forever'"),
                Param::opt("urls", Ty::Object(&[
                    Param::opt("thankyou_url", Ty::String, "Thank-you page URL (https; max 255 chars)"),
                    Param::opt("fallback_url", Ty::String, "Where visitors go if the buy URL is invalid or expired"),
                    Param::opt("upgrade_error_url", Ty::String, "Where to send the buyer if the upgrade fails"),
                ]), "URL overrides block (urls[thankyou_url], urls[fallback_url], ...)"),
                Param::opt("placeholders", Ty::Object(&[]), "Values for placeholders in product title/description, e.g. placeholders[TITLE]"),
                Param::opt("settings", Ty::Object(&[
                    Param::opt("orderform_id", Ty::String, "Numeric order form ID"),
                    Param::opt("img", Ty::String, "Image ID, or a product-ID-to-image-ID map, to show on the order form"),
                    Param::opt("affiliate_commission_rate", Ty::Number, "Affiliate commission in percent for this link"),
                    Param::opt("affiliate_commission_fix", Ty::Number, "Fixed affiliate commission amount for this link"),
                    Param::opt("voucher_code", Ty::String, "Voucher code to apply automatically"),
                    Param::opt("voucher_1st_rate", Ty::Number, "Percent discount on the first payment"),
                    Param::opt("voucher_oth_rates", Ty::Number, "Percent discount on follow-up payments"),
                    Param::opt("voucher_1st_amount", Ty::Number, "Fixed discount on the first payment"),
                    Param::opt("voucher_oth_amounts", Ty::Number, "Fixed discount on follow-up payments"),
                    Param::opt("force_rebilling", Ty::Boolean, "Y = only allow payment methods that support later automatic charges (needed for createBillingOnDemand)"),
                    Param::opt("pay_methods", Ty::StringList, "Allowed payment method keys"),
                ]), "Order form settings (orderform, discounts, affiliate commission, force_rebilling, pay methods)"),
                Param::opt("addons", Ty::Array(&[
                    Param::opt("product_id", Ty::String, "Product ID"),
                    Param::opt("first_amount", Ty::Number, "First payment (or the single price) as a decimal amount"),
                    Param::opt("other_amounts", Ty::Number, "Amount of each follow-up payment"),
                    Param::opt("single_amount", Ty::Number, "Price for single-payment add-ons"),
                    Param::opt("default_quantity", Ty::Integer, "Quantity preselected on the order form; min 1 (default 1)"),
                    Param::opt("max_quantity_type", Ty::String, "unlimited, like_main_item or number (then max_quantity applies) (default unlimited)").one_of(&["unlimited", "like_main_item", "number"]),
                    Param::opt("max_quantity", Ty::Integer, "Maximum purchasable quantity; min 1"),
                    Param::opt("currency", Ty::String, "Currency code, e.g. EUR; max 3 chars"),
                    Param::opt("is_quantity_editable_before_purchase", Ty::Boolean, "Y = buyer may change the quantity on the order form (default N)"),
                    Param::opt("is_quantity_editable_after_purchase", Ty::Boolean, "Y = buyer may change the add-on quantity later (default N)"),
                ]), "Extra products sold together with the main product; indexed list (addons[0][field]=...)"),
            ]),
        Function::destructive(&TOOLSET, "deleteBuyUrl", "Delete (invalidate) a buy URL object.")
            .title("Delete buy URL")
            .method(HttpMethod::Delete)
            .opt_in()
            .params(&[
                Param::req("id", Ty::Integer, "ID of the BuyUrl object (from createBuyUrl / listBuyUrls)"),
            ]),
        Function::read(&TOOLSET, "listBuyUrls", "List previously created buy URLs.")
            .title("List buy URLs")
            .operation_id("listBuyUrls")
            .hosted(),
    ],
};
