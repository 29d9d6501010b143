//! The crate's top-level modules form a DAG, and `metrics` depends on `model` only: read from the
//! `crate::…` paths of the shipped (non-test) source, so an import that closes a cycle fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Code that ships: comments and the `#[cfg(test)]` tail of a file left out; test-only files
/// (unit-test modules, the store contract suite) skipped.
fn shipped_code(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    if name.contains("test") || name.starts_with("contract") {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let text = text.split("#[cfg(test)]\nmod ").next().unwrap_or_default();
    Some(
        text.lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

fn collect(dir: &Path, top: Option<&str>, graph: &mut Graph) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
        let module = top.map(str::to_string).unwrap_or_else(|| stem.clone());
        if path.is_dir() {
            collect(&path, Some(&module), graph);
            continue;
        }
        if top.is_none() && (stem == "lib" || stem == "main") {
            continue;
        }
        let Some(code) = shipped_code(&path) else { continue };
        let uses = graph.entry(module.clone()).or_default();
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + "crate::".len()..];
            let target: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !target.is_empty() && target != module {
                uses.insert(target);
            }
        }
    }
}

fn graph() -> Graph {
    let mut graph = Graph::new();
    collect(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), None, &mut graph);
    graph
}

/// A cycle through `start`, as the path of modules, if there is one.
fn cycle_through(graph: &Graph, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![(start.to_string(), vec![start.to_string()])];
    let mut seen = BTreeSet::new();
    while let Some((at, path)) = stack.pop() {
        for next in graph.get(&at).into_iter().flatten() {
            if next == start {
                return Some([path.clone(), vec![next.clone()]].concat());
            }
            if seen.insert(next.clone()) {
                stack.push((next.clone(), [path.clone(), vec![next.clone()]].concat()));
            }
        }
    }
    None
}

#[test]
fn top_level_modules_form_a_dag() {
    let graph = graph();
    assert!(
        graph.contains_key("service") && graph.contains_key("store"),
        "{graph:?}"
    );
    for module in graph.keys() {
        if let Some(cycle) = cycle_through(&graph, module) {
            panic!("import cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn metrics_depends_on_the_model_only() {
    let graph = graph();
    assert_eq!(graph["metrics"], BTreeSet::from(["model".to_string()]));
}

#[test]
fn a_cycle_is_found() {
    let mut graph = Graph::new();
    for (from, to) in [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")] {
        graph.entry(from.into()).or_default().insert(to.into());
    }
    assert_eq!(cycle_through(&graph, "a").unwrap(), ["a", "b", "c", "a"]);
    assert_eq!(cycle_through(&graph, "d"), None);
}
