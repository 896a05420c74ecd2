//! Keeps docs/mutants.md true to the catalogue in `rtnl_model::mutants`: every mutant has a row
//! in its catalogue table (where it lives, the property it breaks, who caught it, its scenarios)
//! and a line in its kill matrix, and the page names no mutant the catalogue does not have.
//! Cheap: it reads the page, it does not rerun the matrix (`rtnl-check mutants` does).

use rtnl_model::Mutant;
use std::collections::BTreeSet;

const DOC: &str = include_str!("../../../docs/mutants.md");
const CHECKERS: [&str; 5] = ["loom", "shuttle", "pct", "lock-order graph", "end-state checks"];

/// The lines of the section headed `heading`, up to the next `## ` heading.
fn section(heading: &str) -> Vec<&'static str> {
    let mut lines = DOC.lines().skip_while(|l| l.trim() != heading);
    assert!(lines.next().is_some(), "docs/mutants.md has no {heading:?} section");
    lines.take_while(|l| !l.starts_with("## ")).collect()
}

fn unquote(cell: &str) -> &str {
    cell.trim().trim_matches('`')
}

#[test]
fn catalogue_table_matches_the_catalogue() {
    let mut seen = BTreeSet::new();
    for line in section("## Catalogue").into_iter().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        assert_eq!(cells.len(), 5, "malformed row: {line}");
        let name = unquote(cells[0]);
        let m = Mutant::from_name(name).unwrap_or_else(|| panic!("docs/mutants.md lists unknown mutant {name:?}"));
        assert!(seen.insert(m), "{name} listed twice");
        assert_eq!(unquote(cells[1]), m.function(), "{name}: where it lives");
        match m.breaks() {
            Some(p) => assert_eq!(cells[2], p.to_string(), "{name}: property"),
            None => assert_eq!(cells[2], "— (equivalent)", "{name}: an equivalent mutant"),
        }
        let caught_by: Vec<&str> = cells[3].split(", ").collect();
        if m.equivalent() {
            assert_eq!(cells[3], "none (equivalent)", "{name}: caught by");
        } else {
            assert!(caught_by.iter().all(|c| CHECKERS.contains(c)), "{name}: unknown checker in {:?}", cells[3]);
            assert!(caught_by.iter().any(|c| ["loom", "shuttle", "pct"].contains(c)), "{name}: caught by no explorer");
        }
        // Each scenario names the variants the mutant runs with (a follow-up conversion).
        let with: String = m.requires().iter().map(|v| format!(" with `--variant {v}`")).collect();
        let scenarios: Vec<&str> = cells[4]
            .split("<br>")
            .map(|c| {
                unquote(c.strip_suffix(with.as_str()).unwrap_or_else(|| panic!("{name}: {c} does not end in {with:?}")))
            })
            .collect();
        assert_eq!(scenarios, m.scenarios(), "{name}: scenarios");
    }
    let missing: Vec<&str> = Mutant::ALL.iter().filter(|m| !seen.contains(m)).map(|m| m.name()).collect();
    assert!(missing.is_empty(), "docs/mutants.md has no catalogue row for {missing:?}");
}

#[test]
fn kill_matrix_has_every_mutant() {
    let lines = section("## Kill matrix");
    let rows: Vec<&str> = lines
        .iter()
        .copied()
        .skip_while(|l| !l.starts_with("mutant "))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .collect();
    let mut seen = BTreeSet::new();
    for row in &rows {
        let name = row.split_whitespace().next().unwrap_or_default();
        let m = Mutant::from_name(name).unwrap_or_else(|| panic!("the kill matrix lists unknown mutant {name:?}"));
        seen.insert(m);
        match m.breaks() {
            Some(p) => assert!(row.ends_with(&p.to_string()), "{name}: the matrix row does not end with {p}: {row}"),
            None => assert!(row.contains("survives: equivalent"), "{name}: the matrix row does not say it survives"),
        }
    }
    assert_eq!(seen.len(), Mutant::ALL.len(), "the kill matrix has {} of {} mutants", seen.len(), Mutant::ALL.len());
    assert!(lines.iter().any(|l| l.starts_with("result: PASS")), "the recorded kill matrix did not pass");
    assert!(lines.iter().any(|l| l.starts_with("faithful model: clean")), "the recorded faithful runs were not clean");
}
