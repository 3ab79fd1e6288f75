//! The shape of `src/core/`: no import cycle between its modules, and no check that imports the planner
//! or the run loop. Read from the source, outside test code, so that a new `use` breaking either fails
//! here with the path it took.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The modules of `src/core/`, each with the other core modules its non-test code names. The files of
/// `checks/` are one module: they may name each other and their registry freely.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&root).expect("src/core") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            for inner in std::fs::read_dir(&path).expect("a folder") {
                files.push(inner.expect("an entry").path());
            }
        } else {
            files.push(path);
        }
    }
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
    {
        let rel = path.strip_prefix(&root).expect("under src/core");
        let in_checks = rel.starts_with("checks");
        let name = if in_checks {
            "checks".to_string()
        } else {
            rel.file_stem()
                .expect("a name")
                .to_string_lossy()
                .into_owned()
        };
        if name == "mod" {
            continue;
        }
        let text = std::fs::read_to_string(path).expect("readable");
        // Test modules come last in every file; what they import is not the module's shape.
        // Comments may name any module; only code imports.
        let code: String = text
            .split("#[cfg(test)]")
            .next()
            .unwrap_or("")
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let code = code.as_str();
        let edges = graph.entry(name.clone()).or_default();
        for (at, _) in code.match_indices("crate::core::") {
            edges.extend(targets(&code[at + "crate::core::".len()..]));
        }
        for (at, _) in code.match_indices("super::") {
            let rest = &code[at + "super::".len()..];
            let target = first_ident(rest);
            // In `checks/`, `super::` is the checks module itself, except `super::super::`.
            if in_checks && target != "super" {
                continue;
            }
            if target == "super" {
                edges.extend(targets(&rest["super::".len()..]));
            } else {
                edges.extend(targets(rest));
            }
        }
        edges.retain(|t| *t != name && !t.is_empty() && t != "self");
    }
    // Keep only edges to modules of the core (a brace group such as `super::{a, b}` names several).
    let names: BTreeSet<String> = graph.keys().cloned().collect();
    for edges in graph.values_mut() {
        edges.retain(|t| names.contains(t));
    }
    graph
}

/// The modules a path names after `core::` or `super::`: one, or each of a `{a, b::c}` group.
fn targets(s: &str) -> Vec<String> {
    match s.strip_prefix('{') {
        Some(group) => group
            .split('}')
            .next()
            .unwrap_or("")
            .split(',')
            .map(|item| first_ident(item.trim()))
            .collect(),
        None => vec![first_ident(s)],
    }
}

/// The identifier at the start of `s`.
fn first_ident(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// A cycle through `graph`, as the path that closes it, if there is one.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut c = path[at..].to_vec();
            c.push(node.to_string());
            return Some(c);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(c) = visit(node, graph, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

#[test]
fn the_core_has_no_import_cycle() {
    let g = graph();
    assert!(g.contains_key("checks") && g.contains_key("plan") && g.contains_key("input"));
    assert_eq!(cycle(&g), None, "an import cycle in src/core");
}

#[test]
fn no_check_imports_the_planner_or_the_run() {
    let g = graph();
    let checks = &g["checks"];
    for planner in ["plan", "run", "diagnosis", "report", "share", "export"] {
        assert!(
            !checks.contains(planner),
            "src/core/checks imports core::{planner}"
        );
    }
    assert!(
        checks.contains("input"),
        "the checks read their inputs from core::input"
    );
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let g: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec![]),
    ]
    .into_iter()
    .map(|(n, e)| (n.to_string(), e.into_iter().map(str::to_string).collect()))
    .collect();
    assert_eq!(
        cycle(&g),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    let mut acyclic = g.clone();
    acyclic.get_mut("c").unwrap().clear();
    assert_eq!(cycle(&acyclic), None);
}
