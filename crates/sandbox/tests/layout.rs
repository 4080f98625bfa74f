//! The crate's module layout rules, checked on the source: no import cycle between the
//! top-level modules, no handler module importing another handler module, and the seed a leaf
//! (nothing but the wire layer uses it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module path (`handlers::refunds`) → source text without its unit tests.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, root, out);
                continue;
            }
            if p.extension().and_then(|x| x.to_str()) != Some("rs") {
                continue;
            }
            let rel = p.strip_prefix(root).unwrap().with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if parts.last().is_some_and(|l| l == "mod" || l == "lib") {
                parts.pop();
            }
            let text = std::fs::read_to_string(&p).unwrap();
            let text = text
                .split("#[cfg(test)]\nmod tests")
                .next()
                .unwrap()
                .to_string();
            out.insert(parts.join("::"), text);
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    walk(&root, &root, &mut out);
    out
}

/// The modules a module's code names through `crate::` or `super::` (longest existing module
/// prefix), including grouped imports such as `use crate::{handlers::x, store::Tx}`.
fn targets(mods: &BTreeMap<String, String>, module: &str, text: &str) -> BTreeSet<String> {
    let mut paths = Vec::new();
    let parent = module.rsplit_once("::").map_or("", |(p, _)| p);
    for (prefix, base) in [("crate::", String::new()), ("super::", parent.to_owned())] {
        for (i, _) in text.match_indices(prefix) {
            // `crate::` inside `super::crate::` or an identifier ending in it is not a path start.
            if text[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let rest = &text[i + prefix.len()..];
            let join = |p: &str| {
                if base.is_empty() {
                    p.to_owned()
                } else {
                    format!("{base}::{p}")
                }
            };
            if let Some(group) = rest.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or("");
                for item in inner.split(',') {
                    paths.push(join(item.split(" as ").next().unwrap_or("").trim()));
                }
            } else {
                let path: String = rest
                    .chars()
                    .take_while(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == ':'
                    })
                    .collect();
                paths.push(join(&path));
            }
        }
    }
    let mut out = BTreeSet::new();
    for path in paths {
        let segs: Vec<&str> = path
            .split("::")
            .map(str::trim)
            .filter(|s| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            })
            .collect();
        for n in (1..=segs.len()).rev() {
            let cand = segs[..n].join("::");
            if mods.contains_key(&cand) && cand != module {
                out.insert(cand);
                break;
            }
        }
    }
    out
}

fn top(m: &str) -> &str {
    m.split("::").next().unwrap_or(m)
}

#[test]
fn no_import_cycles_and_handlers_stay_apart() {
    let mods = modules();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut problems = Vec::new();
    for (name, text) in &mods {
        if name.is_empty() {
            continue; // lib.rs wires everything together
        }
        for t in targets(&mods, name, text) {
            if name.starts_with("handlers::") && t.starts_with("handlers") {
                problems.push(format!("{name} imports {t}"));
            }
            if top(&t) == "seed" && top(name) != "seed" && name != "wire" {
                problems.push(format!("{name} uses the seed (only the wire layer may)"));
            }
            if top(&t) != top(name) {
                graph
                    .entry(top(name).to_string())
                    .or_default()
                    .insert(top(&t).to_string());
            }
        }
        if name.starts_with("handlers::") && text.contains("super::") {
            problems.push(format!("{name} reaches into a sibling through super::"));
        }
    }
    // Depth-first search for a cycle among the top-level modules.
    fn visit(
        g: &BTreeMap<String, BTreeSet<String>>,
        n: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == n) {
            let mut c = path[i..].to_vec();
            c.push(n.to_string());
            return Some(c);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_string());
        for m in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(g, m, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for n in graph.keys() {
        if let Some(c) = visit(&graph, n, &mut Vec::new(), &mut done) {
            problems.push(format!("import cycle: {}", c.join(" -> ")));
            break;
        }
    }
    assert!(
        mods.keys().filter(|m| m.starts_with("handlers::")).count() >= 30,
        "expected one handler module per toolset"
    );
    assert!(problems.is_empty(), "{problems:#?}\ngraph: {graph:#?}");
}
