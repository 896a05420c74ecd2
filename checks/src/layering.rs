//! `checks/src` has no import cycle between its top-level modules: the commands (cli, prove,
//! mutants) stand on the library layer (check, launch, explore, ...) and none on another's
//! parts. docs/architecture-checks.md draws the layers.

use petgraph::algo::tarjan_scc;
use petgraph::graphmap::DiGraphMap;
use std::collections::BTreeMap;
use std::path::Path;

/// The top-level modules each top-level module names through `crate::`, comments left out.
fn imports(sources: &[(String, String)]) -> BTreeMap<String, Vec<String>> {
    let prefix = concat!("crate", "::");
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (module, text) in sources {
        let named = out.entry(module.clone()).or_default();
        for line in text.lines() {
            let code = line.split("//").next().unwrap_or_default();
            for (i, _) in code.match_indices(prefix) {
                let rest = &code[i + prefix.len()..];
                let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
                let m = &rest[..end];
                if !m.is_empty() && m != module && !named.iter().any(|n| n == m) {
                    named.push(m.to_string());
                }
            }
        }
    }
    out
}

/// The module groups that import each other in a loop.
fn cycles(imports: &BTreeMap<String, Vec<String>>) -> Vec<Vec<String>> {
    let mut g = DiGraphMap::<&str, ()>::new();
    for (m, named) in imports {
        g.add_node(m);
        for n in named {
            g.add_edge(m, n, ());
        }
    }
    let mut loops: Vec<Vec<String>> = tarjan_scc(&g)
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|c| {
            let mut c: Vec<String> = c.into_iter().map(str::to_string).collect();
            c.sort();
            c
        })
        .collect();
    loops.sort();
    loops
}

/// Every `.rs` file under `dir`, keyed by its top-level module (`explore/backends.rs` is `explore`).
fn read_sources(dir: &Path, top: Option<&str>, out: &mut Vec<(String, String)>) {
    for e in std::fs::read_dir(dir).expect("checks/src").flatten() {
        let path = e.path();
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        let module = top.map_or(stem.clone(), str::to_string);
        if path.is_dir() {
            read_sources(&path, Some(&module), out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push((module, std::fs::read_to_string(&path).expect("a source file")));
        }
    }
}

#[test]
fn checks_src_has_no_import_cycle() {
    let mut sources = Vec::new();
    read_sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), None, &mut sources);
    let loops = cycles(&imports(&sources));
    assert!(loops.is_empty(), "checks/src modules import each other in a loop: {loops:?}");
}

#[test]
fn an_injected_cycle_is_found() {
    let src = |m: &str, t: &str| (m.to_string(), t.to_string());
    let p = concat!("crate", "::");
    let sources = vec![
        src("cli", &format!("use {p}check::load;\n")),
        src("check", &format!("use {p}explore::x; // {p}cli in a comment is no import\n")),
        src("explore", &format!("fn f() {{ {p}check::g() }}\n")),
    ];
    assert_eq!(cycles(&imports(&sources)), vec![vec!["check".to_string(), "explore".to_string()]]);
}
