//! What the server offers besides tools: prompts for the vendor's everyday workflows, and
//! Digistore24's reference data as resources.
//!
//! A prompt turns a few arguments into the request a vendor would type ("copy product 12345 as
//! 'Webinar October' …") plus the tools that do it, so a client can offer the workflow as a
//! form. A resource is a Digistore24 read function the client can attach as context; reading it
//! goes through the same pipeline as calling the tool (the key, narrowing and read-only rules
//! apply).

use std::collections::BTreeMap;

/// One argument of a prompt.
#[derive(Debug)]
pub struct PromptArg {
    /// The argument name.
    pub name: &'static str,
    /// What to enter.
    pub description: &'static str,
    /// Whether the prompt needs it.
    pub required: bool,
    /// What it holds, checked before it is written into the prompt: a prompt must not tell the
    /// model to send a call that is bound to fail ("two weeksd").
    pub kind: ArgKind,
}

/// What a prompt argument holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// Any text.
    Text,
    /// A Digistore24 ID (digits).
    Id,
    /// Product IDs, comma-separated, or `all`.
    Ids,
    /// An amount: `89.99` (a decimal comma is read as a point).
    Amount,
    /// A percentage from 0 to 100 (a trailing `%` is dropped).
    Percent,
    /// A whole number of days, 1 to 3650.
    Days,
    /// A time in a form Digistore24 reads (`2026-11-01`, `-30d`, `now`).
    Time,
}

impl ArgKind {
    /// `value` as the prompt writes it, or what is wrong with it.
    fn check(self, value: &str) -> Result<String, &'static str> {
        let v = value.trim();
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let decimal = |s: &str| {
            let s = s.replace(',', ".");
            let ok = s
                .split_once('.')
                .map_or(digits(&s), |(w, f)| digits(w) && digits(f) && f.len() <= 2);
            ok.then_some(s)
        };
        match self {
            Self::Text => Ok(v.to_owned()),
            Self::Id if digits(v) => Ok(v.to_owned()),
            Self::Id => Err("a Digistore24 ID (digits), e.g. 12345"),
            Self::Ids if v.eq_ignore_ascii_case("all") => Ok("all".to_owned()),
            Self::Ids if v.split(',').all(|p| digits(p.trim())) => {
                Ok(v.split(',').map(str::trim).collect::<Vec<_>>().join(","))
            }
            Self::Ids => Err("product IDs separated by commas, e.g. 12345,67890, or all"),
            Self::Amount => decimal(v).ok_or("an amount such as 89.99"),
            Self::Percent => decimal(v.trim_end_matches('%').trim_end())
                .filter(|p| p.parse::<f64>().is_ok_and(|p| p <= 100.0))
                .ok_or("a percentage from 0 to 100, e.g. 15"),
            Self::Days => v
                .parse::<u32>()
                .ok()
                .filter(|d| (1..=3650).contains(d))
                .map(|d| d.to_string())
                .ok_or("a whole number of days from 1 to 3650, e.g. 14"),
            Self::Time if crate::window::is_time(v) => Ok(v.to_owned()),
            Self::Time => {
                Err("a date or time such as 2026-11-01, 2026-11-01 12:00:00, now or -30d")
            }
        }
    }
}

/// A workflow prompt.
#[derive(Debug)]
pub struct Workflow {
    /// The prompt name.
    pub name: &'static str,
    /// A short human title.
    pub title: &'static str,
    /// What the workflow does.
    pub description: &'static str,
    /// Its arguments.
    pub args: &'static [PromptArg],
    render: fn(&Args<'_>) -> String,
}

/// Prompt arguments by name, with empty values treated as absent.
pub struct Args<'a>(&'a BTreeMap<String, String>);

impl Args<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    fn or<'a>(&'a self, name: &str, default: &'a str) -> &'a str {
        self.get(name).unwrap_or(default)
    }
}

const fn arg(name: &'static str, description: &'static str, required: bool) -> PromptArg {
    PromptArg {
        name,
        description,
        required,
        kind: ArgKind::Text,
    }
}

impl PromptArg {
    const fn of(mut self, kind: ArgKind) -> Self {
        self.kind = kind;
        self
    }
}

/// The workflows, in the order clients list them.
pub const WORKFLOWS: &[Workflow] = &[
    Workflow {
        name: "copy_product",
        title: "Duplicate a product with changes",
        description: "Copy a product under a new name, inactive, with a new one-time price.",
        args: &[
            arg("product_id", "The product to copy", true).of(ArgKind::Id),
            arg("name", "The copy's name", true),
            arg("price", "One-time price of the copy, e.g. 89.99", false).of(ArgKind::Amount),
            arg("currency", "Currency of the price (default EUR)", false),
        ],
        render: |a| {
            let mut text = format!(
                "In my Digistore24 account, copy product {} as '{}' and keep the copy deactivated.",
                a.or("product_id", "?"),
                a.or("name", "?")
            );
            if let Some(price) = a.get("price") {
                text.push_str(&format!(
                    " Change its payment plan to a one-time payment of {price} {}.",
                    a.or("currency", "EUR")
                ));
            }
            text.push_str(
                "\n\nSteps: copyProduct with data.name_en and data.name_de set to the name and data.is_active false; \
                 listPaymentPlans for the copy; updatePaymentplan on its first plan with first_amount, other_amounts 0, \
                 currency and number_of_installments 1 (ask me before deleting any further plan); then check the copy with \
                 getProduct and listPaymentPlans and tell me its product ID and plans.",
            );
            text
        },
    },
    Workflow {
        name: "create_product",
        title: "Create a product",
        description: "Create a product with description, sales page and image.",
        args: &[
            arg("name", "Product name", true),
            arg("description", "What the buyer gets", false),
            arg("salespage_url", "Public URL of the sales page", false),
            arg("image_url", "Public https URL of the product image", false),
        ],
        render: |a| {
            let mut text = format!("Create a Digistore24 product named '{}'", a.or("name", "?"));
            if let Some(d) = a.get("description") {
                text.push_str(&format!(" with the description \"{d}\""));
            }
            if let Some(u) = a.get("salespage_url") {
                text.push_str(&format!(", sales page {u}"));
            }
            if let Some(u) = a.get("image_url") {
                text.push_str(&format!(" and image {u}"));
            }
            text.push_str(
                ".\n\nSteps: createProduct with data.name_en (and name_de), description_en, salespage_url and \
                 image_url; then getProduct to check it and tell me the new product ID.",
            );
            text
        },
    },
    Workflow {
        name: "launch_discount_code",
        title: "Launch a discount code",
        description: "Create a percentage discount code for some products, valid for some days.",
        args: &[
            arg("code", "The code buyers type in, e.g. LAUNCH10", true),
            arg("percent", "Discount in percent, e.g. 10", true).of(ArgKind::Percent),
            arg(
                "product_ids",
                "Comma list of product IDs (default all)",
                false,
            )
            .of(ArgKind::Ids),
            arg("days", "Days the code is valid (default 7)", false).of(ArgKind::Days),
        ],
        render: |a| {
            format!(
                "Create the Digistore24 discount code {} for products {}: {} % off, valid for {} days.\n\n\
                 Steps: createVoucher with data.code, data.product_ids, data.first_rate and data.other_rates set \
                 to the percentage, and data.expires_at '{}d'; then check it with validateCouponCode and getVoucher.",
                a.or("code", "?"),
                a.or("product_ids", "all"),
                a.or("percent", "?"),
                a.or("days", "7"),
                a.or("days", "7"),
            )
        },
    },
    Workflow {
        name: "sales_report",
        title: "Sales report for a period",
        description: "Orders and payments of a period, counted and summed, optionally for one product.",
        args: &[
            arg("from", "Start: a date, or relative such as -30d", true).of(ArgKind::Time),
            arg("to", "End (default now)", false).of(ArgKind::Time),
            arg("product_id", "Only this product", false).of(ArgKind::Id),
            arg(
                "group_by",
                "day, week, month, or a field such as billing_type",
                false,
            ),
        ],
        render: |a| {
            let product = a
                .get("product_id")
                .map(|p| format!(" of product {p}"))
                .unwrap_or_default();
            let filter = a
                .get("product_id")
                .map(|p| format!(", where {{\"product_id\": \"{p}\"}}"))
                .unwrap_or_default();
            let group = a
                .get("group_by")
                .map(|g| format!(", group_by \"{g}\""))
                .unwrap_or_default();
            format!(
                "Give me a sales report{product} from {} to {}: how many orders and payments, and the amounts per currency.\n\n\
                 Steps: summarizePurchases and summarizeTransactions with from \"{}\", to \"{}\"{filter}{group}; \
                 both count and sum in one call, so do not page through listPurchases.",
                a.or("from", "?"),
                a.or("to", "now"),
                a.or("from", "-30d"),
                a.or("to", "now"),
            )
        },
    },
];

impl Workflow {
    /// The prompt text for these arguments, or what is wrong with them: required arguments
    /// that are missing, and values that are not what the argument holds.
    pub fn render(&self, args: &BTreeMap<String, String>) -> Result<String, Vec<String>> {
        let given = Args(args);
        let mut problems = Vec::new();
        let missing: Vec<&str> = self
            .args
            .iter()
            .filter(|p| p.required && given.get(p.name).is_none())
            .map(|p| p.name)
            .collect();
        if !missing.is_empty() {
            problems.push(format!("needs the argument(s): {}", missing.join(", ")));
        }
        let mut checked = BTreeMap::new();
        for p in self.args {
            if let Some(v) = given.get(p.name) {
                match p.kind.check(v) {
                    Ok(v) => {
                        checked.insert(p.name.to_owned(), v);
                    }
                    Err(expected) => {
                        let shown: String = v.chars().take(40).collect();
                        problems.push(format!("`{}` must be {expected}, got {shown:?}", p.name));
                    }
                }
            }
        }
        if problems.is_empty() {
            Ok((self.render)(&Args(&checked)))
        } else {
            Err(problems)
        }
    }
}

/// Looks a workflow up by name.
pub fn workflow(name: &str) -> Option<&'static Workflow> {
    WORKFLOWS.iter().find(|w| w.name == name)
}

/// Reference data offered as a resource.
#[derive(Debug)]
pub struct Reference {
    /// The resource URI.
    pub uri: &'static str,
    /// The resource name.
    pub name: &'static str,
    /// What it holds.
    pub description: &'static str,
    /// The Digistore24 function that reads it.
    pub function: &'static str,
}

/// The reference resources.
pub const REFERENCES: &[Reference] = &[
    Reference {
        uri: "ds24://reference/countries",
        name: "countries",
        description: "ISO country codes and names known to Digistore24.",
        function: "listCountries",
    },
    Reference {
        uri: "ds24://reference/currencies",
        name: "currencies",
        description: "Currencies products can be sold in, with price limits.",
        function: "listCurrencies",
    },
    Reference {
        uri: "ds24://reference/product-types",
        name: "product-types",
        description: "Product types, for product_type_id.",
        function: "listProductTypes",
    },
    Reference {
        uri: "ds24://reference/global-settings",
        name: "global-settings",
        description: "Option lists: billing intervals, pay methods, languages, image limits.",
        function: "getGlobalSettings",
    },
];

/// Looks a reference resource up by URI.
pub fn reference(uri: &str) -> Option<&'static Reference> {
    REFERENCES.iter().find(|r| r.uri == uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflows_name_only_real_tools_and_need_their_arguments() {
        for w in WORKFLOWS {
            let mut args = BTreeMap::new();
            assert!(w.render(&args).is_err() || w.args.iter().all(|a| !a.required));
            for a in w.args {
                let sample = if a.kind == ArgKind::Time { "-7d" } else { "1" };
                args.insert(a.name.to_owned(), sample.to_owned());
            }
            let text = w.render(&args).unwrap();
            // Every camelCase word that looks like a tool is a catalog function.
            for word in text.split(|c: char| !c.is_alphanumeric()) {
                let tool_like = word.chars().next().is_some_and(char::is_lowercase)
                    && word.chars().any(char::is_uppercase);
                if tool_like {
                    assert!(ds24_catalog::get(word).is_some(), "{}: {word}", w.name);
                }
            }
        }
    }

    /// Journey review 4: `percent: "15%"` became "15% % off", and `days: "two weeks"` an
    /// expiry of 'two weeksd' for the model to send.
    #[test]
    fn prompt_arguments_are_checked_before_they_are_written_in() {
        let w = workflow("launch_discount_code").unwrap();
        let args = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>()
        };
        let text = w
            .render(&args(&[("code", "X"), ("percent", "15%"), ("days", "14")]))
            .unwrap();
        assert!(
            text.contains("15 % off") && text.contains("'14d'"),
            "{text}"
        );
        let problems = w
            .render(&args(&[
                ("code", "X"),
                ("percent", "15"),
                ("days", "two weeks"),
            ]))
            .unwrap_err();
        assert!(problems[0].contains("`days`"), "{problems:?}");
        assert!(
            w.render(&args(&[("code", "X"), ("percent", "150")]))
                .is_err(),
            "over 100 %"
        );
        let report = workflow("sales_report").unwrap();
        assert!(report.render(&args(&[("from", "last week")])).is_err());
        assert!(report.render(&args(&[("from", "-7d")])).is_ok());
    }

    #[test]
    fn references_are_read_functions() {
        for r in REFERENCES {
            let f = ds24_catalog::get(r.function).unwrap();
            assert!(
                !f.writes() && f.params.iter().all(|p| !p.required),
                "{}",
                r.uri
            );
        }
    }
}
