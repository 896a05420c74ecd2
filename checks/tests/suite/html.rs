//! `--html` pages loaded in a real browser (headless chromium): the page's own self-check writes
//! what it drew into `#selfcheck`, which `--dump-dom` hands back. CI installs chromium
//! (.ci/install-deps.sh); without it this test installs it when root, and skips, saying why,
//! only when it cannot.

use crate::common::rtnl_check;
use std::path::{Path, PathBuf};
use std::process::Command;

fn have_chromium() -> bool {
    Command::new("chromium").arg("--version").output().is_ok_and(|o| o.status.success())
}

/// chromium, installed if missing and possible; `None` (with the reason printed) if not.
fn chromium() -> Option<&'static str> {
    if have_chromium() {
        return Some("chromium");
    }
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if !root {
        eprintln!("SKIPPED: chromium is not installed and installing it needs root (bash .ci/install-deps.sh)");
        return None;
    }
    let deps = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/install-deps.sh");
    let ok = Command::new("bash").arg(deps).status().is_ok_and(|s| s.success()) && have_chromium();
    if !ok {
        eprintln!("SKIPPED: chromium could not be installed (bash .ci/install-deps.sh failed)");
        return None;
    }
    Some("chromium")
}

/// Loads `page` headless and returns the `#selfcheck` attributes, failing on console errors.
fn load(browser: &str, page: &Path) -> Vec<(String, String)> {
    let url = format!("file://{}", page.display());
    let o = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0", "--dump-dom", &url])
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&o.stdout).into_owned();
    let log = String::from_utf8_lossy(&o.stderr).into_owned();
    let console: Vec<&str> = log.lines().filter(|l| l.contains("CONSOLE") || l.contains("Uncaught")).collect();
    assert!(console.is_empty(), "console messages:\n{}", console.join("\n"));
    let start = dom.find("<div id=\"selfcheck\"").unwrap_or_else(|| panic!("no #selfcheck in the DOM:\n{dom}"));
    let tag = &dom[start..start + dom[start..].find('>').expect("tag ends")];
    let mut attrs = Vec::new();
    for part in tag.split("\" ").filter_map(|p| p.split_once("=\"")) {
        let name = part.0.rsplit(' ').next().unwrap_or_default().to_string();
        attrs.push((name, part.1.trim_end_matches('"').replace("&gt;", ">").replace("&amp;", "&")));
    }
    attrs
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> &'a str {
    attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).unwrap_or_else(|| panic!("no {name} in {attrs:?}"))
}

fn page(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rtnl-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

#[test]
fn a_counterexample_page_shows_lanes_the_failing_step_and_no_errors() {
    let Some(browser) = chromium() else { return };
    let out = page("violation.html");
    let o = rtnl_check(&[
        "check",
        "scenarios/mutants/ipvlan-lower-del-upper-other-netns.sh",
        "--explorer",
        "std",
        "--mode",
        "series",
        "--mutant",
        "ipvlan-event-upper-net",
        "--html",
        out.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let a = load(browser, &out);
    assert_eq!(attr(&a, "data-ok"), "1", "{a:?}");
    assert_eq!(attr(&a, "data-errors"), "", "script errors");
    let lanes = attr(&a, "data-lanes");
    assert_eq!(lanes, "ip#15|ip#16|ip#17|ip#18|ip#19|main", "a lane per ip command (named by line), and main");
    let hl = attr(&a, "data-highlighted");
    assert!(hl.contains("WARNING [S5]"), "the failing step is highlighted: {hl}");
    assert!(!attr(&a, "data-stack").is_empty(), "the failing step's call stack is shown");
    assert!(attr(&a, "data-holds").parse::<usize>().expect("a count") > 0, "lock holds are drawn");
    assert!(attr(&a, "data-devices").contains("ipvl"), "{a:?}");
}

#[test]
fn a_passing_run_draws_its_first_execution_per_mode() {
    let Some(browser) = chromium() else { return };
    let out = page("cover-letter.html");
    let o = rtnl_check(&[
        "check",
        "scenarios/cover-letter.sh",
        "--explorer",
        "std",
        "--iterations",
        "3",
        "--trace",
        "--html",
        out.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let a = load(browser, &out);
    assert_eq!(attr(&a, "data-errors"), "");
    assert_eq!(attr(&a, "data-runs"), "2", "pre-series and series");
    assert_eq!(attr(&a, "data-highlighted"), "", "nothing failed");
    let lanes = attr(&a, "data-lanes");
    assert!(lanes.contains("ip#11") && lanes.contains("main"), "{lanes}");
    assert_eq!(attr(&a, "data-devices"), "veth1|veth0|ipvl2|ipvl3");
}
