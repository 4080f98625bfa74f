//! The catalog as MCP tools: names, descriptions, schemas, annotations, and which tools a
//! connection may see.
//!
//! Everything here is derived from `ds24_catalog` once at startup; `tools/list` and
//! `tools/call` only look things up.

pub mod bounds;
pub mod compact;
mod schema;
mod select;
mod validate;

use std::collections::HashMap;
use std::sync::Arc;

use ds24_catalog::{Access, Effect, Function, Param, Toolset};
use rmcp::model::{Tool, ToolAnnotations};
use serde_json::{Map, Value};

pub use bounds::{LIMITS, Limits};
pub use compact::Mode;
pub use select::{Scope, Selection, SelectionError, ToolsetSpec};
pub use validate::{MAX_LISTED, Problems};

/// Which names tools are listed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum NameStyle {
    /// Digistore24 function names (`createProduct`).
    #[default]
    Ds24,
    /// The hosted Digistore24 MCP server's names (`PostCreateproduct`).
    Official,
}

/// One tool: its function and its two views.
#[derive(Debug)]
pub struct ToolEntry {
    /// The catalog entry.
    pub function: &'static Function,
    /// The name the tool is listed under.
    pub name: String,
    full: Tool,
    read_only: Option<Tool>,
}

impl ToolEntry {
    /// The tool as a connection with this read-only setting sees it; `None` if that connection
    /// may not use it at all.
    pub fn view(&self, read_only: bool) -> Option<&Tool> {
        if read_only {
            self.read_only.as_ref()
        } else {
            Some(&self.full)
        }
    }

    /// The parameters a call may use under this read-only setting.
    pub fn params(&self, read_only: bool) -> Vec<&'static Param> {
        self.function
            .params
            .iter()
            .filter(|p| !(read_only && p.mutating))
            .collect()
    }

    /// Validates and normalises call arguments against the parameters of this view.
    pub fn validate(
        &self,
        read_only: bool,
        args: &Map<String, Value>,
    ) -> Result<Map<String, Value>, Problems> {
        validate::validate(&self.params(read_only), args)
    }
}

/// All tools of the catalog, built once.
#[derive(Debug)]
pub struct Inventory {
    entries: Vec<ToolEntry>,
    by_name: HashMap<String, usize>,
    selection: Selection,
    style: NameStyle,
    mode: Mode,
}

impl Inventory {
    /// Builds every tool under `style` and remembers which ones `selection` enables.
    pub fn new(style: NameStyle, selection: Selection) -> Self {
        let mut entries: Vec<ToolEntry> = ds24_catalog::all().map(|f| build(f, style)).collect();
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        let mut by_name = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            by_name.insert(e.name.clone(), i);
        }
        // The other style's names are accepted in calls too, so existing prompts keep working
        // whichever style is listed; listed names win on a clash.
        for (i, e) in entries.iter().enumerate() {
            let alias = match style {
                NameStyle::Ds24 => e.function.official_name(),
                NameStyle::Official => e.function.name.to_owned(),
            };
            by_name.entry(alias).or_insert(i);
        }
        Self {
            entries,
            by_name,
            selection,
            style,
            mode: Mode::Full,
        }
    }

    /// Offers the tools in `mode` unless a request asks otherwise.
    #[must_use]
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// The server's default presentation.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The naming style in use.
    pub fn style(&self) -> NameStyle {
        self.style
    }

    /// Looks a tool up by any of its names, enabled or not.
    pub fn get(&self, name: &str) -> Option<&ToolEntry> {
        self.by_name.get(name).and_then(|&i| self.entries.get(i))
    }

    /// Whether the server's configuration enables this tool at all.
    pub fn enabled(&self, entry: &ToolEntry) -> bool {
        self.selection.enables(entry.function)
    }

    /// The tools a connection with `scope` sees, in deterministic (name) order.
    pub fn visible<'a>(
        &'a self,
        scope: &'a Scope,
    ) -> impl Iterator<Item = (&'a ToolEntry, &'a Tool)> + 'a {
        self.entries
            .iter()
            .filter(move |e| {
                self.selection.enables(e.function) && scope.allows_toolset(e.function.toolset)
            })
            .filter_map(move |e| e.view(self.read_only(scope)).map(|t| (e, t)))
    }

    /// Whether `scope` is read-only, counting the server-wide setting.
    pub fn read_only(&self, scope: &Scope) -> bool {
        self.selection.read_only || scope.read_only
    }

    /// Every entry, enabled or not (for docs).
    pub fn entries(&self) -> &[ToolEntry] {
        &self.entries
    }
}

fn build(f: &'static Function, style: NameStyle) -> ToolEntry {
    let name = match style {
        NameStyle::Ds24 => f.name.to_owned(),
        NameStyle::Official => f.official_name(),
    };
    let has_mutating = f.params.iter().any(|p| p.mutating);
    let make = |read_only_view: bool| {
        let schema = schema::input_schema(f.params, read_only_view);
        let reads = f.effect == Effect::Read && (read_only_view || !has_mutating);
        let mut tool = Tool::new(name.clone(), describe(f, read_only_view), Arc::new(schema))
            .with_annotations(annotations(f, reads));
        // A title that only repeats the name costs context and tells the model nothing.
        if f.has_own_title() {
            tool = tool.with_title(f.title_text());
        }
        tool
    };
    let read_only = (f.effect == Effect::Read).then(|| make(true));
    let full = make(false);
    ToolEntry {
        function: f,
        name,
        full,
        read_only,
    }
}

/// Annotations where they differ from the spec's defaults (readOnlyHint false, destructiveHint
/// true, idempotentHint false, openWorldHint true). The one exception: a destructive tool says
/// so explicitly, because a client that gets the default wrong would otherwise skip its
/// approval prompt for a call that moves money.
fn annotations(f: &Function, reads: bool) -> ToolAnnotations {
    let mut a = ToolAnnotations::new();
    if reads {
        a.read_only_hint = Some(true);
        return a;
    }
    a.destructive_hint = Some(f.may_destroy());
    if f.is_idempotent() {
        a.idempotent_hint = Some(true);
    }
    a
}

/// The description a model reads: what the tool does, and only what the annotations and the
/// server instructions do not already say (the key a read or a write needs and how to write
/// times are in the instructions, once).
fn describe(f: &Function, read_only_view: bool) -> String {
    let mut text = f.summary.trim_end().to_owned();
    if !text.ends_with('.') {
        text.push('.');
    }
    match f.access {
        Access::Full if !f.writes() => text.push_str(" Needs a full-access key."),
        Access::Developer => text.push_str(" Needs a developer key."),
        Access::Any | Access::Read | Access::Full => {}
    }
    if f.effect == Effect::Destructive {
        text.push_str(" Destructive.");
    } else if let Some(when) = f.destructive_when {
        text.push_str(&format!(" Destructive when {}.", when.words));
    }
    if !read_only_view {
        for p in f.params.iter().filter(|p| p.mutating) {
            text.push_str(&format!(" Setting `{}` changes data.", p.name));
        }
    }
    text
}

/// Toolset ids, for help texts and error messages.
pub fn toolset_names() -> Vec<&'static str> {
    ds24_catalog::toolsets().iter().map(|t| t.id).collect()
}

/// Looks a toolset up by id, for flags and headers.
pub fn toolset(id: &str) -> Option<&'static Toolset> {
    ds24_catalog::toolset(id)
}
