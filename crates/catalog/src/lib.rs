//! The Digistore24 vendor API as data.
//!
//! Every API function is one [`Function`] entry in `functions/<toolset>.rs`, inside the
//! [`Toolset`] it belongs to. That entry is the single source of truth: the MCP tool list,
//! argument validation and encoding, annotations, toolset filters and the README's tool table
//! are all derived from it.
//!
//! The crate is pure data with no I/O and no dependencies, so it can be read on its own and
//! used by any layer (the server derives tools from it; the sandbox only uses it in
//! cross-check tests, because it must implement the API on its own side of the wire).

mod functions;
mod model;

pub use model::{
    Access, Class, DestructiveWhen, Effect, Format, Function, HttpMethod, Kind, NotDoneWhen, Param,
    Report, Toolset, Ty, fragments,
};

/// All functions, sorted by name (the order `tools/list` uses).
pub fn all() -> impl Iterator<Item = &'static Function> {
    functions::SORTED.iter().copied()
}

/// Looks a function up by its Digistore24 name (case-sensitive, like the API).
pub fn get(name: &str) -> Option<&'static Function> {
    functions::SORTED
        .binary_search_by(|f| f.name.cmp(name))
        .ok()
        .and_then(|i| functions::SORTED.get(i).copied())
}

/// Looks a function up by either of its names: Digistore24's (`createProduct`) or the hosted
/// server's (`PostCreateproduct`), which existing prompts use.
pub fn resolve(name: &str) -> Option<&'static Function> {
    get(name).or_else(|| all().find(|f| f.official_name() == name))
}

/// Every toolset, in display order.
pub fn toolsets() -> &'static [&'static Toolset] {
    functions::TOOLSETS
}

/// Looks a toolset up by its id (`product_groups`).
pub fn toolset(id: &str) -> Option<&'static Toolset> {
    functions::TOOLSETS.iter().copied().find(|t| t.id == id)
}
