//! Which tools are enabled. The order of rules is documented once, here:
//!
//! 1. `--toolsets` picks the base set: `default` (every function whose toolset is on by
//!    default, less the opt-in ones), `all`, or a list of toolset names (which may include
//!    `default`).
//! 2. `--tools` adds single tools by name, `--exclude-tools` removes them. Without
//!    `--toolsets`, `--tools` alone offers exactly the tools it names (as github-mcp-server
//!    does), so a narrow deployment is one flag.
//! 3. `--read-only` removes every tool that writes and drops write-only parameters.
//! 4. Per request (HTTP only), `X-DS24-Toolsets`, `X-DS24-Read-Only` and the `/readonly` paths
//!    narrow further. They can never enable what the configuration left out.

use std::collections::BTreeSet;

use ds24_catalog::{Function, Toolset};

/// The base set named by `--toolsets`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolsetSpec {
    /// Every function.
    All,
    /// The hosted server's set, plus these toolsets in full.
    Default(BTreeSet<&'static str>),
    /// Only these toolsets.
    Only(BTreeSet<&'static str>),
}

/// A configuration error, named precisely so a user can fix the flag.
#[derive(Debug, thiserror::Error)]
pub enum SelectionError {
    /// An unknown toolset name.
    #[error("unknown toolset `{0}`; known toolsets: default, all, {known}", known = super::toolset_names().join(", "))]
    UnknownToolset(String),
    /// An unknown tool name.
    #[error(
        "unknown tool `{0}` (use a Digistore24 function name such as `listProducts`; `ds24-mcp tools --toolsets all` lists them)"
    )]
    UnknownTool(String),
}

impl ToolsetSpec {
    /// Parses `default`, `all` or a comma list of toolset names.
    pub fn parse(list: &str) -> Result<Self, SelectionError> {
        let mut sets = BTreeSet::new();
        let mut default = false;
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match name {
                "all" => return Ok(Self::All),
                "default" => default = true,
                other => {
                    sets.insert(
                        ds24_catalog::toolset(other)
                            .ok_or_else(|| SelectionError::UnknownToolset(other.to_owned()))?
                            .id,
                    );
                }
            }
        }
        Ok(if default || sets.is_empty() {
            Self::Default(sets)
        } else {
            Self::Only(sets)
        })
    }
}

/// The server-wide selection (rules 1–3).
#[derive(Debug, Clone)]
pub struct Selection {
    /// Base set.
    pub toolsets: ToolsetSpec,
    /// Tools added by name (Digistore24 names).
    pub include: BTreeSet<&'static str>,
    /// Tools removed by name.
    pub exclude: BTreeSet<&'static str>,
    /// Server-wide read-only mode.
    pub read_only: bool,
}

impl Default for Selection {
    fn default() -> Self {
        Self {
            toolsets: ToolsetSpec::Default(BTreeSet::new()),
            include: BTreeSet::new(),
            exclude: BTreeSet::new(),
            read_only: false,
        }
    }
}

impl Selection {
    /// Builds a selection from flag values (`toolsets` is `None` when `--toolsets` was not
    /// given); tool names may be Digistore24 or official names.
    pub fn new(
        toolsets: Option<&str>,
        include: &[String],
        exclude: &[String],
        read_only: bool,
    ) -> Result<Self, SelectionError> {
        let include = resolve(include)?;
        let toolsets = match toolsets {
            Some(list) => ToolsetSpec::parse(list)?,
            None if !include.is_empty() => ToolsetSpec::Only(BTreeSet::new()),
            None => ToolsetSpec::Default(BTreeSet::new()),
        };
        Ok(Self {
            toolsets,
            include,
            exclude: resolve(exclude)?,
            read_only,
        })
    }

    /// Whether rules 1 and 2 enable `f` (read-only is applied per view).
    pub fn enables(&self, f: &Function) -> bool {
        if self.exclude.contains(f.name) {
            return false;
        }
        if self.include.contains(f.name) {
            return true;
        }
        match &self.toolsets {
            ToolsetSpec::All => true,
            ToolsetSpec::Default(extra) => f.is_default() || extra.contains(f.toolset.id),
            ToolsetSpec::Only(sets) => sets.contains(f.toolset.id),
        }
    }
}

fn resolve(names: &[String]) -> Result<BTreeSet<&'static str>, SelectionError> {
    names
        .iter()
        .flat_map(|n| n.split(','))
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| {
            ds24_catalog::resolve(n)
                .map(|f| f.name)
                .ok_or_else(|| SelectionError::UnknownTool(n.to_owned()))
        })
        .collect()
}

/// Per-request narrowing (rule 4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Scope {
    /// Read-only for this request.
    pub read_only: bool,
    /// Only these toolsets for this request, by id (`None`: no narrowing).
    pub toolsets: Option<BTreeSet<&'static str>>,
    /// Read-only because the request's OAuth grant is (so the refusal can say how to fix it).
    pub read_only_grant: bool,
}

impl Scope {
    /// Whether this request may see a tool of `toolset`.
    pub fn allows_toolset(&self, toolset: &Toolset) -> bool {
        self.toolsets
            .as_ref()
            .is_none_or(|s| s.contains(toolset.id))
    }

    /// Whether the scope narrows anything, so lists may differ between requests.
    pub fn narrows(&self) -> bool {
        self.read_only || self.toolsets.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(sel: &Selection) -> usize {
        ds24_catalog::all().filter(|f| sel.enables(f)).count()
    }

    #[test]
    fn default_is_the_hosted_set_and_all_is_everything() {
        let defaults = ds24_catalog::all().filter(|f| f.is_default()).count();
        assert_eq!(count(&Selection::default()), defaults);
        assert!(defaults < ds24_catalog::all().count());
        assert_eq!(
            count(&Selection::new(Some("all"), &[], &[], false).unwrap()),
            ds24_catalog::all().count()
        );
    }

    #[test]
    fn lists_include_and_exclude() {
        let sel = Selection::new(
            Some("refunds,products"),
            &["ipnInfo".into()],
            &["deleteProduct".into()],
            false,
        )
        .unwrap();
        let names: BTreeSet<_> = ds24_catalog::all()
            .filter(|f| sel.enables(f))
            .map(|f| f.name)
            .collect();
        assert!(
            names.contains("refundPurchase")
                && names.contains("getProduct")
                && names.contains("ipnInfo")
        );
        assert!(!names.contains("deleteProduct") && !names.contains("listPurchases"));
        let sel = Selection::new(Some("default,refunds"), &[], &[], false).unwrap();
        let refunds = ds24_catalog::toolset("refunds").unwrap();
        assert!(!refunds.default_on);
        assert_eq!(
            count(&sel),
            count(&Selection::default()) + refunds.functions.len()
        );
    }

    #[test]
    fn tools_alone_offer_exactly_those_tools() {
        let sel =
            Selection::new(None, &["listProducts".into(), "ipnInfo".into()], &[], false).unwrap();
        let names: BTreeSet<_> = ds24_catalog::all()
            .filter(|f| sel.enables(f))
            .map(|f| f.name)
            .collect();
        assert_eq!(names, BTreeSet::from(["ipnInfo", "listProducts"]));
        let with_defaults =
            Selection::new(Some("default"), &["ipnInfo".into()], &[], false).unwrap();
        assert_eq!(count(&with_defaults), count(&Selection::default()) + 1);
    }

    #[test]
    fn unknown_names_are_errors() {
        assert!(matches!(
            ToolsetSpec::parse("prodcts"),
            Err(SelectionError::UnknownToolset(_))
        ));
        assert!(Selection::new(Some("default"), &["PostCreateproduct".into()], &[], false).is_ok());
        assert!(matches!(
            Selection::new(Some("default"), &["nope".into()], &[], false),
            Err(SelectionError::UnknownTool(_))
        ));
    }
}
